"""ONNX attention variants, detection and ML tree operators
(rustorch/onnx/_ops/attention_ext.py, detection.py, ml.py): ONNX's own node
cases, plus torch / sklearn / brute-force oracles for values and gradients."""
import math
import types

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import rustorch as rt
from rustorch._errors import FormatError, IndexOutOfRange, InvalidArgument, ShapeError
from rustorch.onnx._ops import NodeContext, lookup

from . import node_harness as nh

EXTRA_OPS = {"LinearAttention", "CausalConvWithState", "ai.onnx.preview::FlexAttention",
             "NonMaxSuppression", "DeformConv", "ai.onnx.ml::TreeEnsemble"}


# the ONNX runtime is validated on the host backends (its node cases use float64)
@pytest.mark.parametrize("device", [d for d in rt.backends.available() if d in ("cpu", "python")])
def test_onnx_node_cases_of_the_extra_ops(device):
    selected = [c for c in nh.cases() if nh.case_op(c) in EXTRA_OPS]
    results = nh.run_cases(selected, device)
    failed = {r.name: f"{r.kind}: {r.detail}" for r in results if not r.passed}
    assert not failed, failed
    assert len(results) >= 80          # 28 + 26 + 11 + 10 + 4 + 2 in onnx 1.23


# ---------------------------------------------------------------- helpers

def call(op_type, *inputs, opset=27, domain="", outputs=1, **attrs):
    node = types.SimpleNamespace(op_type=op_type, name="n", domain=domain,
                                 input=[f"i{k}" for k in range(len(inputs))],
                                 output=[f"o{k}" for k in range(outputs)])
    ctx = NodeContext(node, attrs, opset, None, None)
    return lookup(op_type, opset, domain)(ctx, *inputs)


def R(a):
    return rt.from_numpy(np.ascontiguousarray(a))


def T(a):
    return torch.from_numpy(np.ascontiguousarray(a))


def close(got, want, rtol=1e-4, atol=1e-5):
    want = want.detach().numpy() if isinstance(want, torch.Tensor) else want
    np.testing.assert_allclose(got.detach().numpy(), want, rtol=rtol, atol=atol)


rng = np.random.default_rng(0)


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


# ---------------------------------------------------------------- LinearAttention

