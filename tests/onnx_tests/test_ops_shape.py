"""ONNX shape-family operators (rustorch/onnx/_ops/shape.py).

The oracle is ONNX's own backend node test cases: each case's model is run
node by node through the operator table (a tiny executor below, so these tests
do not depend on the runtime or the protobuf codec) and compared with the
expected outputs using the case's tolerances.  Only the case modules for these
operators are imported, which keeps collection fast.  Extra checks cover
autograd through the data paths, opset-versioned forms and the errors.
"""
import importlib
import math

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import rustorch as rt  # noqa: E402
from rustorch._errors import (IndexOutOfRange, InvalidArgument, RustorchError,  # noqa: E402
                              ShapeError, UnsupportedError)
from rustorch.onnx._ops import NodeContext, lookup  # noqa: E402


# ---------------------------------------------------------------- a tiny node-by-node executor

def np_to_rt(a):
    if a is None or isinstance(a, list):
        return None if a is None else [np_to_rt(v) for v in a]
    a = np.asarray(a)
    if a.dtype.name == "bfloat16":             # ml_dtypes' bfloat16: go through float32
        return rt.tensor(a.astype(np.float32)).to(rt.bfloat16)
    return rt.tensor(np.array(a, order="C", copy=True))   # (ascontiguousarray makes 0-d 1-d)


def rt_to_np(t):
    if t.dtype == rt.bfloat16:
        return t.float().numpy()
    return t.numpy()


def decode_attr(a):
    v = helper.get_attribute_value(a)
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, TensorProto):
        return np_to_rt(numpy_helper.to_array(v))
    if isinstance(v, list):
        return [decode_attr_item(x) for x in v]
    return v


def decode_attr_item(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, TensorProto):
        return np_to_rt(numpy_helper.to_array(v))
    return v


def run_model(model, inputs):
    """Execute ``model``'s graph on rustorch tensors ``inputs``, node by node."""
    opsets = {(o.domain or ""): o.version for o in model.opset_import}
    g = model.graph
    env = {t.name: np_to_rt(numpy_helper.to_array(t)) for t in g.initializer}
    real_inputs = [i.name for i in g.input if i.name not in env]
    env.update(zip(real_inputs, inputs))
    for node in g.node:
        dom = "" if node.domain in ("", "ai.onnx") else node.domain
        fn = lookup(node.op_type, opsets.get(dom, opsets.get("", 1)), dom)
        attrs = {a.name: decode_attr(a) for a in node.attribute}
        ctx = NodeContext(node, attrs, opsets.get(dom, 1), None, None)
        args = [env[n] if n else None for n in node.input]
        out = fn(ctx, *args)
        if not isinstance(out, tuple):
            out = (out,)
        for name, v in zip(node.output, out):
            if name:
                env[name] = v
    return [env[o.name] for o in g.output]


_cases_cache = {}


def cases_for(*modules):
    """ONNX node test cases defined by ``onnx.backend.test.case.node.<module>``."""
    from onnx.backend.test.case import node as node_cases
    for m in modules:
        importlib.import_module(f"onnx.backend.test.case.node.{m}")
    return list(node_cases._NodeTestCases)


def case_ops(case):
    return {n.op_type for n in case.model.graph.node}


def check_case(case):
    inputs, expected = case.data_sets[0]
    got = run_model(case.model, [np_to_rt(a) for a in inputs])
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        if isinstance(e, list):
            assert len(g) == len(e)
            pairs = list(zip(g, e))
        else:
            pairs = [(g, e)]
        for gt, et in pairs:
            et = np.asarray(et)
            gn = rt_to_np(gt)
            want = np.float32 if et.dtype.name == "bfloat16" else et.dtype
            assert gn.dtype == want, (case.name, gn.dtype, et.dtype)
            assert gn.shape == et.shape, (case.name, gn.shape, et.shape)
            np.testing.assert_allclose(gn, et.astype(want), rtol=case.rtol, atol=case.atol,
                                       err_msg=case.name)


