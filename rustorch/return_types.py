"""Named tuples of ops that return several tensors, like ``torch.return_types``:
``values, indices = rt.max(x, 1)`` and ``rt.max(x, 1).values`` both work."""
from operator import itemgetter


class _StructSeq(tuple):
    __slots__ = ()
    _fields = ()

    def __new__(cls, seq):
        seq = tuple(seq)
        if len(seq) != len(cls._fields):
            raise TypeError(f"rustorch.return_types.{cls.__name__} takes a sequence of length "
                            f"{len(cls._fields)} ({len(seq)} given)")
        return tuple.__new__(cls, seq)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"rustorch.return_types.{type(self).__name__}(\n{body})"

    def __reduce__(self):
        return (type(self), (tuple(self),))


def _make(name, fields):
    ns = {"__slots__": (), "_fields": fields, "n_fields": len(fields),
          "n_sequence_fields": len(fields), "__module__": __name__, "__qualname__": name}
    for i, f in enumerate(fields):
        ns[f] = property(itemgetter(i))
    return type(name, (_StructSeq,), ns)


_VI = ("values", "indices")
max = _make("max", _VI)  # noqa: A001
min = _make("min", _VI)  # noqa: A001
median = _make("median", _VI)
nanmedian = _make("nanmedian", _VI)
mode = _make("mode", _VI)
cummax = _make("cummax", _VI)
cummin = _make("cummin", _VI)
kthvalue = _make("kthvalue", _VI)
sort = _make("sort", _VI)
topk = _make("topk", _VI)
aminmax = _make("aminmax", ("min", "max"))

__all__ = ["max", "min", "median", "nanmedian", "mode", "cummax", "cummin", "kthvalue", "sort",
           "topk", "aminmax"]
