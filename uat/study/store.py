"""The result store: one SQLite database per study folder (stdlib sqlite3, WAL mode).

Only the coordinating process writes, one committed transaction per finished task, with
``synchronous=FULL``: a crash, kill -9 or Ctrl-C of the coordinator loses no finished cell. A cell is
identified by its axis values (``cell_id``), and its numbers depend on them and on the settings of
:meth:`~uat.study.config.StudyConfig.identity` only: a run reuses every stored cell of its grid, whatever
else the folder holds, and a study may grow or shrink along any axis; a run whose settings differ from
those the stored cells were computed with is refused, naming them (:mod:`uat.study.identity`).

Tables: ``meta(key, value)`` holds ``schema_version``, ``config`` (the last run's resolved JSON: its grid
is the folder's, see :func:`load_results`), ``identity`` and its hash ``config_hash`` (the settings of
every stored cell), ``name``, ``study_file`` (the file's text), the ``uat_version`` and
``numpy_version`` the results were computed with (a run with other versions is refused unless
``--force``) and, in folders started by a legacy width sweep, ``sweep_width`` (see
:meth:`StudyStore.sweep_width`); ``results`` holds one row per finished cell (see ``COLUMNS``). A lock
file keeps a second coordinator out of a folder that one is writing to. ``polynomial_floors(target,
domain, degree, value, lower, error)``, written at the end of a run that has polynomial activations, caches
the best-polynomial errors E_p(f) the polynomial-counterexample figure draws
(:func:`uat.study.runner.polynomial_floors`); results, not identity: folders without it plot as before.

Each successful cell also keeps its fitted network and, for iterative methods, its training
history, as ``.npz`` bytes (read back with ``allow_pickle=False``, never unpickled): the figures
draw the very networks the table measured, without fitting again (:func:`load_networks`,
:func:`load_histories`).

Older stores are read as they are and upgraded in place by the next run, in the transaction that checks
them, so that an interrupted upgrade leaves the old store: schema 1 kept no networks or histories (its
cells simply have none); schemas 1 and 2 named the replicate column ``repeat``, which shadowed
``pandas.Series.repeat`` (schema 3 renames it ``replicate``), and kept how each sup norm was estimated as
prose only (``sup_method``): schema 3 adds ``sup_facts``, the estimate's facts as JSON
(:attr:`uat.supnorm.SupEstimate.facts`), NULL in the cells computed before, and ``sweep_width``: a least-squares
cell of a folder whose grid was swept from one draw (``[run] sweep = true``, the default then) records the
width of that draw, the grid's largest width then. ``depth`` (the hidden layers of ``width`` units, see
:mod:`uat.study.config`) came with studies of depth: the rows of a store written before it have none and are
read as depth 1, which they are (``n_params``, the fitted model's parameter count, every schema has stored).
A deep cell keeps its :class:`~uat.DeepNetwork` as any model (:mod:`uat.models`).
"""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import zipfile
from contextlib import closing
from pathlib import Path

import numpy as np
import pandas as pd

from uat._version import __version__
from uat.models import load_model, save_model
from uat.npzfile import open_npz

__all__ = ["COLUMNS", "StudyStore", "StoreError", "load_results", "load_networks", "load_histories",
           "network_bytes", "history_bytes", "FLOOR_COLUMNS", "load_polynomial_floors"]

DATABASE = "results.sqlite"
SCHEMA_VERSION = "3"
#: Schemas this uat reads and resumes (older ones are upgraded in place when a run opens them).
_READABLE = ("1", "2", SCHEMA_VERSION)

