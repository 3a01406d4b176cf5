import re
from collections import Counter
from typing import Any

import pytest

from jinshu.calculator import calculate
from jinshu.facts import divisions
from jinshu.facts.credit_code import is_valid_credit_code
from jinshu.facts.schema import ENTERPRISE, MONEY, QUANTITY, RECORD_KINDS, YEAR
from jinshu.facts.synthetic import generate_registry
from jinshu.facts.validate import validate_case
from jinshu.rules.policyset import PolicySet
from jinshu.rules.results import ELIGIBLE, NEEDS_REVIEW

MONEY_TEXT = re.compile(r"^\d+(\.\d{1,2})?$")
QUANTITY_TEXT = re.compile(r"^\d+(\.\d{1,3})?$")


@pytest.fixture(scope="module")
def registry() -> list[dict[str, Any]]:
    return list(generate_registry(2000))


def test_every_generated_case_is_valid(registry: list[dict[str, Any]], policy: PolicySet) -> None:
    kinds = policy.parameter_kinds()
    for raw in registry:
        validate_case(raw, known_items=policy.items, parameter_kinds=kinds)


def test_the_same_seed_gives_the_same_registry_and_another_seed_another(
    registry: list[dict[str, Any]],
) -> None:
    assert list(generate_registry(2000)) == registry
    assert list(generate_registry(50, seed=7)) == list(generate_registry(50, seed=7))
    assert list(generate_registry(50, seed=8)) != registry[:50]


def test_enterprises_are_numbered_and_have_valid_credit_codes_of_their_county(
    registry: list[dict[str, Any]],
) -> None:
    codes = {(d.name, d.parent): d.code for d in divisions.divisions() if d.level == "county"}
    for index, raw in enumerate(registry, start=1):
        ent = raw["enterprise"]
        assert ent["id"] == f"E{index:07d}"
        assert "parameters" not in raw and raw["year"] == 2020
        code = ent["credit_code"]
        assert code.startswith("91") and is_valid_credit_code(code)
        city_code = divisions.cities()[ent["city"]].code
        assert code[2:8] == codes.get((ent["county"], city_code), city_code)


def test_every_city_and_every_record_kind_appears(registry: list[dict[str, Any]]) -> None:
    cities = Counter(raw["enterprise"]["city"] for raw in registry)
    assert set(cities) == set(divisions.cities())
    assert cities.most_common(1)[0][0] == "太原市"
    kinds = {rec["kind"] for raw in registry for rec in raw["records"]}
    assert kinds == set(RECORD_KINDS)


def test_money_is_a_decimal_string_with_at_most_two_decimals(
    registry: list[dict[str, Any]],
) -> None:
    def check(values: dict[str, Any], facts: dict[str, Any]) -> None:
        for name, value in values.items():
            fact = facts.get(name)
            if fact is not None and fact.type == MONEY:
                assert MONEY_TEXT.match(value), (name, value)
            elif fact is not None and fact.type == QUANTITY:
                assert QUANTITY_TEXT.match(value), (name, value)

    for raw in registry:
        check(raw["enterprise"], ENTERPRISE)
        for figures in raw["years"].values():
            check(figures, YEAR)
        for rec in raw["records"]:
            check(rec, RECORD_KINDS[rec["kind"]][1])
        for entry in raw["history"]:
            assert MONEY_TEXT.match(entry["amount"])


def test_shares_are_plausible(registry: list[dict[str, Any]]) -> None:
    n = len(registry)
    kinds = Counter(k for raw in registry for k in raw["enterprise"]["kinds"])
    assert 0.28 < kinds["big_data"] / n < 0.45
    assert 0.2 < kinds["software"] / n < 0.32
    assert 0.24 < kinds["industrial"] / n < 0.38
    assert 0.06 < kinds["electronic_info_manufacturing"] / n < 0.15
    with_history = sum(1 for raw in registry if raw["history"])
    assert 0.15 < with_history / n < 0.25
    assert all(0 <= len(raw["records"]) <= 6 for raw in registry)


def test_the_calculator_runs_and_many_items_can_pay(
    registry: list[dict[str, Any]], policy: PolicySet
) -> None:
    paying: set[str] = set()
    for raw in registry[:500]:
        result = calculate(raw, policy)
        paying |= {r.item for r in result.results if r.status in (ELIGIBLE, NEEDS_REVIEW)}
    assert len(paying) >= 30, sorted(set(policy.items) - paying)
