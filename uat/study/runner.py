"""Running a study: tasks, workers, the coordinator loop.

A *task* is the unit sent to a worker: one cell, fitted on its own as :func:`uat.fit` fits it, so that
its numbers depend on nothing else in the grid (a study may grow or shrink and keep every stored cell).
The one exception keeps folders started before store schema 3 comparable: there ``sweep = true`` fitted
all the least-squares widths of a (target, activation, replicate) from one draw and one QR sized by the
grid's largest width K (:func:`uat.fit_widths` with ``max_width=K``), and their least-squares cells up
to width K are still fitted that way, one task per (target, activation, replicate); see
:meth:`uat.study.store.StudyStore.sweep_width`. Workers are spawned processes with single-threaded
BLAS (so that ``--jobs 1`` and ``--jobs N`` give identical tables: BLAS rounding may depend on its
thread count), or a dask.distributed cluster; both through the ``concurrent.futures`` interface.

Only the coordinator writes to the store, one transaction per finished task. A failing task is
recorded with its error and the study goes on; a worker process that dies takes its in-flight
tasks with it: they are retried once in a fresh pool, then recorded as failed.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from uat._validation import jsonable
from uat._version import __version__
from uat.study.config import Cell, StudyConfig, read_study_file
from uat.study.progress import as_progress
from uat.study.store import StudyStore, history_bytes, load_results, network_bytes

__all__ = ["Task", "run_task", "run_study", "plan_tasks", "process_pool", "polynomial_floors"]


@dataclass(frozen=True)
class Task:
    """Picklable description of work for one worker: one cell, or the cells of one legacy width sweep (``sweep``:
    fitted from one draw of width ``max_width``)."""

    target: str
    domain: str | None
    activation: str
    method: str
    replicate: int
    seed: int
    widths: tuple[int, ...]
    max_width: int
    options: dict
    sweep: bool
    n_points: int | None
    timeout: float | None
    facts: tuple = ()  # (name, value) pairs of [facts."target"]: lipschitz, curvature, holder
    certify: tuple = ()  # (name, value) pairs of sup_error's certify, certify_evals, certify_rtol, certify_early_stop
    depth: int = 1  # hidden layers of each width: > 1 fits width=[k] * depth, a DeepNetwork
    folder: str | None = None  # where the domain's relative file names are read from (the study file's folder)
    axis: bool = False  # the domain is the cell's value of grid.domain (part of its id and of its row)

    def parsed_domain(self):
        """The domain :func:`uat.fit` takes: the text (parsed there, as before files), or, for a study that reads
        files, the domain parsed with relative names read from ``folder``."""
        if self.domain is None or self.folder is None:
            return self.domain
        from uat.domains import parse_domain

        return parse_domain(self.domain, folder=self.folder)

    def fit_width(self, width: int) -> int | list[int]:
        """The ``width`` :func:`uat.fit` takes for a cell of this task: k, or [k] * depth for a deep cell."""
        return width if self.depth == 1 else [width] * self.depth

    @property
    def cost(self) -> float:
        """A rough relative cost, to start the big tasks first (QR ~ K², sup estimates ~ Σ widths; a deep
        cell's layers ~ depth · K²)."""
        return self.depth * self.max_width**2 / 64 + sum(self.widths)


def _certify_options(config: StudyConfig) -> tuple:
    """sup_error's certify options from [evaluation]. A study's brackets never stop early: each spends its
    budget (``certify_early_stop=False``), so that an upper bound that proves a tolerance is never given up,
    and no cell's numbers depend on the tolerances (which stay free to edit)."""
    return (("certify", config.certify), ("certify_evals", config.certify_evals),
            ("certify_rtol", config.certify_rtol), ("certify_early_stop", False))


def plan_tasks(config: StudyConfig, cells: list[Cell], sweep_width: int | None = None) -> list[Task]:
    """Group the cells to run into tasks, biggest first: one per cell, except in a folder of a legacy sweep
    (``sweep_width`` K, see the module docstring), where the least-squares cells up to width K of each
    (target, activation, replicate) make one task, fitted from one draw of width K as that folder's others were.
    A deep cell's task carries its depth and the method's options for deep fits (``config.deep_options``)."""
    groups: dict[tuple, list[Cell]] = {}
    for cell in cells:
        swept = sweep_width is not None and cell.method == "lstsq" and cell.width <= sweep_width
        key = (cell.target, cell.domain, cell.activation, cell.method, cell.replicate, cell.depth,
               None if swept else cell.width)
        groups.setdefault(key, []).append(cell)
    tasks = []
    for (target, domain, activation, method, replicate, depth, width), members in groups.items():
        sweep = width is None
        widths = tuple(sorted(c.width for c in members))
        options = config.deep_options[method] if depth > 1 else config.method_options[method]
        tasks.append(Task(target, config.cell_domain(members[0]), activation, method, replicate, members[0].seed, widths,
                          sweep_width if sweep else widths[0], dict(options), sweep, config.n_points, config.timeout,
                          tuple((k, tuple(v) if isinstance(v, list) else v)
                                for k, v in sorted(config.facts.get(target, {}).items())),
                          _certify_options(config), depth, config.folder, domain is not None))
    return sorted(tasks, key=lambda t: -t.cost)


# --- in the worker ----------------------------------------------------------------------------------

def _init_worker(coordinator: int) -> None:
    from threadpoolctl import threadpool_limits

    _follow(coordinator)
    threadpool_limits(1)  # every cell single-threaded: identical results for any number of jobs
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's to handle


def _follow(coordinator: int) -> None:
    """End this worker when the coordinator (pid ``coordinator``) dies, even by SIGKILL, which nothing
    announces.

    The coordinator's pid comes in ``initargs``: read here with ``os.getppid()`` it would be init's
    (or a subreaper's) for a worker that got this far only after its coordinator was killed, and the
    worker would wait for that one forever. On Linux the kernel sends SIGKILL when the parent dies
    (prctl PR_SET_PDEATHSIG); a thread polling the parent pid is the portable fallback. A spawned
    worker is the coordinator's own child (fork and exec), so its parent is the coordinator until
    the coordinator dies.
    """
    _parent_death_signal(signal.SIGKILL)
    if os.getppid() != coordinator:  # it died before the signal was armed: the worker is orphaned already
        os._exit(1)
    threading.Thread(target=_exit_with_parent, args=(coordinator,), daemon=True).start()


def _parent_death_signal(sig: int) -> bool:
    """Linux: ask the kernel for ``sig`` when this process's parent dies; False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    PR_SET_PDEATHSIG = 1
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _exit_with_parent(parent: int) -> None:
    """Poll the parent pid and exit once the coordinator is gone (reparenting changes it)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


class CellTimeout(BaseException):
    """A cell past its run.timeout. A BaseException, as KeyboardInterrupt is: the deadline fires once, and a
    library's ``except Exception`` (or ``except OSError``: TimeoutError is one) around the call it interrupts
    must not swallow it and let the cell finish as if it had not run out of time."""


class _Deadline:
    """Raise :class:`CellTimeout` in the worker's main thread after ``seconds`` of wall-clock time.

    Wall time (ITIMER_REAL, SIGALRM): what "seconds" means to a user, and the only clock that runs
    while a target sleeps or waits for I/O (a CPU-time deadline never fired on those). The price is
    reproducibility at the margin: a cell close to its limit may time out on a busy machine (or with
    more jobs than cores) and not on an idle one, so give the timeout room; it is a guard against
    runaway cells, not a measurement. The signal is handled between Python operations: a single long
    call into compiled code (one LP solve, one QR) finishes first.
    """

    def __init__(self, seconds: float | None):
        self.active = seconds is not None and threading.current_thread() is threading.main_thread() \
            and hasattr(signal, "setitimer")
        self.seconds = seconds

    def _expire(self, *_):
        raise CellTimeout(f"timed out after {self.seconds:g} seconds (run.timeout per cell, wall-clock time)")

    def __enter__(self):
        if self.active:
            self.previous = signal.signal(signal.SIGALRM, self._expire)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc):
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False


