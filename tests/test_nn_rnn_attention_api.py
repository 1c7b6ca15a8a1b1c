"""Recurrent / attention / transformer modules: state-dict names and shapes,
reprs and error types equal torch's (the numbers are in tests/nn/cases_rnn.py
and tests/nn/cases_attention.py)."""
import copy
import warnings

import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")

import rustorch as rt  # noqa: E402

MAKERS = {
    "lstm_proj_bidir_nobias": lambda nn: nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2, bias=False),
    "gru_2layer": lambda nn: nn.GRU(3, 4, 2, batch_first=True, dropout=0.2),
    "rnn_relu_bidir": lambda nn: nn.RNN(3, 4, 2, "relu", bidirectional=True),
    "cells": lambda nn: nn.ModuleList([nn.RNNCell(2, 3, nonlinearity="relu"), nn.LSTMCell(2, 3),
                                       nn.GRUCell(2, 3, bias=False)]),
    "mha_kdim_bias_kv": lambda nn: nn.MultiheadAttention(4, 2, kdim=3, vdim=5, add_bias_kv=True, bias=False),
    "mha": lambda nn: nn.MultiheadAttention(4, 2, batch_first=True),
    "transformer": lambda nn: nn.Transformer(8, 2, 2, 1, 16, activation="gelu", bias=False),
    "encoder": lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2),
}


@pytest.mark.parametrize("name", list(MAKERS))
def test_state_dict_and_repr_match_torch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, r = MAKERS[name](torch.nn), MAKERS[name](rt.nn)
    ts = [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    rs = [(k, tuple(v.shape)) for k, v in r.state_dict().items()]
    assert rs == ts
    assert repr(r) == repr(t)
    # torch's weights load, and a deep copy keeps them
    r.load_state_dict({k: rt.tensor(v.tolist()) for k, v in t.state_dict().items()})
    r2 = copy.deepcopy(r)
    assert [k for k, _ in r2.named_parameters()] == [k for k, _ in t.named_parameters()]


def test_rnn_default_init_range():
    m = rt.nn.LSTM(3, 16, num_layers=2, bidirectional=True, proj_size=4)
    bound = 1 / 16 ** 0.5
    for _, p in m.named_parameters():
        assert float(p.abs().max()) <= bound


def test_generate_square_subsequent_mask():
    want = torch.nn.Transformer.generate_square_subsequent_mask(4)
    got = rt.nn.Transformer.generate_square_subsequent_mask(4)
    assert got.dtype == rt.float32 and got.tolist() == want.tolist()


def test_rnn_dropout_only_in_training():
    m = rt.nn.GRU(3, 4, num_layers=2, dropout=0.5)
    x = rt.randn(4, 2, 3)
    m.eval()
    a, b = m(x)[0], m(x)[0]
    assert a.tolist() == b.tolist()


ERRORS = [
    ("lstm_bad_input_size", lambda nn, m: nn.LSTM(3, 4)(m.randn(5, 2, 2)), RuntimeError),
    ("gru_bad_hidden", lambda nn, m: nn.GRU(3, 4)(m.randn(5, 2, 3), m.randn(2, 2, 4)), RuntimeError),
    ("gru_proj", lambda nn, m: nn.GRU(3, 4, proj_size=2), ValueError),
    ("rnn_bad_nonlinearity", lambda nn, m: nn.RNN(3, 4, nonlinearity="sigmoid"), ValueError),
    ("lstm_4d", lambda nn, m: nn.LSTM(3, 4)(m.randn(2, 3, 3, 3)), ValueError),
    ("cell_3d", lambda nn, m: nn.GRUCell(3, 4)(m.randn(2, 3, 3)), ValueError),
    ("proj_too_big", lambda nn, m: nn.LSTM(3, 4, proj_size=4), ValueError),
    ("dropout_range", lambda nn, m: nn.LSTM(3, 4, dropout=1.5), ValueError),
    ("mha_mask_shape", lambda nn, m: nn.MultiheadAttention(4, 2)(*[m.randn(3, 2, 4)] * 3,
                                                                 attn_mask=m.zeros(2, 2)), RuntimeError),
    ("mha_causal_without_mask", lambda nn, m: nn.MultiheadAttention(4, 2)(*[m.randn(3, 2, 4)] * 3,
                                                                          is_causal=True), RuntimeError),
    ("mha_int_mask", lambda nn, m: nn.MultiheadAttention(4, 2)(*[m.randn(3, 2, 4)] * 3,
                                                               key_padding_mask=m.zeros(2, 3, dtype=m.int64)),
     AssertionError),
    ("mha_4d_query", lambda nn, m: nn.MultiheadAttention(4, 2)(*[m.randn(1, 3, 2, 4)] * 3), AssertionError),
    ("sdpa_mask_and_causal", lambda nn, m: nn.functional.scaled_dot_product_attention(
        *[m.randn(2, 3, 4)] * 3, attn_mask=m.ones(3, 3, dtype=m.bool), is_causal=True), RuntimeError),
    ("encoder_bad_activation", lambda nn, m: nn.TransformerEncoderLayer(4, 2, activation="swish"), RuntimeError),
    ("transformer_batch_mismatch", lambda nn, m: nn.Transformer(4, 2, 1, 1, 8)(m.randn(3, 2, 4), m.randn(3, 1, 4)),
     RuntimeError),
]


@pytest.mark.parametrize("name,fn,exc", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_like_torch(name, fn, exc):
    with pytest.raises(exc):
        fn(torch.nn, torch)
    with pytest.raises(exc):
        fn(rt.nn, rt)
