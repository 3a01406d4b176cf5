"""Compile a checked sqlglot tree into a Python function: the single-case backend.

For one case a query's fixed cost would dominate, so the same checked expressions run as Python
closures. Semantics follow SQL: NULL propagates through arithmetic and comparisons, AND/OR are
three-valued, CASE falls through on NULL; LEAST and GREATEST return NULL if any argument is NULL
(the SQL backend generates the same). Arithmetic is Decimal, each product and quotient kept to
:data:`jinshu.money.SCALE` places half-up, as the SQL backend does.

>>> from jinshu.rules.check import check_rule
>>> from decimal import Decimal
>>> f = compile_python(check_rule("least(a * 0.3, 5000000)", {"a"}))
>>> f({"a": Decimal("20000000")})
Decimal('5000000')
>>> f({"a": None}) is None
True
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sqlglot import exp

from jinshu.money import CONTEXT, quantize

Row = Mapping[str, Any]
Fn = Callable[[Row], Any]


def add_years(d: dt.date, n: int) -> dt.date:
    """``d`` plus ``n`` whole years; a 29 February falls to 28 February in a common year."""
    y = d.year + int(n)
    day = min(d.day, calendar.monthrange(y, d.month)[1])
    return dt.date(y, d.month, day)


def _num(v: Any) -> Any:
    return Decimal(v) if isinstance(v, int) and not isinstance(v, bool) else v


def _arith(op: str, a: Fn, b: Fn) -> Fn:
    if op == "+":
        return lambda r: None if (x := a(r)) is None or (y := b(r)) is None else x + y
    if op == "-":
        return lambda r: None if (x := a(r)) is None or (y := b(r)) is None else x - y
    if op == "*":

        def mul(r: Row) -> Any:
            x, y = a(r), b(r)
            if x is None or y is None:
                return None
            return quantize(CONTEXT.multiply(_num(x), _num(y)))

        return mul

    def div(r: Row) -> Any:
        x, y = a(r), b(r)
        if x is None or y is None or y == 0:
            return None
        return quantize(CONTEXT.divide(_num(x), _num(y)))

    return div


def _compare(node: exp.Expression, a: Fn, b: Fn) -> Fn:
    ops: dict[type[exp.Expression], Callable[[Any, Any], bool]] = {
        exp.EQ: lambda x, y: x == y,
        exp.NEQ: lambda x, y: x != y,
        exp.GT: lambda x, y: x > y,
        exp.GTE: lambda x, y: x >= y,
        exp.LT: lambda x, y: x < y,
        exp.LTE: lambda x, y: x <= y,
    }
    op = ops[type(node)]
    return lambda r: None if (x := a(r)) is None or (y := b(r)) is None else op(x, y)


def _and(parts: list[Fn]) -> Fn:
    def f(r: Row) -> bool | None:
        unknown = False
        for p in parts:
            v = p(r)
            if v is False:
                return False
            if v is None:
                unknown = True
        return None if unknown else True

    return f


def _or(parts: list[Fn]) -> Fn:
    def f(r: Row) -> bool | None:
        unknown = False
        for p in parts:
            v = p(r)
            if v is True:
                return True
            if v is None:
                unknown = True
        return None if unknown else False

    return f


def _literal(node: exp.Literal) -> Fn:
    if node.is_string:
        s = node.this
        return lambda r: s
    value = Decimal(node.this)  # numbers in rules are DECIMAL, as in the SQL backend
    return lambda r: value


def compile_python(node: exp.Expression) -> Fn:
    """Turn a checked expression into ``f(row) -> value``."""
    c = compile_python
    if isinstance(node, exp.Paren):
        return c(node.this)
    if isinstance(node, exp.Column):
        name = node.name
        return lambda r: r[name]
    if isinstance(node, exp.Literal):
        return _literal(node)
    if isinstance(node, exp.Boolean):
        b = bool(node.this)
        return lambda r: b
    if isinstance(node, exp.Null):
        return lambda r: None
    if isinstance(node, exp.Add):
        return _arith("+", c(node.this), c(node.expression))
    if isinstance(node, exp.Sub):
        return _arith("-", c(node.this), c(node.expression))
    if isinstance(node, exp.Mul):
        return _arith("*", c(node.this), c(node.expression))
    if isinstance(node, exp.Div):
        return _arith("/", c(node.this), c(node.expression))
    if isinstance(node, exp.Neg):
        inner = c(node.this)
        return lambda r: None if (x := inner(r)) is None else -x
    if isinstance(node, exp.EQ | exp.NEQ | exp.GT | exp.GTE | exp.LT | exp.LTE):
        return _compare(node, c(node.this), c(node.expression))
    if isinstance(node, exp.And):
        return _and([c(node.this), c(node.expression)])
    if isinstance(node, exp.Or):
        return _or([c(node.this), c(node.expression)])
    if isinstance(node, exp.Not):
        inner = c(node.this)
        return lambda r: None if (x := inner(r)) is None else not x
    if isinstance(node, exp.Is):
        inner = c(node.this)
        return lambda r: inner(r) is None
    if isinstance(node, exp.In):
        subject = c(node.this)
        options = [c(e) for e in node.expressions]

        def f_in(r: Row) -> bool | None:
            x = subject(r)
            if x is None:
                return None
            return any(x == o(r) for o in options)

        return f_in
    if isinstance(node, exp.Between):
        subject, low, high = c(node.this), c(node.args["low"]), c(node.args["high"])
        return _and(
            [
                _compare(exp.GTE(), subject, low),
                _compare(exp.LTE(), subject, high),
            ]
        )
    if isinstance(node, exp.Case):
        operand = c(node.this) if node.args.get("this") else None
        branches = [(c(i.this), c(i.args["true"])) for i in node.args.get("ifs", [])]
        default = c(node.args["default"]) if node.args.get("default") else (lambda r: None)

        def f_case(r: Row) -> Any:
            subject = operand(r) if operand is not None else None
            for cond, value in branches:
                test = cond(r)
                if operand is not None:
                    test = None if subject is None or test is None else subject == test
                if test is True:
                    return value(r)
            return default(r)

        return f_case
    if isinstance(node, exp.Coalesce):
        parts = [c(node.this), *[c(e) for e in node.expressions]]

        def f_coalesce(r: Row) -> Any:
            for p in parts:
                v = p(r)
                if v is not None:
                    return v
            return None

        return f_coalesce
    if isinstance(node, exp.Least | exp.Greatest):
        parts = [c(node.this), *[c(e) for e in node.expressions]]
        pick = min if isinstance(node, exp.Least) else max

        def f_pick(r: Row) -> Any:
            values = [p(r) for p in parts]
            return None if any(v is None for v in values) else pick(values)

        return f_pick
    if isinstance(node, exp.Abs):
        inner = c(node.this)
        return lambda r: None if (x := inner(r)) is None else abs(x)
    if isinstance(node, exp.Year):
        inner = c(node.this)
        return lambda r: None if (x := inner(r)) is None else x.year
    if isinstance(node, exp.Anonymous):
        name = str(node.this).lower()
        args = [c(e) for e in node.expressions]
        first, second = args
        if name == "days_between":
            return lambda r: (
                None if (x := first(r)) is None or (y := second(r)) is None else (y - x).days
            )
        if name == "add_years":
            return lambda r: (
                None if (x := first(r)) is None or (y := second(r)) is None else add_years(x, y)
            )
    raise AssertionError(f"unchecked node {type(node).__name__}")
