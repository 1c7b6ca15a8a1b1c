"""ONNX `nn` operator family (rustorch/onnx/_ops/nn.py): ONNX's own node cases
plus torch as the oracle for forward values and gradients."""
import math
import types

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import rustorch as rt
from rustorch._errors import InvalidArgument, ShapeError, UnsupportedError
from rustorch.onnx._ops import NodeContext, lookup

from . import node_harness as nh

NN_OPS = {"MatMul", "Gemm", "Einsum", "Conv", "ConvTranspose", "MaxPool", "AveragePool",
          "GlobalAveragePool", "GlobalMaxPool", "LpPool", "GlobalLpPool", "MaxUnpool", "RoiAlign",
          "BatchNormalization", "InstanceNormalization", "LayerNormalization", "GroupNormalization",
          "LRN", "LpNormalization", "MeanVarianceNormalization", "Dropout", "Resize", "Upsample",
          "GridSample", "AffineGrid", "Attention"}

# Expected outputs drawn from numpy's RandomState: no other generator can reproduce them.
KNOWN_FAILURES = {"test_training_dropout", "test_training_dropout_default",
                  "test_training_dropout_mask", "test_training_dropout_default_mask"}


def family_cases(ops):
    return [c for c in nh.cases() if nh.op_types(c.model.graph) <= ops]


def check_family(ops, known=frozenset()):
    results = [nh.run_case(c) for c in family_cases(ops)]
    failed = {r.name: f"{r.kind}: {r.detail}" for r in results if not r.passed}
    unexpected = {k: v for k, v in failed.items() if k not in known}
    assert not unexpected, unexpected
    return len(results), len(results) - len(failed)


def test_onnx_node_cases_of_the_nn_family():
    total, passed = check_family(NN_OPS, KNOWN_FAILURES)
    assert total >= 300 and passed >= total - len(KNOWN_FAILURES)


# ---------------------------------------------------------------- direct op calls

def call(op_type, *inputs, opset=22, outputs=1, **attrs):
    node = types.SimpleNamespace(op_type=op_type, name="n", domain="",
                                 input=[f"i{k}" for k in range(len(inputs))],
                                 output=[f"o{k}" for k in range(outputs)])
    ctx = NodeContext(node, attrs, opset, None, None)
    return lookup(op_type, opset)(ctx, *inputs)


def R(a):
    return rt.from_numpy(np.ascontiguousarray(a))


def T(a):
    return torch.from_numpy(np.ascontiguousarray(a))


def close(got, want, rtol=1e-4, atol=1e-5):
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=rtol, atol=atol)


rng = np.random.default_rng(0)


