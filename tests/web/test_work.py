"""Signed-in journeys in the web UI: the enterprise submits, the city approves, the department
recognises; errors show next to the action; another enterprise's application is not found."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from tests.api.conftest import login, recognized_application
from tests.web.session import csrf as _csrf
from tests.web.session import sign_in as _sign_in


def test_submit_approve_recognize_in_the_browser(client: TestClient) -> None:
    created = client.post(
        "/api/v1/applications",
        headers=login(client, "ent"),
        json={"enterprise_id": "E1", "item": "p15_bid", "year": 2020, "record_id": "c1"},
    ).json()
    url = f"/work/applications/{created['id']}"
    for username, action, expected in (
        ("ent", "submit", "已提交，待市级审核"),
        ("city", "city_approve", "市级审核通过"),
        ("dept", "recognize", "已认定，公示中"),
    ):
        desk = _sign_in(client, username)
        assert str(created["id"]) in desk
        page = client.get(url)
        assert f"/actions/{action}" in page.text, username
        done = client.post(
            f"{url}/actions/{action}", data={"csrf": _csrf(page.text)}, follow_redirects=True
        )
        assert done.status_code == 200 and expected in done.text
    assert "120000.00" in client.get(url).text


def test_errors_show_next_to_the_action_and_others_are_hidden(client: TestClient) -> None:
    created = client.post(
        "/api/v1/applications",
        headers=login(client, "ent"),
        json={"enterprise_id": "E1", "item": "p15_bid", "year": 2020, "record_id": "c1"},
    ).json()
    client.post(
        f"/api/v1/applications/{created['id']}/actions/submit",
        headers=login(client, "ent"),
        json={},
    )
    _sign_in(client, "city")
    url = f"/work/applications/{created['id']}"
    page = client.get(url)
    refused = client.post(f"{url}/actions/reject", data={"csrf": _csrf(page.text), "note": " "})
    assert refused.status_code == 409 and "须写明理由" in refused.text
    _sign_in(client, "other")
    hidden = client.get(url)
    assert hidden.status_code == 404 and "不存在" in hidden.text and "Traceback" not in hidden.text
    client.cookies.clear()
    assert client.get("/work").status_code == 401


def test_dashboard_for_finance_with_chart_and_table(client: TestClient) -> None:
    recognized_application(client)
    _sign_in(client, "fin")
    page = client.get("/work/dashboard")
    assert page.status_code == 200
    assert "第15条" in page.text and "120000.00" in page.text and "太原市" in page.text
    data = re.search(
        r'<script id="chart-data" type="application/json">(.*?)</script>', page.text, re.S
    )
    assert "echarts.min.js" in page.text and data is not None
    chart = json.loads(data.group(1))
    assert chart["clause"]["labels"] == ["第15条"] and chart["clause"]["committed"] == [120000.0]
    assert chart["year"]["labels"] == ["2020"] and chart["kind"]["labels"] == ["大数据企业"]
    assert chart["clause"]["links"] == ["/work/awards?clause=15"]
    _sign_in(client, "ent")
    assert client.get("/work/dashboard").status_code == 403


def test_guided_application_shows_the_amount_before_saving(client: TestClient) -> None:
    _sign_in(client, "ent")
    form = client.get("/work/apply")
    assert form.status_code == 200 and "c1 · contract" in form.text
    token = _csrf(form.text)
    preview = client.post(
        "/work/apply/preview",
        data={"item": "p15_bid", "record_id": "c1", "year": "2020", "csrf": token},
        headers={"HX-Request": "true"},
    )
    assert "符合" in preview.text and "120000.00" in preview.text and "第15条" in preview.text
    wrong = client.post(
        "/work/apply", data={"item": "p15_bid", "record_id": "", "year": "2020", "csrf": token}
    )
    assert wrong.status_code == 409 and "contract" in wrong.text
    saved = client.post(
        "/work/apply",
        data={"item": "p15_bid", "record_id": "c1", "year": "2020", "csrf": token},
        follow_redirects=True,
    )
    assert saved.status_code == 200 and "草稿" in saved.text and "提交申请" in saved.text


def test_apply_from_a_match_on_the_desk(client: TestClient) -> None:
    from tests.api.test_analysis_api import _analyst

    client.post("/api/v1/matches/runs?year=2020", headers=_analyst(client))
    desk = _sign_in(client, "ent")
    match = re.search(r'action="/work/matches/(\d+)/apply"', desk)
    assert match, "the desk lists the enterprise's matches with an apply button"
    done = client.post(
        f"/work/matches/{match.group(1)}/apply", data={"csrf": _csrf(desk)}, follow_redirects=True
    )
    assert done.status_code == 200 and "草稿" in done.text


def test_attachment_correction_ledger_export_and_import(client: TestClient) -> None:
    import io

    import openpyxl

    ent = login(client, "ent")
    created = client.post(
        "/api/v1/applications",
        headers=ent,
        json={"enterprise_id": "E1", "item": "p15_bid", "year": 2020, "record_id": "c1"},
    ).json()
    url = f"/work/applications/{created['id']}"
    _sign_in(client, "ent")
    page = client.get(url)
    upload = client.post(
        f"{url}/attachments",
        data={"csrf": _csrf(page.text)},
        files={"file": ("发票.pdf", b"%PDF invoice", "application/pdf")},
        follow_redirects=True,
    )
    assert "发票.pdf" in upload.text and "SHA-256" in upload.text
    client.post(f"/api/v1/applications/{created['id']}/actions/submit", headers=ent, json={})
    _sign_in(client, "city")
    page = client.get(url)
    case = created["case"]
    case["records"][0]["completed_amount"] = "2000000"
    no_reason = client.post(
        f"{url}/facts", data={"csrf": _csrf(page.text), "case_text": json.dumps(case), "reason": ""}
    )
    assert no_reason.status_code == 422 and "理由" in no_reason.text
    fixed = client.post(
        f"{url}/facts",
        data={"csrf": _csrf(page.text), "case_text": json.dumps(case), "reason": "以发票为准"},
        follow_redirects=True,
    )
    assert "60000.00" in fixed.text and "版本 2" in fixed.text
    _sign_in(client, "fin")
    assert client.get("/work/ledger").status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/work/ledger.xlsx").content))
    assert workbook.active is not None and workbook.active["A1"].value == "编号"
    _sign_in(client, "boss")
    page = client.get("/work/admin/import")
    bad_csv = "id,name,city\nE7,测试,北京市\n".encode()
    report = client.post(
        "/work/admin/import",
        data={"csrf": _csrf(page.text), "table": "enterprises"},
        files={"file": ("e.csv", bad_csv, "text/csv")},
    )
    assert report.status_code == 422 and "北京市" in report.text and "<td>2</td>" in report.text


def test_admin_creates_users_and_budgets(client: TestClient) -> None:
    desk = _sign_in(client, "boss")
    page = client.get("/work/admin")
    assert page.status_code == 200 and "用户与角色" in page.text and "ent" in page.text
    token = _csrf(page.text)
    bad = client.post(
        "/work/admin/users",
        data={
            "csrf": token,
            "username": "sci",
            "role": "department_reviewer",
            "scope": "科技部",
            "password": "long-enough-1",
        },
        follow_redirects=True,
    )
    assert "主管部门" in bad.text
    good = client.post(
        "/work/admin/users",
        data={
            "csrf": token,
            "username": "sci",
            "role": "department_reviewer",
            "scope": "省科技厅",
            "password": "long-enough-1",
        },
        follow_redirects=True,
    )
    assert "省科技厅" in good.text
    fund = "促进大数据发展应用专项资金"
    made = client.post(
        "/work/admin/budgets",
        data={
            "csrf": token,
            "fund": fund,
            "year": "2030",
            "level": "province",
            "amount": "1234.56",
        },
        follow_redirects=True,
    )
    assert "1234.56" in made.text
    again = client.post(
        "/work/admin/budgets",
        data={"csrf": token, "fund": fund, "year": "2030", "level": "province", "amount": "1"},
        follow_redirects=True,
    )
    assert "已存在" in again.text
    assert desk
    client.cookies.clear()
    login_page = client.get("/login")
    signed = client.post(
        "/login",
        data={"username": "sci", "password": "long-enough-1", "csrf": _csrf(login_page.text)},
        follow_redirects=True,
    )
    assert "sci（省级主管部门）" in signed.text
    _sign_in(client, "ent")
    assert client.get("/work/admin").status_code == 403


def test_dashboard_drills_down_to_awards(client: TestClient) -> None:
    recognized_application(client)
    _sign_in(client, "fin")
    assert "/work/awards?clause=15" in client.get("/work/dashboard").text
    by_clause = client.get("/work/awards?clause=15")
    assert "太原数智科技有限公司" in by_clause.text and "120000.00" in by_clause.text
    assert "没有奖励" in client.get("/work/awards?clause=1").text
    assert "太原数智科技有限公司" in client.get("/work/awards?city=太原市").text
