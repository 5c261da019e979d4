"""Study figures: sup-norm error against width, and k*(ε) against ε."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from uat.plots._style import _MARKERS, _colours

__all__ = ["draw_error_vs_width", "draw_k_star", "study_figures"]


def draw_error_vs_width(ax, summary, colours: dict, title: str = ""):
    """Median sup error against width (log-log), one line per activation with its interquartile band;
    the median rounding floor of each activation dotted in the same colour."""
    for activation, curve in summary.groupby("activation", sort=False):
        curve = curve.dropna(subset=["sup_median"]).sort_values("width")
        if curve.empty:
            continue
        colour = colours[activation]
        ax.plot(curve["width"], curve["sup_median"], "o-", color=colour, ms=3.5, lw=1.4, label=activation)
        ax.fill_between(curve["width"], curve["sup_q25"], curve["sup_q75"], color=colour, alpha=0.18, lw=0)
        ax.plot(curve["width"], curve["floor_median"], ":", color=colour, lw=0.9)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("width k (hidden units)")
    ax.set_ylabel("sup-norm error (median over repeats)")
    ax.set_title(title, fontsize="medium")
    ax.grid(True, which="major", alpha=0.3)
    return ax


def draw_k_star(ax, stars, colours: dict, title: str = ""):
    """k*(ε) against ε (log-log, ε decreasing to the right), one line per activation; tolerances no
    swept width reaches are drawn as open triangles above the largest width, marked "not reached".

    k* takes few values, so activations often coincide: each gets its own marker and a small
    horizontal offset (a few percent of a decade), so that no line hides another.
    """
    top = float(stars["max_width"].dropna().max()) if stars["max_width"].notna().any() else 1.0
    activations = list(dict.fromkeys(stars["activation"]))
    for i, activation in enumerate(activations):
        rows = stars[stars["activation"] == activation]
        colour, dodge = colours[activation], 10 ** (0.05 * (i - (len(activations) - 1) / 2))
        reached = rows[rows["reached"]]
        ax.plot(reached["epsilon"] * dodge, reached["k_star"].astype(float), "-", marker=_MARKERS[i % len(_MARKERS)],
                color=colour, ms=4.5, lw=1.3, label=activation)
        missed = rows[~rows["reached"]]
        if len(missed):
            ax.plot(missed["epsilon"] * dodge, [top * 1.6] * len(missed), "^", mfc="none", mec=colour, ms=7, mew=1.4)
    if (~stars["reached"]).any():
        ax.axhline(top * 1.25, color="0.6", lw=0.8, ls="--")
        ax.text(0.02, top * 1.2, "▵ above the line: not reached", transform=ax.get_yaxis_transform(), va="top",
                fontsize="small", color="0.35")
    ax.set_xscale("log")
    ax.set_yscale("log", base=2)
    ax.invert_xaxis()
    ax.set_xlabel("tolerance ε (sup-norm)")
    ax.set_ylabel("k*(ε): smallest width reaching ε")
    ax.set_title(title, fontsize="medium")
    ax.grid(True, which="major", alpha=0.3)
    return ax


def _panels(keys, draw, title: str) -> Figure:
    columns = min(3, len(keys))
    rows = -(-len(keys) // columns)
    fig = Figure(figsize=(4.6 * columns, 3.8 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False).ravel())
    for ax, key in zip(axes, keys):
        draw(ax, key)
    for ax in axes[len(keys):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", title="activation", frameon=False)
    fig.suptitle(title)
    return fig


def study_figures(frame, tolerances, folder, formats=("png",)) -> list[str]:
    """Write the study's figures (error against width; k*(ε)), one panel per (target, method)."""
    from pathlib import Path

    from uat.study.analysis import k_star, summarize

    summary = summarize(frame)
    if summary["sup_median"].notna().sum() == 0:
        raise ValueError("the study has no successful cells yet: nothing to plot")
    stars = k_star(summary, tolerances)
    colours = _colours(summary["activation"].unique())
    keys = list(summary.groupby(["target", "method"], sort=False).groups)

    def errors(ax, key):
        draw_error_vs_width(ax, summary[(summary["target"] == key[0]) & (summary["method"] == key[1])], colours,
                            f"{key[0]} ({key[1]})")

    def stars_panel(ax, key):
        draw_k_star(ax, stars[(stars["target"] == key[0]) & (stars["method"] == key[1])], colours,
                    f"{key[0]} ({key[1]})")

    Path(folder).mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw, title in (("error-vs-width", errors, "Sup-norm error against width (dotted: rounding floor)"),
                              ("k-star", stars_panel, "k*(ε): the smallest width whose median sup error is <= ε")):
        fig = _panels(keys, draw, title)
        for fmt in formats:
            path = f"{folder}/{name}.{fmt.strip()}"
            fig.savefig(path, dpi=150)
            written.append(path)
    return written
