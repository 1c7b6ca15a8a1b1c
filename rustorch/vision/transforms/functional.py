"""torchvision.transforms.functional for rustorch: stateless image ops on
rustorch tensors (..., C, H, W) (float in [0, 1] or integer) and on PIL images
(handed to Pillow, as torchvision does). The tensor path uses only rustorch
tensor ops, so it also runs in Pyodide where there is no NumPy or Pillow."""
import numbers

import rustorch as rt
import rustorch.nn.functional as _F
from rustorch._errors import InvalidArgument, InvalidType, ShapeError, UnsupportedError

from . import _color, _grid, _pil
from ._image import (as_float_4d, check_image, check_image_tensor, get_dimensions, is_ndarray,
                     is_pil, is_tensor, restore)
from ._image import pil_to_tensor, to_pil_image  # noqa: F401  (public names)
from ._modes import PIL_CODES, InterpolationMode, as_mode

__all__ = ["InterpolationMode", "get_dimensions", "get_image_size", "get_image_num_channels",
           "to_tensor", "pil_to_tensor", "to_pil_image", "convert_image_dtype", "normalize",
           "resize", "pad", "crop", "center_crop", "resized_crop", "hflip", "vflip", "rotate",
           "affine", "rgb_to_grayscale", "to_grayscale", "adjust_brightness", "adjust_contrast",
           "adjust_saturation", "adjust_hue", "gaussian_blur", "erase", "invert", "five_crop",
           "ten_crop"]


