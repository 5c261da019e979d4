"""Certified brackets of deep networks (uat.certify through the layers of a uat.DeepNetwork): the per-cell bounds hold
on sampled cells, the brackets contain the known exact sup of the constructions and a brute-force maximum, and
a DeepNetwork built from a ShallowNetwork is bracketed as tightly as the shallow one."""

import numpy as np
import pytest

import uat
from uat import Box, DeepNetwork, ShallowNetwork, Target
from uat.certify import _variation, sup_bracket

_EPS = np.finfo(float).eps
SQUARE = Target(lambda X: X[:, 0] ** 2, Box([0.0], [1.0]), name="x²", lipschitz=2.0, curvature=2.0)


def random_deep(rng, widths, activation, scale=2.0, output_activation=None):
    W = [scale * rng.standard_normal((n, p)) / np.sqrt(p) for p, n in zip(widths[:-1], widths[1:])]
    b = [rng.standard_normal(n) for n in widths[1:]]
    return DeepNetwork(W, b, activation, output_activation)


def sawtooth_closed_form(s):
    """g_s(x) = 1 − |2 frac(2^(s−1) x) − 1|, the triangle wave with 2^(s−1) teeth on [0, 1]."""
    return lambda X: 1 - np.abs(2 * np.mod(2.0 ** (s - 1) * X[:, 0], 1.0) - 1)


def _sampled_spread(g, centers, radii, rng, samples=300):
    """max over sampled points x of each cell (its corners among them) of ‖g(x) − g(c)‖₂."""
    cells, n = centers.shape
    t = rng.uniform(-1, 1, (cells, samples, n))
    t[:, :2**n] = np.array(np.meshgrid(*[[-1, 1]] * n)).reshape(n, -1).T
    X = centers[:, None, :] + radii[:, None, :] * t
    G = g(X.reshape(-1, n)).reshape(cells, samples, -1)
    return np.linalg.norm(G - g(centers)[:, None, :], axis=2).max(axis=1), X


CASES = [(act, depth, n, m) for act in ("tanh", "relu", "sigmoid", "sin", "softplus", "gaussian")
         for depth in (1, 2, 3, 4) for n, m in ((1, 1), (2, 2))]


@pytest.mark.parametrize("activation, depth, n, m", CASES)
def test_the_per_cell_variation_bound_holds_on_sampled_cells(activation, depth, n, m):
    """sup ‖g(x) − g(c)‖ over a cell never exceeds the bound, and is within 4x of it on most small cells; in 1-D
    |g″| (second differences) never exceeds the curvature bound."""
    rng = np.random.default_rng(hash((activation, depth, n, m)) % 2**32)
    widths = (n,) + tuple(int(w) for w in rng.integers(2, 9, depth - 1)) + (m,)
    out = "tanh" if depth == 3 and activation != "tanh" else None  # the lecture's σ at the output, sometimes
    g = random_deep(rng, widths, activation, output_activation=out)
    centers = rng.uniform(-1, 1, (30, n))
    radii = 10.0 ** rng.uniform(-3, 0, (30, n))
    spread, X = _sampled_spread(g, centers, radii, rng)
    if n == 1:
        variation, curvature = _variation(g, centers, radii, curvature=True)
        _check_curvature(g, X[:, :, 0], radii[:, 0], curvature, smooth=activation != "relu")
    else:
        variation = _variation(g, centers, radii)
    assert np.all(spread <= variation * (1 + 1e-12) + 1e-14)
    small = radii.max(axis=1) < 0.05
    assert np.mean(variation[small] <= 4 * spread[small] + 1e-12) > 0.5


