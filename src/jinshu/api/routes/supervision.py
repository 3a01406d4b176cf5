"""Supervision of the key tasks: the registry, action-plan items, progress reports, assessment.

Units (department reviewers whose department is a responsible unit) see the registry and their
own items; analysts and admins see everything; the admin manages items; others are refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, File, HTTPException, Path, Query, UploadFile
from fastapi.responses import Response

from jinshu.api.deps import CurrentUser, Id, SessionDep, require_roles
from jinshu.config import settings
from jinshu.store.models import PlanItem, User
from jinshu.supervise.access import may_view, sees_all, unit_of
from jinshu.supervise.assess import Counts, assess_year, default_as_of
from jinshu.supervise.plans import (
    create_plan_item,
    delete_plan_item,
    get_plan_item,
    status_of,
    update_plan_item,
    visible_plan_items,
)
from jinshu.supervise.progress import add_evidence, get_evidence, report_progress
from jinshu.supervise.registry import default_registry, unit_names
from jinshu.supervise.schemas import (
    AssessmentPublic,
    CountsPublic,
    EvidencePublic,
    LoadReportPublic,
    PlanItemIn,
    PlanItemPublic,
    PlanItemsPublic,
    PlanItemUpdate,
    ReportIn,
    ReportPublic,
    StatusPublic,
    TaskDetail,
    TaskPublic,
    TasksPublic,
    UnitPublic,
    UnitSummaryPublic,
)
from jinshu.supervise.tasks import get_task, list_tasks, load_tasks
from jinshu.workflow.attachments import MAX_ATTACHMENT

router = APIRouter(prefix="/supervision", tags=["supervision"])


def supervision_viewer(user: CurrentUser) -> User:
    if not may_view(user):
        raise HTTPException(403, "督查事项仅对责任单位、分析人员和管理员开放")
    return user


Viewer = Annotated[User, Depends(supervision_viewer)]
Admin = Annotated[User, Depends(require_roles("admin"))]
TaskId = Annotated[str, Path(max_length=16, pattern=r"^[0-9.]+$", description="任务编号，如 4.1.1")]
AsOf = Annotated[dt.date | None, Query(description="截至日期（默认今天）")]
StaleDays = Annotated[
    int | None, Query(ge=0, le=3650, description="超过多少天未报送即标记（默认 30）")
]


def _stale(days: int | None) -> int:
    return settings.supervision_stale_days if days is None else days


def item_public(item: PlanItem, *, as_of: dt.date, stale_days: int) -> PlanItemPublic:
    status = status_of(item, as_of=as_of, stale_days=stale_days)
    return PlanItemPublic(
        id=item.id,
        year=item.year,
        task_id=item.task_id,
        title=item.title,
        deadline=item.deadline,
        lead_unit=item.lead_unit,
        co_units=list(item.co_units),
        expected_output=item.expected_output,
        status=StatusPublic(
            state=status.state,
            state_zh=status.state_zh,
            percent=status.percent,
            completed_on=status.completed_on,
            last_report_on=status.last_report_on,
            quiet_days=status.quiet_days,
            stale=status.stale,
        ),
    )


@router.get("/units")
def read_units(user: Viewer) -> list[UnitPublic]:
    """The responsible units of the registry, with the tasks each leads or co-operates on."""
    registry = default_registry()
    return [
        UnitPublic(
            unit=unit,
            lead_tasks=[t.id for t in registry.tasks if t.lead == unit],
            co_tasks=[t.id for t in registry.tasks if unit in t.co_units],
        )
        for unit in unit_names()
    ]


@router.get("/tasks")
def read_tasks(
    session: SessionDep,
    user: Viewer,
    section: Annotated[int | None, Query(ge=4, le=5, description="4 重点任务，5 保障措施")] = None,
    area: Annotated[int | None, Query(ge=1, le=20)] = None,
    unit: Annotated[str | None, Query(max_length=64, description="牵头或配合单位")] = None,
) -> TasksPublic:
    """The task registry in the order of the text."""
    rows = list_tasks(session, section=section, area=area, unit=unit)
    return TasksPublic(data=[TaskPublic.model_validate(t) for t in rows], count=len(rows))


@router.post("/tasks/load")
def load_task_registry(session: SessionDep, user: Admin) -> LoadReportPublic:
    """Load the committed task registry into the database (new and changed tasks; audited)."""
    report = load_tasks(session, default_registry(), actor=user.username)
    return LoadReportPublic(**asdict(report))


@router.get("/tasks/{task_id}")
def read_task(
    session: SessionDep,
    user: Viewer,
    task_id: TaskId,
    as_of: AsOf = None,
    stale_days: StaleDays = None,
) -> TaskDetail:
    """One task with the plan items the asker may see and their state on the as-of date."""
    task = get_task(session, task_id)
    day = as_of or dt.date.today()
    items = visible_plan_items(session, user=user, task_id=task.id)
    return TaskDetail(
        **TaskPublic.model_validate(task).model_dump(),
        plan_items=[item_public(i, as_of=day, stale_days=_stale(stale_days)) for i in items],
    )


@router.get("/plan-items")
def read_plan_items(
    session: SessionDep,
    user: Viewer,
    year: Annotated[int | None, Query(ge=2019, le=2100)] = None,
    task_id: Annotated[str | None, Query(max_length=16)] = None,
    unit: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[
        str | None, Query(pattern="^(on_time|late|overdue|in_progress)$", description="状态")
    ] = None,
    stale: Annotated[bool | None, Query(description="只看（或排除）超期未报送的")] = None,
    as_of: AsOf = None,
    stale_days: StaleDays = None,
) -> PlanItemsPublic:
    """Plan items the asker may see, with their state and flags on the as-of date."""
    day, days = as_of or dt.date.today(), _stale(stale_days)
    items = visible_plan_items(session, user=user, year=year, task_id=task_id, unit=unit)
    data = [item_public(i, as_of=day, stale_days=days) for i in items]
    data = [
        p
        for p in data
        if (state is None or p.status.state == state) and (stale is None or p.status.stale == stale)
    ]
    return PlanItemsPublic(data=data, count=len(data), as_of=day, stale_days=days)


@router.post("/plan-items", status_code=201)
def create_plan_item_route(session: SessionDep, user: Admin, body: PlanItemIn) -> PlanItemPublic:
    """Add an action-plan item under a task (admin)."""
    item = create_plan_item(session, user=user, data=body)
    return item_public(item, as_of=dt.date.today(), stale_days=_stale(None))


@router.get("/plan-items/{item_id}")
def read_plan_item(
    session: SessionDep, user: Viewer, item_id: Id, as_of: AsOf = None, stale_days: StaleDays = None
) -> PlanItemPublic:
    """One plan item with its state on the as-of date."""
    item = get_plan_item(session, user=user, item_id=item_id)
    return item_public(item, as_of=as_of or dt.date.today(), stale_days=_stale(stale_days))


@router.patch("/plan-items/{item_id}")
def update_plan_item_route(
    session: SessionDep, user: Admin, item_id: Id, body: PlanItemUpdate
) -> PlanItemPublic:
    """Change an item's title, deadline, units or expected output (admin; audited)."""
    item = update_plan_item(session, user=user, item_id=item_id, data=body)
    return item_public(item, as_of=dt.date.today(), stale_days=_stale(None))


