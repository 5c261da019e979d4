"""The activation gallery: σ and σ′ of every activation, with kinks, jumps and polynomials shown honestly.

At a kink σ′ has no value: the curve data carry NaN there and the two one-sided limits are
evaluated one float away on either side, so σ′ is drawn up to the kink from both sides with no
vertical line joining them. A discontinuous σ (heaviside) is broken the same way.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from uat._validation import check_int
from uat.activations import Activation, get_activation, list_activations
from uat.plots._style import OKABE_ITO, style

__all__ = ["activation_curves", "draw_activation", "activation_gallery"]

_SIGMA, _DSIGMA = OKABE_ITO[0], OKABE_ITO[3]
_CLIP = 1.5  # the view is clipped at |y| <= _CLIP * max|z| (z³ reaches 64 on [-4, 4])


def _check_range(z_range) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in z_range)
    except (TypeError, ValueError) as err:
        raise ValueError(f"z_range must be a pair (lo, hi) of numbers; got {z_range!r}") from err
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"z_range must be finite with lo < hi; got {z_range!r}")
    return lo, hi


def _is_piecewise_constant(sigma: np.ndarray, at_kink: np.ndarray) -> bool:
    """σ constant between consecutive kinks (so σ′ = 0 away from them)?"""
    pieces = [piece[np.isfinite(piece)] for piece in np.split(sigma, np.flatnonzero(at_kink))]
    return all(piece.size == 0 or piece.min() == piece.max() for piece in pieces)


def activation_curves(activation: str | Activation, z_range=(-4.0, 4.0), n: int = 2001) -> dict:
    """σ and σ′ on a grid of ``n`` points over ``z_range`` plus, at each kink k inside it, k and its
    float neighbours (so that both one-sided values are drawn).

    Returns a dict with ``z`` (increasing), ``sigma`` = σ(z) (NaN at a kink of a discontinuous σ),
    ``dsigma`` = σ′(z) (NaN at every kink), ``kinks`` (those strictly inside ``z_range``) and
    ``derivative``: ``"deriv"`` (σ′ from ``activation.deriv``), ``"zero"`` (no ``deriv``, but σ is
    constant between its jumps, so σ′ = 0 away from them) or ``"none"`` (σ′ unknown: all NaN).
    """
    act = get_activation(activation)
    lo, hi = _check_range(z_range)
    n = check_int("n", n, minimum=2)
    kinks = np.unique([float(k) for k in act.kinks if lo < k < hi])
    around = np.concatenate([np.nextafter(kinks, -np.inf), kinks, np.nextafter(kinks, np.inf)])
    z = np.union1d(np.linspace(lo, hi, n), around)
    at_kink = np.isin(z, kinks)
    sigma = np.asarray(act.fn(z.copy()), dtype=float)
    if not act.continuous:
        sigma[at_kink] = np.nan
    if act.deriv is not None:
        dsigma, derivative = np.asarray(act.deriv(z.copy()), dtype=float), "deriv"
    elif _is_piecewise_constant(sigma, at_kink):
        dsigma, derivative = np.zeros_like(z), "zero"
    else:
        dsigma, derivative = np.full_like(z, np.nan), "none"
    dsigma[at_kink] = np.nan
    return {"z": z, "sigma": sigma, "dsigma": dsigma, "kinks": kinks, "derivative": derivative}


def _mark_kinks(ax, act: Activation, curves: dict) -> None:
    """A dotted line at each kink, open circles at σ′'s one-sided limits, and for a jump of σ its value
    (filled) and its other one-sided limit (open)."""
    z, sigma, dsigma = curves["z"], curves["sigma"], curves["dsigma"]
    for k in curves["kinks"]:
        i = int(np.searchsorted(z, k))
        ax.axvline(k, color="0.55", lw=0.8, ls=":", label="kink or jump (σ′ undefined)")
        if curves["derivative"] == "deriv" and np.isfinite(dsigma[[i - 1, i + 1]]).all():
            ax.plot(z[[i - 1, i + 1]], dsigma[[i - 1, i + 1]], ls="none", marker="o", ms=4, mfc="white",
                    mec=_DSIGMA, label="σ′: one-sided limits")
        if not act.continuous:
            value = float(act.fn(np.array([k]))[0])
            limits = [s for s in sigma[[i - 1, i + 1]] if s != value]
            ax.plot([k], [value], ls="none", marker="o", ms=4, color=_SIGMA, label="σ at a jump: its value")
            ax.plot([k] * len(limits), limits, ls="none", marker="o", ms=4, mfc="white", mec=_SIGMA,
                    label="σ at a jump: other one-sided limit")


def _notes(act: Activation, curves: dict, clipped: float | None) -> list[str]:
    notes = []
    where = ", ".join(f"{k:g}" for k in curves["kinks"]) or "its jumps"
    if curves["derivative"] == "zero":
        notes.append(f"σ′ = 0 except at the jump z = {where}")
    elif curves["derivative"] == "none":
        notes.append("σ′ not given (σ not differentiable)")
    if act.lipschitz is not None:
        notes.append(f"Lipschitz constant {act.lipschitz:.3g}")
    if clipped is not None:
        reach = [f"|{name}| reaches {np.nanmax(np.abs(curves[key])):.3g}" for name, key in (("σ", "sigma"), ("σ′", "dsigma"))
                 if np.nanmax(np.abs(curves[key]), initial=0.0) > clipped]
        notes.append(f"y cut at ±{clipped:g} ({', '.join(reach)})")
    return notes


def _clip_level(curves: dict, z_range) -> float | None:
    """±_CLIP·max|z| if σ or σ′ go beyond it on ``z_range`` (then the view is clipped there), else None."""
    values = np.concatenate([curves["sigma"], curves["dsigma"]])
    limit = _CLIP * max(abs(v) for v in z_range)
    return limit if np.nanmax(np.abs(values), initial=0.0) > limit else None


def _y_limits(curves: dict, clip: float | None, n_notes: int) -> tuple[float, float]:
    """y-limits covering σ and σ′ with a 6% margin and headroom above them for ``n_notes`` lines of text;
    a clipped view ends exactly at ±clip on the side(s) the curves leave it (and has no headroom)."""
    values = np.concatenate([curves["sigma"], curves["dsigma"]])
    values = values[np.isfinite(values)]
    ymin, ymax = (float(values.min()), float(values.max())) if values.size else (-1.0, 1.0)
    span = max(min(ymax, clip or ymax) - max(ymin, -(clip or -ymin)), 1e-12)
    low, high = ymin - 0.06 * span, ymax + 0.06 * span
    if clip is not None:
        return (-clip if ymin < -clip else low), (clip if ymax > clip else high)
    band = min(0.12 * n_notes, 0.5)  # the fraction of the panel height taken by the notes
    return low, high + (high - low) * band / (1 - band)


def _emptiest_corner(ax, curves: dict, n_notes: int) -> tuple[float, float, str, str]:
    """(x, y, ha, va) in axes coordinates of the corner whose note box covers the fewest curve points."""
    xy = np.column_stack([np.tile(curves["z"], 2), np.concatenate([curves["sigma"], curves["dsigma"]])])
    u, v = ax.transAxes.inverted().transform(ax.transData.transform(xy[np.isfinite(xy[:, 1])])).T
    width, height = 0.62, 0.1 * n_notes + 0.04
    corners = [(0.03, 0.97, "left", "top"), (0.97, 0.03, "right", "bottom"), (0.03, 0.03, "left", "bottom"),
               (0.97, 0.97, "right", "top")]

    def covered(corner):
        x, y, ha, va = corner
        in_u = (u <= width) if ha == "left" else (u >= 1 - width)
        in_v = (v >= 1 - height) if va == "top" else (v <= height)
        return int(np.count_nonzero(in_u & in_v))

    return min(corners, key=covered)


def draw_activation(ax, activation: str | Activation, z_range=(-4.0, 4.0), n: int = 2001):
    """σ (solid) and σ′ (dashed) of one activation over ``z_range``; kinks and jumps marked, never
    bridged by a vertical line; the Lipschitz constant and any clipping of the view noted in the panel;
    polynomials flagged in the title (the theorem excludes them)."""
    act = get_activation(activation)
    curves = activation_curves(act, z_range, n)
    ax.axhline(0.0, color="0.85", lw=0.6, zorder=0)
    ax.plot(curves["z"], curves["sigma"], "-", color=_SIGMA, lw=1.6, label="σ(z)")
    if curves["derivative"] != "none":
        ax.plot(curves["z"], curves["dsigma"], "--", color=_DSIGMA, lw=1.3, label="σ′(z)")
    _mark_kinks(ax, act, curves)
    clip = _clip_level(curves, z_range)
    notes = _notes(act, curves, clip)
    ax.set_ylim(*_y_limits(curves, clip, len(notes)))
    ax.set_xlim(*_check_range(z_range))
    if notes:  # top left, in the headroom; a clipped view has none: its emptiest corner
        x, y, ha, va = (0.03, 0.97, "left", "top") if clip is None else _emptiest_corner(ax, curves, len(notes))
        ax.text(x, y, "\n".join(notes), transform=ax.transAxes, va=va, ha=ha, fontsize="x-small",
                color="0.2", linespacing=1.3, zorder=5,
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    title = act.name + ("\n(polynomial: the theorem excludes it)" if act.polynomial else "")
    ax.set_title(title, fontsize="medium")
    return ax


def _legend_entries(axes) -> tuple[list, list]:
    """The first handle of each label over all panels, in order of appearance."""
    entries = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    return list(entries.values()), list(entries)


def activation_gallery(names=None, z_range=(-4.0, 4.0)) -> Figure:
    """One panel per activation (default: every registered one, in :func:`list_activations` order) of
    :func:`draw_activation`, up to four columns, one legend for all."""
    activations = [get_activation(a) for a in (list_activations() if names is None else names)]
    if not activations:
        raise ValueError("names must list at least one activation; got an empty sequence")
    cols = min(4, len(activations))
    rows = -(-len(activations) // cols)
    with style():
        fig = Figure(figsize=(2.9 * cols + 0.4, 2.25 * rows + 0.6), layout="constrained")
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        for i, (ax, act) in enumerate(zip(axes, activations)):
            draw_activation(ax, act, z_range)
            if i + cols >= len(activations):  # the last panel of its column
                ax.set_xlabel("z")
        for ax in axes[len(activations):]:
            fig.delaxes(ax)
        handles, labels = _legend_entries(fig.axes)
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 6), frameon=False)
    return fig
