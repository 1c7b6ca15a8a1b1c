"""Shape ops.  View ops return tensors that share storage and the version
counter with their input and remember how to replay themselves from the base
(``_view_fn``), which in-place autograd on views needs."""
import numbers

from .. import _dtype as dt
from .._errors import InvalidArgument, InvalidType, ShapeError, shape_str
from .._tensor import Tensor, make, wrap_dim, Size
from ..autograd.grad_mode import STATE
from ._core import broadcast_shapes, cast, export, needs_grad, record, result_dtype, dims_arg


# ------------------------------------------------------------------ view plumbing
def make_view(x, data, replay, name, bwd, ctx=None):
    """Wrap ``data`` (a view of x's memory) as a view of x."""
    out = make(data, x._b)
    out._version = x._version
    out._view_ver = x._version[0]
    base = x._base
    if base is None:
        out._base = x
        out._view_fn = replay
    else:
        out._base = base
        prev = x._view_fn
        out._view_fn = (lambda t: replay(prev(t))) if prev is not None else None
    if STATE.enabled and x._rg:
        record(out, name, bwd, (x,), ctx=ctx)
    return out


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = tuple(shape[0])
    out = []
    for s in shape:
        if isinstance(s, Tensor):
            s = int(s)
        if not isinstance(s, numbers.Integral) or isinstance(s, bool):
            raise InvalidType(f"shape must be a sequence of ints, got {type(s).__name__}")
        out.append(int(s))
    return out


