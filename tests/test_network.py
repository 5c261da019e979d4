"""uat.network: g(x) = C σ(Ax + b) against independent numpy, chunking, invariants, rounding floor, files.

Tolerances: values against the reference below are compared to 1e-12 relative to Σ_i |C_ji| |σ_i|
(different summation order and different formulas for σ); invariants that only reorder sums are
compared to the network's own ``rounding_floor``.
"""

import dataclasses
import json
import math
import re
import time
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import erfc

import uat
import uat.network as network
from uat import Activation, ShallowNetwork, get_activation, list_activations
from uat.network import forward, hidden_features

PROPERTY = settings(max_examples=40, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

# σ written out independently of uat.activations (elementwise numpy, no uat code).
SIGMA = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": lambda z: (1.0 - np.exp(-2 * z)) / (1.0 + np.exp(-2 * z)),
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, z / 100),
    "softplus": lambda z: np.log1p(np.exp(z)),
    "elu": lambda z: np.where(z > 0, z, np.exp(np.minimum(z, 0)) - 1),
    "gelu": lambda z: z * 0.5 * erfc(-z / np.sqrt(2)),
    "silu": lambda z: z / (1.0 + np.exp(-z)),
    "sin": np.sin,
    "cos": np.cos,
    "gaussian": lambda z: np.exp(-z * z),
    "identity": lambda z: z,
    "square": lambda z: z * z,
    "cube": lambda z: z * z * z,
    "heaviside": lambda z: np.where(z >= 0, 1.0, 0.0),
}


def random_network(k, n, m, activation, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    return ShallowNetwork(scale * rng.standard_normal((k, n)), scale * rng.standard_normal(k),
                          rng.standard_normal((m, k)), activation)


def reference(A, b, C, sigma, X):
    """g(X) and the scale Σ_i |C_ji||σ_i| by einsum, no uat code."""
    Phi = sigma(np.einsum("ki,ni->nk", A, X) + b)
    return np.einsum("mk,nk->nm", C, Phi), np.einsum("mk,nk->nm", np.abs(C), np.abs(Phi))


def test_every_registered_activation_has_a_reference():
    assert set(list_activations()) >= set(SIGMA)  # user activations registered elsewhere may add more


# ----------------------------------------------------------------------------- forward values
@pytest.mark.parametrize("activation", sorted(SIGMA))
@pytest.mark.parametrize("k, n, m", [(1, 1, 1), (5, 2, 3), (33, 3, 2), (64, 1, 4)])
def test_forward_matches_independent_numpy(activation, k, n, m):
    net = random_network(k, n, m, activation, seed=k * 100 + n * 10 + m)
    X = np.random.default_rng(7).uniform(-2, 2, (257, n))
    expected, scale = reference(net.A, net.b, net.C, SIGMA[activation], X)
    G = net(X)
    assert G.shape == (257, m) and G.dtype == np.float64
    assert np.all(np.abs(G - expected) <= 1e-12 * (scale + 1e-300))
    np.testing.assert_array_equal(forward(net.A, net.b, net.C, net.activation, X), G)


def test_docstring_example_by_hand():
    g = ShallowNetwork([[1.0], [2.0]], [0.0, -1.0], [[0.5, 0.25]], "relu")
    # 0.5·relu(1) + 0.25·relu(2 - 1) = 0.75
    np.testing.assert_array_equal(g([[1.0]]), [[0.75]])
    np.testing.assert_array_equal(g([[-3.0], [0.5], [2.0]]), [[0.0], [0.25], [1.0 + 0.75]])


def test_one_dimensional_conveniences():
    rng = np.random.default_rng(1)
    a, b, c = rng.standard_normal(6), rng.standard_normal(6), rng.standard_normal(6)
    flat = ShallowNetwork(a, b, c, "tanh")
    full = ShallowNetwork(a[:, None], b, c[None, :], "tanh")
    assert (flat.width, flat.dim, flat.n_outputs) == (6, 1, 1)
    assert flat.A.shape == (6, 1) and flat.C.shape == (1, 6)
    x = np.linspace(-1, 1, 11)
    np.testing.assert_array_equal(flat(x), full(x[:, None]))
    np.testing.assert_array_equal(flat(x), flat(x[:, None]))
    np.testing.assert_allclose(flat(x)[:, 0], np.tanh(np.outer(x, a) + b) @ c, rtol=1e-13, atol=1e-15)
    # 1-D A with a 2-D C (m = 3), and 2-D A with a 1-D C (m = 1)
    assert ShallowNetwork(a, b, np.ones((3, 6)), "tanh")(x).shape == (11, 3)
    two = ShallowNetwork(np.ones((6, 2)), b, c, "tanh")
    assert two.n_outputs == 1 and two(np.ones((4, 2))).shape == (4, 1)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\); got shape \(4,\)"):
        two(np.ones(4))


