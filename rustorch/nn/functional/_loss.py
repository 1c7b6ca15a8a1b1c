"""Loss functions (F.mse_loss, F.cross_entropy, F.ctc_loss ...), written on the
public Tensor API so autograd gives every gradient.

Each follows torch's formula (aten/src/ATen/native/Loss*.cpp and
torch/nn/functional.py) so values *and* gradients agree, including torch's
choices at the edges: BCE clamps its logs at -100, cross entropy with label
smoothing normalises by the target weights, CTC's gradient with respect to
``log_probs`` is torch's ``exp(log_probs) - posterior`` form (the two agree
whenever ``log_probs`` comes from ``log_softmax``)."""
import math
import warnings

from ... import _errors as E
from ...ops import elementwise as _ew
from ...ops import shape as _shape
from ...ops.creation import tensor as _tensor, arange as _arange, full_like as _full_like

__all__ = [
    "l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "poisson_nll_loss",
    "gaussian_nll_loss", "cosine_embedding_loss", "margin_ranking_loss", "triplet_margin_loss",
    "triplet_margin_with_distance_loss", "hinge_embedding_loss", "multilabel_soft_margin_loss",
    "soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss", "ctc_loss",
]

_REDUCTIONS = ("none", "mean", "sum")


# ------------------------------------------------------------------ helpers
def _legacy_reduction(size_average, reduce, reduction):
    """torch's ``legacy_get_string``: the deprecated size_average/reduce pair
    wins over ``reduction`` when either is given."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use reduction='"
                  + _legacy_string(size_average, reduce) + "' instead.", stacklevel=3)
    return _legacy_string(size_average, reduce)


def _legacy_string(size_average, reduce):
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


def _check_reduction(reduction, allowed=_REDUCTIONS):
    if reduction not in allowed:
        raise E.InvalidArgument(f"{reduction} is not a valid value for reduction")


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_same_size(input, target, name):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({_size(target)}) that is different to the input size "
                      f"({_size(input)}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=3)


def _size(t):
    return f"torch.Size([{', '.join(str(s) for s in t.shape)}])"


def _shape_str(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _log_softmax(x, dim):
    from .. import functional as F
    fn = getattr(F, "log_softmax", None)
    if fn is not None:
        return fn(x, dim)
    return x - x.logsumexp(dim, keepdim=True)


def _softplus_neg(x):
    """log(1 + exp(-x)), stable for every x, with the exact gradient
    -sigmoid(-x) everywhere (also at 0: the shift m cancels analytically)."""
    m = (-x).clamp_min(0)
    return ((-m).exp() + (-x - m).exp()).log() + m


def _is_int(t):
    return not t.dtype.is_floating_point and not t.dtype.is_complex and t.dtype.name != "bool"


def _any(t):
    """Host read of a boolean reduction (torch's CPU kernels check the same)."""
    return bool(t.any().item()) if t.numel() else False


# ------------------------------------------------------------------ regression
def _pointwise_prep(input, target, reduction, size_average, reduce, name):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_same_size(input, target, name)
    if tuple(input.shape) != tuple(target.shape):
        input, target = _shape.broadcast_tensors(input, target)
    return input, target, reduction


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    input, target, reduction = _pointwise_prep(input, target, reduction, size_average, reduce, "l1")
    loss = (input - target).abs()
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    input, target, reduction = _pointwise_prep(input, target, reduction, size_average, reduce, "mse")
    d = input - target
    loss = d * d
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    input, target, reduction = _pointwise_prep(input, target, reduction, size_average, reduce,
                                               "smooth_l1")
    if beta < 0:
        raise E.InvalidArgument("smooth_l1_loss does not support negative values for beta.")
    d = input - target
    z = d.abs()
    if beta == 0:
        loss = z
    else:
        loss = _ew.where(z < beta, (0.5 / beta) * (d * d), z - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    _check_reduction(reduction)
    input, target, reduction = _pointwise_prep(input, target, reduction, None, None, "huber")
    if delta <= 0:
        raise E.InvalidArgument("huber_loss does not support non-positive values for delta.")
    d = input - target
    z = d.abs()
    loss = _ew.where(z < delta, 0.5 * (d * d), delta * (z - 0.5 * delta))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# ------------------------------------------------------------------ classification
def _class_checks(input, target, weight, name="nll_loss"):
    """torch's nll_loss_nd checks; returns the number of classes."""
    if input.ndim < 1:
        raise E.InvalidArgument(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim != 1 and target.ndim >= 1 and input.shape[0] != target.shape[0]:
        raise E.InvalidArgument(f"Expected input batch_size ({input.shape[0]}) to match target "
                                f"batch_size ({target.shape[0]}).")
    if not _is_int(target):
        raise E.DTypeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_torch_dtype_name(target.dtype)}")
    c = input.shape[0] if input.ndim == 1 else input.shape[1]
    want = tuple(input.shape[:1]) + tuple(input.shape[2:]) if input.ndim > 1 else ()
    if tuple(target.shape) != want:
        if input.ndim <= 2:
            raise E.ShapeError("0D or 1D target tensor expected, multi-target not supported")
        raise E.ShapeError(f"Expected target size {_shape_str(want)}, got {_shape_str(target.shape)}")
    if weight is not None and (weight.ndim != 1 or weight.numel() != c):
        raise E.ShapeError(f"weight tensor should be defined either for all {c} classes or no "
                           f"classes but got weight tensor of shape: {_shape_str(weight.shape)}")
    return c


def _torch_dtype_name(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}.get(
                str(d).split(".")[-1], str(d))


def _check_class_range(target, c):
    from ...ops.indexing import check_index_range
    check_index_range(target, 0, c, lambda v: E.IndexOutOfRange(f"Target {v} is out of bounds."))


def _gather_class(x, idx):
    """x[n, idx[n, ...], ...] along the class dim (0 for unbatched input)."""
    d = 0 if x.ndim == 1 else 1
    return x.gather(d, idx.unsqueeze(d)).squeeze(d)


def _nll(input, target, weight, ignore_index, reduction):
    """(per-element loss, per-element weight) of nll, ignored entries zeroed."""
    c = _class_checks(input, target, weight)
    keep = target != ignore_index
    safe = _ew.where(keep, target, 0) if ignore_index is not None else target
    _check_class_range(safe, c)   # ignored targets are 0 here: always valid
    picked = _gather_class(input, safe)
    if weight is not None:
        w = weight.gather(0, safe.reshape(-1)).reshape(tuple(safe.shape))
        w = _ew.where(keep, w, 0.0).to(input.dtype)
    else:
        w = keep.to(input.dtype)
    return -(picked * w), w


def _nll_reduce(loss, w, reduction):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return _safe_mean(loss.sum(), w.sum())


def _safe_mean(total, count):
    """total / count, NaN when count == 0 (every target ignored) but with a
    zero gradient then, as torch's kernels give."""
    zero = count == 0
    return _ew.where(zero, float("nan"), total / _ew.where(zero, 1.0, count.to(total.dtype)))


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    loss, w = _nll(input, target, weight, ignore_index, reduction)
    return _nll_reduce(loss, w, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise E.InvalidArgument(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input.ndim < 1:
        raise E.InvalidArgument(f"Expected 1 or more dimensions (got {input.ndim})")
    cdim = 0 if input.ndim == 1 else 1
    c = input.shape[cdim]
    if tuple(input.shape) == tuple(target.shape):
        return _cross_entropy_probs(input, target, weight, ignore_index, reduction,
                                    label_smoothing, cdim, c)
    logp = _log_softmax(input, cdim)
    loss, w = _nll(logp, target, weight, ignore_index, reduction)
    nll = _nll_reduce(loss, w, reduction)
    if label_smoothing <= 0:
        return nll
    keep = target != ignore_index
    if weight is not None:
        shape = [1] * input.ndim
        shape[cdim] = c
        smooth = -(logp * weight.reshape(shape)).sum(cdim)
    else:
        smooth = -logp.sum(cdim)
    smooth = _ew.where(keep, smooth, 0.0)
    if reduction == "mean":
        smooth = _safe_mean(smooth.sum(), w.sum() if weight is not None else keep.sum())
    elif reduction == "sum":
        smooth = smooth.sum()
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / c)


def _cross_entropy_probs(input, target, weight, ignore_index, reduction, eps, cdim, c):
    if not target.dtype.is_floating_point:
        raise E.DTypeError(f"Expected floating point type for target with class probabilities, "
                           f"got {_torch_dtype_name(target.dtype)}")
    if ignore_index >= 0:
        raise E.InvalidArgument("ignore_index is not supported for floating point target")
    if weight is not None and (weight.ndim != 1 or weight.numel() != c):
        raise E.ShapeError(f"cross_entropy: weight tensor should be defined either for all {c} "
                           f"classes or no classes but got weight tensor of shape: "
                           f"{_shape_str(weight.shape)}")
    logp = _log_softmax(input, cdim)
    if eps > 0:
        target = target * (1 - eps) + eps / c
    prod = logp * target
    if weight is not None:
        shape = [1] * input.ndim
        shape[cdim] = c
        prod = prod * weight.reshape(shape)
    if reduction == "none":
        return -prod.sum(cdim)
    total = -prod.sum()
    if reduction == "sum":
        return total
    n = input.numel() // c if c else 0
    return total / n if n else total * float("nan")


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise E.InvalidArgument(f"Using a target size ({_size(target)}) that is different to the "
                                f"input size ({_size(input)}) is deprecated. Please ensure they "
                                "have the same size.")
    if _any((input < 0) | (input > 1)):
        raise E.InvalidArgument("all elements of input should be between 0 and 1")
    loss = -(target * _clamped_log(input) + (1 - target) * _clamped_log(1 - input))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _clamped_log(x):
    """max(log(x), -100) with a zero (not NaN) gradient where x == 0."""
    pos = x > 0
    safe = _ew.where(pos, x, 1.0)
    return _ew.where(pos, safe.log().clamp_min(-100.0), -100.0)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise E.InvalidArgument(f"Target size ({_size(target)}) must be the same as input size "
                                f"({_size(input)})")
    sp = _softplus_neg(input)            # log(1 + exp(-x))
    if pos_weight is not None:
        log_weight = (pos_weight - 1) * target + 1
        loss = (1 - target) * input + log_weight * sp
    else:
        loss = (1 - target) * input + sp
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, _REDUCTIONS + ("batchmean",))
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = _ew.xlogy(target, target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim != 0 else total
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        t = target
        stirling = t * t.log() - t + 0.5 * (2 * math.pi * t).log()
        loss = loss + _ew.where(t > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    if not hasattr(var, "shape"):
        if var < 0:
            raise E.InvalidArgument("var has negative entry/entries")
        var = _full_like(input, float(var))
    elif _any(var < 0):
        raise E.InvalidArgument("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.ndim == var.ndim and sum(y for x, y in zip(input.shape, var.shape) if x != y) == 1:
            pass
        else:
            raise E.InvalidArgument("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise E.InvalidArgument(reduction + " is not valid")
    # torch clamps a clone under no_grad: the gradient passes straight through
    var = var + (var.clamp_min(eps) - var).detach()
    d = input - target
    loss = 0.5 * (var.log() + d * d / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# ------------------------------------------------------------------ embedding / ranking
def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.ndim > 1:
        raise E.ShapeError("0D or 1D target tensor expected, multi-target not supported")
    if target.ndim == 1:
        if input1.ndim != 2 or input2.ndim != 2:
            raise E.ShapeError(f"1D target tensor expects 2D input tensors, but found inputs with "
                               f"sizes {_shape_str(input1.shape)} and {_shape_str(input2.shape)}.")
    elif input1.ndim != 1 or input2.ndim != 1:
        raise E.ShapeError(f"0D target tensor expects 1D input tensors, but found inputs with "
                           f"sizes {_shape_str(input1.shape)} and {_shape_str(input2.shape)}.")
    d = input1.ndim - 1
    eps = 1e-12
    prod = (input1 * input2).sum(d)
    m1 = (input1 * input1).sum(d) + eps
    m2 = (input2 * input2).sum(d) + eps
    cos = prod / (m1 * m2).sqrt()
    pos = _ew.where(target == 1, 1 - cos, 0.0)
    neg = _ew.where(target == -1, (cos - margin).clamp_min(0), 0.0)
    return _reduce(pos + neg, reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                        reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not (input1.ndim == input2.ndim == target.ndim):
        raise E.ShapeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {_size(input1)}, input2: {_size(input2)}, "
                           f"target: {_size(target)} ")
    loss = (-target * (input1 - input2) + margin).clamp_min(0)
    return _reduce(loss, reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    margin_clamp = (margin - input).clamp_min(0)
    out_margin = _ew.where(target != 1, margin_clamp, 0.0)
    out_self = _ew.where(target != -1, input, 0.0)
    return _reduce(out_margin + out_self, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    loss = (-input * target).exp().log1p()
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    # -(t * logsigmoid(x) + (1 - t) * logsigmoid(-x)) = t*sp(x) + (1-t)*sp(-x), sp(x) = log(1+e^-x)
    loss = target * _softplus_neg(input) + (1 - target) * _softplus_neg(-input)
    if weight is not None:
        loss = loss * weight
    cdim = input.ndim - 1
    loss = loss.sum(cdim) / input.shape[cdim]
    return _reduce(loss, reduction)


def _pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return (x1 - x2 + eps).norm(p, dim=-1, keepdim=keepdim)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    a, pz, n = anchor.ndim, positive.ndim, negative.ndim
    if not (a == pz == n):
        raise E.ShapeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a}D, positive {pz}D, and "
                           f"negative {n}D inputs")
    if margin <= 0:
        raise E.InvalidArgument(f"TripletMarginLoss: expected margin to be greater than 0, got "
                                f"{margin} instead")
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = _ew.minimum(d_neg, _pairwise_distance(positive, negative, p, eps))
    loss = (margin + d_pos - d_neg).clamp_min(0)
    return _reduce(loss, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    _check_reduction(reduction)
    if margin <= 0:
        raise E.InvalidArgument(f"triplet_margin_with_distance_loss: expected margin to be greater "
                                f"than 0, got {margin} instead")
    a, pz, n = anchor.ndim, positive.ndim, negative.ndim
    if not (a == pz == n):
        raise E.ShapeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a}D, positive {pz}D, and "
                           f"negative {n}D inputs")
    dist = distance_function if distance_function is not None else _pairwise_distance
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = _ew.minimum(d_neg, dist(positive, negative))
    loss = (margin + d_pos - d_neg).clamp_min(0)
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if p not in (1, 2):
        raise E.InvalidArgument("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise E.InvalidArgument("weight must be one-dimensional")
    if input.ndim > 2 or (input.ndim == 2 and (target.ndim != 1 or target.shape[0] != input.shape[0])) \
            or (input.ndim <= 1 and target.numel() != 1):
        raise E.ShapeError(f"inconsistent target size, expected {input.shape[0] if input.ndim == 2 else 1} "
                           f"but got {_shape_str(target.shape)}")
    c = input.shape[-1] if input.ndim else 1
    if _any((target < 0) | (target >= c)):
        raise E.InvalidArgument("target out of range")
    x = input if input.ndim == 2 else input.reshape(1, c)
    t = target.reshape(-1)
    x_y = x.gather(1, t.unsqueeze(1))
    z = (margin - x_y + x).clamp_min(0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight.gather(0, t).unsqueeze(1)
    other = _arange(c, device=input.device).unsqueeze(0) != t.unsqueeze(1)
    loss = _ew.where(other, z, 0.0).sum(1) / c
    if input.ndim < 2:
        loss = loss.reshape(tuple(target.shape) if target.ndim else ())
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape) or input.ndim > 2:
        raise E.ShapeError(f"inconsistent target size: {_shape_str(target.shape)} for input of "
                           f"size: {_shape_str(input.shape)}")
    c = input.shape[-1] if input.ndim else 1
    x = input.reshape(-1, c)
    t = target.reshape(-1, c)
    if _any((t < -1) | (t >= c)):
        raise E.InvalidArgument("target out of range")
    # targets are read up to the first -1
    valid = (t >= 0).to(input.dtype).cumprod(1) > 0                       # (N, C) over j
    safe = _ew.where(valid, t, 0)
    x_t = x.gather(1, safe)                                               # x[y_j]
    classes = _arange(c, device=input.device)
    hit = (safe.unsqueeze(2) == classes.reshape(1, 1, c)) & valid.unsqueeze(2)   # (N, j, i)
    is_target = hit.any(1)                                                # (N, i)
    z = (1 - (x_t.unsqueeze(2) - x.unsqueeze(1))).clamp_min(0)          # (N, j, i)
    mask = valid.unsqueeze(2) & (~is_target).unsqueeze(1)
    loss = _ew.where(mask, z, 0.0).sum((1, 2)) / c
    if input.ndim < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


# ------------------------------------------------------------------ CTC
def _as_list(v, name):
    if isinstance(v, int):
        return [v]
    if hasattr(v, "tolist"):
        v = v.tolist()
        return [v] if not isinstance(v, list) else v
    return list(v)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Connectionist temporal classification: the alpha recursion in log
    space, one step per time frame, vectorised over the batch and the
    extended label sequence; autograd differentiates it."""
    _check_reduction(reduction)
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        targets = targets.unsqueeze(0) if targets.ndim == 1 else targets
    if log_probs.ndim != 3:
        raise E.ShapeError(f"ctc_loss: expected log_probs to be 2-D or 3-D, got "
                           f"{log_probs.ndim}-D")
    T, N, C = log_probs.shape
    il = _as_list(input_lengths, "input_lengths")
    tl = _as_list(target_lengths, "target_lengths")
    if len(il) != N:
        raise E.ShapeError("input_lengths must be of size batch_size")
    if len(tl) != N:
        raise E.ShapeError("target_lengths must be of size batch_size")
    if not 0 <= blank < C:
        raise E.InvalidArgument("blank must be in label range")
    for v in il:
        if v > T:
            raise E.InvalidArgument(f"Expected input_lengths to have value at most {T}, but got "
                                    f"value {v} (while checking arguments for "
                                    "ctc_loss_allocate_outputs)")
        if v < 0:
            raise E.InvalidArgument(f"Expected input_lengths to have value at least 0, but got "
                                    f"value {v}")
    for v in tl:
        if v < 0:
            raise E.InvalidArgument(f"Expected target_lengths to have value at least 0, but got "
                                    f"value {v} (while checking arguments for "
                                    "ctc_loss_allocate_outputs)")
    tg = targets.tolist()
    if targets.ndim == 1:
        if len(tg) != sum(tl):
            raise E.ShapeError(f"Expected tensor to have size {sum(tl)} at dimension 0, but got "
                               f"size {len(tg)} for argument #2 'targets' (while checking "
                               "arguments for ctc_loss_allocate_outputs)")
        seqs, o = [], 0
        for n in range(N):
            seqs.append(tg[o:o + tl[n]])
            o += tl[n]
    else:
        s_max = targets.shape[1]
        for v in tl:
            if v > s_max:
                raise E.ShapeError(f"Expected tensor to have size at least {v} at dimension 1, "
                                   f"but got size {s_max} for argument #2 'targets' (while "
                                   "checking arguments for ctc_loss_allocate_outputs)")
        seqs = [tg[n][:tl[n]] for n in range(N)]
    for s in seqs:
        for v in s:
            if not 0 <= v < C:
                raise E.IndexOutOfRange(f"Target {v} is out of bounds.")
    S = max(tl) if tl else 0
    L = 2 * S + 1
    ext, skip, finals = [], [], []
    for n in range(N):
        e = [blank] * L
        for i, v in enumerate(seqs[n]):
            e[2 * i + 1] = v
        ext.append(e)
        skip.append([s >= 2 and e[s] != blank and e[s] != e[s - 2] for s in range(L)])
        last = 2 * tl[n]
        finals.append([last, max(last - 1, 0)])
    dev = log_probs.device
    neg = -1e30 if log_probs.dtype.itemsize <= 4 else -1e300
    ext_t = _tensor(ext, device=dev)                                       # (N, L)
    lp = log_probs.gather(2, ext_t.unsqueeze(0).expand(T, N, L))           # (T, N, L)
    skip_t = _tensor(skip, device=dev)
    # alpha_0: only the leading blank and the first label may start a path
    start = _tensor([[s == 0 or (s == 1 and tl[n] > 0) for s in range(L)] for n in range(N)],
                    device=dev)
    alpha = _ew.where(start, lp[0], neg) if T else None
    alphas = [alpha]
    pad1 = _full_like(lp[0][:, :1], neg) if T else None
    pad2 = _full_like(lp[0][:, :2], neg) if T and L >= 2 else pad1
    for t in range(1, T):
        a1 = _shape.cat([pad1, alpha[:, :-1]], 1)
        if L >= 2:
            a2 = _shape.cat([pad2, alpha[:, :-2]], 1) if L > 2 else pad2[:, :L]
            a2 = _ew.where(skip_t, a2, neg)
        else:
            a2 = _full_like(alpha, neg)
        m = _ew.maximum(_ew.maximum(alpha, a1), a2).detach()
        alpha = ((alpha - m).exp() + (a1 - m).exp() + (a2 - m).exp()).log() + m + lp[t]
        alphas.append(alpha)
    if T == 0:
        raise E.InvalidArgument("ctc_loss: log_probs must have at least one time step")
    stack = _shape.stack(alphas, 1)                                         # (N, T, L)
    tidx = _tensor([max(v - 1, 0) for v in il], device=dev).reshape(N, 1, 1).expand(N, 1, L)
    last = stack.gather(1, tidx).squeeze(1)                                 # (N, L)
    fin = last.gather(1, _tensor(finals, device=dev))                       # (N, 2)
    one_final = _tensor([[True, tl[n] > 0] for n in range(N)], device=dev)
    fin = _ew.where(one_final, fin, neg)
    m = fin.max(1, keepdim=True)[0].detach()
    lse = ((fin - m).exp().sum(1, keepdim=True)).log().squeeze(1) + m.squeeze(1)
    feasible = (lse > neg / 2) & _tensor([v > 0 for v in il], device=dev)
    nll = -lse
    # torch's gradient wrt log_probs is exp(log_probs) - posterior (the form
    # that is exact after log_softmax): add exp(lp) over each sample's frames
    frame = _tensor([[t < il[n] for n in range(N)] for t in range(T)], device=dev)   # (T, N)
    ep = _ew.where(frame.unsqueeze(2), log_probs.exp(), 0.0).sum((0, 2))
    nll = nll + (ep - ep.detach())
    inf = float("inf")
    loss = _ew.where(feasible, nll, 0.0 if zero_infinity else inf)
    if reduction == "mean":
        lens = _tensor([max(v, 1) for v in tl], device=dev, dtype=loss.dtype)
        loss = (loss / lens).mean()
    elif reduction == "sum":
        loss = loss.sum()
    elif unbatched:
        loss = loss.squeeze(0)
    return loss
