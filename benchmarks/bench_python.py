"""Pure-Python backend benchmark: the ``python`` device vs the NumPy (``cpu``)
device in one process.

    python benchmarks/bench_python.py [--quick]

Prints, for each workload, the median time per call on each device and the
ratio python/numpy (how many times slower the pure-Python backend is; there is
no ratio target -- it runs where NumPy cannot).  The one absolute target is
matmul 128x128x128 float32 on the python device in under 150 ms, which makes
small models trainable in a browser without NumPy.
"""
import argparse
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import rustorch as rt  # noqa: E402

MATMUL_TARGET_MS = 150.0


def timeit(fn, inner, repeats):
    """Median seconds per call over ``repeats`` runs of ``inner`` calls."""
    fn()
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        runs.append((time.perf_counter() - t0) / inner)
    return statistics.median(runs)


def side_by_side(make, inner, repeats):
    """Alternate the devices run by run so drift hits both equally."""
    fp, fn = make("python"), make("cpu")
    fp()
    fn()
    p_runs, n_runs = [], []
    for _ in range(repeats):
        p_runs.append(timeit(fp, inner, 1))
        n_runs.append(timeit(fn, inner * 20, 1))
    return statistics.median(p_runs), statistics.median(n_runs)


def matmul(n=128):
    def make(device):
        gen = rt.Generator().manual_seed(0)
        a = rt.randn(n, n, generator=gen).to(device)
        b = rt.randn(n, n, generator=gen).to(device)
        return lambda: a @ b
    return make


def reduction(kind, shape=(256, 256)):
    def make(device):
        gen = rt.Generator().manual_seed(0)
        x = rt.randn(*shape, generator=gen).to(device)
        if kind == "sum0":
            return lambda: x.sum(0)
        if kind == "logsumexp":
            return lambda: rt.logsumexp(x, 1)
        return lambda: x.max(1)
    return make


def mlp(loss_kind, batch=32, sizes=(64, 32, 10)):
    """One training step's forward + backward: x @ w1 + b1, relu, @ w2 + b2,
    then MSE or cross-entropy (logsumexp minus the target logit, one-hot)."""
    def make(device):
        gen = rt.Generator().manual_seed(0)
        ws, bs = [], []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            ws.append((rt.randn(fan_in, fan_out, generator=gen) * fan_in ** -0.5)
                      .to(device).requires_grad_())
            bs.append(rt.zeros(fan_out, device=device, requires_grad=True))
        x = rt.randn(batch, sizes[0], generator=gen).to(device)
        if loss_kind == "mse":
            y = rt.randn(batch, sizes[-1], generator=gen).to(device)
        else:
            labels = rt.randint(0, sizes[-1], (batch,), generator=gen).tolist()
            onehot = [[1.0 if j == c else 0.0 for j in range(sizes[-1])] for c in labels]
            y = rt.tensor(onehot, device=device)

        def step():
            h = x
            for i, (w, b) in enumerate(zip(ws, bs)):
                h = h @ w + b
                if i < len(ws) - 1:
                    h = h.relu()
            if loss_kind == "mse":
                loss = ((h - y) ** 2).mean()
            else:
                loss = (rt.logsumexp(h, 1) - (h * y).sum(1)).mean()
            for p in ws + bs:
                p.grad = None
            loss.backward()
            return loss
        return step
    return make


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats (for smoke tests)")
    args = ap.parse_args()
    if "python" not in rt.backends.available():
        sys.exit(f"the python device is unavailable: {rt.backends.why_unavailable('python')}")
    if "cpu" not in rt.backends.available():
        sys.exit("the cpu (NumPy) device is unavailable: pip install numpy")
    reps = 3 if args.quick else 7
    rows = [
        ("matmul 128x128x128 float32", matmul(), 1 if args.quick else 3),
        ("sum(dim=0) 256x256", reduction("sum0"), 3 if args.quick else 10),
        ("max(dim=1) 256x256", reduction("max"), 3 if args.quick else 10),
        ("logsumexp(dim=1) 256x256", reduction("logsumexp"), 2 if args.quick else 5),
        ("MLP 64-32-10 b32 fwd+bwd (MSE)", mlp("mse"), 2 if args.quick else 5),
        ("MLP 64-32-10 b32 fwd+bwd (cross-entropy)", mlp("ce"), 2 if args.quick else 5),
    ]
    results = []
    for name, make, inner in rows:
        try:
            p, n = side_by_side(make, inner, reps)
        except Exception as e:  # a namespace function still missing: report, go on
            results.append((name, None, None, f"{type(e).__name__}: {e}"))
            continue
        results.append((name, p, n, None))

    import numpy as np
    print(f"rustorch {rt.__version__}: python device vs cpu (NumPy {np.__version__}); "
          f"{platform.python_implementation()} {platform.python_version()}")
    print(f"{'workload':42} {'python':>11} {'numpy':>11} {'python/numpy':>13}")
    matmul_ms = None
    for name, p, n, err in results:
        if err is not None:
            print(f"{name:42} {'n/a':>11} {'n/a':>11} {'':>13}  ({err[:60]})")
            continue
        print(f"{name:42} {p * 1e3:9.3f}ms {n * 1e3:9.3f}ms {p / n:12.0f}x")
        if name.startswith("matmul"):
            matmul_ms = p * 1e3
    if matmul_ms is not None:
        ok = matmul_ms < MATMUL_TARGET_MS
        print(f"matmul 128^3 float32 on the python device: {matmul_ms:.1f} ms "
              f"(target < {MATMUL_TARGET_MS:.0f} ms: {'met' if ok else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
