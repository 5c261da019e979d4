"""Tests of uat.expressions: values, attributes, every refusal, and hypothesis properties."""

import ast
import dataclasses
import re
import string
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy import special

from uat import expressions
from uat.exceptions import ExpressionError
from uat.expressions import (
    EXPRESSION_CONSTANTS,
    EXPRESSION_FUNCTIONS,
    Expression,
    compile_expression,
    evaluate_constant,
)

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def make_X(n_rows=64, n_cols=4, seed=0):
    """Random inputs with the awkward values 0, ±1, ±0.5 mixed in."""
    X = 3 * np.random.default_rng(seed).standard_normal((n_rows, n_cols))
    X[:5] = [[0.0], [1.0], [-1.0], [0.5], [-0.5]]
    return X


# ----------------------------------------------------------------------------- values
def _cols(X):
    return X[:, 0], X[:, 1], X[:, 2]


VALUE_CASES = [
    ("sin(2*pi*x) + abs(x)", lambda x, y, z: np.sin(2 * np.pi * x) + np.abs(x)),
    ("x1*x2 + exp(-x1**2)", lambda x, y, z: x * y + np.exp(-(x**2))),
    ("x*y + z", lambda x, y, z: x * y + z),
    ("x3 - x2", lambda x, y, z: z - y),
    ("1", lambda x, y, z: np.ones_like(x)),
    ("-2.5e-1", lambda x, y, z: np.full_like(x, -0.25)),
    ("pi + e + tau", lambda x, y, z: np.full_like(x, np.pi + np.e + 2 * np.pi)),
    ("-x**2", lambda x, y, z: -(x**2)),
    ("2**3**2", lambda x, y, z: np.full_like(x, 512.0)),
    ("2*x + 3*y/4 - z", lambda x, y, z: 2 * x + 3 * y / 4 - z),
    ("(x + 1)*(y - 1)", lambda x, y, z: (x + 1) * (y - 1)),
    ("+x - -y", lambda x, y, z: x + y),
    ("x % 0.7", lambda x, y, z: np.remainder(x, 0.7)),
    ("x % -0.7", lambda x, y, z: np.remainder(x, -0.7)),
    ("x // 0.7", lambda x, y, z: np.floor_divide(x, 0.7)),
    ("x // -0.7", lambda x, y, z: np.floor_divide(x, -0.7)),
    ("-7.5 % 2 + 10*(-7.5 // 2)", lambda x, y, z: np.full_like(x, 0.5 - 40.0)),
    ("x < y", lambda x, y, z: (x < y).astype(float)),
    ("x <= 0", lambda x, y, z: (x <= 0).astype(float)),
    ("x == x", lambda x, y, z: np.ones_like(x)),
    ("x != y", lambda x, y, z: (x != y).astype(float)),
    ("-1 < x < 1", lambda x, y, z: ((-1 < x) & (x < 1)).astype(float)),
    ("x > y >= z", lambda x, y, z: ((x > y) & (y >= z)).astype(float)),
    ("(x < 0) + (x < 1)", lambda x, y, z: (x < 0).astype(float) + (x < 1)),
    ("where(x > 0, x, -x)", lambda x, y, z: np.abs(x)),
    ("where(x, 1, 2)", lambda x, y, z: np.where(x != 0, 1.0, 2.0)),
    ("clip(x, -0.5, 0.5)", lambda x, y, z: np.clip(x, -0.5, 0.5)),
    ("erf(x)", lambda x, y, z: special.erf(x)),
    ("erfc(x) + sigmoid(y) + expit(z)", lambda x, y, z: special.erfc(x) + special.expit(y) + special.expit(z)),
    ("min(x, y) + 10*max(x, y)", lambda x, y, z: np.minimum(x, y) + 10 * np.maximum(x, y)),
    ("minimum(x, 0) + maximum(x, 0)", lambda x, y, z: x),
    ("atan2(y, x) - arctan2(y, x) + hypot(x, y)", lambda x, y, z: np.hypot(x, y)),
    ("heaviside(x, 0.5)", lambda x, y, z: np.heaviside(x, 0.5)),
    ("sinc(x) + cbrt(x) + sign(x)", lambda x, y, z: np.sinc(x) + np.cbrt(x) + np.sign(x)),
    ("floor(x) + 10*ceil(x) + mod(x, 0.3)", lambda x, y, z: np.floor(x) + 10 * np.ceil(x) + np.mod(x, 0.3)),
    ("log(x) + sqrt(y) + arcsin(z)", lambda x, y, z: np.log(x) + np.sqrt(y) + np.arcsin(z)),
    ("asin(x/9) + acos(x/9) + atan(x)", lambda x, y, z: np.arcsin(x / 9) + np.arccos(x / 9) + np.arctan(x)),
    ("asinh(x) + acosh(1 + x*x) + atanh(x/9)",
     lambda x, y, z: np.arcsinh(x) + np.arccosh(1 + x * x) + np.arctanh(x / 9)),
    ("exp2(x) + expm1(x) + log1p(abs(x)) + log2(abs(x)) + log10(abs(y))",
     lambda x, y, z: np.exp2(x) + np.expm1(x) + np.log1p(np.abs(x)) + np.log2(np.abs(x)) + np.log10(np.abs(y))),
    ("tan(x) + sinh(x) + cosh(y) + tanh(z)", lambda x, y, z: np.tan(x) + np.sinh(x) + np.cosh(y) + np.tanh(z)),
    ("0/(x - x) + 9**9**9", lambda x, y, z: np.full_like(x, np.nan)),
    ("1/(x - x) - 9**9**9", lambda x, y, z: np.full_like(x, np.nan)),
    ("1/(x - x) + 9**9**9", lambda x, y, z: np.full_like(x, np.inf)),
    ("1/x", lambda x, y, z: 1 / x),
]  # fmt: skip


