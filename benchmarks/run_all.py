"""Run every benchmark afresh and write BENCHMARKS.md: the performance goals of the issues, measured.

    python benchmarks/run_all.py            # full run (15 minutes, 889 s, on 2 cores, 2026-12-02), rewrites BENCHMARKS.md,
                                            # benchmarks/{lstsq,supnorm,backprop,deep,study,import}.{md,json} and
                                            # benchmarks/{goals,supnorm}.png
    python benchmarks/run_all.py --quick    # tiny sizes (a smoke test, NOT a measurement); writes to
                                            # out/benchmarks-quick/ unless --out says otherwise

Install the benchmark extras (PyTorch CPU and scikit-learn; the peers the scripts measure against) with

    pip install torch==2.13.0 && pip install -e '.[bench]'

Without them the peer rows say "not installed" and their goals are "not measured".

Each script runs in its own fresh Python process, one after another (never two at once: they time
things, and the study benchmark uses both cores). Each writes its Markdown report and a JSON file of
goal rows (see benchmarks/_common.py); this script reads only the JSON, then writes BENCHMARKS.md: the
summary table (one row per goal: what, measured median [min-max], goal, pass/FAIL, script), the other
measured ratios, two figures, each script's detailed tables, the machine and library versions, the
date and the total wall time. A script that fails is reported as failed (with the end of its error
output) and the others still run; the exit status is then 1.

Options: --quick; --out FILE (default BENCHMARKS.md at the repository root); --reports-dir DIR (the
per-script reports and the figures; default benchmarks/ for the default --out, else beside --out);
--only NAME (repeatable: run only these scripts, e.g. --only supnorm); --timeout SECONDS per script.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import INSTALL, ROOT, Row, format_range, load_rows, machine_lines, table, utc_now  # noqa: E402

HERE = Path(__file__).resolve().parent
SCRIPTS = [  # (short name, script, what it measures)
    ("lstsq", "bench_lstsq.py", "least-squares fit vs bare QR; all-widths sweep vs one QR and vs separate fits"),
    ("supnorm", "bench_supnorm.py", "sup-norm estimate vs a 10⁶-point grid"),
    ("backprop", "bench_backprop.py", "Adam step vs PyTorch; sup error and time at equal width vs MLPRegressor "
                                      "and torch"),
    ("deep", "bench_deep.py", "deep networks: Adam step at [64, 64] vs PyTorch; sup error at equal parameters vs "
                              "PyTorch L-BFGS (same architecture) and the shallow fit"),
    ("study", "bench_study.py", "study throughput and parallel speed-up"),
    ("import", "bench_import.py", "import uat and uat --help vs the bare numpy and scipy imports"),
]
BUDGET = 15 * 60  # seconds, for the full run on 2 cores (issue 7)


def run_script(script: str, md: Path, js: Path, quick: bool, timeout: float | None) -> dict:
    """Run one script in a fresh process; returns {'seconds', 'returncode', 'stderr', 'payload' or None}."""
    js.unlink(missing_ok=True)  # a failed run must not leave last run's rows to be read as fresh
    cmd = [sys.executable, str(HERE / script), "--out", str(md), "--json", str(js)] + (["--quick"] if quick else [])
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              timeout=timeout)
        returncode, stderr = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired as exc:
        returncode = "timeout"
        stderr = (exc.stderr.decode() if isinstance(exc.stderr, bytes) else exc.stderr or "") + \
            f"\ntimed out after {timeout} s"
    seconds = time.perf_counter() - start
    payload = load_rows(js) if returncode == 0 and js.exists() else None
    return {"seconds": seconds, "returncode": returncode, "stderr": stderr, "payload": payload}


# --- figures (matplotlib's Figure API, no pyplot) -------------------------------------------------------------

def _judged(row: Row) -> float:
    return {"median": row.median, "min": row.min, "max": row.max}[row.judge]


def budget_used(row: Row) -> float | None:
    """How much of its goal a row uses: measured/limit for '<=' goals, limit/measured for '>=' goals (so < 1
    passes and 1 is the goal either way); None without a number."""
    value = _judged(row)
    if row.op is None or value is None or value <= 0 or row.limit in (None, 0):
        return None
    return value / row.limit if row.op in ("<=", "<") else row.limit / value


def figure_goals(rows: list[tuple[Row, str]], path: Path) -> bool:
    """Horizontal bars, one per goal: the share of the goal used (log scale), min-max whiskers, the goal at 1."""
    from matplotlib.figure import Figure

    items = [(row, script, budget_used(row)) for row, script in rows if budget_used(row) is not None]
    if not items:
        return False
    fig = Figure(figsize=(9, 0.42 * len(items) + 1.6), layout="constrained")
    ax = fig.subplots()
    ys = list(range(len(items)))[::-1]
    for y, (row, _, used) in zip(ys, items):
        # Okabe-Ito blue passes, vermilion and hatched fails: readable under colour-vision deficiency
        color = "#0072B2" if row.passed else "#D55E00"
        ax.barh(y, used, color=color, alpha=0.8, height=0.6, hatch=None if row.passed else "//")
        right = used
        if row.n > 1 and row.judge == "median":  # whiskers over the repeats, in the same units as the bar
            ends = sorted(v / row.limit if row.op in ("<=", "<") else row.limit / v for v in (row.min, row.max)
                          if v and v > 0)
            if len(ends) == 2:
                ax.plot(ends, [y, y], color="black", lw=1)
                right = max(right, ends[1])
        ax.text(right * 1.15, y, f"{format_range(row.median, row.min, row.max, row.n, row.unit)}  (goal {row.goal})",
                va="center", fontsize=7)
    ax.axvline(1.0, color="black", ls="--", lw=1)
    ax.set_yticks(ys, [row.id for row, _, _ in items], fontsize=8)
    ax.set_xscale("log")
    lo = min(used for *_, used in items)
    hi = max(used for *_, used in items)
    ax.set_xlim(min(lo, 0.5) / 2, max(hi, 1.0) * 30)
    ax.set_xlabel("share of the goal used (measured / limit; limit / measured for 'at least' goals): < 1 passes")
    ax.set_title("Performance goals: blue passes, hatched vermilion fails (median; whiskers: min-max over repeats)",
                 fontsize=10)
    fig.savefig(path, dpi=110)
    return True


def figure_supnorm(cases: list[dict], path: Path) -> bool:
    """Per case: raw grid maxima relative to uat's sup-norm estimate (log scale); < 1 means the grid is low."""
    from matplotlib.figure import Figure

    if not cases:
        return False
    fig = Figure(figsize=(10, 0.5 * len(cases) + 2.0), layout="constrained")
    ax = fig.subplots()
    ys = list(range(len(cases)))[::-1]
    small, big = cases[0]["small_points"], cases[0]["grid_points"]
    series = [("grid_small", f"{small:,}-point grid", "o", "#868e96"),
              ("initial", "sup_error's initial points (before refinement)", "s", "#1c7ed6"),
              ("grid", f"{big:,}-point grid", "D", "#e8590c")]
    for key, label, marker, color in series:
        ax.scatter([c[key] / c["estimate"] for c in cases], ys, marker=marker, color=color, label=label, zorder=3)
    ax.axvline(1.0, color="black", ls="--", lw=1, label="uat.sup_error value (refined)")
    ax.set_yticks(ys, [c["label"].replace("\\|", "|") for c in cases], fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("max over the point set / uat.sup_error's value\n(< 1: the point set underestimates the sup)")
    lo = min(min(c[key] / c["estimate"] for c in cases) for key, *_ in series)
    hi = max(max(c[key] / c["estimate"] for c in cases) for key, *_ in series)
    ax.set_xlim(min(lo, 0.5) / 1.5, max(hi, 1.0) * 1.5)
    ax.set_title("Why refinement matters: raw grids against the refined sup-norm estimate", fontsize=10)
    ax.legend(fontsize=7, loc="center")
    ax.grid(True, axis="x", which="both", alpha=0.3)
    fig.savefig(path, dpi=110)
    return True


# --- BENCHMARKS.md ---------------------------------------------------------------------------------------------

def _demoted(markdown: str, levels: int = 2) -> list[str]:
    """A script's report for BENCHMARKS.md: without its title, its goal and ratio tables (the summary has them)
    and its machine section (BENCHMARKS.md has one); headings moved down ``levels`` levels."""
    skip = ("## Goals", "## Other measured ratios", "## Machine")
    out, skipping = [], False
    for line in markdown.splitlines()[1:]:
        if line.startswith("## "):
            skipping = line.startswith(skip)
        if not skipping:
            out.append(("#" * levels + line) if line.startswith("#") else line)
    while out and not out[0].strip():
        out.pop(0)
    while out and not out[-1].strip():
        out.pop()
    return out


def _pools(payloads: list[dict]) -> dict:
    """The machine of the runs, with the thread pools of every script (each loads different libraries)."""
    machine = dict(payloads[-1]["machine"])
    seen, pools = set(), []
    for payload in payloads:
        for pool in payload["machine"]["pools"]:
            key = (pool["internal_api"], pool["library"])
            if key not in seen:
                seen.add(key)
                pools.append(pool)
    machine["pools"] = pools
    return machine


def write_markdown(out: Path, reports_dir: Path, results: dict, quick: bool, total: float, date: str,
                   loads: tuple, figures: list[tuple[str, str]], argv_text: str) -> str:
    rel = lambda p: os.path.relpath(p, out.parent).replace(os.sep, "/")  # noqa: E731
    goal_rows, info_rows, payloads = [], [], []
    for name, script, _ in SCRIPTS:
        res = results.get(name)
        if res is None or res["payload"] is None:
            continue
        payloads.append(res["payload"])
        link = f"[{script}]({rel(reports_dir / f'{name}.md')})"
        for row in res["payload"]["rows"]:
            (goal_rows if row.op is not None else info_rows).append((row, link))
    n_pass = sum(1 for r, _ in goal_rows if r.passed)
    n_fail = sum(1 for r, _ in goal_rows if r.passed is False)
    n_none = sum(1 for r, _ in goal_rows if r.passed is None)
    failed_scripts = [name for name, res in results.items() if res["payload"] is None]
    lines = [
        "# Benchmarks: the performance goals, measured",
        "",
        ("**Quick run: tiny sizes, NOT a measurement** (a smoke test of the scripts). " if quick else "")
        + f"Generated by `python benchmarks/run_all.py{argv_text}` on {date} (UTC); total wall time "
        f"**{total:.0f} s** ({total / 60:.1f} min; the full run's budget is {BUDGET // 60} min on 2 cores"
        + (", **over budget**" if total > BUDGET and not quick else "") + "). "
        f"Load average (1, 5, 15 min) {', '.join(f'{x:.2f}' for x in loads[0])} before, "
        f"{', '.join(f'{x:.2f}' for x in loads[1])} after: other work on the machine disturbs the timings.",
        "",
        "Every script ran in a fresh process, one after another; every ratio is measured within one run, "
        "against the peer or the bare library call timed in the same process. Figures are medians over "
        "repeats with [min-max]. Benchmarks are not tests: CI times nothing (tests/test_benchmarks.py only "
        "runs each script on tiny sizes).",
        "",
        f"Install the benchmark extras (PyTorch CPU, scikit-learn): `{INSTALL}`. "
        "Regenerate this file: `python benchmarks/run_all.py`.",
        "",
        f"## Summary: {len(goal_rows)} goals, {n_pass} pass, {n_fail} fail"
        + (f", {n_none} not measured" if n_none else "")
        + (f"; scripts that failed: {', '.join(failed_scripts)}" if failed_scripts else ""),
        "",
    ]
    lines += table(["what", "measured: median [min-max]", "goal", "result", "stated in", "script"],
                   [[r.what + (f" ({r.note})" if r.note else ""), r.measured, r.goal, r.result, r.source or "—", link]
                    for r, link in goal_rows])
    lines += ["", "## Other measured ratios (the issues ask for them; no number is stated as a goal)", ""]
    lines += table(["what", "measured: median [min-max]", "script"],
                   [[r.what + (f" ({r.note})" if r.note else ""), r.measured, link] for r, link in info_rows])
    lines += [""]
    for caption, path in figures:
        lines += [f"![{caption}]({rel(Path(path))})", "", f"*{caption}*", ""]
    lines += ["## Scripts", ""]
    script_rows = []
    for name, script, what in SCRIPTS:
        res = results.get(name)
        if res is None:
            continue
        status = "ok" if res["payload"] is not None else f"**failed** ({res['returncode']})"
        command = res["payload"]["command"] if res["payload"] else f"python benchmarks/{script}"
        script_rows.append([f"[{script}]({rel(reports_dir / f'{name}.md')})", what, f"`{command}`",
                            f"{res['seconds']:.0f} s", status])
    lines += table(["script", "measures", "command", "wall time", "status"], script_rows)
    for name, res in results.items():
        if res["payload"] is None:
            tail = "\n".join(res["stderr"].strip().splitlines()[-15:])
            lines += ["", f"{name} failed (exit {res['returncode']}); the end of its error output:", "", "```",
                      tail, "```"]
    if payloads:
        lines += ["", "## Machine and library versions", "", *machine_lines(_pools(payloads))]
    lines += ["", "## Detailed tables", ""]
    for name, script, _ in SCRIPTS:
        res = results.get(name)
        if res is None or res["payload"] is None:
            continue
        md = reports_dir / f"{name}.md"
        lines += [f"### {res['payload']['title']} ([{name}.md]({rel(md)}), by {script})", ""]
        lines += _demoted(md.read_text(), levels=2)
        lines += [""]
    text = "\n".join(lines).rstrip() + "\n"
    out.write_text(text)
    return text


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test, NOT a measurement")
    p.add_argument("--out", default=None, help="BENCHMARKS.md to write (default: the repository root's; with "
                                               "--quick: out/benchmarks-quick/BENCHMARKS.md)")
    p.add_argument("--reports-dir", default=None, help="where the per-script reports, JSON and figures go")
    p.add_argument("--only", action="append", choices=[name for name, _, _ in SCRIPTS], default=None,
                   help="run only this script (repeatable)")
    p.add_argument("--timeout", type=float, default=None, help="seconds allowed per script (default: no limit)")
    args = p.parse_args(argv)
    default_out = ROOT / "BENCHMARKS.md"
    if args.out:
        out = Path(args.out).resolve()
    else:
        out = ROOT / "out" / "benchmarks-quick" / "BENCHMARKS.md" if args.quick else default_out
    if args.reports_dir:
        reports_dir = Path(args.reports_dir).resolve()
    else:
        reports_dir = HERE if out == default_out else out.parent
    reports_dir.mkdir(parents=True, exist_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    argv_text = "".join(f" {a}" for a in (argv if argv is not None else sys.argv[1:]))
    date = utc_now()
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    start = time.perf_counter()
    results = {}
    selected = [s for s in SCRIPTS if not args.only or s[0] in args.only]
    for i, (name, script, _) in enumerate(selected, 1):
        print(f"[{i}/{len(selected)}] {script}{' --quick' if args.quick else ''} ...", file=sys.stderr, flush=True)
        res = run_script(script, reports_dir / f"{name}.md", reports_dir / f"{name}.json", args.quick, args.timeout)
        results[name] = res
        verdict = "ok" if res["payload"] is not None else f"FAILED ({res['returncode']})"
        print(f"      {verdict} in {res['seconds']:.0f} s", file=sys.stderr, flush=True)
    figures = []
    goal_rows = [(row, name) for name, res in results.items() if res["payload"]
                 for row in res["payload"]["rows"] if row.op is not None]
    if figure_goals(goal_rows, reports_dir / "goals.png"):
        figures.append(("Every goal: the share of its limit used (below 1 passes)", reports_dir / "goals.png"))
    sup = results.get("supnorm")
    if sup and sup["payload"] and figure_supnorm(sup["payload"]["data"].get("cases", []), reports_dir / "supnorm.png"):
        figures.append(("Raw grids against the refined sup-norm estimate, per case", reports_dir / "supnorm.png"))
    total = time.perf_counter() - start
    load_after = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    write_markdown(out, reports_dir, results, args.quick, total, date, (load_before, load_after), figures, argv_text)
    print(f"wrote {out} ({total:.0f} s in all)", file=sys.stderr)
    if total > BUDGET and not args.quick:
        print(f"warning: the run took {total:.0f} s, over the {BUDGET} s budget", file=sys.stderr)
    return 0 if all(res["payload"] is not None for res in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
