"""uat.fitting.deep_gradients: backpropagation through L layers against central differences and by hand.

References here are independent of the code under test: the network is recomputed with plain numpy
from σ alone (``activation.fn``, never ``deriv``), a[0] = x, a[ℓ] = σ(W[ℓ] a[ℓ−1] + b[ℓ]), and
derivatives are compared with central differences of that reference.

Tolerances, as in tests/test_gradients.py: step h = 1e-6·max(1, |θⱼ|), truncation O(h²) ≈ 1e-12,
rounding ≈ ε·|L|/h ≈ 2e-10·|L|; allowed 1e-6 relative plus 1e-7 times the loss's magnitude. A missing
factor 2, a dropped σ′, σ in place of σ′, or one entry off by 1e-4 of its size is far outside
(test_a_wrong_gradient_fails_the_check shows each one failing).
"""

import numpy as np
import pytest

from uat import ShallowNetwork, get_activation, list_activations
from uat.deep import DeepNetwork
from uat.fitting import loss_and_grad, residual_jacobian
from uat.fitting.deep_gradients import DeepGradient, DeepObjective, deep_objective, pack_layers, unpack_layers

from test_gradients import assert_close_to_fd, central_differences  # the same check as the shallow gradients'

DIFFERENTIABLE = [name for name in list_activations() if get_activation(name).deriv is not None]
DEPTHS = [1, 2, 3, 4, 5]


# --- independent references ------------------------------------------------------------------------

def ref_outputs(theta, X, widths, hidden, out):
    """Φ(X) (N, m) by plain numpy: a[ℓ] = σ(a[ℓ−1] W[ℓ]ᵀ + b[ℓ]); σ_out (or nothing) at layer L."""
    weights, biases = unpack_layers(np.asarray(theta, dtype=float), widths)
    a = X
    for l, (W, b) in enumerate(zip(weights, biases), start=1):
        z = np.einsum("ud,nd->nu", W, a) + b
        sigma = out if l == len(weights) else hidden[l - 1]
        a = z if sigma is None else sigma.fn(z)
    return a


def ref_residuals(theta, X, Y, w, widths, hidden, out):
    return np.sqrt(w / w.sum())[:, None] * (ref_outputs(theta, X, widths, hidden, out) - Y)


def ref_loss(theta, X, Y, w, widths, hidden, out):
    return float(np.sum(ref_residuals(theta, X, Y, w, widths, hidden, out) ** 2))


def far_from(Z, avoid, margin):
    """The rows of Z (N, u) whose every entry is more than ``margin`` from every point of ``avoid``."""
    return np.all(np.abs(Z[:, :, None] - avoid).min(axis=2) > margin, axis=1)


def tiny_deep_problem(name, depth, n, m, seed, out=None, width=3, N=8, margin=1e-2):
    """A random DeepNetwork of ``depth`` affine maps (hidden widths ``width``, σ = ``name``, σ_out = ``out``)
    and N points whose pre-activations in every layer are ``margin`` away from σ's kinks and from 0
    (where elu's σ″ jumps) and every |a[ℓ]| below 4, every unit having |σ′| and |a| > 0.05 on some point,
    so that no block of the gradient is trivially zero. Moderate weights: W ~ N(0, 1.2²/N_{ℓ−1}), b ~ N(0, 0.5²)."""
    act = get_activation(name)
    widths = (n,) + (width,) * (depth - 1) + (m,)
    sigmas = [act] * (depth - 1) + [None if out is None else get_activation(out)]
    rng = np.random.default_rng(seed)
    for _ in range(500):
        weights = [1.2 * rng.standard_normal((widths[l], widths[l - 1])) / np.sqrt(widths[l - 1])
                   for l in range(1, depth + 1)]
        biases = [0.5 * rng.standard_normal(widths[l]) for l in range(1, depth + 1)]
        a = rng.uniform(-1.5, 1.5, (60 * N, n))
        X, keep, lively = a, np.ones(a.shape[0], bool), []
        for W, b, sigma in zip(weights, biases, sigmas):
            z = a @ W.T + b
            if sigma is not None:
                keep &= far_from(z, np.array(sorted(set(sigma.kinks) | {0.0})), margin)
                lively.append((sigma, z))
            a = z if sigma is None else sigma.fn(z)
            keep &= np.all(np.abs(a) < 4.0, axis=1)  # square and cube compound: x³ at depth 5 is x^243
        rows = np.flatnonzero(keep)[:N]
        if rows.size < N:
            continue
        if all(np.all(np.abs(s.deriv(z[rows])).max(axis=0) > 0.05) and np.all(np.abs(s.fn(z[rows])).max(axis=0) > 0.05)
               for s, z in lively):
            net = DeepNetwork(weights, biases, activation=name, output_activation=out)
            return net, X[rows], rng.standard_normal((N, m)), sigmas[:-1], sigmas[-1]
    raise AssertionError(f"no usable random problem for {name} at depth {depth}")  # pragma: no cover


