"""Optimizer step benchmark: rustorch vs torch in one process.

    python benchmarks/bench_optim.py [--quick] [--threads N]

One Adam step (and one AdamW step) over a ~10M-parameter model (four
1600x1600 Linear layers, gradients set once) on the cpu device, against
torch's default path.  Prints the median time per step of each framework and
the ratio rustorch/torch (lower is better; target <= 1.2).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import pin_torch, side_by_side  # noqa: E402  (sets the BLAS pool size first)
import rustorch as rt  # noqa: E402

try:
    import torch
except ImportError:  # pragma: no cover
    sys.exit("this benchmark compares against torch: pip install torch==2.13.0")

TARGET = 1.2
WIDTH, LAYERS = 1600, 4


def adam_step(opt_name, **kw):
    def make(m):
        m.manual_seed(0)
        model = m.nn.Sequential(*[m.nn.Linear(WIDTH, WIDTH) for _ in range(LAYERS)])
        with m.no_grad():
            for p in model.parameters():
                p.grad = m.randn(p.shape) * 1e-3
        opt = getattr(m.optim, opt_name)(model.parameters(), lr=1e-4, **kw)
        return opt.step
    return make


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats (for smoke tests)")
    ap.add_argument("--threads", type=int, default=None,
                    help="threads for both sides (default: each framework's own default)")
    args = ap.parse_args()
    pin_torch(torch)
    inner, reps = (2, 3) if args.quick else (5, 7)
    nparams = LAYERS * (WIDTH * WIDTH + WIDTH)
    rows = []
    for name, make in [("Adam", adam_step("Adam")),
                       ("Adam amsgrad", adam_step("Adam", amsgrad=True)),
                       ("AdamW", adam_step("AdamW"))]:
        r, t = side_by_side(make(rt), make(torch), inner, reps)
        rows.append((f"{name} step, {nparams / 1e6:.1f}M params", r, t))
    print(f"rustorch {getattr(rt, '__version__', '?')} vs torch {torch.__version__} "
          f"(torch threads: {torch.get_num_threads()})")
    print(f"{'workload':36} {'rustorch':>12} {'torch':>12} {'ratio':>7} {'target':>7}")
    for name, r, t in rows:
        ratio = r / t
        print(f"{name:36} {r * 1e3:10.2f}ms {t * 1e3:10.2f}ms {ratio:7.2f} {'<=' + str(TARGET):>7}"
              f"{'' if ratio <= TARGET else '  (missed)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
