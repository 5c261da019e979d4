"""DeepNetwork: Kutyniok's Φ and the lecture's layers."""

import io
import json
import tracemalloc

import numpy as np
import pytest

import uat
import uat.fitting.base as fitting_base
import uat.network as network
from uat.deep import DeepNetwork
from uat.models import load_model
from uat.network import ShallowNetwork
from uat.npzfile import write_npz


def test_a_depth_3_network_is_the_composition_of_its_layers_by_hand():
    rng = np.random.default_rng(0)
    W = [rng.normal(size=(5, 4)), rng.normal(size=(6, 5)), rng.normal(size=(3, 6))]
    b = [rng.normal(size=5), rng.normal(size=6), rng.normal(size=3)]
    X = rng.normal(size=(7, 4))
    net = DeepNetwork(W, b, activation=["tanh", "relu"])
    a1 = np.tanh(X @ W[0].T + b[0])
    a2 = np.maximum(a1 @ W[1].T + b[1], 0)
    np.testing.assert_allclose(net(X), a2 @ W[2].T + b[2], rtol=1e-14, atol=1e-14)
    assert (net.depth, net.widths, net.n_params) == (3, (4, 5, 6, 3), 5 * 4 + 5 + 6 * 5 + 6 + 3 * 6 + 3)
    lecture = DeepNetwork(W, b, activation="sigmoid", output_activation="sigmoid")
    s = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    np.testing.assert_allclose(lecture(X), s(s(s(X @ W[0].T + b[0]) @ W[1].T + b[1]) @ W[2].T + b[2]), rtol=1e-14)


# ----------------------------------------------------------------------------- helpers
LONG_EXTRA_PRECISION = np.finfo(np.longdouble).eps < np.finfo(np.float64).eps
L_SIGMA = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, np.longdouble(0)),
           "sigmoid": lambda z: 1 / (1 + np.exp(-z))}


def random_deep(widths, activation="tanh", seed=0, scale=1.0, output_activation=None):
    """Weights N(0, 1/N_{ℓ−1}) times ``scale`` (a well-scaled net for scale 1), biases N(0, 1)."""
    rng = np.random.default_rng(seed)
    W = [scale * rng.standard_normal((n, p)) / np.sqrt(p) for p, n in zip(widths[:-1], widths[1:])]
    b = [rng.standard_normal(n) for n in widths[1:]]
    return DeepNetwork(W, b, activation, output_activation)


def long_reference(net, X, activation):
    """Φ(X) in extended precision, no uat code."""
    L = np.longdouble
    A = X.astype(L)
    for ell, (W, b) in enumerate(zip(net.weights, net.biases)):
        Z = A @ W.astype(L).T + b.astype(L)
        A = L_SIGMA[activation](Z) if ell < net.depth - 1 else Z
    return A


def hat_composition(s=2):
    """g_s = g∘…∘g (s times) with the hat g(x) = 2ρ(x) − 4ρ(x − ½) + 2ρ(x − 1): on [0, 1] a zigzag of 2^s linear
    pieces, kinks at k/2^s, peaks 1 at the odd multiples of 2^−s."""
    c = np.array([0.0, -0.5, -1.0])
    hat = np.array([[2.0, -4.0, 2.0]])
    weights = [np.ones((3, 1))] + [np.repeat(hat, 3, axis=0)] * (s - 1) + [hat]
    return DeepNetwork(weights, [c] * s + [np.zeros(1)], "relu")


# ----------------------------------------------------------------------------- validation
W3 = [np.ones((5, 4)), np.ones((6, 5)), np.ones((3, 6))]
B3 = [np.zeros(5), np.zeros(6), np.zeros(3)]