def randn(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def test_conv_asymmetric_pads_strides_dilations_groups_match_torch():
    x, w, b = randn(2, 4, 9, 8), randn(6, 2, 3, 2), randn(6)
    y = call("Conv", R(x), R(w), R(b), pads=[1, 0, 2, 1], strides=[2, 1], dilations=[1, 2], group=2)
    want = TF.conv2d(TF.pad(T(x), (0, 1, 1, 2)), T(w), T(b), stride=(2, 1), dilation=(1, 2), groups=2)
    close(y, want)


@pytest.mark.parametrize("auto_pad", ["SAME_UPPER", "SAME_LOWER", "VALID"])
def test_conv_auto_pad_1d_and_3d(auto_pad):
    for shape, wshape in [((1, 2, 7), (3, 2, 4)), ((1, 2, 5, 4, 6), (3, 2, 2, 3, 2))]:
        x, w = randn(*shape), randn(*wshape)
        y = call("Conv", R(x), R(w), auto_pad=auto_pad, strides=[2] * (len(shape) - 2))
        nd = len(shape) - 2
        pads = []
        for i in range(nd):
            n, k = shape[2 + i], wshape[2 + i]
            if auto_pad == "VALID":
                pads.append((0, 0))
                continue
            total = max(0, (math.ceil(n / 2) - 1) * 2 + k - n)
            lo = total // 2 if auto_pad == "SAME_UPPER" else total - total // 2
            pads.append((lo, total - lo))
        flat = [v for p in reversed(pads) for v in p]
        conv = (TF.conv1d, TF.conv2d, TF.conv3d)[nd - 1]
        close(y, conv(TF.pad(T(x), flat), T(w), stride=2))


def test_conv_gradients_match_torch():
    x, w = randn(1, 3, 6, 6), randn(4, 3, 3, 3)
    xr, wr = R(x).requires_grad_(), R(w).requires_grad_()
    call("Conv", xr, wr, pads=[0, 1, 1, 0]).sum().backward()
    xt, wt = T(x).requires_grad_(), T(w).requires_grad_()
    TF.conv2d(TF.pad(xt, (1, 0, 0, 1)), wt).sum().backward()
    close(xr.grad, xt.grad)
    close(wr.grad, wt.grad)


@pytest.mark.parametrize("attrs,torch_kw", [
    (dict(strides=[2, 2], output_padding=[1, 1]), dict(stride=2, output_padding=1)),
    (dict(strides=[2, 3], pads=[1, 1, 1, 1], dilations=[2, 1]), dict(stride=(2, 3), padding=1, dilation=(2, 1))),
])
def test_conv_transpose_matches_torch(attrs, torch_kw):
    x, w, b = randn(1, 4, 5, 4), randn(4, 3, 3, 3), randn(3)
    close(call("ConvTranspose", R(x), R(w), R(b), **attrs), TF.conv_transpose2d(T(x), T(w), T(b), **torch_kw))


def test_conv_transpose_output_shape_and_asymmetric_pads():
    x, w, b = randn(1, 2, 3, 3), randn(2, 2, 3, 3), randn(2)
    full = TF.conv_transpose2d(T(x), T(w), None, stride=2)           # 7x7
    y = call("ConvTranspose", R(x), R(w), R(b), strides=[2, 2], pads=[1, 0, 0, 2])
    close(y, full[:, :, 1:, :5] + T(b).reshape(1, -1, 1, 1))
    y = call("ConvTranspose", R(x), R(w), R(b), strides=[2, 2], output_shape=[9, 8])
    want = TF.pad(full, (0, 1, 1, 1)) + T(b).reshape(1, -1, 1, 1)   # total padding -2 / -1
    assert list(y.shape) == [1, 2, 9, 8]
    close(y, want)


def test_max_pool_indices_are_global_and_match_torch():
    x = randn(2, 3, 7, 6)
    y, idx = call("MaxPool", R(x), outputs=2, kernel_shape=[3, 2], strides=[2, 2], pads=[1, 0, 1, 0])
    yt, it = TF.max_pool2d(T(x), (3, 2), (2, 2), padding=(1, 0), return_indices=True)
    close(y, yt)
    offs = torch.arange(6).reshape(2, 3, 1, 1) * 42
    np.testing.assert_array_equal(idx.numpy(), (it + offs).numpy())
    # storage_order=1: column-major position inside each plane
    _, idx_c = call("MaxPool", R(x), outputs=2, kernel_shape=[3, 2], strides=[2, 2],
                    pads=[1, 0, 1, 0], storage_order=1)
    h, w = it // 6, it % 6
    np.testing.assert_array_equal(idx_c.numpy(), (h + w * 7 + offs).numpy())


def test_max_pool_ceil_dilation_and_int_dtype():
    x = randn(1, 2, 9, 9)
    y = call("MaxPool", R(x), kernel_shape=[3, 3], strides=[2, 2], dilations=[2, 1], ceil_mode=1)
    close(y, TF.max_pool2d(T(x), 3, 2, dilation=(2, 1), ceil_mode=True))
    xi = rng.integers(0, 255, (1, 1, 5, 5)).astype(np.uint8)
    yi = call("MaxPool", R(xi), kernel_shape=[2, 2], pads=[1, 1, 1, 1], strides=[2, 2])
    want = TF.max_pool2d(T(xi.astype(np.float32)), 2, 2, padding=1)
    assert yi.dtype == rt.uint8
    np.testing.assert_array_equal(yi.numpy(), want.numpy().astype(np.uint8))


@pytest.mark.parametrize("include_pad", [0, 1])
@pytest.mark.parametrize("ceil", [0, 1])
def test_average_pool_matches_torch(include_pad, ceil):
    x = randn(1, 2, 8, 7)
    y = call("AveragePool", R(x), kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
             count_include_pad=include_pad, ceil_mode=ceil)
    close(y, TF.avg_pool2d(T(x), 3, 2, 1, ceil_mode=bool(ceil), count_include_pad=bool(include_pad)))


def test_average_and_lp_pool_with_dilations():
    x = randn(1, 2, 9, 9)
    y = call("AveragePool", R(x), kernel_shape=[2, 2], dilations=[2, 2])
    cols = TF.unfold(T(x), 2, dilation=2).reshape(1, 2, 4, 7, 7)
    close(y, cols.mean(2))
    y = call("LpPool", R(x), kernel_shape=[2, 2], dilations=[2, 2], p=3)
    close(y, (cols.abs() ** 3).sum(2) ** (1 / 3))
    close(call("LpPool", R(x), kernel_shape=[3, 3], strides=[2, 2], p=2),
          TF.lp_pool2d(T(x).abs(), 2, 3, 2))


def test_global_pools_and_max_unpool_roundtrip():
    x = randn(2, 3, 4, 6)
    close(call("GlobalAveragePool", R(x)), T(x).mean((2, 3), keepdim=True))
    close(call("GlobalMaxPool", R(x)), T(x).amax((2, 3), keepdim=True))
    close(call("GlobalLpPool", R(x), p=2), T(x).pow(2).sum((2, 3), keepdim=True).sqrt())
    y, idx = call("MaxPool", R(x), outputs=2, kernel_shape=[2, 2], strides=[2, 2])
    up = call("MaxUnpool", y, idx, kernel_shape=[2, 2], strides=[2, 2])
    yt, it = TF.max_pool2d(T(x), 2, 2, return_indices=True)
    close(up, TF.max_unpool2d(yt, it, 2, 2))
    with pytest.raises(InvalidArgument):
        call("MaxUnpool", y, idx + 10_000, kernel_shape=[2, 2], strides=[2, 2])


def test_normalizations_match_torch():
    x = randn(2, 6, 5, 4)
    s, b, m, v = randn(6), randn(6), randn(6), np.abs(randn(6)) + 0.5
    close(call("BatchNormalization", R(x), R(s), R(b), R(m), R(v), epsilon=1e-3),
          TF.batch_norm(T(x), T(m), T(v), T(s), T(b), False, 0.0, 1e-3))
    y, rm, rv = call("BatchNormalization", R(x), R(s), R(b), R(m), R(v), outputs=3, training_mode=1,
                     momentum=0.8)
    tm, tv = T(m).clone(), T(v).clone()
    close(y, TF.batch_norm(T(x), None, None, T(s), T(b), True, 0.0, 1e-5))
    close(rm, tm * 0.8 + T(x).mean((0, 2, 3)) * 0.2)
    close(rv, tv * 0.8 + T(x).var((0, 2, 3), unbiased=False) * 0.2)
    close(call("InstanceNormalization", R(x), R(s), R(b)), TF.instance_norm(T(x), weight=T(s), bias=T(b)))
    close(call("GroupNormalization", R(x), R(s), R(b), opset=21, num_groups=3),
          TF.group_norm(T(x), 3, T(s), T(b)))
    close(call("LRN", R(x), size=3, alpha=1e-2, beta=0.6, bias=2.0),
          TF.local_response_norm(T(x), 3, 1e-2, 0.6, 2.0))
    close(call("LpNormalization", R(x), axis=1, p=2), TF.normalize(T(x), 2.0, 1))
    close(call("LpNormalization", R(x), axis=-1, p=1), TF.normalize(T(x), 1.0, -1))


def test_layer_normalization_outputs_and_gradient():
    x, s, b = randn(3, 4, 5), randn(4, 5), randn(4, 5)
    xr = R(x).requires_grad_()
    y, mean, inv = call("LayerNormalization", xr, R(s), R(b), outputs=3, axis=1, epsilon=1e-4)
    xt = T(x).requires_grad_()
    want = TF.layer_norm(xt, (4, 5), T(s), T(b), 1e-4)
    close(y, want)
    assert list(mean.shape) == [3, 1, 1] and list(inv.shape) == [3, 1, 1]
    close(inv, 1 / torch.sqrt(T(x).var((1, 2), unbiased=False, keepdim=True) + 1e-4))
    (y * y).sum().backward()
    (want * want).sum().backward()
    close(xr.grad, xt.grad, rtol=1e-3, atol=1e-4)


def test_gemm_einsum_and_dropout():
    a, b, c = randn(4, 3), randn(5, 4), randn(5)
    close(call("Gemm", R(a), R(b), R(c), transA=1, transB=1, alpha=0.5, beta=2.0),
          0.5 * T(a).t() @ T(b).t() + 2.0 * T(c))
    x = randn(2, 3, 3)
    close(call("Einsum", R(x), equation="bii -> bi"), torch.einsum("bii->bi", T(x)))
    y, mask = call("Dropout", R(x), opset=13, outputs=2)
    close(y, T(x))
    assert mask.dtype == rt.bool and bool(mask.all())
    y, mask = call("Dropout", R(x), R(np.array(0.25, np.float32)), R(np.array(True)), opset=13,
                   outputs=2, seed=3)
    kept = mask.numpy()
    assert 0 < kept.sum() < kept.size
    np.testing.assert_allclose(y.numpy(), np.where(kept, x / 0.75, 0), rtol=1e-6)


@pytest.mark.parametrize("mode,tmode", [("linear", "bilinear"), ("cubic", "bicubic"),
                                         ("nearest", "nearest-exact")])
@pytest.mark.parametrize("scale", [1.75, 0.6])
def test_resize_matches_torch_interpolate(mode, tmode, scale):
    x = randn(1, 2, 7, 9)
    kw = dict(mode=mode, coordinate_transformation_mode="half_pixel")
    if mode == "nearest":
        kw.update(coordinate_transformation_mode="half_pixel", nearest_mode="round_prefer_ceil")
    y = call("Resize", R(x), None, R(np.array([1, 1, scale, scale], np.float32)), **kw)
    want = TF.interpolate(T(x), scale_factor=scale, mode=tmode,
                          **({} if mode == "nearest" else {"align_corners": False}))
    close(y, want, rtol=1e-4, atol=1e-4)


def test_resize_antialias_sizes_axes_and_gradient():
    x = randn(1, 1, 12, 10)
    xr = R(x).requires_grad_()
    # torch's antialias filter drops taps outside the image: ONNX's exclude_outside=1
    y = call("Resize", xr, None, None, R(np.array([5, 4], np.int64)), mode="linear", antialias=1,
             axes=[2, 3], exclude_outside=1)
    xt = T(x).requires_grad_()
    want = TF.interpolate(xt, size=(5, 4), mode="bilinear", antialias=True, align_corners=False)
    close(y, want, atol=1e-5)
    y.sum().backward()
    want.sum().backward()
    close(xr.grad, xt.grad, atol=1e-5)
    y = call("Resize", R(x), None, None, R(np.array([1, 1, 5, 5], np.int64)), mode="linear",
             coordinate_transformation_mode="align_corners")
    close(y, TF.interpolate(T(x), size=(5, 5), mode="bilinear", align_corners=True))


def test_resize_errors():
    x = R(randn(1, 1, 4, 4))
    with pytest.raises(InvalidArgument):
        call("Resize", x, None, R(np.array([1, 1, 2, 2], np.float32)), R(np.array([1, 1, 8, 8], np.int64)))
    with pytest.raises(InvalidArgument):
        call("Resize", x, None, R(np.array([1, 2], np.float32)))
    with pytest.raises(InvalidArgument):
        call("Resize", x, None, R(np.array([1, 1, 2, 2], np.float32)), mode="area")
    with pytest.raises(InvalidArgument):
        call("Resize", x, None, R(np.array([1, 1, -2, 2], np.float32)))


@pytest.mark.parametrize("mode,tmode", [("linear", "bilinear"), ("nearest", "nearest"),
                                         ("cubic", "bicubic")])
@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [0, 1])
def test_grid_sample_matches_torch(mode, tmode, padding, align):
    if mode == "cubic" and padding == "border":
        pytest.skip("torch pads each bicubic tap, ONNX clamps the coordinate (ONNX node cases cover it)")
    x = randn(2, 3, 5, 6)
    grid = (rng.random((2, 4, 7, 2)).astype(np.float32) * 2.6 - 1.3)
    y = call("GridSample", R(x), R(grid), mode=mode, padding_mode=padding, align_corners=align)
    want = TF.grid_sample(T(x), T(grid), mode=tmode, padding_mode=padding, align_corners=bool(align))
    close(y, want, rtol=1e-4, atol=1e-4)


