"""The browser adapter: the ``webgpu`` device over ``navigator.gpu`` through
``pyodide.ffi``.  Only the primitives differ from the native adapter (the JS
API's camelCase calls); pipelines, caches, the pool and batching are shared.

Reading is asynchronous in a browser (``GPUBuffer.mapAsync``).  The synchronous
torch API (``t.tolist()``, ``t.item()``) blocks through
``pyodide.ffi.run_sync``, which works when Python was entered asynchronously
(``pyodide.runPythonAsync``, ``callPromising``); elsewhere it raises an error
that says so.  ``read_buffer_async`` always works (``await t.tolist_async()``).
Device creation also awaits promises, so ``rt.webgpu.init_async()`` (awaited
once) sets the device up where ``run_sync`` is not available.
"""
from ..._errors import BackendUnavailableError, UnsupportedError
from .adapter import DeviceAdapter, Limits, Recording

_LIMIT_NAMES = {   # JS camelCase -> the hyphenated names Limits reads
    "maxStorageBuffersPerShaderStage": "max-storage-buffers-per-shader-stage",
    "maxComputeWorkgroupsPerDimension": "max-compute-workgroups-per-dimension",
    "maxStorageBufferBindingSize": "max-storage-buffer-binding-size",
    "maxComputeInvocationsPerWorkgroup": "max-compute-invocations-per-workgroup",
    "maxBufferSize": "max-buffer-size",
}
_SYNC_HELP = ("reading a WebGPU tensor in the browser waits for the GPU: call it from "
              "Python entered asynchronously (pyodide.runPythonAsync / callPromising), "
              "where it blocks through pyodide.ffi.run_sync, or use `await t.tolist_async()`")


def _js():
    import js
    from pyodide import ffi
    return js, ffi


def _obj(d):
    """A Python dict (nested) as a plain JS object."""
    js, ffi = _js()
    return ffi.to_js(d, dict_converter=js.Object.fromEntries)


def run_sync(promise):
    """Wait for a JS promise from synchronous Python (JSPI), or say how to."""
    _, ffi = _js()
    try:
        return ffi.run_sync(promise)
    except Exception as e:   # no JSPI or not entered asynchronously
        raise UnsupportedError(f"{_SYNC_HELP} ({type(e).__name__}: {e})") from None


# Attribute access on a WebGPU object through pyodide.ffi costs tens of
# microseconds (measured: 36 us for device.createBindGroup), so the hot calls go
# through these JS functions, looked up once: one FFI call per bind group or
# per dispatch instead of one per property.
_SHIM = """(device, queue, usage) => ({
  createBuffer: (size) => device.createBuffer({ size, usage }),
  writeBuffer: (buffer, offset, view) => queue.writeBuffer(buffer, offset, view),
  makeGroup: (layout, ...a) => {
    const entries = [];
    for (let i = 0; i < a.length; i += 3) {
      entries.push({ binding: i / 3, resource: { buffer: a[i], offset: a[i + 1], size: a[i + 2] } });
    }
    return device.createBindGroup({ layout, entries });
  },
  encode: (pass, pipeline, group0, group1, offset, x, y = 1, z = 1) => {
    if (pipeline) pass.setPipeline(pipeline);
    pass.setBindGroup(0, group0);
    if (group1) pass.setBindGroup(1, group1, [offset]);
    pass.dispatchWorkgroups(x, y, z);
  },
})"""


class _Buffer:
    """A GPUBuffer with the ``size`` the pool and bind groups read."""
    __slots__ = ("js", "size", "__weakref__")

    def __init__(self, js_buffer, size):
        self.js, self.size = js_buffer, size


