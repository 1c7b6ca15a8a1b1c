"""ONNX recurrent operators: RNN, GRU and LSTM (opsets 7, 14 and 22 share one
implementation; ``layout`` exists from 14 on and defaults to 0 before).

One direction is a Python loop over time steps on rustorch tensors, so
autograd flows through it; the input projection of every step is done up front
as one matmul.  ``sequence_lens`` is honoured with per-batch masks: a finished
sequence keeps its last state and writes zeros to Y, and a reverse pass starts
at each sequence's own last element.
"""
import rustorch as rt

from ..._errors import InvalidArgument, ShapeError, UnsupportedError
from . import op
from .nn import _mm


def _name(ctx):
    n = ctx.node
    return f"{n.op_type} node {n.name!r}" if getattr(n, "name", "") else f"{n.op_type} node"


def _wants(ctx, i):
    outs = list(ctx.node.output)
    return i < len(outs) and bool(outs[i])


# name -> (fn(x, alpha, beta), default alpha, default beta); None: takes no parameter
_ACTS = {
    "relu": (lambda x, a, b: x.clamp_min(0), None, None),
    "tanh": (lambda x, a, b: x.tanh(), None, None),
    "sigmoid": (lambda x, a, b: x.sigmoid(), None, None),
    "affine": (lambda x, a, b: x * a + b, 1.0, 0.0),
    "leakyrelu": (lambda x, a, b: rt.where(x >= 0, x, x * a), 0.01, None),
    "thresholdedrelu": (lambda x, a, b: rt.where(x > a, x, rt.zeros_like(x)), 1.0, None),
    "scaledtanh": (lambda x, a, b: (x * b).tanh() * a, 1.0, 1.0),
    "hardsigmoid": (lambda x, a, b: (x * a + b).clamp(0, 1), 0.2, 0.5),
    "elu": (lambda x, a, b: rt.where(x >= 0, x, ((x.clamp_max(0)).exp() - 1) * a), 1.0, None),
    "softsign": (lambda x, a, b: x / (1 + x.abs()), None, None),
    "softplus": (lambda x, a, b: rt.where(x > 20, x, (x.clamp_max(20).exp() + 1).log()), None, None),
}


def _activations(ctx, defaults, num_dir):
    """One list of callables per direction, consuming activation_alpha/beta in order."""
    names = ctx.attr("activations") or (defaults * num_dir)
    names = [str(n) for n in names]
    if len(names) == len(defaults) and num_dir == 2:
        names = names * 2
    if len(names) != len(defaults) * num_dir:
        raise InvalidArgument(f"{_name(ctx)}: activations {names} needs {len(defaults) * num_dir} "
                              f"names ({len(defaults)} per direction)")
    alphas = list(ctx.attr("activation_alpha") or [])
    betas = list(ctx.attr("activation_beta") or [])
    fns = []
    for nm in names:
        entry = _ACTS.get(nm.lower())
        if entry is None:
            raise UnsupportedError(f"{_name(ctx)}: activation {nm!r} is not supported")
        fn, da, db = entry
        a = alphas.pop(0) if (da is not None and alphas) else da
        b = betas.pop(0) if (db is not None and betas) else db
        fns.append(lambda x, fn=fn, a=a, b=b: fn(x, a, b))
    k = len(defaults)
    return [fns[d * k:(d + 1) * k] for d in range(num_dir)]


def _setup(ctx, x, w, r, gates):
    direction = ctx.attr("direction", "forward")
    if direction not in ("forward", "reverse", "bidirectional"):
        raise InvalidArgument(f"{_name(ctx)}: unknown direction {direction!r}")
    num_dir = 2 if direction == "bidirectional" else 1
    layout = int(ctx.attr("layout", 0)) if ctx.opset >= 14 else 0
    if x.ndim != 3:
        raise ShapeError(f"{_name(ctx)}: X must be 3-D, got shape {list(x.shape)}")
    if layout == 1:
        x = x.transpose(0, 1)
    seq, batch, inp = x.shape
    if w.ndim != 3 or r.ndim != 3 or w.shape[0] != num_dir or r.shape[0] != num_dir:
        raise ShapeError(f"{_name(ctx)}: W {list(w.shape)} / R {list(r.shape)} do not fit "
                         f"direction={direction!r}")
    hidden = r.shape[2]
    hs = ctx.attr("hidden_size")
    if hs is not None and int(hs) != hidden:
        raise ShapeError(f"{_name(ctx)}: hidden_size={hs} but R has shape {list(r.shape)}")
    if w.shape[1] != gates * hidden or w.shape[2] != inp or r.shape[1] != gates * hidden:
        raise ShapeError(f"{_name(ctx)}: W {list(w.shape)} / R {list(r.shape)} do not match "
                         f"{gates} gates of size {hidden} and input size {inp}")
    dirs = ["forward", "reverse"] if num_dir == 2 else [direction]
    return x, seq, batch, hidden, num_dir, layout, dirs


