"""Sup-norm and RMS errors of an approximation g of f over a compact domain K.

The sup norm sup_{x∈K} ‖f(x) − g(x)‖₂ is the quantity the universal approximation theorem is
about. A raw grid maximum underestimates it (a kink maximum between grid points is easily missed
by half), so :func:`sup_error` refines:

* **1-D**: a uniform grid sized to the width and steepness of g and to the domain, plus the
  transition points −b_i/a_i of a network's units, then bounded Brent maximisation
  (``scipy.optimize.minimize_scalar``) on the bracket around each of the largest local maxima.
* **n-D**: scrambled Sobol' points (and a box's corners), then around the best distinct
  candidates a vectorised shrinking-box search (robust at kinks) and L-BFGS-B (bounded;
  a ball is handled by radial projection).

The reported ``value`` is always attained at ``argmax``, so it is a certified lower bound of the
true sup. When f has a known Lipschitz constant, g is a network with a continuous σ and K is a box
of dimension ≤ 3, :func:`uat.certify.sup_bracket` then proves an ``upper`` bound by branch and
bound (seeded with the estimate; budget ``certify_evals``, target gap ``certify_rtol``); if it
finds a larger error than the estimate, ``value`` and ``argmax`` take it. ``floor`` is the float64 rounding noise of evaluating g (measured by re-summing
its units in other orders, see :meth:`uat.ShallowNetwork.rounding_floor`) plus eps·max‖f‖: errors
within a small multiple of it are rounding noise, not approximation error.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from uat._threads import pinned_blas
from uat._validation import as_points, check_int, check_nonnegative, check_rng
from uat.certify import can_bracket, sup_bracket
from uat.errornorm import ErrorFunction, check_pair, rounding_floor
from uat.domains import Ball, Box, Domain
from uat.network import ShallowNetwork, interior_transitions
from uat.targets import Target

__all__ = ["SupEstimate", "sup_error", "rms_error"]

_MAX_GRID = (1 << 18) + 1


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
        The float64 rounding noise of evaluating g (and f) on K, measured on 4096 points.
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

    def __float__(self) -> float:
        return self.value


def _grid_size_1d(target: Target, g, domain: Box) -> int:
    """Points of the initial 1-D grid: ≥ 2^16 + 1 (2^18 + 1 when f's smoothness is unknown: it may be
    as rough as Takagi's function), ≥ 64 per unit, ≥ 16 per transition width of the steepest unit."""
    n = (1 << 16) + 1 if target.lipschitz is not None else _MAX_GRID
    if isinstance(g, ShallowNetwork):
        steepest = float(np.max(np.abs(g.A))) * domain.diameter
        n = max(n, 64 * g.width + 1, int(min(16 * steepest, _MAX_GRID)) + 1)
    return min(n, _MAX_GRID)


def _local_maxima(values: np.ndarray) -> np.ndarray:
    """Indices of the local maxima of a 1-D array (plateaus and endpoints included), largest first."""
    left = np.concatenate([[-np.inf], values[:-1]])
    right = np.concatenate([values[1:], [-np.inf]])
    idx = np.flatnonzero((values >= left) & (values >= right))
    return idx[np.argsort(values[idx])[::-1]]


def _sup_1d(errors: ErrorFunction, g, domain: Box, n_points: int | None, n_starts: int, points: np.ndarray):
    a, b = domain.lower[0], domain.upper[0]
    n = n_points or _grid_size_1d(errors.target, g, domain)
    grid = np.linspace(a, b, n)
    extra = points[:, 0]
    if isinstance(g, ShallowNetwork):
        extra = np.concatenate([extra, interior_transitions(g.A, g.b, a, b)])
    x = np.concatenate([grid, extra])
    order = np.argsort(x, kind="stable")
    x = x[order]
    e = errors(x[:, None])
    e_grid = e[np.argsort(order)[:n]]
    best_i = int(np.argmax(e))
    best_x, best = x[best_i], float(e[best_i])
    tol = 1e-12 * (b - a)
    maxima = _local_maxima(e)
    for i in maxima[:n_starts]:
        lo, hi = x[max(i - 1, 0)], x[min(i + 1, len(x) - 1)]
        if hi - lo <= tol:
            continue
        # Brent in coordinates centred on the bracket: scipy's tolerance adds √eps·|coordinate|,
        # which at |x| ~ 1 would stop a kink maximum ~1e-8 short instead of ~1e-12.
        mid = 0.5 * (lo + hi)
        res = minimize_scalar(lambda s: -errors.at([mid + s]), bounds=(lo - mid, hi - mid), method="bounded",
                              options={"xatol": tol, "maxiter": 200})
        x_found = min(max(mid + float(res.x), lo), hi)
        slack = 8 * (np.sqrt(np.finfo(float).eps) * abs(float(res.x)) + tol)
        x_found, value = _golden(errors, max(lo, x_found - slack), min(hi, x_found + slack), x_found)
        if value > best * (1 + 4 * np.finfo(float).eps):  # a real improvement, not a rounding tie
            best, best_x = value, x_found
    method = (f"1-D: uniform grid of {n} points + {extra.size} transition/given points, bounded Brent on the "
              f"{min(n_starts, maxima.size)} largest local maxima")
    return np.array([best_x]), best, float(e_grid.max()), (b - a) / (n - 1), method


def _golden(errors: ErrorFunction, lo: float, hi: float, x0: float) -> tuple[float, float]:
    """Golden-section maximisation on [lo, hi] down to a few ulps, after Brent (whose tolerance of
    √eps·|x| leaves a kink maximum short); returns the best (x, value) seen, x0 included."""
    best_x, best = x0, errors.at([x0])
    ratio = (np.sqrt(5.0) - 1) / 2
    c, d = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fc, fd = errors.at([c]), errors.at([d])
    for _ in range(100):
        if hi - lo <= 4 * np.finfo(float).eps * max(1.0, abs(lo), abs(hi)):
            break
        if fc >= fd:
            hi, d, fd = d, c, fc
            c = hi - ratio * (hi - lo)
            fc = errors.at([c])
        else:
            lo, c, fc = c, d, fd
            d = lo + ratio * (hi - lo)
            fd = errors.at([d])
        for x, value in ((c, fc), (d, fd)):
            if value > best:
                best_x, best = x, value
    return best_x, best


def _distinct_top(X: np.ndarray, e: np.ndarray, k: int, radius: float) -> np.ndarray:
    """Indices of up to k largest values whose points are at least ``radius`` apart."""
    chosen: list[int] = []
    for i in np.argsort(e)[::-1][: 50 * k]:
        if all(np.linalg.norm(X[i] - X[j]) >= radius for j in chosen):
            chosen.append(int(i))
            if len(chosen) == k:
                break
    return np.array(chosen)


def _zoom(errors: ErrorFunction, domain: Domain, starts: np.ndarray, values: np.ndarray, radius: float,
          rng: np.random.Generator, rounds: int = 60, per_round: int = 16):
    """Vectorised shrinking-box search from each start: try random points in a box around it, keep improvements."""
    P, v = starts.copy(), values.copy()
    r = np.full(len(P), radius)
    for _ in range(rounds):
        trial = P[:, None, :] + r[:, None, None] * rng.uniform(-1, 1, (len(P), per_round, P.shape[1]))
        trial = domain.project(trial.reshape(-1, P.shape[1])).reshape(trial.shape)
        te = errors(trial.reshape(-1, P.shape[1])).reshape(len(P), per_round)
        j = np.argmax(te, axis=1)
        better = te[np.arange(len(P)), j] > v
        P[better], v[better] = trial[better, j[better]], te[better, j[better]]
        r = np.where(better, r, r * 0.6)
    return P, v


def _polish(errors: ErrorFunction, domain: Domain, x0: np.ndarray):
    lower, upper = domain.bounds
    if isinstance(domain, Ball):
        fun = lambda x: -errors.at(domain.project(x[None])[0])  # noqa: E731
    else:
        fun = lambda x: -errors.at(x)  # noqa: E731
    res = minimize(fun, x0, method="L-BFGS-B", bounds=list(zip(lower, upper)),
                   options={"maxiter": 200, "ftol": 1e-15, "gtol": 1e-12})
    x = domain.project(res.x[None])[0]
    return x, errors.at(x)


def _sup_nd(errors: ErrorFunction, g, domain: Domain, n_points: int | None, n_starts: int, rng, points: np.ndarray):
    d = domain.dim
    width = g.width if isinstance(g, ShallowNetwork) else 0
    n = n_points or min(max(1 << 14, 32 * width), 1 << 18)
    X = np.vstack([domain.sample(n, "sobol", rng=rng), points])
    if isinstance(domain, Box) and d <= 10:
        X = np.vstack([X, np.array(list(itertools.product(*zip(domain.lower, domain.upper))))])
    e = errors(X)
    initial = float(e.max())
    spacing = domain.diameter * n ** (-1.0 / d)
    top = _distinct_top(X, e, n_starts, spacing)
    P, v = _zoom(errors, domain, X[top], e[top], spacing, rng)
    best_i = int(np.argmax(v))
    best_x, best = P[best_i], float(v[best_i])
    for i in np.argsort(v)[::-1][: max(1, n_starts // 4)]:
        x, val = _polish(errors, domain, P[i])
        if val > best:
            best_x, best = x, val
    method = (f"{d}-D: {n} Sobol' points + {len(X) - n} corners/given points, shrinking-box search "
              f"from the {len(top)} best distinct points, L-BFGS-B from the best {max(1, n_starts // 4)}")
    return best_x, best, initial, method


def _bracket(target: Target, g, domain: Domain, argmax: np.ndarray, rtol: float, max_evals: int):
    """The certified bracket when the facts for one exist (else None)."""
    if target.lipschitz is None or not isinstance(g, ShallowNetwork) or not isinstance(domain, Box) \
            or domain.dim > 3 or not can_bracket(g.activation):
        return None
    return sup_bracket(target, g, rtol=rtol, max_evals=max_evals, points=argmax[None, :])


@pinned_blas
def sup_error(f, g, domain=None, *, n_points: int | None = None, n_starts: int = 16, rng=0,
              points=None, certify: bool = True, certify_rtol: float = 1e-2,
              certify_evals: int = 1 << 15) -> SupEstimate:
    """Estimate sup_{x∈K} ‖f(x) − g(x)‖₂ by a global point set refined by local maximisation.

    Parameters
    ----------
    f : str, Target or callable
        The target: a library name, an expression, a :class:`~uat.targets.Target` or a callable
        mapping (N, n) arrays to (N,) or (N, m).
    g : ShallowNetwork or callable
        The approximation, (N, n) → (N, m) (or (N,) when m = 1).
    domain : Box, Ball or str, optional
        K; default the target's own domain.
    n_points : int, optional
        Size of the initial point set (1-D: grid points). Default: sized to g's width and
        steepness (1-D) or 2^14..2^18 Sobol' points (n-D).
    n_starts : int
        Number of candidates refined locally.
    rng : numpy.random.Generator or int
        Randomness of the n-D search (Sobol' scrambling, the shrinking-box trials).
    points : array (p, n), optional
        Extra points of K added to the initial set, e.g. where the training error peaks (then
        the estimate is never below the training maximum).
    certify : bool
        Also prove an upper bound (:func:`uat.certify.sup_bracket`) where the facts allow one.
    certify_rtol, certify_evals : float, int
        The bracket's target relative gap and its budget of error evaluations; the bracket
        reached is reported either way (``details["bracket"]`` says whether it converged).

    Returns
    -------
    SupEstimate
        ``.value`` (attained at ``.argmax``), ``.lower``, ``.upper`` (or None), ``.n_evals``,
        ``.method``, ``.initial`` (the raw maximum over the initial points) and ``.floor``.

    Examples
    --------
    >>> est = sup_error("abs", lambda X: X[:, 0] ** 2)
    >>> round(est.value, 12), est.argmax
    (0.25, array([-0.5]))
    """
    target = check_pair(f, g, domain)
    domain = target.domain
    n_starts = check_int("n_starts", n_starts)
    if n_points is not None:
        n_points = check_int("n_points", n_points, minimum=2)
    rng = check_rng(rng)
    points = np.empty((0, domain.dim)) if points is None else as_points("points", points, domain.dim)
    if not np.all(domain.contains(points)):
        raise ValueError(f"points must lie in the domain {domain}; got {points[~domain.contains(points)][0].tolist()}")
    if not isinstance(certify, bool):
        raise TypeError(f"certify must be True or False; got {certify!r}")
    certify_rtol = check_nonnegative("certify_rtol", certify_rtol)
    certify_evals = check_int("certify_evals", certify_evals)
    errors = ErrorFunction(target, g, domain)
    if domain.dim == 1 and isinstance(domain, Box):
        argmax, value, initial, _, method = _sup_1d(errors, g, domain, n_points, n_starts, points)
    else:
        argmax, value, initial, method = _sup_nd(errors, g, domain, n_points, n_starts, rng, points)
    argmax = np.asarray(argmax, dtype=float)
    bracket = _bracket(target, g, domain, argmax, certify_rtol, certify_evals) if certify else None
    upper, n_evals, details = None, errors.count, {}
    if bracket is not None:
        upper, n_evals, details = bracket.upper, n_evals + bracket.n_evals, {"bracket": bracket}
        if bracket.lower > value:
            value, argmax = bracket.lower, bracket.argmax
        method += (f"; upper bound proved by branch and bound ({bracket.kind}; "
                   + ("closed to the requested gap" if bracket.converged else
                      f"the budget of {certify_evals} evaluations ran out first") + ")")
    # the bracket measured the same floor on the same points: do not evaluate it twice
    floor = bracket.floor if bracket is not None else rounding_floor(target, g, domain.sample(4096, "sobol", rng=0))
    return SupEstimate(value, argmax, value, upper, n_evals, method, initial, floor, details)


@pinned_blas
def rms_error(f, g, domain=None, *, n_points: int = 1 << 16, rng=0) -> float:
    """Root-mean-square error sqrt(∫_K ‖f − g‖² dx / |K|), by the midpoint rule (1-D) or Sobol' QMC (n-D).

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
    else:
        X = domain.sample(n_points, "sobol", rng=check_rng(rng))
    return float(math.sqrt(np.mean(errors(X) ** 2)))
