"""Certified sup-norm brackets (uat.certify): every bracket contains the best value a dense search
finds, upper >= lower, and the pieces (σ′ ranges, |σ″| bounds) are checked against dense evaluation."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import uat
from uat import Box, ShallowNetwork, Target, get_activation, get_target
from uat.certify import _second_bound, can_bracket, derivative_range, sup_bracket

CONTINUOUS = [name for name in uat.list_activations() if get_activation(name).continuous]
PROPERTY = settings(max_examples=25, deadline=None, derandomize=True)


def _intervals(rng, count=400):
    centre = rng.normal(0, 4, count) * rng.choice([0.01, 1, 5], count)
    half = rng.exponential(1.0, count) * rng.choice([1e-6, 0.1, 1, 10], count)
    return centre - half, centre + half


def _dense(lo, hi, points=2001):
    t = np.linspace(0, 1, points)
    return lo[:, None] + (hi - lo)[:, None] * t[None, :]


@pytest.mark.parametrize("name", CONTINUOUS)
def test_derivative_range_contains_every_value_of_sigma_prime(name):
    act = get_activation(name)
    lo, hi = _intervals(np.random.default_rng(1))
    dlo, dhi = derivative_range(act, lo, hi)
    Z = _dense(lo, hi)
    with np.errstate(over="ignore", invalid="ignore"):
        D = act.derivative(Z)
    assert np.all(dlo <= dhi)
    finite = np.isfinite(D).all(axis=1)
    slack = 1e-12 * (1 + np.abs(D[finite]).max(axis=1))
    assert np.all(D[finite].min(axis=1) >= dlo[finite] - slack)
    assert np.all(D[finite].max(axis=1) <= dhi[finite] + slack)
    # and it is tight: within the dense sampling's resolution of the true range
    width = np.maximum(np.abs(dhi - dlo), 1e-300)
    tight = (D[finite].max(axis=1) - D[finite].min(axis=1)) >= (dhi - dlo)[finite] - 1e-3 * width[finite] - 1e-9
    assert tight.mean() > 0.95


@pytest.mark.parametrize("name", [n for n in CONTINUOUS if get_activation(n).differentiable])
def test_second_derivative_bound_is_above_dense_central_differences(name):
    act = get_activation(name)
    lo, hi = _intervals(np.random.default_rng(2))
    S = _second_bound(act, lo, hi)
    Z = _dense(lo, hi, 801)
    h = 1e-5
    with np.errstate(over="ignore", invalid="ignore"):
        second = np.abs(act.derivative(Z + h) - act.derivative(Z - h)) / (2 * h)
    ok = np.isfinite(S) & np.isfinite(second).all(axis=1)
    assert np.all(second[ok].max(axis=1) <= S[ok] * (1 + 1e-4) + 1e-6)
    if name in ("relu", "leaky_relu"):  # a kink inside: σ″ is a point mass, no bound; outside: 0
        assert np.all(np.isinf(S) == ((lo <= 0) & (hi >= 0)))


def _random_network(rng, activation, n=1, m=1, k=None):
    k = k or int(rng.integers(1, 12))
    A = rng.normal(0, 3, (k, n))
    return ShallowNetwork(A, rng.normal(0, 2, k), rng.normal(0, 1, (m, k)), activation)


def _dense_max(target, g, points=200_001):
    lo, hi = target.domain.lower, target.domain.upper
    if target.dim == 1:
        X = np.linspace(lo[0], hi[0], points)[:, None]
    else:
        side = int(round(points ** (1 / target.dim)))
        axes = [np.linspace(lo[i], hi[i], side) for i in range(target.dim)]
        X = np.stack([a.ravel() for a in np.meshgrid(*axes, indexing="ij")], axis=1)
    return float(np.max(np.linalg.norm(target(X) - g(X), axis=1)))


LIPSCHITZ_1D = [n for n in uat.list_targets() if get_target(n).dim == 1 and get_target(n).lipschitz is not None]


@given(seed=st.integers(0, 2**32 - 1), name=st.sampled_from(LIPSCHITZ_1D),
       activation=st.sampled_from([a for a in CONTINUOUS if can_bracket(get_activation(a))]))
@PROPERTY
def test_bracket_contains_the_dense_search_maximum_1d(seed, name, activation):
    target = get_target(name)
    g = _random_network(np.random.default_rng(seed), activation, m=target.n_outputs)
    bracket = sup_bracket(target, g, max_evals=1 << 15, n_initial=64)
    dense = _dense_max(target, g)
    assert bracket.lower <= bracket.upper
    assert bracket.upper >= dense * (1 - 1e-12)  # never below a value f − g takes
    # the lower bound is attained: at most what the dense grid (spacing 1e-5) can miss above its maximum
    x = np.linspace(-1, 1, 200_001)[:, None] if target.domain == Box(-1, 1) else None
    if x is not None:
        lip_g = float(np.max(np.linalg.norm(np.diff(g(x), axis=0), axis=1))) / 1e-5
        assert bracket.lower <= dense + 1.01 * (target.lipschitz + lip_g) * 1e-5 / 2 + 1e-12
    est = uat.sup_error(target, g, certify=False)
    assert bracket.upper >= est.value * (1 - 1e-12)


@given(seed=st.integers(0, 2**32 - 1), activation=st.sampled_from(["tanh", "relu", "sigmoid", "gaussian", "sin"]),
       name=st.sampled_from(["franke", "bump", "product_peak", "vortex"]))
@settings(max_examples=10, deadline=None, derandomize=True)
def test_bracket_contains_the_dense_search_maximum_2d(seed, activation, name):
    target = get_target(name)
    g = _random_network(np.random.default_rng(seed), activation, n=2, m=target.n_outputs)
    bracket = sup_bracket(target, g, max_evals=1 << 16)
    dense = _dense_max(target, g, 401**2)
    est = uat.sup_error(target, g, certify=False)
    assert bracket.lower <= bracket.upper
    assert bracket.upper >= max(dense, est.value) * (1 - 1e-12)


def test_3d_bracket_respects_its_budget_and_contains_the_estimate():
    target = get_target("oscillatory")
    g = _random_network(np.random.default_rng(7), "tanh", n=3, k=6)
    bracket = sup_bracket(target, g, max_evals=20_000)
    est = uat.sup_error(target, g, certify=False)
    assert bracket.n_evals <= 20_000 + 2  # the seed points
    assert bracket.upper >= est.value and bracket.lower <= bracket.upper


def test_converges_to_the_requested_gap_on_well_conditioned_fits():
    r = uat.fit("runge", width=8, activation="tanh", seed=0)
    bracket = sup_bracket("runge", r.network, rtol=1e-3)
    assert bracket.converged and bracket.gap <= 1e-3 + 2 * bracket.floor / bracket.lower
    est = r.sup_error(certify=False)
    assert bracket.lower <= bracket.upper and bracket.upper >= est.value


def test_second_order_bound_closes_gaps_the_first_order_cannot():
    r = uat.fit("sin2pi", width=16, activation="tanh", seed=0)
    with_curvature = sup_bracket("sin2pi", r.network, max_evals=1 << 15)
    assert with_curvature.converged
    first_only = sup_bracket(Target(get_target("sin2pi").fn, Box(-1, 1), "s", lipschitz=2 * math.pi),
                             r.network, max_evals=1 << 15)
    assert not first_only.converged and first_only.upper > with_curvature.upper
    assert first_only.upper >= with_curvature.lower


def test_relu_interpolant_of_a_quadratic_is_bracketed_exactly():
    # the piecewise-linear interpolant of x² on 4 intervals (h = 1/2) errs by h²/4 = 1/16 at every midpoint
    knots = np.linspace(-1, 1, 5)
    slopes = np.diff(knots**2) / np.diff(knots)
    A = np.ones(5)
    b = np.concatenate([[2.0, 1.0], -knots[1:-1]])  # relu(x+2) − relu(x+1) = 1 on K; relu(x+1); kinks
    C = np.concatenate([[1.0, slopes[0] - 1.0], np.diff(slopes)])
    g = ShallowNetwork(A, b, C, "relu")
    np.testing.assert_allclose(g(knots[:, None])[:, 0], knots**2, atol=1e-14)
    bracket = sup_bracket("quadratic", g, rtol=1e-9)
    assert bracket.lower == pytest.approx(1 / 16, abs=1e-15)
    assert 1 / 16 <= bracket.upper <= 1 / 16 * (1 + 1e-9) + 2 * bracket.floor


def test_refuses_what_it_cannot_certify():
    g = ShallowNetwork([1.0], [0.0], [1.0], "tanh")
    with pytest.raises(ValueError, match=r"has no known Lipschitz constant.*pass lipschitz="):
        sup_bracket("sqrt_abs", g)
    with pytest.raises(ValueError, match=r"domains of dimension 1, 2 or 3 \(a cover by boxes\); got the 4-D"):
        sup_bracket("x1", ShallowNetwork(np.ones((1, 4)), [0.0], [1.0], "tanh"), "[0,1]^4", lipschitz=1.0)
    with pytest.raises(ValueError, match=r"heaviside.*no bound"):
        sup_bracket("abs", ShallowNetwork([1.0], [0.0], [1.0], "heaviside"))
    with pytest.raises(TypeError, match=r"g must be a ShallowNetwork"):
        sup_bracket("abs", lambda X: X[:, 0])
    with pytest.raises(ValueError, match=r"rtol must be a finite number >= 0; got -1"):
        sup_bracket("abs", g, rtol=-1)
    with pytest.raises(ValueError, match=r"lipschitz must be a finite number >= 0; got nan"):
        sup_bracket("abs", g, lipschitz=float("nan"))
    # a user-supplied constant makes a non-library target certifiable
    bracket = sup_bracket("sqrt(x)", g, "[1,2]", lipschitz=0.5)
    assert bracket.lower <= bracket.upper


def test_a_wrong_lipschitz_constant_is_the_users_responsibility_but_a_right_one_is_tight():
    g = ShallowNetwork([1.0], [0.0], [0.0], "tanh")  # g = 0: sup |sawtooth| = 1
    right = sup_bracket("sawtooth", g, rtol=1e-6)
    assert 1.0 <= right.upper <= 1 + 1e-6 + 2 * right.floor and right.converged


def test_sup_error_reports_the_bracket():
    r = uat.fit("runge", width=12, activation="tanh", method="minimax", seed=1)
    est = r.sup_error()
    bracket = est.details["bracket"]
    assert est.upper == bracket.upper and est.value >= bracket.lower * (1 - 1e-15)
    assert "upper bound proved by branch and bound (1-D, second order; closed to the requested gap)" in est.method
    assert est.lower <= est.upper


@given(seed=st.integers(0, 2**32 - 1), activation=st.sampled_from([a for a in CONTINUOUS if can_bracket(get_activation(a))]),
       n=st.sampled_from([1, 2]))
@PROPERTY
def test_per_cell_bounds_hold_on_densely_sampled_cells(seed, activation, n):
    """The pieces of every bracket: on random cells, ‖g(x) − g(c)‖ never exceeds the variation bound,
    and in 1-D |g″| (central differences) never exceeds the curvature bound."""
    from uat.certify import _variation

    rng = np.random.default_rng(seed)
    g = _random_network(rng, activation, n=n, m=int(rng.integers(1, 3)))
    centers = rng.uniform(-1, 1, (40, n))
    radii = 10.0 ** rng.uniform(-3, 0, (40, n))
    t = rng.uniform(-1, 1, (40, 400, n))
    t[:, :2**n] = np.array(np.meshgrid(*[[-1, 1]] * n)).reshape(n, -1).T  # the corners
    X = centers[:, None, :] + radii[:, None, :] * t
    G = g(X.reshape(-1, n)).reshape(40, 400, -1)
    spread = np.linalg.norm(G - g(centers)[:, None, :], axis=2).max(axis=1)
    if n == 1:
        variation, curvature = _variation(g, centers, radii, curvature=True)
        h = 5e-3 * radii[:, 0]  # a second difference is g″ averaged over [x − h, x + h], inside the cell
        x = X[:, :, 0]
        inner = np.abs(t[:, :, 0]) < 0.99
        second = [np.linalg.norm(g((x[i] + h[i])[:, None]) - 2 * g(x[i][:, None]) + g((x[i] - h[i])[:, None]), axis=1)
                  / h[i] ** 2 for i in range(40)]
        for i in range(40):
            if np.isfinite(curvature[i]) and not np.any(np.isin(activation, ["relu", "leaky_relu", "elu"])):
                noise = 16 * np.finfo(float).eps * np.abs(G[i]).max() / h[i] ** 2  # rounding in the difference
                assert second[i][inner[i]].max() <= curvature[i] * (1 + 1e-3) + noise
    else:
        variation = _variation(g, centers, radii)
    assert np.all(spread <= variation * (1 + 1e-12) + 1e-14)
    # and not absurdly loose: within a factor 4 of the sampled spread on most cells
    assert np.mean(variation <= 4 * spread + 1e-12) > 0.5


@given(seed=st.integers(0, 2**32 - 1), name=st.sampled_from(LIPSCHITZ_1D),
       activation=st.sampled_from(["tanh", "relu", "sigmoid", "softplus", "gaussian", "sin"]))
@PROPERTY
def test_an_unrefined_bracket_still_bounds_the_dense_maximum(seed, name, activation):
    """With no budget to refine, the upper bound is the first grid's: loose, but never below the sup."""
    target = get_target(name)
    g = _random_network(np.random.default_rng(seed), activation, m=target.n_outputs)
    bracket = sup_bracket(target, g, max_evals=1, n_initial=16)
    assert bracket.rounds == 0 and bracket.upper >= _dense_max(target, g) * (1 - 1e-12)


