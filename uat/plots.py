"""Figures. Data is computed by pure functions; drawing helpers take axes and return them.

Nothing here calls ``plt.show`` or ``savefig``: callers decide where figures go. Figures are
made with ``matplotlib.figure.Figure`` directly (no pyplot, no backend switching).
Colours are the Okabe–Ito palette, which stays distinguishable under colour-vision deficiency.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from uat.network import ShallowNetwork, interior_transitions
from uat.supnorm import SupEstimate
from uat.targets import Target

__all__ = ["OKABE_ITO", "fit_closeup_data", "draw_fit_1d", "draw_fit_2d", "fit_closeup", "draw_error_vs_width",
           "draw_k_star", "draw_training_curves", "training_curves", "study_figures"]

#: Okabe–Ito colour-blind-safe palette.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def fit_closeup_data(target: Target, network: ShallowNetwork, n: int | None = None) -> dict:
    """f, g and ‖f − g‖ on a plotting grid over the target's domain (1-D or 2-D).

    Returns a dict with ``X`` (grid points), ``F``, ``G`` ((N, m) values), ``E`` (N,) error norms,
    and for 2-D also ``shape`` (the grid shape) and ``inside`` (mask of points in K).
    """
    domain = target.domain
    if domain.dim == 1:
        lo, hi = domain.lower[0], domain.upper[0]
        kinks = interior_transitions(network.A, network.b, lo, hi)  # so that narrow peaks at kinks are drawn
        X = np.union1d(np.linspace(lo, hi, n or 4001), kinks)[:, None]
        inside = np.ones(X.shape[0], dtype=bool)
        shape = (X.shape[0],)
    elif domain.dim == 2:
        m = n or 301
        lower, upper = domain.bounds
        axes = [np.linspace(lower[i], upper[i], m) for i in range(2)]
        X = np.stack(np.meshgrid(*axes, indexing="xy"), axis=-1).reshape(-1, 2)
        inside = domain.contains(X)
        shape = (m, m)
    else:
        raise ValueError(f"fit close-up figures are drawn for 1-D and 2-D domains; this one has dimension {domain.dim}")
    F = np.full((X.shape[0], network.n_outputs), np.nan)
    G = np.full_like(F, np.nan)
    F[inside], G[inside] = target(X[inside]), network(X[inside])
    return {"X": X, "F": F, "G": G, "E": np.linalg.norm(F - G, axis=1), "shape": shape, "inside": inside}


def draw_fit_1d(ax_fit, ax_err, data: dict, estimate: SupEstimate | None = None, label: str = "g"):
    """Top: f and g (one colour per output). Bottom: ‖f − g‖ on a log scale with the sup point marked."""
    x = data["X"][:, 0]
    for j in range(data["F"].shape[1]):
        suffix = f"$_{j + 1}$" if data["F"].shape[1] > 1 else ""
        colour = OKABE_ITO[(2 * j) % len(OKABE_ITO)]
        ax_fit.plot(x, data["F"][:, j], color=colour, lw=2.2, alpha=0.45, label=f"f{suffix}")
        ax_fit.plot(x, data["G"][:, j], color=colour, lw=1.0, ls="--", label=f"{label}{suffix}")
    ax_fit.set_ylabel("value")
    ax_fit.legend(loc="best", fontsize="small", frameon=False)
    floor = np.finfo(float).tiny
    ax_err.semilogy(x, np.maximum(data["E"], floor), color=OKABE_ITO[3], lw=0.9)
    if estimate is not None:
        ax_err.plot(estimate.argmax[0], estimate.value, "o", color="black", ms=5,
                    label=f"sup ≈ {estimate.value:.3g} at x = {estimate.argmax[0]:.4g}")
        if estimate.floor > 0:
            ax_err.axhline(estimate.floor, color="0.5", lw=0.8, ls=":", label=f"rounding floor ≈ {estimate.floor:.1g}")
        ax_err.legend(loc="best", fontsize="small", frameon=False)
    ax_err.set_xlabel("x")
    ax_err.set_ylabel("‖f − g‖ (log scale)")
    return ax_fit, ax_err


def draw_fit_2d(axes, data: dict, estimate: SupEstimate | None = None, fig: Figure | None = None):
    """Three heat maps: ‖f‖ (f itself when m = 1), ‖g‖ (g), and ‖f − g‖ with the sup point marked."""
    X, shape = data["X"], data["shape"]
    extent = [X[:, 0].min(), X[:, 0].max(), X[:, 1].min(), X[:, 1].max()]
    scalar = data["F"].shape[1] == 1
    panels = [(data["F"][:, 0] if scalar else np.linalg.norm(data["F"], axis=1), "f" if scalar else "‖f‖"),
              (data["G"][:, 0] if scalar else np.linalg.norm(data["G"], axis=1), "g" if scalar else "‖g‖"),
              (np.where(data["inside"], data["E"], np.nan), "‖f − g‖")]
    for ax, (values, title) in zip(axes, panels):
        image = ax.imshow(values.reshape(shape), origin="lower", extent=extent, aspect="equal", cmap="viridis")
        ax.set_title(title)
        ax.set_xlabel("x₁")
        if fig is not None:
            fig.colorbar(image, ax=ax, shrink=0.8)
    axes[0].set_ylabel("x₂")
    if estimate is not None:
        axes[2].plot(*estimate.argmax, marker="o", mfc="none", mec=OKABE_ITO[3], ms=14, mew=2.5, clip_on=False)
        axes[2].set_title(f"‖f − g‖, sup ≈ {estimate.value:.3g} (ringed)")
    return axes


def fit_closeup(target: Target, network: ShallowNetwork, estimate: SupEstimate | None = None,
                fig: Figure | None = None, title: str | None = None) -> Figure:
    """A fit up close: f and g overlaid with ‖f − g‖ beneath (1-D), or heat maps of f, g, ‖f − g‖ (2-D)."""
    data = fit_closeup_data(target, network)
    if fig is None:
        fig = Figure(figsize=(7, 5.5) if target.domain.dim == 1 else (13, 4), layout="constrained")
    if target.domain.dim == 1:
        ax_fit, ax_err = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
        draw_fit_1d(ax_fit, ax_err, data, estimate)
    else:
        draw_fit_2d(fig.subplots(1, 3), data, estimate, fig)
    if title:
        fig.suptitle(title)
    return fig


# --- study figures ------------------------------------------------------------------------------------

def _colours(names) -> dict:
    return {name: OKABE_ITO[i % len(OKABE_ITO)] for i, name in enumerate(names)}


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


_MARKERS = ["o", "s", "D", "v", "P", "X", "<", ">"]


def _history(label, result) -> dict:
    history = getattr(result, "history", None)
    if not history:
        method = getattr(result, "method", type(result).__name__)
        raise ValueError(f"results[{label!r}] has no training history (method {method!r}); training curves need "
                         "an iterative method, e.g. method='backprop'")
    return history


def draw_training_curves(ax, results: dict, x: str = "iteration", title: str = "", legend: bool = True):
    """Training curves: the training RMS error √L against ``x`` ('iteration' or 'seconds'), one line
    per entry of ``results`` (label → FitResult with a history, e.g. one per optimizer), the
    sup-norm checkpoints (``checkpoint_every``) as open markers in the same colour, and a star at the
    end for the training RMS of the network returned (which can lie below the curve: variable
    projection ends with a plain least-squares C). Log error scale; seconds on a log scale too (they
    span decades)."""
    if x not in ("iteration", "seconds"):
        raise ValueError(f"x must be 'iteration' or 'seconds'; got {x!r}")
    colours = _colours(list(results))
    for i, (label, result) in enumerate(results.items()):
        h = _history(label, result)
        ax.plot(h[x], np.sqrt(h["loss"]), "-", color=colours[label], lw=1.3, label=f"{label}: training RMS")
        final = getattr(result, "train_rms", None)
        if final is not None:  # the returned network (best iterate; varpro's final least squares; refinement)
            ax.plot([h[x][-1]], [final], linestyle="none", marker="*", ms=9, color=colours[label],
                    label=f"{label}: returned network")
        if "checkpoint_sup_error" in h:
            ax.plot(h[f"checkpoint_{x}"], h["checkpoint_sup_error"], linestyle="none", marker=_MARKERS[i % len(_MARKERS)],
                    ms=4, color=colours[label], mfc="none", label=f"{label}: sup error")
    if x == "seconds":
        ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("iteration (update)" if x == "iteration" else "training time (s, checkpoints excluded)")
    ax.set_ylabel("error")
    ax.set_title(title, fontsize="medium")
    ax.grid(True, which="major", alpha=0.3)
    if legend:
        ax.legend(fontsize="small")
    return ax


def training_curves(results: dict, title: str = "Training curves") -> Figure:
    """Two panels, against iteration and against time, of :func:`draw_training_curves`."""
    fig = Figure(figsize=(12.5, 4.4), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    draw_training_curves(left, results, "iteration", legend=False)
    draw_training_curves(right, results, "seconds", legend=False)
    right.set_ylabel("")
    fig.legend(*left.get_legend_handles_labels(), loc="outside right upper", fontsize="small")
    fig.suptitle(title)
    return fig


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
