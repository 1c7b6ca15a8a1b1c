"""The device adapter: the only part of the WebGPU backend that differs between
native (wgpu-py) and the browser (``navigator.gpu`` through ``pyodide.ffi``).

Everything above it (pool, dispatch, kernels, arrays) talks to a
``DeviceAdapter`` only.  An adapter creates storage buffers, writes and reads
bytes, builds compute pipelines from WGSL and encodes dispatches.  It also
carries ``limits``: the *portable* browser limits intersected with what the
hardware offers, so that what passes natively also runs in Chrome.
"""
import re

from ..._errors import BackendUnavailableError, InvalidArgument, UnsupportedError

# The WebGPU spec's default limits: what every browser grants without asking.
# Enforced natively too, even where the hardware allows more.
PORTABLE_LIMITS = {
    "max_storage_buffers_per_shader_stage": 8,
    "max_compute_workgroups_per_dimension": 65535,
    "max_storage_buffer_binding_size": 128 * 1024 * 1024,
    "max_compute_invocations_per_workgroup": 256,
}

_POWER_PREFERENCES = ("high-performance", "low-power")


class Limits:
    """The limits a dispatch must respect (portable ones, lowered by the hardware)."""
    __slots__ = ("max_storage_buffers", "max_workgroups_per_dim",
                 "max_binding_size", "max_invocations", "max_buffer_size")

    def __init__(self, hardware=None):
        hw = hardware or {}
        p = PORTABLE_LIMITS

        def pick(key):
            return min(p[key], hw.get(key.replace("_", "-"), p[key]))
        self.max_storage_buffers = pick("max_storage_buffers_per_shader_stage")
        self.max_workgroups_per_dim = pick("max_compute_workgroups_per_dimension")
        self.max_binding_size = pick("max_storage_buffer_binding_size")
        self.max_invocations = pick("max_compute_invocations_per_workgroup")
        # not a portable limit: a tensor may be as large as the device allows;
        # kernels bind it in windows of at most max_binding_size (BufferWindow)
        self.max_buffer_size = hw.get("max-buffer-size", 256 * 1024 * 1024)

    def __repr__(self):
        return (f"Limits(storage_buffers={self.max_storage_buffers}, "
                f"workgroups_per_dim={self.max_workgroups_per_dim}, "
                f"binding_size={self.max_binding_size}, invocations={self.max_invocations})")


class DeviceAdapter:
    """Interface every adapter implements (native here, browser later)."""
    name = "abstract"
    limits = Limits()
    features = frozenset()

    def create_buffer(self, nbytes):
        raise NotImplementedError

    def destroy_buffer(self, buffer):
        raise NotImplementedError

    def write_buffer(self, buffer, offset, data):
        raise NotImplementedError

    def read_buffer(self, buffer, offset, nbytes):
        """bytes of ``buffer[offset:offset+nbytes]``; a sync point."""
        raise NotImplementedError

    def create_pipeline(self, wgsl, n_bindings, read_only):
        """A compute pipeline for entry point ``main`` whose bindings 0..n-1 are
        storage buffers (``read_only[i]`` says which are read-only)."""
        raise NotImplementedError

    def new_encoder(self):
        raise NotImplementedError

    def encode_dispatch(self, encoder, pipeline, buffers, groups):
        raise NotImplementedError

    def submit(self, encoder):
        raise NotImplementedError

    def check_buffer_size(self, nbytes):
        if nbytes > self.limits.max_buffer_size:
            raise UnsupportedError(
                f"a WebGPU buffer of {nbytes} bytes exceeds this device's maximum buffer "
                f"size of {self.limits.max_buffer_size} bytes")


_MAX_CACHED_GROUPS = 4096
_INFO_DECL = re.compile(r"@group\(0\)\s*@binding\((\d+)\)(\s*var<storage,\s*read>\s*info\s*:)")


def move_info_to_group1(wgsl, n_bindings):
    """The kernel's WGSL with its ``info`` binding (the last) moved to
    @group(1) @binding(0), or None when the kernel has no such binding."""
    m = _INFO_DECL.search(wgsl)
    if m is None or int(m.group(1)) != n_bindings - 1:
        return None
    return wgsl[:m.start()] + "@group(1) @binding(0)" + m.group(2) + wgsl[m.end():]


