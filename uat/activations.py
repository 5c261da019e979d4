"""Activation functions σ with their derivatives σ′ written side by side.

Every σ here is evaluated without floating-point warnings for |z| up to 1e300 (the
polynomial controls return ±inf where z^p overflows, because that is the true value's
magnitude, but do not warn). Each carries the facts the rest of uat needs, as fields of
:class:`Activation` filled in where it is registered (a new σ is added in this one place):
whether it is a polynomial (the theorem excludes those) and of which degree, whether it is
continuous, a Lipschitz constant on ℝ where one is finite, a bound on |σ| where one exists, the
points where it is not differentiable; for certified bounds (:mod:`uat.certify`) the points where
σ′ may have an interior extremum, its period and a bound of |σ″| on intervals; and for the
PyTorch peers σ written with torch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, ndtr

from uat._registry import Registry
from uat._validation import check_nonnegative, check_real, read_only

__all__ = ["Activation", "SecondBound", "get_activation", "list_activations", "register_activation"]

_SQRT2PI = math.sqrt(2 * math.pi)


@dataclass(frozen=True)
class Activation:
    """A scalar function σ: ℝ → ℝ applied elementwise, with its derivative.

    Attributes
    ----------
    name, description : str
    fn : callable
        σ, elementwise on float arrays.
    deriv : callable or None
        σ′ elementwise (at a kink, one of the one-sided values); None when σ is not
        differentiable (e.g. discontinuous).
    polynomial : bool
        True for polynomials, which the theorem excludes (their span is finite-dimensional).
    degree : int or None
        The degree when ``polynomial``.
    continuous : bool
    lipschitz : float or None
        sup |σ′| on ℝ, None where infinite.
    bound : float or None
        sup |σ| on ℝ, None where unbounded.
    kinks : tuple of float
        Points where σ is not differentiable (or not continuous).
    deriv_from_value : callable or None
        σ′ as a function of a = σ(z), where that is cheaper than from z (tanh: 1 − a², sigmoid:
        a(1 − a)); backpropagation has a at hand and saves a transcendental per entry.
    draw_scale : float
        Slope scale of random-feature draws for this σ (see :func:`uat.fitting.draws.draw_features`):
        chosen by measurement so that σ's transition spans a useful part of K.
    deriv_critical : tuple of float or None
        Every point where σ′ may have an interior extremum on an interval (the zeros of σ″; the
        kinks are added to them): σ′ over [zlo, zhi] then ranges between its values at the ends and
        at these points (:func:`uat.certify.derivative_range`). None where unknown: certified bounds
        then use [−lipschitz, lipschitz].
    period : float or None
        The period of σ (and σ′) where σ is periodic (sin, cos: 2π); ``deriv_critical`` are then the
        critical points in one period, repeated. The 1-D sup-norm grid is sized to the fastest unit's
        period.
    second_bound : callable or None
        ``second_bound(zlo, zhi)``: elementwise sup |σ″| over the intervals [zlo, zhi] (+inf where a kink
        of σ lies inside, σ″ being a point mass there); None where unknown (no second-order bounds).
        Often a :class:`SecondBound`.
    linear_pieces : (float, float) or None
        (left, right), left ≤ right: σ is linear with slope left for z < 0 and right for z > 0 (relu,
        leaky_relu), so that σ′ on an interval is read off the signs of its ends (a fast path of
        :mod:`uat.certify`; ``deriv_critical`` and ``kinks`` give the same bounds more slowly).
    torch_fn : callable or None
        ``torch_fn(torch, z)``: σ(z) written with PyTorch by the same formula, for a float64 tensor z and
        the torch module (passed in: uat never imports torch itself). None where torch has no such
        formula; the PyTorch peers refuse that σ.
    """

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    deriv: Callable[[np.ndarray], np.ndarray] | None
    description: str = ""
    polynomial: bool = False
    degree: int | None = None
    continuous: bool = True
    lipschitz: float | None = None
    bound: float | None = None
    kinks: tuple[float, ...] = ()
    draw_scale: float = 1.0
    deriv_from_value: Callable[[np.ndarray], np.ndarray] | None = None
    deriv_critical: tuple[float, ...] | None = None
    period: float | None = None
    second_bound: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    linear_pieces: tuple[float, float] | None = None
    torch_fn: Callable | None = None

    def __call__(self, z) -> np.ndarray:
        return self.fn(np.asarray(z, dtype=float))

    def derivative(self, z) -> np.ndarray:
        """σ′(z); a ValueError for activations without a derivative."""
        if self.deriv is None:
            raise ValueError(
                f"activation {self.name!r} is not differentiable, so it cannot be trained by gradients; "
                "use a method that only solves for C (e.g. 'lstsq')"
            )
        return self.deriv(np.asarray(z, dtype=float))

    @property
    def differentiable(self) -> bool:
        return self.deriv is not None


@dataclass(frozen=True)
class SecondBound:
    """sup |σ″| over intervals, for a σ whose |σ″| is even, at most ``peak`` and non-increasing in |z| for
    |z| ≥ ``start``: on an interval at distance d from 0 it is ``peak`` for d < start, |σ″(d)| beyond
    (padded by 1e-12 relative against rounding).

    Attributes
    ----------
    second : callable
        σ″, elementwise.
    peak : float
        M = sup |σ″| on ℝ.
    start : float
        z*, from which |σ″| is non-increasing in |z|.
    """

    second: Callable[[np.ndarray], np.ndarray]
    peak: float
    start: float

    def __call__(self, zlo: np.ndarray, zhi: np.ndarray) -> np.ndarray:
        d = np.maximum(np.maximum(zlo, -zhi), 0.0)  # distance of the interval from 0
        with np.errstate(over="ignore", under="ignore"):
            tail = np.abs(self.second(d)) * (1 + 1e-12)
        return np.where(d >= self.start, np.minimum(tail, self.peak), self.peak)


# --- the table: σ and σ′ side by side --------------------------------------------------------------

def _sigmoid_prime(z):
    s = expit(z)
    return s * (1.0 - s)


def _tanh_prime(z):
    return 1.0 - np.tanh(z) ** 2


def _relu(z):
    return np.maximum(z, 0.0)


def _relu_prime(z):
    return (z > 0).astype(float)


def _leaky(z):
    return np.where(z > 0, z, 0.01 * z)


def _leaky_prime(z):
    return np.where(z > 0, 1.0, 0.01)


def _softplus(z):
    return np.logaddexp(0.0, z)


def _elu(z):
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))


def _elu_prime(z):
    return np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0)))


def _gelu(z):
    return z * ndtr(z)


def _gelu_prime(z):
    zc = np.clip(z, -40.0, 40.0)  # φ(40) underflows to 0 exactly; clipping avoids z² overflow
    return ndtr(z) + zc * np.exp(-0.5 * zc * zc) / _SQRT2PI


def _silu(z):
    return z * expit(z)


def _silu_prime(z):
    s = expit(z)
    return s * (1.0 + z * (1.0 - s))


def _gaussian(z):
    zc = np.clip(z, -40.0, 40.0)  # exp(-z²) is exactly 0.0 in float64 beyond |z| ≈ 27.3
    return np.exp(-zc * zc)


def _gaussian_prime(z):
    zc = np.clip(z, -40.0, 40.0)
    return -2.0 * zc * np.exp(-zc * zc)


def _power(p):
    def fn(z):
        with np.errstate(over="ignore"):
            return z**p

    def deriv(z):
        with np.errstate(over="ignore", invalid="ignore"):
            return p * z ** (p - 1)

    return fn, deriv


# Lipschitz constants sup|σ′|, computed to 40 digits (mpmath) and rounded up to the next float, so
# that they are upper bounds (the tests check them against dense evaluation and local maximisation):
# gelu: σ″ = φ(z)(2 − z²) vanishes at z = √2; silu: σ″ vanishes where z·tanh(z/2) = 2 (z ≈ 2.39936);
# gaussian: |σ′| = 2|z|exp(−z²) is largest at z = 1/√2, where it is √2·e^(−1/2).
_GELU_LIP = 1.128904145185155
_SILU_LIP = 1.099839320128867
_GAUSS_LIP = 0.8577638849607069
# ``deriv_critical``, the zeros of σ″ and the points where σ′ or σ″ jumps: tanh, sigmoid, cube 0; relu,
# leaky_relu, elu 0; gelu ±√2; gaussian ±1/√2; silu ± the root of z·tanh(z/2) = 2 (mpmath, 40 digits, rounded
# to the nearest float); softplus, identity and square none (σ′ is monotone); sin, cos where σ′ = ±1, once
# per period.
_SILU_CRIT = 2.3993572805154676

_square, _square_prime = _power(2)
_cube, _cube_prime = _power(3)


# --- σ″ and its bounds on intervals (``second_bound``) ----------------------------------------------

def _phi(z):
    return np.exp(-0.5 * np.minimum(z * z, 1e4)) / _SQRT2PI


def _sig2(z):
    """σ′ of the sigmoid, expit(z)·expit(−z): accurate in both tails (1 − expit(z) rounds to 0 beyond z ≈ 37)."""
    return expit(z) * expit(-z)


# (σ″, M = sup|σ″|, z*) of :class:`SecondBound`. z* and M from the closed forms (tanh: atanh(1/√3), 4/(3√3);
# sigmoid: ln(2 + √3), 1/(6√3); gaussian: √(3/2), 2; gelu: 2, 2φ(0); silu: the last local maximum of |σ″| at
# 3.4358, 1/2; softplus: σ″ = σ′ of the sigmoid, 1/4 at 0), z* rounded up.
_TANH_SECOND = SecondBound(lambda z: -2 * np.tanh(z) * (1 - np.tanh(z) ** 2), 4 / (3 * math.sqrt(3)), 0.6585)
_SIGMOID_SECOND = SecondBound(lambda z: -_sig2(z) * np.tanh(z / 2), 1 / (6 * math.sqrt(3)), 1.3170)
_SOFTPLUS_SECOND = SecondBound(_sig2, 0.25, 0.0)
_GAUSS_SECOND = SecondBound(lambda z: (4 * np.minimum(z * z, 1e4) - 2) * np.exp(-np.minimum(z * z, 1e4)), 2.0,
                            1.2248)
_GELU_SECOND = SecondBound(lambda z: _phi(z) * (2 - np.minimum(z * z, 1e4)), 2 / _SQRT2PI, 2.0)
_SILU_SECOND = SecondBound(lambda z: _sig2(z) * (2 - z * np.tanh(z / 2)), 0.5, 3.4359)


def _kink_mass(zlo, zhi):
    """relu, leaky_relu: σ″ is 0 away from the kink at 0 and a point mass at it (no bound)."""
    return np.where((zlo > 0) | (zhi < 0), 0.0, np.inf)


def _elu_second(zlo, zhi):
    """σ″ = eᶻ for z < 0, 0 for z > 0: its sup on [zlo, zhi] is e^min(zhi, 0) where zlo < 0."""
    return np.where(zlo >= 0, 0.0, np.exp(np.minimum(zhi, 0.0)))


def _constant_second(value: float):
    """|σ″| ≤ value everywhere (sin, cos: 1; identity: 0; square: 2)."""
    return lambda zlo, zhi: np.full(np.shape(zlo), value)


def _cube_second(zlo, zhi):
    """σ″ = 6z: 6·max(|zlo|, |zhi|)."""
    return 6 * np.maximum(np.abs(zlo), np.abs(zhi))


# --- the table ------------------------------------------------------------------------------------------
# torch_fn: the same formula in PyTorch (tests/test_peers.py checks them to rounding on [-40, 40]); softplus is
# log(1 + eᶻ) by ``torch.logaddexp``: ``F.softplus`` is linear beyond z = 20 (off by 2e-9 there); gelu is the
# exact z·Φ(z) (``approximate='none'``). heaviside has none (no gradient to train by).

_TABLE = [
    Activation("sigmoid", expit, _sigmoid_prime, "logistic 1/(1+exp(-z))",
               lipschitz=0.25, bound=1.0, draw_scale=2.0, deriv_from_value=lambda a: a * (1.0 - a),
               deriv_critical=(0.0,), second_bound=_SIGMOID_SECOND, torch_fn=lambda torch, z: torch.sigmoid(z)),
    Activation("tanh", np.tanh, _tanh_prime, "hyperbolic tangent", lipschitz=1.0, bound=1.0,
               deriv_from_value=lambda a: 1.0 - a * a,
               deriv_critical=(0.0,), second_bound=_TANH_SECOND, torch_fn=lambda torch, z: torch.tanh(z)),
    Activation("relu", _relu, _relu_prime, "rectified linear max(z, 0)", lipschitz=1.0, kinks=(0.0,),
               deriv_critical=(0.0,), second_bound=_kink_mass, linear_pieces=(0.0, 1.0),
               torch_fn=lambda torch, z: torch.relu(z)),
    Activation("leaky_relu", _leaky, _leaky_prime, "max(z, 0.01 z)", lipschitz=1.0, kinks=(0.0,),
               deriv_critical=(0.0,), second_bound=_kink_mass, linear_pieces=(0.01, 1.0),
               torch_fn=lambda torch, z: torch.nn.functional.leaky_relu(z, 0.01)),
    Activation("softplus", _softplus, expit, "log(1 + exp(z)), a smooth relu", lipschitz=1.0, draw_scale=2.0,
               deriv_critical=(), second_bound=_SOFTPLUS_SECOND,
               torch_fn=lambda torch, z: torch.logaddexp(z, torch.zeros_like(z))),
    Activation("elu", _elu, _elu_prime, "z for z > 0, exp(z) - 1 otherwise (C¹; σ″ jumps at 0)",
               lipschitz=1.0, draw_scale=0.5,
               deriv_critical=(0.0,), second_bound=_elu_second,
               torch_fn=lambda torch, z: torch.nn.functional.elu(z, 1.0)),
    Activation("gelu", _gelu, _gelu_prime, "z·Φ(z), Φ the standard normal CDF", lipschitz=_GELU_LIP, draw_scale=2.0,
               deriv_critical=(-math.sqrt(2), math.sqrt(2)), second_bound=_GELU_SECOND,
               torch_fn=lambda torch, z: torch.nn.functional.gelu(z, approximate="none")),
    Activation("silu", _silu, _silu_prime, "z·sigmoid(z) (swish)", lipschitz=_SILU_LIP, draw_scale=2.0,
               deriv_critical=(-_SILU_CRIT, _SILU_CRIT), second_bound=_SILU_SECOND,
               torch_fn=lambda torch, z: torch.nn.functional.silu(z)),
    # sin, cos: σ′ is +1 and −1 once per period 2π (cos σ′ = −sin: +1 at 3π/2, −1 at π/2)
    Activation("sin", np.sin, np.cos, "sine (random Fourier features)", lipschitz=1.0, bound=1.0,
               deriv_critical=(0.0, math.pi), period=2 * math.pi, second_bound=_constant_second(1.0),
               torch_fn=lambda torch, z: torch.sin(z)),
    Activation("cos", np.cos, lambda z: -np.sin(z), "cosine (random Fourier features)", lipschitz=1.0, bound=1.0,
               deriv_critical=(1.5 * math.pi, 0.5 * math.pi), period=2 * math.pi, second_bound=_constant_second(1.0),
               torch_fn=lambda torch, z: torch.cos(z)),
    Activation("gaussian", _gaussian, _gaussian_prime, "exp(-z²), a radial bump", lipschitz=_GAUSS_LIP, bound=1.0,
               deriv_critical=(-1 / math.sqrt(2), 1 / math.sqrt(2)), second_bound=_GAUSS_SECOND,
               torch_fn=lambda torch, z: torch.exp(-z * z)),
    Activation("identity", lambda z: z.copy(order="K"), np.ones_like, "z; polynomial control of degree 1",
               polynomial=True, degree=1, lipschitz=1.0,
               deriv_critical=(), second_bound=_constant_second(0.0), torch_fn=lambda torch, z: z),
    Activation("square", _square, _square_prime, "z²; polynomial control of degree 2", polynomial=True, degree=2,
               deriv_critical=(), second_bound=_constant_second(2.0), torch_fn=lambda torch, z: z * z),
    Activation("cube", _cube, _cube_prime, "z³; polynomial control of degree 3", polynomial=True, degree=3,
               deriv_critical=(0.0,), second_bound=_cube_second, torch_fn=lambda torch, z: z * z * z),
    Activation("heaviside", lambda z: (z >= 0).astype(float), None,
               "unit step 1[z >= 0]; discontinuous control (outside the theorem)",
               continuous=False, bound=1.0, kinks=(0.0,)),
]

_ACTIVATIONS: Registry[Activation] = Registry("activation")
for _act in _TABLE:
    _ACTIVATIONS.add(_act.name, _act)


def get_activation(activation: str | Activation) -> Activation:
    """The registered activation of that name (an :class:`Activation` is returned as is).

    >>> get_activation("tanh").lipschitz
    1.0
    """
    if isinstance(activation, Activation):
        return activation
    return _ACTIVATIONS.get(activation)


def list_activations() -> list[str]:
    """The names of all registered activations, in registration order."""
    return _ACTIVATIONS.names()


def _elementwise(act: Activation, which: str, func, z: np.ndarray) -> np.ndarray:
    try:
        values = np.asarray(func(read_only(z.copy())), dtype=float)
    except ValueError as err:
        if "read-only" not in str(err):
            raise
        raise ValueError(f"activation {act.name!r}: {which} must not modify its input array ({err}): uat evaluates "
                         "σ and σ′ at the same z, so an in-place σ would silently change σ′; return a new array") \
            from err
    if values.shape != z.shape or not np.all(np.isfinite(values)):
        raise ValueError(f"activation {act.name!r}: {which} must map a float array elementwise to finite values "
                         f"of the same shape; on shape {z.shape} it returned shape {values.shape}")
    return values


def _check_user_activation(act: Activation) -> None:
    """Evaluate a user's σ and σ′ on a few points; σ′ must match central differences of σ."""
    z = np.linspace(-3.0, 3.0, 13) + 0.1234567  # avoids the usual kink at 0
    _elementwise(act, "fn", act.fn, z)
    if act.deriv is None:
        return
    slopes = _elementwise(act, "deriv", act.deriv, z)
    h = 1e-5
    central = (_elementwise(act, "fn", act.fn, z + h) - _elementwise(act, "fn", act.fn, z - h)) / (2 * h)
    if not np.allclose(slopes, central, rtol=1e-4, atol=1e-6):
        i = int(np.argmax(np.abs(slopes - central)))
        raise ValueError(f"activation {act.name!r}: deriv does not match the derivative of fn: at z={z[i]:.6g} "
                         f"deriv gives {slopes[i]:.6g}, central differences give {central[i]:.6g}")


