"""The explorer's logic, without a browser: states and their addresses, what is fitted and measured, the
hand edits, the plateau of a polynomial σ, the curve and the exports."""

from __future__ import annotations

import io
import tomllib

import numpy as np
import pytest
from click.testing import CliRunner

import uat
from uat.explore import logic
from uat.explore.logic import Edit, State, compute


def test_a_state_round_trips_through_its_address():
    s = State(target="sin(3*x) + abs(x)", domain="[-1,2]", sigma="relu", k=37, depth=1, method="minimax", seed=4,
              eps=0.003, ops=(Edit(2, 1.5, -0.25, 0.125), Edit(refit=True)))
    assert State.from_query(s.to_query()) == s
    assert State.from_query("?" + s.to_query()) == s
    assert State().to_query() == ""  # defaults are left out
    assert State.from_query({"k": [b"12"], "sigma": [b"relu"]}) == State(k=12, sigma="relu")  # as Tornado gives


@pytest.mark.parametrize("query, words", [
    ("k=0", "k must be an integer from 1 to 256; got 0"),
    ("k=300", "k must be an integer from 1 to 256; got 300"),
    ("k=ten", "k must be an integer; got 'ten'"),
    ("depth=9", "depth must be an integer from 1 to 4; got 9"),
    ("seed=-1", "seed must be an integer from 0 to 4294967295; got -1"),
    ("seed=100000000000000000000000000", "seed must be an integer from 0 to 4294967295"),
    ("depth=2", "hidden layers = 2 needs a method that trains deep networks (backprop); got method = 'lstsq'"),
    ("ops=" + ";".join(["refit"] * 201), "ops: at most 200 hand edits; got 201"),
    ("eps=0", "eps must be a finite number > 0; got 0.0"),
    ("eps=nan", "eps must be a finite number > 0; got nan"),
    ("sigma=tahn", "sigma must be one of"),
    ("method=torch_adam", "method must be one of lstsq, minimax, backprop"),
    ("width=8", "unknown setting 'width' in the address"),
    ("ops=u1:2:3", "ops must be edits 'u<unit>:<a>:<b>:<c>' or 'refit'"),
    ("ops=u1:2:3:inf", "non-finite"),
    ("ops=refit&depth=2&method=backprop", "hand edits (ops) are for one hidden layer"),
    ("target=", "target must be a library name or an expression"),
])
def test_bad_settings_are_refused_naming_the_setting(query, words):
    with pytest.raises(ValueError, match=None) as info:
        State.from_query(query)
    assert words in str(info.value)


def test_the_view_measures_what_uat_fit_measures():
    view = compute(State(target="runge", k=24, sigma="sigmoid", seed=2))
    fit = uat.fit("runge", width=24, activation="sigmoid", seed=2)
    expected = fit.sup_error()
    assert view.estimate.value == expected.value and view.estimate.upper == expected.upper
    np.testing.assert_array_equal(view.network.A, fit.network.A)
    assert view.plot["E"].max() <= view.estimate.value * (1 + 1e-12)  # the plotted error never exceeds the sup found
    assert view.units is not None and view.units["width"] == 24
    assert f"{expected.value:.6e}" in view.summary() and "proved bracket" in view.summary()


def test_the_tube_verdict_follows_eps_and_the_proof():
    view = compute(State(k=8))
    e = view.estimate
    inside = compute(State(k=8, eps=e.upper * 1.01))
    assert inside.inside and inside.proved_inside and "inside the ε-tube, proved" in inside.summary()
    between = compute(State(k=8, eps=(e.value + e.upper) / 2))
    assert between.inside and not between.proved_inside and "where searched" in between.summary()
    out = compute(State(k=8, eps=e.value / 2))
    assert not out.inside and "leaves the ε-tube" in out.summary()


