"""File formats read and written with the public Tensor API only.

``rustorch.formats.safetensors`` is a pure-Python safetensors reader/writer,
``rustorch.formats.sharded`` splits a checkpoint into safetensors shards with an
index JSON, ``rustorch.formats.torch_format`` reads and writes torch.save's
``.pt`` files.
"""
from . import safetensors  # noqa: F401
from . import sharded  # noqa: F401
from . import torch_format  # noqa: F401
from .sharded import save_sharded, load_sharded  # noqa: F401

__all__ = ["safetensors", "sharded", "torch_format", "save_sharded", "load_sharded"]
