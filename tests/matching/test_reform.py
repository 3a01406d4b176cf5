"""What-if reforms: files checked and tested; fiscal cost by clause, level and enterprise."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from jinshu.errors import CaseError
from jinshu.facts.synthetic import generate_registry
from jinshu.facts.validate import validate_case
from jinshu.matching.reform import load_reform, registry_connection, run_reform, run_reform_tests
from jinshu.rules.load import DEFAULT_DIR
from jinshu.rules.policyset import PolicySet

REFORMS = sorted((DEFAULT_DIR / "reforms").glob("*.yaml"))


@pytest.mark.parametrize("path", REFORMS, ids=lambda p: p.stem)
def test_reform_files_load_and_pass_their_tests(policy: PolicySet, path: Path) -> None:
    reform = load_reform(path, policy)
    outcomes = run_reform_tests(policy, reform)
    assert outcomes and all(not problems for _, problems in outcomes)


def test_a_bad_reform_is_refused_naming_the_parameter(policy: PolicySet, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nparameters: {bid_anual_max: '1', bid_rate: '-1'}\n", "utf-8")
    with pytest.raises(CaseError) as info:
        load_reform(path, policy)
    text = str(info.value)
    assert "bad.yaml" in text and "bid_anual_max" in text and "bid_rate" in text


def test_lowering_the_yearly_cap_only_costs_clause_15_less(policy: PolicySet) -> None:
    cases = [validate_case(r, known_items=policy.items) for r in generate_registry(800, seed=5)]
    reform = load_reform(DEFAULT_DIR / "reforms" / "lower-p15-annual-cap.yaml", policy)
    budgets = [
        {"fund": "促进大数据发展应用专项资金", "level": "province", "region": "", "amount": "1"}
    ]
    report = run_reform(registry_connection(cases), policy, reform, year=2020, budgets=budgets)
    changed = {row["clause"]: row["change"] for row in report["by_clause"] if row["change"] != 0}
    assert set(changed) <= {15} and all(v <= 0 for v in changed.values())
    assert report["enterprises"]["gain"] == 0
    total = report["total"]
    assert total["change"] == total["reform"] - total["base"]
    levels = sum((row["reform"] for row in report["by_level"]), Decimal(0))
    assert levels == total["reform"]  # the split's parts add up to the whole
    assert report["budgets_exceeded"] and report["budgets_exceeded"][0]["level"] == "province"


def test_a_lower_interest_rate_costs_less_and_has_losers(policy: PolicySet) -> None:
    cases = [validate_case(r, known_items=policy.items) for r in generate_registry(800, seed=5)]
    reform = load_reform(DEFAULT_DIR / "reforms" / "loan-interest-four-percent.yaml", policy)
    report = run_reform(registry_connection(cases), policy, reform, year=2020)
    changed = {row["clause"]: row["change"] for row in report["by_clause"] if row["change"] != 0}
    assert set(changed) == {14} and changed[14] < 0
    assert report["enterprises"]["lose"] > 0 and report["enterprises"]["gain"] == 0
    assert report["total"]["change"] == changed[14]
