"""Autograd behaviour, checked against torch: backward options, grad(),
higher order, grad modes, hooks, custom Functions, gradcheck, anomaly mode,
version checks."""
import math

import pytest

import rustorch as rt

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")


def close(a, b, tol=1e-5):
    a = a.tolist() if hasattr(a, "tolist") else a
    b = b.tolist() if hasattr(b, "tolist") else b
    if isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            close(x, y, tol)
    else:
        assert abs(a - b) <= tol * (1 + abs(b)), (a, b)


def both(values, **kw):
    return rt.tensor(values, **kw), torch.tensor(values, **{k: getattr(torch, v.name) if k == "dtype" else v
                                                          for k, v in kw.items()})


# ---------------------------------------------------------------- backward options
def test_backward_with_gradient_argument(device):
    for m in (rt, torch):
        kw = {"device": device} if m is rt else {}
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, **kw)
        y = x * x
        y.backward(m.tensor([[1.0, 0.5], [0.0, 2.0]], **kw))
        if m is rt:
            got = x.grad
        else:
            want = x.grad
    close(got, want)


def test_backward_non_scalar_needs_gradient():
    x = rt.ones(3, requires_grad=True)
    with pytest.raises(rt.AutogradError, match="implicitly created only for scalar"):
        (x * 2).backward()
    with pytest.raises(RuntimeError):
        (x * 2).backward()


def test_backward_twice_needs_retain_graph():
    x = rt.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    close(x.grad, [2 * (math.e + math.e), 2 * (2 * math.e ** 2 + math.e ** 2)])
    z = (x.exp() * x).sum()
    z.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        z.backward()


def test_leaf_gradients_accumulate_in_place():
    x = rt.ones(3, requires_grad=True)
    (x * 2).sum().backward()
    first = x.grad
    (x * 3).sum().backward()
    assert first is x.grad
    close(x.grad, [5.0, 5.0, 5.0])


def test_no_grad_for_non_requiring_output():
    x = rt.ones(3)
    with pytest.raises(RuntimeError, match="does not require grad"):
        x.sum().backward()


def test_broadcast_gradient_is_reduced_to_input_shape():
    a, ta = both([[1.0], [2.0], [3.0]], requires_grad=True)
    b, tb = both([10.0, 20.0], requires_grad=True)
    (a * b).sum().backward()
    (ta * tb).sum().backward()
    close(a.grad, ta.grad)
    close(b.grad, tb.grad)
    assert tuple(a.grad.shape) == (3, 1) and tuple(b.grad.shape) == (2,)


def test_gradient_flows_through_dtype_cast():
    x = rt.tensor([1.0, 2.0], dtype=rt.float32, requires_grad=True)
    y = (x.double() * rt.tensor([3.0, 4.0], dtype=rt.float64)).sum()
    y.backward()
    assert x.grad.dtype is rt.float32
    close(x.grad, [3.0, 4.0])


def test_backward_inputs_argument_limits_accumulation():
    x = rt.ones(2, requires_grad=True)
    y = rt.ones(2, requires_grad=True)
    (x * y * 3).sum().backward(inputs=[x])
    close(x.grad, [3.0, 3.0])
    assert y.grad is None


# ---------------------------------------------------------------- autograd.grad
def test_grad_returns_without_accumulating():
    x = rt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x ** 3).sum()
    (g,) = rt.autograd.grad(y, x)
    close(g, [3.0, 12.0, 27.0])
    assert x.grad is None


def test_grad_wrt_intermediate_and_allow_unused():
    x = rt.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    unused = rt.ones(2, requires_grad=True)
    y = (h * h).sum()
    gh, gu = rt.autograd.grad(y, [h, unused], allow_unused=True, retain_graph=True)
    close(gh, [4.0, 8.0])
    assert gu is None
    with pytest.raises(RuntimeError, match="not have been used in the graph"):
        rt.autograd.grad(y, [unused])


def test_grad_materialize_grads():
    x = rt.ones(2, requires_grad=True)
    u = rt.ones(3, requires_grad=True)
    _, gu = rt.autograd.grad((x * 2).sum(), [x, u], materialize_grads=True)
    close(gu, [0.0, 0.0, 0.0])


# ---------------------------------------------------------------- higher order
@pytest.mark.parametrize("name,fn", [
    ("cube", lambda m, x: x ** 3),
    ("tanh", lambda m, x: x.tanh()),
    ("sigmoid_mul", lambda m, x: x.sigmoid() * x),
    ("exp_sin", lambda m, x: x.exp().sin()),
    ("div", lambda m, x: 1 / (x * x + 1)),
    ("log_softplus", lambda m, x: (x.exp() + 1).log()),
])
def test_second_and_third_derivatives_match_torch(name, fn):
    vals = [0.3, -0.7, 1.2]
    res = []
    for m in (rt, torch):
        x = m.tensor(vals, dtype=m.float64, requires_grad=True)
        y = fn(m, x).sum()
        (g1,) = m.autograd.grad(y, x, create_graph=True)
        (g2,) = m.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = m.autograd.grad(g2.sum(), x)
        res.append((g1, g2, g3))
    for a, b in zip(*res):
        close(a.detach(), b.detach(), 1e-9)


