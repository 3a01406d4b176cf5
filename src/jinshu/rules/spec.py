"""The policy file format, as pydantic models (the edge where YAML comes in).

A clause file reads like the law: ``clause``, ``title``, the Chinese ``text`` word for word,
``rulings``, ``parameters``, ``items``, ``tests``. Expressions are SQL strings; they are parsed and
checked later by :mod:`jinshu.rules.check`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParameterSpec(Strict):
    """A parameter: dated values, each from the date it starts to apply (a dated null repeals)."""

    description: str
    unit: Literal["yuan", "ratio", "m2", "year", "day", "text", "level", "yuan_per_kwh", "count"]
    reference: str
    values: dict[dt.date, Any] = Field(default_factory=dict)
    yearly: bool = False  # a table by year (e.g. the social average salary of each year)
    note: str | None = None


class RulingSpec(Strict):
    """A product ruling on ambiguous text, shown to users beside the clause it interprets."""

    id: str
    zh: str
    text: str
    source: str = "POLICIES.md"


class ConditionSpec(Strict):
    id: str
    sql: str
    reason: str  # Chinese, shown when the condition fails
    reason_en: str = ""


class ReviewSpec(Strict):
    """When ``sql`` holds, a person must decide: the result becomes needs_review with ``note``."""

    sql: str
    note: str
    note_en: str = ""


class StepSpec(Strict):
    id: str
    sql: str
    label: str


class AggregateSpec(Strict):
    """A figure over all of the applicant's rows of one record kind, or over its history."""

    of: str  # a record kind, or "history"
    fn: Literal["sum", "min", "max", "count"]
    expr: str = "1"
    where: str | None = None
    item: str | None = None  # for history: the item whose awards are read


class PayoutSpec(Strict):
    kind: Literal["fixed", "ceiling", "range", "review", "info", "first_reaching", "upgrade"]
    amount: str | None = None  # fixed: the step that pays
    min: str | None = None  # range: the step (or parameter) giving the minimum
    max: str | None = None  # ceiling/range: the step giving the maximum
    zero_reason: str | None = None  # fixed: why an amount of 0 is ineligible
    # first_reaching: the yearly figure and [threshold parameter, reward parameter] pairs
    figure: str | None = None
    thresholds: list[tuple[str, str]] = Field(default_factory=list)
    # upgrade: the track (an SQL expression over the record) and level -> reward parameter
    track: str | None = None
    levels: dict[int, str] = Field(default_factory=dict)
    higher_is_better: bool = True


class OneTimeSpec(Strict):
    key: str  # "applicant", "record", or a fact of the record (type, project_key…)
    # any earlier record with the key (by date, then order) blocks, even one itself ineligible
    any_earlier: bool = False


class CapSpec(Strict):
    id: str
    per: str  # "applicant", "record", or a fact of the record naming the group
    period: Literal["year", "all"]
    limit: str  # a parameter or a step
    label: str


class AtMostYearsSpec(Strict):
    years: str  # a parameter


class SplitSpec(Strict):
    province: str
    city: str


class ItemSpec(Strict):
    title: str
    grain: str  # a record kind, "applicant" (applicant-year) or "info"
    where: str | None = None  # which records of the kind this item takes
    applies: str | None = None  # applicant-year: when the row is listed at all
    combine: Literal["each", "first"] = "each"  # "first": one result on the first record
    department: str = "省工信厅"
    fund: str = "促进大数据发展应用专项资金"
    rulings: list[str] = Field(default_factory=list)
    aggregates: dict[str, AggregateSpec] = Field(default_factory=dict)
    steps: list[StepSpec] = Field(default_factory=list)
    conditions: list[ConditionSpec] = Field(default_factory=list)
    reviews: list[ReviewSpec] = Field(default_factory=list)
    payout: PayoutSpec
    one_time: OneTimeSpec | None = None
    once_per_year: OneTimeSpec | None = None
    at_most_years: AtMostYearsSpec | None = None
    caps: list[CapSpec] = Field(default_factory=list)
    split: SplitSpec | None = None
    text: str | None = None  # for informational items: what the measure is


class TestExpectResult(Strict):
    item: str
    record: str | None = None
    status: str | None = None
    amount: str | None = None
    min: str | None = None
    max: str | None = None
    missing_contains: str | None = None
    absent: bool = False
    model_config = ConfigDict(extra="forbid", frozen=True)


class TestExpect(Strict):
    results: list[dict[str, Any]] = Field(default_factory=list)
    total: str | None = None
    total_max: str | None = None


class TestSpec(Strict):
    name: str
    case: dict[str, Any]
    expect: TestExpect


class ClauseSpec(Strict):
    clause: int
    title: str
    text: str
    rulings: list[RulingSpec] = Field(default_factory=list)
    parameters: dict[str, ParameterSpec] = Field(default_factory=dict)
    items: dict[str, ItemSpec]
    tests: list[TestSpec] = Field(default_factory=list)


class CrossItemSpec(Strict):
    """A rule across items: one project one award, or items that never pay one applicant-year twice."""

    id: str
    items: list[str]
    key: str  # "project_key" or "year"
    keep: Literal["highest", "first_item"]
    switch: str | None = None  # a parameter that turns the rule on ("on") or off
    label: str


class DocumentSpec(Strict):
    id: str
    title: str
    number: str
    issuer: str
    issued: dt.date
    effective_from: dt.date
    effective_to: dt.date | None = None
    replaces: str
    date_note: str
    version: str
    parameters: dict[str, ParameterSpec] = Field(default_factory=dict)
    rulings: list[RulingSpec] = Field(default_factory=list)
    cross_item: list[CrossItemSpec] = Field(default_factory=list)
