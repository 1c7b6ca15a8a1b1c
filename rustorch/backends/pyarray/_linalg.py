"""Linear algebra of the pure-Python namespace: matmul, tensordot, vecdot
(NumPy 2 semantics).

matmul reads each operand once into Python lists -- the left one as rows, the
right one as columns (a strided slice per column, or plain chunks when it is
a transposed view) -- and computes every output element as one dot product
of two lists in C: ``math.sumprod`` where it exists (Python >= 3.12, Pyodide),
else ``sum(map(mul, row, col))``.  Output columns are tiled in blocks so a
block of columns stays hot while every row passes over it.  Floats accumulate
in double precision and round once when stored; integers are exact and wrap
once when stored (what NumPy's wrapping arithmetic gives).
"""
import operator
from operator import mul

from . import _dtypes as D
from ._core import (PyArray, asarray, broadcast_shapes, broadcast_to, c_strides, expand_dims,
                    from_list, numel, permute_dims, reshape, result_type)

try:
    from math import sumprod as _sumprod
except ImportError:     # Python < 3.12
    _sumprod = None

__all__ = ["matmul", "tensordot", "vecdot"]

_COL_BLOCK = 64     # output columns computed per pass over the rows


def _arr(x):
    return x if isinstance(x, PyArray) else asarray(x)


def _swap_last(x):
    nd = x.ndim
    return permute_dims(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _rows(x, conv):
    """x (..., r, c) -> the rows of every matrix, as one flat list of lists
    (batch-major).  Reads a transposed contiguous view without a gather."""
    r, c = x.shape[-2:]
    total = x.size
    if total == 0:
        return [[] for _ in range(numel(x.shape[:-1]))]
    if not x.contig:
        xt = _swap_last(x)
        if xt.contig:
            vals = xt.values()          # (..., c, r) in C order
            if conv is not None:
                vals = list(map(conv, vals))
            rc = r * c
            return [vals[base + i:base + rc:r] for base in range(0, total, rc) for i in range(r)]
    vals = x.values()
    if conv is not None:
        vals = list(map(conv, vals))
    return [vals[i:i + c] for i in range(0, total, c)]


def _batch_index(src, dst):
    """For every position of batch shape ``dst`` (C order), the flat index
    into batch shape ``src`` that broadcasting reads."""
    if tuple(src) == tuple(dst):
        return range(numel(dst))
    src = (1,) * (len(dst) - len(src)) + tuple(src)
    idx = [0]
    for n_s, n_d, st in zip(src, dst, c_strides(src)):
        step = st if n_s == n_d else 0
        idx = [i + j * step for i in idx for j in range(n_d)]
    return idx


def _conv_for(x, dtype):
    """Converter that casts x's values to the result kind before multiplying
    (NumPy casts operands first), or None."""
    k, sk = dtype.kind, x.dtype.kind
    if k == "f" and sk in "biu":
        return float
    if k == "c" and sk != "c":
        return complex
    return None


def _dot_rows(rows, cols, out):
    """out += [row . col for row in rows for col in cols], tiled over cols."""
    m = len(cols)
    if _sumprod is not None:
        sp = _sumprod
        if m <= _COL_BLOCK:
            for r in rows:
                out += [sp(r, c) for c in cols]
            return
        base = len(out)
        out += [0] * (len(rows) * m)
        for j0 in range(0, m, _COL_BLOCK):
            cb = cols[j0:j0 + _COL_BLOCK]
            w = len(cb)
            o = base + j0
            for r in rows:
                out[o:o + w] = [sp(r, c) for c in cb]
                o += m
        return
    s = sum
    if m <= _COL_BLOCK:
        for r in rows:
            out += [s(map(mul, r, c)) for c in cols]
        return
    base = len(out)
    out += [0] * (len(rows) * m)
    for j0 in range(0, m, _COL_BLOCK):
        cb = cols[j0:j0 + _COL_BLOCK]
        w = len(cb)
        o = base + j0
        for r in rows:
            out[o:o + w] = [s(map(mul, r, c)) for c in cb]
            o += m


def matmul(x1, x2, /):
    x1, x2 = _arr(x1), _arr(x2)
    if x1.ndim == 0 or x2.ndim == 0:
        raise ValueError(f"matmul: Input operand {0 if x1.ndim == 0 else 1} does not have enough "
                         f"dimensions (has 0, gufunc core with signature (n?,k),(k,m?)->(n?,m?) "
                         f"requires 1)")
    dtype = result_type(x1, x2)
    vec1, vec2 = x1.ndim == 1, x2.ndim == 1
    a = expand_dims(x1, axis=0) if vec1 else x1
    b = expand_dims(x2, axis=-1) if vec2 else x2
    n, k = a.shape[-2:]
    k2, m = b.shape[-2:]
    if k != k2:
        raise ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0, with "
                         f"gufunc signature (n?,k),(k,m?)->(n?,m?) (size {k2} is different from {k})")
    ba, bb = a.shape[:-2], b.shape[:-2]
    batch = broadcast_shapes(ba, bb)
    shape = batch + (() if vec1 else (n,)) + (() if vec2 else (m,))
    nb = numel(batch)
    if nb == 0 or n == 0 or m == 0:
        return from_list([], shape, dtype, dtype.kind)
    rows = _rows(a, _conv_for(x1, dtype))
    cols = _rows(_swap_last(b), _conv_for(x2, dtype))
    out = []
    if nb == 1:
        _dot_rows(rows, cols, out)
    else:
        ia = _batch_index(ba, batch)
        ib = _batch_index(bb, batch)
        for i, j in zip(ia, ib):
            _dot_rows(rows[i * n:(i + 1) * n], cols[j * m:(j + 1) * m], out)
    if dtype is D.bool_:
        out = [v != 0 for v in out]
        kind = "b"
    elif dtype.kind in "iu":
        kind = "i"
    else:
        kind = dtype.kind if k else None    # k == 0: int zeros, let coerce convert
    return from_list(out, shape, dtype, kind)


