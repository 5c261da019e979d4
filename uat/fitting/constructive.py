"""Constructive approximants of the universal approximation theorem in 1-D, with a-priori bounds.

Knots t_j = l + j·h, j = 0..J, on a uniform grid of K = [l, u], h = (u − l)/J. No output bias:
every network is C σ(A x + b), the theorem's form. 1-D only (a Box of dimension 1); vector
targets are handled output by output on shared knots.

``relu_interp`` (σ = relu, J = k − 1): the continuous piecewise-linear (PL) interpolant s of f,

    s(x) = v₀ + S₀ (x − l) + Σ_{j=1}^{J−1} (S_j − S_{j−1}) relu(x − t_j),   S_j = (v_{j+1} − v_j)/h,

with v_j = f(t_j). The constant and the linear part take two units: on K,
relu(x − l) = x − l and relu(x − l + (u − l)) − relu(x − l) = u − l, so
v₀ + S₀(x − l) = (S₀ − v₀/(u − l))·relu(x − l) + v₀/(u − l)·relu(x − l + (u − l)); the other k − 2
units are the hinges relu(x − t_j) at the interior knots. Every unit has a = 1.

Bound: for x = t_j + θh, f(x) − s(x) = (1 − θ)(f(x) − f(t_j)) + θ(f(x) − f(t_{j+1})), so with a
concave modulus ω_f (Jensen) ‖f − s‖ ≤ (1 − θ)ω_f(θh) + θω_f((1 − θ)h) ≤ ω_f(2θ(1 − θ)h) ≤ ω_f(h/2).
If f is C² with sup‖f″‖ ≤ M, f − s = −∫G(x, y) f″(y) dy with the Green's function G ≥ 0,
∫G dy = (x − t_j)(t_{j+1} − x)/2 ≤ h²/8, so ‖f − s‖ ≤ h²M/8 (attained by x²: h²/4 at the
midpoints). B(h) = the smaller of the known ones.

``pl_best`` (σ = relu): the continuous PL function on the same knots with the least max error over a
uniform sample with q points per knot interval (q even, so the knots and the interval midpoints are
in it), by a sparse LP in the hat basis (HiGHS, :func:`uat.fitting.minimax.chebyshev_lp`), then the
same ReLU network. Bound: on the sample its per-output error is at most the interpolant's, ≤ B(h);
between consecutive sample points x_i, x_{i+1} (spacing δ = h/q, inside one knot interval, where the
fit p is linear) f − p minus its chord equals f minus its chord, which is ≤ B(δ) by the argument
above; so sup‖f − p‖ ≤ √m·B(h) + B(δ) (√m: the LP bounds each of the m outputs separately).

``sigmoid_staircase`` (σ = sigmoid, tanh, heaviside; J = k − 1): the proof's picture, steps of height
Δ_j = f(t_j) − f(t_{j−1}) at the midpoints τ_j = (t_{j−1} + t_j)/2 with slope s = steepness/h:

    g(x) = f(t₀) + Σ_{j=1}^{J} Δ_j σ(s(x − τ_j)).

The constant is a unit with a = 0: sigmoid(0) = 1/2 (coefficient 2f(t₀)), heaviside(0) = 1. For
tanh the same g is written with σ(z) = (1 + tanh(z/2))/2: units tanh(s(x − τ_j)/2) with
coefficients Δ_j/2, and the constant (f(t₀) + f(t_J))/2 from a unit tanh(0·x + 1). With heaviside g
is the exact staircase: g = f(t_j) on [τ_j, τ_{j+1}) (τ₀ = l, τ_{J+1} = u, the last step closed).
Bound, for x = t_{j−1} + θh in [t_{j−1}, t_j]: split g(x) = [(1 − σ_j) f(t_{j−1}) + σ_j f(t_j)]
+ Σ_{i<j} Δ_i (σ_i − 1) + Σ_{i>j} Δ_i σ_i with σ_i = σ(s(x − τ_i)). By Jensen the first term is within
ω_f(((1 − σ_j)θ + σ_j(1 − θ))h) of f(x), and (1 − σ_j)θ + σ_j(1 − θ) = 1/2 − w·tanh(s h w/2) ≤ 1/2
for w = θ − 1/2 (for heaviside 1/2 − |w|): at most ω_f(h/2). In the tails |x − τ_i| ≥ (q + 1/2)h,
q = 0, 1, ... on each side, ‖Δ_i‖ ≤ ω_f(h) and |σ(z) − H(z)| ≤ e^{−|z|}, so they add at most
ω_f(h)·2Σ_q e^{−sh(q+1/2)} = ω_f(h)·2e^{−sh/2}/(1 − e^{−sh}). Heaviside: ω_f(h/2) exactly as
for nearest-knot interpolation. No h² bound: a staircase is first order.

Every method reports ``a_priori_bound`` (None when nothing is known about f) and
``a_priori_bound_kind`` in its diagnostics, and the size of the weights it needed: ``max_abs_a``,
``sum_abs_c`` = Σ_i ‖C_{:,i}‖₂ and ``lipschitz_g`` = L_σ·Σ_i ‖C_{:,i}‖₂|a_i|, the Lipschitz bound
of g read off its weights.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
from scipy import sparse

from uat._validation import check_int, check_real
from uat.domains import Box
from uat.errornorm import row_norms
from uat.fitting.base import Fitted, Method, Option, Problem, optional, register_method
from uat.fitting.minimax import chebyshev_lp
from uat.network import ShallowNetwork
from uat.targets import Target

__all__ = ["uniform_knots", "relu_pl_network", "interpolation_bound", "best_pl_values", "staircase_network",
           "staircase_bound"]


# --- pure functions -------------------------------------------------------------------------------

def uniform_knots(lower: float, upper: float, n_intervals: int) -> np.ndarray:
    """t_j = l + j·h, j = 0..J, h = (u − l)/J (the end points exact), shape (J + 1,)."""
    return np.linspace(lower, upper, n_intervals + 1)


def relu_pl_network(knots: np.ndarray, values: np.ndarray) -> ShallowNetwork:
    """The continuous PL function through (t_j, v_j) as C relu(A x + b) with no output bias, width J + 1.

    Parameters
    ----------
    knots : array (J + 1,)
        Increasing knots t_0 = l < ... < t_J = u, J ≥ 1 (the methods use uniform ones).
    values : array (J + 1, m)
        v_j, the values at the knots.

    Returns
    -------
    ShallowNetwork
        Units [relu(x − l), relu(x − l + (u − l)), relu(x − t_1), ..., relu(x − t_{J−1})].
    """
    t, V = knots, values
    lo, span = t[0], t[-1] - t[0]
    S = np.diff(V, axis=0) / np.diff(t)[:, None]  # (J, m) slopes
    C = np.concatenate([(S[0] - V[0] / span)[None], (V[0] / span)[None], np.diff(S, axis=0)]).T
    b = np.concatenate([[-lo, span - lo], -t[1:-1]])
    return ShallowNetwork(np.ones((t.size, 1)), b, C, "relu")


def _modulus_bound(target: Target, delta: float, label: str, h: float) -> tuple[float, str] | None:
    """ω_f(delta) from the target's Lipschitz or Hölder fact (the smaller), with a description."""
    options = []
    if target.lipschitz is not None:
        options.append((target.lipschitz * delta, f"ω_f({label}) = L·{label} with L = {target.lipschitz:.5g}"))
    if target.holder is not None:
        H, alpha = target.holder
        options.append((H * delta**alpha, f"ω_f({label}) = H·({label})^α with H = {H:.5g}, α = {alpha:.5g}"))
    if not options:
        return None
    value, kind = min(options, key=lambda pair: pair[0])
    return value, f"{kind}, h = {h:.4g}"


