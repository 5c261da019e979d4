"""Tests of uat.domains.Simplex and uat.domains.Polygon: geometry, exact uniformity, membership at the boundary,
projections, box tests, every refusal, str/parse, and the sup-norm search and fits on them."""

import math
import re

import numpy as np
import pytest
from scipy import stats

import uat
from uat.domains import Ball, Polygon, Simplex, parse_domain

L_SHAPE = [[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]]
EPS = np.finfo(float).eps


def random_simplex(n, shift, seed):
    return np.random.default_rng(seed).normal(size=(n + 1, n)) + shift


def star_polygon(m, seed):
    """A random star-shaped (so simple) polygon of m vertices around the origin, usually non-convex."""
    rng = np.random.default_rng(seed)
    a = np.sort(rng.random(m)) * 2 * np.pi
    r = 0.3 + rng.random(m)
    return np.column_stack([r * np.cos(a), r * np.sin(a)])


def edge_points(V, rng, n=500, closed=False):
    """Points t·a + (1 − t)·b on segments between vertex pairs (all pairs, or consecutive ones of a polygon)."""
    t = rng.random((n, 1))
    i = rng.integers(0, len(V), n)
    j = (i + 1) % len(V) if closed else rng.integers(0, len(V), n)
    return t * V[i] + (1 - t) * V[j]


