"""Matrix products: matmul/@, mm, bmm, mv, dot, outer, einsum, tensordot ..."""
import functools
import numbers

from .. import _dtype as dt
from .._errors import (DTypeError, IndexOutOfRange, InvalidArgument, InvalidType, ShapeError,
                       UnsupportedError, shape_str)
from .._tensor import Tensor, make, wrap_dim
from ..autograd.grad_mode import STATE
from ._core import (binary_operands, broadcast_shapes, cast, export, needs_grad, record,
                    same_device, sum_to)

# C++ scalar names torch prints in "expected m1 and m2 to have the same dtype"
_CPP_NAMES = {
    dt.bool: "bool", dt.uint8: "unsigned char", dt.int8: "signed char", dt.int16: "short int",
    dt.int32: "int", dt.int64: "long int", dt.float16: "c10::Half", dt.bfloat16: "c10::BFloat16",
    dt.float32: "float", dt.float64: "double", dt.complex64: "c10::complex<float>",
    dt.complex128: "c10::complex<double>",
}


def _tn(d):
    return dt.torch_type_name(d)


def _check_matmul_dtype(d, name):
    if d is dt.bool:
        raise UnsupportedError(f"\"{name}\" not implemented for 'Bool'")


def _conj(t):
    return t.conj() if t.dtype.category == 3 else t


# ------------------------------------------------------------------ matmul family
def _matmul_bwd(n, g):
    a, b = n.unpack()    # a is saved only if b needs a gradient, and vice versa
    sa, sb = n.ctx
    ea, eb = n.next_functions
    ga = gb = None
    # work in >= 2-d, then drop the dims that 1-d operands added
    g2 = g
    if len(sa) == 1 and len(sb) == 1:
        g2 = g.reshape(1, 1)
    elif len(sa) == 1:
        g2 = g.unsqueeze(-2)
    elif len(sb) == 1:
        g2 = g.unsqueeze(-1)
    if ea is not None:
        b2 = b.unsqueeze(-1) if len(sb) == 1 else b
        ga = matmul(g2, b2.mT.conj() if b2.dtype.category == 3 else b2.mT)
        if len(sa) == 1:
            ga = ga.squeeze(-2)
        ga = sum_to(ga, sa)
    if eb is not None:
        if len(sa) > 2 and len(sb) == 2 and _flat_ok(sa):
            # (..., M, K) @ (K, N): the weight gradient is one (K, M') @ (M', N)
            # product, not a batch of products summed afterwards
            a2 = a.reshape(-1, sa[-1])
            gb = matmul(a2.mT.conj() if a2.dtype.category == 3 else a2.mT, g.reshape(-1, sb[-1]))
        else:
            a2 = a.unsqueeze(0) if len(sa) == 1 else a
            gb = matmul(a2.mT.conj() if a2.dtype.category == 3 else a2.mT, g2)
            if len(sb) == 1:
                gb = gb.squeeze(-1)
            gb = sum_to(gb, sb)
    return ga, gb


def _flat_ok(sa):
    """(..., M, K) can be flattened to (M', K): no zero-size dim to make -1 ambiguous."""
    for n in sa:
        if n == 0:
            return False
    return True


def _bool_kernel_name(na, nb):
    if na == 1 and nb == 1:
        return "dot"
    if nb == 1 and na == 2:
        return "addmv_impl_cpu"
    if na <= 2 and nb <= 2 or nb == 2:
        return "addmm_impl_cpu_"
    return "bmm"


def _matmul_size_error(sa, sb):
    k_a = sa[-1]
    k_b = sb[-2] if len(sb) > 1 else sb[0]
    if len(sa) == 1 and len(sb) == 1:
        return ShapeError(f"inconsistent tensor size, expected tensor [{k_a}] and src [{k_b}] to "
                          f"have the same number of elements, but got {k_a} and {k_b} elements "
                          f"respectively")
    if len(sa) == 2 and len(sb) == 1:
        return ShapeError(f"size mismatch, got input ({sa[0]}), mat ({sa[0]}x{k_a}), vec ({k_b})")
    if len(sa) <= 2 and len(sb) <= 2:
        ra = sa[0] if len(sa) == 2 else 1
        return ShapeError(f"mat1 and mat2 shapes cannot be multiplied ({ra}x{k_a} and "
                          f"{k_b}x{sb[-1]})")
    return ShapeError(f"matmul: size mismatch, got input {shape_str(sa)} and other {shape_str(sb)} "
                      f"(contracted dims {k_a} and {k_b} differ)")


