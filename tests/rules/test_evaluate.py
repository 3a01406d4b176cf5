"""Engine behaviours the clause cases do not show on their own."""

import datetime as dt
from decimal import Decimal

from jinshu.calculator import calculate
from jinshu.rules.explain import explain_result
from jinshu.rules.policyset import PolicySet
from tests.factories import make_case


def _result(out: dict, item: str, record: str | None = None) -> dict:  # type: ignore[type-arg]
    return next(r for r in out["results"] if r["item"] == item and r["record"] == record)


def test_output_has_exactly_the_documented_keys(policy: PolicySet) -> None:
    raw = make_case(
        records=[{"id": "e1", "kind": "exhibition", "booth_fee": "10000"}],
    )
    out = calculate(raw, policy).as_dict()
    assert set(out) == {"year", "enterprise", "document", "results", "total", "total_max"}
    r = _result(out, "p15_expo", "e1")
    assert set(r) == {
        "item", "clause", "record", "status", "amount", "min", "max",
        "reasons", "missing", "steps", "caps", "split",
    }  # fmt: skip
    assert r["amount"] == "8000.00" and out["total"] == "8000.00"
    assert all(set(s) == {"name", "value", "text"} for s in r["steps"])


def test_override_names_the_official_value(policy: PolicySet) -> None:
    raw = make_case(
        records=[{"id": "e1", "kind": "exhibition", "booth_fee": "10000"}],
        parameters={"expo_booth_share": "0.5"},
    )
    r = _result(calculate(raw, policy).as_dict(), "p15_expo", "e1")
    assert r["amount"] == "5000.00"
    override = next(s for s in r["steps"] if s["name"] == "override:expo_booth_share")
    assert override["value"] == "0.5" and "0.8" in override["text"]


def test_year_outside_every_version_has_a_note(policy: PolicySet) -> None:
    out = calculate(make_case(year=2018), policy).as_dict()
    assert out["results"] == [] and out["document"] is None
    assert "2018" in out["note"] and out["total"] == "0.00"


def test_effective_to_closes_the_document(policy: PolicySet) -> None:
    closed = PolicySet(
        path=policy.path,
        document=policy.document.model_copy(update={"effective_to": dt.date(2021, 7, 31)}),
        clauses=policy.clauses,
        items=policy.items,
        parameters=policy.parameters,
        cross_item=policy.cross_item,
    )
    assert closed.in_force(2021) and not closed.in_force(2022)
    assert calculate(make_case(year=2022), closed).document is None


def test_parameters_are_dated(policy: PolicySet) -> None:
    rate = policy.parameters["bid_rate"]
    assert rate.value_on(dt.date(2019, 8, 26)) is None
    assert rate.value_on(dt.date(2019, 8, 27)) == Decimal("0.03")


def test_clause_1_split_adds_up_to_the_award(policy: PolicySet) -> None:
    raw = make_case(
        records=[
            {
                "id": "dc",
                "kind": "data_center",
                "scale": "large",
                "market_trading": True,
                "electricity_fee_paid": "10000.05",
                "electricity_kwh": "0",
                "county": "山西综改示范区",
            }
        ]
    )
    r = _result(calculate(raw, policy).as_dict(), "p01_dc_power", "dc")
    split = r["split"]
    assert (split["province"], split["city"], split["county"]) == ("5000.03", "2000.01", "3000.01")
    assert split["county_is_pilot_zone"] and split["city_name"] == "太原市"


def test_cap_cut_is_named_and_explained(policy: PolicySet) -> None:
    raw = make_case(
        records=[
            {"id": "e1", "kind": "exhibition", "booth_fee": "100000"},
            {"id": "e2", "kind": "exhibition", "booth_fee": "50000"},
        ]
    )
    result = calculate(raw, policy)
    out = result.as_dict()
    second = _result(out, "p15_expo", "e2")
    assert second["amount"] == "20000.00"
    assert second["caps"][0]["id"] == "expo_annual_max" and second["caps"][0]["cut"] == "20000.00"
    res = next(r for r in result.results if r.record == "e2")
    text = "\n".join(explain_result(policy, res))
    assert "第15条" in text and "expo_booth_share" in text and "削减 20000.00" in text


def test_missing_fact_names_the_case_field(policy: PolicySet) -> None:
    raw = make_case(years={"2020": {"revenue": "300000000", "paid_in_capital": "2000000000"}})
    r = _result(calculate(raw, policy).as_dict(), "p09_bigdata_hq")
    assert r["status"] == "needs_review" and r["min"] is None and r["max"] is None
    assert "years.2020.local_fiscal_contribution" in r["missing"]
