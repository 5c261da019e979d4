"""Errors and warnings raised by uat.

Numerical trouble is made visible through uat's own warning classes, so that a user can
filter exactly them (``warnings.simplefilter("error", uat.IllConditionedWarning)``).
"""


class UatWarning(UserWarning):
    """Base class of every warning uat issues."""


class IllConditionedWarning(UatWarning):
    """A linear system was rank deficient or too ill-conditioned to trust every digit."""


class ConvergenceWarning(UatWarning):
    """An iterative method stopped before meeting its tolerance."""


class ExpressionError(ValueError):
    """A target expression string could not be parsed or uses something not on the whitelist."""


class TargetError(ValueError):
    """A target function returned values of the wrong shape or non-finite values."""
