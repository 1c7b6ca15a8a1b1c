"""The dispatch layer: caches pipelines, batches dispatches, submits at sync points.

* Pipelines are cached by kernel source text (the generated WGSL is the key, so
  one op on one dtype compiles once); bind-group layouts are cached by the
  adapter by binding signature, so kernels share them.
* Dispatches are encoded into one command encoder and submitted only when the
  host needs a result (``read``) or every ``submit_every`` dispatches (to bound
  the memory held by pending work).  ``submits`` counts submissions.
* Buffers freed while work is pending go back to the pool only after the next
  submit: a host upload (``queue.write_buffer``) lands *before* not-yet-submitted
  work, so it must never target them.  A later *kernel output* may reuse them at
  once (``alloc(..., kernel_output=True)``): dispatches run in encoding order, so
  the pending readers finish first.  This keeps a long batched chain of ops from
  growing memory by one buffer per op.
* Workgroup counts beyond 65,535 are tiled over a 2-D grid; kernels rebuild the
  linear index as ``(wid.y * nwg.x + wid.x) * WG + lid``.
"""
import array as _pyarray

from ..._errors import UnsupportedError
from .pool import BufferPool

SUBMIT_EVERY = 32
ARENA_BYTES = 64 * 1024   # kernels' info words of one submit, uploaded in one write
INFO_WINDOW = 1024        # bytes an info binding sees from its dynamic offset
INFO_ALIGN = 256          # minStorageBufferOffsetAlignment


class Meta:
    """A kernel's info words, not yet on the GPU: ``dispatch`` packs them into
    the submit's arena (one write per submit, one cached bind group with a
    dynamic offset) instead of a buffer and a bind group per dispatch."""
    __slots__ = ("data", "size")

    def __init__(self, data):
        self.data = data
        self.size = len(data)


