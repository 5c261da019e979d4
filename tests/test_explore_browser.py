"""The explorer in a real browser: Debian's headless Chromium driven by Playwright (nothing downloaded).

The server is started as a user starts it (``uat explore --port P --no-browser``, in a subprocess); every
test fails on a console error or a page error, and on any request to a host other than the server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import numpy as np
import pytest
from click.testing import CliRunner

import uat

pytest.importorskip("bokeh")
playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    assert os.environ.get("CI") != "true", "CI=true but chromium is missing: .ci/run installs it with apt-get"
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)

#: Chromium's flags on a machine with a closed network (no background connections, no first-run, no GPU).
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server():
    from uat.explore.app import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "uat.cli", "explore", "--port", str(port), "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = proc.stdout.readline()
    assert f"serving http://127.0.0.1:{port}/" in line, line
    base = f"http://127.0.0.1:{port}/"
    for _ in range(100):  # the address is printed just before the loop starts
        try:
            urllib.request.urlopen(base, timeout=5).read()
            break
        except OSError:
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(timeout=10)
    proc.stdout.close()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A fresh tab that records console errors, page errors and every request's host."""
    context = browser.new_context(viewport={"width": 1300, "height": 1400})
    tab = context.new_page()
    errors, hosts = [], set()
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on("request", lambda r: hosts.add(urlsplit(r.url).netloc) if urlsplit(r.url).scheme in
           ("http", "https", "ws", "wss") else None)
    tab.errors, tab.hosts = errors, hosts
    yield tab
    context.close()
    assert not errors, f"console errors: {errors}"
    assert hosts <= {urlsplit(server).netloc}, f"the page asked for other hosts: {hosts}"


def shown(tab, state_query: str, timeout=60_000):
    """The sup-error element once the page shows the state ``state_query`` (its query string)."""
    sup = tab.locator(f".uat-sup-text[data-state='{state_query}']")
    sup.wait_for(timeout=timeout)
    return sup


def enter(tab, css: str, text: str) -> None:
    field = tab.locator(f"{css} input")
    field.fill(text)
    field.press("Enter")


def test_the_page_loads_and_shows_the_fit_with_its_measured_sup_error(page, server):
    page.goto(server)
    sup = shown(page, "")
    expected = uat.fit("sin2pi", width=8).sup_error()
    assert float(sup.get_attribute("data-value")) == expected.value
    assert float(sup.get_attribute("data-upper")) == expected.upper
    assert f"{expected.value:.6e}" in sup.inner_text() and "proved bracket" in sup.inner_text()


@pytest.mark.slow  # 2-3 s in the browser; CI's slow step runs it (the default run keeps load, typo, screenshot, downloads)
def test_changing_the_width_refits_and_puts_it_in_the_address(page, server):
    page.goto(server)
    shown(page, "")
    enter(page, ".uat-k", "32")
    sup = shown(page, "k=32")
    assert float(sup.get_attribute("data-value")) == uat.fit("sin2pi", width=32).sup_error().value
    assert re.search(r"[?&]k=32\b", page.url), page.url


@pytest.mark.slow  # 2-3 s in the browser; CI's slow step runs it (the default run keeps load, typo, screenshot, downloads)
def test_a_prepared_address_opens_that_view(page, server):
    page.goto(server + "?target=runge&sigma=relu&k=16&seed=3")
    sup = shown(page, "target=runge&sigma=relu&k=16&seed=3")
    expected = uat.fit("runge", width=16, activation="relu", seed=3).sup_error()
    assert float(sup.get_attribute("data-value")) == expected.value


def test_an_expression_typo_shows_the_command_lines_message_and_the_page_stays_usable(page, server):
    page.goto(server)
    shown(page, "")
    enter(page, ".uat-target", "sin(2*pi*x")
    error = page.locator(".uat-error pre")
    error.wait_for(timeout=30_000)
    cli = CliRunner().invoke(uat.cli.main, ["fit", "sin(2*pi*x", "-d", "[-1,1]", "-k", "8"])
    assert cli.exit_code == 1
    assert error.inner_text().strip() == cli.output.removeprefix("Error: ").strip()
    enter(page, ".uat-target", "runge")  # still usable: a good target replaces the message with its fit
    shown(page, "target=runge")
    assert not page.locator(".uat-error pre").is_visible()


