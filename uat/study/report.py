"""The study report: one self-contained HTML file (``uat study report DIR``).

Everything is inside the file: the figures as embedded PNG (``data:`` URIs), the tables as HTML,
the style sheet inline; it opens without network access and can be mailed or archived as it is.
Sections: the study's description; how the numbers were measured (cells, replicates, widths, sup-norm
methods, versions); the k*(ε) table; the convergence rates; the figures with captions; the failed
cells; the study file itself.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd

from uat._html import frame_table as _table
from uat.study.tables import TEXT_COLUMNS

__all__ = ["write_report"]

#: Failed cells listed in full; beyond this many the report says how many more there are.
MAX_FAILURES = 200

_CSS = """
body { font-family: -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2rem auto;
       max-width: 1180px; padding: 0 1.2rem; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem;
     border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
.sub { color: #555; margin-top: 0; } .note { color: #555; font-size: 0.92rem; }
table { border-collapse: collapse; font-size: 0.88rem; margin: 0.6rem 0; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 0.25rem 0.6rem; text-align: right; }
th { background: #f4f6f8; } td:first-child, th:first-child { text-align: left; }
td.text, th.text { text-align: left; }
figure { margin: 1.4rem 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.9rem; color: #333; margin-top: 0.3rem; }
pre { background: #f6f8fa; padding: 0.8rem; overflow-x: auto; font-size: 0.85rem; }
.failed { color: #b00020; } nav a { margin-right: 0.9rem; }
"""


def _image(path: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f"data:image/png;base64,{data}"


def _paragraphs(text: str) -> str:
    blocks = [" ".join(block.split()) for block in text.strip().split("\n\n") if block.strip()]
    return "".join(f"<p>{html.escape(block)}</p>" for block in blocks) or "<p class='note'>(no description)</p>"


def _measurement(frame: pd.DataFrame, config: dict, meta: dict) -> str:
    from uat.study.describe import certify_summary, sup_method_summary

    ok = frame[frame["status"] == "ok"]
    widths = sorted(frame["width"].unique())
    items = [
        f"{len(frame)} cells: {len(ok)} ok, {len(frame) - len(ok)} failed; "
        f"{int(frame['replicate'].max()) + 1 if len(frame) else 0} replicate(s) per (target, activation, method, width); "
        f"widths {', '.join(str(w) for w in widths)}.",
        "Sup norms estimated by: " + html.escape(sup_method_summary(ok)) + ". Each estimate is "
        "attained at a point of K, hence a lower bound of the true sup; the dotted lines of the error figure "
        "show the float64 rounding floor of each curve.",
        "Certified " + html.escape(certify_summary(config)) + ".",
        *_swept(frame),
        *_depths(frame),
        *_domains(frame),
        f"Medians of the sup error over replicates decide k*(ε); tolerances ε: "
        f"{', '.join(f'{e:g}' for e in config['tolerances'])}.",
        f"Fitting time: {ok['fit_seconds'].sum():.1f} s in all (median {ok['fit_seconds'].median():.3g} s per cell); "
        f"sup-norm estimates: {ok['sup_seconds'].sum():.1f} s." if len(ok) else "No successful cells.",
        f"Computed with uat {html.escape(meta.get('uat_version', '?'))}, numpy "
        f"{html.escape(meta.get('numpy_version', '?'))}; cells finished "
        f"{html.escape(str(frame['finished_at'].min()))} to {html.escape(str(frame['finished_at'].max()))} (UTC).",
    ]
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def _swept(frame: pd.DataFrame) -> list[str]:
    """The report's line on the cells of a legacy width sweep (``sweep_width``), if the folder has any."""
    swept = pd.to_numeric(frame.get("sweep_width"), errors="coerce").dropna()
    if swept.empty:
        return []
    widths = ", ".join(str(int(k)) for k in sorted(swept.unique()))
    return [f"{len(swept)} least-squares cells were fitted as uat did before store schema 3: those of each (target, "
            f"activation, replicate) from one draw and one training set of width {widths} (sweep_width); every "
            f"other cell on its own, as uat.fit fits it."]


def _depths(frame: pd.DataFrame) -> list[str]:
    """The report's line on a study with depth (cells of more than one hidden layer), if this is one."""
    from uat.study.analysis import has_depth

    if not has_depth(frame):
        return []
    depths = ", ".join(str(d) for d in sorted(frame["depth"].unique()))
    return [f"Depths {depths}: hidden layers of `width` units each (a cell of depth d > 1 is a DeepNetwork of "
            "Kutyniok's depth L = d + 1, trained with its method's options for deep fits); n_params counts every "
            "weight and bias of the fitted model, and k* (P) in the table gives it at k*."]


def _domains(frame: pd.DataFrame) -> list[str]:
    """The report's line on a study with a domain axis (a target fitted on several domains), if this is one."""
    from uat.study.analysis import has_domains

    if not has_domains(frame):
        return []
    domains = "; ".join(html.escape(str(d)) for d in frame["domain"].unique())
    return [f"Domains (grid.domain): {domains}. Every target is fitted and measured on each; the sup norm is "
            "taken over that domain K, and the table and figures give each (target, K) a row or panel of its own."]


def _failures(frame: pd.DataFrame) -> str:
    from uat.study.analysis import has_depth, has_domains

    failed = frame[frame["status"] != "ok"]
    if failed.empty:
        return "<p>No cell failed.</p>"
    columns = ["target", *(["domain"] if has_domains(frame) else []), "activation", "method", "width", *(["depth"] if has_depth(frame) else []), "replicate",
               "error"]
    shown = failed[columns].head(MAX_FAILURES)
    more = len(failed) - len(shown)
    return (f"<p class='failed'>{len(failed)} cell(s) failed; every figure and table above leaves them out "
            "(k* entries resting on failed widths carry a ?).</p>"
            + _table(shown, text_columns=("target", "domain", "activation", "method", "error"))
            + (f"<p class='note'>… and {more} more (<code>uat study export</code> lists all).</p>" if more else ""))


def write_report(folder, out=None, figures=None) -> Path:
    """Write the study's figures (PNG) and one self-contained ``report.html`` (default
    ``folder/report.html``); return its path.

    ``figures``: what :func:`uat.study.figures.study_figures` returned for this folder with PNG among its
    formats, to embed those files instead of drawing every figure again.
    """
    from uat.study.store import StudyStore, load_results

    folder = Path(folder)
    out = Path(out) if out is not None else folder / "report.html"
    if not out.parent.is_dir():  # before any work
        raise ValueError(f"the report's folder {str(out.parent)!r} does not exist")
    meta = StudyStore(folder).meta()
    config = json.loads(meta["config"])
    frame = load_results(folder)
    sections = _sections(folder, frame, config, meta, figures)
    nav = "".join(f"<a href='#{key}'>{html.escape(title.split(':')[0])}</a>" for key, title, _ in sections)
    body = "".join(f"<section id='{key}'><h2>{html.escape(title)}</h2>{content}</section>"
                   for key, title, content in sections)
    name = html.escape(config["name"])
    page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>uat study: {name}</title>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{_CSS}</style></head>"
            f"<body><h1>Study: {name}</h1><p class='sub'>Sup-norm error against width and k*(ε), measured by uat "
            f"from {html.escape(str(folder))}</p><nav>{nav}</nav>{body}</body></html>")
    out.write_text(page, encoding="utf-8")
    return out


def _sections(folder: Path, frame: pd.DataFrame, config: dict, meta: dict, figures) -> list[tuple[str, str, str]]:
    """The report's sections, in order: (anchor, heading, HTML)."""
    from uat.study.analysis import PLATEAUS, k_star_table, labelled, rates, summarize

    summary = summarize(frame)
    table = k_star_table(summary, config["tolerances"])
    rate = labelled(rates(summary))
    rate = rate.assign(**{c: rate[c].round(3) for c in ("rate", "rate_low", "rate_high", "tail_rate", "tail_low",
                                                         "tail_high")})
    return [
        ("description", "What the study asks", _paragraphs(config.get("description", ""))),
        ("measured", "How the numbers were measured", _measurement(frame, config, meta)),
        ("k-star", "k*(ε): the smallest width reaching each tolerance",
         "<p class='note'>The smallest swept width whose median sup error is ≤ ε; &gt;K: no swept width up to K "
         "reaches it; ?: cells failed at the widths the entry rests on. rate: slope of log error against log "
         "width [95% interval]; " + html.escape(PLATEAUS) + " The tail's rate and interval are tail_rate, "
         "tail_low and tail_high in the rates below.</p>"
         + _table(table, text_columns=TEXT_COLUMNS)),
        ("rates", "Convergence rates",
         "<p class='note'>Least-squares slope of log median sup error against log width over the decreasing "
         "part of each curve (up to the smallest error not within 10× of the rounding floor); n_points: widths "
         "used; tail_rate [tail_low, tail_high]: the same fit over the last max(4, n/3) widths alone.</p>"
         + _table(rate, text_columns=TEXT_COLUMNS)),
        ("figures", "Figures", _figure_section(folder, frame, figures)),
        ("failures", "Failed cells", _failures(frame)),
        ("configuration", "The study file",
         f"<pre>{html.escape(meta.get('study_file') or json.dumps(config, indent=2, sort_keys=True))}</pre>"),
    ]


def _figure_section(folder: Path, frame: pd.DataFrame, figures) -> str:
    """Every figure as an embedded PNG with its caption (``figures`` as :func:`write_report` takes them)."""
    from uat.study.figures import study_figures

    if not (frame["status"] == "ok").any():
        return "<p class='failed'>No figures: no cell of this study has succeeded yet.</p>"
    figures = study_figures(folder, formats=("png",)) if figures is None else figures
    pngs = [(f, next((p for p in f.paths if str(p).endswith(".png")), None)) for f in figures]
    if any(png is None for _, png in pngs):
        raise ValueError("figures must include PNG files (study_figures(folder, formats=('png', ...))): the "
                         "report embeds PNGs")
    return "".join(
        f"<figure id='fig-{html.escape(f.name)}'><img alt='{html.escape(f.title)}' src='{_image(png)}'>"
        f"<figcaption><b>{html.escape(f.title)}.</b> {html.escape(f.caption)} "
        f"<span class='note'>(file: figures/{html.escape(Path(png).name)})</span></figcaption></figure>"
        for f, png in pngs)
