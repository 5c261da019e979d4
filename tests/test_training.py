"""The samples stage (uat.fitting.training) and options declared once (uat.fitting.base.Option)."""

import numpy as np
import pytest

import uat
from uat.fitting import get_method
from uat.fitting.base import Method, Option, Problem, as_given, optional, streams
from uat.fitting.training import DRAW_OPTIONS, TrainingSet, check_bool, training_set
from uat._validation import check_int, check_real


def _problem(target="runge", width=12, seed=3, activation="tanh"):
    draw_rng, sample_rng = streams(seed)
    return Problem(uat.get_target(target), width, uat.get_activation(activation), draw_rng, sample_rng)


def test_training_set_is_what_lstsq_fits_on():
    samples = training_set(_problem())
    result = uat.fit("runge", width=12, seed=3)
    np.testing.assert_array_equal(samples.A, result.network.A)
    np.testing.assert_array_equal(samples.b, result.network.b)
    assert samples.n_samples == result.n_samples == samples.X.shape[0] == samples.Y.shape[0]
    assert samples.options == {key: result.diagnostics[key] for key in DRAW_OPTIONS}
    np.testing.assert_array_equal(samples.Y, uat.get_target("runge")(samples.X))


def test_training_set_arrays_are_read_only():
    samples = training_set(_problem())
    assert isinstance(samples, TrainingSet)
    for array in (samples.X, samples.Y, samples.A, samples.b):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0.0


def test_draws_are_nested_and_streams_separate():
    narrow, wide = training_set(_problem(width=5)), training_set(_problem(width=40))
    np.testing.assert_array_equal(narrow.A, wide.A[:5])
    np.testing.assert_array_equal(narrow.b, wide.b[:5])
    sobol = training_set(_problem(target="franke", width=8), sampling="sobol", n_samples=64)
    grid = training_set(_problem(target="franke", width=8), sampling="grid", n_samples=64)
    np.testing.assert_array_equal(sobol.A, grid.A)  # the points' options do not move the draw
    gaussian = training_set(_problem(target="franke", width=8), sampling="sobol", n_samples=64, scheme="gaussian")
    np.testing.assert_array_equal(sobol.X, gaussian.X)  # nor the draw's options the points
    assert not np.array_equal(sobol.A, gaussian.A)


def test_training_set_defaults_and_transitions():
    samples = training_set(_problem(width=10))
    assert samples.options["sampling"] == "chebyshev" and samples.options["transitions"]
    assert samples.n_samples > 2048  # the default 2048 points and the transition points inside K
    plain = training_set(_problem(width=10), transitions=False, n_samples=100.0)
    assert plain.n_samples == 100 and plain.options == {**samples.options, "n_samples": 100, "transitions": False}


def test_training_set_refuses_unknown_and_bad_options():
    with pytest.raises(TypeError, match="unknown draw option 'n_sample'.*n_samples"):
        training_set(_problem(), n_sample=10)
    with pytest.raises(ValueError, match="spread"):
        training_set(_problem(), spread=-1)
    with pytest.raises(TypeError, match="transitions must be true or false; got 1"):
        check_bool("transitions", 1)


def test_declared_options_make_the_method_fields():
    declared = {"n": Option(None, "points", optional(check_int)),
                "tol": Option(0.5, "tolerance", as_given(check_real))}
    method = Method.declare("demo", lambda problem, **options: None, "a demo", declared)
    assert method.options == {"n": None, "tol": 0.5}
    assert method.option_docs == {"n": "points", "tol": "tolerance"}
    values = {"n": 10.0, "tol": 1}
    method.validate(values)
    assert values == {"n": 10, "tol": 1} and isinstance(values["n"], int)  # normalised, or kept as given
    with pytest.raises(ValueError, match="n must be"):
        method.validate({"n": 0, "tol": 1.0})


def test_registered_methods_share_the_draw_options():
    for name in ("lstsq", "minimax", "backprop"):
        method = get_method(name)
        assert list(method.options)[:len(DRAW_OPTIONS)] == list(DRAW_OPTIONS)
    assert get_method("backprop").options["transitions"] is False
    assert get_method("lstsq").option_docs["n_samples"] == DRAW_OPTIONS["n_samples"].doc


def test_fit_widths_has_fits_front_door():
    with pytest.raises(ValueError, match="needs a domain"):
        uat.fit_widths(lambda X: X[:, 0], widths=[2, 4])
    with pytest.raises(TypeError, match="unknown option 'sovler'"):
        uat.fit_widths("runge", widths=[2, 4], sovler="qr")


def test_default_solver_and_minimax_rcond():
    from uat.fitting.lstsq import default_solver
    from uat.fitting.minimax import minimax_rcond

    tanh, relu = uat.get_activation("tanh"), uat.get_activation("relu")
    assert default_solver(tanh) == "qr" and default_solver(relu) == "auto" and default_solver(relu, "svd") == "svd"
    eps = np.finfo(float).eps
    assert minimax_rcond(tanh, 100, 10) == 4 * eps and minimax_rcond(relu, 100, 10) == 100 * eps


def test_statuses_are_a_fixed_vocabulary_with_messages():
    from uat.fitting.status import STATUSES, status_facts, status_text

    assert status_facts("converged", "gtol") == {"status": "converged: gtol", "outcome": "converged",
                                                 "message": STATUSES["converged"] + " (gtol)"}
    assert status_text("target_reached") == "target reached" and status_text("max_iter") == "max_iter"
    with pytest.raises(ValueError, match="unknown fit outcome 'done'; the vocabulary is converged"):
        status_facts("done")


def test_iterative_fits_report_an_outcome_of_the_vocabulary():
    from uat.fitting.status import STATUSES

    budget = uat.fit("sin2pi", width=4, method="backprop", optimizer="adam", max_iter=3, n_samples=64)
    assert (budget.diagnostics["outcome"], budget.diagnostics["status"]) == ("max_iter", "max_iter")
    assert budget.diagnostics["message"] == STATUSES["max_iter"]
    flat = uat.fit("0*x", "[-1,1]", width=4, method="backprop", optimizer="gd", init="glorot", gtol=1.0,
                   n_samples=64)
    assert flat.diagnostics["outcome"] == "converged" and flat.diagnostics["status"] == "converged: gtol"
    reached = uat.fit("sin2pi", width=8, method="backprop", target_rms=1.0, n_samples=64)
    assert reached.diagnostics["outcome"] == "target_reached" and reached.diagnostics["status"] == "target reached"
