from __future__ import annotations

from fastapi import APIRouter, HTTPException

from jinshu.api.deps import CurrentUser, SessionDep
from jinshu.api.schemas import LoginIn, TokenOut, UserPublic
from jinshu.api.security import authenticate, issue_token
from jinshu.workflow import audit

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token")
def create_token(session: SessionDep, login: LoginIn) -> TokenOut:
    """Sign in with username and password; returns a bearer token."""
    user = authenticate(session, login.username, login.password)
    if user is None:
        raise HTTPException(401, "用户名或密码错误")
    token = issue_token(session, user)
    audit.record(
        session, actor=user.username, action="login", object_type="user", object_id=str(user.id)
    )
    return TokenOut(access_token=token, role=user.role)


@router.get("/me")
def read_me(user: CurrentUser) -> UserPublic:
    """Who the token belongs to."""
    return UserPublic(
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        enterprise_id=user.enterprise_id,
        city=user.city,
        department=user.department,
    )