def get_image_size(img):
    """[width, height]."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img):
    return get_dimensions(img)[0]


# ------------------------------------------------------------------ conversions
def to_tensor(pic):
    """PIL image or (H, W[, C]) ndarray -> (C, H, W) tensor; uint8 data becomes
    float (default dtype) / 255, other dtypes are kept. rustorch extension: a
    (C, H, W) rustorch tensor (what our data sets return) goes the same way:
    uint8 -> float / 255, anything else unchanged."""
    if is_pil(pic):
        img = pil_to_tensor(pic)
        if img.dtype == rt.bool:      # mode '1': 0 / 255 like torchvision
            img = img.to(rt.uint8) * 255
    elif is_ndarray(pic):
        if pic.ndim not in (2, 3):
            raise InvalidArgument(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        if pic.ndim == 2:
            pic = pic[:, :, None]
        img = rt.from_numpy(pic.transpose(2, 0, 1).copy())
    elif is_tensor(pic):
        if pic.ndim not in (2, 3):
            raise InvalidArgument(f"to_tensor: a tensor image should be (C, H, W) or (H, W), got "
                                  f"shape {list(pic.shape)}")
        img = pic.unsqueeze(0) if pic.ndim == 2 else pic
    else:
        raise InvalidType(f"pic should be PIL Image, ndarray or a rustorch Tensor. Got "
                          f"{type(pic).__name__}")
    if img.dtype == rt.uint8:
        return img.to(rt.get_default_dtype()).div(255)
    return img


def convert_image_dtype(image, dtype=rt.float32):
    return _color.convert_image_dtype(image, dtype)


def normalize(tensor, mean, std, inplace=False):
    """(tensor - mean[c]) / std[c] per channel of a float (..., C, H, W) tensor."""
    if not is_tensor(tensor):
        raise InvalidType(f"img should be Tensor Image. Got {type(tensor).__name__}")
    if not tensor.is_floating_point():
        raise InvalidType(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ShapeError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {list(tensor.shape)}")
    dtype = tensor.dtype
    mean = rt.as_tensor(mean, dtype=dtype, device=tensor.device)
    std = rt.as_tensor(std, dtype=dtype, device=tensor.device)
    if bool((std == 0).any()):
        raise InvalidArgument(f"std evaluated to zero after conversion to {dtype}, leading to "
                              f"division by zero (std={std.tolist()}).")
    c = tensor.shape[-3]
    for name, v in (("mean", mean), ("std", std)):
        if v.ndim == 1 and v.shape[0] not in (1, c):
            raise ShapeError(f"normalize: {name} has {v.shape[0]} values but the image has {c} "
                             f"channels (shape {list(tensor.shape)})")
    if mean.ndim == 1:
        mean = mean.view(-1, 1, 1)
    if std.ndim == 1:
        std = std.view(-1, 1, 1)
    if not inplace:
        return (tensor - mean) / std
    return tensor.sub_(mean).div_(std)


# ------------------------------------------------------------------ geometry
def _check_int_size(values, name):
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise InvalidType(f"{name} should contain ints, got {values!r}")
        if v <= 0:
            raise InvalidArgument(f"{name} should contain positive values, got {values!r}")


def _resized_output_size(h, w, size, max_size):
    """[new_h, new_w]: size=[s] scales the shorter edge to s keeping the aspect
    ratio (then caps the longer edge at max_size); size=[h, w] is taken as is."""
    if len(size) == 2:
        if max_size is not None:
            raise InvalidArgument("max_size should only be passed if size specifies the length of "
                                  f"the smaller edge, i.e. size should be an int or a sequence of "
                                  f"length 1 in torchscript mode (got size={size})")
        return list(size)
    short, long = (w, h) if w <= h else (h, w)
    new_short = size[0]
    new_long = int(new_short * long / short)
    if max_size is not None:
        if max_size <= new_short:
            raise InvalidArgument(f"max_size = {max_size} must be strictly greater than the "
                                  f"requested size for the smaller edge size = {size}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return [new_long, new_short] if w <= h else [new_short, new_long]


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to size=[h, w], or the shorter edge to size=s / [s] (aspect kept)."""
    interpolation = as_mode(interpolation)
    check_image(img, "resize")
    if isinstance(size, bool) or not isinstance(size, (int, list, tuple)):
        raise InvalidType(f"Size should be int or sequence. Got {type(size).__name__}")
    size = [size] if isinstance(size, int) else list(size)
    if len(size) not in (1, 2):
        raise InvalidArgument(f"Size must be an int or a 1 or 2 element tuple/list, not a "
                              f"{len(size)} element tuple/list")
    _check_int_size(size, "size")
    if max_size is not None:
        _check_int_size([max_size], "max_size")
    _, h, w = get_dimensions(img)
    if h == 0 or w == 0:
        raise ShapeError(f"resize: cannot resize an empty image of size (h={h}, w={w})")
    out = _resized_output_size(h, w, size, max_size)
    if out == [h, w]:
        return img
    if is_pil(img):
        return _pil.resize(img, out, PIL_CODES[interpolation])
    if interpolation not in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT,
                             InterpolationMode.BILINEAR, InterpolationMode.BICUBIC):
        raise UnsupportedError(f"resize: interpolation {interpolation.value!r} is only supported for "
                               "PIL images; tensors support nearest, nearest-exact, bilinear, bicubic")
    mode = interpolation.value
    antialias = bool(antialias) and mode in ("bilinear", "bicubic")
    x, state = as_float_4d(img)
    align = False if mode in ("bilinear", "bicubic") else None
    y = _F.interpolate(x, size=out, mode=mode, align_corners=align, antialias=antialias)
    if mode == "bicubic" and img.dtype == rt.uint8:
        y = y.clamp(0, 255)
    return restore(y, state)


def _parse_padding(padding):
    """[left, top, right, bottom] from an int or a 1-, 2- (lr, tb) or 4-sequence."""
    if isinstance(padding, bool) or not isinstance(padding, (int, tuple, list)):
        raise InvalidType(f"Got inappropriate padding arg: {padding!r} (expected an int or a "
                          f"sequence of 1, 2 or 4 ints)")
    if isinstance(padding, int):
        padding = [padding]
    padding = list(padding)
    if len(padding) not in (1, 2, 4):
        raise InvalidArgument(f"Padding must be an int or a 1, 2, or 4 element tuple, not a "
                              f"{len(padding)} element tuple")
    for p in padding:
        if isinstance(p, bool) or not isinstance(p, numbers.Integral):
            raise InvalidType(f"padding values should be ints, got {padding!r}")
    if len(padding) == 1:
        return [padding[0]] * 4
    if len(padding) == 2:
        return [padding[0], padding[1], padding[0], padding[1]]
    return [int(p) for p in padding]


