"""Minimax on C: min_C max_i ‖y_i − C φ(x_i)‖∞ for a fixed hidden layer, as a linear program.

For one output the problem min_{c,t} t subject to −t ≤ y_i − φ_iᵀc ≤ t is an LP with 2N
constraints, solved by HiGHS (:func:`chebyshev_lp`, which the constructive pl_best shares). The LP
is invariant under a change of basis c = T d, so it is posed in an orthonormal basis of the
numerical column space of the (column-scaled) features: Φ_s = Q R, R = U S Vᵀ, T = D⁻¹ V_r S_r⁻¹ keeps the r singular values above
rcond·s_max. That is well conditioned where Φ is not (random features routinely have condition
numbers ~1e17) and has r + 1 variables instead of k + 1 (tanh at width 1024: r ≈ 100). Like the
minimum-norm least-squares solution, it ignores directions that are numerically invisible on the
sample points. Outputs are solved independently, so for m > 1 the result minimises the largest
per-output sup error (the Euclidean sup error is then within √m of its minimum).

The sup over K is approximated by an *exchange*: solve on an active set of points, evaluate
the error on a finer check set, add the check points where the error peaks above the current
level, and solve again, until the check set's maximum is within ``tol`` of the LP level (or the
rounds run out). This is what the theorem measures; least squares only approximates it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy import sparse
from scipy.optimize import linprog

from uat._validation import check_choice, check_int
from uat.errornorm import power_of_two, row_norms, scale_weights
from uat.exceptions import ConvergenceWarning
from uat.fitting.lstsq import check_features

__all__ = ["MinimaxSolution", "minimax_solve", "minimax_exchange", "minimax_rcond", "chebyshev_lp", "LP_SOLVERS",
           "orthonormal_basis"]


@dataclass(frozen=True, eq=False)
class MinimaxSolution:
    """The minimax C for fixed features.

    Attributes
    ----------
    C : ndarray (m, k)
    level : float
        The LP optimum: max over the active points of the largest per-output error.
    max_error : float
        max ‖f − g‖₂ over every point examined (active and check set).
    rank : int
        r, the dimension of the basis the LP was posed in.
    n_active : int
        Points in the final LP.
    rounds : int
        LP solves performed.
    converged : bool
        Whether the check set's maximum came within tol of the level.
    """

    C: np.ndarray
    level: float
    max_error: float
    rank: int
    n_active: int
    rounds: int
    converged: bool


LP_SOLVERS = {"highs-ds": "dual simplex", "highs-ipm": "interior point", "highs": "HiGHS's choice of solver"}
"""The ``scipy.optimize.linprog`` methods :func:`chebyshev_lp` accepts, with what each is."""


def chebyshev_lp(B, r, *, solvers=("highs-ds", "highs-ipm"), problem: str = "the Chebyshev linear program",
                 hint: str = "fewer basis functions or fewer points make it smaller") -> tuple[np.ndarray, float]:
    """The discrete Chebyshev fit of r by B's columns: min_{d,t} t subject to −t ≤ r_i − (B d)_i ≤ t.

    An LP in n + 1 variables (d free, t ≥ 0) with 2N constraints, solved by HiGHS
    (``scipy.optimize.linprog``) on B's columns divided by their largest |entry| (d is scaled back;
    columns that already peak at 1, as hat functions do, are posed exactly as given).

    Parameters
    ----------
    B : array (N, n), or a scipy sparse array or matrix (N, n)
    r : array (N,)
    solvers : sequence of str
        Keys of :data:`LP_SOLVERS`, tried in order until one succeeds (default: dual simplex, then
        interior point where it fails).
    problem, hint : str
        What the LP is and how to make it smaller, for the error.

    Returns
    -------
    d : ndarray (n,)
    t : float
        The optimum, max_i |r_i − (B d)_i| to HiGHS's tolerances (~1e-7 absolute).

    Raises
    ------
    RuntimeError
        When every solver fails; it names the size, the solvers tried and HiGHS's status and message.
    """
    B = B if sparse.issparse(B) else np.asarray(B, dtype=float)
    N, n = B.shape
    r = np.asarray(r, dtype=float)
    if r.shape != (N,):
        raise ValueError(f"r must have shape ({N},), one value per row of B {B.shape}; got shape {r.shape}")
    if isinstance(solvers, str) or not solvers:
        raise TypeError(f"solvers must be a non-empty sequence of {', '.join(LP_SOLVERS)}; got {solvers!r}")
    solvers = [check_choice("solvers", s, LP_SOLVERS) for s in solvers]
    A_ub, scale = _chebyshev_constraints(B)
    cost = np.zeros(n + 1)
    cost[-1] = 1.0
    for method in solvers:
        res = linprog(cost, A_ub=A_ub, b_ub=np.concatenate([r, -r]), bounds=[(None, None)] * n + [(0, None)],
                      method=method)
        if res.status == 0:
            return res.x[:n] / scale, float(res.x[n])
    raise RuntimeError(f"{problem} with {n} basis functions and {N} points failed in HiGHS "
                       f"({' and '.join(LP_SOLVERS[s] for s in solvers)}; status {res.status}: {res.message}); "
                       f"{hint}")


def _chebyshev_constraints(B) -> tuple[sparse.csr_array, np.ndarray]:
    """[[B_s, −1], [−B_s, −1]] (2N, n + 1) in CSR, B_s = B with columns divided by their max |entry|, and those
    maxima (1 for a zero column). A sparse B keeps its stored entries, explicit zeros included."""
    if sparse.issparse(B):
        B_s = sparse.csr_array(B, dtype=float, copy=True)
        scale = np.zeros(B.shape[1])
        np.maximum.at(scale, B_s.indices, np.abs(B_s.data))
        scale[scale == 0] = 1.0
        B_s.data /= scale[B_s.indices]
    else:
        scale = np.max(np.abs(B), axis=0)
        scale[scale == 0] = 1.0
        B_s = sparse.csr_array(B / scale)
    ones = sparse.csr_array(np.ones((B.shape[0], 1)))
    return sparse.vstack([sparse.hstack([B_s, -ones]), sparse.hstack([-B_s, -ones])], format="csr"), scale


def minimax_rcond(activation, n_samples: int, width: int) -> float:
    """The minimax LP's basis cut-off by default: as in least squares, max(N, k)·eps (truncate) for σ with kinks;
    4·eps (keep every direction) for smooth σ."""
    return np.finfo(float).eps * max(n_samples, width) if activation.kinks else 4 * np.finfo(float).eps


def orthonormal_basis(Phi: np.ndarray, rcond: float | None = None) -> np.ndarray:
    """T (k, r) such that Φ T has orthonormal columns spanning Φ's numerical column space.

    Columns are scaled to unit norm, Φ_s = Q R, R = U S Vᵀ, and T = D⁻¹ V_r S_r⁻¹ for the r singular
    values above rcond·s_max (default rcond = max(N, k)·eps).
    """
    N, k = Phi.shape
    rcond = np.finfo(float).eps * max(N, k) if rcond is None else rcond
    norms = np.linalg.norm(Phi, axis=0)
    norms[norms == 0] = 1.0
    R = scipy.linalg.qr(Phi / norms, mode="r", check_finite=False)[0][:k]
    _, sv, Vt = scipy.linalg.svd(R, check_finite=False, lapack_driver="gesdd")
    r = max(1, int(np.count_nonzero(sv > rcond * sv[0])))
    return (Vt[:r].T / sv[:r]) / norms[:, None]


def minimax_solve(Phi, Y, *, rcond: float | None = None) -> tuple[np.ndarray, float]:
    """Minimax output weights on the given points: min_C max_{i,j} |Y_ij − (Φ Cᵀ)_ij|.

    Parameters
    ----------
    Phi : array (N, k)
    Y : array (N,) or (N, m)
    rcond : float, optional
        Relative singular-value cut-off of the basis (see :func:`orthonormal_basis`).

    Returns
    -------
    C : ndarray (m, k)
    level : float
        The optimal max error over the points (largest over outputs).
    """
    Phi, Y = check_features(Phi, Y)
    T = orthonormal_basis(Phi, rcond)
    peak, scale = _scale(Y)
    C, level = _solve_in_basis(Phi @ T, Y / scale, T)
    return _unscale(C, scale, peak), level * scale


def _scale(*values: np.ndarray) -> tuple[float, float]:
    """The largest |value| and the power of two there: the LP and its exchange run on values scaled by it
    (exact, so the bits are those of the unscaled run wherever that neither overflows nor underflows)."""
    peak = max(float(np.max(np.abs(v))) if v.size else 0.0 for v in values)
    return peak, float(power_of_two(peak))


def _unscale(C: np.ndarray, scale: float, peak: float) -> np.ndarray:
    return scale_weights(C, scale, "minimax", f"for target values up to {peak:.3g}")


_LP_NAMES = {  # how chebyshev_lp's error names this module's LP
    "problem": "the minimax linear program", "hint": "fewer units or fewer sample points make it smaller"}


def _solve_in_basis(B: np.ndarray, Y: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, float]:
    """Minimax in the basis B = Φ T, posed for the correction to the least-squares solution.

    The LP is translation invariant (d = d₀ + s·δ), so solving for δ against the least-squares
    residual scaled to max 1 gives the same optimum while HiGHS's absolute tolerances (~1e-7)
    become relative to the residual: errors far below 1e-7 are resolved.
    """
    D0 = scipy.linalg.lstsq(B, Y, check_finite=False, lapack_driver="gelsy")[0]
    R = Y - B @ D0
    C = np.empty((Y.shape[1], T.shape[0]))
    level = 0.0
    for j in range(Y.shape[1]):
        s = float(np.max(np.abs(R[:, j])))
        delta, t = chebyshev_lp(B, R[:, j] / s, **_LP_NAMES) if s > 0 else (np.zeros(B.shape[1]), 0.0)
        C[j] = T @ (D0[:, j] + s * delta)
        level = max(level, s * t)
    return C, level


def _peaks(err: np.ndarray, above: float, limit: int) -> np.ndarray:
    """Indices of the largest errors above ``above`` (at most ``limit``)."""
    idx = np.flatnonzero(err > above)
    return idx[np.argsort(err[idx])[::-1][:limit]]


def minimax_exchange(features, X, Y, X_check, Y_check, *, max_rounds: int = 8, tol: float = 1e-3,
                     add_per_round: int | None = None, rcond: float | None = None,
                     warn: bool = True) -> MinimaxSolution:
    """Minimax C on an active set grown by exchange against a finer check set.

    Parameters
    ----------
    features : callable
        X ↦ Φ(X), (N, n) → (N, k).
    X, Y : arrays (N, n), (N, m)
        The initial active points and target values.
    X_check, Y_check : arrays (M, n), (M, m)
        The finer check set.
    max_rounds : int
        LP solves at most.
    tol : float
        Stop when the check set's maximum error ≤ level·(1 + tol), allowing 16 times the float64
        rounding error of evaluating g and f on the check set.
    add_per_round : int, optional
        Check points added per round (default N // 4, at least 16).
    rcond : float, optional
        Cut-off of the basis, computed once on the initial points (see :func:`orthonormal_basis`).
    warn : bool
        Warn (:class:`uat.exceptions.ConvergenceWarning`) when the rounds run out first.

    Returns
    -------
    MinimaxSolution
    """
    max_rounds = check_int("max_rounds", max_rounds)
    add = add_per_round or max(16, X.shape[0] // 4)
    peak, scale = _scale(Y, Y_check)
    Y, Y_check = Y / scale, Y_check / scale  # exact; C, the level and the errors are scaled back at the end
    Phi = features(X)
    T = orthonormal_basis(Phi, rcond)
    Phi_check = features(X_check)
    for rounds in range(1, max_rounds + 1):
        C, level = _solve_in_basis(Phi @ T, Y, T)
        worst = np.abs(Y_check - Phi_check @ C.T).max(axis=1)
        if converged := _level_reached(worst, level, tol, Phi_check, Y_check, C):
            break
        Phi, Y = _exchange(Phi, Y, Phi_check, Y_check, _peaks(worst, level, add))
    if warn and not converged:
        warnings.warn(f"minimax exchange stopped after {max_rounds} rounds with the check-set error "
                      f"{worst.max() * scale:.3e} above the LP level {level * scale:.3e}; raise max_rounds or "
                      "n_samples", ConvergenceWarning, stacklevel=2)
    max_error = max(_max_error(Phi_check, Y_check, C), _max_error(Phi, Y, C))
    return MinimaxSolution(_unscale(C, scale, peak), level * scale, max_error * scale, T.shape[1], Phi.shape[0],
                           rounds, converged)


def _level_reached(worst: np.ndarray, level: float, tol: float, Phi_check: np.ndarray, Y_check: np.ndarray,
                   C: np.ndarray) -> bool:
    """The stopping rule: max_i worst_i ≤ level·(1 + tol) + 16 eps·max_i(‖y_i‖∞ + |φ_i|ᵀ max_j |C_j|), the last
    term the float64 rounding of evaluating f and g on the check set."""
    bound = np.abs(Y_check).max(axis=1) + np.abs(Phi_check) @ np.abs(C).max(axis=0)
    floor = 16 * np.finfo(float).eps * float(np.max(bound))
    return bool(worst.max() <= level * (1 + tol) + floor)


def _exchange(Phi: np.ndarray, Y: np.ndarray, Phi_check: np.ndarray, Y_check: np.ndarray,
              new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The active set's features and values with the check points ``new`` appended."""
    return np.vstack([Phi, Phi_check[new]]), np.vstack([Y, Y_check[new]])


def _max_error(Phi: np.ndarray, Y: np.ndarray, C: np.ndarray) -> float:
    """max_i ‖y_i − C φ_i‖₂."""
    return float(row_norms(Y - Phi @ C.T).max())
