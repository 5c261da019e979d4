"""Simplices in ℝⁿ and simple polygons in the plane (convex or not), with exact uniform sampling.

* :class:`Simplex` K = conv(v₀, …, vₙ): membership by barycentric coordinates λ(x) = 1/(n+1) + (x − c) G
  (c the centroid, G the gradient of λ), exact uniform points from Dirichlet(1, …, 1) weights.
* :class:`Polygon` K bounded by a closed polyline that does not cross itself: membership by the crossing
  number (boundary included), exact uniform points from an ear-clipping triangulation.

Every sample and every projection lies in K as :meth:`contains` computes it: rounding that puts a point
just outside is undone by :func:`~uat.domains._base.move_inside`, towards an interior point along a segment
inside K.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from uat._validation import as_float_array, as_points, check_int, shortest
from uat.domains._base import Domain, check_extent, move_inside, vector_text

__all__ = ["Simplex", "Polygon"]

_EPS = np.finfo(float).eps
#: The largest condition number of a simplex's edge matrix [v₁ − v₀, …, vₙ − v₀] uat takes: beyond it the
#: barycentric coordinates lose more than 4 of their 16 digits, and K is flat for practical purposes.
MAX_CONDITION = 1e12
#: Entries of the (points × edges) or (boxes × vertices) arrays one chunk may hold.
_CHUNK = 1 << 20


def _vertex_array(owner: str, vertices, example: str) -> np.ndarray:
    """A finite 2-D float array of vertices, or an error naming the first coordinate that is not finite."""
    V = as_float_array(f"{owner} vertices", vertices, finite=False)
    if V.ndim != 2 or V.shape[1] == 0:
        raise ValueError(f"{owner} vertices must be a 2-D array of points, one per row, like {example}; got shape "
                         f"{V.shape}")
    bad = ~np.isfinite(V)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise ValueError(f"{owner} vertices must be finite (K is compact); vertex {i + 1} has coordinate {j + 1} = "
                         f"{V[i, j]}")
    return V + 0.0  # -0.0 → 0.0, so that equal shapes print and compare alike


def _point_text(p) -> str:
    return "(" + ", ".join(shortest(float(c)) for c in p) + ")"


def _matrix_text(V) -> str:
    return "[" + ",".join(vector_text(v) for v in V) + "]"


def _parse_vertices(cls, kind: str, inner: str, text: str):
    from uat.domains._parse import matrix, named_arguments

    args = named_arguments(kind, inner, text, ("vertices",), "vertices=[[...],...]")
    return cls(matrix(args["vertices"], f"{kind} vertices", text))


def _chunks(n: int, width: int):
    """Slices of range(n) holding at most _CHUNK / width rows each."""
    step = max(1, _CHUNK // max(width, 1))
    return (slice(s, min(s + step, n)) for s in range(0, n, step))


# --------------------------------------------------------------------------------------------- simplices
def onto_probability_simplex(L: np.ndarray) -> np.ndarray:
    """The Euclidean projections of the rows of L (N, k) onto {λ ≥ 0, Σλ = 1}: max(λ − θ, 0) with θ from the
    sorted rows (Held, Wolfe & Crowder 1974; Duchi et al. 2008), vectorised."""
    S = -np.sort(-L, axis=1)
    excess = np.cumsum(S, axis=1) - 1.0
    k = np.arange(1, L.shape[1] + 1)
    positive = S - excess / k > 0  # true on a leading run (always at k = 1)
    rho = L.shape[1] - 1 - np.argmax(positive[:, ::-1], axis=1)
    theta = excess[np.arange(len(L)), rho] / (rho + 1)
    return np.maximum(L - theta[:, None], 0.0)


@dataclass(frozen=True)
class Simplex(Domain):
    """The simplex K = conv(v₀, …, vₙ) ⊂ ℝⁿ.

    Parameters
    ----------
    vertices : array (n + 1, n), optional
        Finite vertices, affinely independent (the edge matrix [v₁ − v₀, …, vₙ − v₀] must have a condition
        number below :data:`MAX_CONDITION`), every edge within the length limits of a Box's sides. Default:
        the standard simplex {x ≥ 0, Σx ≤ 1} with vertices 0, e₁, …, eₙ.
    dim : int, optional
        n for the standard simplex (default 2); with ``vertices`` it must match them if given.

    Notes
    -----
    Membership is λᵢ(x) ≥ −τᵢ(x) for every barycentric coordinate, τ the rounding of λ (the deviation measured
    at the vertices plus a few ulps of |x|·|G|): vertices and points computed on edges and faces test inside.
    ``interior`` is λᵢ > τᵢ. ``volume`` is |det[v₁ − v₀, …]| / n!, ``diameter`` the longest edge.

    Examples
    --------
    >>> Simplex().volume, str(Simplex())
    (0.5, 'simplex(vertices=[[0,0],[1,0],[0,1]])')
    >>> Simplex([[0, 0, 0], [2, 0, 0], [0, 2, 0], [0, 0, 2]]).volume  # doctest: +ELLIPSIS
    1.33333...
    """

    vertices: tuple | None = None
    dim: int | None = None

    def __post_init__(self):
        if self.vertices is None:
            n = check_int("dim", 2 if self.dim is None else self.dim)
            V = np.vstack([np.zeros(n), np.eye(n)])
        else:
            V = _vertex_array("Simplex", self.vertices, "[[0,0],[1,0],[0,1]]")
            n = V.shape[1]
            if V.shape[0] != n + 1:
                raise ValueError(f"Simplex vertices must be n + 1 points of dimension n (an (n + 1, n) array, e.g. 3 "
                                 f"points in the plane); got {V.shape[0]} points of dimension {n}")
            if self.dim is not None and check_int("dim", self.dim) != n:
                raise ValueError(f"Simplex dim must match the vertices' dimension {n}; got dim={self.dim}")
        self._check_edges(V)
        E = V[1:] - V[0]
        singular = np.linalg.svd(E, compute_uv=False)
        condition = singular[0] / singular[-1] if singular[-1] > 0 else math.inf
        if not condition < MAX_CONDITION:
            volume = abs(float(np.prod(singular))) / math.factorial(n)
            raise ValueError(f"Simplex vertices are affinely dependent (K is flat): the edge matrix [v1 - v0, ...] has "
                             f"condition number {condition:.3g} and the volume is {volume:.3g}; uat needs a condition "
                             f"number below {MAX_CONDITION:.0e}: give n + 1 points not on one hyperplane")
        object.__setattr__(self, "vertices", tuple(map(tuple, V.tolist())))
        object.__setattr__(self, "dim", n)
        self._setup(V, E)

    @staticmethod
    def _check_edges(V: np.ndarray) -> None:
        for i in range(len(V)):
            for j in range(i + 1, len(V)):
                with np.errstate(over="ignore"):
                    length = math.hypot(*(V[j] - V[i]).tolist())
                magnitude = float(np.max(np.abs(V[[i, j]])))
                check_extent(f"Simplex edge from vertex {i + 1} {_point_text(V[i])} to vertex {j + 1} "
                             f"{_point_text(V[j])}", length, magnitude)

    def _setup(self, V: np.ndarray, E: np.ndarray) -> None:
        """λ(x) = 1/(n+1) + (x − c) G, with G = [−Σ rows of E⁻¹ᵀ …] so that λ is symmetric in the vertices, and the
        deviation of λ at the vertices from the unit vectors (the rounding of G and c)."""
        n = V.shape[1]
        inverse = np.linalg.inv(E)  # (x − v0) E⁻¹ = (λ1, …, λn)
        G = np.hstack([-inverse.sum(axis=1, keepdims=True), inverse])
        c = V.mean(axis=0)
        for name, value in (("_V", V), ("_c", c), ("_G", G), ("_absG", np.abs(G)), ("_slack", 0.0)):
            value = np.asarray(value)
            value.flags.writeable = False
            object.__setattr__(self, name, value)
        deviation = float(np.max(np.abs(self._barycentric(V) - np.eye(n + 1))))
        object.__setattr__(self, "_slack", 2.0 * deviation)

    def _barycentric(self, X: np.ndarray) -> np.ndarray:
        return 1.0 / (self.dim + 1) + (X - self._c) @ self._G

    def _rounding(self, X: np.ndarray) -> np.ndarray:
        """τ (N, n+1): the rounding of λ at the rows of X (their own, 2 ulps of |x|·|G|, and the evaluation's, (n + 2)
        ulps of 1 + |x − c|·|G|) plus twice the deviation measured at the vertices."""
        return (self._slack + 2 * _EPS * ((np.abs(X) + np.abs(self._c)) @ self._absG)
                + (self.dim + 2) * _EPS * (1.0 + np.abs(X - self._c) @ self._absG))

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return self._V.min(axis=0), self._V.max(axis=0)

    @property
    def diameter(self) -> float:
        """The longest edge (a simplex's diameter)."""
        V = self._V
        return max(math.hypot(*(V[i] - V[j]).tolist()) for i in range(len(V)) for j in range(i))

    @property
    def volume(self) -> float:
        from scipy.linalg import det as determinant  # LU without numpy's rounding of det([[3.]]) to 3.0000000000000004

        E = self._V[1:] - self._V[0]
        det = abs(float(determinant(E)))
        if 0 < det < math.inf and self.dim <= 170:
            return det / math.factorial(self.dim)
        return math.exp(float(np.linalg.slogdet(E)[1]) - math.lgamma(self.dim + 1))  # |det| or n! overflows

    def contains(self, X) -> np.ndarray:
        """Boolean (N,): which rows of X have every barycentric coordinate ≥ −(its rounding)."""
        X = as_points("X", X, self.dim)
        return np.all(self._barycentric(X) >= -self._rounding(X), axis=1)

    def interior(self, X) -> np.ndarray:
        """Which rows of X have every barycentric coordinate > its rounding (an open subset of K)."""
        X = as_points("X", X, self.dim)
        return np.all(self._barycentric(X) > self._rounding(X), axis=1)

    def meets(self, lower, upper) -> np.ndarray:
        """Which boxes may meet K: False when the box misses K's bounding box or lies wholly beyond one facet
        (λᵢ < 0 at every corner; the separating axes of K's facets). Exact in 2-D up to rounding, conservative
        above (the axes from edge pairs are not tried)."""
        lower, upper = np.atleast_2d(lower).astype(float), np.atleast_2d(upper).astype(float)
        G = self._G
        top = 1.0 / (self.dim + 1) + (upper - self._c) @ np.maximum(G, 0) + (lower - self._c) @ np.minimum(G, 0)
        size = np.abs(lower) + np.abs(upper) + 2 * np.abs(self._c)  # bounds every |corner| + |c| and |corner − c|
        slack = self._slack + 2 * (self.dim + 2) * _EPS * (1.0 + size @ self._absG)
        return super().meets(lower, upper) & np.all(top >= -slack, axis=1)

    #: ``inside`` is exact up to rounding; ``meets`` is exact in 2-D and, above, exact for every box small against
    #: its distance from K (near a point outside K some λᵢ < 0 on the whole box): sharp in both cases.
    boxes_decided = True

    def inside(self, lower, upper) -> np.ndarray:
        """Which boxes lie in K's interior: every barycentric coordinate's minimum over the box (at a corner, λ
        being affine) exceeds its rounding, with the slack of :meth:`meets`."""
        lower, upper = np.atleast_2d(lower).astype(float), np.atleast_2d(upper).astype(float)
        G = self._G
        bottom = 1.0 / (self.dim + 1) + (lower - self._c) @ np.maximum(G, 0) + (upper - self._c) @ np.minimum(G, 0)
        size = np.abs(lower) + np.abs(upper) + 2 * np.abs(self._c)
        slack = self._slack + 2 * (self.dim + 2) * _EPS * (1.0 + size @ self._absG)
        return np.all(bottom > slack, axis=1)

    def project(self, X) -> np.ndarray:
        """Points of K, equal to X on K: for a row outside, the point whose barycentric coordinates are the
        Euclidean projection of x's onto the probability simplex (the nearest point of K in the metric of
        barycentric coordinates, the Euclidean nearest one only for special shapes), pulled inside K's rounding
        towards the centroid when needed."""
        X = as_points("X", X, self.dim).copy()
        out = np.flatnonzero(~self.contains(X))
        if len(out):
            P = onto_probability_simplex(self._barycentric(X[out])) @ self._V
            X[out] = move_inside(self, P, np.broadcast_to(self._c, P.shape), 4 * _EPS)
        return X

    def outline(self, n_points: int = 512) -> list[np.ndarray] | None:
        """A triangle's three edges, one closed polyline."""
        return [np.vstack([self._V, self._V[:1]])] if self.dim == 2 else None

    @property
    def n_unit(self) -> int:
        return self.dim + 1

    def from_unit(self, U: np.ndarray) -> np.ndarray:
        """Rows of [0, 1)^(n+1) → uniform points of K: weights −log(1 − u) normalised are Dirichlet(1, …, 1),
        uniform on the probability simplex, and x = Σ λᵢ vᵢ is affine in them."""
        W = -np.log1p(-np.asarray(U, dtype=float))
        total = W.sum(axis=1, keepdims=True)
        L = np.where(total > 0, W / np.where(total > 0, total, 1.0), 1.0 / (self.dim + 1))
        X = L @ self._V
        return move_inside(self, X, np.broadcast_to(self._c, X.shape), 4 * _EPS)

    def __str__(self) -> str:
        return f"simplex(vertices={_matrix_text(self.vertices)})"

    @classmethod
    def _parse(cls, inner: str, text: str) -> "Simplex":
        """``simplex(vertices=[[x,y],[x,y],[x,y]])``."""
        return _parse_vertices(cls, "simplex", inner, text)


# ---------------------------------------------------------------------------------------------- polygons
def _cross(ax, ay, bx, by):
    return ax * by - ay * bx


def _orient(a, b, c):
    """Twice the signed area of (a, b, c) for broadcastable (..., 2) arrays: > 0 when c is left of a → b."""
    return _cross(b[..., 0] - a[..., 0], b[..., 1] - a[..., 1], c[..., 0] - a[..., 0], c[..., 1] - a[..., 1])


def _within(a, b, p):
    """Whether p lies in the bounding box of the segment a–b (broadcast)."""
    return np.all((p >= np.minimum(a, b)) & (p <= np.maximum(a, b)), axis=-1)


def _segments_meet(a, b, c, d) -> tuple[np.ndarray, np.ndarray]:
    """(meet, proper) for segments a–b and c–d (broadcast): whether they share a point, and whether they cross
    at a point interior to both."""
    o1, o2, o3, o4 = _orient(a, b, c), _orient(a, b, d), _orient(c, d, a), _orient(c, d, b)
    proper = (o1 * o2 < 0) & (o3 * o4 < 0)
    touch = ((o1 == 0) & _within(a, b, c)) | ((o2 == 0) & _within(a, b, d)) | ((o3 == 0) & _within(c, d, a)) | \
            ((o4 == 0) & _within(c, d, b))
    return proper | touch, proper


def _first_crossing(P: np.ndarray) -> tuple[int, int, str] | None:
    """The first pair (i, j), i < j in lexicographic order, of edges of the closed polyline P that meet other
    than at their shared vertex, and how ('crosses', 'touches', 'folds back over'); None for a simple one."""
    m = len(P)
    A, B = P, np.roll(P, -1, axis=0)
    j = np.arange(m)
    for rows in _chunks(m, m):
        i = np.arange(m)[rows][:, None]
        meet, proper = _segments_meet(A[rows, None], B[rows, None], A[None], B[None])
        adjacent = (j == i + 1) | ((i == 0) & (j == m - 1))
        # adjacent edges share one vertex; they overlap when they run along one line in opposite directions
        D = B - A
        fold = adjacent & (_cross(D[rows, None, 0], D[rows, None, 1], D[None, :, 0], D[None, :, 1]) == 0) \
            & (np.sum(D[rows, None] * D[None], axis=2) < 0)
        bad = (j > i) & ((meet & ~adjacent) | fold)
        if bad.any():
            r, s = map(int, np.argwhere(bad)[0])
            how = "folds back over" if fold[r, s] else "crosses" if proper[r, s] else "touches"
            return rows.start + r, s, how
    return None


def _in_closed_triangle(a, b, c, R) -> np.ndarray:
    """Which points R (k, 2) lie in the closed counter-clockwise triangle (a, b, c) (within its bounding box too,
    so that a flat triangle holds only points of its segment)."""
    box = np.all((R >= np.minimum(np.minimum(a, b), c)) & (R <= np.maximum(np.maximum(a, b), c)), axis=1)
    return box & (_orient(a, b, R) >= 0) & (_orient(b, c, R) >= 0) & (_orient(c, a, R) >= 0)


def ear_clip(P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Triangulate the simple counter-clockwise polygon P (m, 2) by ear clipping.

    Returns (triangles (m − 2, 3) vertex indices, owner (m,)): owner[k] is a triangle of positive area holding
    edge k (P[k] → P[k+1]), or −1 when only flat triangles hold it. A vertex is an ear when its corner is convex
    and no other remaining vertex lies in the closed triangle it cuts off; strictly convex ears go first. Only
    the two neighbours of a clipped ear change status, so each step tests O(m) points.
    """
    m = len(P)
    prev, nxt = np.roll(np.arange(m), 1), np.roll(np.arange(m), -1)
    alive = np.ones(m, dtype=bool)
    covers = [[k] for k in range(m)]  # original edges along the current edge starting at vertex k
    owner = np.full(m, -1)
    turn, ear = np.zeros(m), np.zeros(m, dtype=bool)

    def status(i: int) -> None:
        p, q = prev[i], nxt[i]
        turn[i] = _orient(P[p], P[i], P[q])
        others = alive.copy()
        others[[p, i, q]] = False
        ear[i] = turn[i] >= 0 and not _in_closed_triangle(P[p], P[i], P[q], P[others]).any()

    for i in range(m):
        status(i)
    triangles = []
    for _ in range(m - 3):
        candidates = np.flatnonzero(alive & ear & (turn > 0))
        if len(candidates) == 0:
            candidates = np.flatnonzero(alive & ear)
        if len(candidates) == 0:
            raise ValueError(f"Polygon could not be triangulated: ear clipping found no ear among the "
                             f"{int(alive.sum())} remaining vertices (the polygon is within rounding of touching "
                             "itself); move the vertices apart")
        i = int(candidates[0])
        p, q = prev[i], nxt[i]
        triangles.append((p, i, q))
        if turn[i] > 0:
            owner[covers[p] + covers[i]] = len(triangles) - 1
            covers[p] = []
        else:  # a flat ear: the new edge p → q runs along the clipped ones
            covers[p] = covers[p] + covers[i]
        alive[i], nxt[p], prev[q] = False, q, p
        status(p)
        status(q)
    a = int(np.flatnonzero(alive)[0])
    triangles.append((prev[a], a, nxt[a]))
    if _orient(P[prev[a]], P[a], P[nxt[a]]) != 0:
        owner[covers[prev[a]] + covers[a] + covers[nxt[a]]] = len(triangles) - 1
    return np.array(triangles, dtype=int), owner


@dataclass(frozen=True)
class Polygon(Domain):
    """A simple polygon K ⊂ ℝ² (the closed region bounded by a polyline that does not cross itself), convex or not.

    Parameters
    ----------
    vertices : array (m, 2), m ≥ 3
        The corners in order, in either orientation (stored as given), each once: the polygon closes itself.
        Refused: non-finite coordinates, repeated consecutive vertices, all vertices on one line, edges or sides
        of the bounding box outside a Box's length limits, and edges that cross or touch (the first such pair
        is named).

    Notes
    -----
    Triangulated by ear clipping at construction. Sampling picks a triangle by area, then a uniform point in it
    (the √u formula); ``contains`` is the crossing number with boundary points counted in (those within rounding
    of an edge: a few ulps of their coordinates, so that vertices and points computed on edges test inside); ``project`` returns the nearest point of the boundary.

    Examples
    --------
    The L-shape [0,2]² minus [1,2]², area 3:

    >>> L = Polygon([[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]])
    >>> L.volume, L.contains([[1.5, 1.5], [0.5, 1.5]]).tolist()
    (3.0, [False, True])
    """

    vertices: tuple

    def __post_init__(self):
        V = _vertex_array("Polygon", self.vertices, "[[0,0],[1,0],[0,1]]")
        if V.shape[1] != 2 or V.shape[0] < 3:
            raise ValueError(f"Polygon vertices must be an (m, 2) array of m >= 3 points (x, y); got shape {V.shape}")
        self._check_shape(V)
        area = float(np.sum(_orient(V[0], V, np.roll(V, -1, axis=0)))) / 2
        if not abs(area) > 0:
            raise ValueError(f"Polygon has zero area (signed area {area:.3g}); give the corners of a region")
        P = V if area > 0 else V[::-1].copy()
        triangles, owner = ear_clip(P)
        T = P[triangles]  # (m − 2, 3, 2)
        areas = _orient(T[:, 0], T[:, 1], T[:, 2]) / 2
        cumulative = np.cumsum(areas) / areas.sum()
        cumulative[-1] = 1.0
        centroids = T.mean(axis=1)
        fallback = centroids[int(np.argmax(areas))]
        inward = np.where((owner >= 0)[:, None], centroids[np.maximum(owner, 0)], fallback)
        for name, value in (("_P", P), ("_T", T), ("_cumulative", cumulative), ("_centroids", centroids),
                            ("_inward", inward)):
            value.flags.writeable = False
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_area", abs(area))
        object.__setattr__(self, "vertices", tuple(map(tuple, V.tolist())))

    @staticmethod
    def _check_shape(V: np.ndarray) -> None:
        """Refuse repeated consecutive vertices, collinear vertices, sizes outside the limits and crossings."""
        m, W = len(V), np.roll(V, -1, axis=0)
        same = np.flatnonzero(np.all(V == W, axis=1))
        if same.size:
            k = int(same[0])
            raise ValueError(f"Polygon vertices {k + 1} and {(k + 1) % m + 1} are equal, {_point_text(V[k])}: give each "
                             "corner once (the polygon closes itself: do not repeat the first vertex at the end)")
        with np.errstate(over="ignore", invalid="ignore"):  # coordinates near ±1.8e308: the extent check refuses them
            R = V - V[0]
            R = R / np.max(np.abs(R))
            far = int(np.argmax(np.sum(R**2, axis=1)))
            d = R[far]
            flat = np.abs(_cross(d[0], d[1], R[:, 0], R[:, 1])) <= 8 * _EPS * np.linalg.norm(d) * np.linalg.norm(R, axis=1)
        if np.all(flat):
            raise ValueError(f"Polygon vertices all lie on one line (through {_point_text(V[0])} and "
                             f"{_point_text(V[far])}): a polygon needs area; got {V.tolist()}")
        lower, upper = V.min(axis=0), V.max(axis=0)
        for axis, name in enumerate("xy"):
            check_extent(f"Polygon's extent in {name}, [{shortest(lower[axis])}, {shortest(upper[axis])}],",
                         float(upper[axis] - lower[axis]), float(max(abs(lower[axis]), abs(upper[axis]))))
        with np.errstate(over="ignore"):
            lengths = np.hypot(*(W - V).T)
        for k in range(m):
            check_extent(f"Polygon edge {k + 1} (from {_point_text(V[k])} to {_point_text(W[k])})", float(lengths[k]),
                         float(np.max(np.abs([V[k], W[k]]))))
        crossing = _first_crossing(V)
        if crossing is not None:
            i, j, how = crossing
            raise ValueError(f"Polygon vertices must trace a simple polygon (edges meet only at their shared corners; "
                             f"edge k runs from vertex k to vertex k+1): edge {i + 1} (from {_point_text(V[i])} to "
                             f"{_point_text(W[i])}) {how} edge {j + 1} (from {_point_text(V[j])} to "
                             f"{_point_text(W[j])})")

    @property
    def dim(self) -> int:
        return 2

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return self._P.min(axis=0), self._P.max(axis=0)

    @property
    def volume(self) -> float:
        """The area (the shoelace formula)."""
        return self._area

    def _classify(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(inside, on_boundary) for rows of X: odd crossing number of the ray to +x, and within rounding of an edge
        (|cross product| and the distance to the edge's box within a few ulps of the coordinates); points × edges
        in chunks."""
        A, B = self._P, np.roll(self._P, -1, axis=0)
        D, absD = B - A, np.abs(B - A)
        inside, boundary = np.zeros(len(X), dtype=bool), np.zeros(len(X), dtype=bool)
        for rows in _chunks(len(X), len(A)):
            Q = X[rows, None, :]
            cross = _orient(A, B, Q)
            straddles = (A[:, 1] > Q[..., 1]) != (B[:, 1] > Q[..., 1])
            right = np.sign(cross) == np.sign(D[:, 1])  # the edge meets the ray x' > x
            inside[rows] = np.count_nonzero(straddles & right, axis=1) % 2 == 1
            size = np.abs(Q) + np.abs(A)  # the rounding of Q (as computed) and of Q − A
            tol = 4 * _EPS * (absD[:, 0] * size[..., 1] + absD[:, 1] * size[..., 0])
            near = np.all((Q >= np.minimum(A, B) - 2 * _EPS * size) & (Q <= np.maximum(A, B) + 2 * _EPS * size), axis=2)
            boundary[rows] = np.any((np.abs(cross) <= tol) & near, axis=1)
        return inside, boundary

    def contains(self, X) -> np.ndarray:
        """Boolean (N,): which rows of X lie in K (boundary included)."""
        inside, boundary = self._classify(as_points("X", X, 2))
        return inside | boundary

    def interior(self, X) -> np.ndarray:
        """Which rows of X lie inside K and off its boundary."""
        inside, boundary = self._classify(as_points("X", X, 2))
        return inside & ~boundary

    def project(self, X) -> np.ndarray:
        """Points of K, equal to X on K: for a row outside, the nearest point of the boundary (the nearest point of
        K), pulled inside K's rounding towards the centroid of the triangle holding that edge when needed."""
        X = as_points("X", X, 2).copy()
        out = np.flatnonzero(~self.contains(X))
        if len(out) == 0:
            return X
        A, D = self._P, np.roll(self._P, -1, axis=0) - self._P
        nearest, edge = np.empty((len(out), 2)), np.empty(len(out), dtype=int)
        for rows in _chunks(len(out), len(A)):
            Q = X[out[rows], None, :]
            t = np.clip(np.sum((Q - A) * D, axis=2) / np.sum(D * D, axis=1), 0.0, 1.0)
            C = A + t[..., None] * D
            k = np.argmin(np.sum((Q - C) ** 2, axis=2), axis=1)
            nearest[rows], edge[rows] = C[np.arange(len(k)), k], k
        X[out] = move_inside(self, nearest, self._inward[edge], 4 * _EPS)
        return X

    def meets(self, lower, upper) -> np.ndarray:
        """Which boxes meet K (up to a few ulps of slack, so never False for a box that touches K): an edge meets
        the box (Liang–Barsky clipping), or the box's lower corner lies in K (the box inside K)."""
        lower = np.atleast_2d(lower).astype(float)
        return self._edges_meet(lower, upper) | self.contains(lower)

    #: ``meets`` and ``inside`` are exact up to a few ulps of slack.
    boxes_decided = True

    def inside(self, lower, upper) -> np.ndarray:
        """Which boxes lie in K's interior: no edge meets the box inflated by the slack of :meth:`meets`, and its
        lower corner lies in K."""
        lower = np.atleast_2d(lower).astype(float)
        return ~self._edges_meet(lower, upper) & self.contains(lower)

    def _edges_meet(self, lower, upper) -> np.ndarray:
        """Which boxes, inflated by a few ulps, some edge of the polygon meets (Liang–Barsky clipping)."""
        lower, upper = np.atleast_2d(lower).astype(float), np.atleast_2d(upper).astype(float)
        slack = 8 * _EPS * (np.abs(lower) + np.abs(upper) + np.abs(self._P).max())
        lo, hi = lower - slack, upper + slack
        A, D = self._P, np.roll(self._P, -1, axis=0) - self._P
        hit = np.zeros(len(lo), dtype=bool)
        for rows in _chunks(len(lo), len(A)):
            t0, t1 = np.zeros((len(lo[rows]), len(A))), np.ones((len(lo[rows]), len(A)))
            for axis in range(2):
                a, d = A[:, axis], D[:, axis]
                with np.errstate(divide="ignore", invalid="ignore"):
                    ta, tb = (lo[rows, axis, None] - a) / d, (hi[rows, axis, None] - a) / d
                flat = d == 0
                inside = (a >= lo[rows, axis, None]) & (a <= hi[rows, axis, None])
                t0 = np.where(flat, np.where(inside, t0, 2.0), np.maximum(t0, np.minimum(ta, tb)))
                t1 = np.where(flat, t1, np.minimum(t1, np.maximum(ta, tb)))
            hit[rows] = np.any(t0 <= t1, axis=1)
        return hit

    def outline(self, n_points: int = 512) -> list[np.ndarray]:
        """The boundary as one closed polyline (the vertices as given, the first repeated at the end)."""
        V = np.array(self.vertices)
        return [np.vstack([V, V[:1]])]

    @property
    def n_unit(self) -> int:
        return 3

    def from_unit(self, U: np.ndarray) -> np.ndarray:
        """Rows of [0, 1)³ → uniform points of K: u₀ picks a triangle with probability proportional to its area,
        (u₁, u₂) a uniform point in it, (1 − s) a + s(1 − u₂) b + s u₂ c with s = √u₁."""
        U = np.asarray(U, dtype=float)
        k = np.minimum(np.searchsorted(self._cumulative, U[:, 0], side="right"), len(self._T) - 1)
        T, s, u = self._T[k], np.sqrt(U[:, 1:2]), U[:, 2:3]
        X = (1 - s) * T[:, 0] + s * (1 - u) * T[:, 1] + s * u * T[:, 2]
        return move_inside(self, X, self._centroids[k], 4 * _EPS)

    def __str__(self) -> str:
        return f"polygon(vertices={_matrix_text(self.vertices)})"

    @classmethod
    def _parse(cls, inner: str, text: str) -> "Polygon":
        """``polygon(vertices=[[x,y],[x,y],...])``."""
        return _parse_vertices(cls, "polygon", inner, text)
