"""Sorting family of the namespace: sort, argsort, searchsorted, and the
extension kernels topk, median, nanmedian, mode, cum_extreme (cummax/cummin)
and logcumsumexp; the array API's ``unique_*`` (sort, mark, scan, scatter; one
read of the number of distinct values, which sizes the results).

Every comparison goes through a u32 *key* with the order of the values (torch's
order): floats map their bits so that unsigned order is numeric order, -0.0 and
0.0 share a key and every NaN gets the largest key (NaN sorts last); int32 flips
its sign bit; uint32 and bool are their own keys.  Descending sorts invert the
key.  Pairs (key, index) are compared with the index as the tie-break, so the
sort is stable in both directions (what torch's stable=True gives); values are
then copied bit for bit from the input at the sorted index.

Sorting a dim: lines are padded to P, a power of two.  ``shaders/sort.wgsl`` runs
a bitonic network in shared memory over blocks of 2048 pairs: a block holds
2048 / P whole lines when P <= 2048 (one dispatch sorts them and writes the
output), else one part of a line; long lines then merge through
``sort_merge.wgsl`` (steps of distance >= 2048, in global memory, one dispatch
each) and sort.wgsl again (the shorter steps of each stage).  Indices are int32
words labelled int64 (the backend's int64 holds int32's range).

topk keeps the first k of each sorted line; median, nanmedian and mode pick
from sorted lines (``sort_select.wgsl``); searchsorted is a binary search per
value (``search.wgsl``); cummax/cummin fold each line in order
(``cum_extreme.wgsl``), or, for a few long lines, reduce-then-scan over blocks
(``cum_extreme_block.wgsl``); logcumsumexp folds lines through reduce_ops'
``scan.wgsl`` with a logaddexp combine.
"""
import functools
from collections import namedtuple

from ... import _dtype as dt
from ..._errors import DTypeError, IndexOutOfRange, InvalidArgument, InvalidType, ShapeError, \
    shape_str
from . import kernels
from .array import GPUArray
from .kernels import DTYPES, FLOATS, Kernel
from .reduce_ops import _coalesce

__all__ = ["sort", "argsort", "searchsorted", "unique_values", "unique_counts", "unique_inverse",
           "unique_all"]

WG = kernels.WORKGROUP_SIZE
BLOCK = 2048                   # pairs per workgroup: 2 x 4 bytes x 2048 = 16 KiB shared

_ORDERED = (dt.float32, dt.float16, dt.int32, dt.uint32, dt.bool)


# ------------------------------------------------------------------ WGSL pieces
def _key_helper(kd):
    """WGSL ``key_of(raw)``: the order-preserving u32 key of a stored element."""
    storage = DTYPES[kd][0]
    if kd in FLOATS:
        return kernels.NAN_HELPER + f"""
fn key_of(raw: {storage}) -> u32 {{
    let x = f32(raw);
    if (rt_isnan(x)) {{ return 0xffffffffu; }}
    if (x == 0.0) {{ return 0x80000000u; }}          // -0.0 == 0.0
    let b = bitcast<u32>(x);
    return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}}
"""
    if kd is dt.int32:
        return "fn key_of(raw: i32) -> u32 { return bitcast<u32>(raw) ^ 0x80000000u; }\n"
    return "fn key_of(raw: u32) -> u32 { return raw; }\n"


def _enable(kd):
    return "enable f16;" if kd is dt.float16 else ""


def _kernel_dtype(x, op):
    kd = kernels.STORED_AS.get(x.dtype, x.dtype)
    if kd not in _ORDERED:
        kernels.check_dtype(x.dtype, x.dispatcher.adapter.features)
        raise DTypeError(f"WebGPU {op}() does not take dtype {x.dtype}")
    kernels.check_dtype(kd, x.dispatcher.adapter.features)
    return kd


def _relabel(x, d):
    return x if x.dtype is d else GPUArray(x.storage, d, x.shape, x.strides, x.offset)


def _binding(i, name, typ, read_only):
    access = "read" if read_only else "read_write"
    return f"@group(0) @binding({i}) var<storage, {access}> {name}: array<{typ}>;"


