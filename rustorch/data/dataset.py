"""Data sets: map-style (``ds[i]``, ``len(ds)``) and iterable-style (``iter(ds)``),
with torch.utils.data's names and semantics."""
import bisect
import itertools
import math
import operator
import warnings

from .._errors import IndexOutOfRange, InvalidArgument, InvalidType, ShapeError
from ._exceptions import SizeMismatchError

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
           "ChainDataset", "Subset", "random_split"]


class Dataset:
    """A map-style data set: subclasses define ``__getitem__`` (and usually
    ``__len__``, which samplers need)."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses define ``__iter__``.  With worker
    processes each worker iterates its own copy; shard with get_worker_info()."""

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other):
        return ChainDataset([self, other])


def _first_dim(t, what):
    if not hasattr(t, "shape") or len(t.shape) == 0:
        raise ShapeError(f"{what} needs tensors with at least one dimension, got shape "
                         f"{tuple(getattr(t, 'shape', ()))}")
    return t.shape[0]


class TensorDataset(Dataset):
    """Sample ``i`` is ``tuple(t[i] for t in tensors)``."""

    def __init__(self, *tensors):
        sizes = [_first_dim(t, "TensorDataset") for t in tensors]
        if len(set(sizes)) > 1:
            raise SizeMismatchError(f"Size mismatch between tensors: first dimensions are {sizes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0] if self.tensors else 0


class StackDataset(Dataset):
    """Samples of several data sets side by side: positional arguments give
    tuples, keyword arguments give dicts."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise InvalidArgument("Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) "
                                  "like input/output, but both types are given.")
        parts = list(args) or list(kwargs.values())
        if not parts:
            raise InvalidArgument("At least one dataset should be passed")
        lengths = [len(d) for d in parts]
        if len(set(lengths)) > 1:
            raise InvalidArgument(f"Size mismatch between datasets: lengths {lengths}")
        self._length = lengths[0]
        self.datasets = tuple(args) if args else dict(kwargs)

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self):
        return self._length


class ConcatDataset(Dataset):
    """Map-style data sets one after another."""

    @staticmethod
    def cumsum(sequence):
        return list(itertools.accumulate(len(d) for d in sequence))

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise InvalidArgument("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise InvalidType("ConcatDataset does not support IterableDataset "
                                  f"(got {type(d).__name__}); use ChainDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise InvalidArgument(f"absolute value of index should not exceed dataset length: "
                                      f"index {idx} for length {n}")
            idx += n
        if idx >= n:
            raise IndexOutOfRange(f"index {idx} is out of range for ConcatDataset of length {n}")
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """Iterable data sets one after another (chained lazily)."""

    def __init__(self, datasets):
        self.datasets = datasets

    def _check(self, d):
        if not isinstance(d, IterableDataset):
            raise InvalidType(f"ChainDataset only supports IterableDataset, got {type(d).__name__}")

    def __iter__(self):
        for d in self.datasets:
            self._check(d)
            yield from d

    def __len__(self):
        total = 0
        for d in self.datasets:
            self._check(d)
            total += len(d)
        return total


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        # forward batched access when the wrapped data set has it
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)


def _lengths_from_fractions(fractions, n):
    lengths = []
    for i, frac in enumerate(fractions):
        if frac < 0 or frac > 1:
            raise InvalidArgument(f"Fraction at index {i} is not between 0 and 1 (got {frac})")
        lengths.append(int(math.floor(n * frac)))
    # the items left by flooring go one each to the splits in turn, as torch does
    for i in range(n - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, length in enumerate(lengths):
        if length == 0:
            warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.")
    return lengths


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random Subsets of the given
    lengths, or of fractions of its length (summing to 1)."""
    import rustorch as rt
    lengths = list(lengths)
    n = len(dataset)
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        lengths = _lengths_from_fractions(lengths, n)
    else:
        for i, length in enumerate(lengths):
            try:
                lengths[i] = operator.index(length)
            except TypeError:
                lengths[i] = -1
            if lengths[i] < 0 or isinstance(length, bool):
                raise InvalidArgument(f"random_split lengths must be non-negative integers or fractions "
                                      f"summing to 1; got {length!r} at index {i}")
    if sum(lengths) != n:
        raise InvalidArgument(f"Sum of input lengths does not equal the length of the input dataset! "
                              f"(sum {sum(lengths)} of {lengths}, dataset length {n})")
    indices = rt.randperm(n, generator=generator, device="cpu").tolist()
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, indices[start:start + length]))
        start += length
    return out
