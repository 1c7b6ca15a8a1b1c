"""web/bench.html: rustorch and TensorFlow.js's WebGPU backend run the same
workloads in one page (matmul, conv, MLP step from Python; where the bundle has
web/rustorch.js, the JS API's tiny op and round trips too); the page's timings
are finite and its checks pass, and those checks catch a rustorch matmul that
is wrong.  Tiny reps: this is about the page working, never about speed."""
import json
import math
import os

import pytest

import js_vendor

PAGE = "/bench.html?reps=1&warmup=1&rounds=1&calls=3"
COMPUTE = ("matmul", "conv", "mlp")
BRIDGE = ("add_tiny", "add_tiny_gpu", "roundtrip", "roundtrip_op")


def _need_tfjs(bundle_dir):
    if not os.path.exists(os.path.join(bundle_dir, "vendor", "tfjs", "tf.min.js")):
        why = js_vendor.missing() or "the bundle has no vendor/tfjs/"
        if os.environ.get("RUSTORCH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"TF.js is required for the bench page test but {why}", pytrace=False)
        pytest.skip(f"TF.js for the bench page: {why}")


def _results(page):
    return page.evaluate("JSON.parse(JSON.stringify(window.benchResults))")


def test_bench_page_times_and_checks_both_frameworks(bundle_dir, bundle_server, page):
    _need_tfjs(bundle_dir)
    assert page.open(bundle_server.rstrip("/"), PAGE, timeout_ms=240_000) == "1", page.text_content("#error")
    r = _results(page)
    assert r["rustorch"]["device"] == "webgpu", r["rustorch"]
    assert r["tfjs"]["available"], r["tfjs"]
    assert r["tfjs"]["backend"] == "webgpu"
    expected = COMPUTE
    if os.path.exists(os.path.join(bundle_dir, "rustorch.js")):
        assert r["bridge"]["available"], r["bridge"]
        expected += BRIDGE
    assert list(r["workloads"]) == list(expected)
    for name, row in r["workloads"].items():
        for side in ("rustorch_ms", "tfjs_ms", "ratio"):
            value = row[side]
            assert isinstance(value, (int, float)) and math.isfinite(value) and value > 0, (name, row)
        assert row["section"] == ("compute" if name in COMPUTE else "bridge")
        names = [c["name"] for c in row["checks"]]
        # each side against the float64 reference, and rustorch against TF.js
        assert any(n.startswith("rustorch ") for n in names), names
        assert any(n.startswith("tfjs ") for n in names), names
        if name != "roundtrip":   # TF.js returns the input array itself: nothing to cross-check
            assert any("rustorch vs tfjs" in n for n in names), names
        failed = [c for c in row["checks"] if not c["ok"]]
        assert not failed, (name, failed)
    assert r["ok"] is True
    rows = page.locator("#rows-compute tr").all() + page.locator("#rows-bridge tr").all()
    assert len(rows) == len(expected)
    page.shot("bench.png")
    assert page.foreign == []


def test_bench_page_check_catches_a_wrong_rustorch_matmul(bundle_dir, bundle_server, page):
    """bench.js served with rustorch's matmul off by 0.01 everywhere: the page
    must report the failed checks (reference and cross-framework)."""
    _need_tfjs(bundle_dir)
    with open(os.path.join(bundle_dir, "bench.js"), encoding="utf-8") as fh:
        src = fh.read()
    right = "    return _a @ _b\n"
    assert src.count(right) == 1, "bench.js's rustorch matmul changed: update this test"
    wrong = src.replace(right, "    return (_a @ _b) + 0.01\n")
    page.route("**/bench.js", lambda route: route.fulfill(
        status=200, content_type="text/javascript", body=wrong,
        headers={"Cross-Origin-Embedder-Policy": "require-corp",
                 "Cross-Origin-Opener-Policy": "same-origin"}))
    assert page.open(bundle_server.rstrip("/"), "/bench.html?reps=1&warmup=0&only=matmul",
                     timeout_ms=120_000) == "1", page.text_content("#error")
    r = _results(page)
    assert r["ok"] is False
    checks = {c["name"]: c["ok"] for c in r["workloads"]["matmul"]["checks"]}
    assert checks == {"rustorch output vs float64 reference": False,
                      "tfjs output vs float64 reference": True,
                      "output: rustorch vs tfjs": False}, checks
    assert "FAILED" in page.text_content("#status")


def test_bench_page_refuses_unknown_options(bundle_dir, bundle_server, page):
    assert page.open(bundle_server.rstrip("/"), "/bench.html?only=matmul,bogus") == "error"
    assert "unknown workload bogus" in page.text_content("#error")
    assert page.open(bundle_server.rstrip("/"), "/bench.html?reps=0") == "error"
    assert "?reps=0: expected an integer >= 1" in page.text_content("#error")


def test_vendor_copy_skips_without_tfjs_and_copies_with_it(tmp_path):
    """js_vendor (no browser): nothing copied, no error, where node_modules
    lacks TF.js; the page files and the notice where it has them."""
    empty = tmp_path / "node_modules"
    empty.mkdir()
    assert js_vendor.missing(str(empty)) is not None
    assert js_vendor.copy_vendor(str(tmp_path / "bundle"), str(empty)) == []
    assert not (tmp_path / "bundle").exists()
    if js_vendor.missing():
        pytest.skip(f"TF.js: {js_vendor.missing()}")
    copied = js_vendor.copy_vendor(str(tmp_path / "bundle"))
    assert {"vendor/tfjs/tf.min.js", "vendor/tfjs/tf-backend-webgpu.min.js",
            "vendor/tfjs/THIRD_PARTY_NOTICES.txt"} <= set(copied)
    for rel in copied:
        assert (tmp_path / "bundle" / rel).stat().st_size > 0
    notice = (tmp_path / "bundle" / "vendor" / "tfjs" / "THIRD_PARTY_NOTICES.txt").read_text()
    with open(os.path.join(js_vendor.HERE, "package.json"), encoding="utf-8") as fh:
        pinned = json.load(fh)["dependencies"]["@tensorflow/tfjs-backend-webgpu"]
    assert f"@tensorflow/tfjs-backend-webgpu {pinned}" in notice and "Apache-2.0" in notice
