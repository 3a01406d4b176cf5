"""Evaluate a whole registry at once with the same compiled rules (``evaluate_connection``).

Everything is set-based SQL, run by DuckDB in-process or by any engine of
:mod:`jinshu.matching.engines` (Spark, PostgreSQL): per item the values query
(:mod:`jinshu.rules.plan`), the decision and the item's shared rules
(:mod:`jinshu.rules.plan_decide`), then the rules across items and clause 1's split over all
results (:mod:`jinshu.rules.plan_cross`). Clause 16's upgrade difference, whose outcome for one
certificate depends on the outcome for the one before, runs through the single-case module on
the certificate rows only. The differential test (tests/matching/test_batch.py) requires the
batch to equal the single-case path result for result.
"""

from __future__ import annotations

import datetime as dt
from collections import ChainMap, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import duckdb

from jinshu.facts.case import Case, HistoryEntry
from jinshu.facts.divisions import PILOT_ZONE
from jinshu.matching.engines import RESULTS_ARROW, Engine, as_engine, plain
from jinshu.matching.tables import case_tables
from jinshu.money import ZERO, fmt
from jinshu.rules.evaluate import (
    RowValues,
    apply_item_rules,
    decide,
    info_result,
    out_of_force,
)
from jinshu.rules.plan import base_query, plan_query
from jinshu.rules.plan_cross import RESULTS_TABLE, plan_finish
from jinshu.rules.plan_decide import MONEY, plan_item
from jinshu.rules.policyset import Item, PolicySet
from jinshu.rules.results import CapTrace, CaseResult, Result
from jinshu.rules.sqldialect import cap_type

BASE_TABLE = "applicant_year"
Connection = duckdb.DuckDBPyConnection | Engine


