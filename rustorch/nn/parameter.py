"""``nn.Parameter``: a Tensor that a Module registers as a learnable weight."""
from .._tensor import Tensor


class Parameter(Tensor):
    """Shares memory with the tensor it wraps, as in torch."""

    def __new__(cls, data=None, requires_grad=True):
        from .. import empty
        if data is None:
            data = empty(0)
        t = object.__new__(cls)
        src = data.detach()
        for slot in ("_data", "_b", "_version", "_inference"):
            setattr(t, slot, getattr(src, slot))
        t._grad = None
        t.grad_fn = None
        t._out_nr = 0
        t._base = None
        t._view_fn = None
        t._accum = None
        t._hooks = None
        t._post_acc_hooks = None
        t._retains_grad = False
        t._rg = False
        if requires_grad:
            t.requires_grad_(True)
        return t

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (Parameter, (self.detach(), self.requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        p = Parameter(self.detach().clone(), self.requires_grad)
        if self._grad is not None:
            p._grad = self._grad.clone()
        memo[id(self)] = p
        return p


class Buffer(Tensor):
    """Marker for ``nn.Buffer(tensor)`` assignments (registered as buffers)."""

    def __new__(cls, data, persistent=True):
        t = data.detach()
        t.__class__ = Buffer
        t.persistent = persistent
        return t

    def __init__(self, data, persistent=True):
        pass


def is_lazy(p):
    return False
