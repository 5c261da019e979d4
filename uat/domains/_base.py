"""The domain protocol every compact K ⊂ ℝⁿ of uat follows, and the sampling machinery they share.

A domain is a frozen object with

* ``dim`` (n, the ambient dimension) and ``intrinsic_dim`` (n for solids, n − 1 for a sphere, 1 for a
  curve, 0 for a finite point set): the dimension of the measure "uniform on K" refers to;
* ``contains(X)`` (membership, exact for solids; within a stated tolerance for lower-dimensional sets)
  and ``interior(X)`` (points of an open subset of K, so that ``A - B``, which is A minus the interior of
  B, stays closed, hence compact);
* ``bounds`` (the smallest box containing K, or a box containing it), ``diameter`` (of that box unless
  the class knows K's own), ``volume`` (K's measure in its intrinsic dimension, or None when no closed
  form is known);
* ``project(X)``: points of K, equal to X for rows already in K (the nearest point where the class can
  compute it; each class says which point it returns), for the sup-norm search;
* ``sample(n, method, rng)``: exactly uniform points of K (``uniform``) or a low-discrepancy set
  (``sobol``), see below;
* ``meets(lower, upper)``: which boxes (cells of a certified bracket) may meet K; False only for a cell
  that provably misses K; ``inside(lower, upper)``: which boxes provably lie in the open set of ``interior``
  (True only where proved); ``boxes_decided``: whether both are sharp, i.e. exact up to a few ulps of slack
  or at least exact for every box small against its distance from K's boundary, so that a cover of K by
  the cells that meet it shrinks onto K as the cells shrink (what :func:`uat.sup_bracket` needs to cover
  a K other than a box);
* ``__str__``, read back by :func:`uat.domains.parse_domain`; ``|``, ``&`` and ``-`` build
  :class:`~uat.domains.Union`, :class:`~uat.domains.Intersection` and :class:`~uat.domains.Difference`.

Sampling. Every domain maps rows of [0, 1)^``n_proposal`` to *proposals* (:meth:`Domain._propose`), each
with an accept flag, such that the accepted proposals have the sub-density 1_K(x) / ``proposal_volume``
(with respect to K's intrinsic measure). Domains with an exact map (boxes, balls, simplices, …) accept
every proposal (``acceptance`` 1, :meth:`from_unit`); the others (set algebra, level sets) reject, with an
acceptance rate measured at construction on 10⁴ trial points. Since trials are independent and the first
accepted ones are kept, the sample is exactly uniform; ``sobol`` feeds the same map with scrambled
Sobol' points (continuing one sequence when more are needed), so its accepted points stay
low-discrepancy. The number of rounds is bounded (:data:`MAX_ROUNDS`, each sized by the acceptance), and
running out is an error that says so, never an endless loop.
"""

from __future__ import annotations

import math

import numpy as np

from uat._validation import as_points, check_choice, check_int, check_rng, shortest

__all__ = ["Domain", "SAMPLING_METHODS", "MIN_LENGTH", "MAX_LENGTH", "MIN_FLOATS", "TRIALS", "MAX_ROUNDS"]

#: Sampling methods and what they do; ``grid`` and ``chebyshev`` are tensor grids (boxes only).
SAMPLING_METHODS = {
    "uniform": "independent uniform random points (uniform in volume)",
    "sobol": "scrambled Sobol' points (scipy.stats.qmc), a low-discrepancy set",
    "grid": "tensor grid of equispaced points, endpoints included (boxes only)",
    "chebyshev": "tensor grid of Chebyshev extreme points cos(jπ/(m-1)), clustered at the faces (boxes only)",
}

#: The side lengths (and a ball's diameter) uat takes: from 2⁻⁵⁰⁰ ≈ 3.1e-151 to 2⁵⁰⁰ ≈ 3.3e150, so that
#: squared distances in K, which fits and sup-norm searches compute, are normal float64 numbers
#: (beyond them [-1e160, 1e160] overflowed inside the sup search and [0, 1e-320] gave NaN features).
MIN_LENGTH, MAX_LENGTH = 2.0**-500, 2.0**500
#: The float64 numbers a side must hold at least (its length over the spacing of floats at its
#: bounds), so that sampling and the sup search resolve it rather than a few representable points.
MIN_FLOATS = 4096
#: Trial proposals a rejection domain measures its acceptance rate on, at construction (seed 0); a
#: set none of them lands in is refused as empty (or of measure zero).
TRIALS = 10_000
#: Rounds of proposals :meth:`Domain.sample` may draw before it gives up with an error.
MAX_ROUNDS = 64
#: Proposals drawn per round at most (memory: a round holds this many points of dimension ≤ 10).
_ROUND_CAP = 1 << 20