def _check_curvature(g, x, radii, curvature, smooth):
    h = 5e-3 * radii  # a second difference is g″ averaged over [x − h, x + h], inside the cell
    for i in range(len(x)):
        inner = x[i][np.abs(x[i] - x[i].mean()) < 0.5 * radii[i]]
        second = np.linalg.norm(g(inner + h[i]) - 2 * g(inner) + g(inner - h[i]), axis=1) / h[i] ** 2
        noise = 64 * _EPS * (np.abs(g(inner)).max() + 1) / h[i] ** 2  # rounding in the difference
        if smooth or np.isfinite(curvature[i]):  # ReLU: finite only where no kink is inside, and then g″ = 0
            assert np.isfinite(curvature[i])
            assert second.max() <= curvature[i] * (1 + 1e-3) + noise


def test_a_relu_net_on_a_cell_without_a_kink_has_its_exact_slope():
    # sawtooth(3) is linear with slope ±8 between its breakpoints k/8: the bound is 8r to rounding
    g = uat.sawtooth(3)
    centers = np.array([[1 / 16], [5 / 16], [11 / 16]])
    radii = np.full((3, 1), 1 / 64)
    assert np.allclose(_variation(g, centers, radii), 8 / 64, rtol=1e-12)
    wide = _variation(g, np.array([[0.5]]), np.array([[1 / 16]]))[0]  # a kink inside: larger, still valid
    assert wide >= 0.5


def test_overflowing_weights_give_an_infinite_bound_or_the_value_enclosures_one_never_a_warning():
    # g = tanh(1e200 tanh(1e200 x)): the Jacobian overflows, the value enclosures still bound g by its range [−1, 1]
    g = DeepNetwork([np.array([[1e200]]), np.array([[1e200]]), np.array([[1.0]])], [np.zeros(1)] * 3, "tanh")
    variation, curvature = _variation(g, np.array([[0.5], [0.0]]), np.array([[0.5], [0.1]]), curvature=True)
    np.testing.assert_allclose(variation, [2.0, 1.0], rtol=1e-12)
    assert np.all(np.isposinf(curvature))
    g = DeepNetwork([np.array([[1e200]]), np.array([[1e200]])], [np.zeros(1)] * 2, "softplus")  # unbounded σ
    assert np.all(np.isposinf(_variation(g, np.array([[0.5]]), np.array([[0.5]]))))


@pytest.mark.parametrize("m", [1, 2, 3, 5])
def test_yarotskys_square_is_bracketed_at_its_exact_error(m):
    """f_m interpolates x² at the 2^m + 1 uniform points: its sup error is exactly 2^(−2m−2), at the midpoints."""
    exact = 2.0 ** (-2 * m - 2)
    bracket = sup_bracket(SQUARE, uat.yarotsky_square(m), rtol=1e-6)
    assert bracket.converged and bracket.lower <= exact + bracket.floor <= bracket.upper + bracket.floor
    assert bracket.upper / bracket.lower - 1 <= 1e-6 + 2 * bracket.floor / bracket.lower
    first = sup_bracket(SQUARE, uat.yarotsky_square(m), curvature=None, rtol=1e-2) if m <= 2 else bracket
    assert first.lower <= exact + first.floor <= first.upper + first.floor and first.upper / first.lower - 1 <= 1e-2


@pytest.mark.parametrize("s", [1, 3, 6])
def test_the_sawtooth_against_zero_is_bracketed_at_one(s):
    bracket = sup_bracket(lambda X: np.zeros(len(X)), uat.sawtooth(s), "[0,1]", lipschitz=0.0, rtol=1e-9)
    assert bracket.lower == 1.0 and 1.0 <= bracket.upper <= 1 + 1e-9 + 2 * bracket.floor and bracket.converged


def test_the_sawtooth_against_its_closed_form_is_bracketed_near_zero():
    s = 2
    f = sawtooth_closed_form(s)
    X = np.linspace(0, 1, 100_001)[:, None]
    dense = float(np.max(np.abs(f(X) - uat.sawtooth(s)(X)[:, 0])))
    bracket = sup_bracket(f, uat.sawtooth(s), "[0,1]", lipschitz=2.0**s, rtol=0.0, atol=1e-3)
    assert bracket.converged and bracket.lower <= 1e-15 and dense <= bracket.upper <= 1e-3 + 2 * bracket.floor


