"""Small builders of raw cases for tests."""

from __future__ import annotations

from typing import Any


def make_case(**overrides: Any) -> dict[str, Any]:
    """A valid raw case of a big-data firm in 2020 with no records; keyword arguments replace keys."""
    case: dict[str, Any] = {
        "year": 2020,
        "enterprise": {
            "id": "E-T1",
            "name": "测试数据有限公司",
            "city": "太原市",
            "county": "小店区",
            "founded": "2016-04-01",
            "kinds": ["big_data"],
            "registered_in_shanxi": True,
            "hq_in_shanxi": True,
        },
        "years": {},
        "records": [],
        "history": [],
        "parameters": {},
    }
    case.update(overrides)
    return case
