"""The study runner: the quickstart's wall time, and the speed-up of 2 workers over 1.

Goal: ``--jobs 2`` at least 1.7x faster than ``--jobs 1`` on a larger study (2 cores). Each run
starts from an empty folder and includes worker start-up, fitting, sup-norm estimation and the
writes to the store; the runs alternate (1, 2, 1, 2, ...) so that both see the same machine.

Usage: python benchmarks/bench_study.py [--quick] [--repeats R] [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy

import uat
from uat.study import load_config, parse_config, run_study

ROOT = Path(__file__).resolve().parents[1]

LARGER = {
    "name": "bench", "description": "larger study for the parallel speed-up", "seed": 11,
    "grid": {"target": ["sin2pi", "runge", "abs", "sawtooth"], "activation": ["tanh", "relu", "sigmoid"],
             "width": [4, 8, 16, 32, 64, 128, 256], "method": ["lstsq", "minimax"], "repeats": 2},
    "methods": {"minimax": {"n_samples": 1024}},
    "evaluation": {"tolerances": [1e-1, 1e-2, 1e-3]},
}
QUICK = {**LARGER, "grid": {**LARGER["grid"], "target": ["abs"], "width": [4, 8], "activation": ["tanh"]}}


def timed_run(config, jobs: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        frame = run_study(config, Path(folder) / "out", jobs=jobs)
        seconds = time.perf_counter() - start
    assert (frame["status"] == "ok").all(), frame[frame["status"] != "ok"]["error"].tolist()
    return seconds


def fmt(times):
    return f"{statistics.median(times):.1f} s [{min(times):.1f}-{max(times):.1f}]"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny study (smoke test), not a measurement")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", default=None, help="also write the Markdown report to this file")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    quickstart = parse_config(QUICK, "quick") if args.quick else load_config(ROOT / "studies" / "quickstart.toml")
    larger = parse_config(QUICK if args.quick else LARGER, "bench")
    jobs = min(2, os.cpu_count() or 1)
    quick_times = [timed_run(quickstart, jobs) for _ in range(repeats)]
    one, two = [], []
    for _ in range(repeats):
        one.append(timed_run(larger, 1))
        two.append(timed_run(larger, 2))
    speedup = statistics.median(one) / statistics.median(two)
    lines = [
        "# Study runner: measured wall times",
        "",
        f"Command: `python benchmarks/bench_study.py{' --quick' if args.quick else ''}` ({repeats} runs each; "
        "median [min-max], wall clock, from an empty folder)",
        "",
        "| what | time |",
        "| --- | --- |",
        f"| quickstart ({len(quickstart.cells())} cells, --jobs {jobs}; goal < 30 s) | {fmt(quick_times)} |",
        f"| larger study ({len(larger.cells())} cells, lstsq + minimax), --jobs 1 | {fmt(one)} |",
        f"| larger study, --jobs 2 | {fmt(two)} |",
        f"| **speed-up of --jobs 2 over --jobs 1 (goal >= 1.7x)** | **{speedup:.2f}x** |",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}, uat {uat.__version__}",
    ]
    report = "\n".join(lines) + "\n"
    sys.stdout.write(report)
    if args.out:
        Path(args.out).write_text(report)


if __name__ == "__main__":
    main()
