"""Registry import over the API: admin only, all or nothing, errors by table, row and column."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import login

GOOD = (
    "id,name,city,county,kinds,registered_in_shanxi\n"
    "E9,大同云谷数据有限公司,大同市,平城区,big_data,true\n"
).encode()
BAD = (
    "id,name,city,county,kinds\n"
    "E9,大同云谷数据有限公司,北京市,平城区,big_data\n"
    "E10,朔州数联有限公司,朔州市,朔城区,spaceship\n"
).encode()


def test_import_csv_dry_run_then_apply(client: TestClient) -> None:
    admin = login(client, "boss")
    url = "/api/v1/registry/imports?table=enterprises"
    files = {"file": ("enterprises.csv", GOOD, "text/csv")}
    dry = client.post(url + "&dry_run=true", headers=admin, files=files)
    assert dry.status_code == 200 and dry.json()["applied"] is False
    assert dry.json()["counts"]["enterprises"] == 1
    done = client.post(url, headers=admin, files={"file": ("enterprises.csv", GOOD, "text/csv")})
    assert done.status_code == 200 and done.json()["applied"] is True
    created = client.post(
        "/api/v1/applications",
        headers=admin,
        json={"enterprise_id": "E9", "item": "p09_bigdata_hq", "year": 2020},
    )
    assert created.status_code == 201  # the imported enterprise is in the registry


def test_import_reports_rows_and_writes_nothing(client: TestClient) -> None:
    admin = login(client, "boss")
    bad = client.post(
        "/api/v1/registry/imports?table=enterprises",
        headers=admin,
        files={"file": ("enterprises.csv", BAD, "text/csv")},
    )
    assert bad.status_code == 422
    errors = {(e["row"], e["column"]) for e in bad.json()["error"]["errors"]}
    assert (2, "city") in errors and (3, "kinds") in errors
    assert bad.json()["applied"] is False


def test_only_admins_import(client: TestClient) -> None:
    ent = login(client, "ent")
    files = {"file": ("enterprises.csv", GOOD, "text/csv")}
    assert (
        client.post(
            "/api/v1/registry/imports?table=enterprises", headers=ent, files=files
        ).status_code
        == 403
    )
