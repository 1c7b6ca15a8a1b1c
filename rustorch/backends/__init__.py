"""Registry of devices: which backend serves which device string.

``rt.backends.available()`` lists the device types usable on this machine;
asking for any other raises ``BackendUnavailableError`` naming what to install.
"""
import importlib

from .._device import device as _device
from .._errors import BackendUnavailableError
from .contract import Backend, Capabilities, NAMESPACE, check_backend  # noqa: F401

# device type -> (module that defines the backend, class name, what to install)
_PROVIDERS = {
    "cpu": ("rustorch.backends.numpy_backend", "NumpyBackend", "pip install numpy"),
    "python": ("rustorch.backends.python_backend", "PythonBackend", None),
    "numba": ("rustorch.backends.numba_backend", "NumbaBackend", "pip install numba"),
    "webgpu": ("rustorch.backends.webgpu_backend", "WebGPUBackend", "pip install wgpu"),
    "cuda": ("rustorch.backends.cuda_backend", "CudaBackend", "pip install cupy-cuda12x"),
    "opencl": ("rustorch.backends.opencl_backend", "OpenCLBackend", "pip install pyopencl mako"),
}
_INSTANCES = {}
_FAILURES = {}


def register(device_type, module, class_name, install_hint=None):
    """Add or replace the provider of a device type (for out-of-tree backends)."""
    _PROVIDERS[device_type] = (module, class_name, install_hint)
    _INSTANCES.pop(device_type, None)
    _FAILURES.pop(device_type, None)


def _load(device_type):
    module, cls, hint = _PROVIDERS[device_type]
    try:
        mod = importlib.import_module(module)
    except ImportError as e:
        if getattr(e, "name", None) == module:
            raise BackendUnavailableError(
                f"device '{device_type}' has no backend in this version of rustorch") from None
        need = f"; install it with `{hint}`" if hint else ""
        raise BackendUnavailableError(
            f"device '{device_type}' needs the package '{e.name or e}', which is not "
            f"installed or failed to import{need}") from None
    return getattr(mod, cls)(_device(device_type))


def get(dev):
    """The backend serving ``dev`` (a device or string); created once."""
    key = dev.type if isinstance(dev, _device) else _device(dev).type
    b = _INSTANCES.get(key)
    if b is not None:
        return b
    if key in _FAILURES:
        raise BackendUnavailableError(_FAILURES[key])
    try:
        b = _INSTANCES[key] = _load(key)
    except BackendUnavailableError as e:
        _FAILURES[key] = str(e)
        raise
    return b


def available():
    """Device types whose backend loads on this machine, best first."""
    out = []
    for name in ("cuda", "webgpu", "opencl", "numba", "cpu", "python"):
        try:
            get(name)
        except BackendUnavailableError:
            continue
        out.append(name)
    return out


def why_unavailable(device_type):
    """The reason a device type is unavailable, or None if it loads."""
    try:
        get(device_type)
    except BackendUnavailableError as e:
        return str(e)
    return None