def test_an_overflowing_bound_keeps_its_cell_instead_of_discarding_it():
    """A dead ReLU unit with weights ~1e200 makes C·a overflow (0·inf = NaN in the bound): found in review,
    where every cell was discarded and the bracket 'converged' 6e-6 below the dense maximum."""
    target = get_target("sin2pi")
    g = ShallowNetwork([[1e200], [3.0]], [-1e300, 0.1], [[1e200, 0.3]], "relu")  # unit 0 is dead: g is finite
    bracket = sup_bracket(target, g, rtol=1e-6, max_evals=1 << 14)
    assert bracket.upper >= _dense_max(target, g, 2_000_001)


def test_a_user_activation_registered_over_a_builtin_name_gets_no_builtin_facts():
    from uat.activations import _ACTIVATIONS

    original = get_activation("sin")
    try:
        uat.register_activation("sin", lambda z: np.sin(3 * z), lambda z: 3 * np.cos(3 * z), lipschitz=3.0,
                                bound=1.0, overwrite=True)
        g = ShallowNetwork([1.3, -0.7], [0.2, 0.1], [1.0, 0.5], "sin")
        lo, hi = derivative_range(g.activation, np.array([-1.0]), np.array([1.0]))
        assert (lo[0], hi[0]) == (-3.0, 3.0)  # its own Lipschitz constant, not the built-in sin's [−1, 1]
        bracket = sup_bracket("quadratic", g, max_evals=1 << 14)
        assert bracket.upper >= _dense_max(get_target("quadratic"), g)
    finally:
        _ACTIVATIONS.add("sin", original, overwrite=True)


