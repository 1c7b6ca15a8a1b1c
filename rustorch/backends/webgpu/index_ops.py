"""Gather/scatter family of the namespace: indexing with integer and boolean
arrays, take, take_along_axis, nonzero, count_nonzero, setitem, and the
extension kernels index_put, scatter, scatter_add, scatter_reduce, embedding,
pad and pad_backward.

Basic keys (ints, slices, None, Ellipsis) are views (array.py); assigning to
them is a strided copy.  Everything else is one addressing rule (a ``_Plan``):
for every position i of a work shape W,

    addr(i) = x_off + sum_d c_d * xs_d + sum_j s_j * wrap(idx_j[i], n_j)

``shaders/gather.wgsl`` reads x at addr(i), ``shaders/scatter.wgsl`` writes
there (last writer wins, or combined by atomics).  Boolean masks become index
arrays through ``nonzero`` (one read of the count); integer index arrays are
bounds-checked by ``shaders/index_check.wgsl`` (one read for all of them).
"""
import functools
import numbers

from ... import _dtype as dt
from ..._errors import (DTypeError, IndexOutOfRange, InvalidArgument, InvalidType, ShapeError,
                        shape_str)
from . import kernels, ops
from ..fallbacks import pad_indices
from .array import GPUArray, _is_basic
from .kernels import DTYPES, WORKGROUP_SIZE as WG, Kernel

__all__ = ["take", "take_along_axis", "nonzero", "count_nonzero"]

MAX_INDEX = 4   # index arrays per dispatch: out, value, winner, info + 4 = 8 bindings
_NO_HIT = 0xFFFFFFFF


def _ns():
    from . import namespace
    return namespace


# ------------------------------------------------------------------ kernel text
def _idx_code(k, first_binding):
    """The $IDX_* lines of gather.wgsl / scatter.wgsl for k index arrays."""
    decl = "\n".join(f"@group(0) @binding({first_binding + j}) var<storage, read> i{j}: "
                     f"array<i32>;" for j in range(k))
    init = "\n".join(f"    let h{j} = 5u + 3u * nd + {j}u * (3u + nd);\n"
                     f"    var p{j} = info[h{j}];" for j in range(k))
    step = "\n".join(f"        p{j} = p{j} + c * info[h{j} + 2u + d];" for j in range(k))
    apply = "\n".join(f"    let v{j} = i{j}[p{j}];\n"
                      f"    ia = ia + info[h{j} + 2u] * u32(select(v{j}, v{j} + "
                      f"i32(info[h{j} + 1u]), v{j} < 0));" for j in range(k))
    return {"IDX_DECL": decl, "IDX_INIT": init, "IDX_STEP": step, "IDX_APPLY": apply}


def _enable(dtype):
    return "enable f16;" if dtype is dt.float16 else ""


@functools.lru_cache(maxsize=None)
def gather_kernel(dtype, k, addresses=False):
    """out (contiguous) = x at a plan's addresses (or, with ``addresses``, the
    addresses themselves as int32); bindings x, idx * k, out, info."""
    storage = DTYPES[dtype][0]
    src = kernels.template("gather.wgsl").substitute(
        enable=_enable(dtype), TA=storage, TO="i32" if addresses else storage, WG=WG,
        B_OUT=k + 1, B_INFO=k + 2, LOAD="bitcast<i32>(ia)" if addresses else "a[ia]",
        **_idx_code(k, 1))
    return Kernel(src, k + 3, dt.int32 if addresses else dtype, WG)


# scatter_reduce combine expressions in the compute type (x: old, y: new)
_COMBINE = {
    "sum": "x + y", "prod": "x * y",
    "amax": "select(max(x, y), rt_nan(), rt_isnan(x) || rt_isnan(y))",
    "amin": "select(min(x, y), rt_nan(), rt_isnan(x) || rt_isnan(y))",
}
_COMBINE_INT = {"sum": "x + y", "prod": "x * y", "amax": "max(x, y)", "amin": "min(x, y)"}
_COMBINE_BOOL = {"sum": "x || y", "prod": "x && y", "amax": "x || y", "amin": "x && y"}
# identities (the value a target holds before its first value when include_self=False)
_IDENT = {
    "float": {"sum": "0.0", "prod": "1.0", "amax": "bitcast<f32>(0xff800000u)",
              "amin": "bitcast<f32>(0x7f800000u)"},
    "i32": {"sum": "0", "prod": "1", "amax": "i32(-2147483647 - 1)", "amin": "2147483647"},
    "u32": {"sum": "0u", "prod": "1u", "amax": "0u", "amin": "0xffffffffu"},
    "bool": {"sum": "false", "prod": "true", "amax": "false", "amin": "true"},
}
# f16 targets: two share a u32 word; only the target's 16 bits change.
# pack2x16float is indeterminate outside f16's finite range: NaN and overflow
# are encoded by hand (values from 65520 on round to infinity).
_F16_HELPERS = """
fn rt_get16(w: u32, h: u32) -> f32 { return unpack2x16float((w >> (16u * h)) & 0xffffu).x; }
fn rt_bits16(x: f32) -> u32 {
    if (rt_isnan(x)) { return 0x7e00u; }
    let sign = (bitcast<u32>(x) >> 16u) & 0x8000u;
    if (abs(x) >= 65520.0) { return sign | 0x7c00u; }
    return pack2x16float(vec2<f32>(x, 0.0)) & 0xffffu;
}
fn rt_put16(w: u32, h: u32, x: f32) -> u32 {
    let sh = 16u * h;
    return (w & ~(0xffffu << sh)) | (rt_bits16(x) << sh);
}
"""


