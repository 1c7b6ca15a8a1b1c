"""Sorting, selection and set ops: sort, argsort, topk, kthvalue, unique ..."""
__all__ = []
