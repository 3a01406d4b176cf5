"""What-if reforms (政策沙盘) and their fiscal cost (``run_reform``).

A reform is a named set of parameter changes written as a small YAML file beside the document it
changes (``policies/<document>/reforms/*.yaml``), for example clause 15's yearly cap 3,000,000 →
2,000,000 or clause 14's rate 5% → 4%. Baseline and reform run over the same registry with the
same compiled rules (set-based SQL); the report gives the cost difference by clause, city,
industry and government level (clause 1's split), the enterprises that gain and lose, and the
budget lines the reform would exceed.

Costs are given twice: ``committed`` (eligible amounts, fixed by the text) and ``up_to`` (plus the
top of every range a reviewer decides within).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from jinshu.errors import CaseError, ErrorEntry, problem
from jinshu.facts.case import Case
from jinshu.facts.schema import APPLICANT_KINDS
from jinshu.facts.synthetic import generate_registry
from jinshu.facts.validate import validate_case
from jinshu.matching.batch import Connection, constants_for, materialize
from jinshu.matching.engines import DuckDBEngine, Engine, as_engine
from jinshu.matching.engines.base import FINAL_ARROW
from jinshu.matching.tables import enterprise_schema
from jinshu.rules.policyset import PolicySet
from jinshu.rules.spec import TestSpec


class Reform(BaseModel):
    """A reform file: name, description, parameter changes, and its own tests."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    description: str = ""
    parameters: dict[str, Any]
    tests: list[TestSpec] = Field(default_factory=list)


def load_reform(path: Path | str, policy: PolicySet) -> Reform:
    """Read and check a reform file: every parameter must exist and its value be valid."""
    file = Path(path)
    try:
        raw = yaml.safe_load(file.read_text("utf-8"))
        reform = Reform.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise CaseError(
            problem(str(file), f"改革方案文件无效：{exc}", "invalid reform file")
        ) from None
    # The case validator knows every parameter and its kind: reuse it on an empty case.
    probe = {"year": 2020, "enterprise": {"id": "reform"}, "parameters": reform.parameters}
    try:
        validate_case(probe, known_items=policy.items, parameter_kinds=policy.parameter_kinds())
    except CaseError as exc:
        raise CaseError(
            [
                ErrorEntry(f"{file.name}: {e.location}", e.message_zh, e.message_en, e.value)
                for e in exc.entries
            ]
        ) from None
    return reform


def _parsed(policy: PolicySet, reform: Reform) -> dict[str, Any]:
    probe = {"year": 2020, "enterprise": {"id": "reform"}, "parameters": reform.parameters}
    case = validate_case(probe, known_items=policy.items, parameter_kinds=policy.parameter_kinds())
    return dict(case.parameters)


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _report_connection(engine: Engine) -> duckdb.DuckDBPyConnection:
    """Where the comparison runs: the engine's own connection for DuckDB; otherwise a local
    DuckDB holding the two results tables and the enterprises, fetched from the engine."""
    if isinstance(engine, DuckDBEngine):
        return engine.con
    con = duckdb.connect()
    for name in ("baseline", "reformed"):
        con.register(name, engine.to_arrow(f"SELECT * FROM {name}", FINAL_ARROW))
    schema = enterprise_schema()
    con.register("enterprises", engine.to_arrow("SELECT * FROM enterprises", schema))
    return con