@pytest.mark.parametrize("weights, biases, kwargs, error, message", [
    (np.ones((5, 4)), [np.zeros(5)], {}, TypeError, r"weights must be a list \[W_1, …, W_L\] of arrays, one per "
                                                    r"layer; got ndarray of shape \(5, 4\)"),
    ([], [], {}, ValueError, "same length L >= 1"),
    (W3, B3[:2], {}, ValueError, r"same length L >= 1 \(one W_ℓ and one b_ℓ per layer\); got 3 weights and 2 biases"),
    ([np.ones((5, 4)), np.ones((6, 5)), np.ones((3, 4))], B3, {}, ValueError,
     r"^weights\[2\] has shape \(3, 4\); layer 3 takes the 6 outputs of layer 2, so it must be \(N_3, 6\)$"),
    ([np.ones(5)], [np.zeros(5)], {}, ValueError, r"weights\[0\] \(W_1\) must be a 2-D array of shape \(N_1, N_0\)"),
    ([np.ones((0, 4))], [np.zeros(0)], {}, ValueError, r"weights\[0\] \(W_1\).*sizes >= 1; got shape \(0, 4\)"),
    (W3, [np.zeros(5), np.zeros(4), np.zeros(3)], {}, ValueError,
     r"^biases\[1\] has shape \(4,\); layer 2 has N_2 = 6 units \(weights\[1\] is \(6, 5\)\), so it must be \(6,\)$"),
    (W3, [np.zeros(5), np.zeros((6, 1)), np.zeros(3)], {}, ValueError, r"biases\[1\] has shape \(6, 1\)"),
    ([np.ones((5, 4)), np.full((6, 5), np.nan), np.ones((3, 6))], B3, {}, ValueError,
     r"weights\[1\] must be finite; got nan at index \(0, 0\)"),
    (W3, [np.zeros(5), np.zeros(6), np.array([0, np.inf, 0])], {}, ValueError, r"biases\[2\] must be finite"),
    ([np.ones((5, 4)), np.ones((6, 5)) * 1j, np.ones((3, 6))], B3, {}, TypeError, r"weights\[1\] must be an array "
                                                                                  "of real numbers; got complex"),
    (W3, B3, {"activation": ["tanh", "relu", "tanh"]}, ValueError,
     r"or a list of exactly L − 1 = 2 of them \(one per hidden layer\); got a list of 3"),
    (W3, B3, {"activation": 3}, TypeError, r"activation must be a name or an Activation"),
    (W3, B3, {"activation": "tahn"}, ValueError, r"unknown activation 'tahn'.*tanh"),
    (W3, B3, {"output_activation": "sigmod"}, ValueError, r"unknown activation 'sigmod'"),
])
def test_bad_layers_are_refused_naming_the_layer_and_the_shape(weights, biases, kwargs, error, message):
    with pytest.raises(error, match=message):
        DeepNetwork(weights, biases, **kwargs)


def test_a_sigma_without_derivative_evaluates_and_depth_1_is_an_affine_map():
    net = DeepNetwork(W3[:2], B3[:2], "heaviside")
    X = np.random.default_rng(0).normal(size=(9, 4))
    np.testing.assert_array_equal(net(X), np.where(X @ W3[0].T >= 0, 1.0, 0.0) @ W3[1].T)
    affine = DeepNetwork([[[2.0, -1.0]]], [[0.5]])
    assert affine.depth == 1 and affine.activations == () and affine([[1.0, 3.0]]).tolist() == [[-0.5]]


def test_parameters_are_read_only_copies():
    W = [np.ones((2, 1)), np.ones((1, 2))]
    net = DeepNetwork(W, [np.zeros(2), np.zeros(1)], "relu")
    W[0][0, 0] = 5.0
    assert net.weights[0][0, 0] == 1.0
    with pytest.raises(ValueError, match="read-only"):
        net.weights[1][0, 0] = 2.0


# ----------------------------------------------------------------------------- evaluation
def test_evaluation_is_chunked_and_every_row_is_bitwise_independent_of_the_batch(monkeypatch):
    net = random_deep((3, 40, 24, 2), "tanh", seed=1)
    X = np.random.default_rng(2).uniform(-1, 1, (1000, 3))
    whole = net(X)
    monkeypatch.setattr(network, "BLOCK", 40 * 7)  # 7 rows per chunk, the last one short
    np.testing.assert_array_equal(net(X), whole)
    rows = np.vstack([net(X[i:i + 1]) for i in range(0, 1000, 37)])
    np.testing.assert_array_equal(rows, whole[::37])


