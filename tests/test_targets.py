"""Tests of uat.targets: the library's values and Lipschitz constants, output checking, as_target and registration."""

import math
import re

import numpy as np
import pytest

from uat import fit, targets
from uat.domains import Ball, Box
from uat.exceptions import TargetError
from uat.targets import Target, as_target, get_target, list_targets, register_target

LIBRARY = list_targets()
WITH_LIPSCHITZ = [name for name in LIBRARY if get_target(name).lipschitz is not None]
NOT_LIPSCHITZ = ["sqrt_abs", "sqrt", "weierstrass", "takagi", "x_sin_inv"]
WITH_CURVATURE = [name for name in LIBRARY if get_target(name).curvature is not None]
WITH_HOLDER = [name for name in LIBRARY if get_target(name).holder is not None]


@pytest.fixture
def scratch_names():
    """Names registered by a test, removed from the registry afterwards so no state leaks."""
    names = []
    yield names
    for name in names:
        targets._TARGETS._entries.pop(name, None)


def evaluate(name, *points):
    """f at the given points, as an (N, m) array."""
    target = get_target(name)
    return target(np.array(points, dtype=float).reshape(len(points), target.dim))


# ----------------------------------------------------------------------------- the library
def _second_difference_growth(target):
    """max |Δ²f|/h² at h = 1e-4 over the same at h = 1e-3: ~1 for C² f, ~10 at a kink."""
    lo, hi = target.domain.lower[0], target.domain.upper[0]
    ratios = []
    for h in (1e-3, 1e-4):
        x = np.arange(lo, hi + h / 2, h)
        ratios.append(np.abs(np.diff(target(x)[:, 0], 2)).max() / h**2)
    return ratios[1] / ratios[0]


def test_library_size_and_coverage():
    assert len(LIBRARY) >= 15
    one_d = [get_target(n) for n in LIBRARY if get_target(n).dim == 1 and get_target(n).n_outputs == 1]
    smooth = [t.name for t in one_d if _second_difference_growth(t) < 1.5]
    rough = [t.name for t in one_d if _second_difference_growth(t) > 5]
    assert len(smooth) >= 3 and len(rough) >= 3, (smooth, rough)
    assert {"sin2pi", "runge"} <= set(smooth) and {"abs", "sqrt_abs", "takagi"} <= set(rough)
    assert sum(get_target(n).dim >= 2 for n in LIBRARY) >= 3
    assert sum(get_target(n).n_outputs >= 2 for n in LIBRARY) >= 2


@pytest.mark.parametrize("name", LIBRARY)
def test_library_target_is_complete_and_evaluates(name):
    target = get_target(name)
    assert target.name == name and target.description and target.domain is not None
    assert isinstance(target.n_outputs, int) and target.n_outputs >= 1
    X = target.domain.sample(10_000, rng=np.random.default_rng(0))
    Y = target(X)
    assert Y.shape == (10_000, target.n_outputs) and Y.dtype == np.float64
    assert np.all(np.isfinite(Y))
    corners = np.stack(target.domain.bounds) if isinstance(target.domain, Box) else np.array([target.domain.center])
    assert np.all(np.isfinite(target(corners)))


def test_get_target_suggests_the_closest_name():
    with pytest.raises(ValueError, match=r"unknown target 'runga' \(did you mean 'runge'\?\); valid names: sin2pi"):
        get_target("runga")