#: Columns of the results table, in order: (name, SQL type).
COLUMNS = [
    ("cell_id", "TEXT PRIMARY KEY"), ("target", "TEXT"), ("domain", "TEXT"), ("activation", "TEXT"),
    ("method", "TEXT"), ("width", "INTEGER"), ("depth", "INTEGER"), ("replicate", "INTEGER"), ("seed", "INTEGER"),
    ("status", "TEXT"), ("error", "TEXT"), ("sup_error", "REAL"), ("sup_argmax", "TEXT"),
    ("sup_lower", "REAL"), ("sup_upper", "REAL"), ("sup_initial", "REAL"), ("rounding_floor", "REAL"),
    ("sup_method", "TEXT"), ("sup_facts", "TEXT"), ("sup_n_evals", "INTEGER"), ("rms_error", "REAL"),
    ("train_rms", "REAL"), ("train_max", "REAL"), ("n_samples", "INTEGER"), ("sweep_width", "INTEGER"),
    ("n_params", "INTEGER"), ("fit_seconds", "REAL"), ("sup_seconds", "REAL"), ("diagnostics", "TEXT"),
    ("uat_version", "TEXT"), ("numpy_version", "TEXT"), ("finished_at", "TEXT"), ("network", "BLOB"),
    ("history", "BLOB"),
]
_NAMES = [name for name, _ in COLUMNS]
#: The columns holding arrays (npz bytes): read on request, not with the table.
BLOBS = ("network", "history")
_TABLE = [name for name in _NAMES if name not in BLOBS]
#: Columns renamed since schema 1, old name -> new name.
_RENAMED = {"repeat": "replicate"}


#: Columns of the ``polynomial_floors`` table: E_p(f) of a target on its domain ('' for a library target's
#: own), bracketed as lower ≤ E_p ≤ value, or ``error``: why best_polynomial refused the target.
FLOOR_COLUMNS = [("target", "TEXT"), ("domain", "TEXT"), ("degree", "INTEGER"), ("value", "REAL"),
                 ("lower", "REAL"), ("error", "TEXT")]


class StoreError(ValueError):
    """The output folder holds something else, or is not a study folder."""


