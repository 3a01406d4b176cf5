"""Import monitoring values (CSV or XLSX), checked row by row, written all or nothing.

Columns (English or Chinese headers): ``city_code`` (地区代码; a 6-digit code or the city's
name, 山西省 / 140000 for the province), ``item`` (数据项), ``year`` (年份), ``value`` (数值),
``unit`` (单位), ``source`` (来源), then optional ``source_date`` (发布日期, YYYY-MM-DD),
``imputed`` (估算), ``synthetic`` (合成数据) and ``note`` (备注).

A value that changes what is stored becomes a new revision; the same value again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jinshu.facts.divisions import divisions
from jinshu.monitor.framework import PROVINCE, Framework
from jinshu.store.models import IndicatorValue
from jinshu.workflow.registry_import import RowError, csv_grid, open_workbook

TABLE = "values"
COLUMNS: dict[str, tuple[str, ...]] = {
    "city_code": ("地区代码", "城市代码", "地区", "城市", "city", "area"),
    "item": ("数据项", "数据项代码", "指标"),
    "year": ("年份", "年度"),
    "value": ("数值", "值"),
    "unit": ("单位",),
    "source": ("来源", "数据来源"),
    "source_date": ("发布日期", "来源日期"),
    "imputed": ("估算", "插补"),
    "synthetic": ("合成数据", "合成"),
    "note": ("备注", "说明"),
}
REQUIRED = ("city_code", "item", "year", "value", "unit", "source")
TRUE = {"1", "true", "是", "yes", "y"}
FALSE = {"0", "false", "否", "no", "n", ""}


@dataclass
class ValuesReport:
    rows: int = 0
    added: int = 0
    revised: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    applied: bool = False


@dataclass(frozen=True)
class _Value:
    row: int
    area: str
    item: str
    year: int
    value: Decimal
    unit: str
    source: str
    source_date: dt.date | None
    imputed: bool
    synthetic: bool
    note: str | None


def _canonical(header: str) -> str:
    text = header.strip().lstrip("\ufeff")
    for key, aliases in COLUMNS.items():
        if text.lower() == key or text in aliases:
            return key
    return text


def _grid_rows(grid: Iterable[Sequence[Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    rows = iter(grid)
    header = [_canonical("" if c is None else str(c)) for c in next(rows, [])]
    out = []
    for number, cells in enumerate(rows, start=2):
        values = [c.strip() if isinstance(c, str) else c for c in cells]
        if all(v in (None, "") for v in values):
            continue
        row = {h: v for h, v in zip(header, values, strict=False) if h}
        row["_row"] = number
        out.append(row)
    return header, out


def read_table(data: bytes, filename: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Headers and rows of a CSV (UTF-8) or XLSX (first sheet) file."""
    if filename.lower().endswith(".xlsx"):
        book = open_workbook(data)
        try:
            return _grid_rows(book.worksheets[0].iter_rows(values_only=True))
        finally:
            book.close()
    return _grid_rows(csv_grid(data))


def _areas() -> dict[str, str]:
    """Code or name → code, for the province and its 11 cities."""
    out: dict[str, str] = {}
    for d in divisions():
        if d.level in ("province", "city"):
            out[d.code] = d.code
            out[d.name] = d.code
    return out


def _parse_row(
    raw: Mapping[str, Any], framework: Framework, errors: list[RowError]
) -> _Value | None:
    number = int(raw["_row"])
    before = len(errors)

    def err(column: str, zh: str, en: str, value: Any = None) -> None:
        errors.append(
            RowError(TABLE, number, column, zh, en, None if value is None else str(value))
        )

    def text(column: str) -> str | None:
        v = raw.get(column)
        return None if v is None or str(v).strip() == "" else str(v).strip()

    for column in REQUIRED:
        if text(column) is None:
            err(column, "必填项为空", "required value is empty")
    area = _areas().get(text("city_code") or "")
    if text("city_code") and area is None:
        err(
            "city_code",
            "未知的地区（应为山西省或其 11 个设区市之一）",
            "unknown city",
            text("city_code"),
        )
    items = {d.code: d for d in framework.data_items}
    item = items.get(text("item") or "")
    if text("item") and item is None:
        err("item", "未知的数据项", "unknown data item", text("item"))
    year = None
    if text("year"):
        try:
            year = int(str(raw["year"]).strip().removesuffix(".0"))
            if not 2000 <= year <= 2100:
                raise ValueError
        except ValueError:
            err(
                "year",
                "年份应为 2000–2100 之间的整数",
                "year must be a whole number 2000-2100",
                raw["year"],
            )
            year = None
    value = None
    if text("value"):
        try:
            value = Decimal(
                repr(raw["value"]) if isinstance(raw["value"], float) else str(raw["value"]).strip()
            )
            if not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            err("value", "数值不是有效的数字", "value is not a number", raw["value"])
            value = None
    if item is not None:
        if text("unit") and text("unit") != item.unit:
            err(
                "unit",
                f"单位与数据项不一致（应为“{item.unit}”）",
                f"unit differs from the item's ({item.unit})",
                text("unit"),
            )
        if value is not None and (
            (item.min is not None and value < item.min)
            or (item.max is not None and value > item.max)
        ):
            err(
                "value",
                f"数值超出可能范围（{item.min} 至 {item.max}）",
                f"impossible value (outside {item.min} to {item.max})",
                value,
            )
        if area is not None and area != PROVINCE and item.level == "province":
            err(
                "city_code",
                "该数据项只有全省数据，不能按市填报",
                "this item exists for the province only",
                text("city_code"),
            )
    source_date = None
    if text("source_date"):
        try:
            source_date = dt.date.fromisoformat(str(raw["source_date"]).strip()[:10])
        except ValueError:
            err(
                "source_date",
                "日期格式应为 YYYY-MM-DD",
                "date must be YYYY-MM-DD",
                raw["source_date"],
            )
    flags = {}
    for column in ("imputed", "synthetic"):
        v = (text(column) or "").lower()
        if v not in TRUE | FALSE:
            err(column, "应为 是/否 或 1/0", "must be yes/no or 1/0", raw.get(column))
        flags[column] = v in TRUE
    unknown = [k for k in raw if k != "_row" and k not in COLUMNS]
    for k in unknown:
        err(k, "未知的列", "unknown column", k)
    if len(errors) > before or area is None or item is None or year is None or value is None:
        return None
    return _Value(
        number,
        area,
        item.code,
        year,
        value,
        item.unit,
        text("source") or "",
        source_date,
        flags["imputed"],
        flags["synthetic"],
        text("note"),
    )


