"""Reading domains from text: products of intervals, named shapes such as ``ball(...)``, and set algebra.

The grammar (spaces are ignored)::

    domain      = union
    union       = intersection, { "|", intersection }
    intersection= difference, { "&", difference }
    difference  = atom, { "-", atom }
    atom        = "(", domain, ")" | product | shape
    product     = factor, { ("x" | "×"), factor }
    factor      = "[", bound, ",", bound, "]", [ "^", n ]      (n >= 1: the interval n times)
    shape       = name, "(", argument, { ",", argument }, ")"   (arguments by name: key=value)

``|``, ``&`` and ``-`` bind as in Python (``-`` tightest, then ``&``, then ``|``), so ``str`` of a domain
built with those operators reads back to the same domain. Every shape's arguments are named, in any order;
numbers are constant expressions (``pi``, ``sqrt(2)``, ``1e-3``; :func:`uat.expressions.evaluate_constant`),
never ``eval``-ed. The shapes and their arguments are in :data:`SHAPES`.
"""

from __future__ import annotations

import contextvars
import re

from uat._validation import suggest

__all__ = ["parse_domain", "as_domain", "SHAPES", "MAX_DIM", "number", "vector", "matrix", "split_arguments"]

#: One factor of a product: an interval ``[a,b]``, optionally raised to a power ``[a,b]^n`` (bounds
#: are constant expressions without commas or brackets).
_FACTOR = re.compile(r"\[([^\[\],]+),([^\[\],]+)\](?:\^(\d+))?")
_NOT_FINITE = re.compile(r"[+-]?(inf|infinity|nan)", re.IGNORECASE)
#: The largest dimension a domain string may ask for (``[0,1]^1000000000`` would be a list of 10⁹ bounds).
MAX_DIM = 10_000
_GRAMMAR = ("domain must be a product of intervals like '[-1,1]', '[-1,1]x[0,2]' or '[-1,1]^2' (^n repeats the "
            "interval just before it), a shape like 'ball(center=[0,0], radius=1)' ({shapes}), or domains joined "
            "by | (union), & (intersection) and - (difference)")


def _shapes() -> dict:
    """name → (class, argument names, what the error for a missing argument says it needs)."""
    from uat.domains import Annulus, Ball, Curve, LevelSet, PointSet, Polygon, Simplex, Sphere

    return {
        "ball": (Ball, ("center", "radius"), "both center=[...] and radius=..."),
        "annulus": (Annulus, ("center", "r_inner", "r_outer"), "center=[...], r_inner=... and r_outer=..."),
        "sphere": (Sphere, ("center", "radius"), "both center=[...] and radius=..."),
        "simplex": (Simplex, ("vertices",), "vertices=[[...],...]"),
        "polygon": (Polygon, ("vertices",), "vertices=[[x,y],...]"),
        "curve": (Curve, ("x", "t"), "x=[expression in t, ...] and t=[a,b]"),
        "points": (PointSet, ("X",), "a file name or X=[[...],...]"),
        "levelset": (LevelSet, ("h", "box"), "h=expression and box=[a,b]x..."),
    }


#: The folder relative file names (``points(file.csv)``) are read from while parse_domain runs (None: the
#: working directory); a study sets it to its file's folder.
FOLDER: contextvars.ContextVar = contextvars.ContextVar("uat_domain_folder", default=None)

#: The named shapes parse_domain reads (filled on first use; see :func:`_shapes`).
SHAPES: dict = {}


def _grammar() -> str:
    return _GRAMMAR.format(shapes=", ".join(f"{name}(...)" for name in _shape_table()))


def _shape_table() -> dict:
    if not SHAPES:
        SHAPES.update(_shapes())
    return SHAPES


def number(raw: str, text: str) -> float:
    """A bound, coordinate or radius: a constant expression; inf and nan are refused by name."""
    from uat.expressions import evaluate_constant

    if _NOT_FINITE.fullmatch(raw):
        raise ValueError(f"domain bounds must be finite numbers (K is compact); got {raw!r} in {text!r}")
    return evaluate_constant(raw)