class StudyStore:
    """The SQLite database of one study folder (opened by the coordinating process only)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.path = self.folder / DATABASE

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=30)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
        except BaseException:
            connection.close()
            raise
        return connection

    @contextlib.contextmanager
    def _database(self):
        """A connection, closed afterwards; SQLite's errors on a damaged file become one StoreError naming it."""
        try:
            with closing(self._connect()) as db:
                yield db
        except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
            raise  # uat's own mistakes, not the file's
        except sqlite3.OperationalError as err:
            if "locked" in str(err) or "busy" in str(err):
                raise StoreError(f"{self.path} is locked by another process ({err}); wait for it and try again") \
                    from err
            raise self.unreadable(str(err)) from err
        except (sqlite3.DatabaseError, pd.errors.DatabaseError) as err:
            raise self.unreadable(str(getattr(err, "__cause__", None) or err)) from err

    def unreadable(self, reason: str) -> StoreError:
        """The error for a store that cannot be read: it names the file and what to do; the file is left as it is."""
        return StoreError(f"{self.path} is not a readable uat study store ({reason}): move it away and rerun the "
                          "study, or restore it from a copy")

    @contextlib.contextmanager
    def lock(self):
        """Hold the folder's lock file while a coordinator runs; a second one is refused (POSIX)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            yield
            return
        with open(self.folder / ".lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(f"another `uat study run` is writing to {self.folder}; wait for it or choose "
                                 "another output folder") from None
            yield

    def open(self, config, study_file: str, force: bool = False) -> None:
        """Create the folder and tables, or check that the folder's cells may be reused by this study (and
        versions), and upgrade an older store; then record the study (``config``, a StudyConfig) as the folder's.

        A study may grow or shrink any axis of the folder's grid: it is refused only where a setting that
        decides stored cells differs (:mod:`uat.study.identity`).
        """
        from uat.study.identity import digest, merged

        identity = config.identity()
        versions = {"uat_version": __version__, "numpy_version": np.__version__}
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._database() as db, db:
            db.execute("BEGIN IMMEDIATE")  # checks, upgrade and meta in one transaction (SQLite's DDL is transactional)
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            db.execute(f"CREATE TABLE IF NOT EXISTS results ({', '.join(f'{n} {t}' for n, t in COLUMNS)})")
            stored = dict(db.execute("SELECT key, value FROM meta").fetchall())
            sweep_width = None
            if stored:
                old, present = self._check(db, stored, config, identity, versions, force)
                identity, sweep_width = merged(old, identity, present), self._sweep_width(stored)
            elif db.execute("SELECT count(*) FROM results").fetchone()[0]:  # results of an unknown study
                raise self.unreadable("its meta table holds no study configuration")
            _upgrade(db, sweep_width)  # only once every check passed
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
                ("schema_version", SCHEMA_VERSION), ("config", json.dumps(config.resolved(), sort_keys=True)),
                ("identity", json.dumps(identity, sort_keys=True)), ("config_hash", digest(identity)),
                ("name", config.name), ("study_file", study_file), *versions.items()]
                + ([("sweep_width", str(sweep_width))] if sweep_width else []))

    def _check(self, db, stored: dict, config, identity: dict, versions: dict, force: bool):
        """Refuse a store of another schema, settings that differ from those of stored cells, a legacy sweep asked
        to stop and other versions (unless ``force``); return the folder's identity and which cells it holds."""
        from uat.study.identity import differences, stored_identity

        if stored.get("schema_version") not in _READABLE:
            raise StoreError(f"{self.folder} was written by an incompatible uat (store schema "
                             f"{stored.get('schema_version')!r}, this uat writes {SCHEMA_VERSION!r})")
        try:
            old = stored_identity(stored)
        except (KeyError, TypeError, ValueError) as err:
            raise self.unreadable("its meta table holds no study configuration") from err
        present = _present(db)
        differ = differences(old, identity, present)
        if differ:
            raise StoreError(f"{self.folder} holds a different study ({stored.get('name')!r}; settings that differ "
                             f"from those its cells were computed with: {'; '.join(differ)}); results of different "
                             "studies are never mixed: choose another output folder (--out) or delete this one")
        sweep_width = self._sweep_width(stored)
        if sweep_width and not config.sweep and "lstsq" in present["methods"]:
            raise StoreError(f"{self.folder} holds least-squares cells fitted as uat did before store schema 3: each "
                             f"(target, activation, replicate) from one draw of width {sweep_width} (run.sweep = "
                             "true); with sweep = false new ones would be fitted on their own and not be comparable: "
                             "keep run.sweep = true for this folder, or choose another output folder")
        changed = {k: (stored.get(k), v) for k, v in versions.items() if stored.get(k) != v}
        if changed and not force:
            raise StoreError(f"{self.folder} holds results computed with other versions ("
                             + ", ".join(f"{k} {old} -> {new}" for k, (old, new) in changed.items())
                             + "); resuming would mix them: use --force to recompute, or another output folder")
        return old, present

    @staticmethod
    def _sweep_width(stored: dict) -> int | None:
        """The legacy sweep's draw width of a folder (see :meth:`sweep_width`) from its meta table."""
        from uat.study.identity import legacy_sweep_width

        if stored.get("schema_version") in ("1", "2"):
            return legacy_sweep_width(json.loads(stored["config"]))
        return int(stored["sweep_width"]) if stored.get("sweep_width") else None

    def sweep_width(self) -> int | None:
        """K, where the folder was started by a uat that fitted the least-squares widths of each (target,
        activation, replicate) from one draw and one training set of the grid's largest width K (store schema
        1 and 2, ``[run] sweep = true``); None otherwise. Its least-squares cells of widths up to K are fitted
        that way still, so that the folder's cells stay comparable; wider ones, and every cell of a newer
        folder, are fitted on their own."""
        return self._sweep_width(self.meta())

    def finished(self, include_failed: bool = True) -> set[str]:
        """cell_ids already recorded (ok, and failed unless include_failed is False)."""
        if not self.path.exists():
            return set()
        query = "SELECT cell_id FROM results" + ("" if include_failed else " WHERE status = 'ok'")
        with self._database() as db:
            return {row[0] for row in db.execute(query)}

    def write(self, rows: list[dict]) -> None:
        """Insert or replace the rows of one finished task, in one committed transaction."""
        values = [tuple(_sql_value(row.get(name)) for name in _NAMES) for row in rows]
        with self._database() as db, db:
            db.executemany(f"INSERT OR REPLACE INTO results ({', '.join(_NAMES)}) VALUES ({', '.join('?' * len(_NAMES))})", values)

    def delete(self, cell_ids) -> None:
        with self._database() as db, db:
            db.executemany("DELETE FROM results WHERE cell_id = ?", [(c,) for c in cell_ids])

    def meta(self) -> dict:
        if not self.path.exists():
            raise StoreError(f"{self.folder} is not a study folder (no {DATABASE}); run `uat study run FILE --out "
                             f"{self.folder}` first")
        with self._database() as db:
            return dict(db.execute("SELECT key, value FROM meta").fetchall())

    def config(self) -> dict:
        """The stored resolved configuration (see :meth:`meta`), refused when it is missing or not a study's."""
        try:
            config = json.loads(self.meta()["config"])
            if not isinstance(config, dict) or not all(key in config for key in ("name", "targets", "activations",
                                                                                 "methods", "tolerances")):
                raise KeyError("config")
        except (KeyError, TypeError, json.JSONDecodeError) as err:
            raise self.unreadable("its meta table holds no study configuration") from err
        return config

    def frame(self) -> pd.DataFrame:
        """The results table, with this schema's columns whatever the store's (call :meth:`meta` first: it says
        when the folder is no study): an old store is read as it is, renamed columns under their new names,
        columns it lacks as NULL."""
        with self._database() as db:
            present = {row[1] for row in db.execute("PRAGMA table_info(results)")}
            old = {new: old for old, new in _RENAMED.items() if old in present and new not in present}
            columns = [name if name in present else f"{old[name]} AS {name}" if name in old else f"NULL AS {name}"
                       for name in _TABLE]
            frame = pd.read_sql_query(f"SELECT {', '.join(columns)} FROM results", db)
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        if "sweep_width" not in present and (width := self._sweep_width(meta)):  # a legacy sweep, not yet upgraded
            frame["sweep_width"] = frame["sweep_width"].astype(object)
            frame.loc[frame["method"] == "lstsq", "sweep_width"] = width
        return frame

    def polynomial_floors(self) -> dict:
        """(target, domain, degree) → the stored row of E_p(f) (keys of :data:`FLOOR_COLUMNS`; ``domain`` None
        for a library target); {} where the folder has none (written before uat stored them)."""
        if not self.path.exists():
            return {}
        with self._database() as db:
            if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'polynomial_floors'") \
                    .fetchone():
                return {}
            rows = db.execute(f"SELECT {', '.join(n for n, _ in FLOOR_COLUMNS)} FROM polynomial_floors").fetchall()
        found = [dict(zip((n for n, _ in FLOOR_COLUMNS), row), domain=row[1] or None) for row in rows]
        return {(row["target"], row["domain"], row["degree"]): row for row in found}

    def write_polynomial_floors(self, rows: list[dict]) -> None:
        """Insert or replace rows of E_p(f) (keys of :data:`FLOOR_COLUMNS`), in one committed transaction."""
        names = [n for n, _ in FLOOR_COLUMNS]
        values = [tuple(row["domain"] or "" if n == "domain" else row[n] for n in names) for row in rows]
        with self._database() as db, db:
            db.execute(f"CREATE TABLE IF NOT EXISTS polynomial_floors ({', '.join(f'{n} {t}' for n, t in FLOOR_COLUMNS)}"
                       ", PRIMARY KEY (target, domain, degree))")
            db.executemany(f"INSERT OR REPLACE INTO polynomial_floors ({', '.join(names)}) "
                           f"VALUES ({', '.join('?' * len(names))})", values)

    def cell_count(self) -> int:
        """The number of cells stored, in the folder's grid or not."""
        with self._database() as db:
            return db.execute("SELECT count(*) FROM results").fetchone()[0]

    def arrays(self, column: str, cell_ids) -> dict:
        """cell_id → the npz bytes of ``column`` ('network' or 'history'), None where there are none."""
        if column not in BLOBS:
            raise ValueError(f"column must be one of {BLOBS}; got {column!r}")
        cell_ids = list(cell_ids)
        with self._database() as db:
            present = {row[1] for row in db.execute("PRAGMA table_info(results)")}
            if column not in present:  # a schema-1 store, read without being upgraded
                return dict.fromkeys(cell_ids)
            found = {}
            for start in range(0, len(cell_ids), 500):  # SQLite caps the number of parameters
                chunk = cell_ids[start:start + 500]
                query = f"SELECT cell_id, {column} FROM results WHERE cell_id IN ({', '.join('?' * len(chunk))})"
                found.update(db.execute(query, chunk).fetchall())
        return {cell_id: found.get(cell_id) for cell_id in cell_ids}


