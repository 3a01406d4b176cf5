"""In a real browser (Debian's Chromium driven by Playwright), one journey per role, each doing
its real job: the public (calculator, notice, objection), the enterprise, the city reviewer, the
department reviewer, finance, the analyst and the admin; then one journey across all of them.
Also form errors, a forbidden page and the language switch. One server for the module."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import select

from jinshu.api.main import create_app
from jinshu.api.security import hash_password
from jinshu.store.db import session_factory, transaction
from jinshu.store.models import Award, Budget, User
from tests.api.conftest import PASSWORD
from tests.workflow.helpers import FUND, seed

CHROMIUM = "/usr/bin/chromium"
# One contract per journey (separate projects, so no journey's award limits another's).
CONTRACTS = {f"c{i}": (f"P{i}", "4000000") for i in range(1, 8)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_URLS: dict[str, str] = {}


def server_db_url(base: str) -> str:
    return _URLS[base]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from jinshu.store.migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'web.db'}"
    upgrade(url)
    factory = session_factory(url)
    seed(factory, CONTRACTS, budget="1000000")
    with transaction(factory) as s:
        hashed = hash_password(PASSWORD)
        for user in s.scalars(select(User)):
            user.password_hash = hashed
        s.add(User(username="analyst", role="analyst", password_hash=hashed))
        s.add(User(username="boss", role="admin", password_hash=hashed))
        s.add(Budget(fund=FUND, year=dt.date.today().year, level="province", region="",
                     amount=Decimal(500000)))  # fmt: skip
    port = _free_port()
    config = uvicorn.Config(create_app(url), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(100):
        if running.started:
            break
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    _URLS[base] = url
    yield base
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "the test setup installs Debian's chromium (.ci/run)"
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        yield b
        b.close()


def _page(browser: Browser) -> Page:
    """A fresh browser profile that asks for Chinese (as the province's users do)."""
    return browser.new_context(locale="zh-CN").new_page()


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{base}/work")


def _as(browser: Browser, base: str, username: str) -> Page:
    page = _page(browser)
    _sign_in(page, base, username)
    return page


def _api(base: str, username: str) -> dict[str, str]:
    token = httpx.post(
        f"{base}/api/v1/auth/token", json={"username": username, "password": PASSWORD}
    ).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def _application(base: str, record: str, *actions: tuple[str, str]) -> int:
    """An application for ``record`` made by the API and taken through ``actions``."""
    created = httpx.post(
        f"{base}/api/v1/applications",
        headers=_api(base, "ent"),
        json={"enterprise_id": "E1", "item": "p15_bid", "year": 2020, "record_id": record},
    ).json()
    for who, action in actions:
        done = httpx.post(
            f"{base}/api/v1/applications/{created['id']}/actions/{action}",
            headers=_api(base, who),
            json={"note": "请补充发票"} if action == "request_info" else {},
        )
        assert done.status_code == 200, done.text
    return int(created["id"])


def _end_notice(base: str, app_id: int) -> None:
    """The notice period passes (its end moved into the past)."""
    with transaction(session_factory(server_db_url(base))) as s:
        award = s.scalars(select(Award).where(Award.application_id == app_id)).one()
        award.notice_end = dt.date.today() - dt.timedelta(days=1)


SUBMITTED = (("ent", "submit"),)
CITY_APPROVED = (*SUBMITTED, ("city", "city_approve"))
RECOGNISED = (*CITY_APPROVED, ("dept", "recognize"))


def test_public_calculator_notice_and_objection(server: str, browser: Browser) -> None:
    page = _page(browser)
    page.goto(f"{server}/policies/15")
    assert "单个中标合同金额达300万元及以上的" in page.inner_text(".clause")
    page.goto(f"{server}/calculator")
    page.click("#calculator form button[type=submit]")
    page.wait_for_selector("#results table")
    assert "2688000.00" in page.inner_text("#results .totals")
    page.fill("input[name='records.0.contract_amount']", "lots")  # a form error, by its field
    page.click("#calculator form button[type=submit]")
    page.wait_for_selector(".field.invalid .error")
    invalid = page.locator(".field.invalid").first
    assert invalid.locator("input[name='records.0.contract_amount']").count() == 1
    page.select_option("select[name=new_kind]", "loan")  # a record more, from the fact model
    page.click("button:has-text('添加')")
    page.wait_for_selector("fieldset.record legend:has-text('贷款')")
    page.click("summary:has-text('按 JSON 填写')")
    page.fill("#case_text", '{"year": "twenty"}')
    page.click("#json-submit")
    page.wait_for_selector("#json-results .error")
    assert "year" in page.inner_text("#json-results .error")

    app_id = _application(server, "c6", *RECOGNISED)
    page.goto(f"{server}/notices")
    row = page.locator("tr", has_text="太原数智科技有限公司").first
    row.locator("summary").click()
    row.locator("button:has-text('提交异议')").click()  # empty: the browser asks for text? no:
    page.wait_for_selector("text=请填写异议内容")
    row = page.locator("tr", has_text="太原数智科技有限公司").first
    row.locator("textarea[name=text]").fill("该合同为省内项目")
    row.locator("button:has-text('提交异议')").click()
    page.wait_for_selector("text=已收到对公示")
    dept = _as(browser, server, "dept")
    dept.goto(f"{server}/work/applications/{app_id}")
    assert "公示异议处理中" in dept.inner_text("main")
    objection = dept.locator("#objections tr", has_text="该合同为省内项目")
    objection.locator("input[name=note]").fill("经核实为省外项目")
    objection.locator("button:has-text('异议不成立')").click()
    dept.wait_for_selector("text=已认定，公示中")
    assert "异议不成立：经核实为省外项目" in dept.inner_text("#objections")


def test_enterprise_journey(server: str, browser: Browser) -> None:
    """Profile → what it may qualify for → guided form (amount first) → draft → attachment →
    submit → answer an information request → resubmit; another enterprise's page is not found;
    the funds dashboard is forbidden."""
    ent = _as(browser, server, "ent")
    ent.click("a[href='/work/profile']")
    qualifying = ent.locator("#qualifying tr", has_text="c1")
    assert "120000.00" in qualifying.inner_text()
    qualifying.locator("a:has-text('申请')").click()
    ent.wait_for_selector("#preview .totals")  # the amount, before anything is saved
    assert "120000.00" in ent.inner_text("#preview")
    ent.click("button:has-text('保存为草稿')")
    ent.wait_for_selector("text=草稿")
    app_url = ent.url
    ent.set_input_files("input[type=file]", files=[
        {"name": "合同.pdf", "mimeType": "application/pdf", "buffer": b"%PDF contract"}
    ])  # fmt: skip
    ent.click("form[enctype] button:has-text('上传')")
    ent.wait_for_selector("text=合同.pdf")
    ent.click("button:has-text('提交申请')")
    ent.wait_for_selector("text=已提交，待市级审核")
    app_id = int(app_url.rsplit("/", 1)[1])
    httpx.post(
        f"{server}/api/v1/applications/{app_id}/actions/request_info",
        headers=_api(server, "city"),
        json={"note": "请补充验收报告"},
    ).raise_for_status()
    ent.goto(f"{server}/work")
    ent.click(f"#queue a[href='/work/applications/{app_id}']")  # waiting for the enterprise
    assert "请补充验收报告" in ent.inner_text(".note")
    ent.set_input_files("input[type=file]", files=[
        {"name": "验收报告.pdf", "mimeType": "application/pdf", "buffer": b"%PDF report"}
    ])  # fmt: skip
    ent.click("form[enctype] button:has-text('上传')")
    ent.wait_for_selector("text=验收报告.pdf")
    ent.click("button:has-text('补充后重新提交')")
    ent.wait_for_selector("text=已提交，待市级审核")
    assert "要求补充材料" in ent.inner_text("main")  # the history shows the request
    forbidden = ent.goto(f"{server}/work/dashboard")
    assert forbidden is not None and forbidden.status == 403
    assert "只有分析、财政和管理人员" in ent.inner_text("main")
    other = _as(browser, server, "other")
    hidden = other.goto(app_url)
    assert hidden is not None and hidden.status == 404 and "不存在" in other.inner_text("main")


def test_city_reviewer_journey(server: str, browser: Browser) -> None:
    """Queue of its city, searched and sorted → facts and explanation → a correction with a
    reason (refused without one) → a refusal without a note is held by the browser → approve."""
    app_id = _application(server, "c2", *SUBMITTED)
    city = _as(browser, server, "city")
    city.fill("input[name=q]", "c2")
    city.fill("input[name=q]", "太原数智")
    city.click("form[role=search] button")
    city.click("#queue th a:has-text('金额')")
    assert "sort=amount" in city.url
    city.click(f"#queue a[href='/work/applications/{app_id}']")
    assert "records.c2.completed_amount" in city.inner_text("main")
    assert "第15条" in city.inner_text("main") or "completed_amount" in city.inner_text("main")
    city.click("summary:has-text('更正事实')")
    text = city.input_value("textarea[name=case_text]")
    city.fill("textarea[name=case_text]", text.replace('"4000000"', '"2000000"'))
    city.fill("input[name=reason]", "以验收报告为准")
    city.click("button:has-text('保存并重新计算')")
    city.wait_for_selector("text=版本 2")
    assert "60000" in city.inner_text("main")
    city.click("button:has-text('不予通过')")  # a note is required: the browser keeps the form
    assert "已提交" in city.inner_text("main")
    city.click("button:has-text('市级审核通过')")
    city.wait_for_selector("text=市级审核通过，待省级部门审核")
    other_city = _as(browser, server, "city2")
    assert f"/work/applications/{app_id}" not in other_city.content()


def test_department_reviewer_journey(server: str, browser: Browser) -> None:
    """Queue of its department → recognise (published in the notice) → close the notice once
    the period has passed, refused before."""
    app_id = _application(server, "c3", *CITY_APPROVED)
    dept = _as(browser, server, "dept")
    dept.click(f"#queue a[href='/work/applications/{app_id}']")
    dept.fill("form[action$='/recognize'] input[name=note]", "材料齐全")
    dept.click("button:has-text('省级认定并公示')")
    dept.wait_for_selector("text=已认定，公示中")
    dept.click("button:has-text('公示期满无异议')")  # too early: refused beside the button
    dept.wait_for_selector("form[action$='/close_notice'] .error")
    assert "尚未期满" in dept.inner_text("form[action$='/close_notice']")
    public = _page(browser)
    public.goto(f"{server}/notices")
    assert "120000.00" in public.inner_text("main")
    _end_notice(server, app_id)
    dept.goto(f"{server}/work/applications/{app_id}")
    dept.click("button:has-text('公示期满无异议')")
    dept.wait_for_selector("text=公示期满，待拨付")


def test_finance_journey(server: str, browser: Browser) -> None:
    """Approved awards waiting → the split by level against the budget left → pay → the
    ledger and its XLSX export → the dashboard shows the money paid."""
    app_id = _application(server, "c4", *RECOGNISED)
    _end_notice(server, app_id)
    httpx.post(
        f"{server}/api/v1/applications/{app_id}/actions/close_notice",
        headers=_api(server, "dept"),
        json={},
    ).raise_for_status()
    fin = _as(browser, server, "fin")
    assert "待我处理" in fin.inner_text("main")
    fin.click(f"#queue a[href='/work/applications/{app_id}']")
    plan = fin.inner_text("#payment-plan")
    assert "全额" in plan and "120000.00" in plan and "500000" in plan
    fin.click("button:has-text('拨付')")
    fin.wait_for_selector("text=已拨付")
    assert "拨付记录" in fin.inner_text("main")
    fin.goto(f"{server}/work/ledger")
    assert "120000.00" in fin.inner_text("main")
    with fin.expect_download() as download:
        fin.click("a:has-text('导出 XLSX')")
    assert download.value.suggested_filename == "ledger.xlsx"
    fin.goto(f"{server}/work/admin")
    assert "380000" in fin.inner_text("main")  # what is left of this year's line
    fin.goto(f"{server}/work/dashboard")
    fin.wait_for_selector("#by-clause canvas")
    assert "120000.00" in fin.inner_text("#table-clause")


def test_analyst_journey(server: str, browser: Browser) -> None:
    """The dashboard by clause, city, year and industry (charts beside tables) → drill down from
    a row and from a bar to the awards → the application behind one, read-only."""
    _application(server, "c5", *RECOGNISED)
    analyst = _as(browser, server, "analyst")
    analyst.click("a[href='/work/dashboard']")
    for name in ("clause", "city", "year", "kind"):
        analyst.wait_for_selector(f"#by-{name} canvas")
    assert "大数据企业" in analyst.inner_text("#table-kind")
    analyst.click("#table-year a:has-text('2020')")
    analyst.wait_for_url(lambda url: url.endswith("/work/awards?year=2020"))
    assert "太原数智科技有限公司" in analyst.inner_text("main")
    analyst.go_back()
    analyst.locator("#by-city").scroll_into_view_if_needed()
    analyst.wait_for_timeout(1500)  # the bars grow in for a second
    box = analyst.locator("#by-city canvas").first.bounding_box()
    bar = analyst.evaluate(
        """() => echarts.getInstanceByDom(document.getElementById("by-city"))
                   .getModel().getSeriesByIndex(0).getData().getItemLayout(0)"""
    )  # where ECharts drew the first city's "recognised" bar
    assert box is not None and bar["height"] != 0
    analyst.mouse.click(
        box["x"] + bar["x"] + bar["width"] / 2, box["y"] + bar["y"] + bar["height"] / 2
    )
    analyst.wait_for_url(lambda url: "/work/awards?city=" in url)
    analyst.click("tbody a >> nth=0")
    analyst.wait_for_selector("text=计算依据")
    assert analyst.locator("section.actions").count() == 0  # read-only


def test_admin_journey(server: str, browser: Browser) -> None:
    """Create a user (an error beside the field first) → open a budget line → change the notice
    period (refused out of range) → import a registry file whose bad row is shown."""
    boss = _as(browser, server, "boss")
    boss.click("a[href='/work/admin']")
    boss.fill("#new-user input[name=username]", "taiyuan2")
    boss.select_option("#new-user select[name=role]", "city_reviewer")
    boss.fill("#new-user input[name=scope]", "北京市")
    boss.fill("#new-user input[name=password]", "long-enough-1")
    boss.click("#new-user button")
    assert "山西的设区市" in boss.inner_text("#new-user")
    boss.fill("#new-user input[name=scope]", "太原市")
    boss.fill("#new-user input[name=password]", "long-enough-1")
    boss.click("#new-user button")
    boss.wait_for_selector("text=已创建用户")
    assert "taiyuan2" in boss.inner_text("main")
    boss.fill("#new-budget input[name=year]", "2031")
    boss.fill("#new-budget input[name=amount]", "2500000.50")
    boss.click("#new-budget button")
    boss.wait_for_selector("text=已设置预算")
    assert "2500000.50" in boss.inner_text("main")
    boss.fill("#notice-period input[name=days]", "45")
    boss.click("#notice-period button")
    assert "1 至 30 之间的整数" in boss.inner_text("#notice-period")
    boss.fill("#notice-period input[name=days]", "7")
    boss.click("#notice-period button")
    boss.wait_for_selector("text=新的公示持续 7 个工作日")
    boss.goto(f"{server}/work/admin/import")
    boss.set_input_files("input[type=file]", files=[{
        "name": "企业.csv", "mimeType": "text/csv",
        "buffer": "id,name,city\nE8,晋中数据有限公司,晋中市\nE9,测试,北京市\n".encode(),
    }])  # fmt: skip
    boss.select_option("select[name=table]", "enterprises")
    boss.click("form button:has-text('导入')")
    boss.wait_for_selector("#import-errors")
    errors = boss.inner_text("#import-errors")
    assert "北京市" in errors and "3" in errors  # the row and its value
    with transaction(session_factory(server_db_url(server))) as s:  # nothing written
        from jinshu.store.models import Enterprise

        assert s.get(Enterprise, "E8") is None


def test_language_switch(server: str, browser: Browser) -> None:
    page = _page(browser)
    page.goto(f"{server}/policies")
    assert page.inner_text("h1") == "政策库"
    page.click("button:has-text('English')")
    page.wait_for_selector("h1:has-text('Policy library')")
    assert page.url.endswith("/policies")
    page.goto(f"{server}/calculator")
    assert "Calculator" in page.inner_text("h1") and "Contract amount" in page.content()
    _sign_in(page, server, "fin")
    assert "My desk" in page.inner_text("h1")
    page.click("button:has-text('中文')")
    page.wait_for_selector("h1:has-text('我的工作台')")
    english = browser.new_context(locale="en-US").new_page()  # Accept-Language picks English
    english.goto(f"{server}/")
    assert "Policy library" in english.inner_text("nav")


def test_full_journey_across_roles(server: str, browser: Browser) -> None:
    """Enterprise applies → city and department approve → public notice → finance pays →
    the dashboard shows the money paid."""
    ent = _as(browser, server, "ent")
    ent.goto(f"{server}/work/apply")
    ent.select_option("select[name=item]", "p15_bid")
    ent.select_option("select[name=record_id]", "c7")
    ent.wait_for_selector("#preview .totals")
    assert "120000.00" in ent.inner_text("#preview")
    ent.click("button:has-text('保存为草稿')")
    ent.wait_for_selector("text=草稿")
    app_url = ent.url
    app_id = int(app_url.rsplit("/", 1)[1])
    ent.click("button:has-text('提交申请')")
    ent.wait_for_selector("text=已提交，待市级审核")

    city = _as(browser, server, "city")
    city.goto(app_url)
    city.click("button:has-text('市级审核通过')")
    city.wait_for_selector("text=市级审核通过，待省级部门审核")

    dept = _as(browser, server, "dept")
    dept.goto(app_url)
    dept.click("button:has-text('省级认定并公示')")
    dept.wait_for_selector("text=已认定，公示中")

    public = _page(browser)
    public.goto(f"{server}/notices")
    assert "太原数智科技有限公司" in public.inner_text("main")

    _end_notice(server, app_id)
    dept.goto(app_url)
    dept.click("button:has-text('公示期满无异议')")
    dept.wait_for_selector("text=公示期满，待拨付")

    fin = _as(browser, server, "fin")
    fin.goto(app_url)
    fin.click("button:has-text('拨付')")
    fin.wait_for_selector("text=已拨付")
    fin.goto(f"{server}/work/dashboard")
    fin.wait_for_selector("#by-clause canvas")
    assert "已拨付" in fin.inner_text("#table-clause") or "120000.00" in fin.inner_text("main")
    ent.goto(app_url)
    assert "已拨付" in ent.inner_text("main")


def test_monitoring_and_reform_charts_draw_in_english(server: str, browser: Browser) -> None:
    """The charts' labels come through gettext into the scripts: in English they still draw."""
    from jinshu.monitor.framework import DEFAULT_DIR as MONITOR_DIR
    from jinshu.monitor.framework import default_framework
    from jinshu.monitor.values import import_values

    with transaction(session_factory(server_db_url(server))) as s:
        demo = (MONITOR_DIR / "demo-values.csv").read_bytes()
        import_values(s, demo, "demo.csv", default_framework(), actor="test")
    page = browser.new_context(locale="en-US").new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, server, "analyst")
    page.goto(f"{server}/monitor?year=2024")
    page.wait_for_selector("#index-chart canvas")
    page.wait_for_selector("#targets-chart canvas")
    assert "Development index and ranking" in page.inner_text("main")
    page.goto(f"{server}/monitor/city/140100?year=2024")
    page.wait_for_selector("#pillar-chart canvas")
    page.goto(f"{server}/analysis/reforms")
    page.fill("input[name=size]", "300")
    page.click("button:has-text('Cost the reform')")
    page.wait_for_selector("#reform-level canvas")
    assert "By level of government" in page.inner_text("main")
    assert not errors, errors
