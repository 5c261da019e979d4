"""uat.fit: the front door, reproducibility, and results checked against approximation theory."""

import time

import numpy as np
import pytest

import uat
from uat.exceptions import IllConditionedWarning, TargetError
from uat.fitting import fit_widths, get_method

pytestmark = pytest.mark.filterwarnings("ignore::uat.IllConditionedWarning")


# --- the front door -------------------------------------------------------------------------------

def test_library_name_expression_callable_and_target_all_fit():
    by_name = uat.fit("runge", width=16)
    by_expression = uat.fit("1/(1+25*x**2)", "[-1,1]", width=16)
    by_callable = uat.fit(lambda X: 1 / (1 + 25 * X[:, 0] ** 2), uat.Box(-1, 1), width=16)
    by_target = uat.fit(uat.Target(lambda X: 1 / (1 + 25 * X[:, 0] ** 2), uat.Box(-1, 1)), width=16)
    for result in (by_expression, by_callable, by_target):
        np.testing.assert_allclose(result.network.C, by_name.network.C, rtol=1e-12)
    assert by_name.network.width == 16 and by_name.target.name == "runge"
    assert by_name.method == "lstsq" and by_name.activation == "tanh" and by_name.seed == 0
    assert by_name.fit_seconds > 0 and by_name.n_samples > 16


def test_result_carries_training_errors_and_diagnostics():
    result = uat.fit("sin2pi", width=32)
    X = uat.Box(-1, 1).sample(result.n_samples - 32, "chebyshev", rng=0)
    errors = np.abs(result.network(X)[:, 0] - np.sin(2 * np.pi * X[:, 0]))
    assert result.train_max >= errors.max()  # the training set contains these Chebyshev points
    assert result.train_rms <= result.train_max
    g_at = result.network(result.train_argmax[None])[0, 0]
    assert abs(g_at - np.sin(2 * np.pi * result.train_argmax[0])) == pytest.approx(result.train_max)
    for key in ("rank", "cond", "solver", "n_samples", "sampling", "scheme", "scale", "spread"):
        assert key in result.diagnostics
    assert result.diagnostics["sampling"] == "chebyshev"


def test_same_seed_same_network_other_seed_other_network():
    a, b = uat.fit("abs", width=24, seed=3), uat.fit("abs", width=24, seed=3)
    np.testing.assert_array_equal(a.network.A, b.network.A)
    np.testing.assert_array_equal(a.network.C, b.network.C)
    c = uat.fit("abs", width=24, seed=4)
    assert not np.array_equal(a.network.A, c.network.A)


def test_every_method_draws_the_same_hidden_layer_for_a_seed():
    lstsq = uat.fit("abs", width=12, seed=5)
    minimax = uat.fit("abs", width=12, seed=5, method="minimax")
    np.testing.assert_array_equal(lstsq.network.A, minimax.network.A)
    np.testing.assert_array_equal(lstsq.network.b, minimax.network.b)


def test_draws_are_nested_across_widths():
    narrow, wide = uat.fit("franke", width=10, seed=1), uat.fit("franke", width=40, seed=1)
    np.testing.assert_array_equal(narrow.network.A, wide.network.A[:10])
    np.testing.assert_array_equal(narrow.network.b, wide.network.b[:10])


