"""Settings an admin changes at run time, stored in the database and audited.

The notice period (公示期, in working days) is the one so far. Until an admin sets it, it is the
policy document's ``notice_period_days`` for the application's year; once set, every new notice
uses the stored value. Notices already published keep their dates (an award stores its own).
The environment's settings (database, secret key) are another thing: see ``jinshu.config``.

>>> check_notice_days(" 7 ")
7
>>> check_notice_days("7.5")
Traceback (most recent call last):
...
jinshu.errors.CaseError: days: 公示期须为 1 至 30 之间的整数（工作日） (the notice period is a whole number of working days from 1 to 30) (got 7.5)
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy.orm import Session

from jinshu.errors import CaseError, WorkflowError, problem
from jinshu.rules.policyset import PolicySet
from jinshu.store.models import Setting, User
from jinshu.workflow import audit
from jinshu.workflow.states import ADMIN

NOTICE_PERIOD = "notice_period_days"
MIN_NOTICE_DAYS = 1
MAX_NOTICE_DAYS = 30


class NoticePeriod(NamedTuple):
    """The notice period in force.

    Attributes:
        days: working days (Monday to Friday).
        source: ``policy`` (the document's default) or ``admin`` (set in the database).
        updated_by: who set it last; None for the default.
        updated_at: when it was set; None for the default.
    """

    days: int
    source: str
    updated_by: str | None
    updated_at: dt.datetime | None


def notice_period(session: Session, policy: PolicySet, year: int) -> NoticePeriod:
    """The notice period for a notice of performance year ``year``."""
    row = session.get(Setting, NOTICE_PERIOD)
    if row is not None:
        return NoticePeriod(int(row.value), "admin", row.updated_by, row.updated_at)
    default = policy.parameters[NOTICE_PERIOD].value_for_year(year)
    return NoticePeriod(int(default or 5), "policy", None, None)


def check_notice_days(value: str | int) -> int:
    """A notice period as a whole number of working days in range, or CaseError naming ``days``."""
    text = str(value).strip()
    if not text.isdigit() or not MIN_NOTICE_DAYS <= int(text) <= MAX_NOTICE_DAYS:
        raise CaseError(
            problem(
                "days",
                f"公示期须为 {MIN_NOTICE_DAYS} 至 {MAX_NOTICE_DAYS} 之间的整数（工作日）",
                f"the notice period is a whole number of working days "
                f"from {MIN_NOTICE_DAYS} to {MAX_NOTICE_DAYS}",
                text[:40],
            )
        )
    return int(text)


def set_notice_period(
    session: Session, policy: PolicySet, *, user: User, days: str | int
) -> NoticePeriod:
    """An admin sets the notice period for new notices; the change is in the audit log."""
    if user.role != ADMIN:
        raise WorkflowError(
            problem("role", "只有管理员可以设置公示期", "only an admin sets the notice period")
        )
    value = check_notice_days(days)
    before = notice_period(session, policy, dt.date.today().year)
    row = session.get(Setting, NOTICE_PERIOD)
    if row is None:
        row = Setting(key=NOTICE_PERIOD, value=str(value), updated_by=user.username)
        session.add(row)
    else:
        row.value = str(value)
        row.updated_by = user.username
        row.updated_at = dt.datetime.now(dt.UTC)
    session.flush()
    audit.record(
        session,
        actor=user.username,
        action="set_notice_period",
        object_type="setting",
        object_id=NOTICE_PERIOD,
        before={"days": before.days, "source": before.source},
        after={"days": value},
    )
    return notice_period(session, policy, dt.date.today().year)