def test_hidden_features_are_sigma_of_XAt_plus_b():
    net = random_network(9, 3, 2, "sigmoid", seed=3)
    X = np.random.default_rng(4).uniform(-1, 1, (50, 3))
    Phi = net.hidden_features(X)
    assert Phi.shape == (50, 9)
    np.testing.assert_allclose(Phi, 1 / (1 + np.exp(-(X @ net.A.T + net.b))), rtol=1e-14)
    np.testing.assert_array_equal(hidden_features(net.A, net.b, get_activation("sigmoid"), X), Phi)
    # g = Φ Cᵀ
    np.testing.assert_allclose(net(X), Phi @ net.C.T, rtol=1e-14, atol=1e-15)


# ----------------------------------------------------------------------------- chunking
def _recording_hidden_features(monkeypatch):
    shapes = []
    original = network.hidden_features

    def spy(A, b, activation, X):
        shapes.append((X.shape[0], A.shape[0]))
        return original(A, b, activation, X)

    monkeypatch.setattr(network, "hidden_features", spy)
    return shapes


@pytest.mark.parametrize("k, n, m, activation", [(7, 1, 1, "tanh"), (13, 3, 2, "relu"),
                                                 (64, 5, 3, "sigmoid"), (300, 2, 1, "sin")])
def test_chunked_evaluation_agrees_with_unchunked(monkeypatch, k, n, m, activation):
    net = random_network(k, n, m, activation, seed=k)
    X = np.random.default_rng(k).uniform(-1, 1, (5000, n))
    whole = net(X)
    monkeypatch.setattr(network, "BLOCK", 2 * k + 3)  # 2 rows per chunk: 2500 chunks
    shapes = _recording_hidden_features(monkeypatch)
    chunked = net(X)
    assert len(shapes) == 2500 and sum(rows for rows, _ in shapes) == 5000
    assert all(rows * width <= network.BLOCK for rows, width in shapes)
    # The same arithmetic up to the order of the final sum over k: within the rounding floor.
    assert np.max(np.abs(chunked - whole)) <= net.rounding_floor(X)
    np.testing.assert_array_equal(net.hidden_features(X[:2]), network.hidden_features(net.A, net.b, net.activation, X[:2]))


@pytest.mark.parametrize("k, n, m, activation", [(7, 1, 1, "tanh"), (64, 5, 3, "sigmoid"), (300, 2, 1, "sin")])
def test_chunked_evaluation_is_bitwise_identical(monkeypatch, k, n, m, activation):
    """g(x) must not depend on which other points are evaluated with x (nor on BLOCK)."""
    net = random_network(k, n, m, activation, seed=k)
    X = np.random.default_rng(k).uniform(-1, 1, (5000, n))
    whole = net(X)
    single = np.vstack([net(X[i:i + 1]) for i in range(0, 5000, 250)])
    monkeypatch.setattr(network, "BLOCK", 2 * k + 3)
    chunked = net(X)
    np.testing.assert_array_equal(chunked, whole)
    np.testing.assert_array_equal(single, whole[::250])


def test_hidden_features_are_chunk_invariant():
    net = random_network(37, 3, 2, "gelu", seed=5)
    X = np.random.default_rng(6).uniform(-1, 1, (1000, 3))
    pieces = np.vstack([net.hidden_features(X[i:i + 7]) for i in range(0, 1000, 7)])
    np.testing.assert_array_equal(pieces, net.hidden_features(X))