def _state(ctx, t, num_dir, batch, hidden, layout, like, what):
    if t is None:
        return [rt.zeros([batch, hidden], dtype=like.dtype, device=like.device)] * num_dir
    if layout == 1:
        t = t.transpose(0, 1)
    if list(t.shape) != [num_dir, batch, hidden]:
        raise ShapeError(f"{_name(ctx)}: {what} has shape {list(t.shape)}, expected "
                         f"{[num_dir, batch, hidden] if layout == 0 else [batch, num_dir, hidden]}")
    return [t[d] for d in range(num_dir)]


def _masks(ctx, seq_lens, seq, batch, like):
    """Per step a (batch, 1) validity mask, or None when every sequence is full length."""
    if seq_lens is None:
        return None
    lens = [int(v) for v in seq_lens.reshape(-1).tolist()]
    if len(lens) != batch or any(v < 0 or v > seq for v in lens):
        raise InvalidArgument(f"{_name(ctx)}: sequence_lens {lens} must give {batch} lengths "
                              f"in [0, {seq}]")
    if all(v == seq for v in lens):
        return None
    lt = rt.tensor(lens, dtype=rt.int64, device=like.device).reshape(batch, 1)
    return [lt > t for t in range(seq)]


def _run(ctx, x, seq, masks, directions, step, states):
    """Run ``step(d, xw_t, states) -> new states (h first)`` over time for each direction.
    Returns the per-direction list of h outputs per step and the final states."""
    ys, finals = [], []
    for d, name in enumerate(directions):
        st = states[d]
        out = [None] * seq
        order = range(seq - 1, -1, -1) if name == "reverse" else range(seq)
        for t in order:
            new = step(d, t, st)
            if masks is not None:
                m = masks[t]
                new = tuple(rt.where(m, n, o) for n, o in zip(new, st))
                out[t] = rt.where(m, new[0], rt.zeros_like(new[0]))
            else:
                out[t] = new[0]
            st = new
        ys.append(out)
        finals.append(st)
    return ys, finals


def _outputs(ctx, ys, finals, seq, batch, hidden, layout, x, n_states):
    num_dir = len(ys)
    if seq == 0:
        y = rt.zeros([0, num_dir, batch, hidden], dtype=x.dtype, device=x.device)
    else:
        y = rt.stack([rt.stack(ys[d], dim=0) for d in range(num_dir)], dim=1)   # (seq, dir, b, h)
    res = []
    if layout == 1:
        y = y.permute(2, 0, 1, 3)
    res.append(y)
    for k in range(n_states):
        s = rt.stack([finals[d][k] for d in range(num_dir)], dim=0)               # (dir, b, h)
        res.append(s.transpose(0, 1) if layout == 1 else s)
    return tuple(res)


def _proj(x, w, b, gates, hidden, d):
    """Input projection of all steps for direction d: (seq, batch, gates*hidden)."""
    xw = _mm(x, w[d].t())
    if b is not None:
        xw = xw + b[d, :gates * hidden] + b[d, gates * hidden:]
    return xw


def _clip(ctx):
    c = ctx.attr("clip")
    if c is None:
        return None
    c = float(c)
    if c <= 0:
        raise InvalidArgument(f"{_name(ctx)}: clip={c} must be positive")
    return c


def _maybe_clip(v, c):
    return v if c is None else v.clamp(-c, c)


@op("RNN", since=1)
def rnn(ctx, x, w, r, b=None, seq_lens=None, initial_h=None):
    x, seq, batch, hidden, num_dir, layout, dirs = _setup(ctx, x, w, r, 1)
    acts = _activations(ctx, ["Tanh"], num_dir)
    clip = _clip(ctx)
    xws = [_proj(x, w, b, 1, hidden, d) for d in range(num_dir)]
    rts = [r[d].t() for d in range(num_dir)]
    h0 = _state(ctx, initial_h, num_dir, batch, hidden, layout, x, "initial_h")

    def step(d, t, st):
        pre = xws[d][t] + _mm(st[0], rts[d])
        return (acts[d][0](_maybe_clip(pre, clip)),)

    ys, finals = _run(ctx, x, seq, _masks(ctx, seq_lens, seq, batch, x), dirs, step,
                      [(h,) for h in h0])
    return _outputs(ctx, ys, finals, seq, batch, hidden, layout, x, 1)


