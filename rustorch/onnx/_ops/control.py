"""Control flow (If, Loop, Scan), sequences and optionals.

Sequences are Python lists of Tensors and an empty optional is ``None`` (see
the runtime).  Bodies run through ``ctx.run_graph``, which gives them the
enclosing graph's values.  Every op returns new lists, never mutating an input
sequence: ONNX values are immutable and the same list may feed several nodes.
"""
import rustorch as rt

from ..._errors import IndexOutOfRange, InvalidArgument, InvalidType, ShapeError, UnsupportedError
from .._proto import ONNX_TO_RT
from . import op

# A Loop whose trip count and condition never stop it would hang the caller; no
# real model runs this many iterations (raise it here if yours does).
MAX_LOOP_ITERATIONS = 10_000_000

def _scalar_bool(t, what):
    if t.numel() != 1:
        raise ShapeError(f"{what} must hold exactly one element, got shape {list(t.shape)}")
    return bool(t.reshape(()).item())


def _scalar_int(t, what):
    if t.numel() != 1:
        raise ShapeError(f"{what} must be a scalar, got shape {list(t.shape)}")
    if t.is_floating_point() or t.is_complex():
        raise InvalidType(f"{what} must be an integer tensor, got {t.dtype}")
    return int(t.reshape(()).item())


def _as_list(seq, what):
    if not isinstance(seq, list):
        raise InvalidType(f"{what} must be a sequence (list of Tensors), got {type(seq).__name__}")
    return seq


# ------------------------------------------------------------------- If

@op("If", since=1)
def if_(ctx, cond):
    branch = "then_branch" if _scalar_bool(cond, "If condition") else "else_branch"
    outs = ctx.run_graph(ctx.attr(branch), [])
    return tuple(outs)


# ------------------------------------------------------------------- Loop

@op("Loop", since=1)
def loop(ctx, trip_count=None, cond=None, *carried):
    body = ctx.attr("body")
    n_carried = len(carried)
    max_trips = _scalar_int(trip_count, "Loop trip count M") if trip_count is not None else None
    keep_going = _scalar_bool(cond, "Loop condition") if cond is not None else True
    if max_trips is None and cond is None:
        raise InvalidArgument("Loop has neither a trip count nor a condition: it would never end")
    values = list(carried)
    scans = None
    i = 0
    while keep_going and (max_trips is None or i < max_trips):
        if i >= MAX_LOOP_ITERATIONS:
            raise InvalidArgument(f"Loop ran {MAX_LOOP_ITERATIONS} iterations without stopping "
                                  "(raise rustorch.onnx._ops.control.MAX_LOOP_ITERATIONS if intended)")
        it = rt.tensor(i, dtype=rt.int64, device=ctx.device)
        cond_in = rt.tensor(keep_going, dtype=rt.bool, device=ctx.device)
        outs = ctx.run_graph(body, [it, cond_in] + values)
        if len(outs) < 1 + n_carried:
            raise InvalidArgument(f"Loop body returns {len(outs)} values, needs at least "
                                  f"{1 + n_carried} (condition + {n_carried} loop-carried)")
        if cond is not None:    # without a cond input the body's condition is ignored
            keep_going = _scalar_bool(outs[0], "Loop body condition output")
        values = list(outs[1:1 + n_carried])
        if scans is None:
            scans = [[] for _ in outs[1 + n_carried:]]
        for acc, v in zip(scans, outs[1 + n_carried:]):
            acc.append(v)
        i += 1
    if scans is None:       # no iteration ran: empty scan outputs shaped from the body's types
        return tuple(values) + tuple(_empty_scan(body, j, ctx.device)
                                     for j in range(1 + n_carried, len(body.output)))
    return tuple(values) + tuple(_stack_scan(acc, 0) for acc in scans)


def _stack_scan(acc, axis):
    if acc and isinstance(acc[0], list):
        raise UnsupportedError("Loop scan outputs that are sequences are not supported")
    return rt.stack(acc, dim=axis)


def _empty_scan(graph, j, device):
    """An empty scan output ([0, *declared dims]) for a Loop that ran zero times."""
    tp = graph.output[j].type
    tt = tp.tensor_type
    dtype = ONNX_TO_RT.get(tt.elem_type, rt.float32)
    dims = [d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim] \
        if tt.HasField("shape") else []
    if None in dims:        # a free dim: nothing says how wide the empty result is
        dims = []
    return rt.zeros((0, *dims), dtype=dtype, device=device)