# ----------------------------------------------------------------------------- known values
def test_known_values_1d():
    assert evaluate("sin2pi", 0.25)[0, 0] == pytest.approx(1.0, abs=1e-15)
    assert evaluate("sin2pi", -0.25)[0, 0] == pytest.approx(-1.0, abs=1e-15)
    np.testing.assert_allclose(evaluate("runge", 0.0, 1.0, -1.0, 0.2)[:, 0], [1, 1 / 26, 1 / 26, 0.5], rtol=1e-15)
    np.testing.assert_allclose(evaluate("abs", -1.0, -0.3, 0.0, 0.7)[:, 0], [1, 0.3, 0, 0.7], rtol=1e-15)
    np.testing.assert_allclose(evaluate("sqrt_abs", -0.25, 0.0, 0.81)[:, 0], [0.5, 0.0, 0.9], rtol=1e-15)
    np.testing.assert_allclose(evaluate("exp_cos", 0.0, 1.0)[:, 0], [1.0, math.e * math.cos(4)], rtol=1e-15)
    np.testing.assert_allclose(evaluate("steep_tanh", 0.1, -1.0)[:, 0], [math.tanh(1), math.tanh(-10)], rtol=1e-15)
    np.testing.assert_allclose(evaluate("x_sin_inv", 0.0, 2 / math.pi, -1.0)[:, 0], [0.0, 2 / math.pi, math.sin(1)],
                               rtol=1e-15, atol=1e-16)


def test_sawtooth_teeth():
    teeth = [-0.75, -0.25, 0.25, 0.75]
    valleys = [-1.0, -0.5, 0.0, 0.5, 1.0]
    np.testing.assert_array_equal(evaluate("sawtooth", *teeth)[:, 0], 1.0)
    np.testing.assert_array_equal(evaluate("sawtooth", *valleys)[:, 0], 0.0)
    x = np.linspace(-1, 1, 2001)
    half_integers = np.abs(x - np.round(2 * x) / 2)  # distance to ½ℤ, 0 ... 1/4
    np.testing.assert_allclose(get_target("sawtooth")(x)[:, 0], 4 * half_integers, atol=1e-14)


def test_sawtooth_description_counts_its_kinks_and_teeth():
    # The description promises "4 teeth" and "16 kinks". On [-1, 1] the triangle wave has 4
    # peaks and 3 interior valleys: 7 kinks (9 with the endpoints), not 16.
    target = get_target("sawtooth")
    h = 1e-4
    x = np.linspace(-1, 1, 20001)
    second = np.abs(np.diff(target(x)[:, 0], 2)) / h  # 8/h·h at a kink, 0 on the linear pieces
    kinks = x[1:-1][second > 1.0]
    np.testing.assert_allclose(kinks, np.arange(-0.75, 0.8, 0.25), atol=1e-12)
    peaks = np.sum(target(kinks)[:, 0] > 0.5)
    assert peaks == int(re.search(r"(\d+) teeth", target.description).group(1))
    assert len(kinks) == int(re.search(r"(\d+) interior kinks", target.description).group(1)), kinks


def test_takagi_values():
    # T(x) = Σ 2⁻ⁿ dist(2ⁿx, ℤ): T(1/2) = 1/2, T(1/4) = 1/4 + 1/4 = 1/2, T(1/3) = Σ 2⁻ⁿ/3 = 2/3
    np.testing.assert_allclose(evaluate("takagi", 0.5, 0.25, 0.75, 0.0, 1.0, 1 / 3, 1 / 8)[:, 0],
                               [0.5, 0.5, 0.5, 0.0, 0.0, 2 / 3, 3 / 8], rtol=1e-15, atol=0)
    x = np.random.default_rng(1).random(500)
    T = get_target("takagi")
    # symmetric about 1/2, and self-affine: T(x/2) = x/2 + T(x)/2 (to the rounding of a 53-term sum)
    np.testing.assert_allclose(T(x), T(1 - x), rtol=0, atol=2e-15)
    np.testing.assert_allclose(T(x / 2)[:, 0], x / 2 + T(x)[:, 0] / 2, rtol=0, atol=2e-15)


def test_weierstrass_values():
    terms = 24
    head = sum(2.0**-n for n in range(terms))  # = 2 - 2^-23
    np.testing.assert_allclose(evaluate("weierstrass", 0.0, 1.0, -1.0)[:, 0], [head, -head, -head], rtol=1e-12)
    x = 0.3
    want = sum(0.5**n * math.cos(3**n * math.pi * x) for n in range(terms))
    assert evaluate("weierstrass", x)[0, 0] == pytest.approx(want, rel=0, abs=1e-9)
    assert "tail < 1.2e-7" in get_target("weierstrass").description and 2.0**-23 < 1.2e-7