def test_a_hundred_thousand_points_in_bounded_memory():
    net = random_deep((1, 64, 64, 1), "relu", seed=3)
    X = np.linspace(-1, 1, 100_000)[:, None]
    tracemalloc.start()
    try:
        Y = net(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * X.size + 6 * 8 * network.BLOCK  # the output and a few blocks, not the 51 MB of a layer
    np.testing.assert_array_equal(Y[::9973], net(X[::9973]))


def test_trace_is_the_lectures_forward_pass():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(6, 4))
    for out in (None, "sigmoid"):
        net = DeepNetwork([rng.normal(size=(5, 4)), rng.normal(size=(3, 5))], [rng.normal(size=5),
                                                                              rng.normal(size=3)], "sigmoid", out)
        t = net.trace(X)
        assert [z.shape for z in t.z] == [(6, 5), (6, 3)] and [a.shape for a in t.a] == [(6, 4), (6, 5), (6, 3)]
        np.testing.assert_array_equal(t.a[0], X)
        s = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
        np.testing.assert_allclose(t.z[0], X @ net.weights[0].T + net.biases[0], rtol=1e-14)
        np.testing.assert_allclose(t.a[1], s(t.z[0]), rtol=1e-14)
        np.testing.assert_allclose(t.z[1], t.a[1] @ net.weights[1].T + net.biases[1], rtol=1e-13)
        np.testing.assert_array_equal(t.a[2], net(X))  # the same bits as the chunked evaluation
        assert (t.a[2] is t.z[1]) == (out is None) and not t.a[1].flags.writeable


def test_trace_refuses_more_than_the_memory_available(monkeypatch):
    net = random_deep((2, 10, 1))
    monkeypatch.setattr(fitting_base, "available_memory", lambda: 1000.0)
    with pytest.raises(ValueError, match=r"trace of 100 points keeps z and a of every layer, about 1.8e\+04 bytes; "
                                         r"this machine has 1e\+03 available: trace fewer points"):
        net.trace(np.zeros((100, 2)))
    np.testing.assert_array_equal(net(np.zeros((100, 2))), net(np.zeros((1, 2))).repeat(100, axis=0))


# ----------------------------------------------------------------------------- rounding floor
def test_rounding_floor_is_positive_tiny_and_scales_with_the_last_layer():
    net = random_deep((2, 32, 32, 3), "tanh", seed=5)
    X = np.random.default_rng(6).uniform(-1, 1, (500, 2))
    floor = net.rounding_floor(X)
    assert 0 < floor < 1e-13 * float(np.max(np.abs(net(X))))
    doubled = DeepNetwork(list(net.weights[:-1]) + [2 * net.weights[-1]], list(net.biases[:-1]) + [2 * net.biases[-1]],
                          "tanh")
    assert doubled.rounding_floor(X) == 2 * floor  # scaling by a power of two changes no rounding


@pytest.mark.skipif(not LONG_EXTRA_PRECISION, reason="np.longdouble is float64 on this platform")
@pytest.mark.parametrize("activation", sorted(L_SIGMA))
@pytest.mark.parametrize("widths, scale", [((1, 64, 64, 1), 1.0), ((3, 32, 32, 32, 2), 3.0), ((2, 128, 1), 10.0),
                                           ((4, 16, 16, 16, 16, 1), 1.0)])
def test_rounding_floor_bounds_the_error_against_extended_precision(activation, widths, scale):
    for seed in range(3):
        net = random_deep(widths, activation, seed=seed, scale=scale)
        X = np.random.default_rng(seed + 10).uniform(-1, 1, (1000, widths[0]))
        error = float(np.max(np.abs(net(X).astype(np.longdouble) - long_reference(net, X, activation))))
        assert error <= net.rounding_floor(X)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_reordered_sums_stay_within_the_floor_and_float32_weights_do_not(activation):
    """Permuting every hidden layer's units is the same Φ summed in other orders: within the floor (twice, as the
    floor's own orders are other ones); rounding the weights to float32 is a real perturbation, far above it."""
    net = random_deep((2, 48, 48, 1), activation, seed=7)
    X = np.random.default_rng(8).uniform(-1, 1, (2000, 2))
    floor = net.rounding_floor(X)
    rng = np.random.default_rng(9)
    p, q = rng.permutation(48), rng.permutation(48)
    W1, W2, W3_ = net.weights
    permuted = DeepNetwork([W1[p], W2[q][:, p], W3_[:, q]], [net.biases[0][p], net.biases[1][q], net.biases[2]],
                           activation)
    assert np.max(np.abs(permuted(X) - net(X))) <= 2 * floor
    single = DeepNetwork([W.astype(np.float32) for W in net.weights], [b.astype(np.float32) for b in net.biases],
                         activation)
    assert np.max(np.abs(single(X) - net(X))) > 1e3 * floor


