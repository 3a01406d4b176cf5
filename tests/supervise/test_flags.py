"""States and flags of a plan item at the boundary dates: the deadline day itself and the day
after, exactly N and N + 1 days without a report."""

from __future__ import annotations

import datetime as dt

from jinshu.supervise.flags import IN_PROGRESS, LATE, ON_TIME, OVERDUE, ItemStatus, item_status

D = dt.date
DEADLINE = D(2024, 6, 30)


def status(reports: list[tuple[dt.date, int]], as_of: dt.date, stale_days: int = 30) -> ItemStatus:
    return item_status(
        year=2024, deadline=DEADLINE, reports=reports, as_of=as_of, stale_days=stale_days
    )


def test_not_completed_is_in_time_on_the_deadline_day_and_overdue_the_day_after() -> None:
    reports = [(D(2024, 6, 20), 80)]
    assert status(reports, DEADLINE).state == IN_PROGRESS
    assert status(reports, D(2024, 7, 1)).state == OVERDUE


def test_completed_on_the_deadline_day_is_on_time_the_day_after_is_late() -> None:
    on_day = status([(D(2024, 3, 1), 50), (DEADLINE, 100)], D(2024, 12, 31))
    assert (on_day.state, on_day.completed_on, on_day.percent) == (ON_TIME, DEADLINE, 100)
    after = status([(D(2024, 3, 1), 50), (D(2024, 7, 1), 100)], D(2024, 12, 31))
    assert (after.state, after.completed_on) == (LATE, D(2024, 7, 1))


def test_reports_after_the_as_of_date_do_not_count() -> None:
    reports = [(D(2024, 3, 1), 50), (D(2024, 7, 1), 100)]
    before = status(reports, D(2024, 6, 15))
    assert (before.state, before.percent, before.last_report_on) == (
        IN_PROGRESS,
        50,
        D(2024, 3, 1),
    )
    assert status(reports, D(2024, 7, 1)).state == LATE


def test_stale_after_more_than_n_days_without_a_report() -> None:
    reports = [(D(2024, 3, 1), 40)]
    exactly = status(reports, D(2024, 3, 31))  # 30 days later
    assert (exactly.quiet_days, exactly.stale) == (30, False)
    one_more = status(reports, D(2024, 4, 1))
    assert (one_more.quiet_days, one_more.stale) == (31, True)
    assert status(reports, D(2024, 4, 1), stale_days=31).stale is False


def test_with_no_report_the_quiet_days_count_from_the_first_of_january() -> None:
    assert status([], D(2024, 1, 31)).stale is False
    none_yet = status([], D(2024, 2, 1))
    assert (none_yet.state, none_yet.percent, none_yet.quiet_days, none_yet.stale) == (
        IN_PROGRESS,
        0,
        31,
        True,
    )
    assert status([], D(2023, 12, 1)).quiet_days == 0  # before the plan year: nothing owed yet


def test_overdue_and_stale_together_and_completed_items_never_stale() -> None:
    both = status([(D(2024, 5, 10), 20)], D(2024, 12, 31))
    assert (both.state, both.stale) == (OVERDUE, True)
    done = status([(D(2024, 1, 5), 100)], D(2024, 12, 31))
    assert (done.state, done.stale, done.quiet_days) == (ON_TIME, False, None)


def test_a_report_below_100_reopens_a_completed_item() -> None:
    reopened = status([(D(2024, 5, 1), 100), (D(2024, 6, 10), 90)], D(2024, 7, 1))
    assert (reopened.state, reopened.completed_on, reopened.percent) == (OVERDUE, None, 90)
    again = status(
        [(D(2024, 5, 1), 100), (D(2024, 6, 10), 90), (D(2024, 7, 5), 100)], D(2024, 12, 1)
    )
    assert (again.state, again.completed_on) == (LATE, D(2024, 7, 5))


def test_zero_allowed_days_flags_the_day_after_a_report() -> None:
    reports = [(D(2024, 3, 1), 10)]
    assert status(reports, D(2024, 3, 1), stale_days=0).stale is False
    assert status(reports, D(2024, 3, 2), stale_days=0).stale is True
