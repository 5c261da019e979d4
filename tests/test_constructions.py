"""The constructions that make depth concrete: the sawtooth g_s, Yarotsky's f_m ≈ x², exact breakpoints, and the
depth-separation bound, each against its known mathematics."""

import numpy as np
import pytest

import uat
from uat.constructions import relu_breakpoints, sawtooth, yarotsky_square
from uat.deep import DeepNetwork
from uat.network import ShallowNetwork

EPS = np.finfo(float).eps


def _nodes(net, lower=0.0, upper=1.0):
    """[lower, *breakpoints, upper]: Φ is linear between consecutive nodes."""
    return np.concatenate([[lower], relu_breakpoints(net, lower, upper), [upper]])


def _values(net, x):
    return net(np.asarray(x, dtype=float)[:, None])[:, 0]


def _square_sup_error(net):
    """sup_[0,1] |x² − Φ| exactly: on a piece [p, q] where Φ(x) = αx + β, x² − Φ is a parabola with its vertex
    at x = α/2, so its largest magnitude is at p, q or the vertex (when inside)."""
    x = _nodes(net)
    alpha = np.diff(_values(net, x)) / np.diff(x)
    vertex = np.clip(alpha / 2, x[:-1], x[1:])
    candidates = np.concatenate([x, vertex])
    return float(np.max(np.abs(candidates**2 - _values(net, candidates))))


# --- sawtooth ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("s", range(1, 9))
def test_sawtooth_has_2_to_the_s_pieces_alternating_slopes_and_0_1_at_the_dyadic_points(s):
    g = sawtooth(s)
    assert g.depth == s + 1 and g.widths == (1,) + (3,) * s + (1,) and g.n_params == 12 * s - 2
    j = np.arange(2**s + 1)
    breaks = relu_breakpoints(g, 0, 1)
    assert breaks.size == 2**s - 1  # 2^s pieces
    np.testing.assert_allclose(breaks, j[1:-1] / 2**s, rtol=0, atol=EPS)
    np.testing.assert_allclose(_values(g, j / 2**s), j % 2, rtol=0, atol=4 * EPS)
    slopes = np.diff(_values(g, _nodes(g))) / np.diff(_nodes(g))  # every breakpoint is a real kink: ±2^s
    np.testing.assert_allclose(slopes, 2.0**s * (-1.0) ** j[:-1], rtol=1e-12)


@pytest.mark.parametrize("s", [1, 4, 8])
def test_sawtooth_is_linear_between_its_breakpoints_within_0_1_and_crosses_half_2_to_the_s_times(s):
    g, x = sawtooth(s), _nodes(sawtooth(s))
    theta = np.random.default_rng(s).uniform(size=(x.size - 1, 5))
    inside = (x[:-1, None] + theta * np.diff(x)[:, None]).ravel()
    v = _values(g, x)
    np.testing.assert_allclose(_values(g, inside), np.interp(inside, x, v), rtol=0, atol=2.0**s * 8 * EPS)
    dense = _values(g, np.linspace(0, 1, 100_003))
    assert np.all((dense >= -4 * EPS) & (dense <= 1 + 4 * EPS))
    assert np.count_nonzero(np.diff(np.sign(v - 0.5)) != 0) == 2**s


def test_sawtooth_is_zero_outside_0_1_and_kinks_at_the_ends_there():
    g = sawtooth(2)
    np.testing.assert_allclose(relu_breakpoints(g, -1, 2), [0, 0.25, 0.5, 0.75, 1], rtol=0, atol=EPS)
    np.testing.assert_array_equal(_values(g, [-1.0, -0.25, 1.5, 2.0]), 0.0)


# --- yarotsky_square ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("m", range(0, 9))
def test_yarotsky_square_interpolates_x2_at_the_2m_plus_1_points(m):
    f = yarotsky_square(m)
    assert f.depth == m + 1 and f.widths == ((1, 1) if m == 0 else (1,) + (4,) * m + (1,))
    assert f.n_params == (2 if m == 0 else 20 * m - 7)
    t = np.arange(2**m + 1) / 2**m
    np.testing.assert_allclose(_values(f, t), t**2, rtol=0, atol=4 * EPS)
    np.testing.assert_allclose(_nodes(f), t, rtol=0, atol=EPS)  # kinks exactly at the interpolation points


