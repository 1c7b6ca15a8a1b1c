"""WebGPU round 2 (issue 8): tiled matmul / bmm, softmax, log-softmax, layer norm.

Oracles: NumPy (float64 reference) and torch.  Runs on any wgpu adapter (lavapipe
on CPU-only machines); skipped with the reason printed where none exists.
"""

import numpy as np
import pytest

import rustorch as rt

torch = pytest.importorskip("torch")
wgpu = pytest.importorskip("wgpu", reason="wgpu-py is not installed (pip install wgpu)")

from rustorch._errors import DTypeError, InvalidArgument, ShapeError  # noqa: E402
from rustorch.backends.webgpu import linalg_ops as la  # noqa: E402
from webgpu_helpers import NP, context_factory, down, up  # noqa: E402



@pytest.fixture(scope="module")
def ctx():
    return context_factory()()


def randn(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def close(got, want, tol=2e-5):
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == np.float32
    scale = max(1.0, float(np.abs(want).max())) if want.size else 1.0
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale)


# ---------------------------------------------------------------- matmul
@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (5, 7, 3), (17, 16, 15), (33, 40, 31),
                                   (64, 64, 64), (70, 33, 130), (129, 5, 65), (3, 300, 2),
                                   (4, 0, 6)])
def test_matmul_2d_any_shape_matches_numpy(ctx, m, k, n):
    rng = np.random.default_rng(m * 1000 + k * 10 + n)
    a, b = randn(rng, m, k), randn(rng, k, n)
    want = (a.astype(np.float64) @ b.astype(np.float64)).astype(np.float32)
    close(down(la.matmul(up(ctx, a), up(ctx, b))), want, tol=1e-4)


def test_matmul_k_zero_gives_zeros_even_in_a_reused_buffer(ctx):
    for _ in range(2):   # the second output may land in the first's recycled buffer
        garbage = up(ctx, np.full((8, 9), 7.0, np.float32))
        del garbage
        out = down(la.matmul(up(ctx, np.zeros((8, 0), np.float32)),
                             up(ctx, np.zeros((0, 9), np.float32))))
        assert out.shape == (8, 9) and not out.any()


def test_matmul_transposed_sliced_and_offset_views(ctx):
    rng = np.random.default_rng(1)
    a, b = randn(rng, 40, 90), randn(rng, 70, 50)
    ga, gb = up(ctx, a), up(ctx, b)
    # a.T[3:80:2, 1:] is (39, 39) with row stride 2 and column stride 90; b sliced
    va, vb = ga.T[3:80:2, 1:], gb[5:44, 2:50:3]
    want = a.T[3:80:2, 1:].astype(np.float64) @ b[5:44, 2:50:3]
    close(down(la.matmul(va, vb)), want.astype(np.float32), tol=1e-4)
    want_t = b[5:44, 2:50:3].T.astype(np.float64) @ a.T[3:80:2, 1:].T
    close(down(la.matmul(vb.T, va.T)), want_t.astype(np.float32), tol=1e-4)


@pytest.mark.parametrize("sa,sb", [((3, 4, 5), (3, 5, 6)), ((2, 1, 4, 5), (3, 5, 70)),
                                   ((4, 5), (2, 3, 5, 6)), ((2, 3, 65, 5), (5, 2)),
                                   ((5,), (2, 5, 3)), ((2, 4, 5), (5,)), ((5,), (5,)),
                                   ((1, 3, 0, 4), (2, 1, 4, 3)), ((0, 2, 3), (3, 4))])
def test_matmul_batched_broadcast_and_1d_match_torch(ctx, sa, sb):
    rng = np.random.default_rng(len(sa) * 7 + len(sb))
    a, b = randn(rng, *sa), randn(rng, *sb)
    want = torch.matmul(torch.from_numpy(a).double(), torch.from_numpy(b).double())
    close(down(la.matmul(up(ctx, a), up(ctx, b))), want.float().numpy(), tol=1e-4)


