"""rustorch.onnx.load / OnnxModule: sources, parameters, checks, execution, control flow,
devices and training.  Oracles: torch, onnx's ReferenceEvaluator and onnxruntime."""
import gc
import io
import weakref

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import rustorch as rt  # noqa: E402
from rustorch._errors import (DataNotFoundError, DTypeError, FormatError, InvalidArgument,  # noqa: E402
                              InvalidType, ShapeError, UnsupportedError)
from rustorch.onnx import _ops, _proto  # noqa: E402
from rustorch.onnx._ops import control  # noqa: E402

F32, I64, BOOL = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL


def vi(name, elem=F32, shape=None):
    return helper.make_tensor_value_info(name, elem, shape)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def model(nodes, inputs, outputs, inits=(), opset=17, ir=8, functions=(), extra_opsets=()):
    g = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    ops = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in extra_opsets]
    return helper.make_model(g, opset_imports=ops, ir_version=ir, functions=list(functions))


def reference(m, feeds):
    from onnx.reference import ReferenceEvaluator
    return ReferenceEvaluator(m).run(None, feeds)


def affine():
    """y = x @ W + b, with a float initializer named like a torch state_dict key."""
    w = np.arange(6, dtype=np.float32).reshape(3, 2) / 10
    b = np.array([0.5, -1.0], dtype=np.float32)
    return model([helper.make_node("MatMul", ["x", "fc.weight"], ["h"]),
                  helper.make_node("Add", ["h", "0bias"], ["y"])],
                 [vi("x", F32, ["N", 3])], [vi("y", F32, ["N", 2])],
                 [init("fc.weight", w), init("0bias", b)])


X = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], dtype=np.float32)


# ---------------------------------------------------------------- sources

def test_load_from_every_source_gives_same_result(tmp_path):
    m = affine()
    want = reference(m, {"x": X})[0]
    data = m.SerializeToString()
    path = tmp_path / "affine.onnx"
    path.write_bytes(data)
    sources = [str(path), path, data, bytearray(data), io.BytesIO(data), m, _proto.decode_model(data)]
    for src in sources:
        out = rt.onnx.load(src)(rt.tensor(X))
        np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-6)


def test_load_rejects_bad_sources(tmp_path):
    with pytest.raises(DataNotFoundError, match="nope.onnx"):
        rt.onnx.load(str(tmp_path / "nope.onnx"))
    with pytest.raises(FormatError):
        rt.onnx.load(b"")
    with pytest.raises(FormatError):
        rt.onnx.load(b"\xff\xff\xff\xff garbage")
    with pytest.raises(InvalidType):
        rt.onnx.load(12)
    with pytest.raises(InvalidType, match="binary"):
        rt.onnx.load(io.StringIO("text"))


def test_ir_version_and_opset_checks():
    m = affine()
    m.ir_version = 0
    with pytest.raises(FormatError, match="ir_version"):
        rt.onnx.load(m)
    m.ir_version = 99
    with pytest.raises(UnsupportedError, match="IR version 99"):
        rt.onnx.load(m)
    m = model([helper.make_node("Relu", ["x"], ["y"], domain="my.domain")], [vi("x")], [vi("y")])
    with pytest.raises(FormatError, match="my.domain"):
        rt.onnx.load(m)
    no_graph = onnx.ModelProto(ir_version=8)
    with pytest.raises(FormatError, match="no graph"):
        rt.onnx.load(no_graph.SerializeToString())


def test_opset_picks_the_version_semantics():
    # Squeeze: axes attribute before opset 13, an input from 13 on.
    x = np.zeros((1, 3, 1), np.float32)
    old = model([helper.make_node("Squeeze", ["x"], ["y"], axes=[0])], [vi("x")], [vi("y")], opset=11)
    new = model([helper.make_node("Squeeze", ["x", "axes"], ["y"])], [vi("x")], [vi("y")],
                [init("axes", np.array([0], np.int64))], opset=13)
    assert list(rt.onnx.load(old)(rt.tensor(x)).shape) == [3, 1]
    assert list(rt.onnx.load(new)(rt.tensor(x)).shape) == [3, 1]


