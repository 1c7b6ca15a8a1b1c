"""Bad input to reductions: rustorch raises its own error class, which is also
the builtin exception torch raises for the same call."""
import math

import pytest

import rustorch as rt

torch = pytest.importorskip("torch")

INF = math.inf


def _x(m):
    return m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def _e(m):
    return m.zeros(0, 3)


# name, call(m), rustorch class, builtin torch raises, fragment of torch's message (or None)
ERRORS = [
    ("max_empty_all", lambda m: m.max(_e(m)), rt.ShapeError, RuntimeError,
     "Expected reduction dim to be specified"),
    ("max_empty_dim", lambda m: m.max(_e(m), 0), rt.IndexOutOfRange, IndexError,
     "max(): Expected reduction dim 0 to have non-zero size."),
    ("min_empty_dim_neg", lambda m: m.min(_e(m), -2), rt.IndexOutOfRange, IndexError,
     "min(): Expected reduction dim 0 to have non-zero size."),
    ("max_dim_out_of_range", lambda m: m.max(_x(m), 5), rt.IndexOutOfRange, IndexError,
     "Dimension out of range"),
    ("max_complex", lambda m: m.max(m.tensor([1j, 2.0])), rt.DTypeError, NotImplementedError, None),
    ("amax_empty_all", lambda m: m.amax(_e(m)), rt.ShapeError, RuntimeError,
     "Expected reduction dim to be specified"),
    ("amax_empty_dim", lambda m: m.amax(_e(m), 0), rt.IndexOutOfRange, IndexError,
     "amax(): Expected reduction dim 0 to have non-zero size."),
    ("amin_dup_dims", lambda m: m.amin(_x(m), (0, 0)), rt.ShapeError, RuntimeError,
     "appears multiple times"),
    ("aminmax_empty", lambda m: m.aminmax(_e(m)), rt.ShapeError, RuntimeError,
     "cannot compute aminmax over an empty dimension"),
    ("aminmax_empty_dim", lambda m: m.aminmax(_e(m), dim=0), rt.IndexOutOfRange, IndexError,
     "Expected reduction dim 0 to have non-zero size."),
    ("argmax_empty", lambda m: m.argmax(_e(m)), rt.IndexOutOfRange, IndexError,
     "argmax(): Expected reduction dim to be specified for input.numel() == 0."),
    ("argmin_empty_dim", lambda m: m.argmin(_e(m), 0), rt.IndexOutOfRange, IndexError,
     "argmin(): Expected reduction dim 0 to have non-zero size."),
    ("argmax_bool", lambda m: m.argmax(m.tensor([True, False])), rt.DTypeError, RuntimeError,
     "does not support bool input"),
    ("median_empty_dim", lambda m: m.median(_e(m), 0), rt.IndexOutOfRange, IndexError,
     "median(): Expected reduction dim 0 to have non-zero size."),
    ("median_bool", lambda m: m.median(m.tensor([True, False])), rt.DTypeError,
     NotImplementedError, "not implemented for 'Bool'"),
    ("mode_empty", lambda m: m.mode(m.zeros(0)), rt.IndexOutOfRange, IndexError,
     "mode(): Expected reduction dim 0 to have non-zero size."),
    ("var_int", lambda m: m.var(m.tensor([1, 2, 3])), rt.DTypeError, RuntimeError,
     "std and var only support floating point and complex dtypes"),
    ("std_int_method", lambda m: m.tensor([1, 2, 3]).std(0), rt.DTypeError, RuntimeError,
     "std and var only support floating point and complex dtypes"),
    ("std_mean_int", lambda m: m.std_mean(m.tensor([1, 2])), rt.DTypeError, RuntimeError,
     "std_mean only support floating point and complex dtypes"),
    ("var_unbiased_and_correction", lambda m: m.var(_x(m), unbiased=True, correction=1),
     rt.InvalidType, TypeError, None),
    ("prod_dim_tuple", lambda m: m.prod(_x(m), (0, 1)), rt.InvalidType, TypeError, None),
    ("logsumexp_no_dim", lambda m: m.logsumexp(_x(m)), TypeError, TypeError, None),
    ("logsumexp_dup_dims", lambda m: m.logsumexp(_x(m), (1, -1)), rt.ShapeError, RuntimeError,
     "appears multiple times"),
    ("cumsum_no_dim", lambda m: m.cumsum(_x(m)), TypeError, TypeError, None),
    ("cumsum_dim_out_of_range", lambda m: m.cumsum(_x(m), 2), rt.IndexOutOfRange, IndexError,
     "Dimension out of range"),
    ("cummax_complex", lambda m: m.cummax(m.tensor([1j]), 0), rt.DTypeError, RuntimeError, None),
    ("logcumsumexp_int", lambda m: m.logcumsumexp(m.tensor([1, 2]), 0), rt.DTypeError,
     NotImplementedError, "not implemented for 'Long'"),
    ("norm_int", lambda m: m.norm(m.tensor([3, 4])), rt.DTypeError, RuntimeError,
     "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"),
    ("norm_bad_order", lambda m: m.norm(_x(m), "abc"), rt.InvalidArgument, RuntimeError,
     "linalg.matrix_norm: Order abc not supported."),
    ("norm_fro_three_dims", lambda m: m.norm(m.ones(2, 2, 2), "fro", (0, 1, 2)), rt.ShapeError,
     RuntimeError, "linalg.matrix_norm: dim must be a 2-tuple. Got 0 1 2"),
    ("norm_inf_empty", lambda m: m.norm(_e(m), INF), rt.ShapeError, RuntimeError,
     "cannot compute the inf norm on an empty tensor"),
    ("norm_neg_empty_dim", lambda m: m.norm(_e(m), -1, 0), rt.ShapeError, RuntimeError,
     "cannot compute the -1 norm on the dimension 0"),
    ("nanmean_int", lambda m: m.nanmean(m.tensor([1, 2])), rt.DTypeError, RuntimeError,
     "nanmean(): expected input to have floating point or complex dtype but got Long"),
    ("mean_int", lambda m: m.mean(m.tensor([1, 2])), rt.DTypeError, RuntimeError,
     "mean(): could not infer output dtype"),
]


