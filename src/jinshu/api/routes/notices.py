from __future__ import annotations

from fastapi import APIRouter

from jinshu.api.deps import CurrentUser, Id, SessionDep
from jinshu.api.schemas import AwardNotice, ObjectionIn, ObjectionResolve
from jinshu.workflow.notice import lodge_objection, public_notices, resolve_objection

router = APIRouter(prefix="/notices", tags=["notices"])


@router.get("")
def read_notices(session: SessionDep) -> list[AwardNotice]:
    """The public notice (公示): enterprise name, item, amount and dates only. No login."""
    return [AwardNotice.model_validate(n) for n in public_notices(session)]


@router.post("/{award_id}/objections", status_code=201)
def create_objection(session: SessionDep, award_id: Id, body: ObjectionIn) -> dict[str, int]:
    """Anyone may object to an award in notice; the award pauses until it is resolved."""
    objection = lodge_objection(session, award_id=award_id, text=body.text, contact=body.contact)
    return {"objection_id": objection.id}


@router.post("/objections/{objection_id}/resolution")
def resolve_objection_route(
    session: SessionDep, user: CurrentUser, objection_id: Id, body: ObjectionResolve
) -> dict[str, str]:
    """The item's department upholds (the award is rejected) or dismisses an objection."""
    app = resolve_objection(
        session, user=user, objection_id=objection_id, upheld=body.upheld, note=body.note
    )
    return {"application_state": app.state}