@pytest.mark.parametrize(("text", "reference"), VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_values_match_numpy(text, reference):
    X = make_X()
    with np.errstate(all="ignore"):
        want = reference(*_cols(X))
    got = compile_expression(text)(X)
    assert got.shape == (X.shape[0],) and got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-14, equal_nan=True)


def test_overflow_and_nan_are_returned_not_raised():
    X = make_X()
    got = compile_expression("9**9**9 + sqrt(x) + 1/x")(X)  # -W error: no RuntimeWarning escapes
    assert np.isposinf(got[0]) and np.isnan(got[2])


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        ("(cos(pi*x), sin(pi*x))", lambda x, y: [np.cos(np.pi * x), np.sin(np.pi * x)]),
        ("cos(pi*x), sin(pi*x)", lambda x, y: [np.cos(np.pi * x), np.sin(np.pi * x)]),
        ("(x, 1)", lambda x, y: [x, np.ones_like(x)]),
        ("x*y, x + y, 2", lambda x, y: [x * y, x + y, np.full_like(x, 2.0)]),
    ],
)
def test_vector_outputs(text, columns):
    X = make_X()
    got = compile_expression(text)(X)
    want = np.stack(columns(X[:, 0], X[:, 1]), axis=1)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-15)


def test_constant_broadcasts_to_rows():
    np.testing.assert_array_equal(compile_expression("1")(np.zeros((7, 1))), np.ones(7))
    np.testing.assert_array_equal(compile_expression("2")(np.zeros((3, 0))), np.full(3, 2.0))
    assert compile_expression("(x, 1)")(np.zeros((0, 1))).shape == (0, 2)


def test_one_element_tuple_has_one_output():
    got = compile_expression("x,")(make_X())
    assert got.shape == (64,)


def test_result_is_a_fresh_array_and_accepts_lists():
    X = make_X()
    got = compile_expression("x")(X)
    got[:] = 0.0
    assert X[:, 0].any()
    np.testing.assert_array_equal(compile_expression("x + y")([[1, 2], [3, 4]]), [3.0, 7.0])


def test_comparisons_give_float_zero_one():
    got = compile_expression("x > 0")(make_X())
    assert got.dtype == np.float64 and set(np.unique(got)) <= {0.0, 1.0}


# ----------------------------------------------------------------------------- attributes
@pytest.mark.parametrize(
    ("text", "n_inputs", "n_outputs", "variables"),
    [
        ("sin(2*pi*x) + abs(x)", 1, 1, ("x",)),
        ("x1*x2 + exp(-x1**2)", 2, 1, ("x1", "x2")),
        ("x*y + z", 3, 1, ("x", "y", "z")),
        ("x3", 3, 1, ("x3",)),
        ("x10 + x2 + x", 10, 1, ("x", "x2", "x10")),
        ("x1 + x", 1, 1, ("x", "x1")),
        ("1", 0, 1, ()),
        ("pi*e", 0, 1, ()),
        ("(cos(pi*x), sin(pi*x))", 1, 2, ("x",)),
        ("1, 2, y", 2, 3, ("y",)),
    ],
)
def test_attributes(text, n_inputs, n_outputs, variables):
    expression = compile_expression(text)
    assert (expression.text, expression.n_inputs) == (text, n_inputs)
    assert (expression.n_outputs, expression.variables) == (n_outputs, variables)


