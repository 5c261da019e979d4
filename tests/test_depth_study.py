"""Depth as a study axis: [grid] depth (hidden layers), its refusals, unchanged depth-1 studies, deep cells
stored, reused, tabled and charted, and Telgarsky's sawtooth targets."""

import json
import re
import sqlite3
import textwrap
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import uat
from uat.cli import main
from uat.study import StudyConfigError, k_star_table, load_config, run_study, summarize
from uat.study.config import parse_config
from uat.fitting.base import with_deep_defaults
from uat.study.store import load_networks
from uat.targets import get_target

STUDIES = sorted((Path(__file__).resolve().parent.parent / "studies").glob("*.toml"))
#: The shipped studies without depth (all but studies/depth.toml) that existed before depth: not those of a domain
#: axis (studies/domains.toml), whose cell ids always carry depth and domain.
SHALLOW = [path for path in STUDIES if not {"depth", "domain"} & tomllib.loads(path.read_text())["grid"].keys()]

DEEP = """
name = "deep"
description = "shallow and deep backprop beside shallow least squares"
seed = 1
domain = "[-1,1]"

[grid]
target = ["sin(2*pi*x)"]
activation = ["tanh"]
width = [2, 3]
depth = [1, 2]
method = ["lstsq", "backprop"]

[methods.lstsq]
depths = [1]

[methods.backprop]
max_iter = 15
n_samples = 128

[evaluation]
tolerances = [0.5, 1e-1]
n_points = 1025
"""


