"""The random hidden layers of uat.fitting.draws: nested, and in 1-D spread evenly over K."""

import numpy as np
import pytest

import uat
from uat.fitting import draw_features
from uat.fitting.draws import transition_points


def _kinks(A, b, lower, upper):
    """The transition points −b/a of a 1-D draw, as fractions of the interval, sorted."""
    return np.sort((-b / A[:, 0] - lower) / (upper - lower))


@pytest.mark.parametrize("domain", [uat.Box([-1.0], [1.0]), uat.Box([2.0], [7.0]), uat.Ball([0.5], 2.0)])
def test_one_dimensional_transitions_are_nested_and_leave_no_gap_wider_than_two_over_k(domain):
    """k independent uniform points leave a largest gap near ln(k)/k (0.065 at k = 64); these at most 1.9/k."""
    lower, upper = (float(v[0]) for v in domain.bounds)
    for seed in range(5):
        A, b = draw_features(domain, 512, rng=seed)
        for k in (1, 2, 7, 64, 100, 512):
            narrow = draw_features(domain, k, rng=seed)
            np.testing.assert_array_equal(narrow[0], A[:k])  # nested: width k is a prefix of width 512
            np.testing.assert_array_equal(narrow[1], b[:k])
            u = _kinks(A[:k], b[:k], lower, upper)
            assert np.all((u >= 0) & (u <= 1 + 1e-12))  # every kink inside K
            gaps = np.diff(np.concatenate([[0.0], u, [1.0]]))
            assert gaps.max() <= 1.9 / k + 1e-12, (seed, k, gaps.max() * k)


def test_each_transition_point_is_still_uniform_over_seeds():
    U = np.random.default_rng(0).random((4000, 4))
    first = np.array([transition_points(uat.Box([0.0], [1.0]), U[i : i + 1])[0, 0] for i in range(4000)])
    assert np.histogram(first, bins=10, range=(0, 1))[0].min() > 330  # 400 expected per bin
    units = np.random.default_rng(1).random((10, 4))
    assert transition_points(uat.Box([0.0], [1.0]), units)[0, 0] == units[0, 0]  # unit 0 from the shift itself


def test_transition_points_in_n_d_are_independent_uniform_points_of_k():
    """Measured no better spread evenly in 2-D (Franke), so there they stay ``domain.from_unit`` of each row."""
    for domain in (uat.Box([0.0, 0.0], [1.0, 2.0]), uat.Ball([0.0, 0.0, 0.0], 1.0)):
        U = np.random.default_rng(2).random((50, 2 * domain.dim + 2))
        np.testing.assert_array_equal(transition_points(domain, U), domain.from_unit(U[:, : domain.n_unit]))


def test_relu_random_features_converge_at_the_rate_of_even_kinks():
    """ReLU least squares on sin 2πx: the largest gap h sets the error (≈ h²·max|f″|/16); with kinks
    spread evenly, median over seeds 0-2, it is 1.1e-2 at width 64 and 5.3e-4 at 256 (rate -2.2; with
    independent kinks 4.7e-2 and 4.5e-3, rate -1.7)."""
    errors = {k: np.median([uat.fit("sin2pi", width=k, activation="relu", seed=s).sup_error().value
                            for s in range(3)]) for k in (64, 256)}
    assert errors[64] < 2e-2 and np.log(errors[256] / errors[64]) / np.log(4) < -1.8