# ------------------------------------------------------------------- Scan

@op("Scan", since=9)
def scan(ctx, *inputs):
    body = ctx.attr("body")
    m = ctx.attr("num_scan_inputs")
    if m is None or not 0 < m <= len(inputs):
        raise InvalidArgument(f"Scan needs num_scan_inputs in [1, {len(inputs)}], got {m}")
    n = len(inputs) - m
    states, xs = list(inputs[:n]), inputs[n:]
    in_axes = ctx.attr("scan_input_axes", [0] * m)
    in_dirs = ctx.attr("scan_input_directions", [0] * m)
    k = len(body.output) - n
    out_axes = ctx.attr("scan_output_axes", [0] * k)
    out_dirs = ctx.attr("scan_output_directions", [0] * k)
    axes = []
    for x, a in zip(xs, in_axes):
        if not -x.dim() <= a < x.dim():
            raise IndexOutOfRange(f"Scan input axis {a} is out of range for shape {list(x.shape)}")
        axes.append(a % x.dim())
    lengths = {x.shape[a] for x, a in zip(xs, axes)}
    if len(lengths) != 1:
        raise ShapeError(f"Scan inputs disagree on the sequence length: "
                         f"{[x.shape[a] for x, a in zip(xs, axes)]}")
    steps = lengths.pop()
    states, scans = _scan_loop(ctx, body, states, xs, axes, in_dirs, steps, n, k)
    outs = []
    for acc, a, d in zip(scans, out_axes, out_dirs):
        if d:
            acc = acc[::-1]
        outs.append(rt.stack(acc, dim=a) if acc else _empty_scan(body, n + len(outs), ctx.device))
    return tuple(states) + tuple(outs)


def _scan_loop(ctx, body, states, xs, axes, dirs, steps, n, k):
    scans = [[] for _ in range(k)]
    for t in range(steps):
        slices = [x.select(a, steps - 1 - t if d else t) for x, a, d in zip(xs, axes, dirs)]
        outs = ctx.run_graph(body, states + slices)
        if len(outs) != n + k:
            raise InvalidArgument(f"Scan body returns {len(outs)} values, expected {n + k}")
        states = list(outs[:n])
        for acc, v in zip(scans, outs[n:]):
            acc.append(v)
    return states, scans


@op("Scan", since=8)
def scan8(ctx, seq_lens, *inputs):
    """Opset 8 Scan: every input carries a leading batch axis, scan inputs scan axis 1."""
    body = ctx.attr("body")
    m = ctx.attr("num_scan_inputs")
    if m is None or not 0 < m <= len(inputs):
        raise InvalidArgument(f"Scan needs num_scan_inputs in [1, {len(inputs)}], got {m}")
    n = len(inputs) - m
    dirs = ctx.attr("directions", [0] * m)
    k = len(body.output) - n
    batch = inputs[0].shape[0]
    steps = inputs[n].shape[1]
    if seq_lens is not None and any(int(v) != steps for v in seq_lens.tolist()):
        raise UnsupportedError("Scan (opset 8) with sequence_lens shorter than the input is not "
                               "supported")
    final = [[] for _ in range(n)]
    scans = [[] for _ in range(k)]
    for b in range(batch):
        states = [s[b] for s in inputs[:n]]
        xs = [x[b] for x in inputs[n:]]
        states, acc = _scan_loop(ctx, body, states, xs, [0] * m, dirs, steps, n, k)
        for f, s in zip(final, states):
            f.append(s)
        for s, a in zip(scans, acc):
            s.append(rt.stack(a, dim=0))
    return tuple(rt.stack(f, dim=0) for f in final) + tuple(rt.stack(s, dim=0) for s in scans)


# ------------------------------------------------------------------- sequences

def _position(pos, size, what, allow_end=False):
    p = _scalar_int(pos, f"{what} position")
    hi = size if allow_end else size - 1
    if not -size <= p <= hi:
        raise IndexOutOfRange(f"{what} position {p} is out of range for a sequence of length {size}")
    return p + size if p < 0 else p


@op("SequenceEmpty", since=11)
def sequence_empty(ctx):
    return []


@op("SequenceConstruct", since=11)
def sequence_construct(ctx, *tensors):
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) > 1:
        raise InvalidType(f"SequenceConstruct needs tensors of one dtype, got {sorted(map(str, dtypes))}")
    return list(tensors)