def test_grid_sample_3d_and_gradient_wrt_grid():
    x = randn(1, 2, 4, 5, 3)
    grid = rng.random((1, 2, 3, 4, 3)).astype(np.float32) * 1.8 - 0.9
    gr = R(grid).requires_grad_()
    y = call("GridSample", R(x), gr, mode="linear")
    gt = T(grid).requires_grad_()
    want = TF.grid_sample(T(x), gt, mode="bilinear", align_corners=False)
    close(y, want)
    y.sum().backward()
    want.sum().backward()
    close(gr.grad, gt.grad, rtol=1e-3, atol=1e-4)
    with pytest.raises(ShapeError):
        call("GridSample", R(x), R(grid[..., :2]))


@pytest.mark.parametrize("align", [0, 1])
def test_affine_grid_matches_torch(align):
    theta = randn(2, 2, 3)
    y = call("AffineGrid", R(theta), R(np.array([2, 3, 4, 5], np.int64)), align_corners=align)
    close(y, TF.affine_grid(T(theta), [2, 3, 4, 5], align_corners=bool(align)))
    theta3 = randn(1, 3, 4)
    y = call("AffineGrid", R(theta3), R(np.array([1, 1, 2, 3, 4], np.int64)), align_corners=align)
    close(y, TF.affine_grid(T(theta3), [1, 1, 2, 3, 4], align_corners=bool(align)))