def _upgrade(db: sqlite3.Connection, sweep_width: int | None) -> None:
    """Bring the results table of an older schema to this one, in place: renamed columns get their new names
    (:data:`_RENAMED`), missing columns are added (NULL in the rows already there), and the least-squares
    cells of a legacy sweep record the width of the draw they were fitted from (``sweep_width``). Idempotent:
    a second call, or one after an upgrade that was interrupted, changes nothing more."""
    present = {row[1] for row in db.execute("PRAGMA table_info(results)")}
    for old, new in _RENAMED.items():
        if old in present and new not in present:
            db.execute(f"ALTER TABLE results RENAME COLUMN {old} TO {new}")
            present = (present - {old}) | {new}
    for name, kind in COLUMNS:
        if name not in present:
            db.execute(f"ALTER TABLE results ADD COLUMN {name} {kind}")
            if name == "sweep_width" and sweep_width:
                db.execute("UPDATE results SET sweep_width = ? WHERE method = 'lstsq' AND width <= ?",
                           (sweep_width, sweep_width))


def _present(db: sqlite3.Connection) -> dict:
    """Which cells a store holds, as :func:`uat.study.identity.differences` needs it: any, their targets and
    methods, the methods of its deep cells (``deep``; none in a store written before depth) and their domains
    (``domains``: the ``domain`` column, which a cell of a domain axis always fills)."""
    present = {"any": False, "methods": set(), "targets": set(), "deep": set(), "domains": set()}
    columns = {row[1] for row in db.execute("PRAGMA table_info(results)")}
    deep = "depth > 1" if "depth" in columns else "0"
    domain = "domain" if "domain" in columns else "NULL"
    for target, method, is_deep, domain in db.execute(f"SELECT DISTINCT target, method, {deep}, {domain} FROM results"):
        present["any"] = True
        present["targets"].add(target)
        present["methods"].add(method)
        if is_deep:
            present["deep"].add(method)
        if domain is not None:
            present["domains"].add(domain)
    return present


