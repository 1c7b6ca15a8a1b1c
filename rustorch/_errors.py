"""rustorch's exception hierarchy.

Every error rustorch raises on bad input is a ``RustorchError`` *and* the builtin
exception torch would raise for the same mistake, so ``except RuntimeError``
written for torch keeps working.
"""


class RustorchError(Exception):
    """Base class of every error rustorch raises on purpose."""


class ShapeError(RustorchError, RuntimeError):
    """Shapes that do not fit: broadcasting, matmul, view, cat ..."""


class DTypeError(RustorchError, RuntimeError):
    """A dtype an operation cannot take, or a result that cannot be cast."""


class DeviceError(RustorchError, RuntimeError):
    """Tensors on different devices, or an unknown device string."""


class BackendUnavailableError(DeviceError):
    """A device whose package or hardware is missing on this machine."""


class UnsupportedError(RustorchError, NotImplementedError):
    """An operation or dtype a backend declares it does not support."""


class AutogradError(RustorchError, RuntimeError):
    """Misuse of autograd: backward twice, in-place on a saved tensor ..."""


class IndexOutOfRange(RustorchError, IndexError):
    """An index or dim outside a tensor's bounds."""


class InvalidArgument(RustorchError, ValueError, RuntimeError):
    """A value an argument cannot take (negative size, bad mode string ...).
    torch raises RuntimeError or ValueError for these; this is both."""


class InvalidType(RustorchError, TypeError):
    """An argument of a type an operation does not accept."""


def shape_str(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


class FormatError(RustorchError, ValueError, RuntimeError):
    """A file or byte string that is truncated, corrupted, hostile or not in the
    format it claims (safetensors, IDX, CIFAR batches, checkpoints, ONNX ...)."""


class DataNotFoundError(RustorchError, FileNotFoundError, RuntimeError):
    """A data set or file that is not on disk (and could not be downloaded)."""
