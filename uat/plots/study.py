"""Study figures: sup-norm error against width, and k*(ε) against ε."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from uat.network import ShallowNetwork
from uat.plots._style import _MARKERS, _colours
from uat.fitting import uses_activation
from uat.study.analysis import BOUND

__all__ = ["SLOPES", "draw_reference_slopes", "draw_error_vs_width", "draw_k_star", "StudyFigure", "study_figures"]


#: Reference slopes drawn by default on error-against-width charts: k^-1/2 (Monte Carlo / Barron),
#: k^-1 and k^-2 (piecewise-linear interpolation of a C² function).
SLOPES = (0.5, 1.0, 2.0)


def _slope_label(s: float) -> str:
    text = {0.5: "1/2", 1.5: "3/2"}.get(s, f"{s:g}")
    return f"k$^{{-{text}}}$"


def draw_reference_slopes(ax, widths, anchor: float, slopes=SLOPES):
    """Grey dashed lines anchor·(k/k₀)^-s over ``widths`` (k₀ the smallest), labelled at their right end;
    the y-limits the data set are kept (a steep reference line leaves the panel rather than squash it)."""
    widths = np.asarray(sorted(set(widths)), float)
    if len(widths) < 2 or not np.isfinite(anchor) or anchor <= 0 or not slopes:
        return ax
    ylim = ax.get_ylim()
    k = np.geomspace(widths[0], widths[-1], 50)
    for s in slopes:
        y = anchor * (k / k[0]) ** -float(s)
        ax.plot(k, y, "--", color="0.55", lw=0.8, zorder=1.5, label="_reference")
        visible = np.nonzero((y >= ylim[0]) & (y <= ylim[1]))[0]
        if len(visible):
            i = visible[-1]
            ax.annotate(_slope_label(s), (k[i], y[i]), xytext=(2, 0), textcoords="offset points",
                        fontsize="x-small", color="0.4", va="center", annotation_clip=True)
    ax.set_ylim(ylim)
    return ax


def _title_with_notes(ax, title: str, notes: list[str]) -> None:
    """The panel title, with notes (failed cells, a single width) on lines beneath it: above the
    data, where they can hide nothing."""
    ax.set_title("\n".join([title, *notes]) if title else "\n".join(notes), fontsize="medium")


def draw_error_vs_width(ax, summary, colours: dict, title: str = "", *, by: str = "activation",
                        slopes=SLOPES, floor: bool = True, floors: dict | None = None, labels: dict | None = None):
    """Median sup error against width (log-log), one line per value of ``by`` (default: activation)
    with its interquartile band; the median float64 rounding floor of each line dotted in its colour.

    ``slopes``: reference slopes k^-s in grey, anchored at the highest median of the smallest width
    (``()`` for none). ``floors``: label → value of wide pale horizontal lines to draw in the line's
    colour (the best-polynomial error E_p of the polynomial counterexample, for instance). Failed cells are
    marked × on the bottom edge at their width; a panel with one width or no results says so.
    ``labels`` renames lines in the legend (value of ``by`` → text).
    """
    widths, starts, failed_total, certified, bounds = [], [], 0, False, False
    for i, (label, whole) in enumerate(summary.groupby(by, sort=False)):
        colour, marker = colours[label], _MARKERS[i % len(_MARKERS)]
        curve = whole.dropna(subset=["sup_median"]).sort_values("width")
        is_bound = "method" in whole and whole["method"].astype(str).str.endswith(BOUND).all()
        if len(curve) and is_bound:  # an a-priori bound, not a measurement: dashed, open markers, no band
            ax.plot(curve["width"], curve["sup_median"], "--", marker=marker, color=colour, ms=3.5, lw=1.1,
                    mfc="white", label=(labels or {}).get(label, label))
            widths += curve["width"].tolist()
            bounds = True
        elif len(curve):
            ax.plot(curve["width"], curve["sup_median"], "-", marker=marker, color=colour, ms=3.5, lw=1.4,
                    label=(labels or {}).get(label, label))
            ax.fill_between(curve["width"], curve["sup_q25"], curve["sup_q75"], color=colour, alpha=0.18, lw=0)
            if floor:
                ax.plot(curve["width"], curve["floor_median"], ":", color=colour, lw=0.9, label="_floor")
            proved = curve.iloc[:0]
            if "upper_median" in curve:
                proved = curve[curve["upper_median"] <= BAR_LIMIT * curve["sup_median"]]
            if len(proved):  # certified brackets: a bar from the measured median up to the proved bound
                gap = np.maximum(proved["upper_median"].to_numpy(float) - proved["sup_median"].to_numpy(float), 0)
                ax.errorbar(proved["width"], proved["sup_median"], yerr=[np.zeros(len(gap)), gap], fmt="none",
                            ecolor=colour, elinewidth=0.9, capsize=2.5, label="_bracket")
                certified = True
            widths += curve["width"].tolist()
            starts.append((curve["width"].iloc[0], curve["sup_median"].iloc[0]))
        failed = whole[whole["n_failed"] > 0] if "n_failed" in whole else whole.iloc[:0]
        if len(failed):
            failed_total += int(failed["n_failed"].sum())
            ax.plot(failed["width"], np.zeros(len(failed)), "x", color=colour, ms=6, mew=1.5, clip_on=False,
                    transform=ax.get_xaxis_transform(), label="_failed")
    if widths:  # what the line styles mean, once per panel (the figure legend collects them once)
        ax.fill_between([], [], [], color="0.5", alpha=0.25, lw=0, label="interquartile range")
        if floor:
            ax.plot([], [], ":", color="0.3", lw=0.9, label="rounding floor (float64)")
        if certified:
            ax.errorbar([], [], yerr=[[], []], fmt="none", ecolor="0.3", elinewidth=0.9, capsize=2.5,
                        label="certified upper bound (bar)")
        if bounds:
            ax.plot([], [], "--", color="0.3", lw=1.1, label="a-priori bound")
        if slopes and len(set(widths)) > 1:
            ax.plot([], [], "--", color="0.55", lw=0.8, label="reference slopes")
    for label, value in (floors or {}).items():
        if np.isfinite(value) and value > 0:
            ax.axhline(value, color=colours.get(label, "0.3"), lw=6, alpha=0.22, zorder=1, label="_E_p")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    notes = []
    if not widths:
        notes.append("no successful cells")
        ax.set_ylim(1e-3, 1.0)  # an empty log axis needs limits of its own
    elif len(set(widths)) == 1:
        notes.append(f"one width swept (k = {widths[0]}): no trend to read")
    else:
        ax.relim()
        ax.autoscale_view()
        if starts:
            first = min(w for w, _ in starts)  # anchor at the highest median of the smallest width
            draw_reference_slopes(ax, widths, max(e for w, e in starts if w == first), slopes)
    if failed_total:
        notes.append(f"× {failed_total} failed cell{'s' * (failed_total > 1)} (at their width)")
    ax.set_xlabel("width k (hidden units)")
    ax.set_ylabel("sup-norm error (median over replicates)")
    _title_with_notes(ax, title, notes)
    ax.grid(True, which="major", alpha=0.3)
    return ax


def draw_k_star(ax, stars, colours: dict, title: str = "", *, by: str = "activation", widths=None,
                n_failed: int = 0, labels: dict | None = None):
    """k*(ε) against ε (log-log, ε decreasing to the right), one line per activation (or per value
    of ``by``), the y-axis spanning ``widths`` (the swept widths) when given; tolerances no
    swept width reaches are drawn as open triangles above the largest width, marked "not reached".

    Entries that rest on failed cells (``failed_below``: a failed width at or below k* might have
    reached ε) carry a "?"; a line with no successful cell draws nothing. ``n_failed``, the failed
    cells of the panel, is said under the title.

    k* takes few values, so activations often coincide: each gets its own marker and a small
    horizontal offset, at most a third of the gap between neighbouring tolerances, so that no
    line hides another and no tolerance crosses its neighbour.
    """
    top = float(stars["max_width"].dropna().max()) if stars["max_width"].notna().any() else 1.0
    if widths is not None and len(widths):  # the swept range, so that panels of one study share a y-axis
        top = max(top, float(max(widths)))
    activations = list(dict.fromkeys(stars[by]))
    epsilons = np.log10(np.unique(stars["epsilon"].to_numpy(float)))
    gap = float(np.min(np.diff(epsilons))) if len(epsilons) > 1 else 1.0
    step = min(0.05, gap / 3 / max(1, len(activations) - 1))
    measured = stars[stars["max_width"].notna()]
    for i, activation in enumerate(activations):
        rows = measured[measured[by] == activation]
        colour, dodge = colours[activation], 10 ** (step * (i - (len(activations) - 1) / 2))
        reached = rows[rows["reached"]]
        bound = "method" in rows and len(rows) and rows["method"].astype(str).str.endswith(BOUND).all()
        ax.plot(reached["epsilon"] * dodge, reached["k_star"].astype(float), "--" if bound else "-",
                marker=_MARKERS[i % len(_MARKERS)], color=colour, ms=4.5, lw=1.1 if bound else 1.3,
                mfc="white" if bound else colour, label=(labels or {}).get(activation, activation))
        missed = rows[~rows["reached"]]
        if len(missed):
            ax.plot(missed["epsilon"] * dodge, [top * 1.6] * len(missed), "^", mfc="none", mec=colour, ms=7, mew=1.4,
                    label="_not reached")
        for _, entry in rows[rows["failed_below"] > 0].iterrows():
            y = float(entry["k_star"]) if entry["reached"] else top * 1.6
            ax.annotate("?", (entry["epsilon"] * dodge, y), xytext=(4, 2), textcoords="offset points",
                        fontsize="small", color=colour, fontweight="bold")
    if (~measured["reached"]).any():
        ax.axhline(top * 1.25, color="0.6", lw=0.8, ls="--")
        ax.text(0.02, top * 1.2, "▵ above the line: not reached", transform=ax.get_yaxis_transform(), va="top",
                fontsize="small", color="0.35")
    ax.set_xscale("log")
    ax.set_yscale("log", base=2)
    candidates = list(measured.loc[measured["reached"], "k_star"].astype(float))
    if widths is not None and len(widths):
        candidates.append(float(min(widths)))
    ax.set_ylim(min(candidates, default=top) / 1.4, top * 2.2)
    ax.invert_xaxis()
    ax.set_xlabel("tolerance ε (sup-norm)")
    ax.set_ylabel("k*(ε): smallest width reaching ε")
    notes = []
    if measured.empty:
        notes.append("no successful cells")
    if n_failed:
        notes.append(f"{n_failed} failed cell{'s' * (n_failed > 1)}; ?: k* may be smaller")
    _title_with_notes(ax, title, notes)
    ax.grid(True, which="major", alpha=0.3)
    return ax


def _panels(keys, draw, title: str, legend_title: str, columns: int = 3) -> Figure:
    """One panel per key in a grid of up to ``columns``; one legend beside the grid."""
    columns = max(1, min(columns, len(keys)))
    rows = -(-len(keys) // columns)
    fig = Figure(figsize=(4.6 * columns + 1.4, 3.6 * rows + 0.5), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False).ravel())
    for ax, key in zip(axes, keys):
        draw(ax, key)
    for ax in axes[len(keys):]:
        ax.set_visible(False)
    seen = {}
    for ax in axes[:len(keys)]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            seen.setdefault(label, handle)
    if seen:
        fig.legend(list(seen.values()), list(seen), loc="outside right center", title=legend_title, frameon=False)
    fig.suptitle(title)
    return fig


@dataclass(frozen=True)
class StudyFigure:
    """One figure written by :func:`study_figures`: its stable name, a caption, the files written."""

    name: str
    title: str
    caption: str
    paths: tuple[str, ...]


#: Longest slug kept as it is; a longer one is cut there and told apart by a hash of the whole name
#: (a 1,600-character expression made file names past the usual 255-byte limit).
SLUG_MAX = 60


def _slug(text: str) -> str:
    """A file-name-safe rendering of a target or activation name ('sin(2*pi*x)' → 'sin-2-pi-x'): at most
    ``SLUG_MAX`` characters as they are, else the first ``SLUG_MAX`` and 8 hex digits of the name's SHA-1."""
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", str(text)).strip("-.") or "target"
    if len(slug) <= SLUG_MAX:
        return slug
    return f"{slug[:SLUG_MAX]}-{hashlib.sha1(str(text).encode()).hexdigest()[:8]}"


