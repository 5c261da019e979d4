"""Tests of uat.activations: values against closed forms, σ′ against central differences, and every declared fact."""

import math
import re
import warnings

import numpy as np
import pytest
from numpy.polynomial import Polynomial
from scipy.optimize import brentq, minimize_scalar

from uat import activations
from uat.activations import Activation, get_activation, list_activations, register_activation

REQUIRED = ["sigmoid", "tanh", "relu", "leaky_relu", "softplus", "elu", "gelu", "silu", "sin", "cos",
            "gaussian", "identity", "square", "cube", "heaviside"]  # fmt: skip
ALL = list_activations()
DIFFERENTIABLE = [name for name in ALL if get_activation(name).differentiable]
EXTREME_Z = np.array([-1e300, -1e10, -710.0, -40.0, 0.0, 40.0, 710.0, 1e10, 1e300])


def _phi_cdf(z):
    return 0.5 * math.erfc(-z / math.sqrt(2))  # Φ without the cancellation of 1 + erf for z < 0


# Closed forms written independently of the library, scalar, with the math module.
CLOSED_FORMS = {
    "sigmoid": lambda z: 1 / (1 + math.exp(-z)),
    "tanh": math.tanh,
    "relu": lambda z: max(z, 0.0),
    "leaky_relu": lambda z: z if z > 0 else 0.01 * z,
    "softplus": lambda z: math.log1p(math.exp(z)),
    "elu": lambda z: z if z > 0 else math.expm1(z),
    "gelu": lambda z: z * _phi_cdf(z),
    "silu": lambda z: z / (1 + math.exp(-z)),
    "sin": math.sin,
    "cos": math.cos,
    "gaussian": lambda z: math.exp(-z * z),
    "identity": lambda z: z,
    "square": lambda z: z * z,
    "cube": lambda z: z * z * z,
    "heaviside": lambda z: 1.0 if z >= 0 else 0.0,
}

# (σ(-∞), σ(+∞), σ′(-∞), σ′(+∞)) as seen at z = ∓1e300; None where σ oscillates
LIMITS = {
    "sigmoid": (0.0, 1.0, 0.0, 0.0),
    "tanh": (-1.0, 1.0, 0.0, 0.0),
    "relu": (0.0, 1e300, 0.0, 1.0),
    "leaky_relu": (-1e298, 1e300, 0.01, 1.0),
    "softplus": (0.0, 1e300, 0.0, 1.0),
    "elu": (-1.0, 1e300, 0.0, 1.0),
    "gelu": (0.0, 1e300, 0.0, 1.0),
    "silu": (0.0, 1e300, 0.0, 1.0),
    "sin": None,
    "cos": None,
    "gaussian": (0.0, 0.0, 0.0, 0.0),
    "identity": (-1e300, 1e300, 1.0, 1.0),
    "square": (np.inf, np.inf, -2e300, 2e300),
    "cube": (-np.inf, np.inf, np.inf, np.inf),
    "heaviside": (0.0, 1.0, None, None),
}


@pytest.fixture
def scratch_names():
    """Names registered by a test, removed from the registry afterwards so no state leaks."""
    names = []
    yield names
    for name in names:
        activations._ACTIVATIONS._entries.pop(name, None)


# ----------------------------------------------------------------------------- the registry
def test_registry_has_the_required_activations():
    assert set(REQUIRED) <= set(ALL)
    assert len(set(ALL)) == len(ALL)
    for name in ALL:
        act = get_activation(name)
        assert isinstance(act, Activation) and act.name == name and name.isidentifier()
        assert act.description, name
    assert set(CLOSED_FORMS) >= set(ALL), "every activation needs an independent closed form here"


def test_unknown_name_lists_valid_names_and_suggests_the_closest():
    with pytest.raises(ValueError, match=r"unknown activation 'tahn' \(did you mean 'tanh'\?\); valid names: ") as info:
        get_activation("tahn")
    listed = str(info.value).split("valid names: ")[1].split(", ")
    assert listed == ALL


def test_unknown_name_without_close_match_has_no_suggestion():
    with pytest.raises(ValueError, match=r"^unknown activation 'qqqqqq'; valid names: sigmoid, tanh"):
        get_activation("qqqqqq")


def test_activation_instances_pass_through_and_non_strings_are_refused():
    act = get_activation("tanh")
    assert get_activation(act) is act
    with pytest.raises(TypeError, match=r"activation must be given by name \(a string\); got 3"):
        get_activation(3)


