"""Where the hidden units sit (1-D): the transition points −b_i/a_i over K against the steepness |a_i|.

A unit σ(a x + b) changes where a x + b crosses 0, at x = −b/a (a sigmoid's centre, a ReLU's kink),
over a width of about 1/|a|. Units whose transition lies outside K are drawn at the edge of the
axis with an arrow-like marker, so that none is silently dropped; units with a = 0 are constant
on K and are counted, not drawn.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from uat.domains import as_domain
from uat.errornorm import row_norms
from uat.network import ShallowNetwork
from uat.plots._style import MARKERS, OKABE_ITO, line_colours, style
from uat.targets import as_target

__all__ = ["unit_positions_data", "draw_unit_positions", "unit_positions"]

_SERIES_MARKERS = [m for m in MARKERS if m not in ("<", ">")]  # '<' and '>' mark units outside K
_MARGIN = 0.05  # the x-axis shows K widened by 5% of its length on each side


def _interval(domain) -> tuple[float, float]:
    domain = as_domain(domain)
    if domain.dim != 1:
        raise ValueError(f"unit positions are drawn over a 1-D domain K = [lo, hi]; domain has dimension {domain.dim}")
    lower, upper = domain.bounds
    return float(lower[0]), float(upper[0])


def unit_positions_data(network: ShallowNetwork, domain) -> dict:
    """The transition points of a 1-D network's hidden units, with their steepness and output weight.

    Parameters
    ----------
    network : ShallowNetwork
        With input dimension n = 1: A (k, 1), b (k,), C (m, k).
    domain : Box, Ball, string or pair (lo, hi)
        K, a 1-D interval.

    Returns
    -------
    dict
        For the units with a_i ≠ 0, in unit order: ``unit`` (their indices i), ``position`` −b_i/a_i,
        ``steepness`` |a_i|, ``weight`` ‖C[:, i]‖ and ``inside`` (lo <= position <= hi); also
        ``n_flat`` (units with a_i = 0, constant, with no transition), ``width`` k and ``lo``, ``hi``.
    """
    if not isinstance(network, ShallowNetwork):
        raise TypeError(f"network must be a uat ShallowNetwork; got {type(network).__name__}")
    if network.dim != 1:
        raise ValueError(f"unit positions are defined for 1-D networks: network must have input dimension n = 1 "
                         f"(A of shape (k, 1)); got n = {network.dim}")
    lo, hi = _interval(domain)
    a, b = network.A[:, 0], network.b
    unit = np.flatnonzero(a != 0)
    position = -b[unit] / a[unit]
    return {"unit": unit, "position": position, "steepness": np.abs(a[unit]),
            "weight": row_norms(network.C[:, unit].T), "inside": (position >= lo) & (position <= hi),
            "n_flat": int(np.count_nonzero(a == 0)), "width": network.width, "lo": lo, "hi": hi}


def _x_limits(lo: float, hi: float) -> tuple[float, float]:
    pad = _MARGIN * (hi - lo)
    return lo - pad, hi + pad


def _legend_label(label: str, data: dict) -> str:
    text = f"{label}: {int(np.count_nonzero(data['inside']))} of {data['width']} transitions in K"
    flat = data["n_flat"]
    return text + (f" ({flat} flat unit{'s' if flat > 1 else ''}, a = 0)" if flat else "")


def draw_unit_positions(ax, networks: dict, domain):
    """Transition point −b/a (x) against steepness |a| (y, log scale) of every hidden unit, one series per
    entry of ``networks`` (label → 1-D ShallowNetwork). Units outside K are drawn at the left or right
    edge of the axis with '<' or '>'; K's complement within the axis is shaded."""
    lo, hi = _interval(domain)
    xlo, xhi = _x_limits(lo, hi)
    colours = line_colours(list(networks))
    outside = False
    for i, (label, network) in enumerate(networks.items()):
        data = unit_positions_data(network, (lo, hi))
        x, y, inside = data["position"], data["steepness"], data["inside"]
        style_ = {"color": colours[label], "ls": "none", "ms": 5.5, "mfc": "none", "mew": 1.2}  # open: overlaps show
        ax.plot(x[inside], y[inside], marker=_SERIES_MARKERS[i % len(_SERIES_MARKERS)], label=_legend_label(label, data),
                **style_)
        for side, edge, marker in ((x < lo, xlo, "<"), (x > hi, xhi, ">")):
            if side.any():
                ax.plot(np.full(np.count_nonzero(side), edge), y[side], marker=marker, clip_on=False, label="_outside",
                        **style_)
                outside = True
    for start, stop in ((xlo, lo), (hi, xhi)):
        ax.axvspan(start, stop, color="0.92", lw=0, zorder=0)
    if outside:
        ax.plot([], [], ls="none", marker=">", color="0.4", ms=5.5, mfc="none", mew=1.2,
                label="transition outside K (drawn at the edge)")
    ax.set_xlim(xlo, xhi)
    ax.set_yscale("log")
    ax.set_xlabel("transition point −b/a")
    ax.set_ylabel("steepness |a|")
    ax.grid(True, which="major", alpha=0.3)
    return ax


def _draw_target(ax, target, lo: float, hi: float) -> None:
    x = np.linspace(lo, hi, 2001)
    F = target(x[:, None])
    for j in range(F.shape[1]):
        suffix = f"$_{j + 1}$" if F.shape[1] > 1 else ""
        ax.plot(x, F[:, j], color=OKABE_ITO[(2 * j + 7) % len(OKABE_ITO)], lw=1.6, label=f"f{suffix} = {target.name}"
                if F.shape[1] == 1 else f"f{suffix}")
    ax.set_ylabel("f(x)")


def unit_positions(target, networks: dict, title: str | None = None) -> Figure:
    """Two panels sharing x: the target f over K (each component if m > 1), and beneath it
    :func:`draw_unit_positions` of ``networks`` (label → 1-D ShallowNetwork) over K."""
    target = as_target(target)
    lo, hi = _interval(target.domain)
    with style():
        fig = Figure(figsize=(7.5, 5.6), layout="constrained")
        ax_f, ax_units = fig.subplots(2, 1, sharex=True, height_ratios=[2, 3])
        _draw_target(ax_f, target, lo, hi)
        for start, stop in ((_x_limits(lo, hi)[0], lo), (hi, _x_limits(lo, hi)[1])):
            ax_f.axvspan(start, stop, color="0.92", lw=0, zorder=0)
        draw_unit_positions(ax_units, networks, (lo, hi))
        entries = [entry for ax in (ax_f, ax_units) for entry in zip(*ax.get_legend_handles_labels())]
        fig.legend(*zip(*entries), loc="outside lower center", ncols=1, frameon=False)
        fig.suptitle(title or f"Where the hidden units sit: transitions −b/a over K = [{lo:g}, {hi:g}]")
    return fig

