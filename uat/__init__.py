"""uat: the universal approximation theorem as experiments.

For continuous non-polynomial σ, compact K ⊂ ℝⁿ, continuous f: K → ℝᵐ and ε > 0 there are k, A, b, C
with sup_{x∈K} ‖f(x) − C σ(Ax + b)‖ < ε. uat fits g(x) = C σ(Ax + b), estimates the sup-norm error
honestly, and measures the width k that reaches each ε.

>>> import uat
>>> result = uat.fit("runge", width=64, activation="tanh", seed=0)
>>> estimate = uat.sup_error("runge", result.network)
"""

__version__ = "0.1.0"

from uat.activations import Activation, get_activation, list_activations, register_activation
from uat.domains import Ball, Box, parse_domain
from uat.exceptions import ConvergenceWarning, ExpressionError, IllConditionedWarning, TargetError, UatWarning
from uat.fitting import FitResult, fit, fit_widths, list_methods, loss_and_grad, residual_jacobian
from uat.network import ShallowNetwork
from uat.study import load_results, run_study
from uat.supnorm import SupEstimate, rms_error, sup_error
from uat.targets import Target, get_target, list_targets, register_target

__all__ = [
    "Box", "Ball", "parse_domain",
    "ShallowNetwork",
    "Activation", "get_activation", "list_activations", "register_activation",
    "Target", "get_target", "list_targets", "register_target",
    "fit", "fit_widths", "FitResult", "list_methods", "loss_and_grad", "residual_jacobian",
    "sup_error", "rms_error", "SupEstimate",
    "run_study", "load_results",
    "IllConditionedWarning", "ConvergenceWarning", "ExpressionError", "TargetError", "UatWarning",
    "__version__",
]
