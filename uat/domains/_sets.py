"""Set algebra (unions, intersections, differences), finite point sets and level sets {h ≤ 0}.

Sampling (see :mod:`uat.domains._base`) is exact in every case:

* ``Union(parts)``: a part is chosen with probability proportional to its ``proposal_volume``, a proposal
  drawn from it, and accepted when the part accepts it and then with probability 1/c(x), c(x) the number of
  parts containing x. The accepted density is Σᵢ 1_{Kᵢ}(x)/c(x) / Σᵢ Vᵢ = 1_K(x) / Σᵢ Vᵢ: uniform on the
  union, overlaps counted once. The acceptance is at least 1/(number of parts) times the parts' own.
* ``Intersection(parts)``: proposals from one part (the one of lowest intrinsic dimension, then of smallest
  proposal volume), accepted when every other part contains them.
* ``Difference(a, b)`` = a minus the interior of b (closed, hence compact): proposals from a, refused when
  they fall in b's interior.
* ``LevelSet(h, box)``: uniform points of the box, accepted where h ≤ 0.

Each rejection domain measures its acceptance on :data:`~uat.domains._base.TRIALS` proposals (seed 0) at
construction and refuses a set none of them lands in; the expected number of proposals per point is
1/acceptance, and :meth:`~uat.domains._base.Domain.sample` sizes its rounds by it.

A rejection domain projects a point x onto K by the projection of the part it draws from when that lands in
K, else by bisection (52 halvings) on the segment from the nearest of its stored points of K (the accepted
trials) towards x, for the last point of the segment in K: always a point of K, near x, not always the
nearest one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from uat._validation import as_float_array, as_points, shortest
from uat.domains._base import Domain, vector_text

__all__ = ["Union", "Intersection", "Difference", "PointSet", "LevelSet"]

#: Stored points of K a rejection domain keeps (from its acceptance trials) to anchor projections.
_ANCHORS = 4096


def _check_parts(kind: str, parts) -> tuple:
    parts = tuple(parts)
    for p in parts:
        if not isinstance(p, Domain):
            raise TypeError(f"{kind} takes uat domains (Box, Ball, Simplex, ...); got {p!r}")
    dims = {p.dim for p in parts}
    if len(dims) > 1:
        raise ValueError(f"{kind} needs domains of one dimension; got dimensions "
                         f"{', '.join(f'{p.dim} ({p})' for p in parts)}")
    return parts


def _wrap(part: Domain) -> str:
    """A part's text, parenthesised when it is itself set algebra (so that str reads back to the same tree)."""
    return f"({part})" if isinstance(part, (Union, Intersection, Difference)) else str(part)


class _Anchored:
    """Rejection domains: acceptance and stored points measured once, projection by bisection from them."""

    def _setup(self):
        acceptance, points = self._measure()
        object.__setattr__(self, "_acceptance", acceptance)
        object.__setattr__(self, "_anchors", points[:_ANCHORS])

    @property
    def acceptance(self) -> float:
        """The fraction of proposals accepted, measured at construction on 10⁴ trials (seed 0)."""
        return self._acceptance

    @property
    def n_unit(self):
        return None

    def _bisect(self, X: np.ndarray) -> np.ndarray:
        """Rows of X not in K replaced by the last point in K on the segment from the nearest anchor to them."""
        from scipy.spatial import cKDTree

        X = np.array(X, dtype=float)
        out = np.flatnonzero(~self.contains(X))
        if len(out) == 0:
            return X
        tree = cKDTree(self._anchors)
        _, nearest = tree.query(X[out])
        r, x = self._anchors[nearest], X[out]
        lo, hi = np.zeros(len(out)), np.ones(len(out))
        for _ in range(52):
            mid = 0.5 * (lo + hi)
            inside = self.contains(r + mid[:, None] * (x - r))
            lo, hi = np.where(inside, mid, lo), np.where(inside, hi, mid)
        P = r + lo[:, None] * (x - r)
        bad = ~self.contains(P)  # rounding of r + t(x − r) at t = lo: fall back to the anchor itself
        P[bad] = r[bad]
        X[out] = P
        return X

    def estimated_volume(self) -> float:
        """K's measure estimated as proposal_volume × acceptance (from the 10⁴ trials: relative standard error
        about sqrt((1 − a)/(10⁴·a)) for acceptance a)."""
        return self.proposal_volume * self.acceptance