def interpolation_bound(target: Target, h: float) -> tuple[float | None, str]:
    """B(h) = min(ω_f(h/2), h²/8·sup‖f″‖) over the facts f carries: sup‖f − s‖ for the PL interpolant s.

    Returns (bound, kind); (None, reason) when f carries no modulus and no curvature.
    """
    candidates = []
    modulus = _modulus_bound(target, h / 2, "h/2", h)
    if modulus is not None:
        candidates.append(modulus)
    if target.curvature is not None:
        M = target.curvature
        candidates.append((h * h / 8 * M, f"h²/8·sup‖f″‖ with sup‖f″‖ ≤ {M:.5g}, h = {h:.4g}"))
    if not candidates:
        return None, "no modulus of continuity known for f (no lipschitz, holder or curvature)"
    return min(candidates, key=lambda pair: pair[0])


def _hat_sample(knots: np.ndarray, q: int) -> tuple[np.ndarray, sparse.csr_array]:
    """The sample x (J·q + 1,) with q points per knot interval (knots included) and its hat matrix."""
    J = knots.size - 1
    theta = np.arange(q) / q
    x = np.concatenate([(knots[:-1, None] + theta * np.diff(knots)[:, None]).ravel(), knots[-1:]])
    j = np.concatenate([np.repeat(np.arange(J), q), [J - 1]])
    th = np.concatenate([np.tile(theta, J), [1.0]])
    rows = np.arange(x.size)
    H = sparse.csr_array((np.concatenate([1 - th, th]), (np.tile(rows, 2), np.concatenate([j, j + 1]))),
                         shape=(x.size, J + 1))
    return x, H


