"""The 8x8 handwritten digits that ship inside scikit-learn (UCI optdigits test
set, 1797 samples), with a deterministic stratified train/test split."""
import array
import gzip
import importlib.util
import os
import sys

import rustorch as rt
from rustorch._errors import DataNotFoundError, FormatError, InvalidArgument

from ._vision import VisionDataset, check_index

_FILE = "digits.csv.gz"


def sklearn_digits_path():
    """Path of scikit-learn's digits.csv.gz, found without importing sklearn
    (importing it takes seconds); None where sklearn is not installed."""
    try:
        spec = importlib.util.find_spec("sklearn")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        path = os.path.join(base, "datasets", "data", _FILE)
        if os.path.isfile(path):
            return path
    return None


def read_digits_csv(path):
    """(pixels as an array('f') of N*64 values 0..16, labels list) from the CSV
    (64 pixel values then the label per line; gzipped or plain)."""
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    try:
        with (gzip.open(path, "rt") if gz else open(path, "rt")) as f:
            text = f.read()
    except (OSError, EOFError, UnicodeDecodeError) as e:
        raise FormatError(f"cannot read digits file '{path}': {e}") from None
    pixels, labels = array.array("f"), []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split(",")
        if len(fields) != 65:
            raise FormatError(f"'{path}' line {lineno}: {len(fields)} values, expected 65 "
                              f"(64 pixels and a label)")
        try:
            values = [float(v) for v in fields]
        except ValueError as e:
            raise FormatError(f"'{path}' line {lineno}: {e}") from None
        if not all(0 <= v <= 16 for v in values[:64]):
            raise FormatError(f"'{path}' line {lineno}: pixel values must lie in 0..16")
        label = values[64]
        if label != int(label) or not 0 <= label <= 9:
            raise FormatError(f"'{path}' line {lineno}: label {fields[64].strip()} is not 0..9")
        pixels.extend(values[:64])
        labels.append(int(label))
    if not labels:
        raise FormatError(f"digits file '{path}' holds no samples")
    return pixels, labels


def stratified_split(labels, test_fraction, seed):
    """(train indices, test indices), both sorted: within each class a permutation
    from ``rt.Generator().manual_seed(seed)``; the first part trains, the rest
    tests, so each class keeps its share in both."""
    gen = rt.Generator().manual_seed(seed)
    train, test = [], []
    for c in sorted(set(labels)):
        members = [i for i, t in enumerate(labels) if t == c]
        order = rt.randperm(len(members), generator=gen).tolist()
        n_test = int(round(len(members) * test_fraction))
        n_train = len(members) - n_test
        train += [members[k] for k in order[:n_train]]
        test += [members[k] for k in order[n_train:]]
    return sorted(train), sorted(test)


class Digits(VisionDataset):
    """Items are ``(image, target)``: image a float32 tensor (1, 8, 8) = pixels/16,
    target an int 0..9. ``.data`` (N, 8, 8) float32, ``.targets`` (N,) int64,
    ``.indices`` the row numbers in the file this split took. The file comes from
    ``path``, else ``root/digits.csv.gz``, else scikit-learn's copy."""

    classes = [str(d) for d in range(10)]

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 test_fraction=0.2, seed=0, path=None):
        super().__init__(root, transform=transform, target_transform=target_transform)
        if not isinstance(test_fraction, (int, float)) or not 0 <= test_fraction < 1:
            raise InvalidArgument(f"Digits: test_fraction must be in [0, 1), got {test_fraction!r}")
        self.train, self.test_fraction, self.seed = bool(train), float(test_fraction), seed
        self.path = self._locate(path)
        pixels, labels = read_digits_csv(self.path)
        train_idx, test_idx = stratified_split(labels, self.test_fraction, seed)
        self.indices = train_idx if self.train else test_idx
        if sys.byteorder == "big":  # frombuffer reads little-endian
            pixels.byteswap()
        every = rt.frombuffer(pixels, dtype=rt.float32).reshape(len(labels), 8, 8) / 16.0
        keep = rt.tensor(self.indices, dtype=rt.int64)
        self.data = every.index_select(0, keep) if self.indices else every[:0]
        self.targets = rt.tensor([labels[i] for i in self.indices], dtype=rt.int64)
        self._targets = [labels[i] for i in self.indices]

    def _locate(self, path):
        if path is not None:
            path = os.fspath(path)
            if not os.path.isfile(path):
                raise DataNotFoundError(f"Digits: file '{path}' does not exist")
            return path
        if self.root is not None:
            candidate = os.path.join(self.root, _FILE)
            if os.path.isfile(candidate):
                return candidate
        found = sklearn_digits_path()
        if found is None:
            where = f" nor in '{self.root}'" if self.root is not None else ""
            raise DataNotFoundError(f"Digits: {_FILE} not found in scikit-learn{where}: "
                                    f"pip install scikit-learn, or pass path= to a copy of "
                                    f"{_FILE}")
        return found

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _load(self, index):
        i = check_index(index, len(self._targets), "Digits")
        return self.data[i].unsqueeze(0), self._targets[i]

    def __len__(self):
        return len(self._targets)

    def extra_repr(self):
        return (f"Split: {'Train' if self.train else 'Test'} "
                f"(test_fraction={self.test_fraction}, seed={self.seed})")
