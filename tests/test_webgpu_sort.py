"""WebGPU sorting family (rustorch/backends/webgpu/sort_ops.py, shaders/sort*.wgsl,
search.wgsl, cum_extreme*.wgsl, unique.wgsl): sort, argsort, searchsorted, topk,
median, nanmedian, mode, cummax, cummin, logcumsumexp and unique_*, checked
against torch (the oracle; NumPy 2 for the array API's unique_*) on random data
with ties, NaN and -0.0, odd sizes, long lines (the global merge path and the
blocked scan), strided / transposed / flipped / broadcast inputs and empty
arrays; and none of them may take the host path.
"""
import numpy as np
import pytest

import rustorch as rt

torch = pytest.importorskip("torch")
pytest.importorskip("wgpu", reason="wgpu-py is not installed (pip install wgpu)")

from webgpu_helpers import context_factory  # noqa: E402

context_factory()   # skips where there is no adapter
from rustorch.backends import get  # noqa: E402
from rustorch.backends.webgpu import host, sort_ops  # noqa: E402
from rustorch._errors import InvalidArgument, ShapeError  # noqa: E402

B = get("webgpu")
XP = B.xp
HAS_F16 = "shader-f16" in B.context.adapter.features
DTYPES = ["float32", "float16", "int64", "int32", "int16", "uint8", "bool"]


@pytest.fixture(autouse=True)
def no_host():
    """Every test here runs on WGSL kernels only."""
    host.reset_counts()
    yield
    assert host.counts() == {}