def _row(task: Task, width: int, **fields) -> dict:
    """A result row; a cell of a domain axis has its domain in the row whether it succeeded or not."""
    axis = {"domain": task.domain} if task.axis else {}
    cell = Cell(task.target, task.activation, task.method, width, task.replicate, task.seed, task.depth,
                task.domain if task.axis else None)
    return {"cell_id": cell.cell_id, "target": task.target, "activation": task.activation, "method": task.method,
            "width": width, "depth": task.depth, "replicate": task.replicate, "seed": task.seed,
            "sweep_width": task.max_width if task.sweep else None, "uat_version": __version__,
            "numpy_version": np.__version__, "finished_at": datetime.now(timezone.utc).isoformat(), **fields, **axis}


def _measure(task: Task, result) -> dict:
    """Sup-norm and RMS errors of one fitted network, as row fields (``n_params``: the model's own count)."""
    from uat.supnorm import rms_error

    start = time.perf_counter()
    estimate = result.sup_error(n_points=task.n_points, **dict(task.certify))
    sup_seconds = time.perf_counter() - start
    return {"status": "ok", "error": None, "domain": str(result.domain), "sup_error": estimate.value,
            "sup_argmax": estimate.argmax.tolist(), "sup_lower": estimate.lower, "sup_upper": estimate.upper,
            "sup_initial": estimate.initial, "rounding_floor": estimate.floor, "sup_method": estimate.method,
            "sup_facts": jsonable(estimate.facts), "sup_n_evals": estimate.n_evals,
            "rms_error": rms_error(result.target, result.network),
            "train_rms": result.train_rms, "train_max": result.train_max, "n_samples": result.n_samples,
            "n_params": result.network.n_params, "fit_seconds": result.fit_seconds, "sup_seconds": sup_seconds,
            "diagnostics": jsonable(result.diagnostics), "network": network_bytes(result.network),
            "history": history_bytes(result.history)}


