"""Export rules for tensor ops: rustorch functions and Tensor methods -> ONNX nodes.

A rule is ``fn(tr, out, a)``: ``out`` is what the op returned (already
computed), ``a`` the call's arguments bound to the op's signature (``a[0]`` is
the first argument, ``a["dim"]`` a named one).  A rule names the ONNX value
of each output tensor with ``tr.bind``.  Rules are keyed by the bare op name
("add", "__add__"), or "Tensor.x" / "rt.x" / "F.x" where the forms differ.
"""
import math

import rustorch as rt

from ._export_graph import onnx_dtype
from ._export_trace import TracedInt

RULES = {}
INT64_MAX = 2**63 - 1


def rule(*names):
    def reg(fn):
        for n in names:
            RULES[n] = fn
        return fn
    return reg


class Args:
    """Bound call arguments: by position (``a[0]``) or by parameter name (``a["dim"]``);
    ``op`` is the bare name the op was called by ("log2", "__add__")."""
    __slots__ = ("v", "k", "op")

    def __init__(self, values, named, op=""):
        self.v, self.k, self.op = values, named, op

    def __getitem__(self, key):
        if isinstance(key, int):
            return self.v[key] if key < len(self.v) else None
        return self.k.get(key)

    def get(self, key, default=None):
        v = self.k.get(key, default)
        return default if v is None else v


# ---------------------------------------------------------------- helpers
def wrap(d, nd):
    d = int(d)
    return d + nd if d < 0 else d


def cast(tr, name, src, dst):
    return name if src == dst else tr.g.node("Cast", [name], to=onnx_dtype(dst))


def operand(tr, v, dtype):
    """A graph value of ``dtype`` for tensor or number ``v``."""
    if isinstance(v, rt.Tensor):
        return cast(tr, tr.name(v), v.dtype, dtype)
    if isinstance(v, TracedInt):
        n = tr.g.node("Squeeze", [tr.int_name(v), tr.g.ints([0])])
        return cast(tr, n, rt.int64, dtype)
    return tr.g.const(rt.tensor(v, dtype=dtype))


def unsqueeze(tr, name, axes):
    return tr.g.node("Unsqueeze", [name, tr.g.ints(axes)])


def squeeze(tr, name, axes):
    return tr.g.node("Squeeze", [name, tr.g.ints(axes)])


def reduce(tr, op, name, axes, keepdims):
    g = tr.g
    if axes is None:
        return g.node(op, [name], keepdims=int(keepdims))
    if g.opset >= (13 if op == "ReduceSum" else 18):
        return g.node(op, [name, g.ints(axes)], keepdims=int(keepdims))
    return g.node(op, [name], axes=list(axes), keepdims=int(keepdims))


def dims_arg(v):
    """A dim argument (int, tuple, list or None) as a list or None."""
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        return [int(d) for d in v]
    return [int(v)]


def sizes_arg(v):
    """``view(2, 3)`` / ``view((2, 3))`` / ``reshape(x, [2, 3])`` -> a list of (traced) ints."""
    if isinstance(v, (tuple, list)) and len(v) == 1 and isinstance(v[0], (tuple, list)):
        v = v[0]
    if isinstance(v, (tuple, list)):
        return list(v)
    return [v]


def alias(tr, out, x):
    tr.bind(out, tr.name(x))


def rank(t):
    return t._data.ndim


# ---------------------------------------------------------------- elementwise
_BINARY = {"add": "Add", "sub": "Sub", "subtract": "Sub", "mul": "Mul", "multiply": "Mul",
           "div": "Div", "divide": "Div", "true_divide": "Div", "pow": "Pow",
           "maximum": "Max", "minimum": "Min", "fmax": "Max", "fmin": "Min", "fmod": "Mod"}
_DUNDER = {"add": "add", "sub": "sub", "mul": "mul", "truediv": "div", "pow": "pow"}


