"""Backpropagation by hand through L layers: the loss, its gradient and the residuals' Jacobian of a DeepNetwork.

The lecture's general formula, for one sample x (N_0,) with target y (N_L,), ℓ = 1, …, L:

    a[0] = x
    z[ℓ] = W[ℓ] a[ℓ−1] + b[ℓ]          (N_ℓ,)   pre-activations
    a[ℓ] = σ(z[ℓ])                     (N_ℓ,)   σ of layer ℓ; at ℓ = L σ_out, or the identity (Kutyniok's Φ)
    r = a[L] − y                       (N_L,)   residual

with uat's loss, the (weighted) mean over the samples of the squared Euclidean norm of the residual,

    L = Σᵢ wᵢ ‖rᵢ‖² / Σᵢ wᵢ            (wᵢ = 1: L = (1/N) Σᵢ ‖rᵢ‖²), as in :mod:`uat.fitting.gradients`.

Backwards, by the chain rule (⊙ is the entrywise product, ŵ = w / Σw):

    ∂L/∂a[L] = 2 ŵᵢ rᵢ
    δ[L] = ∂L/∂a[L] ⊙ σ_out′(z[L])     (σ_out′ = 1 without an output activation)
    δ[ℓ] = (W[ℓ+1]ᵀ δ[ℓ+1]) ⊙ σ′(z[ℓ])  ℓ = L−1, …, 1
    ∂L/∂W[ℓ] = Σᵢ δᵢ[ℓ] a[ℓ−1]ᵢᵀ       (N_ℓ, N_{ℓ−1})
    ∂L/∂b[ℓ] = Σᵢ δᵢ[ℓ]                (N_ℓ,)

The samples are the rows of matrices (N, N_ℓ): Z[ℓ] = A[ℓ−1] W[ℓ]ᵀ + b[ℓ], and the sums over i are
matrix products; Python loops run over the layers only. Rows come in blocks of at most 2¹⁷ cached
entries, on the threads of :class:`uat.fitting.gradients.RowBlocks`, block sums added in a fixed order.

Parameters are packed layer by layer, θ = (W[1] row by row, b[1], W[2] row by row, b[2], …, W[L], b[L])
(:func:`pack_layers`, :func:`unpack_layers`): at L = 2 the order of :func:`uat.fitting.gradients.pack`,
(A, b, C, d). Gauss–Newton methods get the residuals rᵢⱼ = √ŵᵢ (a[L]ᵢⱼ − yᵢⱼ), sample by sample, and
their Jacobian (N·m, P) from the same backward pass run for every output j at once:

    Δ[L]ᵢⱼᵤ = √ŵᵢ [u = j] σ_out′(z[L]ᵢᵤ),   Δ[ℓ] = (Δ[ℓ+1] W[ℓ+1]) ⊙ σ′(z[ℓ])
    ∂rᵢⱼ/∂W[ℓ]ᵤᵥ = Δ[ℓ]ᵢⱼᵤ a[ℓ−1]ᵢᵥ,       ∂rᵢⱼ/∂b[ℓ]ᵤ = Δ[ℓ]ᵢⱼᵤ

For variable projection (no σ_out: Φ is linear in the last affine map), ``DeepObjective.jacobian(θ,
with_last=False)`` leaves out W[L] and b[L]'s columns and ``DeepObjective.features(θ)`` gives the
matrix √ŵᵢ (a[L−1]ᵢ, 1) that (W[L], b[L]) multiplies.

Activations at their kinks use σ′'s one-sided value (a subgradient); a σ without σ′ (heaviside) is
refused, hidden or at the output.

Memory: each thread computes its blocks in arrays it allocates once (:class:`_Workspace`: z[ℓ], a[ℓ], σ′
and the δ's of one block), with numpy's ``out=`` and in-place operators. A fresh array per operation
cost more than the arithmetic: ``1.0 - a * a`` on 1016 × 64 entries took 470 µs against 25 µs into an
existing array (glibc hands the freed memory back to the system and each new array page-faults), and
one loss_grad at widths [64, 64], N = 4096 (tanh, one thread, 2 shared cores) 8.3 ms alone and 17 ms
run alternately with the in-place code, against 6.0-6.5 ms in place. The same operations in the same
order: the same bits (loss, gradient, residuals and Jacobian compared bit for bit with the code before,
for every σ with σ′, depths 1-3, with and without σ_out, 1 and 2 threads). An elementwise σ (or σ′)
that is a numpy ufunc writes into the workspace directly; any other callable is applied to slices of at
most 2¹⁴ entries (128 KiB, small enough to be reused rather than returned to the system), their values
copied in.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from uat.activations import Activation
from uat.deep import DeepNetwork
from uat.fitting.gradients import RowBlocks, block_sum, require_derivative

__all__ = ["DeepGradient", "DeepObjective", "deep_objective", "pack_layers", "unpack_layers", "layer_sizes"]


@dataclass(frozen=True)
class DeepGradient:
    """∂L/∂W[ℓ] and ∂L/∂b[ℓ] for ℓ = 1, …, L: ``weights`` and ``biases`` shaped like the network's own."""

    weights: tuple
    biases: tuple


