"""The calculator's form, built from the fact model: one input per fact, by its type.

A case becomes form values and back. Form names follow the case: ``year``,
``enterprise.<fact>``, ``years.this.<fact>`` and ``years.before.<fact>`` (the chosen year and
the one before), ``records.<n>.<fact>`` (``n`` orders the records; ``records.<n>.kind`` names
the kind) and ``history.<n>.<fact>``. :func:`form_to_case` also returns where each case path came
from, so that a validation error lands beside its input.

>>> case, where = form_to_case({"year": "2020", "enterprise.id": "E1",
...     "years.this.revenue": "100", "records.7.kind": "contract",
...     "records.7.id": "c1", "records.7.won_by_tender": "true"})
>>> case["years"], case["records"]
({'2020': {'revenue': '100'}}, [{'kind': 'contract', 'id': 'c1', 'won_by_tender': True}])
>>> where["records[0].won_by_tender"]
'records.7.won_by_tender'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jinshu.facts.schema import (
    APPLICANT_KINDS,
    BOOL,
    ENTERPRISE,
    HISTORY,
    INT,
    KINDS,
    RECORD_KINDS,
    YEAR,
    Fact,
)
from jinshu.web import i18n

YEAR_SLOTS = (("before", -1), ("this", 0))
_INDEXED = re.compile(r"^(records|history)\.(\d{1,9})\.(\w+)$")


@dataclass(frozen=True)
class Field:
    """One input: its form name, the fact it holds and its current value."""

    name: str
    fact: Fact
    value: Any


def fact_label(fact: Fact) -> str:
    """The fact's Chinese label, or its English name made readable."""
    if i18n.current_locale() == "en":
        return fact.name.replace("_", " ").capitalize()
    return fact.label


def kind_label(kind: str) -> str:
    """A record kind's Chinese name, or its English code made readable."""
    if i18n.current_locale() == "en":
        return kind.replace("_", " ").capitalize()
    return RECORD_KINDS[kind][0]


def applicant_kinds() -> list[tuple[str, str]]:
    return [(k, i18n.gettext(v)) for k, v in APPLICANT_KINDS.items()]


def record_kinds() -> list[tuple[str, str]]:
    return [(k, kind_label(k)) for k in RECORD_KINDS]


def _shown(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [str(v) for v in value]
    return "" if value is None else str(value)


def _fields(prefix: str, facts: Mapping[str, Fact], values: Mapping[str, Any]) -> list[Field]:
    return [
        Field(f"{prefix}.{name}", fact, _shown(values.get(name))) for name, fact in facts.items()
    ]


def case_to_form(case: Mapping[str, Any]) -> dict[str, Any]:
    """The sections of the form, filled from ``case`` (an example or what was entered)."""
    year = int(case.get("year") or 2020)
    years = case.get("years") or {}
    records = []
    for n, rec in enumerate(case.get("records") or []):
        kind = rec.get("kind")
        if kind in RECORD_KINDS:
            records.append(record_form(n, kind, rec))
    history = [_fields(f"history.{n}", HISTORY, h) for n, h in enumerate(case.get("history") or [])]
    history.append(_fields(f"history.{len(history)}", HISTORY, {}))
    return {
        "year": year,
        "enterprise": _fields("enterprise", ENTERPRISE, case.get("enterprise") or {}),
        "years": [
            (slot, year + offset, _fields(f"years.{slot}", YEAR, years.get(str(year + offset), {})))
            for slot, offset in YEAR_SLOTS
        ],
        "records": records,
        "history": history,
    }


def record_form(n: int, kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """One record's inputs (``kind`` must be a record kind)."""
    return {
        "n": n,
        "kind": kind,
        "label": kind_label(kind),
        "fields": _fields(f"records.{n}", RECORD_KINDS[kind][1], values),
    }


def _typed(fact: Fact, raw: str | list[str]) -> Any:
    """A form value as the case format holds it; anything odd is left for validation to name."""
    if isinstance(raw, list):
        return raw
    text = raw.strip()
    if fact.type == BOOL:
        return {"true": True, "false": False}.get(text, text)
    if fact.type == INT and re.fullmatch(r"-?\d{1,9}", text):
        return int(text)
    return text


def form_to_case(form: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A case from the form's values, and each case path's form name (for errors)."""
    where: dict[str, str] = {}
    raw_year = str(form.get("year", "")).strip()
    year: Any = int(raw_year) if raw_year.isdigit() else raw_year
    case: dict[str, Any] = {"year": year}
    where["year"] = "year"
    enterprise: dict[str, Any] = {}
    for name, fact in ENTERPRISE.items():
        raw = _get(form, f"enterprise.{name}", many=fact.type == KINDS)
        if raw not in ("", []):
            enterprise[name] = _typed(fact, raw)
            where[f"enterprise.{name}"] = f"enterprise.{name}"
    case["enterprise"] = enterprise
    where["enterprise"] = "enterprise.id"
    years: dict[str, Any] = {}
    for slot, offset in YEAR_SLOTS:
        figures = {}
        for name, fact in YEAR.items():
            raw = _get(form, f"years.{slot}.{name}")
            if raw != "":
                figures[name] = _typed(fact, raw)
                if isinstance(year, int):
                    where[f"years.{year + offset}.{name}"] = f"years.{slot}.{name}"
        if figures and isinstance(year, int):
            years[str(year + offset)] = figures
    case["years"] = years
    groups: dict[str, dict[int, dict[str, str]]] = {"records": {}, "history": {}}
    for key in form:
        match = _INDEXED.match(key)
        if match:
            section, n, name = match.groups()
            groups[section].setdefault(int(n), {})[name] = str(_get(form, key))
    records: list[dict[str, Any]] = []
    for n in sorted(groups["records"]):
        values = groups["records"][n]
        kind = values.get("kind", "")
        facts: dict[str, Fact] = RECORD_KINDS[kind][1] if kind in RECORD_KINDS else {}
        record: dict[str, Any] = {"kind": kind}
        i = len(records)
        where[f"records[{i}].kind"] = f"records.{n}.kind"
        for name, raw in values.items():
            if name != "kind" and raw.strip() != "":
                known = facts.get(name)
                record[name] = _typed(known, raw) if known is not None else raw
                where[f"records[{i}].{name}"] = f"records.{n}.{name}"
        where[f"records[{i}]"] = f"records.{n}.kind"
        records.append(record)
    case["records"] = records
    history: list[dict[str, Any]] = []
    for n in sorted(groups["history"]):
        values = {k: v for k, v in groups["history"][n].items() if v.strip() != ""}
        if not values:
            continue
        i = len(history)
        entry = {name: _typed(HISTORY[name], raw) if name in HISTORY else raw
                 for name, raw in values.items()}  # fmt: skip
        for name in values:
            where[f"history[{i}].{name}"] = f"history.{n}.{name}"
        where[f"history[{i}]"] = f"history.{n}.item"
        history.append(entry)
    if history:
        case["history"] = history
    return case, where


def _get(form: Mapping[str, Any], key: str, many: bool = False) -> Any:
    getlist = getattr(form, "getlist", None)
    if many:
        values: Iterable[Any] = getlist(key) if getlist else form.get(key) or []
        return [str(v) for v in values]
    value = form.get(key, "")
    return value if isinstance(value, str) else str(value)


def form_name(where: Mapping[str, str], location: str) -> str:
    """The input an error's case path points at (the nearest known parent, else the year)."""
    path = location
    while path:
        if path in where:
            return where[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return "year"
