"""Study figures and the report: the networks they draw are the ones measured, every figure that
applies is written, and the data drawn is right (failed cells, one width, the polynomial floor)."""

import html
import json
import os
import re
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
from uat.study.figures import study_figures
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
    from uat.supnorm import _describe

    folder, frame = study
    ok = frame[frame["status"] == "ok"]
    networks = load_networks(folder, ok["cell_id"])
    for _, row in ok.iterrows():
        network = networks[row["cell_id"]]
        assert network.width == row["width"] and network.activation.name == row["activation"]
        # the same sup estimate on the stored network gives the stored number, to the bit
        assert uat.sup_error("abs", network).value == row["sup_error"]
        # the stored facts are those the stored prose was written from (issue 14: facts as data)
        assert _describe(row["sup_facts"]) == row["sup_method"]
        assert ("outcome" in row["sup_facts"]) == (row["sup_upper"] == row["sup_upper"])
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


@pytest.fixture(scope="module")
def drawn(study, tmp_path_factory):
    """The study's figures in every format, and its report embedding them: drawn once for the tests below."""
    folder, _ = study
    out = tmp_path_factory.mktemp("drawn")
    figures = study_figures(folder, "png,svg,pdf", out=out / "a")
    return out, figures, write_report(folder, out / "report.html", figures=figures)


@pytest.mark.slow  # 12 s: every figure in PNG, SVG and PDF; CI's slow step runs it
def test_every_figure_that_applies_is_written_in_every_format(drawn):
    _, figures, _ = drawn
    names = [f.name for f in figures]
    assert names[:3] == ["error-vs-width", "k-star", "polynomial-counterexample"]
    assert {"fit-abs-tanh-backprop-k8", "units-abs-k8", "training-abs-k8", "activations"} <= set(names)
    assert any(n.startswith("fit-abs-") and n.endswith("-lstsq-k8") for n in names)
    assert not any("sqrt" in n for n in names)  # every cell of sqrt(x) failed: no close-up, no units
    caption = figures[0].caption
    assert "Sup norms estimated by 1-D grid: " in caption and "; bracket 1-D, " in caption
    assert "upper bounds: branch and bound where the target's facts allow, budget 32768 evaluations" in caption
    for figure in figures:
        assert [Path(p).suffix for p in figure.paths] == [".png", ".svg", ".pdf"]
        assert all(Path(p).stat().st_size > 1000 for p in figure.paths) and figure.caption


def test_a_figure_drawn_twice_gives_the_same_files(tmp_path):
    """No dates, no random ids, a frozen layout: the same figure, written twice, is the same bytes."""
    from uat.plots import activation_gallery, save, style

    with style():
        for name in ("a", "b"):
            save(activation_gallery(["tanh", "relu"]), tmp_path / name, ("png", "svg", "pdf"))
    for suffix in ("png", "svg", "pdf"):
        assert (tmp_path / f"a.{suffix}").read_bytes() == (tmp_path / f"b.{suffix}").read_bytes(), suffix


@pytest.mark.slow
def test_the_same_study_gives_the_same_vector_files(study, drawn, tmp_path):
    """Every figure of the study, drawn again: the same SVG and PDF files, byte for byte."""
    folder, _ = study
    out, figures, _ = drawn
    again = study_figures(folder, ["svg", "pdf"], out=tmp_path / "b")
    for second in again:
        for path in second.paths:
            assert Path(path).read_bytes() == (out / "a" / Path(path).name).read_bytes(), path


def test_bad_formats_are_refused_by_name(study):
    folder, _ = study
    with pytest.raises(ValueError, match=r"formats must be .*png, pdf, svg; got 'png,jpeg'"):
        study_figures(folder, "png,jpeg")