def _franke_published(x, y):
    """Franke (1979), test function F1 on [0, 1]²."""
    return (0.75 * math.exp(-((9 * x - 2) ** 2) / 4 - ((9 * y - 2) ** 2) / 4)
            + 0.75 * math.exp(-((9 * x + 1) ** 2) / 49 - (9 * y + 1) / 10)
            + 0.5 * math.exp(-((9 * x - 7) ** 2) / 4 - ((9 * y - 3) ** 2) / 4)
            - 0.2 * math.exp(-((9 * x - 4) ** 2) - (9 * y - 7) ** 2))


def test_known_values_nd():
    points = [(0.3, 0.7), (0.0, 0.0), (1.0, 1.0), (2 / 9, 2 / 9)]
    np.testing.assert_allclose(evaluate("franke", *points)[:, 0], [_franke_published(*p) for p in points], rtol=1e-14)
    np.testing.assert_allclose(evaluate("bump", (0, 0), (0.1, 0), (0.06, -0.08))[:, 0],
                               [1.0, math.exp(-0.5), math.exp(-0.5)], rtol=1e-14)
    np.testing.assert_allclose(evaluate("radial", (0, 0), (0.3, 0.4), (0, -1))[:, 0], [1.0, -1.0, 1.0], rtol=1e-14)
    np.testing.assert_allclose(evaluate("product_peak", (0.5, 0.5), (0, 0), (1, 0.5))[:, 0],
                               [1.0, (4 / 29) ** 2, 4 / 29], rtol=1e-14)
    np.testing.assert_allclose(evaluate("oscillatory", (0, 0, 0), (math.pi / 4, 0, 0), (0.1, 0.2, 0.3))[:, 0],
                               [0.0, -1.0, math.cos(math.pi / 2 + 1.2)], rtol=1e-14, atol=1e-15)


def test_vector_valued_values():
    np.testing.assert_allclose(evaluate("circle", 0.0, 0.5, -1.0), [[1, 0], [0, 1], [-1, 0]], atol=1e-15)
    Y = get_target("circle")(np.linspace(-1, 1, 10_001))
    np.testing.assert_allclose(np.linalg.norm(Y, axis=1), 1.0, rtol=0, atol=2e-16)
    decay = math.exp(-(0.5**2 + 0.25**2))
    np.testing.assert_allclose(evaluate("vortex", (0.5, -0.25), (0, 0)), [[0.25 * decay, 0.5 * decay], [0, 0]],
                               rtol=1e-15)
    X = Box([-1, -1], [1, 1]).sample(1000, rng=2)
    V = get_target("vortex")(X)
    np.testing.assert_allclose(np.sum(V * X, axis=1), 0.0, atol=1e-16)  # tangential: v ⟂ x


# ----------------------------------------------------------------------------- Lipschitz constants
def _grid_quotients(target, per_axis):
    """Difference quotients between neighbouring points of a tensor grid over the bounding box (both in K)."""
    lower, upper = target.domain.bounds
    axes = [np.linspace(a, b, per_axis) for a, b in zip(lower, upper)]
    X = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
    shape = X.shape[:-1]
    flat = X.reshape(-1, target.dim)
    inside = target.domain.contains(flat)
    Y = np.full((flat.shape[0], target.n_outputs), np.nan)
    Y[inside] = target(flat[inside])
    X, Y, inside = X, Y.reshape(*shape, -1), inside.reshape(shape)
    quotients = []
    for axis in range(target.dim):
        dY = np.linalg.norm(np.diff(Y, axis=axis), axis=-1)
        dX = np.linalg.norm(np.diff(X, axis=axis), axis=-1)
        both = inside[tuple(slice(1, None) if a == axis else slice(None) for a in range(target.dim))] & \
            inside[tuple(slice(None, -1) if a == axis else slice(None) for a in range(target.dim))]
        quotients.append((dY / dX)[both])
    return np.concatenate(quotients)


