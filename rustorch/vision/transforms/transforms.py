"""torchvision.transforms classes for rustorch. Every random choice is drawn from
rustorch's global generator (rt.rand / rt.randint / uniform_), so rt.manual_seed
makes a pipeline reproducible and DataLoader workers get their own streams; the
sampling rules are torchvision's, exposed as the same static get_params."""
import math
import numbers
import warnings
from collections.abc import Sequence

import rustorch as rt
from rustorch._errors import InvalidArgument, InvalidType, ShapeError

from . import functional as F
from ._image import get_dimensions, is_tensor
from ._modes import InterpolationMode, as_mode

__all__ = ["Compose", "ToTensor", "PILToTensor", "ToPILImage", "ConvertImageDtype", "Normalize",
           "Resize", "CenterCrop", "RandomCrop", "RandomResizedCrop", "RandomHorizontalFlip",
           "RandomVerticalFlip", "RandomRotation", "RandomAffine", "ColorJitter", "Grayscale",
           "RandomGrayscale", "Pad", "Lambda", "RandomErasing", "RandomApply", "RandomChoice",
           "RandomOrder", "GaussianBlur", "FiveCrop", "TenCrop", "RandomInvert"]


# ------------------------------------------------------------------ random draws
def _rand():
    return float(rt.rand(1).item())


def _uniform(lo, hi):
    return float(rt.empty(1).uniform_(float(lo), float(hi)).item())


def _randint(lo, hi):
    """An int in [lo, hi)."""
    return int(rt.randint(lo, hi, size=(1,)).item())


# ------------------------------------------------------------------ argument helpers
def _setup_size(size, error_msg):
    if isinstance(size, numbers.Number) and not isinstance(size, bool):
        size = (int(size), int(size))
    elif isinstance(size, Sequence) and len(size) == 1:
        size = (size[0], size[0])
    elif not isinstance(size, Sequence) or len(size) != 2:
        raise InvalidArgument(f"{error_msg} Got {size!r}")
    for s in size:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise InvalidType(f"size should contain ints, got {size!r}")
        if s <= 0:
            raise InvalidArgument(f"size should be positive, got {tuple(size)}")
    return tuple(int(s) for s in size)


def _check_sequence(x, name, req_sizes):
    if not isinstance(x, Sequence):
        raise InvalidType(f"{name} should be a sequence of length {' or '.join(map(str, req_sizes))}.")
    if len(x) not in req_sizes:
        raise InvalidArgument(f"{name} should be a sequence of length "
                              f"{' or '.join(map(str, req_sizes))}, got {len(x)}.")


def _setup_angle(x, name, req_sizes=(2,)):
    if isinstance(x, numbers.Number):
        if x < 0:
            raise InvalidArgument(f"If {name} is a single number, it must be positive, got {x}.")
        x = [-x, x]
    else:
        _check_sequence(x, name, req_sizes)
    return [float(d) for d in x]


def _check_fill(fill):
    if fill is None:
        return 0
    if not isinstance(fill, (Sequence, numbers.Number)) or isinstance(fill, str):
        raise InvalidType(f"Fill should be either a sequence or a number, got {type(fill).__name__}")
    return fill


def _tensor_fill(fill, img):
    """Fill as a per-channel float list for tensor images (torchvision does this)."""
    if is_tensor(img):
        c = get_dimensions(img)[0]
        return [float(fill)] * c if isinstance(fill, (int, float)) else [float(f) for f in fill]
    return fill


def _check_prob(p, name="p"):
    if isinstance(p, bool) or not isinstance(p, numbers.Number) or not 0.0 <= p <= 1.0:
        raise InvalidArgument(f"{name} should be a probability in [0, 1], got {p!r}")
    return float(p)


class _Transform(rt.nn.Module):
    """A transform is a Module (as in torchvision) whose repr lists its settings."""
    _repr_keys = ()

    def __repr__(self):
        args = ", ".join(f"{k}={getattr(self, k)!r}" if not isinstance(getattr(self, k), InterpolationMode)
                         else f"{k}={getattr(self, k).value}" for k in self._repr_keys)
        return f"{type(self).__name__}({args})"


