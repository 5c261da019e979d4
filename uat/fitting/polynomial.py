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

**Polynomial baselines.** :class:`PolynomialApproximant` is such a P as a fitted model (callable,
``n_params``, ``save``/``load``), and two registered fitting methods produce it, so that a study charts
polynomials and networks on one axis of parameter counts:

* ``chebyshev``: interpolation at the p + 1 first-kind Chebyshev points of an interval (coefficients by
  a DCT-II, as ``numpy.polynomial.chebyshev.chebinterpolate``); error ≤ (2 + (2/π) log(p+1)) E_p(f);
* ``poly_minimax``: :func:`best_polynomial`, 1-D and 2-D, boxes and discs.

Both take ``degree="match"`` by default, the largest p whose C(p+n, n) coefficients are at most the
width-k network's k(n+1) + k parameters (:func:`matched_degree`; 1-D p = 3k − 1). Neither uses σ: any
activation is accepted and ignored, so in a study restrict them to one σ of the grid,
``[methods.chebyshev] activations = ["tanh"]``, or each σ repeats the same polynomial.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import warnings
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from numpy.polynomial import chebyshev as cheb
from scipy.fft import dct
from scipy.spatial import cKDTree

from uat._threads import single_numpy_blas
from uat._validation import as_float_array, as_points, check_int, check_real
from uat.domains import Ball, Box, Domain, as_domain, parse_domain
from uat.exceptions import ConvergenceWarning
from uat.fitting.base import Fitted, Method, Problem, register_method
from uat.fitting.minimax import minimax_solve
from uat.network import BLOCK
from uat.supnorm import sup_error
from uat.targets import Target, as_target

__all__ = ["BestPolynomial", "MAX_DEGREE", "PolynomialApproximant", "best_polynomial", "chebyshev_basis",
           "matched_degree", "total_degree_indices"]

_REFINE_STEPS = 50  # pattern-search halvings: the step falls to 2^-50 of the local spacing


def total_degree_indices(dim: int, degree: int) -> np.ndarray:
    """Multi-indices α ∈ ℕ^dim with |α| ≤ degree, (n_basis, dim), graded: by |α|, then α₁ descending, ...

    n_basis = C(degree + dim, dim); in 1-D the rows are 0, 1, ..., degree.
    """
    alpha = np.indices((degree + 1,) * dim).reshape(dim, -1).T
    alpha = alpha[alpha.sum(axis=1) <= degree]
    return alpha[np.lexsort([-alpha[:, k] for k in range(dim - 1, -1, -1)] + [alpha.sum(axis=1)])]


