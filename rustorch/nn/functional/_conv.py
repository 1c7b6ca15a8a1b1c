"""Convolutions: F.conv1d/2d/3d, F.conv_transpose1d/2d/3d, F.unfold, F.fold.

Everything is im2col + matmul: the backend's ``im2col`` kernel lays every
window out as a column (N, C*K, L), one (batched, for groups) matrix product
with the weight gives the output, and autograd runs through the same pieces
(``col2im``, the adjoint of ``im2col``, is its backward), so gradients of any
order come for free.  A transposed convolution is the adjoint: weight^T @ x,
then col2im.
"""
import numbers

from ..._errors import DTypeError, InvalidArgument, InvalidType, ShapeError, shape_str
from ..._tensor import Tensor, make
from ...autograd.grad_mode import STATE
from ...ops._core import record

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "unfold", "fold"]

_CPP = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
        "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _prod(xs):
    r = 1
    for v in xs:
        r *= v
    return r


# ------------------------------------------------------------- differentiable kernels
def im2col(x, kernel, dilation, padding, stride, value=0):
    """The backend's im2col as a differentiable op: (N, C, *S) -> (N, C*K, L).
    ``padding``: one (before, after) pair per spatial dim."""
    b = x._b
    out = make(b.im2col(x._data, kernel, dilation, padding, stride, value), b)
    if STATE.enabled and x._rg:
        size = tuple(x.shape[2:])
        record(out, "Im2ColBackward0",
               lambda n, g: (col2im(g, size, kernel, dilation, padding, stride),), (x,))
    return out


def col2im(cols, size, kernel, dilation, padding, stride):
    """The backend's col2im (the adjoint of im2col) as a differentiable op."""
    b = cols._b
    out = make(b.col2im(cols._data, tuple(size), kernel, dilation, padding, stride), b)
    if STATE.enabled and cols._rg:
        record(out, "Col2ImBackward0",
               lambda n, g: (im2col(g, kernel, dilation, padding, stride),), (cols,))
    return out


def window_counts(sizes, kernel, dilation, padding, stride):
    return tuple((s + lo + hi - d * (k - 1) - 1) // st + 1
                 for s, k, d, (lo, hi), st in zip(sizes, kernel, dilation, padding, stride))


# ------------------------------------------------------------- argument checks
def ntuple(v, n, name, fn):
    """An int or a sequence of n ints -> tuple of n ints (torch's message otherwise)."""
    if isinstance(v, Tensor):
        v = v.tolist()
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return (int(v),) * n
    if isinstance(v, (tuple, list)):
        if len(v) == 1 and n > 1:
            return (int(v[0]),) * n
        if len(v) != n:
            raise ShapeError(f"expected {name} to be a single integer value or a list of {n} "
                             f"values to match the convolution dimensions, but got "
                             f"{name}={list(v)}")
        for e in v:
            if not isinstance(e, numbers.Integral) or isinstance(e, bool):
                raise InvalidType(f"{fn}(): argument '{name}' must be tuple of ints, but found "
                                  f"element of type {type(e).__name__}")
        return tuple(int(e) for e in v)
    raise InvalidType(f"{fn}(): argument '{name}' must be tuple of ints, not {type(v).__name__}")


def _check_input(input, weight, nd, fn):
    if not isinstance(input, Tensor):
        raise InvalidType(f"{fn}(): argument 'input' (position 1) must be Tensor, not "
                          f"{type(input).__name__}")
    if not isinstance(weight, Tensor):
        raise InvalidType(f"{fn}(): argument 'weight' (position 2) must be Tensor, not "
                          f"{type(weight).__name__}")
    if input.ndim not in (nd + 1, nd + 2):
        raise ShapeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {fn}, "
                         f"but got input of size: {shape_str(input.shape)}")
    if weight.ndim != nd + 2:
        raise ShapeError(f"weight should have at least three dimensions"
                         if weight.ndim < 3 else
                         f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional input "
                         f"{shape_str(input.shape)}, but got {weight.ndim}-dimensional weight of "
                         f"size {shape_str(weight.shape)} instead")
    if input.device != weight.device:
        from ..._errors import DeviceError
        raise DeviceError(f"Expected all tensors to be on the same device, but found at least "
                          f"two devices, {input.device} and {weight.device}!")
    if input.dtype is not weight.dtype:
        raise DTypeError(f"expected scalar type {_cpp(input.dtype)} but found {_cpp(weight.dtype)}")
    if input.dtype.category < 2:
        from ..._errors import UnsupportedError
        raise UnsupportedError(f"\"{fn}\" not implemented for '{_cpp(input.dtype)}'")


