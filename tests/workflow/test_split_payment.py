"""Clause 1 payments are split into province, city and county parts, each on its own budget."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jinshu.errors import LedgerError
from jinshu.rules.load import default_policy_set
from jinshu.store.db import transaction
from jinshu.store.models import Budget, EnterpriseRecord, LedgerEntry
from jinshu.workflow.disbursement import budget_left, pay_award
from tests.workflow.helpers import approved_application, seed, user

POLICY = default_policy_set()
FUND = "省、市、县三级财政资金"


def _approved_data_centre(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as s:
        s.add(
            EnterpriseRecord(
                enterprise_id="E1",
                record_id="dc1",
                kind="data_center",
                facts={
                    "scale": "large",
                    "market_trading": True,
                    "electricity_fee_paid": "10000.05",
                    "electricity_kwh": "0",
                },
            )
        )
    return approved_application(factory, "dc1", item="p01_dc_power")


def test_split_charges_each_level(factory: sessionmaker[Session]) -> None:
    seed(factory, {}, budget="0")
    app_id = _approved_data_centre(factory)
    with transaction(factory) as s:
        for level, region in (("province", ""), ("city", "太原市"), ("county", "小店区")):
            s.add(Budget(fund=FUND, year=2021, level=level, region=region, amount=Decimal("6000")))
    with transaction(factory) as s:
        entries = pay_award(
            s, POLICY, user=user(s, "fin"), app_id=app_id, idempotency_key="dc", budget_year=2021
        )
        parts = {e.part: e.amount for e in entries}
    assert parts == {
        "province": Decimal("5000.03"),
        "city": Decimal("2000.01"),
        "county": Decimal("3000.01"),
    }
    with transaction(factory) as s:
        left = {
            b.level: budget_left(s, b) for b in s.scalars(select(Budget).where(Budget.fund == FUND))
        }
        assert left == {
            "province": Decimal("999.97"),
            "city": Decimal("3999.99"),
            "county": Decimal("2999.99"),
        }


def test_a_missing_level_budget_refuses_the_whole_payment(factory: sessionmaker[Session]) -> None:
    seed(factory, {}, budget="0")
    app_id = _approved_data_centre(factory)
    with transaction(factory) as s:
        s.add(Budget(fund=FUND, year=2021, level="province", region="", amount=Decimal("6000")))
        s.add(Budget(fund=FUND, year=2021, level="city", region="太原市", amount=Decimal("6000")))
    with pytest.raises(LedgerError, match="county/小店区"), transaction(factory) as s:
        pay_award(
            s, POLICY, user=user(s, "fin"), app_id=app_id, idempotency_key="dc", budget_year=2021
        )
    with transaction(factory) as s:
        assert s.scalars(select(LedgerEntry)).first() is None
