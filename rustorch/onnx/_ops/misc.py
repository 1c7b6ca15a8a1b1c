"""ONNX operators that fit no other family: random generators, (de)quantization,
integer / quantized linear algebra, BitCast, TensorScatter, windows and DFT/STFT/
MelWeightMatrix, the preview training optimizers and the numeric ai.onnx.ml ops.

Random ops draw from rustorch's RNG; a node's ``seed`` attribute seeds a
private :class:`rustorch.Generator`, so a seeded node is reproducible.
Quantized ops compute exactly as ONNX's reference does (integer accumulation
in float64, round half to even, saturation), on the public Tensor API.
"""
import math

import rustorch as rt

from ..._errors import IndexOutOfRange, InvalidArgument, ShapeError, UnsupportedError, shape_str
from . import op
from .shape import check_numel, device_of, host_scalar, norm_axis, onnx_dtype
from .elementwise import _cast_saturating

_FLOATS = (rt.float16, rt.bfloat16, rt.float32, rt.float64)


# ---------------------------------------------------------------- random numbers

def _generator(ctx, device):
    seed = ctx.attr("seed")
    if seed is None:
        return None                             # the global RNG, like torch
    g = rt.Generator(device=device) if device is not None else rt.Generator()
    return g.manual_seed(int(seed))


def _float_dtype(ctx, default):
    code = ctx.attr("dtype")
    dt = default if code is None else onnx_dtype(code, f"{ctx.node.op_type} dtype")
    if dt not in _FLOATS:
        raise InvalidArgument(f"{ctx.node.op_type} dtype must be a float type, got {dt}")
    return dt


def _random(ctx, shape, dtype, device, normal):
    check_numel(shape, ctx.node.op_type)
    g = _generator(ctx, device)
    # draw in float32/float64 and cast: half types get the same distribution
    wide = rt.float64 if dtype == rt.float64 else rt.float32
    if normal:
        t = rt.randn(*shape, generator=g, dtype=wide, device=device)
        t = t * float(ctx.attr("scale", 1.0)) + float(ctx.attr("mean", 0.0))
    else:
        lo, hi = float(ctx.attr("low", 0.0)), float(ctx.attr("high", 1.0))
        t = rt.rand(*shape, generator=g, dtype=wide, device=device) * (hi - lo) + lo
    return t.to(dtype)


def _shape_attr(ctx):
    shape = ctx.attr("shape")
    if shape is None:
        raise InvalidArgument(f"{ctx.node.op_type} needs the shape attribute")
    return [int(s) for s in shape]


@op("RandomNormal", since=1)
def random_normal(ctx):
    return _random(ctx, _shape_attr(ctx), _float_dtype(ctx, rt.float32), ctx.device, True)


@op("RandomUniform", since=1)
def random_uniform(ctx):
    return _random(ctx, _shape_attr(ctx), _float_dtype(ctx, rt.float32), ctx.device, False)


@op("RandomNormalLike", since=1)
def random_normal_like(ctx, x):
    return _random(ctx, list(x.shape), _float_dtype(ctx, x.dtype), device_of(ctx, x), True)


@op("RandomUniformLike", since=1)
def random_uniform_like(ctx, x):
    return _random(ctx, list(x.shape), _float_dtype(ctx, x.dtype), device_of(ctx, x), False)


@op("Bernoulli", since=15)
def bernoulli(ctx, x):
    code = ctx.attr("dtype")
    dtype = x.dtype if code is None else onnx_dtype(code, "Bernoulli dtype")
    p = x.detach() if x.dtype in (rt.float32, rt.float64) else x.detach().float()
    return rt.bernoulli(p, generator=_generator(ctx, x.device)).to(dtype)


@op("Multinomial", since=7)
def multinomial(ctx, x):
    if x.dim() != 2:
        raise ShapeError(f"Multinomial input must be [batch, classes], got {shape_str(x.shape)}")
    code = ctx.attr("dtype", 6)
    dtype = onnx_dtype(code, "Multinomial dtype")
    if dtype not in (rt.int32, rt.int64):
        raise InvalidArgument(f"Multinomial dtype must be int32 or int64, got {dtype}")
    n = int(ctx.attr("sample_size", 1))
    if n < 1:
        raise InvalidArgument(f"Multinomial sample_size must be positive, got {n}")
    logits = x.detach().to(rt.float64)            # unnormalized log-probabilities
    probs = (logits - logits.amax(dim=1, keepdim=True)).exp()
    out = rt.multinomial(probs, n, replacement=True, generator=_generator(ctx, x.device))
    return out.to(dtype)


