"""Proactive matching over a registry in the database, and applying from a match."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jinshu import demo
from jinshu.api.main import create_app
from jinshu.calculator import calculate
from jinshu.matching.match import run_matching
from jinshu.rules.load import default_policy_set
from jinshu.store.db import session_factory, transaction
from jinshu.store.migrate import upgrade
from jinshu.store.models import Application, Enterprise, Match
from jinshu.workflow.cases import ledger_histories, registry_case

POLICY = default_policy_set()


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict[str, str]]:
    monkeypatch.setattr(demo, "ACCOUNTS", tmp_path / "accounts.txt")
    url = f"sqlite:///{tmp_path / 'match.db'}"
    upgrade(url)
    return url, demo.create_demo(session_factory(url), POLICY, size=150)


def test_matches_are_unapplied_awards_equal_to_the_calculator(
    demo_db: tuple[str, dict[str, str]],
) -> None:
    url, _ = demo_db
    factory = session_factory(url)
    seen: list[str] = []
    with transaction(factory) as s:
        run = run_matching(
            s, POLICY, year=2020, actor="test", progress=lambda p, d, t: seen.append(p)
        )
        assert run.matches > 50 and run.enterprises == 150
    assert {"registry", "evaluate", "store"} <= set(seen)
    with transaction(factory) as s:
        applied = {(a.enterprise_id, a.item, a.record_id) for a in s.scalars(select(Application))}
        matches = list(s.scalars(select(Match)))
        assert not any((m.enterprise_id, m.item, m.record_id) in applied for m in matches)
        assert {m.status for m in matches} == {"eligible", "needs_review"}
        histories = ledger_histories(s)
        for m in matches[:: max(1, len(matches) // 40)]:
            ent = s.get(Enterprise, m.enterprise_id)
            assert ent is not None
            case = {**registry_case(ent, 2020), "history": histories.get(ent.id, [])}
            one = next(
                r
                for r in calculate(case, POLICY).results
                if r.item == m.item and r.record == m.record_id
            )
            assert (one.status, one.amount, one.min, one.max) == (
                m.status,
                m.amount,
                m.min_amount,
                m.max_amount,
            )
            assert m.facts["source"].startswith("企业名录")


def test_apply_from_a_match(demo_db: tuple[str, dict[str, str]]) -> None:
    url, accounts = demo_db
    with transaction(session_factory(url)) as s:
        run_matching(s, POLICY, year=2020, actor="test")
    with TestClient(create_app(url)) as client:
        token = client.post(
            "/api/v1/auth/token", json={"username": "ent-demo", "password": accounts["ent-demo"]}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        mine = client.get("/api/v1/matches?year=2020", headers=headers).json()
        assert mine and all(m["enterprise_id"] == mine[0]["enterprise_id"] for m in mine)
        created = client.post(f"/api/v1/matches/{mine[0]['id']}/application", headers=headers)
        assert created.status_code == 201, created.text
        assert created.json()["item"] == mine[0]["item"] and created.json()["state"] == "draft"
        analyst = client.post(
            "/api/v1/auth/token",
            json={"username": "analyst-demo", "password": accounts["analyst-demo"]},
        ).json()["access_token"]
        everyone = client.get(
            "/api/v1/matches?limit=1000", headers={"Authorization": f"Bearer {analyst}"}
        )
        assert len({m["enterprise_id"] for m in everyone.json()}) > 1


def test_the_vectorised_backend_finds_the_same_matches(demo_db: tuple[str, dict[str, str]]) -> None:
    url, _ = demo_db

    def matches(backend: str) -> list[tuple[object, ...]]:
        with transaction(session_factory(url)) as s:
            run_matching(s, POLICY, year=2020, actor="test", backend=backend)
            rows = s.scalars(select(Match).where(Match.application_id.is_(None)))
            return sorted(
                (m.enterprise_id, m.item, m.record_id or "", m.status, m.amount, m.min_amount,
                 m.max_amount, tuple(m.missing), tuple(m.reasons), tuple(sorted(m.facts)))
                for m in rows
            )  # fmt: skip

    sql = matches("duckdb")
    assert len(sql) > 50
    assert matches("vector") == sql
