"""How fast the explorer answers: a setting changed in the page, until its fit and sup error are drawn.

Goal (issue 16): "fits at widths up to 256 in 1-D answer within the time of the fit plus sup-norm estimate".
The floor is the work itself: the fit and its sup-norm estimate, as the server measured them for that very
request (the page's status line). The page adds the round trip, queueing on the worker, gathering the plot
data and drawing. Measured here in Debian's headless Chromium (Playwright) against ``uat explore`` started in a
subprocess, as a user starts it: for each case the seed is changed in the page (so nothing is cached) and the
clock runs from the Enter key until the sup-error line of that state is in the page (checked every animation
frame); the next change waits
until the error-against-width curve of the last one is complete (for backprop: until Cancel stopped it), so
the worker is idle when it starts.

Backprop at k = 256 is 90 s of work a fit, so it gets 2 repeats. Rows: per case the answer time, the fit + sup floor, and the overhead (answer − floor), median [min-max].
Goal: overhead ≤ 0.5 s at k = 256 (info rows for the rest).

Usage: python benchmarks/bench_explore.py [--quick] [--repeats R] [--out FILE] [--json FILE]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Report, Stats, command, parser, table  # noqa: E402

SOURCE = "issue 16"
#: (id, what, query of the prepared page); the seed is then changed in the page
CASES = [
    ("lstsq256", "lstsq, tanh, k = 256, sin 2πx", "k=256"),
    ("minimax256", "minimax, tanh, k = 256, sin 2πx", "k=256&method=minimax"),
    ("relu256", "lstsq, relu, k = 256, Runge", "k=256&sigma=relu&target=runge"),
    ("backprop256", "backprop, tanh, k = 256, sin 2πx", "k=256&method=backprop"),
    ("lstsq8", "lstsq, tanh, k = 8, sin 2πx", ""),
]
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def _server():
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from uat.explore.app import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "uat.cli", "explore", "--port", str(port), "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    proc.stdout.readline()
    base = f"http://127.0.0.1:{port}/"
    for _ in range(100):
        try:
            urllib.request.urlopen(base, timeout=5).read()
            return proc, base
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("uat explore did not start")


def _measure(page, query: str, seed: int) -> tuple[float, float]:
    """(answer seconds, fit + sup seconds) of changing the seed to ``seed`` on the page prepared by ``query``."""
    state = "&".join(p for p in (query, f"seed={seed}") if p)
    state = "&".join(sorted(state.split("&"), key=lambda p: _ORDER.index(p.split("=")[0])))
    field = page.locator(".uat-seed input")
    field.fill(str(seed))
    start = time.perf_counter()
    field.press("Enter")
    page.wait_for_function(_SHOWN, arg=state, polling="raf", timeout=600_000)
    answer = time.perf_counter() - start
    status = page.locator(".uat-status-text")
    fit, sup = float(status.get_attribute("data-fit")), float(status.get_attribute("data-sup"))
    _settle(page)
    return answer, fit + sup


def _settle(page) -> None:
    """Leave the worker idle: wait for the error-against-width curve, or, where it would take long (backprop up
    to k = 256), press Cancel and give the width in flight 3 s to finish."""
    if "method=backprop" in page.url:
        page.locator(".uat-cancel button").click()
        page.locator(".uat-curve-text", has_text="cancelled").wait_for(timeout=60_000)
        time.sleep(3)
    else:
        page.locator(".uat-curve-text", has_text="widths computed").wait_for(timeout=600_000)


#: Whether the page shows the state: checked every animation frame (a locator's wait polls at 100-500 ms
#: intervals, which measured as 0.3-0.5 s of "overhead"), through Bokeh's shadow roots.
_SHOWN = """(state) => {
    const find = (root) => {
        for (const el of root.querySelectorAll('*')) {
            if (el.classList.contains('uat-sup-text') && el.dataset.state === state) return true;
            if (el.shadowRoot && find(el.shadowRoot)) return true;
        }
        return false;
    };
    return find(document);
}"""

_ORDER = ["target", "domain", "sigma", "k", "depth", "method", "seed", "eps", "ops"]


def main(argv=None) -> None:
    from playwright.sync_api import sync_playwright

    args = parser(__doc__, repeats=5).parse_args(argv)
    repeats = 2 if args.quick else args.repeats
    cases = CASES[-1:] if args.quick else CASES
    report = Report("bench_explore.py", "How fast the explorer answers", command("bench_explore.py", args,
                                                                                 {"repeats": 5}), args.quick)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    proc, base = _server()
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
            page = browser.new_page(viewport={"width": 1300, "height": 1400})
            for key, what, query in cases:
                page.goto(base + (f"?{query}" if query else ""))
                page.locator(".uat-sup-text").wait_for(timeout=600_000)
                _settle(page)
                answers, floors = [], []
                for r in range(min(repeats, 2) if "backprop" in key else repeats):  # 90 s a fit
                    answer, floor = _measure(page, query, 100 + r)
                    answers.append(answer)
                    floors.append(floor)
                a, f = Stats(tuple(answers)), Stats(tuple(floors))
                over = Stats(tuple(x - y for x, y in zip(answers, floors)))
                report.goal(f"explore.{key}.overhead", f"explorer answer − (fit + sup error), {what}", over, "s",
                            *(("<=", 0.5) if "256" in key else (None, None)), source=SOURCE if "256" in key else "")
                rows.append([what, a.fmt(), f.fmt(), over.fmt(), f"{a.median / f.median:.2f}×"])
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    report.add("## Per case", "", *table(["case", "answer", "fit + sup error (floor)", "overhead",
                                          "answer / floor"], rows), "")
    report.finish(args)


if __name__ == "__main__":
    main()
