"""The backprop method: optimizers, stopping, divergence, initialisation, variable projection."""

import numpy as np
import pytest

import uat
from uat.activations import get_activation
from uat.exceptions import ConvergenceWarning
from uat.fitting.backprop import OPTIMIZERS, _Projection
from uat.fitting.gradients import Objective

SMALL = dict(n_samples=128, seed=3)


def _fit(optimizer, **options):
    return uat.fit("sin2pi", width=6, method="backprop", optimizer=optimizer, **{**SMALL, **options})


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimizer_lowers_the_loss_and_is_reproducible(optimizer):
    iterations = 30 if optimizer in ("lm", "varpro", "lbfgs") else 300
    first = _fit(optimizer, init="glorot", max_iter=iterations)
    loss = first.history["loss"]
    assert loss[-1] < 0.8 * loss[0], (optimizer, loss[0], loss[-1])
    assert first.train_rms**2 == pytest.approx(first.diagnostics["loss"], rel=1e-9)
    assert first.diagnostics["loss"] == np.min(loss)  # varpro's final least-squares C is in the history too
    again = _fit(optimizer, init="glorot", max_iter=iterations)
    for name in "AbC":
        np.testing.assert_array_equal(getattr(first.network, name), getattr(again.network, name))
    np.testing.assert_array_equal(first.history["loss"], again.history["loss"])


def test_history_has_one_entry_per_update_and_gauss_newton_never_goes_up():
    result = _fit("lm", max_iter=25)
    h = result.history
    assert len(h["loss"]) == len(h["iteration"]) == len(h["seconds"]) == result.diagnostics["iterations"] + 1
    np.testing.assert_array_equal(h["iteration"], np.arange(len(h["loss"])))
    assert np.all(np.diff(h["loss"]) <= 0) and np.all(np.diff(h["seconds"]) >= 0)


def test_the_draw_init_starts_where_least_squares_does():
    """Same seed, same A, b; with no update at all the network is the least-squares fit (ridge 0)."""
    lstsq = uat.fit("runge", width=12, seed=5, n_samples=256, sampling="grid", transitions=False)
    start = uat.fit("runge", width=12, seed=5, n_samples=256, method="backprop", optimizer="lm", max_iter=0,
                    ridge=0.0)
    np.testing.assert_array_equal(start.network.A, lstsq.network.A)
    np.testing.assert_array_equal(start.network.b, lstsq.network.b)
    x = np.linspace(-1, 1, 1001)[:, None]
    np.testing.assert_allclose(start.network(x), lstsq.network(x), atol=1e-9)  # C itself is ill-determined
    assert start.diagnostics["status"] == "max_iter" and start.diagnostics["iterations"] == 0


def test_warm_start_from_a_network_continues_from_its_loss():
    lstsq = uat.fit("sin2pi", width=8, n_samples=128, sampling="grid", transitions=False, seed=1)
    warm = uat.fit("sin2pi", width=8, n_samples=128, seed=1, method="backprop", optimizer="lm", init=lstsq.network,
                   max_iter=10, ridge=0.0)
    assert warm.history["loss"][0] == pytest.approx(lstsq.train_rms**2, rel=1e-9)
    assert warm.train_rms < lstsq.train_rms
    assert warm.diagnostics["init"] == "network"
    with pytest.raises(ValueError, match="width 9"):
        uat.fit("sin2pi", width=9, method="backprop", init=lstsq.network)
    with pytest.raises(ValueError, match="activation"):
        uat.fit("sin2pi", width=8, method="backprop", activation="sigmoid", init=lstsq.network)


def test_divergence_stops_with_the_best_finite_parameters_and_a_warning():
    with pytest.warns(ConvergenceWarning, match="diverged"):
        result = _fit("gd", lr=1e6, init="glorot", max_iter=500)
    d = result.diagnostics
    assert d["status"] == "diverged" and d["iterations"] < 500
    assert not np.isfinite(d["optimizer_loss"]) and np.isfinite(d["loss"]) and "final_loss" not in d
    assert all(np.all(np.isfinite(getattr(result.network, p))) for p in "AbC")
    assert d["loss"] <= result.history["loss"][0]
    assert result.train_rms**2 == pytest.approx(d["loss"], rel=1e-9)


