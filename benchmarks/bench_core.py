"""Core overhead benchmark: rustorch vs torch in one process.

    python benchmarks/bench_core.py [--quick]

Prints, for each workload, the median time per call of each framework and the
ratio rustorch/torch (lower is better; targets: per-op overhead <= 1.5,
MLP forward+backward <= 1.3).
"""
import argparse
import sys
import os

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import pin_torch, side_by_side  # noqa: E402  (sets the BLAS pool size first)
import rustorch as rt  # noqa: E402

try:
    import torch
except ImportError:  # pragma: no cover
    sys.exit("this benchmark compares against torch: pip install torch==2.13.0")

TARGETS = {"op": 1.5, "mlp": 1.3}


def measure(make, inner, reps):
    """Median seconds per call of rustorch and torch (timed in separate blocks)."""
    return side_by_side(make(rt), make(torch), inner, reps)


def tiny_op(op, grad):
    def make(m):
        m.manual_seed(0)
        a = m.randn(4, 4, requires_grad=grad)
        b = m.randn(4, 4, requires_grad=grad)
        if op == "add":
            return lambda: a + b
        if op == "mul":
            return lambda: a * b
        return lambda: a @ b
    return make


def mlp(batch=128, sizes=(784, 256, 256, 10)):
    def make(m):
        gen = m.Generator().manual_seed(0)
        ws, bs = [], []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            ws.append((m.randn(fan_in, fan_out, generator=gen) * fan_in ** -0.5).requires_grad_())
            bs.append(m.zeros(fan_out, requires_grad=True))
        x = m.randn(batch, sizes[0], generator=gen)
        y = m.randn(batch, sizes[-1], generator=gen)

        def step():
            h = x
            for i, (w, b) in enumerate(zip(ws, bs)):
                h = h @ w + b
                if i < len(ws) - 1:
                    h = h.relu()
            loss = ((h - y) ** 2).mean()
            for p in ws + bs:
                p.grad = None
            loss.backward()
            return loss
        return step
    return make


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats (for smoke tests)")
    ap.add_argument("--threads", type=int, default=None,
                    help="threads for both sides (default: each framework's own default)")
    args = ap.parse_args()
    pin_torch(torch)
    reps = 3 if args.quick else 15
    rows = []
    for op in ("add", "mul", "matmul"):
        for grad in (False, True):
            r, t = measure(tiny_op(op, grad), 2000 if not args.quick else 200, reps)
            rows.append((f"{op} 4x4{' (requires_grad)' if grad else ''}", r, t, "op"))
    r, t = measure(mlp(), 10 if not args.quick else 3, reps)
    rows.append(("MLP 784-256-256-10 b128 fwd+bwd", r, t, "mlp"))

    print(f"rustorch {rt.__version__} vs torch {torch.__version__} "
          f"(torch threads: {torch.get_num_threads()})")
    print(f"{'workload':36} {'rustorch':>12} {'torch':>12} {'ratio':>7} {'target':>7}")
    ok = True
    for name, r, t, kind in rows:
        ratio = r / t
        tgt = TARGETS[kind]
        ok &= ratio <= tgt
        unit = 1e6
        print(f"{name:36} {r * unit:10.2f}us {t * unit:10.2f}us {ratio:7.2f} {'<=' + str(tgt):>7}"
              f"{'' if ratio <= tgt else '  (missed)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
