"""The lecture in code: a neuron, a layer, forward propagation 4 → 5 → 3, backpropagation on a network with
one neuron per layer, Kutyniok's deep network Φ, the theorem measured, and what depth buys.

    python examples/lecture.py

Every number printed is computed here, and every claim the lecture makes is checked (an AssertionError
otherwise): tests/test_examples.py runs this script.
"""

import numpy as np

import uat

rng = np.random.default_rng(2026)
sigmoid = uat.get_activation("sigmoid")


def section(title):
    print(f"\n== {title} " + "=" * max(0, 72 - len(title)))


# --- 1. a neuron and a layer ----------------------------------------------------------------------------------
section("1. A neuron, a = σ(w·x + b), and a layer, a = σ(W x + b)")
x = np.array([0.5, -1.0, 2.0])
w, b = np.array([0.3, 0.8, -0.2]), 0.1
z = w @ x + b
print(f"x = {x}, w = {w}, b = {b}: z = w·x + b = {z:.6f}, a = σ(z) = {sigmoid.fn(z):.6f}")
W, bias = rng.normal(size=(5, 3)), rng.normal(size=5)
layer = uat.DeepNetwork([W], [bias], output_activation="sigmoid")  # one affine map and σ: a layer of 5 neurons
a = layer(x[None, :])[0]
assert np.allclose(a, [sigmoid.fn(W[i] @ x + bias[i]) for i in range(5)])  # each row of W is one neuron
print(f"a layer of 5 neurons: W is {W.shape}, b is {bias.shape}; a = σ(W x + b) = {np.round(a, 6)}")

# --- 2. forward propagation 4 → 5 → 3 -------------------------------------------------------------------------
section("2. Forward propagation: a[0] = x, z[ℓ] = W[ℓ] a[ℓ−1] + b[ℓ], a[ℓ] = σ(z[ℓ])")
W1, b1 = rng.normal(size=(5, 4)), rng.normal(size=5)
W2, b2 = rng.normal(size=(3, 5)), rng.normal(size=3)
net = uat.DeepNetwork([W1, W2], [b1, b2], activation="sigmoid", output_activation="sigmoid")
x0 = rng.normal(size=(1, 4))
trace = net.trace(x0)
for ell in (1, 2):
    print(f"z[{ell}] = W[{ell}] a[{ell - 1}] + b[{ell}]: W[{ell}] is {net.weights[ell - 1].shape}, "
          f"a[{ell - 1}] is {trace.a[ell - 1].shape[::-1]}, z[{ell}] and a[{ell}] are {trace.z[ell - 1].shape[::-1]}")
by_hand = sigmoid.fn(W2 @ sigmoid.fn(W1 @ x0[0] + b1) + b2)
assert np.allclose(trace.a[2][0], by_hand, rtol=1e-14)
print(f"a[2] = σ(W[2] σ(W[1] x + b[1]) + b[2]) = {np.round(trace.a[2][0], 6)} (widths {net.widths}, "
      f"{net.n_params} parameters: 5·4 + 5 + 3·5 + 3)")
assert net.n_params == 5 * 4 + 5 + 3 * 5 + 3

# --- 3. backpropagation, one neuron per layer -----------------------------------------------------------------
section("3. Backpropagation on z1 = w1 a0 + b1, a1 = σ(z1), z2 = w2 a1 + b2, a2 = σ(z2), L = (y − a2)²")
a0, y = 1.5, 0.2
w1, b1_, w2, b2_ = 0.7, -0.3, 1.2, 0.4
z1 = w1 * a0 + b1_
a1 = sigmoid.fn(z1)
z2 = w2 * a1 + b2_
a2 = sigmoid.fn(z2)
dL_da2 = -2 * (y - a2)
da2_dz2, da1_dz1 = sigmoid.deriv(z2), sigmoid.deriv(z1)
chain = {"w2": dL_da2 * da2_dz2 * a1, "b2": dL_da2 * da2_dz2 * 1.0,
         "w1": dL_da2 * da2_dz2 * w2 * da1_dz1 * a0, "b1": dL_da2 * da2_dz2 * w2 * da1_dz1 * 1.0}
print(f"factors: ∂L/∂a2 = −2(y − a2) = {dL_da2:.6f}, ∂a2/∂z2 = σ′(z2) = {da2_dz2:.6f}, ∂z2/∂w2 = a1 = {a1:.6f}, "
      f"∂z2/∂a1 = w2 = {w2}, ∂a1/∂z1 = σ′(z1) = {da1_dz1:.6f}, ∂z1/∂w1 = a0 = {a0}")
