"""Safe target expressions: a formula string becomes a vectorised numpy function.

``compile_expression("sin(2*pi*x) + abs(x)")`` parses the text with ``ast.parse(text,
mode="eval")`` and walks the tree against a whitelist, building a tree of small closures
that evaluate with numpy. User text is never passed to ``eval``, ``exec`` or ``compile``.

Grammar (everything else is refused with :class:`~uat.exceptions.ExpressionError`):

- numbers (int literals become floats at once, so ``9**9**9`` overflows to ``inf``);
- variables ``x1, x2, ...`` (column ``i - 1`` of ``X``) and the aliases ``x, y, z``;
- the constants in :data:`EXPRESSION_CONSTANTS` (``pi, e, tau``);
- ``+ - * / ** % //``, unary ``-`` and ``+``, comparisons ``< <= > >= == !=`` (also chained;
  they give 0.0 or 1.0);
- calls of the functions in :data:`EXPRESSION_FUNCTIONS`, positional arguments only;
- one top-level tuple, ``"cos(pi*x), sin(pi*x)"``, for a vector-valued target.

An expression is one line of printable ASCII (newlines, tabs and non-ASCII characters are
refused, so that every error can point at a column), at most ``MAX_LENGTH`` characters and
``MAX_DEPTH`` levels of nesting (a sum of more than ~100 terms counts as deep). Leading and
trailing spaces are allowed, and a trailing ``# comment`` is ignored as in Python. A
one-element tuple ``"f,"`` has one output, like ``"f"``.
"""

import ast
import difflib
import functools
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
from scipy import special

from uat.exceptions import ExpressionError

__all__ = [
    "Expression",
    "compile_expression",
    "evaluate_constant",
    "EXPRESSION_FUNCTIONS",
    "EXPRESSION_CONSTANTS",
]

MAX_LENGTH = 2000
MAX_DEPTH = 100

_Evaluator = Callable[[np.ndarray], "np.ndarray | float"]  # X (N, n) -> (N,) array or scalar


class ExpressionFunction(NamedTuple):
    """One entry of :data:`EXPRESSION_FUNCTIONS`."""

    func: Callable[..., np.ndarray]
    n_args: int
    signature: str
    description: str


def _where(cond, a, b):
    """``a`` where ``cond != 0`` (nan counts as true), else ``b``."""
    return np.where(np.not_equal(cond, 0.0), a, b)


_FUNCTION_ROWS = {  # name: (callable, parameters, one-line description)
    "sin": (np.sin, "x", "sine (radians)"),
    "cos": (np.cos, "x", "cosine (radians)"),
    "tan": (np.tan, "x", "tangent (radians)"),
    "arcsin": (np.arcsin, "x", "inverse sine, in [-pi/2, pi/2]"),
    "arccos": (np.arccos, "x", "inverse cosine, in [0, pi]"),
    "arctan": (np.arctan, "x", "inverse tangent, in (-pi/2, pi/2)"),
    "arctan2": (np.arctan2, "y, x", "angle of the point (x, y), in [-pi, pi]"),
    "sinh": (np.sinh, "x", "hyperbolic sine"),
    "cosh": (np.cosh, "x", "hyperbolic cosine"),
    "tanh": (np.tanh, "x", "hyperbolic tangent"),
    "arcsinh": (np.arcsinh, "x", "inverse hyperbolic sine"),
    "arccosh": (np.arccosh, "x", "inverse hyperbolic cosine, x >= 1"),
    "arctanh": (np.arctanh, "x", "inverse hyperbolic tangent, |x| < 1"),
    "exp": (np.exp, "x", "e**x"),
    "exp2": (np.exp2, "x", "2**x"),
    "expm1": (np.expm1, "x", "exp(x) - 1, accurate near 0"),
    "log": (np.log, "x", "natural logarithm"),
    "log2": (np.log2, "x", "base-2 logarithm"),
    "log10": (np.log10, "x", "base-10 logarithm"),
    "log1p": (np.log1p, "x", "log(1 + x), accurate near 0"),
    "sqrt": (np.sqrt, "x", "square root"),
    "cbrt": (np.cbrt, "x", "real cube root, also for x < 0"),
    "abs": (np.abs, "x", "absolute value"),
    "sign": (np.sign, "x", "-1, 0 or 1"),
    "floor": (np.floor, "x", "largest integer <= x"),
    "ceil": (np.ceil, "x", "smallest integer >= x"),
    "minimum": (np.minimum, "a, b", "elementwise minimum (nan if either is nan)"),
    "maximum": (np.maximum, "a, b", "elementwise maximum (nan if either is nan)"),
    "hypot": (np.hypot, "a, b", "sqrt(a**2 + b**2) without overflow"),
    "mod": (np.mod, "a, b", "remainder with the sign of b, same as a % b"),
    "clip": (np.clip, "x, lo, hi", "x limited to [lo, hi]"),
    "where": (_where, "cond, a, b", "a where cond != 0 (nan counts as true), else b"),
    "heaviside": (np.heaviside, "x, h0", "0 for x < 0, h0 at x == 0, 1 for x > 0"),
    "sinc": (np.sinc, "x", "sin(pi*x)/(pi*x), 1 at x == 0"),
    "erf": (special.erf, "x", "error function"),
    "erfc": (special.erfc, "x", "complementary error function 1 - erf(x)"),
    "expit": (special.expit, "x", "logistic sigmoid 1/(1 + exp(-x))"),
}
_FUNCTION_ALIASES = {
    "asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2",
    "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh",
    "min": "minimum", "max": "maximum", "sigmoid": "expit",
}  # fmt: skip