def _word_codec(dtype):
    """(load: u32 word -> compute value, store: compute value -> u32 word, kind)."""
    if dtype is dt.float32:
        return "bitcast<f32>({w})", "bitcast<u32>({e})", "float"
    if dtype is dt.bool:
        return "({w} != 0u)", "select(0u, 1u, {e})", "bool"
    if DTYPES[dtype][0] == "i32":
        wrap = kernels._WRAP.get(dtype, "{e}")
        return "bitcast<i32>({w})", "bitcast<u32>(" + wrap.replace("{e}", "({e})") + ")", "i32"
    wrap = kernels._WRAP.get(dtype, "{e}")
    return "{w}", wrap, "u32"


def _combine_body(dtype, reduce, fill):
    """(body, helpers) of scatter.wgsl's combine or fill mode: a compare-exchange
    loop on the 32-bit word holding the target (f16: half of one)."""
    f16 = dtype is dt.float16
    load, store, kind = ("", "", "float") if f16 else _word_codec(dtype)
    table = _COMBINE if kind == "float" else _COMBINE_BOOL if kind == "bool" else _COMBINE_INT
    comb = _IDENT[kind][reduce] if fill else table[reduce]
    if not fill and reduce == "sum" and dtype in (dt.int32, dt.uint32, dt.int64):
        return "    atomicAdd(&out[ia], bitcast<u32>(v[iv]));", ""   # i32 addition wraps alike
    if fill and not f16:   # every writer stores the same identity: no race
        raw = {"i32": "bitcast<u32>({e})", "u32": "{e}"}.get(kind, store)   # no narrow wrap:
        return f"    atomicStore(&out[ia], {raw.format(e=comb)});", ""   # a value replaces it
    if f16:
        ctype, y = "f32", "f32(v[iv])"
        word, new = "ia >> 1u", "rt_put16(old, ia & 1u, rt_c(rt_get16(old, ia & 1u), y))"
    else:
        ctype = DTYPES[dtype][1]
        y = load.format(w="v[iv]") if kind in ("float", "bool") else f"{ctype}(v[iv])"
        word, new = "ia", store.format(e=f"rt_c({load.format(w='old')}, y)")
    helper = f"fn rt_c(x: {ctype}, y: {ctype}) -> {ctype} {{ return {comb}; }}\n"
    if f16:
        helper += _F16_HELPERS
    body = (f"    let y: {ctype} = {y};\n"
            f"    loop {{\n"
            f"        let old = atomicLoad(&out[{word}]);\n"
            f"        let r = atomicCompareExchangeWeak(&out[{word}], old, {new});\n"
            f"        if (r.exchanged) {{ break; }}\n"
            f"    }}")
    return body, helper


@functools.lru_cache(maxsize=None)
def scatter_kernel(dtype, k, mode, reduce=None):
    """scatter.wgsl for ``mode`` 'claim' / 'store' (last writer wins),
    'combine' (``reduce``: sum, prod, amax, amin, mean) or 'fill'.
    Bindings: out, v, idx * k, [win | cnt], info."""
    storage = DTYPES[dtype][0]
    helpers, extra, extra_ro = kernels.NAN_HELPER, "", None
    b_extra = k + 2
    if mode in ("claim", "store"):
        tout = storage
        ro = mode == "store"
        extra = (f"@group(0) @binding({b_extra}) var<storage, {'read' if ro else 'read_write'}> "
                 f"win: array<{'u32' if ro else 'atomic<u32>'}>;")
        extra_ro = ro
        body = ("    atomicMax(&win[ia - info[4]], i + 1u);" if mode == "claim" else
                "    if (win[ia - info[4]] == i + 1u) { out[ia] = v[iv]; }")
    else:
        tout = "atomic<u32>"
        red = "sum" if reduce == "mean" else reduce
        body, more = _combine_body(dtype, red, mode == "fill")
        helpers += more
        if reduce == "mean" and mode == "combine":
            extra = (f"@group(0) @binding({b_extra}) var<storage, read_write> cnt: "
                     f"array<atomic<u32>>;")
            extra_ro = False
            body += "\n    atomicAdd(&cnt[ia - info[4]], 1u);"
    n = k + 3 + (extra_ro is not None)
    src = kernels.template("scatter.wgsl").substitute(
        enable=_enable(dtype), TOUT=tout, TV=storage, WG=WG, EXTRA_DECL=extra,
        B_INFO=n - 1, helpers=helpers, BODY=body, **_idx_code(k, 2))
    kern = Kernel(src, n, dtype, WG)
    ro = [False, True] + [True] * k + ([extra_ro] if extra_ro is not None else []) + [True]
    kern.read_only = tuple(ro)
    return kern