# ---------------------------------------------------------------- quantization

_QRANGE = {rt.uint8: (0, 255), rt.int8: (-128, 127), rt.int16: (-32768, 32767),
           rt.uint16: (0, 65535)}
_FLOAT8 = (rt.float8_e4m3fn, rt.float8_e4m3fnuz, rt.float8_e5m2, rt.float8_e5m2fnuz)


def _qparam(v, x, axis, block_size, what):
    """Scale / zero point shaped to broadcast against ``x``: scalar, per-axis or blocked."""
    if v.numel() == 1:
        return v.reshape(())
    r = x.dim()
    axis = norm_axis(axis, r, f"{what} axis")
    if not block_size:
        if v.dim() != 1 or v.shape[0] != x.shape[axis]:
            raise ShapeError(f"{what} of shape {shape_str(v.shape)} must be a scalar or hold one "
                             f"value per index of axis {axis} of input {shape_str(x.shape)}")
        shape = [1] * r
        shape[axis] = v.shape[0]
        return v.reshape(shape)
    if block_size < 0:
        raise InvalidArgument(f"block_size must be positive, got {block_size}")
    expanded = v.repeat_interleave(block_size, dim=axis)
    if expanded.shape[axis] < x.shape[axis]:
        raise ShapeError(f"{what} of shape {shape_str(v.shape)} with block_size {block_size} "
                         f"does not cover input {shape_str(x.shape)}")
    expanded = expanded.narrow(axis, 0, x.shape[axis])
    if expanded.shape != x.shape:
        raise ShapeError(f"{what} of shape {shape_str(v.shape)} does not block input "
                         f"{shape_str(x.shape)} along axis {axis} only")
    return expanded


@op("DequantizeLinear", since=10)
def dequantize_linear(ctx, x, scale, zero_point=None):
    if x.dtype not in (rt.uint8, rt.int8, rt.int16, rt.uint16, rt.int32) + _FLOAT8:
        raise UnsupportedError(f"DequantizeLinear of {x.dtype} input is not supported")
    if scale.dtype not in _FLOATS:
        raise InvalidArgument(f"DequantizeLinear scale must be a float tensor, got {scale.dtype}")
    axis, block = ctx.attr("axis", 1), ctx.attr("block_size", 0)
    code = ctx.attr("output_dtype", 0)
    out_dtype = onnx_dtype(code, "DequantizeLinear output_dtype") if code else scale.dtype
    wide = rt.float64 if scale.dtype == rt.float64 else rt.float32
    dx = x.to(wide)
    if zero_point is not None:
        if zero_point.dtype != x.dtype:
            raise InvalidArgument(f"DequantizeLinear zero point {zero_point.dtype} does not "
                                  f"match input {x.dtype}")
        dx = dx - _qparam(zero_point, x, axis, block, "x_zero_point").to(wide)
    return (dx * _qparam(scale, x, axis, block, "x_scale").to(wide)).to(out_dtype)


def _saturate_round(v, dtype):
    lo, hi = _QRANGE[dtype]
    return rt.clamp(rt.round(v), lo, hi).to(dtype)


