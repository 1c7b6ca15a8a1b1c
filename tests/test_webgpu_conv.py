"""WebGPU conv/pool family (issue 8): im2col, col2im, max_pool in WGSL
(rustorch/backends/webgpu/conv_ops.py, shaders/im2col.wgsl, col2im.wgsl,
maxpool.wgsl), and conv/pool layers built on them.

Oracles: torch (unfold / fold / max_pool / conv, forward and backward) and the
composed fallbacks run on the CPU backend (1-D/3-D im2col, fill values,
integer dtypes).  Every test asserts that nothing took the host path.
"""
import numpy as np
import pytest

import rustorch as rt

torch = pytest.importorskip("torch")
pytest.importorskip("wgpu", reason="wgpu-py is not installed (pip install wgpu)")

from rustorch.backends.fallbacks import ComposedKernels  # noqa: E402
from webgpu_helpers import no_host_fallbacks, webgpu_backend as b  # noqa: E402,F401

pytestmark = pytest.mark.usefixtures("b", "no_host_fallbacks")


NPD = {np.float32: rt.float32, np.int32: rt.int32, np.int64: rt.int64, np.uint8: rt.uint8,
       np.float16: rt.float16}


def up(b, a):
    a = np.ascontiguousarray(a)
    return b.from_buffer(a.tobytes(), NPD[a.dtype.type], a.shape)


def down(b, x):
    return np.asarray(b.to_numpy(x))


def cpu():
    return rt.backends.get("cpu")


def pads(p):
    return tuple((v, v) for v in p)


# ---------------------------------------------------------------- im2col
CASES_2D = [  # (N, C, H, W), kernel, dilation, padding, stride
    ((1, 1, 5, 5), (3, 3), (1, 1), (0, 0), (1, 1)),
    ((2, 3, 7, 6), (2, 3), (1, 2), (1, 0), (2, 1)),
    ((3, 2, 9, 11), (3, 2), (2, 1), (2, 1), (1, 3)),
    ((1, 5, 4, 4), (4, 4), (1, 1), (0, 0), (1, 1)),
    ((2, 1, 8, 3), (1, 1), (1, 1), (0, 0), (2, 2)),
    ((1, 2, 33, 40), (5, 5), (1, 1), (2, 2), (1, 1)),     # > 1 workgroup
]


@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced"])
def test_im2col_matches_torch_unfold(b, case, layout):
    shape, k, d, p, s = case
    rng = np.random.default_rng(1)
    a = rng.standard_normal(shape).astype(np.float32)
    x = up(b, a)
    if layout == "transposed":   # same values, spatial dims stored swapped
        x = up(b, np.ascontiguousarray(a.transpose(0, 1, 3, 2))).permute((0, 1, 3, 2))
    elif layout == "sliced":     # a strided window of a larger array
        big = np.zeros((shape[0], shape[1] + 1, shape[2] * 2, shape[3] + 2), np.float32)
        big[:, 1:, ::2, 1:-1] = a
        x = up(b, big)[:, 1:, ::2, 1:-1]
    got = down(b, b.im2col(x, k, d, pads(p), s))
    want = torch.nn.functional.unfold(torch.from_numpy(a), k, d, p, s).numpy()
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("shape,k,d,p,s", [
    ((2, 3, 10), (3,), (2,), ((1, 2),), (2,)),
    ((1, 2, 5, 6, 7), (2, 3, 2), (1, 1, 2), ((1, 0), (0, 1), (1, 1)), (1, 2, 1)),
    ((2, 1, 6, 6), (3, 3), (1, 1), ((-1, 0), (2, -2)), (1, 1)),    # crops and pads
])
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.int64, np.uint8, np.float16])
def test_im2col_nd_and_dtypes_match_fallback(b, shape, k, d, p, s, dtype):
    rng = np.random.default_rng(2)
    a = (rng.standard_normal(shape) * 50).astype(dtype)
    if dtype is np.float16 and rt.float16 not in b.caps.dtypes:
        pytest.skip("this adapter lacks shader-f16")
    value = 7 if dtype in (np.int32, np.int64, np.uint8) else -2.5
    got = down(b, b.im2col(up(b, a), k, d, p, s, value))
    want = np.asarray(ComposedKernels.im2col(cpu(), a, k, d, p, s, value))
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_im2col_empty(b):
    x = up(b, np.zeros((0, 3, 5, 5), np.float32))
    assert b.im2col(x, (2, 2), (1, 1), pads((0, 0)), (1, 1)).shape == (0, 12, 16)
    y = up(b, np.ones((1, 2, 2, 2), np.float32))      # no window fits
    assert b.im2col(y, (3, 3), (1, 1), pads((0, 0)), (1, 1)).shape == (1, 18, 0)


