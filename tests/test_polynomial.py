"""Best uniform polynomial approximation against classical values of E_p and independent bounds."""

import io
import json
import math

import numpy as np
import pytest
from numpy.polynomial import chebyshev as cheb

import uat
import uat.fitting.polynomial as polynomial
from uat.activations import get_activation
from uat.domains import Ball, Box, as_domain
from uat.exceptions import ConvergenceWarning
from uat.fitting import get_method
from uat.fitting.base import Problem, resolve_options, streams
from uat.fitting.baselines import PolynomialApproximant, matched_degree
from uat.fitting.polynomial import best_polynomial, chebyshev_basis, total_degree_indices
from uat.network import ShallowNetwork
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


# --- PolynomialApproximant -----------------------------------------------------------------------

EPS = np.finfo(float).eps


def _random_polynomial(degree, domain, seed=0, width=None):
    """Normal coefficients over (1 + j): slowly decaying, so that rounding is not swamped by c₀."""
    dim = as_domain(domain).dim
    n_basis = math.comb(degree + dim, dim)
    c = np.random.default_rng(seed).standard_normal(n_basis) / (1 + np.arange(n_basis))
    return PolynomialApproximant(c, degree, domain, width)


def _fitted(target, domain=None, *, width, method, **options):
    """What the method itself returns (with the training points X, Y), as uat.fit calls it."""
    the_method = get_method(method)
    problem = Problem(as_target(target, domain), width, get_activation("tanh"), *streams(0))
    return the_method.fn(problem, **resolve_options(the_method, options))


def test_evaluation_is_chebval_on_the_scaled_interval():
    P = _random_polynomial(12, "[0,3]")
    x = np.linspace(0, 3, 1001)
    expected = cheb.chebval((2 * x - 3) / 3, P.coefficients)
    np.testing.assert_allclose(P(x[:, None])[:, 0], expected, rtol=0, atol=32 * EPS)
    np.testing.assert_array_equal(P(x), P(x[:, None]))  # (N,) and lists are points when n = 1
    np.testing.assert_array_equal(P(x[:3].tolist()), P(x[:3, None]))
    assert P(x).shape == (1001, 1) and P(np.empty((0, 1))).shape == (0, 1)


def test_evaluation_in_2d_is_the_tensor_series_and_the_basis_matrix():
    P = _random_polynomial(7, Box([0, -1], [2, 3]), seed=1)
    X = Box([0, -1], [2, 3]).sample(500, "sobol", rng=0)
    U = np.stack([X[:, 0] - 1, (X[:, 1] - 1) / 2], axis=1)
    tensor = np.zeros((8, 8))
    tensor[tuple(total_degree_indices(2, 7).T)] = P.coefficients
    np.testing.assert_allclose(P(X)[:, 0], cheb.chebval2d(U[:, 0], U[:, 1], tensor), rtol=0, atol=64 * EPS)
    np.testing.assert_allclose(P(X)[:, 0], chebyshev_basis(X, 7, [0, -1], [2, 3]) @ P.coefficients, rtol=0,
                               atol=64 * EPS)


def test_the_basis_pieces_compose_to_the_basis_matrix():
    """to_unit, coefficient_tensor and clenshaw, the interface PolynomialApproximant is built on: P(x) = Φ(x) c."""
    lower, upper = np.array([0.0, -1.0]), np.array([2.0, 3.0])
    X = Box(lower, upper).sample(200, "sobol", rng=0)
    U = polynomial.to_unit(X, lower, upper)
    assert np.all(np.abs(U) <= 1)
    np.testing.assert_array_equal(polynomial.to_unit(np.stack([lower, upper]), lower, upper), [[-1, -1], [1, 1]])
    c = np.random.default_rng(0).standard_normal(math.comb(5 + 2, 2))
    tensor = polynomial.coefficient_tensor(c, 5, 2)
    assert tensor.shape == (6, 6) and tensor[3, 3] == 0  # |α| = 6 > 5
    assert (tensor[0, 0], tensor[1, 0], tensor[0, 1], tensor[5, 0], tensor[0, 5]) == (c[0], c[1], c[2], c[15], c[20])
    np.testing.assert_array_equal(np.sort(tensor[tensor != 0]), np.sort(c))
    np.testing.assert_allclose(polynomial.clenshaw(U, tensor), chebyshev_basis(X, 5, lower, upper) @ c, rtol=0,
                               atol=64 * EPS)


