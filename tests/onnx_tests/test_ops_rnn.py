"""ONNX `rnn` operator family (RNN, GRU, LSTM): ONNX's node cases, torch's
recurrent layers as the oracle (weights re-ordered into ONNX's gate order),
sequence_lens against packed sequences, and gradients."""
import numpy as np
import pytest
import torch

from rustorch._errors import InvalidArgument, ShapeError, UnsupportedError

from .test_ops_nn import R, T, call, check_family, close

RNN_OPS = {"RNN", "GRU", "LSTM"}
rng = np.random.default_rng(1)


def test_onnx_node_cases_of_the_rnn_family():
    total, passed = check_family(RNN_OPS)
    assert total >= 18 and passed == total


def _perm(chunks, order):
    """Re-order torch's gate blocks into ONNX's order."""
    return torch.cat([chunks[i] for i in order])


def onnx_weights(mod, kind, num_dir):
    """torch RNN/GRU/LSTM parameters -> ONNX W, R, B."""
    order = {"RNN": [0], "GRU": [1, 0, 2], "LSTM": [0, 3, 1, 2]}[kind]   # z r h / i o f c
    ws, rs, bs = [], [], []
    for d in range(num_dir):
        sfx = "_reverse" if d else ""
        g = len(order)
        w = getattr(mod, f"weight_ih_l0{sfx}").detach().chunk(g)
        r = getattr(mod, f"weight_hh_l0{sfx}").detach().chunk(g)
        bi = getattr(mod, f"bias_ih_l0{sfx}").detach().chunk(g)
        bh = getattr(mod, f"bias_hh_l0{sfx}").detach().chunk(g)
        ws.append(_perm(w, order))
        rs.append(_perm(r, order))
        bs.append(torch.cat([_perm(bi, order), _perm(bh, order)]))
    return [R(torch.stack(t).numpy()) for t in (ws, rs, bs)]


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("bidir", [False, True])
@pytest.mark.parametrize("layout", [0, 1])
def test_matches_torch_layers(kind, bidir, layout):
    torch.manual_seed(0)
    mod = getattr(torch.nn, kind)(5, 4, bidirectional=bidir, batch_first=bool(layout))
    nd = 2 if bidir else 1
    x = rng.standard_normal((3, 6, 5) if layout else (6, 3, 5)).astype(np.float32)
    h0 = rng.standard_normal((nd, 3, 4)).astype(np.float32)
    c0 = rng.standard_normal((nd, 3, 4)).astype(np.float32)
    w, r, b = onnx_weights(mod, kind, nd)
    state = (lambda a: R(a.transpose(1, 0, 2))) if layout else R
    inputs = [R(x), w, r, b, None, state(h0)]
    attrs = dict(hidden_size=4, layout=layout, direction="bidirectional" if bidir else "forward")
    if kind == "GRU":
        attrs["linear_before_reset"] = 1          # torch's GRU
    if kind == "LSTM":
        inputs.append(state(c0))
        outs = call(kind, *inputs, outputs=3, **attrs)
        want, (hn, cn) = mod(T(x), (T(h0), T(c0)))
    else:
        outs = call(kind, *inputs, outputs=2, **attrs)
        want, hn = mod(T(x), T(h0))
    y = outs[0]
    # ONNX Y: (seq, dir, batch, hidden) / (batch, seq, dir, hidden); torch concatenates directions
    y = y if layout else y.permute(0, 2, 1, 3)
    y = y.reshape(list(want.shape))
    close(y, want)
    to_l = (lambda t: t.transpose(0, 1)) if layout else (lambda t: t)
    close(outs[1], to_l(hn))
    if kind == "LSTM":
        close(outs[2], to_l(cn))