def matmul(input, other, *, out=None):
    if isinstance(input, Tensor) and isinstance(other, Tensor) and input._b is other._b \
            and input._data.dtype == other._data.dtype:
        a, b = input, other
    else:
        if not isinstance(input, Tensor) or not isinstance(other, Tensor):
            raise InvalidType(f"matmul(): argument 'other' must be Tensor, not "
                              f"{type(other if isinstance(input, Tensor) else input).__name__}")
        if input.dtype is not other.dtype:
            raise DTypeError(f"expected m1 and m2 to have the same dtype, but got: "
                             f"{_CPP_NAMES[input.dtype]} != {_CPP_NAMES[other.dtype]}")
        a, b, _ = binary_operands(input, other)
    sa, sb = a._data.shape, b._data.shape
    if not sa or not sb:
        raise ShapeError(f"both arguments to matmul need to be at least 1D, but they are "
                         f"{len(sa)}D and {len(sb)}D")
    if sa[-1] != (sb[-2] if len(sb) > 1 else sb[0]):
        raise _matmul_size_error(sa, sb)
    be = a._b
    if be.dtype_of(a._data) is dt.bool:
        _check_matmul_dtype(dt.bool, _bool_kernel_name(len(sa), len(sb)))
    try:
        if len(sa) > 2 and len(sb) == 2 and _flat_ok(sa):
            # (..., M, K) @ (K, N) as one (M', K) @ (K, N) product (BLAS would
            # otherwise run one small product per batch entry)
            xp = be.xp
            data = xp.reshape(be.matmul(xp.reshape(a._data, (-1, sa[-1])), b._data),
                              tuple(sa[:-1]) + (sb[-1],))
        else:
            data = be.matmul(a._data, b._data)
    except ValueError:  # batch dims that do not broadcast
        raise ShapeError(f"matmul: the batch dimensions of input {shape_str(sa)} and other "
                         f"{shape_str(sb)} cannot be broadcast together") from None
    res = make(data, be)
    if STATE.enabled and (a._rg or b._rg):
        record(res, "MmBackward0" if len(sa) == 2 and len(sb) == 2 else "MatmulBackward0",
               _matmul_bwd, (a, b), saved=(a if b._rg else None, b if a._rg else None),
               ctx=(sa, sb))
    if out is not None:
        from .elementwise import _with_out
        return _with_out(res, out)
    return res


def mm(input, mat2, *, out=None):
    if input.ndim != 2:
        raise ShapeError(f"self must be a matrix (got shape {shape_str(input.shape)})")
    if mat2.ndim != 2:
        raise ShapeError(f"mat2 must be a matrix (got shape {shape_str(mat2.shape)})")
    return matmul(input, mat2, out=out)


def _check_bmm(b1, b2, what="bmm"):
    if b1.ndim != 3:
        raise ShapeError(f"batch1 must be a 3D tensor (got shape {shape_str(b1.shape)})")
    if b2.ndim != 3:
        raise ShapeError(f"batch2 must be a 3D tensor (got shape {shape_str(b2.shape)})")
    if b1.shape[0] != b2.shape[0] or b1.shape[2] != b2.shape[1]:
        raise ShapeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                         f"[{b1.shape[0]}, {b1.shape[2]}] but got: [{b2.shape[0]}, "
                         f"{b2.shape[1]}]. (batch1 {shape_str(b1.shape)}, batch2 "
                         f"{shape_str(b2.shape)})")


def bmm(input, mat2, *, out=None):
    _check_bmm(input, mat2)
    return matmul(input, mat2, out=out)


def mv(input, vec, *, out=None):
    if input.ndim != 2 or vec.ndim != 1:
        raise ShapeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    return matmul(input, vec, out=out)


def _check_dot(input, other, name):
    if input.ndim != 1 or other.ndim != 1:
        raise ShapeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        raise ShapeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                         f"[{other.shape[0]}] to have the same number of elements, but got "
                         f"{input.shape[0]} and {other.shape[0]} elements respectively")
    if input.dtype is not other.dtype:
        raise DTypeError(f"{name} : expected both vectors to have same dtype, but found "
                         f"{_tn(input.dtype)} and {_tn(other.dtype)}")


def dot(input, other, *, out=None):
    _check_dot(input, other, "dot")
    return matmul(input, other, out=out)


def vdot(input, other, *, out=None):
    _check_dot(input, other, "dot")
    return matmul(_conj(input), other, out=out)


def outer(input, vec2, *, out=None):
    if input.ndim != 1:
        raise ShapeError(f"outer: Expected 1-D argument self, but got {input.ndim}-D")
    if vec2.ndim != 1:
        raise ShapeError(f"outer: Expected 1-D argument vec2, but got {vec2.ndim}-D")
    res = input.reshape(-1, 1) * vec2
    if out is not None:
        from .elementwise import _with_out
        return _with_out(res, out)
    return res


ger = outer


def inner(input, other, *, out=None):
    if input.ndim == 0 or other.ndim == 0:
        res = input * other
    else:
        if input.shape[-1] != other.shape[-1]:
            raise ShapeError(f"inner() the last dimension must match on both input tensors but got "
                             f"shapes {shape_str(input.shape)} and {shape_str(other.shape)}")
        res = tensordot(input, other, dims=([-1], [-1]))
    if out is not None:
        from .elementwise import _with_out
        return _with_out(res, out)
    return res


