"""Compile checked rules into set-based SQL over the registry tables (``plan_query``).

One query per item computes, for every row of the registry at once, exactly what the Python
backend computes for one case: each condition's value and the facts that made it unknown, each
review flag, the payout values, the steps the shared rules read. Steps are inlined (so the SQL
runs on engines without lateral column aliases), parameters become typed literals, and
arithmetic follows :mod:`jinshu.money`: products are kept to 12 decimals half-up and quotients
are computed exactly in integers, so DuckDB, PostgreSQL and Spark agree with Python to the fen.

The registry tables (see :mod:`jinshu.matching.tables`): ``enterprises`` (one row per
applicant, its facts and ``kind_*`` flags), ``years`` (eid, year, figures), ``records_<kind>``
(eid, idx, record_id and the kind's facts) and ``history`` (eid, item, year, key, level, amount).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlglot
from sqlglot import exp

from jinshu.facts.schema import KEY_DEFAULTS_TO_ID, YEAR, record_facts
from jinshu.money import SCALE
from jinshu.rules.evaluate import payout_roles
from jinshu.rules.policyset import Expr, Item, PolicySet
from jinshu.rules.scope import ENTERPRISE_NAMES, display_name
from jinshu.rules.sqldialect import Dialect, floor_div, integer_type

DEC = f"DECIMAL(38, {SCALE})"
_TEN_SCALE = 10**SCALE


def literal(value: Any) -> exp.Expression:
    """A Python value as a typed SQL literal."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, Decimal | int):
        return exp.cast(exp.Literal.string(format(Decimal(value), "f")), DEC)
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    return exp.Literal.string(str(value))


def _decimal(node: exp.Expression) -> exp.Expression:
    return exp.cast(node, DEC)


def _exact_div(a: exp.Expression, b: exp.Expression, dialect: Dialect) -> exp.Expression:
    """a / b to SCALE places, half away from zero, exactly, in integer arithmetic.

    With A = a * 10^S and B = b * 10^S integers, the quotient in units of 10^-S is
    (2|A| * 10^S + |B|) // (2|B|), negated when exactly one operand is negative; the integer
    division is the engine's (:func:`jinshu.rules.sqldialect.floor_div`).
    """
    x, y = f"({a.sql(dialect='duckdb')})", f"({b.sql(dialect='duckdb')})"
    big = integer_type(dialect)
    num = f"2 * ABS(CAST({x} * {_TEN_SCALE} AS {big})) * {_TEN_SCALE} + ABS(CAST({y} * {_TEN_SCALE} AS {big}))"
    den = f"2 * ABS(CAST({y} * {_TEN_SCALE} AS {big}))"
    units = floor_div(num, den, dialect)
    signed = f"CASE WHEN ({x} < 0) <> ({y} < 0) THEN -{units} ELSE {units} END"
    quantum = format(Decimal(1).scaleb(-SCALE), "f")
    sql = (
        f"CASE WHEN {y} IS NULL OR {y} = 0 OR {x} IS NULL THEN NULL ELSE "
        f"CAST(CAST({signed} AS DECIMAL(38, 0)) * CAST('{quantum}' AS DECIMAL(38, {SCALE})) "
        f"AS {DEC}) END"
    )
    return _parse(sql)


def _parse(sql: str) -> exp.Expression:
    tree = sqlglot.parse_one(sql, dialect="duckdb")
    assert isinstance(tree, exp.Expression)
    return tree


def _null_propagating(node: exp.Least | exp.Greatest) -> exp.Expression:
    args = [node.this, *node.expressions]
    any_null = exp.or_(*[exp.Is(this=a.copy(), expression=exp.Null()) for a in args])
    return exp.Case(ifs=[exp.If(this=any_null, true=exp.Null())], default=node)


@dataclass(frozen=True)
class Scope:
    """How names resolve in one item's SQL: constants, inlined steps, columns."""

    constants: Mapping[str, Any]
    steps: Mapping[str, exp.Expression]
    dialect: Dialect = "duckdb"