_LOAD_INPUT = """if (l < info[1] && p < info[2]) {
            sk[q] = sort_key(a[line_base(l) + p * info[7]]);
            si[q] = p;
        } else {
            sk[q] = 0xffffffffu;
            si[q] = 0xffffffffu;
        }"""
_LOAD_SCRATCH = "sk[q] = skey[g];\n        si[q] = sidx[g];"
_STORE_OUTPUT = """if (l < info[1] && p < info[4]) {
            let i = si[q];
            let inner = info[5];
            let ob = (l / inner) * info[4] * inner + l % inner + p * inner;
            oval[ob] = a[line_base(l) + i * info[7]];
            oidx[ob] = i32(i);
        }"""
_STORE_SCRATCH = "skey[g] = sk[q];\n        sidx[g] = si[q];"
_STEPS_FULL = """let kmax = min(P, 2048u);
    for (var k = 2u; k <= kmax; k = k * 2u) {
        for (var j = k / 2u; j > 0u; j = j / 2u) {
            net_step(k, j, lid);
            workgroupBarrier();
        }
    }"""
_STEPS_MERGE = """let k = info[8];
    for (var j = 1024u; j > 0u; j = j / 2u) {
        net_step(k, j, lid);
        workgroupBarrier();
    }"""


@functools.lru_cache(maxsize=None)
def sort_kernel(kd, descending, src, dst):
    """The shared-memory kernel: ``src`` "input" (a strided input line, keyed)
    or "scratch" (keys and indices of a long line), ``dst`` "output" (values and
    indices) or "scratch"; from the input it sorts fully, from scratch it runs
    the short steps of one merge stage."""
    ta = DTYPES[kd][0]
    binds = []   # (name, type, read_only)
    if src == "input" or dst == "output":
        binds.append(("a", ta, True))
    binds += [("skey", "u32", dst != "scratch"), ("sidx", "u32", dst != "scratch")] \
        if src == "scratch" or dst == "scratch" else []
    if dst == "output":
        binds += [("oval", ta, False), ("oidx", "i32", False)]
    binds.append(("info", "u32", True))
    helper = _key_helper(kd) + "fn sort_key(raw: %s) -> u32 { return %skey_of(raw); }\n" % (
        ta, "~" if descending else "")
    source = kernels.template("sort.wgsl").substitute(
        enable=_enable(kd), WG=WG, helpers=helper,
        BINDINGS="\n".join(_binding(i, *b) for i, b in enumerate(binds)),
        LOAD=_LOAD_INPUT if src == "input" else _LOAD_SCRATCH,
        STORE=_STORE_OUTPUT if dst == "output" else _STORE_SCRATCH,
        STEPS=_STEPS_FULL if src == "input" else _STEPS_MERGE)
    k = Kernel(source, len(binds), kd, WG)
    k.read_only = tuple(b[2] for b in binds)
    return k


@functools.lru_cache(maxsize=None)
def merge_kernel():
    k = Kernel(kernels.template("sort_merge.wgsl").substitute(WG=WG), 3, None, WG)
    k.read_only = (False, False, True)
    return k


# ------------------------------------------------------------------ sorting lines
def _norm_axis(axis, ndim, op):
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise InvalidType(f"{op}(): axis must be an int, got {type(axis).__name__}")
    if not -ndim <= axis < ndim:
        raise IndexOutOfRange(f"{op}(): axis {axis} is out of range for a {ndim}-d array "
                              f"(expected in [{-ndim}, {ndim - 1}])")
    return axis % ndim


def _pow2(n):
    p = 1
    while p < n:
        p *= 2
    return p


def _lines(x, d):
    """(lines, kept (size, stride) pairs in C order, inner) of x along dim d; the
    kept dims are coalesced (same line order, fewer div/mod in the kernels)."""
    kept = _coalesce([(s, st) for i, (s, st) in enumerate(zip(x.shape, x.strides)) if i != d])
    lines = 1
    for s, _ in kept:
        lines *= s
    inner = 1
    for s in x.shape[d + 1:]:
        inner *= s
    return lines, kept, inner


