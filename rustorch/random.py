"""Seeds and generators.  A Generator is (seed, offset) into the Philox stream,
so the same seed gives the same numbers on every backend."""
import time

from . import _dtype as dt
from ._errors import InvalidArgument, InvalidType

_DEFAULT_SEED = 67280421310721


class Generator:
    __slots__ = ("_seed", "_offset", "device")

    def __init__(self, device="cpu"):
        from ._device import device as _device
        self.device = _device(device)
        self._seed = _DEFAULT_SEED
        self._offset = 0

    def manual_seed(self, seed):
        seed = int(seed)
        if not -(1 << 63) <= seed < (1 << 64):
            raise InvalidArgument(f"Overflow when unpacking long: seed {seed} out of range")
        self._seed = seed & ((1 << 64) - 1)
        self._offset = 0
        return self

    def seed(self):
        s = time.time_ns() & ((1 << 63) - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        from . import tensor
        raw = self._seed.to_bytes(8, "little") + self._offset.to_bytes(8, "little")
        return tensor(list(raw), dtype=dt.uint8)

    def set_state(self, state):
        raw = bytes(state.tolist())
        if len(raw) != 16:
            raise InvalidArgument(f"RNG state must be 16 bytes, got {len(raw)}")
        self._seed = int.from_bytes(raw[:8], "little")
        self._offset = int.from_bytes(raw[8:], "little")
        return self

    def take(self, n):
        """Reserve ``n`` 32-bit words of the stream; returns (seed, offset)."""
        off = self._offset
        self._offset = off + ((n + 3) // 4) * 4
        return self._seed, off


default_generator = Generator()


def manual_seed(seed):
    default_generator.manual_seed(seed)
    return default_generator


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def _gen(generator):
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise InvalidType(f"generator must be a rustorch.Generator, got {type(generator).__name__}")
    return generator


# ---- numbers from words, written against the namespace (every backend) ----
def work_float(b):
    """The widest float a backend computes in: float64, or float32 where the
    device has no doubles (webgpu), like torch's GPU kernels."""
    return dt.float64 if dt.float64 in b.caps.dtypes else dt.float32


def uniform_array(b, shape, dtype, generator=None):
    """U[0, 1) of ``dtype`` (float32 from 24 bits, float64 from 53 bits)."""
    xp = b.xp
    n = 1
    for s in shape:
        n *= s
    g = _gen(generator)
    if dtype is dt.float64:
        seed, off = g.take(2 * n)
        w = xp.astype(b.random_bits(seed, off, 2 * n), xp.float64)
        hi = xp.floor(xp.divide(w[0::2], 32.0))        # 27 bits
        lo = xp.floor(xp.divide(w[1::2], 64.0))        # 26 bits
        u = xp.multiply(xp.add(xp.multiply(hi, 67108864.0), lo), 2.0 ** -53)
    else:
        seed, off = g.take(n)
        w = b.random_bits(seed, off, n)
        u = xp.multiply(xp.astype(xp.bitwise_right_shift(w, xp.asarray(8, dtype=w.dtype)), xp.float32),
                        xp.asarray(2.0 ** -24, dtype=xp.float32))
    u = xp.reshape(u, tuple(shape))
    return xp.astype(u, b.to_native_dtype(dtype))


def normal_array(b, shape, dtype, generator=None):
    """N(0, 1) by Box-Muller from two uniforms (computed in float64 for float64)."""
    xp = b.xp
    n = 1
    for s in shape:
        n *= s
    work = dt.float64 if dtype is dt.float64 else dt.float32
    m = (n + 1) // 2
    u = uniform_array(b, (2 * m,), work, generator)
    u1, u2 = u[0::2], u[1::2]
    r = xp.sqrt(xp.multiply(-2.0, xp.log(xp.subtract(1.0, u1))))
    theta = xp.multiply(2.0 * 3.141592653589793, u2)
    z = xp.concat([xp.multiply(r, xp.cos(theta)), xp.multiply(r, xp.sin(theta))])
    return xp.astype(xp.reshape(z[:n], tuple(shape)), b.to_native_dtype(dtype))


def randint_array(b, low, high, shape, dtype, generator=None):
    """Integers in [low, high) from 64 random bits each (bias < 2**-32)."""
    xp = b.xp
    span = high - low
    if span <= 0:
        raise InvalidArgument(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if dt.uint64 not in b.caps.dtypes:
        # 64-bit modular arithmetic (webgpu has none): the same numbers are drawn
        # on the host backend from the same generator, then uploaded
        from . import backends
        host = backends.get("cpu")
        h = randint_array(host, low, high, shape, dtype, generator)
        return b.from_buffer(host.to_bytes(h), dtype, tuple(shape))
    n = 1
    for s in shape:
        n *= s
    seed, off = _gen(generator).take(2 * n)
    w = xp.astype(b.random_bits(seed, off, 2 * n), xp.uint64)
    v = xp.bitwise_or(xp.bitwise_left_shift(w[0::2], xp.asarray(32, dtype=xp.uint64)), w[1::2])
    r = xp.remainder(v, xp.asarray(span, dtype=xp.uint64))
    r = xp.add(xp.astype(r, xp.int64), low)
    return xp.astype(xp.reshape(r, tuple(shape)), b.to_native_dtype(dtype))
