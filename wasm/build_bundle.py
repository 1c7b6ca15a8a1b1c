"""Build rustorch's self-contained static browser bundle.

    python wasm/build_bundle.py [--out build/web] [--wheel path/to/rustorch.whl]

The bundle is one directory that any static host can serve (``rustorch serve``,
``python -m http.server``, GitHub Pages, a CDN bucket); the page loads nothing
from any other origin:

    index.html, device.html, worker.html   the pages (from web/)
    rustorch-loader.js, worker.js ...      the JS bridge (from web/)
    pyodide/                               the Pyodide runtime, copied from the pinned
                                           npm package (wasm/node_modules/pyodide)
    pyodide/pyodide-lock.json              Pyodide's lock file plus entries for the three
                                           wheels below (file_name ../wheels/..., sha256)
    wheels/                                rustorch's pure-Python wheel (WGSL shaders
                                           inside) and the micropip + packaging wheels
    bundle.json                            the manifest the loader reads: versions, the
                                           wheels' relative URLs and the lock's entries

Because the lock lists rustorch, a plain ``loadPyodide({indexURL: "pyodide/"})``
from the bundle installs it with ``await pyodide.loadPackage("rustorch")`` (a
browser checks the download against the sha256) or ``await
micropip.install("rustorch")`` (micropip looks in the lock first), offline;
web/rustorch-loader.js does the former.  The entries are relative to pyodide/,
so the bundle can be moved or served from any path.

Needs ``npm ci`` in wasm/ (the Pyodide runtime) and the micropip/packaging wheels
in build/wasm/pypi (``python wasm/build_wheel.py --fetch``, which this script runs
when they are missing -- the one step that needs the network).  ``bash .ci/setup``
does both.  The rustorch wheel is built (build_wheel.build_wheel) from a snapshot
of the working tree in a temp dir, so concurrent builds in the checkout do not
collide.  The output directory is replaced, so stale files never linger.
"""
import argparse
import email.parser
import glob
import hashlib
import json
import os
import re
import shutil
import sys
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import build_wheel  # noqa: E402
import js_vendor  # noqa: E402

ROOT = build_wheel.ROOT
WEB = os.path.join(ROOT, "web")
PYODIDE_DIR = os.path.join(HERE, "node_modules", "pyodide")
DEFAULT_OUT = os.path.join(ROOT, "build", "web")
# the runtime files a page needs (the *.asm.js name is Pyodide < 0.28's, *.asm.mjs newer)
PYODIDE_FILES = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.mjs",
                 "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json",
                 "package.json", "pyodide.d.ts", "ffi.d.ts")
