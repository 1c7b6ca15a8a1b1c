"""rustorch (Pyodide + WebGPU) against TensorFlow.js's WebGPU backend, in one
browser page (web/bench.html), driven by headless Chromium.

    python benchmarks/bench_browser.py [--reps 10] [--warmup 2] [--rounds 3] [--calls 200]
                                       [--only matmul,conv,mlp,add_tiny,add_tiny_gpu,roundtrip,roundtrip_op]
                                       [--bundle DIR] [--timeout 900] [--json FILE]

Builds the static bundle into a temp dir (wasm/build_bundle.py; ``--bundle DIR``
uses one already built), serves it (``rustorch serve``'s server, on a thread),
opens bench.html with those options in Chromium through Playwright and prints
the ms per call of each side and the ratio rustorch / TF.js, for
  * issue 9, rustorch from Python: matmul 512^3, a conv layer, an MLP training
    step (target: ratio <= 1 for the matmul and the MLP step);
  * issue 10, rustorch's JS API (web/rustorch.js, where the bundle has it): a
    tiny op's per-call overhead and 1M-element float32 round trips;
plus the WebGPU adapter (SwiftShader, i.e. the CPU, on a machine without a GPU)
and the page's checks (each side against a float64 reference, and against each
other).  What is timed is stated in web/bench.js: warm-up calls, then rounds
(the sides alternating) of ``reps`` calls back to back ended by one read; the
median round counts.

Needs what the e2e tests need (``bash .ci/setup``): the pip ``playwright``
package, a system Chromium, the npm packages in wasm/node_modules.  Exit status
1 when a page check failed or the page could not run.
"""
import argparse
import json
import os
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "wasm"))

import build_bundle  # noqa: E402
from e2e.conftest import CHROMIUM_ARGS, chromium_path, missing_browser  # noqa: E402


def _serve(bundle_dir):
    from rustorch.serve import make_server
    srv = make_server(bundle_dir, "127.0.0.1", 0, quiet=True)
    threading.Thread(target=srv.serve_forever, args=(0.05,), name="bench-server", daemon=True).start()
    return srv


def run_page(url, timeout_s, headed=False):
    """Open ``url`` (bench.html) and wait for it; returns (window.benchResults,
    body[data-ready], #error text, console lines)."""
    from playwright.sync_api import sync_playwright
    log = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=not headed,
                                     args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: log.append(f"console.{m.type}: {m.text}"))
            page.on("pageerror", lambda e: log.append(f"pageerror: {e}"))
            page.goto(url)
            last = None
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:   # poll, printing the page's progress
                ready = page.evaluate("document.body.dataset.ready")
                status = page.text_content("#status")
                if status != last:
                    print(f"  page: {status}", file=sys.stderr, flush=True)
                    last = status
                if ready != "0":
                    break
                page.wait_for_timeout(500)
            ready = page.evaluate("document.body.dataset.ready")
            results = page.evaluate("window.benchResults && JSON.parse(JSON.stringify(window.benchResults))")
            error = page.text_content("#error") or ""
            if ready == "0":
                error = f"the page did not finish in {timeout_s}s (status: {last!r})"
        finally:
            browser.close()
    return results, ready, error, log


def _adapter(info):
    if not info:
        return "-"
    if info.get("device") != "webgpu":
        return f"none: rustorch ran on the python device ({info.get('why_not_webgpu')})"
    a = info.get("adapter", {})
    return ", ".join(f"{k}={a[k]}" for k in ("vendor", "device", "description", "adapter_type",
                                             "backend_type") if a.get(k)) or "?"


SECTIONS = (("compute", "rustorch from Python (issue 9)"),
            ("bridge", "rustorch's JS API, rustorch.js (issue 10)"))


def _ms(v):
    return "-" if v is None else f"{v:.4g}"