def test_polynomial_exchange_is_best_polynomial_with_the_points_it_ends_on():
    best, X, Y = polynomial.polynomial_exchange("runge", 6)
    same = best_polynomial("runge", 6)
    np.testing.assert_array_equal(best.coefficients, same.coefficients)
    assert (best.lower, best.value, best.n_points) == (same.lower, same.value, same.n_points)
    assert X.shape == (best.n_points, 1) and Y.shape == (best.n_points,)
    np.testing.assert_array_equal(Y, as_target("runge")(X)[:, 0])
    assert np.max(np.abs(best(X)[:, 0] - Y)) == pytest.approx(best.lower, rel=1e-6)  # the LP level, on its points
    with pytest.warns(ConvergenceWarning, match="^mine stopped after 1 rounds"):
        polynomial.polynomial_exchange("runge", 4, n_points=6, max_rounds=1, caller="mine")


def test_chunked_evaluation_is_bitwise_the_whole(monkeypatch):
    P = _random_polynomial(9, "[-1,1]^2", seed=2)
    X = Box([-1, -1], [1, 1]).sample(3000, "sobol", rng=1)
    whole = P(X)
    monkeypatch.setattr(polynomial, "BLOCK", 10 * 37)  # 37 rows per chunk in 2-D at degree 9
    np.testing.assert_array_equal(P(X), whole)
    np.testing.assert_array_equal(P(X[5:6]), whole[5:6])


def test_network_like_facts():
    P = _random_polynomial(29, "[-1,1]", width=10)
    assert (P.dim, P.n_outputs, P.n_params, P.degree, P.width) == (1, 1, 30, 29, 10)
    assert P.kind == "polynomial" and P.activation is None and not isinstance(P, ShallowNetwork)
    assert P.domain == Box(-1, 1)
    assert P.describe().startswith("Chebyshev polynomial of degree 29 on [-1,1]")
    assert "degree=29" in repr(P)
    assert not P.coefficients.flags.writeable
    assert _random_polynomial(7, "[-1,1]^2").n_params == 36


@pytest.mark.skipif(np.finfo(np.longdouble).eps >= EPS, reason="needs an extended-precision long double")
@pytest.mark.parametrize("degree, domain", [(300, "[-1,1]"), (300, "[100,101]"), (20, "[1000,1000.001]"),
                                            (60, "[0,6.283185307179586]"), (30, "[5,6]x[-3,-2]")])
def test_rounding_floor_is_not_below_the_true_rounding_error(degree, domain):
    P = _random_polynomial(degree, domain, seed=3)
    X = uat.domains.parse_domain(domain).sample(2048, "sobol", rng=0)
    lower, upper = (np.asarray(b, dtype=np.longdouble) for b in P.domain.bounds)
    U = (2 * X.astype(np.longdouble) - (lower + upper)) / (upper - lower)
    tensor = polynomial.coefficient_tensor(P.coefficients, degree, P.dim).astype(np.longdouble)
    exact = cheb.chebval(U[:, 0], tensor)
    for k in range(1, P.dim):
        exact = cheb.chebval(U[:, k], exact, tensor=False)
    error = float(np.max(np.abs(P(X)[:, 0] - exact)))
    assert error <= P.rounding_floor(X) <= 100 * max(error, EPS)


def test_save_and_load_round_trip(tmp_path):
    for P in (_random_polynomial(29, "[0,2]", width=10), _random_polynomial(7, Ball([0, 0], 2), seed=4),
              PolynomialApproximant([1.5], 0, "[-1,1]")):
        buffer = io.BytesIO()
        P.save(buffer)
        P.save(tmp_path / "p.npz")
        for source in (io.BytesIO(buffer.getvalue()), tmp_path / "p.npz", str(tmp_path / "p.npz")):
            loaded = PolynomialApproximant.load(source)
            np.testing.assert_array_equal(loaded.coefficients, P.coefficients)
            assert (loaded.degree, loaded.domain, loaded.width) == (P.degree, P.domain, P.width)
        with np.load(io.BytesIO(buffer.getvalue()), allow_pickle=False) as archive:
            assert archive["coefficients"].dtype == np.float64
            assert json.loads(str(archive["metadata"]))["format"] == "uat.Polynomial"