def _random_pair_quotients(target, n, separation, seed):
    rng = np.random.default_rng(seed)
    X = target.domain.sample(n, rng=rng)
    U = rng.standard_normal(X.shape)
    X2 = X + separation * U / np.linalg.norm(U, axis=1)[:, None]
    keep = target.domain.contains(X2)
    X, X2 = X[keep], X2[keep]
    return np.linalg.norm(target(X2) - target(X), axis=1) / np.linalg.norm(X2 - X, axis=1)


@pytest.mark.parametrize("name", WITH_LIPSCHITZ)
def test_lipschitz_constant_is_a_tight_upper_bound(name):
    target = get_target(name)
    if target.dim == 1:
        quotients = _grid_quotients(target, 200_001)  # spacing 1e-5 on [-1, 1]
    else:
        per_axis = {2: 801, 3: 101}[target.dim]
        quotients = np.concatenate([_grid_quotients(target, per_axis),
                                    _random_pair_quotients(target, 300_000, 1e-5, seed=3)])
    # A quotient never exceeds the true constant; rounding adds ~2·eps·|f|/1e-5 ≈ 5e-11
    # relative, well inside 1e-9. Tight: some pair comes within 1%.
    assert quotients.max() <= target.lipschitz * (1 + 1e-9), (quotients.max(), target.lipschitz)
    assert quotients.max() >= 0.99 * target.lipschitz, (quotients.max(), target.lipschitz)


def test_non_lipschitz_targets_have_no_constant():
    assert sorted(NOT_LIPSCHITZ) == sorted(set(LIBRARY) - set(WITH_LIPSCHITZ))


def test_sqrt_abs_quotients_grow_like_h_to_the_minus_half():
    h = 10.0 ** -np.arange(2, 13)
    q = (evaluate("sqrt_abs", *h)[:, 0] - evaluate("sqrt_abs", 0.0)[0, 0]) / h
    np.testing.assert_allclose(q, h**-0.5, rtol=1e-12)
    assert np.all(np.diff(q) > 0) and q[-1] > 1e5


def test_takagi_quotients_grow_without_bound():
    # T(2^-k) = k·2^-k exactly, so the quotient at 0 over a step 2^-k is k
    k = np.arange(1, 51)
    h = 2.0**-k
    q = (get_target("takagi")(h)[:, 0] - evaluate("takagi", 0.0)[0, 0]) / h
    np.testing.assert_allclose(q, k, rtol=1e-14)


def test_weierstrass_quotients_grow_without_bound():
    # for h = 3^-k the terms n >= k all change by 2·2⁻ⁿ: W(0) - W(h) >= 2·(2^-k - 2^-24),
    # a quotient >= 2·(3/2)^k·(1 - 2^(k-24)); it grows until the truncation at 24 terms
    k = np.arange(1, 16)
    h = 3.0**-k
    W = get_target("weierstrass")
    q = np.abs(W(h)[:, 0] - W(np.zeros(1))[0, 0]) / h
    assert np.all(np.diff(q) > 0)
    assert np.all(q >= 2 * 1.5**k * (1 - 2.0 ** (k - 24)) * (1 - 1e-9))
    assert q[-1] > 800


def test_x_sin_inv_quotients_grow_without_bound():
    # between a = 1/(2πk + π/2) (f = a) and b = 1/(2πk + 3π/2) (f = -b) the quotient is 4k + 2
    k = np.array([1.0, 10, 100, 1000, 10_000, 100_000])
    a, b = 1 / (2 * np.pi * k + np.pi / 2), 1 / (2 * np.pi * k + 3 * np.pi / 2)
    f = get_target("x_sin_inv")
    q = np.abs(f(a)[:, 0] - f(b)[:, 0]) / (a - b)
    np.testing.assert_allclose(q, 4 * k + 2, rtol=1e-6)


