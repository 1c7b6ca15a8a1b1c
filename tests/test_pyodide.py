"""rustorch inside Pyodide (WebAssembly CPython) under Node, offline: the
wheel installs with micropip, NumPy is absent, every golden case passes on
'python' and 'cpu', and a tiny MLP trains.  The work is done by
wasm/node_runner.mjs; this test builds the wheel and runs it.

Needs `node`, wasm/node_modules (``npm ci`` in wasm/) and the micropip wheel
(``python wasm/build_wheel.py --fetch``); ``bash .ci/setup`` does all three.
Without them the test is skipped with the reason, unless
RUSTORCH_REQUIRE_PYODIDE=1 (CI sets it), where it fails instead.

By hand:
    python tests/golden.py generate build/golden/conformance.json
    python wasm/build_wheel.py && node wasm/node_runner.mjs
"""
import glob
import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WASM = os.path.join(ROOT, "wasm")
sys.path.insert(0, WASM)

import build_wheel  # noqa: E402


def _missing():
    node = shutil.which("node")
    if node is None:
        return "`node` is not on PATH (apt-get install nodejs npm; or run `bash .ci/setup`)"
    if not os.path.exists(os.path.join(WASM, "node_modules", "pyodide", "pyodide.asm.wasm")):
        return "wasm/node_modules/pyodide is missing (run `npm ci` in wasm/, or `bash .ci/setup`)"
    if not glob.glob(os.path.join(build_wheel.PYPI, "micropip-*.whl")):
        return f"no micropip wheel in {build_wheel.PYPI} (run `python wasm/build_wheel.py --fetch`)"
    return None


@pytest.fixture(scope="module")
def pyodide_run(golden_path, tmp_path_factory):
    why = _missing()
    if why:
        if os.environ.get("RUSTORCH_REQUIRE_PYODIDE") == "1":
            pytest.fail(f"Pyodide run required (RUSTORCH_REQUIRE_PYODIDE=1) but {why}", pytrace=False)
        pytest.skip(f"Pyodide under Node: {why}")
    tmp = tmp_path_factory.mktemp("pyodide")
    wheel = build_wheel.build_wheel(str(tmp / "dist"))
    out = tmp / "results.json"
    cmd = ["node", os.path.join(WASM, "node_runner.mjs"), "--golden", golden_path,
           "--wheel", wheel, "--json", str(out), "--limit", "40"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1500, cwd=ROOT)
    tag = "PYODIDE-SUMMARY "
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(tag)]
    if not lines:
        pytest.fail(f"node_runner printed no summary (exit {proc.returncode}):\n"
                    f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}", pytrace=False)
    s = json.loads(lines[-1][len(tag):])
    counts = {d: {k: v for k, v in c.items() if v} for d, c in (s.get("replay") or {}).items()}
    print(f"\npyodide {s.get('pyodide')} ({s.get('seconds')}s): replay {counts}; mlp {s.get('mlp')}")
    return proc, s, counts


def _fail(proc, s, what, prefixes=("  ", "FAIL", "pyodide")):
    body = [ln for ln in proc.stdout.splitlines() if ln.startswith(prefixes)]
    pytest.fail(f"{what}\n" + "\n".join(s.get("failures", [])) + "\n" + "\n".join(body[:60])
                + (f"\nstderr: {proc.stderr[-2000:]}" if proc.returncode == 2 else ""), pytrace=False)


def test_pyodide_environment(pyodide_run):
    proc, s, counts = pyodide_run
    env = s.get("env")
    if env is None:
        _fail(proc, s, "the runner stopped before checking the environment")
    assert env["platform"] == "emscripten" and env["numpy_absent"], env
    assert "cpu" in env["available"] and "python" in env["available"], env
    assert env["cpu_is_python"] and env["cpu_device"] == "cpu", env
    assert s.get("install") == "micropip"


def test_pyodide_golden_cases_pass(pyodide_run):
    proc, s, counts = pyodide_run
    replay = s.get("replay") or {}
    if set(replay) != {"python", "cpu"}:
        _fail(proc, s, f"no replay results for python and cpu: {replay}")
    bad = {d: c for d, c in counts.items()
           if any(k not in ("pass", "skip", "seconds") for k in c)}
    if bad:
        _fail(proc, s, f"golden cases failed in Pyodide: {bad}")


def test_pyodide_mlp_loss_falls(pyodide_run):
    proc, s, counts = pyodide_run
    mlp = s.get("mlp") or {}
    if not mlp.get("fell"):
        _fail(proc, s, f"the MLP did not train in Pyodide: {mlp}", ("mlp", "MLP", "Traceback", "  File", "    "))
    assert mlp["steps"] == 50 and mlp["last"] < 0.5 * mlp["first"]
