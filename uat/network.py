"""The one-hidden-layer network g(x) = C σ(A x + b), with an optional output bias d.

Pure functions first (:func:`hidden_features`, :func:`forward`), a thin immutable class on top
(:class:`ShallowNetwork`). Evaluation is chunked over the rows of X so that no more than
``BLOCK`` entries of the (N, k) feature matrix exist at once, whatever N is.

File format (``save``/``load``): a NumPy ``.npz`` archive, read with ``allow_pickle=False``,
holding float64 arrays ``A`` (k, n), ``b`` (k,), ``C`` (m, k) and ``metadata``, a 0-d string
array with a JSON object ``{"format": "uat.ShallowNetwork", "format_version": 1,
"activation": name, "width": k, "dim": n, "n_outputs": m, "uat_version": ...}``. A network with
an output bias also holds ``d`` (m,) and is written as format_version 2, which older readers
refuse rather than load without its bias. The activation is stored by name: a user activation must
be registered again before loading. The format is registered as the model kind ``"network"``
(:mod:`uat.models`), so that :func:`uat.models.load_model` and the study store read these files.

:class:`SearchHints` is what a model tells the sup-norm search about where its error may peak (its units,
periodic slopes, 1-D transitions, whether :mod:`uat.certify` can bracket it); every model answers
``search_hints(domain)`` in its own way (:class:`ShallowNetwork` here, :class:`uat.deep.DeepNetwork`), and
:func:`search_hints` gives a plain callable the defaults.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from uat._validation import as_float_array, as_points
from uat.activations import Activation, get_activation
from uat.models import ModelFormat, register_model_format
from uat.npzfile import open_npz, source_name, write_npz

__all__ = ["ShallowNetwork", "SearchHints", "power_of_two", "hidden_features", "forward", "interior_transitions",
           "saved_name", "search_hints", "BLOCK"]

#: Largest number of feature-matrix entries held at once while evaluating a network (512 KiB): small
#: enough for the cache. Measured at width 128 on 2^18 points: 6.2 ns per entry, against 15.7 ns with
#: blocks of 2^21 entries, whose temporaries spill to memory.
BLOCK = 1 << 16

_FORMAT = "uat.ShallowNetwork"
_FORMAT_VERSION = 1
_FORMAT_VERSION_BIAS = 2


def power_of_two(peak) -> np.ndarray:
    """2^e with peak/2^e in [1, 2), elementwise; 1 where peak is 0 or not finite.

    Dividing by it is exact (it changes only the exponent), so a computation on the scaled values
    gives the same bits, scaled, wherever the unscaled one neither overflows nor underflows.
    """
    peak = np.asarray(peak, dtype=float)
    _, e = np.frexp(peak)
    return np.where((peak > 0) & np.isfinite(peak), np.ldexp(1.0, e - 1), 1.0)


def hidden_features(A: np.ndarray, b: np.ndarray, activation: Activation, X: np.ndarray,
                    order: str = "C") -> np.ndarray:
    """Φ = σ(X Aᵀ + b), the (N, k) matrix of hidden-unit outputs (not chunked: it is the result).

    Z = X Aᵀ is summed by einsum, not by BLAS, whose rounding depends on the number of rows:
    each row of Φ is bitwise independent of the others. ``order="F"`` lays Φ out column by
    column, as LAPACK factorises it (the fitting routines ask for that; the values are the same).
    """
    Z = np.einsum("nd,kd->nk", np.ascontiguousarray(X), A, order=order)
    Z += b
    return activation.fn(Z)


def _output(Phi: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Φ Cᵀ with a summation order fixed per row (einsum on C-contiguous rows, not BLAS), so that
    g(x) does not depend on which other points are evaluated with x."""
    return np.einsum("nk,mk->nm", np.ascontiguousarray(Phi), C)


