"""The study run's progress bar (tqdm): redrawn on a terminal, about ten lines in a log, the failed cells shown,
no warning in a notebook without ipywidgets; callables still called as before."""

import importlib.util
import io
import subprocess
import sys
import textwrap

import pytest

from uat.study import run_study
from uat.study.progress import STEPS, StudyProgress, as_progress

STUDY = """
name = "bar"
seed = 2
domain = "[-1,1]"

[grid]
target = ["abs", "log(x)"]
activation = ["tanh"]
width = [4, 8]
method = ["lstsq"]
repeats = 1
"""


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _draws(text: str) -> list[str]:
    """The states a text bar wrote, in order (tqdm starts each redraw with a carriage return)."""
    return [part.strip() for part in text.split("\r") if part.strip()]


def test_a_log_gets_about_ten_lines_with_the_failures():
    log = io.StringIO()
    bar = StudyProgress("study x", file=log)
    for done in range(0, 201):
        bar(done, 200, done // 50, 0.0)
    draws = _draws(log.getvalue())
    assert STEPS <= len(draws) <= STEPS + 3  # the first, one per 20 cells, and the closing one
    assert draws[0].startswith("study x:   0%|") and "0/200" in draws[0] and "failed=0" in draws[0]
    assert draws[-1].startswith("study x: 100%|") and "200/200" in draws[-1] and "failed=4" in draws[-1]
    assert log.getvalue().endswith("\n")  # closed when done reached total
    bar(200, 200, 4, 0.0)  # a call after the end changes nothing
    bar.close()
    assert len(_draws(log.getvalue())) == len(draws)


def test_a_terminal_gets_tqdms_own_redraws():
    assert StudyProgress().settings(1000, _Terminal()) == {}
    assert StudyProgress().settings(1000, io.StringIO()) == {"miniters": 100, "mininterval": 0.0,
                                                             "maxinterval": float("inf")}
    screen = _Terminal()
    bar = StudyProgress("s", file=screen)
    bar(3, 10, 1, 0.0)  # resumed: 3 cells finished before
    assert "3/10" in _draws(screen.getvalue())[0] and "failed=1" in screen.getvalue()
    bar.close()


def test_as_progress():
    assert as_progress(None) is None and as_progress(False) is None
    assert isinstance(as_progress(True, "study s"), StudyProgress) and as_progress(True, "study s").desc == "study s"

    def mine(done, total, failed, elapsed):
        pass

    assert as_progress(mine) is mine
    with pytest.raises(TypeError, match=r"progress must be True \(a tqdm bar\), False, None or a callable .*; got 3"):
        as_progress(3)


@pytest.fixture(scope="module")
def study_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("bar") / "study.toml"
    path.write_text(textwrap.dedent(STUDY))
    return path


def test_run_study_with_a_bar_and_with_a_callable(study_file, tmp_path, capsys):
    frame = run_study(study_file, tmp_path / "out", jobs=1, progress=True)
    err = capsys.readouterr().err
    failed = int((frame["status"] != "ok").sum())
    assert failed == 2 and "study bar: 100%" in err and "4/4 [" in err and f"failed={failed}]" in err
    calls = []
    run_study(study_file, tmp_path / "out", jobs=1, force=True, progress=lambda *a: calls.append(a))
    assert calls[0] == (0, 4, 0, 0.0) and [c[0] for c in calls[1:]] == sorted(c[0] for c in calls[1:])
    assert calls[-1][:3] == (4, 4, 2)
    run_study(study_file, tmp_path / "out", jobs=1, progress=True)  # resumed, nothing to run: the bar says 4/4
    assert "4/4 [" in capsys.readouterr().err
    with pytest.raises(TypeError, match="progress must be True"):
        run_study(study_file, tmp_path / "out", jobs=1, progress="yes")


def test_no_warning_in_a_notebook_without_ipywidgets():
    """In a Jupyter kernel without ipywidgets tqdm.auto warns "IProgress not found" (the second half shows it
    does here); the study bar picks tqdm's text bar itself and warns nothing."""
    code = textwrap.dedent("""
        import importlib.util, io, warnings
        import ipykernel.zmqshell  # what tqdm.autonotebook takes for a notebook
        assert importlib.util.find_spec("ipywidgets") is None
        from uat.study.progress import StudyProgress, in_notebook
        assert in_notebook()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            bar = StudyProgress("nb", file=io.StringIO())
            for done in range(11):
                bar(done, 10, 0, 0.0)
        assert caught == [], [str(w.message) for w in caught]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            import tqdm.auto
        print([str(w.message) for w in caught])
    """)
    if importlib.util.find_spec("ipywidgets") is not None:
        pytest.skip("ipywidgets is installed: tqdm.auto draws its widget")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "IProgress not found" in out.stdout
