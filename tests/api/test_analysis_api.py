"""Reforms and matching runs over the API (analysts)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from jinshu.store.db import transaction
from jinshu.store.models import User
from tests.api.conftest import PASSWORD, login


def _analyst(client: TestClient) -> dict[str, str]:
    from jinshu.api.security import hash_password

    with transaction(client.app.state.sessions) as s:  # type: ignore[attr-defined]
        if s.scalars(select(User).where(User.username == "ana")).first() is None:
            s.add(User(username="ana", role="analyst", password_hash=hash_password(PASSWORD)))
    return login(client, "ana")


def test_reform_run_reports_cost(client: TestClient) -> None:
    body = {"name": "贴息4%", "parameters": {"loan_interest_rate": "0.04"}, "synthetic_size": 300}
    response = client.post("/api/v1/reforms/runs", headers=_analyst(client), json=body)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["reform"] == "贴息4%" and {"by_clause", "by_city", "by_level"} <= set(report)
    assert all(row["clause"] == 14 for row in report["by_clause"] if row["change"] != "0.00")
    bad = client.post(
        "/api/v1/reforms/runs", headers=_analyst(client), json={**body, "parameters": {"nope": "1"}}
    )
    assert bad.status_code == 422 and bad.json()["error"]["errors"][0]["field"] == "parameters.nope"
    assert (
        client.post("/api/v1/reforms/runs", headers=login(client, "ent"), json=body).status_code
        == 403
    )


def test_matching_run_over_the_api(client: TestClient) -> None:
    run = client.post("/api/v1/matches/runs?year=2020", headers=_analyst(client))
    assert run.status_code == 201, run.text
    assert run.json()["enterprises"] == 1
    mine = client.get("/api/v1/matches?year=2020", headers=login(client, "ent")).json()
    assert {m["item"] for m in mine} >= {"p15_bid"}
