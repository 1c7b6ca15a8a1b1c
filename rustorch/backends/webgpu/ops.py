"""Elementwise ops on GPUArrays: build (cached) kernels, pack strides, dispatch.

Both inputs of a binary op must share one dtype: type promotion belongs to the
backend namespace above, which casts first (``cast``).
"""
from ... import _dtype as dt
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
    if n and not out.is_big():   # small views of big buffers: bind a window around them
        inputs = [_bindable_or_self(x) for x in inputs]
    if n and (out.is_big() or any(x.is_big() for x in inputs)):
        _run_in_windows(kernel, inputs, out)
    elif n:
        views = [x.broadcast_to(shape) for x in inputs]
        flat = _flatten(views, n)
        meta = _meta(disp, n, (n,), flat) if flat else _meta(disp, n, shape, views)
        if flat:
            kernel = kernels.flat_variant(kernel)
        disp.dispatch(kernel, [x.storage.buffer for x in inputs] + [out.storage.buffer, meta], n)
        disp.free(meta)   # deferred until the dispatch is submitted
    return out


def _flatten(views, n):
    """The views as 1-D (n,) views when each is contiguous or a broadcast
    scalar: the kernels' index loop then runs once per element, not per dim."""
    out = []
    for v in views:
        if v.is_contiguous():
            out.append(GPUArray(v.storage, v.dtype, (n,), (1,), v.offset))
        elif all(s == 0 for s in v.strides):
            out.append(GPUArray(v.storage, v.dtype, (n,), (0,), v.offset))
        else:
            return None
    return out


def _bindable_or_self(x):
    b = x.bindable()
    return x if b is None else b


