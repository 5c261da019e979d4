"""How a study's numbers were measured, in words, from data: the sup-norm estimates (grouped by their stored
facts) and the settings of the certified upper bounds. The report, the figure captions and the table's
legend say them with these functions.
"""

from __future__ import annotations

import re

__all__ = ["sup_method_summary", "certify_summary"]


def _span(values) -> str:
    """'a' or 'a–b': the range a list of integers takes."""
    low, high = min(values), max(values)
    return f"{low}" if low == high else f"{low}–{high}"


def _cells(n: int) -> str:
    return f"{n} cell" if n == 1 else f"{n} cells"


def _search_text(facts: list[dict]) -> str:
    """The search of a group of estimates of one kind, with the range of each count."""
    text = (f"{facts[0]['search']}: {_span([f['n_grid'] for f in facts])} points "
            f"(+ {_span([f['n_extra'] for f in facts])} extra")
    given = [f.get("n_given", 0) for f in facts]
    if any(given):
        text += f", {_span(given)} given"
    return text + f"), {_span([f['n_refined'] for f in facts])} candidates refined"


def _bracket_text(facts: list[dict]) -> str:
    """The brackets of a group of estimates of one bracket kind: how many ended each way (uat.certify.OUTCOMES)."""
    from uat.certify import OUTCOMES

    kind = facts[0].get("bracket")
    if not kind:
        return "no bracket"
    counts: dict[str, int] = {}
    for f in facts:
        counts[f.get("outcome", "?")] = counts.get(f.get("outcome", "?"), 0) + 1
    order = [o for o in OUTCOMES if o in counts] + sorted(o for o in counts if o not in OUTCOMES)
    return f"bracket {kind}: " + ", ".join(f"{counts[o]} {o}" for o in order)


def sup_method_summary(rows) -> str:
    """How the sup norms of many cells were estimated, in a line.

    The cells are grouped by the facts of their estimates (``sup_facts``, :attr:`uat.supnorm.SupEstimate.facts`):
    the kind of search and the kind of bracket; each group gives the range of its counts and how its brackets
    ended, e.g. ``1-D grid: 2049–4097 points (+ 8–128 extra, 1 given), 16 candidates refined; bracket 1-D,
    second order: 60 converged, 12 budget, 30 hopeless (102 cells)``. Groups are separated by `` | ``.

    Parameters
    ----------
    rows : pandas.DataFrame
        Result rows (of the successful cells) with ``sup_facts`` (a dict, or None for cells of stores written
        before facts were stored) and ``sup_method`` (the prose, used for those older cells only, see
        :func:`_legacy_summary`).
    """
    groups: dict[tuple, list[dict]] = {}
    legacy = []
    for facts, method in zip(rows["sup_facts"], rows["sup_method"]):
        if isinstance(facts, dict):
            groups.setdefault((facts["search"], facts.get("bracket")), []).append(facts)
        elif isinstance(method, str):
            legacy.append(method)
    parts = [f"{_search_text(group)}; {_bracket_text(group)} ({_cells(len(group))})" for group in groups.values()]
    if legacy:
        parts.append(_legacy_summary(legacy))
    return " | ".join(parts) or "none"


def _legacy_summary(methods: list[str]) -> str:
    """The estimator descriptions of cells stored before their facts were (store schema 1 and 2, which kept only
    the prose): the texts with their numbers replaced by the range they take, and the cells each.

    This parses prose with a regular expression, which new code must not do; it is kept for those old cells
    alone, which have nothing else. E.g. ``grid of 10 points``, ``grid of 30 points``: ``grid of 10–30 points
    (2 cells)``.
    """
    groups: dict[str, list[list[int]]] = {}
    for method in methods:
        numbers = [int(n) for n in re.findall(r"\d+", method)]
        groups.setdefault(re.sub(r"\d+", "#", method), []).append(numbers)
    parts = []
    for template, numbers in groups.items():
        text = template
        for values in zip(*numbers):
            text = text.replace("#", _span(values), 1)
        parts.append(f"{text} ({_cells(len(numbers))})")
    return "; ".join(parts)


def certify_summary(config: dict) -> str:
    """The settings of the certified upper bounds of a study (its resolved configuration, as stored), e.g.
    ``upper bounds: branch and bound, budget 32768 evaluations, target gap 1%``."""
    from uat.study.config import CERTIFY_DEFAULTS

    settings = {key: config.get(key, default) for key, default in CERTIFY_DEFAULTS.items()}
    if not settings["certify"]:
        return "upper bounds: off (certify = false)"
    text = (f"upper bounds: branch and bound where the target's facts allow, budget {settings['certify_evals']} "
            f"evaluations, target gap {100 * settings['certify_rtol']:g}%")
    return text