@functools.lru_cache(maxsize=None)
def _mean_kernel(dtype):
    storage, value, _ = DTYPES[dtype]
    kk = f"{value}(k)"
    if value == "i32":   # floor division by k > 0
        res = f"select(x / {kk}, x / {kk} - 1, x % {kk} != 0 && x < 0)"
    else:
        res = f"x / {kk}"
    src = kernels.template("scatter_mean.wgsl").substitute(
        enable=_enable(dtype), TO=storage, WG=WG, LOAD=f"{value}(out[i])",
        STORE=kernels._store(res, dtype))
    k = Kernel(src, 3, dtype, WG)
    k.read_only = (False, True, True)
    return k


@functools.lru_cache(maxsize=None)
def _check_kernel():
    k = Kernel(kernels.template("index_check.wgsl").substitute(WG=WG), 3, dt.int32, WG)
    k.read_only = (True, False, True)
    return k


_PER = 4   # elements per invocation in nonzero.wgsl


@functools.lru_cache(maxsize=None)
def _nonzero_kernel(dtype, pass_):
    """nonzero.wgsl's pass 1 (block totals) or 2 (compaction) for x's dtype;
    bindings x, blocks, out, info.  (NaN is nonzero, -0.0 is zero.)"""
    storage = DTYPES[dtype][0]
    test = {"f32": "(bitcast<u32>(a[k]) & 0x7fffffffu) != 0u",
            "f16": "a[k] != 0.0h || rt_isnan(f32(a[k]))",
            "i32": "a[k] != 0", "u32": "a[k] != 0u"}[storage]
    src = kernels.template("nonzero.wgsl").substitute(
        enable=_enable(dtype), TA=storage, WG=WG, PASS=pass_, PER=_PER, TEST=test,
        helpers=kernels.NAN_HELPER)
    k = Kernel(src, 4, dt.int32, WG)
    k.read_only = (True, False, False, True)
    return k


# ------------------------------------------------------------------ plans
class _Plan:
    """Work shape, x offset and strides per work dim, and index arrays
    ``(array broadcast to the work shape, n, stride in x)``."""
    __slots__ = ("shape", "xoff", "xstrides", "index")

    def __init__(self, shape, xoff, xstrides, index):
        self.shape, self.xoff, self.xstrides, self.index = tuple(shape), xoff, list(xstrides), index

    @property
    def numel(self):
        n = 1
        for s in self.shape:
            n *= s
        return n

    def info(self, disp, value=None, base=0):
        nd = len(self.shape)
        vs = list(value.strides) if value is not None else [0] * nd
        words = [self.numel, nd, self.xoff, value.offset if value is not None else 0, base]
        words += list(self.shape) + self.xstrides + vs
        for a, n, s in self.index:
            words += [a.offset, n, s] + list(a.strides)
        return disp.upload_words(words)


def _index_array(a):
    """An integer GPUArray as int32 words (int64 & co. relabelled for free)."""
    ns = _ns()
    if a.dtype is dt.bool or a.dtype.category != 1:
        raise InvalidType(f"arrays used as indices must be of integer (or boolean) type, "
                          f"got {a.dtype}")
    if DTYPES[a.dtype][0] == "i32":
        return ns.relabel(a, dt.int32)
    return ns.astype(a, dt.int32)


def _as_gpu(k):
    """Host index objects (lists, NumPy arrays) -> GPUArrays."""
    if isinstance(k, (list, tuple)) or (hasattr(k, "shape") and hasattr(k, "dtype")
                                        and not isinstance(k, GPUArray)):
        return _ns().asarray(k)
    return k


def _in_work(a, bshape, at, shape):
    """Index ``a`` broadcast to ``bshape``, seen over the work ``shape`` whose
    broadcast block starts at dim ``at`` (stride 0 on the other dims)."""
    b = a.broadcast_to(bshape)
    strides = [0] * len(shape)
    strides[at:at + len(bshape)] = b.strides
    return GPUArray(b.storage, b.dtype, shape, strides, b.offset)


