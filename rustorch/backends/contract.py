"""The backend contract: what a rustorch backend is.

A backend is an *array namespace* ``xp`` -- the subset of the Python array API
standard listed in ``NAMESPACE`` below, with the standard's names and semantics --
plus the small set of methods on ``Backend``:

* **required** (``dtype_of`` ... ``element_strides``): dtype mapping and moving
  data to and from the host.  Every backend writes these.
* **extension kernels** (``einsum`` ... ``random_bits``): each one has a composed
  fallback here, written against ``xp`` only.  A new backend implements the
  namespace and the required methods, and overrides an extension only for speed.

Tensor, autograd and every library layer call only ``xp.<name>`` from NAMESPACE
and the methods below, so a backend that passes ``check_backend`` runs all of
rustorch.  Each backend declares what it supports in ``Capabilities``; anything it
lacks is reported with ``UnsupportedError`` before any work is done.
"""
from .. import _dtype as dt
from .._errors import UnsupportedError

# The array-API subset every namespace provides (names and semantics as in the
# standard, https://data-apis.org/array-api/).  Arrays support basic and
# integer/boolean-array __getitem__, basic-slice __setitem__, .shape, .ndim, .dtype.
NAMESPACE = (
    # creation
    "asarray", "empty", "zeros", "ones", "full", "arange", "linspace", "eye",
    # dtypes
    "astype", "result_type",
    # elementwise
    "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh",
    "bitwise_and", "bitwise_invert", "bitwise_left_shift", "bitwise_or",
    "bitwise_right_shift", "bitwise_xor", "ceil", "clip", "conj", "copysign",
    "cos", "cosh", "divide", "equal", "exp", "expm1", "floor", "floor_divide",
    "greater", "greater_equal", "hypot", "imag", "isfinite", "isinf", "isnan",
    "less", "less_equal", "log", "log1p", "log2", "log10", "logaddexp",
    "logical_and", "logical_not", "logical_or", "logical_xor", "maximum",
    "minimum", "multiply", "negative", "not_equal", "pow", "real", "remainder",
    "round", "sign", "signbit", "sin", "sinh", "sqrt", "square", "subtract", "tan",
    "tanh", "trunc", "where",
    # reductions and scans
    "all", "any", "argmax", "argmin", "max", "mean", "min", "prod", "std", "sum",
    "var", "cumulative_sum", "cumulative_prod",
    # manipulation
    "broadcast_to", "concat", "expand_dims", "flip", "permute_dims", "reshape",
    "roll", "squeeze", "stack", "tile", "repeat",
    # indexing, searching, sorting, sets
    "take", "take_along_axis", "nonzero", "argsort", "sort", "searchsorted",
    "unique_all", "unique_inverse", "unique_counts", "unique_values",
    # linear algebra
    "matmul", "tensordot", "vecdot",
)

REQUIRED_METHODS = ("to_native_dtype", "dtype_of", "from_host", "from_buffer", "to_list",
                    "element_strides", "copy_into")


class Capabilities:
    """What a backend can hold and run."""
    __slots__ = ("dtypes", "max_ndim", "notes")

    def __init__(self, dtypes, max_ndim=64, notes=""):
        self.dtypes = frozenset(dtypes)
        self.max_ndim = max_ndim
        self.notes = notes

    def __repr__(self):
        names = ", ".join(d.name for d in dt.ALL_DTYPES if d in self.dtypes)
        return f"Capabilities(dtypes=[{names}], max_ndim={self.max_ndim})"


