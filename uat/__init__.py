"""uat: the universal approximation theorem as experiments."""

__version__ = "0.1.0"

from uat.activations import Activation, get_activation, list_activations, register_activation
from uat.domains import Ball, Box, parse_domain
from uat.exceptions import ConvergenceWarning, ExpressionError, IllConditionedWarning, TargetError, UatWarning
from uat.targets import Target, get_target, list_targets, register_target