@pytest.mark.parametrize("m", range(0, 9))
def test_yarotsky_square_sup_error_is_exactly_2_to_the_minus_2m_minus_2(m):
    f = yarotsky_square(m)
    exact = _square_sup_error(f)
    assert exact == pytest.approx(2.0 ** (-2 * m - 2), rel=4 * EPS)
    x = np.linspace(0, 1, 100_001)  # spacing δ = 1e-5: within δ²/4 of the peak, never above it
    dense = np.max(np.abs(x**2 - _values(f, x)))
    assert exact - 1e-5**2 / 4 - 4 * EPS <= dense <= exact + 4 * EPS


def test_yarotsky_square_terms_are_the_sawtooths_over_4_to_the_s():
    x = np.random.default_rng(0).uniform(size=1000)
    for m in range(1, 7):
        difference = _values(yarotsky_square(m - 1), x) - _values(yarotsky_square(m), x)
        np.testing.assert_allclose(difference, _values(sawtooth(m), x) / 4.0**m, rtol=0, atol=8 * EPS)


# --- relu_breakpoints on other networks ---------------------------------------------------------------------

def _random_net(seed, widths, activation, output_activation=None):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(n_out, n_in)) for n_in, n_out in zip(widths[:-1], widths[1:])]
    biases = [rng.normal(size=n_out) for n_out in widths[1:]]
    return DeepNetwork(weights, biases, activation=activation, output_activation=output_activation)


@pytest.mark.parametrize("seed, widths, activation, output", [
    (0, (1, 6, 6, 1), "relu", None), (1, (1, 8, 5, 7, 2), "leaky_relu", None),
    (2, (1, 5, 5, 5, 1), ["relu", "identity", "leaky_relu"], None), (3, (1, 4, 4, 1), "relu", "relu")])
def test_random_nets_are_linear_between_breakpoints_and_bend_only_where_a_unit_crosses_zero(seed, widths,
                                                                                             activation, output):
    net = _random_net(seed, widths, activation, output)
    x = _nodes(net, -3.0, 3.0)
    assert np.all(np.diff(x) > 0)
    theta = np.random.default_rng(seed).uniform(size=(x.size - 1, 7))
    inside = (x[:-1, None] + theta * np.diff(x)[:, None]).ravel()
    V, Y = net(x[:, None]), net(inside[:, None])
    scale = np.max(np.abs(V)) + 1
    for i in range(net.n_outputs):
        np.testing.assert_allclose(Y[:, i], np.interp(inside, x, V[:, i]), rtol=0, atol=1e-12 * scale)
    Z = _all_preactivations(net, x[1:-1])
    assert np.all(np.min(np.abs(Z), axis=1) <= 1e-12 * (np.max(np.abs(Z), axis=1) + 1))  # each is some unit's zero


def _all_preactivations(net, x):
    """Every z_ℓ (hidden and output) at the points x, side by side: (p, N_1 + … + N_L)."""
    A, Z = x[:, None], []
    for ell, (W, b) in enumerate(zip(net.weights, net.biases)):
        Z.append(A @ W.T + b)
        if ell < len(net.activations):
            A = net.activations[ell].fn(Z[-1])
    return np.hstack(Z)


def test_a_depth_2_net_bends_at_the_shallow_transitions_minus_b_over_a():
    rng = np.random.default_rng(5)
    A, b, C = rng.normal(size=(9, 1)), rng.normal(size=9), rng.normal(size=(1, 9))
    shallow = ShallowNetwork(A, b, C, "relu")
    deep = DeepNetwork([A, C], [b, np.zeros(1)], activation="relu")
    t = shallow.transition_points()  # the secant through z at ±2 finds −b/a to a few eps·(upper − lower)
    np.testing.assert_allclose(relu_breakpoints(deep, -2, 2), np.sort(t[(t > -2) & (t < 2)]), rtol=0, atol=16 * EPS)


def test_identity_layers_add_no_breakpoints_and_an_output_relu_adds_its_zero():
    linear = _random_net(0, (1, 3, 3, 1), "identity")
    assert relu_breakpoints(linear, -5, 5).size == 0
    ramp = DeepNetwork([[[1.0]], [[1.0]]], [[0.0], [-0.3]], activation="identity", output_activation="relu")
    np.testing.assert_allclose(relu_breakpoints(ramp, 0, 1), [0.3], rtol=0, atol=EPS)


