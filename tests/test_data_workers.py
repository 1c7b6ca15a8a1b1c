"""DataLoader with workers (processes and threads): same batches as without
workers, per-worker seeds and info, errors, timeouts and clean shutdown."""
import gc
import multiprocessing
import os
import random
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import rustorch as rt
from rustorch import data as rd
from rustorch._errors import RustorchError

MODES = ["process", "thread"]
pytestmark = pytest.mark.skipif(sys.platform == "emscripten", reason="no processes or threads in Pyodide")


# Data sets live at module level so that spawned workers can unpickle them.
class Images(rd.Dataset):
    """A small 'image' per index, built with rustorch ops, plus a label and a name."""

    def __init__(self, n=23):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        img = (rt.arange(12, dtype=rt.float32).reshape(3, 2, 2) * (i + 1)).sin()
        return {"img": img, "label": i % 3, "name": f"img{i}"}


class WhoAmI(rd.Dataset):
    """Reports what the worker that loaded it knows."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = rd.get_worker_info()
        return {"i": i, "id": info.id, "num_workers": info.num_workers, "seed": info.seed,
                "pid": os.getpid(), "rt": rt.rand(1).item(), "py": random.random(),
                "same_dataset": info.dataset is self, "init": getattr(info.dataset, "init_by", None)}


class Failing(rd.Dataset):
    def __init__(self, bad=5, exc=ValueError):
        self.bad, self.exc = bad, exc

    def __len__(self):
        return 10

    def __getitem__(self, i):
        if i == self.bad:
            raise_from_deep_inside(self.exc, i)
        return i


def raise_from_deep_inside(exc, i):
    if exc is NeedsTwoArgs:
        raise exc("sample", i)
    raise exc(f"sample {i} is broken")


class NeedsTwoArgs(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


class Slow(rd.Dataset):
    def __init__(self, delay):
        self.delay = delay

    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(self.delay)
        return i


class Dies(rd.Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 3:
            os._exit(7)
        return i


class Unpicklable(rd.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return (lambda: i) if i == 2 else i


class Sharded(rd.IterableDataset):
    """range(n), split between workers with get_worker_info, as torch's docs show."""

    def __init__(self, n, shard=True):
        self.n, self.shard = n, shard

    def __iter__(self):
        info = rd.get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


class Counting(rd.Dataset):
    def __init__(self):
        self.calls = 0
        self.lock = threading.Lock()

    def __len__(self):
        return 40

    def __getitem__(self, i):
        with self.lock:
            self.calls += 1
        return i


def mark_init(worker_id):
    info = rd.get_worker_info()
    assert info.id == worker_id
    info.dataset.init_by = worker_id


def bad_init(worker_id):
    raise RuntimeError(f"init of worker {worker_id} failed")


def as_plain(batches):
    return [{k: (v.tolist() if isinstance(v, rt.Tensor) else v) for k, v in b.items()} for b in batches]


def epochs(loader, n=2):
    return [as_plain(loader) for _ in range(n)]


@pytest.fixture(autouse=True)
def no_leftover_children():
    yield
    gc.collect()
    deadline = time.monotonic() + 10
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []


# ---------------------------------------------------------------- same batches
def test_workers_give_the_same_batches_as_no_workers():
    """Seeded shuffle: num_workers=0, 2 processes and 2 threads agree, epoch after epoch."""
    results = []
    for kw in (dict(num_workers=0), dict(num_workers=2), dict(num_workers=2, worker_mode="thread"),
               dict(num_workers=2, persistent_workers=True), dict(num_workers=3, prefetch_factor=1)):
        g = rt.Generator().manual_seed(1234)
        loader = rd.DataLoader(Images(), batch_size=4, shuffle=True, generator=g, **kw)
        results.append(epochs(loader))
    first = results[0]
    assert first[0] != first[1]  # two different shuffles
    assert sorted(sum((b["name"] for b in first[0]), [])) == sorted(f"img{i}" for i in range(23))
    for r in results[1:]:
        assert r == first


def test_global_rng_shuffle_is_the_same_with_and_without_workers():
    out = []
    for kw in (dict(), dict(num_workers=2), dict(num_workers=2, worker_mode="thread")):
        rt.manual_seed(99)
        out.append(epochs(rd.DataLoader(Images(9), batch_size=2, shuffle=True, **kw)))
    assert out[0] == out[1] == out[2]


@pytest.mark.parametrize("mode", MODES)
def test_in_order_false_yields_every_batch(mode):
    loader = rd.DataLoader(rd.TensorDataset(rt.arange(30)), batch_size=4, num_workers=2,
                           in_order=False, worker_mode=mode)
    got = sorted(i for (b,) in loader for i in b.tolist())
    assert got == list(range(30))


def test_spawn_context_works():
    loader = rd.DataLoader(Images(6), batch_size=3, num_workers=1, multiprocessing_context="spawn")
    assert as_plain(loader) == as_plain(rd.DataLoader(Images(6), batch_size=3))


