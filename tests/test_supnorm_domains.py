"""sup_error and rms_error on every kind of compact K: finite point sets (exact), curves (searched in their
parameter), spheres (n-D search with projection), 1-D sets that are not one interval, set algebra, level sets,
and dimension 10. The curve and the sphere here are small stand-ins written against the Domain protocol."""

from __future__ import annotations

import math

import numpy as np
import pytest

from uat import Ball, Box, ShallowNetwork, rms_error, sup_error
from uat.domains import Domain, LevelSet, PointSet
from uat.targets import Target

EPS = np.finfo(float).eps


def zero(X):
    return np.zeros(len(X))


class Circle(Domain):
    """Stand-in curve: the circle c + r(cos t, sin t), t ∈ [0, 2π], with ``parametrisation`` and ``interval``."""

    def __init__(self, center, radius):
        self.center, self.radius = np.asarray(center, dtype=float), float(radius)

    dim, intrinsic_dim = 2, 1
    interval = (0.0, 2 * math.pi)
    n_unit = 1

    @property
    def bounds(self):
        return self.center - self.radius, self.center + self.radius

    @property
    def volume(self):
        return 2 * math.pi * self.radius

    def parametrisation(self, t):
        t = np.asarray(t, dtype=float)
        return self.center + self.radius * np.stack([np.cos(t), np.sin(t)], axis=1)

    def contains(self, X):
        X = np.atleast_2d(X)
        return np.abs(np.linalg.norm(X - self.center, axis=1) - self.radius) <= 1e-12 * self.radius

    def project(self, X):
        return self.parametrisation(np.arctan2(*(np.atleast_2d(X) - self.center).T[::-1]))

    def from_unit(self, U):
        return self.parametrisation(2 * math.pi * U[:, 0])

    def __str__(self):
        return f"circle({self.center.tolist()}, {self.radius})"


class Sphere(Domain):
    """Stand-in sphere ‖x − c‖ = r in ℝⁿ (uniform by normalised Gaussians, projection along the ray from c)."""

    def __init__(self, center, radius):
        self.center, self.radius = np.asarray(center, dtype=float), float(radius)

    @property
    def dim(self):
        return len(self.center)

    @property
    def intrinsic_dim(self):
        return self.dim - 1

    @property
    def n_unit(self):
        return self.dim

    @property
    def bounds(self):
        return self.center - self.radius, self.center + self.radius

    def contains(self, X):
        X = np.atleast_2d(X)
        return np.abs(np.linalg.norm(X - self.center, axis=1) - self.radius) <= 1e-12 * self.radius

    def project(self, X):
        D = np.atleast_2d(X) - self.center
        norm = np.linalg.norm(D, axis=1, keepdims=True)
        D = np.where(norm > 0, D, np.eye(self.dim)[:1])
        return self.center + self.radius * D / np.linalg.norm(D, axis=1, keepdims=True)

    def from_unit(self, U):
        from scipy.special import ndtri

        return self.project(self.center + ndtri(np.clip(U, 1e-300, 1 - 1e-16)))

    def __str__(self):
        return f"sphere({self.center.tolist()}, {self.radius})"


def linear(w):
    """x ↦ w·x; the error against 0 is |w·x|, whose max over a sphere ‖x − c‖ = r is ‖w‖r + |w·c|."""
    return lambda X: X @ np.asarray(w, dtype=float)


def in_k(domain, x) -> bool:
    return bool(domain.contains(np.asarray(x)[None, :])[0])


# --- finite point sets: exact ----------------------------------------------------------------------------------
def test_point_set_sup_is_the_brute_force_maximum():
    rng = np.random.default_rng(3)
    K = PointSet(rng.normal(size=(70_000, 3)))  # more than one evaluation block
    f = lambda X: np.sin(3 * X[:, 0]) * X[:, 1] + X[:, 2] ** 2
    g = ShallowNetwork(rng.normal(size=(5, 3)), rng.normal(size=5), rng.normal(size=(1, 5)), "tanh")
    brute = np.abs(f(K.X) - g(K.X)[:, 0])
    est = sup_error(f, g, K)
    assert est.value == est.lower == est.upper == brute.max()
    assert est.facts["exact"] and est.method == "exact: the maximum over all 70000 points of K"
    assert np.array_equal(est.argmax, K.X[np.argmax(brute)]) and in_k(K, est.argmax)
    assert est.n_evals == len(K.X)
    assert rms_error(f, g, K) == pytest.approx(math.sqrt(np.mean(brute ** 2)), rel=1e-13)