def test_hand_edits_set_the_unit_and_refit_solves_least_squares():
    base = compute(State(k=6))
    edited = compute(State(k=6).with_edit(Edit(1, 3.0, -0.5, 0.25)))
    A, b, C = edited.network.A, edited.network.b, edited.network.C
    assert (A[1, 0], b[1], C[0, 1]) == (3.0, -0.5, 0.25)
    mask = np.arange(6) != 1
    np.testing.assert_array_equal(A[mask], base.network.A[mask])
    np.testing.assert_array_equal(base.network.A[1], compute(State(k=6)).network.A[1])  # the fit is not mutated
    x = edited.estimate.argmax[None, :]
    assert edited.estimate.value == pytest.approx(abs(uat.get_target("sin2pi")(x)[0] - edited.network(x)[0, 0]))
    refit = compute(State(k=6).with_edit(Edit(1, 3.0, -0.5, 0.25)).with_edit(Edit(refit=True)))
    np.testing.assert_array_equal(refit.network.A, A)  # units as they stand
    X = np.linspace(-1, 1, 2049)[:, None]
    rms = lambda net: np.sqrt(np.mean((uat.get_target("sin2pi")(X).ravel() - net(X)[:, 0]) ** 2))  # noqa: E731
    assert rms(refit.network) < rms(edited.network)
    # least squares: the residual is orthogonal to every feature
    from uat.network import hidden_features

    Phi = hidden_features(A, b, refit.network.activation, X)
    residual = uat.get_target("sin2pi")(X).ravel() - refit.network(X)[:, 0]
    assert np.max(np.abs(Phi.T @ residual)) < 1e-8 * np.linalg.norm(Phi) * np.linalg.norm(residual) + 1e-10


def test_an_edit_of_a_unit_that_does_not_exist_is_refused():
    with pytest.raises(ValueError, match=r"ops: unit must be from 0 to 3 \(the network has 4 units\); got 7"):
        compute(State(k=4, ops=(Edit(7, 1.0, 0.0, 1.0),)))


def test_consecutive_edits_of_one_unit_are_one_step():
    s = State(k=4).with_edit(Edit(0, 1, 2, 3)).with_edit(Edit(0, 4, 5, 6))
    assert s.ops == (Edit(0, 4, 5, 6),)
    assert len(s.with_edit(Edit(1, 0, 0, 0)).ops) == 2


def test_a_polynomial_sigma_plateaus_at_the_best_polynomial_error():
    from uat.fitting.polynomial import best_polynomial

    plateau = logic.polynomial_plateau(State(sigma="cube", k=16, target="runge"))
    best = best_polynomial(uat.get_target("runge"), 3)
    assert plateau["degree"] == 3 and plateau["value"] == best.value and plateau["lower"] <= plateau["value"]
    for k in (4, 16, 64):
        view = compute(State(sigma="cube", k=k, target="runge"))
        assert view.estimate.value >= plateau["lower"] * (1 - 1e-9)  # no width beats E_3(f)
    assert logic.polynomial_plateau(State()) is None
    assert logic.polynomial_plateau(State(sigma="square", depth=2, method="backprop", k=2))["degree"] == 4


@pytest.mark.slow  # 2.5 s: a deep fit through the page's state; CI's slow step runs it
def test_a_deep_state_fits_a_deep_network():
    view = compute(State(depth=2, k=4, method="backprop"))
    assert isinstance(view.network, uat.DeepNetwork) and view.network.depth == 3
    assert view.estimate.value == uat.fit("sin2pi", width=[4, 4], method="backprop").sup_error().value
    assert view.units is None


def test_a_2d_view_is_masked_to_a_ball():
    view = compute(State(target="exp(-(x1**2 + x2**2))", domain="ball(center=[0,0], radius=1)", k=16))
    assert view.dim == 2 and view.plot["shape"] == (161, 161)
    inside = view.plot["inside"]
    assert 0.7 < inside.mean() < 0.8  # π/4 of the box
    assert np.all(np.isnan(view.plot["E"][~inside]))
    assert np.hypot(*view.estimate.argmax) <= 1 + 1e-12