def test_the_floor_stays_finite_when_another_order_of_the_sum_overflows():
    rng = np.random.default_rng(10)
    W = [rng.standard_normal((64, 1)), np.full((1, 64), 1e306) * np.where(np.arange(64) % 2, 1, -1)]
    net = DeepNetwork(W, [rng.standard_normal(64), np.zeros(1)], "tanh")
    X = np.linspace(-1, 1, 50)[:, None]
    with np.errstate(over="raise"):
        floor = net.rounding_floor(X)
    assert np.isfinite(floor) and floor > 0


# ----------------------------------------------------------------------------- from_shallow, repr
@pytest.mark.parametrize("d", [None, [0.5, -1.0]])
def test_from_shallow_is_the_same_function_bit_for_bit(d):
    rng = np.random.default_rng(11)
    shallow = ShallowNetwork(rng.normal(size=(20, 3)), rng.normal(size=20), rng.normal(size=(2, 20)), "tanh", d)
    deep = DeepNetwork.from_shallow(shallow)
    X = rng.uniform(-1, 1, (400, 3))
    assert deep.depth == 2 and deep.widths == (3, 20, 2)
    assert deep.n_params == shallow.n_params + (2 if d is None else 0)
    assert np.max(np.abs(deep(X) - shallow(X))) <= shallow.rounding_floor(X)
    np.testing.assert_array_equal(deep(X), shallow(X))  # the same sums in the same order
    assert deep.rounding_floor(X) == pytest.approx(shallow.rounding_floor(X), rel=1e-12)
    with pytest.raises(TypeError, match="net must be a ShallowNetwork; got DeepNetwork"):
        DeepNetwork.from_shallow(deep)


def test_repr_and_describe_say_the_architecture():
    net = DeepNetwork(W3, B3, ["tanh", "relu"], output_activation="sigmoid")
    assert repr(net) == ("DeepNetwork(widths=(4, 5, 6, 3), activations=('tanh', 'relu'), "
                         "output_activation='sigmoid', n_params=82)")
    assert net.describe() == "deep network 4 → 5 → 6 → 3 (depth 3; tanh, relu, sigmoid at the output; 82 parameters)"
    assert uat.DeepNetwork is DeepNetwork


# ----------------------------------------------------------------------------- files
def _saved(model) -> bytes:
    buffer = io.BytesIO()
    model.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("activation, out", [("tanh", None), (["relu", "sigmoid"], "sigmoid"), (["gelu"] * 2, None)])
def test_save_load_round_trip_bit_for_bit(tmp_path, activation, out):
    net = random_deep((3, 7, 5, 2), activation, seed=12, output_activation=out)
    path = tmp_path / "deep.npz"
    net.save(path)
    X = np.random.default_rng(13).normal(size=(50, 3))
    for loaded in (DeepNetwork.load(path), load_model(path), DeepNetwork.load(io.BytesIO(_saved(net)))):
        assert type(loaded) is DeepNetwork and loaded.widths == net.widths
        assert loaded.activations == net.activations and loaded.output_activation is net.output_activation
        np.testing.assert_array_equal(loaded(X), net(X))
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == ["biases", "metadata", "weights"]
        metadata = json.loads(str(archive["metadata"]))
        assert archive["weights"].shape == (7 * 3 + 5 * 7 + 2 * 5,) and archive["biases"].shape == (14,)
    assert list(metadata)[:2] == ["format", "format_version"] and metadata["format"] == "uat.DeepNetwork"
    assert metadata["format_version"] == 1 and metadata["widths"] == [3, 7, 5, 2]
    assert metadata["activations"] == [a.name for a in net.activations] and metadata["output_activation"] == out