def best_pl_values(H: sparse.csr_array, Y: np.ndarray, V0: np.ndarray) -> tuple[np.ndarray, float]:
    """Knot values V (J + 1, m) of the continuous PL fit with least max error on the sample, per output.

    Posed for the correction to V0 (the interpolant) on the residual scaled to max 1, so that
    HiGHS's absolute tolerances (~1e-7) become relative to the interpolation error. Should the
    LP's solution, within those tolerances, be worse than V0 on the sample, V0 is kept (the best
    fit is never worse than the interpolant). Returns V and the LP optimum (the largest over outputs).
    """
    R = Y - H @ V0
    V, level = V0.copy(), 0.0
    for i in range(Y.shape[1]):
        scale = float(np.max(np.abs(R[:, i])))
        if scale == 0:
            continue
        r = R[:, i] / scale
        d, t = chebyshev_lp(H, r, solvers=("highs",), problem="the best-PL linear program",
                            hint="fewer sample points (n_points) make it smaller")
        if np.max(np.abs(r - H @ d)) <= 1.0:
            V[:, i] += scale * d
        level = max(level, scale * t)
    return V, level


def staircase_network(knots: np.ndarray, values: np.ndarray, steepness: float, activation: str) -> ShallowNetwork:
    """g(x) = f(t₀) + Σ_j Δ_j σ(s(x − τ_j)), s = steepness/h, as C σ(A x + b) with width J + 1.

    ``activation``: sigmoid or heaviside (constant from a unit σ(0)), or tanh (the same g through
    σ(z) = (1 + tanh(z/2))/2, constant from a unit tanh(1)). The constant unit comes first.
    """
    t, V = knots, values
    s = steepness / (t[1] - t[0])
    tau, D = (t[:-1] + t[1:]) / 2, np.diff(V, axis=0)
    if activation == "tanh":
        a, c, const, bias, unit = s / 2, D / 2, (V[0] + V[-1]) / 2, 1.0, math.tanh(1.0)
    else:
        a, c, const, bias, unit = s, D, V[0], 0.0, (0.5 if activation == "sigmoid" else 1.0)
    A = np.concatenate([[0.0], np.full(tau.size, a)])[:, None]
    b = np.concatenate([[bias], -a * tau])
    C = np.concatenate([(const / unit)[None], c]).T
    return ShallowNetwork(A, b, C, activation)


