"""F.embedding (the backend's ``embedding`` gather kernel, with a backward
that accumulates rows by index) and F.embedding_bag (composed on it)."""
from ... import _dtype as dt
from ..._errors import DTypeError, IndexOutOfRange, InvalidArgument, ShapeError
from ..._tensor import make
from ...autograd.grad_mode import STATE, no_grad
from ...ops._core import record

__all__ = ["embedding", "embedding_bag"]


def _check_indices(input, weight, name="indices"):
    if input.dtype not in (dt.int64, dt.int32):
        raise DTypeError(f"Expected tensor for argument #1 '{name}' to have one of the following "
                         f"scalar types: Long, Int; but got {dt.torch_type_name(input.dtype)} "
                         f"instead (while checking arguments for embedding)")
    if weight.ndim != 2:
        raise ShapeError(f"'weight' must be 2-D, got {weight.ndim}-D")
    # on a GPU device the check runs there and reports at the next read
    from ...ops.indexing import check_index_range
    check_index_range(input, 0, weight.shape[0],
                      lambda v: IndexOutOfRange("index out of range in self"))


def _padding(padding_idx, n):
    if padding_idx is None:
        return None
    if padding_idx > 0:
        if padding_idx >= n:
            raise InvalidArgument("Padding_idx must be within num_embeddings")
    elif padding_idx < 0:
        if padding_idx < -n:
            raise InvalidArgument("Padding_idx must be within num_embeddings")
        padding_idx = n + padding_idx
    return padding_idx


def _renorm_(weight, input, max_norm, norm_type):
    """torch.embedding_renorm_: rows that ``input`` touches and whose norm
    exceeds ``max_norm`` are scaled down in place."""
    with no_grad():
        rows = input.flatten().unique()
        sel = weight.index_select(0, rows)
        norms = sel.norm(norm_type, dim=1, keepdim=True)
        scale = (max_norm / (norms + 1e-7)).clamp(max=1.0)
        scale = scale.where(norms > max_norm, scale.new_ones(()))
        weight.index_copy_(0, rows, sel * scale)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    padding_idx = _padding(padding_idx, weight.shape[0])
    _check_indices(input, weight)
    if max_norm is not None:
        _renorm_(weight, input, max_norm, norm_type)
    b = weight._b
    out = make(b.embedding(weight._data, input._data), b)
    if STATE.enabled and weight._rg:
        record(out, "EmbeddingBackward0", _embedding_bwd, (weight,),
               ctx=(input, tuple(weight.shape), padding_idx, scale_grad_by_freq))
    return out


def _embedding_bwd(n, g):
    idx, shape, padding_idx, by_freq = n.ctx
    flat = idx.reshape(-1).long()
    g2 = g.reshape(-1, shape[1])
    if padding_idx is not None:
        g2 = g2 * (flat != padding_idx).to(g2.dtype).unsqueeze(1)
    if by_freq:
        counts = g2.new_zeros(shape[0]).index_add(0, flat, g2.new_ones(flat.shape[0]))
        g2 = g2 / counts.index_select(0, flat).unsqueeze(1)
    return (g2.new_zeros(shape).index_add(0, flat, g2),)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    if mode not in ("sum", "mean", "max"):
        raise InvalidArgument(f"mode has to be one of sum, mean or max, got {mode}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise InvalidArgument(f"embedding_bag: per_sample_weights was not None. "
                                  f"per_sample_weights is only supported for mode='sum' (got "
                                  f"mode='{mode}'). Please open a feature request on GitHub.")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise InvalidArgument(f"embedding_bag: If per_sample_weights ({list(per_sample_weights.shape)}) "
                                  f"is not None, then it must have the same shape as the input "
                                  f"({list(input.shape)})")
    if input.ndim == 2:
        if offsets is not None:
            raise InvalidArgument("if input is 2D, then offsets has to be None, as input is "
                                  "treated is a mini-batch of fixed length sequences. However, "
                                  f"found offsets of type {type(offsets).__name__}")
        nb, length = input.shape
        starts = [i * length for i in range(nb)]
        ends = starts[1:] + [nb * length]
        flat = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.ndim == 1:
        if offsets is None:
            raise InvalidArgument("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise InvalidArgument("offsets has to be a 1D Tensor")
        offs = [int(v) for v in offsets.tolist()]
        n = input.shape[0]
        if offs and offs[0] != 0:
            raise InvalidArgument(f"offsets[0] has to be 0, i.e., the first sequence in the "
                                  f"mini-batch has to start from position 0. However, got {offs[0]}")
        if include_last_offset:
            if not offs:
                raise InvalidArgument("include_last_offset: number of offsets should be at least 1")
            starts, ends = offs[:-1], offs[1:]
        else:
            starts, ends = offs, offs[1:] + [n]
        if any(s > e for s, e in zip(starts, ends)) or (ends and ends[-1] > n):
            raise InvalidArgument(f"offsets[-1] can not be greater than input's length ({n})")
        flat = input
    else:
        raise InvalidArgument(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                              f"{input.ndim}")
    padding_idx = _padding(padding_idx, weight.shape[0])
    rows = embedding(flat, weight, None, max_norm, norm_type, scale_grad_by_freq)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.to(rows.dtype).unsqueeze(1)
    ids = flat.tolist()
    bag_of, kept = [], []
    for bag, (s, e) in enumerate(zip(starts, ends)):
        for pos in range(s, e):
            if padding_idx is None or ids[pos] != padding_idx:
                kept.append(pos)
                bag_of.append(bag)
    nbags = len(starts)
    d = weight.shape[1]
    if mode == "max":
        outs = []
        for bag, (s, e) in enumerate(zip(starts, ends)):
            pos = [p for p, bg in zip(kept, bag_of) if bg == bag]
            if pos:
                sel = rows.index_select(0, flat.new_tensor(pos)) if len(pos) < e - s else rows[s:e]
                outs.append(sel.amax(dim=0))
            else:
                outs.append(rows.new_zeros(d))
        from ... import stack
        return stack(outs) if outs else rows.new_zeros((0, d))
    out = rows.new_zeros((nbags, d))
    if kept:
        kept_t = flat.new_tensor(kept)
        out = out.index_add(0, flat.new_tensor(bag_of), rows.index_select(0, kept_t))
    if mode == "mean":
        counts = [0] * nbags
        for bg in bag_of:
            counts[bg] += 1
        out = out / rows.new_tensor([max(c, 1) for c in counts]).unsqueeze(1)
    return out
