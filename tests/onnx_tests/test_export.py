"""rustorch.onnx.export: traced models pass onnx.checker and onnxruntime agrees with rustorch."""
import io

import numpy as np
import pytest

import rustorch as rt
import rustorch.onnx
from rustorch import nn
from rustorch.nn import functional as F

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

TOL = dict(rtol=1e-5, atol=1e-5)


def _export(model, args, **kw):
    buf = io.BytesIO()
    rt.onnx.export(model, args, buf, **kw)
    data = buf.getvalue()
    onnx.checker.check_model(onnx.load_from_string(data), full_check=True)
    return data


def _ort(data, feeds):
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    return sess.run(None, {n: v.numpy() for n, v in zip(names, _flat(feeds))})


def _flat(out):
    if isinstance(out, rt.Tensor):
        return [out]
    return [t for o in out for t in _flat(o)]


def _check(model, args, other_args=None, load_back=True, **kw):
    """Export, compare onnxruntime with rustorch on ``args`` (and ``other_args``: other sizes)."""
    model.eval()
    data = _export(model, args, **kw)
    for feeds in [args] + ([other_args] if other_args is not None else []):
        with rt.no_grad():
            want = [t.numpy() for t in _flat(model(*feeds))]
        got = _ort(data, feeds)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape
            np.testing.assert_allclose(g, w, **TOL)
    if load_back:
        _check_load_back(data, model, args)
    return data


def _check_load_back(data, model, args):
    try:
        loaded = rt.onnx.load(data)
    except (ImportError, ModuleNotFoundError):
        return
    with rt.no_grad():
        want = [t.numpy() for t in _flat(model(*args))]
        got = _flat(loaded(*_flat(args)))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w, **TOL)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.avg_pool2d(self.conv2(x).relu(), 2)
        x = x.view(x.size(0), -1)
        return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)


class ResBlock(nn.Module):
    def __init__(self, c=4):
        super().__init__()
        self.c1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.b1 = nn.BatchNorm2d(c)
        self.c2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.b2 = nn.BatchNorm2d(c)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 3))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return self.head(F.relu(x + y))


def _randomize_bn(model):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(rt.randn(m.num_features) * 0.1)
            m.running_var.copy_(rt.rand(m.num_features) + 0.5)


