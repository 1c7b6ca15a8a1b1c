"""WebGPU reductions and scans (issue 8, round 2): rustorch/backends/webgpu/reduce_ops.py.

Oracles: NumPy (with the same 32-bit accumulator dtype, so integer wraparound
matches) and torch for NaN / tie semantics of max, min, argmax and argmin.
Inputs are transposed, sliced with steps and broadcast, for every WGSL dtype.
"""

import numpy as np
import pytest

import rustorch as rt

torch = pytest.importorskip("torch")
wgpu = pytest.importorskip("wgpu", reason="wgpu-py is not installed (pip install wgpu)")

from rustorch._errors import DTypeError, IndexOutOfRange, InvalidArgument, InvalidType  # noqa: E402
from webgpu_helpers import NP, context_factory, down, up  # noqa: E402
from rustorch.backends.webgpu import reduce_ops as R  # noqa: E402

DTYPES = [rt.float32, rt.int32, rt.uint32, rt.bool, rt.float16]
FLOATS = (rt.float32, rt.float16)


def need(ctx, dtype):
    if dtype is rt.float16 and "shader-f16" not in ctx.adapter.features:
        pytest.skip("this adapter lacks 'shader-f16'")


@pytest.fixture(scope="module")
def ctx():
    return context_factory()()


def sample(dtype, shape, rng):
    if dtype is rt.bool:
        return rng.random(shape) > 0.3
    if dtype is rt.int32:
        return rng.integers(-4, 5, shape).astype(np.int32)
    if dtype is rt.uint32:
        return rng.integers(0, 5, shape).astype(np.uint32)
    return rng.standard_normal(shape).astype(NP[dtype])


def views(ctx, base):
    """(GPU view, the same view in NumPy): transposed, step-sliced, broadcast."""
    g = up(ctx, base)
    yield g.permute((2, 0, 1)), base.transpose(2, 0, 1)
    yield g[:, ::2, 1:], base[:, ::2, 1:]
    row = base[:1]
    yield up(ctx, row).broadcast_to(base.shape), np.broadcast_to(row, base.shape)


def np_reduce(name, x, axis, keepdims):
    if name in ("sum", "prod"):
        acc = {np.uint32: np.uint32, np.float32: np.float32,
               np.float16: np.float32}.get(x.dtype.type, np.int32)
        return getattr(np, name)(x.astype(acc), axis=axis, keepdims=keepdims, dtype=acc)
    if name == "mean":
        return np.mean(x.astype(np.float32), axis=axis, keepdims=keepdims)
    if name in ("max", "min"):
        return getattr(np, name)(x, axis=axis, keepdims=keepdims)
    return getattr(np, name)(x != 0, axis=axis, keepdims=keepdims)


DIMS = [(None, False), (1, False), ((0, 2), True), (-1, True), ((), False), ((2, 0, 1), False)]


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "max", "min", "all", "any"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
def test_reduce_matches_numpy_on_strided_views(ctx, name, dtype):
    need(ctx, dtype)
    rng = np.random.default_rng(1)
    base = sample(dtype, (4, 6, 5), rng)
    if name == "mean" and dtype not in FLOATS:
        with pytest.raises(DTypeError, match="mean"):
            R.mean(up(ctx, base))
        return
    for gview, nview in views(ctx, base):
        for dim, keepdim in DIMS:
            got = getattr(R, name)(gview, dim, keepdim)
            axis = tuple(d % 3 for d in dim) if isinstance(dim, tuple) else dim
            if axis == () and name not in ("all", "any"):
                axis = None   # torch reduces every dim for dim=() (but not all/any)
            want = np_reduce(name, nview, axis, keepdim)
            want = np.asarray(want)
            assert got.shape == want.shape, (name, dim, keepdim)
            if name in ("sum", "prod") and dtype is rt.bool:
                assert got.dtype is rt.int32      # torch: int64; WGSL: int32
            g = down(got)
            if dtype is rt.float16 and name in ("sum", "mean", "prod"):
                assert got.dtype is rt.float16
                np.testing.assert_allclose(g, want.astype(np.float16), rtol=2e-3, atol=2e-3)
            elif dtype is rt.float32 and name in ("sum", "mean", "prod"):
                np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-5)
            else:
                np.testing.assert_array_equal(g, want.astype(g.dtype))


