"""In-place ops: compute out of place, then commit the result into ``self``.

Autograd sees an in-place op as a new version of ``self``: its grad_fn becomes
the op's node.  When ``self`` is a view, the base's grad_fn becomes a
CopySlices node that routes the region's gradient through the op, as torch does.
"""
from .. import _dtype as dt
from .._errors import AutogradError, ShapeError
from .._tensor import Tensor, make
from ..autograd.grad_mode import STATE
from ..autograd.graph import OpNode, edge_of


def check_inplace_allowed(t):
    if STATE.enabled and t._rg and t.grad_fn is None:
        if t._base is not None:
            raise AutogradError("a view of a leaf Variable that requires grad is being used in an "
                                "in-place operation.")
        raise AutogradError("a leaf Variable that requires grad is being used in an in-place "
                            "operation.")
    if t._inference and not STATE.inference:
        raise AutogradError("Inplace update to inference tensor outside InferenceMode is not allowed.")


def _shadow(t, copy):
    """A stand-in for ``t``'s current version: same autograd identity, and (if
    the op may save it) its own copy of the data."""
    s = make(t._b.xp.asarray(t._data, copy=True) if copy else t._data, t._b)
    s._rg = t._rg
    s.grad_fn = t.grad_fn
    s._out_nr = t._out_nr
    if t.grad_fn is None and t._rg:
        s._accum = t._accum  # share the leaf's AccumulateGrad
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
    self._b.copy_into(self._data, out._data)
    self._version[0] += 1
    if not STATE.enabled:
        return
    base = self._base if self._view_fn is not None else None
    if not (out._rg or self._rg or (base is not None and base._rg)):
        return
    if out._rg:
        node = out.grad_fn
        if self.dtype is not out.dtype:
            node = _cast_node(out, self.dtype)
    else:
        # the old values were overwritten by a constant: no gradient flows back
        node = OpNode("CopyBackwards", _no_grad_bwd, (edge_of(self),), (), None)
    if base is not None:
        _rebase_view(self, node)
    else:
        self._rg = True
        self.grad_fn = node
        self._out_nr = 0


def _no_grad_bwd(n, g):
    return (None,)


def _cast_node(out, dtype):
    from .elementwise import to_dtype
    return to_dtype(out, dtype).grad_fn


def _rebase_view(view, n_op):
    base = view._base
    view_fn = view._view_fn
    # edges: base's current version replaces the op's edge to the old view
    op_edges = n_op.next_functions if n_op is not None else ()

    def copy_slices_backward(node, g):
        res = g.clone()
        region = view_fn(res)
        gv = region.clone()
        grads = n_op.apply([gv]) if n_op is not None else (None,)
        from .. import no_grad
        with no_grad():
            if grads[0] is None:
                region.zero_()
            else:
                region.copy_(grads[0])
        return (res,) + tuple(grads[1:])

    node = OpNode("CopySlices", copy_slices_backward,
                  (edge_of(base),) + tuple(op_edges[1:]), (), None)
    base._rg = True
    base.grad_fn = node
    base._out_nr = 0
    fresh = view_fn(base)
    view._rg = True
    view.grad_fn = fresh.grad_fn
    view._out_nr = fresh._out_nr