def _npz(**arrays) -> io.BytesIO:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    buffer.seek(0)
    return buffer


def _good_metadata(**changes):
    metadata = {"format": "uat.Polynomial", "format_version": 1, "basis": "chebyshev", "degree": 2, "dim": 1,
                "n_outputs": 1, "n_params": 3, "width": 1, "domain": "[-1,1]"} | changes
    return np.array(json.dumps(metadata))


@pytest.mark.parametrize("data, match", [
    (io.BytesIO(b"not an archive"), "not a uat polynomial file .not an .npz archive"),
    (_npz(coefficients=np.ones(3)), r"missing \['metadata'\]"),
    (_npz(metadata=_good_metadata()), r"missing \['coefficients'\]"),
    (_npz(coefficients=np.ones(3), metadata=np.array("{not json")), "metadata is not valid JSON"),
    (_npz(coefficients=np.ones(3), metadata=_good_metadata(format="uat.ShallowNetwork")),
     "not a uat polynomial file .format 'uat.ShallowNetwork'"),
    (_npz(coefficients=np.ones(3), metadata=_good_metadata(format_version=2)), "format_version 2"),
    (_npz(coefficients=np.ones(3), metadata=_good_metadata(basis="monomial")), "basis 'monomial'"),
    (_npz(coefficients=np.ones(3), metadata=_good_metadata(degree="2")), "degree must be an integer"),
    (_npz(coefficients=np.ones(3), metadata=_good_metadata(domain="[1,-1]")), "no readable domain"),
    (_npz(coefficients=np.ones(4), metadata=_good_metadata()), "metadata disagrees with the arrays.*shape .3,."),
    (_npz(coefficients=np.ones(3), metadata=_good_metadata(dim=2)), "metadata disagrees with the arrays"),
    (_npz(coefficients=np.ones(3), metadata=_good_metadata(n_params=4)), "metadata disagrees.*n_params"),
    (_npz(coefficients=np.array([1.0, np.nan, 0.0]), metadata=_good_metadata()), "coefficients must be finite"),
    (_npz(coefficients=np.array([1.0, None, 0.0], dtype=object), metadata=_good_metadata()), "needs unpickling"),
    (_npz(coefficients=np.array([1.0, 2j, 0.0]), metadata=_good_metadata()), "coefficients must be real numbers"),
    (_npz(coefficients=np.array(["a", "b", "c"]), metadata=_good_metadata()), "coefficients must be real numbers"),
])
def test_load_refuses_bad_files(data, match):
    with pytest.raises(ValueError, match=match):
        PolynomialApproximant.load(data)


def test_load_refuses_a_network_file_and_a_single_array(tmp_path):
    buffer = io.BytesIO()
    ShallowNetwork([[1.0]], [0.0], [[1.0]], "tanh").save(buffer)
    buffer.seek(0)
    with pytest.raises(ValueError, match="missing \\['coefficients'\\]"):
        PolynomialApproximant.load(buffer)
    np.save(tmp_path / "c.npy", np.ones(3))
    with pytest.raises(ValueError, match="a single .npy array"):
        PolynomialApproximant.load(tmp_path / "c.npy")
    with pytest.raises(FileNotFoundError):
        PolynomialApproximant.load(tmp_path / "absent.npz")


@pytest.mark.parametrize("args, error, match", [
    (([1.0, 2.0], 2, "[-1,1]"), ValueError, r"coefficients must have shape \(3,\).*got shape \(2,\)"),
    ((np.ones(6), 2, "[-1,1]"), ValueError, r"coefficients must have shape \(3,\)"),
    ((np.ones(4), 1, "[-1,1]^2"), ValueError, r"coefficients must have shape \(3,\)"),
    ((np.ones(3), -1, "[-1,1]"), ValueError, "degree must be an integer >= 0"),
    (([1.0, np.inf, 0.0], 2, "[-1,1]"), ValueError, "coefficients must be finite"),
    ((np.ones(3), 2, "[-1,1]", 0), ValueError, "width must be an integer >= 1"),
])
def test_constructor_refuses_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        PolynomialApproximant(*args)