# ---------------------------------------------------------------- parameters

def test_float_initializers_are_named_parameters_others_buffers():
    m = affine()
    m.graph.initializer.append(init("shape", np.array([2, 2], np.int64)))
    mod = rt.onnx.load(m)
    names = dict(mod.named_parameters())
    assert set(names) == {"fc_weight", "p_0bias"}
    assert all(p.requires_grad for p in names.values())
    assert [k for k, _ in mod.named_buffers()] == ["shape"]
    sd = mod.state_dict()
    assert set(sd) == {"fc_weight", "p_0bias", "shape"}
    np.testing.assert_allclose(sd["fc_weight"].numpy(), numpy_helper.to_array(m.graph.initializer[0]))
    # state_dict round trip changes what forward computes
    sd["p_0bias"] = rt.tensor([10.0, 20.0])
    mod.load_state_dict(sd)
    want = X @ numpy_helper.to_array(m.graph.initializer[0]) + np.array([10.0, 20.0], np.float32)
    np.testing.assert_allclose(mod(rt.tensor(X)).detach().numpy(), want, rtol=1e-6)
    assert mod.input_names == ["x"] and mod.output_names == ["y"]


def test_trainable_false_freezes_parameters():
    mod = rt.onnx.load(affine(), trainable=False)
    assert not any(p.requires_grad for p in mod.parameters())
    assert not mod(rt.tensor(X)).requires_grad


def test_sanitized_names_do_not_collide_with_module_attributes():
    m = model([helper.make_node("Add", ["a.b", "a_b"], ["s"]), helper.make_node("Add", ["s", "forward"], ["y"])],
              [], [vi("y", F32, [1])],
              [init("a.b", np.ones(1, np.float32)), init("a_b", np.ones(1, np.float32)),
               init("forward", np.ones(1, np.float32))])
    mod = rt.onnx.load(m)
    keys = [k for k, _ in mod.named_parameters()]
    assert len(set(keys)) == 3 and "forward" not in keys
    assert mod().tolist() == [3.0]


def test_initializer_listed_as_input_can_be_overridden_by_name():
    m = affine()
    m.graph.input.append(vi("0bias", F32, [2]))      # IR<4 style: initializers are inputs too
    mod = rt.onnx.load(m)
    assert mod.input_names == ["x"]
    base = mod(rt.tensor(X)).detach().numpy()
    out = mod(rt.tensor(X), **{"0bias": rt.zeros(2)}).detach().numpy()
    np.testing.assert_allclose(base - out, np.broadcast_to([0.5, -1.0], base.shape), rtol=1e-6)


# ---------------------------------------------------------------- input checks

def test_inputs_are_checked_against_declared_types():
    mod = rt.onnx.load(model([helper.make_node("Add", ["a", "b"], ["y"])],
                             [vi("a", F32, ["N", 3]), vi("b", F32, [1, 3])], [vi("y")]))
    ok = mod(rt.zeros(5, 3), b=rt.ones(1, 3))                # N is free
    assert list(ok.shape) == [5, 3]
    with pytest.raises(DTypeError, match="'a'.*float32.*int64"):
        mod(rt.zeros(5, 3, dtype=rt.int64), rt.ones(1, 3))
    with pytest.raises(ShapeError, match="'a' must have rank 2"):
        mod(rt.zeros(3), rt.ones(1, 3))
    with pytest.raises(ShapeError, match=r"'b' must have shape \[1, 3\]"):
        mod(rt.zeros(5, 3), rt.ones(2, 3))
    with pytest.raises(InvalidArgument, match=r"missing model inputs \['b'\]"):
        mod(rt.zeros(5, 3))
    with pytest.raises(InvalidArgument, match="takes 2 inputs"):
        mod(rt.zeros(5, 3), rt.ones(1, 3), rt.ones(1))
    with pytest.raises(InvalidArgument, match="no input named 'c'"):
        mod(rt.zeros(5, 3), c=rt.ones(1, 3))
    with pytest.raises(InvalidArgument, match="both by position and by name"):
        mod(rt.zeros(5, 3), rt.ones(1, 3), a=rt.ones(1, 3))
    with pytest.raises(InvalidType, match="'a' must be a rustorch Tensor"):
        mod(np.zeros((5, 3), np.float32), rt.ones(1, 3))