def unit_sobol(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """The first n scrambled Sobol' points in [0, 1)^d (drawn as a power of two, so scipy does not warn)."""
    from scipy.stats import qmc  # here, not at import: scipy.stats costs more than numpy and scipy.linalg together

    sampler = qmc.Sobol(d, scramble=True, rng=rng)
    return sampler.random_base2(max(0, math.ceil(math.log2(max(n, 1)))))[:n]


def check_extent(what: str, length: float, magnitude: float) -> None:
    """Refuse a side (or diameter) ``length`` outside [MIN_LENGTH, MAX_LENGTH] or holding fewer than
    MIN_FLOATS floats at ``magnitude`` (the largest |coordinate| on it), saying how to rescale."""
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise ValueError(f"{what} has length {length:.3g}; uat takes lengths from 2**-500 ≈ 3.1e-151 to 2**500 ≈ "
                         "3.3e+150 (fits and sup-norm searches square distances in K, and the squares must be "
                         "normal float64 numbers): rescale the variable, e.g. fit f(s*t) for t in a box of size ~1")
    floats = length / np.spacing(magnitude)
    if floats < MIN_FLOATS:
        raise ValueError(f"{what} holds only {floats:.0f} float64 numbers (length {length:.3g} at magnitude "
                         f"{magnitude:.3g}); uat needs at least {MIN_FLOATS}, so that sampling and the sup search "
                         "resolve K: shift the variable, e.g. fit f(c + t) for t near 0")


def finite_vector(owner: str, name: str, value, dim: int | None = None) -> np.ndarray:
    """A non-empty, finite 1-D float vector (a centre, a point), of length ``dim`` when given."""
    from uat._validation import as_float_array

    v = np.atleast_1d(as_float_array(f"{owner} {name}", value, finite=False))
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"{owner} {name} must be a non-empty 1-D sequence of numbers; got shape {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{owner} {name} must be finite (K is compact); got {v.tolist()}")
    if dim is not None and v.size != dim:
        raise ValueError(f"{owner} {name} must have {dim} coordinates; got {v.size}: {v.tolist()}")
    return v


