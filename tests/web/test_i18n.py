"""English through the Babel catalog: every message of the templates and the web layer has a
translation, English pages keep no Chinese of their own, and the language switch works."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from jinshu.store.db import engine_for
from jinshu.store.migrate import upgrade
from jinshu.web import i18n
from tests.api.conftest import login, recognized_application

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "src" / "jinshu" / "web"
HAN = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """SQLite only: the language does not depend on the database."""
    url = f"sqlite:///{tmp_path / 'i18n.db'}"
    upgrade(url)
    yield url
    engine_for(url).dispose()


def _extracted() -> set[str]:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB), method_map, options_map
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog(path: Path) -> dict[str, tuple[str, bool]]:
    with path.open("rb") as f:
        catalog = read_po(f)
    return {str(m.id): (str(m.string), m.fuzzy) for m in catalog if m.id}


def test_every_message_has_an_english_translation() -> None:
    extracted = _extracted()
    assert len(extracted) > 250, "the templates and the web layer pass their text to gettext"
    template = _catalog(WEB / "locale" / "messages.pot")
    stale = sorted(extracted - set(template))
    assert not stale, f"messages.pot is out of date (run pybabel extract, docs/web.md): {stale}"
    english = _catalog(i18n.catalog_path("en"))
    missing = sorted(m for m in extracted if not english.get(m, ("", False))[0].strip())
    assert not missing, f"no English for: {missing}"
    fuzzy = sorted(m for m in extracted if english[m][1])
    assert not fuzzy, f"fuzzy (unchecked) translations are not used: {fuzzy}"
    for msgid in extracted:
        translated = english[msgid][0]
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(translated)), msgid
        assert not HAN.search(translated), msgid


def test_templates_write_no_text_outside_gettext() -> None:
    """Chinese in a template is either inside _() or data; the switch names 中文 in Chinese."""
    for path in sorted((WEB / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        literal = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "", text, flags=re.S)
        literal = literal.replace('lang="zh-CN" {% if lang == "zh" %}', "").replace(">中文<", "")
        assert not HAN.search(literal), f"{path.name}: {HAN.findall(literal)[:10]}"
        for expression in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", text, flags=re.S):
            bare = re.sub(r"_\(\s*(\"[^\"]*\"|'[^']*')", "", expression)
            assert not HAN.search(bare), f"{path.name}: {expression[:80]}"


def _chrome(html: str, data: tuple[str, ...] = ()) -> str:
    """The page's own text: without Chinese-language content (lang="zh-CN"), code, the
    switch's 中文, and the data named."""
    text = re.sub(r'<(\w+)[^>]*lang="zh-CN"[^>]*>.*?</\1>', "", html, flags=re.S)
    text = re.sub(r"<code>.*?</code>|<script.*?</script>", "", text, flags=re.S)
    for value in data:
        text = text.replace(value, "")
    return text


def _english(client: TestClient) -> None:
    client.cookies.set(i18n.COOKIE, "en")