def test_vector_curvature_is_the_euclidean_norm():
    # f = (1 − x², 1 − x²): ‖f″‖₂ = 2√2; with it the bracket of g = 0 contains the sup √2
    f = Target(lambda X: np.stack([1 - X[:, 0] ** 2] * 2, axis=1), Box(-1, 1), "twin", lipschitz=2 * math.sqrt(2),
               n_outputs=2, curvature=2 * math.sqrt(2))
    g = ShallowNetwork([[1.0]], [0.0], [[0.0], [0.0]], "tanh")
    bracket = sup_bracket(f, g, rtol=1e-6)
    assert bracket.lower == pytest.approx(math.sqrt(2)) and bracket.upper >= math.sqrt(2)


def test_review_refusals_name_their_parameter():
    g = ShallowNetwork([1.0], [0.0], [1.0], "tanh")
    with pytest.raises(ValueError, match=r"certify_rtol must be a finite number >= 0; got -1"):
        uat.sup_error("abs", g, certify_rtol=-1)
    with pytest.raises(ValueError, match=r"points must lie in the domain"):
        sup_bracket("abs", g, points=[[3.0]])
    with pytest.raises(ValueError, match=r"curvature must be a finite number >= 0 or None; got '2'"):
        Target(np.sin, "[0,1]", curvature="2")
    assert type(sup_bracket("abs", g).upper) is float


