"""What the explorer fits and shows, as plain functions of a :class:`State` (no web code here).

The page (:mod:`uat.explore.app`) is a thin layer over these: it turns its widgets into a
:class:`State`, calls :func:`compute` (and :func:`curve_point` for the error-against-width curve) and
draws the :class:`View` it gets back. The tests call the same functions without a browser.

A state is the whole of what is on the page, and it round-trips through a URL query string
(:meth:`State.to_query`, :meth:`State.from_query`): a teacher can hand out a link to a prepared view.
Hand edits of units ("drag a, b and c", then "Refit C") are a sequence of operations applied to the
fitted network in order, so they are part of the state too (``ops``).

Every number shown is measured by the library's own functions on the network shown: the sup error is
:meth:`uat.FitResult.sup_error` of the fit (the same call, so the same value, as
``uat.fit(...).sup_error()``), or :func:`uat.sup_error` of the edited network, with its certified
bracket where one is proved; a polynomial σ's plateau is E_p(f) from
:func:`uat.fitting.polynomial.best_polynomial`.
"""

from __future__ import annotations

import io
import math
import threading
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode

import numpy as np

from uat._validation import suggest
from uat.exceptions import USER_ERRORS, user_message

__all__ = ["State", "Edit", "View", "MAX_WIDTH", "MAX_DEPTH", "METHODS", "compute", "curve_widths", "curve_point",
           "unit_lines",
           "network_npz", "figure_bytes", "study_toml", "polynomial_plateau", "explore_methods"]

#: The width slider's range, and the widths the error-against-width curve is computed at (with the current k).
MAX_WIDTH = 256
MAX_DEPTH = 4
#: The curve's widest width for methods that train every weight: backprop at k = 64 took 10 s and at 128 38 s
#: here, and every tab shares one worker, so their curve stops at 32 (the current k is always computed).
MAX_TRAINED_CURVE = 32
#: Largest seed (a JavaScript number holds integers exactly to 2^53; numpy seeds go higher, pages do not).
MAX_SEED = 2**32 - 1
#: Most hand edits in one state (each refit at k = 256 costs about 0.1 s).
MAX_OPS = 200
#: Methods offered on the page: uat's own (the peers, sklearn_mlp and torch_*, are comparisons, slow and
#: optional, so they are left to studies).
METHODS = ("lstsq", "minimax", "backprop", "relu_interp", "pl_best", "sigmoid_staircase", "chebyshev",
           "poly_minimax", "random_fourier")
#: Query keys, in the order a URL lists them.
_KEYS = ("target", "domain", "sigma", "k", "depth", "method", "seed", "eps", "ops")


def explore_methods() -> list[str]:
    """The methods the page offers: :data:`METHODS` that are registered."""
    from uat.fitting.base import list_methods

    known = set(list_methods())
    return [m for m in METHODS if m in known]


@dataclass(frozen=True)
class Edit:
    """One hand edit: set unit ``unit`` (0-based) of a 1-D shallow network to a, b (its hidden weight
    and bias) and c (its output weight); or, with ``refit``, solve least squares for C with the units
    as they stand."""

    unit: int = -1
    a: float = 0.0
    b: float = 0.0
    c: float = 0.0
    refit: bool = False

    def token(self) -> str:
        """The edit in the URL: ``u<i>:<a>:<b>:<c>`` or ``refit``."""
        return "refit" if self.refit else f"u{self.unit}:{self.a!r}:{self.b!r}:{self.c!r}"

    @classmethod
    def from_token(cls, token: str) -> Edit:
        if token == "refit":
            return cls(refit=True)
        parts = token.split(":")
        if len(parts) != 4 or not parts[0].startswith("u") or not parts[0][1:].isdigit():
            raise ValueError(f"ops must be edits 'u<unit>:<a>:<b>:<c>' or 'refit' separated by ';'; got {token!r}")
        try:
            a, b, c = (float(p) for p in parts[1:])
        except ValueError:
            raise ValueError(f"ops: the edit {token!r} needs three numbers a, b, c after the unit") from None
        if not all(math.isfinite(v) for v in (a, b, c)):
            raise ValueError(f"ops: the edit {token!r} has a non-finite a, b or c")
        return cls(int(parts[0][1:]), a, b, c)