# --- depth separation ---------------------------------------------------------------------------------------

def _exact_sup_against_sawtooth(s, shallow):
    """sup_[0,1] |g_s − φ| exactly: both are linear between the union of their kinks (φ's are −b_i/a_i)."""
    t = shallow.transition_points()
    x = np.union1d(_nodes(sawtooth(s)), t[(t > 0) & (t < 1)])
    return float(np.max(np.abs(_values(sawtooth(s), x) - shallow(x[:, None])[:, 0])))


@pytest.mark.parametrize("method", ["lstsq", "minimax"])
@pytest.mark.parametrize("s", [3, 4, 5])
def test_one_hidden_layer_with_at_most_2_to_the_s_minus_2_units_misses_the_sawtooth_by_half(s, method):
    g = sawtooth(s)
    for k in sorted({1, 2, 2 ** (s - 1), 2**s - 3, 2**s - 2}):
        result = uat.fit(lambda X: g(X)[:, 0], "[0,1]", width=k, activation="relu", method=method)
        t = result.network.transition_points()
        assert np.count_nonzero((t > 0) & (t < 1)) <= k  # at most k + 1 linear pieces on [0, 1]
        exact = _exact_sup_against_sawtooth(s, result.network)
        measured = uat.sup_error(lambda X: g(X)[:, 0], result.network, "[0,1]").value
        assert exact >= 0.5 - 8 * EPS, (k, exact)
        assert 0.5 - 8 * EPS <= measured <= exact + 1e-12, (k, measured, exact)


@pytest.mark.parametrize("s", [3, 4, 5])
def test_the_bound_is_about_k_2_to_the_s_plus_1_units_reach_the_sawtooth(s):
    g = sawtooth(s)
    exact_fit = uat.fit(lambda X: g(X)[:, 0], "[0,1]", width=2**s + 1, activation="relu", method="relu_interp")
    assert _exact_sup_against_sawtooth(s, exact_fit.network) <= 2.0**s * 16 * EPS
    wide = uat.fit(lambda X: g(X)[:, 0], "[0,1]", width=4 * 2**s, activation="relu")
    assert _exact_sup_against_sawtooth(s, wide.network) < 0.5  # least squares too, once wide enough


# --- refusals -----------------------------------------------------------------------------------------------

def test_bad_orders_are_refused_by_name():
    with pytest.raises(ValueError, match=r"s must be an integer >= 1; got 0"):
        sawtooth(0)
    with pytest.raises(TypeError, match=r"s must be an integer >= 1; got 1\.5"):
        sawtooth(1.5)
    with pytest.raises(ValueError, match=r"m must be an integer >= 0; got -1"):
        yarotsky_square(-1)
    with pytest.raises(TypeError, match=r"m must be an integer >= 0; got '2'"):
        yarotsky_square("2")


def test_relu_breakpoints_refuses_other_sigmas_other_dimensions_and_other_models():
    accepted = r"piecewise-linear σ in every layer \(relu, leaky_relu, identity\)"
    with pytest.raises(ValueError, match=accepted + r"; the σ of hidden layer 2 is 'tanh'"):
        relu_breakpoints(_random_net(0, (1, 3, 3, 3, 1), ["relu", "tanh", "relu"]), 0, 1)
    with pytest.raises(ValueError, match=r"the output activation is 'sigmoid'"):
        relu_breakpoints(_random_net(0, (1, 3, 1), "relu", "sigmoid"), 0, 1)
    with pytest.raises(ValueError, match=r"heaviside"):
        relu_breakpoints(_random_net(0, (1, 3, 1), "heaviside"), 0, 1)
    with pytest.raises(ValueError, match=r"1-D networks.*dim 2"):
        relu_breakpoints(_random_net(0, (2, 3, 1), "relu"), 0, 1)
    with pytest.raises(TypeError, match=r"net must be a DeepNetwork; got ShallowNetwork"):
        relu_breakpoints(ShallowNetwork(np.ones((2, 1)), np.zeros(2), np.ones((1, 2)), "relu"), 0, 1)
    with pytest.raises(ValueError, match=r"lower must be < upper; got lower = 1.0, upper = 0.0"):
        relu_breakpoints(sawtooth(2), 1, 0)
    with pytest.raises(ValueError, match=r"upper must be a finite real number"):
        relu_breakpoints(sawtooth(2), 0, np.inf)
