"""ONNX operators of transformer language models: RMSNormalization (opset 23),
RotaryEmbedding (23) and SwiGLU (28).

Composed from rustorch's public Tensor API and ``rustorch.nn.functional`` so
they run on every device and autograd flows through them.
"""
import rustorch as rt
import rustorch.nn.functional as F

from ..._errors import IndexOutOfRange, InvalidArgument, InvalidType, ShapeError, UnsupportedError
from . import op

_FLOATS = (rt.float16, rt.bfloat16, rt.float32, rt.float64)

# TensorProto.DataType codes that stash_type may name
_STASH = {1: rt.float32, 10: rt.float16, 11: rt.float64, 16: rt.bfloat16}


def _check_float(name, what, t):
    if t.dtype not in _FLOATS:
        raise InvalidType(f"ONNX {name}: {what} must be a floating tensor, got {t.dtype}")


def _broadcasts_to(small, big):
    """True when ``small`` is unidirectionally broadcastable to ``big``."""
    if len(small) > len(big):
        return False
    return all(s in (1, b) for s, b in zip(reversed(small), reversed(big)))


# ---------------------------------------------------------------- RMSNormalization

@op("RMSNormalization", since=23)
def rms_normalization(ctx, x, scale):
    name = "RMSNormalization"
    _check_float(name, "X", x)
    _check_float(name, "scale", scale)
    r = x.ndim
    axis = int(ctx.attr("axis", -1))
    if not -r <= axis < r:
        raise IndexOutOfRange(f"ONNX {name}: axis {axis} is out of range for X of rank {r}")
    axis = axis + r if axis < 0 else axis
    stash_code = int(ctx.attr("stash_type", 1))
    if stash_code not in _STASH:
        raise UnsupportedError(f"ONNX {name}: stash_type={stash_code} is not a floating type "
                               f"rustorch computes in (supported: {sorted(_STASH)})")
    if not _broadcasts_to(list(scale.shape), list(x.shape)):
        raise ShapeError(f"ONNX {name}: scale of shape {list(scale.shape)} does not broadcast to "
                         f"X of shape {list(x.shape)}")
    eps = float(ctx.attr("epsilon", 1e-5))
    # stage one runs in the stash precision, then goes back to X's type before scaling
    xs = x.to(_STASH[stash_code])
    normalized = F.rms_norm(xs, list(x.shape[axis:]), eps=eps).to(x.dtype)
    y = normalized * scale
    return y if y.dtype == scale.dtype else y.to(scale.dtype)


# ---------------------------------------------------------------- RotaryEmbedding

def _cache_rows(name, cache, what, position_ids, batch, seq, half):
    """The cache as [batch, seq, half]: looked up by position_ids when given."""
    if position_ids is not None:
        if cache.ndim != 2:
            raise ShapeError(f"ONNX {name}: with position_ids, {what} must be 2-D "
                             f"[max_position, rotary_dim/2], got shape {list(cache.shape)}")
        rows = rt.index_select(cache, 0, position_ids.reshape(-1))
        cache = rows.reshape(batch, seq, cache.shape[1])
    elif list(cache.shape[:2]) != [batch, seq] or cache.ndim != 3:
        raise ShapeError(f"ONNX {name}: without position_ids, {what} must have shape "
                         f"[{batch}, {seq}, rotary_dim/2], got {list(cache.shape)}")
    if cache.shape[2] < half:
        raise ShapeError(f"ONNX {name}: {what} has {cache.shape[2]} values per position, the rotation "
                         f"needs rotary_dim/2 = {half}")
    # a wider cache is allowed: the op's function body slices the first `half` values
    return rt.narrow(cache, 2, 0, half)


