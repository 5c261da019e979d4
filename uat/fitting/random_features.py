"""Random-feature methods: A, b drawn at random and fixed, C solved by least squares or minimax.

Options shared by both (defaults in brackets):

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

import numpy as np

from uat._threads import pinned_blas
from uat._validation import check_choice, check_int, check_real
from uat.domains import SAMPLING_METHODS, Box
from uat.fitting.base import (FitResult, Fitted, MemoryNeed, Method, Problem, check_memory, feature_memory,
                              get_method, register_method, resolve_options, streams, training_errors)
from uat.fitting.draws import SCHEMES, draw_features
from uat.fitting.lstsq import SOLVERS, lstsq_path, lstsq_solve
from uat.fitting.minimax import minimax_exchange
from uat.network import ShallowNetwork, hidden_features, interior_transitions
from uat.activations import get_activation
from uat.targets import as_target

__all__ = ["fit_widths"]

_DRAW_OPTIONS = {"n_samples": None, "sampling": None, "scheme": "domain", "scale": None, "spread": 0.5,
                 "transitions": True}
_DRAW_DOCS = {
    "n_samples": "training points (default max(2048, 4·width))",
    "sampling": "placement of the training points: " + ", ".join(SAMPLING_METHODS)
                + " (default chebyshev on boxes of dimension <= 3, sobol otherwise)",
    "scheme": "draw of A, b: domain (transitions through points of K, spread evenly in 1-D, uniform random in "
              "n-D) or gaussian",
    "scale": "slope scale of the draw (default: the activation's draw_scale)",
    "spread": "unit i's slope range grows as spread·(i+1)^(1/n) (scheme 'domain')",
    "transitions": "1-D: add the units' transition points -b/a inside K to the training points",
}


def _transition_points(domain, A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1-D: the units' transition points inside the interval, as an (r, 1) array."""
    return interior_transitions(A, b, domain.lower[0], domain.upper[0])[:, None]


def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be true or false; got {value!r}")


def _check_draw_options(options: dict) -> None:
    """Check the draw and sampling options (shared by lstsq and minimax) without drawing anything."""
    if options["n_samples"] is not None:
        options["n_samples"] = check_int("n_samples", options["n_samples"])
    if options["sampling"] is not None:
        check_choice("sampling", options["sampling"], SAMPLING_METHODS)
    check_choice("scheme", options["scheme"], SCHEMES)
    if options["scale"] is not None:
        check_real("scale", options["scale"], positive=True)
    check_real("spread", options["spread"], minimum=0.0)
    _check_bool("transitions", options["transitions"])


def _check_lstsq_options(options: dict) -> None:
    _check_draw_options(options)
    if options["solver"] is not None:
        check_choice("solver", options["solver"], SOLVERS)
    check_real("ridge", options["ridge"], minimum=0.0)
    if options["rcond"] is not None:
        check_real("rcond", options["rcond"], minimum=0.0)


def _check_minimax_options(options: dict) -> None:
    _check_draw_options(options)
    if options["n_check"] is not None:
        check_int("n_check", options["n_check"])
    check_int("max_rounds", options["max_rounds"])
    check_real("tol", options["tol"], minimum=0.0)
    if options["rcond"] is not None:
        check_real("rcond", options["rcond"], minimum=0.0)


def _draw(problem: Problem, width: int, n_samples, sampling, scheme, scale, spread, transitions):
    """Training points X, values Y, and a hidden layer A, b of the given width; plus the resolved options."""
    domain = problem.target.domain
    n_samples = max(2048, 4 * width) if n_samples is None else n_samples
    if sampling is None:
        sampling = "chebyshev" if isinstance(domain, Box) and domain.dim <= 3 else "sobol"
    scale = problem.activation.draw_scale if scale is None else scale
    A, b = draw_features(domain, width, rng=problem.draw_rng, scheme=scheme, scale=scale, spread=spread)
    X = domain.sample(n_samples, sampling, rng=problem.sample_rng)
    one_d = isinstance(domain, Box) and domain.dim == 1
    if transitions and one_d:
        X = np.vstack([X, _transition_points(domain, A, b)])
    Y = problem.target(X)
    resolved = {"n_samples": X.shape[0], "sampling": sampling, "scheme": scheme, "scale": scale, "spread": spread,
                "transitions": bool(transitions and one_d)}
    return X, Y, A, b, resolved


def _default_solver(activation, solver):
    if solver is None:
        return "auto" if (activation.kinks or not activation.continuous) else "qr"
    return solver


def _fit_lstsq(problem: Problem, *, solver=None, ridge=0.0, rcond=None, **draw) -> Fitted:
    X, Y, A, b, resolved = _draw(problem, problem.width, **draw)
    solver = _default_solver(problem.activation, solver)
    sol = lstsq_solve(hidden_features(A, b, problem.activation, X, order="F"), Y, solver=solver, ridge=ridge, rcond=rcond)
    network = ShallowNetwork(A, b, sol.C, problem.activation)
    diagnostics = {**resolved, "rank": sol.rank, "cond": sol.cond, "solver": sol.solver, "ridge": ridge}
    return Fitted(network, X, Y, diagnostics)


