"""Polynomial baselines: polynomials as fitted models, on the same axis as networks.

:class:`PolynomialApproximant` is such a P as a fitted model (callable,
``n_params``, ``save``/``load``; its file format is registered as the model kind ``"polynomial"`` in
:mod:`uat.models`), and two registered fitting methods produce it, so that a study charts
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

import math
import numbers
from dataclasses import dataclass, field
from functools import partial
from typing import ClassVar

import numpy as np
from numpy.polynomial import chebyshev as cheb
from scipy.fft import dct

from uat._validation import as_float_array, as_points, check_int, check_real
from uat.domains import Ball, Box, Domain, as_domain, parse_domain
from uat.fitting.base import Fitted, Method, Option, Problem, as_given, optional, register_method
from uat.fitting.polynomial import (BestPolynomial, clenshaw, coefficient_tensor, polynomial_exchange, to_unit,
                                    total_degree_indices)
from uat.models import ModelFormat, register_model_format
from uat.network import BLOCK
from uat.npzfile import MAX_ARRAY_BYTES, open_npz, source_name, write_npz
from uat.targets import Target

__all__ = ["MAX_DEGREE", "PolynomialApproximant", "matched_degree"]


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
                            ("_tensor", coefficient_tensor(c, degree, domain.dim))):
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
        return to_unit(X, *self.domain.bounds)

    def __call__(self, X) -> np.ndarray:
        """P(X), (N, n) → (N, 1) (a 1-D array is N points when n = 1), by Clenshaw's recurrence."""
        return clenshaw(self._unit(as_points("X", X, self.dim)), self._tensor)[:, None]

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
        P = clenshaw(self._unit(X), self._tensor)
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
        slope = sum(delta[:, k] * np.abs(clenshaw(U, cheb.chebder(self._tensor, axis=k))) for k in range(self.dim))
        return float(np.max(slope, initial=0.0))

    def save(self, path) -> None:
        """Write P to ``path`` (a file name or a binary file object): an .npz archive with the float64 array
        ``coefficients`` (n_basis,) and ``metadata``, a 0-d string array holding the JSON object
        ``{"format": "uat.Polynomial", "format_version": 1, "basis": "chebyshev", "degree": p, "dim": n,
        "n_outputs": 1, "n_params": n_basis, "width": k or null, "domain": str(K), "uat_version": ...}``
        (``str(K)`` reads back exactly with :func:`uat.domains.parse_domain`)."""
        metadata = {"format": _FORMAT, "format_version": _FORMAT_VERSION, "basis": "chebyshev",
                    "degree": self.degree, "dim": self.dim, "n_outputs": 1, "n_params": self.n_params,
                    "width": self.width, "domain": str(self.domain)}
        write_npz(path, {"coefficients": self.coefficients}, metadata)

    @classmethod
    def load(cls, path) -> PolynomialApproximant:
        """Read a polynomial written by :meth:`save` (a file name or a binary file object), refusing
        anything else (files that would need unpickling included) with a ValueError saying why."""
        where = source_name(path, "polynomial")
        with open_npz(where, path, "polynomial") as members:
            members.require(("coefficients", "metadata"))
            metadata = members.metadata(_FORMAT, versions=(_FORMAT_VERSION,))
            _check_metadata(where, metadata)
            try:
                domain = parse_domain(metadata["domain"])
            except (TypeError, ValueError) as err:
                raise ValueError(f"{where}: metadata has no readable domain ({err})") from err
            if domain.dim != metadata["dim"]:
                raise ValueError(f"{where}: metadata disagrees with the arrays: dim {metadata['dim']} on a "
                                 f"{domain.dim}-D domain {domain}")
            expected = _n_coefficients(metadata["degree"], domain.dim)  # before the coefficients are read
            members.check_shapes({"coefficients": (expected,)}, f"degree {metadata['degree']} in dimension {domain.dim}")
            c = members.read("coefficients")
        P = cls(c, metadata["degree"], domain, metadata["width"])
        facts = {"n_params": P.n_params, "n_outputs": P.n_outputs}
        wrong = {key: (metadata.get(key), value) for key, value in facts.items() if metadata.get(key) != value}
        if wrong:
            raise ValueError(f"{where}: metadata disagrees with the arrays (metadata, arrays): {wrong}")
        return P


register_model_format(ModelFormat("polynomial", _FORMAT, PolynomialApproximant))


def _two_sum(a, b):
    """(fl(a + b), the exact error a + b − fl(a + b)): Knuth's TwoSum."""
    total = a + b
    part = total - a
    return total, (a - (total - part)) + (b - part)