# --- the degree matched to a network's parameter count ------------------------------------------

def test_matched_degree():
    assert matched_degree(1, 10) == 29  # 30 coefficients, 3·10 parameters
    assert matched_degree(2, 10) == 7 and math.comb(9, 2) == 36 <= 40 < math.comb(10, 2)
    for dim in (1, 2, 3):
        for width in range(1, 60):
            p, budget = matched_degree(dim, width), width * (dim + 2)
            assert math.comb(p + dim, dim) <= budget < math.comb(p + 1 + dim, dim)


@pytest.mark.parametrize("target, width, degree, n_params, budget", [
    ("runge", 10, 29, 30, 30), ("runge", 1, 2, 3, 3), ("franke", 10, 7, 36, 40), ("franke", 1, 1, 3, 4)])
def test_methods_match_the_degree_to_the_width(target, width, degree, n_params, budget):
    for method in ("chebyshev", "poly_minimax") if target == "runge" else ("poly_minimax",):
        result = uat.fit(target, width=width, method=method)
        assert isinstance(result.network, PolynomialApproximant)
        assert (result.network.degree, result.network.n_params, result.network.width) == (degree, n_params, width)
        assert result.diagnostics["degree"] == degree and result.diagnostics["n_params"] == n_params
        assert result.diagnostics["matched_network_params"] == budget
    assert uat.fit(target, width=width, method="poly_minimax", degree=3).network.degree == 3


# --- chebyshev: interpolation ----------------------------------------------------------------------

def test_chebyshev_end_to_end():
    result = uat.fit("runge", width=10, method="chebyshev")
    P = result.network
    assert result.n_samples == 30 and result.train_max < 1e-15
    estimate = uat.sup_error("runge", P)
    assert estimate.value == pytest.approx(result.sup_error().value, rel=1e-12)
    assert 1e-3 < estimate.value < 1e-2
    assert result.diagnostics["nodes"] == "chebyshev first kind"
    np.testing.assert_allclose(P.coefficients, cheb.chebinterpolate(lambda x: 1 / (1 + 25 * x**2), 29),
                               rtol=0, atol=16 * EPS)


@pytest.mark.parametrize("target, domain", [("runge", None), ("abs", None), ("exp(x) * sin(5*x)", "[0,3]"),
                                            ("sqrt", None)])
def test_chebyshev_interpolates_at_its_nodes(target, domain):
    fitted = _fitted(target, domain, width=7, method="chebyshev")
    lower, upper = (float(b[0]) for b in as_target(target, domain).domain.bounds)
    t = np.cos(np.pi * (2 * np.arange(21) + 1) / 42)[::-1]  # first-kind points on [-1, 1], ascending
    assert fitted.X.shape == (21, 1) and fitted.Y.shape == (21, 1)
    np.testing.assert_allclose(fitted.X[:, 0], (lower + upper) / 2 + (upper - lower) / 2 * t, rtol=0,
                               atol=4 * EPS * upper)
    np.testing.assert_array_equal(fitted.Y, as_target(target, domain)(fitted.X))
    error = np.max(np.abs(fitted.network(fitted.X) - fitted.Y))
    assert error <= 2 * fitted.network.rounding_floor(fitted.X) + 4 * EPS * np.max(np.abs(fitted.Y))


def test_chebyshev_converges_at_the_rate_of_runges_bernstein_ellipse():
    # Poles at ±i/5: the largest Bernstein ellipse of analyticity has ρ = 1/5 + sqrt(1 + 1/25), and the
    # interpolation error behaves as C·ρ^{-p}.
    rho = 0.2 + math.sqrt(1.04)
    degrees = np.arange(10, 101, 10)
    x = DENSE[:, None]
    errors = [np.max(np.abs(uat.fit("runge", width=1, method="chebyshev", degree=int(p)).network(x)[:, 0]
                            - 1 / (1 + 25 * DENSE**2))) for p in degrees]
    slope = np.polyfit(degrees, np.log(errors), 1)[0]
    assert slope == pytest.approx(-math.log(rho), rel=0.02)


