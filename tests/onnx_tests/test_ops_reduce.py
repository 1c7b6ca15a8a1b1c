"""ONNX reductions, ArgMax/ArgMin, CumSum/CumProd, TopK and the softmax family
(rustorch/onnx/_ops/reduce.py).

Oracles: ONNX's backend node cases (run node by node through the operator
table, see test_ops_elementwise) and torch for gradients and tie-breaking.

``python -m tests.onnx_tests.test_ops_reduce`` prints the pass rates.
"""
import pytest

np = pytest.importorskip("numpy")
onnx = pytest.importorskip("onnx")
torch = pytest.importorskip("torch")

from onnx import helper  # noqa: E402

import rustorch as rt  # noqa: E402
from rustorch.onnx._ops import NodeContext, lookup, supported_ops  # noqa: E402

from .test_ops_elementwise import (ELEMENTWISE_OPS, _attr_value, _report, assert_case,  # noqa: E402
                                   family_cases, node_case_params)

REDUCE_OPS = frozenset("""
ReduceSum ReduceMean ReduceMax ReduceMin ReduceProd ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp
ReduceSumSquare ArgMax ArgMin CumSum CumProd TopK Softmax LogSoftmax Hardmax""".split())
_ALLOWED = REDUCE_OPS | ELEMENTWISE_OPS


def test_every_reduce_op_is_registered():
    assert REDUCE_OPS <= set(supported_ops())


@pytest.mark.parametrize("case", node_case_params(REDUCE_OPS, _ALLOWED))
def test_onnx_node_case(case):
    assert_case(case)


_PY_SAMPLE = ("test_reduce_sum_keepdims_random", "test_reduce_min_empty_set",
              "test_reduce_log_sum_exp_do_not_keepdims_random",
              "test_argmax_negative_axis_keepdims_example_select_last_index",
              "test_cumsum_1d_reverse_exclusive",
              "test_top_k_smallest", "test_softmax_axis_0", "test_hardmax_one_hot", "test_logsoftmax_axis_1",
              "test_reduce_l2_empty_set", "test_reduce_sum_square_empty_set_expanded")


@pytest.mark.parametrize("name", _PY_SAMPLE)
def test_onnx_node_case_on_python_device(name):
    cases = {c.name: c for c in family_cases(REDUCE_OPS, _ALLOWED)}
    if name not in cases:
        pytest.skip(f"{name} is not among this onnx version's node cases")
    assert_case(cases[name], device="python")


def _node(op_type, n_in=1, opset=18, n_out=1, **attrs):
    node = helper.make_node(op_type, [f"i{k}" for k in range(n_in)], [f"o{k}" for k in range(n_out)],
                            **attrs)
    decoded = {a.name: _attr_value(a, "cpu") for a in node.attribute}
    return lambda *xs: lookup(op_type, opset)(NodeContext(node, decoded, opset, "cpu", None), *xs)


def test_axes_attribute_before_and_input_after_the_opset_change():
    x = rt.arange(24.0).reshape(2, 3, 4)
    want = torch.arange(24.0).reshape(2, 3, 4).sum((0, 2), keepdim=True).numpy()
    np.testing.assert_array_equal(_node("ReduceSum", opset=11, axes=[0, -1])(x).numpy(), want)
    np.testing.assert_array_equal(_node("ReduceSum", n_in=2, opset=13)(x, rt.tensor([0, 2])).numpy(), want)
    # ReduceMean keeps its attribute until 18
    got = _node("ReduceMean", opset=17, axes=[1], keepdims=0)(x)
    np.testing.assert_allclose(got.numpy(), torch.arange(24.0).reshape(2, 3, 4).mean(1).numpy())


def test_empty_axes_reduce_everything_or_nothing():
    x = rt.tensor([[1.0, -2.0], [3.0, 4.0]])
    assert _node("ReduceSum", n_in=2, opset=13, keepdims=0)(x, None).item() == 6.0
    same = _node("ReduceSum", n_in=2, opset=13, noop_with_empty_axes=1)(x, rt.tensor([], dtype=rt.int64))
    assert same.tolist() == x.tolist()
    # ONNX's reference still applies the element-wise part (|x| here)
    assert _node("ReduceL1", n_in=2, opset=18, noop_with_empty_axes=1)(x, None).tolist() == [[1, 2], [3, 4]]


def test_integer_reductions_keep_their_dtype():
    x = rt.tensor([[100, 100], [3, 4]], dtype=rt.int8)
    out = _node("ReduceSum", n_in=2, opset=13, keepdims=0)(x, rt.tensor([0]))
    assert out.dtype == rt.int8 and out.tolist() == [103, 104]
    out = _node("ReduceMax", n_in=2, opset=20, keepdims=0)(rt.tensor([[True, False], [False, False]]),
                                                          rt.tensor([1]))
    assert out.dtype == rt.bool and out.tolist() == [True, False]
    out = _node("ReduceMin", n_in=2, opset=18)(rt.zeros(2, 0, dtype=rt.int32), rt.tensor([1]))
    assert out.tolist() == [[2 ** 31 - 1], [2 ** 31 - 1]]


def test_bad_axes_are_clear_errors():
    x = rt.zeros(2, 3)
    with pytest.raises(IndexError, match="axis 2"):
        _node("ReduceSum", n_in=2, opset=13)(x, rt.tensor([2]))
    with pytest.raises(ValueError, match="repeated"):
        _node("ReduceMax", n_in=2, opset=18)(x, rt.tensor([1, -1]))
    with pytest.raises(TypeError, match="integer"):
        _node("ReduceMax", n_in=2, opset=18)(x, rt.tensor([1.0]))


