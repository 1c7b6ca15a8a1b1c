"""File formats read and written with the public Tensor API only.

``rustorch.formats.safetensors`` is a pure-Python safetensors reader/writer;
``rustorch.formats.torch_format`` reads and writes torch.save's ``.pt`` files.
"""
from . import safetensors  # noqa: F401
from . import torch_format  # noqa: F401

__all__ = ["safetensors", "torch_format"]