@dataclass(frozen=True)
class State:
    """Everything the page shows is a function of this.

    Attributes
    ----------
    target : str
        A library name or an expression in x (x1, x2 in 2-D).
    domain : str
        K (``"[-1,1]"``, ``"[0,1]^2"``, ``"ball(center=[0,0], radius=1)"``); empty for a library target's own.
    sigma : str
        The activation.
    k : int
        Width (hidden units per layer), 1 … :data:`MAX_WIDTH`.
    depth : int
        Hidden layers, 1 … :data:`MAX_DEPTH`; above 1 the network is a deep one, width ``[k] * depth``.
    method : str
        One of :func:`explore_methods`.
    seed : int
        Seeds the fit (as ``uat.fit(seed=...)``).
    eps : float
        ε of the tube f ± ε.
    ops : tuple of Edit
        Hand edits applied to the fitted network, in order.
    """

    target: str = "sin2pi"
    domain: str = ""
    sigma: str = "tanh"
    k: int = 8
    depth: int = 1
    method: str = "lstsq"
    seed: int = 0
    eps: float = 0.05
    ops: tuple[Edit, ...] = ()

    def __post_init__(self):
        _check_state(self)

    def fit_key(self) -> tuple:
        """What the fit depends on (not ε, not the edits)."""
        return (self.target, self.domain, self.sigma, self.k, self.depth, self.method, self.seed)

    def curve_key(self) -> tuple:
        """What the error-against-width curve depends on (not k, ε or the edits)."""
        return (self.target, self.domain, self.sigma, self.depth, self.method, self.seed)

    def to_query(self) -> str:
        """The state as a URL query string (without the ``?``); defaults are left out."""
        default = State()
        pairs = []
        for key in _KEYS:
            value = getattr(self, key)
            if value == getattr(default, key):
                continue
            pairs.append((key, ";".join(e.token() for e in value) if key == "ops" else str(value)))
        return urlencode(pairs)

    @classmethod
    def from_query(cls, query) -> State:
        """A state from a query string or a mapping of key → str (or list of str / bytes, as Tornado gives).

        Unknown keys and bad values are refused with a ValueError naming the key."""
        items = parse_qsl(query.lstrip("?"), keep_blank_values=True) if isinstance(query, str) else list(query.items())
        given = {}
        for key, value in items:
            if isinstance(value, (list, tuple)):
                value = value[-1] if value else ""
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            if key not in _KEYS:
                raise ValueError(f"unknown setting {key!r} in the address{suggest(key, _KEYS)}; the settings are "
                                 f"{', '.join(_KEYS)}")
            given[key] = value
        values = {}
        for key, text in given.items():
            if key in ("k", "depth", "seed"):
                values[key] = _integer(key, text)
            elif key == "eps":
                values[key] = _real(key, text)
            elif key == "ops":
                values[key] = tuple(Edit.from_token(t) for t in text.split(";") if t)
            else:
                values[key] = text
        return cls(**values)

    def with_edit(self, edit: Edit) -> State:
        """This state with one more edit (an edit of the same unit right after another replaces it)."""
        ops = self.ops
        if ops and not edit.refit and not ops[-1].refit and ops[-1].unit == edit.unit:
            ops = ops[:-1]
        return replace(self, ops=ops + (edit,))


