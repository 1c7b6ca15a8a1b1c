"""nn benchmark: whole models, rustorch vs torch in one process.

    python benchmarks/bench_nn.py [--quick] [--device cpu] [--profile]

Each workload is written once against an ``nn`` namespace, built in both
frameworks with the same weights (through the state dict), and timed as
forward + cross-entropy + backward. Prints median times, the ratio
rustorch/torch (lower is better) and the target:

- LeNet-5, batch 64, 1x28x28:                          ratio <= 2.0
- transformer encoder, 2 layers, d=128, 4 heads, seq 64, batch 16,
  dim_feedforward 512, dropout 0:                      ratio <= 1.5

A workload whose layers rustorch does not have yet prints n/a.

Timing: see benchmarks/_timing.py (separate blocks per framework, each on its
default threads unless ``--threads N``).
``--profile`` runs cProfile over the rustorch side and prints the top
functions by total (own) time.
"""
import argparse
import cProfile
import io
import os
import pstats
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


from _timing import pin_torch, side_by_side  # noqa: E402  (sets the BLAS pool size first)

import rustorch as rt  # noqa: E402

try:
    import torch
except ImportError:  # pragma: no cover
    sys.exit("this benchmark compares against torch: pip install torch==2.13.0")

TARGETS = {"lenet": 2.0, "transformer": 1.5}


def lenet5(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def encoder(nn, d=128, heads=4, ff=512, layers=2, n_classes=10):
    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            layer = nn.TransformerEncoderLayer(d, heads, dim_feedforward=ff, dropout=0.0,
                                               batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, num_layers=layers,
                                                 enable_nested_tensor=False)
            self.head = nn.Linear(d, n_classes)

        def forward(self, x):
            return self.head(self.encoder(x).mean(1))
    return Encoder()


WORKLOADS = [
    # key, label, builder, layers needed, input shape, classes
    ("lenet", "LeNet-5 b64 1x28x28 fwd+bwd", lenet5,
     ("Conv2d", "MaxPool2d", "ReLU", "Flatten", "Linear"), (64, 1, 28, 28), 10),
    ("transformer", "TransformerEncoder 2L d128 h4 s64 b16 fwd+bwd", encoder,
     ("TransformerEncoder", "TransformerEncoderLayer", "Linear"), (16, 64, 128), 10),
]


def missing_layers(layers):
    return [n for n in layers if not hasattr(rt.nn, n)]


def make_pair(build, shape, n_classes, device):
    """Two step functions (rustorch, torch) over equal models and data."""
    torch.manual_seed(0)
    tmod = build(torch.nn)
    rmod = build(rt.nn).to(device)
    rmod.load_state_dict({k: rt.from_numpy(v.detach().numpy().copy()).to(device)
                          if hasattr(rt, "from_numpy") else rt.tensor(v.tolist(), device=device)
                          for k, v in tmod.state_dict().items()})
    gen = torch.Generator().manual_seed(1)
    tx = torch.randn(*shape, generator=gen)
    ty = torch.randint(0, n_classes, (shape[0],), generator=gen)
    rx = rt.tensor(tx.tolist(), device=device)
    ry = rt.tensor(ty.tolist(), device=device)

    def step(m, mod, x, y):
        def run():
            for p in mod.parameters():
                p.grad = None
            loss = m.nn.functional.cross_entropy(mod(x), y)
            loss.backward()
            return loss
        return run

    return step(rt, rmod, rx, ry), step(torch, tmod, tx, ty)


def profile(fn, runs, top):
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(runs):
        fn()
    pr.disable()
    s = io.StringIO()
    st = pstats.Stats(pr, stream=s)
    st.sort_stats("tottime").print_stats(top)
    return s.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats (for smoke tests)")
    ap.add_argument("--device", default="cpu", help="rustorch device (default cpu)")
    ap.add_argument("--profile", action="store_true", help="cProfile the rustorch side")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--threads", type=int, default=None,
                    help="threads for both sides (default: each framework's own default)")
    args = ap.parse_args()
    pin_torch(torch)
    reps = 3 if args.quick else 11
    inner = 1 if args.quick else 3

    print(f"rustorch {rt.__version__} ({args.device}) vs torch {torch.__version__} "
          f"(torch threads: {torch.get_num_threads()})")
    print(f"{'workload':48} {'rustorch':>11} {'torch':>11} {'ratio':>7} {'target':>7}")
    profiles = []
    for key, label, build, layers, shape, n_classes in WORKLOADS:
        tgt = TARGETS[key]
        miss = missing_layers(layers)
        if miss:
            print(f"{label:48} {'n/a':>11} {'n/a':>11} {'n/a':>7} {'<=' + str(tgt):>7}"
                  f"  (rustorch.nn lacks {', '.join(miss)})")
            continue
        try:
            fr, ft = make_pair(build, shape, n_classes, args.device)
            r, t = side_by_side(fr, ft, inner, reps)
        except Exception as e:  # a layer that exists but fails: report, keep going
            print(f"{label:48} {'n/a':>11} {'n/a':>11} {'n/a':>7} {'<=' + str(tgt):>7}"
                  f"  ({type(e).__name__}: {str(e)[:60]})")
            continue
        ratio = r / t
        print(f"{label:48} {r * 1e3:9.2f}ms {t * 1e3:9.2f}ms {ratio:7.2f} {'<=' + str(tgt):>7}"
              f"{'' if ratio <= tgt else '  (missed)'}")
        if args.profile:
            profiles.append((label, profile(fr, reps, args.top)))
    for label, text in profiles:
        print(f"\n=== cProfile, rustorch side: {label} ===")
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