def test_expression_is_frozen_and_compares_by_text():
    expression = compile_expression("x + 1")
    assert expression == compile_expression("x + 1") != compile_expression("x+1")
    assert "evaluator" not in repr(expression)
    with pytest.raises(dataclasses.FrozenInstanceError):
        expression.text = "y"


def test_too_few_columns_is_refused():
    with pytest.raises(ValueError, match=r"'x\*y \+ z' uses z, so X needs at least 3 columns; got X with 2"):
        compile_expression("x*y + z")(make_X(n_cols=2))


def test_extra_columns_are_ignored():
    X = make_X(n_cols=4)
    np.testing.assert_array_equal(compile_expression("x2")(X), X[:, 1])


@pytest.mark.parametrize("X", [np.zeros(5), np.zeros((2, 2, 2))])
def test_X_must_be_2d(X):
    with pytest.raises(ValueError, match=r"X must be a 2-D array of shape \(N, n\) for expression 'x'"):
        compile_expression("x")(X)


# ----------------------------------------------------------------------------- constants
@pytest.mark.parametrize(
    ("text", "value"),
    [("2*pi", 2 * np.pi), ("-1", -1.0), ("sqrt(2)/2", np.sqrt(2) / 2), ("tau", 2 * np.pi), ("e", np.e),
     ("  1e-3 ", 1e-3), ("0x10", 16.0)],
)  # fmt: skip
def test_evaluate_constant(text, value):
    got = evaluate_constant(text)
    assert type(got) is float and got == pytest.approx(value, rel=1e-15)


def test_evaluate_constant_returns_non_finite_values():
    assert evaluate_constant("1e400") == np.inf
    assert evaluate_constant("9**9**9") == np.inf
    assert np.isnan(evaluate_constant("0/0"))
    assert evaluate_constant("1" * 400) == np.inf  # an int literal beyond the float range


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("x + 1", r"cannot use the variable 'x' \(column 1\)"),
        ("2*pi*y", r"cannot use the variable 'y' \(column 6\)"),
        ("sin(x3) + x1", r"cannot use the variable 'x3' \(column 5\)"),
        ("(1, 2)", r"one number, not a tuple \(column 1\)"),
        ("1, 2", r"one number, not a tuple \(column 1\)"),
        ("pie", r"unknown name 'pie' \(column 1\)"),
    ],
)
def test_evaluate_constant_refuses(text, pattern):
    with pytest.raises(ExpressionError, match=pattern):
        evaluate_constant(text)


def test_evaluate_constant_type_error():
    with pytest.raises(TypeError, match="expression must be a string; got float"):
        evaluate_constant(2.0)