def _sql_value(value):
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def load_results(folder: str | Path, *, all_cells: bool = False) -> pd.DataFrame:
    """The results of a study folder as a tidy DataFrame, one row per cell, in the grid's order.

    The cells are those of the folder's study (the grid of the last run); with ``all_cells``, also the
    stored cells outside it (left by a wider run before a narrower one: kept, and reused when the grid grows
    again).

    Columns: the axis values (target, domain (a cell's value of grid.domain, or the domain it was fitted on), activation, method, width, depth, replicate; depth, the hidden
    layers, is 1 in the rows of stores written before studies had depth), the derived
    seed, status ('ok' or 'failed') and error, the sup-norm estimate (sup_error, sup_argmax as a
    tuple, sup_lower, sup_upper, sup_initial, rounding_floor, sup_method, sup_facts as a dict or None for cells
    of older stores, sup_n_evals), rms_error,
    train_rms, train_max, n_samples, n_params, fit_seconds, sup_seconds, the method's diagnostics
    expanded into ``diag_<key>`` columns, uat_version, numpy_version and finished_at; sweep_width is the width
    of the one draw a legacy least-squares sweep fitted the cell from (see :meth:`StudyStore.sweep_width`),
    NULL for every cell fitted on its own.
    """
    from uat.study.config import StudyConfig

    store = StudyStore(folder)
    config = store.config()
    frame = store.frame()
    if not all_cells:
        grid = {cell.cell_id for cell in StudyConfig.from_resolved(config).cells()}
        frame = frame[frame["cell_id"].isin(grid)].reset_index(drop=True)
    frame["depth"] = pd.to_numeric(frame["depth"]).fillna(1).astype(int)
    frame["sup_argmax"] = [tuple(json.loads(v)) if isinstance(v, str) else None for v in frame["sup_argmax"]]
    frame["sup_facts"] = [json.loads(v) if isinstance(v, str) else None for v in frame["sup_facts"]]
    diagnostics = pd.DataFrame([json.loads(v) if isinstance(v, str) else {} for v in frame.pop("diagnostics")],
                               index=frame.index).add_prefix("diag_")
    frame = pd.concat([frame, diagnostics], axis=1)
    axes = (("target", "targets"), ("domain", "domain_axis"), ("activation", "activations"), ("method", "methods"))
    ranks = {column: frame[column].map({v: i for i, v in enumerate(config.get(axis, []))}).fillna(len(config.get(axis, [])))
             for column, axis in axes}
    keys = pd.DataFrame({**ranks, "replicate": frame["replicate"], "depth": frame["depth"], "width": frame["width"]})
    order = keys.sort_values(list(keys.columns), kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def load_polynomial_floors(folder: str | Path) -> dict:
    """The best-polynomial errors E_p(f) a run stored in ``folder`` (see :meth:`StudyStore.polynomial_floors`)."""
    return StudyStore(folder).polynomial_floors()


def network_bytes(network) -> bytes | None:
    """A fitted model (a network, or a polynomial of the baselines) as npz bytes for the store
    (:func:`uat.models.save_model`); None when it cannot be stored (an unregistered σ)."""
    buffer = io.BytesIO()
    try:
        save_model(network, buffer)
    except ValueError:
        return None
    return buffer.getvalue()


def history_bytes(history: dict | None) -> bytes | None:
    """A training history (name → 1-D numeric array) as npz bytes; None for direct methods."""
    if not history:
        return None
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{key: np.asarray(value, dtype=float) for key, value in history.items()})
    return buffer.getvalue()