@pytest.mark.parametrize("opset", [13, 15, 17, 19])
def test_lenet_dynamic_batch(opset):
    rt.manual_seed(0)
    data = _check(LeNet(), (rt.randn(2, 1, 28, 28),), (rt.randn(5, 1, 28, 28),),
                  opset_version=opset, dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    m = onnx.load_from_string(data)
    assert m.opset_import[0].version == opset
    assert m.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert {i.name for i in m.graph.initializer} >= {"conv1.weight", "conv1.bias", "fc2.weight"}


@pytest.mark.parametrize("opset", [13, 14, 16, 18])
def test_resnet_block_batchnorm_eval(opset):
    rt.manual_seed(1)
    model = ResBlock()
    _randomize_bn(model)
    _check(model, (rt.randn(2, 4, 8, 8),), (rt.randn(3, 4, 8, 8),), opset_version=opset,
           dynamic_axes={"input": [0], "output": [0]})
    names = {i.name for i in onnx.load_from_string(_export(model, (rt.randn(1, 4, 8, 8),))).graph.initializer}
    assert {"b1.running_mean", "b1.running_var", "b1.weight"} <= names


def test_mlp_static_and_activations():
    rt.manual_seed(2)
    model = nn.Sequential(nn.Linear(6, 16), nn.GELU(), nn.Linear(16, 16), nn.SiLU(), nn.Dropout(0.3),
                          nn.Linear(16, 8), nn.LeakyReLU(0.2), nn.Tanh(), nn.Linear(8, 4), nn.Sigmoid())
    _check(model, (rt.randn(3, 6),))


class Glue(nn.Module):
    """Tensor-level ops between layers: indexing, cat/stack, reductions, shape math."""
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self.norm = nn.LayerNorm(4)

    def forward(self, x):
        b, t, c = x.shape
        y = self.norm(self.lin(x)) * 2.0 - x.mean(dim=1, keepdim=True)
        z = rt.cat([y, x[:, :1].expand(b, t, c)], dim=-1)
        w = rt.stack([z.sum(-1), z.amax(-1)], dim=1).transpose(1, 2)
        return w.reshape(b, -1).softmax(-1), z[:, -1, 1:3].clamp(min=-0.5, max=0.5)


@pytest.mark.parametrize("opset", [13, 17, 18, 19])
def test_glue_ops_dynamic(opset):
    rt.manual_seed(3)
    _check(Glue(), (rt.randn(2, 5, 4),), (rt.randn(3, 7, 4),), opset_version=opset,
           dynamic_axes={"input": {0: "b", 1: "t"}})


@pytest.mark.parametrize("cls,kw", [
    (nn.LSTM, dict(num_layers=1)),
    (nn.LSTM, dict(num_layers=2, bidirectional=True, batch_first=True)),
    (nn.GRU, dict(num_layers=2)),
    (nn.GRU, dict(num_layers=1, bidirectional=True, batch_first=True)),
    (nn.RNN, dict(num_layers=2, nonlinearity="relu")),
])
@pytest.mark.parametrize("opset", [13, 17, 19])
def test_rnns(cls, kw, opset):
    rt.manual_seed(4)
    model = cls(5, 6, **kw)
    bf = kw.get("batch_first", False)
    shape = (3, 7, 5) if bf else (7, 3, 5)
    other = (2, 4, 5) if bf else (4, 2, 5)
    dyn = {0: "batch", 1: "seq"} if bf else {0: "seq", 1: "batch"}
    _check(model, (rt.randn(*shape),), (rt.randn(*other),), opset_version=opset,
           dynamic_axes={"input": dyn})


def test_lstm_with_initial_state():
    rt.manual_seed(5)
    model = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    h0, c0 = rt.randn(4, 2, 4), rt.randn(4, 2, 4)
    _check(model, (rt.randn(6, 2, 3), (h0, c0)), input_names=["x", "h0", "c0"],
           output_names=["y", "hn", "cn"])


class TinyTransformer(nn.Module):
    def __init__(self, vocab=11, d=8, heads=2, act="gelu"):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        layer = nn.TransformerEncoderLayer(d, heads, dim_feedforward=16, dropout=0.1, activation=act,
                                           batch_first=True)
        self.enc = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.out = nn.Linear(d, vocab)

    def forward(self, tokens, pad_mask):
        return self.out(self.enc(self.emb(tokens), src_key_padding_mask=pad_mask))


@pytest.mark.parametrize("opset", [14, 17, 19])
def test_transformer_encoder_dynamic(opset):
    rt.manual_seed(6)
    model = TinyTransformer()
    tok = rt.randint(0, 11, (2, 5))
    mask = rt.tensor([[False] * 5, [False] * 3 + [True] * 2])
    tok2 = rt.randint(0, 11, (3, 7))
    mask2 = rt.zeros((3, 7), dtype=rt.bool)
    mask2[1, 5:] = True
    _check(model, (tok, mask), (tok2, mask2), opset_version=opset, input_names=["tokens", "mask"],
           dynamic_axes={"tokens": {0: "b", 1: "t"}, "mask": {0: "b", 1: "t"}, "output": {0: "b", 1: "t"}})


def test_transformer_encoder_causal_mask_relu_seq_first():
    rt.manual_seed(7)
    layer = nn.TransformerEncoderLayer(8, 4, dim_feedforward=12, activation="relu", norm_first=True)
    model = nn.TransformerEncoder(layer, num_layers=1, enable_nested_tensor=False)
    causal = nn.Transformer.generate_square_subsequent_mask(5)
    _check(model, (rt.randn(5, 2, 8), causal))


def test_multihead_attention_weights():
    rt.manual_seed(8)
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    q, kv = rt.randn(2, 3, 8), rt.randn(2, 4, 8)
    _check(mha, (q, kv, kv))


def test_conv1d_convtranspose_groupnorm():
    rt.manual_seed(9)
    model = nn.Sequential(nn.Conv1d(3, 4, 3, stride=2, padding=1), nn.GroupNorm(2, 4), nn.ReLU(),
                          nn.ConvTranspose1d(4, 2, 4, stride=2, padding=1), nn.MaxPool1d(2))
    _check(model, (rt.randn(2, 3, 16),), (rt.randn(4, 3, 16),), dynamic_axes={"input": [0]})


def test_embedding_bag_of_words():
    rt.manual_seed(10)
    model = nn.Sequential(nn.Embedding(20, 6), nn.Flatten(), nn.Linear(18, 2))
    _check(model, (rt.randint(0, 20, (4, 3)),), (rt.randint(0, 20, (2, 3)),), dynamic_axes={"input": [0]})


def test_unsupported_op_names_op_and_module():
    class Bad(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Sequential(nn.Linear(3, 3), Cum())

        def forward(self, x):
            return self.inner(x)

    class Cum(nn.Module):
        def forward(self, x):
            return x.cummax(1)[0]
    with pytest.raises(rt.UnsupportedError, match=r"cummax.*inner\.1"):
        rt.onnx.export(Bad(), (rt.randn(2, 3),), io.BytesIO())


def test_untraced_computation_is_caught():
    class Sneaky(nn.Module):
        def forward(self, x):
            y = rt.Tensor.__mul__.__wrapped__(x, 2.0) if hasattr(rt.Tensor.__mul__, "__wrapped__") else x * 2
            return y + 1
    with pytest.raises(rt.UnsupportedError, match="did not record"):
        rt.onnx.export(Sneaky(), (rt.randn(2, 3),), io.BytesIO())


def test_bad_arguments():
    m = nn.Linear(2, 2)
    with pytest.raises(rt.UnsupportedError, match="opset_version"):
        rt.onnx.export(m, (rt.randn(1, 2),), io.BytesIO(), opset_version=9)
    with pytest.raises(rt.InvalidArgument, match="nope"):
        rt.onnx.export(m, (rt.randn(1, 2),), io.BytesIO(), dynamic_axes={"nope": [0]})


def test_export_restores_model_and_patches(tmp_path):
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    model.train()
    path = tmp_path / "m.onnx"
    rt.onnx.export(model, rt.randn(1, 2), str(path))
    assert model.training and all(p.requires_grad for p in model.parameters())
    assert not hasattr(rt.Tensor.__add__, "__wrapped__") and not hasattr(F.relu, "__wrapped__")
    assert onnx.load(str(path)).graph.node[0].op_type == "Gemm"
