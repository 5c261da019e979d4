"""Best uniform polynomial approximation against classical values of E_p and independent bounds."""

import math

import numpy as np
import pytest

from uat.domains import Ball, Box
from uat.exceptions import ConvergenceWarning
from uat.fitting.polynomial import best_polynomial, chebyshev_basis, total_degree_indices
from uat.targets import as_target

DENSE = np.linspace(-1, 1, 200_001)
LP_TOL = 1e-6  # HiGHS solves to ~1e-7 relative: the LP value may exceed E_p by that much


def _bracket_holds(best, exact, rel=1e-3):
    """lower ≤ E_p ≤ value (lower up to the LP tolerance), both within rel of the exact E_p."""
    assert best.lower <= exact * (1 + LP_TOL) + 1e-15
    assert exact <= best.value
    assert best.lower == pytest.approx(exact, rel=rel)
    assert best.value == pytest.approx(exact, rel=rel)


def _alternation(error: np.ndarray, level: float) -> np.ndarray:
    """Signed extreme of each run of constant sign of ``error`` whose extreme reaches ``level``."""
    sign = np.sign(error)
    starts = np.flatnonzero(np.concatenate([[True], sign[1:] != sign[:-1]]))
    extremes = np.maximum.reduceat(np.abs(error), starts) * sign[starts]
    return extremes[np.abs(extremes) >= level]


# --- the basis -----------------------------------------------------------------------------------

def test_total_degree_indices_are_graded():
    np.testing.assert_array_equal(total_degree_indices(1, 3), [[0], [1], [2], [3]])
    np.testing.assert_array_equal(total_degree_indices(2, 2), [[0, 0], [1, 0], [0, 1], [2, 0], [1, 1], [0, 2]])
    assert len(total_degree_indices(2, 10)) == math.comb(12, 2)


def test_chebyshev_basis_is_the_tensor_basis_on_the_mapped_box():
    X = np.array([[0.5, -1.0], [2.0, 3.0], [1.2, 0.4]])
    u1, u2 = X[:, 0] - 1, (X[:, 1] - 1) / 2  # [0, 2] x [-1, 3] onto [-1, 1]^2
    Phi = chebyshev_basis(X, 2, [0, -1], [2, 3])
    expected = np.stack([np.ones(3), u1, u2, 2 * u1**2 - 1, u1 * u2, 2 * u2**2 - 1], axis=1)
    np.testing.assert_allclose(Phi, expected, rtol=0, atol=4 * np.finfo(float).eps)


# --- 1-D: classical values ---------------------------------------------------------------------

@pytest.mark.parametrize("degree, exact", [(1, 1 / 2), (2, 1 / 8), (3, 1 / 8)])
def test_abs(degree, exact):
    # E₁(|x|) = E₀(|x|) = 1/2 (|x| is even); E₂ = E₃ = 1/8 with P = x² + 1/8, alternating at 0, ±1/2, ±1.
    best = best_polynomial("abs", degree)
    _bracket_holds(best, exact)
    if degree >= 2:
        np.testing.assert_allclose(best(DENSE)[:, 0], DENSE**2 + 1 / 8, atol=1e-3)


@pytest.mark.parametrize("n", range(1, 9))
def test_power_against_chebyshev(n):
    # x^{n+1} − P* = 2^{-n} T_{n+1}(x): E_n(x^{n+1}) = 2^{-n}.
    best = best_polynomial(f"x**{n + 1}", n, "[-1,1]")
    _bracket_holds(best, 2.0**-n)


@pytest.mark.parametrize("target, degree", [("exp(x)", 5), ("runge", 10), ("runge", 60), ("abs", 60)])
def test_error_equioscillates(target, degree):
    # Chebyshev: the best P's error alternates at >= p + 2 points with magnitude E_p. By de la Vallée
    # Poussin, p + 2 alternating values of size >= δ prove E_p >= δ, independently of the LP.
    best = best_polynomial(target, degree, "[-1,1]")
    error = as_target(target, "[-1,1]")(DENSE)[:, 0] - best(DENSE)[:, 0]
    extremes = _alternation(error, best.value * (1 - 1e-3))
    assert len(extremes) >= degree + 2
    assert np.all(extremes[1:] * extremes[:-1] < 0)
    assert best.lower <= best.value * (1 + LP_TOL)


def test_exp_matches_bernstein_asymptotics():
    # E_n(exp) ~ 1/(2^n (n+1)!) (1 + O(1/n)) on [-1, 1].
    best = best_polynomial("exp(x)", 6, "[-1,1]")
    assert best.value == pytest.approx(1 / (2**6 * math.factorial(7)), rel=0.05)


def test_a_polynomial_is_its_own_best_approximation():
    best = best_polynomial("x**3 - 2*x", 3, "[-1,1]")
    assert best.value < 1e-13
    np.testing.assert_allclose(best(DENSE)[:, 0], DENSE**3 - 2 * DENSE, atol=1e-13)


@pytest.mark.parametrize("degree", [2, 5])
def test_invariant_under_an_affine_change_of_interval(degree):
    # exp on [0, 2] is exp(t + 1) on [-1, 1]: same E_p, and the same Chebyshev coefficients.
    shifted = best_polynomial("exp(x)", degree, "[0,2]")
    centred = best_polynomial("exp(x + 1)", degree, "[-1,1]")
    assert shifted.lower <= centred.value * (1 + LP_TOL) and centred.lower <= shifted.value * (1 + LP_TOL)
    assert shifted.value == pytest.approx(centred.value, rel=1e-3)
    np.testing.assert_allclose(shifted.coefficients, centred.coefficients, atol=1e-2 * centred.value)
    np.testing.assert_allclose(shifted(DENSE + 1), centred(DENSE), atol=1e-2 * centred.value)
    _bracket_holds(best_polynomial("abs(x - 1)", 2, "[0,2]"), 1 / 8)