def to_sql(tree: exp.Expression, scope: Scope) -> exp.Expression:
    """The engine-ready SQL tree of a checked rule expression."""

    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column):
            name = node.name
            if name in scope.steps:
                return exp.Paren(this=scope.steps[name].copy())
            if name in scope.constants:
                return literal(scope.constants[name])
            return exp.column(name, table="src")
        if isinstance(node, exp.Literal) and not node.is_string:
            return _decimal(node.copy())
        if isinstance(node, exp.Mul):
            return _decimal(exp.Paren(this=node))
        if isinstance(node, exp.Div):
            return _exact_div(node.this, node.expression, scope.dialect)
        if isinstance(node, exp.Least | exp.Greatest):
            return _null_propagating(node)
        if isinstance(node, exp.Anonymous):
            name = str(node.this).lower()
            a, b = node.expressions
            if name == "days_between":
                return exp.Anonymous(
                    this="DATE_DIFF", expressions=[exp.Literal.string("day"), a, b]
                )
            if name == "add_years":
                # n * INTERVAL '1' YEAR: the form DuckDB, Spark and PostgreSQL all read alike.
                one_year = exp.Interval(this=exp.Literal.string("1"), unit=exp.var("YEAR"))
                years = exp.Mul(this=exp.cast(b, "INTEGER"), expression=one_year)
                return exp.cast(exp.Add(this=a, expression=years), "DATE")
        return node

    def bottom_up(node: exp.Expression) -> exp.Expression:
        # Children first, so every generated wrapper holds already-rewritten operands.
        for key, value in list(node.args.items()):
            if isinstance(value, exp.Expression):
                node.set(key, bottom_up(value))
            elif isinstance(value, list):
                node.set(key, [bottom_up(v) if isinstance(v, exp.Expression) else v for v in value])
        return rewrite(node)

    return bottom_up(tree.copy())


def _missing_sql(
    expr: Expr, item: Item, scope: Scope, year: int, guard: list[exp.Expression]
) -> list[exp.Expression]:
    """SQL mirroring :func:`jinshu.rules.evaluate._missing`: the names that made ``expr`` NULL."""
    steps = {s.id: s for s in item.steps}
    aggregates = {a.name: a for a in item.aggregates}
    out: list[exp.Expression] = []
    for name in expr.names:
        if name in steps:
            here = [*guard, exp.Is(this=scope.steps[name].copy(), expression=exp.Null())]
            out += _missing_sql(steps[name].expr, item, scope, year, here)
            continue
        if name in scope.constants:
            if scope.constants[name] is not None:
                continue
            cond: exp.Expression = exp.Boolean(this=True)
        else:
            cond = exp.Is(this=exp.column(name, table="src"), expression=exp.Null())
        labels = (
            list(aggregates[name].expr.names) if name in aggregates else [display_name(name, year)]
        )
        both = exp.and_(*guard, cond) if guard else cond
        for label in labels:
            out.append(exp.Case(ifs=[exp.If(this=both.copy(), true=exp.Literal.string(label))]))
    return out


def _list(items: list[exp.Expression]) -> exp.Expression:
    if not items:
        return _parse("CAST([] AS VARCHAR[])")
    return exp.Array(expressions=items)


@dataclass(frozen=True)
class ItemQuery:
    """The SQL of one item and the meaning of its output columns."""

    item: str
    sql: str
    conditions: int
    reviews: int
    roles: tuple[str, ...]
    keep: tuple[str, ...]


def base_query(year: int) -> str:
    """Each applicant with its facts, kinds, the year's figures and the previous year's."""
    ent_cols = ", ".join(f"e.{fact} AS {alias}" for fact, alias in ENTERPRISE_NAMES.items())
    kinds = ", ".join(f"e.{c}" for c in _kind_columns())
    figures = ", ".join(f"y.{n} AS {n}, p.{n} AS prev_{n}" for n in YEAR)
    return (
        f"SELECT e.eid, {ent_cols}, {kinds}, {figures} FROM enterprises e "
        f"LEFT JOIN years y ON y.eid = e.eid AND y.year = {year} "
        f"LEFT JOIN years p ON p.eid = e.eid AND p.year = {year - 1}"
    )


