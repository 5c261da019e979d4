"""A fit up close: f and g overlaid with the error beneath (1-D), heat maps (2-D)."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure

from uat.errornorm import row_norms
from uat.network import ShallowNetwork, search_hints
from uat.plots._style import OKABE_ITO
from uat.supnorm import SupEstimate
from uat.targets import Target

__all__ = ["fit_closeup_data", "draw_fit_1d", "draw_fit_2d", "fit_closeup"]


def fit_closeup_data(target: Target, network: ShallowNetwork, n: int | None = None) -> dict:
    """f, g and ‖f − g‖ on a plotting grid over the target's domain (1-D or 2-D).

    Returns a dict with ``X`` (grid points), ``F``, ``G`` ((N, m) values), ``E`` (N,) error norms,
    and for 2-D also ``shape`` (the grid shape) and ``inside`` (mask of points in K).
    """
    domain = target.domain
    if domain.dim == 1:
        lo, hi = domain.lower[0], domain.upper[0]
        # so that narrow peaks at kinks are drawn (a polynomial baseline has none)
        kinks = search_hints(network, domain).inside(lo, hi)  # a model's kinks (none for a polynomial baseline)
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
    return {"X": X, "F": F, "G": G, "E": row_norms(F - G), "shape": shape, "inside": inside}


def _log_bottom(errors: np.ndarray) -> float:
    """The bottom of a log error axis: the error touches zero where f and g cross, and a log scale
    would follow it to 1e-308; stop a decade below the 1st percentile of the positive errors (and
    no lower than 1e-16 of the largest), so that the crossings show as dips to the axis."""
    positive = errors[np.isfinite(errors) & (errors > 0)]
    if positive.size == 0:
        return np.finfo(float).tiny
    return float(max(np.quantile(positive, 0.01) / 10, positive.max() * 1e-16, np.finfo(float).tiny))


def _legend(ax, **kwargs):
    ax.legend(fontsize="small", frameon=True, framealpha=0.85, edgecolor="none", **kwargs)


def draw_fit_1d(ax_fit, ax_err, data: dict, estimate: SupEstimate | None = None, label: str = "g"):
    """f and g overlaid, with ‖f − g‖ beneath on a log scale and the sup point marked.

    ``ax_fit`` is one axis (every output in it, one colour each) or a sequence with one axis per
    output."""
    x = data["X"][:, 0]
    m = data["F"].shape[1]
    axes = list(ax_fit) if isinstance(ax_fit, (list, tuple, np.ndarray)) else [ax_fit] * m
    if len(axes) != m:
        raise ValueError(f"ax_fit must be one axis or one per output ({m}); got {len(axes)}")
    for j, ax in enumerate(axes):
        suffix = f"$_{j + 1}$" if m > 1 else ""
        colour = OKABE_ITO[(2 * j) % len(OKABE_ITO)] if axes.count(ax) > 1 else OKABE_ITO[0]
        ax.plot(x, data["F"][:, j], color=colour, lw=2.2, alpha=0.45, label=f"f{suffix}")
        ax.plot(x, data["G"][:, j], color=colour, lw=1.0, ls="--", label=f"{label}{suffix}")
    for ax in dict.fromkeys(axes):
        ax.set_ylabel("value")
        _legend(ax, loc="best")
    low = _log_bottom(data["E"])
    ax_err.semilogy(x, np.maximum(data["E"], low), color=OKABE_ITO[3], lw=0.9)
    ax_err.set_ylim(bottom=low)
    if estimate is not None:
        ax_err.plot(estimate.argmax[0], estimate.value, "o", color="black", ms=5,
                    label=f"sup ≈ {estimate.value:.3g} at x = {estimate.argmax[0]:.4g}")
        if estimate.floor > 0:
            ax_err.axhline(estimate.floor, color="0.5", lw=0.8, ls=":", label=f"rounding floor ≈ {estimate.floor:.1g}")
        _legend(ax_err, loc="best")
    ax_err.set_xlabel("x")
    ax_err.set_ylabel("‖f − g‖ (log scale)" if m > 1 else "|f − g| (log scale)")
    return ax_fit, ax_err


def draw_curve(ax, data: dict, estimate: SupEstimate | None = None):
    """A 1-D target with two outputs drawn as the plane curve it is: f(K) and g(K), with the points
    f(x*) and g(x*) at the sup point x* joined."""
    ax.plot(data["F"][:, 0], data["F"][:, 1], color=OKABE_ITO[0], lw=2.2, alpha=0.45, label="f(K)")
    ax.plot(data["G"][:, 0], data["G"][:, 1], color=OKABE_ITO[0], lw=1.0, ls="--", label="g(K)")
    if estimate is not None:
        i = int(np.argmin(np.abs(data["X"][:, 0] - estimate.argmax[0])))
        ax.plot([data["F"][i, 0], data["G"][i, 0]], [data["F"][i, 1], data["G"][i, 1]], "o-", color="black",
                ms=3, lw=0.8, label="f(x*), g(x*)")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("output 1")
    ax.set_ylabel("output 2")
    ax.set_title("the curve itself")
    _legend(ax, loc="best")
    return ax


def draw_fit_2d(axes, data: dict, estimate: SupEstimate | None = None, fig: Figure | None = None):
    """Heat maps: f and g (for m > 1 one pair per output: ``axes`` holds f₁, g₁, f₂, g₂, …) and
    ‖f − g‖ last on a log colour scale, with the sup point ringed. f and g of one output share one
    colour scale."""
    X, shape = data["X"], data["shape"]
    extent = [X[:, 0].min(), X[:, 0].max(), X[:, 1].min(), X[:, 1].max()]
    m = data["F"].shape[1]
    panels = []
    for j in range(m):
        suffix = f"$_{j + 1}$" if m > 1 else ""
        f, g = data["F"][:, j], data["G"][:, j]
        limits = (np.nanmin([np.nanmin(f), np.nanmin(g)]), np.nanmax([np.nanmax(f), np.nanmax(g)]))
        panels += [(f, f"f{suffix}", limits), (g, f"g{suffix}", limits)]
    panels.append((np.where(data["inside"], data["E"], np.nan), "‖f − g‖" if m > 1 else "|f − g|", None))
    if len(axes) != len(panels):
        raise ValueError(f"axes must hold {len(panels)} axes (f and g per output, then the error); got {len(axes)}")
    for ax, (values, title, limits) in zip(axes, panels):
        if limits is None:  # the error spans decades: a log colour scale, stopped where f and g cross
            finite = values[np.isfinite(values)]
            low = _log_bottom(finite)
            norm = LogNorm(vmin=low, vmax=max(float(finite.max()), low * 10)) if finite.size else None
            values = np.where(np.isfinite(values), np.maximum(values, low), np.nan)
        else:
            norm = Normalize(*limits)
        image = ax.imshow(values.reshape(shape), origin="lower", extent=extent, aspect="equal", cmap="viridis",
                          norm=norm)
        ax.set_title(title)
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        if fig is not None:
            fig.colorbar(image, ax=ax, shrink=0.8)
    if estimate is not None:
        axes[-1].plot(*estimate.argmax, marker="o", mfc="none", mec=OKABE_ITO[3], ms=14, mew=2.5, clip_on=False)
        axes[-1].set_title(f"{panels[-1][1]}, sup ≈ {estimate.value:.3g} (ringed)")
    return axes


def fit_closeup(target: Target, network: ShallowNetwork, estimate: SupEstimate | None = None,
                fig: Figure | None = None, title: str | None = None) -> Figure:
    """A fit up close.

    1-D: f and g overlaid (one panel per output when m > 1, and for m = 2 the curve itself beside)
    with ‖f − g‖ beneath on a log scale, the sup point marked. 2-D: heat maps of f and g (per
    output) and of ‖f − g‖ with the sup point ringed.
    """
    data = fit_closeup_data(target, network)
    m = network.n_outputs
    if target.domain.dim == 1:
        if fig is None:
            fig = Figure(figsize=(7 + 4 * (m == 2), 3.3 + 2.2 * m), layout="constrained")
        rows = [[f"f{j}"] + ["curve"] * (m == 2) for j in range(m)] + [["err"] + ["curve"] * (m == 2)]
        axes = fig.subplot_mosaic(rows, height_ratios=[3] * m + [2],
                                  width_ratios=[3, 2] if m == 2 else None)
        for j in range(1, m):
            axes[f"f{j}"].sharex(axes["f0"])
        axes["err"].sharex(axes["f0"])
        draw_fit_1d([axes[f"f{j}"] for j in range(m)], axes["err"], data, estimate)
        if m == 2:
            draw_curve(axes["curve"], data, estimate)
    else:
        if fig is None:
            fig = Figure(figsize=(13, 4) if m == 1 else (9, 3.5 * (m + 1)), layout="constrained")
        if m == 1:
            draw_fit_2d(fig.subplots(1, 3), data, estimate, fig)
        else:  # one row per output (f, g on one colour scale), the error beneath
            mosaic = fig.subplot_mosaic([[f"f{j}", f"g{j}"] for j in range(m)] + [["err", "."]])
            draw_fit_2d([mosaic[f"{c}{j}"] for j in range(m) for c in "fg"] + [mosaic["err"]], data, estimate, fig)
    if title:
        fig.suptitle(title)
    return fig