@router.delete("/plan-items/{item_id}", status_code=204)
def delete_plan_item_route(session: SessionDep, user: Admin, item_id: Id) -> Response:
    """Remove an item nobody has reported on (admin)."""
    delete_plan_item(session, user=user, item_id=item_id)
    return Response(status_code=204)


@router.get("/plan-items/{item_id}/reports")
def read_reports(session: SessionDep, user: Viewer, item_id: Id) -> list[ReportPublic]:
    """The item's progress reports, oldest first, with their evidence."""
    item = get_plan_item(session, user=user, item_id=item_id)
    return [ReportPublic.model_validate(r) for r in item.reports]


@router.post("/plan-items/{item_id}/reports", status_code=201)
def create_report(session: SessionDep, user: Viewer, item_id: Id, body: ReportIn) -> ReportPublic:
    """Report progress on an item of the asker's unit (lead or co-unit)."""
    report = report_progress(session, user=user, item_id=item_id, data=body)
    return ReportPublic.model_validate(report)


@router.post("/reports/{report_id}/attachments", status_code=201)
async def upload_evidence(
    session: SessionDep, user: Viewer, report_id: Id, file: Annotated[UploadFile, File()]
) -> EvidencePublic:
    """Attach evidence to a report of the asker's unit; stored with its SHA-256."""
    data = await file.read(MAX_ATTACHMENT + 1)
    evidence = add_evidence(
        session,
        user=user,
        report_id=report_id,
        filename=file.filename or "",
        content_type=file.content_type or "",
        data=data,
    )
    return EvidencePublic.model_validate(evidence)


@router.get("/reports/{report_id}/attachments/{attachment_id}")
def download_evidence(
    session: SessionDep, user: Viewer, report_id: Id, attachment_id: Id
) -> Response:
    """The evidence file, with its SHA-256 in ``X-Content-SHA256``."""
    evidence = get_evidence(session, user=user, report_id=report_id, attachment_id=attachment_id)
    return Response(
        evidence.content,
        media_type=evidence.content_type,
        headers={"X-Content-SHA256": evidence.sha256},
    )


def _counts(counts: Counts) -> CountsPublic:
    return CountsPublic(**counts.as_dict())


@router.get("/assessment/{year}")
def read_assessment(
    session: SessionDep,
    user: Viewer,
    year: Annotated[int, Path(ge=2019, le=2100)],
    as_of: AsOf = None,
    stale_days: StaleDays = None,
) -> AssessmentPublic:
    """Per-unit counts of the year's items (on time, late, overdue, in progress, stale) on the
    as-of date (default 31 December of the year, or today while it runs); a unit sees its own."""
    result = assess_year(
        session,
        year=year,
        as_of=as_of or default_as_of(year),
        stale_days=_stale(stale_days),
        unit=None if sees_all(user) else unit_of(user),
    )
    return AssessmentPublic(
        year=result.year,
        as_of=result.as_of,
        stale_days=result.stale_days,
        total=_counts(result.total),
        units=[
            UnitSummaryPublic(unit=u.unit, as_lead=_counts(u.as_lead), as_co=_counts(u.as_co))
            for u in result.units
        ],
    )
