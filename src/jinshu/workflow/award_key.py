"""What an award was about, as ``history[].key`` and ``level`` record it (POLICIES.md).

The key follows the item's own rules: its one-time key (type, project, platform, record), its
per-person or per-group cap key, the certification track and level, or the revenue threshold
first reached; otherwise the record id, or the year for an applicant-year item.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from jinshu.rules.policyset import Item
from jinshu.rules.results import Result


def award_key(item: Item, result: Result, year: int) -> tuple[str | None, int | None]:
    spec, row = item.spec, result.row
    if spec.payout.kind == "upgrade":
        level = row.get("level")
        return str(row.get("scheme")), level if isinstance(level, int) else None
    if spec.payout.kind == "first_reaching":
        reached = []
        for step in result.steps:
            if step.name.startswith("threshold_") and step.value not in ("否", ""):
                try:
                    reached.append(Decimal(step.name.removeprefix("threshold_")))
                except InvalidOperation:
                    continue
        return (str(int(max(reached))) if reached else None), None
    for rule in (spec.one_time, spec.once_per_year):
        if rule is not None and rule.key not in ("applicant",):
            return (result.record if rule.key == "record" else str(row.get(rule.key))), None
    for cap in spec.caps:
        if cap.per not in ("applicant", "record"):
            return str(row.get(cap.per)), None
    if result.record is not None:
        return result.record, None
    return str(year), None
