"""Bad input gets a clear rustorch error that is also the builtin exception
torch raises for the same mistake, with a message naming what is wrong."""
import pytest

import rustorch as rt

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")

# (id, fn(m), rustorch error class, regex the rustorch message must match)
CASES = [
    ("broadcast", lambda m: m.ones(2, 3) + m.ones(4, 3), rt.ShapeError, r"\[2, 3\].*\[4, 3\]"),
    ("matmul_shape", lambda m: m.ones(2, 3) @ m.ones(4, 5), rt.ShapeError, r"2x3 and 4x5"),
    ("matmul_0d", lambda m: m.matmul(m.tensor(1.0), m.ones(2)), rt.ShapeError, r"at least 1D"),
    ("view_bad_size", lambda m: m.ones(2, 3).view(4), rt.ShapeError, r"invalid for input of size 6"),
    ("view_noncontig", lambda m: m.ones(2, 3).t().view(6), rt.ShapeError, r"reshape"),
    ("cat_mismatch", lambda m: m.cat([m.ones(2, 3), m.ones(2, 4)]), rt.ShapeError,
     r"Sizes of tensors must match"),
    ("expand_bad", lambda m: m.ones(2, 3).expand(4, 3), rt.ShapeError, r"expanded size"),
    ("two_inferred", lambda m: m.ones(6).reshape(-1, -1), rt.ShapeError, r"only one dimension"),
    ("inplace_broadcast", lambda m: m.ones(3).add_(m.ones(2, 3)), rt.ShapeError, r"doesn't match the broadcast"),
    ("inplace_cast", lambda m: m.ones(3, dtype=m.int64).add_(1.5), rt.DTypeError, r"can't be cast"),
    ("bitwise_float", lambda m: m.ones(2) & m.ones(2), rt.UnsupportedError, r"not implemented for 'Float'"),
    ("where_cond_dtype", lambda m: m.where(m.ones(2), m.ones(2), m.zeros(2)), rt.DTypeError, r"boolean"),
    ("bool_sub", lambda m: m.ones(2, dtype=m.bool) - m.ones(2, dtype=m.bool), rt.DTypeError, r"Subtraction"),
    ("int_neg_pow", lambda m: m.ones(2, dtype=m.int64) ** -1, rt.DTypeError, r"negative integer powers"),
    ("int_div_zero", lambda m: m.ones(2, dtype=m.int64) // m.zeros(2, dtype=m.int64), rt.DTypeError,
     r"ZeroDivisionError"),
    ("mean_int", lambda m: m.ones(2, dtype=m.int64).mean(), rt.DTypeError, r"floating point or complex"),
    ("matmul_dtype", lambda m: m.ones(2, 2) @ m.ones(2, 2, dtype=m.float64), rt.DTypeError, r"same dtype"),
    ("complex_max", lambda m: m.maximum(m.ones(2, dtype=m.complex64), m.ones(2, dtype=m.complex64)),
     rt.UnsupportedError, r"complex"),
    ("grad_int", lambda m: m.ones(2, dtype=m.int64).requires_grad_(), rt.AutogradError, r"floating point"),
    ("inplace_leaf", lambda m: m.ones(2, requires_grad=True).mul_(2), rt.AutogradError, r"leaf Variable"),
    ("backward_nonscalar", lambda m: (m.ones(2, requires_grad=True) * 2).backward(), rt.AutogradError,
     r"scalar outputs"),
    ("dim_out_of_range", lambda m: m.ones(2, 3).sum(dim=2), rt.IndexOutOfRange, r"Dimension out of range"),
    ("index_out_of_range", lambda m: m.ones(2, 3)[2], rt.IndexOutOfRange, r"index 2 is out of bounds"),
    ("too_many_indices", lambda m: m.ones(2)[0, 0], rt.IndexOutOfRange, r"too many indices"),
    ("index_select_range", lambda m: m.ones(3).index_select(0, m.tensor([5])), rt.IndexOutOfRange, r"out of"),
    ("negative_size", lambda m: m.zeros(-1, 2), rt.InvalidArgument, r"negative dimension"),
    ("arange_step0", lambda m: m.arange(0, 5, 0), rt.InvalidArgument, r"step must be nonzero"),
    ("div_mode", lambda m: m.div(m.ones(2), 2, rounding_mode="round"), rt.InvalidArgument, r"rounding_mode"),
    ("bad_size_type", lambda m: m.zeros("a"), rt.InvalidType, r"size"),
    ("bad_data_type", lambda m: m.tensor(object()), rt.InvalidArgument, r"Could not infer dtype"),
    ("bad_operand", lambda m: m.ones(2) + "x", None, None),
    ("ragged", lambda m: m.tensor([[1, 2], [3]]), rt.InvalidArgument, r"expected sequence of length 2"),
    ("len_0d", lambda m: len(m.tensor(1.0)), rt.InvalidType, r"0-d"),
    ("clamp_none", lambda m: m.clamp(m.ones(2)), rt.InvalidArgument, r"At least one of 'min' or 'max'"),
    ("slice_negative_step", lambda m: m.ones(4)[::-1], rt.InvalidArgument, r"step must be greater than zero"),
    ("unknown_dtype", lambda m: m.ones(2, dtype="float128"), rt.InvalidType, r"dtype"),
]


@pytest.mark.parametrize("name,fn,cls,msg", CASES, ids=[c[0] for c in CASES])
def test_error_matches_torch_class(name, fn, cls, msg):
    with pytest.raises(Exception) as t_exc:
        if name == "unknown_dtype":
            torch.ones(2, dtype=torch.float128 if hasattr(torch, "float128") else "float128")
        else:
            fn(torch)
    with pytest.raises(Exception) as r_exc:
        fn(rt)
    err = r_exc.value
    builtin = next(c for c in type(t_exc.value).__mro__ if c.__module__ == "builtins")
    assert isinstance(err, builtin), f"rustorch raised {type(err).__mro__}, torch raised {builtin}"
    if cls is not None:
        assert isinstance(err, cls) and isinstance(err, rt.RustorchError), type(err)
        import re
        assert re.search(msg, str(err)), str(err)


def test_hierarchy():
    assert issubclass(rt.ShapeError, RuntimeError) and issubclass(rt.DTypeError, RuntimeError)
    assert issubclass(rt.IndexOutOfRange, IndexError) and issubclass(rt.InvalidType, TypeError)
    assert issubclass(rt.InvalidArgument, ValueError) and issubclass(rt.UnsupportedError, NotImplementedError)
    assert issubclass(rt.BackendUnavailableError, rt.DeviceError)
    for c in (rt.ShapeError, rt.DTypeError, rt.DeviceError, rt.UnsupportedError, rt.AutogradError,
              rt.IndexOutOfRange, rt.InvalidArgument, rt.InvalidType):
        assert issubclass(c, rt.RustorchError)


def test_out_of_range_integer_data_is_refused_not_wrapped():
    with pytest.raises(rt.DTypeError, match="overflow"):
        rt.tensor([300], dtype=rt.uint8)
    with pytest.raises(rt.DTypeError):
        rt.tensor([float("nan")], dtype=rt.int32)