def tensordot(a, b, dims=2, out=None):
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise InvalidType("tensordot(): arguments 'a' and 'b' must be Tensors")
    if isinstance(dims, Tensor):
        dims = int(dims.item()) if dims.numel() == 1 else dims.tolist()
    if isinstance(dims, (tuple, list)):
        if len(dims) != 2:
            raise InvalidArgument(f"tensordot(): dims must be an int or a pair of lists of dims, "
                                  f"got {dims!r}")
        dims_a, dims_b = dims
        for name, pos, d in (("dims_self", 3, dims_a), ("dims_other", 4, dims_b)):
            if not isinstance(d, (tuple, list)):
                raise InvalidType(f"tensordot(): argument '{name}' (position {pos}) must be tuple "
                                  f"of ints, not {type(d).__name__}")
        dims_a, dims_b = [int(d) for d in dims_a], [int(d) for d in dims_b]
    elif isinstance(dims, numbers.Integral) and not isinstance(dims, bool):
        dims = int(dims)
        if dims < 0:
            raise ShapeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise ShapeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims_a, dims_b = list(range(-dims, 0)), list(range(dims))
    else:
        raise InvalidType(f"tensordot(): dims must be an int, a pair of lists or a Tensor, "
                          f"got {type(dims).__name__}")
    if len(dims_a) != len(dims_b):
        raise ShapeError("both dimension lists should have same length")
    if a.dtype is not b.dtype:
        raise DTypeError("both inputs should have same dtype")
    b = same_device(a, b)
    wa = [wrap_dim(d, a.ndim) for d in dims_a]
    wb = [wrap_dim(d, b.ndim) for d in dims_b]
    for w, given in ((wa, dims_a), (wb, dims_b)):
        for i, d in enumerate(w):
            if d in w[:i]:
                raise ShapeError(f"dim {d} appears multiple times in the list of dims")
    sa, sb = list(a.shape), list(b.shape)
    ea, eb = list(sa), list(sb)
    for da, db, ga, gb in zip(wa, wb, dims_a, dims_b):
        if sa[da] != sb[db]:
            if sb[db] == 1:
                eb[db] = sa[da]
            elif sa[da] == 1:
                ea[da] = sb[db]
            else:
                raise ShapeError(f"contracted dimensions need to match, but first has size "
                                 f"{sa[da]} in dim {ga} and second has size {sb[db]} in dim {gb} "
                                 f"(shapes {shape_str(sa)} and {shape_str(sb)})")
    if ea != sa:
        a = a.expand(ea)
    if eb != sb:
        b = b.expand(eb)
    free_a = [i for i in range(a.ndim) if i not in wa]
    free_b = [i for i in range(b.ndim) if i not in wb]
    k = 1
    for d in wa:
        k *= ea[d]
    out_shape = [ea[i] for i in free_a] + [eb[i] for i in free_b]
    pa = 1
    for i in free_a:
        pa *= ea[i]
    pb = 1
    for i in free_b:
        pb *= eb[i]
    am = a.permute(free_a + wa).reshape(pa, k)
    bm = b.permute(wb + free_b).reshape(k, pb)
    res = matmul(am, bm).reshape(out_shape)
    if out is not None:
        from .elementwise import _with_out
        return _with_out(res, out)
    return res


# ------------------------------------------------------------------ beta * input + alpha * prod
def _int_scalars(d, beta, alpha):
    """addmm & co. truncate float scalars for integral tensors (torch does)."""
    if d.category < 2 and d is not dt.bool:
        return int(beta.real if isinstance(beta, complex) else beta), \
            int(alpha.real if isinstance(alpha, complex) else alpha)
    return beta, alpha


def _check_scalars(d, beta, alpha):
    """addr refuses float scalars for integral (and bool) tensors."""
    if d.category < 2:
        for name, v in (("beta", beta), ("alpha", alpha)):
            if isinstance(v, (float, complex)):
                raise DTypeError(f"For integral input tensors, argument {name} must not be a "
                                 f"floating point number.")
    return beta, alpha


def _axpby_bwd(n, g):
    beta, alpha, ishape = n.ctx
    gi = sum_to(g if beta == 1 else g * (beta.conjugate() if isinstance(beta, complex) else beta),
                ishape)
    gp = g if alpha == 1 else g * (alpha.conjugate() if isinstance(alpha, complex) else alpha)
    return gi, gp


