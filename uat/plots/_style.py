"""The house style of uat's figures: palette, markers, matplotlib settings, writing files.

Colours are the Okabe–Ito palette, which stays distinguishable under colour-vision deficiency;
every line also gets its own marker, so figures survive greyscale printing.
"""

from __future__ import annotations

__all__ = ["OKABE_ITO", "MARKERS", "line_colours", "STYLE", "FORMATS", "style", "parse_formats", "save", "write"]

#: Okabe–Ito colour-blind-safe palette.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

#: The markers of the lines of one chart, in order (line i gets ``MARKERS[i % len(MARKERS)]``).
MARKERS = ["o", "s", "D", "v", "P", "X", "<", ">"]


def line_colours(names) -> dict:
    """name → colour: the Okabe–Ito palette in the order of ``names``, repeating after eight."""
    return {name: OKABE_ITO[i % len(OKABE_ITO)] for i, name in enumerate(names)}


#: matplotlib settings of every uat figure: small clean type, no top/right spines, fonts embedded
#: as TrueType (Type 42) in PDF as journals ask, and no dates or random ids in the files (the same
#: study gives byte-identical PDF and SVG files).
STYLE = {
    "font.size": 9.5, "axes.titlesize": "medium", "axes.labelsize": 9.5, "legend.fontsize": "small",
    "xtick.labelsize": 8.5, "ytick.labelsize": 8.5, "axes.spines.top": False, "axes.spines.right": False,
    "lines.linewidth": 1.4, "pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "path",
    "svg.hashsalt": "uat", "savefig.dpi": 150,
}

#: The formats `save` writes (the vector ones for papers, PNG for screens and the HTML report).
FORMATS = ("png", "pdf", "svg")

_NO_DATES = {"pdf": {"CreationDate": None, "ModDate": None}, "svg": {"Date": None}, "png": {}}


def style():
    """A context manager applying :data:`STYLE` (use it around figure creation and drawing)."""
    import matplotlib

    return matplotlib.rc_context(STYLE)


def parse_formats(formats) -> tuple[str, ...]:
    """'png,pdf' or a sequence of names, checked against :data:`FORMATS`."""
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    names = tuple(dict.fromkeys(str(f).strip().lower().lstrip(".") for f in items if str(f).strip()))
    unknown = [f for f in names if f not in FORMATS]
    if unknown or not names:
        raise ValueError(f"formats must be a comma-separated choice of {', '.join(FORMATS)}; got {formats!r}")
    return names


def save(fig, stem, formats=("png",)) -> list[str]:
    """Write ``fig`` to ``stem.<format>`` for each format; return the paths written.

    The layout is computed once and then frozen (the figure's layout engine is switched off):
    constrained layout refines itself a little at every draw, so without this the second file
    written would differ from the first, and the same study would not give the same files.
    """
    return [write(fig, f"{stem}.{fmt}", fmt) for fmt in parse_formats(formats)]


def write(fig, path, fmt: str) -> str:
    """Write ``fig`` to exactly ``path`` in format ``fmt`` (one of :data:`FORMATS`), with the house
    style, no dates in the file and a frozen layout (see :func:`save`); return the path."""
    (fmt,) = parse_formats([fmt])
    with style():
        if fig.get_layout_engine() is not None:
            fig.draw_without_rendering()
            fig.set_layout_engine("none")
        fig.savefig(path, format=fmt, metadata=_NO_DATES[fmt])
    return str(path)
