"""Certified brackets on compact sets other than boxes: a cover of K by the cells that meet it (issue 18).

The upper bound must hold against the true sup (checked against the maximum over 10⁵ uniform points of K and
against sups known in closed form), f must never be evaluated outside K, a box written as another domain must
give the box's own bracket, and the sets that cannot decide boxes must be refused with the reason.
"""

import numpy as np
import pytest

from uat import (Annulus, Ball, Box, DeepNetwork, Difference, Polygon, PointSet, ShallowNetwork, Simplex, Sphere,
                 Target, parse_domain, sup_error)
from uat.certify import bracket_refusal, cover_refusal, sup_bracket

L_SHAPE = Polygon([[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]])

DOMAINS = {
    "L-shape": L_SHAPE,
    "triangle": Simplex([[0, 0], [1, 0], [0.2, 0.9]]),
    "tetrahedron": Simplex(dim=3),
    "annulus": Annulus([0, 0], 0.5, 1.0),
    "shell 3-D": Annulus([0, 0, 0], 0.6, 1.0),
    "circle": Sphere([0.3, -0.2], 1.0),
    "sphere": Sphere([0, 0, 0], 1.0),
    "square minus disc": parse_domain("[0,1]^2 - ball(center=[0.5,0.5], radius=0.25)"),
    "lens": Ball([0, 0], 1.0) & Ball([1, 0], 1.0),
    "two intervals": parse_domain("[0,1] | [2,3]"),
    "interval with a gap": parse_domain("[0,3] - [1,2]"),
}


def _network(dim, activation="tanh", seed=0, width=12, scale=0.3):
    rng = np.random.default_rng(seed)
    return ShallowNetwork(rng.normal(size=(width, dim)), rng.normal(size=width), scale * rng.normal(size=(1, width)),
                          activation)


class Recorder:
    """f(x) = sin(x₁ + … + x_n), recording every point it is evaluated at (Lipschitz constant √n)."""

    def __init__(self, domain):
        self.domain, self.seen = domain, []

    def __call__(self, X):
        self.seen.append(np.array(X, dtype=float))
        return np.sin(X.sum(axis=1))

    def target(self):
        return Target(self, self.domain, name="sin_sum", lipschitz=float(np.sqrt(self.domain.dim)))

    def points(self):
        return np.vstack(self.seen)


@pytest.mark.parametrize("name", sorted(DOMAINS))
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_upper_bounds_the_sampled_max_and_f_is_evaluated_only_in_k(name, activation):
    K = DOMAINS[name]
    f = Recorder(K)
    g = _network(K.dim, activation)
    bracket = sup_bracket(f.target(), g, rtol=1e-2, max_evals=1 << 17)
    X = K.sample(100_000, "uniform", rng=7)
    sampled = float(np.max(np.abs(np.sin(X.sum(axis=1)) - g(X)[:, 0])))
    assert sampled <= bracket.upper
    assert bracket.lower <= bracket.upper
    evaluated = f.points()
    assert K.contains(evaluated).all(), f"f was evaluated at {int((~K.contains(evaluated)).sum())} points outside K"
    assert K.contains(bracket.argmax[None])[0]
    at = float(np.abs(np.sin(bracket.argmax.sum()) - g(bracket.argmax[None])[0, 0]))
    assert at == pytest.approx(bracket.lower, rel=1e-12, abs=1e-15)  # the lower bound is attained there
    assert bracket.kind.endswith("cover of K, first order") and "cover of K by" in bracket.method
    if K.dim < 3:  # 3-D first-order covers may spend their budget before rtol; 1-D and 2-D close
        assert bracket.converged and bracket.upper - bracket.lower <= 1e-2 * bracket.lower + 2 * bracket.floor + 1e-15


def test_a_box_written_as_a_polygon_gives_the_boxs_own_bracket():
    g = _network(2, "tanh", seed=3)
    f = Target(lambda X: np.cos(2 * X[:, 0]) * X[:, 1], Box([0, 0], [2, 1]), name="f", lipschitz=2.5)
    square = Polygon([[0, 0], [2, 0], [2, 1], [0, 1]])
    box = sup_bracket(f, g, rtol=1e-3)
    cover = sup_bracket(Target(f.fn, square, name="f", lipschitz=2.5), g, rtol=1e-3)
    assert (cover.lower, cover.upper, cover.n_evals, cover.n_cells) == (box.lower, box.upper, box.n_evals, box.n_cells)
    np.testing.assert_array_equal(cover.argmax, box.argmax)