def torch_linear_attention(q, k, v, hq, hkv, rule, state=None, decay=None, beta=None, scale=None):
    """The spec's recurrence, token by token, in torch (autograd-capable)."""
    b, n, _ = q.shape
    dk, dv = q.shape[2] // hq, v.shape[2] // hkv
    q4 = q.reshape(b, n, hq, dk).transpose(1, 2)
    k4 = k.reshape(b, n, hkv, dk).transpose(1, 2)
    v4 = v.reshape(b, n, hkv, dv).transpose(1, 2)
    s = torch.zeros(b, hkv, dk, dv) if state is None else state
    scale = 1 / math.sqrt(dk) if scale is None else scale
    outs = []
    for t in range(n):
        kt, vt = k4[:, :, t], v4[:, :, t]
        if rule in ("gated", "gated_delta"):
            g = decay[:, t].reshape(b, hkv, -1)                    # (B, Hkv, 1|dk)
            s = s * g.exp().unsqueeze(-1)
        if rule in ("delta", "gated_delta"):
            bt = beta[:, t].reshape(b, -1, 1)
            vt = bt * (vt - torch.einsum("bhdm,bhd->bhm", s, kt))
        s = s + kt.unsqueeze(-1) * vt.unsqueeze(-2)
        full = s.repeat_interleave(hq // hkv, dim=1)
        outs.append(scale * torch.einsum("bhd,bhdm->bhm", q4[:, :, t], full))
    y = torch.stack(outs, 2).transpose(1, 2).reshape(b, n, hq * dv)
    return y, s


@pytest.mark.parametrize("rule", ["linear", "gated", "delta", "gated_delta"])
def test_linear_attention_matches_torch_recurrence_with_gradients(rule):
    b, n, hq, hkv, dk, dv = 2, 5, 4, 2, 3, 4
    q, k, v = randn(b, n, hq * dk), randn(b, n, hkv * dk), randn(b, n, hkv * dv)
    k = k / np.linalg.norm(k.reshape(b, n, hkv, dk), axis=-1).repeat(dk, -1).reshape(k.shape)
    past = randn(b, hkv, dk, dv) * 0.3
    decay = -np.abs(randn(b, n, hkv * dk)) if rule in ("gated", "gated_delta") else None
    beta = 1 / (1 + np.exp(-randn(b, n, hkv))) if rule in ("delta", "gated_delta") else None
    rts = [R(a).requires_grad_() for a in (q, k, v, past)]
    ths = [T(a).requires_grad_() for a in (q, k, v, past)]
    extra_r = [None if decay is None else R(decay), None if beta is None else R(beta)]
    extra_t = [None if decay is None else T(decay), None if beta is None else T(beta)]
    y, st = call("LinearAttention", *rts, *extra_r, outputs=2, update_rule=rule,
                 q_num_heads=hq, kv_num_heads=hkv)
    yt, stt = torch_linear_attention(*ths[:3], hq, hkv, rule, ths[3], *extra_t)
    close(y, yt)
    close(st, stt)
    assert y.dtype == rt.float32 and list(st.shape) == [b, hkv, dk, dv]
    ((y * y).sum() + st.sum()).backward()
    ((yt * yt).sum() + stt.sum()).backward()
    for a, e in zip(rts, ths):
        close(a.grad, e.grad, rtol=1e-3, atol=1e-4)


def test_linear_attention_linear_rule_is_causal_unnormalized_attention():
    # An independent formulation: o = scale * (causal(Q K^T)) V for one head, no past state.
    q, k, v = randn(1, 6, 4), randn(1, 6, 4), randn(1, 6, 3)
    y, _ = call("LinearAttention", R(q), R(k), R(v), update_rule="linear", q_num_heads=1,
                kv_num_heads=1, scale=0.7)
    att = torch.tril(T(q)[0] @ T(k)[0].T)
    close(y[0], 0.7 * att @ T(v)[0])


def test_linear_attention_split_prefill_equals_one_shot_and_keeps_half_dtype():
    b, n, h, d = 1, 6, 2, 4
    q, k, v = randn(b, n, h * d), randn(b, n, h * d) * 0.5, randn(b, n, h * d)
    g, be = -np.abs(randn(b, n, h)), np.full((b, n, 1), 0.5, np.float32)
    whole, s = call("LinearAttention", R(q), R(k), R(v), None, R(g), R(be), outputs=2,
                    q_num_heads=h, kv_num_heads=h)
    y1, s1 = call("LinearAttention", R(q[:, :4]), R(k[:, :4]), R(v[:, :4]), None, R(g[:, :4]),
                  R(be[:, :4]), outputs=2, q_num_heads=h, kv_num_heads=h)
    y2, s2 = call("LinearAttention", R(q[:, 4:]), R(k[:, 4:]), R(v[:, 4:]), s1, R(g[:, 4:]),
                  R(be[:, 4:]), outputs=2, q_num_heads=h, kv_num_heads=h)
    close(rt.cat([y1, y2], dim=1), whole.detach().numpy())
    close(s2, s.detach().numpy())
    yh, sh = call("LinearAttention", *(R(a.astype(np.float16)) for a in (q, k, v)), None,
                  R(g.astype(np.float16)), R(be.astype(np.float16)), outputs=2,
                  q_num_heads=h, kv_num_heads=h)
    assert yh.dtype == rt.float16 and sh.dtype == rt.float16
    close(yh.float(), whole.detach().numpy(), rtol=2e-2, atol=2e-2)


def test_linear_attention_errors():
    q = R(randn(1, 2, 8))
    with pytest.raises(InvalidArgument, match="decay"):
        call("LinearAttention", q, q, q, q_num_heads=2, kv_num_heads=2)      # gated_delta default
    with pytest.raises(InvalidArgument, match="beta"):
        call("LinearAttention", q, q, q, None, None, R(randn(1, 2, 2)), update_rule="linear",
             q_num_heads=2, kv_num_heads=2)
    with pytest.raises(InvalidArgument, match="multiple"):
        call("LinearAttention", q, q, q, update_rule="linear", q_num_heads=3, kv_num_heads=2)
    with pytest.raises(InvalidArgument, match="update_rule"):
        call("LinearAttention", q, q, q, update_rule="fast", q_num_heads=2, kv_num_heads=2)
    with pytest.raises(ShapeError, match="past_state"):
        call("LinearAttention", q, q, q, R(randn(1, 2, 3, 4)), update_rule="linear",
             q_num_heads=2, kv_num_heads=2)
    with pytest.raises(ShapeError, match="decay"):
        call("LinearAttention", q, q, q, None, R(randn(1, 2, 3)), update_rule="gated",
             q_num_heads=2, kv_num_heads=2)


# ---------------------------------------------------------------- CausalConvWithState

@pytest.mark.parametrize("act", ["none", "silu"])
def test_causal_conv_matches_torch_conv1d_with_gradients(act):
    x, w, bias, past = randn(2, 3, 7), randn(3, 1, 4), randn(3), randn(2, 3, 3)
    rts = [R(a).requires_grad_() for a in (x, w, bias, past)]
    ths = [T(a).requires_grad_() for a in (x, w, bias, past)]
    y, present = call("CausalConvWithState", *rts, outputs=2, activation=act)
    full = torch.cat([ths[3], ths[0]], 2)
    yt = TF.conv1d(full, ths[1], ths[2], groups=3)
    yt = TF.silu(yt) if act == "silu" else yt
    close(y, yt)
    close(present, full[:, :, -3:])
    (y.sum() + (present * present).sum()).backward()
    (yt.sum() + (full[:, :, -3:] ** 2).sum()).backward()
    for a, e in zip(rts, ths):
        close(a.grad, e.grad)


def test_causal_conv_streaming_equals_one_shot():
    x, w = randn(1, 4, 9), randn(4, 1, 3)
    whole, _ = call("CausalConvWithState", R(x), R(w), outputs=2, activation="swish")
    state, parts = None, []
    for lo, hi in [(0, 1), (1, 5), (5, 6), (6, 9)]:          # decode steps and short chunks
        y, state = call("CausalConvWithState", R(x[:, :, lo:hi]), R(w), None, state, outputs=2,
                        activation="swish")
        parts.append(y)
    close(rt.cat(parts, dim=2), whole.numpy())
    close(state, x[:, :, -2:])
    y, st = call("CausalConvWithState", R(x), R(randn(4, 1, 1)), outputs=2)   # k = 1: empty state
    assert list(st.shape) == [1, 4, 0] and list(y.shape) == [1, 4, 9]


def test_causal_conv_errors():
    x = R(randn(1, 2, 5))
    with pytest.raises(ShapeError, match="weight"):
        call("CausalConvWithState", x, R(randn(3, 1, 2)))
    with pytest.raises(ShapeError, match="past_state"):
        call("CausalConvWithState", x, R(randn(2, 1, 3)), None, R(randn(1, 2, 1)))
    with pytest.raises(InvalidArgument, match="activation"):
        call("CausalConvWithState", x, R(randn(2, 1, 3)), activation="relu")


# ---------------------------------------------------------------- FlexAttention

def flex_model(qs, ks, vs, dtype, score_mod=None, prob_mod=None, **attrs):
    from onnx import TensorProto, helper
    et = {np.float32: TensorProto.FLOAT, np.float64: TensorProto.DOUBLE}[dtype]
    kw = {}
    mt = TensorProto.DOUBLE if dtype is np.float64 else TensorProto.FLOAT

    def mod(name, body_nodes):
        return helper.make_graph(body_nodes, name, [helper.make_tensor_value_info("s", mt, None)],
                                 [helper.make_tensor_value_info("o", mt, None)])
    if score_mod:
        kw["score_mod"] = mod("score_mod", score_mod)
    if prob_mod:
        kw["prob_mod"] = mod("prob_mod", prob_mod)
    node = helper.make_node("FlexAttention", ["Q", "K", "V"], ["Y"], domain="ai.onnx.preview",
                            **kw, **attrs)
    g = helper.make_graph([node], "g", [helper.make_tensor_value_info(n, et, s) for n, s in
                                        (("Q", qs), ("K", ks), ("V", vs))],
                          [helper.make_tensor_value_info("Y", et, None)])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 23),
                                            helper.make_opsetid("ai.onnx.preview", 1)])
    return rt.onnx.load(m.SerializeToString())


