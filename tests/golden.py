"""Golden files: torch's answers to the conformance cases, carried to places
torch can't go (a NumPy-free CPython, Pyodide, the browser).

    generate(cases, path)            # natively, with torch: one JSON file
    replay(cases, path, m, device)   # anywhere rustorch runs: per-case results

``generate`` runs every case with torch (``run_case(case, torch)``) and writes
one JSON file; ``replay`` runs the same cases with rustorch on ``device`` and
compares with ``compare_records``.  This module needs only the standard
library and ``conformance.harness`` (torch only to generate), so it also runs
in Pyodide.  Command line (``tests/`` must be the script's directory):

    python tests/golden.py generate build/golden/conformance.json
    python tests/golden.py replay build/golden/conformance.json --device python [-v]

File format (plain, strict JSON -- no NaN/Infinity literals, so
``JSON.parse`` reads it too)::

    {
      "format": "rustorch-golden/1",
      "torch": "2.13.0+cpu",              # the oracle's version
      "count": 1468,
      "cases": {                          # sorted by name
        "<case name>": {
          "fingerprint": "<crc32 hex>",   # of the case's input specs, grad flag
          "record": {"outputs": [...], "grads": [...] | null}
        }                                 # or, where torch itself raised:
        "<case name>": {"fingerprint": "...", "error": "TypeError: ..."}
      }
    }

``record`` is ``run_case``'s plain data: each output/gradient is a triple
``[dtype, shape, values]`` (tuples become lists; ``compare_records`` reads
both).  Values are JSON numbers, booleans, strings, null and lists, except

    NaN, +inf, -inf        ->  {"$f": "nan"}, {"$f": "inf"}, {"$f": "-inf"}
    complex(re, im)        ->  {"$c": [re, im]}   (re/im encoded as above)

Finite floats are written with ``repr`` (shortest round-trip), so float64
values come back bit-exact; -0.0 stays -0.0.  Ints are exact at any size.
The fingerprint lets ``replay`` notice a golden file older than a case
definition (status ``stale``) instead of reporting a bogus failure.
"""
import json
import math
import os
import sys
import time
import traceback
import warnings
import zlib

try:
    from conformance.harness import Spec, run_case, compare_records
except ImportError:  # run as a script from elsewhere: tests/ holds conformance/
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from conformance.harness import Spec, run_case, compare_records

FORMAT = "rustorch-golden/1"

# Cases that cannot run in a given environment, by name, with the reason.
# The one place such exclusions live; replay(..., exclude=EXCLUDED[env]).
EXCLUDED = {
    "pyodide": {},
    "no-numpy": {},
}


# ---------------------------------------------------------------- encoding
def _enc(v):
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return {"$f": "nan"}
        if math.isinf(v):
            return {"$f": "inf" if v > 0 else "-inf"}
        return v
    if isinstance(v, complex):
        return {"$c": [_enc(v.real), _enc(v.imag)]}
    if isinstance(v, (list, tuple)):
        return [_enc(x) for x in v]
    if isinstance(v, dict):
        bad = [k for k in v if not isinstance(k, str) or k.startswith("$")]
        if bad:
            raise TypeError(f"golden: cannot encode dict key {bad[0]!r}")
        return {k: _enc(x) for k, x in v.items()}
    raise TypeError(f"golden: cannot encode a value of type {type(v).__name__}: {v!r}")


_SPECIAL = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _dec_float(x):
    return _SPECIAL[x["$f"]] if isinstance(x, dict) else float(x)


def _hook(d):
    if len(d) == 1:
        if "$f" in d:
            return _SPECIAL[d["$f"]]
        if "$c" in d:
            re, im = d["$c"]
            return complex(_dec_float(re), _dec_float(im))
    return d


def encode(obj):
    """``obj`` as strict-JSON-ready data (see the module docstring)."""
    return _enc(obj)


def dumps(obj):
    return json.dumps(_enc(obj), allow_nan=False, separators=(",", ":"), sort_keys=True)


def loads(text):
    return json.loads(text, object_hook=_hook)


