"""Export rules for ``nn.functional`` (as ``F.<name>`` rules) and for the modules
that map to one ONNX operator as a whole (RNN, LSTM, GRU)."""
import math

import rustorch as rt
from rustorch import nn

from ._export_ops import RULES, operand, reduce, wrap, rank, alias, unsqueeze, squeeze, cast



def frule(*names):
    def reg(fn):
        for n in names:
            RULES[f"F.{n}"] = fn
        return fn
    return reg


def _tuple(v, n):
    if isinstance(v, (list, tuple)):
        return [int(x) for x in v] if len(v) == n else [int(v[0])] * n
    return [int(v)] * n


# ---------------------------------------------------------------- activations
def _act(build):
    def fn(tr, out, a):
        x = operand(tr, a[0], out.dtype)
        tr.bind(out, build(tr, x, a, out.dtype))
    return fn


def _c(tr, v, dt):
    return operand(tr, float(v), dt)


RULES.update({
    "F.relu6": _act(lambda tr, x, a, dt: tr.g.node("Clip", [x, _c(tr, 0, dt), _c(tr, 6, dt)])),
    "F.hardtanh": _act(lambda tr, x, a, dt: tr.g.node("Clip", [x, _c(tr, a.get("min_val", -1.0), dt),
                                                              _c(tr, a.get("max_val", 1.0), dt)])),
    "F.leaky_relu": _act(lambda tr, x, a, dt: tr.g.node("LeakyRelu", [x],
                                                        alpha=float(a.get("negative_slope", 0.01)))),
    "F.elu": _act(lambda tr, x, a, dt: tr.g.node("Elu", [x], alpha=float(a.get("alpha", 1.0)))),
    "F.selu": _act(lambda tr, x, a, dt: tr.g.node("Selu", [x])),
    "F.celu": _act(lambda tr, x, a, dt: tr.g.node("Celu", [x], alpha=float(a.get("alpha", 1.0)))),
    "F.silu": _act(lambda tr, x, a, dt: tr.g.node("Mul", [x, tr.g.node("Sigmoid", [x])])),
    "F.mish": _act(lambda tr, x, a, dt: tr.g.node("Mul", [x, tr.g.node("Tanh", [tr.g.node("Softplus", [x])])])),
    "F.softsign": _act(lambda tr, x, a, dt: tr.g.node("Softsign", [x])),
    "F.hardsigmoid": _act(lambda tr, x, a, dt: tr.g.node("HardSigmoid", [x], alpha=1.0 / 6, beta=0.5)),
    "F.hardswish": _act(lambda tr, x, a, dt: tr.g.node("Mul", [x, tr.g.node("HardSigmoid", [x],
                                                                            alpha=1.0 / 6, beta=0.5)])),
    "F.logsigmoid": _act(lambda tr, x, a, dt: tr.g.node("Neg", [tr.g.node("Softplus", [tr.g.node("Neg", [x])])])),
    "F.tanhshrink": _act(lambda tr, x, a, dt: tr.g.node("Sub", [x, tr.g.node("Tanh", [x])])),
})
for _n in ("relu_", "hardtanh_", "leaky_relu_", "elu_", "selu_", "celu_"):
    RULES[f"F.{_n}"] = RULES.get(f"F.{_n[:-1]}") or RULES[_n[:-1]]


@frule("softplus")
def _softplus(tr, out, a):
    x = operand(tr, a[0], out.dtype)
    beta = float(a.get("beta", 1.0))
    if beta == 1.0:
        tr.bind(out, tr.g.node("Softplus", [x]))
        return
    b = _c(tr, beta, out.dtype)
    tr.bind(out, tr.g.node("Div", [tr.g.node("Softplus", [tr.g.node("Mul", [x, b])]), b]))


@frule("gelu")
def _gelu(tr, out, a):
    dt = out.dtype
    x = operand(tr, a[0], dt)
    g = tr.g
    if a.get("approximate", "none") == "tanh":
        x3 = g.node("Mul", [g.node("Mul", [x, x]), x])
        inner = g.node("Mul", [_c(tr, math.sqrt(2 / math.pi), dt),
                               g.node("Add", [x, g.node("Mul", [x3, _c(tr, 0.044715, dt)])])])
        phi = g.node("Add", [g.node("Tanh", [inner]), _c(tr, 1.0, dt)])
    else:
        phi = g.node("Add", [g.node("Erf", [g.node("Div", [x, _c(tr, math.sqrt(2.0), dt)])]), _c(tr, 1.0, dt)])
    tr.bind(out, g.node("Mul", [g.node("Mul", [x, phi]), _c(tr, 0.5, dt)]))


