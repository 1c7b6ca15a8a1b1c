"""Sorting family of the namespace: sort, argsort, topk, searchsorted
(not written yet: host.py serves these)."""
__all__ = []
EXTENSIONS = {}
