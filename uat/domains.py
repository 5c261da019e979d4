"""Compact domains K ⊂ ℝⁿ: boxes and balls, with membership, sampling and bounds for optimisers.

Every sample a domain returns lies in K (checked with the same arithmetic as :meth:`contains`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from uat._validation import (as_float_array, as_points, check_choice, check_int, check_real, check_rng, shortest,
                             suggest)

__all__ = ["Box", "Ball", "Domain", "as_domain", "parse_domain", "SAMPLING_METHODS", "MIN_LENGTH", "MAX_LENGTH",
           "MIN_FLOATS"]

#: Sampling methods and what they do; ``grid`` and ``chebyshev`` are tensor grids (boxes only).
SAMPLING_METHODS = {
    "uniform": "independent uniform random points (uniform in volume)",
    "sobol": "scrambled Sobol' points (scipy.stats.qmc), a low-discrepancy set",
    "grid": "tensor grid of equispaced points, endpoints included (boxes only)",
    "chebyshev": "tensor grid of Chebyshev extreme points cos(jπ/(m-1)), clustered at the faces (boxes only)",
}


def _unit_sobol(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """The first n scrambled Sobol' points in [0, 1)^d (drawn as a power of two, so scipy does not warn)."""
    from scipy.stats import qmc  # here, not at import: scipy.stats costs more than numpy and scipy.linalg together

    sampler = qmc.Sobol(d, scramble=True, rng=rng)
    return sampler.random_base2(max(0, math.ceil(math.log2(n))))[:n]


#: The side lengths (and a ball's diameter) uat takes: from 2⁻⁵⁰⁰ ≈ 3.1e-151 to 2⁵⁰⁰ ≈ 3.3e150, so that
#: squared distances in K, which fits and sup-norm searches compute, are normal float64 numbers
#: (beyond them [-1e160, 1e160] overflowed inside the sup search and [0, 1e-320] gave NaN features).
MIN_LENGTH, MAX_LENGTH = 2.0**-500, 2.0**500
#: The float64 numbers a side must hold at least (its length over the spacing of floats at its
#: bounds), so that sampling and the sup search resolve it rather than a few representable points.
MIN_FLOATS = 4096


def _check_extent(what: str, length: float, magnitude: float) -> None:
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


def _per_axis(n: int, d: int) -> int:
    return max(1, round(n ** (1.0 / d)))


@dataclass(frozen=True)
class Box:
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
class Ball:
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
        center = np.atleast_1d(as_float_array("center", self.center, finite=False))
        if center.ndim != 1 or center.size == 0:
            raise ValueError(f"Ball center must be a non-empty 1-D sequence; got shape {center.shape}")
        if not np.all(np.isfinite(center)):
            raise ValueError(f"Ball center must be finite; got {center.tolist()}")
        radius = check_real("radius", self.radius, positive=True)
        _check_extent(f"Ball diameter 2·radius = 2·{shortest(radius)}", 2 * radius, float(np.max(np.abs(center))) + radius)
        object.__setattr__(self, "center", tuple(center.tolist()))
        object.__setattr__(self, "radius", radius)

    @property
    def dim(self) -> int:
        return len(self.center)

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) arrays of the smallest box containing K (for optimisers)."""
        c = np.array(self.center)
        return c - self.radius, c + self.radius

    @property
    def diameter(self) -> float:
        return 2.0 * self.radius

    @property
    def volume(self) -> float:
        d = self.dim
        return float(math.pi ** (d / 2) / math.gamma(d / 2 + 1) * self.radius**d)

    def contains(self, X) -> np.ndarray:
        """Boolean (N,) array: which rows of the (N, n) array X lie in K."""
        X = as_points("X", X, self.dim)
        return np.linalg.norm(X - np.array(self.center), axis=1) <= self.radius

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

    def sample(self, n: int, method: str = "uniform", *, rng) -> np.ndarray:
        """An (n, dim) array of points uniform in volume in K.

        Both methods map n+1 coordinates in [0, 1), random (``uniform``) or scrambled Sobol'
        (``sobol``), through :meth:`from_unit`. The tensor grids are refused: they belong to boxes.
        """
        n = check_int("n", n)
        if method in ("grid", "chebyshev"):
            raise ValueError(f"method {method!r} is a tensor grid, for boxes; a Ball samples with 'uniform' or 'sobol'")
        check_choice("method", method, ("uniform", "sobol"))
        rng = check_rng(rng)
        U = _unit_sobol(n, self.n_unit, rng) if method == "sobol" else rng.random((n, self.n_unit))
        return self.from_unit(U)

    def __str__(self) -> str:
        centre = ",".join(shortest(c) for c in self.center)
        return f"ball(center=[{centre}], radius={shortest(self.radius)})"


Domain = Box | Ball

#: One factor of a product: an interval ``[a,b]``, optionally raised to a power ``[a,b]^n`` (bounds
#: are constant expressions without commas or brackets).
_FACTOR = re.compile(r"\[([^\[\],]+),([^\[\],]+)\](?:\^(\d+))?")
_NOT_FINITE = re.compile(r"[+-]?(inf|infinity|nan)", re.IGNORECASE)
_BALL_ARGUMENTS = ("center", "radius")
#: The largest dimension a domain string may ask for (``[0,1]^1000000000`` would be a list of 10⁹ bounds).
MAX_DIM = 10_000
_GRAMMAR = ("domain must be a product of intervals like '[-1,1]', '[-1,1]x[0,2]' or '[-1,1]^2' (^n repeats the "
            "interval just before it), or a ball like 'ball(center=[0,0], radius=1)'")


def _constant(text: str, where: str) -> float:
    """A bound, coordinate or radius: a constant expression; inf and nan are refused by name."""
    from uat.expressions import evaluate_constant

    if _NOT_FINITE.fullmatch(text):
        raise ValueError(f"domain bounds must be finite numbers (K is compact); got {text!r} in {where!r}")
    return evaluate_constant(text)


def _split_arguments(inner: str) -> list[str]:
    """The comma-separated arguments of ``ball(...)``, splitting only outside brackets and parentheses."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(inner):
        depth += (char in "([") - (char in ")]")
        if char == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    return [*parts, inner[start:]]