# ----------------------------------------------------------------------------- validation of what fn returns
@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda X: np.zeros(len(X) + 1), r"target 'bad' must return shape \(N,\) or \(N, m\) for X of shape \(N, n\); "
                                         r"for X of shape \(5, 1\) it returned shape \(6,\)"),
        (lambda X: np.zeros((len(X) - 1, 1)), r"target 'bad' .* it returned shape \(4, 1\)"),
        (lambda X: np.zeros((len(X), 1, 1)), r"target 'bad' .* it returned shape \(5, 1, 1\)"),
        (lambda X: 1.0, r"target 'bad' .* it returned shape \(\)"),
        (lambda X: X[:, 0] + 0j, r"target 'bad' returned complex values; targets are real-valued"),
        (lambda X: ["a"] * len(X), r"target 'bad' returned list, not an array of numbers"),
    ],
    ids=["rows+1", "rows-1", "3-D", "scalar", "complex", "strings"],
)
def test_wrong_returns_raise_target_error(fn, match):
    target = Target(fn, "[0,1]", "bad")
    with pytest.raises(TargetError, match=match):
        target(np.linspace(0, 1, 5))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_name_the_first_bad_point_and_row(bad):
    def fn(X):
        Y = np.stack([X[:, 0], X[:, 1]], axis=1)
        Y[[3, 5], 1] = bad
        return Y

    target = Target(fn, "[0,1]x[0,2]", "holey")
    X = np.column_stack([np.arange(8) / 8, np.arange(8) / 4])
    with pytest.raises(TargetError, match=rf"target 'holey' returned a non-finite value \[0\.375, {bad}\] at "
                                          r"x = \[0\.375, 0\.75\] \(row 3\); a target must be finite on its domain"):
        target(X)


@pytest.mark.parametrize("fn", [lambda X: X.__setitem__(slice(None), 0) or X[:, 0],
                                lambda X: np.add(X, 1, out=X)[:, 0], lambda X: X.sort(axis=0) or X[:, 0]],
                         ids=["setitem", "out=X", "sort"])
def test_a_target_that_modifies_its_input_is_refused(fn):
    """Issue 15: zeroing X in place made the fit and its sup error 'perfect' (0) in silence."""
    with pytest.raises(TargetError, match=r"target '<lambda>' tried to modify its input array \(.*read-only.*\); "
                                          r"targets must not modify their input X"):
        fit(fn, "[-1,1]", width=8)
    X = np.linspace(0, 1, 5)[:, None]
    with pytest.raises(TargetError, match="must not modify their input"):
        Target(fn, "[0,1]")(X)
    assert X.flags.writeable and np.array_equal(X[:, 0], np.linspace(0, 1, 5))  # the caller's array is untouched


def test_a_target_returning_its_input_gives_a_fresh_array():
    X = np.linspace(0, 1, 5)[:, None]
    Y = Target(lambda X: X, "[0,1]")(X)
    assert not np.may_share_memory(X, Y) and Y.flags.writeable
    np.testing.assert_array_equal(Y, X)


def test_a_target_returning_no_columns_is_refused():
    with pytest.raises(TargetError, match=r"target 'empty' returned no values: shape \(5, 0\) for X of shape \(5, 1\); "
                                          r"a target returns \(N,\) or \(N, m\) with m >= 1 outputs"):
        Target(lambda X: np.zeros((len(X), 0)), "[0,1]", "empty")(np.linspace(0, 1, 5))


def test_a_scalar_function_as_target_is_explained():
    """Issue 15: lambda x: math.sin(x) gave numpy's bare 'only 0-dimensional arrays can be converted'."""
    with pytest.raises(TypeError, match=r"target '<lambda>' failed on an array X of shape \(\d+, 1\) \(.*\); targets "
                                        r"take an \(N, n\) array of points, one per row, and return an \(N,\) or "
                                        r"\(N, m\) array: .* not math.sin\(x\)"):
        fit(lambda x: math.sin(x), "[-1,1]", width=8)


def test_target_error_is_a_value_error():
    assert issubclass(TargetError, ValueError)


def test_declared_n_outputs_is_enforced():
    target = Target(lambda X: np.zeros((len(X), 2)), "[0,1]", "pair", n_outputs=3)
    with pytest.raises(TargetError, match=r"target 'pair' must return shape \(N, 3\)"):
        target(np.zeros(4))
    single = Target(lambda X: np.zeros((len(X), 2)), "[0,1]", "single", n_outputs=1)
    with pytest.raises(TargetError, match=r"must return shape \(N,\) or \(N, 1\)"):
        single(np.zeros(4))


