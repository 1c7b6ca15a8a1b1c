"""ONNX losses (rustorch/onnx/_ops/loss.py): NegativeLogLikelihoodLoss and
SoftmaxCrossEntropyLoss.  Oracles: ONNX's own node cases (through the full
loader, via node_harness) and torch's F.nll_loss / F.cross_entropy /
F.log_softmax for values and gradients."""
import types

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import rustorch as rt
from rustorch._errors import IndexOutOfRange, InvalidArgument, InvalidType, ShapeError
from rustorch.onnx._ops import NodeContext, lookup

from . import node_harness as nh

LOSS_OPS = ("NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss")


def test_onnx_node_cases_of_the_losses_pass():
    # the *_expanded variants run each op's function body, the others the op itself
    selected = [c for c in nh.cases() if nh.case_op(c) in LOSS_OPS]
    results = nh.run_cases(selected)
    failed = {r.name: f"{r.kind}: {r.detail}" for r in results if not r.passed}
    assert not failed, failed
    assert len(results) >= 100
    direct = [c for c in selected if "_expanded" not in c.name]
    assert {c.model.graph.node[0].op_type for c in direct} == set(LOSS_OPS)


# ---------------------------------------------------------------- direct op calls

def call(op_type, *inputs, opset=13, outputs=1, **attrs):
    node = types.SimpleNamespace(op_type=op_type, name="n", domain="",
                                 input=[f"i{k}" for k in range(len(inputs))],
                                 output=[f"o{k}" for k in range(outputs)])
    return lookup(op_type, opset)(NodeContext(node, attrs, opset, None, None), *inputs)


def nll(*inputs, **kw):
    return call("NegativeLogLikelihoodLoss", *inputs, **kw)


def sce(*inputs, **kw):
    loss, log_prob = call("SoftmaxCrossEntropyLoss", *inputs, outputs=2, **kw)
    return loss, log_prob


rng = np.random.default_rng(7)


def R(a):
    return rt.from_numpy(np.ascontiguousarray(a))


def T(a):
    return torch.from_numpy(np.ascontiguousarray(a))


def close(got, want, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(got.detach().float().numpy(), want.detach().float().numpy(),
                               rtol=rtol, atol=atol)


def targets(shape, c, ignore=None, p_ignore=0.3):
    t = rng.integers(0, c, size=shape)
    if ignore is not None:
        t = np.where(rng.random(shape) < p_ignore, ignore, t)
    return t.astype(np.int64)


SHAPES = [(4, 5), (3, 4, 6), (2, 3, 2, 4, 2)]      # (N, C), (N, C, d1), (N, C, d1, d2, d3)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [None, 1, -5])
def test_nll_and_sce_values_and_gradients_match_torch(shape, reduction, weighted, ignore):
    x = rng.standard_normal(shape).astype(np.float32)
    c = shape[1]
    t = targets((shape[0],) + shape[2:], c, ignore)
    w = rng.random(c).astype(np.float32) + 0.1 if weighted else None
    attrs = {"reduction": reduction}
    if ignore is not None:
        attrs["ignore_index"] = ignore
    torch_kw = dict(weight=None if w is None else T(w), reduction=reduction,
                    ignore_index=-100 if ignore is None else ignore)
    extra = [] if w is None else [R(w)]

    xr = R(x).requires_grad_()
    got = nll(xr, R(t), *extra, **attrs)
    xt = T(x).requires_grad_()
    want = TF.nll_loss(xt, T(t), **torch_kw)
    close(got, want)
    (got * got).sum().backward()
    (want * want).sum().backward()
    close(xr.grad, xt.grad)

    xr = R(x).requires_grad_()
    loss, log_prob = sce(xr, R(t), *extra, **attrs)
    xt = T(x).requires_grad_()
    want = TF.cross_entropy(xt, T(t), **torch_kw)
    close(loss, want)
    close(log_prob, TF.log_softmax(xt, dim=1))
    assert loss.dtype == rt.float32 and list(loss.shape) == list(want.shape)
    (loss * loss).sum().backward()
    (want * want).sum().backward()
    close(xr.grad, xt.grad, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_losses_keep_the_input_dtype(dtype):
    x = rng.standard_normal((3, 4, 5)).astype(dtype)
    t = targets((3, 5), 4)
    w = (rng.random(4) + 0.5).astype(dtype)
    got = nll(R(x), R(t), R(w))
    loss, log_prob = sce(R(x), R(t), R(w), reduction="sum")
    assert got.dtype == loss.dtype == log_prob.dtype == rt.from_numpy(x).dtype
    tol = dict(rtol=1e-2, atol=1e-2) if dtype == np.float16 else {}
    close(got, TF.nll_loss(T(x).double(), T(t), weight=T(w).double()), **tol)
    close(loss, TF.cross_entropy(T(x).double(), T(t), weight=T(w).double(), reduction="sum"), **tol)


def test_int32_targets_and_opset_12_work():
    x = rng.standard_normal((5, 3)).astype(np.float32)
    t = targets((5,), 3)
    got = nll(R(x), R(t.astype(np.int32)), opset=12, reduction="sum")
    close(got, TF.nll_loss(T(x), T(t), reduction="sum"))


def test_mean_over_only_ignored_targets_is_nan_like_torch():
    x = rng.standard_normal((2, 3)).astype(np.float32)
    t = np.array([2, 2], dtype=np.int64)
    got = nll(R(x), R(t), ignore_index=2)
    assert np.isnan(got.item())
    assert np.isnan(TF.nll_loss(T(x), T(t), ignore_index=2).item())


def test_default_reduction_is_mean_and_log_prob_is_optional():
    x = rng.standard_normal((4, 3)).astype(np.float32)
    t = targets((4,), 3)
    loss, _ = call("SoftmaxCrossEntropyLoss", R(x), R(t), outputs=1)
    close(loss, TF.cross_entropy(T(x), T(t)))


def test_out_of_range_targets_raise_with_the_values():
    x = R(rng.standard_normal((3, 4)).astype(np.float32))
    bad = R(np.array([0, 4, 1]))
    with pytest.raises(IndexOutOfRange, match="4"):
        nll(x, bad)
    with pytest.raises(IndexOutOfRange, match="-100"):      # no ignore_index: -100 is no class
        nll(x, R(np.array([0, -100, 1])))
    with pytest.raises(IndexOutOfRange, match="4"):
        sce(x, bad, ignore_index=-1)


def test_bad_inputs_raise_clear_errors():
    x = R(rng.standard_normal((3, 4)).astype(np.float32))
    t = R(np.array([0, 1, 2]))
    with pytest.raises(InvalidArgument, match="reduction"):
        nll(x, t, reduction="max")
    with pytest.raises(ShapeError, match=r"\[3, 4\]"):
        nll(x, R(np.array([0, 1])))
    with pytest.raises(ShapeError, match=r"\[4\]"):
        sce(x, t, R(np.ones(3, dtype=np.float32)))
    with pytest.raises(ShapeError, match="N, C"):
        nll(R(np.zeros(4, dtype=np.float32)), R(np.array(1)))
    with pytest.raises(InvalidType, match="int32 or int64"):
        nll(x, t.float())
    with pytest.raises(InvalidType, match="floating"):
        sce(R(np.zeros((3, 4), dtype=np.int64)), t)
    with pytest.raises(InvalidType, match="weight dtype"):
        nll(x, t, R(np.ones(4)))