def _binary(onnx_op, swap=False):
    def fn(tr, out, a):
        x, y = (a[1], a[0]) if swap else (a[0], a[1])
        dt = out.dtype
        if onnx_op == "Pow" and dt.category >= 2:     # keep an integer exponent exact
            ex = y if not isinstance(y, rt.Tensor) else None
            if ex is not None and float(ex) == 2.0:
                xn = operand(tr, x, dt)
                tr.bind(out, tr.g.node("Mul", [xn, xn]))
                return
        xn, yn = operand(tr, x, dt), operand(tr, y, dt)
        alpha = a.get("alpha", 1)
        if alpha != 1 and onnx_op in ("Add", "Sub"):
            yn = tr.g.node("Mul", [yn, operand(tr, alpha, dt)])
        rounding = a.get("rounding_mode") if onnx_op == "Div" else None
        if onnx_op == "Div" and dt.category < 2 and rounding != "trunc":
            tr.unsupported(f"integer division with rounding_mode={rounding!r}")
        attrs = {"fmod": 1} if onnx_op == "Mod" else {}
        r = tr.g.node(onnx_op, [xn, yn], **attrs)
        if rounding == "floor" and dt.category >= 2:
            r = tr.g.node("Floor", [r])
        elif rounding == "trunc" and dt.category >= 2:
            r = tr.g.node("Mul", [tr.g.node("Sign", [r]), tr.g.node("Floor", [tr.g.node("Abs", [r])])])
        tr.bind(out, r)
    return fn


for _n, _o in _BINARY.items():
    RULES[_n] = RULES[_n + "_"] = _binary(_o)
for _d, _n in _DUNDER.items():
    RULES[f"__{_d}__"] = RULES[f"__i{_d}__"] = _binary(_BINARY[_n])
    RULES[f"__r{_d}__"] = _binary(_BINARY[_n], swap=True)


@rule("floor_divide", "__floordiv__", "__ifloordiv__")
def _floordiv(tr, out, a):
    if out.dtype.category < 2:
        tr.unsupported("integer floor division")
    r = tr.g.node("Div", [operand(tr, a[0], out.dtype), operand(tr, a[1], out.dtype)])
    tr.bind(out, tr.g.node("Floor", [r]))


@rule("__rfloordiv__")
def _rfloordiv(tr, out, a):
    _floordiv(tr, out, Args([a[1], a[0]], {}))


@rule("remainder", "remainder_", "__mod__", "__imod__")
def _remainder(tr, out, a):
    dt = out.dtype
    x, y = operand(tr, a[0], dt), operand(tr, a[1], dt)
    if dt.category < 2:
        tr.bind(out, tr.g.node("Mod", [x, y], fmod=0))
        return
    q = tr.g.node("Floor", [tr.g.node("Div", [x, y])])
    tr.bind(out, tr.g.node("Sub", [x, tr.g.node("Mul", [q, y])]))


_UNARY = {"exp": "Exp", "log": "Log", "sqrt": "Sqrt", "sin": "Sin", "cos": "Cos", "tan": "Tan",
          "asin": "Asin", "acos": "Acos", "atan": "Atan", "sinh": "Sinh", "cosh": "Cosh",
          "asinh": "Asinh", "acosh": "Acosh", "atanh": "Atanh", "tanh": "Tanh", "sigmoid": "Sigmoid",
          "abs": "Abs", "__abs__": "Abs", "neg": "Neg", "negative": "Neg", "__neg__": "Neg",
          "reciprocal": "Reciprocal", "erf": "Erf", "floor": "Floor", "ceil": "Ceil",
          "round": "Round", "sign": "Sign", "relu": "Relu", "isnan": "IsNaN",
          "logical_not": "Not"}


def _unary(op):
    def fn(tr, out, a):
        x = a[0]
        if op in ("Floor", "Ceil", "Round", "Abs", "Neg", "Sign", "Relu") or op == "Not":
            n = operand(tr, x, rt.bool if op == "Not" else out.dtype)
        else:
            n = operand(tr, x, out.dtype if out.dtype.category >= 2 else x.dtype)
        if op == "Round" and a.get("decimals", 0):
            tr.unsupported("round(decimals=...)")
        tr.bind(out, tr.g.node(op, [n]))
    return fn


for _n, _o in _UNARY.items():
    RULES[_n] = RULES[_n + "_"] = _unary(_o)


@rule("rsqrt", "rsqrt_")
def _rsqrt(tr, out, a):
    tr.bind(out, tr.g.node("Reciprocal", [tr.g.node("Sqrt", [operand(tr, a[0], out.dtype)])]))


@rule("square", "square_")
def _square(tr, out, a):
    x = operand(tr, a[0], out.dtype)
    tr.bind(out, tr.g.node("Mul", [x, x]))


@rule("log1p", "log1p_")
def _log1p(tr, out, a):
    x = operand(tr, a[0], out.dtype)
    tr.bind(out, tr.g.node("Log", [tr.g.node("Add", [x, operand(tr, 1.0, out.dtype)])]))


@rule("expm1", "expm1_")
def _expm1(tr, out, a):
    x = operand(tr, a[0], out.dtype)
    tr.bind(out, tr.g.node("Sub", [tr.g.node("Exp", [x]), operand(tr, 1.0, out.dtype)]))