def _sign_in(client: TestClient, username: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    from tests.api.conftest import PASSWORD

    client.post("/login", data={"username": username, "password": PASSWORD, "csrf": token.group(1)})


def test_public_pages_in_english_keep_only_the_legal_text_chinese(client: TestClient) -> None:
    _english(client)
    login_page = client.get("/login")
    assert '<html lang="en">' in login_page.text and "Sign in" in login_page.text
    assert not HAN.search(_chrome(login_page.text)), HAN.findall(_chrome(login_page.text))
    calculator = client.get("/calculator")
    assert "Calculator" in calculator.text and "Contract amount" in calculator.text
    shown = _chrome(calculator.text, ("太原数智科技有限公司", "太原市", "小店区"))
    assert not HAN.search(shown), HAN.findall(shown)[:20]
    clause = client.get("/policies/15")
    assert "单个中标合同金额达300万元及以上的" in clause.text  # the legal text stays Chinese
    assert "Current value" in clause.text and "Clause 15" in clause.text


def test_desks_in_english(client: TestClient) -> None:
    app = recognized_application(client)
    _english(client)
    data = (
        "太原数智科技有限公司",
        "省外中标奖励",
        "太原市",
        "小店区",
        "省工信厅",
        "促进大数据发展应用专项资金",
    )
    for username, path in (
        ("fin", "/work"),
        ("fin", "/work/dashboard"),
        ("fin", "/work/ledger"),
        ("boss", "/work/admin"),
        ("boss", "/work/admin/import"),
        ("dept", f"/work/applications/{app['id']}"),
        ("ent", "/work/profile"),
    ):
        client.cookies.clear()
        _english(client)
        _sign_in(client, username)
        page = client.get(path)
        assert page.status_code == 200, (username, path)
        shown = _chrome(page.text, data)
        assert not HAN.search(shown), (path, HAN.findall(shown)[:20])


def test_the_switch_sets_a_cookie_and_accept_language_picks_the_default(
    client: TestClient,
) -> None:
    home = client.get("/")
    assert '<html lang="zh-CN">' in home.text and "政策库" in home.text
    token = re.search(r'name="csrf" value="([^"]+)"', home.text)
    assert token
    switched = client.post(
        "/lang",
        data={"lang": "en", "next": "/policies", "csrf": token.group(1)},
        follow_redirects=False,
    )
    assert switched.status_code == 303 and switched.headers["location"] == "/policies"
    assert "Policy library" in client.get("/policies").text
    evil = client.post(
        "/lang",
        data={"lang": "zh", "next": "//evil.test/", "csrf": token.group(1)},
        follow_redirects=False,
    )
    assert evil.headers["location"] == "/"
    assert "政策库" in client.get("/").text
    forged = client.post("/lang", data={"lang": "en", "next": "/", "csrf": "forged"})
    assert forged.status_code == 403
    client.cookies.clear()
    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text
    chinese = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert '<html lang="zh-CN">' in chinese.text
    client.cookies.set(i18n.COOKIE, "zh")
    assert "政策库" in client.get("/", headers={"Accept-Language": "en"}).text


def test_refusals_are_worded_in_the_language_of_the_page(client: TestClient) -> None:
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
    _english(client)
    _sign_in(client, "city")
    url = f"/work/applications/{created['id']}"
    page = client.get(url)
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert (
        token and "Approve (city)" in page.text and "Submitted, awaiting city review" in page.text
    )
    refused = client.post(f"{url}/actions/reject", data={"csrf": token.group(1), "note": " "})
    assert refused.status_code == 409 and "reason" in refused.text.lower()
    assert not HAN.search(
        _chrome(
            refused.text, ("太原数智科技有限公司", "省外中标奖励", "太原市", "省工信厅", "小店区")
        )
    )
    client.cookies.clear()
    assert "Please sign in" in client.get("/work", headers={"Accept-Language": "en"}).text


def test_monitoring_analysis_and_supervision_in_english(client: TestClient, db_url: str) -> None:
    """The pages of monitoring, the reform sandbox, proactive matching and key-task supervision
    speak English; data (cities, pillars, indicators, units, tasks) stay Chinese, marked so."""
    from jinshu.api.security import hash_password
    from jinshu.monitor.framework import DEFAULT_DIR as MONITOR_DIR
    from jinshu.rules.load import DEFAULT_DIR as POLICY_DIR
    from jinshu.store.db import session_factory
    from tests.api.conftest import PASSWORD
    from tests.supervise.conftest import add_users

    add_users(session_factory(db_url), hash_password(PASSWORD))
    demo = (MONITOR_DIR / "demo-values.csv").read_bytes()
    loaded = client.post(
        "/api/v1/monitor/values/imports",
        headers=login(client, "boss"),
        files={"file": ("demo.csv", demo, "text/csv")},
    )
    assert loaded.status_code == 200, loaded.text
    item = client.post(
        "/api/v1/supervision/plan-items",
        headers=login(client, "boss"),
        json={
            "task_id": "4.1.1", "year": 2024, "title": "千兆光网覆盖设区市城区",
            "deadline": "2024-10-31", "lead_unit": "省通信管理局", "co_units": ["省工信厅"],
        },
    )  # fmt: skip
    assert item.status_code == 201, item.text
    item_id = item.json()["id"]

    def own_text(html: str) -> str:
        """The page's text without data: the title names the city, the examples are YAML, the
        unit reporting is named in the form's heading."""
        html = re.sub(r"<title>.*?</title>|data-reform=\"[^\"]*\"", "", html)
        return _chrome(html, ("省通信管理局",))

    def english_page(username: str, path: str, *headings: str, status: int = 200) -> str:
        client.cookies.clear()
        _english(client)
        _sign_in(client, username)
        page = client.get(path)
        assert page.status_code == status, (path, page.text[-500:])
        assert '<html lang="en">' in page.text or path.startswith("/monitor/uncertainty")
        for heading in headings:
            assert heading in page.text, (path, heading)
        shown = own_text(page.text)
        assert not HAN.search(shown), (path, HAN.findall(shown)[:20])
        return page.text

    english_page(
        "boss",
        "/monitor?year=2024",
        "Monitoring the digital economy",
        "Development index and ranking",
        "Progress towards the targets",
        "Import indicator data",
    )
    english_page("city", "/monitor/city/140100?year=2024", "Indicators", "Whole province")
    english_page("boss", "/monitor/uncertainty?year=2024", "5%–95% interval", "Median rank")
    english_page("boss", "/monitor/import", "Import indicator data")
    weights = english_page("boss", "/monitor/weights", "Index weights", "Pillars")
    refused = client.post(
        "/monitor/weights",
        data={"csrf": re.findall(r'name="csrf" value="([^"]+)"', weights)[-1], "w_net": "-2"},
    )
    assert refused.status_code == 422 and "nothing was saved" in refused.text
    assert not HAN.search(own_text(refused.text)), HAN.findall(own_text(refused.text))[:20]

    english_page("boss", "/analysis/reforms", "Reform sandbox", "Parameters a reform may change")
    form = client.get("/analysis/reforms")
    costed = client.post(
        "/analysis/reforms",
        data={
            "csrf": re.findall(r'name="csrf" value="([^"]+)"', form.text)[-1],
            "text": (POLICY_DIR / "reforms" / "lower-p15-annual-cap.yaml").read_text("utf-8"),
            "year": "2020",
            "registry": "synthetic",
            "size": "200",
        },
    )
    assert costed.status_code == 200
    assert "By clause" in costed.text and "Clause 15" in costed.text
    assert not HAN.search(own_text(costed.text)), HAN.findall(own_text(costed.text))[:20]
    english_page("dept", "/analysis/candidates", "Proactive matching candidates")

    english_page("tel", "/work/tasks", "Key-task supervision", "Lead unit", "Attention")
    english_page("tel", "/work/tasks/4.1.1", "Yearly action-plan items", "Days allowed")
    english_page("tel", f"/work/plan-items/{item_id}", "Progress reports", "Report progress")
    task = english_page("boss", "/work/tasks/4.1.1", "Add an action-plan item")
    late = client.post(
        "/work/tasks/4.1.1/plan-items",
        data={
            "csrf": re.findall(r'name="csrf" value="([^"]+)"', task)[-1], "year": "2024",
            "title": "x", "deadline": "2026-01-01", "lead_unit": "省工信厅",
        },
    )  # fmt: skip
    assert late.status_code == 422
    assert 'id="err-deadline">the deadline must be from 2024-01-01 to 2025-12-31' in late.text
    english_page("analyst", "/work/assessment?year=2024", "Key-task assessment 2024")
    bad = english_page(
        "analyst", "/work/assessment?year=2024&as_of=2024-02-30", "As of", status=422
    )
    assert "As of: Input should be a valid date" in bad  # pydantic's English
    client.cookies.clear()
    _sign_in(client, "tel")
    assert "<h1>重点任务督查" in client.get("/work/tasks").text  # Chinese stays the default
    # Labels are looked up per request, not fixed when the template was first compiled.
    assert "<th>逾期完成</th>" in client.get("/work/assessment?year=2024").text