def test_gradient_penalty_backward_through_grad():
    for m in (rt, torch):
        w = m.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=m.float64, requires_grad=True)
        x = m.tensor([[1.0, 2.0], [-1.0, 0.5]], dtype=m.float64, requires_grad=True)
        out = (x @ w).tanh().sum()
        (gx,) = m.autograd.grad(out, x, create_graph=True)
        penalty = (gx ** 2).sum()
        penalty.backward()
        if m is rt:
            got = w.grad
        else:
            want = w.grad
    close(got, want, 1e-9)


def test_gradgradcheck_matmul():
    a = rt.randn(3, 4, dtype=rt.float64, requires_grad=True)
    b = rt.randn(4, 2, dtype=rt.float64, requires_grad=True)
    assert rt.autograd.gradgradcheck(lambda p, q: (p @ q).tanh(), (a, b))


# ---------------------------------------------------------------- grad modes
def test_no_grad_context_and_decorator():
    x = rt.ones(2, requires_grad=True)
    with rt.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None

    @rt.no_grad()
    def f(t):
        return t * 3
    assert not f(x).requires_grad
    assert (x * 2).requires_grad


def test_enable_grad_inside_no_grad():
    x = rt.ones(2, requires_grad=True)
    with rt.no_grad():
        with rt.enable_grad():
            y = x * 2
    assert y.requires_grad


def test_set_grad_enabled_function_and_context():
    x = rt.ones(2, requires_grad=True)
    with rt.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert rt.is_grad_enabled()
    rt.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        rt.set_grad_enabled(True)


def test_inference_mode():
    x = rt.ones(2, requires_grad=True)
    with rt.inference_mode():
        y = x * 2
        assert rt.is_inference_mode_enabled()
    assert not y.requires_grad and y.is_inference
    with pytest.raises(RuntimeError, match="inference tensor"):
        y.add_(1)
    with pytest.raises(RuntimeError):
        y.requires_grad_()