def test_one_dimensional_return_becomes_a_column():
    target = Target(lambda X: X[:, 0] ** 2, "[0,1]")
    Y = target(np.array([0.5, 1.0, 0.0]))
    assert Y.shape == (3, 1) and Y.dtype == np.float64
    np.testing.assert_array_equal(Y[:, 0], [0.25, 1.0, 0.0])
    ints = Target(lambda X: np.ones(len(X), dtype=int), "[0,1]")(np.zeros(2))
    assert ints.dtype == np.float64 and ints.shape == (2, 1)


def test_points_are_checked_against_the_domain_dimension():
    target = get_target("franke")
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\); got shape \(3,\)"):
        target(np.zeros(3))


def test_target_construction_refusals():
    with pytest.raises(TypeError, match=r"Target fn must be callable"):
        Target("sin(x)", "[0,1]")
    with pytest.raises(ValueError, match=r"lipschitz must be a finite number >= 0 or None; got -1"):
        Target(np.sin, "[0,1]", lipschitz=-1)
    with pytest.raises(ValueError, match=r"lipschitz must be a finite number >= 0 or None; got inf"):
        Target(np.sin, "[0,1]", lipschitz=math.inf)
    with pytest.raises(ValueError, match=r"target 'f' has no domain; give one, e.g. domain='\[-1,1\]'"):
        Target(np.sin).dim
    assert Target(np.sin, "[0,1]x[0,2]").domain == Box([0, 0], [1, 2])
    assert Target(np.sin, (0, 3)).domain == Box(0, 3)


# ----------------------------------------------------------------------------- as_target
def test_as_target_library_name():
    target = as_target("runge")
    assert target is get_target("runge")
    assert target.lipschitz == pytest.approx(15 * math.sqrt(3) / 8, rel=1e-15)


def test_as_target_expression_with_domain():
    target = as_target("sin(2*pi*x) + y", "[0,1]x[-1,1]")
    assert target.name == "sin(2*pi*x) + y" and target.domain == Box([0, -1], [1, 1])
    assert target.lipschitz is None and target.n_outputs == 1
    X = target.domain.sample(50, rng=4)
    np.testing.assert_allclose(target(X)[:, 0], np.sin(2 * np.pi * X[:, 0]) + X[:, 1], rtol=1e-15)
    vector = as_target("cos(pi*x), sin(pi*x)", Ball([0], 1))
    assert vector.n_outputs == 2 and vector(np.zeros(1)).shape == (1, 2)


def test_as_target_expression_needs_a_domain():
    with pytest.raises(ValueError, match=r"the expression target 'sin\(x\)' needs a domain, e.g. domain='\[-1,1\]'"):
        as_target("sin(x)")


@pytest.mark.parametrize(("text", "domain", "var"), [("x3", "[0,1]^2", "x3"), ("x*y + x3", "[0,1]x[0,2]", "x3"),
                                                     ("y", "[0,1]", "x2")])
def test_as_target_expression_using_a_missing_coordinate(text, domain, var):
    with pytest.raises(ValueError, match=rf"target '{re.escape(text)}' uses {var}( \(written \w\))?, but the domain .* has dimension "
                                         rf"{int(var[1]) - 1}; give a domain of dimension >= {var[1]}"):
        as_target(text, domain)


@pytest.mark.parametrize(("name", "domain", "own", "given"),
                         [("runge", "[-1,1]^2", 1, 2), ("circle", "[-1,1]^2", 1, 2), ("franke", "[-1,1]", 2, 1),
                          ("oscillatory", Ball([0, 0], 1), 3, 2)])
def test_a_library_target_on_a_domain_of_another_dimension_is_refused(name, domain, own, given):
    """Issue 15: runge on [-1,1]^2 fitted f(x1) in silence; franke on [-1,1] was an IndexError."""
    with pytest.raises(ValueError, match=rf"target '{name}' is defined on {own}-D points \(its domain is .*\), but "
                                         rf"the domain .* has dimension {given}; give a {own}-D domain"):
        as_target(name, domain)


