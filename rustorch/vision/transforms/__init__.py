"""rustorch.vision.transforms: torchvision.transforms for rustorch tensors
(..., C, H, W) and PIL images. ``functional`` holds the stateless ops,
``presets`` ready pipelines for the bundled data sets."""
from . import functional, presets  # noqa: F401
from ._modes import InterpolationMode  # noqa: F401
from .transforms import *  # noqa: F401,F403
from .transforms import __all__ as _classes

__all__ = ["InterpolationMode", "functional", "presets", *_classes]
