"""Random-feature methods: A, b drawn at random and fixed, C solved by least squares or minimax.

Both fit on the samples stage's :class:`~uat.fitting.training.TrainingSet`; its options, shared by both
(declared in :data:`uat.fitting.training.DRAW_OPTIONS`; defaults in brackets), and why:

* ``n_samples`` [max(2048, 4·width)]: training points;
* ``sampling`` ['chebyshev' on boxes of dimension <= 3, 'sobol' otherwise]: how they are placed
  (:data:`uat.domains.SAMPLING_METHODS`). Measured on Franke's function at width 1024, the
  Chebyshev tensor grid gives a sup error of 8e-8 where Sobol' points give 2.5e-6 (their sparse
  boundary lets the error grow at the corners); in 1-D it ties with or beats the alternatives;
* ``scheme`` ['domain'], ``scale`` [σ's own ``draw_scale``], ``spread`` [0.5]: the draw of A, b
  (:func:`uat.fitting.draws.draw_features`);
* ``transitions`` [True]: in 1-D, add each unit's transition point −b_i/a_i inside K to the
  training points. For σ with kinks this is what makes least squares well posed: with every
  kink a sample point, g is linear between consecutive samples, whereas two kinks sharing a
  sample interval leave g undetermined there. Measured, ReLU on sin 2πx at width 512: on 768
  points, sup error 1.2e-2 without against 1.7e-4 with (training max errors 1.1e-4 and 1.5e-4); on
  the default 2048 the evenly spread kinks rarely share an interval (1.6e-4 without, 1.4e-4 with;
  with independent kinks it was 1.1e-2 against 1.3e-3). Harmless for smooth σ.

:func:`fit_widths` fits every width of a nested family from one QR factorisation.
"""

from __future__ import annotations

import time
from functools import partial

import numpy as np

from uat._threads import pinned_blas
from uat._validation import check_choice, check_int, check_real
from uat.fitting.base import (FitResult, Fitted, MemoryNeed, Method, Option, Problem, as_given, default_n_samples,
                              feature_memory, fit_problem, fit_result, fit_target, optional, register_method)
from uat.fitting.lstsq import SOLVERS, default_solver, lstsq_path, lstsq_solve
from uat.fitting.minimax import minimax_exchange, minimax_rcond
from uat.fitting.training import DRAW_OPTIONS, TrainingSet, check_set, training_set
from uat.network import ShallowNetwork, hidden_features

__all__ = ["fit_widths", "LSTSQ_OPTIONS", "MINIMAX_OPTIONS"]

_RCOND = optional(as_given(partial(check_real, minimum=0.0)))

#: The options of method 'lstsq': the draw's, then the solver's.
LSTSQ_OPTIONS = {
    **DRAW_OPTIONS,
    "solver": Option(None, "qr, svd or auto (default qr for smooth σ, auto for σ with kinks)",
                     optional(as_given(partial(check_choice, choices=SOLVERS)))),
    "ridge": Option(0.0, "Tikhonov λ on the column-scaled coefficients (default 0: none)",
                    as_given(partial(check_real, minimum=0.0))),
    "rcond": Option(None, "relative rank threshold (default max(N, k)·eps)", _RCOND),
}

#: The options of method 'minimax': the draw's, then the exchange's.
MINIMAX_OPTIONS = {
    **DRAW_OPTIONS,
    "n_check": Option(None, "points of the finer check set (default 8·n_samples)", optional(as_given(check_int))),
    "max_rounds": Option(8, "LP solves at most", as_given(check_int)),
    "tol": Option(1e-3, "stop when the check-set max is within tol of the LP level",
                  as_given(partial(check_real, minimum=0.0))),
    "rcond": Option(None, "cut-off of the LP's orthonormal basis (default max(N,k)·eps for σ with kinks, 4·eps "
                    "otherwise)", _RCOND),
}


def _draw_options(options: dict) -> dict:
    """The draw options among a method's resolved options."""
    return {name: options[name] for name in DRAW_OPTIONS}


def _fit_lstsq(problem: Problem, *, solver, ridge, rcond, **draw) -> Fitted:
    samples = training_set(problem, **draw)
    solver = default_solver(problem.activation, solver)
    Phi = hidden_features(samples.A, samples.b, problem.activation, samples.X, order="F")
    sol = lstsq_solve(Phi, samples.Y, solver=solver, ridge=ridge, rcond=rcond)
    network = ShallowNetwork(samples.A, samples.b, sol.C, problem.activation)
    diagnostics = {**samples.options, "rank": sol.rank, "cond": sol.cond, "solver": sol.solver, "ridge": ridge}
    return Fitted(network, samples.X, samples.Y, diagnostics)


def _fit_minimax(problem: Problem, *, n_check, max_rounds, tol, rcond, **draw) -> Fitted:
    samples = training_set(problem, **draw)
    X, Y, A, b = samples.X, samples.Y, samples.A, samples.b
    n_check = 8 * X.shape[0] if n_check is None else n_check
    act = problem.activation
    rcond = minimax_rcond(act, X.shape[0], problem.width) if rcond is None else rcond
    X_check = check_set(problem, n_check, A, b)
    sol = minimax_exchange(lambda Z: hidden_features(A, b, act, Z), X, Y, X_check, problem.target(X_check),
                           max_rounds=max_rounds, tol=tol, rcond=rcond)
    network = ShallowNetwork(A, b, sol.C, act)
    diagnostics = {**samples.options, "n_check": X_check.shape[0], "level": sol.level, "check_max": sol.max_error,
                   "rank": sol.rank, "n_active": sol.n_active, "rounds": sol.rounds, "converged": sol.converged}
    return Fitted(network, X, Y, diagnostics)