def test_width_larger_than_block_still_evaluates_one_row_at_a_time(monkeypatch):
    net = random_network(50, 2, 1, "tanh", seed=8)
    X = np.random.default_rng(9).uniform(-1, 1, (30, 2))
    whole = net(X)
    monkeypatch.setattr(network, "BLOCK", 10)
    shapes = _recording_hidden_features(monkeypatch)
    np.testing.assert_array_equal(net(X), whole)  # evaluation is bitwise independent of chunking
    assert shapes == [(1, 50)] * 30


@pytest.mark.slow  # 3 s; CI's slow step runs it
def test_a_million_points_at_width_1024_in_bounded_memory(monkeypatch):
    rng = np.random.default_rng(10)
    net = ShallowNetwork(5 * rng.standard_normal(1024), rng.standard_normal(1024),
                         rng.standard_normal(1024) / 32, "relu")
    X = np.linspace(-1, 1, 10**6)
    shapes = _recording_hidden_features(monkeypatch)
    tracemalloc.start()
    try:
        start = time.perf_counter()
        G = net(X)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert G.shape == (10**6, 1) and seconds < 120  # loose: it completes
    assert sum(rows for rows, _ in shapes) == 10**6
    assert all(rows * k <= network.BLOCK for rows, k in shapes)
    # Z and Φ for one chunk plus the output and a few MiB of fixed overhead: nowhere near the 8 GB of an
    # unchunked Φ.
    assert peak <= 3 * 8 * network.BLOCK + 8 * 10**6 + (4 << 20)
    sub = X[::997]
    expected, _ = reference(net.A, net.b, net.C, SIGMA["relu"], sub[:, None])
    assert np.max(np.abs(G[::997] - expected)) <= net.rounding_floor(sub)


# ----------------------------------------------------------------------------- invariants
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 40), n=st.integers(1, 4), m=st.integers(1, 3),
       activation=st.sampled_from(["tanh", "relu", "sin", "gelu", "gaussian", "heaviside"]))
@PROPERTY
def test_permuting_hidden_units_leaves_g_unchanged(seed, k, n, m, activation):
    net = random_network(k, n, m, activation, seed)
    perm = np.random.default_rng(seed + 1).permutation(k)
    permuted = ShallowNetwork(net.A[perm], net.b[perm], net.C[:, perm], activation)
    X = np.random.default_rng(seed + 2).uniform(-1, 1, (64, n))
    assert np.max(np.abs(permuted(X) - net(X))) <= 2 * net.rounding_floor(X)
    np.testing.assert_array_equal(permuted.hidden_features(X), net.hidden_features(X)[:, perm])


@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 40), n=st.integers(1, 3),
       factor=st.floats(-10, 10, allow_nan=False).filter(lambda t: abs(t) > 1e-3))
@PROPERTY
def test_scaling_C_scales_g(seed, k, n, factor):
    net = random_network(k, n, 2, "tanh", seed)
    X = np.random.default_rng(seed).uniform(-1, 1, (32, n))
    doubled = ShallowNetwork(net.A, net.b, 2 * net.C, "tanh")
    np.testing.assert_array_equal(doubled(X), 2 * net(X))  # powers of two are exact
    scaled = ShallowNetwork(net.A, net.b, factor * net.C, "tanh")
    assert np.max(np.abs(scaled(X) - factor * net(X))) <= 2 * abs(factor) * net.rounding_floor(X)


@pytest.mark.parametrize("k, n, m", [(1, 1, 1), (7, 3, 2), (128, 1, 1), (5, 10, 4)])
def test_sizes(k, n, m):
    net = random_network(k, n, m, "tanh", seed=0)
    assert (net.width, net.dim, net.n_outputs) == (k, n, m)
    assert net.n_params == k * n + k + m * k


def test_arrays_are_read_only_copies():
    A, b, C = np.ones((3, 2)), np.zeros(3), np.ones((1, 3))
    a1 = np.ones(3)
    net = ShallowNetwork(A, b, C, "relu")
    flat = ShallowNetwork(a1, b, np.ones(3), "relu")
    X = np.array([[0.5, 0.25]])
    before = net(X).copy()
    A[:], b[:], C[:], a1[:] = -5.0, 7.0, 9.0, -2.0
    np.testing.assert_array_equal(net(X), before)
    np.testing.assert_array_equal(net.A, np.ones((3, 2)))
    np.testing.assert_array_equal(flat.A[:, 0], np.ones(3))
    assert A.flags.writeable  # the caller's arrays are not frozen
    for array in (net.A, net.b, net.C, flat.A, flat.C):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        net.A = np.zeros((3, 2))
    assert net.A.dtype == np.float64 and ShallowNetwork([[1]], [0], [[2]], "relu").C.dtype == np.float64


