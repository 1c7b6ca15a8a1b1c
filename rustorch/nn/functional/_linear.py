"""F.linear and F.bilinear."""
from ..._errors import ShapeError

__all__ = ["linear"]


def linear(input, weight, bias=None):
    """input @ weight.T + bias."""
    if input.shape[-1] != weight.shape[-1]:
        raise ShapeError(f"mat1 and mat2 shapes cannot be multiplied "
                         f"({input.numel() // max(input.shape[-1], 1) if input.ndim > 1 else 1}x"
                         f"{input.shape[-1]} and {weight.shape[-1]}x{weight.shape[0]})")
    if input.ndim > 2 and input.is_contiguous():
        # fold the leading dims into one GEMM (and one GEMM for the weight
        # gradient, instead of a batch of them summed afterwards), as torch does
        lead = tuple(input.shape[:-1])
        out = input.reshape(-1, input.shape[-1]) @ weight.t()
        if bias is not None:
            out = out + bias
        return out.reshape(lead + (weight.shape[0],))
    out = input @ weight.t()
    if bias is not None:
        out = out + bias
    return out