# ----------------------------------------------------------------------------- values
@pytest.mark.parametrize("name", ALL)
def test_values_match_closed_forms(name):
    z = np.concatenate([np.linspace(-30, 30, 601), np.linspace(-2, 2, 401) + 1e-3, [0.0, -0.0, 1e-300, -1e-300]])
    got = get_activation(name)(z)
    want = np.array([CLOSED_FORMS[name](float(t)) for t in z])
    assert got.shape == z.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_known_values():
    assert get_activation("sigmoid")(0.0) == 0.5
    assert get_activation("softplus")(0.0) == pytest.approx(math.log(2), rel=1e-16)
    assert get_activation("gelu")(1.0) == pytest.approx(0.8413447460685429, rel=1e-15)  # Φ(1)
    assert get_activation("heaviside")(0.0) == 1.0
    assert get_activation("leaky_relu")(-3.0) == -0.03
    assert get_activation("elu")(-1.0) == pytest.approx(math.exp(-1) - 1, rel=1e-15)


@pytest.mark.parametrize("name", ALL)
def test_values_keep_the_shape_and_do_not_alias_the_input(name):
    z = np.linspace(-2, 2, 12).reshape(3, 4)
    before = z.copy()
    out = get_activation(name)(z)
    assert out.shape == (3, 4)
    np.testing.assert_array_equal(z, before)
    out[...] = 7.0
    np.testing.assert_array_equal(z, before)
    assert get_activation(name)([0.5, -0.5]).shape == (2,)  # lists are accepted


