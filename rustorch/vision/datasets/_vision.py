"""What every image data set here shares: root, transforms, repr."""
import os

from ...data import Dataset


class VisionDataset(Dataset):
    """Base of the data sets: ``root``, ``transform`` (applied to the image) and
    ``target_transform`` (applied to the target); subclasses give ``__len__`` and
    ``_load(index) -> (image, target)``."""

    _repr_indent = 4

    def __init__(self, root, transform=None, target_transform=None):
        self.root = os.path.expanduser(os.fspath(root)) if root is not None else None
        self.transform = transform
        self.target_transform = target_transform

    def _load(self, index):
        raise NotImplementedError

    def __getitem__(self, index):
        img, target = self._load(index)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        raise NotImplementedError

    def __iter__(self):  # so that for-loops stop at len() instead of at an IndexError
        for i in range(len(self)):
            yield self[i]

    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            lines.append(f"Root location: {self.root}")
        lines += [s for s in self.extra_repr().splitlines() if s]
        if self.transform is not None:
            lines.append(f"Transform: {self.transform!r}")
        if self.target_transform is not None:
            lines.append(f"Target transform: {self.target_transform!r}")
        pad = " " * self._repr_indent
        return "\n".join([f"Dataset {type(self).__name__}"] + [pad + s for s in lines])


def check_index(index, n, name):
    """Plain Python int index in range, negatives counted from the end."""
    import operator
    from rustorch._errors import IndexOutOfRange, InvalidType
    try:
        i = operator.index(index)
    except TypeError:
        raise InvalidType(f"{name} indices must be integers, got "
                          f"{type(index).__name__}") from None
    if not -n <= i < n:
        raise IndexOutOfRange(f"index {i} is out of range for {name} of length {n}")
    return i + n if i < 0 else i
