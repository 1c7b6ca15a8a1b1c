"""``pyarray``: the array namespace of the ``python`` device, written with the
standard library only (``array``, ``struct``, ``math``).

It implements the subset of the array API standard that rustorch's backend
contract lists (``rustorch.backends.contract.NAMESPACE``), with NumPy 2's
semantics where the standard leaves room (type promotion of Python scalars,
integer-array indexing), so op code written against the contract behaves the
same on NumPy and here.
"""
from ._dtypes import (bool_ as bool, int8, int16, int32, int64, uint8, uint16, uint32,  # noqa: F401,A004
                      uint64, float16, bfloat16, float32, float64, complex64, complex128, DType,
                      float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz)
from ._core import (PyArray, asarray, zeros, ones, empty, full, zeros_like, ones_like,  # noqa: F401
                    full_like, arange, linspace, eye, astype, result_type, isdtype, reshape,
                    permute_dims, expand_dims, squeeze, broadcast_to, broadcast_arrays,
                    broadcast_shapes)
from ._elementwise import *  # noqa: F401,F403
from ._reductions import *  # noqa: F401,F403
from ._manipulation import *  # noqa: F401,F403
from ._search import *  # noqa: F401,F403
from ._linalg import *  # noqa: F401,F403

ndarray = PyArray
