"""The per-unit assessment summary of a plan year (年度考核): how each unit's items stand.

Each item counts once for its lead unit (``as_lead``) and once for each co-unit (``as_co``). The
four states add up to the total; ``stale`` counts the items, among those not completed, that
have had no report for too long.

    >>> import datetime as dt
    >>> from jinshu.supervise.flags import ItemStatus
    >>> done = ItemStatus("on_time", 100, dt.date(2024, 6, 1), dt.date(2024, 6, 1), None, False)
    >>> rows = summarize([("省工信厅", ("省科技厅",), done)])
    >>> [(r.unit, r.as_lead.on_time, r.as_co.on_time) for r in rows]
    [('省工信厅', 1, 0), ('省科技厅', 0, 1)]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from jinshu.store.models import PlanItem
from jinshu.supervise.flags import STATES, ItemStatus


@dataclass
class Counts:
    """Items by state (they add up to ``total``) and the stale ones among those not completed."""

    on_time: int = 0
    late: int = 0
    overdue: int = 0
    in_progress: int = 0
    stale: int = 0

    @property
    def total(self) -> int:
        return self.on_time + self.late + self.overdue + self.in_progress

    def add(self, status: ItemStatus) -> None:
        setattr(self, status.state, getattr(self, status.state) + 1)
        self.stale += int(status.stale)

    def as_dict(self) -> dict[str, int]:
        return {**{s: getattr(self, s) for s in STATES}, "stale": self.stale, "total": self.total}


@dataclass
class UnitSummary:
    """One unit's items of the year, as lead and as co-unit."""

    unit: str
    as_lead: Counts = field(default_factory=Counts)
    as_co: Counts = field(default_factory=Counts)


def summarize(
    rows: Iterable[tuple[str, Sequence[str], ItemStatus]], order: Sequence[str] = ()
) -> list[UnitSummary]:
    """Per-unit counts from ``(lead unit, co-units, status)`` of each item.

    Units come in the order of ``order`` (the registry's), then any other by name.
    """
    units: dict[str, UnitSummary] = {}
    for lead, co_units, status in rows:
        units.setdefault(lead, UnitSummary(lead)).as_lead.add(status)
        for unit in co_units:
            units.setdefault(unit, UnitSummary(unit)).as_co.add(status)
    rank = {u: i for i, u in enumerate(order)}
    return sorted(units.values(), key=lambda u: (rank.get(u.unit, len(rank)), u.unit))


def totals(rows: Iterable[ItemStatus]) -> Counts:
    """All items of the year together (each once)."""
    counts = Counts()
    for status in rows:
        counts.add(status)
    return counts


@dataclass
class Assessment:
    """A plan year on the as-of date: totals, units, and every item with its state."""

    year: int
    as_of: dt.date
    stale_days: int
    total: Counts
    units: list[UnitSummary]
    items: list[tuple[PlanItem, ItemStatus]]


def default_as_of(year: int, today: dt.date | None = None) -> dt.date:
    """The yearly assessment looks at 31 December of its year, or today while the year runs.

    >>> default_as_of(2024, dt.date(2026, 11, 26)), default_as_of(2026, dt.date(2026, 11, 26))
    (datetime.date(2024, 12, 31), datetime.date(2026, 11, 26))
    """
    return min(today or dt.date.today(), dt.date(year, 12, 31))


def assess_year(
    session: Session, *, year: int, as_of: dt.date, stale_days: int, unit: str | None = None
) -> Assessment:
    """The summary of ``year``'s items on ``as_of``; with ``unit``, only that unit's items."""
    from jinshu.supervise.plans import plan_items, status_of
    from jinshu.supervise.registry import unit_names

    items = [
        (i, status_of(i, as_of=as_of, stale_days=stale_days))
        for i in plan_items(session, year=year, unit=unit)
    ]
    rows = summarize(((i.lead_unit, i.co_units, s) for i, s in items), unit_names())
    if unit:
        rows = [r for r in rows if r.unit == unit]
    return Assessment(year, as_of, stale_days, totals(s for _, s in items), rows, items)