def _function_table() -> dict[str, ExpressionFunction]:
    table = {
        name: ExpressionFunction(func, params.count(",") + 1, f"{name}({params})", doc)
        for name, (func, params, doc) in _FUNCTION_ROWS.items()
    }
    for alias, name in _FUNCTION_ALIASES.items():
        func, n_args, signature, _ = table[name]
        alias_signature = alias + signature[len(name) :]
        table[alias] = ExpressionFunction(func, n_args, alias_signature, f"alias of {name}")
    return dict(sorted(table.items()))


#: name -> ExpressionFunction(func, n_args, signature, description), read-only, sorted by name.
EXPRESSION_FUNCTIONS = MappingProxyType(_function_table())
#: name -> value of the named constants, read-only.
EXPRESSION_CONSTANTS = MappingProxyType({"pi": np.pi, "e": np.e, "tau": 2 * np.pi})

_VARIABLE_ALIASES = {"x": 1, "y": 2, "z": 3}
_ALLOWED = (
    "allowed: numbers, the variables x, y, z, x1, x2, ..., the constants pi, e, tau, "
    "arithmetic + - * / ** % //, comparisons, and the functions abs, arccos, ... "
    "(see uat.expressions.EXPRESSION_FUNCTIONS)"
)
_LOGIC_HINT = "for logic use comparisons and where(cond, a, b); (a > 0)*(b > 0) means 'and'"
_TUPLE_HINT = "only the whole expression can be a tuple of outputs: f1, f2"


# ----------------------------------------------------------------------------- errors
def _error(text: str, span: tuple[int, int], headline: str, hint: str = "") -> ExpressionError:
    """Headline with the 1-based column, the text, a caret line under ``span``, a hint."""
    start, end = span
    shown = "".join(c if " " <= c <= "~" else "?" for c in text)
    carets = " " * start + "^" * max(1, end - start)
    lines = [f"{headline} (column {start + 1}):", f"  {shown}", f"  {carets}"]
    return ExpressionError("\n".join(lines + ([hint] if hint else [])))


def _span(node: ast.AST) -> tuple[int, int]:
    return node.col_offset, node.end_col_offset


def _suggest(name: str, candidates) -> str:
    by_lower = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(name, list(candidates), n=1) or [by_lower.get(name.lower())]
    return f"did you mean '{close[0]}'? " if close[0] else ""


