"""A buffer pool: GPU buffers are expensive to create, so freed ones are kept
per size class and handed out again.

Size classes are powers of two from 256 bytes up (at most 2x waste, few classes,
so reuse is likely).  ``stats()`` reports bytes held by live arrays
(``allocated``), bytes kept for reuse (``cached``) and the peak of ``allocated``.
"""
from ..._errors import InvalidArgument

_MIN_CLASS = 256


def size_class(nbytes):
    """The bucket a request of ``nbytes`` is served from."""
    if nbytes < 0:
        raise InvalidArgument(f"buffer size must be >= 0, got {nbytes}")
    size = _MIN_CLASS
    while size < nbytes:
        size *= 2
    return size


class BufferPool:
    __slots__ = ("_adapter", "_free", "allocated_bytes", "cached_bytes", "peak_bytes",
                 "hits", "misses")

    def __init__(self, adapter):
        self._adapter = adapter
        self._free = {}          # size class -> [buffer, ...]
        self.allocated_bytes = 0
        self.cached_bytes = 0
        self.peak_bytes = 0
        self.hits = 0
        self.misses = 0

    def class_of(self, nbytes):
        """The size of the buffer a request of ``nbytes`` gets."""
        cls = size_class(nbytes)
        # past the binding limit, doubling wastes too much: round to 256 bytes
        if cls > self._adapter.limits.max_binding_size:
            cls = -(-nbytes // 256) * 256
        return cls

    def acquire(self, nbytes):
        """A buffer of at least ``nbytes`` (its ``.size`` is the size class)."""
        cls = self.class_of(nbytes)
        bucket = self._free.get(cls)
        if bucket:
            buf = bucket.pop()
            self.cached_bytes -= cls
            self.hits += 1
        else:
            buf = self._adapter.create_buffer(cls)
            self.misses += 1
        self.allocated_bytes += cls
        self.peak_bytes = max(self.peak_bytes, self.allocated_bytes)
        return buf

    def release(self, buf):
        """Give ``buf`` back for reuse.  The caller guarantees no pending GPU work uses it."""
        size = buf.size
        self.allocated_bytes -= size
        self.cached_bytes += size
        self._free.setdefault(size, []).append(buf)

    def empty_cache(self):
        """Destroy every cached (unused) buffer."""
        forget = getattr(self._adapter, "forget_buffers", None)
        if forget is not None:
            forget()
        for bucket in self._free.values():
            for buf in bucket:
                self._adapter.destroy_buffer(buf)
        self._free.clear()
        self.cached_bytes = 0

    def stats(self):
        return {"allocated_bytes": self.allocated_bytes, "cached_bytes": self.cached_bytes,
                "peak_bytes": self.peak_bytes, "hits": self.hits, "misses": self.misses}

    def reset_peak(self):
        self.peak_bytes = self.allocated_bytes
