"""ONNX's newer attention-style operators: LinearAttention and
CausalConvWithState (opset 27) and ai.onnx.preview FlexAttention (opset 1).

Composed from rustorch's public Tensor API and ``rustorch.nn.functional`` so
they run on every device and autograd flows.  Like ONNX's reference, half
precision inputs are computed in float32 and rounded back at the end.
"""
import math

import rustorch as rt
import rustorch.nn.functional as F

from ..._errors import InvalidArgument, ShapeError, UnsupportedError
from . import op

_HALF = (rt.float16, rt.bfloat16)


def _name(ctx):
    n = ctx.node
    return f"{n.op_type} node {n.name!r}" if getattr(n, "name", "") else f"{n.op_type} node"


def _compute_dtype(t):
    """float32 for half inputs (accumulating recurrences in half drifts), else the input's."""
    return rt.float32 if t.dtype in _HALF else t.dtype


# ---------------------------------------------------------------- LinearAttention

_RULES = ("linear", "gated", "delta", "gated_delta")


def _split_heads(ctx, t, heads, what):
    """(B, T, H*D) -> (B, H, T, D)."""
    if t.ndim != 3:
        raise ShapeError(f"{_name(ctx)}: {what} must be rank 3 (B, T, H*D), got shape {list(t.shape)}")
    b, n, hd = t.shape
    if hd % heads:
        raise ShapeError(f"{_name(ctx)}: {what} of shape {list(t.shape)}: last axis {hd} is not "
                         f"divisible by {heads} heads")
    return t.reshape(b, n, heads, hd // heads).transpose(1, 2)


def _per_head(ctx, t, what, b, n, allowed):
    """A (B, T, X) gate as (B, X', T, D') for the ``allowed`` {last-axis size: (X', D')}."""
    if t.ndim != 3 or list(t.shape[:2]) != [b, n] or t.shape[2] not in allowed:
        sizes = " or ".join(str(s) for s in allowed)
        raise ShapeError(f"{_name(ctx)}: {what} has shape {list(t.shape)}, expected "
                         f"[{b}, {n}, {sizes}]")
    heads, width = allowed[t.shape[2]]
    return t.reshape(b, n, heads, width).transpose(1, 2)


@op("LinearAttention", since=27)
def linear_attention(ctx, query, key, value, past_state=None, decay=None, beta=None):
    rule = ctx.attr("update_rule", "gated_delta")
    if rule not in _RULES:
        raise InvalidArgument(f"{_name(ctx)}: update_rule={rule!r}; expected one of {list(_RULES)}")
    hq, hkv = ctx.attr("q_num_heads"), ctx.attr("kv_num_heads")
    if hq is None or hkv is None:
        raise InvalidArgument(f"{_name(ctx)}: q_num_heads and kv_num_heads are required")
    hq, hkv = int(hq), int(hkv)
    if hq <= 0 or hkv <= 0 or hq % hkv:
        raise InvalidArgument(f"{_name(ctx)}: q_num_heads={hq} must be a positive multiple of "
                              f"kv_num_heads={hkv}")
    gated, delta = rule in ("gated", "gated_delta"), rule in ("delta", "gated_delta")
    for present, needed, what in ((decay is not None, gated, "decay"), (beta is not None, delta, "beta")):
        if present != needed:
            verb = "requires" if needed else "does not take"
            raise InvalidArgument(f"{_name(ctx)}: update_rule {rule!r} {verb} the {what} input")

    cdt = _compute_dtype(query)
    q = _split_heads(ctx, query, hq, "query").to(cdt)
    k = _split_heads(ctx, key, hkv, "key").to(cdt)
    v = _split_heads(ctx, value, hkv, "value").to(cdt)
    b, n = query.shape[0], query.shape[1]
    dk, dv = q.shape[3], v.shape[3]
    if list(k.shape) != [b, hkv, n, dk] or v.shape[0] != b or v.shape[2] != n:
        raise ShapeError(f"{_name(ctx)}: query {list(query.shape)}, key {list(key.shape)} and value "
                         f"{list(value.shape)} disagree on batch, length or head size")
    if decay is not None:
        decay = _per_head(ctx, decay, "decay", b, n, {hkv: (hkv, 1), hkv * dk: (hkv, dk)}).to(cdt)
    if beta is not None:
        beta = _per_head(ctx, beta, "beta", b, n, {hkv: (hkv, 1), 1: (1, 1)}).to(cdt)

    if past_state is not None:
        if list(past_state.shape) != [b, hkv, dk, dv]:
            raise ShapeError(f"{_name(ctx)}: past_state has shape {list(past_state.shape)}, "
                             f"expected {[b, hkv, dk, dv]}")
        state_dtype = past_state.dtype
        state = past_state.to(cdt)
    else:
        state_dtype = query.dtype
        state = rt.zeros([b, hkv, dk, dv], dtype=cdt, device=query.device)
    scale = float(ctx.attr("scale", 0.0) or 0.0)
    if scale == 0.0:
        scale = 1.0 / math.sqrt(dk)

    group = hq // hkv
    # query head h reads the state of kv head h // group: group the query heads per kv head
    qg = q.reshape(b, hkv, group, n, dk)
    outs = []
    # The recurrence token by token (chunk_size is only a speed hint in the spec).
    for t in range(n):
        k_t, v_t = k[:, :, t], v[:, :, t]                             # (B, Hkv, dk) / (B, Hkv, dv)
        if gated:
            state = state * decay[:, :, t].exp().unsqueeze(-1)       # (B, Hkv, 1|dk, 1)
        if delta:
            retrieved = rt.matmul(k_t.unsqueeze(-2), state).squeeze(-2)   # S^T k
            v_t = beta[:, :, t] * (v_t - retrieved)
        state = state + k_t.unsqueeze(-1) * v_t.unsqueeze(-2)
        outs.append(rt.matmul(qg[:, :, :, t], state) * scale)        # (B, Hkv, G, dv)
    if outs:
        y = rt.stack(outs, dim=3).reshape(b, hq, n, dv)
    else:
        y = rt.zeros([b, hq, 0, dv], dtype=cdt, device=query.device)
    y = y.transpose(1, 2).reshape(b, n, hq * dv).to(query.dtype)
    return y, state.to(state_dtype)


# ---------------------------------------------------------------- CausalConvWithState

@op("CausalConvWithState", since=27)
def causal_conv_with_state(ctx, x, weight, bias=None, past_state=None):
    act = ctx.attr("activation", "none")
    if act not in ("none", "silu", "swish"):
        raise InvalidArgument(f"{_name(ctx)}: activation={act!r}; expected 'none', 'silu' or 'swish'")
    if x.ndim != 3:
        raise ShapeError(f"{_name(ctx)}: input must be rank 3 (batch, channels, length), "
                         f"got shape {list(x.shape)}")
    b, c, _ = x.shape
    if weight.ndim != 3 or weight.shape[0] != c or weight.shape[1] != 1 or weight.shape[2] < 1:
        raise ShapeError(f"{_name(ctx)}: weight has shape {list(weight.shape)}, expected "
                         f"[{c}, 1, k] for input {list(x.shape)}")
    k = weight.shape[2]
    if bias is not None and list(bias.shape) != [c]:
        raise ShapeError(f"{_name(ctx)}: bias has shape {list(bias.shape)}, expected [{c}]")
    if past_state is None:
        past_state = rt.zeros([b, c, k - 1], dtype=x.dtype, device=x.device)
    elif list(past_state.shape) != [b, c, k - 1]:
        raise ShapeError(f"{_name(ctx)}: past_state has shape {list(past_state.shape)}, expected "
                         f"{[b, c, k - 1]}")
    padded = rt.cat([past_state.to(x.dtype), x], dim=2)
    cdt = _compute_dtype(x)
    y = F.conv1d(padded.to(cdt), weight.to(cdt), None if bias is None else bias.to(cdt), groups=c)
    y = y.to(x.dtype)
    if act != "none":                # SiLU of the rounded conv output, as the spec's body does
        y32 = y.to(cdt)
        y = (y32 * y32.sigmoid()).to(x.dtype)
    total = padded.shape[2]
    present = padded[:, :, total - (k - 1):]
    return y, present


# ---------------------------------------------------------------- FlexAttention (preview)

_PRECISIONS = {1: rt.float32, 10: rt.float16, 11: rt.float64, 16: rt.bfloat16}


def _run_mod(ctx, name, x):
    graph = ctx.attr(name)
    if graph is None:
        return x
    outs = ctx.run_graph(graph, [x])
    if len(outs) != 1 or not isinstance(outs[0], rt.Tensor):
        raise InvalidArgument(f"{_name(ctx)}: the {name} subgraph must return exactly one tensor, "
                              f"it returned {len(outs)} values")
    y = outs[0]
    if list(y.shape) != list(x.shape):
        raise ShapeError(f"{_name(ctx)}: the {name} subgraph turned shape {list(x.shape)} into "
                         f"{list(y.shape)}; it must keep the shape")
    return y.to(x.dtype)


@op("FlexAttention", since=1, domain="ai.onnx.preview")
def flex_attention(ctx, q, k, v):
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ShapeError(f"{_name(ctx)}: Q, K, V must be rank 4, got {list(q.shape)}, "
                         f"{list(k.shape)}, {list(v.shape)}")
    b, hq, _, e = q.shape
    hk, s = k.shape[1], k.shape[2]
    if (k.shape[0], v.shape[0]) != (b, b) or v.shape[1] != hk or v.shape[2] != s or k.shape[3] != e:
        raise ShapeError(f"{_name(ctx)}: Q {list(q.shape)}, K {list(k.shape)} and V {list(v.shape)} "
                         f"disagree on batch, heads, key length or head size")
    if hq != hk:
        if hk == 0 or hq % hk:
            raise ShapeError(f"{_name(ctx)}: {hq} query heads are not a multiple of {hk} key heads")
        k = k.repeat_interleave(hq // hk, dim=1)
        v = v.repeat_interleave(hq // hk, dim=1)
    prec = ctx.attr("softmax_precision")
    if prec is not None:
        if int(prec) not in _PRECISIONS:
            raise UnsupportedError(f"{_name(ctx)}: softmax_precision={prec} is not a float type "
                                   f"(1, 10, 11 or 16)")
        sdt = _PRECISIONS[int(prec)]
    elif not q.dtype.is_floating_point:
        raise InvalidArgument(f"{_name(ctx)}: inputs of dtype {q.dtype} need softmax_precision")
    else:
        sdt = _compute_dtype(q)
    scale = ctx.attr("scale")
    scale = 1.0 / math.sqrt(e) if scale is None else float(scale)
    # Q and K are each scaled by sqrt(scale) in the input dtype, as the spec's reference does.
    root = rt.tensor(math.sqrt(scale), dtype=rt.float32, device=q.device).to(q.dtype)
    scores = rt.matmul(q * root, (k * root).transpose(-1, -2))
    scores = _run_mod(ctx, "score_mod", scores.to(sdt))
    probs = F.softmax(scores, dim=-1)
    probs = _run_mod(ctx, "prob_mod", probs)
    y = rt.matmul(probs, v.to(sdt))
    return y.to(v.dtype)
