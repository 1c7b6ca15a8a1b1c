"""The ``rustorch`` command (also ``python -m rustorch``).

    rustorch train [--dataset digits] [--model cnn] [--epochs 15] [--device auto] ...
    rustorch info
    rustorch serve [--dir build/web] [--port 8000] [--build]

``train`` fits a classifier with :class:`rustorch.training.Trainer`, showing a
progress bar, then evaluates on the test split, keeps the best and last
checkpoints and writes ``metrics.csv`` and ``metrics.png`` into ``--out``.
"""
import argparse
import importlib.util
import os
import platform
import sys

# name -> (dataset class in rustorch.vision.datasets, channels, image side, preset in transforms.presets)
DATASETS = {
    "digits": ("Digits", 1, 8, None),
    "mnist": ("MNIST", 1, 28, "mnist"),
    "fashion-mnist": ("FashionMNIST", 1, 28, "fashion_mnist"),
    "kmnist": ("KMNIST", 1, 28, "mnist"),
    "cifar10": ("CIFAR10", 3, 32, "cifar10"),
    "cifar100": ("CIFAR100", 3, 32, "cifar100"),
}
OPTIONAL_PACKAGES = ("numpy", "scipy", "ml_dtypes", "sklearn", "PIL", "matplotlib", "tqdm",
                     "numba", "wgpu", "cupy", "pyopencl", "torch", "onnx", "onnxruntime", "safetensors")


def best_device():
    import rustorch as rt
    return rt.backends.best_device()


def _load_datasets(args, n_classes_out):
    import rustorch as rt
    from rustorch.vision import datasets, transforms
    cls_name, channels, side, preset = DATASETS[args.dataset]
    cls = getattr(datasets, cls_name)
    if args.dataset == "digits":
        kw = {"path": args.data_root} if args.data_root else {}
        train_set = cls(train=True, seed=args.split_seed, **kw)
        test_set = cls(train=False, seed=args.split_seed, **kw)
    else:
        root = args.data_root or os.path.join("data")
        tf_train = getattr(transforms.presets, preset)(train=not args.no_augment)
        tf_test = getattr(transforms.presets, preset)(train=False)
        train_set = cls(root, train=True, transform=tf_train, download=args.download)
        test_set = cls(root, train=False, transform=tf_test, download=args.download)
    classes = getattr(train_set, "classes", None)
    n_classes_out.append(len(classes) if classes else 10)
    n_val = int(round(len(train_set) * args.val_fraction))
    if n_val > 0:
        from rustorch.data import random_split
        train_set, val_set = random_split(train_set, [len(train_set) - n_val, n_val],
                                          generator=rt.Generator().manual_seed(args.split_seed))
    else:
        val_set = None
    return train_set, val_set, test_set, channels, side


def cmd_train(args):
    import rustorch as rt
    from rustorch import nn, optim
    from rustorch.data import DataLoader
    from rustorch.training import Trainer, ModelCheckpoint, CSVLogger, MetricsPlot
    from rustorch.vision.models import get_model

    rt.manual_seed(args.seed)
    device = best_device() if args.device == "auto" else args.device
    rt.backends.get(device)  # a clear error naming what to install, before any work
    n_classes = []
    train_set, val_set, test_set, channels, side = _load_datasets(args, n_classes)
    loader_kw = {"batch_size": args.batch_size, "num_workers": args.workers}
    train_loader = DataLoader(train_set, shuffle=True, **loader_kw)
    val_loader = DataLoader(val_set, **loader_kw) if val_set is not None else None
    test_loader = DataLoader(test_set, **loader_kw)

    model = get_model(args.model, in_channels=channels, num_classes=n_classes[0], image_size=side)
    optimizer = optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    out = args.out or os.path.join("runs", f"{args.dataset}-{args.model}")
    monitor = "val_accuracy" if val_loader is not None else None
    callbacks = [ModelCheckpoint(dirpath=os.path.join(out, "checkpoints"), monitor=monitor,
                                 mode="max", save_top_k=1, save_last=True),
                 MetricsPlot(out)]
    trainer = Trainer(model, optimizer, loss_fn=nn.CrossEntropyLoss(), scheduler=scheduler,
                      metrics=["accuracy"], device=device, max_epochs=args.epochs,
                      callbacks=callbacks, loggers=[CSVLogger(out)], progress_bar=not args.no_progress,
                      root_dir=out)
    print(f"rustorch {rt.__version__}: training {args.model} on {args.dataset} "
          f"({len(train_set)} train / {len(val_set) if val_set is not None else 0} val / "
          f"{len(test_set)} test) on {device}", flush=True)
    trainer.fit(train_loader, val_loader, ckpt_path=args.resume)
    result = trainer.test(test_loader)
    acc = result["test_accuracy"]
    print(f"test accuracy: {acc * 100:.2f}%  (loss {result['test_loss']:.4f})")
    print(f"checkpoints: {os.path.join(out, 'checkpoints')}  metrics: {os.path.join(out, 'metrics.csv')}"
          + (f"  plot: {os.path.join(out, 'metrics.png')}"
             if os.path.exists(os.path.join(out, "metrics.png")) else
             "  (no plot: pip install matplotlib)"))
    return 0