def _cpp(d):
    n = d.name
    return _CPP.get(n, n.capitalize())


def _check_bias(bias, weight, out_ch, input):
    if bias is None:
        return
    if not isinstance(bias, Tensor):
        raise InvalidType(f"argument 'bias' must be Tensor, not {type(bias).__name__}")
    if bias.ndim != 1 or bias.shape[0] != out_ch:
        raise ShapeError(f"Given weight of size {shape_str(weight.shape)}, expected bias to be "
                         f"1-dimensional with {out_ch} elements, but got bias of size "
                         f"{shape_str(bias.shape)} instead")
    if bias.dtype is not input.dtype:
        raise DTypeError(f"expected scalar type {_cpp(input.dtype)} but found {_cpp(bias.dtype)}")


def _check_params(stride, dilation, pads):
    if any(s <= 0 for s in stride):
        raise InvalidArgument("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise InvalidArgument("dilation should be greater than zero")
    if any(lo < 0 or hi < 0 for lo, hi in pads):
        raise InvalidArgument("negative padding is not supported")


def _sizes_str(xs):
    return "(" + " x ".join(str(v) for v in xs) + ")"


# ------------------------------------------------------------- convolution
def _conv(input, weight, bias, stride, padding, dilation, groups, nd, fn):
    _check_input(input, weight, nd, fn)
    stride = ntuple(stride, nd, "stride", fn)
    dilation = ntuple(dilation, nd, "dilation", fn)
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise InvalidArgument("padding='same' is not supported for strided convolutions")
            pads = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                pads.append((total // 2, total - total // 2))
            pads = tuple(pads)
        else:
            raise InvalidArgument(f"Invalid padding string: '{padding}'")
    else:
        pads = tuple((p, p) for p in ntuple(padding, nd, "padding", fn))
    _check_params(stride, dilation, pads)
    if not isinstance(groups, numbers.Integral) or groups <= 0:
        raise InvalidArgument("non-positive groups is not supported")
    unbatched = input.ndim == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    n, c = x.shape[0], x.shape[1]
    o = weight.shape[0]
    cg = weight.shape[1]
    if o % groups:
        raise ShapeError(f"Given groups={groups}, expected weight to be divisible by {groups} at "
                         f"dimension 0, but got weight of size {shape_str(weight.shape)} instead")
    if cg * groups != c:
        raise ShapeError(f"Given groups={groups}, weight of size {shape_str(weight.shape)}, expected "
                         f"input{shape_str(x.shape)} to have {cg * groups} channels, but got {c} "
                         f"channels instead")
    _check_bias(bias, weight, o, input)
    spatial = tuple(x.shape[2:])
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < s for p, s in zip(padded, spans)):
        raise ShapeError(f"Calculated padded input size per channel: {_sizes_str(padded)}. Kernel "
                         f"size: {_sizes_str(spans)}. Kernel size can't be greater than actual "
                         f"input size")
    outs = window_counts(spatial, kernel, dilation, pads, stride)
    k = _prod(kernel)
    cols = im2col(x, kernel, dilation, pads, stride)               # (N, C*K, L)
    if groups == 1:
        out = weight.reshape(o, cg * k).matmul(cols)                # (N, O, L)
    else:
        out = weight.reshape(groups, o // groups, cg * k).matmul(
            cols.reshape(n, groups, cg * k, -1))                     # (N, G, O/G, L)
    out = out.reshape((n, o) + outs)
    if bias is not None:
        out = out + bias.reshape((o,) + (1,) * nd)
    return out.squeeze(0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


# ------------------------------------------------------------- transposed convolution
def _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, nd, fn):
    _check_input(input, weight, nd, fn)
    stride = ntuple(stride, nd, "stride", fn)
    dilation = ntuple(dilation, nd, "dilation", fn)
    if isinstance(padding, str):
        raise InvalidArgument(f"{fn}(): argument 'padding' must be tuple of ints, not str")
    padding = ntuple(padding, nd, "padding", fn)
    output_padding = ntuple(output_padding, nd, "output_padding", fn)
    _check_params(stride, dilation, tuple((p, p) for p in padding))
    if not isinstance(groups, numbers.Integral) or groups <= 0:
        raise InvalidArgument("non-positive groups is not supported")
    for op, s, d in zip(output_padding, stride, dilation):
        if op < 0 or (op >= s and op >= d):
            dims = ("height", "width") if nd == 2 else ("depth", "height", "width") if nd == 3 else ("width",)
            raise InvalidArgument(
                "output padding must be smaller than either stride or dilation, but got "
                + " ".join(f"output_padding_{n}: {v}" for n, v in zip(dims, output_padding)) + " "
                + " ".join(f"stride_{n}: {v}" for n, v in zip(dims, stride)) + " "
                + " ".join(f"dilation_{n}: {v}" for n, v in zip(dims, dilation)))
    unbatched = input.ndim == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    n, c = x.shape[0], x.shape[1]
    if weight.shape[0] != c:
        raise ShapeError(f"Given transposed=1, weight of size {shape_str(weight.shape)}, expected "
                         f"input{shape_str(x.shape)} to have {weight.shape[0]} channels, but got {c} "
                         f"channels instead")
    if c % groups:
        raise ShapeError(f"Given groups={groups}, expected weight to be divisible by {groups} at "
                         f"dimension 0, but got weight of size {shape_str(weight.shape)} instead")
    og = weight.shape[1]
    o = og * groups
    _check_bias(bias, weight, o, input)
    kernel = tuple(weight.shape[2:])
    spatial = tuple(x.shape[2:])
    outs = tuple((s - 1) * st - 2 * p + d * (k - 1) + op + 1
                 for s, st, p, d, k, op in zip(spatial, stride, padding, dilation, kernel, output_padding))
    if any(v <= 0 for v in outs):
        raise ShapeError(f"Given input size per channel: {_sizes_str(spatial)}. Calculated output "
                         f"size per channel: {_sizes_str(outs)}. Output size is too small")
    k = _prod(kernel)
    l = _prod(spatial)
    xf = x.reshape(n, c, l)
    if groups == 1:
        cols = weight.reshape(c, og * k).t().matmul(xf)                        # (N, O*K, L)
    else:
        cg = c // groups
        cols = weight.reshape(groups, cg, og * k).transpose(1, 2).matmul(
            xf.reshape(n, groups, cg, l)).reshape(n, o * k, l)
    pads = tuple((p, p - op) for p, op in zip(padding, output_padding))
    out = col2im(cols, outs, kernel, dilation, pads, stride)
    if bias is not None:
        out = out + bias.reshape((o,) + (1,) * nd)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation,
                           1, "conv_transpose1d")


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation,
                           2, "conv_transpose2d")


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation,
                           3, "conv_transpose3d")


