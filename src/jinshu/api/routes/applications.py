from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, HTTPException, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy import select

from jinshu.api.deps import CurrentUser, Id, PolicyDep, SessionDep
from jinshu.api.schemas import (
    ActionIn,
    ApplicationCreate,
    ApplicationPublic,
    ApplicationsPublic,
    AttachmentPublic,
    EventPublic,
    FactsUpdate,
)
from jinshu.store.models import Application, Attachment
from jinshu.workflow.access import can_see
from jinshu.workflow.applications import act, create_application, get_application, update_facts
from jinshu.workflow.attachments import MAX_ATTACHMENT, add_attachment
from jinshu.workflow.notice import close_notice
from jinshu.workflow.states import TRANSITIONS

router = APIRouter(prefix="/applications", tags=["applications"])


@router.get("")
def read_applications(
    session: SessionDep,
    user: CurrentUser,
    state: Annotated[str | None, Query(max_length=32)] = None,
    item: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ApplicationsPublic:
    """Applications the asker may see (its own, its city's, its department's, or all)."""
    query = select(Application).order_by(Application.id.desc())
    if state:
        query = query.where(Application.state == state)
    if item:
        query = query.where(Application.item == item)
    visible = [a for a in session.scalars(query) if can_see(user, a)]
    page = visible[offset : offset + limit]
    return ApplicationsPublic(
        data=[ApplicationPublic.model_validate(a) for a in page], count=len(visible)
    )


@router.post("", status_code=201)
def create_application_route(
    session: SessionDep, policy: PolicyDep, user: CurrentUser, body: ApplicationCreate
) -> ApplicationPublic:
    """A draft application; the calculator's result is in `result` before submitting."""
    app = create_application(
        session,
        policy,
        user=user,
        enterprise_id=body.enterprise_id,
        item=body.item,
        year=body.year,
        record_id=body.record_id,
        case=body.case,
    )
    return ApplicationPublic.model_validate(app)


@router.get("/{app_id}")
def read_application(session: SessionDep, user: CurrentUser, app_id: Id) -> ApplicationPublic:
    """One application with its facts and computed result."""
    return ApplicationPublic.model_validate(get_application(session, user=user, app_id=app_id))


@router.get("/{app_id}/events")
def read_application_events(
    session: SessionDep, user: CurrentUser, app_id: Id
) -> list[EventPublic]:
    """The application's history of actions."""
    app = get_application(session, user=user, app_id=app_id)
    return [EventPublic.model_validate(e) for e in app.events]


@router.put("/{app_id}/facts")
def update_application_facts(
    session: SessionDep, policy: PolicyDep, user: CurrentUser, app_id: Id, body: FactsUpdate
) -> ApplicationPublic:
    """New facts (enterprise while drafting or answering; reviewer correcting, with a reason)."""
    app = update_facts(
        session, policy, user=user, app_id=app_id, case=body.case, reason=body.reason
    )
    return ApplicationPublic.model_validate(app)


@router.post("/{app_id}/actions/{action}")
def act_on_application(
    session: SessionDep,
    policy: PolicyDep,
    user: CurrentUser,
    app_id: Id,
    action: str,
    body: ActionIn | None = None,
) -> ApplicationPublic:
    """Take an action of the state machine: submit, withdraw, resubmit, request_info,
    city_approve, recognize (with `decided_amount` where the policy gives a range), reject,
    close_notice."""
    body = body or ActionIn()
    if action == "close_notice":
        app = close_notice(session, user=user, app_id=app_id, today=body.today)
    elif action in TRANSITIONS and action not in ("object", "dismiss_objection", "pay"):
        app = act(
            session,
            policy,
            user=user,
            app_id=app_id,
            action=action,
            note=body.note,
            decided_amount=body.decided_amount,
            today=body.today,
        )
    else:
        raise HTTPException(404, f"没有操作 {action}")
    return ApplicationPublic.model_validate(app)


@router.post("/{app_id}/attachments", status_code=201)
async def upload_attachment(
    session: SessionDep,
    user: CurrentUser,
    app_id: Id,
    file: Annotated[UploadFile, File()],
) -> AttachmentPublic:
    """Attach a file; it is stored with its SHA-256."""
    data = await file.read(MAX_ATTACHMENT + 1)
    attachment = add_attachment(
        session,
        user=user,
        app_id=app_id,
        filename=file.filename or "",
        content_type=file.content_type or "",
        data=data,
    )
    return AttachmentPublic.model_validate(attachment)


@router.get("/{app_id}/attachments")
def read_attachments(session: SessionDep, user: CurrentUser, app_id: Id) -> list[AttachmentPublic]:
    app = get_application(session, user=user, app_id=app_id)
    rows = session.scalars(select(Attachment).where(Attachment.application_id == app.id))
    return [AttachmentPublic.model_validate(a) for a in rows]


@router.get("/{app_id}/attachments/{attachment_id}")
def download_attachment(
    session: SessionDep, user: CurrentUser, app_id: Id, attachment_id: Id
) -> Response:
    app = get_application(session, user=user, app_id=app_id)
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.application_id != app.id:
        raise HTTPException(404, "附件不存在")
    return Response(
        attachment.content,
        media_type=attachment.content_type,
        headers={"X-Content-SHA256": attachment.sha256},
    )