def test_a_polynomial_activation_stays_above_its_best_polynomial_floor(study, drawn):
    """σ = z² makes every network a polynomial of degree 2: its sup error on |x| cannot go below
    E₂(|x|) = 1/8, however wide; the figure draws that floor."""
    folder, frame = study
    square = frame[(frame["activation"] == "square") & (frame["status"] == "ok")]
    floor = uat.fitting.polynomial.best_polynomial("abs", 2)
    assert floor.lower <= 0.125 <= floor.value and floor.value < 0.125 * 1.01
    assert (square["sup_error"] >= floor.lower * (1 - 1e-9)).all()
    figures = {f.name: f for f in drawn[1]}
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
    assert "× 2 failed cells" in ax.get_title()
    references = [line for line in ax.get_lines() if line.get_label() == "_reference"]
    slopes = sorted(-np.polyfit(np.log(r.get_xdata()), np.log(r.get_ydata()), 1)[0] for r in references)
    np.testing.assert_allclose(slopes, [0.5, 1.0, 2.0])
    assert all(r.get_ydata()[0] == 3.0 / 2 for r in references)  # anchored at the highest first median


def test_error_figure_with_one_width_says_so():
    ax = Figure().subplots()
    draw_error_vs_width(ax, _summary([16]), {"tanh": "C0", "relu": "C1"})
    assert "one width swept (k = 16)" in ax.get_title()
    assert not [line for line in ax.get_lines() if line.get_label() == "_reference"]


def test_a_panel_whose_cells_all_failed_says_so(study):
    folder, _ = study
    # the sqrt(x) panel's data: no line, a clear note
    summary = uat.study.summarize(uat.study.load_results(folder))
    ax = Figure().subplots()
    draw_error_vs_width(ax, summary[(summary["target"] == "sqrt(x)") & (summary["method"] == "lstsq")],
                        {"tanh": "C0", "square": "C1"})
    assert "no successful cells" in ax.get_title()
    assert "× 12 failed cells" in ax.get_title()  # 2 activations × 3 widths × 2 repeats


def test_the_report_is_one_self_contained_file(study, drawn):
    folder, frame = study
    page = drawn[2].read_text(encoding="utf-8")
    assert page.count("<img ") == page.count("src='data:image/png;base64,") >= 7
    assert "http://" not in page and "https://" not in page  # nothing to fetch
    assert "A small study for the figure tests." in page and "&lt;b&gt;escaped&lt;/b&gt;" in page
    assert "24 cell(s) failed" in page and "returned a non-finite value" in page
    assert "ε=0.1" in page and "name = &quot;figures&quot;" in page  # the k*(ε) table and the study file
    assert f"{len(frame)} cells: {int((frame['status'] == 'ok').sum())} ok, 24 failed" in page
    text = " ".join(html.unescape(page).split())
    assert re.search(r"Sup norms estimated by: 1-D grid: \d+(–\d+)? points \(\+ \d+(–\d+)? extra, 1 given\), "
                     r"\d+(–\d+)? candidates refined; bracket 1-D, (first|second) order: \d+ converged", text), text
    assert ("Certified upper bounds: branch and bound where the target's facts allow, budget 32768 evaluations, "
            "target gap 1%.") in text


