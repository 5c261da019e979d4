"""Certified brackets [lower, upper] of sup_{x∈K} ‖f(x) − g(x)‖₂ by branch and bound.

:func:`uat.sup_error` finds a large error and reports where (a lower bound of the sup that is
attained); :func:`sup_bracket` also proves how large the sup can be. It needs two facts:

* **a Lipschitz constant L_f of f** on K (library targets carry one where it exists; pass
  ``lipschitz=`` for others): ‖f(x) − f(c)‖ ≤ L_f‖x − c‖₂;
* **per-cell interval bounds of g's Jacobian**, from its parameters. On a cell (a box with
  centre c and half-widths r) every pre-activation z_i = a_i·x + b_i lies in
  [a_i·c + b_i − |a_i|·r, a_i·c + b_i + |a_i|·r], so σ′(z_i) lies in an interval [mid_i − rad_i,
  mid_i + rad_i] computed from σ′ at the ends and at the interior extrema of σ′ (the zeros of σ″
  and the kinks, tabulated per activation below). Then, with δ = x − c,
  ‖g(x) − g(c)‖ ≤ Σ_l ‖M_{:,l}‖ r_l + Σ_i ‖C_{:,i}‖ rad_i (|a_i|·r),  M = Σ_i C_{:,i} mid_i a_iᵀ.
  Where σ′ is constant on the cell (ReLU away from its kinks) rad_i = 0 and the bound is the exact
  slope of g: much tighter than the global Σ_i ‖C_{:,i}‖ L_σ ‖a_i‖.

Each cell's error is then at most e(c) + L_f‖r‖₂ + that bound. The search starts from a grid of
cells (in 1-D with every unit's transition −b_i/a_i as a cell edge, so that ReLU kinks are never
inside a first cell), discards cells whose bound is below the largest error seen, and bisects the
cells that may still hold a larger one, largest bound first, until the bracket is within
``rtol`` (relative) or ``atol`` (absolute), or the evaluation budget ``max_evals`` is spent. The
convergence is first order: a cell's slack shrinks with its size, so an error near a smooth
maximum needs ~L/√(gap·curvature) cells there, and errors near the float64 rounding floor cannot be
bracketed tightly at all (the result then says ``converged=False`` and gives the bracket reached).

Rounding: e(c) is computed in float64. ``upper`` adds the measured rounding floor of f − g (as in
:func:`uat.sup_error`) and pads every interval by a few ulps, so it bounds the sup of the exactly
evaluated error up to that measured floor; ``lower`` is an error value attained (computed) at
``argmax``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from uat._threads import pinned_blas
from uat._validation import as_points, check_int, check_nonnegative
from uat.activations import Activation
from uat.domains import Box
from uat.errornorm import ErrorFunction, check_pair, rounding_floor
from uat.network import BLOCK, ShallowNetwork

__all__ = ["SupBracket", "sup_bracket", "derivative_range", "can_bracket"]

_EPS = np.finfo(float).eps

#: Points where σ′ may have an interior extremum on an interval (zeros of σ″, kinks of σ or σ′).
#: silu: the root of z·tanh(z/2) = 2; gelu: ±√2; gaussian: ±1/√2.
_SILU_CRIT = 2.3993572805154676
_CRITICAL = {
    "sigmoid": (0.0,), "tanh": (0.0,), "relu": (0.0,), "leaky_relu": (0.0,), "softplus": (), "elu": (0.0,),
    "gelu": (-math.sqrt(2), math.sqrt(2)), "silu": (-_SILU_CRIT, _SILU_CRIT),
    "gaussian": (-1 / math.sqrt(2), 1 / math.sqrt(2)), "identity": (), "square": (), "cube": (0.0,),
}
#: σ′ periodic: (period, points where σ′ = +1, points where σ′ = −1), in one period.
_PERIODIC = {"sin": (2 * math.pi, 0.0, math.pi), "cos": (2 * math.pi, 1.5 * math.pi, 0.5 * math.pi)}


def _phi(z):
    return np.exp(-0.5 * np.minimum(z * z, 1e4)) / math.sqrt(2 * math.pi)


def _sig2(z):
    from scipy.special import expit

    t = expit(z)
    return t * (1 - t)


#: |σ″| per activation: (σ″, M = sup|σ″|, z*) with |σ″(z)| non-increasing in |z| for |z| ≥ z* (and
#: |σ″| even), so that sup|σ″| on an interval at distance d from 0 is M for d < z*, |σ″(d)| beyond.
#: z* and M from the closed forms (tanh: atanh(1/√3), 4/(3√3); sigmoid: ln(2 + √3), 1/(6√3);
#: gaussian: √(3/2), 2; gelu: 2, 2φ(0); silu: the last local maximum of |σ″| at 3.4358, 1/2), z*
#: rounded up.
_SECOND = {
    "tanh": (lambda z: -2 * np.tanh(z) * (1 - np.tanh(z) ** 2), 4 / (3 * math.sqrt(3)), 0.6585),
    "sigmoid": (lambda z: -_sig2(z) * np.tanh(z / 2),
                1 / (6 * math.sqrt(3)), 1.3170),
    "softplus": (_sig2, 0.25, 0.0),
    "gaussian": (lambda z: (4 * np.minimum(z * z, 1e4) - 2) * np.exp(-np.minimum(z * z, 1e4)), 2.0, 1.2248),
    "gelu": (lambda z: _phi(z) * (2 - np.minimum(z * z, 1e4)), 2 / math.sqrt(2 * math.pi), 2.0),
    "silu": (lambda z: _sig2(z) * (2 - z * np.tanh(z / 2)), 0.5, 3.4359),
}


def _second_bound(activation: Activation, zlo: np.ndarray, zhi: np.ndarray) -> np.ndarray:
    """Elementwise sup|σ″| over [zlo, zhi]; inf where unknown or where σ″ is a point mass (a ReLU kink inside)."""
    name = activation.name if _registered(activation) else None
    if name in _SECOND:
        fn, M, zstar = _SECOND[name]
        d = np.maximum(np.maximum(zlo, -zhi), 0.0)  # distance of the interval from 0
        with np.errstate(over="ignore", under="ignore"):
            tail = np.abs(fn(d)) * (1 + 1e-12)
        return np.where(d >= zstar, np.minimum(tail, M), M)
    if name in ("relu", "leaky_relu"):
        return np.where((zlo > 0) | (zhi < 0), 0.0, np.inf)
    if name == "elu":
        return np.where(zlo >= 0, 0.0, np.exp(np.minimum(zhi, 0.0)))
    if name in ("sin", "cos"):
        return np.ones(np.shape(zlo))
    if name == "identity":
        return np.zeros(np.shape(zlo))
    if name == "square":
        return np.full(np.shape(zlo), 2.0)
    if name == "cube":
        return 6 * np.maximum(np.abs(zlo), np.abs(zhi))
    return np.full(np.shape(zlo), np.inf)


def _registered(act: Activation) -> bool:
    """Whether σ is one of uat's built-in activations (the tables describe those objects, not their names:
    a user activation registered over a built-in name gets none of its facts)."""
    from uat.activations import _TABLE

    return any(act is builtin for builtin in _TABLE)


def can_bracket(activation: Activation) -> bool:
    """Whether :func:`derivative_range` can bound σ′ on intervals for this σ."""
    if not activation.continuous:
        return False
    known = activation.name in _CRITICAL or activation.name in _PERIODIC
    return (known and _registered(activation)) or activation.lipschitz is not None


def derivative_range(activation: Activation, zlo: np.ndarray, zhi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Elementwise bounds [lo, hi] of σ′ over the intervals [zlo, zhi].

    Exact (up to rounding) for the built-in activations: σ′ at the ends and at the interior
    points of ``_CRITICAL`` / ``_PERIODIC``; for a user σ with a Lipschitz constant L_σ, [−L_σ, L_σ].
    """
    name = activation.name
    if not activation.continuous:
        raise ValueError(f"activation {name!r} is not continuous: no Lipschitz bound of g exists")
    if not (_registered(activation) and (name in _CRITICAL or name in _PERIODIC)):
        if activation.lipschitz is None:
            raise ValueError(f"activation {name!r} has no Lipschitz constant and no known derivative range, so g "
                             "cannot be bounded; register it with lipschitz=")
        full = np.full(np.shape(zlo), float(activation.lipschitz))
        return -full, full.copy()
    if name in _PERIODIC:
        period, top, bottom = _PERIODIC[name]
        ends = (activation.deriv(zlo), activation.deriv(zhi))
        lo, hi = np.minimum(*ends), np.maximum(*ends)
        contains = lambda p: np.floor((zhi - p) / period) >= np.ceil((zlo - p) / period)  # noqa: E731
        hi = np.where(contains(top) | (zhi - zlo >= period), 1.0, hi)
        lo = np.where(contains(bottom) | (zhi - zlo >= period), -1.0, lo)
        return lo, hi
    with np.errstate(over="ignore", invalid="ignore"):
        d1, d2 = activation.deriv(zlo), activation.deriv(zhi)
        lo, hi = np.minimum(d1, d2), np.maximum(d1, d2)
        for point in _CRITICAL[name]:
            inside = (zlo <= point) & (point <= zhi)
            if inside.any():
                value = float(activation.deriv(np.array([point]))[0])
                lo = np.where(inside, np.minimum(lo, value), lo)
                hi = np.where(inside, np.maximum(hi, value), hi)
                if name in ("relu", "leaky_relu", "elu"):  # σ′ jumps or bends at 0: both one-sided values
                    right = float(activation.deriv(np.array([1e-300]))[0])
                    lo = np.where(inside, np.minimum(lo, right), lo)
                    hi = np.where(inside, np.maximum(hi, right), hi)
    # where σ′ overflows (z³ on huge pre-activations) nothing is known: the cell's bound becomes +inf
    return np.where(np.isfinite(lo), lo, -np.inf), np.where(np.isfinite(hi), hi, np.inf)


