"""Scripted end to end through the API: draft to paid, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from jinshu.calculator import calculate
from jinshu.facts.examples import load_example
from tests.api.conftest import login


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/api/v1/health").json()["status"] == "ok"
    schema = client.get("/openapi.json").json()
    assert "/api/v1/applications/{app_id}/actions/{action}" in schema["paths"]


def test_calculator_is_public_and_equals_the_cli(client: TestClient) -> None:
    case = json.loads(json.dumps(load_example("bigdata-firm"), default=str))
    response = client.post("/api/v1/calculate", json=case)
    assert response.status_code == 200
    assert response.json() == json.loads(json.dumps(calculate(case).as_dict(), default=str))
    bad = client.post("/api/v1/calculate", json={**case, "year": "20x0"})
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["code"] == "invalid_case" and error["errors"][0]["field"] == "year"


def test_draft_to_paid(client: TestClient) -> None:
    ent, city, dept, fin = (login(client, u) for u in ("ent", "city", "dept", "fin"))
    created = client.post(
        "/api/v1/applications",
        headers=ent,
        json={"enterprise_id": "E1", "item": "p15_bid", "year": 2020, "record_id": "c1"},
    )
    assert created.status_code == 201, created.text
    app = created.json()
    assert app["state"] == "draft" and app["amount"] == "120000.00"
    assert app["result"]["steps"]  # the enterprise sees the explanation before submitting
    app_id = app["id"]
    base = f"/api/v1/applications/{app_id}"
    files = {"file": ("合同.pdf", b"%PDF-1.4 contract", "application/pdf")}
    attached = client.post(f"{base}/attachments", headers=ent, files=files)
    assert attached.status_code == 201 and len(attached.json()["sha256"]) == 64
    steps = [
        (ent, "submit", {}),
        (city, "city_approve", {}),
        (dept, "recognize", {"today": "2021-03-01"}),
    ]
    for headers, action, body in steps:
        response = client.post(f"{base}/actions/{action}", headers=headers, json=body)
        assert response.status_code == 200, response.text
    notices = client.get("/api/v1/notices").json()
    assert notices == [
        {
            "award_id": notices[0]["award_id"],
            "enterprise": "太原数智科技有限公司",
            "item": "p15_bid",
            "amount": "120000.00",
            "notice_start": "2021-03-01",
            "notice_end": "2021-03-08",
        }
    ]
    early = client.post(f"{base}/actions/close_notice", headers=dept, json={"today": "2021-03-05"})
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_allowed"
    closed = client.post(f"{base}/actions/close_notice", headers=dept, json={"today": "2021-03-09"})
    assert closed.json()["state"] == "approved"
    pay = {"idempotency_key": "pay-1", "budget_year": 2021}
    paid = client.post(f"{base}/payments", headers=fin, json=pay)
    assert paid.status_code == 201, paid.text
    again = client.post(f"{base}/payments", headers=fin, json=pay)
    assert again.json() == paid.json()  # idempotent
    assert client.get(base, headers=ent).json()["state"] == "paid"
    ledger = client.get("/api/v1/ledger", headers=fin).json()
    assert [e["amount"] for e in ledger] == ["120000.00"]
    budgets = client.get("/api/v1/budgets", headers=fin).json()
    assert budgets[0]["left"] == "2880000.00"
    # The ledger is the history of the next calculation: the project cap counts what was paid.
    second = client.post(
        "/api/v1/applications",
        headers=ent,
        json={"enterprise_id": "E1", "item": "p15_bid", "year": 2020, "record_id": "c2"},
    )
    assert second.json()["amount"] == "1880000.00"
    events = client.get(f"{base}/events", headers=city).json()
    assert [e["action"] for e in events] == ["submit", "city_approve", "recognize"]


def test_who_may_do_what(client: TestClient) -> None:
    ent, other, city2, fin = (login(client, u) for u in ("ent", "other", "city2", "fin"))
    assert client.get("/api/v1/applications").status_code == 401
    bad_token = {"Authorization": "Bearer nope"}
    assert client.get("/api/v1/applications", headers=bad_token).status_code == 401
    wrong = client.post("/api/v1/auth/token", json={"username": "ent", "password": "wrong"})
    assert wrong.status_code == 401 and "error" in wrong.json()
    app = client.post(
        "/api/v1/applications",
        headers=ent,
        json={"enterprise_id": "E1", "item": "p15_bid", "year": 2020, "record_id": "c1"},
    ).json()
    for headers in (other, city2):
        hidden = client.get(f"/api/v1/applications/{app['id']}", headers=headers)
        assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/applications", headers=other).json()["count"] == 0
    not_theirs = client.post(
        "/api/v1/applications",
        headers=other,
        json={"enterprise_id": "E1", "item": "p15_bid", "year": 2020, "record_id": "c1"},
    )
    assert not_theirs.status_code == 409
    assert client.get("/api/v1/ledger", headers=ent).status_code == 403
    assert (
        client.post(
            f"/api/v1/applications/{app['id']}/payments", headers=ent, json={"idempotency_key": "x"}
        ).status_code
        == 403
    )
    illegal = client.post(f"/api/v1/applications/{app['id']}/actions/pay", headers=fin, json={})
    assert illegal.status_code == 404
    unknown_field = client.post(
        "/api/v1/applications",
        headers=ent,
        json={"enterprise_id": "E1", "item": "p15_bid", "year": 2020, "colour": "red"},
    )
    assert unknown_field.status_code == 422
    assert unknown_field.json()["error"]["errors"][0]["field"] == "colour"


def test_the_calculator_is_rate_limited(db_url: str) -> None:
    from jinshu.api.main import create_app
    from jinshu.api.routes import calculator

    case = {"year": 2020, "enterprise": {"id": "E", "kinds": []}}
    limit = calculator.limiter.per_minute
    with TestClient(create_app(db_url)) as c:  # a new application: a fresh quota
        codes = [c.post("/api/v1/calculate", json=case).status_code for _ in range(limit + 1)]
    assert codes[:limit] == [200] * limit and codes[-1] == 429
