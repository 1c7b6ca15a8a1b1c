"""ONNX operators that build, reshape, index and rearrange tensors.

Everything is written against rustorch's public Tensor API (reshape, narrow,
index_select, gather, scatter ...), so the ops run on every device and
autograd flows through the data paths.  Shape-like inputs (``shape``,
``starts``, ``pads`` ...) are small int tensors read back to the host once.
"""
import math

import rustorch as rt

from ..._errors import (IndexOutOfRange, InvalidArgument, InvalidType, ShapeError,
                        UnsupportedError, shape_str)
from . import op

# Largest tensor an op may create from a shape given *in the data* (ConstantOfShape,
# Expand, Tile, Range, Pad ...): a hostile file must get an error, not an
# attempt to allocate terabytes.
MAX_ELEMENTS = 1 << 32

# ONNX TensorProto.DataType codes rustorch can hold.
_ONNX_TO_RT = {1: rt.float32, 2: rt.uint8, 3: rt.int8, 5: rt.int16, 6: rt.int32, 7: rt.int64,
               9: rt.bool, 10: rt.float16, 11: rt.float64, 14: rt.complex64, 15: rt.complex128,
               16: rt.bfloat16, 4: rt.uint16, 12: rt.uint32, 13: rt.uint64,
               17: rt.float8_e4m3fn, 18: rt.float8_e4m3fnuz, 19: rt.float8_e5m2,
               20: rt.float8_e5m2fnuz}
_ONNX_NAMES = {8: "string", 21: "uint4",
               22: "int4", 23: "float4e2m1", 24: "float8e8m0", 25: "uint2", 26: "int2"}


def onnx_dtype(code, what="dtype"):
    """The rustorch dtype of ONNX element type ``code`` (an int)."""
    dt = _ONNX_TO_RT.get(code)
    if dt is None:
        name = _ONNX_NAMES.get(code)
        if name is not None:
            raise UnsupportedError(f"ONNX {what} {name} (code {code}) has no rustorch dtype")
        raise InvalidArgument(f"ONNX {what} code {code} is not a valid TensorProto data type")
    return dt


def device_of(ctx, *tensors):
    """Where derived tensors go: next to the first tensor input, else ctx.device."""
    for t in tensors:
        if isinstance(t, rt.Tensor):
            return t.device
    return ctx.device


def host_ints(t, what):
    """A small int tensor (shape, axes, pads ...) as a list of Python ints."""
    if not isinstance(t, rt.Tensor):
        raise InvalidType(f"{what} must be a tensor, got {type(t).__name__}")
    if t.dtype.category != 1 and t.dtype != rt.uint8:      # not an integer dtype
        raise InvalidType(f"{what} must be an integer tensor, got {t.dtype}")
    if t.dim() > 1:
        raise ShapeError(f"{what} must be 1-D, got shape {shape_str(t.shape)}")
    v = t.tolist()
    return [v] if t.dim() == 0 else v


def host_scalar(t, what):
    """A one-element tensor as a Python number."""
    if not isinstance(t, rt.Tensor) or t.numel() != 1:
        shape = shape_str(t.shape) if isinstance(t, rt.Tensor) else type(t).__name__
        raise ShapeError(f"{what} must hold exactly one element, got {shape}")
    return t.reshape(-1)[0].item()


def norm_axis(axis, rank, what="axis"):
    if not -rank <= axis < max(rank, 1) or (rank == 0 and axis != 0):
        raise IndexOutOfRange(f"{what} {axis} is out of range for a tensor of rank {rank}")
    return axis + rank if axis < 0 else axis


def norm_axes(axes, rank, what="axes"):
    out = [norm_axis(a, rank, what) for a in axes]
    if len(set(out)) != len(out):
        raise InvalidArgument(f"{what} {list(axes)} repeat an axis")
    return out


def check_numel(shape, what):
    n = 1
    for s in shape:
        if s < 0:
            raise InvalidArgument(f"{what}: negative dimension in shape {list(shape)}")
        n *= s
    if n > MAX_ELEMENTS:
        raise InvalidArgument(f"{what}: shape {list(shape)} has {n} elements, more than the "
                              f"{MAX_ELEMENTS} rustorch allows an ONNX op to create")
    return n


def _index_tensor(idx, dim_size, what):
    """Integer indices as int64 with negatives wrapped; IndexOutOfRange outside [-n, n)."""
    if idx.dtype.category != 1:
        raise InvalidType(f"{what} indices must be int32 or int64, got {idx.dtype}")
    idx = idx.long()
    if idx.numel():
        lo, hi = idx.min().item(), idx.max().item()
        if lo < -dim_size or hi >= dim_size:
            bad = lo if lo < -dim_size else hi
            raise IndexOutOfRange(f"{what}: index {bad} is out of bounds for a dimension of size "
                                  f"{dim_size}")
    return rt.where(idx < 0, idx + dim_size, idx)


# ---------------------------------------------------------------- constants

