"""Recurrent layers (RNN, LSTM, GRU and cells), padded and packed inputs."""
from .harness import LayerCase, T


def _lib(x):
    """torch or rustorch, whichever ``x`` belongs to."""
    if type(x).__module__.startswith("torch"):
        import torch
        return torch
    import rustorch
    return rustorch


def _packed(lengths, batch_first=False, enforce_sorted=True, unpack=False):
    def call(mod, x, *hx):
        m = _lib(x)
        p = m.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=batch_first,
                                                enforce_sorted=enforce_sorted)
        out, h = mod(p, *hx)
        if unpack:
            out = m.nn.utils.rnn.pad_packed_sequence(out, batch_first=batch_first)
        return out, h
    return call


def _cells(cell, n=3):
    """Run a cell for ``n`` steps, feeding its state back."""
    def call(mod, x, *hx):
        h = hx[0] if len(hx) == 1 else (tuple(hx) if hx else None)
        outs = []
        for t in range(n):
            h = mod(x[t], h)
            outs.append(h)
        return outs
    return call


CASES = []
for _name in ("RNN", "LSTM", "GRU"):
    n = _name.lower()
    CASES += [
        LayerCase(f"{n}_basic", lambda nn, c=_name: getattr(nn, c)(3, 4), [T(4, 2, 3)]),
        LayerCase(f"{n}_2layer_bidir", lambda nn, c=_name: getattr(nn, c)(3, 4, num_layers=2, bidirectional=True),
                  [T(3, 2, 3)]),
        LayerCase(f"{n}_batch_first_nobias", lambda nn, c=_name: getattr(nn, c)(3, 4, batch_first=True, bias=False),
                  [T(2, 3, 3)]),
        LayerCase(f"{n}_unbatched", lambda nn, c=_name: getattr(nn, c)(3, 2, num_layers=2), [T(4, 3)]),
        LayerCase(f"{n}_packed_bidir", lambda nn, c=_name: getattr(nn, c)(3, 2, bidirectional=True),
                  [T(4, 3, 3)], call=_packed([4, 2, 1])),
        LayerCase(f"{n}_packed_unsorted_unpack",
                  lambda nn, c=_name: getattr(nn, c)(3, 2, num_layers=2, bidirectional=True, batch_first=True),
                  [T(3, 4, 3)], call=_packed([2, 4, 1], batch_first=True, enforce_sorted=False, unpack=True)),
        LayerCase(f"{n}_double", lambda nn, c=_name: getattr(nn, c)(2, 3, num_layers=2), [T(3, 2, 2)],
                  double=True),
        LayerCase(f"{n}_cell", lambda nn, c=_name: getattr(nn, c + "Cell")(3, 4), [T(3, 2, 3)],
                  call=_cells(_name)),
        LayerCase(f"{n}_cell_unbatched_nobias", lambda nn, c=_name: getattr(nn, c + "Cell")(3, 2, bias=False),
                  [T(2, 3)], call=_cells(_name, 2)),
    ]

CASES += [
    LayerCase("rnn_relu", lambda nn: nn.RNN(3, 4, 2, "relu"), [T(3, 2, 3)]),
    LayerCase("rnn_relu_kw_h0", lambda nn: nn.RNN(3, 4, nonlinearity="relu", bidirectional=True),
              [T(3, 2, 3), T(2, 2, 4)]),
    LayerCase("rnn_h0_batch_first", lambda nn: nn.RNN(3, 4, num_layers=2, batch_first=True),
              [T(2, 3, 3), T(2, 2, 4)]),
    LayerCase("gru_h0_bidir", lambda nn: nn.GRU(3, 4, num_layers=2, bidirectional=True),
              [T(3, 2, 3), T(4, 2, 4)]),
    LayerCase("gru_unbatched_h0", lambda nn: nn.GRU(3, 4), [T(3, 3), T(1, 4)]),
    LayerCase("lstm_h0_c0", lambda nn: nn.LSTM(3, 4, num_layers=2), [T(3, 2, 3), T(2, 2, 4), T(2, 2, 4)],
              call=lambda mod, x, h, c: mod(x, (h, c))),
    LayerCase("lstm_proj", lambda nn: nn.LSTM(3, 4, proj_size=2), [T(3, 2, 3)]),
    LayerCase("lstm_proj_2layer_bidir_h0", lambda nn: nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2),
              [T(3, 2, 3), T(4, 2, 2), T(4, 2, 4)], call=lambda mod, x, h, c: mod(x, (h, c))),
    LayerCase("lstm_unbatched_h0_c0", lambda nn: nn.LSTM(3, 4, bidirectional=True), [T(3, 3), T(2, 4), T(2, 4)],
              call=lambda mod, x, h, c: mod(x, (h, c))),
    LayerCase("lstm_packed_unsorted_h0", lambda nn: nn.LSTM(3, 2, bidirectional=True),
              [T(3, 3, 3), T(2, 3, 2), T(2, 3, 2)],
              call=lambda mod, x, h, c: _packed([1, 3, 2], enforce_sorted=False)(mod, x, (h, c))),
    LayerCase("gru_packed_unsorted_h0", lambda nn: nn.GRU(3, 2, num_layers=2),
              [T(3, 3, 3), T(2, 3, 2)], call=_packed([2, 1, 3], enforce_sorted=False, unpack=True)),
    LayerCase("lstm_packed_proj", lambda nn: nn.LSTM(3, 4, proj_size=2, bidirectional=True),
              [T(3, 3, 3)], call=_packed([3, 3, 1])),
    LayerCase("lstm_cell_h0", lambda nn: nn.LSTMCell(3, 4), [T(2, 2, 3), T(2, 4), T(2, 4)], call=_cells("LSTM", 2)),
    LayerCase("gru_cell_h0", lambda nn: nn.GRUCell(3, 4), [T(2, 2, 3), T(2, 4)], call=_cells("GRU", 2)),
    LayerCase("rnn_cell_relu", lambda nn: nn.RNNCell(3, 4, nonlinearity="relu"), [T(2, 2, 3), T(2, 4)],
              call=_cells("RNN", 2)),
    LayerCase("lstm_eval_dropout_3layer", lambda nn: nn.LSTM(2, 3, num_layers=3, dropout=0.5), [T(2, 2, 2)],
              train=False),
]
