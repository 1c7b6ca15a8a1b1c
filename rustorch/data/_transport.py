"""Pickling of batches between worker processes and the main process.

Tensors pickle as their raw little-endian bytes (``Tensor.__reduce_ex__``), so
the standard pickle at its highest protocol is the fast path here too."""
import pickle

_PROTOCOL = pickle.HIGHEST_PROTOCOL


def dumps(obj):
    return pickle.dumps(obj, protocol=_PROTOCOL)


loads = pickle.loads