class _Recording:
    """A command encoder with its one open compute pass."""
    __slots__ = ("encoder", "cpass", "pipeline")

    def __init__(self, encoder):
        self.encoder = encoder
        self.cpass = encoder.begin_compute_pass()
        self.pipeline = None


class BufferWindow:
    """A byte range of a buffer, bound in place of the whole buffer: how a tensor
    larger than one binding (128 MiB) is handed to kernels piece by piece.
    ``offset`` is a multiple of 256 (minStorageBufferOffsetAlignment)."""
    __slots__ = ("buffer", "offset", "size")

    def __init__(self, buffer, offset, size):
        self.buffer, self.offset, self.size = buffer, offset, size


class NativeAdapter(DeviceAdapter):
    """wgpu-py (Vulkan / Metal / DX12, or lavapipe on a CPU)."""
    name = "native"

    def __init__(self, power_preference="high-performance", adapter_name=None):
        try:
            import wgpu
        except ImportError:
            raise BackendUnavailableError(
                "the native WebGPU adapter needs wgpu-py; install it with `pip install wgpu`"
            ) from None
        self._wgpu = wgpu
        adapter = _choose_adapter(wgpu, power_preference, adapter_name)
        wanted = [f for f in ("shader-f16",) if f in adapter.features]
        # ask for the largest buffers the hardware has (bindings stay portable)
        big = {k: adapter.limits[k] for k in ("max-buffer-size",) if k in adapter.limits}
        self._device = adapter.request_device_sync(required_features=wanted,
                                                   required_limits=big)
        self.info = dict(adapter.info)
        self.features = frozenset(self._device.features)
        self.limits = Limits(dict(self._device.limits))
        self._queue = self._device.queue
        self._bgl_cache = {}      # read_only tuple -> (bind group layout, pipeline layout)
        self._groups = {}         # (layout, buffer ids...) -> bind group
        self._keep = {}
        self._info_bgl = None
        usage = wgpu.BufferUsage
        self._usage = usage.STORAGE | usage.COPY_SRC | usage.COPY_DST

    def __repr__(self):
        return f"<NativeAdapter {self.info.get('device')!r} ({self.info.get('backend_type')})>"

    def create_buffer(self, nbytes):
        self.check_buffer_size(nbytes)
        return self._device.create_buffer(size=nbytes, usage=self._usage)

    def destroy_buffer(self, buffer):
        buffer.destroy()

    def write_buffer(self, buffer, offset, data):
        self._queue.write_buffer(buffer, offset, data)

    def read_buffer(self, buffer, offset, nbytes):
        return bytes(self._queue.read_buffer(buffer, offset, nbytes))

    def _layouts(self, read_only):
        # bind-group layouts depend only on the binding signature, so kernels share them
        hit = self._bgl_cache.get(read_only)
        if hit is None:
            bt = self._wgpu.BufferBindingType
            entries = [{"binding": i, "visibility": self._wgpu.ShaderStage.COMPUTE,
                        "buffer": {"type": bt.read_only_storage if ro else bt.storage}}
                       for i, ro in enumerate(read_only)]
            bgl = self._device.create_bind_group_layout(entries=entries)
            hit = (bgl, self._device.create_pipeline_layout(bind_group_layouts=[bgl]))
            self._bgl_cache[read_only] = hit
        return hit

    def create_pipeline(self, wgsl, n_bindings, read_only):
        read_only = tuple(read_only)
        if n_bindings > self.limits.max_storage_buffers:
            raise UnsupportedError(
                f"a kernel with {n_bindings} storage buffers exceeds the portable limit "
                f"of {self.limits.max_storage_buffers}")
        moved = move_info_to_group1(wgsl, n_bindings)
        if moved is not None:   # info from the arena through a dynamic offset
            bgl, _ = self._layouts(read_only[:-1])
            layout = self._device.create_pipeline_layout(
                bind_group_layouts=[bgl, self._info_layout()])
            wgsl = moved
        else:
            bgl, layout = self._layouts(read_only)
        module = self._device.create_shader_module(code=wgsl)
        pipeline = self._device.create_compute_pipeline(
            layout=layout, compute={"module": module, "entry_point": "main"})
        return (pipeline, bgl, moved is not None)

    def _info_layout(self):
        if self._info_bgl is None:
            self._info_bgl = self._device.create_bind_group_layout(entries=[{
                "binding": 0, "visibility": self._wgpu.ShaderStage.COMPUTE,
                "buffer": {"type": self._wgpu.BufferBindingType.read_only_storage,
                           "has_dynamic_offset": True}}])
        return self._info_bgl

    def info_group(self, buffer, size):
        """The group-1 bind group of an info buffer (an arena: dynamic offsets)."""
        key = ("info", id(buffer), size)
        group = self._groups.get(key)
        if group is None:
            group = self._device.create_bind_group(layout=self._info_layout(), entries=[
                {"binding": 0, "resource": {"buffer": buffer, "offset": 0, "size": size}}])
            self._groups[key] = group
            self._keep[key] = buffer
        return group

    def new_encoder(self):
        return _Recording(self._device.create_command_encoder())

    def encode_dispatch(self, encoder, pipeline, buffers, groups, info=None):
        """Record into the encoder's one open compute pass (WebGPU orders the
        dispatches of a pass and makes each one's writes visible to the next).
        ``info``: (info bind group, dynamic offset) for pipelines whose info
        binding was moved to group 1; ``buffers`` then omits it."""
        pipe, bgl = pipeline[0], pipeline[1]
        cpass = encoder.cpass
        if encoder.pipeline is not pipe:
            cpass.set_pipeline(pipe)
            encoder.pipeline = pipe
        cpass.set_bind_group(0, self._bind_group(bgl, buffers))
        if info is not None:
            cpass.set_bind_group(1, info[0], [info[1]])
        cpass.dispatch_workgroups(*groups)

    def _bind_group(self, bgl, buffers):
        # pooled buffers recur step after step: their bind groups are cached by
        # identity (cleared when buffers are destroyed, see forget_buffers)
        key = (id(bgl),) + tuple((id(b.buffer), b.offset, b.size) if isinstance(b, BufferWindow)
                                 else id(b) for b in buffers)
        group = self._groups.get(key)
        if group is None:
            for b in buffers:
                if b.size > self.limits.max_binding_size:
                    raise UnsupportedError(
                        f"a WebGPU binding of {b.size} bytes exceeds the portable limit of "
                        f"{self.limits.max_binding_size} bytes (128 MiB); bind it in windows")
            entries = [{"binding": i, "resource":
                        {"buffer": b.buffer, "offset": b.offset, "size": b.size}
                        if isinstance(b, BufferWindow) else {"buffer": b, "offset": 0, "size": b.size}}
                       for i, b in enumerate(buffers)]
            group = self._device.create_bind_group(layout=bgl, entries=entries)
            if len(self._groups) >= _MAX_CACHED_GROUPS:
                self._groups.clear()
            # the buffers are kept with the group so their ids stay theirs
            self._groups[key] = group
            self._keep[key] = buffers
        return group

    def forget_buffers(self):
        """Drop cached bind groups (before buffers are destroyed)."""
        self._groups.clear()
        self._keep.clear()

    def submit(self, encoder):
        encoder.cpass.end()
        self._queue.submit([encoder.encoder.finish()])


def _choose_adapter(wgpu, power_preference, adapter_name):
    if adapter_name is not None:
        adapters = wgpu.gpu.enumerate_adapters_sync()
        for a in adapters:
            desc = f"{a.info.get('device', '')} {a.info.get('backend_type', '')}"
            if adapter_name.lower() in desc.lower():
                return a
        names = [f"{a.info.get('device')} ({a.info.get('backend_type')})" for a in adapters]
        raise BackendUnavailableError(
            f"no WebGPU adapter matches {adapter_name!r}; available: {names}")
    if power_preference not in _POWER_PREFERENCES:
        raise InvalidArgument(f"power_preference must be one of {_POWER_PREFERENCES}, "
                              f"got {power_preference!r}")
    adapter = wgpu.gpu.request_adapter_sync(power_preference=power_preference)
    if adapter is None:
        raise BackendUnavailableError("no WebGPU adapter on this machine (install a Vulkan "
                                      "driver, e.g. `apt-get install mesa-vulkan-drivers`)")
    return adapter
