"""Targets: continuous functions f: K → ℝᵐ to approximate, the library, and user targets.

A :class:`Target` is vectorised, (N, n) → (N, m); calling it checks what the function returns
(shape and finiteness) and always gives an (N, m) float64 array. Library Lipschitz constants are
upper bounds of sup‖∇f‖ (for vector fields, of the Jacobian's operator 2-norm) on the target's
default domain, derived analytically or by dense evaluation and rounded up; the tests check them.
So are the other facts a target may carry for the a-priori bounds of the constructive methods and
the certified sup-norm brackets: ``curvature`` (sup|f″| in 1-D) and a Hölder modulus
``holder = (H, α)``, |f(x) − f(y)| ≤ H‖x − y‖^α; :meth:`Target.modulus` combines them into ω_f.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from uat._registry import Registry
from uat._validation import as_points, check_int, check_nonnegative, read_only, suggest
from uat.domains import Ball, Box, Domain, as_domain
from uat.exceptions import TargetError
from uat.expressions import Expression

__all__ = ["Target", "as_target", "get_target", "list_targets", "register_target", "telgarsky"]


@dataclass(frozen=True, eq=False)
class Target:
    """A continuous f on a compact domain, vectorised (N, n) → (N,) or (N, m).

    Parameters
    ----------
    fn : callable
        Maps an (N, n) float array to (N,) (then m = 1) or (N, m).
    domain : Box or Ball or None
        The default domain K (required before fitting).
    name, description : str
    lipschitz : float or None
        An upper bound of the Lipschitz constant of f on ``domain`` (Euclidean norms), if known.
    n_outputs : int or None
        m, if known; otherwise found on the first evaluation.
    curvature : float or None
        1-D: an upper bound of sup‖f″(x)‖₂ on ``domain`` where f is C² (None otherwise or
        unknown); for a vector target, the Euclidean norm of the vector of second derivatives,
        not the largest component's.
    holder : (H, α) or None
        A Hölder bound |f(x) − f(y)| ≤ H‖x − y‖^α on ``domain`` with 0 < α ≤ 1, for targets that
        are continuous but not Lipschitz (√|x|: (1, 1/2)).
    depth_separation : int or None
        s, for Telgarsky's sawtooth g_s on [0, 1] (:func:`uat.sawtooth`): any one-hidden-layer ReLU network
        with k ≤ 2^s − 2 units has sup error ≥ ½ against it (it must cross ½ at least 2^s times and has at
        most k + 1 linear pieces), while a deep ReLU network of O(s) units is exact. The study figure
        ``error-vs-parameters`` draws that fact. None for every other target.
    """

    fn: Callable[[np.ndarray], np.ndarray]
    domain: Domain | None = None
    name: str = "f"
    description: str = ""
    lipschitz: float | None = None
    n_outputs: int | None = None
    curvature: float | None = None
    holder: tuple[float, float] | None = None
    depth_separation: int | None = None

    def __post_init__(self):
        if not callable(self.fn):
            raise TypeError(f"Target fn must be callable, mapping (N, n) arrays to (N,) or (N, m); got {self.fn!r}")
        if self.domain is not None:
            object.__setattr__(self, "domain", as_domain(self.domain))
        check_nonnegative("lipschitz", self.lipschitz, optional=True)
        check_nonnegative("curvature", self.curvature, optional=True)
        if self.depth_separation is not None:
            object.__setattr__(self, "depth_separation", check_int("depth_separation", self.depth_separation))
        if self.holder is not None:
            try:
                H, alpha = (float(v) for v in self.holder)
            except (TypeError, ValueError):
                raise ValueError(f"holder must be a pair (H, alpha) with H >= 0 and 0 < alpha <= 1, or None; "
                                 f"got {self.holder!r}") from None
            if not (H >= 0 and math.isfinite(H) and 0 < alpha <= 1):
                raise ValueError(f"holder must be a pair (H, alpha) with H >= 0 and 0 < alpha <= 1, or None; "
                                 f"got {self.holder!r}")
            object.__setattr__(self, "holder", (H, alpha))

    def modulus(self, delta: float) -> float | None:
        """ω_f(δ): an upper bound of |f(x) − f(y)| over points of the domain at most δ apart, from
        ``lipschitz`` (L·δ) and ``holder`` (H·δ^α), the smaller where both are known; None when
        neither is. Both are concave in δ, as the a-priori bounds that use ω need."""
        if delta < 0 or not math.isfinite(delta):
            raise ValueError(f"delta must be a finite number >= 0; got {delta!r}")
        bounds = []
        if self.lipschitz is not None:
            bounds.append(self.lipschitz * delta)
        if self.holder is not None:
            bounds.append(self.holder[0] * delta ** self.holder[1])
        return min(bounds) if bounds else None

    @property
    def dim(self) -> int:
        """n, the dimension of the domain."""
        if self.domain is None:
            raise ValueError(f"target {self.name!r} has no domain; give one, e.g. domain='[-1,1]'")
        return self.domain.dim

    def __call__(self, X) -> np.ndarray:
        """f(X) as an (N, m) float64 array, after checking shape and finiteness.

        ``fn`` sees a read-only view of the points: a function that writes into its input (and so
        changes the points the error is then measured at) is refused, never trusted.
        """
        X = as_points("X", X, self.dim)
        Y = self._evaluate(X)
        if np.iscomplexobj(Y):
            raise TargetError(f"target {self.name!r} returned complex values; targets are real-valued")
        try:
            Y = np.asarray(Y, dtype=float)
        except (TypeError, ValueError) as err:
            raise TargetError(f"target {self.name!r} returned {type(Y).__name__}, not an array of numbers") from err
        if np.may_share_memory(Y, X):  # fn returned (a view of) its input: the result must not alias the points
            Y = Y.copy()
        if Y.ndim == 1 and Y.shape[0] == X.shape[0]:
            Y = Y[:, None]
        m = self.n_outputs
        if Y.ndim == 2 and Y.shape[0] == X.shape[0] and Y.shape[1] == 0:
            raise TargetError(f"target {self.name!r} returned no values: shape {Y.shape} for X of shape {X.shape}; "
                              "a target returns (N,) or (N, m) with m >= 1 outputs")
        if Y.ndim != 2 or Y.shape[0] != X.shape[0] or (m is not None and Y.shape[1] != m):
            expected = "(N,) or (N, m)" if m is None else ("(N,) or (N, 1)" if m == 1 else f"(N, {m})")
            raise TargetError(f"target {self.name!r} must return shape {expected} for X of shape (N, n); "
                              f"for X of shape {X.shape} it returned shape {Y.shape}")
        bad = ~np.all(np.isfinite(Y), axis=1)
        if bad.any():
            i = int(np.argmax(bad))
            raise TargetError(f"target {self.name!r} returned a non-finite value {Y[i].tolist()} at "
                              f"x = {X[i].tolist()} (row {i}); a target must be finite on its domain")
        return Y

    def _evaluate(self, X: np.ndarray):
        """fn on a read-only view of X, with the two common mistakes of user functions explained."""
        try:
            return self.fn(read_only(X))
        except ValueError as err:
            if "read-only" not in str(err):
                raise
            raise TargetError(f"target {self.name!r} tried to modify its input array ({err}); targets must not "
                              "modify their input X (uat measures the error at those points): work on a copy, "
                              "e.g. X = X.copy()") from err
        except TypeError as err:
            raise TypeError(f"target {self.name!r} failed on an array X of shape {X.shape} ({err}); targets take "
                            "an (N, n) array of points, one per row, and return an (N,) or (N, m) array: write "
                            "array code on the columns, e.g. lambda X: np.sin(X[:, 0]), not math.sin(x)") from err


# --- the library --------------------------------------------------------------------------------

def _col(X, i=0):
    return X[:, i]


def _weierstrass(X, a=0.5, b=3, terms=24):
    n = np.arange(terms)
    return np.cos(np.pi * np.multiply.outer(X[:, 0], b**n.astype(float))) @ a**n


def _takagi(X, terms=53):
    T = np.ldexp(X[:, :1], np.arange(terms))  # 2^n x is exact in float64
    return np.abs(T - np.round(T)) @ np.ldexp(1.0, -np.arange(terms))


def _x_sin_inv(X):
    x = X[:, 0]
    safe = np.where(x == 0, 1.0, x)
    return np.where(x == 0, 0.0, x * np.sin(1.0 / safe))


def _franke(X):
    x, y = 9 * X[:, 0], 9 * X[:, 1]
    return (0.75 * np.exp(-((x - 2) ** 2 + (y - 2) ** 2) / 4) + 0.75 * np.exp(-((x + 1) ** 2) / 49 - (y + 1) / 10)
            + 0.5 * np.exp(-((x - 7) ** 2 + (y - 3) ** 2) / 4) - 0.2 * np.exp(-((x - 4) ** 2) - (y - 7) ** 2))


def telgarsky(s: int):
    """g_s = g∘…∘g (s hats g(x) = 2ρ(x) − 4ρ(x − ½) + 2ρ(x − 1)) on [0, 1], in closed form: the triangle wave
    g_s(x) = |((2^s x + 1) mod 2) − 1|, 0 at even multiples of 2^−s and 1 at odd ones, 2^s linear pieces of
    slope ±2^s (so Lipschitz 2^s). The same function as the deep ReLU network :func:`uat.sawtooth` (s), to
    rounding (2^s x is exact in float64)."""
    def g_s(X):
        return np.abs(np.mod(np.ldexp(X[:, 0], s) + 1, 2) - 1)

    g_s.__name__ = f"telgarsky{s}"
    return g_s


def _telgarsky_target(s: int) -> Target:
    return Target(telgarsky(s), Box(0, 1), f"telgarsky{s}",
                  f"Telgarsky's sawtooth g_{s} = g∘…∘g ({s} hats) on [0,1]: {2 ** s} linear pieces; a deep ReLU net of "
                  f"{3 * s} units is exact, a shallow one needs more than {2 ** s - 2} units for error < 1/2",
                  float(2**s), 1, depth_separation=s)


def _vortex(X):
    decay = np.exp(-np.sum(X**2, axis=1))
    return np.stack([-X[:, 1] * decay, X[:, 0] * decay], axis=1)


_I = Box(-1, 1)
_I2 = Box([-1, -1], [1, 1])
_U2 = Box([0, 0], [1, 1])

_LIBRARY = [
    # smooth 1-D
    # curvatures sup|f″|: sin2pi 4π²; runge: f″ = (3750x² − 50)/(1 + 25x²)³, largest |f″| = 50 at 0;
    # exp_cos: |eˣ(15 cos 4x + 8 sin 4x)| ≤ 43.4684 (dense evaluation, rounded up); steep_tanh: 400/(3√3)
    Target(lambda X: np.sin(2 * np.pi * _col(X)), _I, "sin2pi", "sin(2πx): smooth, one full period per unit", 2 * np.pi, 1,
           curvature=4 * np.pi**2 * (1 + 1e-15)),
    Target(lambda X: 1 / (1 + 25 * _col(X) ** 2), _I, "runge", "Runge's 1/(1+25x²): analytic, defeats equispaced interpolation",
           15 * math.sqrt(3) / 8, 1, curvature=50.0),
    Target(lambda X: np.exp(_col(X)) * np.cos(4 * _col(X)), _I, "exp_cos", "exp(x)·cos(4x): smooth, growing oscillation", 6.6959, 1,
           curvature=43.4684),
    Target(lambda X: np.tanh(10 * _col(X)), _I, "steep_tanh", "tanh(10x): smooth with a sharp front at 0", 10.0, 1,
           curvature=400 / (3 * math.sqrt(3)) * (1 + 1e-15)),
    Target(lambda X: _col(X) ** 2, _I, "quadratic", "x²: the simplest curved target (f″ = 2 exactly)", 2.0, 1,
           curvature=2.0),
    # rough but continuous 1-D
    Target(lambda X: np.abs(_col(X)), _I, "abs", "|x|: one kink at 0 (Lipschitz, not C¹)", 1.0, 1),
    Target(lambda X: np.sqrt(np.abs(_col(X))), _I, "sqrt_abs", "√|x|: Hölder-1/2 cusp at 0, not Lipschitz", None, 1,
           holder=(1.0, 0.5)),
    Target(lambda X: np.sqrt(_col(X)), Box(0, 1), "sqrt", "√x on [0,1]: infinite slope at 0 (Hölder-1/2, not Lipschitz)",
           None, 1, holder=(1.0, 0.5)),
    Target(telgarsky(2), _I, "sawtooth",  # the triangle wave of g_2, on [-1,1]: |((4x + 1) mod 2) − 1|
           "triangle-wave sawtooth, 4 teeth on [-1,1], values in [0,1]: 7 interior kinks", 4.0, 1),
    Target(_x_sin_inv, _I, "x_sin_inv", "x·sin(1/x): continuous, infinitely many oscillations at 0", None, 1),
    Target(_weierstrass, _I, "weierstrass",
           "Weierstrass Σ_{n<24} 2⁻ⁿcos(3ⁿπx): nowhere differentiable (truncated; tail < 1.2e-7)", None, 1),
    Target(_takagi, Box(0, 1), "takagi", "Takagi (blancmange) Σ 2⁻ⁿ dist(2ⁿx, ℤ): nowhere differentiable", None, 1),
    # n-D
    Target(_franke, _U2, "franke", "Franke's function on [0,1]²: the classic scattered-data test", 3.4028, 1),
    Target(lambda X: np.exp(-np.sum(X**2, axis=1) / (2 * 0.1**2)), _I2, "bump",
           "narrow Gaussian bump exp(-‖x‖²/0.02) on [-1,1]² (width 0.1)", math.exp(-0.5) / 0.1, 1),
    Target(lambda X: np.cos(2 * np.pi * np.linalg.norm(X, axis=1)), Ball([0, 0], 1), "radial",
           "cos(2π‖x‖) on the unit disc: a radial wave", 2 * np.pi, 1),
    Target(lambda X: np.prod(1 / (1 + 25 * (X - 0.5) ** 2), axis=1), _U2, "product_peak",
           "Genz product peak Π 1/(1+25(xᵢ-½)²) on [0,1]²", 3.6601, 1),
    Target(lambda X: np.cos(np.pi / 2 + 2 * np.sum(X, axis=1)), Box([0, 0, 0], [1, 1, 1]), "oscillatory",
           "Genz oscillatory cos(π/2 + 2(x₁+x₂+x₃)) on [0,1]³", 2 * math.sqrt(3), 1),
    # vector-valued
    Target(lambda X: np.stack([np.cos(np.pi * X[:, 0]), np.sin(np.pi * X[:, 0])], axis=1), _I, "circle",
           "the unit circle (cos πx, sin πx), ℝ → ℝ²", np.pi, 2),
    Target(_vortex, _I2, "vortex", "vortex field exp(-‖x‖²)(-x₂, x₁) on [-1,1]², ℝ² → ℝ²", 1.0, 2),
    # depth separation (Telgarsky 2016): g_s, exact for a deep ReLU net of 3s units
    *(_telgarsky_target(s) for s in (3, 4, 5)),
]

_TARGETS: Registry[Target] = Registry("target")
for _target in _LIBRARY:
    _TARGETS.add(_target.name, _target)


def get_target(name: str) -> Target:
    """The library target of that name."""
    return _TARGETS.get(name)


def list_targets() -> list[str]:
    """Names of the library (and registered user) targets."""
    return _TARGETS.names()


def register_target(target: Target, *, overwrite: bool = False) -> Target:
    """Add a user :class:`Target` (with a domain) to the library under ``target.name``."""
    if not isinstance(target, Target):
        raise TypeError(f"register_target takes a Target; got {target!r}")
    if target.domain is None:
        raise ValueError(f"target {target.name!r} needs a default domain to be registered")
    return _TARGETS.add(target.name, target, overwrite=overwrite)


def _from_string(text: str, domain) -> Target:
    from uat.expressions import compile_expression

    if text in _TARGETS:
        return get_target(text)
    if text.isidentifier() and not (text in ("x", "y", "z") or (text[0] == "x" and text[1:].isdigit())):
        raise ValueError(f"unknown target {text!r}{suggest(text, _TARGETS)}: neither a library target "
                         f"(see `uat list targets`) nor an expression in x such as 'sin(2*pi*x)'")
    expr = compile_expression(text)
    if domain is None:
        raise ValueError(f"the expression target {text!r} needs a domain, e.g. domain='[-1,1]' "
                         "(library targets carry their own)")
    return Target(expr, domain, text, f"the expression {text}", None, expr.n_outputs)


def as_target(target, domain=None) -> Target:
    """Coerce a library name, an expression string, a :class:`Target` or a callable to a Target on a domain.

    ``domain`` (a Box, Ball or string such as ``"[-1,1]x[0,2]"``) replaces the target's own;
    expressions and callables need one. A target with a domain is a function of that domain's
    dimension: a domain of another dimension is refused (the library's runge on [-1,1]² would
    otherwise be f(x₁) in silence, franke on [-1,1] an IndexError). Expressions take any dimension
    that holds the variables they use.
    """
    domain = None if domain is None else as_domain(domain)
    if isinstance(target, str):
        result = _from_string(target, domain)
    elif isinstance(target, Target):
        result = target
    elif callable(target):
        if domain is None:
            raise ValueError("a callable target needs a domain, e.g. domain='[-1,1]'")
        result = Target(target, domain, getattr(target, "__name__", "f"))
    else:
        raise TypeError("target must be a library name, an expression string, a Target or a callable "
                        f"mapping (N, n) arrays to (N,) or (N, m); got {target!r}")
    if domain is not None and result.domain is not None and domain.dim != result.domain.dim \
            and not isinstance(result.fn, Expression):
        raise ValueError(f"target {result.name!r} is defined on {result.domain.dim}-D points (its domain is "
                         f"{result.domain}), but the domain {domain} has dimension {domain.dim}; give a "
                         f"{result.domain.dim}-D domain (to use its function on {domain.dim}-D points, make a new "
                         "Target(fn, domain))")
    if domain is not None and result.domain != domain:
        known = result.domain is None  # facts given for another domain do not carry over
        result = replace(result, domain=domain, lipschitz=result.lipschitz if known else None,
                         curvature=result.curvature if known else None, holder=result.holder if known else None,
                         depth_separation=result.depth_separation if known else None)
    needed = getattr(result.fn, "n_inputs", 0)
    if needed > result.dim:
        written = [v for v in getattr(result.fn, "variables", ()) if v in (f"x{needed}", "xyz"[needed - 1:needed])]
        name = f"x{needed}" + (f" (written {written[-1]})" if written and written[-1] != f"x{needed}" else "")
        raise ValueError(f"target {result.name!r} uses {name}, but the domain {result.domain} has dimension "
                         f"{result.dim}; give a domain of dimension >= {needed}")
    return result
