"""rustorch: a PyTorch-style deep-learning framework with a pure-Python core.

``import rustorch as torch`` gives torch's names and semantics on every
backend (see ``rustorch.backends``).
"""
__version__ = "0.1.0"

from . import _dtype
from ._dtype import (bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32,  # noqa: A004
                     float64, complex64, complex128, uint16, uint32, uint64, float8_e4m3fn,
                     float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz, dtype, promote_types,
                     get_default_dtype, set_default_dtype)
from ._dtype import ALIASES as _ALIASES
from ._device import device
from ._errors import (RustorchError, ShapeError, DTypeError, DeviceError,  # noqa: F401
                      BackendUnavailableError, UnsupportedError, AutogradError, IndexOutOfRange,
                      InvalidArgument, InvalidType, FormatError, DataNotFoundError)
from ._tensor import Tensor, Size
from . import backends
from . import autograd
from .autograd.grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,
                                 is_grad_enabled, is_inference_mode_enabled)
from .random import Generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state
from .serialization import save, load
from ._repr import set_printoptions

from .ops import creation as _creation, elementwise as _elementwise, shape as _shape  # noqa: F401
from .ops import reduction as _reduction, operators as _operators  # noqa: F401
from .ops import indexing as _indexing, linalg as _linalg, sorting as _sorting  # noqa: F401
from .ops.creation import (tensor, as_tensor, asarray, from_numpy, frombuffer, zeros, ones, full, empty,
                           zeros_like, ones_like, empty_like, full_like, arange, linspace, logspace,
                           eye, rand, randn, randint, randperm, rand_like, randn_like,
                           randint_like, normal, bernoulli, multinomial, clone,
                           set_default_device, get_default_device)
from .ops.elementwise import *  # noqa: F401,F403
from .ops.elementwise import finfo, iinfo, to_dtype as _to_dtype  # noqa: F401
from .ops.shape import *  # noqa: F401,F403
from .ops.reduction import *  # noqa: F401,F403
from .ops.indexing import *  # noqa: F401,F403
from .ops.linalg import *  # noqa: F401,F403
from .ops.sorting import *  # noqa: F401,F403
from .ops._core import broadcast_shapes, result_dtype as _result_dtype
from . import nn  # noqa: E402
from . import optim  # noqa: E402

half, float, double, short, int, long, cfloat, cdouble = (  # noqa: A001
    _ALIASES["half"], _ALIASES["float"], _ALIASES["double"], _ALIASES["short"], _ALIASES["int"],
    _ALIASES["long"], _ALIASES["cfloat"], _ALIASES["cdouble"])
import builtins as _builtins  # noqa: E402


def result_type(tensor1, tensor2):
    return _result_dtype(tensor1, tensor2)


def can_cast(from_, to):
    return from_.category <= to.category


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(t):
    return t.dtype.category == 2


def is_complex(t):
    return t.dtype.category == 3


def numel(t):
    return t.numel()


def is_nonzero(t):
    if t.numel() != 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return _builtins.bool(t.item())


def typename(t):
    return t.type()


del _builtins


# Library layers that are heavier than the core load on first use:
# ``rustorch.data``, ``rustorch.vision`` ... (``import rustorch.data`` works too).
_LAZY_SUBMODULES = frozenset({"data", "vision", "training", "formats", "utils", "onnx", "webgpu"})


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'rustorch' has no attribute '{name}'")
