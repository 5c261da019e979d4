"""Where the units sit: transition points −b/a against |a|, none dropped, over the target."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from uat.network import ShallowNetwork
from uat.plots._style import save
from uat.plots.units import draw_unit_positions, unit_positions, unit_positions_data
from uat.targets import Target, as_target

# transitions −b/a: −1/2 = −0.5, −0.5/−1 = 0.5, none (a = 0), 8/4 = 2
_NET = ShallowNetwork([[2.0], [-1.0], [0.0], [4.0]], [1.0, 0.5, 3.0, -8.0], [[3.0, 0.0, 1.0, 0.0], [4.0, 1.0, 0.0, 2.0]],
                      "relu")


def test_positions_are_minus_b_over_a_and_the_flat_unit_is_counted():
    data = unit_positions_data(_NET, (-1, 1))
    np.testing.assert_array_equal(data["unit"], [0, 1, 3])
    np.testing.assert_array_equal(data["position"], [-0.5, 0.5, 2.0])
    np.testing.assert_array_equal(data["steepness"], [2.0, 1.0, 4.0])
    np.testing.assert_array_equal(data["weight"], [5.0, 1.0, 2.0])  # ‖C[:, i]‖: ‖(3, 4)‖, ‖(0, 1)‖, ‖(0, 2)‖
    np.testing.assert_array_equal(data["inside"], [True, True, False])
    assert data["n_flat"] == 1 and data["width"] == 4
    t = _NET.transition_points()
    np.testing.assert_array_equal(data["position"], t[np.isfinite(t)])
    np.testing.assert_array_equal(unit_positions_data(_NET, (-0.5, 0.5))["inside"], [True, True, False])  # K closed
    np.testing.assert_array_equal(unit_positions_data(_NET, "[0,1]")["inside"], [False, True, False])


def test_units_outside_k_are_drawn_at_the_clipped_edge_with_their_own_markers():
    other = ShallowNetwork([[1.0], [1.0]], [-0.25, -0.75], [[1.0, 1.0]], "tanh")
    ax = draw_unit_positions(Figure().subplots(), {"net": _NET, "other": other}, (0, 1))
    assert ax.get_xlim() == pytest.approx((-0.05, 1.05)) and ax.get_yscale() == "log"
    assert ax.get_xlabel() == "transition point −b/a" and ax.get_ylabel() == "steepness |a|"
    lines = ax.get_lines()
    left = [line for line in lines if line.get_marker() == "<"]
    right = [line for line in lines if line.get_marker() == ">" and len(line.get_xdata())]
    assert len(left) == len(right) == 1
    assert list(left[0].get_xdata()) == pytest.approx([-0.05]) and list(left[0].get_ydata()) == [2.0]
    assert list(right[0].get_xdata()) == pytest.approx([1.05]) and list(right[0].get_ydata()) == [4.0]
    assert not left[0].get_clip_on()  # the edge marker is drawn whole, not cut by the axes
    inside = {line.get_label(): line for line in lines if line.get_marker() not in ("<", ">")}
    assert list(inside["net: 1 of 4 transitions in K (1 flat unit, a = 0)"].get_xdata()) == [0.5]
    assert list(inside["other: 2 of 2 transitions in K"].get_xdata()) == [0.25, 0.75]
    assert inside["net: 1 of 4 transitions in K (1 flat unit, a = 0)"].get_marker() != inside[
        "other: 2 of 2 transitions in K"].get_marker()
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["net: 1 of 4 transitions in K (1 flat unit, a = 0)", "other: 2 of 2 transitions in K",
                      "transition outside K (drawn at the edge)"]


def test_only_one_dimensional_networks_and_domains_are_accepted():
    wide = ShallowNetwork(np.ones((3, 2)), np.zeros(3), np.ones((1, 3)), "relu")
    with pytest.raises(ValueError, match=r"network must have input dimension n = 1 .*got n = 2"):
        unit_positions_data(wide, (-1, 1))
    with pytest.raises(ValueError, match="domain has dimension 2"):
        unit_positions_data(_NET, "[-1,1]x[-1,1]")
    with pytest.raises(TypeError, match="network must be a uat ShallowNetwork"):
        unit_positions_data(_NET.A, (-1, 1))


def test_figure_draws_the_target_over_k_above_the_units(tmp_path):
    fig = unit_positions(as_target("abs"), {"net": _NET})
    top, bottom = fig.axes
    (f,) = top.get_lines()
    x = f.get_xdata()
    assert x[0] == -1 and x[-1] == 1
    np.testing.assert_array_equal(f.get_ydata(), np.abs(x))
    assert top.get_xlim() == bottom.get_xlim() == pytest.approx((-1.1, 1.1))
    assert len(fig.legends) == 1 and top.get_legend() is None and bottom.get_legend() is None
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "f = abs", "net: 2 of 4 transitions in K (1 flat unit, a = 0)", "transition outside K (drawn at the edge)"]
    assert save(fig, str(tmp_path / "units")) == [str(tmp_path / "units.png")]
    assert (tmp_path / "units.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_each_component_of_a_vector_target_is_drawn():
    pair = Target(lambda X: np.column_stack([X[:, 0], X[:, 0] ** 2]), (0, 2), "pair")
    fig = unit_positions(pair, {"net": _NET}, title="pair")
    lines = fig.axes[0].get_lines()
    assert len(lines) == 2
    np.testing.assert_array_equal(lines[0].get_ydata(), lines[0].get_xdata())
    np.testing.assert_array_equal(lines[1].get_ydata(), lines[1].get_xdata() ** 2)
    assert fig.get_suptitle() == "pair"
