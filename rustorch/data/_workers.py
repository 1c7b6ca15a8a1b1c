"""DataLoader workers: the loop each worker runs, per-worker seeding and
get_worker_info(), and pools of worker processes or threads.

Messages.  Main -> worker (one queue per worker): ``(task_idx, index)`` to fetch
a batch, ``RESUME`` to start a new epoch (persistent workers), ``None`` to stop.
Worker -> main (one shared queue): ``(task_idx, data)`` where data may be an
ExceptionWrapper or an IterableStop, and ``(RESUME, worker_id)`` acknowledging a
new epoch.  Process workers pickle ``data`` themselves, so a sample that cannot
be pickled becomes an error in the main process instead of a lost message and
a hang.
"""
import atexit
import os
import pickle
import queue
import random
import sys
import threading
import weakref

from . import _transport
from ._exceptions import ExceptionWrapper, WorkerError
from ._fetch import ITERABLE, make_fetcher

__all__ = ["WorkerInfo", "get_worker_info"]

POLL_INTERVAL = 1.0   # seconds between liveness checks while waiting on a queue
JOIN_TIMEOUT = 5.0    # seconds a worker gets to finish its task at shutdown
RESUME = "__rustorch_resume__"


class WorkerInfo:
    """What a worker knows about itself: id, num_workers, seed, dataset (its copy)."""

    __slots__ = ("id", "num_workers", "seed", "dataset", "_frozen")

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "_frozen", True)

    def __setattr__(self, key, value):
        raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")

    def __repr__(self):
        return (f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, "
                f"dataset={self.dataset!r})")


_process_info = None            # set in a worker process
_thread_info = threading.local()  # set in a worker thread (threads share the module)


def get_worker_info():
    """The WorkerInfo of the calling DataLoader worker; None in the main process."""
    info = getattr(_thread_info, "info", None)
    return info if info is not None else _process_info


class IterableStop:
    """A worker's IterableDataset replica is exhausted."""

    __slots__ = ("worker_id",)

    def __init__(self, worker_id):
        self.worker_id = worker_id

    def __getstate__(self):
        return self.worker_id

    def __setstate__(self, state):
        self.worker_id = state


def _seed_process(seed):
    """Seed every global RNG of a worker process (its copies, after fork)."""
    import rustorch as rt
    rt.manual_seed(seed)
    random.seed(seed)
    np = sys.modules.get("numpy")
    if np is not None:  # only where the user already uses NumPy; never import it here
        np.random.seed([seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF])


def _limit_blas_threads():
    """One BLAS thread per worker process, as torch sets one intra-op thread in
    its workers: N workers each with a pool as large as the machine would
    oversubscribe the cores (and OpenBLAS pools spin-wait).  Needs threadpoolctl;
    without it the pools are left as they are."""
    if "numpy" not in sys.modules:
        return None
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=1, user_api="blas")


def _encode(task_idx, data, worker_id):
    try:
        return _transport.dumps(data)
    except Exception as e:
        err = WorkerError(f"batch {task_idx} from DataLoader worker process {worker_id} cannot be "
                          f"pickled to send it to the main process: {type(e).__name__}: {e}")
        return pickle.dumps(ExceptionWrapper(err, f"in DataLoader worker process {worker_id}"))


def worker_loop(in_process, kind, dataset, index_queue, result_queue, done_event, auto_collation,
                collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers, parent_pid):
    """Run by every worker: seed, call worker_init_fn, then fetch what is asked."""
    global _process_info
    where = f"in DataLoader worker {'process' if in_process else 'thread'} {worker_id}"
    seed = base_seed + worker_id
    info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    if in_process:
        _process_info = info
        # threads share the process's RNGs with the main thread; reseeding them
        # would change the main process's random stream, so only processes do it
        _seed_process(seed)
        _limit_blas_threads()
    else:
        _thread_info.info = info

    def send(task_idx, data):
        if in_process and task_idx != RESUME:
            data = _encode(task_idx, data, worker_id)
        result_queue.put((task_idx, data))

    def new_fetcher():
        return make_fetcher(kind, dataset, auto_collation, collate_fn, drop_last)

    init_error = None  # a failing worker_init_fn / iter(dataset) answers every task of this worker
    fetcher = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = new_fetcher()
    except Exception as e:
        init_error = ExceptionWrapper(e, where)
    exhausted = False
    try:
        while True:
            try:
                msg = index_queue.get(timeout=POLL_INTERVAL)
            except queue.Empty:
                if done_event.is_set():
                    break  # shutting down, even if our stop message was lost
                if in_process and os.getppid() != parent_pid:
                    break  # the main process is gone: nobody will read our results
                continue
            if msg is None:
                break
            if msg == RESUME:
                exhausted = False
                if init_error is None:
                    try:
                        fetcher = new_fetcher()
                    except Exception as e:
                        init_error = ExceptionWrapper(e, where)
                send(RESUME, worker_id)
                continue
            if done_event.is_set() or exhausted:
                continue  # shutting down, or the replica ended: skip, as torch does
            task_idx, index = msg
            if init_error is not None:
                data = init_error
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    if kind != ITERABLE:
                        data = ExceptionWrapper(WorkerError("StopIteration raised by a map-style data set"),
                                                where)
                    else:
                        data, exhausted = IterableStop(worker_id), True
                except Exception as e:
                    data = ExceptionWrapper(e, where)
            send(task_idx, data)
            del data
    except KeyboardInterrupt:
        pass  # the main process handles Ctrl-C
    finally:
        if in_process:
            # never block this process's exit on results nobody will read
            result_queue.cancel_join_thread()
            result_queue.close()
        else:
            _thread_info.info = None