def test_an_overflowing_derivative_gives_an_infinite_range_not_an_error():
    lo, hi = derivative_range(get_activation("cube"), np.array([-1e200, 0.5]), np.array([1e200, 1.0]))
    assert (lo[0], hi[0]) == (0.0, np.inf) and (lo[1], hi[1]) == (0.75, 3.0)  # 3z² ≥ 0; its top overflows


@pytest.mark.filterwarnings("ignore::uat.IllConditionedWarning")
def test_a_hopeless_bracket_stops_early_with_a_proved_upper_bound(monkeypatch):
    """Least-squares tanh features on Runge at width 64 have coefficients ~1e9 that cancel: interval bounds cannot
    close the bracket, and its projection says so at once (benchmarks/bracket_projection.md). It stops, 'hopeless',
    with an upper bound that is still proved (above the dense maximum); with the early stop off it spends its budget."""
    import uat.certify as certify

    g = uat.fit("runge", width=64).network
    est = uat.sup_error("runge", g)
    bracket = est.details["bracket"]
    assert bracket.outcome == "hopeless" and not bracket.converged and "stopped early" in est.method
    assert bracket.upper >= _dense_max(get_target("runge"), g) and bracket.upper > certify.HOPELESS * bracket.lower
    assert bracket.n_evals < 1 << 13
    monkeypatch.setattr(certify, "HOPELESS", math.inf)
    full = uat.sup_error("runge", g)  # the whole budget spent
    monkeypatch.undo()
    assert full.details["bracket"].outcome == "budget" and full.upper < bracket.upper
    off = uat.sup_error("runge", g, certify_early_stop=False)  # what a study asks for
    assert (off.value, off.upper) == (full.value, full.upper)


