"""uat.fitting.gradients: the loss, its gradient and the residuals' Jacobian against finite differences.

References here are independent of the code under test: the loss and the residuals are recomputed
with plain numpy from σ alone (``activation.fn``, never ``activation.deriv``), and derivatives are
compared with central differences of that reference.

Tolerances. Central differences with step h = 1e-6·max(1, |θⱼ|) have truncation error O(h²) ≈ 1e-12
and rounding error ≈ ε·|L|/h ≈ 2e-10·|L|; the checks below allow 1e-6 relative plus 1e-7 times the
loss's (or the residuals') magnitude, four orders above both and far below the size of any real
mistake (a wrong factor, a dropped weight, σ in place of σ′ or a transposed index). Invariances that
only regroup sums (row blocks, threads, duplicated rows) are compared to 1e-13 relative.
"""

from functools import partial

import numpy as np
import pytest

import uat
from uat import ShallowNetwork, get_activation, list_activations
from uat.fitting.gradients import Gradient, Objective, loss_and_grad, pack, residual_jacobian, unpack

DIFFERENTIABLE = [name for name in list_activations() if get_activation(name).deriv is not None]
SHAPES = [(n, m) for n in (1, 2) for m in (1, 2)]


# --- independent references ------------------------------------------------------------------------

def ref_residuals(theta, X, Y, w, act, k, n, m, output_bias=False):
    """√(wᵢ/Σw)·(C σ(A xᵢ + b) (+ d) − yᵢ), (N, m), by plain numpy from σ alone; θ = (A, b, C[, d])."""
    A, b, C, *d = unpack(np.asarray(theta, dtype=float), k, n, m, output_bias=output_bias)
    G = np.einsum("mk,nk->nm", C, act.fn(np.einsum("kd,nd->nk", A, X) + b)) + (d[0] if output_bias else 0.0)
    return np.sqrt(w / w.sum())[:, None] * (G - Y)


def ref_loss(theta, X, Y, w, act, k, n, m):
    return float(np.sum(ref_residuals(theta, X, Y, w, act, k, n, m) ** 2))


def central_differences(f, theta):
    """∂f/∂θⱼ for every j by central differences (f scalar or vector): an array (P,) + f's shape."""
    columns = []
    for j in range(theta.size):
        h = 1e-6 * max(1.0, abs(theta[j]))
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        columns.append((np.asarray(f(up)) - np.asarray(f(down))) / (up[j] - down[j]))
    return np.array(columns)


def tiny_problem(name, n, m, k, seed, N=7, margin=1e-2):
    """A random network and points with every pre-activation at least ``margin`` from σ's kinks (and
    from 0, where elu's σ″ jumps), every unit with a non-negligible σ′ on some point and a
    non-negligible output on some point (so that no block of the gradient is trivially zero)."""
    act = get_activation(name)
    avoid = np.array(sorted(set(act.kinks) | {0.0}))
    rng = np.random.default_rng(seed)
    for _ in range(200):
        A = rng.standard_normal((k, n))
        b = rng.standard_normal(k)
        C = rng.standard_normal((m, k))
        X = rng.uniform(-1.5, 1.5, (50 * N, n))
        Z = X @ A.T + b
        far = np.all(np.abs(Z[:, :, None] - avoid).min(axis=2) > margin, axis=1)
        X, Z = X[far][:N], Z[far][:N]
        if X.shape[0] < N:
            continue
        if np.all(np.abs(act.deriv(Z)).max(axis=0) > 0.05) and np.all(np.abs(act.fn(Z)).max(axis=0) > 0.05):
            Y = rng.standard_normal((N, m))
            return ShallowNetwork(A, b, C, name), X, Y
    raise AssertionError(f"no usable random problem for {name}")  # pragma: no cover


def theta_of(net):
    return pack(net.A, net.b, net.C)


