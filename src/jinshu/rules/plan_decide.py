"""Decide statuses and apply an item's shared rules in SQL (``plan_item``).

The same passes as :func:`jinshu.rules.evaluate.decide` and
:func:`jinshu.rules.evaluate.apply_item_rules`, written as a chain of set-based stages over the
values query of :func:`jinshu.rules.plan.plan_query`: decide, first reaching, one-time (any earlier
entry; history; the first record claims), at most N years, each cap as a window over the
applicant's rows in record order, a ceiling that comes to zero. Reasons are codes
(``condition:<id>``, ``cap:<id>``…); the worded explanation of any one result comes from the
single-case path. The differential test keeps both paths equal.

Every stage keeps the columns of the one before (:func:`stage_columns`) and rewrites only ``st``
(status), ``amt``, ``mn``, ``mx`` (money, 2 decimals), ``miss`` (missing facts), ``why`` (reason
codes) and ``caps``. Stages name their columns (:func:`project`) rather than use DuckDB's
``SELECT * REPLACE``, and join rather than use correlated ``EXISTS``, so that the text transpiles
to Spark and PostgreSQL (:mod:`jinshu.rules.sqldialect`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jinshu.rules.plan import DEC, ItemQuery, literal
from jinshu.rules.policyset import Item
from jinshu.rules.sqldialect import Dialect, cap_trace, cap_type, distinct, numeric_or_null

MONEY = "DECIMAL(38, 2)"
EMPTY = "CAST([] AS VARCHAR[])"
LIVE = "st <> 'ineligible'"
# The columns every stage after the decision rewrites.
DECIDED = ("st", "amt", "mn", "mx", "miss", "why", "caps")


def q(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def lit(value: Any) -> str:
    return literal(value).sql(dialect="duckdb")


def size(items: str) -> str:
    """The length of a list (0 for an empty one on every engine)."""
    return f"array_length({items})"


def stage_columns(query: ItemQuery) -> list[str]:
    """The columns of every stage of one item, in order."""
    return ["eid", "idx", "record_id", *(f"k_{k}" for k in query.keep), *DECIDED]


def project(columns: Sequence[str], changes: Mapping[str, str], table: str = "") -> str:
    """Every column of a stage in order, those in ``changes`` rewritten (``SELECT * REPLACE``)."""
    prefix = f"{table}." if table else ""
    return ", ".join(f"{changes[c]} AS {c}" if c in changes else f"{prefix}{c}" for c in columns)


def refuse(cond: str, code: str) -> dict[str, str]:
    """The columns that make a row ineligible where ``cond`` holds (``code`` is SQL)."""
    c = f"({cond})"
    return {
        "st": f"CASE WHEN {c} THEN 'ineligible' ELSE st END",
        "amt": f"CASE WHEN {c} THEN NULL ELSE amt END",
        "mn": f"CASE WHEN {c} THEN NULL ELSE mn END",
        "mx": f"CASE WHEN {c} THEN NULL ELSE mx END",
        "why": f"CASE WHEN {c} THEN list_append(why, {code}) ELSE why END",
    }


def _codes(pairs: list[tuple[str, str]]) -> str:
    if not pairs:
        return EMPTY
    parts = ", ".join(f"CASE WHEN {cond} THEN {q(code)} END" for cond, code in pairs)
    return f"list_filter([{parts}], lambda x: x IS NOT NULL)"


def decide_stage(item: Item, query: ItemQuery, dialect: Dialect = "duckdb") -> str:
    """Status, amount or range, missing facts: :func:`jinshu.rules.evaluate.decide` in SQL."""
    n_conds = range(query.conditions)
    failed = " OR ".join(f"c{n} IS FALSE" for n in n_conds) or "FALSE"
    failed_codes = _codes(
        [(f"c{n} IS FALSE", f"condition:{item.conditions[n].id}") for n in n_conds]
    )
    parts = [f"CASE WHEN c{n} IS NULL THEN m{n} ELSE {EMPTY} END" for n in n_conds]
    for role in ("amount", "max", "min"):
        if role in query.roles:
            parts.append(f"CASE WHEN p_{role} IS NULL THEN pm_{role} ELSE {EMPTY} END")
    joined = parts[0] if len(parts) == 1 else f"list_concat({', '.join(parts)})"
    missing = distinct(joined, dialect) if parts else EMPTY
    noted = " OR ".join(f"v{n}" for n in range(query.reviews)) or "FALSE"
    kind = item.spec.payout.kind
    if kind == "fixed":
        a = "ROUND(p_amount, 2)"
        body = (
            f"CASE WHEN {noted} THEN 'needs_review' WHEN {a} = 0 THEN 'ineligible' "
            f"ELSE 'eligible' END AS st0, "
            f"CASE WHEN {noted} OR {a} = 0 THEN NULL ELSE {a} END AS amt0, "
            f"CASE WHEN {noted} THEN CAST(0 AS {MONEY}) END AS mn0, "
            f"CASE WHEN {noted} THEN {a} END AS mx0, "
            f"CASE WHEN {noted} THEN ['review:note'] WHEN {a} = 0 THEN ['zero'] "
            f"ELSE {EMPTY} END AS why0"
        )
    elif kind in ("ceiling", "range"):
        low = "COALESCE(p_min, 0)" if "min" in query.roles else "0"
        body = (
            f"'needs_review' AS st0, CAST(NULL AS {MONEY}) AS amt0, "
            f"ROUND(LEAST({low}, p_max), 2) AS mn0, ROUND(p_max, 2) AS mx0, "
            f"CASE WHEN {noted} THEN ['review:range', 'review:note'] ELSE ['review:range'] END AS why0"
        )
    elif kind == "review":
        body = (
            f"'needs_review' AS st0, CAST(NULL AS {MONEY}) AS amt0, CAST(NULL AS {MONEY}) AS mn0, "
            f"CAST(NULL AS {MONEY}) AS mx0, ['review:case_by_case'] AS why0"
        )
    elif kind == "first_reaching":
        body = (
            f"'eligible' AS st0, CAST(NULL AS {MONEY}) AS amt0, CAST(NULL AS {MONEY}) AS mn0, "
            f"CAST(NULL AS {MONEY}) AS mx0, {EMPTY} AS why0"
        )
    else:
        raise ValueError(f"{item.id}: a {kind} payout is decided outside SQL")
    keep = "".join(f", k_{k}" for k in query.keep)
    gone = f"failed OR {size('miss')} > 0"
    return (
        f"SELECT eid, idx, record_id{keep}, "
        f"CASE WHEN failed THEN 'ineligible' WHEN {size('miss')} > 0 THEN 'needs_review' ELSE st0 END AS st, "
        f"CASE WHEN {gone} THEN NULL ELSE amt0 END AS amt, "
        f"CASE WHEN {gone} THEN NULL ELSE mn0 END AS mn, "
        f"CASE WHEN {gone} THEN NULL ELSE mx0 END AS mx, "
        f"CASE WHEN failed THEN {EMPTY} ELSE miss END AS miss, "
        f"CASE WHEN failed THEN failed_codes WHEN {size('miss')} > 0 THEN ['missing'] ELSE why0 END AS why, "
        f"CAST([] AS {cap_type(dialect)}) AS caps "
        f"FROM (SELECT *, {body} FROM (SELECT *, ({failed}) AS failed, {failed_codes} AS failed_codes, "
        f"{missing} AS miss FROM {{prev}}) a) b"
    )


def first_reaching_stage(
    item: Item,
    constants: Mapping[str, Any],
    year: int,
    columns: Sequence[str],
    dialect: Dialect = "duckdb",
) -> str:
    """First time reaching a threshold: :mod:`jinshu.rules.shared.first_reaching` in SQL."""
    payout = item.spec.payout
    fig = payout.figure or "main_revenue"
    pairs = [(constants[t], constants[r]) for t, r in payout.thresholds]
    reached = [f"k_{fig} >= {lit(t)}" for t, _ in pairs]
    known = [
        f"(COALESCE(ey.top >= {lit(t)}, FALSE) OR COALESCE(k_max_main_revenue_before >= {lit(t)}, FALSE)"
        f" OR COALESCE(hk.t{n}, FALSE))"
        for n, (t, _) in enumerate(pairs)
    ]
    first = [f"({r} AND NOT {k})" for r, k in zip(reached, known, strict=True)]
    rewards = [
        f"CASE WHEN {f} THEN {lit(w)} ELSE 0 END" for f, (_, w) in zip(first, pairs, strict=True)
    ]
    each = (constants.get("thresholds_in_one_year") or "highest") == "each"
    amount = " + ".join(rewards) if each else f"GREATEST({', '.join(rewards)})"
    complete = (
        f"(COALESCE(ey.has_prev, FALSE) OR k_max_main_revenue_before IS NOT NULL "
        f"OR COALESCE(year(k_founded) = {year}, FALSE))"
    )
    any_reached, any_first = " OR ".join(reached), " OR ".join(first)
    now_missing, prev_missing = q(f"years.{year}.{fig}"), q(f"years.{year - 1}.{fig}")
    pay = f"{LIVE} AND k_{fig} IS NOT NULL AND ({any_first}) AND {complete}"
    changes = {
        "st": f"CASE WHEN NOT ({LIVE}) THEN st WHEN k_{fig} IS NULL THEN 'needs_review' "
        f"WHEN NOT ({any_reached}) OR NOT ({any_first}) THEN 'ineligible' "
        f"WHEN NOT {complete} THEN 'needs_review' ELSE 'eligible' END",
        "amt": f"CASE WHEN {pay} THEN CAST({amount} AS {MONEY}) END",
        "miss": f"CASE WHEN NOT ({LIVE}) THEN miss WHEN k_{fig} IS NULL THEN [{now_missing}] "
        f"WHEN ({any_reached}) AND ({any_first}) AND NOT {complete} THEN [{prev_missing}] "
        f"ELSE miss END",
        "why": f"CASE WHEN NOT ({LIVE}) THEN why WHEN k_{fig} IS NULL THEN ['missing'] "
        f"WHEN NOT ({any_reached}) THEN ['first_reaching:below'] "
        f"WHEN NOT ({any_first}) THEN ['first_reaching:not_first'] "
        f"WHEN NOT {complete} THEN ['first_reaching:previous_year_missing'] ELSE why END",
    }
    # Whether the history already holds each threshold as a key (keys are thresholds as text).
    held = ", ".join(f"BOOL_OR(k = {lit(t)}) AS t{n}" for n, (t, _) in enumerate(pairs))
    return (
        f"SELECT {project(columns, changes, 's')} FROM {{prev}} s "
        f"LEFT JOIN (SELECT eid, MAX({fig}) AS top, BOOL_OR(year = {year - 1}) AS has_prev "
        f"FROM years WHERE year < {year} AND {fig} IS NOT NULL GROUP BY eid) ey ON ey.eid = s.eid "
        f"LEFT JOIN (SELECT eid, {held} FROM (SELECT eid, {numeric_or_null('key', dialect)} AS k "
        f"FROM history WHERE item = {q(item.id)} AND year <= {year}) h GROUP BY eid) hk "
        f"ON hk.eid = s.eid"
    )


def _key(key: str) -> str | None:
    """The SQL of a one-time key on a row ``t``; None for the applicant (one group)."""
    if key == "applicant":
        return None
    if key == "record":
        return "t.record_id"
    return f"CAST(t.k_{key} AS VARCHAR)"


def one_time_stages(
    item: Item,
    key: str,
    any_earlier: bool,
    year_only: bool,
    year: int,
    columns: Sequence[str],
) -> list[str]:
    """One-time (or once per year): :mod:`jinshu.rules.shared.one_time` in SQL."""
    k = _key(key)
    by_key = "" if k is None else f", {k}"
    stages = []
    if any_earlier:
        changes = refuse(f"{LIVE} AND rn > 1", q("one_time:not_first"))
        stages.append(
            f"SELECT {project(columns, changes, 'u')} "
            f"FROM (SELECT t.*, ROW_NUMBER() OVER (PARTITION BY t.eid{by_key} "
            f"ORDER BY t.k_date NULLS LAST, t.idx) AS rn FROM {{prev}} t) u"
        )
    year_match = f"AND year = {year}" if year_only else ""
    paid = (
        f"(SELECT DISTINCT eid{'' if k is None else ', key'} FROM history "
        f"WHERE item = {q(item.id)} {year_match})"
    )
    on = "h.eid = t.eid" + ("" if k is None else f" AND h.key = {k}")
    code = "CASE WHEN hit THEN 'one_time:history' ELSE 'one_time:claimed' END"
    changes = refuse(f"{LIVE} AND (hit OR rk > 1)", code)
    stages.append(
        f"SELECT {project(columns, changes, 'u')} "
        f"FROM (SELECT t.*, h.eid IS NOT NULL AS hit, ROW_NUMBER() OVER (PARTITION BY t.eid{by_key}, "
        f"t.st <> 'ineligible' ORDER BY t.idx) AS rk FROM {{prev}} t LEFT JOIN {paid} h ON {on}) u"
    )
    return stages


def at_most_years_stage(item: Item, years: int, year: int, columns: Sequence[str]) -> str:
    changes = refuse(f"{LIVE} AND COALESCE(hy.n, 0) >= {years}", q("at_most_years"))
    return (
        f"SELECT {project(columns, changes, 's')} "
        f"FROM {{prev}} s LEFT JOIN (SELECT eid, COUNT(DISTINCT year) AS n FROM history "
        f"WHERE item = {q(item.id)} AND year < {year} GROUP BY eid) hy ON hy.eid = s.eid"
    )


def cap_stage(
    item: Item,
    n: int,
    constants: Mapping[str, Any],
    year: int,
    steps: set[str],
    columns: Sequence[str],
    dialect: Dialect = "duckdb",
) -> str:
    """One cap, in record order within each applicant and group: :mod:`jinshu.rules.shared.caps`."""
    cap = item.spec.caps[n]
    if cap.per == "applicant":
        group, hkey = "'*'", None
    elif cap.per == "record":
        group, hkey = "s.record_id", "h.key"
    else:
        group, hkey = f"CAST(s.k_{cap.per} AS VARCHAR)", "h.key"
    limit = f"s.k_{cap.limit}" if cap.limit in steps else lit(constants.get(cap.limit))
    period = f"AND h.year = {year}" if cap.period == "year" else ""
    paid = (
        f"(SELECT h.eid, {hkey or q('*')} AS grp, SUM(h.amount) AS total FROM history h "
        f"WHERE h.item = {q(item.id)} {period} GROUP BY h.eid{'' if hkey is None else ', ' + hkey})"
    )
    # The value is taken to 12 decimals so that every comparison with the room left is exact.
    val = f"CAST(CASE st WHEN 'eligible' THEN amt WHEN 'needs_review' THEN mx END AS {DEC})"

    def payable(row: str) -> str:
        return f"({row}st IN ('eligible', 'needs_review') AND {row}val IS NOT NULL AND {row}lim IS NOT NULL)"

    room = f"GREATEST(CAST(0 AS {DEC}), lim - used - before)"
    new = f"CAST(LEAST(val, {room}) AS {MONEY})"
    cut = f"({payable('')} AND val > {room})"
    zero = f"({cut} AND {new} = 0)"
    paid_before = f"used + LEAST(before, GREATEST(CAST(0 AS {DEC}), lim - used))"
    trace = cap_trace(
        {"id": q(cap.id), "lim": "lim", "used": paid_before, "cut": f"val - {room}"}, dialect
    )
    changes = {
        "caps": f"CASE WHEN {cut} THEN list_append(caps, {trace}) ELSE caps END",
        "st": f"CASE WHEN {zero} THEN 'ineligible' ELSE st END",
        "amt": f"CASE WHEN {zero} THEN NULL WHEN {cut} AND st = 'eligible' THEN {new} ELSE amt END",
        "mn": f"CASE WHEN {zero} THEN NULL WHEN {cut} AND st = 'needs_review' THEN LEAST(mn, {new}) ELSE mn END",
        "mx": f"CASE WHEN {zero} THEN NULL WHEN {cut} AND st = 'needs_review' THEN {new} ELSE mx END",
        "why": f"CASE WHEN {zero} THEN list_append(why, {q('cap:' + cap.id)}) ELSE why END",
    }
    return (
        f"SELECT {project(columns, changes, 'x')} "
        f"FROM (SELECT w.*, COALESCE(SUM(CASE WHEN {payable('w.')} THEN w.val END) "
        f"OVER (PARTITION BY w.eid, w.grp ORDER BY w.idx ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before "
        f"FROM (SELECT s.*, {group} AS grp, {limit} AS lim, COALESCE(hp.total, 0) AS used, "
        f"{val} AS val FROM {{prev}} s LEFT JOIN {paid} hp ON hp.eid = s.eid AND hp.grp = {group}) w) x"
    )


def zero_ceiling_stage(columns: Sequence[str]) -> str:
    changes = refuse("st = 'needs_review' AND mx = 0", q("zero"))
    return f"SELECT {project(columns, changes)} FROM {{prev}}"


def plan_item(
    item: Item,
    query: ItemQuery,
    constants: Mapping[str, Any],
    year: int,
    dialect: Dialect = "duckdb",
) -> str:
    """The whole SQL of one item: values, decision, shared rules, as a chain of CTEs.

    Returns:
        A query with the columns of :func:`stage_columns`: eid, idx, record_id, the kept ``k_*``
        columns, st, amt, mn, mx, miss, why and caps (DuckDB's text, with the variants
        ``dialect`` needs; see :mod:`jinshu.rules.sqldialect`).
    """
    spec = item.spec
    columns = stage_columns(query)
    stages = [decide_stage(item, query, dialect)]
    if spec.payout.kind == "first_reaching":
        stages.append(first_reaching_stage(item, constants, year, columns, dialect))
    if spec.one_time is not None:
        stages += one_time_stages(
            item, spec.one_time.key, spec.one_time.any_earlier, False, year, columns
        )
    if spec.once_per_year is not None:
        stages += one_time_stages(item, spec.once_per_year.key, False, True, year, columns)
    if spec.at_most_years is not None:
        years = constants.get(spec.at_most_years.years)
        if years is not None:
            stages.append(at_most_years_stage(item, int(years), year, columns))
    steps = {s.id for s in item.steps}
    for n in range(len(spec.caps)):
        stages.append(cap_stage(item, n, constants, year, steps, columns, dialect))
    stages.append(zero_ceiling_stage(columns))
    ctes = [f"v0 AS ({query.sql})"]
    for n, stage in enumerate(stages, start=1):
        ctes.append(f"s{n} AS ({stage.replace('{prev}', 'v0' if n == 1 else f's{n - 1}')})")
    return f"WITH {', '.join(ctes)} SELECT * FROM s{len(stages)}"