@op("Constant", since=1)
def constant(ctx):
    a = ctx.attrs
    dev = ctx.device
    if "value" in a:
        v = a["value"]
        return v.to(dev) if dev is not None else v
    if "value_float" in a:
        return rt.tensor(float(a["value_float"]), dtype=rt.float32, device=dev)
    if "value_floats" in a:
        return rt.tensor([float(v) for v in a["value_floats"]], dtype=rt.float32, device=dev)
    if "value_int" in a:
        return rt.tensor(int(a["value_int"]), dtype=rt.int64, device=dev)
    if "value_ints" in a:
        return rt.tensor([int(v) for v in a["value_ints"]], dtype=rt.int64, device=dev)
    if "sparse_value" in a:
        return _dense_from_sparse(a["sparse_value"], dev)
    if "value_string" in a or "value_strings" in a:
        raise UnsupportedError("ONNX Constant with a string value: rustorch has no string tensors")
    raise InvalidArgument("ONNX Constant node has none of the value* attributes")


def _dense_from_sparse(sp, dev):
    """A SparseTensorProto (values, indices, dims) as a dense tensor."""
    if isinstance(sp, rt.Tensor):
        return sp.to(dev) if dev is not None else sp
    from .._proto import tensor_to_rt          # lazily: the codec is only needed here
    values = tensor_to_rt(sp.values, device=dev)
    indices = tensor_to_rt(sp.indices, device=dev).long()
    dims = [int(d) for d in sp.dims]
    n = check_numel(dims, "Constant sparse_value")
    if indices.dim() == 2:                      # [NNZ, rank] coordinates -> linear
        stride, lin = 1, rt.zeros(indices.shape[0], dtype=rt.int64, device=dev)
        for i in reversed(range(len(dims))):
            lin = lin + indices[:, i] * stride
            stride *= dims[i]
        indices = lin
    flat = rt.zeros(n, dtype=values.dtype, device=dev)
    flat = flat.index_copy(0, _index_tensor(indices.reshape(-1), n, "sparse_value"),
                           values.reshape(-1))
    return flat.reshape(dims)


@op("ConstantOfShape", since=9)
def constant_of_shape(ctx, shape):
    dims = host_ints(shape, "ConstantOfShape shape")
    check_numel(dims, "ConstantOfShape")
    value = ctx.attr("value")
    if value is None:
        return rt.zeros(dims, dtype=rt.float32, device=device_of(ctx, shape))
    if value.numel() != 1:
        raise ShapeError(f"ConstantOfShape value must hold one element, got shape "
                         f"{shape_str(value.shape)}")
    return rt.full(dims, value.reshape(-1)[0].item(), dtype=value.dtype,
                   device=device_of(ctx, shape))


@op("Shape", since=1)
def shape_op(ctx, x):
    dims = list(x.shape)
    r = len(dims)
    start, end = ctx.attr("start", 0), ctx.attr("end", r)
    start = min(max(start + r if start < 0 else start, 0), r)   # ONNX clamps, never errors
    end = min(max(end + r if end < 0 else end, 0), r)
    return rt.tensor(dims[start:end], dtype=rt.int64, device=device_of(ctx, x))


@op("Size", since=1)
def size_op(ctx, x):
    return rt.tensor(x.numel(), dtype=rt.int64, device=device_of(ctx, x))


@op("Identity", since=1)
def identity(ctx, x):
    return x                                   # tensors, sequences and optionals alike


# ---------------------------------------------------------------- reshaping

def _reshape_target(in_shape, shape, allowzero):
    total = math.prod(in_shape)
    out, infer = [], None
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise InvalidArgument(f"Reshape shape {shape} has more than one -1")
            infer = i
            out.append(1)
        elif s == 0 and not allowzero:
            if i >= len(in_shape):
                raise ShapeError(f"Reshape shape {shape} copies dimension {i} (0) of input "
                                 f"{shape_str(in_shape)}, which has no such dimension")
            out.append(in_shape[i])
        elif s < 0:
            raise InvalidArgument(f"Reshape shape {shape} has a negative dimension {s}")
        else:
            out.append(s)
    if infer is not None:
        known = math.prod(out)
        if known == 0 or total % known:
            raise ShapeError(f"Reshape cannot infer the -1 in {shape} for input "
                             f"{shape_str(in_shape)} ({total} elements)")
        out[infer] = total // known
    if math.prod(out) != total:
        raise ShapeError(f"Reshape of input {shape_str(in_shape)} ({total} elements) into "
                         f"{shape} gives {shape_str(out)} ({math.prod(out)} elements)")
    return out


@op("Reshape", since=1)
def reshape_v1(ctx, x):
    return x.reshape(_reshape_target(list(x.shape), list(ctx.attr("shape", [])), False))


@op("Reshape", since=5)
def reshape(ctx, x, shape):
    target = host_ints(shape, "Reshape shape")
    return x.reshape(_reshape_target(list(x.shape), target, ctx.attr("allowzero", 0)))


