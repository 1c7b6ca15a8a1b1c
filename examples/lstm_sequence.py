"""Train an LSTM to predict the next value of noisy sine waves.

    python examples/lstm_sequence.py [--steps 300] [--device cpu] [--seed 0]

Each sequence is a sine wave with its own frequency, phase and amplitude plus
Gaussian noise.  An rt.nn.LSTM reads it one step at a time and, at every step,
predicts the next (clean) value, so it has to infer the wave's frequency from
what it has seen.  Training is a plain loop with rt.optim.Adam.  At the end
the model is scored on fresh sequences with rustorch.training.metrics (MSE and
R^2), next to the naive forecast "the next value equals the current one".
"""
import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import rustorch as rt  # noqa: E402
from rustorch import nn  # noqa: E402
from rustorch.nn import functional as F  # noqa: E402
from rustorch.training import metrics  # noqa: E402


def sine_batch(batch_size, length, noise, gen, device):
    """(inputs, targets), each (batch, length, 1): noisy wave, and its clean next step."""
    freq = rt.rand(batch_size, 1, generator=gen) * 0.25 + 0.05   # radians per step
    phase = rt.rand(batch_size, 1, generator=gen) * 2 * math.pi
    amp = rt.rand(batch_size, 1, generator=gen) * 0.5 + 0.5
    t = rt.arange(length + 1, dtype=rt.float32).unsqueeze(0)
    clean = amp * (freq * t + phase).sin()                        # (batch, length + 1)
    noisy = clean + rt.randn(batch_size, length + 1, generator=gen) * noise
    return noisy[:, :-1].unsqueeze(-1).to(device), clean[:, 1:].unsqueeze(-1).to(device)


class NextStepLSTM(nn.Module):
    def __init__(self, hidden, layers):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)       # (batch, length, hidden): one state per step
        return self.head(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--length", type=int, default=40, help="time steps per sequence")
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--noise", type=float, default=0.05)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--log-every", type=int, default=25)
    args = ap.parse_args(argv)

    rt.manual_seed(args.seed)  # parameter init
    gen = rt.Generator().manual_seed(args.seed)  # data
    model = NextStepLSTM(args.hidden, args.layers).to(args.device)
    opt = rt.optim.Adam(model.parameters(), lr=args.lr)
    sched = rt.optim.lr_scheduler.StepLR(opt, step_size=max(1, args.steps // 3), gamma=0.5)
    print(f"LSTM(1 -> {args.hidden}, {args.layers} layer(s)), "
          f"{sum(p.numel() for p in model.parameters())} parameters, device {args.device}")

    first = last = None
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        x, y = sine_batch(args.batch_size, args.length, args.noise, gen, args.device)
        loss = F.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        last = loss.item()
        first = last if first is None else first
        if step == 1 or step % args.log_every == 0 or step == args.steps:
            print(f"step {step:5d}  loss {last:.5f}  ({time.perf_counter() - start:.1f}s)", flush=True)
    print(f"loss fell from {first:.5f} to {last:.5f}")

    # score on fresh sequences, accumulating the metrics batch by batch
    model.eval()
    mse, r2, naive = metrics.MeanSquaredError(), metrics.R2Score(), metrics.MeanSquaredError()
    with rt.no_grad():
        for _ in range(4):
            x, y = sine_batch(64, args.length, args.noise, gen, args.device)
            warm = args.length // 4  # the first steps are too short to know the frequency
            pred = model(x)[:, warm:].reshape(-1)
            truth = y[:, warm:].reshape(-1)
            mse.update(pred, truth)
            r2.update(pred, truth)
            naive.update(x[:, warm:].reshape(-1), truth)
    print(f"test MSE {mse.compute():.5f} (naive 'repeat the last value' {naive.compute():.5f}), "
          f"test R^2 {r2.compute():.4f}")
    return 0 if last < first else 1


if __name__ == "__main__":
    sys.exit(main())
