"""The pure-Python namespace's reductions, scans and linear algebra against
NumPy 2 directly: values, dtypes and shapes, over dtypes, axis forms,
keepdims, non-contiguous views, empty arrays, NaN and integer wrapping."""
import warnings

import pytest

np = pytest.importorskip("numpy")

from rustorch.backends import pyarray as pa  # noqa: E402
from rustorch.backends.pyarray import _linalg, _reductions  # noqa: E402
from rustorch.backends.pyarray._core import from_list  # noqa: E402

DTYPES = ["bool", "int8", "uint8", "int16", "int32", "int64", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"]
TOL = {"float16": 1e-2, "float32": 1e-5, "complex64": 1e-5}


def P(a):
    """numpy array -> PyArray of the same dtype, shape and values."""
    a = np.asarray(a)
    return from_list(a.ravel().tolist(), a.shape, getattr(pa, a.dtype.name))


def N(x):
    """PyArray -> numpy array (dtype by name)."""
    return np.array(x.values(), dtype=x.dtype.name).reshape(x.shape)


def sample(dtype, shape, seed=0, lo=-4, hi=5):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.startswith("uint"):
        return rng.integers(0, hi, shape).astype(dtype)
    if dtype.startswith("int"):
        return rng.integers(lo, hi, shape).astype(dtype)
    if dtype.startswith("complex"):
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def check(got, want, tol=None):
    want = np.asarray(want)
    assert isinstance(got, pa.PyArray)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype.name == want.dtype.name, (got.dtype.name, want.dtype.name)
    g = N(got)
    if want.dtype.kind in "fc":
        t = tol if tol is not None else TOL.get(want.dtype.name, 1e-12)
        np.testing.assert_allclose(g.astype(np.complex128 if want.dtype.kind == "c" else np.float64),
                                   want, rtol=t, atol=t, equal_nan=True)
    else:
        np.testing.assert_array_equal(g, want)


def views(a):
    """(label, numpy array, PyArray) for a contiguous operand and strided views of it."""
    x = P(a)
    out = [("contig", a, x)]
    if a.ndim >= 2:
        perm = tuple(range(a.ndim))[::-1]
        out.append(("permuted", np.transpose(a, perm), pa.permute_dims(x, perm)))
    if a.ndim >= 1 and a.shape[-1] > 1:
        out.append(("sliced", a[..., ::2], x[..., ::2]))
    if a.ndim >= 1 and a.shape[0] > 1:
        out.append(("reversed-rows", a[1:], x[1:]))
    return out


AXES_3D = [None, 0, 1, -1, (0, 2), (2, 0), (1, 2), (0, 1, 2), ()]

# ------------------------------------------------------------------ sum / prod


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", AXES_3D)
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_prod_dtypes_axes(dtype, axis, keepdims):
    a = sample(dtype, (2, 3, 4), lo=-2, hi=3)
    for label, av, xv in views(a):
        ax = axis
        if isinstance(ax, tuple) and any(i >= av.ndim for i in ax):
            continue
        check(pa.sum(xv, axis=ax, keepdims=keepdims), np.sum(av, axis=ax, keepdims=keepdims))
        check(pa.prod(xv, axis=ax, keepdims=keepdims), np.prod(av, axis=ax, keepdims=keepdims),
              tol=5e-2 if dtype == "float16" else None)


@pytest.mark.parametrize("dtype,target", [("int8", "int8"), ("int64", "float32"), ("bool", "bool"),
                                          ("uint8", "uint8"), ("float64", "float32"),
                                          ("float32", "float64"), ("int32", "int16"),
                                          ("float32", "int64"), ("float32", "complex64"),
                                          ("uint8", "int8")])
def test_sum_prod_explicit_dtype(dtype, target):
    a = sample(dtype, (3, 5), hi=120 if dtype == "uint8" else 5)
    if dtype == "float32" and target == "int64":
        a = a * 10
    x = P(a)
    for axis in (None, 0, 1):
        check(pa.sum(x, axis=axis, dtype=getattr(pa, target)), np.sum(a, axis=axis, dtype=target))
        check(pa.prod(x, axis=axis, dtype=getattr(pa, target)), np.prod(a, axis=axis, dtype=target))


def test_int_sum_prod_wrap_like_numpy():
    a = np.array([2 ** 62, 2 ** 62, 2 ** 62, -5], dtype=np.int64)
    check(pa.sum(P(a)), np.sum(a))
    check(pa.prod(P(a)), np.prod(a))
    u = np.array([2 ** 63, 2 ** 63, 7], dtype=np.uint64)
    check(pa.sum(P(u)), np.sum(u))
    check(pa.prod(P(u)), np.prod(u))
    b = np.array([[100, 100, 100], [-128, 2, 3]], dtype=np.int8)
    check(pa.sum(P(b), axis=1, dtype=pa.int8), np.sum(b, axis=1, dtype=np.int8))
    check(pa.prod(P(b), axis=1, dtype=pa.int8), np.prod(b, axis=1, dtype=np.int8))
    check(pa.sum(P(b), axis=0), np.sum(b, axis=0))            # widened to int64: no wrap


def test_float_overflow_and_specials():
    a = np.array([3e38, 3e38, -1.0], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(pa.sum(P(a)), np.float32(np.inf))                 # rounds to inf on store
        b = np.array([1.0, np.inf, -np.inf, 2.0])
        check(pa.sum(P(b)), np.sum(b))
        check(pa.prod(P(np.array([0.0, np.inf]))), np.prod(np.array([0.0, np.inf])))
    c = np.array([1.0, np.nan, 3.0], dtype=np.float16)
    check(pa.sum(P(c)), np.sum(c))
    check(pa.prod(P(c)), np.prod(c))


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "float16", "float32", "complex64"])
def test_empty_sum_prod(dtype):
    for shape, axis in [((0,), None), ((2, 0), 1), ((2, 0), 0), ((0, 3), 0), ((0, 3), 1),
                        ((2, 0, 3), (0, 2))]:
        a = np.zeros(shape, dtype=dtype)
        check(pa.sum(P(a), axis=axis), np.sum(a, axis=axis))
        check(pa.prod(P(a), axis=axis), np.prod(a, axis=axis))
        check(pa.sum(P(a), axis=axis, keepdims=True), np.sum(a, axis=axis, keepdims=True))


