"""Validate a raw case (parsed JSON or YAML) into a :class:`Case`, or refuse it whole.

Every problem is collected before refusing, each naming the field path and quoting the value, so a
user fixes them all in one go. Nothing is computed from a half-valid case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from jinshu.errors import CaseError, ErrorEntry
from jinshu.facts import divisions
from jinshu.facts.case import Case, HistoryEntry, Record, Value
from jinshu.facts.credit_code import is_valid_credit_code
from jinshu.facts.schema import (
    APPLICANT_KINDS,
    BOOL,
    DATE,
    ENTERPRISE,
    ENUM,
    HISTORY,
    INT,
    MONEY,
    QUANTITY,
    RECORD_KINDS,
    TEXT,
    YEAR,
    Fact,
)
from jinshu.money import D

MIN_YEAR, MAX_YEAR = 1949, 2100
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Collector:
    def __init__(self) -> None:
        self.entries: list[ErrorEntry] = []

    def add(self, where: str, zh: str, en: str, value: Any = None) -> None:
        quoted = None if value is None else _quote(value)
        self.entries.append(ErrorEntry(where, zh, en, quoted))


def _quote(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 80 else text[:77] + "..."


def to_decimal(value: Any) -> Decimal | None:
    """A JSON number or a decimal string as Decimal; None if it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        return D(value)
    except (TypeError, ValueError):
        return None


def parse_year(value: Any) -> int | None:
    """A year as int (an int or a 4-digit string between 1949 and 2100), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and re.fullmatch(r"\d{4}", value.strip()):
        value = int(value.strip())
    if isinstance(value, int) and MIN_YEAR <= value <= MAX_YEAR:
        return value
    return None


def parse_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE_RE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _fact_value(fact: Fact, value: Any, where: str, errors: _Collector) -> Value | None:
    """Check one fact's value against its type; None (with an error) when it is refused."""
    if fact.type in (MONEY, QUANTITY):
        d = to_decimal(value)
        if d is None:
            errors.add(where, "不是数字", "not a number", value)
            return None
        if d < 0:
            errors.add(where, "不能为负数", "must not be negative", value)
            return None
        if fact.positive and d == 0:
            errors.add(where, "必须大于0", "must be greater than 0", value)
            return None
        return d
    if fact.type == BOOL:
        if not isinstance(value, bool):
            errors.add(where, "应为 true 或 false", "must be true or false", value)
            return None
        return value
    if fact.type == DATE:
        d8 = parse_date(value)
        if d8 is None:
            errors.add(where, "不是有效日期（YYYY-MM-DD）", "not a valid date (YYYY-MM-DD)", value)
        return d8
    if fact.type == INT:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            errors.add(where, "应为整数", "must be an integer", value)
            return None
        return value
    if fact.type == ENUM:
        allowed = (*fact.values, "other") if fact.other else fact.values
        if not isinstance(value, str) or value not in allowed:
            errors.add(
                where,
                f"取值不在允许范围内（{'、'.join(allowed)}）",
                f"not one of the accepted values: {', '.join(allowed)}",
                value,
            )
            return None
        return value
    if fact.type == TEXT:
        if isinstance(value, bool) or not isinstance(value, str | int):
            errors.add(where, "应为文本", "must be text", value)
            return None
        text = str(value).strip()
        if not text:
            errors.add(where, "不能为空", "must not be empty", value)
            return None
        return text
    raise AssertionError(fact.type)


def _facts_of(
    raw: Mapping[str, Any],
    facts: Mapping[str, Fact],
    where: str,
    errors: _Collector,
    skip: Iterable[str] = (),
) -> dict[str, Value]:
    out: dict[str, Value] = {}
    skipped = set(skip)
    for name, value in raw.items():
        if name in skipped:
            continue
        path = f"{where}.{name}" if where else str(name)
        fact = facts.get(name)
        if fact is None:
            errors.add(path, "未知字段", "unknown field", name)
            continue
        if value is None:
            continue
        checked = _fact_value(fact, value, path, errors)
        if checked is not None:
            out[name] = checked
    for fact in facts.values():
        missing = fact.name not in out and raw.get(fact.name) is None
        if fact.required and fact.name not in skipped and missing:
            path = f"{where}.{fact.name}" if where else fact.name
            errors.add(path, "缺少必填字段", "required field is missing")
    return out