# ---------------------------------------------------------------- seeds and worker info
@pytest.mark.parametrize("mode", MODES)
def test_worker_info_and_distinct_seeds(mode):
    g = rt.Generator().manual_seed(5)
    loader = rd.DataLoader(WhoAmI(), batch_size=None, num_workers=2, worker_mode=mode, generator=g,
                           worker_init_fn=mark_init)
    rows = list(loader)
    assert [r["i"] for r in rows] == list(range(8))
    assert [r["id"] for r in rows] == [0, 1] * 4  # round-robin
    assert all(r["num_workers"] == 2 for r in rows)
    if mode == "process":  # worker_init_fn ran in that worker, with its id
        assert all(r["init"] == r["id"] for r in rows)
    seeds = {r["id"]: r["seed"] for r in rows}
    base = rd.dataloader._draw_seed(rt.Generator().manual_seed(5))
    assert seeds == {0: base, 1: base + 1}
    if mode == "process":
        assert len({r["pid"] for r in rows}) == 2 and os.getpid() not in {r["pid"] for r in rows}
        assert not hasattr(loader.dataset, "init_by")  # each process has its own copy
        # each process seeded its global RNGs with its own seed: reproducible and distinct
        for wid in (0, 1):
            mine = [r for r in rows if r["id"] == wid]
            g = rt.Generator().manual_seed(seeds[wid])
            assert [r["rt"] for r in mine] == [rt.rand(1, generator=g).item() for _ in mine]
            py = random.Random(seeds[wid])
            assert [r["py"] for r in mine] == [py.random() for _ in mine]
    else:
        assert loader.dataset.init_by in (0, 1)  # threads share the data set
        assert {r["pid"] for r in rows} == {os.getpid()}
    assert rd.get_worker_info() is None


def test_numpy_is_seeded_per_worker_when_imported():
    np = pytest.importorskip("numpy")

    def draws():
        g = rt.Generator().manual_seed(8)
        loader = rd.DataLoader(NumpyDraw(), batch_size=None, num_workers=2, generator=g)
        return [tuple(x) for x in loader]
    a, b = draws(), draws()
    assert a == b  # reproducible
    assert a[0][1] != a[1][1]  # workers 0 and 1 draw differently
    assert np is sys.modules["numpy"]


class NumpyDraw(rd.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        import numpy as np
        return (rd.get_worker_info().id, float(np.random.rand()))


# ---------------------------------------------------------------- iterable data sets
@pytest.mark.parametrize("mode", MODES)
def test_iterable_dataset_sharded_by_worker_info(mode):
    loader = rd.DataLoader(Sharded(11), batch_size=2, num_workers=3, worker_mode=mode)
    batches = [b.tolist() for b in loader]
    assert sorted(sum(batches, [])) == list(range(11))
    # round-robin over workers: worker 0 gives [0, 3], worker 1 [1, 4], worker 2 [2, 5], ...
    assert batches[:3] == [[0, 3], [1, 4], [2, 5]]
    unsharded = rd.DataLoader(Sharded(5, shard=False), batch_size=None, num_workers=2, worker_mode=mode)
    assert sorted(int(x) for x in unsharded) == sorted(list(range(5)) * 2)  # each worker has a replica


def test_iterable_dataset_with_persistent_workers_restarts_each_epoch():
    loader = rd.DataLoader(Sharded(7), batch_size=3, num_workers=2, persistent_workers=True)
    e1 = [b.tolist() for b in loader]
    e2 = [b.tolist() for b in loader]
    assert e1 == e2 and sorted(sum(e1, [])) == list(range(7))
    del loader


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("mode", MODES)
def test_worker_exception_is_reraised_with_traceback(mode):
    loader = rd.DataLoader(Failing(), batch_size=2, num_workers=2, worker_mode=mode)
    it = iter(loader)
    assert next(it).tolist() == [0, 1] and next(it).tolist() == [2, 3]
    with pytest.raises(ValueError) as exc:
        next(it)
    msg = str(exc.value)
    assert f"Caught ValueError in DataLoader worker {mode} 0" in msg
    assert "raise_from_deep_inside" in msg and "sample 5 is broken" in msg
    assert next(it).tolist() == [6, 7]  # the loader goes on, as torch's does
    del it


@pytest.mark.parametrize("mode", MODES)
def test_worker_exception_types(mode):
    with pytest.raises(KeyError, match="sample 1 is broken"):
        list(rd.DataLoader(Failing(1, KeyError), num_workers=1, worker_mode=mode))
    with pytest.raises(rd.WorkerError, match="NeedsTwoArgs"):  # cannot be rebuilt from one message
        list(rd.DataLoader(Failing(1, NeedsTwoArgs), num_workers=1, worker_mode=mode))
    with pytest.raises(RuntimeError, match="init of worker 0 failed"):
        list(rd.DataLoader(Failing(), num_workers=1, worker_mode=mode, worker_init_fn=bad_init))


def test_unpicklable_sample_is_an_error_not_a_hang():
    with pytest.raises(rd.WorkerError, match="pickle"):
        list(rd.DataLoader(Unpicklable(), batch_size=None, num_workers=2, timeout=30))


def test_dead_worker_is_detected():
    with pytest.raises(rd.WorkerError, match="exit code 7"):
        list(rd.DataLoader(Dies(), batch_size=None, num_workers=2))


@pytest.mark.parametrize("mode", MODES)
def test_timeout_raises(mode):
    loader = rd.DataLoader(Slow(1.5), batch_size=None, num_workers=1, timeout=0.2, worker_mode=mode)
    it = iter(loader)
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="timed out after 0.2 seconds") as exc:
        next(it)
    assert isinstance(exc.value, RustorchError) and isinstance(exc.value, TimeoutError)
    assert time.monotonic() - t0 < 1.4  # raised while the sample was still loading
    del it