# ------------------------------------------------------------------ containers
class Compose:
    """Apply transforms one after the other."""

    def __init__(self, transforms):
        if not isinstance(transforms, Sequence) or isinstance(transforms, str):
            raise InvalidType(f"Compose expects a sequence of transforms, got {type(transforms).__name__}")
        for t in transforms:
            if not callable(t):
                raise InvalidType(f"Compose: {t!r} is not callable")
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class RandomApply(_Transform):
    """Apply all the transforms with probability p, or none."""

    def __init__(self, transforms, p=0.5):
        super().__init__()
        self.transforms = list(transforms)
        self.p = _check_prob(p)

    def forward(self, img):
        if self.p < _rand():
            return img
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}(\n    p={self.p}{body}\n)"


class RandomOrder:
    """Apply the transforms in a random order."""

    def __init__(self, transforms):
        if not isinstance(transforms, Sequence):
            raise InvalidType("Argument transforms should be a sequence")
        self.transforms = list(transforms)

    def __call__(self, img):
        for i in rt.randperm(len(self.transforms)).tolist():
            img = self.transforms[i](img)
        return img

    def __repr__(self):
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class RandomChoice:
    """Apply one transform picked at random (weights p, default uniform)."""

    def __init__(self, transforms, p=None):
        if not isinstance(transforms, Sequence) or not transforms:
            raise InvalidType("Argument transforms should be a non-empty sequence")
        if p is not None:
            if not isinstance(p, Sequence):
                raise InvalidType("Argument p should be a sequence")
            if len(p) != len(transforms) or any(w < 0 for w in p) or sum(p) <= 0:
                raise InvalidArgument(f"p should hold {len(transforms)} non-negative weights with a "
                                      f"positive sum, got {p!r}")
        self.transforms = list(transforms)
        self.p = p

    def __call__(self, *args):
        if self.p is None:
            i = _randint(0, len(self.transforms))
        else:       # inverse CDF of the weights at one uniform draw
            u = _rand() * sum(self.p)
            i, acc = 0, float(self.p[0])
            while (u >= acc or self.p[i] == 0) and i < len(self.p) - 1:
                i += 1
                acc += float(self.p[i])
        return self.transforms[i](*args)

    def __repr__(self):
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)(p={self.p})"


class Lambda:
    """Apply a user function."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise InvalidType(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return f"{type(self).__name__}()"


# ------------------------------------------------------------------ conversions
class ToTensor:
    """PIL image / HWC ndarray (or our uint8 CHW tensor) -> float CHW tensor in [0, 1]."""

    def __call__(self, pic):
        return F.to_tensor(pic)

    def __repr__(self):
        return f"{type(self).__name__}()"


class PILToTensor:
    """PIL image -> CHW tensor with the image's own dtype (no scaling)."""

    def __call__(self, pic):
        return F.pil_to_tensor(pic)

    def __repr__(self):
        return f"{type(self).__name__}()"


class ToPILImage:
    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        return F.to_pil_image(pic, self.mode)

    def __repr__(self):
        return f"{type(self).__name__}(mode={self.mode})" if self.mode else f"{type(self).__name__}()"


class ConvertImageDtype(_Transform):
    _repr_keys = ("dtype",)

    def __init__(self, dtype):
        super().__init__()
        if not isinstance(dtype, rt.dtype):
            raise InvalidType(f"ConvertImageDtype: dtype should be a rustorch dtype, got {dtype!r}")
        self.dtype = dtype

    def forward(self, image):
        return F.convert_image_dtype(image, self.dtype)


class Normalize(_Transform):
    """(x - mean) / std per channel of a float tensor image."""
    _repr_keys = ("mean", "std")

    def __init__(self, mean, std, inplace=False):
        super().__init__()
        for name, v in (("mean", mean), ("std", std)):
            vals = list(v) if isinstance(v, Sequence) else [v]
            if not vals or not all(isinstance(x, numbers.Number) for x in vals):
                raise InvalidType(f"Normalize: {name} should be a number or a sequence of numbers, "
                                  f"got {v!r}")
        if any(float(s) == 0 for s in (std if isinstance(std, Sequence) else [std])):
            raise InvalidArgument(f"Normalize: std must not contain zero (division by zero), got {std!r}")
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def forward(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)