def test_a_user_target_keeps_the_dimension_of_its_domain():
    target = Target(lambda X: X[:, 0], "[0,1]", "first")
    with pytest.raises(ValueError, match=r"target 'first' is defined on 1-D points \(its domain is \[0,1\]\), but the "
                                         r"domain \[0,1\] x \[0,1\] has dimension 2; .* make a new Target"):
        as_target(target, "[0,1]^2")
    assert as_target(target, "[-2,2]").domain == Box(-2, 2)  # the same dimension: a new domain is fine
    free = Target(lambda X: X[:, 0], name="free")  # no domain, no dimension yet: any domain
    assert as_target(free, "[0,1]^3").dim == 3
    # an expression's dimension is the domain's (it may use fewer coordinates)
    assert as_target(as_target("sin(x)", "[0,1]"), "[0,1]^2").dim == 2


def test_as_target_callable():
    def parabola(X):
        return X[:, 0] ** 2

    target = as_target(parabola, "[-1,1]")
    assert isinstance(target, Target) and target.name == "parabola" and target.fn is parabola
    assert target.lipschitz is None
    np.testing.assert_array_equal(target(np.array([0.5]))[:, 0], [0.25])
    with pytest.raises(ValueError, match=r"a callable target needs a domain, e.g. domain='\[-1,1\]'"):
        as_target(parabola)


def test_as_target_passes_a_target_through():
    target = Target(np.sin, "[0,1]", "s", lipschitz=1.0)
    assert as_target(target) is target
    assert as_target(target, "[0,1]") is target  # same domain: unchanged
    with pytest.raises(ValueError, match=r"target 'g' has no domain"):
        as_target(Target(np.sin, name="g"))


def test_domain_override_drops_the_library_lipschitz_constant():
    runge = get_target("runge")
    wider = as_target("runge", "[-2,2]")
    assert wider.domain == Box(-2, 2) and wider.lipschitz is None and wider.name == "runge"
    assert runge.domain == Box(-1, 1) and runge.lipschitz is not None  # the library entry is untouched
    assert as_target("runge", "[-1,1]").lipschitz == runge.lipschitz  # same domain keeps it
    assert as_target(runge, Box(-1, 1)) is runge
    ball = as_target("sin2pi", Ball([0], 0.5))
    assert ball.domain == Ball([0], 0.5) and ball.lipschitz is None


def test_domain_given_to_a_target_without_one_keeps_its_constant():
    target = as_target(Target(np.sin, name="s", lipschitz=1.0), "[0,1]")
    assert target.domain == Box(0, 1) and target.lipschitz == 1.0


@pytest.mark.parametrize(("name", "closest"), [("runga", "runge"), ("frank", "franke"), ("Sin2pi", "sin2pi")])
def test_unknown_library_like_names_suggest_the_closest(name, closest):
    with pytest.raises(ValueError, match=rf"unknown target '{name}' \(did you mean '{closest}'\?\): neither a library "
                                         r"target .* nor an expression in x"):
        as_target(name)


@pytest.mark.parametrize("value", [5, None, 2.5, ["runge"], b"runge"])
def test_as_target_refuses_other_types(value):
    with pytest.raises(TypeError, match=r"target must be a library name, an expression string, a Target or a callable"):
        as_target(value)


# ----------------------------------------------------------------------------- register_target
def test_register_target_with_a_domain(scratch_names):
    scratch_names.append("test_hat")
    target = Target(lambda X: np.maximum(0, 1 - np.abs(X[:, 0])), "[-2,2]", "test_hat", "a hat", 1.0, 1)
    assert register_target(target) is target
    assert get_target("test_hat") is target and "test_hat" in list_targets()
    assert as_target("test_hat") is target
    with pytest.raises(ValueError, match=r"target 'test_hat' is already registered; pass overwrite=True"):
        register_target(target)
    replacement = Target(lambda X: X[:, 0], "[0,1]", "test_hat")
    assert register_target(replacement, overwrite=True) is replacement and get_target("test_hat") is replacement