def test_a_one_dimensional_ball_is_its_interval():
    best = best_polynomial("abs(x - 1)", 2, Ball([1.0], 1.0))
    assert best.domain == Ball([1.0], 1.0)
    _bracket_holds(best, 1 / 8)


def test_runge_decreases_with_degree_and_sits_between_interpolation_bounds():
    floors = [best_polynomial("runge", p) for p in range(0, 11)]
    for p in range(10):  # lower_{p+1} <= E_{p+1} <= E_p <= value_p
        assert floors[p + 1].lower <= floors[p].value * (1 + LP_TOL)
    # The Chebyshev interpolant I₁₀ bounds E₁₀ from above, and ‖f − I₁₀‖ <= (1 + Λ₁₀) E₁₀ from below,
    # with the Lebesgue constant Λ₁₀ <= 1 + (2/π) log 11 for first-kind Chebyshev points.
    f = lambda x: 1 / (1 + 25 * x**2)  # noqa: E731
    interpolant = np.max(np.abs(f(DENSE) - np.polynomial.Chebyshev.interpolate(f, 10)(DENSE)))
    assert interpolant / (2 + 2 / np.pi * np.log(11)) <= floors[10].lower
    assert floors[10].value <= interpolant
    assert 1e-3 < floors[10].lower <= floors[10].value < 1e-1


# --- 2-D -----------------------------------------------------------------------------------------

def test_product_on_the_square():
    # For affine P, P(1,1) + P(-1,-1) = P(1,-1) + P(-1,1), so the four corner errors of f = x₁x₂ (f = ±1)
    # cannot all be below 1: E₁ >= 1, and P = 0 attains it. E₂ = 0: x₁x₂ has total degree 2.
    _bracket_holds(best_polynomial("x1*x2", 1, "[-1,1]^2"), 1.0)
    assert best_polynomial("x1*x2", 2, "[-1,1]^2").value < 1e-13


def test_product_on_the_disc():
    # The same argument at (±1/√2, ±1/√2), where x₁x₂ = ±1/2, gives E₁ = 1/2 on the unit disc.
    _bracket_holds(best_polynomial("x1*x2", 1, Ball([0, 0], 1)), 0.5)


@pytest.mark.parametrize("target, domain, exact", [
    ("(x1 - 0.3)**2 + (x2 + 0.2)**2", "[-1,1]^2", (3.13 - 0) / 2),  # min 0 inside, max at (-1, 1)
    ("x1 + 2*x2", Ball([0, 0], 1), math.sqrt(5)),  # ±√5 at ±(1, 2)/√5 on the circle
])
def test_degree_zero_is_half_the_range(target, domain, exact):
    _bracket_holds(best_polynomial(target, 0, domain), exact)


def test_deterministic():
    a, b = best_polynomial("franke", 2), best_polynomial("franke", 2)
    np.testing.assert_array_equal(a.coefficients, b.coefficients)
    assert (a.lower, a.value, a.n_points) == (b.lower, b.value, b.n_points)


# --- the exchange -------------------------------------------------------------------------------

def test_exchange_tightens_the_bracket():
    # From the fewest points allowed (p + 2), and to a bracket far tighter than the initial grid gives.
    _bracket_holds(best_polynomial("abs", 3, n_points=5), 1 / 8)
    tight = best_polynomial("runge", 10, rtol=1e-8)
    assert tight.converged and tight.iterations > 1
    assert tight.value <= tight.lower * (1 + 1e-8)
    _bracket_holds(best_polynomial("x1*x2", 1, Ball([0, 0], 1), rtol=1e-6), 0.5, rel=1e-6)


# --- reporting and bad input -------------------------------------------------------------------

def test_result_shapes_and_convergence_warning():
    best = best_polynomial("runge", 4, n_points=6)
    assert best.coefficients.shape == (1, 5) and best(np.zeros((7, 1))).shape == (7, 1)
    assert best.converged and best.n_points > 6
    with pytest.warns(ConvergenceWarning, match="max_rounds"):
        stalled = best_polynomial("runge", 4, n_points=6, max_rounds=1)
    assert not stalled.converged and stalled.iterations == 1


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(degree=-1), ValueError, "degree must be an integer >= 0; got -1"),
    (dict(degree=True), TypeError, "degree must be an integer"),
    (dict(degree=1.5), TypeError, "degree must be an integer"),
    (dict(rtol=0.0), ValueError, "rtol must be > 0"),
    (dict(max_rounds=0), ValueError, "max_rounds must be an integer >= 1"),
    (dict(degree=3, n_points=4), ValueError, "n_points must be an integer >= 5; got 4"),
    (dict(target="circle"), ValueError, "target must be scalar-valued .* 'circle' with m = 2"),
    (dict(target="oscillatory"), ValueError, "domain must have dimension 1 or 2 .* 3-D"),
    (dict(domain=Box(0, 1), target="x1*x2"), ValueError, "uses x2"),
])
def test_bad_input(kwargs, error, match):
    args = {"target": "runge", "degree": 2} | kwargs
    with pytest.raises(error, match=match):
        best_polynomial(**args)
