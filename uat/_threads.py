"""BLAS thread pools while uat fits.

numpy and scipy wheels each bundle their own OpenBLAS with its own thread pool. When one loop
alternates between them (features by numpy's matmul, then a QR by scipy's LAPACK), the idle
pool's spinning threads steal the cores of the busy one. Measured on 2 cores: ``uat.fit`` at
width 256 took 61 ms with both pools at default threads, 22 ms with numpy's pool on one thread
(and 27 ms with every pool on one thread). So while uat fits, numpy's pool runs single-threaded
(its work here is outer products and matrix-vector products) and scipy's LAPACK keeps every core.
Where numpy and scipy share one BLAS (e.g. MKL or a system OpenBLAS) nothing is changed.
"""

from __future__ import annotations

import contextlib
import os

from threadpoolctl import ThreadpoolController

_controller: ThreadpoolController | None = None


def _numpy_only_pools() -> list:
    """numpy's own BLAS pools, when they are separate from scipy's (else an empty list)."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    blas = [c for c in _controller.lib_controllers if c.user_api == "blas"]
    numpy_pools = [c for c in blas if "numpy" in c.filepath]
    return numpy_pools if len(blas) > len(numpy_pools) else []


@contextlib.contextmanager
def single_numpy_blas():
    """Run numpy's BLAS single-threaded inside the block (restored on exit), when it has its own pool."""
    pools = _numpy_only_pools()
    before = [c.num_threads for c in pools]
    try:
        for c in pools:
            c.set_num_threads(1)
        yield
    finally:
        for c, n in zip(pools, before):
            c.set_num_threads(n)


def available_threads() -> int:
    """Threads uat may run side by side: the largest BLAS pool's current limit, capped by the usable cores.

    Inside a study worker every pool is limited to one thread, so this is 1 there; in a plain session
    it is the number of cores.
    """
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    pools = [c.num_threads for c in _controller.lib_controllers if c.user_api == "blas"]
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, max(pools, default=cores)))
