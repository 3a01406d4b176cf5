"""The database tables, as SQLAlchemy 2 models.

Money is ``NUMERIC(20, 2)`` (Decimal in Python, never float). Facts keep the case format of
POLICIES.md as JSON (decimals as strings), so an application can always be replayed through the
calculator exactly as it was submitted. The ledger and the audit log are append-only: the models
refuse updates and deletes, and PostgreSQL triggers refuse them too (see the migration).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    func,
    inspect,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

MONEY = Numeric(20, 2, asdecimal=True)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is always timezone-aware UTC (SQLite stores it without the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        Decimal: MONEY,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Enterprise(Base):
    """An applicant of the registry, with the facts of the case format."""

    __tablename__ = "enterprises"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    city: Mapped[str | None] = mapped_column(String(32), index=True)
    county: Mapped[str | None] = mapped_column(String(32))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    years: Mapped[list[EnterpriseYear]] = relationship(cascade="all, delete-orphan")
    records: Mapped[list[EnterpriseRecord]] = relationship(cascade="all, delete-orphan")


class EnterpriseYear(Base):
    __tablename__ = "enterprise_years"
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class EnterpriseRecord(Base):
    __tablename__ = "enterprise_records"
    __table_args__ = (UniqueConstraint("enterprise_id", "record_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    record_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(48))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class User(Base):
    """A person who signs in, with one role and its scope (enterprise, city or department)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(ForeignKey("enterprises.id"))
    city: Mapped[str | None] = mapped_column(String(32))
    department: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked: Mapped[bool] = mapped_column(default=False)


class Application(Base):
    """An enterprise's application for one policy item and year."""

    __tablename__ = "applications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    item: Mapped[str] = mapped_column(String(64), index=True)
    year: Mapped[int] = mapped_column(Integer)
    record_id: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32), index=True)
    city: Mapped[str | None] = mapped_column(String(32), index=True)
    department: Mapped[str] = mapped_column(String(64), index=True)
    case: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str | None] = mapped_column(String(32))
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    min_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    max_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    decided_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    decided_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    events: Mapped[list[ApplicationEvent]] = relationship(order_by="ApplicationEvent.id")
    versions: Mapped[list[ApplicationVersion]] = relationship(order_by="ApplicationVersion.version")


class ApplicationVersion(Base):
    """Every version of an application's facts and result (corrections keep both)."""

    __tablename__ = "application_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    case: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApplicationEvent(Base):
    __tablename__ = "application_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Attachment(Base):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Award(Base):
    """A recognised award: published for notice, then paid."""

    __tablename__ = "awards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    item: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    key: Mapped[str | None] = mapped_column(String(128))
    level: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    fund: Mapped[str] = mapped_column(String(100))
    notice_start: Mapped[dt.date] = mapped_column()
    notice_end: Mapped[dt.date] = mapped_column()
    state: Mapped[str] = mapped_column(String(32))


class Objection(Base):
    __tablename__ = "objections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(64))


class Budget(Base):
    """A yearly budget line of one fund at one government level (and region)."""

    __tablename__ = "budgets"
    __table_args__ = (UniqueConstraint("fund", "year", "level", "region"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fund: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))  # province, city, county
    region: Mapped[str] = mapped_column(String(32), default="")  # "" for the province
    amount: Mapped[Decimal] = mapped_column(MONEY)


class LedgerEntry(Base):
    """One payment (or one level's part of one): append-only."""

    __tablename__ = "ledger"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    part: Mapped[str] = mapped_column(String(16), default="whole")
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id"), index=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    item: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    key: Mapped[str | None] = mapped_column(String(128))
    level: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id"), index=True)
    paid_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    __table_args__ = (UniqueConstraint("idempotency_key", "part"),)


