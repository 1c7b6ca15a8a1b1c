"""The pure-Python namespace's manipulation, search/sort/set and indexing
functions, checked element for element against NumPy 2 (the semantics the
namespace promises): dtypes, axes, non-contiguous views, empty arrays, NaN."""
import random

import numpy as np
import pytest

from rustorch.backends import pyarray as pa

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
          "complex64", "complex128"]
NUMERIC = [d for d in DTYPES if d != "bool"]
REAL = [d for d in DTYPES if not d.startswith("complex")]


# ------------------------------------------------------------------ helpers
def to_pa(a):
    a = np.asarray(a)
    flat = pa.asarray(a.ravel().tolist(), dtype=getattr(pa, a.dtype.name))
    return pa.reshape(flat, a.shape)


def to_np(x):
    assert isinstance(x, pa.PyArray), type(x)
    return np.array(x.tolist(), dtype=x.dtype.name).reshape(x.shape)


def check(got, want):
    """Same dtype, shape and values (NaN equal to NaN)."""
    want = np.asarray(want)
    assert got.dtype.name == want.dtype.name, (got.dtype.name, want.dtype.name)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_array_equal(to_np(got), want)


def data(dtype, shape, seed=0, nan=False, dups=False):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype == "bool":
        a = rng.integers(0, 2, n).astype(bool)
    elif dtype.startswith(("int", "uint")):
        lo, hi = (0, 6) if dups else ((0, 250) if dtype == "uint8" else (-100, 100))
        a = rng.integers(lo, hi, n).astype(dtype)
    elif dtype.startswith("float"):
        a = (rng.integers(-4, 4, n) / 2.0 if dups else rng.standard_normal(n) * 10).astype(dtype)
        if nan and n > 2:
            a[rng.choice(n, max(1, n // 5), replace=False)] = np.nan
    else:
        re = rng.integers(-3, 3, n) if dups else rng.standard_normal(n)
        im = rng.integers(-2, 2, n) if dups else rng.standard_normal(n)
        a = (re + 1j * im).astype(dtype)
    return a.reshape(shape)


def pair(dtype, shape, view="contig", seed=0, **kw):
    """(numpy array, PyArray) holding the same values; ``view`` makes both
    non-contiguous the same way."""
    if view == "contig":
        a = data(dtype, shape, seed, **kw)
        return a, to_pa(a)
    if view == "T":
        a = data(dtype, shape[::-1], seed, **kw)
        p = to_pa(a)
        axes = tuple(range(len(shape) - 1, -1, -1))
        return np.transpose(a, axes), pa.permute_dims(p, axes)
    if view == "step":   # every other element of the last axis, reversed first axis
        big = list(shape)
        big[-1] = 2 * shape[-1]
        a = data(dtype, tuple(big), seed, **kw)
        p = to_pa(a)
        key = (slice(None, None, -1),) + (slice(None),) * (len(shape) - 2) + (slice(None, None, 2),)
        return a[key], p[key]
    if view == "bcast":  # a stride-0 axis
        a = data(dtype, (1,) + tuple(shape[1:]), seed, **kw)
        return np.broadcast_to(a, shape), pa.broadcast_to(to_pa(a), shape)
    raise ValueError(view)


VIEWS = ["contig", "T", "step", "bcast"]


def test_helpers_roundtrip():
    for d in DTYPES:
        for v in VIEWS:
            a, p = pair(d, (3, 4), v)
            check(p, a)


# ------------------------------------------------------------------ concat / stack
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, -1, 2, None])
def test_concat(dtype, axis):
    shapes = {0: [(2, 3, 4), (1, 3, 4), (3, 3, 4)], 1: [(2, 1, 4), (2, 3, 4), (2, 2, 4)],
              -1: [(2, 3, 1), (2, 3, 5), (2, 3, 2)], 2: [(2, 3, 3), (2, 3, 1), (2, 3, 2)],
              None: [(2, 3), (4,), (1, 2, 2)]}[axis]
    for view in ("contig", "T", "step"):
        ps = [pair(dtype, s, view if i != 1 else "contig", seed=i) for i, s in enumerate(shapes)]
        check(pa.concat([p for _, p in ps], axis=axis),
              np.concat([a for a, _ in ps], axis=axis))


@pytest.mark.parametrize("d1,d2", [("int8", "uint8"), ("int32", "float32"), ("bool", "int64"),
                                   ("float16", "float32"), ("complex64", "float64"),
                                   ("uint8", "uint16"), ("int64", "complex64"), ("bool", "float16")])
def test_concat_promotes(d1, d2):
    a1, a2 = data(d1, (2, 3), 1), data(d2, (4, 3), 2)
    check(pa.concat([to_pa(a1), to_pa(a2)]), np.concat([a1, a2]))
    check(pa.concat([to_pa(a1[:, :2]), to_pa(a2[:2])], axis=1), np.concat([a1[:, :2], a2[:2]], axis=1))


def test_concat_many_small_blocks_and_empty():
    # outer count large, rows short: the column strategy
    arrs = [data("float32", (300, k), k) for k in (1, 2, 1)]
    check(pa.concat([to_pa(a) for a in arrs], axis=1), np.concat(arrs, axis=1))
    arrs = [data("complex64", (50, k), k) for k in (1, 3)]
    check(pa.concat([to_pa(a) for a in arrs], axis=-1), np.concat(arrs, axis=-1))
    e = np.zeros((0, 3), "int32")
    a = data("int32", (2, 3))
    check(pa.concat([to_pa(e), to_pa(a), to_pa(e)]), np.concat([e, a, e]))
    check(pa.concat([to_pa(e), to_pa(e)]), np.concat([e, e]))
    check(pa.concat([to_pa(np.zeros((2, 0)))], axis=1), np.zeros((2, 0)))
    # a single input is copied, not aliased
    p = to_pa(a)
    c = pa.concat([p])
    c[0, 0] = 99
    assert p[0, 0].item() == a[0, 0]


def test_concat_errors():
    with pytest.raises(ValueError):
        pa.concat([to_pa(np.zeros((2, 3))), to_pa(np.zeros((2, 4)))])
    with pytest.raises(ValueError):
        pa.concat([to_pa(np.zeros((2, 3))), to_pa(np.zeros((3,)))])
    with pytest.raises(ValueError):
        pa.concat([to_pa(np.zeros(()))])
    with pytest.raises(ValueError):
        pa.concat([])
    with pytest.raises(IndexError):
        pa.concat([to_pa(np.zeros((2, 3)))], axis=2)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_stack(dtype, axis):
    for view in ("contig", "T", "bcast"):
        ps = [pair(dtype, (3, 2), view, seed=i) for i in range(3)]
        check(pa.stack([p for _, p in ps], axis=axis), np.stack([a for a, _ in ps], axis=axis))


def test_stack_mixed_and_errors():
    a, b = data("int16", (2, 2)), data("float32", (2, 2))
    check(pa.stack([to_pa(a), to_pa(b)], axis=1), np.stack([a, b], axis=1))
    check(pa.stack([to_pa(np.float64(1.5)), to_pa(np.float64(2.0))]), np.stack([1.5, 2.0]))
    check(pa.stack([to_pa(np.zeros((0, 2)))] * 2, axis=1), np.stack([np.zeros((0, 2))] * 2, axis=1))
    with pytest.raises(ValueError):
        pa.stack([to_pa(a), to_pa(np.zeros((2, 3)))])


# ------------------------------------------------------------------ flip / roll
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("view", VIEWS)
def test_flip(dtype, view):
    a, p = pair(dtype, (3, 4, 5), view)
    for axis in (None, 0, 1, 2, -1, (0, 2), (-1, 1), (0, 1, 2), ()):
        check(pa.flip(p, axis=axis), np.flip(a, axis=axis))


def test_flip_shapes_and_copy():
    for shape in [(7,), (1,), (0,), (60, 2), (2, 60), (5, 0, 3), (1, 9, 1), ()]:
        a = data("float64", shape)
        for axis in [None] + list(range(len(shape))):
            check(pa.flip(to_pa(a), axis=axis), np.flip(a, axis=axis))
    p = to_pa(np.arange(4.0))
    f = pa.flip(p)
    f[0] = 100.0
    assert p.tolist() == [0.0, 1.0, 2.0, 3.0]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("view", VIEWS)
def test_roll(dtype, view):
    a, p = pair(dtype, (3, 4, 5), view)
    cases = [(1, None), (-7, None), (2, 0), (-1, 1), (13, -1), ((1, 2), (0, 2)), ((1, -3), (2, 2)),
             (2, (0, 1)), ((0, 0), (1, 2)), (5, 2), (0, None)]
    for shift, axis in cases:
        check(pa.roll(p, shift, axis=axis), np.roll(a, shift, axis=axis))


def test_roll_shapes():
    for shape in [(10,), (0,), (0, 3), (200, 2), (2, 200), ()]:
        a = data("int32", shape)
        check(pa.roll(to_pa(a), 3), np.roll(a, 3))
        for ax in range(len(shape)):
            check(pa.roll(to_pa(a), -5, axis=ax), np.roll(a, -5, axis=ax))
    with pytest.raises(ValueError):
        pa.roll(to_pa(np.zeros((2, 2))), (1, 2, 3), axis=(0, 1))


# ------------------------------------------------------------------ tile / repeat
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("view", ["contig", "T", "step"])
def test_tile(dtype, view):
    a, p = pair(dtype, (2, 3), view)
    for reps in [2, (1, 1), (2, 1), (1, 3), (2, 2), (3, 1, 2), (0, 2), (2, 0), 1, (4,)]:
        check(pa.tile(p, reps), np.tile(a, reps))


def test_tile_shapes():
    for shape, reps in [((), 3), ((), (2, 2)), ((5,), (3, 2)), ((0, 2), 2), ((3, 1, 2), (2,)),
                        ((400,), 3), ((2, 2, 2), (1, 50, 1))]:
        a = data("float16", shape)
        check(pa.tile(to_pa(a), reps), np.tile(a, reps))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("view", ["contig", "T", "step", "bcast"])
def test_repeat(dtype, view):
    a, p = pair(dtype, (3, 4), view)
    for reps, axis in [(2, None), (3, 0), (2, 1), (2, -1), (0, 0), (1, 1),
                       ([1, 0, 2], 0), ([2, 1, 0, 3], 1), ([2], 1), ([0, 0, 0, 0], -1)]:
        check(pa.repeat(p, reps, axis=axis), np.repeat(a, reps, axis=axis))
        if isinstance(reps, list):
            check(pa.repeat(p, to_pa(np.array(reps)), axis=axis), np.repeat(a, reps, axis=axis))
    check(pa.repeat(p, to_pa(np.array(2)), axis=0), np.repeat(a, 2, axis=0))


def test_repeat_edge():
    check(pa.repeat(to_pa(np.array(5)), 3), np.repeat(np.array(5), 3))
    check(pa.repeat(to_pa(np.zeros((0, 2))), 3, axis=0), np.repeat(np.zeros((0, 2)), 3, axis=0))
    check(pa.repeat(to_pa(np.arange(300)), 2), np.repeat(np.arange(300), 2))
    with pytest.raises(ValueError):
        pa.repeat(to_pa(np.arange(3)), -1)
    with pytest.raises(ValueError):
        pa.repeat(to_pa(np.arange(3)), [1, -1, 0])
    with pytest.raises(ValueError):
        pa.repeat(to_pa(np.arange(3)), [1, 2])


# ------------------------------------------------------------------ take / take_along_axis
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("view", ["contig", "T", "step"])
def test_take(dtype, view):
    a, p = pair(dtype, (3, 4, 5), view)
    for idx, axis in [([0, 2, 1, 2], 0), ([-1, 0], 1), ([[1, 4], [-5, 0]], 2), ([3], -1),
                      ([], 1), ([5, 59, -60], None), ([[0, 1, 2]], None)]:
        ia = np.array(idx, dtype=np.int64)
        check(pa.take(p, to_pa(ia), axis=axis), np.take(a, ia, axis=axis))
    check(pa.take(p, 2, axis=1), np.take(a, 2, axis=1))
    check(pa.take(p, to_pa(np.array(-1)), axis=0), np.take(a, np.array(-1), axis=0))
    check(pa.take(p, to_pa(np.array([1, 0], dtype=np.int32)), axis=2),
          np.take(a, np.array([1, 0], dtype=np.int32), axis=2))


def test_take_errors():
    p = to_pa(np.arange(6).reshape(2, 3))
    with pytest.raises(IndexError):
        pa.take(p, to_pa(np.array([3])), axis=1)
    with pytest.raises(IndexError):
        pa.take(p, to_pa(np.array([-4])), axis=1)
    with pytest.raises(IndexError):
        pa.take(p, to_pa(np.array([0.0])), axis=1)
    with pytest.raises(IndexError):
        pa.take(to_pa(np.zeros((0,))), to_pa(np.array([0])))
    check(pa.take(to_pa(np.zeros((0,))), to_pa(np.array([], dtype=np.int64))), np.zeros((0,)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("view", ["contig", "T", "step", "bcast"])
def test_take_along_axis(dtype, view):
    a, p = pair(dtype, (3, 4, 5), view)
    rng = np.random.default_rng(3)
    for axis in (0, 1, 2, -1, -3):
        n = a.shape[axis]
        for ishape_k in (n, 2, 0):
            ishape = list(a.shape)
            ishape[axis] = ishape_k
            idx = rng.integers(-n, n, ishape)
            check(pa.take_along_axis(p, to_pa(idx), axis=axis),
                  np.take_along_axis(a, idx, axis=axis))
        # indices broadcast against the other dims
        ishape = [1] * 3
        ishape[axis] = 3
        idx = rng.integers(0, n, ishape)
        check(pa.take_along_axis(p, to_pa(idx), axis=axis), np.take_along_axis(a, idx, axis=axis))
    idx = np.array([4, 0, 59])
    check(pa.take_along_axis(p, to_pa(idx), axis=None), np.take_along_axis(a, idx, axis=None))


def test_take_along_axis_with_argsort_and_errors():
    a = data("float32", (4, 6), nan=True)
    o = np.argsort(a, axis=1, kind="stable")
    check(pa.take_along_axis(to_pa(a), to_pa(o), axis=1), np.take_along_axis(a, o, axis=1))
    with pytest.raises(ValueError):
        pa.take_along_axis(to_pa(a), to_pa(np.array([0])), axis=1)
    with pytest.raises(IndexError):
        pa.take_along_axis(to_pa(a), to_pa(np.array([[6]])), axis=1)


def test_moveaxis():
    a, p = pair("int32", (2, 3, 4, 5), "T")
    for s, d in [(0, -1), (-1, 0), ((0, 1), (2, 3)), ((3, 0), (0, 3)), (1, 1)]:
        check(pa.moveaxis(p, s, d), np.moveaxis(a, s, d))


# ------------------------------------------------------------------ copy engine, randomized
def test_gather_engine_random():
    """Chains of flip / roll / tile / repeat / take on random views."""
    rnd = random.Random(7)
    for trial in range(150):
        nd = rnd.randint(1, 4)
        shape = tuple(rnd.choice([1, 2, 3, 5, 9, 17]) for _ in range(nd))
        dtype = rnd.choice(["float32", "int16", "complex128", "float16", "bool"])
        a = data(dtype, shape, seed=trial)
        p = to_pa(a)
        # a random view: permute, then a strided slice
        perm = list(range(nd))
        rnd.shuffle(perm)
        a, p = np.transpose(a, perm), pa.permute_dims(p, tuple(perm))
        key = tuple(slice(rnd.choice([None, 1]), None, rnd.choice([1, 2, -1, -2])) for _ in range(nd))
        a, p = a[key], p[key]
        check(p, a)
        ax = rnd.randrange(a.ndim)
        op = rnd.choice(["flip", "roll", "tile", "repeat", "take"])
        if op == "flip":
            want, got = np.flip(a, ax), pa.flip(p, axis=ax)
        elif op == "roll":
            s = rnd.randint(-20, 20)
            want, got = np.roll(a, s, ax), pa.roll(p, s, axis=ax)
        elif op == "tile":
            reps = tuple(rnd.randint(1, 3) for _ in range(a.ndim))
            want, got = np.tile(a, reps), pa.tile(p, reps)
        elif op == "repeat":
            r = rnd.randint(0, 3)
            want, got = np.repeat(a, r, ax), pa.repeat(p, r, axis=ax)
        else:
            n = a.shape[ax]
            if n == 0:
                continue
            idx = np.array([rnd.randrange(-n, n) for _ in range(rnd.randint(0, 8))], dtype=np.int64)
            want, got = np.take(a, idx, ax), pa.take(p, to_pa(idx), axis=ax)
        check(got, want)


# ------------------------------------------------------------------ nonzero / count_nonzero
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("view", ["contig", "T", "step"])
def test_nonzero(dtype, view):
    for shape in [(7,), (3, 4), (2, 3, 4), (0,), (2, 0, 3)]:
        if view != "contig" and len(shape) < 2:
            continue
        a, p = pair(dtype, shape, view, dups=True)
        got, want = pa.nonzero(p), np.nonzero(a)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            check(g, w.astype(np.int64))


def test_nonzero_special_values():
    a = np.array([0.0, -0.0, np.nan, 1e-300, np.inf])
    check(pa.nonzero(to_pa(a))[0], np.nonzero(a)[0])
    c = np.array([0j, 1j, complex(0, -0.0), 2])
    check(pa.nonzero(to_pa(c))[0], np.nonzero(c)[0])
    with pytest.raises(ValueError):
        pa.nonzero(to_pa(np.array(1.0)))


@pytest.mark.parametrize("dtype", ["bool", "int32", "float64", "complex64"])
def test_count_nonzero(dtype):
    a, p = pair(dtype, (3, 4, 5), "T", dups=True)
    for axis in (None, 0, 1, -1, (0, 2), (0, 1, 2)):
        for keepdims in (False, True):
            check(pa.count_nonzero(p, axis=axis, keepdims=keepdims),
                  np.asarray(np.count_nonzero(a, axis=axis, keepdims=keepdims)).astype(np.int64))
    e = np.zeros((0, 3))
    check(pa.count_nonzero(to_pa(e), axis=0), np.count_nonzero(e, axis=0).astype(np.int64))


# ------------------------------------------------------------------ sort / argsort
@pytest.mark.parametrize("dtype", REAL)
@pytest.mark.parametrize("view", ["contig", "T", "step"])
def test_sort_argsort(dtype, view):
    for dups in (False, True):
        a, p = pair(dtype, (4, 5, 6), view, nan=True, dups=dups)
        for axis in (-1, 0, 1, -2):
            check(pa.argsort(p, axis=axis), np.argsort(a, axis=axis, kind="stable"))
            check(pa.sort(p, axis=axis), np.sort(a, axis=axis, kind="stable"))


def _np_desc_argsort(a, axis):
    """Stable descending order, NaN as the largest value (first)."""
    n = a.shape[axis]
    r = np.argsort(np.flip(a, axis), axis=axis, kind="stable")
    return n - 1 - np.flip(r, axis)


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int64", "float16", "float64"])
def test_sort_descending(dtype):
    a, p = pair(dtype, (5, 7), "T", nan=True, dups=True)
    for axis in (0, 1, -1):
        order = _np_desc_argsort(a, axis)
        check(pa.argsort(p, axis=axis, descending=True), order)
        check(pa.sort(p, axis=axis, descending=True), np.take_along_axis(a, order, axis))


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_sort_complex(dtype):
    a = data(dtype, (3, 8), dups=True)
    a[0, 1] = complex(np.nan, 1)
    a[1, 2] = complex(1, np.nan)
    a[2, 3] = complex(np.nan, np.nan)
    a[2, 5] = complex(-1, np.nan)
    p = to_pa(a)
    for axis in (0, 1):
        check(pa.argsort(p, axis=axis), np.argsort(a, axis=axis, kind="stable"))
        check(pa.sort(p, axis=axis), np.sort(a, axis=axis, kind="stable"))


def test_sort_edge_shapes():
    for shape in [(0,), (3, 0), (0, 4), (1,), (6, 1)]:
        a = data("float32", shape)
        for axis in range(len(shape)):
            check(pa.sort(to_pa(a), axis=axis), np.sort(a, axis=axis))
            check(pa.argsort(to_pa(a), axis=axis), np.argsort(a, axis=axis, kind="stable"))
    check(pa.argsort(to_pa(np.array(3.0))), np.argsort(np.array(3.0)))
    a = np.array([0.0, -0.0, 1.0, -0.0, 0.0])
    check(pa.argsort(to_pa(a)), np.argsort(a, kind="stable"))
    assert [str(v) for v in pa.sort(to_pa(a)).tolist()] == [str(v) for v in np.sort(a, kind="stable")]
    a = np.array([np.inf, np.nan, -np.inf, np.nan, 0.0])
    check(pa.sort(to_pa(a)), np.sort(a))
    check(pa.argsort(to_pa(a)), np.argsort(a, kind="stable"))
    with pytest.raises(IndexError):
        pa.sort(to_pa(np.zeros(3)), axis=1)


def test_sort_bfloat16():
    vals = [3.0, -1.5, float("nan"), 0.25, 2.0]
    p = pa.asarray(vals, dtype=pa.bfloat16)
    assert str(pa.sort(p).tolist()) == str([-1.5, 0.25, 2.0, 3.0, float("nan")])
    assert pa.argsort(p).tolist() == [1, 3, 4, 0, 2]
    assert pa.flip(p).tolist()[0] == 2.0 and pa.flip(p).dtype is pa.bfloat16


# ------------------------------------------------------------------ searchsorted
@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64", "float16", "float32", "float64"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted(dtype, side):
    seq = np.sort(data(dtype, (20,), dups=True))
    vals = data(dtype, (3, 5), seed=4, dups=True)
    check(pa.searchsorted(to_pa(seq), to_pa(vals), side=side),
          np.searchsorted(seq, vals, side=side).astype(np.int64))
    # sorter
    perm = np.random.default_rng(1).permutation(20)
    shuffled = seq[perm]
    sorter = np.argsort(shuffled, kind="stable")
    check(pa.searchsorted(to_pa(shuffled), to_pa(vals), side=side, sorter=to_pa(sorter)),
          np.searchsorted(shuffled, vals, side=side, sorter=sorter).astype(np.int64))


def test_searchsorted_nan_mixed_empty():
    seq = np.array([-1.0, 0.0, 0.0, 2.5, np.nan, np.nan])
    vals = np.array([np.nan, -5.0, 0.0, 3.0, np.inf, 2.5])
    for side in ("left", "right"):
        check(pa.searchsorted(to_pa(seq), to_pa(vals), side=side),
              np.searchsorted(seq, vals, side=side).astype(np.int64))
    iseq, fvals = np.array([1, 3, 3, 7]), np.array([[0.5, 3.0], [3.5, 9.0]])
    for side in ("left", "right"):
        check(pa.searchsorted(to_pa(iseq), to_pa(fvals), side=side),
              np.searchsorted(iseq, fvals, side=side).astype(np.int64))
    check(pa.searchsorted(to_pa(iseq), to_pa(np.array([], dtype=np.int64))), np.zeros(0, np.int64))
    check(pa.searchsorted(to_pa(np.array([], dtype=np.float32)), to_pa(np.array([1.0, 2.0]))),
          np.zeros(2, np.int64))
    check(pa.searchsorted(to_pa(iseq), to_pa(np.array(3))), np.array(1, np.int64))
    with pytest.raises(ValueError):
        pa.searchsorted(to_pa(iseq), to_pa(fvals), side="middle")


# ------------------------------------------------------------------ unique_*
def _np_unique(a):
    v, i, inv, c = np.unique(a, return_index=True, return_inverse=True, return_counts=True,
                             equal_nan=False)
    return v, i.astype(np.int64), inv.reshape(a.shape).astype(np.int64), c.astype(np.int64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("view", ["contig", "T", "step"])
def test_unique(dtype, view):
    for shape in [(4, 6), (3, 1), (0, 2)]:
        a, p = pair(dtype, shape, view, dups=True, nan=True)
        v, i, inv, c = _np_unique(a)
        r = pa.unique_all(p)
        check(r.values, v)
        check(r.indices, i)
        check(r.inverse_indices, inv)
        check(r.counts, c)
        assert r._fields == ("values", "indices", "inverse_indices", "counts")
        check(pa.unique_values(p), v)
        rc = pa.unique_counts(p)
        check(rc.values, v)
        check(rc.counts, c)
        ri = pa.unique_inverse(p)
        check(ri.values, v)
        check(ri.inverse_indices, inv)
        values, inverse = ri
        check(values[inverse], a)


def test_unique_nan_distinct_and_zero_d():
    a = np.array([np.nan, 1.0, np.nan, 1.0, -0.0, 0.0])
    r = pa.unique_all(to_pa(a))
    assert str(r.values.tolist()) == "[-0.0, 1.0, nan, nan]"
    assert r.counts.tolist() == [2, 2, 1, 1]
    assert r.indices.tolist() == [4, 1, 0, 2]
    z = pa.unique_all(to_pa(np.array(5)))
    assert z.values.shape == (1,) and z.inverse_indices.shape == ()


# ------------------------------------------------------------------ indexing: getitem
def _idx_pair(key):
    """The same key for NumPy and for PyArray (arrays converted)."""
    if not isinstance(key, tuple):
        return _idx_pair((key,))[0][0], _idx_pair((key,))[1][0]
    nk = tuple((np.asarray(k) if k else np.zeros(0, np.int64)) if isinstance(k, list) else k
               for k in key)
    pk = tuple(to_pa(k) if isinstance(k, np.ndarray) else k for k in nk)
    return nk, pk


GET_KEYS = [
    0, -1, (1, 2), (slice(None), 1), (slice(1, None, 2),), (slice(None, None, -1), slice(3, 0, -2)),
    (Ellipsis, 1), (None, 0), (slice(None), None, 2), (Ellipsis,), (Ellipsis, None),
    (1, Ellipsis, -1), (slice(5, 10),), (slice(None), slice(None), slice(None)),
    [0, 2, -1], ([1, 0], [2, 3]), (slice(None), [0, 0, 3]), ([[0, 1], [2, 2]],),
    (slice(None), [[1], [2]], [0, 3]),  # broadcast of index arrays
    ([0, 1], slice(None), [2, 3]),       # separated: advanced dims first
    (0, slice(None), [1, 2]),            # int + array separated by a slice -> advanced first
    (slice(None), 1, [0, 3]),            # int + array adjacent
    ([0, 1], None, [0, 1]),              # None between advanced indices
    (slice(None), [0, 1], None, [0, 1]),
    (Ellipsis, [1, 0]), (None, [1, 2], Ellipsis), (slice(1, 3), [2]),
    ([True, False, True],), (slice(None), [True, False, True, True]),
    ([[True, False, True, False], [False, False, True, True], [True] * 4],),
    ([False, False, False],), (True,), (False,), ([2, 0], [True, False, True, False]),
    ([], ), (slice(None), []),
    # a scalar bool next to index arrays is itself an index array over a new axis
    (True, slice(None), [0, 1]), (slice(None), True, [0, 1]), ([0, 1], True),
    (True, [0, 2], slice(None), [0, 1]), (False, [1]), ([1], slice(None), False), (slice(None), True, slice(None), False),
    (True, 1), (True, slice(None), 1), (True, True),
]


@pytest.mark.parametrize("view", ["contig", "T", "step"])
@pytest.mark.parametrize("k", range(len(GET_KEYS)))
def test_getitem(view, k):
    a, p = pair("int32", (3, 4, 5), view)
    nk, pk = _idx_pair(GET_KEYS[k])
    want = a[nk]
    got = p[pk]
    if np.ndim(want) == 0:
        assert got.shape == () and got.item() == want
    else:
        check(got, want)


@pytest.mark.parametrize("dtype", ["bool", "float16", "complex64", "uint8", "float64"])
def test_getitem_3d_dtypes(dtype):
    a, p = pair(dtype, (4, 5, 6), "T")
    keys = [(slice(None), [1, 3], slice(1, 5, 2)), ([0, 3], slice(None), [5, 0]),
            (Ellipsis, [[0, 1]]), ([1], [2], [3]), (slice(None, None, -1), 2, [0, -1]),
            (a[..., 0].real > 0 if dtype != "bool" else a[..., 0],),
            (slice(None), a[0].real > 0 if dtype != "bool" else a[0])]
    for key in keys:
        nk, pk = _idx_pair(key)
        check(p[pk], a[nk])


def test_getitem_views_share_storage():
    a = np.arange(12.0).reshape(3, 4)
    p = to_pa(a)
    v = p[1:, ::2]
    v[0, 0] = -1.0
    a[1:, ::2][0, 0] = -1.0
    check(p, a)
    w = p[[0, 1]]    # advanced: a copy
    w[0, 0] = 77.0
    check(p, a)


def test_getitem_errors():
    p = to_pa(np.arange(12).reshape(3, 4))
    for key in [3, (0, 4), (0, 0, 0), (slice(None), -5)]:
        with pytest.raises(IndexError):
            p[key]
    with pytest.raises(IndexError):
        p[to_pa(np.array([3]))]
    with pytest.raises(IndexError):
        p[to_pa(np.array([0.0]))]
    with pytest.raises(IndexError):
        p[to_pa(np.array([True, False]))]      # mask length mismatch
    with pytest.raises(IndexError):
        p[:, to_pa(np.array([True, False, True]))]
    with pytest.raises(IndexError):
        p[to_pa(np.array([0, 1])), to_pa(np.array([0, 1, 2]))]


# ------------------------------------------------------------------ indexing: setitem
SET_CASES = [
    ((1,), 5),
    ((slice(None), 2), [7, 8, 9]),
    ((slice(None, None, 2), slice(1, None)), 3),
    ((slice(None),), [[1, 2, 3, 4]]),             # broadcast over rows
    ((Ellipsis, 0), [[[1, 2, 3]]]),               # leading 1-dims of the value dropped
    (([0, 2],), 1),
    (([0, 2], [1, 3]), [10, 20]),
    (([[0], [2]], [1, 3]), [[1, 2], [3, 4]]),
    ((slice(None), [0, 3]), [[5], [6], [7]]),
    (([2, 0, 2],), [[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]]),
    ((0, slice(None), ), 2.7),                    # float into int truncates
    (([True, False, True],), -1),
    (([True, False, True],), [[1, 2, 3, 4], [5, 6, 7, 8]]),
    ((slice(None), [False, True, True, False]), [[1, 2]]),
    (([[True, False, True, False], [False, False, True, True], [True] * 4],), 0),
    (([[True, False, True, False], [False, False, True, True], [True] * 4],), list(range(8))),
    ((slice(1, 1),), 4),                          # empty target
    ((0, [1, 2]), [[9, 8]]),
]


@pytest.mark.parametrize("view", ["contig", "T", "step"])
@pytest.mark.parametrize("k", range(len(SET_CASES)))
def test_setitem(view, k):
    key, value = SET_CASES[k]
    a, p = pair("int64", (3, 4), view)
    a = a.copy()
    nk, pk = _idx_pair(key)
    nv = np.asarray(value)
    a[nk] = nv
    p[pk] = to_pa(nv) if isinstance(value, list) else value
    check(p, a)


def test_setitem_into_view_reaches_base():
    base_np = np.arange(24.0).reshape(4, 6)
    base_pa = to_pa(base_np)
    vn, vp = base_np[::2, 1::2].T, pa.permute_dims(base_pa[::2, 1::2], (1, 0))
    vn[[0, 2]] = np.array([[-1.0, -2.0]])
    vp[to_pa(np.array([0, 2]))] = to_pa(np.array([[-1.0, -2.0]]))
    vn[:, 1] = 100.0
    vp[:, 1] = 100.0
    mask = vn > 10
    vn[mask] = 0.5
    vp[to_pa(mask)] = 0.5           # the mask is computed by NumPy here
    check(base_pa, base_np)


@pytest.mark.parametrize("dtype", ["bool", "uint8", "float16", "float32", "complex128"])
def test_setitem_dtypes(dtype):
    a, p = pair(dtype, (3, 4), "contig")
    a, v = a.copy(), data(dtype, (2, 4), seed=9)
    a[[2, 0]] = v
    p[to_pa(np.array([2, 0]))] = to_pa(v)
    check(p, a)
    a[1, ::-1] = v[0]
    p[1, ::-1] = to_pa(v[0])
    check(p, a)
    a[..., 2] = 1
    p[..., 2] = 1
    check(p, a)


def test_setitem_from_other_dtype_and_overlap():
    a = np.arange(12, dtype=np.int32).reshape(3, 4)
    p = to_pa(a)
    a[0] = np.array([1.9, -1.9, 2.5, 0.1])
    p[0] = to_pa(np.array([1.9, -1.9, 2.5, 0.1]))
    check(p, a)
    a[1:] = a[:-1].copy()       # overlapping source: NumPy reads before writing
    p[1:] = p[:-1]
    check(p, a)
    a[:, [3, 0]] = a[:, [0, 3]].copy()
    p[:, to_pa(np.array([3, 0]))] = p[:, to_pa(np.array([0, 3]))]
    check(p, a)


def test_setitem_errors():
    p = to_pa(np.zeros((3, 4)))
    with pytest.raises(ValueError):
        p[to_pa(np.array([0, 1]))] = to_pa(np.ones((3, 4)))
    with pytest.raises(ValueError):
        p[0] = to_pa(np.ones(3))
    with pytest.raises(IndexError):
        p[to_pa(np.array([5]))] = 1.0
    with pytest.raises(ValueError):
        pa.broadcast_to(to_pa(np.ones(4)), (3, 4))[0] = 1.0


def test_add_at():
    """numpy.add.at; duplicates are summed in double precision before the one
    rounding to the array's dtype, so compare float32 data with a tolerance."""
    from rustorch.backends.pyarray._indexing import add_at

    def check(got, want):
        assert got.dtype.name == want.dtype.name and got.shape == want.shape
        np.testing.assert_allclose(to_np(got), want, rtol=1e-6)
    for dtype in ("int32", "float64", "complex64"):
        a = data(dtype, (4, 3))
        p = to_pa(a)
        a = a.copy()
        idx = np.array([0, 2, 0, 0, 3])
        v = data(dtype, (5, 3), seed=5)
        np.add.at(a, idx, v)
        add_at(p, to_pa(idx), to_pa(v))
        check(p, a)
        np.add.at(a, (idx, 1), 2)
        add_at(p, (to_pa(idx), 1), 2)
        check(p, a)
        np.add.at(a, (slice(None), 0), v[:4, 0])
        add_at(p, (slice(None), 0), to_pa(v[:4, 0][None]))
        check(p, a)


def test_searchsorted_complex_and_errors():
    seq = np.sort(np.array([1 + 1j, 1 - 1j, 0j, 2 + 0j, complex(1, np.nan)]))
    vals = np.array([1 + 0j, 1 + 1j, 3j, complex(np.nan, 0), -1j])
    for side in ("left", "right"):
        check(pa.searchsorted(to_pa(seq), to_pa(vals), side=side),
              np.searchsorted(seq, vals, side=side).astype(np.int64))
    iseq = to_pa(np.array([1, 2, 3]))
    with pytest.raises(ValueError):
        pa.searchsorted(to_pa(np.zeros((2, 2))), iseq)
    with pytest.raises(ValueError):
        pa.searchsorted(iseq, iseq, sorter=to_pa(np.array([0, 1])))
    with pytest.raises(ValueError):
        pa.searchsorted(iseq, iseq, sorter=to_pa(np.array([0, 1, 3])))
    check(pa.searchsorted(iseq, 2, side="right"), np.array(2, np.int64))


def test_setitem_list_values_and_bad_broadcast():
    a = np.zeros((3, 4))
    p = to_pa(a)
    a[1] = [1, 2, 3, 4]
    p[1] = [1, 2, 3, 4]
    a[[0, 2], 1:3] = [[5, 6]]
    p[to_pa(np.array([0, 2])), 1:3] = [[5, 6]]
    check(p, a)
    with pytest.raises(ValueError):
        p[0] = to_pa(np.ones((2, 4)))
    with pytest.raises(ValueError):
        p[to_pa(np.array([0, 1]))] = to_pa(np.ones((2, 3)))