def _source(
    item: Item,
    policy: PolicySet,
    constants: Mapping[str, Any],
    year: int,
    base_table: str | None,
    dialect: Dialect,
) -> str:
    """FROM clause: the item's rows (records or applicants) with the applicant, years, aggregates."""
    base = f"SELECT * FROM {base_table}" if base_table else base_query(year)
    agg_joins = []
    agg_cols = []
    for n, agg in enumerate(item.aggregates):
        scope = Scope(constants, {}, dialect)
        value = to_sql(agg.expr.tree, scope).sql(dialect="duckdb")
        where = to_sql(agg.where.tree, scope).sql(dialect="duckdb") if agg.where else "TRUE"
        if agg.of == "history":
            inner = (
                f"SELECT eid, item, year AS h_year, key, level, amount FROM history "
                f"WHERE item = '{agg.item}'"
            )
        else:
            cols = ", ".join(_record_column(f) for f in record_facts(agg.of))
            inner = f"SELECT b.*, {cols} FROM records_{agg.of} r JOIN ({base}) b ON b.eid = r.eid"
        if agg.fn == "sum":
            fn = (
                f"CASE WHEN COUNT(*) FILTER (WHERE ({where}) AND ({value}) IS NULL) > 0 THEN NULL "
                f"ELSE COALESCE(SUM({value}) FILTER (WHERE {where}), 0) END"
            )
        elif agg.fn == "count":
            fn = f"COUNT(*) FILTER (WHERE {where})"
        else:
            fn = f"{agg.fn.upper()}({value}) FILTER (WHERE {where})"
        agg_joins.append(
            f"LEFT JOIN (SELECT src.eid, {fn} AS v FROM ({inner}) src GROUP BY src.eid) a{n} "
            f"ON a{n}.eid = b.eid"
        )
        zero = "0" if agg.fn in ("sum", "count") else "NULL"
        agg_cols.append(
            f"CASE WHEN a{n}.eid IS NULL THEN CAST({zero} AS {DEC}) ELSE a{n}.v END AS {agg.name}"
            if agg.fn in ("sum", "count")
            else f"a{n}.v AS {agg.name}"
        )
    extra = "".join(f", {c}" for c in agg_cols)
    joins = " ".join(agg_joins)
    if item.grain == "applicant":
        return (
            f"SELECT b.*, -1 AS idx, CAST(NULL AS VARCHAR) AS record_id{extra} "
            f"FROM ({base}) b {joins}"
        )
    cols = ", ".join(_record_column(f) for f in record_facts(item.grain))
    return (
        f"SELECT b.*, r.idx{', ' + cols}{extra} FROM records_{item.grain} r "
        f"JOIN ({base}) b ON b.eid = r.eid {joins}"
    )


def _record_column(fact: str) -> str:
    if fact == "id":
        return "r.record_id"
    if fact in KEY_DEFAULTS_TO_ID:
        return f"COALESCE(r.{fact}, r.record_id) AS {fact}"
    return f"r.{fact}"


def _kind_columns() -> list[str]:
    from jinshu.rules.scope import KIND_NAMES

    return list(KIND_NAMES)


