"""rustorch without NumPy: in a subprocess where ``import numpy`` fails, the
'cpu' device is the pure-Python backend, nothing else needs NumPy, and every
golden case passes on 'python' (a sample on 'cpu').  The work is done by
tests/no_numpy_replay.py; run it by hand for the full list of failures:

    python tests/golden.py generate build/golden/conformance.json
    python tests/no_numpy_replay.py build/golden/conformance.json --limit 1000
"""
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "no_numpy_replay.py")


def _run(args, timeout=900):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                          timeout=timeout, cwd=os.path.dirname(HERE), env=env)


def _summary(proc, tag="NO-NUMPY-SUMMARY "):
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(tag)]
    assert lines, f"no summary line (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return json.loads(lines[-1][len(tag):])


@pytest.fixture(scope="module")
def no_numpy_run(golden_path, tmp_path_factory):
    details = tmp_path_factory.mktemp("no_numpy") / "results.json"
    proc = _run([golden_path, "--json", str(details)])
    s = _summary(proc)
    counts = {d: {k: v for k, v in c.items() if v} for d, c in s["replay"].items()}
    print(f"\nno-numpy replay ({s['seconds']}s): {counts}")
    return proc, s, counts


def test_without_numpy_cpu_is_the_pure_python_backend(no_numpy_run):
    proc, s, counts = no_numpy_run
    env = s["env"]
    assert "cpu" in env["available"] and "python" in env["available"], env
    assert "PythonBackend" in (env["cpu_backend"] or "") and env["cpu_device"] == "cpu", env
    # nothing but the golden replay may go wrong (cases fail while the backend grows)
    other = [p for p in s["problems"] if not p.startswith("golden replay")]
    assert not other, other
    assert set(s["replay"]) == {"python", "cpu"}, s["replay"]


def test_without_numpy_every_golden_case_passes(no_numpy_run):
    proc, s, counts = no_numpy_run
    if proc.returncode != 0 or not s["ok"]:
        first = [ln for ln in proc.stdout.splitlines() if ln.startswith("  ")][:40]
        pytest.fail(f"without NumPy: {counts}\n" + "\n".join(s["problems"])
                    + "\nfirst failures:\n" + "\n".join(first), pytrace=False)
