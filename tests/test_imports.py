"""What importing uat costs, as the modules it loads (nothing is timed here: benchmarks/bench_import.py times it).

Each check runs in a fresh interpreter, since this one has long imported everything.
"""

import json
import subprocess
import sys

import pytest

import uat

HEAVY = ("numpy", "scipy", "scipy.stats", "pandas", "matplotlib")


def _modules_after(code: str) -> list[str]:
    """Every module a fresh interpreter has loaded after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _loaded_after(code: str) -> list[str]:
    """The HEAVY modules a fresh interpreter has loaded after running ``code``."""
    return [m for m in _modules_after(code) if m in HEAVY]


def _uat_modules_after(code: str) -> list[str]:
    """The uat modules (other than the facade) a fresh interpreter has loaded after running ``code``."""
    return [m for m in _modules_after(code) if m.startswith("uat.")]


def test_import_uat_loads_no_numpy_scipy_pandas_or_matplotlib():
    assert _loaded_after("import uat") == []


def test_import_uat_loads_none_of_its_modules_and_the_version_only_its_own():
    assert _uat_modules_after("import uat") == []
    assert _uat_modules_after("import uat; uat.__version__") == ["uat._version"]
    assert _uat_modules_after("from uat import __version__") == ["uat._version"]


def test_the_version_is_the_packages():
    import tomllib
    from pathlib import Path

    from uat._version import __version__

    project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]
    assert uat.__version__ == __version__ == project["version"]


def test_fitting_and_the_sup_norm_load_numpy_and_scipy_but_not_scipy_stats_pandas_or_matplotlib():
    assert _loaded_after("import uat; uat.fit, uat.fit_widths, uat.sup_error, uat.Box, uat.ShallowNetwork") == [
        "numpy", "scipy"]


def test_uat_help_and_version_load_none_of_them():
    for flag in ("--help", "--version"):
        assert _loaded_after(f"from uat.cli import main\ntry:\n    main([{flag!r}])\nexcept SystemExit:\n    pass") == []


def test_uat_version_prints_the_version():
    from click.testing import CliRunner

    from uat.cli import main

    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"uat, version {uat.__version__}"


def test_the_study_loads_pandas_when_used():
    assert "pandas" in _loaded_after("from uat import load_results")


def test_every_public_name_resolves_and_dir_lists_it():
    for name in uat.__all__:
        assert getattr(uat, name) is not None, name
    assert set(uat.__all__) <= set(dir(uat))
    from uat import load_results, run_study  # noqa: F401 - the facade's lazy names import as usual
    from uat.study import load_results as stored

    assert load_results is stored and uat.study.run_study is run_study


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'fitt'"):
        uat.fitt  # noqa: B018
    assert not hasattr(uat, "__wrapped__")