# ---------------------------------------------------------------- pools
_live_pools = weakref.WeakSet()


@atexit.register
def _shutdown_live_pools():
    # runs before multiprocessing's own exit handler (atexit is LIFO), so workers
    # stop cleanly instead of being terminated mid-write
    for pool in list(_live_pools):
        pool.shutdown()


class _Pool:
    """Workers of one DataLoader iterator: index queues, one result queue."""

    def put(self, worker_id, msg):
        self.index_queues[worker_id].put(msg)

    def dead(self, active):
        """(worker_id, pid, exitcode) of active workers that are no longer running."""
        return [(i, getattr(w, "pid", None), getattr(w, "exitcode", None))
                for i, w in enumerate(self.workers) if active[i] and not w.is_alive()]


class ProcessPool(_Pool):
    in_process = True

    def __init__(self, ctx, num_workers, worker_args):
        self.index_queues, self.workers = [], []
        self.result_queue = ctx.Queue()
        self.done_event = ctx.Event()
        self.closed = False
        _live_pools.add(self)
        try:
            for i in range(num_workers):
                q = ctx.Queue()
                q.cancel_join_thread()  # index messages are tiny; never block our exit on them
                self.index_queues.append(q)
                args = (True,) + worker_args(i, q, self.result_queue, self.done_event, os.getpid())
                p = ctx.Process(target=worker_loop, args=args, daemon=True)
                p.start()
                self.workers.append(p)
        except BaseException:
            self.shutdown()
            raise

    def get(self, timeout):
        task_idx, data = self.result_queue.get(timeout=timeout)
        if task_idx == RESUME:
            return task_idx, data
        try:
            return task_idx, _transport.loads(data)
        except Exception as e:
            return task_idx, ExceptionWrapper(
                WorkerError(f"batch {task_idx} from a worker process cannot be unpickled in the main "
                            f"process: {type(e).__name__}: {e}"), "in the main process")

    def shutdown(self):
        if self.closed:
            return
        self.closed = True
        try:
            self.done_event.set()
            for q in self.index_queues:
                try:
                    q.put(None)
                except (ValueError, OSError):  # queue already finalized (garbage collection)
                    pass
            for p in self.workers:
                p.join(JOIN_TIMEOUT)
                if p.is_alive():  # stuck in user code: stop it
                    p.terminate()
                    p.join(JOIN_TIMEOUT)
            for q in self.index_queues + [self.result_queue]:
                q.cancel_join_thread()
                q.close()
        finally:
            _live_pools.discard(self)


class ThreadPool(_Pool):
    in_process = False

    def __init__(self, num_workers, worker_args):
        self.index_queues = [queue.Queue() for _ in range(num_workers)]
        self.result_queue = queue.Queue()
        self.done_event = threading.Event()
        self.closed = False
        self.workers = []
        _live_pools.add(self)
        for i, q in enumerate(self.index_queues):
            args = (False,) + worker_args(i, q, self.result_queue, self.done_event, os.getpid())
            t = threading.Thread(target=worker_loop, args=args, daemon=True,
                                 name=f"rustorch-DataLoader-worker-{i}")
            t.start()
            self.workers.append(t)

    def get(self, timeout):
        return self.result_queue.get(timeout=timeout)

    def shutdown(self):
        if self.closed:
            return
        self.closed = True
        self.done_event.set()
        for q in self.index_queues:
            q.put(None)
        me = threading.current_thread()
        for t in self.workers:
            if t is not me:
                # a thread stuck in user code cannot be stopped; it is a daemon,
                # so it does not keep the interpreter alive
                t.join(JOIN_TIMEOUT)
        _live_pools.discard(self)