def test_zero_dim_reductions():
    for dtype in ("int8", "float32", "bool", "complex128"):
        a = np.array(3, dtype=dtype)
        for f in ("sum", "prod", "max", "min", "mean", "all", "any", "argmax", "argmin"):
            if f == "mean" and dtype == "bool":
                continue
            want = getattr(np, f)(a)
            check(getattr(pa, f)(P(a)), want)
        check(pa.sum(P(a), axis=()), np.sum(a, axis=()))


def test_bad_axes():
    x = P(np.zeros((2, 3)))
    with pytest.raises(ValueError):
        pa.sum(x, axis=2)
    with pytest.raises(IndexError):
        pa.max(x, axis=-3)
    with pytest.raises(ValueError):
        pa.sum(x, axis=(0, -2))


# ------------------------------------------------------------------ max / min / argmax / argmin
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", AXES_3D)
@pytest.mark.parametrize("keepdims", [False, True])
def test_max_min(dtype, axis, keepdims):
    a = sample(dtype, (2, 3, 4), seed=1)
    for label, av, xv in views(a):
        check(pa.max(xv, axis=axis, keepdims=keepdims), np.max(av, axis=axis, keepdims=keepdims))
        check(pa.min(xv, axis=axis, keepdims=keepdims), np.min(av, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_argmax_argmin(dtype, axis, keepdims):
    a = sample(dtype, (3, 4, 5), seed=2, lo=-1, hi=2)      # many ties: first occurrence wins
    for label, av, xv in views(a):
        check(pa.argmax(xv, axis=axis, keepdims=keepdims), np.argmax(av, axis=axis, keepdims=keepdims))
        check(pa.argmin(xv, axis=axis, keepdims=keepdims), np.argmin(av, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_nan_propagates(dtype):
    a = np.array([[1.0, np.nan, 3.0, np.nan], [np.inf, -np.inf, 2.0, 0.0],
                  [np.nan, 5.0, 1.0, 1.0], [-0.0, 0.0, 0.0, -0.0]], dtype=dtype)
    x = P(a)
    for axis in (None, 0, 1):
        for f in ("max", "min", "argmax", "argmin"):
            check(getattr(pa, f)(x, axis=axis), getattr(np, f)(a, axis=axis))
            check(getattr(pa, f)(pa.permute_dims(x, (1, 0)), axis=axis), getattr(np, f)(a.T, axis=axis))
    b = np.array([np.inf, 1.0, -np.inf])               # inf - inf: sum is NaN but no NaN
    for f in ("max", "min", "argmax", "argmin"):
        check(getattr(pa, f)(P(b)), getattr(np, f)(b))


def test_complex_nan_and_order():
    a = np.array([1 + 2j, 1 + 3j, 0 + 5j, 1 + 3j])
    for f in ("max", "min", "argmax", "argmin"):
        check(getattr(pa, f)(P(a)), getattr(np, f)(a))
    b = np.array([1 + 2j, complex(np.nan, 0), 3 + 0j])
    for f in ("max", "min", "argmax", "argmin"):
        check(getattr(pa, f)(P(b)), getattr(np, f)(b))


def test_empty_max_argmax_raise():
    z = P(np.zeros((0, 3)))
    for f in (pa.max, pa.min):
        with pytest.raises(ValueError):
            f(z)
        with pytest.raises(ValueError):
            f(z, axis=0)
        check(f(z, axis=1), np.max(np.zeros((0, 3)), axis=1))
    for f in (pa.argmax, pa.argmin):
        with pytest.raises(ValueError):
            f(z)
        with pytest.raises(ValueError):
            f(z, axis=0)
        check(f(z, axis=1), np.argmax(np.zeros((0, 3)), axis=1))


# ------------------------------------------------------------------ mean / var / std
@pytest.mark.parametrize("dtype", DTYPES[1:])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2), (1,)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_mean_var_std(dtype, axis, keepdims):
    a = sample(dtype, (3, 4, 5), seed=3)
    for label, av, xv in views(a):
        check(pa.mean(xv, axis=axis, keepdims=keepdims), np.mean(av, axis=axis, keepdims=keepdims))
        for corr in (0, 1):
            check(pa.var(xv, axis=axis, correction=corr, keepdims=keepdims),
                  np.var(av, axis=axis, correction=corr, keepdims=keepdims))
            check(pa.std(xv, axis=axis, correction=corr, keepdims=keepdims),
                  np.std(av, axis=axis, correction=corr, keepdims=keepdims))


def test_mean_bool_and_empty_and_dof():
    b = np.array([True, False, True])
    check(pa.mean(P(b)), np.mean(b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z = np.zeros((0, 3), dtype=np.float32)
        check(pa.mean(P(z)), np.mean(z))
        check(pa.mean(P(z), axis=0), np.mean(z, axis=0))
        check(pa.var(P(z), axis=0), np.var(z, axis=0))
        a = np.array([[1.0, 2.0], [3.0, 3.0]])
        check(pa.var(P(a), axis=1, correction=2), np.var(a, axis=1, correction=2))
        check(pa.std(P(a), axis=1, correction=3), np.std(a, axis=1, correction=3))
    check(pa.var(P(a), correction=1.5), np.var(a, correction=1.5))
    n = np.array([1.0, np.nan, 2.0])
    check(pa.var(P(n)), np.var(n))


# ------------------------------------------------------------------ all / any
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", AXES_3D)
def test_all_any(dtype, axis):
    a = sample(dtype, (2, 3, 4), seed=4, lo=-1, hi=2)
    if dtype.startswith("float") or dtype.startswith("complex"):
        a = np.where(np.abs(a) < 0.7, 0, a).astype(dtype)
    for label, av, xv in views(a):
        for keepdims in (False, True):
            check(pa.all(xv, axis=axis, keepdims=keepdims), np.all(av, axis=axis, keepdims=keepdims))
            check(pa.any(xv, axis=axis, keepdims=keepdims), np.any(av, axis=axis, keepdims=keepdims))


def test_all_any_empty_and_nan():
    z = np.zeros((2, 0))
    for axis in (None, 0, 1):
        check(pa.all(P(z), axis=axis), np.all(z, axis=axis))
        check(pa.any(P(z), axis=axis), np.any(z, axis=axis))
    n = np.array([np.nan, 0.0])
    check(pa.all(P(n)), np.all(n))
    check(pa.any(P(n)), np.any(n))


# ------------------------------------------------------------------ scans
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_cumulative(dtype, axis):
    a = sample(dtype, (2, 3, 4), seed=5, lo=-2, hi=3)
    for label, av, xv in views(a):
        for inc in (False, True):
            check(pa.cumulative_sum(xv, axis=axis, include_initial=inc),
                  np.cumulative_sum(av, axis=axis, include_initial=inc))
            check(pa.cumulative_prod(xv, axis=axis, include_initial=inc),
                  np.cumulative_prod(av, axis=axis, include_initial=inc),
                  tol=5e-2 if dtype == "float16" else None)


def test_cumulative_1d_dtype_wrap_empty():
    a = np.array([100, 100, 100, -128], dtype=np.int8)
    check(pa.cumulative_sum(P(a)), np.cumulative_sum(a))
    check(pa.cumulative_sum(P(a), dtype=pa.int8), np.cumulative_sum(a, dtype=np.int8))
    check(pa.cumulative_prod(P(a), dtype=pa.int8), np.cumulative_prod(a, dtype=np.int8))
    check(pa.cumulative_sum(P(a), dtype=pa.float32), np.cumulative_sum(a, dtype=np.float32))
    big = np.array([2 ** 62, 2 ** 62, 2 ** 62], dtype=np.int64)
    check(pa.cumulative_sum(P(big)), np.cumulative_sum(big))
    for shape, axis in [((0,), 0), ((2, 0), 1), ((0, 3), 0), ((0, 3), 1)]:
        z = np.zeros(shape, dtype=np.float32)
        for inc in (False, True):
            check(pa.cumulative_sum(P(z), axis=axis, include_initial=inc),
                  np.cumulative_sum(z, axis=axis, include_initial=inc))
    with pytest.raises(ValueError):
        pa.cumulative_sum(P(np.zeros((2, 2))))          # axis is required for ndim > 1
    n = np.array([1.0, np.nan, 2.0], dtype=np.float32)
    check(pa.cumulative_sum(P(n)), np.cumulative_sum(n))


# ------------------------------------------------------------------ matmul
MM_SHAPES = [((4,), (4,)), ((4,), (4, 3)), ((3, 4), (4,)), ((3, 4), (4, 5)), ((4,), (2, 4, 3)),
             ((2, 3, 4), (4,)), ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)),
             ((1, 3, 4), (2, 1, 4, 2)), ((3, 4), (2, 4, 5)), ((0, 4), (4, 3)), ((3, 0), (0, 2)),
             ((2, 0, 3, 4), (4, 1)), ((1, 70), (70, 130)), ((65, 3), (3, 66))]


@pytest.mark.parametrize("sa,sb", MM_SHAPES, ids=[f"{a}@{b}" for a, b in MM_SHAPES])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "complex64", "float16"])
def test_matmul_ranks(sa, sb, dtype):
    a, b = sample(dtype, sa, seed=6), sample(dtype, sb, seed=7)
    check(pa.matmul(P(a), P(b)), np.matmul(a, b), tol=2e-2 if dtype == "float16" else None)


@pytest.mark.parametrize("dtype", ["float32", "int64", "complex128"])
def test_matmul_strided_operands(dtype):
    a = sample(dtype, (5, 4), seed=8)
    b = sample(dtype, (3, 4), seed=9)
    x, y = P(a), P(b)
    check(pa.matmul(x, pa.permute_dims(y, (1, 0))), a @ b.T)        # transposed right
    check(pa.matmul(pa.permute_dims(y, (1, 0))[1:3], y[:, :2]), b.T[1:3] @ b[:, :2])
    check(pa.matmul(x[::2], pa.permute_dims(y[1:3], (1, 0))), a[::2] @ b[1:3].T)
    check(pa.matmul(x[:, ::-1], pa.permute_dims(y[::-1], (1, 0))), a[:, ::-1] @ b[::-1].T)
    c = sample(dtype, (2, 3, 4), seed=10)
    z = P(c)
    check(pa.matmul(pa.permute_dims(z, (0, 2, 1)), z), np.transpose(c, (0, 2, 1)) @ c)
    check(pa.matmul(z, pa.broadcast_to(P(a.T), (2, 4, 5))), c @ a.T)


def test_matmul_int_overflow_wraps():
    a = np.array([[2 ** 40, 2 ** 40], [-(2 ** 62), 3]], dtype=np.int64)
    b = np.array([[2 ** 30, 7], [2 ** 33, -(2 ** 62)]], dtype=np.int64)
    check(pa.matmul(P(a), P(b)), a @ b)
    a8 = np.array([[100, 100], [-128, 127]], dtype=np.int8)
    check(pa.matmul(P(a8), P(a8)), a8 @ a8)
    u8 = np.array([[200, 100], [255, 1]], dtype=np.uint8)
    check(pa.matmul(P(u8), P(u8)), u8 @ u8)
    u64 = np.array([[2 ** 63, 3]], dtype=np.uint64)
    check(pa.matmul(P(u64), P(u64.T)), u64 @ u64.T)


def test_matmul_bool_mixed_complex():
    a = np.array([[True, False], [False, False]])
    b = np.array([[True, True], [False, True]])
    check(pa.matmul(P(a), P(b)), a @ b)
    i = sample("int32", (3, 4), seed=11)
    f = sample("float32", (4, 2), seed=12)
    check(pa.matmul(P(i), P(f)), i @ f)                                  # -> float64
    c = sample("complex64", (4, 2), seed=13)
    check(pa.matmul(P(f.T), P(c)), f.T @ c)
    check(pa.matmul(P(sample("int8", (2, 3))), P(sample("int16", (3, 2)))),
          sample("int8", (2, 3)) @ sample("int16", (3, 2)))


def test_matmul_errors():
    with pytest.raises(ValueError):
        pa.matmul(P(np.zeros((2, 3))), P(np.zeros((4, 2))))
    with pytest.raises(ValueError):
        pa.matmul(P(np.zeros(())), P(np.zeros((2,))))
    with pytest.raises(ValueError):
        pa.matmul(P(np.zeros((2, 2, 3))), P(np.zeros((3, 3, 2))))        # batch 2 vs 3


# ------------------------------------------------------------------ tensordot / vecdot
TD = [((3, 4, 5), (4, 5, 2), 2), ((3, 4), (4, 5), 1), ((2, 3), (4,), 0), ((3, 4), (3, 4), 2),
      ((3, 4, 5), (5, 3, 2), ([0, 2], [1, 0])), ((3, 4, 5), (2, 4), ([-2], [-1])),
      ((3, 4), (4, 3), ([1, 0], [0, 1])), ((0, 4), (4, 2), 1), ((3,), (3,), ([0], [0]))]


@pytest.mark.parametrize("sa,sb,axes", TD, ids=[str(i) for i in range(len(TD))])
@pytest.mark.parametrize("dtype", ["float64", "int16", "complex64"])
def test_tensordot(sa, sb, axes, dtype):
    a, b = sample(dtype, sa, seed=14), sample(dtype, sb, seed=15)
    check(pa.tensordot(P(a), P(b), axes=axes), np.tensordot(a, b, axes=axes))


def test_tensordot_strided_and_errors():
    a = sample("float32", (4, 3, 5), seed=16)
    b = sample("float32", (5, 3), seed=17)
    x = pa.permute_dims(P(a), (2, 0, 1))
    check(pa.tensordot(x, P(b), axes=([0, 2], [0, 1])),
          np.tensordot(np.transpose(a, (2, 0, 1)), b, axes=([0, 2], [0, 1])))
    with pytest.raises(ValueError):
        pa.tensordot(P(a), P(b), axes=([0], [0]))
    with pytest.raises(ValueError):
        pa.tensordot(P(a), P(b), axes=([0, 1], [0]))


VD = [((4,), (4,), -1), ((3, 4), (4,), -1), ((2, 3, 4), (3, 4), -1), ((2, 1, 4), (3, 4), -1),
      ((3, 4), (3, 4), -2), ((3, 4), (3, 4), 0), ((2, 3, 4), (1, 3, 4), -2), ((0, 4), (4,), -1),
      ((3, 0), (3, 0), -1)]


@pytest.mark.parametrize("sa,sb,axis", VD, ids=[str(i) for i in range(len(VD))])
@pytest.mark.parametrize("dtype", ["float32", "int64", "complex128", "bool"])
def test_vecdot(sa, sb, axis, dtype):
    a, b = sample(dtype, sa, seed=18), sample(dtype, sb, seed=19)
    if dtype == "bool":     # NumPy's vecdot has no bool loop; it would be logical
        want = np.sum(np.logical_and(a, b), axis=axis) > 0
        check(pa.vecdot(P(a), P(b), axis=axis), want)
        return
    check(pa.vecdot(P(a), P(b), axis=axis), np.vecdot(a, b, axis=axis))


def test_vecdot_complex_conj_mixed_and_errors():
    a = np.array([1 + 2j, 3 - 1j])
    b = np.array([2 - 1j, 1j])
    check(pa.vecdot(P(a), P(b)), np.vecdot(a, b))
    f = np.array([1.0, 2.0], dtype=np.float32)
    check(pa.vecdot(P(a.astype(np.complex64)), P(f)), np.vecdot(a.astype(np.complex64), f))
    i = np.array([2 ** 62, 2 ** 62], dtype=np.int64)
    check(pa.vecdot(P(i), P(np.array([2, 2], dtype=np.int64))), np.vecdot(i, np.array([2, 2])))
    with pytest.raises(ValueError):
        pa.vecdot(P(np.zeros((3, 4))), P(np.zeros((1,))))
    with pytest.raises(ValueError):
        pa.vecdot(P(np.zeros((3, 4))), P(np.zeros((2, 4))))


# ------------------------------------------------------------------ python-backend kernels
EINSUM = [("ij,jk->ik", [(3, 4), (4, 5)]), ("ii->i", [(3, 3)]), ("ii->", [(3, 3)]),
          ("ij->ji", [(2, 3)]), ("ij->ij", [(2, 3)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
          ("i,j->ij", [(3,), (4,)]), ("ijk,kl,lm->im", [(2, 3, 4), (4, 5), (5, 2)]),
          ("ij,ij->", [(3, 4), (3, 4)]), ("iij,jk->ik", [(3, 3, 2), (2, 4)]),
          ("ab,cd->", [(2, 3), (4, 5)]), ("bij,bjk->kbi", [(2, 3, 4), (2, 4, 5)]),
          ("ij,jk->", [(0, 3), (3, 2)]), ("ij,ji->", [(3, 4), (4, 3)]),
          ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)])]