@frule("glu")
def _glu(tr, out, a):
    x = a[0]
    d = wrap(a.get("dim", -1), rank(x))
    h = x._data.shape[d] // 2
    p, q = tr.g.node("Split", [tr.name(x), tr.g.ints([h, h])], n_out=2, axis=d)
    tr.bind(out, tr.g.node("Mul", [p, tr.g.node("Sigmoid", [q])]))


@frule("prelu")
def _prelu(tr, out, a):
    x, w = a[0], a[1]
    wn = tr.name(w)
    if rank(x) >= 2 and w.numel() > 1:
        wn = tr.g.node("Reshape", [wn, tr.g.ints([-1] + [1] * (rank(x) - 2))])
    tr.bind(out, tr.g.node("PRelu", [tr.name(x), wn]))


@frule("threshold", "threshold_")
def _threshold(tr, out, a):
    dt = out.dtype
    x = operand(tr, a[0], dt)
    keep = tr.g.node("Greater", [x, _c(tr, a[1], dt)])
    tr.bind(out, tr.g.node("Where", [keep, x, _c(tr, a[2], dt)]))


@frule("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout")
def _dropout(tr, out, a):
    if a.get("training", False) and float(a.get("p", 0.5)) > 0:
        tr.unsupported("dropout in training mode (export with training=False / model.eval())")
    alias(tr, out, a[0])


# ---------------------------------------------------------------- linear / conv
@frule("linear")
def _linear(tr, out, a):
    x, w, b = a[0], a[1], a[2]
    g = tr.g
    if rank(x) == 2 and rank(w) == 2:
        ins = [tr.name(x), tr.name(w)] + ([tr.name(b)] if b is not None else [])
        tr.bind(out, g.node("Gemm", ins, transB=1))
        return
    y = g.node("MatMul", [tr.name(x), g.node("Transpose", [tr.name(w)], perm=[1, 0])]) if rank(w) == 2 else \
        g.node("MatMul", [tr.name(x), tr.name(w)])
    if b is not None:
        y = g.node("Add", [y, tr.name(b)])
    tr.bind(out, y)


