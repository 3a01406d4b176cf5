"""The pages of the issue's list that came last: the calculator form built from the fact model,
the desk's search and sort, the enterprise's profile with what it may qualify for, the
application page's facts, award history and payment split, and the admin's notice period."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jinshu.facts.examples import load_example
from jinshu.store.db import engine_for, session_factory
from jinshu.store.migrate import upgrade
from jinshu.store.models import AuditEntry
from jinshu.web.calcform import case_to_form
from tests.api.conftest import login, recognized_application
from tests.web.session import csrf as _csrf
from tests.web.session import sign_in as _sign_in
from tests.workflow.helpers import approved_application


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """SQLite: these pages add no database work that the API tests do not run on PostgreSQL."""
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    upgrade(url)
    yield url
    engine_for(url).dispose()


def _form_values(case: dict[str, object]) -> dict[str, list[str]]:
    """What a browser sends for the form filled from ``case``."""
    form = case_to_form(case)
    fields = list(form["enterprise"])
    for _slot, _year, year_fields in form["years"]:
        fields += year_fields
    for rec in form["records"]:
        fields += rec["fields"]
    for history in form["history"]:
        fields += history
    data = {"year": [str(form["year"])]}
    data.update({f"records.{r['n']}.kind": [r["kind"]] for r in form["records"]})
    for f in fields:
        data[f.name] = f.value if isinstance(f.value, list) else [f.value]
    return data


def test_calculator_form_is_built_from_the_fact_model(client: TestClient) -> None:
    page = client.get("/calculator")
    assert 'name="records.0.contract_amount"' in page.text  # the example's contract
    assert 'name="enterprise.kinds" value="big_data" checked' in page.text
    assert 'name="years.this.main_revenue"' in page.text and "主营业务收入" in page.text
    data = {**_form_values(load_example("bigdata-firm")), "csrf": [_csrf(page.text)]}
    done = client.post("/calculator", data=data)
    assert done.status_code == 200 and "2688000.00" in done.text and "第16条" in done.text
    bad = {**data, "records.0.contract_amount": ["twenty"]}
    refused = client.post("/calculator", data=bad)
    assert refused.status_code == 422 and "2688000.00" not in refused.text
    field = re.search(
        r'<label class="field invalid">(?:(?!</label>).)*name="records\.0\.contract_amount"'
        r'(?:(?!</label>).)*<span class="error">([^<]+)</span>',
        refused.text,
        re.S,
    )
    assert field, "the error sits beside the contract amount"
    assert 'value="twenty"' in refused.text  # what was typed is kept
    record = client.get("/calculator/record?kind=loan&n=5")
    assert 'name="records.5.principal"' in record.text and 'value="loan"' in record.text
    assert client.get("/calculator/record?kind=nonsense").status_code == 422


def test_reviewer_queue_is_searchable_and_sortable(client: TestClient) -> None:
    ent = login(client, "ent")
    for record in ("c2", "c1"):  # the bigger contract first
        created = client.post(
            "/api/v1/applications",
            headers=ent,
            json={"enterprise_id": "E1", "item": "p15_bid", "year": 2020, "record_id": record},
        ).json()
        client.post(f"/api/v1/applications/{created['id']}/actions/submit", headers=ent, json={})
    desk = _sign_in(client, "city")
    queue = desk.split('id="queue"')[1].split("</table>")[0]
    assert queue.index("/work/applications/2") < queue.index("/work/applications/1")  # newest
    by_amount = client.get("/work?sort=amount").text.split('id="queue"')[1].split("</table>")[0]
    assert by_amount.index("/work/applications/1") < by_amount.index("/work/applications/2")
    found = client.get("/work", params={"q": "太原数智"}).text
    assert "/work/applications/1" in found and "aria-sort" in found
    none = client.get("/work", params={"q": "大同"}).text
    assert "待我处理" not in none and "没有申请" in none
    assert "太原数智科技有限公司" in desk  # the enterprise's name, not only its id
    assert "/work/applications/" not in _sign_in(client, "city2").split("全部可见申请")[1]


def test_enterprise_profile_shows_what_it_may_qualify_for_now(client: TestClient) -> None:
    _sign_in(client, "ent")
    page = client.get("/work/profile")
    assert page.status_code == 200 and "太原数智科技有限公司" in page.text
    qualifying = page.text.split('id="qualifying"')[1].split("</table>")[0]
    assert "省外招标项目中标奖励" in qualifying and "120000.00" in qualifying
    assert "/work/apply?item=p15_bid&amp;record_id=c1&amp;year=2020" in qualifying
    form = client.get("/work/apply?item=p15_bid&record_id=c1&year=2020")
    assert '<option value="p15_bid" selected>' in form.text
    assert '<option value="c1" selected>' in form.text
    _sign_in(client, "city")
    assert client.get("/work/profile").status_code == 403


def test_application_page_shows_facts_history_and_the_payment_split(
    client: TestClient, db_url: str
) -> None:
    first = approved_application(session_factory(db_url), "c1")
    fin = login(client, "fin")
    paid = client.post(
        f"/api/v1/applications/{first}/payments",
        headers=fin,
        json={"idempotency_key": "k1", "budget_year": 2021},
    )
    assert paid.status_code == 201, paid.text
    second = approved_application(session_factory(db_url), "c2")
    _sign_in(client, "fin")
    page = client.get(f"/work/applications/{second}").text
    assert "records.c2.completed_amount" in page and "70000000" in page  # the facts, readable
    history = page.split('id="award-history"')[1].split("</table>")[0]
    assert "120000.00" in history and "已拨付" in history  # the enterprise's earlier award
    plan = page.split('id="payment-plan"')[1].split("</table>")[0]
    assert "全额" in plan and "没有预算科目" in plan  # no budget line for this year yet
    assert "/actions/pay" in page
    first_page = client.get(f"/work/applications/{first}").text
    assert "拨付记录" in first_page and "120000.00" in first_page


def test_admin_sets_the_notice_period_with_errors_beside_the_field(
    client: TestClient, db_url: str
) -> None:
    _sign_in(client, "boss")
    page = client.get("/work/admin")
    assert "新的公示持续 5 个工作日（政策文件默认值）" in page.text
    token = _csrf(page.text)
    for bad in ("abc", "0", "31", "2.5", ""):
        refused = client.post("/work/admin/notice-period", data={"days": bad, "csrf": token})
        assert refused.status_code == 422, bad
        form = refused.text.split('id="notice-period"')[1].split("</form>")[0]
        assert "1 至 30 之间的整数" in form, bad
    done = client.post(
        "/work/admin/notice-period", data={"days": "7", "csrf": token}, follow_redirects=True
    )
    assert "新的公示持续 7 个工作日（管理员设置）" in done.text and "boss 于" in done.text
    with session_factory(db_url)() as s:
        assert s.query(AuditEntry).filter_by(action="set_notice_period").count() == 1
    recognized_application(client)
    notices = client.get("/api/v1/notices").json()
    from jinshu.workflow.notice import notice_end

    assert notices[0]["notice_end"] == notice_end(dt.date.today(), 7).isoformat()
    _sign_in(client, "fin")
    page = client.get("/work/admin")
    assert page.status_code == 200 and 'id="notice-period"' not in page.text
    forbidden = client.post("/work/admin/notice-period", data={"days": "9", "csrf": token})
    assert forbidden.status_code == 403


def test_admin_forms_show_errors_beside_their_fields(client: TestClient) -> None:
    _sign_in(client, "boss")
    token = _csrf(client.get("/work/admin").text)
    user = client.post(
        "/work/admin/users",
        data={"csrf": token, "username": "ent", "role": "enterprise", "scope": "E9",
              "password": "short"},
    )  # fmt: skip
    form = user.text.split('id="new-user"')[1].split("</form>")[0]
    assert user.status_code == 422
    assert "用户名已存在" in form and "密码至少 8 位" in form and "企业编号" in form
    budget = client.post(
        "/work/admin/budgets",
        data={"csrf": token, "fund": "促进大数据发展应用专项资金", "year": "1900",
              "level": "city", "amount": "-1"},
    )  # fmt: skip
    form = budget.text.split('id="new-budget"')[1].split("</form>")[0]
    assert budget.status_code == 422 and "2019 至 2100" in form and "地区" in form
    assert "非负数" in form and 'value="1900"' in form
    unparsable = client.post(
        "/work/apply/preview", data={"csrf": token, "item": "p15_bid", "year": "x"}
    )
    assert unparsable.status_code == 422 and "year" in unparsable.text
    assert "<html" in unparsable.text and "Traceback" not in unparsable.text
