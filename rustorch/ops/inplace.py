"""In-place ops: compute out of place, then commit the result into ``self``.

Autograd sees an in-place op as a new version of ``self``: its grad_fn becomes
the op's node.  When ``self`` is a view, the base's grad_fn becomes a
CopySlices node that routes the region's gradient through the op, as torch does.
"""
from .. import _dtype as dt
from .._errors import AutogradError, ShapeError
from .._tensor import Tensor, make
from ..autograd.grad_mode import STATE
from ..autograd.graph import OpNode, edge_of, refresh_view


def check_inplace_allowed(t):
    """Refuse what torch refuses: in-place on a leaf that requires grad or on a
    view of one, on a view made under no_grad of a tensor that requires grad,
    on inference tensors outside inference mode, on overlapping memory."""
    if t._base is not None and t._view_ver != t._version[0]:
        refresh_view(t)
    if STATE.enabled:
        if t._rg and t.grad_fn is None:
            raise AutogradError("a leaf Variable that requires grad is being used in an in-place "
                                "operation.")
        base = t._base
        if base is not None and base._rg:
            if base.grad_fn is None:
                raise AutogradError("a view of a leaf Variable that requires grad is being used in "
                                    "an in-place operation.")
            if not t._rg:
                raise AutogradError(
                    "A view was created in no_grad mode and is being modified inplace with grad "
                    "mode enabled. Given that this use case is ambiguous and error-prone, it is "
                    "forbidden. You can clarify your code by moving both the view and the inplace "
                    "either both inside the no_grad block (if you don't want the inplace to be "
                    "tracked) or both outside (if you want the inplace to be tracked).")
    if t._inference and not STATE.inference:
        raise AutogradError("Inplace update to inference tensor outside InferenceMode is not allowed.")
    if not t._b.is_writable(t._data):
        _refuse_write(t)


def _refuse_write(t):
    """The error for writing into memory the backend marks read-only."""
    if any(st == 0 and n > 1 for n, st in zip(t._data.shape, t.stride())):
        raise ShapeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            f"single memory location (shape {list(t.shape)}, strides {list(t.stride())}). "
            "Please clone() the tensor before performing the operation.")
    raise ShapeError(f"the memory of this tensor (shape {list(t.shape)}) is read-only; "
                         "clone() it before writing to it.")


def _shadow(t, copy):
    """A stand-in for ``t``'s current version: same autograd identity, and (if
    the op may save it) its own copy of the data."""
    s = make(t._b.xp.asarray(t._data, copy=True) if copy else t._data, t._b)
    s._rg = t._rg
    s.grad_fn = t.grad_fn
    s._out_nr = t._out_nr
    if t.grad_fn is None and t._rg:
        s._accum = edge_of(t)[0]  # share the leaf's AccumulateGrad
    return s


def apply_inplace(self, fn, *args, saves_self=True, **kwargs):
    """Run ``fn(self, *args)`` and store the result in ``self``'s memory."""
    check_inplace_allowed(self)
    grad = STATE.enabled and (self._rg or any(isinstance(a, Tensor) and a._rg for a in args))
    src = _shadow(self, saves_self) if grad else self
    out = fn(src, *args, **kwargs)
    commit(self, out)
    return self


def commit(self, out):
    """Write ``out`` into ``self`` (shape and dtype checked), then rewire autograd."""
    if out._data.shape != self._data.shape:
        raise ShapeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                         f"shape {list(out.shape)}")
    dt.check_castable(out.dtype, self.dtype)
    if not self._b.is_writable(self._data):
        _refuse_write(self)
    self._b.copy_into(self._data, out._data)
    self._version[0] += 1
    if not STATE.enabled:
        return
    base = self._base if self._view_fn is not None else None
    if not (out._rg or self._rg or (base is not None and base._rg)):
        return
    edge = None
    if out._rg:
        if self.dtype is not out.dtype:
            from .elementwise import to_dtype
            out = to_dtype(out, self.dtype)
        if out.grad_fn is None:  # a leaf itself: reach it through an identity node
            edge = (OpNode("CopyBackwards", _identity_bwd, (edge_of(out),), (), None), 0)
        else:
            edge = (out.grad_fn, out._out_nr)
    if base is not None:
        _rebase_view(self, edge)
    elif edge is None:
        # the old values were overwritten by a constant: no gradient flows back
        self._rg = True
        self.grad_fn = OpNode("CopyBackwards", _no_grad_bwd, (edge_of(self),), (), None)
        self._out_nr = 0
    else:
        self._rg = True
        self.grad_fn, self._out_nr = edge


def _no_grad_bwd(n, g):
    return (None,)


def _identity_bwd(n, g):
    return (g,)


def _rebase_view(view, edge):
    """``view``'s memory now holds the result whose graph edge is ``edge`` (None:
    a constant).  The base's new grad_fn (torch's CopySlices) hands the region's
    gradient to that result and the rest to the base's previous version; if the
    result was computed from the view's old values, its own graph leads back to
    them through the view's backward."""
    base = view._base
    view_fn = view._view_fn

    def copy_slices_backward(node, g):
        res = g.clone()
        region = view_fn(res)
        g_out = region.clone() if edge is not None else None
        region.zero_()
        return (res, g_out)

    node = OpNode("CopySlices", copy_slices_backward, (edge_of(base), edge), (), None)
    base._rg = True
    base.grad_fn = node
    base._out_nr = 0
    fresh = view_fn(base)
    view._rg = True
    view.grad_fn = fresh.grad_fn
    view._out_nr = fresh._out_nr
    view._view_ver = view._version[0]