def test_a_one_dimensional_ball_is_an_interval_for_chebyshev():
    on_ball = uat.fit("abs(x - 1)", Ball([1.0], 1.0), width=4, method="chebyshev").network
    on_box = uat.fit("abs(x - 1)", "[0,2]", width=4, method="chebyshev").network
    np.testing.assert_array_equal(on_ball.coefficients, on_box.coefficients)
    assert on_ball.domain == Ball([1.0], 1.0)


# --- poly_minimax: best approximation --------------------------------------------------------------

@pytest.mark.parametrize("target, degree", [("runge", 10), ("abs", 20), ("exp(x) * sin(5*x)", 8)])
def test_minimax_is_no_worse_than_interpolation(target, degree):
    domain = "[-1,1]"
    best = uat.fit(target, domain, width=1, method="poly_minimax", degree=degree)
    interpolant = uat.fit(target, domain, width=1, method="chebyshev", degree=degree)
    best_sup = best.sup_error().value
    interpolation_sup = interpolant.sup_error().value
    assert best.diagnostics["lower"] <= best_sup * (1 + LP_TOL)
    assert best_sup == pytest.approx(best.diagnostics["sup_estimate"], rel=1e-9)  # sup_error finds the same peak
    assert best_sup <= interpolation_sup
    assert best.diagnostics["lower"] <= interpolation_sup
    # Interpolation is near-best: within the Lebesgue constant 1 + Λ_p <= 2 + (2/π) log(p + 1).
    assert interpolation_sup <= (2 + 2 / np.pi * math.log(degree + 1)) * best_sup