def infer_shape(shape, numel, orig):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise ShapeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise ShapeError(f"invalid shape dimension {s}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise ShapeError(f"shape '{shape_str(shape)}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise ShapeError(f"shape '{shape_str(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def _reshape_bwd(n, g):
    return (g.reshape(n.ctx),)


def view(self, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, Size, numbers.Integral, Tensor)):
        from .elementwise import to_dtype
        return self.view_dtype(shape[0])
    shape = infer_shape(_shape_args(shape), self.numel(), self.shape)
    data = self._b.view_reshape(self._data, shape)
    if data is None:
        raise ShapeError(
            f"view size is not compatible with input tensor's size and stride (input shape "
            f"{shape_str(self.shape)}, target {shape_str(shape)}): at least one dimension spans "
            "across two contiguous subspaces. Use .reshape(...) instead.")
    return make_view(self, data, lambda t: t.view(shape), "ViewBackward0", _reshape_bwd,
                     tuple(self.shape))


def reshape(self, *shape):
    shape = infer_shape(_shape_args(shape), self.numel(), self.shape)
    if tuple(shape) == self._data.shape and self.grad_fn is None and not self._rg:
        return make_view(self, self._data, lambda t: t.reshape(shape), "ViewBackward0",
                         _reshape_bwd, tuple(self.shape))
    data = self._b.view_reshape(self._data, shape)
    if data is not None:
        return make_view(self, data, lambda t: t.reshape(shape), "ViewBackward0", _reshape_bwd,
                         tuple(self.shape))
    out = make(self._b.xp.reshape(self._data, shape, copy=True), self._b)
    if needs_grad(self):
        record(out, "ReshapeAliasBackward0", _reshape_bwd, (self,), ctx=tuple(self.shape))
    return out


def view_as(self, other):
    return view(self, tuple(other.shape))


def reshape_as(self, other):
    return reshape(self, tuple(other.shape))


def flatten(input, start_dim=0, end_dim=-1):
    nd = input.ndim
    if nd == 0:
        return reshape(input, (1,))
    s = wrap_dim(start_dim, nd)
    e = wrap_dim(end_dim, nd)
    if s > e:
        raise ShapeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = tuple(input.shape)
    n = 1
    for k in shape[s:e + 1]:
        n *= k
    return reshape(input, shape[:s] + (n,) + shape[e + 1:])


def unflatten(input, dim, sizes):
    d = wrap_dim(dim, input.ndim)
    shape = tuple(input.shape)
    sizes = infer_shape(list(sizes), shape[d], sizes)
    return view(input, shape[:d] + tuple(sizes) + shape[d + 1:]) if input.is_contiguous() \
        else reshape(input, shape[:d] + tuple(sizes) + shape[d + 1:])


def ravel(input):
    return reshape(input, (-1,))


def squeeze(input, dim=None):
    shape = tuple(input.shape)
    nd = len(shape)
    if dim is None:
        axes = tuple(i for i, s in enumerate(shape) if s == 1)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        axes = tuple(sorted({wrap_dim(d, nd) for d in dims}))
        axes = tuple(a for a in axes if nd and shape[a] == 1)
    if not axes:
        return make_view(input, input._data, lambda t: t.squeeze(dim), "SqueezeBackward0",
                         _reshape_bwd, shape)
    data = input._b.xp.squeeze(input._data, axis=axes)
    return make_view(input, data, lambda t: t.squeeze(dim), "SqueezeBackward1", _reshape_bwd, shape)


def unsqueeze(input, dim):
    d = wrap_dim(dim, input.ndim + 1)
    data = input._b.xp.expand_dims(input._data, axis=d)
    return make_view(input, data, lambda t: t.unsqueeze(d), "UnsqueezeBackward0",
                     lambda n, g: (g.squeeze(n.ctx),), d)


def permute(input, *dims):
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    nd = input.ndim
    if len(dims) != nd:
        raise ShapeError(f"permute(sparse_coo): number of dimensions in the tensor input does not "
                         f"match the length of the desired ordering of dimensions i.e. input.dim() "
                         f"= {nd} is not equal to len(dims) = {len(dims)}")
    perm = tuple(wrap_dim(d, nd) for d in dims)
    if len(set(perm)) != nd:
        raise ShapeError(f"permute(): duplicate dims are not allowed (got {list(dims)})")
    inv = [0] * nd
    for i, p in enumerate(perm):
        inv[p] = i
    data = input._b.xp.permute_dims(input._data, perm)
    return make_view(input, data, lambda t: t.permute(perm), "PermuteBackward0",
                     lambda n, g: (g.permute(n.ctx),), tuple(inv))


def transpose(input, dim0, dim1):
    nd = input.ndim
    if nd == 0:
        return make_view(input, input._data, lambda t: t, "TransposeBackward0", lambda n, g: (g,))
    a, b = wrap_dim(dim0, nd), wrap_dim(dim1, nd)
    perm = list(range(nd))
    perm[a], perm[b] = perm[b], perm[a]
    data = input._b.xp.permute_dims(input._data, tuple(perm))
    return make_view(input, data, lambda t: t.transpose(a, b), "TransposeBackward0",
                     lambda n, g: (g.transpose(a, b),))


swapaxes = swapdims = transpose


def t(input):
    if input.ndim > 2:
        raise ShapeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return transpose(input, 0, 1) if input.ndim == 2 else input.view(tuple(input.shape))


def adjoint(input):
    return transpose(input, -2, -1).conj()


def movedim(input, source, destination):
    nd = input.ndim
    src = [wrap_dim(s, nd) for s in (source if isinstance(source, (tuple, list)) else [source])]
    dst = [wrap_dim(d, nd) for d in (destination if isinstance(destination, (tuple, list))
                                     else [destination])]
    if len(src) != len(dst):
        raise ShapeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) "
                         f"should contain the same number of dims as destination ({list(dst)} dims)")
    order = [i for i in range(nd) if i not in src]
    perm = [None] * nd
    for s, d in zip(src, dst):
        perm[d] = s
    it = iter(order)
    perm = [p if p is not None else next(it) for p in perm]
    return permute(input, perm)


moveaxis = movedim


def expand(self, *sizes):
    sizes = _shape_args(sizes)
    shape = tuple(self.shape)
    if len(sizes) < len(shape):
        raise ShapeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or "
                         f"equal to the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise ShapeError(f"expand: -1 is not allowed in a leading, non-existing dimension {i}")
            target.append(s)
            continue
        cur = shape[i - lead]
        if s == -1:
            target.append(cur)
        elif cur == s or cur == 1:
            target.append(s)
        else:
            raise ShapeError(f"The expanded size of the tensor ({s}) must match the existing size "
                             f"({cur}) at non-singleton dimension {i}.  Target sizes: "
                             f"{shape_str(sizes)}.  Tensor sizes: {shape_str(shape)}")
    target = tuple(target)
    data = self._b.xp.broadcast_to(self._data, target)
    from ._core import sum_to
    return make_view(self, data, lambda t: t.expand(target), "ExpandBackward0",
                     lambda n, g: (sum_to(g, n.ctx),), shape)


