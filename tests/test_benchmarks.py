"""Benchmarks are not tests (nothing is timed here); this only keeps the scripts from rotting."""

import importlib.util
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_lstsq_runs_on_tiny_sizes(tmp_path, capsys):
    out = tmp_path / "report.md"
    _load("bench_lstsq").main(["--quick", "--out", str(out)])
    report = out.read_text()
    assert report == capsys.readouterr().out
    assert "uat lstsq_solve" in report and "all widths 1..64" in report and "Machine:" in report


def test_bench_study_runs_on_a_tiny_study(tmp_path, capsys):
    out = tmp_path / "report.md"
    _load("bench_study").main(["--quick", "--out", str(out)])
    report = out.read_text()
    assert "speed-up of --jobs 2 over --jobs 1" in report and "quickstart" in report


def test_bench_backprop_runs_on_tiny_sizes(tmp_path, capsys):
    out = tmp_path / "report.md"
    _load("bench_backprop").main(["--quick", "--out", str(out)])
    report = out.read_text()
    assert report == capsys.readouterr().out
    for row in ("uat backprop (default)", "uat backprop + minimax refine", "uat backprop lbfgs", "uat backprop adam",
                "uat lstsq", "sklearn MLPRegressor lbfgs", "torch Adam", "torch LBFGS", "uat/torch", "Machine:"):
        assert row in report  # torch / sklearn rows say "not installed" when those are missing
