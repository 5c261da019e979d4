"""Checks at the public boundary: every message names the parameter, what is accepted and what was given."""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable

import numpy as np


def _show(value, limit: int = 60) -> str:
    """A short repr of a user value for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def jsonable(value):
    """Plain JSON data: numpy scalars and arrays unwrapped, non-finite floats as strings ('inf', 'nan')."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    return value


def shortest(value: float) -> str:
    """The shortest decimal that reads back as the same float (``1``, ``-0.5``, ``0.125``, ``1e-06``)."""
    value = float(value)
    return np.format_float_positional(value, trim="-") if 1e-4 <= abs(value) < 1e16 or value == 0 else repr(value)


def suggest(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'tanh'?)`` for the closest choice (ignoring case), or an empty string."""
    by_lower = {choice.lower(): choice for choice in choices}
    close = difflib.get_close_matches(str(name).lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean {by_lower[close[0]]!r}?)" if close else ""


def check_choice(name: str, value, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise a ValueError listing them."""
    choices = list(choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {', '.join(choices)}; got {_show(value)}")
    if value not in choices:
        raise ValueError(
            f"unknown {name} {value!r}{suggest(value, choices)}; accepted: {', '.join(choices)}"
        )
    return value


def check_int(name: str, value, minimum: int = 1) -> int:
    """Return ``value`` as an int if it is an integer >= ``minimum`` (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer():
            return check_int(name, int(value), minimum)
        raise TypeError(f"{name} must be an integer >= {minimum}; got {_show(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}")
    return int(value)


def check_real(name: str, value, *, minimum: float | None = None, positive: bool = False,
               allow_inf: bool = False) -> float:
    """Return ``value`` as a float if it is a finite real number in the accepted range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {_show(value)}")
    value = float(value)
    if np.isnan(value) or (np.isinf(value) and not allow_inf):
        raise ValueError(f"{name} must be a finite real number; got {value}")
    if positive and not value > 0:
        raise ValueError(f"{name} must be > 0; got {value}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    return value


def check_nonnegative(name: str, value, *, optional: bool = False) -> float | None:
    """Return ``value`` as a float if it is a finite real number >= 0 (bools refused), or None when
    ``optional`` and it is None; a ValueError naming ``name`` and what it accepts otherwise."""
    if optional and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0{' or None' if optional else ''}; got {value!r}")
    return float(value)


def as_float_array(name: str, value, *, ndim: int | None = None, finite: bool = True) -> np.ndarray:
    """``np.asarray(value, dtype=float)`` with a clear error for non-numeric, mis-shaped or non-finite input.

    Only real numbers are accepted: None, strings, booleans and complex numbers are a TypeError
    (``np.asarray(None, dtype=float)`` would quietly give nan, and a complex array would lose its
    imaginary part).
    """
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of real numbers; got {_show(value)}") from err
    if raw.dtype.kind == "c":
        raise TypeError(f"{name} must be an array of real numbers; got complex values (dtype {raw.dtype}): uat "
                        "never drops imaginary parts; pass .real yourself if they are meant to be zero")
    if raw.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an array of real numbers; got {_show(value)}")
    array = raw.astype(float, copy=False)
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array; got shape {array.shape}")
    if finite and not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        raise ValueError(f"{name} must be finite; got {array[tuple(bad)]} at index {tuple(int(i) for i in bad)}")
    return array


def read_only(X: np.ndarray) -> np.ndarray:
    """A read-only view of X for a user's callable: one that writes into its input then raises
    (numpy: "assignment destination is read-only") instead of changing the caller's points."""
    view = X.view()
    view.flags.writeable = False
    return view


def as_points(name: str, X, dim: int) -> np.ndarray:
    """Coerce ``X`` to an (N, dim) float array; a 1-D array is read as N points when dim == 1."""
    X = as_float_array(name, X)
    if X.ndim == 1 and dim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[1] != dim:
        raise ValueError(f"{name} must have shape (N, {dim}); got shape {X.shape}")
    return X


def check_rng(rng) -> np.random.Generator:
    """Accept a ``np.random.Generator`` or an integer seed; never the global state, never None."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    if isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    raise TypeError(
        "rng must be a numpy.random.Generator, a SeedSequence or an integer seed >= 0 "
        f"(randomness in uat is always explicit); got {_show(rng)}"
    )