def _expand(x, key):
    """The key as a list, host index objects uploaded, Ellipsis expanded."""
    parts = [_as_gpu(k) for k in (key if isinstance(key, tuple) else (key,))]
    if sum(1 for k in parts if k is Ellipsis) > 1:
        raise IndexOutOfRange("an index can only have a single ellipsis ('...')")

    def consumes(k):
        if k is None or k is Ellipsis or isinstance(k, bool):
            return 0
        return k.ndim if isinstance(k, GPUArray) and k.dtype is dt.bool else 1
    n_real = sum(consumes(k) for k in parts)
    if n_real > x.ndim:
        raise IndexOutOfRange(f"too many indices for array: array is {x.ndim}-dimensional, "
                              f"but {n_real} were indexed")
    if Ellipsis in parts:
        i = next(j for j, k in enumerate(parts) if k is Ellipsis)
        parts[i:i + 1] = [slice(None)] * (x.ndim - n_real)
    return parts


def _split_key(x, key):
    """(basic key, advanced, ints, checks): the basic key keeps a dim for every
    advanced item (a new size-1 dim for a scalar bool); ``advanced`` lists
    (dim of the basic view, int32 index array), ``ints`` (dim, int), and
    ``checks`` the arrays to bounds-check as (array, n, axis)."""
    ns = _ns()
    basic, adv, ints, checks = [], [], [], []
    xdim = 0
    for k in _expand(x, key):
        vdim = len(basic)
        if k is None or isinstance(k, slice):
            basic.append(k)
            xdim += k is not None
        elif isinstance(k, bool) or (isinstance(k, GPUArray) and k.dtype is dt.bool
                                     and k.ndim == 0):
            # a 0-d mask adds a dim of size 1, picked once (True) or never (False)
            basic.append(None)
            idx = ns.zeros((1 if k else 0,), dt.int32) if isinstance(k, bool) else \
                ns.relabel(nonzero(ns.reshape(k, (1,)))[0], dt.int32)
            adv.append((vdim, idx))
        elif isinstance(k, int):
            n = x.shape[xdim]
            if not -n <= k < n:
                raise IndexOutOfRange(f"index {k} is out of bounds for axis {xdim} "
                                      f"with size {n}")
            basic.append(slice(None))
            ints.append((vdim, k % n))
            xdim += 1
        elif isinstance(k, GPUArray) and k.dtype is dt.bool:
            for j, s in enumerate(k.shape):
                if x.shape[xdim + j] != s:
                    raise IndexOutOfRange(
                        f"boolean index did not match indexed array along axis {xdim + j}; "
                        f"size of axis is {x.shape[xdim + j]} but size of corresponding "
                        f"boolean axis is {s}")
            for j, c in enumerate(nonzero(k)):   # in range by construction: no check
                adv.append((vdim + j, ns.relabel(c, dt.int32)))
                basic.append(slice(None))
            xdim += k.ndim
        elif isinstance(k, GPUArray):
            a = _index_array(k)
            adv.append((vdim, a))
            checks.append((a, x.shape[xdim], xdim))
            basic.append(slice(None))
            xdim += 1
        else:
            raise InvalidType(f"only integers, slices, None, Ellipsis and integer or boolean "
                              f"arrays are valid indices, got {type(k).__name__}")
    return tuple(basic), adv, ints, checks


def _key_plan(x, key):
    """(_Plan, checks, view) for an advanced key; ``view`` (the basic part of
    the key applied to x) holds every address the plan reaches."""
    basic, adv, ints, checks = _split_key(x, key)
    v = x.basic_view(basic)
    try:
        bshape = _ns().broadcast_shapes(*(a.shape for _, a in adv))
    except ShapeError:
        raise IndexOutOfRange("shape mismatch: indexing arrays could not be broadcast together "
                              "with shapes " + " ".join(shape_str(a.shape) for _, a in adv)) \
            from None
    # NumPy's placement: ints count as advanced; adjacent advanced dims keep
    # their place, otherwise the broadcast dims go first
    adv_dims = sorted([d for d, _ in adv] + [d for d, _ in ints])
    rest = [d for d in range(v.ndim) if d not in adv_dims]
    adjacent = adv_dims[-1] - adv_dims[0] + 1 == len(adv_dims)
    before = [d for d in rest if d < adv_dims[0]] if adjacent else []
    after = [d for d in rest if d not in before]
    at = len(before)
    shape = [v.shape[d] for d in before] + list(bshape) + [v.shape[d] for d in after]
    xstrides = [v.strides[d] for d in before] + [0] * len(bshape) + [v.strides[d] for d in after]
    xoff = v.offset + sum(k * v.strides[d] for d, k in ints)
    index = [(_in_work(a, bshape, at, shape), v.shape[d], v.strides[d]) for d, a in adv]
    return _Plan(shape, xoff, xstrides, index), checks, v