# ----------------------------------------------------------------------------- refusals
@pytest.mark.parametrize("A, b, C", [
    (np.ones((3, 2)), np.ones(4), np.ones((1, 3))),
    (np.ones((3, 2)), np.ones(3), np.ones((1, 4))),
    (np.ones(3), np.ones(3), np.ones(2)),
])
def test_mismatched_widths_refused(A, b, C):
    with pytest.raises(ValueError, match=r"must agree on the width k; got A \(3, \d\), b"):
        ShallowNetwork(A, b, C, "tanh")


def test_bad_shapes_refused():
    with pytest.raises(ValueError, match="width k >= 1"):
        ShallowNetwork(np.ones((0, 2)), np.ones(0), np.ones((1, 0)), "tanh")
    with pytest.raises(ValueError, match=r"A must be a 2-D array; got shape \(2, 2, 2\)"):
        ShallowNetwork(np.ones((2, 2, 2)), np.ones(2), np.ones(2), "tanh")
    with pytest.raises(ValueError, match=r"b must be a 1-D array; got shape \(2, 1\)"):
        ShallowNetwork(np.ones((2, 1)), np.ones((2, 1)), np.ones(2), "tanh")


@pytest.mark.parametrize("X, message", [
    (np.ones((5, 3)), r"X must have shape \(N, 2\); got shape \(5, 3\)"),
    (np.ones((5, 1)), r"X must have shape \(N, 2\); got shape \(5, 1\)"),
    (np.ones((5, 2, 1)), r"X must have shape \(N, 2\); got shape \(5, 2, 1\)"),
    (np.ones(2), r"X must have shape \(N, 2\); got shape \(2,\)"),
    (np.array([[0.0, np.nan]]), "X must be finite"),
])
def test_wrong_X_refused(X, message):
    net = random_network(4, 2, 1, "tanh", seed=0)
    for call in (net, net.hidden_features, net.rounding_floor):
        with pytest.raises(ValueError, match=message):
            call(X)


@pytest.mark.parametrize("which, bad", [("A", np.nan), ("b", np.inf), ("C", -np.inf)])
def test_non_finite_weights_refused(which, bad):
    arrays = {"A": np.ones((3, 2)), "b": np.ones(3), "C": np.ones((2, 3))}
    arrays[which][(1,) * arrays[which].ndim] = bad
    with pytest.raises(ValueError, match=rf"{which} must be finite; got {bad}"):
        ShallowNetwork(arrays["A"], arrays["b"], arrays["C"], "tanh")


@pytest.mark.parametrize("name, closest", [("tanhh", "tanh"), ("Relu", "relu"), ("sigmiod", "sigmoid")])
def test_unknown_activation_suggests_the_closest(name, closest):
    with pytest.raises(ValueError, match=rf"unknown activation '{name}' \(did you mean '{closest}'\?\); valid names: "):
        ShallowNetwork([1.0], [0.0], [1.0], name)


def test_activation_of_wrong_type_refused():
    with pytest.raises(TypeError, match="activation must be given by name"):
        ShallowNetwork([1.0], [0.0], [1.0], np.tanh)


# ----------------------------------------------------------------------------- transition points
def test_transition_points():
    net = ShallowNetwork([2.0, -4.0, 3.0, 0.0, 0.0], [1.0, 2.0, -1.0, 3.0, -3.0], np.ones(5), "relu")
    t = net.transition_points()
    np.testing.assert_array_equal(t[:3], [-0.5, 0.5, 1 / 3])
    assert t[2] == -(-1.0) / 3.0
    assert np.all(np.isinf(t[3:]))
    for i in range(3):  # unit i really switches on at its transition point
        z = net.A[i, 0] * t[i] + net.b[i]
        assert abs(z) <= 1e-15


def test_transition_points_refused_beyond_one_dimension():
    with pytest.raises(ValueError, match="transition_points is defined for 1-D networks; this one has dim 2"):
        random_network(3, 2, 1, "relu", seed=0).transition_points()


