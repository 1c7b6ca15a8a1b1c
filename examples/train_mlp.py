"""Train a small MLP with rustorch's autograd and watch the loss fall.

    python examples/train_mlp.py [--device cpu] [--steps 300]

The task: classify points of two interleaved spirals.  Only tensors and
autograd are used (layers and optimizers are written out by hand), so this is
also a tour of the core API.
"""
import argparse
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import rustorch as rt  # noqa: E402


def spirals(n, gen, device):
    t = rt.rand(n, generator=gen, device=device) * 3 * math.pi + 0.5
    label = rt.randint(0, 2, (n,), generator=gen, device=device)
    sign = label.float() * 2 - 1
    x = rt.stack([t.cos() * t * sign, t.sin() * t * sign], dim=1) / 10
    x = x + rt.randn(n, 2, generator=gen, device=device) * 0.02
    return x, label


def init_linear(fan_in, fan_out, gen, device):
    bound = 1 / math.sqrt(fan_in)
    w = (rt.rand(fan_in, fan_out, generator=gen, device=device) * 2 - 1) * bound
    b = (rt.rand(fan_out, generator=gen, device=device) * 2 - 1) * bound
    return w.requires_grad_(), b.requires_grad_()


def cross_entropy(logits, labels):
    logp = logits - logits.logsumexp(dim=1, keepdim=True)
    return -logp.gather(1, labels.unsqueeze(1)).mean()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--lr", type=float, default=0.5)
    args = ap.parse_args()

    gen = rt.Generator().manual_seed(0)
    x, y = spirals(1024, gen, args.device)
    x_test, y_test = spirals(512, gen, args.device)
    params = [*init_linear(2, 64, gen, args.device), *init_linear(64, 64, gen, args.device),
              *init_linear(64, 2, gen, args.device)]
    velocity = [rt.zeros_like(p) for p in params]

    def forward(inp):
        w1, b1, w2, b2, w3, b3 = params
        h = (inp @ w1 + b1).tanh()
        h = (h @ w2 + b2).tanh()
        return h @ w3 + b3

    print(f"training a 2-64-64-2 MLP on {args.device} ({rt.backends.get(args.device)})")
    first = None
    for step in range(args.steps + 1):
        loss = cross_entropy(forward(x), y)
        for p in params:
            p.grad = None
        loss.backward()
        with rt.no_grad():  # SGD with momentum, in place
            for p, v in zip(params, velocity):
                v.mul_(0.9).add_(p.grad)
                p.sub_(v * args.lr)
        first = loss.item() if first is None else first
        if step % 50 == 0:
            with rt.no_grad():
                acc = (forward(x_test).argmax(dim=1) == y_test).float().mean().item()
            print(f"step {step:4d}  loss {loss.item():.4f}  test accuracy {acc:.1%}")
    print(f"loss fell from {first:.4f} to {loss.item():.4f}")
    return 0 if loss.item() < first else 1


if __name__ == "__main__":
    sys.exit(main())
