"""Analysis pages: a reform costed with charts beside tables, field errors, and the candidate lists
of proactive matching scoped to the department."""

from __future__ import annotations

from fastapi.testclient import TestClient

from jinshu.rules.load import DEFAULT_DIR
from jinshu.store.models import User
from tests.api.conftest import PASSWORD
from tests.web.test_work import _csrf, _sign_in

LOWER_CAP = (DEFAULT_DIR / "reforms" / "lower-p15-annual-cap.yaml").read_text("utf-8")


def _add_analyst(client: TestClient) -> None:
    from jinshu.api.security import hash_password

    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        s.add(User(username="ana", role="analyst", password_hash=hash_password(PASSWORD)))
        s.commit()


def test_a_reform_is_costed_by_clause_city_industry_and_level(client: TestClient) -> None:
    _add_analyst(client)
    _sign_in(client, "ana")
    form = client.get("/analysis/reforms")
    assert form.status_code == 200 and "bid_annual_max" in form.text
    page = client.post(
        "/analysis/reforms",
        data={
            "csrf": _csrf(form.text),
            "text": LOWER_CAP,
            "year": "2020",
            "registry": "synthetic",
            "size": "400",
        },
    )
    assert page.status_code == 200, page.text[-2000:]
    for key in ("clause", "city", "industry", "level"):
        assert f'id="reform-{key}"' in page.text
    assert "第15条" in page.text and "省级" in page.text


def test_reform_errors_name_the_field(client: TestClient) -> None:
    _add_analyst(client)
    _sign_in(client, "ana")
    token = _csrf(client.get("/analysis/reforms").text)
    bad = client.post(
        "/analysis/reforms",
        data={
            "csrf": token,
            "text": "name: x\nparameters: {no_such_parameter: 1}\n",
            "year": "1800",
            "size": "0",
        },
    )
    assert bad.status_code == 422
    assert "<code>year</code>" in bad.text and "<code>size</code>" in bad.text
    assert "no_such_parameter" in bad.text


def test_only_analysts_cost_reforms_and_departments_see_their_own_candidates(
    client: TestClient,
) -> None:
    _sign_in(client, "city")
    assert client.get("/analysis/reforms").status_code == 403
    assert client.get("/analysis/candidates").status_code == 403
    _sign_in(client, "dept")
    page = client.get("/analysis/candidates")
    assert page.status_code == 200
    ran = client.post(
        "/analysis/candidates/run",
        data={"csrf": _csrf(page.text), "year": "2020"},
        follow_redirects=True,
    )
    assert ran.status_code == 200
    # E1's contract c2 is a clause-15 (省工信厅) candidate not yet applied for.
    assert "E1" in ran.text and "c2" in ran.text
    assert (
        client.post("/analysis/candidates/run", data={"csrf": "forged", "year": "2020"}).status_code
        == 403
    )