def _axpby(input, prod, beta, alpha, name):
    """beta * input + alpha * prod, input broadcast to prod's shape; beta == 0
    ignores input's values (NaN included), like torch."""
    shape = tuple(prod.shape)
    inp = input.expand(shape)  # torch's expand error for an input that does not fit
    b = prod._b
    xp = b.xp
    d = prod.dtype
    if d is dt.bool:
        p = prod._data if alpha else xp.zeros(shape, dtype=prod._data.dtype)
        data = xp.logical_or(p, inp._data) if beta else xp.asarray(p, copy=True)
    else:
        p = prod._data if alpha == 1 else xp.multiply(prod._data, alpha)
        if beta == 0:
            data = xp.asarray(p, copy=True)
        elif beta == 1:
            data = xp.add(inp._data, p)
        else:
            data = xp.add(xp.multiply(inp._data, beta), p)
        if data.dtype != prod._data.dtype:
            data = xp.astype(data, prod._data.dtype)
    res = make(data, b)
    if STATE.enabled and (input._rg or prod._rg):
        record(res, name, _axpby_bwd, (input, prod), ctx=(beta, alpha, tuple(input.shape)))
    return res


def _same_dtype3(input, m1, m2, n1="mat1", n2="mat2"):
    if input.dtype is not m2.dtype:
        raise DTypeError(f"self and {n2} must have the same dtype, but got {_tn(input.dtype)} and "
                         f"{_tn(m2.dtype)}")
    if m1.dtype is not m2.dtype:
        raise DTypeError(f"{n1} and {n2} must have the same dtype, but got {_tn(m1.dtype)} and "
                         f"{_tn(m2.dtype)}")


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    if mat1.ndim != 2:
        raise ShapeError(f"mat1 must be a matrix, got {mat1.ndim}-D tensor")
    if mat2.ndim != 2:
        raise ShapeError(f"mat2 must be a matrix, got {mat2.ndim}-D tensor")
    _same_dtype3(input, mat1, mat2)
    beta, alpha = _int_scalars(input.dtype, beta, alpha)
    res = _axpby(input, matmul(mat1, mat2), beta, alpha, "AddmmBackward0")
    return _finish(res, out)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    if mat.ndim != 2 or vec.ndim != 1 or input.ndim > 1:
        raise ShapeError(f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, "
                         f"{vec.ndim}")
    if mat.shape[1] != vec.shape[0] or (input.ndim == 1 and input.shape[0] not in (1, mat.shape[0])):
        raise ShapeError(f"size mismatch, got input ({input.shape[0] if input.ndim else 1}), "
                         f"mat ({mat.shape[0]}x{mat.shape[1]}), vec ({vec.shape[0]})")
    _same_dtype3(input, mat, vec, "mat", "vec")
    beta, alpha = _int_scalars(input.dtype, beta, alpha)
    return _finish(_axpby(input, matmul(mat, vec), beta, alpha, "AddmvBackward0"), out)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v.ndim != 1:
            raise ShapeError(f"addr: Expected 1-D argument {name}, but got {v.ndim}-D")
    _same_dtype3(input, vec1, vec2, "vec1", "vec2")
    beta, alpha = _check_scalars(input.dtype, beta, alpha)
    if input.dtype is dt.bool:
        prod = vec1.reshape(-1, 1) & vec2
    else:
        prod = vec1.reshape(-1, 1) * vec2
    return _finish(_axpby(input, prod, beta, alpha, "AddrBackward0"), out)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    _check_bmm(batch1, batch2)
    _same_dtype3(input, batch1, batch2, "batch1", "batch2")
    beta, alpha = _int_scalars(input.dtype, beta, alpha)
    return _finish(_axpby(input, matmul(batch1, batch2), beta, alpha, "BaddbmmBackward0"), out)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    if batch1.ndim != 3:
        raise ShapeError(f"batch1 must be a 3D tensor (got shape {shape_str(batch1.shape)})")
    if batch2.ndim != 3:
        raise ShapeError(f"batch2 must be a 3D tensor (got shape {shape_str(batch2.shape)})")
    if batch1.shape[0] != batch2.shape[0]:
        raise ShapeError(f"batch1 and batch2 must have same number of batches, got "
                         f"{batch1.shape[0]} and {batch2.shape[0]}")
    if batch1.shape[2] != batch2.shape[1]:
        raise ShapeError(f"Incompatible matrix sizes for bmm ({batch1.shape[1]}x{batch1.shape[2]} "
                         f"and {batch2.shape[1]}x{batch2.shape[2]})")
    _same_dtype3(input, batch1, batch2, "batch1", "batch2")
    beta, alpha = _int_scalars(input.dtype, beta, alpha)
    nb, n, k = batch1.shape
    # sum_b batch1[b] @ batch2[b] as one (n, nb*k) @ (nb*k, p) product
    prod = matmul(batch1.permute(1, 0, 2).reshape(n, nb * k), batch2.reshape(nb * k, batch2.shape[2]))
    return _finish(_axpby(input, prod, beta, alpha, "AddbmmBackward0"), out)


def _finish(res, out):
    if out is not None:
        from .elementwise import _with_out
        return _with_out(res, out)
    return res


# ------------------------------------------------------------------ einsum
_ELL = "."  # one character standing for '...' after parsing
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _shapes(ops):
    return ", ".join(shape_str(o.shape) for o in ops)