def _conv_pads(a, n, kernel, dilation):
    p = a.get("padding", 0)
    if isinstance(p, str):
        if p == "valid":
            return [0] * (2 * n)
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        left = [t // 2 for t in total]
        return left + [t - lft for t, lft in zip(total, left)]
    p = _tuple(p, n)
    return p + p


@frule("conv1d", "conv2d", "conv3d")
def _conv(tr, out, a):
    x, w, b = a[0], a[1], a[2]
    n = rank(w) - 2
    kernel = list(w._data.shape[2:])
    dil = _tuple(a.get("dilation", 1), n)
    unbatched = rank(x) == n + 1
    xn = unsqueeze(tr, tr.name(x), [0]) if unbatched else tr.name(x)
    ins = [xn, tr.name(w)] + ([tr.name(b)] if b is not None else [])
    y = tr.g.node("Conv", ins, kernel_shape=kernel, strides=_tuple(a.get("stride", 1), n),
                  pads=_conv_pads(a, n, kernel, dil), dilations=dil, group=int(a.get("groups", 1)))
    tr.bind(out, squeeze(tr, y, [0]) if unbatched else y)


@frule("conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
def _conv_t(tr, out, a):
    x, w, b = a[0], a[1], a[2]
    n = rank(w) - 2
    kernel = list(w._data.shape[2:])
    p = _tuple(a.get("padding", 0), n)
    unbatched = rank(x) == n + 1
    xn = unsqueeze(tr, tr.name(x), [0]) if unbatched else tr.name(x)
    ins = [xn, tr.name(w)] + ([tr.name(b)] if b is not None else [])
    y = tr.g.node("ConvTranspose", ins, kernel_shape=kernel, strides=_tuple(a.get("stride", 1), n),
                  pads=p + p, output_padding=_tuple(a.get("output_padding", 0), n),
                  dilations=_tuple(a.get("dilation", 1), n), group=int(a.get("groups", 1)))
    tr.bind(out, squeeze(tr, y, [0]) if unbatched else y)


# ---------------------------------------------------------------- pooling
def _pool_nd(op):
    return int(op[-2])


def _batched(tr, x, n):
    """(input name, whether an unbatched input got a batch dim)."""
    if rank(x) == n + 1:
        return unsqueeze(tr, tr.name(x), [0]), True
    return tr.name(x), False


@frule("max_pool1d", "max_pool2d", "max_pool3d")
def _max_pool(tr, out, a):
    if a.get("return_indices", False):
        tr.unsupported("max pooling with return_indices=True")
    x = a[0]
    n = _pool_nd(a.op)
    k = _tuple(a[1], n)
    s = a.get("stride") or k
    xn, unb = _batched(tr, x, n)
    p = _tuple(a.get("padding", 0), n)
    y = tr.g.node("MaxPool", [xn], kernel_shape=k, strides=_tuple(s, n), pads=p + p,
                  dilations=_tuple(a.get("dilation", 1), n), ceil_mode=int(bool(a.get("ceil_mode", False))))
    tr.bind(out, squeeze(tr, y, [0]) if unb else y)


@frule("avg_pool1d", "avg_pool2d", "avg_pool3d")
def _avg_pool(tr, out, a):
    if a.get("divisor_override") is not None:
        tr.unsupported("avg pooling with divisor_override")
    x = a[0]
    n = _pool_nd(a.op)
    k = _tuple(a[1], n)
    s = a.get("stride") or k
    xn, unb = _batched(tr, x, n)
    p = _tuple(a.get("padding", 0), n)
    y = tr.g.node("AveragePool", [xn], kernel_shape=k, strides=_tuple(s, n), pads=p + p,
                  ceil_mode=int(bool(a.get("ceil_mode", False))),
                  count_include_pad=int(bool(a.get("count_include_pad", True))))
    tr.bind(out, squeeze(tr, y, [0]) if unb else y)


def _adaptive(kind):
    def fn(tr, out, a):
        if kind == "Max" and a.get("return_indices", False):
            tr.unsupported("adaptive max pooling with return_indices=True")
        x = a[0]
        n = _pool_nd(a.op)
        xn, unb = _batched(tr, x, n)
        in_sizes = list(x._data.shape[-n:])
        outs = [in_sizes[i] if o is None else int(o) for i, o in enumerate(_tuple_none(a[1], n))]
        if all(o == 1 for o in outs):
            y = tr.g.node(f"Global{kind}Pool", [xn])
        elif all(i % o == 0 for i, o in zip(in_sizes, outs)):
            if tr.dynamic:
                tr.warn("adaptive pooling exported with a fixed kernel for the traced input size")
            k = [i // o for i, o in zip(in_sizes, outs)]
            y = tr.g.node(f"{'Average' if kind == 'Average' else 'Max'}Pool", [xn], kernel_shape=k, strides=k)
        else:
            tr.unsupported(f"adaptive pooling from {in_sizes} to {outs} (sizes not divisible)")
        tr.bind(out, squeeze(tr, y, [0]) if unb else y)
    return fn


def _tuple_none(v, n):
    if isinstance(v, (list, tuple)):
        return list(v) if len(v) == n else [v[0]] * n
    return [v] * n


RULES["F.adaptive_avg_pool1d"] = RULES["F.adaptive_avg_pool2d"] = RULES["F.adaptive_avg_pool3d"] = \
    _adaptive("Average")
RULES["F.adaptive_max_pool1d"] = RULES["F.adaptive_max_pool2d"] = RULES["F.adaptive_max_pool3d"] = \
    _adaptive("Max")


# ---------------------------------------------------------------- normalization
@frule("batch_norm")
def _batch_norm(tr, out, a):
    x, mean, var, w, b = a[0], a[1], a[2], a.get("weight"), a.get("bias")
    if a.get("training", False) or mean is None or var is None:
        tr.unsupported("batch norm with batch statistics (export in eval mode with running stats)")
    c = x._data.shape[1]
    dt = x.dtype
    wn = tr.name(w) if w is not None else tr.g.const(rt.ones(c, dtype=dt))
    bn = tr.name(b) if b is not None else tr.g.const(rt.zeros(c, dtype=dt))
    tr.bind(out, tr.g.node("BatchNormalization", [tr.name(x), wn, bn, tr.name(mean), tr.name(var)],
                           epsilon=float(a.get("eps", 1e-5))))


@frule("instance_norm")
def _instance_norm(tr, out, a):
    x = a[0]
    if not a.get("use_input_stats", True):
        tr.unsupported("instance_norm with use_input_stats=False")
    c = x._data.shape[1]
    dt = x.dtype
    w, b = a.get("weight"), a.get("bias")
    wn = tr.name(w) if w is not None else tr.g.const(rt.ones(c, dtype=dt))
    bn = tr.name(b) if b is not None else tr.g.const(rt.zeros(c, dtype=dt))
    tr.bind(out, tr.g.node("InstanceNormalization", [tr.name(x), wn, bn], epsilon=float(a.get("eps", 1e-5))))


@frule("layer_norm")
def _layer_norm(tr, out, a):
    x, shape, w, b = a[0], a[1], a.get("weight"), a.get("bias")
    k = len(shape) if isinstance(shape, (list, tuple)) else 1
    eps = float(a.get("eps", 1e-5))
    g = tr.g
    dt = x.dtype
    if g.opset >= 17:
        wn = tr.name(w) if w is not None else g.const(rt.ones(tuple(x._data.shape[-k:]), dtype=dt))
        ins = [tr.name(x), wn] + ([tr.name(b)] if b is not None else [])
        tr.bind(out, g.node("LayerNormalization", ins, axis=-k, epsilon=eps))
        return
    axes = list(range(rank(x) - k, rank(x)))
    xn = tr.name(x)
    d = g.node("Sub", [xn, reduce(tr, "ReduceMean", xn, axes, True)])
    var = reduce(tr, "ReduceMean", g.node("Mul", [d, d]), axes, True)
    y = g.node("Div", [d, g.node("Sqrt", [g.node("Add", [var, operand(tr, eps, dt)])])])
    if w is not None:
        y = g.node("Mul", [y, tr.name(w)])
    if b is not None:
        y = g.node("Add", [y, tr.name(b)])
    tr.bind(out, y)


@frule("group_norm")
def _group_norm(tr, out, a):
    x, groups, w, b = a[0], int(a[1]), a.get("weight"), a.get("bias")
    eps = float(a.get("eps", 1e-5))
    g = tr.g
    dt = x.dtype
    xn = tr.name(x)
    grouped = g.node("Reshape", [xn, g.ints([0, groups, -1])])
    d = g.node("Sub", [grouped, reduce(tr, "ReduceMean", grouped, [2], True)])
    var = reduce(tr, "ReduceMean", g.node("Mul", [d, d]), [2], True)
    y = g.node("Div", [d, g.node("Sqrt", [g.node("Add", [var, operand(tr, eps, dt)])])])
    y = g.node("Reshape", [y, tr.shape_of(x)])
    per_channel = [-1] + [1] * (rank(x) - 2)
    if w is not None:
        y = g.node("Mul", [y, g.node("Reshape", [tr.name(w), g.ints(per_channel)])])
    if b is not None:
        y = g.node("Add", [y, g.node("Reshape", [tr.name(b), g.ints(per_channel)])])
    tr.bind(out, y)


@frule("normalize")
def _normalize(tr, out, a):
    x = a[0]
    p = float(a.get("p", 2.0))
    if p not in (1.0, 2.0):
        tr.unsupported(f"normalize with p={p}")
    d = wrap(a.get("dim", 1), rank(x))
    n = tr.name(x)
    norm = reduce(tr, "ReduceL2" if p == 2.0 else "ReduceL1", n, [d], True)
    norm = tr.g.node("Max", [norm, operand(tr, float(a.get("eps", 1e-12)), out.dtype)])
    tr.bind(out, tr.g.node("Div", [n, norm]))


# ---------------------------------------------------------------- embedding / pad / resize
@frule("embedding")
def _embedding(tr, out, a):
    if a.get("max_norm") is not None:
        tr.unsupported("embedding with max_norm (it renormalizes the weight in place)")
    tr.bind(out, tr.g.node("Gather", [tr.name(a[1]), tr.name(a[0])], axis=0))


@frule("pad")
def _pad(tr, out, a):
    x, pad, mode = a[0], list(a[1]), a.get("mode", "constant")
    nd = rank(x)
    begins, ends = [0] * nd, [0] * nd
    for i in range(len(pad) // 2):
        d = nd - 1 - i
        begins[d], ends[d] = int(pad[2 * i]), int(pad[2 * i + 1])
    onnx_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}.get(mode)
    if onnx_mode is None or (onnx_mode == "wrap" and tr.g.opset < 19):
        tr.unsupported(f"pad mode {mode!r} at opset {tr.g.opset}")
    ins = [tr.name(x), tr.g.ints(begins + ends)]
    if mode == "constant":
        ins.append(operand(tr, a.get("value") or 0, x.dtype))
    tr.bind(out, tr.g.node("Pad", ins, mode=onnx_mode))


@frule("interpolate", "upsample")
def _interpolate(tr, out, a):
    x = a[0]
    mode = a.get("mode", "nearest")
    if a.get("antialias", False):
        tr.unsupported("interpolate with antialias=True")
    n = rank(x) - 2
    g = tr.g
    attrs = {}
    if mode == "nearest":
        attrs = dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    elif mode in ("linear", "bilinear", "trilinear", "bicubic"):
        ac = bool(a.get("align_corners") or False)
        attrs = dict(mode="cubic" if mode == "bicubic" else "linear",
                     coordinate_transformation_mode="align_corners" if ac else "pytorch_half_pixel")
        if mode == "bicubic":
            attrs["cubic_coeff_a"] = -0.75
    else:
        tr.unsupported(f"interpolate mode {mode!r}")
    size, scale = a.get("size"), a.get("scale_factor")
    if scale is not None and not a.get("recompute_scale_factor"):
        scales = [1.0, 1.0] + [float(s) for s in _tuple_none(scale, n)]
        r = g.node("Resize", [tr.name(x), "", g.const(rt.tensor(scales, dtype=rt.float32))], **attrs)
    else:
        sizes = list(out._data.shape[2:]) if size is None else _tuple_none(size, n)
        full = [tr.dim_of(x, 0), tr.dim_of(x, 1)] + list(sizes)
        r = g.node("Resize", [tr.name(x), "", "", tr.shape_list(full)], **attrs)
    tr.bind(out, r)


@frule("pixel_shuffle")
def _pixel_shuffle(tr, out, a):
    if rank(a[0]) != 4:
        tr.unsupported("pixel_shuffle on a tensor that is not 4-D")
    tr.bind(out, tr.g.node("DepthToSpace", [tr.name(a[0])], blocksize=int(a[1]), mode="CRD"))


# ---------------------------------------------------------------- attention
def _additive_mask(tr, m, dt, true_means_keep=False):
    """A bool mask as an additive float mask (-inf where masked)."""
    g = tr.g
    n = tr.name(m)
    if m.dtype != rt.bool:
        return cast(tr, n, m.dtype, dt)
    neg, zero = operand(tr, float("-inf"), dt), operand(tr, 0.0, dt)
    return g.node("Where", [n, zero, neg] if true_means_keep else [n, neg, zero])


def _proj(tr, x, w, b):
    g = tr.g
    y = g.node("MatMul", [x, g.node("Transpose", [w], perm=[1, 0])])
    return g.node("Add", [y, b]) if b else y


@frule("multi_head_attention_forward")
def _mha(tr, out, a):
    g = tr.g
    q_in, k_in, v_in = a[0], a[1], a[2]
    E, H = int(a[3]), int(a[4])
    if a.get("bias_k") is not None or a.get("add_zero_attn") or a.get("static_k") is not None \
            or a.get("static_v") is not None:
        tr.unsupported("multi-head attention with bias_k/bias_v, add_zero_attn or static keys")
    if a.get("training") and float(a.get("dropout_p", 0)) > 0:
        tr.unsupported("multi-head attention dropout in training mode")
    dt = q_in.dtype
    D = E // H
    unbatched = rank(q_in) == 2

    def batched(t):
        return unsqueeze(tr, tr.name(t), [1]) if unbatched else tr.name(t)
    q, k, v = batched(q_in), batched(k_in), batched(v_in)
    bias = a.get("in_proj_bias")
    bq = bk = bv = ""
    if bias is not None:
        bq, bk, bv = g.node("Split", [tr.name(bias), g.ints([E, E, E])], n_out=3, axis=0)
    if a.get("use_separate_proj_weight"):
        wq, wk, wv = (tr.name(a[n]) for n in ("q_proj_weight", "k_proj_weight", "v_proj_weight"))
    else:
        wq, wk, wv = g.node("Split", [tr.name(a["in_proj_weight"]), g.ints([E, E, E])], n_out=3, axis=0)
    q, k, v = _proj(tr, q, wq, bq), _proj(tr, k, wk, bk), _proj(tr, v, wv, bv)
    heads = g.ints([0, 0, H, D])
    q = g.node("Transpose", [g.node("Reshape", [q, heads])], perm=[1, 2, 0, 3])      # N H L D
    k = g.node("Transpose", [g.node("Reshape", [k, heads])], perm=[1, 2, 3, 0])      # N H D S
    v = g.node("Transpose", [g.node("Reshape", [v, heads])], perm=[1, 2, 0, 3])      # N H S D
    q = g.node("Mul", [q, operand(tr, 1.0 / math.sqrt(D), dt)])
    s = g.node("MatMul", [q, k])                                                     # N H L S
    am = a.get("attn_mask")
    if am is None and a.get("is_causal"):
        tr.unsupported("is_causal without attn_mask")
    if am is not None:
        m = _additive_mask(tr, am, dt)
        if rank(am) == 3:
            m = g.node("Reshape", [m, tr.shape_list([-1, H] + [tr.dim_of(am, 1), tr.dim_of(am, 2)])])
        s = g.node("Add", [s, m])
    kpm = a.get("key_padding_mask")
    if kpm is not None:
        m = _additive_mask(tr, kpm, dt)
        m = unsqueeze(tr, m, [1, 2] if not unbatched else [0, 1, 2])
        s = g.node("Add", [s, m])
    p = g.node("Softmax", [s], axis=-1)
    o = g.node("MatMul", [p, v])                                                     # N H L D
    o = g.node("Reshape", [g.node("Transpose", [o], perm=[2, 0, 1, 3]), g.ints([0, 0, -1])])
    ob = a.get("out_proj_bias")
    o = _proj(tr, o, tr.name(a["out_proj_weight"]), tr.name(ob) if ob is not None else "")
    result, weights = out
    tr.bind(result, squeeze(tr, o, [1]) if unbatched else o)
    if weights is not None:
        w = reduce(tr, "ReduceMean", p, [1], False) if a.get("average_attn_weights", True) else p
        tr.bind(weights, squeeze(tr, w, [0]) if unbatched else w)


@frule("scaled_dot_product_attention")
def _sdpa(tr, out, a):
    g = tr.g
    q, k, v = a[0], a[1], a[2]
    if float(a.get("dropout_p", 0.0)) > 0:
        tr.unsupported("scaled_dot_product_attention with dropout_p > 0")
    if a.get("enable_gqa"):
        tr.unsupported("scaled_dot_product_attention with enable_gqa=True")
    dt = q.dtype
    nd = rank(k)
    scale = a.get("scale")
    scale = 1.0 / math.sqrt(q._data.shape[-1]) if scale is None else float(scale)
    kt = g.node("Transpose", [tr.name(k)], perm=list(range(nd - 2)) + [nd - 1, nd - 2])
    s = g.node("MatMul", [g.node("Mul", [tr.name(q), operand(tr, scale, dt)]), kt])
    if a.get("is_causal"):
        L, S = tr.dim_of(q, -2 % rank(q)), tr.dim_of(k, nd - 2)
        ones = g.node("ConstantOfShape", [tr.shape_list([L, S])], value=rt.tensor([1], dtype=rt.int64))
        keep = g.node("Cast", [g.node("Trilu", [ones], upper=0)], to=9)
        s = g.node("Add", [s, g.node("Where", [keep, operand(tr, 0.0, dt), operand(tr, float("-inf"), dt)])])
    m = a.get("attn_mask")
    if m is not None:
        s = g.node("Add", [s, _additive_mask(tr, m, dt, true_means_keep=True)])
    tr.bind(out, g.node("MatMul", [g.node("Softmax", [s], axis=-1), tr.name(v)]))


# ---------------------------------------------------------------- recurrent modules
_GATES = {"LSTM": (4, [0, 3, 1, 2]),      # torch i f g o -> ONNX i o f c
          "GRU": (3, [1, 0, 2]),          # torch r z n   -> ONNX z r h
          "RNN": (1, [0])}


def _gates(tr, name, H, mode):
    k, order = _GATES[mode]
    if k == 1:
        return name
    parts = tr.g.node("Split", [name, tr.g.ints([H] * k)], n_out=k, axis=0)
    return tr.g.node("Concat", [parts[i] for i in order], axis=0)


def _rnn_module(tr, m, out, input, hx=None):
    g = tr.g
    mode = type(m).__name__ if type(m).__name__ in _GATES else getattr(m, "mode", "")
    mode = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(mode, mode)
    if mode not in _GATES:
        tr.unsupported(f"recurrent module {type(m).__name__}")
    if getattr(m, "proj_size", 0):
        tr.unsupported("LSTM with proj_size > 0")
    if not isinstance(input, rt.Tensor):
        tr.unsupported("packed sequences")
    if m.training and m.dropout > 0 and m.num_layers > 1:
        tr.unsupported("recurrent dropout in training mode")
    H, L = m.hidden_size, m.num_layers
    nd = 2 if m.bidirectional else 1
    unbatched = rank(input) == 2
    x = tr.name(input)
    if unbatched:
        x = unsqueeze(tr, x, [1])
    elif m.batch_first:
        x = g.node("Transpose", [x], perm=[1, 0, 2])
    h0 = c0 = None
    if hx is not None:
        h0, c0 = hx if mode == "LSTM" else (hx, None)

    def state(t):
        if t is None:
            return None
        n = tr.name(t)
        return unsqueeze(tr, n, [1]) if unbatched else n
    h0n, c0n = state(h0), state(c0)
    attrs = {"hidden_size": H, "direction": "bidirectional" if m.bidirectional else "forward"}
    if mode == "GRU":
        attrs["linear_before_reset"] = 1
    if mode == "RNN":
        act = "Relu" if getattr(m, "nonlinearity", "tanh") == "relu" else "Tanh"
        attrs["activations"] = [act] * nd
    hs, cs = [], []
    for layer in range(L):
        Ws, Rs, Bs = [], [], []
        for d in range(nd):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            Ws.append(unsqueeze(tr, _gates(tr, tr.name(getattr(m, "weight_ih" + sfx)), H, mode), [0]))
            Rs.append(unsqueeze(tr, _gates(tr, tr.name(getattr(m, "weight_hh" + sfx)), H, mode), [0]))
            if m.bias:
                bi = _gates(tr, tr.name(getattr(m, "bias_ih" + sfx)), H, mode)
                bh = _gates(tr, tr.name(getattr(m, "bias_hh" + sfx)), H, mode)
                Bs.append(unsqueeze(tr, g.node("Concat", [bi, bh], axis=0), [0]))

        def cat(parts):
            return parts[0] if len(parts) == 1 else g.node("Concat", parts, axis=0)
        ins = [x, cat(Ws), cat(Rs), cat(Bs) if Bs else "", ""]
        sl = None
        if h0n is not None or c0n is not None:
            sl = (g.ints([layer * nd]), g.ints([(layer + 1) * nd]), g.ints([0]))
        ins.append(g.node("Slice", [h0n, *sl]) if h0n is not None else "")
        if mode == "LSTM":
            ins.append(g.node("Slice", [c0n, *sl]) if c0n is not None else "")
        while ins and ins[-1] == "":
            ins.pop()
        outs = g.node(mode, ins, n_out=3 if mode == "LSTM" else 2, **attrs)
        y = outs[0]                                             # seq, dirs, batch, H
        hs.append(outs[1])
        if mode == "LSTM":
            cs.append(outs[2])
        x = g.node("Reshape", [g.node("Transpose", [y], perm=[0, 2, 1, 3]), g.ints([0, 0, -1])])
    if unbatched:
        y = squeeze(tr, x, [1])
    elif m.batch_first:
        y = g.node("Transpose", [x], perm=[1, 0, 2])
    else:
        y = x

    def stack(parts):
        s = parts[0] if len(parts) == 1 else g.node("Concat", parts, axis=0)
        return squeeze(tr, s, [1]) if unbatched else s
    output, hidden = out
    tr.bind(output, y)
    if mode == "LSTM":
        tr.bind(hidden[0], stack(hs))
        tr.bind(hidden[1], stack(cs))
    else:
        tr.bind(hidden, stack(hs))


MODULE_RULES = {nn.RNNBase: _rnn_module}
