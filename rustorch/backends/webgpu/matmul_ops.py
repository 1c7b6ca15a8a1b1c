"""The fast matmul path: ``shaders/matmul_vec4.wgsl`` (128x128 tiles, 8x8
outputs per invocation, vec4 loads) for float32 operands laid out row-major or
transposed-row-major, which is what Linear layers and their gradients produce
(``x @ W.T``, ``g.T @ x``, ``g @ W``).  Anything else (odd sizes, other
strides, broadcast batches) goes to the general kernel in linalg_ops.
"""
import functools

from ... import _dtype as dt
from . import kernels
from .array import GPUArray

# One slice load of an operand into workgroup memory, written once for both: A
# (rows m, tile start row0, bound M) and B (columns n, col0, N) mirror each other.
# Stored with K innermost (A row-major, B transposed): 128 rows x 2 k-quads,
# transposed into the k-major tile.
_LOAD_TRANSPOSING = """{{
            let r = e / KQ;
            let kq = e % KQ;
            let gr = {start} + r;
            let gk = k0 + kq * 4u;
            var v = vec4<f32>(0.0);
            if (gr < {extent} && gk < K) {{ v = {src}[{off} + (gr * K + gk) / 4u]; }}
            let r4 = r / 4u;
            let rc = r % 4u;
            {dst}[(kq * 4u) * 32u + r4][rc] = v.x;
            {dst}[(kq * 4u + 1u) * 32u + r4][rc] = v.y;
            {dst}[(kq * 4u + 2u) * 32u + r4][rc] = v.z;
            {dst}[(kq * 4u + 3u) * 32u + r4][rc] = v.w;
        }}"""
# Stored k-major (A transposed, B row-major): 8 k-rows x 32 quads, copied as they are.
_LOAD_DIRECT = """{{
            let k = e / 32u;
            let q = e % 32u;
            let gk = k0 + k;
            let g = {start} + q * 4u;
            var v = vec4<f32>(0.0);
            if (gk < K && g < {extent}) {{ v = {src}[{off} + (gk * {extent} + g) / 4u]; }}
            {dst}[k * 32u + q] = v;
        }}"""


def _load(operand, k_major):
    """The LOAD_A / LOAD_B text of matmul_vec4.wgsl for ``operand`` "a" or "b"
    stored k-major (A transposed, B row-major) or with K innermost."""
    names = dict(src="a", dst="As", start="row0", extent="M", off="oa") if operand == "a" else \
        dict(src="b", dst="Bs", start="col0", extent="N", off="ob")
    return (_LOAD_DIRECT if k_major else _LOAD_TRANSPOSING).format(**names)


BK = 16   # K slice: 16 halves the barriers of 8 and fills the portable 16 KiB


@functools.lru_cache(maxsize=None)
def vec4_kernel(a_transposed, b_transposed, bk=None):
    bk = bk or BK
    src = kernels.template("matmul_vec4.wgsl").substitute(
        LOAD_A=_load("a", a_transposed), LOAD_B=_load("b", not b_transposed), BK=bk, TILE=bk * 32)
    return kernels.Kernel(src, 4, dt.float32, 256)


def _layout(x, rows, cols):
    """False for row-major (rows x cols), True for stored transposed, None otherwise."""
    sr, sc = x.strides[-2], x.strides[-1]
    if (sc == 1 or cols == 1) and (sr == cols or rows == 1):
        return False
    if (sr == 1 or rows == 1) and (sc == rows or cols == 1):
        return True
    return None


def _batch_stride(x, batch_shape):
    """One element stride for the (flattened) batch dims, or None; 0 for an
    operand shared by every batch (no batch dims of its own, or only 1s: a
    conv's weight against im2col columns)."""
    if not batch_shape or all(s == 1 for s in x.shape[:-2]):
        return 0
    if tuple(x.shape[:-2]) != tuple(batch_shape):
        return None
    st = x.strides[:-2]
    # the batch dims must flatten into one evenly strided run
    expect = st[-1]
    for size, s in zip(reversed(x.shape[:-2]), reversed(st)):
        if size != 1 and s != expect:
            return None
        expect = s * size
    return st[-1]


def try_matmul(a, b, batch):
    """The product through the vec4 kernel, or None when the layouts do not fit."""
    M, K = a.shape[-2:]
    N = b.shape[-1]
    if a.dtype is not dt.float32 or b.dtype is not dt.float32 or min(M, N, K) == 0:
        return None
    if K % 4 or N % 4:
        return None
    # most of a 128x128 tile idle (a 64x16 product): the general kernel's
    # smaller tiles fit better (measured on SwiftShader and H100 alike)
    if M * N < 0.25 * (-(-M // 128) * 128) * (-(-N // 128) * 128):
        return None
    ta, tb = _layout(a, M, K), _layout(b, K, N)
    if ta is None or tb is None or (ta and M % 4):
        return None
    sa, sb = _batch_stride(a, batch), _batch_stride(b, batch)
    if sa is None or sb is None or (sa % 4) or (sb % 4) or a.offset % 4 or b.offset % 4:
        return None
    a_b, b_b = a.bindable(), b.bindable()
    if a_b is None or b_b is None or a_b.offset % 4 or b_b.offset % 4:
        return None
    nbatch = 1
    for s in batch:
        nbatch *= s
    disp = a.dispatcher
    out = GPUArray.empty(disp, tuple(batch) + (M, N), dt.float32, kernel_output=True)
    if out.is_big():
        return None
    tiles_m, tiles_n = -(-M // 128), -(-N // 128)
    meta = disp.upload_words([M, N, K, nbatch, tiles_n, tiles_m, a_b.offset // 4,
                              b_b.offset // 4, sa // 4, sb // 4])
    disp.dispatch(vec4_kernel(ta, tb, BK),
                  [a_b.storage.buffer, b_b.storage.buffer, out.storage.buffer, meta],
                  tiles_m * tiles_n * nbatch * 256)
    disp.free(meta)
    return out