# ----------------------------------------------------------------------------- refusals
REFUSALS = [
    # attribute access, subscripts, calls of anything but whitelisted names
    ("sin(2*pi*x) + os.system(1)", r"cannot use attribute access in an expression \(column 15\)"),
    ("x.__class__", r"attribute access .*\(column 1\)"),
    ("np.sin(x)", r"attribute access .*\(column 1\)"),
    ("().__class__.__bases__[0].__subclasses__()", r"attribute access .*\(column 1\)"),
    ("x[0]", r"cannot use subscripts .*\(column 1\)"),
    ("1 + sin(x)[0]", r"subscripts .*\(column 5\)"),
    ("__import__('os')", r"unknown function '__import__' \(column 1\)"),
    ("eval('1')", r"unknown function 'eval' \(column 1\)"),
    ("exec('1')", r"unknown function 'exec' \(column 1\)"),
    ("open('f')", r"unknown function 'open' \(column 1\)"),
    ("x + getattr(x, 'real')", r"unknown function 'getattr' \(column 5\)"),
    ("1 + globals()", r"unknown function 'globals' \(column 5\)"),
    ("__builtins__", r"unknown name '__builtins__' \(column 1\)"),
    ("(lambda: 1)()", r"can only call functions by name, e\.g\. sin\(x\) \(column 2\)"),
    ("sin(x)(x)", r"can only call functions by name.*\(column 1\)"),
    ("pi(x)", r"'pi' is not a function \(column 1\)"),
    ("2*x(3)", r"'x' is not a function \(column 3\)"),
    ("sin + 1", r"'sin' is a function; call it as sin\(x\) \(column 1\)"),
    # arguments
    ("clip(x, lo=0, hi=1)", r"cannot use keyword arguments .*\(column 9\)"),
    ("sin(**x)", r"cannot use \*\* unpacking .*\(column 5\)"),
    ("sin(*x)", r"cannot use starred arguments .*\(column 5\)"),
    ("sin(x, y)", r"sin takes 1 argument, sin\(x\); got 2 \(column 1\)"),
    ("1 + clip(x, 1)", r"clip takes 3 arguments, clip\(x, lo, hi\); got 2 \(column 5\)"),
    ("atan2(x)", r"atan2 takes 2 arguments, atan2\(y, x\); got 1 \(column 1\)"),
    ("exp()", r"exp takes 1 argument, exp\(x\); got 0 \(column 1\)"),
    # other syntax
    ("lambda: 1", r"cannot use lambda .*\(column 1\)"),
    ("[x for x in y]", r"cannot use comprehensions .*\(column 1\)"),
    ("{x for x in y}", r"comprehensions .*\(column 1\)"),
    ("{x: 1 for x in y}", r"comprehensions .*\(column 1\)"),
    ("1 + (x for x in y)", r"cannot use generator expressions .*\(column 5\)"),
    ("[x, y]", r"cannot use lists \[\.\.\.\] .*\(column 1\)"),
    ("x + {1}", r"cannot use sets \{\.\.\.\} .*\(column 5\)"),
    ("{x: 1}", r"cannot use dicts \{\.\.\.\} .*\(column 1\)"),
    ("f'{x}'", r"cannot use f-strings .*\(column 1\)"),
    ("(y := x)", r"cannot use assignment expressions \(:=\) .*\(column 2\)"),
    ("x if x > 0 else 0", r"cannot use 'a if cond else b' .*\(column 1\):[\s\S]*use where\(cond, a, b\)"),
    ("x > 0 and y > 0", r"cannot use 'and' / 'or' .*\(column 1\)[\s\S]*where\(cond, a, b\)"),
    ("1 + (x or y)", r"'and' / 'or' .*\(column 6\)"),
    ("not x", r"cannot use the operator 'not' .*\(column 1\)"),
    ("x & y", r"cannot use the operator '&' .*\(column 3\)"),
    ("(x)|(y)", r"operator '\|' .*\(column 4\)"),
    ("x ^ 2", r"operator '\^' .*\(column 3\)[\s\S]*x\*\*2"),
    ("1 + ~x", r"operator '~' .*\(column 5\)"),
    ("x << 1", r"operator '<<' .*\(column 3\)"),
    ("x >> 1", r"operator '>>' .*\(column 3\)"),
    ("x @ y", r"operator '@' .*\(column 3\)"),
    ("x in y", r"operator 'in' .*\(column 3\)"),
    ("x not in y", r"operator 'not in' .*\(column 3\)"),
    ("x is y", r"operator 'is' .*\(column 3\)"),
    ("x < y is not  z", r"operator 'is not' .*\(column 7\)"),
    ("await x", r"cannot use await .*\(column 1\)"),
    ("(yield x)", r"cannot use yield .*\(column 2\)"),
    ("(yield from x)", r"cannot use yield .*\(column 2\)"),
    # literals
    ("'abc'", r"cannot use strings .*\(column 1\)"),
    ("x + b'a'", r"cannot use bytes .*\(column 5\)"),
    ("True", r"cannot use True or False .*\(column 1\)"),
    ("x * None", r"cannot use None .*\(column 5\)"),
    ("...", r"cannot use '\.\.\.' .*\(column 1\)"),
    ("1 + 2j", r"cannot use complex numbers .*\(column 5\)"),
    # names and variables
    ("foo + x", r"unknown name 'foo' \(column 1\)"),
    ("x + inf", r"unknown name 'inf' \(column 5\)"),
    ("nan", r"unknown name 'nan' \(column 1\)"),
    ("x0 + 1", r"no variable x0: indices start at 1 \(column 1\)"),
    ("2*x00", r"no variable x00: indices start at 1 \(column 3\)"),
    ("x01", r"write x1, not x01: no leading zeros \(column 1\)"),
    # tuples
    ("()", r"cannot use an empty tuple \(column 1\)"),
    ("((x, 1), 2)", r"cannot use nested tuples .*\(column 2\)"),
    ("sin((x, 1))", r"nested tuples .*\(column 5\)"),
    ("x + (1, 2)", r"nested tuples .*\(column 5\)"),
    # syntax, characters, size
    ("", r"the expression is empty \(column 1\)"),
    ("   ", r"the expression is empty \(column 1\)"),
    ("(", r"invalid syntax: '\(' was never closed \(column 1\)"),
    ("sin(x", r"'\(' was never closed \(column 4\)"),
    ("x)", r"unmatched '\)' \(column 2\)"),
    ("x +", r"invalid syntax \(column 4\)"),
    ("  x +* 2", r"invalid syntax \(column 6\)"),
    ("1 2", r"invalid syntax \(column 3\)"),
    ("x = 1", r"invalid syntax"),
    ("2x", r"invalid decimal literal \(column 1\)"),
    ("1if x else 2", r"invalid decimal literal \(column 1\)"),  # a tokenizer warning, refused
    ("'\\d'", r"invalid escape sequence"),  # a tokenizer warning, refused
    ("x\n+ 1", r"cannot use the character '\\n' \(U\+000A\): an expression is one line .*\(column 2\)"),
    ("x +\t1", r"character '\\t' .*\(column 4\)"),
    ("x\0", r"character '\\x00' .*\(column 2\)"),
    ("2*π*x", r"character 'π' \(U\+03C0\).*\(column 3\)[\s\S]*write pi instead"),
    ("x+" * 1001 + "x", r"expression is too long: 2003 characters; the limit is 2000"),
    ("(" * 10_000 + "x" + ")" * 10_000, r"too long: 20001 characters; the limit is 2000"),
    ("sin(" * 150 + "x" + ")" * 150, r"nested more than 100 levels deep \(column 401\)"),
    ("-" * 1500 + "x", r"nested more than 100 levels deep"),
    ("2**" * 600 + "2", r"nested more than 100 levels deep"),
    ("+".join(["x"] * 500), r"nested more than 100 levels deep"),
    ("(" * 300 + "x" + ")" * 300, r"too many nested parentheses"),
]