def test_flex_attention_gqa_and_score_mod_match_torch():
    from onnx import helper
    q, k, v = randn(2, 4, 5, 8), randn(2, 2, 6, 8), randn(2, 2, 6, 3)
    model = flex_model(q.shape, k.shape, v.shape, np.float32)
    kt, vt = T(k).repeat_interleave(2, 1), T(v).repeat_interleave(2, 1)
    close(model(R(q), R(k), R(v)), TF.scaled_dot_product_attention(T(q), kt, vt))
    # soft-capping score_mod: 5 * tanh(s / 5); prob_mod doubling the probabilities
    cap = [helper.make_node("Constant", [], ["c"], value_float=5.0),
           helper.make_node("Div", ["s", "c"], ["d"]), helper.make_node("Tanh", ["d"], ["t"]),
           helper.make_node("Mul", ["t", "c"], ["o"])]
    dbl = [helper.make_node("Add", ["s", "s"], ["o"])]
    model = flex_model(q.shape, k.shape, v.shape, np.float32, score_mod=cap, prob_mod=dbl, scale=0.5)
    sc = 5 * torch.tanh(T(q) @ kt.transpose(-1, -2) * 0.5 / 5)
    close(model(R(q), R(k), R(v)), 2 * torch.softmax(sc, -1) @ vt)