from .adapter import BufferWindow  # noqa: E402

_SLOTS = 64   # checks sharing one flags buffer


class _Flags:
    """The flags buffer checks of one sync interval write into (64 slots)."""
    __slots__ = ("buffer", "used")

    def __init__(self, disp):
        self.buffer = disp.upload_buffer([_NO_HIT] * _SLOTS)
        self.used = 0


_FLAGS = {}   # dispatcher id -> current _Flags


def _slot(disp):
    f = _FLAGS.get(id(disp))
    if f is None or f.used == _SLOTS or not disp.checks:
        f = _FLAGS[id(disp)] = _Flags(disp)   # a sync read the old one: start anew
    f.used += 1
    return f, f.used - 1


def defer_range_check(a, lo, hi, make_error):
    """Check on the device that every value of int array ``a`` lies in
    [lo, hi); a bad one raises ``make_error(value)`` at the next sync (see
    Dispatcher.defer_check): no read now, so indexing never stalls the GPU."""
    if not a.numel:
        return
    disp = a.dispatcher
    flags, slot = _slot(disp)
    meta = disp.upload_words([a.numel, a.ndim, a.offset, lo, hi, slot] + list(a.shape)
                             + list(a.strides))
    disp.dispatch(_check_kernel(), [a.storage.buffer, flags.buffer, meta], a.numel)
    disp.free(meta)

    def report(hit, a=a, flags=flags):
        pos, rem = a.offset, hit
        for size, stride in zip(reversed(a.shape), reversed(a.strides)):
            pos += (rem % size) * stride
            rem //= size
        buf, base = a.storage.buffer, 0
        if isinstance(buf, BufferWindow):
            buf, base = buf.buffer, buf.offset
        val = memoryview(disp.adapter.read_buffer(buf, base + 4 * pos, 4)).cast("i")[0]
        raise make_error(val)
    disp.defer_check(flags.buffer, slot, report)


def check_bounds(checks, now=False):
    """IndexOutOfRange naming the first value of an index array outside
    [-n, n): for reads (gathers) at the next sync (defer_range_check); for
    writes ``now=True`` waits for the answer, so a bad index leaves the target
    untouched."""
    for a, n, axis in checks:
        defer_range_check(a, -n, n, lambda v, n=n, axis=axis: IndexOutOfRange(
            f"index {v} is out of bounds for axis {axis} with size {n}"))
    if now and checks:
        checks[0][0].dispatcher.sync_checks()


# ------------------------------------------------------------------ gather / scatter runs
def _gather(x, plan, addresses=False):
    disp = x.dispatcher
    if not addresses:
        plan = _fold(x, plan)
    kern = gather_kernel(x.dtype, len(plan.index), addresses)
    out = GPUArray.empty(disp, plan.shape, kern.out_dtype, kernel_output=True)
    if out.numel:
        meta = plan.info(disp)
        disp.dispatch(kern, [x.storage.buffer] + [a.storage.buffer for a, _, _ in plan.index]
                      + [out.storage.buffer, meta], out.numel)
        disp.free(meta)
    return out


def _fold(x, plan):
    """A plan of at most MAX_INDEX index arrays: the first ones (with x's offset
    and strides) become one int32 array of partial addresses, read with stride
    1 by a plan whose other terms are zero."""
    while len(plan.index) > MAX_INDEX:
        part = _Plan(plan.shape, plan.xoff, plan.xstrides, plan.index[:MAX_INDEX])
        addr = _gather(x, part, addresses=True)
        plan = _Plan(plan.shape, 0, [0] * len(plan.shape),
                     [(addr, 0, 1)] + plan.index[MAX_INDEX:])
    return plan


def _span(v):
    """(lowest, highest) element address a strided view reaches."""
    lo = hi = v.offset
    for n, s in zip(v.shape, v.strides):
        if n > 1:
            lo, hi = (lo + (n - 1) * s, hi) if s < 0 else (lo, hi + (n - 1) * s)
    return lo, hi


def _snapshot(x, arrays):
    """Copies of the arrays that share x's storage (kernels read while writing x)."""
    return [ops.contiguous_any(a) if a.storage is x.storage else a for a in arrays]


