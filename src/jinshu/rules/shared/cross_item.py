"""Rules across items: one project, one award; items that never pay one applicant-year twice.

One project, one award (同一项目不重复支持): for one ``project_key`` among p02, p03, p05, p07 only the
result with the highest amount (for a ceiling, its max) stays; ties keep the first record; a result
missing a fact takes no part; a key already awarded under any of them in ``history`` makes the
record ineligible. Example: an IPv6 project (ceiling max 1.5M) and the same project as an
integration demo (1.2M fixed): the p02 result stays, the p05 one is ineligible, naming p02.

Per applicant-year: p09 and p10_annual exclude each other (p09 first), p11 and p12 milestones pay
only the higher (a tie keeps p11); an award of the other item in ``history`` for the year counts.
"""

from __future__ import annotations

from jinshu.facts.case import Case
from jinshu.rules.results import INELIGIBLE, Result, StepTrace
from jinshu.rules.spec import CrossItemSpec


def apply_cross_item(rule: CrossItemSpec, results: list[Result], case: Case) -> None:
    members = [r for r in results if r.item in rule.items]
    groups: dict[str, list[Result]] = {}
    for res in members:
        if res.status == INELIGIBLE:
            continue
        key = str(res.row.get("project_key")) if rule.key == "project_key" else str(case.year)
        groups.setdefault(key, []).append(res)
    for key, group in groups.items():
        if rule.key == "project_key":
            hist = [h for h in case.history if h.item in rule.items and h.key == key]
        else:
            hist = []
        for res in group:
            prior = hist or [
                h
                for h in case.history
                if rule.key == "year"
                and h.item in rule.items
                and h.item != res.item
                and h.year == case.year
            ]
            if prior:
                h = prior[0]
                res.refuse(
                    f"{rule.label}：{h.year}年已获 {h.item} 奖励 (already awarded under {h.item})"
                )
        candidates = [r for r in group if r.status != INELIGIBLE and not r.has_missing]
        if len(candidates) < 2:
            continue
        if rule.keep == "first_item":
            candidates.sort(key=lambda r: (rule.items.index(r.item), r.index))
        else:
            candidates.sort(key=lambda r: (-(r.value() or 0), r.index, rule.items.index(r.item)))
        kept = candidates[0]
        for res in candidates[1:]:
            where = f"记录 {kept.record} 的 " if kept.record else ""
            res.refuse(f"{rule.label}：已按{where}{kept.item} 支持 (kept: {kept.item})")
        kept.steps.append(StepTrace(rule.id, kept.item, f"{rule.label}：保留本项", "rule"))
