"""Images: data sets that read the real formats from disk (``datasets``),
transforms (``transforms``) and small classifiers (``models``)."""
import importlib

_SUBMODULES = ("datasets", "transforms", "models")


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'rustorch.vision' has no attribute '{name}'")