class BrowserAdapter(DeviceAdapter):
    name = "browser"

    def __init__(self, power_preference="high-performance", adapter_name=None, device=None):
        js, ffi = _js()
        gpu = getattr(getattr(js, "navigator", None), "gpu", None)   # Node has no navigator
        if gpu is None:
            raise BackendUnavailableError(
                "this browser has no WebGPU (navigator.gpu is missing): use the 'python' "
                "device, or a browser with WebGPU enabled")
        if device is None:
            try:
                adapter = run_sync(gpu.requestAdapter(_obj({"powerPreference": power_preference})))
            except UnsupportedError:
                e = BackendUnavailableError(
                    "the WebGPU device is created with awaits: `await rt.webgpu.init_async()` "
                    "once first, or run Python through pyodide.runPythonAsync")
                e.transient = True    # retried once it can be awaited
                raise e from None
            if adapter is None:
                raise BackendUnavailableError("navigator.gpu.requestAdapter() found no adapter")
            device = run_sync(_request_device(adapter))
        else:
            adapter = device.adapter_for_rustorch
        self._adapter, self._device = adapter, device
        self._queue = device.queue
        self.features = frozenset(f for f in ("shader-f16",) if device.features.has(f))
        lim = device.limits
        self.limits = Limits({hy: getattr(lim, js_name) for js_name, hy in _LIMIT_NAMES.items()})
        info = getattr(adapter, "info", None)
        self.info = {k: str(getattr(info, k, "") or "") for k in
                     ("vendor", "architecture", "device", "description")} if info else {}
        self.info["device"] = (self.info.get("device") or self.info.get("description") or
                               f"{self.info.get('vendor', '')} {self.info.get('architecture', '')}"
                               .strip() or "browser WebGPU")
        self.info["backend_type"] = "WebGPU (browser)"
        self.info["adapter_type"] = "CPU" if "swiftshader" in str(self.info).lower() else "GPU"
        u = js.GPUBufferUsage
        self._usage = u.STORAGE | u.COPY_SRC | u.COPY_DST
        self._read_usage = u.MAP_READ | u.COPY_DST
        from pyodide.code import run_js
        shim = run_js(_SHIM)(device, self._queue, self._usage)
        self._js_create, self._js_write = shim.createBuffer, shim.writeBuffer
        self._js_group, self._js_encode = shim.makeGroup, shim.encode
        self._init_caches()

    def __repr__(self):
        return f"<BrowserAdapter {self.info.get('device')!r}>"

    # ------------------------------------------------ buffers
    def create_buffer(self, nbytes):
        self.check_buffer_size(nbytes)
        return _Buffer(self._js_create(nbytes), nbytes)

    def destroy_buffer(self, buffer):
        buffer.js.destroy()

    def write_buffer(self, buffer, offset, data):
        _, ffi = _js()
        view = ffi.to_js(memoryview(data).cast("B"))   # writeBuffer copies at once
        self._js_write(buffer.js, offset, view)

    def _staging_copy(self, buffer, offset, nbytes):
        size = -(-nbytes // 4) * 4
        staging = self._device.createBuffer(_obj({"size": size, "usage": self._read_usage}))
        enc = self._device.createCommandEncoder()
        enc.copyBufferToBuffer(buffer.js, offset, staging, 0, size)
        _, ffi = _js()
        self._queue.submit(ffi.to_js([enc.finish()]))
        return staging

    def _mapped_bytes(self, staging, nbytes):
        js, _ = _js()
        data = js.Uint8Array.new(staging.getMappedRange()).to_bytes()[:nbytes]
        staging.unmap()
        staging.destroy()
        return data

    def read_buffer(self, buffer, offset, nbytes):
        js, _ = _js()
        staging = self._staging_copy(buffer, offset, nbytes)
        run_sync(staging.mapAsync(js.GPUMapMode.READ))
        return self._mapped_bytes(staging, nbytes)

    async def read_buffer_async(self, buffer, offset, nbytes):
        js, _ = _js()
        staging = self._staging_copy(buffer, offset, nbytes)
        await staging.mapAsync(js.GPUMapMode.READ)
        return self._mapped_bytes(staging, nbytes)

    async def read_buffer_js_async(self, buffer, offset, nbytes):
        """The range copied once into a fresh JS ArrayBuffer (for the JS
        bridge: no detour through Python bytes)."""
        js, _ = _js()
        staging = self._staging_copy(buffer, offset, nbytes)
        await staging.mapAsync(js.GPUMapMode.READ)
        data = staging.getMappedRange().slice(0, nbytes)
        staging.unmap()
        staging.destroy()
        return data

    # ------------------------------------------------ encoding
    def new_encoder(self):
        enc = self._device.createCommandEncoder()
        return Recording(enc, enc.beginComputePass())

    def submit(self, encoder):
        _, ffi = _js()
        encoder.cpass.end()
        self._queue.submit(ffi.to_js([encoder.encoder.finish()]))

    def _make_bgl(self, spec):
        js, _ = _js()
        return self._device.createBindGroupLayout(_obj({"entries": [
            {"binding": i, "visibility": js.GPUShaderStage.COMPUTE,
             "buffer": {"type": "read-only-storage" if ro else "storage",
                        "hasDynamicOffset": dyn}}
            for i, (ro, dyn) in enumerate(spec)]}))

    def _make_pipeline_layout(self, bgls):
        _, ffi = _js()
        js, _ = _js()
        desc = js.Object.new()
        desc.bindGroupLayouts = ffi.to_js(list(bgls))
        return self._device.createPipelineLayout(desc)

    def _make_pipeline(self, wgsl, layout):
        js, ffi = _js()
        self._device.pushErrorScope("validation")
        module = self._device.createShaderModule(_obj({"code": wgsl}))
        desc = js.Object.new()
        desc.layout = layout
        compute = js.Object.new()
        compute.module = module
        compute.entryPoint = "main"
        desc.compute = compute
        pipe = self._device.createComputePipeline(desc)
        try:
            err = run_sync(self._device.popErrorScope())
        except UnsupportedError:
            err = None   # no way to wait here: errors surface on the device's console
        msg = getattr(err, "message", None)   # JS null (no error) has none
        if msg is not None:
            raise UnsupportedError(f"the browser rejected a WGSL kernel: {msg}")
        return pipe

    def _make_group(self, bgl, entries):
        return self._js_group(bgl, *[v for b, off, size in entries for v in (b.js, off, size)])

    def encode_dispatch(self, encoder, pipeline, buffers, groups, info=None):
        """The base class's encoding in one call into JS (see _SHIM)."""
        pipe, bgl = pipeline[0], pipeline[1]
        new_pipe = None
        if encoder.pipeline is not pipe:
            new_pipe = encoder.pipeline = pipe
        group = self._bind_group(bgl, buffers)
        if info is None:
            self._js_encode(encoder.cpass, new_pipe, group, None, 0, *groups)
        else:
            self._js_encode(encoder.cpass, new_pipe, group, info[0], info[1], *groups)


def _request_device(adapter):
    """requestDevice asking for shader-f16 where offered and the adapter's
    largest buffers (bindings stay at the portable 128 MiB)."""
    feats = [f for f in ("shader-f16",) if adapter.features.has(f)]
    return adapter.requestDevice(_obj({
        "requiredFeatures": feats,
        "requiredLimits": {"maxBufferSize": adapter.limits.maxBufferSize}}))


async def init_async(power_preference="high-performance"):
    """Create the browser device with awaits (no JSPI needed) and register it:
    ``await rt.webgpu.init_async()`` once, before the first webgpu tensor."""
    js, _ = _js()
    gpu = getattr(getattr(js, "navigator", None), "gpu", None)   # Node has no navigator
    if gpu is None:
        raise BackendUnavailableError("this browser has no WebGPU (navigator.gpu is missing)")
    adapter = await gpu.requestAdapter(_obj({"powerPreference": power_preference}))
    if adapter is None:
        raise BackendUnavailableError("navigator.gpu.requestAdapter() found no adapter")
    device = await _request_device(adapter)
    device.adapter_for_rustorch = adapter
    _PRESET[0] = BrowserAdapter(power_preference, device=device)
    return _PRESET[0]


_PRESET = [None]   # an adapter made by init_async, taken by the backend


def preset_adapter():
    return _PRESET[0]