def plan_query(
    item: Item,
    policy: PolicySet,
    constants: Mapping[str, Any],
    year: int,
    base_table: str | None = None,
    dialect: Dialect = "duckdb",
) -> ItemQuery:
    """The set-based query of one item for performance year ``year``.

    Args:
        item: a record or applicant-year item (not an informational one).
        policy: the policy set.
        constants: the built-ins and every parameter's value for the run (reforms included).
        year: the performance year.
        base_table: a table already holding :func:`base_query` for the year (a run over many
            items computes it once).
        dialect: the engine the SQL is for (the text is DuckDB's; see
            :mod:`jinshu.rules.sqldialect`).

    Returns:
        The SQL and the layout of its columns: eid, idx, record_id, then ``c{i}`` / ``m{i}`` per
        condition (value, missing names), ``v{i}`` per review, ``p_{role}`` / ``pm_{role}`` per
        payout value, and the columns the shared rules read (``keep``).
    """
    d = "duckdb"
    # Steps become columns, one layer each (no lateral aliases needed, nothing inlined twice).
    steps = {step.id: exp.column(step.id, table="src") for step in item.steps}
    scope = Scope(constants, steps, dialect)
    where = []
    if item.where is not None:
        where.append(to_sql(item.where.tree, scope).sql(dialect=d))
    if item.applies is not None:
        where.append(to_sql(item.applies.tree, scope).sql(dialect=d))
    filter_sql = " WHERE " + " AND ".join(f"({w}) IS TRUE" for w in where) if where else ""
    sql = f"SELECT * FROM ({_source(item, policy, constants, year, base_table, dialect)}) src{filter_sql}"
    for step in item.steps:
        tree = step.expr.tree
        if isinstance(tree, exp.Div):
            # Operands first, so the exact division reads two columns, not two expressions.
            num, den = f"_n_{step.id}", f"_d_{step.id}"
            sql = (
                f"SELECT src.*, {to_sql(tree.this, scope).sql(dialect=d)} AS {num}, "
                f"{to_sql(tree.expression, scope).sql(dialect=d)} AS {den} FROM ({sql}) src"
            )
            value = _exact_div(exp.column(num, table="src"), exp.column(den, table="src"), dialect)
        else:
            value = to_sql(tree, scope)
        sql = f"SELECT src.*, {value.sql(dialect=d)} AS {step.id} FROM ({sql}) src"
    computed = []
    for n, cond in enumerate(item.conditions):
        computed.append(f"{to_sql(cond.expr.tree, scope).sql(dialect=d)} AS c{n}")
    for n, review in enumerate(item.reviews):
        computed.append(
            f"COALESCE({to_sql(review.expr.tree, scope).sql(dialect=d)}, FALSE) AS v{n}"
        )
    roles = payout_roles(item)
    for role, name in roles.items():
        value = steps[name] if name in steps else literal(constants.get(name))
        computed.append(f"{value.sql(dialect=d)} AS p_{role}")
    if computed:
        sql = f"SELECT src.*, {', '.join(computed)} FROM ({sql}) src"
    select = ["src.eid", "src.idx", "src.record_id"]
    for n, cond in enumerate(item.conditions):
        # The list of missing facts is built only where a condition is unknown.
        missing = _list(_missing_sql(cond.expr, item, scope, year, [])).sql(dialect=d)
        select += [f"src.c{n}", f"CASE WHEN src.c{n} IS NULL THEN {missing} END AS m{n}"]
    select += [f"src.v{n}" for n in range(len(item.reviews))]
    steps_by_id = {s.id: s for s in item.steps}
    for role, name in roles.items():
        source = steps_by_id.get(name)
        found = _missing_sql(source.expr, item, scope, year, []) if source is not None else []
        listed = _list(found).sql(dialect=d)
        select += [
            f"src.p_{role}",
            f"CASE WHEN src.p_{role} IS NULL THEN {listed} END AS pm_{role}",
        ]
    keep = _kept_columns(item)
    select += [f"src.{name} AS k_{name}" for name in keep]
    sql = f"SELECT {', '.join(select)} FROM ({sql}) src"
    if item.spec.combine == "first":
        sql = (
            f"SELECT * FROM ({sql}) q QUALIFY ROW_NUMBER() OVER (PARTITION BY eid ORDER BY idx) = 1"
        )
    return ItemQuery(
        item=item.id,
        sql=sql,
        conditions=len(item.conditions),
        reviews=len(item.reviews),
        roles=tuple(roles),
        keep=tuple(keep),
    )


def _kept_columns(item: Item) -> list[str]:
    """The row values the shared rules and the split read after the query."""
    spec = item.spec
    names: list[str] = []
    if item.grain not in ("applicant", "info"):
        names += [("record_id" if f == "id" else f) for f in record_facts(item.grain)]
        names.remove("record_id")
    names += ["founded", "max_main_revenue_before", "applicant_city", "applicant_county"]
    if spec.payout.figure:
        names.append(spec.payout.figure)
    for cap in spec.caps:
        if cap.limit in {s.id for s in item.steps}:
            names.append(cap.limit)
    return list(dict.fromkeys(names))
