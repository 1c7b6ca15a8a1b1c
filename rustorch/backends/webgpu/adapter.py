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


_MAX_CACHED_GROUPS = 4096
_INFO_DECL = re.compile(r"@group\(0\)\s*@binding\((\d+)\)(\s*var<storage,\s*read>\s*info\s*:)")


def move_info_to_group1(wgsl, n_bindings):
    """The kernel's WGSL with its ``info`` binding (the last) moved to
    @group(1) @binding(0), or None when the kernel has no such binding."""
    m = _INFO_DECL.search(wgsl)
    if m is None or int(m.group(1)) != n_bindings - 1:
        return None
    return wgsl[:m.start()] + "@group(1) @binding(0)" + m.group(2) + wgsl[m.end():]


class BufferWindow:
    """A byte range of a buffer, bound in place of the whole buffer: how a tensor
    larger than one binding (128 MiB) is handed to kernels piece by piece.
    ``offset`` is a multiple of 256 (minStorageBufferOffsetAlignment)."""
    __slots__ = ("buffer", "offset", "size")

    def __init__(self, buffer, offset, size):
        self.buffer, self.offset, self.size = buffer, offset, size


class Recording:
    """A command encoder with its one open compute pass (and the pipeline set)."""
    __slots__ = ("encoder", "cpass", "pipeline")

    def __init__(self, encoder, cpass):
        self.encoder, self.cpass, self.pipeline = encoder, cpass, None