# ----------------------------------------------------------------------------- rounding floor
LONG_EXTRA_PRECISION = np.finfo(np.longdouble).eps < np.finfo(np.float64).eps
L_SIGMA = {  # σ in extended precision
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, np.longdouble(0)),
    "sin": np.sin,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "gaussian": lambda z: np.exp(-z * z),
}


def _observed_rounding_error(net, X, activation):
    L = np.longdouble
    Z = X.astype(L) @ net.A.astype(L).T + net.b.astype(L)
    exact = L_SIGMA[activation](Z) @ net.C.astype(L).T
    return float(np.max(np.abs(net(X).astype(L) - exact)))


def test_rounding_floor_is_positive_and_proportional_to_C():
    net = random_network(20, 2, 3, "tanh", seed=1)
    X = np.random.default_rng(2).uniform(-1, 1, (300, 2))
    floor = net.rounding_floor(X)
    assert 0 < floor < 1e-13
    assert ShallowNetwork(net.A, net.b, 2 * net.C, "tanh").rounding_floor(X) == 2 * floor
    assert ShallowNetwork(net.A, net.b, -3 * net.C, "tanh").rounding_floor(X) == pytest.approx(3 * floor, rel=1e-14)
    assert ShallowNetwork(net.A, net.b, 1e6 * net.C, "tanh").rounding_floor(X) == pytest.approx(1e6 * floor, rel=1e-14)


@pytest.mark.skipif(not LONG_EXTRA_PRECISION, reason="np.longdouble is float64 on this platform")
@pytest.mark.parametrize("activation", sorted(L_SIGMA))
@pytest.mark.parametrize("k, n, m, scale", [(64, 3, 2, 1.0), (64, 3, 2, 100.0), (512, 1, 1, 3.0), (16, 8, 1, 10.0)])
def test_rounding_floor_bounds_the_observed_error(activation, k, n, m, scale):
    for seed in range(3):
        net = random_network(k, n, m, activation, seed=seed, scale=scale)
        X = np.random.default_rng(seed + 10).uniform(-1, 1, (2000, n))
        assert _observed_rounding_error(net, X, activation) <= net.rounding_floor(X)


@pytest.mark.skipif(not LONG_EXTRA_PRECISION, reason="np.longdouble is float64 on this platform")
@pytest.mark.parametrize("activation", ["sigmoid", "relu", "gaussian"])
def test_rounding_floor_bounds_the_error_of_a_wide_same_sign_sum(activation):
    """All C_ji σ_i > 0: the k-term output sum accumulates rounding error ~ √k·eps·Σ|C σ|."""
    rng = np.random.default_rng(0)
    net = ShallowNetwork(rng.standard_normal(4096), rng.standard_normal(4096),
                         np.abs(rng.standard_normal(4096)), activation)
    X = rng.uniform(-1, 1, (2000, 1))
    assert _observed_rounding_error(net, X, activation) <= net.rounding_floor(X)


# ----------------------------------------------------------------------------- save / load
@pytest.mark.parametrize("activation, k, n, m", [("tanh", 1, 1, 1), ("relu", 17, 3, 2), ("gelu", 8, 2, 5),
                                                 ("heaviside", 4, 1, 1), ("cube", 6, 4, 1)])
def test_save_load_round_trip(tmp_path, activation, k, n, m):
    net = random_network(k, n, m, activation, seed=k)
    path = tmp_path / f"{activation}.npz"
    net.save(path)
    back = ShallowNetwork.load(path)
    back_str = ShallowNetwork.load(str(path))
    for other in (back, back_str):
        for name in ("A", "b", "C"):
            np.testing.assert_array_equal(getattr(other, name), getattr(net, name))
        assert other.activation is get_activation(activation)
        X = np.random.default_rng(0).uniform(-1, 1, (20, n))
        np.testing.assert_array_equal(other(X), net(X))