def _to_unit(X: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """u = (2x − (lower + upper)) / (upper − lower): the bounding box onto [-1, 1]^n."""
    return (2 * X - (lower + upper)) / (upper - lower)


def chebyshev_basis(X, degree: int, lower, upper) -> np.ndarray:
    """Φ (N, n_basis): Φ_iα = Π_k T_{α_k}(u_ik), u the box [lower, upper] mapped onto [-1, 1]^n.

    Columns are ordered as :func:`total_degree_indices`; |Φ| ≤ 1 on the box.
    """
    lower, upper = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    U = _to_unit(as_points("X", X, lower.size), lower, upper)
    alpha = total_degree_indices(U.shape[1], degree)
    Phi = np.ones((U.shape[0], alpha.shape[0]))
    for k in range(U.shape[1]):
        Phi *= cheb.chebvander(U[:, k], degree)[:, alpha[:, k]]
    return Phi


def _coefficient_tensor(coefficients: np.ndarray, degree: int, dim: int) -> np.ndarray:
    """The coefficients as a (degree+1,)*dim tensor, zero where |α| > degree (for Clenshaw along each axis)."""
    tensor = np.zeros((degree + 1,) * dim)
    tensor[tuple(total_degree_indices(dim, degree).T)] = coefficients
    return tensor


def _two_sum(a, b):
    """(fl(a + b), the exact error a + b − fl(a + b)): Knuth's TwoSum."""
    total = a + b
    part = total - a
    return total, (a - (total - part)) + (b - part)


def _clenshaw(U: np.ndarray, tensor: np.ndarray) -> np.ndarray:
    """Σ_α c_α T_α(u) on the rows of U (N, n) in row chunks: at most ``BLOCK`` intermediate entries
    ((degree+1)^(n−1) per row). Clenshaw is elementwise in u, so each value is independent of the other rows."""
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
        U = _to_unit(X, *self.domain.bounds)
        return _clenshaw(U, _coefficient_tensor(self.coefficients[0], self.degree, self.domain.dim))[:, None]


def _lobatto(n: int) -> np.ndarray:
    """n Chebyshev–Lobatto points sin(π(n−1−2j)/(2(n−1))) on [-1, 1]: ±1 included, exactly symmetric."""
    return np.sin(np.pi * (n - 1 - 2 * np.arange(n)) / (2 * (n - 1)))[::-1]


def _initial_points(domain: Domain, degree: int, n_points: int | None) -> np.ndarray:
    """1-D: Chebyshev–Lobatto points; 2-D box: their tensor grid; 2-D ball: a masked grid plus its circle."""
    lower, upper = domain.bounds
    centre, half = (lower + upper) / 2, (upper - lower) / 2
    if domain.dim == 1:
        n = n_points or max(20 * (degree + 1), 2001)
        return np.clip(centre + half * _lobatto(n)[:, None], lower, upper)
    if isinstance(domain, Box):
        m = math.ceil(math.sqrt(n_points)) if n_points else max(6 * (degree + 1), 41)
        t = _lobatto(m)
        U = np.stack(np.meshgrid(t, t, indexing="ij"), axis=-1).reshape(-1, 2)
        return np.clip(centre + half * U, lower, upper)
    m = math.ceil(math.sqrt(4 * n_points / math.pi)) if n_points else max(6 * (degree + 1), 41)
    t = np.linspace(-1.0, 1.0, m)
    U = np.stack(np.meshgrid(t, t, indexing="ij"), axis=-1).reshape(-1, 2)
    theta = 2 * np.pi * np.arange(4 * m) / (4 * m)
    X = np.vstack([centre + half * U[np.sum(U**2, axis=1) < 1],
                   centre + domain.radius * np.stack([np.cos(theta), np.sin(theta)], axis=1)])
    return domain.project(X)


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
    f, degree, n_points, rtol, max_rounds = _check_inputs(target, degree, domain, n_points, rtol, max_rounds)
    with single_numpy_blas():
        best, _, _ = _exchange(f, degree, n_points, rtol, max_rounds)
    _warn_unconverged(best, rtol, max_rounds, "best_polynomial")
    return best


def _warn_unconverged(best: BestPolynomial, rtol: float, max_rounds: int, who: str) -> None:
    if not best.converged:
        warnings.warn(f"{who} stopped after {max_rounds} rounds with the bracket [{best.lower:.6g}, "
                      f"{best.value:.6g}] of E_{best.degree} wider than rtol = {rtol:g}; raise max_rounds or n_points",
                      ConvergenceWarning, stacklevel=3)


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

_FORMAT = "uat.Polynomial"
_FORMAT_VERSION = 1


@dataclass(frozen=True, eq=False)
class PolynomialApproximant:
    """P(x) = Σ_{|α| ≤ p} c_α T_α(u(x)), a polynomial of total degree p in the Chebyshev basis of K's bounding
    box (u maps it onto [-1, 1]^n; see :func:`chebyshev_basis`), with one output (m = 1).

    It stands where a fitted :class:`~uat.ShallowNetwork` stands (callable on (N, n) arrays returning
    (N, 1); ``dim``, ``n_outputs``, ``n_params``, ``width``, ``rounding_floor``, ``save``/``load``) so that a
    study charts polynomial baselines next to networks. It is not a network: ``kind`` is ``"polynomial"``
    and ``activation`` is None.

    Parameters
    ----------
    coefficients : array (n_basis,)
        c_α in the order of :func:`total_degree_indices`, n_basis = C(p + n, n); a (1, n_basis) array
        (as :attr:`BestPolynomial.coefficients`) is accepted.
    degree : int >= 0
        p, the total degree.
    domain : Box, Ball or str
        K; the basis lives on its bounding box (for a disc, the square around it).
    width : int >= 1, optional
        The network width whose parameter count the degree was matched to (:func:`matched_degree`).

    Examples
    --------
    >>> P = PolynomialApproximant([0.5, 0.0, 0.5], 2, "[-1,1]")   # (T₀ + T₂)/2 = x²
    >>> P([[0.5]])
    array([[0.25]])
    """

    coefficients: np.ndarray
    degree: int
    domain: Domain
    width: int | None = None
    kind: ClassVar[str] = "polynomial"
    activation: ClassVar[None] = None  # σ plays no part: a polynomial is not C σ(Ax + b)
    _tensor: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self):
        domain = as_domain(self.domain)
        degree = check_int("degree", self.degree, minimum=0)
        c = as_float_array("coefficients", self.coefficients)
        c = c[0] if c.ndim == 2 and c.shape[0] == 1 else c
        n_basis = math.comb(degree + domain.dim, domain.dim)
        if c.shape != (n_basis,):
            raise ValueError(f"coefficients must have shape ({n_basis},): C(p + n, n) for degree p = {degree} in "
                             f"dimension n = {domain.dim}, ordered as total_degree_indices; got shape {c.shape}")
        c = c.copy()
        c.flags.writeable = False
        width = None if self.width is None else check_int("width", self.width)
        for name, value in (("domain", domain), ("degree", degree), ("coefficients", c), ("width", width),
                            ("_tensor", _coefficient_tensor(c, degree, domain.dim))):
            object.__setattr__(self, name, value)

    @classmethod
    def from_best(cls, best: BestPolynomial, width: int | None = None) -> PolynomialApproximant:
        """The polynomial of a :func:`best_polynomial` result."""
        return cls(best.coefficients, best.degree, best.domain, width)

    @property
    def dim(self) -> int:
        """n, the input dimension."""
        return self.domain.dim

    @property
    def n_outputs(self) -> int:
        """m = 1."""
        return 1

    @property
    def n_params(self) -> int:
        """C(p + n, n), the number of coefficients."""
        return self.coefficients.size

    def describe(self) -> str:
        """``"Chebyshev polynomial of degree 29 on [-1,1] (30 coefficients; width 10 has 30 parameters)"``."""
        text = f"Chebyshev polynomial of degree {self.degree} on {self.domain} ({self.n_params} coefficients"
        if self.width is not None:
            text += f"; width {self.width} has {self.width * (self.dim + 2)} parameters"
        return text + ")"

    def __repr__(self) -> str:
        return (f"PolynomialApproximant(degree={self.degree}, domain='{self.domain}', n_params={self.n_params}, "
                f"width={self.width})")

    def _unit(self, X: np.ndarray) -> np.ndarray:
        return _to_unit(X, *self.domain.bounds)

    def __call__(self, X) -> np.ndarray:
        """P(X), (N, n) → (N, 1) (a 1-D array is N points when n = 1), by Clenshaw's recurrence."""
        return _clenshaw(self._unit(as_points("X", X, self.dim)), self._tensor)[:, None]

    def rounding_floor(self, X) -> float:
        """≈ the float64 rounding noise of P on the points X: errors near it are noise, not approximation.

        The larger of

        * *measured*: max |P(x) − P̃(x)| over X, where P̃ maps x onto [-1, 1]^n by the other formula
          u = (x − mid)·(2/(h − l)) and sums the basis matrix (built by the forward three-term recurrence)
          times c, in row chunks, where P maps by u = (2x − (l + h))/(h − l) and runs Clenshaw's backward
          recurrence;
        * *per term*: eps·Σ_α |c_α| (|T_α| ≤ 1 on the box) plus the rounding of u(x) carried through P's
          slope, max_x Σ_k δu_k |∂P/∂u_k| (:meth:`_mapping_noise`; zero on [-1, 1]^n).

        Against an 80-bit evaluation, on Chebyshev interpolants and best approximations (degree 29-2999) and
        on random coefficients (degree 20-300, boxes from [-1, 1] to [1000, 1000.001]), it read 1.0-15x the
        true error, never below it.
        """
        X = as_points("X", X, self.dim)
        lower, upper = self.domain.bounds
        P = _clenshaw(self._unit(X), self._tensor)
        U2 = (X - (lower + (upper - lower) / 2)) * (2 / (upper - lower))
        alpha = total_degree_indices(self.dim, self.degree)
        spread, rows = 0.0, max(1, BLOCK // self.n_params)
        for s in range(0, X.shape[0], rows):
            Phi = np.ones((U2[s:s + rows].shape[0], self.n_params))
            for k in range(self.dim):
                Phi *= cheb.chebvander(U2[s:s + rows, k], self.degree)[:, alpha[:, k]]
            spread = max(spread, float(np.max(np.abs(P[s:s + rows] - Phi @ self.coefficients))))
        return max(spread, np.finfo(float).eps * float(np.sum(np.abs(self.coefficients))) + self._mapping_noise(X))

    def _mapping_noise(self, X: np.ndarray) -> float:
        """max_x Σ_k δu_k(x)·|∂P/∂u_k(x)|, δu_k the rounding of u_k = (2x_k − fl(l_k + h_k))/fl(h_k − l_k):
        the sum's and the difference's exact errors (TwoSum) over h − l, and eps·|u_k| for the division
        unless h − l is an exact power of two."""
        if self.degree == 0:
            return 0.0
        lower, upper = self.domain.bounds
        width, width_error = _two_sum(upper, -lower)
        total, total_error = _two_sum(lower, upper)
        U = self._unit(X)
        exact_division = (np.frexp(width)[0] == 0.5) & (width_error == 0)
        delta = ((np.abs(total_error) + np.abs(_two_sum(2 * X, -total)[1])) / width
                 + np.where(exact_division, 0.0, np.finfo(float).eps * np.abs(U)))
        if not np.any(delta):
            return 0.0
        slope = sum(delta[:, k] * np.abs(_clenshaw(U, cheb.chebder(self._tensor, axis=k))) for k in range(self.dim))
        return float(np.max(slope, initial=0.0))

    def save(self, path) -> None:
        """Write P to ``path`` (a file name or a binary file object): an .npz archive with the float64 array
        ``coefficients`` (n_basis,) and ``metadata``, a 0-d string array holding the JSON object
        ``{"format": "uat.Polynomial", "format_version": 1, "basis": "chebyshev", "degree": p, "dim": n,
        "n_outputs": 1, "n_params": n_basis, "width": k or null, "domain": str(K), "uat_version": ...}``
        (``str(K)`` reads back exactly with :func:`uat.domains.parse_domain`)."""
        from uat import __version__

        metadata = {"format": _FORMAT, "format_version": _FORMAT_VERSION, "basis": "chebyshev",
                    "degree": self.degree, "dim": self.dim, "n_outputs": 1, "n_params": self.n_params,
                    "width": self.width, "domain": str(self.domain), "uat_version": __version__}
        arrays = {"coefficients": self.coefficients, "metadata": np.array(json.dumps(metadata))}
        if hasattr(path, "write"):
            np.savez(path, **arrays)
            return
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)

    @classmethod
    def load(cls, path) -> PolynomialApproximant:
        """Read a polynomial written by :meth:`save` (a file name or a binary file object), refusing
        anything else (files that would need unpickling included) with a ValueError saying why."""
        where = "the polynomial data" if hasattr(path, "read") else repr(os.fspath(path))
        arrays = _read_npz(where, path)
        missing = {"coefficients", "metadata"} - set(arrays)
        if missing:
            raise ValueError(f"{where} is not a uat polynomial file: missing {sorted(missing)}")
        metadata = _read_polynomial_metadata(where, arrays["metadata"])
        try:
            domain = parse_domain(metadata["domain"])
        except (TypeError, ValueError) as err:
            raise ValueError(f"{where}: metadata has no readable domain ({err})") from err
        c = arrays["coefficients"]
        if c.dtype.kind not in "fiu":
            raise ValueError(f"{where}: coefficients must be real numbers; got dtype {c.dtype}")
        expected = math.comb(metadata["degree"] + domain.dim, domain.dim) if domain.dim == metadata["dim"] else None
        if c.shape != (expected,):
            raise ValueError(f"{where}: metadata disagrees with the arrays: degree {metadata['degree']} in "
                             f"dimension {metadata['dim']} on {domain} needs coefficients of shape ({expected},); "
                             f"got {c.shape}")
        P = cls(c, metadata["degree"], domain, metadata["width"])
        facts = {"n_params": P.n_params, "n_outputs": P.n_outputs}
        wrong = {key: (metadata.get(key), value) for key, value in facts.items() if metadata.get(key) != value}
        if wrong:
            raise ValueError(f"{where}: metadata disagrees with the arrays (metadata, arrays): {wrong}")
        return P


