"""What every benchmark script shares: timing, the machine it ran on, goal rows, and the report.

A script builds a :class:`Report` (title, command, Markdown body, goal and info rows), then calls
:meth:`Report.finish`, which prints the Markdown report, writes it to ``--out`` and writes the
machine-readable rows beside it (``--out`` with the suffix ``.json``, or ``--json FILE``).
``benchmarks/run_all.py`` reads those JSON files, never the Markdown.

JSON layout (``schema`` 1)::

    {"schema": 1, "script": "bench_lstsq.py", "title": ..., "command": ..., "quick": false,
     "seconds": <wall time of the script's measurements>, "date": <UTC ISO 8601>,
     "machine": {<machine_info()>},
     "rows": [{"id", "what", "median", "min", "max", "n", "unit", "op", "limit", "passed",
               "source", "note", "judge"}, ...],  # op/limit/passed: null for info rows (no goal stated);
                                                  # judge: the statistic the goal is judged on (median)
     "data": {<script-specific figures' data>}}

Timing: :func:`timeit` (one function) and :func:`alternate` (several, run in turn, repeat by
repeat, so that all see the same machine state) return :class:`Stats` of wall-clock seconds:
median with min–max, the way every table here reports them.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import hashlib
import importlib.metadata
import json
import math
import operator
import re
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = 1
INSTALL = "pip install torch==2.13.0 && pip install -e '.[bench]'"


# --- statistics and timing -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Stats:
    """Repeated measurements of one quantity: median with min–max."""

    values: tuple[float, ...]

    def __post_init__(self):
        if not self.values:
            raise ValueError("Stats needs at least one value")
        object.__setattr__(self, "values", tuple(float(v) for v in self.values))

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def max(self) -> float:
        return max(self.values)

    @property
    def n(self) -> int:
        return len(self.values)

    def ratio(self, other: Stats) -> Stats:
        """Per-repeat ratios self[i] / other[i] (paired, as measured alternately)."""
        if self.n != other.n:
            raise ValueError(f"paired ratio of {self.n} and {other.n} values")
        return Stats(tuple(a / b for a, b in zip(self.values, other.values)))

    def scaled(self, factor: float) -> Stats:
        return Stats(tuple(v * factor for v in self.values))

    def fmt(self, unit: str = "s") -> str:
        """'150 ms [147-162]' and the like (one value: no brackets)."""
        return format_range(self.median, self.min, self.max, self.n, unit)


def timeit(fn, repeats: int, warmup: int = 0) -> Stats:
    """Wall-clock seconds of ``fn()`` over ``repeats`` calls (after ``warmup`` untimed calls)."""
    return alternate([fn], repeats, warmup)[0]


def alternate(fns, repeats: int, warmup: int = 0) -> list[Stats]:
    """Wall-clock seconds of each function, run in turn (f1, f2, ..., f1, f2, ...) ``repeats`` times."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, record in zip(fns, times):
            start = time.perf_counter()
            fn()
            record.append(time.perf_counter() - start)
    return [Stats(tuple(t)) for t in times]


def _num(x: float, unit: str = "×") -> str:
    """3 significant digits, without exponents for 1e-3 <= |x| < 1e5; plain numbers (unit '') near 1 get 6, so
    that a value ratio that must be >= 1 shows on which side of 1 it is."""
    ax = abs(x)
    if unit == "" and 0.99 < ax < 1.01 and ax != 1.0:
        return f"{x:.6g}"
    if ax >= 1e5 or (0 < ax < 1e-3):
        return f"{x:.3g}"
    if ax >= 100:
        return f"{x:.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}" if ax < 1 else f"{x:.2f}"


def _scale(median: float, unit: str) -> tuple[float, str]:
    """(factor, printed unit): seconds below 1 print as ms."""
    if unit == "s" and abs(median) < 1.0:
        return 1e3, " ms"
    return 1.0, {"": "", "×": "×"}.get(unit, f" {unit}")


def format_value(value: float | None, unit: str = "") -> str:
    """A number as the tables print it. Units: 's' (ms below 1 s), '×' (a ratio), '' (plain), any other
    unit is appended."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    factor, suffix = _scale(value, unit)
    return _num(value * factor, unit) + suffix


def format_range(median: float, lo: float, hi: float, n: int, unit: str = "") -> str:
    """'median [min-max]' in the median's scale; just the median when n == 1."""
    if n <= 1 or median is None:
        return format_value(median, unit)
    factor, _ = _scale(median, unit)
    return f"{format_value(median, unit)} [{_num(lo * factor, unit)}-{_num(hi * factor, unit)}]"


# --- tables --------------------------------------------------------------------------------------------------

def md_escape(text) -> str:
    """'|' escaped for a table cell (already escaped ones are left alone)."""
    return re.sub(r"(?<!\\)\|", r"\\|", str(text))


