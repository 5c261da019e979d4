"""Constructive approximants (relu_interp, pl_best, sigmoid_staircase): exactness, known errors, a-priori bounds."""

import math

import numpy as np
import pytest

import uat
import uat.fitting.constructive  # noqa: F401  (importing registers the methods)
from uat import Ball

EPS = np.finfo(float).eps


def _fit(target, method, width, activation="relu", domain=None, **options):
    return uat.fit(target, domain, width=width, activation=activation, method=method, **options)


def _sup(result):
    """sup_K ‖f − g‖ as measured: attained at a point, so a lower bound of the true sup."""
    return uat.sup_error(result.target, result.network).value


def _knots(result):
    lo, hi = result.domain.lower[0], result.domain.upper[0]
    return np.linspace(lo, hi, result.width)


def _summation_tolerance(network, X, F):
    """Rounding bound of evaluating Σ_i c_i relu(x − t_i) at X: k·eps·max_x Σ_i |c_i|(relu(z_i) + |b_i|)
    (twice γ_k = k·u/(1 − k·u) of recursive summation, u = eps/2; |b_i| covers the rounding of z_i),
    plus eps·max|f| for the rounding of f itself."""
    terms = (np.maximum(X @ network.A.T + network.b, 0) + np.abs(network.b)) @ np.abs(network.C).T
    return network.width * EPS * float(terms.max()) + EPS * float(np.abs(F).max())


# --- relu_interp -----------------------------------------------------------------------------------

BATTERY = [("sin2pi", None), ("runge", None), ("abs", None), ("sawtooth", None), ("sqrt", None),
           ("quadratic", None), ("sin(x) + x**2", "[0,3]")]


@pytest.mark.parametrize("target, domain", BATTERY)
@pytest.mark.parametrize("width", [2, 7, 40])
def test_relu_interp_interpolates_at_the_knots(target, domain, width):
    result = _fit(target, "relu_interp", width, domain=domain)
    g = result.network
    assert g.d is None and g.width == width and g.activation.name == "relu"
    t = _knots(result)[:, None]
    F = result.target(t)
    assert result.n_samples == width and result.train_argmax in t  # the training points are the knots
    assert result.train_max <= _summation_tolerance(g, t, F)
    assert np.max(np.abs(g(t) - F)) <= _summation_tolerance(g, t, F)


def test_relu_interp_is_linear_between_knots_with_kinks_only_there():
    result = _fit("runge", "relu_interp", 9)
    g, t = result.network, _knots(result)
    inside = g.transition_points()
    inside = np.sort(inside[(inside >= -1) & (inside <= 1)])
    np.testing.assert_array_equal(inside, t[:-1])  # relu(x − l) at l, the hinges at t_1..t_{J−1}
    x = np.linspace(-1, 1, 4001)  # spacing 1/2000: the knots (multiples of 1/4) are grid points
    second = np.abs(np.diff(g(x[:, None])[:, 0], 2))
    at_knot = np.isin(x[1:-1], t[1:-1])
    assert second[~at_knot].max() <= 64 * EPS
    slopes = np.diff(result.target(t[:, None])[:, 0]) / 0.25
    np.testing.assert_allclose(second[at_knot], np.abs(np.diff(slopes)) / 2000, rtol=1e-9)


def test_relu_interp_error_for_x_squared_is_h2_over_4_and_the_bound_is_attained():
    # x² − s(x) = −(x − t_j)(t_{j+1} − x), largest h²/4 at the midpoints = h²/8·max|f″|.
    for width in (5, 17):
        result = _fit("quadratic", "relu_interp", width)
        h = 2 / (width - 1)
        assert _sup(result) == pytest.approx(h * h / 4, abs=1e-12)
        assert result.diagnostics["a_priori_bound"] == pytest.approx(h * h / 4, rel=1e-15)
        assert "h²/8" in result.diagnostics["a_priori_bound_kind"]


def test_relu_interp_error_for_sqrt_is_sqrt_h_over_4_under_the_hoelder_bound():
    # On [0, h] the error √x − x/√h peaks at x = h/4 with √h/4; elsewhere it is smaller. The Hölder bound
    # is ω(h/2) = √(h/2), so the ratio is 1/(2√2).
    for width in (9, 33):
        result = _fit("sqrt", "relu_interp", width)
        h = 1 / (width - 1)
        assert _sup(result) == pytest.approx(math.sqrt(h) / 4, rel=1e-9)
        assert result.diagnostics["a_priori_bound"] == pytest.approx(math.sqrt(h / 2), rel=1e-15)
        assert "α = 0.5" in result.diagnostics["a_priori_bound_kind"]


def test_relu_interp_error_scales_as_h_squared_like_its_bound():
    results = {k: _fit("sin2pi", "relu_interp", k) for k in (33, 65)}
    bounds = {k: r.diagnostics["a_priori_bound"] for k, r in results.items()}
    assert bounds[33] / bounds[65] == pytest.approx(4, rel=1e-12)
    assert _sup(results[33]) / _sup(results[65]) == pytest.approx(4, rel=0.05)  # measured 3.93


