"""Every BLAS pool on one thread wherever uat computes, restored afterwards; the same fit gives the same bits
whatever OPENBLAS_NUM_THREADS says."""

import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest
from threadpoolctl import ThreadpoolController, threadpool_limits

import uat
import uat.fitting  # loads scipy's OpenBLAS before threadpool_limits looks for pools
from uat._threads import THREADS, available_threads, pinned_blas

_CONTROLLER = ThreadpoolController()


def _blas_threads() -> list[int]:
    return [pool.num_threads for pool in _CONTROLLER.lib_controllers if pool.user_api == "blas"]


def _set_blas_threads(threads: int) -> None:
    """Every BLAS pool at ``threads``, leaving no thread in control of OpenBLAS (threadpoolctl >= 3.8 lets one
    thread at a time set it: a ``with threadpool_limits(...)`` here would keep uat's threads from pinning)."""
    for pool in _CONTROLLER.lib_controllers:
        if pool.user_api == "blas":
            pool.set_num_threads(threads)
            getattr(pool, "clear_controlling_thread", lambda: None)()


@pytest.fixture
def two_threads():
    """Every BLAS pool at 2 threads (as on a 2-core machine by default), so that pinning is visible."""
    before = _blas_threads()
    _set_blas_threads(2)
    assert len(before) >= 1 and set(_blas_threads()) == {2}
    yield
    _set_blas_threads(max(before))


def test_every_pool_is_pinned_inside_and_restored_after(two_threads):
    with pinned_blas:
        assert set(_blas_threads()) == {THREADS}
    assert set(_blas_threads()) == {2}


def test_nested_blocks_restore_only_when_the_outermost_ends(two_threads):
    with pinned_blas:
        with pinned_blas:
            pass
        assert set(_blas_threads()) == {THREADS}
        uat.fit("runge", width=8)  # an entry point is a nested block
        assert set(_blas_threads()) == {THREADS}
    assert set(_blas_threads()) == {2}


def test_the_limits_of_a_study_worker_are_kept():
    with threadpool_limits(1):  # what _init_worker sets for a worker's lifetime
        uat.fit("runge", width=8)
        assert set(_blas_threads()) == {1}
    with threadpool_limits(2, user_api="blas"):  # a caller's own limit, in the same thread
        uat.fit("runge", width=8)
        assert set(_blas_threads()) == {2}


def test_restored_after_an_error_inside_a_fit(two_threads):
    with pytest.raises(ValueError):
        uat.fit("runge", width=8, ridge=-1.0)
    with pytest.raises(ValueError), pinned_blas:
        raise ValueError("inside")
    assert set(_blas_threads()) == {2}


def test_blocks_in_several_threads_restore_when_the_last_one_ends(two_threads):
    entered, leave = threading.Event(), threading.Event()

    def other():
        with pinned_blas:
            entered.set()
            leave.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    entered.wait(10)
    with pinned_blas:
        pass
    assert set(_blas_threads()) == {THREADS}  # the other thread is still inside
    leave.set()
    thread.join()
    assert set(_blas_threads()) == {2}


def test_available_threads_sees_the_limit_the_caller_set(two_threads):
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with pinned_blas:
        assert available_threads() == min(2, cores)
    with threadpool_limits(1), pinned_blas:
        assert available_threads() == 1


def _recording(f, seen):
    """f, noting every BLAS pool's threads at each call."""
    def target(X):
        seen.append(set(_blas_threads()))
        return f(X)
    return target


@pytest.mark.parametrize("call", [
    lambda f: uat.fit(f, "[-1,1]", width=8),
    lambda f: uat.fit(f, "[-1,1]", width=8, method="minimax"),
    lambda f: uat.fit(f, "[-1,1]", width=4, method="backprop", max_iter=2),
    lambda f: uat.fit_widths(f, "[-1,1]", widths=[4, 8]),
    lambda f: uat.sup_error(f, uat.fit("runge", width=4).network, "[-1,1]"),
    lambda f: uat.rms_error(f, uat.fit("runge", width=4).network, "[-1,1]"),
    lambda f: uat.certify.sup_bracket(f, uat.fit("runge", width=4).network, "[-1,1]", lipschitz=4.0),
    lambda f: uat.fitting.best_polynomial(f, 3, "[-1,1]"),
], ids=["fit", "minimax", "backprop", "fit_widths", "sup_error", "rms_error", "sup_bracket", "best_polynomial"])
def test_public_entry_points_compute_with_every_pool_pinned(two_threads, call):
    seen = []
    call(_recording(lambda X: np.cos(3 * X[:, 0]), seen))
    # fit checks what a callable returns at its front door, before the block; everything after runs inside
    assert seen[-1] == {THREADS} and seen.count({THREADS}) >= len(seen) - 1
    assert set(_blas_threads()) == {2}


# --- the same bits whatever OPENBLAS_NUM_THREADS says ------------------------------------------------------

_FITS = """
import json, sys, warnings
import uat
warnings.simplefilter("ignore", uat.UatWarning)
f, out, values = "sin(2*pi*x) + 0.5*abs(x)", sys.argv[1], {}
# lstsq at width 512 (a 2048 x 512 QR in scipy's LAPACK) came out with other bits at two threads than at one
for name, width, options, estimate in [("lstsq", 512, {}, {"n_points": 8192, "certify": False}),
                                       ("minimax", 24, {}, {}), ("backprop", 10, {"max_iter": 50}, {})]:
    result = uat.fit(f, "[-1,1]", width=width, method=name, seed=0, **options)
    result.network.save(f"{out}/{name}.npz")
    values[name] = uat.sup_error(f, result.network, "[-1,1]", **estimate).value
print(json.dumps(values))
"""


def test_the_same_fits_give_the_same_bits_with_1_2_or_default_blas_threads(tmp_path):
    procs = {}
    for setting in ("1", "2", None):  # side by side: each computes on one thread
        env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
        if setting is not None:
            env["OPENBLAS_NUM_THREADS"] = setting
        out = tmp_path / str(setting)
        out.mkdir()
        procs[out] = subprocess.Popen([sys.executable, "-c", _FITS, str(out)], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
    runs = []
    for out, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
        runs.append((out, json.loads(stdout.strip().splitlines()[-1])))
    (out1, values1), *others = runs
    for out, values in others:
        assert values == values1  # floats compared exactly
        for name in values1:
            with np.load(out1 / f"{name}.npz") as a, np.load(out / f"{name}.npz") as b:
                assert sorted(a.files) == sorted(b.files)
                for key in a.files:
                    assert a[key].tobytes() == b[key].tobytes(), (name, key)


def test_a_command_pins_from_its_first_computation_and_imports_nothing_before(tmp_path):
    code = """
import json, sys
from threadpoolctl import ThreadpoolController
from uat._threads import lazily_pinned_blas
with lazily_pinned_blas:
    before = "numpy" in sys.modules
    import uat.fitting
    controller = ThreadpoolController()
    uat.fit("runge", width=8)
    inside = sorted({p.num_threads for p in controller.lib_controllers if p.user_api == "blas"})
after = sorted({p.num_threads for p in controller.lib_controllers if p.user_api == "blas"})
print(json.dumps([before, inside, after]))
"""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "2"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    before, inside, after = json.loads(out.strip().splitlines()[-1])
    assert (before, inside, after) == (False, [1], [2])
