"""The samples stage, between the target and the method: training points, their values and a hidden layer.

    target f on K ──training_set(problem, **options)──► TrainingSet(X, Y = f(X), A, b) ──► method

Every method that samples its training points takes them from :func:`training_set`: least squares
and minimax fit C on its A, b; backprop starts from them (``init='draw'``); the peers take only its
points. So one seed gives every method the same points and the same hidden layer.

Random streams: ``problem.draw_rng`` draws A, b and ``problem.sample_rng`` places the points; they
are two children of ``SeedSequence(seed)`` (:func:`uat.fitting.base.streams`). The same seed
therefore draws the same A, b whatever the sampling options, and the same points whatever the draw
options; anything drawn later (a minimax check set, a peer's seed, an initialisation) comes after
this stage on one of the two streams, so it too is a fixed function of the seed.

Nested draws (an invariant): the first k units of a draw of width K equal the draw of width k with
the same seed (:mod:`uat.fitting.draws`), so ``fit(width=k)``'s A, b are a prefix of
``fit(width=K)``'s and one factorisation serves every width (:func:`uat.fitting.fit_widths`). The
points are not nested: n_samples defaults to max(2048, 4·width), and in 1-D the transition points of
all the units join them.

The draw options are declared once, in :data:`DRAW_OPTIONS`, with their defaults, docs and checks;
the methods that draw share them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from uat._validation import check_choice, check_int, check_real, read_only, suggest
from uat.domains import SAMPLING_METHODS, Box
from uat.fitting.base import Option, Problem, as_given, default_n_samples, optional
from uat.fitting.draws import SCHEMES, draw_features
from uat.network import interior_transitions

__all__ = ["TrainingSet", "training_set", "trained_set", "DRAW_OPTIONS", "default_sampling", "trained_sampling", "check_set",
           "check_bool"]


def check_bool(name: str, value) -> bool:
    """Return ``value`` if it is true or false (a Python or numpy bool), else raise a TypeError."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be true or false; got {value!r}")
    return value


#: The options of the samples stage, shared by every method that draws (lstsq, minimax, backprop; the
#: peers take n_samples and sampling): name -> Option(default, doc, check).
DRAW_OPTIONS = {
    "n_samples": Option(None, "training points (default max(2048, 4·width))", optional(check_int)),
    "sampling": Option(None, "placement of the training points: " + ", ".join(SAMPLING_METHODS)
                       + " (default chebyshev on boxes of dimension <= 3, sobol otherwise)",
                       optional(as_given(partial(check_choice, choices=SAMPLING_METHODS)))),
    "scheme": Option("domain", "draw of A, b: domain (transitions through points of K, spread evenly in 1-D, "
                     "uniform random in n-D) or gaussian", as_given(partial(check_choice, choices=SCHEMES))),
    "scale": Option(None, "slope scale of the draw (default: the activation's draw_scale)",
                    optional(as_given(partial(check_real, positive=True)))),
    "spread": Option(0.5, "unit i's slope range grows as spread·(i+1)^(1/n) (scheme 'domain')",
                     as_given(partial(check_real, minimum=0.0))),
    "transitions": Option(True, "1-D: add the units' transition points -b/a inside K to the training points",
                          check_bool),
}


@dataclass(frozen=True, eq=False)
class TrainingSet:
    """The samples stage's output: training points, their values and one random hidden layer.

    Attributes
    ----------
    X : ndarray (N, n), read-only
        The training points.
    Y : ndarray (N, m), read-only
        f(X).
    A : ndarray (k, n), read-only
    b : ndarray (k,), read-only
        The hidden layer drawn for the problem's width (its first units are a narrower draw's).
    options : dict
        The draw options as resolved: ``n_samples`` (N, transition points included), ``sampling``,
        ``scheme``, ``scale``, ``spread``, ``transitions`` (whether transition points were added).
    """

    X: np.ndarray
    Y: np.ndarray
    A: np.ndarray
    b: np.ndarray
    options: dict

    def __post_init__(self):
        for name in ("X", "Y", "A", "b"):
            object.__setattr__(self, name, read_only(np.asarray(getattr(self, name))))

    @property
    def n_samples(self) -> int:
        """N, the number of training points."""
        return self.X.shape[0]