def test_flex_attention_double_and_gradient():
    q, k, v = randn(1, 2, 3, 4, dtype=np.float64), randn(1, 2, 5, 4, dtype=np.float64), \
        randn(1, 2, 5, 4, dtype=np.float64)
    model = flex_model(q.shape, k.shape, v.shape, np.float64)
    rq = R(q).requires_grad_()
    y = model(rq, R(k), R(v))
    assert y.dtype == rt.float64
    tq = T(q).requires_grad_()
    # the spec rounds sqrt(scale) to float32 before scaling Q and K in the input dtype
    root = float(np.float32(np.sqrt(np.float32(0.5))))
    yt = TF.scaled_dot_product_attention(tq * root, T(k) * root, T(v), scale=1.0)
    close(y, yt, rtol=1e-10, atol=1e-12)
    (y * y).sum().backward()
    (yt * yt).sum().backward()
    close(rq.grad, tq.grad, rtol=1e-8, atol=1e-10)


def test_flex_attention_errors():
    x = R(randn(1, 3, 2, 4))
    with pytest.raises(ShapeError, match="multiple"):
        call("FlexAttention", x, R(randn(1, 2, 2, 4)), R(randn(1, 2, 2, 4)), opset=1,
             domain="ai.onnx.preview")
    with pytest.raises(ShapeError, match="rank 4"):
        call("FlexAttention", R(randn(3, 2, 4)), x, x, opset=1, domain="ai.onnx.preview")


# ---------------------------------------------------------------- NonMaxSuppression

def brute_nms(boxes, scores, limit, iou_thr, score_thr):
    """Greedy NMS written from the spec in float64 on [y1, x1, y2, x2] boxes."""
    out = []
    for b in range(scores.shape[0]):
        bx = boxes[b].astype(np.float64)
        y0, y1 = np.minimum(bx[:, 0], bx[:, 2]), np.maximum(bx[:, 0], bx[:, 2])
        x0, x1 = np.minimum(bx[:, 1], bx[:, 3]), np.maximum(bx[:, 1], bx[:, 3])
        area = (y1 - y0) * (x1 - x0)
        for c in range(scores.shape[1]):
            s = scores[b, c]
            order = [i for i in np.argsort(-s, kind="stable") if score_thr is None or s[i] > score_thr]
            kept = []
            for i in order:
                if len(kept) == limit:
                    break
                ok = True
                for j in kept:
                    ih = min(y1[i], y1[j]) - max(y0[i], y0[j])
                    iw = min(x1[i], x1[j]) - max(x0[i], x0[j])
                    if ih > 0 and iw > 0 and ih * iw / (area[i] + area[j] - ih * iw) > iou_thr:
                        ok = False
                        break
                if ok:
                    kept.append(i)
                    out.append([b, c, i])
    return np.array(out, np.int64).reshape(-1, 3)


@pytest.mark.parametrize("seed,row_by_row", [(0, False), (1, False), (2, True), (3, True)])
def test_nms_matches_brute_force_and_center_format(seed, row_by_row, monkeypatch):
    if row_by_row:          # the O(N)-memory path used for many boxes
        from rustorch.onnx._ops import detection
        monkeypatch.setattr(detection, "_MATRIX_PAIRS", 0)
    r = np.random.default_rng(seed)
    nb, nc, n = 2, 3, 40
    corner = r.random((nb, n, 2)).astype(np.float32) * 10
    size = r.random((nb, n, 2)).astype(np.float32) * 4 + 0.5
    # any pair of diagonal corners: flip some boxes' corner order
    boxes = np.concatenate([corner, corner + size], -1)
    flip = r.random((nb, n)) < 0.3
    boxes[flip] = boxes[flip][:, [2, 3, 0, 1]]
    scores = r.random((nb, nc, n)).astype(np.float32)
    limit, iou, sthr = int(r.integers(1, 12)), float(r.uniform(0.1, 0.6)), float(r.uniform(0, 0.5))
    args = [R(np.array([limit], np.int64)), R(np.array([iou], np.float32)),
            R(np.array([sthr], np.float32))]
    got = call("NonMaxSuppression", R(boxes), R(scores), *args, opset=11)
    want = brute_nms(boxes, scores, limit, np.float32(iou), np.float32(sthr))
    assert got.dtype == rt.int64
    np.testing.assert_array_equal(got.numpy(), want)
    # the same boxes as [x_center, y_center, width, height]
    lo = np.minimum(boxes[..., :2], boxes[..., 2:])
    center = np.concatenate([lo[..., ::-1] + size[..., ::-1] / 2, size[..., ::-1]], -1)
    got_c = call("NonMaxSuppression", R(center), R(scores), *args, opset=11, center_point_box=1)
    np.testing.assert_array_equal(got_c.numpy(), want)