def expand_as(self, other):
    return expand(self, tuple(other.shape))


def broadcast_to(input, shape):
    return expand(input, tuple(shape))


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    shape = broadcast_shapes(*(tuple(t.shape) for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


def narrow(input, dim, start, length):
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    start = int(start)
    if start < 0:
        start += n
    if not 0 <= start <= n or length < 0 or start + length > n:
        raise ShapeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _slice_dim(input, d, start, start + length, 1)


def _slice_dim(input, d, start, stop, step):
    key = (slice(None),) * d + (slice(start, stop, step),)
    data = input._data[key]
    shape = tuple(input.shape)

    def bwd(n, g):
        z = g.new_zeros(shape)
        from .. import no_grad
        if STATE.enabled:  # create_graph: stay differentiable
            return (_slice_backward(g, shape, d, start, stop, step),)
        with no_grad():
            z._data[key] = g._data
        return (z,)
    return make_view(input, data, lambda t: _slice_dim(t, d, start, stop, step), "SliceBackward0", bwd)


def _slice_backward(g, shape, d, start, stop, step):
    """Differentiable scatter of g into zeros(shape) at the slice."""
    from .. import zeros
    idx = list(range(start, stop, step))
    from .indexing import index_add
    z = zeros(shape, dtype=g.dtype, device=g.device)
    from .creation import tensor
    return index_add(z, d, tensor(idx, device=g.device), g)


def select(input, dim, index):
    nd = input.ndim
    if nd == 0:
        raise ShapeError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, nd)
    n = input.shape[d]
    i = int(index)
    if not -n <= i < n:
        from .._errors import IndexOutOfRange
        raise IndexOutOfRange(f"select(): index {i} out of range for tensor of size "
                              f"{shape_str(input.shape)} at dimension {d}")
    i %= n
    key = (slice(None),) * d + (i,)
    # the trailing Ellipsis keeps a 0-d result a view (NumPy hands back a copied
    # scalar for a full integer index)
    data = input._data[key + (Ellipsis,)]
    shape = tuple(input.shape)

    def bwd(n_, g):
        return (_slice_backward(g.unsqueeze(d), shape, d, i, i + 1, 1),) if STATE.enabled \
            else (_select_backward_fast(g, shape, key),)
    return make_view(input, data, lambda t: select(t, d, i), "SelectBackward0", bwd)


def _select_backward_fast(g, shape, key):
    z = g.new_zeros(shape)
    z._data[key] = g._data
    return z


def unbind(input, dim=0):
    d = wrap_dim(dim, input.ndim)
    return tuple(select(input, d, i) for i in range(input.shape[d]))


def split(tensor, split_size_or_sections, dim=0):
    d = wrap_dim(dim, tensor.ndim)
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, numbers.Integral):
        s = int(split_size_or_sections)
        if s <= 0 and n > 0:
            raise InvalidArgument(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = ([s] * (n // s) + ([n % s] if n % s else [])) if s > 0 else [0]
        if not sizes:  # torch: an empty dimension still splits into one empty piece
            sizes = [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise ShapeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                             f"(input tensor's size at dimension {d}), but got split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(_slice_dim(tensor, d, start, start + s, 1))
        start += s
    return tuple(out)


def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise InvalidArgument(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    size = -(-n // chunks) if n else 0
    if size == 0:
        return tuple(_slice_dim(input, d, 0, 0, 1) for _ in range(min(chunks, 1) if n == 0 else chunks))
    return split(input, size, d)


def tensor_split(input, indices_or_sections, dim=0):
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    if isinstance(indices_or_sections, numbers.Integral):
        k = int(indices_or_sections)
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
        bounds, acc = [], 0
        for s in sizes[:-1]:
            acc += s
            bounds.append(acc)
    else:
        bounds = [int(i) for i in indices_or_sections]
    out, prev = [], 0
    for bnd in bounds + [n]:
        # torch slices input[prev:bnd] with Python slice semantics
        lo = min(max(prev + n if prev < 0 else prev, 0), n)
        hi = min(max(bnd + n if bnd < 0 else bnd, 0), n)
        out.append(_slice_dim(input, d, lo, max(lo, hi), 1))
        prev = bnd
    return tuple(out)


def diagonal(input, offset=0, dim1=0, dim2=1):
    nd = input.ndim
    a, b = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if a == b:
        raise ShapeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    bk = input._b
    data = bk.diagonal_view(input._data, offset, a, b)
    shape = tuple(input.shape)
    if not bk.is_writable(data) and bk.is_writable(input._data):
        # a diagonal is a writable view in torch (NumPy's np.diagonal is read-only):
        # spell it as a strided view of the same memory
        st = input.stride()
        n = max(0, min(shape[a] - max(0, -offset), shape[b] - max(0, offset)))
        keep = [k for k in range(nd) if k not in (a, b)]
        start = offset * st[b] if offset >= 0 else -offset * st[a]
        data = _strided_data(input, tuple(shape[k] for k in keep) + (n,),
                             tuple(st[k] for k in keep) + (st[a] + st[b],), start if n else 0)

    def bwd(n, g):
        # zeros of the input's shape with g written onto the same diagonal; under
        # create_graph the copy_ into the view keeps it differentiable in g
        from .creation import zeros
        z = zeros(shape, dtype=g.dtype, device=g.device)
        if STATE.enabled:
            diagonal(z, offset, a, b).copy_(g)
        else:
            z._b.copy_into(diagonal(z, offset, a, b)._data, g._data)
        return (z,)
    return make_view(input, data, lambda t: diagonal(t, offset, a, b), "DiagonalBackward0", bwd)


def as_strided(input, size, stride, storage_offset=None):
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise ShapeError(f"mismatch in length of strides and shape ({len(stride)} vs {len(size)})")
    # torch's storage_offset counts from the start of the storage (default: the input's own)
    rel = 0 if storage_offset is None else int(storage_offset) - input.storage_offset()
    data = _strided_data(input, size, stride, rel)
    shape = tuple(input.shape)
    in_stride = tuple(input.stride())

    def bwd(n, g):
        return (_as_strided_bwd(g, shape, in_stride, size, stride, rel),)
    return make_view(input, data, lambda t: as_strided(t, size, stride, storage_offset),
                     "AsStridedBackward0", bwd)


def _strided_data(input, size, stride, rel):
    """Backend array: a strided view of input's memory starting ``rel`` elements
    after input's first element.  The backend takes an offset relative to the
    array it is given; it is handed the root of the view chain, since an array
    made by as_strided (unfold of unfold) may not lead it back to the storage."""
    root = input._base if input._base is not None and input._base._b is input._b else input
    off = input.storage_offset() + rel - root.storage_offset()
    return input._b.as_strided(root._data, tuple(size), tuple(stride), off)


def _positions(shape, strides, offset, device):
    """Flat storage position of every element of a strided layout (C order)."""
    from .creation import arange, tensor
    idx = tensor(offset, device=device)
    for d, (n, st) in enumerate(zip(shape, strides)):
        shp = [1] * len(shape)
        shp[d] = n
        idx = idx + (arange(n, device=device) * st).reshape(shp)
    return idx.expand(tuple(shape)).reshape(-1)


def _as_strided_bwd(g, shape, in_stride, size, stride, offset):
    """Scatter-add g into a scratch storage at the position each output element
    read, then gather the input's elements from their own positions (both
    measured from the input's first element)."""
    from .creation import zeros
    numel = 1
    for s in shape:
        numel *= s
    if numel == 0 or any(n == 0 for n in size):
        return zeros(shape, dtype=g.dtype, device=g.device)
    lo = min(0, offset)
    in_pos = _positions(shape, in_stride, -lo, g.device)
    out_pos = _positions(size, stride, offset - lo, g.device)
    span = 1 + max(-lo + sum((n - 1) * st for n, st in zip(shape, in_stride)),
                   offset - lo + sum((n - 1) * st for n, st in zip(size, stride)))
    from .indexing import index_add
    z = index_add(zeros(span, dtype=g.dtype, device=g.device), 0, out_pos, g.reshape(-1))
    res = z.index_select(0, in_pos)
    if _may_overlap(shape, in_stride):
        # input elements sharing memory split the gradient between them, like torch
        from .creation import ones
        cnt = index_add(zeros(span, dtype=g.dtype, device=g.device), 0, in_pos,
                        ones(numel, dtype=g.dtype, device=g.device))
        res = res / cnt.index_select(0, in_pos)
    return res.reshape(shape)


def _may_overlap(shape, strides):
    """True unless the layout is a permutation of a dense, non-overlapping one."""
    dims = sorted((st, n) for n, st in zip(shape, strides) if n > 1)
    expected = 1
    for st, n in dims:
        if st < expected:
            return True
        expected = st * n
    return False


def unfold(self, dimension, size, step):
    d = wrap_dim(dimension, self.ndim)
    n = self.shape[d] if self.ndim else 1
    if size > n:
        raise ShapeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise InvalidArgument(f"step is {step} but must be > 0")
    count = (n - size) // step + 1
    if self.ndim == 0:
        return make_view(self, self._b.xp.reshape(self._data, (1,)), lambda t: t.unfold(0, size, step),
                         "UnfoldBackward0", lambda n_, g: (g.reshape(()),))
    strides = list(self.stride())
    shape = list(self.shape)
    new_shape = shape[:d] + [count] + shape[d + 1:] + [size]
    new_strides = strides[:d] + [strides[d] * step] + strides[d + 1:] + [strides[d]]
    from ..autograd.grad_mode import no_grad
    with no_grad():
        v = as_strided(self, new_shape, new_strides)

    def bwd(n_, g):
        # window i, position j came from input index i*step + j along d
        from .creation import tensor, zeros
        from .indexing import index_add
        gm = movedim(g, -1, d + 1).reshape(shape[:d] + [count * size] + shape[d + 1:])
        idx = tensor([i * step + j for i in range(count) for j in range(size)], device=g.device)
        return (index_add(zeros(tuple(shape), dtype=g.dtype, device=g.device), d, idx, gm),)
    return make_view(self, v._data, lambda t: t.unfold(d, size, step), "UnfoldBackward0", bwd)


def contiguous(self, memory_format=None):
    if self.is_contiguous():
        return self
    b = self._b
    out = make(b.xp.reshape(self._data, self._data.shape, copy=True), b)
    if needs_grad(self):
        record(out, "CloneBackward0", lambda n, g: (g,), (self,))
    return out


# ------------------------------------------------------------------ copies
def cat(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise InvalidArgument("torch.cat(): expected a non-empty list of Tensors")
    for t_ in tensors:
        if not isinstance(t_, Tensor):
            raise InvalidType(f"expected Tensor as element in argument 0, but got {type(t_).__name__}")
    # legacy: 1-d empty tensors are skipped
    live = [t_ for t_ in tensors if not (t_.ndim == 1 and t_.shape[0] == 0)] or tensors[:1]
    ref = live[0]
    d = wrap_dim(dim, ref.ndim)
    rt = result_dtype(*live) if len(live) > 1 else ref.dtype
    for i, t_ in enumerate(live):
        if t_.ndim != ref.ndim:
            raise ShapeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {t_.ndim}")
        for k in range(ref.ndim):
            if k != d and t_.shape[k] != ref.shape[k]:
                raise ShapeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                 f"{ref.shape[k]} but got size {t_.shape[k]} for tensor number {i} in the list.")
    from ._core import same_device
    live_ids = {id(t_) for t_ in live}
    b = ref._b
    res = make(b.xp.concat([cast(same_device(ref, t_), rt)._data for t_ in live], axis=d), b)
    if needs_grad(*tensors):
        shapes = [tuple(t_.shape) for t_ in tensors]
        used = [id(t_) in live_ids for t_ in tensors]
        dtypes = [t_.dtype for t_ in tensors]

        def bwd(n, g):
            out, start = [], 0
            for shp, u, tdt in zip(shapes, used, dtypes):
                if not u:
                    out.append(g.new_zeros(shp, dtype=tdt) if tdt.category >= 2 else None)
                    continue
                gi = _slice_dim(g, d, start, start + shp[d], 1)
                start += shp[d]
                if gi.dtype is not tdt and tdt.category >= 2:
                    gi = gi.real.to(tdt) if gi.dtype.category == 3 and tdt.category != 3 \
                        else gi.to(tdt)
                out.append(gi if tdt.category >= 2 else None)
            return tuple(out)
        record(res, "CatBackward0", bwd, tuple(tensors))
    if out is not None:
        from .elementwise import _with_out
        return _with_out(res, out)
    return res


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise InvalidArgument("stack expects a non-empty TensorList")
    shape = tuple(tensors[0].shape)
    for i, t_ in enumerate(tensors):
        if tuple(t_.shape) != shape:
            raise ShapeError(f"stack expects each tensor to be equal size, but got {shape_str(shape)} "
                             f"at entry 0 and {shape_str(t_.shape)} at entry {i}")
    d = wrap_dim(dim, len(shape) + 1)
    return cat([unsqueeze(t_, d) for t_ in tensors], d, out=out)


def hstack(tensors):
    tensors = [_atleast_1d(t_) for t_ in tensors]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat([_atleast_2d(t_) for t_ in tensors], 0)


row_stack = vstack


def dstack(tensors):
    return cat([_atleast_3d(t_) for t_ in tensors], 2)


def column_stack(tensors):
    return hstack([t_.reshape(-1, 1) if t_.ndim <= 1 else t_ for t_ in tensors])


def _atleast(one):
    def op(*tensors):
        if len(tensors) == 1:
            x = tensors[0]
            if isinstance(x, (list, tuple)):
                return tuple(one(t_) for t_ in x)
            return one(x)
        return tuple(one(t_) for t_ in tensors)
    op.__name__ = one.__name__[1:]
    return op


def _atleast_1d(t_):
    return t_.reshape(1) if t_.ndim == 0 else t_


def _atleast_2d(t_):
    if t_.ndim == 0:
        return t_.reshape(1, 1)
    return t_.unsqueeze(0) if t_.ndim == 1 else t_


def _atleast_3d(t_):
    if t_.ndim == 0:
        return t_.reshape(1, 1, 1)
    if t_.ndim == 1:
        return t_.unsqueeze(0).unsqueeze(-1)
    if t_.ndim == 2:
        return t_.unsqueeze(-1)
    return t_


atleast_1d, atleast_2d, atleast_3d = _atleast(_atleast_1d), _atleast(_atleast_2d), _atleast(_atleast_3d)


def flip(input, dims):
    dims = dims_arg(list(dims) if isinstance(dims, (tuple, list)) else [dims], input.ndim)
    b = input._b
    data = b.xp.flip(input._data, axis=dims) if dims else input._data
    res = make(b.xp.asarray(data, copy=True), b)
    if needs_grad(input):
        record(res, "FlipBackward0", lambda n, g: (flip(g, dims),), (input,))
    return res


def fliplr(input):
    if input.ndim < 2:
        raise ShapeError("Input must be >= 2-d.")
    return flip(input, [1])


def flipud(input):
    if input.ndim < 1:
        raise ShapeError("Input must be >= 1-d.")
    return flip(input, [0])


def roll(input, shifts, dims=None):
    if dims is None:
        flat = reshape(input, (-1,))
        return roll(flat, shifts, 0).reshape(tuple(input.shape))
    shifts = tuple(shifts) if isinstance(shifts, (tuple, list)) else (shifts,)
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    if len(shifts) != len(dims):
        raise ShapeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    dims = tuple(wrap_dim(d, input.ndim) for d in dims)
    b = input._b
    res = make(b.xp.roll(input._data, shift=shifts, axis=dims), b)
    if needs_grad(input):
        record(res, "RollBackward0", lambda n, g: (roll(g, tuple(-s for s in shifts), dims),), (input,))
    return res


def rot90(input, k=1, dims=(0, 1)):
    k %= 4
    a, b = dims
    if k == 0:
        return input.clone()
    if k == 1:
        return flip(input, [b]).transpose(a, b)
    if k == 2:
        return flip(input, [a, b])
    return flip(input, [a]).transpose(a, b)


def repeat(self, *sizes):
    sizes = _shape_args(sizes)
    if len(sizes) < self.ndim:
        raise ShapeError("Number of dimensions of repeat dims can not be smaller than number of "
                         "dimensions of tensor")
    x = self.reshape((1,) * (len(sizes) - self.ndim) + tuple(self.shape))
    b = x._b
    res = make(b.xp.tile(x._data, tuple(sizes)), b)
    if needs_grad(x):
        shape = tuple(x.shape)

        def bwd(n, g):
            inter = []
            for r, s in zip(sizes, shape):
                inter += [r, s]
            return (g.reshape(inter).sum(dim=tuple(range(0, 2 * len(shape), 2))),)
        record(res, "RepeatBackward0", bwd, (x,))
    return res


def tile(input, dims):
    dims = tuple(dims)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    from .creation import tensor
    if repeats is None:
        # repeat_interleave(counts): each index i repeated counts[i] times
        if input.ndim > 1:
            raise ShapeError("repeat_interleave: repeats must be 0-dim or 1-dim tensor")
        counts = input.reshape(-1).tolist()
        if any(c < 0 for c in counts):
            raise InvalidArgument("repeat_interleave: repeats can not be negative")
        idx = [i for i, r in enumerate(counts) for _ in range(r)]
        return tensor(idx, dtype=input.dtype, device=input.device)
    if dim is None:
        input = reshape(input, (-1,))
        dim = 0
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d]
    if isinstance(repeats, Tensor):
        reps = repeats.tolist()
        if isinstance(reps, int):
            reps = [reps] * n
    else:
        reps = [int(repeats)] * n
    if len(reps) != n:
        raise ShapeError(f"repeats must have the same size as input along dim, but got repeats.size(0) "
                         f"= {len(reps)} and input.size({d}) = {n}")
    idx = [i for i, r in enumerate(reps) for _ in range(r)]
    return input.index_select(d, tensor(idx, dtype=dt.int64, device=input.device))


def tril(input, diagonal=0):
    return _tri(input, diagonal, lower=True)


def triu(input, diagonal=0):
    return _tri(input, diagonal, lower=False)


def _tri(input, k, lower):
    if input.ndim < 2:
        raise ShapeError(f"{'tril' if lower else 'triu'}: input tensor must have at least 2 dimensions")
    from .creation import arange
    r, c = input.shape[-2], input.shape[-1]
    i = arange(r, device=input.device).reshape(r, 1)
    j = arange(c, device=input.device).reshape(1, c)
    mask = (j - i <= k) if lower else (j - i >= k)
    from .elementwise import where
    return where(mask, input, input.new_zeros(()))


export({
    "view": view, "reshape": reshape, "view_as": view_as, "reshape_as": reshape_as,
    "flatten": flatten, "unflatten": unflatten, "ravel": ravel, "squeeze": squeeze,
    "unsqueeze": unsqueeze, "permute": permute, "transpose": transpose, "swapaxes": swapaxes,
    "swapdims": swapdims, "t": t, "adjoint": adjoint, "movedim": movedim, "moveaxis": moveaxis,
    "expand": expand, "expand_as": expand_as, "broadcast_to": broadcast_to, "narrow": narrow,
    "select": select, "unbind": unbind, "split": split, "chunk": chunk,
    "tensor_split": tensor_split, "diagonal": diagonal, "as_strided": as_strided,
    "unfold": unfold, "contiguous": contiguous, "flip": flip, "fliplr": fliplr,
    "flipud": flipud, "roll": roll, "rot90": rot90, "repeat": repeat, "tile": tile,
    "repeat_interleave": repeat_interleave, "tril": tril, "triu": triu,
})
Tensor.T = property(lambda self: permute(self, tuple(range(self.ndim - 1, -1, -1))))
Tensor.mT = property(lambda self: transpose(self, -2, -1))
Tensor.H = property(lambda self: t(self).conj())
Tensor.mH = property(lambda self: transpose(self, -2, -1).conj())
