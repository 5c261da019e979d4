"""The result store: one SQLite database per study folder (stdlib sqlite3, WAL mode).

Only the coordinating process writes, one committed transaction per finished task, with
``synchronous=FULL``: a crash, kill -9 or Ctrl-C of the coordinator loses no finished cell. The
resolved configuration and its hash are stored beside the results; a different study aimed at
the same folder is refused.

Tables: ``meta(key, value)`` holds ``config`` (resolved JSON), ``config_hash``, ``name`` and
``study_file`` (the file's text); ``results`` holds one row per finished cell (see ``COLUMNS``).
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pandas as pd

__all__ = ["COLUMNS", "StudyStore", "StoreError", "load_results"]

DATABASE = "results.sqlite"

#: Columns of the results table, in order: (name, SQL type).
COLUMNS = [
    ("cell_id", "TEXT PRIMARY KEY"), ("target", "TEXT"), ("domain", "TEXT"), ("activation", "TEXT"),
    ("method", "TEXT"), ("width", "INTEGER"), ("repeat", "INTEGER"), ("seed", "INTEGER"),
    ("status", "TEXT"), ("error", "TEXT"), ("sup_error", "REAL"), ("sup_argmax", "TEXT"),
    ("sup_lower", "REAL"), ("sup_upper", "REAL"), ("sup_initial", "REAL"), ("rounding_floor", "REAL"),
    ("sup_method", "TEXT"), ("sup_n_evals", "INTEGER"), ("rms_error", "REAL"), ("train_rms", "REAL"),
    ("train_max", "REAL"), ("n_samples", "INTEGER"), ("n_params", "INTEGER"), ("fit_seconds", "REAL"),
    ("sup_seconds", "REAL"), ("diagnostics", "TEXT"), ("uat_version", "TEXT"), ("numpy_version", "TEXT"),
    ("finished_at", "TEXT"),
]
_NAMES = [name for name, _ in COLUMNS]


class StoreError(ValueError):
    """The output folder holds something else, or is not a study folder."""


class StudyStore:
    """The SQLite database of one study folder (opened by the coordinating process only)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.path = self.folder / DATABASE

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        return connection

    def open(self, config: dict, config_hash: str, name: str, study_file: str) -> None:
        """Create the folder and tables, or check that the folder holds this same study."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            db.execute(f"CREATE TABLE IF NOT EXISTS results ({', '.join(f'{n} {t}' for n, t in COLUMNS)})")
            stored = dict(db.execute("SELECT key, value FROM meta").fetchall())
            if not stored:
                db.executemany("INSERT INTO meta VALUES (?, ?)", [
                    ("config", json.dumps(config, sort_keys=True)), ("config_hash", config_hash),
                    ("name", name), ("study_file", study_file)])
            elif stored.get("config_hash") != config_hash:
                raise StoreError(self._mismatch(stored, config))

    def _mismatch(self, stored: dict, config: dict) -> str:
        old = json.loads(stored.get("config", "{}"))
        differ = sorted(k for k in set(old) | set(config) if old.get(k) != config.get(k))
        return (f"{self.folder} holds a different study ({stored.get('name')!r}; settings that differ: "
                f"{', '.join(differ)}); results of different studies are never mixed: choose another output "
                "folder (--out) or delete this one")

    def finished(self, include_failed: bool = True) -> set[str]:
        """cell_ids already recorded (ok, and failed unless include_failed is False)."""
        if not self.path.exists():
            return set()
        query = "SELECT cell_id FROM results" + ("" if include_failed else " WHERE status = 'ok'")
        with closing(self._connect()) as db:
            return {row[0] for row in db.execute(query)}

    def write(self, rows: list[dict]) -> None:
        """Insert or replace the rows of one finished task, in one committed transaction."""
        values = [tuple(_sql_value(row.get(name)) for name in _NAMES) for row in rows]
        with closing(self._connect()) as db, db:
            db.executemany(f"INSERT OR REPLACE INTO results VALUES ({', '.join('?' * len(_NAMES))})", values)

    def delete(self, cell_ids) -> None:
        with closing(self._connect()) as db, db:
            db.executemany("DELETE FROM results WHERE cell_id = ?", [(c,) for c in cell_ids])

    def meta(self) -> dict:
        if not self.path.exists():
            raise StoreError(f"{self.folder} is not a study folder (no {DATABASE}); run `uat study run FILE --out "
                             f"{self.folder}` first")
        with closing(self._connect()) as db:
            return dict(db.execute("SELECT key, value FROM meta").fetchall())

    def frame(self) -> pd.DataFrame:
        self.meta()
        with closing(self._connect()) as db:
            frame = pd.read_sql_query(f"SELECT {', '.join(_NAMES)} FROM results", db)
        return frame


def _sql_value(value):
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def load_results(folder: str | Path) -> pd.DataFrame:
    """The results of a study folder as a tidy DataFrame, one row per cell, in the grid's order.

    Columns: the axis values (target, domain, activation, method, width, repeat), the derived
    seed, status ('ok' or 'failed') and error, the sup-norm estimate (sup_error, sup_argmax as a
    tuple, sup_lower, sup_upper, sup_initial, rounding_floor, sup_method, sup_n_evals), rms_error,
    train_rms, train_max, n_samples, n_params, fit_seconds, sup_seconds, the method's diagnostics
    expanded into ``diag_<key>`` columns, uat_version, numpy_version and finished_at.
    """
    frame = StudyStore(folder).frame()
    frame["sup_argmax"] = [tuple(json.loads(v)) if isinstance(v, str) else None for v in frame["sup_argmax"]]
    diagnostics = pd.DataFrame([json.loads(v) if isinstance(v, str) else {} for v in frame.pop("diagnostics")],
                               index=frame.index).add_prefix("diag_")
    frame = pd.concat([frame, diagnostics], axis=1)
    config = json.loads(StudyStore(folder).meta()["config"])
    rank = {axis: {v: i for i, v in enumerate(config[axis])} for axis in ("targets", "activations", "methods")}
    order = sorted(range(len(frame)), key=lambda i: (
        rank["targets"].get(frame.at[i, "target"], -1), rank["activations"].get(frame.at[i, "activation"], -1),
        rank["methods"].get(frame.at[i, "method"], -1), frame.at[i, "repeat"], frame.at[i, "width"]))
    return frame.iloc[order].reset_index(drop=True)
