"""Backpropagation by hand: the loss, its gradient and the residuals' Jacobian for g(x) = C σ(Ax + b) (+ d).

For one sample x (n,) with target y (m,) the forward pass is

    z = A x + b        (k,)    pre-activations
    a = σ(z)           (k,)    hidden outputs
    g = C a (+ d)      (m,)    network output, with the output bias d (m,) when the network has one
    r = g − y          (m,)    residual

and the loss is the mean squared error over the N samples, optionally weighted:

    L = Σᵢ wᵢ ‖rᵢ‖² / Σᵢ wᵢ          (wᵢ = 1: L = (1/N) Σᵢ ‖rᵢ‖²)

Backwards, by the chain rule, with δᵢ = ∂L/∂gᵢ = 2 wᵢ rᵢ / Σw:

    ∂L/∂C = Σᵢ δᵢ aᵢᵀ                 (m, k)
    ∂L/∂d = Σᵢ δᵢ                    (m,)     (the lecture's ∂L/∂b2 = ∂L/∂a2 · ∂a2/∂z2 · 1, σ_out = id)
    ∂L/∂aᵢ = Cᵀ δᵢ                   (k,)
    ∂L/∂zᵢ = ∂L/∂aᵢ ⊙ σ′(zᵢ)          (k,)
    ∂L/∂b = Σᵢ ∂L/∂zᵢ                (k,)
    ∂L/∂A = Σᵢ ∂L/∂zᵢ xᵢᵀ            (k, n)

In code the samples are the rows of X (N, n): Z = X Aᵀ + b, H = σ(Z), G = H Cᵀ, and the sums over
i are matrix products. Rows are processed in blocks of at most 2¹⁷ feature entries (memory is
bounded whatever N is, and a block's arrays stay in cache), the blocks on a pool of threads (numpy
releases the GIL in its kernels), and the block sums added in a fixed order: the result does not
depend on the number of threads.

Gauss–Newton methods need the residuals r = (√ŵᵢ rᵢⱼ) (ŵ = w/Σw, so that L = ‖r‖²), ordered
sample by sample, and their Jacobian with respect to θ = (A row by row, b, C row by row, d):

    ∂rᵢⱼ/∂A_ud = √ŵᵢ C_ju σ′(z_iu) x_id,   ∂rᵢⱼ/∂b_u = √ŵᵢ C_ju σ′(z_iu),   ∂rᵢⱼ/∂C_j'u = [j = j'] √ŵᵢ a_iu,
    ∂rᵢⱼ/∂d_j' = [j = j'] √ŵᵢ.

A :class:`uat.deep.DeepNetwork` is handed to :mod:`uat.fitting.deep_gradients` (the same formulas
through L layers); both objectives share the row blocks and threads of :class:`RowBlocks`.

Activations at their kinks use σ′'s one-sided value (a subgradient); activations without σ′
(e.g. heaviside) are refused with a clear error.
"""

from __future__ import annotations

import concurrent.futures as cf
from typing import NamedTuple

import numpy as np

from uat._threads import available_threads, pinned_blas
from uat._validation import as_float_array, as_points
from uat.activations import Activation, get_activation
from uat.deep import DeepNetwork
from uat.network import BLOCK, ShallowNetwork

__all__ = ["Gradient", "loss_and_grad", "residual_jacobian", "Objective", "RowBlocks", "pack", "unpack",
           "require_derivative", "block_sum", "training_data"]

#: Feature entries per row block of the gradient (1 MiB): blocks stay in cache and spread over threads;
#: the block size does not depend on the number of threads, so neither do the results.
_CACHE_BLOCK = 1 << 17


class Gradient(NamedTuple):
    """∂L/∂A (k, n), ∂L/∂b (k,), ∂L/∂C (m, k) and ∂L/∂d (m,), or None for a network without an output bias:
    the shapes of the network's own parameters."""

    A: np.ndarray
    b: np.ndarray
    C: np.ndarray
    d: np.ndarray | None = None


def pack(A: np.ndarray, b: np.ndarray, C: np.ndarray, d: np.ndarray | None = None) -> np.ndarray:
    """θ = (A row by row, b, C row by row, then d if given) as one flat float64 vector."""
    parts = [np.ravel(A), np.ravel(b), np.ravel(C)] + ([] if d is None else [np.ravel(d)])
    return np.concatenate(parts).astype(float)


