"""Boxes and balls: the first two compact domains, with membership, sampling and bounds for optimisers.

Every sample a domain returns lies in K (checked with the same arithmetic as :meth:`contains`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from uat._validation import as_float_array, as_points, check_choice, check_int, check_rng, shortest
from uat.domains._base import (SAMPLING_METHODS, CenterRadius, Domain, check_extent as _check_extent, circle,
                              unit_sobol as _unit_sobol)

__all__ = ["Box", "Ball"]


def _per_axis(n: int, d: int) -> int:
    return max(1, round(n ** (1.0 / d)))


@dataclass(frozen=True)
class Box(Domain):
    """The box K = [lower₁, upper₁] × … × [lowerₙ, upperₙ].

    Parameters
    ----------
    lower, upper : sequence of float, length n
        Finite bounds with lower < upper in every coordinate. Scalars mean a 1-D box. Each side's
        length lies in [2⁻⁵⁰⁰, 2⁵⁰⁰] (:data:`MIN_LENGTH`, :data:`MAX_LENGTH`) and spans at least
        :data:`MIN_FLOATS` float64 numbers; other sides are refused with the way to rescale.

    Examples
    --------
    >>> Box(-1, 1).dim, Box([0, 0], [1, 2]).volume
    (1, 2.0)
    """

    lower: tuple[float, ...]
    upper: tuple[float, ...]

    def __post_init__(self):
        lower = np.atleast_1d(as_float_array("lower", self.lower, finite=False))
        upper = np.atleast_1d(as_float_array("upper", self.upper, finite=False))
        if lower.ndim != 1 or upper.ndim != 1:
            raise ValueError(f"Box bounds must be 1-D sequences; got shapes {lower.shape} and {upper.shape}")
        if lower.size == 0:
            raise ValueError("Box needs at least one coordinate; got empty lower and upper")
        if lower.shape != upper.shape:
            raise ValueError(f"Box lower and upper must have the same length; got {lower.size} and {upper.size}")
        if not (np.all(np.isfinite(lower)) and np.all(np.isfinite(upper))):
            raise ValueError(f"Box bounds must be finite (K is compact); got lower={lower.tolist()}, upper={upper.tolist()}")
        bad = np.flatnonzero(~(lower < upper))
        if bad.size:
            i = int(bad[0])
            raise ValueError(
                f"Box needs lower < upper in every coordinate; coordinate {i + 1} has "
                f"lower={lower[i]} >= upper={upper[i]}"
            )
        with np.errstate(over="ignore"):
            lengths = upper - lower
        for i, (a, b, length) in enumerate(zip(lower.tolist(), upper.tolist(), lengths.tolist())):
            _check_extent(f"Box side {i + 1}, [{shortest(a)}, {shortest(b)}],", length, max(abs(a), abs(b)))
        object.__setattr__(self, "lower", tuple(lower.tolist()))
        object.__setattr__(self, "upper", tuple(upper.tolist()))

    @property
    def dim(self) -> int:
        return len(self.lower)

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) arrays of the smallest box containing K (for optimisers)."""
        return np.array(self.lower), np.array(self.upper)

    @property
    def diameter(self) -> float:
        """‖upper − lower‖₂, without the overflow or underflow of squaring (math.hypot scales)."""
        return math.hypot(*np.subtract(self.upper, self.lower).tolist())

    @property
    def volume(self) -> float:
        return float(np.prod(np.subtract(self.upper, self.lower)))

    def contains(self, X) -> np.ndarray:
        """Boolean (N,) array: which rows of the (N, n) array X lie in K."""
        X = as_points("X", X, self.dim)
        lower, upper = self.bounds
        return np.all((X >= lower) & (X <= upper), axis=1)

    def project(self, X) -> np.ndarray:
        """The nearest points of K to the rows of X (clipping)."""
        return np.clip(as_points("X", X, self.dim), *self.bounds)

    #: ``meets`` (the base class's overlap test, exact for a box) and ``inside`` are exact.
    boxes_decided = True

    def inside(self, lower, upper) -> np.ndarray:
        """Which boxes lie in the open box (lower, upper): strictly inside in every coordinate."""
        lo, hi = self.bounds
        return np.all((np.atleast_2d(lower) > lo) & (np.atleast_2d(upper) < hi), axis=1)

    def interior(self, X) -> np.ndarray:
        """Which rows of X lie in the open box (lower, upper)."""
        X = as_points("X", X, self.dim)
        lower, upper = self.bounds
        return np.all((X > lower) & (X < upper), axis=1)

    def outline(self, n_points: int = 512) -> list[np.ndarray] | None:
        """A 2-D box's four edges, one closed polyline."""
        if self.dim != 2:
            return None
        (a, c), (b, d) = self.bounds
        return [np.array([[a, c], [b, c], [b, d], [a, d], [a, c]], dtype=float)]

    @property
    def n_unit(self) -> int:
        """How many uniform [0, 1) coordinates :meth:`from_unit` maps to one point of K."""
        return self.dim

    def from_unit(self, U: np.ndarray) -> np.ndarray:
        """Map rows of [0, 1)^n_unit to points of K, preserving uniformity (an affine map here)."""
        lower, upper = self.bounds
        return np.clip(lower + U * (upper - lower), lower, upper)

    def sample(self, n: int, method: str = "uniform", *, rng) -> np.ndarray:
        """An (N, n) array of points of K; N = n except for the tensor grids (see Notes).

        Parameters
        ----------
        n : int
            Number of points. For ``grid`` and ``chebyshev`` in dimension d the grid has
            m = round(n**(1/d)) points per axis, m**d in all (exactly n in 1-D).
        method : {'uniform', 'sobol', 'grid', 'chebyshev'}
        rng : numpy.random.Generator or int
            Explicit source of randomness (unused by the grids).
        """
        n = check_int("n", n)
        check_choice("method", method, SAMPLING_METHODS)
        rng = check_rng(rng)
        if method in ("grid", "chebyshev"):
            m = _per_axis(n, self.dim)
            if m == 1:
                t = np.array([0.5])
            elif method == "grid":
                t = np.linspace(0.0, 1.0, m)
            else:
                t = 0.5 - 0.5 * np.cos(np.pi * np.arange(m) / (m - 1))
            U = np.stack(np.meshgrid(*[t] * self.dim, indexing="ij"), axis=-1).reshape(-1, self.dim)
        elif method == "sobol":
            U = _unit_sobol(n, self.dim, rng)
        else:
            U = rng.random((n, self.dim))
        return self.from_unit(U)

    def __str__(self) -> str:
        """``[a,b] x [c,d]`` with every bound exact (shortest round-trip digits): parse_domain(str(box)) == box."""
        return " x ".join(f"[{shortest(a)},{shortest(b)}]" for a, b in zip(self.lower, self.upper))