# ---------------------------------------------------------------- cases
def _spec_key(s):
    if isinstance(s, Spec):
        return ["T", list(s.shape), s.dtype, s.grad, s.low, s.high, s.layout, s.values, s.distinct]
    if s is None or isinstance(s, (bool, int, float, complex, str)):
        return ["v", s]
    if isinstance(s, (list, tuple)):
        return ["l", [_spec_key(x) for x in s]]
    return ["o", type(s).__name__]


def fingerprint(case):
    """A short, stable hash of what a case feeds its function (not the
    function itself: bytecode differs between Python versions)."""
    key = [case.name, bool(case.grad), [_spec_key(s) for s in case.inputs]]
    return format(zlib.crc32(dumps(key).encode()), "08x")


def _exc_message(e, limit=300):
    msg = f"{type(e).__name__}: {e}"
    if len(msg) > limit:
        msg = msg[:limit] + "..."
    tb = traceback.extract_tb(e.__traceback__)
    if tb:
        f = tb[-1]
        where = "/".join(f.filename.replace("\\", "/").split("/")[-2:])
        msg += f" [at {where}:{f.lineno} in {f.name}]"
    return msg


# ---------------------------------------------------------------- generate
def _generate_one(case, torch, entries):
    if case.name in entries:
        raise ValueError(f"golden: duplicate case name {case.name!r}")
    entry = {"fingerprint": fingerprint(case)}
    try:
        rec = run_case(case, torch)
    except Exception as e:  # torch itself refused: recorded, reported on replay
        entry["error"] = _exc_message(e)
    else:
        try:
            entry["record"] = _enc(rec)
        except TypeError as e:
            raise TypeError(f"{e} (case {case.name})") from None
    entries[case.name] = entry


def generate(cases, path, torch=None):
    """Run every case with torch and write the golden file at ``path``.
    Returns a summary dict (count, torch errors, seconds)."""
    t0 = time.perf_counter()
    if torch is None:
        import torch
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float32)
    entries = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation notes on purposefully odd calls
        for case in cases:
            _generate_one(case, torch, entries)
    errors = sum("error" in e for e in entries.values())
    doc = {"format": FORMAT, "torch": str(torch.__version__), "count": len(entries),
           "cases": entries}
    text = json.dumps(doc, allow_nan=False, separators=(",", ":"), sort_keys=True)
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.write("\n")
    os.replace(tmp, path)
    return {"count": len(entries), "torch_errors": errors, "bytes": len(text),
            "seconds": time.perf_counter() - t0}


def load(path):
    with open(path, encoding="utf-8") as f:
        doc = loads(f.read())
    if doc.get("format") != FORMAT:
        raise ValueError(f"golden: {path} has format {doc.get('format')!r}, expected {FORMAT!r}")
    return doc


# ---------------------------------------------------------------- replay
def _skip_reason(case, m, device):
    if device in case.skip:
        return case.skip[device]
    try:   # a dtype the device declares it cannot hold (webgpu: float64, complex)
        caps = m.backends.get(device).caps.dtypes
        bad = sorted({s.dtype for s in case.inputs if isinstance(getattr(s, "dtype", None), str)
                      and getattr(m, s.dtype) not in caps})
        if bad:
            return f"device '{device}' does not hold {', '.join(bad)} (backend capabilities)"
    except Exception:
        pass
    # 'cpu' served by the pure-Python backend (no NumPy) honours 'python' skips
    try:
        b = m.backends.get(device)
    except Exception:
        return None
    if any(c.__name__ == "PythonBackend" for c in type(b).__mro__) and "python" in case.skip:
        return case.skip["python"]
    return None