def test_saved_file_is_a_plain_npz_with_json_metadata(tmp_path):
    net = random_network(6, 2, 3, "sigmoid", seed=0)
    path = tmp_path / "net.npz"
    net.save(path)
    with np.load(path, allow_pickle=False) as archive:
        assert set(archive.files) == {"A", "b", "C", "metadata"}
        for name in ("A", "b", "C"):
            assert archive[name].dtype == np.float64
            np.testing.assert_array_equal(archive[name], getattr(net, name))
        metadata = json.loads(str(archive["metadata"]))
    assert metadata == {"format": "uat.ShallowNetwork", "format_version": 1, "activation": "sigmoid",
                        "width": 6, "dim": 2, "n_outputs": 3, "uat_version": uat.__version__}


def _write(path, metadata=None, drop=(), **arrays):
    net = random_network(3, 2, 1, "tanh", seed=0)
    contents = {"A": net.A, "b": net.b, "C": net.C}
    meta = {"format": "uat.ShallowNetwork", "format_version": 1, "activation": "tanh",
            "width": 3, "dim": 2, "n_outputs": 1, "uat_version": uat.__version__}
    if isinstance(metadata, dict):
        meta.update(metadata)
    contents["metadata"] = np.array(metadata if isinstance(metadata, str) else json.dumps(meta))
    contents.update(arrays)
    for key in drop:
        contents.pop(key)
    np.savez(path, **contents)
    return path


def test_written_helper_file_loads(tmp_path):
    assert ShallowNetwork.load(_write(tmp_path / "ok.npz")).width == 3


def test_object_arrays_refused_without_unpickling(tmp_path):
    path = _write(tmp_path / "evil.npz", A=np.array([[1.0, None]], dtype=object))
    with pytest.raises(ValueError, match="needs unpickling, which uat never does"):
        ShallowNetwork.load(path)


@pytest.mark.parametrize("key", ["A", "b", "C"])
def test_complex_arrays_in_a_file_are_refused_not_made_real(tmp_path, key):
    """Issue 15: a complex A in an .npz was loaded with its imaginary part dropped, in silence."""
    net = random_network(3, 2, 1, "tanh", seed=0)
    path = _write(tmp_path / "complex.npz", **{key: getattr(net, key) + 1j})
    with pytest.raises(ValueError, match=rf"complex.npz': {key} must be real numbers \(float64, integer or boolean\); "
                                         r"got dtype complex128"):
        ShallowNetwork.load(path)


@pytest.mark.parametrize("key", ["A", "b", "C", "d"])
def test_complex_parameters_are_refused_not_made_real(key):
    parts = {"A": [[1.0]], "b": [0.0], "C": [[1.0]], "d": [0.0]}
    parts[key] = np.array(parts[key]) + 0.5j
    with pytest.raises(TypeError, match=rf"^{key} must be an array of real numbers; got complex values \(dtype "
                                        r"complex128\): uat never drops imaginary parts"):
        ShallowNetwork(parts["A"], parts["b"], parts["C"], "tanh", parts["d"])


@pytest.mark.parametrize("key", ["A", "b", "C", "metadata"])
def test_missing_arrays_refused(tmp_path, key):
    with pytest.raises(ValueError, match=rf"is not a uat network file: missing \['{key}'\]"):
        ShallowNetwork.load(_write(tmp_path / "missing.npz", drop=(key,)))


@pytest.mark.parametrize("metadata, message", [
    ({"format": "something.else"}, r"is not a uat network file \(format"),
    ('["uat.ShallowNetwork", 1]', r"is not a uat network file \(format"),
    ({"format_version": 3}, "has format_version 3; this uat reads versions 1 and 2"),
    ({"format_version": "1"}, "has format_version '1'; this uat reads versions 1 and 2"),
    ({"format_version": 2}, "format_version 2 needs an output bias d, which is missing"),
    ("{not json", "metadata is not valid JSON"),
    ({"activation": "no_such_activation"}, "unknown activation 'no_such_activation'"),
])
def test_bad_metadata_refused(tmp_path, metadata, message):
    with pytest.raises(ValueError, match=message):
        ShallowNetwork.load(_write(tmp_path / "bad.npz", metadata=metadata))


def test_metadata_without_activation_refused_with_a_value_error(tmp_path):
    meta = {"format": "uat.ShallowNetwork", "format_version": 1}
    path = _write(tmp_path / "noact.npz", metadata=json.dumps(meta))
    with pytest.raises(ValueError, match="activation"):
        ShallowNetwork.load(path)


