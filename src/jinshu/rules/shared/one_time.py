"""One-time awards: once per (applicant, item, key).

A matching award in ``history`` makes a record ineligible; within one case the first record that
can pay claims the key. Example (clause 18): a ``high_tech_enterprise`` recognition when history
already holds ``{item: p18_innovation_platform, key: high_tech_enterprise}`` is a renewal, so it is
ineligible. ``once_per_year`` is the same rule restricted to the case's year (clause 23: one award
per person per year).
"""

from __future__ import annotations

from jinshu.facts.case import Case
from jinshu.rules.results import INELIGIBLE, Result, StepTrace
from jinshu.rules.spec import OneTimeSpec


def key_of(spec: OneTimeSpec, result: Result) -> str:
    if spec.key == "applicant":
        return "*"
    if spec.key == "record":
        return str(result.record)
    return str(result.row.get(spec.key))


def apply_one_time(
    item_id: str, spec: OneTimeSpec, results: list[Result], case: Case, *, year_only: bool
) -> None:
    claimed: dict[str, str | None] = {}
    if spec.any_earlier:
        _refuse_later_entries(spec, results)
    for res in sorted(results, key=lambda r: r.index):
        if res.status == INELIGIBLE:
            continue
        key = key_of(spec, res)
        earlier = [
            h
            for h in case.history
            if h.item == item_id
            and (key == "*" or h.key == key)
            and (not year_only or h.year == case.year)
        ]
        scope = "当年" if year_only else "一次性"
        if earlier:
            h = earlier[0]
            what = "" if key == "*" else f"（{key}）"
            res.refuse(f"已于{h.year}年获得该项奖励{what}，{scope}奖励不再重复 (already awarded)")
        elif key in claimed:
            what = "" if key == "*" else f"（{key}）"
            res.refuse(
                f"本案例中记录 {claimed[key]} 已申领{what}，{scope}奖励不重复 (claimed by an earlier record)"
            )
        else:
            claimed[key] = res.record
            res.steps.append(
                StepTrace("one_time", key, f"{scope}奖励：未曾获得 (not yet awarded)", "rule")
            )


def apply_at_most_years(item_id: str, years: int, results: list[Result], case: Case) -> None:
    earlier = sorted({h.year for h in case.history if h.item == item_id and h.year < case.year})
    for res in results:
        if res.status == INELIGIBLE:
            continue
        res.steps.append(
            StepTrace("years_used", str(len(earlier)), f"此前已享受年度：{earlier or '无'}", "rule")
        )
        if len(earlier) >= years:
            res.refuse(f"已享受{len(earlier)}年，补贴期不超过{years}年 (at most {years} years)")


def _refuse_later_entries(spec: OneTimeSpec, results: list[Result]) -> None:
    """Any earlier record with the same key (by date, then order) makes a later one not first."""
    first: dict[str, Result] = {}
    for res in sorted(
        results, key=lambda r: (r.row.get("date") is None, r.row.get("date"), r.index)
    ):
        key = key_of(spec, res)
        if key in first:
            if res.status != INELIGIBLE:
                res.refuse(
                    f"记录 {first[key].record} 更早进入该名单，非首次进入 (not the first entry)"
                )
        else:
            first[key] = res
