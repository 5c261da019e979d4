"""Deep networks: Kutyniok's Φ(x) = T_L ρ(T_{L−1} ρ(… ρ(T_1 x))), T_ℓ x = W^(ℓ) x + b^(ℓ), and the lecture's
a[ℓ] = σ(W[ℓ] a[ℓ−1] + b[ℓ]) with σ at the output too (``output_activation``).

Shapes: W_ℓ is (N_ℓ, N_{ℓ−1}) and b_ℓ is (N_ℓ,), for ℓ = 1, …, L; N_0 = n is the input dimension and
N_L = m the number of outputs. Points are rows: X is (N, n) and Φ(X) is (N, m).

Each layer's sum is taken by einsum over C-contiguous rows, not by BLAS, so each row of Φ(X) is bitwise
independent of the other rows (as for :class:`uat.network.ShallowNetwork`), and evaluation is chunked over
the rows so that at most :data:`uat.network.BLOCK` entries of the widest layer exist at once.

File format (``save``/``load``): a NumPy ``.npz`` archive, read with ``allow_pickle=False``, holding two
float64 arrays, ``weights`` (every W_ℓ flattened row by row, ℓ = 1, …, L, one after the other) and
``biases`` (every b_ℓ, likewise), and ``metadata``, a 0-d string with a JSON object ``{"format":
"uat.DeepNetwork", "format_version": 1, "widths": [N_0, …, N_L], "activations": [L − 1 names],
"output_activation": name or null, "uat_version": ...}``. Two arrays whatever the depth (an archive holds
at most :data:`uat.npzfile.MAX_MEMBERS` members). Activations are stored by name: a user activation must be
registered again before loading. The format is registered as the model kind ``"deep"`` (:mod:`uat.models`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from uat._validation import as_float_array, as_points
from uat.activations import Activation, get_activation
from uat.models import ModelFormat, register_model_format
import uat.network as network
from uat.network import SearchHints, ShallowNetwork, interior_transitions, power_of_two, saved_name
from uat.npzfile import open_npz, source_name, write_npz

__all__ = ["DeepNetwork", "Trace", "layer", "forward", "bends_at_zero"]

_FORMAT = "uat.DeepNetwork"
_FORMAT_VERSION = 1
#: Most 1-D breakpoints :meth:`DeepNetwork.search_hints` computes layer by layer (a ReLU net of depth L can
#: have exponentially many); beyond it the deeper layers' kinks are left to the search's grid.
_MAX_BREAKPOINTS = 1 << 18
_EPS = np.finfo(float).eps


def bends_at_zero(act: Activation) -> bool | None:
    """True for σ linear on each side of 0 with a kink there (relu, leaky_relu), False for an affine σ
    (identity), None for any other σ (not piecewise linear)."""
    if act.linear_pieces is not None:
        return act.linear_pieces[0] != act.linear_pieces[1]
    if act.polynomial and act.degree is not None and act.degree <= 1:
        return False
    return None


def layer(W: np.ndarray, b: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Z = A Wᵀ + b for the rows of A (N, N_{ℓ−1}), shape (N, N_ℓ), with a summation order fixed per row
    (einsum on C-contiguous rows, not BLAS): each row is bitwise independent of the others."""
    Z = np.einsum("nd,kd->nk", np.ascontiguousarray(A), W)
    Z += b
    return Z


def _block(weights, biases, activations, output_activation, X: np.ndarray) -> np.ndarray:
    A = X
    for W, b, act in zip(weights[:-1], biases[:-1], activations):
        A = act.fn(layer(W, b, A))
    Z = layer(weights[-1], biases[-1], A)
    return Z if output_activation is None else output_activation.fn(Z)


