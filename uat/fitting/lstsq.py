"""Least squares on C: min_C ‖Φ Cᵀ − Y‖_F for a fixed hidden layer, Φ = σ(X Aᵀ + b).

The columns of Φ are scaled to unit norm (Φ = Φ_s D), Φ_s is factorised once by Householder QR
without forming Q (LAPACK geqrf, QᵀY by ormqr), and then, for each width:

* ``solver="qr"``: the basic solution on the numerically independent columns. |R_jj| is the
  distance of scaled column j from the span of the columns before it; column j counts when
  |R_jj| > rcond·max_{i<=j}|R_ii|. The others add nothing measurable: they get C = 0 and the
  independent columns are factorised again (a second QR, only when some were dropped). The rank
  is the number of independent columns.
* ``solver="svd"``: the minimum-norm solution truncated at singular values below rcond·σ_max,
  from the SVD of R (Φ_s = QR has the singular values of R); the rank is exact.
* ``solver="auto"``: ``qr``, but ``svd`` wherever a column was dropped.

The condition number reported is cond₁ of the column-scaled features (all non-zero columns), from
the first QR's R: exact when several widths are solved, LAPACK's trcon estimate for one.

Which to use when the features are rank deficient (measured): for smooth σ, QR on the independent
columns is the most accurate (sin 2πx, tanh, width 1024: sup error 2e-14 against 2e-11 for SVD),
and dropping the dependent columns matters: keeping them (the plain basic solution) put
coefficients of ~1/eps on rounding noise, which is harmless where the residual is tiny but made
polynomial σ fits worse with width (|x| by σ = z at width 256: sup error 5.5 kept against 0.62
dropped, the best line being 0.5). For σ with kinks (ReLU), dependent columns come from kinks sharing
a sample interval, which leaves g undetermined between the samples, and the minimum-norm solution
is the safer choice (once 4.7x better than QR on the independent columns, never worse). ``uat.fit``
therefore uses ``qr`` for smooth σ and ``auto`` for σ with kinks, and records the solver used.

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

from uat._threads import pinned_blas
from uat._validation import check_choice, check_real
from uat.errornorm import power_of_two, rms, scale_weights
from uat.exceptions import IllConditionedWarning

__all__ = ["LstsqSolution", "lstsq_solve", "lstsq_path", "SOLVERS", "default_solver", "check_features"]

SOLVERS = {
    "qr": "Householder QR of the column-scaled features, Q never formed; basic solution on the independent columns",
    "svd": "minimum-norm solution truncated at rcond (SVD of the QR's R)",
    "auto": "qr, but svd wherever a column is numerically dependent (uat.fit's default for σ with kinks)",
}


def default_solver(activation, solver: str | None = None) -> str:
    """``solver``, or where it is None the one ``uat.fit`` uses for σ (module docstring): ``qr`` for smooth σ,
    ``auto`` for σ with kinks or jumps."""
    if solver is None:
        return "auto" if (activation.kinks or not activation.continuous) else "qr"
    return solver


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
        sqrt(‖Φ Cᵀ − Y‖²_F / N) on the training points: the RMS of the Euclidean error norm.
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
    with np.errstate(over="ignore"):
        norms = np.linalg.norm(Phi, axis=0)
    if not np.all(np.isfinite(norms)):  # an inf or nan anywhere in a column makes its norm non-finite
        _check_finite(Phi, Y)  # all finite: some norm overflowed, so compute them rescaled
        peak = np.max(np.abs(Phi), axis=0)
        peak[peak == 0] = 1.0
        norms = np.linalg.norm(Phi / peak, axis=0) * peak
    keep = np.flatnonzero(norms > 0)
    if keep.size == Phi.shape[1] and Phi.flags.f_contiguous:
        Phis = np.divide(Phi, norms, out=np.empty(Phi.shape, order="F"))  # copy and scale in one pass
    else:
        Phis = np.array(Phi[:, keep], order="F")
        Phis /= norms[keep]
    Ys = np.array(Y, order="F")
    if ridge > 0:
        Phis = np.asfortranarray(np.vstack([Phis, np.sqrt(ridge) * np.eye(keep.size)]))
        Ys = np.asfortranarray(np.vstack([Ys, np.zeros((keep.size, Ys.shape[1]))]))
    if Phis.shape[0] < Phis.shape[1]:  # fewer points than units: zero rows change nothing but make R square
        pad = Phis.shape[1] - Phis.shape[0]
        Phis = np.asfortranarray(np.vstack([Phis, np.zeros((pad, Phis.shape[1]))]))
        Ys = np.asfortranarray(np.vstack([Ys, np.zeros((pad, Ys.shape[1]))]))
    return Phis, norms, keep, Ys


def _qr(Phis, Ys):
    """R (in the upper triangle of the returned array) and QᵀY by geqrf + ormqr, Q never formed.

    Both get LAPACK's optimal workspace (queried first): with the wrapper's minimal default geqrf
    runs unblocked, measured 3.1x slower at 4096 x 1024.
    """
    lwork = int(lapack.dgeqrf(Phis, lwork=-1)[2][0])
    qr, tau, _, info = lapack.dgeqrf(Phis, lwork=lwork, overwrite_a=1)
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


def _cond_all(R):
    """Exact cond₁ of every leading block R[:k, :k], k = 1..K, from one triangular inverse.

    The leading blocks of R⁻¹ are the inverses of the leading blocks of R, and an upper
    triangular column has no entries below the block, so ‖R_k‖₁ and ‖R_k⁻¹‖₁ are running maxima
    of the column sums of |R| and |R⁻¹|.
    """
    R = np.triu(R)
    Rinv, info = lapack.dtrtri(R, lower=0)
    if info:
        return np.full(R.shape[0], np.inf)
    return np.maximum.accumulate(np.abs(R).sum(axis=0)) * np.maximum.accumulate(np.abs(np.triu(Rinv)).sum(axis=0))


def _factor(Phi, Y, ridge):
    """(R as a Fortran-ordered copy, QᵀY, column norms, indices of the non-zero columns)."""
    Phis, norms, nonzero, Ys = _prepare(Phi, Y, ridge)
    qr, QtY = _qr(Phis, Ys)
    return np.array(qr[: nonzero.size, : nonzero.size], order="F"), QtY, norms, nonzero  # lower part: unread


def _basic(R, QtY, counts):
    """R_c⁻¹ QᵀY[:c] for every c in counts, by one triangular solve with many right-hand sides:
    QᵀY with its rows from c on set to zero stays zero under back substitution."""
    top, m = max(counts), QtY.shape[1]
    if top == 0:
        return [np.zeros((0, m)) for _ in counts]
    rhs = np.zeros((top, len(counts), m))
    for j, c in enumerate(counts):
        rhs[:c, j] = QtY[:c]
    sol = scipy.linalg.solve_triangular(R[:top, :top], rhs.reshape(top, -1), check_finite=False)
    return [block[:c] for block, c in zip(sol.reshape(top, len(counts), m).transpose(1, 0, 2), counts)]


def _conds(R, counts):
    """cond₁ of each leading block R[:c, :c]: exact for several widths, LAPACK's estimate for one."""
    if len(counts) > 1:
        all_conds = _cond_all(R)
        return [float(all_conds[c - 1]) if c else np.inf for c in counts]
    c = counts[0]
    rc = lapack.dtrcon(R[:c, :c], norm="1", uplo="U", diag="N")[0] if c else 0.0
    return [1.0 / rc if rc > 0 else np.inf]


