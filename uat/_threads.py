"""BLAS thread pools wherever uat computes: every pool on one thread, so that results and timings do not
depend on the machine's load or on ``OPENBLAS_NUM_THREADS``.

numpy and scipy wheels each bundle their own OpenBLAS with its own thread pool, at as many threads as
cores. :data:`pinned_blas` (a context manager and a decorator) sets every BLAS pool loaded alongside
numpy and scipy to ``THREADS = 1`` for the duration of a public entry point that computes (``fit``,
``fit_widths``, ``lstsq_solve``/``lstsq_path``, ``sup_error``, ``sup_bracket``, ``rms_error``,
``best_polynomial``, ``loss_and_grad``, ``residual_jacobian``, hence the study's measurement), and
:data:`lazily_pinned_blas` does so for a whole ``uat`` command; then each pool gets back the limit it had.

Why one thread; measured on a 2-core machine shared with other work (load average 2-6), the code before
this module pinned anything but numpy's pool during a fit, in fresh processes with ``OPENBLAS_NUM_THREADS``
= 1 against unset (2 threads):

* **Results depended on it.** ``fit("sin(2*pi*x) + 0.5*abs(x)", "[-1,1]", width=512)`` (QR of a
  2560 × 512 feature matrix in scipy's LAPACK) gave C with other bits and sup error 7.1632e-4 at two
  threads against 7.1643e-4 at one; ``fit("runge", width=1024)`` and ``width=2048`` too. Pinned, the
  three settings give the same bits (tests/test_threads.py).
* **Two threads bought nothing here and cost a lot under load**: lstsq at width 1024 (N = 5120) took
  8.1-8.7 s against 1.0 s, at width 2048 (N = 10240) 26-37 s against 7-9 s; the fit of
  ``uat fit runge -k 128`` 2.5-3.4 s against 0.04 s; backprop (varpro, 1000 iterations) on
  sin 2πx + ½|x| at width 50, 127-254 s against 6-9 s pinned, at width 30 80 s against 10 s. OpenBLAS's
  threads spin for cores that the other pool, the row-block threads or another process hold.
* **It is cheap.** The pools are found once (a ``ThreadpoolController`` takes 1-2 ms to build, so it is
  kept); entering and leaving the outermost block then reads and sets each pool's limit, ≈ 20 µs
  against 1.6 ms for the smallest fit (``fit("runge", width=8)``); a nested block (``fit`` calling
  ``lstsq_path``, a command calling ``fit``) costs ≈ 1 µs.

The block is re-entrant and shared by threads: the first to enter pins the pools, the last to leave
restores them; a pool already on one thread (a study worker, which calls ``threadpool_limits(1)`` once
for its lifetime) is neither set nor "restored" to anything else. threadpoolctl >= 3.8 lets one thread at
a time set OpenBLAS's process-wide pool, so each set here hands control back at once; while another
thread holds it (inside its own ``with threadpool_limits(...)``), uat's sets do nothing and that
thread's limits stand. Pools are looked for once, after numpy and scipy.linalg are imported; a BLAS
loaded later (a peer's torch or scikit-learn) is not pinned here: the peers limit their own threads.
Where numpy and scipy share one BLAS (MKL, a system OpenBLAS) that one pool is pinned.
"""

from __future__ import annotations

import contextlib
import os
import threading

#: threads of every BLAS pool inside :data:`pinned_blas`
THREADS = 1

_lock = threading.Lock()
_pools: tuple | None = None  # threadpoolctl's controllers of the BLAS pools, once found
_depth = 0  # blocks open, in every thread
_outer: list[tuple[object, int]] | None = None  # while pinned: (pool, its limit before uat pinned it)


def _find_pools() -> tuple:
    """The BLAS pools of this process, found once, after numpy and scipy have loaded their OpenBLAS."""
    global _pools
    if _pools is None:
        import numpy  # noqa: F401 - each wheel loads its own OpenBLAS on import
        import scipy.linalg  # noqa: F401
        from threadpoolctl import ThreadpoolController

        _pools = tuple(pool for pool in ThreadpoolController().lib_controllers if pool.user_api == "blas")
    return _pools


class _PinnedBlas(contextlib.ContextDecorator):
    """Every BLAS pool at ``THREADS`` threads inside the block or the decorated function (re-entrant, thread-safe).

    With ``find_pools=False`` the block imports nothing: its pools are pinned by the first block inside it
    that finds them (every computing entry point does), and stay pinned until it ends.
    """

    def __init__(self, find_pools: bool = True):
        self.find_pools = find_pools

    def __enter__(self):
        global _depth, _outer
        if self.find_pools:
            _find_pools()
        with _lock:
            _depth += 1
            if _outer is None and _pools is not None:
                _outer = [(pool, pool.num_threads) for pool in _pools]
                for pool, threads in _outer:
                    if threads != THREADS:
                        _set_threads(pool, THREADS)
        return self

    def __exit__(self, *exc) -> bool:
        global _depth, _outer
        with _lock:
            _depth -= 1
            if _depth == 0 and _outer is not None:
                for pool, threads in _outer:
                    if threads != THREADS and pool.num_threads == THREADS:  # not a pool another thread controls
                        _set_threads(pool, threads)
                _outer = None
        return False


def _set_threads(pool, threads: int) -> None:
    """Set a pool's limit from this thread, and hand control of it back.

    threadpoolctl >= 3.8 lets one thread at a time set OpenBLAS's process-wide pool (the first to set it;
    the others' calls do nothing until it lets go). The last block to end, in whichever thread, restores
    the pools, so no thread keeps control after a set; a thread that keeps control for good (a study
    worker's ``threadpool_limits(1)``, dask's worker plugin) has already set one thread, which is left alone.
    """
    pool.set_num_threads(threads)
    release = getattr(pool, "clear_controlling_thread", None)  # only this thread's control, if it has it
    if release is not None:
        release()


#: ``with pinned_blas:`` or ``@pinned_blas``: every BLAS pool on ``THREADS`` threads, restored afterwards
pinned_blas = _PinnedBlas()
#: the same for a whole ``uat`` command: ``uat --help`` must not import numpy to find pools it never uses
lazily_pinned_blas = _PinnedBlas(find_pools=False)


def available_threads() -> int:
    """Threads uat may run side by side: the largest BLAS pool's limit as the caller set it (outside
    :data:`pinned_blas`), capped by the usable cores.

    Inside a study worker every pool is limited to one thread, so this is 1 there; in a plain session
    it is the number of cores.
    """
    pools = _find_pools()
    with _lock:
        limits = [threads for _, threads in _outer] if _outer is not None else [pool.num_threads for pool in pools]
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, max(limits, default=cores)))