@dataclass(frozen=True)
class Union(_Anchored, Domain):
    """K = K₁ ∪ … ∪ K_m (parts of one dimension and one intrinsic dimension; nested unions are flattened).

    Sampling is the volume-weighted mixture with acceptance 1/c(x) described in the module docstring:
    exactly uniform on the union. ``project`` is the nearest of the parts' projections.

    Examples
    --------
    >>> from uat.domains import Box
    >>> L = Box([0, 0], [2, 1]) | Box([0, 0], [1, 2])
    >>> L.contains([[1.5, 0.5], [1.5, 1.5]]).tolist()
    [True, False]
    """

    parts: tuple
    _acceptance: float = field(init=False, repr=False, compare=False, default=1.0)
    _anchors: np.ndarray = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self):
        flat = []
        for p in _check_parts("Union", self.parts):
            flat.extend(p.parts if isinstance(p, Union) else [p])
        if len(flat) < 2:
            raise ValueError(f"Union needs at least two domains; got {len(flat)}")
        dims = {p.intrinsic_dim for p in flat}
        if len(dims) > 1:
            raise ValueError("Union needs parts of one intrinsic dimension (uniform sampling needs one measure); got "
                             + ", ".join(f"{p} (dimension {p.intrinsic_dim})" for p in flat))
        object.__setattr__(self, "parts", tuple(flat))
        self._setup()

    @property
    def dim(self) -> int:
        return self.parts[0].dim

    @property
    def intrinsic_dim(self) -> int:
        return self.parts[0].intrinsic_dim

    @property
    def bounds(self):
        lows, highs = zip(*(p.bounds for p in self.parts))
        return np.min(lows, axis=0), np.max(highs, axis=0)

    def contains(self, X) -> np.ndarray:
        X = as_points("X", X, self.dim)
        return np.any([p.contains(X) for p in self.parts], axis=0)

    def interior(self, X) -> np.ndarray:
        """The union of the parts' interiors (an open subset of K's interior)."""
        X = as_points("X", X, self.dim)
        return np.any([p.interior(X) for p in self.parts], axis=0)

    def meets(self, lower, upper) -> np.ndarray:
        return np.any([p.meets(lower, upper) for p in self.parts], axis=0)

    def inside(self, lower, upper) -> np.ndarray:
        """Boxes inside some part's interior (a box across the seam of two parts is not proved inside)."""
        return np.any([p.inside(lower, upper) for p in self.parts], axis=0)

    @property
    def boxes_decided(self) -> bool:
        """Sharp when every part is (as the hole of a Difference, a union of parts that only touch leaves the boxes
        across their seam undecided: valid bounds, slower to close there)."""
        return all(p.boxes_decided for p in self.parts)

    @property
    def n_proposal(self) -> int:
        return 2 + max(p.n_proposal for p in self.parts)

    @property
    def proposal_volume(self) -> float:
        return float(sum(p.proposal_volume for p in self.parts))

    def _propose(self, U):
        weights = np.array([p.proposal_volume for p in self.parts], dtype=float)
        edges = np.cumsum(weights) / weights.sum()
        choice = np.minimum(np.searchsorted(edges, U[:, 0], side="right"), len(self.parts) - 1)
        X, ok = np.empty((len(U), self.dim)), np.zeros(len(U), dtype=bool)
        for i, part in enumerate(self.parts):
            rows = np.flatnonzero(choice == i)
            if len(rows):
                X[rows], ok[rows] = part._propose(U[rows, 2:2 + part.n_proposal])
        count = np.sum([p.contains(X) for p in self.parts], axis=0)
        return X, ok & (U[:, 1] * np.maximum(count, 1) < 1.0)

    def project(self, X) -> np.ndarray:
        """The nearest of the parts' projections (the nearest point of K when each part's is its nearest)."""
        X = as_points("X", X, self.dim)
        candidates = np.stack([p.project(X) for p in self.parts])
        best = np.argmin(np.linalg.norm(candidates - X, axis=2), axis=0)
        return candidates[best, np.arange(len(X))]

    def __str__(self) -> str:
        return " | ".join(_wrap(p) for p in self.parts)


