"""Data sets laid out as ``root/<class>/**/<file>`` (torchvision's DatasetFolder
and ImageFolder): classes are the sorted subfolder names."""
import os

import rustorch as rt
from rustorch._errors import DataNotFoundError, FormatError, InvalidArgument, UnsupportedError

from ._vision import VisionDataset, check_index

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def has_file_allowed_extension(filename, extensions):
    exts = extensions if isinstance(extensions, str) else tuple(extensions)
    return filename.lower().endswith(exts)


def is_image_file(filename):
    return has_file_allowed_extension(filename, IMG_EXTENSIONS)


def find_classes(directory):
    """(sorted class names, {name: index}) from the subfolders of ``directory``."""
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise DataNotFoundError(f"image folder '{directory}' does not exist or is not a directory")
    classes = sorted(e.name for e in os.scandir(directory) if e.is_dir())
    if not classes:
        raise DataNotFoundError(f"found no class folder in '{directory}': expected "
                                f"'{directory}/<class name>/<files>'")
    return classes, {c: i for i, c in enumerate(classes)}


def make_dataset(directory, class_to_idx=None, extensions=None, is_valid_file=None,
                 allow_empty=False):
    """[(path, class index)] for every accepted file, in class then path order."""
    directory = os.path.expanduser(os.fspath(directory))
    if class_to_idx is None:
        _, class_to_idx = find_classes(directory)
    if (extensions is None) == (is_valid_file is None):
        raise InvalidArgument("give exactly one of extensions and is_valid_file "
                              f"(got extensions={extensions!r}, is_valid_file={is_valid_file!r})")
    if extensions is not None:
        def is_valid_file(path):
            return has_file_allowed_extension(path, extensions)
    samples, found = [], set()
    for name in sorted(class_to_idx):
        target_dir = os.path.join(directory, name)
        if not os.path.isdir(target_dir):
            continue
        for dirpath, _, fnames in sorted(os.walk(target_dir, followlinks=True)):
            for fname in sorted(fnames):
                path = os.path.join(dirpath, fname)
                if is_valid_file(path):
                    samples.append((path, class_to_idx[name]))
                    found.add(name)
    empty = sorted(set(class_to_idx) - found)
    if empty and not allow_empty:
        exts = (extensions,) if isinstance(extensions, str) else extensions
        hint = f" Supported extensions are: {', '.join(exts)}" if exts is not None else ""
        raise DataNotFoundError(f"found no valid file for the classes {', '.join(empty)} "
                                f"in '{directory}'.{hint}")
    return samples


def pil_loader(path):
    """Decode an image file with Pillow into a uint8 RGB tensor (3, H, W)."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise UnsupportedError(f"decoding '{path}' needs Pillow: pip install pillow "
                               f"(or pass loader= to read it yourself)") from None
    try:
        with open(path, "rb") as f:
            img = Image.open(f)
            img = img.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        if isinstance(e, FileNotFoundError):
            raise DataNotFoundError(f"image file '{path}' does not exist") from None
        raise FormatError(f"cannot decode image '{path}': {e}") from None
    w, h = img.size
    pixels = rt.frombuffer(img.tobytes(), dtype=rt.uint8)
    return pixels.reshape(h, w, 3).permute(2, 0, 1).contiguous()


default_loader = pil_loader


class DatasetFolder(VisionDataset):
    """Generic ``root/<class>/.../<file>`` data set. ``loader(path)`` turns a file
    into a sample (default: the image loader); files are kept by ``extensions``
    or by ``is_valid_file(path)``. ``.samples`` (= ``.imgs`` for ImageFolder) is
    the list of (path, class index); ``.targets`` the class indices."""

    def __init__(self, root, loader=None, extensions=None, transform=None,
                 target_transform=None, is_valid_file=None, allow_empty=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.loader = default_loader if loader is None else loader
        classes, class_to_idx = self.find_classes(self.root)
        self.samples = self.make_dataset(self.root, class_to_idx, extensions,
                                         is_valid_file, allow_empty=allow_empty)
        self.extensions = extensions
        self.classes = classes
        self.class_to_idx = class_to_idx
        self.targets = [t for _, t in self.samples]

    @staticmethod
    def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None,
                     allow_empty=False):
        return make_dataset(directory, class_to_idx, extensions, is_valid_file,
                            allow_empty=allow_empty)

    def find_classes(self, directory):
        return find_classes(directory)

    def _load(self, index):
        path, target = self.samples[check_index(index, len(self.samples), type(self).__name__)]
        return self.loader(path), target

    def __len__(self):
        return len(self.samples)


class ImageFolder(DatasetFolder):
    """``root/<class>/.../<image>`` with the usual image extensions; images load
    as uint8 RGB tensors (3, H, W) through Pillow unless ``loader`` is given."""

    def __init__(self, root, transform=None, target_transform=None, loader=None,
                 is_valid_file=None, allow_empty=False, extensions=None):
        if extensions is None and is_valid_file is None:
            extensions = IMG_EXTENSIONS
        super().__init__(root, loader=loader, extensions=extensions, transform=transform,
                         target_transform=target_transform, is_valid_file=is_valid_file,
                         allow_empty=allow_empty)
        self.imgs = self.samples