@pytest.mark.parametrize(("text", "pattern"), REFUSALS, ids=[repr(t[:30]) for t, _ in REFUSALS])
def test_refusals(text, pattern):
    with pytest.raises(ExpressionError, match=pattern):
        compile_expression(text)


def test_error_message_layout():
    with pytest.raises(ExpressionError) as info:
        compile_expression("sin(2*pi*x) + os.system(1)")
    lines = str(info.value).splitlines()
    assert lines[:3] == [
        "cannot use attribute access in an expression (column 15):",
        "  sin(2*pi*x) + os.system(1)",
        "                ^^^^^^^^^",
    ]
    assert lines[3].startswith("allowed: numbers, the variables x, y, z, x1, x2, ...")
    assert len(lines) == 4


def test_columns_count_leading_spaces():
    with pytest.raises(ExpressionError) as info:
        compile_expression("   x & y")
    assert str(info.value).splitlines()[1:3] == ["     x & y", "       ^"]
    assert "(column 6)" in str(info.value)


@pytest.mark.parametrize("value", [3, None, b"x", ["x"]])
def test_non_string_is_a_type_error(value):
    with pytest.raises(TypeError, match=f"expression must be a string; got {type(value).__name__}$"):
        compile_expression(value)


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [("sinn(x)", "sin"), ("pie*x", "pi"), ("Sin(x)", "sin"), ("PI*x", "pi"), ("sqr(x)", "sqrt"),
     ("expp(x)", "exp"), ("tua", "tau")],
)  # fmt: skip
def test_suggestions(text, suggestion):
    with pytest.raises(ExpressionError, match=f"did you mean '{suggestion}'\\?"):
        compile_expression(text)


def test_unknown_function_lists_the_functions():
    with pytest.raises(ExpressionError, match=r"functions: abs, acos, .*, tanh, where$"):
        compile_expression("foo(x)")


