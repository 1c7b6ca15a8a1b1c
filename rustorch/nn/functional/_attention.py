"""Attention: F.scaled_dot_product_attention and F.multi_head_attention_forward
(torch's math path, written on the public Tensor API)."""
import math
import warnings

from ..._errors import InvalidArgument, InvalidType, ShapeError
from ._activation import softmax
from ._dropout import dropout
from ._linear import linear
from ._pad import pad

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


class _MHAShapeError(ShapeError, AssertionError):
    """Shape errors that torch raises as AssertionError."""


class _MaskTypeError(InvalidType, AssertionError):
    """torch raises AssertionError for masks that are neither bool nor float."""


def _rt():
    import rustorch
    return rustorch


def _none_or_dtype(x):
    if x is None:
        return None
    return x.dtype


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A bool mask (True = masked out) becomes an additive float mask of ``target_type``."""
    if mask is None:
        return None
    rt = _rt()
    is_float = mask.is_floating_point()
    if mask.dtype != rt.bool and not is_float:
        raise _MaskTypeError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                      "Use same type for both instead.", stacklevel=3)
    if not is_float:
        mask = rt.zeros(tuple(mask.shape), dtype=target_type, device=mask.device).masked_fill(mask, float("-inf"))
    return mask


def _safe_softmax(x, dim=-1):
    """softmax that gives 0 (and a zero gradient) on rows that are entirely -inf."""
    dead = (x == float("-inf")).all(dim, keepdim=True)
    return softmax(x.masked_fill(dead, 0.0), dim).masked_fill(dead, 0.0)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                                 scale=None, enable_gqa=False):
    """softmax(q k^T * scale + mask) v over the last two dims (…, L, E) x (…, S, E) x (…, S, Ev).

    A bool ``attn_mask`` marks with True the positions that take part; a float one is added.
    ``is_causal`` masks the upper triangle (top-left aligned, as torch).  Rows where
    every position is masked give zeros."""
    rt = _rt()
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise ShapeError(f"scaled_dot_product_attention: expected query, key and value of at least 2 dims, got "
                         f"{list(query.shape)}, {list(key.shape)}, {list(value.shape)}")
    if query.shape[-1] != key.shape[-1]:
        raise ShapeError(f"scaled_dot_product_attention: query's embedding size {query.shape[-1]} does not "
                         f"match key's {key.shape[-1]}")
    if key.shape[-2] != value.shape[-2]:
        raise ShapeError(f"scaled_dot_product_attention: key has {key.shape[-2]} positions but value has "
                         f"{value.shape[-2]}")
    if is_causal and attn_mask is not None:
        raise InvalidArgument("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                              "is_causal=True")
    if not 0.0 <= dropout_p <= 1.0:
        raise InvalidArgument(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    L, S = query.shape[-2], key.shape[-2]
    scale_factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    if enable_gqa and query.ndim >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hq % hk or hq % hv:
            raise ShapeError(f"scaled_dot_product_attention: with enable_gqa the number of query heads ({hq}) "
                             f"must be a multiple of the key ({hk}) and value ({hv}) heads")
        if hk != hq:
            key = key.repeat_interleave(hq // hk, -3)
        if hv != hq:
            value = value.repeat_interleave(hq // hv, -3)
    scores = query.matmul(key.transpose(-2, -1)) * scale_factor
    masked = False
    if is_causal:
        keep = rt.ones((L, S), dtype=rt.bool, device=query.device).tril()
        scores = scores.masked_fill(keep.logical_not(), float("-inf"))
        masked = True
    if attn_mask is not None:
        if attn_mask.dtype == rt.bool:
            scores = scores.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            scores = scores + attn_mask
        masked = True
    weights = _safe_softmax(scores, -1) if masked else softmax(scores, -1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return weights.matmul(value)


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise _MHAShapeError("For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                             f"{key.ndim}-D and {value.ndim}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise _MHAShapeError("For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but "
                             f"found {key_padding_mask.ndim}-D tensor instead")
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise _MHAShapeError("For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                             f"found {attn_mask.ndim}-D tensor instead")
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise _MHAShapeError("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                             f"{key.ndim}-D and {value.ndim}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise _MHAShapeError("For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but "
                             f"found {key_padding_mask.ndim}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise _MHAShapeError("For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                                 f"but found {attn_mask.ndim}-D tensor instead")
            if attn_mask.ndim == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise _MHAShapeError(f"Expected `attn_mask` shape to be {expected} but got "
                                     f"{tuple(attn_mask.shape)}")
        return False
    raise _MHAShapeError(f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D query tensor")


def _in_projection_packed(q, k, v, w, b=None):
    E = q.shape[-1]
    if k is v:
        if q is k:
            return linear(q, w, b).chunk(3, -1)
        w_q, w_kv = w.split([E, E * 2])
        b_q, b_kv = (None, None) if b is None else b.split([E, E * 2])
        k_proj, v_proj = linear(k, w_kv, b_kv).chunk(2, -1)
        return linear(q, w_q, b_q), k_proj, v_proj
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
                                 in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight,
                                 out_proj_bias, training=True, key_padding_mask=None, need_weights=True,
                                 attn_mask=None, use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None, static_v=None,
                                 average_attn_weights=True, is_causal=False):
    """Inputs are (L, N, E) (or unbatched (L, E)); returns (output, weights or None) as torch."""
    rt = _rt()
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]

    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", _none_or_dtype(attn_mask),
                                       "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise InvalidArgument("Need attn_mask if specifying the is_causal hint. You may use the Transformer "
                              "module method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False

    if embed_dim != embed_dim_to_check:
        raise _MHAShapeError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise _MHAShapeError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise _MHAShapeError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
                             f"{tuple(value.shape[:2])}")
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise InvalidArgument("use_separate_proj_weight is True but q_proj_weight, k_proj_weight or "
                                  "v_proj_weight is None")
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = linear(query, q_proj_weight, b_q), linear(key, k_proj_weight, b_k), linear(value, v_proj_weight, b_v)
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise _MHAShapeError(f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}")
        if in_proj_weight is None:
            raise InvalidArgument("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)

    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise ShapeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but should be "
                                 f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise ShapeError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but should be "
                                 f"{(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise ShapeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise InvalidArgument("bias cannot be added to static key or value.")
        k = rt.cat([k, bias_k.repeat(1, bsz, 1)])
        v = rt.cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    elif bias_k is not None or bias_v is not None:
        raise InvalidArgument("bias_k and bias_v must both be set or both be None")

    q = q.reshape((tgt_len, bsz * num_heads, head_dim)).transpose(0, 1)
    if static_k is None:
        k = k.reshape((k.shape[0], bsz * num_heads, head_dim)).transpose(0, 1)
    else:
        if static_k.shape[0] != bsz * num_heads or static_k.shape[2] != head_dim:
            raise ShapeError(f"expecting static_k of shape ({bsz * num_heads}, *, {head_dim}), got "
                             f"{list(static_k.shape)}")
        k = static_k
    if static_v is None:
        v = v.reshape((v.shape[0], bsz * num_heads, head_dim)).transpose(0, 1)
    else:
        if static_v.shape[0] != bsz * num_heads or static_v.shape[2] != head_dim:
            raise ShapeError(f"expecting static_v of shape ({bsz * num_heads}, *, {head_dim}), got "
                             f"{list(static_v.shape)}")
        v = static_v

    if add_zero_attn:
        zshape = (bsz * num_heads, 1, head_dim)
        k = rt.cat([k, rt.zeros(zshape, dtype=k.dtype, device=k.device)], 1)
        v = rt.cat([v, rt.zeros(zshape, dtype=v.dtype, device=v.device)], 1)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))

    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise ShapeError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                             f"{tuple(key_padding_mask.shape)}")
        key_padding_mask = (key_padding_mask.reshape((bsz, 1, 1, src_len)).expand(-1, num_heads, -1, -1)
                            .reshape((bsz * num_heads, 1, src_len)))
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask

    if not training:
        dropout_p = 0.0

    if need_weights:
        E = q.shape[-1]
        q_scaled = q * math.sqrt(1.0 / float(E))
        w = q_scaled.matmul(k.transpose(-2, -1))
        if attn_mask is not None:
            w = w + attn_mask
        w = softmax(w, -1)
        if dropout_p > 0.0:
            w = dropout(w, p=dropout_p)
        out = w.matmul(v)
        out = out.transpose(0, 1).reshape((tgt_len * bsz, embed_dim))
        out = linear(out, out_proj_weight, out_proj_bias).reshape((tgt_len, bsz, out_proj_weight.shape[0]))
        w = w.reshape((bsz, num_heads, tgt_len, src_len))
        if average_attn_weights:
            w = w.mean(1)
        if not is_batched:
            out, w = out.squeeze(1), w.squeeze(0)
        return out, w

    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.ndim == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape((bsz, num_heads, -1, src_len))
    q = q.reshape((bsz, num_heads, tgt_len, head_dim))
    k = k.reshape((bsz, num_heads, src_len, head_dim))
    v = v.reshape((bsz, num_heads, src_len, head_dim))
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape((bsz * tgt_len, embed_dim))
    out = linear(out, out_proj_weight, out_proj_bias).reshape((tgt_len, bsz, out_proj_weight.shape[0]))
    if not is_batched:
        out = out.squeeze(1)
    return out, None