def run_reform(
    con: Connection,
    policy: PolicySet,
    reform: Reform,
    *,
    year: int,
    budgets: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Baseline and reform over the registry tables on ``con``; the report as plain data.

    Args:
        con: a DuckDB connection or an engine (:mod:`jinshu.matching.engines`) holding the
            registry tables; both runs are made there, the comparison in DuckDB.
        policy: the policy set.
        reform: the parameter changes.
        year: the performance year.
        budgets: budget lines ``{fund, level, region, amount}`` to check the reform against.
    """
    engine = as_engine(con)
    materialize(engine, policy, year, constants_for(policy, year), "baseline")
    reformed = constants_for(policy, year, _parsed(policy, reform))
    materialize(engine, policy, year, reformed, "reformed")
    report = _report_connection(engine)
    clauses = ", ".join(f"('{i.id}', {i.clause}, '{i.spec.fund}')" for i in policy.items.values())
    report.execute(
        f"CREATE OR REPLACE TEMP TABLE item_info AS SELECT * FROM (VALUES {clauses}) t(item, clause, fund)"
    )
    committed = "CASE WHEN st = 'eligible' THEN amt ELSE 0 END"
    up_to = "CASE WHEN st = 'eligible' THEN amt WHEN st = 'needs_review' THEN COALESCE(mx, 0) ELSE 0 END"
    report.execute(
        f"""CREATE OR REPLACE TEMP TABLE compared AS
        SELECT COALESCE(b.eid, r.eid) AS eid, COALESCE(b.item, r.item) AS item,
               COALESCE(b.place_city, r.place_city) AS city,
               COALESCE(b.place_county, r.place_county) AS county,
               COALESCE({committed.replace("st", "b.st").replace("amt", "b.amt")}, 0) AS base,
               COALESCE({committed.replace("st", "r.st").replace("amt", "r.amt")}, 0) AS reform,
               COALESCE({up_to.replace("st", "b.st").replace("amt", "b.amt").replace("mx", "b.mx")}, 0) AS base_up_to,
               COALESCE({up_to.replace("st", "r.st").replace("amt", "r.amt").replace("mx", "r.mx")}, 0) AS reform_up_to,
               CASE WHEN r.st = 'eligible' THEN COALESCE(r.split_province, r.amt) ELSE 0 END AS reform_province,
               CASE WHEN r.st = 'eligible' THEN COALESCE(r.split_city, 0) ELSE 0 END AS reform_city,
               CASE WHEN r.st = 'eligible' THEN COALESCE(r.split_county, 0) ELSE 0 END AS reform_county,
               CASE WHEN b.st = 'eligible' THEN COALESCE(b.split_province, b.amt) ELSE 0 END AS base_province,
               CASE WHEN b.st = 'eligible' THEN COALESCE(b.split_city, 0) ELSE 0 END AS base_city,
               CASE WHEN b.st = 'eligible' THEN COALESCE(b.split_county, 0) ELSE 0 END AS base_county
        FROM baseline b FULL OUTER JOIN reformed r
          ON r.eid = b.eid AND r.item = b.item AND r.idx = b.idx"""
    )
    summary = "SUM(base) AS base, SUM(reform) AS reform, SUM(reform) - SUM(base) AS change, SUM(base_up_to) AS base_up_to, SUM(reform_up_to) AS reform_up_to"
    by_clause = _rows(
        report,
        f"SELECT i.clause, {summary} FROM compared c JOIN item_info i USING (item) GROUP BY ALL ORDER BY i.clause",
    )
    by_item = _rows(
        report,
        f"SELECT item, {summary} FROM compared GROUP BY ALL HAVING SUM(base) <> 0 OR SUM(reform) <> 0 ORDER BY item",
    )
    by_city = _rows(
        report,
        f"SELECT COALESCE(e.city, '（未填）') AS city, {summary} FROM compared c JOIN enterprises e USING (eid) GROUP BY ALL ORDER BY change, city",
    )
    kinds = " UNION ALL ".join(
        f"SELECT '{k}' AS industry, {summary} FROM compared c JOIN enterprises e USING (eid) WHERE e.kind_{k}"
        for k in APPLICANT_KINDS
    )
    by_industry = [
        r
        for r in _rows(report, f"SELECT * FROM ({kinds}) ORDER BY change, industry")
        if r["base"] or r["reform"]
    ]
    levels = _rows(
        report,
        "SELECT SUM(base_province) AS base_province, SUM(reform_province) AS reform_province, "
        "SUM(base_city) AS base_city, SUM(reform_city) AS reform_city, "
        "SUM(base_county) AS base_county, SUM(reform_county) AS reform_county FROM compared",
    )[0]
    by_level: list[dict[str, Any]] = []
    for lv in ("province", "city", "county"):
        base = Decimal(levels[f"base_{lv}"] or 0)
        after = Decimal(levels[f"reform_{lv}"] or 0)
        by_level.append({"level": lv, "base": base, "reform": after, "change": after - base})
    per_ent = "SELECT eid, SUM(reform) - SUM(base) AS change FROM compared GROUP BY eid"
    counts = _rows(
        report,
        f"SELECT COUNT(*) FILTER (WHERE change > 0) AS gain, COUNT(*) FILTER (WHERE change < 0) AS lose FROM ({per_ent})",
    )[0]
    gainers = _rows(
        report,
        f"SELECT eid, change FROM ({per_ent}) WHERE change > 0 ORDER BY change DESC, eid LIMIT 10",
    )
    losers = _rows(
        report,
        f"SELECT eid, change FROM ({per_ent}) WHERE change < 0 ORDER BY change, eid LIMIT 10",
    )
    totals = _rows(report, f"SELECT {summary} FROM compared")[0]
    exceeded = []
    if budgets:
        spend = _rows(
            report,
            "SELECT i.fund, 'province' AS level, '' AS region, SUM(reform_province) AS cost FROM compared c JOIN item_info i USING (item) GROUP BY ALL "
            "UNION ALL SELECT i.fund, 'city', city, SUM(reform_city) FROM compared c JOIN item_info i USING (item) WHERE reform_city > 0 GROUP BY ALL "
            "UNION ALL SELECT i.fund, 'county', county, SUM(reform_county) FROM compared c JOIN item_info i USING (item) WHERE reform_county > 0 GROUP BY ALL",
        )
        lines = {(b["fund"], b["level"], b["region"]): Decimal(str(b["amount"])) for b in budgets}
        for s in spend:
            line = lines.get((s["fund"], s["level"], s["region"] or ""))
            if line is not None and s["cost"] is not None and s["cost"] > line:
                exceeded.append({**s, "budget": line, "over": s["cost"] - line})
    return {
        "reform": reform.name,
        "year": year,
        "parameters": reform.parameters,
        "total": totals,
        "by_clause": by_clause,
        "by_item": by_item,
        "by_city": by_city,
        "by_industry": by_industry,
        "by_level": by_level,
        "enterprises": {
            "gain": counts["gain"],
            "lose": counts["lose"],
            "top_gainers": gainers,
            "top_losers": losers,
        },
        "budgets_exceeded": exceeded,
    }


def registry_connection(cases: list[Any]) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection holding the registry tables of validated cases."""
    from jinshu.matching.tables import case_tables

    con = duckdb.connect()
    for name, table in case_tables(cases).items():
        con.register(name, table)
    return con


def database_registry(
    session: Session, policy: PolicySet, year: int
) -> tuple[list[Case], list[dict[str, Any]]]:
    """The store's registry for ``year`` as validated cases (history from the ledger), and that
    year's budget lines, which a reform's cost is checked against."""
    from jinshu.matching.match import registry_cases
    from jinshu.store.models import Budget

    cases, _invalid = registry_cases(session, policy, year)
    budgets = [
        {"fund": b.fund, "level": b.level, "region": b.region, "amount": b.amount}
        for b in session.scalars(select(Budget).where(Budget.year == year))
    ]
    return cases, budgets


def synthetic_cases(policy: PolicySet, size: int, year: int) -> list[Case]:
    """A synthetic registry of ``size`` validated cases (fixed seed)."""
    raws = generate_registry(size, seed=2020, year=year)
    return [validate_case(r, known_items=policy.items) for r in raws]


def reform_parameters(policy: PolicySet, reform: Reform) -> Mapping[str, Any]:
    return _parsed(policy, reform)


def run_reform_tests(policy: PolicySet, reform: Reform) -> list[tuple[str, tuple[str, ...]]]:
    """The reform file's own tests, each case run under the reform's parameters."""
    from jinshu.rules.casetests import run_test

    outcomes = []
    for test in reform.tests:
        case = {
            **test.case,
            "parameters": {**reform.parameters, **(test.case.get("parameters") or {})},
        }
        outcome = run_test(policy, 0, test.model_copy(update={"case": case}))
        outcomes.append((test.name, outcome.problems))
    return outcomes