def default_sampling(domain) -> str:
    """Where random-feature fits put their training points by default: Chebyshev points on boxes up to
    dimension 3, Sobol' points otherwise (random_features' docstring says why)."""
    return "chebyshev" if isinstance(domain, Box) and domain.dim <= 3 else "sobol"


def trained_sampling(domain) -> str:
    """Where trained networks (backprop, and the peers on the same points) put their training points
    by default: an equispaced grid on boxes up to dimension 3 (measured better than Chebyshev for
    trained networks; backprop's docstring), Sobol' points otherwise."""
    return "grid" if isinstance(domain, Box) and domain.dim <= 3 else "sobol"


def trained_set(problem: Problem, **options) -> TrainingSet:
    """:func:`training_set` for networks whose every weight is trained (backprop, and the peers on the same
    points): sampling defaults to :func:`trained_sampling`, and transition points are off unless asked for
    (trained units move, so their initial kinks are not special)."""
    if options.get("sampling") is None:
        options["sampling"] = trained_sampling(problem.target.domain)
    options.setdefault("transitions", False)
    return training_set(problem, **options)


def _transition_points(domain, A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1-D: the units' transition points inside the interval, as an (r, 1) array."""
    return interior_transitions(A, b, domain.lower[0], domain.upper[0])[:, None]


def _resolve(options: dict) -> dict:
    """The draw options with their defaults filled in and checked; unknown names refused."""
    unknown = [name for name in options if name not in DRAW_OPTIONS]
    if unknown:
        raise TypeError(f"unknown draw option {unknown[0]!r}{suggest(unknown[0], DRAW_OPTIONS)}; accepted: "
                        + ", ".join(DRAW_OPTIONS))
    resolved = {name: option.default for name, option in DRAW_OPTIONS.items()} | options
    return {name: DRAW_OPTIONS[name].check(name, value) for name, value in resolved.items()}


def training_set(problem: Problem, **options) -> TrainingSet:
    """Training points X, values Y = f(X), and a hidden layer A, b of ``problem.width`` units.

    Parameters
    ----------
    problem : Problem
        The target on its domain K, the width, σ and the two random streams.
    **options
        The draw options of :data:`DRAW_OPTIONS` (``n_samples``, ``sampling``, ``scheme``, ``scale``,
        ``spread``, ``transitions``); each one not given takes its default.

    Returns
    -------
    TrainingSet
        A, b from ``problem.draw_rng`` (:func:`uat.fitting.draws.draw_features`), then N points of K from
        ``problem.sample_rng``, in 1-D joined by the units' transition points inside K.
    """
    opts = _resolve(options)
    domain = problem.target.domain
    n_samples = default_n_samples(problem.width) if opts["n_samples"] is None else opts["n_samples"]
    sampling = default_sampling(domain) if opts["sampling"] is None else opts["sampling"]
    scale = problem.activation.draw_scale if opts["scale"] is None else opts["scale"]
    A, b = draw_features(domain, problem.width, rng=problem.draw_rng, scheme=opts["scheme"], scale=scale,
                         spread=opts["spread"])
    X = domain.sample(n_samples, sampling, rng=problem.sample_rng)
    transitions = bool(opts["transitions"] and isinstance(domain, Box) and domain.dim == 1)
    if transitions:
        X = np.vstack([X, _transition_points(domain, A, b)])
    Y = problem.target(X)
    resolved = {"n_samples": X.shape[0], "sampling": sampling, "scheme": opts["scheme"], "scale": scale,
                "spread": opts["spread"], "transitions": transitions}
    return TrainingSet(X, Y, A, b, resolved)


def check_set(problem: Problem, n_check: int, A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The finer check set of a minimax exchange for the hidden layer A, b: in 1-D an n_check-point grid with
    the units' transition points, else n_check Sobol' points from ``problem.sample_rng`` (after the training
    points). Shape (n_check [+ r], n)."""
    domain = problem.target.domain
    if isinstance(domain, Box) and domain.dim == 1:
        grid = np.linspace(domain.lower[0], domain.upper[0], n_check)[:, None]
        return np.vstack([grid, _transition_points(domain, A, b)])
    return domain.sample(n_check, "sobol", rng=problem.sample_rng)
