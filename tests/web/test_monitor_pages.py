"""Monitoring pages: the index beside its chart, a city's indicators, import errors row by row,
weights with errors next to the field, and who may see what."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from jinshu.monitor.framework import DEFAULT_DIR
from tests.api.conftest import login
from tests.web.test_work import _csrf, _sign_in


def _load_demo(client: TestClient) -> None:
    response = client.post(
        "/api/v1/monitor/values/imports",
        headers=login(client, "boss"),
        files={"file": ("demo.csv", (DEFAULT_DIR / "demo-values.csv").read_bytes(), "text/csv")},
    )
    assert response.status_code == 200, response.text


def test_the_monitoring_page_ranks_the_cities_beside_a_chart(client: TestClient) -> None:
    _load_demo(client)
    _sign_in(client, "city")
    page = client.get("/monitor", params={"year": 2024})
    assert page.status_code == 200
    assert 'id="index-chart"' in page.text and "echarts.min.js" in page.text
    assert page.text.count("/monitor/city/14") == 11  # one row per city
    assert "导入指标数据" not in page.text  # a reviewer reads, does not edit

    city = client.get("/monitor/city/140100", params={"year": 2024})
    assert city.status_code == 200 and "太原市" in city.text and 'id="pillar-chart"' in city.text

    fragment = client.get("/monitor/uncertainty", params={"year": 2024})
    assert fragment.status_code == 200 and "5%–95% 区间" in fragment.text


def test_an_enterprise_may_not_see_monitoring(client: TestClient) -> None:
    _sign_in(client, "ent")
    assert client.get("/monitor").status_code == 403
    assert client.get("/monitor/import").status_code == 403


def test_import_errors_are_listed_row_by_row(client: TestClient) -> None:
    _sign_in(client, "boss")
    form = client.get("/monitor/import")
    bad = (
        "地区代码,数据项,年份,数值,单位,来源\n"
        "140100,population,2024,540,万人,公报\n"
        "太谷市,population,2024,10,万人,公报\n"
        "140200,population,2024,300,人,公报\n"
    ).encode()
    response = client.post(
        "/monitor/import",
        data={"csrf": _csrf(form.text)},
        files={"file": ("v.csv", bad, "text/csv")},
    )
    assert response.status_code == 422
    cells = re.findall(r'<td class="num">(\d+)</td><td>(\w+)</td>', response.text)
    assert cells == [("3", "city_code"), ("4", "unit")]
    assert "未写入任何数据" in response.text


def test_weights_errors_show_next_to_the_field_and_nothing_is_saved(client: TestClient) -> None:
    _sign_in(client, "boss")
    form = client.get("/monitor/weights")
    token = _csrf(form.text)
    response = client.post("/monitor/weights", data={"csrf": token, "w_net": "-2", "w_smart": "3"})
    assert response.status_code == 422
    assert re.search(r'name="w_net" value="-2"[^>]*aria-invalid="true"', response.text)
    assert "权重应在 0 到 100 之间" in response.text
    assert (
        client.get("/api/v1/monitor/weights", headers=login(client, "boss")).json()["pillars"][
            "smart"
        ]
        == "1"
    )
    ok = client.post("/monitor/weights", data={"csrf": token, "w_smart": "3"})
    assert ok.status_code == 200 and "已保存 1 项修改" in ok.text
    assert (
        client.post("/monitor/weights", data={"csrf": "forged", "w_smart": "4"}).status_code == 403
    )
