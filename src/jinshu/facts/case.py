"""A validated case: the calculator's input after every check has passed.

Values are typed (Decimal money, ``datetime.date``, bool, int, str); an absent fact is simply not
in the mapping (JSON null means absent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

Value = Decimal | date | bool | int | str


@dataclass(frozen=True)
class Record:
    """One record of the case (a contract, a lease, a certification…).

    Attributes:
        id: unique within the case.
        kind: a record kind of the fact model.
        index: position in the case's ``records`` (the order records are paid in).
        facts: the record's facts, without ``id`` and ``kind``.
    """

    id: str
    kind: str
    index: int
    facts: dict[str, Value]


@dataclass(frozen=True)
class HistoryEntry:
    """An award already granted (ledger or declared; 2017 policy awards included).

    Attributes:
        item: the policy item ID.
        year: the year it was granted for.
        key: what the award was about (type, track, threshold, project_key, person_key, record id).
        level: a certification level, where one applies.
        amount: yuan; zero when not given.
    """

    item: str
    year: int
    key: str | None
    level: int | None
    amount: Decimal


@dataclass(frozen=True)
class Case:
    """A case, validated.

    Attributes:
        year: the performance year assessed.
        enterprise: the applicant's facts (``kinds`` apart).
        kinds: the applicant's kinds.
        years: yearly figures by year.
        records: the records, in the order given.
        history: awards already granted.
        parameters: what-if overrides: a Decimal, a string, or a {year: Decimal} table.
    """

    year: int
    enterprise: dict[str, Value]
    kinds: frozenset[str]
    years: dict[int, dict[str, Value]]
    records: tuple[Record, ...]
    history: tuple[HistoryEntry, ...]
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def enterprise_id(self) -> str:
        return str(self.enterprise.get("id", ""))
