"""Builders for workflow tests: an enterprise with contracts, users of every role, budgets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from jinshu.rules.load import default_policy_set
from jinshu.store.db import transaction
from jinshu.store.models import Budget, Enterprise, EnterpriseRecord, User
from jinshu.workflow.applications import act
from jinshu.workflow.notice import close_notice

FUND = "促进大数据发展应用专项资金"
AFTER_NOTICE = dt.date(2030, 1, 1)


def seed(
    factory: sessionmaker[Session], contracts: dict[str, tuple[str, str]], budget: str
) -> None:
    """Enterprise E1 (big data, 太原市) with contracts {id: (project_key, completed)}, users, budget."""
    with transaction(factory) as s:
        ent = Enterprise(
            id="E1",
            name="太原数智科技有限公司",
            city="太原市",
            county="小店区",
            facts={
                "city": "太原市",
                "county": "小店区",
                "founded": "2016-05-01",
                "kinds": ["big_data"],
                "registered_in_shanxi": True,
                "hq_in_shanxi": True,
            },
        )
        s.add(ent)
        for rid, (project, completed) in contracts.items():
            s.add(
                EnterpriseRecord(
                    enterprise_id="E1",
                    record_id=rid,
                    kind="contract",
                    facts={
                        "project_key": project,
                        "won_by_tender": True,
                        "out_of_province": True,
                        "contract_amount": "5000000",
                        "completed_amount": completed,
                    },
                )
            )
        s.add_all(
            [
                User(username="ent", password_hash="-", role="enterprise", enterprise_id="E1"),
                User(username="other", password_hash="-", role="enterprise", enterprise_id=None),
                User(username="city", password_hash="-", role="city_reviewer", city="太原市"),
                User(username="city2", password_hash="-", role="city_reviewer", city="大同市"),
                User(
                    username="dept",
                    password_hash="-",
                    role="department_reviewer",
                    department="省工信厅",
                ),
                User(username="fin", password_hash="-", role="finance"),
            ]
        )
        s.add(Budget(fund=FUND, year=2021, level="province", region="", amount=Decimal(budget)))


def user(s: Session, name: str) -> User:
    from sqlalchemy import select

    return s.scalars(select(User).where(User.username == name)).one()


def approved_application(
    factory: sessionmaker[Session], record_id: str, item: str = "p15_bid"
) -> int:
    """An application for ``item`` and ``record_id`` taken through review and notice."""
    from jinshu.workflow.applications import create_application

    policy = default_policy_set()
    with transaction(factory) as s:
        app = create_application(
            s,
            policy,
            user=user(s, "ent"),
            enterprise_id="E1",
            item=item,
            year=2020,
            record_id=record_id,
        )
        act(s, policy, user=user(s, "ent"), app_id=app.id, action="submit")
        act(s, policy, user=user(s, "city"), app_id=app.id, action="city_approve")
        act(
            s,
            policy,
            user=user(s, "dept"),
            app_id=app.id,
            action="recognize",
            today=dt.date(2021, 3, 1),
        )
        close_notice(s, user=user(s, "dept"), app_id=app.id, today=AFTER_NOTICE)
        return app.id
