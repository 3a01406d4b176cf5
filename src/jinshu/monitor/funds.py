"""Fund use from the money path: committed (recognised awards) and paid (the ledger).

Committed counts awards not cancelled, by the award's year; paid sums the ledger's entries for
awards of that year, so the two columns speak of the same awards.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from jinshu.rules.policyset import PolicySet
from jinshu.store.models import Award, Enterprise, LedgerEntry

UNKNOWN_CITY = "（未填）"


@dataclass
class FundRow:
    key: str
    committed: Decimal
    paid: Decimal
    awards: int


def fund_use(
    session: Session, policy: PolicySet, year: int | None = None
) -> dict[str, list[FundRow]]:
    """Committed and paid money by clause and by city (one year, or all years)."""
    clause_of = {i.id: i.clause for i in policy.items.values()}
    query = select(Award.id, Award.item, Award.amount, Award.state, Enterprise.city).join(
        Enterprise, Enterprise.id == Award.enterprise_id
    )
    paid_q = select(LedgerEntry.award_id, LedgerEntry.amount).join(
        Award, Award.id == LedgerEntry.award_id
    )
    if year is not None:
        query = query.where(Award.year == year)
        paid_q = paid_q.where(Award.year == year)
    paid: dict[int, Decimal] = {}
    for award_id, amount in session.execute(paid_q):
        paid[award_id] = paid.get(award_id, Decimal(0)) + amount
    tables: dict[str, dict[str, FundRow]] = {"clause": {}, "city": {}}
    for award_id, item, amount, state, city in session.execute(query):
        if state == "cancelled":
            continue
        for name, key in (
            ("clause", f"第{clause_of.get(item, 0)}条"),
            ("city", city or UNKNOWN_CITY),
        ):
            row = tables[name].setdefault(key, FundRow(key, Decimal(0), Decimal(0), 0))
            row.committed += amount
            row.paid += paid.get(award_id, Decimal(0))
            row.awards += 1
    by_clause = sorted(tables["clause"].values(), key=lambda r: int(r.key[1:-1]))
    by_city = sorted(tables["city"].values(), key=lambda r: -r.committed)
    return {"clause": by_clause, "city": by_city}