@op("SequenceAt", since=11)
def sequence_at(ctx, seq, pos):
    seq = _as_list(seq, "SequenceAt input")
    return seq[_position(pos, len(seq), "SequenceAt")]


@op("SequenceInsert", since=11)
def sequence_insert(ctx, seq, tensor, pos=None):
    seq = list(_as_list(seq, "SequenceInsert input"))
    if seq and seq[0].dtype != tensor.dtype:
        raise InvalidType(f"SequenceInsert: tensor of {tensor.dtype} into a sequence of {seq[0].dtype}")
    if pos is None:
        seq.append(tensor)
    else:
        seq.insert(_position(pos, len(seq), "SequenceInsert", allow_end=True), tensor)
    return seq


@op("SequenceErase", since=11)
def sequence_erase(ctx, seq, pos=None):
    seq = list(_as_list(seq, "SequenceErase input"))
    if not seq:
        raise IndexOutOfRange("SequenceErase on an empty sequence")
    del seq[-1 if pos is None else _position(pos, len(seq), "SequenceErase")]
    return seq


@op("SequenceLength", since=11)
def sequence_length(ctx, seq):
    return rt.tensor(len(_as_list(seq, "SequenceLength input")), dtype=rt.int64, device=ctx.device)


@op("SplitToSequence", since=11)
def split_to_sequence(ctx, x, split=None):
    axis = ctx.attr("axis", 0)
    if not -x.dim() <= axis < x.dim():
        raise IndexOutOfRange(f"SplitToSequence axis {axis} is out of range for shape {list(x.shape)}")
    axis %= x.dim()
    size = x.shape[axis]
    if split is None:
        parts = list(x.split(1, dim=axis))
        if not ctx.attr("keepdims", 1):
            parts = [p.squeeze(axis) for p in parts]
        return parts
    if split.dim() == 0:
        chunk = _scalar_int(split, "SplitToSequence split")
        if chunk <= 0:
            raise InvalidArgument(f"SplitToSequence split must be positive, got {chunk}")
        return list(x.split(chunk, dim=axis))
    sizes = [int(v) for v in split.tolist()]
    if any(s < 0 for s in sizes) or sum(sizes) != size:
        raise ShapeError(f"SplitToSequence split sizes {sizes} must be non-negative and sum to "
                         f"{size} (dim {axis} of shape {list(x.shape)})")
    return list(x.split(sizes, dim=axis))


@op("ConcatFromSequence", since=11)
def concat_from_sequence(ctx, seq):
    seq = _as_list(seq, "ConcatFromSequence input")
    if not seq:
        raise InvalidArgument("ConcatFromSequence of an empty sequence (no dtype or shape to use)")
    axis = ctx.attr("axis")
    if axis is None:
        raise InvalidArgument("ConcatFromSequence needs the 'axis' attribute")
    if ctx.attr("new_axis", 0):
        return rt.stack(seq, dim=axis)
    return rt.cat(seq, dim=axis)


@op("SequenceMap", since=17)
def sequence_map(ctx, seq, *extra):
    seq = _as_list(seq, "SequenceMap input")
    body = ctx.attr("body")
    for e in extra:
        if isinstance(e, list) and len(e) != len(seq):
            raise ShapeError(f"SequenceMap sequences have different lengths: {len(seq)} and {len(e)}")
    results = [[] for _ in body.output]
    for i, item in enumerate(seq):
        args = [item] + [e[i] if isinstance(e, list) else e for e in extra]
        for acc, v in zip(results, ctx.run_graph(body, args)):
            acc.append(v)
    return tuple(results)


# ------------------------------------------------------------------- optionals

@op("Optional", since=15)
def optional(ctx, x=None):
    if x is None and ctx.attr("type") is None:
        raise InvalidArgument("Optional without an input needs the 'type' attribute")
    return x


@op("OptionalHasElement", since=15)
def optional_has_element(ctx, x=None):
    return rt.tensor(x is not None, dtype=rt.bool, device=ctx.device)


@op("OptionalGetElement", since=15)
def optional_get_element(ctx, x):
    if x is None:
        raise InvalidArgument("OptionalGetElement on an empty optional")
    return x


# Identity (tensors, sequences, optionals) is registered by elementwise.py/shape.py: it just
# returns its input, which is right for lists too since no op here mutates a sequence.