def sort_lines(x, d, descending, kout=None, dim_last=False, op="sort"):
    """(values, int32 indices) of x sorted along dim d, the first ``kout`` of each
    line (all by default).  Contiguous; the sorted dim stays at d, or is moved
    last with ``dim_last``."""
    kd = _kernel_dtype(x, op)
    n = x.shape[d]
    kout = n if kout is None else kout
    lines, kept, inner = _lines(x, d)
    shape = list(x.shape)
    shape[d] = kout
    if dim_last:
        shape = [s for i, s in enumerate(x.shape) if i != d] + [kout]
        inner = 1
    disp = x.dispatcher
    vals = GPUArray.empty(disp, shape, x.dtype, kernel_output=True)
    idx = GPUArray.empty(disp, shape, dt.int32, kernel_output=True)
    if vals.numel == 0:
        return vals, idx
    xk = _relabel(x, kd)
    P = _pow2(n)
    total = lines * P
    n_blocks = -(-total // BLOCK)

    def info(k=0):
        words = [n_blocks, lines, n, P, kout, inner, x.offset, x.strides[d], k, len(kept)]
        words += [s for s, _ in kept] + [st for _, st in kept]
        return disp.upload_words(words)

    def run(kernel, bufs, k=0):
        meta = info(k)
        disp.dispatch(kernel, bufs + [meta], n_blocks * WG)
        disp.free(meta)

    out_bufs = [vals.storage.buffer, idx.storage.buffer]
    if P <= BLOCK:
        run(sort_kernel(kd, descending, "input", "output"), [xk.storage.buffer] + out_bufs)
        return vals, idx
    # long lines: blocks sorted in shared memory, then merged stage by stage
    skey = GPUArray.empty(disp, (total,), dt.uint32, kernel_output=True)
    sidx = GPUArray.empty(disp, (total,), dt.uint32, kernel_output=True)
    scratch = [skey.storage.buffer, sidx.storage.buffer]
    run(sort_kernel(kd, descending, "input", "scratch"), [xk.storage.buffer] + scratch)
    k = 2 * BLOCK
    while k <= P:
        j = k // 2
        while j >= BLOCK:
            meta = disp.upload_words([total // 2, k, j])
            disp.dispatch(merge_kernel(), scratch + [meta], total // 2)
            disp.free(meta)
            j //= 2
        if k < P:
            run(sort_kernel(kd, descending, "scratch", "scratch"), scratch, k)
        else:
            run(sort_kernel(kd, descending, "scratch", "output"),
                [xk.storage.buffer] + scratch + out_bufs, k)
        k *= 2
    return vals, idx


def _int64(idx):
    return _relabel(idx, dt.int64)


def _as_lines(x):
    """A 0-d array sorts as one element (NumPy's argsort)."""
    return x.reshape_view((1,)) if x.ndim == 0 else x


def sort(x, axis=-1, descending=False, stable=True):
    """Values of x sorted along ``axis`` (NaN last; always stable)."""
    y = _as_lines(x)
    vals, _ = sort_lines(y, _norm_axis(axis, y.ndim, "sort"), descending)
    return vals.reshape_view(x.shape) if x.ndim == 0 else vals


def argsort(x, axis=-1, descending=False, stable=True):
    """int64 indices that sort x along ``axis``: equal values keep their order."""
    y = _as_lines(x)
    _, idx = sort_lines(y, _norm_axis(axis, y.ndim, "argsort"), descending, op="argsort")
    return _int64(idx)


# ------------------------------------------------------------------ extension kernels
def topk(backend, x, k, axis, largest):
    """The k largest (smallest) values along ``axis`` and their int64 indices,
    sorted; ties keep the earlier index first."""
    d = _norm_axis(axis, x.ndim, "topk")
    if not 0 <= k <= x.shape[d]:
        raise InvalidArgument(f"topk(): k = {k} is out of range for dim {d} of size "
                              f"{x.shape[d]}")
    vals, idx = sort_lines(x, d, largest, kout=k, op="topk")
    return vals, _int64(idx)


_MEDIAN_PICK = {
    # lower middle, or the first NaN (stable: NaNs sit last in their input order)
    "median": "sel = (n - 1u) / 2u;\n    $NAN_FIRST\n    at = sel;",
    "nanmedian": "let c = $COUNT;\n    sel = select(0u, (c - 1u) / 2u, c > 0u);\n    at = sel;",
}
_MODE_PICK = """var best = 0u;
    var start = 0u;
    for (var p = 0u; p < n; p = p + 1u) {
        let kp = key_of(sv[b + p]);
        var end = p + 1u == n;
        if (!end) { end = key_of(sv[b + p + 1u]) != kp$NAN_RUN; }
        if (end) {
            if (p + 1u - start > best) { best = p + 1u - start; sel = start; at = p; }
            start = p + 1u;
        }
    }"""


@functools.lru_cache(maxsize=None)
def select_kernel(kind, kd):
    """median / nanmedian / mode of sorted lines (shaders/sort_select.wgsl)."""
    is_float = kd in FLOATS
    if kind == "mode":   # NaN != NaN: every NaN is a run of its own
        pick = _MODE_PICK.replace("$NAN_RUN", " || kp == 0xffffffffu" if is_float else "")
    else:
        pick = _MEDIAN_PICK[kind].replace(
            "$NAN_FIRST", "if (key_of(sv[b + n - 1u]) == 0xffffffffu) { sel = first_nan(b, n); }"
            if is_float else "").replace("$COUNT", "first_nan(b, n)" if is_float else "n")
    helper = _key_helper(kd)
    source = kernels.template("sort_select.wgsl").substitute(
        enable=_enable(kd), TA=DTYPES[kd][0], WG=WG, helpers=helper, PICK=pick)
    k = Kernel(source, 5, kd, WG)
    k.read_only = (True, True, False, False, True)
    return k


def _select(kind, x, axis):
    d = _norm_axis(axis, x.ndim, kind)
    kd = _kernel_dtype(x, kind)
    n = x.shape[d]
    shape = x.shape[:d] + x.shape[d + 1:]
    disp = x.dispatcher
    vals = GPUArray.empty(disp, shape, x.dtype, kernel_output=True)
    idx = GPUArray.empty(disp, shape, dt.int32, kernel_output=True)
    if vals.numel == 0:
        return vals, _int64(idx)
    if n == 0:
        raise InvalidArgument(f"{kind}(): dim {d} of input shape {shape_str(x.shape)} is "
                              f"empty")
    sv, si = sort_lines(x, d, False, dim_last=True, op=kind)
    meta = disp.upload_words([vals.numel, n])
    disp.dispatch(select_kernel(kind, kd), [sv.storage.buffer, si.storage.buffer,
                                            vals.storage.buffer, idx.storage.buffer, meta],
                  vals.numel)
    disp.free(meta)
    return vals, _int64(idx)


def median(backend, x, axis):
    """The lower median along ``axis`` and its index; NaN (the first one) if the
    line holds a NaN.  Ties: the stable sort's order (earlier index first)."""
    return _select("median", x, axis)


def nanmedian(backend, x, axis):
    """The lower median of the numbers along ``axis``; NaN if a line is all NaN."""
    return _select("nanmedian", x, axis)


def mode(backend, x, axis):
    """The most frequent value (the smallest among equally frequent ones) and
    the index of its last occurrence."""
    return _select("mode", x, axis)


def _ckey(kd, largest):
    """WGSL of the running-pick key (the largest key wins, ties to the later index)."""
    if largest:
        return "key_of(raw)"
    if kd in FLOATS:   # the inverted key, NaN kept on top (it sticks)
        return "select(~key_of(raw), 0xffffffffu, key_of(raw) == 0xffffffffu)"
    return "~key_of(raw)"


@functools.lru_cache(maxsize=None)
def cum_extreme_kernel(kd, largest, blocked):
    """One invocation per line (cum_extreme.wgsl), or the blocked passes
    (cum_extreme_block.wgsl) for a few long lines."""
    name = "cum_extreme_block.wgsl" if blocked else "cum_extreme.wgsl"
    source = kernels.template(name).substitute(
        enable=_enable(kd), TA=DTYPES[kd][0], WG=WG, helpers=_key_helper(kd),
        CKEY=_ckey(kd, largest))
    if blocked:
        k = Kernel(source, 6, kd, WG)
        k.read_only = (True, False, False, False, False, True)
    else:
        k = Kernel(source, 4, kd, WG)
        k.read_only = (True, False, False, True)
    return k


# Lines at least this long, when there are at most BLOCKED_MAX_LINES of them, run
# the blocked cum_extreme: one invocation per line would leave the device idle.
BLOCKED_MIN_LEN = 2048
BLOCKED_MAX_LINES = 4096


def cum_extreme(backend, x, axis, largest):
    """cummax (largest) / cummin along ``axis``: running values and the index
    where each was found (the latest among equals; a NaN sticks)."""
    d = _norm_axis(axis, x.ndim, "cummax" if largest else "cummin")
    kd = _kernel_dtype(x, "cummax" if largest else "cummin")
    disp = x.dispatcher
    vals = GPUArray.empty(disp, x.shape, x.dtype, kernel_output=True)
    idx = GPUArray.empty(disp, x.shape, dt.int32, kernel_output=True)
    if vals.numel == 0:
        return vals, _int64(idx)
    lines, kept, inner = _lines(x, d)
    n = x.shape[d]
    tail = [len(kept)] + [s for s, _ in kept] + [st for _, st in kept]
    xb = _relabel(x, kd).storage.buffer
    outs = [vals.storage.buffer, idx.storage.buffer]
    if n >= BLOCKED_MIN_LEN and lines <= BLOCKED_MAX_LINES:
        k = cum_extreme_kernel(kd, bool(largest), True)
        nb = -(-n // WG)
        tk = GPUArray.empty(disp, (lines * nb,), dt.uint32, kernel_output=True)
        ti = GPUArray.empty(disp, (lines * nb,), dt.uint32, kernel_output=True)
        for step, invocations in ((0, lines * nb * WG), (1, lines), (2, lines * nb * WG)):
            meta = disp.upload_words([step, lines, n, nb, inner, x.offset, x.strides[d]] + tail)
            disp.dispatch(k, [xb, tk.storage.buffer, ti.storage.buffer] + outs + [meta],
                          invocations)
            disp.free(meta)
        return vals, _int64(idx)
    meta = disp.upload_words([lines, n, inner, x.offset, x.strides[d]] + tail)
    disp.dispatch(cum_extreme_kernel(kd, bool(largest), False), [xb] + outs + [meta], lines)
    disp.free(meta)
    return vals, _int64(idx)


# logaddexp as torch's CPU scan computes it: max + log1p(exp(min - max)); equal
# infinities (and -inf with -inf) give themselves, NaN propagates.  log1p is
# spelled out (WGSL lacks it): log(u) * z / (u - 1) with u = 1 + z is accurate.
_LOGADDEXP = kernels.NAN_HELPER + """
fn rt_log1p(z: f32) -> f32 {
    let u = 1.0 + z;
    if (u == 1.0) { return z; }
    return log(u) * z / (u - 1.0);
}
fn logaddexp(x: f32, y: f32) -> f32 {
    if (rt_isnan(x) || rt_isnan(y)) { return rt_nan(); }
    let lo = min(x, y);
    let hi = max(x, y);
    if (lo == hi && abs(lo) == bitcast<f32>(0x7f800000u)) { return x; }   // both +-inf
    return hi + rt_log1p(exp(lo - hi));
}
"""


@functools.lru_cache(maxsize=None)
def logcumsumexp_kernel(kd):
    """reduce_ops' sequential scan template (shaders/scan.wgsl) with logaddexp,
    accumulated in f32."""
    storage = DTYPES[kd][0]
    src = kernels.template("scan.wgsl").substitute(
        enable=_enable(kd), TA=storage, TO=storage, ACC="f32", WG=WG,
        helpers=_LOGADDEXP,
        IDENT="bitcast<f32>(0xff800000u)", COMBINE="logaddexp(x, y)", LOAD="f32(raw)",
        FINAL="v" if storage == "f32" else f"{storage}(v)")
    return Kernel(src, 3, kd, WG)


def logcumsumexp(backend, x, axis):
    """log(cumsum(exp(x))) along ``axis``, folded in order per line (float dtypes)."""
    d = _norm_axis(axis, x.ndim, "logcumsumexp")
    kd = _kernel_dtype(x, "logcumsumexp")
    if kd not in FLOATS:
        raise DTypeError(f"logcumsumexp() takes floating dtypes, got {x.dtype}")
    disp = x.dispatcher
    out = GPUArray.empty(disp, x.shape, x.dtype, kernel_output=True)
    if out.numel == 0:
        return out
    lines, kept, inner = _lines(x, d)
    words = [lines, x.shape[d], inner, x.offset, x.strides[d], len(kept)]
    words += [s for s, _ in kept] + [st for _, st in kept]
    meta = disp.upload_words(words)
    disp.dispatch(logcumsumexp_kernel(kd), [x.storage.buffer, out.storage.buffer, meta], lines)
    disp.free(meta)
    return out


# ------------------------------------------------------------------ searchsorted
@functools.lru_cache(maxsize=None)
def search_kernel(kd, right, with_sorter):
    n = 5 if with_sorter else 4
    spos = "info[2] + u32(sorter[info[4] + mid * info[5]]) * info[3]" if with_sorter else \
        "info[2] + mid * info[3]"
    ta = DTYPES[kd][0]
    cmp = "<=" if right else "<"
    if kd in FLOATS:   # !(s >= v) is true for NaN: spelled out, NaN tested by bits
        helper = kernels.NAN_HELPER + (
            f"fn go_right(xr: {ta}, yr: {ta}) -> bool {{ let x = f32(xr); let y = f32(yr); "
            f"return rt_isnan(x) || rt_isnan(y) || x {cmp} y; }}\n")
    else:
        helper = f"fn go_right(x: {ta}, y: {ta}) -> bool {{ return x {cmp} y; }}\n"
    source = kernels.template("search.wgsl").substitute(
        enable=_enable(kd), TA=ta, WG=WG, helpers=helper,
        SORTER=_binding(2, "sorter", "i32", True) if with_sorter else "",
        B_OUT=n - 2, B_INFO=n - 1, SPOS=spos)
    return Kernel(source, n, dt.int32, WG)


def searchsorted(x1, x2, side="left", sorter=None):
    """int64 positions where each value of x2 goes in the sorted 1-D x1, with
    torch's binary search (a NaN value goes to the end; NumPy would put it
    before the sequence's trailing NaNs)."""
    from . import namespace as ns
    if side not in ("left", "right"):
        raise InvalidArgument(f"searchsorted(): side must be 'left' or 'right', got {side!r}")
    if not isinstance(x1, GPUArray):
        x1 = ns.asarray(x1)
    if x1.ndim != 1:
        raise ShapeError(f"searchsorted(): the sorted sequence must be 1-d, got shape "
                         f"{shape_str(x1.shape)}")
    if not isinstance(x2, GPUArray):
        x2 = ns.scalar(ns._py(x2), ns.result_type(x1, x2))
    d = ns.result_type(x1, x2)
    x1 = x1 if x1.dtype is d else ns.astype(x1, d)
    x2 = x2 if x2.dtype is d else ns.astype(x2, d)
    kd = _kernel_dtype(x1, "searchsorted")
    disp = x1.dispatcher
    out = GPUArray.empty(disp, x2.shape, dt.int32, kernel_output=True)
    if out.numel == 0:
        return _int64(out)
    bufs = [_relabel(x1, kd).storage.buffer, _relabel(x2, kd).storage.buffer]
    s_off, s_st = 0, 0
    if sorter is not None:
        if not isinstance(sorter, GPUArray):
            sorter = ns.asarray(sorter, dtype=dt.int64)
        if sorter.shape != x1.shape:
            raise ShapeError(f"searchsorted(): sorter of shape {shape_str(sorter.shape)} does "
                             f"not match the sequence's {shape_str(x1.shape)}")
        sorter = _relabel(sorter, kernels.STORED_AS.get(sorter.dtype, sorter.dtype))
        if sorter.dtype is not dt.int32:
            raise DTypeError(f"searchsorted(): sorter must be an integer array, got "
                             f"{sorter.dtype}")
        bufs.append(sorter.storage.buffer)
        s_off, s_st = sorter.offset, sorter.strides[0]
    words = [out.numel, x1.shape[0], x1.offset, x1.strides[0], s_off, s_st, x2.offset,
             x2.ndim] + list(x2.shape) + list(x2.strides)
    meta = disp.upload_words(words)
    disp.dispatch(search_kernel(kd, side == "right", sorter is not None),
                  bufs + [out.storage.buffer, meta], out.numel)
    disp.free(meta)
    return _int64(out)


# ------------------------------------------------------------------ unique
UniqueAllResult = namedtuple("UniqueAllResult", ["values", "indices", "inverse_indices", "counts"])
UniqueCountsResult = namedtuple("UniqueCountsResult", ["values", "counts"])
UniqueInverseResult = namedtuple("UniqueInverseResult", ["values", "inverse_indices"])

_MARK = """let k = key_of(sv[p]);
    var start = p == 0u$NAN_START;
    if (!start) { start = key_of(sv[p - 1u]) != k; }
    flags[p] = select(0, 1, start);"""
_SCATTER = """let g = gid[p];
    if (p == 0u || gid[p - 1u] != g) {
        vals[g - 1] = sv[p];
        first[g - 1] = si[p];
        starts[g - 1] = i32(p);
    }
    inv[si[p]] = g - 1;"""


@functools.lru_cache(maxsize=None)
def unique_kernel(kd, scatter):
    ta = DTYPES[kd][0]
    if scatter:
        binds = [("sv", ta, True), ("si", "i32", True), ("gid", "i32", True), ("vals", ta, False),
                 ("first", "i32", False), ("starts", "i32", False), ("inv", "i32", False)]
        body = _SCATTER
    else:
        binds = [("sv", ta, True), ("flags", "i32", False)]
        body = _MARK.replace("$NAN_START", " || k == 0xffffffffu" if kd in FLOATS else "")
    binds.append(("info", "u32", True))
    source = kernels.template("unique.wgsl").substitute(
        enable=_enable(kd), WG=WG, helpers=_key_helper(kd), BODY=body,
        BINDINGS="\n".join(_binding(i, *b) for i, b in enumerate(binds)))
    k = Kernel(source, len(binds), kd, WG)
    k.read_only = tuple(b[2] for b in binds)
    return k


def _unique(x):
    """(values, first indices, inverse (x's shape), counts) of x's distinct
    values, sorted; every NaN is distinct, -0.0 == 0.0 (the first one kept)."""
    from . import namespace as ns
    from .reduce_ops import cumsum
    kd = _kernel_dtype(x, "unique")
    disp = x.dispatcher
    flat = ns.reshape(x, (-1,))
    n = flat.numel
    if n == 0:
        e = GPUArray.empty(disp, (0,), dt.int32, kernel_output=True)
        inv = GPUArray.empty(disp, x.shape, dt.int32, kernel_output=True)
        return (GPUArray.empty(disp, (0,), x.dtype, kernel_output=True), _int64(e), _int64(inv),
                _int64(e))
    sv, si = sort_lines(flat, 0, False, op="unique")
    meta = disp.upload_words([n])
    flags = GPUArray.empty(disp, (n,), dt.int32, kernel_output=True)
    disp.dispatch(unique_kernel(kd, False), [sv.storage.buffer, flags.storage.buffer, meta], n)
    gid = cumsum(flags, 0)
    count = int(gid.basic_view((n - 1,)).item())   # a sync point: it sizes the results
    vals = GPUArray.empty(disp, (count,), x.dtype, kernel_output=True)
    first, starts = (GPUArray.empty(disp, (count,), dt.int32, kernel_output=True)
                     for _ in range(2))
    inv = GPUArray.empty(disp, x.shape, dt.int32, kernel_output=True)
    disp.dispatch(unique_kernel(kd, True),
                  [b.storage.buffer for b in (sv, si, gid, vals, first, starts, inv)] + [meta], n)
    disp.free(meta)
    ends = ns.concat([starts.basic_view((slice(1, None),)), ns.full((1,), n, dt.int32)])
    counts = ns.subtract(ends, starts)
    return vals, _int64(first), _int64(inv), _int64(counts)


def unique_values(x):
    return _unique(x)[0]


def unique_counts(x):
    v, _, _, c = _unique(x)
    return UniqueCountsResult(v, c)


def unique_inverse(x):
    v, _, inv, _ = _unique(x)
    return UniqueInverseResult(v, inv)


def unique_all(x):
    return UniqueAllResult(*_unique(x))


EXTENSIONS = {"topk": topk, "median": median, "nanmedian": nanmedian, "mode": mode,
              "cum_extreme": cum_extreme, "logcumsumexp": logcumsumexp}