def theta_of(net):
    return pack_layers(net.weights, net.biases)


# --- 1. the gradient entry by entry, every σ, depths 1-5, with and without σ_out ------------------

def test_the_parametrisation_covers_the_registry():
    assert len(DIFFERENTIABLE) >= 14 and "heaviside" not in DIFFERENTIABLE


@pytest.mark.parametrize("out", [False, True], ids=["no-output-activation", "output-activation"])
@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_gradient_matches_central_differences(name, depth, out):
    n, m = 2, 3
    net, X, Y, hidden, sigma_out = tiny_deep_problem(name, depth, n, m, seed=[DIFFERENTIABLE.index(name), depth, out],
                                                     out=name if out else None)
    assert net.depth == depth and net.widths == (n,) + (3,) * (depth - 1) + (m,)
    theta = theta_of(net)
    w = np.ones(X.shape[0])
    loss, grad = loss_and_grad(net, X, Y)
    assert isinstance(grad, DeepGradient)
    assert [g.shape for g in grad.weights] == [W.shape for W in net.weights]
    assert [g.shape for g in grad.biases] == [b.shape for b in net.biases]
    L = ref_loss(theta, X, Y, w, net.widths, hidden, sigma_out)
    assert loss == pytest.approx(L, rel=1e-13, abs=1e-15)
    fd = central_differences(lambda t: ref_loss(t, X, Y, w, net.widths, hidden, sigma_out), theta)
    packed = pack_layers(grad.weights, grad.biases)
    assert np.abs(fd).max() > 1e-3  # the check is not of a zero gradient
    assert_close_to_fd(packed, fd, 1.0 + L, f"{name} depth={depth} output_activation={out}")


@pytest.mark.parametrize("depth", [1, 3])
def test_weighted_gradient_matches_central_differences(depth):
    net, X, Y, hidden, sigma_out = tiny_deep_problem("softplus", depth, 2, 2, seed=[7, depth], out="sigmoid")
    w = np.random.default_rng(depth).uniform(0.1, 3.0, X.shape[0])
    w[2] = 0.0
    loss, grad = loss_and_grad(net, X, Y, weights=w)
    theta = theta_of(net)
    L = ref_loss(theta, X, Y, w, net.widths, hidden, sigma_out)
    assert loss == pytest.approx(L, rel=1e-13)
    fd = central_differences(lambda t: ref_loss(t, X, Y, w, net.widths, hidden, sigma_out), theta)
    assert_close_to_fd(pack_layers(grad.weights, grad.biases), fd, 1.0 + L, f"weighted depth={depth}")


def test_a_list_of_hidden_activations_uses_each_layer_own_sigma():
    net0, X, Y, _, _ = tiny_deep_problem("tanh", 4, 2, 2, seed=3, out="tanh")
    names = ["sin", "softplus", "gelu"]
    net = DeepNetwork(net0.weights, net0.biases, activation=names, output_activation="tanh")
    hidden = [get_activation(a) for a in names]
    loss, grad = loss_and_grad(net, X, Y)
    theta = theta_of(net)
    w = np.ones(X.shape[0])
    fd = central_differences(lambda t: ref_loss(t, X, Y, w, net.widths, hidden, get_activation("tanh")), theta)
    assert_close_to_fd(pack_layers(grad.weights, grad.biases), fd, 1.0 + loss, "mixed σ")