# ----------------------------------------------------------------------------- tables
REQUIRED_FUNCTIONS = (
    "sin cos tan arcsin arccos arctan arctan2 sinh cosh tanh arcsinh arccosh arctanh exp exp2 "
    "expm1 log log2 log10 log1p sqrt cbrt abs sign floor ceil minimum maximum hypot mod clip "
    "where heaviside sinc asin acos atan atan2 asinh acosh atanh min max erf erfc expit sigmoid"
).split()


def test_function_table():
    assert set(REQUIRED_FUNCTIONS) <= set(EXPRESSION_FUNCTIONS)
    assert list(EXPRESSION_FUNCTIONS) == sorted(EXPRESSION_FUNCTIONS)
    for name, (func, n_args, signature, description) in EXPRESSION_FUNCTIONS.items():
        assert callable(func) and signature.startswith(f"{name}(") and description
        assert signature.count(",") + 1 == n_args
    assert EXPRESSION_FUNCTIONS["asin"].func is np.arcsin
    assert EXPRESSION_FUNCTIONS["max"].func is np.maximum
    assert EXPRESSION_FUNCTIONS["sigmoid"].func is special.expit


def test_tables_are_read_only():
    with pytest.raises(TypeError):
        EXPRESSION_FUNCTIONS["system"] = EXPRESSION_FUNCTIONS["sin"]
    with pytest.raises(TypeError):
        EXPRESSION_CONSTANTS["inf"] = np.inf
    assert dict(EXPRESSION_CONSTANTS) == {"pi": np.pi, "e": np.e, "tau": 2 * np.pi}


def test_public_api():
    assert expressions.__all__ == [
        "Expression", "compile_expression", "evaluate_constant", "EXPRESSION_FUNCTIONS", "EXPRESSION_CONSTANTS",
    ]  # fmt: skip
    assert isinstance(compile_expression("x"), Expression)


def test_module_never_evaluates_text():
    """Guard rail: the module calls no eval/exec/compile/__import__ and does not even name them."""
    tree = ast.parse(Path(expressions.__file__).read_text(encoding="utf-8"))
    banned = {"eval", "exec", "compile", "__import__"}
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert not (names | attributes) & banned


# ----------------------------------------------------------------------------- property: values
REFERENCE_FUNCTIONS = {  # the test's own table: name -> (numpy reference, arity)
    **{name: (getattr(np, name), 1) for name in (
        "sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh exp exp2 expm1 "
        "log log2 log10 log1p sqrt cbrt abs sign floor ceil sinc").split()},
    **{name: (getattr(np, name), 2) for name in "arctan2 minimum maximum hypot mod heaviside".split()},
    "asin": (np.arcsin, 1), "acos": (np.arccos, 1), "atan": (np.arctan, 1), "atan2": (np.arctan2, 2),
    "asinh": (np.arcsinh, 1), "acosh": (np.arccosh, 1), "atanh": (np.arctanh, 1),
    "min": (np.minimum, 2), "max": (np.maximum, 2),
    "erf": (special.erf, 1), "erfc": (special.erfc, 1),
    "expit": (special.expit, 1), "sigmoid": (special.expit, 1),
    "clip": (np.clip, 3), "where": (lambda c, a, b: np.where(c != 0, a, b), 3),
}  # fmt: skip
REFERENCE_BINARY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide,
                    "**": np.power, "%": np.remainder, "//": np.floor_divide}  # fmt: skip
REFERENCE_COMPARE = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
                     "==": np.equal, "!=": np.not_equal}  # fmt: skip
VARIABLE_INDEX = {"x": 1, "y": 2, "z": 3, "x1": 1, "x2": 2, "x3": 3, "x4": 4}


def test_reference_table_covers_every_function():
    assert set(REFERENCE_FUNCTIONS) == set(EXPRESSION_FUNCTIONS)
    assert all(EXPRESSION_FUNCTIONS[n].n_args == arity for n, (_, arity) in REFERENCE_FUNCTIONS.items())


# A generated node is (text, reference function of X, variable names used).
def _number(value):
    text = repr(value) if np.copysign(1.0, value) > 0 else f"({value!r})"
    return text, lambda X: value, frozenset()


