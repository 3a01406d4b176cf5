"""An API client over a throwaway database (SQLite and PostgreSQL), with users of every role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from jinshu.api.main import create_app
from jinshu.api.security import hash_password
from jinshu.store.db import session_factory, transaction
from jinshu.store.models import User
from tests.workflow.conftest import db_url  # noqa: F401  (the parametrised database fixture)
from tests.workflow.helpers import seed

PASSWORD = "correct horse battery"


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:  # noqa: F811
    factory = session_factory(db_url)
    seed(factory, {"c1": ("A", "4000000"), "c2": ("A", "70000000")}, budget="3000000")
    with transaction(factory) as s:
        hashed = hash_password(PASSWORD)
        for u in s.scalars(__import__("sqlalchemy").select(User)):
            u.password_hash = hashed
        s.add(User(username="boss", role="admin", password_hash=hashed))
    with TestClient(create_app(db_url), raise_server_exceptions=False) as c:
        yield c


def login(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def recognized_application(client: TestClient) -> dict[str, object]:
    """An application for contract c1, submitted, approved by the city and recognised (in notice)."""
    ent, city, dept = (login(client, u) for u in ("ent", "city", "dept"))
    created: dict[str, object] = client.post(
        "/api/v1/applications",
        headers=ent,
        json={"enterprise_id": "E1", "item": "p15_bid", "year": 2020, "record_id": "c1"},
    ).json()
    for headers, action in ((ent, "submit"), (city, "city_approve"), (dept, "recognize")):
        client.post(
            f"/api/v1/applications/{created['id']}/actions/{action}", headers=headers, json={}
        )
    return created
