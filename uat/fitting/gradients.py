"""Backpropagation by hand: the loss, its gradient and the residuals' Jacobian for g(x) = C σ(Ax + b).

For one sample x (n,) with target y (m,) the forward pass is

    z = A x + b        (k,)    pre-activations
    a = σ(z)           (k,)    hidden outputs
    g = C a            (m,)    network output
    r = g − y          (m,)    residual

and the loss is the mean squared error over the N samples, optionally weighted:

    L = Σᵢ wᵢ ‖rᵢ‖² / Σᵢ wᵢ          (wᵢ = 1: L = (1/N) Σᵢ ‖rᵢ‖²)

Backwards, by the chain rule, with δᵢ = ∂L/∂gᵢ = 2 wᵢ rᵢ / Σw:

    ∂L/∂C = Σᵢ δᵢ aᵢᵀ                 (m, k)
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
sample by sample, and their Jacobian with respect to θ = (A row by row, b, C row by row):

    ∂rᵢⱼ/∂A_ud = √ŵᵢ C_ju σ′(z_iu) x_id,   ∂rᵢⱼ/∂b_u = √ŵᵢ C_ju σ′(z_iu),   ∂rᵢⱼ/∂C_j'u = [j = j'] √ŵᵢ a_iu.

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
from uat.network import BLOCK, ShallowNetwork

__all__ = ["Gradient", "loss_and_grad", "residual_jacobian", "Objective", "pack", "unpack", "require_derivative"]

#: Feature entries per row block of the gradient (1 MiB): blocks stay in cache and spread over threads;
#: the block size does not depend on the number of threads, so neither do the results.
_CACHE_BLOCK = 1 << 17


class Gradient(NamedTuple):
    """∂L/∂A (k, n), ∂L/∂b (k,), ∂L/∂C (m, k): the shapes of the network's own parameters."""

    A: np.ndarray
    b: np.ndarray
    C: np.ndarray


def pack(A: np.ndarray, b: np.ndarray, C: np.ndarray) -> np.ndarray:
    """θ = (A row by row, b, C row by row) as one flat float64 vector."""
    return np.concatenate([np.ravel(A), np.ravel(b), np.ravel(C)]).astype(float)


