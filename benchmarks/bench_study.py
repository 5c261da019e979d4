"""The study runner: the quickstart's wall time, and the speed-up of 2 workers over 1.

Goals: the quickstart (studies/quickstart.toml) finishes in under 30 s on 2 cores (issue 4) and in at
most 10 s with its certified upper bounds (issue 14); ``--jobs 2`` at least 1.7x faster than ``--jobs 1``
on a larger study (2 cores; issue 4). Each run starts from an empty folder
and includes worker start-up, fitting, sup-norm estimation and the writes to the store; the runs of the
larger study alternate (1, 2, 1, 2, ...) so that both see the same machine, and the speed-up is the
paired ratio, median [min-max] over the repeats. Info rows: the throughput (cells per second) of both.

Usage: python benchmarks/bench_study.py [--quick] [--repeats R] [--out FILE] [--json FILE]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from uat.study import load_config, parse_config, run_study

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Report, Stats, alternate, parser, quick_threads, table  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "issue 4"
COST = "issue 14"

LARGER = {
    "name": "bench", "description": "larger study for the parallel speed-up", "seed": 11,
    "grid": {"target": ["sin2pi", "runge", "abs", "sawtooth"], "activation": ["tanh", "relu", "sigmoid"],
             "width": [4, 8, 16, 32, 64, 128, 256], "method": ["lstsq", "minimax"], "repeats": 2},
    "methods": {"minimax": {"n_samples": 1024}},
    "evaluation": {"tolerances": [1e-1, 1e-2, 1e-3]},
}
QUICK = {**LARGER, "grid": {**LARGER["grid"], "target": ["abs"], "width": [4, 8], "activation": ["tanh"]}}


def run(config, jobs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        frame = run_study(config, Path(folder) / "out", jobs=jobs)
    assert (frame["status"] == "ok").all(), frame[frame["status"] != "ok"]["error"].tolist()


def main(argv=None):
    args = parser(__doc__, repeats=2).parse_args(argv)
    with quick_threads(args.quick):
        _main(args)


def _main(args):
    repeats = 1 if args.quick else args.repeats
    command = "python benchmarks/bench_study.py" + (" --quick" if args.quick else
                                                    f" --repeats {repeats}" if repeats != 2 else "")
    report = Report("bench_study.py", "Study runner: measured wall times", command, args.quick)
    quickstart = parse_config(QUICK, "quick") if args.quick else load_config(ROOT / "studies" / "quickstart.toml")
    larger = parse_config(QUICK if args.quick else LARGER, "bench")
    jobs = min(2, os.cpu_count() or 1)
    n_quick, n_larger = len(quickstart.cells()), len(larger.cells())
    (quick_times,) = alternate([lambda: run(quickstart, jobs)], repeats)
    one, two = alternate([lambda: run(larger, 1), lambda: run(larger, 2)], repeats)
    speedup = one.ratio(two)
    report.goal("study.quickstart", f"quickstart wall time ({n_quick} cells, --jobs {jobs}, from an empty folder)",
                quick_times, "s", "<", 30.0, SOURCE)
    report.goal("study.quickstart_certified", f"quickstart wall time with certified upper bounds (the default), "
                f"--jobs {jobs}", quick_times, "s", "<=", 10.0, COST)
    report.goal("study.speedup", f"speed-up of --jobs 2 over --jobs 1, larger study ({n_larger} cells, lstsq + "
                "minimax)", speedup, "×", ">=", 1.7, SOURCE, "" if jobs == 2 else f"only {jobs} core(s)")
    report.goal("study.throughput2", f"throughput of the larger study at --jobs {jobs}",
                Stats(tuple(n_larger / t for t in two.values)), "cells/s", source=SOURCE)
    report.goal("study.throughput_quickstart", f"throughput of the quickstart at --jobs {jobs}",
                Stats(tuple(n_quick / t for t in quick_times.values)), "cells/s", source=SOURCE)
    report.add(f"## Wall times ({repeats} run{'s' if repeats > 1 else ''} each, from an empty folder)", "",
               *table(["what", "time"], [
                   [f"quickstart ({n_quick} cells, --jobs {jobs}; goal < 30 s)", quick_times.fmt()],
                   [f"larger study ({n_larger} cells, lstsq + minimax), --jobs 1", one.fmt()],
                   ["larger study, --jobs 2", two.fmt()],
                   ["**speed-up of --jobs 2 over --jobs 1 (goal >= 1.7×)**", f"**{speedup.fmt('×')}**"],
               ]))
    report.finish(args)


if __name__ == "__main__":
    main()