# Cases that cannot pass for a documented reason (rustorch dtypes).
KNOWN_UNSUPPORTED = set()

SHAPE_MODULES = ["constant", "constantofshape", "shape", "size", "reshape", "flatten", "squeeze",
                 "unsqueeze", "transpose", "concat", "split", "slice", "gather",
                 "gatherelements", "gathernd", "scatter", "scatterelements", "scatternd",
                 "expand", "tile", "pad", "depthtospace", "spacetodepth", "rangeop", "eyelike",
                 "trilu", "onehot", "nonzero", "compress", "reversesequence", "unique",
                 "identity", "center_crop_pad", "col2im"]


def _shape_family_cases():
    from rustorch.onnx._ops import shape as shape_ops  # noqa: F401  (registers the ops)
    from rustorch.onnx._ops import _TABLE
    mine = {name for (dom, name), impls in _TABLE.items()
            if dom == "" and any(fn.__module__.endswith("_ops.shape") for _, fn in impls)}
    cases = [c for c in cases_for(*SHAPE_MODULES) if c.data_sets and case_ops(c) <= mine]
    return sorted(cases, key=lambda c: c.name)


SHAPE_CASES = _shape_family_cases()


def test_enough_cases_collected():
    # a guard against a silently empty parametrization
    assert len(SHAPE_CASES) > 150


@pytest.mark.parametrize("case", SHAPE_CASES, ids=[c.name for c in SHAPE_CASES])
def test_onnx_node_case(case):
    if case.name in KNOWN_UNSUPPORTED:
        with pytest.raises(UnsupportedError):
            check_case(case)
        return
    check_case(case)


# ---------------------------------------------------------------- direct checks

def run_node(op_type, inputs, outputs=1, opset=18, **attrs):
    """Run one node built with onnx.helper on rustorch tensors."""
    names = [f"i{k}" if v is not None else "" for k, v in enumerate(inputs)]
    onames = [f"o{k}" for k in range(outputs)]
    node = helper.make_node(op_type, names, onames, **attrs)
    fn = lookup(op_type, opset)
    ctx = NodeContext(node, {a.name: decode_attr(a) for a in node.attribute}, opset, None, None)
    return fn(ctx, *inputs)


def i64(v):
    return rt.tensor(v, dtype=rt.int64)


