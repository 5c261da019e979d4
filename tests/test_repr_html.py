"""Rich notebook display: FitResult, SupEstimate and StudyResults show their own numbers, honestly labelled,
escape what users wrote, draw a small figure only where it makes sense, and compute the sup error once."""

import base64
import re
import struct
import textwrap
from html.parser import HTMLParser

import numpy as np
import pytest

import uat
import uat.supnorm
from uat._html import DPI, FIGSIZE
from uat.certify import bracket_refusal
from uat.study import StoreError, StudyResults, open_study, run_study


class _Rows(HTMLParser):
    """The text of a rich display: ``rows`` (th → td text of two-column tables, entities decoded), the header
    cells and body rows of tables with a head, the images' sources, and every text run."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.rows, self.heads, self.body, self.images, self.texts = {}, [], [], [], []
        self._cell, self._tag, self._row = None, None, None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        if tag == "tr":
            self._row = []
        if tag in ("th", "td"):
            self._tag, self._cell = tag, []

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self._row.append((self._tag, "".join(self._cell)))
            self._cell = None
        if tag == "tr" and self._row is not None:
            kinds = [kind for kind, _ in self._row]
            if kinds == ["th", "td"]:
                self.rows[self._row[0][1]] = self._row[1][1]
            elif all(kind == "th" for kind in kinds):
                self.heads = [text for _, text in self._row]
            else:
                self.body.append([text for _, text in self._row])
            self._row = None

    def handle_data(self, data):
        self.texts.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _png_size(src: str) -> tuple[int, int]:
    """(width, height) in pixels of a ``data:image/png;base64,`` source, from its IHDR chunk."""
    prefix = "data:image/png;base64,"
    assert src.startswith(prefix)
    data = base64.b64decode(src[len(prefix):])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def runge():
    return uat.fit("runge", width=24)


def test_fit_display_shows_the_results_own_numbers(runge):
    estimate = runge.sup_error()
    page = _Rows(runge._repr_html_())
    rows = page.rows
    assert rows["target"] == "runge" and rows["domain"] == str(runge.domain) and rows["σ"] == "tanh"
    assert rows["method"] == "lstsq, seed 0" and rows["width"] == "24"
    assert rows["n_params"] == str(runge.network.n_params) == "72"  # 24 (a) + 24 (b) + 24 (C)
    assert rows["training"] == (f"max {runge.train_max:.4g}, rms {runge.train_rms:.4g} on {runge.n_samples} "
                                "points")
    assert rows["fit time"] == f"{runge.fit_seconds:.4g} s"
    assert rows["sup error"].startswith(f"{estimate.value:.4g} at x = ({estimate.argmax[0]:.4g}) ")
    assert "lower bound of the true sup" in rows["sup error"]
    assert estimate.upper is not None  # runge has a Lipschitz constant: a certified bracket
    assert rows["certified bracket"].startswith(f"[{estimate.lower:.4g}, {estimate.upper:.4g}]")
    assert rows["found by"] == estimate.method
    assert rows["raw grid maximum"] == f"{estimate.initial:.4g}" and rows["evaluations"] == str(estimate.n_evals)
    assert rows["rounding floor"] == f"{estimate.floor:.4g}"


def test_a_1d_fit_shows_a_small_figure(runge):
    (src,) = _Rows(runge._repr_html_()).images
    assert _png_size(src) == (round(FIGSIZE[1][0] * DPI), round(FIGSIZE[1][1] * DPI))


def test_displaying_twice_computes_the_sup_error_once(monkeypatch):
    calls = []
    real = uat.supnorm.sup_error

    def counted(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(uat.supnorm, "sup_error", counted)
    result = uat.fit("abs", width=8)
    first = result._repr_html_()
    assert result._repr_html_() == first and len(calls) == 1
    assert result.sup_error() is result.sup_error() and len(calls) == 1  # the display's estimate, cached
    fresh = result.sup_error(certify=False)  # any argument: a fresh estimate, not cached
    assert len(calls) == 2 and fresh is not result.sup_error() and fresh.upper is None
    assert result.sup_error().upper is not None and len(calls) == 2


def test_a_hostile_target_is_escaped_and_the_missing_bound_explained():
    result = uat.fit("x<0.5", "[-1,1]", width=6)
    page = result._repr_html_()
    assert "x<0.5" not in page and "x&lt;0.5" in page
    rows = _Rows(page).rows
    assert rows["target"] == "x<0.5"
    estimate = result.sup_error()
    assert estimate.upper is None
    why = bracket_refusal(result.target, result.network)
    assert "no known Lipschitz constant" in why
    assert rows["certified bracket"] == f"no proved upper bound: {why}"

    named = uat.Target(lambda X: np.sin(X[:, 0]), name="<script>alert('x')</script>", domain=uat.Box([-1], [1]))
    page = uat.fit(named, width=4)._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_figures_for_1d_and_2d_only():
    assert len(_Rows(uat.fit("franke", width=8)._repr_html_()).images) == 1  # heat maps of f, g, |f − g|
    result = uat.fit("sin(x1 + x2 - x3)", "[-1,1]^3", width=8)
    page = _Rows(result._repr_html_())
    assert page.images == [] and page.rows["sup error"].startswith(f"{result.sup_error().value:.4g} at x = (")


def test_a_deep_fit_shows_its_hidden_widths():
    result = uat.fit("sin2pi", width=[3, 3], method="backprop", max_iter=5)
    rows = _Rows(result._repr_html_()).rows
    assert rows["hidden widths"] == "[3, 3]" and rows["n_params"] == str(result.network.n_params) == "22"


def test_sup_estimate_display():
    estimate = uat.sup_error("abs", lambda X: X[:, 0] ** 2)  # a callable g: no bracket
    rows = _Rows(estimate._repr_html_()).rows
    assert rows["sup error"].startswith(f"{estimate.value:.4g} at x = ({estimate.argmax[0]:.4g})")
    assert rows["certified bracket"].startswith("no proved upper bound: ")
    g = uat.ShallowNetwork([[1.0]], [0.0], [[0.5]], "relu")  # sup |x| − max(x, 0)/2 = 1 at x = −1
    certified = uat.sup_error("abs", g)
    rows = _Rows(certified._repr_html_()).rows
    assert rows["certified bracket"].startswith(f"[{certified.lower:.4g}, {certified.upper:.4g}]")
    assert rows["sup error"].startswith("1 at x = (-1)")


STUDY = """
name = "shown"
seed = 1
domain = "[-1,1]"

