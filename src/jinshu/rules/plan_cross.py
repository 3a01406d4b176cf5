"""Rules across items and clause 1's split, in SQL over every item's results (``plan_finish``).

Mirrors :func:`jinshu.rules.evaluate.finish_case`: for each rule of ``cross_item`` in the
document, results already awarded under a member item in ``history`` are refused, then among the
remaining candidates of a group (one project, or one applicant-year) only the first by the rule's
order stays. Then the split of clause 1 awards between province, city and county.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinshu.rules.plan_decide import LIVE, MONEY, lit, q, refuse
from jinshu.rules.policyset import PolicySet
from jinshu.rules.spec import CrossItemSpec

RESULTS_TABLE = "item_results"


def _cross_stages(rule: CrossItemSpec, year: int) -> list[str]:
    members = ", ".join(q(i) for i in rule.items)
    member = f"item IN ({members})"
    if rule.key == "project_key":
        group = "COALESCE(t.project_key, '')"
        awarded = f"(SELECT DISTINCT eid, key AS grp, NULL AS item FROM history WHERE item IN ({members}))"
        on = "a.eid = t.eid AND a.grp = t.project_key"
    else:
        group = "''"
        awarded = (
            f"(SELECT DISTINCT eid, NULL AS grp, item FROM history "
            f"WHERE item IN ({members}) AND year = {year})"
        )
        on = "a.eid = t.eid AND a.item <> t.item"
    code = q(f"cross_item:{rule.id}")
    first = (
        f"SELECT * EXCLUDE (hit) REPLACE ({refuse('hit', code)}) FROM (SELECT t.*, "
        f"(t.{LIVE} AND EXISTS (SELECT 1 FROM {awarded} a WHERE {on})) AS hit "
        f"FROM {{prev}} t) u"
    )
    rank = " ".join(f"WHEN {q(i)} THEN {n}" for n, i in enumerate(rule.items))
    item_rank = f"CASE item {rank} END"
    value = "COALESCE(CASE st WHEN 'eligible' THEN amt WHEN 'needs_review' THEN mx END, 0)"
    ordering = f"{value} DESC, idx, {item_rank}" if rule.keep == "highest" else f"{item_rank}, idx"
    candidate = f"({LIVE} AND NOT (st = 'needs_review' AND len(miss) > 0))"
    second = (
        f"SELECT * EXCLUDE (cand, n, pos, grp) REPLACE "
        f"({refuse('cand AND n > 1 AND pos > 1', code)}) "
        f"FROM (SELECT *, COUNT(*) FILTER (WHERE cand) OVER (PARTITION BY eid, grp) AS n, "
        f"ROW_NUMBER() OVER (PARTITION BY eid, grp, cand ORDER BY {ordering}) AS pos "
        f"FROM (SELECT t.*, {candidate} AS cand, {group} AS grp FROM {{prev}} t) a) b"
    )
    # Only the member items' rows take part: the others pass by untouched.
    return [
        f"SELECT * FROM ({first.replace('{prev}', f'(SELECT * FROM {{prev}} WHERE {member})')}) "
        f"UNION ALL BY NAME SELECT * FROM {{prev}} WHERE NOT ({member})",
        f"SELECT * FROM ({second.replace('{prev}', f'(SELECT * FROM {{prev}} WHERE {member})')}) "
        f"UNION ALL BY NAME SELECT * FROM {{prev}} WHERE NOT ({member})",
    ]


def plan_finish(policy: PolicySet, constants: Mapping[str, Any], year: int) -> str:
    """The final query over :data:`RESULTS_TABLE`: cross-item rules, then the split."""
    stages: list[str] = []
    for rule in policy.cross_item:
        switch = constants.get(rule.switch) if rule.switch else "on"
        if switch != "off":
            stages += _cross_stages(rule, year)
    split_items = {i.id: i.spec.split for i in policy.items.values() if i.spec.split}
    split_cols = []
    for part in ("province", "city"):
        cases = " ".join(
            f"WHEN {q(item)} THEN ROUND(amt * {lit(constants.get(getattr(spec, part)))}, 2)"
            for item, spec in split_items.items()
            if spec is not None
        )
        split_cols.append(
            f"CASE WHEN st = 'eligible' THEN CAST(CASE item {cases} END AS {MONEY}) END AS split_{part}"
        )
    stages.append(f"SELECT *, {', '.join(split_cols)} FROM {{prev}}")
    stages.append(
        "SELECT *, CASE WHEN split_province IS NOT NULL THEN amt - split_province - split_city "
        "END AS split_county FROM {prev}"
    )
    ctes = []
    previous = RESULTS_TABLE
    for n, stage in enumerate(stages, start=1):
        ctes.append(f"f{n} AS ({stage.replace('{prev}', previous)})")
        previous = f"f{n}"
    return f"WITH {', '.join(ctes)} SELECT * FROM {previous}"