def _solve_all(Phi, Y, widths, solver, ridge, rcond):
    """LstsqSolution for each width (the leading columns of Φ), from one QR (two if columns are dropped).

    Column j is numerically independent when |R_jj| > rcond·max_{i<=j} |R_ii| (a test on the columns
    before it only, so it does not depend on the width). ``qr`` solves on the independent columns,
    re-factorising them when some were dropped; ``svd`` (and ``auto`` where a column was dropped)
    gives the minimum-norm solution over all non-zero columns. Residuals are computed explicitly.
    """
    m = Y.shape[1]
    peak = float(np.max(np.abs(Y))) if Y.size else 0.0
    scale = float(power_of_two(peak))
    Y = Y / scale  # exact: C and the residuals scale back bit for bit, and 1e308·x cannot overflow QᵀY
    R, QtY, norms, nonzero = _factor(Phi, Y, ridge)
    diag = np.abs(np.diag(R))
    independent = diag > rcond * np.maximum.accumulate(diag) if diag.size else diag.astype(bool)
    n_nonzero = np.searchsorted(nonzero, widths)  # non-zero columns among the first k
    ranks = [int(np.count_nonzero(independent[:c])) for c in n_nonzero]
    use_svd = [solver == "svd" or (solver == "auto" and r < k) for r, k in zip(ranks, widths)]
    conds = [cond if c == k else np.inf for cond, c, k in zip(_conds(R, list(n_nonzero)), n_nonzero, widths)]
    coefficients, columns = [None] * len(widths), [None] * len(widths)
    basic = [j for j, svd in enumerate(use_svd) if not svd]
    if basic:
        cols = nonzero[independent]
        R2, QtY2 = (R, QtY) if independent.all() else _factor(Phi[:, cols], Y, ridge)[:2]
        for j, c in zip(basic, _basic(R2, QtY2, [ranks[j] for j in basic])):
            coefficients[j], columns[j] = c, cols[: ranks[j]]
    for j in (j for j, svd in enumerate(use_svd) if svd):
        c = n_nonzero[j]
        coefficients[j], ranks[j], _ = _min_norm(R[:c, :c], QtY[:c], rcond)
        columns[j] = nonzero[:c]
    solutions = []
    for j, k in enumerate(widths):
        C = np.zeros((m, k))
        C[:, columns[j]] = (coefficients[j] / norms[columns[j], None]).T
        solutions.append((C, ranks[j], conds[j], "svd" if use_svd[j] else "qr"))
    residuals = _residuals(Phi, Y, [sol[0] for sol in solutions])
    reason = f"for target values up to {peak:.3g}"
    return [LstsqSolution(scale_weights(C, scale, "least squares", reason), rank, cond, r * scale, used)
            for (C, rank, cond, used), r in zip(solutions, residuals)]