@rule("log2", "log10", "log2_", "log10_")
def _logb(tr, out, a):
    x = operand(tr, a[0], out.dtype)
    base = 2.0 if a.op.startswith("log2") else 10.0
    tr.bind(out, tr.g.node("Div", [tr.g.node("Log", [x]), operand(tr, math.log(base), out.dtype)]))


@rule("isinf")
def _isinf(tr, out, a):
    tr.bind(out, tr.g.node("IsInf", [tr.name(a[0])]))


@rule("positive", "__pos__", "contiguous", "clone", "detach", "cpu", "requires_grad_")
def _identity(tr, out, a):
    alias(tr, out, a[0])


_COMPARE = {"eq": "Equal", "__eq__": "Equal", "ne": "Equal", "__ne__": "Equal", "not_equal": "Equal",
            "lt": "Less", "__lt__": "Less", "less": "Less", "le": "LessOrEqual", "__le__": "LessOrEqual",
            "less_equal": "LessOrEqual", "gt": "Greater", "__gt__": "Greater", "greater": "Greater",
            "ge": "GreaterOrEqual", "__ge__": "GreaterOrEqual", "greater_equal": "GreaterOrEqual"}


def _compare(op, negate):
    def fn(tr, out, a):
        dt = rt.result_type(a[0], a[1]) if isinstance(a[1], rt.Tensor) or isinstance(a[0], rt.Tensor) else None
        if isinstance(a[1], TracedInt) or dt is None:
            dt = rt.int64
        r = tr.g.node(op, [operand(tr, a[0], dt), operand(tr, a[1], dt)])
        if negate:
            r = tr.g.node("Not", [r])
        tr.bind(out, r)
    return fn


for _n, _o in _COMPARE.items():
    RULES[_n] = _compare(_o, _n in ("ne", "__ne__", "not_equal"))

_LOGICAL = {"logical_and": "And", "logical_or": "Or", "logical_xor": "Xor"}
for _n, _o in _LOGICAL.items():
    RULES[_n] = (lambda op: lambda tr, out, a: tr.bind(out, tr.g.node(
        op, [operand(tr, a[0], rt.bool), operand(tr, a[1], rt.bool)])))(_o)


def _bitwise(op, swap=False):
    def fn(tr, out, a):
        if out.dtype != rt.bool:
            tr.unsupported(f"bitwise {op} on {out.dtype} tensors")
        x, y = (a[1], a[0]) if swap else (a[0], a[1])
        tr.bind(out, tr.g.node(op, [operand(tr, x, rt.bool), operand(tr, y, rt.bool)]))
    return fn


for _n, _o in (("and", "And"), ("or", "Or"), ("xor", "Xor")):
    RULES[f"bitwise_{_n}"] = RULES[f"__{_n}__"] = RULES[f"__i{_n}__"] = _bitwise(_o)
    RULES[f"__r{_n}__"] = _bitwise(_o, swap=True)


@rule("bitwise_not", "__invert__")
def _invert(tr, out, a):
    if out.dtype != rt.bool:
        tr.unsupported(f"bitwise not on {out.dtype} tensors")
    tr.bind(out, tr.g.node("Not", [tr.name(a[0])]))


def _where3(tr, out, cond, x, y):
    dt = out.dtype
    tr.bind(out, tr.g.node("Where", [operand(tr, cond, rt.bool), operand(tr, x, dt), operand(tr, y, dt)]))


@rule("rt.where")
def _where(tr, out, a):
    if a[1] is None:
        tr.unsupported("where(condition) (data-dependent shape)")
    _where3(tr, out, a[0], a[1], a[2])


@rule("Tensor.where")
def _twhere(tr, out, a):
    _where3(tr, out, a[1], a[0], a[2])


@rule("masked_fill", "masked_fill_")
def _masked_fill(tr, out, a):
    _where3(tr, out, a[1], a[2], a[0])


@rule("clamp", "clip", "clamp_", "clip_")
def _clamp(tr, out, a):
    x = operand(tr, a[0], out.dtype)
    lo, hi = a.get("min"), a.get("max")
    if isinstance(lo, rt.Tensor) or isinstance(hi, rt.Tensor):
        if lo is not None:
            x = tr.g.node("Max", [x, operand(tr, lo, out.dtype)])
        if hi is not None:
            x = tr.g.node("Min", [x, operand(tr, hi, out.dtype)])
        tr.bind(out, x)
        return
    ins = [x, "" if lo is None else operand(tr, lo, out.dtype), "" if hi is None else operand(tr, hi, out.dtype)]
    while ins[-1] == "":
        ins.pop()
    tr.bind(out, tr.g.node("Clip", ins))


