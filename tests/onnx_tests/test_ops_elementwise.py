"""ONNX element-wise operators (rustorch/onnx/_ops/elementwise.py).

Oracles: ONNX's own backend node test cases (expected outputs computed by
ONNX), run node by node straight through the operator table so that these
tests do not depend on the model parser or the graph runtime; torch for
gradients and a few semantics the node cases do not reach.

``python -m tests.onnx_tests.test_ops_elementwise`` prints the pass rates.
"""
import math
import warnings

import pytest

np = pytest.importorskip("numpy")
onnx = pytest.importorskip("onnx")
torch = pytest.importorskip("torch")

from onnx import helper, numpy_helper  # noqa: E402

import rustorch as rt  # noqa: E402
from rustorch._errors import RustorchError, UnsupportedError  # noqa: E402
from rustorch.onnx._ops import NodeContext, lookup, supported_ops  # noqa: E402

ELEMENTWISE_OPS = frozenset("""
Abs Neg Reciprocal Sqrt Exp Log Sin Cos Tan Asin Acos Atan Sinh Cosh Asinh Acosh Atanh Floor Ceil
Round Sign Erf IsNaN IsInf Not And Or Xor BitwiseAnd BitwiseOr BitwiseXor BitwiseNot BitShift Add
Sub Mul Div Pow Mod Max Min Sum Mean Equal Greater GreaterOrEqual Less LessOrEqual Where Clip Cast
CastLike Relu LeakyRelu PRelu Elu Selu Celu ThresholdedRelu Sigmoid HardSigmoid HardSwish Softplus
Softsign Tanh Gelu Mish Shrink Swish Identity Det""".split())

# NumPy dtypes of the ONNX element types rustorch has; cases using any other
# (string, float8e8m0, int4/uint4/int2/uint2, float4 ...) must fail with a clear error
_RT_NP = {"bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
          "float64", "complex64", "complex128", "uint16", "uint32", "uint64", "float8_e4m3fn",
          "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz"}
# the same as ONNX TensorProto element-type codes
_RT_CODES = (1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20)


# ---------------------------------------------------------------------------
# a minimal node-by-node runner over onnx's own objects (no parser, no runtime)

def _attr_value(a, device):
    v = helper.get_attribute_value(a)
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, onnx.TensorProto):
        return _to_rt(numpy_helper.to_array(v), device)
    if isinstance(v, list) and v and isinstance(v[0], bytes):
        return [s.decode() for s in v]
    return v


def _to_rt(value, device="cpu"):
    if isinstance(value, onnx.TensorProto):
        value = numpy_helper.to_array(value)
    if isinstance(value, list):
        return [_to_rt(v, device) for v in value]
    if value.dtype.name not in _RT_NP:
        raise UnsupportedError(f"test input of dtype {value.dtype} has no rustorch dtype")
    return rt.tensor(np.ascontiguousarray(value), device=device)


def _constant(node, device):
    a = {x.name: _attr_value(x, device) for x in node.attribute}
    if "value" in a:
        return a["value"]
    for key, dtype in (("value_float", rt.float32), ("value_floats", rt.float32),
                       ("value_int", rt.int64), ("value_ints", rt.int64)):
        if key in a:
            return rt.tensor(a[key], dtype=dtype, device=device)
    raise UnsupportedError(f"Constant with attributes {sorted(a)}")


def run_case(case, device="cpu"):
    """Run a node test case through the op table; returns the list of outputs."""
    model = case.model
    opsets = {o.domain or "": o.version for o in model.opset_import}
    inputs, _ = case.data_sets[0]
    env = {vi.name: _to_rt(v, device) for vi, v in zip(model.graph.input, inputs)}
    for node in model.graph.node:
        if node.op_type == "Constant":
            env[node.output[0]] = _constant(node, device)
            continue
        attrs = {a.name: _attr_value(a, device) for a in node.attribute}
        fn = lookup(node.op_type, opsets[node.domain or ""], node.domain)
        ctx = NodeContext(node, attrs, opsets[node.domain or ""], device, None)
        res = fn(ctx, *[env[n] if n else None for n in node.input])
        if not isinstance(res, tuple):
            res = (res,)
        for name, r in zip(node.output, res):
            if name:
                env[name] = r
    return [env[o.name] for o in model.graph.output]


