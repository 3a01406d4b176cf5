"""Action-plan items (SQLite and PostgreSQL): checks on units and dates, changes by the admin
only, and who sees which item."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jinshu.errors import InputError, NotFound, WorkflowError
from jinshu.store.db import transaction
from jinshu.supervise.plans import (
    create_plan_item,
    delete_plan_item,
    update_plan_item,
    visible_plan_items,
)
from jinshu.supervise.registry import default_registry
from jinshu.supervise.schemas import PlanItemIn, PlanItemUpdate
from jinshu.supervise.tasks import load_tasks
from jinshu.supervise.validation import parse
from tests.supervise.helpers import item, report, user

D = dt.date
GOOD = {
    "task_id": "4.1.3",
    "year": 2024,
    "title": "二级节点",
    "deadline": "2024-06-30",
    "lead_unit": "省工信厅",
    "co_units": ["省通信管理局"],
}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"lead_unit": "省外星局"}, "lead_unit", "未知责任单位「省外星局」，须为任务清单中的单位"),
        ({"co_units": ["省通信管理局", "省通信管理局"]}, "co_units", "配合单位有重复"),
        ({"co_units": ["省工信厅"]}, "co_units", "牵头单位「省工信厅」不能同时是配合单位"),
        ({"deadline": "2023-12-31"}, "deadline", "完成时限须在 2024-01-01 至 2025-12-31 之间"),
        ({"deadline": "2024-02-30"}, "deadline", "须为有效日期（YYYY-MM-DD）"),
        ({"year": 2018}, "year", "不能小于 2019"),
        ({"title": "  "}, "title", "不能为空"),
    ],
)
def test_bad_items_are_refused_naming_the_field(
    change: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        parse(PlanItemIn, {**GOOD, **change})
    entry = caught.value.entries[0]
    assert (entry.location, entry.message_zh) == (field, message)


def test_only_the_admin_creates_and_the_task_must_exist(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        with pytest.raises(WorkflowError):
            create_plan_item(s, user=user(s, "miit"), data=parse(PlanItemIn, GOOD))
        with pytest.raises(InputError) as caught:
            create_plan_item(
                s, user=user(s, "boss"), data=parse(PlanItemIn, {**GOOD, "task_id": "4.9.9"})
            )
        assert caught.value.entries[0].location == "task_id"


def test_units_see_their_items_analysts_all(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        a = item(s, lead="省工信厅", co_units=("省科技厅",)).id
        b = item(s, task_id="4.1.1", lead="省通信管理局").id
        seen = {
            name: [i.id for i in visible_plan_items(s, user=user(s, name))]
            for name in ("miit", "sci", "tel", "analyst", "boss", "ent", "city", "fin")
        }
    assert seen == {
        "miit": [a], "sci": [a], "tel": [b], "analyst": [b, a], "boss": [b, a],
        "ent": [], "city": [], "fin": [],
    }  # fmt: skip


def test_update_checks_the_whole_item_and_is_audited(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        made = item(s)
        with pytest.raises(InputError) as caught:
            update_plan_item(
                s, user=user(s, "boss"), item_id=made.id,
                data=PlanItemUpdate(co_units=["省工信厅"]),
            )  # fmt: skip
        assert "不能同时是配合单位" in caught.value.entries[0].message_zh
        changed = update_plan_item(
            s, user=user(s, "boss"), item_id=made.id, data=PlanItemUpdate(deadline=D(2024, 9, 30))
        )
        assert (changed.deadline, changed.co_units) == (D(2024, 9, 30), [])
        with pytest.raises(WorkflowError):
            update_plan_item(
                s, user=user(s, "miit"), item_id=made.id, data=PlanItemUpdate(title="改名")
            )


def test_an_item_with_reports_is_not_deleted(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        kept, gone = item(s).id, item(s, title="另一项").id
        report(s, "miit", kept, D(2024, 3, 1), 10)
        with pytest.raises(WorkflowError):
            delete_plan_item(s, user=user(s, "boss"), item_id=kept)
        delete_plan_item(s, user=user(s, "boss"), item_id=gone)
        with pytest.raises(NotFound):
            delete_plan_item(s, user=user(s, "boss"), item_id=gone)


def test_loading_twice_changes_nothing(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        again = load_tasks(s, default_registry(), actor="test")
    assert (again.added, again.updated, again.unchanged) == ([], [], 26)