def test_point_set_given_points_must_be_points_of_the_set():
    K = PointSet([[0.0, 0.0], [1.0, 2.0]])
    assert sup_error(linear([1, 1]), zero, K, points=[[1.0, 2.0]]).value == 3.0
    with pytest.raises(ValueError, match=r"points must lie in the domain .*; got \[0.5, 0.5\]"):
        sup_error(linear([1, 1]), zero, K, points=[[0.5, 0.5]])


# --- a curve, searched in its parameter --------------------------------------------------------------------------
def test_curve_searched_in_its_parameter_reaches_the_linear_maximum():
    K, w = Circle([0.3, -0.2], 0.7), np.array([1.0, 2.0])
    est = sup_error(linear(w), zero, K)
    assert est.facts["search"] == "curve parameter" and est.method.startswith("curve: uniform grid of ")
    assert in_k(K, est.argmax)
    true = np.linalg.norm(w) * 0.7 + abs(w @ K.center)
    assert true * (1 - 1e-14) <= est.value <= true * (1 + 4 * EPS)
    assert est.value == abs(float(linear(w)(est.argmax[None])[0]))  # attained at argmax


def test_curve_given_point_higher_than_a_coarse_grid_is_refined():
    K = Circle([0.0, 0.0], 1.0)
    peak, s = 1.0, 1e-4  # a spike at t = 1: at the grid and the first subdivisions (0.018 away) f underflows to 0
    f = lambda X: np.exp(-np.sum((X - K.parametrisation([peak])) ** 2, axis=1) / (2 * s ** 2))
    missed = sup_error(f, zero, K, n_points=9, n_starts=1)
    assert missed.value < 1e-100
    near = K.parametrisation([peak + 0.5 * s])  # f there: exp(-1/8)
    seeded = sup_error(f, zero, K, n_points=9, n_starts=1, points=near)
    assert seeded.value == pytest.approx(1.0, rel=1e-10) and in_k(K, seeded.argmax)


def test_rms_on_a_curve_uses_its_arc_length():
    K = Circle([0.0, 0.0], 2.0)  # x ↦ x₁ on the circle: RMS r/√2
    assert rms_error(linear([1.0, 0.0]), zero, K) == pytest.approx(2 / math.sqrt(2), rel=1e-6)


# --- spheres: n-D search with projection -------------------------------------------------------------------------
@pytest.mark.parametrize("n", [2, 3])
def test_linear_maximum_on_a_sphere(n):
    c, r = np.linspace(-0.3, 0.4, n), 1.3
    w = np.arange(1.0, n + 1) * (-1) ** np.arange(n)
    K = Sphere(c, r)
    est = sup_error(linear(w), zero, K)
    assert in_k(K, est.argmax)
    true = np.linalg.norm(w) * r + abs(w @ c)
    assert true * (1 - 1e-9) <= est.value <= true * (1 + 1e-12)


# --- 1-D sets that are not one interval ---------------------------------------------------------------------------
class Recorder:
    """f(x) = exp(−(x − 1.5)²/0.1) on ℝ, remembering every point it is asked about."""

    def __init__(self):
        self.seen = []

    def __call__(self, X):
        self.seen.append(X.copy())
        return np.exp(-((X[:, 0] - 1.5) ** 2) / 0.1)


def test_union_of_intervals_peaks_at_an_end_and_is_never_evaluated_outside():
    K = Box(0, 1) | Box(2.2, 3)
    f = Recorder()
    est = sup_error(Target(f, K, "bump", lipschitz=None), zero)
    assert est.argmax.tolist() == [1.0] and est.value == math.exp(-0.25 / 0.1)  # the end nearest the peak
    seen = np.concatenate(f.seen)
    assert np.all(K.contains(seen)), seen[~K.contains(seen)][:3]
    assert est.facts["n_ends"] == 4 and "interval-end" in est.method


