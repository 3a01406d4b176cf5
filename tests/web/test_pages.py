"""The public pages: policy library, calculator, public notice with objections, sign-in."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from jinshu.facts.examples import load_example
from tests.api.conftest import PASSWORD
from tests.web.session import csrf as _csrf


def test_library_and_clause_pages(client: TestClient) -> None:
    index = client.get("/policies")
    assert (
        index.status_code == 200 and "支持数字基础设施建设" not in index.text
    )  # titles, not sections
    assert "鼓励大数据企业开展市场拓展" in index.text
    clause = client.get("/policies/15")
    assert "单个中标合同金额达300万元及以上的" in clause.text  # the text verbatim
    assert (
        "bid_annual_max" in clause.text and "3000000" in clause.text and "2019-08-27" in clause.text
    )
    assert client.get("/policies/99").status_code == 404


def test_calculator_page_explains_and_refuses_bad_input(client: TestClient) -> None:
    form = client.get("/calculator")
    token = _csrf(form.text)
    case = json.dumps(load_example("bigdata-firm"), default=str)
    ok = client.post("/calculator", data={"case_text": case, "csrf": token})
    assert ok.status_code == 200 and "2688000.00" in ok.text and "第16条" in ok.text
    bad = client.post("/calculator", data={"case_text": '{"year": "x"}', "csrf": token})
    assert bad.status_code == 422 and "year" in bad.text and "Traceback" not in bad.text
    forged = client.post("/calculator", data={"case_text": case, "csrf": "forged"})
    assert forged.status_code == 403 and "CSRF" in forged.text


def test_notice_objection_form(client: TestClient) -> None:
    from tests.api.conftest import login, recognized_application

    app = recognized_application(client)
    ent = login(client, "ent")
    page = client.get("/notices")
    assert "太原数智科技有限公司" in page.text and "120000.00" in page.text
    award = client.get("/api/v1/notices").json()[0]["award_id"]
    empty = client.post(
        f"/notices/{award}/objections", data={"text": " ", "csrf": _csrf(page.text)}
    )
    assert empty.status_code == 422 and "请填写异议内容" in empty.text
    done = client.post(
        f"/notices/{award}/objections", data={"text": "合同为省内项目", "csrf": _csrf(page.text)}
    )
    assert done.status_code == 200 and "已收到" in done.text
    assert (
        client.get(f"/api/v1/applications/{app['id']}", headers=ent).json()["state"] == "objected"
    )


def test_sign_in_and_out(client: TestClient) -> None:
    page = client.get("/login")
    wrong = client.post(
        "/login", data={"username": "ent", "password": "x", "csrf": _csrf(page.text)}
    )
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    good = client.post(
        "/login",
        data={"username": "ent", "password": PASSWORD, "csrf": _csrf(page.text)},
        follow_redirects=True,
    )
    assert good.status_code == 200 and "ent（企业）" in good.text
    out = client.post("/logout", data={"csrf": _csrf(good.text)}, follow_redirects=True)
    assert "登录" in out.text and "ent（企业）" not in out.text


def test_assets_are_served_locally(client: TestClient) -> None:
    home = client.get("/")
    assert "/static/vendor/htmx.min.js" in home.text and "cdn" not in home.text.lower()
    assert client.get("/static/vendor/htmx.min.js").status_code == 200
    assert client.get("/static/vendor/echarts.min.js").status_code == 200
