"""rustorch.nn: modules, layers, the functional API, initialisation and utils,
with torch's names and behaviour."""
from .parameter import Parameter, Buffer  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules.module import Module  # noqa: F401
from . import functional, init, utils  # noqa: F401
