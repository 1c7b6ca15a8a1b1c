"""Turning a list of samples into a batch (default_collate) and converting
samples without batching (default_convert), as torch.utils.data does.

NumPy is never imported here: NumPy objects are recognised by their type's
module, and only then converted with ``rt.as_tensor``.
"""
import collections.abc as abc
import copy

from .._errors import IndexOutOfRange, InvalidType, ShapeError, shape_str

__all__ = ["default_collate", "default_convert", "collate", "default_collate_fn_map",
           "NumpyObject"]

_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


class _NumpyMeta(type):
    def __instancecheck__(cls, obj):
        t = type(obj)
        return t.__module__ == "numpy" and t.__name__ not in ("str_", "bytes_", "string_")


class NumpyObject(metaclass=_NumpyMeta):
    """Matches NumPy arrays and scalars in isinstance() without importing NumPy
    (a key of collate_fn_map)."""


def _is_np_array(obj):
    return type(obj).__name__ in ("ndarray", "memmap")


def _is_text_dtype(arr):
    return arr.dtype.kind in "SaUO"  # bytes, str and object arrays have no tensor form


def collate_tensor_fn(batch, *, collate_fn_map=None):
    import rustorch as rt
    first = tuple(batch[0].shape)
    for i, t in enumerate(batch):
        if tuple(t.shape) != first:
            raise ShapeError(f"default_collate: stack expects each tensor to be equal size, but got "
                             f"{shape_str(first)} at entry 0 and {shape_str(t.shape)} at entry {i}")
    return rt.stack(list(batch), 0)


def collate_numpy_fn(batch, *, collate_fn_map=None):
    import rustorch as rt
    elem = batch[0]
    if _is_np_array(elem):
        if _is_text_dtype(elem):
            raise InvalidType(_ERR.format(elem.dtype))
        return collate([rt.as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)
    import numpy as np  # present: the batch holds NumPy objects
    return rt.as_tensor(np.asarray(list(batch)))  # via an array, so NumPy scalars keep their dtype


def collate_float_fn(batch, *, collate_fn_map=None):
    import rustorch as rt
    return rt.tensor(list(batch), dtype=rt.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    import rustorch as rt
    return rt.tensor(list(batch))  # int64, or bool when every element is a bool


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


def _tensor_type():
    from .._tensor import Tensor
    return Tensor


default_collate_fn_map = {
    _tensor_type(): collate_tensor_fn,
    NumpyObject: collate_numpy_fn,  # before float: numpy.float64 subclasses float
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def collate(batch, *, collate_fn_map=None):
    """Collate ``batch`` using ``collate_fn_map`` ({type: fn(batch, *, collate_fn_map)})
    for leaves and recursing into mappings, namedtuples and sequences."""
    if len(batch) == 0:
        raise IndexOutOfRange("default_collate got an empty batch")
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for leaf_type, fn in collate_fn_map.items():
            if isinstance(elem, leaf_type):
                return fn(batch, collate_fn_map=collate_fn_map)

    def sub(samples):
        return collate(samples, collate_fn_map=collate_fn_map)

    if isinstance(elem, abc.Mapping):
        fields = {key: sub([d[key] for d in batch]) for key in elem}
        try:
            if isinstance(elem, abc.MutableMapping):
                out = copy.copy(elem)  # keeps the mapping's class and extra attributes
                out.update(fields)
                return out
            return elem_type(fields)
        except TypeError:  # a mapping class that cannot be built from a dict
            return fields
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(sub(samples) for samples in zip(*batch)))
    if isinstance(elem, abc.Sequence):
        sizes = [len(e) for e in batch]
        if any(s != sizes[0] for s in sizes):
            raise ShapeError(f"each element in list of batch should be of equal size; got lengths {sizes}")
        fields = [sub(samples) for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return fields  # torch gives a list for tuples
        try:
            if isinstance(elem, abc.MutableSequence):
                out = copy.copy(elem)
                for i, f in enumerate(fields):
                    out[i] = f
                return out
            return elem_type(fields)
        except TypeError:
            return fields
    raise InvalidType(_ERR.format(elem_type))


def default_collate(batch):
    """Stack a list of samples into a batch: tensors are stacked, numbers become
    tensors (float64/int64/bool), strings stay lists, containers are collated
    field by field."""
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data):
    """Convert NumPy arrays/scalars in ``data`` to tensors, leaving everything
    else as it is (the collate_fn when auto-batching is off)."""
    import rustorch as rt
    elem_type = type(data)
    if isinstance(data, _tensor_type()):
        return data
    if isinstance(data, NumpyObject):
        if _is_np_array(data) and _is_text_dtype(data):
            return data
        return rt.as_tensor(data)
    if isinstance(data, abc.Mapping):
        fields = {key: default_convert(data[key]) for key in data}
        try:
            if isinstance(data, abc.MutableMapping):
                out = copy.copy(data)
                out.update(fields)
                return out
            return elem_type(fields)
        except TypeError:
            return fields
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, abc.Sequence) and not isinstance(data, (str, bytes)):
        fields = [default_convert(d) for d in data]
        try:
            if isinstance(data, abc.MutableSequence):
                out = copy.copy(data)
                for i, f in enumerate(fields):
                    out[i] = f
                return out
            return elem_type(fields)
        except TypeError:
            return fields
    return data
