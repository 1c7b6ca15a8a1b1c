"""Linear-algebra and row-reduction kernels on GPUArrays (issue 8, round 2).

* ``matmul`` (torch.matmul semantics: 1-D promotion, broadcast batch dims) and
  ``bmm`` for float32, through the tiled ``shaders/matmul.wgsl``; strided and
  transposed inputs are read through their strides, never copied.
* ``softmax`` / ``log_softmax`` and ``layer_norm`` over the last dim through
  ``shaders/softmax.wgsl`` / ``shaders/layernorm.wgsl`` (one workgroup per row),
  and ``logsumexp`` over any axes through ``shaders/logsumexp.wgsl`` (the axes
  moved last and flattened into rows).
* ``EXTENSIONS``: the contract's softmax, log_softmax, layer_norm (y, mean,
  rstd over the last k dims, flattened into one row) and logsumexp for
  float32; other dtypes take the composed fallbacks.

Only float32: integer matmul has no torch-compatible overflow story in WGSL, and
these are float ops in torch anyway.
"""
import functools
import struct

from ... import _dtype as dt
from ..._errors import DTypeError, InvalidArgument, ShapeError, UnsupportedError, shape_str
from . import kernels, ops
from .array import GPUArray

TK = 16   # K slice held in workgroup memory per step


def _check_f32(name, *arrays):
    for x in arrays:
        if x is None:
            continue
        if not isinstance(x, GPUArray):
            raise DTypeError(f"WebGPU {name} takes GPUArrays, got {type(x).__name__}")
        if x.dtype is not dt.float32:
            raise DTypeError(f"WebGPU {name} supports float32 only, got {x.dtype} "
                             f"(cast to float32 first)")
    disp = {x.dispatcher for x in arrays if x is not None}
    if len(disp) > 1:
        raise DTypeError(f"WebGPU {name} got arrays from two different devices")


def _upload_meta(disp, words):
    return disp.upload_words(words)


# ---------------------------------------------------------------- matmul
def _block(n):
    """Register blocking per dimension: 4 outputs per invocation on big sides,
    fewer on small ones so tiny matrices do not waste a 64-wide tile."""
    return 4 if n >= 64 else 2 if n >= 32 else 1


@functools.lru_cache(maxsize=None)
def matmul_kernel(rm, rn):
    if rm not in (1, 2, 4) or rn not in (1, 2, 4):
        raise InvalidArgument(f"matmul register blocking must be 1, 2 or 4, got {rm}x{rn}")
    bm, bn = 16 * rm, 16 * rn
    src = kernels.template("matmul.wgsl").substitute(
        RM=rm, RN=rn, TK=TK, BM=bm, BN=bn, SA=bm * TK, SB=TK * bn, RMN=rm * rn)
    return kernels.Kernel(src, 4, dt.float32, 256)


