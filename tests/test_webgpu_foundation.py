"""The WebGPU backend's foundation (issue 8): adapter, pool, dispatch, kernels, views.

Runs on any wgpu adapter (lavapipe on CPU-only machines); skipped with the reason
printed where wgpu-py or a Vulkan/Metal/DX12 adapter is missing.
"""

import os

import numpy as np
import pytest

import rustorch as rt

torch = pytest.importorskip("torch")

wgpu = pytest.importorskip("wgpu", reason="wgpu-py is not installed (pip install wgpu)")

from rustorch._errors import (BackendUnavailableError, DTypeError, InvalidArgument,  # noqa: E402
                             ShapeError, UnsupportedError)  # noqa: E402
from rustorch.backends.webgpu import PORTABLE_LIMITS, ops, tile_workgroups  # noqa: E402
from rustorch.backends.webgpu import kernels  # noqa: E402
from webgpu_helpers import NP, context_factory, down, up  # noqa: E402



@pytest.fixture(scope="module")
def new_ctx():
    """A factory of fresh Contexts (own pool and counters); skips without an adapter."""
    return context_factory()


@pytest.fixture(scope="module")
def ctx(new_ctx):
    return new_ctx()


def sample(dtype, shape, rng, positive=False):
    if dtype is rt.bool:
        return rng.random(shape) > 0.5
    if dtype in (rt.int32, rt.uint32):
        lo = 0 if (positive or dtype is rt.uint32) else -50
        return rng.integers(lo, 50, shape).astype(NP[dtype])
    x = rng.standard_normal(shape) * 3
    return (np.abs(x) + 0.1 if positive else x).astype(NP[dtype])


def dtypes(ctx):
    return [rt.float32, rt.int32, rt.uint32, rt.bool] + (
        [rt.float16] if "shader-f16" in ctx.adapter.features else [])


NP_UNARY = {"copy": lambda x: x, "neg": np.negative, "abs": np.abs,
            "square": lambda x: x * x, "relu": lambda x: np.where(x < 0, 0, x).astype(x.dtype),
            "sigmoid": lambda x: 1 / (1 + np.exp(-x)), "exp": np.exp, "log": np.log,
            "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "tanh": np.tanh,
            "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "round": np.round,
            "bitwise_not": np.invert, "logical_not": np.logical_not}
NP_BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
             "maximum": np.maximum, "minimum": np.minimum, "pow": np.power,
             "eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
             "gt": np.greater, "ge": np.greater_equal, "logical_and": np.logical_and,
             "logical_or": np.logical_or, "logical_xor": np.logical_xor,
             "bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or,
             "bitwise_xor": np.bitwise_xor}


def check(got, want, dtype):
    assert got.dtype == want.dtype and got.shape == want.shape
    if dtype in (rt.float32, rt.float16):
        tol = 1e-5 if dtype is rt.float32 else 2e-3
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    else:
        np.testing.assert_array_equal(got, want)


def test_tables_cover_every_op():
    # these rows are checked against NumPy here; test_webgpu_elementwise.py
    # checks that every other table row is covered there
    assert set(NP_UNARY) <= set(kernels.UNARY)
    assert set(NP_BINARY) <= set(kernels.BINARY)


def test_every_unary_op_every_dtype_on_a_transposed_view(ctx):
    rng = np.random.default_rng(0)
    for dtype in dtypes(ctx):
        base = sample(dtype, (5, 7), rng, positive=True)
        view = up(ctx, base).T                       # non-contiguous input
        for name, fn in NP_UNARY.items():
            if not kernels.supports(kernels.UNARY, name, dtype):
                with pytest.raises(DTypeError, match=name):
                    ops.unary(name, view)
                continue
            want = fn(base.T)
            if name != "logical_not":
                want = want.astype(NP[dtype])
            check(down(ops.unary(name, view)), want, dtype if name != "logical_not" else rt.bool)


def test_every_binary_op_every_dtype_broadcast_and_sliced(ctx):
    rng = np.random.default_rng(1)
    for dtype in dtypes(ctx):
        a = sample(dtype, (4, 6, 5), rng, positive=True)
        b = sample(dtype, (6, 1), rng, positive=True)
        ga = up(ctx, a)[1:, ::2]                     # sliced with a step: strided
        gb = up(ctx, b)[::2]                         # broadcast over dims 0 and 2
        av, bv = a[1:, ::2], b[::2]
        for name, fn in NP_BINARY.items():
            if not kernels.supports(kernels.BINARY, name, dtype):
                with pytest.raises(DTypeError, match=name):
                    ops.binary(name, ga, gb)
                continue
            with np.errstate(all="ignore"):
                want = fn(av, bv)
            out_dtype = rt.bool if want.dtype == np.bool_ else dtype
            check(down(ops.binary(name, ga, gb)), want.astype(NP[out_dtype]), out_dtype)