def table(headers, rows) -> list[str]:
    """Markdown table lines; cells are str()-ed, '|' inside cells escaped."""
    lines = ["| " + " | ".join(md_escape(h) for h in headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows]
    return lines


# --- goal rows -----------------------------------------------------------------------------------------------

_OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}
_OP_TEXT = {"<=": "≤", ">=": "≥", "<": "<", ">": ">"}


@dataclass
class Row:
    """One measured figure. With ``op`` and ``limit`` it is a goal (pass/FAIL on the median); without, an
    info row (a ratio the issues ask for but give no number for)."""

    id: str
    what: str
    median: float | None
    min: float | None
    max: float | None
    n: int
    unit: str = "×"
    op: str | None = None
    limit: float | None = None
    passed: bool | None = None
    source: str = ""
    note: str = ""
    judge: str = "median"  # which statistic the goal is judged on: "median", "min" or "max"

    @classmethod
    def of(cls, id: str, what: str, stats: Stats | float | None, unit: str = "×", op: str | None = None,
           limit: float | None = None, source: str = "", note: str = "", judge: str = "median") -> Row:
        if op is not None and (op not in _OPS or limit is None):
            raise ValueError(f"a goal needs op in {sorted(_OPS)} and a limit; got {op!r}, {limit!r}")
        if stats is None:  # not measured (e.g. a peer not installed): no pass, no fail
            return cls(id, what, None, None, None, 0, unit, op, limit, None, source, note, judge)
        if judge not in ("median", "min", "max"):
            raise ValueError(f"judge must be 'median', 'min' or 'max'; got {judge!r}")
        stats = stats if isinstance(stats, Stats) else Stats((stats,))
        passed = None if op is None else bool(_OPS[op](getattr(stats, judge), limit))
        return cls(id, what, stats.median, stats.min, stats.max, stats.n, unit, op, limit, passed, source, note, judge)

    @property
    def measured(self) -> str:
        return format_range(self.median, self.min, self.max, self.n, self.unit)

    @property
    def goal(self) -> str:
        if self.op is None:
            return "—"
        text = f"{_OP_TEXT[self.op]} {format_value(self.limit, self.unit)}"
        return text if self.judge == "median" else f"{self.judge} {text}"

    @property
    def result(self) -> str:
        if self.passed is None:
            return "not measured" if self.op is not None else "—"
        return "pass" if self.passed else "**FAIL**"


def goal_table(rows: list[Row], script: str | None = None) -> list[str]:
    """The goal rows as a Markdown table (what, measured median [min-max], goal, result, source[, script])."""
    headers = ["what", "measured: median [min-max]", "goal", "result", "stated in"] + (["script"] if script else [])
    body = []
    for r in rows:
        what = r.what + (f" ({r.note})" if r.note else "")
        body.append([what, r.measured, r.goal, r.result, r.source or "—"] + ([script] if script else []))
    return table(headers, body)


# --- the machine -------------------------------------------------------------------------------------------

def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown cpu"


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def source_state() -> str:
    """The uat sources measured: git commit, whether uat/ has uncommitted changes, and a hash of uat/**/*.py
    (the library may change between runs; this says which code the figures belong to)."""
    root = ROOT / "uat"
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    state = f"uat/**/*.py sha256 {digest.hexdigest()[:12]}"
    try:
        run = dict(cwd=ROOT, capture_output=True, text=True, timeout=10, check=True)
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], **run).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "uat"], **run).stdout.strip()
        state = f"git {commit}{' + uncommitted changes in uat/' if dirty else ''}, {state}"
    except (OSError, subprocess.SubprocessError):
        pass
    return state


def machine_info() -> dict:
    """CPU, cores, OS, Python, library versions (torch and scikit-learn where installed, read from their
    metadata, not imported), the BLAS/OpenMP pools loaded in this process (threadpoolctl), the load
    average and the uat source state. Call it after the measurements, so the pools the run used are loaded."""
    try:
        from threadpoolctl import threadpool_info
        pools = [{"user_api": p.get("user_api"), "internal_api": p.get("internal_api"), "version": p.get("version"),
                  "num_threads": p.get("num_threads"), "library": Path(p.get("filepath") or "?").name,
                  "threading_layer": p.get("threading_layer"), "architecture": p.get("architecture")}
                 for p in threadpool_info()]
    except ImportError:
        pools = []
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    versions = {"python": platform.python_version()}
    for dist in ("uat", "numpy", "scipy", "matplotlib", "pandas", "threadpoolctl", "torch", "scikit-learn"):
        versions[dist] = _version(dist)
    return {
        "cpu": _cpu_model(), "machine": platform.machine(), "cores": os.cpu_count(), "usable_cores": usable,
        "system": f"{platform.system()} {platform.release()}", "versions": versions, "pools": pools,
        "loadavg": list(os.getloadavg()) if hasattr(os, "getloadavg") else None, "source": source_state(),
    }


