"""Finite-difference checks of analytical gradients (float64 inputs)."""
from .._errors import AutogradError


class GradcheckError(AutogradError):
    pass


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _indices(shape):
    idx = [()]
    for n in shape:
        idx = [i + (k,) for i in idx for k in range(n)]
    return idx


def _set(x, index, value):
    from .. import no_grad
    with no_grad():
        x.detach()[index] = value


def _jacobians(fn, inputs, eps):
    """Numerical and analytical Jacobians, one (out_numel x in_numel) table per
    (output, differentiable input) pair."""
    from .. import zeros_like
    from .engine import run_backward
    diff = [i for i, t in enumerate(inputs) if hasattr(t, "_rg") and t._rg]
    n_outs = len(_as_tuple(fn(*inputs)))
    results = []
    for oi in range(n_outs):
        for ii in diff:
            x = inputs[ii]
            # numerical: central differences, one input element at a time
            columns = []
            for index in _indices(tuple(x.shape)):
                orig = x.detach()[index].item()
                _set(x, index, orig + eps)
                plus = _as_tuple(fn(*inputs))[oi]
                _set(x, index, orig - eps)
                minus = _as_tuple(fn(*inputs))[oi]
                _set(x, index, orig)
                if not hasattr(plus, "_rg") or plus.dtype.category < 2:
                    columns = None
                    break
                p, q = plus.detach().reshape(-1).tolist(), minus.detach().reshape(-1).tolist()
                columns.append([(a - b) / (2 * eps) for a, b in zip(p, q)])
            if columns is None:
                continue
            out = _as_tuple(fn(*inputs))[oi]      # a fresh graph after the perturbations
            n_out, n_in = out.numel(), len(columns)
            numerical = [[columns[j][k] for j in range(n_in)] for k in range(n_out)]
            analytical = [[0.0] * n_in for _ in range(n_out)]
            if out.requires_grad:
                for k in range(n_out):
                    g = zeros_like(out).reshape(-1)
                    g[k] = 1.0
                    got = run_backward([out], [g.reshape(out.shape)], retain_graph=True,
                                       inputs=[x], allow_unused=True, accumulate=False)[0]
                    if got is not None:
                        analytical[k] = got.reshape(-1).tolist()
            results.append((oi, ii, numerical, analytical))
    return results


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              check_undefined_grad=True, **kwargs):
    """True when the analytical gradients of ``func`` match finite differences."""
    inputs = _as_tuple(inputs)
    for t in inputs:
        if hasattr(t, "_rg") and t._rg and t.dtype.name not in ("float64", "complex128"):
            import warnings
            warnings.warn(f"Input #{inputs.index(t)} requires gradient and is not a double "
                          "precision floating point. gradcheck is likely to fail.")
    for oi, ii, num, ana in _jacobians(func, inputs, eps):
        for k, (nr, ar) in enumerate(zip(num, ana)):
            for j, (nv, av) in enumerate(zip(nr, ar)):
                if abs(nv - av) > atol + rtol * abs(nv):
                    if raise_exception:
                        raise GradcheckError(
                            f"Jacobian mismatch for output {oi} with respect to input {ii},\n"
                            f"numerical:{nv}\nanalytical:{av}\n(at output element {k}, input "
                            f"element {j})")
                    return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, **kwargs):
    """Check second derivatives: gradcheck of the function's vector-Jacobian product."""
    from .. import randn_like
    from . import grad as _grad
    inputs = _as_tuple(inputs)
    outs = _as_tuple(func(*inputs))
    if grad_outputs is None:
        grad_outputs = tuple(randn_like(o).requires_grad_() for o in outs)
    diff = [t for t in inputs if hasattr(t, "_rg") and t._rg]
    n = len(inputs)

    def vjp(*args):
        ins, gos = args[:n], args[n:]
        o = _as_tuple(func(*ins))
        return _grad(o, [t for t in ins if hasattr(t, "_rg") and t._rg], gos,
                     create_graph=True, allow_unused=True)
    return gradcheck(vjp, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