def test_the_report_renders_in_a_real_browser(drawn, tmp_path):
    """Headless Chromium (Debian's package) opens the report and takes a screenshot; the figures'
    Okabe–Ito blue must be on it, so the embedded images decoded."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        # CI installs Debian's chromium (.ci/run): there the check must run, never skip
        assert os.environ.get("CI") != "true", "CI=true but chromium is missing: .ci/run installs it with apt-get"
        pytest.skip("chromium is not installed (apt-get install chromium)")
    page = drawn[2]
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


#: A study as small as one with a polynomial activation can be: for the commands' wiring.
SMALL = """
name = "small"
domain = "[-1,1]"
[grid]
target = ["abs"]
activation = ["tanh", "square"]
width = [2, 4]
method = ["lstsq"]
"""


@pytest.mark.slow  # 7 s: the CLI's plot and report end to end; CI's slow step runs it
def test_study_plot_and_report_on_the_command_line(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    copy = tmp_path / "copy"
    run_study(path, copy, jobs=1)
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


@pytest.mark.slow  # 2.5 s: an old store rewritten and redrawn; CI's slow step runs it
def test_a_store_written_before_networks_were_kept_is_upgraded(study, tmp_path):
    """Schema 1 had no network or history columns (and named the replicate column ``repeat``): opening it
    adds them; its cells have none, and the figures that need networks are left out instead of failing."""
    folder, _ = study
    old = tmp_path / "old"
    shutil.copytree(folder, old)
    with sqlite3.connect(old / "results.sqlite") as db:
        db.execute("ALTER TABLE results DROP COLUMN network")
        db.execute("ALTER TABLE results DROP COLUMN history")
        db.execute("ALTER TABLE results RENAME COLUMN replicate TO repeat")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    frame = uat.study.load_results(old)
    assert "replicate" in frame and "repeat" not in frame
    assert all(v is None for v in load_networks(old, frame["cell_id"]).values())
    names = [f.name for f in study_figures(old, "png")]
    assert names[:3] == ["error-vs-width", "k-star", "polynomial-counterexample"]
    assert not any(n.startswith(("fit-", "units-", "training-")) for n in names)
    from dataclasses import replace

    from uat.study import StudyConfig
    from uat.study.store import StoreError, StudyStore

    store = StudyStore(old)
    meta = store.meta()
    config = StudyConfig.from_resolved(json.loads(meta["config"]))
    other = replace(config, seed=6)  # another study aimed at the folder is refused, and changes nothing
    with pytest.raises(StoreError, match="holds a different study"):
        store.open(other, "")
    with sqlite3.connect(old / "results.sqlite") as db:
        assert not {"network", "history", "replicate"} & {row[1] for row in db.execute("PRAGMA table_info(results)")}
    store.open(config, meta["study_file"])
    store.open(config, meta["study_file"])  # a second open finds nothing to upgrade
    with sqlite3.connect(old / "results.sqlite") as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(results)")}
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    assert {"network", "history", "replicate"} <= columns and "repeat" not in columns and version == "3"


def test_how_the_sup_norms_were_estimated_is_summarised_from_their_facts():
    """Grouped by the stored facts (search kind, bracket kind), with ranges and outcomes; the prose of cells from
    stores that kept no facts is grouped as before, by its text."""
    from uat.study.describe import sup_method_summary

    one = {"search": "1-D grid", "n_grid": 2049, "n_extra": 8, "n_refined": 16, "n_given": 1,
           "bracket": "1-D, second order", "converged": True, "outcome": "converged", "certify_evals": 32768}
    facts = [one, {**one, "n_grid": 4097, "n_extra": 128, "converged": False, "outcome": "hopeless"},
             {**one, "converged": False, "outcome": "budget"}, {**one, "bracket": "1-D, first order"},
             {"search": "2-D Sobol'", "dim": 2, "n_grid": 8192, "n_extra": 4, "n_refined": 16, "n_given": 0},
             None, None, None]
    methods = ["prose that is not read", "", "", "", "", "1-D: grid of 65537 points, Brent on the 3 largest",
               "1-D: grid of 262145 points, Brent on the 16 largest", None]
    assert sup_method_summary(pd.DataFrame({"sup_facts": facts, "sup_method": methods})) == (
        "1-D grid: 2049–4097 points (+ 8–128 extra, 1 given), 16 candidates refined; bracket 1-D, second order: "
        "1 converged, 1 budget, 1 hopeless (3 cells) | 1-D grid: 2049 points (+ 8 extra, 1 given), 16 candidates "
        "refined; bracket 1-D, first order: 1 converged (1 cell) | 2-D Sobol': 8192 points (+ 4 extra), 16 "
        "candidates refined; no bracket (1 cell) | 1-D: grid of 65537–262145 points, Brent on the 3–16 largest "
        "(2 cells)")
    assert sup_method_summary(pd.DataFrame({"sup_facts": [], "sup_method": []})) == "none"


# --- what the figures select and draw, checked against the table ------------------------------------

def test_the_polynomial_floors_are_drawn_at_the_best_polynomial_errors(study):
    from uat.study.figures import _polynomial_figure, _Study

    folder, _ = study
    fig, _ = _polynomial_figure(_Study(folder))
    floor = uat.fitting.polynomial.best_polynomial("abs", 2).value
    panels = [ax for ax in fig.axes if ax.get_title().startswith("abs")]
    assert len(panels) == 2  # abs with lstsq and with backprop
    for ax in panels:
        bands = [line for line in ax.get_lines() if line.get_label() == "_E_p"]
        assert [float(line.get_ydata()[0]) for line in bands] == [floor]
        assert "E$_2$ = 0.125  (square)" in "".join(t.get_text() for t in ax.texts)


def test_a_fit_up_close_is_the_best_line_at_the_widest_width_in_its_median_replicate(study):
    from uat.study.figures import _closeup_figures, _Study

    folder, frame = study
    chosen = {name: fig.get_suptitle() for name, fig, _ in _closeup_figures(_Study(folder))}
    ok = frame[(frame["status"] == "ok") & (frame["target"] == "abs") & (frame["width"] == 8)]
    for method in ("lstsq", "backprop"):
        rows = ok[ok["method"] == method]
        best = rows.groupby("activation")["sup_error"].median().idxmin()
        worse = rows[rows["activation"] == best].sort_values("sup_error").iloc[-1]  # 2 repeats: the worse one
        assert chosen[f"fit-abs-{best}-{method}-k8"] == (f"abs: {best}, width 8, {method}, replicate "
                                                        f"{worse['replicate']}")


SLUGS = """
name = "slugs"
description = "targets whose names make the same file name"
seed = 1
domain = "[-1,1]"