def _lstsq_memory(width: int, dim: int, n_outputs: int, options: dict) -> MemoryNeed:
    """Φ and the column-scaled copy that the QR factorises in place."""
    return feature_memory(width, dim, n_outputs, options, copies=2, why=": Φ and the copy QR factorises")


def _minimax_memory(width: int, dim: int, n_outputs: int, options: dict) -> MemoryNeed:
    """Φ on the training points and on the check set (n_check, default 8·n_samples): (1 + n_check/N) copies."""
    need = feature_memory(width, dim, n_outputs, options)
    N = default_n_samples(width) if options.get("n_samples") is None else options["n_samples"]
    n_check = 8 * N if options.get("n_check") is None else options["n_check"]
    extra = 8.0 * n_check * (width + dim + n_outputs)
    return MemoryNeed(need.nbytes + extra, need.what.replace(")", f", and on the {n_check} check points)"),
                      need.given)


register_method(Method.declare(
    "lstsq", _fit_lstsq,
    "random A, b; C by least squares on column-scaled features (Householder QR; SVD where needed)",
    LSTSQ_OPTIONS, draws_hidden=True, memory=_lstsq_memory,
))

register_method(Method.declare(
    "minimax", _fit_minimax,
    "random A, b; C minimising the max error by linear programming (HiGHS) with exchange on a finer set",
    MINIMAX_OPTIONS, draws_hidden=True, memory=_minimax_memory,
))


def fit_widths(target, domain=None, *, widths, activation="tanh", seed: int = 0, max_width: int | None = None,
               **options) -> dict[int, FitResult]:
    """Least-squares fits for every width in ``widths`` from one draw and one QR factorisation.

    The networks are nested: width k uses the first k units of one draw of width K, which are the
    units ``fit(..., width=k, seed=seed)`` draws. The training points are common to all widths:
    ``n_samples`` defaults to max(2048, 4·K) and, in 1-D, the transition points of all K units are
    included, so the fits agree with separate ``fit`` calls only when those agree.

    Parameters
    ----------
    target, domain, activation, seed
        As in :func:`uat.fit`.
    widths : iterable of int >= 1
    max_width : int, optional
        K, the width of the draw and of the training set's sizing; default max(widths). A study
        passes the largest width of its grid, so that fitting some widths later (on resume) gives
        the same networks as fitting all at once.
    **options
        Options of the ``lstsq`` method.

    Returns
    -------
    dict
        width -> :class:`FitResult`. ``fit_seconds`` is an equal share of the whole sweep (sampling,
        features, QR, every solve); ``diagnostics['sweep_seconds']`` is the whole.
    """
    the_target = fit_target(target, domain)
    widths, K = _check_widths(widths, max_width)
    problem, _, opts = fit_problem(the_target, widths[-1], activation, "lstsq", options, seed, draw_width=K)
    solver = default_solver(problem.activation, opts["solver"])
    with pinned_blas:
        start_time = time.perf_counter()
        samples = training_set(problem, **_draw_options(opts))
        path = _solve_path(samples, problem.activation, widths, solver, opts["ridge"], opts["rcond"])
        shared = time.perf_counter() - start_time
    return {k: _width_result(problem, samples, k, path[k], seed, {**samples.options, "solver": solver,
                                                                    "ridge": opts["ridge"], "rcond": opts["rcond"]},
                             shared, len(widths)) for k in widths}


def _check_widths(widths, max_width) -> tuple[list[int], int]:
    """The widths as a sorted list of distinct integers >= 1, and K, the draw's width (default their largest)."""
    widths = sorted({check_int("widths", k) for k in np.atleast_1d(np.asarray(widths, dtype=object)).tolist()})
    if not widths:
        raise ValueError("widths must contain at least one integer >= 1; got an empty sequence")
    K = widths[-1] if max_width is None else check_int("max_width", max_width)
    if K < widths[-1]:
        raise ValueError(f"max_width must be >= the largest width {widths[-1]}; got {K}")
    return widths, K


def _solve_path(samples: TrainingSet, act, widths, solver, ridge, rcond):
    """Least squares for every width on the leading units of the draw (features of the units used only)."""
    top = widths[-1]  # the draw and training set are those of width K
    Phi = hidden_features(samples.A[:top], samples.b[:top], act, samples.X, order="F")
    return lstsq_path(Phi, samples.Y, widths, solver=solver, ridge=ridge, rcond=rcond)


def _width_result(problem: Problem, samples: TrainingSet, k: int, sol, seed, options: dict, shared: float,
                  n_widths: int) -> FitResult:
    """The FitResult of width k of a sweep: the first k units, an equal share of the sweep's time."""
    network = ShallowNetwork(samples.A[:k], samples.b[:k], sol.C, problem.activation)
    diagnostics = {**samples.options, "rank": sol.rank, "cond": sol.cond, "solver": sol.solver,
                   "ridge": options["ridge"], "sweep_seconds": shared}
    return fit_result(network, problem, method="lstsq", width=k, seed=seed, options=dict(options), X=samples.X,
                      Y=samples.Y, fit_seconds=shared / n_widths, diagnostics=diagnostics)