@dataclass(frozen=True)
class Intersection(_Anchored, Domain):
    """K = K₁ ∩ … ∩ K_m: proposals from one part, accepted when every other part contains them (module
    docstring); an intersection none of 10⁴ trials lands in is refused as empty."""

    parts: tuple
    _acceptance: float = field(init=False, repr=False, compare=False, default=1.0)
    _anchors: np.ndarray = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self):
        flat = []
        for p in _check_parts("Intersection", self.parts):
            flat.extend(p.parts if isinstance(p, Intersection) else [p])
        if len(flat) < 2:
            raise ValueError(f"Intersection needs at least two domains; got {len(flat)}")
        object.__setattr__(self, "parts", tuple(flat))
        lower, upper = self.bounds
        if np.any(lower > upper):
            i = int(np.flatnonzero(lower > upper)[0])
            raise ValueError(f"the intersection {self} is empty: the parts' bounding boxes do not overlap in "
                             f"coordinate {i + 1}")
        self._setup()

    @property
    def _first(self) -> Domain:
        return min(self.parts, key=lambda p: (p.intrinsic_dim, p.proposal_volume))

    @property
    def dim(self) -> int:
        return self.parts[0].dim

    @property
    def intrinsic_dim(self) -> int:
        return self._first.intrinsic_dim

    @property
    def bounds(self):
        lows, highs = zip(*(p.bounds for p in self.parts))
        return np.max(lows, axis=0), np.min(highs, axis=0)

    def contains(self, X) -> np.ndarray:
        X = as_points("X", X, self.dim)
        return np.all([p.contains(X) for p in self.parts], axis=0)

    def interior(self, X) -> np.ndarray:
        X = as_points("X", X, self.dim)
        return np.all([p.interior(X) for p in self.parts], axis=0)

    def meets(self, lower, upper) -> np.ndarray:
        """Boxes that meet every part (conservative: such a box may miss the intersection; sharp when every part is,
        since near a point outside K a small box misses one of the parts)."""
        return np.all([p.meets(lower, upper) for p in self.parts], axis=0)

    def inside(self, lower, upper) -> np.ndarray:
        return np.all([p.inside(lower, upper) for p in self.parts], axis=0)

    @property
    def boxes_decided(self) -> bool:
        return all(p.boxes_decided for p in self.parts)

    @property
    def n_proposal(self) -> int:
        return self._first.n_proposal

    @property
    def proposal_volume(self) -> float:
        return self._first.proposal_volume

    def _proposal_text(self) -> str:
        return str(self._first)

    def _propose(self, U):
        first = self._first
        X, ok = first._propose(U)
        for p in self.parts:
            if p is not first:
                ok &= p.contains(X)
        return X, ok

    def project(self, X) -> np.ndarray:
        """The projection of the part proposals come from where it lands in K, else bisection from a stored
        point of K (module docstring)."""
        X = as_points("X", X, self.dim)
        P = self._first.project(X)
        bad = ~self.contains(P)
        if bad.any():
            P[bad] = self._bisect(X[bad])
        return P

    def __str__(self) -> str:
        return " & ".join(_wrap(p) for p in self.parts)


