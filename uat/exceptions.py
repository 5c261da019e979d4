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


class FitCancelled(Exception):
    """A training run stopped because its watcher asked it to (the explorer's Cancel): no result, and no error of
    the fit's (see :func:`uat.fitting.backprop.watch_updates`)."""


#: The errors that are the user's to mend (a bad setting, a file that cannot be read): their message is
#: the whole story. Anything else reaching a user is a uat bug, and is said to be one.
USER_ERRORS = (ValueError, TypeError, RuntimeError, OSError)


def user_message(err: BaseException) -> str:
    """``err`` as one readable message, the words ``uat`` prints after 'Error: ' (the explorer shows the same)."""
    import sqlite3

    if isinstance(err, MemoryError):
        return "out of memory (MemoryError); lower width, n_samples or n_points"
    if isinstance(err, sqlite3.Error):
        return f"the study store failed (sqlite3.{type(err).__name__}: {err})"
    if isinstance(err, USER_ERRORS):
        return str(err)
    return f"{type(err).__name__}: {err} (unexpected: please report it as a uat bug, with the command you ran)"
