"""Cases for the calculator from what the database holds: registry facts plus ledger history.

Every later calculation for an enterprise takes its ``history`` from the ledger, so one-time
awards, first-time thresholds, upgrades and multi-year limits hold across applications.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jinshu.store.models import Enterprise, LedgerEntry


def json_safe(value: Any) -> Any:
    """A value as JSON can hold it (decimals and dates as strings)."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def _history_entries(entries: Iterable[LedgerEntry]) -> dict[str, list[dict[str, Any]]]:
    """Ledger entries (parts of one award summed) as ``history`` entries, by enterprise."""
    totals: dict[tuple[str, int, str, int, str | None, int | None], Decimal] = {}
    for e in entries:
        award = (e.enterprise_id, e.award_id, e.item, e.year, e.key, e.level)
        totals[award] = totals.get(award, Decimal(0)) + e.amount
    out: dict[str, list[dict[str, Any]]] = {}
    for (eid, _, item, year, key, level), amount in totals.items():
        row: dict[str, Any] = {"item": item, "year": year, "amount": str(amount)}
        if key is not None:
            row["key"] = key
        if level is not None:
            row["level"] = level
        out.setdefault(eid, []).append(row)
    return out


def ledger_history(
    session: Session, enterprise_id: str, *, exclude_award: int | None = None
) -> list[dict[str, Any]]:
    """The enterprise's awards paid so far, in the case format's ``history`` entries."""
    query = select(LedgerEntry).where(LedgerEntry.enterprise_id == enterprise_id)
    if exclude_award is not None:
        query = query.where(LedgerEntry.award_id != exclude_award)
    entries = session.scalars(query.order_by(LedgerEntry.id))
    return _history_entries(entries).get(enterprise_id, [])


def ledger_histories(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Every enterprise's paid awards as ``history`` entries (one query)."""
    return _history_entries(session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)))


def registry_case(
    enterprise: Enterprise, year: int, record_ids: Iterable[str] | None = None
) -> dict[str, Any]:
    """A case of the enterprise as registered (all its records, or the named ones)."""
    wanted = None if record_ids is None else set(record_ids)
    records = [
        {"id": r.record_id, "kind": r.kind, **r.facts}
        for r in enterprise.records
        if wanted is None or r.record_id in wanted
    ]
    return {
        "year": year,
        "enterprise": {"id": enterprise.id, "name": enterprise.name, **enterprise.facts},
        "years": {str(y.year): y.figures for y in enterprise.years},
        "records": records,
    }
