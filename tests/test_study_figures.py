"""Study figures and the report: the networks they draw are the ones measured, every figure that
applies is written, and the data drawn is right (failed cells, one width, the polynomial floor)."""

import json
import shutil
import sqlite3
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from matplotlib.figure import Figure
from threadpoolctl import threadpool_limits

import uat
from uat.cli import main
from uat.plots import draw_error_vs_width
from uat.plots.study import study_figures
from uat.study import load_histories, load_networks, run_study
from uat.study.report import write_report

STUDY = """
name = "figures"
description = \"\"\"A small study for the figure tests.

Second paragraph: <b>escaped</b>.\"\"\"
seed = 5
domain = "[-1,1]"

[grid]
target = ["abs", "sqrt(x)"]
activation = ["tanh", "square"]
width = [2, 4, 8]
method = ["lstsq", "backprop"]
repeats = 2

[methods.backprop]
max_iter = 15
n_samples = 64

[evaluation]
tolerances = [0.3, 0.1, 1e-3]
"""


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A finished study folder: 'abs' succeeds everywhere, 'sqrt(x)' fails everywhere (NaN on x < 0)."""
    root = tmp_path_factory.mktemp("study")
    path = root / "figures.toml"
    path.write_text(textwrap.dedent(STUDY))
    frame = run_study(path, root / "out", jobs=2)
    return root / "out", frame


def test_the_store_keeps_the_networks_that_were_measured(study):
    folder, frame = study
    ok = frame[frame["status"] == "ok"]
    networks = load_networks(folder, ok["cell_id"])
    for _, row in ok.iterrows():
        network = networks[row["cell_id"]]
        assert network.width == row["width"] and network.activation.name == row["activation"]
        # the same sup estimate on the stored network gives the stored number, to the bit
        assert uat.sup_error("abs", network).value == row["sup_error"]
    failed = frame[frame["status"] != "ok"]
    assert len(failed) == 24 and all(v is None for v in load_networks(folder, failed["cell_id"]).values())


def test_the_store_keeps_training_histories_of_iterative_methods_only(study):
    folder, frame = study
    ok = frame[frame["status"] == "ok"]
    histories = load_histories(folder, ok["cell_id"])
    for _, row in ok.iterrows():
        history = histories[row["cell_id"]]
        if row["method"] == "lstsq":
            assert history is None
        else:
            assert set(history) >= {"iteration", "loss", "seconds"}
            assert 1 <= len(history["loss"]) <= 16 and np.all(np.isfinite(history["loss"]))
    # the history is that of the cell's own fit: fitting the cell again gives the same losses
    row = ok[ok["method"] == "backprop"].iloc[-1]
    with threadpool_limits(1):  # as in the study's workers
        again = uat.fit("abs", width=int(row["width"]), activation=row["activation"], method="backprop",
                        seed=int(row["seed"]), max_iter=15, n_samples=64)
    np.testing.assert_array_equal(histories[row["cell_id"]]["loss"], again.history["loss"])


def test_every_figure_that_applies_is_written_in_every_format(study, tmp_path):
    folder, _ = study
    figures = study_figures(folder, "png,svg,pdf", out=tmp_path / "a")
    names = [f.name for f in figures]
    assert names[:3] == ["error-vs-width", "k-star", "polynomial-counterexample"]
    assert {"fit-abs-tanh-backprop-k8", "units-abs-k8", "training-abs-k8", "activations"} <= set(names)
    assert any(n.startswith("fit-abs-") and n.endswith("-lstsq-k8") for n in names)
    assert not any("sqrt" in n for n in names)  # every cell of sqrt(x) failed: no close-up, no units
    for figure in figures:
        assert [Path(p).suffix for p in figure.paths] == [".png", ".svg", ".pdf"]
        assert all(Path(p).stat().st_size > 1000 for p in figure.paths) and figure.caption
    # the same study gives the same vector files, byte for byte (no dates, no random ids)
    again = study_figures(folder, ["svg", "pdf"], out=tmp_path / "b")
    for first, second in zip(figures, again):
        for path in second.paths:
            assert Path(path).read_bytes() == (tmp_path / "a" / Path(path).name).read_bytes(), path


def test_bad_formats_are_refused_by_name(study):
    folder, _ = study
    with pytest.raises(ValueError, match=r"formats must be .*png, pdf, svg; got 'png,jpeg'"):
        study_figures(folder, "png,jpeg")


def test_a_polynomial_activation_stays_above_its_best_polynomial_floor(study):
    """σ = z² makes every network a polynomial of degree 2: its sup error on |x| cannot go below
    E₂(|x|) = 1/8, however wide; the figure draws that floor."""
    folder, frame = study
    square = frame[(frame["activation"] == "square") & (frame["status"] == "ok")]
    floor = uat.fitting.polynomial.best_polynomial("abs", 2)
    assert floor.lower <= 0.125 <= floor.value and floor.value < 0.125 * 1.01
    assert (square["sup_error"] >= floor.lower * (1 - 1e-9)).all()
    figures = {f.name: f for f in study_figures(folder, "png")}
    assert "E_2(abs) in [0.12" in figures["polynomial-counterexample"].caption


def _summary(widths, failed=()):
    rows = [{"target": "f", "activation": a, "method": "lstsq", "width": w, "sup_median": e, "sup_q25": e / 2,
             "sup_q75": e * 2, "floor_median": 1e-15, "n_failed": int(w in failed)}
            for a, scale in (("tanh", 1.0), ("relu", 3.0)) for w in widths for e in [scale / w]]
    return pd.DataFrame(rows)


def test_error_figure_marks_failed_cells_and_draws_reference_slopes():
    ax = Figure().subplots()
    draw_error_vs_width(ax, _summary([2, 4, 8, 16], failed=(8,)), {"tanh": "C0", "relu": "C1"})
    crosses = [line for line in ax.get_lines() if line.get_marker() == "x"]
    assert len(crosses) == 2 and all(list(line.get_xdata()) == [8] for line in crosses)
    assert any("× 2 failed cells" in t.get_text() for t in ax.texts)
    references = [line for line in ax.get_lines() if line.get_label() == "_reference"]
    slopes = sorted(-np.polyfit(np.log(r.get_xdata()), np.log(r.get_ydata()), 1)[0] for r in references)
    np.testing.assert_allclose(slopes, [0.5, 1.0, 2.0])
    assert all(r.get_ydata()[0] == 3.0 / 2 for r in references)  # anchored at the highest first median


def test_error_figure_with_one_width_says_so():
    ax = Figure().subplots()
    draw_error_vs_width(ax, _summary([16]), {"tanh": "C0", "relu": "C1"})
    assert any("one width swept (k = 16)" in t.get_text() for t in ax.texts)
    assert not [line for line in ax.get_lines() if line.get_label() == "_reference"]


def test_a_panel_whose_cells_all_failed_says_so(study):
    folder, _ = study
    # the sqrt(x) panel's data: no line, a clear note
    summary = uat.study.summarize(uat.study.load_results(folder))
    ax = Figure().subplots()
    draw_error_vs_width(ax, summary[(summary["target"] == "sqrt(x)") & (summary["method"] == "lstsq")],
                        {"tanh": "C0", "square": "C1"})
    assert any("no successful cells" in t.get_text() for t in ax.texts)
    assert any("× 12 failed cells" in t.get_text() for t in ax.texts)  # 2 activations × 3 widths × 2 repeats


def test_the_report_is_one_self_contained_file(study, tmp_path):
    folder, frame = study
    path = write_report(folder, tmp_path / "report.html")
    page = path.read_text(encoding="utf-8")
    assert page.count("<img ") == page.count("src='data:image/png;base64,") >= 7
    assert "http://" not in page and "https://" not in page  # nothing to fetch
    assert "A small study for the figure tests." in page and "&lt;b&gt;escaped&lt;/b&gt;" in page
    assert "24 cell(s) failed" in page and "returned a non-finite value" in page
    assert "ε=0.1" in page and "name = &quot;figures&quot;" in page  # the k*(ε) table and the study file
    assert f"{len(frame)} cells: {int((frame['status'] == 'ok').sum())} ok, 24 failed" in page


def test_the_report_renders_in_a_real_browser(study, tmp_path):
    """Headless Chromium (Debian's package) opens the report and takes a screenshot; the figures'
    Okabe–Ito blue must be on it, so the embedded images decoded."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    folder, _ = study
    page = write_report(folder, tmp_path / "report.html")
    shot = tmp_path / "report.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars", "--window-size=1280,2400",
                    f"--screenshot={shot}", page.resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)
    from matplotlib.image import imread

    pixels = (imread(shot)[..., :3] * 255).round().astype(int)
    assert pixels.shape[:2] == (2400, 1280)
    blue = np.all(np.abs(pixels - [0x00, 0x72, 0xB2]) <= 12, axis=-1)
    assert blue.sum() > 200, "no figure on the page"
    assert pixels.std() > 20  # not a blank page


