"""The error x ↦ ‖f(x) − g(x)‖₂ that every sup-norm estimate and bound is built from.

:mod:`uat.supnorm` (estimates) and :mod:`uat.certify` (proved brackets) both import from here:

* :func:`check_pair`: the target on its domain, with g checked against it; :func:`domain_points`:
  points of K a caller gives, checked;
* :class:`ErrorFunction`: x ↦ ‖f(x) − g(x)‖₂ on (N, n) arrays, chunked, counting evaluations; its two
  restrictions for the 1-D search, :class:`MaskedErrors` (−inf off K) and :class:`CurveErrors` (t ↦ e(γ(t)));
* :func:`row_norms`, :func:`rms`: Euclidean norms of the rows of an (N, m) array and root mean
  squares, without overflow (:func:`power_of_two` is the exact scale they use, and
  :func:`scale_weights` takes weights fitted on a scaled target back to its own values);
* :func:`rounding_floor`: the measured float64 noise of the errors, below which they mean nothing.
"""

from __future__ import annotations

import reprlib

import numpy as np

from uat._validation import as_points, read_only
from uat.domains import Domain
from uat.network import ShallowNetwork, forward, power_of_two  # re-exported: the scaling of the error norms
from uat.targets import Target, as_target

__all__ = ["ErrorFunction", "MaskedErrors", "CurveErrors", "call_g", "check_pair", "domain_points", "power_of_two", "rms", "row_norms",
           "scale_weights", "rounding_floor", "CHUNK", "FLOOR_POINTS"]

#: Points per evaluation block of f and g.
CHUNK = 1 << 16
#: Sobol' points (seed 0) on which sup_error and sup_bracket measure the rounding floor: on 36 least-squares
#: fits (4 targets, tanh/relu/sigmoid, widths 8-128) 1024 points gave the floor of 4096 to within 0.7%.
FLOOR_POINTS = 1024


def scale_weights(C: np.ndarray, scale: float, method: str, reason: str) -> np.ndarray:
    """C·scale: output weights fitted to a target divided by ``scale`` (:func:`power_of_two`), for the target's own
    values; a ValueError naming ``method`` where they overflow float64 (``reason`` says where the scale came from)."""
    with np.errstate(over="ignore"):
        out = C * scale
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{method}: the output weights C overflow float64 (they would reach "
                         f"{float(np.max(np.abs(C))):.3g} x {scale:.3g}, {reason}): rescale the target")
    return out


def row_norms(D: np.ndarray) -> np.ndarray:
    """‖D_i‖₂ for each row of D (N, m), computed without overflow or underflow.

    One column is |D|. Otherwise each row is scaled by the power of two s at its largest entry
    first, ‖D_i‖ = s·‖D_i/s‖ (as LAPACK's dnrm2 scales), so that rows near 1e200 or 1e-200 keep
    their norm, where squaring them would give inf or 0; elsewhere the bits are numpy's.
    """
    if D.shape[1] == 1:
        return np.abs(D[:, 0])
    peak = np.max(np.abs(D), axis=1)
    scale = power_of_two(peak)
    return np.where(np.isfinite(peak), scale * np.sqrt(np.sum((D / scale[:, None]) ** 2, axis=1)), peak)


def rms(D: np.ndarray, axis=None, count: int | None = None):
    """sqrt(Σ D² / count) over ``axis`` (``count``: the number of terms summed by default), without
    overflow or underflow: D is scaled by the power of two at its largest |entry| first.

    The root mean square of errors near 1e200 is then their size, not inf (and near 1e-200 not 0);
    elsewhere the bits are those of ``np.sqrt(np.mean(D**2))``. Non-finite entries give inf or nan.
    """
    D = np.asarray(D, dtype=float)
    axes = tuple(range(D.ndim)) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    scale = power_of_two(np.max(np.abs(D), axis=axes, keepdims=True))
    if count is None:
        count = int(np.prod([D.shape[a] for a in axes]))
    with np.errstate(invalid="ignore"):
        total = np.sum((D / scale) ** 2, axis=axes)
    return np.squeeze(scale, axis=axes) * np.sqrt(total / count)


class ErrorFunction:
    """x ↦ ‖f(x) − g(x)‖₂ on (N, n) arrays, evaluated in blocks of :data:`CHUNK` points.

    ``count`` is the number of points evaluated so far. g's values are checked: an (N, m) or (N,)
    array of finite numbers. An error that is not finite though f and g are (f − g overflows
    float64) is refused with the point where it happens: it is never reported as a result.
    """

    def __init__(self, target: Target, g, domain: Domain):
        self.target, self.g, self.domain, self.count = target, g, domain, 0

    def __call__(self, X: np.ndarray) -> np.ndarray:
        self.count += X.shape[0]
        out = np.empty(X.shape[0])
        for start in range(0, X.shape[0], CHUNK):
            chunk = X[start:start + CHUNK]
            F = self.target(chunk)
            with np.errstate(over="ignore", invalid="ignore"):
                out[start:start + CHUNK] = row_norms(F - self._g(chunk, F.shape))
        if not np.all(np.isfinite(out)):
            i = int(np.argmax(~np.isfinite(out)))
            raise ValueError(f"the error f − g overflows float64 at x = {X[i].tolist()} (f and g are finite "
                                "there, their difference is not): rescale the target")
        return out

    def _g(self, X, shape):
        if isinstance(self.g, ShallowNetwork):  # our own network on checked points: straight to forward, same bits
            g = self.g
            G = forward(g.A, g.b, g.C, g.activation, X, g.d)
            if not np.all(np.isfinite(G)):
                i = int(np.argmax(~np.all(np.isfinite(G), axis=1)))
                raise ValueError(f"g returned a non-finite value {G[i].tolist()} at x = {X[i].tolist()}")
            return G
        raw = np.asarray(call_g(self.g, X))
        if np.iscomplexobj(raw):
            raise TypeError(f"g returned complex values (dtype {raw.dtype}); the error is measured between real "
                            "functions, and uat never drops imaginary parts")
        G = np.asarray(raw, dtype=float)
        G = G[:, None] if G.ndim == 1 else G
        if G.shape != shape:
            raise ValueError(f"g must map (N, {X.shape[1]}) arrays to (N,) or (N, m) with m = {shape[1]}, the "
                             f"target's output dimension; for N = {X.shape[0]} it returned shape {np.shape(self.g(X))}")
        if not np.all(np.isfinite(G)):
            i = int(np.argmax(~np.all(np.isfinite(G), axis=1)))
            raise ValueError(f"g returned a non-finite value {G[i].tolist()} at x = {X[i].tolist()}")
        return G

    def at(self, x) -> float:
        """The error at one point x (n,)."""
        return float(self(np.atleast_2d(x))[0])


