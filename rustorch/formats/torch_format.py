"""PyTorch ``.pt`` / ``.pth`` files without torch: read torch.save files, write files
that ``torch.load(f, weights_only=True)`` reads.

Reading understands both layouts torch.save has used:

* the zip layout (torch >= 1.6): ``<top>/data.pkl`` is a pickle whose tensors name
  their storages through persistent ids ``('storage', torch.FloatStorage, key,
  location, numel)``; the bytes of storage ``key`` are the record
  ``<top>/data/<key>``; ``<top>/byteorder`` says ``little`` or ``big``;
* the legacy layout (``_use_new_zipfile_serialization=False``): four pickles (magic
  number, protocol version 1001, sys_info, the object), a pickled list of storage
  keys, then for each key an 8-byte element count and the raw elements.

The pickles go through :mod:`rustorch.formats._restricted_pickle`: globals come from
an allow-list, nothing from the file is executed, and every size is checked against
the bytes that are really there before it is used.  Storages shared by several
tensors (views) are read once and the tensors are strided views of one rustorch
tensor, as in torch.

Writing produces torch's zip layout, version 3: ``data.pkl`` (protocol 2) written
opcode by opcode here (so torch never has to be imported), one record per storage,
every record's data aligned to 64 bytes like torch's writer.
"""
import array
import hashlib
import io
import os
import pickle
import struct
import zipfile
from collections import OrderedDict

import rustorch as rt
from rustorch._errors import (DataNotFoundError, FormatError, InvalidArgument, InvalidType,
                              UnsupportedError)
from rustorch.formats import _restricted_pickle as rp

__all__ = ["load", "save", "LEGACY_MAGIC_NUMBER", "LEGACY_PROTOCOL_VERSION"]

LEGACY_MAGIC_NUMBER = 0x1950a86a20f9469cfc6c
LEGACY_PROTOCOL_VERSION = 1001
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_ALIGN = 64
# the largest expansion deflate can reach is ~1032:1; a record claiming more is lying
_MAX_DEFLATE_RATIO = 1100
# a tensor of more elements than this in a checkpoint is corrupt, not a model
_MAX_NUMEL = 1 << 48


# ================================================================ reading
def _open_for_reading(f):
    """(binary file object, name for messages, whether we opened it)."""
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        try:
            return open(path, "rb"), str(path), True
        except FileNotFoundError:
            raise DataNotFoundError(f"no such file: {path!r}") from None
        except IsADirectoryError:
            raise InvalidArgument(f"{path!r} is a directory, not a checkpoint file") from None
    if isinstance(f, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(f)), "checkpoint bytes", False
    if hasattr(f, "read"):
        seekable = getattr(f, "seekable", None)
        if seekable is not None and seekable():
            return f, getattr(f, "name", "checkpoint stream"), False
        data = f.read()
        if not isinstance(data, (bytes, bytearray)):
            raise InvalidType(f"load expects a binary file, but read() gave {type(data).__name__}")
        return io.BytesIO(bytes(data)), getattr(f, "name", "checkpoint stream"), False
    raise InvalidType(f"load expects a path, bytes or a binary file object, got "
                      f"{type(f).__name__}")


def _placer(map_location):
    """fn(location tag, 1-D CPU storage tensor) -> the storage on its target device.
    None puts everything on rustorch's cpu: a torch file's tags ('cuda:0', 'mps')
    name torch devices, not rustorch ones."""
    if map_location is None:
        return lambda loc, s: s
    if isinstance(map_location, (str, rt.device)):
        dev = str(rt.device(map_location))
        return lambda loc, s: s if dev == "cpu" else s.to(dev)
    if isinstance(map_location, dict):
        table = {}
        for k, v in map_location.items():
            if not isinstance(k, str) or not isinstance(v, (str, rt.device)):
                raise InvalidType(f"map_location dict must map location strings to devices, got "
                                  f"{k!r}: {v!r}")
            table[k] = str(rt.device(v))
        return lambda loc, s: s if table.get(loc, "cpu") == "cpu" else s.to(table[loc])
    if callable(map_location):
        def call(loc, s):
            out = map_location(s, loc)
            if out is None:
                return s
            if (not isinstance(out, rt.Tensor) or out.dtype != s.dtype
                    or tuple(out.shape) != tuple(s.shape)):
                raise InvalidArgument(f"map_location callable must return None or a tensor of "
                                      f"the storage's dtype {s.dtype} and shape "
                                      f"{list(s.shape)}, got {out!r:.80}")
            return out
        return call
    raise InvalidType(f"map_location must be None, a device, a dict or a callable, got "
                      f"{type(map_location).__name__}")


