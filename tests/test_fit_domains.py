"""Fits on the new domains (issue 18): every method that takes a domain fits on set algebra, level sets and
point sets, evaluates f only at points of K, and reports a sup error attained at a point of K."""

import warnings

import numpy as np
import pytest

import uat
from uat.domains import Ball, Box, LevelSet, PointSet, parse_domain
from uat.targets import Target

DOMAINS = {
    "L-shape": "[0,2]x[0,1] | [0,1]x[0,2]",
    "square minus disc": "[0,1]^2 - ball(center=[0.5,0.5], radius=0.25)",
    "annulus as ball - ball": "ball(center=[0,0], radius=1) - ball(center=[0,0], radius=0.5)",
    "level set": "levelset(h=x**2+y**2-1, box=[-1,1]^2)",
    "two intervals": "[0,1] | [2,3]",
}
METHODS = {"lstsq": {}, "minimax": {}, "backprop": {"max_iter": 30}, "poly_minimax": {}}


def _recording(domain):
    """A target that records every point it is evaluated at (and is NaN outside K, as sqrt(1 − ‖x‖²) would be)."""
    seen = []

    def f(X):
        seen.append(np.array(X))
        return np.where(domain.contains(X), np.sin(2 * X[:, 0] + X[:, -1]), np.nan)

    return Target(f, domain, "recorded"), seen


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", DOMAINS)
def test_fit_evaluates_f_only_in_k(name, method):
    domain = parse_domain(DOMAINS[name])
    target, seen = _recording(domain)
    options = dict(METHODS[method])
    if method == "poly_minimax":
        options["degree"] = 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", uat.exceptions.IllConditionedWarning)
        result = uat.fit(target, width=8, method=method, seed=0, **options)
        est = result.sup_error(certify=False)
    points = np.vstack(seen)
    assert domain.contains(points).all(), f"f evaluated at {points[~domain.contains(points)][:3]} outside {domain}"
    assert np.isfinite(est.value) and domain.contains(est.argmax[None])[0]


def test_a_polynomial_on_a_holed_square_cannot_beat_its_best_polynomial():
    """Known mathematics on a non-box K: σ(z) = z² nets are polynomials of degree 2, so their sup error on K is
    at least E₂(f) on K, which uat.fitting.polynomial.best_polynomial brackets from below."""
    from uat.fitting.polynomial import best_polynomial

    K = Box([0, 0], [1, 1]) - Ball([0.5, 0.5], 0.25)
    best = best_polynomial("exp(x*y)", 2, K)
    floor = best.lower
    for seed in range(3):
        with warnings.catch_warnings():  # 12 units of a degree-2 polynomial span only 6 directions
            warnings.simplefilter("ignore", uat.exceptions.IllConditionedWarning)
            net = uat.fit("exp(x*y)", K, width=12, activation="square", method="lstsq", seed=seed).network
        assert uat.sup_error("exp(x*y)", net, K, certify=False).value >= floor * (1 - 1e-9)


def test_chebyshev_refuses_a_union_of_intervals():
    with pytest.raises(ValueError, match=r"method 'chebyshev' interpolates on an interval; got the 1-D domain "
                                         r"\[0,1\] \| \[2,3\], which is not one"):
        uat.fit("sin(3*x)", "[0,1] | [2,3]", width=8, method="chebyshev")
