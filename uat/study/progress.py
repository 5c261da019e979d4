"""The progress bar of a study run: tqdm, in a terminal, a log file and a notebook alike.

:func:`run_study` takes ``progress=True`` (this bar), a callable ``progress(done, total, failed, elapsed)``
(called after every finished task, as before) or None. ``uat study run`` passes True: this module is the
one place where uat meets tqdm.

Where the bar goes (:func:`bar_class`): in a Jupyter kernel with ipywidgets, tqdm.auto's widget; elsewhere
tqdm's text bar on stderr. Without ipywidgets, tqdm.auto would warn "IProgress not found" in a notebook
before falling back to the text bar: the text bar is chosen here directly, so no warning is raised (a
notebook still shows it, redrawn in place).

How often it is drawn (:meth:`StudyProgress.settings`): on a terminal or a widget, tqdm's defaults (at most
every 0.1 s, redrawn in place); written to a file or pipe that is not a terminal (a log, CI), about ten
times in all: once per tenth of the cells (tqdm's ``miniters``, with no time limit, ``mininterval=0``, and no
forced redraw, ``maxinterval=inf``), each as tqdm writes a redraw, after a carriage return. The cells
failed so far are the bar's postfix, ``failed=N``.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from collections.abc import Callable

__all__ = ["StudyProgress", "bar_class", "in_notebook", "as_progress"]

#: Redraws of the bar on a stream that is not a terminal: about one per this fraction of the cells.
STEPS = 10


def in_notebook() -> bool:
    """Whether this is a Jupyter kernel (ipykernel's shell loaded), where tqdm.auto would pick its widget."""
    return "ipykernel.zmqshell" in sys.modules


def bar_class():
    """tqdm.auto's bar (the widget in a notebook) where ipywidgets is installed; else tqdm's text bar, which
    tqdm.auto would fall back to after warning in a notebook."""
    if importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm
    else:
        from tqdm.std import tqdm
    return tqdm


class StudyProgress:
    """A callable ``progress(done, total, failed, elapsed)`` for :func:`uat.run_study` that draws a tqdm bar.

    The bar is made at the first call (when the total is known; cells finished by an earlier run count as
    done, so the rate and ETA are those of this run) and closed when ``done`` reaches ``total`` or on
    :meth:`close`. ``failed`` is shown as the postfix ``failed=N``.

    Parameters
    ----------
    desc : str
        The bar's label (the study's name).
    file : file object, optional
        Where a text bar is written; default ``sys.stderr`` at the first call.
    """

    def __init__(self, desc: str = "cells", file=None):
        self.desc = desc
        self.file = file
        self.bar = None

    def settings(self, total: int, file) -> dict:
        """tqdm's drawing options: its defaults on a terminal or in a notebook; about :data:`STEPS` redraws in
        all on anything else (the module docstring says why)."""
        if in_notebook() or getattr(file, "isatty", lambda: False)():
            return {}
        return {"miniters": max(1, math.ceil(total / STEPS)), "mininterval": 0.0, "maxinterval": math.inf}

    def __call__(self, done: int, total: int, failed: int, elapsed: float) -> None:
        if self.bar is None:
            file = sys.stderr if self.file is None else self.file
            self.bar = bar_class()(total=total, initial=done, desc=self.desc, unit="cell", file=file,
                                   dynamic_ncols=True, postfix={"failed": failed}, **self.settings(total, file))
        else:
            self.bar.set_postfix(failed=failed, refresh=False)
            self.bar.update(done - self.bar.n)
        if done >= total:
            self.close()

    def close(self) -> None:
        """Close the bar (it stays on screen with its last state); calling again does nothing."""
        if self.bar is not None:
            self.bar.close()


def as_progress(progress, desc: str = "cells") -> Callable[[int, int, int, float], None] | None:
    """``run_study``'s ``progress`` argument as a callable or None: True a :class:`StudyProgress` labelled
    ``desc``, False or None no progress, a callable itself; anything else a TypeError."""
    if progress is None or progress is False:
        return None
    if progress is True:
        return StudyProgress(desc)
    if not callable(progress):
        raise TypeError(f"progress must be True (a tqdm bar), False, None or a callable progress(done, total, "
                        f"failed, elapsed_seconds); got {progress!r}")
    return progress
