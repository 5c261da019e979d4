"""A fit up close: f and g overlaid with the error beneath (1-D), heat maps masked to K (2-D).

Every figure shows f and g on K only: f is evaluated at points of K and nowhere else (it may be undefined
outside), grid points outside K are masked (left blank), and K's boundary is drawn. A set of lower intrinsic
dimension (a circle, a curve, a point set) has no area to paint: it is drawn as points sampled on it,
coloured by the value.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure

from uat.errornorm import row_norms
from uat.network import ShallowNetwork, search_hints
from uat.plots._style import OKABE_ITO
from uat.supnorm import SupEstimate
from uat.targets import Target

__all__ = ["fit_closeup_data", "draw_fit_1d", "draw_fit_2d", "fit_closeup", "N_SET_POINTS", "BOUNDARY"]

#: Points drawn on a set of lower intrinsic dimension (scrambled Sobol' points of K, seed 0; duplicates, as a
#: finite point set gives, are drawn once).
N_SET_POINTS = 4000

#: The ``gid`` of the artist that draws K's boundary on a heat map (a LineCollection of ``domain.outline()``,
#: or the contour of the in-K mask where the domain has no outline).
BOUNDARY = "boundary"


def fit_closeup_data(target: Target, network: ShallowNetwork, n: int | None = None) -> dict:
    """f, g and ‖f − g‖ at plotting points of the target's domain K (1-D or 2-D).

    Returns a dict with ``X`` (the points), ``F``, ``G`` ((N, m) values, NaN outside K), ``E`` (N,) error
    norms (NaN outside K), ``inside`` (mask of the points in K: f and g are evaluated there only), ``kind``
    and ``shape``: for ``kind="grid"`` a tensor grid over K's bounding box of that shape ((N,) in 1-D, with
    the model's kinks added; (m, m) in 2-D, row-major with x₁ fastest); for ``kind="points"`` (K of lower
    intrinsic dimension, or a 2-D K no grid point falls in) up to ``n`` points sampled on K, shape (N,).
    ``outline`` is ``domain.outline()`` (2-D polylines of K's boundary, or None).
    """
    domain = target.domain
    if domain.dim not in (1, 2):
        raise ValueError(f"fit close-up figures are drawn for 1-D and 2-D domains; this one has dimension {domain.dim}")
    X, shape, kind = _plot_points(domain, network, n)
    inside = domain.contains(X)
    F = np.full((X.shape[0], network.n_outputs), np.nan)
    G = np.full_like(F, np.nan)
    F[inside], G[inside] = target(X[inside]), network(X[inside])
    return {"X": X, "F": F, "G": G, "E": row_norms(F - G), "shape": shape, "inside": inside, "kind": kind,
            "outline": domain.outline() if domain.dim == 2 else None}


def _plot_points(domain, network, n: int | None) -> tuple[np.ndarray, tuple, str]:
    """(X, shape, kind): a grid over K's bounding box for a solid K, points of K for a lower-dimensional one."""
    if domain.intrinsic_dim < domain.dim:
        return _set_points(domain, n)
    lower, upper = domain.bounds
    if domain.dim == 1:
        # the model's kinks, so that narrow peaks at them are drawn (a polynomial baseline has none)
        kinks = search_hints(network, domain).inside(lower[0], upper[0])
        X = np.union1d(np.linspace(lower[0], upper[0], n or 4001), kinks)[:, None]
        return X, (X.shape[0],), "grid"
    m = n or 301
    axes = [np.linspace(lower[i], upper[i], m) for i in range(2)]
    X = np.stack(np.meshgrid(*axes, indexing="xy"), axis=-1).reshape(-1, 2)
    if not domain.contains(X).any():  # K too thin for this grid: draw points of it instead
        return _set_points(domain, n)
    return X, (m, m), "grid"


def _set_points(domain, n: int | None) -> tuple[np.ndarray, tuple, str]:
    """Distinct points sampled on K (sorted, so that 1-D points read left to right)."""
    X = np.unique(domain.sample(n or N_SET_POINTS, "sobol", rng=np.random.default_rng(0)), axis=0)
    return X, (X.shape[0],), "points"


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
    # NaN outside K leaves the gaps of a union of intervals blank; a finite set is drawn as its points
    f_style, g_style = {"lw": 2.2, "alpha": 0.45}, {"lw": 1.0, "ls": "--"}
    e_style = {"lw": 0.9}
    if data.get("kind", "grid") == "points":
        f_style, g_style = {"ls": "none", "marker": "o", "ms": 6, "alpha": 0.45}, {"ls": "none", "marker": "x", "ms": 5}
        e_style = {"ls": "none", "marker": "."}
    axes = list(ax_fit) if isinstance(ax_fit, (list, tuple, np.ndarray)) else [ax_fit] * m
    if len(axes) != m:
        raise ValueError(f"ax_fit must be one axis or one per output ({m}); got {len(axes)}")
    for j, ax in enumerate(axes):
        suffix = f"$_{j + 1}$" if m > 1 else ""
        colour = OKABE_ITO[(2 * j) % len(OKABE_ITO)] if axes.count(ax) > 1 else OKABE_ITO[0]
        ax.plot(x, data["F"][:, j], color=colour, label=f"f{suffix}", **f_style)
        ax.plot(x, data["G"][:, j], color=colour, label=f"{label}{suffix}", **g_style)
    for ax in dict.fromkeys(axes):
        ax.set_ylabel("value")
        _legend(ax, loc="best")
    low = _log_bottom(data["E"])
    ax_err.semilogy(x, np.maximum(data["E"], low), color=OKABE_ITO[3], **e_style)
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
    """Heat maps on K: f and g (for m > 1 one pair per output: ``axes`` holds f₁, g₁, f₂, g₂, …) and
    ‖f − g‖ last on a log colour scale, with the sup point ringed. f and g of one output share one
    colour scale. Pixels outside K are masked and K's boundary is drawn (the artist with gid
    :data:`BOUNDARY`); a K of lower intrinsic dimension is drawn as its sampled points, coloured."""
    m = data["F"].shape[1]
    panels = []
    for j in range(m):
        suffix = f"$_{j + 1}$" if m > 1 else ""
        f, g = data["F"][:, j], data["G"][:, j]
        norm = Normalize(*_limits(np.concatenate([f, g])))
        panels += [(f, f"f{suffix}", norm), (g, f"g{suffix}", norm)]
    panels.append(_error_panel(np.where(data["inside"], data["E"], np.nan), "‖f − g‖" if m > 1 else "|f − g|"))
    if len(axes) != len(panels):
        raise ValueError(f"axes must hold {len(panels)} axes (f and g per output, then the error); got {len(axes)}")
    for ax, (values, title, norm) in zip(axes, panels):
        artist = _draw_values(ax, data, values, norm)
        ax.set_title(title)
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        if fig is not None:
            fig.colorbar(artist, ax=ax, shrink=0.8)
    if estimate is not None:
        axes[-1].plot(*estimate.argmax, marker="o", mfc="none", mec=OKABE_ITO[3], ms=14, mew=2.5, clip_on=False)
        axes[-1].set_title(f"{panels[-1][1]}, sup ≈ {estimate.value:.3g} (ringed)")
    return axes


def _limits(values: np.ndarray) -> tuple[float, float]:
    """(min, max) of the finite values (one shared scale for f and g); (0, 1) when there are none."""
    finite = values[np.isfinite(values)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)


def _error_panel(E: np.ndarray, title: str) -> tuple[np.ndarray, str, LogNorm | None]:
    """The error spans decades: a log colour scale, stopped where f and g cross (:func:`_log_bottom`)."""
    finite = E[np.isfinite(E)]
    if finite.size == 0:
        return E, title, None
    low = _log_bottom(finite)
    return np.maximum(E, low), title, LogNorm(vmin=low, vmax=max(float(finite.max()), low * 10))


def _draw_values(ax, data: dict, values: np.ndarray, norm):
    """One panel: a heat map masked to K with its boundary, or K's points coloured; returns the mappable."""
    X = data["X"]
    if data.get("kind", "grid") == "points":
        artist = ax.scatter(X[:, 0], X[:, 1], c=values, s=float(np.clip(2000 / len(X), 3, 36)), cmap="viridis",
                            norm=norm, linewidths=0, plotnonfinite=False)
        ax.set_aspect("equal", adjustable="datalim")
        return artist
    shape = data["shape"]
    masked = np.ma.masked_where(~data["inside"] | ~np.isfinite(values), values).reshape(shape)
    artist = ax.imshow(masked, origin="lower", extent=_pixel_extent(X, shape), aspect="equal", cmap="viridis",
                       norm=norm, interpolation="nearest")
    _draw_boundary(ax, data)
    return artist


def _pixel_extent(X: np.ndarray, shape: tuple) -> list[float]:
    """The image's edges, half a grid step beyond the first and last grid points, so that each pixel is centred
    on its grid point (and the boundary drawn over it falls where K's edge is)."""
    x, y = X[: shape[1], 0], X[:: shape[1], 1]
    dx, dy = (x[-1] - x[0]) / (2 * (len(x) - 1)), (y[-1] - y[0]) / (2 * (len(y) - 1))
    return [x[0] - dx, x[-1] + dx, y[0] - dy, y[-1] + dy]


def _draw_boundary(ax, data: dict) -> None:
    """K's boundary: the domain's outline polylines, or the edge of the in-K mask (its contour at ½)."""
    style = {"colors": "0.15", "linewidths": 0.8}
    if data.get("outline") is not None:
        ax.add_collection(LineCollection(data["outline"], gid=BOUNDARY, **style), autolim=False)
        return
    shape = data["shape"]
    x, y = data["X"][: shape[1], 0], data["X"][:: shape[1], 1]
    # a ring of "outside" one grid step beyond the grid, so that K's edges on its bounding box are drawn too;
    # every edge then runs midway between a pixel in K and one outside, i.e. along the masked image's edge
    inside = np.pad(data["inside"].reshape(shape).astype(float), 1)
    ax.contour(_widen(x), _widen(y), inside, levels=[0.5], **style).set_gid(BOUNDARY)


def _widen(t: np.ndarray) -> np.ndarray:
    """Grid coordinates with one more step at each end."""
    return np.concatenate([[2 * t[0] - t[1]], t, [2 * t[-1] - t[-2]]])


def fit_closeup(target: Target, network: ShallowNetwork, estimate: SupEstimate | None = None,
                fig: Figure | None = None, title: str | None = None) -> Figure:
    """A fit up close.

    1-D: f and g overlaid (one panel per output when m > 1, and for m = 2 the curve itself beside)
    with ‖f − g‖ beneath on a log scale, the sup point marked (f and g on K only: a union of intervals
    keeps its gaps blank). 2-D: heat maps of f and g (per output) and of ‖f − g‖, masked to K with K's
    boundary drawn, the sup point ringed; a K of lower intrinsic dimension (a circle, a curve, a point set)
    drawn as its points, coloured.
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
