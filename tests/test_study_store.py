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
    assert (frame.loc[frame["method"] == "lstsq", "sweep_width"] == 8).all()  # what they were fitted from
    assert frame.loc[frame["method"] == "minimax", "sweep_width"].isna().all()


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


# --- a study that grows or shrinks keeps its cells -----------------------------------------------------

BASE = """
name = "grow"
seed = 3
domain = "[-1,1]"

[grid]
target = ["sin(2*pi*x)", "abs"]
activation = ["tanh"]
width = [2, 4]
repeats = 1

[evaluation]
tolerances = [1e-1, 1e-2]
"""
#: BASE with a wider width, a second replicate and a third target: 18 cells, of which BASE's 4.
GROWN = BASE.replace("width = [2, 4]", "width = [2, 4, 8]").replace("repeats = 1", "repeats = 2").replace(
    '["sin(2*pi*x)", "abs"]', '["sin(2*pi*x)", "abs", "runge"]')
#: Every stored number of a cell (not its timings), for exact comparison.
NUMBERS = ["cell_id", "seed", "status", "sup_error", "sup_argmax", "sup_upper", "sup_initial", "rounding_floor",
           "sup_method", "sup_n_evals", "rms_error", "train_rms", "train_max", "n_samples", "n_params"]


def study_file(folder, text, name="study.toml"):
    path = folder / name
    path.write_text(text)
    return path


def numbers(frame):
    diagnostics = sorted(c for c in frame.columns if c.startswith("diag_") and not c.endswith("seconds"))
    out = frame[NUMBERS + diagnostics].assign(sup_facts=frame["sup_facts"].map(repr))
    return out.sort_values("cell_id").reset_index(drop=True)


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    """BASE run, then GROWN run in the same folder; GROWN run from scratch in another."""
    root = tmp_path_factory.mktemp("grown")
    base = run_study(study_file(root, BASE, "base.toml"), root / "extended", jobs=1)
    extended = run_study(study_file(root, GROWN, "grown.toml"), root / "extended", jobs=1)
    fresh = run_study(root / "grown.toml", root / "fresh", jobs=1)
    return root, base, extended, fresh


def test_a_grown_study_reuses_every_cell_and_equals_a_fresh_run_of_the_grown_file(grown):
    """Issue 15: adding width 8 to a finished study was refused ("settings that differ: widths"). Now every
    stored cell is reused, and the table is the one the grown file gives from scratch, to the bit."""
    _, base, extended, fresh = grown
    assert len(base) == 4 and len(extended) == len(fresh) == 18 and (extended["status"] == "ok").all()
    pd.testing.assert_frame_equal(numbers(extended), numbers(fresh), check_exact=True)
    reused = extended.set_index("cell_id").loc[base["cell_id"]]
    assert reused["finished_at"].tolist() == base["finished_at"].tolist()  # not recomputed
    assert extended["sup_upper"].notna().any()  # certified cells are compared too


def test_a_cell_is_the_fit_of_uat_fit_whatever_the_grid(grown):
    """What a stored cell's numbers depend on. The least-squares sweep fitted every width from one draw and one
    training set sized by the grid's largest width K, so adding width 8 changed the networks of widths 2 and 4
    (1-D: the training set holds the transition points of all K units; n_samples defaults to max(2048, 4K)).
    Now a cell is ``uat.fit`` of its own width: the stored networks are those, bit for bit."""
    from uat.study import load_networks

    root, base, extended, _ = grown
    config = uat.study.load_config(root / "grown.toml")
    networks = load_networks(root / "extended", extended["cell_id"])
    for row in extended.itertuples():
        fitted = uat.fit(row.target, config.domain_for(row.target), width=row.width, activation="tanh",
                         seed=row.seed).network
        np.testing.assert_array_equal(networks[row.cell_id].C, fitted.C)
        assert row.n_samples == 2048 + row.width and pd.isna(row.sweep_width)  # its own transition points
    swept = {K: uat.fit_widths("abs", widths=[2, 4], seed=int(base["seed"].iloc[0]), max_width=K)[4] for K in (4, 8)}
    assert swept[4].n_samples != swept[8].n_samples  # what the old sweep did on growing the grid
    assert not np.array_equal(swept[4].network.C, swept[8].network.C)


def test_the_folder_takes_the_grown_study_and_status_counts_its_cells(grown):
    from click.testing import CliRunner

    from uat.cli import main
    from uat.study.store import StudyStore

    root, _, _, _ = grown
    config = StudyStore(root / "extended").config()
    assert config["widths"] == [2, 4, 8] and config["repeats"] == 2 and len(config["targets"]) == 3
    status = CliRunner().invoke(main, ["study", "status", str(root / "extended")]).output
    assert "study 'grow': 18 of 18 cells finished, 18 ok, 0 failed, 0 to run" in status
    assert "outside this grid" not in status