_REFUSED = {  # node type: (what, hint)
    ast.Attribute: ("attribute access", _ALLOWED),
    ast.Subscript: ("subscripts", "write x2 for the second input, not x[1]"),
    ast.Slice: ("slices", _ALLOWED),
    ast.Starred: ("starred arguments (*)", "pass arguments one by one, e.g. hypot(x, y)"),
    ast.Lambda: ("lambda", _ALLOWED),
    ast.ListComp: ("comprehensions", _ALLOWED),
    ast.SetComp: ("comprehensions", _ALLOWED),
    ast.DictComp: ("comprehensions", _ALLOWED),
    ast.GeneratorExp: ("generator expressions", _ALLOWED),
    ast.List: ("lists [...]", _TUPLE_HINT),
    ast.Set: ("sets {...}", _ALLOWED),
    ast.Dict: ("dicts {...}", _ALLOWED),
    ast.JoinedStr: ("f-strings", _ALLOWED),
    ast.NamedExpr: ("assignment expressions (:=)", _ALLOWED),
    ast.IfExp: ("'a if cond else b'", "use where(cond, a, b)"),
    ast.BoolOp: ("'and' / 'or'", _LOGIC_HINT),
    ast.Await: ("await", _ALLOWED),
    ast.Yield: ("yield", _ALLOWED),
    ast.YieldFrom: ("yield", _ALLOWED),
    ast.Tuple: ("nested tuples", _TUPLE_HINT),
}
_REFUSED_CONSTANTS = {  # type of a literal: (what, hint)
    bool: ("True or False", "write 1 or 0"),
    complex: ("complex numbers", "targets are real-valued"),
    str: ("strings", _ALLOWED),
    bytes: ("bytes", _ALLOWED),
    type(None): ("None", _ALLOWED),
    type(...): ("'...'", _ALLOWED),
}


def _refusal(node: ast.AST, text: str) -> ExpressionError:
    what, hint = _REFUSED.get(type(node), (f"{type(node).__name__} syntax", _ALLOWED))
    return _error(text, _span(node), f"cannot use {what} in an expression", hint)


def _operator_error(text: str, node, left, right, symbol: str, hint: str) -> ExpressionError:
    start = text.find(symbol, left.end_col_offset, right.col_offset)
    span = (start, start + len(symbol)) if start >= 0 else _span(node)
    return _error(text, span, f"cannot use the operator '{symbol}' in an expression", hint)


# ----------------------------------------------------------------------------- text -> tree
_UNICODE_HINTS = {"π": "pi", "τ": "tau", "×": "*", "·": "*", "−": "-", "²": "**2"}


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"expression must be a string; got {type(text).__name__}")
    if not text.strip():
        raise _error(text, (0, 1), "the expression is empty", "write a formula such as sin(2*pi*x)")
    if len(text) > MAX_LENGTH:
        headline = f"expression is too long: {len(text)} characters; the limit is {MAX_LENGTH}"
        raise _error(text[:60] + "...", (0, 1), headline)
    for column, char in enumerate(text):
        if not " " <= char <= "~":
            hint = f"write {_UNICODE_HINTS[char]} instead" if char in _UNICODE_HINTS else ""
            what = f"the character {char!r} (U+{ord(char):04X})"
            headline = f"cannot use {what}: an expression is one line of printable ASCII"
            raise _error(text, (column, column + 1), headline, hint)
    return text


def _parse(text: str) -> ast.expr:
    """Parse one line of ASCII into the body of an ``ast.Expression``; columns index ``text``."""
    shift = len(text) - len(text.lstrip(" "))  # ast.parse refuses leading spaces as an indent
    try:
        with warnings.catch_warnings():  # odd literals warn in the tokenizer: refuse them instead
            warnings.simplefilter("error")
            body = ast.parse(text[shift:], mode="eval").body
    except SyntaxError as err:
        raise _syntax_error(text, err, shift) from err
    except (RecursionError, MemoryError, ValueError) as err:
        headline = f"expression is too deeply nested to parse (the limit is {MAX_DEPTH} levels)"
        raise _error(text, (0, len(text)), headline) from err
    for node in ast.walk(body):
        if hasattr(node, "col_offset"):
            node.col_offset += shift
            node.end_col_offset += shift
    return body


def _syntax_error(text: str, err: SyntaxError, shift: int) -> ExpressionError:
    offset, end_offset = err.offset or 0, err.end_offset or 0
    start = offset - 1 + shift if offset >= 1 else len(text)  # offset 0: at the end of the text
    end = end_offset - 1 + shift if end_offset > offset else start + 1
    message = "invalid syntax" if err.msg == "invalid syntax" else f"invalid syntax: {err.msg}"
    return _error(text, (start, end), message)


