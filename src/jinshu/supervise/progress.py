"""Progress reports of the units, with evidence stored beside its SHA-256.

Rules of a report (each refusal names the field, and nothing is written):

- only a unit named on the item (lead or co-unit) reports, as that unit;
- the date is not after today and not before 1 January of the plan year, and not before the
  item's last report (reports are a running record, never back-filled between earlier ones);
- the percent is 0–100 and does not go down unless a reason is given;
- reports and evidence are never changed or removed (the tables are append-only).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy.orm import Session

from jinshu.errors import InputError, NotFound, WorkflowError, problem
from jinshu.store.models import PlanItem, ProgressAttachment, ProgressReport, User
from jinshu.supervise.access import require_item, require_reporter, unit_of
from jinshu.supervise.schemas import ReportIn
from jinshu.workflow import audit
from jinshu.workflow.attachments import MAX_ATTACHMENT


def _check(item: PlanItem, data: ReportIn, today: dt.date) -> None:
    start = dt.date(item.year, 1, 1)
    if data.reported_on > today:
        raise InputError(
            problem(
                "reported_on",
                f"报送日期不能晚于今天（{today}）",
                "the report date is in the future",
                str(data.reported_on),
            )
        )
    if data.reported_on < start:
        raise InputError(
            problem(
                "reported_on",
                f"报送日期不能早于计划年度开始（{start}）",
                "the report date is before the plan year",
                str(data.reported_on),
            )
        )
    last = item.reports[-1] if item.reports else None
    if last is None:
        return
    if data.reported_on < last.reported_on:
        raise InputError(
            problem(
                "reported_on",
                f"报送日期不能早于上次报送（{last.reported_on}）",
                "the report date is before the item's last report",
                str(data.reported_on),
            )
        )
    if data.percent < last.percent and not data.reason:
        raise InputError(
            problem(
                "reason",
                f"进度由上次的 {last.percent}% 降为 {data.percent}%，须说明理由",
                "a lower percent than the last report needs a reason",
            )
        )


def report_progress(
    session: Session, *, user: User, item_id: int, data: ReportIn, today: dt.date | None = None
) -> ProgressReport:
    """Record the unit's report on the item (audited)."""
    item = require_item(user, session.get(PlanItem, item_id), item_id)
    unit = require_reporter(user, item)
    _check(item, data, today or dt.date.today())
    report = ProgressReport(unit=unit, reported_by=user.username, **data.model_dump())
    item.reports.append(report)
    session.flush()
    audit.record(
        session,
        actor=user.username,
        action="report_progress",
        object_type="plan_item",
        object_id=str(item.id),
        after={"report": report.id, "unit": unit, **data.model_dump(exclude={"text"})},
    )
    return report


def _report(session: Session, user: User, report_id: int) -> ProgressReport:
    report = session.get(ProgressReport, report_id)
    item = session.get(PlanItem, report.plan_item_id) if report is not None else None
    if report is None or item is None:
        raise NotFound(problem("id", f"进展报告 {report_id} 不存在", "report not found"))
    require_item(user, item, item.id)
    return report


def add_evidence(
    session: Session,
    *,
    user: User,
    report_id: int,
    filename: str,
    content_type: str,
    data: bytes,
) -> ProgressAttachment:
    """Attach evidence to a report of the user's own unit (audited)."""
    report = _report(session, user, report_id)
    if unit_of(user) != report.unit:
        raise WorkflowError(
            problem(
                "role",
                "只有报送该进展的单位可以上传佐证材料",
                "only the reporting unit attaches evidence",
            )
        )
    if not data:
        raise InputError(problem("file", "请选择要上传的文件（文件为空）", "the file is empty"))
    if len(data) > MAX_ATTACHMENT:
        raise InputError(problem("file", "佐证材料不能超过 10 MB", "the file is over 10 MB"))
    evidence = ProgressAttachment(
        filename=(filename or "evidence")[:200],
        content_type=(content_type or "application/octet-stream")[:100],
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content=data,
        uploaded_by=user.username,
    )
    report.attachments.append(evidence)
    session.flush()
    audit.record(
        session,
        actor=user.username,
        action="attach_evidence",
        object_type="progress_report",
        object_id=str(report.id),
        after={"attachment": evidence.id, "sha256": evidence.sha256, "size": evidence.size},
    )
    return evidence


def get_evidence(
    session: Session, *, user: User, report_id: int, attachment_id: int
) -> ProgressAttachment:
    """A file of a report the user may see."""
    report = _report(session, user, report_id)
    evidence = session.get(ProgressAttachment, attachment_id)
    if evidence is None or evidence.report_id != report.id:
        raise NotFound(problem("id", "佐证材料不存在", "attachment not found"))
    return evidence
