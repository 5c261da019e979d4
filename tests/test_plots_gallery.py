"""The activation gallery: the curves drawn are σ and σ′, broken (not bridged) at kinks and jumps."""

import numpy as np
import pytest
from matplotlib.figure import Figure

import uat.activations
from uat._registry import Registry
from uat.activations import Activation, get_activation, list_activations, register_activation
from uat.plots._style import save
from uat.plots.gallery import activation_curves, activation_gallery, draw_activation


def _line(ax, label):
    return next(line for line in ax.get_lines() if line.get_label() == label)


def _texts(ax):
    return " ".join(text.get_text() for text in ax.texts)


@pytest.mark.parametrize("name", list_activations())
def test_curves_are_sigma_and_sigma_prime_away_from_kinks(name):
    act = get_activation(name)
    curves = activation_curves(name, (-4, 4), 401)
    z = curves["z"]
    assert np.all(np.diff(z) > 0) and z[0] == -4 and z[-1] == 4
    away = ~np.isin(z, act.kinks)
    np.testing.assert_array_equal(curves["sigma"][away], act.fn(z[away]))
    if act.deriv is not None:
        np.testing.assert_array_equal(curves["dsigma"][away], act.deriv(z[away]))
    assert np.isnan(curves["dsigma"][~away]).all()


def test_relu_derivative_is_broken_at_the_kink_with_both_one_sided_values_drawn():
    curves = activation_curves("relu")
    i = int(np.flatnonzero(curves["z"] == 0.0)[0])
    assert np.isnan(curves["dsigma"][i])
    assert curves["dsigma"][i - 1] == 0.0 and curves["dsigma"][i + 1] == 1.0  # up to the kink from both sides
    assert curves["z"][i - 1] == np.nextafter(0.0, -1) and curves["z"][i + 1] == np.nextafter(0.0, 1)
    assert curves["sigma"][i] == 0.0  # σ is continuous: not broken
    ax = draw_activation(Figure().subplots(), "relu")
    drawn = _line(ax, "σ′(z)")
    np.testing.assert_array_equal(drawn.get_xdata(), curves["z"])
    np.testing.assert_array_equal(drawn.get_ydata(), curves["dsigma"])  # NaN included: no vertical bridge
    np.testing.assert_array_equal(_line(ax, "σ′: one-sided limits").get_ydata(), [0.0, 1.0])
    assert "kink or jump (σ′ undefined)" in [line.get_label() for line in ax.get_lines()]


def test_heaviside_says_its_derivative_is_zero_except_at_the_jump():
    act = get_activation("heaviside")
    assert act.deriv is None and not act.continuous
    curves = activation_curves(act)
    at = curves["z"] == 0.0
    assert curves["derivative"] == "zero"
    assert np.isnan(curves["sigma"][at]).all() and np.isnan(curves["dsigma"][at]).all()  # σ's jump is not bridged
    assert (curves["dsigma"][~at] == 0).all()
    ax = draw_activation(Figure().subplots(), act)
    assert "σ′ = 0 except at the jump z = 0" in _texts(ax)
    np.testing.assert_array_equal(_line(ax, "σ at a jump: its value").get_ydata(), [1.0])
    np.testing.assert_array_equal(_line(ax, "σ at a jump: other one-sided limit").get_ydata(), [0.0])
    assert "σ′: one-sided limits" not in [line.get_label() for line in ax.get_lines()]


def test_polynomial_views_are_clipped_and_say_so_others_are_not():
    cube = draw_activation(Figure().subplots(), "cube")
    assert cube.get_ylim() == (-6.0, 6.0)
    assert "y cut at ±6" in _texts(cube) and "64" in _texts(cube) and "48" in _texts(cube)
    tanh = draw_activation(Figure().subplots(), "tanh")
    low, high = tanh.get_ylim()
    assert low < -1 and high > 1 and "cut" not in _texts(tanh)
    assert "Lipschitz constant 1" in _texts(tanh)


def test_gallery_has_one_titled_panel_per_activation_and_one_legend(tmp_path):
    fig = activation_gallery()
    names = list_activations()
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == len(fig.axes) == len(names)
    assert [ax.get_title().split("\n")[0] for ax in visible] == names
    for ax, name in zip(visible, names):
        assert ("polynomial" in ax.get_title()) == get_activation(name).polynomial
    assert "polynomial: the theorem excludes it" in visible[names.index("cube")].get_title()
    assert len(fig.legends) == 1 and all(ax.get_legend() is None for ax in visible)
    legend = [text.get_text() for text in fig.legends[0].get_texts()]
    assert legend[:2] == ["σ(z)", "σ′(z)"] and len(legend) == len(set(legend))
    assert save(fig, str(tmp_path / "gallery")) == [str(tmp_path / "gallery.png")]
    assert (tmp_path / "gallery.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_registered_user_activation_gets_its_panel_with_its_kinks(monkeypatch):
    registry = Registry("activation")
    for name in list_activations():
        registry.add(name, get_activation(name))
    monkeypatch.setattr(uat.activations, "_ACTIVATIONS", registry)  # the registration is undone after the test
    register_activation("hardtanh", lambda z: np.clip(z, -1.0, 1.0), lambda z: (np.abs(z) < 1).astype(float),
                        lipschitz=1.0, bound=1.0, kinks=(-1.0, 1.0))
    fig = activation_gallery()
    panel = next(ax for ax in fig.axes if ax.get_title() == "hardtanh")
    drawn = _line(panel, "σ′(z)")
    x, y = drawn.get_xdata(), drawn.get_ydata()
    assert np.isnan(y[np.isin(x, [-1.0, 1.0])]).all() and np.isnan(y).sum() == 2
    np.testing.assert_array_equal(_line(panel, "σ(z)").get_ydata(), np.clip(x, -1, 1))


def test_an_activation_object_can_be_drawn_without_registering_it():
    softsign = Activation("softsign", lambda z: z / (1 + np.abs(z)), lambda z: 1 / (1 + np.abs(z)) ** 2, lipschitz=1.0)
    fig = activation_gallery([softsign, "relu"], z_range=(-2, 2))
    assert [ax.get_title() for ax in fig.axes] == ["softsign", "relu"]
    drawn = _line(fig.axes[0], "σ(z)")
    np.testing.assert_allclose(drawn.get_ydata(), drawn.get_xdata() / (1 + np.abs(drawn.get_xdata())))
    assert fig.axes[0].get_xlim() == (-2.0, 2.0)
    assert "softsign" not in list_activations()


def test_bad_ranges_are_refused():
    with pytest.raises(ValueError, match="z_range must be finite with lo < hi; got"):
        activation_curves("tanh", (1, -1))
    with pytest.raises(ValueError, match="unknown activation 'tanhh'.*did you mean 'tanh'"):
        activation_gallery(["tanhh"])
