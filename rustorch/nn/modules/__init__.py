"""nn layers: every module file of this package lists its classes in
``__all__``; they are all gathered here (and re-exported by ``rustorch.nn``)."""
import importlib as _importlib
import os as _os

__all__ = []
for _f in sorted(_os.listdir(_os.path.dirname(__file__))):
    if _f.endswith(".py") and _f != "__init__.py":
        _mod = _importlib.import_module(f"{__name__}.{_f[:-3]}")
        for _name in getattr(_mod, "__all__", ()):
            globals()[_name] = getattr(_mod, _name)
            __all__.append(_name)
del _f, _mod, _importlib, _os