#: Certified upper bounds are drawn as bars where they are within this factor of the measured error
#: (wider brackets, of ill-conditioned networks, would only hide the data).
BAR_LIMIT = 10.0


def _layout(summary) -> tuple[str, list[str]]:
    """Which column gets one line per value, and which columns get one panel per combination.

    Lines are activations, panels (target, method). A study of one activation and several methods
    draws one line per method instead, in one panel per target; so does a study whose every method
    is crossed with one activation of its own (peers: random_fourier on cos, the others on tanh)."""
    methods = summary["method"].nunique()
    if methods > 1 and (summary.groupby("method")["activation"].nunique() == 1).all():
        return "method", ["target"] if summary["activation"].nunique() > 1 else ["target", "activation"]
    pairs = summary.groupby("method", sort=False)["activation"].agg(frozenset)
    if methods > 1 and pairs.nunique() > 1:  # methods crossed with activations of their own: one line per pair
        return "line", ["target"]
    return "activation", ["target", "method"]


def _word(by: str) -> str:
    return "method and activation (dashed: a method's a-priori bound)" if by == "line" else by


def _line_labels(summary) -> list[str]:
    """One label per (method, activation) pair: "lstsq (tanh)"; the polynomial baselines, which use no σ,
    by method alone; an a-priori bound as "relu_interp (relu): a-priori bound"."""
    labels = []
    for method, activation in zip(summary["method"], summary["activation"]):
        base = method[: -len(BOUND)] if method.endswith(BOUND) else method
        text = base if not uses_activation(base) else f"{base} ({activation})"
        labels.append(text + (": a-priori bound" if method.endswith(BOUND) else ""))
    return labels


