"""The notice period as an admin setting: read by anyone signed in, changed by an admin only,
validated, audited; new notices use it and notices already published keep their dates."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from jinshu.store.db import session_factory
from jinshu.store.models import AuditEntry, Award
from jinshu.workflow.audit import verify_chain
from jinshu.workflow.notice import notice_end
from tests.api.conftest import login, recognized_application

URL = "/api/v1/settings/notice-period"


def _notice_end(db_url: str, app_id: object) -> dt.date:
    with session_factory(db_url)() as s:
        return s.query(Award).filter_by(application_id=app_id).one().notice_end


def test_notice_period_defaults_to_the_policy_value(client: TestClient) -> None:
    period = client.get(URL, headers=login(client, "ent")).json()
    assert period == {"days": 5, "source": "policy", "updated_by": None, "updated_at": None}
    assert client.get(URL).status_code == 401


def test_only_an_admin_sets_the_notice_period(client: TestClient) -> None:
    for who in ("ent", "dept", "fin"):
        refused = client.put(URL, headers=login(client, who), json={"days": 7})
        assert refused.status_code == 403, who
    assert client.get(URL, headers=login(client, "fin")).json()["days"] == 5


def test_bad_notice_periods_are_refused_naming_the_field(client: TestClient) -> None:
    boss = login(client, "boss")
    for days in (0, 31, -3):
        bad = client.put(URL, headers=boss, json={"days": days})
        assert bad.status_code == 422, days
        error = bad.json()["error"]["errors"][0]
        assert error["field"] == "days" and "1 至 30" in error["message_zh"]
    for days in (7.5, "seven", None):
        assert client.put(URL, headers=boss, json={"days": days}).status_code == 422
    assert client.get(URL, headers=boss).json()["days"] == 5


def test_new_notices_use_the_setting_and_old_ones_keep_their_dates(
    client: TestClient, db_url: str
) -> None:
    first = recognized_application(client)
    today = dt.date.today()
    assert _notice_end(db_url, first["id"]) == notice_end(today, 5)
    boss = login(client, "boss")
    changed = client.put(URL, headers=boss, json={"days": 10})
    assert changed.status_code == 200
    assert changed.json()["days"] == 10 and changed.json()["updated_by"] == "boss"
    # A second contract of the same enterprise, recognised after the change.
    ent, city, dept = (login(client, u) for u in ("ent", "city", "dept"))
    second = client.post(
        "/api/v1/applications",
        headers=ent,
        json={"enterprise_id": "E1", "item": "p15_bid", "year": 2020, "record_id": "c2"},
    ).json()
    for headers, action in ((ent, "submit"), (city, "city_approve"), (dept, "recognize")):
        done = client.post(
            f"/api/v1/applications/{second['id']}/actions/{action}", headers=headers, json={}
        )
        assert done.status_code == 200, done.text
    assert _notice_end(db_url, second["id"]) == notice_end(today, 10)
    assert _notice_end(db_url, first["id"]) == notice_end(today, 5)
    ends = {n["notice_end"] for n in client.get("/api/v1/notices").json()}
    assert ends == {notice_end(today, 5).isoformat(), notice_end(today, 10).isoformat()}
    with session_factory(db_url)() as s:
        entry = s.query(AuditEntry).filter_by(action="set_notice_period").one()
        assert entry.actor == "boss" and entry.before == {"days": 5, "source": "policy"}
        assert entry.after == {"days": 10}
        assert verify_chain(s) == []
