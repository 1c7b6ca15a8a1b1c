"""Data sets read from their real on-disk formats, torchvision-style.

Images are uint8 tensors (C, H, W) (float32 for Digits), so everything works
without Pillow or NumPy (Pyodide); only ImageFolder's default loader needs
Pillow. Files are never executed: CIFAR's pickles go through an array-only
unpickler.
"""
from ._idx import read_idx, write_idx
from ._vision import VisionDataset
from .cifar import CIFAR10, CIFAR100
from .digits import Digits
from .folder import (IMG_EXTENSIONS, DatasetFolder, ImageFolder, default_loader,
                     find_classes, has_file_allowed_extension, make_dataset, pil_loader)
from .mnist import KMNIST, MNIST, FashionMNIST

__all__ = ["VisionDataset", "MNIST", "FashionMNIST", "KMNIST", "CIFAR10", "CIFAR100",
           "DatasetFolder", "ImageFolder", "Digits", "read_idx", "write_idx",
           "IMG_EXTENSIONS", "default_loader", "pil_loader", "find_classes",
           "make_dataset", "has_file_allowed_extension"]
