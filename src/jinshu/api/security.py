"""Passwords (argon2) and bearer tokens (random, stored only as their SHA-256)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from jinshu.config import settings
from jinshu.store.models import ApiToken, User

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, user: User) -> str:
    token = secrets.token_urlsafe(32)
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=settings.token_hours)
    session.add(ApiToken(token_hash=_digest(token), user_id=user.id, expires_at=expires))
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.get(ApiToken, _digest(token))
    if row is None or row.revoked:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=dt.UTC)
    if expires < dt.datetime.now(dt.UTC):
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.active or not verify_password(user.password_hash, password):
        return None
    return user
