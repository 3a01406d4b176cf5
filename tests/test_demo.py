"""The demo of ``make run``: applications in every state, and accounts that can sign in."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jinshu import demo
from jinshu.api.main import create_app
from jinshu.rules.load import default_policy_set
from jinshu.store.db import session_factory, transaction
from jinshu.store.migrate import upgrade
from jinshu.store.models import Application
from jinshu.workflow.audit import verify_chain


def test_demo_covers_every_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "ACCOUNTS", tmp_path / "accounts.txt")
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    factory = session_factory(url)
    accounts = demo.create_demo(factory, default_policy_set(), size=200)
    assert demo.create_demo(factory, default_policy_set(), size=200) == {}  # not twice
    with transaction(factory) as s:
        states = {a.state for a in s.scalars(select(Application))}
        assert states == set(demo.PATHS)
        assert verify_chain(s) == []
    with TestClient(create_app(url)) as client:
        for username, password in accounts.items():
            login = client.post(
                "/api/v1/auth/token", json={"username": username, "password": password}
            )
            assert login.status_code == 200, username
    assert "ent-demo" in (tmp_path / "accounts.txt").read_text("utf-8")