@dataclass(frozen=True)
class Ball(CenterRadius, Domain):
    """The closed Euclidean ball K = {x : ‖x − center‖ ≤ radius}.

    Parameters
    ----------
    center : sequence of float, length n
    radius : float > 0
        The diameter 2·radius obeys the limits of a Box's sides (:data:`MIN_LENGTH`,
        :data:`MAX_LENGTH`, :data:`MIN_FLOATS` at the largest |coordinate|).
    """

    center: tuple[float, ...]
    radius: float

    def __post_init__(self):
        self._set_center_radius("Ball")

    @property
    def volume(self) -> float:
        d = self.dim
        return float(math.pi ** (d / 2) / math.gamma(d / 2 + 1) * self.radius**d)

    def contains(self, X) -> np.ndarray:
        """Boolean (N,) array: which rows of the (N, n) array X lie in K."""
        X = as_points("X", X, self.dim)
        return np.linalg.norm(X - np.array(self.center), axis=1) <= self.radius

    def interior(self, X) -> np.ndarray:
        """Which rows of X lie in the open ball ‖x − center‖ < radius."""
        X = as_points("X", X, self.dim)
        return np.linalg.norm(X - np.array(self.center), axis=1) < self.radius

    def meets(self, lower, upper) -> np.ndarray:
        """Which boxes meet the ball: the box's nearest point to the centre lies within the radius."""
        c = np.array(self.center)
        nearest = np.clip(c, np.atleast_2d(lower), np.atleast_2d(upper))
        return np.linalg.norm(nearest - c, axis=1) <= self.radius * (1 + 1e-12)

    #: ``meets`` and ``inside`` are exact up to a relative slack of 1e-12 in the distances.
    boxes_decided = True

    def inside(self, lower, upper) -> np.ndarray:
        """Which boxes lie in the open ball: the box's farthest point from the centre lies within the radius."""
        c = np.array(self.center)
        far = np.maximum(np.abs(np.atleast_2d(lower) - c), np.abs(np.atleast_2d(upper) - c))
        return np.linalg.norm(far, axis=1) < self.radius * (1 - 1e-12)

    def outline(self, n_points: int = 512) -> list[np.ndarray] | None:
        """A disc's circle as a closed polyline of ``n_points`` vertices."""
        if self.dim != 2:
            return None
        return [circle(self.center, self.radius, n_points)]

    def project(self, X) -> np.ndarray:
        """The nearest points of K to the rows of X (radial projection), guaranteed inside K.

        Rounding c + D·R/‖D‖ can land just outside (by about eps·|c|, which is large next to a small
        R far from the origin); such points are pulled towards the centre by a margin that doubles
        until they test inside (at worst they reach the centre itself).
        """
        X = as_points("X", X, self.dim).copy()
        c = np.array(self.center)
        margin = np.finfo(float).eps * (1.0 + float(np.max(np.abs(c))) / self.radius)
        shrink = 1.0
        while True:
            out = ~self.contains(X)
            if not out.any():
                return X
            D = X[out] - c
            norms = np.linalg.norm(D, axis=1)
            norms[norms == 0] = 1.0
            X[out] = c + D * (max(shrink, 0.0) * self.radius / norms)[:, None]
            if shrink <= 0.0:
                X[out] = c
            shrink = 1.0 - margin
            margin *= 2.0

    @property
    def n_unit(self) -> int:
        """How many uniform [0, 1) coordinates :meth:`from_unit` maps to one point of K."""
        return self.dim + 1

    def from_unit(self, U: np.ndarray) -> np.ndarray:
        """Map rows of [0, 1)^(n+1) to points uniform in volume in K.

        The first n coordinates give a Gaussian direction (inverse normal CDF), the last the
        radius R·u^(1/n).
        """
        d = self.dim
        U = np.clip(U, 1e-12, 1 - 1e-12)
        G, u = ndtri(U[:, :d]), U[:, d]
        norms = np.linalg.norm(G, axis=1)
        G[norms == 0, 0], norms[norms == 0] = 1.0, 1.0
        X = np.array(self.center) + G * (self.radius * u ** (1.0 / d) / norms)[:, None]
        return self.project(X)

    def __str__(self) -> str:
        centre = ",".join(shortest(c) for c in self.center)
        return f"ball(center=[{centre}], radius={shortest(self.radius)})"

    @classmethod
    def _parse(cls, inner: str, text: str) -> "Ball":
        """``ball(center=[c1,...,cn], radius=r)``, the arguments by name in either order."""
        from uat.domains._parse import named_arguments, number, vector

        args = named_arguments("ball", inner, text, ("center", "radius"), "both center=[...] and radius=...")
        return cls(vector(args["center"], "ball center", text), number(args["radius"], text))


