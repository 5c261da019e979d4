"""HTML for notebooks (``_repr_html_``) and reports: escaped tables, numbers, inline PNG figures.

Every string that comes from a user (a target's expression such as ``x<1``, a study's name, an error
message) passes through :func:`escape`; numbers are shown by :func:`number` (4 significant digits), so a
test can compare what a page shows with ``f"{value:.4g}"`` of the object's own attribute.

The rich displays built here:

* :func:`estimate_html` for :class:`uat.SupEstimate` (the sup error, how it was found, the bracket or why
  there is none);
* :func:`fit_html` for :class:`uat.FitResult` (the fit's facts, its sup error, a small figure in 1-D and
  2-D: :func:`fit_figure`);
* :func:`frame_table` for DataFrames (the k*(ε) table of :class:`uat.study.StudyResults` and of the report).
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np
import pandas as pd

__all__ = ["escape", "number", "point", "rows_table", "frame_table", "figure_img", "card", "estimate_rows",
           "estimate_html", "fit_html", "fit_figure", "FIGSIZE", "DPI"]

#: Size (inches, by the domain's dimension) and resolution of the small inline figures of rich displays: about
#: 400 × 190 pixels in 1-D, 560 × 190 in 2-D (three heat maps).
FIGSIZE, DPI = {1: (5.0, 2.4), 2: (7.0, 2.4)}, 80

_STYLE = ("<style>.uat-repr table{border-collapse:collapse;margin:0.3em 0}"
          ".uat-repr th,.uat-repr td{text-align:left;padding:0.1em 0.7em 0.1em 0;vertical-align:top}"
          ".uat-repr th{font-weight:600;white-space:nowrap}.uat-repr .note{color:#666}</style>")


def escape(value) -> str:
    """``str(value)`` with &, <, >, " and ' escaped for HTML text and attribute values."""
    return html.escape(str(value), quote=True)


def number(value) -> str:
    """A float as shown in rich displays: 4 significant digits (``f"{value:.4g}"``); "n/a" for None or NaN."""
    if value is None or (isinstance(value, (float, np.floating)) and np.isnan(value)):
        return "n/a"
    return f"{float(value):.4g}"


def point(x) -> str:
    """A point of K as "(x₁, …, xₙ)", each coordinate by :func:`number`."""
    return "(" + ", ".join(number(v) for v in np.ravel(x)) + ")"


def rows_table(rows) -> str:
    """A two-column table of (label, HTML) rows: the labels are escaped here, the values are HTML already."""
    body = "".join(f"<tr><th>{escape(label)}</th><td>{value}</td></tr>" for label, value in rows)
    return f"<table>{body}</table>"


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, (float, np.floating)):
        return f"{value:.3g}"
    return str(value)


