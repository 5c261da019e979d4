"""Least squares on C: min_C ‖Φ Cᵀ − Y‖_F for a fixed hidden layer, Φ = σ(X Aᵀ + b).

The columns of Φ are scaled to unit norm (Φ = Φ_s D), Φ_s is factorised once by Householder QR
without forming Q (LAPACK geqrf, QᵀY by ormqr), and then, for each width:

* ``solver="qr"``: the basic solution R⁻¹QᵀY by a triangular solve. Rank is estimated from R's
  diagonal (unit j counts when |R_jj| > rcond·max|R_ii|; |R_jj| is the distance of scaled column j
  from the span of the columns before it); the condition number is LAPACK's trcon estimate of
  cond₁(R).
* ``solver="svd"``: the minimum-norm solution truncated at singular values below rcond·σ_max,
  from the SVD of R (Φ_s = QR has the singular values of R); rank and condition are exact.
* ``solver="auto"``: ``qr``, but ``svd`` wherever the QR estimate shows rank < width.

Which to use when the features are rank deficient (measured, see ``benchmarks/``): for smooth σ
the near-null directions of Φ are smooth and small everywhere on K, and the QR solution is the most
accurate (sin 2πx, tanh, width 1024: sup error 3e-14 against 2e-10 for SVD); for σ with kinks
(ReLU) they are combinations of units whose kinks share a sample interval, large between the
samples, and the QR solution blows up (sup error 3e5 against 3e-4 for SVD). ``uat.fit`` therefore
uses ``qr`` for smooth σ and ``auto`` for σ with kinks, and records the solver used.

All-zero columns (units inactive on every sample point) are left out and get C = 0; they count
as lost rank. A rank below the width raises :class:`~uat.exceptions.IllConditionedWarning`. The
normal equations are never formed. ``ridge=λ`` solves min ‖Φ_s c − y‖² + λ‖c‖² (λ relative to
unit-norm feature columns) by QR of the stacked matrix [Φ_s; √λ I].

:func:`lstsq_path` gives the solutions for every width k ≤ K of a nested feature matrix (its
first k columns) from the one QR: the leading k×k block of R and the first k entries of QᵀY are
those of the narrower problem, and the residual of width k is the norm of the rest of QᵀY.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.linalg import lapack

from uat._validation import check_choice, check_real
from uat.exceptions import IllConditionedWarning

__all__ = ["LstsqSolution", "lstsq_solve", "lstsq_path", "SOLVERS"]

SOLVERS = {
    "qr": "Householder QR of the column-scaled features, Q never formed, basic solution R⁻¹QᵀY",
    "svd": "minimum-norm solution truncated at rcond (SVD of the QR's R)",
    "auto": "qr, but svd wherever the QR shows rank < width (uat.fit's default for σ with kinks)",
}


@dataclass(frozen=True, eq=False)
class LstsqSolution:
    """The least-squares C for one width.

    Attributes
    ----------
    C : ndarray (m, k)
    rank : int
        Numerical rank of Φ (see the module docstring for how each solver measures it).
    cond : float
        Condition number estimate of the column-scaled Φ (inf when a column is zero).
    residual_rms : float
        sqrt(‖Φ Cᵀ − Y‖²_F / (N m)) on the training points.
    solver : str
        The solver that produced C: 'qr' or 'svd'.
    """

    C: np.ndarray
    rank: int
    cond: float
    residual_rms: float
    solver: str


def _prepare(Phi, Y, ridge):
    """Column-scaled, Fortran-ordered copy Φ_s (with the ridge rows), the column norms, the kept columns, Y."""
    norms = np.linalg.norm(Phi, axis=0)
    keep = np.flatnonzero(norms > 0)
    Phis = np.asfortranarray(Phi[:, keep]) if keep.size < Phi.shape[1] else np.array(Phi, order="F")
    Phis /= norms[keep]
    Ys = np.array(Y, order="F")
    if ridge > 0:
        Phis = np.asfortranarray(np.vstack([Phis, np.sqrt(ridge) * np.eye(keep.size)]))
        Ys = np.asfortranarray(np.vstack([Ys, np.zeros((keep.size, Ys.shape[1]))]))
    return Phis, norms, keep, Ys


def _qr(Phis, Ys):
    """R (in the upper triangle of the returned array) and QᵀY by geqrf + ormqr, Q never formed."""
    qr, tau, _, info = lapack.dgeqrf(Phis, overwrite_a=1)
    _, work, _ = lapack.dormqr("L", "T", qr, tau, Ys, lwork=-1)
    QtY, _, info2 = lapack.dormqr("L", "T", qr, tau, Ys, lwork=int(work[0].real), overwrite_c=1)
    if info or info2:
        raise RuntimeError(f"LAPACK QR failed (geqrf info={info}, ormqr info={info2})")
    return qr, QtY


def _min_norm(R, QtYk, rcond):
    """Minimum-norm solution of R c ≈ QᵀY[:k] with singular values below rcond·σ_max dropped."""
    U, sv, Vt = scipy.linalg.svd(np.triu(R), check_finite=False, lapack_driver="gesdd")
    rank = int(np.count_nonzero(sv > rcond * sv[0]))
    c = Vt[:rank].T @ ((U[:, :rank].T @ QtYk) / sv[:rank, None])
    return c, rank, (float(sv[0] / sv[-1]) if sv[-1] > 0 else np.inf)


def _solve_leading(qr, QtY, k, rcond, solver):
    """Solve for the leading k columns; return (c (k, m), rank, cond, solver used)."""
    if k == 0:
        return np.zeros((0, QtY.shape[1])), 0, np.inf, solver
    R = qr[:k, :k]
    diag = np.abs(np.diag(R))
    rank = int(np.count_nonzero(diag > rcond * diag.max()))
    if solver == "svd" or (solver == "auto" and rank < k) or np.any(diag == 0):
        return (*_min_norm(R, QtY[:k], rcond), "svd")
    rc, _ = lapack.dtrcon(R, norm="1", uplo="U", diag="N")
    c = scipy.linalg.solve_triangular(R, QtY[:k], check_finite=False)
    return c, rank, (1.0 / rc if rc > 0 else np.inf), "qr"


def _unscale(c, norms, keep, k_total):
    C = np.zeros((c.shape[1], k_total))
    C[:, keep] = (c / norms[keep][:, None]).T
    return C


def _check_inputs(Phi, Y, solver, ridge, rcond):
    check_choice("solver", solver, SOLVERS)
    ridge = check_real("ridge", ridge, minimum=0.0)
    Phi = np.asarray(Phi, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if Phi.ndim != 2 or Y.ndim not in (1, 2) or Y.shape[0] != Phi.shape[0] or Phi.shape[1] < 1:
        raise ValueError(f"Phi must be (N, k) with k >= 1 and Y (N,) or (N, m) with the same N; "
                         f"got shapes {Phi.shape} and {Y.shape}")
    if not (np.all(np.isfinite(Phi)) and np.all(np.isfinite(Y))):
        raise ValueError("Phi and Y must be finite; check the activation's range on the sample points")
    rcond = np.finfo(float).eps * max(Phi.shape) if rcond is None else check_real("rcond", rcond, minimum=0.0)
    return Phi, (Y[:, None] if Y.ndim == 1 else Y), ridge, rcond


def _rank_message(rank, width, cond, used):
    fix = "the minimum-norm (SVD) solution was used" if used == "svd" else "solver='svd' gives the minimum-norm solution"
    return (f"feature matrix is rank deficient: rank {rank} < width {width} (condition ≈ {cond:.1e}), so "
            f"{width - rank} units add nothing measurable on these samples; {fix}; fewer units, more sample "
            "points or ridge > 0 make the problem well posed")


def lstsq_solve(Phi, Y, *, solver: str = "qr", ridge: float = 0.0, rcond: float | None = None,
                warn: bool = True) -> LstsqSolution:
    """Least-squares output weights for fixed features: min_C ‖Φ Cᵀ − Y‖_F (+ λ‖D C‖²).

    Parameters
    ----------
    Phi : array (N, k)
        Feature matrix σ(X Aᵀ + b).
    Y : array (N,) or (N, m)
        Target values.
    solver : {'qr', 'svd', 'auto'}
        See the module docstring.
    ridge : float >= 0
        λ of the optional Tikhonov term on the column-scaled coefficients. 0 (default): none.
    rcond : float, optional
        Relative threshold for the rank; default max(N, k)·eps.
    warn : bool
        Issue IllConditionedWarning when rank < k.

    Returns
    -------
    LstsqSolution
    """
    Phi, Y, ridge, rcond = _check_inputs(Phi, Y, solver, ridge, rcond)
    k = Phi.shape[1]
    Phis, norms, keep, Ys = _prepare(Phi, Y, ridge)
    qr, QtY = _qr(Phis, Ys)
    c, rank, cond, used = _solve_leading(qr, QtY, keep.size, rcond, solver)
    cond = cond if keep.size == k else np.inf
    if warn and rank < k:
        warnings.warn(_rank_message(rank, k, cond, used), IllConditionedWarning, stacklevel=2)
    C = _unscale(c, norms, keep, k)
    return LstsqSolution(C, rank, cond, _rms_explicit(Phi, C, Y), used)


def _rms_explicit(Phi, C, Y):
    return float(np.sqrt(np.mean((Phi[:, : C.shape[1]] @ C.T - Y) ** 2)))


def _rms_factored(qr, QtY, c, k, Y):
    """Training RMS from the factorisation (no ridge): ‖Φ_s c − Y‖² = ‖R c − QᵀY[:k]‖² + ‖QᵀY[k:]‖².

    Exact up to about eps·‖c‖·‖Φ_s‖, so only used where c is not huge (not for rank-deficient
    basic QR solutions).
    """
    head = np.triu(qr[:k, :k]) @ c - QtY[:k]
    return float(np.sqrt((np.sum(head**2) + np.sum(QtY[k:] ** 2)) / Y.size))


def lstsq_path(Phi, Y, widths=None, *, solver: str = "qr", ridge: float = 0.0, rcond: float | None = None,
               warn: bool = True) -> dict[int, LstsqSolution]:
    """Least-squares solutions for the leading ``widths`` columns of Φ, all from one QR.

    Parameters
    ----------
    Phi : array (N, K)
        Nested features: the network of width k uses columns :k.
    Y : array (N,) or (N, m)
    widths : iterable of int, optional
        Widths 1 <= k <= K to solve for; default every width 1..K.
    solver, ridge, rcond, warn
        As in :func:`lstsq_solve` (one warning lists the rank-deficient widths).

    Returns
    -------
    dict
        width -> :class:`LstsqSolution` with C of shape (m, k).
    """
    Phi, Y, ridge, rcond = _check_inputs(Phi, Y, solver, ridge, rcond)
    N, K = Phi.shape
    widths = list(range(1, K + 1)) if widths is None else sorted({int(k) for k in widths})
    if not widths or widths[0] < 1 or widths[-1] > K:
        raise ValueError(f"widths must lie in 1..{K} (the columns of Phi); got {widths}")
    Phis, norms, keep, Ys = _prepare(Phi, Y, ridge)
    qr, QtY = _qr(Phis, Ys)
    out, deficient = {}, []
    for k in widths:
        kept = int(np.searchsorted(keep, k))  # the kept columns among the first k
        c, rank, cond, used = _solve_leading(qr, QtY, kept, rcond, solver)
        cond = cond if kept == k else np.inf
        C = _unscale(c, norms[:k], keep[:kept], k)
        exact = ridge > 0 or (used == "qr" and rank < k)
        rms = _rms_explicit(Phi, C, Y) if exact else _rms_factored(qr, QtY, c, kept, Y)
        out[k] = LstsqSolution(C, rank, cond, rms, used)
        if rank < k:
            deficient.append(k)
    if warn and deficient:
        k = deficient[0]
        warnings.warn(f"{len(deficient)} of {len(widths)} widths are rank deficient, from width {k} on: "
                      + _rank_message(out[k].rank, k, out[k].cond, out[k].solver), IllConditionedWarning, stacklevel=2)
    return out
