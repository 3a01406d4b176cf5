"""Attachments of an application, stored with their SHA-256 (one function for API and web)."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from jinshu.errors import WorkflowError, problem
from jinshu.store.models import Attachment, User
from jinshu.workflow import audit
from jinshu.workflow.applications import get_application

MAX_ATTACHMENT = 10 * 1024 * 1024


def add_attachment(
    session: Session, *, user: User, app_id: int, filename: str, content_type: str, data: bytes
) -> Attachment:
    """Attach ``data`` to an application the user may see; audited."""
    app = get_application(session, user=user, app_id=app_id)
    if not data:
        raise WorkflowError(problem("file", "请选择要上传的文件", "the file is empty"))
    if len(data) > MAX_ATTACHMENT:
        raise WorkflowError(problem("file", "附件不能超过 10 MB", "the file is larger than 10 MB"))
    attachment = Attachment(
        application_id=app.id,
        filename=(filename or "attachment")[:200],
        content_type=(content_type or "application/octet-stream")[:100],
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content=data,
        uploaded_by=user.username,
    )
    session.add(attachment)
    session.flush()
    audit.record(
        session,
        actor=user.username,
        action="attach",
        object_type="application",
        object_id=str(app.id),
        after={"attachment": attachment.id, "sha256": attachment.sha256},
    )
    return attachment