def tensordot(x1, x2, /, axes=2):
    x1, x2 = _arr(x1), _arr(x2)
    if isinstance(axes, int):
        if axes < 0:
            raise ValueError("tensordot: axes must be a non-negative integer")
        if axes > x1.ndim or axes > x2.ndim:
            raise ValueError("tensordot: axes exceeds the number of dimensions")
        ax1 = list(range(x1.ndim - axes, x1.ndim))
        ax2 = list(range(axes))
    else:
        ax1, ax2 = axes
        ax1 = [ax1] if isinstance(ax1, int) else list(ax1)
        ax2 = [ax2] if isinstance(ax2, int) else list(ax2)
        if len(ax1) != len(ax2):
            raise ValueError("shape-mismatch for sum")
        ax1 = [_wrap(a, x1.ndim) for a in ax1]
        ax2 = [_wrap(a, x2.ndim) for a in ax2]
    for a1, a2 in zip(ax1, ax2):
        if x1.shape[a1] != x2.shape[a2]:
            raise ValueError("shape-mismatch for sum")
    free1 = [i for i in range(x1.ndim) if i not in ax1]
    free2 = [i for i in range(x2.ndim) if i not in ax2]
    s1 = tuple(x1.shape[i] for i in free1)
    s2 = tuple(x2.shape[i] for i in free2)
    kk = numel([x1.shape[i] for i in ax1])
    a = reshape(permute_dims(x1, tuple(free1 + ax1)), (numel(s1), kk))
    b = reshape(permute_dims(x2, tuple(ax2 + free2)), (kk, numel(s2)))
    r = matmul(a, b)
    return reshape(r, s1 + s2)


def _wrap(a, nd):
    a = operator.index(a)
    if not -nd <= a < nd:
        raise ValueError(f"axis {a} is out of bounds for array of dimension {nd}")
    return a % nd


