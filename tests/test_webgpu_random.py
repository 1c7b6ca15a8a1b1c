"""WebGPU random numbers and optimizer steps in WGSL (issue 8): Philox4x32-10
words (shaders/philox.wgsl) bit-identical to the CPU backend, and the fused
Adam / AdamW step (shaders/adam.wgsl) bit-identical to the composed fallback
on this device and close to torch.  Every test asserts no host path."""
import numpy as np
import pytest

import rustorch as rt

torch = pytest.importorskip("torch")
pytest.importorskip("wgpu", reason="wgpu-py is not installed (pip install wgpu)")

from rustorch.backends.fallbacks import ComposedKernels  # noqa: E402
from rustorch.random_philox import philox_block  # noqa: E402
from webgpu_helpers import no_host_fallbacks, webgpu_backend as b  # noqa: E402,F401

pytestmark = pytest.mark.usefixtures("b", "no_host_fallbacks")


def words(b, x):
    assert x.dtype is rt.uint32
    return np.frombuffer(x.to_bytes(), np.uint32)


# ---------------------------------------------------------------- philox
@pytest.mark.parametrize("seed,offset,n", [
    (0, 0, 1), (0, 0, 4), (42, 4, 7), (2 ** 32 + 5, 12, 1023),
    (2 ** 64 - 1, 0, 258), (123456789, 4 * (2 ** 32 - 3), 41),   # counter carries into hi
    (7, 4 * 2 ** 40, 9), (99, 0, 0)])
def test_random_bits_match_cpu(b, seed, offset, n):
    got = words(b, b.random_bits(seed, offset, n))
    want = np.asarray(rt.backends.get("cpu").random_bits(seed, offset, n))
    assert got.shape == (n,)
    np.testing.assert_array_equal(got, want)


def test_random_bits_scalar_reference(b):
    got = words(b, b.random_bits(2024, 40, 8))
    want = [w for blk in (10, 11) for w in philox_block(2024, blk)]
    assert got.tolist() == want


def test_random_bits_beyond_65535_workgroups(b):
    n = 65535 * 256 + 6      # more words than 65,535 workgroups x 256 invocations
    got = words(b, b.random_bits(31337, 8, n))
    want = np.asarray(rt.backends.get("cpu").random_bits(31337, 8, n))
    np.testing.assert_array_equal(got, want)


def test_random_tensors_match_cpu(b):
    for fn in (rt.rand, rt.randn):
        rt.manual_seed(5)
        g = fn(3, 1001, device="webgpu")
        rt.manual_seed(5)
        c = fn(3, 1001)
        np.testing.assert_allclose(g.cpu().numpy(), c.numpy(), rtol=1e-6, atol=1e-6)


def test_random_bits_bad_offset(b):
    with pytest.raises(ValueError):
        b.random_bits(1, 2, 8)


# ---------------------------------------------------------------- adam
def up(b, a):
    a = np.ascontiguousarray(a, dtype=np.float32)
    return b.from_buffer(a.tobytes(), rt.float32, a.shape)


def down(x):
    return np.frombuffer(x.to_bytes(), np.float32).reshape(x.shape)


KW = [dict(weight=0.1, weight_decay=0, decay=None, maximize=False),
      dict(weight=0.7, weight_decay=0.1, decay=None, maximize=True),     # lerp's other formula
      dict(weight=0.4, weight_decay=0, decay=0.999, maximize=False)]


@pytest.mark.parametrize("kw", KW)
@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_adam_step_matches_fallback_bits(b, kw, amsgrad, layout):
    rng = np.random.default_rng(0)
    shape = (37, 290)          # > 1 workgroup
    host = [rng.standard_normal(shape), rng.standard_normal(shape),
            rng.standard_normal(shape) * 0.1, rng.random(shape) * 0.01, rng.random(shape) * 0.02]
    host[1].flat[5] = np.nan   # NaN propagates like the op-by-op path

    def make():
        if layout == "transposed":
            return [up(b, a.T).permute((1, 0)) for a in host]
        return [up(b, a) for a in host]
    A, B = make(), make()
    args = lambda X: ([X[0]], [X[1]], [X[2]], [X[3]], [X[4]] if amsgrad else None,  # noqa: E731
                      [0.013], [0.31])
    want = ComposedKernels.adam_step(b, *args(A), beta2=0.999, eps=1e-8, **kw)[0]
    got = b.adam_step(*args(B), beta2=0.999, eps=1e-8, **kw)[0]
    assert got[0] is B[0] and got[1] is B[2]        # updated in place
    for g, w in zip(got, want):
        if w is None:
            assert g is None
            continue
        np.testing.assert_array_equal(down(g), down(w))


def test_adam_training_matches_torch(b):
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((13, 7)).astype(np.float32)
    x = rng.standard_normal((5, 13)).astype(np.float32)

    def run(m, dev, **kw):
        w = m.tensor(w0, device=dev).requires_grad_()
        xx = m.tensor(x, device=dev)
        opt = m.optim.AdamW([w], lr=0.01, amsgrad=True, **kw)
        for _ in range(20):
            opt.zero_grad()
            ((xx @ w).tanh() ** 2).sum().backward()
            opt.step()
        return w.detach().cpu().numpy()
    np.testing.assert_allclose(run(rt, "webgpu"), run(torch, "cpu"), rtol=1e-5, atol=1e-5)
