"""Pages of supervision (督查): the task registry by area, a task with its plan items, an item with
its reports and the form a unit reports on, the yearly assessment with its chart.

Every page calls the same supervision functions as the API, with the same role and scope checks.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from jinshu.api.deps import SessionDep
from jinshu.config import settings
from jinshu.errors import JinshuError
from jinshu.store.models import PlanItem, SupervisionTask, User
from jinshu.supervise.access import can_see_item, may_view, sees_all, unit_of
from jinshu.supervise.assess import assess_year, default_as_of
from jinshu.supervise.flags import STATE_ZH
from jinshu.supervise.parse import NUMERALS, SECTIONS
from jinshu.supervise.plans import create_plan_item, get_plan_item, plan_items, status_of
from jinshu.supervise.progress import add_evidence, get_evidence, report_progress
from jinshu.supervise.registry import unit_names
from jinshu.supervise.schemas import PlanItemIn, ReportIn
from jinshu.supervise.tasks import get_task, list_tasks
from jinshu.supervise.validation import parse
from jinshu.web.i18n import gettext as _
from jinshu.web.i18n import message
from jinshu.web.labels import PLAN_STATE_ZH
from jinshu.web.pages import render
from jinshu.web.security import check_csrf
from jinshu.web.work import web_user
from jinshu.workflow.attachments import MAX_ATTACHMENT

router = APIRouter(include_in_schema=False)
_NUMERAL = {n: numeral for numeral, n in NUMERALS.items()}


def section_heading(task: SupervisionTask) -> str:
    """The document's heading of a task's section (四、重点任务), in its own words."""
    return f"{_NUMERAL[task.section]}、{SECTIONS[task.section]}"


def area_heading(task: SupervisionTask, numbered: bool = True) -> str:
    """The document's heading of a task's area (（一）“网”：提升网络设施能力)."""
    key = f"“{task.area_key}”：" if task.area_key else ""
    return (f"（{_NUMERAL[task.area]}）" if numbered else "") + key + task.area_title


HEADINGS: dict[str, Any] = {"section_heading": section_heading, "area_heading": area_heading}


class _View(BaseModel):
    """The query of a page that shows states: the as-of date and the allowed quiet days."""

    as_of: dt.date | None = None
    stale_days: int = Field(default=settings.supervision_stale_days, ge=0, le=3650)
    year: int | None = Field(default=None, ge=2019, le=2100)


def _viewer(request: Request, session: SessionDep) -> User:
    user = web_user(request, session)
    if not may_view(user):
        raise HTTPException(403, _("督查事项仅对责任单位、分析人员和管理员开放"))
    return user


def _view(**raw: str) -> tuple[_View, dict[str, str]]:
    """The page's query, or the defaults and the errors by field."""
    try:
        return parse(_View, {k: v for k, v in raw.items() if v.strip()}), {}
    except JinshuError as exc:
        return _View(), {e.location: message(e) for e in exc.entries}


def _errors(exc: JinshuError) -> dict[str, str]:
    return {e.location: message(e) for e in exc.entries}


@router.get("/work/tasks", response_class=HTMLResponse)
def tasks_page(request: Request, session: SessionDep, unit: str = "") -> HTMLResponse:
    """The task registry by section and area, with each task's units and visible plan items."""
    user = _viewer(request, session)
    today = dt.date.today()
    days = settings.supervision_stale_days
    counts: dict[str, list[int]] = {}
    for item in plan_items(session):
        if can_see_item(user, item):
            status = status_of(item, as_of=today, stale_days=days)
            entry = counts.setdefault(item.task_id, [0, 0])
            entry[0] += 1
            entry[1] += int(status.state == "overdue" or status.stale)
    groups: dict[tuple[int, int], list[Any]] = {}
    for task in list_tasks(session, unit=unit or None):
        groups.setdefault((task.section, task.area), []).append(task)
    return render(
        request, "supervise/tasks.html", me=user, groups=list(groups.values()), counts=counts,
        units=unit_names(), unit=unit, my_unit=unit_of(user), stale_days=days, **HEADINGS,
    )  # fmt: skip


