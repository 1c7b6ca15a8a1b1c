"""Replay the golden conformance file in this CPython with NumPy blocked.

    python tests/no_numpy_replay.py GOLDEN.json [--cpu-every 5] [--json OUT] [-k NAME] [-v]

A meta-path finder makes ``import numpy`` raise ModuleNotFoundError (as on a
Pyodide without numpy) before anything else is imported.  Then:

1. every ``rustorch`` module except ``rustorch.backends.numpy_backend`` is
   imported: none may need NumPy;
2. ``rt.backends.available()`` must list 'cpu' and 'python', and 'cpu' must be
   served by the pure-Python backend (reporting device 'cpu'); ``from_numpy``
   and ``Tensor.numpy()`` must say that NumPy is missing;
3. every golden case is replayed on 'python', and every ``--cpu-every``-th on
   'cpu' (the same backend class: a sample checks the routing).

Prints the counts, the first failures, and a last line ``NO-NUMPY-SUMMARY
{json}``; exits 0 only when every check held and every case passed (or was
excluded in ``golden.EXCLUDED["no-numpy"]``).  tests/test_no_numpy.py runs it.
"""
import sys


class _BlockNumpy:
    """Meta-path finder: ``import numpy`` (and submodules) fails as if absent."""

    def find_spec(self, name, path=None, target=None):
        if name == "numpy" or name.startswith("numpy."):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked: testing without NumPy)",
                                      name=name)
        return None


sys.meta_path.insert(0, _BlockNumpy())
for _m in [m for m in sys.modules if m == "numpy" or m.startswith("numpy.")]:
    del sys.modules[_m]

import argparse  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import pkgutil  # noqa: E402
import time  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

SKIP_MODULES = {"rustorch.backends.numpy_backend",   # the one module that needs NumPy
                "rustorch.__main__"}                 # importing it runs the command line


def import_all(rt):
    """Import every rustorch module; returns (needs_numpy, other_failures)."""
    needs, other = [], []
    for info in pkgutil.walk_packages(rt.__path__, "rustorch."):
        if info.name in SKIP_MODULES:
            continue
        try:
            importlib.import_module(info.name)
        except ModuleNotFoundError as e:
            (needs if (e.name or "").split(".")[0] == "numpy" else other).append(
                f"{info.name}: {type(e).__name__}: {e}")
        except Exception as e:
            other.append(f"{info.name}: {type(e).__name__}: {e}")
    return needs, other


def check_errors(rt):
    """NumPy-only entry points fail clearly; default tensors live on 'cpu'."""
    out = []
    try:
        rt.from_numpy([1.0])
        out.append("from_numpy([1.0]) did not raise")
    except Exception as e:
        if "NumPy is not installed" not in str(e) or not isinstance(e, TypeError):
            out.append(f"from_numpy without NumPy: unclear error {type(e).__name__}: {e}")
    try:
        t = rt.tensor([1.0, 2.0])
        if str(t.device) != "cpu" or "device" in repr(t):
            out.append(f"a default tensor is on {t.device}: {t!r}")
        t.numpy()
        out.append("Tensor.numpy() did not raise")
    except Exception as e:
        if "NumPy" not in str(e):
            out.append(f"Tensor.numpy() without NumPy: unclear error {type(e).__name__}: {e}")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("golden")
    ap.add_argument("--cpu-every", type=int, default=5, help="replay every N-th case on 'cpu'")
    ap.add_argument("--json", help="write the per-case results here")
    ap.add_argument("-k", dest="pattern", default="", help="only cases whose name contains this")
    ap.add_argument("--limit", type=int, default=20, help="failures to print per device")
    a = ap.parse_args(argv)

    t0 = time.perf_counter()
    import rustorch as rt
    import golden
    from conformance.registry import all_cases

    problems = []
    needs, other = import_all(rt)
    problems += [f"imports NumPy: {n}" for n in needs]
    for o in other:
        print(f"note: module failed to import (not for NumPy): {o}")
    avail = rt.backends.available()
    cpu = rt.backends.get("cpu") if "cpu" in avail else None
    env = {"available": avail,
           "cpu_backend": type(cpu).__name__ if cpu is not None else None,
           "cpu_device": str(cpu.device) if cpu is not None else None,
           "why_python": rt.backends.why_unavailable("python"),
           "why_cpu": rt.backends.why_unavailable("cpu")}
    print(f"without NumPy: backends available {avail}; cpu is {env['cpu_backend']}")
    for d in ("cpu", "python"):
        if d not in avail:
            problems.append(f"device '{d}' unavailable: {rt.backends.why_unavailable(d)}")
    if cpu is not None:
        if not any(c.__name__ == "PythonBackend" for c in type(cpu).__mro__):
            problems.append(f"device 'cpu' is served by {type(cpu).__name__}, not the pure-Python backend")
        if str(cpu.device) != "cpu" or cpu.name != "cpu":
            problems.append(f"the cpu backend reports device {cpu.device} / name {cpu.name!r}")

    problems += check_errors(rt)

    cases = [c for c in all_cases() if a.pattern in c.name]
    doc = golden.load(a.golden)
    excl = golden.EXCLUDED["no-numpy"]
    out = {"env": env, "replay": {}}
    details = {}
    plan = [("python", cases)]
    if "cpu" in avail:
        plan.append(("cpu", cases[::max(1, a.cpu_every)]))
    for dev, sel in plan:
        if dev not in avail:
            continue
        t1 = time.perf_counter()
        res = golden.replay(sel, None, rt, dev, exclude=excl, golden=doc)
        out["replay"][dev] = dict(golden.counts(res), seconds=round(time.perf_counter() - t1, 2))
        details[dev] = [r for r in res if r["status"] != "pass"]
        print(golden.summary(res, f"no-numpy replay on '{dev}'"))
        if not golden.ok(res):
            print(golden.failures(res, a.limit))
            problems.append(f"golden replay on '{dev}': {golden.summary(res)}")
    if any(m == "numpy" or m.startswith("numpy.") for m in sys.modules):
        problems.append("numpy ended up in sys.modules")
    out["problems"] = problems
    out["ok"] = not problems
    out["seconds"] = round(time.perf_counter() - t0, 2)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"summary": out, "details": details}, f, indent=1)
    for p in problems:
        print(f"FAIL: {p}")
    print("NO-NUMPY-SUMMARY " + json.dumps(out))
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