@pytest.mark.parametrize("name,call,rt_cls,builtin,msg", ERRORS, ids=[e[0] for e in ERRORS])
def test_reduction_error(name, call, rt_cls, builtin, msg):
    with pytest.raises(builtin) as want:
        call(torch)
    with pytest.raises(rt_cls) as got:
        call(rt)
    assert isinstance(got.value, builtin), f"{type(got.value).__mro__} is not a {builtin}"
    if rt_cls is not TypeError:
        assert isinstance(got.value, rt.RustorchError)
    if msg is not None:
        assert msg in str(want.value), f"torch's message changed: {want.value}"
        assert msg in str(got.value), f"{got.value!s} lacks {msg!r}"


def test_norm_nuclear_is_unsupported():
    # torch computes it through an SVD; rustorch says clearly that it cannot
    with pytest.raises(rt.UnsupportedError, match="nuc"):
        rt.norm(_x(rt), "nuc")


def test_var_dof_warning():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        v = rt.var(rt.tensor([1.0]))
    assert math.isnan(v.item())


def test_return_types():
    x = rt.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    r = rt.max(x, 1)
    assert isinstance(r, tuple) and type(r).__name__ == "max"
    values, indices = r
    assert values.tolist() == r.values.tolist() == [5.0, 6.0]
    assert indices.tolist() == r[1].tolist() == [1, 2]
    assert repr(r).startswith("rustorch.return_types.max(\nvalues=")
    assert rt.return_types.max((values, indices)).indices is indices
    mm = rt.aminmax(x)
    assert (mm.min.item(), mm.max.item()) == (1.0, 6.0)
    import pickle
    r2 = pickle.loads(pickle.dumps(rt.cummax(x, 1)))
    assert type(r2).__name__ == "cummax" and r2.indices.tolist() == [[0, 1, 1], [0, 0, 2]]


def test_higher_order_amax_and_max_backward():
    x = rt.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 0.0]], requires_grad=True)
    g, = rt.autograd.grad(rt.amax(x, 1).sum(), x, create_graph=True)
    assert g.tolist() == [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]]
    v = rt.max(x, 1).values
    g2, = rt.autograd.grad((v * v).sum(), x, create_graph=True)
    gg, = rt.autograd.grad(g2.sum(), x)
    assert gg.tolist() == [[0.0, 2.0, 0.0], [2.0, 0.0, 0.0]]
