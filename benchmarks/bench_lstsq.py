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
uat fits with (numpy's BLAS pool single-threaded, scipy's LAPACK on every core; see
uat/_threads.py), so that no pool's spinning threads favour one contender.

Usage: python benchmarks/bench_lstsq.py [--quick] [--repeats R] [--out FILE]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
import warnings

import numpy as np
import scipy
import scipy.linalg
from scipy.linalg import lapack
from threadpoolctl import threadpool_info

import uat
from uat._threads import single_numpy_blas
from uat.activations import get_activation
from uat.fitting import draw_features, lstsq_path, lstsq_solve
from uat.network import hidden_features, interior_transitions


def timed(fns, repeats):
    """(median, min, max) seconds of each function, run alternately ``repeats`` times."""
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, record in zip(fns, times):
            start = time.perf_counter()
            fn()
            record.append(time.perf_counter() - start)
    return [(statistics.median(t), min(t), max(t)) for t in times]


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


def fmt(t):
    median, lo, hi = t
    return f"{median * 1e3:.1f} ms [{lo * 1e3:.1f}-{hi * 1e3:.1f}]"


def measure(activation, N, K, repeats, separate):
    """Table rows for one feature matrix: bare solves, uat's solve and fit, the path (and separate fits)."""
    Phi, Y = features(N, K, activation)
    y = np.asfortranarray(Y)
    rank = lstsq_solve(Phi, Y, warn=False).rank
    with single_numpy_blas():
        bare_lapack, bare_scipy, ours, full_fit, path = timed([
            lambda: lapack_qr_solve(Phi, y.copy(order="F")),
            lambda: scipy_qr_solve(Phi, Y),
            lambda: lstsq_solve(Phi, Y, solver="qr"),
            lambda: uat.fit("runge", width=K, n_samples=N - K, activation=activation),
            lambda: lstsq_path(Phi, Y),
        ], repeats)
        if separate:
            start = time.perf_counter()
            for k in range(1, K + 1):
                lstsq_solve(Phi[:, :k], Y, solver="qr", warn=False)
            separate_seconds = time.perf_counter() - start
    name = f"{activation} (rank {rank} of {K})"
    rows = [
        f"| {name} | lapack qr solve (geqrf+ormqr+trtrs, the floor) | {fmt(bare_lapack)} | 1.00 |",
        f"| {name} | scipy qr solve (scipy.linalg.qr economic + triangular solve) | {fmt(bare_scipy)} | "
        f"{bare_scipy[0] / bare_lapack[0]:.2f} |",
        f"| {name} | **uat lstsq_solve** (scaling, rank, trcon, residual) | {fmt(ours)} | "
        f"**{ours[0] / bare_lapack[0]:.2f}** vs lapack, **{ours[0] / bare_scipy[0]:.2f}** vs scipy |",
        f"| {name} | uat.fit at width {K} (sampling, features, solve, training errors) | {fmt(full_fit)} | "
        f"{full_fit[0] / bare_lapack[0]:.2f} |",
        f"| {name} | **uat lstsq_path, all widths 1..{K}** | {fmt(path)} | **{path[0] / bare_lapack[0]:.2f}** vs one QR |",
    ]
    if separate:
        rows.append(f"| {name} | separate lstsq_solve for every width 1..{K} (once) | {separate_seconds * 1e3:.0f} ms | "
                    f"{separate_seconds / bare_lapack[0]:.0f} vs one QR, {separate_seconds / path[0]:.0f}x the path |")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test), not a measurement")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--out", default=None, help="also write the Markdown report to this file")
    args = parser.parse_args(argv)
    N, K = (256, 64) if args.quick else (4096, 1024)
    repeats = 2 if args.quick else args.repeats
    warnings.simplefilter("ignore", uat.IllConditionedWarning)  # tanh features are rank deficient; timing only
    lines = [
        "# Least squares on C: measured speed goals",
        "",
        f"Command: `python benchmarks/bench_lstsq.py{' --quick' if args.quick else ''}` "
        f"(N = {N}, K = {K}, {repeats} repeats; median [min-max], wall clock)",
        "",
        "| features | what | time | ratio |",
        "| --- | --- | --- | --- |",
    ]
    for activation in ("relu", "tanh"):
        lines += measure(activation, N, K, repeats, separate=activation == "tanh")
    lines += [
        "",
        "Goals: one fit within 1.1x of a bare QR solve; all widths within 3x of one QR.",
        "",
        f"Machine: {platform.machine()}, {platform.processor() or 'unknown cpu'}, "
        f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, uat {uat.__version__}",
        "BLAS: " + "; ".join(f"{p['internal_api']} {p['version']} ({p['filepath'].split('/')[-1]}, "
                             f"{p['num_threads']} threads)" for p in threadpool_info() if p["user_api"] == "blas"),
    ]
    report = "\n".join(lines) + "\n"
    sys.stdout.write(report)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(report)


if __name__ == "__main__":
    main()