def _residuals(Phi, Y, Cs, block=256):
    """sqrt(‖Φ Cᵀ − Y‖²_F / N) for each C (width k uses the first k columns), by blocks of widths."""
    out = []
    for start in range(0, len(Cs), block):
        group = Cs[start:start + block]
        K = max(C.shape[1] for C in group)
        stacked = np.zeros((K, len(group) * Y.shape[1]))
        for i, C in enumerate(group):
            stacked[: C.shape[1], i * Y.shape[1]:(i + 1) * Y.shape[1]] = C.T
        fitted = (Phi[:, :K] @ stacked).reshape(Phi.shape[0], len(group), Y.shape[1])
        out.extend(np.atleast_1d(rms(fitted - Y[:, None, :], axis=(0, 2), count=Y.shape[0])).tolist())
    return out


def check_features(Phi, Y, check_phi: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Φ as an (N, k) and Y as an (N, m) float array, with clear errors for shapes and non-finite values
    (``check_phi=False`` leaves Φ's to the caller: least squares reads them off its column norms)."""
    Phi = np.asarray(Phi, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if Phi.ndim != 2 or Y.ndim not in (1, 2) or Y.shape[0] != Phi.shape[0] or Phi.shape[1] < 1:
        raise ValueError(f"Phi must be (N, k) with k >= 1 and Y (N,) or (N, m) with the same N; "
                         f"got shapes {Phi.shape} and {Y.shape}")
    if not np.all(np.isfinite(Y)) or (check_phi and not np.all(np.isfinite(Phi))):
        _check_finite(Phi, Y)
    return Phi, (Y[:, None] if Y.ndim == 1 else Y)


def _check_inputs(Phi, Y, solver, ridge, rcond):
    check_choice("solver", solver, SOLVERS)
    ridge = check_real("ridge", ridge, minimum=0.0)
    Phi, Y = check_features(Phi, Y, check_phi=False)
    rcond = np.finfo(float).eps * max(Phi.shape) if rcond is None else check_real("rcond", rcond, minimum=0.0)
    return Phi, Y, ridge, rcond


def _check_finite(Phi, Y):
    """Raise if Φ or Y has a non-finite entry (Φ is checked through its column norms first, for speed)."""
    for name, array in (("Phi", Phi), ("Y", Y)):
        bad = ~np.isfinite(array)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise ValueError(f"{name} must be finite; got {array[i, j]} at row {i}, column {j} (check the "
                             "activation's range on the sample points)")


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
        The condition number is LAPACK's trcon estimate of cond₁ (QR) or exact (SVD).
    """
    Phi, Y, ridge, rcond = _check_inputs(Phi, Y, solver, ridge, rcond)
    k = Phi.shape[1]
    with pinned_blas:
        sol = _solve_all(Phi, Y, [k], solver, ridge, rcond)[0]
    if warn and sol.rank < k:
        warnings.warn(_rank_message(sol.rank, k, sol.cond, sol.solver), IllConditionedWarning, stacklevel=2)
    return sol


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
        width -> :class:`LstsqSolution` with C of shape (m, k). With several widths the condition
        numbers are the exact cond₁ of each leading block of R (from one triangular inverse).
    """
    Phi, Y, ridge, rcond = _check_inputs(Phi, Y, solver, ridge, rcond)
    K = Phi.shape[1]
    widths = list(range(1, K + 1)) if widths is None else sorted({int(k) for k in widths})
    if not widths or widths[0] < 1 or widths[-1] > K:
        raise ValueError(f"widths must lie in 1..{K} (the columns of Phi); got {widths}")
    with pinned_blas:
        out = dict(zip(widths, _solve_all(Phi, Y, widths, solver, ridge, rcond)))
    deficient = [k for k, sol in out.items() if sol.rank < k]
    if warn and deficient:
        k = deficient[0]
        warnings.warn(f"{len(deficient)} of {len(widths)} widths are rank deficient, from width {k} on: "
                      + _rank_message(out[k].rank, k, out[k].cond, out[k].solver), IllConditionedWarning, stacklevel=2)
    return out
