"""The ε-analysis of a study: medians over replicates, k*(ε), convergence rates and plateaus.

* :func:`summarize`: per (target, activation, method, width) the median and quartiles of the
  sup-norm error over the replicates that succeeded, with counts of successes and failures, and the
  median certified upper bound where every replicate has one. Methods that report an a-priori bound
  (the constructive ones) get a second curve, ``curve == "a_priori"``, whose "error" is that bound:
  k*(ε) and the rates of the bound then sit beside the measured ones. The kinds of curve are
  :data:`CURVES`; :func:`curve_label` names a curve for tables and legends.
* :func:`k_star`: per (target, activation, method) and tolerance ε, the smallest swept width whose
  median sup error is ≤ ε, or <NA> when no swept width reaches it.
* :func:`rates`: the slope of log(median sup error) against log(width) over the decreasing part
  (from the smallest width to the smallest error not within 10× of the rounding floor), with a
  95% interval from the regression's standard error (which treats the widths' errors as
  independent; the widths of one seed share nested draws, so it is optimistic), the same fit over
  the tail (the last max(4, n/3) widths) and a plateau flag (:data:`PLATEAUS`): ``polynomial`` (σ
  is a polynomial: the error cannot fall below the best polynomial approximation), ``rounding
  floor`` (the widest fits are within 10× of their float64 floor) or ``stalled``: the tail's fitted
  rate is slower than k^-0.5 (:data:`SLOW`) and its 95% interval reaches above k^-0.1
  (:data:`STALLED`), so the last widths do not show the error falling. A steady slow decay such as
  k^-0.3 is not stalled (its interval lies below k^-0.1), and neither is a tail whose fitted rate
  is k^-0.5 or steeper, however wide its interval (a decelerating curve: the misfit of one line
  widens the interval, the fall is real); with fewer than 4 widths no curve is called stalled. Or
  ``not finite``: the widest fits' median error is inf, as stores written before uat refused
  overflowing errors may hold; such errors never enter a rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from uat._validation import shortest
from uat.activations import get_activation
from uat.fitting import uses_activation

__all__ = ["summarize", "k_star", "rates", "k_star_table", "with_certified", "KEYS", "CURVE_KEYS", "CURVES",
           "curve_label", "labelled", "STALLED", "SLOW", "PLATEAUS", "curve_keys", "has_depth", "has_domains", "hidden_layers"]

#: The columns that identify the cells of one curve (the results of one method on one target and σ).
KEYS = ["target", "activation", "method"]

#: The kinds of curve, the values of the ``curve`` column of a summary, of :func:`k_star` and of
#: :func:`rates`: ``measured`` (the estimated sup error), ``certified`` (the largest proved upper bound
#: of the sup over the replicates, :func:`with_certified`) and ``a_priori`` (the bound a constructive
#: method states in advance, from its ``a_priori_bound`` diagnostic).
CURVES = ("measured", "certified", "a_priori")

#: The columns that identify a curve (one line of an error-against-width chart).
CURVE_KEYS = [*KEYS, "curve"]


def has_depth(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` (results, or a summary) has cells of depth other than 1: then ``depth`` (hidden layers)
    identifies curves beside the method and σ, and the tables and figures show it; a study without depth
    (every cell one hidden layer, every folder written before depth) is summarised as it always was."""
    return "depth" in frame and bool((pd.to_numeric(frame["depth"]).fillna(1) != 1).any())


def has_domains(frame: pd.DataFrame) -> bool:
    """Whether some target of ``frame`` (results, or a summary) was fitted on more than one domain (a study with a
    domain axis, ``grid.domain``): then ``domain`` identifies curves beside the target, and the tables and figures
    show it; any other study (one domain per target) is summarised as it always was."""
    return "domain" in frame and bool((frame.groupby("target")["domain"].nunique() > 1).any())


