"""Least squares on C: the two speed goals of the core, as ratios measured in one run.

Goal 1: one fit at width k = 1024, N = 4096 within 1.1x of a bare QR solve on the same matrix.
Goal 2: all widths 1..1024 (N = 4096) from one factorisation in <= 3x the time of one QR at 1024
        (separate fits measured ~225x slower).

Two real feature matrices of the default draw on [-1, 1] for Runge's function: ReLU features (full
rank: the training points include the kinks) and tanh features (numerically rank deficient, about
half the columns depend on earlier ones; uat then drops those and factorises the rest again, which
costs a second, smaller QR). Peers, timed on the same matrix in the same process:
  * "scipy qr solve": Q, R = scipy.linalg.qr(Φ, mode='economic'); solve_triangular(R, Qᵀy), the
    textbook bare QR solve;
  * "lapack qr solve": geqrf + ormqr + trtrs on Φ with LAPACK's optimal workspace, nothing else
    (no scaling, no checks), the floor.
uat's lstsq_solve adds column scaling, a rank estimate, a condition estimate (trcon) and the
explicit training residual. Timings are medians over repeats (min-max in brackets), wall clock;
the contenders of each comparison run alternately, repeat by repeat, all under the thread setting
uat fits with (every BLAS pool, numpy's and scipy's, single-threaded; see
uat/_threads.py), so that no pool's spinning threads favour one contender; one untimed warm-up round first.

Goal rows (also in the JSON beside --out): per feature matrix, lstsq_solve / the LAPACK floor (<= 1.1) and
lstsq_path / one QR (<= 3); info rows: lstsq_solve / scipy's QR solve, uat.fit / the floor, and separate
fits for every width / the path.

Usage: python benchmarks/bench_lstsq.py [--quick] [--repeats R] [--out FILE] [--json FILE]
"""

from __future__ import annotations

import os
import sys
import time
import warnings

import numpy as np
import scipy
import scipy.linalg
from scipy.linalg import lapack

import uat
from uat._threads import pinned_blas
from uat.activations import get_activation
from uat.fitting import draw_features, lstsq_path, lstsq_solve
from uat.network import hidden_features, interior_transitions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Report, Stats, alternate, parser, quick_threads, table  # noqa: E402

SOURCE = "issue 2"


def scipy_qr_solve(Phi, y):
    Q, R = scipy.linalg.qr(Phi, mode="economic", check_finite=False)
    return scipy.linalg.solve_triangular(R, Q.T @ y, check_finite=False)


def lapack_qr_solve(Phi, y):
    a = np.array(Phi, order="F")
    lwork = int(lapack.dgeqrf(a, lwork=-1)[2][0])  # optimal workspace: blocked QR
    qr, tau, _, _ = lapack.dgeqrf(a, lwork=lwork, overwrite_a=1)
    _, work, _ = lapack.dormqr("L", "T", qr, tau, y, lwork=-1)
    qty, _, _ = lapack.dormqr("L", "T", qr, tau, y, lwork=int(work[0].real), overwrite_c=1)
    k = Phi.shape[1]
    return lapack.dtrtrs(qr[:k, :k], qty[:k])[0]


def features(N, k, activation):
    target = uat.get_target("runge")
    act = get_activation(activation)
    A, b = draw_features(target.domain, k, rng=0, scale=act.draw_scale)
    X = target.domain.sample(N - k, "chebyshev", rng=0)
    X = np.vstack([X, interior_transitions(A, b, -1, 1)[:, None]])[:N]  # as uat.fit samples in 1-D
    return hidden_features(A, b, act, X, order="F"), target(X)  # laid out as uat.fit lays it out


