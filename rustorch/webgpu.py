"""``rt.webgpu``: the WebGPU device's housekeeping, like ``torch.mps`` /
``torch.cuda``: availability, the adapter, memory statistics of the buffer
pool, ``empty_cache()``, ``synchronize()``, and which namespace functions took
the host bridge (no WGSL kernel) so far."""
from . import backends as _backends


async def init_async(power_preference="high-performance"):
    """In a browser: create the WebGPU device with awaits, once, before the
    first ``webgpu`` tensor (needed where Python was not entered asynchronously;
    harmless elsewhere).  Natively the device needs no awaiting."""
    import sys
    if sys.platform != "emscripten":
        return is_available()
    from .backends.webgpu.browser_adapter import init_async as _init
    await _init(power_preference)
    _backends._FAILURES.pop("webgpu", None)
    return is_available()


def is_available():
    return _backends.why_unavailable("webgpu") is None


def _backend():
    return _backends.get("webgpu")


def adapter_info():
    """What the adapter reports (vendor, device, adapter_type, backend_type ...)."""
    return dict(_backend().context.adapter.info)


def device_name():
    return adapter_info().get("device", "")


def synchronize():
    """Submit pending work and wait for it (through a one-word read)."""
    ctx = _backend().context
    ctx.dispatcher.flush()
    from .backends.webgpu.array import GPUArray
    from . import _dtype
    GPUArray.empty(ctx.dispatcher, (1,), _dtype.int32).to_bytes()


def memory_stats():
    """Bytes held by live tensors (allocated), kept for reuse (cached), the
    peak of allocated, and pool hits/misses."""
    return _backend().context.memory_stats()


def memory_allocated():
    return memory_stats()["allocated_bytes"]


def max_memory_allocated():
    return memory_stats()["peak_bytes"]


def reset_peak_memory_stats():
    _backend().context.pool.reset_peak()


def empty_cache():
    """Destroy the cached (unused) buffers of the pool."""
    _backend().context.empty_cache()


def host_fallbacks():
    """{function: calls} of namespace functions computed on the host so far."""
    from .backends.webgpu import host
    return host.counts()


def reset_host_fallbacks():
    from .backends.webgpu import host
    host.reset_counts()
