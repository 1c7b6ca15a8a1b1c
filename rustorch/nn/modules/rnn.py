"""Recurrent layers: RNN (tanh / relu), LSTM (with optional projections), GRU
and their single-step cells, with torch's parameter names, shapes, gate order
and initialisation, so that state dicts load both ways.

Every layer and direction works on the packed layout: the input projections of
all time steps come from one matmul, then a loop over time runs the recurrent
part.  A padded (T, B, *) input is the packed case with every batch size B; a
PackedSequence's shrinking batch sizes are handled by dropping finished rows
from the running state (forward direction) or adding them as they start
(reverse direction).
"""
import math
import numbers
import warnings

from ..._errors import InvalidArgument, ShapeError
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


def _rt():
    import rustorch
    return rustorch


def _packed_cls():
    from ..utils.rnn import PackedSequence
    return PackedSequence


def _dropout(x, p, training):
    if not training or p == 0.0:
        return x
    return F.dropout(x, p=p, training=True)


def _gates(mode):
    return {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}[mode]


def _cell_step(mode, gi, h, c, w_hh, b_hh, w_hr):
    """One time step.  ``gi`` already holds x W_ih^T + b_ih (and b_hh, except for GRU)."""
    gh = h.matmul(w_hh.t())
    if mode == "RNN_TANH":
        return (gi + gh).tanh(), None
    if mode == "RNN_RELU":
        return (gi + gh).relu(), None
    if mode == "LSTM":
        i, f, g, o = (gi + gh).chunk(4, 1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        if w_hr is not None:
            h = h.matmul(w_hr.t())
        return h, c
    # GRU: r, z, n with the n gate using r * (W_hn h + b_hn)
    if b_hh is not None:
        gh = gh + b_hh
    i_r, i_z, i_n = gi.chunk(3, 1)
    h_r, h_z, h_n = gh.chunk(3, 1)
    r = (i_r + h_r).sigmoid()
    z = (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return n + z * (h - n), None


def _run_direction(mode, x, batch_sizes, h0, c0, weights, reverse):
    """One layer, one direction over packed data ``x`` (N, in).

    Returns (output (N, H_out), h_n (B, H_out), c_n or None)."""
    rt = _rt()
    w_ih, w_hh, b_ih, b_hh, w_hr = weights
    gi = x.matmul(w_ih.t())
    if b_ih is not None:
        gi = gi + b_ih
    if mode != "GRU" and b_hh is not None:
        gi = gi + b_hh
    offsets = []
    off = 0
    for b in batch_sizes:
        offsets.append(off)
        off += b
    T = len(batch_sizes)
    outs = [None] * T
    lstm = mode == "LSTM"
    bhh = b_hh if mode == "GRU" else None
    if not reverse:
        h, c = h0, c0
        done_h, done_c = [], []
        for t in range(T):
            b = batch_sizes[t]
            if b < h.shape[0]:
                done_h.append(h[b:])
                h = h[:b]
                if lstm:
                    done_c.append(c[b:])
                    c = c[:b]
            h, c = _cell_step(mode, gi[offsets[t]:offsets[t] + b], h, c, w_hh, bhh, w_hr)
            outs[t] = h
        done_h.append(h)
        h_n = done_h[0] if len(done_h) == 1 else rt.cat(done_h[::-1], 0)
        c_n = None
        if lstm:
            done_c.append(c)
            c_n = done_c[0] if len(done_c) == 1 else rt.cat(done_c[::-1], 0)
    else:
        B = h0.shape[0]
        b_last = batch_sizes[-1] if T else B
        h = h0[:b_last] if b_last < B else h0
        c = (c0[:b_last] if b_last < B else c0) if lstm else None
        for t in range(T - 1, -1, -1):
            b = batch_sizes[t]
            if b > h.shape[0]:
                h = rt.cat([h, h0[h.shape[0]:b]], 0)
                if lstm:
                    c = rt.cat([c, c0[c.shape[0]:b]], 0)
            h, c = _cell_step(mode, gi[offsets[t]:offsets[t] + b], h, c, w_hh, bhh, w_hr)
            outs[t] = h
        if h.shape[0] < B:  # sequences that never ran keep their initial state
            h = rt.cat([h, h0[h.shape[0]:]], 0)
            if lstm:
                c = rt.cat([c, c0[c.shape[0]:]], 0)
        h_n, c_n = h, c
    out = rt.cat(outs, 0) if T else x.new_zeros((0, h0.shape[1]))
    return out, h_n, c_n


class RNNBase(Module):
    """Base class of RNN, LSTM and GRU: parameters, checks and the layer loop."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        rt = _rt()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1

        if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool)):
            raise InvalidArgument("dropout should be a number in range [0, 1] representing the probability "
                                  "of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}")
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise InvalidArgument("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise InvalidArgument("num_layers must be greater than zero")
        if proj_size < 0:
            raise InvalidArgument("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise InvalidArgument("proj_size has to be smaller than hidden_size")
        if mode not in ("LSTM", "GRU", "RNN_TANH", "RNN_RELU"):
            raise InvalidArgument(f"Unrecognized RNN mode: {mode}")
        if proj_size > 0 and mode != "LSTM":
            raise InvalidArgument("proj_size argument is only supported for LSTM, not RNN or GRU")

        gate_size = _gates(mode) * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input = input_size if layer == 0 else real_hidden * num_directions
                suffix = "_reverse" if direction == 1 else ""
                params = [("weight_ih_l{}{}", (gate_size, layer_input)),
                          ("weight_hh_l{}{}", (gate_size, real_hidden))]
                if bias:
                    params += [("bias_ih_l{}{}", (gate_size,)), ("bias_hh_l{}{}", (gate_size,))]
                if proj_size > 0:
                    params.append(("weight_hr_l{}{}", (proj_size, hidden_size)))
                names = []
                for fmt, shape in params:
                    name = fmt.format(layer, suffix)
                    setattr(self, name, Parameter(rt.empty(shape, device=device, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self):
        pass

    @property
    def _flat_weights(self):
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def _layer_weights(self, layer, direction):
        sfx = f"l{layer}{'_reverse' if direction == 1 else ''}"
        g = lambda n: getattr(self, f"{n}_{sfx}", None)  # noqa: E731
        return g("weight_ih"), g("weight_hh"), g("bias_ih"), g("bias_hh"), g("weight_hr")

    # -- checks --------------------------------------------------------------
    def check_input(self, input, batch_sizes):
        expected_dim = 2 if batch_sizes is not None else 3
        if input.ndim != expected_dim:
            raise ShapeError(f"input must have {expected_dim} dimensions, got {input.ndim}")
        if self.input_size != input.shape[-1]:
            raise ShapeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                             f"got {input.shape[-1]}")
        if not input.is_floating_point():
            raise TypeError(f"{type(self).__name__}: expected a floating-point input, got {input.dtype}")

    def get_expected_hidden_size(self, input, batch_sizes):
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.shape[0] if self.batch_first else input.shape[1]
        num_directions = 2 if self.bidirectional else 1
        h = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * num_directions, mini_batch, h)

    def check_hidden_size(self, hx, expected, msg="Expected hidden size {}, got {}"):
        if tuple(hx.shape) != tuple(expected):
            raise ShapeError(msg.format(tuple(expected), list(hx.shape)))

    def _weights_have_changed(self):
        return False

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return hx.index_select(1, permutation)

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # -- forward ---------------------------------------------------------------
    def _forward_impl(self, input, hx):
        rt = _rt()
        PackedSequence = _packed_cls()
        lstm = self.mode == "LSTM"
        packed = isinstance(input, PackedSequence)
        num_directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        if packed:
            data, bs_t, sorted_idx, unsorted_idx = input
            batch_sizes = [int(b) for b in bs_t.tolist()]
            max_batch = batch_sizes[0] if batch_sizes else 0
            is_batched = True
            self.check_input(data, bs_t)
        else:
            name = type(self).__name__
            if input.ndim not in (2, 3):
                raise InvalidArgument(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D tensor instead")
            is_batched = input.ndim == 3
            batch_dim = 0 if self.batch_first else 1
            sorted_idx = unsorted_idx = None
            if not is_batched:
                input = input.unsqueeze(batch_dim)
                if hx is not None:
                    hs = hx if lstm else (hx,)
                    for t in hs:
                        if t.ndim != 2:
                            raise ShapeError(f"For unbatched 2-D input, hx{' and cx' if lstm else ''} should "
                                             f"also be 2-D but got ({t.ndim}-D) tensor{'s' if lstm else ''}")
                    hx = tuple(t.unsqueeze(1) for t in hx) if lstm else hx.unsqueeze(1)
            elif hx is not None:
                hs = hx if lstm else (hx,)
                for t in hs:
                    if t.ndim != 3:
                        raise ShapeError(f"For batched 3-D input, hx{' and cx' if lstm else ''} should also "
                                         f"be 3-D but got ({t.ndim}-D) tensor{'s' if lstm else ''}")
            self.check_input(input, None)
            if self.batch_first:
                input = input.transpose(0, 1)
            T, max_batch = input.shape[0], input.shape[1]
            batch_sizes = [max_batch] * T
            data = input.reshape((T * max_batch, input.shape[2]))

        L = self.num_layers * num_directions
        if hx is None:
            h0 = data.new_zeros((L, max_batch, real_hidden))
            c0 = data.new_zeros((L, max_batch, self.hidden_size)) if lstm else None
        else:
            if lstm:
                if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                    raise InvalidArgument("LSTM expects hx to be a tuple (h_0, c_0)")
                h0, c0 = hx
                h0 = self.permute_hidden(h0, sorted_idx)
                c0 = self.permute_hidden(c0, sorted_idx)
                self.check_hidden_size(h0, (L, max_batch, real_hidden), "Expected hidden[0] size {}, got {}")
                self.check_hidden_size(c0, (L, max_batch, self.hidden_size), "Expected hidden[1] size {}, got {}")
            else:
                h0, c0 = self.permute_hidden(hx, sorted_idx), None
                self.check_hidden_size(h0, (L, max_batch, real_hidden))
            if h0.dtype != data.dtype or (c0 is not None and c0.dtype != data.dtype):
                raise TypeError(f"Expected hidden state to have the same dtype as input ({data.dtype}), "
                                f"got {h0.dtype}")

        x = data
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            if layer > 0:
                x = _dropout(x, self.dropout, self.training)
            outs = []
            for d in range(num_directions):
                k = layer * num_directions + d
                out, h, c = _run_direction(self.mode, x, batch_sizes, h0[k], c0[k] if lstm else None,
                                           self._layer_weights(layer, d), reverse=d == 1)
                outs.append(out)
                h_n.append(h)
                if lstm:
                    c_n.append(c)
            x = outs[0] if num_directions == 1 else rt.cat(outs, 1)
        h_n = rt.stack(h_n, 0)
        c_n = rt.stack(c_n, 0) if lstm else None

        if packed:
            output = PackedSequence(x, bs_t, sorted_idx, unsorted_idx)
            h_n = self.permute_hidden(h_n, unsorted_idx)
            if lstm:
                c_n = self.permute_hidden(c_n, unsorted_idx)
        else:
            output = x.reshape((len(batch_sizes), max_batch, x.shape[-1]))
            if self.batch_first:
                output = output.transpose(0, 1)
            if not is_batched:
                output = output.squeeze(batch_dim)
                h_n = h_n.squeeze(1)
                if lstm:
                    c_n = c_n.squeeze(1)
        return output, ((h_n, c_n) if lstm else h_n)

    def forward(self, input, hx=None):
        return self._forward_impl(input, hx)


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise InvalidArgument("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise InvalidArgument(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)

    def __setattr__(self, name, value):
        if name == "nonlinearity" and "_parameters" not in self.__dict__:
            object.__setattr__(self, name, value)
            return
        super().__setattr__(name, value)


class LSTM(RNNBase):
    """Long short-term memory (gates i, f, g, o), optionally with projections (proj_size)."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input, batch_sizes):
        e = self.get_expected_hidden_size(input, batch_sizes)
        return (e[0], e[1], self.hidden_size)

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        if isinstance(hx, tuple):
            return tuple(t.index_select(1, permutation) for t in hx)
        return hx.index_select(1, permutation)


class GRU(RNNBase):
    """Gated recurrent unit (gates r, z, n)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise InvalidArgument("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


# -- cells ---------------------------------------------------------------------

class RNNCellBase(Module):
    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        rt = _rt()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(rt.empty((num_chunks * hidden_size, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(rt.empty((num_chunks * hidden_size, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(rt.empty(num_chunks * hidden_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(rt.empty(num_chunks * hidden_size, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _check(self, input, hxs):
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise InvalidArgument(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        for h in hxs:
            if h is not None and h.ndim not in (1, 2):
                raise ShapeError(f"{name}: Expected hidden to be 1D or 2D, got {h.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise ShapeError(f"input has inconsistent input_size: got {input.shape[-1]} expected {self.input_size}")
        batched = input.ndim == 2
        for h in hxs:
            if h is None:
                continue
            if (h.ndim == 2) != batched:
                raise ShapeError(f"{name}: Expected input and hidden to both be batched (2-D) or both "
                                 f"unbatched (1-D), got input {input.ndim}-D and hidden {h.ndim}-D")
            if h.shape[-1] != self.hidden_size:
                raise ShapeError(f"hidden has inconsistent hidden_size: got {h.shape[-1]}, expected "
                                 f"{self.hidden_size}")
            if batched and h.shape[0] != input.shape[0]:
                raise ShapeError(f"Input batch size {input.shape[0]} doesn't match hidden batch size "
                                 f"{h.shape[0]}")
        return batched

    def _gi(self, input):
        gi = input.matmul(self.weight_ih.t())
        if self.bias_ih is not None:
            gi = gi + self.bias_ih
        return gi


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        batched = self._check(input, (hx,))
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = input.new_zeros((input.shape[0], self.hidden_size))
        elif not batched:
            hx = hx.unsqueeze(0)
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise InvalidArgument(f"Unknown nonlinearity: {self.nonlinearity}")
        gi = self._gi(input)
        if self.bias_hh is not None:
            gi = gi + self.bias_hh
        h, _ = _cell_step(mode, gi, hx, None, self.weight_hh, None, None)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        hxs = (None, None) if hx is None else tuple(hx)
        if len(hxs) != 2:
            raise InvalidArgument("LSTMCell: Expected hx to be a tuple (h_0, c_0)")
        batched = self._check(input, hxs)
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            z = input.new_zeros((input.shape[0], self.hidden_size))
            h, c = z, z
        else:
            h, c = hxs
            if not batched:
                h, c = h.unsqueeze(0), c.unsqueeze(0)
        gi = self._gi(input)
        if self.bias_hh is not None:
            gi = gi + self.bias_hh
        h, c = _cell_step("LSTM", gi, h, c, self.weight_hh, None, None)
        if not batched:
            h, c = h.squeeze(0), c.squeeze(0)
        return h, c


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        batched = self._check(input, (hx,))
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = input.new_zeros((input.shape[0], self.hidden_size))
        elif not batched:
            hx = hx.unsqueeze(0)
        h, _ = _cell_step("GRU", self._gi(input), hx, None, self.weight_hh, self.bias_hh, None)
        return h if batched else h.squeeze(0)