def cmd_info(args):
    import rustorch as rt
    print(f"rustorch {rt.__version__}")
    print(f"python {platform.python_version()} ({sys.platform}, {platform.machine()})")
    found = rt.backends.available()
    print("devices:")
    for name in ("cpu", "python", "numba", "webgpu", "cuda", "opencl"):
        if name in found:
            print(f"  {name:<7} available")
        else:
            print(f"  {name:<7} missing: {rt.backends.why_unavailable(name)}")
    print(f"auto device: {best_device()}")
    print("optional packages: " + ", ".join(
        f"{p} {'yes' if importlib.util.find_spec(p) is not None else 'no'}" for p in OPTIONAL_PACKAGES))
    return 0


def build_parser():
    ap = argparse.ArgumentParser(prog="rustorch", description="rustorch command line")
    sub = ap.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train a classifier (default: a small CNN on Digits)")
    tr.add_argument("--dataset", choices=sorted(DATASETS), default="digits")
    tr.add_argument("--data-root", default=None,
                    help="folder with the data set files (Digits: path to digits.csv.gz)")
    tr.add_argument("--download", action="store_true", help="download the data set if missing")
    tr.add_argument("--model", choices=("cnn", "lenet5", "mlp"), default="cnn")
    tr.add_argument("--epochs", type=int, default=15)
    tr.add_argument("--batch-size", type=int, default=64)
    tr.add_argument("--lr", type=float, default=2e-3)
    tr.add_argument("--weight-decay", type=float, default=1e-4)
    tr.add_argument("--val-fraction", type=float, default=0.1)
    tr.add_argument("--device", default="auto", help="auto (best available), cpu, python, cuda ...")
    tr.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--split-seed", type=int, default=0)
    tr.add_argument("--no-augment", action="store_true")
    tr.add_argument("--no-progress", action="store_true")
    tr.add_argument("--out", default=None, help="run folder (default runs/<dataset>-<model>)")
    tr.add_argument("--resume", default=None, help="checkpoint to resume from")
    tr.set_defaults(func=cmd_train)
    info = sub.add_parser("info", help="version, devices found and why missing ones are missing")
    info.set_defaults(func=cmd_info)
    from rustorch import serve as _serve
    sv = sub.add_parser("serve", help="serve the browser bundle locally (COOP/COEP, wasm MIME types)")
    _serve.add_arguments(sv)
    sv.set_defaults(func=_serve.cmd_serve)
    return ap


def main(argv=None):
    args = build_parser().parse_args(argv)
    if getattr(args, "epochs", 1) < 1:
        print("rustorch train: --epochs must be at least 1", file=sys.stderr)
        return 2
    if not 0 <= getattr(args, "val_fraction", 0.0) < 1:
        print("rustorch train: --val-fraction must be in [0, 1)", file=sys.stderr)
        return 2
    from rustorch._errors import RustorchError
    try:
        return args.func(args)
    except RustorchError as e:  # bad input or missing data/device: one clear line, no traceback
        print(f"rustorch {args.command}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:     # `rustorch info | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