def _symmetric_index(n, before, after, device):
    """Indices of numpy's 'symmetric' padding (edge repeated) along an axis of n."""
    i = rt.arange(-before, n + after, device=device)
    period = 2 * n
    i = i % period      # non-negative remainder, like torch
    return rt.where(i >= n, period - 1 - i, i)


def _fill_per_channel(out, ltrb, fill, c):
    """Constant padding with one fill value per channel: pad, then paint the border."""
    left, top, right, bottom = ltrb
    h, w = out.shape[-2], out.shape[-1]
    inner = rt.zeros(h, w, dtype=rt.bool, device=out.device)
    inner[max(top, 0):h - max(bottom, 0), max(left, 0):w - max(right, 0)] = True
    fill_img = rt.tensor([float(f) for f in fill], device=out.device).to(out.dtype).view(c, 1, 1)
    return rt.where(inner, out, fill_img)


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad the borders: padding is int | [all] | [left/right, top/bottom] |
    [left, top, right, bottom]; padding_mode constant | edge | reflect | symmetric.
    Negative padding crops."""
    check_image(img, "pad")
    ltrb = _parse_padding(padding)
    if not isinstance(padding_mode, str):
        raise InvalidType("Got inappropriate padding_mode arg")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise InvalidArgument(f"Padding mode should be either constant, edge, reflect or symmetric, "
                              f"got {padding_mode!r}")
    if isinstance(fill, bool) or not isinstance(fill, (int, float, list, tuple)):
        raise InvalidType(f"Got inappropriate fill arg: {fill!r}")
    if is_pil(img):
        if padding_mode == "constant":
            return _pil.pad_constant(img, ltrb, fill)
        return to_pil_image(pad(pil_to_tensor(img), ltrb, fill, padding_mode), mode=img.mode)
    left, top, right, bottom = ltrb
    c = 1 if img.ndim == 2 else img.shape[-3]
    if isinstance(fill, (list, tuple)) and len(fill) not in (1, c):
        raise InvalidArgument(f"pad: fill has {len(fill)} values but the image has {c} channels")
    h, w = img.shape[-2], img.shape[-1]
    if min(ltrb) < 0:        # crop first, then pad with the positive parts
        if -min(left, 0) - min(right, 0) > w or -min(top, 0) - min(bottom, 0) > h:
            raise InvalidArgument(f"pad: negative padding {ltrb} crops more than the image size "
                                  f"(h={h}, w={w})")
        img = img[..., -min(top, 0):h + min(bottom, 0), -min(left, 0):w + min(right, 0)]
        left, top, right, bottom = (max(p, 0) for p in ltrb)
        h, w = img.shape[-2], img.shape[-1]
    if padding_mode == "symmetric":
        if h == 0 or w == 0:
            raise InvalidArgument(f"pad: cannot pad an empty image (h={h}, w={w}) symmetrically")
        rows = _symmetric_index(h, top, bottom, img.device)
        cols = _symmetric_index(w, left, right, img.device)
        return img.index_select(-2, rows).index_select(-1, cols)
    p = [left, right, top, bottom]
    if padding_mode == "constant":
        if isinstance(fill, (list, tuple)) and len(fill) > 1:
            return _fill_per_channel(_F.pad(img, p, value=0), [left, top, right, bottom], fill, c)
        value = float(fill[0] if isinstance(fill, (list, tuple)) else fill)
        return _F.pad(img, p, mode="constant", value=value)
    if padding_mode == "reflect" and (max(left, right) >= w or max(top, bottom) >= h):
        raise InvalidArgument(f"pad: reflect padding {[left, top, right, bottom]} must be smaller "
                              f"than the image size (h={h}, w={w})")
    x, state = as_float_4d(img)
    y = _F.pad(x, p, mode="replicate" if padding_mode == "edge" else "reflect")
    return restore(y, state)


def crop(img, top, left, height, width):
    """img[..., top:top+height, left:left+width]; parts outside the image are
    zero-padded (as torchvision)."""
    check_image(img, "crop")
    for name, v in (("top", top), ("left", left), ("height", height), ("width", width)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise InvalidType(f"crop: {name} should be an int, got {v!r}")
    if height < 0 or width < 0:
        raise InvalidArgument(f"crop: height and width must be non-negative, got height={height}, "
                              f"width={width}")
    if is_pil(img):
        return _pil.crop(img, top, left, height, width)
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                max(right - w, 0), max(bottom - h, 0)]
        return pad(img[..., max(top, 0):bottom, max(left, 0):right], ltrb, fill=0)
    return img[..., top:bottom, left:right]


def _pair(size, name):
    if isinstance(size, numbers.Number) and not isinstance(size, bool):
        return int(size), int(size)
    if isinstance(size, (list, tuple)) and len(size) == 1:
        return int(size[0]), int(size[0])
    if isinstance(size, (list, tuple)) and len(size) == 2:
        return int(size[0]), int(size[1])
    raise InvalidArgument(f"Please provide only two dimensions (h, w) for {name}, got {size!r}")


def center_crop(img, output_size):
    """Crop the centre (zero-padding first if the crop is larger than the image)."""
    check_image(img, "center_crop")
    ch, cw = _pair(output_size, "size")
    if ch <= 0 or cw <= 0:
        raise InvalidArgument(f"center_crop: output size must be positive, got {(ch, cw)}")
    _, h, w = get_dimensions(img)
    if cw > w or ch > h:
        ltrb = [(cw - w) // 2 if cw > w else 0, (ch - h) // 2 if ch > h else 0,
                (cw - w + 1) // 2 if cw > w else 0, (ch - h + 1) // 2 if ch > h else 0]
        img = pad(img, ltrb, fill=0)
        _, h, w = get_dimensions(img)
        if cw == w and ch == h:
            return img
    top = int(round((h - ch) / 2.0))
    left = int(round((w - cw) / 2.0))
    return crop(img, top, left, ch, cw)


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR,
                 antialias=True):
    img = crop(img, top, left, height, width)
    return resize(img, size, interpolation, antialias=antialias)


def hflip(img):
    check_image(img, "hflip")
    return _pil.hflip(img) if is_pil(img) else img.flip(-1)


def vflip(img):
    check_image(img, "vflip")
    return _pil.vflip(img) if is_pil(img) else img.flip(-2)


def five_crop(img, size):
    """(top-left, top-right, bottom-left, bottom-right, center) crops."""
    ch, cw = _pair(size, "size")
    _, h, w = get_dimensions(img)
    if cw > w or ch > h:
        raise InvalidArgument(f"Requested crop size {(ch, cw)} is bigger than input size {(h, w)}")
    return (crop(img, 0, 0, ch, cw), crop(img, 0, w - cw, ch, cw), crop(img, h - ch, 0, ch, cw),
            crop(img, h - ch, w - cw, ch, cw), center_crop(img, [ch, cw]))


def ten_crop(img, size, vertical_flip=False):
    first = five_crop(img, size)
    flipped = vflip(img) if vertical_flip else hflip(img)
    return first + five_crop(flipped, size)


def _check_center(center):
    if center is not None and (not isinstance(center, (list, tuple)) or len(center) != 2):
        raise InvalidType(f"Argument center should be a sequence of 2 numbers, got {center!r}")


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None,
           fill=None):
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` (pixel
    coordinates; default the image centre)."""
    interpolation = as_mode(interpolation)
    if isinstance(angle, bool) or not isinstance(angle, (int, float)):
        raise InvalidType(f"Argument angle should be int or float, got {type(angle).__name__}")
    _check_center(center)
    check_image(img, "rotate")
    if is_pil(img):
        return _pil.rotate(img, angle, PIL_CODES[interpolation], expand, center, fill)
    _, h, w = get_dimensions(img)
    center_f = [0.0, 0.0]
    if center is not None:     # relative to the image centre
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [w, h])]
    # torchvision's affine and rotate use opposite angle directions
    matrix = _grid.inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    out_size = _grid.expanded_size(matrix, w, h) if expand else (w, h)
    return _grid.warp(img, matrix, interpolation.value, fill, out_size)


