"""rustorch.vision.datasets: IDX, MNIST family, CIFAR (safe unpickling), image
folders, sklearn's digits, downloads. Files are generated in the real formats
(by independent writers where possible) and read back; torch, NumPy, Pillow and
scikit-learn are the oracles."""
import functools
import gzip
import hashlib
import http.server
import io
import os
import pickle
import struct
import sys
import tarfile
import threading

import numpy as np
import pytest
import torch

import rustorch as rt
from rustorch._errors import (DataNotFoundError, FormatError, IndexOutOfRange, InvalidArgument,
                              InvalidType, UnsupportedError)
from rustorch.vision import datasets as D
from rustorch.vision.datasets import _download, digits as digits_mod
from rustorch.vision.datasets._safe_pickle import safe_loads


def as_np(t):
    return np.asarray(t.tolist())


# ---------------------------------------------------------------- IDX

_IDX_CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C,
              np.float32: 0x0D, np.float64: 0x0E}
_STRUCT_CHAR = {np.uint8: "B", np.int8: "b", np.int16: "h", np.int32: "i",
                np.float32: "f", np.float64: "d"}


def struct_idx_bytes(arr):
    """An IDX file built with struct only: independent of write_idx."""
    kind = arr.dtype.type
    head = bytes([0, 0, _IDX_CODES[kind], arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    flat = arr.reshape(-1).tolist()
    return head + struct.pack(f">{len(flat)}{_STRUCT_CHAR[kind]}", *flat)


def sample_array(kind, shape, seed=0):
    rng = np.random.default_rng(seed)
    if kind in (np.float32, np.float64):
        return rng.standard_normal(shape).astype(kind)
    info = np.iinfo(kind)
    return rng.integers(info.min, info.max, size=shape, endpoint=True).astype(kind)


@pytest.mark.parametrize("kind", list(_IDX_CODES))
@pytest.mark.parametrize("compress", [False, True])
def test_idx_reads_independently_written_files(tmp_path, kind, compress):
    arr = sample_array(kind, (3, 4, 5))
    raw = struct_idx_bytes(arr)
    path = tmp_path / ("x.idx.gz" if compress else "x.idx")
    path.write_bytes(gzip.compress(raw) if compress else raw)
    t = D.read_idx(path)
    ref = torch.from_numpy(arr)
    assert str(t.dtype).split(".")[-1] == str(ref.dtype).split(".")[-1]
    assert tuple(t.shape) == (3, 4, 5)
    np.testing.assert_array_equal(t.numpy(), arr)


@pytest.mark.parametrize("kind", list(_IDX_CODES))
def test_write_idx_matches_independent_writer(tmp_path, kind):
    arr = sample_array(kind, (2, 7), seed=1)
    t = rt.tensor(arr.tolist(), dtype=getattr(rt, np.dtype(kind).name))
    D.write_idx(tmp_path / "a", t)
    assert (tmp_path / "a").read_bytes() == struct_idx_bytes(arr)
    D.write_idx(tmp_path / "b.gz", t, gzip=True)
    assert gzip.decompress((tmp_path / "b.gz").read_bytes()) == struct_idx_bytes(arr)
    np.testing.assert_array_equal(D.read_idx(tmp_path / "b.gz").numpy(), arr)


def test_write_idx_without_numpy_gives_same_bytes(tmp_path, monkeypatch):
    t = rt.tensor([[-3, 7], [1000, -32768]], dtype=rt.int16)
    D.write_idx(tmp_path / "fast", t)
    monkeypatch.setitem(sys.modules, "numpy", None)  # import numpy now fails
    D.write_idx(tmp_path / "slow", t)
    i8 = rt.tensor([-128, -1, 0, 127], dtype=rt.int8)
    D.write_idx(tmp_path / "i8", i8)
    monkeypatch.undo()
    assert (tmp_path / "fast").read_bytes() == (tmp_path / "slow").read_bytes()
    assert D.read_idx(tmp_path / "i8").tolist() == [-128, -1, 0, 127]


def test_write_idx_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(InvalidType, match="int64"):
        D.write_idx(tmp_path / "x", rt.tensor([1, 2]))
    with pytest.raises(InvalidType):
        D.write_idx(tmp_path / "x", [1, 2])


def test_idx_truncated_names_path_and_byte_counts(tmp_path):
    raw = struct_idx_bytes(np.arange(24, dtype=np.int32).reshape(2, 3, 4))
    path = tmp_path / "cut.idx"
    path.write_bytes(raw[:-5])
    with pytest.raises(FormatError) as e:
        D.read_idx(path)
    msg = str(e.value)
    assert "cut.idx" in msg and "96" in msg and "91" in msg
    gz = tmp_path / "cut.idx.gz"
    gz.write_bytes(gzip.compress(raw[:-5]))
    with pytest.raises(FormatError, match="96"):
        D.read_idx(gz)
    # a gzip stream cut in the middle
    gz.write_bytes(gzip.compress(raw)[:-12])
    with pytest.raises(FormatError):
        D.read_idx(gz)


def test_idx_trailing_bytes_and_bad_headers(tmp_path):
    raw = struct_idx_bytes(np.arange(6, dtype=np.uint8))
    p = tmp_path / "f"
    p.write_bytes(raw + b"\0")
    with pytest.raises(FormatError, match="trailing"):
        D.read_idx(p)
    p.write_bytes(b"\x01" + raw[1:])
    with pytest.raises(FormatError, match="magic"):
        D.read_idx(p)
    p.write_bytes(raw[:2] + b"\x0a" + raw[3:])
    with pytest.raises(FormatError, match="0x0a"):
        D.read_idx(p)
    p.write_bytes(b"\0\0\x08\0")
    with pytest.raises(FormatError, match="0 dimensions"):
        D.read_idx(p)
    p.write_bytes(b"\0\0\x08\x03\0\0")  # header cut inside the dims
    with pytest.raises(FormatError, match="truncated"):
        D.read_idx(p)
    p.write_bytes(b"")
    with pytest.raises(FormatError):
        D.read_idx(p)


def test_idx_refuses_absurd_dims_before_allocating(tmp_path):
    # 2**32-1 cubed doubles: refused from the header alone, gzipped or not
    head = b"\0\0\x0e\x03" + struct.pack(">3I", *(2**32 - 1,) * 3)
    p = tmp_path / "huge.gz"
    p.write_bytes(gzip.compress(head + b"\0" * 64))
    with pytest.raises(FormatError, match="huge.gz"):
        D.read_idx(p)
    # a plausible-size claim that the gzip stream cannot back up
    head = b"\0\0\x08\x02" + struct.pack(">2I", 60000, 10000)
    p.write_bytes(gzip.compress(head + b"\0" * 100))
    with pytest.raises(FormatError, match="600000000"):
        D.read_idx(p)


# ---------------------------------------------------------------- MNIST family

def make_mnist(root, cls="MNIST", n_train=12, n_test=5, gz_train=True, seed=0):
    rng = np.random.default_rng(seed)
    raw = root / cls / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    out = {}
    for prefix, n, gz in (("train", n_train, gz_train), ("t10k", n_test, not gz_train)):
        imgs = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        for name, arr in ((f"{prefix}-images-idx3-ubyte", imgs),
                          (f"{prefix}-labels-idx1-ubyte", labels)):
            data = struct_idx_bytes(arr)
            if gz:
                (raw / (name + ".gz")).write_bytes(gzip.compress(data))
            else:
                (raw / name).write_bytes(data)
        out[prefix] = (imgs, labels)
    return out


@pytest.mark.parametrize("cls", [D.MNIST, D.FashionMNIST, D.KMNIST])
def test_mnist_family_reads_torchvision_layout(tmp_path, cls):
    ref = make_mnist(tmp_path, cls.__name__)
    for train, key in ((True, "train"), (False, "t10k")):
        ds = cls(tmp_path, train=train)
        imgs, labels = ref[key]
        assert len(ds) == len(labels)
        assert tuple(ds.data.shape) == imgs.shape and ds.data.dtype == rt.uint8
        np.testing.assert_array_equal(ds.data.numpy(), imgs)
        assert ds.targets.dtype == rt.int64 and ds.targets.tolist() == labels.tolist()
        img, target = ds[3]
        assert tuple(img.shape) == (1, 28, 28) and img.dtype == rt.uint8
        assert type(target) is int and target == labels[3]
        np.testing.assert_array_equal(img.numpy()[0], imgs[3])
        np.testing.assert_array_equal(ds[-1][0].numpy()[0], imgs[-1])
    assert len(ds.classes) == 10 and ds.class_to_idx[ds.classes[7]] == 7
    assert ds.raw_folder == os.path.join(str(tmp_path), cls.__name__, "raw")


def test_mnist_classes_and_transforms(tmp_path):
    ref = make_mnist(tmp_path)
    ds = D.MNIST(str(tmp_path), transform=lambda x: x.float() / 255,
                 target_transform=lambda t: t + 100)
    img, target = ds[0]
    assert img.dtype == rt.float32
    np.testing.assert_allclose(img.numpy()[0], ref["train"][0][0] / 255, rtol=1e-6)
    assert target == ref["train"][1][0] + 100
    assert D.MNIST.classes[0] == "0 - zero" and D.FashionMNIST.classes[9] == "Ankle boot"
    assert D.KMNIST.classes == ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
    assert "Split: Train" in repr(ds)
    with pytest.raises(IndexError):
        ds[12]
    with pytest.raises(IndexOutOfRange):
        ds[-13]
    assert sum(1 for _ in ds) == 12


def test_mnist_corrupt_files(tmp_path):
    make_mnist(tmp_path)
    raw = tmp_path / "MNIST" / "raw"
    labels = np.zeros(11, dtype=np.uint8)  # 12 images, 11 labels
    (raw / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(struct_idx_bytes(labels)))
    with pytest.raises(FormatError, match="12 images.*11 labels"):
        D.MNIST(tmp_path)
    labels = np.full(12, 10, dtype=np.uint8)  # label outside 0..9
    (raw / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(struct_idx_bytes(labels)))
    with pytest.raises(FormatError, match="label 10"):
        D.MNIST(tmp_path)
    # images stored as int32 are not MNIST images
    (raw / "train-images-idx3-ubyte.gz").write_bytes(
        gzip.compress(struct_idx_bytes(np.zeros((12, 28, 28), np.int32))))
    with pytest.raises(FormatError, match="int32"):
        D.MNIST(tmp_path)


def test_mnist_missing_files_say_what_to_put_where(tmp_path):
    with pytest.raises(DataNotFoundError) as e:
        D.FashionMNIST(tmp_path)
    msg = str(e.value)
    assert "train-images-idx3-ubyte" in msg and "train-labels-idx1-ubyte" in msg
    assert os.path.join(str(tmp_path), "FashionMNIST", "raw") in msg
    assert "download=True" in msg and "fashion-mnist" in msg
    assert isinstance(e.value, FileNotFoundError)


def test_mnist_download_offline_fails_fast_with_guidance(tmp_path, monkeypatch):
    monkeypatch.setattr(D.MNIST, "mirrors", ["http://127.0.0.1:9/"])
    with pytest.raises(DataNotFoundError) as e:
        D.MNIST(tmp_path, download=True)
    msg = str(e.value)
    assert "http://127.0.0.1:9/train-images-idx3-ubyte.gz" in msg
    assert os.path.join(str(tmp_path), "MNIST", "raw") in msg
    assert not any(p.name.endswith(".part") for p in (tmp_path / "MNIST" / "raw").iterdir())


@pytest.fixture
def http_dir(tmp_path):
    """A local HTTP server over a folder: (folder, base URL)."""
    served = tmp_path / "served"
    served.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_mnist_download_from_mirror_checks_md5(tmp_path, http_dir, monkeypatch):
    served, url = http_dir
    ref = make_mnist(served / "src", n_train=6, n_test=4)
    resources = []
    for p in sorted((served / "src" / "MNIST" / "raw").iterdir()):
        data = p.read_bytes() if p.name.endswith(".gz") else gzip.compress(p.read_bytes())
        name = p.name if p.name.endswith(".gz") else p.name + ".gz"
        (served / name).write_bytes(data)
        resources.append((name, hashlib.md5(data).hexdigest()))
    root = tmp_path / "data"
    # first mirror is dead, second works: the dead one is skipped
    monkeypatch.setattr(D.MNIST, "mirrors", ["http://127.0.0.1:9/", url])
    monkeypatch.setattr(D.MNIST, "resources", resources)
    ds = D.MNIST(root, train=False, download=True)
    np.testing.assert_array_equal(ds.data.numpy(), ref["t10k"][0])
    assert len(D.MNIST(root, train=True)) == 6
    # a wrong md5 is a failed download, reported as such, and leaves no file
    bad = [(n, "0" * 32) for n, _ in resources]
    monkeypatch.setattr(D.MNIST, "resources", bad)
    with pytest.raises(DataNotFoundError, match="md5 mismatch"):
        D.MNIST(tmp_path / "other", download=True)
    assert not list((tmp_path / "other" / "MNIST" / "raw").iterdir())


# ---------------------------------------------------------------- CIFAR

def py2_pickle(obj):
    """Pickle bytes as Python 2's cPickle (protocol 2) writes a CIFAR batch: str
    keys and array bytes as BINSTRING, numpy.core.multiarray globals."""
    out = io.BytesIO()
    w = out.write

    def s(text):  # py2 str
        b = text if isinstance(text, bytes) else text.encode("latin1")
        w((b"U" + bytes([len(b)]) if len(b) < 256 else b"T" + struct.pack("<I", len(b))) + b)

    def dump(v):
        if isinstance(v, dict):
            w(b"}(")
            for k, x in v.items():
                s(k)
                dump(x)
            w(b"u")
        elif isinstance(v, list):
            w(b"](")
            for x in v:
                dump(x)
            w(b"e")
        elif isinstance(v, (str, bytes)):
            s(v)
        elif isinstance(v, int):
            w(b"J" + struct.pack("<i", v))
        elif isinstance(v, np.ndarray):
            w(b"cnumpy.core.multiarray\n_reconstruct\nq\x01cnumpy\nndarray\nq\x02K\x00\x85")
            s(b"b")
            w(b"\x87R(K\x01(")
            for d in v.shape:
                w(b"J" + struct.pack("<i", d))
            w(b"tcnumpy\ndtype\nq\x03")
            s(v.dtype.str[1:])
            w(b"K\x00K\x01\x87R(K\x03")
            s(v.dtype.str[0])
            w(b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89")
            s(v.tobytes())
            w(b"tb")
        else:
            raise TypeError(type(v))

    w(b"\x80\x02")
    dump(obj)
    w(b".")
    return out.getvalue()


def make_cifar(root, hundred=False, protocol=2, n=4, seed=0):
    """Batches as the CIFAR python files are made: pickled dicts with bytes keys,
    b"data" a uint8 (N, 3072) ndarray and label lists. protocol="py2" mimics
    the original Python 2 files."""
    rng = np.random.default_rng(seed)

    def dump(path, obj):
        data = py2_pickle(obj) if protocol == "py2" else pickle.dumps(obj, protocol=protocol)
        path.write_bytes(data)

    folder = root / ("cifar-100-python" if hundred else "cifar-10-batches-py")
    folder.mkdir(parents=True, exist_ok=True)
    names = (["train", "test"] if hundred
             else [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"])
    ref = {}
    for name in names:
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        if hundred:
            fine = rng.integers(0, 100, size=n).tolist()
            entry = {b"filenames": [b"x.png"] * n, b"batch_label": b"training batch",
                     b"fine_labels": fine, b"coarse_labels": [f // 5 for f in fine],
                     b"data": data}
        else:
            entry = {b"batch_label": b"training batch 1 of 5", b"labels":
                     rng.integers(0, 10, size=n).tolist(), b"data": data,
                     b"filenames": [b"x.png"] * n}
        dump(folder / name, entry)
        ref[name] = entry
    if hundred:
        dump(folder / "meta", {b"fine_label_names": [f"f{i}".encode() for i in range(100)],
                               b"coarse_label_names": [f"c{i}".encode() for i in range(20)]})
    else:
        dump(folder / "batches.meta", {b"label_names": [c.encode() for c in (
            "airplane", "automobile", "bird", "cat", "deer",
            "dog", "frog", "horse", "ship", "truck")], b"num_vis": 3072})
    return folder, ref


def test_py2_pickle_helper_is_a_valid_numpy_pickle():
    arr = np.arange(3072 * 2, dtype=np.uint8).reshape(2, 3072)
    back = pickle.loads(py2_pickle({"data": arr, "labels": [1, 2]}), encoding="latin1")
    np.testing.assert_array_equal(back["data"], arr)
    assert back["labels"] == [1, 2]


@pytest.mark.parametrize("protocol", [2, 4, 5, "py2"])
def test_cifar10_reads_real_format(tmp_path, protocol, monkeypatch):
    _, ref = make_cifar(tmp_path, protocol=protocol)
    monkeypatch.setitem(sys.modules, "numpy", None)  # loading must not need numpy
    train, test = D.CIFAR10(tmp_path), D.CIFAR10(tmp_path, train=False)
    monkeypatch.undo()
    batches = [ref[f"data_batch_{i}"] for i in range(1, 6)]
    flat = np.concatenate([b[b"data"] for b in batches])
    nhwc = flat.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    assert len(train) == 20 and len(test) == 4
    assert tuple(train.data.shape) == (20, 32, 32, 3) and train.data.dtype == rt.uint8
    np.testing.assert_array_equal(train.data.numpy(), nhwc)
    assert train.targets == sum((b[b"labels"] for b in batches), [])
    img, target = train[9]
    assert tuple(img.shape) == (3, 32, 32) and img.dtype == rt.uint8
    expect = torch.from_numpy(nhwc[9].copy()).permute(2, 0, 1)
    assert torch.equal(torch.from_numpy(img.numpy()), expect)
    assert target == train.targets[9] and type(target) is int
    assert train.classes[1] == "automobile" and train.class_to_idx["truck"] == 9
    first = ref["test_batch"][b"data"][0].reshape(3, 32, 32).transpose(1, 2, 0)
    np.testing.assert_array_equal(test.data.numpy()[0], first)


@pytest.mark.parametrize("protocol", [2, "py2"])
def test_cifar100_fine_and_coarse(tmp_path, protocol):
    _, ref = make_cifar(tmp_path, hundred=True, protocol=protocol, n=6)
    fine = D.CIFAR100(tmp_path, transform=lambda x: x.float())
    assert fine.targets == ref["train"][b"fine_labels"] and len(fine.classes) == 100
    assert fine.classes[3] == "f3" and fine[2][0].dtype == rt.float32
    coarse = D.CIFAR100(tmp_path, train=False, coarse=True)
    assert coarse.targets == ref["test"][b"coarse_labels"]
    assert coarse.classes == [f"c{i}" for i in range(20)]
    assert D.CIFAR100.label_key == "fine_labels"  # the option did not leak into the class


def test_safe_loads_dtypes_orders_and_values():
    cases = [np.arange(12, dtype=">i4").reshape(3, 4), np.linspace(0, 1, 6).reshape(2, 3),
             np.asfortranarray(np.arange(6, dtype=np.int16).reshape(2, 3)),
             np.array([True, False]), np.zeros((2, 0), np.float32)]
    for protocol in (2, 4, 5):
        back = safe_loads(pickle.dumps({"a": cases, "n": 3, "s": "x"}, protocol=protocol))
        assert back["n"] == 3 and back["s"] == "x"
        for arr, t in zip(cases, back["a"]):
            assert tuple(t.shape) == arr.shape
            np.testing.assert_array_equal(np.asarray(t.tolist()).reshape(arr.shape), arr)
    with pytest.raises(FormatError, match="dtype"):
        safe_loads(pickle.dumps(np.array(["a"], dtype="U1")))


class _Evil:
    def __init__(self, func, arg):
        self.func, self.arg = func, arg

    def __reduce__(self):
        return self.func, (self.arg,)


@pytest.mark.parametrize("protocol", [2, 4])
def test_hostile_pickles_are_refused_without_running(tmp_path, protocol):
    marker = tmp_path / "pwned"
    folder, _ = make_cifar(tmp_path / "root", protocol=protocol)
    payloads = {
        "system": _Evil(os.system, f"touch {marker}"),
        "eval": _Evil(eval, f"open({str(marker)!r}, 'w').close()"),
        "exec": _Evil(exec, f"open({str(marker)!r}, 'w').close()"),
    }
    for name, payload in payloads.items():
        evil = pickle.dumps({b"data": payload, b"labels": [0]}, protocol=protocol)
        (folder / "data_batch_3").write_bytes(evil)
        with pytest.raises(FormatError) as e:
            D.CIFAR10(folder.parent)
        assert name in str(e.value) and "data_batch_3" in str(e.value)
        assert not marker.exists()
    # numpy's own globals cannot be abused with other arguments either
    for bad in (b"cnumpy\nndarray\n(K\x01tR.",
                b"c_codecs\nencode\n(X\x01\x00\x00\x00aX\x05\x00\x00\x00utf-8tR.",
                b"cbuiltins\nbytes\n(K\x05tR.",
                b"cnumpy.core.multiarray\n_reconstruct\n(cbuiltins\nlist\nK\x00tR."):
        with pytest.raises(FormatError):
            safe_loads(bad)


def test_cifar_truncated_and_corrupted_batches(tmp_path):
    folder, _ = make_cifar(tmp_path)
    good = (folder / "data_batch_2").read_bytes()
    for broken in (good[: len(good) // 2], good[:-1], b"", b"\x80\x02garbage",
                   good.replace(b"numpy", b"nump\xff", 1)):
        (folder / "data_batch_2").write_bytes(broken)
        with pytest.raises(FormatError, match="data_batch_2"):
            D.CIFAR10(tmp_path)
    # a well-formed pickle of the wrong shape, or labels that do not match
    (folder / "data_batch_2").write_bytes(pickle.dumps(
        {b"data": np.zeros((4, 100), np.uint8), b"labels": [0] * 4}))
    with pytest.raises(FormatError, match="3072"):
        D.CIFAR10(tmp_path)
    (folder / "data_batch_2").write_bytes(pickle.dumps(
        {b"data": np.zeros((4, 3072), np.uint8), b"labels": [0] * 3}))
    with pytest.raises(FormatError, match="4 images but 3 labels"):
        D.CIFAR10(tmp_path)
    (folder / "data_batch_2").write_bytes(pickle.dumps(
        {b"data": np.zeros((4, 3072), np.uint8), b"labels": [0, 1, 2, 10]}))
    with pytest.raises(FormatError, match="label 10"):
        D.CIFAR10(tmp_path)


def test_cifar_missing_files_and_offline_download(tmp_path, monkeypatch):
    with pytest.raises(DataNotFoundError) as e:
        D.CIFAR10(tmp_path)
    msg = str(e.value)
    assert "cifar-10-python.tar.gz" in msg and "data_batch_1" in msg and "batches.meta" in msg
    assert os.path.join(str(tmp_path), "cifar-10-batches-py") in msg
    monkeypatch.setattr(D.CIFAR100, "urls", ["http://127.0.0.1:9/cifar-100-python.tar.gz"])
    with pytest.raises(DataNotFoundError) as e:
        D.CIFAR100(tmp_path, download=True)
    msg = str(e.value)
    assert "http://127.0.0.1:9/cifar-100-python.tar.gz" in msg
    assert os.path.join(str(tmp_path), "cifar-100-python") in msg


def test_cifar_download_extracts_archive(tmp_path, http_dir, monkeypatch):
    served, url = http_dir
    folder, ref = make_cifar(tmp_path / "src", n=2)
    with tarfile.open(served / "c10.tar.gz", "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    md5 = hashlib.md5((served / "c10.tar.gz").read_bytes()).hexdigest()
    monkeypatch.setattr(D.CIFAR10, "urls", [url + "c10.tar.gz"])
    monkeypatch.setattr(D.CIFAR10, "tgz_md5", md5)
    ds = D.CIFAR10(tmp_path / "data", train=False, download=True)
    assert ds.targets == ref["test_batch"][b"labels"]
    assert (tmp_path / "data" / "cifar-10-python.tar.gz").exists()


def _tar_with(path, member, data=b"x", linkname=None, kind=tarfile.REGTYPE):
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(member)
        info.type = kind
        if linkname is not None:
            info.linkname = linkname
            tar.addfile(info)
        else:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize("member,link,kind", [
    ("../escape.txt", None, tarfile.REGTYPE),
    ("a/../../escape.txt", None, tarfile.REGTYPE),
    ("/tmp/escape_rustorch_test.txt", None, tarfile.REGTYPE),
    ("link", "/etc/passwd", tarfile.SYMTYPE),
    ("d/link", "../../escape.txt", tarfile.SYMTYPE),
    ("hard", "../escape.txt", tarfile.LNKTYPE),
    ("dev", None, tarfile.CHRTYPE),
])
def test_extract_tar_refuses_escapes(tmp_path, member, link, kind):
    archive = tmp_path / "evil.tar.gz"
    if kind == tarfile.CHRTYPE:
        with tarfile.open(archive, "w:gz") as tar:
            info = tarfile.TarInfo(member)
            info.type = kind
            tar.addfile(info)
    else:
        _tar_with(archive, member, linkname=link, kind=kind)
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(FormatError, match="refusing"):
        _download.extract_tar(str(archive), str(dest))
    assert not list(dest.iterdir())
    assert not (tmp_path / "escape.txt").exists()
    assert not os.path.exists("/tmp/escape_rustorch_test.txt")


def test_extract_tar_corrupt_archive(tmp_path):
    archive = tmp_path / "bad.tar.gz"
    _tar_with(archive, "ok/file.txt", data=b"y" * 5000)
    archive.write_bytes(archive.read_bytes()[:40])
    with pytest.raises(FormatError):
        _download.extract_tar(str(archive), str(tmp_path))
    _tar_with(archive, "ok/inner/../file.txt", data=b"fine")  # '..' anywhere is refused
    with pytest.raises(FormatError):
        _download.extract_tar(str(archive), str(tmp_path))
    _tar_with(archive, "ok/file.txt", data=b"fine")
    _download.extract_tar(str(archive), str(tmp_path / "x"))
    assert (tmp_path / "x" / "ok" / "file.txt").read_bytes() == b"fine"


# ---------------------------------------------------------------- image folders

@pytest.fixture
def image_tree(tmp_path):
    from PIL import Image
    rng = np.random.default_rng(0)
    root = tmp_path / "imgs"
    arrays = {}
    layout = {"dog": ["b.png", "a.png", "sub/c.png"], "cat": ["z.png", "notes.txt"],
              "bird": ["g.png"]}
    for cls, files in layout.items():
        for f in files:
            p = root / cls / f
            p.parent.mkdir(parents=True, exist_ok=True)
            if f.endswith(".txt"):
                p.write_text("not an image")
                continue
            arr = rng.integers(0, 256, size=(5 + len(f), 7, 3), dtype=np.uint8)
            Image.fromarray(arr).save(p)
            arrays[str(p)] = arr
    (root / "stray.png").write_bytes(b"")  # files at the top are not classes
    return root, arrays


def test_image_folder_matches_torchvision_discovery(image_tree):
    root, arrays = image_tree
    ds = D.ImageFolder(root)
    assert ds.classes == ["bird", "cat", "dog"]
    assert ds.class_to_idx == {"bird": 0, "cat": 1, "dog": 2}
    names = [os.path.relpath(p, root) for p, _ in ds.samples]
    assert names == ["bird/g.png", "cat/z.png", "dog/a.png", "dog/b.png",
                     os.path.join("dog", "sub", "c.png")]
    assert ds.imgs == ds.samples and ds.targets == [0, 1, 2, 2, 2]
    for i, (path, target) in enumerate(ds.samples):
        img, t = ds[i]
        assert t == target and img.dtype == rt.uint8
        np.testing.assert_array_equal(img.numpy(), arrays[path].transpose(2, 0, 1))


def test_image_folder_converts_grey_and_palette_to_rgb(tmp_path):
    from PIL import Image
    (tmp_path / "k").mkdir()
    grey = Image.fromarray(np.arange(12, dtype=np.uint8).reshape(3, 4) * 20, mode="L")
    grey.save(tmp_path / "k" / "g.jpg", quality=100)
    img = D.ImageFolder(tmp_path)[0][0]
    expect = np.asarray(Image.open(tmp_path / "k" / "g.jpg").convert("RGB")).transpose(2, 0, 1)
    assert tuple(img.shape) == (3, 3, 4)
    np.testing.assert_array_equal(img.numpy(), expect)


def test_dataset_folder_options(image_tree):
    root, _ = image_tree
    txt = D.DatasetFolder(root, loader=lambda p: open(p).read(), extensions=(".txt",),
                          allow_empty=True)
    assert [t for _, t in txt.samples] == [1] and txt[0][0] == "not an image"
    only_a = D.ImageFolder(root, is_valid_file=lambda p: p.endswith("a.png"), allow_empty=True)
    assert [os.path.basename(p) for p, _ in only_a.samples] == ["a.png"]
    with pytest.raises(InvalidArgument, match="exactly one"):
        D.DatasetFolder(root, extensions=".png", is_valid_file=lambda p: True)
    with pytest.raises(DataNotFoundError, match="bird, cat"):
        D.DatasetFolder(root, extensions=(".jpeg",))
    with pytest.raises(DataNotFoundError, match="no class folder"):
        D.ImageFolder(root / "bird")
    with pytest.raises(DataNotFoundError):
        D.ImageFolder(root / "nope")


def test_image_folder_corrupt_image_and_missing_pillow(image_tree, monkeypatch):
    root, _ = image_tree
    (root / "bird" / "g.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    ds = D.ImageFolder(root)
    with pytest.raises(FormatError, match="g.png"):
        ds[0]
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(UnsupportedError, match="pip install pillow"):
        ds[1]


# ---------------------------------------------------------------- digits

@pytest.fixture(scope="module")
def sk_digits():
    from sklearn.datasets import load_digits
    return load_digits()


def test_digits_match_sklearn_and_split_is_a_partition(sk_digits):
    train, test = D.Digits(), D.Digits(train=False)
    assert len(train) + len(test) == 1797
    assert set(train.indices).isdisjoint(test.indices)
    assert sorted(train.indices + test.indices) == list(range(1797))
    for ds in (train, test):
        idx = np.array(ds.indices)
        assert ds.data.dtype == rt.float32 and tuple(ds.data.shape) == (len(ds), 8, 8)
        np.testing.assert_allclose(ds.data.numpy(), sk_digits.images[idx] / 16, rtol=1e-6)
        assert ds.targets.tolist() == sk_digits.target[idx].tolist()
        img, target = ds[5]
        assert tuple(img.shape) == (1, 8, 8) and img.dtype == rt.float32
        np.testing.assert_allclose(img.numpy()[0], sk_digits.images[idx[5]] / 16, rtol=1e-6)
        assert target == sk_digits.target[idx[5]] and type(target) is int
    # stratified: every class keeps ~20 % in test
    for c in range(10):
        n_c = int((sk_digits.target == c).sum())
        assert test.targets.tolist().count(c) == round(n_c * 0.2)


def test_digits_split_is_deterministic_and_seeded():
    a, b = D.Digits(seed=3), D.Digits(seed=3)
    assert a.indices == b.indices
    assert D.Digits(seed=4).indices != a.indices
    half = D.Digits(train=False, test_fraction=0.5, seed=3)
    assert 880 <= len(half) <= 910
    assert len(D.Digits(test_fraction=0)) == 1797
    with pytest.raises(InvalidArgument, match="test_fraction"):
        D.Digits(test_fraction=1.5)


def test_digits_without_sklearn_and_from_path(tmp_path, monkeypatch):
    path = digits_mod.sklearn_digits_path()
    monkeypatch.setattr(digits_mod, "sklearn_digits_path", lambda: None)
    with pytest.raises(DataNotFoundError) as e:
        D.Digits()
    assert "pip install scikit-learn" in str(e.value) and "path=" in str(e.value)
    ds = D.Digits(path=path, train=False, transform=lambda x: x * 16,
                  target_transform=str)
    img, target = ds[0]
    assert float(img.sum()) == pytest.approx(float(ds.data[0].sum()) * 16)
    assert target in "0123456789"
    (tmp_path / "digits.csv.gz").write_bytes(gzip.compress(b"1,2,3\n"))
    with pytest.raises(FormatError, match="line 1"):
        D.Digits(root=tmp_path)
    (tmp_path / "digits.csv.gz").write_bytes(gzip.compress(b",".join([b"17"] * 64 + [b"1"])))
    with pytest.raises(FormatError, match="0..16"):
        D.Digits(root=tmp_path)
    with pytest.raises(DataNotFoundError):
        D.Digits(path=tmp_path / "none.csv")


# ---------------------------------------------------------------- without NumPy (as in Pyodide)

def test_datasets_load_without_numpy_in_a_fresh_interpreter(tmp_path):
    import subprocess
    import textwrap
    mnist = make_mnist(tmp_path)
    _, cifar = make_cifar(tmp_path, protocol="py2", n=2)
    script = textwrap.dedent(f"""
        import sys
        sys.modules["numpy"] = None  # as in Pyodide without the numpy package
        sys.path.insert(0, {os.getcwd()!r})
        import rustorch as rt
        from rustorch.vision import datasets as D
        m = D.MNIST({str(tmp_path)!r}, train=False)
        c = D.CIFAR10({str(tmp_path)!r})
        d = D.Digits(train=False)
        print(m.data.sum().item(), m.targets.tolist())
        print(c[7][0].sum().item(), c.targets)
        print(d.indices[:20], round(d.data.sum().item(), 3))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    imgs, labels = mnist["t10k"]
    assert lines[0] == f"{int(imgs.astype(np.int64).sum())} {labels.tolist()}"
    batches = [cifar[f"data_batch_{i}"] for i in range(1, 6)]
    assert lines[1] == (f"{int(batches[3][b'data'][1].astype(np.int64).sum())} "
                        f"{sum((b[b'labels'] for b in batches), [])}")
    d = D.Digits(train=False)
    assert lines[2] == f"{d.indices[:20]} {round(d.data.sum().item(), 3)}"