def test_minimax_diagnostics_and_training_points():
    result = _fitted("runge", width=4, method="poly_minimax")
    d = result.diagnostics
    assert set(d) >= {"degree", "n_params", "matched_network_params", "lower", "sup_estimate", "converged", "rounds",
                      "n_points"}
    assert d["converged"] and d["rounds"] >= 1 and d["lower"] <= d["sup_estimate"] <= d["lower"] * (1 + 1e-3) + 1e-14
    assert result.X.shape == (d["n_points"], 1) and result.Y.shape == (d["n_points"], 1)
    np.testing.assert_array_equal(result.Y, as_target("runge")(result.X))
    train_max = np.max(np.abs(result.network(result.X) - result.Y))
    assert train_max == pytest.approx(d["lower"], rel=1e-6)  # the LP level is attained on its points
    best = best_polynomial("runge", 11)
    np.testing.assert_allclose(result.network.coefficients, best.coefficients[0], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(PolynomialApproximant.from_best(best)(DENSE), best(DENSE))


def test_minimax_on_the_disc():
    result = uat.fit("x1*x2", Ball([0, 0], 1), width=1, method="poly_minimax")  # 3 parameters: degree 1
    assert result.network.degree == 1 and result.network.domain == Ball([0, 0], 1)
    assert result.diagnostics["lower"] == pytest.approx(0.5, rel=1e-3)  # E₁ = 1/2 (see test_product_on_the_disc)


def test_minimax_warns_when_it_runs_out_of_rounds():
    with pytest.warns(ConvergenceWarning, match="poly_minimax stopped after 1 rounds"):
        result = uat.fit("runge", width=2, method="poly_minimax", degree=4, n_points=6, max_rounds=1)
    assert not result.diagnostics["converged"] and result.diagnostics["rounds"] == 1


def test_bernstein_constant():
    # Bernstein: 2n·E_{2n}(|x|) → β = 0.2801694990238691... (Varga & Carpenter 1985, who also show the gap
    # shrinks as 1/n²). Both ends of the bracket at 2n = 40, and Richardson's extrapolation from 2n = 20.
    beta = 0.2801694990238691
    ends = {}
    for degree in (20, 40):
        d = uat.fit("abs", width=1, method="poly_minimax", degree=degree, rtol=1e-6).diagnostics
        ends[degree] = (degree * d["lower"], degree * d["sup_estimate"])
        assert ends[degree][0] <= ends[degree][1] * (1 + LP_TOL)
    assert abs(ends[40][0] - beta) < 1e-3 and abs(ends[40][1] - beta) < 1e-3
    assert ends[20][1] < ends[40][0] < ends[40][1] < beta  # from below
    for end in (0, 1):
        assert abs((4 * ends[40][end] - ends[20][end]) / 3 - beta) < 1e-5


# --- σ and bad options ---------------------------------------------------------------------------------

def test_the_activation_is_ignored():
    for method in ("chebyshev", "poly_minimax"):
        assert get_method(method).activations is None and "σ is ignored" in get_method(method).description
        tanh = uat.fit("runge", width=3, activation="tanh", method=method).network
        relu = uat.fit("runge", width=3, activation="relu", method=method).network
        np.testing.assert_array_equal(tanh.coefficients, relu.coefficients)


@pytest.mark.parametrize("method, target, options, error, match", [
    ("chebyshev", "runge", dict(degree=-1), ValueError, "degree must be an integer >= 0 or 'match'.*got -1"),
    ("chebyshev", "runge", dict(degree="auto"), ValueError, "degree must be an integer >= 0 or 'match'.*'auto'"),
    ("chebyshev", "runge", dict(degree=2.5), TypeError, "degree must be an integer >= 0 or 'match'"),
    ("chebyshev", "runge", dict(degree=True), TypeError, "degree must be an integer >= 0 or 'match'"),
    ("chebyshev", "runge", dict(degree=None), TypeError, "degree must be an integer >= 0 or 'match'"),
    ("chebyshev", "runge", dict(n_points=10), TypeError, "unknown option 'n_points' for method 'chebyshev'"),
    ("poly_minimax", "runge", dict(degree=-2), ValueError, "degree must be an integer >= 0 or 'match'"),
    ("poly_minimax", "runge", dict(max_degree=-1), ValueError, "max_degree must be an integer >= 0"),
    ("poly_minimax", "runge", dict(rtol=0), ValueError, "rtol must be > 0"),
    ("poly_minimax", "runge", dict(max_rounds=0), ValueError, "max_rounds must be an integer >= 1"),
    ("poly_minimax", "runge", dict(degree=5, n_points=6), ValueError, "n_points must be an integer >= 7"),
    ("chebyshev", "franke", {}, ValueError, "method 'chebyshev' interpolates on an interval .* 2-D .*poly_minimax"),
    ("chebyshev", "radial", {}, ValueError, "method 'chebyshev' interpolates on an interval .*poly_minimax"),
    ("poly_minimax", "oscillatory", {}, ValueError, "method 'poly_minimax' fits polynomials on 1-D and 2-D .* 3-D"),
    ("chebyshev", "circle", {}, ValueError, "method 'chebyshev' fits scalar targets .* m = 2"),
    ("poly_minimax", "circle", {}, ValueError, "method 'poly_minimax' fits scalar targets .* m = 2"),
    ("poly_minimax", "runge", dict(degree=401), ValueError, "degree 401 .given. exceeds max_degree = 400 in 1-D"),
])
def test_bad_options_are_refused(method, target, options, error, match):
    with pytest.raises(error, match=match):
        uat.fit(target, width=2, method=method, **options)


def test_max_degree_guards_the_matched_degree():
    with pytest.raises(ValueError, match=r"degree 599 \(matched to width 200\) exceeds max_degree = 400 in 1-D.*"
                                         "pass a larger max_degree"):
        uat.fit("runge", width=200, method="poly_minimax")
    with pytest.raises(ValueError, match="degree 16 .matched to width 40. exceeds max_degree = 15 in 2-D"):
        uat.fit("franke", width=40, method="poly_minimax")
    assert uat.fit("runge", width=4, method="poly_minimax", max_degree=11).network.degree == 11
    with pytest.raises(ValueError, match="exceeds max_degree = 10"):
        uat.fit("runge", width=4, method="poly_minimax", max_degree=10)
