"""Variable projection for a deep network: the last affine map is the linear part, layers 1, …, L − 1 the rest.

Without an output activation Kutyniok's Φ is linear in its last affine map,

    Φ(x) = W[L] a[L−1](x) + b[L] = (a[L−1](x), 1) · [W[L]ᵀ; b[L]ᵀ],

so for fixed layers 1, …, L − 1 the least-squares (W[L], b[L]) solves a linear problem on the features
H = √ŵᵢ (a[L−1]ᵢ, 1) (N, N_{L−1} + 1), as C does on σ(Ax + b) for one hidden layer. :class:`LastLayerSplit`
gives variable projection (``uat.fitting.backprop``) what it needs of a
:class:`~uat.fitting.deep_gradients.DeepObjective`, built on that objective's public methods only:

* ``n_inner``: the entries of θ that Levenberg–Marquardt moves, layers 1, …, L − 1 (θ's first entries in
  :func:`~uat.fitting.deep_gradients.pack_layers` order);
* ``features(inner)``: H, from ``DeepObjective.features`` (which does not read the last layer);
* ``join(inner, Ct)``: θ from the inner entries and the linear part Ct (N_{L−1} + 1, m), whose rows are
  W[L]'s columns and, last, b[L]: W[L] = Ct[:-1]ᵀ, b[L] = Ct[-1];
* ``jacobian(θ)``: the residuals and their Jacobian in the inner entries at fixed (W[L], b[L])
  (``DeepObjective.jacobian(θ, with_last=False)``), which variable projection projects (Kaufman).

An output activation makes Φ nonlinear in (W[L], b[L]): the split is refused.
"""

from __future__ import annotations

import numpy as np

from uat.fitting.deep_gradients import DeepObjective
from uat.fitting.lstsq import default_solver

__all__ = ["LastLayerSplit"]


class LastLayerSplit:
    """θ = (layers 1, …, L − 1 | W[L], b[L]) of a :class:`DeepObjective` without an output activation.

    Attributes
    ----------
    objective : DeepObjective
    n_inner : int
        Entries of layers 1, …, L − 1 in θ.
    n_features : int
        N_{L−1} + 1: the features a[L−1] and the constant 1 that b[L] multiplies.
    solver : str
        The least-squares solver method 'lstsq' would use on σ of the last hidden layer (``qr`` or ``auto``).
    """

    def __init__(self, objective: DeepObjective):
        if objective.sigma[-1] is not None:
            raise ValueError(f"variable projection needs a last layer without output activation; this objective has "
                             f"output_activation={objective.sigma[-1].name!r}")
        self.objective = objective
        self.n_features = objective.widths[-2] + 1
        self.n_inner = objective.n_params - objective.m * self.n_features
        self.solver = default_solver(objective.sigma[-2])

    def features(self, inner: np.ndarray) -> np.ndarray:
        """H = √ŵᵢ (a[L−1]ᵢ, 1) (N, N_{L−1} + 1) of the inner layers (the last layer's entries are never read)."""
        return self.objective.features(self.join(inner, np.zeros((self.n_features, self.objective.m))))

    def join(self, inner: np.ndarray, Ct: np.ndarray) -> np.ndarray:
        """θ with layers 1, …, L − 1 from ``inner`` and W[L] = Ct[:-1]ᵀ, b[L] = Ct[-1] (Ct (N_{L−1} + 1, m))."""
        return np.concatenate([inner, Ct[:-1].T.ravel(), Ct[-1]])

    def jacobian(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(r, J): the residuals (N·m,) and their Jacobian (N·m, n_inner) in layers 1, …, L − 1 at fixed W[L], b[L]."""
        return self.objective.jacobian(theta, with_last=False)
