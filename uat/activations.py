"""Activation functions σ with their derivatives σ′ written side by side.

Every σ here is evaluated without floating-point warnings for |z| up to 1e300 (the
polynomial controls return ±inf where z^p overflows, because that is the true value's
magnitude, but do not warn). Each carries the facts the rest of uat needs: whether it is a
polynomial (the theorem excludes those) and of which degree, whether it is continuous, a
Lipschitz constant on ℝ where one is finite, a bound on |σ| where one exists, and the points
where it is not differentiable.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, ndtr

from uat._registry import Registry
from uat._validation import check_nonnegative, read_only

__all__ = ["Activation", "get_activation", "list_activations", "register_activation"]

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

_square, _square_prime = _power(2)
_cube, _cube_prime = _power(3)

_TABLE = [
    Activation("sigmoid", expit, _sigmoid_prime, "logistic 1/(1+exp(-z))",
               lipschitz=0.25, bound=1.0, draw_scale=2.0, deriv_from_value=lambda a: a * (1.0 - a)),
    Activation("tanh", np.tanh, _tanh_prime, "hyperbolic tangent", lipschitz=1.0, bound=1.0,
               deriv_from_value=lambda a: 1.0 - a * a),
    Activation("relu", _relu, _relu_prime, "rectified linear max(z, 0)", lipschitz=1.0, kinks=(0.0,)),
    Activation("leaky_relu", _leaky, _leaky_prime, "max(z, 0.01 z)", lipschitz=1.0, kinks=(0.0,)),
    Activation("softplus", _softplus, expit, "log(1 + exp(z)), a smooth relu", lipschitz=1.0, draw_scale=2.0),
    Activation("elu", _elu, _elu_prime, "z for z > 0, exp(z) - 1 otherwise (C¹; σ″ jumps at 0)",
               lipschitz=1.0, draw_scale=0.5),
    Activation("gelu", _gelu, _gelu_prime, "z·Φ(z), Φ the standard normal CDF", lipschitz=_GELU_LIP, draw_scale=2.0),
    Activation("silu", _silu, _silu_prime, "z·sigmoid(z) (swish)", lipschitz=_SILU_LIP, draw_scale=2.0),
    Activation("sin", np.sin, np.cos, "sine (random Fourier features)", lipschitz=1.0, bound=1.0),
    Activation("cos", np.cos, lambda z: -np.sin(z), "cosine (random Fourier features)", lipschitz=1.0, bound=1.0),
    Activation("gaussian", _gaussian, _gaussian_prime, "exp(-z²), a radial bump", lipschitz=_GAUSS_LIP, bound=1.0),
    Activation("identity", lambda z: z.copy(order="K"), np.ones_like, "z; polynomial control of degree 1",
               polynomial=True, degree=1, lipschitz=1.0),
    Activation("square", _square, _square_prime, "z²; polynomial control of degree 2", polynomial=True, degree=2),
    Activation("cube", _cube, _cube_prime, "z³; polynomial control of degree 3", polynomial=True, degree=3),
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


def register_activation(name: str, fn: Callable, deriv: Callable | None = None, *,
                        description: str = "", polynomial: bool = False, degree: int | None = None,
                        continuous: bool = True, lipschitz: float | None = None,
                        bound: float | None = None, kinks=(), overwrite: bool = False) -> Activation:
    """Register a user activation σ (``fn``) with its derivative σ′ (``deriv``) under ``name``.

    Both are checked on a few points before they are accepted: ``fn`` must be elementwise and
    finite there, must not write into its input, and ``deriv`` must agree with central differences
    of ``fn``.

    >>> act = register_activation("softsign", lambda z: z / (1 + abs(z)),
    ...                           lambda z: 1 / (1 + abs(z)) ** 2, lipschitz=1.0, bound=1.0)
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable (z -> σ(z)); got {fn!r}")
    if deriv is not None and not callable(deriv):
        raise TypeError(f"deriv must be callable (z -> σ'(z)) or None; got {deriv!r}")
    _check_facts(degree, lipschitz, bound, polynomial)
    act = Activation(name, fn, deriv, description, polynomial, degree, continuous, lipschitz, bound, tuple(kinks))
    _check_user_activation(act)
    return _ACTIVATIONS.add(name, act, overwrite=overwrite)
