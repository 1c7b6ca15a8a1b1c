"""The JavaScript bridge (web/rustorch.js + rustorch/jsbridge.py) under Node:
``node --test web/test/*.test.mjs`` with Pyodide from wasm/node_modules and the
python device.  This test writes the model files the bridge's ``rt.load`` test
reads (a torch MLP saved as safetensors, torch.save's .pt, and ONNX through
rustorch's exporter; the expected outputs from torch) and runs the Node suite.

Needs `node` and wasm/node_modules (``bash .ci/setup``); skipped with the reason
without them, unless RUSTORCH_REQUIRE_PYODIDE=1 (CI), where it fails.
"""
import glob
import json
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEB = os.path.join(ROOT, "web")


def _missing():
    if shutil.which("node") is None:
        return "`node` is not on PATH (apt-get install nodejs npm; or run `bash .ci/setup`)"
    if not os.path.exists(os.path.join(ROOT, "wasm", "node_modules", "pyodide", "pyodide.asm.wasm")):
        return "wasm/node_modules/pyodide is missing (run `npm ci` in wasm/, or `bash .ci/setup`)"
    return None


@pytest.fixture(scope="module")
def node_ok():
    why = _missing()
    if why:
        if os.environ.get("RUSTORCH_REQUIRE_PYODIDE") == "1":
            pytest.fail(f"the JS bridge tests are required (RUSTORCH_REQUIRE_PYODIDE=1) but {why}",
                        pytrace=False)
        pytest.skip(f"JS bridge under Node: {why}")


def _write_fixtures(out):
    """A torch MLP in three formats, and what it computes."""
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file
    import rustorch as rt
    from rustorch import nn
    import rustorch.onnx

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    x = torch.randn(5, 4)
    sd = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(sd, os.path.join(out, "mlp.safetensors"))
    torch.save(sd, os.path.join(out, "mlp.pt"))
    twin = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    twin.load_state_dict({k: rt.tensor(v.tolist()) for k, v in sd.items()})
    rustorch.onnx.export(twin, (rt.tensor(x.tolist()),), os.path.join(out, "mlp.onnx"))
    with open(os.path.join(out, "expected.json"), "w") as fh:
        json.dump({"input": x.tolist(), "output": model(x).tolist(),
                   "state": {k: v.tolist() for k, v in sd.items()}}, fh)


def test_bridge_under_node(node_ok, tmp_path):
    _write_fixtures(str(tmp_path))
    files = sorted(glob.glob(os.path.join(WEB, "test", "*.test.mjs")))
    assert files, "no web/test/*.test.mjs"
    env = dict(os.environ, RUSTORCH_BRIDGE_FIXTURES=str(tmp_path))
    proc = subprocess.run(["node", "--test", "--test-reporter=tap", *files], capture_output=True,
                          text=True, timeout=900, cwd=WEB, env=env)
    out = proc.stdout + proc.stderr
    failed = [ln for ln in out.splitlines() if ln.lstrip().startswith("not ok")]
    assert proc.returncode == 0 and not failed, "node --test failed:\n" + out[-8000:]
    passed = [ln for ln in out.splitlines() if ln.startswith("ok ") and "# SKIP" not in ln]
    assert len(passed) >= 12, out[-4000:]   # every test ran (none skipped: fixtures are set)


def test_npm_package_is_ready_to_publish(node_ok):
    """`npm pack --dry-run` in web/ lists the module, its types and the worker files."""
    if shutil.which("npm") is None:
        pytest.skip("npm is not on PATH")
    proc = subprocess.run(["npm", "pack", "--dry-run", "--json"], capture_output=True, text=True,
                          timeout=120, cwd=WEB)
    assert proc.returncode == 0, proc.stderr[-2000:]
    info = json.loads(proc.stdout)[0]
    names = {f["path"] for f in info["files"]}
    assert info["name"] == "rustorch"
    for need in ("rustorch.js", "rustorch.d.ts", "rustorch-loader.js", "rustorch-worker.js",
                 "rustorch-remote.js", "package.json"):
        assert need in names, sorted(names)
    assert not any(n.endswith(".html") or n.startswith("test/") for n in names), sorted(names)
