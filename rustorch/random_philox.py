"""Philox4x32-10, the counter-based generator behind every random tensor.

Written once against an array namespace, so NumPy, the pure-Python namespace and
GPU namespaces all draw the same stream for the same (seed, offset).
"""
M0, M1 = 0xD2511F53, 0xCD9E8D57
W0, W1 = 0x9E3779B9, 0xBB67AE85
MASK32 = 0xFFFFFFFF


def philox_words_xp(xp, seed, offset, n):
    """``n`` uint32 words starting at word ``offset`` (multiple of 4)."""
    if offset % 4:
        raise ValueError("philox offset must be a multiple of 4")
    nblocks = (n + 3) // 4
    u64 = xp.uint64
    start = offset // 4
    blocks = xp.arange(start, start + nblocks, dtype=u64)
    mask = xp.asarray(MASK32, dtype=u64)
    c0 = xp.bitwise_and(blocks, mask)
    c1 = xp.bitwise_right_shift(blocks, xp.asarray(32, dtype=u64))
    c2 = xp.zeros(nblocks, dtype=u64)
    c3 = xp.zeros(nblocks, dtype=u64)
    k0, k1 = seed & MASK32, (seed >> 32) & MASK32
    m0, m1, sh = xp.asarray(M0, dtype=u64), xp.asarray(M1, dtype=u64), xp.asarray(32, dtype=u64)
    for _ in range(10):
        p0 = xp.multiply(c0, m0)
        p1 = xp.multiply(c2, m1)
        hi0, lo0 = xp.bitwise_right_shift(p0, sh), xp.bitwise_and(p0, mask)
        hi1, lo1 = xp.bitwise_right_shift(p1, sh), xp.bitwise_and(p1, mask)
        c0 = xp.bitwise_xor(xp.bitwise_xor(hi1, c1), xp.asarray(k0, dtype=u64))
        c2 = xp.bitwise_xor(xp.bitwise_xor(hi0, c3), xp.asarray(k1, dtype=u64))
        c1, c3 = lo1, lo0
        k0 = (k0 + W0) & MASK32
        k1 = (k1 + W1) & MASK32
    words = xp.reshape(xp.stack([c0, c1, c2, c3], axis=1), (nblocks * 4,))
    return xp.astype(words[:n], xp.uint32)


def philox_block(seed, counter):
    """Reference scalar Philox4x32-10 of block ``counter`` under ``seed``."""
    return philox4x32((counter & MASK32, counter >> 32 & MASK32, 0, 0),
                      (seed & MASK32, seed >> 32 & MASK32))


def philox4x32(counter, key):
    """Philox4x32-10 of a 4-word counter and 2-word key (Random123's definition)."""
    c0, c1, c2, c3 = counter
    k0, k1 = key
    for _ in range(10):
        p0, p1 = c0 * M0, c2 * M1
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & MASK32, (p0 >> 32) ^ c3 ^ k1, p0 & MASK32
        k0, k1 = (k0 + W0) & MASK32, (k1 + W1) & MASK32
    return c0, c1, c2, c3