def test_matmul_batched_broadcast_view_with_permuted_batch(ctx):
    rng = np.random.default_rng(2)
    a = randn(rng, 6, 4, 3)          # used as (3, 4, 6) via permute: batch stride 1
    b = randn(rng, 1, 6, 20)         # broadcast batch dim
    ga = up(ctx, a).permute((2, 1, 0))
    want = np.matmul(a.transpose(2, 1, 0).astype(np.float64), b)
    close(down(la.matmul(ga, up(ctx, b))), want.astype(np.float32), tol=1e-4)


def test_matmul_more_workgroups_than_one_grid_dimension(ctx):
    # 70,000 batches of 1x1 tiles -> 70,000 workgroups, tiled over a 2-D grid
    rng = np.random.default_rng(3)
    a, b = randn(rng, 70000, 1, 2), randn(rng, 70000, 2, 1)
    close(down(la.bmm(up(ctx, a), up(ctx, b))), np.matmul(a, b), tol=1e-5)


def test_bmm_matches_torch_and_refuses_broadcasting(ctx):
    rng = np.random.default_rng(4)
    a, b = randn(rng, 3, 37, 20), randn(rng, 3, 20, 66)
    want = torch.bmm(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    close(down(la.bmm(up(ctx, a), up(ctx, b))), want, tol=1e-4)
    with pytest.raises(ShapeError, match=r"\[1, 20, 66\]"):
        la.bmm(up(ctx, a), up(ctx, b[:1]))
    with pytest.raises(ShapeError, match="3-D"):
        la.bmm(up(ctx, a[0]), up(ctx, b[0]))


def test_register_blocking_is_chosen_by_shape(ctx):
    assert [la._block(n) for n in (1, 31, 32, 63, 64, 1000)] == [1, 1, 2, 2, 4, 4]
    src = la.matmul_kernel(4, 4).source
    assert "array<f32, 1024>" in src and "workgroupBarrier" in src   # 64 x 16 shared tile
    with pytest.raises(InvalidArgument):
        la.matmul_kernel(3, 4)


def test_matmul_errors_name_the_shapes_and_dtypes(ctx):
    a = up(ctx, np.ones((2, 3), np.float32))
    with pytest.raises(ShapeError, match=r"\[2, 3\].*\[4, 5\]"):
        la.matmul(a, up(ctx, np.ones((4, 5), np.float32)))
    with pytest.raises(ShapeError, match="batch"):
        la.matmul(up(ctx, np.ones((2, 2, 3), np.float32)),
                  up(ctx, np.ones((3, 3, 1), np.float32)))
    with pytest.raises(ShapeError, match="at least 1 dim"):
        la.matmul(up(ctx, np.float32(1)), a)
    for dtype in (rt.int32, rt.uint32, rt.bool):
        x = up(ctx, np.ones((2, 3), NP[dtype]))
        with pytest.raises(DTypeError, match=f"float32 only, got {dtype}"):
            la.matmul(x, x.T)
        with pytest.raises(DTypeError, match="float32"):
            la.softmax(x)
        with pytest.raises(DTypeError, match="float32"):
            la.layer_norm(x)


# ---------------------------------------------------------------- softmax
def _t(x):
    return torch.from_numpy(np.ascontiguousarray(x))


@pytest.mark.parametrize("shape", [(3,), (4, 7), (2, 3, 256), (5, 1000), (2, 1), (0, 5)])
def test_softmax_and_log_softmax_last_dim_match_torch(ctx, shape):
    rng = np.random.default_rng(sum(shape))
    x = randn(rng, *shape) * 4
    gx = up(ctx, x)
    close(down(la.softmax(gx)), torch.softmax(_t(x), -1).numpy(), tol=1e-5)
    close(down(la.log_softmax(gx)), torch.log_softmax(_t(x), -1).numpy(), tol=1e-5)


def test_softmax_is_numerically_stable_and_handles_minus_inf(ctx):
    x = np.array([[1000.0, 1001.0, 999.0], [-1e4, -1e4 + 1, -1e4],
                  [0.0, -np.inf, 1.0], [88.0, 89.0, 90.0]], np.float32)
    gx = up(ctx, x)
    got, lgot = down(la.softmax(gx)), down(la.log_softmax(gx))
    assert np.isfinite(got).all()
    # the max sits far from invocation 0's elements: a partial max would overflow exp
    row = np.zeros((1, 300), np.float32)
    row[0, 299] = 200.0
    close(down(la.softmax(up(ctx, row))), torch.softmax(_t(row), -1).numpy(), tol=1e-5)
    close(down(la.log_softmax(up(ctx, row))), torch.log_softmax(_t(row), -1).numpy(), tol=1e-5)
    close(got, torch.softmax(_t(x), -1).numpy(), tol=1e-5)
    want_log = torch.log_softmax(_t(x), -1).numpy()
    assert np.isneginf(lgot[2, 1]) and np.isneginf(want_log[2, 1])
    fin = np.isfinite(want_log)
    close(lgot[fin], want_log[fin], tol=1e-5)


def test_softmax_strided_input_and_other_dims(ctx):
    rng = np.random.default_rng(5)
    x = randn(rng, 6, 300, 4)
    gx = up(ctx, x)
    for dim in (0, 1, -1, -2):
        close(down(la.softmax(gx, dim)), torch.softmax(_t(x), dim).numpy(), tol=1e-5)
        close(down(la.log_softmax(gx, dim)), torch.log_softmax(_t(x), dim).numpy(), tol=1e-5)
    view = gx.permute((2, 0, 1))[1:, :, 3:290:2]      # strided, offset
    ref = x.transpose(2, 0, 1)[1:, :, 3:290:2]
    close(down(la.softmax(view)), torch.softmax(_t(ref), -1).numpy(), tol=1e-5)
    close(down(la.softmax(up(ctx, np.float32(3.0)))), np.float32(1.0))
    with pytest.raises(InvalidArgument, match="dim 3"):
        la.softmax(gx, 3)


def test_softmax_more_rows_than_one_grid_dimension(ctx):
    rng = np.random.default_rng(6)
    x = randn(rng, 70000, 3)
    close(down(la.softmax(up(ctx, x))), torch.softmax(_t(x), -1).numpy(), tol=1e-5)


# ---------------------------------------------------------------- layer norm
@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 4, 256), (3, 1000), (4, 1)])
@pytest.mark.parametrize("affine", ["none", "weight", "bias", "both"])
def test_layer_norm_matches_torch(ctx, shape, affine):
    rng = np.random.default_rng(len(shape) + shape[-1])
    x = randn(rng, *shape) * 3 + 5          # nonzero mean: tests the two-pass variance
    L = shape[-1]
    w = randn(rng, L) if affine in ("weight", "both") else None
    b = randn(rng, L) if affine in ("bias", "both") else None
    want = torch.nn.functional.layer_norm(
        _t(x), (L,), None if w is None else _t(w), None if b is None else _t(b), eps=1e-3)
    got = la.layer_norm(up(ctx, x), None if w is None else up(ctx, w),
                        None if b is None else up(ctx, b), eps=1e-3)
    close(down(got), want.numpy(), tol=2e-5)


def test_layer_norm_strided_input_and_weight(ctx):
    rng = np.random.default_rng(7)
    x, w, b = randn(rng, 300, 8), randn(rng, 2, 300), randn(rng, 300)
    gx, gw = up(ctx, x).T, up(ctx, w)[1]               # transposed x, offset weight
    want = torch.nn.functional.layer_norm(_t(x.T), (300,), _t(w[1]), _t(b))
    close(down(la.layer_norm(gx, gw, up(ctx, b))), want.numpy(), tol=2e-5)


def test_layer_norm_errors(ctx):
    x = up(ctx, np.ones((2, 4), np.float32))
    with pytest.raises(ShapeError, match=r"weight has shape \[3\], expected \(4,\)"):
        la.layer_norm(x, up(ctx, np.ones(3, np.float32)))
    with pytest.raises(InvalidArgument, match="eps"):
        la.layer_norm(x, eps=-1.0)
    with pytest.raises(ShapeError, match="0-d"):
        la.layer_norm(up(ctx, np.float32(1)))
    # constant rows: variance 0 -> (x - mean) = 0, finite thanks to eps
    assert not down(la.layer_norm(x)).any()