@dataclass(frozen=True)
class Difference(_Anchored, Domain):
    """K = A ∖ int(B), the points of A not in B's interior: closed, so compact, and B's boundary stays in K.

    Proposals come from A and are refused in B's interior (module docstring); a difference none of 10⁴
    trials lands in (B covers A) is refused as empty.

    Examples
    --------
    >>> from uat.domains import Ball, Box
    >>> K = Box([0, 0], [1, 1]) - Ball([0.5, 0.5], 0.25)
    >>> K.contains([[0.5, 0.5], [0.5, 0.25], [0.1, 0.1]]).tolist()
    [False, True, True]
    """

    first: Domain
    second: Domain
    _acceptance: float = field(init=False, repr=False, compare=False, default=1.0)
    _anchors: np.ndarray = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self):
        _check_parts("Difference", (self.first, self.second))
        self._setup()

    @property
    def parts(self) -> tuple:
        return (self.first, self.second)

    @property
    def dim(self) -> int:
        return self.first.dim

    @property
    def intrinsic_dim(self) -> int:
        return self.first.intrinsic_dim

    @property
    def bounds(self):
        return self.first.bounds

    def contains(self, X) -> np.ndarray:
        X = as_points("X", X, self.dim)
        return self.first.contains(X) & ~self.second.interior(X)

    def interior(self, X) -> np.ndarray:
        X = as_points("X", X, self.dim)
        return self.first.interior(X) & ~self.second.contains(X)

    def meets(self, lower, upper) -> np.ndarray:
        """Boxes that meet A and do not lie inside B's interior (the hole)."""
        return self.first.meets(lower, upper) & ~self.second.inside(lower, upper)

    def inside(self, lower, upper) -> np.ndarray:
        """Boxes inside A's interior that miss B."""
        return self.first.inside(lower, upper) & ~self.second.meets(lower, upper)

    @property
    def boxes_decided(self) -> bool:
        return self.first.boxes_decided and self.second.boxes_decided

    @property
    def n_proposal(self) -> int:
        return self.first.n_proposal

    @property
    def proposal_volume(self) -> float:
        return self.first.proposal_volume

    def _proposal_text(self) -> str:
        return str(self.first)

    def _propose(self, U):
        X, ok = self.first._propose(U)
        return X, ok & ~self.second.interior(X)

    def project(self, X) -> np.ndarray:
        """A's projection where it lands in K, else bisection from a stored point of K (module docstring)."""
        X = as_points("X", X, self.dim)
        P = self.first.project(X)
        bad = ~self.contains(P)
        if bad.any():
            P[bad] = self._bisect(X[bad])
        return P

    def __str__(self) -> str:
        right = self.second
        text = f"({right})" if isinstance(right, (Union, Intersection, Difference)) else str(right)
        left = self.first
        left_text = f"({left})" if isinstance(left, (Union, Intersection)) else str(left)  # A - B - C: left-assoc
        return f"{left_text} - {text}"


def _rows_key(X: np.ndarray) -> np.ndarray:
    """Rows of X as one comparable void value each (-0.0 and 0.0 alike), for exact membership."""
    X = np.ascontiguousarray(X + 0.0)
    return X.view(np.dtype((np.void, X.dtype.itemsize * X.shape[1]))).ravel()