@pytest.mark.parametrize("kwargs, error, match", [
    ({"width": 0}, ValueError, r"width must be an integer >= 1; got 0"),
    ({"width": 2.5}, TypeError, r"width must be an integer >= 1; got 2\.5"),
    ({"width": "8"}, TypeError, r"width must be an integer >= 1; got '8'"),
    ({"width": 8, "method": "lstqs"}, ValueError, r"unknown method 'lstqs' \(did you mean 'lstsq'\?\); valid names:"),
    ({"width": 8, "activation": "tahn"}, ValueError, r"unknown activation 'tahn' \(did you mean 'tanh'\?\)"),
    ({"width": 8, "n_sample": 100}, TypeError,
     r"unknown option 'n_sample' for method 'lstsq' \(did you mean 'n_samples'\?\); accepted: n_samples"),
    ({"width": 8, "sampling": "sobel"}, ValueError, r"unknown sampling 'sobel' \(did you mean 'sobol'\?\)"),
    ({"width": 8, "scheme": "uniform"}, ValueError, r"unknown scheme 'uniform'.*accepted: domain, gaussian"),
    ({"width": 8, "solver": "lu"}, ValueError, r"unknown solver 'lu'"),
    ({"width": 8, "seed": -1}, ValueError, r"seed must be an integer >= 0; got -1"),
    ({"width": 8, "n_samples": 0}, ValueError, r"n_samples must be an integer >= 1; got 0"),
])
def test_bad_input_is_refused_with_a_clear_message(kwargs, error, match):
    with pytest.raises(error, match=match):
        uat.fit("runge", **kwargs)


def test_dimension_mismatch_and_missing_domain():
    with pytest.raises(ValueError, match=r"uses x2, but the domain \[-1,1\] has dimension 1"):
        uat.fit("x1*x2", "[-1,1]", width=4)
    with pytest.raises(ValueError, match=r"needs a domain, e.g. domain='\[-1,1\]'"):
        uat.fit("sin(x)", width=4)
    with pytest.raises(ValueError, match=r"callable target needs a domain"):
        uat.fit(np.sin, width=4)


def test_target_values_are_checked():
    def bad(X):
        return np.where(X[:, 0] > 0.5, np.nan, X[:, 0])

    with pytest.raises(TargetError, match=r"target 'bad' returned a non-finite value \[nan\] at x = \[0\.5"):
        uat.fit(bad, "[0,1]", width=4, sampling="grid")


def test_every_registered_method_documents_its_options():
    for name in uat.list_methods():
        method = get_method(name)
        assert set(method.option_docs) == set(method.options), name


# --- the all-widths sweep -------------------------------------------------------------------------

def test_fit_widths_agrees_with_separate_fits():
    # 2-D, so no transition points are added: the training set is the same for every width.
    sweep = fit_widths("franke", widths=[4, 16, 64], seed=2, n_samples=1024)
    for k, result in sweep.items():
        single = uat.fit("franke", width=k, seed=2, n_samples=1024)
        np.testing.assert_array_equal(result.network.A, single.network.A)
        np.testing.assert_allclose(result.network.C, single.network.C, rtol=1e-7, atol=1e-9)
        assert result.train_rms == pytest.approx(single.train_rms, rel=1e-6)


def test_fit_widths_training_error_never_increases():
    # Nested least squares: the minimum over a larger space is never larger. The computed residual
    # of a computed solution carries rounding that grows with the condition number: to 1e-9 while
    # cond < 1e10, and at about 1e-4 relative by cond ~ 1e13 (measured), hence two tolerances.
    sweep = fit_widths("exp_cos", widths=range(1, 41), seed=0)
    rms = [sweep[k].train_rms for k in range(1, 41)]
    conds = [sweep[k].diagnostics["cond"] for k in range(1, 41)]
    for k in range(39):
        slack = 1e-9 if conds[k + 1] < 1e10 else 1e-3
        assert rms[k + 1] <= rms[k] * (1 + slack), (k + 2, rms[k], rms[k + 1], conds[k + 1])
    assert rms[-1] < 1e-6 * rms[0]


def test_fit_widths_refuses_empty_widths():
    with pytest.raises(ValueError, match=r"widths must contain at least one integer"):
        fit_widths("runge", widths=[])


# --- known mathematics ----------------------------------------------------------------------------
# A polynomial σ of degree p makes g a polynomial of degree <= p, so no width can beat the best
# uniform polynomial approximation E_p(f). For f = |x| on [-1, 1]: E_1 = 1/2 (the constant 1/2),
# E_2 = E_3 = 1/8 (x² + 1/8 equioscillates at 0, ±1/2, ±1; |x| is even, so cubics do no better).

