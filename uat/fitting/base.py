"""The fit entry point, its result, and the registry of fitting methods.

A method is a function ``fn(problem, **options) -> Fitted`` registered with the options it
accepts: each declared once (:class:`Option`: default, doc, check), from which
:meth:`Method.declare` makes ``Method.options``, ``option_docs`` and ``validate``. :func:`fit` (and
:func:`uat.fitting.fit_widths`) validates everything at one front door (:func:`fit_target`, then
:func:`fit_problem`: target, domain, width, activation, method, options, memory), derives the random
streams from the seed, times the method and measures the training error (:func:`fit_result`).

Random streams: ``SeedSequence(seed).spawn(2)`` gives one stream for the hidden layer (A, b) and
one for the sample points, so the same seed draws the same A, b whatever the sampling options,
and every method (least squares, minimax, backpropagation) starts from the same draw
(:mod:`uat.fitting.training`, the samples stage, states it with the nested draws).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from uat._registry import Registry
from uat._threads import pinned_blas
from uat._validation import check_int, suggest
from uat.activations import Activation, get_activation
from uat.errornorm import rms, row_norms
from uat.network import ShallowNetwork
from uat.targets import Target, as_target

__all__ = ["FitResult", "Method", "Option", "Problem", "Fitted", "MemoryNeed", "fit", "get_method", "list_methods",
           "register_method", "uses_activation", "available_memory", "feature_memory", "default_n_samples",
           "optional", "as_given", "fit_target", "fit_problem", "fit_result", "check_width",
           "with_deep_defaults", "deep_method_names"]


@dataclass(frozen=True)
class Problem:
    """What every method receives: the target on its domain, the width, σ and the two random streams.

    ``widths`` is None for a shallow fit (an int ``width``); for a deep fit (a list width, only methods with
    ``trains_deep``) it is the hidden widths (N_1, …, N_{L−1}) and ``width`` is the largest of them (that of
    the seed's draw and of the default n_samples)."""

    target: Target
    width: int
    activation: Activation
    draw_rng: np.random.Generator
    sample_rng: np.random.Generator
    widths: tuple[int, ...] | None = None


@dataclass(frozen=True, eq=False)
class Fitted:
    """What a method returns: the network, its training points and values, and diagnostics."""

    network: ShallowNetwork
    X: np.ndarray
    Y: np.ndarray
    diagnostics: dict = field(default_factory=dict)
    history: dict | None = None


@dataclass(frozen=True)
class Option:
    """One option of a method, declared once: its default, its one-line doc and its check.

    ``check(name, value)`` raises ValueError or TypeError (naming the option) for a bad value and
    returns the value to keep, e.g. ``check_int``'s int for 1000.0; None accepts any value.
    """

    default: object
    doc: str
    check: Callable[[str, object], object] | None = None


def optional(check: Callable[[str, object], object]) -> Callable[[str, object], object]:
    """``check`` that lets None through (None: the option's documented default applies)."""
    def checked(name, value):
        return None if value is None else check(name, value)
    return checked


def as_given(check: Callable[..., object]) -> Callable[[str, object], object]:
    """``check`` that only refuses: the value is kept as given, not in the form the check returns."""
    def checked(name, value):
        check(name, value)
        return value
    return checked


@dataclass(frozen=True)
class _Checks:
    """``Method.validate`` of declared options: each option's check in order (keeping what it returns),
    then ``after(options)`` for what concerns several options or none (an installed package)."""

    options: Mapping[str, Option]
    after: Callable[[dict], None] | None = None

    def __call__(self, values: dict) -> None:
        for name, option in self.options.items():
            if option.check is not None:
                values[name] = option.check(name, values[name])
        if self.after is not None:
            self.after(values)


@dataclass(frozen=True)
class Method:
    """A registered fitting method: ``fn(problem, **options) -> Fitted`` and its options with defaults.

    ``validate(options)``, if given, checks option values without doing any work (raising
    ValueError/TypeError), so that a bad value is refused before a fit or a study starts.
    ``draws_hidden`` is True for random-feature methods, whose A and b are drawn without looking
    at the target (the figures then show one draw for all targets). ``activations``, where given,
    are the only σ the method accepts (peers whose libraries lack the others); a study pairing the
    method with another is refused before any work. ``uses_activation`` is False for methods whose
    approximants have no σ (the polynomial baselines): a polynomial σ's plateau is not theirs, and
    charts name them without one. ``trains_deep`` is True for methods that train deep networks (a list
    width, :func:`check_width`: backprop only); ``deep_defaults`` are the option defaults a deep fit
    takes instead of ``options``' (where the option is not given): a dict, or a function of the options
    given that returns one.
    """

    name: str
    fn: Callable[..., Fitted]
    description: str
    options: dict[str, object]
    option_docs: dict[str, str] = field(default_factory=dict)
    validate: Callable[[dict], None] | None = None
    draws_hidden: bool = False
    activations: tuple[str, ...] | None = None
    memory: Callable[[int, int, int, dict], MemoryNeed] | None = None
    uses_activation: bool = True
    trains_deep: bool = False
    deep_defaults: dict[str, object] | Callable[[dict], dict[str, object]] = field(default_factory=dict)

    @classmethod
    def declare(cls, name: str, fn: Callable[..., Fitted], description: str, options: Mapping[str, Option], *,
                check: Callable[[dict], None] | None = None, **fields) -> Method:
        """The method whose options are each declared once (name -> :class:`Option`): ``options`` (the
        defaults), ``option_docs`` and ``validate`` (every option's check in order, then ``check(options)``)
        are made from them; ``fields`` are the other fields (``draws_hidden``, ``activations``, ...)."""
        return cls(name, fn, description, {key: option.default for key, option in options.items()},
                   {key: option.doc for key, option in options.items()}, _Checks(dict(options), check), **fields)

    def memory_need(self, width: int, dim: int, n_outputs: int, options: dict) -> MemoryNeed | None:
        """``memory(width, dim, n_outputs, options)``, the bytes a fit needs at least; for a method without
        one that samples ``n_samples`` training points, one feature matrix on them; else None (unknown)."""
        if self.memory is not None:
            return self.memory(width, dim, n_outputs, options)
        if "n_samples" in self.options:
            return feature_memory(width, dim, n_outputs, options)
        return None


@dataclass(frozen=True)
class MemoryNeed:
    """A lower estimate of the memory a fit needs: ``nbytes`` for ``what``, given ``given`` (the parameters)."""

    nbytes: float
    what: str
    given: str


def default_n_samples(width: int) -> int:
    """The training points a fit of this width samples by default: max(2048, 4·width)."""
    return max(2048, 4 * width)


def feature_memory(width: int, dim: int, n_outputs: int, options: dict, copies: int = 1,
                   why: str = "") -> MemoryNeed:
    """The (N, k) float64 feature matrix on the N training points, ``copies`` times, plus X (N, n) and Y (N, m):
    8·N·(copies·k + n + m) bytes, with N = n_samples (default max(2048, 4·width)), plus the k transition
    points in 1-D."""
    given = options.get("n_samples")
    N = default_n_samples(width) if given is None else given
    rows = N + (width if dim == 1 else 0)  # 1-D fits may add the units' transition points
    nbytes = 8.0 * rows * (copies * width + dim + n_outputs)
    count = {1: "", 2: ", twice"}.get(copies, f", {copies} times")
    shown = f"n_samples = {N}" + (" (the default, max(2048, 4·width))" if given is None else "")
    return MemoryNeed(nbytes, f"the feature matrix (n_samples × width float64{count}{why})",
                      f"width = {width} with {shown}")


def available_memory() -> float | None:
    """Bytes of memory this machine can give now: MemAvailable of /proc/meminfo (Linux), else the
    available physical pages; None where neither is known."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(method: Method, width: int, target: Target, options: dict) -> None:
    """Refuse, before any allocation, a fit whose memory need exceeds what the machine has available."""
    need = method.memory_need(width, target.dim, target.n_outputs or 1, options)
    if need is None:
        return
    available = available_memory()
    if available is not None and need.nbytes > available:
        raise ValueError(f"{need.given} needs about {need.nbytes:.2g} bytes for {need.what}; this machine has "
                         f"{available:.2g} available: lower width or n_samples")


def check_activation(method: Method, activation: str) -> None:
    """Refuse σ that ``method`` does not accept (its ``activations``), naming both."""
    if method.activations is not None and activation not in method.activations:
        accepted = ", ".join(f'"{a}"' for a in method.activations)
        raise ValueError(f"method {method.name!r} does not support activation {activation!r}; accepted: "
                         f"{', '.join(method.activations)}: pass activation={method.activations[0]!r} (in a study, "
                         f"[methods.{method.name}] activations = [{accepted}] crosses it with these only, each of "
                         "them in grid.activation)")


_METHODS: Registry[Method] = Registry("method")


def register_method(method: Method, *, overwrite: bool = False) -> Method:
    """Add a fitting method to the registry under ``method.name``."""
    if not isinstance(method, Method):
        raise TypeError(f"register_method takes a uat.fitting.Method; got {method!r}")
    return _METHODS.add(method.name, method, overwrite=overwrite)


def get_method(name: str) -> Method:
    """The registered method of that name."""
    return _METHODS.get(name)


def list_methods() -> list[str]:
    """Names of the registered fitting methods."""
    return _METHODS.names()


def uses_activation(name: str) -> bool:
    """Whether the method ``name``'s approximants use σ; True for a name not registered here (a store may
    name a method of a newer uat or of a peer that is not installed)."""
    return _METHODS.get(name).uses_activation if name in _METHODS else True


@dataclass(frozen=True, eq=False)
class FitResult:
    """The outcome of :func:`fit`.

    Attributes
    ----------
    network : ShallowNetwork or DeepNetwork
        The fitted g(x) = C σ(Ax + b); a :class:`~uat.deep.DeepNetwork` for a deep fit.
    target : Target
        f, with the domain K it was fitted on (``target.domain``).
    method, activation : str
    width : int, or tuple of int
        k; for a deep fit the tuple of hidden widths (N_1, …, N_{L−1}) as given (checked).
    seed : int
    options : dict
        Every option of the method, defaults filled in.
    train_rms, train_max : float
        sqrt(mean ‖f − g‖²) and max ‖f − g‖ over the training points.
    train_argmax : ndarray (n,)
        The training point where ``train_max`` is attained.
    n_samples : int
        Number of training points.
    fit_seconds : float
        Wall-clock time of the method (not of the training-error measurement).
    diagnostics : dict
        Method-specific facts (rank, condition, solver, LP rounds, optimizer status, ...).
    history : dict of ndarray, or None
        Iterative methods: the training curve, ``iteration``, ``loss`` and ``seconds`` (training
        time, checkpoints excluded) per update, and with ``checkpoint_every`` also
        ``checkpoint_iteration``, ``checkpoint_sup_error`` and ``checkpoint_seconds``. Backprop's
        ``resolve_c`` (and ``checkpoint_resolve_c``) marks the entry of variable projection's final
        least-squares C: no update, so it repeats the last iteration number. None for direct methods.

    Notes
    -----
    In a notebook a FitResult shows itself as HTML (``_repr_html_``): the facts above, its sup error as
    :meth:`sup_error` estimates it (value and point, the certified bracket [lower, upper] or why none was
    proved, how it was found), and in 1-D and 2-D a small figure of f, g and |f − g|. The sup error is
    computed at the first display (or the first ``sup_error()`` call) and cached, never again.
    """

    network: ShallowNetwork
    target: Target
    method: str
    activation: str
    width: int | tuple[int, ...]
    seed: int
    options: dict
    train_rms: float
    train_max: float
    train_argmax: np.ndarray
    n_samples: int
    fit_seconds: float
    diagnostics: dict
    history: dict | None = None
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def domain(self):
        return self.target.domain

    def sup_error(self, **kwargs):
        """:func:`uat.sup_error` of the fitted network on the target's domain, seeded with ``train_argmax``.

        Called without arguments (the default estimate, certified where the facts allow) it is computed once
        and cached: later calls, and the notebook display, return the same :class:`~uat.SupEstimate`. Any
        keyword argument (``certify=False``, ``n_points=...``) computes a fresh estimate and caches nothing."""
        from uat.supnorm import sup_error

        if not kwargs and "sup_error" in self._cache:
            return self._cache["sup_error"]
        cached = not kwargs
        kwargs.setdefault("points", self.train_argmax[None, :])
        start = time.perf_counter()
        estimate = sup_error(self.target, self.network, **kwargs)
        if cached:
            self._cache.update(sup_error=estimate, sup_seconds=time.perf_counter() - start)
        return estimate

    def _repr_html_(self) -> str:
        """The notebook display (see the class's Notes): the sup error of :meth:`sup_error` (computed at the
        first display, then cached), its bracket or why none was proved, and a small figure in 1-D and 2-D.
        The page is made once and cached too: the result is frozen."""
        from uat._html import fit_html
        from uat.certify import bracket_refusal

        if "html" not in self._cache:
            estimate = self.sup_error()
            why = "" if estimate.upper is not None else (estimate.facts.get("no_bracket")
                                                         or bracket_refusal(self.target, self.network))
            self._cache["html"] = fit_html(self, estimate, self._cache["sup_seconds"], why)
        return self._cache["html"]


def resolve_options(method: Method, options: dict) -> dict:
    """The method's options with defaults filled in and values checked; unknown names are refused
    with a suggestion."""
    unknown = [name for name in options if name not in method.options]
    if unknown:
        name = unknown[0]
        accepted = ", ".join(method.options) or "none"
        raise TypeError(f"unknown option {name!r} for method {method.name!r}{suggest(name, method.options)}; "
                        f"accepted: {accepted}")
    resolved = {**method.options, **options}
    if method.validate is not None:
        method.validate(resolved)
    return resolved


def streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """The (hidden layer, sample points) random streams of a seed."""
    draw, sample = np.random.SeedSequence(check_int("seed", seed, minimum=0)).spawn(2)
    return np.random.default_rng(draw), np.random.default_rng(sample)


def training_errors(network: ShallowNetwork, X: np.ndarray, Y: np.ndarray) -> tuple[float, float, np.ndarray]:
    """(RMS, max, argmax) of ‖f − g‖₂ over the training points, without overflow (an error near 1e200
    is its value); a g or an error that is not finite in float64 is refused, never reported."""
    G = network(X)
    bad = ~np.all(np.isfinite(G), axis=1)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"the fitted approximant is not finite at the training point x = {X[i].tolist()} (the fit "
                         f"overflowed float64; the target's values reach {float(np.max(np.abs(Y))):.3g}): rescale "
                         "the target")
    with np.errstate(over="ignore"):
        norms = row_norms(G - Y)
    if not np.all(np.isfinite(norms)):
        i = int(np.argmax(~np.isfinite(norms)))
        raise ValueError(f"the training error f − g overflows float64 at x = {X[i].tolist()} (f and g are finite "
                         "there, their difference is not): rescale the target")
    i = int(np.argmax(norms))
    return float(rms(norms)), float(norms[i]), X[i].copy()


def fit(target, domain=None, *, width: int, activation: str | Activation = "tanh", method: str = "lstsq",
        seed: int = 0, **options) -> FitResult:
    """Fit g(x) = C σ(Ax + b) of the given width to a continuous target on a compact domain.

    Parameters
    ----------
    target : str, Target or callable
        A library name (``uat list targets``), an expression such as ``"sin(2*pi*x) + abs(x)"``,
        a :class:`~uat.targets.Target`, or a callable mapping (N, n) arrays to (N,) or (N, m).
    domain : Box, Ball or str, optional
        K, e.g. ``"[-1,1]x[0,2]"``; required for expressions and callables.
    width : int >= 1, or a list of them
        k, the number of hidden units; a list [N_1, …, N_{L−1}] gives a deep network of those hidden
        widths (depth L = len + 1, a :class:`~uat.deep.DeepNetwork`), with methods that train deep
        networks only (backprop).
    activation : str or Activation
        σ (``uat list activations``).
    method : str
        A registered method (``uat list methods``): ``"lstsq"``, ``"minimax"``, ...
    seed : int >= 0
        Seeds every random draw (hidden layer and sample points, on separate streams).
    **options
        Options of the method (see ``uat.fitting.get_method(name).options``).

    Returns
    -------
    FitResult

    Examples
    --------
    >>> result = fit("runge", width=64)
    >>> result.network.width, result.train_max < 1e-4
    (64, True)
    """
    the_target = fit_target(target, domain)
    width = check_width(width)
    problem, the_method, resolved = fit_problem(the_target, width, activation, method, options, seed)
    with pinned_blas:
        start_time = time.perf_counter()
        fitted = the_method.fn(problem, **resolved)
        seconds = time.perf_counter() - start_time
        return fit_result(fitted.network, problem, method=the_method.name, width=width, seed=seed, options=resolved,
                          X=fitted.X, Y=fitted.Y, fit_seconds=seconds, diagnostics=fitted.diagnostics,
                          history=fitted.history)


def fit_target(target, domain=None) -> Target:
    """The front door's first step: ``target`` (and ``domain``) as a :class:`~uat.targets.Target` with a domain."""
    the_target = as_target(target, domain)
    if the_target.domain is None:
        raise ValueError(f"target {the_target.name!r} has no domain; pass domain=, e.g. domain='[-1,1]'")
    return the_target