[grid]
target = ["x<0.5", "sin(2*pi*x)", "log(x)"]
activation = ["tanh"]
width = [4, 8]
method = ["lstsq"]
repeats = 1

[evaluation]
tolerances = [0.5, 0.05]
"""


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shown")
    path = folder / "study.toml"
    path.write_text(textwrap.dedent(STUDY))
    run_study(path, folder / "out", jobs=1)
    return open_study(folder / "out")


def test_study_results_hold_the_folders_numbers(study):
    assert isinstance(study, StudyResults) and study.name == "shown"
    assert study.results.equals(uat.load_results(study.folder))
    assert len(study.results) == 6 and (study.results["status"] == "failed").sum() == 2  # log(x) on [-1, 1]
    assert study.counts == {"total": 6, "done": 6, "ok": 4, "failed": 2}
    table = study.k_star_table()
    assert list(table.columns[3:5]) == ["ε=0.5", "ε=0.05"]
    assert list(study.k_star_table([0.9]).columns[3:4]) == ["ε=0.9"]
    with pytest.raises(ValueError, match=r"tolerances\[1\] must be > 0; got -1.0"):
        study.k_star_table([0.1, -1])
    with pytest.raises(TypeError, match="tolerances must be a sequence of numbers > 0"):
        study.k_star_table(object())
    assert "6 of 6 cells finished, 4 ok, 2 failed" in repr(study)


def test_study_display(study):
    page = study._repr_html_()
    assert "x<0.5" not in page and "x&lt;0.5" in page
    shown = _Rows(page)
    assert shown.rows["cells"] == "6 of 6 finished: 4 ok, 2 failed"
    assert shown.rows["tolerances ε"] == "0.5, 0.05"
    table = study.k_star_table()
    assert shown.heads == list(table.columns)
    assert shown.body == [["" if v is None else str(v) for v in row] for row in table.itertuples(index=False)]
    (src,) = shown.images
    width, height = _png_size(src)
    assert 300 < width < 1200 and 150 < height < 600
    assert study._repr_html_() is page  # made once


def test_open_study_refuses_a_folder_that_is_no_study(tmp_path):
    with pytest.raises(StoreError, match=r"is not a study folder \(no results.sqlite\)"):
        open_study(tmp_path)


def test_a_study_without_successes_says_so(tmp_path):
    path = tmp_path / "study.toml"
    path.write_text(textwrap.dedent(STUDY).replace('["x<0.5", "sin(2*pi*x)", "log(x)"]', '["log(x)"]')
                    .replace("width = [4, 8]", "width = [4]"))
    run_study(path, tmp_path / "out", jobs=1)
    page = _Rows(open_study(tmp_path / "out")._repr_html_())
    assert page.rows["cells"] == "1 of 1 finished: 0 ok, 1 failed" and page.images == []
    assert re.search(r"No cell has succeeded yet", "".join(page.texts))
