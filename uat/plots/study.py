"""Study charts: sup-norm error against width and against parameter count, and k*(ε) against ε, drawn on
axes given.

These functions know curves (tidy frames of :func:`uat.study.analysis.summarize` and
:func:`~uat.study.analysis.k_star`, whose ``curve`` column says which are a-priori bounds), not study
folders: :mod:`uat.study.figures` gathers a folder's data and lays the panels out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.figure import Figure

from uat.plots._style import MARKERS

__all__ = ["SLOPES", "BAR_LIMIT", "draw_reference_slopes", "draw_error_vs_width", "draw_k_star",
           "draw_best_polynomial_note", "panel_grid", "draw_error_vs_parameters", "draw_depth_separation",
           "LINESTYLES", "shallow_relu_parameters"]


#: Reference slopes drawn by default on error-against-width charts: k^-1/2 (Monte Carlo / Barron),
#: k^-1 and k^-2 (piecewise-linear interpolation of a C² function).
SLOPES = (0.5, 1.0, 2.0)

#: Certified upper bounds are drawn as bars where they are within this factor of the measured error
#: (wider brackets, of ill-conditioned networks, would only hide the data).
BAR_LIMIT = 10.0


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


def _is_a_priori(rows) -> bool:
    """Whether ``rows`` (one line's) chart an a-priori bound rather than a measurement."""
    return bool("curve" in rows and len(rows) and (rows["curve"] == "a_priori").all())


@dataclass
class _Panel:
    """What the lines of an error-against-width panel drew, for its legend and its notes."""

    widths: list = field(default_factory=list)
    starts: list = field(default_factory=list)  # (smallest width, its median) of each measured line
    failed: int = 0
    certified: bool = False
    bounds: bool = False


def draw_error_vs_width(ax, summary, colours: dict, title: str = "", *, by: str = "activation",
                        slopes=SLOPES, floor: bool = True, floors: dict | None = None, labels: dict | None = None):
    """Median sup error against width (log-log), one line per value of ``by`` (default: activation)
    with its interquartile band; the median float64 rounding floor of each line dotted in its colour.

    ``slopes``: reference slopes k^-s in grey, anchored at the highest median of the smallest width
    (``()`` for none). ``floors``: label → value of wide pale horizontal lines to draw in the line's
    colour (the best-polynomial error E_p of the polynomial counterexample, for instance). Failed cells are
    marked × on the bottom edge at their width; a panel with one width or no results says so.
    ``labels`` renames lines in the legend (value of ``by`` → text). A line whose rows are all of curve
    ``a_priori`` is a bound, not a measurement: dashed, open markers, no band.
    """
    panel = _Panel()
    for i, (label, whole) in enumerate(summary.groupby(by, sort=False)):
        colour, marker = colours[label], MARKERS[i % len(MARKERS)]
        _draw_error_line(ax, whole, colour, marker, (labels or {}).get(label, label), floor, panel)
        panel.failed += _draw_failed(ax, whole, colour)
    if panel.widths:
        _draw_error_legend(ax, panel, floor, slopes)
    for label, value in (floors or {}).items():
        if np.isfinite(value) and value > 0:
            ax.axhline(value, color=colours.get(label, "0.3"), lw=6, alpha=0.22, zorder=1, label="_E_p")
    _finish_error_axes(ax, panel, title, slopes)
    return ax


def _draw_error_line(ax, whole, colour, marker: str, text: str, floor: bool, panel: _Panel) -> None:
    """One line of :func:`draw_error_vs_width`: an a-priori bound dashed, a measured curve with its band."""
    curve = whole.dropna(subset=["sup_median"]).sort_values("width")
    if not len(curve):
        return
    if _is_a_priori(whole):
        ax.plot(curve["width"], curve["sup_median"], "--", marker=marker, color=colour, ms=3.5, lw=1.1,
                mfc="white", label=text)
        panel.bounds = True
    else:
        ax.plot(curve["width"], curve["sup_median"], "-", marker=marker, color=colour, ms=3.5, lw=1.4, label=text)
        ax.fill_between(curve["width"], curve["sup_q25"], curve["sup_q75"], color=colour, alpha=0.18, lw=0)
        if floor:
            ax.plot(curve["width"], curve["floor_median"], ":", color=colour, lw=0.9, label="_floor")
        panel.certified |= _draw_brackets(ax, curve, colour)
        panel.starts.append((curve["width"].iloc[0], curve["sup_median"].iloc[0]))
    panel.widths += curve["width"].tolist()


def _draw_brackets(ax, curve, colour) -> bool:
    """Certified brackets: a bar from the measured median up to the proved bound, where that is within
    :data:`BAR_LIMIT` of it; whether any was drawn."""
    if "upper_median" not in curve:
        return False
    proved = curve[curve["upper_median"] <= BAR_LIMIT * curve["sup_median"]]
    if not len(proved):
        return False
    gap = np.maximum(proved["upper_median"].to_numpy(float) - proved["sup_median"].to_numpy(float), 0)
    ax.errorbar(proved["width"], proved["sup_median"], yerr=[np.zeros(len(gap)), gap], fmt="none",
                ecolor=colour, elinewidth=0.9, capsize=2.5, label="_bracket")
    return True


def _draw_failed(ax, whole, colour) -> int:
    """× on the bottom edge at the widths of failed cells; how many cells failed."""
    failed = whole[whole["n_failed"] > 0] if "n_failed" in whole else whole.iloc[:0]
    if not len(failed):
        return 0
    ax.plot(failed["width"], np.zeros(len(failed)), "x", color=colour, ms=6, mew=1.5, clip_on=False,
            transform=ax.get_xaxis_transform(), label="_failed")
    return int(failed["n_failed"].sum())


def _draw_error_legend(ax, panel: _Panel, floor: bool, slopes) -> None:
    """What the line styles mean, once per panel (the figure legend collects them once)."""
    ax.fill_between([], [], [], color="0.5", alpha=0.25, lw=0, label="interquartile range")
    if floor:
        ax.plot([], [], ":", color="0.3", lw=0.9, label="rounding floor (float64)")
    if panel.certified:
        ax.errorbar([], [], yerr=[[], []], fmt="none", ecolor="0.3", elinewidth=0.9, capsize=2.5,
                    label="certified upper bound (bar)")
    if panel.bounds:
        ax.plot([], [], "--", color="0.3", lw=1.1, label="a-priori bound")
    if slopes and len(set(panel.widths)) > 1:
        ax.plot([], [], "--", color="0.55", lw=0.8, label="reference slopes")


def _finish_error_axes(ax, panel: _Panel, title: str, slopes) -> None:
    """Log scales, limits and reference slopes, the notes under the title, labels and grid."""
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    widths, notes = panel.widths, []
    if not widths:
        notes.append("no successful cells")
        ax.set_ylim(1e-3, 1.0)  # an empty log axis needs limits of its own
    elif len(set(widths)) == 1:
        notes.append(f"one width swept (k = {widths[0]}): no trend to read")
    else:
        ax.relim()
        ax.autoscale_view()
        if panel.starts:
            first = min(w for w, _ in panel.starts)  # anchor at the highest median of the smallest width
            draw_reference_slopes(ax, widths, max(e for w, e in panel.starts if w == first), slopes)
    if panel.failed:
        notes.append(f"× {panel.failed} failed cell{'s' * (panel.failed > 1)} (at their width)")
    ax.set_xlabel("width k (hidden units)")
    ax.set_ylabel("sup-norm error (median over replicates)")
    _title_with_notes(ax, title, notes)
    ax.grid(True, which="major", alpha=0.3)


def draw_k_star(ax, stars, colours: dict, title: str = "", *, by: str = "activation", widths=None,
                n_failed: int = 0, labels: dict | None = None):
    """k*(ε) against ε (log-log, ε decreasing to the right), one line per activation (or per value
    of ``by``), the y-axis spanning ``widths`` (the swept widths) when given; tolerances no
    swept width reaches are drawn as open triangles above the largest width, marked "not reached".

    Entries that rest on failed cells (``failed_below``: a failed width at or below k* might have
    reached ε) carry a "?"; a line with no successful cell draws nothing. ``n_failed``, the failed
    cells of the panel, is said under the title. A line of curve ``a_priori`` is dashed.

    k* takes few values, so activations often coincide: each gets its own marker and a small
    horizontal offset, at most a third of the gap between neighbouring tolerances, so that no
    line hides another and no tolerance crosses its neighbour.
    """
    top = _k_star_top(stars, widths)
    names = list(dict.fromkeys(stars[by]))
    step = _dodge_step(stars, len(names))
    measured = stars[stars["max_width"].notna()]
    for i, name in enumerate(names):
        dodge = 10 ** (step * (i - (len(names) - 1) / 2))
        _draw_k_star_line(ax, measured[measured[by] == name], colours[name], MARKERS[i % len(MARKERS)],
                          (labels or {}).get(name, name), dodge, top)
    _finish_k_star_axes(ax, measured, top, widths)
    notes = []
    if measured.empty:
        notes.append("no successful cells")
    if n_failed:
        notes.append(f"{n_failed} failed cell{'s' * (n_failed > 1)}; ?: k* may be smaller")
    _title_with_notes(ax, title, notes)
    ax.grid(True, which="major", alpha=0.3)
    return ax


def _k_star_top(stars, widths) -> float:
    """The largest width of the chart: the largest measured, or of the swept range when given (so that
    panels of one study share a y-axis)."""
    top = float(stars["max_width"].dropna().max()) if stars["max_width"].notna().any() else 1.0
    if widths is not None and len(widths):
        top = max(top, float(max(widths)))
    return top


def _dodge_step(stars, n_lines: int) -> float:
    """The horizontal offset between neighbouring lines, in decades: at most a third of the gap between
    neighbouring tolerances, shared among the lines, and at most 0.05."""
    epsilons = np.log10(np.unique(stars["epsilon"].to_numpy(float)))
    gap = float(np.min(np.diff(epsilons))) if len(epsilons) > 1 else 1.0
    return min(0.05, gap / 3 / max(1, n_lines - 1))


def _draw_k_star_line(ax, rows, colour, marker: str, text: str, dodge: float, top: float) -> None:
    """One line of :func:`draw_k_star`: the reached tolerances, the missed ones as open triangles above
    ``top``, and a "?" on entries that rest on failed cells."""
    reached = rows[rows["reached"]]
    bound = _is_a_priori(rows)
    ax.plot(reached["epsilon"] * dodge, reached["k_star"].astype(float), "--" if bound else "-",
            marker=marker, color=colour, ms=4.5, lw=1.1 if bound else 1.3,
            mfc="white" if bound else colour, label=text)
    missed = rows[~rows["reached"]]
    if len(missed):
        ax.plot(missed["epsilon"] * dodge, [top * 1.6] * len(missed), "^", mfc="none", mec=colour, ms=7, mew=1.4,
                label="_not reached")
    for _, entry in rows[rows["failed_below"] > 0].iterrows():
        y = float(entry["k_star"]) if entry["reached"] else top * 1.6
        ax.annotate("?", (entry["epsilon"] * dodge, y), xytext=(4, 2), textcoords="offset points",
                    fontsize="small", color=colour, fontweight="bold")


def _finish_k_star_axes(ax, measured, top: float, widths) -> None:
    """The "not reached" line, log scales, y-limits spanning the widths, ε decreasing to the right."""
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


#: Line styles of :func:`draw_error_vs_parameters`, one per (method, σ) in order (the colour is the depth's).
LINESTYLES = ["-", "--", "-.", ":"]


def draw_error_vs_parameters(ax, summary, colours: dict, styles: dict, title: str = ""):
    """Median sup error against the parameter count (log-log), one line per value of the ``line`` column of
    ``summary`` (rows of :func:`uat.study.analysis.summarize` with ``n_params``), with its interquartile band:
    ``colours`` and ``styles`` map each line to its colour and line style. Rows without a parameter count or a
    median are left out; a panel with none says so."""
    drawn = 0
    for i, (label, whole) in enumerate(summary.groupby("line", sort=False)):
        curve = whole.dropna(subset=["sup_median", "n_params"]).sort_values("n_params")
        if not len(curve):
            continue
        colour = colours[label]
        ax.plot(curve["n_params"], curve["sup_median"], styles.get(label, "-"), marker=MARKERS[i % len(MARKERS)],
                color=colour, ms=3.5, lw=1.4, label=label)
        ax.fill_between(curve["n_params"], curve["sup_q25"], curve["sup_q75"], color=colour, alpha=0.14, lw=0)
        drawn += 1
    ax.set_xscale("log")
    ax.set_yscale("log")
    if not drawn:
        ax.set_ylim(1e-3, 1.0)
    ax.set_xlabel("parameters (every weight and bias)")
    ax.set_ylabel("sup-norm error (median over replicates)")
    _title_with_notes(ax, title, [] if drawn else ["no successful cells"])
    ax.grid(True, which="major", alpha=0.3)
    return ax


def shallow_relu_parameters(units: int, dim: int = 1, n_outputs: int = 1) -> int:
    """The parameter count of a one-hidden-layer network of ``units`` units on ℝ^dim → ℝ^n_outputs with an
    output bias: k(n + 1) + m·k + m (the largest such a net can have)."""
    return units * (dim + 1) + n_outputs * units + n_outputs


def draw_depth_separation(ax, s: int, construction: tuple[int, float] | None = None):
    """Telgarsky's depth separation against g_s (:func:`uat.sawtooth`) on [0, 1]: any one-hidden-layer ReLU
    network with k ≤ 2^s − 2 units has sup error ≥ ½ (it must cross ½ at least 2^s times, and it has at most
    k + 1 linear pieces). Drawn as a black line at ½ over the parameter counts of such networks (up to
    :func:`shallow_relu_parameters` (2^s − 2), with an output bias), the errors below it shaded: no such net
    reaches them. ``construction`` = (parameters, measured sup error) of the deep ReLU network that computes
    g_s exactly (:func:`uat.sawtooth`), drawn as a star (on the bottom edge when its error is 0)."""
    units = 2**s - 2
    right = shallow_relu_parameters(units)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    xlim, ylim = (min(x0, right / 4), max(x1, right * 1.5)), (min(y0, 0.5 / 4), max(y1, 0.8))
    ax.plot([xlim[0], right], [0.5, 0.5], "-", color="black", lw=2.2, zorder=3,
            label=f"any 1-hidden-layer ReLU net with k ≤ 2^{s}−2 = {units} units: error ≥ ½")
    ax.plot([right, right], [ylim[0], 0.5], "-", color="black", lw=0.8, zorder=3, label="_separation end")
    ax.fill_between([xlim[0], right], [ylim[0], ylim[0]], [0.5, 0.5], color="0.2", alpha=0.07, lw=0, zorder=0.5,
                    label="_unreachable for shallow ReLU")
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    if construction is not None:
        _draw_construction(ax, s, *construction)
    ax.annotate(f"k ≤ {units} units\n(≤ {right} parameters)", (right, 0.5), xytext=(4, -2),
                textcoords="offset points", fontsize="x-small", va="top", color="0.15")
    return ax


def _draw_construction(ax, s: int, n_params: int, error: float) -> None:
    """The star of :func:`draw_depth_separation`: g_s's deep ReLU network, at its error or on the bottom edge."""
    text = f"uat.sawtooth({s}): {s} hidden layers of 3 ReLU units, error {error:.2g}"
    if error > 0:
        ax.plot([n_params], [error], "*", color="black", ms=11, zorder=4, label=text)
        return
    ax.plot([n_params], [0.0], "*", color="black", ms=11, zorder=4, clip_on=False,
            transform=ax.get_xaxis_transform(), label=text + " (on the bottom edge)")


def draw_best_polynomial_note(ax, floors: dict, degrees: dict):
    """A box in the lower left corner giving the best-polynomial errors drawn as pale bands: ``floors``
    maps an activation to E_p(f), ``degrees`` it to p; equal floors (E₂ = E₃ for an even f) share a line."""
    if not floors:
        return ax
    same: dict[str, list[str]] = {}
    for name, value in floors.items():
        same.setdefault(f"{value:.3g}", []).append(name)
    text = "\n".join(" = ".join(f"E$_{degrees[a]}$" for a in names) + f" = {value}  ({', '.join(names)})"
                     for value, names in same.items())
    ax.text(0.02, 0.02, "best polynomial error (pale bands):\n" + text, transform=ax.transAxes,
            fontsize="x-small", va="bottom", ha="left", color="0.2",
            bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "0.8", "alpha": 0.9})
    return ax


def panel_grid(keys, draw, title: str, legend_title: str, columns: int = 3) -> Figure:
    """A figure of one panel per key, ``draw(ax, key)`` drawing each, in a grid of up to ``columns``; one
    legend beside the grid (each label once, the first handle drawn with it)."""
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


#: Names that moved to :mod:`uat.study.figures` (they read study folders): kept here for one release.
_MOVED = ("StudyFigure", "study_figures", "SLUG_MAX")


def __getattr__(name: str):
    if name in _MOVED:
        import warnings

        from uat.study import figures

        warnings.warn(f"uat.plots.study.{name} moved to uat.study.figures.{name}; the old name will be removed in "
                      "the next release", DeprecationWarning, stacklevel=2)
        return getattr(figures, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
