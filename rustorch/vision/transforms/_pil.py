"""The PIL side of the functional ops: like torchvision, PIL images are handed
to Pillow's own operations. Only called with a PIL image, so Pillow is loaded."""
from rustorch._errors import InvalidArgument, InvalidType

from ._image import pil_image_module


def parse_fill(fill, img, name="fillcolor"):
    """A Pillow fill colour for ``img``'s band count (torchvision's _parse_fill)."""
    bands = len(img.getbands())
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and bands > 1:
        fill = tuple([fill] * bands)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = tuple(fill) * bands
        elif len(fill) != bands:
            raise InvalidArgument(f"The number of elements in 'fill' ({len(fill)}) does not match "
                                  f"the number of bands of the image ({bands})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def hflip(img):
    return img.transpose(pil_image_module().Transpose.FLIP_LEFT_RIGHT)


def vflip(img):
    return img.transpose(pil_image_module().Transpose.FLIP_TOP_BOTTOM)


def crop(img, top, left, height, width):
    return img.crop((left, top, left + width, top + height))


def resize(img, size_hw, resample):
    return img.resize((size_hw[1], size_hw[0]), resample)


def pad_constant(img, ltrb, fill):
    """Constant padding; negative amounts crop (like ImageOps.expand + crop)."""
    left, top, right, bottom = ltrb
    w, h = img.size
    opts = parse_fill(fill, img, "color")
    out = pil_image_module().new(img.mode, (w + left + right, h + top + bottom), opts["color"])
    if img.mode == "P":
        out.putpalette(img.getpalette())
    out.paste(img, (left, top))
    return out


def rotate(img, angle, resample, expand, center, fill):
    return img.rotate(angle, resample, expand, center, **parse_fill(fill, img))


def affine(img, matrix, resample, fill):
    Image = pil_image_module()
    return img.transform(img.size, Image.Transform.AFFINE, matrix, resample, **parse_fill(fill, img))


def _enhance(name, img, factor):
    from PIL import ImageEnhance
    return getattr(ImageEnhance, name)(img).enhance(factor)


def adjust_brightness(img, factor):
    return _enhance("Brightness", img, factor)


def adjust_contrast(img, factor):
    return _enhance("Contrast", img, factor)


def adjust_saturation(img, factor):
    return _enhance("Color", img, factor)


def adjust_hue(img, hue_factor):
    if img.mode in {"L", "1", "I", "F"}:
        return img
    Image = pil_image_module()
    h, s, v = img.convert("HSV").split()
    # torchvision adds hue_factor * 255 cast to uint8: the hue wraps around
    shift = int(hue_factor * 255) % 256
    h = h.point([(i + shift) % 256 for i in range(256)])
    return Image.merge("HSV", (h, s, v)).convert(img.mode)


def to_grayscale(img, num_output_channels):
    if num_output_channels not in (1, 3):
        raise InvalidArgument(f"num_output_channels should be either 1 or 3, got {num_output_channels}")
    gray = img.convert("L")
    if num_output_channels == 3:
        return pil_image_module().merge("RGB", (gray, gray, gray))
    return gray


def check_pil(img, fn):
    Image = pil_image_module()
    if not isinstance(img, Image.Image):
        raise InvalidType(f"{fn}: img should be PIL Image. Got {type(img).__name__}")
