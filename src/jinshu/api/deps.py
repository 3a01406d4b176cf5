"""Dependencies of the routes, each a named type: the session, the policy set, who is asking."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from jinshu.api.security import user_for_token
from jinshu.rules.policyset import PolicySet
from jinshu.store.db import transaction
from jinshu.store.models import User


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on error."""
    with transaction(request.app.state.sessions) as session:
        yield session


def get_policy(request: Request) -> PolicySet:
    policy: PolicySet = request.app.state.policy
    return policy


SessionDep = Annotated[Session, Depends(get_session)]
# Ids are 32-bit in every database: anything larger is refused before it reaches one.
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
PolicyDep = Annotated[PolicySet, Depends(get_policy)]
_bearer = HTTPBearer(auto_error=False)


def get_current_user(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None:
        raise HTTPException(401, "请先登录（缺少令牌）", headers={"WWW-Authenticate": "Bearer"})
    user = user_for_token(session, credentials.credentials)
    if user is None:
        raise HTTPException(401, "令牌无效或已过期", headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_roles(*roles: str) -> Callable[[User], User]:
    def check(user: CurrentUser) -> User:
        if user.role not in roles and user.role != "admin":
            raise HTTPException(403, f"角色 {user.role} 无权执行此操作")
        return user

    return check


class RateLimiter:
    """At most ``per_minute`` requests per client per minute (in memory, per application).

    The counts live on the application, not on the limiter: a limiter is created once per route
    module, and two applications in one process (tests, workers) must not share their quota.
    """

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.key = str(id(self))

    def _hits(self, request: Request) -> dict[str, deque[float]]:
        state = request.app.state
        if not hasattr(state, "rate_limits"):
            state.rate_limits = {}
        hits: dict[str, deque[float]] = state.rate_limits.setdefault(self.key, defaultdict(deque))
        return hits

    def __call__(self, request: Request) -> None:
        client = request.client.host if request.client else "unknown"
        now = time.monotonic()
        window = self._hits(request)[client]
        while window and now - window[0] > 60:
            window.popleft()
        if len(window) >= self.per_minute:
            raise HTTPException(429, "请求过于频繁，请稍后再试", headers={"Retry-After": "60"})
        window.append(now)


def reset_rate_limits(state: Any) -> None:
    """Forget every limiter's counts kept on an application's state (tests that fuzz endpoints)."""
    getattr(state, "rate_limits", {}).clear()