def test_dtype_refusals_are_clear(ctx):
    rng = np.random.default_rng(2)
    a = up(ctx, sample(rt.int32, (3,), rng))
    with pytest.raises(DTypeError, match="div"):
        ops.binary("div", a, a)
    with pytest.raises(DTypeError, match="int32 and .*float32"):
        ops.binary("add", a, up(ctx, np.ones(3, np.float32)))
    with pytest.raises(ShapeError, match=r"\[3\] and \[4\]"):
        ops.binary("add", a, up(ctx, np.ones(4, np.int32)))
    for dtype in (rt.float64, rt.complex64):
        with pytest.raises(UnsupportedError, match=f"{dtype.name}.*not supported by the WebGPU"):
            ctx.from_bytes(b"\0" * 8, dtype, (1,))
        with pytest.raises(UnsupportedError, match=dtype.name):
            ops.cast(a, dtype)


def test_int64_is_held_in_int32_range_and_refuses_larger_values(ctx):
    big = np.array([1, 2 ** 31], np.int64)
    with pytest.raises(UnsupportedError, match="2147483648 is not supported on device 'webgpu'"):
        ctx.from_bytes(big.tobytes(), rt.int64, (2,))
    ok = np.array([-2 ** 31, 2 ** 31 - 1, 5], np.int64)
    a = ctx.from_bytes(ok.tobytes(), rt.int64, (3,))
    assert np.frombuffer(a.to_bytes(), np.int64).tolist() == ok.tolist()
    for dtype, np_dtype in ((rt.uint8, np.uint8), (rt.int8, np.int8), (rt.int16, np.int16)):
        v = np.array([0, 1, -1, 100], np.int64).astype(np_dtype)
        b = ctx.from_bytes(v.tobytes(), dtype, (4,))
        assert np.frombuffer(b.to_bytes(), np_dtype).tolist() == v.tolist()
        # casts into a narrow dtype wrap like C (torch): 300 -> 44 for uint8
        wide = ctx.from_bytes(np.array([300, -129], np.int32).tobytes(), rt.int32, (2,))
        got = np.frombuffer(ops.cast(wide, dtype).to_bytes(), np_dtype).tolist()
        assert got == np.array([300, -129]).astype(np_dtype).tolist()


def test_pow_negative_bases_and_nan_propagation(ctx):
    x = np.array([-2, -2, -3, 0, 2, 4, np.nan, 1], np.float32)
    y = np.array([2, 3, 0.5, 0, -1, 0.5, 1, np.nan], np.float32)
    got = down(ops.binary("pow", up(ctx, x), up(ctx, y)))
    want = torch.pow(torch.from_numpy(x), torch.from_numpy(y)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6)     # NaNs at the same places
    assert np.isnan(got[2]) and np.isnan(got[6]) and got[7] == 1
    m = down(ops.binary("maximum", up(ctx, x), up(ctx, y)))
    np.testing.assert_array_equal(np.isnan(m), np.isnan(np.maximum(x, y)))
    r = down(ops.unary("relu", up(ctx, x)))
    assert np.isnan(r[6]) and r[0] == 0 and r[4] == 2


def test_casts_among_all_dtypes(ctx):
    vals = {rt.float32: np.array([-2.7, -0.5, 0, 0.5, 3.9, 100], np.float32),
            rt.int32: np.array([-5, -1, 0, 1, 7, 100], np.int32),
            rt.uint32: np.array([0, 1, 2, 7, 100, 4000000000], np.uint32),
            rt.bool: np.array([1, 0, 1, 1, 0, 0], np.bool_)}
    if "shader-f16" in ctx.adapter.features:
        vals[rt.float16] = np.array([-2.5, -0.5, 0, 0.5, 3.75, 100], np.float16)
    for src, x in vals.items():
        g = up(ctx, np.repeat(x, 2))[::2]          # a strided input
        for dst in vals:
            if src in (rt.float32, rt.float16, rt.int32) and dst is rt.uint32:
                x_ = x[x >= 0]                     # negative -> unsigned is UB in torch
                got = down(ops.cast(up(ctx, x_), dst))
                want = x_.astype(NP[dst])
            elif src is rt.uint32 and dst in (rt.int32, rt.float16):
                continue                           # out of range for the sample values
            else:
                got, want = down(ops.cast(g, dst)), x.astype(NP[dst])
            # torch truncates float -> int toward zero, like NumPy's astype
            check(got, want, dst)


def test_int32_wraps_like_torch(ctx):
    a = np.array([2**31 - 1, -2**31], np.int32)
    b = np.array([1, -1], np.int32)
    with np.errstate(over="ignore"):
        want = a + b
    np.testing.assert_array_equal(down(ops.binary("add", up(ctx, a), up(ctx, b))), want)