def test_registered_targets_are_removed_by_the_fixture():
    assert "test_hat" not in list_targets() and list_targets() == LIBRARY


def test_register_target_without_a_domain_is_refused():
    with pytest.raises(ValueError, match=r"target 'test_nodomain' needs a default domain to be registered"):
        register_target(Target(np.sin, name="test_nodomain"))
    assert "test_nodomain" not in list_targets()


def test_register_target_refusals():
    with pytest.raises(TypeError, match=r"register_target takes a Target; got"):
        register_target(lambda X: X)
    with pytest.raises(ValueError, match=r"target name must be a Python identifier"):
        register_target(Target(np.sin, "[0,1]", "not a name"))
    with pytest.raises(ValueError, match=r"target 'runge' is already registered"):
        register_target(Target(np.sin, "[0,1]", "runge"))
    assert get_target("runge").lipschitz is not None


@pytest.mark.parametrize("name", WITH_CURVATURE)
def test_curvature_is_a_tight_upper_bound(name):
    target = get_target(name)
    assert target.dim == 1
    lo, hi = target.domain.lower[0], target.domain.upper[0]
    h = 1e-3
    x = np.linspace(lo + h, hi - h, 20_001)
    f = lambda t: target(t[:, None])[:, 0]  # noqa: E731
    second = np.abs(f(x + h) - 2 * f(x) + f(x - h)) / h**2  # = |f″(ξ)| for some ξ within h: never above the sup
    assert second.max() <= target.curvature * (1 + 1e-6), (second.max(), target.curvature)
    assert second.max() >= 0.99 * target.curvature


@pytest.mark.parametrize("name", WITH_HOLDER)
def test_holder_bound_holds_on_close_and_far_pairs(name):
    target = get_target(name)
    H, alpha = target.holder
    lo, hi = target.domain.lower[0], target.domain.upper[0]
    rng = np.random.default_rng(5)
    x = rng.uniform(lo, hi, 200_000)
    y = np.clip(x + rng.choice([-1, 1], x.size) * 10.0 ** rng.uniform(-12, 0, x.size), lo, hi)
    x = np.concatenate([x, [0.0, 0.0]])
    y = np.concatenate([y, [1e-12, 1.0]])
    keep = x != y
    ratio = np.abs(target(x[keep, None])[:, 0] - target(y[keep, None])[:, 0]) / np.abs(x[keep] - y[keep]) ** alpha
    assert ratio.max() <= H * (1 + 1e-9)
    assert ratio.max() >= 0.99 * H  # tight: attained at the cusp


def test_modulus_takes_the_smaller_bound():
    both = Target(np.sin, "[0,1]", lipschitz=2.0, holder=(1.0, 0.5))
    assert both.modulus(0.01) == pytest.approx(0.02)  # L·δ < H·√δ = 0.1
    assert both.modulus(1.0) == pytest.approx(1.0)  # H·√1 < L·1
    assert Target(np.sin, "[0,1]").modulus(0.1) is None
    assert get_target("sqrt").modulus(0.25) == pytest.approx(0.5)
    with pytest.raises(ValueError, match=r"delta must be a finite number >= 0; got -1"):
        both.modulus(-1)


@pytest.mark.parametrize("holder", [(1.0, 0.0), (1.0, 1.5), (-1.0, 0.5), "abc", (1.0,)])
def test_bad_holder_is_refused(holder):
    with pytest.raises(ValueError, match=r"holder must be a pair \(H, alpha\)"):
        Target(np.sin, "[0,1]", holder=holder)


def test_bad_curvature_is_refused():
    with pytest.raises(ValueError, match=r"curvature must be a finite number >= 0 or None; got -2"):
        Target(np.sin, "[0,1]", curvature=-2)


def test_domain_override_drops_curvature_and_holder():
    assert as_target("sin2pi", "[0,3]").curvature is None
    assert as_target("sqrt", "[0,4]").holder is None
    assert as_target("sqrt", "[0,1]").holder == (1.0, 0.5)
