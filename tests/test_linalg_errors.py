"""Bad input to the matrix products, einsum, tensordot and F.pad: a rustorch
error that is also the builtin exception torch raises, with a message naming
both shapes (and, for F.pad, exactly torch's message)."""
import re

import pytest

import rustorch as rt
import rustorch.nn.functional as F

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")
import torch.nn.functional as TF  # noqa: E402


def r(m, *shape, dtype=None):
    return m.ones(*shape, dtype=dtype or m.float32)


# (id, fn(m), rustorch error class, regex the rustorch message must match)
SHAPE_CASES = [
    ("matmul_2d_2d", lambda m: m.matmul(r(m, 2, 3), r(m, 4, 5)), rt.ShapeError, r"2x3 and 4x5"),
    ("matmul_2d_1d", lambda m: m.matmul(r(m, 2, 3), r(m, 4)), rt.ShapeError, r"mat \(2x3\), vec \(4\)"),
    ("matmul_1d_2d", lambda m: m.matmul(r(m, 3), r(m, 4, 5)), rt.ShapeError, r"1x3 and 4x5"),
    ("matmul_1d_1d", lambda m: m.matmul(r(m, 3), r(m, 4)), rt.ShapeError, r"\[3\] and src \[4\]"),
    ("matmul_3d_2d", lambda m: m.matmul(r(m, 2, 2, 3), r(m, 4, 5)), rt.ShapeError,
     r"\[2, 2, 3\].*\[4, 5\]"),
    ("matmul_3d_1d", lambda m: m.matmul(r(m, 2, 2, 3), r(m, 4)), rt.ShapeError, r"\[2, 2, 3\].*\[4\]"),
    ("matmul_1d_3d", lambda m: m.matmul(r(m, 3), r(m, 2, 4, 5)), rt.ShapeError, r"\[3\].*\[2, 4, 5\]"),
    ("matmul_batch", lambda m: m.matmul(r(m, 2, 2, 3), r(m, 3, 3, 5)), rt.ShapeError,
     r"\[2, 2, 3\].*\[3, 3, 5\]"),
    ("matmul_operator", lambda m: r(m, 5, 2) @ r(m, 3, 2), rt.ShapeError, r"5x2 and 3x2"),
    ("mm", lambda m: m.mm(r(m, 2, 3), r(m, 4, 5)), rt.ShapeError, r"2x3 and 4x5"),
    ("mm_not_matrix", lambda m: m.mm(r(m, 2, 3), r(m, 3)), rt.ShapeError, r"mat2 must be a matrix"),
    ("bmm", lambda m: m.bmm(r(m, 2, 2, 3), r(m, 2, 4, 5)), rt.ShapeError, r"\[2, 2, 3\].*\[2, 4, 5\]"),
    ("bmm_batches", lambda m: m.bmm(r(m, 2, 2, 3), r(m, 3, 3, 5)), rt.ShapeError,
     r"\[2, 2, 3\].*\[3, 3, 5\]"),
    ("bmm_not_3d", lambda m: m.bmm(r(m, 2, 3), r(m, 3, 3, 5)), rt.ShapeError, r"batch1 must be a 3D"),
    ("mv", lambda m: m.mv(r(m, 2, 3), r(m, 4)), rt.ShapeError, r"mat \(2x3\), vec \(4\)"),
    ("mv_ndim", lambda m: m.mv(r(m, 2, 3), r(m, 3, 1)), rt.ShapeError, r"vector \+ matrix @ vector"),
    ("dot", lambda m: m.dot(r(m, 3), r(m, 4)), rt.ShapeError, r"\[3\] and src \[4\]"),
    ("dot_2d", lambda m: m.dot(r(m, 3, 1), r(m, 3)), rt.ShapeError, r"2D and 1D"),
    ("vdot", lambda m: m.vdot(r(m, 3), r(m, 4)), rt.ShapeError, r"\[3\] and src \[4\]"),
    ("inner", lambda m: m.inner(r(m, 2, 3), r(m, 4, 5)), rt.ShapeError, r"\[2, 3\] and \[4, 5\]"),
    ("outer_2d", lambda m: m.outer(r(m, 2, 3), r(m, 4)), rt.ShapeError, r"1-D argument self"),
    ("tensordot", lambda m: m.tensordot(r(m, 2, 3), r(m, 4, 5), dims=1), rt.ShapeError,
     r"size 3 in dim -1 and second has size 4 in dim 0.*\[2, 3\] and \[4, 5\]"),
    ("tensordot_lists", lambda m: m.tensordot(r(m, 2, 3), r(m, 3, 5), dims=([1], [0, 1])), rt.ShapeError,
     r"same length"),
    ("tensordot_dims_big", lambda m: m.tensordot(r(m, 2, 3), r(m, 3, 5), dims=3), rt.ShapeError, r"dims=3"),
    ("einsum_size", lambda m: m.einsum("ij,jk->ik", r(m, 2, 3), r(m, 4, 4)), rt.ShapeError,
     r"subscript j has size 4 for operand 1.*\[2, 3\], \[4, 4\]"),
    ("einsum_ellipsis", lambda m: m.einsum("...ij,...jk", r(m, 2, 2, 2, 3), r(m, 5, 3, 4)), rt.ShapeError,
     r"covered by ellipsis.*\[2, 2, 2, 3\], \[5, 3, 4\]"),
    ("einsum_repeated", lambda m: m.einsum("ii->i", r(m, 2, 3)), rt.ShapeError, r"3 != 2"),
    ("einsum_ndim", lambda m: m.einsum("ijk", r(m, 2, 3)), rt.ShapeError, r"does not match"),
    ("einsum_too_few", lambda m: m.einsum("ij,jk->ik", r(m, 2, 3)), rt.ShapeError, r"fewer operands"),
    ("einsum_too_many", lambda m: m.einsum("ij", r(m, 2, 3), r(m, 3)), rt.ShapeError, r"more operands"),
    ("einsum_bad_output", lambda m: m.einsum("ij->ik", r(m, 2, 3)), rt.ShapeError, r"output subscript k"),
    ("einsum_bad_char", lambda m: m.einsum("i1", r(m, 2, 3)), rt.ShapeError, r"invalid subscript"),
    ("addmm_mats", lambda m: m.addmm(r(m, 3), r(m, 2, 3), r(m, 4, 3)), rt.ShapeError, r"2x3 and 4x3"),
    ("addmm_input", lambda m: m.addmm(r(m, 4), r(m, 2, 3), r(m, 3, 3)), rt.ShapeError,
     r"\[2, 3\].*\[4\]"),
    ("addmv", lambda m: m.addmv(r(m, 2), r(m, 2, 3), r(m, 4)), rt.ShapeError, r"mat \(2x3\), vec \(4\)"),
    ("addr_input", lambda m: m.addr(r(m, 2, 4), r(m, 2), r(m, 3)), rt.ShapeError, r"\[2, 3\].*\[2, 4\]"),
    ("baddbmm", lambda m: m.baddbmm(r(m, 3), r(m, 2, 2, 3), r(m, 3, 3, 3)), rt.ShapeError,
     r"\[2, 2, 3\].*\[3, 3, 3\]"),
    ("addbmm", lambda m: m.addbmm(r(m, 3), r(m, 2, 2, 3), r(m, 2, 4, 3)), rt.ShapeError, r"2x3 and 4x3"),
    ("cross_len", lambda m: m.cross(r(m, 2, 4), r(m, 2, 4), dim=1), rt.ShapeError, r"\[2, 4\] and \[2, 4\]"),
    ("cross_bcast", lambda m: m.cross(r(m, 2, 3), r(m, 4, 3), dim=1), rt.ShapeError, r"\[2, 3\].*\[4, 3\]"),
    ("cdist", lambda m: m.cdist(r(m, 2, 3), r(m, 2, 4)), rt.ShapeError, r"\[2, 3\] and \[2, 4\]"),
    ("trace_3d", lambda m: m.trace(r(m, 2, 3, 3)), rt.ShapeError, r"dim 3"),
    ("diag_3d", lambda m: m.diag(r(m, 2, 3, 3)), rt.ShapeError, r"Got 3D"),
    ("diag_embed_same_dims", lambda m: m.diag_embed(r(m, 2, 3), 1, 0, 0), rt.ShapeError, r"identical"),
    ("matmul_dtype", lambda m: m.matmul(r(m, 2, 3), r(m, 3, 4, dtype=m.float64)), rt.DTypeError,
     r"float != double"),
    ("einsum_dtype", lambda m: m.einsum("ij,jk", r(m, 2, 3), r(m, 3, 4, dtype=m.float64)), rt.DTypeError,
     r"Float but found Double"),
    ("dot_dtype", lambda m: m.dot(r(m, 3), r(m, 3, dtype=m.float64)), rt.DTypeError, r"Float and Double"),
    ("tensordot_dtype", lambda m: m.tensordot(r(m, 2, 3), r(m, 3, 2, dtype=m.float64), dims=1), rt.DTypeError,
     r"same dtype"),
    ("matmul_bool", lambda m: m.matmul(r(m, 2, 3, dtype=m.bool), r(m, 3, 2, dtype=m.bool)), rt.UnsupportedError,
     r"Bool"),
    ("dot_bool", lambda m: m.dot(r(m, 3, dtype=m.bool), r(m, 3, dtype=m.bool)), rt.UnsupportedError, r"Bool"),
    ("einsum_bool_contract", lambda m: m.einsum("ij,jk", r(m, 2, 3, dtype=m.bool), r(m, 3, 2, dtype=m.bool)),
     rt.UnsupportedError, r"Bool"),
    ("trace_bool", lambda m: m.trace(r(m, 2, 2, dtype=m.bool)), rt.UnsupportedError, r"Bool"),
    ("tensordot_dims_type", lambda m: m.tensordot(r(m, 2, 3), r(m, 3, 2), dims=([1], 0)), rt.InvalidType,
     r"dims_other"),
    ("einsum_operand_type", lambda m: m.einsum("i,j->ij", r(m, 3), 2.0), rt.InvalidType, r"expected Tensor"),
    ("addr_int_alpha", lambda m: m.addr(r(m, 2, 2, dtype=m.int64), r(m, 2, dtype=m.int64),
                                        r(m, 2, dtype=m.int64), alpha=1.5), rt.DTypeError, r"alpha"),
    ("addr_bool_beta", lambda m: m.addr(r(m, 2, 2, dtype=m.bool), r(m, 2, dtype=m.bool),
                                        r(m, 2, dtype=m.bool), beta=0.5), rt.DTypeError, r"beta"),
    ("tril_indices_neg", lambda m: m.tril_indices(-1, 3), rt.RustorchError, r"row must be non-negative"),
]