def tile_workgroups(n_groups, max_per_dim):
    """(x, y, 1) with x * y >= n_groups and x, y <= max_per_dim."""
    if n_groups <= max_per_dim:
        return (max(n_groups, 1), 1, 1)
    y = -(-n_groups // max_per_dim)
    if y > max_per_dim:
        raise UnsupportedError(
            f"{n_groups} workgroups exceed the portable 2-D grid of "
            f"{max_per_dim} x {max_per_dim}")
    x = -(-n_groups // y)
    return (x, y, 1)


class Dispatcher:
    __slots__ = ("adapter", "pool", "submit_every", "submits", "dispatches",
                 "_pipelines", "_encoder", "_pending", "_deferred", "live", "checks",
                 "_arena", "_arena_data", "constants")

    def __init__(self, adapter, submit_every=SUBMIT_EVERY):
        self.adapter = adapter
        self.pool = BufferPool(adapter)
        self.submit_every = submit_every
        self.submits = 0
        self.dispatches = 0
        self._pipelines = {}     # WGSL source -> adapter pipeline
        self._encoder = None
        self._pending = 0        # dispatches encoded but not yet submitted
        self._deferred = {}      # size -> buffers to return to the pool after the next submit
        self.live = set()        # buffers owned by live arrays (see array._Storage)
        self.checks = []         # device-side checks read at the next sync (defer_check)
        self.constants = {}      # 0-d arrays of scalar operands, reused (namespace.scalar)
        self._arena = None       # this submit's info arena buffer
        self._arena_data = bytearray()

    # ------------------------------------------------------------ buffers
    def alloc(self, nbytes, kernel_output=False):
        """A buffer of >= nbytes.  Only a buffer that a kernel will write (never the
        host) may be one freed while work is pending (see the module docstring)."""
        if kernel_output and self._deferred:
            bucket = self._deferred.get(self.pool.class_of(nbytes))
            if bucket:
                self.pool.hits += 1   # still counted as allocated: no stats change
                return bucket.pop()
        return self.pool.acquire(nbytes)

    def free(self, buf):
        if isinstance(buf, Meta):
            return
        if self._pending:
            self._deferred.setdefault(buf.size, []).append(buf)
        else:
            self.pool.release(buf)

    def upload(self, buf, data, offset=0):
        """Write host bytes into a buffer no pending kernel uses (a fresh one)."""
        self.adapter.write_buffer(buf, offset, data)

    def overwrite(self, buf, data, offset=0):
        """Write host bytes into a buffer pending kernels may read: they are
        submitted first, since queue writes land before not-yet-submitted work."""
        self.flush()
        self.adapter.write_buffer(buf, offset, data)

    def upload_words(self, words):
        """A kernel's ``info`` words as u32 (a Meta, packed at dispatch); negative
        values (strides of flipped views) are stored as two's complement, which
        the kernels' wrapping u32 index sums turn into the right element."""
        return Meta(_pyarray.array("I", [w & 0xFFFFFFFF for w in words]).tobytes())

    def upload_buffer(self, words):
        """A fresh GPU buffer holding ``words`` as u32 (for buffers kernels write)."""
        return self._materialize(self.upload_words(words))

    def _materialize(self, meta):
        buf = self.alloc(max(meta.size, 4))   # fresh (never pending): safe to upload into
        self.upload(buf, meta.data)
        return buf

    def read(self, buf, offset, nbytes):
        """Host bytes of a buffer range: a sync point (pending work is submitted).
        Device-side checks recorded since the last sync are read here too."""
        self.flush()
        data = self.adapter.read_buffer(buf, offset, nbytes)
        if self.checks:
            self._run_checks()
        return data

    async def read_async(self, buf, offset, nbytes):
        """``read`` awaiting the GPU (adapters with ``read_buffer_async``: the
        browser); elsewhere the same as ``read``."""
        self.flush()
        reader = getattr(self.adapter, "read_buffer_async", None)
        if reader is None:
            data = self.adapter.read_buffer(buf, offset, nbytes)
        else:
            data = await reader(buf, offset, nbytes)
        await self.run_checks_async()
        return data

    def defer_check(self, flags, slot, report):
        """A kernel leaves ``flags[slot]`` at 0xFFFFFFFF when all was well; at the
        next sync, ``report(word)`` raises for any other word.  Like CUDA's
        device-side asserts, a bad index then surfaces at the next read
        instead of costing a sync at every indexing op."""
        self.checks.append((flags, slot, report))

    def sync_checks(self):
        """Wait for the recorded device-side checks now (raising like a read)."""
        if self.checks:
            self.flush()
            self._run_checks()

    def _run_checks(self):
        checks, self.checks = self.checks, []
        words = {}
        for flags, slot, report in checks:
            if id(flags) not in words:
                raw = self.adapter.read_buffer(flags, 0, flags.size)
                words[id(flags)] = memoryview(raw).cast("I")
        self._report_checks(checks, words)

    async def run_checks_async(self):
        """``sync_checks`` awaiting the reads (the browser, without blocking)."""
        if not self.checks:
            return
        self.flush()
        reader = getattr(self.adapter, "read_buffer_async", None)
        if reader is None:
            return self._run_checks()
        checks, self.checks = self.checks, []
        words = {}
        for flags, slot, report in checks:
            if id(flags) not in words:
                words[id(flags)] = memoryview(await reader(flags, 0, flags.size)).cast("I")
        self._report_checks(checks, words)

    def _report_checks(self, checks, words):
        done = {id(f): f for f, _, _ in checks}
        try:
            for flags, slot, report in checks:
                w = words[id(flags)][slot]
                if w != 0xFFFFFFFF:
                    report(w)
        finally:
            for f in done.values():
                self.pool.release(f)

    # ------------------------------------------------------------ kernels
    def pipeline(self, source, n_bindings, read_only):
        pipe = self._pipelines.get(source)
        if pipe is None:
            from .kernels import portable
            pipe = self.adapter.create_pipeline(portable(source), n_bindings, read_only)
            self._pipelines[source] = pipe
        return pipe

    def dispatch(self, kernel, buffers, n_invocations):
        """Encode ``kernel`` (a kernels.Kernel) over ``n_invocations`` threads."""
        if len(buffers) != kernel.n_bindings:
            raise UnsupportedError(f"kernel expects {kernel.n_bindings} buffers, "
                                   f"got {len(buffers)}")
        if n_invocations == 0:
            return
        pipe = self.pipeline(kernel.source, kernel.n_bindings, kernel.read_only)
        n_groups = -(-n_invocations // (kernel.workgroup_size * getattr(kernel, "per_thread", 1)))
        groups = tile_workgroups(n_groups, self.adapter.limits.max_workgroups_per_dim)
        info = None
        temps = []
        if isinstance(buffers[-1], Meta) and pipe[2] and buffers[-1].size <= INFO_WINDOW:
            info = self._arena_slot(buffers[-1].data)
            buffers = buffers[:-1]
        elif any(isinstance(b, Meta) for b in buffers):
            temps = [self._materialize(b) if isinstance(b, Meta) else None for b in buffers]
            buffers = [t if t is not None else b for t, b in zip(temps, buffers)]
            temps = [t for t in temps if t is not None]
            if pipe[2]:   # a long info: its own buffer, still bound as group 1
                info = (self.adapter.info_group(buffers[-1], buffers[-1].size), 0)
                buffers = buffers[:-1]
        if self._encoder is None:
            self._encoder = self.adapter.new_encoder()
        self.adapter.encode_dispatch(self._encoder, pipe, buffers, groups, info)
        self._pending += 1
        self.dispatches += 1
        for t in temps:    # pending now: returned to the pool after the submit
            self.free(t)
        if self._pending >= self.submit_every:
            self.flush()

    def _arena_slot(self, data):
        """(info bind group, offset) of ``data`` packed into this submit's arena."""
        off = -(-len(self._arena_data) // INFO_ALIGN) * INFO_ALIGN
        if self._arena is not None and off + INFO_WINDOW > ARENA_BYTES:
            self.flush()
            off = 0
        if self._arena is None:
            self._arena = self.pool.acquire(ARENA_BYTES)
            off = 0
        self._arena_data.extend(b"\0" * (off - len(self._arena_data)))
        self._arena_data.extend(data)
        return (self.adapter.info_group(self._arena, INFO_WINDOW), off)

    def flush(self):
        """Submit pending work (no wait); release buffers freed meanwhile."""
        if self._arena is not None:
            # queue writes land before the work submitted next: the info is in place
            data = bytes(self._arena_data)
            data += b"\0" * (-len(data) % 4)
            self.adapter.write_buffer(self._arena, 0, data)
            self._deferred.setdefault(self._arena.size, []).append(self._arena)
            self._arena = None
            self._arena_data = bytearray()
        if self._encoder is not None:
            self.adapter.submit(self._encoder)
            self._encoder = None
            self.submits += 1
        self._pending = 0
        deferred, self._deferred = self._deferred, {}
        for bucket in deferred.values():
            for buf in bucket:
                self.pool.release(buf)

    @property
    def pipeline_cache_size(self):
        return len(self._pipelines)