def test_a_narrower_run_uses_a_subset_and_keeps_the_other_cells(grown, tmp_path):
    from click.testing import CliRunner

    from uat.cli import main

    root, base, extended, _ = grown
    folder = tmp_path / "copy"
    shutil.copytree(root / "extended", folder)
    narrow = run_study(root / "base.toml", folder, jobs=1)
    pd.testing.assert_frame_equal(numbers(narrow), numbers(base), check_exact=True)
    assert sorted(narrow["finished_at"]) == sorted(base["finished_at"])
    status = CliRunner().invoke(main, ["study", "status", str(folder)]).output
    assert "4 of 4 cells finished, 4 ok, 0 failed, 0 to run" in status and "and 14 stored cells outside" in status
    assert len(load_results(folder)) == 4 and len(load_results(folder, all_cells=True)) == 18
    again = run_study(root / "grown.toml", folder, jobs=1)  # growing again computes nothing
    assert sorted(again["finished_at"]) == sorted(extended["finished_at"])


@pytest.mark.parametrize("edit, message", [
    (("seed = 3", "seed = 4"), r"seed 3 -> 4"),
    (("[evaluation]", "[methods.lstsq]\nn_samples = 1024\n[evaluation]"),
     r"method 'lstsq': n_samples null -> 1024"),
    (('domain = "[-1,1]"', 'domain = "[-1,1]"\n[domains]\n"sin(2*pi*x)" = "[0,1]"'),
     r"target 'sin\(2\*pi\*x\)': domain \"\[-1,1\]\" -> \"\[0,1\]\""),
    (("[evaluation]", '[facts."sin(2*pi*x)"]\nlipschitz = 6.3\n[evaluation]'),
     r"target 'sin\(2\*pi\*x\)': facts \{\} -> \{\"lipschitz\": 6.3\}"),
    (("tolerances = [1e-1, 1e-2]", "tolerances = [1e-1, 1e-2]\ncertify_evals = 1000"), r"certify_evals 32768 -> 1000"),
])
def test_settings_that_decide_stored_cells_may_not_change(grown, tmp_path, edit, message):
    from uat.study import StoreError

    root, _, _, _ = grown
    folder = tmp_path / "copy"
    shutil.copytree(root / "extended", folder)
    before = (folder / "results.sqlite").read_bytes()
    with pytest.raises(StoreError, match=r"holds a different study \('grow'; settings that differ from those its cells "
                       r"were computed with: .*" + message):
        run_study(study_file(tmp_path, BASE.replace(*edit)), folder, jobs=1)
    assert (folder / "results.sqlite").read_bytes() == before


def test_settings_that_decide_no_stored_cell_may_change(grown, tmp_path):
    """The tolerances (analysis only: a study's brackets spend their whole budget, whatever the tolerances); the
    options of a method (or the domain of a target) that has no stored cells; the name and the description."""
    root, base, _, _ = grown
    folder = tmp_path / "copy"
    shutil.copytree(root / "extended", folder)
    kept = BASE.replace("tolerances = [1e-1, 1e-2]", "tolerances = [0.3, 1e-3]").replace(
        'name = "grow"', 'name = "renamed"\ndescription = "other words"') + "\n[methods.minimax]\nmax_rounds = 3\n"
    again = run_study(study_file(tmp_path, kept), folder, jobs=1)
    assert sorted(again["finished_at"]) == sorted(base["finished_at"])
    from click.testing import CliRunner

    from uat.cli import main

    legend = " ".join(CliRunner().invoke(main, ["study", "table", str(folder)]).output.split())
    assert "ε=0.3" in legend and "budget 32768 evaluations" in legend
    off = "certify = false\n"
    plain = tmp_path / "plain"
    run_study(study_file(tmp_path, BASE.replace("[evaluation]", "[evaluation]\n" + off), "off.toml"), plain, jobs=1)
    wider = BASE.replace("[evaluation]", "[evaluation]\n" + off).replace("[1e-1, 1e-2]", "[1e-1, 1e-2, 1e-4]")
    assert len(run_study(study_file(tmp_path, wider, "off2.toml"), plain, jobs=1)) == 4