def _name(name):
    if name in EXPRESSION_CONSTANTS:
        value = EXPRESSION_CONSTANTS[name]
        return name, lambda X: value, frozenset()
    column = VARIABLE_INDEX[name] - 1
    return name, lambda X: X[:, column], frozenset([name])


def _unary(op, a):
    ufunc = np.negative if op == "-" else np.positive
    return f"({op}{a[0]})", lambda X: ufunc(a[1](X)), a[2]


def _binary(op, a, b):
    ufunc = REFERENCE_BINARY[op]
    return f"({a[0]} {op} {b[0]})", lambda X: ufunc(a[1](X), b[1](X)), a[2] | b[2]


def _compare(ops, operands):
    text = operands[0][0] + "".join(f" {op} {b[0]}" for op, b in zip(ops, operands[1:]))

    def reference(X):
        values = [operand[1](X) for operand in operands]
        truth = np.logical_and.reduce(
            np.broadcast_arrays(*[REFERENCE_COMPARE[op](a, b) for op, a, b in zip(ops, values, values[1:])])
        )
        return truth.astype(np.float64)

    return f"({text})", reference, frozenset().union(*(o[2] for o in operands))


def _call(name, args):
    func = REFERENCE_FUNCTIONS[name][0]
    text = f"{name}({', '.join(a[0] for a in args)})"
    return text, lambda X: func(*[a[1](X) for a in args]), frozenset().union(*(a[2] for a in args))


LEAVES = st.one_of(
    st.sampled_from([0.0, 1.0, 2.0, 0.5, 3.0, 10.0, 1e-3, 1e300]).map(_number),
    st.floats(-5, 5, allow_nan=False).map(_number),
    st.sampled_from([*VARIABLE_INDEX, *EXPRESSION_CONSTANTS]).map(_name),
)


def _extend(children):
    n_compare = st.integers(1, 2)
    return st.one_of(
        st.tuples(st.sampled_from("-+"), children).map(lambda t: _unary(*t)),
        st.tuples(st.sampled_from(sorted(REFERENCE_BINARY)), children, children).map(lambda t: _binary(*t)),
        n_compare.flatmap(lambda n: st.tuples(
            st.lists(st.sampled_from(sorted(REFERENCE_COMPARE)), min_size=n, max_size=n),
            st.lists(children, min_size=n + 1, max_size=n + 1),
        )).map(lambda t: _compare(*t)),
        st.sampled_from(sorted(REFERENCE_FUNCTIONS)).flatmap(
            lambda name: st.lists(children, min_size=REFERENCE_FUNCTIONS[name][1],
                                  max_size=REFERENCE_FUNCTIONS[name][1]).map(lambda args: _call(name, args))
        ),
    )  # fmt: skip


EXPRESSIONS = st.recursive(LEAVES, _extend, max_leaves=12)
TARGETS = st.one_of(EXPRESSIONS.map(lambda node: [node]), st.lists(EXPRESSIONS, min_size=2, max_size=3))


@PROPERTY
@given(outputs=TARGETS, parenthesised=st.booleans())
def test_generated_expressions_match_reference(outputs, parenthesised):
    text = ", ".join(node[0] for node in outputs)
    if len(outputs) > 1 and parenthesised:
        text = f"({text})"
    X = make_X(n_rows=16)
    expression = compile_expression(text)
    with np.errstate(all="ignore"):
        want = np.stack([np.broadcast_to(node[1](X), (16,)) for node in outputs], axis=1)
    got = expression(X)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got.reshape(16, -1), want, rtol=1e-13, atol=0, equal_nan=True)
    names = frozenset().union(*(node[2] for node in outputs))
    assert set(expression.variables) == names and expression.n_outputs == len(outputs)
    assert expression.n_inputs == max((VARIABLE_INDEX[n] for n in names), default=0)


# ----------------------------------------------------------------------------- property: arbitrary text
ALLOWED_NODES = (
    ast.Expression, ast.Tuple, ast.Constant, ast.Name, ast.Load, ast.UnaryOp, ast.BinOp, ast.Compare,
    ast.Call, ast.USub, ast.UAdd, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod, ast.FloorDiv,
    ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq,
)  # fmt: skip
TOKENS = [
    "x", "y", "z", "x1", "x2", "x0", "x01", "pi", "e", "sin", "clip", "where", "atan2", "1", "2.5",
    "1e308", "0", "(", ")", ",", "+", "-", "*", "**", "/", "//", "%", "<", "==", "!=", "[", "]", "{",
    "}", ".", ":", "'s'", "j", "@", "&", "~", "if", "else", "and", "not", "lambda", "__class__", "#",
]  # fmt: skip


