"""Spherical shells (annuli), spheres and parametrised curves.

* :class:`Annulus`: the shell r_inner ≤ ‖x − c‖ ≤ r_outer in any dimension (two intervals in 1-D), sampled
  exactly: a Gaussian direction and the radius by the inverse of its law (r^n − r_in^n)/(r_out^n − r_in^n).
* :class:`Sphere`: the surface ‖x − c‖ = r, of intrinsic dimension n − 1 (the two points c ± r in 1-D, a circle
  in 2-D), sampled by normalised Gaussian directions (exactly uniform in surface measure).
* :class:`Curve`: the image γ([a, b]) of a continuous parametrisation, sampled uniformly in arc length through
  a table of γ on 2¹⁴ + 1 parameter values (see the class). The sup-norm search maximises e(γ(t)) over t.

Membership of float points on a sphere or a curve (sets of measure zero) is necessarily up to a tolerance,
stated on each class; every point these classes return passes it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtri

from uat._validation import as_points, check_real, shortest
from uat.domains._base import CenterRadius, Domain, check_extent, circle, finite_vector, vector_text

__all__ = ["Annulus", "Sphere", "Curve"]


def _directions(U: np.ndarray) -> np.ndarray:
    """Unit vectors from rows of [0, 1)^n: normalised Gaussians (inverse normal CDF), uniform on the sphere."""
    G = ndtri(np.clip(U, 1e-12, 1 - 1e-12))
    norms = np.linalg.norm(G, axis=1)
    G[norms == 0, 0], norms[norms == 0] = 1.0, 1.0
    return G / norms[:, None]


def _box_distances(c: np.ndarray, lower, upper) -> tuple[np.ndarray, np.ndarray]:
    """The smallest and largest distances from c to the points of each box (rows of lower, upper)."""
    lower, upper = np.atleast_2d(lower), np.atleast_2d(upper)
    near = np.linalg.norm(np.clip(c, lower, upper) - c, axis=1)
    far = np.linalg.norm(np.maximum(np.abs(lower - c), np.abs(upper - c)), axis=1)
    return near, far


@dataclass(frozen=True)
class Annulus(Domain):
    """The spherical shell K = {x : r_inner ≤ ‖x − center‖ ≤ r_outer} in ℝⁿ (n ≥ 1; 0 ≤ r_inner < r_outer).

    r_inner = 0 is the ball. The shell's thickness r_outer − r_inner obeys a Box side's limits
    (:data:`~uat.domains.MIN_LENGTH`, :data:`~uat.domains.MIN_FLOATS`). ``project`` is the radial projection
    (the nearest point; the centre itself goes to c + r_inner·e₁).

    Examples
    --------
    >>> K = Annulus([0, 0], 0.5, 1)
    >>> K.contains([[0.75, 0], [0.1, 0]]).tolist(), round(K.volume, 6)
    ([True, False], 2.356194)
    """

    center: tuple[float, ...]
    r_inner: float
    r_outer: float

    def __post_init__(self):
        c = finite_vector("Annulus", "center", self.center)
        r_in = check_real("r_inner", self.r_inner, minimum=0.0)
        r_out = check_real("r_outer", self.r_outer, positive=True)
        if not r_in < r_out:
            raise ValueError(f"Annulus needs r_inner < r_outer; got r_inner={shortest(r_in)} >= "
                             f"r_outer={shortest(r_out)}")
        magnitude = float(np.max(np.abs(c))) + r_out
        check_extent(f"Annulus thickness r_outer − r_inner = {shortest(r_out - r_in)}", r_out - r_in, magnitude)
        check_extent(f"Annulus diameter 2·r_outer = 2·{shortest(r_out)}", 2 * r_out, magnitude)
        object.__setattr__(self, "center", tuple(c.tolist()))
        object.__setattr__(self, "r_inner", r_in)
        object.__setattr__(self, "r_outer", r_out)

    @property
    def dim(self) -> int:
        return len(self.center)

    @property
    def bounds(self):
        c = np.array(self.center)
        return c - self.r_outer, c + self.r_outer

    @property
    def diameter(self) -> float:
        return 2.0 * self.r_outer

    @property
    def volume(self) -> float:
        n = self.dim
        return float(math.pi ** (n / 2) / math.gamma(n / 2 + 1) * (self.r_outer**n - self.r_inner**n))

    def _radii(self, X) -> np.ndarray:
        return np.linalg.norm(X - np.array(self.center), axis=1)

    def contains(self, X) -> np.ndarray:
        r = self._radii(as_points("X", X, self.dim))
        return (r >= self.r_inner) & (r <= self.r_outer)

    def interior(self, X) -> np.ndarray:
        r = self._radii(as_points("X", X, self.dim))
        return ((r > self.r_inner) | (self.r_inner == 0)) & (r < self.r_outer)

    def meets(self, lower, upper) -> np.ndarray:
        """A box meets the shell iff its nearest point is within r_outer and its farthest beyond r_inner."""
        near, far = _box_distances(np.array(self.center), lower, upper)
        return (near <= self.r_outer * (1 + 1e-12)) & (far >= self.r_inner * (1 - 1e-12))

    #: ``meets`` and ``inside`` are exact up to a relative slack of 1e-12 in the distances.
    boxes_decided = True

    def inside(self, lower, upper) -> np.ndarray:
        """Which boxes lie in the open shell: every point's distance from the centre (between the box's nearest and
        farthest) strictly between the radii (the inner bound dropped when r_inner = 0, the ball)."""
        near, far = _box_distances(np.array(self.center), lower, upper)
        return (far < self.r_outer * (1 - 1e-12)) & ((self.r_inner == 0) | (near > self.r_inner * (1 + 1e-12)))

    def project(self, X) -> np.ndarray:
        """The nearest points of K (radial clipping of ‖x − c‖ to [r_inner, r_outer]), guaranteed inside K: a
        point that rounding leaves outside is moved radially by a margin that doubles until it tests inside."""
        X = as_points("X", X, self.dim).copy()
        c = np.array(self.center)
        out = ~self.contains(X)
        if not out.any():
            return X
        D = X[out] - c
        r = np.linalg.norm(D, axis=1)
        D[r == 0, 0], r[r == 0] = 1.0, 1.0
        U = D / r[:, None]
        target = np.clip(r, self.r_inner, self.r_outer)
        mid = 0.5 * (self.r_inner + self.r_outer)
        margin = np.finfo(float).eps * (1.0 + float(np.max(np.abs(c))) / (self.r_outer - self.r_inner))
        for _ in range(60):
            P = c + U * target[:, None]
            bad = ~self.contains(P)
            if not bad.any():
                break
            target[bad] += (mid - target[bad]) * min(margin, 1.0)
            margin *= 2.0
        X[out] = P
        return X

    @property
    def n_unit(self) -> int:
        return self.dim + 1

    def from_unit(self, U: np.ndarray) -> np.ndarray:
        """Rows of [0, 1)^(n+1) to uniform points of K: a Gaussian direction from the first n coordinates, the
        radius r = (r_in^n + u·(r_out^n − r_in^n))^(1/n) from the last (in ratios to r_out, so no overflow)."""
        n = self.dim
        u = np.clip(U[:, n], 0.0, 1.0)
        q = (self.r_inner / self.r_outer) ** n
        r = self.r_outer * (q + u * (1.0 - q)) ** (1.0 / n)
        return self.project(np.array(self.center) + _directions(U[:, :n]) * r[:, None])

    def outline(self, n_points: int = 512):
        if self.dim != 2:
            return None
        return [circle(self.center, r, n_points) for r in (self.r_outer, self.r_inner) if r > 0]

    def __str__(self) -> str:
        return (f"annulus(center={vector_text(self.center)}, r_inner={shortest(self.r_inner)}, "
                f"r_outer={shortest(self.r_outer)})")

    @classmethod
    def _parse(cls, inner: str, text: str) -> "Annulus":
        """``annulus(center=[...], r_inner=..., r_outer=...)``."""
        from uat.domains._parse import named_arguments, number, vector

        args = named_arguments("annulus", inner, text, ("center", "r_inner", "r_outer"),
                               "center=[...], r_inner=... and r_outer=...")
        return cls(vector(args["center"], "annulus center", text), number(args["r_inner"], text),
                   number(args["r_outer"], text))


@dataclass(frozen=True)
class Sphere(CenterRadius, Domain):
    """The sphere K = {x : ‖x − center‖ = radius} ⊂ ℝⁿ, a compact set of intrinsic dimension n − 1.

    ``contains`` accepts |‖x − c‖ − r| ≤ tol with tol = 16·eps·(‖c‖∞ + r): rounding in computing a point of
    the sphere and its norm moves it by a few ulps of that size, and every point :meth:`project` and
    :meth:`sample` return passes. Uniform means uniform in surface measure (Gaussian directions).
    """

    center: tuple[float, ...]
    radius: float

    def __post_init__(self):
        self._set_center_radius("Sphere")

    @property
    def intrinsic_dim(self) -> int:
        return self.dim - 1

    @property
    def tolerance(self) -> float:
        return 16 * np.finfo(float).eps * (float(np.max(np.abs(self.center))) + self.radius)

    @property
    def volume(self) -> float:
        """The surface measure 2π^(n/2)/Γ(n/2)·r^(n−1) (2 in 1-D: the two points, counted)."""
        n = self.dim
        return float(2 * math.pi ** (n / 2) / math.gamma(n / 2) * self.radius ** (n - 1))

    def contains(self, X) -> np.ndarray:
        X = as_points("X", X, self.dim)
        return np.abs(np.linalg.norm(X - np.array(self.center), axis=1) - self.radius) <= self.tolerance

    def meets(self, lower, upper) -> np.ndarray:
        near, far = _box_distances(np.array(self.center), lower, upper)
        return (near <= self.radius + self.tolerance) & (far >= self.radius - self.tolerance)

    #: ``meets`` is exact up to the tolerance; the interior is empty, so ``inside`` (never) is exact too.
    boxes_decided = True

    def project(self, X) -> np.ndarray:
        """The nearest points of the sphere (radial; the centre itself goes to c + r·e₁)."""
        X = as_points("X", X, self.dim).copy()
        out = ~self.contains(X)
        if out.any():
            c = np.array(self.center)
            D = X[out] - c
            r = np.linalg.norm(D, axis=1)
            D[r == 0, 0], r[r == 0] = 1.0, 1.0
            X[out] = c + D * (self.radius / r)[:, None]
        return X

    @property
    def n_unit(self) -> int:
        return self.dim

    def from_unit(self, U: np.ndarray) -> np.ndarray:
        return self.project(np.array(self.center) + self.radius * _directions(U[:, : self.dim]))

    def outline(self, n_points: int = 512):
        if self.dim != 2:
            return None
        return [circle(self.center, self.radius, n_points)]

    def __str__(self) -> str:
        return f"sphere(center={vector_text(self.center)}, radius={shortest(self.radius)})"

    @classmethod
    def _parse(cls, inner: str, text: str) -> "Sphere":
        from uat.domains._parse import named_arguments, number, vector

        args = named_arguments("sphere", inner, text, ("center", "radius"), "both center=[...] and radius=...")
        return cls(vector(args["center"], "sphere center", text), number(args["radius"], text))


#: Parameter values of a Curve's table (arc length, nearest points): 2¹⁴ segments.
_TABLE = (1 << 14) + 1
_T = re.compile(r"\bt\b")
_OTHER_VARIABLES = re.compile(r"\b(x|y|z|x\d+)\b")


@dataclass(frozen=True, eq=False)
class Curve(Domain):
    """The curve K = γ([a, b]) ⊂ ℝⁿ, for a continuous parametrisation γ, of intrinsic dimension 1.

    Parameters
    ----------
    x : sequence of str, or callable
        One expression in the variable ``t`` per coordinate (``["cos(2*pi*t)", "sin(2*pi*t)"]``, safe
        expressions of :mod:`uat.expressions`), or a callable mapping an (N,) array of t to (N, n) points
        (``str`` of such a curve names the callable and does not read back).
    t : (a, b)
        The parameter interval, a < b.

    γ is tabulated on 2¹⁴ + 1 evenly spaced t at construction (non-finite values refused, naming t; a curve of
    zero length refused). ``sample`` is uniform in arc length by inverting the table's cumulative chord length
    and evaluating γ exactly at that t (so every point is on the curve); the chord lengths underestimate arc
    length by O(h²) per segment, so the law is uniform up to a relative density error of about (h·κ)²/24 for
    curvature κ and h the segment length (below 1e-7 for the unit circle). ``contains``: within 1e-9 of the
    bounding box's diameter of the curve (the distance to the nearest point found by :meth:`project`, itself
    γ(t*) for t* refined by golden-section search on the bracket of the nearest tabulated point: a point of K).
    The sup-norm search maximises e(γ(t)) over t (``parametrisation``, ``interval``).
    """

    x: object
    t: tuple = (0.0, 1.0)
    _table: np.ndarray = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self):
        a, b = (check_real("t (start)", self.t[0]), check_real("t (end)", self.t[1])) if len(self.t) == 2 else (0, 0)
        if len(self.t) != 2:
            raise ValueError(f"Curve t must be an interval (a, b); got {self.t!r}")
        if not a < b:
            raise ValueError(f"Curve needs an interval t = (a, b) with a < b; got a={shortest(a)} >= b={shortest(b)}")
        object.__setattr__(self, "t", (a, b))
        if callable(self.x):
            gamma = self.x
        else:
            texts = [self.x] if isinstance(self.x, str) else list(self.x) if isinstance(self.x, (list, tuple)) else []
            if not texts or not all(isinstance(s, str) for s in texts):
                raise TypeError(f"Curve x must be a list of expressions in t (one per coordinate) or a callable; "
                                f"got {self.x!r}")
            texts = [s.replace(" ", "") for s in texts]
            object.__setattr__(self, "x", tuple(texts))
            gamma = self._compile(texts)
        object.__setattr__(self, "_gamma", gamma)
        T = np.linspace(a, b, _TABLE)
        P = self.parametrisation(T)
        bad = ~np.all(np.isfinite(P), axis=1)
        if bad.any():
            raise ValueError(f"Curve γ(t) must be finite on [{shortest(a)}, {shortest(b)}]; at t = "
                             f"{shortest(float(T[np.argmax(bad)]))} it is {P[np.argmax(bad)].tolist()}")
        chords = np.linalg.norm(np.diff(P, axis=0), axis=1)
        arc = np.concatenate([[0.0], np.cumsum(chords)])
        if not arc[-1] > 0:
            raise ValueError(f"Curve has zero length: γ is constant ({P[0].tolist()}) on [{shortest(a)}, {shortest(b)}]")
        object.__setattr__(self, "_table", P)
        object.__setattr__(self, "_T", T)
        object.__setattr__(self, "_arc", arc)

    @staticmethod
    def _compile(texts):
        from uat.expressions import compile_expression

        compiled = []
        for s in texts:
            if _OTHER_VARIABLES.search(s):
                raise ValueError(f"Curve coordinates are expressions in t only; {s!r} uses "
                                 f"{_OTHER_VARIABLES.search(s).group(0)!r}")
            expr = compile_expression(_T.sub("x1", s))
            if expr.n_outputs != 1:
                raise ValueError(f"each Curve coordinate is one expression; {s!r} has {expr.n_outputs}")
            compiled.append(expr)

        def gamma(t):
            T = np.asarray(t, dtype=float)[:, None]
            return np.column_stack([np.broadcast_to(np.asarray(e(T), float).reshape(-1), len(T)) for e in compiled])

        return gamma

    def parametrisation(self, t) -> np.ndarray:
        """γ(t) for an (N,) array of parameter values in [a, b]: (N, n) points of K."""
        t = np.asarray(t, dtype=float).reshape(-1)
        with np.errstate(all="ignore"):
            P = np.asarray(self._gamma(t), dtype=float)
        if P.ndim == 1:
            P = P[:, None]
        if P.shape[0] != len(t):
            raise ValueError(f"Curve γ must map (N,) parameter values to (N, n) points; got shape {P.shape}")
        return P

    @property
    def interval(self) -> tuple[float, float]:
        return self.t

    def __eq__(self, other) -> bool:
        return isinstance(other, Curve) and self.x == other.x and self.t == other.t

    def __hash__(self) -> int:
        return hash((self.x if isinstance(self.x, tuple) else id(self.x), self.t))

    @property
    def dim(self) -> int:
        return self._table.shape[1]

    @property
    def intrinsic_dim(self) -> int:
        return 1

    @property
    def length(self) -> float:
        """The arc length, from the table's chords (a lower bound, to O(h²) relative)."""
        return float(self._arc[-1])

    @property
    def volume(self) -> float:
        return self.length

    @property
    def bounds(self):
        return self._table.min(axis=0), self._table.max(axis=0)

    @property
    def tolerance(self) -> float:
        lower, upper = self.bounds
        return 1e-9 * max(float(np.linalg.norm(upper - lower)), 1e-300)

    def _nearest_t(self, X: np.ndarray) -> np.ndarray:
        """t* near-minimising ‖γ(t) − x‖: the nearest tabulated point (k-d tree), then golden-section search on
        its two neighbouring segments (vectorised, 80 steps)."""
        from scipy.spatial import cKDTree

        _, i = cKDTree(self._table).query(X)
        T = self._T
        lo, hi = T[np.maximum(i - 1, 0)], T[np.minimum(i + 1, len(T) - 1)]
        g = (math.sqrt(5) - 1) / 2
        for _ in range(80):
            c, d = hi - g * (hi - lo), lo + g * (hi - lo)
            fc = np.linalg.norm(self.parametrisation(c) - X, axis=1)
            fd = np.linalg.norm(self.parametrisation(d) - X, axis=1)
            hi, lo = np.where(fc < fd, d, hi), np.where(fc < fd, lo, c)
        t = 0.5 * (lo + hi)
        better = np.linalg.norm(self._table[i] - X, axis=1) < np.linalg.norm(self.parametrisation(t) - X, axis=1)
        return np.where(better, T[i], t)

    def project(self, X) -> np.ndarray:
        """γ(t*) for the nearest parameter t* found (see the class): a point of K near each row."""
        X = as_points("X", X, self.dim)
        P = self.parametrisation(self._nearest_t(X))
        on = np.linalg.norm(P - X, axis=1) <= self.tolerance  # already in K: unchanged
        P[on] = X[on]
        return P

    def contains(self, X) -> np.ndarray:
        X = as_points("X", X, self.dim)
        lower, upper = self.bounds
        tol = self.tolerance
        near = np.all((X >= lower - tol) & (X <= upper + tol), axis=1)
        out = np.zeros(len(X), dtype=bool)
        if near.any():
            P = self.parametrisation(self._nearest_t(X[near]))
            out[near] = np.linalg.norm(P - X[near], axis=1) <= tol
        return out

    def meets(self, lower, upper) -> np.ndarray:
        """Boxes that overlap a tabulated segment's bounding box, inflated by the largest gap between a segment's
        chord and γ seen at its midpoint (times 4): a heuristic for a curve without a Lipschitz constant, so a
        box reported missing is only very probably missed."""
        P = self._table
        mid = self.parametrisation(0.5 * (self._T[1:] + self._T[:-1]))
        slack = 4 * float(np.max(np.linalg.norm(mid - 0.5 * (P[1:] + P[:-1]), axis=1))) + self.tolerance
        seg_lo, seg_hi = np.minimum(P[1:], P[:-1]) - slack, np.maximum(P[1:], P[:-1]) + slack
        lower, upper = np.atleast_2d(lower), np.atleast_2d(upper)
        out = np.zeros(len(lower), dtype=bool)
        chunk = max(1, (1 << 22) // (len(seg_lo) * self.dim))
        for s in range(0, len(lower), chunk):
            lo, hi = lower[s:s + chunk, None, :], upper[s:s + chunk, None, :]
            out[s:s + chunk] = np.any(np.all((seg_hi >= lo) & (seg_lo <= hi), axis=2), axis=1)
        return out

    @property
    def n_unit(self) -> int:
        return 1

    def from_unit(self, U: np.ndarray) -> np.ndarray:
        """u ↦ γ(t(u·L)), t(s) the table's inverse arc length (linear between tabulated t)."""
        s = np.clip(np.asarray(U)[:, 0], 0.0, 1.0) * self._arc[-1]
        return self.parametrisation(np.interp(s, self._arc, self._T))

    def outline(self, n_points: int = 512):
        return [self._table] if self.dim == 2 else None

    def __str__(self) -> str:
        if not isinstance(self.x, tuple):
            name = getattr(self.x, "__name__", type(self.x).__name__)
            return f"curve(<callable {name}>, t=[{shortest(self.t[0])},{shortest(self.t[1])}])"
        return f"curve(x=[{','.join(self.x)}], t=[{shortest(self.t[0])},{shortest(self.t[1])}])"

    @classmethod
    def _parse(cls, inner: str, text: str) -> "Curve":
        """``curve(x=[expr in t, ...], t=[a,b])``."""
        from uat.domains._parse import named_arguments, split_arguments, vector

        if "<callable" in inner:
            raise ValueError(f"a curve given by a Python callable cannot be read from text; write its coordinates "
                             f"as expressions in t, e.g. curve(x=[cos(t),sin(t)], t=[0,1]); got {text!r}")
        args = named_arguments("curve", inner, text, ("x", "t"), "x=[expression in t, ...] and t=[a,b]")
        raw = args["x"]
        if not (raw.startswith("[") and raw.endswith("]")) or not raw[1:-1]:
            raise ValueError(f"curve x must be a list of expressions in t like [cos(t),sin(t)]; got {raw!r} in "
                             f"{text!r}")
        interval = vector(args["t"], "curve t", text, "[0,1]")
        if len(interval) != 2:
            raise ValueError(f"curve t must be an interval [a,b]; got {args['t']!r} in {text!r}")
        return cls(split_arguments(raw[1:-1]), tuple(interval))
