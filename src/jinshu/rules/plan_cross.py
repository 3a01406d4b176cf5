"""Rules across items and clause 1's split, in SQL over every item's results (``plan_finish``).

Mirrors :func:`jinshu.rules.evaluate.finish_case`: for each rule of ``cross_item`` in the
document, results already awarded under a member item in ``history`` are refused, then among the
remaining candidates of a group (one project, or one applicant-year) only the first by the rule's
order stays. Then the split of clause 1 awards between province, city and county.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinshu.rules.plan_decide import LIVE, MONEY, lit, project, q, refuse, size
from jinshu.rules.policyset import PolicySet
from jinshu.rules.spec import CrossItemSpec

RESULTS_TABLE = "item_results"
# The columns of RESULTS_TABLE, in order.
RESULTS_COLUMNS = (
    "eid", "item", "idx", "record_id", "project_key", "place_city", "place_county",
    "st", "amt", "mn", "mx", "miss", "why", "caps",
)  # fmt: skip


def _cross_stages(rule: CrossItemSpec, year: int) -> list[str]:
    members = ", ".join(q(i) for i in rule.items)
    member = f"item IN ({members})"
    if rule.key == "project_key":
        group = "COALESCE(t.project_key, '')"
        awarded = f"(SELECT DISTINCT eid, key AS grp FROM history WHERE item IN ({members}))"
        on = "a.eid = t.eid AND a.grp = t.project_key"
        found = "a.eid IS NOT NULL"
    else:
        group = "''"
        # Awarded another member this year: more than one item, or one that is not this row's.
        awarded = (
            f"(SELECT eid, COUNT(DISTINCT item) AS n, MIN(item) AS one FROM history "
            f"WHERE item IN ({members}) AND year = {year} GROUP BY eid)"
        )
        on = "a.eid = t.eid"
        found = "(a.n > 1 OR a.one <> t.item)"
    code = q(f"cross_item:{rule.id}")
    cols = RESULTS_COLUMNS
    first = (
        f"SELECT {project(cols, refuse('hit', code), 'u')} FROM (SELECT t.*, "
        f"(t.{member} AND t.{LIVE} AND COALESCE({found}, FALSE)) AS hit "
        f"FROM {{prev}} t LEFT JOIN {awarded} a ON {on}) u"
    )
    rank = " ".join(f"WHEN {q(i)} THEN {n}" for n, i in enumerate(rule.items))
    item_rank = f"CASE item {rank} END"
    value = "COALESCE(CASE st WHEN 'eligible' THEN amt WHEN 'needs_review' THEN mx END, 0)"
    ordering = f"{value} DESC, idx, {item_rank}" if rule.keep == "highest" else f"{item_rank}, idx"
    candidate = f"({member} AND {LIVE} AND NOT (st = 'needs_review' AND {size('miss')} > 0))"
    second = (
        f"SELECT {project(cols, refuse('cand AND n > 1 AND pos > 1', code), 'b')} "
        f"FROM (SELECT a.*, SUM(CASE WHEN cand THEN 1 ELSE 0 END) OVER (PARTITION BY eid, grp) AS n, "
        f"ROW_NUMBER() OVER (PARTITION BY eid, grp, cand ORDER BY {ordering}) AS pos "
        f"FROM (SELECT t.*, {candidate} AS cand, {group} AS grp FROM {{prev}} t) a) b"
    )
    return [first, second]


def plan_finish(policy: PolicySet, constants: Mapping[str, Any], year: int) -> str:
    """The final query over :data:`RESULTS_TABLE`: cross-item rules, then the split.

    Only the rows of items that a rule across items names go through those rules; the others are
    added back untouched, and the split is computed in the same final pass. The text is DuckDB's
    and portable as it is (see :mod:`jinshu.rules.sqldialect`).
    """
    rules = [
        r for r in policy.cross_item if (constants.get(r.switch) if r.switch else "on") != "off"
    ]
    touched = sorted({i for r in rules for i in r.items})
    stages: list[str] = []
    for rule in rules:
        stages += _cross_stages(rule, year)
    names = ", ".join(q(i) for i in touched) or "''"
    ctes = [f"f0 AS (SELECT * FROM {RESULTS_TABLE} WHERE item IN ({names}))"]
    for n, stage in enumerate(stages, start=1):
        ctes.append(f"f{n} AS ({stage.replace('{prev}', f'f{n - 1}')})")
    cols = ", ".join(RESULTS_COLUMNS)
    ctes.append(
        f"everything AS (SELECT {cols} FROM f{len(stages)} UNION ALL "
        f"SELECT {cols} FROM {RESULTS_TABLE} WHERE item NOT IN ({names}))"
    )
    split_items = {i.id: i.spec.split for i in policy.items.values() if i.spec.split}
    parts = {}
    for part in ("province", "city"):
        cases = " ".join(
            f"WHEN {q(item)} THEN ROUND(amt * {lit(constants.get(getattr(spec, part)))}, 2)"
            for item, spec in split_items.items()
            if spec is not None
        )
        parts[part] = f"CASE WHEN st = 'eligible' THEN CAST(CASE item {cases} END AS {MONEY}) END"
    return (
        f"WITH {', '.join(ctes)} SELECT *, {parts['province']} AS split_province, "
        f"{parts['city']} AS split_city, "
        f"amt - {parts['province']} - {parts['city']} AS split_county FROM everything"
    )