def curve_keys(frame: pd.DataFrame) -> list[str]:
    """The columns that identify a curve of ``frame``: :data:`CURVE_KEYS`, with ``domain`` after ``target`` where
    :func:`has_domains` and ``depth`` after ``method`` where :func:`has_depth`."""
    domain = ["domain"] if has_domains(frame) else []
    depth = ["depth"] if has_depth(frame) else []
    return [KEYS[0], *domain, *KEYS[1:], *depth, "curve"]


def hidden_layers(depth: int) -> str:
    """A depth as charts name it: "1 hidden layer", "3 hidden layers" (the study axis counts hidden layers;
    Kutyniok's depth L, which counts the affine maps, is one more)."""
    return f"{int(depth)} hidden layer" + "s" * (int(depth) != 1)

#: How a curve that is not ``measured`` is named: in tables after the method, in parentheses; in legends
#: after the method and its σ, after a colon.
_CURVE_WORDS = {"measured": "", "certified": "certified upper", "a_priori": "a-priori bound"}


def curve_label(method: str, curve: str = "measured", activation: str | None = None) -> str:
    """The printed name of a curve: ``"relu_interp (a-priori bound)"`` as tables name it; given its
    ``activation``, as legends do, ``"lstsq (tanh)"`` or ``"relu_interp (relu): a-priori bound"`` (a
    method that uses no σ, such as ``poly_minimax``, by its name alone)."""
    if curve not in _CURVE_WORDS:
        raise ValueError(f"curve must be one of {', '.join(CURVES)}; got {curve!r}")
    word = _CURVE_WORDS[curve]
    if activation is None:
        return f"{method} ({word})" if word else method
    text = f"{method} ({activation})" if uses_activation(method) else method
    return f"{text}: {word}" if word else text


def labelled(frame: pd.DataFrame, *, keep_curve: bool = False) -> pd.DataFrame:
    """``frame`` as tables print it: its ``method`` column the :func:`curve_label` of (method, curve),
    without the ``curve`` column unless ``keep_curve`` (a frame without one is returned as it is)."""
    if "curve" not in frame:
        return frame
    named = frame.assign(method=[curve_label(m, c) for m, c in zip(frame["method"], frame["curve"])])
    return named if keep_curve else named.drop(columns="curve")


