"""rustorch.optim: optimizers and learning-rate schedulers with torch's update
rules, state dicts and errors.  Each optimizer lives in its own module."""
import importlib as _importlib
import os as _os

from .optimizer import Optimizer, required  # noqa: F401
from .sgd import SGD  # noqa: F401

# other optimizer modules register themselves through __all__
for _f in sorted(_os.listdir(_os.path.dirname(__file__))):
    if _f.endswith(".py") and _f not in ("__init__.py", "optimizer.py", "sgd.py", "lr_scheduler.py",
                                         "swa_utils.py", "_fused.py"):
        _mod = _importlib.import_module(f"{__name__}.{_f[:-3]}")
        for _name in getattr(_mod, "__all__", ()):
            globals()[_name] = getattr(_mod, _name)
for _sub in ("lr_scheduler", "swa_utils"):
    if _os.path.exists(_os.path.join(_os.path.dirname(__file__), _sub + ".py")):
        globals()[_sub] = _importlib.import_module(f"{__name__}.{_sub}")
del _f, _importlib, _os
