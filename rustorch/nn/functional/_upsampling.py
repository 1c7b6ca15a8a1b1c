"""F.interpolate (and the deprecated F.upsample, F.upsample_nearest,
F.upsample_bilinear) with torch's semantics.

Every mode is separable: along each spatial dim the output is a weighted sum of
a few input taps, ``out[..., o, ...] = sum_k w_k[o] * in[..., idx_k[o], ...]``.
The tap indices and weights are computed once on the host with torch's rules
(in the precision torch's CPU kernels use: float32 arithmetic for float32 /
float16 / bfloat16 inputs, float64 for float64 inputs, so nearest indices agree
at the rounding edges) and applied with ``index_select`` and a broadcast
multiply-add; autograd gives the backward.  Antialiased bilinear/bicubic use a
dense (out, in) weight matrix per dim and a matmul.  ``area`` is adaptive
average pooling.
"""
import array
import math
import numbers
import struct
import warnings

from ... import _dtype as dt
from ..._errors import InvalidArgument, InvalidType, ShapeError, UnsupportedError
from ..._tensor import Tensor
from ...ops.creation import frombuffer
from ._pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
_LINEAR_DIMS = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4}
_DIM_NAMES = {1: ("W",), 2: ("H", "W"), 3: ("D", "H", "W")}

_F32 = struct.Struct("f")


def _f32(v):
    """Round a Python float to the nearest float32 (what a C++ float holds)."""
    try:
        return _F32.unpack(_F32.pack(v))[0]
    except OverflowError:
        return math.copysign(math.inf, v)


def _f64(v):
    return v


# ------------------------------------------------------------- index / weight rules
def _scale(rnd, in_s, out_s, align_corners, sf):
    """torch's area_pixel_compute_scale in opmath precision."""
    if align_corners:
        return rnd((in_s - 1) / (out_s - 1)) if out_s > 1 else 0.0
    if sf is not None and sf > 0:
        return rnd(1.0 / sf)
    return rnd(in_s / out_s)


def _source_index(rnd, scale, i, align_corners, cubic):
    """torch's area_pixel_compute_source_index."""
    if align_corners:
        return rnd(scale * i)
    src = rnd(rnd(scale * rnd(i + 0.5)) - 0.5)
    return 0.0 if (not cubic and src < 0) else src


def _guard(real, in_s):
    """torch's guard_index_and_lambda: (index, lambda)."""
    idx = min(int(math.floor(_f32(real))), in_s - 1)
    lam = min(max(real - idx, 0.0), 1.0)
    return idx, lam


def _nearest_generic(rnd, in_s, out_s, sf, exact):
    """torch's compute_indices_weights_nearest(_exact): the 1-d / 3-d forward,
    in opmath precision."""
    scale = _scale(rnd, in_s, out_s, False, sf)
    idx = []
    for i in range(out_s):
        if exact:
            j = int(math.floor(_f32(_source_index(rnd, scale, i, False, False) + 0.5)))
        else:
            j = int(math.floor(_f32(rnd(scale * i))))
        idx.append(min(j, in_s - 1))
    return idx


def _nearest_idx(in_s, out_s, sf, exact):
    """torch's nearest_idx / nearest_exact_idx (float32 scale): the 2-d forward
    and every backward.  The legacy rule copies when out == in and halves the
    index when out == 2 * in, whatever the scale factor says."""
    scale = _f32(1.0 / sf) if (sf is not None and sf > 0) else _f32(in_s / out_s)
    idx = []
    for i in range(out_s):
        if exact:
            j = int(math.floor(_f32((i + 0.5) * scale)))
        elif out_s == in_s:
            j = i
        elif out_s == 2 * in_s:
            j = i >> 1
        else:
            j = int(math.floor(_f32(scale * i)))
        idx.append(min(j, in_s - 1))
    return idx


def _linear_taps(rnd, in_s, out_s, sf, align_corners):
    if in_s == out_s:
        return [(list(range(out_s)), None)]
    scale = _scale(rnd, in_s, out_s, align_corners, sf)
    i0s, i1s, l0s, l1s = [], [], [], []
    for i in range(out_s):
        real = _source_index(rnd, scale, i, align_corners, False)
        i0, l1 = _guard(real, in_s)
        l1 = rnd(l1)
        i0s.append(i0)
        i1s.append(i0 + (1 if i0 < in_s - 1 else 0))
        l0s.append(rnd(1.0 - l1))
        l1s.append(l1)
    return [(i0s, l0s), (i1s, l1s)]


def _cubic1(x, a):
    return ((a + 2) * x - (a + 3)) * x * x + 1


def _cubic2(x, a):
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a


