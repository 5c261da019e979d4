"""The README's promises: its commands match CI, and its Python example prints what it says."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
NUMBER = re.compile(r"[-+]?\d+\.\d+e[-+]\d+|[-+]?\d+\.\d+")


def _blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_ci_runs_exactly_the_readme_test_command():
    install_and_run, install_and_test = _blocks("bash")[0].strip().splitlines()
    assert "uat " in install_and_run and "pytest" in install_and_test
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert install_and_test.strip() in ci_lines


def test_python_example_prints_what_the_readme_shows():
    code = _blocks("python")[0]
    after = README.split(code, 1)[1]
    expected = re.search(r"\n```\n(.*?)```", after, flags=re.S).group(1).strip().splitlines()
    run = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    printed = run.stdout.strip().splitlines()
    assert len(printed) == len(expected)
    for got, want in zip(printed, expected):
        assert NUMBER.sub("#", got) == NUMBER.sub("#", want)  # the words are exact
        for g, w in zip(NUMBER.findall(got), NUMBER.findall(want)):
            assert float(g) == pytest.approx(float(w), rel=0.02, abs=1e-3 if "e" not in w else 0)


@pytest.mark.slow  # 12 s: the README's main job end to end; CI's slow step runs it
def test_main_job_runs_and_writes_its_table_and_figures(tmp_path):
    """The README's first line after the install, run as written in a scratch folder."""
    install_and_run = _blocks("bash")[0].strip().splitlines()[0]
    commands = install_and_run.split("pip install -e . && ", 1)[1]
    (tmp_path / "studies").mkdir()
    (tmp_path / "studies" / "quickstart.toml").write_text((ROOT / "studies" / "quickstart.toml").read_text())
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run(["bash", "-c", commands], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert "189 cells in out/quickstart: 189 ok, 0 failed" in run.stdout
    assert "k*(ε)" in run.stdout and "sin(2*pi*x)" in run.stdout
    figures = tmp_path / "out" / "quickstart" / "figures"
    for name in ("error-vs-width.png", "k-star.png", "units-sin-2-pi-x-k64.png", "activations.png"):
        assert (figures / name).stat().st_size > 10_000
    # as the README says: a fit up close per target
    fits = sorted(p.name for p in figures.glob("fit-*.png"))
    assert len(fits) == 3 and all(any(f.startswith(f"fit-{t}-") for f in fits) for t in ("sin-2-pi-x", "runge", "abs"))
