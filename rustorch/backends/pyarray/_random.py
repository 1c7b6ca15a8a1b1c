"""Philox4x32-10 over Python lists: each round is a few comprehensions over
all blocks, so drawing 100k numbers costs milliseconds, not the hundreds of
array ops the namespace-generic version would build."""
import array

from ...random_philox import M0, M1, MASK32, W0, W1


def philox_words(seed, offset, n):
    """``n`` uint32 words of the stream for ``seed`` from word ``offset``
    (a multiple of 4); identical to ``random_philox.philox_words_xp``."""
    nblocks = (n + 3) // 4
    start = offset // 4
    blocks = range(start, start + nblocks)
    c0 = [b & MASK32 for b in blocks]
    c1 = [b >> 32 for b in blocks]
    c2 = [0] * nblocks
    c3 = [0] * nblocks
    k0, k1 = seed & MASK32, (seed >> 32) & MASK32
    for _ in range(10):
        p0 = [c * M0 for c in c0]
        p1 = [c * M1 for c in c2]
        c0, c1, c2, c3 = ([(p >> 32) ^ c ^ k0 for p, c in zip(p1, c1)],
                          [p & MASK32 for p in p1],
                          [(p >> 32) ^ c ^ k1 for p, c in zip(p0, c3)],
                          [p & MASK32 for p in p0])
        k0 = (k0 + W0) & MASK32
        k1 = (k1 + W1) & MASK32
    words = array.array("I", bytes(4 * 4 * nblocks))
    words[0::4] = array.array("I", c0)
    words[1::4] = array.array("I", c1)
    words[2::4] = array.array("I", c2)
    words[3::4] = array.array("I", c3)
    return words[:n]
