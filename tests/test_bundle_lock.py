"""The static bundle's lock file (wasm/build_bundle.py): Pyodide's
pyodide-lock.json plus entries for rustorch, micropip and packaging, so that
in a fresh Pyodide loaded from the bundle, offline,

    await pyodide.loadPackage("rustorch")          and
    await micropip.install("rustorch")

both install the bundle's wheel.  The Pyodide part runs under Node (a small
script written to a temp dir, with fetch() replaced by a function that throws);
under Node Pyodide reads lock packages from the indexURL on disk.  Pyodide's
sha256 check only runs in a browser (fetch's `integrity`): e2e/test_lock_page.py
covers that.

Needs `node`, wasm/node_modules (``npm ci`` in wasm/) and the micropip wheel
(``python wasm/build_wheel.py --fetch``); ``bash .ci/setup`` does all three.
Without them the Node tests are skipped with the reason, unless
RUSTORCH_REQUIRE_PYODIDE=1 (CI sets it), where they fail instead.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WASM = os.path.join(ROOT, "wasm")
sys.path.insert(0, WASM)

import build_bundle  # noqa: E402
import build_wheel  # noqa: E402

LOCKED = ("micropip", "packaging", "rustorch")

# argv: <bundle dir> <"loadPackage" | "micropip">; prints `LOCK-RESULT {json}`
NODE_SCRIPT = r"""
import path from "node:path";
import { pathToFileURL } from "node:url";
const [bundle, mode] = process.argv.slice(2);
const fetched = [];
globalThis.fetch = async (url) => { fetched.push(String(url)); throw new Error(`offline: refused to fetch ${url}`); };
const index = path.join(bundle, "pyodide") + path.sep;
const { loadPyodide } = await import(pathToFileURL(path.join(index, "pyodide.mjs")).href);
const log = [];
const py = await loadPyodide({ indexURL: index, stdout: (s) => log.push(s), stderr: (s) => log.push(s) });
if (mode === "loadPackage") {
  await py.loadPackage("rustorch", { messageCallback: (s) => log.push(s), errorCallback: (s) => log.push(s) });
} else {
  await py.loadPackage("micropip", { messageCallback: (s) => log.push(s), errorCallback: (s) => log.push(s) });
  await py.runPythonAsync('import micropip\nawait micropip.install("rustorch")');
}
const res = JSON.parse(py.runPython(`
import json, sys, rustorch as rt
a = rt.tensor([[1., 2.], [3., 4.]], requires_grad=True)
b = rt.tensor([[5., 6.], [7., 8.]])
(a @ b).sum().backward()
try:
    import micropip
    source = micropip.list()["rustorch"].source
except ImportError:
    source = None
json.dumps({"matmul": (a @ b).tolist(), "grad": a.grad.tolist(), "file": rt.__file__,
            "version": rt.__version__, "numpy_loaded": "numpy" in sys.modules, "source": source})
`));
console.log("LOCK-RESULT " + JSON.stringify({ ...res, loaded: py.loadedPackages, fetched, log }));
"""


def _missing():
    if shutil.which("node") is None:
        return "`node` is not on PATH (apt-get install nodejs npm; or run `bash .ci/setup`)"
    why = build_bundle.missing()
    if why:
        return why
    if not any(f.startswith("micropip-") for f in
               (os.listdir(build_wheel.PYPI) if os.path.isdir(build_wheel.PYPI) else [])):
        return f"no micropip wheel in {build_wheel.PYPI} (run `python wasm/build_wheel.py --fetch`)"
    return None


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    why = _missing()
    if why:
        if os.environ.get("RUSTORCH_REQUIRE_PYODIDE") == "1":
            pytest.fail(f"Pyodide run required (RUSTORCH_REQUIRE_PYODIDE=1) but {why}", pytrace=False)
        pytest.skip(f"bundle lock file: {why}")
    out = tmp_path_factory.mktemp("lockbundle") / "web"
    manifest = build_bundle.build_bundle(str(out), fetch=False)
    return str(out), manifest


def _lock(bundle_dir):
    with open(os.path.join(bundle_dir, "pyodide", "pyodide-lock.json"), encoding="utf-8") as f:
        return json.load(f)


def _run_node(bundle_dir, mode, tmp_path):
    script = tmp_path / "lock_check.mjs"
    script.write_text(NODE_SCRIPT)
    proc = subprocess.run(["node", str(script), bundle_dir, mode], capture_output=True,
                          text=True, timeout=300)
    tag = "LOCK-RESULT "
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(tag)]
    if proc.returncode != 0 or not lines:
        pytest.fail(f"node ({mode}) exited {proc.returncode}:\n{proc.stdout[-3000:]}\n"
                    f"{proc.stderr[-3000:]}", pytrace=False)
    return json.loads(lines[-1][len(tag):])


def _check_rustorch_works(res):
    assert res["matmul"] == [[19.0, 22.0], [43.0, 50.0]], res
    assert res["grad"] == [[11.0, 15.0], [11.0, 15.0]], res
    assert "site-packages/rustorch/" in res["file"], res
    assert res["numpy_loaded"] is False, res
    assert res["fetched"] == [], f"Pyodide tried the network: {res['fetched']}"


def test_lock_lists_the_bundle_wheels(bundle):
    bundle_dir, manifest = bundle
    lock = _lock(bundle_dir)
    with open(os.path.join(build_bundle.PYODIDE_DIR, "pyodide-lock.json"), encoding="utf-8") as f:
        stock = json.load(f)
    assert lock["info"] == stock["info"]
    # Pyodide's own entries are kept as they are
    assert {k: v for k, v in lock["packages"].items() if k not in LOCKED} == \
        {k: v for k, v in stock["packages"].items() if k not in LOCKED}
    side = build_wheel.pyodide_versions()
    for name in LOCKED:
        e = lock["packages"][name]
        assert e["name"] == name and e["install_dir"] == "site" and e["package_type"] == "package"
        assert e["imports"] == [name] and e["depends"] == [], e
        fn = e["file_name"]
        assert "://" not in fn and not fn.startswith("/"), f"not relocatable: {fn}"
        wheel = os.path.normpath(os.path.join(bundle_dir, "pyodide", fn))
        assert wheel.startswith(bundle_dir + os.sep) and os.path.isfile(wheel), fn
        with open(wheel, "rb") as f:
            assert e["sha256"] == hashlib.sha256(f.read()).hexdigest()
        assert manifest["lock"]["packages"][name]["sha256"] == e["sha256"]
        if name in side:
            assert e["version"] == side[name]
    assert lock["packages"]["rustorch"]["version"] == manifest["rustorch"]
    assert manifest["lock"]["url"] == "pyodide/pyodide-lock.json"


def _fake_wheel(path, requires):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("demo/__init__.py", "")
        z.writestr("demo_helper.py", "")
        z.writestr("demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: Demo_Pkg\nVersion: 1.0\n"
                   + "".join(f"Requires-Dist: {r}\n" for r in requires))


def test_lock_entry_depends_follow_pyodide_markers(tmp_path):
    stock = os.path.join(build_bundle.PYODIDE_DIR, "pyodide-lock.json")
    if not os.path.exists(stock):
        pytest.skip("wasm/node_modules/pyodide is missing (run `npm ci` in wasm/)")
    with open(stock, encoding="utf-8") as f:
        lock = json.load(f)
    wheel = tmp_path / "demo_pkg-1.0-py3-none-any.whl"
    # numpy only off emscripten (rustorch's own rule), pyyaml always, pytest only as an extra
    _fake_wheel(wheel, ["numpy>=2.1; sys_platform != 'emscripten'", "PyYAML>=6",
                        "pytest; extra == 'test'", "regex; python_version < '3.0'"])
    e = build_bundle.lock_entry(str(wheel), lock)
    assert e["name"] == "Demo_Pkg" and e["version"] == "1.0"      # the key is demo-pkg
    assert e["depends"] == ["pyyaml"], e
    assert e["imports"] == ["demo", "demo_helper"]
    assert e["file_name"] == "../wheels/demo_pkg-1.0-py3-none-any.whl"
    # a dependency Pyodide cannot provide is a build error, not a broken bundle
    _fake_wheel(wheel, ["not-a-pyodide-package>=1"])
    with pytest.raises(build_bundle.BundleError, match="not-a-pyodide-package"):
        build_bundle.lock_entry(str(wheel), lock)


def test_load_package_rustorch_offline(bundle, tmp_path):
    res = _run_node(bundle[0], "loadPackage", tmp_path)
    _check_rustorch_works(res)
    assert res["loaded"] == {"rustorch": "default channel"}, res["loaded"]   # from the lock


def test_micropip_install_rustorch_offline(bundle, tmp_path):
    res = _run_node(bundle[0], "micropip", tmp_path)
    _check_rustorch_works(res)
    assert res["loaded"] == {"micropip": "default channel", "rustorch": "default channel"}, res["loaded"]
    assert res["source"] == "pyodide", res     # micropip took it from the lock file
