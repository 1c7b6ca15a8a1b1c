"""Checkpoints without pickle: a safetensors file whose metadata describes the
structure.

``save_checkpoint(path, obj)`` takes a nested structure of dict / list / tuple /
str / int / float / bool / None / rustorch Tensors (model, optimizer and
scheduler state dicts, RNG states, ``random.getstate()``, counters, history).
Tensors go into the safetensors data section under generated keys ("t0",
"t1", ...); the structure is JSON in ``__metadata__["structure"]``, where each
node is tagged with its kind.  Loading only interprets those tags, so a hostile
file can at worst raise :class:`~rustorch.FormatError`; it never runs code.

Writes are atomic: the bytes go to a temporary file next to the target, are
flushed and fsynced, then ``os.replace`` moves them over the target, so a crash
leaves either the old checkpoint or the new one, never half of one.
"""
import errno
import json
import math
import os
import tempfile

import rustorch as rt
from rustorch._errors import DataNotFoundError, FormatError, InvalidType
from rustorch.formats import safetensors as _st

__all__ = ["save_checkpoint", "load_checkpoint", "CHECKPOINT_FORMAT"]

CHECKPOINT_FORMAT = "rustorch.checkpoint"
_VERSION = "1"
_MAX_DEPTH = 200          # deeper structures are hostile, not state dicts
_SAFE_INT = 1 << 53       # larger ints are stored as strings (JSON readers use doubles)


# ---------------------------------------------------------------- encoding
class _Encoder:
    def __init__(self):
        self.tensors = {}
        self._key_of = {}  # id(tensor) -> key: a tensor seen twice is stored once

    def encode(self, obj, where, depth=0):
        if depth > _MAX_DEPTH:
            raise InvalidType(f"checkpoint structure nested deeper than {_MAX_DEPTH} at {where}")
        if obj is None:
            return {"k": "none"}
        if isinstance(obj, bool):
            return {"k": "bool", "v": obj}
        if isinstance(obj, int):
            return {"k": "int", "v": obj if -_SAFE_INT < obj < _SAFE_INT else str(obj)}
        if isinstance(obj, float):
            return {"k": "float", "v": obj if math.isfinite(obj) else repr(obj)}
        if isinstance(obj, str):
            return {"k": "str", "v": obj}
        if isinstance(obj, rt.Tensor):
            return self._tensor(obj)
        if isinstance(obj, dict):
            return {"k": "dict", "v": [[self.encode(k, f"{where} key {k!r}", depth + 1),
                                        self.encode(v, f"{where}[{k!r}]", depth + 1)]
                                       for k, v in obj.items()]}
        if isinstance(obj, (list, tuple)):
            kind = "list" if isinstance(obj, list) else "tuple"
            return {"k": kind, "v": [self.encode(v, f"{where}[{i}]", depth + 1)
                                     for i, v in enumerate(obj)]}
        raise InvalidType(f"cannot save an object of type {type(obj).__name__} at {where}; a "
                          "checkpoint holds dict/list/tuple/str/int/float/bool/None/Tensor only")

    def _tensor(self, t):
        key = self._key_of.get(id(t))
        if key is None:
            key = f"t{len(self.tensors)}"
            self._key_of[id(t)] = key
            self.tensors[key] = t.detach()
        return {"k": "tensor", "key": key, "requires_grad": bool(t.requires_grad)}


