"""Build rustorch's self-contained static browser bundle.

    python wasm/build_bundle.py [--out build/web] [--wheel path/to/rustorch.whl]

The bundle is one directory that any static host can serve (``rustorch serve``,
``python -m http.server``, GitHub Pages, a CDN bucket); the page loads nothing
from any other origin:

    index.html, device.html, worker.html   the pages (from web/)
    rustorch-loader.js, worker.js ...      the JS bridge (from web/)
    pyodide/                               the Pyodide runtime, copied from the pinned
                                           npm package (wasm/node_modules/pyodide)
    wheels/                                rustorch's pure-Python wheel (WGSL shaders
                                           inside) and the micropip + packaging wheels
    bundle.json                            the manifest the loader reads: versions and
                                           the wheels' relative URLs and sha256 hashes

Needs ``npm ci`` in wasm/ (the Pyodide runtime) and the micropip/packaging wheels
in build/wasm/pypi (``python wasm/build_wheel.py --fetch``, which this script runs
when they are missing -- the one step that needs the network).  ``bash .ci/setup``
does both.  The rustorch wheel is built (build_wheel.build_wheel) from a snapshot
of the working tree in a temp dir, so concurrent builds in the checkout do not
collide.  The output directory is replaced, so stale files never linger.
"""
import argparse
import glob
import hashlib
import json
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import build_wheel  # noqa: E402

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
        # the pages and the JS bridge
        for f in sorted(os.listdir(WEB)):
            src = os.path.join(WEB, f)
            if os.path.isfile(src) and f.endswith(WEB_SUFFIXES):
                shutil.copy2(src, os.path.join(tmp, f))
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