def _ort_session(op_type, types, out_type, opset, **attrs):
    ort = pytest.importorskip("onnxruntime")
    names = [f"i{k}" for k in range(len(types))]
    node = helper.make_node(op_type, names, ["o0"], **attrs)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info(n, t, None) for n, t in zip(names, types)],
        [helper.make_tensor_value_info("o0", out_type, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def test_slice_clamping_matches_onnxruntime():
    # numpy differs from ONNX for negative steps with starts < -n (ONNX clamps to 0),
    # so onnxruntime is the oracle here.
    x = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    sess = _ort_session("Slice", [TensorProto.FLOAT] + [TensorProto.INT64] * 4,
                        TensorProto.FLOAT, 13)
    xs = rt.tensor(x)
    rng = np.random.default_rng(0)
    for _ in range(200):
        s, e = (int(v) for v in rng.integers(-8, 8, size=2))
        st = int(rng.choice([-3, -2, -1, 1, 2, 3]))
        a = int(rng.integers(-3, 3))
        args = [np.array([v], dtype=np.int64) for v in (s, e, a, st)]
        got = run_node("Slice", [xs] + [rt.tensor(v) for v in args], opset=13)
        want = sess.run(None, dict(zip(["i0", "i1", "i2", "i3", "i4"], [x] + args)))[0]
        np.testing.assert_array_equal(got.numpy(), want, err_msg=f"{s}:{e}:{st} axis {a}")
    big = run_node("Slice", [xs, i64([2**62]), i64([-2**62]), i64([1]), i64([-1])], opset=13)
    np.testing.assert_array_equal(big.numpy(), x[:, ::-1])


def test_slice_opset1_attributes():
    x = rt.arange(24, dtype=rt.float32).reshape(4, 6)
    y = run_node("Slice", [x], opset=9, starts=[1, -3], ends=[3, 100], axes=[0, 1])
    np.testing.assert_array_equal(y.numpy(), x.numpy()[1:3, -3:])


def test_gradients_flow_through_data_paths():
    torch = pytest.importorskip("torch")
    xv = np.random.default_rng(1).standard_normal((2, 3, 4)).astype(np.float32)
    x = rt.tensor(xv, requires_grad=True)
    tx = torch.tensor(xv, requires_grad=True)
    y = run_node("Slice", [x, i64([3]), i64([0]), i64([2]), i64([-2])], opset=13)
    y = run_node("Pad", [y, i64([0, 1, 1, 0, 0, 1])], opset=13, mode="reflect")
    y = run_node("Gather", [y, i64([[0, 2], [1, 1]])], axis=1, opset=13)
    y = run_node("Transpose", [y], perm=[3, 0, 1, 2], opset=13)
    (y * rt.arange(y.numel(), dtype=rt.float32).reshape(y.shape)).sum().backward()
    ty = tx.flip(2)[:, :, 0:3:2]            # elements 3, 1 of the last axis
    ty = torch.nn.functional.pad(ty.unsqueeze(0), (1, 1, 1, 0), mode="reflect").squeeze(0)
    ty = ty[:, [[0, 2], [1, 1]]].permute(3, 0, 1, 2)
    (ty * torch.arange(ty.numel(), dtype=torch.float32).reshape(ty.shape)).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


def test_scatter_nd_and_gather_nd_gradients():
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)
    upd = np.random.default_rng(3).standard_normal((2, 4)).astype(np.float32)
    x, u = rt.tensor(data, requires_grad=True), rt.tensor(upd, requires_grad=True)
    y = run_node("ScatterND", [x, i64([[2], [0]]), u], opset=16, reduction="add")
    z = run_node("GatherND", [y, i64([[0, 1], [2, 3], [0, 1]])], opset=13)
    (z * rt.tensor([1.0, 2.0, 3.0])).sum().backward()
    tx, tu = torch.tensor(data, requires_grad=True), torch.tensor(upd, requires_grad=True)
    ty = tx.index_add(0, torch.tensor([2, 0]), tu)
    tz = ty[[0, 2, 0], [1, 3, 1]]
    (tz * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(z.detach().numpy(), tz.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(u.grad.numpy(), tu.grad.numpy())


def test_versioned_forms():
    x = rt.arange(6, dtype=rt.float32).reshape(1, 2, 3, 1)
    assert run_node("Squeeze", [x], opset=11, axes=[0, -1]).shape == (2, 3)
    assert run_node("Squeeze", [x, i64([0, 3])], opset=13).shape == (2, 3)
    assert run_node("Squeeze", [x], opset=13).shape == (2, 3)
    assert run_node("Unsqueeze", [x], opset=11, axes=[-1, 0]).shape == (1, 1, 2, 3, 1, 1)
    parts = run_node("Split", [rt.arange(6)], outputs=2, opset=11, split=[2, 4])
    assert [p.tolist() for p in parts] == [[0, 1], [2, 3, 4, 5]]
    parts = run_node("Split", [rt.arange(6), i64([1, 5])], outputs=2, opset=1)
    assert [p.tolist() for p in parts] == [[0], [1, 2, 3, 4, 5]]
    parts = run_node("Split", [rt.arange(7)], outputs=3, opset=18, num_outputs=3)
    assert [p.tolist() for p in parts] == [[0, 1, 2], [3, 4, 5], [6]]
    y = run_node("Pad", [rt.ones(2, 2)], opset=2, pads=[1, 0, 0, 1], value=5.0)
    assert y.tolist() == [[5, 5, 5], [1, 1, 5], [1, 1, 5]]
    y = run_node("Pad", [rt.ones(2, 2, dtype=rt.int32), i64([1, 1]), rt.tensor(7, dtype=rt.int32),
                         i64([-1])], opset=18)
    assert y.dtype == rt.int32 and y.tolist() == [[7, 1, 1, 7], [7, 1, 1, 7]]
    y = run_node("Reshape", [rt.zeros(2, 0, 3), i64([0, -1])], opset=14, allowzero=0)
    assert y.shape == (2, 0)
    y = run_node("Reshape", [rt.zeros(0, 3), i64([3, 0])], opset=14, allowzero=1)
    assert y.shape == (3, 0)
    assert run_node("Reshape", [rt.zeros(4, 6)], opset=4, shape=[0, 2, -1]).shape == (4, 2, 3)
    y = run_node("Tile", [rt.arange(3), i64(2), i64(0)], opset=1)
    assert y.tolist() == [0, 1, 2, 0, 1, 2]
    assert run_node("Concat", [rt.zeros(1, 2), rt.zeros(1, 3)], opset=1).shape == (1, 5)
    assert run_node("Shape", [rt.zeros(2, 3, 4)], start=-2, end=99, opset=15).tolist() == [3, 4]


def test_pad_modes_match_numpy():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    for mode, np_mode in (("reflect", "reflect"), ("edge", "edge"), ("wrap", "wrap"),
                          ("constant", "constant")):
        for pads in ([5, 1, 2, 9], [0, 3, 7, 0], [2, 2, 0, 0]):
            got = run_node("Pad", [rt.tensor(x), i64(pads)], opset=19, mode=mode)
            want = np.pad(x, [(pads[0], pads[2]), (pads[1], pads[3])], mode=np_mode)
            np.testing.assert_array_equal(got.numpy(), want, err_msg=f"{mode} {pads}")
    got = run_node("Pad", [rt.tensor(x), i64([-1, 1, 0, -2])], opset=19, mode="edge")
    np.testing.assert_array_equal(got.numpy(), np.pad(x[1:, :2], [(0, 0), (1, 0)], mode="edge"))


def test_scatter_elements_reductions_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    data = rng.standard_normal((4, 5)).astype(np.float32)
    idx = rng.integers(-4, 4, size=(6, 5))
    upd = rng.standard_normal((6, 5)).astype(np.float32)
    names = {"add": "sum", "mul": "prod", "max": "amax", "min": "amin"}
    for red, tname in names.items():
        got = run_node("ScatterElements", [rt.tensor(data), i64(idx.tolist()), rt.tensor(upd)],
                       opset=18, axis=0, reduction=red)
        want = torch.tensor(data).scatter_reduce(0, torch.tensor(idx % 4), torch.tensor(upd),
                                                 tname)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, err_msg=red)


def test_unique_matches_numpy_on_random_rows():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 3, size=(12, 3)).astype(np.int64)
    y, idx, inv, cnt = run_node("Unique", [rt.tensor(x)], outputs=4, opset=11, axis=0)
    wy, widx, winv, wcnt = np.unique(x, axis=0, return_index=True, return_inverse=True,
                                     return_counts=True)
    np.testing.assert_array_equal(y.numpy(), wy)
    np.testing.assert_array_equal(idx.numpy(), widx)
    np.testing.assert_array_equal(inv.numpy(), winv.reshape(-1))
    np.testing.assert_array_equal(cnt.numpy(), wcnt)


def test_col2im_matches_torch_fold():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3 * 2 * 3, 12)).astype(np.float32)
    got = run_node("Col2Im", [rt.tensor(x), i64([5, 7]), i64([2, 3])], opset=18,
                   dilations=[2, 1], pads=[1, 0, 1, 2], strides=[2, 2])
    # torch.fold pads symmetrically; pad asymmetric by folding into the padded image and cropping
    full = torch.nn.functional.fold(torch.tensor(x), (7, 9), (2, 3), dilation=(2, 1),
                                    stride=(2, 2))
    np.testing.assert_allclose(got.numpy(), full[:, :, 1:6, 0:7].numpy(), rtol=1e-5, atol=1e-6)


