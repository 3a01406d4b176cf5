"""The task registry in the database: loaded from the committed registry, read by area and unit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jinshu.errors import NotFound, problem
from jinshu.store.models import SupervisionTask
from jinshu.supervise.registry import Registry, TaskSpec
from jinshu.workflow import audit


@dataclass
class LoadReport:
    """What loading the registry changed: task ids added and updated, and how many stayed."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    not_in_registry: list[str] = field(default_factory=list)


def _fields(spec: TaskSpec) -> dict[str, Any]:
    return {
        "section": spec.section,
        "area": spec.area,
        "area_key": spec.area_key,
        "area_title": spec.area_title,
        "position": spec.order,
        "title": spec.title,
        "text": spec.text,
        "lead_unit": spec.lead,
        "co_units": list(spec.co_units),
    }


def load_tasks(session: Session, registry: Registry, *, actor: str) -> LoadReport:
    """Insert new tasks and update changed ones (audited); tasks the registry no longer has are
    kept, since plan items may refer to them, and reported."""
    report = LoadReport()
    existing = {t.id: t for t in session.scalars(select(SupervisionTask))}
    for spec in registry.tasks:
        wanted = _fields(spec)
        row = existing.pop(spec.id, None)
        if row is None:
            session.add(SupervisionTask(id=spec.id, **wanted))
            report.added.append(spec.id)
            continue
        before = {k: getattr(row, k) for k in wanted}
        if before == wanted:
            report.unchanged += 1
            continue
        for key, value in wanted.items():
            setattr(row, key, value)
        report.updated.append(spec.id)
    report.not_in_registry = sorted(existing)
    session.flush()
    if report.added or report.updated:
        audit.record(
            session,
            actor=actor,
            action="load_tasks",
            object_type="supervision_tasks",
            object_id=registry.source_sha256[:16],
            after={"source": registry.source, "added": report.added, "updated": report.updated},
        )
    return report


def list_tasks(
    session: Session,
    *,
    section: int | None = None,
    area: int | None = None,
    unit: str | None = None,
) -> list[SupervisionTask]:
    """Tasks in the order of the text, optionally one section, area or unit (lead or co-unit)."""
    query = select(SupervisionTask).order_by(
        SupervisionTask.section, SupervisionTask.area, SupervisionTask.position
    )
    if section is not None:
        query = query.where(SupervisionTask.section == section)
    if area is not None:
        query = query.where(SupervisionTask.area == area)
    rows = list(session.scalars(query))
    if unit:
        rows = [t for t in rows if unit == t.lead_unit or unit in t.co_units]
    return rows


def get_task(session: Session, task_id: str) -> SupervisionTask:
    task = session.get(SupervisionTask, task_id)
    if task is None:
        raise NotFound(problem("task_id", f"任务 {task_id} 不存在", f"task {task_id} not found"))
    return task