@op("QuantizeLinear", since=10)
def quantize_linear(ctx, x, scale, zero_point=None):
    if x.dtype not in _FLOATS and x.dtype != rt.int32:
        raise InvalidArgument(f"QuantizeLinear input must be float or int32, got {x.dtype}")
    axis, block = ctx.attr("axis", 1), ctx.attr("block_size", 0)
    code = ctx.attr("output_dtype", 0)
    out = onnx_dtype(code, "QuantizeLinear output_dtype") if code else None
    if zero_point is not None:
        if out is not None and out != zero_point.dtype:
            raise InvalidArgument(f"QuantizeLinear output_dtype {out} does not match the zero "
                                  f"point's {zero_point.dtype}")
        out = zero_point.dtype
    out = out or rt.uint8
    if out not in _QRANGE and out not in _FLOAT8:
        raise UnsupportedError(f"QuantizeLinear to {out} is not supported (uint8, int8, int16, "
                               "uint16, float8)")
    prec = ctx.attr("precision", 0)
    work = onnx_dtype(prec, "QuantizeLinear precision") if prec else \
        rt.promote_types(x.dtype if x.dtype in _FLOATS else rt.float32, scale.dtype)
    q = x.to(work) / _qparam(scale, x, axis, block, "y_scale").to(work)
    if out in _FLOAT8:   # no rounding step: the cast rounds, `saturate` says what overflows do
        if zero_point is not None:
            q = q + _qparam(zero_point, x, axis, block, "y_zero_point").to(work)
        return _cast_saturating(ctx, q, out)
    q = rt.round(q).to(rt.float64)
    if zero_point is not None:
        q = q + _qparam(zero_point, x, axis, block, "y_zero_point").to(rt.float64)
    return _saturate_round(q, out)


@op("DynamicQuantizeLinear", since=11)
def dynamic_quantize_linear(ctx, x):
    if x.dtype != rt.float32:
        raise InvalidArgument(f"DynamicQuantizeLinear input must be float32, got {x.dtype}")
    if x.numel() == 0:
        raise ShapeError("DynamicQuantizeLinear of an empty tensor has no range")
    x = x.detach()
    hi = rt.clamp(x.max(), min=0.0)
    lo = rt.clamp(x.min(), max=0.0)
    rng = hi - lo
    scale = rt.where(rng == 0, rt.ones_like(rng), rng) / 255.0
    zp = rt.round(rt.clamp(-lo / scale, 0.0, 255.0))
    y = _saturate_round(rt.round(x / scale) + zp, rt.uint8)
    return y, scale, zp.to(rt.uint8)


# ---------------------------------------------------------------- integer linear algebra

def _centered(t, zp, per_axis_dim, what):
    """``t - zp`` in int32, a 1-D zero point applying along ``per_axis_dim`` of ``t``."""
    t = t.to(rt.int32)
    if zp is None:
        return t
    zp = zp.to(rt.int32)
    if zp.numel() > 1 and zp.dim() == 1 and t.dim() >= 2:
        shape = [1] * t.dim()
        shape[per_axis_dim] = zp.shape[0]
        if t.shape[per_axis_dim] != zp.shape[0]:
            raise ShapeError(f"{what} of shape {shape_str(zp.shape)} does not match input "
                             f"{shape_str(t.shape)}")
        zp = zp.reshape(shape)
    elif zp.numel() == 1:
        zp = zp.reshape(())
    return t - zp


def _int_matmul(a, b):
    """Exact int32 products (float64 accumulation is exact for 8/16-bit operands)."""
    return rt.matmul(a.to(rt.float64), b.to(rt.float64)).to(rt.int32)


@op("MatMulInteger", since=10)
def matmul_integer(ctx, a, b, a_zero_point=None, b_zero_point=None):
    a = _centered(a, a_zero_point, -2, "a_zero_point")      # per row of A
    b = _centered(b, b_zero_point, -1, "b_zero_point")      # per column of B
    return _int_matmul(a, b)


def _requantize(acc, factor, y_zero_point, fallback_dtype):
    out = y_zero_point.dtype if y_zero_point is not None else fallback_dtype
    if out not in (rt.uint8, rt.int8):
        raise UnsupportedError(f"quantized output of {out} is not supported (uint8, int8)")
    v = acc.to(rt.float64) * factor.to(rt.float64)
    if y_zero_point is not None:
        zp = y_zero_point.reshape(()) if y_zero_point.numel() == 1 else y_zero_point
        v = v + zp.to(rt.float64)
    return _saturate_round(v, out)


def _row_col_scale(s, dim):
    if s.numel() == 1:
        return s.reshape(())
    return s.reshape(-1, 1) if dim == -2 else s.reshape(-1)