def test_input_of_a_type_rustorch_lacks_is_a_clear_error():
    mod = rt.onnx.load(model([helper.make_node("Identity", ["a"], ["y"])],
                             [vi("a", TensorProto.INT4, [2])], [vi("y", TensorProto.INT4, [2])]))
    with pytest.raises(UnsupportedError, match="INT4"):
        mod(rt.zeros(2, dtype=rt.int8))


def test_input_of_the_wrong_unsigned_type_is_a_dtype_error():
    mod = rt.onnx.load(model([helper.make_node("Identity", ["a"], ["y"])],
                             [vi("a", TensorProto.UINT16, [2])], [vi("y", TensorProto.UINT16, [2])]))
    assert mod(rt.tensor([1, 65535], dtype=rt.uint16)).tolist() == [1, 65535]
    with pytest.raises(rt.DTypeError):
        mod(rt.zeros(2, dtype=rt.int16))


# ---------------------------------------------------------------- graph checks

def test_all_unsupported_ops_are_listed_at_load_time():
    m = model([helper.make_node("FancyOp", ["x"], ["a"]),
               helper.make_node("Relu", ["a"], ["b"]),
               helper.make_node("Weird", ["b"], ["c"], domain="com.example"),
               helper.make_node("If", ["c"], ["y"],
                                then_branch=helper.make_graph([helper.make_node("Inner", [], ["t"])],
                                                              "then", [], [vi("t")]),
                                else_branch=helper.make_graph([helper.make_node("Constant", [], ["e"],
                                                                                value_float=1.0)],
                                                              "else", [], [vi("e")]))],
              [vi("x")], [vi("y")], extra_opsets=[("com.example", 1)])
    with pytest.raises(UnsupportedError) as info:
        rt.onnx.load(m)
    msg = str(info.value)
    for name in ("FancyOp", "com.example::Weird", "Inner"):
        assert name in msg
    assert "Relu" not in msg.split("(")[0]


def test_op_too_new_for_the_models_opset_is_reported():
    # Gelu exists from opset 20 on; an opset-17 model cannot use it.
    m = model([helper.make_node("Gelu", ["x"], ["y"])], [vi("x")], [vi("y")], opset=17)
    with pytest.raises(UnsupportedError, match="Gelu.*opset 20"):
        rt.onnx.load(m)


def test_reading_an_undefined_value_is_reported_at_load():
    m = model([helper.make_node("Relu", ["b"], ["y"]), helper.make_node("Relu", ["x"], ["b"])],
              [vi("x")], [vi("y")])
    with pytest.raises(FormatError, match="reads 'b'.*topological"):
        rt.onnx.load(m)
    m = model([helper.make_node("Relu", ["x"], ["y"]), helper.make_node("Relu", ["x"], ["y"])],
              [vi("x")], [vi("y")])
    with pytest.raises(FormatError, match="already defined"):
        rt.onnx.load(m)
    m = model([helper.make_node("Relu", ["x"], ["y"])], [vi("x")], [vi("zz")])
    with pytest.raises(FormatError, match="'zz'"):
        rt.onnx.load(m)


# ---------------------------------------------------------------- execution

_seen = {}


@_ops.op("Record", domain="test.rustorch")
def _record(ctx, x):
    _seen["a"] = weakref.ref(x)
    return x + 1


@_ops.op("Check", domain="test.rustorch")
def _check(ctx, x):
    gc.collect()
    _seen["alive_at_check"] = _seen["a"]() is not None
    return x * 2


def test_intermediate_values_are_freed_after_their_last_use():
    m = model([helper.make_node("Mul", ["x", "x"], ["a"]),
               helper.make_node("Record", ["a"], ["b"], domain="test.rustorch"),
               helper.make_node("Check", ["b"], ["y"], domain="test.rustorch")],
              [vi("x")], [vi("y")], extra_opsets=[("test.rustorch", 1)])
    out = rt.onnx.load(m)(rt.tensor([3.0]))
    assert out.tolist() == [20.0]
    assert _seen["alive_at_check"] is False


