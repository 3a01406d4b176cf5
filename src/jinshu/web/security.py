"""Web sessions (signed cookies) and CSRF tokens on every form."""

from __future__ import annotations

import hmac
import secrets

from fastapi import HTTPException, Request

from jinshu.web.i18n import gettext as _


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not submitted or not hmac.compare_digest(str(expected), submitted):
        raise HTTPException(403, _("表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试"))
