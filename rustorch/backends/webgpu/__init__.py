"""The WebGPU backend's machinery (the device itself: ../webgpu_backend.py).

Layers, bottom up: ``adapter`` (native wgpu-py now, browser later), ``pool``
(buffer reuse + memory stats), ``dispatch`` (pipeline caches, batching, submit at
reads), ``kernels`` (WGSL families from ``shaders/`` templates + an op table),
``array`` (strided GPUArray views), ``ops`` (elementwise entry points), the
kernel families (``reduce_ops``, ``linalg_ops``, ``elementwise_ext``,
``index_ops``, ``sort_ops``, ``conv_ops``, ``random_ops``), ``host`` (the
counted host bridge for what has no kernel) and ``namespace`` (the ``xp``).
``Context`` ties one adapter to one dispatcher.
"""
from .adapter import DeviceAdapter, Limits, NativeAdapter, PORTABLE_LIMITS
from .array import GPUArray
from .dispatch import Dispatcher, tile_workgroups

__all__ = ["Context", "DeviceAdapter", "Dispatcher", "GPUArray", "Limits", "NativeAdapter",
           "PORTABLE_LIMITS", "tile_workgroups"]


class Context:
    """One device: its adapter, pool and dispatcher."""
    __slots__ = ("adapter", "dispatcher")

    def __init__(self, adapter=None, power_preference="high-performance", adapter_name=None,
                 submit_every=None):
        self.adapter = adapter or NativeAdapter(power_preference, adapter_name)
        kw = {} if submit_every is None else {"submit_every": submit_every}
        self.dispatcher = Dispatcher(self.adapter, **kw)

    @property
    def pool(self):
        return self.dispatcher.pool

    def from_bytes(self, data, dtype, shape):
        return GPUArray.from_bytes(self.dispatcher, data, dtype, shape)

    def empty(self, shape, dtype):
        return GPUArray.empty(self.dispatcher, shape, dtype)

    def memory_stats(self):
        return self.dispatcher.pool.stats()

    def empty_cache(self):
        self.dispatcher.flush()
        self.dispatcher.constants.clear()   # their buffers go back to the pool first
        self.dispatcher.pool.empty_cache()


def _families():
    from . import conv_ops, elementwise_ext, index_ops, linalg_ops, random_ops, sort_ops
    return (elementwise_ext, index_ops, sort_ops, conv_ops, random_ops, linalg_ops)


class _Families:
    """Kernel-family modules, imported on first use (they import namespace)."""
    def __iter__(self):
        return iter(_families())


FAMILIES = _Families()