def write(tmp_path, text, name="study.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def grid(**axes):
    base = {"target": "sin2pi", "activation": ["tanh", "relu"], "width": [2, 4], "method": ["lstsq", "backprop"]}
    return {"name": "t", "grid": {**base, **axes}}


# --- the study file ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", SHALLOW, ids=[p.stem for p in SHALLOW])
def test_depth_1_leaves_every_shipped_study_as_it_was(path):
    """A study without depth resolves, hashes and names its cells as before depth existed: the same as with
    depth = [1] written out, with no depth key in its resolved configuration or identity, and the cell ids of
    five entries that stores have always used."""
    if path.stem == "peers":  # its methods are checked for their packages when the file is read
        pytest.importorskip("sklearn")
        pytest.importorskip("torch")
    data = tomllib.loads(path.read_text())
    omitted = parse_config(json.loads(json.dumps(data)), str(path))
    data["grid"]["depth"] = [1]
    explicit = parse_config(data, str(path))
    assert omitted.config_hash == explicit.config_hash
    assert omitted.resolved() == explicit.resolved()
    assert [c.cell_id for c in omitted.cells()] == [c.cell_id for c in explicit.cells()]
    assert not {"depths", "method_depths", "deep_options"} & omitted.resolved().keys()
    assert set(omitted.identity()) == {"study", "methods", "targets"}
    cell = omitted.cells()[0]
    assert json.loads(cell.cell_id) == [cell.target, cell.activation, cell.method, cell.width, cell.replicate]


def test_deep_cells_are_crossed_per_method_and_named_by_depth():
    config = parse_config({**grid(depth=[1, 2, 3]), "methods": {"lstsq": {"depths": [1]}}})
    cells = config.cells()
    assert config.n_cells == len(cells) == 2 * 2 * (1 + 3)
    assert {c.depth for c in cells if c.method == "lstsq"} == {1}
    assert {c.depth for c in cells if c.method == "backprop"} == {1, 2, 3}
    deep = next(c for c in cells if c.depth == 3)
    assert json.loads(deep.cell_id)[-1] == 3 and len(json.loads(deep.cell_id)) == 6
    # one seed per (target, activation, replicate), shared by every width, depth and method
    assert len({c.seed for c in cells if c.activation == "tanh"}) == 1
    # deep fits take the method's deep defaults where the file gives no value; shallow ones its defaults
    backprop = uat.fitting.get_method("backprop")
    assert config.identity()["deep"]["backprop"]["optimizer"] == with_deep_defaults(backprop, {})["optimizer"] == "varpro"
    assert config.identity()["methods"]["backprop"]["optimizer"] == backprop.options["optimizer"]
    assert set(config.identity()["deep"]) == {"backprop"}


def test_a_given_option_is_the_deep_fits_option_too():
    config = parse_config({**grid(depth=[1, 2], method="backprop"), "methods": {"backprop": {"optimizer": "adam"}}})
    assert config.deep_options["backprop"]["optimizer"] == "adam" == config.method_options["backprop"]["optimizer"]


@pytest.mark.parametrize("axes, methods, key, message", [
    ({"depth": [1, 2]}, {}, "grid.depth",
     r"method 'lstsq' fits one-hidden-layer networks only \(depth 1\), and grid.depth = \[1, 2\] asks for depth 2 "
     r"\(hidden layers\): only backprop trains deep networks; keep 'lstsq' shallow with \[methods.lstsq\] "
     r"depths = \[1\], or take it out of grid.method"),
    ({"depth": [1, 3]}, {"lstsq": {"depths": [3]}}, "methods.lstsq.depths", r"asks for depth 3"),
    ({"depth": [1, 2]}, {"lstsq": {"depths": [4]}}, "methods.lstsq.depths", r"4 is not in grid.depth \(1, 2\)"),
    ({"depth": [0]}, {}, r"grid.depth\[0\]", r"must be an integer >= 1 \(the number of hidden layers of `width` "
                                               r"units\); got 0"),
    ({"depth": [1, 1.5]}, {}, r"grid.depth\[1\]", r"must be an integer >= 1 .*; got 1.5"),
    ({"depth": ["2"]}, {}, r"grid.depth\[0\]", r"got '2'"),
    ({"depth": [True]}, {}, r"grid.depth\[0\]", r"got True"),
    ({"depth": []}, {}, "grid.depth", "is empty"),
    ({"depth": [2, 2]}, {"lstsq": {"depths": [1]}}, "grid.depth", "lists a value twice"),
    ({"depth": [1, 2]}, {"backprop": {"depths": [1.0]}}, r"methods.backprop.depths\[0\]", "got 1.0"),
])
def test_bad_depths_are_refused_before_any_work_naming_the_key(axes, methods, key, message):
    with pytest.raises(StudyConfigError) as info:
        parse_config({**grid(**axes), "methods": methods})
    assert re.match(f"<study>: {key}: ", str(info.value)), str(info.value)
    assert re.search(message, str(info.value)), str(info.value)


def test_every_method_that_cannot_train_deep_networks_is_refused_at_depth_2():
    """Every registered method without trains_deep (least squares, minimax, the constructions, the baselines)."""
    from uat.fitting import get_method, list_methods

    shallow = [m for m in list_methods() if not get_method(m).trains_deep and get_method(m).activations is None]
    assert {"lstsq", "minimax"} <= set(shallow)
    for name in shallow:
        try:
            data = {"name": "t", "grid": {"target": "sin2pi", "activation": "relu", "width": 4, "method": name,
                                          "depth": [2]}}
            parse_config(data)
        except StudyConfigError as err:
            assert f"method '{name}' fits one-hidden-layer networks only" in str(err), str(err)
        else:
            pytest.fail(f"{name} was crossed with depth 2")


def test_the_deep_options_decide_the_deep_cells_only(tmp_path):
    """Giving backprop's shallow default optimizer explicitly changes the deep fits' optimizer (their default
    is another): the identity's deep scope says so, its methods scope does not."""
    plain = parse_config(grid(depth=[1, 2], method="backprop"))
    shallow = plain.method_options["backprop"]["optimizer"]
    given = parse_config({**grid(depth=[1, 2], method="backprop"), "methods": {"backprop": {"optimizer": shallow}}})
    assert plain.identity()["methods"] == given.identity()["methods"]
    if plain.deep_options["backprop"]["optimizer"] != shallow:
        assert plain.identity()["deep"] != given.identity()["deep"]


# --- a deep study run -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def deep_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("deep")
    path = write(folder, DEEP)
    return path, folder / "out", run_study(path, folder / "out", jobs=1)


def test_deep_rows_carry_depth_and_the_models_parameter_count(deep_run):
    _, out, frame = deep_run
    assert (frame["status"] == "ok").all() and len(frame) == 2 * 1 + 2 * 2
    assert sorted(frame.loc[frame["method"] == "backprop", "depth"]) == [1, 1, 2, 2]
    networks = load_networks(out, frame["cell_id"])
    for _, row in frame.iterrows():
        network = networks[row["cell_id"]]
        assert row["n_params"] == network.n_params
        k, d = row["width"], row["depth"]
        if d == 1:  # k(n + 1) + m·k for the theorem's form, plus the output bias where the net has one
            assert isinstance(network, uat.ShallowNetwork)
            assert row["n_params"] == 3 * k + (0 if network.d is None else 1)
        else:  # (1 → k) + (d − 1)·(k → k) + (k → 1), each with its biases
            assert isinstance(network, uat.DeepNetwork) and network.widths == (1, *[k] * d, 1)
            assert row["n_params"] == 2 * k + (d - 1) * (k * k + k) + k + 1


def test_a_deep_cell_is_the_fit_uat_fit_makes_and_its_stored_network_measures_the_same(deep_run):
    _, out, frame = deep_run
    row = frame[(frame["depth"] == 2) & (frame["width"] == 3)].iloc[0]
    again = uat.fit("sin(2*pi*x)", "[-1,1]", width=[3, 3], activation="tanh", method="backprop",
                    seed=int(row["seed"]), max_iter=15, n_samples=128)
    stored = load_networks(out, [row["cell_id"]])[row["cell_id"]]
    X = np.linspace(-1, 1, 257)[:, None]
    np.testing.assert_array_equal(stored(X), again.network(X))
    assert row["sup_error"] == again.sup_error(n_points=1025, certify_early_stop=False).value


def test_a_second_run_reuses_the_deep_cells(deep_run):
    path, out, frame = deep_run
    again = run_study(path, out, jobs=1)
    pd.testing.assert_series_equal(again["finished_at"], frame["finished_at"])


def test_the_table_has_a_depth_column_and_the_parameters_at_k_star(deep_run):
    path, out, frame = deep_run
    table = k_star_table(summarize(frame), load_config(path).tolerances)
    assert list(table.columns[:4]) == ["target", "activation", "method", "depth"]
    deep = table[(table["method"] == "backprop") & (table["depth"] == 2)].iloc[0]
    stars = uat.study.k_star(summarize(frame), [0.5])
    entry = stars[(stars["method"] == "backprop") & (stars["depth"] == 2)].iloc[0]
    if entry["reached"]:
        n_params = frame[(frame["depth"] == 2) & (frame["width"] == entry["k_star"]) & (frame["method"] == "backprop")]
        assert deep["ε=0.5"] == f"{entry['k_star']} ({int(n_params['n_params'].iloc[0])})"
    result = CliRunner().invoke(main, ["study", "table", str(out), "--depth", "2", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = result.output.strip().splitlines()
    assert rows[0].startswith("target,activation,method,depth,") and len(rows) == 2 and ",2," in rows[1]
    result = CliRunner().invoke(main, ["study", "table", str(out), "--depth", "5"])
    assert result.exit_code != 0 and "no depth '5' in this study; its depths: 1, 2" in result.output


def test_a_store_written_before_depth_reads_as_depth_1_and_is_reused(deep_run, tmp_path):
    """A folder of depth-1 cells as uat wrote it before depth (the deep run's, its deep cells deleted and its
    depth column dropped): read as depth 1, and a run of the study without depth reuses every cell."""
    import shutil

    path, out, frame = deep_run
    old = tmp_path / "old"
    shutil.copytree(out, old)
    with sqlite3.connect(old / "results.sqlite") as db:
        db.execute("DELETE FROM results WHERE depth > 1")
        db.execute("ALTER TABLE results DROP COLUMN depth")
    shallow = write(tmp_path, path.read_text().replace("depth = [1, 2]\n", "").replace("depths = [1]\n", ""))
    again = run_study(shallow, old, jobs=1)
    assert (again["depth"] == 1).all() and "depth" not in k_star_table(summarize(again), [0.5]).columns
    before = frame[frame["depth"] == 1].reset_index(drop=True)
    pd.testing.assert_series_equal(again["finished_at"], before["finished_at"])
    pd.testing.assert_series_equal(again["sup_error"], before["sup_error"])


def test_depth_1_tables_are_those_of_frames_without_a_depth_column():
    """A depth-1 study's summary, k* and table do not change with the depth column (byte for byte as text)."""
    rng = np.random.default_rng(0)
    rows = [{"target": t, "activation": a, "method": "lstsq", "width": k, "replicate": r, "status": "ok",
             "sup_error": float(rng.random() / k), "rms_error": 0.1, "rounding_floor": 1e-16, "fit_seconds": 0.0,
             "n_params": 3 * k, "sup_upper": np.nan, "depth": 1}
            for t in ("f", "g") for a in ("tanh", "relu") for k in (2, 4, 8, 16) for r in range(3)]
    frame = pd.DataFrame(rows)
    with_depth, without = summarize(frame), summarize(frame.drop(columns="depth"))
    pd.testing.assert_frame_equal(with_depth, without)
    assert k_star_table(with_depth, [0.1, 0.01]).to_string() == k_star_table(without, [0.1, 0.01]).to_string()
    assert "depth" not in k_star_table(with_depth, [0.1]).columns


# --- figures ----------------------------------------------------------------------------------------

def test_error_vs_parameters_draws_one_line_per_depth_and_the_depth_separation():
    from matplotlib.figure import Figure

    from uat.plots import draw_depth_separation, draw_error_vs_parameters

    summary = pd.DataFrame({"line": ["a"] * 3 + ["b"] * 3, "n_params": [6, 12, 24, 13, 33, 97],
                            "sup_median": [0.9, 0.6, 0.55, 0.8, 0.3, 0.01], "sup_q25": 0.5, "sup_q75": 1.0})
    ax = Figure().subplots()
    draw_error_vs_parameters(ax, summary, {"a": "C0", "b": "C1"}, {"a": "-", "b": "--"}, "telgarsky4")
    draw_depth_separation(ax, 4, (46, 0.0))
    labels = ax.get_legend_handles_labels()[1]
    assert labels[:2] == ["a", "b"]
    assert "any 1-hidden-layer ReLU net with k ≤ 2^4−2 = 14 units: error ≥ ½" in labels
    separation = next(line for line in ax.get_lines() if line.get_label().startswith("any 1-hidden"))
    np.testing.assert_array_equal(separation.get_ydata(), [0.5, 0.5])
    assert separation.get_xdata()[1] == 14 * 3 + 1  # 14 units: 14·(1 + 1) weights and biases in, 14 + 1 out
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert any(label.startswith("uat.sawtooth(4)") for label in labels)


@pytest.mark.slow
def test_a_deep_study_gets_the_error_vs_parameters_figure_and_a_report(deep_run):
    from uat.study.figures import study_figures
    from uat.study.report import write_report

    _, out, _ = deep_run
    names = {figure.name for figure in study_figures(out)}
    assert {"error-vs-width", "k-star", "error-vs-parameters"} <= names
    assert any(name.startswith("fit-") for name in names)
    assert "Depths 1, 2" in write_report(out).read_text()


def test_a_folder_written_before_depth_has_no_depth():
    """The schema-2 folder of the store tests: every cell depth 1, so its tables and figures are those it had."""
    folder = Path(__file__).resolve().parent / "data" / "schema2" / "out"
    frame = uat.study.load_results(folder)
    assert len(frame) and (frame["depth"] == 1).all() and not uat.study.analysis.has_depth(frame)


# --- Telgarsky's sawtooth -----------------------------------------------------------------------------

@pytest.mark.parametrize("s", [3, 4, 5])
def test_telgarsky_targets_are_the_sawtooth_network_in_closed_form(s):
    target = get_target(f"telgarsky{s}")
    dyadic = np.arange(2**s * 8 + 1)[:, None] / (2**s * 8)
    X = np.vstack([np.random.default_rng(s).random((20000, 1)), dyadic])
    np.testing.assert_allclose(target(X), uat.sawtooth(s)(X), rtol=0, atol=16 * 2**s * np.finfo(float).eps)
    np.testing.assert_array_equal(target(np.arange(2**s + 1)[:, None] / 2**s)[:, 0], np.arange(2**s + 1) % 2)
    assert str(target.domain) == str(uat.Box(0, 1)) and target.depth_separation == s
    x = np.linspace(0, 1, 2**(s + 6) + 1)
    slopes = np.abs(np.diff(target(x[:, None])[:, 0])) / np.diff(x)
    assert target.lipschitz == 2**s and slopes.max() == pytest.approx(2**s, rel=1e-9)


def test_a_shallow_relu_net_of_2_to_the_s_minus_2_units_stays_at_error_one_half():
    """The depth-separation fact the figure draws, on a fitted net: 6 = 2³ − 2 ReLU units against g_3."""
    result = uat.fit("telgarsky3", width=6, activation="relu", method="lstsq", seed=0)
    assert result.sup_error(certify=False).value >= 0.5