def _np_of(t):
    t = t.cpu()
    if t.dtype == rt.bfloat16:
        return t.float().numpy(), "bfloat16"
    return t.numpy(), t.dtype.name


def _compare(got, want, case):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), "sequence length differs"
        for g, w in zip(got, want):
            _compare(g, w, case)
        return
    if isinstance(want, onnx.TensorProto):
        want = numpy_helper.to_array(want)
    arr, name = _np_of(got)
    want_name = "bfloat16" if want.dtype.name == "bfloat16" else want.dtype.name
    assert name == want_name, f"dtype {name}, expected {want_name}"
    assert arr.shape == want.shape, f"shape {arr.shape}, expected {want.shape}"
    if want.dtype.kind in "biu":
        np.testing.assert_array_equal(arr, want)
    else:
        np.testing.assert_allclose(arr, want.astype(arr.dtype), rtol=case.rtol, atol=case.atol)


def check_case(case, device="cpu"):
    """Run ``case`` and compare every output with ONNX's expected one."""
    outs = run_case(case, device)
    _, expected = case.data_sets[0]
    assert len(outs) == len(expected)
    for got, want in zip(outs, expected):
        _compare(got, want, case)


def uses_missing_dtype(case):
    """Whether a case feeds or expects an element type rustorch does not have."""
    inputs, outputs = case.data_sets[0]
    for v in list(inputs) + list(outputs):
        vals = v if isinstance(v, list) else [v]
        for a in vals:
            if isinstance(a, onnx.TensorProto):
                if a.data_type not in _RT_CODES:
                    return True
                continue
            if a.dtype.name not in _RT_NP:
                return True
    for node in case.model.graph.node:       # Cast targets
        for a in node.attribute:
            if a.name == "to" and a.i not in _RT_CODES:
                return True
    return False


_ALL = []


def all_cases():
    """ONNX's node test cases (collected once per process)."""
    if not _ALL:
        from onnx.backend.test.case.node import collect_testcases
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _ALL.extend(collect_testcases())
    return _ALL


def family_cases(family_ops, allowed_ops):
    """Cases whose graph uses only ``allowed_ops`` (plus Constant) and at least
    one of ``family_ops``."""
    out = []
    for c in all_cases():
        ops = {n.op_type for n in c.model.graph.node if not n.domain} - {"Constant"}
        if ops and ops <= allowed_ops and ops & family_ops and all(
                not n.domain for n in c.model.graph.node):
            out.append(c)
    return sorted(out, key=lambda c: c.name)


def pass_rate(cases, device="cpu"):
    """(passed, failures: {name: reason})."""
    passed, failures = 0, {}
    for c in cases:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                check_case(c, device)
            passed += 1
        except Exception as e:  # noqa: BLE001 - a report, not a test
            failures[c.name] = f"{type(e).__name__}: {str(e).splitlines()[0][:150] if str(e) else ''}"
    return passed, failures


def node_case_params(family_ops, allowed_ops):
    try:
        return [pytest.param(c, id=c.name) for c in family_cases(family_ops, allowed_ops)]
    except Exception as e:  # noqa: BLE001 - collection must not die with onnx's generator
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"onnx node cases: {e}"))]


def assert_case(case, device="cpu"):
    if uses_missing_dtype(case):
        # uint16/32/64, string, float8 ...: a clear rustorch error, never a wrong answer
        with pytest.raises(RustorchError):
            check_case(case, device)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_case(case, device)


# ---------------------------------------------------------------------------
# the node cases

def test_every_elementwise_op_is_registered():
    assert ELEMENTWISE_OPS <= set(supported_ops())


@pytest.mark.parametrize("case", node_case_params(ELEMENTWISE_OPS, ELEMENTWISE_OPS))
def test_onnx_node_case(case):
    assert_case(case)


