"""The ``webgpu`` device: WGSL kernels from ``shaders/`` run through a device
adapter (wgpu-py natively; the browser adapter in Pyodide).

The namespace is ``webgpu/namespace.py``; this file holds the contract's
required methods and the extension kernels that have WGSL of their own.

Dtypes: float32, int32, uint32, bool, float16 (with ``shader-f16``), and int64,
int16, int8, uint8 held in 32-bit words (see ``webgpu/kernels.STORED_AS``).
int64 is torch's default integer and index type, so it is supported with a
documented limit: **values must fit int32**.  Uploading a larger value raises;
integer arithmetic that leaves int32's range wraps at 32 bits (as int32 would).
float64 and complex dtypes are refused with UnsupportedError (like torch's MPS).
"""
import os

from .. import _dtype as dt
from .._errors import BackendUnavailableError, UnsupportedError
from .contract import Backend, Capabilities



def _in_browser():
    import sys
    return sys.platform == "emscripten"


if not _in_browser():   # Pyodide has its own adapter (navigator.gpu)
    import wgpu  # noqa: F401 - the import error names the package to install


_DTYPES = (dt.float32, dt.float16, dt.int32, dt.uint32, dt.bool, dt.int64, dt.int16, dt.int8,
           dt.uint8)


def _make_context():
    from .webgpu import Context
    if _in_browser():
        from .webgpu.browser_adapter import BrowserAdapter, preset_adapter
        return Context(adapter=preset_adapter() or BrowserAdapter())
    if not os.environ.get("XDG_RUNTIME_DIR"):   # silences the Vulkan loader's warning
        d = "/tmp/rustorch-xdg"
        os.makedirs(d, mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = d
    try:
        return Context(power_preference=os.environ.get("RUSTORCH_WEBGPU_POWER",
                                                       "high-performance"),
                       adapter_name=os.environ.get("RUSTORCH_WEBGPU_ADAPTER"))
    except BackendUnavailableError:
        raise
    except Exception as e:   # no adapter, no driver: the device is unavailable
        raise BackendUnavailableError(
            f"device 'webgpu': no WebGPU adapter ({type(e).__name__}: {e}); install a "
            "Vulkan/Metal/DX12 driver (on Debian: apt install mesa-vulkan-drivers)") from None


class WebGPUBackend(Backend):
    name = "webgpu"
    array_type = None
    caps = Capabilities(_DTYPES, max_ndim=64,
                        notes="int64 values must fit int32; float16 needs shader-f16")

    def __init__(self, device):
        super().__init__(device)
        from .webgpu import namespace, GPUArray
        self.context = _make_context()
        namespace.set_context(self.context)
        self.xp = namespace
        self.array_type = GPUArray
        self._install_family_extensions()
        if "shader-f16" not in self.context.adapter.features:
            self.caps = Capabilities([d for d in _DTYPES if d is not dt.float16], 64,
                                     "int64 values must fit int32; no shader-f16 here")

    def _install_family_extensions(self):
        """Each kernel-family module lists the contract's extension kernels it
        implements in ``EXTENSIONS`` ({name: function(backend, ...)}); they
        replace the composed fallbacks on this instance."""
        import types
        from .webgpu import FAMILIES
        for mod in FAMILIES:
            for name, fn in getattr(mod, "EXTENSIONS", {}).items():
                setattr(self, name, types.MethodType(fn, self))

    # ---------------------------------------------------------- required
    def to_native_dtype(self, dtype):
        if dtype not in self.caps.dtypes:
            self.check_dtype(dtype)
        return dtype

    def check_dtype(self, dtype):
        if dtype not in self.caps.dtypes:
            hint = " (cast to float32 first)" if dtype in (dt.float64, dt.bfloat16) else ""
            raise UnsupportedError(
                f"dtype {dtype} is not supported on device 'webgpu'{hint}; supported: "
                f"{', '.join(d.name for d in dt.ALL_DTYPES if d in self.caps.dtypes)}")

    def dtype_of(self, x):
        return x.dtype

    def _host(self):
        from .webgpu import host
        return host.host_backend()

    def from_host(self, obj, dtype):
        self.check_dtype(dtype)
        hb = self._host()
        h = hb.from_host(obj, dtype)
        return self._upload(hb.to_bytes(h), dtype, tuple(hb.xp.asarray(h).shape))

    def from_buffer(self, buf, dtype, shape):
        self.check_dtype(dtype)
        return self._upload(buf, dtype, tuple(shape))

    def scalar_operand(self, value, dtype):
        self.check_dtype(dtype)
        return self.xp.scalar(value, dtype)   # cached per device: no upload per op

    def _upload(self, data, dtype, shape):
        return self.array_type.from_bytes(self.context.dispatcher, data, dtype, shape)

    def to_bytes(self, x):
        return x.to_bytes()

    def to_list(self, x):
        hb = self._host()
        return hb.to_list(hb.from_buffer(x.to_bytes(), x.dtype, x.shape))

    async def to_bytes_async(self, x):
        return await x.to_bytes_async()

    async def to_list_async(self, x):
        hb = self._host()
        return hb.to_list(hb.from_buffer(await x.to_bytes_async(), x.dtype, x.shape))

    def to_numpy(self, x):
        hb = self._host()
        return hb.from_buffer(x.to_bytes(), x.dtype, x.shape)

    def element_strides(self, x):
        return x.strides

    def storage_offset(self, x):
        return x.offset

    def copy_into(self, dst, src):
        from .webgpu import index_ops
        index_ops.setitem(dst, Ellipsis, src)

    def view_reshape(self, x, shape):
        return x.reshape_view(tuple(shape))

    def diagonal_view(self, x, offset, axis1, axis2):
        from .webgpu.array import GPUArray
        nd = x.ndim
        a1, a2 = axis1 % nd, axis2 % nd
        n1, n2 = x.shape[a1], x.shape[a2]
        if offset >= 0:
            n = max(0, min(n1, n2 - offset))
            start = offset * x.strides[a2]
        else:
            n = max(0, min(n1 + offset, n2))
            start = -offset * x.strides[a1]
        keep = [i for i in range(nd) if i not in (a1, a2)]
        shape = [x.shape[i] for i in keep] + [n]
        strides = [x.strides[i] for i in keep] + [x.strides[a1] + x.strides[a2]]
        return GPUArray(x.storage, x.dtype, shape, strides, x.offset + (start if n else 0))

    def as_strided(self, x, shape, strides, offset):
        from .._errors import ShapeError
        from .webgpu.array import GPUArray
        cap = x.storage.buffer.size // 4 if x.dtype is not dt.float16 else x.storage.buffer.size // 2
        off = x.offset + offset
        need = off + sum((n - 1) * s for n, s in zip(shape, strides) if n > 0) + 1
        if any(n == 0 for n in shape):
            need = 0
        if need > cap or off < 0 or any(s < 0 for s in strides):
            raise ShapeError(f"setStorage: sizes {list(shape)}, strides {list(strides)}, storage "
                             f"offset {off} require {need} elements but the storage has {cap}")
        return GPUArray(x.storage, x.dtype, tuple(shape), tuple(strides), off)

    def check_index_range(self, a, lo, hi, make_error):
        from .webgpu import index_ops, namespace
        index_ops.defer_range_check(namespace.as_kernel(a), lo, hi, make_error)

    def is_writable(self, x):
        return all(s != 0 or n <= 1 for n, s in zip(x.shape, x.strides))

    # ---------------------------------------------------------- extension kernels
    # (the kernel families' EXTENSIONS replace the composed fallbacks: see
    # _install_family_extensions)
    def matmul(self, a, b):
        return self.xp.matmul(a, b)

    # ---------------------------------------------------------- device functions
    def synchronize(self):
        self.context.dispatcher.flush()

    def memory_stats(self):
        return self.context.memory_stats()

    def empty_cache(self):
        self.context.empty_cache()