def _task_page(
    request: Request,
    session: SessionDep,
    user: User,
    task_id: str,
    view: _View,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    task = get_task(session, task_id)
    as_of = view.as_of or dt.date.today()
    items = [
        (i, status_of(i, as_of=as_of, stale_days=view.stale_days))
        for i in plan_items(session, task_id=task.id)
        if can_see_item(user, i)
    ]
    return render(
        request, "supervise/task.html", status_code=status_code, me=user, task=task, items=items,
        as_of=as_of, view=view, errors=errors or {}, form=form or {}, units=unit_names(),
        **HEADINGS,
    )  # fmt: skip


@router.get("/work/tasks/{task_id}", response_class=HTMLResponse)
def task_page(
    request: Request, session: SessionDep, task_id: str, as_of: str = "", stale_days: str = ""
) -> HTMLResponse:
    """A task's text and units, its plan items and their state; the admin adds items here."""
    user = _viewer(request, session)
    view, errors = _view(as_of=as_of, stale_days=stale_days)
    return _task_page(request, session, user, task_id, view, errors, None, 422 if errors else 200)


@router.post("/work/tasks/{task_id}/plan-items", response_class=HTMLResponse, response_model=None)
def create_plan_item_page(
    request: Request,
    session: SessionDep,
    task_id: str,
    year: Annotated[str, Form(max_length=8)] = "",
    title: Annotated[str, Form(max_length=400)] = "",
    deadline: Annotated[str, Form(max_length=20)] = "",
    lead_unit: Annotated[str, Form(max_length=64)] = "",
    co_units: Annotated[list[str] | None, Form()] = None,
    expected_output: Annotated[str, Form(max_length=4000)] = "",
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """Add an action-plan item under the task (admin)."""
    check_csrf(request, csrf)
    user = _viewer(request, session)
    if user.role != "admin":
        raise HTTPException(403, _("只有管理员可以管理年度行动计划"))
    get_task(session, task_id)
    form = {
        "task_id": task_id, "year": year, "title": title, "deadline": deadline,
        "lead_unit": lead_unit, "co_units": [u for u in co_units or [] if u],
        "expected_output": expected_output,
    }  # fmt: skip
    try:
        with session.begin_nested():
            item = create_plan_item(session, user=user, data=parse(PlanItemIn, form))
    except JinshuError as exc:
        return _task_page(request, session, user, task_id, _View(), _errors(exc), form, 422)
    return RedirectResponse(f"/work/plan-items/{item.id}", status_code=303)


def _item_page(
    request: Request,
    session: SessionDep,
    user: User,
    item: PlanItem,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    today = dt.date.today()
    status = status_of(item, as_of=today, stale_days=settings.supervision_stale_days)
    unit = unit_of(user)
    reporter = unit if unit in (item.lead_unit, *item.co_units) else None
    last = item.reports[-1] if item.reports else None
    defaults = {"reported_on": today.isoformat(), "percent": last.percent if last else 0}
    return render(
        request, "supervise/item.html", status_code=status_code, me=user, item=item,
        task=get_task(session, item.task_id), status=status, today=today, reporter=reporter,
        errors=errors or {}, form=form or defaults,
    )  # fmt: skip


@router.get("/work/plan-items/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, session: SessionDep, item_id: int) -> HTMLResponse:
    """An item, its state today, its reports with evidence, and the form of its units."""
    user = _viewer(request, session)
    return _item_page(request, session, user, get_plan_item(session, user=user, item_id=item_id))


@router.post("/work/plan-items/{item_id}/reports", response_class=HTMLResponse, response_model=None)
async def report_page(
    request: Request,
    session: SessionDep,
    item_id: int,
    reported_on: Annotated[str, Form(max_length=20)] = "",
    percent: Annotated[str, Form(max_length=8)] = "",
    text: Annotated[str, Form(max_length=8000)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    file: Annotated[UploadFile | None, File()] = None,
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """A unit's progress report, with an optional evidence file: both saved, or neither."""
    check_csrf(request, csrf)
    user = _viewer(request, session)
    item = get_plan_item(session, user=user, item_id=item_id)
    form = {"reported_on": reported_on, "percent": percent, "text": text, "reason": reason}
    data = b""
    if file is not None and file.filename:
        data = await file.read(MAX_ATTACHMENT + 1)
    try:
        with session.begin_nested():
            report = report_progress(
                session, user=user, item_id=item.id, data=parse(ReportIn, form)
            )
            if file is not None and file.filename:
                add_evidence(
                    session, user=user, report_id=report.id, filename=file.filename,
                    content_type=file.content_type or "", data=data,
                )  # fmt: skip
    except JinshuError as exc:
        session.expire_all()
        item = get_plan_item(session, user=user, item_id=item_id)
        return _item_page(request, session, user, item, _errors(exc), form, 422)
    return RedirectResponse(f"/work/plan-items/{item.id}", status_code=303)


@router.get("/work/supervision/reports/{report_id}/attachments/{attachment_id}")
def evidence_download(
    request: Request, session: SessionDep, report_id: int, attachment_id: int
) -> Response:
    """An evidence file of a report the user may see."""
    user = _viewer(request, session)
    evidence = get_evidence(session, user=user, report_id=report_id, attachment_id=attachment_id)
    return Response(
        evidence.content,
        media_type=evidence.content_type,
        headers={
            "X-Content-SHA256": evidence.sha256,
            "Content-Disposition": "attachment",
        },
    )


@router.get("/work/assessment", response_class=HTMLResponse)
def assessment_page(
    request: Request, session: SessionDep, year: str = "", as_of: str = "", stale_days: str = ""
) -> HTMLResponse:
    """The yearly assessment by unit: a table and a chart, then the items that need attention."""
    user = _viewer(request, session)
    view, errors = _view(year=year, as_of=as_of, stale_days=stale_days)
    years = sorted({i.year for i in plan_items(session)}, reverse=True)
    chosen = view.year or (years[0] if years else dt.date.today().year)
    result = assess_year(
        session,
        year=chosen,
        as_of=view.as_of or default_as_of(chosen),
        stale_days=view.stale_days,
        unit=None if sees_all(user) else unit_of(user),
    )
    chart = {
        "units": [u.unit for u in result.units],
        "series": {s: [getattr(u.as_lead, s) for u in result.units] for s in STATE_ZH},
        "stale": [u.as_lead.stale for u in result.units],
        "names": {state: _(label) for state, label in PLAN_STATE_ZH.items()},
    }
    attention = [(i, s) for i, s in result.items if s.state == "overdue" or s.stale]
    return render(
        request, "supervise/assessment.html", status_code=422 if errors else 200, me=user,
        result=result, years=years, errors=errors, chart=chart, attention=attention,
    )  # fmt: skip
