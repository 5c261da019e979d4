"""Studies on every domain: the domain axis (grid.domain), set-algebra and point-set domains end to end, and
points(file.csv) read from the study file's folder with the points' hash in the identity of their cells."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from uat.cli import main
from uat.study import StoreError, StudyConfigError, k_star_table, load_config, run_study, summarize
from uat.study.config import StudyConfig
from uat.study.store import StudyStore

TARGET = "sin(pi*x1)*cos(pi*x2)"
#: The domains of issue 18's study, in set algebra until Polygon and Annulus land, and a point set from a file.
DOMAINS = {
    "square": "[-1,1]^2",
    "disc": "ball(center=[0,0], radius=1)",
    "L-shape": "[0,2]x[0,1] | [0,1]x[0,2]",
    "annulus": "ball(center=[0,0], radius=1) - ball(center=[0,0], radius=0.5)",
    "holed square": "[0,1]^2 - ball(center=[0.5,0.5], radius=0.25)",
    "points": "points(pts.csv)",
}
POINTS = np.array([[0.0, 0.0], [0.5, 0.25], [-0.25, 0.75], [0.875, -0.875], [0.125, 0.125], [-0.5, -0.5]])


def study_text(domains, name="domains", widths=(2, 4), extra=""):
    return (f'name = "{name}"\nseed = 3\n{extra}\n[grid]\ntarget = ["{TARGET}"]\nactivation = ["tanh"]\n'
            f"width = {list(widths)}\ndomain = {json.dumps(list(domains))}\n"
            "[evaluation]\ntolerances = [1e-1, 1e-2]\nn_points = 1024\n")


def write_study(folder, text, points=POINTS):
    folder.mkdir(parents=True, exist_ok=True)
    np.savetxt(folder / "pts.csv", points, delimiter=",", header="x1,x2", comments="")
    (folder / "study.toml").write_text(text)
    return folder / "study.toml"


@pytest.fixture(scope="module")
def every_domain(tmp_path_factory):
    """One tiny study (2 widths, 1 seed) of one target on every domain, run from another working directory."""
    root = tmp_path_factory.mktemp("every")
    path = write_study(root / "study", study_text(DOMAINS.values()))
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(elsewhere)  # points(pts.csv) must be read from the study's folder, not from here
        frame = run_study(path, root / "out", jobs=1)
    return path, root / "out", frame


def test_every_domain_runs_end_to_end_with_a_row_per_domain(every_domain):
    path, out, frame = every_domain
    config = load_config(path)
    domains = list(config.domain_axis)
    assert len(frame) == 2 * len(DOMAINS) and (frame["status"] == "ok").all(), frame[["domain", "error"]]
    assert list(dict.fromkeys(frame["domain"])) == domains  # the grid's order, str of each parsed domain
    assert np.isfinite(frame["sup_error"]).all() and (frame["sup_error"] > 0).all()
    table = k_star_table(summarize(frame), config.tolerances)
    # one row per domain, and a second (certified) row where upper bounds exist: the point set's sup is exact
    assert list(dict.fromkeys(table["domain"])) == domains and set(table["target"]) == {TARGET}
    assert table["domain"].value_counts().max() <= 2
    # every cell's sup point lies in its K
    for domain, rows in frame.groupby("domain"):
        K = config.parse_domain(domain)
        assert K.contains(np.array(list(rows["sup_argmax"]))).all(), domain


def test_a_point_set_sup_is_exact_and_its_file_is_read_from_the_study_folder(every_domain):
    path, out, frame = every_domain
    config = load_config(path)
    assert config.folder == str(path.parent.resolve())
    assert set(config.point_files) == {"points(pts.csv)"}
    rows = frame[frame["domain"] == "points(pts.csv)"]
    assert all(tuple(p) in {tuple(x) for x in POINTS} for p in rows["sup_argmax"])
    # the stored configuration reproduces the run: the same folder, hash and cells
    stored = StudyConfig.from_resolved(StudyStore(out).config())
    assert stored == config and stored.identity() == config.identity()
    assert {c.cell_id for c in stored.cells()} == set(frame["cell_id"])


def test_a_changed_points_file_is_refused_by_a_folder_of_the_old_points(tmp_path):
    path = write_study(tmp_path / "study", study_text([DOMAINS["points"]], widths=(2,)))
    run_study(path, tmp_path / "out", jobs=1)
    digest = load_config(path).point_files["points(pts.csv)"]
    write_study(tmp_path / "study", path.read_text(), points=POINTS[:4])
    with pytest.raises(StoreError, match=r"domain 'points\(pts.csv\)': points \"[0-9a-f]{64}\" -> \"[0-9a-f]{64}\""):
        run_study(path, tmp_path / "out", jobs=1)
    # the same file as the study-wide domain (no axis): its hash is in the target's identity
    single = write_study(tmp_path / "single", study_text([], widths=(2,)).replace(
        "domain = []\n", "").replace("seed = 3\n", 'seed = 3\ndomain = "points(pts.csv)"\n'))
    config = load_config(single)
    assert config.identity()["targets"][TARGET]["points"] == digest


def test_the_domain_axis_gives_the_same_numbers_whatever_its_order(tmp_path, every_domain):
    _, _, frame = every_domain
    chosen = [DOMAINS["L-shape"], DOMAINS["disc"]]  # reversed against the first study, other cells left out
    path = write_study(tmp_path / "study", study_text(chosen))
    reversed_frame = run_study(path, tmp_path / "out", jobs=1)
    assert list(dict.fromkeys(reversed_frame["domain"])) == [str(load_config(path).parse_domain(d)) for d in chosen]
    merged = reversed_frame.merge(frame, on="cell_id", suffixes=("", "_first"))
    assert len(merged) == len(reversed_frame) == 4
    assert (merged["seed"] == merged["seed_first"]).all()
    assert (merged["sup_error"] == merged["sup_error_first"]).all()
    assert merged["domain"].nunique() == 2


def test_cells_of_the_axis_are_told_apart_by_id_and_seed(tmp_path):
    config = load_config(write_study(tmp_path, study_text(DOMAINS.values())))
    cells = config.cells()
    assert len(cells) == config.n_cells == 2 * len(DOMAINS)
    assert len({c.cell_id for c in cells}) == len(cells)
    assert len({c.seed for c in cells}) == len(DOMAINS)  # shared by the widths of one domain only
    assert all(json.loads(c.cell_id)[-1] == c.domain for c in cells)
    flipped = load_config(write_study(tmp_path / "flipped", study_text(reversed(list(DOMAINS.values())))))
    assert {(c.cell_id, c.seed) for c in flipped.cells()} == {(c.cell_id, c.seed) for c in cells}


def test_a_study_without_the_axis_resolves_as_before(tmp_path):
    text = study_text([], widths=(2,)).replace("domain = []\n", "").replace("seed = 3\n", 'seed = 3\ndomain = "[-1,1]^2"\n')
    config = load_config(write_study(tmp_path, text))
    assert not {"domain_axis", "folder", "point_files"} & config.resolved().keys()
    assert "domains" not in config.identity() and "points" not in config.identity()["targets"][TARGET]
    assert len(json.loads(config.cells()[0].cell_id)) == 5


@pytest.mark.parametrize("change, key, message", [
    ('domain = ["[-1,1]^2", "ball(center=[0,0])"]', r"grid.domain\[1\]", "ball.*needs both center"),
    ('domain = ["[-1,1]^2", "[-1,1]x[-1,1]"]', "grid.domain", "lists a value twice"),
    ('domain = ["points(missing.csv)"]', r"grid.domain\[0\]", "points file 'missing.csv' not found"),
    ('domain = ["[-1,1]"]', r"grid.target\[0\]", r"uses x2.*\(grid.domain\[0\] = '\[-1,1\]'\)"),
    ('domain = []', "grid.domain", "is empty"),
])
def test_a_bad_domain_axis_is_refused_naming_the_key(tmp_path, change, key, message):
    text = study_text(["[-1,1]^2"]).replace('domain = ["[-1,1]^2"]', change)
    with pytest.raises(StudyConfigError, match=rf"study.toml: {key}: .*{message}"):
        load_config(write_study(tmp_path, text))


def test_the_axis_is_not_mixed_with_other_domains_or_library_targets(tmp_path):
    with pytest.raises(StudyConfigError, match="grid.domain: .*use either, not both"):
        load_config(write_study(tmp_path, study_text(["[-1,1]^2"], extra='domain = "[0,1]^2"')))
    library = study_text(["[-1,1]^2"]).replace(f'target = ["{TARGET}"]', f'target = ["{TARGET}", "runge"]')
    with pytest.raises(StudyConfigError, match=r"grid.target\[1\]: 'runge' is a library target"):
        load_config(write_study(tmp_path, library))
    with pytest.raises(StudyConfigError, match=r"domains.\"x\": .*must be a product of intervals"):
        load_config(write_study(tmp_path, study_text([]).replace("domain = []\n", "") + '[domains]\n"x" = "[0,"\n'))


def test_the_table_command_shows_and_selects_domains(every_domain):
    _, out, _ = every_domain
    disc = "ball(center=[0,0], radius=1)"
    result = CliRunner().invoke(main, ["study", "table", str(out), "--format", "csv", "--domain", disc])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()  # one domain left: the table of one curve, as any study's
    assert lines[0].startswith("target,activation") and len(lines) == 2
    both = CliRunner().invoke(main, ["study", "table", str(out), "--format", "csv", "--domain", disc,
                                     "--domain", "points(pts.csv)"]).output.strip().splitlines()
    assert both[0].startswith("target,domain,activation") and [disc in both[1], "points" in both[2]] == [True] * 2
    text = CliRunner().invoke(main, ["study", "table", str(out)]).output
    assert "domain: the compact set K" in text and "points(pts.csv)" in text
