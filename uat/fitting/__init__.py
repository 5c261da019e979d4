"""Fitting methods for g(x) = C σ(Ax + b): the :func:`fit` entry point and the method registry.

The samples stage comes first (:mod:`uat.fitting.training`): :func:`training_set` draws the training
points, f's values and a random hidden layer A, b as a :class:`TrainingSet`, which the methods fit on.
Each method declares its options once (:class:`Option`: default, doc, check); iterative methods say how
they ended in words of :data:`STATUSES` (:mod:`uat.fitting.status`). Each method lives in its own module
and registers itself on import:

* ``lstsq``: random A, b; C by least squares (:mod:`uat.fitting.lstsq` holds the solvers);
* ``minimax``: random A, b; C minimising the max error (:mod:`uat.fitting.minimax`);
* ``backprop``: all of A, b, C trained (:mod:`uat.fitting.backprop`; gradients by hand in
  :mod:`uat.fitting.gradients`, and through the L layers of a DeepNetwork in
  :mod:`uat.fitting.deep_gradients`);
* ``relu_interp``, ``pl_best``, ``sigmoid_staircase``: the constructive approximants of the
  theorem's proofs, 1-D, with a-priori bounds (:mod:`uat.fitting.constructive`);
* ``chebyshev``, ``poly_minimax``: polynomial baselines of the degree whose coefficient count matches
  a width-k network's parameters (:mod:`uat.fitting.baselines`).
"""

from uat.fitting.base import (FitResult, Method, Option, fit, get_method, list_methods, register_method,
                              uses_activation)
from uat.fitting.training import DRAW_OPTIONS, TrainingSet, training_set
from uat.fitting.status import STATUSES
from uat.fitting.draws import SCHEMES, draw_features
from uat.fitting.lstsq import LstsqSolution, lstsq_path, lstsq_solve
from uat.fitting.minimax import MinimaxSolution, chebyshev_lp, minimax_exchange, minimax_solve
from uat.fitting.random_features import fit_widths
from uat.fitting.backprop import INITS, OPTIMIZERS  # importing registers the method
# importing these registers relu_interp, pl_best, sigmoid_staircase and the baselines chebyshev, poly_minimax
from uat.fitting.constructive import relu_pl_network
from uat.fitting.baselines import PolynomialApproximant
from uat.fitting.polynomial import best_polynomial
from uat.fitting.peers import PeerNotInstalledError  # importing registers the optional peers (sklearn, torch)
from uat.fitting.gradients import Gradient, loss_and_grad, residual_jacobian
from uat.fitting.deep_gradients import DeepGradient, pack_layers, unpack_layers

__all__ = ["FitResult", "Method", "Option", "TrainingSet", "training_set", "DRAW_OPTIONS", "STATUSES", "fit",
           "fit_widths", "get_method", "list_methods", "register_method", "uses_activation", "draw_features", "SCHEMES",
           "lstsq_solve", "lstsq_path", "LstsqSolution", "minimax_solve", "minimax_exchange", "chebyshev_lp",
           "MinimaxSolution",
           "Gradient", "DeepGradient", "loss_and_grad", "residual_jacobian", "pack_layers", "unpack_layers",
           "OPTIMIZERS", "INITS", "PeerNotInstalledError",
           "relu_pl_network", "PolynomialApproximant", "best_polynomial"]
