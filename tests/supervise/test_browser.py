"""In a real browser: a unit reports progress with evidence, and the assessment chart draws."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import Browser

from jinshu.api.security import hash_password
from jinshu.store.db import session_factory, transaction
from tests.api.conftest import PASSWORD
from tests.supervise.conftest import add_users
from tests.supervise.helpers import item
from tests.web.test_browser import _sign_in, browser, server, server_db_url  # noqa: F401


def test_a_unit_reports_progress_in_the_browser(server: str, browser: Browser) -> None:  # noqa: F811
    factory = session_factory(server_db_url(server))
    add_users(factory, hash_password(PASSWORD))
    with transaction(factory) as s:
        item_id = item(s, task_id="4.1.1", lead="省通信管理局", deadline=dt.date(2024, 10, 31)).id
    context = browser.new_context(locale="zh-CN")  # Chinese pages, whatever the machine's locale
    page = context.new_page()
    _sign_in(page, server, "tel")
    page.click("a:has-text('重点任务督查')")
    page.click("a:has-text('夯实基础网络服务能力')")
    page.click(f"a[href='/work/plan-items/{item_id}'] >> nth=0")
    page.fill("input[name=reported_on]", "2024-10-30")
    page.fill("input[name=percent]", "100")
    page.fill("textarea[name=text]", "11个设区市城区完成千兆覆盖")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "验收报告.txt", "mimeType": "text/plain", "buffer": "验收".encode()}],
    )
    page.click("button:has-text('报送')")
    page.wait_for_selector("text=11个设区市城区完成千兆覆盖")
    main = page.inner_text("main")
    assert "按期完成" in main and "验收报告.txt" in main
    page.goto(f"{server}/work/assessment?year=2024")
    page.wait_for_selector("#by-unit canvas")  # the chart drew
    assert "省通信管理局" in page.inner_text("table.grid")
    context.close()