def _check_facts(degree, lipschitz, bound, polynomial) -> None:
    if polynomial and (isinstance(degree, bool) or not isinstance(degree, int) or degree < 0):
        raise ValueError(f"a polynomial activation needs its degree (an integer >= 0); got degree={degree!r}")
    for name, value in (("lipschitz", lipschitz), ("bound", bound)):
        check_nonnegative(name, value, optional=True)


def _check_callables(**callables) -> None:
    """fn must be callable; deriv, second_bound and torch_fn callable or None."""
    shapes = {"fn": "z -> σ(z)", "deriv": "z -> σ'(z)", "second_bound": "(zlo, zhi) -> sup |σ''| on [zlo, zhi]",
              "torch_fn": "(torch, z) -> σ(z) as a tensor"}
    for name, value in callables.items():
        if not callable(value) and (name == "fn" or value is not None):
            raise TypeError(f"{name} must be callable ({shapes[name]}){'' if name == 'fn' else ' or None'}; "
                            f"got {value!r}")


def _check_certify_facts(deriv, deriv_critical, period, second_bound):
    """The facts certified bounds read (see :class:`Activation`), checked: (deriv_critical, period)."""
    if (deriv_critical is not None or second_bound is not None) and deriv is None:
        raise ValueError("deriv_critical and second_bound describe σ′ and σ″: they need deriv (σ′) too")
    if deriv_critical is not None:
        try:
            deriv_critical = tuple(float(point) for point in deriv_critical)
        except (TypeError, ValueError) as err:
            raise TypeError("deriv_critical must be a sequence of numbers (the points where σ′ may have an interior "
                            f"extremum) or None; got {deriv_critical!r}") from err
        if not all(math.isfinite(point) for point in deriv_critical):
            raise ValueError(f"deriv_critical must hold finite numbers; got {deriv_critical!r}")
    if period is not None:
        period = check_real("period", period, positive=True)
    return deriv_critical, period


