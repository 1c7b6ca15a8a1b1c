"""Pass rate of rustorch.onnx on ONNX's backend node tests, per device and per operator.

    python3 tests/onnx_tests/report.py                  # every available device
    python3 tests/onnx_tests/report.py --device cpu     # one device
    python3 tests/onnx_tests/report.py --only Conv,Loop --quiet

Prints, for each device: the overall rate, failure kinds, a per-operator table
(passed/total) and every failure with its reason.
"""
import argparse
import collections
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))     # the repo root, for rustorch
sys.path.insert(0, HERE)

import node_harness as H  # noqa: E402

import rustorch as rt  # noqa: E402


def report(device, selected, quiet=False):
    t0 = time.perf_counter()
    results = H.run_cases(selected, device)
    seconds = time.perf_counter() - t0
    passed, total, failed, kinds = H.summarize(results)
    print(f"\n=== device {device}: {passed}/{total} node cases passed "
          f"({passed / max(total, 1):.1%}) in {seconds:.1f}s")
    print(f"failure kinds: {dict(kinds.most_common())}")
    per_op = collections.defaultdict(lambda: [0, 0])
    for r in results:
        per_op[r.op][1] += 1
        per_op[r.op][0] += r.passed
    print(f"\n{'operator':44} passed/total")
    for op in sorted(per_op):
        ok, n = per_op[op]
        mark = "" if ok == n else "   <-"
        print(f"{op:44} {ok:4}/{n:<4}{mark}")
    if not quiet and failed:
        print(f"\nfailures on {device}:")
        for op in sorted(failed):
            for r in failed[op]:
                print(f"  {r.name} [{op}] {r.kind}: {r.detail}")
    return passed, total


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", action="append", help="device to run on (repeatable); default: all available")
    ap.add_argument("--only", help="comma-separated operator names to restrict to")
    ap.add_argument("--quiet", action="store_true", help="leave out the list of failures")
    args = ap.parse_args(argv)
    devices = args.device or [d for d in rt.backends.available()]
    selected = H.cases()
    if args.only:
        want = set(args.only.split(","))
        selected = [c for c in selected if H.case_op(c) in want]
    summary = {d: report(d, selected, args.quiet) for d in devices}
    print("\n=== summary")
    for d, (p, n) in summary.items():
        print(f"{d:10} {p}/{n} ({p / max(n, 1):.1%})")


if __name__ == "__main__":
    main()