def affine(img, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST, fill=None,
           center=None):
    """Rotation (degrees, clockwise as torchvision's affine), translation in pixels,
    scale and shear (degrees: a number or (x, y)) about the centre."""
    interpolation = as_mode(interpolation)
    if isinstance(angle, bool) or not isinstance(angle, (int, float)):
        raise InvalidType(f"Argument angle should be int or float, got {type(angle).__name__}")
    if not isinstance(translate, (list, tuple)) or len(translate) != 2:
        raise InvalidArgument(f"Argument translate should be a sequence of length 2, got {translate!r}")
    if not isinstance(scale, (int, float)) or scale <= 0.0:
        raise InvalidArgument(f"Argument scale should be positive, got {scale!r}")
    if isinstance(shear, numbers.Number):
        shear = [float(shear), 0.0]
    elif isinstance(shear, (list, tuple)) and len(shear) in (1, 2):
        shear = [float(shear[0]), float(shear[0])] if len(shear) == 1 else [float(s) for s in shear]
    else:
        raise InvalidArgument(f"Shear should be either a single value or a sequence of two values, "
                              f"got {shear!r}")
    _check_center(center)
    check_image(img, "affine")
    _, h, w = get_dimensions(img)
    if is_pil(img):
        cx, cy = (w * 0.5, h * 0.5) if center is None else center
        translate_f = [float(t) for t in translate]
        matrix = _grid.inverse_affine_matrix([cx, cy], angle, translate_f, scale, shear)
        return _pil.affine(img, matrix, PIL_CODES[interpolation], fill)
    center_f = [0.0, 0.0]
    if center is not None:
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [w, h])]
    matrix = _grid.inverse_affine_matrix(center_f, angle, [1.0 * t for t in translate], scale, shear)
    return _grid.warp(img, matrix, interpolation.value, fill)