def _value_for(x, plan, value):
    """value of x's dtype broadcast to the plan's work shape."""
    v = _value_array(x, value)
    shape = tuple(v.shape)
    while len(shape) > len(plan.shape) and shape[0] == 1:   # torch drops leading 1s
        shape = shape[1:]
    if shape != tuple(v.shape):
        v = v.reshape_view(shape) or _ns().reshape(v, shape)
    try:
        return v.broadcast_to(plan.shape)
    except ShapeError:
        raise ShapeError(f"shape mismatch: value array of shape {shape_str(v.shape)} could not "
                         f"be broadcast to indexing result of shape "
                         f"{shape_str(plan.shape)}") from None


def _buffers(x, value, plan):
    value, *idx = _snapshot(x, [value] + [a for a, _, _ in plan.index])
    plan.index = [(b, n, s) for b, (_, n, s) in zip(idx, plan.index)]
    return value


def _store(x, plan, value, region):
    """x[plan] = value in place, the last writer (in C order of the work
    shape) winning; ``region`` is a view holding every target address."""
    if not plan.numel:
        return
    disp = x.dispatcher
    plan = _fold(x, plan)
    value = _buffers(x, value, plan)
    lo, hi = _span(region)
    win = _ns().zeros((hi - lo + 1,), dt.uint32)
    meta = plan.info(disp, value, lo)
    idx = [a.storage.buffer for a, _, _ in plan.index]
    k = len(idx)
    for mode in ("claim", "store"):
        disp.dispatch(scatter_kernel(x.dtype, k, mode),
                      [x.storage.buffer, value.storage.buffer] + idx
                      + [win.storage.buffer, meta], plan.numel)
    disp.free(meta)


def _combine(x, plan, value, reduce, include_self=True, count=None):
    """x[plan] = reduce(x[plan], value) in place, duplicates combined by atomics.
    ``count`` (mean): a zeroed uint32 array over x's (contiguous) elements."""
    if not plan.numel:
        return
    disp = x.dispatcher
    plan = _fold(x, plan)
    value = _buffers(x, value, plan)
    meta = plan.info(disp, value, 0)
    bufs = [x.storage.buffer, value.storage.buffer] + [a.storage.buffer for a, _, _ in plan.index]
    k = len(plan.index)
    if not include_self:
        disp.dispatch(scatter_kernel(x.dtype, k, "fill", reduce), bufs + [meta], plan.numel)
    extra = [count.storage.buffer] if count is not None else []
    disp.dispatch(scatter_kernel(x.dtype, k, "combine", reduce), bufs + extra + [meta],
                  plan.numel)
    disp.free(meta)


# ------------------------------------------------------------------ getitem / setitem
def getitem(x, key, check=True):
    """x[key] for advanced keys (integer / boolean arrays), NumPy's rules; a
    new contiguous array."""
    if _is_basic(key):
        return ops.contiguous_any(x.basic_view(key))
    plan, checks, _ = _key_plan(x, key)
    if check:
        check_bounds(checks)
    return _gather(x, plan)


def _value_array(x, value):
    """value as a GPUArray of x's dtype (Python / NumPy numbers, host arrays
    and nested lists are uploaded)."""
    ns = _ns()
    if isinstance(value, GPUArray):
        return value if value.dtype is x.dtype else ns.astype(value, x.dtype)
    if isinstance(value, numbers.Number) and not isinstance(value, complex):
        return ns.scalar(value.item() if hasattr(value, "item") else value, x.dtype)
    if isinstance(value, (list, tuple)) or hasattr(value, "__array__"):
        return ns.asarray(value, dtype=x.dtype)
    raise InvalidType(f"cannot assign a {type(value).__name__} to a GPUArray")


def setitem(x, key, value):
    if _is_basic(key):
        ops.copy_into(x.basic_view(key), _value_array(x, value))
        return
    plan, checks, region = _key_plan(x, key)
    check_bounds(checks, now=True)
    _store(x, plan, _value_for(x, plan, value), region)


# ------------------------------------------------------------------ namespace functions
def take(x, indices, axis=None):
    """The array API's take: x's elements at ``indices`` along ``axis`` (negative
    indices count from the end; out-of-range ones raise IndexOutOfRange)."""
    if axis is None:
        if x.ndim > 1:
            raise InvalidArgument(f"take: axis is required for arrays of {x.ndim} dims")
        axis = 0
    x = _ns().reshape(x, (1,)) if x.ndim == 0 else x
    if not -x.ndim <= axis < x.ndim:
        raise InvalidArgument(f"take: axis {axis} is out of range for a {x.ndim}-d array")
    indices = _as_gpu(indices)
    return getitem(x, (slice(None),) * (axis % x.ndim) + (_index_array(indices),))


