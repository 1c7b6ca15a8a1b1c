"""Samplers: iterables of data-set indices (or of index lists, for BatchSampler),
with torch.utils.data's names, arguments and checks.

Random samplers draw on rustorch's RNG (``rt.randperm``/``rt.randint``/
``rt.multinomial``), so orders differ from torch's but are reproducible under
``rt.manual_seed`` or an explicit ``rt.Generator``.
"""
import itertools
import warnings

from .._errors import InvalidArgument, InvalidType

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]


def _is_positive_int(v):
    return isinstance(v, int) and not isinstance(v, bool) and v > 0


class Sampler:
    """Base class: subclasses define ``__iter__`` (and ``__len__`` where known)."""

    def __init__(self, data_source=None):
        if data_source is not None:
            warnings.warn("`data_source` argument is not used and will be removed in 2.2.0."
                          "You may still have custom implementation that utilizes it.")

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


def _fresh_generator():
    """A generator seeded from the *global* RNG, as torch's RandomSampler does
    without a generator: rt.manual_seed/set_rng_state then fix the order."""
    import rustorch as rt
    seed = rt.empty((), dtype=rt.int64, device="cpu").random_().item()
    return rt.Generator().manual_seed(seed)


class RandomSampler(Sampler):
    """A random permutation each epoch, or ``num_samples`` draws with replacement."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise InvalidType(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not _is_positive_int(self.num_samples):
            raise InvalidArgument(f"num_samples should be a positive integer value, but got "
                                  f"num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        import rustorch as rt
        n = len(self.data_source)
        # the seed is drawn on the first next(), as in torch (a generator function)
        g = _fresh_generator() if self.generator is None else self.generator
        if self.replacement:
            for _ in range(self.num_samples // 32):
                yield from rt.randint(0, n, (32,), generator=g, device="cpu").tolist()
            yield from rt.randint(0, n, (self.num_samples % 32,), generator=g, device="cpu").tolist()
        else:
            for _ in range(self.num_samples // n):
                yield from rt.randperm(n, generator=g, device="cpu").tolist()
            yield from rt.randperm(n, generator=g, device="cpu").tolist()[:self.num_samples % n]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order (global RNG unless ``generator``)."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        import rustorch as rt
        for i in rt.randperm(len(self.indices), generator=self.generator, device="cpu").tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """Indices 0..len(weights)-1 drawn with probabilities proportional to ``weights``."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        import rustorch as rt
        if not _is_positive_int(num_samples):
            raise InvalidArgument(f"num_samples should be a positive integer value, but got "
                                  f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise InvalidArgument(f"replacement should be a boolean value, but got replacement={replacement}")
        w = rt.as_tensor(weights, dtype=rt.float64, device="cpu")
        if w.ndim != 1:
            raise InvalidArgument(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        import rustorch as rt
        draws = rt.multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator)
        yield from draws.tolist()

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``."""

    def __init__(self, sampler, batch_size, drop_last):
        if not _is_positive_int(batch_size):
            raise InvalidArgument(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise InvalidArgument(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        it = iter(self.sampler)
        while True:
            batch = list(itertools.islice(it, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


class _InfiniteConstantSampler(Sampler):
    """Endless ``None``s: the 'indices' of an IterableDataset."""

    def __iter__(self):
        while True:
            yield None