# --- bounds hold ------------------------------------------------------------------------------------

CASES = [("relu_interp", "relu", {}), ("pl_best", "relu", {}), ("sigmoid_staircase", "sigmoid", {}),
         ("sigmoid_staircase", "tanh", {"steepness": 3.0}), ("sigmoid_staircase", "heaviside", {}),
         ("sigmoid_staircase", "sigmoid", {"steepness": 0.7})]


@pytest.mark.parametrize("method, activation, options", CASES)
@pytest.mark.parametrize("target", ["sin2pi", "steep_tanh", "quadratic", "abs", "sawtooth",
                                    "sqrt", "sqrt_abs", "circle"])
def test_measured_sup_error_is_within_the_a_priori_bound(method, activation, options, target):
    for width in (6, 20):
        result = _fit(target, method, width, activation, **options)
        bound = result.diagnostics["a_priori_bound"]
        assert isinstance(bound, float) and bound > 0
        assert result.network.d is None and result.network.width == width
        assert _sup(result) <= bound * (1 + 1e-12) + 1e-14


@pytest.mark.parametrize("method, activation", [("relu_interp", "relu"), ("pl_best", "relu"),
                                                ("sigmoid_staircase", "sigmoid")])
def test_no_bound_without_facts_about_f(method, activation):
    result = _fit("sin(x) + x**2", method, 5, activation, domain="[0,3]")
    assert result.diagnostics["a_priori_bound"] is None
    assert "no modulus of continuity known" in result.diagnostics["a_priori_bound_kind"]


# --- pl_best ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["sin2pi", "runge", "steep_tanh", "sqrt", "sawtooth"])
def test_best_pl_fit_is_never_worse_than_interpolation(target):
    for width in (8, 24):
        best, interp = _fit(target, "pl_best", width), _fit(target, "relu_interp", width)
        assert best.diagnostics["lp_value"] <= best.diagnostics["sample_max"] * (1 + 1e-9) + 1e-15
        assert _sup(best) <= _sup(interp) * (1 + 1e-9) + 1e-14


def test_best_pl_fit_of_x_squared_is_the_interpolant_shifted_by_h2_over_8():
    # On each interval the best line of x² is s − h²/8 (error ±h²/8 at t_j, the midpoint, t_{j+1}); the shift
    # is the same everywhere, so the fit stays continuous and is the best continuous PL fit, uniquely.
    width = 17
    h = 2 / (width - 1)
    result = _fit("quadratic", "pl_best", width)
    assert result.diagnostics["lp_value"] == pytest.approx(h * h / 8, rel=1e-9)
    assert _sup(result) == pytest.approx(h * h / 8, rel=1e-9)
    t = _knots(result)
    np.testing.assert_allclose(result.network(t[:, None])[:, 0], t**2 - h * h / 8, atol=1e-12)
    assert result.diagnostics["points_per_interval"] % 2 == 0
    assert result.diagnostics["n_points"] == result.n_samples >= 4096


def test_pl_best_asks_highs_once_and_names_n_points_when_the_lp_fails(monkeypatch):
    from scipy.optimize import OptimizeResult

    import uat.fitting.minimax

    tried, failed = [], OptimizeResult(status=4, message="numerical difficulties", x=None)
    monkeypatch.setattr(uat.fitting.minimax, "linprog", lambda *args, method, **kwargs: tried.append(method) or failed)
    with pytest.raises(RuntimeError, match=r"^the best-PL linear program with 9 basis functions and 4097 points failed "
                                           r"in HiGHS \(HiGHS's choice of solver; status 4: numerical difficulties\); "
                                           r"fewer sample points \(n_points\) make it smaller$"):
        _fit("runge", "pl_best", 9)
    assert tried == ["highs"]


def test_pl_best_is_exact_for_a_piecewise_linear_target_on_its_knots():
    result = _fit("abs", "pl_best", 9)
    assert result.diagnostics["lp_value"] == 0.0
    assert _sup(result) <= 1e-14


# --- sigmoid_staircase -------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["sin2pi", "sqrt", "circle"])
def test_heaviside_staircase_takes_the_nearest_knot_value(target):
    width = 12
    result = _fit(target, "sigmoid_staircase", width, "heaviside")
    g, t = result.network, _knots(result)
    h = t[1] - t[0]
    F = result.target(t[:, None])
    tau = np.concatenate([[t[0]], (t[:-1] + t[1:]) / 2])  # step j covers [τ_j, τ_{j+1}), the last one closed
    ends = np.concatenate([tau[1:] - 1e-9 * h, [t[-1]]])
    X = np.stack([tau, (tau + ends) / 2, ends], axis=1)  # (J + 1, 3): start, middle, end of each step
    G = g(X.reshape(-1, 1)).reshape(width, 3, -1)
    tol = width * EPS * float(np.abs(g.C).sum(axis=1).max())
    assert np.max(np.abs(G - F[:, None, :])) <= tol