@pytest.mark.parametrize("activation, best", [("identity", 0.5), ("square", 0.125), ("cube", 0.125)])
def test_polynomial_activations_cannot_beat_the_best_polynomial(activation, best):
    for width in (4, 16, 64):
        for method in ("lstsq", "minimax"):
            result = uat.fit("abs", width=width, activation=activation, method=method)
            assert result.sup_error().value >= best * (1 - 1e-9)
    # ...and minimax attains it: the span of (a_i x + b_i)^p for generic units is all degree-p polynomials.
    attained = uat.fit("abs", width=8, activation=activation, method="minimax").sup_error().value
    assert attained == pytest.approx(best, rel=1e-3)


def test_a_non_polynomial_activation_beats_the_polynomial_floor():
    assert uat.fit("abs", width=64, activation="tanh").sup_error().value < 0.125 / 10


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
@pytest.mark.parametrize("method", ["lstsq", "minimax"])
def test_relu_networks_are_bounded_by_the_best_piecewise_linear_error(activation, method):
    # g is continuous piecewise linear with at most k kinks: k + 1 pieces. For the strictly convex
    # x² on [0, 1], the best uniform approximation by p linear pieces has error 1/(8 p²)
    # (some piece is >= 1/p long, and a line is off by h²/8 on an interval of length h).
    errors = []
    for width in (3, 10, 30):
        result = uat.fit("x**2", "[0,1]", width=width, activation=activation, method=method)
        errors.append(result.sup_error().value)
        assert errors[-1] >= 1 / (8 * (width + 1) ** 2) * (1 - 1e-9)
    # Random kinks sit well above that optimum (the largest gap between k random kinks is about
    # log(k)/k), but the error does fall with the width.
    assert errors[2] < errors[0] / 4


def test_heaviside_networks_are_bounded_by_the_best_step_function():
    # g is piecewise constant with at most k jumps; f = x on [0, 1] by p constant pieces: 1/(2p).
    for width in (4, 16):
        estimate = uat.fit("x", "[0,1]", width=width, activation="heaviside").sup_error()
        assert estimate.value >= 1 / (2 * (width + 1)) * (1 - 1e-9)


def test_sup_error_of_a_fit_is_never_below_its_training_maximum():
    for target in ("sawtooth", "franke", "circle"):
        result = uat.fit(target, width=40, activation="relu")
        assert result.sup_error().value >= result.train_max


def test_minimax_beats_least_squares_in_the_sup_norm():
    lstsq = uat.fit("abs", width=32, seed=1).sup_error().value
    minimax_result = uat.fit("abs", width=32, seed=1, method="minimax")
    minimax = minimax_result.sup_error().value
    assert minimax < 0.8 * lstsq
    assert minimax_result.diagnostics["converged"]
    # The exchange's level is the best on its points, so the sup over K cannot be below it.
    assert minimax >= minimax_result.diagnostics["level"] * (1 - 1e-9)


def test_transition_points_make_relu_least_squares_well_posed():
    # Without them, kinks sharing a sample interval leave g undetermined there: the sup error
    # over K is far above the training error. With every kink a training point it is not.
    # (The kinks are spread evenly, so on the default 2048 points few share an interval; on 768
    # many do: measured sup error 1.2e-2 against a training max of 1.1e-4.)
    with_points = uat.fit("sin2pi", width=512, activation="relu")
    without = uat.fit("sin2pi", width=512, activation="relu", transitions=False, n_samples=768)
    assert with_points.diagnostics["rank"] == 512
    assert with_points.sup_error().value <= with_points.train_max * (1 + 1e-9)
    assert without.sup_error().value > 30 * without.train_max