def split_arguments(inner: str) -> list[str]:
    """The comma-separated parts of ``inner``, splitting only outside brackets and parentheses."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(inner):
        depth += (char in "([") - (char in ")]")
        if char == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    return [*parts, inner[start:]]


def vector(raw: str, what: str, text: str, example: str = "[0,0]") -> list[float]:
    """``[c1,...,cn]`` → a list of numbers."""
    match = re.fullmatch(r"\[([^\[\]]+)\]", raw)
    if not match:
        raise ValueError(f"{what} must be a list of coordinates like {example}; got {raw!r} in {text!r}")
    return [number(c, text) for c in match.group(1).split(",")]


def matrix(raw: str, what: str, text: str, example: str = "[[0,0],[1,0],[0,1]]") -> list[list[float]]:
    """``[[a,b],[c,d],...]`` → a list of rows of numbers."""
    if not (raw.startswith("[") and raw.endswith("]")) or not raw[1:-1]:
        raise ValueError(f"{what} must be a list of points like {example}; got {raw!r} in {text!r}")
    return [vector(row, what + " (each point)", text, "[0,0]") for row in split_arguments(raw[1:-1])]


def named_arguments(kind: str, inner: str, text: str, accepted: tuple[str, ...], needs: str,
                    positional: str | None = None) -> dict[str, str]:
    """The ``key=value`` arguments of ``kind(...)``, every name known, none twice, all present. ``positional``
    names the one argument that may be given without a name (a file name for ``points(...)``)."""
    arguments = {}
    for part in split_arguments(inner):
        name, sep, value = part.partition("=")
        if positional is not None and (not sep or name not in accepted) and len(split_arguments(inner)) == 1:
            arguments[positional] = part
            continue
        if not sep or not name:
            raise ValueError(f"{kind} arguments are given by name, {needs.removeprefix('both ')}; got {part!r} in "
                             f"{text!r}")
        if name not in accepted:
            raise ValueError(f"unknown argument {name!r} of {kind}(...){suggest(name, accepted)}; accepted: "
                             f"{', '.join(accepted)}; got {text!r}")
        if name in arguments:
            raise ValueError(f"{kind} argument {name!r} is given twice in {text!r}")
        arguments[name] = value
    missing = [] if positional in arguments else [name for name in accepted if name not in arguments]
    if missing:
        raise ValueError(f"{kind}(...) needs {needs}; {' and '.join(missing)} missing in {text!r}")
    return arguments


def _parse_product(spec: str, text: str):
    """A product of factors ``[a,b]`` or ``[a,b]^n`` joined by ``x`` or ``×``."""
    from uat.domains import Box

    factors, pos = [], 0
    while True:
        factor = _FACTOR.match(spec, pos)
        if not factor:
            raise ValueError(f"{_grammar()}; got {text!r}")
        power = 1 if factor.group(3) is None else int(factor.group(3))
        if power < 1:
            raise ValueError(f"{_grammar()}; got {text!r} (a power ^n needs n >= 1)")
        factors.append((factor.group(1), factor.group(2), power))
        pos = factor.end()
        if pos == len(spec):
            break
        if spec[pos] not in "x×" or pos + 1 == len(spec):
            raise ValueError(f"{_grammar()}; got {text!r}")
        pos += 1
    dim = sum(power for _, _, power in factors)
    if dim > MAX_DIM:
        raise ValueError(f"domain dimension must be at most {MAX_DIM}; {text!r} has dimension {dim}")
    lower, upper = [], []
    for a, b, power in factors:
        lower += [number(a, text)] * power
        upper += [number(b, text)] * power
    return Box(lower, upper)


def _parse_shape(spec: str, text: str):
    name = spec[:spec.index("(")]
    table = _shape_table()
    if name not in table:
        raise ValueError(f"unknown domain shape {name!r}{suggest(name, table)}; accepted: "
                         f"{', '.join(table)} and products of intervals; got {text!r}")
    cls, accepted, needs = table[name]
    return cls._parse(spec[len(name) + 1:-1], text)


def _operators(spec: str) -> list[tuple[int, str]]:
    """Positions of |, & and - outside brackets and parentheses (a '-' right after '[', '(', ',', '=' or an
    operator is a sign, not a difference)."""
    found, depth = [], 0
    for i, char in enumerate(spec):
        depth += (char in "([") - (char in ")]")
        if depth == 0 and char in "|&-" and (char != "-" or (i > 0 and spec[i - 1] not in "|&-([,=")):
            found.append((i, char))
    return found


def _parse_expression(spec: str, text: str):
    if not spec:
        raise ValueError(f"{_grammar()}; got {text!r} (an operand is missing)")
    operators = _operators(spec)
    for symbol in "|&-":  # the loosest binding first: split there, left-associative
        at = [i for i, char in operators if char == symbol]
        if at:
            i = at[-1]
            left, right = _parse_expression(spec[:i], text), _parse_expression(spec[i + 1:], text)
            return {"|": left.__or__, "&": left.__and__, "-": left.__sub__}[symbol](right)
    if spec.startswith("(") and spec.endswith(")") and _closes_at_end(spec):
        return _parse_expression(spec[1:-1], text)
    if re.match(r"[A-Za-z_]\w*\(", spec) and spec.endswith(")"):
        return _parse_shape(spec, text)
    return _parse_product(spec, text)


def _closes_at_end(spec: str) -> bool:
    """Whether the '(' at spec[0] is closed by the ')' at its end (not '(a)|(b)')."""
    depth = 0
    for i, char in enumerate(spec):
        depth += (char in "([") - (char in ")]")
        if depth == 0:
            return i == len(spec) - 1
    return False


def parse_domain(text: str, *, folder: str | None = None):
    """Parse a domain (the grammar is in this module's docstring): ``"[-1,1]^2"``, ``"ball(center=[0,0],
    radius=1)"``, ``"simplex(vertices=[[0,0],[1,0],[0,1]])"``, ``"[0,1]^2 - ball(center=[0.5,0.5],
    radius=0.25)"``, ``"points(data.csv)"``, … ``str`` of every domain reads back to an equal domain.

    A product ``^n`` repeats the interval just before it, as a power binds tighter than a product:
    ``"[-1,1]^3"`` is the cube, ``"[-1,1]x[0,2]^2"`` and ``"[0,2]^2x[-1,1]"`` are both 3-D.
    ``folder``: where relative file names (``points(file.csv)``) are read from (default the working directory).
    """
    if folder is not None:
        token = FOLDER.set(folder)
        try:
            return parse_domain(text)
        finally:
            FOLDER.reset(token)
    if not isinstance(text, str):
        raise TypeError(f"domain must be a string like '[-1,1]x[0,2]'; got {text!r}")
    spec = text.replace(" ", "")
    depth = 0
    for char in spec:
        depth += (char in "([") - (char in ")]")
        if depth < 0:
            break
    if depth != 0:
        raise ValueError(f"{_grammar()}; got {text!r} (unbalanced brackets or parentheses)")
    return _parse_expression(spec, text)


def as_domain(domain):
    """Coerce a domain, a string such as ``"[-1,1]x[0,2]"`` or a pair ``(a, b)`` (1-D) to a domain."""
    import numpy as np

    from uat.domains import Box, Domain

    if isinstance(domain, Domain):
        return domain
    if isinstance(domain, str):
        return parse_domain(domain)
    if isinstance(domain, (tuple, list)) and len(domain) == 2 and all(np.isscalar(v) for v in domain):
        return Box(domain[0], domain[1])
    raise TypeError(
        f"domain must be a Box, a Ball, a string like '[-1,1]x[0,2]' or a pair (a, b) (or another uat domain: "
        f"Simplex, Polygon, Annulus, ...); got {domain!r}"
    )
