"""Small image classifiers for the data sets in ``rustorch.vision.datasets``.

Each takes ``in_channels``, ``num_classes`` and the input ``image_size`` so
the same definition serves 8x8 Digits, 28x28 MNIST and 32x32 CIFAR.
"""
from .. import nn
from .._errors import InvalidArgument

__all__ = ["SmallCNN", "LeNet5", "MLP", "get_model", "MODELS"]


def _check(in_channels, num_classes, image_size, min_size):
    for name, v in (("in_channels", in_channels), ("num_classes", num_classes), ("image_size", image_size)):
        if not isinstance(v, int) or v < 1:
            raise InvalidArgument(f"{name} must be a positive int, got {v!r}")
    if image_size < min_size:
        raise InvalidArgument(f"image_size must be at least {min_size} for this model, got {image_size}")


class SmallCNN(nn.Module):
    """Two 3x3 conv blocks and a 2x2 max-pool, then a two-layer classifier head."""

    def __init__(self, in_channels=1, num_classes=10, image_size=8, width=32, dropout=0.25):
        super().__init__()
        _check(in_channels, num_classes, image_size, 2)
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2))
        side = image_size // 2
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(2 * width * side * side, 128), nn.ReLU(),
            nn.Dropout(dropout), nn.Linear(128, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


class LeNet5(nn.Module):
    """LeCun et al. 1998 with ReLU and max-pooling; inputs smaller than 32 are padded."""

    def __init__(self, in_channels=1, num_classes=10, image_size=28):
        super().__init__()
        _check(in_channels, num_classes, image_size, 1)
        pad = max(0, (32 - image_size + 1) // 2)
        side = ((image_size + 2 * pad - 4) // 2 - 4) // 2
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=pad), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * side * side, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


class MLP(nn.Module):
    """Flatten, then two hidden ReLU layers."""

    def __init__(self, in_channels=1, num_classes=10, image_size=8, hidden=256):
        super().__init__()
        _check(in_channels, num_classes, image_size, 1)
        self.net = nn.Sequential(
            nn.Flatten(), nn.Linear(in_channels * image_size * image_size, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, num_classes))

    def forward(self, x):
        return self.net(x)


MODELS = {"cnn": SmallCNN, "lenet5": LeNet5, "mlp": MLP}


def get_model(name, **kwargs):
    """A fresh model by its short name (``"cnn"``, ``"lenet5"``, ``"mlp"``)."""
    try:
        cls = MODELS[name]
    except KeyError:
        raise InvalidArgument(f"unknown model {name!r}; choose one of {', '.join(sorted(MODELS))}") from None
    return cls(**kwargs)