def vecdot(x1, x2, /, *, axis=-1):
    x1, x2 = _arr(x1), _arr(x2)
    dtype = result_type(x1, x2)
    shape = broadcast_shapes(x1.shape, x2.shape)
    nd = len(shape)
    if nd == 0:
        raise ValueError("vecdot: Input operand 0 does not have enough dimensions")
    ax = _wrap(axis, nd)
    rel = ax - nd                       # counted from the end, as the array API says
    for x, i in ((x1, 0), (x2, 1)):
        if x.ndim < -rel:
            raise ValueError(f"vecdot: Input operand {i} does not have enough dimensions")
    if x1.shape[rel] != x2.shape[rel]:
        raise ValueError(f"vecdot: Input operand 1 has a mismatch in its core dimension 0, with "
                         f"gufunc signature (n),(n)->() (size {x2.shape[rel]} is different from "
                         f"{x1.shape[rel]})")
    perm = tuple(i for i in range(nd) if i != ax) + (ax,)
    out_shape = tuple(shape[i] for i in perm[:-1])
    n = shape[ax]
    m = numel(out_shape)
    if m == 0:
        return from_list([], out_shape, dtype, dtype.kind)
    v1 = permute_dims(broadcast_to(x1, shape), perm).values()
    v2 = permute_dims(broadcast_to(x2, shape), perm).values()
    c1, c2 = _conv_for(x1, dtype), _conv_for(x2, dtype)
    if c1 is not None:
        v1 = list(map(c1, v1))
    if c2 is not None:
        v2 = list(map(c2, v2))
    if dtype.kind == "c":
        v1 = [v.conjugate() for v in v1]
    if n == 0:
        out = [0] * m
    else:
        dot = _sumprod or (lambda p, q: sum(map(mul, p, q)))
        out = [dot(v1[i:i + n], v2[i:i + n]) for i in range(0, m * n, n)]
    if dtype is D.bool_:
        out = [v != 0 for v in out]
        kind = "b"
    elif dtype.kind in "iu":
        kind = "i"
    else:
        kind = dtype.kind if n else None
    return from_list(out, out_shape, dtype, kind)


# ------------------------------------------------------------------ einsum (python backend kernel)
def einsum(equation, operands):
    """Explicit ``'ij,jk->ik'`` einsum as a chain of pairwise contractions,
    each one a (batched) matmul; repeated letters inside an operand take a
    diagonal view.  Returns a fresh C-contiguous array, or None when the
    equation needs size-1 broadcasting between letters (left to the
    composed kernel)."""
    from ._core import diagonal_view
    from ._reductions import sum as _rsum
    inputs, out = equation.split("->")
    specs = inputs.split(",")
    if len(specs) != len(operands) or "." in equation:
        return None
    ops = []
    sizes = {}
    for spec, op in zip(specs, operands):
        op = _arr(op)
        if len(spec) != op.ndim:
            return None
        spec = list(spec)
        while len(set(spec)) != len(spec):          # 'ii': the diagonal, moved last
            i = next(i for i, c in enumerate(spec) if spec.index(c) != i)
            j0 = spec.index(spec[i])
            if op.shape[i] != op.shape[j0]:
                return None
            c = spec[i]
            op = diagonal_view(op, 0, j0, i)
            spec = [s for t, s in enumerate(spec) if t not in (i, j0)] + [c]
        for c, n in zip(spec, op.shape):
            if sizes.setdefault(c, n) != n:
                return None                         # size-1 broadcasting: composed kernel
        ops.append((op, "".join(spec)))
    if any(c not in sizes for c in out):
        return None

    def drop_private(op, spec, needed):
        gone = tuple(i for i, c in enumerate(spec) if c not in needed)
        if not gone:
            return op, spec
        return _rsum(op, axis=gone, dtype=op.dtype), "".join(c for c in spec if c in needed)

    cur, cspec = ops[0]
    rest = ops[1:]
    needed = set(out).union(*(s for _, s in rest))
    cur, cspec = drop_private(cur, cspec, needed)
    for k, (op, spec) in enumerate(rest):
        later = set(out).union(*(s for _, s in rest[k + 1:]))
        op, spec = drop_private(op, spec, later | set(cspec))
        cur, cspec = drop_private(cur, cspec, later | set(spec))
        batch = [c for c in cspec if c in spec and c in later]
        contr = [c for c in cspec if c in spec and c not in later]
        a_only = [c for c in cspec if c not in spec]
        b_only = [c for c in spec if c not in cspec]
        a = permute_dims(cur, tuple(cspec.index(c) for c in batch + a_only + contr))
        b = permute_dims(op, tuple(spec.index(c) for c in batch + contr + b_only))
        nb = tuple(sizes[c] for c in batch)
        ni = numel([sizes[c] for c in a_only])
        nj = numel([sizes[c] for c in b_only])
        nk = numel([sizes[c] for c in contr])
        r = matmul(reshape(a, nb + (ni, nk)), reshape(b, nb + (nk, nj)))
        cur = reshape(r, nb + tuple(sizes[c] for c in a_only + b_only))
        cspec = "".join(batch + a_only + b_only)
    cur = permute_dims(cur, tuple(cspec.index(c) for c in out))
    if not cur.contig or (cur.base is not None and not rest):   # never a view of an operand
        cur = from_list(cur.values(), cur.shape, cur.dtype, cur.dtype.kind)
    return cur