class AuditEntry(Base):
    """One line of the hash-chained audit log: append-only."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Setting(Base):
    """A value an admin changes at run time (the notice period), with who set it and when.

    A key with no row takes its default from the policy document.
    """

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MatchRun(Base):
    """One run of proactive matching (免申即享) over the registry for a year."""

    __tablename__ = "match_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    enterprises: Mapped[int] = mapped_column(Integer, default=0)
    matches: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Match(Base):
    """An award an enterprise qualifies for and has not applied for, with what it rests on."""

    __tablename__ = "matches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_runs.id"), index=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    item: Mapped[str] = mapped_column(String(64), index=True)
    department: Mapped[str] = mapped_column(String(64), index=True)
    year: Mapped[int] = mapped_column(Integer)
    record_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    min_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    max_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    missing: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(32), default="registry")
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))


QUANTITY = Numeric(24, 6, asdecimal=True)


class IndicatorValue(Base):
    """One value of a monitoring data item for a city (or the province) and year, one revision.

    A re-import that changes a value adds a revision; the latest revision is the current value,
    and the earlier ones stay for the record.
    """

    __tablename__ = "indicator_values"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    area: Mapped[str] = mapped_column(String(6), index=True)
    item: Mapped[str] = mapped_column(String(64), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    value: Mapped[Decimal] = mapped_column(QUANTITY)
    unit: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(300))
    source_date: Mapped[dt.date | None] = mapped_column(Date)
    imputed: Mapped[bool] = mapped_column(Boolean, default=False)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    import_id: Mapped[str] = mapped_column(String(36))
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    __table_args__ = (UniqueConstraint("area", "item", "year", "revision"),)


class IndexWeight(Base):
    """An edited weight of a pillar or an indicator (the framework's weight applies otherwise)."""

    __tablename__ = "index_weights"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # pillar | indicator
    weight: Mapped[Decimal] = mapped_column(Numeric(12, 4, asdecimal=True))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


# --- Supervision of the key tasks (督查): see jinshu.supervise -------------------------------


class SupervisionTask(Base):
    """A task of the text with its responsible units, loaded from the task registry."""

    __tablename__ = "supervision_tasks"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # 4.1.1: section.area.order
    section: Mapped[int] = mapped_column(Integer)
    area: Mapped[int] = mapped_column(Integer)
    area_key: Mapped[str | None] = mapped_column(String(8))
    area_title: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    lead_unit: Mapped[str] = mapped_column(String(64), index=True)
    co_units: Mapped[list[Any]] = mapped_column(JSON, default=list)
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlanItem(Base):
    """An item of a year's action plan (年度行动计划) under a task: a deadline and its units."""

    __tablename__ = "plan_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("supervision_tasks.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    deadline: Mapped[dt.date] = mapped_column()
    lead_unit: Mapped[str] = mapped_column(String(64), index=True)
    co_units: Mapped[list[Any]] = mapped_column(JSON, default=list)
    expected_output: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    reports: Mapped[list[ProgressReport]] = relationship(
        order_by="(ProgressReport.reported_on, ProgressReport.id)"
    )


class ProgressReport(Base):
    """A unit's report on a plan item: append-only, like the ledger."""

    __tablename__ = "progress_reports"
    __table_args__ = (
        CheckConstraint("percent >= 0 AND percent <= 100", name="ck_progress_reports_percent"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_item_id: Mapped[int] = mapped_column(ForeignKey("plan_items.id"), index=True)
    unit: Mapped[str] = mapped_column(String(64), index=True)
    reported_on: Mapped[dt.date] = mapped_column()
    percent: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    reported_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attachments: Mapped[list[ProgressAttachment]] = relationship(order_by="ProgressAttachment.id")


class ProgressAttachment(Base):
    """Evidence of a progress report, stored with its SHA-256: append-only."""

    __tablename__ = "progress_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_reports.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


def _append_only(mapper: Any, connection: Any, target: Any) -> None:
    raise PermissionError(f"{type(target).__tablename__} is append-only")


for _model in (LedgerEntry, AuditEntry):
    event.listen(_model, "before_update", _append_only)
    event.listen(_model, "before_delete", _append_only)


def _columns_unchanged(mapper: Any, connection: Any, target: Any) -> None:
    """Refuse a changed column; a new related row (evidence of a report) changes no column."""
    state = inspect(target)
    if any(state.attrs[a.key].history.has_changes() for a in mapper.column_attrs):
        _append_only(mapper, connection, target)


for _appended in (ProgressReport, ProgressAttachment):
    event.listen(_appended, "before_update", _columns_unchanged)
    event.listen(_appended, "before_delete", _append_only)

__all__ = ["Base", "func"]