@dataclass(frozen=True, eq=False)
class PointSet(Domain):
    """A finite set K = {x₁, …, x_p} ⊂ ℝⁿ (duplicates kept once, in order of first appearance).

    Compact, of intrinsic dimension 0: "uniform" is the counting measure (each point with probability 1/p),
    ``contains`` is exact equality of rows, ``project`` the nearest point, and
    :func:`uat.sup_error` on a point set is exact: the maximum over every point, and it says so.

    Parameters
    ----------
    X : array (p, n)
        Finite coordinates, at least one point.
    source : str, optional
        The file the points were read from (:meth:`read_csv`); ``str`` then prints ``points(source)``.
    """

    X: np.ndarray
    source: str | None = None

    def __post_init__(self):
        X = as_float_array("PointSet X", self.X, finite=False)
        if X.ndim == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(f"PointSet needs a non-empty (p, n) array of points; got shape {X.shape}")
        bad = ~np.isfinite(X)
        if bad.any():
            i, j = map(int, np.argwhere(bad)[0])
            raise ValueError(f"PointSet points must be finite (K is compact); point {i + 1} has coordinate {j + 1} = "
                             f"{X[i, j]}")
        _, first = np.unique(_rows_key(X), return_index=True)
        X = X[np.sort(first)] + 0.0
        X.flags.writeable = False
        object.__setattr__(self, "X", X)
        keys = _rows_key(X)
        object.__setattr__(self, "_sorted", np.sort(keys))

    @classmethod
    def read_csv(cls, path: str, *, folder: str | None = None) -> "PointSet":
        """Points from a CSV file (read with pandas; one point per row, one coordinate per column, a header row
        of names allowed). Every cell must be a finite number; the first that is not is named."""
        import os

        import pandas as pd

        full = path if folder is None or os.path.isabs(path) else os.path.join(folder, path)
        try:
            table = pd.read_csv(full, header=None, dtype=str, skipinitialspace=True)
        except FileNotFoundError:
            raise ValueError(f"points file {path!r} not found (looked for {os.path.abspath(full)})") from None
        except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as err:
            raise ValueError(f"points file {path!r} is not a CSV table of numbers: {err}") from None
        values = table.apply(pd.to_numeric, errors="coerce")
        if values.iloc[0].isna().all() and len(table) > 1:  # a header row of names
            table, values = table.iloc[1:], values.iloc[1:]
        bad = values.isna().to_numpy() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            i, j = map(int, np.argwhere(bad)[0])
            raise ValueError(f"points file {path!r}: row {i + 1} column {j + 1} is {table.iloc[i, j]!r}, not a finite "
                             "number")
        return cls(values.to_numpy(dtype=float), source=path)

    @classmethod
    def _parse(cls, inner: str, text: str) -> "PointSet":
        """``points(file.csv)`` or ``points(X=[[x1,y1],[x2,y2],...])``."""
        from uat.domains._parse import FOLDER, matrix, named_arguments

        args = named_arguments("points", inner, text, ("X",), "a file name or X=[[...],...]", positional="file")
        if "file" in args:
            return cls.read_csv(args["file"], folder=FOLDER.get())
        return cls(matrix(args["X"], "points X", text))

    def __eq__(self, other) -> bool:
        return isinstance(other, PointSet) and self.X.shape == other.X.shape and bool(np.all(self.X == other.X))

    def __hash__(self) -> int:
        return hash(self.X.tobytes())

    @property
    def dim(self) -> int:
        return self.X.shape[1]

    @property
    def intrinsic_dim(self) -> int:
        return 0

    @property
    def size(self) -> int:
        return self.X.shape[0]

    @property
    def bounds(self):
        return self.X.min(axis=0), self.X.max(axis=0)

    @property
    def volume(self) -> float:
        """The counting measure: the number of points."""
        return float(self.size)

    def contains(self, X) -> np.ndarray:
        """Exact membership: rows equal to one of the points (0.0 and -0.0 alike)."""
        X = as_points("X", X, self.dim)
        keys = _rows_key(X)
        at = np.minimum(np.searchsorted(self._sorted, keys), len(self._sorted) - 1)
        return self._sorted[at] == keys

    def meets(self, lower, upper) -> np.ndarray:
        """Which boxes hold at least one of the points (chunked over boxes)."""
        lower, upper = np.atleast_2d(lower), np.atleast_2d(upper)
        out = np.zeros(len(lower), dtype=bool)
        chunk = max(1, (1 << 22) // (self.size * self.dim))
        for s in range(0, len(lower), chunk):
            lo, hi = lower[s:s + chunk, None, :], upper[s:s + chunk, None, :]
            out[s:s + chunk] = np.any(np.all((self.X >= lo) & (self.X <= hi), axis=2), axis=1)
        return out

    #: ``meets`` is exact; the interior is empty, so ``inside`` (never) is exact too.
    boxes_decided = True

    def project(self, X) -> np.ndarray:
        """The nearest point of the set to each row (a k-d tree; ties to the first)."""
        from scipy.spatial import cKDTree

        X = as_points("X", X, self.dim)
        _, nearest = cKDTree(self.X).query(X)
        return self.X[nearest].copy()

    @property
    def n_unit(self) -> int:
        return 1

    def from_unit(self, U) -> np.ndarray:
        """Row u ↦ point ⌊u·p⌋: each point with probability 1/p (Sobol' points give a stratified choice)."""
        i = np.minimum((np.asarray(U)[:, 0] * self.size).astype(int), self.size - 1)
        return self.X[i].copy()

    def __str__(self) -> str:
        if self.source is not None:
            return f"points({self.source})"
        return "points(X=[" + ",".join(vector_text(x) for x in self.X) + "])"


@dataclass(frozen=True, eq=False)
class LevelSet(_Anchored, Domain):
    """K = {x ∈ box : h(x) ≤ 0}, for an expression h (text, :mod:`uat.expressions`) or a callable (N, n) → (N,).

    Sampling is by rejection from the box, at the acceptance rate measured on 10⁴ trial points (seed 0;
    ``acceptance``); a set none of them lands in is refused. K must be closed for the theorem: it is when h is
    continuous. Points where h is NaN are outside.

    Examples
    --------
    >>> K = LevelSet("x**2 + y**2 - 1", "[-1,1]^2")
    >>> round(K.acceptance, 2)
    0.79
    """

    h: object
    box: object
    _acceptance: float = field(init=False, repr=False, compare=False, default=1.0)
    _anchors: np.ndarray = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self):
        from uat.domains import Box, as_domain

        box = as_domain(self.box)
        if not isinstance(box, Box):
            raise TypeError(f"LevelSet box must be a Box (a product of intervals); got {box}")
        object.__setattr__(self, "box", box)
        if isinstance(self.h, str):
            from uat.expressions import compile_expression

            object.__setattr__(self, "h", self.h.replace(" ", ""))  # as parse_domain reads it: str round-trips
            expr = compile_expression(self.h)
            if expr.n_outputs != 1:
                raise ValueError(f"LevelSet h must have one output; {self.h!r} has {expr.n_outputs}")
            if expr.n_inputs > box.dim:
                raise ValueError(f"LevelSet h uses x{expr.n_inputs} but the box {box} has dimension {box.dim}")
            object.__setattr__(self, "_h", expr)
        elif callable(self.h):
            object.__setattr__(self, "_h", self.h)
        else:
            raise TypeError(f"LevelSet h must be an expression string like 'x**2 + y**2 - 1' or a callable; got "
                            f"{self.h!r}")
        self._setup()

    def _values(self, X: np.ndarray) -> np.ndarray:
        from uat._validation import read_only

        with np.errstate(all="ignore"):
            v = np.asarray(self._h(read_only(X)), dtype=float)
        if v.ndim == 2 and v.shape[1] == 1:
            v = v[:, 0]
        if v.shape != (len(X),):
            raise ValueError(f"LevelSet h must map (N, {self.dim}) points to (N,) values; got shape {v.shape}")
        return v

    def __eq__(self, other) -> bool:
        return isinstance(other, LevelSet) and self.h == other.h and self.box == other.box

    def __hash__(self) -> int:
        return hash((str(self.h), self.box))

    @property
    def dim(self) -> int:
        return self.box.dim

    @property
    def bounds(self):
        return self.box.bounds

    def contains(self, X) -> np.ndarray:
        X = as_points("X", X, self.dim)
        inside = self.box.contains(X)
        inside[inside] = self._values(X[inside]) <= 0
        return inside

    def interior(self, X) -> np.ndarray:
        X = as_points("X", X, self.dim)
        inside = self.box.interior(X)
        inside[inside] = self._values(X[inside]) < 0
        return inside

    def meets(self, lower, upper) -> np.ndarray:
        return self.box.meets(lower, upper)

    @property
    def n_proposal(self) -> int:
        return self.box.dim

    @property
    def proposal_volume(self) -> float:
        return self.box.volume

    def _proposal_text(self) -> str:
        return str(self.box)

    def _propose(self, U):
        X = self.box.from_unit(U)
        return X, self._values(X) <= 0

    def project(self, X) -> np.ndarray:
        """Points of K: rows in K unchanged, the others by bisection from a stored point of K (module docstring)."""
        return self._bisect(self.box.project(as_points("X", X, self.dim)))

    def __str__(self) -> str:
        h = self.h if isinstance(self.h, str) else f"<callable {getattr(self.h, '__name__', type(self.h).__name__)}>"
        return f"levelset(h={h}, box={self.box})"

    @classmethod
    def _parse(cls, inner: str, text: str) -> "LevelSet":
        """``levelset(h=expression, box=[a,b]x[c,d])``."""
        from uat.domains._parse import named_arguments, parse_domain

        args = named_arguments("levelset", inner, text, ("h", "box"), "h=expression and box=[a,b]x...")
        return cls(args["h"], parse_domain(args["box"]))
