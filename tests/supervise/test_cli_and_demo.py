"""``jinshu tasks …`` on a temporary SQLite database, and the supervision part of the demo:
items in every state on 31 December 2024."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jinshu.api.security import verify_password
from jinshu.cli import app
from jinshu.store.db import session_factory, transaction
from jinshu.store.migrate import upgrade
from jinshu.store.models import User
from jinshu.supervise.assess import assess_year
from jinshu.supervise.demo import create_supervision_demo
from jinshu.supervise.registry import SOURCE
from jinshu.workflow.audit import verify_chain

runner = CliRunner()


def _database(tmp_path: Path) -> tuple[str, sessionmaker[Session]]:
    url = f"sqlite:///{tmp_path / 'tasks.db'}"
    upgrade(url)
    factory = session_factory(url)
    with transaction(factory) as s:
        s.add(User(username="admin-demo", role="admin", password_hash="-"))
        s.add(
            User(
                username="dept-demo",
                role="department_reviewer",
                department="省工信厅",
                password_hash="-",
            )
        )
    return url, factory


def test_parse_agrees_with_the_registry_and_notices_a_changed_text(tmp_path: Path) -> None:
    same = runner.invoke(app, ["tasks", "parse"])
    assert same.exit_code == 0 and "一致" in same.output
    changed = tmp_path / "text.txt"
    changed.write_text(
        SOURCE.read_text("utf-8").replace(
            "（责任单位：省工信厅、省科技厅）", "（责任单位：省科技厅）", 1
        ),
        "utf-8",
    )
    differs = runner.invoke(app, ["tasks", "parse", "--source", str(changed)])
    assert differs.exit_code == 1 and "不一致" in differs.output
    broken = tmp_path / "broken.txt"
    broken.write_text("四、重点任务\n（一）“网”：提升。\n没有责任单位的段落。\n", "utf-8")
    refused = runner.invoke(app, ["tasks", "parse", "--source", str(broken)])
    assert refused.exit_code == 2 and "broken.txt:3" in refused.output


def test_load_list_show_and_assess(tmp_path: Path) -> None:
    url, factory = _database(tmp_path)
    db = ["--database-url", url]
    assert runner.invoke(app, ["tasks", "list", *db]).exit_code == 1  # nothing loaded yet
    loaded = runner.invoke(app, ["tasks", "load", *db])
    assert loaded.exit_code == 0 and "新增 26" in loaded.output
    again = runner.invoke(app, ["tasks", "load", *db])
    assert "新增 0，更新 0，未变 26" in again.output
    listed = json.loads(
        runner.invoke(app, ["tasks", "list", "--unit", "太原海关", "--json", *db]).output
    )
    assert [(t["id"], t["lead_unit"]) for t in listed] == [("4.2.6", "省商务厅")]
    create_supervision_demo(factory)
    shown = json.loads(
        runner.invoke(
            app, ["tasks", "show", "4.1.1", "--as-of", "2024-12-31", "--json", *db]
        ).output
    )
    assert shown["lead_unit"] == "省通信管理局"
    [row] = shown["plan_items"]
    assert (row["state"], row["percent"]) == ("overdue", 85)
    assert [r["percent"] for r in row["reports"]] == [30, 20, 85]
    missing = runner.invoke(app, ["tasks", "show", "9.9.9", *db])
    assert missing.exit_code == 1 and "不存在" in missing.output
    assessed = runner.invoke(app, ["tasks", "assess", "2024", "--json", *db])
    report = json.loads(assessed.output)
    assert report["as_of"] == "2024-12-31"
    assert report["total"] == {
        "on_time": 1, "late": 1, "overdue": 2, "in_progress": 3, "stale": 3, "total": 7,
    }  # fmt: skip
    text = runner.invoke(app, ["tasks", "assess", "2024", "--stale-days", "400", *db]).output
    assert "超期未报送 0" in text and "逾期未完成 2" in text


def test_the_demo_plan_has_items_in_every_state(tmp_path: Path) -> None:
    _, factory = _database(tmp_path)
    accounts = create_supervision_demo(factory)
    with transaction(factory) as s:
        result = assess_year(s, year=2024, as_of=dt.date(2024, 12, 31), stale_days=30)
        states = {(st.state, st.stale) for _, st in result.items}
        assert {"on_time", "late", "overdue", "in_progress"} == {st for st, _ in states}
        assert ("overdue", True) in states and ("in_progress", True) in states
        assert ("overdue", False) in states and ("in_progress", False) in states
        assert any(not i.reports for i, _ in result.items)
        assert any(r.reason for i, _ in result.items for r in i.reports)
        assert any(
            r.unit == "省工信厅"
            for i, _ in result.items
            if i.lead_unit != "省工信厅"
            for r in i.reports
        )
        assert any(r.attachments for i, _ in result.items for r in i.reports)
        tel = s.query(User).filter_by(username="tel-demo").one()
        assert tel.department == "省通信管理局"
        assert verify_password(tel.password_hash, accounts["tel-demo"])
        assert verify_chain(s) == []


def test_a_user_may_be_created_for_a_responsible_unit(tmp_path: Path) -> None:
    url, factory = _database(tmp_path)
    made = runner.invoke(
        app,
        ["users", "create", "tel", "--role", "department_reviewer",
         "--department", "省通信管理局", "--database-url", url],
        input="s3cret-pass\ns3cret-pass\n",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    unknown = runner.invoke(
        app,
        ["users", "create", "x", "--role", "department_reviewer",
         "--department", "省外星局", "--database-url", url],
        input="s3cret-pass\ns3cret-pass\n",
    )  # fmt: skip
    assert unknown.exit_code == 2 and "省通信管理局" in unknown.output
    with transaction(factory) as s:
        assert s.query(User).filter_by(username="tel").one().department == "省通信管理局"