def _integer(key: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{key} must be an integer; got {text!r}") from None


def _real(key: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{key} must be a number; got {text!r}") from None


def _check_state(s: State) -> None:
    from uat.activations import list_activations

    for key in ("target", "domain", "sigma", "method"):
        if not isinstance(getattr(s, key), str):
            raise TypeError(f"{key} must be a string; got {type(getattr(s, key)).__name__}")
    if not s.target.strip():
        raise ValueError("target must be a library name or an expression in x such as 'sin(2*pi*x)'; got ''")
    for key, top in (("k", MAX_WIDTH), ("depth", MAX_DEPTH)):
        value = getattr(s, key)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 1 <= value <= top:
            raise ValueError(f"{key} must be an integer from 1 to {top}; got {value!r}")
    if isinstance(s.seed, bool) or not isinstance(s.seed, (int, np.integer)) or not 0 <= s.seed <= MAX_SEED:
        raise ValueError(f"seed must be an integer from 0 to {MAX_SEED}; got {s.seed!r}")
    if isinstance(s.eps, bool) or not isinstance(s.eps, (int, float)) or not (math.isfinite(s.eps) and s.eps > 0):
        raise ValueError(f"eps must be a finite number > 0; got {s.eps!r}")
    if s.sigma not in list_activations():
        raise ValueError(f"sigma must be one of {', '.join(list_activations())}; got {s.sigma!r}"
                         f"{suggest(s.sigma, list_activations())}")
    methods = explore_methods()
    if s.method not in methods:
        raise ValueError(f"method must be one of {', '.join(methods)}; got {s.method!r}{suggest(s.method, methods)}")
    if s.depth > 1 and not _trains_deep(s.method):
        from uat.fitting.base import deep_method_names

        raise ValueError(f"hidden layers = {s.depth} needs a method that trains deep networks "
                         f"({', '.join(deep_method_names())}); got method = {s.method!r} (or set hidden layers to 1)")
    if len(s.ops) > MAX_OPS:
        raise ValueError(f"ops: at most {MAX_OPS} hand edits; got {len(s.ops)}")
    if s.ops and s.depth != 1:
        raise ValueError("hand edits (ops) are for one hidden layer (depth = 1); "
                         f"this state has depth = {s.depth}")


def _trains_deep(method: str) -> bool:
    from uat.fitting.base import get_method

    return get_method(method).trains_deep


def _uses_sigma(method: str) -> bool:
    from uat.fitting.base import uses_activation

    return uses_activation(method)


@dataclass(frozen=True, eq=False)
class View:
    """What the page draws for a state: the fit, the network shown (after the edits), its sup error and
    the data of every plot.

    Attributes
    ----------
    state : State
    target : Target
        f on K.
    result : FitResult
        The fit before the edits.
    network : model
        The network shown: ``result.network`` after ``state.ops``.
    estimate : SupEstimate
        The sup error of ``network`` on K (``result.sup_error()`` when there are no edits).
    plot : dict
        :func:`uat.plots.fit_closeup_data` of ``network``: X, F, G, E, shape, inside.
    units : dict or None
        :func:`uat.plots.unit_positions_data` for a 1-D shallow network, else None.
    plateau : dict or None
        For a polynomial σ: ``degree`` p, ``value`` and ``lower`` of E_p(f) (see :func:`polynomial_plateau`).
    fit_seconds, sup_seconds : float
    notes : tuple of str
        The warnings the fit and the estimate raised (a rank-deficient least-squares problem, say), in words.
    """

    state: State
    target: object
    result: object
    network: object
    estimate: object
    plot: dict
    units: dict | None
    plateau: dict | None
    fit_seconds: float
    sup_seconds: float
    notes: tuple[str, ...] = ()

    @property
    def dim(self) -> int:
        return self.target.domain.dim

    @property
    def inside(self) -> bool:
        """Whether the estimated sup error is below ε (the network's graph stays inside the tube where searched)."""
        return self.estimate.value < self.state.eps

    @property
    def proved_inside(self) -> bool:
        """Whether a certified upper bound of the sup error is below ε."""
        return self.estimate.upper is not None and self.estimate.upper < self.state.eps

    def summary(self) -> str:
        """The sup error and how it was obtained, in one or two lines of text."""
        e = self.estimate
        where = ", ".join(f"{v:.4g}" for v in np.atleast_1d(e.argmax))
        text = f"sup error {e.value:.6e} at x = ({where})"
        if e.upper is not None:
            text += f"; proved bracket [{e.lower:.6e}, {e.upper:.6e}]"
        else:
            reason = e.facts.get("no_bracket") or "the method gives none for this network"
            text += f"; no proved upper bound ({reason})"
        verdict = ("inside the ε-tube, proved" if self.proved_inside else
                   "inside the ε-tube where searched" if self.inside else "leaves the ε-tube")
        return text + f". ε = {self.state.eps:g}: {verdict}."


class _Cache:
    """A small thread-safe LRU cache (the page and the export handlers share fits)."""

    def __init__(self, size: int):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key, make):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


_FITS, _VIEWS, _PLATEAUS = _Cache(32), _Cache(32), _Cache(64)


def _target(state: State):
    from uat.targets import as_target

    return as_target(state.target, state.domain.strip() or None)


def _fit(state: State, target):
    """The fit of ``state`` (``target``: its Target, :func:`_target`), computed once for its :meth:`State.fit_key`."""
    from uat.fitting.base import fit

    def make():
        width = state.k if state.depth == 1 else [state.k] * state.depth
        return fit(target, width=width, activation=state.sigma, method=state.method, seed=state.seed)

    return _FITS.get(state.fit_key(), make)


def _apply(network, target, ops: tuple[Edit, ...]):
    """The network after the hand edits (a new ShallowNetwork; the fit's is left as it is)."""
    from uat.network import ShallowNetwork

    if not ops:
        return network
    if not isinstance(network, ShallowNetwork) or network.dim != 1 or network.n_outputs != 1:
        raise ValueError("hand edits are for a shallow network with one input and one output; "
                         f"this fit gave {type(network).__name__} with n = {network.dim}")
    A, b, C = network.A.copy(), network.b.copy(), network.C.copy()
    d = None if network.d is None else network.d.copy()
    for op in ops:
        if op.refit:
            C, d = _refit(A, b, network.activation, target, d)
            continue
        if not 0 <= op.unit < A.shape[0]:
            raise ValueError(f"ops: unit must be from 0 to {A.shape[0] - 1} (the network has {A.shape[0]} units); "
                             f"got {op.unit}")
        A[op.unit, 0], b[op.unit], C[0, op.unit] = op.a, op.b, op.c
    return ShallowNetwork(A, b, C, network.activation, d)


def _refit(A, b, activation, target, d):
    """C (and the output bias, if the network has one) by least squares on a dense grid of K, units as they stand:
    evenly spaced points of K's bounding interval, those in K (all of them on an interval; f is evaluated only
    in K, so a union of intervals leaves out its gaps); on a finite K its points."""
    from uat.domains import PointSet
    from uat.fitting.lstsq import lstsq_solve
    from uat.network import hidden_features

    domain = target.domain
    if isinstance(domain, PointSet):
        X = np.asarray(domain.X, dtype=float)
    else:
        (lo,), (hi,) = domain.bounds
        X = np.linspace(lo, hi, max(2049, 16 * A.shape[0] + 1))[:, None]
        X = X[domain.contains(X)]
    Phi = hidden_features(A, b, activation, X)
    if d is not None:
        Phi = np.hstack([Phi, np.ones((X.shape[0], 1))])
    coef = lstsq_solve(Phi, target(X).reshape(X.shape[0], -1), warn=False).C  # (m, k [+ 1])
    if d is not None:
        return coef[:, :-1].copy(), coef[:, -1].copy()
    return coef.copy(), None


def polynomial_plateau(state: State) -> dict | None:
    """E_p(f) for a polynomial σ of degree p (None otherwise).

    One hidden layer of a polynomial σ of degree p is a polynomial of degree ≤ p in x whatever the width, so
    its sup error is at least E_p(f), the error of the best uniform approximation by such polynomials
    (:func:`uat.study.runner.polynomial_floors`, as a study computes it: ``lower`` ≤ E_p ≤ ``value``); a deep network of
    L − 1 such layers is a polynomial of degree ≤ p^(L−1). ``error`` says why it is missing where
    best_polynomial refuses the target (3-D and vector-valued ones)."""
    from uat.activations import get_activation
    from uat.study.runner import polynomial_floors

    act = get_activation(state.sigma)
    if not act.polynomial or not _uses_sigma(state.method):  # chebyshev, poly_minimax: σ plays no part
        return None
    degree = act.degree ** state.depth

    def make():  # the row a study stores for its polynomial-counterexample figure
        return polynomial_floors(state.target, state.domain.strip() or None, [degree])[0]

    return _PLATEAUS.get((state.target, state.domain, degree), make)


def compute(state: State, watch=None) -> View:
    """Fit (or reuse the fit of) ``state``, apply its edits, and measure what the page shows.

    ``watch(iteration, loss, seconds)``, if given, is called at every update of a training fit (backprop), for
    progress; it stops the fit by raising :class:`~uat.exceptions.FitCancelled`, and nothing is cached."""
    if watch is not None:
        from uat.fitting.backprop import watch_updates

        with watch_updates(watch):
            return compute(state)
    from uat.network import ShallowNetwork
    from uat.plots import fit_closeup_data, unit_positions_data
    from uat.supnorm import sup_error

    def make():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            view = measure()
        notes = tuple(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
        if any(op.refit for op in state.ops):
            notes += ("Refit C: least squares for C (and the output bias) on max(2049, 16k + 1) evenly spaced points "
                      "of K's bounding interval (those in K; a finite K's own points) with the units as they stand; "
                      "the method's own training points are other ones, so a refit of an unedited fit can raise its "
                      "sup error.",)
        return replace(view, notes=notes)

    def measure():
        f = _target(state)
        dim = f.domain.dim
        if dim > 2:  # refused before any work: a 3-D fit could hold the worker for half a minute
            raise ValueError(f"the explorer draws 1-D and 2-D domains; this one has dimension {dim} "
                             "(use `uat fit` or a study)")
        result = _fit(state, f)
        target = result.target
        network = _apply(result.network, target, state.ops)
        start = time.perf_counter()
        estimate = result.sup_error() if not state.ops else sup_error(target, network)
        sup_seconds = time.perf_counter() - start
        plot = fit_closeup_data(target, network, n=None if target.domain.dim == 1 else 161)
        units = (unit_positions_data(network, target.domain)
                 if isinstance(network, ShallowNetwork) and network.dim == 1 else None)
        return View(state, target, result, network, estimate, plot, units, polynomial_plateau(state),
                    result.fit_seconds, sup_seconds)

    view = _VIEWS.get((state.fit_key(), state.ops), make)
    return view if view.state == state else replace(view, state=state)


def unit_lines(network, domain) -> tuple[list, list]:
    """Where the units of a 2-D shallow network sit: each unit's line a·x + b = 0 as a segment (xs, ys) long
    enough to cross K's bounding box (the plot clips it); none for other models or units with a = 0."""
    from uat.network import ShallowNetwork

    if not isinstance(network, ShallowNetwork) or network.dim != 2:
        return [], []
    lower, upper = (np.asarray(v, dtype=float) for v in domain.bounds)
    centre, diagonal = (lower + upper) / 2, float(np.linalg.norm(upper - lower))
    A, b = network.A, network.b
    norm = np.linalg.norm(A, axis=1)
    keep = norm > 0
    A, b, norm = A[keep], b[keep], norm[keep]
    foot = -(A @ centre + b)[:, None] * A / norm[:, None] ** 2 + centre  # the line's point nearest the centre
    along = np.stack([-A[:, 1], A[:, 0]], axis=1) / norm[:, None]
    ends = [foot - diagonal * along, foot + diagonal * along]
    return (np.stack([ends[0][:, 0], ends[1][:, 0]], axis=1).tolist(),
            np.stack([ends[0][:, 1], ends[1][:, 1]], axis=1).tolist())


def curve_widths(k: int, method: str = "lstsq") -> list[int]:
    """The widths of the error-against-width curve: powers of two up to :data:`MAX_WIDTH` (up to
    :data:`MAX_TRAINED_CURVE` for methods that train deep networks, i.e. train every weight), and k."""
    top = MAX_TRAINED_CURVE if _trains_deep(method) else MAX_WIDTH
    return sorted({1 << i for i in range(int(math.log2(top)) + 1)} | {int(k)})


def curve_point(state: State, k: int, watch=None) -> dict:
    """One point of the error-against-width curve: the fit of ``state`` at width k (no edits) and its sup error
    (``value``, and ``upper`` where proved; ``error`` the message where the fit failed). ``watch`` as for
    :func:`compute` (a FitCancelled it raises propagates)."""
    at = replace(state, k=int(k), ops=())
    try:
        view = compute(at, watch)
    except (*USER_ERRORS, MemoryError) as err:  # a failed width is a point of the curve with its message
        return {"k": int(k), "value": None, "upper": None, "error": user_message(err)}
    e = view.estimate
    return {"k": int(k), "value": float(e.value), "upper": None if e.upper is None else float(e.upper), "error": None}


def network_npz(view: View) -> bytes:
    """The network shown, as the .npz file :func:`uat.models.load_model` reads."""
    buffer = io.BytesIO()
    view.network.save(buffer)
    return buffer.getvalue()


def figure_bytes(view: View, fmt: str) -> bytes:
    """The current figure for a paper: f and g, and |f − g| on a log scale with the sup point
    (:func:`uat.plots.fit_closeup`), as PNG or SVG."""
    from uat.plots import fit_closeup, style
    from uat.plots._style import write

    if fmt not in ("png", "svg"):
        raise ValueError(f"format must be png or svg; got {fmt!r}")
    with style():
        fig = fit_closeup(view.target, view.network, view.estimate)
    buffer = io.BytesIO()
    write(fig, buffer, fmt)  # as `uat study plot` writes its files: house style, no dates
    return buffer.getvalue()


def study_toml(state: State) -> str:
    """The study file that sweeps this state's settings over the curve's widths (:func:`curve_widths`), checked
    as the runner checks it (a ValueError with the runner's message where it would be refused).

    A study derives each cell's seed from its base seed, so its fits are other draws than the page's; the
    hand edits have no study equivalent and are left out (a comment says so)."""
    import json

    from uat.study.figures import slug

    name = "explore-" + slug(state.target)
    lines = [f"# Written by `uat explore` from the view {state.to_query() or '(the defaults)'}",
             "# Each cell's seed derives from `seed` below, so its fits are other random draws than the page's."]
    if state.ops:
        lines.append(f"# The page's {len(state.ops)} hand edit(s) of units have no study equivalent: left out.")
    lines += [f"name = {json.dumps(name)}",
              f"description = {json.dumps('Sup error against width, as in the explorer: ' + state.target)}",
              f"seed = {state.seed}"]
    if state.domain.strip():
        lines.append(f"domain = {json.dumps(state.domain.strip())}")
    lines += ["", "[grid]", f"target = [{json.dumps(state.target)}]", f"activation = [{json.dumps(state.sigma)}]",
              f"width = [{', '.join(str(w) for w in curve_widths(state.k, state.method))}]"]
    if state.depth != 1:
        lines.append(f"depth = [{state.depth}]")
    lines += [f"method = [{json.dumps(state.method)}]", "", "[evaluation]",
              f"tolerances = [{state.eps!r}]", ""]
    text = "\n".join(lines)
    _check_study(state, text)
    return text


def _check_study(state: State, text: str) -> None:
    """Refuse a study file the runner would refuse (an unknown target, a typo, a σ the method cannot take)."""
    import tomllib

    from uat.study.config import parse_config

    parse_config(tomllib.loads(text), "open as a study")
