"""Run the test cases written in the clause files (``run_policy_tests``).

A test gives a case and the results it expects, each identified by item and record; only the
fields given are compared, as strings, exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinshu.errors import CaseError
from jinshu.facts.validate import validate_case
from jinshu.rules.evaluate import evaluate_case
from jinshu.rules.policyset import PolicySet
from jinshu.rules.results import CaseResult
from jinshu.rules.spec import TestSpec

COMPARED = ("status", "amount", "min", "max")


@dataclass(frozen=True)
class TestOutcome:
    clause: int
    name: str
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems


def check_expectations(test: TestSpec, outcome: CaseResult) -> list[str]:
    problems: list[str] = []
    out = outcome.as_dict()
    by_key: dict[tuple[str, Any], dict[str, Any]] = {}
    for r in out["results"]:
        by_key.setdefault((r["item"], r["record"]), r)
    for want in test.expect.results:
        key = (want["item"], want.get("record"))
        got = by_key.get(key)
        if want.get("absent"):
            if got is not None:
                problems.append(f"{key}: expected no result, got {got['status']}")
            continue
        if got is None:
            problems.append(f"{key}: no such result")
            continue
        for field in COMPARED:
            if field in want and want[field] != got[field]:
                problems.append(f"{key}.{field}: expected {want[field]!r}, got {got[field]!r}")
        needle = want.get("missing_contains")
        if needle and not any(needle in m for m in got["missing"]):
            problems.append(f"{key}.missing: expected one naming {needle!r}, got {got['missing']}")
    for field in ("total", "total_max"):
        expected = getattr(test.expect, field)
        if expected is not None and expected != out[field]:
            problems.append(f"{field}: expected {expected!r}, got {out[field]!r}")
    return problems


def run_test(policy: PolicySet, clause: int, test: TestSpec) -> TestOutcome:
    try:
        case = validate_case(
            test.case, known_items=policy.items.keys(), parameter_kinds=policy.parameter_kinds()
        )
    except CaseError as exc:
        return TestOutcome(clause, test.name, tuple(f"invalid case: {e}" for e in exc.entries))
    return TestOutcome(
        clause, test.name, tuple(check_expectations(test, evaluate_case(policy, case)))
    )


def run_policy_tests(policy: PolicySet, clause: int | None = None) -> list[TestOutcome]:
    """Run every test of every clause file (or of one clause)."""
    outcomes = []
    for spec in policy.clauses:
        if clause is not None and spec.clause != clause:
            continue
        for test in spec.tests:
            outcomes.append(run_test(policy, spec.clause, test))
    return outcomes
