"""ONNX ops of transformer LLMs (rustorch/onnx/_ops/llm.py): RMSNormalization,
RotaryEmbedding and SwiGLU.  Oracles: ONNX's own node cases (through the full
loader, via node_harness); torch's F.rms_norm and F.silu; for RoPE, which torch
lacks, an independent torch formulation as a complex rotation
(``view_as_complex(x) * exp(i * theta)``) for values and gradients."""
import types

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import rustorch as rt
from rustorch._errors import IndexOutOfRange, InvalidArgument, InvalidType, ShapeError, UnsupportedError
from rustorch.onnx._ops import NodeContext, lookup

from . import node_harness as nh

LLM_OPS = ("RMSNormalization", "RotaryEmbedding", "SwiGLU")


def test_onnx_node_cases_of_the_llm_ops_pass():
    selected = [c for c in nh.cases() if nh.case_op(c) in LLM_OPS]
    results = nh.run_cases(selected)
    failed = {r.name: f"{r.kind}: {r.detail}" for r in results if not r.passed}
    assert not failed, failed
    direct = {c.model.graph.node[0].op_type for c in selected if "_expanded" not in c.name}
    assert direct == set(LLM_OPS) and len(results) >= 50


# ---------------------------------------------------------------- direct op calls

def call(op_type, *inputs, opset=28, **attrs):
    node = types.SimpleNamespace(op_type=op_type, name="n", domain="",
                                 input=[f"i{k}" for k in range(len(inputs))], output=["y"])
    return lookup(op_type, opset)(NodeContext(node, attrs, opset, None, None), *inputs)


rng = np.random.default_rng(3)


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def R(a):
    return rt.from_numpy(np.ascontiguousarray(a))


def T(a):
    return torch.from_numpy(np.ascontiguousarray(a))


def close(got, want, rtol=1e-5, atol=1e-5):
    np.testing.assert_allclose(got.detach().float().numpy(), want.detach().float().numpy(),
                               rtol=rtol, atol=atol)


# ---------------------------------------------------------------- RMSNormalization

@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2])
def test_rms_normalization_values_and_gradients_match_torch(axis):
    x, eps = randn(2, 3, 5), 1e-3
    shape = list(x.shape[axis:])
    w = randn(*shape)
    xr, wr = R(x).requires_grad_(), R(w).requires_grad_()
    y = call("RMSNormalization", xr, wr, opset=23, axis=axis, epsilon=eps)
    xt, wt = T(x).requires_grad_(), T(w).requires_grad_()
    want = TF.rms_norm(xt, shape, wt, eps=eps)
    close(y, want)
    g = randn(2, 3, 5)
    (y * R(g)).sum().backward()
    (want * T(g)).sum().backward()
    close(xr.grad, xt.grad, atol=1e-4)
    close(wr.grad, wt.grad, atol=1e-4)


def test_rms_normalization_default_axis_and_broadcast_scale():
    x, w = randn(2, 3, 4), randn(1, 4)         # scale broadcasts unidirectionally
    y = call("RMSNormalization", R(x), R(w), opset=23)
    close(y, TF.rms_norm(T(x), [4], eps=1e-5) * T(w))


def test_rms_normalization_float16_computes_stage_one_in_float32():
    x = (randn(4, 8) * 300).astype(np.float16)   # squares overflow float16
    w = randn(8).astype(np.float16)
    y = call("RMSNormalization", R(x), R(w), opset=23)
    assert y.dtype == rt.float16
    want = TF.rms_norm(T(x).float(), [8], eps=1e-5).half() * T(w)
    assert np.isfinite(y.float().numpy()).all()
    close(y, want, rtol=2e-3, atol=2e-3)


def test_rms_normalization_bad_inputs():
    x = R(randn(2, 3))
    with pytest.raises(IndexOutOfRange, match="axis 2"):
        call("RMSNormalization", x, R(randn(3)), opset=23, axis=2)
    with pytest.raises(ShapeError, match=r"\[2\]"):
        call("RMSNormalization", x, R(randn(2)), opset=23)
    with pytest.raises(UnsupportedError, match="stash_type=7"):
        call("RMSNormalization", x, R(randn(3)), opset=23, stash_type=7)
    with pytest.raises(InvalidType, match="int64"):
        call("RMSNormalization", R(np.ones((2, 3), dtype=np.int64)), R(randn(3)), opset=23)


# ---------------------------------------------------------------- RotaryEmbedding

def torch_rope(x_bshd, theta_bs, rot, interleaved):
    """RoPE as a complex rotation of (x1, x2) pairs; x is [batch, seq, heads, head_size]."""
    half = rot // 2
    xr, rest = x_bshd[..., :rot], x_bshd[..., rot:]
    if interleaved:
        z = torch.view_as_complex(xr.reshape(*xr.shape[:-1], half, 2).contiguous())
    else:
        z = torch.complex(xr[..., :half], xr[..., half:])
    z = z * torch.polar(torch.ones_like(theta_bs), theta_bs)[:, :, None, :]
    if interleaved:
        out = torch.view_as_real(z).reshape(xr.shape)
    else:
        out = torch.cat([z.real, z.imag], dim=-1)
    return torch.cat([out, rest], dim=-1)