# ---------------------------------------------------------------- hooks
def test_tensor_hook_changes_gradient_like_torch():
    res = []
    for m in (rt, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x * 3
        handle = h.register_hook(lambda g: g * 10)
        (h * h).sum().backward()
        res.append(x.grad)
        handle.remove()
    close(res[0], res[1])


def test_leaf_hook_and_removal():
    seen = []
    x = rt.ones(2, requires_grad=True)
    handle = x.register_hook(lambda g: seen.append(g.tolist()))
    (x * 2).sum().backward()
    handle.remove()
    (x * 2).sum().backward()
    assert seen == [[2.0, 2.0]]


def test_retain_grad_on_intermediate():
    x = rt.tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    h.retain_grad()
    assert h.retains_grad
    (h * 3).sum().backward()
    close(h.grad, [3.0, 3.0])
    assert x.grad is not None


def test_post_accumulate_grad_hook():
    x = rt.ones(3, requires_grad=True)
    calls = []
    x.register_post_accumulate_grad_hook(lambda p: calls.append(p.grad.tolist()))
    (x * 4).sum().backward()
    assert calls == [[4.0, 4.0, 4.0]]


def test_node_prehook_and_next_functions():
    x = rt.ones(2, requires_grad=True)
    y = x * 2
    assert y.grad_fn.name() == "MulBackward0"
    edge = y.grad_fn.next_functions[0]
    assert edge[0].name() == "AccumulateGrad" and edge[0].variable is x


# ---------------------------------------------------------------- custom Function
class _Cube(rt.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x ** 3 * scale

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        assert ctx.needs_input_grad == (True, False)
        return g * 3 * x ** 2 * ctx.scale, None


class _TorchCube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x ** 3 * scale

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x ** 2 * ctx.scale, None


def test_custom_function_matches_torch():
    x = rt.tensor([1.0, -2.0, 0.5], requires_grad=True)
    tx = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
    y = _Cube.apply(x, 2.0)
    ty = _TorchCube.apply(tx, 2.0)
    close(y.detach(), ty.detach())
    assert y.grad_fn.name() == "_CubeBackward"
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    close(x.grad, tx.grad)


class _SplitSum(rt.autograd.Function):
    """Two outputs; one unused downstream (its gradient arrives as zeros)."""

    @staticmethod
    def forward(ctx, x):
        return x * 2, x.sum()

    @staticmethod
    def backward(ctx, g_double, g_sum):
        return g_double * 2 + g_sum


def test_custom_function_multiple_outputs_materializes_missing_grads():
    x = rt.ones(3, requires_grad=True)
    a, _ = _SplitSum.apply(x)
    a.sum().backward()
    close(x.grad, [2.0, 2.0, 2.0])


class _InplaceDouble(rt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 2


def test_custom_function_mark_dirty_bumps_version():
    x = rt.ones(2, requires_grad=True)
    y = x.clone()
    v = y._version[0]
    z = _InplaceDouble.apply(y)
    assert z._version[0] > v
    z.sum().backward()
    close(x.grad, [2.0, 2.0])


class _WrongGrad(rt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    def backward(ctx, g):
        return g  # wrong: should be 2 x g


def test_gradcheck_accepts_correct_and_rejects_wrong():
    x = rt.randn(4, dtype=rt.float64, requires_grad=True)
    assert rt.autograd.gradcheck(lambda t: (t * t.sin()).exp(), (x,))
    assert rt.autograd.gradcheck(_Cube.apply, (x, 1.5))
    assert not rt.autograd.gradcheck(_WrongGrad.apply, (x,), raise_exception=False)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        rt.autograd.gradcheck(_WrongGrad.apply, (x,))


def test_custom_function_wrong_number_of_grads():
    class Bad(rt.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g
    a = rt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(a, a * 1).sum().backward()


# ---------------------------------------------------------------- anomaly & versions
def test_detect_anomaly_names_the_op():
    x = rt.tensor([0.0, 1.0], requires_grad=True)
    with rt.autograd.detect_anomaly():
        y = (x.sqrt() * 0).sum()
        with pytest.raises(RuntimeError, match="SqrtBackward0.*nan"):
            y.backward()
    # without anomaly mode the NaN passes silently, as in torch
    x.grad = None
    (x.sqrt() * 0).sum().backward()
    assert math.isnan(x.grad.tolist()[0])


def test_modified_saved_tensor_is_detected():
    x = rt.ones(3, requires_grad=True)
    h = x * 2
    y = h.sin()            # saves h
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_modified_saved_output_is_detected():
    x = rt.ones(3, requires_grad=True)
    y = x.exp()            # saves its output
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_on_leaf_requiring_grad_raises():
    x = rt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with rt.no_grad():
        x.add_(1)        # allowed: how optimizers update parameters
    close(x, [2.0, 2.0, 2.0])


def test_inplace_chain_gradient_matches_torch():
    res = []
    for m in (rt, torch):
        x = m.tensor([0.5, -1.0, 2.0], requires_grad=True)
        w = m.tensor([1.5, 2.0, -0.5], requires_grad=True)
        y = x * 1
        y.mul_(w)
        y.add_(x)
        y.exp_()
        y.sum().backward()
        res.append((x.grad, w.grad))
    close(res[0][0], res[1][0])
    close(res[0][1], res[1][1])


def test_copy_of_constant_cuts_gradient():
    for m in (rt, torch):
        x = m.ones(3, requires_grad=True)
        y = x * 2
        y.copy_(m.zeros(3))
        (y + x).sum().backward()
        if m is rt:
            got = x.grad
        else:
            want = x.grad
    close(got, want)


def test_requires_grad_only_for_float():
    with pytest.raises(RuntimeError, match="floating point and complex"):
        rt.ones(2, dtype=rt.int64).requires_grad_()
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
        (rt.ones(2, requires_grad=True) * 2).requires_grad_(False)


def test_detach_shares_data_and_version():
    x = rt.ones(3, requires_grad=True)
    d = x.detach()
    assert not d.requires_grad
    with rt.no_grad():
        x.mul_(3)
    close(d, [3.0, 3.0, 3.0])
    assert d._version[0] == x._version[0]


def test_complex_gradient_matches_torch():
    res = []
    for m in (rt, torch):
        z = m.tensor([1 + 2j, -0.5 + 0.25j], requires_grad=True)
        w = m.tensor([0.5 - 1j, 2 + 1j])
        ((z * w).exp() * z.conj()).abs().sum().backward()
        res.append(z.grad)
    close(res[0], res[1], 1e-5)


def test_very_deep_graph_does_not_recurse():
    x = rt.ones(3, requires_grad=True)
    h = x
    for _ in range(20000):
        h = h * 1.0001
    h.sum().backward()
    assert abs(x.grad.tolist()[0] - 1.0001 ** 20000) < 1e-2
    (g,) = rt.autograd.grad((x + 0).sum() + h.detach().sum(), x)
    assert g.tolist() == [1.0, 1.0, 1.0]