def _n_coefficients(degree: int, dim: int) -> int:
    """C(p + n, n), the coefficient count of total degree p in n variables; counting stops past the
    largest a file may hold (a crafted degree must not make this a long computation)."""
    count, cap = 1, MAX_ARRAY_BYTES // 8
    for i in range(1, min(degree, dim) + 1):
        count = count * (max(degree, dim) + i) // i
        if count > cap:
            return cap + 1
    return count


def _check_metadata(where: str, metadata: dict) -> None:
    """Refuse polynomial metadata of another basis, or whose degree, dim or width is not an integer."""
    if metadata.get("basis") != "chebyshev":
        raise ValueError(f"{where}: basis {metadata.get('basis')!r} is not 'chebyshev'")
    for key in ("degree", "dim"):
        if type(metadata.get(key)) is not int or metadata[key] < (0 if key == "degree" else 1):
            raise ValueError(f"{where}: metadata {key} must be an integer; got {metadata.get(key)!r}")
    if metadata.get("width") is not None and type(metadata["width"]) is not int:
        raise ValueError(f"{where}: metadata width must be an integer or null; got {metadata['width']!r}")


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


def _check_degree(name: str, value) -> int | str:
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
    f = problem.target  # a 1-D ball is its interval (its bounds are the ends)
    if f.dim != 1:
        raise ValueError(f"method 'chebyshev' interpolates on an interval (a 1-D domain); got the {f.dim}-D domain "
                         f"{f.domain}; use method 'poly_minimax' for 2-D boxes and discs")
    if not isinstance(f.domain, (Box, Ball)):
        raise ValueError(f"method 'chebyshev' interpolates on an interval; got the 1-D domain {f.domain}, which is "
                         "not one (its points between the pieces are not in K); use method 'poly_minimax'")
    p, budget = _degree(problem, degree)
    lower, upper = f.domain.bounds
    t = _chebyshev_points(p + 1)
    X = np.clip((lower + upper) / 2 + (upper - lower) / 2 * t[:, None], lower, upper)
    Y = _scalar_values(f, X, "chebyshev")
    c = dct(Y[:, 0], type=2) / (p + 1)  # c_k = (2/(p+1)) Σ_j f(t_j) T_k(t_j), c_0 halved
    c[0] /= 2
    P = PolynomialApproximant(c, p, f.domain, problem.width)
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
    _scalar_values(f, f.domain.project((sum(f.domain.bounds) / 2)[None, :]), "poly_minimax")  # a point of K
    best, X, Y = polynomial_exchange(f, p, n_points=n_points, rtol=rtol, max_rounds=max_rounds, caller="poly_minimax")
    P = PolynomialApproximant.from_best(best, problem.width)
    diagnostics = {"degree": p, "n_params": P.n_params, "matched_network_params": budget, "lower": best.lower,
                   "sup_estimate": best.value, "converged": best.converged, "rounds": best.iterations,
                   "n_points": best.n_points}
    return Fitted(P, X, Y[:, None], diagnostics)


_IGNORES_SIGMA = ("σ is ignored (a polynomial has none): in a study restrict the method to one σ of the grid, "
                  "[methods.{}] activations = [\"tanh\"], to avoid duplicate cells")

#: The degree option of both baselines.
DEGREE_OPTION = Option("match", "total degree p, or 'match' (default): the largest p whose C(p+n, n) coefficients "
                       "are at most the width-k network's k(n+1) + k parameters (1-D: 3k - 1)", _check_degree)

#: poly_minimax's options, each declared once (default, doc, check).
POLY_MINIMAX_OPTIONS = {
    "degree": DEGREE_OPTION,
    "max_degree": Option(None, "refuse degrees above this (default 400 in 1-D, 15 in 2-D: the LP's cost explodes)",
                         optional(partial(check_int, minimum=0))),
    "n_points": Option(None, "initial LP point set (default as best_polynomial)", optional(partial(check_int, minimum=2))),
    "rtol": Option(1e-3, "stop when the sup estimate is within rtol of the LP lower bound",
                   as_given(partial(check_real, positive=True))),
    "max_rounds": Option(20, "LP solves at most", check_int),
}

register_method(Method.declare(
    "chebyshev", _fit_chebyshev,
    "polynomial baseline: interpolation at the first-kind Chebyshev points of an interval (degree matched to "
    "the width's parameter count); " + _IGNORES_SIGMA.format("chebyshev"),
    {"degree": DEGREE_OPTION}, uses_activation=False,
))

register_method(Method.declare(
    "poly_minimax", _fit_poly_minimax,
    "polynomial baseline: best uniform approximation (LP with exchange, best_polynomial) on 1-D and 2-D domains "
    "(degree matched to the width's parameter count); " + _IGNORES_SIGMA.format("poly_minimax"),
    POLY_MINIMAX_OPTIONS, uses_activation=False,
))