def forward(weights, biases, activations, output_activation, X: np.ndarray) -> np.ndarray:
    """Φ(X), shape (N, N_L): a[ℓ] = σ_ℓ(W_ℓ a[ℓ−1] + b_ℓ) for ℓ < L, then T_L (and σ_out when not None),
    in row chunks of at most ``BLOCK`` entries of the widest layer; each row bitwise independent of the others
    and of the chunking."""
    N = X.shape[0]
    rows = max(1, network.BLOCK // max(W.shape[0] for W in weights))
    if N <= rows:
        return _block(weights, biases, activations, output_activation, X)
    out = np.empty((N, weights[-1].shape[0]))
    for start in range(0, N, rows):
        out[start:start + rows] = _block(weights, biases, activations, output_activation, X[start:start + rows])
    return out


@dataclass(frozen=True, eq=False)
class Trace:
    """The lecture's quantities of a forward pass on N points (read-only arrays).

    Attributes
    ----------
    z : tuple of ndarray
        [z[1], …, z[L]], z[ℓ] = W_ℓ a[ℓ−1] + b_ℓ of shape (N, N_ℓ).
    a : tuple of ndarray
        [a[0], …, a[L]], a[0] = X and a[ℓ] = σ(z[ℓ]), shape (N, N_ℓ); a[L] is z[L] (the same array) when the
        network has no output activation (Kutyniok's Φ).
    """

    z: tuple
    a: tuple


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.array(array, dtype=float)
    array.flags.writeable = False
    return array


def _layers(weights, biases) -> tuple[tuple, tuple]:
    """The checked, read-only (W_ℓ, b_ℓ): lists of equal length L ≥ 1, W_ℓ (N_ℓ, N_{ℓ−1}) chaining, b_ℓ (N_ℓ,)."""
    for name, symbol, value in (("weights", "W", weights), ("biases", "b", biases)):
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"{name} must be a list [{symbol}_1, …, {symbol}_L] of arrays, one per layer; got "
                            f"{type(value).__name__}" + (f" of shape {np.shape(value)}" if hasattr(value, "shape")
                                                         else ""))
    if len(weights) < 1 or len(weights) != len(biases):
        raise ValueError("weights and biases must be lists of the same length L >= 1 (one W_ℓ and one b_ℓ per "
                         f"layer); got {len(weights)} weights and {len(biases)} biases")
    Ws, bs = [], []
    for i, (W, b) in enumerate(zip(weights, biases)):
        W = as_float_array(f"weights[{i}]", W)
        b = as_float_array(f"biases[{i}]", b)
        ell = i + 1
        if W.ndim != 2 or W.shape[0] < 1 or W.shape[1] < 1:
            raise ValueError(f"weights[{i}] (W_{ell}) must be a 2-D array of shape (N_{ell}, N_{ell - 1}) with both "
                             f"sizes >= 1; got shape {W.shape}")
        if i and W.shape[1] != Ws[-1].shape[0]:
            raise ValueError(f"weights[{i}] has shape {W.shape}; layer {ell} takes the {Ws[-1].shape[0]} outputs of "
                             f"layer {i}, so it must be (N_{ell}, {Ws[-1].shape[0]})")
        if b.shape != (W.shape[0],):
            raise ValueError(f"biases[{i}] has shape {b.shape}; layer {ell} has N_{ell} = {W.shape[0]} units "
                             f"(weights[{i}] is {W.shape}), so it must be ({W.shape[0]},)")
        Ws.append(_frozen(W))
        bs.append(_frozen(b))
    return tuple(Ws), tuple(bs)


def _activations(activation, hidden: int) -> tuple:
    """One σ per hidden layer: one name or Activation for all, or a list of exactly ``hidden`` of them."""
    if isinstance(activation, (str, Activation)):
        return (get_activation(activation),) * hidden
    if not isinstance(activation, (list, tuple)):
        raise TypeError(f"activation must be a name or an Activation (for every hidden layer), or a list of L − 1 = "
                        f"{hidden} of them; got {activation!r}")
    if len(activation) != hidden:
        raise ValueError(f"activation must be one name or Activation for every hidden layer, or a list of exactly "
                         f"L − 1 = {hidden} of them (one per hidden layer); got a list of {len(activation)}")
    return tuple(get_activation(a) for a in activation)