def _along_plan(x, indices, axis, name):
    """The gather plan of take_along_axis: the work shape is indices' shape
    broadcast with x's outside ``axis``."""
    if x.ndim != indices.ndim:
        raise ShapeError(f"{name}: x {shape_str(x.shape)} and indices "
                         f"{shape_str(indices.shape)} need the same number of dims")
    if not -x.ndim <= axis < x.ndim:
        raise InvalidArgument(f"{name}: axis {axis} is out of range for a {x.ndim}-d array")
    a = axis % x.ndim
    idx = _index_array(indices)
    xs = list(x.shape)
    xs[a] = 1
    is_ = list(idx.shape)
    is_[a] = 1
    shape = list(_ns().broadcast_shapes(tuple(xs), tuple(is_)))
    shape[a] = idx.shape[a]
    xv = GPUArray(x.storage, x.dtype, xs, [0 if d == a else s for d, s in enumerate(x.strides)],
                  x.offset).broadcast_to(shape)
    xstrides = list(xv.strides)
    iv = idx.broadcast_to(shape)
    return _Plan(shape, x.offset, xstrides, [(iv, x.shape[a], x.strides[a])]), a


def take_along_axis(x, indices, axis=-1):
    plan, a = _along_plan(x, indices, axis, "take_along_axis")
    check_bounds([(plan.index[0][0], x.shape[a], a)])
    return _gather(x, plan)


