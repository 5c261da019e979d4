"""The uat command, through click's CliRunner."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

import uat
from uat.cli import main


@pytest.fixture
def run():
    def invoke(*args):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    return invoke


def test_fit_prints_the_sup_error_rms_and_time(run):
    result = run("fit", "runge", "--width", "32")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "target      runge on [-1,1]"
    assert any(line.startswith("sup error   ") and "at x = (" in line for line in lines)
    assert any(line.startswith("rms error   ") for line in lines)
    assert any(line.startswith("time        fit ") for line in lines)


def test_fit_json_has_the_documented_keys_and_true_values(run):
    result = run("fit", "sin(2*pi*x)", "--domain", "[-1,1]", "-a", "relu", "-k", "48", "-s", "3", "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    for key in ("sup_error", "argmax", "rms_error", "width", "activation", "method", "seed", "fit_seconds"):
        assert key in record
    assert (record["width"], record["activation"], record["method"], record["seed"]) == (48, "relu", "lstsq", 3)
    # The printed numbers are those of the library call with the same arguments.
    again = uat.fit("sin(2*pi*x)", "[-1,1]", width=48, activation="relu", seed=3)
    assert record["sup_error"] == pytest.approx(again.sup_error().value, rel=1e-12)
    assert record["rms_error"] == pytest.approx(uat.rms_error(again.target, again.network), rel=1e-12)
    assert record["sup_error"] >= record["train_max"]


def test_options_are_passed_to_the_method(run):
    record = json.loads(run("fit", "franke", "-k", "20", "-o", "n_samples=400", "-o", "sampling=sobol",
                            "-o", "ridge=1e-8", "--json").output)
    assert record["n_samples"] == 400
    assert record["diagnostics"]["sampling"] == "sobol" and record["diagnostics"]["ridge"] == 1e-8


def test_plot_and_save(run, tmp_path):
    plot, saved = tmp_path / "fit.png", tmp_path / "net.npz"
    result = run("fit", "abs", "-k", "16", "--plot", str(plot), "--save", str(saved))
    assert result.exit_code == 0, result.output
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    network = uat.ShallowNetwork.load(saved)
    np.testing.assert_array_equal(network.C, uat.fit("abs", width=16).network.C)


def test_plot_in_two_dimensions(run, tmp_path):
    plot = tmp_path / "franke.svg"
    assert run("fit", "franke", "-k", "16", "--plot", str(plot)).exit_code == 0
    assert plot.read_text().lstrip().startswith("<?xml")
    pdf = tmp_path / "franke.PDF"  # the suffix picks the format, whatever its case
    assert run("fit", "franke", "-k", "16", "--plot", str(pdf)).exit_code == 0
    assert pdf.read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize("args, message", [
    (["fit", "runga"], "unknown target 'runga' (did you mean 'runge'?)"),
    (["fit", "x.real", "-d", "[0,1]"], "cannot use attribute access in an expression (column 1)"),
    (["fit", "runge", "-k", "0"], "width must be an integer >= 1; got 0"),
    (["fit", "runge", "-a", "tahn"], "unknown activation 'tahn' (did you mean 'tanh'?)"),
    (["fit", "runge", "-o", "n_sample=10"], "unknown option 'n_sample' for method 'lstsq' (did you mean 'n_samples'?)"),
    (["fit", "sin(x)"], "needs a domain"),
    (["fit", "sin(x)", "-d", "[1,-1]"], "lower=1.0 >= upper=-1.0"),
    (["fit", "runge", "-o", "novalue"], "options are KEY=VALUE"),
    (["fit", "runge", "--plot", "/nonexistent-dir/x.png"], "its folder '/nonexistent-dir' does not exist"),
    (["fit", "runge", "--plot", "fit.jpg"], "the file name must end in one of .png, .pdf, .svg; got 'fit.jpg'"),
])
def test_errors_are_readable_without_traceback(run, args, message):
    result = run(*args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args, message", [
    (["fit", "runge", "--domain", "[-1,1]^2"], "target 'runge' is defined on 1-D points"),
    (["fit", "circle", "--domain", "[-1,1]^2"], "target 'circle' is defined on 1-D points"),
    (["fit", "franke", "--domain", "[-1,1]"], "target 'franke' is defined on 2-D points"),
    (["fit", "1e308*x", "--domain", "[-1,1]"], "the output weights C overflow float64 (they would reach"),
    (["fit", "x", "--domain", "[0,1e-300]"], "Box side 1, [0, 1e-300], has length 1e-300; uat takes lengths from"),
    (["fit", "sin(x)", "--domain", "[-1e300,1e300]", "-k", "4"], "has length 2e+300; uat takes lengths from"),
    (["fit", "x", "--domain", "[-inf,1]"], "domain bounds must be finite numbers (K is compact); got '-inf'"),
    (["fit", "x", "--domain", "ball(center=[0,0], radius=1, extra=2)"], "unknown argument 'extra' of ball(...); "
                                                                        "accepted: center, radius"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_hostile_inputs_end_in_one_error_line(args, message):
    """Issue 15's reproductions: exit status 1 and one readable line, never a traceback or a result."""
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and message in errors[0], result.output
    assert "Traceback" not in result.output and "sup error" not in result.output