@pytest.mark.parametrize("kind", ["GRU", "LSTM"])
def test_sequence_lens_match_packed_sequences(kind):
    torch.manual_seed(1)
    mod = getattr(torch.nn, kind)(3, 2, bidirectional=True)
    x = rng.standard_normal((5, 3, 3)).astype(np.float32)
    lens = [5, 2, 3]
    w, r, b = onnx_weights(mod, kind, 2)
    attrs = dict(direction="bidirectional")
    if kind == "GRU":
        attrs["linear_before_reset"] = 1
    outs = call(kind, R(x), w, r, b, R(np.array(lens, np.int32)), outputs=2, **attrs)
    packed = torch.nn.utils.rnn.pack_padded_sequence(T(x), lens, enforce_sorted=False)
    py, hn = mod(packed)
    hn = hn[0] if kind == "LSTM" else hn
    want, _ = torch.nn.utils.rnn.pad_packed_sequence(py, total_length=5)
    close(outs[0].permute(0, 2, 1, 3).reshape(5, 3, 4), want)
    close(outs[1], hn)


def test_lstm_peepholes_input_forget_clip_and_activations():
    x = rng.standard_normal((4, 2, 3)).astype(np.float32)
    w = rng.standard_normal((1, 8, 3)).astype(np.float32)
    r = rng.standard_normal((1, 8, 2)).astype(np.float32)
    p = rng.standard_normal((1, 6)).astype(np.float32)
    y, h, _ = call("LSTM", R(x), R(w), R(r), None, None, None, None, R(p), outputs=2,
                input_forget=1, clip=0.8, activations=["HardSigmoid", "Tanh", "Softsign"],
                activation_alpha=[0.3], activation_beta=[0.4])
    # straight-line numpy reference of the ONNX equations
    hs, cs = np.zeros((2, 2)), np.zeros((2, 2))
    hsig = lambda v: np.clip(0.3 * v + 0.4, 0, 1)   # noqa: E731
    ys = []
    for t in range(4):
        g = x[t] @ w[0].T + hs @ r[0].T
        gi, go, gf, gc = np.split(g, 4, axis=1)
        i = hsig(np.clip(gi + p[0, :2] * cs, -0.8, 0.8))
        c = np.tanh(np.clip(gc, -0.8, 0.8))
        cs = (1 - i) * cs + i * c
        o = hsig(np.clip(go + p[0, 2:4] * cs, -0.8, 0.8))
        hs = o * (cs / (1 + np.abs(cs)))
        ys.append(hs)
    np.testing.assert_allclose(y.numpy()[:, 0], np.stack(ys), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h.numpy()[0], hs, rtol=1e-5, atol=1e-6)


def test_gradients_flow_like_torch():
    torch.manual_seed(2)
    mod = torch.nn.LSTM(3, 4)
    x = rng.standard_normal((5, 2, 3)).astype(np.float32)
    w, r, b = onnx_weights(mod, "LSTM", 1)
    w.requires_grad_()
    xr = R(x).requires_grad_()
    y = call("LSTM", xr, w, r, b, outputs=1)[0]
    (y * y).sum().backward()
    xt = T(x).requires_grad_()
    yt, _ = mod(xt)
    (yt * yt).sum().backward()
    close(xr.grad, xt.grad)
    gw = _perm(mod.weight_ih_l0.grad.chunk(4), [0, 3, 1, 2])
    close(w.grad[0], gw)


def test_bad_inputs_give_clear_errors():
    x = R(rng.standard_normal((4, 2, 3)).astype(np.float32))
    w = R(rng.standard_normal((1, 4, 3)).astype(np.float32))
    r = R(rng.standard_normal((1, 4, 4)).astype(np.float32))
    with pytest.raises(InvalidArgument, match="direction"):
        call("RNN", x, w, r, direction="sideways")
    with pytest.raises(ShapeError):
        call("RNN", x, w, r, direction="bidirectional")
    with pytest.raises(ShapeError, match="hidden_size"):
        call("RNN", x, w, r, hidden_size=5)
    with pytest.raises(InvalidArgument, match="sequence_lens"):
        call("RNN", x, w, r, None, R(np.array([7, 1], np.int32)))
    with pytest.raises(UnsupportedError, match="Gelu"):
        call("RNN", x, w, r, activations=["Gelu"])
    with pytest.raises(ShapeError):
        call("GRU", x, w, r)
    with pytest.raises(ShapeError, match="initial_h"):
        call("RNN", x, w, r, None, None, R(np.zeros((1, 3, 4), np.float32)))