def report(results):
    """The table printed at the end (a list of lines)."""
    rt_info, tf_info = results.get("rustorch") or {}, results.get("tfjs") or {}
    lines = [f"rustorch {rt_info.get('rustorch', '?')} on {rt_info.get('device', '?')}; "
             f"adapter: {_adapter(rt_info)}"]
    if tf_info.get("available"):
        lines.append(f"TF.js {tf_info.get('version')} on its {tf_info.get('backend')} backend "
                     "(same browser, same adapter)")
    else:
        lines.append(f"TF.js: unavailable: {tf_info.get('reason')}")
    bridge = results.get("bridge")
    if bridge and not bridge.get("available"):
        lines.append(f"rustorch.js section skipped: {bridge.get('reason')}")
    cfg = results.get("config", {})
    lines.append(f"ms per call, median of {cfg.get('rounds')} rounds (sides alternating) of "
                 f"{cfg.get('reps')} calls ({cfg.get('calls')} for the tiny op) ended by one read, "
                 f"after {cfg.get('warmup')} warm-up calls")
    rows = results.get("workloads", {})
    for section, title in SECTIONS:
        mine = [(name, row) for name, row in rows.items() if row.get("section") == section]
        if not mine:
            continue
        lines += ["", title, f"{'workload':<86} {'rustorch ms':>11} {'tfjs ms':>9} {'ratio':>6}"]
        for name, row in mine:
            ratio = row.get("ratio")
            lines.append(f"{row['label']:<86} {_ms(row.get('rustorch_ms')):>11} "
                         f"{_ms(row.get('tfjs_ms')):>9} {'-' if ratio is None else format(ratio, '.2f'):>6}")
            spread = [f"{side} {_ms(min(ts))}..{_ms(max(ts))}" for side, ts in row.get("rounds", {}).items() if ts]
            if len(row.get("rounds", {}).get("rustorch", [])) > 1:
                lines.append(f"    rounds' range: {', '.join(spread)} ms")
            for c in row.get("checks", []):
                if not c.get("ok"):
                    lines.append(f"    check FAILED: {c['name']}: max |diff| {c.get('max_abs_diff')} "
                                 f"> tolerance {c.get('tol')} {c.get('why', '')}")
    lines.append("")
    n = sum(len(r.get("checks", [])) for r in rows.values())
    what = ("each side vs a float64 reference in JS, and rustorch vs TF.js" if tf_info.get("available")
            else "rustorch vs a float64 reference in JS; no TF.js")
    lines.append(f"checks: {'all ' + str(n) + ' passed' if results.get('ok') else 'FAILED (see above)'} ({what})")
    lines.append("ratio = rustorch ms / TF.js ms (below 1: rustorch is faster)")
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=10, help="timed calls per round, workload and side")
    ap.add_argument("--warmup", type=int, default=2, help="untimed calls first")
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds (the median is reported)")
    ap.add_argument("--calls", type=int, default=200, help="timed calls per round of the tiny op")
    ap.add_argument("--only", default="matmul,conv,mlp,add_tiny,add_tiny_gpu,roundtrip,roundtrip_op",
                    help="workloads: matmul,conv,mlp (issue 9); add_tiny,add_tiny_gpu,roundtrip,"
                         "roundtrip_op (issue 10)")
    ap.add_argument("--bundle", default=None, help="a built bundle dir (default: build one into a temp dir)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds the page may take")
    ap.add_argument("--headed", action="store_true", help="show the browser window")
    ap.add_argument("--json", default=None, help="also write window.benchResults to this file")
    a = ap.parse_args(argv)
    if min(a.reps, a.rounds, a.calls) < 1 or a.warmup < 0:
        ap.error("--reps, --rounds and --calls must be >= 1, --warmup >= 0")
    why = missing_browser()
    if why:
        print(f"bench_browser: cannot run: {why}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="rustorch-bench-") as tmp:
        bundle = a.bundle
        if bundle is None:
            why = build_bundle.missing()
            if why:
                print(f"bench_browser: cannot build the bundle: {why}", file=sys.stderr)
                return 1
            bundle = os.path.join(tmp, "web")
            print("building the bundle ...", file=sys.stderr, flush=True)
            build_bundle.build_bundle(bundle)
        if not os.path.exists(os.path.join(bundle, "bench.html")):
            print(f"bench_browser: {bundle} has no bench.html (rebuild it)", file=sys.stderr)
            return 1
        srv = _serve(bundle)
        try:
            url = (f"{srv.url.rstrip('/')}/bench.html?reps={a.reps}&warmup={a.warmup}"
                   f"&rounds={a.rounds}&calls={a.calls}&only={a.only}")
            print(f"opening {url}", file=sys.stderr, flush=True)
            results, ready, error, log = run_page(url, a.timeout, a.headed)
        finally:
            srv.shutdown()
            srv.server_close()
    if a.json and results is not None:
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=1)
    if ready != "1" or results is None:
        print(f"bench_browser: the page failed: {error.strip()}")
        print("\n".join(log[-30:]))
        return 1
    print()
    print("\n".join(report(results)))
    tf_info = results.get("tfjs") or {}
    if not tf_info.get("available"):
        # the console says more about why (e.g. an adapter or shader-compiler error)
        notes = [line for line in log if "error" in line.lower() or "warn" in line.lower()]
        if notes:
            print("console (why TF.js did not run):")
            print("\n".join("  " + line for line in notes[-15:]))
    return 0 if results.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
