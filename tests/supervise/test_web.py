"""The supervision pages (SQLite and PostgreSQL): the registry by area, a unit's report form with
CSRF and evidence, errors beside their field, the admin's item form, the assessment and its chart;
roles checked on every page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jinshu.api.security import hash_password
from jinshu.store.db import session_factory
from tests.api.conftest import PASSWORD, login
from tests.api.conftest import client as api_client  # noqa: F401  (the API client fixture)
from tests.supervise.conftest import add_users
from tests.web.session import csrf as _csrf
from tests.web.session import sign_in as _sign_in


@pytest.fixture
def client(api_client: TestClient, db_url: str) -> Iterator[TestClient]:  # noqa: F811
    add_users(session_factory(db_url), hash_password(PASSWORD))
    yield api_client


def _item(client: TestClient, **change: Any) -> int:
    body = {
        "task_id": "4.1.1", "year": 2024, "title": "千兆光网覆盖设区市城区",
        "deadline": "2024-10-31", "lead_unit": "省通信管理局", "co_units": ["省工信厅"], **change,
    }  # fmt: skip
    made = client.post("/api/v1/supervision/plan-items", headers=login(client, "boss"), json=body)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def test_pages_refuse_who_sees_nothing_of_supervision(client: TestClient) -> None:
    item_id = _item(client)
    for who in ("ent", "city", "fin"):
        _sign_in(client, who)
        for path in (
            "/work/tasks",
            "/work/tasks/4.1.1",
            f"/work/plan-items/{item_id}",
            "/work/assessment",
        ):
            page = client.get(path)
            assert page.status_code == 403 and "督查事项仅对" in page.text, (who, path)
        assert "重点任务督查" not in client.get("/work").text  # no link in the navigation
    client.cookies.clear()
    assert client.get("/work/tasks").status_code == 401
    _sign_in(client, "sci")  # a unit not on the item
    assert client.get(f"/work/plan-items/{item_id}").status_code == 404


def test_the_registry_by_area_for_a_unit(client: TestClient) -> None:
    _sign_in(client, "tel")
    page = client.get("/work/tasks")
    assert page.status_code == 200
    text = page.text
    assert (
        "（一）“网”：提升网络设施能力" in text
        and "（五）“芯”：支持半导体高端核心产业快速发展" in text
    )
    assert "五、保障措施 · （五）建立统计评价体系" in text
    assert text.index("夯实基础网络服务能力") < text.index("加快建设新型基础设施")
    only = client.get("/work/tasks", params={"unit": "太原海关"}).text
    assert "发展数字商务" in only and "夯实基础网络服务能力" not in only


def test_a_unit_reports_progress_with_evidence(client: TestClient) -> None:
    item_id = _item(client)
    _sign_in(client, "tel")
    page = client.get(f"/work/plan-items/{item_id}")
    assert page.status_code == 200 and "报送进展（省通信管理局）" in page.text
    form = {"reported_on": "2024-05-10", "percent": "40", "text": "4市城区完成覆盖"}
    no_csrf = client.post(f"/work/plan-items/{item_id}/reports", data=form)
    assert no_csrf.status_code == 403
    done = client.post(
        f"/work/plan-items/{item_id}/reports",
        data={**form, "csrf": _csrf(page.text)},
        files={"file": ("验收报告.txt", "验收报告".encode(), "text/plain")},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/work/plan-items/{item_id}"
    shown = client.get(f"/work/plan-items/{item_id}").text
    assert "4市城区完成覆盖" in shown and "验收报告.txt" in shown and "40%" in shown
    link = re.search(r'href="(/work/supervision/reports/\d+/attachments/\d+)"', shown)
    assert link is not None
    assert client.get(link.group(1)).content == "验收报告".encode()
    # A co-unit sees the report; another unit does not see the file.
    _sign_in(client, "dept")
    assert "4市城区完成覆盖" in client.get(f"/work/plan-items/{item_id}").text
    _sign_in(client, "sci")
    assert client.get(link.group(1)).status_code == 404


def test_a_refused_report_shows_the_error_beside_its_field_and_saves_nothing(
    client: TestClient,
) -> None:
    item_id = _item(client)
    _sign_in(client, "tel")
    page = client.get(f"/work/plan-items/{item_id}")
    first = {"reported_on": "2024-05-10", "percent": "60", "text": "进展", "csrf": _csrf(page.text)}
    saved = client.post(f"/work/plan-items/{item_id}/reports", data=first, follow_redirects=False)
    assert saved.status_code == 303
    lower = client.post(
        f"/work/plan-items/{item_id}/reports",
        data={**first, "reported_on": "2024-06-01", "percent": "30", "text": "下调"},
        files={"file": ("附件.txt", b"evidence", "text/plain")},
    )
    assert lower.status_code == 422
    assert re.search(r'id="err-reason">进度由上次的 60% 降为 30%，须说明理由', lower.text)
    assert 'value="30"' in lower.text  # what was typed is kept
    bad = client.post(
        f"/work/plan-items/{item_id}/reports",
        data={**first, "reported_on": "2024-02-30", "percent": "一百", "text": ""},
    )
    assert bad.status_code == 422
    for field, message in (
        ("reported_on", "须为有效日期"),
        ("percent", "须为整数"),
        ("text", "不能为空"),
    ):
        assert re.search(rf'id="err-{field}">{message}', bad.text), field
    empty_file = client.post(
        f"/work/plan-items/{item_id}/reports",
        data={**first, "reported_on": "2024-06-01", "percent": "70"},
        files={"file": ("空.txt", b"", "text/plain")},
    )
    assert empty_file.status_code == 422 and 'id="err-file">请选择要上传的文件' in empty_file.text
    reports = client.get(
        f"/api/v1/supervision/plan-items/{item_id}/reports", headers=login(client, "tel")
    ).json()
    assert [(r["percent"], r["attachments"]) for r in reports] == [(60, [])]


def test_the_admin_adds_an_item_on_the_task_page(client: TestClient) -> None:
    _sign_in(client, "tel")
    assert "新增行动计划事项" not in client.get("/work/tasks/4.2.1").text
    refused = client.post(
        "/work/tasks/4.2.1/plan-items",
        data={"csrf": _csrf(client.get("/work/tasks/4.2.1").text), "year": "2024"},
    )
    assert refused.status_code == 403
    _sign_in(client, "boss")
    page = client.get("/work/tasks/4.2.1")
    form = {
        "csrf": _csrf(page.text), "year": "2024", "title": "DCMM 贯标企业 50 家",
        "deadline": "2025-03-31", "lead_unit": "省工信厅", "co_units": ["省科技厅", "省统计局"],
    }  # fmt: skip
    bad = client.post("/work/tasks/4.2.1/plan-items", data={**form, "deadline": "2026-01-01"})
    assert bad.status_code == 422
    assert re.search(r'id="err-deadline">完成时限须在 2024-01-01 至 2025-12-31 之间', bad.text)
    made = client.post("/work/tasks/4.2.1/plan-items", data=form, follow_redirects=False)
    assert made.status_code == 303
    item_page = client.get(made.headers["location"]).text
    assert "DCMM 贯标企业 50 家" in item_page and "省科技厅、省统计局" in item_page


def test_the_assessment_page_has_a_table_and_a_chart(client: TestClient) -> None:
    item_id = _item(client)
    client.post(
        f"/api/v1/supervision/plan-items/{item_id}/reports",
        headers=login(client, "tel"),
        json={"reported_on": "2024-11-02", "percent": 100, "text": "完成"},
    )
    _sign_in(client, "analyst")
    page = client.get("/work/assessment", params={"year": "2024"})
    assert page.status_code == 200
    assert "截至 2024-12-31" in page.text and 'id="by-unit"' in page.text
    assert "/static/vendor/echarts.min.js" in page.text
    chart = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', page.text)
    assert chart is not None
    assert '"late": [1, 0]' in chart.group(1)  # 省通信管理局 late as lead; 省工信厅 a co-unit
    bad = client.get("/work/assessment", params={"year": "2024", "as_of": "2024-02-30"})
    assert bad.status_code == 422 and "截至日期：须为有效日期" in bad.text


def test_the_admin_page_creates_a_user_for_a_unit(client: TestClient) -> None:
    _sign_in(client, "boss")
    page = client.get("/work/admin")
    made = client.post(
        "/work/admin/users",
        data={
            "csrf": _csrf(page.text), "username": "stats", "role": "department_reviewer",
            "scope": "省统计局", "password": "long-enough-1",
        },
        follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 303 and made.headers["location"] == "/work/admin?done=user"
    issued = client.post(
        "/api/v1/auth/token", json={"username": "stats", "password": "long-enough-1"}
    )
    token = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    assert client.get("/api/v1/supervision/tasks", headers=token).status_code == 200