def test_metadata_disagreeing_with_the_arrays_refused(tmp_path):
    path = _write(tmp_path / "inconsistent.npz", metadata={"width": 5, "dim": 7})
    with pytest.raises(ValueError, match="width"):
        ShallowNetwork.load(path)


@pytest.mark.parametrize("kind", ["text", "npy", "empty", "zip_of_text"])
def test_non_npz_files_refused_with_a_value_error(tmp_path, kind):
    path = tmp_path / f"not_a_network.{kind}"
    if kind == "text":
        path.write_text("A, b, C = 1, 2, 3\n")
    elif kind == "npy":
        with open(path, "wb") as fh:
            np.save(fh, np.arange(3.0))
    elif kind == "empty":
        path.write_bytes(b"")
    else:
        import zipfile

        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match="not a uat network file"):
        ShallowNetwork.load(path)


def test_activation_not_registered_is_refused_on_load(tmp_path):
    softsign = Activation("test_network_unregistered_softsign", lambda z: z / (1 + np.abs(z)),
                          lambda z: 1 / (1 + np.abs(z)) ** 2, lipschitz=1.0)
    net = ShallowNetwork([1.0, 2.0], [0.0, 1.0], [1.0, -1.0], softsign)
    np.testing.assert_allclose(net([0.5])[0, 0], 0.5 / 1.5 - 2 / 3, rtol=1e-15)
    path = tmp_path / "softsign.npz"
    # save refuses an unregistered activation (it could not be loaded back) ...
    with pytest.raises(ValueError, match="not the registered activation of that name"):
        net.save(path)
    # ... so write the file a session that had registered it would have written, then load it here.
    metadata = {"format": "uat.ShallowNetwork", "format_version": 1, "activation": softsign.name,
                "width": 2, "dim": 1, "n_outputs": 1, "uat_version": "0.1.0"}
    np.savez(path, A=net.A, b=net.b, C=net.C, metadata=np.array(json.dumps(metadata)))
    with pytest.raises(ValueError, match="unknown activation 'test_network_unregistered_softsign'"):
        ShallowNetwork.load(path)


def test_round_trip_never_swaps_an_activation_for_another_of_the_same_name(tmp_path):
    """A user Activation named like a registered one must not silently come back as the registered one."""
    impostor = Activation("tanh", np.sin, np.cos, lipschitz=1.0)
    net = ShallowNetwork([1.0, 2.0], [0.0, 1.0], [1.0, -1.0], impostor)
    X = np.linspace(-1, 1, 9)
    path = tmp_path / "impostor.npz"
    try:
        net.save(path)
    except ValueError:
        return  # refusing to save is correct too
    np.testing.assert_array_equal(ShallowNetwork.load(path)(X), net(X))


# --- the output bias (peers train one; the theorem's form has none) ---------------------------------

def test_an_output_bias_is_added_to_every_output_and_counted():
    plain = ShallowNetwork([[1.0], [2.0]], [0.0, -1.0], [[0.5, 0.25], [1.0, -1.0]], "tanh")
    biased = ShallowNetwork(plain.A, plain.b, plain.C, "tanh", d=[0.5, -2.0])
    X = np.linspace(-1, 1, 7)[:, None]
    np.testing.assert_array_equal(biased(X), plain(X) + [0.5, -2.0])
    assert biased.n_params == plain.n_params + 2 and plain.d is None
    assert not biased.d.flags.writeable
    with pytest.raises(ValueError, match=r"d \(the output bias\) must have one entry per output, shape \(2,\); got shape \(3,\)"):
        ShallowNetwork(plain.A, plain.b, plain.C, "tanh", d=[1.0, 2.0, 3.0])


def test_a_biased_network_round_trips_as_format_2_and_a_plain_one_stays_format_1(tmp_path):
    plain = ShallowNetwork([[1.0], [2.0]], [0.0, -1.0], [[0.5, 0.25]], "relu")
    biased = ShallowNetwork(plain.A, plain.b, plain.C, "relu", d=[0.75])
    for net, version in ((plain, 1), (biased, 2)):
        path = tmp_path / f"v{version}.npz"
        net.save(path)
        with np.load(path, allow_pickle=False) as archive:
            assert json.loads(str(archive["metadata"]))["format_version"] == version
            assert ("d" in archive.files) == (version == 2)
        loaded = ShallowNetwork.load(path)
        X = np.linspace(-2, 2, 9)[:, None]
        np.testing.assert_array_equal(loaded(X), net(X))
        assert (loaded.d is None) == (net.d is None)