def test_the_l_shape_costs_fewer_evaluations_than_its_bounding_box():
    g = _network(2, "tanh", seed=1, scale=0.05)
    fn = lambda X: np.cos(X[:, 0]) + np.cos(X[:, 1])  # noqa: E731 (largest near the origin, a corner of both)
    on_l = sup_bracket(Target(fn, L_SHAPE, lipschitz=np.sqrt(2)), g, rtol=1e-3)
    on_box = sup_bracket(Target(fn, Box([0, 0], [2, 2]), lipschitz=np.sqrt(2)), g, rtol=1e-3)
    assert on_l.converged and on_box.converged
    assert on_l.lower == pytest.approx(on_box.lower, rel=1e-3)  # the same sup, in the L
    # the 31² first cells inside the missing quadrant (1, 2]² are never evaluated (those on x = 1 or y = 1 touch K)
    assert on_box.n_evals - on_l.n_evals >= 31**2 - 64
    assert "of the first grid's 4096 cells over K's bounding box meet K" in on_l.method


def test_known_sups_norm_on_an_annulus_and_a_linear_function_on_a_simplex():
    zero = ShallowNetwork(np.ones((1, 2)), [0.0], [[0.0]], "tanh")
    annulus = Annulus([0.2, 0.1], 0.4, 1.3)
    norm = Target(lambda X: np.linalg.norm(X - [0.2, 0.1], axis=1), annulus, lipschitz=1.0)
    bracket = sup_bracket(norm, zero, rtol=1e-3)  # the maximum is a whole circle: first order closes slowly
    assert bracket.converged and bracket.lower <= 1.3 <= bracket.upper <= 1.3 * (1 + 1e-3) + 2 * bracket.floor
    V = np.array([[0.0, 0.0], [1.0, 0.2], [0.3, 1.1]])
    a = np.array([1.5, -0.7])
    linear = Target(lambda X: X @ a + 0.25, Simplex(V), lipschitz=float(np.linalg.norm(a)))
    bracket = sup_bracket(linear, zero, rtol=1e-6)
    best = float(np.max(np.abs(V @ a + 0.25)))  # a linear function's max over a simplex is at a vertex
    assert bracket.lower <= best <= bracket.upper <= best * (1 + 1e-6) + 2 * bracket.floor + 1e-15
    assert np.linalg.norm(bracket.argmax - V[np.argmax(np.abs(V @ a + 0.25))]) < 1e-3


def test_deep_networks_are_bracketed_on_a_disc():
    rng = np.random.default_rng(4)
    g = DeepNetwork([rng.normal(size=(6, 2)), rng.normal(size=(5, 6)), 0.3 * rng.normal(size=(1, 5))],
                    [rng.normal(size=6), rng.normal(size=5), np.zeros(1)], "tanh")
    disc = Ball([0, 0], 1.0)
    f = Recorder(disc)
    bracket = sup_bracket(f.target(), g, rtol=1e-2)
    X = disc.sample(100_000, "uniform", rng=1)
    assert float(np.max(np.abs(np.sin(X.sum(axis=1)) - g(X)[:, 0]))) <= bracket.upper
    assert bracket.converged and disc.contains(f.points()).all()


def test_a_point_set_is_exact_for_any_g():
    X = np.random.default_rng(2).normal(size=(50, 2))
    K = PointSet(X)
    g = lambda Z: Z[:, 0] ** 2  # noqa: E731 (not a network: on a finite set no facts are needed)
    bracket = sup_bracket(Target(lambda Z: np.sin(Z[:, 1]), K), g)
    exact = float(np.max(np.abs(np.sin(X[:, 1]) - X[:, 0] ** 2)))
    assert bracket.lower == exact and exact <= bracket.upper <= exact * (1 + 1e-14) + 2 * bracket.floor
    assert bracket.n_evals == 50 and bracket.kind == "exact (point set)" and bracket.converged
    assert bracket_refusal(Target(lambda Z: Z[:, 0], K), g) == ""