@op("Flatten", since=1)
def flatten(ctx, x):
    r = x.dim()
    axis = ctx.attr("axis", 1)
    if not -r <= axis <= r:
        raise IndexOutOfRange(f"Flatten axis {axis} is out of range for rank {r}")
    axis = axis + r if axis < 0 else axis
    dims = list(x.shape)
    return x.reshape(math.prod(dims[:axis]), math.prod(dims[axis:]))


def _squeeze(x, axes):
    dims = list(x.shape)
    if axes is None:
        return x.reshape([d for d in dims if d != 1])
    axes = norm_axes(axes, len(dims), "Squeeze axes")
    for a in axes:
        if dims[a] != 1:
            raise ShapeError(f"Squeeze axis {a} of input {shape_str(dims)} has size {dims[a]}, "
                             f"not 1")
    return x.reshape([d for i, d in enumerate(dims) if i not in axes])


def _unsqueeze(x, axes):
    dims = list(x.shape)
    out_rank = len(dims) + len(axes)
    axes = norm_axes(axes, out_rank, "Unsqueeze axes")
    it = iter(dims)
    return x.reshape([1 if i in axes else next(it) for i in range(out_rank)])


@op("Squeeze", since=1)
def squeeze_v1(ctx, x):
    return _squeeze(x, ctx.attr("axes"))


@op("Squeeze", since=13)
def squeeze(ctx, x, axes=None):
    return _squeeze(x, None if axes is None else host_ints(axes, "Squeeze axes"))


@op("Unsqueeze", since=1)
def unsqueeze_v1(ctx, x):
    axes = ctx.attr("axes")
    if axes is None:
        raise InvalidArgument("Unsqueeze needs the axes attribute")
    return _unsqueeze(x, axes)


@op("Unsqueeze", since=13)
def unsqueeze(ctx, x, axes):
    return _unsqueeze(x, host_ints(axes, "Unsqueeze axes"))


@op("Transpose", since=1)
def transpose(ctx, x):
    r = x.dim()
    perm = ctx.attr("perm")
    if perm is None:
        perm = list(range(r))[::-1]
    if sorted(norm_axes(perm, r, "Transpose perm")) != list(range(r)) or len(perm) != r:
        raise InvalidArgument(f"Transpose perm {list(perm)} is not a permutation of {r} axes")
    return x.permute(*norm_axes(perm, r))


