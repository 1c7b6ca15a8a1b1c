"""Helpers shared by the optimizers: torch keeps each parameter's ``step`` as a
float32 0-d tensor on the CPU (unless capturable), and accepts a 1-element
tensor as ``lr``."""
from .._tensor import Tensor


def new_step(device=None, value=0.0):
    from ..ops.creation import tensor
    from .._dtype import float32
    return tensor(float(value), dtype=float32, device=device)


def scalar(x):
    """A Python number from a number or a 1-element tensor (torch's _to_scalar)."""
    if isinstance(x, Tensor):
        return x.item()
    return x