@op("QLinearMatMul", since=10)
def qlinear_matmul(ctx, a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale,
                   y_zero_point=None):
    acc = _int_matmul(_centered(a, a_zero_point, -2, "a_zero_point"),
                      _centered(b, b_zero_point, -1, "b_zero_point"))
    # the scale factor in the scales' own dtype first, as ONNX's reference does
    factor = _row_col_scale(a_scale, -2) * _row_col_scale(b_scale, -1) / _row_col_scale(y_scale, -1)
    return _requantize(acc, factor, y_zero_point, a.dtype)


def _conv_int(ctx, x, w, x_zero_point, w_zero_point):
    """Exact integer convolution of zero-point-centred operands, as int32."""
    from .nn import conv as float_conv           # Conv's geometry (auto_pad, pads, groups ...)
    xc = _centered(x, x_zero_point, 1, "x_zero_point")
    wc = _centered(w, w_zero_point, 0, "w_zero_point")
    return float_conv(ctx, xc.to(rt.float64), wc.to(rt.float64))


@op("ConvInteger", since=10)
def conv_integer(ctx, x, w, x_zero_point=None, w_zero_point=None):
    return _conv_int(ctx, x, w, x_zero_point, w_zero_point).to(rt.int32)


@op("QLinearConv", since=10)
def qlinear_conv(ctx, x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale,
                 y_zero_point=None, bias=None):
    acc = _conv_int(ctx, x, w, x_zero_point, w_zero_point)
    shape = [1] * acc.dim()
    if bias is not None:
        shape[1] = bias.numel()
        acc = acc + bias.to(rt.float64).reshape(shape)
    ws = w_scale.reshape(()) if w_scale.numel() == 1 else w_scale.reshape(
        [1, w_scale.numel()] + [1] * (acc.dim() - 2))
    factor = x_scale.reshape(()) * ws / y_scale.reshape(())
    return _requantize(acc, factor, y_zero_point, x.dtype)


# ---------------------------------------------------------------- bits

@op("BitCast", since=26)
def bitcast(ctx, x):
    to = onnx_dtype(ctx.attr("to"), "BitCast to")
    if to.itemsize != x.dtype.itemsize:
        raise InvalidArgument(f"BitCast from {x.dtype} to {to} changes the bit width")
    data = x.detach().contiguous().to_bytes()     # reinterpreting needs the raw bytes
    return rt.frombuffer(data, dtype=to, device=x.device).reshape(list(x.shape))


@op("TensorScatter", since=24)
def tensor_scatter(ctx, past, update, write_indices=None):
    r = past.dim()
    axis = norm_axis(ctx.attr("axis", -2), r, "TensorScatter axis")
    mode = ctx.attr("mode", "linear")
    if mode not in ("linear", "circular"):
        raise InvalidArgument(f"TensorScatter mode must be linear or circular, got {mode!r}")
    if axis == 0 or update.dim() != r or any(
            a != b for i, (a, b) in enumerate(zip(past.shape, update.shape)) if i != axis):
        raise ShapeError(f"TensorScatter update {shape_str(update.shape)} does not fit cache "
                         f"{shape_str(past.shape)} on axis {axis}")
    cap, seq, batch = past.shape[axis], update.shape[axis], past.shape[0]
    if seq > cap:
        raise ShapeError(f"TensorScatter writes {seq} entries into a cache of {cap}")
    if write_indices is None:
        write_indices = rt.zeros(batch, dtype=rt.int64, device=past.device)
    start = write_indices.long().reshape([batch] + [1] * (r - 1))
    shp = [1] * r
    shp[axis] = seq
    pos = start + rt.arange(seq, dtype=rt.int64, device=past.device).reshape(shp)
    if mode == "circular":
        pos = pos % cap
    elif pos.numel() and (pos.min().item() < 0 or pos.max().item() >= cap):
        raise IndexOutOfRange(f"TensorScatter write_indices {write_indices.tolist()} + {seq} "
                              f"entries run past the cache length {cap}")
    return past.scatter(axis, pos.expand(*update.shape), update.to(past.dtype))


# ---------------------------------------------------------------- signal processing

