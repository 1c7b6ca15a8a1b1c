"""The tracer: while an export runs, rustorch's public functions, Tensor methods,
``nn.functional`` and ``Module.__call__`` are wrapped so that a call whose
inputs are traced values runs normally *and* emits ONNX nodes.

Only the outermost call is recorded (``depth``): what a recorded op does
inside is its own business.  Every public callable is wrapped, so an op the
exporter has no rule for fails loudly (UnsupportedError naming the op and the
module path) instead of being baked into the graph as a constant.  As a second
guard, float inputs require grad during the trace and parameters do not: a
tensor that requires grad but has no graph name was computed from an input by
something the tracer did not see.
"""
import inspect
import warnings

import rustorch as rt
from rustorch import nn
from rustorch.nn import functional as F

from .._errors import UnsupportedError

_ACTIVE = [None]             # the running Tracer


class TracerWarning(UserWarning):
    """A value was baked into the graph that may differ for other inputs."""


class TracedInt(int):
    """A size read from a traced tensor's shape while exporting with dynamic axes:
    an int that remembers how to compute itself in the graph (1-D int64 [1])."""

    def __new__(cls, value, tracer, make):
        self = int.__new__(cls, value)
        self._tr, self._make, self._name = tracer, make, None
        return self

    def onnx_name(self):
        if self._name is None:
            self._name = self._make()
        return self._name

    def _bin(self, other, op, swap=False, pyop=None):
        value = pyop(int(other), int(self)) if swap else pyop(int(self), int(other))
        tr = self._tr
        if not isinstance(other, int) or tr is None:
            return NotImplemented
        a, b = self, other
        if swap:
            a, b = b, a
        return TracedInt(value, tr, lambda: tr.g.node(op, [tr.int_name(a), tr.int_name(b)]))

    def __add__(self, o): return self._bin(o, "Add", pyop=int.__add__)
    def __radd__(self, o): return self._bin(o, "Add", True, int.__add__)
    def __sub__(self, o): return self._bin(o, "Sub", pyop=int.__sub__)
    def __rsub__(self, o): return self._bin(o, "Sub", True, int.__sub__)
    def __mul__(self, o): return self._bin(o, "Mul", pyop=int.__mul__)
    def __rmul__(self, o): return self._bin(o, "Mul", True, int.__mul__)

    def __floordiv__(self, o):
        if isinstance(o, int) and int(o) > 0:   # sizes are >= 0: truncation == floor
            return self._bin(o, "Div", pyop=int.__floordiv__)
        return int(self) // o

    def __neg__(self):
        return 0 - self

    def __repr__(self):
        return int.__repr__(self)

    def __reduce__(self):           # pickles / deep copies as a plain int
        return (int, (int(self),))