def staircase_bound(target: Target, h: float, steepness: float, activation: str) -> tuple[float | None, str]:
    """ω_f(h/2) (heaviside) or ω_f(h/2) + ω_f(h)·2e^{−sh/2}/(1 − e^{−sh}) (sigmoid, tanh); see the module docstring."""
    near = _modulus_bound(target, h / 2, "h/2", h)
    if near is None:
        return None, "no modulus of continuity known for f (no lipschitz or holder; a staircase has no h² bound)"
    if activation == "heaviside":
        return near
    tail = _tail_factor(steepness)
    return near[0] + target.modulus(h) * tail, f"{near[1]}, + ω_f(h)·2e^(−sh/2)/(1−e^(−sh)) = ω_f(h)·{tail:.3g} (sh = {steepness:.4g})"


def _tail_factor(steepness: float) -> float:
    """2e^{−sh/2}/(1 − e^{−sh}) = 1/sinh(sh/2): the saturation tails of all other steps, in units of ω_f(h)."""
    return -2 * math.exp(-steepness / 2) / math.expm1(-steepness)


# --- the registered methods -----------------------------------------------------------------------

def _interval(problem: Problem, method: str, minimum_width: int = 2) -> tuple[float, float]:
    """[l, u] of a 1-D box domain, after refusing other domains and too small widths."""
    domain = problem.target.domain
    if not isinstance(domain, Box) or domain.dim != 1:
        given = (f"a domain of dimension {domain.dim} ({domain})" if domain.dim != 1 else
                 f"a {type(domain).__name__} ({domain}); give the interval as a Box")
        raise ValueError(f"method {method!r} is 1-D only: it needs an interval domain, a Box of dimension 1 such "
                         f"as '[-1,1]'; got {given} (constructive n-D versions are not implemented)")
    if problem.width < minimum_width:
        raise ValueError(f"method {method!r} needs width >= {minimum_width} (k units give k − 1 knot intervals); "
                         f"got width={problem.width}")
    return domain.lower[0], domain.upper[0]


def _weights(network: ShallowNetwork) -> dict:
    """The size of the weights: max|a_i|, Σ_i ‖C_{:,i}‖₂, and the Lipschitz bound L_σ Σ_i ‖C_{:,i}‖₂ |a_i| (None for σ without one)."""
    a, c = np.abs(network.A[:, 0]), row_norms(network.C.T)
    lip = network.activation.lipschitz
    return {"max_abs_a": float(a.max()), "sum_abs_c": float(c.sum()),
            "lipschitz_g": None if lip is None else float(lip * np.sum(c * a))}


def _pl_diagnostics(network: ShallowNetwork, knots: np.ndarray, V: np.ndarray) -> dict:
    h = float(knots[1] - knots[0])
    slopes = row_norms(np.diff(V, axis=0)) / h
    return {"n_knots": knots.size, "h": h, **_weights(network), "max_slope": float(slopes.max())}


def _fit_relu_interp(problem: Problem) -> Fitted:
    lo, hi = _interval(problem, "relu_interp")
    t = uniform_knots(lo, hi, problem.width - 1)
    X = t[:, None]
    Y = problem.target(X)
    network = relu_pl_network(t, Y)
    bound, kind = interpolation_bound(problem.target, float(t[1] - t[0]))
    return Fitted(network, X, Y, {"a_priori_bound": bound, "a_priori_bound_kind": kind,
                                  **_pl_diagnostics(network, t, Y)})


