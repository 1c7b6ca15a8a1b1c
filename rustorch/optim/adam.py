"""Adam (and, through ``decoupled_weight_decay``, AdamW) with torch's update,
plus the machinery the Adam family (AdamW, Adamax, NAdam, RAdam) shares.

Two paths compute the same bits:

* the step-by-step path: torch's single-tensor update written with Tensor ops
  (every backend; ``foreach=False``, ``differentiable=True``, or grad mode on);
* the fused path: one call of the backend's ``adam_step`` extension kernel per
  group, which updates param / exp_avg / exp_avg_sq (/ max_exp_avg_sq) in place
  on the parameters' device (its composed fallback returns new arrays, which
  are copied back).  Both run the same ops in the same order.
"""
from .. import _dtype as dt
from .._errors import InvalidArgument
from .._tensor import Tensor
from ..autograd.grad_mode import STATE, set_grad_enabled
from ..ops.inplace import check_inplace_allowed
from .optimizer import Optimizer, check_lr

__all__ = ["Adam"]


# ------------------------------------------------------------------ shared helpers
def check_adam_args(lr, betas, eps, weight_decay):
    """torch's checks (and messages) for lr, eps, betas and weight_decay."""
    check_lr(lr)
    if not 0.0 <= eps:
        raise InvalidArgument(f"Invalid epsilon value: {eps}")
    if not 0.0 <= value(betas[0]) < 1.0:
        raise InvalidArgument(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= value(betas[1]) < 1.0:
        raise InvalidArgument(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise InvalidArgument(f"Invalid weight_decay value: {weight_decay}")


def value(x):
    """A hyperparameter as a Python number (a 1-element tensor is read)."""
    return x.item() if isinstance(x, Tensor) else x


def scalar_expr(fn, lr):
    """``fn(lr)`` as torch computes it: in float32 tensor arithmetic when ``lr``
    is a tensor (then read back), in Python doubles otherwise."""
    if isinstance(lr, Tensor):
        t = lr.detach()
        if t.ndim:
            t = t.reshape(())
        r = fn(t)
        return r.item() if isinstance(r, Tensor) else r
    return fn(lr)


def new_step(p, on_device=False, val=0.0):
    """A 0-d float32 step tensor: on the CPU like torch (on the parameter's
    device when capturable/fused)."""
    from ..ops.creation import tensor
    return tensor(float(val), dtype=dt.float32, device=p.device if on_device else "cpu")


def zeros_state(p):
    from ..ops.creation import zeros_like
    return zeros_like(p.detach())


def lerp_(m, g, w):
    """``m.lerp_(g, w)`` (torch's kernel: two formulas, fused multiply-add)."""
    return m.lerp_(g, w)


def addcmul_sq_(v, g, val):
    """``v.addcmul_(g, g, value=val)``."""
    return v.addcmul_(g, g, value=val)


def addcdiv_(p, t1, t2, val):
    """``p.addcdiv_(t1, t2, value=val)``: p + (val * t1) / t2."""
    return p.addcdiv_(t1, t2, value=val)


def grads_of(group, name):
    out = []
    for p in group["params"]:
        g = p.grad
        if g is None:
            continue
        if getattr(g, "is_sparse", False):
            raise InvalidArgument(f"{name} does not support sparse gradients")
        out.append((p, g))
    return out


class AdamFamily(Optimizer):
    """Common parts: step under torch's grad-mode rule for ``differentiable``,
    closure handling, and loading (torch's ``__setstate__`` fix-ups: defaults of
    newer options, float steps turned into tensors)."""
    _group_defaults = {}
    _scalar_state = ("step",)
    _on_device_flags = ("capturable",)

    def step(self, closure=None):
        return self._run_step(self._step_grad_mode, closure)

    def _step_grad_mode(self, closure):
        with set_grad_enabled(bool(self.defaults.get("differentiable", False))):
            loss = self._closure_loss(closure)
            for group in self.param_groups:
                self._group_step(group)
        return loss

    def _group_step(self, group):
        raise NotImplementedError

    def __setstate__(self, state):
        super().__setstate__(state)
        self._fix_groups()

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self._fix_groups()

    def _fix_groups(self):
        for group in self.param_groups:
            for k, v in self._group_defaults.items():
                group.setdefault(k, v)
            on_device = any(group.get(f) for f in self._on_device_flags)
            for p in group["params"]:
                st = self.state.get(p)
                if not st:
                    continue
                for key in self._scalar_state:
                    if key in st and not isinstance(st[key], Tensor):
                        st[key] = new_step(p, on_device, float(st[key]))
                    elif key in st and on_device and st[key].device != p.device:
                        st[key] = st[key].to(device=p.device, dtype=dt.float32)


# ------------------------------------------------------------------ Adam
class Adam(AdamFamily):
    _group_defaults = dict(amsgrad=False, maximize=False, foreach=None, capturable=False,
                           differentiable=False, decoupled_weight_decay=False, fused=None)
    _on_device_flags = ("capturable", "fused")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise InvalidArgument("lr as a Tensor is not supported for capturable=False and "
                                      "foreach=True")
        check_adam_args(lr, betas, eps, weight_decay)
        if not (all(isinstance(b, float) for b in betas[:2])
                or all(isinstance(b, Tensor) for b in betas[:2])):
            raise InvalidArgument("betas must be either both floats or both Tensors")
        for i in (0, 1):
            if isinstance(betas[i], Tensor):
                if not capturable and foreach:
                    raise InvalidArgument(f"betas[{i}] as a Tensor is not supported for "
                                          "capturable=False and foreach=True")
                if betas[i].numel() != 1:
                    raise InvalidArgument(f"Tensor betas[{i}] must be 1-element")
        betas = tuple(betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                                      capturable=capturable, differentiable=differentiable,
                                      fused=fused, decoupled_weight_decay=decoupled_weight_decay))
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def _group_step(self, group):
        pairs = grads_of(group, "Adam")
        if not pairs:
            return
        amsgrad = group["amsgrad"]
        on_device = bool(group["capturable"] or group["fused"])
        params, grads, ms, vs, vmaxs, steps = [], [], [], [], [], []
        for p, g in pairs:
            st = self.state[p]
            if len(st) == 0:
                st["step"] = new_step(p, on_device)
                st["exp_avg"] = zeros_state(p)
                st["exp_avg_sq"] = zeros_state(p)
                if amsgrad:
                    st["max_exp_avg_sq"] = zeros_state(p)
            params.append(p)
            grads.append(g)
            ms.append(st["exp_avg"])
            vs.append(st["exp_avg_sq"])
            if amsgrad:
                vmaxs.append(st["max_exp_avg_sq"])
            steps.append(st["step"])
        adam_update(params, grads, ms, vs, vmaxs if amsgrad else None, steps,
                    lr=group["lr"], betas=group["betas"], eps=group["eps"],
                    weight_decay=group["weight_decay"], maximize=group["maximize"],
                    decoupled=group["decoupled_weight_decay"],
                    fused_ok=not group["differentiable"] and group["foreach"] is not False)


def adam_update(params, grads, ms, vs, vmaxs, steps, *, lr, betas, eps, weight_decay, maximize,
                decoupled, fused_ok=True):
    """torch's single-tensor Adam/AdamW update of lists of tensors."""
    beta1, beta2 = value(betas[0]), value(betas[1])
    weight = 1 - beta1
    decay = None
    wd = weight_decay
    if wd != 0 and decoupled:
        decay = scalar_expr(lambda lr_: 1 - lr_ * wd, lr)
        wd = 0
    step_sizes, bc2_sqrts = [], []
    for s in steps:
        s.add_(1)
        step = s.item()
        bc1 = 1 - beta1 ** step
        step_sizes.append(scalar_expr(lambda lr_: lr_ / bc1, lr))
        bc2_sqrts.append((1 - beta2 ** step) ** 0.5)
    if fused_ok and not STATE.enabled and _fusable(params, grads, ms, vs, vmaxs):
        _fused_adam(params, grads, ms, vs, vmaxs, step_sizes, bc2_sqrts, weight=weight,
                    beta2=beta2, eps=eps, weight_decay=wd, decay=decay, maximize=maximize)
        return
    for i, p in enumerate(params):
        g = grads[i]
        m, v = ms[i], vs[i]
        if maximize:
            g = -g
        if wd != 0:
            g = g.add(p, alpha=wd)
        if decay is not None:
            p.mul_(decay)
        lerp_(m, g, weight)
        addcmul_sq_(v.mul_(beta2), g, 1 - beta2)
        src = v
        if vmaxs is not None:
            from ..ops.elementwise import maximum
            src = vmaxs[i].copy_(maximum(vmaxs[i], v))
        denom = src.sqrt().div_(bc2_sqrts[i]).add_(eps)
        addcdiv_(p, m, denom, -step_sizes[i])


def _fusable(params, grads, ms, vs, vmaxs):
    for i, p in enumerate(params):
        b = p._b
        if p.dtype.category != 2:  # complex goes step by step
            return False
        ts = (grads[i], ms[i], vs[i]) if vmaxs is None else (grads[i], ms[i], vs[i], vmaxs[i])
        for t in ts:
            if t._b is not b or t.dtype is not p.dtype or t.shape != p.shape:
                return False
    return True


def _fused_adam(params, grads, ms, vs, vmaxs, step_sizes, bc2_sqrts, **kw):
    by_backend = {}
    for i, p in enumerate(params):
        by_backend.setdefault(id(p._b), []).append(i)
    for idx in by_backend.values():
        b = params[idx[0]]._b
        tensors = [[params[i] for i in idx], [ms[i] for i in idx], [vs[i] for i in idx],
                   None if vmaxs is None else [vmaxs[i] for i in idx]]
        for t in tensors[0]:
            check_inplace_allowed(t)
        res = b.adam_step([t._data for t in tensors[0]], [grads[i]._data for i in idx],
                          [t._data for t in tensors[1]], [t._data for t in tensors[2]],
                          None if vmaxs is None else [t._data for t in tensors[3]],
                          [step_sizes[i] for i in idx], [bc2_sqrts[i] for i in idx], **kw)
        for j, new in enumerate(res):
            for k, ts in enumerate(tensors):
                if ts is None:
                    continue
                t = ts[j]
                if new[k] is not t._data:
                    b.copy_into(t._data, new[k])
                t._version[0] += 1
