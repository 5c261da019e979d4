"""Figures: the data they draw, not only that a file appears."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import uat
from uat.plots import (draw_error_vs_width, draw_k_star, draw_training_curves, fit_closeup, fit_closeup_data,
                       training_curves)


def _summary():
    rows = []
    for activation, errors in (("tanh", [0.5, 0.05, 0.002]), ("relu", [0.5, 0.05, 0.002]), ("square", [0.5, 0.2, 0.2])):
        for width, error in zip([4, 8, 16], errors):
            rows.append({"target": "f", "activation": activation, "method": "lstsq", "width": width,
                         "sup_median": error, "sup_q25": error / 2, "sup_q75": error * 2, "floor_median": 1e-15,
                         "n_failed": 0})
    return pd.DataFrame(rows)


def test_k_star_figure_shows_every_activation_and_marks_what_is_not_reached():
    stars = uat.study.k_star(_summary(), [0.1, 0.01])
    ax = Figure().subplots()
    draw_k_star(ax, stars, {"tanh": "C0", "relu": "C1", "square": "C2"})
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    lines = {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}
    assert set(lines) == {"tanh", "relu", "square"}
    # tanh and relu have the same k* (8, 16): offset horizontally so neither hides the other
    assert not np.allclose(lines["tanh"].get_xdata(), lines["relu"].get_xdata())
    np.testing.assert_array_equal(lines["tanh"].get_ydata(), lines["relu"].get_ydata())
    # square never reaches 0.01: an open triangle above the largest width
    missed = [line for line in ax.get_lines() if line.get_marker() == "^"]
    assert len(missed) == 1 and missed[0].get_ydata()[0] > 16


def test_error_figure_draws_medians_on_log_axes():
    ax = Figure().subplots()
    draw_error_vs_width(ax, _summary(), {"tanh": "C0", "relu": "C1", "square": "C2"})
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    tanh = next(line for line in ax.get_lines() if line.get_label() == "tanh")
    np.testing.assert_array_equal(tanh.get_ydata(), [0.5, 0.05, 0.002])


def test_fit_closeup_draws_the_kinks_and_marks_the_sup():
    result = uat.fit("abs", width=16, activation="relu")
    data = fit_closeup_data(result.target, result.network)
    kinks = result.network.transition_points()
    assert np.isin(kinks[np.abs(kinks) < 1], data["X"][:, 0]).all()
    estimate = result.sup_error()
    fig = fit_closeup(result.target, result.network, estimate)
    marked = [line for line in fig.axes[1].get_lines() if line.get_marker() == "o"]
    assert marked[0].get_xdata()[0] == estimate.argmax[0] and marked[0].get_ydata()[0] == estimate.value
    assert data["E"].max() <= estimate.value  # the estimate is never below what the figure draws


def test_training_curves_draw_the_history_the_checkpoints_and_the_returned_network():
    results = {
        "lm": uat.fit("sin2pi", width=6, method="backprop", optimizer="lm", init="glorot", n_samples=128,
                      max_iter=12, checkpoint_every=4),
        "adam": uat.fit("sin2pi", width=6, method="backprop", optimizer="adam", init="glorot", n_samples=128,
                        max_iter=30),
    }
    ax = Figure().subplots()
    draw_training_curves(ax, results, "iteration")
    lines = {line.get_label(): line for line in ax.get_lines()}
    for label, result in results.items():
        curve = lines[f"{label}: training RMS"]
        np.testing.assert_array_equal(curve.get_xdata(), result.history["iteration"])
        np.testing.assert_allclose(curve.get_ydata(), np.sqrt(result.history["loss"]))
        star = lines[f"{label}: returned network"]
        assert star.get_xdata()[0] == result.history["iteration"][-1] and star.get_ydata()[0] == result.train_rms
    sup = lines["lm: sup error"]
    np.testing.assert_array_equal(sup.get_xdata(), results["lm"].history["checkpoint_iteration"])
    np.testing.assert_array_equal(sup.get_ydata(), results["lm"].history["checkpoint_sup_error"])
    assert "adam: sup error" not in lines  # no checkpoints recorded, none drawn
    assert ax.get_yscale() == "log" and ax.get_xscale() == "linear"
    fig = training_curves(results)
    assert [a.get_xscale() for a in fig.axes] == ["linear", "log"]


def test_training_curves_show_variable_projections_final_least_squares_c():
    result = uat.fit("sin2pi", width=6, method="backprop", init="glorot", n_samples=128, seed=3, max_iter=20,
                     checkpoint_every=10)
    h = result.history
    assert h["resolve_c"][-1]
    lines = {line.get_label(): line for line in draw_training_curves(Figure().subplots(), {"vp": result}).get_lines()}
    np.testing.assert_array_equal(lines["vp: training RMS"].get_xdata(), h["iteration"][:-1])  # the updates
    drop = lines["vp: final least-squares C"]
    np.testing.assert_array_equal(drop.get_ydata(), np.sqrt(h["loss"][-2:]))
    assert drop.get_linestyle() == ":"
    assert drop.get_ydata()[1] == pytest.approx(result.train_rms, rel=1e-9)
    after = lines["vp: sup error after the final least-squares C"]
    assert after.get_ydata().tolist() == [h["checkpoint_sup_error"][-1]] and after.get_xdata().tolist() == [20]
    np.testing.assert_array_equal(lines["vp: sup error"].get_ydata(), h["checkpoint_sup_error"][:-1])
    stored = {key: np.asarray(value, dtype=float) for key, value in h.items()}  # as the study store keeps it
    again = {line.get_label(): line for line in draw_training_curves(Figure().subplots(), {"vp": SimpleNamespace(
        history=stored, train_rms=result.train_rms)}).get_lines()}
    np.testing.assert_array_equal(again["vp: final least-squares C"].get_ydata(), drop.get_ydata())


def test_training_curves_refuse_a_result_without_history():
    with pytest.raises(ValueError, match=r"results\['ls'\] has no training history.*backprop"):
        draw_training_curves(Figure().subplots(), {"ls": uat.fit("sin2pi", width=4)})
    with pytest.raises(ValueError, match="x must be"):
        draw_training_curves(Figure().subplots(), {}, x="time")


def test_fit_closeup_of_a_curve_has_a_panel_per_output_and_the_curve_itself():
    result = uat.fit("circle", width=12)
    estimate = result.sup_error()
    fig = fit_closeup(result.target, result.network, estimate)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(fig.axes) == 4 and "the curve itself" in titles
    data = fit_closeup_data(result.target, result.network)
    for j in range(2):  # the output panels draw f_j and g_j
        panel = next(ax for ax in fig.axes if f"f$_{j + 1}$" in [line.get_label() for line in ax.get_lines()])
        lines = {line.get_label(): line for line in panel.get_lines()}
        np.testing.assert_array_equal(lines[f"f$_{j + 1}$"].get_ydata(), data["F"][:, j])
        np.testing.assert_array_equal(lines[f"g$_{j + 1}$"].get_ydata(), data["G"][:, j])
    curve = next(ax for ax in fig.axes if ax.get_title() == "the curve itself")
    f_curve = next(line for line in curve.get_lines() if line.get_label() == "f(K)")
    np.testing.assert_array_equal(f_curve.get_xdata(), data["F"][:, 0])
    np.testing.assert_array_equal(f_curve.get_ydata(), data["F"][:, 1])


def test_fit_closeup_of_a_2d_field_maps_each_output_and_rings_the_sup():
    result = uat.fit("vortex", width=16)
    estimate = result.sup_error()
    fig = fit_closeup(result.target, result.network, estimate)
    images = [ax for ax in fig.axes if ax.get_images()]
    assert [ax.get_title() for ax in images] == ["f$_1$", "g$_1$", "f$_2$", "g$_2$", f"‖f − g‖, sup ≈ {estimate.value:.3g} (ringed)"]
    # f and g of one output share one colour scale
    assert images[0].get_images()[0].get_clim() == images[1].get_images()[0].get_clim()
    ring = images[-1].get_lines()[0]
    assert (ring.get_xdata()[0], ring.get_ydata()[0]) == tuple(estimate.argmax)


def test_the_error_axis_stops_where_f_and_g_cross_instead_of_at_1e_308():
    result = uat.fit("abs", width=8, activation="relu")  # exact zeros where g crosses |x|
    fig = fit_closeup(result.target, result.network, result.sup_error())
    bottom = fig.axes[1].get_ylim()[0]
    data = fit_closeup_data(result.target, result.network)
    positive = data["E"][data["E"] > 0]
    assert bottom > 1e-20 and bottom <= np.quantile(positive, 0.01)


def test_close_up_errors_of_a_huge_target_are_its_values_not_inf():
    """Issue 15: ‖f − g‖ squared each row, so a 2-output target near 1e200 drew inf everywhere."""
    small = uat.fit("cos(pi*x), sin(pi*x)", "[-1,1]", width=8)
    huge = uat.fit("2**660*cos(pi*x), 2**660*sin(pi*x)", "[-1,1]", width=8)
    E_small = fit_closeup_data(small.target, small.network)["E"]
    E_huge = fit_closeup_data(huge.target, huge.network)["E"]
    np.testing.assert_array_equal(E_huge, 2.0**660 * E_small)
    weights = uat.plots.units.unit_positions_data(huge.network, "[-1,1]")["weight"]
    np.testing.assert_array_equal(weights, 2.0**660 * uat.plots.units.unit_positions_data(small.network, "[-1,1]")["weight"])
