"""Helpers every op module uses: operand coercion with torch's promotion,
recording a backward node, reducing broadcast gradients."""
from .. import _dtype as dt
from .._errors import DeviceError, InvalidArgument, InvalidType, ShapeError, shape_str
from .._tensor import Tensor, make, wrap_dim
from ..autograd.grad_mode import STATE
from ..autograd.graph import OpNode, edge_of

_NUMBER_TYPES = (bool, int, float, complex)


def needs_grad(*ts):
    if not STATE.enabled:
        return False
    for t in ts:
        if t is not None and t._rg:
            return True
    return False


def record(out, name, fn, inputs, saved=(), ctx=None, save_out=False):
    """Attach a backward node to ``out``.  ``fn(node, grad)`` returns one
    gradient per entry of ``inputs`` (None entries are non-tensor inputs)."""
    n = len(inputs)
    if n == 1:
        edges = (edge_of(inputs[0]),)
    elif n == 2:
        a, b = inputs
        edges = (None if a is None else edge_of(a), None if b is None else edge_of(b))
    else:
        edges = tuple(None if t is None else edge_of(t) for t in inputs)
    node = OpNode(name, fn, edges, saved, ctx)
    if save_out:
        node.save_output(out)
    out._rg = True
    out.grad_fn = node
    return out


def scalar_dtype(v):
    t = type(v)
    if t is float:
        return dt.get_default_dtype()
    if t is int:
        return dt.int64
    if t is bool:
        return dt.bool
    if t is complex:
        return dt._default_complex()
    # NumPy scalars and other number-likes
    if isinstance(v, bool) or getattr(v, "dtype", None) is not None and str(v.dtype) == "bool":
        return dt.bool
    if isinstance(v, int) or hasattr(v, "__index__") and not hasattr(v, "is_integer") and hasattr(v, "dtype"):
        return dt.int64
    if isinstance(v, float) or hasattr(v, "__float__") and not isinstance(v, Tensor) and not hasattr(v, "imag"):
        return dt.get_default_dtype()
    if isinstance(v, complex) or hasattr(v, "__complex__") and not isinstance(v, Tensor):
        return dt._default_complex()
    raise InvalidType(f"expected a Tensor or a Python number, got {t.__name__}")


def py_scalar(v, dtype):
    """A Python number of the kind ``dtype`` holds (NumPy scalars -> Python)."""
    c = dtype.category
    if c == 0:
        return bool(v)
    if c == 1:
        return int(v)
    if c == 2:
        v = float(v)
        if dtype is dt.float8_e4m3fn and v == v:     # torch's e4m3fn conversion saturates
            v = max(-448.0, min(448.0, v))
        return v
    return complex(v)


def same_device(a, b):
    if a._b is not b._b:
        # like torch, a 0-d cpu tensor may join tensors on any device
        if b._data.ndim == 0 and b._b.name == "cpu":
            return b.to(a.device)
        raise DeviceError(f"Expected all tensors to be on the same device, but found at least "
                          f"two devices, {a.device} and {b.device}!")
    return b


def result_dtype(*operands):
    """torch.result_type over Tensors and Python numbers."""
    dims, zeros, scal = [], [], []
    for o in operands:
        if isinstance(o, Tensor):
            (dims if o._data.ndim else zeros).append(o.dtype)
        elif o is not None:
            scal.append(scalar_dtype(o))
    return dt.result_type_of(dims, zeros, scal)


def cast(t, dtype):
    """t converted to dtype (no copy when it already is), differentiable."""
    if t.dtype is dtype:
        return t
    return t.to(dtype)


def as_operand(o, like, dtype=None):
    """A Tensor for ``o`` on ``like``'s device (numbers become 0-d tensors).
    With a floating ``dtype`` (the promoted result), a number is made in that
    dtype directly, so float64 + 0.1 does not go through float32."""
    if isinstance(o, Tensor):
        return same_device(like, o)
    d = scalar_dtype(o)
    if dtype is not None and dtype.category >= 2 and dtype.category >= d.category:
        d = dtype
    elif dtype is not None and dtype.category == 1 and not dtype.is_signed and d is dt.int64:
        # torch converts the number to the unsigned type with C wraparound
        # (uint8 + 300 adds 44); made directly, 2**64 - 1 need not fit int64
        o = _wrap_unsigned(int(o), dtype)
        d = dtype
    b = like._b
    return make(b.scalar_operand(py_scalar(o, d), d), b)


