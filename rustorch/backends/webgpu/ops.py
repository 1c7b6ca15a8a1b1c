"""Elementwise ops on GPUArrays: build (cached) kernels, pack strides, dispatch.

Both inputs of a binary op must share one dtype: type promotion belongs to the
backend namespace above, which casts first (``cast``).
"""
from ..._errors import DTypeError, ShapeError, shape_str
from . import kernels
from .array import GPUArray


def broadcast_shapes(a, b):
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and 1 not in (x, y):
            raise ShapeError(f"shapes {shape_str(a)} and {shape_str(b)} cannot be broadcast")
        out.append(y if x == 1 else x)
    return tuple(reversed(out))


def _meta(dispatcher, n, shape, views):
    """The u32 `info` buffer the templates read (see shaders/elementwise_*.wgsl).
    Negative strides (flipped views) are stored as two's complement: the
    kernels' u32 index sums wrap to the right element."""
    words = [n, len(shape)] + [v.offset for v in views] + list(shape)
    for v in views:
        words += v.strides
    return dispatcher.upload_words(words)


def _run(kernel, inputs, shape):
    disp = inputs[0].dispatcher
    out = GPUArray.empty(disp, shape, kernel.out_dtype, kernel_output=True)
    n = out.numel
    if n:
        views = [x.broadcast_to(shape) for x in inputs]
        meta = _meta(disp, n, shape, views)
        disp.dispatch(kernel, [x.storage.buffer for x in inputs] + [out.storage.buffer, meta], n)
        disp.free(meta)   # deferred until the dispatch is submitted
    return out


def unary(name, x, workgroup_size=kernels.WORKGROUP_SIZE):
    return _run(kernels.unary_kernel(name, x.dtype, workgroup_size), [x], x.shape)


def binary(name, a, b, workgroup_size=kernels.WORKGROUP_SIZE):
    if a.dtype is not b.dtype:
        raise DTypeError(f"WebGPU op {name!r} got dtypes {a.dtype} and {b.dtype}; cast one "
                         f"first (promotion happens above the kernel layer)")
    if a.dispatcher is not b.dispatcher:
        raise DTypeError(f"WebGPU op {name!r} got arrays from two different devices")
    shape = broadcast_shapes(a.shape, b.shape)
    return _run(kernels.binary_kernel(name, a.dtype, workgroup_size), [a, b], shape)


def cast(x, dtype, workgroup_size=kernels.WORKGROUP_SIZE):
    kernels.check_dtype(dtype, x.dispatcher.adapter.features)
    return _run(kernels.cast_kernel(x.dtype, dtype, workgroup_size), [x], x.shape)


def contiguous(x):
    """A contiguous copy of a (possibly strided) view."""
    return unary("copy", x)


def contiguous_any(x):
    """A contiguous copy of a view of any stored dtype (raw words, no conversion)."""
    out = GPUArray.empty(x.dispatcher, x.shape, x.dtype, kernel_output=True)
    return copy_into(out, x) if out.numel else out


def copy_into(dst, src):
    """dst[...] = src (same dtype, src broadcast to dst's shape), dst any strided view."""
    if dst.dtype is not src.dtype:
        raise DTypeError(f"copy_into got dtypes {dst.dtype} and {src.dtype}; cast first")
    if src.storage is dst.storage:   # overlapping reads and writes: read a snapshot
        src = contiguous(src)
    src = src.broadcast_to(dst.shape)
    n = dst.numel
    if n == 0:
        return dst
    disp = dst.dispatcher
    meta = _meta(disp, n, dst.shape, [src, dst])
    disp.dispatch(kernels.strided_copy_kernel(dst.dtype),
                  [src.storage.buffer, dst.storage.buffer, meta], n)
    disp.free(meta)
    return dst
