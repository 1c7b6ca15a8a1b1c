"""File formats read and written with the public Tensor API only.

``rustorch.formats.safetensors`` is a pure-Python safetensors reader/writer.
"""
from . import safetensors  # noqa: F401

__all__ = ["safetensors"]