def _select(frame, key: dict):
    mask = np.ones(len(frame), dtype=bool)
    for column, value in key.items():
        mask &= (frame[column] == value).to_numpy()
    return frame[mask]


def _panel_title(key: dict, panels: list[str], varying: set) -> str:
    if len(panels) == 1:
        return str(key[panels[0]])
    first, second = (key[c] for c in panels)
    return f"{first} ({second})" if panels[1] in varying or panels[1] == "method" else str(first)


class _Study:
    """What the study figures need from a study folder, read once."""

    def __init__(self, folder):
        import json

        from uat.study.analysis import k_star, summarize
        from uat.study.config import StudyConfig
        from uat.study.store import StudyStore, load_results

        self.folder = Path(folder)
        meta = StudyStore(folder).meta()
        self.config = StudyConfig.from_resolved(json.loads(meta["config"]))
        self.frame = load_results(folder)
        self.summary = summarize(self.frame)
        if self.summary["sup_median"].notna().sum() == 0:
            raise ValueError(f"the study in {folder} has no successful cells yet: nothing to plot")
        self.stars = k_star(self.summary, self.config.tolerances)
        self.by, self.panels = _layout(self.summary)
        if self.by == "line":
            self.summary["line"] = _line_labels(self.summary)
            self.stars["line"] = _line_labels(self.stars)
            self.frame["line"] = _line_labels(self.frame)
        self.colours = _colours([n for n in self.summary[self.by].unique() if not str(n).endswith(": a-priori bound")])
        for name in self.summary[self.by].unique():  # a bound is drawn in the colour of its method's line
            base = str(name).removesuffix(": a-priori bound")
            self.colours.setdefault(name, self.colours.get(base, "0.3"))
        panels = self.panels if len(self.panels) > 1 else self.panels[0]
        groups = self.summary.groupby(panels, sort=False).groups  # keys: tuples, or scalars for one column
        self.keys = [dict(zip(self.panels, k if isinstance(k, tuple) else (k,))) for k in groups]
        # lines of methods that each run one activation of their own say which: "random_fourier (cos)"
        pairs = self.summary.groupby("method", sort=False)["activation"].unique()
        own = self.by == "method" and self.panels == ["target"]
        self.labels = {m: f"{m} ({a[0]})" for m, a in pairs.items()} if own else {}
        self.varying = {c for c in ("target", "activation", "method") if self.summary[c].nunique() > 1}
        self.replicates = int(self.frame["replicate"].max()) + 1
        self._targets = {}

    def title(self, key: dict) -> str:
        return _panel_title(key, self.panels, self.varying)

    def target(self, name: str):
        from uat.targets import as_target

        if name not in self._targets:
            self._targets[name] = as_target(name, self.config.domain_for(name))
        return self._targets[name]

    def ok(self):
        return self.frame[self.frame["status"] == "ok"]


