"""MNIST, FashionMNIST and KMNIST from their IDX files (torchvision layout:
``root/<ClassName>/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]``)."""
import os

from rustorch._errors import DataNotFoundError, FormatError

from ._download import download_file
from ._idx import read_idx
from ._vision import VisionDataset, check_index


class MNIST(VisionDataset):
    """Handwritten digits, 28x28 grey. Items are ``(image, target)`` with image a
    uint8 tensor of shape (1, 28, 28) and target an int; ``.data`` is (N, 28, 28)
    uint8 and ``.targets`` (N,) int64, as in torchvision."""

    mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = bool(train)
        if download:
            self.download()
        self.data, self.targets = self._load_data()

    @property
    def raw_folder(self):
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _find(self, name):
        """The file, plain or gzipped, or None."""
        for candidate in (name, name + ".gz"):
            path = os.path.join(self.raw_folder, candidate)
            if os.path.isfile(path):
                return path
        return None

    def _guidance(self, offer_download=True):
        urls = ", ".join(self.mirrors[0] + f for f, _ in self.resources) if self.mirrors else ""
        return (f"Put the files {', '.join(f for f, _ in self.resources)} (gzipped or "
                f"not) in '{self.raw_folder}'" + (f"; they are at {urls}" if urls else "")
                + (", or pass download=True" if offer_download else ""))

    def _load_data(self):
        images_name, labels_name = self._files_of(self.train)
        images_path, labels_path = self._find(images_name), self._find(labels_name)
        missing = [n for n, p in ((images_name, images_path), (labels_name, labels_path))
                   if p is None]
        if missing:
            raise DataNotFoundError(f"{type(self).__name__} not found: missing "
                                    f"{', '.join(missing)} in '{self.raw_folder}'. "
                                    + self._guidance())
        images, labels = read_idx(images_path), read_idx(labels_path)
        if images.dim() != 3 or str(images.dtype) != "rustorch.uint8":
            raise FormatError(f"'{images_path}' holds {images.dtype} of shape "
                              f"{list(images.shape)}; expected uint8 images (N, H, W)")
        if labels.dim() != 1 or str(labels.dtype) != "rustorch.uint8":
            raise FormatError(f"'{labels_path}' holds {labels.dtype} of shape "
                              f"{list(labels.shape)}; expected uint8 labels (N,)")
        if images.shape[0] != labels.shape[0]:
            raise FormatError(f"'{images_path}' has {images.shape[0]} images but "
                              f"'{labels_path}' has {labels.shape[0]} labels")
        if labels.numel() and int(labels.max()) >= len(self.classes):
            raise FormatError(f"'{labels_path}' has label {int(labels.max())}; "
                              f"{type(self).__name__} has {len(self.classes)} classes")
        return images, labels.long()

    @staticmethod
    def _files_of(train):
        prefix = "train" if train else "t10k"
        return [f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"]

    def _check_exists(self):
        return all(self._find(n) is not None
                   for split in (True, False)
                   for n in self._files_of(split))

    def download(self):
        """Fetch the four .gz files into ``raw_folder`` unless already there."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            if self._find(filename[:-3]) is not None:
                continue
            try:
                download_file([m + filename for m in self.mirrors],
                              os.path.join(self.raw_folder, filename), md5,
                              what=f"{type(self).__name__} {filename}")
            except DataNotFoundError as e:
                raise DataNotFoundError(f"{e}. {self._guidance(offer_download=False)}") from None

    def _load(self, index):
        i = check_index(index, len(self.targets), type(self).__name__)
        return self.data[i].unsqueeze(0), int(self.targets[i])

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's clothing images in MNIST's format."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
               "Shirt", "Sneaker", "Bag", "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST: cursive Japanese characters in MNIST's format."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
