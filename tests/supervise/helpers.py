"""Builders for supervision tests: a plan item, reports on it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from jinshu.store.models import PlanItem, User
from jinshu.supervise.plans import create_plan_item
from jinshu.supervise.progress import report_progress
from jinshu.supervise.schemas import PlanItemIn, ReportIn


def user(s: Session, name: str) -> User:
    return s.scalars(select(User).where(User.username == name)).one()


def item(
    s: Session,
    *,
    task_id: str = "4.1.3",
    year: int = 2024,
    deadline: dt.date = dt.date(2024, 6, 30),
    lead: str = "省工信厅",
    co_units: tuple[str, ...] = (),
    title: str = "建设标识解析二级节点",
) -> PlanItem:
    data = PlanItemIn(
        task_id=task_id, year=year, title=title, deadline=deadline, lead_unit=lead,
        co_units=list(co_units),
    )  # fmt: skip
    return create_plan_item(s, user=user(s, "boss"), data=data)


def report(
    s: Session, who: str, item_id: int, day: dt.date, percent: int, reason: str = ""
) -> None:
    data = ReportIn(reported_on=day, percent=percent, text=f"{percent}% 完成", reason=reason)
    report_progress(s, user=user(s, who), item_id=item_id, data=data)