@pytest.mark.slow  # 2 s: a legacy folder grown; CI's slow step runs it
def test_a_legacy_sweep_folder_grows_by_its_own_rule(tmp_path):
    """A schema-2 folder fitted its least-squares widths from one draw of width 8 (the grid's largest then). Grown
    by a replicate and width 16, it keeps its 24 cells; the new replicate's least-squares cells up to width 8 are
    fitted from one draw of width 8 as the others were (comparable within the folder), width 16 on its own."""
    from uat.study import StoreError, load_networks

    folder = legacy_folder(tmp_path)
    old, _ = stored(folder)
    text = LEGACY.read_text().replace("repeats = 2", "repeats = 3").replace("[2, 4, 8]", "[2, 4, 8, 16]")
    frame = run_study(study_file(tmp_path, text, "grown.toml"), folder, jobs=1)
    assert len(frame) == 48 and (frame["status"] == "ok").all()
    new, _ = stored(folder)
    kept = [c for c in old if c != "repeat"]
    pd.testing.assert_frame_equal(new.set_index("cell_id").loc[old["cell_id"]].reset_index()[kept], old[kept])
    lstsq = frame[frame["method"] == "lstsq"]
    assert (lstsq.loc[lstsq["width"] <= 8, "sweep_width"] == 8).all()
    assert lstsq.loc[lstsq["width"] == 16, "sweep_width"].isna().all()
    assert frame.loc[frame["method"] == "minimax", "sweep_width"].isna().all()
    networks = load_networks(folder, lstsq["cell_id"])
    for row in lstsq[(lstsq["replicate"] == 2) | (lstsq["width"] == 16)].itertuples():
        domain = "[-1,1]" if row.target != "abs" else None
        if row.width <= 8:
            fitted = uat.fit_widths(row.target, domain, widths=[2, 4, 8], seed=row.seed, max_width=8)[row.width]
        else:
            fitted = uat.fit(row.target, domain, width=16, seed=row.seed)
        np.testing.assert_array_equal(networks[row.cell_id].C, fitted.network.C)
    from uat.study.report import _measurement
    from uat.study.store import StudyStore

    meta = StudyStore(folder).meta()
    said = _measurement(frame, StudyStore(folder).config(), meta)
    assert ("18 least-squares cells were fitted as uat did before store schema 3: those of each (target, "
            "activation, replicate) from one draw and one training set of width 8 (sweep_width)") in said
    with pytest.raises(StoreError, match=r"holds least-squares cells fitted as uat did before store schema 3: each "
                                         r"\(target, activation, replicate\) from one draw of width 8"):
        run_study(study_file(tmp_path, text + "\n[run]\nsweep = false\n", "unswept.toml"), folder, jobs=1)


POLYNOMIAL = """
name = "floors"
seed = 3
domain = "[-1,1]"

[grid]
target = ["abs", "x**2 + x**3", "sqrt(x)"]
activation = ["tanh", "square", "cube"]
width = [2, 4]
method = ["lstsq"]
repeats = 1
"""


def test_a_run_stores_the_best_polynomial_errors_and_no_more_as_it_resumes(tmp_path, monkeypatch):
    """E_p(f) of every target for every degree of the grid's polynomial activations, computed by the run as
    best_polynomial computes it (to the bit), a refused target stopping at its first degree; a resumed run
    computes none again, and the folder's identity and cells are untouched by them."""
    from uat.fitting.polynomial import best_polynomial
    from uat.study import runner
    from uat.study.store import StudyStore, load_polynomial_floors

    path = tmp_path / "floors.toml"
    path.write_text(POLYNOMIAL)
    frame = run_study(path, tmp_path / "out", jobs=1)
    floors = load_polynomial_floors(tmp_path / "out")
    for target, degree in (("abs", 2), ("abs", 3), ("x**2 + x**3", 2), ("x**2 + x**3", 3)):
        best = best_polynomial(uat.targets.as_target(target, "[-1,1]"), degree)
        row = floors[target, None if target == "abs" else "[-1,1]", degree]
        assert (row["value"], row["lower"], row["error"]) == (best.value, best.lower, None)
    assert floors["x**2 + x**3", "[-1,1]", 3]["value"] < 1e-12  # a cubic is its own best cubic
    refused = [row for key, row in floors.items() if key[0] == "sqrt(x)"]
    assert len(refused) == 1 and refused[0]["degree"] == 2 and refused[0]["value"] is None and refused[0]["error"]
    meta = StudyStore(tmp_path / "out").meta()
    monkeypatch.setattr(runner, "polynomial_floors", lambda *a: pytest.fail("computed again"))
    again = run_study(path, tmp_path / "out", jobs=1)
    assert StudyStore(tmp_path / "out").meta()["config_hash"] == meta["config_hash"]
    pd.testing.assert_frame_equal(again, frame)


@pytest.mark.slow  # 2 s: two studies; CI's slow step runs it
def test_no_best_polynomial_errors_without_a_polynomial_activation_or_without_another(tmp_path):
    from uat.study.store import load_polynomial_floors

    for name, activations in (("plain", '["tanh"]'), ("only", '["square", "cube"]')):
        path = tmp_path / f"{name}.toml"
        path.write_text(POLYNOMIAL.replace('["tanh", "square", "cube"]', activations).replace(
            '"x**2 + x**3", "sqrt(x)"', ""))
        run_study(path, tmp_path / name, jobs=1)
        assert load_polynomial_floors(tmp_path / name) == {}
    assert load_polynomial_floors(tmp_path / "nowhere") == {}


def test_best_polynomial_errors_already_stored_are_not_solved_again():
    from uat.study.runner import floors_with, polynomial_floors

    kept = {"target": "runge", "domain": None, "degree": 2, "value": 123.0, "lower": 122.0, "error": None}
    rows, new = floors_with({("runge", None, 2): kept}, "runge", None, [3, 2])
    assert rows[0] is kept and [row["degree"] for row in rows] == [2, 3]  # degree 2 read, not solved again
    assert new == polynomial_floors("runge", None, [3]) == rows[1:]
    refused = {**kept, "value": None, "lower": None, "error": "refused"}
    assert floors_with({("runge", None, 2): refused}, "runge", None, [2, 3, 4]) == ([refused], [])
    assert floors_with({}, "runge", None, [2, 3]) == (polynomial_floors("runge", None, [2, 3]),) * 2