@op("Concat", since=1)
def concat(ctx, *xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        raise InvalidArgument("Concat needs at least one input")
    axis = ctx.attr("axis", 1 if ctx.opset < 4 else None)
    if axis is None:
        raise InvalidArgument("Concat needs the axis attribute")
    r = xs[0].dim()
    axis = norm_axis(axis, r, "Concat axis")
    for x in xs[1:]:
        if x.dim() != r or any(a != b for i, (a, b) in enumerate(zip(x.shape, xs[0].shape))
                               if i != axis):
            raise ShapeError(f"Concat on axis {axis}: shapes "
                             f"{', '.join(shape_str(t.shape) for t in xs)} do not match")
    return rt.cat(xs, dim=axis)


# ---------------------------------------------------------------- Split

def _split(ctx, x, split, num_outputs=None):
    axis = norm_axis(ctx.attr("axis", 0), x.dim(), "Split axis")
    n = x.shape[axis]
    k = len(ctx.node.output)
    if split is not None:
        if len(split) != k or any(s < 0 for s in split) or sum(split) != n:
            raise ShapeError(f"Split sizes {split} do not cut axis {axis} of size {n} into "
                             f"{k} outputs")
    elif num_outputs is not None:               # opset 18: the last chunk may be smaller
        if num_outputs != k or k < 1:
            raise InvalidArgument(f"Split num_outputs={num_outputs} but the node has {k} outputs")
        size = -(-n // k)
        split = [max(0, min(size, n - i * size)) for i in range(k)]
    else:
        if k < 1 or n % k:
            raise ShapeError(f"Split cannot cut axis {axis} of size {n} into {k} equal parts")
        split = [n // k] * k
    outs, start = [], 0
    for s in split:
        outs.append(x.narrow(axis, start, s))
        start += s
    return tuple(outs)


@op("Split", since=1)
def split_v1(ctx, x, split=None):
    sizes = host_ints(split, "Split split") if split is not None else ctx.attr("split")
    return _split(ctx, x, sizes)


@op("Split", since=2)
def split_v2(ctx, x):
    return _split(ctx, x, ctx.attr("split"))


@op("Split", since=13)
def split_v13(ctx, x, split=None):
    return _split(ctx, x, None if split is None else host_ints(split, "Split split"))


@op("Split", since=18)
def split_v18(ctx, x, split=None):
    if split is not None and ctx.attr("num_outputs") is not None:
        raise InvalidArgument("Split takes either the split input or num_outputs, not both")
    return _split(ctx, x, None if split is None else host_ints(split, "Split split"),
                  ctx.attr("num_outputs"))


# ---------------------------------------------------------------- Slice

def _slice(x, starts, ends, axes, steps):
    r = x.dim()
    if axes is None:
        axes = list(range(len(starts)))
    if steps is None:
        steps = [1] * len(starts)
    if not len(starts) == len(ends) == len(axes) == len(steps):
        raise InvalidArgument(f"Slice starts {starts}, ends {ends}, axes {axes}, steps {steps} "
                              f"differ in length")
    axes = norm_axes(axes, r, "Slice axes")
    key = [slice(None)] * r
    flip = []
    for a, s, e, st in zip(axes, starts, ends, steps):
        n = x.shape[a]
        if st == 0:
            raise InvalidArgument(f"Slice step on axis {a} is 0")
        s = s + n if s < 0 else s
        e = e + n if e < 0 else e
        if st > 0:
            key[a] = slice(min(max(s, 0), n), min(max(e, 0), n), st)
        else:
            # Negative steps: clamp as ONNX says, then slice the flipped axis forwards.
            s = min(max(s, 0), n - 1)
            e = min(max(e, -1), n - 1)
            flip.append(a)
            key[a] = slice(n - 1 - s, max(n - 1 - e, n - 1 - s), -st)
    if flip:
        x = x.flip(flip)
    return x[tuple(key)]


@op("Slice", since=1)
def slice_v1(ctx, x):
    starts, ends = ctx.attr("starts"), ctx.attr("ends")
    if starts is None or ends is None:
        raise InvalidArgument("Slice needs the starts and ends attributes")
    return _slice(x, list(starts), list(ends), ctx.attr("axes"), None)


@op("Slice", since=10)
def slice_op(ctx, x, starts, ends, axes=None, steps=None):
    return _slice(x, host_ints(starts, "Slice starts"), host_ints(ends, "Slice ends"),
                  None if axes is None else host_ints(axes, "Slice axes"),
                  None if steps is None else host_ints(steps, "Slice steps"))


# ---------------------------------------------------------------- gathers

@op("Gather", since=1)
def gather(ctx, x, indices):
    r = x.dim()
    axis = norm_axis(ctx.attr("axis", 0), r, "Gather axis")
    idx = _index_tensor(indices, x.shape[axis], "Gather")
    out = x.index_select(axis, idx.reshape(-1))
    dims = list(x.shape)
    return out.reshape(dims[:axis] + list(indices.shape) + dims[axis + 1:])


@op("GatherElements", since=11)
def gather_elements(ctx, x, indices):
    axis = norm_axis(ctx.attr("axis", 0), x.dim(), "GatherElements axis")
    if indices.dim() != x.dim():
        raise ShapeError(f"GatherElements indices {shape_str(indices.shape)} and data "
                         f"{shape_str(x.shape)} differ in rank")
    return x.gather(axis, _index_tensor(indices, x.shape[axis], "GatherElements"))


def _linear_nd_index(indices, dims, what):
    """Coordinates ``indices[..., k]`` into ``dims[:k]`` as row-major linear offsets."""
    k = indices.shape[-1]
    if k > len(dims):
        raise ShapeError(f"{what}: indices address {k} dimensions of data with "
                         f"{len(dims)}")
    idx = indices.long()
    lin = None
    stride = 1
    for j in reversed(range(k)):
        col = _index_tensor(idx[..., j], dims[j], what)
        lin = col * stride if lin is None else lin + col * stride
        stride *= dims[j]
    if lin is None:                            # k == 0: every index picks the whole tensor
        lin = rt.zeros(list(indices.shape[:-1]), dtype=rt.int64, device=indices.device)
    return lin, stride


@op("GatherND", since=11)
def gather_nd(ctx, x, indices):
    b = ctx.attr("batch_dims", 0)
    dsh, ish = list(x.shape), list(indices.shape)
    if indices.dim() < 1 or b < 0 or b >= min(len(dsh), len(ish)):
        raise InvalidArgument(f"GatherND batch_dims={b} is invalid for data {shape_str(dsh)} "
                              f"and indices {shape_str(ish)}")
    if dsh[:b] != ish[:b]:
        raise ShapeError(f"GatherND batch dims of data {shape_str(dsh)} and indices "
                         f"{shape_str(ish)} differ")
    k = ish[-1]
    lin, block = _linear_nd_index(indices, dsh[b:], "GatherND")
    batch = math.prod(dsh[:b])
    rest = dsh[b + k:]
    lin = lin.reshape(batch, -1) if lin.numel() else lin.reshape(batch, 0)
    lin = lin + rt.arange(batch, dtype=rt.int64, device=lin.device).reshape(batch, 1) * block
    flat = x.reshape([batch * block] + rest)
    return flat.index_select(0, lin.reshape(-1)).reshape(ish[:-1] + rest)


# ---------------------------------------------------------------- scatters

_SCATTER_REDUCE = {"add": "sum", "mul": "prod", "max": "amax", "min": "amin"}


def _reduction(ctx):
    red = ctx.attr("reduction", "none")
    if red != "none" and red not in _SCATTER_REDUCE:
        raise InvalidArgument(f"scatter reduction must be none, add, mul, max or min, got {red!r}")
    return red


def _scatter_elements(ctx, x, indices, updates, red):
    axis = norm_axis(ctx.attr("axis", 0), x.dim(), f"{ctx.node.op_type} axis")
    if indices.shape != updates.shape or indices.dim() != x.dim():
        raise ShapeError(f"{ctx.node.op_type}: indices {shape_str(indices.shape)}, updates "
                         f"{shape_str(updates.shape)} and data {shape_str(x.shape)} do not fit")
    idx = _index_tensor(indices, x.shape[axis], ctx.node.op_type)
    updates = updates.to(x.dtype)
    if red == "none":
        return x.scatter(axis, idx, updates)
    return x.scatter_reduce(axis, idx, updates, _SCATTER_REDUCE[red], include_self=True)


@op("Scatter", since=9)
def scatter(ctx, x, indices, updates):
    return _scatter_elements(ctx, x, indices, updates, "none")


@op("ScatterElements", since=11)
def scatter_elements(ctx, x, indices, updates):
    return _scatter_elements(ctx, x, indices, updates, _reduction(ctx))


@op("ScatterND", since=11)
def scatter_nd(ctx, x, indices, updates):
    red = _reduction(ctx)
    dsh, ish = list(x.shape), list(indices.shape)
    if indices.dim() < 1:
        raise ShapeError("ScatterND indices must have rank >= 1")
    k = ish[-1]
    rest = dsh[k:]
    if list(updates.shape) != ish[:-1] + rest:
        raise ShapeError(f"ScatterND updates {shape_str(updates.shape)} should be "
                         f"{shape_str(ish[:-1] + rest)} for data {shape_str(dsh)} and "
                         f"indices {shape_str(ish)}")
    lin, block = _linear_nd_index(indices, dsh, "ScatterND")
    lin = lin.reshape(-1)
    flat = x.reshape([block] + rest)
    upd = updates.to(x.dtype).reshape([lin.shape[0]] + rest)
    if red == "none":
        out = flat.index_copy(0, lin, upd)
    elif red == "add":
        out = flat.index_add(0, lin, upd)
    else:
        idx = lin.reshape([lin.shape[0]] + [1] * len(rest)).expand(upd.shape)
        out = flat.scatter_reduce(0, idx, upd, _SCATTER_REDUCE[red], include_self=True)
    return out.reshape(dsh)


# ---------------------------------------------------------------- expand, tile, pad

@op("Expand", since=8)
def expand(ctx, x, shape):
    target = host_ints(shape, "Expand shape")
    try:
        out = rt.broadcast_shapes(tuple(x.shape), tuple(target))
    except Exception as e:
        raise ShapeError(f"Expand: input {shape_str(x.shape)} does not broadcast with "
                         f"{target}") from e
    check_numel(out, "Expand")
    return x.expand(*out)


def _tile(x, reps):
    if len(reps) != x.dim() or any(r < 0 for r in reps):
        raise InvalidArgument(f"Tile repeats {reps} must be {x.dim()} non-negative ints for "
                              f"input {shape_str(x.shape)}")
    check_numel([a * b for a, b in zip(x.shape, reps)], "Tile")
    return x.repeat(*reps) if reps else x


@op("Tile", since=1)
def tile_v1(ctx, x, tiles, axis):
    axis = norm_axis(host_scalar(axis, "Tile axis"), x.dim(), "Tile axis")
    reps = [1] * x.dim()
    reps[axis] = host_scalar(tiles, "Tile tiles")
    return _tile(x, reps)


@op("Tile", since=6)
def tile(ctx, x, repeats):
    return _tile(x, host_ints(repeats, "Tile repeats"))


def _pad_index(n, before, after, mode):
    """Source positions along an axis of size n for padded positions -before .. n+after-1."""
    out = []
    for i in range(-before, n + after):
        if mode == "edge":
            j = min(max(i, 0), n - 1)
        elif mode == "wrap":
            j = i % n
        elif n == 1:                           # reflect on a single element repeats it
            j = 0
        else:
            period = 2 * (n - 1)
            j = i % period
            j = period - j if j >= n else j
        out.append(j)
    return out


def pad_tensor(x, pads, mode="constant", value=0):
    """Pad (or, with negative amounts, crop) ``x``; ``pads[a] = (before, after)``."""
    if mode not in ("constant", "reflect", "edge", "wrap"):
        raise InvalidArgument(f"Pad mode must be constant, reflect, edge or wrap, got {mode!r}")
    dims = list(x.shape)
    check_numel([d + b + e for d, (b, e) in zip(dims, pads)], "Pad")
    for a, (b, e) in enumerate(pads):
        if b == 0 and e == 0:
            continue
        n = x.shape[a]
        if b < 0 or e < 0:                      # negative pads crop first
            keep = n + min(b, 0) + min(e, 0)
            if keep < 0:
                raise ShapeError(f"Pad crops {-min(b, 0)} + {-min(e, 0)} from axis {a} of size {n}")
            x = x.narrow(a, -min(b, 0), keep)
            n, b, e = keep, max(b, 0), max(e, 0)
            if b == 0 and e == 0:
                continue
        if mode == "constant":
            parts = []
            for amount in (b, e):
                shp = list(x.shape)
                shp[a] = amount
                parts.append(rt.full(shp, value, dtype=x.dtype, device=x.device))
            x = rt.cat([parts[0], x, parts[1]], dim=a)
        else:
            if n == 0:
                raise ShapeError(f"Pad mode {mode!r} cannot pad axis {a} of size 0")
            idx = rt.tensor(_pad_index(n, b, e, mode), dtype=rt.int64, device=x.device)
            x = x.index_select(a, idx)
    return x


def _pad(ctx, x, pads, value, axes=None):
    r = x.dim()
    axes = list(range(r)) if axes is None else norm_axes(axes, r, "Pad axes")
    if len(pads) != 2 * len(axes):
        raise InvalidArgument(f"Pad pads {pads} must hold 2 x {len(axes)} values for "
                              f"input {shape_str(x.shape)}")
    per_axis = [(0, 0)] * r
    for i, a in enumerate(axes):
        per_axis[a] = (pads[i], pads[i + len(axes)])
    value = 0 if value is None else value
    if x.dtype.category != 2 and x.dtype.category != 3 and isinstance(value, float):
        value = int(value)                     # integer tensors take the value as an int
    return pad_tensor(x, per_axis, ctx.attr("mode", "constant"), value)


@op("Pad", since=1)
def pad_v1(ctx, x):
    pads = ctx.attr("pads" if ctx.opset >= 2 else "paddings")
    if pads is None:
        raise InvalidArgument("Pad needs the pads attribute")
    return _pad(ctx, x, list(pads), ctx.attr("value", 0.0))


@op("Pad", since=11)
def pad(ctx, x, pads, constant_value=None, axes=None):
    value = None
    if constant_value is not None and constant_value.numel():
        value = host_scalar(constant_value, "Pad constant_value")
    return _pad(ctx, x, host_ints(pads, "Pad pads"), value,
                None if axes is None else host_ints(axes, "Pad axes"))


@op("CenterCropPad", since=18)
def center_crop_pad(ctx, x, shape):
    target = host_ints(shape, "CenterCropPad shape")
    r = x.dim()
    axes = ctx.attr("axes")
    axes = list(range(r)) if axes is None else norm_axes(axes, r, "CenterCropPad axes")
    if len(axes) != len(target):
        raise InvalidArgument(f"CenterCropPad shape {target} does not match axes {axes}")
    pads = [(0, 0)] * r
    for a, t in zip(axes, target):
        if t < 0:
            raise InvalidArgument(f"CenterCropPad shape {target} has a negative size")
        d = t - x.shape[a]                     # > 0 pads, < 0 crops; the extra one goes last
        pads[a] = (d // 2, d - d // 2) if d >= 0 else (-((-d) // 2), -((-d) - (-d) // 2))
    return pad_tensor(x, pads, "constant", 0)


# ---------------------------------------------------------------- block rearrangements

@op("DepthToSpace", since=1)
def depth_to_space(ctx, x):
    b = ctx.attr("blocksize")
    mode = ctx.attr("mode", "DCR")
    if x.dim() != 4 or not b or b < 1 or x.shape[1] % (b * b):
        raise ShapeError(f"DepthToSpace needs a 4-D input whose channels divide by "
                         f"blocksize^2; got {shape_str(x.shape)} and blocksize {b}")
    n, c, h, w = x.shape
    if mode == "DCR":
        y = x.reshape(n, b, b, c // (b * b), h, w).permute(0, 3, 4, 1, 5, 2)
    elif mode == "CRD":
        y = x.reshape(n, c // (b * b), b, b, h, w).permute(0, 1, 4, 2, 5, 3)
    else:
        raise InvalidArgument(f"DepthToSpace mode must be DCR or CRD, got {mode!r}")
    return y.reshape(n, c // (b * b), h * b, w * b)


@op("SpaceToDepth", since=1)
def space_to_depth(ctx, x):
    b = ctx.attr("blocksize")
    if x.dim() != 4 or not b or b < 1 or x.shape[2] % b or x.shape[3] % b:
        raise ShapeError(f"SpaceToDepth needs a 4-D input whose height and width divide by "
                         f"blocksize; got {shape_str(x.shape)} and blocksize {b}")
    n, c, h, w = x.shape
    y = x.reshape(n, c, h // b, b, w // b, b)
    mode = ctx.attr("mode", "DCR")
    if mode == "DCR":
        y = y.permute(0, 3, 5, 1, 2, 4)
    elif mode == "CRD":
        y = y.permute(0, 1, 3, 5, 2, 4)
    else:
        raise InvalidArgument(f"SpaceToDepth mode must be DCR or CRD, got {mode!r}")
    return y.reshape(n, c * b * b, h // b, w // b)


@op("Col2Im", since=18)
def col2im(ctx, x, image_shape, block_shape):
    image = host_ints(image_shape, "Col2Im image_shape")
    block = host_ints(block_shape, "Col2Im block_shape")
    nd = len(image)
    dil = list(ctx.attr("dilations", [1] * nd))
    pads = list(ctx.attr("pads", [0] * 2 * nd))
    strides = list(ctx.attr("strides", [1] * nd))
    if len(block) != nd or len(dil) != nd or len(strides) != nd or len(pads) != 2 * nd:
        raise InvalidArgument(f"Col2Im image_shape {image}, block_shape {block}, dilations "
                              f"{dil}, pads {pads}, strides {strides} disagree in length")
    if x.dim() != 3:
        raise ShapeError(f"Col2Im input must be [N, C*prod(block), L], got {shape_str(x.shape)}")
    n, cb, length = x.shape
    nblock = math.prod(block)
    if nblock == 0 or cb % nblock:
        raise ShapeError(f"Col2Im input channels {cb} do not divide by prod(block_shape) {nblock}")
    padded = [image[i] + pads[i] + pads[i + nd] for i in range(nd)]
    counts = [(padded[i] - dil[i] * (block[i] - 1) - 1) // strides[i] + 1 for i in range(nd)]
    if any(c < 1 for c in counts) or math.prod(counts) != length:
        raise ShapeError(f"Col2Im input has L={length} blocks, but image {image} with block "
                         f"{block} gives {counts}")
    check_numel([n, cb // nblock] + padded, "Col2Im")
    # Destination of (block offset o, block position p): sum_i (p_i*stride_i + o_i*dil_i)*step_i.
    dev = x.device
    total = None
    step = 1
    for i in reversed(range(nd)):
        shape_o = [1] * (2 * nd)
        shape_o[i] = block[i]
        shape_p = [1] * (2 * nd)
        shape_p[nd + i] = counts[i]
        term = (rt.arange(block[i], dtype=rt.int64, device=dev).reshape(shape_o) * (dil[i] * step)
                + rt.arange(counts[i], dtype=rt.int64, device=dev).reshape(shape_p)
                * (strides[i] * step))
        total = term if total is None else total + term
        step *= padded[i]
    c = cb // nblock
    out = rt.zeros(n, c, step, dtype=x.dtype, device=dev)
    out = out.index_add(2, total.reshape(-1), x.reshape(n, c, nblock * length))
    out = out.reshape([n, c] + padded)
    for i in range(nd):
        out = out.narrow(2 + i, pads[i], image[i])
    return out


# ---------------------------------------------------------------- generators

@op("Range", since=11)
def range_op(ctx, start, limit, delta):
    dtype = start.dtype
    s, l, d = (host_scalar(t, f"Range {w}") for t, w in ((start, "start"), (limit, "limit"),
                                                           (delta, "delta")))
    if d == 0:
        raise InvalidArgument("Range delta is 0")
    if dtype.category == 1 or dtype == rt.uint8:
        n = max(-((s - l) // d), 0)             # exact ceil((l - s) / d) for ints
        check_numel([n], "Range")
        return rt.arange(n, dtype=dtype, device=device_of(ctx, start)) * d + s
    n = max(math.ceil((l - s) / d), 0)
    check_numel([n], "Range")
    wide = rt.float64 if dtype != rt.float16 and dtype != rt.bfloat16 else rt.float32
    return (rt.arange(n, dtype=wide, device=device_of(ctx, start)) * d + s).to(dtype)


@op("EyeLike", since=9)
def eye_like(ctx, x):
    if x.dim() != 2:
        raise ShapeError(f"EyeLike needs a 2-D input, got {shape_str(x.shape)}")
    code = ctx.attr("dtype")
    dtype = x.dtype if code is None else onnx_dtype(code, "EyeLike dtype")
    rows, cols = x.shape
    dev = device_of(ctx, x)
    diff = (rt.arange(cols, dtype=rt.int64, device=dev).reshape(1, cols)
            - rt.arange(rows, dtype=rt.int64, device=dev).reshape(rows, 1))
    return (diff == ctx.attr("k", 0)).to(dtype)


@op("Trilu", since=14)
def trilu(ctx, x, k=None):
    if x.dim() < 2:
        raise ShapeError(f"Trilu needs rank >= 2, got {shape_str(x.shape)}")
    k = 0 if k is None else host_scalar(k, "Trilu k")
    return rt.triu(x, k) if ctx.attr("upper", 1) else rt.tril(x, k)


@op("OneHot", since=9)
def one_hot(ctx, indices, depth, values):
    d = host_scalar(depth, "OneHot depth")
    d = int(d)
    if d < 1:
        raise InvalidArgument(f"OneHot depth must be positive, got {d}")
    if values.numel() != 2:
        raise ShapeError(f"OneHot values must hold [off, on], got shape {shape_str(values.shape)}")
    r = indices.dim()
    axis = ctx.attr("axis", -1)
    if not -r - 1 <= axis <= r:
        raise IndexOutOfRange(f"OneHot axis {axis} is out of range for output rank {r + 1}")
    axis = axis + r + 1 if axis < 0 else axis
    check_numel(list(indices.shape) + [d], "OneHot")
    idx = indices.long() if indices.dtype.category != 2 else indices.trunc().long()
    idx = rt.where(idx < 0, idx + d, idx)       # out-of-range indices match nothing: all off
    shp = [1] * (r + 1)
    shp[axis] = d
    classes = rt.arange(d, dtype=rt.int64, device=idx.device).reshape(shp)
    hot = idx.unsqueeze(axis) == classes
    vals = values.reshape(2)
    return rt.where(hot, vals[1], vals[0])


# ---------------------------------------------------------------- selections

@op("NonZero", since=9)
def non_zero(ctx, x):
    if x.dim() == 0:                            # a scalar counts as one element of a 1-D tensor
        x = x.reshape(1)
    return rt.nonzero(x).t().contiguous()


@op("Compress", since=9)
def compress(ctx, x, condition):
    axis = ctx.attr("axis")
    if axis is None:
        x, axis = x.reshape(-1), 0
    else:
        axis = norm_axis(axis, x.dim(), "Compress axis")
    if condition.dim() != 1:
        raise ShapeError(f"Compress condition must be 1-D, got {shape_str(condition.shape)}")
    idx = rt.nonzero(condition != 0).reshape(-1)
    if idx.numel() and idx.max().item() >= x.shape[axis]:
        raise IndexOutOfRange(f"Compress condition of length {condition.shape[0]} selects past "
                              f"axis {axis} of size {x.shape[axis]}")
    return x.index_select(axis, idx)


@op("ReverseSequence", since=10)
def reverse_sequence(ctx, x, sequence_lens):
    r = x.dim()
    if r < 2:
        raise ShapeError(f"ReverseSequence needs rank >= 2, got {shape_str(x.shape)}")
    bax = norm_axis(ctx.attr("batch_axis", 1), r, "ReverseSequence batch_axis")
    tax = norm_axis(ctx.attr("time_axis", 0), r, "ReverseSequence time_axis")
    if bax == tax or bax > 1 or tax > 1:
        raise InvalidArgument(f"ReverseSequence batch_axis {bax} and time_axis {tax} must be "
                              f"0 and 1")
    nb, nt = x.shape[bax], x.shape[tax]
    lens = sequence_lens.long().reshape(-1)
    if lens.numel() != nb:
        raise ShapeError(f"ReverseSequence sequence_lens has {lens.numel()} entries for batch "
                         f"size {nb}")
    if nb and (lens.min().item() < 0 or lens.max().item() > nt):
        raise InvalidArgument(f"ReverseSequence sequence_lens {lens.tolist()} must lie in "
                              f"[0, {nt}]")
    shp_t, shp_b = [1] * r, [1] * r
    shp_t[tax], shp_b[bax] = nt, nb
    t = rt.arange(nt, dtype=rt.int64, device=x.device).reshape(shp_t)
    lens = lens.reshape(shp_b)
    src = rt.where(t < lens, lens - 1 - t, t)
    return x.gather(tax, src.expand(*x.shape))


@op("Unique", since=11)
def unique(ctx, x):
    axis = ctx.attr("axis")
    if axis is None:
        x, axis = x.reshape(-1), 0
    else:
        axis = norm_axis(axis, x.dim(), "Unique axis")
    n = x.shape[axis]
    # Unique is not differentiable; the keys are compared on the host.
    if x.dim() == 1:
        keys = x.tolist()
    else:
        keys = [tuple(row) for row in x.movedim(axis, 0).reshape(n, -1).tolist()]
    first, count = {}, {}
    for i, k in enumerate(keys):
        if k not in first:
            first[k] = i
            count[k] = 0
        count[k] += 1
    order = list(first)                          # dicts keep first-occurrence order
    if ctx.attr("sorted", 1):
        order.sort()
    pos = {k: j for j, k in enumerate(order)}
    dev = x.device
    idx = rt.tensor([first[k] for k in order], dtype=rt.int64, device=dev)
    outs = (x.index_select(axis, idx), idx,
            rt.tensor([pos[k] for k in keys], dtype=rt.int64, device=dev),
            rt.tensor([count[k] for k in order], dtype=rt.int64, device=dev))
    return outs[:max(1, len(ctx.node.output))]