def test_graph_output_that_is_an_input_or_initializer():
    m = model([], [vi("x")], [vi("x"), vi("w")], [init("w", np.ones(2, np.float32))])
    x = rt.tensor([1.0, 2.0])
    a, w = rt.onnx.load(m)(x)
    assert a.tolist() == [1.0, 2.0] and w.tolist() == [1.0, 1.0]


def _const_from_attr(out, ref):
    node = helper.make_node("Constant", [], [out])
    node.attribute.append(helper.make_attribute_ref("value_float", onnx.AttributeProto.FLOAT,
                                                    ref_attr_name=ref))
    return node


def test_model_local_function_with_attribute_reference():
    fn = helper.make_function(
        "custom", "ScaledAdd", ["a", "b"], ["c"],
        [_const_from_attr("s", "alpha"),
         helper.make_node("Mul", ["a", "s"], ["as"]),
         helper.make_node("Add", ["as", "b"], ["c"])],
        [helper.make_opsetid("", 17)], attributes=["alpha"])
    m = model([helper.make_node("ScaledAdd", ["x", "y"], ["z"], domain="custom", alpha=3.0),
               helper.make_node("ScaledAdd", ["z", "y"], ["w"], domain="custom", alpha=-0.5)],
              [vi("x"), vi("y")], [vi("w")], functions=[fn], extra_opsets=[("custom", 1)])
    xs = {"x": np.array([1.0, 2.0], np.float32), "y": np.array([0.5, -1.0], np.float32)}
    want = reference(m, xs)[0]
    got = rt.onnx.load(m)(rt.tensor(xs["x"]), rt.tensor(xs["y"]))
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)


def test_recursive_function_is_a_format_error():
    fn = helper.make_function("custom", "Self", ["a"], ["b"],
                              [helper.make_node("Self", ["a"], ["b"], domain="custom")],
                              [helper.make_opsetid("", 17), helper.make_opsetid("custom", 1)])
    m = model([helper.make_node("Self", ["x"], ["y"], domain="custom")], [vi("x")], [vi("y")],
              functions=[fn], extra_opsets=[("custom", 1)])
    with pytest.raises(FormatError, match="nest deeper"):
        rt.onnx.load(m)


def test_function_expansion_is_bounded(monkeypatch):
    from rustorch.onnx import runtime
    fn = helper.make_function("custom", "Twice", ["a"], ["b"],
                              [helper.make_node("Add", ["a", "a"], ["b"])], [helper.make_opsetid("", 17)],
                              attributes=["unused"])
    calls = [helper.make_node("Twice", [f"v{i}"], [f"v{i + 1}"], domain="custom", unused=i) for i in range(4)]
    m = model(calls, [vi("v0")], [vi("v4")], functions=[fn], extra_opsets=[("custom", 1)])
    assert rt.onnx.load(m)(rt.tensor([1.0])).tolist() == [16.0]
    monkeypatch.setattr(runtime, "MAX_COMPILED_NODES", 6)
    with pytest.raises(FormatError, match="more than 6 nodes"):
        rt.onnx.load(m)


def test_op_errors_name_the_node():
    m = model([helper.make_node("Add", ["a", "b"], ["y"], name="the_add")], [vi("a"), vi("b")], [vi("y")])
    with pytest.raises(ShapeError, match="node the_add \\(Add\\)"):
        rt.onnx.load(m)(rt.zeros(2), rt.zeros(3))


