"""Normalisation constants and ready-made pipelines for the data sets in
rustorch.vision.datasets. Each function returns a Compose usable directly as a
data set's ``transform=``; it takes what the data sets give (uint8 (C, H, W)
tensors, float (1, 8, 8) for Digits) or PIL images, and returns a normalised
float32 (C, H, W) tensor. ``train=True`` adds light augmentation."""
from .transforms import (CenterCrop, Compose, Normalize, RandomCrop, RandomHorizontalFlip,
                         RandomResizedCrop, RandomRotation, Resize, ToTensor)

__all__ = ["DIGITS_MEAN", "DIGITS_STD", "MNIST_MEAN", "MNIST_STD", "FASHION_MNIST_MEAN",
           "FASHION_MNIST_STD", "CIFAR10_MEAN", "CIFAR10_STD", "CIFAR100_MEAN", "CIFAR100_STD",
           "IMAGENET_MEAN", "IMAGENET_STD", "digits", "mnist", "fashion_mnist", "cifar10",
           "cifar100", "imagenet"]

# per-channel mean / std of the training pixels scaled to [0, 1]
DIGITS_MEAN, DIGITS_STD = (0.3053,), (0.3760,)          # sklearn digits, pixels / 16
MNIST_MEAN, MNIST_STD = (0.1307,), (0.3081,)
FASHION_MNIST_MEAN, FASHION_MNIST_STD = (0.2860,), (0.3530,)
CIFAR10_MEAN, CIFAR10_STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)
CIFAR100_MEAN, CIFAR100_STD = (0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762)
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def _finish(augment, mean, std):
    # geometry first (cheap on uint8), then scale to [0, 1] and normalise
    return Compose([*augment, ToTensor(), Normalize(mean, std)])


def digits(train=True):
    """8x8 digits: small rotations (+-10 degrees, bilinear) when training."""
    aug = [RandomRotation(10, interpolation="bilinear")] if train else []
    return _finish(aug, DIGITS_MEAN, DIGITS_STD)


def mnist(train=True):
    """28x28 MNIST: random 2-pixel shifts when training (no flips: digits are not symmetric)."""
    aug = [RandomCrop(28, padding=2)] if train else []
    return _finish(aug, MNIST_MEAN, MNIST_STD)


def fashion_mnist(train=True):
    """28x28 Fashion-MNIST: 2-pixel shifts and horizontal flips when training."""
    aug = [RandomCrop(28, padding=2), RandomHorizontalFlip()] if train else []
    return _finish(aug, FASHION_MNIST_MEAN, FASHION_MNIST_STD)


def cifar10(train=True):
    """32x32 CIFAR-10: the classic RandomCrop(32, padding=4) + horizontal flip."""
    aug = [RandomCrop(32, padding=4), RandomHorizontalFlip()] if train else []
    return _finish(aug, CIFAR10_MEAN, CIFAR10_STD)


def cifar100(train=True):
    aug = [RandomCrop(32, padding=4), RandomHorizontalFlip()] if train else []
    return _finish(aug, CIFAR100_MEAN, CIFAR100_STD)


def imagenet(train=True, crop_size=224, resize_size=256):
    """ImageNet-style: RandomResizedCrop + flip when training; resize the shorter
    edge to ``resize_size`` then centre-crop ``crop_size`` for evaluation."""
    if train:
        aug = [RandomResizedCrop(crop_size), RandomHorizontalFlip()]
    else:
        aug = [Resize(resize_size), CenterCrop(crop_size)]
    return _finish(aug, IMAGENET_MEAN, IMAGENET_STD)
