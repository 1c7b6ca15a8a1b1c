"""The golden-file machinery (tests/golden.py): lossless encoding, determinism,
and a full replay on the NumPy 'cpu' device, where every case must pass."""
import json
import math
import warnings

import pytest

torch = pytest.importorskip("torch", reason="torch (the oracle) is not installed: pip install torch==2.13.0")

import rustorch as rt  # noqa: E402
import golden  # noqa: E402
from conformance.harness import Case, T, run_case  # noqa: E402
from conformance.registry import all_cases  # noqa: E402


def _same(a, b):
    """Structural equality where NaN equals NaN, tuples equal lists, and the
    sign of zero and the type (int/float/bool/complex) must match."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if type(a) is not type(b):
        return False
    if isinstance(a, complex):
        return _same(a.real, b.real) and _same(a.imag, b.imag)
    if isinstance(a, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return a == b


def test_special_values_round_trip():
    vals = [math.nan, math.inf, -math.inf, -0.0, 0.1, 1e-310, 2 ** 70, -3, True, None, "s",
            complex(math.nan, -math.inf), complex(-0.0, 1.5), [1.0, [math.inf, 2j]],
            ("float32", [2], [math.nan, 1.0])]
    text = golden.dumps(vals)
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
    assert _same(golden.loads(text), vals)


def test_unencodable_values_are_refused():
    with pytest.raises(TypeError, match="cannot encode"):
        golden.dumps([object()])
    with pytest.raises(TypeError, match="cannot encode dict key"):
        golden.dumps({"$f": 1})


def test_golden_file_is_strict_json(golden_path):
    with open(golden_path) as f:
        doc = json.loads(f.read(), parse_constant=lambda c: pytest.fail(f"non-standard constant {c}"))
    assert doc["format"] == golden.FORMAT and doc["torch"] == torch.__version__
    assert doc["count"] == len(all_cases()) == len(doc["cases"])
    errors = {n: e["error"] for n, e in doc["cases"].items() if "error" in e}
    assert not errors, f"torch raised on some cases: {errors}"


def test_generation_is_deterministic(golden_path, tmp_path):
    again = tmp_path / "again.json"
    golden.generate(all_cases(), str(again))
    assert again.read_bytes() == open(golden_path, "rb").read()


def test_decoded_records_equal_torch_exactly(golden_path):
    """Lossless: every record with NaN/inf/complex, and a sample of the rest,
    decodes to exactly what run_case(case, torch) returns."""
    doc = golden.load(golden_path)
    with open(golden_path) as f:
        raw = json.load(f)["cases"]
    cases = all_cases()
    special = [c for c in cases if '"$' in json.dumps(raw[c.name])]
    assert len(special) > 20, "expected many cases with NaN/inf/complex values"
    for c in special + cases[::25]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = run_case(c, torch)
        assert _same(doc["cases"][c.name]["record"], want), c.name


def test_replay_on_cpu_passes_every_case(golden_path):
    """The whole chain (torch -> JSON -> rustorch -> compare) on the NumPy
    backend, where the live conformance suite passes too."""
    if type(rt.backends.get("cpu")).__name__ != "NumpyBackend":
        pytest.skip("'cpu' is not the NumPy backend here")
    res = golden.replay(all_cases(), golden_path, rt, "cpu")
    assert golden.ok(res), golden.summary(res) + "\n" + golden.failures(res)
    assert golden.counts(res)["pass"] == len(res)


def test_replay_reports_each_kind_of_problem(golden_path, tmp_path):
    doc = golden.load(golden_path)
    by_name = {c.name: c for c in all_cases()}
    entries = doc["cases"]
    # six cases whose first output is a non-empty float32 vector
    names = [n for n, e in entries.items() if "record" in e and e["record"]["outputs"][0][0] == "float32"
             and len(e["record"]["outputs"][0][1]) == 1 and e["record"]["outputs"][0][1][0] > 0][:6]
    assert len(names) == 6
    cases = [by_name[n] for n in names]
    # 0: a tampered value -> fail
    entries[names[0]]["record"]["outputs"][0][2][0] += 100.0
    # 1: stale fingerprint, 2: missing, 3: torch error, 4: excluded
    entries[names[1]]["fingerprint"] = "00000000"
    del entries[names[2]]
    entries[names[3]] = {"fingerprint": entries[names[3]]["fingerprint"], "error": "RuntimeError: x"}
    # 5: rustorch raises
    boom = Case("boom_case", lambda m, x: x.no_such_method(), [T(2)])
    entries["boom_case"] = {"fingerprint": golden.fingerprint(boom),
                            "record": {"outputs": [["float32", [2], [0.0, 0.0]]], "grads": None}}
    path = tmp_path / "tampered.json"
    path.write_text(golden.dumps(doc))
    res = golden.replay(cases + [boom], str(path), rt, "cpu", exclude={names[4]: "documented reason"})
    status = {r["name"]: r["status"] for r in res}
    assert [status[n] for n in names[:5]] == ["fail", "stale", "missing", "torch-error", "skip"], status
    assert status[names[5]] == "pass" and status["boom_case"] == "error"
    msgs = {r["name"]: r["message"] for r in res}
    assert "differ from torch" in msgs[names[0]]
    assert "AttributeError" in msgs["boom_case"] and "no_such_method" in msgs["boom_case"]
    assert not golden.ok(res) and "boom_case" in golden.failures(res)
    assert golden.ok([r for r in res if r["status"] in ("pass", "skip")])


def test_exclusions_name_real_cases():
    names = {c.name for c in all_cases()}
    for env, table in golden.EXCLUDED.items():
        unknown = sorted(set(table) - names)
        assert not unknown, f"EXCLUDED[{env!r}] names no such case: {unknown}"
        assert all(isinstance(r, str) and r.strip() for r in table.values()), env