class _NoOutputSlope(DeepObjective):
    def slope(self, l, z, a):  # the output σ′ forgotten
        return None if l == self.depth else super().slope(l, z, a)


class _SigmaForSlope(DeepObjective):
    def slope(self, l, z, a):  # σ(z) where σ′(z) belongs
        return super().slope(l, z, a) if l == self.depth else a[l]


def test_a_wrong_gradient_fails_the_check():
    net, X, Y, hidden, sigma_out = tiny_deep_problem("tanh", 3, 2, 2, seed=5, out="sigmoid")
    theta, w = theta_of(net), np.ones(X.shape[0])
    fd = central_differences(lambda t: ref_loss(t, X, Y, w, net.widths, hidden, sigma_out), theta)
    loss, grad = loss_and_grad(net, X, Y)
    right = pack_layers(grad.weights, grad.biases)
    assert_close_to_fd(right, fd, 1.0 + loss, "the right gradient")
    off = right.copy()
    j = np.argmax(np.abs(right))
    off[j] *= 1 + 1e-4
    wrong = {"half (factor 2 missing)": right / 2, "one entry off by 1e-4": off}
    for name, cls in [("output σ′ dropped", _NoOutputSlope), ("σ for σ′", _SigmaForSlope)]:
        objective = cls(X, Y, net.widths, net.activations, net.output_activation, threads=1)
        wrong[name] = objective.loss_grad(theta)[1]
    for name, bad in wrong.items():
        with pytest.raises(AssertionError):
            assert_close_to_fd(bad, fd, 1.0 + loss, name)


# --- 2. the Jacobian --------------------------------------------------------------------------------

@pytest.mark.parametrize("out", [False, True], ids=["no-output-activation", "output-activation"])
@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_jacobian_matches_central_differences(name, depth, out):
    seed = [DIFFERENTIABLE.index(name), depth, out, 1]
    net, X, Y, hidden, sigma_out = tiny_deep_problem(name, depth, 2, 2, seed=seed, out=name if out else None, N=5)
    w = np.random.default_rng(depth).uniform(0.5, 2.0, X.shape[0])
    theta = theta_of(net)
    r, J = residual_jacobian(net, X, Y, weights=w)
    assert J.shape == (X.shape[0] * 2, net.n_params)
    np.testing.assert_allclose(r, ref_residuals(theta, X, Y, w, net.widths, hidden, sigma_out).ravel(),
                               rtol=1e-13, atol=1e-15)
    fd = central_differences(lambda t: ref_residuals(t, X, Y, w, net.widths, hidden, sigma_out).ravel(), theta).T
    assert_close_to_fd(J, fd, 1.0 + np.abs(r).max(), f"{name} depth={depth} output_activation={out}")
    loss, grad = loss_and_grad(net, X, Y, weights=w)  # ‖r‖² = L and 2 Jᵀr = ∇L
    assert r @ r == pytest.approx(loss, rel=1e-13)
    np.testing.assert_allclose(2 * J.T @ r, pack_layers(grad.weights, grad.biases), rtol=1e-11,
                               atol=1e-13 * (1 + loss))


def test_pack_and_unpack_layers_are_inverse_and_in_the_documented_order():
    rng = np.random.default_rng(0)
    widths = (3, 4, 2, 5)
    weights = [rng.standard_normal((widths[l], widths[l - 1])) for l in range(1, 4)]
    biases = [rng.standard_normal(widths[l]) for l in range(1, 4)]
    theta = pack_layers(weights, biases)
    expected = np.concatenate([weights[0].ravel(), biases[0], weights[1].ravel(), biases[1], weights[2].ravel(),
                               biases[2]])
    np.testing.assert_array_equal(theta, expected)
    back_w, back_b = unpack_layers(theta, widths)
    for p, q in zip(back_w + back_b, weights + biases):
        np.testing.assert_array_equal(p, q)
    assert theta.size == DeepNetwork(weights, biases).n_params


