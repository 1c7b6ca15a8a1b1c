"""Activation functions (F.relu, F.gelu, F.softmax ...)."""
from ...ops.elementwise import relu, sigmoid, tanh  # noqa: F401

__all__ = ["relu", "sigmoid", "tanh"]
