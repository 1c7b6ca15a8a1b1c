"""DataLoader: batches from a data set, in the main process or in parallel
workers (processes or threads), with torch.utils.data.DataLoader's arguments,
checks and ordering semantics."""
import itertools
import math
import queue
import sys
import time

from .._errors import InvalidArgument, InvalidType, UnsupportedError
from . import _workers
from ._exceptions import DataLoaderTimeoutError, ExceptionWrapper, WorkerError
from ._fetch import ITERABLE, MAP, make_fetcher
from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler, _InfiniteConstantSampler

__all__ = ["DataLoader"]

_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


def _draw_seed(generator):
    """A 63-bit seed from ``generator`` (the global RNG when None), as torch draws
    each epoch's base seed for its workers."""
    import rustorch as rt
    return rt.empty((), dtype=rt.int64, device="cpu").random_(generator=generator).item()


def _resolve_context(ctx, num_workers, worker_mode):
    if ctx is None:
        return None
    import multiprocessing  # here, not at the top: Pyodide has no processes
    if num_workers == 0:
        raise InvalidArgument("multiprocessing_context can only be used with multi-process loading "
                              f"(num_workers > 0), but got num_workers={num_workers}")
    if worker_mode != "process":
        raise InvalidArgument(f"multiprocessing_context applies to worker_mode='process', "
                              f"but got worker_mode={worker_mode!r}")
    if isinstance(ctx, str):
        methods = multiprocessing.get_all_start_methods()
        if ctx not in methods:
            raise InvalidArgument(f"multiprocessing_context option should specify a valid start method in "
                                  f"{methods!r}, but got multiprocessing_context={ctx!r}")
        return multiprocessing.get_context(ctx)
    if not isinstance(ctx, multiprocessing.context.BaseContext):
        raise InvalidType("multiprocessing_context option should be a valid context object or a string "
                          f"specifying the start method, but got multiprocessing_context={ctx!r}")
    return ctx


def _default_context():
    import multiprocessing
    # fork starts workers in milliseconds and needs nothing picklable; other
    # platforms (and Python's own default elsewhere) use spawn/forkserver
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