def _einsum_err(msg):
    return ShapeError("einsum(): " + msg)


@functools.lru_cache(maxsize=512)
def _parse_equation(equation, num_ops):
    """torch's einsum parser: per-operand label lists (with _ELL) and the output
    labels (None when implicit)."""
    arrow = equation.find("->")
    lhs = equation if arrow < 0 else equation[:arrow]
    op_labels = [[]]
    found_ell = False
    i = 0
    while i < len(lhs):
        c = lhs[i]
        if c == " ":
            pass
        elif c == ".":
            if found_ell:
                raise _einsum_err(f"found '.' for operand {len(op_labels) - 1} for which an "
                                  f"ellipsis was already found")
            if not (i + 2 < len(lhs) and lhs[i + 1] == "." and lhs[i + 2] == "."):
                raise _einsum_err(f"found '.' for operand {len(op_labels) - 1} that is not part "
                                  f"of any ellipsis")
            i += 2
            op_labels[-1].append(_ELL)
            found_ell = True
        elif c == ",":
            op_labels.append([])
            if len(op_labels) > num_ops:
                raise _einsum_err("fewer operands were provided than specified in the equation")
            found_ell = False
        elif c in _LETTERS:
            op_labels[-1].append(c)
        else:
            raise _einsum_err(f"invalid subscript given at index {i} in the equation string, "
                              f"subscripts must be in [a-zA-Z]")
        i += 1
    if len(op_labels) != num_ops:
        raise _einsum_err("more operands were provided than specified in the equation")
    if arrow < 0:
        return tuple(tuple(labels) for labels in op_labels), None
    rhs = equation[arrow + 2:]
    out = []
    i = 0
    while i < len(rhs):
        c = rhs[i]
        if c == " ":
            pass
        elif c == ".":
            if _ELL in out:
                raise _einsum_err("found '.' for output but an ellipsis (...) was already found")
            if not (i + 2 < len(rhs) and rhs[i + 1] == "." and rhs[i + 2] == "."):
                raise _einsum_err("found '.' for output that is not part of any ellipsis (...)")
            i += 2
            out.append(_ELL)
        elif c in _LETTERS:
            if c in out:
                raise _einsum_err(f"output subscript {c} appears more than once in the output")
            if not any(c in labels for labels in op_labels):
                raise _einsum_err(f"output subscript {c} does not appear in the equation for any "
                                  f"input operand")
            out.append(c)
        else:
            raise _einsum_err(f"invalid subscript given at index {len(lhs) + 2 + i} in the "
                              f"equation string, subscripts must be in [a-zA-Z]")
        i += 1
    return tuple(tuple(labels) for labels in op_labels), tuple(out)


def _sublist_equation(args):
    """einsum(op0, [0, 1], op1, [1, 2], [0, 2]) -> ('AB,BC->AC', [op0, op1])."""
    ops, parts = [], []

    def conv(sub):
        s = ""
        for v in sub:
            if v is Ellipsis:
                s += "..."
            elif isinstance(v, numbers.Integral) and 0 <= v < 52:
                s += _LETTERS[v]
            else:
                raise InvalidArgument(f"einsum(): subscript in subscript list is not within the "
                                      f"valid range [0, 52), got {v!r}")
        return s
    args = list(args)
    while len(args) >= 2:
        ops.append(args.pop(0))
        parts.append(conv(args.pop(0)))
    eq = ",".join(parts)
    if args:
        eq += "->" + conv(args[0])
    return eq, ops


def _einsum_bwd(n, g):
    ops = n.unpack()
    specs, out, sizes = n.ctx
    grads = []
    for k, (op, spec) in enumerate(zip(ops, specs)):
        if not op._rg:
            grads.append(None)
            continue
        o_specs = [s for j, s in enumerate(specs) if j != k]
        o_ops = [_conj(o) for j, o in enumerate(ops) if j != k]
        avail = set(out).union(*o_specs)
        tgt = "".join(c for c in spec if c in avail)
        gk = _einsum_core([out] + o_specs, tgt, [g] + o_ops, alias_ok=True)
        if len(tgt) != len(spec):  # letters only this operand had: broadcast back
            gk = gk.reshape([sizes[c] if c in avail else 1 for c in spec])
            gk = gk.expand([sizes[c] for c in spec])
        grads.append(gk)
    return tuple(grads)


def _einsum_core(specs, out, ops, alias_ok=False):
    """Differentiable einsum over operands whose specs have distinct letters and
    whose sizes agree letter by letter (no broadcasting left)."""
    if alias_ok and len(ops) == 1 and specs[0] == out:
        return ops[0]
    b = ops[0]._b
    res = make(b.einsum(",".join(specs) + "->" + out, *[o._data for o in ops]), b)
    if STATE.enabled and any(o._rg for o in ops):
        sizes = {}
        for s, o in zip(specs, ops):
            sizes.update(zip(s, o._data.shape))
        record(res, "EinsumBackward0", _einsum_bwd, tuple(ops), saved=tuple(ops),
               ctx=(tuple(specs), out, sizes))
    return res