def latest_values(session: Session) -> dict[tuple[str, str, int], IndicatorValue]:
    newest = (
        select(
            IndicatorValue.area,
            IndicatorValue.item,
            IndicatorValue.year,
            func.max(IndicatorValue.revision).label("rev"),
        )
        .group_by(IndicatorValue.area, IndicatorValue.item, IndicatorValue.year)
        .subquery()
    )
    rows = session.scalars(
        select(IndicatorValue).join(
            newest,
            (IndicatorValue.area == newest.c.area)
            & (IndicatorValue.item == newest.c.item)
            & (IndicatorValue.year == newest.c.year)
            & (IndicatorValue.revision == newest.c.rev),
        )
    )
    return {(v.area, v.item, v.year): v for v in rows}


def current_values(session: Session) -> dict[tuple[str, str, int], Decimal]:
    """The latest revision of every value: (area, item, year) → value."""
    return {k: v.value for k, v in latest_values(session).items()}


def import_values(
    session: Session,
    data: bytes,
    filename: str,
    framework: Framework,
    *,
    actor: str,
    dry_run: bool = False,
) -> ValuesReport:
    """Check every row; write new values and revisions only when no row has an error."""
    _, rows = read_table(data, filename)
    report = ValuesReport(rows=len(rows), dry_run=dry_run)
    parsed: list[_Value] = []
    seen: dict[tuple[str, str, int], int] = {}
    for raw in rows:
        v = _parse_row(raw, framework, report.errors)
        if v is None:
            continue
        key = (v.area, v.item, v.year)
        if key in seen:
            report.errors.append(
                RowError(
                    TABLE,
                    v.row,
                    "item",
                    f"与第 {seen[key]} 行重复（同一地区、数据项和年份）",
                    f"duplicate of row {seen[key]}",
                    v.item,
                )
            )
            continue
        seen[key] = v.row
        parsed.append(v)
    if not rows:
        report.errors.append(
            RowError(TABLE, 1, "", "文件中没有数据行", "the file has no data rows", None)
        )
    report.warnings = _additivity(parsed, framework)
    if report.errors:
        return report
    latest = latest_values(session)
    batch = str(uuid.uuid4())
    for v in parsed:
        old = latest.get((v.area, v.item, v.year))
        same = old is not None and (
            old.value,
            old.unit,
            old.source,
            old.source_date,
            old.imputed,
            old.synthetic,
            old.note,
        ) == (v.value, v.unit, v.source, v.source_date, v.imputed, v.synthetic, v.note)
        if same:
            report.unchanged += 1
            continue
        if old is None:
            report.added += 1
        else:
            report.revised += 1
        if not dry_run:
            session.add(
                IndicatorValue(
                    area=v.area,
                    item=v.item,
                    year=v.year,
                    revision=1 if old is None else old.revision + 1,
                    value=v.value,
                    unit=v.unit,
                    source=v.source,
                    source_date=v.source_date,
                    imputed=v.imputed,
                    synthetic=v.synthetic,
                    note=v.note,
                    import_id=batch,
                    imported_by=actor,
                )
            )
    if not dry_run:
        session.flush()
        report.applied = True
    return report


def _additivity(values: list[_Value], framework: Framework) -> list[str]:
    """Warn where the cities of an additive item do not add up to the province's value."""
    additive = {d.code for d in framework.data_items if d.additive and d.level == "city"}
    city_sum: dict[tuple[str, int], tuple[Decimal, int]] = {}
    province: dict[tuple[str, int], Decimal] = {}
    for v in values:
        if v.item not in additive:
            continue
        if v.area == PROVINCE:
            province[(v.item, v.year)] = v.value
        else:
            total, n = city_sum.get((v.item, v.year), (Decimal(0), 0))
            city_sum[(v.item, v.year)] = (total + v.value, n + 1)
    return [
        f"{item} {year}: 11 个市合计 {city_sum[(item, year)][0]} ≠ 全省 {p}"
        for (item, year), p in sorted(province.items())
        if city_sum.get((item, year), (0, 0))[1] == 11 and city_sum[(item, year)][0] != p
    ]
