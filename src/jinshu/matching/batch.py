"""Evaluate a whole registry at once with the same compiled rules (``evaluate_connection``).

Everything is set-based SQL run by DuckDB in-process: per item the values query
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
from jinshu.rules.plan_decide import CAP_TYPE, plan_item
from jinshu.rules.policyset import Item, PolicySet
from jinshu.rules.results import CapTrace, CaseResult, Result

BASE_TABLE = "applicant_year"
RESULTS_SCHEMA = (
    "eid VARCHAR, item VARCHAR, idx INTEGER, record_id VARCHAR, project_key VARCHAR, "
    "place_city VARCHAR, place_county VARCHAR, st VARCHAR, amt DECIMAL(38, 2), "
    f"mn DECIMAL(38, 2), mx DECIMAL(38, 2), miss VARCHAR[], why VARCHAR[], caps {CAP_TYPE}"
)


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
    con: duckdb.DuckDBPyConnection,
    policy: PolicySet,
    year: int,
    constants: Mapping[str, Any],
    items: Collection[str] | None = None,
) -> str:
    """Fill the results table of every SQL-evaluated item; return the finishing query."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {RESULTS_TABLE} ({RESULTS_SCHEMA})")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {BASE_TABLE} AS {base_query(year)}")
    for item in policy.items.values():
        if not _in_sql(item) or (items is not None and item.id not in items):
            continue
        query = plan_query(item, policy, constants, year, BASE_TABLE)
        keep = set(query.keep)
        project = "k_project_key" if "project_key" in keep else "NULL"
        city = "COALESCE(k_city, k_applicant_city)" if "city" in keep else "k_applicant_city"
        county = (
            "COALESCE(k_county, k_applicant_county)" if "county" in keep else "k_applicant_county"
        )
        con.execute(
            f"INSERT INTO {RESULTS_TABLE} SELECT eid, '{item.id}', idx, record_id, {project}, "
            f"{city}, {county}, st, amt, mn, mx, miss, why, caps "
            f"FROM ({plan_item(item, query, constants, year)})"
        )
    return plan_finish(policy, constants, year)


def _clean(names: Sequence[str | None] | None) -> list[str]:
    out: list[str] = []
    for name in names or []:
        if name is not None and name not in out:
            out.append(name)
    return out