@pytest.mark.parametrize("method", ["lstsq", "backprop"])
def test_a_huge_target_reports_its_finite_errors(run, method):
    """Issue 15: 1e200·sin x reported sup error inf as 'rounding noise' (lstsq) or died (backprop)."""
    options = ["-o", "max_iter=50"] if method == "backprop" else []
    result = run("fit", "1e200*sin(x)", "--domain", "[-1,1]", "-k", "8", "-m", method, *options, "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    for key in ("sup_error", "rms_error", "train_rms", "train_max", "rounding_floor"):
        assert isinstance(record[key], float) and 0 < record[key] < 1e199, (key, record[key])
    assert record["sup_error"] > 10 * record["rounding_floor"]  # an approximation error, not rounding noise


def test_warnings_are_printed_as_one_line(run):
    result = CliRunner().invoke(main, ["fit", "runge", "-k", "128"], catch_exceptions=False)
    assert result.exit_code == 0
    warnings_lines = [line for line in result.output.splitlines() if line.startswith("warning: ")]
    assert len(warnings_lines) == 1 and "rank deficient" in warnings_lines[0]


@pytest.mark.parametrize("what, names", [
    ("activations", ["tanh", "relu", "heaviside", "square"]),
    ("targets", ["runge", "franke", "circle", "takagi"]),
    ("methods", ["lstsq", "minimax", "n_samples"]),
])
def test_list(run, what, names):
    result = run("list", what)
    assert result.exit_code == 0
    for name in names:
        assert name in result.output
    assert len(result.output.splitlines()) >= 2


def test_list_rejects_unknown_registries(run):
    result = CliRunner().invoke(main, ["list", "widths"])
    assert result.exit_code == 2 and "Invalid value" in result.output


# --- every error is one readable line, never a traceback ---------------------------------------------

@pytest.mark.parametrize("error, line", [
    (MemoryError(), "Error: out of memory (MemoryError); lower width, n_samples or n_points"),
    (ZeroDivisionError("float division by zero"),
     "Error: ZeroDivisionError: float division by zero (unexpected: please report it as a uat bug, with the "
     "command you ran)"),
    (IndexError("index 1 is out of bounds"), "Error: IndexError: index 1 is out of bounds (unexpected: please "
                                             "report it as a uat bug, with the command you ran)"),
    (KeyError("config"), "Error: KeyError: 'config' (unexpected: please report it as a uat bug, with the command "
                         "you ran)"),
    (__import__("sqlite3").OperationalError("disk I/O error"),
     "Error: the study store failed (sqlite3.OperationalError: disk I/O error)"),
    (ValueError("width must be an integer >= 1; got 0"), "Error: width must be an integer >= 1; got 0"),
    (Exception("something else"), "Error: Exception: something else (unexpected: please report it as a uat bug, "
                                  "with the command you ran)"),
])
def test_every_error_is_one_line_and_a_non_zero_exit(run, monkeypatch, tmp_path, error, line):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(uat, "fit", fail)
    result = run("fit", "runge", "-k", "8")
    assert result.exit_code == 1 and result.output == line + "\n", result.output
    import uat.study as study
    from uat.study.store import StudyStore

    monkeypatch.setattr(study, "load_results", fail)
    monkeypatch.setattr(StudyStore, "config", lambda self: {})
    result = run("study", "table", str(tmp_path))
    assert result.exit_code == 1 and result.output == line + "\n", result.output


def test_click_usage_errors_stay_as_they_are(run):
    result = CliRunner().invoke(main, ["fit", "runge", "--width", "many"])
    assert result.exit_code == 2 and "Invalid value for '--width' / '-k': 'many' is not a valid integer" in result.output


def test_a_fit_too_big_for_the_machine_is_one_line(run):
    result = run("fit", "runge", "--width", "100000000")
    assert result.exit_code == 1
    assert result.output.startswith("Error: width = 100000000 with n_samples = 400000000 (the default, "
                                    "max(2048, 4·width)) needs about 8e+17 bytes for the feature matrix")
    assert len(result.output.splitlines()) == 1


def test_no_certify_skips_the_upper_bound_and_says_so():
    runner = CliRunner()
    certified = runner.invoke(main, ["fit", "abs", "-a", "relu", "-k", "8", "--json"])
    plain = runner.invoke(main, ["fit", "abs", "-a", "relu", "-k", "8", "--json", "--no-certify"])
    assert certified.exit_code == 0 and plain.exit_code == 0, plain.output
    with_bound, without = json.loads(certified.output), json.loads(plain.output)
    assert with_bound["sup_upper"] >= with_bound["sup_error"] and with_bound["certify"] is True
    assert without["sup_upper"] is None and without["certify"] is False
    assert "branch and bound" not in without["sup_method"]
    # the estimate's facts as data, beside the prose derived from them
    assert with_bound["sup_facts"]["outcome"] in ("converged", "budget", "hopeless")
    assert with_bound["sup_facts"]["search"] == "1-D grid" and "outcome" not in without["sup_facts"]
    text = runner.invoke(main, ["fit", "abs", "-a", "relu", "-k", "8", "--no-certify"])
    assert "no upper bound (--no-certify)" in text.output
    budget = runner.invoke(main, ["fit", "abs", "--certify-evals", "0"])
    assert budget.exit_code == 1 and "certify_evals must be an integer >= 1; got 0" in budget.output


def test_the_table_formats_of_the_command_are_the_library_s():
    from uat.cli import TABLE_FORMATS
    from uat.study.tables import FORMATS

    assert tuple(TABLE_FORMATS) == tuple(FORMATS)


def test_fit_takes_the_hidden_widths_of_a_deep_network_and_saves_it(run, tmp_path):
    from uat.models import load_model

    saved = tmp_path / "deep.npz"
    args = ("fit", "sin2pi", "-k", "8,8", "-m", "backprop", "-o", "max_iter=50", "-o", "n_samples=256")
    result = run(*args, "--json", "--save", str(saved))
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    again = uat.fit("sin2pi", width=[8, 8], method="backprop", max_iter=50, n_samples=256)
    assert record["width"] == [8, 8] and record["sup_error"] == pytest.approx(again.sup_error().value, rel=1e-12)
    assert record["depth"] == 3 and record["widths"] == [1, 8, 8, 1] and record["n_params"] == 97
    assert record["sup_upper"] == record["bracket"]["upper"] >= record["sup_error"] and record["no_bracket"] is None
    network = load_model(saved)
    assert type(network).__name__ == "DeepNetwork" and network.widths == (1, 8, 8, 1)
    text = run(*args).output
    assert "deep network 1 → 8 → 8 → 1" in text and "σ not used" not in text


def test_fit_says_why_no_upper_bound_was_proved(run):
    result = run("fit", "sin(3*x)", "-d", "[-1,1]", "-k", "4,4", "-m", "backprop", "-o", "max_iter=5", "-o",
                 "n_samples=64", "--json")
    record = json.loads(result.output)
    assert record["sup_upper"] is None and record["bracket"] is None and record["certify"]
    assert "has no known Lipschitz constant on [-1,1]" in record["no_bracket"]
    shallow = json.loads(run("fit", "sin2pi", "-k", "4", "--json").output)
    assert shallow["depth"] == 2 and shallow["widths"] == [1, 4, 1] and shallow["n_params"] == 12
    assert shallow["approximant"] == "network 1 → 4 → 1 (C σ(Ax + b), tanh; 12 parameters)"
    assert shallow["no_bracket"] is None and shallow["bracket"]["upper"] == shallow["sup_upper"]


def test_fit_takes_the_facts_a_certified_bound_needs(run):
    """--lipschitz and --curvature give an expression target the facts its bracket needs; the bound holds."""
    args = ("fit", "sin(3*x)", "-d", "[-1,1]", "-k", "8", "--json")
    record = json.loads(run(*args, "--lipschitz", "3", "--curvature", "9").output)
    assert record["no_bracket"] is None and record["bracket"]["lipschitz"] == 3.0
    X = np.linspace(-1, 1, 200001)[:, None]
    net = uat.fit("sin(3*x)", "[-1,1]", width=8).network
    dense = float(np.max(np.abs(np.sin(3 * X[:, 0]) - net(X)[:, 0])))
    assert record["sup_error"] <= dense * (1 + 1e-9) and record["sup_upper"] >= dense
    assert "--lipschitz" in json.loads(run(*args).output)["no_bracket"]
    bad = run(*args, "--lipschitz", "-1")
    assert bad.exit_code == 1 and "lipschitz must be a finite number >= 0" in bad.output


@pytest.mark.parametrize("width, message", [
    ("8,x", "must be an integer such as 64 or comma-separated hidden widths such as 16,16; got '8,x'"),
    ("8,0", "width must be an integer >= 1 or a non-empty list of them"),
])
def test_a_bad_deep_width_is_refused_with_its_message(width, message):
    result = CliRunner().invoke(main, ["fit", "sin2pi", "-k", width, "-m", "backprop"])
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output