@op("GRU", since=1)
def gru(ctx, x, w, r, b=None, seq_lens=None, initial_h=None):
    x, seq, batch, hidden, num_dir, layout, dirs = _setup(ctx, x, w, r, 3)
    acts = _activations(ctx, ["Sigmoid", "Tanh"], num_dir)
    clip = _clip(ctx)
    lbr = bool(ctx.attr("linear_before_reset", 0))
    H = hidden
    # the h gate's recurrent bias must stay inside the reset product, so keep it apart
    xws, rbh = [], []
    for d in range(num_dir):
        xw = _mm(x, w[d].t())
        if b is not None:
            wb, rb = b[d, :3 * H], b[d, 3 * H:]
            xw = xw + wb + rt.cat([rb[:2 * H], rt.zeros_like(rb[2 * H:])])
            rbh.append(rb[2 * H:])
        else:
            rbh.append(None)
        xws.append(xw)
    rts = [r[d].t() for d in range(num_dir)]
    h0 = _state(ctx, initial_h, num_dir, batch, hidden, layout, x, "initial_h")

    def step(d, t, st):
        h = st[0]
        f, g = acts[d]
        xw = xws[d][t]
        rzr = _mm(h, rts[d][:, :2 * H])
        z = f(_maybe_clip(xw[:, :H] + rzr[:, :H], clip))
        rr = f(_maybe_clip(xw[:, H:2 * H] + rzr[:, H:], clip))
        rh = rts[d][:, 2 * H:]
        if lbr:
            hr = _mm(h, rh)
            if rbh[d] is not None:
                hr = hr + rbh[d]
            pre = xw[:, 2 * H:] + rr * hr
        else:
            pre = xw[:, 2 * H:] + _mm(rr * h, rh)
            if rbh[d] is not None:
                pre = pre + rbh[d]
        hh = g(_maybe_clip(pre, clip))
        return ((1 - z) * hh + z * h,)

    ys, finals = _run(ctx, x, seq, _masks(ctx, seq_lens, seq, batch, x), dirs, step,
                      [(h,) for h in h0])
    return _outputs(ctx, ys, finals, seq, batch, hidden, layout, x, 1)


@op("LSTM", since=1)
def lstm(ctx, x, w, r, b=None, seq_lens=None, initial_h=None, initial_c=None, p=None):
    x, seq, batch, hidden, num_dir, layout, dirs = _setup(ctx, x, w, r, 4)
    acts = _activations(ctx, ["Sigmoid", "Tanh", "Tanh"], num_dir)
    clip = _clip(ctx)
    couple = bool(ctx.attr("input_forget", 0))
    H = hidden
    xws = [_proj(x, w, b, 4, hidden, d) for d in range(num_dir)]
    rts = [r[d].t() for d in range(num_dir)]
    h0 = _state(ctx, initial_h, num_dir, batch, hidden, layout, x, "initial_h")
    c0 = _state(ctx, initial_c, num_dir, batch, hidden, layout, x, "initial_c")
    if p is not None and list(p.shape) != [num_dir, 3 * H]:
        raise ShapeError(f"{_name(ctx)}: P has shape {list(p.shape)}, expected {[num_dir, 3 * H]}")

    def step(d, t, st):
        h, c = st
        f, g, hf = acts[d]
        gates = xws[d][t] + _mm(h, rts[d])      # i, o, f, c
        gi, go, gf, gc = (gates[:, k * H:(k + 1) * H] for k in range(4))
        if p is not None:
            gi = gi + p[d, :H] * c
            gf = gf + p[d, 2 * H:] * c
        i = f(_maybe_clip(gi, clip))
        fg = 1 - i if couple else f(_maybe_clip(gf, clip))
        cc = g(_maybe_clip(gc, clip))
        c_new = fg * c + i * cc
        if p is not None:
            go = go + p[d, H:2 * H] * c_new
        o = f(_maybe_clip(go, clip))
        return (o * hf(c_new), c_new)

    ys, finals = _run(ctx, x, seq, _masks(ctx, seq_lens, seq, batch, x), dirs, step,
                      [(h, c) for h, c in zip(h0, c0)])
    return _outputs(ctx, ys, finals, seq, batch, hidden, layout, x, 2)
