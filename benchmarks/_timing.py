"""Timing shared by the benchmarks (import it before rustorch/NumPy/torch).

Both frameworks run in one process, but never interleaved call by call:
NumPy's OpenBLAS pool and torch's OpenMP pool spin-wait after each call, and
alternating them with several threads each slows both down (up to 50x on a
small machine) -- that would measure the contention, not the frameworks.
So each framework is timed in its own block, with a pause between blocks for
the other pool's threads to go idle, over several alternating rounds; the
median per-call time of each is reported.  Threads: each framework's default
(what a user gets), or ``--threads N`` for both.
"""
import os
import statistics
import sys
import time


def threads_from_argv(argv=None):
    argv = sys.argv if argv is None else argv
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if a.startswith("--threads="):
            return int(a.split("=", 1)[1])
    return None


THREADS = threads_from_argv()
if THREADS is not None:  # the BLAS pool size is read when NumPy loads
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = str(THREADS)


def pin_torch(torch):
    if THREADS is not None:
        torch.set_num_threads(THREADS)
    return torch.get_num_threads()


def _block(fn, inner, reps):
    for _ in range(3):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        ts.append((time.perf_counter() - t0) / inner)
    return statistics.median(ts)


def side_by_side(f_rustorch, f_torch, inner, reps, rounds=3, pause=0.3):
    """Median seconds per call of each framework, timed in alternating blocks."""
    r, t = [], []
    for _ in range(rounds):
        r.append(_block(f_rustorch, inner, reps))
        time.sleep(pause)
        t.append(_block(f_torch, inner, reps))
        time.sleep(pause)
    return statistics.median(r), statistics.median(t)