def test_external_data_is_read_from_inside_the_model_directory(tmp_path):
    m = affine()
    onnx.save_model(m, str(tmp_path / "m.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)
    want = reference(affine(), {"x": X})[0]
    np.testing.assert_allclose(rt.onnx.load(str(tmp_path / "m.onnx"))(rt.tensor(X)).detach().numpy(),
                               want, rtol=1e-6)
    data = (tmp_path / "m.onnx").read_bytes()
    with pytest.raises(InvalidArgument, match="base_dir"):
        rt.onnx.load(data)
    out = rt.onnx.load(data, base_dir=str(tmp_path))(rt.tensor(X))
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-6)
    evil = onnx.load(str(tmp_path / "m.onnx"), load_external_data=False)
    for t in evil.graph.initializer:
        for e in t.external_data:
            if e.key == "location":
                e.value = "../../etc/passwd"
    with pytest.raises(FormatError, match="relative"):
        rt.onnx.load(evil.SerializeToString(), base_dir=str(tmp_path))


# ---------------------------------------------------------------- control flow

def _if_model():
    then = helper.make_graph([helper.make_node("Add", ["x", "w"], ["t"])], "then", [], [vi("t")])
    other = helper.make_graph([helper.make_node("Sub", ["x", "w"], ["e"])], "else", [], [vi("e")])
    return model([helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0),
                  helper.make_node("Greater", ["s", "zero"], ["c"]),
                  helper.make_node("If", ["c"], ["y"], then_branch=then, else_branch=other)],
                 [vi("x", F32, [3])], [vi("y")],
                 [init("w", np.array([1.0, 2.0, 3.0], np.float32)), init("zero", np.float32(0))])


def test_if_branches_read_outer_scope_values():
    m = _if_model()
    mod = rt.onnx.load(m)
    for x in ([1.0, 2.0, 3.0], [-1.0, -2.0, 0.5]):
        x = np.array(x, np.float32)
        np.testing.assert_allclose(mod(rt.tensor(x)).detach().numpy(), reference(m, {"x": x})[0])


def test_deepcopy_keeps_subgraphs_runnable_and_parameters_separate():
    import copy
    mod = rt.onnx.load(_if_model())
    twin = copy.deepcopy(mod)
    x = rt.tensor([1.0, 2.0, 3.0])
    assert twin(x).tolist() == mod(x).tolist() == [2.0, 4.0, 6.0]
    with rt.no_grad():
        twin.w.mul_(0)
    assert twin(x).tolist() == [1.0, 2.0, 3.0] and mod(x).tolist() == [2.0, 4.0, 6.0]


def test_loop_with_carried_values_and_scan_outputs_matches_onnxruntime():
    body = helper.make_graph(
        [helper.make_node("Add", ["acc_in", "step"], ["acc_out"]),      # 'step' is outer scope
         helper.make_node("Cast", ["i"], ["fi"], to=F32),
         helper.make_node("Mul", ["acc_out", "fi"], ["scan"]),
         helper.make_node("Less", ["fi", "limit"], ["cond_out"])],     # stops early via cond
        "body", [vi("i", I64, []), vi("cond_in", BOOL, []), vi("acc_in", F32, [2])],
        [vi("cond_out", BOOL, []), vi("acc_out", F32, [2]), vi("scan", F32, [2])])
    m = model([helper.make_node("Loop", ["M", "cond", "acc0"], ["acc", "scans"], body=body)],
              [vi("M", I64, []), vi("cond", BOOL, []), vi("acc0", F32, [2])],
              [vi("acc", F32, [2]), vi("scans", F32, ["T", 2])],
              [init("step", np.array([1.0, -1.0], np.float32)), init("limit", np.float32(3.0))], ir=8)
    mod = rt.onnx.load(m)
    for trips in (0, 2, 10):
        feeds = {"M": np.array(trips, np.int64), "cond": np.array(True), "acc0": np.array([0.5, 0.5], np.float32)}
        want = ort_run(m, feeds)
        got = mod(*(rt.from_numpy(feeds[k]) for k in ("M", "cond", "acc0")))
        for g, w in zip(got, want):
            assert list(g.shape) == list(w.shape)
            np.testing.assert_allclose(g.detach().numpy(), w, rtol=1e-6)


def test_loop_that_never_stops_is_cut_off(monkeypatch):
    body = helper.make_graph([helper.make_node("Identity", ["c"], ["c_out"])], "body",
                             [vi("i", I64, []), vi("c", BOOL, [])], [vi("c_out", BOOL, [])])
    m = model([helper.make_node("Loop", ["", "cond"], [], body=body)], [vi("cond", BOOL, [])], [])
    m.graph.node[0].output[:] = []
    monkeypatch.setattr(control, "MAX_LOOP_ITERATIONS", 50)
    mod = rt.onnx.load(m)
    with pytest.raises(InvalidArgument, match="50 iterations"):
        mod(rt.tensor(True))