class Backend:
    """Base class: required methods raise, extensions fall back to ``xp``."""
    name = "abstract"
    xp = None
    array_type = None   # the namespace's array class; results are coerced to it
    caps = Capabilities(())

    def __init__(self, device):
        self.device = device

    def __repr__(self):
        return f"<rustorch backend {self.name!r}>"

    # ---------------------------------------------------------- required
    def to_native_dtype(self, dtype):
        """rustorch dtype -> namespace dtype; UnsupportedError if absent."""
        raise NotImplementedError

    def dtype_of(self, x):
        """namespace array -> rustorch dtype."""
        raise NotImplementedError

    def from_host(self, obj, dtype):
        """Python scalar / nested sequence (already validated) -> array of dtype."""
        raise NotImplementedError

    def from_buffer(self, buf, dtype, shape):
        """A bytes-like object of little-endian elements -> array (one copy)."""
        raise NotImplementedError

    def to_list(self, x):
        """array -> nested Python lists (or a scalar for 0-d)."""
        raise NotImplementedError

    def element_strides(self, x):
        """strides of ``x`` in elements, as torch reports them."""
        raise NotImplementedError

    def copy_into(self, dst, src):
        """dst[...] = src, broadcasting src; dst may be a strided view."""
        raise NotImplementedError

    # ---------------------------------------------------------- helpers
    def check_dtype(self, dtype):
        if dtype not in self.caps.dtypes:
            raise UnsupportedError(
                f"dtype {dtype} is not supported on device '{self.name}' "
                f"(supported: {', '.join(d.name for d in dt.ALL_DTYPES if d in self.caps.dtypes)})")

    def is_contiguous(self, x):
        expected = 1
        for size, stride in zip(reversed(x.shape), reversed(self.element_strides(x))):
            if size != 1 and stride != expected:
                return False
            expected *= size
        return True

    def is_exclusive(self, x):
        """True if no other object can see ``x``'s memory (lets autograd keep a
        gradient buffer instead of copying it)."""
        return False

    def to_bytes(self, x):
        """C-ordered little-endian bytes of ``x``."""
        raise UnsupportedError(f"backend '{self.name}' cannot export raw bytes")

    # ---------------------------------------------------------- extensions
    def view_reshape(self, x, shape):
        """``x`` reshaped *without copying*, or None when the strides do not allow it."""
        raise NotImplementedError

    def diagonal_view(self, x, offset, axis1, axis2):
        """A view of the diagonal (moved to the last axis), like torch.diagonal."""
        raise NotImplementedError

    def as_strided(self, x, shape, strides, offset):
        """A view of x's storage with element ``strides`` from element ``offset``."""
        raise UnsupportedError(f"as_strided is not supported on '{self.name}'")

    def matmul(self, a, b):
        return self.xp.matmul(a, b)

    def index_put(self, x, key, values, accumulate):
        """In place: x[key] = values, or x[key] += values summing duplicates.
        ``key`` holds ints, slices, None, Ellipsis, bool and int arrays."""
        if not accumulate:
            x[key] = values
            return
        raise UnsupportedError(f"index_put with accumulate=True has no fallback on '{self.name}'")

    def sigmoid(self, x):
        xp = self.xp
        # split by sign so exp never overflows
        e = xp.exp(xp.negative(xp.abs(x)))
        return xp.where(xp.greater_equal(x, 0), xp.divide(1, xp.add(1, e)),
                        xp.divide(e, xp.add(1, e)))

    def sinc(self, x):
        xp = self.xp
        px = xp.multiply(x, 3.141592653589793)
        safe = xp.where(xp.equal(x, 0), xp.ones(x.shape, dtype=x.dtype), px)
        return xp.where(xp.equal(x, 0), xp.ones(x.shape, dtype=x.dtype), xp.divide(xp.sin(safe), safe))

    def special(self, name, x):
        """erf, erfc, erfinv, lgamma, digamma, polygamma1 elementwise."""
        from . import special_fallback
        return getattr(special_fallback, name)(self.xp, x)

    def einsum(self, equation, *operands):
        """Einstein summation over explicit ``'ij,jk->ik'`` equations (no '...'),
        composed by broadcasting every operand over all letters and summing."""
        xp = self.xp
        inputs, out = equation.split("->")
        specs = inputs.split(",")
        letters = []
        for s in specs:
            for c in s:
                if c not in letters:
                    letters.append(c)
        sizes = {}
        total = None
        for spec, op in zip(specs, operands):
            op = _diagonal_letters(xp, spec, op)
            spec_u = "".join(dict.fromkeys(spec))
            for c, n in zip(spec_u, op.shape):
                sizes[c] = max(sizes.get(c, 1), n)
            perm = sorted(range(len(spec_u)), key=lambda i: letters.index(spec_u[i]))
            op = xp.permute_dims(op, tuple(perm))
            shape = [1] * len(letters)
            for i in perm:
                shape[letters.index(spec_u[i])] = op.shape[perm.index(i)]
            op = xp.reshape(op, tuple(shape))
            total = op if total is None else xp.multiply(total, op)
        summed = tuple(i for i, c in enumerate(letters) if c not in out)
        if summed:
            total = xp.sum(total, axis=summed)
        kept = [c for c in letters if c in out]
        total = xp.broadcast_to(total, tuple(sizes[c] for c in kept))
        return xp.permute_dims(total, tuple(kept.index(c) for c in out))

    def logsumexp(self, x, axis, keepdims):
        xp = self.xp
        m = xp.max(x, axis=axis, keepdims=True)
        m = xp.where(xp.isfinite(m), m, xp.zeros(m.shape, dtype=m.dtype))
        s = xp.log(xp.sum(xp.exp(xp.subtract(x, m)), axis=axis, keepdims=True))
        r = xp.add(s, m)
        return r if keepdims else xp.squeeze(r, axis=axis)

    def softmax(self, x, axis):
        xp = self.xp
        e = xp.exp(xp.subtract(x, xp.max(x, axis=axis, keepdims=True)))
        return xp.divide(e, xp.sum(e, axis=axis, keepdims=True))

    def log_softmax(self, x, axis):
        xp = self.xp
        return xp.subtract(x, self.logsumexp(x, axis, True))

    def scatter_add(self, x, axis, index, src):
        """out = copy of x; out[..., index[i], ...] += src[i] along ``axis``
        (index and src of equal shape, torch.scatter_add semantics)."""
        xp = self.xp
        n = x.shape[axis]
        # one-hot over the target axis: (..., k) x (..., k, n) -> (..., n)
        idx = _moveaxis(xp, index, axis)
        s = _moveaxis(xp, src, axis)
        onehot = xp.equal(xp.expand_dims(idx, axis=-1), xp.arange(n))
        contrib = xp.sum(xp.multiply(xp.expand_dims(s, axis=-1), xp.astype(onehot, s.dtype)), axis=-2)
        contrib = _moveaxis(xp, contrib, -1, axis)
        out = xp.asarray(x, copy=True)
        sl = tuple(slice(0, k) for k in contrib.shape)
        out[sl] = xp.add(out[sl], xp.astype(contrib, x.dtype))
        return out

    def scatter(self, x, axis, index, src):
        """out = copy of x; out[..., index[i], ...] = src[i] along ``axis``."""
        xp = self.xp
        n = x.shape[axis]
        idx = _moveaxis(xp, index, axis)
        s = _moveaxis(xp, src, axis)
        hit = xp.equal(xp.expand_dims(idx, axis=-1), xp.arange(n))        # (..., k, n)
        any_hit = xp.any(hit, axis=-2)
        # last writer wins, like a sequential loop
        last = xp.argmax(xp.flip(hit, axis=-2), axis=-2)
        last = xp.subtract(hit.shape[-2] - 1, last)
        vals = xp.take_along_axis(s, xp.clip(last, 0, s.shape[-1] - 1), axis=-1)
        out = xp.asarray(x, copy=True)
        sl = tuple(slice(0, k) for k in idx.shape[:-1]) + (slice(None),)
        region = _moveaxis(xp, out, axis)[sl]
        newv = xp.where(any_hit, xp.astype(vals, x.dtype), region)
        moved = _moveaxis(xp, out, axis)
        moved[sl] = newv
        return _moveaxis(xp, moved, -1, axis)

    def median(self, x, axis):
        """torch.median along ``axis``: the lower median and its index;
        NaN if the slice holds a NaN."""
        xp = self.xp
        order = xp.argsort(x, axis=axis, stable=True)
        k = (x.shape[axis] - 1) // 2
        idx = xp.take(order, xp.asarray([k]), axis=axis)
        vals = xp.take_along_axis(x, idx, axis=axis)
        if self.dtype_of(x).category >= 2:  # float / complex: NaN wins
            nan = xp.isnan(x)
            has_nan = xp.any(nan, axis=axis, keepdims=True)
            first_nan = xp.astype(xp.argmax(nan, axis=axis, keepdims=True), idx.dtype)
            idx = xp.where(has_nan, first_nan, idx)
            vals = xp.take_along_axis(x, idx, axis=axis)
        return xp.squeeze(vals, axis=axis), xp.squeeze(idx, axis=axis)

    def topk(self, x, k, axis, largest):
        """values and indices of the k largest (smallest) along axis, sorted."""
        xp = self.xp
        key = xp.negative(x) if largest and x.dtype != xp.bool else x
        order = xp.argsort(key, axis=axis, stable=True)
        if largest and x.dtype == xp.bool:
            order = xp.flip(xp.argsort(x, axis=axis, stable=True), axis=axis)
        idx = xp.take(order, xp.arange(k), axis=axis)
        return xp.take_along_axis(x, idx, axis=axis), idx

    def random_bits(self, seed, offset, n):
        """``n`` uint32 words of the Philox4x32-10 stream for ``seed`` starting at
        word ``offset`` (a multiple of 4).  Every backend produces the same
        words, so a seeded program draws the same numbers on every device."""
        from ..random_philox import philox_words_xp
        return philox_words_xp(self.xp, seed, offset, n)


def _moveaxis(xp, x, src, dst=-1):
    nd = len(x.shape)
    src %= nd
    dst %= nd
    perm = [i for i in range(nd) if i != src]
    perm.insert(dst, src)
    return xp.permute_dims(x, tuple(perm))


def _diagonal_letters(xp, spec, op):
    """Take the diagonal for letters repeated inside one operand ('ii')."""
    while len(set(spec)) != len(spec):
        for i, c in enumerate(spec):
            j = spec.find(c, i + 1)
            if j >= 0:
                break
        n = op.shape[i]
        eye = xp.astype(xp.eye(n), op.dtype)
        shape = [1] * len(spec)
        shape[i] = shape[j] = n
        op = xp.sum(xp.multiply(op, xp.reshape(eye, tuple(shape))), axis=j)
        spec = spec[:j] + spec[j + 1:]
    return op


def check_backend(backend):
    """Names of NAMESPACE functions and required methods a backend lacks."""
    missing = [n for n in NAMESPACE if not hasattr(backend.xp, n)]
    missing += [m for m in REQUIRED_METHODS
                if getattr(type(backend), m) is getattr(Backend, m)]
    return missing