class _Restricted:
    """An error function seen through another map: ``target``, ``domain`` and ``count`` are the wrapped one's."""

    def __init__(self, errors: ErrorFunction):
        self.errors, self.target, self.domain = errors, errors.target, errors.domain

    @property
    def count(self) -> int:
        return self.errors.count


class MaskedErrors(_Restricted):
    """The error on the points of K and −inf elsewhere: a 1-D search over K's bounding interval that never takes a
    point outside K (a union of intervals, a 1-D ball). Only the points in K are evaluated (and counted).

    Same interface as :class:`ErrorFunction` (``target``, ``domain``, ``count``, calls on (N, 1) arrays)."""

    def __call__(self, X: np.ndarray) -> np.ndarray:
        out = np.full(X.shape[0], -np.inf)
        inside = self.domain.contains(X)
        out[inside] = self.errors(X[inside])
        return out


class CurveErrors(_Restricted):
    """t ↦ e(γ(t)) on (N, 1) arrays of parameters t ∈ [a, b], for a curve K = γ([a, b]) searched in its parameter
    (``curve.parametrisation(t)`` maps (N,) parameters to (N, n) points of K).

    ``target`` and ``count`` are the underlying error function's; ``domain`` is the curve."""

    def points(self, T: np.ndarray) -> np.ndarray:
        """γ(t) (N, n) for parameters T (N, 1) or (N,)."""
        return np.asarray(self.domain.parametrisation(np.reshape(T, -1)), dtype=float).reshape(-1, self.domain.dim)

    def __call__(self, T: np.ndarray) -> np.ndarray:
        out = np.empty(T.shape[0])
        for start in range(0, T.shape[0], CHUNK):  # γ's points in blocks too: (CHUNK, n) at a time
            out[start:start + CHUNK] = self.errors(self.points(T[start:start + CHUNK]))
        return out


def rounding_floor(target: Target, g, X: np.ndarray) -> float:
    """The float64 rounding noise of ‖f − g‖ on the points X: g's own measured floor (networks and
    polynomials, see :meth:`uat.ShallowNetwork.rounding_floor`) plus eps·max‖f‖; eps·(max‖f‖ + max‖g‖)
    for other callables."""
    eps = np.finfo(float).eps
    f_mag = float(np.max(row_norms(target(X))))
    if isinstance(g, ShallowNetwork) or callable(getattr(g, "rounding_floor", None)):  # networks, polynomials
        return g.rounding_floor(X) + eps * f_mag
    return eps * (f_mag + float(np.max(row_norms(np.asarray(call_g(g, X), dtype=float).reshape(len(X), -1)))))


def call_g(g, X: np.ndarray):
    """g(X) on a read-only view of the points: a g that writes into its input would change the points
    its error is measured at, so it is refused."""
    try:
        return g(read_only(X))
    except ValueError as err:
        if "read-only" not in str(err):
            raise
        raise ValueError(f"g tried to modify its input array ({err}); g must not modify its input X (uat measures "
                         "the error at those points): work on a copy, e.g. X = X.copy()") from err


def check_pair(f, g, domain) -> Target:
    """The target on its domain, after checking that g is callable and fits the domain's dimension."""
    target = as_target(f, domain)
    if hasattr(g, "network") and not callable(g):  # a FitResult
        raise TypeError(f"g must be a ShallowNetwork or a callable on (N, n) arrays; got a {type(g).__name__}: pass "
                        "its network, sup_error(f, result.network), or call result.sup_error()")
    if not callable(g):
        raise TypeError(f"g must be a ShallowNetwork or a callable on (N, n) arrays; got {reprlib.repr(g)}")
    if isinstance(getattr(g, "dim", None), int) and g.dim != target.dim:  # a model: its input dimension
        raise ValueError(f"the network has input dimension {g.dim} but the domain {target.domain} has dimension "
                         f"{target.dim}")
    return target


def domain_points(points, domain: Domain) -> np.ndarray:
    """``points`` (p, n) of K as a float array, (0, n) for None; a ValueError naming the first one outside K."""
    X = np.empty((0, domain.dim)) if points is None else as_points("points", points, domain.dim)
    inside = domain.contains(X)
    if not np.all(inside):
        raise ValueError(f"points must lie in the domain {domain}; got {X[~inside][0].tolist()}")
    return X