def window_elements(disp):
    """Elements per window of a tensor larger than one binding: a multiple of
    256 elements, leaving room for the window's alignment slack."""
    return (disp.adapter.limits.max_binding_size // 4 - 256) // 256 * 256


def _run_in_windows(kernel, inputs, out):
    """An elementwise kernel over a tensor larger than one binding (128 MiB):
    the output and every full-size input are taken in aligned windows, one
    dispatch each; small inputs (broadcast scalars, rows) are bound whole."""
    disp = out.dispatcher
    shape = out.shape
    full = []
    for x in inputs:
        if x.shape == shape and x.is_contiguous():
            full.append(True)
        elif not x.is_big():
            full.append(False)
        else:
            raise ShapeError(f"a tensor of shape {shape_str(x.shape)} larger than one WebGPU "
                             f"binding must be contiguous and of the result's shape "
                             f"{shape_str(shape)} here; call .contiguous() first")
    step = window_elements(disp)
    flat_views = []
    for x, f in zip(inputs, full):
        flat_views.append(None if f else x.broadcast_to(shape))
    for start in range(0, out.numel, step):
        n = min(step, out.numel - start)
        wins = []
        for x, f, v in zip(inputs, full, flat_views):
            if f:
                wins.append(x.window(start, n))
            else:   # the small operand, indexed as it would be at these positions
                wins.append(_rows_of(v, start, n))
        # the fresh output's windows start on multiples of 256 elements: offset 0,
        # as the kernels (which write out[i]) need
        o = out.window(start, n)
        meta = _meta(disp, n, (n,), wins)
        disp.dispatch(kernels.flat_variant(kernel),
                      [w.storage.buffer for w in wins] + [o.storage.buffer, meta], n)
        disp.free(meta)


def _rows_of(view, start, n):
    """A small broadcast operand seen over flat positions [start, start + n) of
    the result: only a 0-d/stride-0 operand has a 1-D form; others refuse."""
    if all(s == 0 for s in view.strides):
        return GPUArray(view.storage, view.dtype, (n,), (0,), view.offset)
    raise ShapeError(f"broadcasting a {shape_str(view.shape)} operand against a tensor "
                     f"larger than one WebGPU binding is not supported; expand it first")


def unary(name, x, workgroup_size=kernels.WORKGROUP_SIZE):
    return _run(kernels.unary_kernel(name, x.dtype, workgroup_size), [x], x.shape)


def binary(name, a, b, workgroup_size=kernels.WORKGROUP_SIZE):
    if a.dtype is not b.dtype:
        raise DTypeError(f"WebGPU op {name!r} got dtypes {a.dtype} and {b.dtype}; cast one "
                         f"first (promotion happens above the kernel layer)")
    if a.dispatcher is not b.dispatcher:
        raise DTypeError(f"WebGPU op {name!r} got arrays from two different devices")
    shape = broadcast_shapes(a.shape, b.shape)
    if (name in kernels.VEC4_BINARY and a.dtype is dt.float32
            and workgroup_size == kernels.WORKGROUP_SIZE):
        out = None
        if a.shape == b.shape == shape:
            out = _run_vec4(name, a, b)
        elif b.numel == 1 and a.shape == shape:      # x * 0.5: the common optimizer form
            out = _run_vec4(name, a, b, b_scalar=True)
        elif a.numel == 1 and b.shape == shape:      # 1 - x
            out = _run_vec4(name, a, b, a_scalar=True)
        if out is not None:
            return out
    return _run(kernels.binary_kernel(name, a.dtype, workgroup_size), [a, b], shape)


def _aligned(x):
    return x.is_contiguous() and x.offset % 4 == 0


def _run_vec4(name, a, b, a_scalar=False, b_scalar=False):
    """Contiguous, 4-aligned float32 operands of one shape (or one of them a
    single element, broadcast): four elements per invocation
    (elementwise_vec4.wgsl), window by window past one binding."""
    full = b if a_scalar else a
    n = full.numel
    if n == 0 or n % 4 or not all(_aligned(x) for x, s in ((a, a_scalar), (b, b_scalar)) if not s):
        return None
    scalars = {}
    for key, x, is_scalar in (("a", a, a_scalar), ("b", b, b_scalar)):
        if is_scalar:
            scalars[key] = x.bindable()   # a window when it is an element of a huge buffer
            if scalars[key] is None:
                return None
    disp = full.dispatcher
    out = GPUArray.empty(disp, full.shape, dt.float32, kernel_output=True)
    k = kernels.vec4_binary_kernel(name, a_scalar=a_scalar, b_scalar=b_scalar)
    big = out.is_big() or any(x.is_big() for x, s in ((a, a_scalar), (b, b_scalar)) if not s)
    step = window_elements(disp) if big else n
    for start in range(0, n, step):
        m = min(step, n - start)
        # windows start on 256-element boundaries, so 4-aligned arrays stay aligned
        wa, wb = (scalars[key] if key in scalars else x.window(start, m) if big else x
                  for key, x in (("a", a), ("b", b)))
        wo = out.window(start, m) if big else out
        meta = disp.upload_words([m // 4, wa.offset if a_scalar else wa.offset // 4,
                                  wb.offset if b_scalar else wb.offset // 4])
        disp.dispatch(k, [wa.storage.buffer, wb.storage.buffer, wo.storage.buffer, meta],
                      m // 4)
        disp.free(meta)
    return out


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
    dst_b, src_b = dst.bindable(), src.bindable()
    if dst_b is None or src_b is None:
        return _copy_big(dst, src)
    if dst_b is not dst:
        copy_into(dst_b, src_b)
        return dst
    src = src_b
    if src.storage is dst.storage:   # overlapping reads and writes: read a snapshot
        src = contiguous_any(src)
    src = src.broadcast_to(dst.shape)
    n = dst.numel
    if n == 0:
        return dst
    disp = dst.dispatcher
    flat = _flatten([src, dst], n)   # contiguous (or a scalar source): one index step
    meta = _meta(disp, n, (n,), flat) if flat else _meta(disp, n, dst.shape, [src, dst])
    k = kernels.strided_copy_kernel(dst.dtype)
    disp.dispatch(kernels.flat_variant(k) if flat else k,
                  [src.storage.buffer, dst.storage.buffer, meta], n)
    disp.free(meta)
    return dst


def _copy_big(dst, src):
    """copy_into for tensors larger than one binding: whole contiguous ranges
    (or a broadcast scalar) copied window by window."""
    if not (dst.is_contiguous() and (src.is_contiguous() and src.shape == dst.shape
                                     or all(s == 0 for s in src.broadcast_to(dst.shape).strides))):
        raise ShapeError(f"copying into a tensor larger than one WebGPU binding needs "
                         f"contiguous operands of one shape (got {shape_str(src.shape)} "
                         f"into {shape_str(dst.shape)})")
    disp = dst.dispatcher
    step = window_elements(disp)
    k = kernels.flat_variant(kernels.strided_copy_kernel(dst.dtype))   # 1-D windows
    scalar = src.shape != dst.shape
    for start in range(0, dst.numel, step):
        n = min(step, dst.numel - start)
        s = GPUArray(src.storage, src.dtype, (n,), (0,), src.offset) if scalar \
            else src.window(start, n)
        d = dst.window(start, n)
        meta = _meta(disp, n, (n,), [s, d])
        disp.dispatch(k, [s.storage.buffer, d.storage.buffer, meta], n)
        disp.free(meta)
    return dst