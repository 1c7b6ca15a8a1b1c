"""Shared by tests/test_webgpu_*.py: a skip-or-Context factory and host <-> GPUArray
transfers through NumPy (the oracle side)."""
import os

import numpy as np
import pytest

import rustorch as rt

NP = {rt.float32: np.float32, rt.int32: np.int32, rt.uint32: np.uint32, rt.bool: np.bool_,
      rt.float16: np.float16}


def context_factory():
    """The Context class, or a skip (with the reason printed) where wgpu has no
    adapter.  Probes wgpu itself, so a bug in Context fails instead of skipping."""
    wgpu = pytest.importorskip("wgpu", reason="wgpu-py is not installed (pip install wgpu)")
    if not os.environ.get("XDG_RUNTIME_DIR"):   # silences the Vulkan loader's warning
        d = "/tmp/rustorch-xdg"
        os.makedirs(d, mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = d
    try:
        adapter = wgpu.gpu.request_adapter_sync(power_preference="high-performance")
    except Exception as e:
        adapter, why = None, f"{type(e).__name__}: {e}"
    else:
        why = "wgpu found no adapter"
    if adapter is None:
        print(f"no WebGPU adapter ({why}); install a Vulkan driver, e.g. mesa-vulkan-drivers")
        pytest.skip(f"no WebGPU adapter ({why})")
    from rustorch.backends.webgpu import Context
    return Context


def up(ctx, x):
    x = np.array(x, order="C")   # (ascontiguousarray would turn 0-d into 1-d)
    dtype = {v: k for k, v in NP.items()}[x.dtype.type]
    return ctx.from_bytes(x.tobytes(), dtype, x.shape)


def down(a):
    return np.frombuffer(a.to_bytes(), NP[a.dtype]).reshape(a.shape)


@pytest.fixture(scope="module")
def webgpu_backend():
    """The webgpu backend, or a skip with the reason where no adapter exists."""
    context_factory()
    return rt.backends.get("webgpu")


@pytest.fixture
def no_host_fallbacks():
    """Fails the test if any namespace function took the host bridge."""
    from rustorch.backends.webgpu import host
    host.reset_counts()
    yield
    assert host.counts() == {}, f"took the host path: {host.counts()}"