def test_sigmoid_and_tanh_give_the_same_staircase():
    x = np.linspace(-1, 1, 1001)[:, None]
    for steepness in (0.5, 10.0):
        sig = _fit("runge", "sigmoid_staircase", 10, "sigmoid", steepness=steepness)
        tanh = _fit("runge", "sigmoid_staircase", 10, "tanh", steepness=steepness)
        np.testing.assert_allclose(sig.network(x), tanh.network(x), atol=1e-14)
        assert sig.diagnostics["a_priori_bound"] == tanh.diagnostics["a_priori_bound"]
        assert sig.network.d is None and tanh.network.d is None


def test_staircase_tends_to_heaviside_as_steepness_grows_but_not_monotonically():
    # The bound ω(h/2) + ω(h)·2e^{−sh/2}/(1 − e^{−sh}) falls to the heaviside ω(h/2) as sh grows; the
    # error itself is smallest at moderate sh (smooth steps average neighbouring knot values) and then
    # rises to the staircase's error (measured for sin 2πx, k = 33: 2.9e-2 at sh = 5, 7.2e-2 at 10, 0.195 at ∞).
    heaviside = _fit("sin2pi", "sigmoid_staircase", 33, "heaviside")
    floor = heaviside.diagnostics["a_priori_bound"]
    assert floor == pytest.approx(2 * np.pi / 32, rel=1e-15)  # ω(h/2) = L·h/2, h = 1/16
    steep = [1.0, 5.0, 20.0, 100.0, 1e4]
    fits = [_fit("sin2pi", "sigmoid_staircase", 33, "sigmoid", steepness=s) for s in steep]
    bounds = np.array([r.diagnostics["a_priori_bound"] for r in fits])
    errors = np.array([_sup(r) for r in fits])
    assert np.all(np.diff(bounds) <= 0) and bounds[2] < bounds[1] < bounds[0] and bounds[-1] == pytest.approx(floor, rel=1e-12)
    assert np.all(errors <= bounds)
    gap = np.abs(errors - _sup(heaviside))
    assert np.all(np.diff(gap[1:]) < 0) and gap[-1] < 1e-3
    assert errors[1] < errors[0] and errors[1] < errors[2]  # not monotone: best near sh = 5


def test_staircase_reports_what_steepness_costs():
    d = _fit("sin2pi", "sigmoid_staircase", 17, "sigmoid", steepness=40.0).diagnostics
    h = 2 / 16
    assert d["slope"] == d["max_abs_a"] == pytest.approx(40 / h)
    assert d["lipschitz_g"] == pytest.approx(0.25 * d["slope"] * (d["sum_abs_c"] - 2 * abs(np.sin(-2 * np.pi))), rel=1e-12)
    assert d["tail_factor"] == pytest.approx(1 / math.sinh(20.0), rel=1e-12)
    assert d["rounding_floor"] > 0
    assert _fit("sin2pi", "sigmoid_staircase", 17, "heaviside").diagnostics["lipschitz_g"] is None


# --- bad input ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, activation", [("relu_interp", "relu"), ("pl_best", "relu"),
                                                ("sigmoid_staircase", "sigmoid")])
def test_refuses_what_it_cannot_do(method, activation):
    with pytest.raises(ValueError, match=rf"method '{method}' is 1-D only.*dimension 2.*n-D versions are not implemented"):
        _fit("franke", method, 5, activation)
    with pytest.raises(ValueError, match=r"1-D only.*got a Ball.*give the interval as a Box"):
        _fit("x**2", method, 5, activation, domain=Ball([0], 1))
    with pytest.raises(ValueError, match=rf"method '{method}' needs width >= 2.*got width=1"):
        _fit("sin2pi", method, 1, activation)


def test_refuses_bad_options_and_activations():
    for bad in (0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="steepness must be"):
            _fit("sin2pi", "sigmoid_staircase", 5, "sigmoid", steepness=bad)
    with pytest.raises(TypeError, match="steepness must be a real number; got 'steep'"):
        _fit("sin2pi", "sigmoid_staircase", 5, "sigmoid", steepness="steep")
    with pytest.raises(ValueError, match=r"steepness = 1e\+308 overflows"):
        _fit("sin2pi", "sigmoid_staircase", 5, "sigmoid", steepness=1e308)
    with pytest.raises(ValueError, match="n_points must be an integer >= 2; got 1"):
        _fit("sin2pi", "pl_best", 5, n_points=1)
    with pytest.raises(TypeError, match="unknown option 'steepness' for method 'pl_best'"):
        _fit("sin2pi", "pl_best", 5, steepness=3)
    with pytest.raises(ValueError, match="method 'relu_interp' does not support activation 'tanh'; accepted: relu: "
                                         r"pass activation='relu' \(in a study, \[methods.relu_interp\] activations = "
                                         r'\["relu"\] crosses it with these only'):
        _fit("sin2pi", "relu_interp", 5, "tanh")
    with pytest.raises(ValueError, match="does not support activation 'relu'; accepted: sigmoid, tanh, heaviside"):
        _fit("sin2pi", "sigmoid_staircase", 5, "relu")