def _builtin(exc):
    return next(c for c in type(exc).__mro__ if c.__module__ == "builtins")


@pytest.mark.parametrize("name,fn,cls,msg", SHAPE_CASES, ids=[c[0] for c in SHAPE_CASES])
def test_linalg_error(name, fn, cls, msg):
    with pytest.raises(Exception) as t_exc:
        fn(torch)
    with pytest.raises(Exception) as r_exc:
        fn(rt)
    err = r_exc.value
    builtin = _builtin(t_exc.value)
    assert isinstance(err, builtin), f"rustorch raised {type(err).__mro__}, torch raised {builtin}"
    assert isinstance(err, cls) and isinstance(err, rt.RustorchError), type(err)
    assert re.search(msg, str(err)), str(err)


# F.pad: torch's exact message.  (shape, pad, mode, value)
PAD_CASES = [
    ((1, 3, 4), (1, 2, 3), "constant", None),
    ((1, 3, 4), (1, 2, 3, 4, 5, 6, 7, 8), "constant", None),
    ((1, 3, 4), (-5, 1), "constant", None),
    ((1, 3, 4), (-3, -2), "constant", None),
    ((1, 3, 4), (1, 1), "bogus", None),
    ((1, 3, 4), (1, 2, 3), "bogus", None),
    ((1, 3, 4), (1, 1), "reflect", 1.0),
    ((1, 3, 4), (1, 1), "circular", 2.0),
    ((1, 3, 4), (4, 0), "reflect", None),
    ((1, 3, 4), (0, 0, 3, 0), "reflect", None),
    ((2, 3, 4, 5), (0, 0, 0, 0, 0, 3), "reflect", None),
    ((3, 4), (-4, 4), "reflect", None),
    ((3, 4), (-2, -2), "reflect", None),
    ((3, 4), (-3, -2), "replicate", None),
    ((2, 3, 4), (-2, -2, -2, -1), "reflect", None),
    ((2, 3, 4), (-2, -2, -2, -1), "replicate", None),
    ((2, 3, 4, 5), (-5, 0, -4, 0, -3, 0), "replicate", None),
    ((2, 3, 4), (0, 0, -2, -2), "replicate", None),
    ((4,), (1, 1), "reflect", None),
    ((1, 3, 4), (1, 1, 1, 1, 1, 1), "replicate", None),
    ((0, 3), (1, 1), "reflect", None),
    ((2, 0, 3), (1, 1), "replicate", None),
    ((1, 2, 0, 4, 5), (0, 0, 0, 0, 0, 1), "reflect", None),
    ((3, 4), (5, 0), "circular", None),
    ((3, 4), (-3, -2), "circular", None),
    ((1, 2, 0), (1, 1), "circular", None),
    ((2, 3), (1, 1), "replicate", "bool"),
    ((2, 3), (1, 1), "reflect", "bool"),
]


