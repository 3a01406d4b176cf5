"""Upgrade pays the difference (clause 16).

Reward(new level) − reward(highest level of the same track already rewarded). A level held or
rewarded earlier at or above the new one, or a difference <= 0, is ineligible; a lower level held
earlier but never rewarded leaves the amount to a reviewer: min = the difference as if it had been
rewarded, max = the difference from the highest level actually rewarded. Within a case the
certificates of a track are taken in date order (same day: record order), and one paid in the case
counts as rewarded for later ones.

Example: CMMI 3 rewarded in 2018 (100,000) and CMMI 5 in 2020: 300,000 − 100,000 = 200,000.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from jinshu.facts.case import Case
from jinshu.money import ZERO, fmt, round_fen
from jinshu.rules.results import ELIGIBLE, INELIGIBLE, NEEDS_REVIEW, Result, StepTrace
from jinshu.rules.spec import PayoutSpec


def apply_upgrade(
    item_id: str, payout: PayoutSpec, results: list[Result], tracks: dict[int, str], case: Case
) -> None:
    """Set the amount of each certificate result; ``tracks`` maps result index to its track."""

    def rank(level: int) -> int:
        return level if payout.higher_is_better else -level

    def reward(level: int, row: Mapping[str, Any]) -> Decimal:
        value = row[payout.levels[level]]
        assert isinstance(value, Decimal)
        return value

    by_track: dict[str, list[Result]] = {}
    for res in results:
        by_track.setdefault(tracks[res.index], []).append(res)
    for track, members in by_track.items():
        held: list[int] = []
        rewarded: list[int] = []
        for h in case.history:
            if h.item == item_id and h.key == track and h.level in payout.levels:
                held.append(h.level)
                rewarded.append(h.level)
        dated = [r for r in members if r.row.get("date") is not None]
        for res in members:
            absent = [f for f in ("date", "level") if res.row.get(f) is None]
            if absent and res.status != INELIGIBLE:
                res.status, res.missing = NEEDS_REVIEW, absent
                res.amount = res.min = res.max = None
                res.reasons.append("缺少证书日期或等级，需补充后评审 (facts missing)")
        for res in sorted(dated, key=lambda r: (r.row["date"], r.index)):
            level = res.row.get("level")
            if level is None:
                continue
            if level not in payout.levels:
                res.refuse(f"等级 {level} 不在奖励表内 (level outside the table)")
                continue
            assert isinstance(level, int)
            was_ineligible = res.status == INELIGIBLE
            top_held = max(held, key=rank) if held else None
            top_rewarded = max(rewarded, key=rank) if rewarded else None
            held.append(level)
            if was_ineligible or res.has_missing:
                continue
            full = reward(level, res.row)
            res.steps.append(StepTrace("reward", fmt(full) or "", f"{track} {level}级奖励", "step"))
            if top_held is not None and rank(top_held) >= rank(level):
                res.refuse(
                    f"此前已持有或获奖 {track} {top_held}级，同级或更高等级不再奖励 (already rewarded at this level or higher)"
                )
                continue
            paid_before = reward(top_rewarded, res.row) if top_rewarded is not None else ZERO
            diff = full - paid_before
            res.steps.append(
                StepTrace(
                    "difference",
                    fmt(diff) or "",
                    f"差额：{fmt(full)} − 已奖励{fmt(paid_before)}",
                    "step",
                )
            )
            if diff <= 0:
                res.refuse("升级差额不大于0 (difference is not positive)")
                continue
            if top_held is not None and (
                top_rewarded is None or rank(top_held) > rank(top_rewarded)
            ):
                res.status = NEEDS_REVIEW
                res.min = round_fen(full - reward(top_held, res.row))
                res.max = round_fen(diff)
                res.amount = None
                res.reasons.append(
                    f"此前持有 {track} {top_held}级但未获奖励，由评审确定 (lower level held, not rewarded)"
                )
                continue
            res.amount = round_fen(diff)
            if res.status == ELIGIBLE:
                rewarded.append(level)