def assert_close_to_fd(value, fd, scale, what):
    tol = 1e-6 * np.abs(fd) + 1e-7 * scale
    err = np.abs(value - fd)
    worst = np.unravel_index(np.argmax(err - tol), err.shape)
    assert np.all(err <= tol), (f"{what}: entry {worst} is {value[worst]!r}, central differences give "
                                f"{fd[worst]!r} (|diff| {err[worst]:.3g} > tol {tol[worst]:.3g})")


def weight_cases(rng, N):
    w = rng.uniform(0.1, 3.0, N)
    w[1] = 0.0  # a zero weight inside a weighted case
    return [None, w]


# --- 1. the gradient entry by entry on tiny networks -------------------------------------------------

def test_every_activation_but_heaviside_is_differentiable():
    # guards the parametrisation below: it must cover the registry, not an empty list
    assert len(DIFFERENTIABLE) >= 14 and "heaviside" not in DIFFERENTIABLE
    assert {"relu", "leaky_relu"} <= set(DIFFERENTIABLE)


@pytest.mark.parametrize("n,m", SHAPES)
@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_gradient_matches_central_differences(name, n, m):
    act = get_activation(name)
    for k in (1, 3, 5):
        net, X, Y = tiny_problem(name, n, m, k, seed=[DIFFERENTIABLE.index(name), n, m, k])
        for weights in weight_cases(np.random.default_rng(k), X.shape[0]):
            w = np.ones(X.shape[0]) if weights is None else weights
            theta = theta_of(net)
            Yin = Y[:, 0] if m == 1 and weights is None else Y  # (N,) accepted for m = 1
            loss, grad = loss_and_grad(net, X, Yin, weights=weights)
            assert isinstance(grad, Gradient)
            assert grad.A.shape == (k, n) and grad.b.shape == (k,) and grad.C.shape == (m, k)
            L = ref_loss(theta, X, Y, w, act, k, n, m)
            assert loss == pytest.approx(L, rel=1e-13, abs=1e-15)
            fd = central_differences(lambda t: ref_loss(t, X, Y, w, act, k, n, m), theta)
            assert_close_to_fd(pack(*grad), fd, 1.0 + L, f"{name} n={n} m={m} k={k} weights={weights is not None}")


def test_gradient_at_a_relu_kink_is_a_one_sided_derivative():
    # z = 1·1 − 1 = 0 exactly: σ′ takes one of its one-sided values (0 or 1), so ∂L/∂b is 0 or the right
    # derivative; here r = C·relu(0) − y = −1 and the right derivative is 2·r·C·1 = 2·(−1)·2 = −4.
    net = ShallowNetwork([[1.0]], [-1.0], [[2.0]], "relu")
    _, grad = loss_and_grad(net, [[1.0]], [1.0])
    assert grad.b[0] in (0.0, -4.0) and grad.A[0, 0] in (0.0, -4.0) and grad.A[0, 0] == grad.b[0]
    assert grad.C[0, 0] == 0.0  # a = relu(0) = 0


# --- 2. directional differences on a wide network, several row blocks --------------------------------

def wide_problem(name, m, seed, k=300, N=2000, n=2):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((k, n))
    b = rng.standard_normal(k)
    C = rng.standard_normal((m, k)) / np.sqrt(k)
    X = rng.uniform(-1.0, 1.0, (N, n))
    Y = np.sin(3 * X[:, :1]) * np.cos(2 * X[:, 1:2]) + np.arange(m)
    v = rng.standard_normal(k * n + k + m * k)
    return pack(A, b, C), X, Y, v / np.linalg.norm(v), rng.uniform(0.0, 2.0, N)


def no_kink_crossing(name, theta, v, X, k, n, m, h):
    """True when θ ± h v moves no pre-activation across a kink of σ (so central differences are smooth)."""
    kinks = get_activation(name).kinks
    if not kinks:
        return True
    A, b, _ = unpack(theta, k, n, m)
    vA, vb, _ = unpack(v, k, n, m)
    Z, dZ = X @ A.T + b, h * np.abs(X @ vA.T + vb)
    return all(np.all(np.abs(Z - kink) > 2 * dZ) for kink in kinks)