@op("RotaryEmbedding", since=23)
def rotary_embedding(ctx, x, cos_cache, sin_cache, position_ids=None):
    name = "RotaryEmbedding"
    for what, t in (("input", x), ("cos_cache", cos_cache), ("sin_cache", sin_cache)):
        _check_float(name, what, t)
    if cos_cache.dtype != x.dtype or sin_cache.dtype != x.dtype:
        raise InvalidType(f"ONNX {name}: input, cos_cache and sin_cache must share a dtype, got "
                          f"{x.dtype}, {cos_cache.dtype}, {sin_cache.dtype}")
    num_heads = int(ctx.attr("num_heads", 0))
    if x.ndim == 4:                  # [batch, heads, seq, head_size]
        batch, heads, seq, head_size = x.shape
        if num_heads and num_heads != heads:
            raise ShapeError(f"ONNX {name}: num_heads={num_heads} disagrees with input of shape "
                             f"{list(x.shape)} (axis 1 holds the heads)")
        x4, head_axis = x, 1
    elif x.ndim == 3:                # [batch, seq, heads * head_size]
        batch, seq, hidden = x.shape
        if num_heads <= 0 or hidden % num_heads:
            raise InvalidArgument(f"ONNX {name}: a 3-D input of shape {list(x.shape)} needs a "
                                  f"num_heads attribute dividing {hidden}, got num_heads={num_heads}")
        head_size = hidden // num_heads
        x4, head_axis = x.reshape(batch, seq, num_heads, head_size), 2
    else:
        raise ShapeError(f"ONNX {name}: input must be 3-D or 4-D, got shape {list(x.shape)}")

    rot = int(ctx.attr("rotary_embedding_dim", 0)) or head_size
    if rot % 2 or not 0 < rot <= head_size:
        raise InvalidArgument(f"ONNX {name}: rotary_embedding_dim={rot} must be even and in "
                              f"(0, head_size={head_size}]")
    half = rot // 2
    if position_ids is not None:
        if position_ids.dtype != rt.int64:
            raise InvalidType(f"ONNX {name}: position_ids must be int64, got {position_ids.dtype}")
        if list(position_ids.shape) != [batch, seq]:
            raise ShapeError(f"ONNX {name}: position_ids of shape {list(position_ids.shape)} must "
                             f"have shape [{batch}, {seq}]")
    cos = _cache_rows(name, cos_cache, "cos_cache", position_ids, batch, seq, half)
    sin = _cache_rows(name, sin_cache, "sin_cache", position_ids, batch, seq, half)
    # one angle per (batch, position), shared by every head
    cos, sin = cos.unsqueeze(head_axis), sin.unsqueeze(head_axis)

    x_rot = rt.narrow(x4, 3, 0, rot)
    if ctx.attr("interleaved", 0):
        pairs = x_rot.reshape(list(x_rot.shape[:3]) + [half, 2])       # (x0, x1), (x2, x3) ...
        x1, x2 = pairs.select(-1, 0), pairs.select(-1, 1)
    else:
        x1, x2 = rt.narrow(x_rot, 3, 0, half), rt.narrow(x_rot, 3, half, half)
    real = cos * x1 - sin * x2
    imag = sin * x1 + cos * x2
    if ctx.attr("interleaved", 0):
        rotated = rt.stack([real, imag], dim=-1).reshape(list(x_rot.shape))
    else:
        rotated = rt.cat([real, imag], dim=-1)
    if rot < head_size:
        rotated = rt.cat([rotated, rt.narrow(x4, 3, rot, head_size - rot)], dim=-1)
    return rotated.reshape(list(x.shape))


# ---------------------------------------------------------------- SwiGLU

@op("SwiGLU", since=28)
def swiglu(ctx, a, b):
    name = "SwiGLU"
    _check_float(name, "A", a)
    if a.dtype != b.dtype:
        raise InvalidType(f"ONNX {name}: A ({a.dtype}) and B ({b.dtype}) must share a dtype")
    if list(a.shape) != list(b.shape):
        raise ShapeError(f"ONNX {name}: A of shape {list(a.shape)} and B of shape {list(b.shape)} "
                         f"must have the same shape (SwiGLU does not broadcast)")
    alpha = float(ctx.attr("alpha", 1.0))
    # Swish_alpha(a) = a * sigmoid(alpha * a), the gate; B is the value
    return a * rt.sigmoid(a * alpha) * b
