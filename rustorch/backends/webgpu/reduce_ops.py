"""Reductions and scans on GPUArrays (issue 8, round 2).

Reductions (``sum``, ``mean``, ``prod``, ``amax``/``max``, ``amin``/``min``,
``argmax``, ``argmin``, ``all``, ``any``) take any set of dims and ``keepdim``
and read strided, transposed or broadcast views directly.  Each runs
``shaders/reduce.wgsl`` (or ``reduce_arg.wgsl``): one workgroup folds one chunk of
one output's reduced extent in shared memory; when an output needs more than one
chunk, the kernel runs again over the contiguous partials, until one is left.
Scans (``cumsum``, ``cumprod``) run ``shaders/scan.wgsl``, one invocation per line
(sequential, like torch's CPU loop), or for a few long lines a blocked scan:
``scan_block.wgsl`` scans blocks of WG elements in shared memory, their totals are
scanned recursively and ``scan_add.wgsl`` adds each block's prefix.

Dtypes and torch's rules, with WGSL's 32-bit limits:

* float32 (and float16, accumulated in f32) sum/prod/mean accumulate in f32.
* int32 and bool sum/prod/cumsum/cumprod give **int32, wrapping around** on
  overflow (two's complement), where torch gives int64: WGSL has no 64-bit
  integers.  uint32 gives uint32, wrapping modulo 2**32.
* mean takes floating dtypes only, like torch.
* max/min/argmax/argmin propagate NaN like torch: the result is NaN and the
  arg-index is that of the first NaN; ties give the first index.  They refuse an
  empty reduced extent.  argmax/argmin give int32 indices (torch: int64).
* all/any give bool for every dtype (NaN counts as true).
* ``dim=()`` reduces every dim, except for all/any, which then reduce none (torch).
"""
import builtins
import functools

from ... import _dtype as dt
from ..._errors import DTypeError, IndexOutOfRange, InvalidArgument, InvalidType, shape_str
from . import kernels
from .array import GPUArray
from .kernels import DTYPES, FLOATS, Kernel

__all__ = ["sum", "mean", "prod", "amax", "amin", "max", "min", "all", "any", "argmax",
           "argmin", "cumsum", "cumprod", "reduce"]

WG = kernels.WORKGROUP_SIZE     # a power of two: the shared-memory tree halves it
ITEMS_PER_THREAD = 8            # elements one invocation folds before the tree
CHUNK = WG * ITEMS_PER_THREAD   # reduced elements per workgroup and pass

_NAN = kernels.NAN_HELPER
_F32_NEG_INF, _F32_INF = "bitcast<f32>(0xff800000u)", "bitcast<f32>(0x7f800000u)"
_I32_MIN, _I32_MAX = "i32(-2147483647 - 1)", "2147483647"


def _acc_type(dtype):
    """WGSL accumulator type of sums/products (f32 for floats, i32 for int32/bool)."""
    if dtype in FLOATS:
        return "f32"
    return "u32" if dtype is dt.uint32 else "i32"


def _as_acc(raw, dtype, acc):
    """A loaded storage value ``raw`` converted to the accumulator type."""
    return raw if DTYPES[dtype][0] == acc else f"{acc}({raw})"


def _nonzero(raw, dtype):
    if dtype is dt.bool:
        return f"({raw} != 0u)"
    storage, value, _ = DTYPES[dtype]
    x = raw if storage == value else f"{value}({raw})"
    if dtype in FLOATS:   # NaN is true; `x != 0` alone may be folded oddly for NaN
        return f"({x} != 0.0 || rt_isnan({x}))"
    return f"({x} != {value}(0))"


def _bounds(name, dtype):
    """Identity of max (lowest value) or min (highest value) in the compute type."""
    if dtype in FLOATS:
        return _F32_NEG_INF if name == "max" else _F32_INF
    if dtype is dt.int32:
        return _I32_MIN if name == "max" else _I32_MAX
    return "0u" if name == "max" else "0xffffffffu"   # uint32 and bool (0/1 in u32)