@pytest.mark.parametrize("name,m", [("tanh", 2), ("gelu", 1), ("relu", 2)])
def test_directional_derivative_on_a_wide_network(name, m):
    k, n = 300, 2
    theta, X, Y, v, w = wide_problem(name, m, seed=11)
    act = get_activation(name)
    obj = Objective(X, Y, act, k, weights=w, threads=2)
    obj.rows = 128  # 16 blocks
    try:
        assert len(obj.blocks()) == 16
        loss, grad = obj.loss_grad(theta)
        assert obj.loss(theta) == pytest.approx(loss, rel=1e-13)
        assert loss == pytest.approx(ref_loss(theta, X, Y, w, act, k, n, m), rel=1e-12)
        # a random unit direction, and the gradient's own (whose slope is ‖∇L‖: its overall size)
        for direction in (v, grad / np.linalg.norm(grad)):
            slope = grad @ direction
            tol = 1e-6 * abs(slope) + 1e-7 * (1 + loss)
            assert abs(slope) > 1e3 * tol  # the slope is not negligible, else the check proves little
            for h in (1e-5, 1e-6):
                assert no_kink_crossing(name, theta, direction, X, k, n, m, h)
                up, down = theta + h * direction, theta - h * direction
                fd_obj = (obj.loss(up) - obj.loss(down)) / (2 * h)
                fd_ref = (ref_loss(up, X, Y, w, act, k, n, m) - ref_loss(down, X, Y, w, act, k, n, m)) / (2 * h)
                for fd in (fd_obj, fd_ref):
                    assert abs(slope - fd) <= tol, (name, h, slope, fd)
    finally:
        obj.close()


# --- 3. the Jacobian ---------------------------------------------------------------------------------

@pytest.mark.parametrize("n,m", SHAPES)
@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_jacobian_matches_central_differences(name, n, m):
    act = get_activation(name)
    for k in (1, 4):
        net, X, Y = tiny_problem(name, n, m, k, seed=[DIFFERENTIABLE.index(name), n, m, k, 1])
        N, P = X.shape[0], k * n + k + m * k
        for weights in weight_cases(np.random.default_rng(k + 10), N):
            w = np.ones(N) if weights is None else weights
            theta = theta_of(net)
            r, J = residual_jacobian(net, X, Y, weights=weights)
            assert r.shape == (N * m,) and J.shape == (N * m, P)
            r_ref = ref_residuals(theta, X, Y, w, act, k, n, m)
            np.testing.assert_allclose(r, r_ref.ravel(), rtol=1e-13, atol=1e-15)  # row i·m + j
            fd = central_differences(lambda t: ref_residuals(t, X, Y, w, act, k, n, m).ravel(), theta).T
            assert_close_to_fd(J, fd, 1.0 + np.abs(r_ref).max(),
                               f"J {name} n={n} m={m} k={k} weights={weights is not None}")
            # consistency with loss_and_grad: ‖r‖² = L and 2 Jᵀr = ∇L
            loss, grad = loss_and_grad(net, X, Y, weights=weights)
            assert r @ r == pytest.approx(loss, rel=1e-13, abs=1e-15)
            np.testing.assert_allclose(2 * J.T @ r, pack(*grad), rtol=1e-12, atol=1e-13 * (1 + loss))