class DataLoader:
    """Iterate over ``dataset`` in batches.  ``num_workers > 0`` loads batches in
    parallel: worker processes (``worker_mode="process"``, the default) or threads
    (``worker_mode="thread"``, a rustorch extension: no pickling, no start-up cost,
    but threads share the GIL and the process's global RNGs)."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True, worker_mode="process"):
        if isinstance(num_workers, bool) or not isinstance(num_workers, int):
            raise InvalidType(f"num_workers should be an int, but got {num_workers!r}")
        if num_workers < 0:
            raise InvalidArgument("num_workers option should be non-negative; "
                                  "use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise InvalidArgument(f"timeout option should be non-negative, got {timeout}")
        if num_workers == 0 and prefetch_factor is not None:
            raise InvalidArgument("prefetch_factor option could only be specified in multiprocessing."
                                  "let num_workers > 0 to enable multiprocessing, otherwise set "
                                  "prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 1:
            # torch rejects negatives; 0 would send no work at all and end every epoch empty
            raise InvalidArgument(f"prefetch_factor option should be a positive number of batches per "
                                  f"worker, got {prefetch_factor}")
        if persistent_workers and num_workers == 0:
            raise InvalidArgument("persistent_workers option needs num_workers > 0")
        if worker_mode not in ("process", "thread"):
            raise InvalidArgument(f"worker_mode should be 'process' or 'thread', got {worker_mode!r}")
        if num_workers > 0 and sys.platform == "emscripten":
            raise UnsupportedError(f"DataLoader(num_workers={num_workers}) needs worker processes or "
                                   "threads, which do not exist in Pyodide/WebAssembly; use num_workers=0")

        if isinstance(dataset, IterableDataset):
            kind = ITERABLE
            if shuffle not in (False, None):
                raise InvalidArgument(f"DataLoader with IterableDataset: expected unspecified shuffle "
                                      f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise InvalidArgument(f"DataLoader with IterableDataset: expected unspecified sampler "
                                      f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise InvalidArgument(f"DataLoader with IterableDataset: expected unspecified batch_sampler "
                                      f"option, but got batch_sampler={batch_sampler}")
        else:
            kind = MAP
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise InvalidArgument("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise InvalidArgument("batch_sampler option is mutually exclusive with batch_size, "
                                      "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise InvalidArgument("batch_size=None option disables auto-batching and is mutually "
                                  "exclusive with drop_last")
        if sampler is None:
            if kind == ITERABLE:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory  # accepted for torch compatibility: there is no pinned memory here
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = _resolve_context(multiprocessing_context, num_workers, worker_mode)
        self.worker_mode = worker_mode
        self._dataset_kind = kind
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_sampler is not None else default_convert)
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._iterator = None
        self._initialized = True

    def __setattr__(self, name, value):
        if getattr(self, "_initialized", False) and name in _FROZEN:
            raise InvalidArgument(f"{name} attribute should not be set after "
                                  f"{type(self).__name__} is initialized")
        super().__setattr__(name, value)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        return _MultiWorkerIter(self)

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None or self._iterator._pool is None:  # first epoch, or workers lost
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self):
        return _num_batches(self._dataset_kind, self.dataset, self.batch_size, self.drop_last,
                            self._index_sampler)


def _num_batches(kind, dataset, batch_size, drop_last, index_sampler):
    if kind == ITERABLE:
        n = len(dataset)
        if batch_size is not None:
            n = n // batch_size if drop_last else math.ceil(n / batch_size)
        return n
    return len(index_sampler)


class _BaseIter:
    def __init__(self, loader):
        # no reference to the loader: a persistent loader holds its iterator, and a
        # reference cycle would delay shutting the workers down until a garbage collection
        self._batch_size = loader.batch_size
        self._dataset = loader.dataset
        self._kind = loader._dataset_kind
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        # drawn whatever num_workers is, so 0 and N workers leave the RNG in the same state
        self._base_seed = _draw_seed(loader.generator)
        self._num_yielded = 0

    def __iter__(self):
        return self

    def __len__(self):
        return _num_batches(self._kind, self._dataset, self._batch_size, self._drop_last,
                            self._index_sampler)

    def _reset(self, loader, first_iter=False):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0

    def _next_index(self):
        return next(self._sampler_iter)

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        return data


class _SingleProcessIter(_BaseIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._fetcher = make_fetcher(self._kind, self._dataset, self._auto_collation,
                                     self._collate_fn, self._drop_last)

    def _next_data(self):
        index = self._next_index()
        return self._fetcher.fetch(index)  # StopIteration ends the loop


class _MultiWorkerIter(_BaseIter):
    """Index batches go out round-robin to the workers, at most
    prefetch_factor * num_workers at a time; results are handed out in task order
    (or as they arrive with in_order=False)."""

    def __init__(self, loader):
        super().__init__(loader)
        self._pool = None
        self._num_workers = loader.num_workers
        self._prefetch_factor = loader.prefetch_factor
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        self._in_order = loader.in_order
        self._mode = loader.worker_mode

        def worker_args(i, index_queue, result_queue, done_event, parent_pid):
            return (self._kind, self._dataset, index_queue, result_queue, done_event,
                    self._auto_collation, self._collate_fn, self._drop_last, self._base_seed,
                    loader.worker_init_fn, i, self._num_workers, parent_pid)

        if self._mode == "thread":
            self._pool = _workers.ThreadPool(self._num_workers, worker_args)
        else:
            ctx = loader.multiprocessing_context or _default_context()
            self._pool = _workers.ProcessPool(ctx, self._num_workers, worker_args)
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter=False):
        super()._reset(loader, first_iter)
        self._send_idx = 0       # next task to send
        self._rcvd_idx = 0       # next task to hand out (in order)
        self._task_info = {}     # task -> [worker_id] while pending, [worker_id, data] when arrived early
        self._outstanding = 0    # tasks sent whose answer has not arrived
        self._active = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            # persistent workers keep their first seed (as torch's do), but a seed is still drawn
            # so the generator advances exactly as it does with fresh workers or with none
            _draw_seed(loader.generator)
            # restart each replica, dropping answers left from an unfinished epoch
            for i in range(self._num_workers):
                self._pool.put(i, _workers.RESUME)
            waiting = self._num_workers
            while waiting:
                task_idx, _ = self._get_data()
                if task_idx == _workers.RESUME:
                    waiting -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_put_index(self):
        if self._outstanding >= self._prefetch_factor * self._num_workers:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_cycle)
            if self._active[worker_id]:
                break
        else:
            return  # every worker's replica is exhausted
        try:
            index = self._next_index()
        except StopIteration:
            return
        self._pool.put(worker_id, (self._send_idx, index))
        self._task_info[self._send_idx] = [worker_id]
        self._outstanding += 1
        self._send_idx += 1

    def _get_data(self):
        """One message from the workers, watching for dead workers and the timeout."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = _workers.POLL_INTERVAL
            if deadline is not None:
                wait = max(0.0, min(wait, deadline - time.monotonic()))
            try:
                return self._pool.get(wait)
            except queue.Empty:
                pass
            dead = self._pool.dead(self._active)
            if dead:
                self._shutdown_workers()
                desc = ", ".join(f"worker {i} (pid {pid}, exit code {code})" for i, pid, code in dead)
                raise WorkerError(f"DataLoader {desc} exited unexpectedly") from None
            if deadline is not None and time.monotonic() >= deadline:
                raise DataLoaderTimeoutError(
                    f"DataLoader timed out after {self._timeout} seconds waiting for batch "
                    f"{self._rcvd_idx} from {self._num_workers} {self._mode} workers") from None

    def _next_data(self):
        while True:
            # skip tasks already handed out (in_order=False) or owed by an exhausted replica
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info is not None and (len(info) == 2 or self._active[info[0]]):
                    break
                self._task_info.pop(self._rcvd_idx, None)
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            info = self._task_info[self._rcvd_idx]
            if len(info) == 2:  # arrived earlier, out of order
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._process(info[1])
            if self._pool is None or self._pool.closed:
                raise StopIteration
            task_idx, data = self._get_data()
            if task_idx == _workers.RESUME:
                continue  # a late acknowledgement; nothing to hand out
            self._outstanding -= 1
            if isinstance(data, _workers.IterableStop):
                del self._task_info[task_idx]
                self._retire(data.worker_id)
                self._try_put_index()
                continue
            if task_idx == self._rcvd_idx:
                del self._task_info[task_idx]
                self._rcvd_idx += 1
                return self._process(data)
            if not self._in_order:
                del self._task_info[task_idx]
                return self._process(data)
            self._task_info[task_idx].append(data)

    def _retire(self, worker_id):
        """A worker's replica is exhausted: it will skip the tasks it still holds."""
        self._active[worker_id] = False
        owed = [t for t, info in self._task_info.items() if len(info) == 1 and info[0] == worker_id]
        self._outstanding -= len(owed)

    def _process(self, data):
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    def _shutdown_workers(self):
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown()

    def __del__(self):
        try:
            self._shutdown_workers()
        except Exception:  # interpreter shutdown: modules may already be gone
            pass