def test_study_plot_and_report_on_the_command_line(study, tmp_path):
    folder, _ = study
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    runner = CliRunner()
    plotted = runner.invoke(main, ["study", "plot", str(copy), "--format", "png,pdf"])
    assert plotted.exit_code == 0, plotted.output
    assert (copy / "figures" / "error-vs-width.pdf").exists() and (copy / "figures" / "k-star.png").exists()
    assert "figures/polynomial-counterexample.pdf" in plotted.output
    wrong = runner.invoke(main, ["study", "plot", str(copy), "--format", "gif"])
    assert wrong.exit_code != 0 and "formats must be a comma-separated choice of png, pdf, svg; got 'gif'" in wrong.output
    reported = runner.invoke(main, ["study", "report", str(copy)])
    assert reported.exit_code == 0 and (copy / "report.html").exists(), reported.output
    missing = runner.invoke(main, ["study", "report", str(tmp_path / "nowhere")])
    assert missing.exit_code != 0 and "is not a study folder" in missing.output


def test_a_store_written_before_networks_were_kept_is_upgraded(study, tmp_path):
    """Schema 1 had no network or history columns: opening it adds them; its cells have none, and
    the figures that need networks are left out instead of failing."""
    folder, _ = study
    old = tmp_path / "old"
    shutil.copytree(folder, old)
    with sqlite3.connect(old / "results.sqlite") as db:
        db.execute("ALTER TABLE results DROP COLUMN network")
        db.execute("ALTER TABLE results DROP COLUMN history")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    frame = uat.study.load_results(old)
    assert all(v is None for v in load_networks(old, frame["cell_id"]).values())
    names = [f.name for f in study_figures(old, "png")]
    assert names[:3] == ["error-vs-width", "k-star", "polynomial-counterexample"]
    assert not any(n.startswith(("fit-", "units-", "training-")) for n in names)
    config = json.loads(uat.study.store.StudyStore(old).meta()["config"])
    from uat.study.store import StudyStore

    store = StudyStore(old)
    meta = store.meta()
    store.open(config, meta["config_hash"], meta["study_file"])
    with sqlite3.connect(old / "results.sqlite") as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(results)")}
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    assert {"network", "history"} <= columns and version == "2"


def test_how_the_sup_norms_were_estimated_is_summarised_not_listed():
    from uat.plots.study import sup_method_summary

    methods = ["1-D: grid of 65537 points, Brent on the 3 largest", "1-D: grid of 262145 points, Brent on the 16 "
               "largest", "2-D: grid of 4096 points", None]
    assert sup_method_summary(methods) == ("1-D: grid of 65537–262145 points, Brent on the 3–16 largest (2 cells); "
                                           "2-D: grid of 4096 points (1 cells)")
    assert sup_method_summary([]) == "none"