def load(f, map_location=None, *, encoding="utf-8"):
    """The object torch.save wrote to ``f`` (a path, bytes or binary file), with
    rustorch tensors in place of torch's.  Nothing in the file is executed."""
    place = _placer(map_location)
    fh, where, opened = _open_for_reading(f)
    try:
        start = fh.tell()
        head = fh.read(512)
        if not isinstance(head, bytes):
            raise InvalidType(f"{where}: load needs a binary file (open it with 'rb')")
        fh.seek(start)
        if head[:4] in _ZIP_MAGICS:
            return _load_zip(fh, where, place, encoding)
        if head[:1] == b"\x80":
            return _load_legacy(fh.read(), where, place, encoding)
        if len(head) >= 262 and head[257:262] == b"ustar":
            raise UnsupportedError(f"{where}: a tar checkpoint (torch < 0.4) is not supported; "
                                   "re-save it with a current torch")
        if not head:
            raise FormatError(f"{where}: the file is empty")
        raise FormatError(f"{where}: not a PyTorch checkpoint (starts with {head[:8]!r}, "
                          "neither a zip archive nor a pickle)")
    finally:
        if opened:
            fh.close()


# ---------------------------------------------------------------- tensors from storages
def _contiguous_strides(size):
    out, acc = [], 1
    for n in reversed(size):
        out.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(out))


def _byteswap(raw, unit):
    """Elements of ``unit`` bytes reversed in place order (big-endian files)."""
    if unit == 1:
        return raw
    code = next(c for c in "HILQ" if array.array(c).itemsize == unit)
    a = array.array(code)
    a.frombytes(bytes(raw))
    a.byteswap()
    return a.tobytes()