def _parse_ball(spec: str, text: str) -> Ball:
    """``ball(center=[c1,...,cn], radius=r)``, the arguments by name in either order."""
    arguments = {}
    for part in _split_arguments(spec[len("ball("):-1]):
        name, sep, value = part.partition("=")
        if not sep or not name:
            raise ValueError(f"ball arguments are given by name, center=[...] and radius=...; got {part!r} in "
                             f"{text!r}")
        if name not in _BALL_ARGUMENTS:
            raise ValueError(f"unknown argument {name!r} of ball(...){suggest(name, _BALL_ARGUMENTS)}; accepted: "
                             f"{', '.join(_BALL_ARGUMENTS)}; got {text!r}")
        if name in arguments:
            raise ValueError(f"ball argument {name!r} is given twice in {text!r}")
        arguments[name] = value
    missing = [name for name in _BALL_ARGUMENTS if name not in arguments]
    if missing:
        raise ValueError(f"ball(...) needs both center=[...] and radius=...; {' and '.join(missing)} missing in "
                         f"{text!r}")
    center = re.fullmatch(r"\[([^\[\]]+)\]", arguments["center"])
    if not center:
        raise ValueError(f"ball center must be a list of coordinates like [0,0]; got {arguments['center']!r} in "
                         f"{text!r}")
    return Ball([_constant(c, text) for c in center.group(1).split(",")], _constant(arguments["radius"], text))


def _parse_product(spec: str, text: str) -> Box:
    """A product of factors ``[a,b]`` or ``[a,b]^n`` joined by ``x`` or ``×``."""
    factors, pos = [], 0
    while True:
        factor = _FACTOR.match(spec, pos)
        if not factor:
            raise ValueError(f"{_GRAMMAR}; got {text!r}")
        power = 1 if factor.group(3) is None else int(factor.group(3))
        if power < 1:
            raise ValueError(f"{_GRAMMAR}; got {text!r} (a power ^n needs n >= 1)")
        factors.append((factor.group(1), factor.group(2), power))
        pos = factor.end()
        if pos == len(spec):
            break
        if spec[pos] not in "x×" or pos + 1 == len(spec):
            raise ValueError(f"{_GRAMMAR}; got {text!r}")
        pos += 1
    dim = sum(power for _, _, power in factors)
    if dim > MAX_DIM:
        raise ValueError(f"domain dimension must be at most {MAX_DIM}; {text!r} has dimension {dim}")
    lower, upper = [], []
    for a, b, power in factors:
        lower += [_constant(a, text)] * power
        upper += [_constant(b, text)] * power
    return Box(lower, upper)


def parse_domain(text: str) -> Domain:
    """Parse a domain: a product of intervals, or a ball.

    The grammar (spaces are ignored)::

        domain  = product | ball
        product = factor, { ("x" | "×"), factor }
        factor  = "[", bound, ",", bound, "]", [ "^", n ]      (n >= 1: the interval n times)
        ball    = "ball(", "center=[", bound, { ",", bound }, "]", ",", "radius=", bound, ")"

    ``^n`` repeats the interval just before it, as a power binds tighter than a product:
    ``"[-1,1]^3"`` is the cube, ``"[-1,1]x[0,2]^2"`` and ``"[0,2]^2x[-1,1]"`` are both 3-D.
    The ball's arguments are given by name, in either order; ``str`` of a Ball prints one.
    Bounds, coordinates and radii are constant expressions (``pi``, ``sqrt(2)``, ``1e-3``; see
    :mod:`uat.expressions`) without commas, and must be finite.
    """
    if not isinstance(text, str):
        raise TypeError(f"domain must be a string like '[-1,1]x[0,2]'; got {text!r}")
    spec = text.replace(" ", "")
    if spec.startswith("ball(") and spec.endswith(")"):
        return _parse_ball(spec, text)
    return _parse_product(spec, text)


def as_domain(domain) -> Domain:
    """Coerce a Box, a Ball, a string such as ``"[-1,1]x[0,2]"`` or a pair ``(a, b)`` (1-D) to a domain."""
    if isinstance(domain, (Box, Ball)):
        return domain
    if isinstance(domain, str):
        return parse_domain(domain)
    if isinstance(domain, (tuple, list)) and len(domain) == 2 and all(np.isscalar(v) for v in domain):
        return Box(domain[0], domain[1])
    raise TypeError(
        f"domain must be a Box, a Ball, a string like '[-1,1]x[0,2]' or a pair (a, b); got {domain!r}"
    )