# ------------------------------------------------------------------ colour
def rgb_to_grayscale(img, num_output_channels=1):
    if is_pil(img):
        return _pil.to_grayscale(img, num_output_channels)
    return _color.rgb_to_grayscale(img, num_output_channels)


def to_grayscale(img, num_output_channels=1):
    return rgb_to_grayscale(img, num_output_channels)


def _adjust(name, img, factor):
    check_image(img, name)
    if isinstance(factor, bool) or not isinstance(factor, numbers.Number):
        raise InvalidType(f"{name}: factor should be a number, got {type(factor).__name__}")
    if is_pil(img):
        if name != "adjust_hue" and factor < 0:
            raise InvalidArgument(f"{name[7:]}_factor ({factor}) is not non-negative.")
        if name == "adjust_hue" and not -0.5 <= factor <= 0.5:
            raise InvalidArgument(f"hue_factor ({factor}) is not in [-0.5, 0.5].")
        return getattr(_pil, name)(img, factor)
    return getattr(_color, name)(img, factor)


def adjust_brightness(img, brightness_factor):
    """Blend with black: 0 gives black, 1 the original, 2 twice as bright."""
    return _adjust("adjust_brightness", img, brightness_factor)


def adjust_contrast(img, contrast_factor):
    """Blend with the mean gray level: 0 gives solid gray, 1 the original."""
    return _adjust("adjust_contrast", img, contrast_factor)


def adjust_saturation(img, saturation_factor):
    """Blend with the grayscale image: 0 gives gray, 1 the original."""
    return _adjust("adjust_saturation", img, saturation_factor)


def adjust_hue(img, hue_factor):
    """Shift the hue by hue_factor turns of the colour wheel, in [-0.5, 0.5]."""
    return _adjust("adjust_hue", img, hue_factor)