def test_im2col_beyond_65535_workgroups(b):
    """One invocation per window: 16.8M windows need more than 65,535
    workgroups of 256 (a 2-D grid); the padded border takes the fill value."""
    a = np.random.default_rng(3).standard_normal((1, 1, 4100, 4100)).astype(np.float32)
    got = down(b, b.im2col(up(b, a), (1, 1), (1, 1), pads((1, 1)), (1, 1)))
    assert got.shape[2] > 65535 * 256
    want = torch.nn.functional.unfold(torch.from_numpy(a), 1, padding=1).numpy()
    np.testing.assert_array_equal(got, want)


def test_col2im_beyond_65535_workgroups(b):
    cols = np.random.default_rng(3).standard_normal((1, 2, 2050 * 4100)).astype(np.float32)
    got = down(b, b.col2im(up(b, cols), (2052, 4102), (1, 1), (1, 1), pads((-1, -1)), (1, 1)))
    assert got.size > 65535 * 256
    want = torch.nn.functional.fold(torch.from_numpy(cols), (2050, 4100), 1)
    np.testing.assert_array_equal(got, np.pad(want.numpy().reshape(1, 2, 2050, 4100),
                                             ((0, 0), (0, 0), (1, 1), (1, 1))))


# ---------------------------------------------------------------- col2im
@pytest.mark.parametrize("case", CASES_2D)
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_col2im_matches_torch_fold(b, case, layout):
    (n, c, h, w), k, d, p, s = case
    size = (h, w)
    blocks = [(size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2)]
    rng = np.random.default_rng(4)
    cols = rng.standard_normal((n, c * k[0] * k[1], blocks[0] * blocks[1])).astype(np.float32)
    g = up(b, cols)
    if layout == "transposed":
        g = up(b, np.ascontiguousarray(cols.transpose(0, 2, 1))).permute((0, 2, 1))
    got = down(b, b.col2im(g, size, k, d, pads(p), s))
    want = torch.nn.functional.fold(torch.from_numpy(cols), size, k, d, p, s).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("size,k,d,p,s", [
    ((10,), (3,), (2,), ((1, 2),), (2,)),
    ((5, 6, 7), (2, 3, 2), (1, 1, 2), ((1, 0), (0, 1), (1, 1)), (1, 2, 1)),
    ((6, 6), (3, 3), (1, 1), ((-1, 0), (2, -2)), (1, 1)),
])
def test_col2im_nd_matches_fallback(b, size, k, d, p, s):
    from rustorch.backends.fallbacks import _prod, _window_counts
    outs = _window_counts(tuple(n + lo + hi for n, (lo, hi) in zip(size, p)), k, d, s)
    cols = np.random.default_rng(5).standard_normal((2, 3 * _prod(k), _prod(outs)))
    cols = cols.astype(np.float32)
    got = down(b, b.col2im(up(b, cols), size, k, d, p, s))
    want = np.asarray(ComposedKernels.col2im(cpu(), cols, size, k, d, p, s))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------- max_pool
@pytest.mark.parametrize("shape,k,d,p,s", [
    ((2, 3, 9), (3,), (1,), (1,), (2,)),
    ((2, 3, 9, 8), (3, 2), (1, 2), (1, 1), (2, 1)),
    ((1, 2, 33, 35), (2, 2), (1, 1), (0, 0), (2, 2)),
    ((1, 2, 5, 6, 7), (2, 3, 2), (2, 1, 1), (1, 1, 0), (1, 2, 2)),
])
def test_max_pool_matches_torch(b, shape, k, d, p, s):
    rng = np.random.default_rng(6)
    a = rng.standard_normal(shape).astype(np.float32)
    a.flat[::7] = a.flat[3]               # ties: the first maximum wins
    fn = getattr(torch.nn.functional, f"max_pool{len(k)}d")
    wv, wi = fn(torch.from_numpy(a), k, s, p, d, return_indices=True)
    v, i = b.max_pool(up(b, a), k, d, pads(p), s)
    assert i.dtype is rt.int64 and v.dtype is rt.float32
    np.testing.assert_array_equal(down(b, v), wv.numpy())
    np.testing.assert_array_equal(down(b, i), wi.numpy())


