"""Elementwise namespace functions beyond kernels.UNARY/BINARY's first rows:
where, clip, and the rest of the array API's math (not written yet: host.py
serves these)."""
__all__ = []
EXTENSIONS = {}
