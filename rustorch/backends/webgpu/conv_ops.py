"""Convolution and pooling family in WGSL: the contract's ``im2col``,
``col2im`` and ``max_pool`` extension kernels for 1 to 3 spatial dims
(``shaders/im2col.wgsl``, ``col2im.wgsl``, ``maxpool.wgsl``).  Conv layers are
im2col + matmul, their backward col2im.  Inputs are read through their strides.

What stays on the composed fallbacks: more than 3 spatial dims, col2im of
non-float32 arrays (the fallback's sums round like the dtype), max_pool of bool.
"""
import functools
import struct

from ... import _dtype as dt
from ..fallbacks import ComposedKernels, _prod, _window_counts
from . import kernels
from .array import GPUArray

__all__ = []


def _enable(dtype):
    return "enable f16;" if dtype is dt.float16 else ""


def _bits(value, dtype):
    """A Python fill value as the 32-bit word a kernel decodes (see _decode)."""
    if dtype in kernels.FLOATS:
        return struct.unpack("<I", struct.pack("<f", float(value)))[0]
    if dtype is dt.bool:
        return 1 if value else 0
    return int(value) & 0xFFFFFFFF


def _decode(dtype, word):
    """WGSL turning an info word into a value of ``dtype``'s compute type."""
    storage = kernels.DTYPES[dtype][0]
    if dtype in kernels.FLOATS:
        return f"bitcast<f32>({word})"
    return f"bitcast<{storage}>({word})" if storage == "i32" else word


@functools.lru_cache(maxsize=None)
def im2col_kernel(dtype):
    storage = kernels.DTYPES[dtype][0]
    value = _decode(dtype, "info[8]")
    if dtype is dt.float16:
        value = f"f16({value})"
    src = kernels.template("im2col.wgsl").substitute(enable=_enable(dtype), TA=storage,
                                                      VALUE=value)
    return kernels.Kernel(src, 3, dtype, 256)


@functools.lru_cache(maxsize=None)
def col2im_kernel():
    src = kernels.template("col2im.wgsl").substitute(enable="", TA="f32")
    return kernels.Kernel(src, 3, dt.float32, 256)


@functools.lru_cache(maxsize=None)
def maxpool_kernel(dtype):
    storage, compute, _ = kernels.DTYPES[dtype]
    isnan = "rt_isnan(v)" if dtype in kernels.FLOATS else "false"
    src = kernels.template("maxpool.wgsl").substitute(
        enable=_enable(dtype), TA=storage, T=compute, ISNAN=isnan,
        LOW=_decode(dtype, "info[8]"))
    k = kernels.Kernel(src, 4, dtype, 256)
    k.read_only = (True, False, False, True)
    return k


def _outs(shape, kernel, dilation, padding, stride):
    return _window_counts(tuple(s + lo + hi for s, (lo, hi) in zip(shape, padding)),
                          kernel, dilation, stride)


def _supported(x, nsp):
    return isinstance(x, GPUArray) and x.ndim == nsp + 2 and 1 <= nsp <= 3


def im2col(backend, x, kernel, dilation, padding, stride, value=0):
    """torch's unfold: (N, C, *spatial) -> (N, C*K, L), padding filled with ``value``."""
    nsp = len(kernel)
    if not _supported(x, nsp):
        return ComposedKernels.im2col(backend, x, kernel, dilation, padding, stride, value)
    n, c = x.shape[:2]
    outs = _outs(x.shape[2:], kernel, dilation, padding, stride)
    k, l = _prod(kernel), _prod(outs)
    disp = x.dispatcher
    out = GPUArray.empty(disp, (n, c * k, l), x.dtype, kernel_output=True)
    if out.numel == 0:
        return out
    words = [n * c * l, nsp, c, k, l, x.offset, x.strides[0], x.strides[1],
             _bits(value, x.dtype)]
    for d in range(nsp):
        words += [x.shape[2 + d], x.strides[2 + d], kernel[d], dilation[d], stride[d],
                  padding[d][0], outs[d]]
    meta = disp.upload_words(words)
    disp.dispatch(im2col_kernel(x.dtype), [x.storage.buffer, out.storage.buffer, meta],
                  n * c * l)     # one invocation per window: it walks the K offsets
    disp.free(meta)
    return out