def test_stopping_rules():
    reached = _fit("lm", target_rms=3e-3, max_iter=500)
    assert reached.diagnostics["status"] == "target reached" and reached.train_rms <= 3e-3
    budget = _fit("adam", max_iter=10**7, max_seconds=0.2)
    assert budget.diagnostics["status"] == "max_seconds" and budget.diagnostics["iterations"] < 10**7
    flat = _fit("gd", init="glorot", gtol=1e3)  # every gradient entry is below 1e3 at the start
    assert flat.diagnostics["status"] == "converged: gtol" and flat.diagnostics["iterations"] == 0


def test_checkpoints_record_the_sup_error_every_n_steps():
    result = _fit("lm", max_iter=12, checkpoint_every=4)
    h = result.history
    assert list(h["checkpoint_iteration"]) == [0, 4, 8, 12][: len(h["checkpoint_iteration"])]
    assert len(h["checkpoint_iteration"]) >= 3
    sup = h["checkpoint_sup_error"]
    assert np.all(np.isfinite(sup)) and np.all(sup > 0)
    # the sup norm over K is at least the RMS over the training points at the same iteration
    assert np.all(sup >= np.sqrt(h["loss"][h["checkpoint_iteration"]]) * 0.999)


def test_the_history_ends_with_variable_projections_final_least_squares_c():
    """The re-solve of C is no update: one more entry at the last iteration, marked, with its sup error."""
    result = _fit("varpro", init="glorot", max_iter=20, checkpoint_every=10)
    h, d = result.history, result.diagnostics
    assert d["phases"][-1] == {"phase": "lstsq C", "iterations": 0, "status": "kept", "loss": d["loss"]}
    assert h["resolve_c"].tolist() == [False] * (len(h["loss"]) - 1) + [True]
    assert h["iteration"][-1] == h["iteration"][-2] == d["iterations"] == 20
    assert h["loss"][-1] == d["loss"] == pytest.approx(result.train_rms**2, rel=1e-9)
    assert d["optimizer_loss"] == h["loss"][-2] and d["loss"] < 1e-3 * d["optimizer_loss"]  # the drop is shown
    assert h["checkpoint_iteration"].tolist() == [0, 10, 20, 20]
    assert h["checkpoint_resolve_c"].tolist() == [False, False, False, True]
    assert h["checkpoint_sup_error"][-1] == uat.sup_error(result.target, result.network).value
    assert h["checkpoint_sup_error"][-1] < 0.1 * h["checkpoint_sup_error"][-2]
    # a checkpoint is timed at its entry: the time its own sup estimate takes is not training
    np.testing.assert_array_equal(h["checkpoint_seconds"], h["seconds"][[0, 10, 20, 21]])
    other = _fit("lm", max_iter=5)  # no re-solve: every entry is an update
    assert not other.history["resolve_c"].any() and other.diagnostics["optimizer_loss"] == other.history["loss"][-1]


def test_variable_projection_reaches_small_errors_and_says_which_path():
    result = uat.fit("sin2pi", width=10, n_samples=1024, seed=0, method="backprop")
    d = result.diagnostics
    assert d["optimizer"] == "varpro" and d["path"].startswith("varpro")
    assert [p["phase"] for p in d["phases"]] == d["path"].split("+") + ["lstsq C"]
    assert sum(p["iterations"] for p in d["phases"]) == d["iterations"]
    assert result.sup_error().value < 5e-6  # measured 2.4e-6 (seed 0; median of seeds 0-11: 1.5e-6)
    lstsq = uat.fit("sin2pi", width=10, n_samples=1024, seed=0)
    assert result.sup_error().value < 1e-2 * lstsq.sup_error().value
    alone = uat.fit("sin2pi", width=6, n_samples=128, method="backprop", fallback=False, max_iter=5)
    assert alone.diagnostics["path"] == "varpro"


@pytest.mark.parametrize("ridge", [0.0, 1e-6])
def test_variable_projection_jacobian_gives_the_exact_gradient(ridge):
    """Kaufman's Jacobian drops a term, but 2 Jᵀr is still the gradient of the projected objective."""
    rng = np.random.default_rng(4)
    X, Y = rng.uniform(-1, 1, (60, 2)), rng.normal(size=(60, 2))
    projection = _Projection(Objective(X, Y, get_activation("tanh"), 4, threads=1), ridge, 1e-14)
    ab = rng.normal(size=12)
    r, J = projection.jacobian(ab)

    def f(x):
        res = projection.evaluate(x)
        return res @ res

    h = 1e-6
    fd = np.array([(f(ab + h * e) - f(ab - h * e)) / (2 * h) for e in np.eye(12)])
    np.testing.assert_allclose(2 * J.T @ r, fd, rtol=1e-6, atol=1e-9)
    assert projection.data_loss(ab) <= f(ab) + 1e-15  # the ridge term is added, never subtracted


