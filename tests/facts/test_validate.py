from decimal import Decimal
from typing import Any

import pytest

from jinshu.errors import CaseError
from jinshu.facts.validate import validate_case
from jinshu.rules.policyset import PolicySet
from tests.factories import make_case


def _errors(raw: Any, policy: PolicySet) -> dict[str, str]:
    with pytest.raises(CaseError) as info:
        validate_case(raw, known_items=policy.items, parameter_kinds=policy.parameter_kinds())
    return {e.location: f"{e.message_zh} {e.message_en} {e.value}" for e in info.value.entries}


def test_a_valid_case_is_typed(policy: PolicySet) -> None:
    raw = make_case(
        years={"2020": {"revenue": 120000000.5, "good_credit": True}},
        records=[{"id": "c1", "kind": "contract", "project_key": "A", "contract_amount": "3e6"}],
    )
    case = validate_case(raw, known_items=policy.items)
    assert case.years[2020]["revenue"] == Decimal("120000000.5")
    assert case.records[0].facts["contract_amount"] == Decimal("3000000")
    assert case.kinds == {"big_data"}


def test_every_problem_is_reported_at_once_naming_field_and_value(policy: PolicySet) -> None:
    raw = make_case(year="20x0")
    raw["enterprise"]["kinds"] = ["bigdata"]
    raw["enterprise"]["credit_code"] = "91110000600037341M"
    raw["records"] = [
        {"id": "c1", "kind": "contract", "project_key": "A", "completed_amount": -5},
        {"id": "c1", "kind": "exhibition", "booth_fee": "abc"},
        {"id": "x", "kind": "spaceship"},
    ]
    errors = _errors(raw, policy)
    assert "not a valid year" in errors["year"] and "20x0" in errors["year"]
    assert "bigdata" in errors["enterprise.kinds[0]"]
    assert "GB 32100" in errors["enterprise.credit_code"]
    assert (
        "negative" in errors["records[0].completed_amount"]
        and "-5" in errors["records[0].completed_amount"]
    )
    assert "duplicate" in errors["records[1].id"]
    assert "not a number" in errors["records[1].booth_fee"]
    assert "spaceship" in errors["records[2].kind"]


def test_valid_credit_code_is_accepted(policy: PolicySet) -> None:
    raw = make_case()
    raw["enterprise"]["credit_code"] = "91110000600037341L"
    assert validate_case(raw).enterprise["credit_code"] == "91110000600037341L"


@pytest.mark.parametrize(
    ("where", "patch"),
    [
        ("surprise", {"surprise": 1}),
        ("enterprise.size", {"enterprise": {"id": "E", "size": "big"}}),
        ("years.2020.profit", {"years": {"2020": {"profit": 1}}}),
        ("records[0].colour", {"records": [{"id": "r", "kind": "exhibition", "colour": "red"}]}),
        ("history[0].note", {"history": [{"item": "p15_bid", "year": 2019, "note": "x"}]}),
    ],
)
def test_unknown_fields_are_refused_at_every_level(
    policy: PolicySet, where: str, patch: dict[str, Any]
) -> None:
    raw = make_case(**patch)
    assert "unknown field" in _errors(raw, policy)[where]


def test_listed_values_and_other(policy: PolicySet) -> None:
    other_ok = make_case(
        records=[{"id": "i1", "kind": "infra_project", "project_key": "P", "type": "other"}]
    )
    validate_case(other_ok)  # 5G/IPv6/… ends in 等: other accepted
    closed = make_case(
        records=[
            {"id": "i1", "kind": "industrial_internet_project", "project_key": "P", "type": "other"}
        ]
    )
    assert "accepted values" in _errors(closed, policy)["records[0].type"]


def test_project_and_person_keys_are_required(policy: PolicySet) -> None:
    raw = make_case(
        records=[{"id": "c1", "kind": "contract"}, {"id": "t1", "kind": "talent", "role": "market"}]
    )
    errors = _errors(raw, policy)
    assert "required" in errors["records[0].project_key"]
    assert "required" in errors["records[1].person_key"]


def test_places_dates_and_loans(policy: PolicySet) -> None:
    raw = make_case(
        records=[
            {"id": "d1", "kind": "data_center", "city": "北京市"},
            {"id": "d2", "kind": "data_center", "city": "太原市", "county": "平遥县"},
            {"id": "l1", "kind": "loan", "drawn_on": "2020-05-01", "repaid_on": "2020-04-01"},
            {"id": "s1", "kind": "lease", "start": "2020-02-30", "area": 0},
        ]
    )
    errors = _errors(raw, policy)
    assert "北京市" in errors["records[0].city"]
    assert "平遥县" in errors["records[1].county"]
    assert "before drawn_on" in errors["records[2].repaid_on"]
    assert "valid date" in errors["records[3].start"]
    assert "greater than 0" in errors["records[3].area"]


def test_pilot_zone_is_a_county_level_payer(policy: PolicySet) -> None:
    raw = make_case(records=[{"id": "d1", "kind": "data_center", "county": "山西综改示范区"}])
    assert validate_case(raw).records[0].facts["county"] == "山西综改示范区"


def test_null_means_absent(policy: PolicySet) -> None:
    raw = make_case(records=[{"id": "e1", "kind": "exhibition", "booth_fee": None}])
    assert "booth_fee" not in validate_case(raw).records[0].facts


def test_history_items_and_parameters_are_checked(policy: PolicySet) -> None:
    raw = make_case(
        history=[{"item": "p99_nothing", "year": 2019}],
        parameters={"bid_rte": "0.04", "bid_rate": "-1", "social_average_salary": {"2020": "x"}},
    )
    errors = _errors(raw, policy)
    assert "p99_nothing" in errors["history[0].item"]
    assert "unknown parameter" in errors["parameters.bid_rte"]
    assert "non-negative" in errors["parameters.bid_rate"]
    assert "non-negative" in errors["parameters.social_average_salary.2020"]


def test_a_case_that_is_not_an_object(policy: PolicySet) -> None:
    assert "case" in _errors([1, 2], policy)
