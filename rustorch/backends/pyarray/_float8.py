"""Bit-exact float8 conversions (pure Python): the four formats torch and ONNX name.

A format is ``exp_bits`` exponent bits, ``man_bits`` mantissa bits and a bias; the
"fn" kinds have no infinities (one NaN pattern per sign), the "fnuz" kinds have
neither infinities nor -0 (0x80 is their only NaN).  ``encode`` rounds to nearest,
ties to even, after rounding to float32 first (torch and ml_dtypes convert doubles
that way, so doing the same avoids a double-rounding mismatch).  Out of range:
``saturate`` clamps finite values to the largest magnitude; otherwise they become
inf (e5m2) or NaN (the others).  Infinities saturate only for e4m3fn (ONNX's rule);
e5m2 keeps them and the fnuz kinds turn them into NaN.
"""
import math
import struct


class Float8Format:
    __slots__ = ("name", "exp_bits", "man_bits", "bias", "has_inf", "has_neg_zero",
                 "max_pattern", "nan_pattern", "decode_table")

    def __init__(self, name, exp_bits, man_bits, bias, has_inf, has_neg_zero, max_pattern, nan_pattern):
        self.name = name
        self.exp_bits, self.man_bits, self.bias = exp_bits, man_bits, bias
        self.has_inf, self.has_neg_zero = has_inf, has_neg_zero
        self.max_pattern = max_pattern      # largest finite magnitude (sign bit clear)
        self.nan_pattern = nan_pattern      # canonical NaN with the sign bit clear
        self.decode_table = [self._decode_slow(b) for b in range(256)]

    def _decode_slow(self, b):
        sign = -1.0 if b & 0x80 else 1.0
        mag = b & 0x7F
        if not self.has_neg_zero and b == 0x80:
            return math.nan
        if self.has_neg_zero and not self.has_inf and mag == 0x7F:
            return math.nan                 # e4m3fn: S.1111.111
        e = mag >> self.man_bits
        m = mag & ((1 << self.man_bits) - 1)
        if self.has_inf and e == (1 << self.exp_bits) - 1:
            return sign * math.inf if m == 0 else math.nan
        if e == 0:                          # subnormal
            return sign * math.ldexp(m, 1 - self.bias - self.man_bits)
        return sign * math.ldexp((1 << self.man_bits) + m, e - self.bias - self.man_bits)

    @property
    def max(self):
        return self.decode_table[self.max_pattern]

    def _nan(self, negative):
        if not self.has_neg_zero:
            return 0x80
        return self.nan_pattern | (0x80 if negative else 0)

    def encode_one(self, x, saturate):
        """The bit pattern of float ``x``."""
        if x != x:
            return self._nan(math.copysign(1.0, x) < 0)
        try:                                # round to float32 first, like torch
            x = struct.unpack("<f", struct.pack("<f", x))[0]
        except OverflowError:
            x = math.copysign(math.inf, x)
        neg = math.copysign(1.0, x) < 0
        sign = 0x80 if neg else 0
        a = -x if neg else x
        if a == math.inf:
            if self.has_inf:
                return sign | (((1 << self.exp_bits) - 1) << self.man_bits)
            if saturate and self.has_neg_zero:           # e4m3fn: inf saturates
                return sign | self.max_pattern
            return self._nan(neg)
        m_bits = self.man_bits
        emin = 1 - self.bias
        if a < math.ldexp(1.0, emin):                     # subnormal range (or zero)
            pattern = round(math.ldexp(a, m_bits - emin))  # ties to even (exact halves)
        else:
            e = math.frexp(a)[1] - 1
            n = round((math.ldexp(a, -e) - 1.0) * (1 << m_bits))
            pattern = ((e + self.bias) << m_bits) + n     # a carry moves into the exponent
        if pattern > self.max_pattern:
            if saturate:
                return sign | self.max_pattern
            if self.has_inf:
                return sign | (((1 << self.exp_bits) - 1) << m_bits)
            return self._nan(neg)
        if pattern == 0 and not self.has_neg_zero:
            return 0
        return sign | pattern


E4M3FN = Float8Format("float8_e4m3fn", 4, 3, 7, False, True, 0x7E, 0x7F)
E5M2 = Float8Format("float8_e5m2", 5, 2, 15, True, True, 0x7B, 0x7F)
E4M3FNUZ = Float8Format("float8_e4m3fnuz", 4, 3, 8, False, False, 0x7F, 0x80)
E5M2FNUZ = Float8Format("float8_e5m2fnuz", 5, 2, 16, False, False, 0x7F, 0x80)
FORMATS = {f.name: f for f in (E4M3FN, E5M2, E4M3FNUZ, E5M2FNUZ)}


def encode(values, fmt, saturate=False):
    """Bit patterns (a list of ints 0..255) of float ``values``."""
    enc = fmt.encode_one
    return [enc(float(v), saturate) for v in values]


def decode(patterns, fmt):
    """Float values of bit patterns."""
    table = fmt.decode_table
    return [table[b] for b in patterns]
