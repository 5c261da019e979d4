"""Best uniform polynomial approximation: E_p(f) = min_{deg P ≤ p} sup_{x∈K} |f(x) − P(x)|.

A network with a polynomial activation σ(z) = z^p is a polynomial of total degree ≤ p in x however
wide, so its sup error never falls below E_p(f): the floor of the polynomial counterexample.

P is written in the Chebyshev tensor basis T_α(u) = Π_k T_{α_k}(u_k), |α| ≤ p, on the bounding box of
K mapped affinely to [-1, 1]^n (never monomials: degree 60 in 1-D stays well conditioned). E_p is
bracketed by an exchange (Remez-like, Cheney ch. 3; Trefethen, *ATAP* ch. 10):

1. on a finite point set X ⊂ K solve the linear program min_c max_i |f(x_i) − Φ(x_i) c|
   (:func:`uat.fitting.minimax.minimax_solve`); its value ``lower`` ≤ E_p since X ⊂ K;
2. estimate ``value`` = sup_K |f − P| with :func:`uat.sup_error`, seeded with the local maxima of
   |f − P| on X refined by a vectorised pattern search; ``value`` ≥ E_p (it is attained by P);
3. stop when value ≤ lower·(1 + rtol) + floor, else add the refined maxima and sup_error's argmax
   to X and solve again.

``floor`` = 64·eps·(max|f| + Σ|c_α|) allows for the rounding of evaluating f − P (|T_α| ≤ 1 on the
box): for entire targets at high degree E_p lies below it, and the bracket is then rounding noise
(``lower`` may even exceed ``value``). Otherwise ``lower`` ≤ E_p holds up to the LP's tolerance
(HiGHS, ~1e-7 relative after :func:`minimax_solve`'s rescaling).

Supported: scalar targets (m = 1) on 1-D and 2-D domains, boxes and balls (a 1-D ball is its
interval). Vector targets are refused: the Euclidean sup‖f − P‖₂ is a second-order cone problem, not
the LP solved here. Dimension ≥ 3 is refused: the initial point sets are built for intervals and
planar domains.

The polynomial baselines built on it (:class:`~uat.fitting.baselines.PolynomialApproximant`, the
methods ``chebyshev`` and ``poly_minimax``) live in :mod:`uat.fitting.baselines`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import chebyshev as cheb
from scipy.spatial import cKDTree

from uat._threads import pinned_blas
from uat._validation import as_points, check_int, check_real
from uat.domains import Ball, Box, Domain, PointSet
from uat.exceptions import ConvergenceWarning
from uat.fitting.minimax import minimax_solve
from uat.network import BLOCK
from uat.supnorm import sup_error
from uat.targets import Target, as_target

__all__ = ["BestPolynomial", "best_polynomial", "polynomial_exchange", "chebyshev_basis", "total_degree_indices",
           "to_unit", "coefficient_tensor", "clenshaw"]

_REFINE_STEPS = 50  # pattern-search halvings: the step falls to 2^-50 of the local spacing


def total_degree_indices(dim: int, degree: int) -> np.ndarray:
    """Multi-indices α ∈ ℕ^dim with |α| ≤ degree, (n_basis, dim), graded: by |α|, then α₁ descending, ...

    n_basis = C(degree + dim, dim); in 1-D the rows are 0, 1, ..., degree.
    """
    alpha = np.indices((degree + 1,) * dim).reshape(dim, -1).T
    alpha = alpha[alpha.sum(axis=1) <= degree]
    return alpha[np.lexsort([-alpha[:, k] for k in range(dim - 1, -1, -1)] + [alpha.sum(axis=1)])]


def to_unit(X: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """u = (2x − (lower + upper)) / (upper − lower): the points X (N, n) of the box [lower, upper] mapped onto
    [-1, 1]^n, where the Chebyshev basis lives (the one formula every evaluation of a P uses)."""
    return (2 * X - (lower + upper)) / (upper - lower)


def chebyshev_basis(X, degree: int, lower, upper) -> np.ndarray:
    """Φ (N, n_basis): Φ_iα = Π_k T_{α_k}(u_ik), u the box [lower, upper] mapped onto [-1, 1]^n.

    Columns are ordered as :func:`total_degree_indices`; |Φ| ≤ 1 on the box.
    """
    lower, upper = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    U = to_unit(as_points("X", X, lower.size), lower, upper)
    alpha = total_degree_indices(U.shape[1], degree)
    Phi = np.ones((U.shape[0], alpha.shape[0]))
    for k in range(U.shape[1]):
        Phi *= cheb.chebvander(U[:, k], degree)[:, alpha[:, k]]
    return Phi


def coefficient_tensor(coefficients: np.ndarray, degree: int, dim: int) -> np.ndarray:
    """c_α (n_basis,), ordered as :func:`total_degree_indices`, as the (degree+1,)*dim tensor c[α₁, …, α_n], zero
    where |α| > degree: the form :func:`clenshaw` evaluates (and ``numpy.polynomial.chebyshev`` differentiates)."""
    tensor = np.zeros((degree + 1,) * dim)
    tensor[tuple(total_degree_indices(dim, degree).T)] = coefficients
    return tensor


def clenshaw(U: np.ndarray, tensor: np.ndarray) -> np.ndarray:
    """P(u) = Σ_α c_α T_α(u) (N,) on the rows of U (N, n) ⊂ [-1, 1]^n, c the tensor of :func:`coefficient_tensor`,
    by Clenshaw's recurrence along each axis.

    Row chunks hold at most ``BLOCK`` intermediate entries ((degree+1)^(n−1) per row); Clenshaw is elementwise
    in u, so each value is independent of the other rows.
    """
    N, dim = U.shape
    rows = max(1, BLOCK // tensor.shape[0] ** (dim - 1))
    out = np.empty(N)
    for start in range(0, N, rows):
        chunk = U[start:start + rows]
        values = cheb.chebval(chunk[:, 0], tensor)
        for k in range(1, dim):
            values = cheb.chebval(chunk[:, k], values, tensor=False)
        out[start:start + rows] = values
    return out


@dataclass(frozen=True, eq=False)
class BestPolynomial:
    """The best uniform polynomial approximation P of total degree ≤ ``degree`` found, with its bracket of E_p.

    Attributes
    ----------
    degree : int
    domain : Box or Ball
        K.
    coefficients : ndarray (1, n_basis)
        In the Chebyshev basis of :func:`chebyshev_basis` on K's bounding box.
    lower : float
        The LP optimum on the final point set: ≤ E_p(f) up to the LP's tolerance (HiGHS's ~1e-7, relative
        to the residual after :func:`minimax_solve`'s rescaling: lower may exceed E_p by ~1e-7·E_p).
    value : float
        sup_K |f − P| estimated by :func:`uat.sup_error` (attained at ``argmax``): ≥ E_p(f).
    argmax : ndarray (n,)
    n_points : int
        Size of the final point set.
    iterations : int
        LP solves (exchange rounds).
    converged : bool
        Whether value ≤ lower·(1 + rtol) + floor was reached (see the module docstring).
    """

    degree: int
    domain: Domain
    coefficients: np.ndarray
    lower: float
    value: float
    argmax: np.ndarray
    n_points: int
    iterations: int
    converged: bool

    def __call__(self, X) -> np.ndarray:
        """P(X), (N, n) → (N, 1)."""
        X = as_points("X", X, self.domain.dim)
        U = to_unit(X, *self.domain.bounds)
        return clenshaw(U, coefficient_tensor(self.coefficients[0], self.degree, self.domain.dim))[:, None]


def _lobatto(n: int) -> np.ndarray:
    """n Chebyshev–Lobatto points sin(π(n−1−2j)/(2(n−1))) on [-1, 1]: ±1 included, exactly symmetric."""
    return np.sin(np.pi * (n - 1 - 2 * np.arange(n)) / (2 * (n - 1)))[::-1]


def _initial_points(domain: Domain, degree: int, n_points: int | None) -> np.ndarray:
    """1-D interval: Chebyshev–Lobatto points; 2-D box: their tensor grid; 2-D ball: a masked grid plus its
    circle; any other domain: the tensor grid over its bounding box kept where it lies in K, plus points of its
    outline (projected onto K) and as many scrambled Sobol' points of K (seed 0); a point set: its points."""
    lower, upper = domain.bounds
    centre, half = (lower + upper) / 2, (upper - lower) / 2
    if domain.dim == 1 and isinstance(domain, (Box, Ball)):
        n = n_points or max(20 * (degree + 1), 2001)
        return np.clip(centre + half * _lobatto(n)[:, None], lower, upper)
    if isinstance(domain, Box):
        m = math.ceil(math.sqrt(n_points)) if n_points else max(6 * (degree + 1), 41)
        t = _lobatto(m)
        U = np.stack(np.meshgrid(t, t, indexing="ij"), axis=-1).reshape(-1, 2)
        return np.clip(centre + half * U, lower, upper)
    if isinstance(domain, Ball):
        m = math.ceil(math.sqrt(4 * n_points / math.pi)) if n_points else max(6 * (degree + 1), 41)
        t = np.linspace(-1.0, 1.0, m)
        U = np.stack(np.meshgrid(t, t, indexing="ij"), axis=-1).reshape(-1, 2)
        theta = 2 * np.pi * np.arange(4 * m) / (4 * m)
        X = np.vstack([centre + half * U[np.sum(U**2, axis=1) < 1],
                       centre + domain.radius * np.stack([np.cos(theta), np.sin(theta)], axis=1)])
        return domain.project(X)
    if isinstance(domain, PointSet):
        return np.array(domain.X)
    n = n_points or (max(20 * (degree + 1), 2001) if domain.dim == 1 else max(6 * (degree + 1), 41) ** 2)
    m = n if domain.dim == 1 else math.ceil(math.sqrt(n))
    t = _lobatto(m)
    U = t[:, None] if domain.dim == 1 else np.stack(np.meshgrid(t, t, indexing="ij"), axis=-1).reshape(-1, 2)
    grid = np.clip(centre + half * U, lower, upper)
    parts = [grid[domain.contains(grid)], domain.sample(n, "sobol", rng=0)]
    for line in domain.outline() or []:
        parts.append(domain.project(line))
    return np.vstack(parts)


