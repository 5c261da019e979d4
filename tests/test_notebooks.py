"""The example notebooks run top to bottom, and the numbers they show are uat's.

Each notebook runs once per module through examples/notebooks.py's ``execute`` (ipykernel's ``python3`` started with
this interpreter, this checkout first on PYTHONPATH, MPLBACKEND=Agg, a temporary working directory), with two cells
added to the in-memory copy: a first one that makes every warning an error (as this suite's filterwarnings = error)
and refuses network connections, and a last one that restores the warning filters and prints the notebook's key
values as JSON. The tests recompute those values here, in the test process, and compare.
"""

import importlib.util
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

import uat  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TIMEOUT = 120  # seconds per cell: both notebooks together take about 15 s
kernel = pytest.mark.slow  # the tests that run the notebooks (15 s of kernels); CI's slow step runs them

PROLOGUE = '''
import socket
import warnings

_filters = warnings.filters[:]
warnings.simplefilter("error")  # as the test suite's filterwarnings = error, for the notebook's cells


def _refuse(connect):
    def refused(self, address, *args):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            raise OSError(f"a notebook tried to connect to {address!r}: the notebooks must run without network")
        return connect(self, address, *args)
    return refused


socket.socket.connect, socket.socket.connect_ex = _refuse(socket.socket.connect), _refuse(socket.socket.connect_ex)
'''

#: what each notebook's last (added) cell prints, as JSON: its key values, by the names the notebook gives them
KEY_VALUES = {
    "lecture.ipynb": '''{
    "n_params": n_params, "shapes": {ell: {k: list(v) for k, v in s.items()} for ell, s in shapes.items()},
    "a0": a0, "y": y, "params": params, "chain": chain, "by_uat": by_uat, "central": central,
    "s": s, "pieces": len(kinks) + 1, "tooth_sup": tooth_sup, "yarotsky": yarotsky, "deep_sup": deep_sup,
    "eps": eps, "tube": tube, "E2": [best.lower, best.value], "plateau": plateau,
    "sweep_errors": sweep_errors, "k_star": [[e, k] for e, k in k_star.items()],
}''',
    "study.ipynb": '''{
    "n_cells": config.n_cells, "tolerances": list(config.tolerances),
    "rows": results[["target", "domain", "activation", "method", "width", "replicate", "seed", "status",
                     "sup_error"]].to_dict("records"),
    "pivot": [[t, a, w, v] for (t, a), column in pivot.items() for w, v in column.items()],
    "table": table.to_dict("records"), "figures": {f.name: list(f.paths) for f in figures},
    "report": str(report), "floors": [[t, p, row["lower"], row["value"]] for (t, _, p), row in floors.items()],
}''',
}


def _epilogue(values: str) -> str:
    return ("warnings.filters[:] = _filters  # the kernel's own shutdown warns (ipykernel 7)\n"
            "import json as _json, sys as _sys, uat as _uat\n"
            f"_values = {values}\n"
            "_values.update(executable=_sys.executable, uat_file=_uat.__file__)\n"
            "print(_json.dumps(_values, default=lambda v: v.item()))")


def _notebooks_module():
    spec = importlib.util.spec_from_file_location("uat_example_notebooks", EXAMPLES / "notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


notebooks = _notebooks_module()


def _run(name: str, cwd: Path):
    """(the executed notebook, the key values it printed)."""
    nb = nbformat.read(EXAMPLES / name, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(PROLOGUE))
    nb.cells.append(nbformat.v4.new_code_cell(_epilogue(KEY_VALUES[name])))
    notebooks.execute(nb, cwd=cwd, timeout=TIMEOUT)
    printed = "".join(o["text"] for o in nb.cells[-1].outputs if o.get("name") == "stdout")
    return nb, json.loads(printed)


@pytest.fixture(scope="module")
def lecture(tmp_path_factory):
    return _run("lecture.ipynb", tmp_path_factory.mktemp("lecture"))


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return _run("study.ipynb", tmp_path_factory.mktemp("study"))


# --- the committed files ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["lecture.ipynb", "study.ipynb"])
def test_the_committed_notebooks_are_stripped_of_outputs_and_execution_counts(name):
    path = EXAMPLES / name
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code)
    assert path.read_text(encoding="utf-8") == notebooks.text(notebooks.strip(nb)), (
        f"{name} is not in its stripped state: run python examples/notebooks.py --strip")