@pytest.mark.parametrize("name", ["sum", "max", "argmax", "argmin", "all"])
def test_multi_pass_reduction(ctx, name, monkeypatch):
    """Reduced extents beyond one workgroup's chunk take several passes."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 9000)).astype(np.float32)
    x[1, 5000] = x[1].max() + 1   # argmax lands in a later chunk
    x[2, 7777] = x[2].min() - 1
    g = up(ctx, x)
    for chunk in (R.CHUNK, 64):   # 64: three passes (9000 -> 141 -> 3 -> 1)
        monkeypatch.setattr(R, "CHUNK", chunk)
        before = ctx.dispatcher.dispatches
        got = down(getattr(R, name)(g.T, 0))   # a transposed view: reduced dim has stride 1
        passes = ctx.dispatcher.dispatches - before
        assert passes == (3 if chunk == 64 else 2)   # 9000 -> 5 -> 1 with 2048 per chunk
        want = {"sum": lambda a: a.sum(1), "max": lambda a: a.max(1),
                "argmax": lambda a: a.argmax(1), "argmin": lambda a: a.argmin(1),
                "all": lambda a: (a != 0).all(1)}[name](x)
        if name == "sum":
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)
        else:
            np.testing.assert_array_equal(got, want)


def test_integer_sum_wraps_around_int32(ctx):
    x = np.full(8, 2 ** 30, np.int32)        # sum 2**33 wraps to 0
    assert down(R.sum(up(ctx, x))) == 0
    x = np.array([2 ** 31 - 1, 1, 5], np.int32)
    assert down(R.sum(up(ctx, x))) == np.int32(-2 ** 31 + 5)
    u = np.array([2 ** 32 - 1, 3], np.uint32)
    assert down(R.sum(up(ctx, u))) == 2
    p = np.full(33, 2, np.int32)             # 2**33 wraps to 0
    assert down(R.prod(up(ctx, p))) == 0


def test_max_min_propagate_nan_like_torch(ctx):
    x = np.array([[1.0, np.nan, 3.0], [np.inf, -np.inf, 2.0], [-1, -1, -1]], np.float32)
    g, t = up(ctx, x), torch.from_numpy(x)
    for dim in (0, 1):
        for name, tfn in (("max", torch.amax), ("min", torch.amin)):
            np.testing.assert_array_equal(down(getattr(R, name)(g, dim)), tfn(t, dim).numpy())
    assert np.isnan(down(R.amax(g)))
    big = np.arange(5000, dtype=np.float32)
    big[4321] = np.nan                       # NaN in a later chunk / pass
    assert np.isnan(down(R.amin(up(ctx, big))))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
def test_argmax_argmin_match_torch(ctx, dtype):
    need(ctx, dtype)
    rng = np.random.default_rng(3)
    base = sample(dtype, (5, 7, 6), rng)     # few distinct values: many ties
    tdtype = {rt.uint32: torch.int64, rt.bool: torch.uint8}.get(dtype)
    for gview, nview in views(ctx, base):
        t = torch.from_numpy(np.ascontiguousarray(nview).astype(np.int64)
                             if tdtype is not None else np.ascontiguousarray(nview))
        for name in ("argmax", "argmin"):
            for dim in (None, 0, 1, -1):
                for keepdim in (False, True):
                    got = getattr(R, name)(gview, dim, keepdim)
                    want = getattr(torch, name)(t, dim, keepdim).numpy()
                    assert got.dtype is rt.int32
                    assert got.shape == want.shape, (name, dim, keepdim)
                    np.testing.assert_array_equal(down(got), want, err_msg=f"{name} {dim}")


def test_argmax_first_index_on_ties_and_nan(ctx):
    x = np.zeros(6000, np.float32)
    x[[10, 3000, 5999]] = 7.0
    assert down(R.argmax(up(ctx, x))) == 10
    assert down(R.argmin(up(ctx, x))) == 0
    x[[4000, 4500]] = np.nan                 # the first NaN wins both
    t = torch.from_numpy(x)
    assert down(R.argmax(up(ctx, x))) == torch.argmax(t).item() == 4000
    assert down(R.argmin(up(ctx, x))) == torch.argmin(t).item() == 4000
    m = np.array([[np.nan, 1, np.nan], [2, 2, 1]], np.float32)
    t = torch.from_numpy(m)
    for dim in (0, 1):
        np.testing.assert_array_equal(down(R.argmax(up(ctx, m), dim)), torch.argmax(t, dim))
        np.testing.assert_array_equal(down(R.argmin(up(ctx, m), dim)), torch.argmin(t, dim))


@pytest.mark.parametrize("blocked", [False, True], ids=["per_line", "blocked"])
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
def test_scans_match_numpy(ctx, name, dtype, blocked, monkeypatch):
    need(ctx, dtype)
    if blocked:   # force the blocked (shared-memory) scan on short lines too
        monkeypatch.setattr(R, "BLOCKED_MIN_LEN", 1)
    rng = np.random.default_rng(4)
    base = sample(dtype, (3, 5, 4), rng)
    acc = {rt.float32: np.float32, rt.float16: np.float32,
           rt.uint32: np.uint32}.get(dtype, np.int32)
    for gview, nview in views(ctx, base):
        for dim in (0, 1, -1):
            got = getattr(R, name)(gview, dim)
            want = getattr(np, name)(nview.astype(acc), axis=dim, dtype=acc)
            assert got.shape == want.shape and got.dtype is (rt.int32 if dtype is rt.bool
                                                               else dtype)
            if dtype is rt.float16:   # accumulated in f32, each output rounded once
                np.testing.assert_allclose(down(got), want.astype(np.float16),
                                           rtol=2e-3, atol=2e-3)
            elif dtype is rt.float32:
                np.testing.assert_allclose(down(got), want, rtol=1e-5, atol=1e-5)
            else:
                np.testing.assert_array_equal(down(got), want)


def test_scan_wraps_and_matches_torch(ctx):
    x = np.full(4, 2 ** 30, np.int32)
    np.testing.assert_array_equal(down(R.cumsum(up(ctx, x), 0)),
                                  np.array([2 ** 30, -2 ** 31, -2 ** 30, 0], np.int32))
    f = np.random.default_rng(5).standard_normal((6, 300)).astype(np.float32)
    np.testing.assert_allclose(down(R.cumsum(up(ctx, f).T, 0)),
                               torch.cumsum(torch.from_numpy(f).T, 0).numpy(),
                               rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("n", [256, 257, 70000])
def test_blocked_scan_long_lines(ctx, n, monkeypatch):
    """Several blocks and levels of block totals (70000 -> 274 -> 2 blocks)."""
    monkeypatch.setattr(R, "BLOCKED_MIN_LEN", 200)
    calls = []
    real = R._scan_lines
    monkeypatch.setattr(R, "_scan_lines", lambda *a: calls.append(a[1].shape) or real(*a))
    i = (np.arange(n, dtype=np.int32) % 7) - 3
    np.testing.assert_array_equal(down(R.cumsum(up(ctx, i), 0)), np.cumsum(i, dtype=np.int32))
    f = np.random.default_rng(6).standard_normal((2, n)).astype(np.float32)
    got = down(R.cumsum(up(ctx, f).T, 0))   # strided, scanned dim first
    np.testing.assert_allclose(got, np.cumsum(f.T.astype(np.float64), 0), rtol=1e-4, atol=2e-3)
    b = np.ones(n, np.bool_)
    b[::5] = False
    np.testing.assert_array_equal(down(R.cumsum(up(ctx, b), -1)), np.cumsum(b, dtype=np.int32))
    p = np.ones(n, np.float32)
    p[n // 2] = -1.0
    np.testing.assert_array_equal(down(R.cumprod(up(ctx, p), 0)), np.cumprod(p))
    assert (1, n) in calls                                   # the blocked path ran
    assert ((1, -(-n // R.WG)) in calls) == (n > R.WG)       # ... and scanned block totals


def test_empty_and_zero_dim(ctx):
    e = up(ctx, np.zeros((0, 3), np.float32))
    np.testing.assert_array_equal(down(R.sum(e, 0)), np.zeros(3, np.float32))
    np.testing.assert_array_equal(down(R.prod(e, 0)), np.ones(3, np.float32))
    assert np.isnan(down(R.mean(e, 0))).all()           # torch: nan
    assert down(R.sum(e, 1)).shape == (0,)
    assert down(R.argmax(e, 1)).shape == (0,)
    np.testing.assert_array_equal(down(R.all(e, 0)), [True] * 3)
    np.testing.assert_array_equal(down(R.any(e, 0)), [False] * 3)
    assert down(R.cumsum(e, 0)).shape == (0, 3)
    s = up(ctx, np.array(2.5, np.float32))
    assert down(R.sum(s)) == 2.5 and down(R.amax(s, 0, True)).shape == ()
    assert down(R.argmax(s)) == 0 and down(R.cumprod(s, -1)) == 2.5
    assert down(R.argmax(up(ctx, np.ones((2, 3), np.float32)), None, True)).shape == (1, 1)


def test_many_outputs_tile_the_grid(ctx):
    """More than 65,535 workgroups (one per output) are tiled over a 2-D grid."""
    x = np.arange(70000 * 2, dtype=np.int32).reshape(70000, 2)
    np.testing.assert_array_equal(down(R.sum(up(ctx, x), 1)), x.sum(1, dtype=np.int32))


def test_errors(ctx):
    g = up(ctx, np.zeros((2, 3), np.float32))
    with pytest.raises(IndexOutOfRange, match="dim 2"):
        R.sum(g, 2)
    with pytest.raises(InvalidArgument, match="more than once"):
        R.sum(g, (1, -1))
    with pytest.raises(InvalidType):
        R.sum(g, 1.0)
    with pytest.raises(InvalidType):
        R.argmax(g, (0, 1))
    with pytest.raises(InvalidArgument, match="size 0"):
        R.amax(up(ctx, np.zeros((0, 3), np.float32)), 0)
    with pytest.raises(InvalidArgument, match="empty"):
        R.argmin(up(ctx, np.zeros((0, 3), np.float32)))
    with pytest.raises(DTypeError, match="mean"):
        R.mean(up(ctx, np.zeros(3, np.int32)))
    with pytest.raises(InvalidType):
        R.sum(np.zeros(3))
    with pytest.raises(InvalidType):
        R.cumsum(g, None)


def test_dim_semantics_match_torch(ctx):
    """dim=None, dim=() (torch reduces all, except for all/any), lists, keepdim.
    (prod is left to the NumPy test: torch.prod takes one int dim only.)"""
    x = np.random.default_rng(7).standard_normal((3, 4, 2)).astype(np.float32)
    g, t = up(ctx, x).permute((1, 0, 2)), torch.from_numpy(x).permute(1, 0, 2)
    fns = {"sum": torch.sum, "mean": torch.mean, "max": torch.amax, "min": torch.amin, "all": torch.all, "any": torch.any}
    for name, tfn in fns.items():
        for dim in (None, (), [0, 2], (-1,)):
            for keepdim in (False, True):
                if dim is None:
                    if keepdim:
                        continue      # torch's full reductions take no keepdim
                    want = tfn(t)
                else:
                    want = tfn(t, dim=dim, keepdim=keepdim)
                got = getattr(R, name)(g, dim, keepdim)
                assert got.shape == tuple(want.shape), (name, dim, keepdim)
                np.testing.assert_allclose(down(got), want.numpy(), rtol=1e-5, atol=1e-6)