def machine_lines(info: dict) -> list[str]:
    """The machine as a few Markdown bullet lines."""
    v = info["versions"]
    libs = ", ".join(f"{name} {v[name] or 'not installed'}" for name in v if name != "python")
    pools = "; ".join(f"{p['internal_api']}{' ' + p['version'] if p['version'] else ''} ({p['user_api']}, "
                      f"{p['library']}, {p['num_threads']} threads"
                      + (f", {p['architecture']}" if p.get("architecture") else "") + ")" for p in info["pools"])
    load = ", ".join(f"{x:.2f}" for x in info["loadavg"]) if info.get("loadavg") else "n/a"
    return [
        f"- CPU: {info['cpu']} ({info['machine']}), {info['cores']} cores ({info['usable_cores']} usable); "
        f"{info['system']}; Python {v['python']}",
        f"- Libraries: {libs}",
        f"- Thread pools loaded (threadpoolctl): {pools or 'none reported'}",
        f"- Load average (1, 5, 15 min) at the end: {load}",
        f"- uat source: {info['source']}",
    ]


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


# --- the report ----------------------------------------------------------------------------------------------

def parser(doc: str, repeats: int | None) -> argparse.ArgumentParser:
    """The options every script takes: --quick, --repeats (when it has repeats), --out, --json."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes (smoke test), not a measurement")
    if repeats is not None:
        p.add_argument("--repeats", type=int, default=repeats, help=f"timing repeats (default {repeats})")
    p.add_argument("--out", default=None, help="also write the Markdown report to this file (and the JSON rows "
                                               "beside it, same name with .json)")
    p.add_argument("--json", default=None, help="write the JSON rows here instead of beside --out")
    return p


def quick_threads(quick: bool):
    """A context in which --quick runs: every BLAS/OpenMP pool on one thread. Quick runs are smoke tests on tiny
    matrices, and on a busy 2-core machine OpenBLAS's spinning threads made them 10-20x slower (12-18 s instead
    of 1 s for bench_lstsq). Full runs keep the default pools (no-op)."""
    if not quick:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def command(script: str, argv_args: argparse.Namespace, defaults: dict | None = None) -> str:
    """The command line that reproduces a run (the options that differ from their defaults)."""
    parts = [f"python benchmarks/{script}"]
    if argv_args.quick:
        parts.append("--quick")
    for name, default in (defaults or {}).items():
        value = getattr(argv_args, name, default)
        if value != default and not argv_args.quick:
            parts.append(f"--{name.replace('_', '-')} {value}")
    return " ".join(parts)


@dataclass
class Report:
    """A script's report: Markdown body lines plus machine-readable rows."""

    script: str
    title: str
    command: str
    quick: bool = False
    lines: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    date: str = field(default_factory=utc_now)

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def goal(self, *args, **kwargs) -> Row:
        row = Row.of(*args, **kwargs)
        self.rows.append(row)
        return row

    def markdown(self, seconds: float, info: dict) -> str:
        head = [f"# {self.title}", "",
                f"Command: `{self.command}`" + (" (quick: tiny sizes, NOT a measurement)" if self.quick else "")
                + f"; {seconds:.0f} s; {self.date}. Median [min-max] over repeats, wall clock.", ""]
        goals = [r for r in self.rows if r.op is not None]
        infos = [r for r in self.rows if r.op is None]
        summary = []
        if goals:
            summary += ["## Goals", "", *goal_table(goals), ""]
        if infos:
            summary += ["## Other measured ratios (no number stated as a goal)", "", *goal_table(infos), ""]
        tail = ["## Machine", "", *machine_lines(info)]
        return "\n".join(head + summary + self.lines + ([""] if self.lines and self.lines[-1] else []) + tail) + "\n"

    def finish(self, args: argparse.Namespace) -> str:
        """Print the Markdown report; write it to --out and the JSON to --json (default: beside --out)."""
        seconds = time.perf_counter() - self.started
        info = machine_info()
        report = self.markdown(seconds, info)
        sys.stdout.write(report)
        sys.stdout.flush()
        if args.out:
            Path(args.out).write_text(report)
        json_path = args.json or (str(Path(args.out).with_suffix(".json")) if args.out else None)
        if json_path:
            payload = {"schema": SCHEMA, "script": self.script, "title": self.title, "command": self.command,
                       "quick": self.quick, "seconds": seconds, "date": self.date, "machine": info,
                       "rows": [asdict(r) for r in self.rows], "data": self.data}
            Path(json_path).write_text(json.dumps(payload, indent=1, default=_json_default) + "\n")
        return report


def _json_default(value):
    try:
        import numpy as np

        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
    except ImportError:
        pass
    raise TypeError(f"not JSON serialisable: {value!r}")


def load_rows(path) -> dict:
    """A script's JSON (as written by :meth:`Report.finish`), with ``rows`` as :class:`Row` objects."""
    payload = json.loads(Path(path).read_text())
    if payload.get("schema") != SCHEMA:
        raise ValueError(f"{path}: schema {payload.get('schema')!r}, expected {SCHEMA}")
    payload["rows"] = [Row(**r) for r in payload["rows"]]
    return payload