_PY_SAMPLE = ("test_add_bcast", "test_div_int8", "test_mod_mixed_sign_int32", "test_pow_types_int32_float32",
              "test_clip_default_int8_inbounds", "test_where_long_example", "test_cast_FLOAT_to_FLOAT16",
              "test_gelu_tanh_2", "test_round", "test_bitshift_left_uint8", "test_isinf_negative",
              "test_det_nd", "test_selu_default", "test_shrink_soft", "test_hardswish", "test_greater_equal")


@pytest.mark.parametrize("name", _PY_SAMPLE)
def test_onnx_node_case_on_python_device(name):
    """The same operators on the pure-Python backend (what Pyodide without NumPy runs)."""
    cases = {c.name: c for c in family_cases(ELEMENTWISE_OPS, ELEMENTWISE_OPS)}
    if name not in cases:
        pytest.skip(f"{name} is not among this onnx version's node cases")
    assert_case(cases[name], device="python")


# ---------------------------------------------------------------------------
# semantics checked against torch / by hand, and gradients

def _node(op_type, n_in=2, opset=17, **attrs):
    node = helper.make_node(op_type, [f"i{k}" for k in range(n_in)], ["y"], **attrs)
    decoded = {a.name: _attr_value(a, "cpu") for a in node.attribute}
    return lookup(op_type, opset), NodeContext(node, decoded, opset, "cpu", None)


def test_integer_div_truncates_toward_zero():
    fn, ctx = _node("Div")
    a = rt.tensor([7, -7, 7, -7], dtype=rt.int32)
    b = rt.tensor([2, 2, -2, -2], dtype=rt.int32)
    out = fn(ctx, a, b)
    assert out.dtype == rt.int32 and out.tolist() == [3, -3, -3, 3]


def test_mod_sign_follows_divisor_or_dividend():
    a, b = rt.tensor([-4, 7, 5], dtype=rt.int64), rt.tensor([3, -3, 2], dtype=rt.int64)
    fn, ctx = _node("Mod")
    assert fn(ctx, a, b).tolist() == [2, -2, 1]                    # Python %
    fn, ctx = _node("Mod", fmod=1)
    assert fn(ctx, a, b).tolist() == [-1, 1, 1]                    # C fmod
    fn, ctx = _node("Mod")
    with pytest.raises(ValueError):
        fn(ctx, a.float(), b.float())                               # floats need fmod=1


def test_pow_keeps_the_base_dtype():
    fn, ctx = _node("Pow", opset=15)
    out = fn(ctx, rt.tensor([2, 3], dtype=rt.int64), rt.tensor([0.5, 2.0]))
    assert out.dtype == rt.int64 and out.tolist() == [1, 9]
    out = fn(ctx, rt.tensor([2.0, 3.0]), rt.tensor([3, 2], dtype=rt.int32))
    assert out.dtype == rt.float32 and out.tolist() == [8.0, 9.0]


def test_legacy_broadcast_axis_before_opset_7():
    fn, ctx = _node("Add", opset=6, broadcast=1, axis=1)
    a = rt.zeros(2, 3, 4)
    b = rt.tensor([1.0, 2.0, 3.0])
    out = fn(ctx, a, b)
    want = torch.zeros(2, 3, 4) + torch.tensor([1.0, 2.0, 3.0]).reshape(3, 1)
    np.testing.assert_array_equal(out.numpy(), want.numpy())


def test_clip_attribute_and_input_forms():
    x = rt.tensor([-2.0, 0.5, 3.0, float("nan")])
    fn, ctx = _node("Clip", n_in=1, opset=6, min=-1.0, max=1.0)
    np.testing.assert_array_equal(fn(ctx, x).numpy(), [-1.0, 0.5, 1.0, np.nan])
    fn, ctx = _node("Clip", n_in=3, opset=13)
    out = fn(ctx, x, None, rt.tensor(0.0))
    np.testing.assert_array_equal(out.numpy(), [-2.0, 0.0, 0.0, np.nan])
    out = fn(ctx, x, rt.tensor(2.0), rt.tensor(1.0))                 # min > max -> max
    np.testing.assert_array_equal(out.numpy()[:3], [1.0, 1.0, 1.0])


