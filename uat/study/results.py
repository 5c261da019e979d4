"""A study folder opened for reading: its results, summary and k*(ε) table, and its notebook display.

:func:`open_study` reads a folder once (the stored configuration and :func:`uat.study.load_results`) and
returns a :class:`StudyResults`, a snapshot: run the study again and open it again to see new cells. The
numbers come from :mod:`uat.study.analysis`, the figure from :mod:`uat.study.figures`, as for
``uat study report``; nothing is computed here that they do not compute.
"""

from __future__ import annotations

import numbers
from pathlib import Path

import pandas as pd

__all__ = ["StudyResults", "open_study"]

#: Resolution of the error-against-width figure in the notebook display (the files of ``uat study plot`` have
#: 150 dpi): one panel is about 430 pixels wide.
DPI = 72


class StudyResults:
    """The results of one study folder, as read by :func:`open_study`.

    Attributes
    ----------
    folder : Path
        The study folder.
    config : StudyConfig
        The configuration of the folder's last run (its grid decides which stored cells are shown).
    results : pandas.DataFrame
        :func:`uat.study.load_results` of the folder: one row per finished cell (ok or failed).
    summary : pandas.DataFrame
        :func:`uat.study.summarize` of ``results``: medians and quartiles over replicates, per curve and width.

    Notes
    -----
    In a notebook it shows itself as HTML (``_repr_html_``): the study's name and folder, the cells finished
    (ok, failed) of the grid's total, the k*(ε) table at the study's tolerances and the error-against-width
    figure of ``uat study plot`` (when a cell succeeded), drawn at the first display and kept.
    """

    def __init__(self, folder, config, results: pd.DataFrame):
        from uat.study.analysis import summarize

        self.folder = Path(folder)
        self.config = config
        self.results = results
        self.summary = summarize(results)
        self._html = None

    @property
    def name(self) -> str:
        """The study's name (its file's ``name``)."""
        return self.config.name

    @property
    def counts(self) -> dict:
        """``{"total", "done", "ok", "failed"}``: the grid's cells, those finished, and of them ok and failed."""
        ok = int((self.results["status"] == "ok").sum())
        return {"total": self.config.n_cells, "done": len(self.results), "ok": ok, "failed": len(self.results) - ok}

    def k_star_table(self, tolerances=None) -> pd.DataFrame:
        """:func:`uat.study.k_star_table` of the summary at ``tolerances`` (a sequence of ε > 0; default the
        study's ``evaluation.tolerances``): one row per curve, k*(ε) per ε, the rate and the plateau."""
        from uat.study.analysis import k_star_table

        return k_star_table(self.summary, self.config.tolerances if tolerances is None else _tolerances(tolerances))

    def __repr__(self) -> str:
        c = self.counts
        return (f"<StudyResults {self.name!r}: {c['done']} of {c['total']} cells finished, {c['ok']} ok, "
                f"{c['failed']} failed, in {str(self.folder)!r}>")

    def _repr_html_(self) -> str:
        """The notebook display (see the class's Notes), made at the first display and kept."""
        if self._html is None:
            self._html = _study_html(self)
        return self._html


def _tolerances(tolerances) -> tuple[float, ...]:
    """``tolerances`` checked: a non-empty sequence of finite numbers > 0 (one number is taken as one ε)."""
    from uat._validation import check_real

    items = [tolerances] if isinstance(tolerances, numbers.Real) else tolerances
    try:
        items = list(items)
    except TypeError:
        raise TypeError(f"tolerances must be a sequence of numbers > 0 (the ε of k*(ε)), e.g. [0.1, 0.01]; got "
                        f"{tolerances!r}") from None
    if not items:
        raise ValueError("tolerances must be a non-empty sequence of numbers > 0 (the ε of k*(ε)); got []")
    return tuple(check_real(f"tolerances[{i}]", eps, positive=True) for i, eps in enumerate(items))


def open_study(folder) -> StudyResults:
    """Open a study folder (written by :func:`uat.run_study` or ``uat study run``) for reading.

    Parameters
    ----------
    folder : str or Path
        The study folder (the one holding ``results.sqlite``).

    Returns
    -------
    StudyResults
        Its configuration, results, summary and k*(ε) table; in a notebook, its rich display.

    Raises
    ------
    uat.study.StoreError
        If ``folder`` is not a study folder, or its store cannot be read.
    """
    from uat.study.config import StudyConfig
    from uat.study.store import StudyStore, load_results

    config = StudyConfig.from_resolved(StudyStore(folder).config())
    return StudyResults(folder, config, load_results(folder))


def _study_html(study: StudyResults) -> str:
    """The rich display of a :class:`StudyResults`: name, folder, cells, the k*(ε) table and the figure."""
    from uat._html import card, escape, figure_img, frame_table, number, rows_table

    c = study.counts
    left = c["total"] - c["done"]
    rows = [("folder", escape(study.folder)),
            ("cells", f"{c['done']} of {c['total']} finished: {c['ok']} ok, {c['failed']} failed"
                      + (f", {left} to run" if left else "")),
            ("widths", escape(", ".join(str(k) for k in study.config.widths))),
            ("tolerances ε", ", ".join(number(eps) for eps in study.config.tolerances))]
    if not c["ok"]:
        return card(f"Study: {study.name}",
                    rows_table(rows) + "<p>No cell has succeeded yet: no k*(ε), no figure.</p>")
    from uat.study.figures import error_vs_width_figure

    from uat.study.tables import TEXT_COLUMNS

    table = frame_table(study.k_star_table(), text_columns=TEXT_COLUMNS)
    fig, caption = error_vs_width_figure(study.folder)
    return card(f"Study: {study.name}", rows_table(rows) + "<p><b>k*(ε)</b>: the smallest swept width whose median "
                "sup error is ≤ ε (&gt;K: no swept width up to K reaches it; ?: cells failed at the widths it rests "
                f"on)</p>{table}{figure_img(fig, 'Sup-norm error against width', dpi=DPI)}"
                f'<p class="note">{escape(caption)}</p>')