[grid]
target = ["x**2", "x*2", "abs(x) + 0*(x < 2)"]
activation = ["tanh"]
width = [2, 4]
method = ["lstsq"]
repeats = 1
"""


@pytest.mark.slow  # 6 s: a study run and every figure; CI's slow step runs it
def test_targets_that_slug_alike_get_their_own_figures_and_captions_are_escaped(tmp_path):
    path = tmp_path / "slugs.toml"
    long = "x + 0." + "0" * 1600 + "1"  # a valid 1,607-character expression
    path.write_text(textwrap.dedent(SLUGS).replace('(x < 2)"]', f'(x < 2)", "{long}"]'))
    run_study(path, tmp_path / "out", jobs=1)
    figures = study_figures(tmp_path / "out", "png")
    names = [f.name for f in figures]
    assert len(names) == len(set(names))
    # a very long name makes a file name of bounded length ("File name too long" before)
    assert all(len(Path(p).name) < 100 for f in figures for p in f.paths)
    assert any(n.startswith("fit-x-0.000") for n in names)
    fits = [f for f in figures if f.name.startswith("fit-x-2-")]
    assert len(fits) == 2 and {f.title.split(":")[0] for f in fits} == {"x**2", "x*2"}
    page = write_report(tmp_path / "out", figures=figures).read_text(encoding="utf-8")
    assert "abs(x) + 0*(x &lt; 2): tanh" in page and "(x < 2): tanh" not in page


def test_reference_slopes_are_anchored_at_the_smallest_width_only():
    rows = [{"target": "f", "activation": a, "method": "lstsq", "width": w, "sup_median": e, "sup_q25": e,
             "sup_q75": e, "floor_median": 1e-15, "n_failed": 0}
            for a, points in (("tanh", [(2, 0.5), (4, 0.2), (8, 0.1)]), ("relu", [(8, 9.0), (16, 4.0)]))
            for w, e in points]
    ax = Figure().subplots()
    draw_error_vs_width(ax, pd.DataFrame(rows), {"tanh": "C0", "relu": "C1"})
    references = [line for line in ax.get_lines() if line.get_label() == "_reference"]
    assert references and all(r.get_xdata()[0] == 2 and r.get_ydata()[0] == 0.5 for r in references)


def test_k_star_marks_what_rests_on_failed_cells_and_draws_nothing_for_a_curve_without_results():
    from uat.plots import draw_k_star

    stars = pd.DataFrame([
        {"target": "f", "activation": "tanh", "method": "lstsq", "epsilon": 0.1, "k_star": 8, "reached": True,
         "sup_at_k_star": 0.05, "max_width": 16, "failed_below": 1},
        {"target": "f", "activation": "tanh", "method": "lstsq", "epsilon": 0.01, "k_star": pd.NA, "reached": False,
         "sup_at_k_star": np.nan, "max_width": 16, "failed_below": 1},
        {"target": "f", "activation": "relu", "method": "lstsq", "epsilon": 0.1, "k_star": pd.NA, "reached": False,
         "sup_at_k_star": np.nan, "max_width": pd.NA, "failed_below": 2},
    ]).astype({"k_star": "Int64", "max_width": "Int64"})
    ax = Figure().subplots()
    draw_k_star(ax, stars, {"tanh": "C0", "relu": "C1"}, "f", widths=[4, 8, 16], n_failed=3)
    marks = [t for t in ax.texts if t.get_text() == "?"]
    assert len(marks) == 2  # both tanh entries rest on a failed width; relu has nothing measured
    triangles = [line for line in ax.get_lines() if line.get_marker() == "^"]
    assert len(triangles) == 1
    assert triangles[0].get_markeredgecolor() == "C0"
    assert "3 failed cells; ?: k* may be smaller" in ax.get_title()
    ax = Figure().subplots()
    draw_k_star(ax, stars[stars["activation"] == "relu"], {"relu": "C1"}, "g", n_failed=2)
    assert not [line for line in ax.get_lines() if line.get_marker() == "^"]
    assert "no successful cells" in ax.get_title()


def test_k_star_offsets_never_cross_neighbouring_tolerances():
    from uat.plots import draw_k_star

    tolerances = [0.13, 0.1]
    stars = uat.study.k_star(_summary([2, 4, 8, 16]), tolerances)
    tanh = stars[stars["activation"] == "tanh"]  # reaches 0.13 at width 8 and 0.1 at 16
    five = pd.concat([tanh.assign(activation=f"a{i}") for i in range(5)], ignore_index=True)
    ax = Figure().subplots()
    draw_k_star(ax, five, {f"a{i}": f"C{i}" for i in range(5)})
    xs = [line.get_xdata() for line in ax.get_lines() if line.get_label().startswith("a")]
    assert len(xs) == 5 and all(len(x) == 2 for x in xs)
    assert min(x[0] for x in xs) > max(x[-1] for x in xs)  # every ε=0.13 point right of every ε=0.1 point


def test_a_report_is_written_when_every_cell_failed(tmp_path):
    path = tmp_path / "fail.toml"
    path.write_text(textwrap.dedent(SLUGS).replace('"x**2", "x*2", "abs(x) + 0*(x < 2)"', '"sqrt(x)"'))
    run_study(path, tmp_path / "out", jobs=1)
    page = write_report(tmp_path / "out").read_text(encoding="utf-8")
    assert "No figures: no cell of this study has succeeded yet." in page and "2 cell(s) failed" in page
    assert "n/a?" in page and "&gt;&lt;NA&gt;" not in page


def test_an_unreadable_stored_network_names_its_cell(study, tmp_path):
    folder, frame = study
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    cell = frame.loc[frame["status"] == "ok", "cell_id"].iloc[0]
    import io

    npy, polynomial = io.BytesIO(), io.BytesIO()
    np.save(npy, np.arange(3.0))  # a plain .npy, not an archive
    np.savez(polynomial, coefficients=np.array(["a", "b"]),
             metadata=np.array('{"format": "uat.Polynomial", "format_version": 1}'))
    for data in (b"PK\x03\x04 truncated", b"", npy.getvalue(), polynomial.getvalue()):
        with sqlite3.connect(copy / "results.sqlite") as db:
            db.execute("UPDATE results SET network = ? WHERE cell_id = ?", (data, cell))
        with pytest.raises(uat.study.StoreError, match=re.escape(f"the stored network of cell {cell} is unreadable")):
            load_networks(copy, [cell])


def test_methods_with_an_activation_each_share_one_panel_per_target():
    from uat.study.figures import _layout

    rows = [{"target": t, "activation": a, "method": m, "width": 4}
            for t in ("f", "g") for m, a in (("lstsq", "tanh"), ("random_fourier", "cos"), ("sklearn_mlp", "tanh"))]
    assert _layout(pd.DataFrame(rows)) == ("method", ["target"])
    one = [dict(r, activation="tanh") for r in rows]
    assert _layout(pd.DataFrame(one)) == ("method", ["target", "activation"])
    restricted = rows + [dict(rows[0], activation="cos")]  # methods with activation sets of their own
    assert _layout(pd.DataFrame(restricted)) == ("line", ["target"])
    crossed = [dict(r, method=m, activation=a) for r in rows[:1] for m in ("lstsq", "minimax") for a in ("tanh", "cos")]
    assert _layout(pd.DataFrame(crossed)) == ("activation", ["target", "method"])


def test_line_labels_name_method_and_activation_and_bounds():
    from uat.study.figures import _line_labels

    frame = pd.DataFrame({"method": ["lstsq", "poly_minimax", "relu_interp"],
                          "activation": ["tanh", "relu", "relu"], "curve": ["measured", "measured", "a_priori"]})
    assert _line_labels(frame) == ["lstsq (tanh)", "poly_minimax", "relu_interp (relu): a-priori bound"]


THEORY = """
name = "theory-small"
seed = 0

