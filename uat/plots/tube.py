"""The theorem in one picture (1-D): f with its tube f ± ε, and networks g_k of growing width against it.

The universal approximation theorem says: for every ε > 0 some width k has a g_k with
sup_K |f − g_k| < ε, that is, with its graph inside the tube. Each g_k's legend entry gives its
measured sup error (:func:`uat.sup_error`, a lower bound of the true sup, attained at its argmax) and
says whether g_k is inside the tube: "leaves the tube" when the measured sup error is >= ε (then
|f − g_k| >= ε at a point, which is marked), "inside" when it is below, with "proved" when a certified
upper bound is below ε too and "not proved" otherwise.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from matplotlib.figure import Figure

from uat.deep import DeepNetwork
from uat.fitting.base import FitResult, fit
from uat.network import ShallowNetwork
from uat.plots._style import MARKERS, OKABE_ITO, style
from uat.supnorm import sup_error
from uat.targets import as_target

__all__ = ["epsilon_tube"]

_TUBE, _F = OKABE_ITO[5], OKABE_ITO[7]  # sky blue tube, black f
_LINES = [OKABE_ITO[i] for i in (3, 0, 2, 4, 1)]  # vermillion, blue, green, purple, orange
_STYLES = ["-", "--", "-.", (0, (5, 1.5, 1, 1.5, 1, 1.5)), ":"]
_LEAVES = "X"  # the marker of the point where a g_k leaves the tube


def _check_eps(eps) -> float:
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real):
        raise TypeError(f"eps must be a finite number > 0 (the half-width of the tube f ± ε); got {eps!r}")
    if not (math.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a finite number > 0 (the half-width of the tube f ± ε); got {eps!r}")
    return float(eps)


def _tube_target(target, domain):
    the_target = as_target(target, domain)
    if the_target.domain is None:
        raise ValueError(f"target {the_target.name!r} has no domain; pass domain=, e.g. domain='[-1,1]'")
    if the_target.domain.dim != 1:
        raise ValueError(f"epsilon_tube is 1-D only (the tube f ± ε is drawn over an interval K = [lo, hi]); "
                         f"domain {the_target.domain} has dimension {the_target.domain.dim}")
    if the_target.n_outputs != 1:
        raise ValueError(f"epsilon_tube draws scalar targets (m = 1); target {the_target.name!r} has "
                         f"{the_target.n_outputs} outputs")
    return the_target


def _is_width(item) -> bool:
    """A shallow width k, or a deep network's hidden widths [N_1, …] (both for :func:`uat.fit`)."""
    if isinstance(item, (list, tuple)):
        return len(item) > 0 and all(_is_width(w) for w in item)
    return isinstance(item, numbers.Integral) and not isinstance(item, bool)


def _check_network(where: str, net) -> None:
    if net.dim != 1 or net.n_outputs != 1:
        raise ValueError(f"{where} must map 1-D points to scalars (n = 1, m = 1) to be drawn in the tube; "
                         f"got n = {net.dim}, m = {net.n_outputs}")


def _check_items(target, networks_or_widths) -> list:
    """The entries of ``networks_or_widths`` checked (before any fit): widths, FitResults of ``target`` on
    its domain, 1-D scalar ShallowNetworks or DeepNetworks."""
    if isinstance(networks_or_widths, (str, bytes, dict)) or not hasattr(networks_or_widths, "__iter__"):
        raise TypeError("networks_or_widths must be a list of widths (ints, or lists of ints for deep networks), "
                        f"FitResults or networks; got {networks_or_widths!r}")
    items = list(networks_or_widths)
    if not items:
        raise ValueError("networks_or_widths must list at least one width, FitResult or network; got an empty "
                         "sequence")
    for i, item in enumerate(items):
        where = f"networks_or_widths[{i}]"
        if isinstance(item, FitResult):
            if item.target.name != target.name or item.target.domain != target.domain:
                raise ValueError(f"{where} is a fit of {item.target.name!r} on {item.target.domain}; the tube is "
                                 f"drawn around {target.name!r} on {target.domain}")
            _check_network(where, item.network)
        elif isinstance(item, (ShallowNetwork, DeepNetwork)):
            _check_network(where, item)
        elif not _is_width(item):
            raise TypeError(f"{where} must be a width (an int >= 1, or a list of them for a deep network), a "
                            f"FitResult or a ShallowNetwork/DeepNetwork; got {item!r}")
    return items


def _name(net) -> str:
    if isinstance(net, DeepNetwork):
        return f"widths {list(net.widths[1:-1])}"
    return f"k = {net.width}"