def einsum(*args):
    """torch.einsum(equation, *operands), also with the operands as one list and
    in the sublist form einsum(op0, [0, 1], op1, [1, 2], [0, 2])."""
    if not args:
        raise InvalidType("einsum(): must specify the equation string and at least one operand, "
                          "or at least one operand and its subscripts list")
    if isinstance(args[0], str):
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        equation, operands = _sublist_equation(args)
    for i, o in enumerate(operands):
        if not isinstance(o, Tensor):
            raise InvalidType(f"expected Tensor as element {i} in argument 1, but got "
                              f"{type(o).__name__}")
    if not operands:
        raise InvalidArgument("einsum(): must provide at least one operand")
    op_labels, out_labels = _parse_equation(equation, len(operands))

    # ellipsis dims and the number of subscripts per operand
    ell_nd = 0
    for i, (labels, op) in enumerate(zip(op_labels, operands)):
        nl = len(labels) - (_ELL in labels)
        if _ELL in labels:
            if nl > op.ndim:
                raise _einsum_err(f"the number of subscripts in the equation ({nl}) is more than "
                                  f"the number of dimensions ({op.ndim}) for operand {i}")
            ell_nd = max(ell_nd, op.ndim - nl)
        elif nl != op.ndim:
            raise _einsum_err(f"the number of subscripts in the equation ({nl}) does not match the "
                              f"number of dimensions ({op.ndim}) for operand {i} and no ellipsis "
                              f"was given")
    used = {c for labels in op_labels for c in labels}
    free = [c for c in _LETTERS if c not in used]
    if ell_nd > len(free):
        raise _einsum_err(f"too many dimensions: {ell_nd} under the ellipsis plus {len(used)} "
                          f"subscripts exceed the 52 available letters")
    ell = "".join(free[:ell_nd])

    # letters per operand dim; sizes broadcast like torch checks them
    specs = []
    sizes = {}
    ell_sizes = [1] * ell_nd
    for i, (labels, op) in enumerate(zip(op_labels, operands)):
        shape = op.shape
        spec = ""
        seen = {}
        pos = 0
        for c in labels:
            if c == _ELL:
                k = op.ndim - (len(labels) - 1)
                for j in range(k):
                    e = ell_nd - k + j
                    s = shape[pos]
                    if s != 1 and ell_sizes[e] != 1 and s != ell_sizes[e]:
                        raise _einsum_err(f"dimension {pos} covered by ellipsis in operand {i}has "
                                          f"size {s} which does not broadcast with previously seen "
                                          f"ellipsis with size {ell_sizes[e]} for the respective "
                                          f"dimension (operand shapes: {_shapes(operands)})")
                    if ell_sizes[e] == 1:
                        ell_sizes[e] = s
                    sizes[ell[e]] = ell_sizes[e]
                    spec += ell[e]
                    pos += 1
                continue
            s = shape[pos]
            if c in seen:
                if s != seen[c]:
                    raise _einsum_err(f"subscript {c} is repeated for operand {i} but the sizes "
                                      f"don't match, {s} != {seen[c]}")
            else:
                seen[c] = s
                prev = sizes.get(c, 1)
                if s != 1 and prev != 1 and s != prev:
                    raise _einsum_err(f"subscript {c} has size {s} for operand {i} which does not "
                                      f"broadcast with previously seen size {prev} (operand "
                                      f"shapes: {_shapes(operands)})")
                if prev == 1:
                    sizes[c] = s
            spec += c
            pos += 1
        specs.append(spec)

    # output letters
    if out_labels is None:
        count = {}
        for labels in op_labels:
            for c in labels:
                count[c] = count.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, k in count.items() if k == 1 and c != _ELL))
    else:
        out = "".join(ell if c == _ELL else c for c in out_labels)

    # one dtype, one device
    d0 = operands[0].dtype
    for o in operands[1:]:
        if o.dtype is not d0:
            raise DTypeError(f"expected scalar type {_tn(d0)} but found {_tn(o.dtype)}")
    operands = [operands[0]] + [same_device(operands[0], o) for o in operands[1:]]

    # repeated letters -> diagonals (moved last); size-1 dims -> expanded
    ops, new_specs = [], []
    for spec, op in zip(specs, operands):
        while len(set(spec)) != len(spec):
            i = next(k for k, c in enumerate(spec) if spec.index(c) != k)
            first = spec.index(spec[i])
            op = op.diagonal(0, first, i)
            spec = "".join(c for k, c in enumerate(spec) if k not in (first, i)) + spec[i]
        full = [sizes[c] for c in spec]
        if list(op.shape) != full:
            op = op.expand(full)
        ops.append(op)
        new_specs.append(spec)
    specs = new_specs

    # dtype rules: a letter summed inside one operand goes through sum() in torch
    if d0.category < 2:
        summed = [c for c in sizes if c not in out]
        solo = any(sum(c in s for s in specs) == 1 for c in summed)
        contracted = any(sum(c in s for s in specs) > 1 for c in summed)
        if d0 is dt.bool and contracted and not solo:
            raise UnsupportedError("\"bmm\" not implemented for 'Bool'")
        if solo:
            ops = [cast(o, dt.int64) for o in ops]
    return _einsum_core(specs, out, ops)


