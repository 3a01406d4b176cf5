"""Caps per record, per group (project, person, platform, base) and per applicant per year.

Group and annual caps count what ``history`` already paid in that group or year; where a cap binds
across records, records are paid in the order given. Example (clause 15): three contracts of 1.5M
yuan reward each in 2020 against the 3M yearly cap: the first two are paid in full, the third is
cut to 0 and is ineligible, naming the cap.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from jinshu.facts.case import Case
from jinshu.money import ZERO, fmt, round_fen
from jinshu.rules.results import ELIGIBLE, NEEDS_REVIEW, CapTrace, Result
from jinshu.rules.spec import CapSpec


def _group(spec: CapSpec, res: Result) -> str:
    if spec.per == "applicant":
        return "*"
    if spec.per == "record":
        return str(res.record)
    return str(res.row.get(spec.per))


def _history_used(item_id: str, spec: CapSpec, group: str, case: Case) -> Decimal:
    total = ZERO
    for h in case.history:
        if h.item != item_id:
            continue
        if spec.period == "year" and h.year != case.year:
            continue
        if group != "*" and h.key != group:
            continue
        total += h.amount
    return total


def apply_caps(item_id: str, caps: list[CapSpec], results: list[Result], case: Case) -> None:
    """Cut each payable result by each cap in turn, in record order."""
    for spec in caps:
        used_in_case: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for res in sorted(results, key=lambda r: r.index):
            value = res.value()
            if value is None or res.status not in (ELIGIBLE, NEEDS_REVIEW):
                continue
            limit = res.row.get(spec.limit)
            if limit is None:
                continue
            group = _group(spec, res)
            used = _history_used(item_id, spec, group, case) + used_in_case[group]
            room = max(ZERO, limit - used)
            if value > room:
                res.caps.append(CapTrace(spec.id, spec.label, limit, used, value - room))
                value = round_fen(room)
                if res.status == ELIGIBLE:
                    res.amount = value
                else:
                    res.max = value
                    if res.min is not None and res.min > value:
                        res.min = value
                if value == ZERO:
                    res.refuse(
                        f"{spec.label}（{fmt(limit)}元）已用完：已用{fmt(used)}元 (cap used up)"
                    )
                    continue
            used_in_case[group] += value
