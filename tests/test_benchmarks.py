"""Benchmarks are not tests (nothing is timed here); this only keeps the scripts from rotting.

Each script runs on tiny sizes (--quick) and must produce its tables and its JSON goal rows;
run_all --quick must write a BENCHMARKS.md (into a temporary folder, never the repository's).
"""

import importlib.util
import json
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(name, tmp_path, capsys):
    """Run a script's main on tiny sizes; returns (Markdown report, JSON payload)."""
    out = tmp_path / f"{name}.md"
    _load(name).main(["--quick", "--out", str(out)])
    report = out.read_text()
    assert report == capsys.readouterr().out
    payload = json.loads(out.with_suffix(".json").read_text())
    assert payload["schema"] == 1 and payload["quick"] is True and payload["script"] == f"{name}.py"
    assert "## Goals" in report and "## Machine" in report and "NOT a measurement" in report
    assert payload["machine"]["versions"]["numpy"] and payload["machine"]["cores"] >= 1
    return report, payload


def _ids(payload):
    return {row["id"] for row in payload["rows"]}


def test_bench_lstsq_runs_on_tiny_sizes(tmp_path, capsys):
    report, payload = _run("bench_lstsq", tmp_path, capsys)
    assert "uat lstsq_solve" in report and "all widths 1..64" in report
    assert {"lstsq.solve.relu", "lstsq.path.relu", "lstsq.solve.tanh", "lstsq.path.tanh",
            "lstsq.separate.tanh"} <= _ids(payload)
    goal = next(r for r in payload["rows"] if r["id"] == "lstsq.solve.relu")
    assert (goal["op"], goal["limit"], goal["unit"]) == ("<=", 1.1, "×") and goal["passed"] in (True, False)


@pytest.mark.slow  # 4 s: the study benchmark on a tiny grid; CI's slow step runs it
def test_bench_study_runs_on_a_tiny_study(tmp_path, capsys):
    report, payload = _run("bench_study", tmp_path, capsys)
    assert "speed-up of --jobs 2 over --jobs 1" in report and "quickstart" in report
    assert {"study.quickstart", "study.speedup", "study.throughput2"} <= _ids(payload)


def test_bench_backprop_runs_on_tiny_sizes(tmp_path, capsys):
    report, payload = _run("bench_backprop", tmp_path, capsys)
    for row in ("uat backprop (default)", "uat backprop + minimax refine", "uat backprop lbfgs", "uat backprop adam",
                "uat lstsq", "sklearn MLPRegressor lbfgs", "torch Adam", "torch LBFGS", "uat/torch"):
        assert row in report  # torch / sklearn rows say "not installed" when those are missing
    assert {"backprop.a.sup", "backprop.a.time", "backprop.b.sup", "backprop.b.time", "backprop.adam.4",
            "backprop.a.sup_vs_torch_adam"} <= _ids(payload)


def test_bench_deep_runs_on_tiny_sizes(tmp_path, capsys):
    report, payload = _run("bench_deep", tmp_path, capsys)
    for row in ("uat deep", "torch L-BFGS deep", "uat shallow", "construction uat.sawtooth(5)", "uat/PyTorch"):
        assert row in report  # torch rows say "not installed" when it is missing
    assert {"deep.adam.t1", "deep.sup.sin2pi", "deep.sup.runge", "deep.sup.kink", "deep.sup.sawtooth",
            "deep.shallow.sin2pi"} <= _ids(payload)
    goal = next(r for r in payload["rows"] if r["id"] == "deep.sup.runge")
    assert (goal["op"], goal["limit"]) == (">=", 100.0)
    kink = next(r for r in payload["rows"] if r["id"] == "deep.sup.kink")
    assert kink["op"] is None  # the goal is stated for the smooth targets only


