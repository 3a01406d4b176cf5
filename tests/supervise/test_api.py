"""The supervision API (SQLite and PostgreSQL): roles, validation errors in the one JSON error
format, reports with evidence, the assessment."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jinshu.api.security import hash_password
from jinshu.store.db import session_factory
from tests.api.conftest import PASSWORD, login
from tests.api.conftest import client as api_client  # noqa: F401  (the API client fixture)
from tests.supervise.conftest import add_users

ITEM = {
    "task_id": "4.1.1",
    "year": 2024,
    "title": "千兆光网覆盖设区市城区",
    "deadline": "2024-10-31",
    "lead_unit": "省通信管理局",
    "co_units": ["省工信厅"],
    "expected_output": "11个设区市城区千兆覆盖",
}


@pytest.fixture
def client(api_client: TestClient, db_url: str) -> Iterator[TestClient]:  # noqa: F811
    """The API client, plus supervision's users (same password) and the task registry."""
    add_users(session_factory(db_url), hash_password(PASSWORD))
    yield api_client


def _item(client: TestClient, **change: Any) -> dict[str, Any]:
    created = client.post(
        "/api/v1/supervision/plan-items", headers=login(client, "boss"), json={**ITEM, **change}
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def test_only_units_analysts_and_admins_see_supervision(client: TestClient) -> None:
    outsiders = {who: login(client, who) for who in ("ent", "city", "fin")}
    for path in ("/tasks", "/plan-items", "/assessment/2024", "/units"):
        for who, headers in outsiders.items():
            refused = client.get(f"/api/v1/supervision{path}", headers=headers)
            assert refused.status_code == 403, (path, who)
            assert refused.json()["error"]["code"] == "forbidden"
        assert client.get(f"/api/v1/supervision{path}").status_code == 401
    tasks = client.get("/api/v1/supervision/tasks", headers=login(client, "tel")).json()
    assert tasks["count"] == 26
    assert tasks["data"][0]["lead_unit"] == "省通信管理局"
    mine = client.get(
        "/api/v1/supervision/tasks", params={"unit": "太原海关"}, headers=login(client, "analyst")
    ).json()
    assert [t["id"] for t in mine["data"]] == ["4.2.6"]


def test_only_the_admin_manages_items(client: TestClient) -> None:
    for who in ("tel", "analyst", "dept"):
        refused = client.post(
            "/api/v1/supervision/plan-items", headers=login(client, who), json=ITEM
        )
        assert refused.status_code == 403, who
    made = _item(client)
    assert made["status"]["state"] == "overdue"  # deadline 2024-10-31, today is later, no report
    assert made["status"]["stale"] is True
    patched = client.patch(
        f"/api/v1/supervision/plan-items/{made['id']}",
        headers=login(client, "boss"),
        json={"deadline": "2024-12-31"},
    )
    assert patched.status_code == 200 and patched.json()["deadline"] == "2024-12-31"


BAD_ITEMS = [
    ({"lead_unit": "省外星局"}, "lead_unit"),
    ({"co_units": ["不存在的单位"]}, "co_units"),
    ({"co_units": ["省通信管理局"]}, "co_units"),  # the lead again
    ({"deadline": "2026-01-01"}, "deadline"),
    ({"deadline": "31/10/2024"}, "deadline"),
    ({"year": "二〇二四"}, "year"),
    ({"title": ""}, "title"),
    ({"owner": "x"}, "owner"),
]


def test_bad_items_get_422_naming_the_field(client: TestClient) -> None:
    admin = login(client, "boss")
    for change, field in BAD_ITEMS:
        refused = client.post(
            "/api/v1/supervision/plan-items", headers=admin, json={**ITEM, **change}
        )
        assert refused.status_code == 422, change
        error = refused.json()["error"]
        assert error["code"] == "invalid_request"
        assert [e["field"] for e in error["errors"]] == [field], change
    assert client.get("/api/v1/supervision/plan-items", headers=admin).json()["count"] == 0


def test_unknown_task_is_an_invalid_input(client: TestClient) -> None:
    refused = client.post(
        "/api/v1/supervision/plan-items",
        headers=login(client, "boss"),
        json={**ITEM, "task_id": "4.9.9"},
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "invalid_input"
    assert refused.json()["error"]["errors"][0]["field"] == "task_id"


def test_reporting_rules_and_scopes(client: TestClient) -> None:
    made = _item(client)
    url = f"/api/v1/supervision/plan-items/{made['id']}/reports"
    tel, miit = login(client, "tel"), login(client, "sci")
    first = client.post(
        url, headers=tel, json={"reported_on": "2024-04-10", "percent": 30, "text": "4市覆盖"}
    )
    assert first.status_code == 201 and first.json()["unit"] == "省通信管理局"
    cases = [
        ({"percent": 101}, "percent", "invalid_request"),
        ({"percent": 50.5}, "percent", "invalid_request"),
        ({"text": "   "}, "text", "invalid_request"),
        ({"reported_on": "2024-13-01"}, "reported_on", "invalid_request"),
        ({"reported_on": (dt.date.today() + dt.timedelta(days=1)).isoformat()}, "reported_on", "invalid_input"),
        ({"reported_on": "2024-04-09"}, "reported_on", "invalid_input"),
        ({"percent": 20}, "reason", "invalid_input"),
    ]  # fmt: skip
    for change, field, code in cases:
        body = {"reported_on": "2024-08-15", "percent": 40, "text": "进展", **change}
        refused = client.post(url, headers=tel, json=body)
        assert refused.status_code == 422, change
        error = refused.json()["error"]
        assert (error["code"], error["errors"][0]["field"]) == (code, field), change
    lower = client.post(
        url, headers=tel,
        json={"reported_on": "2024-08-15", "percent": 20, "text": "口径调整", "reason": "按新口径核定"},
    )  # fmt: skip
    assert lower.status_code == 201
    other = client.post(
        url, headers=miit, json={"reported_on": "2024-09-01", "percent": 50, "text": "x"}
    )
    assert other.status_code == 404  # 省科技厅 is not on the item
    assert (
        client.get(f"/api/v1/supervision/plan-items/{made['id']}", headers=miit).status_code == 404
    )
    analyst = client.post(
        url, headers=login(client, "analyst"), json={"reported_on": "2024-09-01", "percent": 50, "text": "x"}
    )  # fmt: skip
    assert analyst.status_code == 409 and analyst.json()["error"]["code"] == "not_allowed"
    co_unit = client.post(
        url, headers=login(client, "dept"), json={"reported_on": "2024-09-01", "percent": 50, "text": "配合"}
    )  # fmt: skip
    assert co_unit.status_code == 201 and co_unit.json()["unit"] == "省工信厅"
    reports = client.get(url, headers=tel).json()
    assert [(r["percent"], r["reason"]) for r in reports] == [
        (30, ""),
        (20, "按新口径核定"),
        (50, ""),
    ]


def test_evidence_upload_and_download_with_sha256(client: TestClient) -> None:
    made = _item(client)
    tel = login(client, "tel")
    report = client.post(
        f"/api/v1/supervision/plan-items/{made['id']}/reports",
        headers=tel,
        json={"reported_on": "2024-10-30", "percent": 100, "text": "全部完成"},
    ).json()
    content = "验收报告：11市城区千兆覆盖".encode()
    uploaded = client.post(
        f"/api/v1/supervision/reports/{report['id']}/attachments",
        headers=tel,
        files={"file": ("验收报告.txt", content, "text/plain")},
    )
    assert uploaded.status_code == 201
    evidence = uploaded.json()
    assert evidence["sha256"] == hashlib.sha256(content).hexdigest()
    path = f"/api/v1/supervision/reports/{report['id']}/attachments/{evidence['id']}"
    got = client.get(path, headers=login(client, "analyst"))
    assert got.content == content and got.headers["x-content-sha256"] == evidence["sha256"]
    assert client.get(path, headers=login(client, "sci")).status_code == 404
    by_co_unit = client.post(
        f"/api/v1/supervision/reports/{report['id']}/attachments",
        headers=login(client, "dept"),
        files={"file": ("x.txt", b"x", "text/plain")},
    )
    assert by_co_unit.status_code == 409
    item = client.get(f"/api/v1/supervision/plan-items/{made['id']}", headers=tel).json()
    assert item["status"]["state"] == "on_time" and item["status"]["completed_on"] == "2024-10-30"


def test_assessment_for_the_analyst_and_for_a_unit(client: TestClient) -> None:
    done = _item(client)
    _item(client, task_id="4.1.3", lead_unit="省工信厅", co_units=[], deadline="2024-06-30")
    client.post(
        f"/api/v1/supervision/plan-items/{done['id']}/reports",
        headers=login(client, "tel"),
        json={"reported_on": "2024-11-02", "percent": 100, "text": "完成"},
    )
    whole = client.get(
        "/api/v1/supervision/assessment/2024", headers=login(client, "analyst")
    ).json()
    assert whole["as_of"] == "2024-12-31" and whole["stale_days"] == 30
    assert whole["total"] == {
        "on_time": 0, "late": 1, "overdue": 1, "in_progress": 0, "stale": 1, "total": 2,
    }  # fmt: skip
    units = {u["unit"]: u for u in whole["units"]}
    assert units["省通信管理局"]["as_lead"]["late"] == 1
    assert units["省工信厅"]["as_lead"]["overdue"] == 1 and units["省工信厅"]["as_co"]["late"] == 1
    own = client.get("/api/v1/supervision/assessment/2024", headers=login(client, "tel")).json()
    assert [u["unit"] for u in own["units"]] == ["省通信管理局"]
    earlier = client.get(
        "/api/v1/supervision/assessment/2024",
        params={"as_of": "2024-10-31", "stale_days": 400},
        headers=login(client, "analyst"),
    ).json()
    assert earlier["total"]["in_progress"] == 1 and earlier["total"]["overdue"] == 1
    assert earlier["total"]["stale"] == 0
    flagged = client.get(
        "/api/v1/supervision/plan-items",
        params={"year": 2024, "state": "overdue", "as_of": "2024-12-31"},
        headers=login(client, "analyst"),
    ).json()
    assert [i["lead_unit"] for i in flagged["data"]] == ["省工信厅"]


def test_openapi_documents_the_supervision_routes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = [p for p in spec["paths"] if p.startswith("/api/v1/supervision")]
    assert "/api/v1/supervision/plan-items/{item_id}/reports" in paths
    assert "/api/v1/supervision/assessment/{year}" in paths
    assert "PlanItemIn" in spec["components"]["schemas"]