class _TensorBuilder:
    """Turns recipes into tensors; one rustorch tensor per storage, views on it."""

    def __init__(self, read_storage, big_endian, place, where):
        self._read = read_storage   # (StorageRef, nbytes) -> exactly nbytes, checked
        self._big = big_endian
        self._place = place
        self._where = where
        self._storages = {}         # (key, dtype) -> 1-D tensor

    def __call__(self, recipe, walk):
        if isinstance(recipe, rp.ParamRecipe):
            data = self._tensor(recipe.data)
            if recipe.requires_grad:
                self._check_grad_dtype(data)
            p = rt.nn.Parameter(data, requires_grad=recipe.requires_grad)
            for name, value in recipe.state.items():
                # Python attributes torch kept on a parameter (e.g. _no_weight_decay); never
                # ones that would shadow a Tensor method or property
                if (not name.isidentifier() or name.startswith("__")
                        or hasattr(type(p), name)):
                    raise FormatError(f"{self._where}: parameter attribute {name!r} cannot be "
                                      "restored")
                setattr(p, name, walk(value))
            return p
        t = self._tensor(recipe)
        if recipe.requires_grad:
            self._check_grad_dtype(t)
            t = t.detach().requires_grad_(True)  # a leaf of its own, as torch loads it
        return t

    def _check_grad_dtype(self, t):
        if not (t.dtype.is_floating_point or t.dtype.is_complex):
            raise FormatError(f"{self._where}: a {t.dtype} tensor cannot require grad")

    def _storage(self, ref, dtype):
        key = (ref.key, dtype)
        s = self._storages.get(key)
        if s is None:
            unit = ref.dtype.itemsize if ref.dtype is not None else 1
            nbytes = ref.numel * unit
            raw = self._read(ref, nbytes)
            if self._big:
                raw = _byteswap(raw, dtype.itemsize // 2 if dtype.is_complex else dtype.itemsize)
            n = nbytes // dtype.itemsize
            s = (rt.frombuffer(raw, dtype=dtype, count=n) if n else rt.empty(0, dtype=dtype))
            s = self._place(ref.location, s)
            self._storages[key] = s
        return s

    def _tensor(self, r):
        ref, where = r.storage, self._where
        dtype = r.dtype or ref.dtype or rt.uint8
        if ref.dtype is not None and dtype is not ref.dtype:
            raise FormatError(f"{where}: storage {ref.key!r} holds {ref.dtype} but a tensor "
                              f"reads it as {dtype}")
        unit = ref.dtype.itemsize if ref.dtype is not None else 1
        lo, hi = (0, ref.numel) if ref.view is None else (ref.view[0], ref.view[0] + ref.view[1])
        lo_b, hi_b = lo * unit, hi * unit  # the bytes this storage (view) may reach
        if lo_b % dtype.itemsize:
            raise FormatError(f"{where}: storage {ref.key!r} view at byte {lo_b} is not aligned "
                              f"to {dtype}")
        numel = 1
        for n in r.size:
            numel *= n
        if numel > _MAX_NUMEL:
            raise FormatError(f"{where}: tensor of size {list(r.size)} has an absurd number of "
                              "elements")
        if numel == 0:
            return self._place(ref.location, rt.empty(r.size, dtype=dtype))
        first = lo_b // dtype.itemsize + r.offset
        last = first + sum((n - 1) * st for n, st in zip(r.size, r.stride))
        if last >= hi_b // dtype.itemsize:
            raise FormatError(f"{where}: a tensor of size {list(r.size)}, stride "
                              f"{list(r.stride)} and offset {r.offset} reaches element {last} "
                              f"of storage {ref.key!r}, which holds {hi_b // dtype.itemsize} "
                              f"{dtype} elements")
        s = self._storage(ref, dtype)
        # views of the storage tensor: tensors of one storage share memory, and saving
        # them again finds the storage through Tensor._base
        if first == 0 and numel == s.numel() and r.stride == _contiguous_strides(r.size):
            return s.view(r.size)
        return rt.as_strided(s, r.size, r.stride, first)


# ---------------------------------------------------------------- persistent ids
def _ascii(v, what, where):
    if isinstance(v, bytes):  # Python 2 pickles
        try:
            v = v.decode("ascii")
        except UnicodeDecodeError:
            v = None
    if not isinstance(v, str) or not v or "\0" in v:
        raise FormatError(f"{where}: persistent id has a bad {what} {v!r}")
    return v


def _storage_fields(pid, n, where):
    if not isinstance(pid, tuple) or not pid:
        raise FormatError(f"{where}: unexpected persistent id {pid!r:.200}")
    kind = _ascii(pid[0], "type", where)
    if kind == "module":
        raise FormatError(f"{where}: the file holds a pickled nn.Module (its source code); "
                          "rustorch loads weights only, so save model.state_dict() instead")
    if kind != "storage" or len(pid) != n:
        raise FormatError(f"{where}: unexpected persistent id {pid!r:.200}")
    stype, key, location, numel = pid[1:5]
    if not isinstance(stype, rp.StorageType):
        raise FormatError(f"{where}: persistent id names {stype!r:.80} as its storage type")
    if not rp.is_int(numel) or numel < 0:
        raise FormatError(f"{where}: storage has a bad element count {numel!r}")
    return stype, _ascii(key, "key", where), _ascii(location, "location", where), numel


def _same_storage(old, stype, numel, key, where):
    if old.dtype is not stype.dtype or old.numel != numel:
        raise FormatError(f"{where}: storage {key!r} is declared twice, differently")
    return old


# ---------------------------------------------------------------- the zip layout
def _check_record(info, archive_size, where):
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise FormatError(f"{where}: record {info.filename!r} uses zip compression "
                          f"{info.compress_type}; torch files are stored or deflated")
    if info.compress_size > archive_size or (
            info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size):
        raise FormatError(f"{where}: record {info.filename!r} claims {info.file_size} bytes, "
                          f"more than the archive holds ({archive_size} bytes)")
    if info.file_size > info.compress_size * _MAX_DEFLATE_RATIO + 1024:
        raise FormatError(f"{where}: record {info.filename!r} claims {info.file_size} bytes "
                          f"from {info.compress_size} compressed bytes, beyond what deflate can "
                          "do; the file is corrupt or hostile")


def _read_record(zf, name, nbytes, archive_size, where):
    """Exactly ``nbytes`` from the start of record ``name`` (all of it when None)."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise FormatError(f"{where}: record {name!r} is missing from the archive") from None
    _check_record(info, archive_size, where)
    if nbytes is None:
        nbytes = info.file_size
    if info.file_size < nbytes:
        raise FormatError(f"{where}: record {name!r} holds {info.file_size} bytes but the "
                          f"tensors stored in it need {nbytes}; the file is truncated or corrupt")
    try:
        with zf.open(info) as fh:
            data = fh.read(nbytes)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError,
            NotImplementedError) as e:
        raise FormatError(f"{where}: record {name!r} cannot be read ({e})") from None
    except Exception as e:  # zlib.error without importing zlib (absent in some builds)
        raise FormatError(f"{where}: record {name!r} cannot be read ({e})") from None
    if len(data) != nbytes:
        raise FormatError(f"{where}: record {name!r} is truncated ({len(data)} of {nbytes} "
                          "bytes)")
    return data


def _load_zip(fh, where, place, encoding):
    start = fh.tell()
    archive_size = fh.seek(0, 2) - start
    fh.seek(start)
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            struct.error, NotImplementedError) as e:  # NotImplementedError: a bogus "zip version"
        raise FormatError(f"{where}: not a readable zip archive, perhaps truncated ({e})") from None
    with zf:
        names = zf.namelist()
        pkls = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(pkls) != 1:
            if any(n.endswith("/constants.pkl") for n in names):
                raise UnsupportedError(f"{where}: a TorchScript archive (torch.jit.save); "
                                       "rustorch.load reads torch.save files")
            raise FormatError(f"{where}: expected one '<folder>/data.pkl' record in the zip "
                              f"archive, found {len(pkls)}; it is not a torch.save file")
        top = pkls[0][:-len("data.pkl")]
        if top + "constants.pkl" in names:
            raise UnsupportedError(f"{where}: a TorchScript archive (torch.jit.save); "
                                   "rustorch.load reads torch.save files")
        byteorder = b"little"
        if top + "byteorder" in names:
            byteorder = _read_record(zf, top + "byteorder", None, archive_size, where)
            if byteorder not in (b"little", b"big"):
                raise FormatError(f"{where}: unknown byte order {byteorder[:20]!r}")
        for vname in (top + "version", top + ".data/version"):
            if vname in names:
                v = _read_record(zf, vname, None, archive_size, where)
                if not v.strip().isdigit():
                    raise FormatError(f"{where}: bad format version {v[:20]!r}")
        pkl = _read_record(zf, pkls[0], None, archive_size, where)
        refs = {}

        def persistent_load(pid):
            stype, key, location, numel = _storage_fields(pid, 5, where)
            if key in refs:
                return _same_storage(refs[key], stype, numel, key, where)
            refs[key] = rp.StorageRef(key, stype.dtype, location, numel)
            return refs[key]

        obj, _ = rp.unpickle(pkl, 0, persistent_load, where, encoding)

        def read_storage(ref, nbytes):
            return _read_record(zf, f"{top}data/{ref.key}", nbytes, archive_size, where)

        builder = _TensorBuilder(read_storage, byteorder == b"big", place, where)
        return rp.resolve(obj, builder, where)


# ---------------------------------------------------------------- the legacy layout
def _load_legacy(data, where, place, encoding):
    magic, pos = rp.unpickle(data, 0, None, where, encoding)
    if not rp.is_int(magic) or magic != LEGACY_MAGIC_NUMBER:
        raise FormatError(f"{where}: a pickle, but not a torch.save file (bad magic number)")
    proto, pos = rp.unpickle(data, pos, None, where, encoding)
    if proto != LEGACY_PROTOCOL_VERSION:
        raise FormatError(f"{where}: legacy protocol version {proto!r} is not supported "
                          f"(expected {LEGACY_PROTOCOL_VERSION})")
    sys_info, pos = rp.unpickle(data, pos, None, where, encoding)
    little = sys_info.get("little_endian", True) if isinstance(sys_info, dict) else None
    if not isinstance(little, bool):
        raise FormatError(f"{where}: bad sys_info record {sys_info!r:.200}")
    roots = {}

    def persistent_load(pid):
        stype, key, location, numel = _storage_fields(pid, 6, where)
        root = roots.get(key)
        root = (_same_storage(root, stype, numel, key, where) if root is not None
                else roots.setdefault(key, rp.StorageRef(key, stype.dtype, location, numel)))
        view = pid[5]
        if view is None:
            return root
        if (not isinstance(view, tuple) or len(view) != 3
                or not all(rp.is_int(v) and v >= 0 for v in view[1:])
                or view[1] + view[2] > numel):
            raise FormatError(f"{where}: bad storage view {view!r:.200} of storage {key!r} "
                              f"({numel} elements)")
        return rp.StorageRef(key, stype.dtype, location, numel, view=(view[1], view[2]))

    obj, pos = rp.unpickle(data, pos, persistent_load, where, encoding)
    keys, pos = rp.unpickle(data, pos, None, where, encoding)
    if not isinstance(keys, list):
        raise FormatError(f"{where}: bad storage key list {keys!r:.200}")
    raw, view = {}, memoryview(data)
    for key in keys:
        key = _ascii(key, "key", where)
        ref = roots.get(key)
        if ref is None or key in raw:
            raise FormatError(f"{where}: storage key {key!r} is unknown or repeated")
        if pos + 8 > len(data):
            raise FormatError(f"{where}: the file ends before storage {key!r}")
        n = int.from_bytes(data[pos:pos + 8], "little" if little else "big", signed=True)
        unit = ref.dtype.itemsize if ref.dtype is not None else 1
        if n != ref.numel:
            raise FormatError(f"{where}: storage {key!r} has {n} elements on disk but the "
                              f"pickle declares {ref.numel}")
        end = pos + 8 + n * unit
        if end > len(data):
            raise FormatError(f"{where}: storage {key!r} needs {n * unit} bytes but only "
                              f"{len(data) - pos - 8} remain; the file is truncated")
        raw[key] = view[pos + 8:end]
        pos = end

    def read_storage(ref, nbytes):
        if ref.key not in raw:
            raise FormatError(f"{where}: the data of storage {ref.key!r} are missing")
        return raw[ref.key][:nbytes]

    builder = _TensorBuilder(read_storage, not little, place, where)
    return rp.resolve(obj, builder, where)


# ================================================================ writing
class _PickleWriter:
    """A protocol-2 pickle written opcode by opcode, the way torch's pickler writes
    a checkpoint: tensors as ``torch._utils._rebuild_tensor_v2`` calls on storages
    named by persistent ids, parameters through ``_rebuild_parameter``."""

    def __init__(self):
        self._out = io.BytesIO()
        self._memo = {}      # id(obj) -> memo index
        self._keep = []      # memoized objects, alive so that their ids stay unique
        self._busy = set()   # ids of tuples being written (a tuple inside itself)
        self._key_of = {}    # id(storage tensor) -> key
        self.storages = []   # (key, tensor whose bytes are that storage)

    def dump(self, obj):
        self._w(pickle.PROTO + b"\x02")
        self._save(obj, "obj", 0)
        self._w(pickle.STOP)
        return self._out.getvalue()

    def _w(self, b):
        self._out.write(b)

    # -- memo
    def _memoize(self, obj):
        idx = len(self._keep)
        self._memo[id(obj)] = idx
        self._keep.append(obj)
        self._w(pickle.BINPUT + bytes([idx]) if idx < 256
                else pickle.LONG_BINPUT + struct.pack("<I", idx))

    def _get(self, idx):
        self._w(pickle.BINGET + bytes([idx]) if idx < 256
                else pickle.LONG_BINGET + struct.pack("<I", idx))

    def _global(self, module, name):
        token = ("global", module, name)
        idx = self._memo.get(token)
        if idx is not None:
            return self._get(idx)
        self._w(pickle.GLOBAL + f"{module}\n{name}\n".encode("ascii"))
        self._memo[token] = idx = len(self._keep)
        self._keep.append(token)
        self._w(pickle.BINPUT + bytes([idx]) if idx < 256
                else pickle.LONG_BINPUT + struct.pack("<I", idx))

    # -- values
    def _int(self, v):
        if 0 <= v < 256:
            self._w(pickle.BININT1 + bytes([v]))
        elif 0 <= v < 65536:
            self._w(pickle.BININT2 + struct.pack("<H", v))
        elif -(1 << 31) <= v < (1 << 31):
            self._w(pickle.BININT + struct.pack("<i", v))
        else:
            raw = v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)
            self._w((pickle.LONG1 + bytes([len(raw)])) if len(raw) < 256
                    else pickle.LONG4 + struct.pack("<i", len(raw)))
            self._w(raw)

    def _str(self, s):
        raw = s.encode("utf-8", "surrogatepass")
        self._w(pickle.BINUNICODE + struct.pack("<I", len(raw)) + raw)

    def _save(self, obj, where, depth):
        if depth > rp.MAX_DEPTH:
            raise InvalidArgument(f"save: {where} is nested deeper than {rp.MAX_DEPTH} levels")
        if obj is None:
            return self._w(pickle.NONE)
        if obj is True or obj is False:
            return self._w(pickle.NEWTRUE if obj else pickle.NEWFALSE)
        t = type(obj)
        if t is int:
            return self._int(obj)
        if t is float:
            return self._w(pickle.BINFLOAT + struct.pack(">d", obj))
        idx = self._memo.get(id(obj))
        if idx is not None:
            return self._get(idx)
        d = depth + 1
        if t is str:
            self._str(obj)
        elif t is bytes:   # protocol 2 spells bytes this way, and torch's loader allows it
            self._global("_codecs", "encode")
            self._str(obj.decode("latin-1"))
            self._str("latin1")
            self._w(pickle.TUPLE2 + pickle.REDUCE)
        elif t is tuple:
            return self._tuple(obj, where, d)
        elif t is list:
            self._w(pickle.EMPTY_LIST)
            self._memoize(obj)
            self._items(obj, where, d, pickle.APPEND, pickle.APPENDS)
            return
        elif t is dict or t is OrderedDict:
            if t is dict:
                self._w(pickle.EMPTY_DICT)
            else:
                self._global("collections", "OrderedDict")
                self._w(pickle.EMPTY_TUPLE + pickle.REDUCE)
            self._memoize(obj)
            self._items(list(obj.items()), where, d, pickle.SETITEM, pickle.SETITEMS)
            state = vars(obj) if t is OrderedDict else None
            if state:  # Module.state_dict()'s _metadata
                self._save(dict(state), f"{where}.__dict__", d)
                self._w(pickle.BUILD)
            return
        elif isinstance(obj, rt.Tensor):
            return self._tensor(obj, where, d)
        elif t is rt.dtype:
            return self._global("torch", obj.name)
        elif t is rt.Size:
            self._global("torch", "Size")
            self._tuple(tuple(obj), where, d)
            self._w(pickle.TUPLE1 + pickle.REDUCE)
        else:
            raise InvalidType(f"save: cannot store {t.__module__}.{t.__qualname__} at {where}; "
                              "a torch-readable checkpoint holds tensors, dtypes, and "
                              "dict/OrderedDict/list/tuple/str/int/float/bool/None/bytes")
        self._memoize(obj)

    def _tuple(self, obj, where, depth):
        if not obj:
            return self._w(pickle.EMPTY_TUPLE)
        if id(obj) in self._busy:
            raise InvalidArgument(f"save: tuple at {where} contains itself")
        self._busy.add(id(obj))
        if len(obj) > 3:
            self._w(pickle.MARK)
        for i, v in enumerate(obj):
            self._save(v, f"{where}[{i}]", depth)
        self._busy.discard(id(obj))
        self._w({1: pickle.TUPLE1, 2: pickle.TUPLE2, 3: pickle.TUPLE3}.get(
            len(obj), pickle.TUPLE))
        self._memoize(obj)

    def _items(self, items, where, depth, one, many):
        for i in range(0, len(items), 1000):  # batches, as pickle writes them
            batch = items[i:i + 1000]
            if len(batch) > 1:
                self._w(pickle.MARK)
            for item in batch:
                if one == pickle.SETITEM:
                    self._save(item[0], f"{where} key", depth)
                    self._save(item[1], f"{where}[{item[0]!r}]", depth)
                else:
                    self._save(item, f"{where}[{i}]", depth)
            self._w(many if len(batch) > 1 else one)

    # -- tensors
    def _tensor(self, t, where, depth):
        if t.requires_grad and not t.is_leaf:
            raise InvalidArgument(f"save: the tensor at {where} requires grad and is not a "
                                  "leaf; save t.detach() (torch refuses it too)")
        if isinstance(t, rt.nn.Parameter):
            self._global("torch._utils", "_rebuild_parameter")
            self._w(pickle.MARK)
            self._plain_tensor(t, False, where, depth)
            self._w(pickle.NEWTRUE if t.requires_grad else pickle.NEWFALSE)
            self._empty_ordered_dict()
            self._w(pickle.TUPLE + pickle.REDUCE)
        else:
            self._plain_tensor(t, t.requires_grad, where, depth)
        self._memoize(t)

    def _empty_ordered_dict(self):
        self._global("collections", "OrderedDict")
        self._w(pickle.EMPTY_TUPLE + pickle.REDUCE)

    def _plain_tensor(self, t, requires_grad, where, depth):
        key, storage, offset, stride = self._locate(t)
        self._global("torch._utils", "_rebuild_tensor_v2")
        self._w(pickle.MARK + pickle.MARK)
        self._save("storage", where, depth)
        self._global("torch", rp.STORAGE_NAMES[storage.dtype])
        self._save(key, where, depth)
        self._save("cpu", where, depth)
        self._int(storage.numel())
        self._w(pickle.TUPLE + pickle.BINPERSID)
        self._int(offset)
        self._tuple(tuple(t.shape), where, depth)
        self._tuple(tuple(stride), where, depth)
        self._w(pickle.NEWTRUE if requires_grad else pickle.NEWFALSE)
        self._empty_ordered_dict()
        self._w(pickle.TUPLE + pickle.REDUCE)

    def _key(self, storage):
        key = self._key_of.get(id(storage))
        if key is None:
            key = self._key_of[id(storage)] = str(len(self.storages))
            self.storages.append((key, storage))
        return key

    def _locate(self, t):
        """(key, storage tensor, offset, stride): where t's elements are saved.
        Views of one base share the base's storage, as in torch (Tensor._base);
        anything else is saved as the elements it spans, its strides kept."""
        size, stride = tuple(t.shape), tuple(t.stride())
        if any(s < 0 for s in stride):
            t = t.contiguous()
            stride = _contiguous_strides(size)
        numel = t.numel()
        span = 1 + sum((n - 1) * s for n, s in zip(size, stride)) if numel else 0
        base = getattr(t, "_base", None)
        root = base if base is not None else t
        if root.dtype == t.dtype and root.device == t.device and root.is_contiguous():
            off = t.storage_offset() - root.storage_offset()
            if 0 <= off and off + span <= root.numel():
                return self._key(root), root, off, stride
        if t.is_contiguous():
            return self._key(t), t, 0, stride
        flat = self._span(t, span, size, stride)
        if flat is None:  # keep the values, give up the strides
            flat, stride = t.contiguous(), _contiguous_strides(size)
        return self._key(flat), flat, 0, stride

    @staticmethod
    def _span(t, span, size, stride):
        """The ``span`` elements of memory from t's first one, or None where the
        backend cannot give them faithfully (checked by re-reading t from them)."""
        try:
            with rt.no_grad():
                flat = rt.as_strided(t, (span,), (1,), t.storage_offset()).contiguous()
                again = rt.as_strided(flat, size, stride, flat.storage_offset())
                if again.to_bytes() == t.to_bytes():
                    return flat
        except Exception:  # noqa: BLE001 -- a backend without as_strided
            pass
        return None


def _write_zip(fp, top, pkl, storages):
    start = fp.tell()
    with zipfile.ZipFile(fp, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        def record(name, data):
            name = f"{top}/{name}"
            # local header (30) + name + our extra field header (4), and the zip64
            # extra zipfile appends for large records: pad so the data start at a
            # multiple of 64 like torch's writer does (lets readers map them directly)
            fixed = 30 + len(name.encode("utf-8")) + 4
            if len(data) * 1.05 > zipfile.ZIP64_LIMIT:
                fixed += 20
            pad = -(fp.tell() - start + fixed) % _ALIGN
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
            zf.writestr(info, data)

        record("data.pkl", pkl)
        record(".format_version", b"1")
        record(".storage_alignment", str(_ALIGN).encode())
        record("byteorder", b"little")
        for key, storage in storages:
            record(f"data/{key}", storage.to_bytes())
        record("version", b"3\n")
        # torch writes a 40-digit id; a hash of the pickle keeps our output deterministic
        digits = str(int.from_bytes(hashlib.sha256(pkl).digest(), "big"))[:40].rjust(40, "0")
        record(".data/serialization_id", digits.encode())


def save(obj, f):
    """Write ``obj`` to ``f`` (a path or a binary file) in torch's zip format."""
    writer = _PickleWriter()
    pkl = writer.dump(obj)
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        top = os.path.splitext(os.path.basename(path))[0] or "archive"
        try:
            with open(path, "wb") as fp:
                _write_zip(fp, top, pkl, writer.storages)
        except FileNotFoundError:
            raise DataNotFoundError(f"cannot write {path!r}: its folder does not exist") from None
        return
    if not hasattr(f, "write"):
        raise InvalidType(f"save expects a path or a binary file object, got {type(f).__name__}")
    buf = io.BytesIO()  # zipfile seeks back over headers; not every stream can
    _write_zip(buf, "archive", pkl, writer.storages)
    f.write(buf.getvalue())