class DeviceAdapter:
    """What every adapter does, written once: pipelines with the info binding
    moved to a dynamic-offset group, bind-group layouts shared by signature,
    bind groups cached by buffer identity, one compute pass per submit.
    Subclasses (NativeAdapter here, BrowserAdapter in browser_adapter.py)
    implement the primitives below the line: the API calls themselves."""
    name = "abstract"
    limits = Limits()
    features = frozenset()
    info = {}

    def _init_caches(self):
        self._bgl_cache = {}      # read_only tuple -> (bind group layout, pipeline layout)
        self._groups = {}         # (layout, buffer ids...) -> bind group
        self._keep = {}
        self._info_bgl = None

    def check_buffer_size(self, nbytes):
        if nbytes > self.limits.max_buffer_size:
            raise UnsupportedError(
                f"a WebGPU buffer of {nbytes} bytes exceeds this device's maximum buffer "
                f"size of {self.limits.max_buffer_size} bytes")

    def _layouts(self, read_only):
        # bind-group layouts depend only on the binding signature, so kernels share them
        hit = self._bgl_cache.get(read_only)
        if hit is None:
            bgl = self._make_bgl([(ro, False) for ro in read_only])
            hit = (bgl, self._make_pipeline_layout([bgl]))
            self._bgl_cache[read_only] = hit
        return hit

    def _info_layout(self):
        if self._info_bgl is None:
            self._info_bgl = self._make_bgl([(True, True)])
        return self._info_bgl

    def create_pipeline(self, wgsl, n_bindings, read_only):
        """A compute pipeline for entry point ``main`` whose bindings 0..n-1 are
        storage buffers (``read_only[i]`` says which are read-only)."""
        read_only = tuple(read_only)
        if n_bindings > self.limits.max_storage_buffers:
            raise UnsupportedError(
                f"a kernel with {n_bindings} storage buffers exceeds the portable limit "
                f"of {self.limits.max_storage_buffers}")
        moved = move_info_to_group1(wgsl, n_bindings)
        if moved is not None:   # info from the arena through a dynamic offset
            bgl, _ = self._layouts(read_only[:-1])
            layout = self._make_pipeline_layout([bgl, self._info_layout()])
            wgsl = moved
        else:
            bgl, layout = self._layouts(read_only)
        return (self._make_pipeline(wgsl, layout), bgl, moved is not None)

    def info_group(self, buffer, size):
        """The group-1 bind group of an info buffer (an arena: dynamic offsets)."""
        key = ("info", id(buffer), size)
        group = self._groups.get(key)
        if group is None:
            group = self._make_group(self._info_layout(), [(buffer, 0, size)])
            self._groups[key] = group
            self._keep[key] = buffer
        return group

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
            group = self._make_group(bgl, [(b.buffer, b.offset, b.size)
                                           if isinstance(b, BufferWindow) else (b, 0, b.size)
                                           for b in buffers])
            if len(self._groups) >= _MAX_CACHED_GROUPS:
                self._groups.clear()
                self._keep.clear()
            # the buffers are kept with the group so their ids stay theirs
            self._groups[key] = group
            self._keep[key] = buffers
        return group

    def forget_buffers(self):
        """Drop cached bind groups (before buffers are destroyed)."""
        self._groups.clear()
        self._keep.clear()

    def encode_dispatch(self, encoder, pipeline, buffers, groups, info=None):
        """Record into the encoder's one open compute pass (WebGPU orders the
        dispatches of a pass and makes each one's writes visible to the next).
        ``info``: (info bind group, dynamic offset) for pipelines whose info
        binding was moved to group 1; ``buffers`` then omits it."""
        pipe, bgl = pipeline[0], pipeline[1]
        if encoder.pipeline is not pipe:
            self._set_pipeline(encoder.cpass, pipe)
            encoder.pipeline = pipe
        self._set_group(encoder.cpass, 0, self._bind_group(bgl, buffers), None)
        if info is not None:
            self._set_group(encoder.cpass, 1, info[0], info[1])
        self._dispatch(encoder.cpass, groups)

    # ------------------------------------------------ primitives (per API)
    def create_buffer(self, nbytes):
        raise NotImplementedError

    def destroy_buffer(self, buffer):
        raise NotImplementedError

    def write_buffer(self, buffer, offset, data):
        raise NotImplementedError

    def read_buffer(self, buffer, offset, nbytes):
        """bytes of ``buffer[offset:offset+nbytes]``; a sync point."""
        raise NotImplementedError

    def new_encoder(self):
        """A Recording (command encoder + its open compute pass)."""
        raise NotImplementedError

    def submit(self, encoder):
        raise NotImplementedError

    def _make_bgl(self, spec):
        """A bind group layout of storage buffers: spec = [(read_only, dynamic)]."""
        raise NotImplementedError

    def _make_pipeline_layout(self, bgls):
        raise NotImplementedError

    def _make_pipeline(self, wgsl, layout):
        raise NotImplementedError

    def _make_group(self, bgl, entries):
        """A bind group of [(buffer, offset, size)] at bindings 0, 1, ..."""
        raise NotImplementedError

    def _set_pipeline(self, cpass, pipe):
        raise NotImplementedError

    def _set_group(self, cpass, index, group, dynamic_offset):
        raise NotImplementedError

    def _dispatch(self, cpass, groups):
        raise NotImplementedError


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
        self._init_caches()
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

    def new_encoder(self):
        enc = self._device.create_command_encoder()
        return Recording(enc, enc.begin_compute_pass())

    def submit(self, encoder):
        encoder.cpass.end()
        self._queue.submit([encoder.encoder.finish()])

    def _make_bgl(self, spec):
        bt = self._wgpu.BufferBindingType
        return self._device.create_bind_group_layout(entries=[
            {"binding": i, "visibility": self._wgpu.ShaderStage.COMPUTE,
             "buffer": {"type": bt.read_only_storage if ro else bt.storage,
                        "has_dynamic_offset": dyn}}
            for i, (ro, dyn) in enumerate(spec)])

    def _make_pipeline_layout(self, bgls):
        return self._device.create_pipeline_layout(bind_group_layouts=bgls)

    def _make_pipeline(self, wgsl, layout):
        module = self._device.create_shader_module(code=wgsl)
        return self._device.create_compute_pipeline(
            layout=layout, compute={"module": module, "entry_point": "main"})

    def _make_group(self, bgl, entries):
        return self._device.create_bind_group(layout=bgl, entries=[
            {"binding": i, "resource": {"buffer": b, "offset": off, "size": size}}
            for i, (b, off, size) in enumerate(entries)])

    def _set_pipeline(self, cpass, pipe):
        cpass.set_pipeline(pipe)

    def _set_group(self, cpass, index, group, dynamic_offset):
        if dynamic_offset is None:
            cpass.set_bind_group(index, group)
        else:
            cpass.set_bind_group(index, group, [dynamic_offset])

    def _dispatch(self, cpass, groups):
        cpass.dispatch_workgroups(*groups)


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
