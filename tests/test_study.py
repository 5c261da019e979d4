"""The study runner: validation before work, reproducible cells, a store that survives kill -9."""

import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import uat
from uat.study import (StoreError, StudyConfigError, k_star, k_star_table, load_config, rates, run_study,
                       summarize)
from uat.study.analysis import SLOW, STALLED

TINY = """
name = "tiny"
description = "two targets, two activations, three widths, two repeats"
seed = 3
domain = "[-1,1]"

[grid]
target = ["sin(2*pi*x)", "abs"]
activation = ["tanh", "relu"]
width = [4, 8, 16]
method = ["lstsq"]
repeats = 2

[evaluation]
tolerances = [1e-1, 1e-2]
"""

VALUES = ["target", "activation", "method", "width", "replicate", "seed", "status", "sup_error", "rms_error",
          "train_rms", "train_max", "n_samples", "rounding_floor"]


def write(tmp_path, text, name="study.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def table(frame):
    """The result values of a study (not its timings), in a fixed order, for exact comparison."""
    diagnostics = [c for c in frame.columns if c.startswith("diag_") and not c.endswith("seconds")]
    return (frame[VALUES + ["sup_argmax"] + diagnostics]
            .sort_values(["target", "activation", "method", "width", "replicate"]).reset_index(drop=True))


def same(a, b):
    pd.testing.assert_frame_equal(table(a), table(b), check_exact=True)


# --- the study file ----------------------------------------------------------------------------------

@pytest.mark.parametrize("change, key, message", [
    (("nmae", 'nmae = "x"\n'), "nmae", "unknown key (did you mean 'name'?)"),
    (("[grid]\n", "[grid]\nwidht = [1]\n"), "grid.widht", "unknown key (did you mean 'width'?)"),
    (("width = [4, 8, 16]", 'width = ["8"]'), r"grid.width[0]", "must be an integer >= 1; got '8'"),
    (("width = [4, 8, 16]", "width = [4, 4]"), "grid.width", "lists a value twice"),
    (('activation = ["tanh", "relu"]', "activation = []"), "grid.activation", "is empty"),
    (('activation = ["tanh", "relu"]', 'activation = ["tanh", "tahn"]'), "grid.activation[1]",
     "unknown activation 'tahn' (did you mean 'tanh'?)"),
    (('target = ["sin(2*pi*x)", "abs"]', 'target = ["runga"]'), "grid.target[0]",
     "unknown target 'runga' (did you mean 'runge'?)"),
    (('target = ["sin(2*pi*x)", "abs"]', 'target = ["sin(x).real"]'), "grid.target[0]",
     "cannot use attribute access"),
    (('domain = "[-1,1]"', ""), "grid.target[0]", "needs a domain"),
    (('method = ["lstsq"]', 'method = ["lstqs"]'), "grid.method[0]", "unknown method 'lstqs' (did you mean 'lstsq'?)"),
    (("repeats = 2", "repeats = 0"), "grid.repeats", "must be an integer >= 1; got 0"),
    (("tolerances = [1e-1, 1e-2]", "tolerances = [1e-1, -1]"), "evaluation.tolerances[1]", "must be a number > 0"),
    (("[evaluation]", "[methods.lstsq]\nn_sample = 10\n[evaluation]"), "methods.lstsq",
     "unknown option 'n_sample' for method 'lstsq' (did you mean 'n_samples'?)"),
    (("[evaluation]", "[methods.lstsq]\nsampling = 'sobel'\n[evaluation]"), "methods.lstsq",
     "unknown sampling 'sobel' (did you mean 'sobol'?)"),
    (("[evaluation]", "[methods.backprob]\noptimizer = 'lm'\n[evaluation]"), "methods.backprob",
     "unknown method (did you mean 'backprop'?)"),
    (("[evaluation]", "[methods.backprop]\noptimizer = 'sgd'\n[evaluation]"), "methods.backprop",
     "unknown optimizer 'sgd'"),
    (("[evaluation]", "[methods.backprop]\nrefine = 'lp'\n[evaluation]"), "methods.backprop", "unknown refine 'lp'"),
    (("[evaluation]", "[run]\ntimeout = -1\n[evaluation]"), "run.timeout", "must be a number > 0"),
    (('name = "tiny"', 'name = "../escape"'), "name", "must match"),
    (('name = "tiny"', ""), "name", "is required"),
    (("[evaluation]", '[run]\nsweep = "yes"\n[evaluation]'), "run.sweep", "must be true or false"),
    (('domain = "[-1,1]"', 'run = "xy"\ndomain = "[-1,1]"'), "run", "must be a table; got 'xy'"),
    (("[evaluation]", "[methods.minimax]\nn_sampels = 3\n[evaluation]"), "methods.minimax",
     "unknown option 'n_sampels' for method 'minimax' (did you mean 'n_samples'?)"),
    (('domain = "[-1,1]"', 'domain = "[-1,"'), "domain", "must be a product of intervals"),
    (("[evaluation]", '[facts."sin(2*pi*x)"]\nlipshitz = 7\n[evaluation]'), 'facts."sin(2*pi*x)".lipshitz',
     "unknown key (did you mean 'lipschitz'?)"),
    (("[evaluation]", '[facts."sin(2*pi*x)"]\nlipschitz = -7\n[evaluation]'), 'facts."sin(2*pi*x)"',
     "lipschitz must be a finite number >= 0 or None; got -7"),
    (("[evaluation]", '[facts."sin(2*pi*x)"]\nholder = [1, 2]\n[evaluation]'), 'facts."sin(2*pi*x)"',
     "holder must be a pair (H, alpha)"),
    (("[evaluation]", '[facts.abs]\nlipschitz = 1\n[evaluation]'), "facts.\"abs\"", "library targets carry their own"),
    (("[evaluation]", '[facts."cos(x)"]\nlipschitz = 1\n[evaluation]'), 'facts."cos(x)"', "is not a target of the grid"),
])
def test_config_errors_name_the_file_and_key(tmp_path, change, key, message):
    old, new = change
    text = TINY.replace(old, new) if old in TINY else new + TINY
    path = write(tmp_path, text)
    with pytest.raises(StudyConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: {key}: "), str(info.value)
    assert message in str(info.value)


def test_a_table_given_as_a_value_is_refused(tmp_path):
    text = TINY.replace("[evaluation]\ntolerances = [1e-1, 1e-2]\n", "").replace("seed = 3", "seed = 3\nevaluation = 3")
    path = write(tmp_path, text)
    with pytest.raises(StudyConfigError, match=rf"^{path}: evaluation: must be a table; got 3$"):
        load_config(path)


def test_invalid_toml_and_missing_files(tmp_path):
    with pytest.raises(StudyConfigError, match=r"not valid TOML"):
        load_config(write(tmp_path, "name = \n"))
    with pytest.raises(StudyConfigError, match=r"cannot read the study file"):
        load_config(tmp_path / "missing.toml")


def test_single_values_stand_for_one_element_lists(tmp_path):
    config = load_config(write(tmp_path, TINY.replace('method = ["lstsq"]', 'method = "lstsq"')))
    assert config.methods == ("lstsq",)


def test_same_file_same_cells_and_seeds_independent_of_order(tmp_path):
    a = load_config(write(tmp_path, TINY, "a.toml"))
    reordered = TINY.replace('["sin(2*pi*x)", "abs"]', '["abs", "sin(2*pi*x)"]').replace(
        '["tanh", "relu"]', '["relu", "tanh"]').replace("[4, 8, 16]", "[16, 4, 8, 2]")
    b = load_config(write(tmp_path, reordered, "b.toml"))
    seeds_a = {(c.target, c.activation, c.replicate, c.width): c.seed for c in a.cells()}
    seeds_b = {(c.target, c.activation, c.replicate, c.width): c.seed for c in b.cells()}
    assert all(seeds_b[key] == seed for key, seed in seeds_a.items())
    assert len(a.cells()) == 2 * 2 * 3 * 2
    # one seed per (target, activation, replicate): shared by widths and methods, distinct otherwise
    by_group = {}
    for cell in a.cells():
        by_group.setdefault((cell.target, cell.activation, cell.replicate), set()).add(cell.seed)
    assert all(len(s) == 1 for s in by_group.values())
    assert len({s.pop() for s in by_group.values()}) == len(by_group)
    other = load_config(write(tmp_path, TINY.replace("seed = 3", "seed = 4"), "c.toml"))
    assert {c.seed for c in other.cells()}.isdisjoint({c.seed for c in a.cells()})


# --- running ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    path = write(folder, TINY)
    one = run_study(path, folder / "one", jobs=1)
    two = run_study(path, folder / "two", jobs=2)
    return path, folder, one, two


def test_jobs_1_and_2_give_identical_tables(tiny_runs):
    _, _, one, two = tiny_runs
    assert len(one) == 24 and (one["status"] == "ok").all()
    same(one, two)


def test_rows_carry_everything_promised(tiny_runs):
    _, _, one, _ = tiny_runs
    row = one.iloc[0]
    for column in ("seed", "sup_error", "sup_argmax", "rms_error", "train_max", "fit_seconds", "status", "error",
                   "diag_rank", "diag_cond", "uat_version", "numpy_version", "domain"):
        assert column in one.columns, column
    assert row["uat_version"] == uat.__version__ and row["numpy_version"] == np.__version__
    assert isinstance(row["sup_argmax"], tuple) and len(row["sup_argmax"]) == 1
    # the stored numbers are those of the library: refit one cell by hand and compare, to the bit
    cell = one[(one["target"] == "abs") & (one["activation"] == "tanh") & (one["width"] == 8)].iloc[0]
    again = uat.fit("abs", width=8, seed=int(cell["seed"]), activation="tanh")
    assert cell["sup_error"] == again.sup_error(certify_early_stop=False).value
    assert list(one["width"][:3]) == [4, 8, 16] and one["target"].iloc[0] == "sin(2*pi*x)"  # grid order


def test_rerun_resumes_without_recomputing_and_force_recomputes(tiny_runs):
    path, folder, one, _ = tiny_runs
    again = run_study(path, folder / "one", jobs=2)
    pd.testing.assert_series_equal(again["finished_at"], one["finished_at"])
    forced = run_study(path, folder / "one", jobs=2, force=True)
    assert (forced["finished_at"] > one["finished_at"]).all()
    same(forced, one)


def test_a_different_study_in_the_same_folder_is_refused(tiny_runs, tmp_path):
    _, folder, _, _ = tiny_runs
    other = write(tmp_path, TINY.replace("seed = 3", "seed = 5"))  # every cell would differ (other widths would not)
    with pytest.raises(StoreError, match=r"holds a different study \('tiny'; settings that differ from those its "
                                         r"cells were computed with: seed 3 -> 5\)"):
        run_study(other, folder / "one", jobs=1)


def test_a_failing_cell_is_recorded_and_the_others_finish(tmp_path):
    path = write(tmp_path, TINY.replace('target = ["sin(2*pi*x)", "abs"]', 'target = ["abs", "log(x)"]')
                 .replace("repeats = 2", "repeats = 1"))
    frame = run_study(path, tmp_path / "out", jobs=2)
    failed = frame[frame["status"] == "failed"]
    assert set(failed["target"]) == {"log(x)"} and len(failed) == 6
    assert failed["error"].str.contains(r"TargetError: target 'log\(x\)' returned a non-finite value").all()
    assert (frame[frame["target"] == "abs"]["status"] == "ok").all()
    from click.testing import CliRunner

    from uat.cli import main

    status = CliRunner().invoke(main, ["study", "status", str(tmp_path / "out")]).output
    assert "failed: log(x) tanh lstsq width 4 replicate 0: TargetError" in status  # was "repeat 0"
    # failed cells are kept on resume (not run again), and run again on request
    resumed = run_study(path, tmp_path / "out", jobs=1)
    pd.testing.assert_series_equal(resumed["finished_at"], frame["finished_at"])
    retried = run_study(path, tmp_path / "out", jobs=1, retry_failed=True)
    assert (retried[retried["target"] == "log(x)"]["finished_at"].to_numpy()
            > failed["finished_at"].to_numpy()).all()


def test_a_task_past_its_timeout_is_recorded_as_failed(tmp_path):
    path = write(tmp_path, TINY.replace('method = ["lstsq"]', 'method = ["minimax"]')
                 .replace("width = [4, 8, 16]", "width = [64]").replace("repeats = 2", "repeats = 1")
                 .replace("[evaluation]", "[run]\ntimeout = 0.01\n[evaluation]"))
    frame = run_study(path, tmp_path / "out", jobs=1)
    assert (frame["status"] == "failed").all()
    assert frame["error"].str.contains(r"TimeoutError: timed out after 0.01 seconds \(run.timeout per cell, wall-clock time\)").all()
    with pytest.raises(ValueError, match=r"run.timeout is enforced by uat's own worker processes"):
        run_study(path, tmp_path / "other", scheduler="tcp://127.0.0.1:1")


def _run_cli(*args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "uat.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def _rows(database):
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(database) as db:
            return db.execute("SELECT count(*) FROM results").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _marked(marker):
    """PIDs of the living (not zombie) processes whose environment holds ``marker`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "environ").read_bytes() and _alive(entry.name):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _alive(pid):
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds the workers through Linux /proc")
def test_workers_die_with_a_coordinator_killed_while_they_start(tmp_path):
    """kill -9 of the coordinator while its workers import uat: they must not live on (they did, for
    good: a worker that started after its parent's death took init's pid for its parent's)."""
    marker = f"UAT_TEST_ORPHANS={os.getpid()}-{time.time_ns()}"  # inherited by the workers, found in /proc
    name, _, value = marker.partition("=")
    process = subprocess.Popen([sys.executable, "-m", "uat.cli", "study", "run", str(write(tmp_path, TINY)), "--out",
                                str(tmp_path / "out"), "--jobs", "2"], env={**os.environ, name: value},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = []
    try:
        deadline = time.monotonic() + 60
        while not workers and time.monotonic() < deadline and process.poll() is None:
            workers = [pid for pid in _marked(marker) if pid != process.pid]
            time.sleep(0.01)
        assert workers, "the coordinator started no worker"
        process.kill()  # while the first worker is still starting: it imports uat for a second or more
        process.wait(timeout=30)
        deadline = time.monotonic() + 10  # a worker may finish importing uat before it looks
        while _marked(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = _marked(marker)
        assert not survivors, f"processes {survivors} outlived their coordinator by 10 s"
    finally:
        process.kill()
        for pid in _marked(marker):
            os.kill(pid, signal.SIGKILL)


KILLED = TINY.replace("width = [4, 8, 16]", "width = [4, 8, 16, 32, 64]").replace("repeats = 2", "repeats = 4")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The 80-cell study of the kill tests, run once without interruption: what both must resume to."""
    root = tmp_path_factory.mktemp("uninterrupted")
    return run_study(write(root, KILLED), root / "whole", jobs=2)


@pytest.mark.parametrize("sig, code", [pytest.param(signal.SIGKILL, -9, marks=pytest.mark.slow),  # 6 s; CI's slow step
                                       pytest.param(signal.SIGINT, 130, marks=pytest.mark.slow)])  # 4 s + 2 s
def test_killed_study_resumes_to_the_uninterrupted_table(tmp_path, sig, code, uninterrupted):
    path = write(tmp_path, KILLED)
    # SIGINT as a terminal's Ctrl-C delivers it, even when this test runs where SIGINT is ignored (a background
    # job of a non-interactive shell ignores it, and a child inherits that: the study would then run to the end)
    process = _run_cli("study", "run", str(path), "--out", str(tmp_path / "killed"), "--jobs", "1",
                       preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    database = tmp_path / "killed" / "results.sqlite"
    deadline = time.monotonic() + 120
    while _rows(database) < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the study finished before it could be interrupted: make KILLED longer"
    process.send_signal(sig)
    _, err = process.communicate(timeout=60)
    assert process.returncode == code, err
    if sig == signal.SIGINT:
        assert "interrupted: every finished cell is stored" in err
    stored = _rows(database)
    assert 10 <= stored < 80  # stopped part-way, finished cells kept
    resumed = run_study(path, tmp_path / "killed", jobs=2)
    assert len(resumed) == 80 and resumed["cell_id"].is_unique
    same(resumed, uninterrupted)


def test_dask_scheduler_gives_the_same_table(tiny_runs):
    distributed = pytest.importorskip("distributed")
    path, folder, one, _ = tiny_runs
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) \
            as cluster:
        frame = run_study(path, folder / "dask", scheduler=cluster.scheduler_address)
    same(frame, one)


# --- the analysis -----------------------------------------------------------------------------------

def _summary(errors, activation="tanh", floor=1e-16):
    widths = [2 ** i for i in range(1, len(errors) + 1)]
    return pd.DataFrame({"target": "f", "activation": activation, "method": "lstsq", "width": widths,
                         "sup_median": errors, "floor_median": floor})


def test_k_star_is_the_smallest_width_reaching_each_tolerance():
    summary = _summary([0.5, 0.08, 0.2, 0.009, 0.002])  # not monotone: the first width that reaches counts
    stars = k_star(summary, [1e-1, 1e-2, 1e-3])
    assert stars["k_star"].tolist() == [4, 16, pd.NA]
    assert stars["reached"].tolist() == [True, True, False]
    assert stars["max_width"].tolist() == [32, 32, 32]


def test_rates_recover_a_power_law_and_flag_plateaus():
    widths = 2.0 ** np.arange(1, 8)
    exact = rates(_summary(list(3 * widths ** -2.0)))
    assert exact["rate"].iloc[0] == pytest.approx(-2.0, abs=1e-12) and exact["plateau"].iloc[0] == ""
    noisy = rates(_summary(list(3 * widths ** -1.0 * np.exp(np.random.default_rng(0).normal(0, 0.2, 7)))))
    assert noisy["rate_low"].iloc[0] < -1.0 < noisy["rate_high"].iloc[0]
    floored = rates(_summary([1e-2, 1e-4, 1e-8, 1e-12, 2e-14, 3e-14, 2e-14], floor=1e-14))
    assert floored["plateau"].iloc[0] == "rounding floor" and floored["n_points"].iloc[0] == 4
    assert rates(_summary([0.5, 0.2, 0.125, 0.125, 0.125], "square"))["plateau"].iloc[0] == "polynomial"
    assert rates(_summary([0.5, 0.2, 0.1, 0.09, 0.085]))["plateau"].iloc[0] == "stalled"


def test_non_finite_errors_are_never_a_rounding_floor():
    """Issue 15: a study stored 1e200·sin x's error inf with floor inf, and inf <= 10·inf made it a 'rounding floor'."""
    overflowed = rates(_summary([1e-1, 1e-2, np.inf, np.inf], floor=[1e-16, 1e-16, np.inf, np.inf]))
    assert overflowed["plateau"].iloc[0] == "not finite"
    assert overflowed["rate"].iloc[0] == pytest.approx(np.log(0.1) / np.log(2)) and overflowed["n_points"].iloc[0] == 2
    # the finite errors of today: 1e196 against floors near 1e185 fall at the rate of sin x itself
    widths = 2.0 ** np.arange(1, 6)
    plain = rates(_summary(list(3 * widths ** -4.0), floor=1e-16))
    huge = rates(_summary(list(3e200 * widths ** -4.0), floor=1e185))
    assert huge["plateau"].iloc[0] == plain["plateau"].iloc[0] == ""
    assert huge["rate"].iloc[0] == pytest.approx(plain["rate"].iloc[0], abs=1e-12)


def test_a_study_of_huge_targets_records_finite_results_or_readable_failures(tmp_path):
    """Issue 15: a cell of 1e200·sin x was stored 'ok' with sup error inf. Now every cell is a finite result or a
    failure that says why."""
    text = """
name = "huge"
domain = "[-1,1]"
[grid]
target = ["1e200*sin(x)", "1e308*x"]
activation = ["tanh"]
width = [4, 8]
method = ["lstsq", "minimax", "backprop"]
[methods.backprop]
max_iter = 20
"""
    frame = run_study(write(tmp_path, text), tmp_path / "out", jobs=1)
    ok = frame[frame["status"] == "ok"]
    assert set(ok["target"]) >= {"1e200*sin(x)"}
    for column in ("sup_error", "rms_error", "train_rms", "train_max", "rounding_floor"):
        assert np.all(np.isfinite(ok[column].to_numpy(float))), column
    small = ok[ok["target"] == "1e200*sin(x)"]
    assert np.all(small["sup_error"] > 10 * small["rounding_floor"])  # approximation errors, not rounding noise
    failed = frame[frame["status"] != "ok"]
    assert all("overflow float64" in message and "rescale the target" in message for message in failed["error"])


def test_stalled_means_the_tail_rate_is_not_shown_to_fall_not_a_slow_rate():
    """On doubling widths a steady k^-0.8 falls only 1.74x per step: slow, but not stalled."""
    widths = 2.0 ** np.arange(1, 9)
    slow = rates(_summary(list(3 * widths ** -0.8))).iloc[0]
    assert slow["plateau"] == "" and slow["tail_rate"] == pytest.approx(-0.8, abs=1e-12)
    steady = rates(_summary(list(3 * widths ** -0.3))).iloc[0]  # slower than k^SLOW, but steadily falling
    assert steady["plateau"] == "" and steady["tail_high"] < STALLED
    noisy = rates(_summary(list(3 * widths ** -0.8 * np.exp(np.random.default_rng(0).normal(0, 0.1, 8))))).iloc[0]
    assert noisy["plateau"] == "" and noisy["tail_high"] < 0
    flat = rates(_summary([0.5, 0.2, 0.05, 0.02, 0.0101, 0.0099, 0.0102, 0.01])).iloc[0]
    assert flat["plateau"] == "stalled" and flat["tail_low"] < 0 < flat["tail_high"]
    crawling = rates(_summary(list(3 * widths ** -0.05))).iloc[0]  # falls, but slower than k^STALLED
    assert crawling["plateau"] == "stalled" and crawling["tail_low"] > STALLED
    rising = rates(_summary([0.5, 0.2, 0.05, 0.02, 0.03, 0.05, 0.08, 0.2])).iloc[0]
    assert rising["plateau"] == "stalled"
    # decelerating, as measured (backprop study, lstsq on sin 2πx + |x|/2): one line misfits the tail and
    # its interval reaches 0, but the fitted rate says the error falls
    slowing = rates(_summary([1.33, 1.10, 0.152, 0.0151, 0.00746, 0.00452])).iloc[0]
    assert slowing["plateau"] == "" and slowing["tail_rate"] < SLOW < 0 < slowing["tail_high"]
    floored = rates(_summary([1e-2, 1e-4, 1e-8, 1e-12, 1e-14, 1.2e-14, 0.9e-14, 1.1e-14], floor=1e-14)).iloc[0]
    assert floored["plateau"] == "rounding floor"
    assert rates(_summary([0.5, 0.5, 0.5]))["plateau"].iloc[0] == ""  # 3 widths: too few to tell


def test_summary_counts_failures_and_uses_only_successful_repeats():
    frame = pd.DataFrame({"target": "f", "activation": "tanh", "method": "lstsq", "width": [4, 4, 4],
                          "replicate": [0, 1, 2], "status": ["ok", "ok", "failed"], "sup_error": [1.0, 3.0, np.nan],
                          "rms_error": 0.1, "rounding_floor": 0.0, "fit_seconds": 0.0, "n_params": 12})
    row = summarize(frame).iloc[0]
    assert (row["n_cells"], row["n_ok"], row["n_failed"], row["sup_median"]) == (3, 2, 1, 2.0)
    assert (row["sup_q25"], row["sup_q75"]) == (1.5, 2.5)


def _bracketed_frame():
    rows = []
    for width, errors, uppers, bounds in ((4, [0.10, 0.12], [0.11, 0.13], [0.5, 0.5]),
                                          (8, [0.010, 0.012], [0.011, None], [0.2, 0.2]),
                                          (16, [0.001, 0.001], [0.0011, 0.0012], [0.05, 0.05])):
        for repeat in (0, 1):
            rows.append({"target": "f", "activation": "relu", "method": "relu_interp", "width": width,
                         "replicate": repeat, "status": "ok", "sup_error": errors[repeat], "sup_upper": uppers[repeat],
                         "rms_error": 0.1, "rounding_floor": 0.0, "fit_seconds": 0.0, "n_params": 3 * width,
                         "diag_a_priori_bound": bounds[repeat]})
    return pd.DataFrame(rows)


def test_summary_gives_certified_uppers_where_every_repeat_has_one_and_bound_curves():
    summary = summarize(_bracketed_frame())
    measured = summary[(summary["method"] == "relu_interp") & (summary["curve"] == "measured")].set_index("width")
    assert measured.loc[4, "upper_median"] == pytest.approx(0.12)
    assert np.isnan(measured.loc[8, "upper_median"]) and measured.loc[8, "n_certified"] == 1  # one repeat uncertified
    bound = summary[(summary["method"] == "relu_interp") & (summary["curve"] == "a_priori")].set_index("width")
    assert bound["sup_median"].tolist() == [0.5, 0.2, 0.05] and (bound["n_failed"] == 0).all()


def test_k_star_table_has_certified_and_a_priori_rows():
    from uat.study import k_star_table

    table = k_star_table(summarize(_bracketed_frame()), [0.2, 0.12, 0.05, 0.0011]).set_index("method")
    # every repeat must be proved: at width 4 the median upper is 0.12 but one repeat is only proved ≤ 0.13
    assert table.loc["relu_interp", "ε=0.12"] == "4" and table.loc["relu_interp (certified upper)", "ε=0.12"] == "16"
    assert table.loc["relu_interp", "ε=0.05"] == "8" and table.loc["relu_interp", "ε=0.0011"] == "16"
    # certified: width 8 has an uncertified repeat, so 0.05 is first proved at 16; 0.0011 is not proved
    assert table.loc["relu_interp (certified upper)", "ε=0.05"] == "16"
    assert table.loc["relu_interp (certified upper)", "ε=0.0011"] == ">16"
    assert table.loc["relu_interp (a-priori bound)", "ε=0.2"] == "8"
    assert table.loc["relu_interp (a-priori bound)", "ε=0.05"] == "16"


def test_facts_of_an_expression_target_give_certified_upper_bounds(tmp_path):
    text = TINY.replace('target = ["sin(2*pi*x)", "abs"]', 'target = ["sin(2*pi*x)"]').replace(
        "repeats = 2", "repeats = 1")
    plain = run_study(write(tmp_path, text), tmp_path / "plain", jobs=1)
    assert plain["sup_upper"].isna().all()  # an expression carries no Lipschitz constant
    with_facts = text + '\n[facts."sin(2*pi*x)"]\nlipschitz = 6.2832\ncurvature = 39.479\n'
    config = load_config(write(tmp_path, with_facts, "facts.toml"))
    assert config.config_hash != load_config(write(tmp_path, text, "plain.toml")).config_hash
    frame = run_study(write(tmp_path, with_facts, "facts.toml"), tmp_path / "facts", jobs=1)
    assert frame["sup_upper"].notna().all() and (frame["sup_upper"] >= frame["sup_error"]).all()
    np.testing.assert_array_equal(frame["sup_error"] <= frame["sup_upper"], True)
    assert (frame["sup_upper"] <= 1.01 * frame["sup_error"] + 10 * frame["rounding_floor"]).mean() > 0.5


def test_evaluation_settings_control_the_certified_bracket(tmp_path):
    """[evaluation] certify, certify_evals, certify_rtol (issue 14): off gives no upper bound, a budget is spent
    as given, the defaults keep a study's hash, and other values change it."""
    text = TINY.replace('target = ["sin(2*pi*x)", "abs"]', 'target = ["abs"]').replace("repeats = 2", "repeats = 1")
    base = load_config(write(tmp_path, text))
    defaults = text + "certify = true\ncertify_evals = 32768\ncertify_rtol = 0.01\n"
    assert load_config(write(tmp_path, defaults, "defaults.toml")).config_hash == base.config_hash
    off = run_study(write(tmp_path, text + "certify = false\n", "off.toml"), tmp_path / "off", jobs=1)
    assert off["sup_upper"].isna().all() and off["sup_method"].str.contains("branch and bound").sum() == 0
    assert not any("bracket" in facts for facts in off["sup_facts"])
    from click.testing import CliRunner

    from uat.cli import main

    legend = " ".join(CliRunner().invoke(main, ["study", "table", str(tmp_path / "off")]).output.split())
    assert "Certified upper bounds: off (certify = false)." in legend
    small = text + "certify_evals = 1\ncertify_rtol = 0.5\n"
    assert load_config(write(tmp_path, small, "small.toml")).config_hash != base.config_hash
    frame = run_study(write(tmp_path, small, "small.toml"), tmp_path / "small", jobs=1)
    assert frame["sup_upper"].notna().all() and (frame["sup_upper"] >= frame["sup_error"]).all()
    for bad, message in [("certify = 1", "evaluation.certify: must be true or false; got 1"),
                         ("certify_evals = 0", "evaluation.certify_evals"),
                         ("certify_rtol = -1.0", "evaluation.certify_rtol: must be a finite number >= 0; got -1.0")]:
        with pytest.raises(StudyConfigError, match=re.escape(message)):
            load_config(write(tmp_path, text + bad + "\n", "bad.toml"))


# --- the commands -----------------------------------------------------------------------------------

@pytest.mark.slow  # 3 s: every study command through the CLI; CI's slow step runs it
def test_study_commands(tiny_runs, tmp_path):
    from click.testing import CliRunner

    from uat.cli import main

    _, folder, one, _ = tiny_runs
    runner = CliRunner()
    shown = runner.invoke(main, ["study", "table", str(folder / "one")])
    assert shown.exit_code == 0 and "k*(ε)" in shown.output and "ε=0.1" in shown.output
    assert ("Certified upper bounds: branch and bound where the target's facts allow, budget 32768 evaluations, "
            "target gap 1%.") in " ".join(shown.output.split())
    status = runner.invoke(main, ["study", "status", str(folder / "one")])
    assert "24 of 24 cells finished, 24 ok, 0 failed, 0 to run" in status.output
    out = tmp_path / "r.csv"
    exported = runner.invoke(main, ["study", "export", str(folder / "one"), "-o", str(out)])
    assert exported.exit_code == 0
    csv = pd.read_csv(out)
    assert len(csv) == 24 and json.loads(csv["sup_argmax"][0]) == list(one["sup_argmax"][0])
    plotted = runner.invoke(main, ["study", "plot", str(folder / "one"), "--format", "png,svg"])
    assert plotted.exit_code == 0
    assert (folder / "one" / "figures" / "k-star.svg").exists()
    missing = runner.invoke(main, ["study", "table", str(tmp_path / "nothing")])
    assert missing.exit_code == 1 and "is not a study folder" in missing.output


def test_study_table_formats(tiny_runs):
    """Each format holds the same table: text and markdown with the legend, latex with it as comments, csv alone."""
    from click.testing import CliRunner

    from uat.cli import main
    from uat.study.tables import select

    _, folder, one, _ = tiny_runs
    expected = k_star_table(summarize(one), [1e-1, 1e-2])

    def table(*args):
        result = CliRunner().invoke(main, ["study", "table", str(folder / "one"), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    text = table()
    assert text == table("--format", "text") and "plateau: polynomial" in text and "stalled (over the last" in text
    csv = pd.read_csv(io.StringIO(table("--format", "csv")), dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(csv, expected.astype(str))
    markdown = table("--format", "markdown").splitlines()
    rows = [line for line in markdown if line.startswith("| ")]
    assert rows[0] == "| target | activation | method | ε=0.1 | ε=0.01 | rate | plateau |"
    assert rows[1] == "| :--- | :--- | :--- | ---: | ---: | ---: | :--- |" and len(rows) == 2 + len(expected)
    assert rows[2].startswith("| sin(2\\*pi\\*x) | tanh | lstsq | ")  # * escaped: no italics
    assert "stalled (over the last" in markdown[0]
    latex = table("--format", "latex").splitlines()
    assert all(line.startswith("% ") for line in latex[:latex.index(r"\begin{tabular}{lllrrrl}")])
    assert r"target & activation & method & $\varepsilon$=0.1 & $\varepsilon$=0.01 & rate & plateau \\" in latex
    assert latex[-1] == r"\end{tabular}" and sum(line.endswith(r"\\") for line in latex) == 1 + len(expected)
    relu = pd.read_csv(io.StringIO(table("--format", "csv", "--activation", "relu", "--target", "abs,sin(2*pi*x)")),
                       dtype=str, keep_default_na=False)
    assert set(relu["activation"]) == {"relu"} and set(relu["target"]) == {"abs", "sin(2*pi*x)"}
    pd.testing.assert_frame_equal(relu, k_star_table(summarize(select(one, activation=["relu"])), [1e-1, 1e-2])
                                  .astype(str))
    repeated = table("--format", "csv", "--target", "abs", "--target", "sin(2*pi*x)", "--method", "lstsq")
    assert repeated == table("--format", "csv")


def test_study_table_refuses_unknown_filters_naming_what_is_there(tiny_runs):
    from click.testing import CliRunner

    from uat.cli import main

    _, folder, _, _ = tiny_runs
    for option, value, message in (("--target", "sin2pi", "no target 'sin2pi' in this study (did you mean "
                                                           "'sin(2*pi*x)'?); its targets: sin(2*pi*x), abs"),
                                   ("--activation", "tanh,sigmoid", "no activation 'sigmoid' in this study; "
                                                                    "its activations: tanh, relu"),
                                   ("--method", "backprop", "no method 'backprop' in this study; its methods: lstsq")):
        result = CliRunner().invoke(main, ["study", "table", str(folder / "one"), option, value])
        assert result.exit_code == 2 and message in " ".join(result.output.split()), result.output
        assert f"Invalid value for {option}" in result.output
    bad = CliRunner().invoke(main, ["study", "table", str(folder / "one"), "--format", "html"])
    assert bad.exit_code == 2 and "'text', 'markdown', 'latex', 'csv'" in bad.output


def test_table_writers_escape_every_cell():
    from uat.study.tables import latex_table, markdown_table, select

    table = pd.DataFrame({"target": ["x_1 & 50% #2 {a}^b~\\c $", "a|b*c_d`<e>"], "ε=0.1": [">8", "16?"]})
    latex = latex_table(table).splitlines()
    assert latex[0] == r"\begin{tabular}{lr}"
    assert latex[4] == (r"x\_1 \& 50\% \#2 \{a\}\textasciicircum{}b\textasciitilde{}\textbackslash{}c \$ & "
                        r"\textgreater{}8 \\")
    markdown = markdown_table(table).splitlines()
    assert markdown[3] == r"| a\|b\*c\_d\`\<e\> | 16? |"
    frame = pd.DataFrame({"target": ["max(x, 0)", "abs", "runge"]})
    assert select(frame, target=["max(x, 0)"])["target"].tolist() == ["max(x, 0)"]  # a comma inside a name
    assert select(frame, target=["abs, runge"], activation=[])["target"].tolist() == ["abs", "runge"]


def test_study_run_command_prints_the_table(tmp_path):
    from click.testing import CliRunner

    from uat.cli import main

    path = write(tmp_path, TINY.replace("repeats = 2", "repeats = 1").replace('["tanh", "relu"]', '["tanh"]'))
    result = CliRunner().invoke(main, ["study", "run", str(path), "--out", str(tmp_path / "o"), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "6 cells in" in result.output and "6 ok, 0 failed" in result.output
    draws = [line.strip() for line in result.output.split("\r") if line.startswith("study tiny:")]
    assert draws[0].startswith("study tiny:   0%|") and "0/6 [" in draws[0]  # tqdm's bar on stderr, the failures
    assert re.match(r"study tiny: 100%\|.+\| 6/6 \[.+, failed=0\]", draws[-1]) and len(draws) <= 10
    bad = CliRunner().invoke(main, ["study", "run", str(write(tmp_path, TINY.replace("repeats = 2", "repeats = 0"),
                                                              "bad.toml"))])
    assert bad.exit_code == 1 and "grid.repeats: must be an integer >= 1" in bad.output


def test_per_target_domains(tmp_path):
    text = TINY.replace('target = ["sin(2*pi*x)", "abs"]', 'target = ["sin(2*pi*x)", "exp(-(x1**2 + x2**2))"]')
    with pytest.raises(StudyConfigError, match=r"grid.target\[1\]: target .* uses x2, but the domain \[-1,1\]"):
        load_config(write(tmp_path, text))
    config = load_config(write(tmp_path, text + '\n[domains]\n"exp(-(x1**2 + x2**2))" = "[-1,1]^2"\n'))
    assert config.domain_for("exp(-(x1**2 + x2**2))") == "[-1,1]^2" and config.domain_for("sin(2*pi*x)") == "[-1,1]"
    with pytest.raises(StudyConfigError, match=r'domains."exp\(-x\)": is not a target of the grid'):
        load_config(write(tmp_path, text + '\n[domains]\n"exp(-x)" = "[0,1]"\n'))
    with pytest.raises(StudyConfigError, match=r'domains."abs": is a library target'):
        load_config(write(tmp_path, TINY + '\n[domains]\n"abs" = "[0,1]"\n'))



@pytest.mark.slow  # 9 s: a worker process killed mid-cell; CI's slow step runs it
def test_a_task_that_kills_its_worker_fails_alone(tmp_path, monkeypatch):
    import _study_poison

    from uat.study import runner

    def executor(jobs, scheduler):
        return runner.process_pool(jobs), _study_poison.run_or_die

    monkeypatch.setattr(runner, "_executor", executor)
    frame = run_study(write(tmp_path, TINY), tmp_path / "out", jobs=2)
    died = frame[frame["status"] == "failed"]
    assert set(zip(died["target"], died["replicate"])) == {("abs", 0)} and len(died) == 6  # 2 activations x 3 widths
    assert died["error"].str.contains("the worker process died while running this task alone").all()
    assert (frame[(frame["target"] != "abs") | (frame["replicate"] != 0)]["status"] == "ok").all()


def test_a_second_coordinator_is_refused(tmp_path):
    from uat.study.store import StudyStore

    path = write(tmp_path, TINY)
    with StudyStore(tmp_path / "out").lock():
        with pytest.raises(StoreError, match=r"another `uat study run` is writing to"):
            run_study(path, tmp_path / "out", jobs=1)


def test_results_of_other_versions_are_not_mixed(tmp_path):
    path = write(tmp_path, TINY.replace("repeats = 2", "repeats = 1").replace('["tanh", "relu"]', '["tanh"]'))
    first = run_study(path, tmp_path / "out", jobs=1)
    with sqlite3.connect(tmp_path / "out" / "results.sqlite") as db:
        db.execute("UPDATE meta SET value = '0.0.1' WHERE key = 'uat_version'")
    with pytest.raises(StoreError, match=r"computed with other versions \(uat_version 0.0.1 -> "):
        run_study(path, tmp_path / "out", jobs=1)
    forced = run_study(path, tmp_path / "out", jobs=1, force=True)
    same(forced, first)


def test_editing_description_and_tolerances_keeps_the_results(tmp_path):
    """The tolerances are the analysis's only (a study's brackets spend their budget whatever they are): editing
    them recomputes nothing."""
    path = write(tmp_path, TINY.replace("repeats = 2", "repeats = 1").replace('["tanh", "relu"]', '["tanh"]'))
    first = run_study(path, tmp_path / "out", jobs=1)
    edited = write(tmp_path, path.read_text().replace("two targets", "2 targets").replace(
        "tolerances = [1e-1, 1e-2]", "tolerances = [1e-1, 1e-2, 1e-3]"), "edited.toml")
    again = run_study(edited, tmp_path / "out", jobs=1)
    pd.testing.assert_series_equal(again["finished_at"], first["finished_at"])  # nothing recomputed
    from click.testing import CliRunner

    from uat.cli import main

    assert "ε=0.001" in CliRunner().invoke(main, ["study", "table", str(tmp_path / "out")]).output


def test_k_star_says_when_failures_could_hide_a_smaller_width():
    summary = _summary([0.5, 0.2, 0.05]).assign(n_failed=[0, 2, 0])
    stars = k_star(summary, [1e-1])
    assert stars["k_star"].tolist() == [8] and stars["failed_below"].tolist() == [2]
    from uat.study import k_star_table

    table_ = k_star_table(summary.assign(sup_q25=np.nan, sup_q75=np.nan), [1e-1, 0.0125, 0.01])
    assert table_[["ε=0.1", "ε=0.0125", "ε=0.01"]].iloc[0].tolist() == ["8?", ">8?", ">8?"]


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[1] / "studies").glob("*.toml")),
                         ids=lambda p: p.stem)
def test_shipped_studies_are_valid_and_described(path):
    if path.stem == "peers":  # its methods are checked for their packages when the file is read
        pytest.importorskip("sklearn")
        pytest.importorskip("torch")
    config = load_config(path)
    assert config.name == path.stem
    assert len(config.description.split()) >= 40, "each shipped study says what it shows in a paragraph"


def test_a_method_can_be_crossed_with_some_activations_only(tmp_path):
    text = TINY.replace('method = ["lstsq"]', 'method = ["lstsq", "minimax"]') + """
[methods.minimax]
activations = ["relu"]
max_rounds = 2
"""
    config = load_config(write(tmp_path, text))
    pairs = {(c.activation, c.method) for c in config.cells()}
    assert pairs == {("tanh", "lstsq"), ("relu", "lstsq"), ("relu", "minimax")}
    assert config.method_options["minimax"]["max_rounds"] == 2 and "activations" not in config.method_options["minimax"]
    # which activations a method is crossed with selects cells and changes none: not in the identity
    assert config.config_hash == load_config(write(tmp_path, text.replace('activations = ["relu"]\n', ""),
                                                   "every.toml")).config_hash
    # the order of the list, or listing every activation, changes no cell and so no hash
    reordered = load_config(write(tmp_path, text.replace('["relu"]', '["relu", "tanh"]'), "all.toml"))
    assert reordered.config_hash == load_config(write(tmp_path, TINY.replace(
        'method = ["lstsq"]', 'method = ["lstsq", "minimax"]') + "\n[methods.minimax]\nmax_rounds = 2\n",
        "none.toml")).config_hash
    two = text.replace('method = ["lstsq", "minimax"]', 'method = ["minimax"]').replace(
        'activation = ["tanh", "relu"]', 'activation = ["tanh", "relu", "sigmoid"]')
    a = load_config(write(tmp_path, two.replace('["relu"]', '["relu", "tanh"]'), "a.toml"))
    b = load_config(write(tmp_path, two.replace('["relu"]', '["tanh", "relu"]'), "b.toml"))
    assert a.config_hash == b.config_hash
    bad = text.replace('activations = ["relu"]', 'activations = ["cos"]')
    with pytest.raises(StudyConfigError, match=r"methods.minimax.activations: 'cos' is not in grid.activation \(tanh, relu\)"):
        load_config(write(tmp_path, bad, "bad.toml"))


def test_a_method_none_of_whose_activations_is_in_the_grid_gets_a_suggestion_that_loads(tmp_path):
    """Issue 15: relu_interp x tanh suggested `activations = []`, which is itself refused."""
    text = TINY.replace('activation = ["tanh", "relu"]', 'activation = ["tanh"]').replace(
        'method = ["lstsq"]', 'method = ["lstsq", "relu_interp"]')
    with pytest.raises(StudyConfigError, match=r'methods.relu_interp: does not support activation "tanh" \(accepted: '
                       r'relu\); grid.activation has none of those: add one, e.g. \[grid\] activation = '
                       r'\["tanh", "relu"\] with \[methods.relu_interp\] activations = \["relu"\], or take '
                       r'"relu_interp" out of grid.method') as info:
        load_config(write(tmp_path, text))
    grid = re.search(r"\[grid\] activation = (\[.*?\])", str(info.value)).group(1)
    only = re.search(r"activations = (\[.*?\])", str(info.value)).group(1)
    fixed = text.replace('activation = ["tanh"]', f"activation = {grid}") + f"\n[methods.relu_interp]\nactivations = {only}\n"
    pairs = {(c.activation, c.method) for c in load_config(write(tmp_path, fixed, "fixed.toml")).cells()}
    assert pairs == {("tanh", "lstsq"), ("relu", "lstsq"), ("relu", "relu_interp")}


def test_status_counts_the_cells_a_restricted_method_runs(tmp_path):
    from click.testing import CliRunner

    from uat.cli import main

    text = TINY.replace('method = ["lstsq"]', 'method = ["lstsq", "minimax"]').replace("repeats = 2", "repeats = 1") + """
[methods.minimax]
activations = ["relu"]
max_rounds = 2
"""
    run_study(write(tmp_path, text), tmp_path / "out", jobs=1)
    out = CliRunner().invoke(main, ["study", "status", str(tmp_path / "out")]).output
    assert "18 of 18 cells finished, 18 ok, 0 failed, 0 to run" in out  # 2 targets x 3 widths x (2 + 1)


# --- the size of a grid ------------------------------------------------------------------------------

def test_cells_are_counted_without_enumerating_them(tmp_path):
    text = TINY.replace('method = ["lstsq"]', 'method = ["lstsq", "minimax"]') + """
[methods.minimax]
activations = ["relu"]
"""
    config = load_config(write(tmp_path, text))
    assert config.n_cells == len(config.cells()) == 2 * 3 * 2 * (2 + 1)


def test_a_grid_above_max_cells_is_refused_at_once(tmp_path):
    huge = TINY.replace("repeats = 2", "repeats = 1000000")
    start = time.perf_counter()
    with pytest.raises(StudyConfigError, match=r"grid: 12000000 cells \(2 targets x 2 activations x 3 widths x "
                                               r"1000000 repeats\), more than run.max_cells = 100000; .*"
                                               r"\[run\] max_cells = 12000000"):
        load_config(write(tmp_path, huge))
    assert time.perf_counter() - start < 1
    # run_study refuses a StudyConfig built in Python the same way, before touching the folder
    config = load_config(write(tmp_path, TINY, "small.toml"))
    from dataclasses import replace
    with pytest.raises(StudyConfigError, match=r"24 cells .* more than run.max_cells = 10"):
        run_study(replace(config, max_cells=10), tmp_path / "out")
    assert not (tmp_path / "out").exists()
    # the limit is a setting, not part of the study's identity
    raised = load_config(write(tmp_path, TINY + "\n[run]\nmax_cells = 24\n", "raised.toml"))
    assert raised.max_cells == 24 and raised.config_hash == config.config_hash
    with pytest.raises(StudyConfigError, match=r"run.max_cells: must be an integer >= 1; got 0"):
        load_config(write(tmp_path, TINY + "\n[run]\nmax_cells = 0\n", "zero.toml"))


# --- run.timeout --------------------------------------------------------------------------------------

@pytest.mark.parametrize("swallow", [False, True])
def test_the_timeout_counts_wall_time_so_a_sleeping_target_times_out(monkeypatch, swallow):
    """run.timeout is seconds of wall time: a target blocked in sleep (or I/O) uses no CPU and timed
    out never while the deadline counted CPU time. Nor may code that catches OSError (TimeoutError
    is one) or Exception around a blocking call swallow the deadline: it fires once. Run in-process
    (workers are spawned processes that would not see a target registered here)."""
    from uat.study.runner import Task, run_task
    from uat.targets import _TARGETS, Target

    calls = []

    def sleepy(X):
        if not calls:  # once: before the fix the cell then finished as ok, 5 s later
            calls.append(1)
            try:
                time.sleep(5)
            except Exception:  # noqa: BLE001 - as a library's broad handler would
                if not swallow:
                    raise
        return np.sin(X[:, 0])

    monkeypatch.setitem(_TARGETS._entries, "sleepy", Target(sleepy, uat.Box([-1], [1]), "sleepy"))
    task = Task("sleepy", None, "tanh", "lstsq", 0, 0, (4,), 4, {}, False, None, 0.3)
    start = time.perf_counter()
    (row,) = run_task(task)
    assert time.perf_counter() - start < 3
    assert row["status"] == "failed"
    assert row["error"] == "TimeoutError: timed out after 0.3 seconds (run.timeout per cell, wall-clock time)"
    # the timer is off again, and the previous SIGALRM handler back, after the task
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL


def test_a_stored_network_or_history_that_inflates_is_refused_without_inflating(tiny_runs, tmp_path):
    import shutil
    import tracemalloc

    from _npz_bomb import inflating_network

    from uat.study import load_histories, load_networks

    _, folder, one, _ = tiny_runs
    shutil.copytree(folder / "one", tmp_path / "bombed")
    cell = one["cell_id"].iloc[0]
    with sqlite3.connect(tmp_path / "bombed" / "results.sqlite") as db:
        db.execute("UPDATE results SET network = ?, history = ? WHERE cell_id = ?",
                   (inflating_network(), inflating_network(), cell))
    for load, what in ((load_networks, "network"), (load_histories, "training history")):
        tracemalloc.start()
        with pytest.raises(StoreError, match=rf"the stored {what} of cell .* is unreadable \(.*(announces A of shape \(3, 2\)|A announces shape)"):
            load(tmp_path / "bombed", [cell])
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 20_000_000, f"{what}: {peak} bytes traced"


# --- a corrupted store ---------------------------------------------------------------------------------

def _corrupt(database, how):
    data = database.read_bytes()
    if how == "truncated":
        database.write_bytes(data[:len(data) // 2])
    elif how == "bit-flipped header":
        database.write_bytes(bytes([data[0] ^ 0x10]) + data[1:])
    elif how == "text file":
        database.write_text("name,sup_error\nruns,0.1\n")
    else:  # an emptied meta table
        with sqlite3.connect(database) as db:
            db.execute("DELETE FROM meta")
        db.close()


@pytest.mark.parametrize("how, reason", [
    ("truncated", "database disk image is malformed"), ("bit-flipped header", "file is not a database"),
    ("text file", "file is not a database"), ("emptied meta", "its meta table holds no study configuration")])
def test_every_study_command_names_a_corrupted_store_and_leaves_it_alone(tiny_runs, tmp_path, how, reason):
    import shutil

    from click.testing import CliRunner

    from uat.cli import main

    path, folder, _, _ = tiny_runs
    out = tmp_path / "out"
    shutil.copytree(folder / "one", out)
    database = out / "results.sqlite"
    _corrupt(database, how)
    before = database.read_bytes()
    message = (f"Error: {database} is not a readable uat study store ({reason}): move it away and rerun the "
               "study, or restore it from a copy")
    for command in (["run", str(path), "--out", str(out), "--jobs", "1"], ["status", str(out)], ["table", str(out)],
                    ["plot", str(out)], ["report", str(out)], ["export", str(out)]):
        result = CliRunner().invoke(main, ["study", *command], catch_exceptions=False)
        assert result.exit_code == 1, (command, result.output)
        assert message in result.output, (command, result.output)
        assert database.read_bytes() == before, command  # nothing is lost: the store is never rewritten
    with pytest.raises(StoreError, match=re.escape(message[len("Error: "):])):
        uat.load_results(out)


def test_every_curve_has_its_kind_in_a_column_and_one_name():
    from uat.study.analysis import CURVES, curve_label, labelled, with_certified

    summary = with_certified(summarize(_bracketed_frame()))
    assert CURVES == ("measured", "certified", "a_priori")
    assert list(dict.fromkeys(summary["curve"])) == list(CURVES) and set(summary["method"]) == {"relu_interp"}
    for frame in (k_star(summary, [0.1]), rates(summary)):
        assert list(frame[["method", "curve"]].itertuples(index=False, name=None)) == [
            ("relu_interp", "measured"), ("relu_interp", "certified"), ("relu_interp", "a_priori")]
    assert list(labelled(rates(summary))["method"]) == [
        "relu_interp", "relu_interp (certified upper)", "relu_interp (a-priori bound)"]
    assert "curve" not in labelled(rates(summary))
    assert curve_label("lstsq", "measured", "tanh") == "lstsq (tanh)"
    assert curve_label("relu_interp", "a_priori", "relu") == "relu_interp (relu): a-priori bound"
    assert curve_label("poly_minimax", "certified", "relu") == "poly_minimax: certified upper"
    with pytest.raises(ValueError, match="curve must be one of measured, certified, a_priori; got 'bound'"):
        curve_label("lstsq", "bound")


def test_the_old_curve_suffixes_warn_and_keep_their_values():
    from uat.study import analysis

    with pytest.warns(DeprecationWarning, match='curve == "a_priori"'):
        assert analysis.BOUND == " (a-priori bound)"
    with pytest.warns(DeprecationWarning, match='curve == "certified"'):
        assert analysis.CERTIFIED == " (certified upper)"
    with pytest.raises(AttributeError, match="no attribute 'SUFFIX'"):
        analysis.SUFFIX  # noqa: B018
