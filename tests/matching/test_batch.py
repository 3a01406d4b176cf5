"""Differential test: the set-based batch (DuckDB) equals the single-case path, result for result."""

from __future__ import annotations

import json
from typing import Any

from jinshu.facts.case import Case
from jinshu.facts.validate import validate_case
from jinshu.matching.batch import evaluate_batch
from jinshu.rules.evaluate import evaluate_case
from jinshu.rules.policyset import PolicySet


def _comparable(result: dict[str, Any]) -> dict[str, Any]:
    for r in result["results"]:
        # The batch gives reasons as codes and keeps no step trace: the worded explanation of
        # any one result comes from the single-case path.
        r.pop("steps")
        r.pop("reasons")
    return result


def _clause_cases(policy: PolicySet) -> list[tuple[str, Case]]:
    """Every clause test case, as its own enterprise, grouped later by its parameters."""
    out = []
    for clause in policy.clauses:
        for i, test in enumerate(clause.tests):
            raw = json.loads(json.dumps(test.case, default=str))
            raw["enterprise"]["id"] = f"{clause.clause}-{i}"
            case = validate_case(
                raw, known_items=policy.items, parameter_kinds=policy.parameter_kinds()
            )
            out.append((json.dumps(raw.get("parameters") or {}, sort_keys=True), case))
    return out


def test_batch_equals_single_case_on_every_clause_case(policy: PolicySet) -> None:
    groups: dict[str, list[Case]] = {}
    for key, case in _clause_cases(policy):
        groups.setdefault(key, []).append(case)
    compared = 0
    for cases in groups.values():
        batch = evaluate_batch(policy, cases, parameters=cases[0].parameters)
        for case, many in zip(cases, batch, strict=True):
            one = evaluate_case(policy, case)
            assert _comparable(many.as_dict()) == _comparable(one.as_dict()), case.enterprise_id
            compared += 1
    assert compared > 300


def test_batch_equals_single_case_on_a_synthetic_registry(policy: PolicySet) -> None:
    from jinshu.facts.synthetic import generate_registry

    cases = [
        validate_case(raw, known_items=policy.items, parameter_kinds=policy.parameter_kinds())
        for raw in generate_registry(1500, seed=7)
    ]
    batch = evaluate_batch(policy, cases)
    statuses: set[str] = set()
    for case, many in zip(cases, batch, strict=True):
        one = evaluate_case(policy, case).as_dict()
        assert _comparable(many.as_dict()) == _comparable(one), case.enterprise_id
        statuses |= {r["status"] for r in one["results"]}
    assert statuses == {"eligible", "needs_review", "ineligible", "informational"}


def test_registry_tables_alone_give_the_same_results(policy: PolicySet) -> None:
    """Without the validated cases, the shared rules read years and history from the tables."""
    import duckdb

    from jinshu.facts.synthetic import generate_registry
    from jinshu.matching.batch import evaluate_connection
    from jinshu.matching.tables import case_tables

    cases = [
        validate_case(raw, known_items=policy.items) for raw in generate_registry(400, seed=11)
    ]
    con = duckdb.connect()
    for name, table in case_tables(cases).items():
        con.register(name, table)
    from_tables = evaluate_connection(policy, con, 2020)
    assert set(from_tables) == {c.enterprise_id for c in cases}
    for case in cases:
        one = evaluate_case(policy, case).as_dict()
        assert _comparable(from_tables[case.enterprise_id].as_dict()) == _comparable(one)


def test_every_reason_code_of_the_batch_has_words(policy: PolicySet) -> None:
    from jinshu.facts.synthetic import generate_registry
    from jinshu.rules.reasons import describe_reason

    cases = [validate_case(raw, known_items=policy.items) for raw in generate_registry(600, seed=3)]
    codes = {
        (r.item, code)
        for out in evaluate_batch(policy, cases)
        for r in out.results
        for code in r.reasons
    }
    worded = {
        describe_reason(policy, item, code) for item, code in codes if ":" in code or code.isascii()
    }
    assert codes and not any(text.isascii() for text in worded)