class _Spec:
    """One reduction on one dtype: WGSL pieces and the output dtype."""
    __slots__ = ("acc", "ident", "combine", "load", "out_dtype", "helper", "mean")

    def __init__(self, acc, ident, combine, load, out_dtype, helper="", mean=False):
        self.acc, self.ident, self.combine, self.load = acc, ident, combine, load
        self.out_dtype, self.helper, self.mean = out_dtype, helper, mean


_REDUCE_DTYPES = {
    "sum": kernels.ALL, "prod": kernels.ALL, "mean": FLOATS,
    "max": kernels.ALL, "min": kernels.ALL, "all": kernels.ALL, "any": kernels.ALL,
    "argmax": kernels.ALL, "argmin": kernels.ALL,
}


def _check(name, dtype):
    if dtype not in DTYPES:
        kernels.check_dtype(dtype)
    if dtype not in _REDUCE_DTYPES[name]:
        raise DTypeError(f"WebGPU {name}() does not take dtype {dtype} (takes "
                         f"{', '.join(d.name for d in _REDUCE_DTYPES[name])}); "
                         f"cast to float32 first")


def _spec(name, dtype):
    _check(name, dtype)
    if name in ("sum", "prod", "mean"):
        acc = _acc_type(dtype)
        out = dt.int32 if dtype is dt.bool else dtype
        op = "+" if name != "prod" else "*"
        return _Spec(acc, f"{acc}({0 if op == '+' else 1})", f"x {op} y",
                     _as_acc("raw", dtype, acc), out, mean=name == "mean")
    if name in ("max", "min"):
        if dtype in FLOATS:   # WGSL max/min need not propagate NaN; torch does
            comb = (f"select({name}(x, y), rt_nan(), rt_isnan(x) || rt_isnan(y))")
            return _Spec("f32", _bounds(name, dtype), comb, "f32(raw)", dtype, _NAN)
        acc = DTYPES[dtype][1] if dtype is not dt.bool else "u32"
        return _Spec(acc, _bounds(name, dtype), f"{name}(x, y)", "raw", dtype)
    # all / any: folded as 0/1 in u32
    comb, ident = ("x & y", "1u") if name == "all" else ("x | y", "0u")
    return _Spec("u32", ident, comb, f"select(0u, 1u, {_nonzero('raw', dtype)})", dt.bool,
                 _NAN if dtype in FLOATS else "")


def _final(spec, dtype, last):
    """The WGSL expression storing accumulator ``v`` (the last pass converts it)."""
    if not last:
        return "v"
    v = "v / f32(info[4])" if spec.mean else "v"
    storage = DTYPES[spec.out_dtype][0]
    return v if storage == spec.acc else f"{storage}({v})"


def _enable(*dtypes):
    return "enable f16;" if dt.float16 in dtypes else ""


@functools.lru_cache(maxsize=None)
def reduce_kernel(name, dtype, first, last):
    """The kernel of one pass: ``first`` reads the input dtype, later passes read
    the accumulator partials; ``last`` stores the output dtype."""
    spec = _spec(name, dtype)
    ta = DTYPES[dtype][0] if first else spec.acc
    to = DTYPES[spec.out_dtype][0] if last else spec.acc
    src = kernels.template("reduce.wgsl").substitute(
        enable=_enable(dtype if first else None, spec.out_dtype if last else None),
        TA=ta, TO=to, ACC=spec.acc, WG=WG, helpers=spec.helper, IDENT=spec.ident,
        COMBINE=spec.combine, LOAD=spec.load if first else "raw", INDEX=_index_helpers(),
        FINAL=_final(spec, dtype, last))
    return Kernel(src, 3, spec.out_dtype if last else None, WG)


@functools.lru_cache(maxsize=None)
def serial_kernel(name, dtype):
    """One invocation per output (shaders/reduce_serial.wgsl): for short
    reduced extents over many outputs."""
    spec = _spec(name, dtype)
    src = kernels.template("reduce_serial.wgsl").substitute(
        enable=_enable(dtype, spec.out_dtype), TA=DTYPES[dtype][0],
        TO=DTYPES[spec.out_dtype][0], ACC=spec.acc, WG=WG, helpers=spec.helper,
        IDENT=spec.ident, COMBINE=spec.combine, LOAD=spec.load, INDEX=_index_helpers(),
        FINAL=_final(spec, dtype, True))
    return Kernel(src, 3, spec.out_dtype, WG)


