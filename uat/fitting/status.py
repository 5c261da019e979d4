"""How an iterative fit ended, as data: one word of a fixed vocabulary and a message, as ``scipy.optimize``
gives ``status`` and ``message``.

The iterative methods (backprop and the peers that train) put three facts in their diagnostics:

* ``outcome``: one word of :data:`STATUSES`;
* ``message``: :data:`STATUSES`' sentence for it, with the detail where there is one (which tolerance,
  the optimizer's own words);
* ``status``: the text of earlier releases, kept as it was: the word with ``": detail"`` where there is
  a detail (``"converged: gtol"``, ``"stopped: <the peer's warning>"``), ``"target reached"`` for
  ``target_reached`` (:func:`status_text`).

Read ``outcome`` to branch on how a fit ended; ``status`` is for people.
"""

from __future__ import annotations

__all__ = ["STATUSES", "status_facts", "status_text"]

#: The outcomes of an iterative fit -> what each means (the message table).
STATUSES = {
    "converged": "a convergence test was met",
    "target_reached": "the training RMS error reached target_rms",
    "max_iter": "the iteration budget (max_iter) was spent",
    "max_eval": "the loss-evaluation budget (max_eval) was spent",
    "max_seconds": "the wall-clock budget (max_seconds) was spent",
    "stalled": "no step lowered the loss",
    "stopped": "the optimizer stopped before a convergence test was met",
    "diverged": "the loss became non-finite; the best parameters seen are returned",
}


def _check(word: str) -> str:
    if word not in STATUSES:
        raise ValueError(f"unknown fit outcome {word!r}; the vocabulary is {', '.join(STATUSES)}")
    return word


def status_text(word: str, detail: str | None = None) -> str:
    """The ``status`` text of an outcome: ``word`` or ``"word: detail"`` (``"target reached"`` for target_reached)."""
    if _check(word) == "target_reached":
        return "target reached"
    return word if not detail else f"{word}: {detail}"


def status_facts(word: str, detail: str | None = None) -> dict:
    """The diagnostics of an outcome: ``status`` (:func:`status_text`), ``outcome`` (the word) and ``message``."""
    message = STATUSES[_check(word)] + (f" ({detail})" if detail else "")
    return {"status": status_text(word, detail), "outcome": word, "message": message}
