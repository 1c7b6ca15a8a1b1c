"""``rustorch.save`` / ``rustorch.load``: torch's checkpoint files, no torch needed.

``load`` reads what ``torch.save`` writes (zip and legacy layouts, see
:mod:`rustorch.formats.torch_format`) and ``.safetensors`` files (recognised by
extension or by their header); ``save`` writes torch's zip layout, or safetensors
when the path ends in ``.safetensors``.  Loading never executes code from the
file, whatever ``weights_only`` says.
"""
import io
import os
import struct

import rustorch as rt
from rustorch._errors import InvalidArgument, InvalidType

__all__ = ["save", "load"]

_SAFETENSORS_EXT = ".safetensors"


def _looks_like_safetensors(head):
    # u64 header length, then the JSON header's '{'; zip and pickle files cannot match
    if len(head) < 9 or head[8:9] != b"{":
        return False
    return struct.unpack("<Q", head[:8])[0] <= 100_000_000


def _safetensors_device(map_location):
    if map_location is None:
        return "cpu"
    if isinstance(map_location, (str, rt.device)):
        return str(rt.device(map_location))
    raise InvalidArgument("map_location for a safetensors file must be None or a device, got "
                          f"{type(map_location).__name__}")


def load(f, map_location=None, weights_only=True, mmap=None):
    """The object saved in ``f`` (path, bytes or binary file) with rustorch tensors.

    ``map_location``: None (rustorch's cpu; torch's device tags such as 'cuda:0'
    name torch devices), a device, a ``{location: device}`` dict, or a callable
    ``fn(storage_tensor, location) -> tensor or None``.  ``weights_only``: loading
    is always restricted to tensors and plain data, so False changes nothing.
    ``mmap``: accepted for torch compatibility; the data are read into memory.
    """
    from rustorch.formats import safetensors as st
    from rustorch.formats import torch_format
    if weights_only not in (True, False, None):
        raise InvalidType(f"weights_only must be a bool, got {weights_only!r}")
    if mmap not in (None, True, False):
        raise InvalidType(f"mmap must be a bool, got {mmap!r}")
    is_path = isinstance(f, (str, os.PathLike))
    if mmap and not is_path:
        raise InvalidArgument("mmap=True needs f to be a file path")
    if is_path:
        path = os.fspath(f)
        head = b""
        if os.path.isfile(path):
            with open(path, "rb") as fh:
                head = fh.read(9)
        if path.endswith(".safetensors.index.json") or os.path.isdir(path):
            from rustorch.formats import sharded
            return sharded.load_sharded(path, device=_safetensors_device(map_location))
        if str(path).endswith(_SAFETENSORS_EXT) or _looks_like_safetensors(head):
            return st.load_file(path, device=_safetensors_device(map_location))
        return torch_format.load(path, map_location)
    if isinstance(f, (bytes, bytearray, memoryview)):
        if _looks_like_safetensors(bytes(f[:9])):
            return st.load(f, device=_safetensors_device(map_location))
        return torch_format.load(f, map_location)
    if hasattr(f, "read"):
        seekable = getattr(f, "seekable", None)
        if seekable is not None and seekable():
            pos = f.tell()
            head = f.read(9)
            f.seek(pos)
        else:
            f = io.BytesIO(f.read())
            head = f.getvalue()[:9]
        if isinstance(head, (bytes, bytearray)) and _looks_like_safetensors(head):
            return st.load(f.read(), device=_safetensors_device(map_location))
        return torch_format.load(f, map_location)
    raise InvalidType(f"load expects a path, bytes or a binary file object, got "
                      f"{type(f).__name__}")


def save(obj, f):
    """Write ``obj`` to ``f`` (path or binary file) so that ``torch.load(f,
    weights_only=True)`` and :func:`load` read it back.  A path ending in
    ``.safetensors`` gets safetensors instead (``obj``: a flat ``{name: Tensor}``)."""
    from rustorch.formats import safetensors as st
    from rustorch.formats import torch_format
    if isinstance(f, (str, os.PathLike)) and os.fspath(f).endswith(_SAFETENSORS_EXT):
        return st.save_file(obj, os.fspath(f))
    return torch_format.save(obj, f)