# ------------------------------------------------------------------ diagonals
def _embed_kernel(b, x, offset, d1, d2, n1, n2):
    """x's last dim laid on the ``offset`` diagonal of new dims d1 (size n1) and
    d2 (size n2) of the result; zeros elsewhere."""
    xp = b.xp
    nd = x.ndim + 1
    batch = list(x.shape[:-1])
    L = x.shape[-1]
    it = iter(batch)
    out_shape = tuple(n1 if p == d1 else n2 if p == d2 else next(it) for p in range(nd))
    if L == 0 or n1 == 0 or n2 == 0:
        return xp.zeros(out_shape, dtype=x.dtype)
    rows = xp.arange(n1, dtype=xp.int64)
    idx = xp.clip(xp.subtract(rows, max(-offset, 0)), 0, L - 1)
    vals = xp.expand_dims(xp.take(x, idx, axis=-1), axis=-1)             # batch + (n1, 1)
    mask = xp.equal(xp.subtract(xp.reshape(xp.arange(n2, dtype=xp.int64), (1, n2)),
                                xp.reshape(rows, (n1, 1))), offset)      # (n1, n2)
    data = xp.where(mask, vals, xp.zeros((), dtype=x.dtype))            # batch + (n1, n2)
    it = iter(range(nd - 2))
    perm = tuple(nd - 2 if p == d1 else nd - 1 if p == d2 else next(it) for p in range(nd))
    if perm != tuple(range(nd)):
        data = xp.asarray(xp.permute_dims(data, perm), copy=True)
    return data


def _embed_diag(x, offset, d1, d2, n1, n2, name):
    b = x._b
    res = make(_embed_kernel(b, x._data, offset, d1, d2, n1, n2), b)
    if needs_grad(x):
        record(res, name, lambda n, g: (g.diagonal(offset, d1, d2),), (x,))
    return res


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    nd = input.ndim + 1
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise ShapeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = input.shape[-1] + abs(offset) if input.ndim else None
    if n is None:
        raise IndexOutOfRange("diag_embed(): expected a tensor with at least 1 dimension")
    return _embed_diag(input, offset, d1, d2, n, n, "DiagEmbedBackward0")


def diagonal_backward(g, shape, offset, d1, d2):
    """Gradient of ``diagonal(x, offset, d1, d2)`` for x of ``shape``: g laid on
    that diagonal of zeros (any shape, offset, non-square)."""
    return _embed_diag(g, offset, d1, d2, shape[d1], shape[d2], "DiagonalBackwardBackward0")


def diag(input, diagonal=0, *, out=None):
    if input.ndim == 1:
        res = diag_embed(input, diagonal, 0, 1)
    elif input.ndim == 2:
        res = input.diagonal(diagonal, 0, 1).clone()
    else:
        raise ShapeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    return _finish(res, out)


def diagflat(input, offset=0):
    return diag_embed(input.reshape(-1), offset, 0, 1)


def trace(input):
    if input.ndim != 2:
        raise ShapeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    if input.dtype is dt.bool:
        raise UnsupportedError("\"trace\" not implemented for 'Bool'")
    return input.diagonal(0, 0, 1).sum()


def _tri_indices(row, col, offset, dtype, device, lower, name):
    from .creation import _backend
    if row < 0:
        raise InvalidArgument(f"row must be non-negative, got{row}")
    if col < 0:
        raise InvalidArgument(f"col must be non-negative, got{col}")
    d = dt.int64 if dtype is None else dtype
    if d.category != 1:
        raise UnsupportedError(f"\"{name}\" not implemented for '{_tn(d)}'")
    b = _backend(device)
    xp = b.xp
    i = xp.reshape(xp.arange(row, dtype=xp.int64), (row, 1))
    j = xp.reshape(xp.arange(col, dtype=xp.int64), (1, col))
    diff = xp.subtract(j, i)
    mask = xp.less_equal(diff, offset) if lower else xp.greater_equal(diff, offset)
    r, c = xp.nonzero(mask)
    data = xp.astype(xp.stack([r, c]), b.to_native_dtype(d))
    return make(data, b)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    return _tri_indices(row, col, offset, dtype, device, True, "tril_indices")


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    return _tri_indices(row, col, offset, dtype, device, False, "triu_indices")


