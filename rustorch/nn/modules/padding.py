"""Padding layers: Zero / Constant / Reflection / Replication / Circular, 1d-3d."""
from ..._errors import InvalidArgument
from .. import functional as F
from .module import Module

__all__ = ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ReflectionPad1d",
           "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d"]


def _ntuple(v, n):
    if isinstance(v, (tuple, list)):
        return tuple(v)
    return (v,) * n


class _PadNd(Module):
    _k = 1
    _mode = "constant"

    def __init__(self, padding):
        super().__init__()
        self.padding = _ntuple(padding, 2 * self._k)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _CircularPadNd(_PadNd):
    _mode = "circular"

    def forward(self, input):
        k = self._k
        if input.dim() not in (k + 1, k + 2):
            raise InvalidArgument(f"expected {k + 1}D or {k + 2}D input (got {input.dim()}D input)")
        return F.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    _k = 1


class CircularPad2d(_CircularPadNd):
    _k = 2


class CircularPad3d(_CircularPadNd):
    _k = 3


class _ConstantPadNd(Module):
    _k = 1

    def __init__(self, padding, value):
        super().__init__()
        self.value = value
        self.padding = _ntuple(padding, 2 * self._k)

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    _k = 1


class ConstantPad2d(_ConstantPadNd):
    _k = 2


class ConstantPad3d(_ConstantPadNd):
    _k = 3


class ZeroPad1d(ConstantPad1d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    _k, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    _k, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    _k, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    _k, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    _k, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    _k, _mode = 3, "replicate"