@pytest.mark.parametrize("name,m", [("sigmoid", 2), ("leaky_relu", 1)])
def test_jacobian_on_a_wide_network(name, m):
    k, n = 300, 2
    theta, X, Y, v, w = wide_problem(name, m, seed=5)
    act = get_activation(name)
    obj = Objective(X, Y, act, k, weights=w, threads=2)
    obj.rows = 300  # 7 blocks, the last one partial
    try:
        r, J = obj.jacobian(theta)
        loss, grad = obj.loss_grad(theta)
        assert J.shape == (2000 * m, k * n + k + m * k)
        np.testing.assert_array_equal(obj.residuals(theta), r)
        assert r @ r == pytest.approx(loss, rel=1e-12)
        np.testing.assert_allclose(2 * J.T @ r, grad, rtol=1e-11, atol=1e-12 * np.abs(grad).max())
        r0, J0 = obj.jacobian(theta, with_C=False)  # A and b columns only
        np.testing.assert_array_equal(r0, r)
        np.testing.assert_array_equal(J0, J[:, : k * n + k])
        Jv = J @ v
        h = 1e-6
        assert no_kink_crossing(name, theta, v, X, k, n, m, h)
        up, down = theta + h * v, theta - h * v
        fd = (ref_residuals(up, X, Y, w, act, k, n, m) - ref_residuals(down, X, Y, w, act, k, n, m)).ravel() / (2 * h)
        np.testing.assert_allclose(Jv, fd, rtol=1e-6, atol=1e-7 * (1 + np.abs(r).max()))
        assert np.abs(Jv).max() > 1e-4
    finally:
        obj.close()


# --- 4. worked examples by hand ---------------------------------------------------------------------

def test_relu_neuron_by_hand():
    # g(x) = C·relu(A x + b) with A = 2, b = −1, C = 3 on two points.
    #   x₁ = 1, y₁ = 1:  z₁ = 2·1 − 1 = 1,  a₁ = relu(1) = 1,  g₁ = 3·1 = 3,   r₁ = 3 − 1 = 2
    #   x₂ = 3, y₂ = 16: z₂ = 2·3 − 1 = 5,  a₂ = relu(5) = 5,  g₂ = 3·5 = 15,  r₂ = 15 − 16 = −1
    #   L = (r₁² + r₂²)/2 = (4 + 1)/2 = 2.5
    # Backwards, δᵢ = 2 rᵢ / N = rᵢ:  δ₁ = 2, δ₂ = −1;  σ′(z₁) = σ′(z₂) = 1.
    #   ∂L/∂C = δ₁a₁ + δ₂a₂ = 2·1 + (−1)·5 = −3
    #   ∂L/∂zᵢ = C·δᵢ·σ′(zᵢ):  3·2·1 = 6,  3·(−1)·1 = −3
    #   ∂L/∂b = 6 + (−3) = 3
    #   ∂L/∂A = 6·x₁ + (−3)·x₂ = 6·1 − 3·3 = −3
    net = ShallowNetwork([[2.0]], [-1.0], [[3.0]], "relu")
    X, Y = [[1.0], [3.0]], [1.0, 16.0]
    np.testing.assert_array_equal(net(X), [[3.0], [15.0]])  # g₁, g₂
    loss, grad = loss_and_grad(net, X, Y)
    assert loss == 2.5
    assert grad.C.tolist() == [[-3.0]] and grad.b.tolist() == [3.0] and grad.A.tolist() == [[-3.0]]
    # Residuals √(1/2)·(2, −1); Jacobian rows √(1/2)·(C σ′ x, C σ′, a) = √(1/2)·(3·1·1, 3·1, 1) and
    # √(1/2)·(3·1·3, 3·1, 5) = √(1/2)·(9, 3, 5); check 2Jᵀr = 2·(1/2)·(3·2 + 9·(−1), 3·2 + 3·(−1), 1·2 + 5·(−1))
    # = (−3, 3, −3), the gradient (A, b, C) above.
    r, J = residual_jacobian(net, X, Y)
    s = np.sqrt(0.5)
    np.testing.assert_allclose(r, [2 * s, -s], rtol=1e-15)
    np.testing.assert_allclose(J, [[3 * s, 3 * s, s], [9 * s, 3 * s, 5 * s]], rtol=1e-15)
    # Weights (3, 1): ŵ = (3/4, 1/4).  L = (3/4)·4 + (1/4)·1 = 13/4
    #   δᵢ = 2 ŵᵢ rᵢ:  δ₁ = 2·(3/4)·2 = 3,  δ₂ = 2·(1/4)·(−1) = −1/2
    #   ∂L/∂C = 3·1 + (−1/2)·5 = 1/2;  ∂L/∂z = 3·3 = 9 and 3·(−1/2) = −3/2
    #   ∂L/∂b = 9 − 3/2 = 15/2;  ∂L/∂A = 9·1 + (−3/2)·3 = 9/2
    loss, grad = loss_and_grad(net, X, Y, weights=[3, 1])
    assert loss == 3.25
    assert grad.C.tolist() == [[0.5]] and grad.b.tolist() == [7.5] and grad.A.tolist() == [[4.5]]