def _read_npz(where: str, path) -> dict[str, np.ndarray]:
    """The arrays of an .npz archive read without pickles; anything else is a ValueError."""
    try:
        archive = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (ValueError, OSError, EOFError) as err:
        raise ValueError(f"{where} is not a uat polynomial file (not an .npz archive, or it needs unpickling, "
                         "which uat never does)") from err
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{where} is not a uat polynomial file: a single .npy array, not an .npz archive")
    try:
        with archive:
            return {key: archive[key] for key in archive.files}
    except ValueError as err:
        raise ValueError(f"{where} is not a uat polynomial file: an entry needs unpickling, which uat never "
                         "does") from err


def _read_polynomial_metadata(where: str, raw: np.ndarray) -> dict:
    """The JSON metadata of a polynomial file, checked for format, version, basis and field types."""
    try:
        metadata = json.loads(str(raw))
    except json.JSONDecodeError as err:
        raise ValueError(f"{where}: metadata is not valid JSON") from err
    if not isinstance(metadata, dict) or metadata.get("format") != _FORMAT:
        found = metadata.get("format") if isinstance(metadata, dict) else metadata
        raise ValueError(f"{where} is not a uat polynomial file (format {found!r}, expected {_FORMAT!r})")
    if metadata.get("format_version") != _FORMAT_VERSION or type(metadata.get("format_version")) is not int:
        raise ValueError(f"{where} has format_version {metadata.get('format_version')!r}; this uat reads "
                         f"version {_FORMAT_VERSION}")
    if metadata.get("basis") != "chebyshev":
        raise ValueError(f"{where}: basis {metadata.get('basis')!r} is not 'chebyshev'")
    for key in ("degree", "dim"):
        if type(metadata.get(key)) is not int or metadata[key] < (0 if key == "degree" else 1):
            raise ValueError(f"{where}: metadata {key} must be an integer; got {metadata.get(key)!r}")
    if metadata.get("width") is not None and type(metadata["width"]) is not int:
        raise ValueError(f"{where}: metadata width must be an integer or null; got {metadata['width']!r}")
    return metadata