def test_the_screenshot_shows_the_plots(page, server, tmp_path):
    page.goto(server)
    shown(page, "")
    page.locator(".uat-curve-text", has_text="all 9 widths computed").wait_for(timeout=60_000)
    shot = tmp_path / "explore.png"
    page.screenshot(path=str(shot), full_page=True)
    from matplotlib.image import imread

    pixels = (imread(shot)[..., :3] * 255).round().astype(int)
    blue = np.all(np.abs(pixels - [0x00, 0x72, 0xB2]) <= 12, axis=-1)  # g and the curve (Okabe–Ito blue)
    black = np.all(pixels <= 30, axis=-1)  # f
    assert blue.sum() > 2000, blue.sum()
    assert black.sum() > 1000, black.sum()


@pytest.mark.slow  # 2-3 s in the browser; CI's slow step runs it (the default run keeps load, typo, screenshot, downloads)
def test_a_polynomial_sigma_shows_its_plateau(page, server):
    page.goto(server + "?sigma=square&k=16")
    shown(page, "sigma=square&k=16")
    from uat.fitting.polynomial import best_polynomial

    e2 = best_polynomial(uat.get_target("sin2pi"), 2).value
    assert f"E_2(f) = {e2:.4g}" in page.locator(".uat-plateau-text").inner_text()


@pytest.mark.slow  # 2-3 s in the browser; CI's slow step runs it (the default run keeps load, typo, screenshot, downloads)
def test_refit_c_is_a_step_of_the_address(page, server):
    page.goto(server + "?k=4")
    shown(page, "k=4")
    page.locator(".uat-refit button").click()
    sup = shown(page, "k=4&ops=refit")
    from uat.explore.logic import State, compute

    assert float(sup.get_attribute("data-value")) == compute(State(k=4, ops=State.from_query("ops=refit").ops)).estimate.value


@pytest.mark.slow  # 2-3 s in the browser; CI's slow step runs it (the default run keeps load, typo, screenshot, downloads)
def test_a_refused_address_says_so_and_shows_the_defaults(page, server):
    page.goto(server + "?k=abc")
    shown(page, "")
    error = page.locator(".uat-error pre")
    assert "the address's settings were refused, so the defaults are shown: k must be an integer; got 'abc'" in \
        error.inner_text()
    page.wait_for_function("() => !window.location.search")  # the address is the state shown
    assert page.locator(".uat-cancel button").is_disabled() or page.locator(".uat-curve-text").count() == 0


def _get(url, host=None):
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def test_the_downloads_are_the_network_the_figure_and_the_study(server):
    import io
    import tomllib

    from uat.models import load_model
    from uat.study import parse_config

    status, headers, body = _get(server + "export/network.npz?k=5&sigma=relu")
    assert status == 200 and 'filename="uat-sin2pi-network.npz"' in headers["Content-Disposition"]
    X = np.linspace(-1, 1, 33)[:, None]
    np.testing.assert_array_equal(load_model(io.BytesIO(body))(X), uat.fit("sin2pi", width=5, activation="relu").network(X))
    status, headers, body = _get(server + "export/figure.svg?k=5")
    assert status == 200 and headers["Content-Type"] == "image/svg+xml" and b"<svg" in body[:500]
    status, _, body = _get(server + "export/study.toml?target=runge&k=24")
    assert status == 200 and 24 in parse_config(tomllib.loads(body.decode())).widths
    status, _, body = _get(server + "export/study.toml?target=nosuch")
    assert status == 400 and b"unknown target 'nosuch'" in body
    status, _, body = _get(server + "export/figure.gif")
    assert status == 404 and b"the exports are network.npz" in body
    status, _, body = _get(server + "export/network.npz?k=5", host="evil.example:80")
    assert status == 403


@pytest.mark.slow  # 2-3 s in the browser; CI's slow step runs it (the default run keeps load, typo, screenshot, downloads)
def test_a_long_fit_shows_its_progress_and_cancel_stops_it(page, server):
    """backprop at k = 128 trains for about 40 s: the page shows its updates, and Cancel frees the worker at once
    (the fit stops at its next update), so the next setting is answered in seconds."""
    page.goto(server + "?method=backprop&k=128&seed=7")
    page.locator(".uat-progress", has_text="update").wait_for(timeout=60_000)
    page.locator(".uat-cancel button").click()
    start = time.perf_counter()
    enter(page, ".uat-k", "4")
    sup = shown(page, "k=4&method=backprop&seed=7", timeout=30_000)
    assert time.perf_counter() - start < 20
    assert float(sup.get_attribute("data-value")) == uat.fit("sin2pi", width=4, method="backprop", seed=7).sup_error().value