def _clamp_side(side):
    def fn(tr, out, a):
        x = operand(tr, a[0], out.dtype)
        v = operand(tr, a[1], out.dtype)
        tr.bind(out, tr.g.node("Max" if side == "min" else "Min", [x, v]))
    return fn


RULES["clamp_min"] = RULES["clamp_min_"] = _clamp_side("min")
RULES["clamp_max"] = RULES["clamp_max_"] = _clamp_side("max")


@rule("matmul", "__matmul__", "mm", "bmm", "mv")
def _matmul(tr, out, a):
    tr.bind(out, tr.g.node("MatMul", [operand(tr, a[0], out.dtype), operand(tr, a[1], out.dtype)]))


@rule("__rmatmul__")
def _rmatmul(tr, out, a):
    tr.bind(out, tr.g.node("MatMul", [operand(tr, a[1], out.dtype), operand(tr, a[0], out.dtype)]))


@rule("einsum")
def _einsum(tr, out, a):
    ops = list(a.v[1]) if len(a.v) > 1 else []
    if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
        ops = list(ops[0])
    tr.bind(out, tr.g.node("Einsum", [operand(tr, o, out.dtype) for o in ops], equation=a[0].replace(" ", "")))


@rule("addmm")
def _addmm(tr, out, a):
    dt = out.dtype
    tr.bind(out, tr.g.node("Gemm", [operand(tr, a[1], dt), operand(tr, a[2], dt), operand(tr, a[0], dt)],
                           alpha=float(a.get("alpha", 1)), beta=float(a.get("beta", 1))))


# ---------------------------------------------------------------- casts / dtype
def _cast_to(tr, out, x):
    tr.bind(out, cast(tr, tr.name(x), x.dtype, out.dtype))


for _n in ("float", "double", "half", "bfloat16", "long", "int", "short", "bool", "byte", "char",
           "to", "type_as", "cfloat", "cdouble"):
    RULES[_n] = (lambda tr, out, a: _cast_to(tr, out, a[0]))


# ---------------------------------------------------------------- reductions
def _reduction(op, empty_is_all=True):
    def fn(tr, out, a):
        x = a[0]
        dims = dims_arg(a["dim"] if "dim" in a.k else a[1])
        if dims is not None and not dims and empty_is_all:
            dims = None
        keep = bool(a.get("keepdim", False))
        dt = out.dtype
        n = operand(tr, x, dt) if op in ("ReduceSum", "ReduceMean", "ReduceProd") else tr.name(x)
        axes = None if dims is None else [wrap(d, rank(x)) for d in dims]
        tr.bind(out, reduce(tr, op, n, axes, keep))
    return fn


RULES["sum"] = _reduction("ReduceSum")
RULES["mean"] = _reduction("ReduceMean")
RULES["prod"] = _reduction("ReduceProd")
RULES["amax"] = _reduction("ReduceMax")
RULES["amin"] = _reduction("ReduceMin")
RULES["logsumexp"] = _reduction("ReduceLogSumExp")


def _maxmin(op, arg_op):
    def fn(tr, out, a):
        x = a[0]
        other = a.get("other")
        dim = a["dim"]
        if isinstance(dim, rt.Tensor):
            other, dim = dim, None
        if other is not None:
            tr.bind(out, tr.g.node("Max" if op == "ReduceMax" else "Min",
                                   [operand(tr, x, out.dtype), operand(tr, other, out.dtype)]))
            return
        if dim is None:
            tr.bind(out, reduce(tr, op, tr.name(x), None, False))
            return
        d = wrap(dim, rank(x))
        keep = int(bool(a.get("keepdim", False)))
        values, indices = out
        tr.bind(values, reduce(tr, op, tr.name(x), [d], keep))
        tr.bind(indices, tr.g.node(arg_op, [tr.name(x)], axis=d, keepdims=keep))
    return fn


RULES["max"] = _maxmin("ReduceMax", "ArgMax")
RULES["min"] = _maxmin("ReduceMin", "ArgMin")


def _argmaxmin(op):
    def fn(tr, out, a):
        x, dim, keep = a[0], a["dim"], bool(a.get("keepdim", False))
        n = tr.name(x)
        if dim is None:
            n = tr.g.node("Reshape", [n, tr.g.ints([-1])])
            r = tr.g.node(op, [n], axis=0, keepdims=0)
            if keep:
                r = tr.g.node("Reshape", [r, tr.g.ints([1] * rank(x))])
            tr.bind(out, r)
            return
        tr.bind(out, tr.g.node(op, [n], axis=wrap(dim, rank(x)), keepdims=int(keep)))
    return fn


