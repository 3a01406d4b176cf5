"""The API's request and response shapes (pydantic), one family per resource.

Money is Decimal and travels as a string in JSON.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: str


class UserPublic(BaseModel):
    username: str
    display_name: str
    role: str
    enterprise_id: str | None
    city: str | None
    department: str | None


class ApplicationCreate(Strict):
    """An enterprise's new application; without ``case`` its registry facts are used."""

    enterprise_id: str = Field(min_length=1, max_length=64)
    item: str = Field(min_length=1, max_length=64)
    year: int = Field(ge=1949, le=2100)
    record_id: str | None = Field(default=None, max_length=64)
    case: dict[str, Any] | None = None


class FactsUpdate(Strict):
    case: dict[str, Any]
    reason: str = Field(default="", max_length=2000)


class ActionIn(Strict):
    note: str = Field(default="", max_length=2000)
    decided_amount: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2)
    today: dt.date | None = None


class ApplicationPublic(BaseModel):
    """An application as its enterprise and its reviewers see it."""

    id: int
    enterprise_id: str
    item: str
    year: int
    record_id: str | None
    state: str
    city: str | None
    department: str
    status: str | None
    amount: Decimal | None
    min_amount: Decimal | None
    max_amount: Decimal | None
    decided_amount: Decimal | None
    decided_reason: str | None
    version: int
    case: dict[str, Any]
    result: dict[str, Any] | None
    model_config = ConfigDict(from_attributes=True)


class ApplicationsPublic(BaseModel):
    data: list[ApplicationPublic]
    count: int


class EventPublic(BaseModel):
    action: str
    from_state: str
    to_state: str
    actor: str
    note: str
    at: dt.datetime
    model_config = ConfigDict(from_attributes=True)


class AwardNotice(BaseModel):
    """The public notice: only these fields, nothing private."""

    award_id: int
    enterprise: str
    item: str
    amount: Decimal
    notice_start: dt.date
    notice_end: dt.date


class ObjectionIn(Strict):
    text: str = Field(min_length=1, max_length=4000)
    contact: str = Field(default="", max_length=200)


class ObjectionResolve(Strict):
    upheld: bool
    note: str = Field(min_length=1, max_length=2000)


class PaymentIn(Strict):
    idempotency_key: str = Field(min_length=1, max_length=128)
    budget_year: int | None = Field(default=None, ge=1949, le=2100)


class LedgerEntryPublic(BaseModel):
    id: int
    part: str
    award_id: int
    enterprise_id: str
    item: str
    year: int
    key: str | None
    amount: Decimal
    budget_id: int
    paid_by: str
    at: dt.datetime
    model_config = ConfigDict(from_attributes=True)


class BudgetIn(Strict):
    fund: str = Field(min_length=1, max_length=100)
    year: int = Field(ge=1949, le=2100)
    level: str = Field(pattern="^(province|city|county)$")
    region: str = Field(default="", max_length=32)
    amount: Decimal = Field(ge=0, max_digits=18, decimal_places=2)


class BudgetPublic(BaseModel):
    id: int
    fund: str
    year: int
    level: str
    region: str
    amount: Decimal
    left: Decimal


class AttachmentPublic(BaseModel):
    id: int
    filename: str
    content_type: str
    sha256: str
    size: int
    uploaded_by: str
    at: dt.datetime
    model_config = ConfigDict(from_attributes=True)


class NoticePeriodIn(Strict):
    """An admin's new notice period, in working days (1 to 30)."""

    days: int


class NoticePeriodPublic(BaseModel):
    """The notice period in force and where it comes from (``policy`` default or ``admin``)."""

    days: int
    source: str
    updated_by: str | None
    updated_at: dt.datetime | None
