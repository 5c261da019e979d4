"""Deep networks: Kutyniok's Φ(x) = T_L ρ(T_{L−1} ρ(… ρ(T_1 x))), T_ℓ x = W^(ℓ) x + b^(ℓ), and the lecture's
a[ℓ] = σ(W[ℓ] a[ℓ−1] + b[ℓ]) with σ at the output too (``output_activation``).

Shapes: W_ℓ is (N_ℓ, N_{ℓ−1}) and b_ℓ is (N_ℓ,), for ℓ = 1, …, L; N_0 = n is the input dimension and
N_L = m the number of outputs. Points are rows: X is (N, n) and Φ(X) is (N, m).

Each layer's sum is taken by einsum over C-contiguous rows, not by BLAS, so each row of Φ(X) is bitwise
independent of the other rows (as for :class:`uat.network.ShallowNetwork`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from uat._validation import as_points
from uat.activations import Activation, get_activation

__all__ = ["DeepNetwork"]


def _layer(W: np.ndarray, b: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Z = A Wᵀ + b for the rows of A, with a summation order fixed per row."""
    Z = np.einsum("nd,kd->nk", np.ascontiguousarray(A), W)
    Z += b
    return Z


def _frozen(value) -> np.ndarray:
    array = np.array(value, dtype=float)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class DeepNetwork:
    """Φ = T_L ∘ σ_{L−1} ∘ T_{L−1} ∘ … ∘ σ_1 ∘ T_1, optionally followed by σ_out.

    Parameters
    ----------
    weights : list of ndarray
        [W_1, …, W_L], W_ℓ of shape (N_ℓ, N_{ℓ−1}).
    biases : list of ndarray
        [b_1, …, b_L], b_ℓ of shape (N_ℓ,).
    activation : str, Activation, or a list of L − 1 of them
        σ of every hidden layer, or one per hidden layer.
    output_activation : str, Activation or None
        None is Kutyniok's Φ (T_L last); a σ gives the lecture's a[L] = σ(z[L]).
    """

    weights: tuple
    biases: tuple
    activation: object = "tanh"
    output_activation: object = None

    def __post_init__(self):
        weights = tuple(_frozen(W) for W in self.weights)
        biases = tuple(_frozen(b) for b in self.biases)
        hidden = len(weights) - 1
        if isinstance(self.activation, (str, Activation)):
            activations = (get_activation(self.activation),) * hidden
        else:
            activations = tuple(get_activation(a) for a in self.activation)
        out = None if self.output_activation is None else get_activation(self.output_activation)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "biases", biases)
        object.__setattr__(self, "activations", activations)
        object.__setattr__(self, "output_activation", out)

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
        return self.widths[0]

    @property
    def n_outputs(self) -> int:
        return self.widths[-1]

    @property
    def n_params(self) -> int:
        """Every weight and bias."""
        return sum(W.size + b.size for W, b in zip(self.weights, self.biases))

    def __call__(self, X) -> np.ndarray:
        A = as_points("X", X, self.dim)
        for W, b, act in zip(self.weights[:-1], self.biases[:-1], self.activations):
            A = act.fn(_layer(W, b, A))
        Z = _layer(self.weights[-1], self.biases[-1], A)
        return Z if self.output_activation is None else self.output_activation.fn(Z)