def test_nms_defaults_and_errors():
    boxes, scores = R(randn(1, 5, 4)), R(np.abs(randn(1, 2, 5)))
    empty = call("NonMaxSuppression", boxes, scores, opset=11)        # no max_output: nothing
    assert list(empty.shape) == [0, 3] and empty.dtype == rt.int64
    with pytest.raises(ShapeError, match="scores"):
        call("NonMaxSuppression", boxes, R(randn(1, 2, 4)), opset=11)
    with pytest.raises(ShapeError, match="boxes"):
        call("NonMaxSuppression", R(randn(1, 5, 3)), scores, opset=11)
    with pytest.raises(InvalidArgument, match="center_point_box"):
        call("NonMaxSuppression", boxes, scores, R(np.array([3], np.int64)), opset=11,
             center_point_box=2)


# ---------------------------------------------------------------- DeformConv

def torch_deform_conv(x, w, offset, bias=None, mask=None, stride=1, pad=0, dil=1, groups=1, og=1):
    """A direct deformable conv in torch: bilinear taps (zero outside) via grid_sample."""
    n, c, h, wd = x.shape
    oc, _, kh, kw = w.shape
    oh, ow = offset.shape[2:]
    off = offset.reshape(n, og, kh, kw, 2, oh, ow)
    ys = (torch.arange(oh) * stride - pad).reshape(1, 1, oh, 1) + (torch.arange(kh) * dil).reshape(kh, 1, 1, 1)
    xs = (torch.arange(ow) * stride - pad).reshape(1, 1, 1, ow) + (torch.arange(kw) * dil).reshape(1, kw, 1, 1)
    py = ys + off[:, :, :, :, 0]                          # (n, og, kh, kw, oh, ow)
    px = xs + off[:, :, :, :, 1]
    grid = torch.stack([px / (wd - 1) * 2 - 1, py / (h - 1) * 2 - 1], -1)
    grid = grid.reshape(n * og, kh * kw * oh, ow, 2)
    xg = x.reshape(n * og, c // og, h, wd)
    cols = TF.grid_sample(xg, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    cols = cols.reshape(n, og, c // og, kh * kw, oh * ow)
    if mask is not None:
        cols = cols * mask.reshape(n, og, 1, kh * kw, oh * ow)
    cols = cols.reshape(n, groups, c // groups * kh * kw, oh * ow)
    y = (w.reshape(1, groups, oc // groups, -1) @ cols).reshape(n, oc, oh, ow)
    return y if bias is None else y + bias.reshape(1, -1, 1, 1)


def test_deform_conv_zero_offsets_equal_conv():
    x, w, b = randn(2, 4, 7, 6), randn(6, 2, 3, 2), randn(6)
    off = np.zeros((2, 2 * 3 * 2 * 2, 4, 4), np.float32)
    y = call("DeformConv", R(x), R(w), R(off), R(b), opset=22, group=2, offset_group=2,
             strides=[2, 1], pads=[1, 0, 2, 0], dilations=[1, 2])
    want = TF.conv2d(TF.pad(T(x), (0, 0, 1, 2)), T(w), T(b), stride=(2, 1), dilation=(1, 2), groups=2)
    close(y, want)
    x1, w1 = randn(1, 3, 9), randn(4, 3, 3)            # 1-D and 3-D as well
    y1 = call("DeformConv", R(x1), R(w1), R(np.zeros((1, 3, 7), np.float32)), opset=19)
    close(y1, TF.conv1d(T(x1), T(w1)))
    x3, w3 = randn(1, 2, 4, 3, 5), randn(2, 2, 2, 2, 2)
    y3 = call("DeformConv", R(x3), R(w3), R(np.zeros((1, 24, 2, 2, 5), np.float32)), opset=19,
              pads=[0, 0, 0, 1, 1, 1], strides=[2, 2, 1])
    close(y3, TF.conv3d(TF.pad(T(x3), (0, 1, 0, 1, 0, 1)), T(w3), stride=(2, 2, 1)))


def test_deform_conv_fractional_offsets_mask_and_gradients_match_torch():
    x, w, b = randn(2, 4, 6, 7), randn(6, 2, 3, 3), randn(6)
    off = randn(2, 2 * 9 * 2, 4, 7) * 1.5
    mask = rng.random((2, 2 * 9, 4, 7)).astype(np.float32)
    kw = dict(stride=1, pad=0, dil=1, groups=2, og=2)
    rts = [R(a).requires_grad_() for a in (x, w, off, b, mask)]
    ths = [T(a).requires_grad_() for a in (x, w, off, b, mask)]
    y = call("DeformConv", *rts, opset=22, group=2, offset_group=2, strides=[1, 1],
             pads=[0, 1, 0, 1], dilations=[1, 1], kernel_shape=[3, 3])
    # pads of one column on each side: the oracle sees the padding through the offsets' frame
    yt = torch_deform_conv(ths[0], ths[1], ths[2] + torch.tensor([0.0, -1.0]).repeat(18)
                           .reshape(1, 36, 1, 1), ths[3], ths[4], **kw)
    close(y, yt, rtol=1e-4, atol=1e-4)
    (y * y).sum().backward()
    (yt * yt).sum().backward()
    for a, e in zip(rts, ths):
        close(a.grad, e.grad, rtol=1e-3, atol=1e-3)


def test_deform_conv_errors():
    x, w = R(randn(1, 2, 5, 5)), R(randn(3, 2, 3, 3))
    with pytest.raises(ShapeError, match="offset"):
        call("DeformConv", x, w, R(randn(1, 17, 3, 3)), opset=22)
    with pytest.raises(ShapeError, match="mask"):
        call("DeformConv", x, w, R(randn(1, 18, 3, 3)), None, R(randn(1, 8, 3, 3)), opset=22)
    with pytest.raises(ShapeError, match="offset_group"):
        call("DeformConv", x, w, R(randn(1, 54, 3, 3)), opset=22, offset_group=3)
    with pytest.raises(ShapeError, match="larger"):
        call("DeformConv", x, R(randn(3, 2, 7, 7)), R(randn(1, 98, 1, 1)), opset=22)


# ---------------------------------------------------------------- TreeEnsemble

def tree_attrs(trees, n_targets, target_of_tree=None, scale=1.0):
    """sklearn fitted trees as TreeEnsemble (ai.onnx.ml opset 5) attributes."""
    a = {k: [] for k in ("nodes_featureids", "nodes_splits", "nodes_modes", "nodes_truenodeids",
                         "nodes_falsenodeids", "nodes_trueleafs", "nodes_falseleafs",
                         "leaf_targetids", "leaf_weights", "tree_roots")}
    for t_i, est in enumerate(trees):
        tr = est.tree_
        node_row, leaf_row = {}, {}
        for i in range(tr.node_count):
            if tr.children_left[i] == -1:
                leaf_row[i] = len(a["leaf_weights"])
                a["leaf_weights"].append(float(tr.value[i].reshape(-1)[0]) * scale)
                a["leaf_targetids"].append(target_of_tree[t_i] if target_of_tree else 0)
            else:
                node_row[i] = len(a["nodes_featureids"])
                a["nodes_featureids"].append(int(tr.feature[i]))
                a["nodes_splits"].append(float(tr.threshold[i]))
        if not node_row:           # a single-leaf tree
            node_row[0] = len(a["nodes_featureids"])
            a["nodes_featureids"].append(0)
            a["nodes_splits"].append(0.0)
            for side in ("true", "false"):
                a[f"nodes_{side}nodeids"].append(leaf_row[0])
                a[f"nodes_{side}leafs"].append(1)
            a["tree_roots"].append(node_row[0])
            continue
        a["tree_roots"].append(node_row[0])
        for i in sorted(node_row):
            for side, child in (("true", tr.children_left[i]), ("false", tr.children_right[i])):
                leaf = child in leaf_row
                a[f"nodes_{side}nodeids"].append(leaf_row[child] if leaf else node_row[child])
                a[f"nodes_{side}leafs"].append(int(leaf))
    m = len(a["nodes_featureids"])
    a["nodes_modes"] = rt.zeros(m, dtype=rt.uint8)            # BRANCH_LEQ, as sklearn splits
    a["nodes_splits"] = rt.tensor(a["nodes_splits"], dtype=rt.float64)
    a["leaf_weights"] = rt.tensor(a["leaf_weights"], dtype=rt.float64)
    a["n_targets"] = n_targets
    return a


def tree_ens(x, opset=5, **attrs):
    return call("TreeEnsemble", x, opset=opset, domain="ai.onnx.ml", **attrs)


def test_tree_ensemble_matches_sklearn_forest_and_boosting():
    from sklearn.datasets import make_classification, make_regression
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestRegressor
    X, y = make_regression(80, 5, noise=1.0, random_state=0)
    X = X.astype(np.float32)
    rf = RandomForestRegressor(n_estimators=6, max_depth=5, random_state=0).fit(X, y)
    got = tree_ens(R(X), aggregate_function=0, **tree_attrs(rf.estimators_, 1))
    assert got.dtype == rt.float32 and list(got.shape) == [80, 1]
    close(got[:, 0], rf.predict(X).astype(np.float32), rtol=1e-5, atol=1e-4)
    Xd = X.astype(np.float64)
    close(tree_ens(R(Xd), **tree_attrs(rf.estimators_, 1))[:, 0],
          sum(e.predict(Xd) for e in rf.estimators_), rtol=1e-10)

    Xc, yc = make_classification(60, 4, random_state=1)
    gb = GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0).fit(Xc, yc)
    init = float(gb.decision_function(Xc[:1])[0]
                 - sum(gb.learning_rate * e.predict(Xc[:1])[0] for e in gb.estimators_[:, 0]))

    class Leaf:                       # the prior as a one-leaf tree (tests single-leaf roots)
        class tree_:
            node_count, children_left, children_right = 1, np.array([-1]), np.array([-1])
            feature, threshold, value = np.array([0]), np.array([0.0]), np.array([[[init]]])
    ests = [Leaf] + list(gb.estimators_[:, 0])
    attrs = tree_attrs(ests, 1)
    lw = attrs["leaf_weights"].numpy()
    lw[1:] *= gb.learning_rate
    attrs["leaf_weights"] = R(lw)
    p = tree_ens(R(Xc.astype(np.float32)), post_transform=2, **attrs)
    close(p[:, 0], gb.predict_proba(Xc)[:, 1].astype(np.float32), rtol=1e-5, atol=1e-6)


def small_tree(modes, splits, **extra):
    """Two interior nodes: node 0 -> (node 1 | leaf 2); node 1 -> (leaf 0 | leaf 1)."""
    a = dict(nodes_featureids=[0, 1], nodes_modes=R(np.array(modes, np.uint8)),
             nodes_splits=R(np.array(splits, np.float32)), nodes_truenodeids=[1, 0],
             nodes_falsenodeids=[2, 1], nodes_trueleafs=[0, 1], nodes_falseleafs=[1, 1],
             leaf_targetids=[0, 1, 2], leaf_weights=R(np.array([1.0, 2.0, 3.0], np.float32)),
             tree_roots=[0], n_targets=3)
    a.update(extra)
    return a


@pytest.mark.parametrize("mode,fn", [(0, np.less_equal), (1, np.less), (2, np.greater_equal),
                                     (3, np.greater), (4, np.equal), (5, np.not_equal)])
def test_tree_ensemble_modes_and_missing_values(mode, fn):
    X = np.array([[0.5, 1.0], [1.0, 2.0], [2.0, 0.5], [np.nan, 1.0], [0.5, np.nan]], np.float32)
    got = tree_ens(R(X), **small_tree([mode, mode], [1.0, 1.0])).numpy()
    with np.errstate(invalid="ignore"):
        c0, c1 = fn(X[:, 0], 1.0), fn(X[:, 1], 1.0)
    leaf = np.where(c0, np.where(c1, 0, 1), 2)
    np.testing.assert_array_equal(got, np.eye(3, dtype=np.float32)[leaf] * [1, 2, 3])
    # NaN follows the true branch where nodes_missing_value_tracks_true says so
    got = tree_ens(R(X), **small_tree([mode, mode], [1.0, 1.0],
                                      nodes_missing_value_tracks_true=[1, 1])).numpy()
    leaf = np.where(c0 | np.isnan(X[:, 0]), np.where(c1 | np.isnan(X[:, 1]), 0, 1), 2)
    np.testing.assert_array_equal(got, np.eye(3, dtype=np.float32)[leaf] * [1, 2, 3])


def test_tree_ensemble_aggregates_and_post_transforms():
    X = R(randn(7, 2))
    two = dict(small_tree([0, 0], [0.0, 0.0]))
    # the same tree twice (nodes 2-3, leaves 3-5), the second with weights -4, -5, -6
    for k in ("nodes_featureids", "nodes_truenodeids", "nodes_falsenodeids", "nodes_trueleafs",
              "nodes_falseleafs", "leaf_targetids"):
        base = list(two[k])
        shift = {"nodes_truenodeids": [2, 3], "nodes_falsenodeids": [3, 3]}.get(k)
        two[k] = base + ([a + b for a, b in zip(base, shift)] if shift else base)
    two["nodes_modes"] = R(np.zeros(4, np.uint8))
    two["nodes_splits"] = R(np.zeros(4, np.float32))
    two["leaf_weights"] = R(np.array([1, 2, 3, -4, -5, -6], np.float32))
    two["tree_roots"] = [0, 2]
    one = tree_ens(X, **small_tree([0, 0], [0.0, 0.0])).numpy()
    hit = one != 0                               # each sample reaches one leaf = one target
    leaf = one.argmax(1)
    w1 = np.where(hit, np.array([1, 2, 3], np.float32)[leaf][:, None], 0)
    w2 = np.where(hit, np.array([-4, -5, -6], np.float32)[leaf][:, None], 0)
    close(tree_ens(X, aggregate_function=1, **two), w1 + w2)
    close(tree_ens(X, aggregate_function=0, **two), (w1 + w2) / 2)
    big = np.finfo(np.float32).max
    np.testing.assert_array_equal(tree_ens(X, aggregate_function=2, **two).numpy(),
                                  np.where(hit, w2, big))
    np.testing.assert_array_equal(tree_ens(X, aggregate_function=3, **two).numpy(),
                                  np.where(hit, w1, -big))
    close(tree_ens(X, post_transform=1, **two), torch.softmax(T(w1 + w2), 1))
    close(tree_ens(X, post_transform=2, **two), torch.sigmoid(T(w1 + w2)))
    sz = tree_ens(X, post_transform=3, **two).numpy()
    np.testing.assert_array_equal(sz, hit.astype(np.float32))   # one non-zero score: all mass
    p = tree_ens(R(np.array([[-1.0, -1.0]], np.float32)), post_transform=4,
                 **dict(small_tree([0, 0], [0.0, 0.0]), leaf_weights=R(np.array([0.3, 0.5, 0.9],
                                                                                   np.float32))))
    close(p, math.sqrt(2) * torch.erfinv(2 * torch.tensor([[0.3, 0.0, 0.0]]) - 1), atol=1e-5)


def test_tree_ensemble_set_membership_in_node_order():
    a = small_tree([6, 6], [0.0, 0.0], membership_values=R(np.array([1, 2, np.nan, 5, np.nan],
                                                                      np.float32)))
    X = R(np.array([[1, 5], [2, 0], [3, 5], [np.nan, 5]], np.float32))
    got = tree_ens(X, **a).numpy()
    np.testing.assert_array_equal(got.argmax(1), [0, 1, 2, 2])


def test_tree_ensemble_regressor_legacy_matches_sklearn_multi_output():
    from sklearn.ensemble import RandomForestRegressor
    X = randn(50, 3)
    Y = np.stack([X[:, 0] * 2 + X[:, 1], np.sin(X[:, 2])], 1)
    rf = RandomForestRegressor(n_estimators=4, max_depth=4, random_state=0).fit(X, Y)
    a = {k: [] for k in ("nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_modes",
                         "nodes_values", "nodes_truenodeids", "nodes_falsenodeids",
                         "target_treeids", "target_nodeids", "target_ids", "target_weights")}
    for t, est in enumerate(rf.estimators_):
        tr = est.tree_
        for i in range(tr.node_count):
            leaf = tr.children_left[i] == -1
            a["nodes_treeids"].append(t)
            a["nodes_nodeids"].append(i)
            a["nodes_featureids"].append(0 if leaf else int(tr.feature[i]))
            a["nodes_modes"].append("LEAF" if leaf else "BRANCH_LEQ")
            a["nodes_values"].append(0.0 if leaf else float(tr.threshold[i]))
            a["nodes_truenodeids"].append(0 if leaf else int(tr.children_left[i]))
            a["nodes_falsenodeids"].append(0 if leaf else int(tr.children_right[i]))
            if leaf:
                for j in range(2):
                    a["target_treeids"].append(t)
                    a["target_nodeids"].append(i)
                    a["target_ids"].append(j)
                    a["target_weights"].append(float(tr.value[i].reshape(-1)[j]))
    got = call("TreeEnsembleRegressor", R(X), opset=3, domain="ai.onnx.ml", n_targets=2,
               aggregate_function="AVERAGE", base_values=[0.5, -1.0], **a)
    assert got.dtype == rt.float32
    close(got, (rf.predict(X) + [0.5, -1.0]).astype(np.float32), rtol=1e-5, atol=1e-5)


def test_tree_ensemble_hostile_attributes_give_clear_errors():
    X = R(randn(3, 2))
    with pytest.raises(FormatError, match="cycle"):
        tree_ens(X, **small_tree([0, 0], [0.0, 0.0], nodes_truenodeids=[1, 0],
                                 nodes_trueleafs=[0, 0]))
    with pytest.raises(FormatError, match="leaf_targetids"):
        tree_ens(X, **small_tree([0, 0], [0.0, 0.0], n_targets=2))
    with pytest.raises(FormatError, match="nodes_"):
        tree_ens(X, **small_tree([0, 0], [0.0, 0.0], nodes_featureids=[0]))
    with pytest.raises(FormatError, match="membership"):
        tree_ens(X, **small_tree([6, 0], [0.0, 0.0]))
    with pytest.raises(FormatError, match="falsenodeids"):
        tree_ens(X, **small_tree([0, 0], [0.0, 0.0], nodes_falsenodeids=[9, 1]))
    with pytest.raises(IndexOutOfRange, match="features"):
        tree_ens(R(randn(3, 1)), **small_tree([0, 0], [0.0, 0.0]))
    with pytest.raises(ShapeError):
        tree_ens(R(randn(3, 2, 1)), **small_tree([0, 0], [0.0, 0.0]))