def test_a_file_of_the_other_network_is_refused_naming_both_formats():
    shallow = ShallowNetwork([[1.0]], [0.0], [[1.0]], "tanh")
    deep = DeepNetwork.from_shallow(shallow)
    with pytest.raises(ValueError, match=r"is not a uat deep network file \(format 'uat.ShallowNetwork', expected "
                                         r"'uat.DeepNetwork'\)"):
        DeepNetwork.load(io.BytesIO(_saved(shallow)))
    with pytest.raises(ValueError, match=r"is not a uat network file \(format 'uat.DeepNetwork', expected "
                                         r"'uat.ShallowNetwork'\)"):
        ShallowNetwork.load(io.BytesIO(_saved(deep)))


def _file(metadata: dict, weights, biases) -> io.BytesIO:
    buffer = io.BytesIO()
    write_npz(buffer, {"weights": weights, "biases": biases},
              {"format": "uat.DeepNetwork", "format_version": 1, **metadata})
    buffer.seek(0)
    return buffer


GOOD = {"widths": [1, 2, 1], "activations": ["tanh"], "output_activation": None}


@pytest.mark.parametrize("change, message", [
    ({"format_version": 2}, "has format_version 2; this uat reads version 1"),
    ({"widths": [1, 0, 1]}, r"widths as a list \[N_0, …, N_L\] of at least 2 integers >= 1; got \[1, 0, 1\]"),
    ({"widths": "1,2,1"}, "widths as a list"),
    ({"activations": []}, r"activations as a list of L − 1 = 1 names; got \[\]"),
    ({"activations": ["no_such_sigma"]}, "unknown activation 'no_such_sigma'"),
    ({"output_activation": 3}, "output_activation must be a name or null; got 3"),
    ({"widths": [1, 3, 1]}, r"it announces weights of shape \(6,\) \(widths \[1, 3, 1\]\); got \(4,\)"),
    ({"widths": [1, 2, 2]}, r"it announces weights of shape \(6,\) \(widths \[1, 2, 2\]\); got \(4,\)"),
])
def test_bad_files_are_refused_before_their_arrays_are_read(change, message):
    with pytest.raises(ValueError, match=message):
        DeepNetwork.load(_file({**GOOD, **change}, weights=np.ones(4), biases=np.ones(3)))


def test_a_good_file_written_by_hand_loads_and_missing_arrays_are_named():
    net = DeepNetwork.load(_file(GOOD, weights=np.array([1.0, -1.0, 1.0, 1.0]), biases=np.zeros(3)))
    np.testing.assert_allclose(net([[0.5]]), [[np.tanh(0.5) + np.tanh(-0.5)]], atol=0)
    buffer = io.BytesIO()
    write_npz(buffer, {"weights": np.ones(4)}, {"format": "uat.DeepNetwork", "format_version": 1, **GOOD})
    buffer.seek(0)
    with pytest.raises(ValueError, match=r"is not a uat deep network file: missing \['biases'\]"):
        DeepNetwork.load(buffer)


def test_an_unregistered_activation_is_refused_on_save():
    softsign = uat.Activation("test_deep_unregistered_softsign", lambda z: z / (1 + np.abs(z)),
                              lambda z: 1 / (1 + np.abs(z)) ** 2, lipschitz=1.0)
    with pytest.raises(ValueError, match="cannot save: activation 'test_deep_unregistered_softsign' is not the "
                                         "registered activation"):
        DeepNetwork(W3, B3, softsign).save(io.BytesIO())


# ----------------------------------------------------------------------------- sup norm
def test_breakpoints_of_a_relu_net_are_its_kinks_layer_by_layer():
    net = hat_composition()
    np.testing.assert_array_equal(net.breakpoints(0.0, 1.0), [0.25, 0.5, 0.75])
    x = np.linspace(0, 1, 9)  # g∘g is the zigzag through (k/8, ...) with peaks 1 at 1/4 and 3/4
    np.testing.assert_array_equal(net(x)[:, 0], [0, 0.5, 1, 0.5, 0, 0.5, 1, 0.5, 0])
    est = uat.sup_error(lambda X: np.zeros(len(X)), net, uat.Box([0.0], [1.0]))
    assert est.value == 1.0 and est.argmax[0] in (0.25, 0.75) and est.upper is None


