"""Bind a case to the policy set: the base row every item's expressions read (``bind_case``).

Parameters take the value in force at the end of the case's year; a case's own ``parameters``
override any of them (what-if), and each override is remembered so that every result it touched
can name it beside the official value it replaced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from jinshu.facts.case import Case, Record
from jinshu.facts.schema import APPLICANT_KINDS, KEY_DEFAULTS_TO_ID, YEAR, record_facts
from jinshu.rules.policyset import PolicySet
from jinshu.rules.scope import ENTERPRISE_NAMES


@dataclass(frozen=True)
class Override:
    name: str
    value: Any
    official: Any


def bind_case(policy: PolicySet, case: Case) -> tuple[dict[str, Any], dict[str, Override]]:
    """The base row of a case and the parameter overrides it carries."""
    y = case.year
    row: dict[str, Any] = {
        "year": y,
        "year_start": dt.date(y, 1, 1),
        "year_end": dt.date(y, 12, 31),
        "next_year_start": dt.date(y + 1, 1, 1),
        "effective_from": policy.document.effective_from,
    }
    for kind in APPLICANT_KINDS:
        row[f"kind_{kind}"] = kind in case.kinds
    for fact, alias in ENTERPRISE_NAMES.items():
        row[alias] = case.enterprise.get(fact)
    current, previous = case.years.get(y, {}), case.years.get(y - 1, {})
    for name in YEAR:
        row[name] = current.get(name)
        row[f"prev_{name}"] = previous.get(name)
    official = policy.parameters_for_year(y)
    row.update(official)
    overrides: dict[str, Override] = {}
    for name, given in case.parameters.items():
        value = given.get(y) if isinstance(given, dict) else given
        overrides[name] = Override(name, value, official[name])
        row[name] = value
    return row, overrides


def record_row(record: Record) -> dict[str, Any]:
    """A record's own facts as row columns (absent facts are None; group keys default to the id)."""
    row: dict[str, Any] = {}
    for name in record_facts(record.kind):
        if name == "id":
            row["record_id"] = record.id
        else:
            row[name] = record.facts.get(name)
    for key in KEY_DEFAULTS_TO_ID:
        if key in row and row[key] is None:
            row[key] = record.id
    return row