def frame_table(frame: pd.DataFrame, text_columns=()) -> str:
    """A DataFrame as an HTML table, every cell escaped (floats to 3 significant digits, missing values
    blank); ``text_columns`` left-aligned (class ``text``)."""
    def css(column):
        return "text" if column in text_columns else ""

    head = "".join(f'<th class="{css(c)}">{escape(c)}</th>' for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = "".join(f'<td class="{css(c)}">{escape(_cell(v))}</td>' for c, v in zip(frame.columns, values))
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def figure_img(fig, alt: str, dpi: float = DPI) -> str:
    """A matplotlib Figure as an ``<img>`` holding its PNG (base64 ``data:`` URI), drawn by Agg at ``dpi``
    in uat's house style (:func:`uat.plots.style`)."""
    from uat.plots import style

    buffer = io.BytesIO()
    with style():
        fig.savefig(buffer, format="png", dpi=dpi)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{escape(alt)}" style="max-width:100%" src="data:image/png;base64,{data}">'


def card(title: str, body: str) -> str:
    """The frame of every rich display: a bold escaped title, then ``body`` (HTML)."""
    return f'<div class="uat-repr">{_STYLE}<b>{escape(title)}</b>{body}</div>'


def _bracket_text(estimate) -> str:
    """The certified bracket [lower, upper] of an estimate that has one, with how its branch and bound ended."""
    text = f"[{number(estimate.lower)}, {number(estimate.upper)}]"
    facts = estimate.facts
    ending = {"converged": "closed to the requested gap", "budget": "budget spent before the gap closed",
              "hopeless": "stopped early: the gap could not close within its budget"}.get(facts.get("outcome"), "")
    kind = "; ".join(escape(part) for part in (facts.get("bracket"), ending) if part)
    return text + (f' <span class="note">({kind})</span>' if kind else "")


def estimate_rows(estimate, why_no_upper: str | None = None) -> list[tuple[str, str]]:
    """The (label, HTML) rows of a sup-norm estimate: its value and point, the certified bracket or "no proved
    upper bound" with the reason (``why_no_upper``, else the estimate's own ``facts["no_bracket"]``, else a
    pointer to :func:`uat.certify.bracket_refusal`), how it was found, the raw grid maximum, the rounding
    floor and the evaluations."""
    noise = (' <span class="note">(within 10× the rounding floor: rounding noise, not approximation error)</span>'
             if estimate.value <= 10 * estimate.floor else "")
    if estimate.upper is not None:
        bracket = _bracket_text(estimate)
    else:
        why = why_no_upper or estimate.facts.get("no_bracket") or (
            "certify=False was passed, or the facts a bracket needs are missing (uat.certify.bracket_refusal(f, g) "
            "says which)")
        bracket = f"no proved upper bound: {escape(why)}"
    return [
        ("sup error", f"{number(estimate.value)} at x = {point(estimate.argmax)} "
                      f'<span class="note">(attained there: a lower bound of the true sup)</span>{noise}'),
        ("certified bracket", bracket),
        ("found by", escape(estimate.method)),
        ("raw grid maximum", number(estimate.initial)),
        ("rounding floor", number(estimate.floor)),
        ("evaluations", str(int(estimate.n_evals))),
    ]


def estimate_html(estimate) -> str:
    """The rich display of a :class:`uat.SupEstimate` (no figure: the estimate holds neither f nor g)."""
    return card("SupEstimate of sup‖f − g‖ over K", rows_table(estimate_rows(estimate)))


def _fit_rows(result) -> list[tuple[str, str]]:
    """The (label, HTML) rows of a fit's own facts: what was fitted, how, and its training error."""
    from uat.fitting.base import uses_activation

    width = list(result.width) if isinstance(result.width, tuple) else result.width
    sigma = escape(result.activation) if uses_activation(result.method) else \
        f'<span class="note">not used by {escape(result.method)}</span>'
    return [
        ("target", escape(result.target.name)),
        ("domain", escape(result.domain)),
        ("σ", sigma),
        ("method", f"{escape(result.method)}, seed {int(result.seed)}"),
        ("width" if not isinstance(width, list) else "hidden widths", escape(width)),
        ("n_params", str(int(result.network.n_params))),
        ("training", f"max {number(result.train_max)}, rms {number(result.train_rms)} on "
                     f"{int(result.n_samples)} points"),
        ("fit time", f"{number(result.fit_seconds)} s"),
    ]


def fit_html(result, estimate, sup_seconds: float, why_no_upper: str = "", figure: bool = True) -> str:
    """The rich display of a :class:`uat.FitResult`: its facts, then ``estimate`` (its sup error, found in
    ``sup_seconds``; ``why_no_upper``: why no upper bound was proved, where none was) and, in 1-D and 2-D with
    ``figure``, the small figure of :func:`fit_figure`."""
    rows = _fit_rows(result) + estimate_rows(estimate, why_no_upper or None)
    rows.append(("sup estimate time", f"{number(sup_seconds)} s "
                                      '<span class="note">(result.sup_error(), computed once and cached)</span>'))
    fig = fit_figure(result, estimate) if figure else None
    img = figure_img(fig, f"f and g, and |f − g| on a log scale: {result.target.name}") if fig is not None else ""
    return card(f"FitResult: {result.target.name}", rows_table(rows) + img)


def fit_figure(result, estimate):
    """The small figure of a fit's display, or None: in 1-D, f and g overlaid beside |f − g| on a log scale with
    the sup point marked (:func:`uat.plots.draw_fit_1d`); in 2-D with one output, heat maps of f, g and |f − g|
    (:func:`uat.plots.draw_fit_2d`); no figure in 3-D and above, or for a 2-D target with several outputs."""
    from matplotlib.figure import Figure

    from uat.plots import draw_fit_1d, draw_fit_2d, fit_closeup_data, style

    dim, m = result.target.dim, result.network.n_outputs
    if dim > 2 or (dim == 2 and m > 1):
        return None
    with style():
        fig = Figure(figsize=FIGSIZE[dim], layout="constrained")
        if dim == 1:
            draw_fit_1d(*fig.subplots(1, 2), fit_closeup_data(result.target, result.network, n=801), estimate)
        else:
            draw_fit_2d(fig.subplots(1, 3), fit_closeup_data(result.target, result.network, n=121), estimate)
    return fig
