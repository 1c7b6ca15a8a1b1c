"""Manipulation functions of the pure-Python namespace: concat, stack, flip,
roll, tile, repeat, take, take_along_axis, moveaxis (NumPy 2 signatures).

These only move elements, so they copy raw storage units (ints, float16 bit
patterns, the two halves of a complex ...) and never decode or re-encode a
value; only ``concat``/``stack`` of mixed dtypes convert (``astype``) first.
The copy engine, ``gather_axes``, picks per call the cheapest of three ways to
build the result from slices of the source buffer:

* one slice assignment per run of evenly spaced positions inside a row,
* one strided slice per column when the rows start evenly spaced,
* an element-wise gather (``itemgetter``) when neither pays off.
"""
import array
import itertools
import operator
from operator import itemgetter

from ._core import PyArray, _view, astype, broadcast_shapes, broadcast_to, expand_dims, \
    permute_dims, reshape, result_type, asarray

__all__ = ["concat", "stack", "flip", "roll", "tile", "repeat", "take", "take_along_axis",
           "moveaxis"]

_SLICE_COST = 6   # one slice operation costs about as much as gathering this many elements


class AxisError(ValueError, IndexError):
    """An axis outside an array's dimensions (NumPy's AxisError is both)."""


def normalize_axis(axis, ndim):
    try:
        a = operator.index(axis)
    except TypeError:
        raise TypeError(f"an integer is required for the axis, got {type(axis).__name__}") from None
    if not -ndim <= a < ndim:
        raise AxisError(f"axis {a} is out of bounds for array of dimension {ndim}")
    return a % ndim


