"""Running study tasks on a dask.distributed cluster (imported only with --scheduler)."""

from __future__ import annotations

from distributed import Client
from distributed.diagnostics.plugin import WorkerPlugin


class SingleThreadedBlas(WorkerPlugin):
    """BLAS single-threaded for a worker's lifetime, set once: a limit set and undone per task would
    be undone by one task finishing while another runs in the worker's next thread."""

    def setup(self, worker):
        from threadpoolctl import threadpool_limits

        self.limits = threadpool_limits(1)

    def teardown(self, worker):
        self.limits.restore_original_limits()


class DaskExecutor:
    """The client's concurrent.futures executor; shutting it down closes the client."""

    def __init__(self, address: str):
        self.client = Client(address)
        self.client.register_plugin(SingleThreadedBlas(), name="uat-single-threaded-blas")
        self.executor = self.client.get_executor(pure=False)

    def submit(self, fn, *args):
        return self.executor.submit(fn, *args)

    def shutdown(self, wait=True, cancel_futures=False):
        self.executor.shutdown(wait=wait)
        self.client.close()
