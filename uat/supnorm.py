"""Sup-norm and RMS errors of an approximation g of f over a compact domain K.

The sup norm sup_{x∈K} ‖f(x) − g(x)‖₂ is the quantity the universal approximation theorem is
about. A raw grid maximum underestimates it (a kink maximum between grid points is easily missed
by half), so :func:`sup_error` refines:

* **1-D**: a uniform grid (2049 points and 16 per unit when a certified bracket follows, which
  refines wherever the grid is too coarse; 2^14 + 1 and 64 per unit without one, 2^15 + 1 when f's
  smoothness is unknown), the transition points −b_i/a_i of a network's units, and a cluster of 33
  points around each unit too steep for the grid; then the largest local maxima refined together
  by repeated subdivision of their brackets (one array evaluation per step, robust at kinks, down
  to a few ulps or until the error is flat to rounding).
* **n-D**: scrambled Sobol' points (and a box's corners), then from the best distinct candidates
  a vectorised shrinking-box search (random trials around every candidate at once, projected onto
  K; robust at kinks), until each is flat to rounding or its box below 1e-13 of K's diameter; then
  L-BFGS-B from the best (central differences in one call per gradient), for ridges and maxima on
  K's boundary, where random trials stall. Its spacing follows K's intrinsic dimension (n − 1 on a
  sphere); every trial and polish step goes through ``domain.project``, so it stays in K.

Other kinds of K:

* a **finite point set** (:class:`~uat.domains.PointSet`): the error at every point, so ``value`` = ``lower``
  = ``upper`` is the sup itself (``facts["exact"]``), with no Lipschitz constant;
* a **curve** (any domain with ``parametrisation(t)`` → (N, n) points and ``interval`` (a, b)): the 1-D
  search on t ↦ e(γ(t)) over [a, b], argmax γ(t*);
* a **1-D K that is not a box** (a union of intervals, a 1-D ball): the 1-D grid over K's bounding
  interval with the ends of K's intervals added, the error taken as −inf off K, so nothing outside K is
  evaluated or refined.

Every ``argmax`` is a point of K (``domain.contains``), and ``value`` is attained there.

Given ``points`` seed the estimate (and the bracket) without changing its point set, so the same g
gives the same estimate with or without them unless one of them is higher.

The reported ``value`` is always attained at ``argmax``, so it is a certified lower bound of the
true sup. When f has a known Lipschitz constant, g is a network (a ShallowNetwork, or a DeepNetwork
through its layers) with continuous σ's and K has dimension ≤ 3 and is a box or a set that decides
boxes (balls, annuli, simplices, polygons, spheres and their set algebra; :func:`uat.certify.cover_refusal`),
:func:`uat.certify.sup_bracket` then proves an ``upper`` bound by branch and bound (``certify``;
starting from the estimate's grid and value; budget ``certify_evals``, target gap ``certify_rtol``);
if it finds a larger error than the estimate, ``value`` and ``argmax`` take it. The bracket reached is
reported either way (``details["bracket"]`` says whether it converged).
A bracket that cannot close stops early (``certify_early_stop``, the default, for routine
estimates) once its whole budget would leave the upper bound above :data:`uat.certify.HOPELESS`
(100) times the error (outcome "hopeless"); a study turns that off and spends the whole budget,
since its certified k*(ε), read off the upper bounds, may then prove a tolerance a stop gives up.

``floor`` is the float64 rounding noise of evaluating g (measured by re-summing its units in other
orders, see :meth:`uat.ShallowNetwork.rounding_floor`) plus eps·max‖f‖: errors within a small
multiple of it are rounding noise, not approximation error.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from uat._threads import pinned_blas
from uat._validation import check_int, check_nonnegative, check_rng
from uat.certify import HOPELESS, branch_and_bound, can_bracket_model, cover_refusal
from uat.errornorm import (FLOOR_POINTS, CurveErrors, ErrorFunction, MaskedErrors, check_pair, domain_points, rms,
                           rounding_floor)
from uat.domains import Box, Domain, PointSet
from uat.network import SearchHints, search_hints
from uat.targets import Target

__all__ = ["SupEstimate", "sup_error", "rms_error"]

_EPS = np.finfo(float).eps


@dataclass(frozen=True, eq=False)
class SupEstimate:
    """An estimate of sup_{x∈K} ‖f(x) − g(x)‖₂.

    Attributes
    ----------
    value : float
        The largest error found; attained at ``argmax``, hence a lower bound of the sup.
    argmax : ndarray (n,)
        A point of K where ``value`` is attained.
    lower : float
        Certified lower bound (equal to ``value``).
    upper : float or None
        Certified upper bound, where the method can give one (see the module docstring).
    n_evals : int
        Number of points where f and g were evaluated.
    method : str
        How the estimate was obtained.
    initial : float
        The maximum over the initial point set, before refinement (what a raw grid reports).
    floor : float
        The float64 rounding noise of evaluating g (and f) on K, measured on
        :data:`uat.errornorm.FLOOR_POINTS` Sobol' points.
    details : dict
        ``details["bracket"]``: the :class:`~uat.certify.SupBracket`, where one was proved.
    facts : dict
        How the estimate was obtained, as data (``method`` is these in words): ``search`` ("1-D grid" or
        "n-D Sobol'"), ``n_grid`` (initial points), ``n_extra`` (transitions, clusters, corners and given
        points), ``n_refined`` (candidates refined locally), and where an upper bound was proved
        ``bracket`` (its kind, e.g. "1-D, second order"), ``converged`` and ``certify_evals``; ``no_bracket``, why no
        upper bound is proved, for a model whose search hints say why it cannot be bracketed.
    """

    value: float
    argmax: np.ndarray
    lower: float
    upper: float | None
    n_evals: int
    method: str
    initial: float
    floor: float
    details: dict = field(default_factory=dict, repr=False)
    facts: dict = field(default_factory=dict, repr=False)

    def __float__(self) -> float:
        return self.value

    def _repr_html_(self) -> str:
        """The notebook display: the value and its point, the certified bracket [lower, upper] or "no proved
        upper bound" with the reason where the estimate knows it (``facts["no_bracket"]``), how it was found
        (``method``), the raw grid maximum, the rounding floor and the evaluations; every number to 4
        significant digits. Nothing is computed."""
        from uat._html import estimate_html

        return estimate_html(self)


#: Points of the first 1-D grid (before unit transitions, clusters at steep units and given points):
#: with a certified bracket to follow, 16 per unit and at least 2049 (the bracket refines where the grid
#: is too coarse); without one, 64 per unit and at least 2^14 + 1, or 2^15 + 1 when f's smoothness is
#: unknown (it may be as rough as Takagi's function: 300 random networks on the five library targets without a
#: Lipschitz constant all reached their 200001-point dense maximum); never more than 2^18 + 1.
_GRID_CERTIFIED, _GRID_LIPSCHITZ, _GRID_ROUGH = (1 << 11) + 1, (1 << 14) + 1, (1 << 15) + 1
_MAX_GRID = (1 << 18) + 1
#: A unit whose transition width 1/|a_i| spans fewer than this many grid spacings gets a cluster of
#: _CLUSTER points within ±8 transition widths of −b_i/a_i (tanh and sigmoid are flat to 1e-7 beyond).
_STEEP, _CLUSTER = 4, 33
#: Periodic units (sin, cos): grid points per period of the fastest one. A grid peak then lies within a factor
#: cos(π/32) ≈ 0.995 of its maximum, so every local maximum of the grid that high is refined (at most
#: _MAX_STARTS), not only the n_starts largest: beating frequencies make thousands of near-equal peaks.
_PER_PERIOD, _MAX_STARTS = 32, 1024
#: Every grid maximum within this fraction of the best is refined too (at most _MAX_STARTS): errors that
#: equioscillate (minimax fits) have as many near-equal maxima as units, and a grid peak undershoots its
#: maximum by about e″h²/8, ~1e-3 of it for k = 60 bumps on 2049 points; refining only the 16 highest
#: grid values left a minimax fit 1.4e-4 below its dense maximum.
_NEAR_BEST = 2e-3


def _grid_size_1d(target: Target, hints: SearchHints, length: float, certified: bool) -> int:
    """Points of the first uniform 1-D grid over an interval of that length (see ``_GRID_CERTIFIED``); for
    periodic units (sin, cos: ``Activation.period``), at least ``_PER_PERIOD`` per period of the fastest unit."""
    if certified:
        n = _GRID_CERTIFIED
    else:
        n = _GRID_LIPSCHITZ if target.lipschitz is not None else _GRID_ROUGH
    if hints.units:
        n = max(n, (16 if certified else 64) * hints.units + 1)
    if hints.period is not None:
        fastest = hints.slope * length / hints.period
        n = max(n, int(min(_PER_PERIOD * fastest, _MAX_GRID)) + 1)
    return min(n, _MAX_GRID)


def _steep_clusters(hints: SearchHints, lo: float, hi: float, spacing: float) -> np.ndarray:
    """Points within ±8 transition widths of the transitions of units too steep for the grid (not for
    periodic σ, sin and cos, whose steep units oscillate everywhere and size the grid instead)."""
    if hints.period is not None or not len(hints.centres):
        return np.empty(0)
    width, centre = hints.widths, hints.centres
    with np.errstate(invalid="ignore"):
        steep = (width < _STEEP * spacing) & (centre + 8 * width > lo) & (centre - 8 * width < hi)
    offsets = np.linspace(-8.0, 8.0, _CLUSTER)
    points = (centre[steep, None] + width[steep, None] * offsets).ravel()
    return points[(points >= lo) & (points <= hi)]


def _local_maxima(values: np.ndarray) -> np.ndarray:
    """Indices of the local maxima of a 1-D array (plateaus and endpoints included), largest first."""
    left = np.concatenate([[-np.inf], values[:-1]])
    right = np.concatenate([values[1:], [-np.inf]])
    idx = np.flatnonzero((values >= left) & (values >= right))
    return idx[np.argsort(values[idx], kind="stable")[::-1]]


def _zoom_1d(errors: ErrorFunction, lo, hi, v_lo, v_hi, x, v, scale: float, per_step: int = 7,
             max_steps: int = 60):
    """Maximise the error on many brackets [lo_j, hi_j] at once, by repeated uniform subdivision.

    Each step evaluates ``per_step`` interior points of every open bracket in one call and shrinks it to
    the two sample points around its best one (by (per_step + 1)/2 = 4 per step), down to a few ulps
    or until the error is flat to rounding across it. Robust at kinks (no derivatives, no parabolas);
    returns the best point and value of each bracket, (x_j, v_j) included. "A few ulps" is relative to
    the points and to ``scale`` (half the domain's length), so that a domain of length 1e-100 is refined
    as finely, relatively, as one of length 1.
    """
    lo, hi, v_lo, v_hi, x, v = (np.array(a, dtype=float) for a in (lo, hi, v_lo, v_hi, x, v))
    fractions = np.arange(1, per_step + 1) / (per_step + 1)
    rows = np.arange(len(lo))
    for _ in range(max_steps):
        active = np.flatnonzero(hi - lo > 4 * _EPS * np.maximum(scale, np.maximum(np.abs(lo), np.abs(hi))))
        if len(active) == 0:
            break
        a, b = lo[active], hi[active]
        t = a[:, None] + (b - a)[:, None] * fractions
        t = np.minimum(np.maximum(t, a[:, None]), b[:, None])
        values = errors(t.reshape(-1, 1)).reshape(len(active), per_step)
        xs = np.hstack([a[:, None], t, b[:, None]])
        vs = np.hstack([v_lo[active, None], values, v_hi[active, None]])
        j = np.argmax(vs, axis=1)
        r = rows[: len(active)]
        better = vs[r, j] > v[active] * (1 + 4 * _EPS)  # a real improvement, not a rounding tie
        x[active[better]], v[active[better]] = xs[r, j][better], vs[r, j][better]
        left, right = np.maximum(j - 1, 0), np.minimum(j + 1, per_step + 1)
        lo[active], hi[active] = xs[r, left], xs[r, right]
        v_lo[active], v_hi[active] = vs[r, left], vs[r, right]
        flat = vs.min(axis=1) >= vs[r, j] * (1 - 4 * _EPS)  # no point can gain more than rounding
        hi[active[flat]] = lo[active[flat]]
    return x, v


def _sup_1d(errors, hints: SearchHints, domain: Domain, n_points: int | None, n_starts: int, points: np.ndarray,
            certified: bool):
    """The 1-D estimate: a grid (uniform + transitions + clusters at steep units + given points), then the
    largest local maxima refined together; returns the facts and the evaluated grid (for the bracket).

    On a 1-D K other than a box (a union of intervals, a 1-D ball) the grid spans K's bounding interval, the
    ends of K's intervals join it (:func:`_ends_1d`) and the error is −inf off K (:class:`MaskedErrors`): no
    point outside K is evaluated, refined towards or returned.
    """
    lower, upper = domain.bounds
    lo, hi = float(lower[0]), float(upper[0])
    n = n_points or _grid_size_1d(errors.target, hints, hi - lo, certified)
    grid = np.linspace(lo, hi, n)
    extra = np.concatenate([_steep_clusters(hints, lo, hi, (hi - lo) / max(n - 1, 1)), hints.inside(lo, hi)])
    ends = np.empty(0) if isinstance(domain, Box) else _ends_1d(domain, grid)
    if not isinstance(domain, Box):
        errors = MaskedErrors(errors)
    x, where = np.unique(np.concatenate([grid, extra, ends]), return_inverse=True)
    e = errors(x[:, None])
    initial = float(e[where[:n]].max())
    if initial == -np.inf:  # no grid point in K (it is finer than the grid): its interval ends
        initial = float(e.max())
    maxima = _local_maxima(e)
    maxima = maxima[e[maxima] > -np.inf]  # not the plateaus of −inf off K
    near = np.cos(np.pi / _PER_PERIOD) if hints.period is not None else 1 - _NEAR_BEST
    high = int(np.sum(e[maxima] >= e[maxima[0]] * near))
    maxima = maxima[:min(max(n_starts, high), _MAX_STARTS)]
    left, right = np.maximum(maxima - 1, 0), np.minimum(maxima + 1, len(x) - 1)
    found_x, found = _zoom_1d(errors, x[left], x[right], e[left], e[right], x[maxima], e[maxima], (hi - lo) / 2)
    best = int(np.argmax(found))
    argmax, value = found_x[best:best + 1], float(found[best])
    if len(points):  # given points seed the estimate but do not move the grid: without them it is the same
        seeds = errors(points)
        i = int(np.argmax(seeds))
        if seeds[i] > value:
            argmax, value = _refine_near(errors, lo, hi, float(points[i, 0]), (hi - lo) / max(n - 1, 1))
    facts = {"search": "1-D grid", "n_grid": n, "n_extra": int(len(x) - n), "n_refined": int(len(maxima)),
             "n_given": int(len(points))}
    if not isinstance(domain, Box):
        facts["n_ends"] = int(len(np.unique(ends)))
    inside = e > -np.inf
    return argmax, value, initial, (x[inside], e[inside]), facts


def _ends_1d(domain: Domain, grid: np.ndarray) -> np.ndarray:
    """The ends of the intervals of a 1-D K (not a box) that lie in K: the bounds of K and of every part of its
    set algebra (``parts``), and between neighbouring grid points on either side of K's boundary the last point
    in K found by bisection on ``contains`` (60 halvings: to the float), for boundaries no part names (level sets)."""
    inside = domain.contains(grid[:, None])
    i = np.flatnonzero(inside[:-1] != inside[1:])
    keep, out = np.where(inside[i], grid[i], grid[i + 1]), np.where(inside[i], grid[i + 1], grid[i])
    for _ in range(60):
        mid = 0.5 * (keep + out)
        ok = domain.contains(mid[:, None])
        keep, out = np.where(ok, mid, keep), np.where(ok, out, mid)
    ends = np.concatenate([_part_bounds(domain), keep])
    return ends[domain.contains(ends[:, None])]


def _part_bounds(domain: Domain) -> np.ndarray:
    """The ends of the bounding intervals of a 1-D domain and of its parts, recursively."""
    lower, upper = domain.bounds
    return np.concatenate([lower, upper, *(_part_bounds(p) for p in getattr(domain, "parts", ()))])


def _refine_near(errors, lo: float, hi: float, x: float, radius: float):
    """The local maximum near x (within ± radius, in [lo, hi], K's bounding interval), for a point the bracket
    found."""
    left, right = max(lo, x - radius), min(hi, x + radius)
    ends = errors(np.array([[left], [right], [x]]))
    found_x, found = _zoom_1d(errors, [left], [right], ends[:1], ends[1:2], [x], ends[2:], (hi - lo) / 2)
    return found_x[:1], float(found[0])


def _sup_curve(errors: ErrorFunction, hints: SearchHints, domain: Domain, n_points: int | None, n_starts: int,
               points: np.ndarray):
    """A curve K = γ([a, b]) searched in its parameter: the 1-D search (:func:`_sup_1d`) on t ↦ e(γ(t))
    (:class:`CurveErrors`) over [a, b], argmax γ(t*). Of g's hints only the width and the periodic units carry
    over (their slope scaled by the curve's length over b − a, measured on a 1025-point polyline); a given point
    higher than the estimate is refined from the nearest grid parameter."""
    a, b = (float(v) for v in domain.interval)
    along = CurveErrors(errors)
    length = float(np.sum(np.linalg.norm(np.diff(along.points(np.linspace(a, b, 1025)), axis=0), axis=1)))
    t_hints = SearchHints(hints.units, hints.period, hints.slope * length / (b - a))
    t, value, initial, (T, _), facts = _sup_1d(along, t_hints, Box(a, b), n_points, n_starts, np.empty((0, 1)), False)
    argmax = along.points(t)[0]
    if len(points):
        seeds = errors(points)
        i = int(np.argmax(seeds))
        if seeds[i] > value:
            argmax, value = points[i].copy(), float(seeds[i])
            spacing = (b - a) / max(facts["n_grid"] - 1, 1)
            t, refined = _refine_near(along, a, b, _parameter_of(along, T, points[i], spacing), spacing)
            if refined > value:
                argmax, value = along.points(t)[0], refined
    facts.update(search="curve parameter", n_given=int(len(points)))
    return argmax, value, initial, facts


def _parameter_of(along: CurveErrors, T: np.ndarray, x: np.ndarray, spacing: float) -> float:
    """The parameter t with γ(t) nearest to the point x of the curve: the nearest grid parameter, then the
    distance minimised within ± spacing by the same subdivision as the error (:func:`_zoom_1d`)."""
    near = float(T[np.argmin(np.linalg.norm(along.points(T) - x, axis=1))])
    closeness = lambda t: -np.linalg.norm(along.points(t) - x, axis=1)  # noqa: E731
    a, b = T[0], T[-1]
    left, right = max(a, near - spacing), min(b, near + spacing)
    ends = closeness(np.array([[left], [right], [near]]))
    t, _ = _zoom_1d(closeness, [left], [right], ends[:1], ends[1:2], [near], ends[2:], (b - a) / 2)
    return float(t[0])


def _sup_points(errors: ErrorFunction, domain: PointSet, points: np.ndarray):
    """A finite K: the error at every one of its p points (in blocks of :data:`uat.errornorm.CHUNK`), exact."""
    e = errors(domain.X)
    i = int(np.argmax(e))
    facts = {"search": "point set", "exact": True, "n_grid": domain.size, "n_extra": 0, "n_refined": 0,
             "n_given": int(len(points))}
    return domain.X[i].copy(), float(e[i]), float(e[i]), facts


def _distinct_top(X: np.ndarray, e: np.ndarray, k: int, radius: float) -> np.ndarray:
    """Indices of up to k largest values whose points are at least ``radius`` apart (greedy, largest first,
    among the 50k largest)."""
    order = np.argsort(e, kind="stable")[::-1][: 50 * k]
    candidates, alive, chosen = X[order], np.ones(len(order), bool), []
    while len(chosen) < k and alive.any():
        i = int(np.argmax(alive))  # the largest value still far from every chosen point
        chosen.append(int(order[i]))
        alive &= np.linalg.norm(candidates - candidates[i], axis=1) >= radius
    return np.array(chosen, dtype=int)


def _zoom(errors: ErrorFunction, domain: Domain, starts: np.ndarray, values: np.ndarray, radius: float,
          rng: np.random.Generator, per_round: int = 8, max_rounds: int = 200):
    """Vectorised shrinking-box search from every start at once: each round tries ``per_round`` random points
    in a box of radius r around each start (projected onto K) and moves to the best if it is higher, else
    shrinks r by 0.6. A start stops when r is below 1e-13 of K's diameter, or when every trial is within
    rounding of it (flat: no point near it can be higher by more than rounding). Robust at kinks."""
    P, v = starts.copy(), values.copy()
    r = np.full(len(P), radius)
    d, tol = P.shape[1], 1e-13 * domain.diameter
    for _ in range(max_rounds):
        active = np.flatnonzero(r > tol)
        if len(active) == 0:
            break
        steps = rng.uniform(-1, 1, (len(active), per_round, d))
        trial = domain.project((P[active, None, :] + r[active, None, None] * steps).reshape(-1, d))
        trial = trial.reshape(len(active), per_round, d)
        te = errors(trial.reshape(-1, d)).reshape(len(active), per_round)
        j = np.argmax(te, axis=1)
        top = te[np.arange(len(active)), j]
        better = top > v[active]
        moved = active[better]
        P[moved], v[moved] = trial[better, j[better]], top[better]
        flat = te.min(axis=1) >= v[active] * (1 - 4 * _EPS)
        r[active] = np.where(flat, 0.0, np.where(better, r[active], 0.6 * r[active]))
    return P, v


def _polish(errors: ErrorFunction, domain: Domain, x0: np.ndarray, value: float, scale: float):
    """L-BFGS-B from x0 on e(P(x)), P the projection onto K, with central differences of step ~eps^(1/3)·scale
    evaluated in one call per gradient (the stencil clipped to K's bounding box); for ridges and maxima on
    an edge, where the random search stalls. Returns the best point of K seen and its error (x0's if none
    is higher)."""
    from scipy.optimize import minimize

    lower, upper = domain.bounds
    d, h = len(x0), np.finfo(float).eps ** (1 / 3) * scale
    best = [x0.copy(), value]

    def fun_and_grad(x):
        stencil = np.vstack([x, x + h * np.eye(d), x - h * np.eye(d)])
        stencil = np.clip(stencil, lower, upper)
        points = domain.project(stencil)
        e = errors(points)
        i = int(np.argmax(e))
        if e[i] > best[1] * (1 + 4 * _EPS):
            best[0], best[1] = points[i].copy(), float(e[i])
        step = stencil[1:d + 1] - stencil[d + 1:]
        width = step[np.arange(d), np.arange(d)]
        grad = np.where(width > 0, (e[1:d + 1] - e[d + 1:]) / np.where(width > 0, width, 1.0), 0.0)
        return -float(e[0]), -grad

    minimize(fun_and_grad, np.clip(x0, lower, upper), jac=True, method="L-BFGS-B", bounds=list(zip(lower, upper)),
             options={"maxiter": 100, "ftol": 1e-15, "gtol": 1e-12})
    return best[0], best[1]


def _sup_nd(errors: ErrorFunction, hints: SearchHints, domain: Domain, n_points: int | None, n_starts: int, rng, points: np.ndarray):
    """The n-D estimate: scrambled Sobol' points and a box's corners, then the shrinking-box search from the
    best distinct ones, and L-BFGS-B from the best of them. Given points seed it without moving the point
    set or the search: one higher than the estimate is searched from in the same way, after it."""
    d = domain.dim
    n = n_points or min(max(1 << 13, 32 * hints.units), 1 << 18)
    X = domain.sample(n, "sobol", rng=rng)
    if isinstance(domain, Box) and d <= 10:
        X = np.vstack([X, np.array(list(itertools.product(*zip(domain.lower, domain.upper))))])
    e = errors(X)
    initial = float(e.max())
    spacing = domain.diameter * n ** (-1.0 / max(domain.intrinsic_dim, 1))  # a sphere's points spread in n − 1
    top = _distinct_top(X, e, n_starts, spacing)
    P, v = _zoom(errors, domain, X[top], e[top], spacing, rng)
    best = int(np.argmax(v))
    x, value = _polish(errors, domain, P[best], float(v[best]), domain.diameter)
    if len(points):
        seeds = errors(points)
        i = int(np.argmax(seeds))
        if seeds[i] > value:
            Q, w = _zoom(errors, domain, points[i:i + 1], seeds[i:i + 1], spacing, rng)
            x, value = _polish(errors, domain, Q[0], float(w[0]), domain.diameter)
    facts = {"search": f"{d}-D Sobol'", "dim": d, "n_grid": n, "n_extra": int(len(X) - n), "n_refined": int(len(top)),
             "n_given": int(len(points))}
    return x, value, initial, facts


def _certifiable(target: Target, g, hints: SearchHints, domain: Domain) -> bool:
    """Whether the facts for a certified bracket exist (L_f, a bracketable model with a boundable σ, a domain of
    dim ≤ 3 that decides boxes: :func:`uat.certify.cover_refusal`)."""
    return (target.lipschitz is not None and hints.bracketable and not cover_refusal(domain)
            and can_bracket_model(g))


def _describe(facts: dict) -> str:
    """The estimate's method in words, from its facts."""
    if facts["search"] == "point set":
        return f"exact: the maximum over all {facts['n_grid']} points of K"
    if facts["search"] == "1-D grid":
        kinds = "transition/cluster/given" if "n_ends" not in facts else "transition/cluster/interval-end"
        text = (f"1-D: uniform grid of {facts['n_grid']} points + {facts['n_extra']} {kinds} points, the "
                f"{facts['n_refined']} largest local maxima refined together")
        if "n_ends" in facts:
            text += f" (grid over K's bounding interval, error taken at its points in K; {facts['n_ends']} interval ends)"
    elif facts["search"] == "curve parameter":
        text = (f"curve: uniform grid of {facts['n_grid']} parameter values t (+ {facts['n_extra']} interval ends), "
                f"the {facts['n_refined']} largest local maxima of the error at γ(t) refined together in t")
    else:
        text = (f"{facts['dim']}-D: {facts['n_grid']} Sobol' points + {facts['n_extra']} corners and given points, "
                f"shrinking-box search from the {facts['n_refined']} best distinct points, L-BFGS-B from the best")
    if facts.get("bracket"):
        ending = {"converged": "closed to the requested gap",
                  "budget": f"the budget of {facts['certify_evals']} evaluations ran out first",
                  "hopeless": f"stopped early: its budget could not bring it within {HOPELESS:g}× the error"}
        text += f"; upper bound proved by branch and bound ({facts['bracket']}; {ending[facts['outcome']]})"
    elif facts.get("no_bracket"):
        text += f"; no upper bound proved: {facts['no_bracket']}"
    return text


@pinned_blas
def sup_error(f, g, domain=None, *, n_points: int | None = None, n_starts: int = 16, rng=0,
              points=None, certify: bool = True, certify_rtol: float = 1e-2,
              certify_evals: int = 1 << 15, certify_early_stop: bool = True) -> SupEstimate:
    """Estimate sup_{x∈K} ‖f(x) − g(x)‖₂ by a global point set refined by local maximisation (module docstring).

    Parameters
    ----------
    f : str, Target or callable
        The target: a library name, an expression, a :class:`~uat.targets.Target` or a callable
        mapping (N, n) arrays to (N,) or (N, m).
    g : ShallowNetwork or callable
        The approximation, (N, n) → (N, m) (or (N,) when m = 1).
    domain : a uat domain or str, optional
        K (any domain: a box, ball, polygon, point set, ...); default the target's own domain.
    n_points, n_starts : int
        Size of the initial point set (default: 1-D grid points sized to g's width and steepness, n-D
        2^13..2^18 Sobol' points, 32 per unit) and the number of its candidates refined locally.
    rng : numpy.random.Generator or int
        Randomness of the n-D search (Sobol' scrambling, the shrinking-box trials).
    points : array (p, n), optional
        Points of K that seed the estimate, e.g. where the training error peaks.
    certify, certify_rtol, certify_evals, certify_early_stop : bool, float, int, bool
        Whether to prove an upper bound where the facts allow one, its target relative gap, its budget of
        error evaluations, and whether it may stop early when hopeless (see the module docstring).

    Returns
    -------
    SupEstimate
        ``.value`` attained at ``.argmax``, ``.upper`` (or None; ``.value`` itself on a point set, where the
        maximum over every point is exact), ``.floor``, ``.facts``, ``.details``.

    Examples
    --------
    >>> est = sup_error("abs", lambda X: X[:, 0] ** 2)
    >>> round(est.value, 12), est.argmax
    (0.25, array([0.5]))
    """
    target = check_pair(f, g, domain)
    search, K = _search_options(target.domain, n_points, n_starts, rng, points), target.domain
    bracket_options = _bracket_options(certify, certify_rtol, certify_evals, certify_early_stop)
    errors, hints = ErrorFunction(target, g, K), search_hints(g, K)
    certified = certify and _certifiable(target, g, hints, K)
    argmax, value, initial, grid, facts = _estimate(errors, hints, certified, **search)
    floor = rounding_floor(target, g, K.sample(FLOOR_POINTS, "sobol", rng=0))  # the bracket's too
    if facts.get("exact") or not certified:  # exact: every point of a finite K evaluated, the sup itself
        return SupEstimate(value, argmax, value, value if facts.get("exact") else None, errors.count, _describe(facts),
                           initial, floor, {}, facts)
    return _bracketed(errors, g, (argmax, value, initial, grid, facts), floor, bracket_options)


def _bracketed(errors: ErrorFunction, g, found: tuple, floor: float, bracket_options: dict) -> SupEstimate:
    """The estimate ``found`` (argmax, value, initial, grid, facts) with an upper bound proved by branch and bound
    from its grid and value; its value and argmax become the bracket's where it found a larger error."""
    argmax, value, initial, grid, facts = found
    target = errors.target
    bracket = branch_and_bound(errors, g, target.lipschitz, target.curvature, floor=floor, grid=grid,
                               seeds=(argmax[None, :], np.array([value])), **bracket_options)
    value, argmax = _take_bracket(errors, bracket, value, argmax, facts, bracket_options["budget"])
    return SupEstimate(value, argmax, value, bracket.upper, errors.count, _describe(facts), initial, floor,
                       {"bracket": bracket}, facts)


def _search_options(domain: Domain, n_points, n_starts, rng, points) -> dict:
    """The search's options, checked: n_points (or None), n_starts, rng (a Generator) and points (p, n) of K."""
    n_starts = check_int("n_starts", n_starts)
    if n_points is not None:
        n_points = check_int("n_points", n_points, minimum=2)
    rng = check_rng(rng)
    return {"n_points": n_points, "n_starts": n_starts, "rng": rng, "points": domain_points(points, domain)}


def _bracket_options(certify, certify_rtol, certify_evals, certify_early_stop) -> dict:
    """The certify options, checked, as the keywords of :func:`uat.certify.branch_and_bound`."""
    if not isinstance(certify, bool):
        raise TypeError(f"certify must be True or False; got {certify!r}")
    certify_rtol = check_nonnegative("certify_rtol", certify_rtol)
    certify_evals = check_int("certify_evals", certify_evals)
    if not isinstance(certify_early_stop, bool):
        raise TypeError(f"certify_early_stop must be True or False; got {certify_early_stop!r}")
    # hopeless None: certify.HOPELESS, read when the bracket runs
    return {"rtol": certify_rtol, "atol": 0.0, "budget": certify_evals,
            "hopeless": None if certify_early_stop else math.inf}


def _estimate(errors: ErrorFunction, hints: SearchHints, certified: bool, *, n_points, n_starts, rng, points):
    """(argmax, value, initial, grid, facts): exact on a point set (:func:`_sup_points`), in the parameter of a
    curve (:func:`_sup_curve`), 1-D (:func:`_sup_1d`, whose evaluated grid the bracket starts from) or n-D
    (:func:`_sup_nd`; grid None); ``facts["no_bracket"]`` says why a model that cannot be bracketed is not.
    The argmax is a point of K (``contains``) where ``value`` is attained."""
    domain, grid = errors.domain, None
    if isinstance(domain, PointSet):
        argmax, value, initial, facts = _sup_points(errors, domain, points)
    elif hasattr(domain, "parametrisation"):
        argmax, value, initial, facts = _sup_curve(errors, hints, domain, n_points, n_starts, points)
    elif domain.dim == 1:
        argmax, value, initial, grid, facts = _sup_1d(errors, hints, domain, n_points, n_starts, points, certified)
    else:
        argmax, value, initial, facts = _sup_nd(errors, hints, domain, n_points, n_starts, rng, points)
    argmax = np.asarray(argmax, dtype=float)
    if not domain.contains(argmax[None, :])[0]:  # a domain whose map or projection rounds off K: its projection
        argmax = domain.project(argmax[None, :])[0]
        value = errors.at(argmax)
    if hints.no_bracket and not facts.get("exact"):  # a model that says why no upper bound can be proved for it
        facts["no_bracket"] = hints.no_bracket
    return argmax, value, initial, grid, facts


def _take_bracket(errors: ErrorFunction, bracket, value: float, argmax: np.ndarray, facts: dict, budget: int):
    """Record the bracket (of that budget) in ``facts``; (value, argmax) become its lower bound and point where
    it found a larger error (in 1-D refined to the local maximum near that cell midpoint)."""
    facts.update(bracket=bracket.kind, converged=bracket.converged, outcome=bracket.outcome, certify_evals=budget)
    if bracket.lower > value:
        value, argmax = bracket.lower, bracket.argmax
        domain = errors.domain
        if domain.dim == 1 and isinstance(domain, Box):  # a cell midpoint: its local maximum is higher still
            spacing = (domain.upper[0] - domain.lower[0]) / max(facts["n_grid"] - 1, 1)
            near_x, near = _refine_near(errors, domain.lower[0], domain.upper[0], float(argmax[0]), spacing)
            if near > value:
                value, argmax = near, near_x
    return value, argmax


@pinned_blas
def rms_error(f, g, domain=None, *, n_points: int = 1 << 16, rng=0) -> float:
    """Root-mean-square error sqrt(∫_K ‖f − g‖² dx / |K|), by the midpoint rule (a 1-D box), exactly over
    every point (a point set: ``n_points`` is not used) or by Sobol' QMC on K's own measure
    (``domain.sample(n_points, "sobol")``: volume, arc length, area of a sphere).

    Parameters
    ----------
    f, g, domain
        As in :func:`sup_error`.
    n_points : int
        Number of quadrature points.
    rng : numpy.random.Generator or int
        Scrambling of the Sobol' points (n-D).
    """
    target = check_pair(f, g, domain)
    domain = target.domain
    n_points = check_int("n_points", n_points)
    errors = ErrorFunction(target, g, domain)
    if domain.dim == 1 and isinstance(domain, Box):
        a, b = domain.lower[0], domain.upper[0]
        X = (a + (np.arange(n_points) + 0.5) * (b - a) / n_points)[:, None]
    elif isinstance(domain, PointSet):  # the counting measure: every point once, exact
        X = domain.X
    else:
        X = domain.sample(n_points, "sobol", rng=check_rng(rng))
    return float(rms(errors(X)))  # scaled first: errors near 1e200 have an RMS near 1e200, not inf
