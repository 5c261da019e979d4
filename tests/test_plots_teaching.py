"""The figures teachers asked for: the ε-tube (the theorem in one picture) and the network diagram."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection, PolyCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

import uat  # noqa: E402
from uat.deep import DeepNetwork  # noqa: E402
from uat.network import ShallowNetwork  # noqa: E402
from uat.plots import diagram, tube  # noqa: E402
from uat.plots import epsilon_tube, network_diagram  # noqa: E402

_IDENTITY_TANH = ShallowNetwork([[1.0]], [0.0], [[1.0]], "tanh")  # tanh(x) exactly


def _g_lines(ax):
    return {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith(("_", "f", "where"))}


def _leave_marks(ax):
    return [line for line in ax.get_lines() if line.get_marker() == "X" and len(line.get_xdata())]


def test_tube_is_shaded_and_each_width_has_its_measured_sup_error():
    fig = epsilon_tube("sin2pi", [2, 8], 0.05)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    (band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    y = band.get_paths()[0].vertices[:, 1]
    assert y.max() == pytest.approx(1.05, abs=1e-6) and y.min() == pytest.approx(-1.05, abs=1e-6)  # f ± ε of sin 2πx
    lines = _g_lines(ax)
    assert len(lines) == 2
    fits = {k: uat.fit("sin2pi", width=k, activation="tanh", method="lstsq", seed=0) for k in (2, 8)}
    for k, result in fits.items():
        (label,) = [name for name in lines if name.startswith(f"k = {k}:")]
        value = result.sup_error().value
        assert f"sup error {value:.3g} " in label
        assert ("leaves the tube" in label) == (value >= 0.05)
        x = lines[label].get_xdata()
        np.testing.assert_allclose(lines[label].get_ydata(), result.network(x[:, None])[:, 0], rtol=0, atol=1e-15)
    assert fits[2].sup_error().value >= 0.05 > fits[8].sup_error().value  # one out, one in: both cases drawn
    (mark,) = _leave_marks(ax)  # only k = 2 leaves, marked at its sup point on g
    x_star = fits[2].sup_error().argmax[0]
    assert mark.get_xdata()[0] == x_star
    assert mark.get_ydata()[0] == pytest.approx(fits[2].network(np.array([[x_star]]))[0, 0], abs=1e-15)


def test_networks_given_shallow_and_deep_inside_and_outside():
    shifted = DeepNetwork([[[1.0]], [[1.0]]], [[0.0], [0.1]], "tanh")  # tanh(x) + 0.1: sup error 0.1 everywhere
    ax = Figure().subplots()
    assert epsilon_tube("tanh(x)", [_IDENTITY_TANH, shifted], 0.05, domain="[-1,1]", ax=ax) is ax
    labels = list(_g_lines(ax))
    assert labels[0].startswith("k = 1: sup error 0 < ε, inside the tube")
    assert labels[1].startswith("widths [1]: sup error 0.1 ≥ ε, leaves the tube")
    (mark,) = _leave_marks(ax)
    x_star = mark.get_xdata()[0]
    assert mark.get_ydata()[0] == pytest.approx(np.tanh(x_star) + 0.1, abs=1e-15)
    assert "where g leaves the tube (its sup point)" in ax.get_legend_handles_labels()[1]
    inside = Figure().subplots()
    epsilon_tube("tanh(x)", [shifted], 0.2, domain="[-1,1]", ax=inside)  # a wider tube holds it
    assert _leave_marks(inside) == [] and "inside the tube" in list(_g_lines(inside))[0]


def test_fit_results_are_measured_by_their_own_sup_error():
    result = uat.fit("runge", width=12)
    ax = epsilon_tube("runge", [result], 0.01, ax=Figure().subplots())
    (label,) = _g_lines(ax)
    assert label.startswith(f"k = 12: sup error {result.sup_error().value:.3g} ")
    with pytest.raises(ValueError, match=r"networks_or_widths\[0\] is a fit of 'runge'.*around 'sin2pi'"):
        epsilon_tube("sin2pi", [result], 0.01)


@pytest.mark.parametrize("eps", [0, -0.1, float("nan"), float("inf")])
def test_eps_must_be_a_finite_number_above_zero(eps):
    with pytest.raises(ValueError, match=r"eps must be a finite number > 0 .*got"):
        epsilon_tube("sin2pi", [2], eps)


def test_the_tube_refuses_bad_input_before_any_fit(monkeypatch):
    monkeypatch.setattr(tube, "fit", lambda *a, **k: pytest.fail("fitted before checking the input"))
    for eps in ("0.1", True, None):
        with pytest.raises(TypeError, match="eps must be a finite number > 0"):
            epsilon_tube("sin2pi", [2], eps)
    with pytest.raises(ValueError, match="networks_or_widths must list at least one"):
        epsilon_tube("sin2pi", [], 0.1)
    with pytest.raises(TypeError, match="networks_or_widths must be a list"):
        epsilon_tube("sin2pi", 4, 0.1)
    with pytest.raises(TypeError, match=r"networks_or_widths\[1\] must be a width"):
        epsilon_tube("sin2pi", [2, "8"], 0.1)
    with pytest.raises(ValueError, match="1-D only.*dimension 2"):
        epsilon_tube("franke", [2], 0.1)
    with pytest.raises(ValueError, match="1-D only.*dimension 2"):
        epsilon_tube("x1 * x2", [2], 0.1, domain="[0,1]^2")
    wide = ShallowNetwork([[1.0, 0.0]], [0.0], [[1.0]], "tanh")
    with pytest.raises(ValueError, match=r"networks_or_widths\[1\] must map 1-D points to scalars"):
        epsilon_tube("sin2pi", [2, wide], 0.1)


def _circles(ax):
    return [p for p in ax.patches if isinstance(p, Circle)]


def _edges(ax):
    return [c for c in ax.collections if isinstance(c, LineCollection)]


def test_a_shallow_diagram_has_its_units_and_edges_by_sign_and_size():
    A, b, C = [[1.0, -2.0], [0.5, 0.0], [-4.0, 1.0]], [0.25, -1.5, 3.0], [[2.0, -1.0, 0.5]]
    net = ShallowNetwork(A, b, C, "relu")
    fig = network_diagram(net)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(_circles(ax)) == 2 + 3 + 1
    first, second = _edges(ax)
    assert len(first.get_segments()) == 6 and len(second.get_segments()) == 3
    # edges run unit by unit of the next layer: W[j, i] for j, then i
    np.testing.assert_array_equal(first.get_linewidths(), 0.25 + 2.6 * np.abs(np.ravel(A)) / 4.0)
    np.testing.assert_array_equal(second.get_linewidths(), 0.25 + 2.6 * np.abs(np.ravel(C)) / 2.0)
    negative = matplotlib.colors.to_rgba(diagram.OKABE_ITO[3], 0.75)
    assert [tuple(c) == negative for c in first.get_edgecolors()] == [w < 0 for w in np.ravel(A)]
    texts = [t.get_text() for t in ax.texts]
    assert {"0.25", "−1.5", "3"} <= set(texts) and {"x₁", "x₂", "g"} <= set(texts)
    assert sum("σ = relu" in t for t in texts) == 1 and any("linear, no bias" in t for t in texts)
    assert network_diagram(net, ax=(given := Figure().subplots())) is given


def test_a_deep_diagram_names_each_layers_activation_and_elides_wide_layers():
    rng = np.random.default_rng(0)
    sizes = [1, 5, 4, 1]
    net = DeepNetwork([rng.normal(size=(o, i)) for i, o in zip(sizes, sizes[1:])], [rng.normal(size=o) for o in sizes[1:]],
                      ["tanh", "relu"])
    ax = network_diagram(net, ax=Figure().subplots())
    assert len(_circles(ax)) == sum(sizes)
    assert [len(c.get_segments()) for c in _edges(ax)] == [5, 20, 4]
    texts = [t.get_text() for t in ax.texts]
    assert sum("σ = tanh" in t for t in texts) == 1 and sum("σ = relu" in t for t in texts) == 1
    sizes = [2, 30, 3]  # 30 > MAX_UNITS: its first and last SHOWN units, with an ellipsis
    wide = DeepNetwork([rng.normal(size=(o, i)) for i, o in zip(sizes, sizes[1:])], [np.zeros(o) for o in sizes[1:]],
                       "relu")
    ax = network_diagram(wide).axes[0]
    shown = 2 * diagram.SHOWN
    assert len(_circles(ax)) == 2 + shown + 3
    assert [len(c.get_segments()) for c in _edges(ax)] == [2 * shown, shown * 3]
    texts = [t.get_text() for t in ax.texts]
    assert "⋮" in texts and any(f"({shown} of 30 drawn)" in t for t in texts)
    np.testing.assert_array_equal(diagram.shown_units(30), list(range(8)) + list(range(22, 30)))


def test_network_diagram_refuses_what_is_not_a_network():
    with pytest.raises(TypeError, match="net must be a uat ShallowNetwork or DeepNetwork; got FitResult"):
        network_diagram(uat.fit("sin2pi", width=2))
