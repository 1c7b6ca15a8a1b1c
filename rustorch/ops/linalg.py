"""Matrix products: matmul/@, mm, bmm, mv, dot, outer, einsum, tensordot ..."""
from .. import _dtype as dt
from .._errors import DTypeError, ShapeError, shape_str
from .._tensor import Tensor, make
from ..autograd.grad_mode import STATE
from ._core import binary_operands, export, needs_grad, record, sum_to


def _check_matmul_dtype(d, name):
    if d is dt.bool:
        raise DTypeError(f"\"{name}\" not implemented for 'Bool'")


def _matmul_bwd(n, g):
    a, b = n.unpack()
    sa, sb = n.ctx
    ga = gb = None
    # work in >= 2-d, then drop the dims that 1-d operands added
    a2 = a.unsqueeze(0) if a.ndim == 1 else a
    b2 = b.unsqueeze(-1) if b.ndim == 1 else b
    g2 = g
    if a.ndim == 1 and b.ndim == 1:
        g2 = g.reshape(1, 1)
    elif a.ndim == 1:
        g2 = g.unsqueeze(-2)
    elif b.ndim == 1:
        g2 = g.unsqueeze(-1)
    if a._rg:
        ga = matmul(g2, b2.mT.conj() if b2.dtype.category == 3 else b2.mT)
        if a.ndim == 1:
            ga = ga.squeeze(-2)
        ga = sum_to(ga, sa)
    if b._rg:
        gb = matmul(a2.mT.conj() if a2.dtype.category == 3 else a2.mT, g2)
        if b.ndim == 1:
            gb = gb.squeeze(-1)
        gb = sum_to(gb, sb)
    return ga, gb


def matmul(input, other, *, out=None):
    if type(input) is Tensor and type(other) is Tensor and input._b is other._b \
            and input._data.dtype == other._data.dtype:
        a, b = input, other
    else:
        if not isinstance(input, Tensor) or not isinstance(other, Tensor):
            from .._errors import InvalidType
            raise InvalidType(f"matmul(): argument 'other' must be Tensor, not "
                              f"{type(other if isinstance(input, Tensor) else input).__name__}")
        if input.dtype is not other.dtype:
            raise DTypeError(f"expected m1 and m2 to have the same dtype, but got: "
                             f"{dt.torch_type_name(input.dtype)} != {dt.torch_type_name(other.dtype)}")
        a, b, _ = binary_operands(input, other)
    sa, sb = a._data.shape, b._data.shape
    if not sa or not sb:
        raise ShapeError(f"both arguments to matmul need to be at least 1D, but they are "
                         f"{len(sa)}D and {len(sb)}D")
    k_a = sa[-1]
    k_b = sb[-2] if len(sb) > 1 else sb[0]
    if k_a != k_b:
        if len(sa) <= 2 and len(sb) <= 2:
            ra = sa[0] if len(sa) == 2 else 1
            raise ShapeError(f"mat1 and mat2 shapes cannot be multiplied ({ra}x{k_a} and "
                             f"{k_b}x{sb[-1] if len(sb) > 1 else 1})")
        raise ShapeError(f"matmul: size mismatch, got input {shape_str(sa)} and other {shape_str(sb)} "
                         f"(contracted dims {k_a} and {k_b} differ)")
    be = a._b
    _check_matmul_dtype(be.dtype_of(a._data), "matmul")
    res = make(be.matmul(a._data, b._data), be)
    if STATE.enabled and (a._rg or b._rg):
        record(res, "MmBackward0" if len(sa) == 2 and len(sb) == 2 else "MatmulBackward0",
               _matmul_bwd, (a, b), saved=(a, b), ctx=(sa, sb))
    if out is not None:
        from .elementwise import _with_out
        return _with_out(res, out)
    return res


def mm(input, mat2, *, out=None):
    if input.ndim != 2 or mat2.ndim != 2:
        raise ShapeError(f"mm: expected 2-D tensors, got {input.ndim}-D and {mat2.ndim}-D "
                         f"(shapes {shape_str(input.shape)} and {shape_str(mat2.shape)})")
    return matmul(input, mat2, out=out)


def bmm(input, mat2, *, out=None):
    if input.ndim != 3 or mat2.ndim != 3:
        raise ShapeError(f"batch1 must be a 3D tensor (got {input.ndim}-D and {mat2.ndim}-D)")
    if input.shape[0] != mat2.shape[0]:
        raise ShapeError(f"batch1 and batch2 must have same number of batches, got "
                         f"{input.shape[0]} and {mat2.shape[0]}")
    if input.shape[2] != mat2.shape[1]:
        raise ShapeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                         f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, "
                         f"{mat2.shape[1]}].")
    return matmul(input, mat2, out=out)


def mv(input, vec):
    if input.ndim != 2 or vec.ndim != 1:
        raise ShapeError(f"vector + matrix @ vector expected, got {input.ndim}, {vec.ndim}")
    return matmul(input, vec)


def dot(input, other):
    if input.ndim != 1 or other.ndim != 1:
        raise ShapeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        raise ShapeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                         f"[{other.shape[0]}] to have the same number of elements, but got "
                         f"{input.shape[0]} and {other.shape[0]} elements respectively")
    if input.dtype is not other.dtype:
        raise DTypeError(f"dot : expected both vectors to have same dtype, but found "
                         f"{dt.torch_type_name(input.dtype)} and {dt.torch_type_name(other.dtype)}")
    return matmul(input, other)


inner_product = dot


__all__ = ["matmul", "mm", "bmm", "mv", "dot"]
export({"matmul": matmul, "mm": mm, "bmm": bmm, "mv": mv, "dot": dot})
