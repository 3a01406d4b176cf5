"""Evaluate many cases at once with the same compiled rules (``evaluate_batch``).

The rows are computed set-based, one SQL query per item over the whole registry (DuckDB
in-process); each row's status is then decided, and the shared rules applied per applicant, by
the very functions the single-case path uses, so the two paths cannot drift apart in meaning.
A differential test (tests/matching/test_batch.py) keeps them equal result for result.
"""

from __future__ import annotations

import datetime as dt
from collections import ChainMap, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import duckdb

from jinshu.facts.case import Case, HistoryEntry
from jinshu.matching.tables import case_tables
from jinshu.money import ZERO
from jinshu.rules.evaluate import (
    RowValues,
    apply_item_rules,
    decide,
    finish_case,
    info_result,
    out_of_force,
)
from jinshu.rules.plan import plan_query
from jinshu.rules.policyset import PolicySet
from jinshu.rules.results import CaseResult, Result


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
    items: Collection[str] | None = None,
) -> dict[str, dict[str, list[Result]]]:
    """Every decided row of every item, by enterprise and item (shared rules not yet applied)."""
    out: dict[str, dict[str, list[Result]]] = defaultdict(lambda: defaultdict(list))
    shared = dict(constants)
    for item in policy.items.values():
        if item.grain == "info" or (items is not None and item.id not in items):
            continue
        query = plan_query(item, policy, constants, year)
        cursor = con.execute(query.sql)
        names = [d[0] for d in cursor.description]
        position = {n: i for i, n in enumerate(names)}
        for row in cursor.fetchall():
            own = {name: row[position[f"k_{name}"]] for name in query.keep}
            own["record_id"] = row[2]
            facts = ChainMap(own, shared)  # the run's constants are shared, not copied per row
            values = RowValues(
                record=row[2],
                index=row[1],
                row=facts,
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


def _connect(cases: Iterable[Case]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name, table in case_tables(cases).items():
        con.register(name, table)
    return con


def _stub_cases(con: duckdb.DuckDBPyConnection, year: int, eids: Iterable[str]) -> dict[str, Case]:
    """The part of each applicant's case the shared rules read: its years and its history."""
    wanted = set(eids)
    years: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    cursor = con.execute(f"SELECT * FROM years WHERE year < {year}")
    names = [d[0] for d in cursor.description]
    for row in cursor.fetchall():
        if row[0] in wanted:
            figures = {n: v for n, v in zip(names[2:], row[2:], strict=True) if v is not None}
            years[row[0]][row[1]] = figures
    history: dict[str, list[HistoryEntry]] = defaultdict(list)
    for eid, item, h_year, key, level, amount in con.execute(
        "SELECT eid, item, year, key, level, amount FROM history"
    ).fetchall():
        if eid in wanted:
            history[eid].append(HistoryEntry(item, h_year, key, level, amount or ZERO))
    return {
        eid: Case(year, {"id": eid}, frozenset(), years[eid], (), tuple(history[eid]))
        for eid in wanted
    }


def evaluate_connection(
    policy: PolicySet,
    con: duckdb.DuckDBPyConnection,
    year: int,
    parameters: Mapping[str, Any] | None = None,
    cases: Mapping[str, Case] | None = None,
    items: Collection[str] | None = None,
) -> dict[str, CaseResult]:
    """Evaluate every applicant of the registry tables on ``con`` for performance year ``year``.

    Args:
        policy: the policy set.
        con: a DuckDB connection with the tables of :mod:`jinshu.matching.tables`.
        year: the performance year (the document must be in force).
        parameters: overrides for the whole run (a reform).
        cases: the validated cases, when the caller has them; otherwise the shared rules read
            each applicant's years and history from the tables.
        items: evaluate only these items (informational ones are then left out too).

    Returns:
        Each applicant's result, by enterprise id.
    """
    constants = constants_for(policy, year, parameters)
    rows = item_rows(con, policy, year, constants, items)
    eids = [r[0] for r in con.execute("SELECT eid FROM enterprises").fetchall()]
    known = cases if cases is not None else _stub_cases(con, year, eids)
    finished: dict[str, CaseResult] = {}
    for eid in eids:
        case = known[eid]
        mine = rows.get(eid, {})
        results: list[Result] = []
        for item in policy.items.values():
            if item.grain == "info":
                if items is None:
                    results.append(info_result(item))
                continue
            found = mine.get(item.id)
            if not found:
                continue
            found.sort(key=lambda r: r.index)
            tracks = {}
            if item.track is not None:
                tracks = {r.index: str(item.track.fn(r.row)) for r in found}
            apply_item_rules(item, found, tracks, case, constants)
            results += found
        finished[eid] = finish_case(policy, case, constants, results)
    return finished


def evaluate_batch(
    policy: PolicySet, cases: Sequence[Case], parameters: Mapping[str, Any] | None = None
) -> list[CaseResult]:
    """Evaluate validated cases set-based; the results come back in the order of ``cases``.

    Args:
        policy: the policy set.
        cases: validated cases with distinct enterprise ids; their own ``parameters`` are
            ignored: a batch runs under one set of parameters (``parameters``, e.g. a reform).
        parameters: overrides for the whole batch.
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
        for eid, result in evaluate_connection(policy, con, year, parameters, by_eid).items():
            finished[(year, eid)] = result
        con.close()
    return [finished[(c.year, c.enterprise_id)] for c in cases]
