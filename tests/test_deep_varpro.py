"""Variable projection for deep networks: the last affine map by least squares, LM on the inner layers."""

import numpy as np
import pytest

import uat
from uat.activations import get_activation
from uat.fitting.backprop import _Projection
from uat.fitting.deep_gradients import DeepObjective
from uat.fitting.deep_varpro import LastLayerSplit

TANH = get_activation("tanh")


def _objective(widths=(2, 3, 4, 2), output_activation=None, seed=4):
    rng = np.random.default_rng(seed)
    X, Y = rng.uniform(-1, 1, (50, widths[0])), rng.normal(size=(50, widths[-1]))
    weights = rng.uniform(0.5, 2.0, 50)  # unequal weights: √ŵ must sit in the features and the residuals alike
    objective = DeepObjective(X, Y, widths, [TANH] * (len(widths) - 2), output_activation, weights, threads=1)
    return objective, rng


def test_the_split_puts_the_last_affine_map_on_the_features():
    """Φ = a[L−1] W[L]ᵀ + b[L]: the residuals of join(inner, Ct) are H Ct − √ŵ Y for any Ct."""
    objective, rng = _objective()
    split = LastLayerSplit(objective)
    assert split.n_features == 5 and split.n_inner == (3 * 2 + 3) + (4 * 3 + 4)
    inner, Ct = rng.normal(size=split.n_inner), rng.normal(size=(5, 2))
    theta = split.join(inner, Ct)
    weights, biases = objective.unpack(theta)
    np.testing.assert_array_equal(weights[-1], Ct[:-1].T)
    np.testing.assert_array_equal(biases[-1], Ct[-1])
    expected = split.features(inner) @ Ct - objective.sw[:, None] * objective.Y
    np.testing.assert_allclose(objective.residuals(theta), expected.ravel(), rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="output_activation='tanh'"):
        LastLayerSplit(_objective(output_activation=TANH)[0])


@pytest.mark.parametrize("ridge", [0.0, 1e-6])
def test_the_projected_jacobian_gives_the_gradient_of_the_projected_residual(ridge):
    """Kaufman's Jacobian drops a term, but 2 Jᵀr is still the gradient of the projected objective ‖r‖²
    (central differences, three layers, two inputs and two outputs)."""
    objective, rng = _objective()
    projection = _Projection(objective, ridge, None)
    inner = rng.normal(size=projection.ab)
    r, J = projection.jacobian(inner)
    assert J.shape == (r.size, projection.ab)

    def f(x):
        res = projection.evaluate(x)
        return res @ res

    h = 1e-5  # the central difference's error is 2e-9 here (1e-8 at h = 1e-6: rounding)
    fd = np.array([(f(inner + h * e) - f(inner - h * e)) / (2 * h) for e in np.eye(inner.size)])
    np.testing.assert_allclose(2 * J.T @ r, fd, rtol=1e-6, atol=1e-8)
    assert projection.data_loss(inner) <= f(inner) + 1e-15  # the ridge term is added, never subtracted


def test_the_projected_jacobian_is_the_exact_one_projected():
    """Without ridge r = −P⊥ √ŵY, and its exact Jacobian is P⊥ J_inner C-term plus a term in range(H)
    (Golub–Pereyra); Kaufman's J keeps the first, so P⊥ (central differences of r) equals J entry by entry.
    The last layer is the least-squares one: Hᵀ r = 0."""
    objective, rng = _objective()
    projection = _Projection(objective, 0.0, None)
    inner = rng.normal(size=projection.ab)
    r, J = projection.jacobian(inner)
    H = projection.split.features(inner)
    Q = np.linalg.qr(H)[0]
    scale = np.linalg.norm(H) * np.linalg.norm(r)  # Hᵀr = 0 to rounding: 100 N eps in units of ‖H‖ ‖r‖
    np.testing.assert_allclose(H.T @ r.reshape(objective.N, -1), 0, atol=100 * objective.N * 2.2e-16 * scale)

    def project(v):  # P⊥ on each output's column of the (N, m) residual block
        V = v.reshape(objective.N, objective.m, -1)
        return (V - np.einsum("ik,kjp->ijp", Q, np.einsum("ik,ijp->kjp", Q, V))).reshape(v.shape)

    h = 1e-5
    fd = np.column_stack([(projection.evaluate(inner + h * e) - projection.evaluate(inner - h * e)) / (2 * h)
                          for e in np.eye(inner.size)])
    np.testing.assert_allclose(project(fd), J, rtol=1e-6, atol=1e-8)
    assert np.abs(fd - J).max() > 1e-3  # the dropped term is not zero here: the check could fail


def _fit(**options):
    return uat.fit("sin2pi", width=[8, 8], method="backprop", optimizer="varpro", n_samples=256, seed=0,
                   max_iter=200, **options)


def test_deep_variable_projection_fits_sin2pi_and_is_reproducible():
    """Measured: sup error 4.4e-6 (seeds 1, 2: 3.3e-6, 8.8e-6; lm with the same budget 1.9e-4, 3.7e-4, 3.3e-4)."""
    result = _fit()
    assert result.diagnostics["optimizer"] == "varpro" and result.diagnostics["path"].startswith("varpro")
    assert [p["phase"] for p in result.diagnostics["phases"]][-1] == "lstsq C"
    assert result.sup_error().value < 2e-5
    assert result.train_rms**2 == pytest.approx(result.diagnostics["loss"], rel=1e-9)
    again = _fit()
    for first, second in zip(result.network.weights + result.network.biases,
                             again.network.weights + again.network.biases):
        np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(result.history["loss"], again.history["loss"])


def test_varpro_with_an_output_activation_is_refused_before_any_work(monkeypatch):
    import uat.fitting.backprop as backprop

    def no_work(*args, **kwargs):
        raise AssertionError("the training set was drawn before the refusal")

    monkeypatch.setattr(backprop, "trained_set", no_work)
    with pytest.raises(ValueError, match="optimizer='varpro' .* needs output_activation=None; got "
                                         "output_activation='tanh': pass output_activation=None, or optimizer="):
        uat.fit("sin2pi", width=[8, 8], method="backprop", optimizer="varpro", output_activation="tanh")
