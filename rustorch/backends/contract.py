"""The backend contract: what a rustorch backend is.

A backend is an *array namespace* ``xp`` -- the subset of the Python array API
standard listed in ``NAMESPACE`` below, with the standard's names and semantics --
plus the small set of methods on ``Backend``:

* **required** (``dtype_of`` ... ``element_strides``): dtype mapping and moving
  data to and from the host.  Every backend writes these.
* **extension kernels** (``EXTENSIONS``: ``einsum``, ``pad`` ... ``random_bits``): each
  one has a composed fallback in ``fallbacks.py``, written against ``xp`` only.  A
  new backend implements the namespace and the required methods, and overrides an
  extension only for speed.

Tensor, autograd and every library layer call only ``xp.<name>`` from NAMESPACE
and the methods below, so a backend that passes ``check_backend`` runs all of
rustorch.  Each backend declares what it supports in ``Capabilities``; anything it
lacks is reported with ``UnsupportedError`` before any work is done.
"""
from .. import _dtype as dt
from .._errors import UnsupportedError
from .fallbacks import ComposedKernels

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
                    "element_strides", "copy_into", "view_reshape", "diagonal_view")

# Extension kernels: hot paths behind one call each.  Every one has a composed
# fallback in fallbacks.py; a backend overrides them only for speed.
EXTENSIONS = {
    "matmul": "matrix product with numpy/array-API broadcasting",
    "mask_zero": "where(keep, x, 0) for gradient masks (relu, clamp ...)",
    "index_put": "x[key] = v or x[key] += v (duplicates summed), in place",
    "sigmoid": "1 / (1 + exp(-x)) without overflow",
    "sinc": "sin(pi x) / (pi x)",
    "special": "erf, erfc, erfinv, lgamma, digamma, polygamma1",
    "einsum": "explicit 'ij,jk->ik' equations (no '...')",
    "pad": "constant / reflect / replicate / circular padding",
    "pad_backward": "the gradient of pad",
    "logsumexp": "log(sum(exp(x))) along axes, stabilised",
    "softmax": "softmax along an axis",
    "log_softmax": "log-softmax along an axis",
    "layer_norm": "normalise over the last k axes (+ weight, bias): (y, mean, rstd)",
    "embedding": "gather rows of a 2-D weight by an int index array",
    "scatter_add": "torch.scatter_add along an axis",
    "scatter": "torch.scatter along an axis (last writer wins)",
    "scatter_reduce": "torch.scatter_reduce (sum, prod, mean, amax, amin)",
    "median": "lower median and its index along an axis",
    "nanmedian": "median ignoring NaN",
    "cum_extreme": "cummax / cummin values and indices",
    "logcumsumexp": "cumulative logsumexp",
    "mode": "most frequent value and its index",
    "topk": "k largest / smallest values and indices, sorted",
    "im2col": "sliding windows of (N, C, *spatial) as (N, C*K, L) columns (torch's unfold)",
    "col2im": "the adjoint of im2col: columns summed back into (N, C, *spatial) (torch's fold)",
    "max_pool": "max over im2col's windows: values and flat in-plane indices of the maxima",
    "random_bits": "Philox4x32-10 words for (seed, offset): the same on every backend",
    "adam_step": "one Adam/AdamW update of lists of (param, exp_avg, exp_avg_sq[, max]) arrays",
}


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


class Backend(ComposedKernels):
    """Base class: required methods raise; the extension kernels come from
    ``ComposedKernels`` (fallbacks.py), written against ``xp``."""
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

    def scalar_operand(self, value, dtype):
        """A 0-d array for a Python number that an op only reads (``x + 1``).
        A backend whose uploads are costly may hand out a cached one."""
        return self.from_host(value, dtype)

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

    def is_writable(self, x):
        """False for read-only arrays (e.g. broadcast views)."""
        return True

    def is_exclusive(self, x):
        """True if no other object can see ``x``'s memory (lets autograd keep a
        gradient buffer instead of copying it)."""
        return False

    def to_bytes(self, x):
        """C-ordered little-endian bytes of ``x``."""
        raise UnsupportedError(f"backend '{self.name}' cannot export raw bytes")

    # ---------------------------------------------------------- required views
    def view_reshape(self, x, shape):
        """``x`` reshaped *without copying*, or None when the strides do not allow it."""
        raise NotImplementedError

    def diagonal_view(self, x, offset, axis1, axis2):
        """A view of the diagonal (moved to the last axis), like torch.diagonal."""
        raise NotImplementedError

    def check_index_range(self, a, lo, hi, make_error):
        """Raise ``make_error(v)`` for the first value v of int array ``a``
        outside [lo, hi).  Here at once; a GPU backend may check on the device
        and raise at the next sync instead (like CUDA's device-side asserts)."""
        xp = self.xp
        bad = xp.logical_or(xp.less(a, lo), xp.greater_equal(a, hi))
        if bool(xp.any(bad)):
            v = self.to_list(xp.reshape(a, (-1,))[xp.reshape(bad, (-1,))])[0]
            raise make_error(v)

    def as_strided(self, x, shape, strides, offset):
        """A view of x's storage with element ``strides`` from element ``offset``."""
        raise UnsupportedError(f"as_strided is not supported on '{self.name}'")


def check_backend(backend):
    """Names of NAMESPACE functions and required methods a backend lacks."""
    missing = [n for n in NAMESPACE if not hasattr(backend.xp, n)]
    missing += [m for m in REQUIRED_METHODS
                if getattr(type(backend), m) is getattr(Backend, m)]
    return missing
