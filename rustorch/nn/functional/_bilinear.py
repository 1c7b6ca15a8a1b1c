"""F.bilinear: y = x1^T A x2 + b over the last dims, batch dims shared."""
from ..._errors import ShapeError

__all__ = ["bilinear"]


def bilinear(input1, input2, weight, bias=None):
    """``out[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o]``."""
    if input1.ndim != input2.ndim:
        raise ShapeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}")
    for d in range(input1.ndim - 1):
        if input1.shape[d] != input2.shape[d]:
            raise ShapeError(f"bilinear(): input batch dimensions do not match at dim {d}: got "
                             f"{input1.shape[d]} and {input2.shape[d]}")
    if weight.ndim != 3:
        raise ShapeError(f"bilinear(): weight must be 3-D (out, in1, in2), got {weight.ndim}-D")
    out_f, in1, in2 = weight.shape
    if input1.ndim == 0 or input1.shape[-1] != in1:
        raise ShapeError(f"bilinear(): input1 size does not match weight size: got "
                         f"{input1.shape[-1] if input1.ndim else 0} but expected {in1}")
    if input2.shape[-1] != in2:
        raise ShapeError(f"bilinear(): input2 size does not match weight size: got "
                         f"{input2.shape[-1]} but expected {in2}")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != out_f):
        raise ShapeError(f"bilinear(): bias size does not match weight size: got "
                         f"{bias.shape[-1] if bias.ndim else 0} but expected {out_f}")
    batch = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    # (N, in1) @ (in1, out*in2) -> (N, out, in2), then contract with x2
    w = weight.permute(1, 0, 2).reshape(in1, out_f * in2)
    t = (x1 @ w).reshape(-1, out_f, in2)
    out = (t * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(batch + (out_f,))