# ---------------------------------------------------------------- decoding
class _Decoder:
    def __init__(self, reader, where):
        self._reader = reader
        self._where = where
        self._loaded = {}

    def fail(self, msg):
        raise FormatError(f"{self._where}: {msg}")

    def decode(self, node, depth=0):
        if depth > _MAX_DEPTH:
            self.fail(f"structure nested deeper than {_MAX_DEPTH}")
        if not isinstance(node, dict) or not isinstance(node.get("k"), str):
            self.fail(f"structure node {_short(node)} is not a tagged object")
        kind, v = node["k"], node.get("v")
        if kind == "none":
            return None
        if kind == "bool" and isinstance(v, bool):
            return v
        if kind == "int":
            if isinstance(v, int) and not isinstance(v, bool):
                return v
            if isinstance(v, str) and v.lstrip("-").isascii() and v.lstrip("-").isdigit():
                try:
                    return int(v)
                except ValueError:  # more digits than int() accepts
                    self.fail(f"int node {_short(v)} is too long")
        if kind == "float":
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return float(v)
            if v in ("nan", "inf", "-inf"):
                return float(v)
        if kind == "str" and isinstance(v, str):
            return v
        if kind in ("list", "tuple") and isinstance(v, list):
            items = [self.decode(x, depth + 1) for x in v]
            return items if kind == "list" else tuple(items)
        if kind == "dict" and isinstance(v, list):
            out = {}
            for pair in v:
                if not isinstance(pair, list) or len(pair) != 2:
                    self.fail(f"dict item {_short(pair)} is not a [key, value] pair")
                key = self.decode(pair[0], depth + 1)
                try:
                    hash(key)
                except TypeError:
                    self.fail(f"dict key {_short(pair[0])} is not hashable")
                out[key] = self.decode(pair[1], depth + 1)
            return out
        if kind == "tensor" and isinstance(node.get("key"), str):
            return self._tensor(node["key"], node.get("requires_grad") is True)
        known = ("none", "bool", "int", "float", "str", "list", "tuple", "dict", "tensor")
        if kind not in known:
            self.fail(f"unknown node kind {kind!r} (known: {', '.join(known)})")
        self.fail(f"malformed {kind!r} node {_short(node)}")

    def _tensor(self, key, requires_grad):
        t = self._loaded.get(key)
        if t is None:
            if key not in self._reader.keys():
                self.fail(f"the structure refers to tensor {key!r}, which the file does not hold")
            t = self._loaded[key] = self._reader.get_tensor(key)
            if requires_grad and (t.is_floating_point() or t.is_complex()):
                t.requires_grad_(True)
        return t


def _short(node):
    text = json.dumps(node) if not isinstance(node, str) else repr(node)
    return text if len(text) <= 80 else text[:77] + "..."


# ---------------------------------------------------------------- files
def _before_replace(tmp_path, path):
    """Called after the temporary file is complete and before it replaces
    ``path``.  A seam for tests that inject a crash at the worst moment."""


# errors that mean "this file system cannot fsync" (e.g. Pyodide's in-memory FS),
# not "the data did not reach the disk"
_FSYNC_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP}


def _fsync_file(fd):
    try:
        os.fsync(fd)
    except OSError as e:
        if e.errno not in _FSYNC_UNSUPPORTED:
            raise


def _fsync_dir(dirpath):
    try:
        fd = os.open(dirpath, os.O_RDONLY)
    except OSError:  # Windows and some sandboxes cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_checkpoint(path, obj):
    """Write ``obj`` to ``path`` atomically (temp file + fsync + os.replace)."""
    path = os.fspath(path)
    enc = _Encoder()
    structure = enc.encode(obj, "checkpoint")
    meta = {"format": CHECKPOINT_FORMAT, "version": _VERSION,
            "structure": json.dumps(structure, separators=(",", ":"), allow_nan=False)}
    head, chunks = _st._serialize(enc.tensors, meta)
    dirpath = os.path.dirname(os.path.abspath(path))
    os.makedirs(dirpath, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dirpath, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(head)
            for c in chunks:
                f.write(c)
            f.flush()
            _fsync_file(f.fileno())
        _before_replace(tmp, path)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(dirpath)


def load_checkpoint(path, device="cpu"):
    """Read a checkpoint written by :func:`save_checkpoint`; tensors land on ``device``."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise DataNotFoundError(f"no checkpoint at {path!r}")
    with _st.safe_open(path, device=device) as reader:
        meta = reader.metadata() or {}
        if meta.get("format") != CHECKPOINT_FORMAT:
            raise FormatError(f"{path}: not a rustorch checkpoint (metadata format is "
                              f"{meta.get('format')!r}, expected {CHECKPOINT_FORMAT!r})")
        if meta.get("version") != _VERSION:
            raise FormatError(f"{path}: checkpoint version {meta.get('version')!r} is not "
                              f"supported (this rustorch reads version {_VERSION})")
        try:
            structure = json.loads(meta.get("structure", ""), parse_constant=_reject_constant)
        except RecursionError:
            raise FormatError(f"{path}: checkpoint structure is nested too deeply") from None
        except ValueError as e:
            raise FormatError(f"{path}: checkpoint structure is not valid JSON ({e})") from None
        return _Decoder(reader, path).decode(structure)


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")