def _walk(obj):
    if isinstance(obj, (list, tuple)):
        for o in obj:
            yield from _walk(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _walk(o)
    else:
        yield obj


class Tracer:
    def __init__(self, builder, param_names, dynamic):
        self.g = builder
        self.param_names = param_names     # id(tensor) -> state_dict key
        self.dynamic = dynamic             # shapes read from traced tensors are TracedInts
        self.values = {}                   # id(tensor) -> graph name
        self._keep = []                    # keeps traced tensors alive so ids stay unique
        self._params_done = {}             # id(param) -> initializer name
        self.depth = 0
        self.path = []                     # module paths of the calls being traced
        self.module_names = {}             # id(module) -> qualified name

    # ------------------------------------------------------------ values
    def is_traced(self, t):
        return id(t) in self.values

    def bind(self, t, name):
        if not isinstance(t, rt.Tensor):
            return
        self.values[id(t)] = name
        self._keep.append(t)

    def involved(self, args, kwargs):
        for o in _walk((args, kwargs)):
            if isinstance(o, rt.Tensor):
                if id(o) in self.values or o.requires_grad:
                    return True
            elif isinstance(o, TracedInt):
                return True
        return False

    def name(self, t):
        """The graph name of tensor ``t`` (a parameter or constant becomes an initializer)."""
        if not isinstance(t, rt.Tensor):
            raise UnsupportedError(f"expected a tensor, got {type(t).__name__} {self.where()}")
        n = self.values.get(id(t))
        if n is not None:
            return n
        key = self.param_names.get(id(t))
        if key is not None:
            n = self._params_done.get(id(t))
            if n is None:
                self.g.reserve(key)
                self.g.initializers[key] = t.detach()
                n = self._params_done[id(t)] = key
            return n
        if t.requires_grad:
            op = t.grad_fn.name() if t.grad_fn is not None else "an untraced operation"
            raise UnsupportedError(f"cannot export: a tensor of shape {list(t.shape)} was computed from "
                                   f"the model inputs by {op}, which the ONNX exporter did not record "
                                   f"{self.where()}")
        return self.g.const(t)

    def int_name(self, v):
        """A 1-D int64 [1] graph value for a (possibly traced) int."""
        if isinstance(v, TracedInt) and v._tr is self:
            return v.onnx_name()
        return self.g.ints([int(v)])

    def shape_list(self, dims):
        """A 1-D int64 graph value for a list of ints/TracedInts (a constant when none is traced)."""
        dims = list(dims)
        if not any(isinstance(d, TracedInt) for d in dims):
            return self.g.ints(dims)
        parts, run = [], []
        for d in dims:
            if isinstance(d, TracedInt):
                if run:
                    parts.append(self.g.ints(run))
                    run = []
                parts.append(self.int_name(d))
            else:
                run.append(int(d))
        if run:
            parts.append(self.g.ints(run))
        return parts[0] if len(parts) == 1 else self.g.node("Concat", parts, axis=0)

    def dim_of(self, t, dim):
        """Size ``dim`` of traced tensor ``t``: a TracedInt in dynamic mode, else an int."""
        size = t._data.shape[dim]
        if not self.dynamic:
            return size
        name = self.name(t)

        def make():
            shape = self.g.node("Shape", [name])
            return self.g.node("Gather", [shape, self.g.ints([dim])], axis=0)
        return TracedInt(size, self, make)

    def shape_of(self, t):
        """The full shape of ``t`` as a 1-D int64 graph value."""
        return self.g.node("Shape", [self.name(t)])

    # ------------------------------------------------------------ messages
    def where(self):
        p = self.path[-1] if self.path else ""
        return f"(in module '{p}')" if p else "(in the model's forward)"

    def unsupported(self, what):
        raise UnsupportedError(f"ONNX export does not support {what} {self.where()}")

    def warn(self, what):
        warnings.warn(f"{what} {self.where()}: the exported graph may be wrong for other inputs",
                      TracerWarning, stacklevel=4)


# ---------------------------------------------------------------- patching
_SKIP_TENSOR = frozenset("""dim ndimension ndim numel nelement element_size stride storage_offset
is_contiguous is_floating_point is_complex is_inference is_leaf is_cuda is_floating_point_ device dtype
requires_grad requires_grad_ grad grad_fn retain_grad retains_grad register_hook
register_post_accumulate_grad_hook backward tolist item numpy to_bytes output_nr shape size data
type equal allclose cpu""".split())
_TENSOR_DUNDERS = """add radd iadd sub rsub isub mul rmul imul truediv rtruediv itruediv floordiv
rfloordiv ifloordiv mod rmod imod pow rpow ipow matmul rmatmul neg pos abs invert and rand iand or ror
ior xor rxor ixor eq ne lt le gt ge getitem setitem lshift rshift""".split()
_SKIP_RT = frozenset("""is_tensor is_floating_point is_complex numel result_type can_cast typename
is_nonzero broadcast_shapes promote_types get_default_dtype set_default_dtype manual_seed seed
initial_seed get_rng_state set_rng_state set_printoptions set_default_device get_default_device
is_grad_enabled is_inference_mode_enabled equal allclose finfo iinfo""".split())


def _bind(orig, sig, args, kwargs, op):
    """The call's arguments bound to ``orig``'s signature (defaults applied)."""
    from ._export_ops import Args
    if sig[0] is None:
        try:
            sig[0] = inspect.signature(orig)
        except (TypeError, ValueError):
            sig[0] = False
    if sig[0] is False:
        return Args(list(args), dict(kwargs), op)
    try:
        ba = sig[0].bind(*args, **kwargs)
    except TypeError:
        return Args(list(args), dict(kwargs), op)
    ba.apply_defaults()
    named = {}
    for p, v in zip(sig[0].parameters.values(), ba.arguments.values()):
        if p.kind is p.VAR_KEYWORD:
            named.update(v)
        else:
            named[p.name] = v
    return Args(list(ba.arguments.values()), named, op)


def _wrap(orig, label, handler):
    sig = [None]
    op = label.split(".", 1)[1]
    inplace = (op.endswith("_") and not op.endswith("__")) or op.startswith("__i") or op == "__setitem__"

    def wrapper(*args, **kwargs):
        tr = _ACTIVE[0]
        if tr is None or tr.depth or not tr.involved(args, kwargs):
            return orig(*args, **kwargs)
        if handler is None:
            tr.unsupported(f"the operation '{label}'")
        if inplace and args and isinstance(args[0], rt.Tensor) and args[0]._base is not None:
            tr.unsupported(f"the in-place operation '{label}' on a view")
        tr.depth += 1
        try:
            out = orig(*args, **kwargs)
        finally:
            tr.depth -= 1
        handler(tr, out, _bind(orig, sig, args, kwargs, op))
        return out
    wrapper.__name__ = getattr(orig, "__name__", label)
    wrapper.__wrapped__ = orig
    return wrapper


class Patcher:
    """Installs the wrappers for the duration of a ``with`` block."""

    def __init__(self, tracer, op_handlers, module_handlers):
        self.tracer = tracer
        self.ops = op_handlers            # "Tensor.view" / "rt.cat" / "F.relu" -> handler
        self.modules = module_handlers    # Module class -> handler(tr, module, out, *args, **kw)
        self._undo = []
        self.replacement = {}             # original function -> wrapper (for stored references)

    def _set(self, owner, name, value):
        self._undo.append((owner, name, owner.__dict__[name] if isinstance(owner, type) and name in
                           owner.__dict__ else getattr(owner, name), isinstance(owner, type)
                           and name not in owner.__dict__))
        setattr(owner, name, value)

    def _patch_fn(self, owner, name, label):
        orig = getattr(owner, name)
        if orig in self.replacement:
            w = self.replacement[orig]
        else:
            w = _wrap(orig, label, self.ops.get(label) or self.ops.get(label.split(".", 1)[1]))
            self.replacement[orig] = w
        self._set(owner, name, w)

    def __enter__(self):
        import types
        T = rt.Tensor
        for name in dir(T):
            if name.startswith("_") or name in _SKIP_TENSOR:
                continue
            attr = getattr(T, name)
            if callable(attr) and not isinstance(attr, type):
                self._patch_fn(T, name, f"Tensor.{name}")
        for d in _TENSOR_DUNDERS:
            name = f"__{d}__"
            if hasattr(T, name):
                self._patch_fn(T, name, f"Tensor.{name}")
        for name in dir(rt):
            if name.startswith("_") or name in _SKIP_RT:
                continue
            attr = getattr(rt, name)
            if isinstance(attr, types.FunctionType) or type(attr).__name__ == "builtin_function_or_method":
                self._patch_fn(rt, name, f"rt.{name}")
        for name in F.__all__:
            self._patch_fn(F, name, f"F.{name}")
        self._patch_stored_functions()
        self._patch_properties()
        self._patch_module_call()
        _ACTIVE[0] = self.tracer
        return self

    def __exit__(self, *exc):
        _ACTIVE[0] = None
        for owner, name, value, was_inherited in reversed(self._undo):
            if was_inherited:
                delattr(owner, name)
            else:
                setattr(owner, name, value)
        self._undo.clear()
        return False

    def _patch_stored_functions(self):
        """Module classes keep some functions as class attributes (``_fn = staticmethod(F.relu)``)."""
        seen, todo = set(), [nn.Module]
        while todo:
            cls = todo.pop()
            if cls in seen:
                continue
            seen.add(cls)
            todo.extend(cls.__subclasses__())
            for name, val in list(cls.__dict__.items()):
                if isinstance(val, staticmethod) and _hashable(val.__func__) and val.__func__ in self.replacement:
                    self._set(cls, name, staticmethod(self.replacement[val.__func__]))

    def _patch_properties(self):
        T = rt.Tensor
        orig_shape, orig_size, orig_data = T.__dict__["shape"], T.__dict__["size"], T.__dict__["data"]
        orig_T = T.__dict__.get("T")
        orig_mT = T.__dict__.get("mT")

        def traced(tr, t):
            return tr is not None and not tr.depth and id(t) in tr.values

        def shape(self):
            tr = _ACTIVE[0]
            if traced(tr, self) and tr.dynamic:
                return rt.Size(tr.dim_of(self, i) for i in range(self._data.ndim))
            return orig_shape.fget(self)

        def size(self, dim=None):
            tr = _ACTIVE[0]
            if traced(tr, self) and tr.dynamic:
                s = shape(self)
                return s if dim is None else s[dim]
            return orig_size(self, dim)

        def data(self):
            out = orig_data.fget(self)
            tr = _ACTIVE[0]
            if traced(tr, self):
                tr.bind(out, tr.values[id(self)])
            return out

        def transpose_prop(orig, label):
            def get(self):
                tr = _ACTIVE[0]
                if not traced(tr, self):
                    return orig.fget(self)
                tr.depth += 1
                try:
                    out = orig.fget(self)
                finally:
                    tr.depth -= 1
                self_nd = self._data.ndim
                if label == "T":
                    perm = list(range(self_nd))[::-1]
                else:
                    perm = list(range(self_nd - 2)) + [self_nd - 1, self_nd - 2]
                tr.bind(out, tr.g.node("Transpose", [tr.name(self)], perm=perm))
                return out
            return property(get)

        self._set(T, "shape", property(shape))
        self._set(T, "size", size)
        self._set(T, "data", property(data, orig_data.fset))
        if orig_T is not None:
            self._set(T, "T", transpose_prop(orig_T, "T"))
        if orig_mT is not None:
            self._set(T, "mT", transpose_prop(orig_mT, "mT"))

    def _patch_module_call(self):
        M = nn.Module
        orig_call = M.__call__
        handlers, replacement = self.modules, self.replacement

        def call(module, *args, **kwargs):
            tr = _ACTIVE[0]
            if tr is None or tr.depth:
                return orig_call(module, *args, **kwargs)
            tr.path.append(tr.module_names.get(id(module), type(module).__name__))
            saved_scope = tr.g.scope
            tr.g.scope = tr.path[-1]
            try:
                h = _module_handler(handlers, module)
                if h is not None and tr.involved(args, kwargs):
                    tr.depth += 1
                    try:
                        out = orig_call(module, *args, **kwargs)
                    finally:
                        tr.depth -= 1
                    h(tr, module, out, *args, **kwargs)
                    return out
                # functions stored on the module (e.g. activation=F.relu) bypass the
                # patched namespaces: swap in their wrappers for this call
                swapped = [(k, v) for k, v in module.__dict__.items()
                           if callable(v) and not isinstance(v, type) and _hashable(v) and v in replacement]
                for k, v in swapped:
                    module.__dict__[k] = replacement[v]
                try:
                    return orig_call(module, *args, **kwargs)
                finally:
                    for k, v in swapped:
                        module.__dict__[k] = v
            finally:
                tr.path.pop()
                tr.g.scope = saved_scope
        self._set(M, "__call__", call)


def _hashable(v):
    try:
        hash(v)
        return True
    except TypeError:
        return False


def _module_handler(handlers, module):
    """A handler for ``module``'s class, unless a subclass overrides forward."""
    for cls in type(module).__mro__:
        h = handlers.get(cls)
        if h is not None:
            return h if type(module).forward is cls.forward else None
    return None
