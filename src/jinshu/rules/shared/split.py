"""Clause 1's split of an award between province, city and county (5:2:3).

The province's and the city's parts are each rounded half-up to 0.01 yuan; the county takes the
remainder, so the parts always add up to the award. Example: 10,000.05 yuan → province 5,000.03,
city 2,000.01, county 3,000.01.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jinshu.facts.divisions import PILOT_ZONE
from jinshu.money import CONTEXT, fmt, round_fen


def split_award(
    amount: Decimal, province_share: Decimal, city_share: Decimal, city: Any, county: Any
) -> dict[str, Any]:
    province = round_fen(CONTEXT.multiply(amount, province_share))
    city_part = round_fen(CONTEXT.multiply(amount, city_share))
    county_part = amount - province - city_part
    return {
        "province": fmt(province),
        "city": fmt(city_part),
        "county": fmt(county_part),
        "city_name": city,
        "county_name": county,
        "county_is_pilot_zone": county == PILOT_ZONE,
    }