def _window(ctx, size, terms):
    """A generalized cosine window sum_k a_k cos(2 pi k n / N)."""
    n = int(host_scalar(size, f"{ctx.node.op_type} size"))
    if n < 0:
        raise InvalidArgument(f"{ctx.node.op_type} size must be non-negative, got {n}")
    check_numel([n], ctx.node.op_type)
    dtype = onnx_dtype(ctx.attr("output_datatype", 1), f"{ctx.node.op_type} output_datatype")
    denom = n if ctx.attr("periodic", 1) else n - 1
    i = rt.arange(n, dtype=rt.float64, device=device_of(ctx, size))
    w = rt.zeros(n, dtype=rt.float64, device=i.device)
    for k, a in enumerate(terms):
        w = w + (a * (i * (2 * math.pi * k / denom)).cos() if k else a)
    return w.to(dtype)


@op("HannWindow", since=17)
def hann_window(ctx, size):
    return _window(ctx, size, (0.5, -0.5))


@op("HammingWindow", since=17)
def hamming_window(ctx, size):
    return _window(ctx, size, (25.0 / 46.0, -21.0 / 46.0))


@op("BlackmanWindow", since=17)
def blackman_window(ctx, size):
    return _window(ctx, size, (0.42, -0.5, 0.08))


def _dft_last(re, im, length, inverse, onesided):
    """DFT along the last axis of (re, im) as real matrix products (differentiable).

    Returns (re, im) of the transform; for an inverse one-sided transform (irfft),
    ``re`` is the real signal and ``im`` is None.
    """
    n = re.shape[-1]
    if n > length:                               # dft_length truncates ...
        re, im = re.narrow(-1, 0, length), im.narrow(-1, 0, length)
    elif n < length and not (inverse and onesided):   # ... or zero-pads the signal
        pad = list(re.shape[:-1]) + [length - n]
        re = rt.cat([re, rt.zeros(pad, dtype=re.dtype, device=re.device)], -1)
        im = rt.cat([im, rt.zeros(pad, dtype=im.dtype, device=im.device)], -1)
    dev = re.device
    if inverse and onesided:                      # one-sided spectrum -> real signal
        bins = min(re.shape[-1], length // 2 + 1)
        re, im = re.narrow(-1, 0, bins), im.narrow(-1, 0, bins)
        k = rt.arange(bins, dtype=rt.int64, device=dev)
        j = rt.arange(length, dtype=rt.int64, device=dev)
        ang = ((k.reshape(-1, 1) * j.reshape(1, -1)) % length).double() * (2 * math.pi / length)
        w = rt.full((bins, 1), 2.0, dtype=rt.float64, device=dev)
        w[0] = 1.0
        if length % 2 == 0 and bins == length // 2 + 1:
            w[bins - 1] = 1.0                     # the Nyquist bin appears once
        return (re @ (ang.cos() * w) - im @ (ang.sin() * w)) / length, None
    bins = length // 2 + 1 if onesided else length
    j = rt.arange(re.shape[-1], dtype=rt.int64, device=dev)
    k = rt.arange(bins, dtype=rt.int64, device=dev)
    ang = ((j.reshape(-1, 1) * k.reshape(1, -1)) % length).double() * (2 * math.pi / length)
    c, s = ang.cos(), ang.sin()
    if inverse:
        return (re @ c - im @ s) / length, (im @ c + re @ s) / length
    return re @ c + im @ s, im @ c - re @ s


def _dft(x, axis, length, inverse, onesided):
    """ONNX DFT of ``x`` [..., 1 | 2] along ``axis`` (not the last)."""
    r = x.dim()
    if r < 2 or x.shape[-1] not in (1, 2):
        raise ShapeError(f"DFT input must end in a real (1) or complex (2) axis, got "
                         f"{shape_str(x.shape)}")
    axis = norm_axis(axis, r, "DFT axis")
    if axis == r - 1:
        raise InvalidArgument("DFT axis cannot be the last (real/imaginary) axis")
    if length is None:
        length = 2 * (x.shape[axis] - 1) if inverse and onesided else x.shape[axis]
    if length < 1:
        raise InvalidArgument(f"DFT length must be positive, got {length}")
    xd = x.to(rt.float64).movedim(axis, -2)      # [..., n, c]
    re = xd[..., 0]
    im = xd[..., 1] if x.shape[-1] == 2 else rt.zeros_like(re)
    yre, yim = _dft_last(re, im, length, inverse, onesided)
    y = yre.unsqueeze(-1) if yim is None else rt.stack([yre, yim], -1)
    return y.movedim(-2, axis).to(x.dtype)


def _dft_length(t):
    return None if t is None or t.numel() == 0 else int(host_scalar(t, "DFT dft_length"))


@op("DFT", since=17)
def dft_17(ctx, x, dft_length=None):
    return _dft(x, ctx.attr("axis", 1), _dft_length(dft_length), ctx.attr("inverse", 0),
                ctx.attr("onesided", 0))


@op("DFT", since=20)
def dft(ctx, x, dft_length=None, axis=None):
    ax = -2 if axis is None else int(host_scalar(axis, "DFT axis"))
    return _dft(x, ax, _dft_length(dft_length), ctx.attr("inverse", 0), ctx.attr("onesided", 0))


@op("STFT", since=17)
def stft(ctx, signal, frame_step, window=None, frame_length=None):
    if signal.dim() != 3 or signal.shape[-1] not in (1, 2):
        raise ShapeError(f"STFT signal must be [batch, length, 1 | 2], got "
                         f"{shape_str(signal.shape)}")
    step = int(host_scalar(frame_step, "STFT frame_step"))
    if frame_length is not None:
        flen = int(host_scalar(frame_length, "STFT frame_length"))
    else:
        flen = window.shape[0] if window is not None else signal.shape[1]
    if window is not None and (window.dim() != 1 or window.shape[0] != flen):
        raise ShapeError(f"STFT window of shape {shape_str(window.shape)} does not match "
                         f"frame_length {flen}")
    if step < 1 or flen < 1 or flen > signal.shape[1]:
        raise InvalidArgument(f"STFT frame_step {step} / frame_length {flen} do not fit a "
                              f"signal of length {signal.shape[1]}")
    frames = 1 + (signal.shape[1] - flen) // step
    dev = signal.device
    idx = (rt.arange(frames, dtype=rt.int64, device=dev).reshape(-1, 1) * step
           + rt.arange(flen, dtype=rt.int64, device=dev).reshape(1, -1))
    x = signal.index_select(1, idx.reshape(-1)).reshape(signal.shape[0], frames, flen, -1)
    if window is not None:
        x = x * window.to(x.dtype).reshape(1, 1, flen, 1)
    onesided = ctx.attr("onesided", 1) and signal.shape[-1] == 1
    return _dft(x, 2, flen, False, onesided)


@op("MelWeightMatrix", since=17)
def mel_weight_matrix(ctx, num_mel_bins, dft_length, sample_rate, lower_edge_hertz,
                      upper_edge_hertz):
    mels = int(host_scalar(num_mel_bins, "MelWeightMatrix num_mel_bins"))
    length = int(host_scalar(dft_length, "MelWeightMatrix dft_length"))
    rate = host_scalar(sample_rate, "MelWeightMatrix sample_rate")
    lo = host_scalar(lower_edge_hertz, "MelWeightMatrix lower_edge_hertz")
    hi = host_scalar(upper_edge_hertz, "MelWeightMatrix upper_edge_hertz")
    if mels < 1 or length < 1 or rate <= 0 or not 0 <= lo < hi:
        raise InvalidArgument(f"MelWeightMatrix got num_mel_bins={mels}, dft_length={length}, "
                              f"sample_rate={rate}, edges {lo}..{hi}")
    spec_bins = length // 2 + 1
    check_numel([spec_bins, mels], "MelWeightMatrix")
    # Triangular filters between mel-spaced edges, snapped to DFT bins (small: host math).
    mel_lo = 2595 * math.log10(1 + lo / 700)
    mel_hi = 2595 * math.log10(1 + hi / 700)
    step = (mel_hi - mel_lo) / (mels + 2)
    edges = [int(((length + 1) * (700 * (10 ** ((i * step + mel_lo) / 2595) - 1))) // rate)
             for i in range(mels + 2)]
    w = [[0.0] * mels for _ in range(spec_bins)]
    for m in range(mels):
        left, center, right = edges[m], edges[m + 1], edges[m + 2]
        if center == left:
            w[center][m] = 1.0
        else:
            for j in range(left, center + 1):
                w[j][m] = (j - left) / (center - left)
        for j in range(center, right):
            w[j][m] = (right - j) / (right - center)
    dtype = onnx_dtype(ctx.attr("output_datatype", 1), "MelWeightMatrix output_datatype")
    return rt.tensor(w, dtype=rt.float64, device=device_of(ctx, num_mel_bins)).to(dtype)


# ---------------------------------------------------------------- training (ai.onnx.preview.training)

_TRAINING = "ai.onnx.preview.training"


def _groups(ctx, rest, per):
    if len(rest) % per:
        raise InvalidArgument(f"{ctx.node.op_type} takes R, T and {per} inputs per tensor; got "
                              f"{len(rest) + 2} inputs")
    n = len(rest) // per
    return [rest[i * n:(i + 1) * n] for i in range(per)]


@op("Adagrad", since=1, domain=_TRAINING)
def adagrad(ctx, r, t, *rest):
    xs, gs, hs = _groups(ctx, rest, 3)
    rate = r / (1 + t.to(r.dtype) * float(ctx.attr("decay_factor", 0.0)))
    norm, eps = float(ctx.attr("norm_coefficient", 0.0)), float(ctx.attr("epsilon", 0.0))
    new_x, new_h = [], []
    for x, g, h in zip(xs, gs, hs):
        g = norm * x + g
        h = h + g * g
        new_x.append((x - rate * g / (h.sqrt() + eps)).to(x.dtype))
        new_h.append(h)
    return tuple(new_x + new_h)


@op("Adam", since=1, domain=_TRAINING)
def adam(ctx, r, t, *rest):
    xs, gs, vs, hs = _groups(ctx, rest, 4)
    alpha, beta = float(ctx.attr("alpha", 0.9)), float(ctx.attr("beta", 0.999))
    eps, norm = float(ctx.attr("epsilon", 0.0)), float(ctx.attr("norm_coefficient", 0.0))
    post = float(ctx.attr("norm_coefficient_post", 0.0))
    step = int(host_scalar(t, "Adam T"))
    rate = r * math.sqrt(1 - beta ** step) / (1 - alpha ** step) if step > 0 else r
    new_x, new_v, new_h = [], [], []
    for x, g, v, h in zip(xs, gs, vs, hs):
        g = norm * x + g
        v = alpha * v + (1 - alpha) * g
        h = beta * h + (1 - beta) * (g * g)
        new_x.append((1 - post) * (x - rate * (v / (h.sqrt() + eps))))
        new_v.append(v)
        new_h.append(h)
    return tuple(new_x + new_v + new_h)


@op("Momentum", since=1, domain=_TRAINING)
def momentum(ctx, r, t, *rest):
    xs, gs, vs = _groups(ctx, rest, 3)
    alpha, beta = float(ctx.attr("alpha")), float(ctx.attr("beta"))
    norm = float(ctx.attr("norm_coefficient"))
    mode = ctx.attr("mode", "standard")
    if mode not in ("standard", "nesterov"):
        raise InvalidArgument(f"Momentum mode must be standard or nesterov, got {mode!r}")
    b = beta if int(host_scalar(t, "Momentum T")) > 0 else 1.0
    new_x, new_v = [], []
    for x, g, v in zip(xs, gs, vs):
        g = norm * x + g
        v = alpha * v + b * g
        new_x.append(x - r * (v if mode == "standard" else g + alpha * v))
        new_v.append(v)
    return tuple(new_x + new_v)


# ---------------------------------------------------------------- ai.onnx.ml (numeric ones)

@op("Binarizer", since=1, domain="ai.onnx.ml")
def binarizer(ctx, x):
    return (x > float(ctx.attr("threshold", 0.0))).to(x.dtype)


@op("ArrayFeatureExtractor", since=1, domain="ai.onnx.ml")
def array_feature_extractor(ctx, x, indices):
    idx = indices.long().reshape(-1)
    n = x.shape[-1]
    if idx.numel() and (idx.min().item() < 0 or idx.max().item() >= n):
        raise IndexOutOfRange(f"ArrayFeatureExtractor indices {idx.tolist()} are out of range "
                              f"for a last axis of size {n}")
    out = x.index_select(x.dim() - 1, idx)
    return out.reshape(1, -1) if x.dim() == 1 else out
