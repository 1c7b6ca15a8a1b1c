"""Convolution and pooling family: im2col, col2im, max_pool (extension kernels
of the contract; until written here, the composed fallbacks run)."""
__all__ = []
EXTENSIONS = {}