def ort_run(m, feeds):
    ort = pytest.importorskip("onnxruntime")
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def test_scan_reverse_directions_and_axes_match_onnxruntime():
    body = helper.make_graph([helper.make_node("Add", ["s_in", "x"], ["s_out"]),
                              helper.make_node("Identity", ["s_out"], ["y"])],
                             "body", [vi("s_in", F32, [2]), vi("x", F32, [2])],
                             [vi("s_out", F32, [2]), vi("y", F32, [2])])
    m = model([helper.make_node("Scan", ["s0", "xs"], ["s", "ys"], body=body, num_scan_inputs=1,
                                scan_input_axes=[1], scan_input_directions=[1],
                                scan_output_axes=[-1], scan_output_directions=[1])],
              [vi("s0", F32, [2]), vi("xs", F32, [2, 4])], [vi("s"), vi("ys")])
    xs = np.arange(8, dtype=np.float32).reshape(2, 4)
    s0 = np.array([1.0, -1.0], np.float32)
    want = ort_run(m, {"s0": s0, "xs": xs})
    got = rt.onnx.load(m)(rt.tensor(s0), rt.tensor(xs))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w)


def test_sequences_in_and_out_as_python_lists():
    seq_t = helper.make_tensor_sequence_value_info("seq", F32, None)
    m = model([helper.make_node("SequenceInsert", ["seq", "x"], ["s2"]),
               helper.make_node("SequenceLength", ["s2"], ["n"]),
               helper.make_node("ConcatFromSequence", ["s2"], ["cat"], axis=0)],
              [seq_t, vi("x", F32, [2])],
              [helper.make_tensor_sequence_value_info("s2", F32, None), vi("n", I64, []), vi("cat")])
    mod = rt.onnx.load(m)
    seq = [rt.tensor([1.0, 2.0]), rt.tensor([3.0])]
    s2, n, cat = mod(seq, rt.tensor([4.0, 5.0]))
    assert isinstance(s2, list) and len(s2) == 3 and len(seq) == 2      # input not mutated
    assert n.item() == 3 and n.dtype == rt.int64
    assert cat.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    with pytest.raises(InvalidType, match="sequence"):
        mod(rt.tensor([1.0]), rt.tensor([4.0, 5.0]))
    with pytest.raises(DTypeError, match=r"seq\[1\]"):
        mod([rt.tensor([1.0]), rt.tensor([1], dtype=rt.int64)], rt.tensor([4.0, 5.0]))


def test_sequence_errors_are_clear():
    m = model([helper.make_node("SequenceAt", ["seq", "i"], ["y"])],
              [helper.make_tensor_sequence_value_info("seq", F32, None), vi("i", I64, [])], [vi("y")])
    mod = rt.onnx.load(m)
    seq = [rt.tensor([1.0]), rt.tensor([2.0])]
    assert mod(seq, rt.tensor(-1)).tolist() == [2.0]
    with pytest.raises(IndexError, match="position 2 is out of range"):
        mod(seq, rt.tensor(2))


# ---------------------------------------------------------------- devices

@pytest.mark.parametrize("how", ["load", "to"])
def test_other_device_gives_same_results(how):
    if "python" not in rt.backends.available():
        pytest.skip("python backend unavailable")
    m = _if_model()
    m.graph.node.insert(0, helper.make_node("Constant", [], ["k"], value=init("", np.float32([2.0]))))
    m.graph.node[2].input[1] = "k"          # a Constant node's tensor must move too
    cpu = rt.onnx.load(m)
    mod = rt.onnx.load(m, device="python") if how == "load" else rt.onnx.load(m).to("python")
    assert all(p.device.type == "python" for p in mod.parameters())
    x = rt.tensor([1.0, -2.0, 3.0])
    out = mod(x)                                   # a cpu input is moved to the module's device
    assert out.device.type == "python"
    np.testing.assert_allclose(out.detach().to("cpu").numpy(), cpu(x).detach().numpy())


# ---------------------------------------------------------------- training

