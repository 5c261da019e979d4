"""Run the example notebooks in place with their outputs, or strip the outputs (the state that is committed).

    python examples/notebooks.py --execute [NOTEBOOK ...]   # run in a fresh kernel, keep the outputs
    python examples/notebooks.py --strip [NOTEBOOK ...]     # remove outputs and execution counts

Without NOTEBOOK: every notebook of :data:`NOTEBOOKS`. Commit the ``--strip`` state (tests/test_notebooks.py checks
it, and runs both notebooks with :func:`execute`).

The kernel is ipykernel's ``python3``; jupyter_client starts a kernelspec whose command is ``python`` with this
interpreter (``sys.executable``). The kernel gets this checkout's ``uat`` first on ``PYTHONPATH``, the headless
matplotlib backend (``MPLBACKEND=Agg``; the notebooks show figures as PNG through IPython's formatters) and the
notebook's folder as working directory.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parent
ROOT = EXAMPLES.parent
NOTEBOOKS = (EXAMPLES / "lecture.ipynb", EXAMPLES / "study.ipynb")
KERNEL = "python3"
TIMEOUT = 600  # seconds per cell

#: the notebook metadata kept when stripping: what the notebook runs on, not where it last ran
METADATA = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL},
            "language_info": {"name": "python"}}


def kernel_env(base=None) -> dict:
    """The kernel's environment: ``base`` (default ``os.environ``) with this checkout first on PYTHONPATH and
    MPLBACKEND=Agg."""
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["MPLBACKEND"] = "Agg"
    return env


def execute(nb: nbformat.NotebookNode, cwd: str | Path = EXAMPLES, timeout: int = TIMEOUT) -> nbformat.NotebookNode:
    """Run every cell of ``nb`` in order in a fresh kernel (:func:`kernel_env`, working directory ``cwd``), filling
    in its outputs in place; return it. A cell that raises stops the run with nbclient's CellExecutionError."""
    client = NotebookClient(nb, timeout=timeout, kernel_name=KERNEL, record_timing=False,
                            resources={"metadata": {"path": str(cwd)}})
    client.execute(env=kernel_env())
    return nb


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` without outputs, execution counts or run metadata (in place); return it."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata = nbformat.from_dict(METADATA)
    return nb


def text(nb: nbformat.NotebookNode) -> str:
    """The file contents nbformat writes for ``nb`` (validated, keys sorted, a final newline)."""
    nbformat.validate(nb)
    return nbformat.writes(nb).rstrip("\n") + "\n"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--execute", action="store_true", help="run each notebook in place, keeping its outputs")
    action.add_argument("--strip", action="store_true", help="remove outputs and execution counts (commit this)")
    parser.add_argument("notebooks", nargs="*", type=Path, default=list(NOTEBOOKS), metavar="NOTEBOOK")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        nb = execute(nb, cwd=path.resolve().parent) if args.execute else strip(nb)
        path.write_text(text(nb), encoding="utf-8")
        print(f"{'executed' if args.execute else 'stripped'} {path}")


if __name__ == "__main__":
    main()
