"""Reporting progress (SQLite and PostgreSQL): who may report, the rules of a report, evidence
with its SHA-256, audit entries, and reports that cannot be changed."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from jinshu.errors import InputError, NotFound, WorkflowError
from jinshu.store.db import transaction
from jinshu.store.models import AuditEntry, ProgressAttachment, ProgressReport
from jinshu.supervise.plans import get_plan_item, status_of
from jinshu.supervise.progress import add_evidence, get_evidence, report_progress
from jinshu.supervise.schemas import ReportIn
from jinshu.workflow.audit import verify_chain
from tests.supervise.helpers import item, report, user

D = dt.date


def _reports(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as s:
        return int(s.scalar(select(func.count()).select_from(ProgressReport)) or 0)


def test_lead_and_co_unit_report_and_the_state_follows(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        made = item(s, lead="省通信管理局", co_units=("省工信厅",))
        report(s, "tel", made.id, D(2024, 3, 1), 40)
        report(s, "miit", made.id, D(2024, 6, 30), 100)  # a co-unit, on the deadline day
        item_id = made.id
    with transaction(factory) as s:
        found = get_plan_item(s, user=user(s, "analyst"), item_id=item_id)
        assert [(r.unit, r.reported_by) for r in found.reports] == [
            ("省通信管理局", "tel"),
            ("省工信厅", "miit"),
        ]
        assert status_of(found, as_of=D(2024, 12, 31), stale_days=30).state == "on_time"
        actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
        assert actions[-3:] == ["create_plan_item", "report_progress", "report_progress"]
        assert verify_chain(s) == []


def test_a_unit_cannot_report_on_another_units_item(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        item_id = item(s, lead="省工信厅").id
    with pytest.raises(NotFound), transaction(factory) as s:
        report(s, "tel", item_id, D(2024, 3, 1), 10)  # 省通信管理局 is not on the item
    with pytest.raises(WorkflowError) as caught, transaction(factory) as s:
        report(s, "analyst", item_id, D(2024, 3, 1), 10)  # sees it, reports for no unit
    assert caught.value.entries[0].location == "role"
    assert _reports(factory) == 0


@pytest.mark.parametrize(
    ("day", "percent", "reason", "field"),
    [
        (D(2024, 2, 28), 60, "", "reported_on"),  # before the last report
        (D(2024, 4, 1), 40, "", "reason"),  # lower than 50% without a reason
        (D(2023, 12, 31), 60, "", "reported_on"),  # before the plan year
        (D(2024, 5, 2), 60, "", "reported_on"),  # after "today" (1 May)
    ],
)
def test_a_report_breaking_a_rule_names_the_field_and_writes_nothing(
    factory: sessionmaker[Session], day: dt.date, percent: int, reason: str, field: str
) -> None:
    with transaction(factory) as s:
        item_id = item(s).id
        report(s, "miit", item_id, D(2024, 3, 1), 50)
    with pytest.raises(InputError) as caught, transaction(factory) as s:
        data = ReportIn(reported_on=day, percent=percent, text="进展", reason=reason)
        report_progress(s, user=user(s, "miit"), item_id=item_id, data=data, today=D(2024, 5, 1))
    assert caught.value.entries[0].location == field
    assert _reports(factory) == 1


def test_a_lower_percent_with_a_reason_is_kept(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        made = item(s)
        report(s, "miit", made.id, D(2024, 3, 1), 50)
        report(s, "miit", made.id, D(2024, 3, 1), 30, reason="重新核定口径")  # same day is fine
        assert [r.percent for r in made.reports] == [50, 30]
        assert made.reports[-1].reason == "重新核定口径"


def test_evidence_is_stored_with_its_sha256_by_the_reporting_unit_only(
    factory: sessionmaker[Session],
) -> None:
    content = "验收报告".encode()
    with transaction(factory) as s:
        made = item(s, co_units=("省科技厅",))
        report(s, "miit", made.id, D(2024, 3, 1), 50)
        report_id = made.reports[0].id
        evidence = add_evidence(
            s, user=user(s, "miit"), report_id=report_id, filename="验收.txt",
            content_type="text/plain", data=content,
        )  # fmt: skip
        assert evidence.sha256 == hashlib.sha256(content).hexdigest() and evidence.size == 12
        with pytest.raises(WorkflowError):  # a co-unit adds nothing to another unit's report
            add_evidence(
                s, user=user(s, "sci"), report_id=report_id, filename="x.txt",
                content_type="text/plain", data=b"x",
            )  # fmt: skip
        with pytest.raises(InputError) as empty:
            add_evidence(
                s, user=user(s, "miit"), report_id=report_id, filename="空.txt",
                content_type="text/plain", data=b"",
            )  # fmt: skip
        assert empty.value.entries[0].location == "file"
        with pytest.raises(NotFound):
            get_evidence(s, user=user(s, "tel"), report_id=report_id, attachment_id=evidence.id)
        got = get_evidence(s, user=user(s, "sci"), report_id=report_id, attachment_id=evidence.id)
        assert got.content == content


def test_reports_and_evidence_cannot_be_changed(
    factory: sessionmaker[Session], db_url: str
) -> None:
    with transaction(factory) as s:
        made = item(s)
        report(s, "miit", made.id, D(2024, 3, 1), 50)
        add_evidence(
            s, user=user(s, "miit"), report_id=made.reports[0].id, filename="a.txt",
            content_type="text/plain", data=b"a",
        )  # fmt: skip
    with pytest.raises(PermissionError), transaction(factory) as s:
        s.scalars(select(ProgressReport)).one().percent = 100
    with pytest.raises(PermissionError), transaction(factory) as s:
        s.delete(s.scalars(select(ProgressAttachment)).one())
    if db_url.startswith("postgresql"):  # refused for every client, not only the ORM
        with pytest.raises(DBAPIError), transaction(factory) as s:
            s.execute(text("UPDATE progress_reports SET percent = 100"))
    with transaction(factory) as s:
        assert s.scalars(select(ProgressReport)).one().percent == 50
