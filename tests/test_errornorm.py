"""The shared error norm: no overflow where the true value is finite, a clear error where it is not."""

import numpy as np
import pytest

import uat
from uat.errornorm import ErrorFunction, check_pair, domain_points, power_of_two, rms, row_norms


@pytest.mark.parametrize("scale", [1e-300, 1e-160, 1.0, 1e160, 1e300])
def test_row_norms_keep_their_value_at_any_scale(scale):
    D = np.array([[3.0, 4.0], [0.0, 0.0], [-5.0, 12.0]]) * scale
    assert row_norms(D) == pytest.approx(np.array([5.0, 0.0, 13.0]) * scale, rel=4e-16)
    assert row_norms(D[:, :1]) == pytest.approx(np.abs(D[:, 0]), rel=0)


def test_row_norms_agree_with_numpy_in_range():
    D = np.random.default_rng(0).normal(size=(1000, 3))
    assert np.allclose(row_norms(D), np.linalg.norm(D, axis=1), rtol=4e-16, atol=0)


def test_row_norms_and_rms_give_numpys_bits_in_range():
    """The scale is a power of two, so wherever squaring does not overflow nothing changes (fits keep their numbers)."""
    D = np.random.default_rng(1).normal(size=(500, 3)) * np.logspace(-100, 100, 500)[:, None]
    np.testing.assert_array_equal(row_norms(D), np.linalg.norm(D, axis=1))
    v = np.abs(D[:, 0])
    assert rms(v) == np.sqrt(np.mean(v**2))
    np.testing.assert_array_equal(rms(D, axis=0), np.sqrt(np.mean(D**2, axis=0)))
    np.testing.assert_array_equal(rms(D.reshape(50, 10, 3), axis=(0, 2), count=50),
                                  np.sqrt(np.sum(D.reshape(50, 10, 3) ** 2, axis=(0, 2)) / 50))


@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1.0, 1e200, 1e300])
def test_rms_keeps_its_value_at_any_scale(scale):
    v = np.array([3.0, 4.0, 0.0, 12.0]) * scale
    assert rms(v) == pytest.approx(6.5 * scale, rel=4e-16)  # sqrt((9 + 16 + 144) / 4) = 6.5
    assert rms(np.array([np.inf, 1.0])) == np.inf and np.isnan(rms(np.array([np.nan, 1.0])))


def test_power_of_two_is_exact_and_safe_at_the_ends():
    peaks = np.array([1.0, 1.5, 3.0, 1.7e308, 5e-324, 0.0, np.inf, np.nan])
    scale = power_of_two(peaks)
    assert scale.tolist()[:5] == [1.0, 1.0, 2.0, 2.0**1023, 2.0**-1074] and scale.tolist()[5:] == [1.0, 1.0, 1.0]
    ratio = peaks[:5] / scale[:5]
    assert np.all((ratio >= 1) & (ratio < 2))


def test_a_huge_error_is_its_value_not_inf():
    """1e200·sin x against 1e200·g errs by 1e200 times what sin x against g does (issue 15: it was inf)."""
    g = uat.fit("sin(x)", "[-1,1]", width=8).network
    scaled = uat.ShallowNetwork(g.A, g.b, 1e200 * g.C, g.activation)
    small = uat.sup_error("sin(x)", g, "[-1,1]", certify=False)
    huge = uat.sup_error("1e200*sin(x)", scaled, "[-1,1]", certify=False)
    assert np.isfinite(huge.value) and huge.value == pytest.approx(1e200 * small.value, rel=1e-6)


def test_an_error_that_overflows_is_refused_not_reported():
    target = check_pair("1e308*x", lambda X: -1e308 * X[:, 0], "[-1,1]")
    errors = ErrorFunction(target, lambda X: -1e308 * X[:, 0], target.domain)
    with pytest.raises(ValueError, match="overflows float64 at x = "):
        errors(np.array([[1.0]]))


def test_a_g_that_modifies_its_input_is_refused():
    """Zeroing X inside g would measure the error at other points than the ones reported."""
    def g(X):
        X[:] = 0.0
        return X[:, 0]

    with pytest.raises(ValueError, match=r"g tried to modify its input array \(.*read-only\); g must not modify its "
                                         r"input X"):
        uat.sup_error("runge", g)
    with pytest.raises(ValueError, match="g must not modify its input X"):
        uat.rms_error("runge", g)


def test_a_fit_result_for_g_suggests_its_network():
    result = uat.fit("runge", width=8)
    with pytest.raises(TypeError, match=r"g must be a ShallowNetwork or a callable on \(N, n\) arrays; got a FitResult: "
                                        r"pass its network, sup_error\(f, result.network\), or call "
                                        r"result.sup_error\(\)$"):
        uat.sup_error("runge", result)
    with pytest.raises(TypeError, match=r"got a FitResult: pass its network"):
        uat.rms_error("runge", result)


def test_domain_points_are_checked_once_for_every_estimate():
    square = uat.Box([-1, -1], [1, 1])
    assert domain_points(None, square).shape == (0, 2)
    X = domain_points([[0.5, -0.5], [1.0, 1.0]], square)
    assert X.dtype == float and X.tolist() == [[0.5, -0.5], [1.0, 1.0]]
    assert domain_points([0.25, -1.0], uat.Box(-1, 1)).shape == (2, 1)  # 1-D: a flat array is N points
    with pytest.raises(ValueError, match=r"points must lie in the domain .*; got \[2.0, 0.0\]"):
        domain_points([[0.0, 0.0], [2.0, 0.0]], square)
    g = uat.ShallowNetwork([[1.0, 0.0]], [0.0], [[1.0]], "tanh")  # sup_error and sup_bracket both refuse so
    for estimate in (uat.sup_error, uat.certify.sup_bracket):
        with pytest.raises(ValueError, match=r"points must lie in the domain"):
            estimate(uat.Target(lambda X: X[:, 0], square, "x", lipschitz=1.0), g, points=[[3.0, 0.0]])