# ---------------------------------------------------------------- shutdown
@pytest.mark.parametrize("mode", MODES)
def test_early_break_shuts_workers_down(mode):
    before = threading.active_count()
    loader = rd.DataLoader(Images(40), batch_size=2, num_workers=2, worker_mode=mode)
    for i, _ in enumerate(loader):
        if i == 2:
            break
    gc.collect()
    deadline = time.monotonic() + 10
    while (multiprocessing.active_children() or threading.active_count() > before) and \
            time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []
    assert threading.active_count() <= before


def test_persistent_workers_are_reused_and_stopped_with_the_loader():
    loader = rd.DataLoader(WhoAmI(), batch_size=None, num_workers=2, persistent_workers=True)
    pids1 = {r["pid"] for r in loader}
    it = iter(loader)
    next(it)  # an unfinished epoch ...
    pids2 = {r["pid"] for r in loader}  # ... then a full one: stale results are dropped
    assert pids1 == pids2 and len(pids1) == 2
    assert len(multiprocessing.active_children()) == 2
    del loader, it


def test_prefetch_bound_in_thread_mode():
    ds = Counting()
    loader = rd.DataLoader(ds, batch_size=1, num_workers=2, prefetch_factor=3, worker_mode="thread")
    it = iter(loader)
    for k in range(1, 6):
        next(it)
        time.sleep(0.05)
        assert ds.calls <= k + 3 * 2  # never more than prefetch_factor * num_workers ahead
    assert len(list(it)) == 40 - 5
    assert ds.calls == 40


def test_interpreter_exit_with_live_iterators_does_not_hang():
    script = textwrap.dedent("""
        import sys
        sys.path.insert(0, %r)
        import rustorch as rt
        from rustorch import data as rd
        ds = rd.TensorDataset(rt.arange(100))
        a = iter(rd.DataLoader(ds, batch_size=2, num_workers=2))
        b = iter(rd.DataLoader(ds, batch_size=2, num_workers=2, worker_mode="thread"))
        c = rd.DataLoader(ds, batch_size=2, num_workers=2, persistent_workers=True)
        next(a); next(b); next(iter(c))
        print("ok")
    """) % os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# ---------------------------------------------------------------- transport
def test_batches_cross_processes_intact():
    """Process workers send tensors as raw bytes: every dtype, views, empties and
    requires_grad survive the trip."""
    from rustorch.data import _transport
    base = rt.arange(24).reshape(2, 3, 4)
    batch = {"views": [base[:, 1], base.transpose(0, 2), base[..., ::2]],
             "empty": rt.zeros(0, 5, dtype=rt.int16), "scalar": rt.tensor(3.5, dtype=rt.float64),
             "grad": rt.ones(2, requires_grad=True), "names": ("a", "b")}
    for dtype in (rt.bool, rt.uint8, rt.int8, rt.int32, rt.int64, rt.float16, rt.bfloat16, rt.float32,
                  rt.float64, rt.complex64):
        batch[str(dtype)] = (base % 3).to(dtype)
    back = _transport.loads(_transport.dumps(batch))
    assert back.keys() == batch.keys() and back["names"] == ("a", "b")
    for key, value in batch.items():
        for a, b in zip(value if isinstance(value, list) else [value], back[key] if isinstance(value, list)
                        else [back[key]]):
            if isinstance(a, rt.Tensor):
                assert (a.dtype, tuple(a.shape), a.requires_grad) == (b.dtype, tuple(b.shape), b.requires_grad)
                assert a.detach().tolist() == b.detach().tolist()


def test_process_workers_without_numpy():
    """Where NumPy is missing, tensors travel with their own pickle."""
    script = textwrap.dedent("""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "numpy" or name.startswith("numpy."):
                    raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        sys.meta_path.insert(0, Block())
        sys.path.insert(0, %r)
        import rustorch as rt
        from rustorch import data as rd
        ds = rd.TensorDataset(rt.arange(20).reshape(10, 2).float(), rt.arange(10))
        def run(**kw):
            g = rt.Generator().manual_seed(0)
            return [[t.tolist() for t in b] for b in rd.DataLoader(ds, batch_size=3, shuffle=True,
                                                                   generator=g, **kw)]
        assert run() == run(num_workers=2) == run(num_workers=2, worker_mode="thread")
        assert "numpy" not in sys.modules
        print("ok")
    """) % os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
