"""What starting uat costs: ``import uat`` and ``uat --help``, each against the bare libraries it stands on.

Goals (issue 14): ``import uat`` ≤ 1.2× the time of ``import numpy, scipy.linalg, scipy.optimize``, and
``uat --help`` ≤ 1.5× ``import numpy``, measured in the same run. Every command runs in a fresh
interpreter (``python -c ...``; ``uat --help`` through the installed console script), the commands in turn,
repeat by repeat, so that all see the same machine; each ratio is paired per repeat, median [min-max].

uat's facade is lazy (PEP 562): a bare ``import uat`` loads none of its modules, so a third goal row holds
the same 1.2× to ``import uat`` followed by the names a fit and its sup-norm estimate need
(``uat.fit``, ``uat.sup_error``, ``uat.Box``): numpy and scipy, never scipy.stats, pandas or matplotlib.
Info row: the study's names (``from uat import run_study``: pandas). The table adds the bare interpreter.
The processes run with bytecode cached (PYTHONDONTWRITEBYTECODE is dropped from their environment), as
after ``pip install``.

Usage: python benchmarks/bench_import.py [--quick] [--repeats R] [--out FILE] [--json FILE]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Report, alternate, parser, table  # noqa: E402

SOURCE = "issue 14"


def _uat_command() -> list[str]:
    """The installed console script beside this interpreter (else on PATH, else ``python -m uat.cli``)."""
    beside = Path(sys.executable).with_name("uat")
    found = str(beside) if beside.exists() else shutil.which("uat")
    return [found] if found else [sys.executable, "-m", "uat.cli"]


#: (key, what is shown, argv); every one is a fresh process
COMMANDS = [
    ("python", "python -c pass", [sys.executable, "-c", "pass"]),
    ("numpy", "import numpy", [sys.executable, "-c", "import numpy"]),
    ("scipy", "import numpy, scipy.linalg, scipy.optimize",
     [sys.executable, "-c", "import numpy, scipy.linalg, scipy.optimize"]),
    ("uat", "import uat", [sys.executable, "-c", "import uat"]),
    ("core", "import uat; uat.fit, uat.sup_error, uat.Box", [sys.executable, "-c",
                                                              "import uat; uat.fit, uat.sup_error, uat.Box"]),
    ("study", "from uat import run_study, load_results", [sys.executable, "-c",
                                                          "from uat import run_study, load_results"]),
    ("help", "uat --help", [*_uat_command(), "--help"]),
]


def _runner(argv: list[str]):
    def run():
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_ENV)
    return run


#: Python's defaults: bytecode cached (as after `pip install`; the untimed first round writes uat's caches), no
#: import profiling. With PYTHONDONTWRITEBYTECODE every import of uat compiles its sources again.
_ENV = {key: value for key, value in os.environ.items() if key not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")}


def main(argv=None):
    args = parser(__doc__, repeats=15).parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    command = "python benchmarks/bench_import.py" + (" --quick" if args.quick else
                                                     f" --repeats {repeats}" if repeats != 15 else "")
    report = Report("bench_import.py", "What starting uat costs: import uat and uat --help", command, args.quick)
    stats = dict(zip([key for key, _, _ in COMMANDS],
                     alternate([_runner(argv) for _, _, argv in COMMANDS], repeats, warmup=0 if args.quick else 1)))
    report.goal("import.uat", "import uat / import numpy, scipy.linalg, scipy.optimize",
                stats["uat"].ratio(stats["scipy"]), "×", "<=", 1.2, SOURCE, "a lazy facade: loads no uat module")
    report.goal("import.core", "import uat + uat.fit, uat.sup_error, uat.Box / import numpy, scipy.linalg, "
                "scipy.optimize", stats["core"].ratio(stats["scipy"]), "×", "<=", 1.2, SOURCE,
                "what a fit and its sup-norm estimate load")
    report.goal("import.help", "uat --help / import numpy", stats["help"].ratio(stats["numpy"]), "×", "<=", 1.5,
                SOURCE)
    report.goal("import.study", "from uat import run_study, load_results / import numpy, scipy.linalg, "
                "scipy.optimize", stats["study"].ratio(stats["scipy"]), "×", source=SOURCE, note="pandas")
    report.data["seconds"] = {key: stats[key].median for key in stats}
    report.add(f"## Fresh processes ({repeats} repeats, the commands in turn, after one untimed round)", "",
               *table(["command", "wall time", "ratio to import numpy"],
                      [[f"`{shown}`", stats[key].fmt(), stats[key].ratio(stats["numpy"]).fmt("×")]
                       for key, shown, _ in COMMANDS]),
               "", f"`uat --help` ran as `{' '.join(Path(a).name if i == 0 else a for i, a in enumerate(COMMANDS[-1][2]))}`. "
               "The processes run with Python's defaults: bytecode cached, as after `pip install` (the untimed round "
               "writes uat's caches); under PYTHONDONTWRITEBYTECODE=1 every process compiles uat's sources again.")
    report.finish(args)


if __name__ == "__main__":
    main()