def _cubic_taps(rnd, in_s, out_s, sf, align_corners):
    scale = _scale(rnd, in_s, out_s, align_corners, sf)
    a = -0.75
    taps = [([], []) for _ in range(4)]
    for i in range(out_s):
        real = _source_index(rnd, scale, i, align_corners, True)
        i0, t = _guard(real, in_s)
        t = rnd(t)
        coeffs = (_cubic2(t + 1.0, a), _cubic1(t, a), _cubic1(1.0 - t, a), _cubic2(2.0 - t, a))
        for k in range(4):
            taps[k][0].append(max(min(i0 - 1 + k, in_s - 1), 0))
            taps[k][1].append(rnd(coeffs[k]))
    return taps


def _aa_filter_linear(x):
    x = abs(x)
    return 1.0 - x if x < 1.0 else 0.0


def _aa_filter_cubic(x):
    a = -0.5
    x = abs(x)
    if x < 1.0:
        return _cubic1(x, a)
    if x < 2.0:
        return _cubic2(x, a)
    return 0.0


def _aa_matrix(rnd, in_s, out_s, sf, align_corners, cubic):
    """Dense (out, in) weights of torch's antialiased separable filter."""
    scale = _scale(rnd, in_s, out_s, align_corners, sf)
    interp = 4 if cubic else 2
    filt = _aa_filter_cubic if cubic else _aa_filter_linear
    support = (interp * 0.5) * scale if scale >= 1.0 else interp * 0.5
    max_size = int(math.ceil(support)) * 2 + 1
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    mat = array.array("d", bytes(8 * out_s * in_s))   # flat row-major (out, in), zeros
    for i in range(out_s):
        center = scale * (i + 0.5)
        xmin = max(int(center - support + 0.5), 0)
        xsize = min(int(center + support + 0.5), in_s) - xmin
        xsize = min(max(xsize, 0), max_size)
        ws = [filt((j + xmin - center + 0.5) * invscale) for j in range(xsize)]
        total = sum(ws)
        if total != 0.0:
            ws = [w / total for w in ws]
        base = i * in_s + xmin
        mat[base:base + len(ws)] = array.array("d", ws)
    return mat


# ------------------------------------------------------------- application
def _apply_taps(x, axis, taps, out_s):
    in_s = x.shape[axis]
    if len(taps) == 1 and taps[0][1] is None and in_s == out_s and taps[0][0] == list(range(in_s)):
        return x
    shape = [1] * x.ndim
    shape[axis] = out_s
    acc = None
    for idx, w in taps:
        v = x.index_select(axis, x.new_tensor(idx, dtype=dt.int64))
        if w is not None:
            v = v * x.new_tensor(w).reshape(shape)
        acc = v if acc is None else acc + v
    return acc


