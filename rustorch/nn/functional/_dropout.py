"""Dropout family: dropout, dropout1d/2d/3d (channel-wise), alpha_dropout,
feature_alpha_dropout.  Masks come from rustorch's seeded generator
(``bernoulli_``), so results are reproducible under ``rustorch.manual_seed``;
the gradient is the output's mask times the upstream gradient."""
import math
import warnings

from ..._errors import InvalidArgument, ShapeError

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout"]

_ALPHA = 1.7580993408473766     # -SELU scale * alpha


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise InvalidArgument(f"dropout probability has to be between 0 and 1, but got {p}")


def _noise_shape(input, feature):
    if not feature:
        return tuple(input.shape)
    if input.ndim < 2:
        raise ShapeError(f"Feature dropout requires at least 2 dimensions in the input, got "
                         f"{input.ndim}")
    return tuple(input.shape[:2]) + (1,) * (input.ndim - 2)


def _dropout_impl(input, p, training, inplace, feature, alpha):
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    if p == 1:
        out = input * 0
        return input.copy_(out) if inplace else out
    noise = input.new_empty(_noise_shape(input, feature)).bernoulli_(1 - p)
    if alpha:
        a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
        b = (noise - 1) * (_ALPHA * a) + _ALPHA * a * p
        out = input * (noise * a) + b
    else:
        out = input * noise.div_(1 - p)
    return input.copy_(out) if inplace else out


def dropout(input, p=0.5, training=True, inplace=False):
    return _dropout_impl(input, p, training, inplace, False, False)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _dropout_impl(input, p, training, inplace, False, True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _dropout_impl(input, p, training, inplace, True, True)


def _batched(input, fn, inplace):
    """Run channel-wise dropout on an unbatched input as a batch of one."""
    out = fn(input.unsqueeze(0))
    out = out.squeeze(0)
    return input.copy_(out) if inplace else out


def dropout1d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    if input.ndim not in (2, 3):
        raise ShapeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D "
                         "input. Note that dropout1d exists to provide channel-wise dropout on "
                         "inputs with 1 spatial dimension, a channel dimension, and an optional "
                         "batch dimension (i.e. 2D or 3D inputs).")
    if input.ndim == 2:
        return _batched(input, lambda x: _dropout_impl(x, p, training, False, True, False),
                        inplace)
    return _dropout_impl(input, p, training, inplace, True, False)


def dropout2d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is "
                      "deprecated and will result in an error in a future release. To retain "
                      "the behavior and silence this warning, please use dropout instead. Note "
                      "that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 3D or 4D inputs).", stacklevel=2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release "
                      "to interpret the input as one without a batch dimension, i.e. shape "
                      "(C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=2)
    return _dropout_impl(input, p, training, inplace, True, False)


def dropout3d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    if input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is "
                      "deprecated and will result in an error in a future release. To retain "
                      "the behavior and silence this warning, please use dropout instead. Note "
                      "that dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 4D or 5D inputs).", stacklevel=2)
    if input.ndim == 4:
        return _batched(input, lambda x: _dropout_impl(x, p, training, False, True, False),
                        inplace)
    return _dropout_impl(input, p, training, inplace, True, False)