def _mlp():
    rng = np.random.default_rng(0)
    w1, b1 = rng.standard_normal((5, 3)).astype(np.float32), rng.standard_normal(5).astype(np.float32)
    w2, b2 = rng.standard_normal((2, 5)).astype(np.float32), rng.standard_normal(2).astype(np.float32)
    m = model([helper.make_node("Gemm", ["x", "fc1.weight", "fc1.bias"], ["h"], transB=1),
               helper.make_node("Relu", ["h"], ["r"]),
               helper.make_node("Gemm", ["r", "fc2.weight", "fc2.bias"], ["y"], transB=1)],
              [vi("x", F32, ["N", 3])], [vi("y", F32, ["N", 2])],
              [init("fc1.weight", w1), init("fc1.bias", b1), init("fc2.weight", w2), init("fc2.bias", b2)])
    return m, {"fc1_weight": w1, "fc1_bias": b1, "fc2_weight": w2, "fc2_bias": b2}


def _conv():
    rng = np.random.default_rng(1)
    w, b = rng.standard_normal((4, 2, 3, 3)).astype(np.float32), rng.standard_normal(4).astype(np.float32)
    fw, fb = rng.standard_normal((2, 4)).astype(np.float32), rng.standard_normal(2).astype(np.float32)
    m = model([helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["c"], pads=[1, 1, 1, 1],
                                strides=[2, 2]),
               helper.make_node("Relu", ["c"], ["r"]),
               helper.make_node("GlobalAveragePool", ["r"], ["p"]),
               helper.make_node("Flatten", ["p"], ["f"]),
               helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["y"], transB=1)],
              [vi("x", F32, ["N", 2, 6, 6])], [vi("y", F32, ["N", 2])],
              [init("conv.weight", w), init("conv.bias", b), init("fc.weight", fw), init("fc.bias", fb)])
    return m, {"conv_weight": w, "conv_bias": b, "fc_weight": fw, "fc_bias": fb}


def _torch_mlp(p, x):
    import torch.nn.functional as tf
    return tf.linear(tf.relu(tf.linear(x, p["fc1_weight"], p["fc1_bias"])), p["fc2_weight"], p["fc2_bias"])


def _torch_conv(p, x):
    import torch.nn.functional as tf
    r = tf.relu(tf.conv2d(x, p["conv_weight"], p["conv_bias"], stride=2, padding=1))
    return tf.linear(r.mean(dim=(2, 3)), p["fc_weight"], p["fc_bias"])


@pytest.mark.parametrize("build,torch_fn,x_shape", [(_mlp, _torch_mlp, (4, 3)), (_conv, _torch_conv, (3, 2, 6, 6))])
def test_imported_model_trains_like_torch(build, torch_fn, x_shape):
    torch = pytest.importorskip("torch")
    m, weights = build()
    mod = rt.onnx.load(m.SerializeToString())
    x = np.random.default_rng(2).standard_normal(x_shape).astype(np.float32)
    target = np.random.default_rng(3).standard_normal((x_shape[0], 2)).astype(np.float32)
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in weights.items()}
    opt_t = torch.optim.SGD(tp.values(), lr=0.1, momentum=0.9)
    opt_r = rt.optim.SGD(mod.parameters(), lr=0.1, momentum=0.9)
    params = dict(mod.named_parameters())
    assert set(params) == set(weights)
    for _ in range(2):
        loss_t = ((torch_fn(tp, torch.tensor(x)) - torch.tensor(target)) ** 2).mean()
        loss_r = ((mod(rt.tensor(x)) - rt.tensor(target)) ** 2).mean()
        np.testing.assert_allclose(loss_r.item(), loss_t.item(), rtol=1e-5)
        opt_t.zero_grad()
        opt_r.zero_grad()
        loss_t.backward()
        loss_r.backward()
        for k, p in params.items():
            np.testing.assert_allclose(p.grad.numpy(), tp[k].grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=k)
        opt_t.step()
        opt_r.step()
    for k, p in params.items():
        np.testing.assert_allclose(p.detach().numpy(), tp[k].detach().numpy(), rtol=1e-4, atol=1e-6)