def _apply_matrix(x, axis, mat):
    """``mat``: flat float64 weights of shape (O, S), S = x.shape[axis]."""
    in_s = x.shape[axis]
    m = frombuffer(mat, dtype=dt.float64, device="cpu").reshape(len(mat) // in_s, in_s)
    m = m.to(x.dtype).to(x.device)                                # (O, S)
    if axis == x.ndim - 1:
        return x.matmul(m.t())
    return x.movedim(axis, -1).matmul(m.t()).movedim(-1, axis)


# ------------------------------------------------------------- argument handling
def _is_integer(v):
    if isinstance(v, bool):
        return True
    if isinstance(v, numbers.Integral):
        return True
    return isinstance(v, Tensor) and v.ndim == 0 and not v.dtype.is_floating_point


def _check_sizes(spatial, outs):
    if all(s > 0 for s in spatial) and all(o > 0 for o in outs):
        return
    names = _DIM_NAMES[len(spatial)]
    ins = ", ".join(f"{n}: {s}" for n, s in zip(names, spatial))
    ous = ", ".join(f"{n}: {o}" for n, o in zip(names, outs))
    sep = " and output" if len(spatial) == 1 else " output"
    raise InvalidArgument(f"Input and output sizes should be greater than 0, but got input ({ins}){sep} "
                     f"({ous})")


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    if not isinstance(input, Tensor):
        raise InvalidType(f"interpolate(): argument 'input' must be Tensor, not "
                          f"{type(input).__name__}")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise InvalidArgument("align_corners option can only be set with the interpolating "
                                  "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    align_corners = bool(align_corners) if align_corners is not None else None
    dim = input.ndim - 2
    spatial_shape = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise InvalidArgument("only one of size or scale_factor should be defined")
    elif size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise InvalidArgument(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {spatial_shape} and output size of {size}. "
                    "Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                    "output size in (o1, o2, ...,oK) format.")
            if not all(_is_integer(v) for v in size):
                raise InvalidType(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    f"Tuple[int, int, int], but got size with types {[type(v) for v in size]}")
            output_size = [int(v) for v in size]
        else:
            output_size = [int(size) for _ in range(dim)]
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise InvalidArgument(
                    "Input and scale_factor must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {spatial_shape} and "
                    f"scale_factor of shape {scale_factor}. "
                    "Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                    "scale_factor in (s1, s2, ...,sK) format.")
            scale_factors = [float(v) for v in scale_factor]
        else:
            scale_factors = [float(scale_factor) for _ in range(dim)]
    else:
        raise InvalidArgument("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise InvalidArgument("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [int(s * f) for s, f in zip(spatial_shape, scale_factors)]
        scale_factors = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise InvalidArgument("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                              "modes and requires a 4-D tensor as input")

    if mode == "area" and input.ndim in (3, 4, 5):
        pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[input.ndim - 3]
        return pool(input, output_size)
    if mode == "lanczos" and input.ndim == 4:
        if align_corners:
            raise InvalidArgument("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise InvalidArgument("Lanczos mode requires antialias=True")
        raise UnsupportedError("interpolate(): mode 'lanczos' is not implemented in rustorch")
    want = _LINEAR_DIMS.get(mode)
    if mode in ("nearest", "nearest-exact") and input.ndim in (3, 4, 5):
        pass
    elif want is not None and input.ndim == want:
        pass
    elif want is not None and input.ndim in (3, 4, 5) and mode != "bicubic":
        raise UnsupportedError(f"Got {input.ndim}D input, but {mode} mode needs {want}D input")
    else:
        raise UnsupportedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for the "
            f"modes: {_MODES} (got {mode})")

    if output_size is None:
        output_size = [int(s * f) for s, f in zip(spatial_shape, scale_factors)]
        sfs = scale_factors
    else:
        sfs = [None] * dim
    _check_sizes(spatial_shape, output_size)
    if input.ndim in (4, 5) and (input.shape[1] == 0 and input.shape[0] != 0):
        raise ShapeError(f"Non-empty {input.ndim}D data tensor expected but got a tensor with "
                         f"sizes {list(input.shape)}")

    cat = input.dtype.category
    nearest = mode in ("nearest", "nearest-exact")
    if not (cat == 2 or (input.dtype is dt.uint8 and nearest)):
        kernel = ("compute_indices_weights_nearest" if nearest else
                  f"upsample_{mode}{dim}d")
        raise UnsupportedError(f"\"{kernel}\" not implemented for '{input.dtype.name}'"
                               + ("" if cat == 2 or nearest else
                                  " (rustorch interpolates only floating point tensors)"))
    rnd = _f64 if input.dtype is dt.float64 else _f32

    if nearest:
        return _nearest(input, dim, spatial_shape, output_size, sfs, mode == "nearest-exact", rnd)
    if antialias:
        return _antialias(input, dim, spatial_shape, output_size, sfs, align_corners,
                          mode == "bicubic", rnd)
    out = input
    for d in range(dim):
        axis = 2 + d
        in_s, out_s, sf = spatial_shape[d], output_size[d], sfs[d]
        if in_s == out_s and mode != "bicubic":
            continue            # torch copies a dim whose size does not change
        if mode == "bicubic":
            taps = _cubic_taps(rnd, in_s, out_s, sf, align_corners)
        else:
            taps = _linear_taps(rnd, in_s, out_s, sf, align_corners)
        out = _apply_taps(out, axis, taps, out_s)
    if out is input:
        out = input.clone()
    elif mode == "bicubic" and output_size == spatial_shape and input.requires_grad:
        # torch's bicubic backward copies the gradient when the size does not
        # change, while its forward still filters with the scale factor
        out = out.detach() + (input - input.detach())
    return out


def _antialias(x, dim, spatial, outs, sfs, align_corners, cubic, rnd):
    def run(skip_same):
        out = x
        for d in range(dim):
            if skip_same and spatial[d] == outs[d]:
                continue
            out = _apply_matrix(out, 2 + d, _aa_matrix(rnd, spatial[d], outs[d], sfs[d],
                                                       align_corners, cubic))
        return x.clone() if out is x else out

    fwd = run(True)
    if x.requires_grad and any(s == o and f is not None and f != 1.0
                               for s, o, f in zip(spatial, outs, sfs)):
        # torch's forward copies a dim whose size does not change; its
        # backward filters it with the scale factor all the same
        b = run(False)
        fwd = fwd.detach() + (b - b.detach())
    return fwd


def _gather(x, tables):
    out = x
    for d, idx in enumerate(tables):
        if idx != list(range(x.shape[2 + d])):
            out = out.index_select(2 + d, x.new_tensor(idx, dtype=dt.int64))
    return x.clone() if out is x else out


def _nearest(x, dim, spatial, outs, sfs, exact, rnd):
    bwd = [_nearest_idx(s, o, f, exact) for s, o, f in zip(spatial, outs, sfs)]
    fwd = bwd if dim == 2 else [_nearest_generic(rnd, s, o, f, exact)
                                for s, o, f in zip(spatial, outs, sfs)]
    if fwd == bwd:
        return _gather(x, fwd)
    # torch's forward and backward kernels disagree at some rounding edges
    # (e.g. a scale factor a hair off 2): values from the forward rule,
    # gradient through the backward rule
    if not x.requires_grad:
        return _gather(x, fwd)
    b = _gather(x, bwd)
    return _gather(x.detach(), fwd) + (b - b.detach())


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
