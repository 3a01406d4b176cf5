"""Who sees and does what in supervision.

A user acts for a responsible unit when the user is a department reviewer whose ``department`` is
the unit's name exactly as the task registry writes it (省工信厅, 省通信管理局, 各市人民政府 …).
Such a user sees the whole task registry and the plan items on which the unit is lead or co-unit,
and reports progress on them. Analysts and admins see everything; the admin manages plan items.
Enterprises, city reviewers and finance see nothing of supervision.
"""

from __future__ import annotations

from jinshu.errors import NotFound, WorkflowError, problem
from jinshu.store.models import PlanItem, User
from jinshu.supervise.registry import unit_names
from jinshu.workflow.states import ADMIN, ANALYST, DEPARTMENT

VIEWER_ROLES = (DEPARTMENT, ANALYST, ADMIN)


def unit_of(user: User) -> str | None:
    """The responsible unit the user acts for, or None."""
    if user.role == DEPARTMENT and user.department in unit_names():
        return user.department
    return None


def sees_all(user: User) -> bool:
    return user.role in (ANALYST, ADMIN)


def may_view(user: User) -> bool:
    """May the user open supervision at all (the registry, its own items)?"""
    return sees_all(user) or unit_of(user) is not None


def item_units(item: PlanItem) -> tuple[str, ...]:
    return (item.lead_unit, *item.co_units)


def can_see_item(user: User, item: PlanItem) -> bool:
    return sees_all(user) or (unit_of(user) or "\0") in item_units(item)


def require_item(user: User, item: PlanItem | None, item_id: int) -> PlanItem:
    """The item, or NotFound (also when it exists but is not the asker's to see)."""
    if item is None or not can_see_item(user, item):
        raise NotFound(
            problem("id", f"行动计划事项 {item_id} 不存在", f"plan item {item_id} not found")
        )
    return item


def require_admin(user: User) -> None:
    if user.role != ADMIN:
        raise WorkflowError(
            problem("role", "只有管理员可以管理年度行动计划", "only an admin manages plan items")
        )


def require_reporter(user: User, item: PlanItem) -> str:
    """The unit the user reports for on this item, or WorkflowError (it is not one of them)."""
    unit = unit_of(user)
    if unit is None or unit not in item_units(item):
        raise WorkflowError(
            problem(
                "role",
                "只有该事项的牵头单位或配合单位可以报送进展",
                "only the item's lead unit or co-units report progress",
            )
        )
    return unit