def run_task(task: Task) -> list[dict]:
    """Fit and measure every cell of a task; an exception or timeout gives 'failed' rows with its message."""
    import warnings

    from uat.exceptions import UatWarning
    from uat.fitting import fit, fit_widths

    budget = None if task.timeout is None else task.timeout * len(task.widths)  # per cell, summed over the task
    try:
        with _Deadline(budget), warnings.catch_warnings():
            warnings.simplefilter("ignore", UatWarning)  # rank and convergence facts are in the diagnostics
            target, domain = _target(task), task.parsed_domain()
            if task.sweep:
                results = fit_widths(target, domain, widths=task.widths, activation=task.activation,
                                     seed=task.seed, max_width=task.max_width, **task.options)
                return [_measured_row(task, k, results[k]) for k in task.widths]
            return [_measured_row(task, width, fit(target, domain, width=task.fit_width(width),
                                                   activation=task.activation, method=task.method, seed=task.seed,
                                                   **task.options))
                    for width in task.widths]
    except CellTimeout as err:
        return _failed(task, f"TimeoutError: {err}")
    except Exception as err:  # noqa: BLE001 - any failure of a cell is recorded, never lost
        return _failed(task, f"{type(err).__name__}: {err}", traceback.format_exc(limit=4))


def _target(task: Task):
    """The task's target: its name (library or expression), or a Target carrying its [facts]."""
    if not task.facts:
        return task.target
    from dataclasses import replace

    from uat.targets import as_target

    return replace(as_target(task.target, task.parsed_domain()), **dict(task.facts))


def _measured_row(task: Task, width: int, result) -> dict:
    """The row of one fitted cell; a failure of its measurement fails this cell only (not the sweep)."""
    try:
        return _row(task, width, **_measure(task, result))
    except Exception as err:  # noqa: BLE001 - a CellTimeout, not an Exception, goes through to the task
        return _row(task, width, status="failed", error=f"{type(err).__name__}: {err}",
                    diagnostics={"traceback": traceback.format_exc(limit=4)})


def _failed(task: Task, message: str, detail: str = "") -> list[dict]:
    diagnostics = {"traceback": detail} if detail else {}
    return [_row(task, w, status="failed", error=message, diagnostics=diagnostics) for w in task.widths]


# --- the coordinator --------------------------------------------------------------------------------

def process_pool(jobs: int) -> cf.ProcessPoolExecutor:
    """``jobs`` spawned worker processes, single-threaded, that die with this (the coordinating) process."""
    return cf.ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_init_worker, initargs=(os.getpid(),))


def _executor(jobs: int, scheduler: str | None):
    if scheduler is None:
        return process_pool(jobs), run_task
    try:
        from uat.study._dask import DaskExecutor
    except ImportError as err:
        raise RuntimeError("--scheduler needs dask.distributed: pip install 'uat[dask]'") from err
    return DaskExecutor(scheduler), run_task


