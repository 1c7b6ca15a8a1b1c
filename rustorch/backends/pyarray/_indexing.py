"""NumPy-semantics indexing of PyArray: basic keys give views; integer and
boolean arrays gather (a copy) and scatter."""
from . import _dtypes as D
from ._core import PyArray, _view, broadcast_shapes, numel, operand_values


class _Mask:
    """A boolean-array index, expanded once its position among the dims is known."""
    __slots__ = ("arr",)

    def __init__(self, arr):
        self.arr = arr


def _expand_key(x, key):
    """Tuple key with Ellipsis expanded, bool arrays turned into int arrays,
    and lists turned into arrays."""
    if not isinstance(key, tuple):
        key = (key,)
    items = []
    for k in key:
        if isinstance(k, list):
            from ._core import asarray
            k = asarray(k) if k else asarray(k, dtype=D.int64)
        if isinstance(k, PyArray):
            if k.dtype is D.bool_:
                if k.ndim == 0:
                    items.append(k.item())  # True/False: a new axis (empty if False)
                    continue
                items.append(_Mask(k))
                continue
            if k.dtype.kind not in "iu":
                raise IndexError("arrays used as indices must be of integer (or boolean) type")
        items.append(k)
    consumed = sum(k.arr.ndim if isinstance(k, _Mask) else 1 for k in items
                   if k is not None and k is not Ellipsis and not isinstance(k, bool))
    if consumed > x.ndim:
        raise IndexError(f"too many indices for array: array is {x.ndim}-dimensional, but "
                         f"{consumed} were indexed")
    out = []
    seen_ellipsis = False
    d = 0
    for k in items:
        if k is Ellipsis:
            if not seen_ellipsis:
                out.extend([slice(None)] * (x.ndim - consumed))
                d += x.ndim - consumed
                seen_ellipsis = True
            continue
        if isinstance(k, _Mask):
            m = k.arr
            for j, n in enumerate(m.shape):
                if n != x.shape[d + j]:
                    raise IndexError(f"boolean index did not match indexed array along axis "
                                     f"{d + j}; size of axis is {x.shape[d + j]} but size of "
                                     f"corresponding boolean axis is {n}")
            from ._search import nonzero
            out.extend(nonzero(m))
            d += m.ndim
            continue
        if k is not None and not isinstance(k, bool):
            d += 1
        out.append(k)
    if not seen_ellipsis:
        out.extend([slice(None)] * (x.ndim - consumed))
    return out


def _value_for(value, shape):
    """Flat values of ``value`` broadcast to ``shape`` (leading 1-dims of the value
    dropped, as NumPy allows), and their kind for ``coerce``."""
    if isinstance(value, (list, tuple)):
        from ._core import asarray
        value = asarray(value)
    if not isinstance(value, PyArray):
        return [value] * numel(shape), None
    v = value
    if v.ndim > len(shape):
        extra = v.ndim - len(shape)
        if any(n != 1 for n in v.shape[:extra]):
            raise ValueError(f"could not broadcast input array from shape {value.shape} into "
                             f"shape {tuple(shape)}")
        v = _view(v, v.shape[extra:], v.strides[extra:], v.offset)
    if broadcast_shapes(v.shape, tuple(shape)) != tuple(shape):
        raise ValueError(f"shape mismatch: value array of shape {value.shape} could not be "
                         f"broadcast to indexing result of shape {tuple(shape)}")
    kind = value.dtype.kind
    return operand_values(v, shape), ("i" if kind == "u" else kind)


def _is_adv(k):
    return isinstance(k, (PyArray, _BoolIndex)) or (isinstance(k, int) and not isinstance(k, bool))


def _is_advanced(items):
    """Index arrays present, or several scalar bools (NumPy makes those index arrays)."""
    return any(isinstance(k, PyArray) for k in items) or \
        sum(1 for k in items if isinstance(k, bool)) > 1


def getitem(x, key):
    items = _expand_key(x, key)
    if not _is_advanced(items):
        return _basic(x, items)
    adv = [i for i, k in enumerate(items) if _is_adv(k)]
    if len(adv) == 1 and not any(isinstance(k, bool) for k in items):
        # one index array among slices / new axes: a take along one axis of a view
        from ._manipulation import take
        i = adv[0]
        view = _basic(x, items[:i] + [slice(None)] + items[i + 1:])
        return take(view, items[i], axis=i)
    return _advanced_gather(x, items)