def test_the_curve_widths_and_a_curve_point():
    assert logic.curve_widths(8) == [1, 2, 4, 8, 16, 32, 64, 128, 256]
    assert logic.curve_widths(24) == [1, 2, 4, 8, 16, 24, 32, 64, 128, 256]
    point = logic.curve_point(State(k=3, ops=(Edit(refit=True),)), 16)  # the curve ignores k and the edits
    assert point["value"] == uat.fit("sin2pi", width=16).sup_error().value and point["error"] is None
    failed = logic.curve_point(State(method="relu_interp", sigma="tanh"), 4)
    assert failed["value"] is None and "relu" in failed["error"]


def test_the_network_download_loads_back_as_the_network_shown():
    from uat.models import load_model

    view = compute(State(k=5, sigma="relu"))
    net = load_model(io.BytesIO(logic.network_npz(view)))
    X = np.linspace(-1, 1, 101)[:, None]
    np.testing.assert_array_equal(net(X), view.network(X))


def test_the_figure_downloads_are_png_and_svg():
    view = compute(State(k=5))
    assert logic.figure_bytes(view, "png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in logic.figure_bytes(view, "svg")[:500]
    with pytest.raises(ValueError, match="format must be png or svg; got 'gif'"):
        logic.figure_bytes(view, "gif")


def test_open_as_a_study_writes_a_study_file_the_runner_accepts():
    from uat.study import parse_config

    s = State(target="sin(3*x)", domain="[0,2]", sigma="relu", k=24, eps=0.01, seed=5, ops=(Edit(refit=True),))
    text = logic.study_toml(s)
    config = parse_config(tomllib.loads(text))
    assert list(config.targets) == ["sin(3*x)"] and list(config.activations) == ["relu"]
    assert 24 in config.widths and max(config.widths) == 256
    assert "hand edit" in text and "k=24" in text


def test_uat_explore_refuses_bad_settings_and_says_how_to_install_bokeh(monkeypatch):
    result = CliRunner().invoke(uat.cli.main, ["explore", "--no-browser", "--view", "k=999"])
    assert result.exit_code == 1 and "--view: k must be an integer from 1 to 256; got 999" in result.output
    import builtins

    real = builtins.__import__

    def no_bokeh(name, *args, **kwargs):
        if name == "bokeh" or name.startswith("bokeh."):
            raise ImportError("No module named 'bokeh'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_bokeh)
    result = CliRunner().invoke(uat.cli.main, ["explore", "--no-browser"])
    assert result.exit_code == 1 and "pip install 'uat[explore]'" in result.output


def test_methods_that_ignore_sigma_have_no_plateau():
    """chebyshev and poly_minimax fit a polynomial of their own degree: a polynomial σ bounds nothing there."""
    assert logic.polynomial_plateau(State(sigma="square", method="chebyshev")) is None
    view = compute(State(sigma="square", method="chebyshev", k=24))
    assert view.plateau is None and view.estimate.value < 1e-6


def test_a_3d_domain_is_refused_before_any_fit(monkeypatch):
    monkeypatch.setattr(logic, "_fit", lambda state: pytest.fail("fitted a 3-D state"))
    with pytest.raises(ValueError, match="the explorer draws 1-D and 2-D domains; this one has dimension 3"):
        compute(State(target="x1 + x2 + x3", domain="[0,1]^3", method="minimax", k=256))


def test_open_as_a_study_refuses_what_the_runner_would_refuse():
    with pytest.raises(ValueError, match="unknown target 'nosuch'"):
        logic.study_toml(State(target="nosuch"))
    with pytest.raises(ValueError, match="never closed"):
        logic.study_toml(State(target="sin(x", domain="[-1,1]"))
    with pytest.raises(ValueError, match="relu_interp"):
        logic.study_toml(State(method="relu_interp", sigma="tanh"))


def test_the_curve_of_a_trained_network_stops_at_32_and_keeps_k():
    assert logic.curve_widths(8, "backprop") == [1, 2, 4, 8, 16, 32]
    assert logic.curve_widths(100, "backprop")[-1] == 100
    assert logic.curve_widths(8, "minimax")[-1] == 256


def test_refit_says_on_which_points_it_solves():
    view = compute(State(k=4, ops=(Edit(refit=True),)))
    assert any("Refit C: least squares" in note for note in view.notes)


def test_refit_on_a_union_of_intervals_solves_on_its_points_only():
    """sqrt((x − 1)(x − 2)) is NaN in the gap (1, 2) of K = [0,1] ∪ [2,3]: a refit that evaluated f there fails."""
    state = State(target="sqrt((x-1)*(x-2))", domain="[0,1] | [2,3]", k=8, ops=(Edit(refit=True),))
    view = compute(state)
    assert np.isfinite(view.estimate.value) and view.network.dim == 1
    assert view.target.domain.contains(view.estimate.argmax[None])[0]
    X = np.linspace(0, 3, 2049)[:, None]
    X = X[(X[:, 0] <= 1) | (X[:, 0] >= 2)]
    from uat.network import hidden_features

    net = view.network
    residual = np.sqrt((X[:, 0] - 1) * (X[:, 0] - 2)) - net(X)[:, 0]
    Phi = hidden_features(net.A, net.b, net.activation, X)  # least squares on exactly these points
    assert np.max(np.abs(Phi.T @ residual)) < 1e-8 * np.linalg.norm(Phi) * np.linalg.norm(residual) + 1e-10


def test_refit_on_a_point_set_solves_on_its_points(tmp_path):
    """Points that no even grid hits: the refit interpolates them (3 points, 4 units), so the exact sup is ~0."""
    path = tmp_path / "pts.csv"
    path.write_text("x\n0.3\n0.71\n2.2\n")
    view = compute(State(target="sin(x)", domain=f"points({path})", k=4, ops=(Edit(refit=True),)))
    assert view.estimate.upper == view.estimate.value < 1e-9, view.estimate


def test_the_unit_lines_of_a_2d_network_lie_on_a_x_plus_b_and_cross_the_box():
    view = compute(State(target="franke", k=16))
    xs, ys = logic.unit_lines(view.network, view.target.domain)
    A, b = view.network.A, view.network.b
    assert len(xs) == 16
    for i, (x, y) in enumerate(zip(xs, ys)):
        ends = np.column_stack([x, y])
        np.testing.assert_allclose(ends @ A[i] + b[i], 0, atol=1e-9 * (1 + abs(b[i])))
        # each end is a diagonal from the line's point nearest the box's centre: it crosses the box wherever the line does
        assert np.linalg.norm(ends[1] - ends[0]) >= 2 * np.sqrt(2) - 1e-12
    assert logic.unit_lines(compute(State(k=4)).network, uat.get_target("sin2pi").domain) == ([], [])


def test_a_watcher_sees_every_update_and_can_cancel_a_training_fit():
    from uat.exceptions import FitCancelled

    seen = []
    view = compute(State(method="backprop", k=3, seed=11), watch=lambda i, loss, s: seen.append((i, loss)))
    assert len(seen) == len(view.result.history["loss"]) - sum(view.result.history["resolve_c"])
    assert view.estimate.value == uat.fit("sin2pi", width=3, method="backprop", seed=11).sup_error().value

    def cancel(i, loss, seconds):
        if i >= 3:
            raise FitCancelled("stop")

    with pytest.raises(FitCancelled):
        compute(State(method="backprop", k=5, seed=12), watch=cancel)
    assert logic._FITS.items.get(State(method="backprop", k=5, seed=12).fit_key()) is None  # nothing cached
    with pytest.raises(FitCancelled):
        logic.curve_point(State(method="backprop", seed=12), 6, watch=cancel)  # not a failed point: cancelled