def _stop(executor) -> None:
    """Terminate a process pool's workers (their unfinished tasks are simply not recorded)."""
    for process in list(getattr(executor, "_processes", {}).values()):
        process.terminate()


def _run_round(tasks: list[Task], executor, function, store: StudyStore, report, keep: bool = False) -> list[Task]:
    """Submit tasks to one executor, write each finished task's rows; return the tasks lost with its pool.
    The executor is shut down afterwards, unless ``keep`` and it is still whole."""
    lost = []
    try:
        futures = {executor.submit(function, task): task for task in tasks}
        for future in cf.as_completed(futures):
            task = futures[future]
            try:
                rows = future.result()
            except cf.process.BrokenProcessPool:
                lost.append(task)
                continue
            except Exception as err:  # noqa: BLE001 - e.g. a dask worker error
                rows = _failed(task, f"{type(err).__name__}: {err}")
            store.write(rows)
            report(len(rows), sum(r["status"] != "ok" for r in rows))
    except BaseException:  # Ctrl-C or an error of the coordinator: stop the workers now
        _stop(executor)
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    if lost or not keep:
        executor.shutdown(wait=False, cancel_futures=True)
    return lost


def _run_tasks(tasks: list[Task], store: StudyStore, jobs: int, scheduler: str | None,
               report: Callable[[int, int], None]) -> None:
    """Run tasks, writing each one's rows as it finishes.

    A worker process that dies breaks the whole pool, and every unfinished task is lost with it,
    the culprit among them. Lost tasks run again in a fresh pool; if that breaks too, the remaining
    tasks run one at a time in a pool of one worker, kept while it stays whole and replaced when it
    breaks, so that only a task that kills its own worker is recorded as failed (and a worker is
    started again only after a death, not for every task).
    """
    pending, breaks = list(tasks), 0
    while pending and breaks < 2:
        executor, function = _executor(jobs, scheduler)
        pending = _run_round(pending, executor, function, store, report)
        breaks += bool(pending)
    executor = None
    try:
        for task in pending:
            if executor is None:
                executor, function = _executor(1, scheduler)
            if _run_round([task], executor, function, store, report, keep=True):
                executor = None  # it broke, and was shut down
                rows = _failed(task, "the worker process died while running this task alone (killed, out of "
                                     "memory or crashed)")
                store.write(rows)
                report(len(rows), len(rows))
    finally:
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


def run_study(config_or_path, out_dir: str | Path | None = None, *, jobs: int | None = None, force: bool = False,
              retry_failed: bool = False, scheduler: str | None = None,
              progress: bool | Callable[[int, int, int, float], None] | None = None):
    """Run a study (resuming a previous run in the same folder) and return its results.

    Parameters
    ----------
    config_or_path : StudyConfig or path to a study file
    out_dir : path, optional
        The study folder; default ``out/<name>``.
    jobs : int, optional
        Worker processes; default all cores.
    force : bool
        Recompute every cell, discarding stored results.
    retry_failed : bool
        Run failed cells again (finished ones are skipped).
    scheduler : str, optional
        Address of a dask.distributed scheduler to run the tasks on instead of local processes.
    progress : bool or callable, optional
        True: a tqdm progress bar (:class:`uat.study.progress.StudyProgress`: a widget in a notebook with
        ipywidgets, text on stderr otherwise, the failed cells as its postfix). A callable is called as
        ``progress(done, total, failed, elapsed_seconds)`` once before the first task and after each finished
        one. None or False: no progress.

    Returns
    -------
    pandas.DataFrame
        :func:`load_results` of the folder.
    """
    if isinstance(config_or_path, StudyConfig):
        config, study_file = config_or_path, ""
        config.check_size(f"study {config.name!r}")  # a file's grid was checked when it was read
    else:
        config, study_file = read_study_file(config_or_path)
    jobs = (os.cpu_count() or 1) if jobs is None else jobs
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an integer >= 1; got {jobs!r}")
    if scheduler is not None and config.timeout is not None:
        raise ValueError("run.timeout is enforced by uat's own worker processes; dask workers run tasks in "
                         "threads, where it cannot be: remove run.timeout to use --scheduler")
    report = as_progress(progress, f"study {config.name}")
    store = StudyStore(out_dir if out_dir is not None else default_folder(config))
    try:
        with store.lock():
            return _run(config, store, study_file, jobs, force, retry_failed, scheduler, report)
    finally:
        if progress is True:  # the bar made here is closed here, also when interrupted
            report.close()