PYODIDE_REQUIRED = ("pyodide.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
WEB_SUFFIXES = (".html", ".js", ".mjs", ".d.ts", ".css", ".py", ".json", ".svg", ".ico")


class BundleError(RuntimeError):
    pass


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def missing():
    """Why a bundle cannot be built here (a sentence), or None."""
    for f in PYODIDE_REQUIRED:
        if not os.path.exists(os.path.join(PYODIDE_DIR, f)):
            return f"{os.path.join(PYODIDE_DIR, f)} is missing (run `npm ci` in wasm/, or `bash .ci/setup`)"
    if not os.path.isdir(WEB) or not os.path.exists(os.path.join(WEB, "rustorch-loader.js")):
        return f"{WEB}/rustorch-loader.js is missing"
    return None


def _side_wheels(pypi, fetch):
    """{name: path} of the micropip and packaging wheels the lock file pins."""
    versions = build_wheel.pyodide_versions(os.path.join(PYODIDE_DIR, "pyodide-lock.json"))
    found = {}
    for name, ver in versions.items():
        hits = glob.glob(os.path.join(pypi, f"{name}-{ver}-*.whl"))
        if hits:
            found[name] = hits[0]
    if len(found) < len(versions) and fetch:
        build_wheel.fetch_wheels(pypi, os.path.join(PYODIDE_DIR, "pyodide-lock.json"))
        return _side_wheels(pypi, fetch=False)
    if "micropip" not in found:
        raise BundleError(f"no micropip {versions.get('micropip')} wheel in {pypi} "
                          "(run `python wasm/build_wheel.py --fetch`)")
    return found


# ---- the bundle's lock file: Pyodide's, plus micropip, packaging and rustorch
#
# The entries point at the bundle's wheels/ folder relative to pyodide/ (the
# lock's base URL), so the bundle stays relocatable; Pyodide resolves them with
# new URL(file_name, indexURL) in a browser and path.resolve under Node, and a
# browser checks each download against its sha256 (fetch's `integrity`).
LOCK_NAME = "pyodide-lock.json"
LOCKED_WHEELS_DIR = "../wheels/"     # the wheels folder, seen from pyodide/


def _canonical(name):
    """PEP 503 name, the form the lock's keys use."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyodide_markers(lock_info):
    """PEP 508 environment of the Pyodide the lock describes (its `info`)."""
    py = lock_info.get("python", "3")
    return {"sys_platform": "emscripten", "platform_system": "Emscripten",
            "os_name": "posix", "platform_machine": lock_info.get("arch", "wasm32"),
            "implementation_name": "cpython", "platform_python_implementation": "CPython",
            "python_version": ".".join(py.split(".")[:2]), "python_full_version": py,
            "implementation_version": py, "extra": ""}


def _requirement_class():
    try:
        from packaging.requirements import Requirement
    except ImportError:  # pip vendors it
        from pip._vendor.packaging.requirements import Requirement
    return Requirement


def _wheel_metadata(z):
    names = [n for n in z.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
    if len(names) != 1:
        raise BundleError(f"{z.filename}: expected one *.dist-info/METADATA, found {names}")
    return email.parser.Parser().parsestr(z.read(names[0]).decode("utf-8"))


def _wheel_imports(z):
    """The wheel's top-level import names (top_level.txt, else its top folders/modules)."""
    top = [n for n in z.namelist() if re.fullmatch(r"[^/]+\.dist-info/top_level\.txt", n)]
    if top:
        return sorted({ln.strip() for ln in z.read(top[0]).decode().splitlines() if ln.strip()})
    found = set()
    for n in z.namelist():
        head = n.split("/")[0]
        if head.endswith((".dist-info", ".data")):
            continue
        if "/" in n or head.endswith(".py"):
            found.add(head[:-3] if head.endswith(".py") and "/" not in n else head)
    return sorted(found)


def lock_entry(wheel, lock):
    """The lock-file entry of a pure-Python wheel.  ``depends`` holds the
    requirements whose markers hold in Pyodide (rustorch's numpy is
    ``sys_platform != 'emscripten'``, so none); each must be in the lock."""
    requirement = _requirement_class()
    env = _pyodide_markers(lock.get("info", {}))
    with zipfile.ZipFile(wheel) as z:
        meta = _wheel_metadata(z)
        imports = _wheel_imports(z)
    depends = []
    for spec in meta.get_all("Requires-Dist") or []:
        req = requirement(spec)
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        name = _canonical(req.name)
        if name not in lock["packages"]:
            raise BundleError(f"{os.path.basename(wheel)} needs {spec!r} in Pyodide, "
                              f"which Pyodide's lock file does not list")
        depends.append(name)
    return {"name": meta["Name"], "version": meta["Version"],
            "file_name": LOCKED_WHEELS_DIR + os.path.basename(wheel),
            "install_dir": "site", "sha256": _sha256(wheel), "package_type": "package",
            "imports": imports, "depends": sorted(set(depends)),
            "unvendored_tests": False, "tool": {}}


def write_lock(stock_lock, wheels, dest):
    """Write ``dest``: Pyodide's lock file with an entry for each of ``wheels``
    (replacing its micropip and packaging entries, which name wheels the npm
    package does not ship).  Returns {name: entry} of the added entries."""
    with open(stock_lock, encoding="utf-8") as f:
        lock = json.load(f)
    added = {}
    for path in wheels:
        entry = lock_entry(path, lock)
        added[_canonical(entry["name"])] = entry     # keys are PEP 503 names, like Pyodide's
    lock["packages"].update(added)
    with open(dest, "w", encoding="utf-8") as f:
        json.dump(lock, f, separators=(",", ":"))
    return added


SOURCE_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE")
SOURCE_DIRS = ("rustorch", "shaders")


def build_wheel_isolated(outdir, quiet=True):
    """build_wheel.build_wheel run on a snapshot of the source (pyproject,
    setup.py, rustorch/, shaders/) in a temp dir, so that a concurrent build in
    the checkout (which shares build/lib) cannot corrupt this one, and this one
    leaves the checkout untouched."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="rustorch-src-") as src:
        for f in SOURCE_FILES:
            if os.path.exists(os.path.join(ROOT, f)):
                shutil.copy2(os.path.join(ROOT, f), src)
        for d in SOURCE_DIRS:
            shutil.copytree(os.path.join(ROOT, d), os.path.join(src, d),
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        saved = build_wheel.ROOT
        build_wheel.ROOT = src       # build_wheel() reads its ROOT at call time
        try:
            return build_wheel.build_wheel(outdir, quiet=quiet)
        finally:
            build_wheel.ROOT = saved


def _digits_csv():
    """scikit-learn's digits.csv.gz (found without importing sklearn), or None."""
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    from rustorch.vision.datasets.digits import sklearn_digits_path
    return sklearn_digits_path()


def build_bundle(out=DEFAULT_OUT, wheel=None, pypi=build_wheel.PYPI, fetch=True, quiet=True):
    """Build the bundle into ``out`` (replaced); returns the manifest dict."""
    why = missing()
    if why:
        raise BundleError(why)
    out = os.path.abspath(out)
    side = _side_wheels(pypi, fetch)
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(tmp, "pyodide"))
    os.makedirs(os.path.join(tmp, "wheels"))
    try:
        # the rustorch wheel: built from the working tree unless one is given
        if wheel is None:
            wheel = build_wheel_isolated(os.path.join(tmp, "wheels"), quiet=quiet)
        else:
            wheel = shutil.copy2(wheel, os.path.join(tmp, "wheels"))
        wheels = {"rustorch": wheel}
        for name, path in side.items():
            wheels[name] = shutil.copy2(path, os.path.join(tmp, "wheels"))
        # the Pyodide runtime
        for f in PYODIDE_FILES:
            src = os.path.join(PYODIDE_DIR, f)
            if os.path.exists(src):
                shutil.copy2(src, os.path.join(tmp, "pyodide", f))
        # its lock file, extended in place: loadPackage("rustorch") and
        # micropip.install("rustorch") then install from wheels/, offline
        locked = write_lock(os.path.join(PYODIDE_DIR, LOCK_NAME),
                            [wheels[n] for n in ("packaging", "micropip", "rustorch") if n in wheels],
                            os.path.join(tmp, "pyodide", LOCK_NAME))
        # the pages and the JS bridge
        for f in sorted(os.listdir(WEB)):
            src = os.path.join(WEB, f)
            if os.path.isfile(src) and f.endswith(WEB_SUFFIXES):
                shutil.copy2(src, os.path.join(tmp, f))
        js_vendor.copy_vendor(tmp)   # TF.js for bench.html; skipped when npm lacks it
        # the training page's data set: scikit-learn's copy of Digits, where installed
        digits = _digits_csv()
        if digits:
            os.makedirs(os.path.join(tmp, "data"))
            shutil.copy2(digits, os.path.join(tmp, "data", "digits.csv.gz"))
        with open(os.path.join(PYODIDE_DIR, "package.json"), encoding="utf-8") as fh:
            pyodide_version = json.load(fh)["version"]
        rustorch_version = os.path.basename(wheels["rustorch"]).split("-")[1]
        manifest = {
            "rustorch": rustorch_version,
            "pyodide": pyodide_version,
            "indexURL": "pyodide/",
            # install order: packaging, micropip, then rustorch with micropip
            "wheels": {name: {"url": "wheels/" + os.path.basename(path),
                              "sha256": _sha256(path)}
                       for name, path in (("packaging", wheels.get("packaging")),
                                          ("micropip", wheels["micropip"]),
                                          ("rustorch", wheels["rustorch"])) if path},
            # the lock file (relative to the bundle) and what the bundle added to it
            "lock": {"url": "pyodide/" + LOCK_NAME,
                     "packages": {n: {k: e[k] for k in ("version", "file_name", "sha256")}
                                  for n, e in sorted(locked.items())}},
            "data": ["data/digits.csv.gz"] if digits else [],
            "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        with open(os.path.join(tmp, "bundle.json"), "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=1)
            fh.write("\n")
        shutil.rmtree(out, ignore_errors=True)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="the bundle directory (replaced)")
    ap.add_argument("--wheel", default=None, help="a prebuilt rustorch wheel (default: build one)")
    ap.add_argument("--pypi", default=build_wheel.PYPI, help="where the micropip/packaging wheels are")
    ap.add_argument("--no-fetch", action="store_true",
                    help="never download the micropip/packaging wheels (fail if missing)")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    try:
        m = build_bundle(a.out, wheel=a.wheel, pypi=a.pypi, fetch=not a.no_fetch)
    except (BundleError, RuntimeError) as e:
        print(f"build_bundle: {e}", file=sys.stderr)
        return 1
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(a.out) for f in fs)
    print(os.path.abspath(a.out))
    print(f"rustorch {m['rustorch']} + pyodide {m['pyodide']}: {size / 2**20:.1f} MiB "
          f"in {time.perf_counter() - t0:.1f}s; serve it with `rustorch serve --dir {a.out}` "
          f"or `python -m http.server -d {a.out}`", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
