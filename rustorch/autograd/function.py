"""Custom differentiable functions: ``class F(rt.autograd.Function)`` with
static ``forward(ctx, ...)`` and ``backward(ctx, *grads)``, as in torch."""
from .._errors import AutogradError
from .grad_mode import STATE
from .graph import FREED_MESSAGE, Node, edge_of


class FunctionCtx:
    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not _is_tensor(t):
                raise AutogradError("save_for_backward can only save variables, but argument "
                                    f"{tensors.index(t)} is of type {type(t).__name__}")
        self._to_save = tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_diff = tensors

    def set_materialize_grads(self, value):
        self._materialize = bool(value)


def _is_tensor(x):
    from .._tensor import Tensor
    return isinstance(x, Tensor)


class BackwardCFunction(Node, FunctionCtx):
    """The node of one call to a custom Function; also the ``ctx`` it sees."""
    __slots__ = ("_cls", "_to_save", "_saved", "_saved_versions", "_dirty", "_non_diff",
                 "_materialize", "needs_input_grad", "_out_meta", "__dict__", "num_outputs")

    def name(self):
        return self._cls.__name__ + "Backward"

    @property
    def saved_tensors(self):
        if self._freed:
            raise AutogradError(FREED_MESSAGE)
        out = []
        for t, v in zip(self._saved, self._saved_versions):
            if t is not None and t._version[0] != v:
                raise AutogradError(
                    "one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: saved by {self.name()}, is at version {t._version[0]}; "
                    f"expected version {v} instead.")
            out.append(t)
        return tuple(out)

    def apply(self, grads):
        from .. import zeros
        gs = list(grads)
        if self._materialize:
            for i, g in enumerate(gs):
                if g is None:
                    shape, dtype, device = self._out_meta[i]
                    gs[i] = zeros(shape, dtype=dtype, device=device)
        res = self._cls.backward(self, *gs)
        if not isinstance(res, tuple):
            res = (res,)
        n_in = len(self.next_functions)
        if len(res) < n_in:
            raise AutogradError(f"function {self.name()} returned an incorrect number of gradients "
                                f"(expected {n_in}, got {len(res)})")
        extra = res[n_in:]
        if any(r is not None for r in extra):
            raise AutogradError(f"function {self.name()} returned an incorrect number of gradients "
                                f"(expected {n_in}, got {len(res)})")
        return tuple(res[:n_in])

    def release(self):
        self._saved = ()
        self._freed = True


class FunctionMeta(type):
    pass


class Function(metaclass=FunctionMeta):
    """Subclass with ``forward(ctx, *args)`` and ``backward(ctx, *grads)``;
    call it with ``MyFn.apply(*args)``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("You must implement either the backward or vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        return None

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor
        node = BackwardCFunction.__new__(BackwardCFunction)
        tensor_args = [a if isinstance(a, Tensor) else None for a in args]
        needs = STATE.enabled and any(t is not None and t._rg for t in tensor_args)
        node._init_node(tuple(edge_of(t) if t is not None else None for t in tensor_args))
        node._cls = cls
        node._to_save = ()
        node._dirty = ()
        node._non_diff = ()
        node._materialize = True
        node.needs_input_grad = tuple(t is not None and t._rg for t in tensor_args)
        prev = STATE.enabled
        STATE.enabled = False
        try:
            if cls.setup_context is not Function.setup_context and \
                    "ctx" not in cls.forward.__code__.co_varnames[:1]:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(node, args, out)
            else:
                out = cls.forward(node, *args, **kwargs)
        finally:
            STATE.enabled = prev
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        node._saved = tuple(node._to_save)
        node.num_outputs = len(outs)
        dirty = {id(t) for t in node._dirty}
        non_diff = {id(t) for t in node._non_diff}
        wrapped = []
        metas = []
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                wrapped.append(o)
                metas.append(None)
                continue
            metas.append((tuple(o.shape), o.dtype, o.device))
            if id(o) in dirty:
                o._version[0] += 1
            elif any(o is t for t in tensor_args if t is not None):
                o = o._alias()  # an input returned as is: give the output its own identity
            if needs and id(o) not in non_diff and o.dtype.category >= 2:
                o._rg = True
                o.grad_fn = node
                o._out_nr = i
            wrapped.append(o)
        node._out_meta = metas
        node._saved_versions = tuple(t._version[0] if t is not None else 0 for t in node._saved)
        return wrapped[0] if single else tuple(wrapped)


class once_differentiable:
    def __new__(cls, fn):
        return fn