# ----------------------------------------------------------------------------- extremes: no warnings, finite
@pytest.mark.parametrize("name", ALL)
def test_extreme_arguments_give_no_warning_and_finite_values(name):
    act = get_activation(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = act(EXTREME_Z)
        slopes = act.derivative(EXTREME_Z) if act.differentiable else None
    if act.polynomial:
        # the controls may overflow to ±inf, but only where z^p really exceeds the float range
        overflow = act.degree * np.log10(np.maximum(np.abs(EXTREME_Z), 1.0)) > 308
        assert np.all(np.isinf(values) == overflow), values
        assert np.all(np.isfinite(values) | overflow) and not np.isnan(values).any()
        if slopes is not None:
            assert not np.isnan(slopes).any()
    else:
        assert np.all(np.isfinite(values)), values
        if slopes is not None:
            assert np.all(np.isfinite(slopes)), slopes


@pytest.mark.parametrize("name", ALL)
def test_limits_at_huge_arguments(name):
    act = get_activation(name)
    limits = LIMITS[name]
    ends = np.array([-1e300, 1e300])
    if limits is None:  # sin, cos: the exact libm values
        reference = CLOSED_FORMS[name]
        np.testing.assert_allclose(act(ends), [reference(-1e300), reference(1e300)], rtol=1e-15)
        return
    np.testing.assert_allclose(act(ends), limits[:2], rtol=1e-15, atol=0)
    if act.differentiable:
        np.testing.assert_allclose(act.derivative(ends), limits[2:], rtol=1e-15, atol=0)


def test_moderately_large_arguments_keep_their_digits():
    assert get_activation("softplus")(-710.0) == pytest.approx(math.exp(-710), rel=1e-12)
    assert get_activation("softplus")(710.0) == 710.0
    assert get_activation("silu")(-40.0) == pytest.approx(-40 / (1 + math.exp(40)), rel=1e-14)
    assert get_activation("sigmoid")(-40.0) == pytest.approx(math.exp(-40) / (1 + math.exp(-40)), rel=1e-14)
    assert get_activation("silu").derivative(-40.0) == pytest.approx(
        math.exp(-40) / (1 + math.exp(-40)) * (1 - 40 / (1 + math.exp(-40))), rel=1e-12)


# ----------------------------------------------------------------------------- derivatives
def _away_from_kinks(z, act, gap):
    keep = np.ones(z.shape, bool)
    for kink in act.kinks:
        keep &= np.abs(z - kink) > gap
    return z[keep]


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_derivative_matches_central_differences(name):
    act = get_activation(name)
    z = _away_from_kinks(np.linspace(-8, 8, 1601) + 1 / 7, act, 1e-3)
    h = 1e-5
    central = (act(z + h) - act(z - h)) / (2 * h)
    # Error of the central difference: truncation h²|σ‴|/6 <= 1e-10·max|σ‴| (<= 6 for the
    # cube, ~1 elsewhere) plus rounding ~eps·|σ|/h = 2.2e-11·|σ| (|σ| <= 8³ for the cube).
    # 1e-8·(1 + |σ| + |σ′|) is 100x that, while a wrong factor or sign is an O(1) error.
    tolerance = 1e-8 * (1 + np.abs(act(z)) + np.abs(central))
    error = np.abs(act.derivative(z) - central)
    assert np.all(error <= tolerance), (z[np.argmax(error / tolerance)], error.max())


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_derivative_at_a_kink_is_a_one_sided_value(name):
    act = get_activation(name)
    for kink in act.kinks:
        h = 1e-7
        left = (act(kink) - act(kink - h)) / h
        right = (act(kink + h) - act(kink)) / h
        slope = act.derivative(kink)
        assert slope == pytest.approx(left, rel=1e-6) or slope == pytest.approx(right, rel=1e-6)


def test_heaviside_has_no_derivative():
    act = get_activation("heaviside")
    assert not act.differentiable and act.deriv is None
    with pytest.raises(ValueError, match=r"activation 'heaviside' is not differentiable.*'lstsq'"):
        act.derivative(np.array([1.0]))


# ----------------------------------------------------------------------------- declared facts
def _sup_abs(f, grid):
    """sup |f| from a dense grid refined by a bounded local maximisation around the grid maximum."""
    values = np.abs(f(grid))
    i = int(np.argmax(values))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    result = minimize_scalar(lambda t: -abs(float(f(np.array([t]))[0])), bounds=(a, b), method="bounded",
                             options={"xatol": 1e-12})
    return float(values.max()), max(float(values.max()), -float(result.fun))


GRID = np.linspace(-60, 60, 1_200_001)  # spacing 1e-4; every maximiser lies well inside


@pytest.mark.parametrize("name", [n for n in ALL if get_activation(n).lipschitz is not None])
def test_lipschitz_is_sup_of_the_derivative(name):
    act = get_activation(name)
    sampled, refined = _sup_abs(act.derivative, GRID)
    # an upper bound (used to certify sup-norm errors): never below a computed |σ′|,
    # up to two rounding errors of the evaluation of σ′
    assert act.lipschitz * (1 + 4.5e-16) >= max(sampled, refined), (act.lipschitz, refined)
    assert act.lipschitz == pytest.approx(refined, rel=1e-6)  # and tight


def test_lipschitz_constants_against_closed_forms():
    # gelu: σ″ = φ(z)(2 − z²) = 0 at z = √2;  gaussian: σ″ = (4z² − 2)e^{−z²} = 0 at z = 1/√2
    r2 = math.sqrt(2)
    assert get_activation("gelu").lipschitz == pytest.approx(_phi_cdf(r2) + r2 * math.exp(-1) / math.sqrt(2 * math.pi),
                                                             rel=1e-15)
    assert get_activation("gaussian").lipschitz == pytest.approx(r2 * math.exp(-0.5), rel=1e-15)
    assert get_activation("sigmoid").lipschitz == 0.25
    assert get_activation("leaky_relu").lipschitz == 1.0


def test_silu_lipschitz_constant_against_its_maximiser():
    # σ″ = s(1−s)(2 + z(1 − 2s)) = 0 where z·tanh(z/2) = 2 (z ≈ 2.39936), s = 1/(1 + e^{−z});
    # sup σ′ = s(1 + z(1 − s)) = 1.09983932012887. The table's 1.0998393194962202 is 5.8e-10
    # (relative) too small, so it is not an upper bound.
    z = brentq(lambda t: t * math.tanh(t / 2) - 2, 2, 3, xtol=1e-15)
    s = 1 / (1 + math.exp(-z))
    assert get_activation("silu").lipschitz == pytest.approx(s * (1 + z * (1 - s)), rel=1e-13)


@pytest.mark.parametrize("name", [n for n in ALL if get_activation(n).lipschitz is None])
def test_activations_without_lipschitz_constant_are_not_lipschitz(name):
    act = get_activation(name)
    z = np.array([-1e6, -1.0, 0.0, 1.0, 1e6])
    h = 1e-9
    quotients = np.abs(act(z + h) - act(z - h)) / (2 * h)
    assert quotients.max() > 1e6


@pytest.mark.parametrize("name", [n for n in ALL if get_activation(n).bound is not None])
def test_bound_is_sup_of_abs_sigma(name):
    act = get_activation(name)
    sampled, refined = _sup_abs(act, GRID)
    assert np.all(np.abs(act(EXTREME_Z)) <= act.bound)
    assert act.bound * (1 + 4.5e-16) >= max(sampled, refined)
    assert act.bound == pytest.approx(refined, rel=1e-9)


@pytest.mark.parametrize("name", [n for n in ALL if get_activation(n).bound is None])
def test_unbounded_activations_are_unbounded(name):
    assert np.abs(get_activation(name)(np.array([-1e6, 1e6]))).max() >= 1e4


@pytest.mark.parametrize("name", ALL)
def test_polynomial_flag_and_degree_are_true(name):
    act = get_activation(name)
    z = np.linspace(-4, 4, 401)
    values = act(z)
    scale = 1 + np.abs(values).max()

    def residual(degree):
        return np.abs(Polynomial.fit(z, values, degree)(z) - values).max() / scale

    if act.polynomial:
        assert isinstance(act.degree, int)
        assert residual(act.degree) < 1e-12
        if act.degree > 0:
            assert residual(act.degree - 1) > 1e-3  # not of lower degree
    else:
        assert act.degree is None
        assert residual(10) > 1e-6, "a degree-10 polynomial fits it: is it really not a polynomial?"


def test_tanh_is_not_a_polynomial_but_cube_is():
    z = np.linspace(-4, 4, 401)
    assert np.abs(Polynomial.fit(z, np.tanh(z), 15)(z) - np.tanh(z)).max() > 1e-6
    assert not get_activation("tanh").polynomial
    assert get_activation("cube").polynomial and get_activation("cube").degree == 3


def _one_sided_slopes(act, z0, h=1e-6):
    f = act.fn
    left = (f(np.array([z0])) - f(np.array([z0 - h]))) / h
    right = (f(np.array([z0 + h])) - f(np.array([z0]))) / h
    return float(left[0]), float(right[0])


@pytest.mark.parametrize("name", ALL)
def test_kinks_are_exactly_where_sigma_is_not_differentiable(name):
    act = get_activation(name)
    for kink in act.kinks:
        left, right = _one_sided_slopes(act, kink)
        assert abs(left - right) > 1e-3, (kink, left, right)
    # elsewhere the one-sided slopes agree (to O(h·|σ″|) <= 1e-4 on [-5, 5])
    for z0 in np.union1d(np.linspace(-5, 5, 101) + 0.01, [0.0]):
        if any(abs(z0 - kink) < 1e-3 for kink in act.kinks):
            continue
        left, right = _one_sided_slopes(act, z0)
        assert abs(left - right) <= 1e-4 * (1 + abs(left)), (z0, left, right)


def test_kinks_named():
    assert get_activation("relu").kinks == (0.0,)
    assert get_activation("leaky_relu").kinks == (0.0,)
    assert get_activation("elu").kinks == ()  # C¹: σ′ is continuous at 0
    assert get_activation("heaviside").kinks == (0.0,)


@pytest.mark.parametrize("name", ALL)
def test_continuity_flag_is_true(name):
    act = get_activation(name)
    points = np.array([0.0, *act.kinks, 1.0, -2.0])
    jumps = np.abs(act(points + 1e-12) - act(points - 1e-12))
    if act.continuous:
        assert jumps.max() < 1e-9
    else:
        assert jumps.max() >= 0.5


# ----------------------------------------------------------------------------- register_activation
def softsign(z):
    return z / (1 + np.abs(z))


def softsign_prime(z):
    return 1 / (1 + np.abs(z)) ** 2


def test_register_a_user_activation(scratch_names):
    scratch_names.append("test_softsign")
    act = register_activation("test_softsign", softsign, softsign_prime, description="z/(1+|z|)",
                              lipschitz=1.0, bound=1.0)
    assert get_activation("test_softsign") is act
    assert "test_softsign" in list_activations() and list_activations()[-1] == "test_softsign"
    assert act.lipschitz == 1.0 and act.bound == 1.0 and act.description == "z/(1+|z|)"
    assert act.continuous and not act.polynomial and act.kinks == ()
    np.testing.assert_allclose(act(np.array([-1.0, 0.0, 3.0])), [-0.5, 0.0, 0.75], rtol=1e-15)
    np.testing.assert_allclose(act.derivative(np.array([1.0])), [0.25], rtol=1e-15)


def test_registered_names_are_removed_by_the_fixture():
    assert "test_softsign" not in list_activations()


def test_register_without_derivative_and_with_kinks(scratch_names):
    scratch_names.append("test_step")
    act = register_activation("test_step", lambda z: np.sign(z), continuous=False, bound=1.0, kinks=[0])
    assert not act.differentiable and act.kinks == (0,) and not act.continuous
    with pytest.raises(ValueError, match="not differentiable"):
        act.derivative(np.array([1.0]))


def test_wrong_derivative_is_refused_naming_the_point(scratch_names):
    scratch_names.append("test_bad_square")
    with pytest.raises(ValueError, match=r"activation 'test_bad_square': deriv does not match the derivative of fn: "
                                         r"at z=\S+ deriv gives \S+, central differences give \S+") as info:
        register_activation("test_bad_square", lambda z: z**2, lambda z: z)
    z, given, central = map(float, re.findall(r"z=(\S+) deriv gives (\S+), central differences give (\S+)",
                                              str(info.value))[0])
    assert given == pytest.approx(z, rel=1e-5) and central == pytest.approx(2 * z, rel=1e-5)
    assert "test_bad_square" not in list_activations()


@pytest.mark.parametrize("deriv", [lambda z: 2.0, lambda z: np.full(3, 2.0), lambda z: np.full((13, 1), 2.0)],
                         ids=["scalar", "wrong-length", "column"])
def test_wrongly_shaped_derivative_is_refused_with_a_shape_message(deriv, scratch_names):
    # σ(z) = 2z has σ′ = 2 everywhere, so the values are right: the only fault is the shape,
    # and the message must say so (not "deriv gives 2, central differences give 2", and not
    # numpy's broadcasting error).
    scratch_names.append("test_twice")
    with pytest.raises(ValueError, match=r"activation 'test_twice'.*shape"):
        register_activation("test_twice", lambda z: 2 * z, deriv)


@pytest.mark.parametrize(
    ("fn", "match"),
    [(lambda z: np.where(z > 0, np.inf, z), r"fn must map a float array elementwise to finite values"),
     (lambda z: 1.0, r"on shape \(13,\) it returned shape \(\)"),
     (lambda z: z[:3], r"on shape \(13,\) it returned shape \(3,\)")],
    ids=["non-finite", "scalar", "short"],
)
def test_bad_fn_is_refused(fn, match, scratch_names):
    scratch_names.append("test_bad_fn")
    with pytest.raises(ValueError, match=match):
        register_activation("test_bad_fn", fn)


@pytest.mark.parametrize("which", ["fn", "deriv"])
def test_an_in_place_activation_is_refused(which, scratch_names):
    """np.tanh(z, out=z) would overwrite the z at which backpropagation then evaluates σ′."""
    scratch_names.append("test_in_place")
    fn, deriv = (lambda z: np.tanh(z, out=z), lambda z: 1 - np.tanh(z) ** 2)
    if which == "deriv":
        fn, deriv = np.tanh, lambda z: np.subtract(1, np.tanh(z, out=z) ** 2, out=z)
    with pytest.raises(ValueError, match=rf"activation 'test_in_place': {which} must not modify its input array "
                                         r"\(.*read-only\)"):
        register_activation("test_in_place", fn, deriv)
    assert "test_in_place" not in list_activations()


def test_non_callables_are_refused():
    with pytest.raises(TypeError, match=r"fn must be callable \(z -> σ\(z\)\); got 'tanh'"):
        register_activation("test_nc", "tanh")
    with pytest.raises(TypeError, match=r"deriv must be callable \(z -> σ'\(z\)\) or None; got 3"):
        register_activation("test_nc", np.tanh, 3)
    assert "test_nc" not in list_activations()


def test_duplicate_names_need_overwrite(scratch_names):
    scratch_names.append("test_dup")
    first = register_activation("test_dup", np.sin, np.cos)
    with pytest.raises(ValueError, match=r"activation 'test_dup' is already registered; pass overwrite=True"):
        register_activation("test_dup", np.cos, lambda z: -np.sin(z))
    assert get_activation("test_dup") is first
    second = register_activation("test_dup", np.cos, lambda z: -np.sin(z), overwrite=True)
    assert get_activation("test_dup") is second
    assert list_activations().count("test_dup") == 1
    with pytest.raises(ValueError, match=r"activation 'tanh' is already registered"):
        register_activation("tanh", np.sin, np.cos)
    assert get_activation("tanh").fn is np.tanh


@pytest.mark.parametrize("name", ["bad name", "1abc", "", "a-b"])
def test_names_must_be_identifiers(name):
    with pytest.raises(ValueError, match=r"activation name must be a Python identifier"):
        register_activation(name, np.sin, np.cos)


@pytest.mark.parametrize("degree", [None, -1])
def test_polynomial_without_a_valid_degree_is_refused(degree):
    with pytest.raises(ValueError, match=rf"a polynomial activation needs its degree \(an integer >= 0\); "
                                         rf"got degree={degree}"):
        register_activation("test_poly", lambda z: z**2, lambda z: 2 * z, polynomial=True, degree=degree)
    assert "test_poly" not in list_activations()


def test_polynomial_degree_must_be_an_integer(scratch_names):
    # the message promises "an integer >= 0", but 2.5 is accepted
    scratch_names.append("test_poly_frac")
    with pytest.raises((ValueError, TypeError), match=r"degree"):
        register_activation("test_poly_frac", lambda z: z**2, lambda z: 2 * z, polynomial=True, degree=2.5)


@pytest.mark.parametrize(("field", "value"), [("lipschitz", -1.0), ("lipschitz", np.nan), ("bound", -1.0)])
def test_negative_or_nan_constants_are_refused(field, value, scratch_names):
    # uat.supnorm adds activation.lipschitz·h/2 to certify an upper bound of the sup error;
    # a negative or nan "Lipschitz constant" must not get into the registry (Target refuses it).
    scratch_names.append("test_bad_const")
    with pytest.raises(ValueError, match=field):
        register_activation("test_bad_const", np.tanh, lambda z: 1 - np.tanh(z) ** 2, **{field: value})


def test_registered_polynomial_keeps_its_degree(scratch_names):
    scratch_names.append("test_quartic")
    act = register_activation("test_quartic", lambda z: z**4, lambda z: 4 * z**3, polynomial=True, degree=4)
    assert act.polynomial and act.degree == 4


# ----------------------------------------------------------------------------- facts for certified bounds, torch
CONTINUOUS_DIFFERENTIABLE = [name for name in DIFFERENTIABLE if get_activation(name).continuous]


@pytest.mark.parametrize("name", ALL)
def test_every_builtin_with_a_derivative_carries_its_certify_facts(name):
    act = get_activation(name)
    known = act.deriv_critical is not None and act.second_bound is not None
    assert known == (act.continuous and act.differentiable), name
    assert (act.period is not None) == (name in ("sin", "cos"))
    assert (act.linear_pieces is not None) == (name in ("relu", "leaky_relu"))


@pytest.mark.parametrize("name", [n for n in CONTINUOUS_DIFFERENTIABLE if get_activation(n).period is None])
def test_every_interior_extremum_of_sigma_prime_is_a_critical_point(name):
    act = get_activation(name)
    z = np.linspace(-10.0, 10.0, 200_001) + 1e-7  # z = 0 itself is not on the grid
    d = np.diff(act.derivative(z))
    turns = z[1:-1][np.sign(d[1:]) * np.sign(d[:-1]) < 0]  # σ′ stops rising or falling there
    listed = np.array(act.deriv_critical + act.kinks)
    for point in turns:
        assert len(listed) and np.min(np.abs(listed - point)) < 1e-3, f"{name}: σ′ turns at {point}, not listed"


@pytest.mark.parametrize("name", ["sin", "cos"])
def test_periodic_facts_are_true(name):
    act = get_activation(name)
    z = np.linspace(-7.0, 7.0, 1001)
    np.testing.assert_allclose(act(z + act.period), act(z), atol=1e-14)
    top, bottom = act.deriv_critical
    assert act.derivative(np.array([top]))[0] == 1.0 and act.derivative(np.array([bottom]))[0] == -1.0


def test_second_bound_is_the_peak_near_zero_and_the_tail_beyond():
    bound = activations.SecondBound(lambda z: np.exp(-z), peak=1.0, start=0.5)
    values = bound(np.array([-1.0, 2.0, -3.0, 0.2]), np.array([1.0, 3.0, -2.0, 0.4]))
    assert values[0] == 1.0 and values[3] == 1.0  # the interval reaches within z* of 0
    assert values[1] == values[2] == pytest.approx(math.exp(-2.0), rel=1e-11) and values[1] >= math.exp(-2.0)


def test_the_torch_peers_take_exactly_the_activations_with_a_torch_formula():
    from uat.fitting.peers import TORCH_ACTIVATIONS

    assert set(TORCH_ACTIVATIONS) == {name for name in ALL if get_activation(name).torch_fn is not None}


SOFTSIGN_FACTS = dict(lipschitz=1.0, bound=1.0, deriv_critical=(0.0,),
                      second_bound=activations.SecondBound(lambda z: 2 / (1 + np.abs(z)) ** 3, 2.0, 0.0),
                      torch_fn=lambda torch, z: z / (1 + torch.abs(z)))


def test_a_user_activation_with_certify_facts_gets_exact_ranges(scratch_names):
    from uat.certify import can_bracket, derivative_range

    scratch_names.extend(["test_softsign_facts", "test_softsign_plain"])
    act = register_activation("test_softsign_facts", softsign, softsign_prime, **SOFTSIGN_FACTS)
    plain = register_activation("test_softsign_plain", softsign, softsign_prime, lipschitz=1.0)
    assert act.deriv_critical == (0.0,) and can_bracket(act) and can_bracket(plain)
    lo, hi = derivative_range(act, np.array([-1.0, 1.0]), np.array([2.0, 3.0]))
    assert lo.tolist() == [softsign_prime(2.0), softsign_prime(3.0)] and hi.tolist() == [1.0, softsign_prime(1.0)]
    lo, hi = derivative_range(plain, np.array([-1.0]), np.array([2.0]))
    assert (lo[0], hi[0]) == (-1.0, 1.0)  # without them: [−lipschitz, lipschitz], as before


@pytest.mark.slow  # 3 s: imports torch and trains; CI's slow step runs it
def test_a_user_activation_with_a_torch_formula_trains_and_one_without_is_refused(scratch_names):
    torch = pytest.importorskip("torch")
    from uat.fitting.peers import torch_to_network, train_torch

    scratch_names.append("test_softsign_torch")
    register_activation("test_softsign_torch", softsign, softsign_prime, **SOFTSIGN_FACTS)
    X = np.linspace(-1, 1, 33)[:, None]
    Y = np.abs(X)
    budget = dict(lr=1e-2, max_iter=5, beta1=0.9, beta2=0.999, eps=1e-8)
    model, _, _ = train_torch(X, Y, width=3, activation="test_softsign_torch", optimizer="adam", seed=0, **budget)
    with torch.no_grad():
        theirs = model(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(torch_to_network(model, "test_softsign_torch")(X), theirs, rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match=r"activation 'heaviside' has no PyTorch formula \(Activation.torch_fn\)"):
        train_torch(X, Y, width=3, activation="heaviside", optimizer="adam", seed=0, **budget)


@pytest.mark.parametrize(("facts", "error", "match"), [
    (dict(second_bound=lambda zlo, zhi: np.zeros_like(zlo)), ValueError, r"second_bound is below \|σ″\|: on \["),
    (dict(second_bound=lambda zlo, zhi: -np.ones_like(zlo)), ValueError, r"values >= 0"),
    (dict(second_bound=lambda zlo, zhi: 1.0), ValueError, r"an array of the same shape"),
    (dict(second_bound=3), TypeError, r"second_bound must be callable \(\(zlo, zhi\) -> sup"),
    (dict(torch_fn="tanh"), TypeError, r"torch_fn must be callable \(\(torch, z\) -> σ\(z\) as a tensor\) or None"),
    (dict(deriv_critical=0.0), TypeError, r"deriv_critical must be a sequence of numbers"),
    (dict(deriv_critical=(0.0, np.inf)), ValueError, r"deriv_critical must hold finite numbers"),
    (dict(period=0.0), ValueError, r"period must be > 0; got 0.0"),
    (dict(period="2pi"), TypeError, r"period must be a real number"),
])
def test_bad_certify_facts_are_refused(facts, error, match, scratch_names):
    scratch_names.append("test_bad_facts")
    with pytest.raises(error, match=match):
        register_activation("test_bad_facts", softsign, softsign_prime, **facts)
    assert "test_bad_facts" not in list_activations()


def test_facts_about_sigma_prime_need_sigma_prime(scratch_names):
    scratch_names.append("test_no_deriv")
    with pytest.raises(ValueError, match=r"deriv_critical and second_bound describe σ′ and σ″: they need deriv"):
        register_activation("test_no_deriv", softsign, deriv_critical=(0.0,))