def normalize_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        axes = tuple(normalize_axis(a, ndim) for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError("repeated axis")
        return axes
    return (normalize_axis(axis, ndim),)


# ------------------------------------------------------------------ copy engine
def _unit_layout(x):
    """shape, strides, offset in storage units (complex: one extra axis of 2)."""
    if x.dtype.kind == "c":
        return (x.shape + (2,), tuple(2 * s for s in x.strides) + (1,), 2 * x.offset, True)
    return x.shape, x.strides, x.offset, False


def _runs(pos):
    """Split a list of ints into (first, step, count) arithmetic runs."""
    runs = []
    i, n = 0, len(pos)
    while i < n:
        q = pos[i]
        if i + 1 == n:
            runs.append((q, 1, 1))
            break
        st = pos[i + 1] - q
        j = i + 2
        while j < n and pos[j] - pos[j - 1] == st:
            j += 1
        runs.append((q, st, j - i))
        i = j
    return runs


# A selection along one axis is None (the whole axis), a range, a tuple of
# ranges (concatenated: roll, tile) or a list of ints.
def _sel_len(sel):
    return sum(map(len, sel)) if type(sel) is tuple else len(sel)


def _sel_iter(sel):
    return itertools.chain.from_iterable(sel) if type(sel) is tuple else sel


def _sel_runs(sel, s):
    """(first, step, count) runs of the positions j * s for j in sel."""
    if type(sel) is range:
        return [(sel.start * s, sel.step * s, len(sel))] if len(sel) else []
    if type(sel) is tuple:
        return [(r.start * s, r.step * s, len(r)) for r in sel if len(r)]
    return [(q * s, st * s, c) for q, st, c in _runs(sel)]


def _src_slice(buf, a, st, c):
    """buf[a], buf[a + st], ... (c elements) as an array."""
    if c == 1 or st == 1:
        return buf[a:a + c]
    if st == 0:
        return buf[a:a + 1] * c
    last = a + st * (c - 1)
    stop = last + 1 if st > 0 else (last - 1 if last > 0 else None)
    return buf[a:stop:st]


def _run_ops(st, c, b):
    """Slice operations that copy c blocks of b units starting st apart."""
    if b == 1 or c == 1 or st == b or st == 0:
        return 1
    return min(b, c)


def _copy_run(out, o, buf, q, st, c, b):
    """out[o : o + c*b] = the c blocks of b units at q, q + st, ..."""
    n = c * b
    if b == 1:
        out[o:o + c] = _src_slice(buf, q, st, c)
    elif c == 1 or st == b:
        out[o:o + n] = buf[q:q + n]
    elif st == 0:
        out[o:o + n] = buf[q:q + b] * c
    elif c <= b:
        for i in range(c):
            a = q + i * st
            out[o + i * b:o + (i + 1) * b] = buf[a:a + b]
    else:
        for t in range(b):
            out[o + t:o + n:b] = _src_slice(buf, q + t, st, c)


def _progression(parts):
    """Merge (first, step, count) progressions of nested axes (outer first) into
    one (first, step, count), or None if they do not form one."""
    a0 = 0
    live = []
    for a, st, c in parts:
        if c == 1:
            a0 += a
        else:
            a0 += a
            live.append((st, c))
    if not live:
        return a0, 1, 1
    st, c = live[-1]
    for st2, c2 in reversed(live[:-1]):
        if st2 != st * c:
            return None
        c *= c2
    return a0, st, c


def _gather_units(buf, code, shape, strides, offset, sels):
    """array(code) of buf[offset + sum_d sel_d[i_d] * strides_d] over the
    outer product of ``sels`` (see _sel_len), in C order."""
    lens = [n if sel is None else _sel_len(sel) for n, sel in zip(shape, sels)]
    total = 1
    for n in lens:
        total *= n
    if total == 0:
        return array.array(code)
    nd = len(shape)
    # trailing axes that stay whole and contiguous form one block of b units
    k, b = nd, 1
    while k > 0 and sels[k - 1] is None and (shape[k - 1] == 1 or strides[k - 1] == b):
        b *= shape[k - 1]
        k -= 1
    if k == 0:
        return buf[offset:offset + b]
    # a row: axis d = k-1 (runs of blocks) ; the outer axes before it give row starts
    d = k - 1
    s = strides[d]
    sel = range(shape[d]) if sels[d] is None else sels[d]
    runs = _sel_runs(sel, s)
    row = lens[d] * b
    m = total // row
    ops = sum(_run_ops(st, c, b) for _, st, c in runs)
    outer = []
    for e in range(d):
        e_sel = sels[e]
        se = strides[e]
        if e_sel is None:
            outer.append((0, se, shape[e]))
        elif type(e_sel) is range:
            outer.append((e_sel.start * se, e_sel.step * se, len(e_sel)))
        elif _sel_len(e_sel) == 1:
            outer.append((next(iter(_sel_iter(e_sel))) * se, 1, 1))
        else:
            outer.append(None)
    prog = None if None in outer else _progression(outer)
    cost_runs = m * ops * _SLICE_COST
    cost_cols = row * _SLICE_COST if prog is not None and m > 1 and prog[1] != 0 else None
    out = array.array(code, bytes(array.array(code).itemsize * total))
    if cost_cols is not None and cost_cols < min(cost_runs, total):
        p0, step, _ = prog
        p0 += offset
        t = 0
        for q, st, c in runs:       # every unit of the row: a strided column
            for i in range(c):
                for u in range(b):
                    out[t::row] = _src_slice(buf, p0 + q + i * st + u, step, m)
                    t += 1
        return out
    if prog is not None:
        p0, step, cnt = prog
        starts = range(offset + p0, offset + p0 + step * cnt, step) if step else [offset + p0] * cnt
    else:
        starts = [offset]
        for e in range(d):
            se = strides[e]
            steps = [j * se for j in (range(shape[e]) if sels[e] is None else _sel_iter(sels[e]))]
            starts = [p + t for p in starts for t in steps]
    if cost_runs < total:
        o = 0
        for p in starts:
            for q, st, c in runs:
                _copy_run(out, o, buf, p + q, st, c, b)
                o += c * b
        return out
    if b == 1:
        inner = [j * s for j in _sel_iter(sel)]
    else:
        inner = [j * s + t for j in _sel_iter(sel) for t in range(b)]
    if m == 1:
        p0 = starts[0]
        idx = [p0 + q for q in inner] if p0 else inner
    else:
        idx = [p + q for p in starts for q in inner]
    return gather_positions(buf, code, idx)


def gather_positions(buf, code, idx):
    """array(code) of buf[i] for i in idx."""
    if len(idx) == 1:
        return array.array(code, [buf[idx[0]]])
    return array.array(code, itemgetter(*idx)(buf)) if idx else array.array(code)


def gather_axes(x, sels, shape=None):
    """A new C-contiguous array: x indexed by the outer product of ``sels``
    (per axis None for the whole axis, or a sequence of indices in range),
    optionally reshaped to ``shape``."""
    ushape, ustrides, uoff, cplx = _unit_layout(x)
    sels = list(sels) + ([None] if cplx else [])
    buf = _gather_units(x.buf, x.buf.typecode, ushape, ustrides, uoff, sels)
    if shape is None:
        shape = tuple(n if sel is None else _sel_len(sel) for n, sel in zip(x.shape, sels))
    return PyArray(buf, x.dtype, shape)


def copy_c(x):
    """A C-contiguous copy of x (raw units, no re-encoding)."""
    return gather_axes(x, [None] * x.ndim)


def _contig_units(x):
    """The storage units of x in C order, as an array (may be x's own buffer)."""
    w = 2 if x.dtype.kind == "c" else 1
    if x.contig:
        if x.offset == 0 and len(x.buf) == x.size * w:
            return x.buf
        return x.buf[x.offset * w:(x.offset + x.size) * w]
    return copy_c(x).buf


def gather_flat_positions(x, pos, shape):
    """A new array of x's elements at storage positions ``pos`` (element units)."""
    if x.dtype.kind == "c":
        pos = [u for p in pos for u in (2 * p, 2 * p + 1)]
    return PyArray(gather_positions(x.buf, x.buf.typecode, pos), x.dtype, shape)


# ------------------------------------------------------------------ views
def moveaxis(x, source, destination):
    src = normalize_axes(source, x.ndim)
    dst = normalize_axes(destination, x.ndim)
    if len(src) != len(dst):
        raise ValueError("`source` and `destination` arguments must have the same number of elements")
    order = [n for n in range(x.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute_dims(x, tuple(order))


# ------------------------------------------------------------------ joining
def concat(arrays, axis=0):
    arrays = [a if isinstance(a, PyArray) else asarray(a) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    dtype = result_type(*arrays) if len(arrays) > 1 else arrays[0].dtype
    arrs = [a if a.dtype is dtype else astype(a, dtype) for a in arrays]
    if axis is None:
        arrs = [reshape(a, (-1,)) for a in arrs]
        axis = 0
    nd = arrs[0].ndim
    if nd == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    for i, a in enumerate(arrs):
        if a.ndim != nd:
            raise ValueError(f"all the input array dimensions except for the concatenation axis "
                             f"must match exactly, but the array at index 0 has {nd} dimension(s) "
                             f"and the array at index {i} has {a.ndim} dimension(s)")
    ax = normalize_axis(axis, nd)
    ref = arrs[0].shape
    for i, a in enumerate(arrs):
        for d in range(nd):
            if d != ax and a.shape[d] != ref[d]:
                raise ValueError(f"all the input array dimensions except for the concatenation "
                                 f"axis must match exactly, but along dimension {d}, the array at "
                                 f"index 0 has size {ref[d]} and the array at index {i} has size "
                                 f"{a.shape[d]}")
    shape = list(ref)
    shape[ax] = sum(a.shape[ax] for a in arrs)
    shape = tuple(shape)
    w = 2 if dtype.kind == "c" else 1
    outer = 1
    for n in ref[:ax]:
        outer *= n
    live = [a for a in arrs if a.size]
    code = arrs[0].buf.typecode
    if not live:
        return PyArray(array.array(code), dtype, shape)
    if len(live) == 1:
        r = _contig_units(live[0])
        return PyArray(r[:] if r is live[0].buf else r, dtype, shape)
    parts = [(_contig_units(a), (a.size // outer) * w) for a in live]
    row = sum(b for _, b in parts)
    total = outer * row
    if outer * len(parts) <= row:
        out = array.array(code)
        for o in range(outer):
            for r, b in parts:
                out += r[o * b:(o + 1) * b]
    else:
        out = array.array(code, bytes(array.array(code).itemsize * total))
        off = 0
        for r, b in parts:
            for j in range(b):
                out[off + j::row] = r[j::b]
            off += b
    return PyArray(out, dtype, shape)


def stack(arrays, axis=0):
    arrays = [a if isinstance(a, PyArray) else asarray(a) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to stack")
    shape = arrays[0].shape
    if any(a.shape != shape for a in arrays):
        raise ValueError("all input arrays must have the same shape")
    ax = normalize_axis(axis, len(shape) + 1)
    return concat([expand_dims(a, axis=ax) for a in arrays], axis=ax)


# ------------------------------------------------------------------ reordering
def flip(x, axis=None):
    axes = normalize_axes(axis, x.ndim)
    sels = [None] * x.ndim
    for a in axes:
        n = x.shape[a]
        if n > 1:
            sels[a] = range(n - 1, -1, -1)
    return gather_axes(x, sels)


def roll(x, shift, axis=None):
    if axis is None:
        flat = reshape(x, (-1,))
        return reshape(roll(flat, shift, axis=0), x.shape)
    shifts = tuple(shift) if isinstance(shift, (tuple, list)) else (shift,)
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    if len(shifts) == 1 and len(axes) > 1:
        shifts = shifts * len(axes)
    elif len(axes) == 1 and len(shifts) > 1:
        axes = axes * len(shifts)
    elif len(shifts) != len(axes):
        raise ValueError("'shift' and 'axis' should be scalars or 1D sequences of the same length")
    total = {}
    for s, a in zip(shifts, axes):
        a = normalize_axis(a, x.ndim)
        total[a] = total.get(a, 0) + operator.index(s)
    sels = [None] * x.ndim
    for a, s in total.items():
        n = x.shape[a]
        if n:
            s %= n
            if s:
                sels[a] = (range(n - s, n), range(n - s))
    return gather_axes(x, sels)


def tile(x, reps):
    reps = (operator.index(reps),) if not isinstance(reps, (tuple, list)) else \
        tuple(operator.index(r) for r in reps)
    if any(r < 0 for r in reps):
        raise ValueError("negative dimensions are not allowed")
    nd = max(len(reps), x.ndim)
    reps = (1,) * (nd - len(reps)) + reps
    if x.ndim < nd:
        x = _view(x, (1,) * (nd - x.ndim) + x.shape, (0,) * (nd - x.ndim) + x.strides, x.offset)
    sels = [None if r == 1 else (range(n),) * r for n, r in zip(x.shape, reps)]
    return gather_axes(x, sels)


def repeat(x, repeats, axis=None):
    if axis is None:
        x = reshape(x, (-1,))
        axis = 0
    a = normalize_axis(axis, x.ndim)
    n = x.shape[a]
    if isinstance(repeats, PyArray):
        if repeats.dtype.kind not in "iub":
            raise TypeError(f"Cannot cast array data from {repeats.dtype.name} to int64")
        reps = repeats.values() if repeats.ndim else repeats.item()
    elif isinstance(repeats, (list, tuple)):
        reps = [operator.index(r) for r in repeats]
    else:
        reps = operator.index(repeats)
    if isinstance(reps, list):
        if len(reps) == 1:
            reps = int(reps[0])
        elif len(reps) != n:
            raise ValueError(f"operands could not be broadcast together with shape ({n},) "
                             f"({len(reps)},)")
    if isinstance(reps, list):
        if any(r < 0 for r in reps):
            raise ValueError("repeats may not contain negative values.")
        sel = [j for j, r in enumerate(reps) for _ in range(r)]
    else:
        reps = int(reps)
        if reps < 0:
            raise ValueError("repeats may not contain negative values.")
        if reps == 1:
            return copy_c(x)
        sel = [j for j in range(n) for _ in range(reps)]
    sels = [None] * x.ndim
    sels[a] = sel
    return gather_axes(x, sels)


# ------------------------------------------------------------------ indexing by arrays
def _index_values(indices, n, axis):
    """Python ints of an index array, checked against size n and made non-negative."""
    if isinstance(indices, PyArray):
        if indices.dtype.kind not in "iub":
            raise IndexError("arrays used as indices must be of integer (or boolean) type")
        vals = indices.values()
        if indices.dtype.kind == "b":
            vals = [int(v) for v in vals]
    else:
        vals = list(indices)
    if vals:
        lo, hi = min(vals), max(vals)
        if lo < -n or hi >= n:
            bad = lo if lo < -n else hi
            if n == 0:
                raise IndexError("cannot do a non-empty take from an empty axes.")
            raise IndexError(f"index {bad} is out of bounds for axis {axis} with size {n}")
        if lo < 0:
            vals = [v % n for v in vals]
    return vals


def take(x, indices, axis=None):
    if axis is None:
        x = reshape(x, (-1,))
        axis = 0
    a = normalize_axis(axis, x.ndim)
    if isinstance(indices, PyArray):
        ishape = indices.shape
    elif isinstance(indices, (list, tuple)):
        indices = asarray(indices, dtype=None)
        ishape = indices.shape
    else:
        indices = [operator.index(indices)]
        ishape = ()
    vals = _index_values(indices, x.shape[a], a)
    sels = [None] * x.ndim
    sels[a] = vals
    return gather_axes(x, sels, x.shape[:a] + tuple(ishape) + x.shape[a + 1:])


def take_along_axis(x, indices, axis=-1):
    if not isinstance(indices, PyArray):
        indices = asarray(indices)
    if axis is None:
        if indices.ndim != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        x = reshape(x, (-1,))
        axis = 0
    if indices.ndim != x.ndim:
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    a = normalize_axis(axis, x.ndim)
    xs, js = list(x.shape), list(indices.shape)
    xs[a] = js[a] = 1
    out_shape = list(broadcast_shapes(tuple(xs), tuple(js)))
    out_shape[a] = indices.shape[a]
    out_shape = tuple(out_shape)
    vals = _index_values(broadcast_to(indices, out_shape), x.shape[a], a)
    if not vals:
        return PyArray(array.array(x.buf.typecode), x.dtype, out_shape)
    strides = [0 if (d == a or x.shape[d] == 1) else x.strides[d] for d in range(x.ndim)]
    m = out_shape[a]
    if a == x.ndim - 1 and x.strides[a] == 1 and x.dtype.kind != "c" and m > 1:
        # lane by lane: one itemgetter over a slice of the buffer per lane
        starts = _view(x, out_shape[:-1], strides[:-1], x.offset).indices()
        buf, n = x.buf, x.shape[a]
        res = []
        for r, p in enumerate(starts):
            res += itemgetter(*vals[r * m:(r + 1) * m])(buf[p:p + n])
        return PyArray(array.array(buf.typecode, res), x.dtype, out_shape)
    base = _view(x, out_shape, strides, x.offset).indices()
    sa = x.strides[a]
    pos = [p + v * sa for p, v in zip(base, vals)] if sa != 1 else \
        [p + v for p, v in zip(base, vals)]
    return gather_flat_positions(x, pos, out_shape)