@pytest.mark.filterwarnings("ignore::uat.IllConditionedWarning")
def test_outcomes_are_a_fixed_vocabulary():
    from uat.certify import OUTCOMES

    g = uat.fit("runge", width=8).network
    for est in (uat.sup_error("runge", g), uat.sup_error("runge", g, certify_evals=1, certify_rtol=0.0),
                uat.sup_error("runge", uat.fit("runge", width=64).network)):
        assert est.details["bracket"].outcome in OUTCOMES
        assert est.facts["outcome"] == est.details["bracket"].outcome


def test_a_user_activation_with_critical_points_and_a_second_bound_gets_a_tighter_bracket():
    """Activation.deriv_critical and second_bound reach a user σ: least-squares softsign features on the quadratic
    close to 1e-6 in a thousand evaluations, where [−lipschitz, lipschitz] alone leaves a gap of ~100×."""
    from uat.activations import Activation, SecondBound

    softsign, prime = (lambda z: z / (1 + np.abs(z))), (lambda z: 1 / (1 + np.abs(z)) ** 2)
    plain = Activation("test_softsign", softsign, prime, lipschitz=1.0, bound=1.0)
    known = Activation("test_softsign", softsign, prime, lipschitz=1.0, bound=1.0, deriv_critical=(0.0,),
                       second_bound=SecondBound(lambda z: 2 / (1 + np.abs(z)) ** 3, 2.0, 0.0))
    rng = np.random.default_rng(0)
    A, b = rng.normal(0, 3, (8, 1)), rng.uniform(-3, 3, 8)
    X = np.linspace(-1, 1, 201)[:, None]
    C = np.linalg.lstsq(softsign(X @ A.T + b), get_target("quadratic")(X).reshape(-1), rcond=None)[0][None, :]
    dense = _dense_max(get_target("quadratic"), ShallowNetwork(A, b, C, plain))
    loose, tight = (sup_bracket("quadratic", ShallowNetwork(A, b, C, act), rtol=1e-6, max_evals=1 << 12)
                    for act in (plain, known))
    assert loose.upper >= dense and tight.upper >= dense
    assert tight.converged and not loose.converged and loose.upper > 10 * tight.upper