def _check_place(city: Any, county: Any, where: str, errors: _Collector) -> None:
    if city is not None and city not in divisions.cities():
        errors.add(f"{where}.city", "不是山西省的设区市", "not a city of Shanxi", city)
        return
    if county is None or county == divisions.PILOT_ZONE:
        return
    known = divisions.counties_of(str(city)) if city is not None else divisions.all_counties()
    if county not in known:
        zh = f"不是{city}的县（市、区）" if city is not None else "不是山西省的县（市、区）"
        errors.add(f"{where}.county", zh, "not a county of that city", county)


def _mapping(value: Any, where: str, errors: _Collector) -> Mapping[str, Any] | None:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        errors.add(where, "应为对象", "must be an object", value)
        return None
    return value


def validate_case(
    raw: Any,
    *,
    known_items: Iterable[str] = (),
    parameter_kinds: Mapping[str, str] | None = None,
) -> Case:
    """Check a raw case and return it typed; raise :class:`CaseError` listing every problem.

    Args:
        raw: the case as parsed from JSON or YAML.
        known_items: the policy item IDs that ``history[].item`` may name.
        parameter_kinds: the parameters a case may override, each ``number``, ``text`` or
            ``yearly`` (a number or a {year: number} table).

    Returns:
        The validated case.
    """
    errors = _Collector()
    if not isinstance(raw, Mapping):
        raise CaseError([ErrorEntry("case", "案例应为 JSON 对象", "a case must be an object")])
    allowed = {"year", "enterprise", "years", "records", "history", "parameters"}
    for key in raw:
        if key not in allowed:
            errors.add(str(key), "未知字段", "unknown field", key)

    year = parse_year(raw.get("year"))
    if year is None:
        errors.add("year", "不是有效年份", "not a valid year", raw.get("year"))

    enterprise: dict[str, Value] = {}
    kinds: set[str] = set()
    ent_raw = _mapping(raw.get("enterprise"), "enterprise", errors)
    if raw.get("enterprise") is None:
        errors.add("enterprise", "缺少申报主体信息", "the enterprise is missing")
    elif ent_raw is not None:
        enterprise = _facts_of(ent_raw, ENTERPRISE, "enterprise", errors, skip=("kinds",))
        raw_kinds = ent_raw.get("kinds")
        if raw_kinds is not None:
            if not isinstance(raw_kinds, list):
                errors.add("enterprise.kinds", "应为列表", "must be a list", raw_kinds)
            else:
                for i, kind in enumerate(raw_kinds):
                    if kind not in APPLICANT_KINDS:
                        errors.add(
                            f"enterprise.kinds[{i}]",
                            "未知主体类型",
                            f"unknown kind; accepted: {', '.join(APPLICANT_KINDS)}",
                            kind,
                        )
                    else:
                        kinds.add(kind)
        code = enterprise.get("credit_code")
        if isinstance(code, str) and not is_valid_credit_code(code):
            errors.add(
                "enterprise.credit_code",
                "统一社会信用代码无效（长度、字符或第18位校验码不符合 GB 32100）",
                "invalid unified social credit code (length, characters or GB 32100 check character)",
                code,
            )
        _check_place(ent_raw.get("city"), ent_raw.get("county"), "enterprise", errors)

    years: dict[int, dict[str, Value]] = {}
    years_raw = _mapping(raw.get("years"), "years", errors)
    for key, figures in (years_raw or {}).items():
        y = parse_year(key)
        if y is None:
            errors.add(f"years.{key}", "不是有效年份", "not a valid year", key)
            continue
        fig = _mapping(figures, f"years.{key}", errors)
        if fig is not None:
            years[y] = _facts_of(fig, YEAR, f"years.{key}", errors)

    records: list[Record] = []
    seen_ids: set[str] = set()
    raw_records = raw.get("records")
    if raw_records is not None and not isinstance(raw_records, list):
        errors.add("records", "应为列表", "must be a list", raw_records)
        raw_records = []
    for i, rec in enumerate(raw_records or []):
        where = f"records[{i}]"
        if not isinstance(rec, Mapping):
            errors.add(where, "应为对象", "must be an object", rec)
            continue
        kind = rec.get("kind")
        if kind not in RECORD_KINDS:
            errors.add(
                f"{where}.kind",
                "未知记录类型",
                f"unknown record kind; accepted: {', '.join(RECORD_KINDS)}",
                kind,
            )
            continue
        facts = _facts_of(rec, RECORD_KINDS[kind][1], where, errors, skip=("kind",))
        rid = facts.pop("id", None)
        if rid is None:
            continue
        if rid in seen_ids:
            errors.add(f"{where}.id", "记录编号重复", "duplicate record id", rid)
        seen_ids.add(str(rid))
        if kind == "data_center":
            _check_place(rec.get("city"), rec.get("county"), where, errors)
        drawn, repaid = facts.get("drawn_on"), facts.get("repaid_on")
        if isinstance(drawn, date) and isinstance(repaid, date) and repaid < drawn:
            errors.add(
                f"{where}.repaid_on",
                "还款日早于放款日",
                "repaid_on is before drawn_on",
                str(repaid),
            )
        records.append(Record(str(rid), str(kind), len(records), facts))

    history: list[HistoryEntry] = []
    items = set(known_items)
    raw_history = raw.get("history")
    if raw_history is not None and not isinstance(raw_history, list):
        errors.add("history", "应为列表", "must be a list", raw_history)
        raw_history = []
    for i, entry in enumerate(raw_history or []):
        where = f"history[{i}]"
        if not isinstance(entry, Mapping):
            errors.add(where, "应为对象", "must be an object", entry)
            continue
        h = _facts_of(entry, HISTORY, where, errors)
        if "item" in h and items and h["item"] not in items:
            errors.add(f"{where}.item", "未知政策事项", "unknown policy item", h["item"])
            continue
        if "year" in h and parse_year(h["year"]) is None:
            errors.add(f"{where}.year", "不是有效年份", "not a valid year", h["year"])
            continue
        if "item" not in h or "year" not in h:
            continue
        key = h.get("key")
        level = h.get("level")
        amount = h.get("amount", D(0))
        history.append(
            HistoryEntry(
                item=str(h["item"]),
                year=int(h["year"]),  # type: ignore[arg-type]
                key=None if key is None else str(key),
                level=level if isinstance(level, int) else None,
                amount=amount if isinstance(amount, Decimal) else D(0),
            )
        )

    parameters = _parameters(raw.get("parameters"), parameter_kinds or {}, errors)

    if errors.entries:
        raise CaseError(errors.entries)
    assert year is not None
    return Case(
        year=year,
        enterprise=enterprise,
        kinds=frozenset(kinds),
        years=years,
        records=tuple(records),
        history=tuple(history),
        parameters=parameters,
    )


def _parameters(raw: Any, kinds: Mapping[str, str], errors: _Collector) -> dict[str, Any]:
    out: dict[str, Any] = {}
    params = _mapping(raw, "parameters", errors)
    for name, value in (params or {}).items():
        where = f"parameters.{name}"
        kind = kinds.get(name)
        if kind is None:
            errors.add(where, "未知参数", "unknown parameter", name)
            continue
        if value is None:
            continue
        if kind == "text":
            if not isinstance(value, str):
                errors.add(where, "应为文本", "must be text", value)
            else:
                out[name] = value
            continue
        if kind == "yearly" and isinstance(value, Mapping):
            table: dict[int, Decimal] = {}
            for y, v in value.items():
                yy, dv = parse_year(y), to_decimal(v)
                if yy is None:
                    errors.add(f"{where}.{y}", "不是有效年份", "not a valid year", y)
                elif dv is None or dv < 0:
                    errors.add(f"{where}.{y}", "应为非负数", "must be a non-negative number", v)
                else:
                    table[yy] = dv
            out[name] = table
            continue
        d = to_decimal(value)
        if d is None or d < 0:
            errors.add(where, "应为非负数", "must be a non-negative number", value)
        else:
            out[name] = d
    return out
