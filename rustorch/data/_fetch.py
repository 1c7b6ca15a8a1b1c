"""Fetching one batch (or one sample) from a data set, the same code in the
main process and in workers."""

MAP, ITERABLE = "map", "iterable"


class MapFetcher:
    __slots__ = ("dataset", "auto_collation", "collate_fn")

    def __init__(self, dataset, auto_collation, collate_fn):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn

    def fetch(self, index):
        ds = self.dataset
        if self.auto_collation:
            getitems = getattr(ds, "__getitems__", None)
            data = getitems(index) if getitems else [ds[i] for i in index]
        else:
            data = ds[index]
        return self.collate_fn(data)


class IterableFetcher:
    """Pulls len(index) samples from the data set's iterator; raises
    StopIteration when nothing (or, with drop_last, too little) is left."""

    __slots__ = ("it", "auto_collation", "collate_fn", "drop_last", "ended")

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.it = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in index:
                try:
                    data.append(next(self.it))
                except StopIteration:
                    self.ended = True
                    break
            if not data or (self.drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            data = next(self.it)
        return self.collate_fn(data)


def make_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
    if kind == MAP:
        return MapFetcher(dataset, auto_collation, collate_fn)
    return IterableFetcher(dataset, auto_collation, collate_fn, drop_last)
