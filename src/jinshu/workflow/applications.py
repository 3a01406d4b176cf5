"""Applications: create, edit, compute, move through the state machine, correct facts.

The amount is always the calculator's, from the application's facts and the ledger's history;
a reviewer fixes an amount only where the policy leaves a range, inside it, with a reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from jinshu.calculator import calculate
from jinshu.errors import CaseError, NotFound, WorkflowError, problem
from jinshu.rules.policyset import PolicySet
from jinshu.rules.results import ELIGIBLE, NEEDS_REVIEW, Result
from jinshu.store.models import (
    Application,
    ApplicationEvent,
    ApplicationVersion,
    Award,
    Enterprise,
    User,
)
from jinshu.workflow import audit
from jinshu.workflow.access import require_enterprise, require_visible
from jinshu.workflow.award_key import award_key
from jinshu.workflow.cases import json_safe, ledger_history, registry_case
from jinshu.workflow.notice import notice_end
from jinshu.workflow.settings import notice_period
from jinshu.workflow.states import CITY, DEPARTMENT, next_state


def snapshot(app: Application) -> dict[str, Any]:
    return {
        "state": app.state,
        "status": app.status,
        "amount": app.amount,
        "min": app.min_amount,
        "max": app.max_amount,
        "decided_amount": app.decided_amount,
        "version": app.version,
    }


def evaluate(
    session: Session, policy: PolicySet, app: Application, *, exclude_award: int | None = None
) -> Result:
    """The calculator's result for this application, history taken from the ledger."""
    case = dict(app.case)
    case["history"] = ledger_history(session, app.enterprise_id, exclude_award=exclude_award)
    outcome = calculate(case, policy)
    for res in outcome.results:
        if res.item == app.item and res.record == app.record_id:
            return res
    raise WorkflowError(
        problem(
            "item",
            f"本年度该事项对此申请不适用（{outcome.note or '无相关结果'}）",
            "the item does not apply to this application in that year",
        )
    )


def _store_result(app: Application, res: Result) -> None:
    app.result = json_safe(res.as_dict())
    app.status = res.status
    app.amount, app.min_amount, app.max_amount = res.amount, res.min, res.max


def _event(
    session: Session, app: Application, action: str, before: str, user: User, note: str
) -> None:
    session.add(
        ApplicationEvent(
            application_id=app.id,
            action=action,
            from_state=before,
            to_state=app.state,
            actor=user.username,
            note=note,
        )
    )


def create_application(
    session: Session,
    policy: PolicySet,
    *,
    user: User,
    enterprise_id: str,
    item: str,
    year: int,
    record_id: str | None = None,
    case: dict[str, Any] | None = None,
) -> Application:
    """A draft application, its result computed at once so the enterprise sees it."""
    require_enterprise(user, enterprise_id)
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound(problem("enterprise_id", "企业不存在", "no such enterprise", enterprise_id))
    spec = policy.items.get(item)
    if spec is None or spec.grain == "info":
        raise WorkflowError(
            problem("item", "不是可申请的政策事项", "not an item one applies for", item)
        )
    if case is None:
        case = registry_case(enterprise, year, [record_id] if record_id else [])
    case = json_safe({**case, "year": year})
    case["enterprise"] = {**case.get("enterprise", {}), "id": enterprise_id}
    case.pop("history", None)
    case.pop("parameters", None)
    if spec.is_record_item:
        ids = [r.get("id") for r in case.get("records", []) if r.get("kind") == spec.grain]
        if record_id is None or record_id not in ids:
            raise WorkflowError(
                problem(
                    "record_id",
                    f"该事项须指明一条「{spec.grain}」记录",
                    f"this item needs one {spec.grain} record of the case",
                    record_id,
                )
            )
    elif record_id is not None:
        raise WorkflowError(
            problem(
                "record_id", "该事项按年度申请，不指明记录", "no record for this item", record_id
            )
        )
    app = Application(
        enterprise_id=enterprise_id,
        item=item,
        year=year,
        record_id=record_id,
        state="draft",
        city=enterprise.city,
        department=spec.spec.department,
        case=case,
    )
    session.add(app)
    session.flush()
    _store_result(app, evaluate(session, policy, app))
    session.add(
        ApplicationVersion(
            application_id=app.id, version=1, case=case, result=app.result, author=user.username
        )
    )
    audit.record(
        session,
        actor=user.username,
        action="create",
        object_type="application",
        object_id=str(app.id),
        after=snapshot(app),
    )
    return app


def get_application(session: Session, *, user: User, app_id: int) -> Application:
    return require_visible(user, session.get(Application, app_id), app_id)