def unpack(theta: np.ndarray, k: int, n: int, m: int, output_bias: bool = False) -> tuple[np.ndarray, ...]:
    """The inverse of :func:`pack`: views A (k, n), b (k,), C (m, k) (and d (m,) with ``output_bias``) into θ."""
    A = theta[: k * n].reshape(k, n)
    b = theta[k * n : k * n + k]
    C = theta[k * n + k : k * n + k + m * k].reshape(m, k)
    return (A, b, C, theta[k * n + k + m * k :]) if output_bias else (A, b, C)


def require_derivative(activation: Activation, parameter: str = "activation") -> Activation:
    """``activation`` if it has σ′; else a ValueError naming ``parameter`` and saying that gradient training
    needs σ′ (method 'lstsq' does not)."""
    if activation.deriv is None:
        raise ValueError(f"{parameter} {activation.name!r} has no derivative, so it cannot be trained by gradients "
                         "(backpropagation needs σ′); use method='lstsq', which only solves for C")
    return activation


def block_sum(parts: list[tuple]) -> list:
    """The entrywise sum of the blocks' tuples, added in block order (so the thread count changes no bit)."""
    total = list(parts[0])
    for p in parts[1:]:
        total = [t + q for t, q in zip(total, p)]
    return total


class RowBlocks:
    """Training data in row blocks, evaluated on a pool of threads: the plumbing both objectives share.

    Holds X (N, n), Y (N, m), the normalised weights ŵ = w / Σw (``w``) and √ŵ (``sw``); ``rows`` rows per
    block, so that a block holds at most 2¹⁷ entries of ``row_width`` numbers per row.
    """

    def __init__(self, X, Y, weights=None, threads: int | None = None, row_width: int = 1):
        self.X = np.ascontiguousarray(X, dtype=float)
        self.Y = np.ascontiguousarray(Y, dtype=float)
        self.N, self.n = self.X.shape
        self.m = self.Y.shape[1]
        if weights is None:
            self.w = np.full(self.N, 1.0 / self.N)
        else:
            w = np.asarray(weights, dtype=float)
            w = w / w.max()  # first, so that the sum cannot overflow
            self.w = w / w.sum()
        self.sw = np.sqrt(self.w)
        self.rows = max(1, min(BLOCK, _CACHE_BLOCK) // max(row_width, 1))
        self.threads = available_threads() if threads is None else int(threads)
        self._pool = None

    def blocks(self) -> list[slice]:
        """The row blocks, in order."""
        return [slice(s, min(s + self.rows, self.N)) for s in range(0, self.N, self.rows)]


    def map_blocks(self, fn, blocks=None) -> list:
        """fn over the row blocks, results in block order (threads only when there are several blocks)."""
        blocks = self.blocks() if blocks is None else blocks
        if self.threads <= 1 or len(blocks) == 1:
            return [fn(s) for s in blocks]
        if self._pool is None:
            self._pool = cf.ThreadPoolExecutor(max_workers=self.threads)
        return list(self._pool.map(fn, blocks))


    def close(self):
        """Shut the thread pool down (also on leaving a ``with Objective(...) as objective:`` block)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Objective(RowBlocks):
    """The weighted least-squares training problem of a fixed architecture, on fixed data.

    Parameters
    ----------
    X : array (N, n)
    Y : array (N, m)
    activation : Activation
    width : int
    weights : array (N,), optional
        wᵢ >= 0, not all zero; default all ones.
    threads : int, optional
        Threads over row blocks; default :func:`uat._threads.available_threads`.
    output_bias : bool
        θ also holds the output bias d (m,), last: g = C σ(Ax + b) + d.
    """

    def __init__(self, X, Y, activation: Activation, width: int, weights=None, threads: int | None = None, *,
                 output_bias: bool = False):
        self.activation = require_derivative(activation)
        self.k = int(width)
        super().__init__(X, Y, weights, threads, self.k)
        self.output_bias = bool(output_bias)
        self.n_params = self.k * self.n + self.k + self.m * self.k + (self.m if self.output_bias else 0)

    def unpack(self, theta):
        """A, b, C (and d with ``output_bias``): views into θ."""
        return unpack(theta, self.k, self.n, self.m, self.output_bias)

    def gradient(self, grad: np.ndarray) -> Gradient:
        """A packed ∂L/∂θ as a :class:`Gradient` in the network's shapes (copies)."""
        return Gradient(*(p.copy() for p in self.unpack(grad)))

    def _abcd(self, theta):
        parts = self.unpack(theta)
        return parts if self.output_bias else (*parts, None)

    def _pre(self, A, b, rows):
        """Z = X Aᵀ + b for the block (for n = 1 an outer product by broadcasting, faster than BLAS)."""
        X = self.X[rows]
        Z = X * A[:, 0] if self.n == 1 else X @ A.T
        Z += b
        return Z

    def _out(self, H, C, d):
        """G = H Cᵀ (+ d): g = C a (+ d) for the block's rows."""
        G = H @ C.T
        if d is not None:
            G += d
        return G

    def _deriv(self, Z, H):
        """σ′(Z), from H = σ(Z) where the activation allows it."""
        act = self.activation
        return act.deriv_from_value(H) if act.deriv_from_value is not None else act.deriv(Z)

    # -- the loss and its gradient ---------------------------------------------------------------------
    def loss(self, theta: np.ndarray) -> float:
        A, b, C, d = self._abcd(theta)

        def block(rows):
            R = self._out(self.activation.fn(self._pre(A, b, rows)), C, d) - self.Y[rows]
            return float(self.w[rows] @ np.einsum("ij,ij->i", R, R))

        return float(sum(self.map_blocks(block)))

    def loss_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """L(θ) and ∂L/∂θ (packed like θ): the forward pass, then the chain rule backwards."""
        A, b, C, d = self._abcd(theta)

        def block(rows):
            X = self.X[rows]
            Z = self._pre(A, b, rows)                   # z = A x + b
            H = self.activation.fn(Z)                   # a = σ(z)
            R = self._out(H, C, d) - self.Y[rows]       # r = C a (+ d) − y
            wR = self.w[rows, None] * R
            loss = float(np.einsum("ij,ij->", wR, R))   # Σ wᵢ ‖rᵢ‖²
            D = 2.0 * wR                                # δ = ∂L/∂g
            dC = D.T @ H                                # ∂L/∂C = Σ δ aᵀ
            dd = (D.sum(axis=0),) if d is not None else ()  # ∂L/∂d = Σ δ
            dH = D * C if self.m == 1 else D @ C        # ∂L/∂a = Cᵀ δ
            dZ = dH * self._deriv(Z, H)                 # ∂L/∂z = ∂L/∂a ⊙ σ′(z)
            return loss, dZ.T @ X, dZ.sum(axis=0), dC, *dd  # ∂L/∂A = Σ ∂L/∂z xᵀ, ∂L/∂b = Σ ∂L/∂z

        loss, *grad = block_sum(self.map_blocks(block))
        return loss, pack(*grad)

    # -- residuals and Jacobian (Gauss–Newton) -------------------------------------------------------
    def residuals(self, theta: np.ndarray) -> np.ndarray:
        """r (N·m,): √ŵᵢ (g(xᵢ) − yᵢ), sample by sample, so that L = ‖r‖²."""
        A, b, C, d = self._abcd(theta)

        def block(rows):
            return self.sw[rows, None] * (self._out(self.activation.fn(self._pre(A, b, rows)), C, d) - self.Y[rows])

        return np.concatenate(self.map_blocks(block)).ravel()

    def jacobian(self, theta: np.ndarray, *, with_C: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(r, J): the residuals and their Jacobian (N·m, P), P = k·n + k (+ m·k (+ m) with ``with_C``).

        Without C's (and d's) columns it is the Jacobian with respect to A and b at fixed C (variable
        projection's Kaufman Jacobian before projection).
        """
        A, b, C, d = self._abcd(theta)
        k, n, m = self.k, self.n, self.m
        P = k * n + k + ((m * k + (m if d is not None else 0)) if with_C else 0)
        r = np.empty((self.N, m))
        J = np.zeros((self.N, m, P))

        def block(rows):
            X, s = self.X[rows], self.sw[rows, None]
            Z = self._pre(A, b, rows)
            H = self.activation.fn(Z)
            r[rows] = s * (self._out(H, C, d) - self.Y[rows])
            S = s * self._deriv(Z, H)                                  # √ŵᵢ σ′(z_iu)
            Jb = J[rows]
            for j in range(m):                                        # outputs, not samples
                SC = S * C[j]                                         # √ŵᵢ C_ju σ′(z_iu)
                Jb[:, j, : k * n] = (SC[:, :, None] * X[:, None, :]).reshape(X.shape[0], k * n)
                Jb[:, j, k * n : k * n + k] = SC
                if with_C:
                    Jb[:, j, k * n + k + j * k : k * n + k + (j + 1) * k] = s * H   # ∂rᵢⱼ/∂C_j = √ŵᵢ aᵢ
                if with_C and d is not None:
                    Jb[:, j, k * n + k + m * k + j] = s[:, 0]                      # ∂rᵢⱼ/∂d_j = √ŵᵢ

        self.map_blocks(block)
        return r.ravel(), J.reshape(self.N * m, P)

    def features(self, A, b) -> np.ndarray:
        """√ŵᵢ σ(A xᵢ + b) as an (N, k) matrix (variable projection solves for C on it)."""
        return self.sw[:, None] * self.activation.fn(self._pre(A, b, slice(None)))


def training_data(network, X, Y, weights) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """X (N, n), Y (N, m) and the weights (N,) or None, checked against ``network`` (a ShallowNetwork or a
    DeepNetwork): the front door of :func:`loss_and_grad` and :func:`residual_jacobian`."""
    if not isinstance(network, (ShallowNetwork, DeepNetwork)):
        raise TypeError(f"network must be a uat.ShallowNetwork or a uat.DeepNetwork; got {type(network).__name__}")
    X = as_points("X", X, network.dim)
    if X.shape[0] == 0:
        raise ValueError("X must hold at least one point; got 0 rows")
    Y = as_float_array("Y", Y)
    Y = Y[:, None] if Y.ndim == 1 else Y
    if Y.ndim != 2 or Y.shape != (X.shape[0], network.n_outputs):
        raise ValueError(f"Y must have shape ({X.shape[0]}, {network.n_outputs}) (one row of m values per point of X); "
                         f"got {Y.shape}")
    if weights is not None:
        weights = as_float_array("weights", weights, ndim=1)
        if weights.shape != (X.shape[0],) or np.any(weights < 0) or not np.any(weights > 0):
            raise ValueError(f"weights must be {X.shape[0]} non-negative numbers, not all zero (one per point); "
                             f"got shape {weights.shape}" + (", with a negative entry" if np.any(weights < 0) else ""))
    return X, Y, weights


def _objective(network, X, Y, weights):
    """(objective, θ) of a checked ShallowNetwork or DeepNetwork on (X, Y)."""
    X, Y, weights = training_data(network, X, Y, weights)
    if isinstance(network, DeepNetwork):
        # imported here: uat.fitting.deep_gradients builds on this module's RowBlocks
        from uat.fitting.deep_gradients import deep_objective
        return deep_objective(network, X, Y, weights)
    objective = Objective(X, Y, get_activation(network.activation), network.width, weights,
                          output_bias=network.d is not None)
    return objective, pack(network.A, network.b, network.C, network.d)


@pinned_blas
def loss_and_grad(network, X, Y, *, weights=None):
    """The training loss of ``network`` on (X, Y) and its gradient, by backpropagation.

    Parameters
    ----------
    network : ShallowNetwork or DeepNetwork
        g(x) = C σ(Ax + b) (+ d), or Φ through L layers (:mod:`uat.fitting.deep_gradients`); every σ must
        have a derivative.
    X : array (N, n)
    Y : array (N,) or (N, m)
    weights : array (N,), optional
        wᵢ >= 0; the loss is Σ wᵢ‖g(xᵢ) − yᵢ‖² / Σ wᵢ (default: the plain mean).

    Returns
    -------
    loss : float
    gradient : Gradient or DeepGradient
        ``gradient.A`` (k, n), ``gradient.b`` (k,), ``gradient.C`` (m, k), ``gradient.d`` (m,) or None; for a
        DeepNetwork ``gradient.weights`` and ``gradient.biases`` in the network's own shapes.

    Examples
    --------
    >>> g = ShallowNetwork([[1.0]], [0.0], [[2.0]], "relu")
    >>> loss, grad = loss_and_grad(g, [[1.0]], [1.0])   # g(1) = 2, r = 1, L = 1
    >>> loss, grad.C
    (1.0, array([[2.]]))
    """
    objective, theta = _objective(network, X, Y, weights)
    try:
        loss, grad = objective.loss_grad(theta)
    finally:
        objective.close()
    return loss, objective.gradient(grad)


@pinned_blas
def residual_jacobian(network, X, Y, *, weights=None) -> tuple[np.ndarray, np.ndarray]:
    """Residuals r (N·m,) and their Jacobian J (N·m, P) with respect to θ = (A, b, C[, d]).

    rᵢⱼ = √ŵᵢ (g_j(xᵢ) − y_ij) with ŵ = w / Σw, so that the loss of :func:`loss_and_grad` is ‖r‖²
    and its gradient is 2 Jᵀr. θ's order is that of :func:`pack` (for a DeepNetwork that of
    :func:`uat.fitting.deep_gradients.pack_layers`). J is the whole matrix (N·m·P floats), as
    Gauss–Newton methods need it.
    """
    objective, theta = _objective(network, X, Y, weights)
    try:
        return objective.jacobian(theta)
    finally:
        objective.close()
