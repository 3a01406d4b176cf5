"""Twenty payments at once against PostgreSQL: the ledger never exceeds a cap or a budget."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jinshu.errors import LedgerError
from jinshu.rules.load import default_policy_set
from jinshu.store.db import session_factory, transaction
from jinshu.store.migrate import upgrade
from jinshu.store.models import LedgerEntry
from jinshu.workflow.disbursement import pay_award
from tests.workflow.conftest import drop_postgres_database, postgres_database
from tests.workflow.helpers import approved_application, seed, user

POLICY = default_policy_set()


@pytest.fixture
def pg() -> Iterator[sessionmaker[Session]]:
    name, url = postgres_database()
    try:
        upgrade(url)
        yield session_factory(url)
    finally:
        drop_postgres_database(name, url)


def _race(factory: sessionmaker[Session], app_ids: list[int]) -> tuple[list[int], list[str]]:
    def pay(app_id: int) -> tuple[int, str | None]:
        try:
            with transaction(factory) as s:
                pay_award(
                    s,
                    POLICY,
                    user=user(s, "fin"),
                    app_id=app_id,
                    idempotency_key=f"k{app_id}",
                    budget_year=2021,
                )
            return app_id, None
        except LedgerError as exc:
            return app_id, str(exc)

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(pay, app_ids))
    return [a for a, err in outcomes if err is None], [
        err for _, err in outcomes if err is not None
    ]


@pytest.mark.parametrize(
    ("budget", "paid_count", "reason"),
    [
        # 20 awards of 150,000 on one project: the 2,000,000 project cap lets 13 through.
        ("10000000", 13, "同一项目累计奖励上限"),
        # The same awards against a 1,000,000 budget: 6 fit.
        ("1000000", 6, "余额"),
    ],
)
def test_concurrent_payments_hold_cap_and_budget(
    pg: sessionmaker[Session], budget: str, paid_count: int, reason: str
) -> None:
    contracts = {f"c{i:02d}": ("SAME", "5000000") for i in range(20)}
    seed(pg, contracts, budget=budget)
    app_ids = [approved_application(pg, rid) for rid in contracts]
    paid, refused = _race(pg, app_ids)
    with transaction(pg) as s:
        total = s.scalar(select(func.sum(LedgerEntry.amount)))
    assert len(paid) == paid_count and total == Decimal(150000) * paid_count
    assert total <= min(Decimal(budget), Decimal(2000000))
    assert len(refused) == 20 - paid_count
    assert all(reason in why for why in refused)
