"""CIFAR-10 and CIFAR-100 from the "python version" batches, loaded with the
array-only unpickler (no NumPy needed, no code from the files executed)."""
import os

import rustorch as rt
from rustorch._errors import DataNotFoundError, FormatError

from ._download import check_md5, download_file, extract_tar
from ._safe_pickle import PickledArray, safe_load
from ._vision import VisionDataset, check_index

_PIXELS = 3 * 32 * 32


def _text(value):
    return value.decode("latin1") if isinstance(value, bytes) else value


def _str_keys(entry, path):
    # Python 2 pickles read with encoding="latin1" give str keys; Python 3
    # pickles of bytes keys (b"data") stay bytes. Accept both.
    if not isinstance(entry, dict):
        raise FormatError(f"'{path}' holds {type(entry).__name__}, expected a dict batch")
    return {_text(k): v for k, v in entry.items()}


class CIFAR10(VisionDataset):
    """32x32 colour images in 10 classes. Items are ``(image, target)`` with
    image a uint8 tensor (3, 32, 32); ``.data`` is (N, 32, 32, 3) uint8 and
    ``.targets`` a list of ints, as in torchvision."""

    base_folder = "cifar-10-batches-py"
    urls = ["https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"]
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names",
            "md5": "5ff9c542aee3614f3951f8cda6e48888"}
    label_key = "labels"

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = bool(train)
        if download:
            self.download()
        self._check_present()
        self.classes = self._load_meta()
        self.data, self.targets = self._load_batches()

    @property
    def folder(self):
        return os.path.join(self.root, self.base_folder)

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _needed(self):
        return [n for n, _ in (self.train_list if self.train else self.test_list)] + \
            [self.meta["filename"]]

    def _guidance(self):
        return (f"Download {self.urls[0]} and extract it in '{self.root}' so that "
                f"'{self.folder}' holds {', '.join(self._needed())}")

    def _check_present(self):
        missing = [n for n in self._needed()
                   if not os.path.isfile(os.path.join(self.folder, n))]
        if missing:
            raise DataNotFoundError(f"{type(self).__name__} not found: missing "
                                    f"{', '.join(missing)} in '{self.folder}'. "
                                    f"{self._guidance()}, or pass download=True")

    def _load_meta(self):
        path = os.path.join(self.folder, self.meta["filename"])
        entry = _str_keys(safe_load(path), path)
        names = entry.get(self.meta["key"])
        if not isinstance(names, list) or not all(isinstance(n, (str, bytes)) for n in names):
            raise FormatError(f"'{path}' has no list of strings under "
                              f"'{self.meta['key']}'")
        return [_text(n) for n in names]

    def _load_batches(self):
        raws, targets = [], []
        for name, _ in (self.train_list if self.train else self.test_list):
            path = os.path.join(self.folder, name)
            entry = _str_keys(safe_load(path, tensors=False), path)
            data, labels = entry.get("data"), entry.get(self.label_key)
            ok = (isinstance(data, PickledArray) and hasattr(data, "raw")
                  and data.dtype.spec == "u1" and len(data.shape) == 2
                  and data.shape[1] == _PIXELS and not data.fortran
                  and len(data.raw) == data.shape[0] * _PIXELS)
            if not ok:
                got = data.describe() if isinstance(data, PickledArray) else type(data).__name__
                raise FormatError(f"'{path}': 'data' is {got}; expected uint8 (N, {_PIXELS})")
            if isinstance(labels, PickledArray):
                labels = labels.to_tensor(f"'{path}'").tolist()
            if not isinstance(labels, list) or not all(type(t) is int for t in labels):
                raise FormatError(f"'{path}': '{self.label_key}' is not a list of ints")
            if len(labels) != data.shape[0]:
                raise FormatError(f"'{path}' has {data.shape[0]} images but "
                                  f"{len(labels)} labels")
            bad = [t for t in labels if not 0 <= t < len(self.classes)]
            if bad:
                raise FormatError(f"'{path}' has label {bad[0]} outside "
                                  f"0..{len(self.classes) - 1}")
            raws.append(data.raw)
            targets.extend(labels)
        # One copy into a tensor (joining the raw bytes first), one to reorder:
        # stored as N x (R plane, G plane, B plane); torchvision keeps .data NHWC.
        flat = rt.frombuffer(b"".join(raws), dtype=rt.uint8) if targets else \
            rt.zeros(0, dtype=rt.uint8)
        data = flat.reshape(-1, 3, 32, 32).permute(0, 2, 3, 1).contiguous()
        return data, targets

    def _check_integrity(self):
        return all(check_md5(os.path.join(self.folder, n), md5)
                   for n, md5 in self.train_list + self.test_list + [[self.meta["filename"],
                                                                       self.meta["md5"]]])

    def download(self):
        """Fetch and extract the archive into ``root`` unless the batches are there."""
        if self._check_integrity():
            return
        archive = os.path.join(self.root, self.filename)
        try:
            download_file(self.urls, archive, self.tgz_md5,
                          what=f"{type(self).__name__} ({self.filename})")
        except DataNotFoundError as e:
            raise DataNotFoundError(f"{e}. {self._guidance()}") from None
        extract_tar(archive, self.root)

    def _load(self, index):
        i = check_index(index, len(self.targets), type(self).__name__)
        return self.data[i].permute(2, 0, 1).contiguous(), self.targets[i]

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100: 100 fine classes; ``coarse=True`` gives the 20 superclasses
    (targets from ``coarse_labels``, classes from ``coarse_label_names``)."""

    base_folder = "cifar-100-python"
    urls = ["https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"]
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names",
            "md5": "7973b15100ade9c7d40fb424638fde48"}
    label_key = "fine_labels"

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False, coarse=False):
        if coarse:  # instance attributes shadow the class's fine-label choice
            self.meta = dict(self.meta, key="coarse_label_names")
            self.label_key = "coarse_labels"
        self.coarse = bool(coarse)
        super().__init__(root, train=train, transform=transform,
                         target_transform=target_transform, download=download)