# ------------------------------------------------------------------ kron / cross / cdist
def kron(input, other, *, out=None):
    nd = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (nd - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (nd - other.ndim) + tuple(other.shape))
    sa, sb = tuple(a.shape), tuple(b.shape)
    ra, rb, final = [], [], []
    for x, y in zip(sa, sb):
        ra += [x, 1]
        rb += [1, y]
        final.append(x * y)
    res = (a.reshape(ra) * b.reshape(rb)).reshape(final)
    return _finish(res, out)


_CROSS_WARNED = []


def cross(input, other, dim=None, *, out=None):
    if input.dtype is not other.dtype:
        raise DTypeError(f"expected scalar type {_tn(input.dtype)} but found {_tn(other.dtype)}")
    if input.ndim != other.ndim:
        raise ShapeError(f"linalg.cross: inputs must have the same number of dimensions (got "
                         f"shapes {shape_str(input.shape)} and {shape_str(other.shape)}).")
    shape = broadcast_shapes(tuple(input.shape), tuple(other.shape))
    if dim is None:
        if not _CROSS_WARNED:
            import warnings
            warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\n"
                          "Please either pass the dim explicitly or simply use "
                          "torch.linalg.cross.\nThe default value of dim will change to agree with "
                          "that of linalg.cross in a future release.", UserWarning, stacklevel=2)
            _CROSS_WARNED.append(True)
        d = next((i for i, s in enumerate(input.shape) if s == 3), None)
        if d is None:
            raise ShapeError(f"no dimension of size 3 in input (shape {shape_str(input.shape)})")
    else:
        d = wrap_dim(dim, len(shape))
        if input.shape[d] != 3 or other.shape[d] != 3:
            raise ShapeError(f"linalg.cross: inputs dimension {d} must have length 3. Got "
                             f"{input.shape[d]} and {other.shape[d]} (shapes "
                             f"{shape_str(input.shape)} and {shape_str(other.shape)})")
    from .shape import roll
    a1, a2 = roll(input, -1, d), roll(input, -2, d)
    b1, b2 = roll(other, -1, d), roll(other, -2, d)
    return _finish(a1 * b2 - a2 * b1, out)


def cdist(x1, x2, p=2.0, compute_mode=None):
    if x1.ndim < 2:
        raise ShapeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D")
    if x2.ndim < 2:
        raise ShapeError(f"cdist only supports at least 2D tensors, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise ShapeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} "
                         f"X2: {x2.shape[-1]} (shapes {shape_str(x1.shape)} and "
                         f"{shape_str(x2.shape)})")
    for name, x in (("X1", x1), ("X2", x2)):
        if x.dtype.category != 2:
            raise DTypeError(f"cdist only supports floating-point dtypes, {name} got: "
                             f"{_tn(x.dtype)}")
    if x1.dtype is not x2.dtype:
        raise DTypeError(f"expected scalar type {_tn(x1.dtype)} but found {_tn(x2.dtype)}")
    if p < 0:
        raise InvalidArgument("cdist only supports non-negative p values")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)          # (..., P, R, M)
    from .elementwise import where
    if p == 0:  # a count: zero gradient, but still connected to the inputs like torch's
        link = where(diff.new_zeros((), dtype=dt.bool), diff, diff.new_zeros(())).sum(-1)
        return (diff != 0).to(x1.dtype).sum(-1) + link
    if p == 1:
        return diff.abs().sum(-1)
    if p == float("inf"):
        return diff.abs().amax(-1)
    s = (diff * diff).sum(-1) if p == 2 else (diff.abs() ** p).sum(-1)
    zero = s == 0
    safe = where(zero, s.new_ones(()), s)        # no inf * 0 in the backward at d = 0
    r = safe.sqrt() if p == 2 else safe ** (1.0 / p)
    return where(zero, s.new_zeros(()), r)


inner_product = dot


__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "outer", "ger", "inner", "tensordot",
           "einsum", "addmm", "addmv", "addr", "baddbmm", "addbmm", "kron", "cross", "trace",
           "diag", "diag_embed", "diagflat", "tril_indices", "triu_indices", "cdist"]


def _inplace(fn):
    def method(self, *args, **kwargs):
        from .inplace import apply_inplace
        return apply_inplace(self, fn, *args, **kwargs)
    method.__name__ = fn.__name__ + "_"
    return method


export({"addmm_": _inplace(addmm), "addmv_": _inplace(addmv), "addr_": _inplace(addr),
        "baddbmm_": _inplace(baddbmm), "addbmm_": _inplace(addbmm)})
export({"matmul": matmul, "mm": mm, "bmm": bmm, "mv": mv, "dot": dot, "vdot": vdot,
        "outer": outer, "ger": ger, "inner": inner, "addmm": addmm, "addmv": addmv,
        "addr": addr, "baddbmm": baddbmm, "addbmm": addbmm, "kron": kron, "cross": cross,
        "trace": trace, "diag": diag, "diag_embed": diag_embed, "diagflat": diagflat})