def constants_for(
    policy: PolicySet, year: int, parameters: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Built-ins and parameter values for a run over performance year ``year``."""
    values: dict[str, Any] = {
        "year": year,
        "year_start": dt.date(year, 1, 1),
        "year_end": dt.date(year, 12, 31),
        "next_year_start": dt.date(year + 1, 1, 1),
        "effective_from": policy.document.effective_from,
    }
    values.update(policy.parameters_for_year(year))
    for name, given in (parameters or {}).items():
        values[name] = given.get(year) if isinstance(given, dict) else given
    return values


def _in_sql(item: Item) -> bool:
    return item.grain != "info" and item.spec.payout.kind != "upgrade"


def run_rules(
    con: Connection,
    policy: PolicySet,
    year: int,
    constants: Mapping[str, Any],
    items: Collection[str] | None = None,
) -> str:
    """Fill the results table of every SQL-evaluated item; return the finishing query.

    The query is the planner's DuckDB text; an engine other than DuckDB transpiles it when it
    runs it (:meth:`Engine.create_table`).
    """
    engine = as_engine(con)
    dialect = engine.dialect
    engine.create_empty(RESULTS_TABLE, RESULTS_ARROW)
    engine.create_table(BASE_TABLE, base_query(year))
    for item in policy.items.values():
        if not _in_sql(item) or (items is not None and item.id not in items):
            continue
        query = plan_query(item, policy, constants, year, BASE_TABLE, dialect)
        keep = set(query.keep)
        project = "k_project_key" if "project_key" in keep else "NULL"
        city = "COALESCE(k_city, k_applicant_city)" if "city" in keep else "k_applicant_city"
        county = (
            "COALESCE(k_county, k_applicant_county)" if "county" in keep else "k_applicant_county"
        )
        # Every column typed as the results table's, so that any engine appends alike.
        engine.append(
            RESULTS_TABLE,
            f"SELECT eid, '{item.id}' AS item, CAST(idx AS INTEGER) AS idx, record_id, "
            f"CAST({project} AS VARCHAR) AS project_key, CAST({city} AS VARCHAR) AS place_city, "
            f"CAST({county} AS VARCHAR) AS place_county, st, CAST(amt AS {MONEY}) AS amt, "
            f"CAST(mn AS {MONEY}) AS mn, CAST(mx AS {MONEY}) AS mx, miss, why, "
            f"CAST(caps AS {cap_type(dialect)}) AS caps "
            f"FROM ({plan_item(item, query, constants, year, dialect)}) r",
        )
    return plan_finish(policy, constants, year)


def _clean(names: Sequence[str | None] | None) -> list[str]:
    out: list[str] = []
    for name in names or []:
        if name is not None and name not in out:
            out.append(name)
    return out


def item_rows(
    engine: Engine,
    policy: PolicySet,
    year: int,
    constants: Mapping[str, Any],
    items: Collection[str],
) -> dict[str, dict[str, list[Result]]]:
    """Decided rows of the given items, by enterprise and item, for rules run in Python."""
    out: dict[str, dict[str, list[Result]]] = defaultdict(lambda: defaultdict(list))
    shared = dict(constants)
    for item_id in items:
        item = policy.items[item_id]
        query = plan_query(item, policy, constants, year, dialect=engine.dialect)
        names, fetched = engine.rows(query.sql)
        position = {name: i for i, name in enumerate(names)}
        for row in fetched:
            own = {name: row[position[f"k_{name}"]] for name in query.keep}
            own["record_id"] = row[2]
            values = RowValues(
                record=row[2],
                index=row[1],
                row=ChainMap(own, shared),
                conditions=[row[position[f"c{n}"]] for n in range(query.conditions)],
                condition_missing=[_clean(row[position[f"m{n}"]]) for n in range(query.conditions)],
                reviews=[bool(row[position[f"v{n}"]]) for n in range(query.reviews)],
                payout={r: row[position[f"p_{r}"]] for r in query.roles},
                payout_missing={
                    r: _clean(row[position[f"pm_{r}"]])
                    for r in query.roles
                    if row[position[f"p_{r}"]] is None
                },
            )
            out[row[0]][item.id].append(decide(item, values, {}, policy, trace=False))
    return out


def _stub_cases(engine: Engine, year: int, eids: Collection[str]) -> dict[str, Case]:
    """The part of each applicant's case the Python rules read: its years and its history."""
    if not eids:
        return {}
    engine.register_arrow("wanted_eids", _eid_table(eids))
    years: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    names, fetched = engine.rows(
        f"SELECT y.* FROM years y JOIN wanted_eids w ON w.eid = y.eid WHERE y.year < {year}"
    )
    for row in fetched:
        years[row[0]][row[1]] = {
            n: v for n, v in zip(names[2:], row[2:], strict=True) if v is not None
        }
    history: dict[str, list[HistoryEntry]] = defaultdict(list)
    for eid, item, h_year, key, level, amount in engine.rows(
        "SELECT h.eid, item, year, key, level, amount FROM history h "
        "JOIN wanted_eids w ON w.eid = h.eid"
    )[1]:
        history[eid].append(HistoryEntry(item, h_year, key, level, amount or ZERO))
    engine.drop("wanted_eids")
    return {
        eid: Case(year, {"id": eid}, frozenset(), years[eid], (), tuple(history[eid]))
        for eid in eids
    }


def _eid_table(eids: Iterable[str]) -> Any:
    import pyarrow as pa

    return pa.table({"eid": pa.array(list(eids), type=pa.string())})


def _python_items(
    engine: Engine,
    policy: PolicySet,
    year: int,
    constants: Mapping[str, Any],
    items: Collection[str] | None,
    cases: Mapping[str, Case] | None,
) -> dict[str, list[Result]]:
    """Results of the items whose rules run in Python (clause 16), by enterprise."""
    chosen = [
        i.id
        for i in policy.items.values()
        if i.grain != "info" and not _in_sql(i) and (items is None or i.id in items)
    ]
    if not chosen:
        return {}
    rows = item_rows(engine, policy, year, constants, chosen)
    known = cases if cases is not None else _stub_cases(engine, year, list(rows))
    out: dict[str, list[Result]] = defaultdict(list)
    for eid, by_item in rows.items():
        for item_id in chosen:
            found = sorted(by_item.get(item_id, []), key=lambda r: r.index)
            if not found:
                continue
            item = policy.items[item_id]
            tracks = {}
            if item.track is not None:
                tracks = {r.index: str(item.track.fn(r.row)) for r in found}
            apply_item_rules(item, found, tracks, known[eid], constants)
            out[eid] += found
    return out


def _split(row: Mapping[str, Any]) -> dict[str, Any] | None:
    if row["split_province"] is None:
        return None
    return {
        "province": fmt(row["split_province"]),
        "city": fmt(row["split_city"]),
        "county": fmt(row["split_county"]),
        "city_name": row["place_city"],
        "county_name": row["place_county"],
        "county_is_pilot_zone": row["place_county"] == PILOT_ZONE,
    }


def evaluate_connection(
    policy: PolicySet,
    con: Connection,
    year: int,
    parameters: Mapping[str, Any] | None = None,
    cases: Mapping[str, Case] | None = None,
    items: Collection[str] | None = None,
    backend: str = "duckdb",
) -> dict[str, CaseResult]:
    """Evaluate every applicant of the registry tables on ``con`` for performance year ``year``.

    Args:
        policy: the policy set.
        con: a DuckDB connection or an engine holding the tables of
            :mod:`jinshu.matching.tables`.
        year: the performance year (the document must be in force).
        parameters: overrides for the whole run (a reform).
        cases: the validated cases when the caller has them (otherwise the rules run in Python
            read each applicant's years and history from the tables).
        items: evaluate only these items (informational ones are then left out too).
        backend: ``duckdb`` (set-based SQL) or ``vector`` (numpy columns, falling back to SQL
            per item where it cannot evaluate exactly; see :mod:`jinshu.matching.vector_batch`).

    Returns:
        Each applicant's result, by enterprise id, results in catalogue and record order.
    """
    if backend == "vector":
        from jinshu.matching.engines.duck import DuckDBEngine
        from jinshu.matching.vector_batch import evaluate_connection_vector

        duck = con.con if isinstance(con, DuckDBEngine) else con
        if not isinstance(duck, duckdb.DuckDBPyConnection):
            raise ValueError("the vectorised backend reads its registry from DuckDB")
        return evaluate_connection_vector(policy, duck, year, parameters, cases, items)
    engine = as_engine(con)
    constants = constants_for(policy, year, parameters)
    final = run_rules(engine, policy, year, constants, items)
    columns, fetched = engine.rows(final)
    rows = (dict(zip(columns, values, strict=True)) for values in fetched)
    return case_results(policy, engine, year, constants, rows, cases, items)


def case_results(
    policy: PolicySet,
    engine: Engine,
    year: int,
    constants: Mapping[str, Any],
    rows: Iterable[Mapping[str, Any]],
    cases: Mapping[str, Case] | None,
    items: Collection[str] | None,
) -> dict[str, CaseResult]:
    """Each applicant's result from the rows of a results table (either backend's), with the
    items run in Python and the informational ones added, in catalogue and record order."""
    by_eid: dict[str, list[Result]] = defaultdict(list)
    clause_of = {i.id: i.clause for i in policy.items.values()}
    labels = {(i.id, c.id): c.label for i in policy.items.values() for c in i.spec.caps}
    for row in rows:
        by_eid[row["eid"]].append(
            Result(
                item=row["item"],
                clause=clause_of[row["item"]],
                record=row["record_id"],
                status=row["st"],
                amount=row["amt"],
                min=row["mn"],
                max=row["mx"],
                reasons=list(row["why"]),
                missing=list(row["miss"]),
                split=_split(row),
                caps=[
                    CapTrace(c["id"], labels[(row["item"], c["id"])], c["lim"], c["used"], c["cut"])
                    for c in plain(row["caps"])
                ],
                index=row["idx"],
            )
        )
    for eid, extra in _python_items(engine, policy, year, constants, items, cases).items():
        by_eid[eid] += extra
    order = {item: n for n, item in enumerate(policy.items)}
    doc = policy.document
    document = f"{doc.number} ({doc.version})"
    infos = [i for i in policy.items.values() if i.grain == "info"] if items is None else []
    finished: dict[str, CaseResult] = {}
    for (eid,) in engine.rows("SELECT eid FROM enterprises")[1]:
        results = by_eid.get(eid, []) + [info_result(i) for i in infos]
        results.sort(key=lambda r: (order[r.item], r.index))
        finished[eid] = CaseResult(year, eid, document, results)
    return finished


def materialize(
    con: Connection,
    policy: PolicySet,
    year: int,
    constants: Mapping[str, Any],
    table: str,
    items: Collection[str] | None = None,
) -> None:
    """Every item's results for the registry on ``con`` into ``table`` (one row per result).

    The items whose rules run in Python are added to the SQL results before the rules across
    items and the split, so the table is complete. Its columns are those of
    :data:`jinshu.matching.engines.base.FINAL_ARROW`.
    """
    engine = as_engine(con)
    final = run_rules(engine, policy, year, constants, items)
    rows: list[dict[str, Any]] = []
    for eid, results in _python_items(engine, policy, year, constants, items, None).items():
        rows += [
            {"eid": eid, "item": r.item, "idx": r.index, "record_id": r.record, "st": r.status,
             "amt": r.amount, "mn": r.min, "mx": r.max, "miss": list(r.missing),
             "why": list(r.reasons), "caps": []}
            for r in results
        ]  # fmt: skip
    if rows:
        import pyarrow as pa

        engine.append_arrow(RESULTS_TABLE, pa.Table.from_pylist(rows, schema=RESULTS_ARROW))
    engine.create_table(table, final)


def totals_by_item(con: duckdb.DuckDBPyConnection, final_sql: str) -> dict[str, Decimal]:
    """Sum of eligible amounts per item straight from SQL (no result objects)."""
    rows = con.execute(
        f"SELECT item, SUM(amt) FROM ({final_sql}) WHERE st = 'eligible' GROUP BY item"
    ).fetchall()
    return {item: total for item, total in rows}


def _connect(cases: Iterable[Case]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name, table in case_tables(cases).items():
        con.register(name, table)
    return con


def evaluate_batch(
    policy: PolicySet,
    cases: Sequence[Case],
    parameters: Mapping[str, Any] | None = None,
    backend: str = "duckdb",
) -> list[CaseResult]:
    """Evaluate validated cases set-based; the results come back in the order of ``cases``.

    Args:
        policy: the policy set.
        cases: validated cases with distinct enterprise ids; their own ``parameters`` are
            ignored: a batch runs under one set of parameters (``parameters``, e.g. a reform).
        parameters: overrides for the whole batch.
        backend: ``duckdb`` or ``vector`` (see :func:`evaluate_connection`).
    """
    by_year: dict[int, list[Case]] = defaultdict(list)
    for case in cases:
        by_year[case.year].append(case)
    finished: dict[tuple[int, str], CaseResult] = {}
    for year, group in by_year.items():
        if not policy.in_force(year):
            for case in group:
                finished[(year, case.enterprise_id)] = out_of_force(policy, case)
            continue
        con = _connect(group)
        by_eid = {c.enterprise_id: c for c in group}
        found = evaluate_connection(policy, con, year, parameters, by_eid, backend=backend)
        for eid, result in found.items():
            finished[(year, eid)] = result
        con.close()
    return [finished[(c.year, c.enterprise_id)] for c in cases]