def test_gather_on_python_device():
    x = rt.arange(12, dtype=rt.float32, device="python").reshape(3, 4)
    y = run_node("Gather", [x, rt.tensor([-1, 0], device="python")], axis=0, opset=13)
    assert y.device.type == "python" and y.tolist() == [[8, 9, 10, 11], [0, 1, 2, 3]]


@pytest.mark.parametrize("op_type,inputs,attrs,err", [
    ("Reshape", lambda: [rt.zeros(2, 3), i64([4, -1])], {}, ShapeError),
    ("Reshape", lambda: [rt.zeros(2, 3), i64([-1, -1])], {}, InvalidArgument),
    ("Squeeze", lambda: [rt.zeros(2, 3), i64([0])], {}, ShapeError),
    ("Unsqueeze", lambda: [rt.zeros(2), i64([0, 0])], {}, InvalidArgument),
    ("Gather", lambda: [rt.zeros(3), i64([3])], {}, IndexOutOfRange),
    ("GatherND", lambda: [rt.zeros(3, 4), i64([[0, 4]])], {}, IndexOutOfRange),
    ("ScatterND", lambda: [rt.zeros(3, 4), i64([[5]]), rt.zeros(1, 4)], {}, IndexOutOfRange),
    ("Slice", lambda: [rt.zeros(3), i64([0]), i64([3]), i64([0]), i64([0])], {}, InvalidArgument),
    ("Slice", lambda: [rt.zeros(3), i64([0]), i64([3]), i64([1])], {}, IndexOutOfRange),
    ("ConstantOfShape", lambda: [i64([1 << 20, 1 << 20])], {}, InvalidArgument),
    ("Expand", lambda: [rt.zeros(2), i64([1 << 40, 1])], {}, InvalidArgument),
    ("Expand", lambda: [rt.zeros(3), i64([2])], {}, ShapeError),
    ("Range", lambda: [rt.tensor(0.0), rt.tensor(1.0), rt.tensor(0.0)], {}, InvalidArgument),
    ("Range", lambda: [i64(0), i64(1 << 40), i64(1)], {}, InvalidArgument),
    ("Pad", lambda: [rt.zeros(2), i64([1])], {}, InvalidArgument),
    ("Pad", lambda: [rt.zeros(0), i64([1, 1])], {"mode": "edge"}, ShapeError),
    ("Pad", lambda: [rt.zeros(2), i64([1, 1])], {"mode": "mirror"}, InvalidArgument),
    ("Split", lambda: [rt.zeros(5)], {}, ShapeError),
    ("Transpose", lambda: [rt.zeros(2, 3)], {"perm": [0, 0]}, InvalidArgument),
    ("Concat", lambda: [rt.zeros(2, 3), rt.zeros(3, 3)], {"axis": 1}, ShapeError),
    ("EyeLike", lambda: [rt.zeros(2, 2)], {"dtype": TensorProto.INT4}, UnsupportedError),
    ("DepthToSpace", lambda: [rt.zeros(1, 3, 2, 2)], {"blocksize": 2}, ShapeError),
    ("ReverseSequence", lambda: [rt.zeros(3, 2), i64([4, 1])], {}, InvalidArgument),
    ("Compress", lambda: [rt.zeros(2), rt.tensor([False, False, True])], {"axis": 0},
     IndexOutOfRange),
    ("Col2Im", lambda: [rt.zeros(1, 4, 5), i64([3, 3]), i64([2, 2])], {}, ShapeError),
])
def test_errors_are_clear(op_type, inputs, attrs, err):
    outputs = 2 if op_type == "Split" else 1
    with pytest.raises(err) as info:
        run_node(op_type, inputs(), outputs=outputs, opset=18, **attrs)
    assert isinstance(info.value, RustorchError)
    assert str(info.value)


def test_constant_attribute_forms():
    assert run_node("Constant", [], value_float=1.5).dtype == rt.float32
    assert run_node("Constant", [], value_ints=[1, 2]).tolist() == [1, 2]
    assert run_node("Constant", [], value_int=3).dtype == rt.int64
    with pytest.raises(UnsupportedError):
        run_node("Constant", [], value_string="a")
    assert math.isclose(run_node("Constant", [], value_floats=[0.25, 2]).tolist()[0], 0.25)