def test_sigmoid_neuron_by_hand():
    # A = 1, b = −2, C = 4, one point x = 2, y = 3:
    #   z = 1·2 − 2 = 0,  a = σ(0) = 1/2,  g = 4·(1/2) = 2,  r = 2 − 3 = −1,  L = (−1)² = 1
    #   δ = 2r = −2;  ∂L/∂C = δ·a = −2·(1/2) = −1
    #   σ′(0) = σ(0)(1 − σ(0)) = 1/4;  ∂L/∂z = C·δ·σ′ = 4·(−2)·(1/4) = −2
    #   ∂L/∂b = −2;  ∂L/∂A = −2·x = −4
    net = ShallowNetwork([[1.0]], [-2.0], [[4.0]], "sigmoid")
    loss, grad = loss_and_grad(net, [[2.0]], [3.0])
    assert loss == 1.0
    assert grad.C.tolist() == [[-1.0]] and grad.b.tolist() == [-2.0] and grad.A.tolist() == [[-4.0]]
    r, J = residual_jacobian(net, [[2.0]], [3.0])
    # r = −1; J = (C σ′ x, C σ′, a) = (4·(1/4)·2, 4·(1/4), 1/2) = (2, 1, 1/2)
    assert r.tolist() == [-1.0] and J.tolist() == [[2.0, 1.0, 0.5]]


# --- 5. invariances ----------------------------------------------------------------------------------

def mid_problem(name="tanh", seed=3, N=211, n=2, m=2, k=20):
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(k * n + k + m * k)
    X = rng.uniform(-1, 1, (N, n))
    Y = rng.standard_normal((N, m))
    return theta, X, Y, rng.uniform(0.0, 2.0, N), get_activation(name), k


def evaluate(obj, theta):
    loss, grad = obj.loss_grad(theta)
    r, J = obj.jacobian(theta)
    return loss, grad, obj.loss(theta), obj.residuals(theta), r, J