# --- the methods: chebyshev (interpolation) and poly_minimax (best approximation) ----------------

#: poly_minimax's default cap on the degree, by dimension (see :func:`_fit_poly_minimax` for the timings).
MAX_DEGREE = {1: 400, 2: 15}


def matched_degree(dim: int, width: int, n_outputs: int = 1) -> int:
    """The largest total degree p whose C(p + n, n) coefficients are at most the width-k network's
    k(n + 1) + m·k parameters: 1-D p = 3k − 1; 2-D the largest p with (p+1)(p+2)/2 ≤ 4k."""
    budget = width * (dim + 1) + n_outputs * width
    if dim == 1:
        return budget - 1
    p = 0
    while math.comb(p + 1 + dim, dim) <= budget:
        p += 1
    return p


def _check_degree(value) -> int | str:
    accepted = "degree must be an integer >= 0 or 'match' (the network's parameter count); got"
    if isinstance(value, str):
        if value != "match":
            raise ValueError(f"{accepted} {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not float(value).is_integer():
        raise TypeError(f"{accepted} {value!r}")
    if value < 0:
        raise ValueError(f"{accepted} {value}")
    return int(value)


def _check_chebyshev_options(options: dict) -> None:
    options["degree"] = _check_degree(options["degree"])


def _check_poly_minimax_options(options: dict) -> None:
    options["degree"] = _check_degree(options["degree"])
    if options["max_degree"] is not None:
        options["max_degree"] = check_int("max_degree", options["max_degree"], minimum=0)
    if options["n_points"] is not None:
        options["n_points"] = check_int("n_points", options["n_points"], minimum=2)
    check_real("rtol", options["rtol"], positive=True)
    options["max_rounds"] = check_int("max_rounds", options["max_rounds"])


def _degree(problem: Problem, degree: int | str) -> tuple[int, int]:
    """(p, the width-k network's parameter count): p matched to it, or the given integer."""
    dim = problem.target.dim
    budget = problem.width * (dim + 2)
    return (matched_degree(dim, problem.width) if degree == "match" else degree), budget


def _scalar_values(f: Target, X: np.ndarray, method: str) -> np.ndarray:
    """f(X) as (N, 1), refusing vector targets."""
    Y = f(X)
    if Y.shape[1] != 1:
        raise ValueError(f"method {method!r} fits scalar targets (m = 1); got target {f.name!r} with m = {Y.shape[1]} "
                         "outputs (fit each component as its own target)")
    return Y


def _chebyshev_points(n: int) -> np.ndarray:
    """First-kind points t_j = cos(π(2j+1)/(2n)), j = 0..n−1 (descending), written as sines: exactly symmetric."""
    return np.sin(np.pi * (n - 1 - 2 * np.arange(n)) / (2 * n))


def _fit_chebyshev(problem: Problem, *, degree="match") -> Fitted:
    """Interpolate f at the p + 1 first-kind Chebyshev points of the interval; c by a DCT-II."""
    f = _as_interval(problem.target)
    if f.dim != 1:
        raise ValueError(f"method 'chebyshev' interpolates on an interval (a 1-D domain); got the {f.dim}-D domain "
                         f"{f.domain}; use method 'poly_minimax' for 2-D boxes and discs")
    p, budget = _degree(problem, degree)
    lower, upper = f.domain.bounds
    t = _chebyshev_points(p + 1)
    X = np.clip((lower + upper) / 2 + (upper - lower) / 2 * t[:, None], lower, upper)
    Y = _scalar_values(f, X, "chebyshev")
    c = dct(Y[:, 0], type=2) / (p + 1)  # c_k = (2/(p+1)) Σ_j f(t_j) T_k(t_j), c_0 halved
    c[0] /= 2
    P = PolynomialApproximant(c, p, problem.target.domain, problem.width)
    diagnostics = {"degree": p, "n_params": P.n_params, "matched_network_params": budget,
                   "nodes": "chebyshev first kind"}
    return Fitted(P, X[::-1].copy(), Y[::-1].copy(), diagnostics)


def _fit_poly_minimax(problem: Problem, *, degree="match", max_degree=None, n_points=None, rtol=1e-3,
                      max_rounds=20) -> Fitted:
    """:func:`best_polynomial` of the matched (or given) degree, refused above ``max_degree``.

    Measured (one fit at a time, one BLAS thread; HiGHS's LP dominates): 1-D matched degrees 23, 47, 95,
    191, 383 (k = 8 ... 128) take 0.1, 0.2, 0.8, 2-6, 23-47 s on runge, abs and sqrt_abs; 2-D franke at
    degrees 6, 9, 14, 15 (k = 8, 16, 32, 34) takes 0.6, 2, 33, 39 s, and at degree 21 (k = 64) 700 s.
    Hence :data:`MAX_DEGREE`: 400 in 1-D, 15 in 2-D.
    """
    f = problem.target
    if f.dim > 2:
        raise ValueError(f"method 'poly_minimax' fits polynomials on 1-D and 2-D domains; got the {f.dim}-D domain "
                         f"{f.domain}")
    p, budget = _degree(problem, degree)
    cap = MAX_DEGREE[f.dim] if max_degree is None else max_degree
    if p > cap:
        why = f"matched to width {problem.width}" if degree == "match" else "given"
        raise ValueError(f"method 'poly_minimax': degree {p} ({why}) exceeds max_degree = {cap} in {f.dim}-D (the "
                         f"linear program would have {math.comb(p + f.dim, f.dim)} unknowns and take minutes to "
                         "hours); pass a larger max_degree to allow it, or a smaller integer degree")
    _scalar_values(f, (sum(f.domain.bounds) / 2)[None, :], "poly_minimax")
    f, p, n_points, rtol, max_rounds = _check_inputs(f, p, None, n_points, rtol, max_rounds)
    best, X, Y = _exchange(f, p, n_points, rtol, max_rounds)
    _warn_unconverged(best, rtol, max_rounds, "poly_minimax")
    P = PolynomialApproximant.from_best(best, problem.width)
    diagnostics = {"degree": p, "n_params": P.n_params, "matched_network_params": budget, "lower": best.lower,
                   "sup_estimate": best.value, "converged": best.converged, "rounds": best.iterations,
                   "n_points": best.n_points}
    return Fitted(P, X, Y[:, None], diagnostics)


_DEGREE_DOC = ("total degree p, or 'match' (default): the largest p whose C(p+n, n) coefficients are at most the "
               "width-k network's k(n+1) + k parameters (1-D: 3k - 1)")
_IGNORES_SIGMA = ("σ is ignored (a polynomial has none): in a study restrict the method to one σ of the grid, "
                  "[methods.{}] activations = [\"tanh\"], to avoid duplicate cells")

register_method(Method(
    "chebyshev", _fit_chebyshev,
    "polynomial baseline: interpolation at the first-kind Chebyshev points of an interval (degree matched to "
    "the width's parameter count); " + _IGNORES_SIGMA.format("chebyshev"),
    {"degree": "match"}, {"degree": _DEGREE_DOC}, _check_chebyshev_options,
))

register_method(Method(
    "poly_minimax", _fit_poly_minimax,
    "polynomial baseline: best uniform approximation (LP with exchange, best_polynomial) on 1-D and 2-D domains "
    "(degree matched to the width's parameter count); " + _IGNORES_SIGMA.format("poly_minimax"),
    {"degree": "match", "max_degree": None, "n_points": None, "rtol": 1e-3, "max_rounds": 20},
    {"degree": _DEGREE_DOC,
     "max_degree": "refuse degrees above this (default 400 in 1-D, 15 in 2-D: the LP's cost explodes)",
     "n_points": "initial LP point set (default as best_polynomial)",
     "rtol": "stop when the sup estimate is within rtol of the LP lower bound", "max_rounds": "LP solves at most"},
    _check_poly_minimax_options,
))
