"""Public notice (公示): recognised awards are published for a notice period; anyone may object.

An objection pauses the award until a department reviewer resolves it: dismissed, the notice
goes on; upheld, the application is rejected. When the period has passed with no open objection,
the award is approved for payment. The public list shows only enterprise name, item, amount and
dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jinshu.errors import NotFound, WorkflowError, problem
from jinshu.store.models import Application, Award, Enterprise, Objection, User
from jinshu.workflow import audit
from jinshu.workflow.states import PUBLIC, next_state


def notice_end(start: dt.date, days: int) -> dt.date:
    """The last day of a notice starting on ``start`` and lasting ``days`` working days (Mon–Fri).

    >>> notice_end(dt.date(2021, 3, 1), 5)  # a Monday: the next five working days
    datetime.date(2021, 3, 8)
    """
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return day


def public_notices(session: Session) -> list[dict[str, Any]]:
    """The public list: enterprise name, item, amount and notice dates, nothing else."""
    rows = session.execute(
        select(
            Enterprise.name,
            Award.item,
            Award.amount,
            Award.notice_start,
            Award.notice_end,
            Award.id,
        )
        .join(Enterprise, Enterprise.id == Award.enterprise_id)
        .where(Award.state.in_(("in_notice", "objected")))
        .order_by(Award.notice_start.desc(), Award.id)
    )
    return [
        {
            "award_id": r.id,
            "enterprise": r.name,
            "item": r.item,
            "amount": r.amount,
            "notice_start": r.notice_start,
            "notice_end": r.notice_end,
        }
        for r in rows
    ]


def _award(session: Session, award_id: int) -> tuple[Award, Application]:
    award = session.get(Award, award_id)
    if award is None:
        raise NotFound(
            problem("award_id", f"公示 {award_id} 不存在", "no such award", str(award_id))
        )
    app = session.get(Application, award.application_id)
    assert app is not None
    return award, app


def lodge_objection(session: Session, *, award_id: int, text: str, contact: str = "") -> Objection:
    """Anyone objects to an award in notice; the award pauses."""
    if not text.strip():
        raise WorkflowError(problem("text", "异议内容不能为空", "the objection needs a text"))
    award, app = _award(session, award_id)
    if award.state not in ("in_notice", "objected"):
        raise WorkflowError(
            problem("award_id", "该奖励不在公示期内", "the award is not in notice", str(award_id))
        )
    objection = Objection(award_id=award.id, text=text.strip(), contact=contact.strip())
    session.add(objection)
    if app.state == "in_notice":
        app.state = next_state(app.state, "object", PUBLIC)
        award.state = "objected"
    session.flush()
    audit.record(
        session,
        actor="public",
        action="object",
        object_type="award",
        object_id=str(award.id),
        after={"objection": objection.id},
    )
    return objection


def resolve_objection(
    session: Session, *, user: User, objection_id: int, upheld: bool, note: str
) -> Application:
    """A department reviewer resolves an objection: upheld rejects, dismissed resumes the notice."""
    objection = session.get(Objection, objection_id)
    if objection is None or objection.resolution is not None:
        raise NotFound(
            problem("objection_id", "异议不存在或已处理", "no open objection", str(objection_id))
        )
    if not note.strip():
        raise WorkflowError(problem("note", "须写明处理理由", "a reason is required"))
    award, app = _award(session, objection.award_id)
    if user.role not in ("department_reviewer", "admin") or (
        user.role == "department_reviewer" and app.department != user.department
    ):
        raise WorkflowError(
            problem(
                "role", "只有主管部门可以处理异议", "only the item's department resolves objections"
            )
        )
    objection.resolution = "upheld" if upheld else "dismissed"
    objection.resolution_note = note
    objection.resolved_by = user.username
    open_left = session.scalars(
        select(Objection).where(
            Objection.award_id == award.id,
            Objection.resolution.is_(None),
            Objection.id != objection.id,
        )
    ).first()
    before = app.state
    if upheld:
        app.state = next_state(app.state, "reject", user.role)
        award.state = "cancelled"
    elif open_left is None:
        app.state = next_state(app.state, "dismiss_objection", user.role)
        award.state = "in_notice"
    session.flush()
    audit.record(
        session,
        actor=user.username,
        action="resolve_objection",
        object_type="award",
        object_id=str(award.id),
        before={"state": before},
        after={"state": app.state, "resolution": objection.resolution},
    )
    return app


def close_notice(
    session: Session, *, user: User, app_id: int, today: dt.date | None = None
) -> Application:
    """After the notice period, with no open objection, the award is approved for payment."""
    from jinshu.workflow.applications import get_application

    app = get_application(session, user=user, app_id=app_id)
    award = session.scalars(select(Award).where(Award.application_id == app.id)).first()
    if award is None:
        raise WorkflowError(problem("state", "尚未认定", "not recognised yet", app.state))
    day = today or dt.date.today()
    if day <= award.notice_end:
        raise WorkflowError(
            problem(
                "today",
                f"公示期至 {award.notice_end} 结束，尚未期满",
                "the notice period has not ended",
                str(day),
            )
        )
    before = app.state
    app.state = next_state(app.state, "close_notice", user.role)
    award.state = "approved"
    session.flush()
    audit.record(
        session,
        actor=user.username,
        action="close_notice",
        object_type="application",
        object_id=str(app.id),
        before={"state": before},
        after={"state": app.state},
    )
    return app
