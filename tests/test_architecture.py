"""The layout rules of docs/architecture.md, checked on the source: a rule that is not checked drifts.

* No private name crosses a module line: nothing does ``from uat.x import _name`` or reads
  ``x._name`` off another uat module. A name another module needs is that module's interface (public,
  documented) or the caller is in the wrong place.
* Only the facade's own modules (``uat/__init__.py``) and the command line (``uat/cli.py``) import
  the ``uat`` facade; every other module imports the module that owns the name, so lower layers never
  reach up.
* No function is longer than 50 lines (its ``def`` to its last line): a longer one reads better as a
  few named steps.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "uat"
SOURCES = sorted(PACKAGE.rglob("*.py"))
FACADE_USERS = {"uat/__init__.py", "uat/cli.py"}
LONGEST = 50


def _relative(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_imports(tree: ast.Module) -> list[str]:
    """Every private name this module takes from another uat module, as ``module.name``."""
    found, modules = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "uat":
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{node.module}.{alias.name}")
                else:
                    modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "uat":
                    modules[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else "uat"
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name)
                and node.value.id in modules):
            found.append(f"{modules[node.value.id]}.{node.attr}")
    return found


def facade_imports(tree: ast.Module) -> list[int]:
    """Line numbers where this module imports the ``uat`` facade itself."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(alias.name == "uat" for alias in node.names):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "uat" and node.level == 0:
            lines.append(node.lineno)
    return lines


def long_functions(tree: ast.Module) -> list[str]:
    """``name (n lines)`` of every function or method longer than LONGEST lines."""
    return [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)" for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > LONGEST]


@pytest.mark.parametrize("path", SOURCES, ids=_relative)
def test_no_private_name_crosses_a_module_line(path):
    assert private_imports(_tree(path)) == []


@pytest.mark.parametrize("path", [p for p in SOURCES if _relative(p) not in FACADE_USERS], ids=_relative)
def test_lower_layers_do_not_import_the_facade(path):
    assert facade_imports(_tree(path)) == []


@pytest.mark.parametrize("path", SOURCES, ids=_relative)
def test_no_function_is_longer_than_50_lines(path):
    assert long_functions(_tree(path)) == []


def test_the_checks_can_fail():
    """Each check finds what it is for, in a source written to break it."""
    source = ast.parse("from uat.fitting.random_features import _draw\nimport uat.certify as c\n"
                       "x = c._CRITICAL\nimport uat\nfrom uat import fit\n"
                       "def long():\n" + "    pass\n" * LONGEST)
    assert private_imports(source) == ["uat.fitting.random_features._draw", "uat.certify._CRITICAL"]
    assert facade_imports(source) == [4, 5]
    assert long_functions(source) == [f"long ({LONGEST + 1} lines)"]


def _documented() -> set[str]:
    """The code spans of docs/architecture.md, its code blocks left out."""
    text = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    return set(re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S)))


@pytest.mark.parametrize("path", [p for p in SOURCES if p.name != "__init__.py"], ids=_relative)
def test_docs_architecture_names_every_module(path):
    """Keep the map true: a new module is placed on it, by its path or its package/name."""
    names = {_relative(path), path.name, f"{path.parent.name}/{path.name}"}
    assert names & _documented(), f"docs/architecture.md does not say where {_relative(path)} sits in the flow"


def test_every_path_docs_architecture_names_exists():
    missing = [name for name in _documented() if name.startswith("uat/") and not (PACKAGE.parent / name).exists()]
    assert missing == []