def with_deep_defaults(method: Method, options: dict) -> dict:
    """``options`` over ``method``'s ``deep_defaults`` (a dict, or a function of the options given), the options
    a deep fit (a list width) runs with before the method's own defaults fill the rest."""
    defaults = method.deep_defaults
    return {**(defaults(options) if callable(defaults) else defaults), **options}


def fit_problem(target: Target, width, activation, method: str, options: dict, seed: int, *,
                draw_width: int | None = None) -> tuple[Problem, Method, dict]:
    """The rest of the front door, after :func:`fit_target` and the width's check (:func:`check_width`): σ,
    the method (and σ's fitness for it; a list width only for a method that ``trains_deep``, whose
    ``deep_defaults`` then apply), its options (defaults filled in, checked), the memory a fit of ``width``
    needs, and the seed's streams. ``draw_width`` (default ``width``; a deep fit's largest hidden width) is
    the problem's width, that of the draw and of the default n_samples (``fit_widths`` draws K units for all
    its widths). Returns (problem, method, options)."""
    act = get_activation(activation)
    the_method = get_method(method)
    check_activation(the_method, act.name)
    widths = tuple(width) if isinstance(width, tuple) else None
    if widths is not None:
        check_deep(the_method, widths)
        options = with_deep_defaults(the_method, options)
        width, draw_width = sum(widths), max(widths)  # the memory of every layer's activations; the draw's width
    resolved = resolve_options(the_method, options)
    draw_width = width if draw_width is None else draw_width
    sized = resolved
    if "n_samples" in resolved and resolved["n_samples"] is None and draw_width != width:
        sized = {**resolved, "n_samples": default_n_samples(draw_width)}  # sized by the draw's width
    try:
        check_memory(the_method, width, target, sized)
    except ValueError as err:
        if widths is None:
            raise
        shown = list(widths) if len(widths) <= 6 else f"[{', '.join(map(str, widths[:3]))}, …, {widths[-1]}]"
        raise ValueError(f"width={shown}: {len(widths)} hidden layers of {width} units in all, every layer's "
                         f"activations kept for backpropagation: {err}") from None
    draw_rng, sample_rng = streams(seed)
    return Problem(target, draw_width, act, draw_rng, sample_rng, widths), the_method, resolved