def test_smooth_targets_reach_near_rounding_level():
    # measured 5.2e-11 at a floor of 6.0e-11 (seed 0; the median over seeds 0-7 is 6.4e-12)
    estimate = uat.fit("runge", width=256).sup_error()
    assert estimate.value < 1e-10 and estimate.value <= 10 * estimate.floor


def test_rank_deficiency_is_reported():
    with pytest.warns(IllConditionedWarning, match=r"rank \d+ < width 128"):  # records despite the ignore
        result = uat.fit("runge", width=128)
    assert result.diagnostics["rank"] < 128


def test_fit_widths_with_a_fixed_max_width_gives_the_same_networks_as_the_whole_sweep():
    # What a resumed study relies on: fitting some widths later gives the networks of the full sweep.
    whole = fit_widths("abs", widths=[4, 8, 16, 32], seed=7, activation="relu")
    part = fit_widths("abs", widths=[8, 32], seed=7, activation="relu", max_width=32)
    for k in (8, 32):
        np.testing.assert_array_equal(part[k].network.A, whole[k].network.A)
        np.testing.assert_allclose(part[k].network.C, whole[k].network.C, rtol=1e-9, atol=1e-12)
        assert part[k].n_samples == whole[k].n_samples
    with pytest.raises(ValueError, match=r"max_width must be >= the largest width 32; got 16"):
        fit_widths("abs", widths=[8, 32], max_width=16)


def test_option_values_are_checked_before_any_work():
    method = get_method("lstsq")
    with pytest.raises(TypeError, match=r"transitions must be true or false; got 'yes'"):
        method.validate({**method.options, "transitions": "yes"})
    with pytest.raises(ValueError, match=r"max_rounds must be an integer >= 1; got 0"):
        uat.fit("abs", width=4, method="minimax", max_rounds=0)


# --- huge and tiny targets: errors are their values, never inf or 0 (issue 15) ----------------------------------

@pytest.mark.parametrize("method", ["lstsq", "minimax"])
@pytest.mark.parametrize("power", [660, -660])
def test_a_target_scaled_by_a_power_of_two_is_fitted_exactly_scaled(method, power):
    """2^±660·sin x is sin x with another exponent: every number of the fit must be 2^±660 times sin x's,
    bit for bit (1e200·sin x had training errors inf and an overflow warning; 1e-200·sin x would be 0)."""
    small = uat.fit("sin(x)", "[-1,1]", width=8, method=method)
    scaled = uat.fit(f"2**({power})*sin(x)", "[-1,1]", width=8, method=method)
    factor = 2.0**power
    np.testing.assert_array_equal(scaled.network.C, factor * small.network.C)
    assert scaled.train_rms == factor * small.train_rms and scaled.train_max == factor * small.train_max
    assert 0 < scaled.train_rms < np.inf
    assert uat.rms_error(scaled.target, scaled.network) == factor * uat.rms_error(small.target, small.network)


def test_backprop_fits_a_huge_target_on_its_scaled_values():
    """Issue 15: 1e200·sin x with method backprop died with "'NoneType' object is not subscriptable"
    (the first loss overflowed, so no parameters were ever the best). Trained on Y/2^e, it errs as sin x does."""
    small = uat.fit("sin(x)", "[-1,1]", width=8, method="backprop", max_iter=100)
    huge = uat.fit("1e200*sin(x)", "[-1,1]", width=8, method="backprop", max_iter=100)
    assert huge.diagnostics["y_scale"] == 2.0**664 and "y_scale" not in small.diagnostics
    assert np.isfinite(huge.train_max) and huge.train_max / 1e200 == pytest.approx(small.train_max, rel=0.5)
    assert huge.sup_error().value / 1e200 == pytest.approx(small.sup_error().value, rel=0.5)
    tiny = uat.fit("1e-200*sin(x)", "[-1,1]", width=8, method="backprop", max_iter=100)
    assert tiny.train_max / 1e-200 == pytest.approx(small.train_max, rel=0.5)


