"""ONNX training losses: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.

Both map onto ``rustorch.nn.functional.nll_loss`` (PyTorch's semantics are the
ONNX ones: per-element loss ``-input[n, target[n, ...], ...] * weight[c]``,
ignored targets contribute zero, ``mean`` divides by the summed weights of the
kept targets), so they run on every device and autograd flows.

Versioning: opset 13 (SoftmaxCrossEntropyLoss, NegativeLogLikelihoodLoss) and
22 (NegativeLogLikelihoodLoss) only widen the accepted types (bfloat16), so one
registration at opset 12 serves them all.
"""
import rustorch as rt
import rustorch.nn.functional as F

from ..._errors import IndexOutOfRange, InvalidArgument, InvalidType, ShapeError
from . import op

_REDUCTIONS = ("none", "sum", "mean")
_FLOATS = (rt.float16, rt.bfloat16, rt.float32, rt.float64)
_INDEX = (rt.int32, rt.int64)

# nll_loss needs some ignore_index; when the node has none, this one is used
# after checking that no target holds it (targets must then all be in [0, C)).
_NO_IGNORE = -100


def _check_inputs(name, x, target, weight, reduction):
    if reduction not in _REDUCTIONS:
        raise InvalidArgument(f"ONNX {name}: reduction={reduction!r} must be one of {list(_REDUCTIONS)}")
    if x.dtype not in _FLOATS:
        raise InvalidType(f"ONNX {name}: input must be a floating tensor, got {x.dtype}")
    if target.dtype not in _INDEX:
        raise InvalidType(f"ONNX {name}: target must be int32 or int64, got {target.dtype}")
    if x.ndim < 2:
        raise ShapeError(f"ONNX {name}: input of shape {list(x.shape)} needs the shape (N, C, d1, ..., dk)")
    want = [x.shape[0]] + list(x.shape[2:])
    if list(target.shape) != want:
        raise ShapeError(f"ONNX {name}: target of shape {list(target.shape)} does not match input of "
                         f"shape {list(x.shape)} (expected {want})")
    c = x.shape[1]
    if weight is not None:
        if list(weight.shape) != [c]:
            raise ShapeError(f"ONNX {name}: weight of shape {list(weight.shape)} must have shape [{c}] "
                             f"(one value per class)")
        if weight.dtype != x.dtype:
            raise InvalidType(f"ONNX {name}: weight dtype {weight.dtype} differs from input dtype {x.dtype}")


def _nll(name, logp, target, weight, ignore_index, reduction):
    """F.nll_loss with ONNX's optional ignore_index and a message naming the node's values."""
    c = logp.shape[1]
    target = target if target.dtype == rt.int64 else target.to(rt.int64)
    if ignore_index is None:
        if target.numel() and bool(((target < 0) | (target >= c)).any()):
            bad = target[(target < 0) | (target >= c)].reshape(-1)[0].item()
            raise IndexOutOfRange(f"ONNX {name}: target value {bad} is outside [0, {c}) and the node "
                                  f"has no ignore_index")
        ignore_index = _NO_IGNORE
    try:
        return F.nll_loss(logp, target, weight=weight, ignore_index=int(ignore_index),
                          reduction=reduction)
    except IndexOutOfRange as e:
        raise IndexOutOfRange(f"ONNX {name}: {e} (input has C={c} classes, "
                              f"ignore_index={ignore_index})") from e


@op("NegativeLogLikelihoodLoss", since=12)
def negative_log_likelihood_loss(ctx, x, target, weight=None):
    name = "NegativeLogLikelihoodLoss"
    reduction = ctx.attr("reduction", "mean")
    _check_inputs(name, x, target, weight, reduction)
    return _nll(name, x, target, weight, ctx.attr("ignore_index"), reduction)


@op("SoftmaxCrossEntropyLoss", since=12)
def softmax_cross_entropy_loss(ctx, scores, labels, weights=None):
    name = "SoftmaxCrossEntropyLoss"
    reduction = ctx.attr("reduction", "mean")
    _check_inputs(name, scores, labels, weights, reduction)
    log_prob = F.log_softmax(scores, dim=1)
    loss = _nll(name, log_prob, labels, weights, ctx.attr("ignore_index"), reduction)
    # log_prob is the optional second output; it is needed for the loss anyway
    return loss, log_prob
