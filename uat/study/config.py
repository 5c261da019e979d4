"""Study files (TOML): parsing, validation before any work, and the cells they define.

The format (documented in the README, kept stable)::

    name = "widths"                      # the study's name; the default output folder is out/<name>
    description = "..."                  # one paragraph: what the study shows
    seed = 0                             # base seed; every cell's seed derives from it
    domain = "[-1,1]"                    # for expression targets (library targets carry their own)

    [domains]                            # optional: a domain per expression target
    "exp(-(x1**2 + x2**2))" = "[-1,1]^2"

    [facts."sin(3*x)"]                   # optional: what you know of an expression target on its
    lipschitz = 3.0                      # domain, for certified upper bounds and a-priori bounds
    curvature = 9.0                      # (sup|f″|, 1-D); holder = [H, alpha] for Hölder targets

    [grid]                               # every combination is one cell (one fit)
    target = ["sin(2*pi*x)", "runge"]    # library names or expressions
    activation = ["tanh", "relu"]
    width = [2, 4, 8, 16]
    depth = [1]                          # optional: hidden layers of `width` units each (default [1])
    method = ["lstsq"]
    repeats = 3                          # replicates (seeds) per cell: replicate 0, 1, 2
    domain = ["[-1,1]^2", "ball(center=[0,0], radius=1)"]  # optional: every expression target on each K

    [methods.lstsq]                      # options per method, passed to uat.fit
                                         # (activations = [...]: cross this method with these only;
                                         #  depths = [...]: likewise for grid.depth)
    n_samples = 2048

    [evaluation]
    tolerances = [1e-1, 1e-2, 1e-3]      # the ε of k*(ε)
    n_points = 65537                     # optional: initial points of the sup-norm estimate
    certify = true                       # prove upper bounds where the facts allow (the default)
    certify_evals = 32768                # the bracket's budget of error evaluations (the default)
    certify_rtol = 0.01                  # the relative gap it aims for (the default)

    [run]
    timeout = 600                        # optional: wall-clock seconds per cell, then recorded as failed
    sweep = true                         # only for folders written before store schema 3 (see below)
    max_cells = 100000                   # a bigger grid is refused before any work (the default)

A single value is accepted where a list is expected (``method = "lstsq"``).

Depth: ``depth`` counts HIDDEN layers. A cell of depth d > 1 is fitted as ``uat.fit(..., width=[width] * d)``, a
:class:`~uat.DeepNetwork` of d hidden layers of ``width`` units (depth L = d + 1 in Kutyniok's count, which
counts the affine maps), with the method's options for deep fits (its ``deep_defaults`` where the file gives no
value); depth 1 is the one-hidden-layer network of an int width, as before depth existed. Only methods that train
deep networks (``trains_deep``: backprop) take depth > 1; the others are refused before any work unless
restricted, e.g. ``[methods.lstsq] depths = [1]``. With the default ``depth = [1]`` a study's cells, their ids,
its resolved configuration and its hash are those it had before depth existed.

Domains: ``domain`` (one for every expression target) and ``[domains]`` (one per target) give each expression
target one domain, fixed by its name. ``grid.domain`` instead makes the domain an axis: every expression target is
fitted on each of its domains, the cell's domain is a column of the results (``domain``) and the k*(ε) table, the
report and the figures tell the cells apart ("target on K"). Its entries are stored as ``str`` of the parsed domain
(``"[-1,1]^2"`` becomes ``"[-1,1] x [-1,1]"``; two spellings of one K are the same cell, refused as a duplicate).
It cannot be combined with ``domain`` or ``[domains]``, nor with library targets (they carry their own domain).
A cell of the axis has the id ``[target, activation, method, width, replicate, depth, domain]``; without the axis
ids, seeds, the resolved configuration and its hash are those studies had before the axis existed.

Files: a relative file name in a domain (``points(file.csv)``) is read from the study file's folder. A study that
reads one records that folder (``folder``, absolute) and the SHA-256 of the points each such domain read
(``point_files``, of their float64 coordinates, so a reformatted but equal file is the same) in its resolved
configuration; the hash is part of the identity of the cells on that domain, so a run after the file changed is
refused by a folder holding cells computed from the old one, never mixed with them. The hash does not enter
seeds (a cell's seed depends on the domain's text, as always).

Seeds: a cell's seed is drawn from ``SeedSequence(seed, spawn_key=hash(target, domain,
activation, replicate))``: it does not depend on the run order, and it is shared by all widths and depths
(the draws are nested: width k's hidden layer is the first k units of any wider one) and by all
methods (methods are compared on the same random hidden layers).

Cells: each cell is fitted on its own, as ``uat.fit(target, domain, width=..., activation=...,
method=..., seed=..., **options)`` with the cell's seed, and measured with the [evaluation] settings.
Its numbers therefore depend on its own axis values and on the settings of :meth:`StudyConfig.identity`
only, never on the rest of the grid, so a grid may grow or shrink along any axis and keep every stored
cell. (Until store schema 3, ``sweep = true`` fitted all least-squares widths of a (target, activation,
replicate) from one draw and one training set sized by the grid's largest width, so adding a wider
width changed every narrower cell: 1-D training sets gain the wider draw's transition points, and
n_samples defaults to max(2048, 4·K). Folders written then keep that rule for their least-squares
cells, see :mod:`uat.study.store`; elsewhere ``sweep`` changes nothing.)
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from uat._validation import suggest
from uat.activations import get_activation
from uat.fitting import PeerNotInstalledError, get_method, list_methods
from uat.fitting.base import deep_method_names, resolve_options, with_deep_defaults
from uat.targets import as_target

__all__ = ["StudyConfig", "StudyConfigError", "Cell", "load_config", "parse_config"]

_TOP = {"name", "description", "seed", "domain", "domains", "facts", "grid", "methods", "evaluation", "run"}
_FACTS = {"lipschitz", "curvature", "holder"}
_GRID = {"target", "activation", "width", "depth", "method", "repeats", "domain"}
_EVALUATION = {"tolerances", "n_points", "certify", "certify_evals", "certify_rtol"}
#: The defaults of the certified bracket (those of :func:`uat.sup_error`).
CERTIFY_DEFAULTS = {"certify": True, "certify_evals": 1 << 15, "certify_rtol": 1e-2}
_RUN = {"timeout", "sweep", "max_cells"}
_DEFAULT_TOLERANCES = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6)
#: The depth settings of a study without depth (every cell one hidden layer), as :meth:`StudyConfig.resolved`
#: gives them; left out of it, so that such a study resolves, and hashes, as before depth existed.
_DEPTH_DEFAULTS = {"depths": [1], "method_depths": {}, "deep_options": {}}
#: Likewise the settings of a study without a domain axis or files (see the module docstring): left out of
#: :meth:`StudyConfig.resolved` where they take these values.
_DOMAIN_DEFAULTS = {"domain_axis": [], "folder": None, "point_files": {}}
#: Largest grid run without ``[run] max_cells``: a typo such as repeats = 1000000 is refused, not enumerated.
MAX_CELLS = 100_000


class StudyConfigError(ValueError):
    """A study file that cannot be run; the message names the file and the key."""


@dataclass(frozen=True)
class Cell:
    """One fit of a study: the axis values, the replicate index (0 .. repeats - 1), the derived seed and the
    depth (hidden layers of ``width`` units each)."""

    target: str
    activation: str
    method: str
    width: int
    replicate: int
    seed: int
    depth: int = 1
    domain: str | None = None  # the cell's value of grid.domain; None in a study without that axis

    @property
    def cell_id(self) -> str:
        """The key of the cell's row in the store: ``[target, activation, method, width, replicate]`` as JSON
        (the same list stores have always used, so the ids of stored cells stay valid), with the depth
        appended when it is more than 1; a cell of a domain axis appends its depth and its domain."""
        if self.domain is not None:
            return json.dumps([self.target, self.activation, self.method, self.width, self.replicate, self.depth,
                               self.domain])
        deep = [self.depth] if self.depth != 1 else []
        return json.dumps([self.target, self.activation, self.method, self.width, self.replicate, *deep])


@dataclass(frozen=True)
class StudyConfig:
    """A validated study. ``resolved()`` is the canonical form whose hash identifies the study."""

    name: str
    description: str
    seed: int
    targets: tuple[str, ...]
    activations: tuple[str, ...]
    widths: tuple[int, ...]
    methods: tuple[str, ...]
    repeats: int
    domain: str | None
    domains: dict = field(default_factory=dict)
    method_options: dict = field(default_factory=dict)
    tolerances: tuple[float, ...] = _DEFAULT_TOLERANCES
    n_points: int | None = None
    timeout: float | None = None
    sweep: bool = True
    method_activations: dict = field(default_factory=dict)
    facts: dict = field(default_factory=dict)
    max_cells: int = MAX_CELLS
    certify: bool = CERTIFY_DEFAULTS["certify"]
    certify_evals: int = CERTIFY_DEFAULTS["certify_evals"]
    certify_rtol: float = CERTIFY_DEFAULTS["certify_rtol"]
    depths: tuple[int, ...] = (1,)
    method_depths: dict = field(default_factory=dict)
    deep_options: dict = field(default_factory=dict)
    domain_axis: tuple[str, ...] = ()
    folder: str | None = None
    point_files: dict = field(default_factory=dict)

    @classmethod
    def from_resolved(cls, resolved: dict) -> "StudyConfig":
        """The StudyConfig of a resolved configuration (:meth:`resolved`, as a study folder stores it; older
        folders' lack the keys added since, which take their defaults)."""
        return cls(**{key: tuple(value) if isinstance(value, list) else value for key, value in resolved.items()})

    def resolved(self) -> dict:
        """Every setting, defaults filled in, as plain JSON data; the depth settings only where they are not
        the default (depth 1 for every method), and the domain axis, folder and point files only where there
        are some, so that a study without them resolves as it did before."""
        resolved = json.loads(json.dumps(asdict(self), sort_keys=True))
        for key, default in {**_DEPTH_DEFAULTS, **_DOMAIN_DEFAULTS}.items():
            if resolved[key] == default:
                del resolved[key]
        return resolved

    def identity(self) -> dict:
        """What decides the numbers of a cell besides its own axis values: what a study folder checks before it
        reuses a stored cell, by scope.

        * ``study``: every cell's: the seed, the sup-norm estimate's ``n_points`` and the certified bracket
          (``certify``; when on, ``certify_evals`` and ``certify_rtol``: a study's brackets never stop early,
          so nothing else decides them);
        * ``methods``: each method's resolved options (its cells' only);
        * ``targets``: each target's domain (which also enters its seeds; None with a domain axis) and
          ``[facts]`` (its cells' only), and the hash of the points its domain read from a file (``points``);
        * ``domains``, only with a domain axis whose domains read files: per such domain the hash of its points
          (``points``; the cells on that domain only);
        * ``deep``, only in a study with depth > 1: each such method's resolved options for deep fits (its
          deep cells' only; they may differ from its shallow options by the method's ``deep_defaults``).

        Left out, because no cell's numbers depend on them: the axes themselves (targets, activations,
        widths, depths, methods, repeats: a grid may grow or shrink and keep its cells), the name, the
        description, the tolerances (analysis only), the timeout, the cell limit, which activations and depths a
        method is crossed with (that selects cells) and ``sweep`` (see the module docstring).
        """
        resolved = self.resolved()
        study = {"seed": self.seed, "n_points": self.n_points, "certify": self.certify}
        if self.certify:
            study.update(certify_evals=self.certify_evals, certify_rtol=self.certify_rtol)
        targets = {t: {"domain": self.domain_for(t), "facts": resolved["facts"].get(t, {}),
                       **self._points(self.domain_for(t))} for t in self.targets}
        identity = {"study": study, "methods": resolved["method_options"], "targets": targets}
        if self.deep_options:
            identity["deep"] = self.deep_options
        files = {d: self._points(d) for d in self.domain_axis if d in self.point_files}
        if files:
            identity["domains"] = files
        return json.loads(json.dumps(identity, sort_keys=True))

    @property
    def config_hash(self) -> str:
        from uat.study.identity import digest

        return digest(self.identity())

    def _points(self, domain: str | None) -> dict:
        """``{"points": hash}`` of the points ``domain`` read from files ({} when it reads none)."""
        return {"points": self.point_files[domain]} if domain in self.point_files else {}

    def seed_for(self, target: str, activation: str, replicate: int, domain: str | None = None) -> int:
        """The seed shared by every width, depth and method of (target, activation, replicate) (on ``domain``, a
        value of the domain axis; default :meth:`domain_for`: the same formula, so the axis order is irrelevant)."""
        domain = self.domain_for(target) if domain is None else domain
        identity = json.dumps([target, domain, activation, replicate])
        words = np.frombuffer(hashlib.sha256(identity.encode()).digest()[:16], dtype="<u4")
        sequence = np.random.SeedSequence(self.seed, spawn_key=tuple(int(w) for w in words))
        return int(sequence.generate_state(1, dtype=np.uint32)[0])

    def depths_for(self, method: str) -> tuple[int, ...]:
        """The depths (hidden layers) ``method`` is crossed with: grid.depth, or its [methods.NAME] depths."""
        return tuple(self.method_depths.get(method, self.depths))

    @property
    def n_cells(self) -> int:
        """len(self.cells()), counted without enumerating: targets × repeats × widths × Σ over methods of the
        activations times the depths each is crossed with (× the domains of a domain axis)."""
        return len(self.targets) * max(1, len(self.domain_axis)) * self.repeats * len(self.widths) * self._crossed()

    def _crossed(self) -> int:
        """Σ over the methods of the activations times the depths each is crossed with."""
        return sum(len(self.method_activations.get(m, self.activations)) * len(self.depths_for(m))
                   for m in self.methods)

    def check_size(self, source: str = "<study>") -> None:
        """Refuse a grid of more than ``max_cells`` cells, with the count and how to raise the limit."""
        n = self.n_cells
        if n <= self.max_cells:
            return
        if self.method_depths or len(self.depths) > 1:
            pairs = f"{self._crossed()} (method, activation, depth) combinations"
        elif self.method_activations:  # every method at depth 1: the same sum counts (method, activation) pairs
            pairs = f"{self._crossed()} (method, activation) pairs"
        else:
            pairs = f"{len(self.activations)} activations" + (f" x {len(self.methods)} methods"
                                                              if len(self.methods) > 1 else "")
        domains = f" x {len(self.domain_axis)} domains" if self.domain_axis else ""
        raise StudyConfigError(f"{source}: grid: {n} cells ({len(self.targets)} targets{domains} x {pairs} x "
                               f"{len(self.widths)} widths x {self.repeats} repeats), more than run.max_cells = "
                               f"{self.max_cells}; shrink the grid, or raise the limit with [run] max_cells = {n}")

    def cells(self) -> list[Cell]:
        """Every cell, in a fixed order (target, domain, activation, replicate, method, depth, width)."""
        out = []
        for target in self.targets:
            for domain in self.domain_axis or (None,):
                for activation in self.activations:
                    for replicate in range(self.repeats):
                        seed = self.seed_for(target, activation, replicate, domain)
                        for method in self.methods:
                            if activation not in self.method_activations.get(method, (activation,)):
                                continue  # [methods.NAME] activations = [...] leaves this pair out
                            out.extend(Cell(target, activation, method, w, replicate, seed, depth, domain)
                                       for depth in self.depths_for(method) for w in self.widths)
        return out

    def domain_for(self, target: str) -> str | None:
        """The domain passed to uat.fit: [domains] entry, else the study's domain, for expressions; None
        for library targets (they carry their own) and in a study with a domain axis (see :meth:`cell_domain`)."""
        if self.domain_axis:
            return None
        return self.domains.get(target, self.domain) if _is_expression(target) else None

    def cell_domain(self, cell: Cell) -> str | None:
        """The domain a cell is fitted on: its value of the domain axis, else :meth:`domain_for` its target."""
        return cell.domain if cell.domain is not None else self.domain_for(cell.target)

    def target_domains(self) -> list[tuple[str, str | None]]:
        """Every (target, domain) the study fits, in the grid's order: each target with each domain of the axis,
        or with :meth:`domain_for` it."""
        if self.domain_axis:
            return [(t, d) for t in self.targets for d in self.domain_axis]
        return [(t, self.domain_for(t)) for t in self.targets]

    def parse_domain(self, domain: str | None):
        """A domain of this study parsed, relative file names read from its ``folder``; None stays None."""
        from uat.domains import parse_domain

        return None if domain is None else parse_domain(domain, folder=self.folder)


def _is_expression(target: str) -> bool:
    from uat.targets import list_targets

    return target not in list_targets()


class _Checker:
    """Validation with messages that name the file and the key."""

    def __init__(self, source: str, folder: str | None = None):
        self.source = source
        self.folder = folder  # where relative file names in domains are read from
        self.points: dict = {}  # domain text → SHA-256 of the points it read from files

    def fail(self, key: str, message: str):
        raise StudyConfigError(f"{self.source}: {key}: {message}")

    def keys(self, table, allowed: set, prefix: str):
        if not isinstance(table, dict):
            self.fail(prefix.rstrip(".") or "file", f"must be a table; got {table!r}")
        for key in table:
            if key not in allowed:
                self.fail(f"{prefix}{key}", f"unknown key{suggest(key, allowed)}; accepted: {', '.join(sorted(allowed))}")

    def string(self, value, key: str, pattern: str | None = None) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"must be a non-empty string; got {value!r}")
        if pattern and not re.fullmatch(pattern, value):
            self.fail(key, f"must match {pattern} (it names the output folder); got {value!r}")
        return value

    def domain(self, value, key: str) -> str:
        """A domain string, parsed (relative files from ``folder``) and the hash of any points it read kept."""
        self.parsed(self.string(value, key), key)
        return value

    def axis_domain(self, value, key: str) -> str:
        """A value of grid.domain: ``str`` of the parsed domain (one spelling per K), its points' hash kept."""
        return str(self.parsed(self.string(value, key), key, canonical=True))

    def parsed(self, text: str, key: str, canonical: bool = False):
        from uat.domains import parse_domain

        try:
            domain = parse_domain(text, folder=self.folder)
        except (TypeError, ValueError) as err:
            self.fail(key, str(err))
        digest = points_digest(domain)
        if digest is not None:
            self.points[str(domain) if canonical else text] = digest
        return domain

    def depth(self, value, key: str) -> int:
        return self.integer(value, key, 1, " (the number of hidden layers of `width` units)")

    def integer(self, value, key: str, minimum: int, what: str = "") -> int:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
            self.fail(key, f"must be an integer >= {minimum}{what}; got {value!r}")
        return int(value)

    def positive(self, value, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (math.isfinite(value) and value > 0):
            self.fail(key, f"must be a number > 0; got {value!r}")
        return float(value)

    def axis(self, value, key: str, kind) -> list:
        values = value if isinstance(value, list) else [value]
        if not values:
            self.fail(key, "is empty; give at least one value")
        items = [kind(v, f"{key}[{i}]") for i, v in enumerate(values)]
        if len(set(items)) != len(items):
            self.fail(key, f"lists a value twice: {values}")
        return items


def points_digest(domain) -> str | None:
    """The SHA-256 of the points a parsed domain read from files (``points(file.csv)``, anywhere in its set
    algebra), over their float64 coordinates in order; None when it read no file."""
    from dataclasses import fields, is_dataclass

    from uat.domains import Domain, PointSet

    found, todo = [], [domain]
    while todo:
        item = todo.pop()
        if isinstance(item, PointSet):
            found += [item] if item.source is not None else []
        elif is_dataclass(item):
            for f in fields(item):
                value = getattr(item, f.name)
                todo += [v for v in (value if isinstance(value, tuple) else (value,)) if isinstance(v, Domain)]
    if not found:
        return None
    digest = hashlib.sha256()
    for points in found:
        digest.update(json.dumps([points.source, list(points.X.shape)]).encode() + points.X.tobytes())
    return digest.hexdigest()


def _target_domains(check: _Checker, grid: dict, domain: str | None, domains: dict):
    """(i, target, [(key, domain), ...]): each target of the grid with the domains it is fitted on and the keys
    that give them (grid.domain[j] on an axis, the target's [domains] entry or the study's domain)."""
    for i, name in enumerate(grid["target"]):
        if grid["domain"]:
            yield i, name, [(f"grid.domain[{j}]", d) for j, d in enumerate(grid["domain"])]
        elif _is_expression(name):
            yield i, name, [("", domains.get(name, domain))]
        else:
            yield i, name, [("", None)]


def _check_names(check: _Checker, grid: dict, domain: str | None, domains: dict):
    for i, name in enumerate(grid["activation"]):
        try:
            get_activation(name)
        except ValueError as err:
            check.fail(f"grid.activation[{i}]", str(err))
    for i, name in enumerate(grid["method"]):
        if name not in list_methods():
            check.fail(f"grid.method[{i}]", f"unknown method {name!r}{suggest(name, list_methods())}; "
                                            f"registered: {', '.join(list_methods())}")
    for name in domains:
        if name not in grid["target"]:
            check.fail(f'domains."{name}"', f"is not a target of the grid{suggest(name, grid['target'])}")
        elif not _is_expression(name):
            check.fail(f'domains."{name}"', "is a library target, which carries its own domain")
    if grid["domain"] and (domain is not None or domains):
        check.fail("grid.domain", "gives every expression target each of its domains; the study's domain and "
                                  "[domains] give each target one: use either, not both (remove "
                                  f"{'domain' if domain is not None else '[domains]'})")
    for i, name, where in _target_domains(check, grid, domain, domains):
        if grid["domain"] and not _is_expression(name):
            check.fail(f"grid.target[{i}]", f"{name!r} is a library target, which carries its own domain; "
                                            "grid.domain crosses expression targets only: run it in a study of its own")
        for key, text in where:
            try:
                as_target(name, check.parsed(text, key, canonical=bool(grid["domain"])) if text else None)
            except ValueError as err:
                check.fail(f"grid.target[{i}]", f"{err}" + (f" ({key} = {text!r})" if key else ""))


def _method_restriction(check: _Checker, table: dict, key: str, axis: str, values: list, kind) -> dict:
    """The reserved key ``key`` of [methods.NAME]: the values of grid.``axis`` this method is crossed with,
    each checked by ``kind`` (``check.string``, ``check.depth``). Removed from the table, so that it is not taken
    for a fitting option; kept only where it leaves some value out (all of them: the same cells as no key, the
    same hash)."""
    restricted = {}
    for name, options in table.items():
        if not isinstance(options, dict) or key not in options:
            continue
        where = f"methods.{name}.{key}"
        chosen = check.axis(options.pop(key), where, kind)
        for value in chosen:
            if value not in values:
                check.fail(where, f"{value!r} is not in grid.{axis} ({', '.join(map(str, values))})")
        if set(chosen) != set(values):
            restricted[name] = tuple(sorted(chosen))
    return restricted


def _method_activations(check: _Checker, table: dict, activations: list[str]) -> dict:
    """[methods.NAME] activations = [...]: the grid's activations this method is crossed with (a method defined
    for one σ only, e.g. random_fourier and cos)."""
    return _method_restriction(check, table, "activations", "activation", activations, check.string)


def _method_depths(check: _Checker, table: dict, depths: list[int]) -> dict:
    """[methods.NAME] depths = [...]: the values of grid.depth this method is crossed with (lstsq at depth 1
    beside backprop at 1..3)."""
    return _method_restriction(check, table, "depths", "depth", depths, check.depth)


def _check_depths(check: _Checker, methods: list[str], depths: list[int], restricted: dict) -> None:
    """Every method crossed with a depth > 1 must train deep networks (``trains_deep``): refused here, before
    any work, naming the methods that can and the restriction that keeps this one shallow."""
    deep_methods = deep_method_names()
    for name in methods:
        deep = [d for d in restricted.get(name, depths) if d > 1]
        if deep and not get_method(name).trains_deep:
            where = f"methods.{name}.depths" if name in restricted else "grid.depth"
            given = list(restricted.get(name, depths))
            check.fail(where, f"method {name!r} fits one-hidden-layer networks only (depth 1), and {where} = "
                              f"{given} asks for depth {', '.join(map(str, deep))} (hidden layers): only "
                              f"{', '.join(deep_methods) or 'none'} train{'s' * (len(deep_methods) == 1)} deep networks; keep {name!r} shallow with "
                              f"[methods.{name}] depths = [1], or take it out of grid.method")


def _deep_options(check: _Checker, table: dict, config_depths) -> dict:
    """The resolved options of each method's deep fits (for the methods crossed with a depth > 1): the file's
    options over the method's ``deep_defaults``, as :func:`uat.fit` takes them for a list width."""
    out = {}
    for name, depths in config_depths.items():
        if max(depths) == 1:
            continue
        method = get_method(name)
        try:
            out[name] = resolve_options(method, with_deep_defaults(method, dict(table.get(name, {}))))
        except (TypeError, ValueError) as err:
            check.fail(f"methods.{name}", f"{err} (in its deep fits)")
    return out


def _method_options(check: _Checker, table, methods: list[str]) -> dict:
    """Options of every method in the grid, defaults filled in; every [methods.NAME] table is checked,
    also for methods not in the grid (a typo there is refused, not ignored)."""
    if not isinstance(table, dict):
        check.fail("methods", f"must be a table of [methods.NAME] sections; got {table!r}")
    resolved = {}
    for name, options in table.items():
        if name not in list_methods():
            check.fail(f"methods.{name}", f"unknown method{suggest(name, list_methods())}; "
                                          f"registered: {', '.join(list_methods())}")
        if not isinstance(options, dict):
            check.fail(f"methods.{name}", f"must be a table of options; got {options!r}")
    for name in dict.fromkeys([*methods, *table]):
        try:
            resolved[name] = resolve_options(get_method(name), dict(table.get(name, {})))
        except PeerNotInstalledError as err:  # a peer's package: needed only where the grid runs it
            if name in methods:
                check.fail("grid.method", str(err))
        except (TypeError, ValueError) as err:
            check.fail(f"methods.{name}", str(err))
    return {name: resolved[name] for name in methods}


def _check_pairs(check: _Checker, methods: list[str], activations: list[str], restricted: dict) -> None:
    """Every (method, activation) the grid crosses must be one the method accepts: refused here,
    before any work, rather than cell by cell."""
    for name in methods:
        method = get_method(name)
        crossed = restricted.get(name, activations)
        refused = [a for a in crossed if method.activations is not None and a not in method.activations]
        if not refused:
            continue
        kept = [a for a in crossed if a in method.activations] or [a for a in activations if a in method.activations]
        if kept:
            fix = f"cross it with the others only: [methods.{name}] activations = {_toml_list(kept)}"
        else:  # an empty list would itself be refused: say what to add instead
            first = method.activations[0]
            fix = (f"grid.activation has none of those: add one, e.g. [grid] activation = "
                   f"{_toml_list([*activations, first])} with [methods.{name}] activations = {_toml_list([first])}, "
                   f"or take {name!r} out of grid.method")
        check.fail(f"methods.{name}", f"does not support activation {', '.join(map(repr, refused))} (accepted: "
                                      f"{', '.join(method.activations)}); {fix}".replace("'", '"'))


def _toml_list(values) -> str:
    """A TOML array of strings, as a study file spells it."""
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def parse_config(data: dict, source: str = "<study>", folder: str | None = None) -> StudyConfig:
    """Validate a parsed study (a dict as read from TOML) and return the StudyConfig. ``folder``: where relative
    file names in its domains are read from (default the working directory; a study file's own folder)."""
    check = _Checker(source, folder)
    check.keys(data, _TOP, "")
    for required in ("name", "grid"):
        if required not in data:
            check.fail(required, "is required")
    name, description, seed, domain, domains = _header(check, data)
    axes, repeats = _grid(check, data["grid"], domain, domains)
    methods_table = data.get("methods", {})
    if isinstance(methods_table, dict):
        methods_table = {k: dict(v) if isinstance(v, dict) else v for k, v in methods_table.items()}
        restricted = _method_activations(check, methods_table, axes["activation"])
        depths = _method_depths(check, methods_table, axes["depth"])
    else:
        restricted, depths = {}, {}
    options = _method_options(check, methods_table, axes["method"])
    facts = _facts(check, data.get("facts", {}), axes["target"], domain, domains, axes["domain"])
    _check_pairs(check, axes["method"], axes["activation"], restricted)
    _check_depths(check, axes["method"], axes["depth"], depths)
    deep_options = _deep_options(check, methods_table, {m: depths.get(m, axes["depth"]) for m in axes["method"]})
    tolerances, n_points, certify, certify_evals, certify_rtol = _evaluation(check, data.get("evaluation", {}))
    timeout, sweep, max_cells = _run_settings(check, data.get("run", {}))
    config = StudyConfig(name, description, seed, tuple(axes["target"]), tuple(axes["activation"]),
                         tuple(axes["width"]), tuple(axes["method"]), repeats, domain, dict(domains), options,
                         tuple(sorted(tolerances, reverse=True)), n_points, timeout, sweep,
                         {m: restricted[m] for m in axes["method"] if m in restricted}, facts, max_cells, certify,
                         certify_evals, float(certify_rtol), tuple(axes["depth"]),
                         {m: depths[m] for m in axes["method"] if m in depths}, deep_options,
                         tuple(axes["domain"]), folder if check.points else None, dict(check.points))
    config.check_size(source)
    return config


def _header(check: _Checker, data: dict) -> tuple:
    """name, description, seed, domain and [domains] of a study file, checked."""
    name = check.string(data["name"], "name", r"[A-Za-z0-9][A-Za-z0-9_.-]*")
    description = data.get("description", "")
    if not isinstance(description, str):
        check.fail("description", f"must be a string; got {description!r}")
    seed = check.integer(data.get("seed", 0), "seed", 0)
    domain = data.get("domain")
    if domain is not None:
        check.domain(domain, "domain")
    domains = data.get("domains", {})
    if not isinstance(domains, dict):
        check.fail("domains", f"must be a table of \"target\" = \"domain\" entries; got {domains!r}")
    for key, value in domains.items():
        check.domain(value, f'domains."{key}"')
    return name, description, seed, domain, domains


def _grid(check: _Checker, grid, domain, domains: dict) -> tuple[dict, int]:
    """The [grid] table: its axes (target, activation, sorted widths, sorted depths, method) and repeats, checked."""
    if not isinstance(grid, dict):
        check.fail("grid", f"must be a table; got {grid!r}")
    check.keys(grid, _GRID, "grid.")
    for required in ("target", "activation", "width"):
        if required not in grid:
            check.fail(f"grid.{required}", "is required")
    axes = {
        "target": check.axis(grid["target"], "grid.target", check.string),
        "activation": check.axis(grid["activation"], "grid.activation", check.string),
        "width": sorted(check.axis(grid["width"], "grid.width", lambda v, k: check.integer(v, k, 1))),
        "depth": sorted(check.axis(grid.get("depth", [1]), "grid.depth", check.depth)),
        "method": check.axis(grid.get("method", ["lstsq"]), "grid.method", check.string),
        "domain": check.axis(grid["domain"], "grid.domain", check.axis_domain) if "domain" in grid else [],
    }
    repeats = check.integer(grid.get("repeats", 1), "grid.repeats", 1)
    _check_names(check, axes, domain, domains)
    return axes, repeats


def _evaluation(check: _Checker, evaluation) -> tuple:
    """The [evaluation] table: tolerances, n_points, certify, certify_evals and certify_rtol, checked."""
    check.keys(evaluation, _EVALUATION, "evaluation.")
    tolerances = check.axis(evaluation.get("tolerances", list(_DEFAULT_TOLERANCES)), "evaluation.tolerances",
                            check.positive)
    n_points = evaluation.get("n_points")
    if n_points is not None:
        n_points = check.integer(n_points, "evaluation.n_points", 2)
    certify = evaluation.get("certify", CERTIFY_DEFAULTS["certify"])
    if not isinstance(certify, bool):
        check.fail("evaluation.certify", f"must be true or false; got {certify!r}")
    certify_evals = check.integer(evaluation.get("certify_evals", CERTIFY_DEFAULTS["certify_evals"]),
                                  "evaluation.certify_evals", 1)
    certify_rtol = evaluation.get("certify_rtol", CERTIFY_DEFAULTS["certify_rtol"])
    if isinstance(certify_rtol, bool) or not isinstance(certify_rtol, (int, float)) or not certify_rtol >= 0 \
            or not math.isfinite(certify_rtol):
        check.fail("evaluation.certify_rtol", f"must be a finite number >= 0; got {certify_rtol!r}")
    return tolerances, n_points, certify, certify_evals, certify_rtol


def _run_settings(check: _Checker, run) -> tuple:
    """The [run] table: timeout, sweep and max_cells, checked."""
    check.keys(run, _RUN, "run.")
    timeout = None if run.get("timeout") is None else check.positive(run["timeout"], "run.timeout")
    sweep = run.get("sweep", True)
    if not isinstance(sweep, bool):
        check.fail("run.sweep", f"must be true or false; got {sweep!r}")
    max_cells = check.integer(run.get("max_cells", MAX_CELLS), "run.max_cells", 1)
    return timeout, sweep, max_cells


def _facts(check: _Checker, table, targets: list[str], domain, domains: dict, axis: list[str]) -> dict:
    """[facts."target"]: lipschitz, curvature, holder of expression targets, checked as uat.Target checks them."""
    from uat.targets import Target

    if not isinstance(table, dict):
        check.fail("facts", f'must be a table of [facts."target"] tables; got {table!r}')
    out = {}
    for target, entry in table.items():
        key = f'facts."{target}"'
        if target not in targets:
            check.fail(key, f"is not a target of the grid{suggest(target, targets)}; grid.target: {', '.join(targets)}")
        if not _is_expression(target):
            check.fail(key, "library targets carry their own facts (uat list targets); give facts for expressions only")
        check.keys(entry, _FACTS, key + ".")
        try:
            Target(np.sin, check.parsed(next(iter(axis), None) or domains.get(target, domain) or "[0,1]", key),
                   target, **entry)
        except (TypeError, ValueError) as err:
            check.fail(key, str(err))
        out[target] = {name: (list(value) if name == "holder" else float(value)) for name, value in entry.items()}
    return out


def read_study_file(path: str | Path) -> tuple[StudyConfig, str]:
    """The validated study of a file and the file's text (read once)."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise StudyConfigError(f"{path}: cannot read the study file: {err.strerror}") from err
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise StudyConfigError(f"{path}: not valid TOML: {err}") from err
    return parse_config(data, str(path), str(path.parent.resolve())), text


def load_config(path: str | Path) -> StudyConfig:
    """Read and validate a study file; every problem is reported before any work starts."""
    return read_study_file(path)[0]