RULES["argmax"] = _argmaxmin("ArgMax")
RULES["argmin"] = _argmaxmin("ArgMin")


def _allany(op):
    def fn(tr, out, a):
        x = a[0]
        dims = dims_arg(a["dim"])
        keep = bool(a.get("keepdim", False))
        n = tr.g.node("Cast", [operand(tr, x, rt.bool)], to=onnx_dtype(rt.int32))
        axes = None if dims is None else [wrap(d, rank(x)) for d in dims]
        tr.bind(out, tr.g.node("Cast", [reduce(tr, op, n, axes, keep)], to=onnx_dtype(rt.bool)))
    return fn


RULES["all"] = _allany("ReduceMin")
RULES["any"] = _allany("ReduceMax")


@rule("var", "std")
def _var(tr, out, a):
    x = a[0]
    dims = dims_arg(a["dim"])
    keep = bool(a.get("keepdim", False))
    corr = a.get("correction")
    if corr is None:
        unb = a.get("unbiased")
        corr = 0 if unb is False else 1
    dt = out.dtype
    n = tr.name(x)
    axes = list(range(rank(x))) if dims is None else [wrap(d, rank(x)) for d in dims]
    mean = reduce(tr, "ReduceMean", n, axes, True)
    d = tr.g.node("Sub", [n, mean])
    ss = reduce(tr, "ReduceSum", tr.g.node("Mul", [d, d]), axes, keep)
    count = reduce(tr, "ReduceProd", tr.g.node("Gather", [tr.shape_of(x), tr.g.ints(axes)], axis=0), None, False)
    count = tr.g.node("Sub", [tr.g.node("Cast", [count], to=onnx_dtype(dt)), operand(tr, float(corr), dt)])
    r = tr.g.node("Div", [ss, count])
    if a.op == "std":
        r = tr.g.node("Sqrt", [r])
    tr.bind(out, r)


@rule("cumsum")
def _cumsum(tr, out, a):
    x = a[0]
    n = operand(tr, x, out.dtype)
    axis = tr.g.const(rt.tensor(wrap(a[1], rank(x)), dtype=rt.int64))
    tr.bind(out, tr.g.node("CumSum", [n, axis]))


@rule("softmax", "log_softmax", "F.softmax", "F.log_softmax", "F.softmin")
def _softmax(tr, out, a):
    x = a[0]
    dim = a["dim"]
    if dim is None:
        tr.unsupported("softmax without dim")
    n = tr.name(x)
    if a.get("dtype") is not None or x.dtype != out.dtype:
        n = cast(tr, n, x.dtype, out.dtype)
    if a.op == "softmin":
        n = tr.g.node("Neg", [n])
    op = "LogSoftmax" if a.op == "log_softmax" else "Softmax"
    tr.bind(out, tr.g.node(op, [n], axis=wrap(dim, rank(x))))


# ---------------------------------------------------------------- shapes
def _reshape_to(tr, x, dims):
    dims = list(dims)
    if any(not isinstance(d, TracedInt) and int(d) == 0 for d in dims):
        return tr.g.node("Reshape", [tr.name(x), tr.shape_list(dims)], allowzero=1)
    return tr.g.node("Reshape", [tr.name(x), tr.shape_list(dims)])


@rule("view", "reshape")
def _view(tr, out, a):
    dims = sizes_arg(a.v[1])
    if len(dims) == 1 and isinstance(dims[0], rt.dtype):
        tr.unsupported("view(dtype)")
    tr.bind(out, _reshape_to(tr, a[0], dims))


@rule("view_as", "reshape_as")
def _view_as(tr, out, a):
    tr.bind(out, tr.g.node("Reshape", [tr.name(a[0]), tr.shape_of(a[1])]))


def _keep_dims(tr, x, idx):
    return [tr.dim_of(x, i) for i in idx]


@rule("flatten", "ravel")
def _flatten(tr, out, a):
    x = a[0]
    nd = rank(x)
    if nd == 0:
        tr.bind(out, tr.g.node("Reshape", [tr.name(x), tr.g.ints([1])]))
        return
    s = wrap(a.get("start_dim", 0), nd)
    e = wrap(a.get("end_dim", -1), nd)
    if s == 1 and e == nd - 1 and nd >= 2:
        tr.bind(out, tr.g.node("Flatten", [tr.name(x)], axis=1))
        return
    lead = [0] * s           # 0 copies the input dim at the same index
    trail = _keep_dims(tr, x, range(e + 1, nd))
    tr.bind(out, tr.g.node("Reshape", [tr.name(x), tr.shape_list(lead + [-1] + trail)]))


