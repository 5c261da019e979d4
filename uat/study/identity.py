"""Which stored cells a run may reuse: the settings that decide a cell's numbers
(:meth:`uat.study.config.StudyConfig.identity`), compared scope by scope.

A study folder keeps the identity of every cell it holds: the ``study`` scope (every cell's settings), and
per method and per target the settings of that method's or target's cells, and, in a study with depth > 1,
per method the settings of its deep cells (``deep``; absent from the identities of studies without depth,
which are therefore what they were before depth existed). A run may add or drop values of
any axis; it is refused only where a setting that decides stored cells differs: a ``study`` setting when the
folder holds any cell, a method's options when it holds cells of that method, a target's domain or facts
when it holds cells of that target. The identity kept afterwards is the run's, plus the entries of the
methods and targets that only the stored cells have (a narrower run must not forget what they were
computed with: a later, wider run is checked against them).
"""

from __future__ import annotations

import json

__all__ = ["stored_identity", "differences", "merged", "digest", "legacy_sweep_width"]

#: Scopes of an identity besides ``study``, and what their entries are called in messages. ``deep`` is only
#: present in the identities of studies with deep cells (:meth:`uat.study.config.StudyConfig.identity`).
SCOPES = {"methods": "method", "targets": "target", "deep": "deep fits of method", "domains": "domain"}
#: Scopes an identity may lack (it then has no entry in them). ``domains``: the points files of the domains of
#: a domain axis, only in the identities of studies with one whose domains read files.
_OPTIONAL = ("deep", "domains")


def digest(identity: dict) -> str:
    """The hash of an identity (``StudyConfig.config_hash``, meta ``config_hash``)."""
    import hashlib

    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def stored_identity(meta: dict) -> dict:
    """The identity of a folder's cells from its meta table. Stores of schema 1 and 2 kept the identity of their
    whole grid, which no cell outlived (their grid could not change): it is derived again from their stored
    configuration."""
    from uat.study.config import StudyConfig

    identity = json.loads(meta.get("identity") or "{}")
    if isinstance(identity, dict) and "study" in identity:
        return identity
    return StudyConfig.from_resolved(json.loads(meta["config"])).identity()


def _show(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value) + "]"
    return json.dumps(value) if isinstance(value, (dict, str, bool)) or value is None else f"{value}"


def _changes(old: dict, new: dict) -> str:
    return ", ".join(f"{key} {_show(old.get(key))} -> {_show(new.get(key))}"
                     for key in sorted(old.keys() | new.keys()) if old.get(key) != new.get(key))


def differences(old: dict, new: dict, present: dict) -> list[str]:
    """The settings that differ between a folder's identity ``old`` and a run's ``new``, where they decide
    stored cells (``present``: ``any`` (bool), and the ``methods`` and ``targets`` that have stored cells), each
    as 'what: old -> new'; ``deep``: the methods with stored deep cells; ``domains``: the domains of stored cells)."""
    out = []
    if present["any"] and old["study"] != new["study"]:
        out.append(_changes(old["study"], new["study"]))
    for scope, word in SCOPES.items():
        before, after = old.get(scope, {}), new.get(scope, {})
        for name in sorted(present.get(scope, set()) & after.keys()):
            if name not in before:
                out.append(f"{word} {name!r}: its stored cells' settings are not recorded")
            elif before[name] != after[name]:
                out.append(f"{word} {name!r}: {_changes(before[name], after[name])}")
    return out


def merged(old: dict, new: dict, present: dict) -> dict:
    """The identity a folder keeps after a run that :func:`differences` allowed: the run's, and the entries of
    the methods and targets whose stored cells the run's grid leaves out."""
    out = {"study": new["study"]}
    for scope in SCOPES:
        kept = {name: entry for name, entry in old.get(scope, {}).items() if name in present.get(scope, set())}
        entries = {**kept, **new.get(scope, {})}
        if entries or scope not in _OPTIONAL:
            out[scope] = entries
    return out


def legacy_sweep_width(config: dict) -> int | None:
    """K, the width of the one draw from which a folder of store schema 1 or 2 fitted all least-squares widths
    of each (target, activation, replicate) (``[run] sweep = true``, then the default: the grid's largest
    width, which could not change), or None when it fitted them one by one (``sweep = false``) or ran no
    least squares."""
    if config.get("sweep", True) and "lstsq" in config.get("methods", ()):
        return int(max(config["widths"]))
    return None
