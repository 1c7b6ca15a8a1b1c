"""``rt.device``: a device string parsed once ("cpu", "cuda:1", "webgpu")."""
from ._errors import DeviceError

KNOWN_TYPES = ("cpu", "python", "numba", "webgpu", "cuda", "opencl")


class device:
    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002 (torch's name)
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if not isinstance(type, str):
            raise DeviceError(f"device must be a string or rustorch.device, got {type!r}")
        name = type
        if ":" in name:
            name, _, idx = name.partition(":")
            if index is not None:
                raise DeviceError(f"device string {type!r} already has an index")
            if not idx.isdigit():
                raise DeviceError(f"invalid device string {type!r}")
            index = int(idx)
        if name not in KNOWN_TYPES:
            raise DeviceError(f"unknown device type {name!r}; expected one of {', '.join(KNOWN_TYPES)}")
        if index is not None and (not isinstance(index, int) or index < 0):
            raise DeviceError(f"device index must be a non-negative int, got {index!r}")
        self.type, self.index = name, index

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and (
            self.index == other.index or self.index is None and other.index in (None, 0)
            or other.index is None and self.index == 0)

    def __hash__(self):
        return hash(self.type)

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __reduce__(self):
        return (device, (self.type, self.index))