def _check_second_bound(act: Activation) -> None:
    """A user's second_bound must give sup |σ″| ≥ 0 on intervals, at least the central differences of σ′."""
    z = np.linspace(-3.0, 3.0, 13) + 0.1234567
    bound = np.asarray(act.second_bound(read_only(z - 1e-3), read_only(z + 1e-3)), dtype=float)
    if bound.shape != z.shape or np.any(np.isnan(bound)) or np.any(bound < 0):
        raise ValueError(f"activation {act.name!r}: second_bound must map intervals [zlo, zhi] (two arrays) to an "
                         f"array of the same shape of values >= 0; on shape {z.shape} it returned {bound!r}")
    h = 1e-5
    slopes = _elementwise(act, "deriv", act.deriv, z + h), _elementwise(act, "deriv", act.deriv, z - h)
    central = np.abs(slopes[0] - slopes[1]) / (2 * h)
    if np.any(bound < central * (1 - 1e-4) - 1e-6):
        i = int(np.argmax(central - bound))
        raise ValueError(f"activation {act.name!r}: second_bound is below |σ″|: on [{z[i] - 1e-3:.6g}, "
                         f"{z[i] + 1e-3:.6g}] it gives {bound[i]:.6g}, central differences of deriv give "
                         f"{central[i]:.6g}")


