"""torch.nn.functional: stateless layers written on the public Tensor API.

Each ``_*.py`` file of this package holds one family (padding, activations,
convolution, pooling, normalization, losses, attention ...) and lists its
public names in ``__all__``; they are all gathered here."""
import importlib as _importlib
import os as _os

__all__ = []
for _f in sorted(_os.listdir(_os.path.dirname(__file__))):
    if _f.startswith("_") and _f.endswith(".py") and _f != "__init__.py":
        _mod = _importlib.import_module(f"{__name__}.{_f[:-3]}")
        for _name in getattr(_mod, "__all__", ()):
            globals()[_name] = getattr(_mod, _name)
            __all__.append(_name)
del _f, _mod, _importlib, _os