def test_a_deep_sawtooth_has_its_2_to_the_s_pieces_found_and_its_sup_attained():
    s = 7
    net = hat_composition(s)
    np.testing.assert_array_equal(net.breakpoints(0.0, 1.0), np.arange(1, 2**s) / 2**s)
    est = uat.sup_error(lambda X: np.zeros(len(X)), net, uat.Box([0.0], [1.0]))
    assert est.value == 1.0 and (est.argmax[0] * 2**s) % 2 == 1


def _check_estimate(target, net, domain, grid):
    est = uat.sup_error(target, net, domain)
    f = uat.get_target(target) if isinstance(target, str) else None
    F = (f(grid) if f is not None else target(grid)).reshape(len(grid), -1)
    dense = float(np.max(np.linalg.norm(F - net(grid), axis=1)))
    at = est.argmax[None, :]
    value = float(np.linalg.norm(((f(at) if f is not None else target(at)).reshape(1, -1) - net(at))[0]))
    assert est.value >= dense - est.floor
    assert est.value == pytest.approx(value, rel=4 * np.finfo(float).eps, abs=est.floor)
    # the target has a Lipschitz constant: the upper bound is proved by interval propagation through the layers
    assert est.upper >= dense and "no_bracket" not in est.facts and "upper bound proved" in est.method
    return est


def test_sup_error_of_a_deep_net_in_1d_is_an_honest_attained_estimate():
    net = random_deep((1, 16, 16, 1), "tanh", seed=14, scale=3.0)
    _check_estimate("sin2pi", net, None, np.linspace(0, 1, 200_001)[:, None])
    relu = random_deep((1, 16, 16, 16, 1), "relu", seed=15, scale=2.0)
    _check_estimate("sin2pi", relu, None, np.linspace(0, 1, 200_001)[:, None])


def test_sup_error_of_a_deep_net_in_2d_is_an_honest_attained_estimate():
    net = random_deep((2, 12, 12, 1), "tanh", seed=16)
    lower, upper = uat.get_target("franke").domain.bounds
    g = np.linspace(0, 1, 401)
    grid = np.stack(np.meshgrid(lower[0] + g * (upper[0] - lower[0]), lower[1] + g * (upper[1] - lower[1])),
                    axis=-1).reshape(-1, 2)
    _check_estimate("franke", net, None, grid)


def test_no_certified_bracket_is_claimed_for_a_deep_net_with_a_step_layer():
    from uat.certify import bracket_refusal, sup_bracket

    net = random_deep((1, 4, 4, 1))
    step = DeepNetwork(list(net.weights), list(net.biases), ["tanh", "heaviside"])
    with pytest.raises(ValueError, match=r"activation 'heaviside' gives no bound of g between points"):
        sup_bracket("sin2pi", step)
    assert uat.sup_error("sin2pi", step).upper is None and "heaviside" in bracket_refusal("sin2pi", step)
    assert bracket_refusal("sin2pi", net) == ""


def test_the_search_gets_a_relu_nets_kinks_whatever_its_affine_layers():
    """An identity output (or hidden) layer is piecewise linear too: the 1-D hints are Φ's kinks layer by layer,
    as for the same net without it, not only the first layer's −b/a."""
    from uat.constructions import sawtooth
    from uat.domains import Box
    from uat.network import search_hints

    plain = sawtooth(3)
    affine_out = DeepNetwork(plain.weights, plain.biases, activation="relu", output_activation="identity")
    unit = Box([0.0], [1.0])
    expected = np.arange(1, 8) / 8
    for net in (plain, affine_out):
        np.testing.assert_allclose(np.sort(search_hints(net, unit).transitions), expected, atol=1e-15)
    assert affine_out.kinked_layers() == plain.kinked_layers() == [0, 1, 2]
    assert DeepNetwork(plain.weights, plain.biases, activation="tanh").kinked_layers() is None