def test_contiguous_copy_of_views(ctx):
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    g = up(ctx, x)
    for view, want in ((g.permute((2, 0, 1)), x.transpose(2, 0, 1)),
                       (g[1, :, 1::2], x[1, :, 1::2]),
                       (g[:, 2], x[:, 2]),
                       (g[0].broadcast_to((5, 3, 4)), np.broadcast_to(x[0], (5, 3, 4)))):
        c = ops.contiguous(view)
        assert c.is_contiguous() and c.offset == 0
        np.testing.assert_array_equal(down(c), want)
        np.testing.assert_array_equal(down(view), want)   # to_bytes copies views itself
    assert g.T.storage is g.storage                       # views share the buffer
    assert g.reshape_view((6, 4)).storage is g.storage
    assert g.T.reshape_view((24,)) is None


def test_zero_dim_and_empty_arrays(ctx):
    s = up(ctx, np.array(3.5, np.float32))
    assert down(ops.binary("mul", s, up(ctx, np.array([1, 2], np.float32)))).tolist() == [3.5, 7]
    assert down(ops.unary("neg", s)).shape == ()
    e = up(ctx, np.zeros((0, 3), np.int32))
    assert down(ops.binary("add", e, up(ctx, np.ones(3, np.int32)))).shape == (0, 3)
    with pytest.raises(InvalidArgument, match="7 bytes given"):
        ctx.from_bytes(b"\0" * 7, rt.float32, (2,))


def test_tiling_beyond_65535_workgroups(ctx):
    limit = ctx.adapter.limits.max_workgroups_per_dim
    assert limit <= PORTABLE_LIMITS["max_compute_workgroups_per_dimension"]
    assert tile_workgroups(limit, limit) == (limit, 1, 1)
    x, y, z = tile_workgroups(limit + 1, limit)
    assert y == 2 and x * y >= limit + 1 and z == 1
    with pytest.raises(UnsupportedError, match="2-D grid"):
        tile_workgroups(limit * limit + 1, limit)
    # workgroup_size=1 makes 70,001 workgroups from a small array: a 2-D grid
    n = 70001
    a = np.arange(n, dtype=np.int32)
    got = down(ops.binary("add", up(ctx, a), up(ctx, a), workgroup_size=1))
    np.testing.assert_array_equal(got, a + a)


def test_workgroup_size_limit():
    with pytest.raises(InvalidArgument, match="256"):
        kernels.unary_kernel("neg", rt.float32, 512)


def test_portable_limits_enforced(ctx):
    lim = ctx.adapter.limits
    assert lim.max_storage_buffers <= 8 and lim.max_invocations <= 256
    assert lim.max_binding_size <= 128 * 1024 * 1024
    big = ctx.adapter.create_buffer(lim.max_binding_size + 256)   # a buffer may be larger ...
    src = kernels.unary_kernel("neg", rt.float32).source
    pipe = ctx.adapter.create_pipeline(src, 3, (True, False, True))
    small = ctx.adapter.create_buffer(256)
    with pytest.raises(UnsupportedError, match="128 MiB"):          # ... than one binding
        ctx.adapter.encode_dispatch(ctx.adapter.new_encoder(), pipe, [big, small, small], (1, 1, 1))
    with pytest.raises(UnsupportedError, match="maximum buffer size"):
        ctx.adapter.create_buffer(lim.max_buffer_size + 256)
    with pytest.raises(UnsupportedError, match="9 storage buffers"):
        ctx.adapter.create_pipeline(src, 9, (True,) * 9)


def test_pool_statistics_and_reuse(new_ctx):
    ctx = new_ctx()
    pool = ctx.pool
    x = ctx.from_bytes(np.ones(1000, np.float32).tobytes(), rt.float32, (1000,))
    assert pool.stats()["allocated_bytes"] == 4096          # 4000 bytes -> 4 KiB class
    del x
    s = pool.stats()
    assert s["allocated_bytes"] == 0 and s["cached_bytes"] == 4096 and s["peak_bytes"] == 4096
    misses = s["misses"]
    y = ctx.from_bytes(np.ones(900, np.float32).tobytes(), rt.float32, (900,))
    assert pool.stats()["misses"] == misses and pool.stats()["hits"] == 1   # reused
    del y
    ctx.empty_cache()
    assert pool.stats()["cached_bytes"] == 0


def test_buffers_freed_during_pending_work_wait_for_submit(new_ctx):
    ctx = new_ctx()
    a = ctx.from_bytes(np.arange(64, dtype=np.float32).tobytes(), rt.float32, (64,))
    b = ops.unary("neg", a)
    del a                          # its buffer is still read by the pending dispatch
    assert ctx.pool.stats()["cached_bytes"] == 0
    c = ctx.from_bytes(np.zeros(64, np.float32).tobytes(), rt.float32, (64,))  # no reuse yet
    np.testing.assert_array_equal(down(b), -np.arange(64, dtype=np.float32))
    del c


