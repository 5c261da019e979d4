"""The k*(ε) table written out: plain text, Markdown, LaTeX or CSV (``uat study table --format``), and
the selection of curves that the table shows (``--target``, ``--activation``, ``--method``).

Without a new dependency: pandas' ``to_markdown`` needs tabulate and ``to_latex`` needs jinja2, so the
Markdown and LaTeX writers are here, a few lines each, with every cell escaped (a target is a user's
expression: ``sin(2*pi*x)`` would be italic in Markdown, ``x_1`` a LaTeX error).
"""

from __future__ import annotations

import textwrap

import pandas as pd

from uat._validation import suggest

__all__ = ["FORMATS", "TEXT_COLUMNS", "select", "render", "markdown_table", "latex_table"]

#: The formats of :func:`render`.
FORMATS = ("text", "markdown", "latex", "csv")

#: Columns of the k*(ε) table whose entries are words (left-aligned); the rest are numbers.
TEXT_COLUMNS = ("target", "domain", "activation", "method", "plateau")

_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_|<>~"})
_LATEX = str.maketrans({"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                        "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                        "<": r"\textless{}", ">": r"\textgreater{}", "ε": r"$\varepsilon$", "σ": r"$\sigma$"})


def select(frame: pd.DataFrame, **wanted) -> pd.DataFrame:
    """The rows of ``frame`` whose ``column`` is one of ``wanted[column]`` (all rows where it is empty).

    Each wanted value is a name present in the column or a comma-separated list of them (a name that
    itself contains a comma, such as the expression ``max(x, 0)``, is taken whole). An unknown name is
    refused with a ValueError naming the ones the frame has.
    """
    keep = pd.Series(True, index=frame.index)
    for column, values in wanted.items():
        if not values:
            continue
        present = list(dict.fromkeys(frame[column].astype(str)))
        names = []
        for value in values:
            parts = [value] if value in present else [part.strip() for part in value.split(",") if part.strip()]
            for name in parts:
                if name not in present:
                    raise ValueError(f"no {column} {name!r} in this study{suggest(name, present)}; "
                                     f"its {column}s: {', '.join(present)}")
                names.append(name)
        keep &= frame[column].astype(str).isin(names)
    return frame[keep]


def _alignments(table: pd.DataFrame) -> list[str]:
    return ["l" if column in TEXT_COLUMNS else "r" for column in table.columns]


def markdown_table(table: pd.DataFrame) -> str:
    """A GitHub/CommonMark pipe table, Markdown's special characters escaped in every cell."""
    def row(cells):
        return "| " + " | ".join(str(c).translate(_MARKDOWN) for c in cells) + " |"

    rule = "| " + " | ".join(":---" if a == "l" else "---:" for a in _alignments(table)) + " |"
    return "\n".join([row(table.columns), rule, *(row(values) for values in table.itertuples(index=False))])


def latex_table(table: pd.DataFrame) -> str:
    """A LaTeX ``tabular`` (no package needed), LaTeX's special characters escaped in every cell."""
    def row(cells):
        return " & ".join(str(c).translate(_LATEX) for c in cells) + r" \\"

    return "\n".join([rf"\begin{{tabular}}{{{''.join(_alignments(table))}}}", r"\hline", row(table.columns), r"\hline",
                      *(row(values) for values in table.itertuples(index=False)), r"\hline", r"\end{tabular}"])


def render(table: pd.DataFrame, fmt: str, legend: str = "") -> str:
    """``table`` in format ``fmt`` (one of :data:`FORMATS`), after ``legend``: a paragraph in text and
    Markdown, ``%`` comment lines in LaTeX, left out of CSV (which holds the table alone)."""
    if fmt == "csv":
        return table.to_csv(index=False).rstrip("\n")
    if fmt == "latex":
        comment = "\n".join("% " + line for line in textwrap.wrap(legend, 100))
        return (comment + "\n" if comment else "") + latex_table(table)
    body = markdown_table(table) if fmt == "markdown" else table.to_string(index=False)
    return legend + "\n\n" + body if legend else body
