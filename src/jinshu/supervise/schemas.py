"""Shapes of supervision data at the edges (API, web forms, CLI), one family per resource.

The ``…In`` models check everything that needs no database: units must be units of the task
registry, co-units distinct and not the lead, a deadline inside its plan year or the next one.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from jinshu.supervise.registry import unit_names

FIRST_YEAR = 2019  # the opinion was issued in 2019
LAST_YEAR = 2100


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _known(unit: str) -> str:
    if unit not in unit_names():
        raise ValueError(f"未知责任单位「{unit}」，须为任务清单中的单位 (unknown unit)")
    return unit


def check_deadline(year: int, deadline: dt.date) -> None:
    if not dt.date(year, 1, 1) <= deadline <= dt.date(year + 1, 12, 31):
        raise ValueError(
            f"完成时限须在 {year}-01-01 至 {year + 1}-12-31 之间 (the deadline must be from "
            f"{year}-01-01 to {year + 1}-12-31)"
        )


# The admin's new action-plan item.
class PlanItemIn(_Strict):
    task_id: str = Field(min_length=1, max_length=16, description="任务编号，如 4.1.1")
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR, description="计划年度")
    title: str = Field(min_length=1, max_length=200, description="事项名称")
    deadline: dt.date = Field(description="完成时限（当天仍算按期）")
    lead_unit: str = Field(min_length=1, max_length=64, description="牵头单位")
    co_units: list[str] = Field(default_factory=list, max_length=30, description="配合单位")
    expected_output: str = Field(default="", max_length=2000, description="预期成果")

    @field_validator("lead_unit")
    @classmethod
    def _lead_known(cls, value: str) -> str:
        return _known(value)

    @field_validator("co_units")
    @classmethod
    def _co_known(cls, value: list[str], info: ValidationInfo) -> list[str]:
        units = [u.strip() for u in value if u.strip()]
        for unit in units:
            _known(unit)
        if len(set(units)) != len(units):
            raise ValueError("配合单位有重复 (duplicate co-units)")
        lead = info.data.get("lead_unit")
        if lead in units:
            raise ValueError(f"牵头单位「{lead}」不能同时是配合单位 (lead as co-unit)")
        return units

    @field_validator("deadline")
    @classmethod
    def _in_plan_years(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        year = info.data.get("year")
        if year is not None:
            check_deadline(year, value)
        return value


# The admin's change to an item: only the fields given change (task and year stay).
class PlanItemUpdate(_Strict):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    deadline: dt.date | None = None
    lead_unit: str | None = Field(default=None, min_length=1, max_length=64)
    co_units: list[str] | None = Field(default=None, max_length=30)
    expected_output: str | None = Field(default=None, max_length=2000)


# A unit's progress report.
class ReportIn(_Strict):
    reported_on: dt.date = Field(description="报送日期（不晚于今天，不早于上次报送）")
    percent: int = Field(ge=0, le=100, description="完成进度（%）")
    text: str = Field(min_length=1, max_length=4000, description="进展情况")
    reason: str = Field(default="", max_length=2000, description="进度低于上次报送时须说明理由")


class TaskPublic(BaseModel):
    """A task of the registry."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    section: int
    area: int
    area_key: str | None
    area_title: str
    position: int
    title: str
    text: str
    lead_unit: str
    co_units: list[str]


class TasksPublic(BaseModel):
    data: list[TaskPublic]
    count: int


class EvidencePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    report_id: int
    filename: str
    content_type: str
    sha256: str
    size: int
    uploaded_by: str


class ReportPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    plan_item_id: int
    unit: str
    reported_on: dt.date
    percent: int
    text: str
    reason: str
    reported_by: str
    attachments: list[EvidencePublic]


class StatusPublic(BaseModel):
    """Where an item stands on the as-of date (see jinshu.supervise.flags)."""

    state: str = Field(description="on_time / late / overdue / in_progress")
    state_zh: str
    percent: int
    completed_on: dt.date | None
    last_report_on: dt.date | None
    quiet_days: int | None
    stale: bool


class PlanItemPublic(BaseModel):
    id: int
    year: int
    task_id: str
    title: str
    deadline: dt.date
    lead_unit: str
    co_units: list[str]
    expected_output: str
    status: StatusPublic


class PlanItemsPublic(BaseModel):
    data: list[PlanItemPublic]
    count: int
    as_of: dt.date
    stale_days: int


class TaskDetail(TaskPublic):
    """A task with the plan items the asker may see."""

    plan_items: list[PlanItemPublic]


class CountsPublic(BaseModel):
    on_time: int
    late: int
    overdue: int
    in_progress: int
    stale: int
    total: int


class UnitSummaryPublic(BaseModel):
    unit: str
    as_lead: CountsPublic
    as_co: CountsPublic


class AssessmentPublic(BaseModel):
    """A plan year's items by unit on the as-of date."""

    year: int
    as_of: dt.date
    stale_days: int
    total: CountsPublic
    units: list[UnitSummaryPublic]


class UnitPublic(BaseModel):
    unit: str
    lead_tasks: list[str]
    co_tasks: list[str]


class LoadReportPublic(BaseModel):
    added: list[str]
    updated: list[str]
    unchanged: int
    not_in_registry: list[str]