def _sup_method_note(frame) -> str:
    from uat.study.describe import sup_method_summary

    return sup_method_summary(frame[frame["status"] == "ok"])


def _errors_figure(study: _Study):
    def draw(ax, key):
        draw_error_vs_width(ax, _select(study.summary, key), study.colours, study.title(key), by=study.by,
                            labels=study.labels)

    fig = _panels(study.keys, draw, "Sup-norm error against width", "method (σ)" if study.by == "line" else study.by)
    pairs = study.summary.groupby("method", sort=False)["activation"].unique()
    own = ("; each method with its activation: " + ", ".join(f"{m} ({', '.join(a)})" for m, a in pairs.items())
           if study.panels == ["target"] else "")
    caption = (f"Median sup-norm error over {study.replicates} replicate(s) against width k, one line per {_word(study.by)}{own}, "
               "interquartile band shaded, float64 rounding floor of each line dotted; grey dashed: reference "
               "slopes k^-1/2, k^-1, k^-2. Bars: the median certified upper bound of the sup (branch and bound), "
               f"drawn where it is within {BAR_LIMIT:g}× of the median error{_certified_note(study)}. × on the bottom edge: failed cells. Sup norms estimated by "
               f"{_sup_method_note(study.frame)}.")
    return fig, caption


def _certified_note(study: _Study) -> str:
    ok = study.frame[study.frame["status"] == "ok"]
    upper = pd.to_numeric(ok["sup_upper"], errors="coerce")
    if upper.notna().sum() == 0:
        return " (no cell of this study could be certified: the facts for it are missing)"
    within = int((upper <= BAR_LIMIT * ok["sup_error"]).sum())
    from uat.study.describe import certify_summary

    return (f" ({upper.notna().sum()} of {len(ok)} cells bracketed, {within} within {BAR_LIMIT:g}×; "
            f"{certify_summary(study.config.resolved())})")