def _serial(n_out, m):
    """Whether one invocation per output beats a workgroup per output: short
    reductions, or moderately short ones over many outputs."""
    return n_out > 1 and (m <= 64 or (m <= 2048 and n_out >= 4096))


@functools.lru_cache(maxsize=None)
def _index_helpers():
    """base()/roff() of shaders/reduce_index.wgsl, shared by both reduction families."""
    return kernels.template("reduce_index.wgsl").substitute()


def _arg_acc(dtype):
    if dtype in FLOATS:
        return "f32"
    return "i32" if dtype is dt.int32 else "u32"


@functools.lru_cache(maxsize=None)
def arg_kernel(name, dtype, first):
    """argmax/argmin pass; every pass writes (values, int32 indices) partials."""
    _check(name, dtype)
    acc = _arg_acc(dtype)
    cmp = ">" if name == "argmax" else "<"
    better = f"if (vb != va) {{ return vb {cmp} va; }} return ib < ia;"
    helper = ""
    if dtype in FLOATS:   # NaN beats numbers; between NaNs the first index wins
        better = ("let na = rt_isnan(va); let nb = rt_isnan(vb); "
                  "if (na || nb) { if (na && nb) { return ib < ia; } return nb; } " + better)
        helper = _NAN
    ident = _bounds("max" if name == "argmax" else "min", dtype)
    n = 4 if first else 5
    src = kernels.template("reduce_arg.wgsl").substitute(
        enable=_enable(dtype if first else None), TA=DTYPES[dtype][0] if first else acc,
        ACC=acc, WG=WG, helpers=helper, IDENT=ident, BETTER=better,
        IDX_IN="" if first else
        "@group(0) @binding(1) var<storage, read> ai: array<i32>;",
        B_VAL=n - 3, B_IDX=n - 2, B_INFO=n - 1, INDEX=_index_helpers(),
        LOAD=_as_acc("raw", dtype, acc) if first else "raw",
        LOAD_IDX="r" if first else "bitcast<u32>(ai[ia])")
    k = Kernel(src, n, dt.int32, WG)
    # inputs and info are read-only; the value and index outputs are written
    k.read_only = (True,) * (n - 3) + (False, False, True)
    return k


