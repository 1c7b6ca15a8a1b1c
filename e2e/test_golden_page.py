"""web/golden.html: torch's answers to every conformance case (a golden file
written natively) replayed inside headless Chromium on ``webgpu`` (SwiftShader's
WebGPU here) and on ``python``."""
import glob
import json
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _write_golden(bundle_dir):
    """golden/conformance.json (torch's answers) and golden/tests.json (the case
    files the page runs) into the served bundle."""
    pytest.importorskip("torch", reason="torch (the oracle) writes the golden file: pip install torch==2.13.0")
    tests = os.path.join(ROOT, "tests")
    sys.path.insert(0, tests)
    import golden
    from conformance.registry import all_cases
    out = os.path.join(bundle_dir, "golden")
    os.makedirs(out, exist_ok=True)
    golden.generate(all_cases(), os.path.join(out, "conformance.json"))
    files = {"golden.py": os.path.join(tests, "golden.py")}
    for f in sorted(glob.glob(os.path.join(tests, "conformance", "*.py"))):
        files["conformance/" + os.path.basename(f)] = f
    texts = {name: open(path, encoding="utf-8").read() for name, path in files.items()}
    with open(os.path.join(out, "tests.json"), "w", encoding="utf-8") as fh:
        json.dump(texts, fh)
    return len(all_cases())


def test_golden_cases_pass_in_the_page_on_webgpu_and_python(bundle_dir, bundle_server, page):
    n = _write_golden(bundle_dir)
    ready = page.open(bundle_server.rstrip("/"), "/golden.html?devices=webgpu,python",
                      timeout_ms=300_000)
    page.shot("golden.png")
    assert ready == "1", page.text_content("#error")
    out = json.loads(page.text_content("#result"))
    gpu, cpu = out["webgpu"], out["python"]
    assert "counts" in gpu, f"webgpu unavailable in the browser: {gpu}"
    assert gpu["ok"] and cpu["ok"], (gpu["failures"], cpu["failures"])
    # webgpu skips only what it declares it cannot hold (float64, complex, int64 past int32)
    assert gpu["counts"]["pass"] >= 1250 and gpu["counts"]["pass"] + gpu["counts"]["skip"] == n
    assert cpu["counts"]["pass"] + cpu["counts"].get("skip", 0) == n
    assert page.foreign == []
