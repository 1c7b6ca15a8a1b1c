"""Random numbers and optimizer steps: random_bits (Philox4x32-10) and
adam_step (extension kernels).  random_bits runs through the host bridge
until its WGSL kernel lands here; adam_step uses the composed fallback."""
from . import host

__all__ = []


def random_bits(backend, seed, offset, n):
    host._COUNTS["random_bits"] = host._COUNTS.get("random_bits", 0) + 1
    hb = host.host_backend()
    return host.from_host(backend.context.dispatcher, hb.random_bits(seed, offset, n))


EXTENSIONS = {"random_bits": random_bits}
