"""First time reaching a revenue threshold.

Threshold T is first reached in year Y when revenue(Y) >= T and no earlier year reached it. Earlier
years come from ``years``, from the attested ``max_main_revenue_before``, and from ``history``
(key = the threshold). When ``years[Y-1]`` is given, years not given are taken as not reaching T;
an applicant founded in Y needs no earlier year; otherwise, unless a given earlier year already
reached every threshold reached in Y (then ineligible), the result needs review with Y-1 missing.
Several thresholds first reached in one year pay only the highest (就高不重复), unless
``thresholds_in_one_year`` is ``each``.

Example (clause 12, big-data firm): main revenue 2.5亿 in 2021, 1.2亿 in 2020: 1亿 was reached in
2020, 2亿 is first reached in 2021: 2,000,000 yuan.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from jinshu.facts.case import Case
from jinshu.money import ZERO, fmt, round_fen
from jinshu.rules.results import INELIGIBLE, NEEDS_REVIEW, Result, StepTrace
from jinshu.rules.spec import PayoutSpec


def _as_decimal(key: str | None) -> Decimal | None:
    try:
        return None if key is None else Decimal(key)
    except InvalidOperation:
        return None


def apply_first_reaching(item_id: str, payout: PayoutSpec, res: Result, case: Case) -> None:
    if res.status == INELIGIBLE:
        return
    y, row = case.year, res.row
    figure = payout.figure or "main_revenue"
    now = row.get(figure)
    if now is None:
        res.status, res.missing = NEEDS_REVIEW, [f"years.{y}.{figure}"]
        res.amount = res.min = res.max = None
        return
    pairs = [(row[t], row[r]) for t, r in payout.thresholds]
    reached = [(t, r) for t, r in pairs if t is not None and now >= t]
    res.steps.append(StepTrace(figure, fmt(now) or "", f"{y}年主营业务收入", "step"))
    if not reached:
        lowest = min(t for t, _ in pairs if t is not None)
        res.refuse(f"主营业务收入{fmt(now)}元未达到{fmt(lowest)}元 (below the lowest threshold)")
        return
    earlier: dict[int, Decimal] = {}
    for yy, figs in case.years.items():
        value = figs.get(figure)
        if yy < y and isinstance(value, Decimal):
            earlier[yy] = value
    before = row.get("max_main_revenue_before")
    hist_keys = {_as_decimal(h.key) for h in case.history if h.item == item_id and h.year <= y}
    founded = row.get("founded")
    complete = (
        (y - 1) in earlier or before is not None or (founded is not None and founded.year == y)
    )

    def reached_before(t: Decimal) -> str | None:
        for yy in sorted(earlier):
            if earlier[yy] >= t:
                return f"{yy}年已达到"
        if before is not None and before >= t:
            return "此前年度最高主营业务收入已达到"
        if t in hist_keys:
            return "已获该档奖励"
        return None

    first = []
    for t, r in reached:
        why = reached_before(t)
        label = f"门槛{fmt(t)}元"
        if why:
            res.steps.append(StepTrace(f"threshold_{t}", "否", f"{label}：{why}，非首次", "rule"))
        else:
            first.append((t, r))
    if not first:
        res.refuse("所达门槛均已于此前年度达到或获奖，非首次达到 (not the first time)")
        return
    if not complete:
        res.status, res.missing = NEEDS_REVIEW, [f"years.{y - 1}.{figure}"]
        res.amount = res.min = res.max = None
        res.reasons.append("缺少上年主营业务收入，无法判断是否首次达到 (previous year missing)")
        return
    mode = row.get("thresholds_in_one_year") or "highest"
    if mode == "each":
        amount = sum((r for _, r in first), ZERO)
        text = "同年首次达到多档：逐档奖励"
    else:
        amount = max(r for _, r in first)
        text = "同年首次达到多档：就高不重复"
    for t, r in first:
        res.steps.append(
            StepTrace(
                f"threshold_{t}", fmt(r) or "", f"首次达到门槛{fmt(t)}元：奖励{fmt(r)}元", "rule"
            )
        )
    res.steps.append(StepTrace("reward", fmt(amount) or "", text, "step"))
    res.amount = round_fen(amount)