def test_output_weights_that_overflow_are_refused_naming_the_targets_size():
    """Issue 15: 1e308·x gave "C must be finite; got nan"; a narrow fit of it is finite and reported."""
    with pytest.raises(ValueError, match=r"least squares: the output weights C overflow float64 \(they would reach "
                                         r"\S+ x \S+, for target values up to 1e\+308\): rescale the target"):
        uat.fit("1e308*x", "[-1,1]", width=64)
    narrow = uat.fit("1e308*x", "[-1,1]", width=4)
    assert np.all(np.isfinite(narrow.network.C)) and 0 < narrow.train_max < 1e307
    with pytest.raises(ValueError, match=r"minimax: the output weights C overflow float64 \(they would reach "
                                         r"\S+ x \S+, for target values up to 1e\+308\): rescale the target"):
        uat.fit("1e308*x", "[-1,1]", width=64, method="minimax")
    with pytest.raises(ValueError, match=r"backprop: the output weights C overflow float64 \(they would reach "
                                         r"\S+ x \S+, trained on the target divided by \S+\): rescale the target"):
        uat.fit("1e308*x", "[-1,1]", width=4, method="backprop", max_iter=20)


def test_a_training_error_that_overflows_is_refused():
    from uat.fitting.base import training_errors

    g = uat.ShallowNetwork([[1.0]], [0.0], [[1e308]], "identity")
    X = np.array([[0.5], [1.0]])
    with pytest.raises(ValueError, match=r"the training error f − g overflows float64 at x = \[1.0\]"):
        training_errors(g, X, np.array([[0.0], [-1e308]]))
    with pytest.raises(ValueError, match=r"the fitted approximant is not finite at the training point x = \[1.0\]"):
        training_errors(uat.ShallowNetwork([[1e103]], [0.0], [[1.0]], "cube"), X, np.zeros((2, 1)))  # (1e103)³ = inf


# --- memory: refused at the front door, before any allocation ---------------------------------------

def test_a_fit_needing_more_memory_than_available_is_refused_before_allocating(monkeypatch):
    import uat.fitting.base as base

    monkeypatch.setattr(base, "available_memory", lambda: 1e6)
    assert uat.fit("runge", width=16).network.width == 16  # 2064 x (2·16 + 2) x 8 bytes = 5.6e5: fits
    with pytest.raises(ValueError, match=r"^width = 64 with n_samples = 2048 \(the default, max\(2048, 4·width\)\) "
                                         r"needs about 2.2e\+06 bytes for the feature matrix \(n_samples × width "
                                         r"float64, twice: Φ and the copy QR factorises\); this machine has 1e\+06 "
                                         r"available: lower width or n_samples$"):
        uat.fit("runge", width=64)
    with pytest.raises(ValueError, match=r"^width = 4 with n_samples = 100000 needs about"):
        uat.fit("runge", width=4, n_samples=100_000)
    with pytest.raises(ValueError, match=r"and on the 16384 check points"):
        uat.fit("runge", width=8, method="minimax")
    with pytest.raises(ValueError, match=r"^width = 64 with n_samples = 2048.* needs about"):
        uat.fit_widths("runge", widths=[8, 64])
    with pytest.raises(ValueError, match=r"^width = 64 with n_samples = 2048 .* needs about 1.1e\+06 bytes for the "
                                         r"feature matrix \(n_samples × width float64\)"):
        uat.fit("runge", width=64, method="backprop")  # methods without an estimate of their own: one Φ
    monkeypatch.setattr(base, "available_memory", lambda: 2.3e10)
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"^width = 100000000 with n_samples = 400000000 .* needs about 8e\+17 bytes "
                                         r"for the feature matrix .*; this machine has 2.3e\+10 available"):
        uat.fit("runge", width=100_000_000)
    assert time.perf_counter() - start < 1


def test_available_memory_is_the_machines():
    from uat.fitting.base import available_memory

    available = available_memory()
    assert available is None or 1e6 < available < 1e15