def test_max_pool_nan_inf_and_ints(b):
    a = np.full((1, 1, 4, 4), -np.inf, np.float32)
    a[0, 0, 1, 1] = np.nan
    wv, wi = torch.nn.functional.max_pool2d(torch.from_numpy(a), 2, 2, 1, return_indices=True)
    v, i = b.max_pool(up(b, a), (2, 2), (1, 1), pads((1, 1)), (2, 2))
    np.testing.assert_array_equal(down(b, v), wv.numpy())
    np.testing.assert_array_equal(down(b, i), wi.numpy())
    ai = np.random.default_rng(7).integers(-100, 100, (2, 3, 7, 5)).astype(np.int64)
    v, i = b.max_pool(up(b, ai), (2, 3), (1, 1), pads((1, 1)), (2, 1))
    wv, wi = ComposedKernels.max_pool(cpu(), ai, (2, 3), (1, 1), pads((1, 1)), (2, 1))
    assert v.dtype is rt.int64
    np.testing.assert_array_equal(down(b, v), np.asarray(wv))
    np.testing.assert_array_equal(down(b, i), np.asarray(wi))


# ---------------------------------------------------------------- layers
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_conv_and_pool_layers_forward_backward(b, nd):
    rng = np.random.default_rng(8)
    xs = (2, 3) + (9, 8, 7)[:nd]
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal((4, 3) + (3, 2, 2)[:nd]).astype(np.float32) * 0.3
    kw = dict(stride=(2, 1, 1)[:nd], padding=(1, 0, 1)[:nd], dilation=(1, 2, 1)[:nd])

    def run(m, dev=None):
        conv = getattr(m.nn.functional, f"conv{nd}d")
        pool = getattr(m.nn.functional, f"max_pool{nd}d")
        tx = m.tensor(x) if dev is None else m.tensor(x, device=dev)
        tw = m.tensor(w) if dev is None else m.tensor(w, device=dev)
        tx.requires_grad_()
        tw.requires_grad_()
        y = pool(conv(tx, tw, **kw), 2, ceil_mode=True)
        (y * y).sum().backward()
        return [t.detach().cpu().numpy() for t in (y, tx.grad, tw.grad)]
    for got, want in zip(run(rt, "webgpu"), run(torch)):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-4)


# ---------------------------------------------------------------- layer norm
@pytest.mark.parametrize("shape,k,affine,layout", [
    ((4, 7), 1, True, "contiguous"), ((3, 4, 5, 6), 2, True, "contiguous"),
    ((2, 3, 300), 1, False, "contiguous"), ((3, 6, 5), 1, True, "sliced"),
    ((5, 4, 3), 2, False, "transposed"), ((0, 8), 1, True, "contiguous")])
def test_layer_norm_matches_torch(b, shape, k, affine, layout):
    rng = np.random.default_rng(9)
    a = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
    ns = shape[len(shape) - k:]
    w = rng.standard_normal(ns).astype(np.float32) if affine else None
    bias = rng.standard_normal(ns).astype(np.float32) if affine else None
    x, ta = up(b, a), torch.from_numpy(a)
    if layout == "sliced":
        x, ta = x[:, ::2], ta[:, ::2]
    elif layout == "transposed":
        x = up(b, np.ascontiguousarray(a.transpose(2, 1, 0))).permute((2, 1, 0))
    y, mean, rstd = b.layer_norm(x, k, None if w is None else up(b, w),
                                 None if bias is None else up(b, bias), 1e-5)
    want = torch.native_layer_norm(ta, ns, None if w is None else torch.from_numpy(w),
                                   None if bias is None else torch.from_numpy(bias), 1e-5)
    lead = tuple(ta.shape[:ta.ndim - k])
    for got, exp in zip((y, mean, rstd), want):
        exp = exp.numpy().reshape(exp.shape if exp.shape == ta.shape else lead + (1,) * k)
        assert got.shape == exp.shape
        np.testing.assert_allclose(down(b, got), exp, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape,axis,keepdims", [
    ((7, 300), (1,), False), ((3, 4, 5), (0, 2), True), ((3, 4, 5), (0,), False),
    ((2, 3, 4), (0, 1, 2), False), ((4, 1), (1,), True), ((0, 3), (1,), False)])
def test_logsumexp_and_softmax_match_torch(b, shape, axis, keepdims):
    rng = np.random.default_rng(10)
    a = (rng.standard_normal(shape) * 30).astype(np.float32)
    if a.size > 8:
        a.reshape(-1)[:3] = [-np.inf, np.inf, np.nan]
    ta = torch.from_numpy(a)
    got = down(b, b.logsumexp(up(b, a), axis, keepdims))
    np.testing.assert_allclose(got, torch.logsumexp(ta, axis, keepdims).numpy(),
                               rtol=1e-5, atol=1e-5)
    x = up(b, a)[..., ::-1] if a.ndim else up(b, a)        # a flipped (strided) view
    for name in ("softmax", "log_softmax"):
        want = getattr(torch, name)(ta.flip(-1), axis[0]).numpy()
        np.testing.assert_allclose(down(b, getattr(b, name)(x, axis[0])), want,
                                   rtol=1e-5, atol=1e-5)
