"""The clause files' own test cases, each a pytest test, and their coverage of the items."""

from collections import Counter

import pytest

from jinshu.rules.casetests import run_test
from jinshu.rules.load import default_policy_set
from jinshu.rules.policyset import PolicySet

CASES = [(c.clause, t) for c in default_policy_set().clauses for t in c.tests]


@pytest.mark.parametrize(("clause", "test"), CASES, ids=[f"{c}:{t.name}" for c, t in CASES])
def test_clause_case(policy: PolicySet, clause: int, test: object) -> None:
    outcome = run_test(policy, clause, test)  # type: ignore[arg-type]
    assert outcome.passed, "\n".join(outcome.problems)


def test_every_item_has_at_least_three_cases(policy: PolicySet) -> None:
    counts: Counter[str] = Counter()
    for _, test in CASES:
        for item in {r["item"] for r in test.expect.results}:
            counts[item] += 1
    thin = {item: counts[item] for item in policy.items if counts[item] < 3}
    assert not thin


def test_every_money_item_has_eligible_and_ineligible_cases(policy: PolicySet) -> None:
    seen: dict[str, set[str]] = {item: set() for item in policy.items}
    for _, test in CASES:
        for r in test.expect.results:
            if "status" in r:
                seen[r["item"]].add(r["status"])
    for item_id, item in policy.items.items():
        spec = item.spec
        if spec.payout.kind == "info" or (spec.payout.kind == "review" and not spec.conditions):
            continue  # nothing in the text can refuse these
        assert "ineligible" in seen[item_id], item_id
        paying = {"eligible", "needs_review"} & seen[item_id]
        assert paying, item_id
