"""In a real browser (Debian's Chromium driven by Playwright): the calculator, an enterprise's
journey from its desk, and a forbidden page."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from jinshu.api.main import create_app
from jinshu.api.security import hash_password
from jinshu.store.db import session_factory, transaction
from jinshu.store.migrate import upgrade
from jinshu.store.models import User
from tests.api.conftest import PASSWORD
from tests.workflow.helpers import seed

CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_URLS: dict[str, str] = {}


def server_db_url(base: str) -> str:
    return _URLS[base]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'web.db'}"
    upgrade(url)
    factory = session_factory(url)
    seed(factory, {"c1": ("A", "4000000")}, budget="1000000")
    with transaction(factory) as s:
        for user in s.query(User):
            user.password_hash = hash_password(PASSWORD)
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


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/work")


def test_calculator_in_the_browser(server: str, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(f"{server}/calculator")
    page.click("form button[type=submit]")
    page.wait_for_selector("#results table")
    assert "2688000.00" in page.inner_text("#results .totals")
    page.fill("#case_text", '{"year": "twenty"}')
    page.click("form button[type=submit]")
    page.wait_for_selector("#results .error")
    assert "year" in page.inner_text("#results .error")
    page.close()


def test_enterprise_submits_and_others_cannot_see(server: str, browser: Browser) -> None:
    import httpx

    token = httpx.post(
        f"{server}/api/v1/auth/token", json={"username": "ent", "password": PASSWORD}
    ).json()
    created = httpx.post(
        f"{server}/api/v1/applications",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        json={"enterprise_id": "E1", "item": "p15_bid", "year": 2020, "record_id": "c1"},
    ).json()
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, server, "ent")
    page.click(f"a[href='/work/applications/{created['id']}']")
    page.click("button:has-text('提交申请')")
    page.wait_for_selector("text=已提交，待市级审核")
    context.close()
    other = browser.new_context()
    page = other.new_page()
    _sign_in(page, server, "other")
    response = page.goto(f"{server}/work/applications/{created['id']}")
    assert response is not None and response.status == 404
    assert "不存在" in page.inner_text("main")
    other.close()


def test_full_journey_across_roles(server: str, browser: Browser) -> None:
    """Enterprise applies → city and department approve → public notice → finance pays →
    the dashboard shows the money paid."""
    import datetime as dt
    from decimal import Decimal

    from jinshu.store.models import Award, Budget

    def as_user(username: str) -> Page:
        page = browser.new_context().new_page()
        _sign_in(page, server, username)
        return page

    ent = as_user("ent")
    ent.goto(f"{server}/work/apply")
    ent.select_option("select[name=item]", "p15_bid")
    ent.select_option("select[name=record_id]", "c1")
    ent.wait_for_selector("#preview .totals")
    assert "120000.00" in ent.inner_text("#preview")
    ent.click("button:has-text('保存为草稿')")
    ent.wait_for_selector("text=草稿")
    app_url = ent.url
    ent.click("button:has-text('提交申请')")
    ent.wait_for_selector("text=已提交，待市级审核")

    city = as_user("city")
    city.goto(app_url)
    city.click("button:has-text('不予通过')")  # a reason is required: the browser keeps the form
    assert "已提交" in city.inner_text("main")
    city.click("button:has-text('市级审核通过')")
    city.wait_for_selector("text=市级审核通过，待省级部门审核")

    dept = as_user("dept")
    dept.goto(app_url)
    dept.click("button:has-text('省级认定并公示')")
    dept.wait_for_selector("text=已认定，公示中")

    public = browser.new_page()
    public.goto(f"{server}/notices")
    assert "太原数智科技有限公司" in public.inner_text("main") and "120000.00" in public.inner_text(
        "main"
    )

    # The notice period ends (five working days later): move it into the past, then close it.
    url = server_db_url(server)
    with transaction(session_factory(url)) as s:
        award = s.scalars(__import__("sqlalchemy").select(Award)).one()
        award.notice_end = dt.date.today() - dt.timedelta(days=1)
        s.add(
            Budget(
                fund=award.fund,
                year=dt.date.today().year,
                level="province",
                region="",
                amount=Decimal(500000),
            )
        )
    dept.goto(app_url)
    dept.click("button:has-text('公示期满无异议')")
    dept.wait_for_selector("text=公示期满，待拨付")

    fin = as_user("fin")
    fin.goto(app_url)
    fin.click("button:has-text('拨付')")
    fin.wait_for_selector("text=已拨付")
    fin.goto(f"{server}/work/dashboard")
    assert "120000.00" in fin.inner_text("main")
    fin.wait_for_selector("#by-clause canvas")  # the chart drew
    ent.goto(app_url)
    assert "已拨付" in ent.inner_text("main")