def replay(cases, path, m, device, exclude=None, golden=None, progress=None):
    """Run each case with module ``m`` (rustorch) on ``device`` and compare
    with the golden answers at ``path`` (or an already loaded ``golden``).

    Returns a list of ``{"name", "status", "message", "seconds"}``, one per
    case, where status is ``pass``, ``fail`` (a value/dtype/shape/gradient
    differs), ``error`` (rustorch raised), ``skip`` (the case's own skip for
    this backend, or ``exclude`` -- a {name: reason} dict), ``missing`` (the
    case is not in the file), ``stale`` (the case changed since the file was
    written) or ``torch-error`` (torch raised when generating)."""
    doc = golden if golden is not None else load(path)
    table = doc["cases"]
    exclude = exclude or {}
    results = []
    for i, case in enumerate(cases):
        t0 = time.perf_counter()
        status, msg = "pass", ""
        entry = table.get(case.name)
        if case.name in exclude:
            status, msg = "skip", exclude[case.name]
        elif entry is None:
            status, msg = "missing", "not in the golden file (regenerate it)"
        elif entry["fingerprint"] != fingerprint(case):
            status, msg = "stale", "the case changed since the golden file was written (regenerate it)"
        elif "error" in entry:
            status, msg = "torch-error", "torch raised: " + entry["error"]
        else:
            reason = _skip_reason(case, m, device)
            if reason is not None:
                status, msg = "skip", reason
            else:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")  # rustorch mirrors torch's warnings
                        got = run_case(case, m, device=device)
                except Exception as e:
                    status, msg = "error", _exc_message(e)
                    if (type(e).__name__ == "UnsupportedError" and str(e).startswith("dtype ")
                            and f"is not supported on device '{device}'" in str(e)):
                        status = "skip"   # the device's clear refusal of a dtype
                else:
                    try:
                        compare_records(got, entry["record"], case)
                    except AssertionError as e:
                        status, msg = "fail", str(e)
                    except Exception as e:
                        status, msg = "error", "comparing: " + _exc_message(e)
        results.append({"name": case.name, "status": status, "message": msg,
                        "seconds": time.perf_counter() - t0})
        if progress is not None:
            progress(i, results[-1])
    return results


STATUSES = ("pass", "fail", "error", "skip", "missing", "stale", "torch-error")


def counts(results):
    c = {s: 0 for s in STATUSES}
    for r in results:
        c[r["status"]] = c.get(r["status"], 0) + 1
    return c


def ok(results):
    """True when nothing failed (skips allowed)."""
    return all(r["status"] in ("pass", "skip") for r in results)


def summary(results, label=""):
    c = counts(results)
    parts = [f"{c[s]} {s}" for s in STATUSES if c.get(s)]
    secs = sum(r["seconds"] for r in results)
    head = f"{label}: " if label else ""
    return f"{head}{len(results)} cases: {', '.join(parts) or 'none'} ({secs:.1f}s)"


def failures(results, limit=20):
    """Text listing the first ``limit`` non-passing, non-skipped cases."""
    bad = [r for r in results if r["status"] not in ("pass", "skip")]
    lines = [f"  {r['status']:>11}  {r['name']}: {r['message']}" for r in bad[:limit]]
    if len(bad) > limit:
        lines.append(f"  ... and {len(bad) - limit} more")
    return "\n".join(lines)


# ---------------------------------------------------------------- command line
def _main(argv):
    import argparse
    p = argparse.ArgumentParser(prog="golden.py", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="run the cases with torch, write the golden file")
    g.add_argument("path")
    r = sub.add_parser("replay", help="replay the golden file with rustorch")
    r.add_argument("path")
    r.add_argument("--device", default="cpu")
    r.add_argument("--env", choices=sorted(EXCLUDED), help="apply this environment's exclusions")
    r.add_argument("-k", dest="pattern", help="only cases whose name contains this")
    r.add_argument("-v", action="store_true", help="list every failing case")
    a = p.parse_args(argv)
    from conformance.registry import all_cases
    cases = all_cases()
    if a.cmd == "generate":
        s = generate(cases, a.path)
        print(f"golden: {s['count']} cases ({s['torch_errors']} torch errors), "
              f"{s['bytes'] / 1e6:.1f} MB in {s['seconds']:.1f}s -> {a.path}")
        return 0
    import rustorch
    if a.pattern:
        cases = [c for c in cases if a.pattern in c.name]
    res = replay(cases, a.path, rustorch, a.device, exclude=EXCLUDED.get(a.env))
    print(summary(res, f"replay on '{a.device}'"))
    if not ok(res):
        print(failures(res, limit=10 ** 9 if a.v else 20))
    return 0 if ok(res) else 1


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
