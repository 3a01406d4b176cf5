"""The SQL engines the compiled rules run on, and how the generated SQL reaches each.

The planner (:mod:`jinshu.rules.plan`, :mod:`jinshu.rules.plan_decide`,
:mod:`jinshu.rules.plan_cross`) writes DuckDB's dialect. For Spark and PostgreSQL the text is
transpiled by sqlglot (:func:`transpile`). Where sqlglot cannot translate a construct, the
planner writes portable SQL instead (explicit column lists, joins rather than correlated
``EXISTS``), and for the few operations with no common form it asks this module for a variant
written so that the transpiled text is right on the target:

- :func:`floor_div`: exact integer division of non-negative integers (DuckDB and PostgreSQL
  divide exactly; Spark's ``DIV`` returns a 64-bit integer and its decimal division is typed too
  narrowly, so the quotient is estimated and corrected exactly);
- :func:`distinct`: a list without NULLs and repeats, in first-seen order;
- :func:`numeric_or_null`: a text as a number, NULL when it is none (``TRY_CAST``);
- :func:`cap_trace` / :data:`CAP_FIELDS`: the record of one cap that cut an amount (a struct;
  a composite type in PostgreSQL).
"""

from __future__ import annotations

from typing import Literal, get_args

import sqlglot
from sqlglot import exp

from jinshu.money import SCALE

Dialect = Literal["duckdb", "spark", "postgres"]
DIALECTS: tuple[Dialect, ...] = get_args(Dialect)
DEC = f"DECIMAL(38, {SCALE})"
# The cap trace's fields and types; PostgreSQL keeps it as a composite type of this name,
# created by the engine in the session's temporary schema.
CAP_FIELDS = (("id", "VARCHAR"), ("lim", DEC), ("used", DEC), ("cut", DEC))
PG_CAP_TYPE = "pg_temp.jinshu_cap"


def _postgres_node(node: exp.Expression) -> exp.Expression:
    # PostgreSQL's ARRAY_LENGTH of an empty array is NULL; CARDINALITY is 0, as elsewhere.
    if isinstance(node, exp.ArraySize):
        return exp.Anonymous(this="CARDINALITY", expressions=[node.this])
    return node


def transpile(sql: str, dialect: Dialect) -> str:
    """The planner's DuckDB text as ``dialect`` runs it (DuckDB's own text is kept as written)."""
    if dialect == "duckdb":
        return sql
    tree = sqlglot.parse_one(sql, read="duckdb")
    if dialect == "postgres":
        tree = tree.transform(_postgres_node)
    return tree.sql(dialect=dialect, unsupported_level=sqlglot.ErrorLevel.RAISE)


def integer_type(dialect: Dialect) -> str:
    """A type wide enough for the scaled integers of an exact division."""
    return {"duckdb": "HUGEINT", "spark": "DECIMAL(38, 0)", "postgres": "DECIMAL(1000, 0)"}[dialect]


def floor_div(n: str, d: str, dialect: Dialect) -> str:
    """``n // d`` for non-negative integers ``n`` and ``d > 0`` of :func:`integer_type`, exactly."""
    if dialect != "spark":
        return f"({n}) // ({d})"
    # Spark: m = n - n % d is an exact multiple of d; a double estimate of m / d is within
    # 1e-15 relative, and its error, (m - q0 * d) / d, a small integer, is then exact in a double.
    whole = f"(({n}) - ({n}) % ({d}))"
    q0 = f"CAST(CAST({whole} AS DOUBLE) / CAST(({d}) AS DOUBLE) AS DECIMAL(38, 0))"
    fix = f"CAST(ROUND(CAST({whole} - {q0} * ({d}) AS DOUBLE) / CAST(({d}) AS DOUBLE)) AS DECIMAL(38, 0))"
    return f"({q0} + {fix})"


def distinct(items: str, dialect: Dialect) -> str:
    """The list ``items`` without NULLs and repeats, in first-seen order."""
    if dialect == "postgres":
        return (
            f"ARRAY(SELECT x FROM UNNEST({items}) WITH ORDINALITY AS u(x, i) "
            f"WHERE x IS NOT NULL GROUP BY x ORDER BY MIN(i))"
        )
    clean = f"list_filter({items}, lambda x: x IS NOT NULL)"
    if dialect == "spark":
        return f"array_distinct({clean})"  # Spark keeps the first of each, in order
    return f"list_filter({clean}, lambda x, i: list_position({clean}, x) = i)"


def numeric_or_null(text: str, dialect: Dialect) -> str:
    """``text`` as a DECIMAL, NULL where it is not a number."""
    if dialect == "postgres":
        number = "^ *[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)? *$"
        return f"CASE WHEN {text} ~ '{number}' THEN CAST({text} AS {DEC}) END"
    return f"TRY_CAST({text} AS {DEC})"


def cap_type(dialect: Dialect) -> str:
    """The type of a list of cap traces."""
    if dialect == "postgres":
        return f"{PG_CAP_TYPE}[]"
    fields = ", ".join(f"{name} {kind}" for name, kind in CAP_FIELDS)
    return f"STRUCT({fields})[]"


def cap_trace(values: dict[str, str], dialect: Dialect) -> str:
    """One cap trace from the SQL of each of its fields."""
    typed = [f"CAST({values[name]} AS {kind})" for name, kind in CAP_FIELDS]
    if dialect == "postgres":
        return f"CAST(ROW({', '.join(typed)}) AS {PG_CAP_TYPE})"
    pairs = ", ".join(f"'{name}': {sql}" for (name, _), sql in zip(CAP_FIELDS, typed, strict=True))
    return "{" + pairs + "}"


def pg_cap_type_sql() -> str:
    """The DDL of the composite type of a cap trace (once per PostgreSQL session)."""
    pg = {"VARCHAR": "text", DEC: f"numeric(38, {SCALE})"}
    fields = ", ".join(f"{name} {pg[kind]}" for name, kind in CAP_FIELDS)
    return f"CREATE TYPE {PG_CAP_TYPE} AS ({fields})"