def load_networks(folder: str | Path, cell_ids) -> dict:
    """cell_id → the model the study fitted in that cell: a :class:`~uat.ShallowNetwork`, a :class:`~uat.DeepNetwork`, a
    :class:`~uat.fitting.baselines.PolynomialApproximant` for the polynomial baselines, whatever class the
    stored format names (:func:`uat.models.load_model`); None where the cell failed, or was computed by a uat
    that did not keep networks."""
    import uat.fitting  # noqa: F401 - registers the format of every method's model

    stored = StudyStore(folder)
    stored.meta()
    networks = {}
    for cell_id, data in stored.arrays("network", cell_ids).items():
        try:
            networks[cell_id] = None if data is None else load_model(io.BytesIO(data))
        except (ValueError, TypeError, KeyError, OSError, EOFError, zipfile.BadZipFile) as err:
            raise StoreError(f"{stored.folder}: the stored network of cell {cell_id} is unreadable ({err})") from err
    return networks


#: Longest curve a stored training history may hold (2²¹ updates; the defaults run 10⁴ at most).
MAX_HISTORY = 1 << 21


def _history(data: bytes) -> dict:
    """A stored training history: 1-D arrays of at most ``MAX_HISTORY`` entries, checked from their headers
    before any is read."""
    with open_npz("the stored data", io.BytesIO(data), "training history") as members:
        for name, shape in members.shapes.items():
            if len(shape) != 1 or shape[0] > MAX_HISTORY:
                raise ValueError(f"{name} announces shape {shape}; a training history holds 1-D curves of at most "
                                 f"{MAX_HISTORY} entries")
        return {name: members.read(name) for name in members.shapes}


def load_histories(folder: str | Path, cell_ids) -> dict:
    """cell_id → the training history of that cell (dict of arrays, as ``FitResult.history``), or None."""
    stored = StudyStore(folder)
    stored.meta()
    histories = {}
    for cell_id, data in stored.arrays("history", cell_ids).items():
        if data is None:
            histories[cell_id] = None
            continue
        try:
            histories[cell_id] = _history(data)
        except (ValueError, OSError, zipfile.BadZipFile) as err:
            raise StoreError(f"{stored.folder}: the stored training history of cell {cell_id} is unreadable "
                             f"({err})") from err
    return histories