@dataclass(frozen=True, eq=False, repr=False)
class DeepNetwork:
    """Φ = T_L ∘ σ_{L−1} ∘ T_{L−1} ∘ … ∘ σ_1 ∘ T_1, optionally followed by σ_out.

    Parameters
    ----------
    weights : list of ndarray
        [W_1, …, W_L], W_ℓ of shape (N_ℓ, N_{ℓ−1}).
    biases : list of ndarray
        [b_1, …, b_L], b_ℓ of shape (N_ℓ,).
    activation : str, Activation, or a list of L − 1 of them
        σ of every hidden layer, or one per hidden layer. Evaluation needs no derivative.
    output_activation : str, Activation or None
        None is Kutyniok's Φ (T_L last); a σ gives the lecture's a[L] = σ(z[L]).

    Examples
    --------
    >>> net = DeepNetwork([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]], "relu")   # |x| = ρ(x) + ρ(−x)
    >>> net([[-3.0], [2.0]])
    array([[3.],
           [2.]])
    """

    weights: tuple
    biases: tuple
    activation: object = "tanh"
    output_activation: object = None

    def __post_init__(self):
        weights, biases = _layers(self.weights, self.biases)
        activations = _activations(self.activation, len(weights) - 1)
        out = None if self.output_activation is None else get_activation(self.output_activation)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "biases", biases)
        object.__setattr__(self, "activations", activations)
        if isinstance(self.activation, (str, Activation)):
            object.__setattr__(self, "activation", get_activation(self.activation))
        else:
            object.__setattr__(self, "activation", activations)
        object.__setattr__(self, "output_activation", out)

    @classmethod
    def from_shallow(cls, net: ShallowNetwork) -> DeepNetwork:
        """The same function as the ShallowNetwork g = C σ(A x + b) (+ d), as a network of depth 2: W_1 = A,
        b_1 = b, W_2 = C, b_2 = d (zeros without an output bias). Its values are g's, bit for bit."""
        if not isinstance(net, ShallowNetwork):
            raise TypeError(f"net must be a ShallowNetwork; got {type(net).__name__}")
        d = np.zeros(net.n_outputs) if net.d is None else net.d
        return cls([net.A, net.C], [net.b, d], net.activation)

    @property
    def depth(self) -> int:
        """L, the number of affine maps (hidden layers + 1)."""
        return len(self.weights)

    @property
    def widths(self) -> tuple[int, ...]:
        """(N_0, N_1, …, N_L)."""
        return (self.weights[0].shape[1],) + tuple(W.shape[0] for W in self.weights)

    @property
    def dim(self) -> int:
        """N_0 = n, the input dimension."""
        return self.widths[0]

    @property
    def n_outputs(self) -> int:
        """N_L = m, the output dimension."""
        return self.widths[-1]

    @property
    def n_params(self) -> int:
        """Every weight and bias: Σ_ℓ N_ℓ (N_{ℓ−1} + 1)."""
        return sum(W.size + b.size for W, b in zip(self.weights, self.biases))

    def _names(self) -> list[str]:
        return [act.name for act in self.activations]

    def __repr__(self) -> str:
        out = None if self.output_activation is None else self.output_activation.name
        return (f"DeepNetwork(widths={self.widths}, activations={tuple(self._names())}, output_activation={out!r}, "
                f"n_params={self.n_params})")

    def describe(self) -> str:
        """``"deep network 1 → 16 → 16 → 1 (depth 3; tanh, tanh; 321 parameters)"``."""
        hidden = ", ".join(self._names()) or "no hidden layer"
        out = "" if self.output_activation is None else f", {self.output_activation.name} at the output"
        return (f"deep network {' → '.join(map(str, self.widths))} (depth {self.depth}; {hidden}{out}; "
                f"{self.n_params} parameters)")

    def __call__(self, X) -> np.ndarray:
        """Φ(X), (N, N_0) → (N, N_L) (a 1-D array is N points when N_0 = 1)."""
        X = as_points("X", X, self.dim)
        return forward(self.weights, self.biases, self.activations, self.output_activation, X)

    def trace(self, X) -> Trace:
        """The forward pass's z[1..L] and a[0..L] on X (not chunked: they are the result); refused before any
        work when they would not fit in the memory this machine has available."""
        from uat.fitting.base import available_memory  # the fitting package imports the models, not the reverse

        X = as_points("X", X, self.dim)
        same = self.output_activation is None
        nbytes = 8 * X.shape[0] * (sum(self.widths[1:]) * 2 - (self.n_outputs if same else 0) + self.dim)
        available = available_memory()
        if available is not None and nbytes > available:
            raise ValueError(f"trace of {X.shape[0]} points keeps z and a of every layer, about {nbytes:.2g} bytes; "
                             f"this machine has {available:.2g} available: trace fewer points (net(X) evaluates any "
                             "number in bounded memory)")
        a, z = [_frozen(X)], []
        for ell, (W, b) in enumerate(zip(self.weights, self.biases)):
            z.append(layer(W, b, a[-1]))
            act = self.activations[ell] if ell < self.depth - 1 else self.output_activation
            a.append(z[-1] if act is None else act.fn(z[-1]))
            z[-1].flags.writeable = False
            a[-1].flags.writeable = False
        return Trace(tuple(z), tuple(a))

    def rounding_floor(self, X) -> float:
        """≈ the float64 rounding noise in Φ on the points X: errors near it are noise, not approximation.

        The larger of two things:

        * *measured*: max |Φ(x) − Φ̃(x)| over X and over two re-evaluations Φ̃ in which every layer's sum runs in
          another order. The units of every hidden layer and the input coordinates are permuted (reversed, and a
          fixed permutation reversed: ShallowNetwork's two orders, layer by layer), the next layer's columns with
          them, which leaves Φ unchanged in exact arithmetic. Each reordering moves its layer's z by that sum's
          rounding noise, and the later layers carry the change to the output as they carry any perturbation: the
          spread is the evaluation noise as the network amplifies it;
        * *per term*: the roundings that no reordering reveals (they matter for very steep units), carried through
          the layers to first order: e_0 = 0, ez_1 = eps (N_0 + 1)(|W_1| |x| + |b_1|) (z_1's own rounding: the
          input sum is short), ez_ℓ = |W_ℓ| e_{ℓ−1} for ℓ ≥ 2 (the rounding of these sums is what the spread
          measures), and e_ℓ = |σ′(z_ℓ)| ez_ℓ + eps |σ(z_ℓ)| (each σ's own rounding; none at the output of
          Kutyniok's Φ); the floor is max_x max_j e_L. At depth 2 it is ShallowNetwork's per-term floor.

        On random nets of depth 2-5 (tanh, ReLU, sigmoid, weight scales 1-10, as in tests/test_deep.py) it came
        within 3-70x above the error measured against an extended-precision evaluation, never below it (the
        spread alone came within 1.1-2x, the per-term bound is the larger).
        """
        X = as_points("X", X, self.dim)
        spread = self._order_spread(X, 1.0)
        if not math.isfinite(spread) and self.output_activation is None:
            # finite in one order, overflowed in another: measure it on W_L and b_L scaled by a power of two (exact,
            # the same roundings) and scale the spread back
            scale = self._last_scale()
            spread = self._order_spread(X, scale) * scale
        return max(spread, self._per_term_floor(X))

    def _last_scale(self) -> float:
        """The power of two at the largest |entry| of W_L and b_L (1 if none or not finite)."""
        peak = max(float(np.max(np.abs(self.weights[-1]))), float(np.max(np.abs(self.biases[-1]))))
        return float(power_of_two(peak))

    def _reordered(self, order: int) -> tuple[list, list, np.ndarray]:
        """(weights, biases, input permutation) of the same Φ with every layer's sum in another order: ``order`` 0
        reverses a fixed permutation of each layer's inputs, 1 reverses them."""
        perms = [(np.random.default_rng(0).permutation(N) if order == 0 else np.arange(N))[::-1].copy()
                 for N in self.widths[:-1]]
        weights, biases = [], []
        for ell, (W, b) in enumerate(zip(self.weights, self.biases)):
            W = W[:, perms[ell]]
            if ell + 1 < self.depth:
                W, b = W[perms[ell + 1]], b[perms[ell + 1]]
            weights.append(np.ascontiguousarray(W))
            biases.append(b)
        return weights, biases, perms[0]

    def _order_spread(self, X: np.ndarray, scale: float) -> float:
        """max |Φ − Φ̃| / scale over X and the two reorderings of :meth:`_reordered` (W_L, b_L divided by scale)."""
        if max(self.widths[:-1]) <= 1:
            return 0.0
        last = lambda weights, biases: (weights[:-1] + [weights[-1] / scale], biases[:-1] + [biases[-1] / scale])  # noqa: E731
        spread = 0.0
        with np.errstate(over="ignore", invalid="ignore"):
            weights, biases = last(list(self.weights), list(self.biases))
            Phi = forward(weights, biases, self.activations, self.output_activation, X)
            for order in (0, 1):
                weights, biases, p = self._reordered(order)
                weights, biases = last(weights, biases)
                other = forward(weights, biases, self.activations, self.output_activation, X[:, p])
                spread = max(spread, float(np.max(np.abs(Phi - other))))
        return spread if math.isfinite(spread) else math.inf

    def _per_term_floor(self, X: np.ndarray) -> float:
        """eps · max_x max_j e_L of :meth:`rounding_floor`'s per-term bound, in row chunks of at most ``BLOCK``
        entries of the widest layer (for Kutyniok's Φ, W_L and b_L are scaled by a power of two, exact, so that
        sums near 1e308 stay finite)."""
        s = self._last_scale() if self.output_activation is None else 1.0
        weights = list(self.weights[:-1]) + [self.weights[-1] / s]
        biases = list(self.biases[:-1]) + [self.biases[-1] / s]
        acts = self.activations + (self.output_activation,)
        worst, rows = 0.0, max(1, network.BLOCK // max(self.widths))
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, X.shape[0], rows):
                A = X[start:start + rows]
                e = np.zeros_like(A)
                for ell, (W, b, act) in enumerate(zip(weights, biases, acts)):
                    absW = np.abs(W)
                    Z = layer(W, b, A)
                    e = e @ absW.T
                    if ell == 0 and self.depth > 1:  # z_1 = W_1 x + b_1; later sums' rounding is what the spread measures
                        e += _EPS * (W.shape[1] + 1) * (np.abs(A) @ absW.T + np.abs(b))
                    if act is not None:
                        A = act.fn(Z)
                        e = _slope(act, Z) * e + _EPS * np.abs(A)
                worst = max(worst, float(np.max(e)))
        return float(worst * s) if math.isfinite(worst) else math.inf

    def search_hints(self, domain) -> SearchHints:
        """Where Φ's error may peak, for :func:`uat.sup_error`: its hidden units (Σ N_ℓ, ℓ < L) size the point set;
        a periodic first hidden layer sizes it per period of its fastest unit; in 1-D the transitions are Φ's
        kinks, computed layer by layer when every σ is linear on each side of 0 (ReLU, leaky ReLU), else the first
        layer's −b_i/a_i, whose widths 1/|a_i| also give the steep clusters. Bracketable: :mod:`uat.certify` bounds
        Φ on cells by interval propagation through the layers (where every σ has the facts it needs)."""
        units = sum(self.widths[1:-1])
        first = self.activations[0] if self.activations else None
        period = None if first is None else first.period
        slope = float(np.max(np.abs(self.weights[0]))) if period is not None else 0.0
        if self.dim != 1 or first is None:
            return SearchHints(units, period, slope, bracketable=True)
        W, b = self.weights[0], self.biases[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            widths, centres = 1 / np.abs(W[:, 0]), -b / W[:, 0]
        lower, upper = (float(v[0]) for v in domain.bounds)
        kinked = self.kinked_layers()
        transitions = (self.breakpoints(lower, upper, kinked, max_points=_MAX_BREAKPOINTS) if kinked is not None
                       else interior_transitions(W, b, lower, upper))
        return SearchHints(units, period, slope, transitions, centres, widths, bracketable=True)

    def kinked_layers(self) -> list[int] | None:
        """The 0-based layers ℓ whose z[ℓ+1]'s sign changes are Φ's kinks (their σ bends at 0: relu, leaky_relu;
        the output layer counts when ``output_activation`` is given), or None when some σ is not piecewise
        linear (:func:`bends_at_zero`)."""
        sigmas = self.activations + (self.output_activation,)
        bends = [None if act is None else bends_at_zero(act) for act in sigmas]
        if any(bend is None for bend, act in zip(bends, sigmas) if act is not None):
            return None
        return [ell for ell, bend in enumerate(bends) if bend]

    def breakpoints(self, lower: float, upper: float, layers=None, max_points: int | None = None) -> np.ndarray:
        """1-D: the points of (lower, upper) where some unit's z[ℓ](x) changes sign, sorted and distinct, found
        layer by layer (the one implementation; :func:`uat.constructions.relu_breakpoints` checks σ and calls it).

        ``layers`` are the 0-based layers whose zero crossings are kept (default :meth:`kinked_layers`; refused
        when a σ is not piecewise linear). Between the points of the layers before ℓ,
        z[ℓ] is linear in x wherever every σ is piecewise linear, so its zeros are where it changes sign between
        two consecutive points, at x_i + θ(x_{i+1} − x_i), θ = z_i/(z_i − z_{i+1}). For ReLU-like σ these are
        Φ's kinks (and any crossing that cancels). With ``max_points``, deeper layers are left out once the
        points would pass it (the search's hints; a ReLU net of depth L can have exponentially many)."""
        if self.dim != 1:
            raise ValueError(f"breakpoints are defined for 1-D networks; this one has dim {self.dim}")
        if layers is None:
            layers = self.kinked_layers()
            if layers is None:
                raise ValueError("breakpoints need a piecewise-linear σ (relu, leaky_relu, identity) in every layer; "
                                 f"this network has {[act.name for act in self.activations]} and output "
                                 f"{self.output_activation and self.output_activation.name!r}")
        P = np.array([float(lower), float(upper)])
        for ell in layers:
            if max_points is not None and len(P) * self.widths[ell + 1] > 64 * max_points:
                break
            Z = forward(self.weights[:ell + 1], self.biases[:ell + 1], self.activations[:ell], None, P[:, None])
            i, j = np.nonzero(np.sign(Z[:-1]) * np.sign(Z[1:]) < 0)
            z0, z1 = Z[i, j], Z[i + 1, j]
            t = P[i] + z0 / (z0 - z1) * (P[i + 1] - P[i])
            P = np.union1d(P, np.clip(t, P[i], P[i + 1]))
        return P[(P > lower) & (P < upper)]

    def save(self, path) -> None:
        """Write the network to ``path`` (a file name or a binary file object; .npz, no pickle; see the module
        docstring). Every σ must be the registered activation of its name."""
        out = None if self.output_activation is None else saved_name(self.output_activation)
        metadata = {"format": _FORMAT, "format_version": _FORMAT_VERSION, "widths": list(self.widths),
                    "activations": [saved_name(act) for act in self.activations], "output_activation": out}
        write_npz(path, {"weights": np.concatenate([W.ravel() for W in self.weights]),
                         "biases": np.concatenate(self.biases)}, metadata)

    @classmethod
    def load(cls, path) -> DeepNetwork:
        """Read a network written by :meth:`save` (a file name or a binary file object); the shapes the metadata
        announces are checked before any array is read, and nothing is unpickled."""
        where = source_name(path, "deep network")
        with open_npz(where, path, "deep network") as members:
            metadata = members.metadata(_FORMAT, versions=(_FORMAT_VERSION,))
            widths = _check_metadata(where, metadata)
            members.require(("weights", "biases"))
            sizes = [n * p for p, n in zip(widths[:-1], widths[1:])]
            members.check_shapes({"weights": (sum(sizes),), "biases": (sum(widths[1:]),)}, f"widths {widths}")
            flat_W, flat_b = members.read("weights"), members.read("biases")
        cuts_W, cuts_b = np.cumsum(sizes)[:-1], np.cumsum(widths[1:-1])
        weights = [w.reshape(n, p) for w, p, n in zip(np.split(flat_W, cuts_W), widths[:-1], widths[1:])]
        names = metadata["activations"]
        activation = names[0] if names and len(set(names)) == 1 else names
        return cls(weights, np.split(flat_b, cuts_b), activation, metadata["output_activation"])


register_model_format(ModelFormat("deep", _FORMAT, DeepNetwork))


def _slope(act: Activation, Z: np.ndarray) -> np.ndarray:
    """|σ′(Z)|; σ's Lipschitz constant where it has no derivative (0 where it has neither: a step adds no slope)."""
    if act.deriv is not None:
        return np.abs(act.deriv(Z))
    return np.full_like(Z, act.lipschitz or 0.0)


def _check_metadata(where: str, metadata: dict) -> list[int]:
    """The widths [N_0, …, N_L] of a deep network file's metadata, after checking them and the activation names."""
    widths = metadata.get("widths")
    if not (isinstance(widths, list) and len(widths) >= 2 and all(type(n) is int and n >= 1 for n in widths)):
        raise ValueError(f"{where}: metadata must give widths as a list [N_0, …, N_L] of at least 2 integers >= 1; "
                         f"got {widths!r}")
    names, out = metadata.get("activations"), metadata.get("output_activation")
    if not (isinstance(names, list) and len(names) == len(widths) - 2 and all(isinstance(a, str) for a in names)):
        raise ValueError(f"{where}: metadata must give activations as a list of L − 1 = {len(widths) - 2} names; "
                         f"got {names!r}")
    if out is not None and not isinstance(out, str):
        raise ValueError(f"{where}: metadata's output_activation must be a name or null; got {out!r}")
    return widths