@pytest.mark.parametrize("text, why", [
    ("curve(x=[cos(t), sin(t)], t=[0,3])", r"Curve's meets is a heuristic"),
    ("levelset(h=x1**2 + x2**2 - 1, box=[-1,1]^2)", r"a LevelSet knows only the box it lies in"),
    ("[0,1]^2 | levelset(h=x1**2 + x2**2 - 1, box=[-1,1]^2)", r"its part levelset\(h=.*knows only the box"),
    ("ball(center=[0,0,0,0], radius=1)", r"dimension 1, 2 or 3 \(a cover by boxes\); got the 4-D domain ball"),
])
def test_domains_that_cannot_be_covered_are_refused_with_the_reason(text, why):
    K = parse_domain(text)
    assert cover_refusal(K)
    g = _network(K.dim)
    f = Target(lambda X: np.sin(X.sum(axis=1)), K, lipschitz=2.0)
    with pytest.raises(ValueError, match=why):
        sup_bracket(f, g)
    assert sup_error(f, g).upper is None  # the estimate stands, with no proved bound, and says why not
    assert bracket_refusal(f, g)


def test_sup_error_proves_an_upper_bound_on_a_polygon():
    g = _network(2, "relu", seed=5)
    f = Recorder(L_SHAPE)
    est = sup_error(f.target(), g)
    assert est.upper is not None and est.value <= est.upper <= est.value * 1.02 + 2 * est.floor
    assert "cover of K" in est.method and L_SHAPE.contains(f.points()).all()


# --- the facts a cover relies on: meets is False only for boxes that miss K, inside True only for boxes in it ---

def _random_boxes(K, count, rng):
    lo, hi = K.bounds
    span = hi - lo
    corner = lo - 0.2 * span + rng.random((count, K.dim)) * 1.4 * span
    size = span * rng.random((count, K.dim)) ** 2 * 0.4
    return corner, corner + size


@pytest.mark.parametrize("name", sorted(DOMAINS))
def test_meets_and_inside_are_sound(name):
    K = DOMAINS[name]
    rng = np.random.default_rng(11)
    lower, upper = _random_boxes(K, 400, rng)
    meets, inside = K.meets(lower, upper), K.inside(lower, upper)
    assert not np.any(inside & ~meets)
    points = K.sample(20_000, "uniform", rng=3)
    for lo, hi, m, i in zip(lower, upper, meets, inside):
        held = np.all((points >= lo) & (points <= hi), axis=1)
        if not m:
            assert not held.any(), f"meets said {lo}..{hi} misses K, which holds a sampled point"
        if i:
            Z = lo + rng.random((64, K.dim)) * (hi - lo)
            assert K.interior(Z).all(), f"inside said {lo}..{hi} lies in K's interior"
    assert meets.any() and (~meets).any()
    assert K.boxes_decided


def test_a_difference_drops_the_boxes_inside_its_hole():
    K = Difference(Box([0, 0], [1, 1]), Ball([0.5, 0.5], 0.25))
    assert K.meets([[0.45, 0.45]], [[0.55, 0.55]]).tolist() == [False]  # inside the hole
    assert K.meets([[0.45, 0.45]], [[0.9, 0.55]]).tolist() == [True]  # across its edge
    assert K.inside([[0.05, 0.05]], [[0.2, 0.2]]).tolist() == [True]
    assert K.inside([[0.05, 0.05]], [[0.5, 0.3]]).tolist() == [False]


@pytest.mark.parametrize("name", ["L-shape", "annulus", "circle", "square minus disc", "tetrahedron"])
def test_every_cells_anchor_is_in_k_and_reaches_the_whole_cell_from_inside_its_hull(name):
    from uat.certify import _anchor

    K = DOMAINS[name]
    rng = np.random.default_rng(5)
    lower, upper = _random_boxes(K, 300, rng)
    keep = K.meets(lower, upper)
    centers, radii = 0.5 * (lower + upper)[keep], 0.5 * (upper - lower)[keep]
    q, reach, hull_c, hull_r, anchored = _anchor(K, centers, radii)
    assert anchored.all() and K.contains(q).all()
    assert (~K.contains(centers)).sum() > 10  # boundary cells, whose centre is not a point of K, are tested
    for s in range(len(q)):
        Z = centers[s] - radii[s] + rng.random((200, K.dim)) * 2 * radii[s]  # points of the cell
        assert np.all(np.abs(Z - q[s]) <= reach[s] * (1 + 1e-12))
        for point in (Z, q[s][None]):  # the segments from q to the cell lie in the hull
            assert np.all(np.abs(point - hull_c[s]) <= hull_r[s])