def check_width(width) -> int | tuple[int, ...]:
    """``width`` checked: an int >= 1 (a shallow network's k), or a non-empty list or tuple of them, the
    hidden widths (N_1, …, N_{L−1}) of a deep network (a 1-D array too), returned as a tuple."""
    if isinstance(width, np.ndarray) and width.ndim == 1:
        width = width.tolist()
    if not isinstance(width, (list, tuple)):
        return check_int("width", width)
    accepted = "width must be an integer >= 1 or a non-empty list of them (the hidden widths of a deep network)"
    if len(width) == 0:
        raise ValueError(f"{accepted}; got an empty list")
    checked = []
    for value in width:
        try:
            checked.append(check_int("width", value))
        except (TypeError, ValueError):
            raise ValueError(f"{accepted}; got {list(width)!r}, whose entry {value!r} is not an integer >= 1") \
                from None
    return tuple(checked)


def deep_method_names() -> list[str]:
    """The registered methods that train deep networks (``trains_deep``), in order of registration."""
    return [name for name in list_methods() if get_method(name).trains_deep]


def check_deep(method: Method, widths: tuple[int, ...]) -> None:
    """Refuse a deep width for a method that does not train deep networks, before any work."""
    if not method.trains_deep:
        deep = ", ".join(deep_method_names()) or "none"
        raise ValueError(f"method {method.name!r} fits shallow networks only, and width={list(widths)!r} asks for "
                         f"a deep one: only {deep} trains deep networks; pass method='backprop' or an int width")


def fit_result(network: ShallowNetwork, problem: Problem, *, method: str, width: int, seed: int, options: dict,
               X: np.ndarray, Y: np.ndarray, fit_seconds: float, diagnostics: dict,
               history: dict | None = None) -> FitResult:
    """The :class:`FitResult` of ``network`` (of ``width``) fitted to ``problem``'s target on the training points
    X (N, n) with values Y (N, m): its training errors measured (:func:`training_errors`), the rest as given."""
    rms, worst, where = training_errors(network, X, Y)
    return FitResult(network=network, target=problem.target, method=method, activation=problem.activation.name,
                     width=width, seed=int(seed), options=options, train_rms=rms, train_max=worst,
                     train_argmax=where, n_samples=X.shape[0], fit_seconds=fit_seconds,
                     diagnostics=dict(diagnostics), history=history)
