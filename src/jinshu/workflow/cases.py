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


def ledger_history(
    session: Session, enterprise_id: str, *, exclude_award: int | None = None
) -> list[dict[str, Any]]:
    """The enterprise's awards paid so far, in the case format's ``history`` entries."""
    totals: dict[tuple[int, str, int, str | None, int | None], Decimal] = {}
    query = select(LedgerEntry).where(LedgerEntry.enterprise_id == enterprise_id)
    for entry in session.scalars(query.order_by(LedgerEntry.id)):
        if exclude_award is not None and entry.award_id == exclude_award:
            continue
        award = (entry.award_id, entry.item, entry.year, entry.key, entry.level)
        totals[award] = totals.get(award, Decimal(0)) + entry.amount
    out = []
    for (_, item, year, key, level), amount in totals.items():
        row: dict[str, Any] = {"item": item, "year": year, "amount": str(amount)}
        if key is not None:
            row["key"] = key
        if level is not None:
            row["level"] = level
        out.append(row)
    return out


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