def _stencil(dim: int) -> np.ndarray:
    """Offsets {0, ±1/2, ±1}^dim, the zero offset first (so ties keep the current point)."""
    t = np.array([0.0, -1.0, -0.5, 0.5, 1.0])
    return np.stack(np.meshgrid(*[t] * dim, indexing="ij"), axis=-1).reshape(-1, dim)


def _refine(error, domain: Domain, X0: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised pattern search: from each row of X0 move to the best stencil point (in K), halve the step."""
    S = _stencil(domain.dim)
    rows = np.arange(X0.shape[0])
    X, r = X0.copy(), radius.copy()
    for _ in range(_REFINE_STEPS):
        trial = domain.project((X[:, None, :] + r[:, None, None] * S).reshape(-1, domain.dim))
        e = error(trial).reshape(len(X), len(S))
        j = np.argmax(e, axis=1)
        X, best, r = trial.reshape(len(X), len(S), -1)[rows, j], e[rows, j], r / 2
    return X, best


def _local_peaks(error, domain: Domain, X: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``limit`` largest local maxima of the error on the point set (against its 3^n − 1 nearest
    neighbours), each refined by :func:`_refine` from a step of its neighbour distance."""
    dist, idx = cKDTree(X).query(X, k=min(3**domain.dim, X.shape[0]))
    e = error(X)
    peaks = np.flatnonzero(e >= e[idx].max(axis=1))
    peaks = peaks[np.argsort(e[peaks])[::-1][:limit]]
    return _refine(error, domain, X[peaks], dist[peaks].max(axis=1))


def _distinct(X: np.ndarray, scale: float) -> np.ndarray:
    """Rows of X with duplicates (equal to ~1e-12 of the domain's size) removed."""
    return X[np.sort(np.unique(np.round(X / (1e-12 * scale)), axis=0, return_index=True)[1])]


def _check_inputs(target, degree, domain, n_points, rtol, max_rounds):
    f = as_target(target, domain)
    if f.dim > 2:
        raise ValueError(f"domain must have dimension 1 or 2 for best_polynomial; got the {f.dim}-D domain "
                         f"{f.domain} (the point sets and the exchange are built for intervals and planar domains)")
    degree = check_int("degree", degree, minimum=0)
    n_basis = math.comb(degree + f.dim, f.dim)
    if n_points is not None:
        n_points = check_int("n_points", n_points, minimum=n_basis + 1)
    rtol = check_real("rtol", rtol, positive=True)
    max_rounds = check_int("max_rounds", max_rounds, minimum=1)
    return f, degree, n_points, rtol, max_rounds


def _as_interval(f: Target) -> Target:
    """A 1-D ball is an interval: give it to the 1-D machinery (grids, sup_error's Brent) as a Box."""
    if isinstance(f.domain, Ball) and f.dim == 1:
        return as_target(f, Box(f.domain.center[0] - f.domain.radius, f.domain.center[0] + f.domain.radius))
    return f


def _values(f: Target, X: np.ndarray) -> np.ndarray:
    Y = f(X)
    if Y.shape[1] != 1:
        raise ValueError(f"target must be scalar-valued (m = 1) for best_polynomial; got target {f.name!r} with "
                         f"m = {Y.shape[1]} outputs (the Euclidean sup error of a vector target is not a linear "
                         "program; approximate each component separately)")
    return Y[:, 0]


def _error(f: Target, P: BestPolynomial):
    """x ↦ |f(x) − P(x)| on (N, n) arrays."""
    return lambda X: np.abs(_values(f, X) - P(X)[:, 0])


def best_polynomial(target, degree: int, domain=None, *, n_points: int | None = None, rtol: float = 1e-3,
                    max_rounds: int = 20) -> BestPolynomial:
    """Bracket E_p(f) = min_{deg P ≤ p} sup_K |f − P| by linear programming with exchange.

    Parameters
    ----------
    target : str, Target or callable
        A scalar f, anything :func:`uat.targets.as_target` accepts.
    degree : int >= 0
        p, the total degree.
    domain : Box, Ball or str, optional
        K, of dimension 1 or 2; default the target's own.
    n_points : int, optional
        Size of the initial point set, >= n_basis + 1 (1-D: degree + 2). 1-D: that many
        Chebyshev–Lobatto points, default max(20(p+1), 2001); 2-D box: a ⌈√n_points⌉² tensor grid of
        them, default max(6(p+1), 41)²; 2-D ball: about n_points grid points inside plus points on
        the circle.
    rtol : float > 0
        Stop when value ≤ lower·(1 + rtol) + floor.
    max_rounds : int >= 1
        LP solves at most (a ConvergenceWarning if the bracket is still wider).

    Returns
    -------
    BestPolynomial
        P (callable), with ``lower`` ≤ E_p(f) ≤ ``value``.

    Examples
    --------
    >>> best = best_polynomial("abs", 2)   # E₂(|x|) = 1/8: P(x) = x² + 1/8
    >>> round(best.lower, 6), round(best.value, 6)
    (0.125, 0.125)
    """
    best, _, _ = polynomial_exchange(target, degree, domain, n_points=n_points, rtol=rtol, max_rounds=max_rounds,
                                     caller="best_polynomial")
    return best


def polynomial_exchange(target, degree: int, domain=None, *, n_points: int | None = None, rtol: float = 1e-3,
                        max_rounds: int = 20,
                        caller: str = "polynomial_exchange") -> tuple[BestPolynomial, np.ndarray, np.ndarray]:
    """:func:`best_polynomial` (the same parameters, checked the same way), with the point set it ends on.

    Returns
    -------
    best : BestPolynomial
    X : ndarray (N, n)
        The final point set of the exchange (the LP's points), N = ``best.n_points``.
    Y : ndarray (N,)
        f(X).

    A ConvergenceWarning when the bracket is still wider than ``rtol`` after ``max_rounds`` names ``caller``, the
    function that called this one (``"best_polynomial"``, ``"poly_minimax"``), and is attributed to its caller.
    """
    f, degree, n_points, rtol, max_rounds = _check_inputs(target, degree, domain, n_points, rtol, max_rounds)
    with pinned_blas:
        best, X, Y = _exchange(f, degree, n_points, rtol, max_rounds)
    if not best.converged:
        warnings.warn(f"{caller} stopped after {max_rounds} rounds with the bracket [{best.lower:.6g}, "
                      f"{best.value:.6g}] of E_{best.degree} wider than rtol = {rtol:g}; raise max_rounds or n_points",
                      ConvergenceWarning, stacklevel=3)
    return best, X, Y


def _exchange(f: Target, degree: int, n_points: int | None, rtol: float,
              max_rounds: int) -> tuple[BestPolynomial, np.ndarray, np.ndarray]:
    """The exchange loop of the module docstring, on validated input; also returns the final point set
    X (N, n) and the values f(X) (N,)."""
    domain, f = f.domain, _as_interval(f)
    K = f.domain
    X = _initial_points(K, degree, n_points)
    Y = _values(f, X)
    limit = 2 * math.comb(degree + K.dim, K.dim) + 8
    for rounds in range(1, max_rounds + 1):
        C, level = minimax_solve(chebyshev_basis(X, degree, *K.bounds), Y)
        best = BestPolynomial(degree, domain, C, level, 0.0, X[0], X.shape[0], rounds, False)
        peaks, peak_errors = _local_peaks(_error(f, best), K, X, limit)
        est = sup_error(f, best, points=peaks, rng=0)
        floor = 64 * np.finfo(float).eps * (float(np.max(np.abs(Y))) + float(np.sum(np.abs(C))))
        converged = est.value <= level * (1 + rtol) + floor
        if converged or rounds == max_rounds:
            break
        new = _distinct(np.vstack([peaks[peak_errors > level], est.argmax[None]]), K.diameter)
        X, Y = np.vstack([X, new]), np.concatenate([Y, _values(f, new)])
    return BestPolynomial(degree, domain, C, level, est.value, est.argmax, X.shape[0], rounds, bool(converged)), X, Y


# --- polynomials as fitted models ----------------------------------------------------------------