# ----------------------------------------------------------------------------------------------- simplex
def test_standard_simplex_geometry():
    S = Simplex()
    assert S.dim == 2 and S.vertices == ((0.0, 0.0), (1.0, 0.0), (0.0, 1.0))
    assert S.volume == 0.5 and Simplex(dim=3).volume == 1 / 6 and Simplex(dim=1).volume == 1.0
    assert S.diameter == math.sqrt(2)
    np.testing.assert_array_equal(S.bounds[0], [0, 0])
    np.testing.assert_array_equal(S.bounds[1], [1, 1])
    assert Simplex(dim=3) == Simplex([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert Simplex([[0, 0], [1, 0], [0, 1]], dim=2) == S
    np.testing.assert_array_equal(S.outline()[0], [[0, 0], [1, 0], [0, 1], [0, 0]])
    assert Simplex(dim=3).outline() is None


def test_volume_is_det_over_factorial():
    V = random_simplex(4, 0.0, 3)
    S = Simplex(V)
    assert S.volume == pytest.approx(abs(np.linalg.det(V[1:] - V[0])) / 24, rel=1e-14)
    assert Simplex([[2], [5]]).volume == 3.0
    assert Simplex(2 * np.vstack([np.zeros(3), np.eye(3)])).volume == 8 / 6


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("shift", [0.0, 1e6])
def test_simplex_membership_at_vertices_edges_and_just_outside(n, shift):
    V = random_simplex(n, shift, n)
    S = Simplex(V)
    rng = np.random.default_rng(0)
    assert S.contains(V).all() and S.contains(edge_points(V, rng)).all()
    assert not S.interior(V).any() and S.interior(V.mean(axis=0)[None]).all()
    # just beyond each facet, along the outward direction from the opposite vertex: out by 1e-9 of that height
    # (1e-6 at 1e6 from the origin, where one ulp is 1.2e-10 and the heights are ~0.1..1: a few hundred ulps)
    delta = 1e-9 if shift == 0 else 1e-6
    for i in range(n + 1):
        facet = np.delete(V, i, axis=0).mean(axis=0)
        assert not S.contains((facet + delta * (facet - V[i]))[None])[0]
        assert S.contains((facet - delta * (facet - V[i]))[None])[0]


@pytest.mark.parametrize("n", [1, 3])
def test_simplex_is_uniform(n):
    """On the standard simplex x₁ ~ Beta(1, n); on a general one each barycentric coordinate is Beta(1, n)."""
    X = Simplex(dim=n).sample(4000, rng=1)
    assert stats.kstest(X[:, 0], stats.beta(1, n).cdf).pvalue > 1e-3
    V = random_simplex(n, 0.0, 7)
    Y = Simplex(V).sample(4000, rng=2)
    lam = np.linalg.solve((V[1:] - V[0]).T, (Y - V[0]).T).T  # λ₁..λₙ
    for j in range(n):
        assert stats.kstest(lam[:, j], stats.beta(1, n).cdf).pvalue > 1e-3


@pytest.mark.parametrize("method", ["uniform", "sobol"])
def test_simplex_samples_lie_inside(method):
    for n, shift in [(2, 0.0), (3, 1e6), (6, -50.0)]:
        S = Simplex(random_simplex(n, shift, n))
        assert S.contains(S.sample(2048, method, rng=3)).all()
        assert S.contains(S.nested_sample(64, seed=4)).all()
    U = np.zeros((1, 3))  # every weight −log(1 − 0) = 0: the centroid
    np.testing.assert_allclose(Simplex().from_unit(U), [[1 / 3, 1 / 3]])


def test_simplex_projection():
    rng = np.random.default_rng(5)
    for n, shift in [(1, 0.0), (2, 0.0), (4, 1e6)]:
        S = Simplex(random_simplex(n, shift, n + 10))
        X = S.sample(300, rng=rng)
        np.testing.assert_array_equal(S.project(X), X)  # identity on K
        lo, hi = S.bounds
        Y = lo - (hi - lo) + 3 * (hi - lo) * rng.random((1000, n))
        P = S.project(Y)
        assert S.contains(P).all()
        np.testing.assert_array_equal(S.project(P), P)
    # in 1-D barycentric clipping is the Euclidean nearest point; in the standard triangle along the normal
    np.testing.assert_array_equal(Simplex([[0], [1]]).project([[2.0], [-3.0]]), [[1.0], [0.0]])
    np.testing.assert_allclose(Simplex().project([[1.0, 1.0], [-1.0, -1.0]]), [[0.5, 0.5], [0.0, 0.0]], atol=4 * EPS)


def test_simplex_meets_boxes():
    S = Simplex()
    lower = np.array([[0.6, 0.6], [0.5, 0.5], [-1, -1], [0.2, -0.5], [1.01, 0], [0.1, 0.1]])
    upper = np.array([[1.0, 1.0], [1.0, 1.0], [-0.1, 2], [0.3, 0.1], [2, 1], [0.2, 0.2]])
    # beyond the hypotenuse; touching it at (0.5, 0.5); left of K; across an edge; right of K; inside
    assert S.meets(lower, upper).tolist() == [False, True, False, True, False, True]


@pytest.mark.parametrize("n", [2, 3])
def test_simplex_meets_every_box_holding_a_point(n):
    S = Simplex(random_simplex(n, 0.0, 20 + n))
    rng = np.random.default_rng(6)
    X = S.sample(2000, rng=rng)
    half = 10.0 ** rng.uniform(-12, 0, (2000, 1)) * rng.random((2000, n))
    offset = (2 * rng.random((2000, n)) - 1) * half  # x in [x − off − half, x − off + half]
    assert S.meets(X - offset - half, X - offset + half).all()
    lo, hi = S.bounds
    boxes = lo + (hi - lo) * rng.random((4000, n))
    size = 0.05 * (hi - lo) * rng.random((4000, n))
    missed = ~S.meets(boxes, boxes + size)
    corners = boxes[missed, None, :] + size[missed, None, :] * rng.random((missed.sum(), 64, n))
    assert missed.any() and not S.contains(corners.reshape(-1, n)).any()


@pytest.mark.parametrize("vertices, dim, message", [
    ([[0, 0, 0], [1, 0, 0], [0, 1, 0]], None, r"n \+ 1 points of dimension n.*got 3 points of dimension 3"),
    ([[0, 0], [1, 0], [0, 1], [1, 1]], None, "got 4 points of dimension 2"),
    ([0, 1], None, "2-D array of points"),
    ([[0, 0], [1, 0], [0, np.inf]], None, "vertex 3 has coordinate 2 = inf"),
    ([[0, 0], [1, 1], [2, 2]], None, r"affinely dependent.*condition number [\d.]+e\+16 and the volume is"),
    ([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 1e-13]], None, r"affinely dependent.*condition number 3e\+13.*below 1e\+12"),
    ([[0, 0], [1e-160, 0], [0, 1e-160]], None, "Simplex edge from vertex 1 .* has length 1e-160"),
    ([[0, 0], [1e160, 0], [0, 1e160]], None, "has length 1e\\+160"),
    ([[1, 1], [1 + 1e-14, 1], [1, 1 + 1e-14]], None, "holds only"),
    ([[0, 0], [1, 0], [0, 1]], 3, "dim must match the vertices' dimension 2; got dim=3"),
    (None, 0, "dim"),
])
def test_simplex_refusals(vertices, dim, message):
    with pytest.raises(ValueError, match=message):
        Simplex(vertices, dim)


def test_simplex_str_and_parse():
    assert str(Simplex()) == "simplex(vertices=[[0,0],[1,0],[0,1]])"
    for S in (Simplex(), Simplex(dim=3), Simplex(random_simplex(3, 1.5, 9)), Simplex([[-0.0], [0.1]])):
        assert parse_domain(str(S)) == S
    D = parse_domain("simplex(vertices=[[0,0],[2,0],[0,2]]) - ball(center=[0,0], radius=0.5)")
    assert parse_domain(str(D)) == D
    X = D.sample(500, rng=0)
    assert D.contains(X).all() and (np.linalg.norm(X, axis=1) >= 0.5).all()
    with pytest.raises(ValueError, match="unknown argument 'points' of simplex.*accepted: vertices"):
        parse_domain("simplex(points=[[0,0],[1,0],[0,1]])")


def test_sup_error_finds_a_linear_function_at_a_vertex():
    V = np.array([[0.0, 0, 0], [1, 0, 0], [0, 2, 0], [0.5, 0.5, 1.5]])
    w = np.array([0.3, -0.7, 1.1])
    est = uat.sup_error(lambda X: X @ w, lambda X: 0 * X[:, 0], Simplex(V))
    assert est.value == pytest.approx(np.max(np.abs(V @ w)), abs=1e-9)
    np.testing.assert_allclose(est.argmax, V[np.argmax(np.abs(V @ w))], atol=1e-6)


def test_fits_run_on_simplex_and_polygon():
    for K in (Simplex(), Polygon(L_SHAPE)):
        result = uat.fit("x**2 + y", K, width=16)
        est = result.sup_error()
        assert np.isfinite(est.value) and 0 < est.value < 0.5 and K.contains(est.argmax[None]).all()


# ----------------------------------------------------------------------------------------------- polygon
def test_l_shape_geometry_and_membership():
    L = Polygon(L_SHAPE)
    assert L.dim == 2 and L.volume == 3.0 and L.vertices[2] == (2.0, 1.0)
    np.testing.assert_array_equal(L.bounds[1], [2, 2])
    boundary = np.array([*L_SHAPE, [1, 0], [2, 0.5], [1.5, 1], [1, 1.5], [0.5, 2], [0, 1]])
    assert L.contains(boundary).all() and not L.interior(boundary).any()
    assert L.contains([[0.5, 0.5], [1.5, 0.5], [0.5, 1.5]]).all()
    assert L.interior([[0.5, 0.5], [1.5, 0.5], [0.5, 1.5]]).all()
    assert not L.contains([[1.5, 1.5], [1.0001, 1.0001], [-1e-12, 1], [2.5, 0.5], [1, 2.0000001]]).any()
    np.testing.assert_array_equal(L.outline()[0], np.vstack([L_SHAPE, L_SHAPE[:1]]))
    R = Polygon(L_SHAPE[::-1])  # clockwise: stored as given, same set
    assert R.vertices == tuple(map(tuple, np.array(L_SHAPE[::-1], float).tolist())) and R.volume == 3.0
    X = np.random.default_rng(0).uniform(-0.5, 2.5, (2000, 2))
    np.testing.assert_array_equal(R.contains(X), L.contains(X))


def test_l_shape_is_uniform():
    """χ² on the 12 cells of side ½ (each 1/12 of the area) and KS on x (density ⅔ on [0,1], ⅓ on [1,2])."""
    L = Polygon(L_SHAPE)
    X = L.sample(6000, rng=1)
    cells = np.floor(2 * X).clip(0, 3).astype(int)
    counts = np.bincount(4 * cells[:, 0] + cells[:, 1], minlength=16)
    in_l = np.array([not (i >= 2 and j >= 2) for i in range(4) for j in range(4)])
    assert counts[~in_l].sum() == 0
    assert stats.chisquare(counts[in_l]).pvalue > 1e-3
    cdf = lambda x: np.where(x <= 1, 2 * x / 3, 2 / 3 + (x - 1) / 3)  # noqa: E731
    assert stats.kstest(X[:, 0], cdf).pvalue > 1e-3


def test_star_polygons_sample_inside_and_triangulate_exactly():
    rng = np.random.default_rng(2)
    for m, seed in [(3, 0), (7, 1), (60, 2), (300, 3)]:
        V = star_polygon(m, seed) * 10.0 ** seed + seed
        P = Polygon(V)
        for method in ("uniform", "sobol"):
            assert P.contains(P.sample(4096, method, rng=seed)).all()
        T = P._T
        areas = np.abs(np.cross(np.c_[T[:, 1] - T[:, 0], 0 * T[:, 0, :1]], np.c_[T[:, 2] - T[:, 0], 0 * T[:, 0, :1]])[:, 2])
        assert areas.sum() / 2 == pytest.approx(P.volume, rel=1e-12)
        assert P.contains(V).all() and P.contains(edge_points(V, rng, closed=True)).all()
        assert not P.interior(V).any()
        # edge midpoints pushed out along the outward normal by 1e-9 of the edge's length: outside
        W = np.roll(V, -1, axis=0)
        D, E = V - V[0], W - V[0]
        sign = 1.0 if np.sum(D[:, 0] * E[:, 1] - D[:, 1] * E[:, 0]) > 0 else -1.0
        normal = sign * np.column_stack([(W - V)[:, 1], -(W - V)[:, 0]])
        assert not P.contains((V + W) / 2 + 1e-9 * normal).any()
        assert P.interior((V + W) / 2 - 1e-9 * normal).all()
        assert P.contains(P.nested_sample(32, seed=1)).all()


def brute_distance(V, Y, per_edge=20001):
    """Distances from the rows of Y to a dense sampling of the polygon's boundary."""
    t = np.linspace(0, 1, per_edge)[:, None, None]
    B = (V + t * (np.roll(V, -1, axis=0) - V)).reshape(-1, 2)
    return np.min(np.linalg.norm(Y[:, None] - B[None], axis=2), axis=1)


def test_polygon_projection_is_the_nearest_point():
    rng = np.random.default_rng(3)
    for V in (np.array(L_SHAPE, float), star_polygon(12, 4)):
        P = Polygon(V)
        X = P.sample(500, rng=rng)
        np.testing.assert_array_equal(P.project(X), X)
        Y = rng.uniform(-3, 3, (100, 2))
        Q = P.project(Y)
        assert P.contains(Q).all()
        outside = ~P.contains(Y)
        dist = np.linalg.norm(Q - Y, axis=1)[outside]
        reference = brute_distance(V, Y[outside], per_edge=2001)
        assert (dist <= reference + 1e-12).all() and (dist >= reference - 2e-3).all()
    np.testing.assert_array_equal(Polygon(L_SHAPE).project([[3.0, 0.5], [-1.0, 3.0]]), [[2.0, 0.5], [0.0, 2.0]])


def test_polygon_meets_boxes():
    L = Polygon(L_SHAPE)
    lower = np.array([[1.2, 1.2], [1.0, 1.0], [-1, -1], [0.2, 0.2], [0.5, 1.5], [2.1, 0]])
    upper = np.array([[1.8, 1.8], [1.5, 1.5], [3, 3], [0.4, 0.4], [3, 1.6], [3, 3]])
    # in the notch; touching the notch's corner; holding K; inside K; across an edge of the notch; right of K
    assert L.meets(lower, upper).tolist() == [False, True, True, True, True, False]
    rng = np.random.default_rng(4)
    X = L.sample(3000, rng=rng)
    half = 10.0 ** rng.uniform(-12, 0, (3000, 1)) * rng.random((3000, 2))
    offset = (2 * rng.random((3000, 2)) - 1) * half
    assert L.meets(X - offset - half, X - offset + half).all()


@pytest.mark.parametrize("vertices, message", [
    ([[0, 0], [1, 0]], r"\(m, 2\) array of m >= 3 points.*got shape \(2, 2\)"),
    ([[0, 0, 0], [1, 0, 0], [0, 1, 0]], r"got shape \(3, 3\)"),
    ([[0, 0], [1, 0], [0, np.nan]], "vertex 3 has coordinate 2 = nan"),
    ([[0, 0], [1, 0], [1, 0], [0, 1]], r"vertices 2 and 3 are equal, \(1, 0\)"),
    ([[0, 0], [1, 0], [0, 1], [0, 0]], "vertices 4 and 1 are equal.*do not repeat the first vertex"),
    ([[0, 0], [1, 1], [3, 3], [2, 2]], r"all lie on one line \(through \(0, 0\) and \(3, 3\)\)"),
    ([[0, 0], [1, 1], [1, 0], [0, 1]], re.escape("edge 1 (from (0, 0) to (1, 1)) crosses edge 3 (from (1, 0) to (0, 1))")),
    ([[0, 0], [2, 0], [1, 0], [1, 1]], re.escape("edge 1 (from (0, 0) to (2, 0)) folds back over edge 2")),
    ([[0, 0], [2, 0], [2, 2], [1, 0], [0, 2]], re.escape("edge 1 (from (0, 0) to (2, 0)) touches edge 3 (from (2, 2)")),
    ([[0, 0], [4, 0], [4, 4], [3, 4], [3, -1], [2, -1], [2, 4], [0, 4]], re.escape("edge 1 (from (0, 0) to (4, 0)) "
                                                                                   "crosses edge 4 (from (3, 4)")),
    ([[0, 0], [1e-160, 0], [0, 1e-160]], "extent in x.*has length 1e-160"),
    ([[0, 0], [1e160, 0], [0, 1e160]], "extent in x.*has length 1e\\+160"),
    ([[0, 0], [1, 0], [1, 1], [1 - 1e-15, 1], [0, 1]], "edge 3 .* holds only"),
])
def test_polygon_refusals(vertices, message):
    with pytest.raises(ValueError, match=message):
        Polygon(vertices)


def test_polygon_str_and_parse():
    L = Polygon(L_SHAPE)
    assert str(L) == "polygon(vertices=[[0,0],[2,0],[2,1],[1,1],[1,2],[0,2]])"
    for P in (L, Polygon(L_SHAPE[::-1]), Polygon(star_polygon(9, 5))):
        assert parse_domain(str(P)) == P
    D = parse_domain("polygon(vertices=[[0,0],[2,0],[2,1],[1,1],[1,2],[0,2]]) - ball(center=[0.5,0.5], radius=0.25)")
    assert D == L - Ball([0.5, 0.5], 0.25) and parse_domain(str(D)) == D
    assert D.volume is None or D.volume == pytest.approx(3 - math.pi / 16)
    X = D.sample(1000, "sobol", rng=0)
    assert L.contains(X).all() and (np.linalg.norm(X - 0.5, axis=1) >= 0.25).all()
    U = parse_domain("polygon(vertices=[[0,0],[2,0],[2,1],[1,1],[1,2],[0,2]]) | simplex(vertices=[[1,1],[2,1],[1,2]])")
    assert U.acceptance > 0.5 and U.contains([[1.5, 1.2]]).all() and parse_domain(str(U)) == U