@pytest.mark.parametrize("op_type,torch_fn", [
    ("ReduceSum", lambda x: x.sum((0, 2))),
    ("ReduceMean", lambda x: x.mean((0, 2))),
    ("ReduceProd", lambda x: x.prod(2).prod(0)),
    ("ReduceMax", lambda x: x.amax((0, 2))),
    ("ReduceL2", lambda x: x.square().sum((0, 2)).sqrt()),
    ("ReduceLogSumExp", lambda x: x.logsumexp((0, 2))),
    ("ReduceSumSquare", lambda x: x.square().sum((0, 2))),
])
def test_reduction_gradients_match_torch(op_type, torch_fn):
    g = torch.Generator().manual_seed(1)
    data = torch.randn(2, 3, 4, generator=g, dtype=torch.float64)
    xt = data.clone().requires_grad_(True)
    want = torch_fn(xt)
    (want * torch.arange(3.0, dtype=torch.float64)).sum().backward()
    x = rt.tensor(data.numpy(), requires_grad=True)
    got = _node(op_type, n_in=2, opset=18, keepdims=0)(x, rt.tensor([0, -1]))
    (got * rt.arange(3.0, dtype=rt.float64)).sum().backward()
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10)


def test_softmax_axis_semantics_changed_at_opset_13():
    data = torch.randn(2, 3, 4, generator=torch.Generator().manual_seed(2))
    x = rt.tensor(data.numpy())
    old = _node("Softmax", opset=11, axis=1)(x)                   # over the flattened [3*4]
    np.testing.assert_allclose(old.numpy(), data.reshape(2, 12).softmax(1).reshape(2, 3, 4).numpy(),
                               rtol=1e-6)
    new = _node("Softmax", opset=13, axis=1)(x)                   # over dim 1 only
    np.testing.assert_allclose(new.numpy(), data.softmax(1).numpy(), rtol=1e-6)
    logp = _node("LogSoftmax", opset=13)(x)
    np.testing.assert_allclose(logp.numpy(), data.log_softmax(-1).numpy(), rtol=1e-5, atol=1e-6)


def test_softmax_gradient_matches_torch():
    data = torch.randn(3, 5, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    xt = data.clone().requires_grad_(True)
    (torch.log_softmax(xt, 0) * torch.arange(5.0, dtype=torch.float64)).sum().backward()
    x = rt.tensor(data.numpy(), requires_grad=True)
    (_node("LogSoftmax", opset=13, axis=0)(x) * rt.arange(5.0, dtype=rt.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10)


def test_hardmax_picks_the_first_maximum():
    x = rt.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    assert _node("Hardmax", opset=13)(x).tolist() == [[0, 1, 0], [1, 0, 0]]


def test_topk_ties_keep_index_order_and_k_is_checked():
    x = rt.tensor([[3.0, 1.0, 3.0, 2.0, 1.0]])
    values, indices = _node("TopK", n_in=2, n_out=2, opset=11)(x, rt.tensor([3]))
    assert values.tolist() == [[3.0, 3.0, 2.0]] and indices.tolist() == [[0, 2, 3]]
    values, indices = _node("TopK", n_in=2, n_out=2, opset=11, largest=0)(x, rt.tensor([2]))
    assert values.tolist() == [[1.0, 1.0]] and indices.tolist() == [[1, 4]]
    values, indices = _node("TopK", n_out=2, opset=1, k=1)(x)
    assert indices.dtype == rt.int64 and indices.tolist() == [[0]]
    with pytest.raises(ValueError, match="k=6"):
        _node("TopK", n_in=2, n_out=2, opset=11)(x, rt.tensor([6]))


def test_argmax_select_last_index_and_dtype():
    x = rt.tensor([[1, 5, 5], [7, 7, 0]], dtype=rt.int32)
    out = _node("ArgMax", opset=12, axis=1, keepdims=0, select_last_index=1)(x)
    assert out.dtype == rt.int64 and out.tolist() == [2, 1]
    assert _node("ArgMin", opset=12, axis=0)(x).tolist() == [[0, 0, 1]]


def test_cumsum_variants_match_torch():
    data = torch.arange(1, 7, dtype=torch.int32).reshape(2, 3)
    x = rt.tensor(data.numpy())
    plain = _node("CumSum", n_in=2, opset=14)(x, rt.tensor(1))
    assert plain.dtype == rt.int32 and plain.tolist() == data.cumsum(1).tolist()
    excl_rev = _node("CumSum", n_in=2, opset=14, exclusive=1, reverse=1)(x, rt.tensor([-1]))
    want = data.flip(1).cumsum(1).flip(1) - data
    assert excl_rev.tolist() == want.tolist()
    prod = _node("CumProd", n_in=2, opset=26, exclusive=1)(x, rt.tensor(0))
    assert prod.tolist() == [[1, 1, 1], [1, 2, 3]]


def test_cumsum_gradient_matches_torch():
    data = torch.randn(4, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    xt = data.clone().requires_grad_(True)
    (xt.cumsum(0) * torch.arange(4.0, dtype=torch.float64)).sum().backward()
    x = rt.tensor(data.numpy(), requires_grad=True)
    (_node("CumSum", n_in=2, opset=14)(x, rt.tensor(0)) * rt.arange(4.0, dtype=rt.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


if __name__ == "__main__":
    _report(REDUCE_OPS, _ALLOWED, "reduce")
