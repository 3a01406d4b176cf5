"""Hostile input against every supervision operation of the OpenAPI schema (SQLite and
PostgreSQL), with the property test of tests/api/test_hostile_input.py: never a 5xx, a refusal
always in the API's error format and writing nothing, in a world with tasks, an item, a report and
its evidence."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import strategies as st

from jinshu.api.security import hash_password
from jinshu.store.db import session_factory
from tests.api import test_hostile_input as hostile
from tests.api.conftest import PASSWORD, login
from tests.api.conftest import client as api_client  # noqa: F401  (the API client fixture)
from tests.supervise.conftest import add_users

ROLES = ("boss", "analyst", "tel", "dept", "ent")
EXAMPLES = 12
KNOWN = {
    "task_id": ["4.1.1", "4.1.3", "4.9.9"],
    "year": [2024, 2025, 2020],
    "title": ["千兆光网覆盖"],
    "deadline": ["2024-10-31", "2025-06-30"],
    "lead_unit": ["省通信管理局", "省工信厅"],
    "co_units": [["省工信厅"], []],
    "expected_output": [""],
    "reported_on": ["2024-05-01", "2024-12-01"],
    "percent": [50, 100, 10],
    "text": ["进展"],
    "reason": ["", "口径调整"],
    "as_of": ["2024-12-31"],
    "stale_days": [30, 0],
    "unit": ["省通信管理局"],
    "section": [4, 5],
}


@pytest.fixture
def client(api_client: TestClient, db_url: str) -> Iterator[TestClient]:  # noqa: F811
    add_users(session_factory(db_url), hash_password(PASSWORD))
    yield api_client


def _world(client: TestClient) -> hostile.World:
    tokens = {u: login(client, u) for u in ROLES}
    body = {
        "task_id": "4.1.1", "year": 2024, "title": "千兆光网覆盖", "deadline": "2024-10-31",
        "lead_unit": "省通信管理局", "co_units": ["省工信厅"],
    }  # fmt: skip
    api = "/api/v1/supervision"
    item = client.post(f"{api}/plan-items", headers=tokens["boss"], json=body).json()["id"]
    report = client.post(
        f"{api}/plan-items/{item}/reports",
        headers=tokens["tel"],
        json={"reported_on": "2024-04-01", "percent": 30, "text": "进展"},
    ).json()["id"]
    files = {"file": ("验收.txt", b"evidence", "text/plain")}
    evidence = client.post(
        f"{api}/reports/{report}/attachments", headers=tokens["tel"], files=files
    ).json()["id"]
    return hostile.World(
        tokens=tokens,
        ids={
            "item_id": [item, item + 1],
            "report_id": [report],
            "attachment_id": [evidence],
            "task_id": ["4.1.1", "5.5.1"],
            "year": [2024],
        },
        example_case={},
    )


def test_every_supervision_operation_survives_hostile_input(
    client: TestClient, subtests: pytest.Subtests, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, values in KNOWN.items():
        monkeypatch.setitem(hostile.KNOWN_FIELDS, name, values)
    raw: dict[str, Any] = client.get("/openapi.json").json()
    world = _world(client)
    schema = schemathesis.openapi.from_dict(raw)
    operations = [
        o
        for o in (r.ok() for r in schema.get_all_operations())
        if o.path.startswith("/api/v1/supervision")
    ]
    assert len(operations) == 14
    for operation in operations:
        definition = raw["paths"][operation.path][operation.method.lower()]
        cases = st.one_of(
            operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
        )
        requests = hostile.outgoing(cases, definition, hostile.body_schema(raw, definition), world)
        with subtests.test(msg=operation.label):
            hostile.check_operation(client, world, requests, ROLES, EXAMPLES)