def col2im(backend, cols, size, kernel, dilation, padding, stride):
    """torch's fold: columns (N, C*K, L) summed back into (N, C, *size)."""
    nsp = len(kernel)
    k = _prod(kernel)
    if (not isinstance(cols, GPUArray) or cols.dtype is not dt.float32 or cols.ndim != 3
            or not 1 <= nsp <= 3 or k == 0):
        return ComposedKernels.col2im(backend, cols, size, kernel, dilation, padding, stride)
    n, ck = cols.shape[:2]
    c = ck // k
    outs = _outs(size, kernel, dilation, padding, stride)
    if ck % k or cols.shape[2] != _prod(outs):   # the fallback names the mismatch
        return ComposedKernels.col2im(backend, cols, size, kernel, dilation, padding, stride)
    disp = cols.dispatcher
    out = GPUArray.empty(disp, (n, c) + tuple(size), dt.float32, kernel_output=True)
    if out.numel == 0:
        return out
    if _prod(outs) == 0:    # no window fits: nothing to sum
        return backend.xp.zeros(out.shape, dtype=dt.float32)
    words = [out.numel, nsp, c, k, _prod(outs), cols.offset] + list(cols.strides) \
        + [_prod(size)]
    for d in range(nsp):
        words += [size[d], kernel[d], dilation[d], stride[d], padding[d][0], outs[d]]
    meta = disp.upload_words(words)
    disp.dispatch(col2im_kernel(), [cols.storage.buffer, out.storage.buffer, meta], out.numel)
    disp.free(meta)
    return out


def _low(dtype):
    """The smallest value of ``dtype`` (what an all-padding window would hold)."""
    if dtype in kernels.FLOATS:
        return float("-inf")
    if dtype in (dt.uint8, dt.uint32):
        return 0
    return -(2 ** (8 * dtype.itemsize - 1)) if dtype is not dt.int64 else -(2 ** 31)


def max_pool(backend, x, kernel, dilation, padding, stride):
    """(values (N, C, *out), int64 flat in-plane indices of the maxima), like torch."""
    nsp = len(kernel)
    if not _supported(x, nsp) or x.dtype is dt.bool:
        return ComposedKernels.max_pool(backend, x, kernel, dilation, padding, stride)
    n, c = x.shape[:2]
    outs = _outs(x.shape[2:], kernel, dilation, padding, stride)
    k, p = _prod(kernel), _prod(outs)
    disp = x.dispatcher
    shape = (n, c) + tuple(outs)
    vals = GPUArray.empty(disp, shape, x.dtype, kernel_output=True)
    idx = GPUArray.empty(disp, shape, dt.int64, kernel_output=True)
    if vals.numel == 0 or k == 0:
        xp = backend.xp
        return xp.zeros(shape, dtype=x.dtype), xp.zeros(shape, dtype=dt.int64)
    words = [vals.numel, nsp, c, k, p, x.offset, x.strides[0], x.strides[1],
             _bits(_low(x.dtype), x.dtype)]
    plane = [1] * nsp
    for d in range(nsp - 2, -1, -1):
        plane[d] = plane[d + 1] * x.shape[3 + d]
    for d in range(nsp):
        words += [x.shape[2 + d], x.strides[2 + d], kernel[d], dilation[d], stride[d],
                  padding[d][0], outs[d], plane[d]]
    meta = disp.upload_words(words)
    disp.dispatch(maxpool_kernel(x.dtype),
                  [x.storage.buffer, vals.storage.buffer, idx.storage.buffer, meta], vals.numel)
    disp.free(meta)
    return vals, idx


EXTENSIONS = {"im2col": im2col, "col2im": col2im, "max_pool": max_pool}