def default_folder(config: StudyConfig) -> Path:
    """Where a study's results go unless told otherwise: out/<name>."""
    return Path("out") / config.name


def _run(config, store, study_file, jobs, force, retry_failed, scheduler, progress):
    store.open(config, study_file, force=force)
    cells = config.cells()
    if force:
        store.delete([c.cell_id for c in cells])
    done = store.finished(include_failed=not retry_failed)
    todo = [c for c in cells if c.cell_id not in done]
    counts = {"done": len(cells) - len(todo), "failed": 0}
    start = time.perf_counter()

    def report(n_rows: int, n_failed: int) -> None:
        counts["done"] += n_rows
        counts["failed"] += n_failed
        if progress is not None:
            progress(counts["done"], len(cells), counts["failed"], time.perf_counter() - start)

    if progress is not None:
        progress(counts["done"], len(cells), 0, 0.0)
    if todo:
        _run_tasks(plan_tasks(config, todo, store.sweep_width()), store, jobs, scheduler, report)
    _store_polynomial_floors(config, store, force)
    return load_results(store.folder)


def polynomial_floors(target: str, domain: str | None, degrees, folder: str | None = None) -> list[dict]:
    """The best-polynomial errors E_p(f) of a study's target (``domain``: :meth:`StudyConfig.domain_for`) for
    each degree p of ``degrees``, ascending: rows of target, domain, degree, value and lower (lower ≤ E_p ≤
    value, :func:`uat.fitting.polynomial.best_polynomial`) and error, None or why best_polynomial refused the
    target (a vector-valued or 3-D one, say): that row is the last. ``folder``: where the domain's relative file
    names are read from (:attr:`StudyConfig.folder`)."""
    from uat.domains import parse_domain
    from uat.fitting.polynomial import best_polynomial
    from uat.targets import as_target

    f, rows = as_target(target, None if domain is None else parse_domain(domain, folder=folder)), []
    for degree in sorted(set(degrees)):
        row = {"target": target, "domain": domain, "degree": int(degree), "value": None, "lower": None, "error": None}
        try:
            best = best_polynomial(f, degree)
        except ValueError as err:
            rows.append({**row, "error": str(err)})
            break
        rows.append({**row, "value": float(best.value), "lower": float(best.lower)})
    return rows


def floors_with(stored: dict, target: str, domain: str | None, degrees,
                folder: str | None = None) -> tuple[list[dict], list[dict]]:
    """(rows, new): the rows of :func:`polynomial_floors` for ``degrees``, ascending and ending at a refusal,
    taken from ``stored`` ((target, domain, degree) → row, :meth:`StudyStore.polynomial_floors`) where they are
    and computed only for the degrees it lacks (``new``, to store); a stored refusal is the answer for every
    degree (best_polynomial refused the target itself)."""
    mine = {key[2]: row for key, row in stored.items() if key[:2] == (target, domain)}
    refusal = next((row for row in mine.values() if row["error"] is not None), None)
    if refusal is not None:
        return [refusal], []
    missing = [p for p in sorted(set(degrees)) if p not in mine]
    new = polynomial_floors(target, domain, missing, folder) if missing else []
    merged = sorted([mine[p] for p in set(degrees) if p in mine] + new, key=lambda row: row["degree"])
    end = next((i + 1 for i, row in enumerate(merged) if row["error"] is not None), len(merged))
    return merged[:end], new


def _store_polynomial_floors(config: StudyConfig, store: StudyStore, force: bool) -> None:
    """Store E_p(f) of every target for the degrees of the grid's polynomial activations, when the grid also
    has a non-polynomial one (the polynomial-counterexample figure draws them), where the folder lacks them."""
    from uat.activations import get_activation

    activations = [get_activation(a) for a in config.activations]
    degrees = sorted({a.degree for a in activations if a.polynomial})
    if not degrees or all(a.polynomial for a in activations):
        return
    stored = {} if force else store.polynomial_floors()
    for target, domain in config.target_domains():
        _, new = floors_with(stored, target, domain, degrees, config.folder)
        if new:
            store.write_polynomial_floors(new)