# --- 3. by hand, and against the shallow network ------------------------------------------------------

def test_depth_one_is_an_affine_map():
    # Φ(x) = W x + b, r = Φ(x) − y: ∂L/∂W = (2/N) Σ rᵢ xᵢᵀ, ∂L/∂b = (2/N) Σ rᵢ; with σ_out the factor σ′(zᵢ).
    rng = np.random.default_rng(1)
    W, b = rng.standard_normal((3, 2)), rng.standard_normal(3)
    X, Y = rng.standard_normal((6, 2)), rng.standard_normal((6, 3))
    loss, grad = loss_and_grad(DeepNetwork([W], [b]), X, Y)
    R = X @ W.T + b - Y
    assert loss == pytest.approx(np.mean(np.sum(R**2, axis=1)), rel=1e-14)
    np.testing.assert_allclose(grad.weights[0], 2 / 6 * R.T @ X, rtol=1e-13)
    np.testing.assert_allclose(grad.biases[0], 2 / 6 * R.sum(axis=0), rtol=1e-13)
    Z = X @ W.T + b
    S = 1 / (1 + np.exp(-Z))
    D = 2 / 6 * (S - Y) * S * (1 - S)
    loss, grad = loss_and_grad(DeepNetwork([W], [b], output_activation="sigmoid"), X, Y)
    np.testing.assert_allclose(grad.weights[0], D.T @ X, rtol=1e-13)
    np.testing.assert_allclose(grad.biases[0], D.sum(axis=0), rtol=1e-13)


def test_the_lecture_one_neuron_per_layer_network_by_the_chain_rule():
    # z1 = w1 a0 + b1, a1 = σ(z1), z2 = w2 a1 + b2, a2 = σ(z2), L = (y − a2)², σ the sigmoid.
    w1, b1, w2, b2, a0, y = 0.5, -0.25, 2.0, 0.75, 1.5, 0.2
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    z1 = w1 * a0 + b1
    a1 = sig(z1)
    z2 = w2 * a1 + b2
    a2 = sig(z2)
    dL_da2 = 2 * (a2 - y)              # ∂L/∂a2
    da2_dz2 = a2 * (1 - a2)            # ∂a2/∂z2 = σ′(z2)
    da1_dz1 = a1 * (1 - a1)            # ∂a1/∂z1 = σ′(z1)
    expected = {"w2": dL_da2 * da2_dz2 * a1, "b2": dL_da2 * da2_dz2,
                "w1": dL_da2 * da2_dz2 * w2 * da1_dz1 * a0, "b1": dL_da2 * da2_dz2 * w2 * da1_dz1}
    net = DeepNetwork([[[w1]], [[w2]]], [[b1], [b2]], activation="sigmoid", output_activation="sigmoid")
    loss, grad = loss_and_grad(net, [[a0]], [y])
    assert loss == pytest.approx((y - a2) ** 2, rel=1e-15)
    got = {"w1": grad.weights[0][0, 0], "b1": grad.biases[0][0], "w2": grad.weights[1][0, 0], "b2": grad.biases[1][0]}
    for key in expected:
        assert got[key] == pytest.approx(expected[key], rel=1e-14), key


@pytest.mark.parametrize("name", ["tanh", "relu", "cos"])
def test_depth_two_without_output_activation_is_the_shallow_network_with_its_output_bias(name):
    rng = np.random.default_rng(4)
    A, b = rng.standard_normal((5, 2)), rng.standard_normal(5)
    C, d = rng.standard_normal((3, 5)), rng.standard_normal(3)
    X, Y = rng.uniform(-1, 1, (40, 2)), rng.standard_normal((40, 3))
    w = rng.uniform(0.1, 1.0, 40)
    shallow = loss_and_grad(ShallowNetwork(A, b, C, name, d=d), X, Y, weights=w)
    deep = loss_and_grad(DeepNetwork([A, C], [b, d], activation=name), X, Y, weights=w)
    assert deep[0] == pytest.approx(shallow[0], rel=1e-14)
    for p, q in zip(deep[1].weights + deep[1].biases, (shallow[1].A, shallow[1].C, shallow[1].b, shallow[1].d)):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-15)
    J_deep = residual_jacobian(DeepNetwork([A, C], [b, d], activation=name), X, Y, weights=w)[1]
    J_shallow = residual_jacobian(ShallowNetwork(A, b, C, name, d=d), X, Y, weights=w)[1]
    np.testing.assert_allclose(J_deep, J_shallow, rtol=1e-12, atol=1e-15)  # the same θ order, (A, b, C, d)


