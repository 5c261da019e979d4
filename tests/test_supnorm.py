"""uat.supnorm: sup-norm estimates against maxima known in closed form, certified bounds, rms values.

Stated tolerances: smooth interior and endpoint maxima 1e-9 relative in 1-D; kink maxima in 1-D
1e-10 absolute (Brent on the bracketing grid cell); a network's kink at a transition point 1e-12;
n-D smooth maxima 1e-9 relative, n-D kink (cone) maxima 1e-6; rms by the midpoint rule 1e-9
relative in 1-D, by Sobol' points 1e-4 in 2-D.
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from uat import Ball, Box, ShallowNetwork, SupEstimate, get_target, list_targets, rms_error, sup_error
from uat.targets import Target

PROPERTY = settings(max_examples=30, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

I = Box(-1, 1)
SQ = Box([-1, -1], [1, 1])
X0 = 1 / math.sqrt(7)  # an irrational point, on no grid
P2 = np.array([1 / math.sqrt(7), -1 / math.sqrt(3)])
P3 = np.array([1 / math.sqrt(7), -1 / math.sqrt(3), math.pi / 5])
TARGETS_1D = [name for name in list_targets() if get_target(name).dim == 1]
# sup|σ'| written out here, not read from uat.activations
LIP_SIGMA = {"tanh": 1.0, "relu": 1.0, "sigmoid": 0.25, "sin": 1.0, "softplus": 1.0,
             "gaussian": math.sqrt(2) * math.exp(-0.5)}


def zero(X):
    return np.zeros(len(X))


def error_at(f, g, x):
    """‖f(x) − g(x)‖₂ at one point, re-evaluated from scratch."""
    x = np.asarray(x, dtype=float)[None, :]
    F = np.asarray(f(x), dtype=float).reshape(1, -1)
    G = np.asarray(g(x), dtype=float).reshape(1, -1)
    return float(np.linalg.norm(F - G))


def check_estimate(est, f, g, domain, sup=None):
    """What every estimate must satisfy: attained at argmax in K, a lower bound, honest bookkeeping."""
    assert isinstance(est, SupEstimate)
    assert est.lower == est.value and float(est) == est.value
    assert est.argmax.shape == (domain.dim,) and domain.contains(est.argmax[None])[0]
    assert error_at(f, g, est.argmax) == pytest.approx(est.value, rel=4e-16, abs=est.floor)
    assert est.n_evals > 0 and isinstance(est.n_evals, int)
    assert isinstance(est.method, str) and est.method.strip()
    assert est.initial <= est.value and est.floor > 0
    if sup is not None:
        assert est.value <= sup + 4 * est.floor
    if est.upper is not None:
        assert est.upper >= est.value


# ----------------------------------------------------------------------------- known maxima, 1-D
def test_smooth_interior_maximum_at_an_irrational_point():
    f = lambda X: np.exp(-50 * (X[:, 0] - X0) ** 2)  # noqa: E731
    est = sup_error(f, zero, I)
    check_estimate(est, f, zero, I, sup=1.0)
    assert est.value == pytest.approx(1.0, rel=1e-9)
    assert est.argmax[0] == pytest.approx(X0, abs=1e-6)


def test_maximum_at_an_endpoint():
    f = lambda X: np.exp(X[:, 0]) - 0.5 * X[:, 0]  # increasing on [-1, 2]: sup at x = 2  # noqa: E731
    domain = Box(-1, 2)
    est = sup_error(f, zero, domain)
    check_estimate(est, f, zero, domain, sup=math.exp(2) - 1)
    assert est.value == pytest.approx(math.exp(2) - 1, rel=1e-15) and est.argmax[0] == 2.0
    left = sup_error(lambda X: np.exp(-X[:, 0]), zero, domain)
    assert left.value == pytest.approx(math.e, rel=1e-15) and left.argmax[0] == -1.0


def _hat(x0, w):
    return lambda X: np.maximum(0.0, 1 - np.abs(X[:, 0] - x0) / w)


@pytest.mark.parametrize("j", [500, 650, 800, 996])
def test_kink_maximum_between_points_of_a_coarse_grid_within_2e_4(j):
    grid = np.linspace(-1, 1, 1000)
    h = grid[1] - grid[0]
    x0, w = (grid[j - 1] + grid[j]) / 2, 3 * h
    f = _hat(x0, w)
    est = sup_error(f, zero, I, n_points=1000)
    check_estimate(est, f, zero, I, sup=1.0)
    # the two grid neighbours sit h/2 from the peak: the raw grid reports 1 - (h/2)/w = 5/6
    assert est.initial == pytest.approx(5 / 6, abs=1e-12)
    assert est.value >= 1 - 2e-4 and abs(est.argmax[0] - x0) <= 2e-4 * w


@pytest.mark.parametrize("j", [650, 800, 996])
def test_kink_maximum_located_by_brent_to_1e_10(j):
    """The slope is 1/w ≈ 170, so 1e-10 in value needs the kink to ~6e-13 in x (xatol is 2e-12 here)."""
    grid = np.linspace(-1, 1, 1000)
    x0 = (grid[j - 1] + grid[j]) / 2
    est = sup_error(_hat(x0, 3 * (grid[1] - grid[0])), zero, I, n_points=1000)
    assert est.value >= 1 - 1e-10


@pytest.mark.parametrize("shape", ["gauss", "hat"])
def test_narrow_peak_with_default_settings(shape):
    x1, w = math.pi / 10, 1e-3  # about 4 default grid spacings wide
    f = (lambda X: np.exp(-(((X[:, 0] - x1) / w) ** 2))) if shape == "gauss" else _hat(x1, w)
    est = sup_error(f, zero, I)
    check_estimate(est, f, zero, I, sup=1.0)
    assert est.value >= 1 - (1e-9 if shape == "gauss" else 1e-10)
    assert abs(est.argmax[0] - x1) <= 1e-5


def test_vector_valued_target_the_euclidean_norm_is_maximised():
    bump = lambda X: np.exp(-50 * (X[:, 0] - X0) ** 2)  # noqa: E731
    f = lambda X: np.stack([bump(X), -bump(X)], axis=1)  # noqa: E731
    # ‖(φ, −φ)‖₂ = √2 φ: not the max-norm (1) nor the 1-norm (2)
    est = sup_error(f, lambda X: np.zeros((len(X), 2)), I)
    check_estimate(est, f, lambda X: np.zeros((len(X), 2)), I, sup=math.sqrt(2))
    assert est.value == pytest.approx(math.sqrt(2), rel=1e-9)
    # the library circle (cos πx, sin πx) against the constant (1/2, 0): farthest at angle π, x = ±1
    g = lambda X: np.tile([0.5, 0.0], (len(X), 1))  # noqa: E731
    est = sup_error("circle", g)
    assert est.value == pytest.approx(1.5, rel=1e-15) and abs(est.argmax[0]) == 1.0


# ----------------------------------------------------------------------------- known maxima, n-D
def test_2d_smooth_interior_peak():
    f = lambda X: np.exp(-20 * np.sum((X - P2) ** 2, axis=1))  # noqa: E731
    est = sup_error(f, zero, SQ)
    check_estimate(est, f, zero, SQ, sup=1.0)
    assert est.value == pytest.approx(1.0, rel=1e-9)
    np.testing.assert_allclose(est.argmax, P2, atol=1e-5)


def test_2d_peak_in_a_corner():
    f = lambda X: np.exp(X[:, 0] - 2 * X[:, 1])  # noqa: E731
    domain = Box([0, 0], [1, 2])
    est = sup_error(f, zero, domain)
    check_estimate(est, f, zero, domain, sup=math.e)
    assert est.value == pytest.approx(math.e, rel=1e-14)
    np.testing.assert_array_equal(est.argmax, [1.0, 0.0])


def test_2d_kink_cone_peak():
    f = lambda X: np.maximum(0.0, 1 - np.linalg.norm(X - P2, axis=1) / 0.3)  # noqa: E731
    est = sup_error(f, zero, SQ)
    check_estimate(est, f, zero, SQ, sup=1.0)
    assert est.value >= 1 - 1e-6
    np.testing.assert_allclose(est.argmax, P2, atol=1e-6)


def test_ball_maximum_on_the_boundary_circle():
    f = lambda X: X[:, 0] + 2 * X[:, 1]  # on the unit disc: sup |f| = √5 at ±(1, 2)/√5  # noqa: E731
    disc = Ball([0, 0], 1)
    est = sup_error(f, zero, disc)
    check_estimate(est, f, zero, disc, sup=math.sqrt(5))
    assert est.value == pytest.approx(math.sqrt(5), rel=1e-9)
    np.testing.assert_allclose(np.sign(est.argmax[0]) * est.argmax, np.array([1, 2]) / math.sqrt(5), atol=1e-4)
    # an off-centre ball: sup of ‖x‖ over B((1, 1), 1/2) is √2 + 1/2, at (1, 1)(1 + 1/(2√2))
    ball = Ball([1, 1], 0.5)
    est = sup_error(lambda X: np.linalg.norm(X, axis=1), zero, ball)
    check_estimate(est, lambda X: np.linalg.norm(X, axis=1), zero, ball, sup=math.sqrt(2) + 0.5)
    assert est.value == pytest.approx(math.sqrt(2) + 0.5, rel=1e-9)


def test_3d_box_smooth_peak_and_cone():
    box = Box([-1, -1, -1], [1, 1, 1])
    smooth = lambda X: np.exp(-10 * np.sum((X - P3) ** 2, axis=1))  # noqa: E731
    est = sup_error(smooth, zero, box)
    check_estimate(est, smooth, zero, box, sup=1.0)
    assert est.value == pytest.approx(1.0, rel=1e-9)
    np.testing.assert_allclose(est.argmax, P3, atol=1e-4)
    cone = lambda X: 2 - np.linalg.norm(X - P3, axis=1) / 2  # > 0.3 on the box  # noqa: E731
    est = sup_error(cone, zero, box)
    check_estimate(est, cone, zero, box, sup=2.0)
    assert est.value >= 2 - 1e-6


def test_difference_of_f_and_g_is_what_is_measured():
    f = lambda X: np.sin(3 * X[:, 0]) + X[:, 1] ** 2  # noqa: E731
    g = lambda X: np.sin(3 * X[:, 0]) + X[:, 1] ** 2 - 0.25 * np.cos(X[:, 0] - X0)  # noqa: E731
    est = sup_error(f, g, SQ)  # |f − g| = cos(x − x0)/4: sup 1/4 on the line x = x0
    check_estimate(est, f, g, SQ, sup=0.25)
    assert est.value == pytest.approx(0.25, rel=1e-9)


# ----------------------------------------------------------------------------- g a network
def _hat_network(t1, t2):
    """relu(x − t1) − 2 relu(x − t2) + relu(x − t3), t3 = 2 t2 − t1: a hat of height t2 − t1 at t2."""
    t = np.array([t1, t2, 2 * t2 - t1])
    return ShallowNetwork(np.ones(3), -t, [1.0, -2.0, 1.0], "relu")


def test_network_kink_is_found_at_its_transition_point():
    g = _hat_network(X0 - 0.1234, X0)
    seen = []

    def f(X):
        seen.append(X[:, 0].copy())
        return np.zeros(len(X))

    est = sup_error(f, g, I)
    check_estimate(est, f, g, I, sup=X0 - (X0 - 0.1234))
    assert est.value == pytest.approx(0.1234, abs=1e-12)
    assert est.argmax[0] == pytest.approx(X0, abs=1e-12)
    evaluated = np.concatenate(seen)
    for t in g.transition_points():
        assert np.any(evaluated == t)


def test_network_kink_found_even_on_a_two_point_grid():
    g = _hat_network(-0.3, 0.1 * math.sqrt(2))
    est = sup_error(zero, g, I, n_points=2)
    assert est.value == pytest.approx(0.1 * math.sqrt(2) + 0.3, abs=1e-12)
    assert est.initial == pytest.approx(0.0, abs=1e-15)  # both endpoints are outside the hat


def _random_network(rng, m, activation):
    k = int(rng.integers(1, 9))
    return ShallowNetwork(rng.normal(0, 3, k), rng.normal(0, 1, k), rng.normal(0, 1, (m, k)), activation)


def _dense(name):
    target = get_target(name)
    a, b = target.domain.lower[0], target.domain.upper[0]
    x = np.linspace(a, b, 200_001)[:, None]
    return x, target(x), (b - a) / 200_000


DENSE = {}


def _lipschitz_of_error(target, g):
    if target.lipschitz is None:
        return None
    return target.lipschitz + LIP_SIGMA[g.activation.name] * float(
        np.sum(np.linalg.norm(g.C, axis=0) * np.abs(g.A[:, 0])))


def _check_against_dense_grid(name, g):
    target = get_target(name)
    if name not in DENSE:
        DENSE[name] = _dense(name)
    x, F, h = DENSE[name]
    dense = float(np.max(np.linalg.norm(F - g(x), axis=1)))
    est = sup_error(name, g)
    check_estimate(est, target, g, target.domain)
    assert est.value >= dense * (1 - 1e-6)  # never worse than a dense grid
    lip = _lipschitz_of_error(target, g)
    if lip is not None:  # nor above it by more than the grid can miss
        assert est.value <= dense + lip * h / 2 + 4 * est.floor
        assert est.upper is not None and est.upper >= dense
    return est


@given(seed=st.integers(0, 2**32 - 1), name=st.sampled_from(TARGETS_1D),
       activation=st.sampled_from(sorted(LIP_SIGMA)))
@PROPERTY
def test_never_worse_than_a_dense_grid(seed, name, activation):
    rng = np.random.default_rng(seed)
    _check_against_dense_grid(name, _random_network(rng, get_target(name).n_outputs, activation))


@pytest.mark.parametrize("name", TARGETS_1D)
def test_never_worse_than_a_dense_grid_seeded(name):
    for seed in range(4):
        rng = np.random.default_rng([seed, 2024])
        g = _random_network(rng, get_target(name).n_outputs, sorted(LIP_SIGMA)[seed % 6])
        _check_against_dense_grid(name, g)


def test_never_worse_than_a_dense_grid_takagi_pinned():
    """Found by a seeded search: the default grid of 8193 points + Brent misses a Takagi peak near 2/3."""
    A = [0.7917446550471887, 1.821384806386703, -2.9164793991816076, 2.3029927594196766, 0.7651743653230187]
    b = [0.7829798706300901, 0.27241823407236765, 1.1620081255305676, -0.9377563787668719, 1.776099733817743]
    C = [1.2023898441352874, -0.5999578484570015, 0.6601663130603562, 0.44476738448754977, -1.7457635656172505]
    _check_against_dense_grid("takagi", ShallowNetwork(A, b, C, "relu"))


@given(seed=st.integers(0, 2**32 - 1), activation=st.sampled_from(sorted(LIP_SIGMA)),
       name=st.sampled_from([n for n in TARGETS_1D if get_target(n).lipschitz is not None]))
@PROPERTY
def test_upper_bound_is_above_the_dense_grid_maximum(seed, activation, name):
    target = get_target(name)
    g = _random_network(np.random.default_rng(seed), target.n_outputs, activation)
    x, F, _ = DENSE.setdefault(name, _dense(name))
    est = sup_error(name, g, n_points=257)  # a coarse grid makes the bound work hardest
    assert est.upper is not None
    assert est.upper >= float(np.max(np.linalg.norm(F - g(x), axis=1)))
    assert est.upper >= est.value


@pytest.mark.parametrize("n_points", [5, 13, 21])
def test_upper_bound_is_certified_for_a_sawtooth_peaking_between_grid_points(n_points):
    """Sawtooth slopes are exactly ±L_f = ±4 and its peaks ±1/4, ±3/4 are midpoints of the coarse grids:
    the raw grid misses them, the certified bracket does not, and closes to its 1% gap."""
    g = ShallowNetwork([1.0], [0.0], [0.0], "tanh")  # g = 0
    est = sup_error("sawtooth", g, n_points=n_points)
    h = 2 / (n_points - 1)
    assert est.initial == pytest.approx(1 - 4 * h / 2, abs=1e-12)
    assert 1.0 <= est.upper <= 1.01 + 1e-12
    assert est.value >= 1 - 2e-4 and est.details["bracket"].converged


def test_upper_bound_uses_relu_kinks_exactly():
    t = 0.25  # midway between the points of a 5-point grid on [-1, 1]
    g = ShallowNetwork([0.0, 1.0, -1.0], [1.0, -t, t], [1.0, -1.0, -1.0], "relu")  # 1 − |x − t|, L_g = 2
    f = Target(zero, I, "zero", lipschitz=0.0, n_outputs=1)
    est = sup_error(f, g, n_points=5)
    assert est.initial == pytest.approx(0.75, abs=1e-15)
    assert est.value == pytest.approx(1.0, abs=1e-12)  # the kink is a transition point
    # g is linear between its kinks, which are cell edges: the bound is exact, not 0.75 + L_g·h/2 = 1.25
    assert 1.0 <= est.upper <= 1.0 + 1e-12


def test_no_upper_bound_without_lipschitz_constants():
    g = _hat_network(-0.5, 0.0)
    assert sup_error("sqrt_abs", g).upper is None  # target not Lipschitz
    assert sup_error("abs", lambda X: X[:, 0] ** 2).upper is None  # g not a network
    step = ShallowNetwork([1.0], [0.0], [1.0], "heaviside")
    assert sup_error("abs", step).upper is None  # σ not Lipschitz
    level = "levelset(h=x1**2 + x2**2 - 1, box=[-1,1]^2)"  # a disc no cell can be proved to miss
    assert sup_error("radial", ShallowNetwork(np.ones((2, 2)), [0, 1], [1, 1], "tanh"), level).upper is None
    disc = sup_error("radial", ShallowNetwork(np.ones((2, 2)), [0, 1], [1, 1], "tanh"))  # its own disc: covered
    assert disc.value <= disc.upper <= disc.value * 1.02
    assert sup_error("runge", ShallowNetwork([1.0], [0.0], [1.0], "tanh"), certify=False).upper is None


def test_2d_network_estimate_beats_a_dense_grid():
    for seed in range(3):
        rng = np.random.default_rng(seed)
        g = ShallowNetwork(rng.normal(0, 3, (6, 2)), rng.normal(0, 1, 6), rng.normal(0, 1, 6), "relu")
        t = np.linspace(-1, 1, 601)
        grid = np.stack(np.meshgrid(t, t, indexing="ij"), axis=-1).reshape(-1, 2)
        target = get_target("bump")
        dense = float(np.max(np.abs(target(grid) - g(grid))))
        est = sup_error("bump", g, rng=seed)
        check_estimate(est, target, g, target.domain)
        assert est.value >= dense * (1 - 1e-9)


def test_rng_makes_the_nd_search_reproducible():
    f = lambda X: np.cos(5 * X[:, 0]) * np.sin(4 * X[:, 1])  # noqa: E731
    one, two = sup_error(f, zero, SQ, rng=3), sup_error(f, zero, SQ, rng=np.random.default_rng(3))
    assert one.value == two.value and np.array_equal(one.argmax, two.argmax) and one.n_evals == two.n_evals


# ----------------------------------------------------------------------------- floor
def test_floor_reported_and_tiny_for_a_well_conditioned_network():
    rng = np.random.default_rng(0)
    g = ShallowNetwork(rng.standard_normal(16), rng.standard_normal(16), rng.standard_normal(16) / 4, "tanh")
    est = sup_error("runge", g)
    assert 0 < est.floor < 1e-13
    big = ShallowNetwork(g.A, g.b, 1e8 * g.C, "tanh")
    assert sup_error("runge", big).floor > 1e6 * est.floor  # grows with the size of g


# ----------------------------------------------------------------------------- rms
def test_rms_of_x_on_the_interval():
    assert rms_error(lambda X: X[:, 0], zero, I) == pytest.approx(math.sqrt(1 / 3), rel=1e-9)
    assert rms_error("abs", zero) == pytest.approx(math.sqrt(1 / 3), rel=1e-9)
    assert rms_error("sin2pi", zero) == pytest.approx(math.sqrt(0.5), rel=1e-9)


def test_rms_of_a_product_on_a_square():
    f = lambda X: np.sin(np.pi * X[:, 0]) * np.sin(np.pi * X[:, 1])  # ∫∫ f² = 1/4 on [0,1]²  # noqa: E731
    assert rms_error(f, zero, Box([0, 0], [1, 1])) == pytest.approx(0.5, abs=1e-4)
    g = lambda X: X[:, 0] * X[:, 1]  # noqa: E731
    # ∫∫ (xy)² = 1/9 on [0,1]²
    assert rms_error(g, zero, Box([0, 0], [1, 1])) == pytest.approx(1 / 3, abs=1e-4)
    # on the unit disc: mean of ‖x‖² is 1/2
    assert rms_error(lambda X: np.linalg.norm(X, axis=1), zero, Ball([0, 0], 1)) == pytest.approx(
        math.sqrt(0.5), abs=1e-4)


def test_rms_vector_valued():
    assert rms_error("circle", lambda X: np.zeros((len(X), 2))) == pytest.approx(1.0, rel=1e-14)
    f = lambda X: np.stack([X[:, 0], X[:, 0] ** 2], axis=1)  # noqa: E731
    # mean over [-1, 1] of x² + x⁴ = 1/3 + 1/5
    assert rms_error(f, lambda X: np.zeros((len(X), 2)), I) == pytest.approx(math.sqrt(8 / 15), rel=1e-9)


def test_rms_of_a_network_error_against_adaptive_quadrature():
    from scipy.integrate import quad

    g = _hat_network(-0.4, 0.2)
    integrand = lambda x: (abs(x) - g(np.array([[x]]))[0, 0]) ** 2  # noqa: E731
    exact = quad(integrand, -1, 1, points=[-0.4, 0.0, 0.2, 0.8], epsabs=1e-14, epsrel=1e-12)[0] / 2
    assert rms_error("abs", g) == pytest.approx(math.sqrt(exact), rel=1e-8)
    assert rms_error("abs", g) <= sup_error("abs", g).value


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("g, message", [
    (lambda X: np.zeros(len(X) + 1), r"g must map \(N, 1\) arrays to \(N,\) or \(N, m\)"),
    (lambda X: np.zeros((len(X), 1, 1)), r"g must map \(N, 1\) arrays"),
    (lambda X: np.zeros((len(X), 2)), r"g must map \(N, 1\) arrays"),
])
def test_g_of_the_wrong_shape_refused(g, message):
    for estimate in (sup_error, rms_error):
        with pytest.raises(ValueError, match=message):
            estimate("abs", g)


@pytest.mark.parametrize("case", ["scalar", "three_outputs_for_one", "one_output_for_two"])
def test_g_of_the_wrong_shape_refused_for_callable_targets(case):
    f1 = lambda X: X[:, 0]  # noqa: E731
    f2 = lambda X: np.stack([X[:, 0], X[:, 0] ** 2], axis=1)  # noqa: E731
    f, g = {"scalar": (f1, lambda X: 0.0),
            "three_outputs_for_one": (f1, lambda X: np.zeros((len(X), 3))),
            "one_output_for_two": (f2, lambda X: np.zeros(len(X)))}[case]
    for estimate in (sup_error, rms_error):
        with pytest.raises(ValueError, match="g must map"):
            estimate(f, g, I)


def test_g_non_finite_refused():
    g = lambda X: np.where(X[:, 0] > 0.5, np.nan, 0.0)  # noqa: E731
    for estimate in (sup_error, rms_error):
        with pytest.raises(ValueError, match=r"g returned a non-finite value \[nan\] at x = \[0\.5"):
            estimate("abs", g)
    with pytest.raises(ValueError, match="g returned a non-finite value"):
        sup_error(lambda X: X[:, 0], lambda X: np.where(X[:, 1] == 1.0, np.inf, 0.0), SQ)  # at the corners


def test_network_dimension_mismatch_refused():
    g2 = ShallowNetwork(np.ones((3, 2)), np.zeros(3), np.ones(3), "tanh")
    with pytest.raises(ValueError, match=r"the network has input dimension 2 but the domain \[-1,1\] has dimension 1"):
        sup_error("abs", g2)
    g1 = ShallowNetwork(np.ones(3), np.zeros(3), np.ones(3), "tanh")
    with pytest.raises(ValueError, match="input dimension 1 but the domain .* has dimension 2"):
        sup_error("bump", g1)


def test_network_dimension_mismatch_refused_by_rms_error_too():
    g2 = ShallowNetwork(np.ones((3, 2)), np.zeros(3), np.ones(3), "tanh")
    with pytest.raises(ValueError, match="input dimension 2 but the domain .* has dimension 1"):
        rms_error("abs", g2)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"n_points": 1}, ValueError, "n_points must be an integer >= 2; got 1"),
    ({"n_points": 0}, ValueError, "n_points must be an integer >= 2; got 0"),
    ({"n_points": 100.5}, TypeError, "n_points must be an integer >= 2; got 100.5"),
    ({"n_points": "100"}, TypeError, "n_points must be an integer"),
    ({"n_starts": 0}, ValueError, "n_starts must be an integer >= 1; got 0"),
    ({"n_starts": -3}, ValueError, "n_starts must be an integer >= 1; got -3"),
    ({"n_starts": True}, TypeError, "n_starts must be an integer"),
])
def test_invalid_n_points_and_n_starts_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        sup_error("abs", zero, **kwargs)


def test_rms_invalid_n_points_refused():
    with pytest.raises(ValueError, match="n_points must be an integer >= 1; got 0"):
        rms_error("abs", zero, n_points=0)


def test_g_not_callable_refused():
    with pytest.raises(TypeError, match="g must be a ShallowNetwork or a callable"):
        sup_error("abs", 3.0)


def test_callable_target_needs_a_domain():
    with pytest.raises(ValueError, match="a callable target needs a domain"):
        sup_error(lambda X: X[:, 0], zero)


def test_target_object_with_explicit_domain():
    target = Target(lambda X: X[:, 0] ** 3, Box(0, 2), "cube", lipschitz=12.0, n_outputs=1)
    est = sup_error(target, zero)
    assert est.value == pytest.approx(8.0, rel=1e-15) and est.argmax[0] == 2.0
    assert sup_error(target, zero, Box(-3, 1)).value == pytest.approx(27.0, rel=1e-15)


def test_a_periodic_user_activation_sizes_the_1d_grid_by_its_period():
    """Activation.period, not the names 'sin' and 'cos', sizes the grid: 32 points per period of the fastest unit."""
    from uat.activations import Activation

    periodic = Activation("test_sine", np.sin, np.cos, lipschitz=1.0, bound=1.0, period=2 * math.pi)
    plain = Activation("test_sine", np.sin, np.cos, lipschitz=1.0, bound=1.0)
    sizes = {}
    for name, act in (("periodic", periodic), ("plain", plain), ("sin", "sin")):
        g = ShallowNetwork([[3000.0]], [0.0], [[0.1]], act)
        sizes[name] = sup_error("abs", g, certify=False).facts["n_grid"]
    assert sizes["periodic"] == sizes["sin"] == int(32 * 3000 * 2 / (2 * math.pi)) + 1
    assert sizes["plain"] == (1 << 14) + 1