@rule("unflatten")
def _unflatten(tr, out, a):
    x = a[0]
    nd = rank(x)
    d = wrap(a[1], nd)
    sizes = list(a[2])
    dims = [0] * d + sizes + _keep_dims(tr, x, range(d + 1, nd))
    tr.bind(out, tr.g.node("Reshape", [tr.name(x), tr.shape_list(dims)]))


@rule("permute")
def _permute(tr, out, a):
    x = a[0]
    perm = [wrap(d, rank(x)) for d in sizes_arg(a.v[1])]
    tr.bind(out, tr.g.node("Transpose", [tr.name(x)], perm=perm))


@rule("transpose", "swapaxes", "swapdims")
def _transpose(tr, out, a):
    x = a[0]
    nd = rank(x)
    perm = list(range(nd))
    i, j = wrap(a[1], nd), wrap(a[2], nd)
    perm[i], perm[j] = perm[j], perm[i]
    tr.bind(out, tr.g.node("Transpose", [tr.name(x)], perm=perm))


@rule("t")
def _t(tr, out, a):
    x = a[0]
    if rank(x) < 2:
        alias(tr, out, x)
    else:
        tr.bind(out, tr.g.node("Transpose", [tr.name(x)], perm=[1, 0]))


@rule("movedim", "moveaxis")
def _movedim(tr, out, a):
    x = a[0]
    nd = rank(x)
    src = [wrap(d, nd) for d in dims_arg(a[1])]
    dst = [wrap(d, nd) for d in dims_arg(a[2])]
    rest = [d for d in range(nd) if d not in src]
    perm = [None] * nd
    for s, d in zip(src, dst):
        perm[d] = s
    it = iter(rest)
    perm = [p if p is not None else next(it) for p in perm]
    tr.bind(out, tr.g.node("Transpose", [tr.name(x)], perm=perm))


@rule("unsqueeze")
def _unsqueeze(tr, out, a):
    x = a[0]
    tr.bind(out, unsqueeze(tr, tr.name(x), [wrap(a[1], rank(x) + 1)]))


@rule("squeeze")
def _squeeze(tr, out, a):
    x = a[0]
    dims = dims_arg(a["dim"] if "dim" in a.k else a[1])
    shape = x._data.shape
    if dims is None:
        axes = [i for i, s in enumerate(shape) if s == 1]
    else:
        axes = [wrap(d, rank(x)) for d in dims]
        axes = [d for d in axes if shape[d] == 1]
    if not axes:
        alias(tr, out, x)
        return
    tr.bind(out, squeeze(tr, tr.name(x), axes))


@rule("expand", "broadcast_to")
def _expand(tr, out, a):
    x = a[0]
    sizes = sizes_arg(a.v[1])
    nd_new = len(sizes)
    lead = nd_new - rank(x)
    dims = []
    for i, s in enumerate(sizes):
        if not isinstance(s, TracedInt) and int(s) == -1:
            dims.append(tr.dim_of(x, i - lead) if tr.dynamic else 1)
        else:
            dims.append(s)
    tr.bind(out, tr.g.node("Expand", [tr.name(x), tr.shape_list(dims)]))


@rule("expand_as")
def _expand_as(tr, out, a):
    tr.bind(out, tr.g.node("Expand", [tr.name(a[0]), tr.shape_of(a[1])]))


@rule("repeat", "tile")
def _repeat(tr, out, a):
    x = a[0]
    reps = sizes_arg(a.v[1])
    n = tr.name(x)
    extra = len(reps) - rank(x)
    if extra > 0:
        n = unsqueeze(tr, n, list(range(extra)))
    elif extra < 0:        # tile: fewer reps than dims
        reps = [1] * (-extra) + reps
    tr.bind(out, tr.g.node("Tile", [n, tr.shape_list(reps)]))


@rule("cat", "concat", "concatenate")
def _cat(tr, out, a):
    ts = [t for t in a[0] if not (isinstance(t, rt.Tensor) and t._data.ndim == 1 and t._data.shape[0] == 0)]
    d = wrap(a.get("dim", 0), rank(out))
    tr.bind(out, tr.g.node("Concat", [operand(tr, t, out.dtype) for t in ts], axis=d))