def _k_star_figure(study: _Study):
    def draw(ax, key):
        draw_k_star(ax, _select(study.stars, key), study.colours, study.title(key), by=study.by,
                    widths=study.config.widths, n_failed=int(_select(study.summary, key)["n_failed"].sum()),
                    labels=study.labels)

    fig = _panels(study.keys, draw, "k*(ε): the smallest width whose median sup error is ≤ ε",
                  "method (σ)" if study.by == "line" else study.by)
    caption = (f"k*(ε) against the tolerance ε, one line per {_word(study.by)}; open triangles above the dashed line: "
               "tolerances that no swept width reaches (up to the largest width swept). Lines of equal k* are "
               "offset slightly so that none hides another.")
    return fig, caption


def _polynomial_figure(study: _Study):
    """Polynomial activations flattening at the best-polynomial error E_p(f), beside the others."""
    from uat.activations import get_activation
    from uat.fitting.polynomial import best_polynomial

    degrees = {a: get_activation(a).degree for a in study.summary["activation"].unique()
               if get_activation(a).polynomial}
    if not degrees or study.by != "activation" or len(degrees) == study.summary["activation"].nunique():
        return None
    floors, notes = {}, []
    for name in study.summary["target"].unique():
        target = study.target(name)
        for degree in sorted(set(degrees.values())):
            try:
                floors[name, degree] = best_polynomial(target, degree)
            except ValueError as err:  # e.g. a vector-valued or 3-D target
                notes.append(f"{name}: {err}")
                break

    def draw(ax, key):
        lines = {a: floors[key["target"], p].value for a, p in degrees.items() if (key["target"], p) in floors}
        draw_error_vs_width(ax, _select(study.summary, key), study.colours, study.title(key), by="activation",
                            slopes=(), floor=False, floors=lines)
        if lines:  # equal floors (E₂ = E₃ for an even f) share one entry
            same: dict[str, list[str]] = {}
            for a, value in lines.items():
                same.setdefault(f"{value:.3g}", []).append(a)
            text = "\n".join(" = ".join(f"E$_{degrees[a]}$" for a in names) + f" = {value}  ({', '.join(names)})"
                             for value, names in same.items())
            ax.text(0.02, 0.02, "best polynomial error (pale bands):\n" + text, transform=ax.transAxes,
                    fontsize="x-small", va="bottom", ha="left", color="0.2",
                    bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "0.8", "alpha": 0.9})

    fig = _panels(study.keys, draw, "The polynomial counterexample: σ a polynomial of degree p flattens at "
                  "E$_p$(f)", "activation", columns=2 if len(study.keys) == 4 else 3)
    brackets = "; ".join(f"E_{p}({t}) in [{b.lower:.4g}, {b.value:.4g}]" for (t, p), b in floors.items())
    caption = ("With σ(z) = z^p every network is a polynomial of degree ≤ p however wide, so its sup error "
               "cannot fall below E_p(f), the error of the best uniform polynomial approximation of degree p "
               "(pale band in the activation's colour), while non-polynomial activations keep falling. "
               f"E_p computed by linear programming with exchange, bracketed as [LP value on the final point "
               f"set, estimated sup error of its polynomial]: {brackets or 'none'}."
               + (" Not drawn: " + "; ".join(notes) + "." if notes else ""))
    return fig, caption


