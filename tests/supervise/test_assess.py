"""The assessment summary of a year on a small hand-built set (SQLite and PostgreSQL).

On 31 December 2024, with 30 days allowed between reports:

==  ============  ====================  ==========  ===================  ===========================
    lead          co-units              deadline    reports              state
==  ============  ====================  ==========  ===================  ===========================
A   省工信厅      省科技厅              06-30       03-01 50, 06-30 100  on time
B   省工信厅                            03-31       04-01 100            late
C   省工信厅      省通信管理局          09-30       12-15 40             overdue (16 days quiet)
D   省通信管理局  省工信厅              12-31       10-01 70             in progress, stale (91 days)
E   省通信管理局                        12-31       none                 in progress, stale
F   省工信厅                            2023 plan   none                 not in 2024
==  ============  ====================  ==========  ===================  ===========================
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from jinshu.store.db import transaction
from jinshu.supervise.assess import assess_year
from tests.supervise.helpers import item, report

D = dt.date


def _build(s: Session) -> None:
    a = item(s, lead="省工信厅", co_units=("省科技厅",), deadline=D(2024, 6, 30)).id
    report(s, "miit", a, D(2024, 3, 1), 50)
    report(s, "miit", a, D(2024, 6, 30), 100)
    b = item(s, lead="省工信厅", deadline=D(2024, 3, 31)).id
    report(s, "miit", b, D(2024, 4, 1), 100)
    c = item(s, lead="省工信厅", co_units=("省通信管理局",), deadline=D(2024, 9, 30)).id
    report(s, "tel", c, D(2024, 12, 15), 40)
    d = item(
        s, task_id="4.1.1", lead="省通信管理局", co_units=("省工信厅",), deadline=D(2024, 12, 31)
    ).id
    report(s, "tel", d, D(2024, 10, 1), 70)
    item(s, task_id="4.1.1", lead="省通信管理局", deadline=D(2024, 12, 31))
    item(s, lead="省工信厅", year=2023, deadline=D(2023, 12, 31))


def _zero() -> dict[str, int]:
    return dict.fromkeys(("on_time", "late", "overdue", "in_progress", "stale", "total"), 0)


def test_per_unit_counts_as_lead_and_as_co_unit(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        _build(s)
        result = assess_year(s, year=2024, as_of=D(2024, 12, 31), stale_days=30)
    rows = {u.unit: (u.as_lead.as_dict(), u.as_co.as_dict()) for u in result.units}
    assert list(rows) == ["省通信管理局", "省工信厅", "省科技厅"]  # the registry's order
    assert rows["省工信厅"] == (
        {**_zero(), "on_time": 1, "late": 1, "overdue": 1, "total": 3},
        {**_zero(), "in_progress": 1, "stale": 1, "total": 1},
    )
    assert rows["省通信管理局"] == (
        {**_zero(), "in_progress": 2, "stale": 2, "total": 2},
        {**_zero(), "overdue": 1, "total": 1},
    )
    assert rows["省科技厅"] == (_zero(), {**_zero(), "on_time": 1, "total": 1})
    assert result.total.as_dict() == {
        "on_time": 1, "late": 1, "overdue": 1, "in_progress": 2, "stale": 2, "total": 5,
    }  # fmt: skip


def test_an_earlier_as_of_date_and_a_longer_allowance(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        _build(s)
        mid = assess_year(s, year=2024, as_of=D(2024, 6, 30), stale_days=30)
        lenient = assess_year(s, year=2024, as_of=D(2024, 12, 31), stale_days=400)
    # On 30 June: A completed that day (on time), B on 1 April (late); C, D and E have no report
    # yet by then, so they are quiet since 1 January (181 days): in progress and stale.
    assert mid.total.as_dict() == {
        "on_time": 1, "late": 1, "overdue": 0, "in_progress": 3, "stale": 3, "total": 5,
    }  # fmt: skip
    assert lenient.total.stale == 0


def test_a_unit_sees_only_its_own_row(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        _build(s)
        mine = assess_year(s, year=2024, as_of=D(2024, 12, 31), stale_days=30, unit="省科技厅")
    assert [u.unit for u in mine.units] == ["省科技厅"]
    assert mine.total.total == 1