def register_activation(name: str, fn: Callable, deriv: Callable | None = None, *,
                        description: str = "", polynomial: bool = False, degree: int | None = None,
                        continuous: bool = True, lipschitz: float | None = None,
                        bound: float | None = None, kinks=(), deriv_critical=None, period: float | None = None,
                        second_bound: Callable | None = None, torch_fn: Callable | None = None,
                        overwrite: bool = False) -> Activation:
    """Register a user activation σ (``fn``) with its derivative σ′ (``deriv``) under ``name``.

    Both are checked on a few points before they are accepted: ``fn`` must be elementwise and
    finite there, must not write into its input, and ``deriv`` must agree with central differences
    of ``fn``. ``deriv_critical``, ``period``, ``second_bound`` and ``torch_fn`` are the
    :class:`Activation` facts of those names; without them certified bounds take σ′ in
    [−lipschitz, lipschitz] and no second-order bounds, and the PyTorch peers refuse σ.
    ``second_bound`` is checked against central differences of ``deriv``.

    >>> act = register_activation("softsign", lambda z: z / (1 + abs(z)),
    ...                           lambda z: 1 / (1 + abs(z)) ** 2, lipschitz=1.0, bound=1.0)
    """
    _check_callables(fn=fn, deriv=deriv, second_bound=second_bound, torch_fn=torch_fn)
    _check_facts(degree, lipschitz, bound, polynomial)
    deriv_critical, period = _check_certify_facts(deriv, deriv_critical, period, second_bound)
    act = Activation(name, fn, deriv, description, polynomial, degree, continuous, lipschitz, bound, tuple(kinks),
                     deriv_critical=deriv_critical, period=period, second_bound=second_bound, torch_fn=torch_fn)
    _check_user_activation(act)
    if second_bound is not None:
        _check_second_bound(act)
    return _ACTIVATIONS.add(name, act, overwrite=overwrite)