def _basic(x, items):
    shape, strides, offset = [], [], x.offset
    d = 0
    for k in items:
        if k is None or isinstance(k, bool):
            shape.append(1 if k is None or k else 0)
            strides.append(0)
            continue
        n, s = x.shape[d], x.strides[d]
        if isinstance(k, slice):
            start, stop, step = k.indices(n)
            length = len(range(start, stop, step))
            shape.append(length)
            strides.append(s * step)
            if length:
                offset += start * s
        else:
            i = int(k)
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of bounds for axis {d} with size {n}")
            offset += (i % n) * s
        d += 1
    return _view(x, shape, strides, offset)


class _BoolIndex:
    """A scalar True/False next to index arrays: NumPy makes it an index array
    ([0] or []) over a new axis of size 1."""
    __slots__ = ("arr",)

    def __init__(self, flag):
        self.arr = PyArray(D.storage_from([0] if flag else [], D.int64), D.int64, (1 if flag else 0,))


def _plan(x, items):
    """Storage positions (C order) and shape of what an advanced key selects."""
    items = [_BoolIndex(k) if isinstance(k, bool) else k for k in items]
    adv_pos = [i for i, k in enumerate(items) if _is_adv(k)]
    arrays = []
    for i in adv_pos:
        k = items[i]
        arrays.append(k.arr if isinstance(k, _BoolIndex) else k)
    shapes = [a.shape if isinstance(a, PyArray) else () for a in arrays]
    try:
        bshape = broadcast_shapes(*shapes)
    except ValueError:
        raise IndexError("shape mismatch: indexing arrays could not be broadcast together with "
                         "shapes " + " ".join(str(tuple(s)) for s in shapes)) from None
    # per input dim: the dim each item consumes
    dims = []
    d = 0
    for k in items:
        if k is None or isinstance(k, _BoolIndex):
            dims.append(None)
        else:
            dims.append(d)
            d += 1
    # advanced offsets over the broadcast shape
    n_b = numel(bshape)
    adv_off = [0] * n_b
    for pos, a in zip(adv_pos, arrays):
        d = dims[pos]
        n, s = (1, 0) if d is None else (x.shape[d], x.strides[d])
        vals = operand_values(a, bshape) if isinstance(a, PyArray) else [a] * n_b
        if vals:
            lo, hi = min(vals), max(vals)
            if lo < -n or hi >= n:
                raise IndexError(f"index {lo if lo < -n else hi} is out of bounds for axis {d} "
                                 f"with size {n}")
            if lo < 0:
                vals = [v % n for v in vals]
        adv_off = [o + v * s for o, v in zip(adv_off, vals)]
    # basic dims (slices and new axes) in order, split around the advanced block
    adjacent = adv_pos == list(range(adv_pos[0], adv_pos[-1] + 1))
    before, after = [], []
    for i, k in enumerate(items):
        if _is_adv(k):
            continue
        if k is None:
            entry = (1, [0])
        else:
            d = dims[i]
            n, s = x.shape[d], x.strides[d]
            start, stop, step = k.indices(n)
            r = range(start, stop, step)
            entry = (len(r), [j * s for j in r])
        (before if (adjacent and i < adv_pos[0]) else after).append(entry)
    if not adjacent:
        before, after = [], before + after

    def combos(entries):
        offs = [0]
        for _, steps in entries:
            offs = [o + t for o in offs for t in steps]
        return offs
    pre, post = combos(before), combos(after)
    base = x.offset
    idx = [base + p + a + q for p in pre for a in adv_off for q in post]
    shape = tuple(e[0] for e in before) + tuple(bshape) + tuple(e[0] for e in after)
    if numel(shape) == 0:
        idx = []
    return idx, shape


def _advanced_gather(x, items):
    from ._manipulation import gather_flat_positions
    idx, shape = _plan(x, items)
    return gather_flat_positions(x, idx, shape)


def setitem(x, key, value):
    if not x.writeable:
        raise ValueError("assignment destination is read-only")
    items = _expand_key(x, key)
    if not _is_advanced(items):
        target = _basic(x, items)
        vals, kind = _value_for(value, target.shape)
        target.assign(vals, kind)
        return
    idx, shape = _plan(x, items)
    vals, kind = _value_for(value, shape)
    D.scatter(x.buf, x.dtype, idx, D.coerce(vals, x.dtype, kind))


def add_at(x, key, value):
    """x[key] += value, summing repeated positions (numpy.add.at)."""
    items = _expand_key(x, key)
    if _is_advanced(items):
        idx, shape = _plan(x, items)
    else:
        t = _basic(x, items)
        idx, shape = list(t.indices()), t.shape
    vals, _ = _value_for(value, shape)
    acc = {}
    for i, v in zip(idx, vals):
        acc[i] = acc.get(i, 0) + v
    keys = list(acc)
    cur = D.gather(x.buf, x.dtype, keys)
    new = [c + acc[k] for c, k in zip(cur, keys)]
    D.scatter(x.buf, x.dtype, keys, D.coerce(new, x.dtype))
