"""The state machine of an application: one table of allowed transitions.

Each action names the states it may start from, the state it leads to, and the roles that may
take it. Anything else is refused with a clear error.

>>> next_state("draft", "submit", "enterprise")
'submitted'
"""

from __future__ import annotations

from typing import NamedTuple

from jinshu.errors import WorkflowError, problem

STATES_ZH = {
    "draft": "草稿",
    "submitted": "已提交，待市级审核",
    "info_requested": "待补充材料",
    "city_approved": "市级审核通过，待省级部门审核",
    "in_notice": "已认定，公示中",
    "objected": "公示异议处理中",
    "approved": "公示期满，待拨付",
    "paid": "已拨付",
    "rejected": "未通过",
    "withdrawn": "已撤回",
}

ENTERPRISE = "enterprise"
CITY = "city_reviewer"
DEPARTMENT = "department_reviewer"
FINANCE = "finance"
ANALYST = "analyst"
ADMIN = "admin"
PUBLIC = "public"
ROLES = (ENTERPRISE, CITY, DEPARTMENT, FINANCE, ANALYST, ADMIN)
REVIEWERS = (CITY, DEPARTMENT)


class Transition(NamedTuple):
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    label: str


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(("draft",), "submitted", (ENTERPRISE,), "提交申请"),
    "withdraw": Transition(
        ("draft", "submitted", "info_requested"), "withdrawn", (ENTERPRISE,), "撤回申请"
    ),
    "request_info": Transition(
        ("submitted", "city_approved"), "info_requested", (CITY, DEPARTMENT), "要求补充材料"
    ),
    "resubmit": Transition(("info_requested",), "submitted", (ENTERPRISE,), "补充后重新提交"),
    "city_approve": Transition(("submitted",), "city_approved", (CITY,), "市级审核通过"),
    "recognize": Transition(("city_approved",), "in_notice", (DEPARTMENT,), "省级认定并公示"),
    "reject": Transition(
        ("submitted", "city_approved", "objected"), "rejected", (CITY, DEPARTMENT), "不予通过"
    ),
    "object": Transition(("in_notice",), "objected", (PUBLIC,), "公示期内提出异议"),
    "dismiss_objection": Transition(("objected",), "in_notice", (DEPARTMENT,), "异议不成立"),
    "close_notice": Transition(("in_notice",), "approved", (DEPARTMENT, ADMIN), "公示期满无异议"),
    "pay": Transition(("approved",), "paid", (FINANCE,), "拨付"),
}


def next_state(state: str, action: str, role: str) -> str:
    """The state after ``action``, or WorkflowError naming why it is not allowed."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise WorkflowError(problem("action", f"未知操作 {action}", f"unknown action {action}"))
    if role not in transition.roles and role != ADMIN:
        raise WorkflowError(
            problem(
                "action",
                f"角色 {role} 不能执行「{transition.label}」",
                f"role {role} may not {action}",
            )
        )
    if state not in transition.sources:
        allowed = "、".join(STATES_ZH[s] for s in transition.sources)
        raise WorkflowError(
            problem(
                "state",
                f"申请当前为「{STATES_ZH[state]}」，只有在「{allowed}」时才能{transition.label}",
                f"cannot {action} from state {state}",
                state,
            )
        )
    return transition.target