def _median_row(rows):
    """The replicate whose sup error is the median of its width (the upper of the two middle ones for an
    even count, so with two replicates the worse): a typical fit, never the luckiest."""
    rows = rows.sort_values(["sup_error", "replicate"])
    return rows.iloc[len(rows) // 2]


def _closeup_figures(study: _Study):
    """Per panel key, the line with the smallest median sup error at its widest width: its median replicate."""
    from uat.plots.fits import fit_closeup
    from uat.study.store import load_networks
    from uat.supnorm import SupEstimate

    ok = study.ok()
    chosen = []
    for key in study.keys:
        rows = _select(ok, key)
        if rows.empty or study.target(key["target"]).dim > 2:
            continue
        widest = rows[rows["width"] == rows["width"].max()]
        best = widest.groupby(study.by)["sup_error"].median().idxmin()
        chosen.append(_median_row(widest[widest[study.by] == best]))
    networks = load_networks(study.folder, [row["cell_id"] for row in chosen])
    for row in chosen:
        network = networks[row["cell_id"]]
        if network is None:
            continue
        estimate = SupEstimate(value=float(row["sup_error"]), argmax=np.asarray(row["sup_argmax"], float),
                               lower=float(row["sup_error"]), upper=None, n_evals=int(row["sup_n_evals"]),
                               method=str(row["sup_method"]), initial=float(row["sup_initial"]),
                               floor=float(row["rounding_floor"]))
        target = study.target(row["target"])
        title = f"{row['target']}: {row['activation']}, width {row['width']}, {row['method']}, replicate {row['replicate']}"
        fig = fit_closeup(target, network, estimate, title=title)
        name = f"fit-{_slug(row['target'])}-{_slug(row['activation'])}-{_slug(row['method'])}-k{row['width']}"
        which = "the only replicate" if study.replicates == 1 else (
            f"the median of its {study.replicates} replicates" if study.replicates % 2 else
            f"the upper median of its {study.replicates} replicates")
        caption = (f"A fit up close: {title} ({which}; the best {study.by} at the widest width). The network drawn is the one the study stored and measured; the marked "
                   f"sup point is the stored estimate ({row['sup_method']}).")
        yield name, fig, caption


def _unit_figures(study: _Study):
    """1-D targets: where the hidden units' transitions −b/a sit, per (activation, method), replicate 0.

    Random-feature methods draw A and b without looking at the target, so when every method of the
    study is one of them, one figure (the first 1-D target) shows the draw scheme for all."""
    from uat.fitting.base import get_method
    from uat.plots.units import unit_positions
    from uat.study.store import load_networks

    ok = study.ok()
    trained = any(not get_method(m).draws_hidden for m in study.frame["method"].unique())
    shown = 0
    for name in study.summary["target"].unique():
        if shown and not trained:
            break
        target = study.target(name)
        rows = ok[(ok["target"] == name) & (ok["replicate"] == 0)]
        if target.dim != 1 or rows.empty:
            continue
        widths = sorted(rows["width"].unique())
        width = max([w for w in widths if w <= 64] or widths[:1])
        rows = rows[rows["width"] == width]
        networks = load_networks(study.folder, rows["cell_id"])
        series = {f"{r['activation']}, {r['method']}": networks[r["cell_id"]] for _, r in rows.iterrows()
                  if isinstance(networks[r["cell_id"]], ShallowNetwork)}  # polynomials have no units
        if not series:
            continue
        fig = unit_positions(target, series, title=f"Where the {width} units sit: {name}")
        caption = (f"The transition points −b/a of the {width} hidden units (replicate 0) against their steepness |a|, "
                   f"over K, for {name}; units whose transition lies outside K are drawn at the edge.")
        shown += 1
        yield f"units-{_slug(name)}-k{width}", fig, caption


def _training_figures(study: _Study):
    """Cells with a training history: per target, one line per (activation, method) at the widest width."""
    from types import SimpleNamespace

    from uat.plots.training import training_curves
    from uat.study.store import load_histories

    ok = study.ok()
    for name in study.summary["target"].unique():
        rows = ok[(ok["target"] == name) & (ok["replicate"] == 0)]
        if rows.empty:
            continue
        histories = load_histories(study.folder, rows["cell_id"])
        rows = rows[[histories[c] is not None for c in rows["cell_id"]]]
        if rows.empty:
            continue
        rows = rows[rows["width"] == rows["width"].max()]
        results = {f"{r['activation']}, {r['method']}": SimpleNamespace(history=histories[r["cell_id"]],
                                                                     train_rms=r["train_rms"], method=r["method"])
                   for _, r in rows.iterrows()}
        width = int(rows["width"].iloc[0])
        fig = training_curves(results, title=f"Training curves: {name}, width {width}, replicate 0")
        sups = "; ".join(f"{label}: {r['sup_error']:.3g}" for label, (_, r) in zip(results, rows.iterrows()))
        caption = (f"Training RMS error against update and against time for {name} at width {width} (replicate 0); "
                   "open markers: sup-norm checkpoints where recorded; star: the training RMS of the network "
                   f"returned. The sup error of the returned network, for comparison: {sups}.")
        yield f"training-{_slug(name)}-k{width}", fig, caption


def study_figures(folder, formats=("png",), out=None) -> list[StudyFigure]:
    """Write every figure that applies to the study in ``folder`` into ``out`` (default
    ``folder/figures``), each in every format asked for; return what was written.

    Always: ``error-vs-width`` and ``k-star``. Where they apply: ``polynomial-counterexample``
    (polynomial and other activations side by side, with the best-polynomial floors E_p),
    ``fit-<target>-<activation>-<method>-k<width>`` (1-D and 2-D targets), ``units-<target>-k<width>``
    (1-D targets), ``training-<target>-k<width>`` (cells with a training history) and
    ``activations`` (σ and σ′ of the study's activations). Names are stable: running again
    overwrites the same files.
    """
    from uat.plots._style import parse_formats, save, style
    from uat.plots.gallery import activation_gallery

    formats = parse_formats(formats)
    out = Path(out) if out is not None else Path(folder) / "figures"
    written = []
    with style():
        study = _Study(folder)
        out.mkdir(parents=True, exist_ok=True)

        used = set()

        def emit(name, fig, caption, title=None):
            title = title or fig.get_suptitle() or name
            if name in used:  # two targets whose names slug alike ('x**2', 'x*2'): tell them apart
                name = f"{name}-{hashlib.sha1(title.encode()).hexdigest()[:6]}"
            used.add(name)
            written.append(StudyFigure(name, title, caption, tuple(save(fig, out / name, formats))))

        emit("error-vs-width", *_errors_figure(study))
        emit("k-star", *_k_star_figure(study))
        polynomial = _polynomial_figure(study)
        if polynomial is not None:
            emit("polynomial-counterexample", *polynomial)
        for generator in (_closeup_figures, _unit_figures, _training_figures):
            for name, fig, caption in generator(study):
                emit(name, fig, caption)
        activations = list(study.summary["activation"].unique())
        emit("activations", activation_gallery(activations),
             "σ (solid) and σ′ (dashed) of the study's activations.", "Activations")
    return written
