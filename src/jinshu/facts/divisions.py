"""Shanxi's administrative divisions (GB/T 2260), for validating places in cases and imports."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Not a county in GB/T 2260, but the policy text treats it as a county-level payer (ruling 14).
PILOT_ZONE = "山西综改示范区"


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str
    parent: str


@cache
def divisions() -> tuple[Division, ...]:
    text = resources.files("jinshu.facts").joinpath("data/shanxi-divisions.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines())
    return tuple(Division(r["code"], r["name"], r["level"], r["parent"]) for r in rows)


@cache
def cities() -> dict[str, Division]:
    return {d.name: d for d in divisions() if d.level == "city"}


@cache
def counties_of(city: str) -> frozenset[str]:
    code = cities()[city].code
    return frozenset(d.name for d in divisions() if d.level == "county" and d.parent == code)


@cache
def all_counties() -> frozenset[str]:
    return frozenset(d.name for d in divisions() if d.level == "county")