def test_attention_matches_torch_sdpa():
    q, k, v = randn(2, 4, 5, 8), randn(2, 2, 6, 8), randn(2, 2, 6, 8)
    y, pk, pv, qk = call("Attention", R(q), R(k), R(v), opset=23, outputs=4, is_causal=1)
    kt, vt = T(k).repeat_interleave(2, 1), T(v).repeat_interleave(2, 1)
    mask = torch.ones(5, 6, dtype=torch.bool).tril()
    close(y, TF.scaled_dot_product_attention(T(q), kt, vt, attn_mask=mask))
    close(qk, T(q) @ kt.transpose(-1, -2) / math.sqrt(8))
    close(pk, T(k))
    x3 = randn(2, 5, 12)
    y3 = call("Attention", R(x3), R(x3), R(x3), opset=23, q_num_heads=3, kv_num_heads=3)[0]
    h = T(x3).reshape(2, 5, 3, 4).transpose(1, 2)
    close(y3, TF.scaled_dot_product_attention(h, h, h).transpose(1, 2).reshape(2, 5, 12))


def test_bad_attributes_give_clear_errors():
    x, w = R(randn(1, 2, 5, 5)), R(randn(3, 2, 3, 3))
    with pytest.raises(InvalidArgument, match="auto_pad"):
        call("Conv", x, w, auto_pad="SIDEWAYS")
    with pytest.raises(InvalidArgument, match="pads"):
        call("Conv", x, w, pads=[1, 1])
    with pytest.raises(InvalidArgument, match="strides"):
        call("Conv", x, w, strides=[0, 1])
    with pytest.raises(ShapeError):
        call("Conv", x, R(randn(3, 2, 3)))
    with pytest.raises(InvalidArgument, match="kernel_shape"):
        call("MaxPool", x, kernel_shape=[2])
    with pytest.raises(ShapeError, match="larger"):
        call("AveragePool", x, kernel_shape=[7, 7])
    with pytest.raises(UnsupportedError):
        call("Conv", R(randn(1, 1, 2, 2, 2, 2)), R(randn(1, 1, 1, 1, 1, 1)))
    with pytest.raises(InvalidArgument, match="num_groups"):
        call("GroupNormalization", R(randn(1, 6, 2)), R(randn(6)), R(randn(6)), num_groups=4)
