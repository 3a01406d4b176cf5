"""Differential tests: the vectorised backend equals the set-based SQL backend, row for row.

The finished results table of both (every status, amount, range, missing fact, reason code, cap
trace with its exact limit, use and cut, and split) must be equal on the clause test cases, on a
synthetic registry, and on one shaken to reach the corners (facts dropped, histories of every
kind, shared project keys, amounts with many decimals).
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from jinshu.errors import CaseError
from jinshu.facts.case import Case
from jinshu.facts.synthetic import generate_registry
from jinshu.facts.validate import validate_case
from jinshu.matching.batch import constants_for, evaluate_batch, run_rules
from jinshu.matching.tables import case_tables
from jinshu.matching.vector_batch import SCHEMA, VectorRun, results_table
from jinshu.rules.policyset import PolicySet

ORDER = [("eid", "ascending"), ("item", "ascending"), ("idx", "ascending")]


def _connect(cases: list[Case]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name, table in case_tables(cases).items():
        con.register(name, table)
    return con


def _both(
    policy: PolicySet, cases: list[Case], year: int, parameters: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], VectorRun]:
    con = _connect(cases)
    constants = constants_for(policy, year, parameters)
    sql = con.sql(run_rules(con, policy, year, constants)).to_arrow_table()
    sql = sql.select(SCHEMA.names).cast(SCHEMA)
    vec, run = results_table(con, policy, year, constants)
    con.close()
    return sql.sort_by(ORDER).to_pylist(), vec.sort_by(ORDER).to_pylist(), run


def _assert_same(sql: list[dict[str, Any]], vec: list[dict[str, Any]]) -> None:
    assert len(sql) == len(vec)
    for a, b in zip(sql, vec, strict=True):
        assert a == b, (a["eid"], a["item"], a["idx"])


def _validated(raws: list[dict[str, Any]], policy: PolicySet) -> list[Case]:
    out = []
    for raw in raws:
        try:
            out.append(
                validate_case(
                    raw, known_items=policy.items, parameter_kinds=policy.parameter_kinds()
                )
            )
        except CaseError:
            continue
    return out


def test_vector_equals_sql_on_every_clause_case(policy: PolicySet) -> None:
    groups: dict[tuple[str, int], list[Case]] = {}
    for clause in policy.clauses:
        for i, test in enumerate(clause.tests):
            raw = json.loads(json.dumps(test.case, default=str))
            raw["enterprise"]["id"] = f"{clause.clause}-{i}"
            (case,) = _validated([raw], policy)
            key = (json.dumps(raw.get("parameters") or {}, sort_keys=True), case.year)
            groups.setdefault(key, []).append(case)
    compared = 0
    for (_, year), cases in groups.items():
        if not policy.in_force(year):
            continue
        sql, vec, run = _both(policy, cases, year, cases[0].parameters)
        assert run.sql == {}
        _assert_same(sql, vec)
        compared += len(sql)
    assert compared > 500


def test_vector_equals_sql_on_a_synthetic_registry(policy: PolicySet) -> None:
    cases = _validated(list(generate_registry(3000, seed=7)), policy)
    sql, vec, run = _both(policy, cases, 2020)
    assert (
        run.sql == {}
        and len(run.vector) == 33
        and run.python
        == [
            "p16_cmmi",
            "p16_itss",
            "p16_dcmm",
        ]
    )
    _assert_same(sql, vec)
    assert {r["st"] for r in vec} == {"eligible", "needs_review", "ineligible"}
    assert any(r["caps"] for r in vec) and any(r["miss"] for r in vec)
    assert any(r["split_province"] is not None for r in vec)


def _shake(raw: dict[str, Any], rng: random.Random, items: list[str]) -> dict[str, Any]:
    """Drop facts, add histories of every kind, share keys, give amounts many decimals."""
    keep = {"id", "kind", "project_key", "person_key", "scheme"}
    ent = raw["enterprise"]
    for fact in ("founded", "registered_in_shanxi", "hq_in_shanxi", "city", "county"):
        if fact in ent and rng.random() < 0.08:
            del ent[fact]
    if rng.random() < 0.1:
        ent["max_main_revenue_before"] = str(rng.choice([50_000_000, 150_000_000, 1_000_000]))
    for figures in raw.get("years", {}).values():
        for name in list(figures):
            if rng.random() < 0.08:
                del figures[name]
    keys: list[str] = ["high_tech_enterprise", "100000000", "200000000", "cmmi"]
    for rec in raw.get("records", []):
        for name in list(rec):
            if name not in keep and rng.random() < 0.08:
                del rec[name]
        for name, value in list(rec.items()):
            if isinstance(value, str) and name not in keep and rng.random() < 0.15:
                try:
                    d = Decimal(value)
                except ArithmeticError:
                    continue
                rec[name] = str(d + Decimal(rng.randint(0, 10**6)).scaleb(-rng.randint(3, 9)))
        keys += [str(rec[k]) for k in ("id", "project_key", "type", "person_key") if k in rec]
    records = raw.get("records", [])
    if records and rng.random() < 0.2:
        twin = dict(rng.choice(records))
        twin["id"] = twin["id"] + "-twin"
        records.append(twin)
    history = raw.setdefault("history", [])
    if any(rec.get("kind") == "loan" for rec in records) and rng.random() < 0.5:
        # Loan interest already paid in earlier years: at most N years.
        for y in range(2021 - rng.randint(1, 4), 2020):
            history.append({"item": "p14_loan_interest", "year": y, "amount": "1000"})
    for _ in range(rng.choice([0, 0, 1, 2, 4])):
        entry: dict[str, Any] = {"item": rng.choice(items), "year": rng.randint(2016, 2021)}
        if rng.random() < 0.85:
            entry["key"] = rng.choice(keys)
        if rng.random() < 0.8:
            entry["amount"] = str(Decimal(rng.randint(0, 4_000_000_00)).scaleb(-2))
        history.append(entry)
    return raw


def test_vector_equals_sql_on_a_shaken_registry(policy: PolicySet) -> None:
    rng = random.Random(2024)
    items = [i.id for i in policy.items.values() if i.grain != "info"]
    raws = [_shake(raw, rng, items) for raw in generate_registry(2500, seed=31)]
    cases = _validated(raws, policy)
    assert len(cases) > 2000
    whys: set[str] = set()
    for year in (2020, 2021):
        dated = [Case(year, c.enterprise, c.kinds, c.years, c.records, c.history) for c in cases]
        sql, vec, run = _both(policy, dated, year)
        assert run.sql == {}
        _assert_same(sql, vec)
        whys |= {w for r in vec for w in r["why"]}
    assert {"one_time:history", "one_time:claimed", "at_most_years", "missing"} <= whys
    assert any(w.startswith("cross_item:") for w in whys)
    assert any(w.startswith("cap:") for w in whys)


def test_a_reform_runs_vectorised_too(policy: PolicySet) -> None:
    cases = _validated(list(generate_registry(800, seed=5)), policy)
    sql, vec, run = _both(
        policy, cases, 2020, {"loan_interest_rate": Decimal("0.04"), "one_project_one_award": "off"}
    )
    assert run.sql == {}
    _assert_same(sql, vec)


def test_an_item_that_cannot_run_exactly_falls_back_with_its_rule_partners(
    policy: PolicySet,
) -> None:
    raws = list(generate_registry(600, seed=9))
    # An amount with 6 decimals beyond 10**13 yuan needs more than 64 bits at its scale.
    raws[0]["records"] = [
        {"id": "x1", "kind": "infra_project", "project_key": "P-x", "type": "5g",
         "demonstration": True, "investment": "10000000000000.000001"},
        {"id": "x2", "kind": "diagnosis", "cost": "10000000000000.000001"},
    ]  # fmt: skip
    raws[0]["enterprise"]["kinds"] = ["telecom_operator", "industrial"]
    cases = _validated(raws, policy)
    sql, vec, run = _both(policy, cases, 2020)
    assert set(run.sql) == {
        "p02_new_infra",
        "p03_industrial_internet",
        "p05_integration_demo",
        "p07_innovation_product",
        "p06_expert_diagnosis",
    }
    assert "64 bits" in run.sql["p02_new_infra"]
    assert run.sql["p05_integration_demo"].startswith("shares the rule one_project_one_award")
    _assert_same(sql, vec)


def test_evaluate_batch_on_the_vector_backend_equals_the_sql_backend(policy: PolicySet) -> None:
    cases = _validated(list(generate_registry(500, seed=13)), policy)
    sql = evaluate_batch(policy, cases)
    vec = evaluate_batch(policy, cases, backend="vector")
    assert [r.as_dict() for r in vec] == [r.as_dict() for r in sql]


@pytest.mark.parametrize("rows", [0, 1])
def test_tiny_registries(policy: PolicySet, rows: int) -> None:
    cases = _validated(list(generate_registry(rows, seed=1)), policy)
    sql, vec, _ = _both(policy, cases, 2020)
    _assert_same(sql, vec)
    assert isinstance(pa.Table.from_pylist(vec, schema=SCHEMA), pa.Table)