def test_union_of_intervals_interior_maximum_refined_to_rounding():
    K = Box(0, 1) | Box(2, 3)
    est = sup_error(lambda X: np.sin(3 * X[:, 0]), zero, K)  # max 1 at π/6 in [0, 1] (π/6 + 2π/3·k: none in [2, 3])
    assert est.value >= 1 - 4 * EPS and abs(est.argmax[0] - math.pi / 6) < 1e-7 and in_k(K, est.argmax)


def test_one_dimensional_ball_and_level_set_reach_their_ends():
    ball = Ball([0.1], 0.3)
    est = sup_error(linear([1.0]), zero, ball)
    top = np.nextafter(0.4, 1)  # the largest float in the ball, by its own arithmetic
    while not ball.contains([[top]])[0]:
        top = np.nextafter(top, 0)
    assert est.argmax.tolist() == [top]
    level = LevelSet("x**2 - 0.5", "[-1,1]")
    est = sup_error(lambda X: X[:, 0] + 2, zero, level)
    assert in_k(level, est.argmax) and est.value == pytest.approx(2 + math.sqrt(0.5), abs=4 * EPS)


def test_difference_of_intervals_keeps_the_removed_interval_ends():
    K = Box(0, 3) - Box(1, 2)  # [0, 1] ∪ [2, 3]: int(B) = (1, 2) removed
    est = sup_error(lambda X: 5 - (X[:, 0] - 1.6) ** 2, zero, K)
    assert est.argmax.tolist() == [2.0] and est.value == 5 - 0.4 ** 2


# --- n-D set algebra and level sets: argmax in K, the true sup reached --------------------------------------------
def bump_at(p, s=1.0):
    p = np.asarray(p, dtype=float)
    return lambda X: np.exp(-np.sum((X - p) ** 2, axis=1) / (2 * s ** 2))


@pytest.mark.parametrize("K, f, true", [
    (Ball([0.2, -0.1], 0.8), linear([1.0, 2.0]), math.sqrt(5) * 0.8 + 0.0),  # |w·c| = 0
    (Box([0, 0], [1, 1]) - Ball([0.5, 0.5], 0.25), bump_at([0.5, 0.5]), math.exp(-0.25 ** 2 / 2)),
    (Box([0, 0], [2, 1]) | Box([0, 0], [1, 2]), bump_at([1.5, 1.5]), math.exp(-0.5 ** 2 / 2)),
    (LevelSet("x**2 + y**2 - 1", "[-1,1]^2"), linear([1.0, 2.0]), math.sqrt(5)),
], ids=["ball", "box-ball", "union", "levelset"])
def test_argmax_in_k_and_the_sup_reached(K, f, true):
    est = sup_error(f, zero, K)
    assert in_k(K, est.argmax)
    assert est.value == abs(float(f(est.argmax[None])[0]))  # attained there
    assert true * (1 - 1e-8) <= est.value <= true * (1 + 1e-12)


def test_ten_dimensional_ball_runs_with_argmax_in_k():
    rng = np.random.default_rng(10)
    K = Ball(np.zeros(10), 1.0)
    g = ShallowNetwork(rng.normal(size=(32, 10)), rng.normal(size=32), rng.normal(size=(1, 32)) / 8, "tanh")
    f = lambda X: np.exp(-np.sum(X ** 2, axis=1))
    est = sup_error(f, g, K)
    assert in_k(K, est.argmax) and est.facts["search"] == "10-D Sobol'"
    X = K.sample(1 << 14, "uniform", rng=1)
    assert est.value >= np.max(np.abs(f(X) - g(X)[:, 0]))


@pytest.mark.slow  # 3 s: the high-dimension benchmark's quick mode; CI's slow step runs it
def test_bench_highdim_quick_mode_runs(tmp_path, capsys):
    import importlib.util
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_highdim.py"
    spec = importlib.util.spec_from_file_location("bench_highdim", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "highdim.md"
    module.main(["--quick", "--out", str(out)])
    report = out.read_text()
    assert report == capsys.readouterr().out and "NOT a measurement" in report
    payload = json.loads(out.with_suffix(".json").read_text())
    rows = {row["id"]: row for row in payload["rows"]}
    assert rows["highdim.fitted"]["passed"] is True and rows["highdim.in_k"]["median"] == len(payload["data"]["fitted"])
    assert {"highdim.bump2_s0.05", "highdim.bump10_s0.01", "highdim.memory"} <= set(rows)