# ------------------------------------------------------------------ host side
def _norm_dims(dim, ndim, op):
    """dim (None, int or a sequence of ints) -> sorted tuple of distinct dims."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) and not isinstance(dim, bool) else dim
    try:
        dims = tuple(dims)
    except TypeError:
        raise InvalidType(f"{op}(): dim must be None, an int or a tuple of ints, "
                          f"got {type(dim).__name__}") from None
    rank = builtins.max(ndim, 1)   # a 0-d array takes dim 0 / -1, as in torch
    out = []
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, int):
            raise InvalidType(f"{op}(): dim must be int, got {type(d).__name__}")
        if not -rank <= d < rank:
            raise IndexOutOfRange(f"{op}(): dim {d} is out of range for a {ndim}-d array "
                                  f"(expected in [{-rank}, {rank - 1}])")
        d %= rank
        if d in out:
            raise InvalidArgument(f"{op}(): dim {d} appears more than once in {dim}")
        out.append(d)
    return tuple(sorted(d for d in out if d < ndim))


def _upload(disp, words):
    return disp.upload_words(words)


def _info(n_out, m, n_chunks, total_m, offset, kept, red):
    """The u32 info words of reduce*.wgsl; kept/red are (size, stride) pairs."""
    words = [n_out, m, n_chunks, CHUNK, total_m, len(kept), len(red), offset]
    for group in (kept, red):
        words += [s for s, _ in group] + [st for _, st in group]
    return words


def _out_shape(shape, dims, keepdim):
    if keepdim:
        return tuple(1 if d in dims else s for d, s in enumerate(shape))
    return tuple(s for d, s in enumerate(shape) if d not in dims)


def _coalesce(dims):
    """(size, stride) pairs in C order -> fewer pairs addressing the same elements
    in the same order: size-1 dims dropped, adjacent dims merged where
    stride[i] == stride[i+1] * size[i+1] (fewer div/mod per element in WGSL)."""
    out = []
    for size, stride in dims:
        if size == 1:
            continue
        if out and out[-1][1] == stride * size:
            out[-1] = (out[-1][0] * size, stride)
        else:
            out.append((size, stride))
    return out


def _passes(x, dims):
    """Yield (n_out, m, n_chunks, kept, red, offset, is_last) for each pass over x."""
    kept = _coalesce([(s, st) for d, (s, st) in enumerate(zip(x.shape, x.strides))
                      if d not in dims])
    red = _coalesce([(x.shape[d], x.strides[d]) for d in dims])
    n_out = 1
    for s, _ in kept:
        n_out *= s
    m = 1
    for s, _ in red:
        m *= s
    offset = x.offset
    while True:
        n_chunks = builtins.max(1, -(-m // CHUNK))
        yield n_out, m, n_chunks, kept, red, offset, n_chunks == 1
        if n_chunks == 1:
            return
        # the next pass reads the contiguous [n_out, n_chunks] partials
        m, kept, red, offset = n_chunks, [(n_out, n_chunks)], [(n_chunks, 1)], 0


def _check_x(x, op):
    if not isinstance(x, GPUArray):
        raise InvalidType(f"{op}() expects a GPUArray, got {type(x).__name__}")


def reduce(name, x, dim=None, keepdim=False):
    """Reduction ``name`` (sum, mean, prod, max, min, all, any) over ``dim``."""
    _check_x(x, name)
    if name not in ("sum", "mean", "prod", "max", "min", "all", "any"):
        raise InvalidArgument(f"unknown WebGPU reduction {name!r}")
    spec = _spec(name, x.dtype)
    kernels.check_dtype(x.dtype, x.dispatcher.adapter.features)
    if name not in ("all", "any") and isinstance(dim, (tuple, list)) and not dim:
        dim = None   # torch: sum/mean/prod/amax/amin over dim=() reduce every dim
    dims = _norm_dims(dim, x.ndim, name)
    if name in ("max", "min"):
        _nonempty(x, dims, name)
    disp = x.dispatcher
    out_shape = _out_shape(x.shape, dims, keepdim)
    total_m = 1
    for d in dims:
        total_m *= x.shape[d]
    src = x
    for n_out, m, n_chunks, kept, red, offset, last in _passes(x, dims):
        if n_out == 0:
            return GPUArray.empty(disp, out_shape, spec.out_dtype, kernel_output=True)
        if src is x and m > 0 and _serial(n_out, m):
            dst = GPUArray.empty(disp, out_shape, spec.out_dtype, kernel_output=True)
            meta = _upload(disp, _info(n_out, m, 1, total_m, offset, kept, red))
            disp.dispatch(serial_kernel(name, x.dtype), [src.storage.buffer, dst.storage.buffer, meta],
                          n_out)
            disp.free(meta)
            return dst
        k = reduce_kernel(name, x.dtype, src is x, last)
        if last:
            dst = GPUArray.empty(disp, out_shape, spec.out_dtype, kernel_output=True)
        else:   # partials in the accumulator type (4 bytes, like float32)
            dst = GPUArray.empty(disp, (n_out, n_chunks), dt.float32, kernel_output=True)
        meta = _upload(disp, _info(n_out, m, n_chunks, total_m, offset, kept, red))
        disp.dispatch(k, [src.storage.buffer, dst.storage.buffer, meta], n_out * n_chunks * WG)
        disp.free(meta)
        src = dst
    return src


def _nonempty(x, dims, op):
    for d in dims:
        if x.shape[d] == 0:
            raise InvalidArgument(f"{op}(): cannot reduce over dim {d} of size 0 "
                                  f"(input shape {shape_str(x.shape)}): no identity")


def _arg(name, x, dim=None, keepdim=False):
    _check_x(x, name)
    _check(name, x.dtype)
    kernels.check_dtype(x.dtype, x.dispatcher.adapter.features)
    if dim is not None and not (isinstance(dim, int) and not isinstance(dim, bool)):
        raise InvalidType(f"{name}(): dim must be None or an int, got {type(dim).__name__}")
    dims = _norm_dims(dim, x.ndim, name)
    if dim is None and x.numel == 0:
        raise InvalidArgument(f"{name}(): cannot take the {name} of an empty array "
                              f"of shape {shape_str(x.shape)}")
    _nonempty(x, dims, name)
    disp = x.dispatcher
    if dim is None:   # the flat index in C order; keepdim keeps every dim as 1
        out_shape = (1,) * x.ndim if keepdim else ()
    else:
        out_shape = _out_shape(x.shape, dims, keepdim)
    src_val = x
    src_idx = None
    for n_out, m, n_chunks, kept, red, offset, last in _passes(x, dims):
        if n_out == 0:
            return GPUArray.empty(disp, out_shape, dt.int32, kernel_output=True)
        k = arg_kernel(name, x.dtype, src_idx is None)
        shape = out_shape if last else (n_out, n_chunks)
        vals = GPUArray.empty(disp, (n_out * n_chunks,), dt.float32, kernel_output=True)
        idx = GPUArray.empty(disp, shape, dt.int32, kernel_output=True)
        meta = _upload(disp, _info(n_out, m, n_chunks, m, offset, kept, red))
        ins = [src_val.storage.buffer] + ([] if src_idx is None else [src_idx.storage.buffer])
        disp.dispatch(k, ins + [vals.storage.buffer, idx.storage.buffer, meta],
                      n_out * n_chunks * WG)
        disp.free(meta)
        src_val, src_idx = vals, idx
    return src_idx


# ------------------------------------------------------------------ scans
@functools.lru_cache(maxsize=None)
def scan_kernel(name, dtype):
    if dtype not in DTYPES:
        kernels.check_dtype(dtype)
    acc = _acc_type(dtype)
    out = dt.int32 if dtype is dt.bool else dtype
    op = "+" if name == "cumsum" else "*"
    storage = DTYPES[out][0]
    src = kernels.template("scan.wgsl").substitute(
        enable=_enable(dtype), TA=DTYPES[dtype][0], TO=storage, ACC=acc, WG=WG, helpers="",
        IDENT=f"{acc}({0 if op == '+' else 1})", COMBINE=f"x {op} y",
        LOAD=_as_acc("raw", dtype, acc), FINAL="v" if storage == acc else f"{storage}(v)")
    return Kernel(src, 3, out, WG)


# Lines longer than this, when there are fewer than BLOCKED_MAX_LINES of them, use
# the blocked (work-parallel) scan: one invocation per line would idle the device.
BLOCKED_MIN_LEN = 2048
BLOCKED_MAX_LINES = 4096
_ACC_DTYPE = {"f32": dt.float32, "i32": dt.int32, "u32": dt.uint32}


@functools.lru_cache(maxsize=None)
def _blocked_kernels(name, acc):
    fill = {"ACC": acc, "WG": WG, "IDENT": f"{acc}({0 if name == 'cumsum' else 1})",
            "COMBINE": "x + y" if name == "cumsum" else "x * y"}
    block = Kernel(kernels.template("scan_block.wgsl").substitute(fill), 4, None, WG)
    block.read_only = (True, False, False, True)   # out and totals are written
    add = Kernel(kernels.template("scan_add.wgsl").substitute(fill), 3, None, WG)
    return block, add


def _scan_lines(name, x):
    """Inclusive scan along dim 1 of a contiguous [lines, n] accumulator array."""
    lines, n = x.shape
    disp = x.dispatcher
    block, add = _blocked_kernels(name, DTYPES[x.dtype][0])
    nb = -(-n // WG)
    out = GPUArray.empty(disp, (lines, n), x.dtype, kernel_output=True)
    totals = GPUArray.empty(disp, (lines, nb), x.dtype, kernel_output=True)
    meta = _upload(disp, [lines, n, nb])
    disp.dispatch(block, [x.storage.buffer, out.storage.buffer, totals.storage.buffer, meta],
                  lines * nb * WG)
    if nb > 1:   # the blocks' totals, scanned, are the prefixes to add
        prefix = _scan_lines(name, totals)
        disp.dispatch(add, [prefix.storage.buffer, out.storage.buffer, meta], lines * n)
    disp.free(meta)
    return out


def _blocked_scan(name, x, d, out_dtype):
    from . import ops   # elementwise casts and copies
    acc = _ACC_DTYPE[_acc_type(x.dtype)]
    perm = [i for i in range(x.ndim) if i != d] + [d]
    moved = ops.cast(x.permute(perm), acc)   # contiguous, scanned dim last
    n = x.shape[d]
    res = _scan_lines(name, moved.reshape_view((moved.numel // n, n)))
    back = [0] * x.ndim
    for i, p in enumerate(perm):
        back[p] = i
    res = res.reshape_view(moved.shape).permute(back)
    if out_dtype is not acc:
        return ops.cast(res, out_dtype)
    return res if res.is_contiguous() else ops.contiguous(res)


def _scan(name, x, dim):
    _check_x(x, name)
    kernels.check_dtype(x.dtype, x.dispatcher.adapter.features)
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise InvalidType(f"{name}(): dim must be an int, got {type(dim).__name__}")
    (d,) = _norm_dims(dim, x.ndim, name) or (None,)
    k = scan_kernel(name, x.dtype)
    disp = x.dispatcher
    if (d is not None and x.shape[d] >= BLOCKED_MIN_LEN
            and x.numel // x.shape[d] <= BLOCKED_MAX_LINES):
        return _blocked_scan(name, x, d, k.out_dtype)
    out = GPUArray.empty(disp, x.shape, k.out_dtype, kernel_output=True)
    if out.numel == 0:
        return out
    if d is None:   # 0-d: the scan is the element itself
        n_len, inner, ds, kept = 1, 1, 0, []
    else:
        n_len, ds = x.shape[d], x.strides[d]
        inner = 1
        for s in x.shape[d + 1:]:
            inner *= s
        kept = [(s, st) for i, (s, st) in enumerate(zip(x.shape, x.strides)) if i != d]
    n_lines = out.numel // n_len
    words = [n_lines, n_len, inner, x.offset, ds, len(kept)]
    words += [s for s, _ in kept] + [st for _, st in kept]
    meta = _upload(disp, words)
    disp.dispatch(k, [x.storage.buffer, out.storage.buffer, meta], n_lines)
    disp.free(meta)
    return out


# ------------------------------------------------------------------ public names
def sum(x, dim=None, keepdim=False):  # noqa: A001 - torch's name
    """Sum over ``dim``; int32/bool -> int32 and uint32 -> uint32, wrapping around."""
    return reduce("sum", x, dim, keepdim)


def mean(x, dim=None, keepdim=False):
    return reduce("mean", x, dim, keepdim)


def prod(x, dim=None, keepdim=False):
    """Product over ``dim``; integer products wrap around like sums."""
    return reduce("prod", x, dim, keepdim)


def amax(x, dim=None, keepdim=False):
    return reduce("max", x, dim, keepdim)


def amin(x, dim=None, keepdim=False):
    return reduce("min", x, dim, keepdim)


def all(x, dim=None, keepdim=False):  # noqa: A001
    return reduce("all", x, dim, keepdim)


def any(x, dim=None, keepdim=False):  # noqa: A001
    return reduce("any", x, dim, keepdim)


def argmax(x, dim=None, keepdim=False):
    """Index of the first maximum (of the first NaN, if any), as int32."""
    return _arg("argmax", x, dim, keepdim)


def argmin(x, dim=None, keepdim=False):
    """Index of the first minimum (of the first NaN, if any), as int32."""
    return _arg("argmin", x, dim, keepdim)


def cumsum(x, dim):
    """Inclusive running sum along ``dim`` (contiguous output; integers wrap)."""
    return _scan("cumsum", x, dim)


def cumprod(x, dim):
    return _scan("cumprod", x, dim)


max = amax  # noqa: A001 - values only; use argmax for the indices
min = amin  # noqa: A001
