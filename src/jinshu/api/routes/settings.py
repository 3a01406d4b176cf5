"""Settings an admin changes at run time: the notice period (公示期) of new notices."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends

from jinshu.api.deps import CurrentUser, PolicyDep, SessionDep, require_roles
from jinshu.api.schemas import NoticePeriodIn, NoticePeriodPublic
from jinshu.store.models import User
from jinshu.workflow.settings import notice_period, set_notice_period

router = APIRouter(prefix="/settings", tags=["settings"])
Admin = Annotated[User, Depends(require_roles("admin"))]


@router.get("/notice-period")
def read_notice_period(
    session: SessionDep, policy: PolicyDep, user: CurrentUser
) -> NoticePeriodPublic:
    """The notice period new notices get, in working days."""
    return NoticePeriodPublic(**notice_period(session, policy, dt.date.today().year)._asdict())


@router.put("/notice-period")
def update_notice_period(
    session: SessionDep, policy: PolicyDep, user: Admin, body: NoticePeriodIn
) -> NoticePeriodPublic:
    """Set the notice period of new notices (admin); notices already published keep their dates."""
    period = set_notice_period(session, policy, user=user, days=body.days)
    return NoticePeriodPublic(**period._asdict())