def test_cast_to_unsupported_type_is_a_clear_error():
    fn, ctx = _node("Cast", n_in=1, opset=21, to=onnx.TensorProto.INT4)
    with pytest.raises(UnsupportedError, match="(?i)int4"):
        fn(ctx, rt.tensor([1, 2]))
    fn, ctx = _node("Cast", n_in=1, opset=19, to=onnx.TensorProto.STRING)
    with pytest.raises(UnsupportedError, match="string"):
        fn(ctx, rt.tensor([1, 2]))


def test_cast_matches_torch_for_every_rustorch_dtype_pair():
    codes = {1: torch.float32, 2: torch.uint8, 3: torch.int8, 5: torch.int16, 6: torch.int32,
             7: torch.int64, 9: torch.bool, 10: torch.float16, 11: torch.float64, 16: torch.bfloat16}
    values = [0.0, 1.0, -1.0, 2.5, -3.75, 100.0, 0.1]
    for src in codes:
        for dst in codes:
            fn, ctx = _node("Cast", n_in=1, opset=19, to=dst)
            src_t = torch.tensor(values).to(codes[src])
            x = rt.tensor(src_t.float().tolist()).to(fn.__globals__["onnx_to_rt_dtype"](src))
            got = fn(ctx, x)
            want = src_t.to(codes[dst])
            assert got.dtype.name == str(want.dtype).replace("torch.", "")
            np.testing.assert_array_equal(got.float().tolist(), want.float().tolist())


def test_round_is_half_to_even():
    fn, ctx = _node("Round", n_in=1, opset=11)
    out = fn(ctx, rt.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6]))
    assert out.tolist() == [0.0, 2.0, 2.0, -0.0, -2.0, 2.0, -3.0]


def test_det_matches_torch_including_singular_and_batched():
    g = torch.Generator().manual_seed(0)
    mats = torch.randn(3, 2, 4, 4, generator=g, dtype=torch.float64)
    mats[0, 1, 2] = mats[0, 1, 0]                  # singular
    mats[1, 0, :, 0] = 0.0                         # zero first column: pivot search
    mats[2, 1] = torch.eye(4)[[1, 0, 3, 2]]        # permutation, det 1
    fn, ctx = _node("Det", n_in=1, opset=11)
    got = fn(ctx, rt.tensor(mats.numpy()))
    np.testing.assert_allclose(got.numpy(), torch.linalg.det(mats).numpy(), atol=1e-12)


@pytest.mark.parametrize("op_type,attrs,torch_fn", [
    ("Gelu", {"approximate": "tanh"}, lambda x: torch.nn.functional.gelu(x, approximate="tanh")),
    ("Selu", {}, torch.nn.functional.selu),
    ("Elu", {"alpha": 0.7}, lambda x: torch.nn.functional.elu(x, 0.7)),
    ("Celu", {"alpha": 2.0}, lambda x: torch.nn.functional.celu(x, 2.0)),
    ("HardSwish", {}, torch.nn.functional.hardswish),
    ("HardSigmoid", {"alpha": 1 / 6, "beta": 0.5}, torch.nn.functional.hardsigmoid),
    ("Softplus", {}, torch.nn.functional.softplus),
    ("Mish", {}, torch.nn.functional.mish),
    ("LeakyRelu", {"alpha": 0.2}, lambda x: torch.nn.functional.leaky_relu(x, 0.2)),
    ("Shrink", {"lambd": 0.5, "bias": 0.5}, lambda x: torch.nn.functional.softshrink(x, 0.5)),
    ("Swish", {}, torch.nn.functional.silu),
    ("Erf", {}, torch.erf),
    ("Atanh", {}, lambda x: torch.atanh(x * 0.3)),
])
def test_activation_values_and_gradients_match_torch(op_type, attrs, torch_fn):
    opset = 24 if op_type == "Swish" else 22
    fn, ctx = _node(op_type, n_in=1, opset=opset, **attrs)
    # points off every kink (±3, ±0.5, 0), where subgradient conventions differ
    data = torch.linspace(-3.1, 2.9, 13, dtype=torch.float64)
    if op_type == "Atanh":
        data = data * 0.3
        torch_fn = torch.atanh
    xt = data.clone().requires_grad_(True)
    want = torch_fn(xt)
    want.sum().backward()
    x = rt.tensor(data.numpy(), requires_grad=True)
    got = fn(ctx, x)
    got.sum().backward()
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-12)


