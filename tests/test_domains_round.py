"""Annuli (shells), spheres and curves (uat/domains/_round.py): exact laws, membership, projections, round
trips, refusals and known sups."""

import numpy as np
import pytest
from scipy import stats

import uat
from uat.domains import Annulus, Box, Curve, Sphere, parse_domain

CIRCLE = Curve(["cos(2*pi*t)", "sin(2*pi*t)"], (0, 1))
DOMAINS = [Annulus([0, 0], 0.5, 1), Annulus([1, 2, 3, 4, 5], 0.2, 0.9), Annulus([0], 0.5, 1),
           Annulus([0, 0], 0, 1), Sphere([0, 0], 1), Sphere([0.3, 0, 1], 2), Sphere([0.5], 1),
           CIRCLE, Curve(["t", "t**2", "sin(t)"], (-1, 2)), Annulus([0, 0], 0.5, 1) - Box([0, -1], [1, 1])]


@pytest.mark.parametrize("n", [2, 5])
def test_annulus_radius_follows_its_exact_law(n):
    K = Annulus(np.zeros(n), 0.4, 1.1)
    r = np.linalg.norm(K.sample(20_000, rng=n), axis=1)
    cdf = lambda x: (np.clip(x, 0.4, 1.1) ** n - 0.4**n) / (1.1**n - 0.4**n)  # noqa: E731
    assert stats.kstest(r, cdf).pvalue > 1e-3


def test_annulus_radius_law_test_can_fail():
    """Radii uniform on [r_in, r_out] (a common mistake) fail the same test."""
    r = np.random.default_rng(0).uniform(0.4, 1.1, 20_000)
    assert stats.kstest(r, lambda x: (np.clip(x, 0.4, 1.1) ** 2 - 0.16) / (1.21 - 0.16)).pvalue < 1e-6


def test_sphere_coordinate_is_uniform_archimedes():
    X = Sphere([0, 0, 0], 1).sample(20_000, rng=1)
    assert stats.kstest(X[:, 2], "uniform", args=(-1, 2)).pvalue > 1e-3


def test_curve_samples_are_uniform_in_arc_length():
    """On a circle parametrised at uneven speed (t ↦ angle 2πt²), the angle of the samples is uniform."""
    K = Curve(["cos(2*pi*t**2)", "sin(2*pi*t**2)"], (0, 1))
    X = K.sample(20_000, rng=2)
    angle = np.mod(np.arctan2(X[:, 1], X[:, 0]), 2 * np.pi)
    assert stats.kstest(angle, "uniform", args=(0, 2 * np.pi)).pvalue > 1e-3
    assert abs(K.length - 2 * np.pi) < 1e-6


@pytest.mark.parametrize("domain", DOMAINS, ids=str)
def test_samples_projections_and_round_trips(domain):
    X = domain.sample(1000, rng=3)
    assert domain.contains(X).all() and domain.contains(domain.sample(512, "sobol", rng=4)).all()
    Y = np.random.default_rng(5).normal(size=(300, domain.dim)) * 3
    assert domain.contains(domain.project(Y)).all()
    assert np.array_equal(domain.project(X), X)
    assert parse_domain(str(domain)) == domain
    assert domain.meets(X - 1e-3, X + 1e-3).all()


def test_known_sups():
    """|x| on an annulus is r_outer; a linear function on a sphere ‖w‖r + w·c; on a half circle a known max."""
    zero = lambda X: 0 * X[:, 0]  # noqa: E731
    est = uat.sup_error(lambda X: np.linalg.norm(X, axis=1), zero, Annulus([0, 0, 0], 0.5, 1.25))
    assert abs(est.value - 1.25) < 1e-9
    w, c = np.array([1.0, -2.0, 0.5]), np.array([0.2, 0.1, -0.3])
    est = uat.sup_error(lambda X: X @ w, zero, Sphere(c, 0.7))
    assert abs(est.value - (0.7 * np.linalg.norm(w) + abs(w @ c))) < 1e-9  # the sup of |w·x|
    half = Curve(["cos(pi*t)", "sin(pi*t)"], (0, 1))
    est = uat.sup_error(lambda X: X[:, 0] - X[:, 1], zero, half)  # |cos πt − sin πt| is √2 at t = 3/4
    assert abs(est.value - np.sqrt(2)) < 1e-12 and half.contains(est.argmax[None])[0]
    assert np.allclose(est.argmax, [-np.sqrt(0.5), np.sqrt(0.5)], atol=1e-6)


def test_a_fit_on_a_circle_is_checked_on_the_circle():
    r = uat.fit("x*y", "sphere(center=[0,0], radius=1)", width=16, seed=0)
    est = r.sup_error()
    assert Sphere([0, 0], 1).contains(est.argmax[None])[0] and est.value < 1e-2


@pytest.mark.parametrize("make, message", [
    (lambda: Annulus([0, 0], 1, 0.5), r"Annulus needs r_inner < r_outer; got r_inner=1 >= r_outer=0.5"),
    (lambda: Annulus([0, 0], 1, 1), r"Annulus needs r_inner < r_outer"),
    (lambda: Annulus([0, 0], -0.1, 1), r"r_inner"),
    (lambda: Annulus([0, np.inf], 0.1, 1), r"Annulus center must be finite"),
    (lambda: Annulus([], 0.1, 1), r"Annulus center must be a non-empty 1-D sequence"),
    (lambda: Sphere([0, 0], 0), r"radius"),
    (lambda: Sphere([0, 0], np.nan), r"radius"),
    (lambda: Curve(["t", "t"], (1, 0)), r"Curve needs an interval t = \(a, b\) with a < b; got a=1 >= b=0"),
    (lambda: Curve(["1", "2"], (0, 1)), r"Curve has zero length"),
    (lambda: Curve(["1/t", "t"], (0, 1)), r"Curve γ\(t\) must be finite on \[0, 1\]; at t = 0"),
    (lambda: Curve(["x + t"], (0, 1)), r"Curve coordinates are expressions in t only; 'x\+t' uses 'x'"),
    (lambda: Curve(3, (0, 1)), r"Curve x must be a list of expressions in t"),
    (lambda: parse_domain("annulus(center=[0,0], r_inner=0.5)"), r"annulus\(...\) needs .*r_outer missing"),
    (lambda: parse_domain("curve(x=cos(t), t=[0,1])"), r"curve x must be a list of expressions in t"),
    (lambda: parse_domain(str(Curve(lambda t: np.column_stack([t, t]), (0, 1)))),
     r"a curve given by a Python callable cannot be read from text"),
    (lambda: Sphere([0, 0], 1) | Box([0, 0], [1, 1]), r"Union needs parts of one intrinsic dimension"),
])
def test_degenerate_inputs_are_refused(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()
