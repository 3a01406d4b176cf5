"""Annual action-plan items (年度行动计划) under the tasks: created, changed and removed by the
admin (each audited), read by the units named on them, with their state on an as-of date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from jinshu.errors import InputError, WorkflowError, problem
from jinshu.store.models import PlanItem, SupervisionTask, User
from jinshu.supervise.access import can_see_item, require_admin, require_item
from jinshu.supervise.flags import ItemStatus, item_status
from jinshu.supervise.schemas import PlanItemIn, PlanItemUpdate
from jinshu.supervise.validation import parse
from jinshu.workflow import audit

FIELDS = ("task_id", "year", "title", "deadline", "lead_unit", "co_units", "expected_output")


def snapshot(item: PlanItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in FIELDS}


def status_of(item: PlanItem, *, as_of: dt.date, stale_days: int) -> ItemStatus:
    """The item's state on ``as_of`` (see jinshu.supervise.flags)."""
    return item_status(
        year=item.year,
        deadline=item.deadline,
        reports=[(r.reported_on, r.percent) for r in item.reports],
        as_of=as_of,
        stale_days=stale_days,
    )


def create_plan_item(session: Session, *, user: User, data: PlanItemIn) -> PlanItem:
    """A new item under a task of the registry (admin)."""
    require_admin(user)
    if session.get(SupervisionTask, data.task_id) is None:
        raise InputError(
            problem(
                "task_id",
                f"任务 {data.task_id} 不存在（任务清单须先载入：jinshu tasks load）",
                "no such task",
                data.task_id,
            )
        )
    item = PlanItem(**data.model_dump(), created_by=user.username)
    session.add(item)
    session.flush()
    audit.record(
        session,
        actor=user.username,
        action="create_plan_item",
        object_type="plan_item",
        object_id=str(item.id),
        after=snapshot(item),
    )
    return item


def get_plan_item(session: Session, *, user: User, item_id: int) -> PlanItem:
    """The item, if the user may see it (NotFound otherwise)."""
    return require_item(user, session.get(PlanItem, item_id), item_id)


def update_plan_item(
    session: Session, *, user: User, item_id: int, data: PlanItemUpdate
) -> PlanItem:
    """Change the given fields (admin); the whole item is checked again, the change audited."""
    require_admin(user)
    item = get_plan_item(session, user=user, item_id=item_id)
    before = snapshot(item)
    merged = {**before, **data.model_dump(exclude_unset=True, exclude_none=True)}
    checked = parse(PlanItemIn, merged)
    for name in FIELDS:
        setattr(item, name, getattr(checked, name))
    session.flush()
    after = snapshot(item)
    if after != before:
        audit.record(
            session,
            actor=user.username,
            action="update_plan_item",
            object_type="plan_item",
            object_id=str(item.id),
            before=before,
            after=after,
        )
    return item


def delete_plan_item(session: Session, *, user: User, item_id: int) -> None:
    """Remove an item nobody has reported on yet (admin); reports are never thrown away."""
    require_admin(user)
    item = get_plan_item(session, user=user, item_id=item_id)
    if item.reports:
        raise WorkflowError(
            problem(
                "id",
                "该事项已有进展报送，不能删除（可修改其内容或时限）",
                "the item has progress reports and cannot be deleted",
            )
        )
    before = snapshot(item)
    session.delete(item)
    session.flush()
    audit.record(
        session,
        actor=user.username,
        action="delete_plan_item",
        object_type="plan_item",
        object_id=str(item_id),
        before=before,
    )


def plan_items(
    session: Session,
    *,
    year: int | None = None,
    task_id: str | None = None,
    unit: str | None = None,
) -> list[PlanItem]:
    """Every item (optionally of a year, a task, or naming a unit), by task then deadline."""
    query = (
        select(PlanItem)
        .options(selectinload(PlanItem.reports))
        .order_by(PlanItem.task_id, PlanItem.deadline, PlanItem.id)
    )
    if year is not None:
        query = query.where(PlanItem.year == year)
    if task_id is not None:
        query = query.where(PlanItem.task_id == task_id)
    rows = list(session.scalars(query))
    if unit:
        rows = [i for i in rows if unit == i.lead_unit or unit in i.co_units]
    return rows


def visible_plan_items(session: Session, *, user: User, **filters: Any) -> list[PlanItem]:
    """The items of ``plan_items`` the user may see."""
    return [i for i in plan_items(session, **filters) if can_see_item(user, i)]