def _variation(g: ShallowNetwork, centers: np.ndarray, radii: np.ndarray, curvature: bool = False):
    with np.errstate(over="ignore", invalid="ignore"):  # overflow gives inf or NaN: _finite makes both +inf
        return _variation_terms(g, centers, radii, curvature)


def _variation_terms(g: ShallowNetwork, centers: np.ndarray, radii: np.ndarray, curvature: bool):
    """Per cell: an upper bound of sup_{x in cell} ‖g(x) − g(c)‖₂ from interval bounds of σ′, and with
    ``curvature`` (1-D) also one of sup‖g″‖₂ on the cell, Σ_i ‖C_{:,i}‖ a_i² sup|σ″(z_i)| (inf where
    unknown), as a pair."""
    A, b, C = g.A, g.b, g.C
    k, n = A.shape
    m = C.shape[0]
    absA = np.abs(A)
    W = (C.T[:, :, None] * A[:, None, :]).reshape(k, m * n)  # row i: C_{:,i} a_iᵀ, flattened
    col_norm = np.linalg.norm(C, axis=0)
    weight2 = col_norm * A[:, 0] ** 2 if curvature else None
    out = np.empty(len(centers))
    curv = np.empty(len(centers)) if curvature else None
    rows = max(1, BLOCK // max(k, 1))
    for start in range(0, len(centers), rows):
        c, r = centers[start:start + rows], radii[start:start + rows]
        zc = c @ A.T + b
        zr = r @ absA.T
        pad = 8 * _EPS * (np.abs(c) @ absA.T + np.abs(b) + zr)
        zlo, zhi = zc - zr - pad, zc + zr + pad
        lo, hi = derivative_range(g.activation, zlo, zhi)
        mid, rad = 0.5 * (lo + hi), 0.5 * (hi - lo)
        rad = rad + 4 * _EPS * np.abs(mid)
        M = (mid @ W).reshape(len(c), m, n)
        first = np.sum(np.linalg.norm(M, axis=1) * r, axis=1)
        second = (rad * zr) @ col_norm
        slack = 4 * _EPS * k * ((np.abs(mid) * zr) @ col_norm)  # rounding in the sums above
        out[start:start + rows] = first + second + slack
        if curvature:
            S = _second_bound(g.activation, zlo, zhi)
            with np.errstate(invalid="ignore"):  # inf · 0 for units with a_i = 0 or C_i = 0: they add nothing
                terms = np.where(weight2 == 0, 0.0, S * weight2)
            curv[start:start + rows] = terms.sum(axis=1) * (1 + 4 * _EPS * k)
    return (out, curv) if curvature else out


@dataclass(frozen=True, eq=False)
class SupBracket:
    """A certified bracket lower ≤ sup_{x∈K} ‖f(x) − g(x)‖₂ ≤ upper.

    Attributes
    ----------
    lower : float
        The largest error evaluated, attained at ``argmax``.
    upper : float
        The bound proved by branch and bound (see the module docstring for what it assumes).
    argmax : ndarray (n,)
    converged : bool
        Whether ``upper − lower ≤ max(rtol·lower, atol)`` was reached within the budget.
    n_evals : int
        Points where f − g was evaluated.
    n_cells : int
        Cells still open (not discarded) at the end.
    rounds : int
    lipschitz : float
        L_f used.
    floor : float
        The rounding floor added to ``upper``.
    method : str
        How the bracket was obtained, in words.
    kind : str
        The same in a few words without numbers ("1-D, second order"), for summaries.
    """

    lower: float
    upper: float
    argmax: np.ndarray
    converged: bool
    n_evals: int
    n_cells: int
    rounds: int
    lipschitz: float
    floor: float
    method: str
    kind: str = ""

    @property
    def gap(self) -> float:
        """(upper − lower) / lower (inf when lower is 0)."""
        return (self.upper - self.lower) / self.lower if self.lower > 0 else math.inf


def _bounds_1d(g, L, curvature, x0, x1, e0, e1):
    """Upper bounds of the error on the intervals [x0, x1] from the errors e0, e1 at their ends.

    First order: with Λ = L_f + the cell's Lipschitz bound of g, e ≤ (e0 + e1 + Λh)/2. Second order,
    where f's curvature is known: the error vector r = f − g differs from its linear interpolant
    by at most h²/8·sup‖r″‖, and the interpolant's norm is at most max(e0, e1).
    """
    h = x1 - x0
    centers, radii = (0.5 * (x0 + x1))[:, None], (0.5 * h)[:, None]
    if curvature is None:
        return 0.5 * (e0 + e1) + 0.5 * L * h + _variation(g, centers, radii)
    variation, curv_g = _variation(g, centers, radii, curvature=True)
    first = 0.5 * (e0 + e1) + 0.5 * L * h + variation
    second = np.maximum(e0, e1) + (curvature + curv_g) * h * h / 8
    return np.minimum(first, second)


def _finite(bounds: np.ndarray) -> np.ndarray:
    """A bound that overflowed (inf, or NaN from 0·inf with weights near 1e200) proves nothing: +inf,
    so that the cell is kept and refined, never discarded."""
    return np.where(np.isnan(bounds), np.inf, bounds)


def _bracket_1d(errors, g, domain, L, curvature, gap, max_evals, n_initial):
    lo, hi = float(domain.lower[0]), float(domain.upper[0])
    edges = np.linspace(lo, hi, n_initial + 1)
    t = g.transition_points()
    edges = np.unique(np.concatenate([edges, t[(t > lo) & (t < hi)]]))  # ReLU kinks are cell edges
    e = errors(edges[:, None])
    best = int(np.argmax(e))
    lower, argmax = float(e[best]), edges[best:best + 1].copy()
    x0, x1, e0, e1 = edges[:-1], edges[1:], e[:-1], e[1:]
    bounds = _finite(_bounds_1d(g, L, curvature, x0, x1, e0, e1))
    smallest = 4 * _EPS * max(abs(lo), abs(hi))
    rounds = 0
    while True:
        keep = bounds > lower
        x0, x1, e0, e1, bounds = x0[keep], x1[keep], e0[keep], e1[keep], bounds[keep]
        open_ = np.flatnonzero((bounds > lower + gap(lower)) & (x1 - x0 > smallest))
        if len(open_) == 0 or errors.count >= max_evals:
            return lower, argmax, bounds, rounds
        budget = max_evals - errors.count
        if len(open_) > budget:
            open_ = open_[np.argsort(bounds[open_])[::-1][:budget]]
        rest = np.ones(len(x0), bool)
        rest[open_] = False
        a, b, ea, eb = x0[open_], x1[open_], e0[open_], e1[open_]
        mid = 0.5 * (a + b)
        em = errors(mid[:, None])
        i = int(np.argmax(em))
        if em[i] > lower:
            lower, argmax = float(em[i]), mid[i:i + 1].copy()
        nx0, nx1 = np.concatenate([a, mid]), np.concatenate([mid, b])
        ne0, ne1 = np.concatenate([ea, em]), np.concatenate([em, eb])
        x0, x1 = np.concatenate([x0[rest], nx0]), np.concatenate([x1[rest], nx1])
        e0, e1 = np.concatenate([e0[rest], ne0]), np.concatenate([e1[rest], ne1])
        bounds = np.concatenate([bounds[rest], _finite(_bounds_1d(g, L, curvature, nx0, nx1, ne0, ne1))])
        rounds += 1


def _initial_cells(domain: Box, n_cells: int):
    lower, upper = np.asarray(domain.lower, float), np.asarray(domain.upper, float)
    n = domain.dim
    per_axis = max(1, int(math.ceil(n_cells ** (1.0 / n))))
    h = (upper - lower) / per_axis
    grids = np.meshgrid(*[lower[i] + (np.arange(per_axis) + 0.5) * h[i] for i in range(n)], indexing="ij")
    centers = np.stack([grid.ravel() for grid in grids], axis=1)
    return centers, np.broadcast_to(h / 2, centers.shape).copy()


def _split(centers: np.ndarray, radii: np.ndarray, scale: np.ndarray):
    """Bisect every cell along its longest side (relative to the domain's extent)."""
    axis = np.argmax(radii / scale, axis=1)
    rows = np.arange(len(centers))
    half = radii.copy()
    half[rows, axis] /= 2
    left, right = centers.copy(), centers.copy()
    left[rows, axis] -= half[rows, axis]
    right[rows, axis] += half[rows, axis]
    return np.vstack([left, right]), np.vstack([half, half])


def _bracket_nd(errors, g, domain, L, gap, max_evals, n_initial):
    """n-D: cells by their centres; e ≤ e(c) + L_f‖r‖₂ + the interval bound of ‖g(x) − g(c)‖."""
    centers, radii = _initial_cells(domain, n_initial)
    values = errors(centers)
    best = int(np.argmax(values))
    lower, argmax = float(values[best]), centers[best].copy()
    scale = np.asarray(domain.upper, float) - np.asarray(domain.lower, float)
    bounds = _finite(values + L * np.linalg.norm(radii, axis=1) + _variation(g, centers, radii))
    smallest = 4 * _EPS * np.maximum(np.abs(np.asarray(domain.lower, float)), np.abs(np.asarray(domain.upper, float)))
    rounds = 0
    while True:
        keep = bounds > lower  # a cell bounded by the attained lower bound cannot raise the sup
        centers, radii, bounds = centers[keep], radii[keep], bounds[keep]
        open_ = np.flatnonzero((bounds > lower + gap(lower)) & np.any(radii > smallest, axis=1))
        if len(open_) == 0 or errors.count >= max_evals:
            return lower, argmax, bounds, rounds
        budget = max_evals - errors.count
        if 2 * len(open_) > budget:
            open_ = open_[np.argsort(bounds[open_])[::-1][: max(1, budget // 2)]]
        rest = np.ones(len(centers), bool)
        rest[open_] = False
        child_c, child_r = _split(centers[open_], radii[open_], scale)
        child_v = errors(child_c)
        i = int(np.argmax(child_v))
        if child_v[i] > lower:
            lower, argmax = float(child_v[i]), child_c[i].copy()
        child_b = _finite(child_v + L * np.linalg.norm(child_r, axis=1) + _variation(g, child_c, child_r))
        centers = np.vstack([centers[rest], child_c])
        radii = np.vstack([radii[rest], child_r])
        bounds = np.concatenate([bounds[rest], child_b])
        rounds += 1


@pinned_blas
def sup_bracket(f, g, domain=None, *, lipschitz: float | None = None, curvature: float | None = None,
                rtol: float = 1e-2, atol: float = 0.0, max_evals: int = 1 << 20, n_initial: int | None = None,
                points=None) -> SupBracket:
    """Certified lower and upper bounds of sup_{x∈K} ‖f(x) − g(x)‖₂ on a box K of dimension 1 to 3.

    Parameters
    ----------
    f : str, Target or callable
        The target (as for :func:`uat.sup_error`).
    g : ShallowNetwork
        The network; σ must be continuous with a derivative range (every built-in continuous σ)
        or a Lipschitz constant.
    domain : Box or str, optional
        K; default the target's own. Boxes only (a disc is not covered by boxes exactly).
    lipschitz : float, optional
        A Lipschitz constant of f on K (Euclidean norms); default the target's own. Required
        when the target has none.
    curvature : float, optional
        1-D: a bound of sup‖f″(x)‖₂ on K (Euclidean norm over the outputs); default the target's
        own. With it, cells are also bounded to second order (much tighter where the error is small
        and smooth). Not used in 2-D and 3-D.
    rtol, atol : float
        Stop when upper − lower ≤ max(rtol·lower, atol, 2·floor), floor the rounding noise of the
        errors (no bracket can be narrower).
    max_evals : int
        Budget of error evaluations; in 3-D it is what makes the search finish.
    n_initial : int, optional
        Cells of the first grid (default 1024 in 1-D, 64² in 2-D, 16³ in 3-D); in 1-D every
        unit's transition −b_i/a_i inside K is added as a cell edge.
    points : array (p, n), optional
        Points of K whose errors seed the lower bound (e.g. :func:`uat.sup_error`'s argmax).

    Returns
    -------
    SupBracket

    Examples
    --------
    >>> from uat import ShallowNetwork
    >>> g = ShallowNetwork([[1.0]], [0.0], [[0.5]], "relu")    # g(x) = max(x, 0)/2
    >>> bracket = sup_bracket("abs", g, rtol=1e-6)             # sup |x| − g = 1 at x = −1
    >>> bracket.lower, bracket.upper <= 1 + 1e-6, bracket.converged
    (1.0, True, True)
    """
    target = check_pair(f, g, domain)
    domain = target.domain
    if not isinstance(g, ShallowNetwork):
        raise TypeError(f"g must be a ShallowNetwork to be bracketed (its parameters give the bounds); got {g!r}")
    if not isinstance(domain, Box) or domain.dim > 3:
        raise ValueError(f"certified brackets are computed on boxes of dimension 1, 2 or 3; got the domain {domain}")
    L = target.lipschitz if lipschitz is None else check_nonnegative("lipschitz", lipschitz)
    if L is None:
        raise ValueError(f"target {target.name!r} has no known Lipschitz constant on {domain}, so no upper bound can be "
                         "proved; pass lipschitz= (a bound of ‖f(x) − f(y)‖/‖x − y‖ on K)")
    M = target.curvature if curvature is None else check_nonnegative("curvature", curvature)
    if not can_bracket(g.activation):
        raise ValueError(f"activation {g.activation.name!r} gives no bound of g between points (discontinuous, or no "
                         "Lipschitz constant)")
    rtol = check_nonnegative("rtol", rtol)
    atol = check_nonnegative("atol", atol)
    max_evals = check_int("max_evals", max_evals)
    n_initial = check_int("n_initial", n_initial) if n_initial is not None else {1: 1024, 2: 64**2, 3: 16**3}[domain.dim]
    errors = ErrorFunction(target, g, domain)
    floor = rounding_floor(target, g, domain.sample(4096, "sobol", rng=0))
    # no bracket can be narrower than the rounding noise of the errors it is built from
    gap = lambda lower: max(rtol * lower, atol, 2 * floor)  # noqa: E731

    if domain.dim == 1:
        lower, argmax, bounds, rounds = _bracket_1d(errors, g, domain, L, M, gap, max_evals, n_initial)
        how = "1-D intervals between grid points and unit transitions, " + (
            f"first- and second-order bounds (L_f = {L:.6g}, sup|f″| ≤ {M:.6g})" if M is not None else
            f"first-order bounds (L_f = {L:.6g})")
    else:
        lower, argmax, bounds, rounds = _bracket_nd(errors, g, domain, L, gap, max_evals, n_initial)
        how = f"{domain.dim}-D boxes, first-order bounds (L_f = {L:.6g})"
    if points is not None:
        extra = as_points("points", points, domain.dim)
        if not np.all(domain.contains(extra)):
            raise ValueError(f"points must lie in the domain {domain}; got {extra[~domain.contains(extra)][0].tolist()}")
        if len(extra):
            values = errors(extra)
            if values.max() > lower:
                lower, argmax = float(values.max()), extra[int(np.argmax(values))].copy()
    proved = max(lower, float(bounds.max()) if len(bounds) else lower)
    converged = proved - lower <= gap(lower)
    upper = float(proved * (1 + 8 * _EPS) + floor)
    method = (f"branch and bound: {how}, interval bounds of σ′ per cell; {errors.count} evaluations in {rounds} "
              f"rounds, {len(bounds)} cells open; upper includes the rounding floor {floor:.2g}"
              + ("" if converged else f"; the budget max_evals = {max_evals} ran out before the requested gap"))
    kind = f"{domain.dim}-D, " + ("second order" if domain.dim == 1 and M is not None else "first order")
    return SupBracket(lower, upper, np.atleast_1d(argmax).astype(float), bool(converged), errors.count, len(bounds),
                      rounds, float(L), floor, method, kind)