def _measured(target, items, activation, method, seed) -> list[tuple]:
    """(network, SupEstimate) per item: widths fitted by :func:`uat.fit`, FitResults measured by their own
    ``sup_error()``, networks by :func:`uat.sup_error` against ``target``."""
    out = []
    for item in items:
        if _is_width(item):
            item = fit(target, width=list(item) if isinstance(item, tuple) else item, activation=activation,
                       method=method, seed=seed)
        if isinstance(item, FitResult):
            out.append((item.network, item.sup_error()))
        else:
            out.append((item, sup_error(target, item)))
    return out


def tube_label(name: str, estimate, eps: float) -> str:
    """The legend entry of one g: its measured sup error and whether it is inside the tube (module docstring)."""
    head = f"{name}: sup error {estimate.value:.3g}"
    if estimate.value >= eps:
        return f"{head} ≥ ε, leaves the tube"
    if estimate.upper is not None and estimate.upper < eps:
        return f"{head} < ε, inside the tube (proved: ≤ {estimate.upper:.3g})"
    return f"{head} < ε, inside the tube (not proved)"


def _draw(ax, target, measured, eps: float) -> None:
    (lo,), (hi,) = target.domain.bounds
    x = np.union1d(np.linspace(lo, hi, 2001), [float(e.argmax[0]) for _, e in measured])
    f = target(x[:, None])[:, 0]
    ax.fill_between(x, f - eps, f + eps, color=_TUBE, alpha=0.35, lw=0, label=f"f ± ε (ε = {eps:g})")
    ax.plot(x, f, color=_F, lw=1.2, label=f"f = {target.name}")
    leaves = False
    for i, (net, estimate) in enumerate(measured):
        colour, marker = _LINES[i % len(_LINES)], MARKERS[i % len(MARKERS)]
        ax.plot(x, net(x[:, None])[:, 0], color=colour, ls=_STYLES[i % len(_STYLES)], lw=1.3, marker=marker, ms=4,
                markevery=(40 * i, 250), label=tube_label(_name(net), estimate, eps))
        if estimate.value >= eps:  # where it leaves: the sup point, joined to f there
            xs = float(estimate.argmax[0])
            fs, gs = target(np.array([[xs]]))[0, 0], net(np.array([[xs]]))[0, 0]
            ax.plot([xs, xs], [fs, gs], color=colour, lw=0.9, ls=":", label="_gap")
            ax.plot([xs], [gs], ls="none", marker=_LEAVES, ms=9, color=colour, mec="black", mew=0.6,
                    label=f"_leaves {i}", zorder=5, clip_on=False)  # whole, also at an end of K
            leaves = True
    if leaves:
        ax.plot([], [], ls="none", marker=_LEAVES, ms=8, color="0.6", mec="black", mew=0.6,
                label="where g leaves the tube (its sup point)")
    ax.set_xlim(lo, hi)
    ax.set_xlabel("x")
    ax.set_ylabel("value")
    ax.set_title(f"The ε-tube around f = {target.name} on K = [{lo:g}, {hi:g}], ε = {eps:g}")
    ax.grid(True, alpha=0.25)


def epsilon_tube(target, networks_or_widths, eps, *, domain=None, activation="tanh", method="lstsq", seed=0,
                 ax=None):
    """f with the tube f ± ε shaded, and g_k for several k against it (1-D).

    Parameters
    ----------
    target : str, Target or callable
        f, scalar on a 1-D domain (a library name, an expression, a Target or a callable).
    networks_or_widths : sequence
        Each entry a width k (fitted by ``uat.fit(target, domain, width=k, activation=..., method=...,
        seed=...)``; a list of ints is a deep network's hidden widths), a FitResult of ``target`` (measured by
        its ``sup_error()``), or a ShallowNetwork or DeepNetwork (measured by ``uat.sup_error(target, net)``).
    eps : float > 0
        ε, the tube's half-width.
    domain : Box, string or pair, optional
        K, an interval; default the target's own.
    activation, method, seed
        As in :func:`uat.fit`, for the entries given as widths.
    ax : matplotlib Axes, optional
        Draw into it (the legend below it) and return it; without one, a new Figure is returned.

    Each g's legend entry gives its measured sup error and whether it is inside the tube; where a g
    leaves it, its sup point is marked with an ✕ joined to f by a dotted line.
    """
    eps = _check_eps(eps)
    the_target = _tube_target(target, domain)
    items = _check_items(the_target, networks_or_widths)
    measured = _measured(the_target, items, activation, method, seed)
    with style():
        if ax is not None:
            _draw(ax, the_target, measured, eps)
            ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False)  # below
            return ax
        fig = Figure(figsize=(8, 5.6), layout="constrained")
        _draw(fig.subplots(), the_target, measured, eps)
        fig.legend(loc="outside lower center", ncols=2, fontsize="small", frameon=False)
    return fig
