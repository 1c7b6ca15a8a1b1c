"""Colour operations on tensor images (..., C, H, W), float in [0, 1] or integer
in [0, max], with torchvision's formulas: grayscale = 0.2989 R + 0.587 G + 0.114 B,
adjustments are blends with a reference image clamped to the valid range, hue
is shifted in HSV space."""
import rustorch as rt
from rustorch._errors import InvalidArgument

from ._image import check_channels, check_image_tensor, max_value


def blend(img1, img2, ratio):
    """ratio * img1 + (1 - ratio) * img2, clamped and cast back (truncating, as
    torchvision does for integer images)."""
    ratio = float(ratio)
    bound = max_value(img1.dtype)
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, bound).to(img1.dtype)


def rgb_to_grayscale(img, num_output_channels=1):
    check_image_tensor(img, "rgb_to_grayscale")
    if img.ndim < 3:
        raise InvalidArgument(f"Input image tensor should have at least 3 dimensions, but found "
                              f"{img.ndim}")
    check_channels(img, (1, 3), "rgb_to_grayscale")
    if num_output_channels not in (1, 3):
        raise InvalidArgument(f"num_output_channels should be either 1 or 3, got {num_output_channels}")
    if img.shape[-3] == 3:
        r, g, b = img.unbind(dim=-3)
        gray = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype).unsqueeze(-3)
    else:
        gray = img.clone()
    if num_output_channels == 3:
        return gray.expand(*img.shape[:-3], 3, *img.shape[-2:]).contiguous()
    return gray


def _check_factor(value, name):
    if value < 0:
        raise InvalidArgument(f"{name} ({value}) is not non-negative.")


def adjust_brightness(img, factor):
    _check_factor(factor, "brightness_factor")
    check_image_tensor(img, "adjust_brightness")
    check_channels(img, (1, 3), "adjust_brightness")
    return blend(img, rt.zeros_like(img), factor)


def adjust_contrast(img, factor):
    _check_factor(factor, "contrast_factor")
    check_image_tensor(img, "adjust_contrast")
    check_channels(img, (1, 3), "adjust_contrast")
    dtype = img.dtype if img.is_floating_point() else rt.float32
    gray = rgb_to_grayscale(img) if img.shape[-3] == 3 else img
    mean = gray.to(dtype).mean(dim=(-3, -2, -1), keepdim=True)
    return blend(img, mean, factor)


def adjust_saturation(img, factor):
    _check_factor(factor, "saturation_factor")
    check_image_tensor(img, "adjust_saturation")
    check_channels(img, (1, 3), "adjust_saturation")
    if img.shape[-3] == 1:      # a gray image has no saturation (as PIL)
        return img
    return blend(img, rgb_to_grayscale(img), factor)


def rgb_to_hsv(img):
    """(..., 3, H, W) float RGB in [0, 1] -> HSV, every channel in [0, 1]."""
    r, g, b = img.unbind(dim=-3)
    maxc = img.max(dim=-3).values
    minc = img.min(dim=-3).values
    eqc = maxc == minc           # gray pixels: hue and saturation 0, no division by 0
    cr = maxc - minc
    ones = rt.ones_like(maxc)
    s = cr / rt.where(eqc, ones, maxc)
    div = rt.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / div, (maxc - g) / div, (maxc - b) / div
    hr = (maxc == r).to(img.dtype) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)).to(img.dtype) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)).to(img.dtype) * (4.0 + gc - rc)
    h = rt.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return rt.stack((h, s, maxc), dim=-3)


def hsv_to_rgb(img):
    h, s, v = img.unbind(dim=-3)
    i = (h * 6.0).floor()
    f = h * 6.0 - i
    i = i.to(rt.int32) % 6
    p = (v * (1.0 - s)).clamp(0.0, 1.0)
    q = (v * (1.0 - s * f)).clamp(0.0, 1.0)
    t = (v * (1.0 - s * (1.0 - f))).clamp(0.0, 1.0)
    # sector i of the hue circle picks (r, g, b) from (v, q, p, t)
    sectors = {0: (v, t, p), 1: (q, v, p), 2: (p, v, t), 3: (p, q, v), 4: (t, p, v), 5: (v, p, q)}
    out = [rt.zeros_like(v) for _ in range(3)]
    for k, chans in sectors.items():
        m = (i == k).to(img.dtype)
        out = [o + m * ch for o, ch in zip(out, chans)]
    return rt.stack(out, dim=-3)


def convert_image_dtype(image, dtype=rt.float32):
    """torchvision's convert_image_dtype: rescale between value ranges of dtypes."""
    check_image_tensor(image, "convert_image_dtype")
    if image.dtype == dtype:
        return image
    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        if (image.dtype == rt.float32 and dtype in (rt.int32, rt.int64)) or \
                (image.dtype == rt.float64 and dtype == rt.int64):
            raise InvalidArgument(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        eps = 1e-3     # maps 1.0 to max, keeps the bins of equal width
        return image.mul(float(max_value(dtype)) + 1.0 - eps).to(dtype)
    input_max = float(max_value(image.dtype))
    if dtype.is_floating_point:
        return image.to(dtype) / input_max
    output_max = float(max_value(dtype))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return rt.div(image, factor, rounding_mode="floor").to(dtype)
    factor = int((output_max + 1) // (input_max + 1))
    return image.to(dtype) * factor


def adjust_hue(img, hue_factor):
    if not -0.5 <= hue_factor <= 0.5:
        raise InvalidArgument(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    check_image_tensor(img, "adjust_hue")
    check_channels(img, (1, 3), "adjust_hue")
    if img.shape[-3] == 1:
        return img
    orig = img.dtype
    x = convert_image_dtype(img, rt.float32)
    h, s, v = rgb_to_hsv(x).unbind(dim=-3)
    h = (h + hue_factor) % 1.0
    return convert_image_dtype(hsv_to_rgb(rt.stack((h, s, v), dim=-3)), orig)
