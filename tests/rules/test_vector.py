"""The vectorised compiler's arithmetic and logic against the single-case backend's Decimals."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from jinshu.money import CONTEXT, quantize, round_fen
from jinshu.rules.check import check_rule
from jinshu.rules.pycompile import add_years, compile_python
from jinshu.rules.vector import (
    EPOCH,
    Bool,
    Date,
    Num,
    Str,
    Unsupported,
    Value,
    decimals,
    divide,
    evaluate,
    money,
    multiply_exact,
)


def _num(values: list[int | None], scale: int) -> Num:
    null = np.array([v is None for v in values])
    v = np.array([0 if x is None else x for x in values], dtype=np.int64)
    return Num(v, scale, int(v.min()), int(v.max()), null if null.any() else None)


def _dec(v: int, scale: int) -> Decimal:
    return Decimal(v).scaleb(-scale, CONTEXT)


def test_quotients_are_exact_to_12_places_and_round_half_away_from_zero() -> None:
    rng = random.Random(5)
    checked = 0
    for _ in range(150):
        sa, sb = rng.randint(0, 6), rng.randint(0, 6)
        amax, bmax = 10 ** rng.randint(1, 15), 10 ** rng.randint(1, 10)
        a = [rng.randint(-amax, amax) for _ in range(100)]
        b = [rng.choice([0, rng.randint(-bmax, bmax)]) for _ in range(100)]
        try:
            q = divide(_num(a, sa), _num(b, sb))  # type: ignore[arg-type]
        except Unsupported:
            continue
        for x, y, got in zip(a, b, decimals(q), strict=True):
            want = None if y == 0 else quantize(CONTEXT.divide(_dec(x, sa), _dec(y, sb)))
            assert got == want
            checked += 1
        try:
            fens = decimals(money(q))
        except Unsupported:
            continue  # beyond 64 bits in fen
        for x, y, fen in zip(a, b, fens, strict=True):
            if y:
                assert fen == round_fen(quantize(CONTEXT.divide(_dec(x, sa), _dec(y, sb))))
    assert checked > 5000


def test_products_beyond_64_bits_are_exact_in_limbs() -> None:
    rng = random.Random(8)
    checked = 0
    for _ in range(120):
        sa, sb = rng.randint(0, 9), rng.randint(0, 9)
        # Values up to 10**10 and 10**8: products fit in int64 as whole units, not as scaled ones.
        amax, bmax = min(10 ** (10 + sa), 10**18), min(10 ** (8 + sb), 10**18)
        a = [rng.randint(-amax, amax) for _ in range(60)]
        b = [rng.randint(-bmax, bmax) for _ in range(60)]
        x, y = _num(a, sa), _num(b, sb)  # type: ignore[arg-type]
        try:
            product = multiply_exact(x, y)
        except Unsupported:
            continue
        for u, v, got in zip(a, b, decimals(product), strict=True):
            assert got == quantize(CONTEXT.multiply(_dec(u, sa), _dec(v, sb)))
            checked += 1
        # A quotient times a number, and a quotient divided again.
        q = divide(x, _num([rng.randint(1, 10**6) for _ in range(60)], 2))
        for got, qd, v in zip(decimals(multiply_exact(q, y)), decimals(q), b, strict=True):
            assert got == quantize(CONTEXT.multiply(qd, _dec(v, sb)))
        d = [rng.choice([0, rng.randint(-(10**6), 10**6)]) for _ in range(60)]
        again = divide(q, _num(d, 1))
        for got, qd, w in zip(decimals(again), decimals(q), d, strict=True):
            want = None if w == 0 else quantize(CONTEXT.divide(qd, _dec(w, 1)))
            assert got == want
    assert checked > 3000


def test_halves_round_away_from_zero() -> None:
    # 0.005 -> 0.01, -0.005 -> -0.01, 0.0049999... -> 0.00; a quotient's 12th place first.
    n = _num([5, -5, 4, 1, -1], 3)
    assert [str(d) for d in decimals(money(n))] == ["0.01", "-0.01", "0.00", "0.00", "0.00"]
    third = divide(_num([1, 2], 0), _num([3, 3], 0))
    assert [str(d) for d in decimals(third)] == ["0.333333333333", "0.666666666667"]


class _Env:
    def __init__(self, columns: dict[str, Value]) -> None:
        self.columns = columns

    def lookup(self, name: str) -> Value:
        return self.columns[name]

    def code(self, text: str) -> int:
        return {"a": 0, "b": 1}.get(text, -2)


def _bools(values: list[bool | None]) -> Bool:
    null = np.array([v is None for v in values])
    return Bool(np.array([v is True for v in values]), null if null.any() else None)


def test_three_valued_logic_matches_the_single_case_backend() -> None:
    options: list[bool | None] = [True, False, None]
    xs = [x for x in options for _ in options]
    ys = [y for _ in options for y in options]
    env = _Env({"x": _bools(xs), "y": _bools(ys)})
    for sql in ("x and y", "x or y", "not x", "x is null", "not (x or y) and x is not null"):
        tree = check_rule(sql, {"x", "y"})
        got = evaluate(tree, env)
        assert isinstance(got, Bool)
        fn = compile_python(tree)
        null = np.broadcast_to(np.asarray(got.null if got.null is not None else False), (9,))
        value = np.broadcast_to(np.asarray(got.t), (9,))
        for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
            want = fn({"x": x, "y": y})
            assert (None if null[i] else bool(value[i])) == want, (sql, x, y)


def test_expressions_match_the_single_case_backend_row_by_row() -> None:
    rng = random.Random(11)
    n = 400
    a = [None if rng.random() < 0.1 else rng.randint(0, 10**9) for _ in range(n)]
    b = [None if rng.random() < 0.1 else rng.randint(0, 10**6) for _ in range(n)]
    s = [rng.choice(["a", "b", None]) for _ in range(n)]
    days = [rng.randint(-20000, 30000) for _ in range(n)]
    env = _Env(
        {
            "a": _num(a, 2),
            "b": _num(b, 3),
            "s": Str(
                np.array([{"a": 0, "b": 1, None: -1}[x] for x in s]),
                np.array([x is None for x in s]),
            ),
            "d": Date(np.array(days), min(days), max(days)),
        }
    )
    rows: list[dict[str, Any]] = [
        {
            "a": None if x is None else _dec(x, 2),
            "b": None if y is None else _dec(y, 3),
            "s": t,
            "d": EPOCH + dt.timedelta(days=d),
        }
        for x, y, t, d in zip(a, b, s, days, strict=True)
    ]
    expressions = [
        "greatest(a - b * 0.35, 0)",
        "least(a, b * 3) / (b + 1)",
        "case when s = 'a' then a when s in ('b', 'c') then b * 0.5 end",
        "case s when 'b' then b else coalesce(a, b, 7) end",
        "a * 0.0001234567 * b",
        "abs(b - a) > 1000 or s is null",
        "year(d) - 2000 between -3 and 40",
        "days_between(d, add_years(d, 4))",
        "add_years(d, 1) <= d",
        "-a + b",
    ]
    for sql in expressions:
        tree = check_rule(sql, {"a", "b", "s", "d"})
        got = evaluate(tree, env)
        fn = compile_python(tree)
        if isinstance(got, Num):
            values: list[Any] = decimals(got)
        elif isinstance(got, Bool):
            t = np.broadcast_to(np.asarray(got.t), (n,))
            nl = np.broadcast_to(np.asarray(got.null if got.null is not None else False), (n,))
            values = [None if nl[i] else bool(t[i]) for i in range(n)]
        else:
            values = decimals(got)  # type: ignore[arg-type]
        for row, value in zip(rows, values, strict=True):
            want = fn(row)
            if isinstance(want, int) and not isinstance(want, bool):
                want = Decimal(want)
            assert value == want, (sql, row)


def test_dates_follow_the_calendar() -> None:
    days = [*range(-800, 800), (dt.date(2020, 2, 29) - EPOCH).days]
    env = _Env({"d": Date(np.array(days), min(days), max(days))})
    got = evaluate(check_rule("add_years(d, 3)", {"d"}), env)
    assert isinstance(got, Date)
    for d, v in zip(days, np.asarray(got.v).tolist(), strict=True):
        assert EPOCH + dt.timedelta(days=v) == add_years(EPOCH + dt.timedelta(days=d), 3)


def test_magnitudes_beyond_64_bits_are_refused_before_they_run() -> None:
    big = Num(np.array([10**17]), 0, 0, 10**17)
    env = _Env({"x": big})
    with pytest.raises(Unsupported, match="64 bits"):
        evaluate(check_rule("x * x", {"x"}), env)
    with pytest.raises(Unsupported, match="division by a quotient"):
        evaluate(check_rule("x / (x / 3)", {"x"}), env)
