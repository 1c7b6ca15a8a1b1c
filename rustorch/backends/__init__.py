"""Registry of devices: which backend serves which device string.

``rt.backends.available()`` lists the device types usable on this machine;
asking for any other raises ``BackendUnavailableError`` naming what to install.
Where NumPy is absent (Pyodide without numpy), ``cpu`` is served by the
pure-Python backend (the ``python`` device's), reporting device ``cpu``.
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
# device type -> (module, class name, package): where that package is not
# installed, this backend serves the device instead -- ``cpu`` runs on the
# pure-Python namespace where NumPy is absent (Pyodide without numpy).
_FALLBACKS = {
    "cpu": ("rustorch.backends.python_backend", "PythonBackend", "numpy"),
}
_INSTANCES = {}
_FAILURES = {}


def register(device_type, module, class_name, install_hint=None):
    """Add or replace the provider of a device type (for out-of-tree backends)."""
    _PROVIDERS[device_type] = (module, class_name, install_hint)
    _INSTANCES.pop(device_type, None)
    _FAILURES.pop(device_type, None)


def _missing_package(e):
    """The top-level package an ImportError says is absent, else None."""
    if isinstance(e, ModuleNotFoundError) and e.name:
        return e.name.split(".")[0]
    return None


def _load(device_type):
    module, cls, hint = _PROVIDERS[device_type]
    try:
        mod = importlib.import_module(module)
    except ImportError as e:
        if getattr(e, "name", None) == module:
            raise BackendUnavailableError(
                f"device '{device_type}' has no backend in this version of rustorch") from None
        fb = _FALLBACKS.get(device_type)
        if fb is not None and _missing_package(e) == fb[2]:
            return _load_fallback(device_type, fb)
        need = f"; install it with `{hint}`" if hint else ""
        raise BackendUnavailableError(
            f"device '{device_type}' needs the package '{e.name or e}', which is not "
            f"installed or failed to import{need}") from None
    return getattr(mod, cls)(_device(device_type))


def _load_fallback(device_type, fallback):
    """The fallback backend, as a subclass that reports ``device_type``
    (so tensors print and compare as that device)."""
    module, cls, package = fallback
    try:
        base = getattr(importlib.import_module(module), cls)
    except ImportError as e:
        raise BackendUnavailableError(
            f"device '{device_type}': the package '{package}' is not installed and its "
            f"fallback ({module}) failed to import: {e}") from None

    def to_numpy(self, x):
        raise BackendUnavailableError(
            f"numpy() needs NumPy, which is not installed; device '{device_type}' runs on the "
            f"pure-Python backend here (use .tolist(), or install it with `pip install {package}`)")

    sub = type(f"{base.__name__}As{device_type.capitalize()}", (base,),
               {"name": device_type, "fallback_for": package, "to_numpy": to_numpy,
                "__module__": __name__, "__doc__": f"{base.__name__} serving device "
                f"'{device_type}' because '{package}' is not installed."})
    return sub(_device(device_type))


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
        if not getattr(e, "transient", False):   # e.g. a browser device made later, awaited
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


# What ``device="auto"`` picks, fastest first ("python" only when asked for).
AUTO_ORDER = ("cuda", "webgpu", "opencl", "numba", "cpu")


def is_emulated(device_type):
    """True when a GPU device type runs on a CPU emulation (lavapipe,
    SwiftShader, PoCL): correct, but slower than the ``cpu`` device."""
    b = get(device_type)
    ctx = getattr(b, "context", None)
    info = getattr(getattr(ctx, "adapter", None), "info", None) or {}
    return info.get("adapter_type") == "CPU" or getattr(b, "emulated", False)


def best_device():
    """The device ``"auto"`` means: the first of AUTO_ORDER that loads here,
    skipping a CPU-emulated GPU where ``cpu`` runs on NumPy (which is faster;
    in a browser, without NumPy, SwiftShader's WebGPU still beats pure Python)."""
    found = available()
    numpy_cpu = "cpu" in found and getattr(get("cpu"), "fallback_for", None) is None
    for name in AUTO_ORDER:
        if name in found and (name in ("cpu", "numba") or not (numpy_cpu and is_emulated(name))):
            return name
    return "cpu" if "cpu" in found else found[0]


def why_unavailable(device_type):
    """The reason a device type is unavailable, or None if it loads."""
    try:
        get(device_type)
    except BackendUnavailableError as e:
        return str(e)
    return None
