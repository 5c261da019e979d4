"""Which optimizer a deep fit should use by default: adam, lbfgs, lm and varpro side by side.

For each hidden width list ([16, 16], [8, 8]), σ (tanh, relu), target (sin 2πx, Runge, |x − 0.3|, all on
[-1, 1]; the first two from uat's library) and seed (0, 1, 2): ``uat.fit(target, width=widths,
activation=σ, method="backprop", optimizer=..., seed=seed)`` with every other option at its default
(n_samples, init, max_iter of each optimizer), then the sup error of the result
(``result.sup_error().value``) and the wall time of the fit
(the call to ``uat.fit``; the sup-norm estimate is not timed).

The table gives, per (widths, σ, target) and optimizer, the median sup error over the seeds [min–max] and
the median fit time; a configuration's winner is the optimizer with the lowest median sup error. The
last lines count the wins per optimizer, by configuration and by (configuration, seed).

Usage: python benchmarks/deep_optimizers.py [--widths 16,16 8,8] [--seeds 0 1 2] [--optimizers ...]
       [--json FILE]   (the raw rows, one per fit)
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings

import uat

DOMAIN = "[-1,1]"
TARGETS = [("sin 2πx", "sin2pi"), ("Runge", "runge"), ("\\|x − 0.3\\|", "abs(x-0.3)")]  # (label, target)
ACTIVATIONS = ["tanh", "relu"]
OPTIMIZERS = ["adam", "lbfgs", "lm", "varpro"]
LIBRARY = {"sin2pi", "runge"}  # library targets, on their own domain [-1, 1]


def fit_once(expr: str, widths: list[int], activation: str, optimizer: str, seed: int) -> dict:
    """One fit with every default but the optimizer: its sup error, wall time and how it ended."""
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = uat.fit(expr, None if expr in LIBRARY else DOMAIN, width=widths, activation=activation,
                         method="backprop", optimizer=optimizer, seed=seed)
    seconds = time.perf_counter() - start
    d = result.diagnostics
    return {"widths": widths, "activation": activation, "target": expr, "optimizer": optimizer, "seed": seed,
            "sup_error": float(result.sup_error().value), "seconds": seconds, "status": d["status"],
            "iterations": int(d["iterations"]), "path": d.get("path"), "warnings": len(caught)}


def _median(values):
    return statistics.median(values)


def table(rows: list[dict], optimizers: list[str]) -> tuple[str, dict, dict]:
    """The Markdown table and the wins per optimizer (by configuration, by configuration and seed)."""
    lines = ["| widths | σ | target | " + " | ".join(optimizers) + " | best |",
             "| --- | --- | --- | " + " | ".join("---" for _ in optimizers) + " | --- |"]
    wins, seed_wins = dict.fromkeys(optimizers, 0), dict.fromkeys(optimizers, 0)
    configs = sorted({(tuple(r["widths"]), r["activation"], r["target"]) for r in rows},
                     key=lambda c: (-sum(c[0]), ACTIVATIONS.index(c[1]), [t for _, t in TARGETS].index(c[2])))
    label = dict((expr, name) for name, expr in TARGETS)
    for widths, act, expr in configs:
        cells, medians = [], {}
        for opt in optimizers:
            mine = [r for r in rows if (tuple(r["widths"]), r["activation"], r["target"], r["optimizer"])
                    == (widths, act, expr, opt)]
            errors, seconds = [r["sup_error"] for r in mine], [r["seconds"] for r in mine]
            medians[opt] = _median(errors)
            cells.append(f"{medians[opt]:.1e} [{min(errors):.1e}–{max(errors):.1e}], {_median(seconds):.1f} s")
        best = min(optimizers, key=medians.get)
        wins[best] += 1
        for seed in sorted({r["seed"] for r in rows}):
            by_seed = {r["optimizer"]: r["sup_error"] for r in rows if r["seed"] == seed
                       and (tuple(r["widths"]), r["activation"], r["target"]) == (widths, act, expr)}
            seed_wins[min(by_seed, key=by_seed.get)] += 1
        lines.append(f"| {list(widths)} | {act} | {label[expr]} | " + " | ".join(cells) + f" | {best} |")
    return "\n".join(lines), wins, seed_wins


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", nargs="+", default=["16,16", "8,8"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--optimizers", nargs="+", default=OPTIMIZERS)
    parser.add_argument("--json", default=None, help="write the raw rows (one per fit) to this file")
    args = parser.parse_args(argv)
    rows = []
    for widths in ([int(w) for w in spec.split(",")] for spec in args.widths):
        for act in ACTIVATIONS:
            for _, expr in TARGETS:
                for seed in args.seeds:
                    for opt in args.optimizers:
                        rows.append(fit_once(expr, widths, act, opt, seed))
                        r = rows[-1]
                        print(f"# {widths} {act} {expr} seed {seed} {opt}: sup {r['sup_error']:.2e}, "
                              f"{r['seconds']:.1f} s, {r['status']}", flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=1)
    text, wins, seed_wins = table(rows, args.optimizers)
    print(f"\nsup error: median over seeds {args.seeds} [min–max], median fit time; defaults of uat.fit otherwise\n")
    print(text)
    print("\nwins (lowest median sup error) by configuration: " + ", ".join(f"{k} {v}" for k, v in wins.items()))
    print("wins by (configuration, seed): " + ", ".join(f"{k} {v}" for k, v in seed_wins.items()))


if __name__ == "__main__":
    main()
