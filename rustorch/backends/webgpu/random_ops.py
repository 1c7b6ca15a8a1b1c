"""Random numbers and optimizer steps in WGSL (extension kernels):

* ``random_bits``: Philox4x32-10 words (``shaders/philox.wgsl``), bit-identical
  to ``rustorch/random_philox.py`` on every backend;
* ``adam_step``: one fused in-place Adam / AdamW update per float32 parameter
  (``shaders/adam.wgsl``), the composed fallback's ops in the same order.
  Other dtypes (float16) take the composed fallback.
"""
import functools
import struct

from ... import _dtype as dt
from ..._errors import InvalidArgument
from . import kernels
from .array import GPUArray

__all__ = []

_MASK32 = 0xFFFFFFFF


@functools.lru_cache(maxsize=None)
def philox_kernel():
    k = kernels.Kernel(kernels.template("philox.wgsl").substitute(), 2, dt.uint32, 256)
    k.read_only = (False, True)
    return k


def random_bits(backend, seed, offset, n):
    """``n`` uint32 Philox words of ``seed`` from word ``offset`` (a multiple of 4)."""
    if offset % 4:
        raise InvalidArgument(f"random_bits: philox offset must be a multiple of 4, got {offset}")
    if n < 0 or offset < 0:
        raise InvalidArgument(f"random_bits: n ({n}) and offset ({offset}) must be >= 0")
    disp = backend.context.dispatcher
    out = GPUArray.empty(disp, (n,), dt.uint32, kernel_output=True)
    if n:
        start = offset // 4
        if start + (n + 3) // 4 > 1 << 64:
            raise InvalidArgument(f"random_bits: offset {offset} + {n} words pass the "
                                  "2**64-block Philox counter")
        meta = disp.upload_words([n, start & _MASK32, (start >> 32) & _MASK32,
                                  seed & _MASK32, (seed >> 32) & _MASK32])
        disp.dispatch(philox_kernel(), [out.storage.buffer, meta], (n + 3) // 4)
        disp.free(meta)
    return out


# ---------------------------------------------------------------- adam
_VMAX_DECL = ("@group(0) @binding(4) var<storage, read_write> vmax: array<f32>;\n"
              "@group(0) @binding(5) var<storage, read> info: array<u32>;")
_VMAX_UPDATE = """    let mx = vmax[ix];
    src = select(max(mx, vn), bitcast<f32>(0x7fc00000u), rt_isnan(mx) || rt_isnan(vn));
    vmax[ix] = src;"""


@functools.lru_cache(maxsize=None)
def adam_kernel(amsgrad):
    if amsgrad:
        decl, update = _VMAX_DECL, _VMAX_UPDATE
    else:
        decl, update = "@group(0) @binding(4) var<storage, read> info: array<u32>;", ""
    src = kernels.template("adam.wgsl").substitute(VMAX_DECL=decl, VMAX_UPDATE=update)
    n = 6 if amsgrad else 5
    k = kernels.Kernel(src, n, dt.float32, 256)
    k.read_only = (False, True, False, False) + ((False,) if amsgrad else ()) + (True,)
    return k


def _f32(x):
    """A Python number rounded to float32, as its bit pattern."""
    return struct.unpack("<I", struct.pack("<f", float(x)))[0]


def _r(x):
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


def _fits(arrays, p):
    return all(isinstance(a, GPUArray) and a.dtype is dt.float32 and a.shape == p.shape
               and a.dispatcher is p.dispatcher for a in arrays)


def adam_step(backend, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, step_sizes,
              bc2_sqrts, *, weight, beta2, eps, weight_decay, decay, maximize):
    """fallbacks.ComposedKernels.adam_step as one WGSL dispatch per float32
    parameter, updating param / exp_avg / exp_avg_sq (/ max) in place."""
    from ..fallbacks import ComposedKernels
    w = _r(weight)
    flags = ((1 if maximize else 0) | (2 if weight_decay != 0 else 0)
             | (4 if decay is not None else 0) | (8 if abs(w) < 0.5 else 0))
    consts = [_f32(weight_decay), _f32(1.0 if decay is None else decay), _f32(w),
              _f32(-_r(1 - w)), _f32(beta2), _f32(1 - beta2)]
    out = []
    for i, (p, g, m, v) in enumerate(zip(params, grads, exp_avgs, exp_avg_sqs)):
        vmax = max_exp_avg_sqs[i] if max_exp_avg_sqs is not None else None
        arrs = (p, g, m, v) if vmax is None else (p, g, m, v, vmax)
        if not _fits(arrs, p) or not all(backend.is_writable(a) for a in arrs if a is not g):
            out += ComposedKernels.adam_step(
                backend, [p], [g], [m], [v], None if vmax is None else [vmax],
                [step_sizes[i]], [bc2_sqrts[i]], weight=weight, beta2=beta2, eps=eps,
                weight_decay=weight_decay, decay=decay, maximize=maximize)
            continue
        if p.numel:
            views = list(arrs) + ([] if vmax is not None else [p])   # unused 5th stride set
            words = ([p.numel, p.ndim, flags] + consts
                     + [_f32(bc2_sqrts[i]), _f32(eps), _f32(-step_sizes[i])]
                     + [a.offset for a in views] + list(p.shape))
            for a in views:
                words += a.strides
            disp = p.dispatcher
            meta = disp.upload_words(words)
            disp.dispatch(adam_kernel(vmax is not None),
                          [a.storage.buffer for a in arrs] + [meta], p.numel)
            disp.free(meta)
        out.append((p, m, v, vmax))
    return out


EXTENSIONS = {"random_bits": random_bits, "adam_step": adam_step}
