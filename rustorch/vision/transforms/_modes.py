"""InterpolationMode: torchvision's names for resampling filters, and their
Pillow codes (Pillow's integer constants are accepted too, as torchvision does)."""
import enum
import warnings

from rustorch._errors import InvalidArgument, InvalidType


class InterpolationMode(enum.Enum):
    """Resampling filter. Tensors support NEAREST, NEAREST_EXACT, BILINEAR and
    BICUBIC; PIL images support all of them."""
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    # PIL-only filters
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


# Pillow's Image.Resampling values (NEAREST=0, LANCZOS=1, BILINEAR=2, BICUBIC=3, BOX=4, HAMMING=5)
PIL_CODES = {
    InterpolationMode.NEAREST: 0,
    InterpolationMode.NEAREST_EXACT: 0,
    InterpolationMode.BILINEAR: 2,
    InterpolationMode.BICUBIC: 3,
    InterpolationMode.BOX: 4,
    InterpolationMode.HAMMING: 5,
    InterpolationMode.LANCZOS: 1,
}

_FROM_INT = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC,
             4: InterpolationMode.BOX, 5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}


def as_mode(interpolation, name="interpolation"):
    """An InterpolationMode from a mode, its string value, or a Pillow integer code."""
    if isinstance(interpolation, InterpolationMode):
        return interpolation
    if isinstance(interpolation, bool):
        raise InvalidType(f"{name} should be an InterpolationMode, got bool")
    if isinstance(interpolation, int):
        if interpolation not in _FROM_INT:
            raise InvalidArgument(f"{name}: unknown Pillow interpolation code {interpolation}; "
                                  f"expected one of {sorted(_FROM_INT)}")
        warnings.warn("Argument 'interpolation' of type int is deprecated, please use "
                      "InterpolationMode enum.", stacklevel=3)
        return _FROM_INT[interpolation]
    if isinstance(interpolation, str):
        try:
            return InterpolationMode(interpolation)
        except ValueError:
            raise InvalidArgument(f"{name}: unknown interpolation mode {interpolation!r}; expected one "
                                  f"of {[m.value for m in InterpolationMode]}") from None
    raise InvalidType(f"{name} should be an InterpolationMode, got {type(interpolation).__name__}")