def layer_sizes(widths) -> list[tuple[int, int]]:
    """[(N_1, N_0), …, (N_L, N_{L−1})]: the shape of W[ℓ] for each layer, from (N_0, …, N_L)."""
    return [(int(widths[l]), int(widths[l - 1])) for l in range(1, len(widths))]


def pack_layers(weights, biases) -> np.ndarray:
    """θ = (W[1] row by row, b[1], …, W[L] row by row, b[L]) as one flat float64 vector."""
    return np.concatenate([p for W, b in zip(weights, biases) for p in (np.ravel(W), np.ravel(b))]).astype(float)


def unpack_layers(theta: np.ndarray, widths) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The inverse of :func:`pack_layers` for widths (N_0, …, N_L): views [W[1], …, W[L]], [b[1], …, b[L]]."""
    weights, biases, start = [], [], 0
    for rows, cols in layer_sizes(widths):
        weights.append(theta[start : start + rows * cols].reshape(rows, cols))
        biases.append(theta[start + rows * cols : start + rows * cols + rows])
        start += rows * cols + rows
    return weights, biases


def _layer_columns(Jl: np.ndarray, delta: np.ndarray, a_prev: np.ndarray):
    """Write layer ℓ's columns Jl (rows, m, N_ℓ·N_{ℓ−1} + N_ℓ) of the Jacobian from Δ[ℓ] (rows, m, N_ℓ)
    and a[ℓ−1] (rows, N_{ℓ−1})."""
    rows, m, N_l = delta.shape
    Jl[:, :, : N_l * a_prev.shape[1]] = (delta[:, :, :, None] * a_prev[:, None, None, :]).reshape(
        rows, m, -1)                                   # ∂rᵢⱼ/∂W[ℓ]ᵤᵥ = Δ[ℓ]ᵢⱼᵤ a[ℓ−1]ᵢᵥ
    Jl[:, :, N_l * a_prev.shape[1] :] = delta          # ∂rᵢⱼ/∂b[ℓ]ᵤ = Δ[ℓ]ᵢⱼᵤ


#: Entries per slice when a non-ufunc σ or σ′ fills a workspace array (128 KiB: reused by malloc, not faulted in)
_SLICE = 1 << 14


def _into(fn, x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out[...] = fn(x) for an elementwise fn: directly for a numpy ufunc (``out`` may be ``x``), else slice by
    slice of rows (each slice's values are fn's own: the same bits as fn(x))."""
    if isinstance(fn, np.ufunc):
        return fn(x, out=out)
    step = max(1, _SLICE // max(x.shape[1], 1))
    for start in range(0, x.shape[0], step):
        out[start : start + step] = fn(x[start : start + step])
    return out


def _product_into(P: np.ndarray, Q: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out = P Q; with one column in P an outer product (the same values: one term per entry; numpy's matmul
    took twice as long for it, 38 µs against 22 µs on 508 × 64 entries)."""
    if P.shape[1] == 1:
        return np.multiply(P, Q[0], out=out)
    return np.matmul(P, Q, out=out)


class _Workspace:
    """One thread's arrays for a row block of up to ``capacity`` rows: per layer ℓ = 1, …, L an array for z[ℓ]
    (a[ℓ] is written over it where σ′ is read from a[ℓ], or at an identity layer) and one for a[ℓ] where z[ℓ]
    must be kept; σ′ of a layer, and two arrays that δ[ℓ] and ∂L/∂a[ℓ−1] take turns in."""

    def __init__(self, capacity: int, widths, keep_z):
        self.capacity = capacity
        wide = max(widths[1:])
        self.z = [None] + [np.empty(capacity * w) for w in widths[1:]]
        self.a = [None] + [np.empty(capacity * w) if keep else None for w, keep in zip(widths[1:], keep_z[1:])]
        self.slope = np.empty(capacity * wide)
        self.turns = [np.empty(capacity * wide), np.empty(capacity * wide)]

    @staticmethod
    def view(flat: np.ndarray, rows: int, cols: int) -> np.ndarray:
        """The first rows × cols entries of a flat array as a C-contiguous (rows, cols) matrix."""
        return flat[: rows * cols].reshape(rows, cols)


class DeepObjective(RowBlocks):
    """The weighted least-squares training problem of a fixed deep architecture, on fixed data.

    Parameters
    ----------
    X : array (N, N_0)
    Y : array (N, N_L)
    widths : sequence of int
        (N_0, N_1, …, N_L).
    activations : sequence of L − 1 Activation
        σ of each hidden layer.
    output_activation : Activation or None
        σ_out at layer L; None is the identity (Kutyniok's Φ).
    weights : array (N,), optional
        Sample weights wᵢ >= 0, not all zero; default all ones.
    threads : int, optional
        Threads over row blocks.
    """

    def __init__(self, X, Y, widths, activations, output_activation: Activation | None = None, weights=None,
                 threads: int | None = None):
        self.widths = tuple(int(w) for w in widths)
        hidden = tuple(require_derivative(a) for a in activations)
        out = None if output_activation is None else require_derivative(output_activation, "output_activation")
        self.sigma = (None, *hidden, out)  # σ of layer ℓ at index ℓ (None: the identity)
        self.depth = len(self.widths) - 1
        super().__init__(X, Y, weights, threads, sum(self.widths[1:]))
        self.n_params = sum(rows * cols + rows for rows, cols in layer_sizes(self.widths))
        # z[ℓ] is kept beside a[ℓ] only where σ′ needs it (no σ′ from the value): a[ℓ] overwrites it otherwise
        self.keep_z = tuple(s is not None and s.deriv_from_value is None for s in self.sigma)
        self._local = threading.local()  # each thread's _Workspace

    def workspace(self, count: int) -> _Workspace:
        """This thread's arrays for a block of ``count`` rows (allocated on its first block, and again if a
        block is larger)."""
        ws = getattr(self._local, "workspace", None)
        if ws is None or ws.capacity < count:
            ws = self._local.workspace = _Workspace(count, self.widths, self.keep_z)
        return ws

    def unpack(self, theta):
        """[W[1], …, W[L]], [b[1], …, b[L]]: views into θ."""
        return unpack_layers(theta, self.widths)

    def gradient(self, grad: np.ndarray) -> DeepGradient:
        """A packed ∂L/∂θ as a :class:`DeepGradient` in the network's shapes (copies)."""
        weights, biases = self.unpack(grad)
        return DeepGradient(tuple(W.copy() for W in weights), tuple(b.copy() for b in biases))

    def forward(self, weights, biases, rows) -> tuple[list, list]:
        """z = [None, z[1], …, z[L]] and a = [a[0], …, a[L]] for the block's rows, each (rows, N_ℓ), in this
        thread's workspace (valid until its next block). z[ℓ] is None where a[ℓ] was written over it (σ′ read
        from a[ℓ]); at an identity layer z[ℓ] is a[ℓ]."""
        count = rows.stop - rows.start
        ws = self.workspace(count)
        z, a = [None], [self.X[rows]]                                # a[0] = x
        for l in range(1, self.depth + 1):
            N_l, sigma = self.widths[l], self.sigma[l]
            Z = ws.view(ws.z[l], count, N_l)
            _product_into(a[l - 1], weights[l - 1].T, Z)
            Z += biases[l - 1]                                       # z[ℓ] = W[ℓ] a[ℓ−1] + b[ℓ]
            if sigma is None:
                z.append(Z)
                a.append(Z)                                          # a[L] = z[L] (Kutyniok's Φ)
            else:
                kept = self.keep_z[l]
                a.append(_into(sigma.fn, Z, ws.view(ws.a[l], count, N_l) if kept else Z))   # a[ℓ] = σ(z[ℓ])
                z.append(Z if kept else None)
        return z, a

    def slope(self, l: int, z, a) -> np.ndarray | None:
        """σ′(z[ℓ]) (rows, N_ℓ), from a[ℓ] = σ(z[ℓ]) where the activation allows it, in this thread's
        workspace (valid until its next slope); None for the identity."""
        sigma = self.sigma[l]
        if sigma is None:
            return None
        ws = self.workspace(a[l].shape[0])
        out = ws.view(ws.slope, *a[l].shape)
        if sigma.deriv_from_value is not None:
            return _into(sigma.deriv_from_value, a[l], out)
        return _into(sigma.deriv, z[l], out)

    def loss(self, theta: np.ndarray) -> float:
        weights, biases = self.unpack(theta)

        def block(rows):
            R = self.forward(weights, biases, rows)[1][-1] - self.Y[rows]   # r = a[L] − y
            return float(self.w[rows] @ np.einsum("ij,ij->i", R, R))        # Σ ŵᵢ ‖rᵢ‖²

        return float(sum(self.map_blocks(block)))

    def loss_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """L(θ) and ∂L/∂θ (packed like θ): the forward pass caching z[ℓ] and a[ℓ], then δ[ℓ] from ℓ = L down
        (δ[ℓ] and ∂L/∂a[ℓ−1] in the workspace's two turns, σ′ multiplied in place)."""
        weights, biases = self.unpack(theta)

        def block(rows):
            z, a = self.forward(weights, biases, rows)  # z[ℓ], a[ℓ]; a[0] = x
            turns = self.workspace(rows.stop - rows.start).turns
            R = a[-1] - self.Y[rows]                    # r = a[L] − y
            wR = self.w[rows, None] * R
            loss = float(np.einsum("ij,ij->", wR, R))   # Σ ŵᵢ ‖rᵢ‖²
            dA = 2.0 * wR                               # ∂L/∂a[L] = 2 ŵ r
            grads = []
            for l in range(self.depth, 0, -1):
                s = self.slope(l, z, a)
                delta = dA if s is None else np.multiply(dA, s, out=dA)  # δ[ℓ] = ∂L/∂a[ℓ] ⊙ σ′(z[ℓ])
                grads[:0] = [delta.T @ a[l - 1], delta.sum(axis=0)]  # ∂L/∂W[ℓ] = Σ δ a[ℓ−1]ᵀ, ∂L/∂b[ℓ] = Σ δ
                if l > 1:                               # ∂L/∂a[ℓ−1] = W[ℓ]ᵀ δ[ℓ]
                    dA = _product_into(delta, weights[l - 1], _Workspace.view(turns[l % 2], *a[l - 1].shape))
            return loss, *grads

        loss, *grads = block_sum(self.map_blocks(block))
        return loss, pack_layers(grads[0::2], grads[1::2])

    def residuals(self, theta: np.ndarray) -> np.ndarray:
        """r (N·m,): √ŵᵢ (Φ(xᵢ) − yᵢ), sample by sample, so that L = ‖r‖²."""
        weights, biases = self.unpack(theta)

        def block(rows):
            return self.sw[rows, None] * (self.forward(weights, biases, rows)[1][-1] - self.Y[rows])

        return np.concatenate(self.map_blocks(block)).ravel()

    def jacobian(self, theta: np.ndarray, *, with_last: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(r, J): the residuals and their Jacobian (N·m, P), columns in :func:`pack_layers` order.

        Δ[ℓ] (rows, m, N_ℓ) is δ[ℓ] of every output j at once: ∂rᵢⱼ/∂z[ℓ]ᵢ. Without the last layer's
        columns (``with_last=False``) it is the Jacobian with respect to layers 1, …, L − 1 at fixed W[L], b[L]
        (variable projection's Kaufman Jacobian before projection, as ``Objective.jacobian(with_C=False)``).
        """
        weights, biases = self.unpack(theta)
        sizes = [rows * cols + rows for rows, cols in layer_sizes(self.widths)]
        starts = np.cumsum([0] + sizes[:-1])   # θ's first column of W[ℓ]
        m, P = self.m, self.n_params - (0 if with_last else sizes[-1])
        r = np.empty((self.N, m))
        J = np.zeros((self.N, m, P))

        def block(rows):
            z, a = self.forward(weights, biases, rows)
            s = self.sw[rows, None]
            r[rows] = s * (a[-1] - self.Y[rows])                 # rᵢⱼ = √ŵᵢ (a[L]ᵢⱼ − yᵢⱼ)
            Jb, dA = J[rows], s[:, :, None] * np.eye(m)          # ∂rᵢⱼ/∂a[L]ᵢᵤ = √ŵᵢ [u = j]
            for l in range(self.depth, 0, -1):
                slope = self.slope(l, z, a)
                delta = dA if slope is None else dA * slope[:, None, :]   # Δ[ℓ] = ∂r/∂a[ℓ] ⊙ σ′(z[ℓ])
                if with_last or l < self.depth:
                    _layer_columns(Jb[:, :, starts[l - 1] : starts[l - 1] + sizes[l - 1]], delta, a[l - 1])
                if l > 1:
                    dA = delta @ weights[l - 1]                   # ∂r/∂a[ℓ−1] = Δ[ℓ] W[ℓ]

        self.map_blocks(block)
        return r.ravel(), J.reshape(self.N * m, P)

    def features(self, theta: np.ndarray) -> np.ndarray:
        """√ŵᵢ (a[L−1]ᵢ, 1) as an (N, N_{L−1} + 1) matrix, from layers 1, …, L − 1 of θ (the last layer's
        entries are not read): without σ_out, Φ = a[L−1] W[L]ᵀ + b[L] is linear in (W[L], b[L]) on it, so
        variable projection can solve for the last affine map by least squares."""
        weights, biases = self.unpack(theta)
        hidden = self.depth - 1

        def block(rows):
            a = self.X[rows]
            for l in range(1, hidden + 1):
                a = self.sigma[l].fn(a @ weights[l - 1].T + biases[l - 1])   # a[ℓ] = σ(W[ℓ] a[ℓ−1] + b[ℓ])
            return self.sw[rows, None] * np.column_stack([a, np.ones(a.shape[0])])

        return np.concatenate(self.map_blocks(block))


def deep_objective(network: DeepNetwork, X, Y, weights=None) -> tuple[DeepObjective, np.ndarray]:
    """(objective, θ) for ``network`` on checked data (X (N, N_0), Y (N, N_L), sample weights or None)."""
    objective = DeepObjective(X, Y, network.widths, network.activations, network.output_activation, weights)
    return objective, pack_layers(network.weights, network.biases)