def data(dtype, shape, rng, nan=True):
    """Values with many ties; floats also get NaN, -0.0 and infinities."""
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype in ("float32", "float16"):
        a = rng.integers(-6, 7, shape).astype(np.float32) / 2
        if nan and a.size:
            a.flat[rng.integers(0, a.size, max(1, a.size // 9))] = np.nan
            a.flat[rng.integers(0, a.size, max(1, a.size // 11))] = -0.0
            a.flat[rng.integers(0, a.size, max(1, a.size // 13))] = np.inf
            a.flat[rng.integers(0, a.size, max(1, a.size // 17))] = -np.inf
        return a.astype(dtype)
    lo = 0 if dtype == "uint8" else -50
    return rng.integers(lo, 50, shape).astype(dtype)


def need(dtype):
    if dtype == "float16" and not HAS_F16:
        pytest.skip("this adapter lacks 'shader-f16'")


def gpu(a):
    return rt.tensor(a, device="webgpu")


def arr(a):
    return gpu(a)._data


def host_of(x):
    return B.to_numpy(x)


def same(got, want):
    want = want.numpy() if hasattr(want, "numpy") else want
    assert got.shape == want.shape, (got.shape, want.shape)
    if got.dtype.kind == "f":
        np.testing.assert_array_equal(got, want)   # NaN == NaN here
        # -0.0 and 0.0 are copied bit for bit from the input, never made up
    else:
        np.testing.assert_array_equal(got, want)


def torch_sort(a, dim, descending):
    v, i = torch.sort(torch.from_numpy(np.ascontiguousarray(a)), dim=dim,
                      descending=descending, stable=True)
    return v.numpy(), i.numpy()


# ------------------------------------------------------------------ sort / argsort
SHAPES = [((0,), 0), ((1,), 0), ((7,), 0), ((5, 37), 1), ((5, 37), 0), ((3, 0, 4), 2),
          ((3, 4, 5), 1), ((64, 33), 1), ((3, 2049), 1), ((2, 5000), -1), ((20000,), 0),
          ((300, 3), 1)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,dim", SHAPES)
@pytest.mark.parametrize("descending", [False, True])
def test_sort_argsort_match_torch(dtype, shape, dim, descending):
    need(dtype)
    rng = np.random.default_rng(hash((dtype, shape, dim, descending)) % 2**32)
    a = data(dtype, shape, rng)
    x = arr(a)
    want_v, want_i = torch_sort(a, dim, descending)
    same(host_of(XP.sort(x, axis=dim, descending=descending)), want_v)
    idx = XP.argsort(x, axis=dim, descending=descending)
    assert idx.dtype is rt.int64
    same(host_of(idx), want_i)


def test_sort_keeps_sign_of_zero_and_nan_last():
    a = np.array([0.0, -0.0, np.nan, -1.0, -0.0, 0.0, np.inf, -np.inf], np.float32)
    v = host_of(XP.sort(arr(a)))
    i = host_of(XP.argsort(arr(a)))
    np.testing.assert_array_equal(i, [7, 3, 0, 1, 4, 5, 6, 2])   # -0 == 0: input order
    np.testing.assert_array_equal(np.signbit(v), np.signbit(a[i]))
    i = host_of(XP.argsort(arr(a), descending=True))
    np.testing.assert_array_equal(i, [2, 6, 0, 1, 4, 5, 3, 7])


@pytest.mark.parametrize("view", ["transpose", "step", "flip", "broadcast", "offset"])
def test_sort_strided_views(view):
    rng = np.random.default_rng(3)
    base = data("float32", (6, 50), rng)
    x = arr(base)
    if view == "transpose":
        v, h = x.T, base.T
    elif view == "step":
        v, h = x.basic_view((slice(1, None, 2), slice(None, None, 3))), base[1::2, ::3]
    elif view == "flip":
        v, h = x.basic_view((slice(None, None, -1), slice(None, None, -1))), base[::-1, ::-1]
    elif view == "broadcast":
        v = x.basic_view((slice(0, 1),)).broadcast_to((4, 50))
        h = np.broadcast_to(base[:1], (4, 50))
    else:
        v, h = x.basic_view((slice(2, 5), slice(7, 40))), base[2:5, 7:40]
    for dim in (0, 1):
        for desc in (False, True):
            want_v, want_i = torch_sort(h, dim, desc)
            same(host_of(XP.sort(v, axis=dim, descending=desc)), want_v)
            same(host_of(XP.argsort(v, axis=dim, descending=desc)), want_i)


@pytest.mark.parametrize("n", [4096, 4097, 70000])
def test_long_lines_take_the_global_merge(n):
    rng = np.random.default_rng(n)
    a = rng.standard_normal((2, n)).astype(np.float32)
    a[:, ::7] = a[:, 3:4]   # long runs of ties: stability across merged blocks
    want_v, want_i = torch_sort(a, 1, False)
    d0 = B.context.dispatcher.dispatches
    same(host_of(XP.argsort(arr(a), axis=1)), want_i)
    assert B.context.dispatcher.dispatches - d0 > 2   # merge passes ran
    same(host_of(XP.sort(arr(a), axis=-1)), want_v)


def test_sort_0d_and_tensor_api():
    x = arr(np.array(3.5, np.float32))
    assert host_of(XP.sort(x)).shape == ()
    np.testing.assert_array_equal(host_of(XP.argsort(x)), [0])
    a = np.random.default_rng(0).standard_normal((4, 9)).astype(np.float32)
    np.testing.assert_array_equal(gpu(a).argsort(dim=0).cpu().numpy(),
                                  torch.from_numpy(a).argsort(dim=0, stable=True).numpy())


# ------------------------------------------------------------------ topk
@pytest.mark.parametrize("dtype", ["float32", "int64", "uint8", "float16"])
@pytest.mark.parametrize("shape,dim,k", [((10,), 0, 3), ((4, 33), 1, 33), ((33, 4), 0, 0),
                                         ((3, 5000), 1, 17), ((2, 3, 7), 1, 2)])
@pytest.mark.parametrize("largest", [True, False])
def test_topk(dtype, shape, dim, k, largest):
    need(dtype)
    rng = np.random.default_rng(k + len(shape))
    a = data(dtype, shape, rng)
    v, i = B.topk(arr(a), k, dim, largest)
    want_v, want_i = torch_sort(a, dim, largest)
    sl = [slice(None)] * a.ndim
    sl[dim] = slice(0, k)
    same(host_of(v), want_v[tuple(sl)])
    same(host_of(i), want_i[tuple(sl)])   # ties: the earlier index first
    tv = torch.topk(torch.from_numpy(a), k, dim=dim, largest=largest).values
    same(gpu(a).topk(k, dim=dim, largest=largest).values.cpu().numpy(), tv)


def test_topk_k_out_of_range():
    with pytest.raises(InvalidArgument, match="out of range"):
        B.topk(arr(np.zeros(3, np.float32)), 4, 0, True)


# ------------------------------------------------------------------ median / nanmedian / mode
def _lines_with_nan(rng, shape):
    a = rng.integers(-3, 4, shape).astype(np.float32)
    a[0, 1] = np.nan          # one NaN
    a[1, :] = np.nan          # all NaN
    a[2, ::2] = np.nan        # half NaN
    return a


@pytest.mark.parametrize("fn", ["median", "nanmedian"])
@pytest.mark.parametrize("shape,dim", [((5, 9), 1), ((5, 8), 1), ((4, 5, 3), 1), ((6, 3000), 1),
                                       ((9, 5), 0)])
def test_median_nanmedian(fn, shape, dim):
    rng = np.random.default_rng(len(shape) + shape[-1])
    a = _lines_with_nan(rng, shape)
    t = getattr(torch, fn)(torch.from_numpy(a), dim=dim)
    r = getattr(rt, fn)(gpu(a), dim=dim)
    same(r.values.cpu().numpy(), t.values)
    # torch picks its own index among equal values: the index must hold the value
    idx = r.indices.cpu().numpy()
    picked = np.take_along_axis(a, np.expand_dims(idx, dim), dim).squeeze(dim)
    same(picked, t.values.numpy())
    nan_lines = np.isnan(t.values.numpy())
    if fn == "median":   # a NaN line reports its first NaN
        first = np.argmax(np.isnan(a), axis=dim)
        np.testing.assert_array_equal(idx[nan_lines], first[nan_lines])


@pytest.mark.parametrize("dtype", ["int64", "uint8", "float16", "int16"])
def test_median_other_dtypes(dtype):
    need(dtype)
    a = data(dtype, (7, 10), np.random.default_rng(1), nan=False)
    for fn in ("median", "nanmedian"):
        t = getattr(torch, fn)(torch.from_numpy(a), dim=1)
        r = getattr(rt, fn)(gpu(a), dim=1)
        same(r.values.cpu().numpy(), t.values)
    same(rt.median(gpu(a)).cpu().numpy(), torch.median(torch.from_numpy(a)))


@pytest.mark.parametrize("dtype", ["float32", "int64", "uint8"])
@pytest.mark.parametrize("shape,dim", [((6, 11), 1), ((11, 6), 0), ((3, 4, 5), 2),
                                       ((2, 3000), 1), ((1,), 0)])
def test_mode(dtype, shape, dim):
    rng = np.random.default_rng(shape[0] * 7 + dim)
    a = data(dtype, shape, rng, nan=False)
    t = torch.mode(torch.from_numpy(a), dim=dim)
    r = rt.mode(gpu(a), dim=dim)
    same(r.values.cpu().numpy(), t.values)
    idx = r.indices.cpu().numpy()
    if shape[dim] <= 100:
        same(idx, t.indices)   # the last occurrence
    else:   # torch's long-line path reports some occurrence: ours is the last
        picked = np.take_along_axis(a, np.expand_dims(idx, dim), dim).squeeze(dim)
        same(picked, t.values.numpy())
        moved = np.moveaxis(a, dim, -1)
        later = np.arange(shape[dim]) > np.expand_dims(idx, -1)
        assert not np.any(later & (moved == np.expand_dims(picked, -1)))


def test_mode_nan_is_its_own_value():
    a = np.array([[np.nan, np.nan, 1.0, 2.0], [np.nan, 5.0, np.nan, 5.0],
                  [np.nan, np.nan, np.nan, np.nan]], np.float32)
    v, i = B.mode(arr(a), 1)
    np.testing.assert_array_equal(host_of(v), [1.0, 5.0, np.nan])
    np.testing.assert_array_equal(host_of(i), [2, 3, 0])


# ------------------------------------------------------------------ cummax / cummin
@pytest.mark.parametrize("dtype", ["float32", "float16", "int64", "uint8", "bool"])
@pytest.mark.parametrize("shape,dim", [((13,), 0), ((4, 9), 1), ((4, 9), 0), ((3, 0), 1),
                                       ((2, 3, 5), 1), ((70000, 2), 1), ((2, 3000), 1),
                                       ((70000,), 0), ((3000, 3), 0)])
@pytest.mark.parametrize("fn", ["cummax", "cummin"])
def test_cummax_cummin(dtype, shape, dim, fn):
    need(dtype)
    rng = np.random.default_rng(shape[-1] + dim)
    a = data(dtype, shape, rng)
    t = getattr(torch, fn)(torch.from_numpy(a), dim=dim)
    r = getattr(rt, fn)(gpu(a), dim=dim)
    same(r.values.cpu().numpy(), t.values)
    same(r.indices.cpu().numpy(), t.indices)


@pytest.mark.parametrize("n", [8, 2500])   # one invocation per line / blocked
def test_cum_extreme_transposed_view(n):
    a = data("float32", (5, n), np.random.default_rng(9))
    for largest, fn in ((True, torch.cummax), (False, torch.cummin)):
        v, i = B.cum_extreme(arr(a).T, 0, largest)
        t = fn(torch.from_numpy(a.T.copy()), dim=0)
        same(host_of(v), t.values)
        same(host_of(i), t.indices)


# ------------------------------------------------------------------ searchsorted
@pytest.mark.parametrize("dtype", ["float32", "int64", "uint8", "float16"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted(dtype, side):
    need(dtype)
    rng = np.random.default_rng(5)
    s = np.sort(data(dtype, (41,), rng))   # NaN last: torch's search goes odd ways there
    v = data(dtype, (3, 17), rng)
    want = torch.searchsorted(torch.from_numpy(s), torch.from_numpy(v), side=side)
    got = XP.searchsorted(arr(s), arr(v), side=side)
    assert got.dtype is rt.int64
    same(host_of(got), want)
    # through the tensor API and with strided operands
    same(rt.searchsorted(gpu(s), gpu(v), side=side).cpu().numpy(), want)
    want_t = torch.searchsorted(torch.from_numpy(s), torch.from_numpy(v.T.copy()), side=side)
    same(host_of(XP.searchsorted(arr(s), arr(v).T, side=side)), want_t)


def test_searchsorted_nan_like_torch():
    s = np.array([1.0, 2.0, np.nan, np.nan], np.float32)
    v = np.array([0.0, 1.5, 2.0, np.nan, np.inf, -0.0], np.float32)
    for seq in (s, np.array([-0.0, 0.0, 1.0, np.inf], np.float32)):
        for side in ("left", "right"):
            want = torch.searchsorted(torch.from_numpy(seq), torch.from_numpy(v), side=side)
            same(host_of(XP.searchsorted(arr(seq), arr(v), side=side)), want)


def test_searchsorted_sorter_empty_and_flipped():
    rng = np.random.default_rng(8)
    raw = rng.standard_normal(30).astype(np.float32)
    order = np.argsort(raw, kind="stable")
    vals = rng.standard_normal(12).astype(np.float32)
    want = np.searchsorted(raw, vals, sorter=order)
    same(host_of(XP.searchsorted(arr(raw), arr(vals), sorter=arr(order))), want)
    desc = np.sort(raw)[::-1].copy()
    flipped = arr(desc).basic_view((slice(None, None, -1),))   # ascending, negative stride
    same(host_of(XP.searchsorted(flipped, arr(vals), side="right")),
         np.searchsorted(desc[::-1], vals, side="right"))
    assert host_of(XP.searchsorted(arr(raw), arr(np.zeros((0,), np.float32)))).shape == (0,)
    same(host_of(XP.searchsorted(arr(np.zeros((0,), np.float32)), arr(vals))),
         np.zeros(12, np.int64))
    with pytest.raises(ShapeError):
        XP.searchsorted(arr(np.zeros((2, 2), np.float32)), arr(vals))


def test_searchsorted_more_than_65535_workgroups():
    n = 65535 * 256 + 300      # one invocation per value: a 2-D grid
    s = np.array([-1.0, 0.0, 2.0], np.float32)
    v = np.zeros(n, np.float32)
    v[::3] = 1.0
    v[1::3] = 5.0
    v[-1] = -3.0
    got = host_of(XP.searchsorted(arr(s), arr(v)))
    np.testing.assert_array_equal(got, np.searchsorted(s, v))


def test_kernels_compile_once():
    a = arr(np.arange(10, dtype=np.float32))
    XP.argsort(a)
    n = B.context.dispatcher.pipeline_cache_size
    XP.argsort(arr(np.arange(20, dtype=np.float32)))
    assert B.context.dispatcher.pipeline_cache_size == n
    assert sort_ops.sort_kernel.cache_info().hits > 0


# ------------------------------------------------------------------ logcumsumexp
@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("shape,dim", [((13,), 0), ((4, 9), 1), ((4, 9), 0), ((2, 3, 5), 1),
                                       ((3, 0), 1), ((2, 3000), 1)])
def test_logcumsumexp(dtype, shape, dim):
    need(dtype)
    rng = np.random.default_rng(shape[-1])
    a = (rng.standard_normal(shape) * 20).astype(dtype)
    t = torch.logcumsumexp(torch.from_numpy(a).float(), dim=dim).to(torch.from_numpy(a).dtype)
    r = rt.logcumsumexp(gpu(a), dim=dim).cpu().numpy()
    tol = 1e-5 if dtype == "float32" else 2e-3
    np.testing.assert_allclose(r, t.numpy(), rtol=tol, atol=tol)


def test_logcumsumexp_infinities_and_nan():
    a = np.array([[-np.inf, -np.inf, 1.0, np.inf, np.nan, 2.0],
                  [np.inf, np.inf, -np.inf, 3.0, 1e-8, 80.0],
                  [1e-8, -30.0, 80.0, 80.0, -np.inf, 0.0]], np.float32)
    t = torch.logcumsumexp(torch.from_numpy(a), dim=1).numpy()
    r = B.logcumsumexp(arr(a), 1)
    np.testing.assert_allclose(host_of(r), t, rtol=1e-6, atol=0)
    v = host_of(B.logcumsumexp(arr(a).T, 0))   # a transposed view
    np.testing.assert_allclose(v, t.T, rtol=1e-6, atol=0)


def test_integer_extremes_and_uint32():
    i = np.array([2**31 - 1, -2**31, 0, -1, 1, -2**31, 2**31 - 1], np.int64)
    for desc in (False, True):
        want_v, want_i = torch_sort(i, 0, desc)
        same(host_of(XP.sort(arr(i), descending=desc)), want_v)
        same(host_of(XP.argsort(arr(i), descending=desc)), want_i)
    u = np.array([2**32 - 1, 0, 2**31, 2**31 - 1, 7, 2**32 - 1], np.uint32)
    x = B.from_buffer(u.tobytes(), rt.uint32, u.shape)
    same(host_of(XP.argsort(x)), np.argsort(u, kind="stable"))
    same(host_of(XP.sort(x, descending=True)), np.sort(u)[::-1])
    v, k = B.cum_extreme(x, 0, True)
    same(host_of(v), np.maximum.accumulate(u))


# ------------------------------------------------------------------ unique_*
@pytest.mark.parametrize("dtype", ["float32", "float16", "int64", "uint8", "bool"])
@pytest.mark.parametrize("shape", [(0,), (1,), (9,), (4, 7), (3, 3000)])
def test_unique_all_matches_numpy(dtype, shape):
    """The array API's unique_* (NumPy 2 is its reference: NaNs are distinct)."""
    need(dtype)
    a = data(dtype, shape, np.random.default_rng(shape[-1]))
    got = XP.unique_all(arr(a))
    want = np.unique_all(a)
    for field in want._fields:
        g, w = host_of(getattr(got, field)), getattr(want, field)
        assert g.shape == w.shape and g.dtype == w.dtype, field
        np.testing.assert_array_equal(g, w, err_msg=field)
    same(host_of(XP.unique_values(arr(a))), want.values)
    c = XP.unique_counts(arr(a))
    same(host_of(c.counts), want.counts)
    i = XP.unique_inverse(arr(a))
    same(host_of(i.inverse_indices), want.inverse_indices)


def test_unique_keeps_first_zero_and_splits_nan():
    a = np.array([0.0, np.nan, -0.0, np.nan, 0.0], np.float32)
    r = XP.unique_all(arr(a))
    v = host_of(r.values)
    assert v.shape == (3,) and not np.signbit(v[0]) and np.isnan(v[1:]).all()
    np.testing.assert_array_equal(host_of(r.counts), [3, 1, 1])
    np.testing.assert_array_equal(host_of(r.indices), [0, 1, 3])