[grid]
target = ["quadratic"]
activation = ["relu", "tanh"]
width = [3, 5]
method = ["lstsq", "relu_interp", "poly_minimax"]
repeats = 1

[methods.relu_interp]
activations = ["relu"]

[methods.poly_minimax]
activations = ["relu"]
"""


def test_a_study_of_networks_constructions_and_polynomials_tables_stores_and_draws_them(tmp_path):
    from uat.fitting.baselines import PolynomialApproximant
    from uat.study import k_star_table, load_networks, summarize

    path = tmp_path / "theory.toml"
    path.write_text(textwrap.dedent(THEORY))
    frame = run_study(path, tmp_path / "out", jobs=1)
    assert (frame["status"] == "ok").all() and len(frame) == 2 * 2 + 2 + 2
    # the interpolant of x² errs by h²/4 exactly, which is its a-priori bound h²/8·2; the bracket proves it
    interp = frame[frame["method"] == "relu_interp"].set_index("width")
    for k in (3, 5):
        h = 2 / (k - 1)
        assert interp.loc[k, "sup_error"] == pytest.approx(h**2 / 4, rel=1e-12)
        assert interp.loc[k, "diag_a_priori_bound"] == pytest.approx(h**2 / 4, rel=1e-12)
        assert h**2 / 4 <= interp.loc[k, "sup_upper"] <= h**2 / 4 * 1.01
    networks = load_networks(tmp_path / "out", frame["cell_id"])
    polys = frame.loc[frame["method"] == "poly_minimax", "cell_id"]
    assert all(isinstance(networks[c], PolynomialApproximant) for c in polys)
    assert (frame.loc[frame["method"] == "poly_minimax", "sup_error"] < 1e-12).all()  # x² is a polynomial
    table = k_star_table(summarize(frame), [0.3, 0.1]).set_index(["method", "activation"])
    assert ("relu_interp (a-priori bound)", "relu") in table.index
    assert ("relu_interp (certified upper)", "relu") in table.index
    figures = study_figures(tmp_path / "out", "png")
    names = {f.name for f in figures}
    assert {"error-vs-width", "k-star"} <= names
    legend = [t.get_text() for t in _legend_texts(tmp_path / "out")]
    assert "relu_interp (relu): a-priori bound" in legend and "poly_minimax" in legend and "lstsq (tanh)" in legend


def _legend_texts(folder):
    from uat.study.figures import _errors_figure, _Study

    fig, _ = _errors_figure(_Study(folder))
    return fig.legends[0].get_texts()


def test_file_name_slugs_are_capped_with_a_hash_and_short_ones_unchanged():
    from uat.study.figures import slug as _slug

    assert _slug("sin(2*pi*x)") == "sin-2-pi-x" and _slug("x" * 60) == "x" * 60
    a, b = _slug("x" * 61), _slug("x" * 62)
    assert a != b and len(a) == len(b) == 60 + 1 + 8 and a.startswith("x" * 60 + "-")


def test_the_polynomial_figure_reads_the_floors_the_run_stored_and_computes_them_for_an_older_folder(study, tmp_path):
    from uat.study.figures import _polynomial_figure, _Study

    folder, _ = study
    floor = uat.fitting.polynomial.best_polynomial("abs", 2).value

    def bands(where):
        fig, caption = _polynomial_figure(_Study(where))
        return {float(line.get_ydata()[0]) for ax in fig.axes for line in ax.get_lines()
                if line.get_label() == "_E_p"}, caption

    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    with sqlite3.connect(copy / "results.sqlite") as db:  # a stored value is drawn as it is: it is not recomputed
        db.execute("UPDATE polynomial_floors SET value = 0.25 WHERE target = 'abs'")
    db.close()
    assert bands(copy)[0] == {0.25}
    with sqlite3.connect(copy / "results.sqlite") as db:  # a folder written before uat stored them
        db.execute("DROP TABLE polynomial_floors")
    db.close()
    drawn, caption = bands(copy)
    assert drawn == {floor} and (drawn, caption) == bands(folder)
    assert "Not drawn: sqrt(x):" in caption  # refused (NaN on x < 0), stored or computed alike


def test_a_methods_a_priori_bound_is_drawn_dashed_in_the_colour_of_its_line():
    from uat.study.figures import _colours, _line_labels

    summary = pd.DataFrame({"target": "f", "method": ["lstsq", "relu_interp", "relu_interp (a-priori bound)"],
                            "activation": ["tanh", "relu", "relu"], "curve": ["measured", "measured", "a_priori"]})
    measured = _line_labels(summary.assign(method=["lstsq", "relu_interp", "relu_interp"]), "measured")
    lines = _line_labels(summary.assign(method=["lstsq", "relu_interp", "relu_interp"]))
    colours = _colours(summary.assign(line=lines), "line", measured)
    assert colours == {"lstsq (tanh)": uat.plots.OKABE_ITO[0], "relu_interp (relu)": uat.plots.OKABE_ITO[1],
                       "relu_interp (relu): a-priori bound": uat.plots.OKABE_ITO[1]}
    rows = pd.DataFrame({"width": [2, 4], "sup_median": [0.5, 0.1], "sup_q25": np.nan, "sup_q75": np.nan,
                         "floor_median": 0.0, "n_failed": 0, "activation": "relu", "curve": "a_priori"})
    ax = draw_error_vs_width(Figure().subplots(), rows, {"relu": "C1"})
    line = next(line for line in ax.get_lines() if line.get_label() == "relu")
    assert line.get_linestyle() == "--" and line.get_markerfacecolor() == "white"


def test_the_figures_moved_out_of_uat_plots_and_the_old_names_warn():
    import uat.plots.study
    import uat.study.figures

    for module in (uat.plots, uat.plots.study):
        with pytest.warns(DeprecationWarning, match="moved to uat.study.figures.study_figures"):
            assert module.study_figures is uat.study.figures.study_figures
        with pytest.warns(DeprecationWarning, match="StudyFigure"):
            assert module.StudyFigure is uat.study.figures.StudyFigure
        with pytest.raises(AttributeError):
            module.no_such_name  # noqa: B018
