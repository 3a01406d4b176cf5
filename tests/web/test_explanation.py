"""The application page states each condition's verdict; a failure text shows only when it failed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from jinshu.rules.load import default_policy_set
from tests.api.conftest import login
from tests.web.test_work import _sign_in


def test_conditions_that_hold_do_not_show_their_failure_text(client: TestClient) -> None:
    created = client.post(
        "/api/v1/applications",
        headers=login(client, "ent"),
        json={"enterprise_id": "E1", "item": "p15_bid", "year": 2020, "record_id": "c1"},
    ).json()
    steps = {s["name"]: s["value"] for s in created["result"]["steps"]}
    conditions = default_policy_set().items["p15_bid"].conditions
    held = [c for c in conditions if steps.get(c.id) == "是"]
    assert held  # contract c1 meets clause 15's conditions
    _sign_in(client, "ent")
    page = client.get(f"/work/applications/{created['id']}").text
    for cond in held:
        assert f"<code>{cond.id}</code>" in page
        assert cond.reason not in page, cond.id
    assert page.count("成立") >= len(held)