def unpack(theta: np.ndarray, k: int, n: int, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The inverse of :func:`pack`: views A (k, n), b (k,), C (m, k) into θ."""
    A = theta[: k * n].reshape(k, n)
    b = theta[k * n : k * n + k]
    C = theta[k * n + k :].reshape(m, k)
    return A, b, C


def require_derivative(activation: Activation) -> Activation:
    """``activation`` if it has σ′; else a ValueError saying that gradient training needs it (method 'lstsq'
    does not)."""
    if activation.deriv is None:
        raise ValueError(f"activation {activation.name!r} has no derivative, so it cannot be trained by gradients "
                         "(backpropagation needs σ′); use method='lstsq', which only solves for C")
    return activation


class Objective:
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
    """

    def __init__(self, X, Y, activation: Activation, width: int, weights=None, threads: int | None = None):
        self.X = np.ascontiguousarray(X, dtype=float)
        self.Y = np.ascontiguousarray(Y, dtype=float)
        self.activation = require_derivative(activation)
        self.N, self.n = self.X.shape
        self.m = self.Y.shape[1]
        self.k = int(width)
        if weights is None:
            self.w = np.full(self.N, 1.0 / self.N)
        else:
            w = np.asarray(weights, dtype=float)
            w = w / w.max()  # first, so that the sum cannot overflow
            self.w = w / w.sum()
        self.sw = np.sqrt(self.w)
        self.n_params = self.k * self.n + self.k + self.m * self.k
        self.rows = max(1, min(BLOCK, _CACHE_BLOCK) // max(self.k, 1))
        self.threads = available_threads() if threads is None else int(threads)
        self._pool = None

    # -- plumbing ------------------------------------------------------------------------------------
    def _blocks(self):
        return [slice(s, min(s + self.rows, self.N)) for s in range(0, self.N, self.rows)]

    def _map(self, fn, blocks):
        """fn over the row blocks, results in block order (threads only when there are several blocks)."""
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

    def unpack(self, theta):
        return unpack(theta, self.k, self.n, self.m)

    def _pre(self, A, b, rows):
        """Z = X Aᵀ + b for the block (for n = 1 an outer product by broadcasting, faster than BLAS)."""
        X = self.X[rows]
        Z = X * A[:, 0] if self.n == 1 else X @ A.T
        Z += b
        return Z

    def _deriv(self, Z, H):
        """σ′(Z), from H = σ(Z) where the activation allows it."""
        act = self.activation
        return act.deriv_from_value(H) if act.deriv_from_value is not None else act.deriv(Z)

    # -- the loss and its gradient ---------------------------------------------------------------------
    def loss(self, theta: np.ndarray) -> float:
        A, b, C = self.unpack(theta)

        def block(rows):
            R = self.activation.fn(self._pre(A, b, rows)) @ C.T - self.Y[rows]
            return float(self.w[rows] @ np.einsum("ij,ij->i", R, R))

        return float(sum(self._map(block, self._blocks())))

    def loss_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """L(θ) and ∂L/∂θ (packed like θ): the forward pass, then the chain rule backwards."""
        A, b, C = self.unpack(theta)

        def block(rows):
            X = self.X[rows]
            Z = self._pre(A, b, rows)                   # z = A x + b
            H = self.activation.fn(Z)                   # a = σ(z)
            R = H @ C.T - self.Y[rows]                  # r = C a − y
            wR = self.w[rows, None] * R
            loss = float(np.einsum("ij,ij->", wR, R))   # Σ wᵢ ‖rᵢ‖²
            D = 2.0 * wR                                # δ = ∂L/∂g
            dC = D.T @ H                                # ∂L/∂C = Σ δ aᵀ
            dH = D * C if self.m == 1 else D @ C        # ∂L/∂a = Cᵀ δ
            dZ = dH * self._deriv(Z, H)                 # ∂L/∂z = ∂L/∂a ⊙ σ′(z)
            return loss, dZ.T @ X, dZ.sum(axis=0), dC   # ∂L/∂A = Σ ∂L/∂z xᵀ, ∂L/∂b = Σ ∂L/∂z

        parts = self._map(block, self._blocks())
        loss, dA, db, dC = parts[0]
        for p in parts[1:]:
            loss, dA, db, dC = loss + p[0], dA + p[1], db + p[2], dC + p[3]
        return loss, pack(dA, db, dC)

    # -- residuals and Jacobian (Gauss–Newton) -------------------------------------------------------
    def residuals(self, theta: np.ndarray) -> np.ndarray:
        """r (N·m,): √ŵᵢ (g(xᵢ) − yᵢ), sample by sample, so that L = ‖r‖²."""
        A, b, C = self.unpack(theta)

        def block(rows):
            return self.sw[rows, None] * (self.activation.fn(self._pre(A, b, rows)) @ C.T - self.Y[rows])

        return np.concatenate(self._map(block, self._blocks())).ravel()

    def jacobian(self, theta: np.ndarray, *, with_C: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(r, J): the residuals and their Jacobian (N·m, P), P = k·n + k (+ m·k with ``with_C``).

        Without C's columns it is the Jacobian with respect to A and b at fixed C (variable
        projection's Kaufman Jacobian before projection).
        """
        A, b, C = self.unpack(theta)
        k, n, m = self.k, self.n, self.m
        P = k * n + k + (m * k if with_C else 0)
        r = np.empty((self.N, m))
        J = np.zeros((self.N, m, P))

        def block(rows):
            X, s = self.X[rows], self.sw[rows, None]
            Z = self._pre(A, b, rows)
            H = self.activation.fn(Z)
            r[rows] = s * (H @ C.T - self.Y[rows])
            S = s * self._deriv(Z, H)                                  # √ŵᵢ σ′(z_iu)
            Jb = J[rows]
            for j in range(m):                                        # outputs, not samples
                SC = S * C[j]                                         # √ŵᵢ C_ju σ′(z_iu)
                Jb[:, j, : k * n] = (SC[:, :, None] * X[:, None, :]).reshape(X.shape[0], k * n)
                Jb[:, j, k * n : k * n + k] = SC
                if with_C:
                    Jb[:, j, k * n + k + j * k : k * n + k + (j + 1) * k] = s * H

        self._map(block, self._blocks())
        return r.ravel(), J.reshape(self.N * m, P)

    def features(self, A, b) -> np.ndarray:
        """√ŵᵢ σ(A xᵢ + b) as an (N, k) matrix (variable projection solves for C on it)."""
        return self.sw[:, None] * self.activation.fn(self._pre(A, b, slice(None)))


def _objective(network: ShallowNetwork, X, Y, weights) -> tuple[Objective, np.ndarray]:
    if not isinstance(network, ShallowNetwork):
        raise TypeError(f"network must be a uat.ShallowNetwork; got {type(network).__name__}")
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
    if network.d is not None:
        raise ValueError("network has an output bias d; the hand-written gradients are for the theorem's form "
                         "C σ(Ax + b), without one")
    objective = Objective(X, Y, get_activation(network.activation), network.width, weights)
    return objective, pack(network.A, network.b, network.C)


@pinned_blas
def loss_and_grad(network: ShallowNetwork, X, Y, *, weights=None) -> tuple[float, Gradient]:
    """The training loss of ``network`` on (X, Y) and its gradient, by backpropagation.

    Parameters
    ----------
    network : ShallowNetwork
        g(x) = C σ(Ax + b); σ must have a derivative.
    X : array (N, n)
    Y : array (N,) or (N, m)
    weights : array (N,), optional
        wᵢ >= 0; the loss is Σ wᵢ‖g(xᵢ) − yᵢ‖² / Σ wᵢ (default: the plain mean).

    Returns
    -------
    loss : float
    gradient : Gradient
        ``gradient.A`` (k, n), ``gradient.b`` (k,), ``gradient.C`` (m, k).

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
    return loss, Gradient(*(p.copy() for p in objective.unpack(grad)))


@pinned_blas
def residual_jacobian(network: ShallowNetwork, X, Y, *, weights=None) -> tuple[np.ndarray, np.ndarray]:
    """Residuals r (N·m,) and their Jacobian J (N·m, P) with respect to θ = (A, b, C).

    rᵢⱼ = √ŵᵢ (g_j(xᵢ) − y_ij) with ŵ = w / Σw, so that the loss of :func:`loss_and_grad` is ‖r‖²
    and its gradient is 2 Jᵀr. θ's order is that of :func:`pack`. J is the whole matrix (N·m·P
    floats), as Gauss–Newton methods need it.
    """
    objective, theta = _objective(network, X, Y, weights)
    try:
        return objective.jacobian(theta)
    finally:
        objective.close()