def _check_depth(body: ast.expr, text: str) -> None:
    stack = [(body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            headline = f"expression is nested more than {MAX_DEPTH} levels deep"
            raise _error(text, (node.col_offset, node.col_offset + 1), headline)
        children = ast.iter_child_nodes(node)
        stack.extend((c, depth + 1) for c in children if isinstance(c, (ast.expr, ast.keyword)))


# ----------------------------------------------------------------------------- tree -> closures
def _input_number(name: str) -> int:
    """1-based input index of a variable name already accepted by ``_variable``."""
    return _VARIABLE_ALIASES.get(name) or int(name[1:])


def _variable(node: ast.Name, text: str) -> int | None:
    """1-based input index of a variable, None if the name is not a variable."""
    if node.id in _VARIABLE_ALIASES:
        return _VARIABLE_ALIASES[node.id]
    match = re.fullmatch(r"x([0-9]+)", node.id)
    if match is None:
        return None
    digits = match.group(1)
    if not digits.strip("0"):
        headline = f"no variable {node.id}: indices start at 1"
        raise _error(text, _span(node), headline, "x1 (or x) is the first input")
    if digits.startswith("0"):
        headline = f"write x{digits.lstrip('0')}, not {node.id}: no leading zeros"
        raise _error(text, _span(node), headline)
    return int(digits)


def _compile_name(node: ast.Name, text: str) -> _Evaluator:
    if node.id in EXPRESSION_CONSTANTS:
        value = float(EXPRESSION_CONSTANTS[node.id])
        return lambda X: value
    index = _variable(node, text)
    if index is not None:
        return lambda X: X[:, index - 1]
    if node.id in EXPRESSION_FUNCTIONS:
        signature = EXPRESSION_FUNCTIONS[node.id].signature
        raise _error(text, _span(node), f"'{node.id}' is a function; call it as {signature}")
    names = [*_VARIABLE_ALIASES, "x1", "x2", *EXPRESSION_CONSTANTS, *EXPRESSION_FUNCTIONS]
    hint = "names are the variables x, y, z, x1, x2, ... and the constants pi, e, tau"
    raise _error(text, _span(node), f"unknown name '{node.id}'", _suggest(node.id, names) + hint)


def _compile_constant(node: ast.Constant, text: str) -> _Evaluator:
    if type(node.value) in _REFUSED_CONSTANTS:
        what, hint = _REFUSED_CONSTANTS[type(node.value)]
        raise _error(text, _span(node), f"cannot use {what} in an expression", hint)
    try:
        value = float(node.value)
    except OverflowError:  # an int literal beyond the float range
        value = np.inf
    return lambda X: value


_UNARY = {ast.USub: np.negative, ast.UAdd: np.positive}
_REFUSED_UNARY = {
    ast.Not: ("not", "write 1 - (cond) or where(cond, 0, 1)"),
    ast.Invert: ("~", _LOGIC_HINT),
}


def _compile_unary(node: ast.UnaryOp, text: str) -> _Evaluator:
    if type(node.op) in _REFUSED_UNARY:
        symbol, hint = _REFUSED_UNARY[type(node.op)]
        span = (node.col_offset, node.col_offset + len(symbol))
        raise _error(text, span, f"cannot use the operator '{symbol}' in an expression", hint)
    ufunc, operand = _UNARY[type(node.op)], _compile(node.operand, text)
    return lambda X: ufunc(operand(X))


_BINARY = {
    ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.true_divide,
    ast.Pow: np.power, ast.Mod: np.remainder, ast.FloorDiv: np.floor_divide,
}  # fmt: skip
_REFUSED_BINARY = {
    ast.BitAnd: ("&", _LOGIC_HINT), ast.BitOr: ("|", _LOGIC_HINT),
    ast.BitXor: ("^", "write x**2 for powers"), ast.MatMult: ("@", "write * to multiply"),
    ast.LShift: ("<<", _ALLOWED), ast.RShift: (">>", _ALLOWED),
}  # fmt: skip


def _compile_binary(node: ast.BinOp, text: str) -> _Evaluator:
    if type(node.op) in _REFUSED_BINARY:
        symbol, hint = _REFUSED_BINARY[type(node.op)]
        raise _operator_error(text, node, node.left, node.right, symbol, hint)
    ufunc = _BINARY[type(node.op)]
    left, right = _compile(node.left, text), _compile(node.right, text)
    return lambda X: ufunc(left(X), right(X))


_COMPARE = {
    ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater, ast.GtE: np.greater_equal,
    ast.Eq: np.equal, ast.NotEq: np.not_equal,
}  # fmt: skip
_REFUSED_COMPARE = {ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}


def _compile_compare(node: ast.Compare, text: str) -> _Evaluator:
    operands = [node.left, *node.comparators]
    for op, left, right in zip(node.ops, operands, operands[1:]):
        if type(op) in _REFUSED_COMPARE:
            symbol = _REFUSED_COMPARE[type(op)]
            raise _operator_error(text, node, left, right, symbol, "compare numbers with == and !=")
    ufuncs = [_COMPARE[type(op)] for op in node.ops]
    evaluators = [_compile(operand, text) for operand in operands]

    def evaluate(X):
        values = [f(X) for f in evaluators]
        truths = [ufunc(a, b) for ufunc, a, b in zip(ufuncs, values, values[1:])]
        return np.asarray(functools.reduce(np.logical_and, truths), dtype=np.float64)

    return evaluate


def _callee(node: ast.Call, text: str) -> ExpressionFunction:
    func = node.func
    if isinstance(func, ast.Attribute):
        raise _refusal(func, text)
    if not isinstance(func, ast.Name):
        raise _error(text, _span(func), "can only call functions by name, e.g. sin(x)", _ALLOWED)
    if func.id in EXPRESSION_FUNCTIONS:
        return EXPRESSION_FUNCTIONS[func.id]
    if func.id in EXPRESSION_CONSTANTS or re.fullmatch(r"[xyz]|x\d+", func.id):
        hint = f"to multiply write {func.id}*(...)"
        raise _error(text, _span(func), f"'{func.id}' is not a function", hint)
    hint = _suggest(func.id, EXPRESSION_FUNCTIONS) + "functions: " + ", ".join(EXPRESSION_FUNCTIONS)
    raise _error(text, _span(func), f"unknown function '{func.id}'", hint)


def _compile_call(node: ast.Call, text: str) -> _Evaluator:
    entry = _callee(node, text)
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            raise _refusal(arg, text)
    if node.keywords:
        what = "keyword arguments" if node.keywords[0].arg else "** unpacking"
        headline = f"cannot use {what} in an expression"
        raise _error(text, _span(node.keywords[0]), headline, f"write {entry.signature}")
    if len(node.args) != entry.n_args:
        plural = "argument" if entry.n_args == 1 else "arguments"
        got = f"{entry.n_args} {plural}, {entry.signature}; got {len(node.args)}"
        raise _error(text, _span(node), f"{node.func.id} takes {got}")
    func, arguments = entry.func, [_compile(arg, text) for arg in node.args]
    return lambda X: func(*[argument(X) for argument in arguments])


_HANDLERS = {
    ast.Constant: _compile_constant, ast.Name: _compile_name, ast.UnaryOp: _compile_unary,
    ast.BinOp: _compile_binary, ast.Compare: _compile_compare, ast.Call: _compile_call,
}  # fmt: skip


def _compile(node: ast.expr, text: str) -> _Evaluator:
    handler = _HANDLERS.get(type(node))
    if handler is None:
        raise _refusal(node, text)
    return handler(node, text)


def _compile_outputs(body: ast.expr, text: str) -> tuple[_Evaluator, ...]:
    if not isinstance(body, ast.Tuple):
        return (_compile(body, text),)
    if not body.elts:
        raise _error(text, _span(body), "cannot use an empty tuple", "write f1, f2 for two outputs")
    return tuple(_compile(element, text) for element in body.elts)


def _variable_nodes(body: ast.expr) -> list[ast.Name]:
    """Name nodes of a compiled expression that are variables, in source order."""
    callees = {id(node.func) for node in ast.walk(body) if isinstance(node, ast.Call)}
    names = [n for n in ast.walk(body) if isinstance(n, ast.Name) and id(n) not in callees]
    variables = [n for n in names if n.id not in EXPRESSION_CONSTANTS]
    return sorted(variables, key=lambda n: n.col_offset)


# ----------------------------------------------------------------------------- public API
@dataclass(frozen=True)
class Expression:
    """A compiled target expression; build it with :func:`compile_expression`.

    Attributes
    ----------
    text : str
        The expression as written.
    n_inputs : int
        Smallest number of columns ``X`` needs: the largest variable index used (0 if none).
    n_outputs : int
        1, or the length of the top-level tuple.
    variables : tuple of str
        Variable names as written, sorted by input index then name, e.g. ``("x", "x1", "y")``.
    """

    text: str
    n_inputs: int
    n_outputs: int
    variables: tuple[str, ...]
    _evaluators: tuple[_Evaluator, ...] = field(compare=False, repr=False)

    def __call__(self, X) -> np.ndarray:
        """Evaluate at the rows of ``X``.

        Parameters
        ----------
        X : array_like, shape (N, n) with n >= n_inputs
            Column ``i - 1`` holds the variable ``xi``; extra columns are ignored.

        Returns
        -------
        ndarray of float64, shape (N,) if n_outputs == 1 else (N, n_outputs)
            Constant parts are broadcast to N rows. Values are not checked for finiteness.
        """
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(
                f"X must be a 2-D array of shape (N, n) for expression {self.text!r}; "
                f"got shape {X.shape}"
            )
        if X.shape[1] < self.n_inputs:
            raise ValueError(
                f"expression {self.text!r} uses {max(self.variables, key=_input_number)}, so X "
                f"needs at least {self.n_inputs} columns; got X with {X.shape[1]} (shape {X.shape})"
            )
        with np.errstate(all="ignore"):
            columns = [_broadcast(evaluate(X), X.shape[0]) for evaluate in self._evaluators]
        return columns[0] if self.n_outputs == 1 else np.stack(columns, axis=1)


def _broadcast(value, n_rows: int) -> np.ndarray:
    column = np.empty(n_rows, dtype=np.float64)
    column[...] = value
    return column


def _build(text: str) -> tuple[Expression, ast.expr]:
    body = _parse(_check_text(text))
    _check_depth(body, text)
    evaluators = _compile_outputs(body, text)
    names = {node.id for node in _variable_nodes(body)}
    variables = tuple(sorted(names, key=lambda name: (_input_number(name), name)))
    n_inputs = max(map(_input_number, variables), default=0)
    return Expression(text, n_inputs, len(evaluators), variables, evaluators), body


def compile_expression(text: str) -> Expression:
    """Compile a target formula such as ``"sin(2*pi*x) + abs(x)"`` into an :class:`Expression`.

    Parameters
    ----------
    text : str
        One line in the whitelisted grammar described in the module docstring.

    Returns
    -------
    Expression
        Callable on arrays ``X`` of shape (N, n) with n >= ``n_inputs``.

    Raises
    ------
    TypeError
        If ``text`` is not a str.
    ExpressionError
        If ``text`` does not parse or uses anything outside the whitelist; the message names
        the column and underlines the offending part.
    """
    return _build(text)[0]


def evaluate_constant(text: str) -> float:
    """Value of a constant expression such as ``"2*pi"`` or ``"sqrt(2)/2"``.

    Returns a Python float, which may be inf or nan if the arithmetic gives it. Raises
    ExpressionError if ``text`` uses a variable or is a tuple, TypeError if it is not a str.
    """
    expression, body = _build(text)
    if isinstance(body, ast.Tuple):
        raise _error(text, _span(body), "a constant must be one number, not a tuple")
    variables = _variable_nodes(body)
    if variables:
        headline = f"a constant cannot use the variable '{variables[0].id}'"
        hint = "bounds and constants are numbers, e.g. 2*pi or sqrt(2)/2"
        raise _error(text, _span(variables[0]), headline, hint)
    return float(expression(np.empty((1, 0)))[0])
