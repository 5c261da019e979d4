"""The result store across schemas: old folders are read, resumed and upgraded in place without losing or
recomputing a cell.

``tests/data/schema2/out/results.sqlite`` was written by uat at 441dfd5 (store schema 2) running
``tests/data/schema2/legacy.toml``: least squares swept from one draw at the grid's largest width 8, minimax
per width, 24 cells. Tests work on copies of it.
"""

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import uat
from uat.study import load_results, run_study

DATA = Path(__file__).resolve().parent / "data" / "schema2"
LEGACY = DATA / "legacy.toml"


def legacy_folder(tmp_path, name="legacy"):
    """A copy of the schema-2 folder, its recorded versions set to this machine's (so that the version check,
    which is not what these tests are about, lets a run resume it)."""
    folder = tmp_path / name
    folder.mkdir()
    shutil.copy(DATA / "out" / "results.sqlite", folder / "results.sqlite")
    with sqlite3.connect(folder / "results.sqlite") as db:
        db.executemany("UPDATE meta SET value = ? WHERE key = ?",
                       [(uat.__version__, "uat_version"), (np.__version__, "numpy_version")])
    db.close()
    return folder


def stored(folder):
    """The results table and the column names exactly as the database holds them."""
    with sqlite3.connect(folder / "results.sqlite") as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(results)")]
        rows = db.execute("SELECT * FROM results ORDER BY cell_id").fetchall()
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    db.close()
    return pd.DataFrame(rows, columns=columns), version


def test_a_schema_2_folder_is_read_with_the_replicate_column_and_left_as_it_is(tmp_path):
    folder = legacy_folder(tmp_path)
    before = (folder / "results.sqlite").read_bytes()
    frame = load_results(folder)
    assert len(frame) == 24 and "replicate" in frame and "repeat" not in frame
    assert sorted(frame["replicate"].unique()) == [0, 1]
    assert [row.replicate for row in frame.head(2).itertuples()] == [0, 0]  # an attribute, not Series.repeat
    raw, version = stored(folder)
    assert version == "2" and "repeat" in raw
    merged = frame.merge(raw, on="cell_id", suffixes=("", "_stored"))
    assert (merged["replicate"] == merged["repeat"]).all()
    assert (merged["sup_error"] == merged["sup_error_stored"]).all()
    assert (folder / "results.sqlite").read_bytes() == before  # reading changes nothing


def test_a_run_on_a_schema_2_folder_upgrades_it_in_place_without_recomputing(tmp_path):
    folder = legacy_folder(tmp_path)
    old, _ = stored(folder)
    frame = run_study(LEGACY, folder, jobs=1)
    new, version = stored(folder)
    assert version == "3" and "replicate" in new and "repeat" not in new
    assert len(new) == len(old) == len(frame) == 24
    kept = [c for c in old if c != "repeat"]
    pd.testing.assert_frame_equal(new[kept], old[kept])  # every stored value, finished_at included, to the bit
    assert (new["replicate"] == old["repeat"]).all()
    assert run_study(LEGACY, folder, jobs=1)["finished_at"].tolist() == frame["finished_at"].tolist()


def test_a_schema_1_folder_is_upgraded_too(tmp_path):
    folder = legacy_folder(tmp_path)
    with sqlite3.connect(folder / "results.sqlite") as db:  # schema 1: no networks, no histories
        db.execute("ALTER TABLE results DROP COLUMN network")
        db.execute("ALTER TABLE results DROP COLUMN history")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    db.close()
    assert load_results(folder)["replicate"].notna().all()
    run_study(LEGACY, folder, jobs=1)
    new, version = stored(folder)
    assert version == "3" and {"replicate", "network", "history"} <= set(new) and new["network"].isna().all()


def test_an_upgrade_is_one_transaction(tmp_path):
    """A store that an interrupted (or refused) upgrade left alone is still the old store: the checks, the
    renamed column and the new meta are committed together."""
    from uat.study.store import StoreError, StudyStore

    folder = legacy_folder(tmp_path)
    before = stored(folder)
    with sqlite3.connect(folder / "results.sqlite") as db:
        db.execute("UPDATE meta SET value = '9.9' WHERE key = 'numpy_version'")
    db.close()
    with pytest.raises(StoreError, match="computed with other versions"):
        run_study(LEGACY, folder, jobs=1)
    after = stored(folder)
    pd.testing.assert_frame_equal(after[0], before[0])
    assert after[1] == "2"
    assert StudyStore(folder).meta()["numpy_version"] == "9.9"