# --- crafted files: nothing is inflated before its shape is checked ----------------------------------

def _peak_bytes(call):
    """(the exception ``call`` raised, the peak of memory traced meanwhile, in bytes; seconds taken)."""

    tracemalloc.start()
    start = time.perf_counter()
    try:
        call()
    except Exception as err:  # noqa: BLE001 - returned for the test to check
        raised = err
    else:
        raised = None
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return raised, peak, seconds


def test_a_decompression_bomb_is_refused_before_it_inflates():
    import io

    from _npz_bomb import inflating_network

    data = inflating_network()
    assert len(data) < 1_000_000  # a small file whose A inflates to 128 MiB
    raised, peak, seconds = _peak_bytes(lambda: ShallowNetwork.load(io.BytesIO(data)))
    assert isinstance(raised, ValueError)
    assert re.search(r"metadata disagrees with the arrays: it announces A of shape \(3, 2\) \(width 3, dim 2, "
                     r"n_outputs 1\); got \(8388608, 2\)", str(raised))
    assert peak < 10_000_000 and seconds < 1


def test_an_array_above_the_cap_is_refused_from_its_header():
    import io

    from _npz_bomb import bomb, network_metadata

    from uat.npzfile import MAX_ARRAY_BYTES

    k = MAX_ARRAY_BYTES // 8 + 1  # the metadata agrees: a network just too wide for a file
    data = bomb({"A": ((k, 1), 64), "b": ((k,), 64), "C": ((1, k), 64)}, network_metadata(k, 1, 1))
    raised, peak, seconds = _peak_bytes(lambda: ShallowNetwork.load(io.BytesIO(data)))
    assert isinstance(raised, ValueError)
    assert re.search(r"A announces shape \(33554433, 1\) \(2.68e\+08 bytes\), more than a uat file holds "
                     r"\(2.68e\+08 bytes per array\); refused before reading it", str(raised))
    assert peak < 10_000_000 and seconds < 1


@pytest.mark.parametrize("dtype, message", [
    ("<c16", r"A must be real numbers \(float64, integer or boolean\); got dtype complex128"),
    ("<f4", r"A must be real numbers \(float64, integer or boolean\); got dtype float32"),
    ("<U3", r"A must be real numbers \(float64, integer or boolean\); got dtype <U3"),
])
def test_arrays_of_other_dtypes_are_refused(tmp_path, dtype, message):
    path = _write(tmp_path / "dtype.npz", A=np.ones((3, 2), dtype=dtype))
    with pytest.raises(ValueError, match=message):
        ShallowNetwork.load(path)


def test_rounding_floor_stays_finite_when_another_order_of_the_sum_overflows():
    """A sum near 1e308 that is finite as evaluated but overflows summed in another order (found by a hostile
    replay: a backprop fit of 1e308*x reported its floor as inf and called its error rounding noise)."""
    a = 1e308
    C = np.array([[-a, a, a, -a, a]])
    net = ShallowNetwork(A=np.zeros((5, 1)), b=np.ones(5), C=C, activation="relu")
    X = np.linspace(-1, 1, 5)[:, None]
    assert np.all(np.isfinite(net(X)))
    with np.errstate(over="ignore", invalid="ignore"):  # the reordering the floor measures does overflow
        reordered = ShallowNetwork(A=np.zeros((5, 1)), b=np.ones(5), C=C[:, ::-1].copy(), activation="relu")(X)
    assert not np.all(np.isfinite(reordered))
    floor = net.rounding_floor(X)
    assert math.isfinite(floor) and 0 < floor < 1e-12 * a


def test_describe_says_the_architecture_as_a_deep_network_does():
    g = ShallowNetwork([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, 1.0], [[1.0, 2.0, 3.0]], "tanh")
    assert g.describe() == "network 2 → 3 → 1 (C σ(Ax + b), tanh; 12 parameters)"
    biased = ShallowNetwork(g.A, g.b, g.C, "relu", d=[0.5])
    assert biased.describe() == "network 2 → 3 → 1 (C σ(Ax + b) + d, relu; 13 parameters)"