# --- 4. a wide network over many row blocks, threads and batch ---------------------------------------

def wide_problem(seed, out=None, N=1500):
    rng = np.random.default_rng(seed)
    widths = (2, 40, 30, 2)
    weights = [rng.standard_normal((widths[l], widths[l - 1])) / np.sqrt(widths[l - 1]) for l in range(1, 4)]
    biases = [0.3 * rng.standard_normal(widths[l]) for l in range(1, 4)]
    X = rng.uniform(-1, 1, (N, 2))
    Y = np.column_stack([np.sin(3 * X[:, 0]), np.cos(2 * X[:, 1])])
    return DeepNetwork(weights, biases, activation="tanh", output_activation=out), X, Y, rng.uniform(0, 2, N)


@pytest.mark.parametrize("out", [None, "sigmoid"])
def test_directional_derivative_on_a_wide_network_in_many_blocks(out):
    net, X, Y, w = wide_problem(2, out)
    theta = theta_of(net)
    obj = DeepObjective(X, Y, net.widths, net.activations, net.output_activation, weights=w, threads=2)
    obj.rows = 100
    try:
        assert len(obj.blocks()) == 15
        loss, grad = obj.loss_grad(theta)
        assert obj.loss(theta) == pytest.approx(loss, rel=1e-13)
        ref = lambda t: ref_loss(t, X, Y, w, net.widths, net.activations, net.output_activation)  # noqa: E731
        assert loss == pytest.approx(ref(theta), rel=1e-12)
        v = np.random.default_rng(0).standard_normal(theta.size)
        for direction in (v / np.linalg.norm(v), grad / np.linalg.norm(grad)):
            slope = grad @ direction
            tol = 1e-6 * abs(slope) + 1e-7 * (1 + loss)
            assert abs(slope) > 1e3 * tol
            fd = (ref(theta + 1e-6 * direction) - ref(theta - 1e-6 * direction)) / 2e-6
            assert abs(slope - fd) <= tol, (slope, fd)
        r, J = obj.jacobian(theta)
        np.testing.assert_array_equal(obj.residuals(theta), r)
        np.testing.assert_allclose(2 * J.T @ r, grad, rtol=1e-10, atol=1e-12 * np.abs(grad).max())
    finally:
        obj.close()


def test_result_does_not_depend_on_blocks_or_threads():
    net, X, Y, w = wide_problem(3, "tanh", N=211)
    theta = theta_of(net)
    results = {}
    for rows, threads in [(10**9, 1), (7, 1), (7, 2), (50, 2)]:
        with DeepObjective(X, Y, net.widths, net.activations, net.output_activation, weights=w,
                           threads=threads) as obj:
            obj.rows = rows
            results[rows, threads] = (*obj.loss_grad(theta), obj.loss(theta), *obj.jacobian(theta))
    for key, res in results.items():
        for a, b in zip(res, results[10**9, 1]):
            a, b = np.asarray(a), np.asarray(b)
            assert np.all(np.abs(a - b) <= 1e-13 * np.abs(b).max()), key
    for a, b in zip(results[7, 1], results[7, 2]):  # a fixed block size: the thread count changes no bit
        np.testing.assert_array_equal(a, b)