def test_gradients_flow_through_binary_and_variadic_ops():
    a_t = torch.tensor([[1.0, -2.0, 3.0]], dtype=torch.float64, requires_grad=True)
    b_t = torch.tensor([[0.5], [2.0]], dtype=torch.float64, requires_grad=True)
    want = (torch.maximum(a_t * b_t, a_t / b_t) + torch.pow(b_t, a_t) - torch.clamp(a_t, -1.5, 2.0)).sum()
    want.backward()
    a = rt.tensor(a_t.detach().numpy(), requires_grad=True)
    b = rt.tensor(b_t.detach().numpy(), requires_grad=True)
    mul, c_mul = _node("Mul")
    div, c_div = _node("Div")
    mx, c_mx = _node("Max")
    pw, c_pw = _node("Pow", opset=15)
    sub, c_sub = _node("Sub")
    clip, c_clip = _node("Clip", n_in=3, opset=13)
    got = sub(c_sub, mx(c_mx, mul(c_mul, a, b), div(c_div, a, b)) + pw(c_pw, b, a),
              clip(c_clip, a, rt.tensor(-1.5, dtype=rt.float64), rt.tensor(2.0, dtype=rt.float64))).sum()
    got.backward()
    assert math.isclose(got.item(), want.item(), rel_tol=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), a_t.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), b_t.grad.numpy(), rtol=1e-12)


def test_where_rejects_a_non_bool_condition():
    fn, ctx = _node("Where", n_in=3, opset=16)
    with pytest.raises(TypeError, match="bool"):
        fn(ctx, rt.tensor([1, 0]), rt.tensor([1.0, 2.0]), rt.tensor([3.0, 4.0]))


def test_mixed_input_dtypes_are_rejected_not_promoted():
    fn, ctx = _node("Add")
    with pytest.raises(TypeError, match="int64"):
        fn(ctx, rt.tensor([1.0]), rt.tensor([1]))
    fn, ctx = _node("Max", n_in=3, opset=13)
    with pytest.raises(TypeError, match="float64"):
        fn(ctx, rt.tensor([1.0]), rt.tensor([1.0]), rt.tensor([1.0], dtype=rt.float64))


def test_op_modules_use_only_the_public_tensor_api():
    import pathlib
    import re
    import rustorch.onnx._ops.elementwise as e
    import rustorch.onnx._ops.reduce as r
    for mod in (e, r):
        src = pathlib.Path(mod.__file__).read_text()
        bad = re.findall(r"^\s*(?:import|from)\s+\S*(?:numpy|backends|onnx\b)\S*", src, re.M)
        assert not bad, (mod.__name__, bad)


def test_bitshift_needs_a_direction():
    fn, ctx = _node("BitShift", opset=11, direction="UP")
    with pytest.raises(ValueError, match="UP"):
        fn(ctx, rt.tensor([1], dtype=rt.uint8), rt.tensor([1], dtype=rt.uint8))


def _report(family_ops, allowed_ops, label):
    cases = family_cases(family_ops, allowed_ops)
    missing = [c for c in cases if uses_missing_dtype(c)]
    for device in ("cpu", "python"):
        passed, failures = pass_rate(cases, device)
        print(f"{label} on {device}: {passed}/{len(cases)} node cases pass "
              f"({100.0 * passed / max(len(cases), 1):.1f}%); {len(missing)} need dtypes rustorch lacks")
        for name, why in sorted(failures.items()):
            print(f"   FAIL {name}: {why}")


if __name__ == "__main__":
    _report(ELEMENTWISE_OPS, ELEMENTWISE_OPS, "elementwise")