@st.composite
def mutated_expressions(draw):
    """A generated valid expression with one character inserted, deleted or replaced."""
    text = draw(EXPRESSIONS)[0]
    i = draw(st.integers(0, len(text)))
    char = draw(st.sampled_from(string.printable))
    inserted, deleted, replaced = text[:i] + char + text[i:], text[:i] + text[i + 1 :], text[:i] + char + text[i + 1 :]
    return draw(st.sampled_from([inserted, deleted, replaced]))


TEXTS = st.one_of(
    mutated_expressions(),
    st.text(max_size=40),
    st.text(alphabet=string.printable, max_size=40),
    st.lists(st.sampled_from(TOKENS), max_size=12).map("".join),
    st.lists(st.sampled_from(TOKENS), max_size=12).map(" ".join),
)


def _only_whitelisted(text):
    """True if the parse tree of ``text`` uses only whitelisted nodes and names."""
    tree = ast.parse(text.strip(), mode="eval")
    callees = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if not isinstance(node, ALLOWED_NODES):
            return False
        if isinstance(node, ast.Call) and node.func.id not in EXPRESSION_FUNCTIONS:
            return False
        if isinstance(node, ast.Name) and id(node) not in callees:
            if node.id not in EXPRESSION_CONSTANTS and not re.fullmatch(r"[xyz]|x[1-9][0-9]*", node.id):
                return False
        if isinstance(node, ast.Constant) and type(node.value) not in (int, float):
            return False
    return True


@PROPERTY
@given(text=TEXTS)
@example(text="x0x")
@example(text="sin(x) # comment")
@example(text="x[0]")
def test_arbitrary_text_is_compiled_or_refused(text):
    try:
        expression = compile_expression(text)
    except ExpressionError as err:
        assert "(column " in str(err).splitlines()[0]
        return
    assert _only_whitelisted(text)
    if expression.n_inputs <= 4:
        got = expression(make_X(n_rows=8))
        assert got.dtype == np.float64 and got.shape[0] == 8


# ----------------------------------------------------------------------------- property: escapes
DANGEROUS = [
    "__import__", "__class__", "__builtins__", "__subclasses__", "__globals__", "__dict__", "globals",
    "locals", "eval", "exec", "open", "getattr", "lambda", "os", "sys", "[", "{",
]  # fmt: skip
VALID_PIECES = ["x", "1", "2.5", "sin(x)", "pi", "y", "(x + 1)", "clip(x, 0, 1)"]
SEPARATORS = ["", " ", "+", "*", ".", "(", ")", ",", ":", "]", "}", "()", "(x)", "('os')", ".__class__"]
TEMPLATES = [
    "{d}({v})", "{v} + {d}", "{v}.{d}", "({v}).{d}.{d}()", "{v}[{v}]", "[{v}]", "{{{v}}}", "(lambda: {v})()",
    "{d}.system({v})", "getattr({v}, '{d}')", "{d}({v})({v})", "sin({v}).{d}", "{v}, {d}", "({d}, {v})",
    "where({v}, {d}, {v})", "clip({v}, {v}, hi={d})", "{v} if {d} else {v}", "[{v} for {v} in {d}]",
]  # fmt: skip


@st.composite
def escape_attempts(draw):
    d, v = st.sampled_from(DANGEROUS), st.sampled_from(VALID_PIECES)
    if draw(st.booleans()):
        return draw(st.sampled_from(TEMPLATES)).format(d=draw(d), v=draw(v))
    pieces = draw(st.lists(st.one_of(d, v), min_size=1, max_size=6)) + [draw(d)]
    pieces = draw(st.permutations(pieces))
    separators = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(pieces), max_size=len(pieces)))
    return "".join(p + s for p, s in zip(pieces, separators))


@PROPERTY
@given(text=escape_attempts())
@example(text="().__class__.__bases__[0].__subclasses__()")
@example(text="__import__('os').system('true')")
@example(text="sin.__globals__['__builtins__']")
@example(text="(lambda: 1)()")
def test_escape_attempts_are_refused(text):
    with pytest.raises(ExpressionError):
        compile_expression(text)