@rule("stack")
def _stack(tr, out, a):
    d = wrap(a.get("dim", 0), rank(out))
    parts = [unsqueeze(tr, operand(tr, t, out.dtype), [d]) for t in a[0]]
    tr.bind(out, tr.g.node("Concat", parts, axis=d))


def _split_into(tr, x, sizes, d, outs):
    names = tr.g.node("Split", [tr.name(x), tr.g.ints(sizes)], n_out=len(sizes), axis=d)
    if len(sizes) == 1:
        names = [names]
    for o, n in zip(outs, names):
        tr.bind(o, n)


@rule("split")
def _split(tr, out, a):
    x = a[0]
    d = wrap(a.get("dim", 0), rank(x))
    _split_into(tr, x, [o._data.shape[d] for o in out], d, out)


@rule("chunk", "tensor_split")
def _chunk(tr, out, a):
    x = a[0]
    d = wrap(a.get("dim", 0), rank(x))
    _split_into(tr, x, [o._data.shape[d] for o in out], d, out)


@rule("unbind")
def _unbind(tr, out, a):
    x = a[0]
    d = wrap(a.get("dim", 0), rank(x))
    n = len(out)
    names = tr.g.node("Split", [tr.name(x), tr.g.ints([1] * n)], n_out=n, axis=d)
    if n == 1:
        names = [names]
    for o, nm in zip(out, names):
        tr.bind(o, squeeze(tr, nm, [d]))


@rule("narrow")
def _narrow(tr, out, a):
    x, d, start, length = a[0], wrap(a[1], rank(a[0])), a[2], a[3]
    if isinstance(start, rt.Tensor):
        start = int(start.item())
    s = tr.int_name(start)
    e = tr.g.node("Add", [s, tr.int_name(length)])
    tr.bind(out, tr.g.node("Slice", [tr.name(x), s, e, tr.g.ints([d])]))


@rule("select")
def _select(tr, out, a):
    x, d, i = a[0], wrap(a[1], rank(a[0])), a[2]
    tr.bind(out, _gather_int(tr, tr.name(x), d, i))


def _gather_int(tr, n, d, i):
    if isinstance(i, TracedInt):
        return squeeze(tr, tr.g.node("Gather", [n, tr.int_name(i)], axis=d), [d])
    return tr.g.node("Gather", [n, tr.g.const(rt.tensor(int(i), dtype=rt.int64))], axis=d)


@rule("index_select")
def _index_select(tr, out, a):
    x = a[0]
    tr.bind(out, tr.g.node("Gather", [tr.name(x), tr.name(a[2])], axis=wrap(a[1], rank(x))))


@rule("gather", "take_along_dim")
def _gather(tr, out, a):
    x = a[0]
    tr.bind(out, tr.g.node("GatherElements", [tr.name(x), tr.name(a[2] if "index" in a.k else a[1])],
                           axis=wrap(a["dim"], rank(x))))


@rule("flip")
def _flip(tr, out, a):
    x = a[0]
    dims = [wrap(d, rank(x)) for d in sizes_arg(a.v[1])]
    k = len(dims)
    tr.bind(out, tr.g.node("Slice", [tr.name(x), tr.g.ints([-1] * k), tr.g.ints([-INT64_MAX] * k),
                                     tr.g.ints(dims), tr.g.ints([-1] * k)]))


@rule("tril", "triu")
def _trilu(tr, out, a):
    x = a[0]
    k = tr.g.const(rt.tensor(int(a.get("diagonal", 0)), dtype=rt.int64))
    upper = 1 if a.op == "triu" else 0
    tr.bind(out, tr.g.node("Trilu", [tr.name(x), k], upper=upper))


@rule("topk")
def _topk(tr, out, a):
    x = a[0]
    d = wrap(a.get("dim", -1), rank(x))
    values, indices = out
    v, i = tr.g.node("TopK", [tr.name(x), tr.int_name(a[1])], n_out=2, axis=d,
                     largest=int(bool(a.get("largest", True))), sorted=1)
    tr.bind(values, v)
    tr.bind(indices, i)