@pytest.mark.parametrize("eq,shapes", EINSUM, ids=[e for e, _ in EINSUM])
@pytest.mark.parametrize("dtype", ["float64", "int32"])
def test_einsum_kernel(eq, shapes, dtype):
    ops = [sample(dtype, s, seed=20 + i) for i, s in enumerate(shapes)]
    got = _linalg.einsum(eq, [P(o) for o in ops])
    check(got, np.einsum(eq, *ops))
    assert got.contig
    assert all(got.buf is not P(o).buf for o in ops)


def test_einsum_kernel_declines_broadcast():
    assert _linalg.einsum("ij,jk->ik", [P(np.zeros((2, 1))), P(np.zeros((3, 2)))]) is None


def _np_lse(a, axis, keepdims):
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    r = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_logsumexp_softmax_kernels(dtype):
    a = sample(dtype, (3, 4, 5), seed=30) * 10
    a[0, 1, 2] = np.inf
    a[1, 2, 3] = np.nan
    a[2, 3, :] = -np.inf
    x = P(a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for axes in ((0,), (2,), (0, 2), (0, 1, 2)):
            for keep in (False, True):
                check(_reductions.logsumexp(x, axes, keep), _np_lse(a, axes, keep).astype(dtype),
                      tol=1e-2 if dtype == "float16" else 1e-5)
        for axis in (0, 1, 2, -1):
            e = np.exp(a - np.max(a, axis=axis, keepdims=True))
            check(_reductions.softmax(x, axis), (e / np.sum(e, axis=axis, keepdims=True)).astype(dtype),
                  tol=1e-2 if dtype == "float16" else 1e-5)
            check(_reductions.softmax(x, axis, log=True),
                  (a - _np_lse(a, axis, True)).astype(dtype), tol=1e-2 if dtype == "float16" else 1e-5)
