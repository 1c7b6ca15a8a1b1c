"""Parallel data loading benchmark: one epoch of a transform-heavy data set.

    python benchmarks/bench_data.py [--quick] [--samples N] [--batch-size B] [--workers W]
                                    [--torch-reference]

Each sample is a 3x64x64 "image" made and augmented in rustorch on the fly
(random pixels from a per-sample generator, bilinear resize to 80x80, random
64x64 crop, horizontal flip, colour jitter, a 3x3 Gaussian blur by conv2d,
normalisation), the kind of per-sample work a DataLoader spreads over workers.
Prints seconds per epoch (median of several), samples/s and the speed-up of
each configuration over ``num_workers=0``.  With ``--torch-reference``, torch's
own DataLoader runs the same rustorch data set with the same number of processes.
Worker start-up is part of each epoch (``persistent_workers`` rows excepted),
as it is for a user.  The line "parallel capacity" says how much two busy
processes gain over one on this machine: the ceiling for the process rows.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import rustorch as rt  # noqa: E402
import rustorch.nn.functional as F  # noqa: E402
from rustorch import data as rd  # noqa: E402

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


class AugmentedImages(rd.Dataset):
    """Synthetic images built and augmented per sample with rustorch ops."""

    def __init__(self, n, size=64):
        self.n, self.size = n, size
        self.blur = (rt.tensor([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 16.0) \
            .expand(3, 1, 3, 3).contiguous()
        self.mean = rt.tensor(MEAN).reshape(3, 1, 1)
        self.std = rt.tensor(STD).reshape(3, 1, 1)

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        g = rt.Generator().manual_seed(i)  # the same image for index i in every worker
        s = self.size
        img = rt.rand(1, 3, s, s, generator=g)
        big = s + s // 4
        img = F.interpolate(img, size=(big, big), mode="bilinear", align_corners=False)
        top, left = rt.randint(0, big - s + 1, (2,), generator=g).tolist()
        img = img[:, :, top:top + s, left:left + s]
        if rt.rand(1, generator=g).item() < 0.5:
            img = img.flip(-1)
        gain = 0.8 + 0.4 * rt.rand(3, 1, 1, generator=g)
        img = (img * gain + 0.1 * (rt.rand(1, generator=g) - 0.5)).clamp(0.0, 1.0)
        img = F.conv2d(F.pad(img, (1, 1, 1, 1), mode="reflect"), self.blur, groups=3)
        img = (img[0] - self.mean) / self.std
        return img, i % 10


class WaitingImages(AugmentedImages):
    """The same images behind a 2 ms wait per sample, standing in for reading
    files or the network: workers overlap the waits even without spare cores."""

    def __getitem__(self, i):
        time.sleep(0.002)
        return super().__getitem__(i)


def one_epoch(loader):
    t0 = time.perf_counter()
    n = 0
    for x, _ in loader:
        n += x.shape[0]
    return time.perf_counter() - t0, n


def _spin(n=2_000_000):
    s = 0
    for i in range(n):
        s += i
    return s


def parallel_capacity(workers):
    """How much faster ``workers`` busy processes finish than the same work run
    one after another: the ceiling for any process speed-up on this machine
    (a 2-vCPU VM may give far less than 2x)."""
    import multiprocessing
    t0 = time.perf_counter()
    for _ in range(workers):
        _spin()
    serial = time.perf_counter() - t0
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else None)
    procs = [ctx.Process(target=_spin) for _ in range(workers)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    return serial / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="a small epoch, fewer repeats (smoke test)")
    ap.add_argument("--samples", type=int, default=None, help="samples per epoch (default 512; 64 with --quick)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--torch-reference", action="store_true",
                    help="also time torch's DataLoader on the same data set (slow: it pickles "
                         "rustorch tensors through Tensor.__reduce_ex__)")
    args = ap.parse_args()
    n = args.samples or (64 if args.quick else 512)
    reps = 1 if args.quick else 3
    w, bs = args.workers, args.batch_size
    torch = td = None
    if args.torch_reference:
        import torch
        import torch.utils.data as td
    capacity = parallel_capacity(w)
    print(f"rustorch {rt.__version__} data loading: {n} samples of 3x64x64 per epoch, batch {bs}, "
          f"{os.cpu_count()} CPUs" + (f"; torch {torch.__version__}" if torch else ""))
    print(f"parallel capacity: {w} busy processes finish {capacity:.2f}x faster than serially "
          f"(the ceiling for CPU-bound speed-ups here)")
    for title, ds in (("CPU-bound: augmentations in rustorch", AugmentedImages(n)),
                      ("I/O-bound: the same plus a 2 ms wait per sample", WaitingImages(n))):
        run_table(title, ds, n, bs, w, reps, td)
    return 0


def run_table(title, ds, n, bs, w, reps, td):
    t0 = time.perf_counter()
    for i in range(4):
        ds[i]
    per_sample = (time.perf_counter() - t0) / 4
    configs = [
        ("num_workers=0", lambda: rd.DataLoader(ds, batch_size=bs)),
        (f"{w} processes", lambda: rd.DataLoader(ds, batch_size=bs, num_workers=w)),
        (f"{w} threads", lambda: rd.DataLoader(ds, batch_size=bs, num_workers=w, worker_mode="thread")),
    ]
    persistent = rd.DataLoader(ds, batch_size=bs, num_workers=w, persistent_workers=True)
    configs.append((f"{w} processes, persistent", lambda: persistent))
    if td is not None:
        # torch's workers send rustorch tensors with their own pickle (through tolist)
        configs.append((f"torch DataLoader, {w} proc. (reference)",
                        lambda: td.DataLoader(ds, batch_size=bs, num_workers=w,
                                              collate_fn=rd.default_collate)))
    # configurations take turns, round after round, so drifts in machine load hit all alike
    times = {name: [] for name, _ in configs}
    for _ in range(reps):
        for name, make in configs:
            sec, count = one_epoch(make())
            assert count == n, (name, count)
            times[name].append(sec)
    persistent = None  # stops its workers
    rows = [(name, statistics.median(ts)) for name, ts in times.items()]
    print(f"\n{title} (~{per_sample * 1e3:.1f} ms per sample in the main process)")
    base = rows[0][1]
    print(f"{'configuration':38} {'s/epoch':>9} {'samples/s':>10} {'speed-up':>9}")
    for name, sec in rows:
        print(f"{name:38} {sec:9.3f} {n / sec:10.1f} {base / sec:8.2f}x")


if __name__ == "__main__":
    sys.exit(main())