class CenterRadius:
    """What a Ball and a Sphere share: a ``center`` (finite, non-empty) and a ``radius`` (> 0, the diameter within a
    Box side's limits), checked and stored by :meth:`_set_center_radius`, and the dimension and box they give."""

    def _set_center_radius(self, owner: str) -> None:
        from uat._validation import check_real

        c = finite_vector(owner, "center", self.center)
        r = check_real("radius", self.radius, positive=True)
        check_extent(f"{owner} diameter 2·radius = 2·{shortest(r)}", 2 * r, float(np.max(np.abs(c))) + r)
        object.__setattr__(self, "center", tuple(c.tolist()))
        object.__setattr__(self, "radius", r)

    @property
    def dim(self) -> int:
        return len(self.center)

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) arrays of the smallest box containing K."""
        c = np.array(self.center)
        return c - self.radius, c + self.radius

    @property
    def diameter(self) -> float:
        return 2.0 * self.radius


def circle(center, radius: float, n_points: int) -> np.ndarray:
    """The circle of ``radius`` about a 2-D ``center`` as a closed polyline of ``n_points`` vertices (for outlines)."""
    t = np.linspace(0.0, 2 * np.pi, n_points + 1)
    return np.array(center) + radius * np.column_stack([np.cos(t), np.sin(t)])


def vector_text(v) -> str:
    """``[a,b,…]`` with shortest round-trip digits, as __str__ methods print points."""
    return "[" + ",".join(shortest(float(c)) for c in v) + "]"


def move_inside(domain: "Domain", X: np.ndarray, towards: np.ndarray, margin: float) -> np.ndarray:
    """Rows of X moved towards the matching rows of ``towards`` (points of K's interior chosen so that the
    segment from X to them lies in K up to rounding) until ``domain.contains`` accepts them: by a fraction
    ``margin`` that doubles each time, reaching ``towards`` itself at worst. Rows already in K are unchanged.

    Rounding can put an exactly computed boundary point just outside K (by about eps·|x|); this pulls it
    back by the smallest step that the domain's own arithmetic accepts.
    """
    X = np.array(X, dtype=float)
    t = margin
    for _ in range(80):
        out = np.flatnonzero(~domain.contains(X))
        if len(out) == 0:
            return X
        if t >= 1.0:
            X[out] = towards[out]
            return X
        X[out] = X[out] + t * (towards[out] - X[out])
        t = min(2.0 * t, 1.0)
    return X


class Domain:
    """Base class of the compact domains (the protocol is in the module docstring of ``uat.domains._base``).

    Subclasses set ``dim``, ``intrinsic_dim``, ``bounds``, ``volume``, implement ``contains``, ``project``,
    ``__str__`` and either ``from_unit`` (with ``n_unit``: an exact, measure-preserving map from the unit
    cube onto K) or ``_propose`` (with ``n_proposal``, ``proposal_volume`` and ``acceptance``).
    """

    #: K's dimension as a set: the measure "uniform" refers to (dim for solids).
    @property
    def intrinsic_dim(self) -> int:
        return self.dim

    @property
    def diameter(self) -> float:
        """The diameter of K's bounding box (an upper bound of K's own; classes that know it exactly say so)."""
        lower, upper = self.bounds
        return math.hypot(*(upper - lower).tolist())

    @property
    def volume(self) -> float | None:
        """K's measure in its intrinsic dimension; None when no closed form is known."""
        return None

    def interior(self, X) -> np.ndarray:
        """Which rows of X lie in an open subset of K (its interior where the class computes it; empty for a set
        of lower intrinsic dimension)."""
        X = as_points("X", X, self.dim)
        return np.zeros(len(X), dtype=bool)

    #: Whether ``meets`` and ``inside`` are sharp (module docstring); False here, where ``meets`` only tests the
    #: bounding box and ``inside`` proves nothing.
    boxes_decided = False

    def inside(self, lower, upper) -> np.ndarray:
        """Boolean (M,): which boxes [lower_j, upper_j] provably lie in the open set of :meth:`interior` (True only
        where proved; here never)."""
        return np.zeros(len(np.atleast_2d(lower)), dtype=bool)

    def meets(self, lower, upper) -> np.ndarray:
        """Boolean (M,): which boxes [lower_j, upper_j] (rows of two (M, n) arrays) may meet K. False only where
        the box provably misses K (here: misses K's bounding box); subclasses test more sharply."""
        lo, hi = self.bounds
        lower, upper = np.atleast_2d(lower), np.atleast_2d(upper)
        return np.all((upper >= lo) & (lower <= hi), axis=1)

    def outline(self, n_points: int = 512) -> list[np.ndarray] | None:
        """For a 2-D domain: K's boundary as closed or open polylines ((m, 2) arrays), for figures; None where the
        class has no closed form (figures then draw the edge of the sampled mask)."""
        return None

    # --- sampling -------------------------------------------------------------------------------------------
    @property
    def n_unit(self) -> int | None:
        """How many uniform [0, 1) coordinates :meth:`from_unit` maps to one point of K; None for a domain that
        samples by rejection."""
        return None

    @property
    def n_proposal(self) -> int:
        """Uniform coordinates per proposal of :meth:`_propose`."""
        return self.n_unit

    @property
    def proposal_volume(self) -> float:
        """The normaliser of the proposals: accepted proposals have sub-density 1_K / proposal_volume."""
        return self.volume

    @property
    def acceptance(self) -> float:
        """The fraction of proposals accepted (1 for an exact map; measured on :data:`TRIALS` points otherwise)."""
        return 1.0

    def _propose(self, U: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(X, accepted) for rows of [0, 1)^n_proposal; the default maps every row exactly (``from_unit``)."""
        return self.from_unit(U), np.ones(len(U), dtype=bool)

    def from_unit(self, U: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} samples by rejection; use sample()")

    def _measure(self, trials: int = TRIALS) -> tuple[float, np.ndarray]:
        """(acceptance, accepted points) of ``trials`` proposals drawn with seed 0; refuses an empty set."""
        U = np.random.default_rng(0).random((trials, self.n_proposal))
        X, ok = self._propose(U)
        if not ok.any():
            raise ValueError(f"the domain {self} looks empty: none of {trials} trial points (uniform on "
                             f"{self._proposal_text()}) lies in it, so it is empty or has measure zero in dimension "
                             f"{self.intrinsic_dim}; uniform sampling needs a set of positive measure")
        return float(ok.mean()), X[ok]

    def _proposal_text(self) -> str:
        return "its bounding box"

    def sample(self, n: int, method: str = "uniform", *, rng) -> np.ndarray:
        """An (n, dim) array of points of K, exactly uniform (``uniform``) or low-discrepancy (``sobol``).

        Parameters
        ----------
        n : int
        method : {'uniform', 'sobol'}
            ``grid`` and ``chebyshev`` are tensor grids, for boxes.
        rng : numpy.random.Generator or int
            Explicit source of randomness.
        """
        n = check_int("n", n)
        if method in ("grid", "chebyshev"):
            raise ValueError(f"method {method!r} is a tensor grid, for boxes; a {type(self).__name__} samples with "
                             "'uniform' or 'sobol'")
        check_choice("method", method, ("uniform", "sobol"))
        rng = check_rng(rng)
        if self.n_unit is not None:
            U = unit_sobol(n, self.n_unit, rng) if method == "sobol" else rng.random((n, self.n_unit))
            return self.from_unit(U)
        return self._rejection_sample(n, method, rng)

    def _rejection_sample(self, n: int, method: str, rng: np.random.Generator) -> np.ndarray:
        """The first n accepted proposals of an i.i.d. (or one Sobol') stream, in rounds sized by the acceptance."""
        sobol = None
        if method == "sobol":
            from scipy.stats import qmc

            sobol, drawn = qmc.Sobol(self.n_proposal, scramble=True, rng=rng), 0
        kept, have = [], 0
        for _ in range(MAX_ROUNDS):
            want = min(_ROUND_CAP, math.ceil(1.2 * (n - have) / self.acceptance) + 64)
            if sobol is not None:  # totals stay powers of two: the first block, then doubling
                m = max(0, math.ceil(math.log2(want))) if drawn == 0 else int(math.log2(drawn))
                m = min(m, 20)
                U = sobol.random_base2(m)
                drawn += len(U)
            else:
                U = rng.random((want, self.n_proposal))
            X, ok = self._propose(U)
            kept.append(X[ok])
            have += int(ok.sum())
            if have >= n:
                return np.concatenate(kept)[:n]
        raise RuntimeError(f"sampling {self} drew {MAX_ROUNDS} rounds of proposals and kept only {have} of the {n} "
                           f"points asked for (acceptance measured at construction: {self.acceptance:.3g}); ask for "
                           "fewer points or describe K with less rejection (a tighter first set)")

    def nested_sample(self, k: int, seed: int) -> np.ndarray:
        """k points of K, uniform and independent, such that ``nested_sample(K, s)[:k] == nested_sample(k, s)``
        (random features drawn for width K extend those for width k). Row i is the first accepted of its own
        block of trials (block i of one stream), so rows do not depend on how many were asked for."""
        k = check_int("k", k)
        if self.n_unit is not None:
            return self.from_unit(np.random.default_rng(seed).random((k, self.n_unit)))
        per_row = min(4096, max(8, math.ceil(40.0 / self.acceptance)))  # none found: probability < e^-40 a row
        chunk = max(1, _ROUND_CAP // (per_row * self.n_proposal))
        out = np.full((k, self.dim), np.nan)
        todo = np.arange(k)
        for round_ in range(MAX_ROUNDS):
            rng = np.random.default_rng([seed, round_])
            for start in range(0, k, chunk):  # block i belongs to row i, whatever k is (row-major draws)
                U = rng.random((min(chunk, k - start), per_row, self.n_proposal))
                rows = todo[(todo >= start) & (todo < start + len(U))]
                if len(rows) == 0:
                    continue
                X, ok = self._propose(U[rows - start].reshape(-1, self.n_proposal))
                X, ok = X.reshape(len(rows), per_row, self.dim), ok.reshape(len(rows), per_row)
                found = ok.any(axis=1)
                out[rows[found]] = X[found, np.argmax(ok, axis=1)[found]]
            todo = todo[np.isnan(out[todo, 0])]
            if len(todo) == 0:
                return out
        raise RuntimeError(f"drawing {k} points of {self} for random features: {len(todo)} rows found no point of K "
                           f"in {MAX_ROUNDS * per_row} trials (acceptance {self.acceptance:.3g})")

    # --- set algebra ----------------------------------------------------------------------------------------
    def __or__(self, other):
        from uat.domains._sets import Union

        return Union((self, other))

    def __and__(self, other):
        from uat.domains._sets import Intersection

        return Intersection((self, other))

    def __sub__(self, other):
        from uat.domains._sets import Difference

        return Difference(self, other)
