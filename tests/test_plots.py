"""Figures: the data they draw, not only that a file appears."""

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import uat
from uat.plots import draw_error_vs_width, draw_k_star, fit_closeup, fit_closeup_data


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