tiny = uat.DeepNetwork([[[w1]], [[w2]]], [[b1_], [b2_]], activation="sigmoid", output_activation="sigmoid")
loss, grad = uat.loss_and_grad(tiny, [[a0]], [y])
uats = {"w1": grad.weights[0][0, 0], "b1": grad.biases[0][0], "w2": grad.weights[1][0, 0], "b2": grad.biases[1][0]}


def loss_at(**change):
    p = {"w1": w1, "b1": b1_, "w2": w2, "b2": b2_, **change}
    return (y - sigmoid.fn(p["w2"] * sigmoid.fn(p["w1"] * a0 + p["b1"]) + p["b2"])) ** 2


h = 1e-6
assert np.isclose(loss, (y - a2) ** 2, rtol=1e-14)
print(f"L = (y − a2)² = {loss:.10f}")
print(f"{'':4}{'chain rule':>16}{'uat.loss_and_grad':>20}{'central difference':>20}")
for name in ("w2", "b2", "w1", "b1"):
    p = {"w1": w1, "b1": b1_, "w2": w2, "b2": b2_}[name]
    fd = (loss_at(**{name: p + h}) - loss_at(**{name: p - h})) / (2 * h)
    assert np.isclose(chain[name], uats[name], rtol=1e-12) and np.isclose(chain[name], fd, rtol=1e-6)
    print(f"{'∂L/∂' + name:8}{chain[name]:>12.10f}{uats[name]:>20.10f}{fd:>20.10f}")

# --- 4. Kutyniok's deep network ---------------------------------------------------------------------------------
section("4. Kutyniok: Φ(x) = T_3 ρ(T_2 ρ(T_1 x)), T_ℓ x = W^(ℓ) x + b^(ℓ), W^(ℓ) ∈ ℝ^{N_ℓ × N_(ℓ−1)}")
widths = (2, 8, 8, 1)
Ws = [rng.normal(size=(widths[ell + 1], widths[ell])) for ell in range(3)]
bs = [rng.normal(size=widths[ell + 1]) for ell in range(3)]
phi = uat.DeepNetwork(Ws, bs, activation="relu")
X = rng.uniform(-1, 1, size=(4, 2))
relu = lambda t: np.maximum(t, 0.0)  # noqa: E731
composed = relu(relu(X @ Ws[0].T + bs[0]) @ Ws[1].T + bs[1]) @ Ws[2].T + bs[2]
assert np.allclose(phi(X), composed, rtol=1e-14, atol=1e-14)
print(f"depth L = {phi.depth}, widths (N_0, …, N_L) = {phi.widths}, "
      f"{phi.n_params} parameters = Σ N_ℓ (N_(ℓ−1) + 1) = {sum(n * (m + 1) for m, n in zip(widths, widths[1:]))}")
print(f"Φ at 4 points: {np.round(phi(X)[:, 0], 6)} (equal to the composition written out)")

# --- 5. the theorem, measured ---------------------------------------------------------------------------------
section("5. The theorem: sup over K of |f − g| falls as the width grows")
print(f"{'width k':>8}{'sup |sin 2πx − g|':>20}   (one hidden layer of tanh, least squares on C)")
errors = []
for k in (2, 4, 8, 16, 32):
    errors.append(uat.fit("sin2pi", width=k, activation="tanh", seed=0).sup_error().value)
    print(f"{k:>8}{errors[-1]:>20.3e}")
assert errors[-1] < 1e-5 < errors[0]

# --- 6. what depth buys -----------------------------------------------------------------------------------------
section("6. Depth: the same parameter budget, a smooth target and a sawtooth")
deep = uat.fit("sin2pi", width=[8, 8], method="backprop", n_samples=256, max_iter=200, seed=0)
k = deep.network.n_params // 3  # a 1-D shallow net of width k has 3k parameters (A, b, C)
shallow = uat.fit("sin2pi", width=k, method="backprop", n_samples=256, max_iter=200, seed=0)
print(f"sin 2πx: deep [8, 8] ({deep.network.n_params} parameters) sup error {deep.sup_error().value:.2e}; "
      f"shallow k = {k} ({shallow.network.n_params} parameters) {shallow.sup_error().value:.2e}")
s = 4
tooth = uat.sawtooth(s)
k_max = 2 ** s - 2
fit = uat.fit(lambda X: tooth(X)[:, 0], "[0,1]", width=k_max, activation="relu")
print(f"sawtooth g_{s} ({2 ** s} linear pieces): the deep ReLU net of {sum(tooth.widths[1:-1])} units is g_{s} "
      f"itself; a shallow ReLU net of k = {k_max} units has at most k + 1 pieces, so its sup error is at least ½ "
      f"(least squares: {fit.sup_error().value:.3f})")
assert fit.sup_error().value >= 0.5