def test_strip_removes_what_execute_adds():
    nb = nbformat.read(EXAMPLES / "lecture.ipynb", as_version=4)
    cell = nb.cells[1]
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    cell.execution_count, cell.metadata["execution"] = 3, {"iopub.status.idle": "2026-01-01"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    stripped = notebooks.strip(nb)
    assert stripped.cells[1].outputs == [] and stripped.cells[1].execution_count is None
    assert "execution" not in stripped.cells[1].metadata and stripped.metadata == notebooks.METADATA


@kernel
def test_the_kernel_runs_this_interpreter_with_this_checkouts_uat(lecture, study):
    for nb, values in (lecture, study):
        assert values["executable"] == sys.executable
        assert Path(values["uat_file"]).resolve() == ROOT / "uat" / "__init__.py"
        assert all(cell.execution_count is not None for cell in nb.cells if cell.cell_type == "code")
        stderr = [o["text"] for cell in nb.cells for o in cell.get("outputs", []) if o.get("name") == "stderr"]
        assert not stderr, stderr


# --- the lecture ---------------------------------------------------------------------------------------------------

@kernel
def test_forward_propagation_4_5_3_shapes(lecture):
    _, values = lecture
    assert values["shapes"] == {"1": {"W": [5, 4], "a_in": [4, 1], "z": [5, 1]},
                                "2": {"W": [3, 5], "a_in": [5, 1], "z": [3, 1]}}
    assert values["n_params"] == 5 * 4 + 5 + 3 * 5 + 3


def _one_neuron_per_layer(p: dict):
    return uat.DeepNetwork([[[p["w1"]]], [[p["w2"]]]], [[p["b1"]], [p["b2"]]], activation="sigmoid",
                           output_activation="sigmoid")


@kernel
def test_backprop_chain_rule_equals_uats_gradient_and_a_central_difference(lecture):
    _, v = lecture
    p, a0, y = v["params"], v["a0"], v["y"]
    _, grad = uat.loss_and_grad(_one_neuron_per_layer(p), [[a0]], [y])
    mine = {"w1": grad.weights[0][0, 0], "b1": grad.biases[0][0], "w2": grad.weights[1][0, 0], "b2": grad.biases[1][0]}

    def loss(**change):  # through the network's forward pass only, not uat's gradient code
        return (y - _one_neuron_per_layer({**p, **change})([[a0]])[0, 0]) ** 2

    h = 1e-6
    for name in ("w1", "b1", "w2", "b2"):
        fd = (loss(**{name: p[name] + h}) - loss(**{name: p[name] - h})) / (2 * h)
        assert v["by_uat"][name] == pytest.approx(mine[name], rel=1e-14)
        assert v["chain"][name] == pytest.approx(mine[name], rel=1e-12)
        assert abs(v["chain"][name] - v["central"][name]) <= 1e-9
        assert abs(v["chain"][name] - fd) <= 1e-9


@kernel
def test_yarotsky_square_errors_are_two_to_the_minus_2m_minus_2(lecture):
    _, values = lecture
    eps = np.finfo(float).eps
    assert [int(m) for m in values["yarotsky"]] == [1, 2, 3, 4, 5, 6]
    for m, shown in values["yarotsky"].items():
        m = int(m)
        X = (2 * np.arange(2**m) + 1)[:, None] / 2 ** (m + 1)  # f_m is linear between the knots j 2^-m
        midpoints = np.abs(X[:, 0] ** 2 - uat.yarotsky_square(m)(X)[:, 0]).max()
        assert abs(shown - 2.0 ** (-2 * m - 2)) <= 4 * eps and abs(shown - midpoints) <= 4 * eps


@kernel
def test_the_sawtooth_has_2_to_the_s_pieces_and_a_shallow_relu_net_stays_half_away(lecture):
    _, values = lecture
    s = values["s"]
    tooth = uat.sawtooth(s)
    assert values["pieces"] == 2**s == len(uat.relu_breakpoints(tooth, 0.0, 1.0)) + 1
    fit = uat.fit(lambda X: tooth(X)[:, 0], "[0,1]", width=2**s - 2, activation="relu")
    assert values["tooth_sup"] == pytest.approx(fit.sup_error().value, rel=1e-12) and values["tooth_sup"] >= 0.5


@kernel
def test_the_deep_fit_and_the_tube_fits_show_uats_sup_errors(lecture):
    _, values = lecture
    deep = uat.fit("sin2pi", width=[8, 8], method="backprop", n_samples=256, max_iter=200, seed=0)
    assert values["deep_sup"] == pytest.approx(deep.sup_error().value, rel=1e-12)
    inside = []
    for k, shown in values["tube"].items():
        assert shown == pytest.approx(uat.fit("sin2pi", width=int(k), activation="tanh", seed=0).sup_error().value,
                                      rel=1e-12)
        inside.append(shown < values["eps"])
    assert inside == sorted(inside) and not inside[0] and inside[-1]  # outside for small k, then inside


@kernel
def test_a_polynomial_activation_plateaus_at_the_best_polynomial_error(lecture):
    _, values = lecture
    lower, upper = values["E2"]
    assert lower <= 1 / 8 <= upper and upper - lower < 1e-6  # E_2(|x|) = 1/8 on [-1, 1]: P(x) = x^2 + 1/8
    square, tanh = values["plateau"]["square"], values["plateau"]["tanh"]
    assert min(square.values()) >= 1 / 8 * (1 - 1e-9)  # z^2 networks are quadratics: never below E_2
    assert all(abs(e - 1 / 8) <= 1e-3 / 8 for k, e in square.items() if int(k) >= 4)
    assert tanh["32"] < 1 / 8 / 10
    again = uat.fit("abs", width=8, activation="square", method="minimax", seed=0)
    assert square["8"] == pytest.approx(again.sup_error().value, rel=1e-12)


@kernel
def test_k_star_is_the_first_width_of_the_sweep_below_each_tolerance(lecture):
    _, values = lecture
    errors = {int(k): e for k, e in values["sweep_errors"].items()}
    assert sorted(errors) == list(range(1, 33))
    stars = dict(values["k_star"])
    assert set(stars) == {1e-1, 1e-2, 1e-3, 1e-4, 1e-6}
    for eps, k in stars.items():
        assert k == min(w for w, e in errors.items() if e <= eps)
    again = uat.fit_widths("sin2pi", widths=range(1, 33), activation="tanh", seed=0)
    assert errors == pytest.approx({k: result.sup_error().value for k, result in again.items()}, rel=1e-12)


# --- the study ----------------------------------------------------------------------------------------------------

def _recomputed(rows) -> dict:
    """(target, activation, width) -> the median over replicates of uat.fit(...).sup_error().value, each cell fitted
    here as the study says it fits it; every row's own value checked on the way."""
    by_curve = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", uat.UatWarning)  # z^2 features are rank deficient: the point of the grid
        for row in rows:
            fit = uat.fit(row["target"], row["domain"], width=row["width"], activation=row["activation"],
                          method=row["method"], seed=row["seed"])
            value = fit.sup_error().value
            assert row["sup_error"] == pytest.approx(value, rel=1e-12), row
            by_curve.setdefault((row["target"], row["activation"], row["width"]), []).append(value)
    return {key: float(np.median(values)) for key, values in by_curve.items()}


@kernel
def test_the_study_pivot_and_k_star_table_are_medians_of_uats_fits(study):
    _, values = study
    rows = values["rows"]
    assert len(rows) == values["n_cells"] == 60 and {row["status"] for row in rows} == {"ok"}
    medians = _recomputed(rows)
    assert {(t, a, w): v for t, a, w, v in values["pivot"]} == pytest.approx(medians, rel=1e-12)
    measured = [row for row in values["table"] if row["method"] == "lstsq"]
    assert {(row["target"], row["activation"]) for row in measured} == {(t, a) for t, a, _ in medians}
    for row in measured:
        curve = {w: v for (t, a, w), v in medians.items() if (t, a) == (row["target"], row["activation"])}
        for column, entry in row.items():
            if column.startswith("ε="):
                eps = float(column.split("=")[1])
                reached = [w for w, v in sorted(curve.items()) if v <= eps]
                assert entry == (str(reached[0]) if reached else f">{max(curve)}"), (row, column)


@kernel
def test_the_study_wrote_its_figures_report_and_polynomial_floors(study):
    _, values = study
    assert {"error-vs-width", "k-star", "polynomial-counterexample"} <= set(values["figures"])
    for paths in values["figures"].values():
        assert Path(paths[0]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = Path(values["report"]).read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Study: notebook" in page and "src='http" not in page
    floors = {(t, p): (lower, upper) for t, p, lower, upper in values["floors"]}
    lower, upper = floors["abs", 2]
    assert lower <= 1 / 8 <= upper