def test_bench_supnorm_runs_on_tiny_sizes(tmp_path, capsys):
    report, payload = _run("bench_supnorm", tmp_path, capsys)
    assert "narrow spike" in report and "2-D franke" in report and "1-D abs" in report
    cases = payload["data"]["cases"]
    assert len(cases) == 8 and all(c["estimate"] > 0 and c["grid"] > 0 for c in cases)
    spike = next(c for c in cases if "spike" in c["label"])
    assert spike["grid"] < 0.5 * spike["estimate"]  # the point of the case: a raw grid misses the spike
    assert {"supnorm.value", "supnorm.value_floor", "supnorm.time", "supnorm.spike_grid"} <= _ids(payload)


@pytest.mark.slow  # 2 s: spawns interpreters; CI's slow step runs it
def test_bench_import_runs_on_tiny_sizes(tmp_path, capsys):
    report, payload = _run("bench_import", tmp_path, capsys)
    assert "`uat --help`" in report and "`import numpy, scipy.linalg, scipy.optimize`" in report
    assert {"import.uat", "import.core", "import.help", "import.study"} <= _ids(payload)
    goal = next(r for r in payload["rows"] if r["id"] == "import.help")
    assert (goal["op"], goal["limit"], goal["unit"]) == ("<=", 1.5, "×") and goal["passed"] in (True, False)


@pytest.mark.slow  # 3 s; CI's slow step runs it
def test_run_all_quick_writes_benchmarks_md_to_the_given_path(tmp_path):
    run_all = _load("run_all")
    out = tmp_path / "BENCHMARKS.md"
    # two of the four scripts (the other two run above): the pipeline, figures and summary are the same
    assert run_all.main(["--quick", "--out", str(out), "--only", "lstsq", "--only", "supnorm"]) == 0
    text = out.read_text()
    assert text.startswith("# Benchmarks") and "NOT a measurement" in text and "## Summary:" in text
    assert "pip install torch==2.13.0 && pip install -e '.[bench]'" in text
    assert "total wall time" in text and "## Machine and library versions" in text and "## Detailed tables" in text
    assert "[bench_lstsq.py](lstsq.md)" in text and "[bench_supnorm.py](supnorm.md)" in text
    for figure in ("goals.png", "supnorm.png"):
        assert (tmp_path / figure).stat().st_size > 0 and f"]({figure})" in text
    assert (tmp_path / "lstsq.json").exists() and (tmp_path / "supnorm.md").exists()


def test_run_all_reports_a_failing_script_and_keeps_going(tmp_path, monkeypatch):
    run_all = _load("run_all")
    (tmp_path / "bench_broken.py").write_text("raise SystemExit('broken on purpose')\n")
    monkeypatch.setattr(run_all, "HERE", tmp_path)
    monkeypatch.setattr(run_all, "SCRIPTS", [("broken", "bench_broken.py", "nothing")])
    out = tmp_path / "report" / "BENCHMARKS.md"
    assert run_all.main(["--quick", "--out", str(out)]) == 1
    text = out.read_text()
    assert "**failed** (1)" in text and "broken on purpose" in text and "scripts that failed: broken" in text


def test_goal_rows_are_judged_and_printed():
    common = _load("_common")
    ratio = common.Stats((1.05, 1.0, 1.2))
    row = common.Row.of("x", "a ratio", ratio, "×", "<=", 1.1)
    assert row.passed and row.measured == "1.05× [1.00-1.20]" and row.goal == "≤ 1.10×" and row.result == "pass"
    worst = common.Row.of("y", "worst case", common.Stats((1.0, 0.98, 2.0)), "", ">=", 1.0, judge="min")
    assert worst.passed is False and worst.result == "**FAIL**" and worst.goal == "min ≥ 1.00"
    assert common.Row.of("z", "no peer", None, "×", "<=", 1.0).result == "not measured"
    assert common.Stats((0.0005, 0.0004, 0.0006)).fmt() == "0.5 ms [0.4-0.6]"
    with pytest.raises(ValueError, match="a goal needs op"):
        common.Row.of("w", "bad", 1.0, "×", "=<", 1.0)
