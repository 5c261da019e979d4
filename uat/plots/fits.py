"""A fit up close: f and g overlaid with the error beneath (1-D), heat maps (2-D)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from uat.network import ShallowNetwork, interior_transitions
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