def _check_set(problem: Problem, n_check: int, A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The finer check set of the minimax exchange: a grid (1-D, with the units' transition points) or Sobol'."""
    domain = problem.target.domain
    if isinstance(domain, Box) and domain.dim == 1:
        grid = np.linspace(domain.lower[0], domain.upper[0], n_check)[:, None]
        return np.vstack([grid, _transition_points(domain, A, b)])
    return domain.sample(n_check, "sobol", rng=problem.sample_rng)


def _minimax_rcond(activation, n_samples: int, width: int) -> float:
    """The LP basis cut-off: as in least squares, truncate for σ with kinks, keep every direction for smooth σ."""
    return np.finfo(float).eps * max(n_samples, width) if activation.kinks else 4 * np.finfo(float).eps


def _fit_minimax(problem: Problem, *, n_check=None, max_rounds=8, tol=1e-3, rcond=None, **draw) -> Fitted:
    X, Y, A, b, resolved = _draw(problem, problem.width, **draw)
    n_check = 8 * X.shape[0] if n_check is None else n_check
    act = problem.activation
    rcond = _minimax_rcond(act, X.shape[0], problem.width) if rcond is None else rcond
    X_check = _check_set(problem, n_check, A, b)
    sol = minimax_exchange(lambda Z: hidden_features(A, b, act, Z), X, Y, X_check, problem.target(X_check),
                           max_rounds=max_rounds, tol=tol, rcond=rcond)
    network = ShallowNetwork(A, b, sol.C, act)
    diagnostics = {**resolved, "n_check": X_check.shape[0], "level": sol.level, "check_max": sol.max_error,
                   "rank": sol.rank, "n_active": sol.n_active, "rounds": sol.rounds, "converged": sol.converged}
    return Fitted(network, X, Y, diagnostics)


def _lstsq_memory(width: int, dim: int, n_outputs: int, options: dict) -> MemoryNeed:
    """Φ and the column-scaled copy that the QR factorises in place."""
    return feature_memory(width, dim, n_outputs, options, copies=2, why=": Φ and the copy QR factorises")


def _minimax_memory(width: int, dim: int, n_outputs: int, options: dict) -> MemoryNeed:
    """Φ on the training points and on the check set (n_check, default 8·n_samples): (1 + n_check/N) copies."""
    need = feature_memory(width, dim, n_outputs, options)
    N = max(2048, 4 * width) if options.get("n_samples") is None else options["n_samples"]
    n_check = 8 * N if options.get("n_check") is None else options["n_check"]
    extra = 8.0 * n_check * (width + dim + n_outputs)
    return MemoryNeed(need.nbytes + extra, need.what.replace(")", f", and on the {n_check} check points)"),
                      need.given)


register_method(Method(
    "lstsq", _fit_lstsq,
    "random A, b; C by least squares on column-scaled features (Householder QR; SVD where needed)",
    {**_DRAW_OPTIONS, "solver": None, "ridge": 0.0, "rcond": None},
    {**_DRAW_DOCS, "solver": "qr, svd or auto (default qr for smooth σ, auto for σ with kinks)",
     "ridge": "Tikhonov λ on the column-scaled coefficients (default 0: none)",
     "rcond": "relative rank threshold (default max(N, k)·eps)"},
    _check_lstsq_options, draws_hidden=True, memory=_lstsq_memory,
))

register_method(Method(
    "minimax", _fit_minimax,
    "random A, b; C minimising the max error by linear programming (HiGHS) with exchange on a finer set",
    {**_DRAW_OPTIONS, "n_check": None, "max_rounds": 8, "tol": 1e-3, "rcond": None},
    {**_DRAW_DOCS, "n_check": "points of the finer check set (default 8·n_samples)",
     "max_rounds": "LP solves at most", "tol": "stop when the check-set max is within tol of the LP level",
     "rcond": "cut-off of the LP's orthonormal basis (default max(N,k)·eps for σ with kinks, 4·eps otherwise)"},
    _check_minimax_options, draws_hidden=True, memory=_minimax_memory,
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
    the_target = as_target(target, domain)
    act = get_activation(activation)
    widths = sorted({check_int("widths", k) for k in np.atleast_1d(np.asarray(widths, dtype=object)).tolist()})
    if not widths:
        raise ValueError("widths must contain at least one integer >= 1; got an empty sequence")
    K = widths[-1] if max_width is None else check_int("max_width", max_width)
    if K < widths[-1]:
        raise ValueError(f"max_width must be >= the largest width {widths[-1]}; got {K}")
    opts = resolve_options(get_method("lstsq"), options)
    n_samples = max(2048, 4 * K) if opts["n_samples"] is None else opts["n_samples"]  # sized by the draw's width
    check_memory(get_method("lstsq"), widths[-1], the_target, {**opts, "n_samples": n_samples})
    solver, ridge, rcond = _default_solver(act, opts.pop("solver")), opts.pop("ridge"), opts.pop("rcond")
    draw_rng, sample_rng = streams(seed)
    problem = Problem(the_target, K, act, draw_rng, sample_rng)
    with pinned_blas:
        start = time.perf_counter()
        X, Y, A, b, resolved = _draw(problem, K, **opts)
        top = widths[-1]  # features of the units used; the draw and training set are those of width K
        path = lstsq_path(hidden_features(A[:top], b[:top], act, X, order="F"), Y, widths, solver=solver,
                          ridge=ridge, rcond=rcond)
        shared = time.perf_counter() - start
    results = {}
    for k in widths:
        sol = path[k]
        network = ShallowNetwork(A[:k], b[:k], sol.C, act)
        rms, worst, where = training_errors(network, X, Y)
        diagnostics = {**resolved, "rank": sol.rank, "cond": sol.cond, "solver": sol.solver, "ridge": ridge,
                       "sweep_seconds": shared}
        options_k = {**resolved, "solver": solver, "ridge": ridge, "rcond": rcond}
        results[k] = FitResult(network, the_target, "lstsq", act.name, k, int(seed), options_k, rms, worst, where,
                               X.shape[0], shared / len(widths), diagnostics)
    return results