def test_vector_targets_in_two_dimensions():
    result = uat.fit("vortex", width=8, method="backprop", optimizer="lm", n_samples=256, max_iter=20)
    assert result.network.n_outputs == 2 and result.network.dim == 2
    assert result.history["loss"][-1] < 0.5 * result.history["loss"][0]


def test_weights_equal_to_one_change_nothing_and_zero_weights_ignore_points():
    plain = _fit("lm", max_iter=5)
    ones = _fit("lm", max_iter=5, weights=lambda X: np.ones(len(X)))
    np.testing.assert_array_equal(plain.network.C, ones.network.C)
    right = _fit("lm", max_iter=5, weights=lambda X: (X[:, 0] > 0).astype(float))
    assert right.history["loss"][-1] < right.history["loss"][0]
    with pytest.raises(ValueError, match="weights"):
        _fit("lm", max_iter=5, weights=lambda X: -np.ones(len(X)))


def test_minimax_refinement_lowers_the_sup_error():
    options = dict(width=12, n_samples=256, method="backprop", max_iter=100, seed=2)
    plain = uat.fit("sin(2*pi*x) + 0.5*abs(x)", "[-1,1]", **options)
    refined = uat.fit("sin(2*pi*x) + 0.5*abs(x)", "[-1,1]", refine="minimax", **options)
    facts = refined.diagnostics["refine"]
    assert facts["method"] == "minimax" and facts["kept"]
    np.testing.assert_array_equal(refined.network.A, plain.network.A)
    assert refined.sup_error().value < plain.sup_error().value
    assert facts["sup_before"] == pytest.approx(plain.sup_error().value, rel=1e-6)
    assert facts["sup_after"] == pytest.approx(refined.sup_error().value, rel=1e-6)
    assert facts["sup_after"] <= 1.001 * facts["check_max"] or facts["sup_rounds"] == 4
    # diagnostics' loss is the returned network's, refined; the optimizer's is the unrefined fit's
    assert refined.diagnostics["loss"] == pytest.approx(refined.train_rms**2, rel=1e-9)
    assert refined.diagnostics["optimizer_loss"] == plain.diagnostics["optimizer_loss"]


def test_activations_without_a_derivative_are_refused():
    with pytest.raises(ValueError, match="heaviside.*lstsq"):
        uat.fit("sin2pi", width=4, method="backprop", activation="heaviside")


@pytest.mark.parametrize("options, match", [
    (dict(optimizer="sgd"), "optimizer"),
    (dict(lr=-1.0), "lr"),
    (dict(beta1=1.0), "beta1"),
    (dict(init="xavier"), "init"),
    (dict(init=3), "init"),
    (dict(max_iter=-1), "max_iter"),
    (dict(refine="lp"), "refine"),
    (dict(weights=[1.0, 2.0]), "weights"),
    (dict(fallback="yes"), "fallback"),
    (dict(fallback=1), "fallback must be true or false; got 1"),  # 1 == True, but not a bool
    (dict(learning_rate=0.1), "learning_rate"),
])
def test_bad_options_are_refused_before_any_work(options, match):
    with pytest.raises((ValueError, TypeError), match=match):
        uat.fit("sin2pi", width=4, method="backprop", **options)


def test_a_study_can_sweep_backprop(tmp_path):
    config = tmp_path / "s.toml"
    config.write_text('name = "bp"\n[grid]\ntarget = ["sin2pi"]\nactivation = ["tanh"]\nwidth = [2, 4]\n'
                      'method = ["lstsq", "backprop"]\n[methods.backprop]\nmax_iter = 20\nn_samples = 128\n'
                      '[methods.lstsq]\nn_samples = 128\n[evaluation]\ntolerances = [0.1]\n')
    uat.run_study(config, tmp_path / "out", jobs=1)
    table = uat.load_results(tmp_path / "out")
    assert set(table["method"]) == {"lstsq", "backprop"} and (table["status"] == "ok").all()
    bp = table[table["method"] == "backprop"].sort_values("width")
    ls = table[table["method"] == "lstsq"].sort_values("width")
    assert (bp["train_rms"].to_numpy() <= ls["train_rms"].to_numpy() * 1.5).all()


