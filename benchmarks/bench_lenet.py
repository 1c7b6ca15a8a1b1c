"""LeNet-5 forward+backward: rustorch (cpu device, NumPy) vs torch in one process.

    python benchmarks/bench_lenet.py [--threads N] [--batch 64] [--reps 50]

Batch 64 of 1x28x28 -> conv(6,5) -> relu -> maxpool2 -> conv(16,5) -> relu ->
maxpool2 -> linear 120 -> 84 -> 10; prints the min and median time of a
forward+backward step of each and the ratio rustorch/torch (target <= 2).
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

import rustorch as rt  # noqa: E402

try:
    import torch
except ImportError:  # pragma: no cover
    sys.exit("this benchmark compares against torch: pip install torch==2.13.0")


def build(nn):
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(),
                         nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def bench(model, x, reps):
    def step():
        for p in model.parameters():
            p.grad = None
        model(x).sum().backward()
    for _ in range(5):
        step()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        step()
        ts.append(time.perf_counter() - t)
    return min(ts), statistics.median(ts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--profile", action="store_true")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    tm = build(torch.nn)
    rm = build(rt.nn)
    rm.load_state_dict({k: rt.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    xn = np.random.default_rng(0).standard_normal((a.batch, 1, 28, 28)).astype(np.float32)
    tx, rx = torch.tensor(xn), rt.tensor(xn)
    diff = float(np.abs(tm(tx).detach().numpy() - np.asarray(rm(rx).tolist())).max())
    tt = bench(tm, tx, a.reps)
    rr = bench(rm, rx, a.reps)
    print(f"lenet5 batch {a.batch} fwd+bwd (max |diff| {diff:.1e}, torch threads "
          f"{torch.get_num_threads()}): torch {tt[0] * 1e3:.2f} ms (median {tt[1] * 1e3:.2f}), "
          f"rustorch {rr[0] * 1e3:.2f} ms (median {rr[1] * 1e3:.2f}); ratio {rr[0] / tt[0]:.2f} "
          f"(median {rr[1] / tt[1]:.2f}), target <= 2")
    if a.profile:
        import cProfile
        import pstats

        def step():
            for p in rm.parameters():
                p.grad = None
            rm(rx).sum().backward()
        pr = cProfile.Profile()
        pr.enable()
        for _ in range(a.reps):
            step()
        pr.disable()
        pstats.Stats(pr).sort_stats("tottime").print_stats(18)


if __name__ == "__main__":
    main()
