"""DeepNetwork: Kutyniok's Φ and the lecture's layers."""

import numpy as np

from uat.deep import DeepNetwork


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