def item_rows(
    con: duckdb.DuckDBPyConnection,
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
        query = plan_query(item, policy, constants, year)
        cursor = con.execute(query.sql)
        position = {d[0]: i for i, d in enumerate(cursor.description)}
        for row in cursor.fetchall():
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


def _stub_cases(
    con: duckdb.DuckDBPyConnection, year: int, eids: Collection[str]
) -> dict[str, Case]:
    """The part of each applicant's case the Python rules read: its years and its history."""
    if not eids:
        return {}
    con.register("wanted_eids", _eid_table(eids))
    years: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    cursor = con.execute(
        f"SELECT y.* FROM years y JOIN wanted_eids w ON w.eid = y.eid WHERE y.year < {year}"
    )
    names = [d[0] for d in cursor.description]
    for row in cursor.fetchall():
        years[row[0]][row[1]] = {
            n: v for n, v in zip(names[2:], row[2:], strict=True) if v is not None
        }
    history: dict[str, list[HistoryEntry]] = defaultdict(list)
    for eid, item, h_year, key, level, amount in con.execute(
        "SELECT h.eid, item, year, key, level, amount FROM history h "
        "JOIN wanted_eids w ON w.eid = h.eid"
    ).fetchall():
        history[eid].append(HistoryEntry(item, h_year, key, level, amount or ZERO))
    con.unregister("wanted_eids")
    return {
        eid: Case(year, {"id": eid}, frozenset(), years[eid], (), tuple(history[eid]))
        for eid in eids
    }


def _eid_table(eids: Iterable[str]) -> Any:
    import pyarrow as pa

    return pa.table({"eid": pa.array(list(eids), type=pa.string())})


def _python_items(
    con: duckdb.DuckDBPyConnection,
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
    rows = item_rows(con, policy, year, constants, chosen)
    known = cases if cases is not None else _stub_cases(con, year, list(rows))
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
    con: duckdb.DuckDBPyConnection,
    year: int,
    parameters: Mapping[str, Any] | None = None,
    cases: Mapping[str, Case] | None = None,
    items: Collection[str] | None = None,
    backend: str = "duckdb",
) -> dict[str, CaseResult]:
    """Evaluate every applicant of the registry tables on ``con`` for performance year ``year``.

    Args:
        policy: the policy set.
        con: a DuckDB connection holding the tables of :mod:`jinshu.matching.tables`.
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
        from jinshu.matching.vector_batch import evaluate_connection_vector

        return evaluate_connection_vector(policy, con, year, parameters, cases, items)
    constants = constants_for(policy, year, parameters)
    final = run_rules(con, policy, year, constants, items)
    cursor = con.execute(final)
    columns = [d[0] for d in cursor.description]
    by_eid: dict[str, list[Result]] = defaultdict(list)
    clause_of = {i.id: i.clause for i in policy.items.values()}
    labels = {(i.id, c.id): c.label for i in policy.items.values() for c in i.spec.caps}
    for values in cursor.fetchall():
        row = dict(zip(columns, values, strict=True))
        status = row["st"]
        by_eid[row["eid"]].append(
            Result(
                item=row["item"],
                clause=clause_of[row["item"]],
                record=row["record_id"],
                status=status,
                amount=row["amt"],
                min=row["mn"],
                max=row["mx"],
                reasons=list(row["why"]),
                missing=list(row["miss"]),
                split=_split(row),
                caps=[
                    CapTrace(c["id"], labels[(row["item"], c["id"])], c["lim"], c["used"], c["cut"])
                    for c in row["caps"]
                ],
                index=row["idx"],
            )
        )
    for eid, extra in _python_items(con, policy, year, constants, items, cases).items():
        by_eid[eid] += extra
    order = {item: n for n, item in enumerate(policy.items)}
    doc = policy.document
    document = f"{doc.number} ({doc.version})"
    infos = [i for i in policy.items.values() if i.grain == "info"] if items is None else []
    finished: dict[str, CaseResult] = {}
    for (eid,) in con.execute("SELECT eid FROM enterprises").fetchall():
        results = by_eid.get(eid, []) + [info_result(i) for i in infos]
        results.sort(key=lambda r: (order[r.item], r.index))
        finished[eid] = CaseResult(year, eid, document, results)
    return finished


def materialize(
    con: duckdb.DuckDBPyConnection,
    policy: PolicySet,
    year: int,
    constants: Mapping[str, Any],
    table: str,
    items: Collection[str] | None = None,
) -> None:
    """Every item's results for the registry on ``con`` into ``table`` (one row per result).

    The items whose rules run in Python are added to the SQL results before the rules across
    items and the split, so the table is complete.
    """
    final = run_rules(con, policy, year, constants, items)
    rows: list[tuple[Any, ...]] = []
    for eid, results in _python_items(con, policy, year, constants, items, None).items():
        for r in results:
            rows.append(
                (eid, r.item, r.index, r.record, None, None, None, r.status, r.amount, r.min, r.max,
                 list(r.missing), list(r.reasons))
            )  # fmt: skip
    if rows:
        # One Arrow batch, not row-by-row inserts (DuckDB's executemany is per row).
        import pyarrow as pa

        names = ["eid", "item", "idx", "record_id", "project_key", "place_city", "place_county",
                 "st", "amt", "mn", "mx", "miss", "why"]  # fmt: skip
        columns = {n: [r[i] for r in rows] for i, n in enumerate(names)}
        money = pa.decimal128(38, 2)
        extra = pa.table(
            {
                **{n: pa.array(columns[n], type=pa.string()) for n in names[:2]},
                "idx": pa.array(columns["idx"], type=pa.int32()),
                **{n: pa.array(columns[n], type=pa.string()) for n in names[3:8]},
                **{n: pa.array(columns[n], type=money) for n in ("amt", "mn", "mx")},
                **{n: pa.array(columns[n], type=pa.list_(pa.string())) for n in ("miss", "why")},
            }
        )
        con.register("python_results", extra)
        con.execute(f"INSERT INTO {RESULTS_TABLE} SELECT *, [] FROM python_results")
        con.unregister("python_results")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {final}")


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