def invert(img):
    check_image(img, "invert")
    if is_pil(img):
        from PIL import ImageOps
        return ImageOps.invert(img)
    if img.is_floating_point():
        return 1.0 - img
    return (255 - img.to(rt.int32)).to(img.dtype) if img.dtype == rt.uint8 else \
        (rt.iinfo(img.dtype).max - img)


# ------------------------------------------------------------------ filters, erasing
def _gaussian_kernel1d(ksize, sigma, dtype, device):
    half = (ksize - 1) * 0.5
    x = rt.linspace(-half, half, ksize, dtype=rt.float32)
    pdf = (-0.5 * (x / sigma).pow(2)).exp()
    return (pdf / pdf.sum()).to(dtype).to(device)


def gaussian_blur(img, kernel_size, sigma=None):
    """Gaussian blur with reflect padding; kernel_size is (kx, ky) (odd, positive),
    sigma (sx, sy) defaults to 0.15 * k + 0.35."""
    if isinstance(kernel_size, bool) or not isinstance(kernel_size, (int, list, tuple)):
        raise InvalidType(f"kernel_size should be int or a sequence of integers. Got "
                          f"{type(kernel_size).__name__}")
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    kernel_size = list(kernel_size)
    if len(kernel_size) != 2:
        raise InvalidArgument(f"If kernel_size is a sequence its length should be 2. Got "
                              f"{len(kernel_size)}")
    for k in kernel_size:
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k % 2 == 0 or k < 0:
            raise InvalidArgument(f"kernel_size should have odd and positive integers. Got "
                                  f"{kernel_size}")
    if sigma is None:
        sigma = [k * 0.15 + 0.35 for k in kernel_size]
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float, list, tuple)):
        raise InvalidType(f"sigma should be either float or sequence of floats. Got "
                          f"{type(sigma).__name__}")
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    sigma = list(sigma)
    if len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if len(sigma) != 2:
        raise InvalidArgument(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    for s in sigma:
        if s <= 0.0:
            raise InvalidArgument(f"sigma should have positive values. Got {sigma}")
    check_image(img, "gaussian_blur")
    if is_pil(img):
        return to_pil_image(gaussian_blur(pil_to_tensor(img), kernel_size, sigma), mode=img.mode)
    if img.ndim < 3:
        return gaussian_blur(img.unsqueeze(0), kernel_size, sigma).squeeze(0)
    kx, ky = kernel_size
    h, w = img.shape[-2], img.shape[-1]
    if kx // 2 >= w or ky // 2 >= h:
        raise InvalidArgument(f"gaussian_blur: kernel size {kernel_size} needs reflect padding "
                              f"smaller than the image (h={h}, w={w})")
    dtype = img.dtype if img.is_floating_point() else rt.float32
    x, state = as_float_4d(img, (dtype,))
    c = x.shape[1]
    # the 2-D kernel is an outer product: two 1-D passes (same result, k^2 -> 2k work)
    wx = _gaussian_kernel1d(kx, sigma[0], dtype, img.device).view(1, 1, 1, kx).expand(c, 1, 1, kx)
    wy = _gaussian_kernel1d(ky, sigma[1], dtype, img.device).view(1, 1, ky, 1).expand(c, 1, ky, 1)
    x = _F.pad(x, [kx // 2, kx // 2, ky // 2, ky // 2], mode="reflect")
    x = _F.conv2d(x, wx.contiguous(), groups=c)
    x = _F.conv2d(x, wy.contiguous(), groups=c)
    return restore(x, state)


def erase(img, i, j, h, w, v, inplace=False):
    """img[..., i:i+h, j:j+w] = v (a tensor broadcastable to the region)."""
    check_image_tensor(img, "erase")
    if not inplace:
        img = img.clone()
    if not is_tensor(v):
        v = rt.as_tensor(v, dtype=img.dtype, device=img.device)
    img[..., i:i + h, j:j + w] = v.to(img.dtype)
    return img