def test_integer_weights_equal_duplicated_rows():
    net, X, Y, _, _ = tiny_deep_problem("gelu", 3, 2, 2, seed=9, out="softplus")
    counts = np.array([1, 3, 2, 1, 4, 2, 1, 1])
    lw, gw = loss_and_grad(net, X, Y, weights=counts)
    ld, gd = loss_and_grad(net, np.repeat(X, counts, axis=0), np.repeat(Y, counts, axis=0))
    assert lw == pytest.approx(ld, rel=1e-13)
    np.testing.assert_allclose(pack_layers(gw.weights, gw.biases), pack_layers(gd.weights, gd.biases), rtol=1e-12,
                               atol=1e-14)


def test_the_gradient_is_a_copy_and_frozen():
    net, X, Y, _, _ = tiny_deep_problem("tanh", 2, 2, 2, seed=1)
    objective, theta = deep_objective(net, X, Y)
    _, grad = loss_and_grad(net, X, Y)
    with pytest.raises(AttributeError):
        grad.weights = ()
    grad.weights[0][0, 0] += 1.0  # writing the returned arrays touches nothing else
    np.testing.assert_array_equal(theta, theta_of(net))


# --- 5. errors --------------------------------------------------------------------------------------

@pytest.mark.parametrize("func", [loss_and_grad, residual_jacobian])
def test_activations_without_derivative_are_refused(func):
    hidden = DeepNetwork([np.ones((2, 1)), np.ones((1, 2))], [np.zeros(2), np.zeros(1)], activation="heaviside")
    with pytest.raises(ValueError, match=r"^activation 'heaviside' has no derivative.*σ′"):
        func(hidden, [[0.5]], [1.0])
    out = DeepNetwork([np.ones((2, 1)), np.ones((1, 2))], [np.zeros(2), np.zeros(1)], activation="tanh",
                      output_activation="heaviside")
    with pytest.raises(ValueError, match=r"^output_activation 'heaviside' has no derivative"):
        func(out, [[0.5]], [1.0])


@pytest.mark.parametrize("func", [loss_and_grad, residual_jacobian])
def test_bad_data_for_a_deep_network_is_refused(func):
    net = DeepNetwork([np.ones((3, 2)), np.ones((2, 3))], [np.zeros(3), np.zeros(2)])  # n = 2, m = 2
    X, Y = np.zeros((4, 2)), np.zeros((4, 2))
    func(net, X, Y)
    with pytest.raises(ValueError, match=r"Y must have shape \(4, 2\).*got \(4, 3\)"):
        func(net, X, np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"\bX\b"):
        func(net, np.zeros((4, 3)), Y)
    with pytest.raises(ValueError, match="weights"):
        func(net, X, Y, weights=[1.0, -1.0, 1.0, 1.0])
    with pytest.raises(TypeError, match="ShallowNetwork or a uat.DeepNetwork; got list"):
        func([np.ones((3, 2))], X, Y)


# --- 6. variable projection's pieces -------------------------------------------------------------------

@pytest.mark.parametrize("depth", [1, 2, 4])
def test_jacobian_without_the_last_layer_and_the_features_it_is_linear_on(depth):
    net, X, Y, hidden, _ = tiny_deep_problem("tanh", depth, 2, 2, seed=[11, depth])
    w = np.random.default_rng(2).uniform(0.5, 2.0, X.shape[0])
    theta = theta_of(net)
    with DeepObjective(X, Y, net.widths, net.activations, None, weights=w, threads=1) as obj:
        obj.rows = 3  # several blocks
        r, J = obj.jacobian(theta)
        r0, J0 = obj.jacobian(theta, with_last=False)
        last = net.weights[-1].size + net.biases[-1].size
        np.testing.assert_array_equal(r0, r)
        np.testing.assert_array_equal(J0, J[:, : net.n_params - last])
        F = obj.features(theta)
    # √ŵ (a[L−1], 1) [W[L] b[L]]ᵀ − √ŵ y is the residual: Φ is linear in the last affine map on F
    assert F.shape == (X.shape[0], net.widths[-2] + 1)
    last_map = np.column_stack([net.weights[-1], net.biases[-1]])
    sw = np.sqrt(w / w.sum())[:, None]
    np.testing.assert_allclose(F @ last_map.T - sw * Y, r.reshape(-1, 2), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(F[:, -1], sw[:, 0], rtol=1e-15)