def _batched(a, b, batch):
    """a: (..., M, K), b: (..., K, N) views; batch: the broadcast batch shape."""
    disp = a.dispatcher
    M, K = a.shape[-2:]
    N = b.shape[-1]
    out = GPUArray.empty(disp, tuple(batch) + (M, N), dt.float32, kernel_output=True)
    nbatch = 1
    for s in batch:
        nbatch *= s
    if out.numel == 0:
        return out
    rm, rn = _block(M), _block(N)
    tiles_m, tiles_n = -(-M // (16 * rm)), -(-N // (16 * rn))
    bsa = a.broadcast_to(tuple(batch) + a.shape[-2:]).strides[:-2]
    bsb = b.broadcast_to(tuple(batch) + b.shape[-2:]).strides[:-2]
    words = ([M, N, K, nbatch, tiles_n, tiles_m, a.offset, b.offset,
              a.strides[-2], a.strides[-1], b.strides[-2], b.strides[-1], len(batch)]
             + list(batch) + list(bsa) + list(bsb))
    meta = _upload_meta(disp, words)
    kernel = matmul_kernel(rm, rn)
    disp.dispatch(kernel, [a.storage.buffer, b.storage.buffer, out.storage.buffer, meta],
                  tiles_m * tiles_n * nbatch * 256)
    disp.free(meta)   # deferred until the dispatch is submitted
    return out


def matmul(a, b):
    """torch.matmul for float32 GPUArrays (1-D operands promoted, batch dims broadcast)."""
    _check_f32("matmul", a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"matmul needs operands of at least 1 dim, got shapes "
                         f"{shape_str(a.shape)} and {shape_str(b.shape)}")
    a2 = GPUArray(a.storage, a.dtype, (1,) + a.shape, (0,) + a.strides, a.offset) \
        if a.ndim == 1 else a
    b2 = GPUArray(b.storage, b.dtype, b.shape + (1,), b.strides + (0,), b.offset) \
        if b.ndim == 1 else b
    if a2.shape[-1] != b2.shape[-2]:
        raise ShapeError(f"matmul: shapes {shape_str(a.shape)} and {shape_str(b.shape)} "
                         f"cannot be multiplied ({a2.shape[-1]} != {b2.shape[-2]})")
    try:
        batch = ops.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    except ShapeError:
        raise ShapeError(f"matmul: batch dims of {shape_str(a.shape)} and "
                         f"{shape_str(b.shape)} cannot be broadcast") from None
    out = _batched(a2, b2, batch)
    shape = list(out.shape)
    if b.ndim == 1:
        del shape[-1]
    if a.ndim == 1:
        del shape[-2 if b.ndim > 1 else -1]
    return out if tuple(shape) == out.shape else out.reshape_view(shape)


def bmm(a, b):
    """torch.bmm: (B, M, K) @ (B, K, N) -> (B, M, N), no broadcasting."""
    _check_f32("bmm", a, b)
    if a.ndim != 3 or b.ndim != 3:
        raise ShapeError(f"bmm needs two 3-D arrays, got shapes {shape_str(a.shape)} "
                         f"and {shape_str(b.shape)}")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise ShapeError(f"bmm: shapes {shape_str(a.shape)} and {shape_str(b.shape)} "
                         f"do not match (B, M, K) @ (B, K, N)")
    return _batched(a, b, a.shape[:1])


# ---------------------------------------------------------------- row kernels
def _rows(x, dim, name):
    """(contiguous array with ``dim`` moved last, permutation to undo it or None)."""
    nd = max(x.ndim, 1)
    if not isinstance(dim, int) or isinstance(dim, bool) or not -nd <= dim < nd:
        raise InvalidArgument(f"{name}: dim {dim!r} is out of range for a {x.ndim}-d array")
    if x.ndim == 0:
        return GPUArray(x.storage, x.dtype, (1,), (1,), x.offset), None
    dim %= x.ndim
    perm = None
    if dim != x.ndim - 1:
        perm = [d for d in range(x.ndim) if d != dim] + [dim]
        x = x.permute(perm)
    if not x.is_contiguous():
        x = ops.contiguous(x)
    return x, perm


def _restore(out, perm, shape):
    if perm is None:
        return out if out.shape == tuple(shape) else out.reshape_view(shape)
    inverse = [perm.index(d) for d in range(len(perm))]
    return ops.contiguous(out.permute(inverse))


@functools.lru_cache(maxsize=None)
def softmax_kernel(log):
    expr = "v - mx - log(total)" if log else "exp(v - mx) / total"
    return kernels.Kernel(kernels.template("softmax.wgsl").substitute(OUT=expr),
                          3, dt.float32, 256)


def _row_dispatch(kernel, x, extra, words):
    disp = x.dispatcher
    out = GPUArray.empty(disp, x.shape, dt.float32, kernel_output=True)
    if out.numel:
        L = x.shape[-1]
        rows = out.numel // L
        meta = _upload_meta(disp, [rows, L, x.offset] + words)
        disp.dispatch(kernel, [x.storage.buffer] + [e.storage.buffer for e in extra]
                      + [out.storage.buffer, meta], rows * 256)
        disp.free(meta)
    return out


def softmax(x, dim=-1, log=False):
    """torch.softmax (``log=True``: log_softmax) of a float32 GPUArray along ``dim``."""
    name = "log_softmax" if log else "softmax"
    _check_f32(name, x)
    rows, perm = _rows(x, dim, name)
    return _restore(_row_dispatch(softmax_kernel(bool(log)), rows, [], []), perm, x.shape)


def log_softmax(x, dim=-1):
    return softmax(x, dim, log=True)


@functools.lru_cache(maxsize=None)
def layernorm_kernel(has_weight, has_bias):
    decls, binding = [], 1
    for present, nm in ((has_weight, "w"), (has_bias, "bias")):
        if present:
            decls.append(f"@group(0) @binding({binding}) var<storage, read> {nm}: array<f32>;")
            binding += 1
    decls.append(f"@group(0) @binding({binding}) var<storage, read_write> out: array<f32>;")
    decls.append(f"@group(0) @binding({binding + 1}) var<storage, read_write> stats: array<f32>;")
    decls.append(f"@group(0) @binding({binding + 2}) var<storage, read> info: array<u32>;")
    affine = "y" + (" * w[j]" if has_weight else "") + (" + bias[j]" if has_bias else "")
    src = kernels.template("layernorm.wgsl").substitute(DECLS="\n".join(decls), AFFINE=affine)
    k = kernels.Kernel(src, binding + 3, dt.float32, 256)
    k.read_only = (True,) * binding + (False, False, True)   # out and stats are written
    return k


def layer_norm(x, weight=None, bias=None, eps=1e-5):
    """torch.nn.functional.layer_norm over the last dim of a float32 GPUArray."""
    return layer_norm_stats(x, weight, bias, eps)[0]


def layer_norm_stats(x, weight=None, bias=None, eps=1e-5):
    """layer_norm over the last dim: (y, mean, rstd), mean and rstd of shape
    x.shape[:-1] + (1,) (strided views of one (mean, rstd) pair per row)."""
    _check_f32("layer_norm", x, weight, bias)
    if x.ndim == 0:
        raise ShapeError("layer_norm needs at least a 1-d input, got a 0-d array")
    L = x.shape[-1]
    extra = []
    for nm, p in (("weight", weight), ("bias", bias)):
        if p is None:
            continue
        if p.shape != (L,):
            raise ShapeError(f"layer_norm {nm} has shape {shape_str(p.shape)}, expected "
                             f"({L},) for input {shape_str(x.shape)}")
        extra.append(p if p.is_contiguous() and p.offset == 0 else ops.contiguous(p))
    eps = float(eps)
    if not eps >= 0.0:
        raise InvalidArgument(f"layer_norm eps must be >= 0, got {eps}")
    disp = x.dispatcher
    nrows = 1
    for d in x.shape[:-1]:
        nrows *= d
    sshape = x.shape[:-1] + (1,)
    if L == 0:   # statistics of empty rows are NaN (as the composed fallback's)
        from . import namespace
        nan = namespace.full(sshape, float("nan"), dtype=dt.float32)
        return GPUArray.empty(disp, x.shape, dt.float32), nan, ops.contiguous(nan)
    stats = GPUArray.empty(disp, (nrows, 2), dt.float32, kernel_output=True)
    mean = GPUArray(stats.storage, dt.float32, sshape, _stat_strides(sshape), 0)
    rstd = GPUArray(stats.storage, dt.float32, sshape, _stat_strides(sshape), 1)
    rows, _ = _rows(x, -1, "layer_norm")
    eps_bits = struct.unpack("<I", struct.pack("<f", eps))[0]
    kernel = layernorm_kernel(weight is not None, bias is not None)
    out = GPUArray.empty(disp, rows.shape, dt.float32, kernel_output=True)
    if nrows:
        meta = _upload_meta(disp, [nrows, L, rows.offset, eps_bits])
        disp.dispatch(kernel, [rows.storage.buffer] + [e.storage.buffer for e in extra]
                      + [out.storage.buffer, stats.storage.buffer, meta], nrows * 256)
        disp.free(meta)
    return (out if out.shape == x.shape else out.reshape_view(x.shape)), mean, rstd


def _stat_strides(shape):
    """Strides of a (rows..., 1) view into (mean, rstd) pairs: 2 elements per row."""
    strides, acc = [], 2
    for s in reversed(shape):
        strides.append(acc)
        acc *= s
    return tuple(reversed(strides))


def layer_norm_ext(backend, x, k, weight, bias, eps):
    """The contract's layer_norm over the last ``k`` dims: float32 through
    shaders/layernorm.wgsl (the k dims flattened into one row), else the fallback."""
    from ..fallbacks import ComposedKernels
    if (not isinstance(x, GPUArray) or x.dtype is not dt.float32 or not 1 <= k <= x.ndim
            or any(p is not None and (not isinstance(p, GPUArray) or p.dtype is not dt.float32
                                      or p.shape != x.shape[x.ndim - k:])
                   for p in (weight, bias))):
        return ComposedKernels.layer_norm(backend, x, k, weight, bias, eps)
    xp = backend.xp
    lead = x.shape[:x.ndim - k]
    L = 1
    for s in x.shape[x.ndim - k:]:
        L *= s
    flat = lambda a, shape: a if a.shape == shape else xp.reshape(a, shape)  # noqa: E731
    y, mean, rstd = layer_norm_stats(flat(x, lead + (L,)),
                                     None if weight is None else flat(weight, (L,)),
                                     None if bias is None else flat(bias, (L,)), eps)
    keep = lead + (1,) * k
    return flat(y, x.shape), flat(mean, keep), flat(rstd, keep)


def softmax_ext(backend, x, axis):
    if x.dtype is not dt.float32:
        from ..fallbacks import ComposedKernels
        return ComposedKernels.softmax(backend, x, axis)
    return softmax(x, axis)


def log_softmax_ext(backend, x, axis):
    if x.dtype is not dt.float32:
        from ..fallbacks import ComposedKernels
        return ComposedKernels.log_softmax(backend, x, axis)
    return softmax(x, axis, log=True)


@functools.lru_cache(maxsize=None)
def logsumexp_kernel():
    return kernels.Kernel(kernels.template("logsumexp.wgsl").substitute(), 3, dt.float32, 256)


def logsumexp_ext(backend, x, axis, keepdims):
    """log(sum(exp(x))) over ``axis`` (an int or a tuple) of a float32 array:
    the reduced axes are moved last and flattened into one row per output."""
    from ..fallbacks import ComposedKernels
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if not isinstance(x, GPUArray) or x.dtype is not dt.float32 or x.ndim == 0:
        return ComposedKernels.logsumexp(backend, x, axis, keepdims)
    axes = sorted({a % x.ndim for a in axes})
    keep = [d for d in range(x.ndim) if d not in axes]
    lead = tuple(x.shape[d] for d in keep)
    L = 1
    for a in axes:
        L *= x.shape[a]
    if L == 0:
        return ComposedKernels.logsumexp(backend, x, axis, keepdims)
    xt = x.permute(keep + axes)
    rows = xt.reshape_view(lead + (L,)) if xt.is_contiguous() else None
    if rows is None:
        rows = ops.contiguous(xt).reshape_view(lead + (L,))
    disp = x.dispatcher
    out = GPUArray.empty(disp, lead, dt.float32, kernel_output=True)
    if out.numel:
        meta = _upload_meta(disp, [out.numel, L, rows.offset])
        disp.dispatch(logsumexp_kernel(), [rows.storage.buffer, out.storage.buffer, meta],
                      out.numel * 256)
        disp.free(meta)
    if keepdims:
        out = out.reshape_view(tuple(1 if d in axes else x.shape[d] for d in range(x.ndim)))
    return out


# the contract's extension kernels this family implements (webgpu_backend installs them)
EXTENSIONS = {"layer_norm": layer_norm_ext, "softmax": softmax_ext,
              "log_softmax": log_softmax_ext, "logsumexp": logsumexp_ext}

__all__ = ["bmm", "layer_norm", "log_softmax", "matmul", "softmax", "UnsupportedError"]