def _fit_pl_best(problem: Problem, *, n_points=None) -> Fitted:
    lo, hi = _interval(problem, "pl_best")
    J = problem.width - 1
    n_points = max(4096, 64 * problem.width) if n_points is None else n_points
    q = 2 * math.ceil((n_points - 1) / (2 * J))
    t = uniform_knots(lo, hi, J)
    x, H = _hat_sample(t, q)
    X = x[:, None]
    Y = problem.target(X)
    V, level = best_pl_values(H, Y, Y[::q])
    network = relu_pl_network(t, V)
    h = float(t[1] - t[0])
    coarse, kind = interpolation_bound(problem.target, h)
    fine, _ = interpolation_bound(problem.target, h / q)
    m = Y.shape[1]
    bound = None if coarse is None else math.sqrt(m) * coarse + fine
    if bound is not None:
        kind = (f"{'√m·' if m > 1 else ''}B(h) + B(h/q): B(h) = {kind}; B(h/q) = {fine:.3g} bounds the gaps "
                f"between the {X.shape[0]} sample points (q = {q} per knot interval)")
    diagnostics = {"a_priori_bound": bound, "a_priori_bound_kind": kind, "lp_value": level,
                   "sample_max": float(np.max(row_norms(network(X) - Y))),
                   "n_points": X.shape[0], "points_per_interval": q, **_pl_diagnostics(network, t, V)}
    return Fitted(network, X, Y, diagnostics)


def _fit_staircase(problem: Problem, *, steepness=10.0) -> Fitted:
    lo, hi = _interval(problem, "sigmoid_staircase")
    act = problem.activation.name
    t = uniform_knots(lo, hi, problem.width - 1)
    h = float(t[1] - t[0])
    if not math.isfinite(steepness / h * max(abs(lo), abs(hi), hi - lo)):
        raise ValueError(f"steepness = {steepness} overflows: the slope steepness/h = {steepness / h:.3g} times "
                         f"|x| on [{lo}, {hi}] is not finite in float64; give a smaller steepness")
    X = t[:, None]
    Y = problem.target(X)
    network = staircase_network(t, Y, steepness, act)
    bound, kind = staircase_bound(problem.target, h, steepness, act)
    diagnostics = {"a_priori_bound": bound, "a_priori_bound_kind": kind, "n_knots": t.size, "h": h,
                   "steepness": steepness, "slope": steepness / h, **_weights(network),
                   "tail_factor": 0.0 if act == "heaviside" else _tail_factor(steepness),
                   "rounding_floor": network.rounding_floor(X)}
    return Fitted(network, X, Y, diagnostics)


def _check_steepness(name: str, value) -> float:
    steepness = check_real(name, value)
    if not steepness > 0:
        raise ValueError(f"{name} must be a number > 0 (s·h, each step's slope times the knot spacing; "
                         f"default 10); got {steepness}")
    return steepness


register_method(Method.declare(
    "relu_interp", _fit_relu_interp,
    "constructive, 1-D: the piecewise-linear interpolant on k − 1 uniform knot intervals, exactly as C relu(Ax + b)",
    {}, activations=("relu",),
))

register_method(Method.declare(
    "pl_best", _fit_pl_best,
    "constructive, 1-D: the best continuous piecewise-linear fit on the relu_interp knots (sup norm on a dense "
    "sample, LP by HiGHS), as C relu(Ax + b)",
    {"n_points": Option(None, "sample points of the LP, at least (default max(4096, 64·width)); rounded up to an "
                              "even number q of points per knot interval, knots and midpoints included",
                        optional(partial(check_int, minimum=2)))},
    activations=("relu",),
))

register_method(Method.declare(
    "sigmoid_staircase", _fit_staircase,
    "constructive, 1-D: the proof's staircase f(t₀) + Σ Δ_j σ(s(x − τ_j)) of k − 1 steps at the knot midpoints",
    {"steepness": Option(10.0, "s·h > 0, each step's slope s times the knot spacing h (dimensionless; heaviside: "
                               "any value)", _check_steepness)},
    activations=("sigmoid", "tanh", "heaviside"),
))
