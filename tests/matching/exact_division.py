"""Quotients at the edge of rounding, for checking the planner's exact division on each engine."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Context, Decimal

import pyarrow as pa
from sqlglot import exp

from jinshu.money import SCALE
from jinshu.rules.plan import _exact_div
from jinshu.rules.sqldialect import Dialect

_Q = Decimal(1).scaleb(-SCALE)


def _pairs() -> list[tuple[Decimal, Decimal]]:
    rng = random.Random(20)
    pairs = [
        (Decimal(1), Decimal(8192)),  # 0.0001220703125: a tie at the 13th place
        (Decimal(-1), Decimal(8192)),
        (Decimal(1), Decimal(-8192)),
        (Decimal(0), Decimal(7)),
        (Decimal("2"), Decimal("3")),
        (Decimal("-2"), Decimal("3")),
        (Decimal("9999999999999.999999999999"), Decimal("0.7")),  # quotient near 1.4e13
        (Decimal("12345678901.234567890123"), Decimal("98765.432109876543")),
        (Decimal("1"), Decimal("999999999999.999999999999")),
    ]
    for _ in range(60):
        a = Decimal(rng.randrange(-(10**24), 10**24)).scaleb(-SCALE)
        b = Decimal(rng.randrange(10**11, 10**24)).scaleb(-SCALE) * rng.choice((1, -1))
        pairs.append((a, b))
    return pairs


def expected_quotients() -> list[Decimal]:
    wide = Context(prec=80)
    return [wide.divide(a, b).quantize(_Q, rounding=ROUND_HALF_UP) for a, b in _pairs()]


def division_table() -> pa.Table:
    kind = pa.decimal128(38, SCALE)
    a, b = zip(*_pairs(), strict=True)
    return pa.table(
        {
            "n": pa.array(range(len(a)), type=pa.int32()),
            "a": pa.array(a, type=kind),
            "b": pa.array(b, type=kind),
        }
    )


def quotient_sql(dialect: Dialect) -> str:
    """The planner's SQL for a / b over table ``pairs``, in order (DuckDB's text)."""
    q = _exact_div(exp.column("a"), exp.column("b"), dialect).sql(dialect="duckdb")
    return f"SELECT {q} AS q FROM pairs ORDER BY n"