@pytest.mark.parametrize("name", ["tanh", "relu"])
def test_result_does_not_depend_on_blocks_or_threads(name):
    theta, X, Y, w, act, k = mid_problem(name)
    results = {}
    for rows, threads in [(10**9, 1), (7, 1), (7, 2), (7, 3), (50, 2)]:
        obj = Objective(X, Y, act, k, weights=w, threads=threads)
        obj.rows = rows
        try:
            assert len(obj.blocks()) == (1 if rows > X.shape[0] else -(-X.shape[0] // rows))
            results[rows, threads] = evaluate(obj, theta)
        finally:
            obj.close()
    ref = results[10**9, 1]
    for key, res in results.items():
        for name_, a, b in zip(["loss", "grad", "loss()", "residuals", "r", "J"], res, ref):
            a, b = np.asarray(a), np.asarray(b)
            assert np.all(np.abs(a - b) <= 1e-13 * np.abs(b).max()), (key, name_)
    # the number of threads at a fixed block size does not change a single bit (fixed summation order)
    for a, b in zip(results[7, 1], results[7, 2]):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(results[7, 1], results[7, 3]):
        np.testing.assert_array_equal(a, b)


def test_equal_weights_give_the_plain_mean():
    net, X, Y = tiny_problem("softplus", 2, 2, 4, seed=1, N=9)
    plain = loss_and_grad(net, X, Y)
    for c in (1.0, 3.7, 1e-3):
        weighted = loss_and_grad(net, X, Y, weights=np.full(9, c))
        assert weighted[0] == pytest.approx(plain[0], rel=1e-14)
        np.testing.assert_allclose(pack(*weighted[1]), pack(*plain[1]), rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(residual_jacobian(net, X, Y, weights=np.full(9, c))[1],
                                   residual_jacobian(net, X, Y)[1], rtol=1e-14)


def test_weights_are_scale_invariant_even_when_their_sum_overflows():
    # L only depends on w/Σw. Each weight is a finite float; Σw may still overflow (here 2·1e308 = inf),
    # and then w/Σw = 0 would silently give L = 0 and a zero gradient.
    net, X, Y = tiny_problem("tanh", 1, 1, 3, seed=2, N=4)
    plain_loss, plain_grad = loss_and_grad(net, X, Y)
    assert plain_loss > 1e-3
    for c in (1e-300, 1e300, 1e308):
        loss, grad = loss_and_grad(net, X, Y, weights=np.full(4, c))
        assert loss == pytest.approx(plain_loss, rel=1e-13), c
        np.testing.assert_allclose(pack(*grad), pack(*plain_grad), rtol=1e-12, err_msg=str(c))


def test_integer_weights_equal_duplicated_rows():
    net, X, Y = tiny_problem("gelu", 2, 2, 3, seed=4, N=6)
    counts = np.array([1, 3, 2, 1, 4, 2])
    Xd, Yd = np.repeat(X, counts, axis=0), np.repeat(Y, counts, axis=0)
    lw, gw = loss_and_grad(net, X, Y, weights=counts)
    ld, gd = loss_and_grad(net, Xd, Yd)
    assert lw == pytest.approx(ld, rel=1e-13)
    np.testing.assert_allclose(pack(*gw), pack(*gd), rtol=1e-12, atol=1e-14)
    # Gauss–Newton sees the same problem: JᵀJ and Jᵀr agree (the row counts differ)
    rw, Jw = residual_jacobian(net, X, Y, weights=counts)
    rd, Jd = residual_jacobian(net, Xd, Yd)
    np.testing.assert_allclose(Jw.T @ Jw, Jd.T @ Jd, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(Jw.T @ rw, Jd.T @ rd, rtol=1e-12, atol=1e-14)


def test_zero_weight_equals_dropping_the_point():
    net, X, Y = tiny_problem("silu", 2, 2, 3, seed=6, N=6)
    w = np.array([1.0, 0.0, 2.0, 0.5, 0.0, 1.5])
    keep = w > 0
    # the dropped points' targets are far off, so ignoring the weight would show
    Y = Y.copy()
    Y[~keep] += 100.0
    lw, gw = loss_and_grad(net, X, Y, weights=w)
    ld, gd = loss_and_grad(net, X[keep], Y[keep], weights=w[keep])
    assert lw == pytest.approx(ld, rel=1e-13)
    np.testing.assert_allclose(pack(*gw), pack(*gd), rtol=1e-12, atol=1e-14)
    rw, Jw = residual_jacobian(net, X, Y, weights=w)
    rd, Jd = residual_jacobian(net, X[keep], Y[keep], weights=w[keep])
    rows = np.repeat(keep, 2)  # m = 2 rows per point
    np.testing.assert_array_equal(rw[~rows], 0.0)
    np.testing.assert_array_equal(Jw[~rows], 0.0)
    np.testing.assert_allclose(rw[rows], rd, rtol=1e-13)
    np.testing.assert_allclose(Jw[rows], Jd, rtol=1e-13, atol=1e-15)


def test_input_conventions_for_one_input_and_one_output():
    # n = 1: X may be (N,); m = 1: Y may be (N,), and C a 1-D row; all give the same numbers.
    net, X, Y = tiny_problem("cos", 1, 1, 3, seed=8)
    flat = ShallowNetwork(net.A[:, 0], net.b, net.C[0], "cos")
    a = loss_and_grad(net, X, Y)
    b = loss_and_grad(flat, X[:, 0], Y[:, 0])
    assert a[0] == b[0]
    for p, q in zip(a[1], b[1]):
        np.testing.assert_array_equal(p, q)
    np.testing.assert_array_equal(residual_jacobian(net, X, Y)[1], residual_jacobian(flat, X[:, 0], Y[:, 0])[1])


def test_pack_and_unpack_are_inverse():
    rng = np.random.default_rng(0)
    A, b, C = rng.standard_normal((4, 3)), rng.standard_normal(4), rng.standard_normal((2, 4))
    theta = pack(A, b, C)
    np.testing.assert_array_equal(theta, np.concatenate([A.ravel(), b, C.ravel()]))
    for p, q in zip(unpack(theta, 4, 3, 2), (A, b, C)):
        np.testing.assert_array_equal(p, q)


# --- 6. errors ---------------------------------------------------------------------------------------

FUNCTIONS = [loss_and_grad, residual_jacobian]


@pytest.mark.parametrize("func", FUNCTIONS)
def test_activation_without_derivative_is_refused(func):
    net = ShallowNetwork([[1.0]], [0.0], [[1.0]], "heaviside")
    with pytest.raises(ValueError, match="heaviside"):
        func(net, [[0.5]], [1.0])
    with pytest.raises(ValueError, match="heaviside"):
        Objective(np.ones((2, 1)), np.ones((2, 1)), get_activation("heaviside"), 1)


@pytest.mark.parametrize("func", FUNCTIONS)
def test_bad_targets_and_weights_are_refused(func):
    net = ShallowNetwork(np.ones((3, 2)), np.zeros(3), np.ones((2, 3)), "tanh")  # n = 2, m = 2
    X, Y = np.zeros((4, 2)), np.zeros((4, 2))
    func(net, X, Y)  # the valid call works
    for bad in (np.zeros(4), np.zeros((4, 3)), np.zeros((5, 2)), np.zeros((4, 2, 1)), 0.0):
        with pytest.raises(ValueError, match=r"\bY\b"):
            func(net, X, bad)
    for bad in (np.ones(3), np.ones(5), np.ones((4, 1)), [1.0, -1.0, 1.0, 1.0], np.zeros(4)):
        with pytest.raises(ValueError, match="weights"):
            func(net, X, Y, weights=bad)
    with pytest.raises(ValueError, match=r"\bX\b"):
        func(net, np.zeros((4, 3)), Y)


@pytest.mark.parametrize("func", FUNCTIONS)
def test_empty_data_is_a_value_error(func):
    # the loss of no points is 0/0: a ValueError naming X, not a ZeroDivisionError from inside
    net = ShallowNetwork([[1.0]], [0.0], [[1.0]], "tanh")
    with pytest.raises(ValueError, match=r"\bX\b"):
        func(net, np.empty((0, 1)), np.empty(0))


@pytest.mark.parametrize("func", FUNCTIONS)
def test_non_network_is_a_type_error(func):
    for bad in (None, (np.ones((1, 1)), np.zeros(1), np.ones((1, 1))), uat.get_activation("tanh")):
        with pytest.raises(TypeError, match="ShallowNetwork"):
            func(bad, [[0.5]], [1.0])


# --- 7. the output bias d: g(x) = C σ(Ax + b) + d ---------------------------------------------------

def with_output_bias(net, seed):
    d = np.random.default_rng(seed).standard_normal(net.n_outputs)
    return ShallowNetwork(net.A, net.b, net.C, net.activation, d=d)


@pytest.mark.parametrize("n,m", SHAPES)
@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_gradient_with_an_output_bias_matches_central_differences(name, n, m):
    act = get_activation(name)
    for k in (1, 3):
        plain, X, Y = tiny_problem(name, n, m, k, seed=[DIFFERENTIABLE.index(name), n, m, k, 2])
        net = with_output_bias(plain, k)
        for weights in weight_cases(np.random.default_rng(k), X.shape[0]):
            w = np.ones(X.shape[0]) if weights is None else weights
            theta = pack(net.A, net.b, net.C, net.d)
            loss, grad = loss_and_grad(net, X, Y, weights=weights)
            assert grad.d.shape == (m,)
            residuals = partial(ref_residuals, X=X, Y=Y, w=w, act=act, k=k, n=n, m=m, output_bias=True)
            L = float(np.sum(residuals(theta) ** 2))
            assert loss == pytest.approx(L, rel=1e-13, abs=1e-15)
            fd = central_differences(lambda t: np.sum(residuals(t) ** 2), theta)
            assert_close_to_fd(pack(*grad), fd, 1.0 + L, f"{name} n={n} m={m} k={k} with d")
            # d only shifts the output: A, b, C's gradients are those of the network without d on Y − d
            shifted = loss_and_grad(plain, X, Y - net.d, weights=weights)
            for p, q in zip(grad[:3], shifted[1][:3]):
                np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-14 * (1 + L))
            r, J = residual_jacobian(net, X, Y, weights=weights)
            assert J.shape == (X.shape[0] * m, k * n + k + m * k + m)
            fdJ = central_differences(lambda t: residuals(t).ravel(), theta).T
            assert_close_to_fd(J, fdJ, 1.0 + np.abs(r).max(), f"{name} n={n} m={m} k={k} Jacobian with d")
            np.testing.assert_allclose(2 * J.T @ r, pack(*grad), rtol=1e-12, atol=1e-13 * (1 + loss))


def test_output_bias_by_hand():
    # g(x) = 3·relu(2x − 1) + d with d = 0.5, x = (1, 3), y = (1, 16):
    #   g = (3.5, 15.5), r = (2.5, −0.5), L = (6.25 + 0.25)/2 = 3.25, δ = 2r/N = r = (2.5, −0.5)
    #   ∂L/∂d = Σ δ = 2;  ∂L/∂C = 2.5·1 − 0.5·5 = 0;  ∂L/∂z = Cδ = (7.5, −1.5): ∂L/∂b = 6, ∂L/∂A = 7.5 − 4.5 = 3
    net = ShallowNetwork([[2.0]], [-1.0], [[3.0]], "relu", d=[0.5])
    loss, grad = loss_and_grad(net, [[1.0], [3.0]], [1.0, 16.0])
    assert loss == 3.25
    assert grad.d.tolist() == [2.0] and grad.C.tolist() == [[0.0]] and grad.b.tolist() == [6.0]
    assert grad.A.tolist() == [[3.0]]
    r, J = residual_jacobian(net, [[1.0], [3.0]], [1.0, 16.0])  # columns (A, b, C, d); ∂r/∂d = √(1/2)
    s = np.sqrt(0.5)
    np.testing.assert_allclose(J, [[3 * s, 3 * s, s, s], [9 * s, 3 * s, 5 * s, s]], rtol=1e-15)
    assert loss_and_grad(ShallowNetwork([[2.0]], [-1.0], [[3.0]], "relu"), [[1.0]], [1.0])[1].d is None


def test_the_lecture_one_one_one_network_trains_with_its_output_bias():
    # The lecture's z1 = w1 a0 + b1, a1 = σ(z1), z2 = w2 a1 + b2 (σ the sigmoid; the output is z2): plain
    # gradient descent on loss_and_grad recovers a teacher of the same form from data it generated.
    X = np.linspace(-2, 2, 21)[:, None]
    teacher = ShallowNetwork([[1.5]], [0.5], [[2.0]], "sigmoid", d=[-0.7])
    Y = teacher(X)
    params = [np.array([[0.5]]), np.array([0.0]), np.array([[1.0]]), np.array([0.0])]
    first, _ = loss_and_grad(ShallowNetwork(*params[:3], "sigmoid", d=params[3]), X, Y)
    for _ in range(3000):
        loss, grad = loss_and_grad(ShallowNetwork(*params[:3], "sigmoid", d=params[3]), X, Y)
        params = [p - 0.5 * g for p, g in zip(params, grad)]
    assert first > 0.1 and loss < 1e-10
    np.testing.assert_allclose(pack(*params), pack(teacher.A, teacher.b, teacher.C, teacher.d), atol=1e-4)
