"""Sharded safetensors checkpoints: several ``.safetensors`` files plus an index.

The layout Hugging Face uses for large models::

    model-00001-of-00003.safetensors
    model-00002-of-00003.safetensors
    model-00003-of-00003.safetensors
    model.safetensors.index.json   {"metadata": {"total_size": N}, "weight_map": {name: file}}

``save_sharded`` splits a state dict into shards of at most ``max_shard_size``
bytes (a tensor larger than that gets a shard of its own); ``load_sharded``
reads them back, and refuses an index whose file names leave the folder, that
names a tensor its shard does not hold, or whose shards hold tensors the index
does not list.
"""
import json
import os

from .._errors import DataNotFoundError, FormatError, InvalidArgument, InvalidType
from . import safetensors as st

__all__ = ["save_sharded", "load_sharded", "INDEX_SUFFIX"]

INDEX_SUFFIX = ".safetensors.index.json"
_UNITS = {"KB": 10 ** 3, "MB": 10 ** 6, "GB": 10 ** 9, "KIB": 2 ** 10, "MIB": 2 ** 20, "GIB": 2 ** 30,
          "B": 1}


def _parse_size(size):
    """Bytes from an int or a string such as '5GB' / '500MiB'."""
    if isinstance(size, bool):
        raise InvalidType("max_shard_size must be an int or a string like '5GB'")
    if isinstance(size, int):
        value = size
    elif isinstance(size, str):
        text = size.strip().upper().replace(" ", "")
        unit = next((u for u in sorted(_UNITS, key=len, reverse=True) if text.endswith(u)), None)
        try:
            value = int(float(text[:-len(unit)]) * _UNITS[unit]) if unit else int(text)
        except ValueError:
            raise InvalidArgument(f"max_shard_size {size!r} is not a size like '5GB' or '500MiB'") from None
    else:
        raise InvalidType(f"max_shard_size must be an int or a string like '5GB', got {type(size).__name__}")
    if value <= 0:
        raise InvalidArgument(f"max_shard_size must be positive, got {size!r}")
    return value


def save_sharded(tensors, directory, max_shard_size="5GB", metadata=None, prefix="model"):
    """Write ``tensors`` (name -> Tensor) as shards plus an index into ``directory``;
    returns the index path.  Tensors keep their order; each shard is a valid
    safetensors file on its own (with ``metadata`` in every shard)."""
    limit = _parse_size(max_shard_size)
    if not isinstance(tensors, dict):
        raise InvalidType(f"save_sharded expects a dict of name -> Tensor, got {type(tensors).__name__}")
    if not prefix or os.sep in prefix or (os.altsep and os.altsep in prefix):
        raise InvalidArgument(f"prefix must be a plain file-name stem, got {prefix!r}")
    shards, current, size = [], {}, 0
    for name, t in tensors.items():
        nbytes = t.numel() * t.dtype.itemsize
        if current and size + nbytes > limit:
            shards.append(current)
            current, size = {}, 0
        current[name] = t
        size += nbytes
    shards.append(current)
    os.makedirs(directory, exist_ok=True)
    count = len(shards)
    weight_map, total = {}, 0
    for i, shard in enumerate(shards, 1):
        fname = f"{prefix}-{i:05d}-of-{count:05d}.safetensors"
        st.save_file(shard, os.path.join(directory, fname), metadata=metadata)
        for name, t in shard.items():
            weight_map[name] = fname
            total += t.numel() * t.dtype.itemsize
    index = {"metadata": {"total_size": total, **(metadata or {})}, "weight_map": weight_map}
    path = os.path.join(directory, prefix + INDEX_SUFFIX)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(index, f, indent=2)
    os.replace(tmp, path)  # the index appears only once every shard is written
    return path


def _read_index(path):
    try:
        with open(path, "rb") as f:
            raw = f.read(64 * 2 ** 20 + 1)
    except FileNotFoundError:
        raise DataNotFoundError(f"no such sharded-checkpoint index: {path!r}") from None
    if len(raw) > 64 * 2 ** 20:
        raise FormatError(f"{path}: index larger than 64 MiB; not a checkpoint index")
    try:
        index = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise FormatError(f"{path}: index is not valid UTF-8 JSON ({e})") from None
    wmap = index.get("weight_map") if isinstance(index, dict) else None
    if not isinstance(wmap, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in wmap.items()):
        raise FormatError(f"{path}: index has no 'weight_map' of tensor name -> file name")
    return wmap


def load_sharded(path, device="cpu"):
    """``{name: Tensor}`` from a sharded checkpoint: ``path`` is the index JSON or
    the folder holding exactly one ``*.safetensors.index.json``."""
    path = os.fspath(path)
    if os.path.isdir(path):
        found = sorted(n for n in os.listdir(path) if n.endswith(INDEX_SUFFIX))
        if len(found) != 1:
            raise DataNotFoundError(f"{path}: expected one '*{INDEX_SUFFIX}' file, found {found or 'none'}")
        path = os.path.join(path, found[0])
    wmap = _read_index(path)
    folder = os.path.dirname(os.path.abspath(path))
    by_file = {}
    for name, fname in wmap.items():
        if os.path.basename(fname) != fname or fname in ("", ".", ".."):
            raise FormatError(f"{path}: shard name {fname!r} for tensor {name!r} is not a plain "
                              "file name in the index's folder")
        by_file.setdefault(fname, []).append(name)
    out = {}
    for fname, names in by_file.items():
        shard_path = os.path.join(folder, fname)
        if not os.path.isfile(shard_path):
            raise DataNotFoundError(f"{path}: shard {fname!r} is missing from {folder!r}")
        with st.safe_open(shard_path, device=device) as f:
            held = set(f.keys())
            missing = [n for n in names if n not in held]
            if missing:
                raise FormatError(f"{path}: the index puts {missing[:5]} in {fname!r}, which does not "
                                  "hold them")
            extra = sorted(held - set(names))
            if extra:
                raise FormatError(f"{path}: shard {fname!r} holds tensors the index does not list: "
                                  f"{extra[:5]}")
            for n in names:
                out[n] = f.get_tensor(n)
    return {name: out[name] for name in wmap}
