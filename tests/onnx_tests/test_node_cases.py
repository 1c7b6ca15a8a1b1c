"""ONNX's backend node tests (onnx.backend.test.case.node) through rustorch.onnx.load.

All cases run on the CPU, a deterministic sample on the pure-Python device; each
rate must stay above its floor.  The floors only go up as operator families land
(target 0.90 on the CPU).  ``python3 tests/onnx_tests/report.py`` prints the
full per-operator picture.
"""
import pytest

pytest.importorskip("onnx")

import rustorch as rt  # noqa: E402

from . import node_harness as H  # noqa: E402

CPU_FLOOR = 0.92   # 1 744 / 1 884 pass (92.6 %); the issue asks for >= 0.90
PYTHON_FLOOR = 0.90
PYTHON_SAMPLE_EVERY = 5

# Cases that pass and must keep passing: one or two per operator family.
MUST_PASS = [
    "test_abs", "test_add_bcast", "test_relu", "test_cast_FLOAT_to_DOUBLE",           # elementwise
    "test_reduce_sum_keepdims_example", "test_argmax_default_axis_example",              # reduce
    "test_reshape_reordered_all_dims", "test_gather_0", "test_slice", "test_transpose_default",  # shape
    "test_conv_with_strides_padding", "test_maxpool_2d_pads", "test_gemm_default_no_bias",  # nn
    "test_batchnorm_example", "test_softmax_axis_1",
    "test_lstm_defaults", "test_gru_defaults",                                             # rnn
    "test_if", "test_if_seq", "test_loop11", "test_loop13_seq", "test_scan9_sum", "test_scan_sum",  # control
    "test_sequence_insert_at_back", "test_split_to_sequence_1", "test_sequence_map_add_2_sequences",
    "test_optional_has_element_empty_optional_input", "test_optional_get_element_sequence",
    "test_identity_sequence",
]


def _report(device, results, floor):
    passed, total, failed, kinds = H.summarize(results)
    rate = passed / total
    lines = [f"ONNX node cases on {device}: {passed}/{total} passed ({rate:.1%}, floor {floor:.0%})",
             f"failure kinds: {dict(kinds.most_common())}"]
    for op in sorted(failed, key=lambda o: -len(failed[o])):
        rs = failed[op]
        lines.append(f"  {op}: {len(rs)} failed, e.g. {rs[0].name}: {rs[0].kind}: {rs[0].detail[:160]}")
    text = "\n".join(lines)
    print("\n" + text)
    return rate, text


def test_node_cases_cpu():
    results = H.run_cases(H.cases(), "cpu")
    rate, text = _report("cpu", results, CPU_FLOOR)
    assert len(results) > 1000, "onnx's node test collection looks empty"
    assert rate >= CPU_FLOOR, text


@pytest.mark.skipif("python" not in rt.backends.available(), reason="python backend unavailable")
def test_node_cases_python_sample():
    results = H.run_cases(H.sample(H.cases(), PYTHON_SAMPLE_EVERY), "python")
    rate, text = _report(f"python (every {PYTHON_SAMPLE_EVERY}th case)", results, PYTHON_FLOOR)
    assert rate >= PYTHON_FLOOR, text


@pytest.mark.parametrize("name", MUST_PASS)
def test_must_pass_case(name):
    r = H.run_case(H.case_by_name(name), "cpu")
    assert r.passed, f"{r.name} ({r.op}): {r.kind}: {r.detail}"
