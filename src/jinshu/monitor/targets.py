"""Progress against the document's targets: actual values beside the straight path to each target.

The path runs from the base year's actual value to the target value in the target year. A target
is on track when the latest actual value (up to the target year) is at least the path's value for
that year; once the target year has data, the target is achieved or missed, judged by the text's
own word (突破 → strictly more, 达到 → at least).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from jinshu.monitor.framework import Target

Status = Literal["achieved", "missed", "on_track", "behind", "no_data"]
STATUS_ZH: dict[str, str] = {
    "achieved": "已实现",
    "missed": "未实现",
    "on_track": "进度正常",
    "behind": "进度滞后",
    "no_data": "暂无数据",
}


@dataclass
class Progress:
    target: Target
    base: Decimal | None
    points: list[tuple[int, Decimal | None, Decimal | None]]  # year, actual, path
    latest_year: int | None
    status: Status

    @property
    def status_zh(self) -> str:
        return STATUS_ZH[self.status]


def path_value(target: Target, base: Decimal, year: int) -> Decimal:
    """The straight path's value in a year between the base year and the target year."""
    span = target.year - target.base_year
    return base + (target.value - base) * (year - target.base_year) / span


def _met(target: Target, actual: Decimal) -> bool:
    return actual > target.value if target.comparison == "gt" else actual >= target.value


def progress(target: Target, values: Mapping[tuple[str, str, int], Decimal]) -> Progress:
    base = values.get((target.scope, target.item, target.base_year))
    years = range(target.base_year, target.year + 1)
    actual = {y: values.get((target.scope, target.item, y)) for y in years}
    points = [(y, actual[y], None if base is None else path_value(target, base, y)) for y in years]
    known = [y for y in years if actual[y] is not None]
    latest = max(known) if known else None
    status: Status
    if latest is None:
        status = "no_data"
    elif latest == target.year:
        status = "achieved" if _met(target, actual[latest]) else "missed"  # type: ignore[arg-type]
    elif base is None:
        status = "no_data"
    else:
        status = "on_track" if actual[latest] >= path_value(target, base, latest) else "behind"  # type: ignore[operator]
    return Progress(target, base, points, latest, status)
