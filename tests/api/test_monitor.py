"""Monitoring over the API: imports checked row by row, the index, weights, targets, reports, open data."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from jinshu.monitor.framework import DEFAULT_DIR, default_framework
from jinshu.monitor.opendata import open_data_config
from tests.api.conftest import login

HEADER = "city_code,item,year,value,unit,source,source_date,imputed,synthetic,note\n"
DEMO = (DEFAULT_DIR / "demo-values.csv").read_bytes()


def upload(
    client: TestClient, who: dict[str, str], body: bytes, name: str = "v.csv", **params: Any
) -> Any:
    return client.post(
        "/api/v1/monitor/values/imports",
        headers=who,
        files={"file": (name, io.BytesIO(body), "text/csv")},
        params=params,
    )


def province_only_item() -> str:
    return next(d.code for d in default_framework().data_items if d.level == "province")


def test_an_import_reports_every_bad_row_and_writes_nothing(client: TestClient) -> None:
    admin = login(client, "boss")
    prov = province_only_item()
    rows = [
        "140100,population,2024,540.1,万人,统计公报,2025-03-01,0,0,",  # good (row 2)
        "140999,population,2024,100,万人,统计公报,,0,0,",  # unknown city (3)
        "140100,no_such_item,2024,1,个,统计公报,,0,0,",  # unknown item (4)
        "140200,population,2024,300,人,统计公报,,0,0,",  # unit mismatch (5)
        "140300,population,2024,-5,万人,统计公报,,0,0,",  # impossible value (6)
        f"140100,{prov},2024,1,{default_framework().item(prov).unit},统计公报,,0,0,",  # province only (7)
        "140100,population,2024,541,万人,统计公报,,0,0,",  # duplicate of row 2 (8)
        "140400,population,二〇二四,300,万人,统计公报,,0,0,",  # bad year (9)
        "140500,population,2024,300,万人,,,0,0,",  # no source (10)
    ]
    response = upload(client, admin, (HEADER + "\n".join(rows) + "\n").encode())
    assert response.status_code == 422
    errors = {(e["row"], e["column"]) for e in response.json()["error"]["errors"]}
    assert errors == {
        (3, "city_code"),
        (4, "item"),
        (5, "unit"),
        (6, "value"),
        (7, "city_code"),
        (8, "item"),
        (9, "year"),
        (10, "source"),
    }
    assert client.get("/api/v1/monitor/values", headers=admin, params={"year": 2024}).json() == []


def test_a_changed_value_becomes_a_revision_and_the_same_value_changes_nothing(
    client: TestClient,
) -> None:
    admin = login(client, "boss")
    first = HEADER + "140100,population,2024,540.1,万人,统计公报,2025-03-01,0,0,\n"
    assert upload(client, admin, first.encode()).json()["added"] == 1
    assert upload(client, admin, first.encode()).json()["unchanged"] == 1
    second = first.replace("540.1", "541.25")
    body = upload(client, admin, second.encode()).json()
    assert (body["added"], body["revised"]) == (0, 1)
    values = client.get(
        "/api/v1/monitor/values", headers=admin, params={"year": 2024, "area": "140100"}
    ).json()
    assert values == [{"area": "140100", "item": "population", "year": 2024, "value": "541.25"}]


def test_roles(client: TestClient) -> None:
    ent, city = login(client, "ent"), login(client, "city")
    assert client.get("/api/v1/monitor/index/2024").status_code == 401
    assert client.get("/api/v1/monitor/index/2024", headers=ent).status_code == 403
    assert client.get("/api/v1/monitor/index/2024", headers=city).status_code == 200
    assert upload(client, city, DEMO).status_code == 403
    assert (
        client.put(
            "/api/v1/monitor/weights", headers=city, json={"weights": {"net": "2"}}
        ).status_code
        == 403
    )


def test_the_index_ranks_all_cities_flags_imputation_and_follows_edited_weights(
    client: TestClient,
) -> None:
    admin = login(client, "boss")
    assert upload(client, admin, DEMO).status_code == 200
    index = client.get("/api/v1/monitor/index/2024", headers=admin).json()
    cities = index["cities"]
    assert sorted(c["rank"] for c in cities) == list(range(1, 12))
    assert any(v["imputed"] for c in cities for v in c["indicators"].values())

    bad = client.put(
        "/api/v1/monitor/weights",
        headers=admin,
        json={"weights": {"net": "-1", "smart": "abc", "nope": "1", "data": "1.00001"}},
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["error"]["errors"]} == {
        "weights.net",
        "weights.smart",
        "weights.nope",
        "weights.data",
    }
    # Only the 网 pillar weighs: each city's index is its 网 score.
    only_net = {p.code: ("1" if p.code == "net" else "0") for p in default_framework().pillars}
    assert (
        client.put("/api/v1/monitor/weights", headers=admin, json={"weights": only_net}).status_code
        == 200
    )
    after = client.get("/api/v1/monitor/index/2024", headers=admin).json()
    for c in after["cities"]:
        assert c["index"] == c["pillars"]["net"]
    assert client.get("/api/v1/monitor/weights", headers=admin).json()["pillars"]["net"] == "1.0"


def test_the_uncertainty_analysis_is_reproducible(client: TestClient) -> None:
    admin = login(client, "boss")
    upload(client, admin, DEMO)
    url = "/api/v1/monitor/index/2024/uncertainty"
    one = client.get(url, headers=admin, params={"base": 64, "seed": 7}).json()
    two = client.get(url, headers=admin, params={"base": 64, "seed": 7}).json()
    assert one == two
    for c in one["cities"]:
        assert c["best"] <= c["interval"][0] <= c["rank"] or c["interval"][0] <= c["median_rank"]
        assert c["interval"][0] <= c["interval"][1] <= c["worst"]
    assert client.get(url, headers=admin, params={"base": 100}).status_code == 422


def test_targets_quote_their_sentence(client: TestClient) -> None:
    admin = login(client, "boss")
    upload(client, admin, DEMO)
    targets = client.get("/api/v1/monitor/targets", headers=admin).json()
    scale = next(t for t in targets if t["value"] == "5000" and t["year"] == 2022)
    assert "5000亿元" in scale["sentence"]
    assert scale["status"] in ("achieved", "missed")  # 2022 is in the demo data


def test_the_report_pdf_shows_the_database_numbers(client: TestClient) -> None:
    admin = login(client, "boss")
    upload(client, admin, DEMO)
    index = client.get("/api/v1/monitor/index/2024", headers=admin).json()
    response = client.get("/api/v1/monitor/reports/2024.pdf", headers=admin)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "山西省数字经济发展监测报告" in text
    first = index["cities"][0]
    assert first["name"] in text
    assert f"{first['index']:.2f}" in text
    assert f"{index['province']['index']:.2f}" in text


def test_open_data_never_shows_a_field_on_the_negative_list(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = login(client, "boss")
    upload(client, admin, DEMO)
    rows = client.get("/api/v1/open/indicators", params={"year": 2024}).json()
    assert rows and all("imported_by" not in r for r in rows)
    assert all("source" in r for r in rows)

    config = tmp_path / "open.yaml"
    config.write_text("negative_list: [source, imported_by, name]\nmin_awards: 1\n", "utf-8")
    monkeypatch.setenv("JINSHU_OPEN_DATA_CONFIG", str(config))
    open_data_config.cache_clear()
    try:
        rows = client.get("/api/v1/open/indicators", params={"year": 2024}).json()
        assert rows and all("source" not in r and "imported_by" not in r for r in rows)
        index = client.get("/api/v1/open/index/2024").json()
        assert all("name" not in c for c in index["cities"])
    finally:
        open_data_config.cache_clear()


def test_open_fund_figures_of_small_groups_are_withheld(client: TestClient) -> None:
    from tests.api.conftest import recognized_application

    recognized_application(client)  # one award: below the default minimum of 3
    funds = client.get("/api/v1/open/funds").json()
    assert funds["clause"] and all(
        r["committed"] is None and "withheld" in r for r in funds["clause"]
    )


def test_open_data_is_rate_limited_per_application(db_url: str) -> None:
    from jinshu.api.main import create_app
    from jinshu.config import settings

    limit = settings.calculator_rate_per_minute
    with TestClient(create_app(db_url)) as first:
        codes = [first.get("/api/v1/open/targets").status_code for _ in range(limit + 1)]
    assert codes[:limit] == [200] * limit and codes[-1] == 429
    with TestClient(create_app(db_url)) as second:  # another application keeps its own counts
        assert second.get("/api/v1/open/targets").status_code == 200
