"""torch.nn.functional: stateless layers written on the public Tensor API."""
import numbers

from ... import _dtype as dt
from ..._errors import InvalidType, ShapeError, UnsupportedError, shape_str
from ..._tensor import Tensor, make
from ...autograd.grad_mode import STATE
from ...ops._core import py_scalar, record

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")
_KERNEL = {"reflect": "reflection_pad", "replicate": "replication_pad"}


class PadModeError(UnsupportedError):
    """An unknown or unsupported padding mode (torch raises NotImplementedError)."""


class PadError(ShapeError):
    """Pads that do not fit the input (torch raises RuntimeError)."""


def _pad_list(pad):
    if not isinstance(pad, (tuple, list)):
        raise InvalidType(f"pad(): argument 'pad' (position 2) must be tuple of ints, not "
                          f"{type(pad).__name__}")
    out = []
    for i, p in enumerate(pad):
        if isinstance(p, Tensor) and p.ndim == 0 and p.dtype.category == 1:
            p = int(p.item())
        if not isinstance(p, numbers.Integral) or isinstance(p, bool):
            raise InvalidType(f"pad(): argument 'pad' (position 2) must be tuple of ints, but found "
                              f"element of type {type(p).__name__} at pos {i}")
        out.append(int(p))
    return out


def _constant_checks(shape, pad):
    """torch's constant_pad_nd: negative pads narrow first (left, then right)."""
    nd = len(shape)
    npairs = len(pad) // 2
    for i in range(nd - npairs, nd):
        lo, hi = pad[2 * (nd - i - 1)], pad[2 * (nd - i - 1) + 1]
        n = shape[i]
        if lo < 0:
            if n + lo < 0:
                raise PadError("narrow(): length must be non-negative.")
            n += lo
        if hi < 0 and n + hi < 0:
            raise PadError("narrow(): length must be non-negative.")


def _valid_input(shape, k):
    """padding::check_valid_input<k>: only the batch dim may be empty."""
    nd = len(shape)
    dims = shape[1:] if nd == k + 2 else shape
    if 0 in dims:
        raise PadError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch "
                       f"size and other non-zero dimensions for input, but got: {shape_str(shape)}")


def _nonconstant_checks(x, shape, pad, mode):
    nd = len(shape)
    k = len(pad) // 2
    if x.dtype is dt.bool and mode != "circular":
        raise PadModeError(f"\"{_KERNEL[mode]}{k}d\" not implemented for 'Bool'")
    # (pad pair, dim) for W, H, D
    pairs = [((pad[2 * j], pad[2 * j + 1]), nd - 1 - j) for j in range(k)]
    if mode == "circular":
        for (lo, hi), d in reversed(pairs):
            n = shape[d]
            if lo > n or hi > n:
                raise PadError("Padding value causes wrapping around more than once.")
            if n + lo + hi < 0:
                raise PadError("Negative padding value is resulting in an empty dimension")
        for (lo, hi), d in pairs:
            # torch reads uninitialised memory here; wrapping the cropped part more
            # than once is what the message above describes
            c = shape[d] - max(-lo, 0) - max(-hi, 0)
            if lo > c or hi > c:
                raise PadError("Padding value causes wrapping around more than once.")
        return
    _valid_input(shape, k)
    if mode == "reflect":
        for j, ((lo, hi), d) in enumerate(pairs):
            if not (lo < shape[d] and hi < shape[d]):
                raise PadError(f"Argument #{4 + 2 * j}: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding ({lo}, {hi}) at "
                               f"dimension {d} of input {shape_str(shape)}")
    outs = [shape[d] + lo + hi for (lo, hi), d in pairs]
    if all(o < 1 for o in outs):
        if k == 1:
            raise PadError(f"input (W: {shape[-1]}) is too small. Calculated output W: {outs[0]}")
        if k == 2:
            sp = " " if mode == "replicate" else ""
            raise PadError(f"input (H: {shape[-2]}, W: {shape[-1]}{sp}) is too small. Calculated "
                           f"output H: {outs[1]} W: {outs[0]}")
        raise PadError(f"input (D: {shape[-3]} H: {shape[-2]}, W: {shape[-1]}) is too small. "
                       f"Calculated output D: {outs[2]} H: {outs[1]} W: {outs[0]}")
    new = list(shape)
    for ((lo, hi), d), o in zip(pairs, outs):
        new[d] = o
    for o in new:
        if o < 0:
            raise PadError(f"Trying to create tensor with negative dimension {o}: "
                           f"{shape_str(new)}")


def _pad_bwd(n, g):
    pads, mode, shape = n.ctx
    if mode == "constant":
        return (_pad_raw(g, tuple((-lo, -hi) for lo, hi in pads), "constant", 0),)
    return (_pad_adjoint(g, pads, mode, shape),)


def _pad_raw(x, pads, mode, value):
    """Pad with one (before, after) pair per dim; differentiable."""
    b = x._b
    res = make(b.pad(x._data, pads, mode, value), b)
    if STATE.enabled and x._rg:
        record(res, "ConstantPadNdBackward0" if mode == "constant" else
               {"reflect": "ReflectionPadBackward0", "replicate": "ReplicationPadBackward0",
                "circular": "PadCircularBackward0"}[mode],
               _pad_bwd, (x,), ctx=(pads, mode, tuple(x.shape)))
    return res


def _pad_adjoint(g, pads, mode, shape):
    """The gradient of a reflect/replicate/circular pad; its own gradient is the
    pad again, so double backward works."""
    b = g._b
    res = make(b.pad_backward(g._data, pads, mode, shape), b)
    if STATE.enabled and g._rg:
        record(res, "PadBackwardBackward0", lambda n, gg: (_pad_raw(gg, pads, mode, 0),), (g,))
    return res


def pad(input, pad, mode="constant", value=None):
    """torch.nn.functional.pad: ``pad`` lists (left, right) pairs starting from
    the last dim; negative values crop.  Modes: constant (filled with
    ``value``), reflect, replicate, circular."""
    if not isinstance(input, Tensor):
        raise InvalidType(f"pad(): argument 'input' (position 1) must be Tensor, not "
                          f"{type(input).__name__}")
    pad = _pad_list(pad)
    if mode not in _MODES:
        raise PadModeError(f"Unrecognised padding mode {mode}")
    shape = tuple(input.shape)
    nd = len(shape)
    if len(pad) % 2:
        raise PadError("Padding length must be divisible by 2")
    if len(pad) > 2 * nd:
        raise PadError(f"Padding length should be less than or equal to two times the input "
                       f"dimension but got padding length {len(pad)} and input of dimension {nd}")
    if mode == "constant":
        _constant_checks(shape, pad)
        fill = py_scalar(0 if value is None else value, input.dtype)
    else:
        if value is not None and value != 0:
            raise PadError(f"Padding mode \"{mode}\" doesn't take in value argument")
        k = len(pad) // 2
        if not (k in (1, 2, 3) and nd in (k + 1, k + 2)):
            raise PadModeError(
                f"Padding size {len(pad)} is not supported for {nd}D input tensor.\n"
                "Supported combinations for non-constant padding:\n"
                "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
        _nonconstant_checks(input, shape, pad, mode)
        fill = 0
    pads = [(0, 0)] * nd
    for j in range(len(pad) // 2):
        pads[nd - 1 - j] = (pad[2 * j], pad[2 * j + 1])
    return _pad_raw(input, tuple(pads), mode, fill)