def test_batched_chain_reuses_freed_buffers_for_kernel_outputs(new_ctx):
    ctx = new_ctx(submit_every=1000)
    n = 4096                                       # 16 KiB: one size class per array
    a = ctx.from_bytes(np.ones(n, np.float32).tobytes(), rt.float32, (n,))
    r = a
    for _ in range(30):
        r = ops.binary("add", r, a)
    assert ctx.dispatcher.submits == 0
    # a, r, the next r and the submit's info arena, not one buffer per op
    from rustorch.backends.webgpu.dispatch import ARENA_BYTES
    assert ctx.pool.stats()["peak_bytes"] <= 3 * 16384 + ARENA_BYTES
    np.testing.assert_array_equal(down(r), np.full(n, 31, np.float32))


def test_reads_are_the_only_sync_points_and_pipelines_are_cached(new_ctx):
    ctx = new_ctx(submit_every=1000)
    d = ctx.dispatcher
    x = ctx.from_bytes(np.arange(10, dtype=np.float32).tobytes(), rt.float32, (10,))
    y = x
    for _ in range(20):
        y = ops.binary("add", ops.unary("neg", y), x)
    assert d.submits == 0 and d.dispatches == 40          # all batched, nothing submitted
    assert d.pipeline_cache_size == 2                      # neg and add compiled once
    got = down(y)
    assert d.submits == 1
    want = xs = np.arange(10, dtype=np.float32)
    for _ in range(20):
        want = -want + xs
    np.testing.assert_array_equal(got, want)
    down(y)
    assert d.submits == 1                                  # nothing pending: no new submit


def test_submit_every_n_dispatches(new_ctx):
    ctx = new_ctx(submit_every=4)
    x = ctx.from_bytes(np.ones(8, np.float32).tobytes(), rt.float32, (8,))
    for _ in range(10):
        x = ops.unary("neg", x)
    assert ctx.dispatcher.submits == 2
    np.testing.assert_array_equal(down(x), np.ones(8, np.float32))
    assert ctx.dispatcher.submits == 3


def test_adapter_choice_by_name_and_power_preference(new_ctx):
    with pytest.raises(BackendUnavailableError, match="no WebGPU adapter matches"):
        new_ctx(adapter_name="no-such-gpu-xyz")
    with pytest.raises(ValueError, match="power_preference"):
        new_ctx(power_preference="fast")
    name = new_ctx().adapter.info["device"]
    assert new_ctx(adapter_name=name[:8]).adapter.info["device"] == name


def test_registered_as_a_device(ctx):
    assert "webgpu" in rt.backends.available()
    x = rt.tensor([[1.0, 2.0], [3.0, 4.0]], device="webgpu")
    assert x.device.type == "webgpu"
    assert (x @ x).tolist() == [[7.0, 10.0], [15.0, 22.0]]


def test_the_wheel_carries_every_shader(tmp_path):
    """A wheel install has no top-level shaders/: the WGSL must ship inside the
    package (setup.py copies it to rustorch/shaders/) and be found there."""
    import glob
    import subprocess
    import sys
    import zipfile
    pytest.importorskip("build", reason="building the wheel needs `build` (in the test extra)")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path.insert(0, os.path.join(root, "wasm"))
    import build_wheel
    wheel = build_wheel.build_wheel(str(tmp_path / "dist"))
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    want = sorted(os.path.basename(f) for f in glob.glob(os.path.join(root, "shaders", "*.wgsl")))
    got = sorted(os.listdir(tmp_path / "site" / "rustorch" / "shaders"))
    assert got == want
    code = ("import rustorch.backends.webgpu.kernels as k; "
            "print(k.template('elementwise_unary.wgsl').template[:2], k.shader_dirs()[0])")
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "site"))
    env.pop("RUSTORCH_SHADERS", None)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       cwd=str(tmp_path))
    assert r.returncode == 0 and r.stdout.startswith("//"), r.stderr
    assert str(tmp_path / "site") in r.stdout


def test_float_bit_literals_never_reach_the_compiler_as_constants(ctx):
    # WGSL makes a NaN/inf const-expression a shader-creation error (Chrome's
    # Tint enforces it; naga here does not): the dispatcher rewrites them
    src = "fn f() -> f32 { var m = bitcast<f32>(0xff800000u); return m; }"
    out = kernels.portable(src)
    assert "bitcast<f32>(0x" not in out and "rt_u32(0xff800000u)" in out
    x = ctx.from_bytes(np.array([3.0, -1.0], np.float32).tobytes(), rt.float32, (2,))
    from rustorch.backends.webgpu import reduce_ops
    assert np.frombuffer(reduce_ops.amax(x).to_bytes(), np.float32)[0] == 3.0   # identity -inf