@pytest.mark.parametrize("shape,pad,mode,value", PAD_CASES,
                         ids=[f"{m}-{list(s)}-{list(p)}" for s, p, m, _ in PAD_CASES])
def test_pad_error(shape, pad, mode, value):
    kw = {}
    dtype_t, dtype_r = torch.float32, rt.float32
    if value == "bool":
        dtype_t, dtype_r = torch.bool, rt.bool
    elif value is not None:
        kw["value"] = value
    with pytest.raises(Exception) as t_exc:
        TF.pad(torch.zeros(shape, dtype=dtype_t), pad, mode=mode, **kw)
    with pytest.raises(Exception) as r_exc:
        F.pad(rt.zeros(shape, dtype=dtype_r), pad, mode=mode, **kw)
    err = r_exc.value
    assert isinstance(err, _builtin(t_exc.value)) and isinstance(err, rt.RustorchError), type(err).__mro__
    assert str(err) == str(t_exc.value)


def test_pad_type_errors():
    with pytest.raises(TypeError) as t_exc:
        TF.pad(torch.zeros(2, 3), [1.5, 1])
    with pytest.raises(rt.InvalidType) as r_exc:
        F.pad(rt.zeros(2, 3), [1.5, 1])
    assert str(r_exc.value) == str(t_exc.value)