# ------------------------------------------------------------------ geometry
class Resize(_Transform):
    _repr_keys = ("size", "interpolation", "max_size", "antialias")

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        super().__init__()
        if isinstance(size, bool) or not isinstance(size, (int, Sequence)):
            raise InvalidType(f"Size should be int or sequence. Got {type(size).__name__}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise InvalidArgument(f"If size is a sequence, it should have 1 or 2 values, got {size!r}")
        F._check_int_size([size] if isinstance(size, int) else list(size), "size")
        if max_size is not None:
            F._check_int_size([max_size], "max_size")
            if not (isinstance(size, int) or len(size) == 1):
                raise InvalidArgument("max_size should only be passed if size specifies the length of "
                                      f"the smaller edge (got size={size!r})")
        self.size = size
        self.max_size = max_size
        self.interpolation = as_mode(interpolation)
        self.antialias = antialias

    def forward(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)


class CenterCrop(_Transform):
    _repr_keys = ("size",)

    def __init__(self, size):
        super().__init__()
        self.size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")

    def forward(self, img):
        return F.center_crop(img, self.size)


class Pad(_Transform):
    _repr_keys = ("padding", "fill", "padding_mode")

    def __init__(self, padding, fill=0, padding_mode="constant"):
        super().__init__()
        F._parse_padding(padding)
        if isinstance(fill, bool) or not isinstance(fill, (numbers.Number, tuple, list)):
            raise InvalidType(f"Got inappropriate fill arg: {fill!r}")
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise InvalidArgument(f"Padding mode should be either constant, edge, reflect or "
                                  f"symmetric, got {padding_mode!r}")
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def forward(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)


class RandomCrop(_Transform):
    """Crop at a random position, optionally padding first."""
    _repr_keys = ("size", "padding")

    @staticmethod
    def get_params(img, output_size):
        """(top, left, height, width) of a random crop of ``output_size``."""
        _, h, w = get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise InvalidArgument(f"Required crop size {(th, tw)} is larger than input image size "
                                  f"{(h, w)} (use pad_if_needed=True or padding)")
        if w == tw and h == th:
            return 0, 0, h, w
        i = _randint(0, h - th + 1)
        j = _randint(0, w - tw + 1)
        return i, j, th, tw

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        super().__init__()
        self.size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")
        if padding is not None:
            F._parse_padding(padding)
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise InvalidArgument(f"Padding mode should be either constant, edge, reflect or "
                                  f"symmetric, got {padding_mode!r}")
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    def forward(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        i, j, h, w = self.get_params(img, self.size)
        return F.crop(img, i, j, h, w)


class RandomResizedCrop(_Transform):
    """Crop a random area (fraction ``scale`` of the image, aspect ratio in
    ``ratio``, log-uniform) and resize it to ``size``."""
    _repr_keys = ("size", "scale", "ratio", "interpolation", "antialias")

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
        super().__init__()
        self.size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")
        if not isinstance(scale, Sequence) or len(scale) != 2:
            raise InvalidType(f"Scale should be a sequence of 2 numbers, got {scale!r}")
        if not isinstance(ratio, Sequence) or len(ratio) != 2:
            raise InvalidType(f"Ratio should be a sequence of 2 numbers, got {ratio!r}")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        if scale[0] < 0 or ratio[0] <= 0:
            raise InvalidArgument(f"scale must be non-negative and ratio positive, got scale={scale}, "
                                  f"ratio={ratio}")
        self.interpolation = as_mode(interpolation)
        self.antialias = antialias
        self.scale = scale
        self.ratio = ratio

    @staticmethod
    def get_params(img, scale, ratio):
        """(top, left, height, width): up to 10 random tries, then a central crop
        with the aspect ratio clamped into ``ratio``."""
        _, height, width = get_dimensions(img)
        area = height * width
        log_ratio = rt.log(rt.tensor([float(r) for r in ratio]))
        lr0, lr1 = log_ratio.tolist()
        for _ in range(10):
            target_area = area * _uniform(scale[0], scale[1])
            aspect = float(rt.exp(rt.empty(1).uniform_(lr0, lr1)).item())
            w = int(round(math.sqrt(target_area * aspect)))
            h = int(round(math.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                i = _randint(0, height - h + 1)
                j = _randint(0, width - w + 1)
                return i, j, h, w
        in_ratio = float(width) / float(height)
        if in_ratio < min(ratio):
            w = width
            h = int(round(w / min(ratio)))
        elif in_ratio > max(ratio):
            h = height
            w = int(round(h * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def forward(self, img):
        i, j, h, w = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, i, j, h, w, list(self.size), self.interpolation,
                              antialias=self.antialias)


class RandomHorizontalFlip(_Transform):
    _repr_keys = ("p",)

    def __init__(self, p=0.5):
        super().__init__()
        self.p = _check_prob(p)

    def forward(self, img):
        return F.hflip(img) if _rand() < self.p else img


class RandomVerticalFlip(_Transform):
    _repr_keys = ("p",)

    def __init__(self, p=0.5):
        super().__init__()
        self.p = _check_prob(p)

    def forward(self, img):
        return F.vflip(img) if _rand() < self.p else img


class RandomRotation(_Transform):
    """Rotate by an angle drawn uniformly from ``degrees`` (d -> (-d, d))."""
    _repr_keys = ("degrees", "interpolation", "expand", "fill")

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False, center=None,
                 fill=0):
        super().__init__()
        self.degrees = _setup_angle(degrees, "degrees", (2,))
        if center is not None:
            _check_sequence(center, "center", (2,))
        self.center = center
        self.interpolation = as_mode(interpolation)
        self.expand = expand
        self.fill = _check_fill(fill)

    @staticmethod
    def get_params(degrees):
        return _uniform(degrees[0], degrees[1])

    def forward(self, img):
        fill = _tensor_fill(self.fill, img)
        angle = self.get_params(self.degrees)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, fill)


class RandomAffine(_Transform):
    """Random rotation, translation (fractions of width/height), scale and shear."""
    _repr_keys = ("degrees", "translate", "scale", "shear", "interpolation", "fill")

    def __init__(self, degrees, translate=None, scale=None, shear=None,
                 interpolation=InterpolationMode.NEAREST, fill=0, center=None):
        super().__init__()
        self.degrees = _setup_angle(degrees, "degrees", (2,))
        if translate is not None:
            _check_sequence(translate, "translate", (2,))
            if not all(0.0 <= t <= 1.0 for t in translate):
                raise InvalidArgument(f"translation values should be between 0 and 1, got {translate}")
        if scale is not None:
            _check_sequence(scale, "scale", (2,))
            if not all(s > 0 for s in scale):
                raise InvalidArgument(f"scale values should be positive, got {scale}")
        if shear is not None:
            shear = _setup_angle(shear, "shear", (2, 4))
        if center is not None:
            _check_sequence(center, "center", (2,))
        self.translate, self.scale, self.shear, self.center = translate, scale, shear, center
        self.interpolation = as_mode(interpolation)
        self.fill = _check_fill(fill)

    @staticmethod
    def get_params(degrees, translate, scale_ranges, shears, img_size):
        """(angle, (tx, ty), scale, (shear_x, shear_y)) for an image of [w, h]."""
        angle = _uniform(degrees[0], degrees[1])
        if translate is not None:
            max_dx = float(translate[0] * img_size[0])
            max_dy = float(translate[1] * img_size[1])
            tx = int(round(_uniform(-max_dx, max_dx)))
            ty = int(round(_uniform(-max_dy, max_dy)))
            translations = (tx, ty)
        else:
            translations = (0, 0)
        scale = _uniform(scale_ranges[0], scale_ranges[1]) if scale_ranges is not None else 1.0
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = _uniform(shears[0], shears[1])
            if len(shears) == 4:
                shear_y = _uniform(shears[2], shears[3])
        return angle, translations, scale, (shear_x, shear_y)

    def forward(self, img):
        fill = _tensor_fill(self.fill, img)
        _, h, w = get_dimensions(img)
        ret = self.get_params(self.degrees, self.translate, self.scale, self.shear, [w, h])
        return F.affine(img, *ret, interpolation=self.interpolation, fill=fill, center=self.center)


class FiveCrop(_Transform):
    _repr_keys = ("size",)

    def __init__(self, size):
        super().__init__()
        self.size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")

    def forward(self, img):
        return F.five_crop(img, self.size)


class TenCrop(_Transform):
    _repr_keys = ("size", "vertical_flip")

    def __init__(self, size, vertical_flip=False):
        super().__init__()
        self.size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")
        self.vertical_flip = vertical_flip

    def forward(self, img):
        return F.ten_crop(img, self.size, self.vertical_flip)


# ------------------------------------------------------------------ colour
class ColorJitter(_Transform):
    """Random brightness, contrast, saturation and hue changes, applied in a
    random order. A number v means the factor range [max(0, 1 - v), 1 + v]
    ([-v, v] for hue); a pair gives the range itself."""
    _repr_keys = ("brightness", "contrast", "saturation", "hue")

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        super().__init__()
        self.brightness = self._check_input(brightness, "brightness")
        self.contrast = self._check_input(contrast, "contrast")
        self.saturation = self._check_input(saturation, "saturation")
        self.hue = self._check_input(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def _check_input(value, name, center=1, bound=(0, float("inf")), clip_first_on_zero=True):
        if isinstance(value, numbers.Number) and not isinstance(value, bool):
            if value < 0:
                raise InvalidArgument(f"If {name} is a single number, it must be non negative, got "
                                      f"{value}.")
            value = [center - float(value), center + float(value)]
            if clip_first_on_zero:
                value[0] = max(value[0], 0.0)
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            value = [float(value[0]), float(value[1])]
        else:
            raise InvalidType(f"{name} should be a single number or a list/tuple with length 2, got "
                              f"{value!r}.")
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise InvalidArgument(f"{name} values should be between {bound}, but got {value}.")
        if value[0] == value[1] == center:     # the identity: skip it
            return None
        return tuple(value)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        """(order of the 4 ops as a tensor, brightness, contrast, saturation, hue factors)."""
        fn_idx = rt.randperm(4)
        b = None if brightness is None else _uniform(brightness[0], brightness[1])
        c = None if contrast is None else _uniform(contrast[0], contrast[1])
        s = None if saturation is None else _uniform(saturation[0], saturation[1])
        h = None if hue is None else _uniform(hue[0], hue[1])
        return fn_idx, b, c, s, h

    def forward(self, img):
        fn_idx, b, c, s, h = self.get_params(self.brightness, self.contrast, self.saturation, self.hue)
        for fn_id in fn_idx.tolist():
            if fn_id == 0 and b is not None:
                img = F.adjust_brightness(img, b)
            elif fn_id == 1 and c is not None:
                img = F.adjust_contrast(img, c)
            elif fn_id == 2 and s is not None:
                img = F.adjust_saturation(img, s)
            elif fn_id == 3 and h is not None:
                img = F.adjust_hue(img, h)
        return img


class Grayscale(_Transform):
    _repr_keys = ("num_output_channels",)

    def __init__(self, num_output_channels=1):
        super().__init__()
        if num_output_channels not in (1, 3):
            raise InvalidArgument(f"num_output_channels should be either 1 or 3, got "
                                  f"{num_output_channels}")
        self.num_output_channels = num_output_channels

    def forward(self, img):
        return F.rgb_to_grayscale(img, self.num_output_channels)


class RandomGrayscale(_Transform):
    """With probability p, grayscale keeping the channel count."""
    _repr_keys = ("p",)

    def __init__(self, p=0.1):
        super().__init__()
        self.p = _check_prob(p)

    def forward(self, img):
        c = get_dimensions(img)[0]
        if _rand() < self.p:
            return F.rgb_to_grayscale(img, num_output_channels=c)
        return img


class RandomInvert(_Transform):
    _repr_keys = ("p",)

    def __init__(self, p=0.5):
        super().__init__()
        self.p = _check_prob(p)

    def forward(self, img):
        return F.invert(img) if _rand() < self.p else img


class GaussianBlur(_Transform):
    """Blur with a Gaussian of sigma drawn uniformly from ``sigma`` (min, max)."""
    _repr_keys = ("kernel_size", "sigma")

    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        super().__init__()
        self.kernel_size = _setup_size(kernel_size, "Kernel size should be a tuple/list of two integers")
        for ks in self.kernel_size:
            if ks <= 0 or ks % 2 == 0:
                raise InvalidArgument(f"Kernel size value should be an odd and positive number, got "
                                      f"{self.kernel_size}.")
        if isinstance(sigma, numbers.Number) and not isinstance(sigma, bool):
            if sigma <= 0:
                raise InvalidArgument(f"If sigma is a single number, it must be positive, got {sigma}.")
            sigma = (float(sigma), float(sigma))
        elif isinstance(sigma, Sequence) and len(sigma) == 2:
            if not 0.0 < sigma[0] <= sigma[1]:
                raise InvalidArgument(f"sigma values should be positive and of the form (min, max), "
                                      f"got {sigma}.")
        else:
            raise InvalidArgument(f"sigma should be a single number or a list/tuple with length 2, "
                                  f"got {sigma!r}.")
        self.sigma = tuple(sigma)

    @staticmethod
    def get_params(sigma_min, sigma_max):
        return _uniform(sigma_min, sigma_max)

    def forward(self, img):
        sigma = self.get_params(self.sigma[0], self.sigma[1])
        return F.gaussian_blur(img, list(self.kernel_size), [sigma, sigma])


class RandomErasing(_Transform):
    """With probability p, erase a random rectangle (area fraction in ``scale``,
    aspect ratio in ``ratio``) of a tensor image with ``value`` (a number, one
    per channel, or 'random' for normal noise)."""
    _repr_keys = ("p", "scale", "ratio", "value", "inplace")

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False):
        super().__init__()
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise InvalidType("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise InvalidArgument(f"If value is str, it should be 'random', got {value!r}")
        if not isinstance(scale, Sequence) or len(scale) != 2:
            raise InvalidType(f"Scale should be a sequence of 2 numbers, got {scale!r}")
        if not isinstance(ratio, Sequence) or len(ratio) != 2:
            raise InvalidType(f"Ratio should be a sequence of 2 numbers, got {ratio!r}")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        if scale[0] < 0 or scale[1] > 1:
            raise InvalidArgument(f"Scale should be between 0 and 1, got {scale}")
        if ratio[0] <= 0:
            raise InvalidArgument(f"Ratio should be positive, got {ratio}")
        self.p = _check_prob(p, "Random erasing probability")
        self.scale = scale
        self.ratio = ratio
        self.value = value
        self.inplace = inplace

    @staticmethod
    def get_params(img, scale, ratio, value=None):
        """(top, left, h, w, values): up to 10 tries; the whole image and the image
        itself as values (a no-op erase) if none fits."""
        c, ih, iw = img.shape[-3], img.shape[-2], img.shape[-1]
        area = ih * iw
        lr0, lr1 = rt.log(rt.tensor([float(r) for r in ratio])).tolist()
        for _ in range(10):
            erase_area = area * _uniform(scale[0], scale[1])
            aspect = float(rt.exp(rt.empty(1).uniform_(lr0, lr1)).item())
            h = int(round(math.sqrt(erase_area * aspect)))
            w = int(round(math.sqrt(erase_area / aspect)))
            if not (h < ih and w < iw):
                continue
            if value is None:
                v = rt.empty(c, h, w, dtype=rt.float32).normal_()
            else:
                v = rt.tensor([float(x) for x in value])[:, None, None]
            i = _randint(0, ih - h + 1)
            j = _randint(0, iw - w + 1)
            return i, j, h, w, v
        return 0, 0, ih, iw, img

    def forward(self, img):
        if not is_tensor(img):
            raise InvalidType(f"RandomErasing works on tensor images, got {type(img).__name__} "
                              f"(put it after ToTensor)")
        if img.ndim < 3:
            raise ShapeError(f"RandomErasing: expected a (..., C, H, W) tensor, got {list(img.shape)}")
        if _rand() < self.p:
            if isinstance(self.value, (int, float)):
                value = [float(self.value)]
            elif isinstance(self.value, str):
                value = None
            else:
                value = [float(v) for v in self.value]
            if value is not None and len(value) not in (1, img.shape[-3]):
                raise InvalidArgument(f"If value is a sequence, it should have either a single value "
                                      f"or {img.shape[-3]} (number of input channels), got {len(value)}")
            i, j, h, w, v = self.get_params(img, self.scale, self.ratio, value)
            return F.erase(img, i, j, h, w, v, self.inplace)
        return img