def measure(report, activation, N, K, repeats, separate):
    """Table rows (and goal rows) for one feature matrix: bare solves, uat's solve and fit, the path (and
    separate fits)."""
    Phi, Y = features(N, K, activation)
    y = np.asfortranarray(Y)
    rank = lstsq_solve(Phi, Y, warn=False).rank
    with pinned_blas:
        bare_lapack, bare_scipy, ours, full_fit, path = alternate([
            lambda: lapack_qr_solve(Phi, y.copy(order="F")),
            lambda: scipy_qr_solve(Phi, Y),
            lambda: lstsq_solve(Phi, Y, solver="qr"),
            lambda: uat.fit("runge", width=K, n_samples=N - K, activation=activation),
            lambda: lstsq_path(Phi, Y),
        ], repeats, warmup=1)
        if separate:
            start = time.perf_counter()
            for k in range(1, K + 1):
                lstsq_solve(Phi[:, :k], Y, solver="qr", warn=False)
            separate_seconds = time.perf_counter() - start
    full_rank = rank == K
    name = f"{activation} (rank {rank} of {K})"
    kind = "full-rank" if full_rank else "rank-deficient"
    vs_lapack, vs_scipy = ours.ratio(bare_lapack), ours.ratio(bare_scipy)
    path_ratio = path.ratio(bare_lapack)
    rows = [
        [name, "lapack qr solve (geqrf+ormqr+trtrs, the floor)", bare_lapack.fmt(), "1.00"],
        [name, "scipy qr solve (scipy.linalg.qr economic + triangular solve)", bare_scipy.fmt(),
         bare_scipy.ratio(bare_lapack).fmt("×")],
        [name, "**uat lstsq_solve** (scaling, rank, trcon, residual)", ours.fmt(),
         f"**{vs_lapack.fmt('×')}** vs lapack, **{vs_scipy.fmt('×')}** vs scipy"],
        [name, f"uat.fit at width {K} (sampling, features, solve, training errors)", full_fit.fmt(),
         full_fit.ratio(bare_lapack).fmt("×")],
        [name, f"**uat lstsq_path, all widths 1..{K}**", path.fmt(), f"**{path_ratio.fmt('×')}** vs one QR"],
    ]
    note = "" if full_rank else f"rank {rank} of {K}: uat drops the dependent columns and factorises again"
    report.goal(f"lstsq.solve.{activation}", f"one least-squares fit, k = {K}, N = {N}, {activation} features "
                f"({kind}): uat lstsq_solve / bare LAPACK QR solve", vs_lapack, "×", "<=", 1.1, SOURCE, note)
    report.goal(f"lstsq.path.{activation}", f"all widths 1..{K} from one factorisation (lstsq_path), {activation} "
                f"features: time / one bare QR solve at {K}", path_ratio, "×", "<=", 3.0, SOURCE)
    report.goal(f"lstsq.solve_vs_scipy.{activation}", f"uat lstsq_solve / scipy.linalg.qr solve, {activation} "
                "features", vs_scipy, "×", source=SOURCE)
    report.goal(f"lstsq.fit.{activation}", f"uat.fit at width {K} (sampling, features, solve, errors) / bare LAPACK "
                f"QR solve, {activation} features", full_fit.ratio(bare_lapack), "×", source=SOURCE)
    if separate:
        rows.append([name, f"separate lstsq_solve for every width 1..{K} (once)", Stats((separate_seconds,)).fmt(),
                     f"{separate_seconds / bare_lapack.median:.0f}× one QR, {separate_seconds / path.median:.0f}× "
                     "the path"])
        report.goal(f"lstsq.separate.{activation}", f"separate fits for every width 1..{K} / lstsq_path, "
                    f"{activation} features (once; issue 2 measured ≈ 225×)", separate_seconds / path.median, "×",
                    source=SOURCE)
    report.data.setdefault("matrices", []).append({"activation": activation, "rank": int(rank), "N": N, "K": K})
    return rows


def main(argv=None):
    args = parser(__doc__, repeats=7).parse_args(argv)
    with quick_threads(args.quick):
        _main(args)


def _main(args):
    N, K = (256, 64) if args.quick else (4096, 1024)
    repeats = 2 if args.quick else args.repeats
    command = "python benchmarks/bench_lstsq.py" + (" --quick" if args.quick else
                                                    f" --repeats {repeats}" if repeats != 7 else "")
    report = Report("bench_lstsq.py", "Least squares on C: measured speed goals", command, args.quick)
    warnings.simplefilter("ignore", uat.IllConditionedWarning)  # tanh features are rank deficient; timing only
    rows = []
    for activation in ("relu", "tanh"):
        rows += measure(report, activation, N, K, repeats, separate=activation == "tanh")
    report.add(f"## Timings (N = {N}, K = {K}, {repeats} repeats, contenders alternating)", "",
               *table(["features", "what", "time", "ratio"], rows), "",
               "Goals (issue 2): one fit within 1.1× of a bare QR solve; all widths within 3× of one QR.")
    report.finish(args)


if __name__ == "__main__":
    main()
