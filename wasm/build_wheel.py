"""Build rustorch's pure-Python wheel (the one Pyodide installs) and, with
``--fetch``, download the Pyodide-side wheels micropip needs.

    python wasm/build_wheel.py [--outdir build/wasm/dist]     # -> prints the wheel's path
    python wasm/build_wheel.py --fetch                       # micropip + packaging into build/wasm/pypi

The wheel is built with ``python -m build --wheel`` from the working tree,
without build isolation when setuptools is installed (so no network is needed
at test time), else with ``pip wheel --no-deps``.  Stale ``build/lib`` is
removed first: setuptools would otherwise ship modules deleted since.

``--fetch`` reads the micropip and packaging versions from the installed npm
``pyodide`` package's lock file (wasm/node_modules/pyodide/pyodide-lock.json)
and runs ``pip download ... --python-version 3.14 --only-binary=:all:
--no-deps``; the runner loads them from disk, so Pyodide never touches the
network.  Existing files are kept (offline re-runs are no-ops).
"""
import argparse
import glob
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WASM = os.path.join(ROOT, "wasm")
DIST = os.path.join(ROOT, "build", "wasm", "dist")
PYPI = os.path.join(ROOT, "build", "wasm", "pypi")
LOCK = os.path.join(WASM, "node_modules", "pyodide", "pyodide-lock.json")
PYODIDE_SIDE = ("micropip", "packaging")


def _have(mod):
    return importlib.util.find_spec(mod) is not None


def build_wheel(outdir=DIST, quiet=True):
    """Build the wheel into ``outdir`` (emptied of older rustorch wheels);
    returns its path."""
    os.makedirs(outdir, exist_ok=True)
    for old in glob.glob(os.path.join(outdir, "rustorch-*.whl")):
        os.remove(old)
    for stale in [os.path.join(ROOT, "build", "lib"), *glob.glob(os.path.join(ROOT, "build", "bdist.*"))]:
        shutil.rmtree(stale, ignore_errors=True)
    no_isolation = _have("setuptools")
    if _have("build"):
        cmd = [sys.executable, "-m", "build", "--wheel", "--outdir", outdir, ROOT]
        if no_isolation:
            cmd.insert(4, "--no-isolation")
    else:
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", outdir, ROOT]
        if no_isolation:
            cmd.insert(5, "--no-build-isolation")
    r = subprocess.run(cmd, cwd=ROOT, capture_output=quiet, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"building the wheel failed ({' '.join(cmd)}):\n"
                           f"{(r.stdout or '')[-3000:]}\n{(r.stderr or '')[-3000:]}")
    wheels = glob.glob(os.path.join(outdir, "rustorch-*-py3-none-any.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one pure-Python rustorch wheel in {outdir}, found {wheels}")
    return wheels[0]


def pyodide_versions(lock=LOCK):
    """{package: version} for the Pyodide-side wheels, from the lock file."""
    with open(lock, encoding="utf-8") as f:
        pk = json.load(f)["packages"]
    return {name: pk[name]["version"] for name in PYODIDE_SIDE if name in pk}


def fetch_wheels(dest=PYPI, lock=LOCK):
    """Download micropip and packaging (the versions Pyodide's lock pins)."""
    os.makedirs(dest, exist_ok=True)
    versions = pyodide_versions(lock)
    missing = {n: v for n, v in versions.items()
               if not glob.glob(os.path.join(dest, f"{n}-{v}-*.whl"))}
    if missing:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--python-version", "3.14", "-d", dest] + [f"{n}=={v}" for n, v in missing.items()]
        subprocess.run(cmd, check=True)
    return sorted(glob.glob(os.path.join(dest, "*.whl")))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--outdir", default=DIST)
    ap.add_argument("--fetch", action="store_true",
                    help="download micropip/packaging for Pyodide instead of building")
    ap.add_argument("--dest", default=PYPI, help="where --fetch puts the wheels")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    if a.fetch:
        if not os.path.exists(LOCK):
            print(f"no {LOCK}: run `npm ci` in wasm/ first", file=sys.stderr)
            return 1
        for w in fetch_wheels(a.dest):
            print(w)
        return 0
    path = build_wheel(a.outdir)
    print(path)
    print(f"built in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