def forward(A: np.ndarray, b: np.ndarray, C: np.ndarray, activation: Activation, X: np.ndarray,
            d: np.ndarray | None = None) -> np.ndarray:
    """g(X) = σ(X Aᵀ + b) Cᵀ (+ d), shape (N, m), computed in row chunks of at most ``BLOCK`` feature
    entries.

    Each row's value is bitwise independent of the other rows and of the chunking.
    """
    N, k = X.shape[0], A.shape[0]
    rows = max(1, BLOCK // max(k, 1))
    if N <= rows:
        out = _output(hidden_features(A, b, activation, X), C)
    else:
        out = np.empty((N, C.shape[0]))
        for start in range(0, N, rows):
            stop = min(start + rows, N)
            out[start:stop] = _output(hidden_features(A, b, activation, X[start:stop]), C)
    if d is not None:
        out += d
    return out


def _transitions(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1-D: −b_i/a_i for every unit, +inf where a_i = 0 (a constant unit has no transition)."""
    a = A[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = -b / a
    return np.where(a == 0, np.inf, t)


def interior_transitions(A: np.ndarray, b: np.ndarray, lower: float, upper: float) -> np.ndarray:
    """1-D: the transition points −b_i/a_i of the units that lie strictly inside (lower, upper)."""
    t = _transitions(A, b)
    return t[(t > lower) & (t < upper)]


@dataclass(frozen=True, eq=False)
class SearchHints:
    """What a model tells :func:`uat.sup_error` (and :mod:`uat.certify`) about where its error may peak: plain data,
    the answer of the model's ``search_hints(domain)``; a plain callable gets the defaults (nothing known).

    Attributes
    ----------
    units : int
        Units the 1-D grid and the n-D point set are sized to (a ShallowNetwork's width k).
    period, slope : float or None, float
        A periodic σ's period and the largest slope |a_i| of a unit it is applied to (the grid gets
        points per period of the fastest unit); period None when no unit is periodic.
    transitions : array (p,)
        1-D: points where a unit changes character (a ShallowNetwork's −b_i/a_i, +inf for a constant
        unit), put into the grid when inside K; empty in n-D.
    centres, widths : arrays (q,)
        1-D: transitions of units steep enough to need a cluster of points, and their widths 1/|a_i|.
    bracketable : bool
        Whether :mod:`uat.certify` can prove an upper bound from the model's parameters (ShallowNetwork, DeepNetwork).
    no_bracket : str
        For a model that is not bracketable: why (reported with the estimate); "" for plain callables.
    """

    units: int = 0
    period: float | None = None
    slope: float = 0.0
    transitions: np.ndarray = field(default_factory=lambda: np.empty(0))
    centres: np.ndarray = field(default_factory=lambda: np.empty(0))
    widths: np.ndarray = field(default_factory=lambda: np.empty(0))
    bracketable: bool = False
    no_bracket: str = ""

    def inside(self, lower: float, upper: float) -> np.ndarray:
        """The transitions strictly inside (lower, upper)."""
        t = self.transitions
        return t[(t > lower) & (t < upper)]


def search_hints(g, domain) -> SearchHints:
    """What g says about where its error may peak: a model answers its own ``g.search_hints(domain)`` (a
    ShallowNetwork and a DeepNetwork each in their way); a plain callable says nothing (the defaults)."""
    ask = getattr(g, "search_hints", None)
    return ask(domain) if callable(ask) else SearchHints()


def saved_name(activation: Activation) -> str:
    """The name a model file stores for σ; refused unless σ is the registered activation of that name (an
    unregistered or look-alike Activation would load back as something else)."""
    name = activation.name
    try:
        registered = get_activation(name)
    except ValueError:
        registered = None
    if registered is not activation:
        raise ValueError(f"cannot save: activation {name!r} is not the registered activation of that name, so it "
                         "could not be loaded back; register it with uat.register_activation first")
    return name


def _frozen(name: str, value, ndim: int) -> np.ndarray:
    array = as_float_array(name, value).copy()
    if array.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array; got shape {array.shape}")
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class ShallowNetwork:
    """g(x) = C σ(A x + b) (+ d) with A (k, n), b (k,), C (m, k) and an optional output bias d (m,);
    callable on (N, n) arrays, returning (N, m).

    Parameters
    ----------
    A : array (k, n)
        Input weights, one row per hidden unit. A 1-D array of length k means n = 1.
    b : array (k,)
        Hidden biases.
    C : array (m, k)
        Output weights. A 1-D array of length k means m = 1.
    activation : str or Activation
        σ, by registered name or as an :class:`~uat.activations.Activation`.
    d : array (m,), optional
        Output bias. The theorem's networks have none, and uat's own methods fit none; peers
        (scikit-learn, PyTorch) train one, and their networks keep it. None (the default) and a
        zero vector give the same values, but only None is the theorem's form.

    Examples
    --------
    >>> g = ShallowNetwork([[1.0], [2.0]], [0.0, -1.0], [[0.5, 0.25]], "relu")
    >>> g([[1.0]])
    array([[0.75]])
    """

    A: np.ndarray
    b: np.ndarray
    C: np.ndarray
    activation: Activation
    d: np.ndarray | None = None

    def __post_init__(self):
        A = as_float_array("A", self.A, finite=False)
        C = as_float_array("C", self.C, finite=False)
        A = _frozen("A", A[:, None] if A.ndim == 1 else A, 2)
        b = _frozen("b", self.b, 1)
        C = _frozen("C", C[None, :] if C.ndim == 1 else C, 2)
        if b.shape[0] != A.shape[0] or C.shape[1] != A.shape[0]:
            raise ValueError(
                "A (k, n), b (k,) and C (m, k) must agree on the width k; "
                f"got A {A.shape}, b {b.shape}, C {C.shape}"
            )
        if A.shape[0] < 1:
            raise ValueError("a network needs width k >= 1; got k = 0")
        for name, value in (("A", A), ("b", b), ("C", C)):
            object.__setattr__(self, name, value)
        if self.d is not None:
            d = _frozen("d", np.atleast_1d(as_float_array("d", self.d, finite=False)), 1)
            if d.shape != (C.shape[0],):
                raise ValueError(f"d (the output bias) must have one entry per output, shape ({C.shape[0]},); "
                                 f"got shape {d.shape}")
            object.__setattr__(self, "d", d)
        object.__setattr__(self, "activation", get_activation(self.activation))

    @property
    def width(self) -> int:
        """k, the number of hidden units."""
        return self.A.shape[0]

    @property
    def dim(self) -> int:
        """n, the input dimension."""
        return self.A.shape[1]

    @property
    def n_outputs(self) -> int:
        """m, the output dimension."""
        return self.C.shape[0]

    @property
    def n_params(self) -> int:
        """k·n + k + m·k (+ m with an output bias), the number of trainable parameters."""
        return self.A.size + self.b.size + self.C.size + (0 if self.d is None else self.d.size)

    def __call__(self, X) -> np.ndarray:
        return forward(self.A, self.b, self.C, self.activation, as_points("X", X, self.dim), self.d)

    def describe(self) -> str:
        """``"network 1 → 16 → 1 (C σ(Ax + b), tanh; 48 parameters)"`` (``C σ(Ax + b) + d`` with an output bias),
        as :meth:`uat.deep.DeepNetwork.describe` says a deep one."""
        form = "C σ(Ax + b)" + ("" if self.d is None else " + d")
        return (f"network {self.dim} → {self.width} → {self.n_outputs} ({form}, {self.activation.name}; "
                f"{self.n_params} parameters)")

    def hidden_features(self, X) -> np.ndarray:
        """Φ = σ(X Aᵀ + b), shape (N, k)."""
        return hidden_features(self.A, self.b, self.activation, as_points("X", X, self.dim))

    def transition_points(self) -> np.ndarray:
        """1-D only: the points −b_i/a_i where unit i crosses z = 0 (its kink or inflection); +inf for a_i = 0
        (a constant unit has no transition)."""
        if self.dim != 1:
            raise ValueError(f"transition_points is defined for 1-D networks; this one has dim {self.dim}")
        return _transitions(self.A, self.b)

    def search_hints(self, domain) -> SearchHints:
        """Where g's error may peak, for :func:`uat.sup_error`: its width, its periodic units' slopes, and in 1-D
        its transitions −b_i/a_i and widths 1/|a_i|; bracketable by :mod:`uat.certify`."""
        period = self.activation.period
        slope = float(np.max(np.abs(self.A))) if period is not None else 0.0
        if self.dim != 1:
            return SearchHints(self.width, period, slope, bracketable=True)
        a = self.A[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            widths, centres = 1 / np.abs(a), -self.b / a
        return SearchHints(self.width, period, slope, _transitions(self.A, self.b), centres, widths, bracketable=True)

    def rounding_floor(self, X) -> float:
        """≈ the float64 rounding noise in g on the points X: errors near it are noise, not approximation.

        The larger of two things:

        * *measured*: max |g(x) − g̃(x)| over X and over two re-evaluations g̃ that sum the hidden
          units in other orders (reversed, and a fixed permutation). The order-dependence of the
          sum is the noise of the evaluation; on test networks (huge cancelling coefficients,
          wide same-sign sums, ReLU, tanh, sigmoid) it came within 1.1-2.5x of the error measured
          against an extended-precision evaluation, never below it;
        * *per term*: eps · max_x max_j Σ_i |C_ji| (|σ(z_i)| + (n+1)|σ′(z_i)|(Σ_l |A_il x_l| + |b_i|)),
          the rounding of each feature and of z = A x + b carried through σ, which no reordering
          reveals (it matters for very steep units).
        """
        X = as_points("X", X, self.dim)
        spread = self._order_spread(X, 1.0)
        if not math.isfinite(spread):
            # the sum, finite in one order, overflowed in another: measure it on C and d scaled by a power
            # of two (exact, so the same roundings) and scale the spread back
            peak = max(float(np.max(np.abs(self.C), initial=0.0)),
                       float(np.max(np.abs(self.d), initial=0.0)) if self.d is not None else 0.0)
            if peak > 0 and math.isfinite(peak):
                scale = float(power_of_two(peak))  # C/scale < 2: no overflow in any order
                spread = self._order_spread(X, scale) * scale
        return max(spread, self._per_term_floor(X))

    def _order_spread(self, X: np.ndarray, scale: float) -> float:
        """max |g − g̃| / scale over X, g̃ summing the hidden units in two other orders (C and d divided by scale)."""
        if self.width <= 1:
            return 0.0
        C, d = self.C / scale, None if self.d is None else self.d / scale
        order = np.random.default_rng(0).permutation(self.width)
        spread = 0.0
        with np.errstate(over="ignore", invalid="ignore"):
            g = forward(self.A, self.b, C, self.activation, X, d)
            for p in (order[::-1].copy(), np.arange(self.width)[::-1].copy()):
                spread = max(spread, float(np.max(np.abs(g - forward(self.A[p], self.b[p], C[:, p],
                                                                         self.activation, X, d)))))
        return spread if math.isfinite(spread) else math.inf

    def _per_term_floor(self, X: np.ndarray) -> float:
        act, absA, absb = self.activation, np.abs(self.A), np.abs(self.b)
        # |C| scaled by a power of two (exact), so that sums near 1e308 do not overflow: eps·s·worst is finite
        peak = float(np.max(np.abs(self.C))) if self.C.size else 0.0
        s = float(power_of_two(peak))
        absC = np.abs(self.C) / s
        worst, rows = 0.0, max(1, BLOCK // self.width)
        for start in range(0, X.shape[0], rows):
            chunk = X[start:start + rows]
            Z = chunk @ self.A.T
            Z += self.b
            value = act.fn(Z)
            if act.deriv_from_value is not None:  # σ′ from σ's value: one transcendental fewer
                slope = np.abs(act.deriv_from_value(value))
            elif act.deriv is not None:
                slope = np.abs(act.deriv(Z))
            else:
                slope = np.full_like(Z, act.lipschitz or 0.0)
            size = np.abs(chunk) @ absA.T
            size += absb
            slope *= size
            slope *= self.dim + 1
            slope += np.abs(value, out=value)
            worst = max(worst, float(np.max(slope @ absC.T)))
        worst = np.finfo(float).eps * worst * s
        if self.d is not None:  # the output bias is added once more: its own rounding
            worst += np.finfo(float).eps * float(np.max(np.abs(self.d)))
        return float(worst)

    def save(self, path) -> None:
        """Write the network to ``path`` (a file name or a binary file object; .npz, no pickle; see
        the module docstring for the format).

        The activation is stored by name, so it must be the registered activation of that name
        (an unregistered or look-alike Activation would load back as something else).
        """
        saved_name(self.activation)
        version = _FORMAT_VERSION if self.d is None else _FORMAT_VERSION_BIAS
        metadata = {"format": _FORMAT, "format_version": version, "activation": self.activation.name,
                    "width": self.width, "dim": self.dim, "n_outputs": self.n_outputs}
        arrays = {"A": self.A, "b": self.b, "C": self.C}
        if self.d is not None:
            arrays["d"] = self.d
        write_npz(path, arrays, metadata)

    @classmethod
    def load(cls, path) -> ShallowNetwork:
        """Read a network written by :meth:`save` (a file name or a binary file object). Files that
        would need unpickling are refused."""
        where = source_name(path, "network")
        with open_npz(where, path, "network") as members:
            metadata = members.metadata(_FORMAT, versions=(_FORMAT_VERSION, _FORMAT_VERSION_BIAS))
            members.require(("A", "b", "C"))
            _check_metadata(where, metadata, members.shapes)
            members.check_shapes(_announced(where, metadata, members.shapes),  # before any array is read
                                 ", ".join(f"{key} {metadata[key]}" for key in ("width", "dim", "n_outputs")))
            arrays = {name: members.read(name) for name in members.shapes}
        network = cls(arrays["A"], arrays["b"], arrays["C"], metadata["activation"], arrays.get("d"))
        shapes = {"width": network.width, "dim": network.dim, "n_outputs": network.n_outputs}
        wrong = {key: (metadata[key], value) for key, value in shapes.items() if metadata.get(key) != value}
        if wrong:
            raise ValueError(f"{where}: metadata disagrees with the arrays (metadata, arrays): {wrong}")
        return network


register_model_format(ModelFormat("network", _FORMAT, ShallowNetwork))


def _announced(where: str, metadata: dict, shapes: dict) -> dict[str, tuple[int, ...]]:
    """The shapes of A, b, C (and d) that the metadata's width k, dim n and n_outputs m announce: A (k, n),
    b (k,), C (m, k), d (m,); a 1-D A stands for n = 1 and a 1-D C for m = 1, as the constructor reads them."""
    sizes = {key: metadata.get(key) for key in ("width", "dim", "n_outputs")}
    if not all(type(v) is int and v >= 1 for v in sizes.values()):
        raise ValueError(f"{where}: metadata must give width, dim and n_outputs as integers >= 1; got {sizes}")
    k, n, m = sizes["width"], sizes["dim"], sizes["n_outputs"]
    announced = {"A": (k,) if n == 1 and len(shapes["A"]) == 1 else (k, n), "b": (k,),
                 "C": (k,) if m == 1 and len(shapes["C"]) == 1 else (m, k)}
    return announced | ({"d": (m,)} if "d" in shapes else {})


def _check_metadata(where: str, metadata: dict, shapes: dict) -> None:
    """Refuse network metadata without an activation name, or whose format_version disagrees with the
    presence of the output bias d (version 2 has one, version 1 none)."""
    if not isinstance(metadata.get("activation"), str):
        raise ValueError(f"{where}: metadata has no activation name")
    if (metadata["format_version"] == _FORMAT_VERSION_BIAS) != ("d" in shapes):
        raise ValueError(f"{where}: format_version {metadata['format_version']} "
                         + ("needs an output bias d, which is missing" if "d" not in shapes else
                            "has no output bias, but d is present"))