# ------------------------------------------------------------- unfold / fold
def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.unfold (im2col): (N, C, H, W) -> (N, C*kh*kw, L)."""
    if not isinstance(input, Tensor):
        raise InvalidType(f"unfold(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.ndim not in (3, 4):
        raise ShapeError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)")
    kernel = ntuple(kernel_size, 2, "kernel_size", "unfold")
    dilation = ntuple(dilation, 2, "dilation", "unfold")
    padding = ntuple(padding, 2, "padding", "unfold")
    stride = ntuple(stride, 2, "stride", "unfold")
    _check_fold_params(kernel, dilation, padding, stride)
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    pads = tuple((p, p) for p in padding)
    outs = window_counts(x.shape[2:], kernel, dilation, pads, stride)
    if any(v < 1 for v in outs) or 0 in x.shape[1:]:
        raise ShapeError(f"Given input with spatial size ({x.shape[2]}, {x.shape[3]}), "
                         f"kernel_size=({kernel[0]}, {kernel[1]}), dilation=({dilation[0]}, "
                         f"{dilation[1]}), padding=({padding[0]}, {padding[1]}), calculated shape of "
                         f"the array of sliding blocks as ({outs[0]}, {outs[1]}), but its components "
                         f"must be at least one.")
    out = im2col(x, kernel, dilation, pads, stride)
    return out.squeeze(0) if unbatched else out


def _check_fold_params(kernel, dilation, padding, stride):
    if any(k <= 0 for k in kernel):
        raise InvalidArgument(f"kernel size should be greater than zero, but got kernel_height: "
                              f"{kernel[0]} kernel_width: {kernel[1]}")
    if any(d <= 0 for d in dilation):
        raise InvalidArgument(f"dilation should be greater than zero, but got dilation_height: "
                              f"{dilation[0]} dilation_width: {dilation[1]}")
    if any(p < 0 for p in padding):
        raise InvalidArgument(f"padding should be non-negative, but got pad_height: {padding[0]} "
                              f"pad_width: {padding[1]}")
    if any(s <= 0 for s in stride):
        raise InvalidArgument(f"stride should be greater than zero, but got stride_height: "
                              f"{stride[0]} stride_width: {stride[1]}")


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.fold (col2im): (N, C*kh*kw, L) -> (N, C, H, W), summing overlaps."""
    if not isinstance(input, Tensor):
        raise InvalidType(f"fold(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.ndim not in (2, 3):
        raise ShapeError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are "
                         f"supported (got {input.ndim}D)")
    size = ntuple(output_size, 2, "output_size", "fold")
    kernel = ntuple(kernel_size, 2, "kernel_size", "fold")
    dilation = ntuple(dilation, 2, "dilation", "fold")
    padding = ntuple(padding, 2, "padding", "fold")
    stride = ntuple(stride, 2, "stride", "fold")
    _check_fold_params(kernel, dilation, padding, stride)
    unbatched = input.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    k = _prod(kernel)
    if x.shape[1] % k:
        raise ShapeError(f"Expected size of input's dimension 1 to be divisible by the product of "
                         f"kernel_size, but got input.size(1)={x.shape[1]} and "
                         f"kernel_size=({kernel[0]}, {kernel[1]})")
    pads = tuple((p, p) for p in padding)
    outs = window_counts(size, kernel, dilation, pads, stride)
    if any(v < 1 for v in outs):
        raise ShapeError(f"Given output_size=({size[0]}, {size[1]}), kernel_size=({kernel[0]}, "
                         f"{kernel[1]}), dilation=({dilation[0]}, {dilation[1]}), padding=("
                         f"{padding[0]}, {padding[1]}), stride=({stride[0]}, {stride[1]}), calculated "
                         f"shape of the array of sliding blocks as ({outs[0]}, {outs[1]}), which is "
                         f"too small (non-positive)")
    if x.shape[2] != _prod(outs):
        raise ShapeError(f"Given output_size=({size[0]}, {size[1]}), kernel_size=({kernel[0]}, "
                         f"{kernel[1]}), dilation=({dilation[0]}, {dilation[1]}), padding=("
                         f"{padding[0]}, {padding[1]}), stride=({stride[0]}, {stride[1]}), expected "
                         f"size of input's dimension 2 to match the calculated number of sliding "
                         f"blocks {outs[0]} * {outs[1]} = {_prod(outs)}, but got input.size(2)="
                         f"{x.shape[2]}.")
    out = col2im(x, size, kernel, dilation, pads, stride)
    return out.squeeze(0) if unbatched else out
