"""A small CNN on Digits (8x8, ships with scikit-learn) or MNIST, written as a
plain PyTorch-style loop: Dataset -> DataLoader -> model -> loss -> optimizer.

    python examples/cnn_digits.py                       # Digits, ~10 s on a laptop CPU
    python examples/cnn_digits.py --dataset mnist --data-root data --download

The same script runs under torch by replacing ``rustorch`` with ``torch`` (and
the data set/transform imports with torchvision's).  For the batteries-included
version (progress bar, checkpoints, metrics plot) see ``rustorch train``.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import rustorch as rt  # noqa: E402
from rustorch import nn  # noqa: E402
from rustorch.data import DataLoader  # noqa: E402
from rustorch.vision import datasets, transforms  # noqa: E402
from rustorch.vision.models import SmallCNN  # noqa: E402


def load(args):
    if args.dataset == "digits":
        return datasets.Digits(train=True), datasets.Digits(train=False), 8
    train = datasets.MNIST(args.data_root, train=True, download=args.download,
                           transform=transforms.presets.mnist(train=True))
    test = datasets.MNIST(args.data_root, train=False, download=args.download,
                          transform=transforms.presets.mnist(train=False))
    return train, test, 28


def evaluate(model, loader, device):
    model.eval()
    correct = total = 0
    with rt.no_grad():
        for x, y in loader:
            pred = model(x.to(device)).argmax(dim=1)
            correct += int((pred == y.to(device)).sum())
            total += y.shape[0]
    return correct / total


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", choices=("digits", "mnist"), default="digits")
    ap.add_argument("--data-root", default="data")
    ap.add_argument("--download", action="store_true")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    rt.manual_seed(args.seed)
    train_set, test_set, side = load(args)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              num_workers=args.workers)
    test_loader = DataLoader(test_set, batch_size=256, num_workers=args.workers)
    model = SmallCNN(in_channels=1, num_classes=10, image_size=side).to(args.device)
    optimizer = rt.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()

    start = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        total, batches = 0.0, 0
        for x, y in train_loader:
            x, y = x.to(args.device), y.to(args.device)
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
            batches += 1
        print(f"epoch {epoch + 1:2d}  loss {total / batches:.4f}  "
              f"test accuracy {evaluate(model, test_loader, args.device) * 100:.2f}%  "
              f"({time.perf_counter() - start:.1f}s)", flush=True)


if __name__ == "__main__":
    main()