def _curves(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a ``curve`` column (``measured`` where it has none: a summary built by hand)."""
    return frame if "curve" in frame else frame.assign(curve="measured")


def _quantile(q):
    def f(values):
        return float(np.quantile(values, q)) if len(values) else np.nan
    f.__name__ = f"q{int(q * 100)}"
    return f


def summarize(frame: pd.DataFrame) -> pd.DataFrame:
    """Median and quartiles of the sup error (and medians of the rest) over replicates, per curve and width.

    ``upper_median`` and ``upper_max`` are the median and the largest of the certified upper bounds
    (``sup_upper``), given where every successful replicate has one (NaN otherwise), and
    ``n_certified`` counts them. ``curve`` is ``measured``; curves of the a-priori bounds
    (``a_priori``) follow those of the measured errors (see the module docstring). In a study with depth
    (:func:`has_depth`) the curves are per (target, activation, method, depth), with a ``depth`` column.
    """
    frame = frame.assign(sup_upper=pd.to_numeric(frame.get("sup_upper"), errors="coerce"))
    keys = curve_keys(frame)[:-1]
    ok = frame[frame["status"] == "ok"]
    groups = ok.groupby(keys + ["width"], sort=False)
    summary = groups.agg(
        sup_median=("sup_error", "median"), sup_q25=("sup_error", _quantile(0.25)),
        sup_q75=("sup_error", _quantile(0.75)), rms_median=("rms_error", "median"),
        floor_median=("rounding_floor", "median"), fit_seconds=("fit_seconds", "median"),
        n_params=("n_params", "first"), n_ok=("sup_error", "size"),
        upper_median=("sup_upper", "median"), upper_max=("sup_upper", "max"), n_certified=("sup_upper", "count"))
    summary.loc[summary["n_certified"] < summary["n_ok"], ["upper_median", "upper_max"]] = np.nan
    counts = frame.groupby(keys + ["width"], sort=False)["status"].agg(
        n_cells="size", n_failed=lambda s: int((s != "ok").sum()))
    out = counts.join(summary, how="left").reset_index().assign(
        n_ok=lambda d: d["n_ok"].fillna(0).astype(int), n_certified=lambda d: d["n_certified"].fillna(0).astype(int))
    out.insert(len(keys), "curve", "measured")
    return pd.concat([out, _bound_curves(ok, keys)], ignore_index=True) if "diag_a_priori_bound" in ok else out


def _bound_curves(ok: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The a-priori bounds reported by the methods, as curves of their own (median over replicates)."""
    bounds = ok.assign(bound=pd.to_numeric(ok["diag_a_priori_bound"], errors="coerce")).dropna(subset=["bound"])
    if bounds.empty:
        return pd.DataFrame()
    curves = bounds.groupby(keys + ["width"], sort=False).agg(
        sup_median=("bound", "median"), sup_q25=("bound", _quantile(0.25)), sup_q75=("bound", _quantile(0.75)),
        n_params=("n_params", "first"), n_ok=("bound", "size")).reset_index()
    curves.insert(len(keys), "curve", "a_priori")
    return curves.assign(n_cells=curves["n_ok"], n_failed=0, floor_median=0.0, n_certified=0)


def k_star(summary: pd.DataFrame, tolerances) -> pd.DataFrame:
    """k*(ε) per curve: the smallest swept width whose median sup error is <= ε (<NA> if none).

    Returns one row per (target, activation, method, curve, epsilon) (and depth, :func:`curve_keys`) with
    ``k_star`` (nullable integer), ``reached``, ``sup_at_k_star``, ``max_width`` (the largest width with a
    result), ``failed_below``: failed cells at widths up to k* (up to ``max_width`` when not reached), and
    ``params_at_k_star``, the parameter count of the fitted model at k* (k* measured in parameters; <NA>
    where not reached or unknown). Where ``failed_below`` is not zero, k* may be smaller than reported: a
    width whose replicates failed could have reached ε.
    """
    rows = []
    summary = _curves(summary)
    keys = curve_keys(summary)
    for key, whole in summary.groupby(keys, sort=False):
        whole = whole.sort_values("width")
        curve = whole.dropna(subset=["sup_median"])
        for eps in sorted(tolerances, reverse=True):
            hit = curve[curve["sup_median"] <= eps]
            first = hit.iloc[0] if len(hit) else None
            limit = first["width"] if first is not None else whole["width"].max()
            failed = whole.loc[whole["width"] <= limit, "n_failed"] if "n_failed" in whole else pd.Series(dtype=int)
            params = first.get("n_params") if first is not None else None
            rows.append({**dict(zip(keys, key)), "epsilon": float(eps),
                         "k_star": int(first["width"]) if first is not None else pd.NA,
                         "reached": first is not None,
                         "sup_at_k_star": float(first["sup_median"]) if first is not None else np.nan,
                         "max_width": int(curve["width"].max()) if len(curve) else pd.NA,
                         "failed_below": int(failed.sum()),
                         "params_at_k_star": int(params) if params is not None and pd.notna(params) else pd.NA})
    columns = keys + ["epsilon", "k_star", "reached", "sup_at_k_star", "max_width", "failed_below", "params_at_k_star"]
    out = pd.DataFrame(rows, columns=columns)
    return out.astype({"k_star": "Int64", "max_width": "Int64", "params_at_k_star": "Int64"})


#: A tail is ``stalled`` when its fitted rate is slower than k^SLOW and the upper end of its 95%
#: interval is above k^STALLED (7% per doubling): the error is not shown to fall.
STALLED = -0.1
SLOW = -0.5

#: What each plateau flag means, as the table's legend and the report say it.
PLATEAUS = ("plateau: polynomial (σ is a polynomial), rounding floor (the widest fits are within 10× of their "
            "float64 floor) or stalled (over the last max(4, n/3) widths the fitted rate is slower than "
            f"k^{SLOW:g} and its 95% interval reaches above k^{STALLED:g}: the error is not shown to fall; a "
            "steady slow decay such as k^-0.3 is not stalled).")


def _tail_size(n_widths: int) -> int:
    """Widths in the tail: the last third, at least 4 (a t-interval from 3 points spans ±12.7 standard errors)."""
    return max(4, n_widths // 3)


def _regression(widths: np.ndarray, errors: np.ndarray):
    """Slope of log error against log width and its 95% t-interval (NaN where fewer than 3 points)."""
    from scipy import stats  # here, not at import: scipy.stats costs more than numpy and scipy.linalg together

    x, y = np.log(widths), np.log(errors)
    if len(x) < 2:
        return np.nan, np.nan, np.nan
    fit = stats.linregress(x, y)
    if len(x) < 3:
        return fit.slope, np.nan, np.nan
    half = stats.t.ppf(0.975, len(x) - 2) * fit.stderr
    return fit.slope, fit.slope - half, fit.slope + half


def _plateau(key: dict, errors: np.ndarray, floors: np.ndarray, tail) -> str:
    """The plateau flag (module docstring) of the curve ``key`` (column → value, :func:`curve_keys`); ``tail``
    = (rate, low, high) of the last widths."""
    activation, method, curve = key["activation"], key["method"], key["curve"]
    if uses_activation(method) and curve != "a_priori" and get_activation(activation).polynomial:
        return "polynomial"
    if not np.isfinite(errors[-1]):  # inf <= 10·inf would call an overflow a rounding floor
        return "not finite"
    if errors[-1] <= 10 * floors[-1]:
        return "rounding floor"
    slope, _, high = tail
    if np.isfinite(high) and slope > SLOW and high > STALLED:
        return "stalled"
    return ""


def _fit_rate(widths: np.ndarray, errors: np.ndarray, floors: np.ndarray):
    usable = np.isfinite(errors) & (errors > 10 * floors)
    if not usable.any():
        return np.nan, np.nan, np.nan, 0
    end = int(np.argmin(np.where(usable, errors, np.inf))) + 1
    return (*_regression(widths[:end], errors[:end]), end)


_RATE_COLUMNS = ["rate", "rate_low", "rate_high", "n_points", "plateau", "tail_rate", "tail_low", "tail_high"]


def rates(summary: pd.DataFrame) -> pd.DataFrame:
    """Convergence rate per curve: slope of log error against log width, its 95% interval, the plateau
    flag, and the rate and interval over the tail that the ``stalled`` flag rests on (module docstring)."""
    rows = []
    summary = _curves(summary)
    keys = curve_keys(summary)
    for key, curve in summary.groupby(keys, sort=False):
        curve = curve.dropna(subset=["sup_median"]).sort_values("width")
        widths = curve["width"].to_numpy(float)
        errors = curve["sup_median"].to_numpy(float)
        floors = curve["floor_median"].fillna(0).to_numpy(float)
        record = dict(zip(keys, key))
        if len(curve) == 0:
            rows.append({**record, **dict.fromkeys(_RATE_COLUMNS, np.nan), "n_points": 0, "plateau": ""})
            continue
        slope, low, high, n = _fit_rate(widths, errors, floors)
        tail = _tail_size(len(widths))
        finite_tail = len(widths) >= tail and np.all(np.isfinite(errors[-tail:]) & (errors[-tail:] > 0))
        tail = _regression(widths[-tail:], errors[-tail:]) if finite_tail else (np.nan,) * 3
        rows.append({**record, "rate": slope, "rate_low": low, "rate_high": high, "n_points": n,
                     "plateau": _plateau(record, errors, floors, tail),
                     "tail_rate": tail[0], "tail_low": tail[1], "tail_high": tail[2]})
    return pd.DataFrame(rows, columns=keys + _RATE_COLUMNS)


def _epsilon_label(eps: float) -> str:
    """Distinct labels for distinct tolerances: the shortest digits that read back as the same float."""
    return f"ε={shortest(eps)}"


def with_certified(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary with, after each curve that has certified upper bounds, a curve of the largest
    bound over the replicates (``curve == "certified"``, only at the widths where every replicate was
    certified): its k*(ε) is a width at which every replicate is proved to reach ε. Failed cells count
    as for the measured curve (a "?" in the table)."""
    if "upper_median" not in summary:
        return summary
    summary = _curves(summary)
    curves = summary.groupby(curve_keys(summary), sort=False)
    bounds = {key[:-1]: curve for key, curve in curves if key[-1] == "a_priori"}
    parts = []
    for key, curve in curves:
        if key[-1] == "a_priori":
            continue
        parts.append(curve)
        proved = curve[curve["upper_max"].notna()] if "upper_max" in curve else curve.iloc[:0]
        if len(proved):
            parts.append(proved.assign(curve="certified", sup_median=proved["upper_max"],
                                       sup_q25=np.nan, sup_q75=np.nan, floor_median=0.0))
        bound = bounds.pop(key[:-1], None)
        if bound is not None:  # a method's a-priori bound right after its measured and certified rows
            parts.append(bound)
    return pd.concat(parts + list(bounds.values()), ignore_index=True)


def k_star_table(summary: pd.DataFrame, tolerances) -> pd.DataFrame:
    """The k*(ε) table, wide: one row per curve, one column per ε (``>K`` where not reached), the rate.

    Curves with certified upper bounds get a second row, ``"<method> (certified upper)"``, whose
    k*(ε) is the smallest certified width at which every replicate's proved bound is ≤ ε (see
    :func:`with_certified`). The table is printed as it is: its ``method`` column is the
    :func:`curve_label` of each curve (method and kind, as :func:`labelled` gives it).

    Entries are strings, ready to print: k* as an integer, ``>K`` when no swept width up to K
    reaches ε, ``n/a`` when no cell of the curve succeeded, either marked ``?`` when cells failed at
    the widths it rests on, and the rate as
    ``slope [low, high]`` with the plateau flag beside it. In a study with depth (:func:`has_depth`) each
    curve's depth (hidden layers) is a column after the method, and a reached k* is followed by the
    parameter count of the model at k* in parentheses, ``16 (337)``: k*(ε) also measured in parameters.
    """
    summary = with_certified(summary)
    stars = k_star(summary, tolerances)
    keys = curve_keys(summary)
    rate = rates(summary).set_index(keys)
    deep = "depth" in keys
    rows = []
    for key, group in stars.groupby(keys, sort=False):
        row = dict(zip(keys, key))
        for _, entry in group.iterrows():
            if entry["reached"]:
                params = entry["params_at_k_star"]
                text = str(entry["k_star"]) + (f" ({params})" if deep and pd.notna(params) else "")
            else:  # not reached up to the widest measured width; no measured width at all: n/a
                text = "n/a" if pd.isna(entry["max_width"]) else f">{entry['max_width']}"
            row[_epsilon_label(entry["epsilon"])] = text + ("?" if entry["failed_below"] else "")
        r = rate.loc[key]
        interval = f" [{r['rate_low']:.2f}, {r['rate_high']:.2f}]" if np.isfinite(r["rate_low"]) else ""
        row["rate"] = f"{r['rate']:.2f}{interval}" if np.isfinite(r["rate"]) else "n/a"
        row["plateau"] = r["plateau"]
        rows.append(row)
    return labelled(pd.DataFrame(rows))


#: Names deprecated in uat 0.2 (curve kinds were suffixes of the method name; now the ``curve`` column).
_DEPRECATED = {"BOUND": (" (a-priori bound)", 'curve == "a_priori"'),
               "CERTIFIED": (" (certified upper)", 'curve == "certified"')}


def __getattr__(name: str):
    if name in _DEPRECATED:
        import warnings

        value, instead = _DEPRECATED[name]
        warnings.warn(f"uat.study.analysis.{name} is deprecated and will be removed in the next release: a curve's "
                      f"kind is its {instead} column, and curve_label(method, curve) names it",
                      DeprecationWarning, stacklevel=2)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