def _wrap_unsigned(v, dtype):
    if not -(1 << 63) <= v < (1 << 64):
        raise InvalidArgument(f"value {v} cannot be converted to type {dtype} without overflow "
                              "(numbers must fit int64 or uint64)")
    return v & ((1 << (8 * dtype.itemsize)) - 1)


def binary_operands(a, b):
    """Coerce (a, b) to Tensors of one promoted dtype on one device.
    Returns (a, b, dtype).  Python numbers become 0-d tensors."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a._b is not b._b:
                b = same_device(a, b)
            da = a._b.dtype_of(a._data)
            db = b._b.dtype_of(b._data)
            if da is db:
                return a, b, da
            rt = result_dtype(a, b)
            return cast(a, rt), cast(b, rt), rt
        rt = result_dtype(a, b)
        bt = as_operand(b, a, rt)
        return cast(a, rt), cast(bt, rt), rt
    if isinstance(b, Tensor):
        rt = result_dtype(a, b)
        at = as_operand(a, b, rt)
        return cast(at, rt), cast(b, rt), rt
    raise InvalidType(f"expected at least one Tensor operand, got {type(a).__name__} and {type(b).__name__}")


def broadcast_shapes(*shapes):
    """torch.broadcast_shapes, naming every shape when they do not fit."""
    nd = max((len(s) for s in shapes), default=0)
    out = [1] * nd
    for s in shapes:
        off = nd - len(s)
        for i, n in enumerate(s):
            j = off + i
            m = out[j]
            if m == n or n == 1:
                continue
            if m == 1:
                out[j] = n
            else:
                raise ShapeError("shapes " + " and ".join(shape_str(x) for x in shapes)
                                 + f" cannot be broadcast together (mismatch at dimension {j - nd}: {m} vs {n})")
    return tuple(out)


def sum_to(g, shape):
    """Reduce a broadcast gradient back to ``shape``."""
    gshape = g._data.shape
    shape = tuple(shape)
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    inner = tuple(i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1)
    if not inner:  # only leading dims to drop: one reduction, no reshape
        return g.sum(dim=tuple(range(lead)))
    g = g.sum(dim=tuple(range(lead)) + inner, keepdim=True)
    if lead or g._data.shape != shape:
        g = g.reshape(shape)
    return g


def grad_for(g, t_shape, t_dtype):
    """Gradient of a broadcast, maybe-promoted input: sum to its shape, cast
    back to its dtype (real part for a real input of a complex op)."""
    g = sum_to(g, t_shape)
    gd = g.dtype
    if gd is not t_dtype:
        if gd.category == 3 and t_dtype.category != 3:
            g = g.real
        g = g.to(t_dtype)
    return g


def dims_arg(dim, ndim):
    """Normalise a dim / tuple of dims / None to a sorted tuple of axes."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        axes = tuple(sorted({wrap_dim(d, ndim) for d in dim}))
        if len(axes) != len(dim):
            seen = set()
            rep = next(wrap_dim(d, ndim) for d in dim if wrap_dim(d, ndim) in seen or seen.add(wrap_dim(d, ndim)))
            raise ShapeError(f"dim {rep} appears multiple times in the list of dims")
        return axes
    return (wrap_dim(dim, ndim),)


def check_grad_dtype(t, opname):
    from .._errors import UnsupportedError
    if t._rg and t.dtype.category < 2:
        raise UnsupportedError(f"{opname}: integer tensors cannot require grad")


def export(names_to_fns, method=True):
    """Attach functions as Tensor methods (the module keeps them as functions)."""
    for name, fn in names_to_fns.items():
        if method:
            setattr(Tensor, name, fn)
