from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from jinshu.api.deps import CurrentUser, Id, PolicyDep, SessionDep
from jinshu.api.schemas import ApplicationPublic
from jinshu.errors import NotFound, problem
from jinshu.store.models import Enterprise, Match, User
from jinshu.workflow.applications import create_application

router = APIRouter(prefix="/matches", tags=["matches"])


class MatchPublic(BaseModel):
    """An award an enterprise qualifies for and has not applied for."""

    id: int
    enterprise_id: str
    item: str
    department: str
    year: int
    record_id: str | None
    status: str
    amount: Decimal | None
    min_amount: Decimal | None
    max_amount: Decimal | None
    missing: list[Any]
    reasons: list[Any]
    facts: dict[str, Any]
    application_id: int | None
    model_config = ConfigDict(from_attributes=True)


def _visible(user: User, match: Match, city: str | None) -> bool:
    if user.role == "enterprise":
        return match.enterprise_id == user.enterprise_id
    if user.role == "department_reviewer":
        return match.department == user.department
    if user.role == "city_reviewer":
        return city == user.city
    return user.role in ("finance", "analyst", "admin")


@router.get("")
def read_matches(
    session: SessionDep,
    user: CurrentUser,
    year: Annotated[int | None, Query(ge=1949, le=2100)] = None,
    item: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[MatchPublic]:
    """An enterprise's own matches, a department's candidates, a city's, or all (analysts)."""
    query = select(Match, Enterprise.city).join(Enterprise, Enterprise.id == Match.enterprise_id)
    if year is not None:
        query = query.where(Match.year == year)
    if item is not None:
        query = query.where(Match.item == item)
    rows = session.execute(query.order_by(Match.id))
    visible = [m for m, city in rows if _visible(user, m, city)]
    return [MatchPublic.model_validate(m) for m in visible[:limit]]


@router.post("/{match_id}/application", status_code=201)
def create_application_from_match(
    session: SessionDep, policy: PolicyDep, user: CurrentUser, match_id: Id
) -> ApplicationPublic:
    """Start an application from a match, its facts filled in from the registry."""
    match = session.get(Match, match_id)
    city = None
    if match is not None:
        ent = session.get(Enterprise, match.enterprise_id)
        city = ent.city if ent else None
    if match is None or not _visible(user, match, city):
        raise NotFound(
            problem("match_id", f"匹配 {match_id} 不存在", "no such match", str(match_id))
        )
    app = create_application(
        session,
        policy,
        user=user,
        enterprise_id=match.enterprise_id,
        item=match.item,
        year=match.year,
        record_id=match.record_id,
    )
    match.application_id = app.id
    return ApplicationPublic.model_validate(app)