def test_a_random_tanh_net_of_depth_3_is_bracketed_around_its_brute_force_maximum():
    rng = np.random.default_rng(3)
    g = random_deep(rng, (1, 8, 8, 1), "tanh", scale=2.5)
    target = Target(lambda X: np.sin(3 * X[:, 0]), Box([-1.0], [1.0]), name="sin 3x", lipschitz=3.0, curvature=9.0)
    X = np.linspace(-1, 1, 10**6)[:, None]
    brute = float(np.max(np.abs(target(X)[:, 0] - g(X)[:, 0])))
    for curvature in (None, 9.0):
        bracket = sup_bracket(target, g, curvature=curvature, rtol=1e-4)
        assert bracket.converged and bracket.lower <= brute + bracket.floor and bracket.upper >= brute
        assert bracket.upper <= brute * (1 + 2e-4)


def test_a_2d_deep_net_is_bracketed_around_a_dense_maximum():
    rng = np.random.default_rng(4)
    target = Target(lambda X: np.sin(X[:, 0]) * X[:, 1], Box([-1.0, -1.0], [1.0, 1.0]), name="sin x1 · x2",
                    lipschitz=np.sqrt(2))
    X = np.random.default_rng(0).uniform(-1, 1, (200_000, 2))
    for activation in ("tanh", "relu"):
        g = random_deep(rng, (2, 6, 6, 1), activation, scale=1.5)
        dense = float(np.max(np.abs(target(X)[:, 0] - g(X)[:, 0])))
        bracket = sup_bracket(target, g, rtol=2e-2)
        assert bracket.converged and bracket.upper >= dense and bracket.lower >= dense / (1 + 2e-2)


def test_a_deep_copy_of_a_shallow_net_is_bracketed_as_tightly():
    rng = np.random.default_rng(5)
    shallow = ShallowNetwork(rng.normal(0, 3, (20, 1)), rng.normal(0, 2, 20), rng.normal(0, 0.2, (1, 20)), "tanh")
    deep = DeepNetwork.from_shallow(shallow)
    for curvature in (None, 4 * np.pi**2):
        one, two = (sup_bracket("sin2pi", g, curvature=curvature, rtol=1e-4) for g in (shallow, deep))
        assert two.lower == one.lower and two.upper == pytest.approx(one.upper, rel=1e-9)
        assert two.n_evals <= 1.1 * one.n_evals


def test_sup_error_of_the_constructions_is_exact_attained_and_certified():
    for m in (2, 6):
        net, exact = uat.yarotsky_square(m), 2.0 ** (-2 * m - 2)
        est = uat.sup_error(SQUARE, net)
        x = est.argmax[0]
        assert exact - est.floor <= est.value <= exact + est.floor  # attained: an honest lower bound
        assert abs(x * 2**m % 1 - 0.5) < 1e-6  # at a midpoint between interpolation points
        assert est.upper >= exact and est.upper <= exact * 1.01 + 2 * est.floor
        assert uat.sup_error(lambda X: X[:, 0] ** 2, net, "[0,1]").upper is None  # no L_f: nothing claimed
    est = uat.sup_error(sawtooth_closed_form(5), uat.sawtooth(5), "[0,1]")
    assert est.value <= est.floor and est.upper is None


def test_a_fit_result_of_a_deep_fit_carries_a_certified_bracket():
    result = uat.fit("sin2pi", width=[6, 6], method="backprop", max_iter=30, n_samples=256)
    est = result.sup_error()
    X = np.linspace(-1, 1, 200_001)[:, None]
    dense = float(np.max(np.abs(np.sin(2 * np.pi * X[:, 0]) - result.network(X)[:, 0])))
    assert est.details["bracket"].converged and dense - est.floor <= est.value <= est.upper
    assert est.upper >= dense and "upper bound proved" in est.method
