"""The loaded, checked and compiled policy set: what every backend evaluates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlglot import exp

from jinshu.rules.pycompile import Fn
from jinshu.rules.spec import (
    ClauseSpec,
    CrossItemSpec,
    DocumentSpec,
    ItemSpec,
    ParameterSpec,
    RulingSpec,
)


@dataclass(frozen=True)
class Expr:
    """A checked expression: its text, its sqlglot tree, its Python form and the names it reads."""

    sql: str
    tree: exp.Expression
    fn: Fn
    names: tuple[str, ...]


@dataclass(frozen=True)
class Parameter:
    """A dated parameter.

    Attributes:
        name: its snake_case name, unique in the document.
        spec: description, unit, reference and dated values as written.
        clause: the clause that defines it (None: the document).
    """

    name: str
    spec: ParameterSpec
    clause: int | None

    @property
    def kind(self) -> str:
        """How a case may override it: ``number``, ``text`` or ``yearly``."""
        if self.spec.yearly:
            return "yearly"
        return "text" if self.spec.unit == "text" else "number"

    def value_on(self, day: dt.date) -> Any:
        """The value in force on ``day`` (None before the first date or after a repeal)."""
        value: Any = None
        for start in sorted(self.spec.values):
            if start <= day:
                value = self.spec.values[start]
        if value is None:
            return None
        if self.spec.yearly:
            return {int(y): Decimal(str(v)) for y, v in dict(value).items()}
        if self.kind == "text":
            return str(value)
        return Decimal(str(value))

    def value_for_year(self, year: int) -> Any:
        """The value that applies to performance year ``year`` (in force at its end)."""
        value = self.value_on(dt.date(year, 12, 31))
        if self.spec.yearly:
            return None if value is None else value.get(year)
        return value


@dataclass(frozen=True)
class Aggregate:
    name: str
    of: str
    fn: str
    expr: Expr
    where: Expr | None
    item: str | None


@dataclass(frozen=True)
class Step:
    id: str
    label: str
    expr: Expr


@dataclass(frozen=True)
class Condition:
    id: str
    reason: str
    reason_en: str
    expr: Expr


@dataclass(frozen=True)
class Review:
    note: str
    note_en: str
    expr: Expr


@dataclass(frozen=True)
class Item:
    """One policy item, compiled.

    Attributes:
        id: catalogue ID (``p15_bid``).
        clause: the clause number.
        spec: the item as written.
        where: which records of the grain's kind the item takes (None: all).
        applies: for applicant-year items, when the row is listed at all.
        parameters: the parameters its expressions read, in order.
        rulings: the rulings that apply to it (clause's and document's).
    """

    id: str
    clause: int
    spec: ItemSpec
    where: Expr | None
    applies: Expr | None
    aggregates: tuple[Aggregate, ...]
    steps: tuple[Step, ...]
    conditions: tuple[Condition, ...]
    reviews: tuple[Review, ...]
    track: Expr | None
    parameters: tuple[str, ...]
    rulings: tuple[RulingSpec, ...]

    @property
    def grain(self) -> str:
        return self.spec.grain

    @property
    def title(self) -> str:
        return self.spec.title

    @property
    def is_record_item(self) -> bool:
        return self.grain not in ("applicant", "info")


@dataclass(frozen=True)
class PolicySet:
    """A document's policies: the unit every evaluation is run against."""

    path: Path
    document: DocumentSpec
    clauses: tuple[ClauseSpec, ...]
    items: dict[str, Item]
    parameters: dict[str, Parameter]
    cross_item: tuple[CrossItemSpec, ...]
    files: dict[int, Path] = field(default_factory=dict)
    _by_year: dict[int, dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)

    def in_force(self, year: int) -> bool:
        """Whether the document is in force at some time in ``year``."""
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        doc = self.document
        return doc.effective_from <= end and (doc.effective_to is None or doc.effective_to >= start)

    def clause(self, number: int) -> ClauseSpec:
        return next(c for c in self.clauses if c.clause == number)

    def parameter_kinds(self) -> dict[str, str]:
        return {name: p.kind for name, p in self.parameters.items()}

    def parameters_for_year(self, year: int) -> dict[str, Any]:
        """Every parameter's official value for performance year ``year`` (computed once)."""
        values = self._by_year.get(year)
        if values is None:
            values = {n: p.value_for_year(year) for n, p in self.parameters.items()}
            self._by_year[year] = values
        return values