def update_facts(
    session: Session,
    policy: PolicySet,
    *,
    user: User,
    app_id: int,
    case: dict[str, Any],
    reason: str = "",
) -> Application:
    """New facts: the enterprise while drafting or answering; a reviewer correcting (both kept)."""
    app = get_application(session, user=user, app_id=app_id)
    editable = {
        "enterprise": ("draft", "info_requested"),
        CITY: ("submitted",),
        DEPARTMENT: ("city_approved",),
    }
    if app.state not in editable.get(user.role, ()):
        raise WorkflowError(
            problem(
                "state",
                "当前状态下不能修改事实",
                f"facts cannot be changed in state {app.state}",
                app.state,
            )
        )
    if user.role != "enterprise" and not reason.strip():
        raise WorkflowError(
            problem(
                "reason", "审核人员更正事实须说明理由", "a reviewer's correction needs a reason"
            )
        )
    before = snapshot(app)
    new_case = json_safe({**case, "year": app.year})
    new_case["enterprise"] = {**new_case.get("enterprise", {}), "id": app.enterprise_id}
    new_case.pop("history", None)
    new_case.pop("parameters", None)
    previous_case = app.case
    app.case = new_case
    try:
        res = evaluate(session, policy, app)
    except CaseError:
        app.case = previous_case
        raise
    _store_result(app, res)
    app.version += 1
    session.add(
        ApplicationVersion(
            application_id=app.id,
            version=app.version,
            case=new_case,
            result=app.result,
            author=user.username,
            reason=reason,
        )
    )
    audit.record(
        session,
        actor=user.username,
        action="update_facts",
        object_type="application",
        object_id=str(app.id),
        before=before,
        after=snapshot(app),
    )
    return app


def _decide_amount(res: Result, decided: Any, note: str) -> Decimal:
    if res.status == ELIGIBLE:
        assert res.amount is not None
        if decided is not None and Decimal(str(decided)) != res.amount:
            raise WorkflowError(
                problem(
                    "decided_amount",
                    f"金额由政策确定为 {res.amount} 元，不能另定",
                    "the amount is fixed by the policy",
                    str(decided),
                )
            )
        return res.amount
    if res.status != NEEDS_REVIEW or res.min is None or res.max is None:
        why = "；".join(res.reasons) or res.status
        raise WorkflowError(
            problem(
                "status", f"计算结果不能认定：{why}", "the result cannot be recognised", res.status
            )
        )
    if decided is None:
        raise WorkflowError(
            problem(
                "decided_amount",
                f"须在 {res.min}—{res.max} 元之间确定金额",
                "a reviewer must fix the amount within the range",
            )
        )
    try:
        amount = Decimal(str(decided))
    except InvalidOperation:
        raise WorkflowError(
            problem("decided_amount", "不是数字", "not a number", str(decided))
        ) from None
    if not (res.min <= amount <= res.max) or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise WorkflowError(
            problem(
                "decided_amount",
                f"金额须在 {res.min}—{res.max} 元之间，精确到分",
                "outside the item's range",
                str(decided),
            )
        )
    if not note.strip():
        raise WorkflowError(
            problem("note", "自定金额须写明理由", "a fixed amount needs a written reason")
        )
    return amount


def act(
    session: Session,
    policy: PolicySet,
    *,
    user: User,
    app_id: int,
    action: str,
    note: str = "",
    decided_amount: Any = None,
    today: dt.date | None = None,
) -> Application:
    """Take one action of the state machine on an application."""
    app = get_application(session, user=user, app_id=app_id)
    before_state = app.state
    target = next_state(app.state, action, user.role)
    before = snapshot(app)
    if action in ("reject", "request_info") and not note.strip():
        raise WorkflowError(problem("note", "须写明理由", "a reason is required"))
    if action in ("submit", "resubmit"):
        res = evaluate(session, policy, app)
        _store_result(app, res)
        if res.status not in (ELIGIBLE, NEEDS_REVIEW):
            why = "；".join(res.reasons) or res.status
            raise WorkflowError(
                problem(
                    "status",
                    f"计算器判断不符合条件：{why}",
                    "the calculator finds the application ineligible",
                    res.status,
                )
            )
    if action == "recognize":
        res = evaluate(session, policy, app)
        _store_result(app, res)
        amount = _decide_amount(res, decided_amount, note)
        app.decided_amount = amount
        app.decided_reason = note or None
        item = policy.items[app.item]
        key, level = award_key(item, res, app.year)
        start = today or dt.date.today()
        session.add(
            Award(
                application_id=app.id,
                enterprise_id=app.enterprise_id,
                item=app.item,
                year=app.year,
                key=key,
                level=level,
                amount=amount,
                fund=item.spec.fund,
                notice_start=start,
                notice_end=notice_end(start, notice_period(session, policy, app.year).days),
                state="in_notice",
            )
        )
    app.state = target
    _event(session, app, action, before_state, user, note)
    session.flush()
    audit.record(
        session,
        actor=user.username,
        action=action,
        object_type="application",
        object_id=str(app.id),
        before=before,
        after=snapshot(app),
    )
    return app
