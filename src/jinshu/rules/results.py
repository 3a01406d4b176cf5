"""Results of an evaluation, documented field by field, and their JSON form (POLICIES.md)."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jinshu.money import ZERO, fmt

ELIGIBLE = "eligible"
NEEDS_REVIEW = "needs_review"
INELIGIBLE = "ineligible"
INFORMATIONAL = "informational"


@dataclass
class StepTrace:
    """One line of the explanation.

    Attributes:
        name: a step, parameter or condition id.
        value: its value as text ("" when it has none).
        text: what it is, Chinese first.
        kind: ``parameter``, ``condition``, ``step``, ``rule`` or ``override`` (not in the JSON).
    """

    name: str
    value: str
    text: str
    kind: str = "step"

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "value": self.value, "text": self.text}


@dataclass
class CapTrace:
    """A cap that cut an amount.

    Attributes:
        id: the cap's id in the policy file.
        label: what it is, in Chinese.
        limit: the cap, yuan.
        used: what history and earlier records had already used of it, yuan.
        cut: how much it took off this result, yuan.
    """

    id: str
    label: str
    limit: Decimal
    used: Decimal
    cut: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "limit": fmt(self.limit),
            "used": fmt(self.used),
            "cut": fmt(self.cut),
        }


@dataclass
class Result:
    """The outcome of one item for one record (or for the applicant-year).

    Attributes:
        item: the item ID.
        clause: the clause number.
        record: the record id, or None for applicant-year and informational items.
        status: eligible, needs_review, ineligible or informational.
        amount: yuan, rounded to 0.01, for eligible results; else None.
        min, max: yuan, for needs_review with a range; None when a fact is missing or no amount.
        reasons: why it is ineligible or needs review, Chinese first.
        missing: the facts (or parameters) a person must supply.
        steps: the explanation, in order.
        caps: the caps that cut the amount.
        split: for clause 1, the province / city / county parts.
        index: the record's position in the case (-1 for applicant rows): payment order.
        row: the evaluated row (facts, parameters, steps), kept for the explanation.
    """

    item: str
    clause: int
    record: str | None
    status: str
    amount: Decimal | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    reasons: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    steps: list[StepTrace] = field(default_factory=list)
    caps: list[CapTrace] = field(default_factory=list)
    split: dict[str, Any] | None = None
    index: int = -1
    row: MutableMapping[str, Any] = field(default_factory=dict, repr=False)

    def refuse(self, reason: str) -> None:
        """Make the result ineligible for ``reason``."""
        self.status = INELIGIBLE
        self.amount = self.min = self.max = None
        self.reasons.append(reason)

    @property
    def has_missing(self) -> bool:
        return self.status == NEEDS_REVIEW and bool(self.missing)

    def value(self) -> Decimal | None:
        """What the result is worth when compared: the amount, or the top of its range."""
        if self.status == ELIGIBLE:
            return self.amount
        if self.status == NEEDS_REVIEW:
            return self.max
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "clause": self.clause,
            "record": self.record,
            "status": self.status,
            "amount": fmt(self.amount),
            "min": fmt(self.min),
            "max": fmt(self.max),
            "reasons": list(self.reasons),
            "missing": list(self.missing),
            "steps": [s.as_dict() for s in self.steps],
            "caps": [c.as_dict() for c in self.caps],
            "split": self.split,
        }


@dataclass
class CaseResult:
    """Everything computed for one case."""

    year: int
    enterprise: str
    document: str | None
    results: list[Result]
    note: str | None = None

    @property
    def total(self) -> Decimal:
        return sum((r.amount or ZERO for r in self.results if r.status == ELIGIBLE), ZERO)

    @property
    def total_max(self) -> Decimal:
        extra = sum(
            (r.max for r in self.results if r.status == NEEDS_REVIEW and r.max is not None), ZERO
        )
        return self.total + extra

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "year": self.year,
            "enterprise": self.enterprise,
            "document": self.document,
            "results": [r.as_dict() for r in self.results],
            "total": fmt(self.total),
            "total_max": fmt(self.total_max),
        }
        if self.note is not None:
            out["note"] = self.note
        return out
