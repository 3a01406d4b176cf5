"""The state of a plan item on an "as of" date, from its deadline and its progress reports.

Only reports dated on or before the as-of date count, so a past date gives the picture of that
day. An item is *completed* on the date of the report that brought it to 100% (a later report
below 100%, which needs a reason, reopens it). Then, on the as-of date:

- ``on_time`` (按期完成): completed on or before the deadline;
- ``late`` (逾期完成): completed after the deadline;
- ``overdue`` (逾期未完成): not completed and the deadline has passed; the deadline day itself is
  still in time, the day after is overdue;
- ``in_progress`` (推进中): not completed, deadline not passed.

Besides its state, an item not completed is *stale* (超期未报送) when more than ``stale_days``
days have passed since its last report, or, with no report yet, since 1 January of its plan year.

Example: deadline 30 June, one report of 100% on 1 July.

    >>> import datetime as dt
    >>> june_30 = dt.date(2024, 6, 30)
    >>> item_status(year=2024, deadline=june_30, reports=[(dt.date(2024, 7, 1), 100)],
    ...             as_of=dt.date(2024, 12, 31), stale_days=30).state
    'late'
    >>> item_status(year=2024, deadline=june_30, reports=[(dt.date(2024, 7, 1), 100)],
    ...             as_of=june_30, stale_days=30).state
    'in_progress'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

ON_TIME = "on_time"
LATE = "late"
OVERDUE = "overdue"
IN_PROGRESS = "in_progress"
STATES = (ON_TIME, LATE, OVERDUE, IN_PROGRESS)
STATE_ZH = {ON_TIME: "按期完成", LATE: "逾期完成", OVERDUE: "逾期未完成", IN_PROGRESS: "推进中"}
STALE_ZH = "超期未报送"


@dataclass(frozen=True)
class ItemStatus:
    """Where a plan item stands on the as-of date.

    Attributes:
        state: one of ``STATES``.
        percent: the last reported percent (0 with no report).
        completed_on: the date it reached 100%, or None while not completed.
        last_report_on: the date of its last report, or None.
        quiet_days: days since the last report (or since 1 January of the plan year); None once
            completed.
        stale: not completed and ``quiet_days`` is more than the allowed days.
    """

    state: str
    percent: int
    completed_on: dt.date | None
    last_report_on: dt.date | None
    quiet_days: int | None
    stale: bool

    @property
    def state_zh(self) -> str:
        return STATE_ZH[self.state]


def item_status(
    *,
    year: int,
    deadline: dt.date,
    reports: Iterable[tuple[dt.date, int]],
    as_of: dt.date,
    stale_days: int,
) -> ItemStatus:
    """The item's state on ``as_of`` from its ``(reported_on, percent)`` reports in order.

    >>> import datetime as dt
    >>> s = item_status(year=2024, deadline=dt.date(2024, 12, 31), reports=[],
    ...                 as_of=dt.date(2024, 1, 31), stale_days=30)
    >>> s.state, s.quiet_days, s.stale
    ('in_progress', 30, False)
    """
    percent = 0
    completed_on: dt.date | None = None
    last: dt.date | None = None
    for reported_on, value in reports:
        if reported_on > as_of:
            continue
        percent, last = value, reported_on
        # Reaching 100% completes the item on that date; a later report below 100% reopens it.
        completed_on = (completed_on or reported_on) if value >= 100 else None
    if completed_on is not None:
        state = ON_TIME if completed_on <= deadline else LATE
        return ItemStatus(state, percent, completed_on, last, None, False)
    since = last or dt.date(year, 1, 1)
    quiet = (as_of - since).days
    state = OVERDUE if as_of > deadline else IN_PROGRESS
    return ItemStatus(state, percent, None, last, max(quiet, 0), quiet > stale_days)
