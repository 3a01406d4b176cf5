from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from jinshu.api.deps import PolicyDep, SessionDep

router = APIRouter(tags=["health"])


@router.get("/health")
def read_health(session: SessionDep, policy: PolicyDep) -> dict[str, str]:
    """Ready: the database answers and the policy set is loaded."""
    session.execute(text("SELECT 1"))
    return {"status": "ok", "document": policy.document.number, "items": str(len(policy.items))}