def test_a_stop_at_the_start_still_ends_with_the_least_squares_c():
    """max_iter=0 (or a target met at once) must not skip variable projection's final least squares."""
    result = uat.fit("sin2pi", width=32, method="backprop", n_samples=512, seed=0, max_iter=0)
    lstsq = uat.fit("sin2pi", width=32, n_samples=512, seed=0, sampling="grid", transitions=False)
    assert result.diagnostics["path"] == "varpro" and result.diagnostics["phases"][-1]["phase"] == "lstsq C"
    assert result.train_rms <= np.sqrt(2) * lstsq.train_rms


@pytest.mark.parametrize("optimizer", ["lm", "lbfgs", "adam"])
def test_every_optimizer_ends_at_or_below_the_least_squares_start(optimizer):
    lstsq = uat.fit("sin2pi", width=24, n_samples=256, seed=0, sampling="grid", transitions=False)
    result = uat.fit("sin2pi", width=24, n_samples=256, seed=0, method="backprop", optimizer=optimizer, max_iter=20)
    assert result.history["loss"][0] == pytest.approx(lstsq.train_rms**2, rel=1e-6)
    assert result.train_rms <= lstsq.train_rms * (1 + 1e-9)


def test_fewer_points_than_units_works():
    result = uat.fit("sin2pi", width=40, method="backprop", n_samples=30, max_iter=5)
    assert result.train_rms < 1e-6  # 30 points, 40 units: interpolation


def test_checkpoints_survive_a_divergence():
    with pytest.warns(ConvergenceWarning, match="diverged.*lower lr"):
        result = uat.fit("sin2pi", width=4, method="backprop", optimizer="adam", lr=1e200, activation="relu",
                         n_samples=64, max_iter=20, checkpoint_every=1)
    assert result.diagnostics["status"] == "diverged"
    assert np.isinf(result.history["checkpoint_sup_error"][-1])


def test_integral_floats_are_accepted_as_integers():
    result = _fit("lbfgs", memory=5.0, max_iter=3.0)
    assert result.options["memory"] == 5 and isinstance(result.options["memory"], int)


@pytest.mark.parametrize("weights, match", [
    (lambda X: np.ones((len(X), 2)), r"shape \(128,\)"),
    (lambda X: np.ones((1, len(X))), r"shape \(128,\)"),
    (lambda X: "abc", "weights"),
    (lambda X: X.__setitem__(slice(None), 0) or np.ones(len(X)), r"weights\(X\) .* read-only"),  # it moved the points
])
def test_weights_of_the_wrong_shape_are_refused(weights, match):
    with pytest.raises(ValueError, match=match):
        _fit("lm", max_iter=2, weights=weights)


def test_rcond_of_one_or_more_is_refused():
    with pytest.raises(ValueError, match="rcond must be < 1"):
        _fit("varpro", rcond=1.0)


def test_a_jacobian_too_large_for_memory_is_refused_before_any_work():
    with pytest.raises(ValueError, match="Jacobian.*lbfgs"):
        uat.fit("sin2pi", width=3000, method="backprop", optimizer="lm")


def test_a_warm_start_with_an_output_bias_is_refused_though_its_gradient_exists():
    """fit trains the theorem's form, so a warm start with d is refused; the gradients take d (issue 13: the
    lecture's own network has an output bias), so loss_and_grad answers with ∂L/∂d = mean of 2(g − y)."""
    start = uat.ShallowNetwork([[1.0], [2.0]], [0.0, 1.0], [[1.0, 1.0]], "tanh", d=[0.5])
    with pytest.raises(ValueError, match="init: a warm start must have the theorem's form.*output bias d"):
        uat.fit("sin2pi", width=2, method="backprop", init=start)
    X = np.zeros((3, 1))
    loss, grad = uat.loss_and_grad(start, X, np.zeros(3))
    g = start(X)[:, 0]
    assert grad.d.shape == (1,) and grad.d[0] == pytest.approx(np.mean(2 * g))
    assert loss == pytest.approx(np.mean(g ** 2))