@pytest.mark.parametrize("interleaved", [0, 1])
@pytest.mark.parametrize("rot", [0, 4])
@pytest.mark.parametrize("rank", [3, 4])
@pytest.mark.parametrize("with_positions", [False, True])
def test_rotary_embedding_matches_a_complex_rotation(interleaved, rot, rank, with_positions):
    b, h, s, d, max_pos = 2, 3, 5, 8, 16
    x_bshd = randn(b, s, h, d)
    half = (rot or d) // 2
    if with_positions:
        pos = rng.integers(0, max_pos, size=(b, s)).astype(np.int64)
        table = rng.uniform(-3, 3, size=(max_pos, half)).astype(np.float32)
        theta = table[pos]
        caches = [R(np.cos(table)), R(np.sin(table)), R(pos)]
    else:
        theta = rng.uniform(-3, 3, size=(b, s, half)).astype(np.float32)
        caches = [R(np.cos(theta)), R(np.sin(theta))]
    if rank == 4:
        x = np.ascontiguousarray(x_bshd.transpose(0, 2, 1, 3))     # [b, heads, s, head_size]
        attrs = {}
    else:
        x = x_bshd.reshape(b, s, h * d)
        attrs = {"num_heads": h}
    xr = R(x).requires_grad_()
    y = call("RotaryEmbedding", xr, *caches, opset=23, interleaved=interleaved,
             rotary_embedding_dim=rot, **attrs)
    assert list(y.shape) == list(x.shape)

    xt = T(x).requires_grad_()
    xt_bshd = xt.transpose(1, 2) if rank == 4 else xt.reshape(b, s, h, d)
    want = torch_rope(xt_bshd, T(theta), rot or d, interleaved)
    want = want.transpose(1, 2) if rank == 4 else want.reshape(b, s, h * d)
    close(y, want)
    g = randn(*x.shape)
    (y * R(g)).sum().backward()
    (want * T(g)).sum().backward()
    close(xr.grad, xt.grad)


def test_rotary_embedding_accepts_a_wider_cache_and_keeps_float16():
    x = randn(1, 2, 3, 4).astype(np.float16)
    theta = rng.uniform(-3, 3, size=(1, 3, 2)).astype(np.float32)
    wide = np.concatenate([theta, theta + 1], axis=-1)          # only the first 2 are used
    y = call("RotaryEmbedding", R(x), R(np.cos(wide).astype(np.float16)),
             R(np.sin(wide).astype(np.float16)), opset=23)
    want = call("RotaryEmbedding", R(x), R(np.cos(theta).astype(np.float16)),
                R(np.sin(theta).astype(np.float16)), opset=23)
    assert y.dtype == rt.float16
    close(y, want, rtol=0, atol=0)


def test_rotary_embedding_bad_inputs():
    x4, x3 = R(randn(1, 2, 3, 4)), R(randn(1, 3, 8))
    cos, sin = R(randn(1, 3, 2)), R(randn(1, 3, 2))
    with pytest.raises(InvalidArgument, match="num_heads"):
        call("RotaryEmbedding", x3, cos, sin, opset=23)
    with pytest.raises(InvalidArgument, match="rotary_embedding_dim=3"):
        call("RotaryEmbedding", x4, cos, sin, opset=23, rotary_embedding_dim=3)
    with pytest.raises(ShapeError, match="rotary_dim/2 = 2"):
        call("RotaryEmbedding", x4, R(randn(1, 3, 1)), R(randn(1, 3, 1)), opset=23)
    with pytest.raises(ShapeError, match="num_heads=3"):
        call("RotaryEmbedding", x4, cos, sin, opset=23, num_heads=3)
    table = R(randn(4, 2))
    with pytest.raises(IndexOutOfRange, match="4"):
        call("RotaryEmbedding", x4, table, table, R(np.array([[0, 1, 4]])), opset=23)
    with pytest.raises(ShapeError, match="position_ids"):
        call("RotaryEmbedding", x4, table, table, R(np.array([[0, 1]])), opset=23)
    with pytest.raises(ShapeError, match="3-D or 4-D"):
        call("RotaryEmbedding", R(randn(3, 4)), cos, sin, opset=23)
    with pytest.raises(InvalidType, match="share a dtype"):
        call("RotaryEmbedding", x4, cos.double(), sin, opset=23)


# ---------------------------------------------------------------- SwiGLU

@pytest.mark.parametrize("alpha", [1.0, 0.5, 1.702])
def test_swiglu_values_and_gradients_match_torch(alpha):
    a, b = randn(3, 6), randn(3, 6)
    ar, br = R(a).requires_grad_(), R(b).requires_grad_()
    y = call("SwiGLU", ar, br, alpha=alpha)
    at, bt = T(a).requires_grad_(), T(b).requires_grad_()
    want = (TF.silu(at) if alpha == 1.0 else at * torch.sigmoid(alpha * at)) * bt
    close(y, want)
    y.sum().backward()
    want.sum().backward()
    close(ar.grad, at.grad)
    close(br.grad, bt.grad)


def test_swiglu_refuses_broadcasting_and_mixed_dtypes():
    with pytest.raises(ShapeError, match=r"\[3, 1\]"):
        call("SwiGLU", R(randn(3, 4)), R(randn(3, 1)))
    with pytest.raises(InvalidType, match="share a dtype"):
        call("SwiGLU", R(randn(3, 4)), R(randn(3, 4, dtype=np.float64)))
