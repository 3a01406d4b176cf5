"""The audit log: every state change and payment, hash-chained so that any edit shows.

Each entry's hash covers its content and the previous entry's hash; ``verify_chain`` recomputes
the chain and reports the first entry that was altered, removed or reordered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from jinshu.store.models import AuditEntry

GENESIS = "0" * 64


def _digest(prev: str, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256((prev + body).encode("utf-8")).hexdigest()


def _fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
    }


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain (inside the caller's transaction)."""
    if session.get_bind().dialect.name == "postgresql":
        # One writer at a time extends the chain; released when the transaction ends.
        session.execute(text("SELECT pg_advisory_xact_lock(724201)"))
    last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
    prev = last.hash if last is not None else GENESIS
    entry = AuditEntry(
        seq=(last.seq + 1) if last is not None else 1,
        at=dt.datetime.now(dt.UTC).isoformat(),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=json.loads(json.dumps(before, default=str)) if before is not None else None,
        after=json.loads(json.dumps(after, default=str)) if after is not None else None,
        prev_hash=prev,
        hash="",
    )
    entry.hash = _digest(prev, _fields(entry))
    session.add(entry)
    session.flush()
    return entry


def verify_chain(session: Session) -> list[str]:
    """Problems found in the chain (empty when intact)."""
    problems: list[str] = []
    prev = GENESIS
    expected_seq = 1
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        if entry.seq != expected_seq:
            problems.append(f"第{expected_seq}条记录缺失（entry {expected_seq} is missing）")
            expected_seq = entry.seq
        if entry.prev_hash != prev:
            problems.append(f"第{entry.seq}条的前序哈希不符（entry {entry.seq}: chain broken）")
        if _digest(entry.prev_hash, _fields(entry)) != entry.hash:
            problems.append(f"第{entry.seq}条内容已被改动（entry {entry.seq} was altered）")
        prev = entry.hash
        expected_seq += 1
    return problems