def nonzero(x):
    """Coordinates of the nonzero elements of ``x`` (C order), one int64 array
    per dim: block totals, their prefix sum (one read of the count), then a
    compaction (shaders/nonzero.wgsl)."""
    ns = _ns()
    if x.ndim == 0:
        raise InvalidArgument("nonzero is not defined for 0-d arrays; reshape to 1-d first")
    disp = x.dispatcher
    n, count = x.numel, 0
    if n:
        src = x if x.is_contiguous() else ops.contiguous_any(x)
        groups = -(-n // (WG * _PER))
        blocks = GPUArray.empty(disp, (groups,), dt.int32, kernel_output=True)
        unused = GPUArray.empty(disp, (1,), dt.int32, kernel_output=True)
        meta = disp.upload_words([n, x.ndim, 0, src.offset] + list(x.shape))
        disp.dispatch(_nonzero_kernel(x.dtype, 1),
                      [src.storage.buffer, blocks.storage.buffer, unused.storage.buffer, meta],
                      groups * WG)
        disp.free(meta)
        scan = ns.cumulative_sum(blocks, axis=0, dtype=dt.int32)
        scan = scan if scan.offset == 0 and scan.is_contiguous() else ops.contiguous_any(scan)
        count = memoryview(disp.read(scan.storage.buffer, 4 * (groups - 1), 4)).cast("i")[0]
    out = GPUArray.empty(disp, (x.ndim, count), dt.int32, kernel_output=True)
    if count:
        meta = disp.upload_words([n, x.ndim, count, src.offset] + list(x.shape))
        disp.dispatch(_nonzero_kernel(x.dtype, 2),
                      [src.storage.buffer, scan.storage.buffer, out.storage.buffer, meta],
                      groups * WG)
        disp.free(meta)
    return tuple(ns.relabel(out[d], dt.int64) for d in range(x.ndim))


def _nonzero_mask(x):
    """x != 0 as bool; floats by bit pattern (NaN is nonzero, -0.0 zero): a
    float compare may be compiled as an ordered one that calls NaN zero."""
    ns = _ns()
    if x.dtype is dt.bool:
        return x
    if x.dtype in kernels.FLOATS:
        f = x if x.dtype is dt.float32 else ns.astype(x, dt.float32)
        return ns.not_equal(ns.bitwise_and(ns.relabel(f, dt.uint32), 0x7FFFFFFF), 0)
    return ns.not_equal(x, 0)


def count_nonzero(x, axis=None, keepdims=False):
    ns = _ns()
    return ns.sum(ns.astype(_nonzero_mask(x), dt.int32), axis=axis, dtype=dt.int64,
                  keepdims=keepdims)


# ------------------------------------------------------------------ extension kernels
def index_put(backend, x, key, values, accumulate):
    """In place: x[key] = values, or x[key] += values summing duplicates (atomics)."""
    if not accumulate:
        setitem(x, key, values)
        return
    if _is_basic(key):
        key = tuple(key) if isinstance(key, tuple) else (key,)
        key = key + (Ellipsis,) if Ellipsis not in key else key
        v = x.basic_view(key)
        ops.copy_into(v, _ns().add(v, _value_array(x, values)))
        return
    plan, checks, _ = _key_plan(x, key)
    check_bounds(checks, now=True)
    _combine(x, plan, _value_for(x, plan, values), "sum")


def embedding(backend, weight, indices):
    """Rows of the 2-D weight: a gather (F.embedding has checked the bounds)."""
    idx = _index_array(indices)
    return getitem(weight, (idx,), check=False)


def _axis_target(x, axis, index, name):
    out = _ns().asarray(x, copy=True)
    if index.ndim != x.ndim:
        raise ShapeError(f"{name}: index {shape_str(index.shape)} and x {shape_str(x.shape)} "
                         f"need the same number of dims")
    a = axis % x.ndim
    idx = _index_array(index)
    xstrides = [0 if d == a else s for d, s in enumerate(out.strides)]
    return out, _Plan(idx.shape, 0, xstrides, [(idx, out.shape[a], out.strides[a])])


def _src(x, src, plan):
    """src of x's dtype, cut to the index's shape (torch allows a larger src)."""
    s = src if src.dtype is x.dtype else _ns().astype(src, x.dtype)
    if tuple(s.shape) != plan.shape and s.ndim == len(plan.shape):
        s = s.basic_view(tuple(slice(0, m) for m in plan.shape))
    return s.broadcast_to(plan.shape)


def scatter(backend, x, axis, index, src):
    """torch.scatter along ``axis``: the last writer wins (bounds checked above)."""
    out, plan = _axis_target(x, axis, index, "scatter")
    _store(out, plan, _src(x, src, plan), out)
    return out


def scatter_add(backend, x, axis, index, src):
    out, plan = _axis_target(x, axis, index, "scatter_add")
    _combine(out, plan, _src(x, src, plan), "sum")
    return out


def scatter_reduce(backend, x, axis, index, src, reduce, include_self):
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise InvalidArgument(f"unknown reduce {reduce!r}")
    if reduce == "mean" and x.dtype is dt.bool:   # torch has no boolean mean either
        raise DTypeError("scatter_reduce 'mean' is not implemented for dtype bool")
    out, plan = _axis_target(x, axis, index, "scatter_reduce")
    count = _ns().zeros(out.shape, dt.uint32) if reduce == "mean" else None
    _combine(out, plan, _src(x, src, plan), reduce, include_self, count)
    if count is not None and out.numel:
        disp = out.dispatcher
        meta = disp.upload_words([out.numel, 1 if include_self else 0])
        disp.dispatch(_mean_kernel(out.dtype), [out.storage.buffer, count.storage.buffer, meta],
                      out.numel)
        disp.free(meta)
    return out


def _pad_plan(x, pads, mode, shape):
    """The gather plan of a reflect / replicate / circular pad of an array of
    ``shape`` held at x's strides: one index array per padded axis."""
    ns = _ns()
    out_shape = [n + lo + hi for n, (lo, hi) in zip(shape, pads)]
    xstrides, index = list(x.strides), []
    for ax, ((lo, hi), n) in enumerate(zip(pads, shape)):
        if lo or hi:
            idx = ns.asarray(pad_indices(n, lo, hi, mode), dtype=dt.int32) if out_shape[ax] \
                else ns.empty((0,), dt.int32)
            strides = [0] * len(shape)
            strides[ax] = 1
            index.append((GPUArray(idx.storage, dt.int32, out_shape, strides, idx.offset), n,
                          x.strides[ax]))
            xstrides[ax] = 0
    return _Plan(out_shape, x.offset, xstrides, index)


def pad(backend, x, pads, mode, value):
    """torch's pad: constant = fill + one strided copy; the other modes are a
    gather with computed source indices (fallbacks.pad_indices)."""
    ns = _ns()
    pads = [tuple(p) for p in pads]
    if mode == "constant":
        out_shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, pads))
        out = ns.full(out_shape, 0 if value is None else value, x.dtype)
        src = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(pads, x.shape))
        part = x.basic_view(src) if src else x
        if part.numel:
            dst = tuple(slice(max(lo, 0), max(lo, 0) + m) for (lo, _), m in zip(pads, part.shape))
            ops.copy_into(out.basic_view(dst) if dst else out, part)
        return out
    return _gather(x, _pad_plan(x, pads, mode, x.shape))


def pad_backward(backend, g, pads, mode, shape):
    """The adjoint of pad: every element of g added back to its source (atomics)."""
    pads = [tuple(p) for p in pads]
    out = _ns().zeros(tuple(shape), g.dtype)
    plan = _pad_plan(out, pads, mode, tuple(shape))
    if tuple(plan.shape) != tuple(g.shape):
        raise ShapeError(f"pad_backward: gradient {shape_str(g.shape)} does not match the "
                         f"padded shape {shape_str(plan.shape)}")
    _combine(out, plan, g, "sum")
    return out


EXTENSIONS = {"index_put": index_put, "embedding": embedding, "scatter": scatter,
              "scatter_add": scatter_add, "scatter_reduce": scatter_reduce, "pad": pad,
              "pad_backward": pad_backward}