@rule("__getitem__")
def _getitem(tr, out, a):
    x, key = a[0], a[1]
    if not isinstance(key, tuple):
        key = (key,)
    nd = rank(x)
    used = sum(1 for k in key if k is not None and k is not Ellipsis and not isinstance(k, bool))
    for k in key:
        if isinstance(k, rt.Tensor) and k.dtype == rt.bool:
            tr.unsupported("boolean-mask indexing (its result shape depends on the data)")
    if sum(1 for k in key if isinstance(k, (rt.Tensor, list))) > 1:
        tr.unsupported("indexing with more than one index tensor")
    n = tr.name(x)
    d = 0
    for k in key:
        if k is Ellipsis:
            d += nd - used
        elif k is None:
            n = unsqueeze(tr, n, [d])
            d += 1
        elif isinstance(k, bool):
            tr.unsupported("indexing with a Python bool")
        elif isinstance(k, int):
            n = _gather_int(tr, n, d, k)
        elif isinstance(k, slice):
            start, stop, step = k.start, k.stop, k.step
            step = 1 if step is None else step
            if start is None and stop is None and step == 1:
                d += 1
                continue
            if isinstance(start, rt.Tensor) or isinstance(stop, rt.Tensor):
                tr.unsupported("slicing with tensor bounds")
            s = tr.int_name(0 if start is None else start)
            e = tr.int_name(INT64_MAX if stop is None else stop)
            n = tr.g.node("Slice", [n, s, e, tr.g.ints([d]), tr.g.ints([int(step)])])
            d += 1
        elif isinstance(k, (rt.Tensor, list)):
            idx = k if isinstance(k, rt.Tensor) else rt.tensor(k, dtype=rt.int64)
            if idx.dtype.category != 1:
                tr.unsupported(f"indexing with a {idx.dtype} tensor")
            n = tr.g.node("Gather", [n, tr.name(idx)], axis=d)
            d += idx.ndim
        else:
            tr.unsupported(f"indexing with {type(k).__name__}")
    tr.bind(out, n)


# ---------------------------------------------------------------- creation from traced sizes
def _fill_shape(tr, out, dims, value):
    if not tr.dynamic or not any(isinstance(d, TracedInt) for d in dims):
        tr.bind(out, tr.g.const(out))
        return
    tr.bind(out, tr.g.node("ConstantOfShape", [tr.shape_list(dims)],
                           value=rt.tensor([value], dtype=out.dtype)))


def _creation(value_of):
    def fn(tr, out, a):
        _fill_shape(tr, out, sizes_arg(a.v[0] if "size" in a.k or not a.k else a.v[0]), value_of(a))
    return fn


RULES["rt.zeros"] = _creation(lambda a: 0)
RULES["rt.ones"] = _creation(lambda a: 1)
RULES["rt.empty"] = _creation(lambda a: 0)
RULES["rt.full"] = lambda tr, out, a: _fill_shape(tr, out, sizes_arg(a[0]), a[1])


def _new_fill(value_of):
    def fn(tr, out, a):
        _fill_shape(tr, out, sizes_arg(a.v[1]), value_of(a))
    return fn


RULES["new_zeros"] = _new_fill(lambda a: 0)
RULES["new_ones"] = _new_fill(lambda a: 1)
RULES["new_empty"] = _new_fill(lambda a: 0)
RULES["new_full"] = lambda tr, out, a: _fill_shape(tr, out, sizes_arg(a[1]), a[2])


def _like(value_of):
    def fn(tr, out, a):
        x = a[0]
        if not tr.dynamic:
            tr.bind(out, tr.g.const(out))
            return
        tr.bind(out, tr.g.node("ConstantOfShape", [tr.shape_of(x)],
                               value=rt.tensor([value_of(a)], dtype=out.dtype)))
    return fn


RULES["zeros_like"] = _like(lambda a: 0)
RULES["ones_like"] = _like(lambda a: 1)
RULES["empty_like"] = _like(lambda a: 0)
RULES["full_like"] = _like(lambda a: a[1])


@rule("rt.arange")
def _arange(tr, out, a):
    start, end, step = a[0], a["end"], a.get("step", 1)
    if end is None:
        start, end = 0, start
    if not tr.dynamic:
        tr.bind(out, tr.g.const(out))
        return
    dt = out.dtype

    def scalar(v):
        return operand(tr, v, dt)
    tr.bind(out, tr.g.node("Range", [scalar(start), scalar(end), scalar(step)]))


@rule("rt.tensor", "rt.as_tensor")
def _tensor(tr, out, a):
    data = a[0]
    flat = list(data) if isinstance(data, (list, tuple)) else [data]
    if tr.dynamic and flat and all(isinstance(v, int) for v in flat) and isinstance(data, (list, tuple)):
        r = tr.shape_list(flat)
        tr.bind(out, cast(tr, r, rt.int64, out.dtype))
        return
    if isinstance(data, rt.Tensor):
        _cast_to(tr, out, data)
        return
    tr.bind(out, tr.g.const(out))
