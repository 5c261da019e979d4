"""Training curves of iterative methods: loss and sup-error checkpoints against iteration and time."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from uat.plots._style import MARKERS, line_colours

__all__ = ["draw_training_curves", "training_curves"]


def _history(label, result) -> dict:
    history = getattr(result, "history", None)
    if not history:
        method = getattr(result, "method", type(result).__name__)
        raise ValueError(f"results[{label!r}] has no training history (method {method!r}); training curves need "
                         "an iterative method, e.g. method='backprop'")
    return history


def _resolved(history: dict, key: str, n: int) -> np.ndarray:
    """The entries that record a re-solve of C rather than an update (none in histories without the key;
    a stored history holds the marks as 0.0 and 1.0)."""
    return np.asarray(history[key], dtype=bool) if key in history else np.zeros(n, dtype=bool)


def draw_training_curves(ax, results: dict, x: str = "iteration", title: str = "", legend: bool = True):
    """Training curves: the training RMS error √L against ``x`` ('iteration' or 'seconds'), one line
    per entry of ``results`` (label → FitResult with a history, e.g. one per optimizer), the
    sup-norm checkpoints (``checkpoint_every``) as open markers in the same colour, and a star at the
    end for the training RMS of the network returned. Variable projection's final plain
    least-squares C, which is no update (``history['resolve_c']``), is drawn as a dotted drop from
    the last iterate, and its sup-norm checkpoint as a filled marker. Log error scale; seconds on a
    log scale too where they span more than a decade."""
    if x not in ("iteration", "seconds"):
        raise ValueError(f"x must be 'iteration' or 'seconds'; got {x!r}")
    colours = line_colours(list(results))
    for i, (label, result) in enumerate(results.items()):
        h = _history(label, result)
        rms, resolve = np.sqrt(h["loss"]), _resolved(h, "resolve_c", len(h["loss"]))
        ax.plot(h[x][~resolve], rms[~resolve], "-", color=colours[label], lw=1.3, label=f"{label}: training RMS")
        if resolve.any():  # the drop from the last iterate to the re-solved C
            last, done = np.flatnonzero(~resolve)[-1], np.flatnonzero(resolve)[-1]
            ax.plot(h[x][[last, done]], rms[[last, done]], ":", color=colours[label], lw=1.3,
                    label=f"{label}: final least-squares C")
        final = getattr(result, "train_rms", None)
        if final is not None:  # the returned network (best iterate; varpro's final least squares; refinement)
            ax.plot([h[x][-1]], [final], linestyle="none", marker="*", ms=9, color=colours[label],
                    label=f"{label}: returned network")
        if "checkpoint_sup_error" in h:
            marker = MARKERS[i % len(MARKERS)]
            at = _resolved(h, "checkpoint_resolve_c", len(h["checkpoint_sup_error"]))
            ax.plot(h[f"checkpoint_{x}"][~at], h["checkpoint_sup_error"][~at], linestyle="none", marker=marker,
                    ms=4, color=colours[label], mfc="none", label=f"{label}: sup error")
            if at.any():
                ax.plot(h[f"checkpoint_{x}"][at], h["checkpoint_sup_error"][at], linestyle="none", marker=marker,
                        ms=4, color=colours[label], label=f"{label}: sup error after the final least-squares C")
    if x == "seconds":  # times span decades; under one decade a log axis has only minor ticks to label
        times = np.concatenate([_history(label, r)["seconds"] for label, r in results.items()] or [np.ones(1)])
        times = times[times > 0]
        if times.size and times.max() > 10 * times.min():
            ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("iteration (update)" if x == "iteration" else "training time (s, checkpoints excluded)")
    ax.set_ylabel("error")
    ax.set_title(title, fontsize="medium")
    ax.grid(True, which="major", alpha=0.3)
    if legend:
        ax.legend(fontsize="small")
    return ax


def training_curves(results: dict, title: str = "Training curves") -> Figure:
    """Two panels, against iteration and against time, of :func:`draw_training_curves`."""
    fig = Figure(figsize=(12.5, 4.4), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    draw_training_curves(left, results, "iteration", legend=False)
    draw_training_curves(right, results, "seconds", legend=False)
    right.set_ylabel("")
    fig.legend(*left.get_legend_handles_labels(), loc="outside right upper", fontsize="small")
    fig.suptitle(title)
    return fig
