"""Import the enterprise registry from a spreadsheet: XLSX or CSV, checked whole, written all or nothing.

The format
==========

Three tables. Row 1 holds the column headers; every later non-blank row is one entry. Headers are
the English fact names below or their Chinese aliases (full-width and half-width brackets, case and
surrounding spaces do not matter). An empty cell means the fact is absent.

``enterprises`` (sheet ``enterprises`` or ``企业``): one row per applicant.

==========================  ======================================================
column                      Chinese aliases
==========================  ======================================================
id (required)               申报主体编号, 企业编号
name (required)             名称, 企业名称, 申报主体名称
credit_code                 统一社会信用代码, 信用代码
city                        所在市, 设区市
county                      所在县（市、区）, 所在县, 县（市、区）
founded                     成立日期
kinds                       主体类型, 企业类型 (several separated by ``,`` ``，`` ``、``
                            ``;`` or ``；``; the codes of POLICIES.md or their Chinese
                            names, e.g. ``big_data、软件企业``)
registered_in_shanxi        在我省注册成立, 在山西注册
hq_in_shanxi                总部设在我省, 总部在山西
max_main_revenue_before     此前年度最高主营业务收入（承诺）, 此前最高主营业务收入
==========================  ======================================================

``years`` (sheet ``years`` or ``年度数据``): one row per enterprise and year. Columns
``enterprise_id`` (申报主体编号, 企业编号), ``year`` (年度, 年份), then the yearly facts of
:data:`jinshu.facts.schema.YEAR` by name or by Chinese label (``revenue`` 营业收入,
``main_revenue`` 主营业务收入, ``local_fiscal_contribution`` 对地方财政贡献, ``paid_in_capital``
注册资本金（实际到位）, ``good_credit`` 资信良好, ``good_growth`` 成长性好, ``well_run`` 经营规范).

``records`` (sheet ``records`` or ``记录``): one row per record. Columns ``enterprise_id``
(申报主体编号, 企业编号), ``record_id`` (记录编号, id), ``kind`` (记录类型; a record kind code of
:data:`jinshu.facts.schema.RECORD_KINDS` or its Chinese name, e.g. ``contract`` or
``省外招标中标合同``), then any fact column of any record kind, by name or by its Chinese label in
the fact model (``contract_amount`` 中标合同金额, ``project_key`` 项目标识…). A label that two facts
share is no alias (领域 names both ``field`` and ``sector``: write ``认定领域`` or ``融合领域``).
A fact column that does not belong to the row's kind must be empty.

XLSX: one workbook holding the three sheets (a missing sheet is an empty table; a sheet of any other
name is an error). CSV: one UTF-8 file per table (with or without BOM, comma separated), the table
named by the caller.

Cell values:

- booleans: ``true``/``false``, ``是``/``否``, ``1``/``0`` (any case), or Excel booleans;
- dates: ``YYYY-MM-DD`` text or real Excel dates (without a time of day);
- money: numbers or decimal strings, kept exact (an Excel number cell is read through its shortest
  ``repr``, so 1234.56 stays 1234.56), at most 2 decimals; quantities (kWh, m²) take any decimals;
- ``year`` and integer facts (``level`` of a certification): whole numbers.

What is checked
===============

Every row is checked before anything is written: each cell against its fact's type, then each
enterprise's case (enterprise, years and records of the file) through
:func:`jinshu.facts.validate.validate_case`, so every rule of the case format applies (credit code
check character, city and county of Shanxi, unknown kinds, negative money, duplicate record ids,
required facts…). Each problem comes back as a :class:`RowError` naming the table, the spreadsheet
row (the header is row 1) and the column. Also refused: unknown tables and columns, a column given
twice, duplicate enterprise ids, a year given twice for one enterprise, a credit code held by another
enterprise, and years or records of an enterprise that is neither in the file nor in the database.

What is written
===============

With no error (and not a dry run), in the caller's transaction: enterprises are upserted by id (their
facts replaced), years by (enterprise, year), records by (enterprise, record id); years and records
already in the database and absent from the file are kept. Facts are stored JSON-safe in the case
format (decimals and dates as strings), so :func:`jinshu.workflow.cases.registry_case` rebuilds a
valid case. One audit entry records the counts. Any error, or a dry run, writes nothing.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

import openpyxl  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session

from jinshu.errors import CaseError, ErrorEntry
from jinshu.facts.schema import (
    APPLICANT_KINDS,
    BOOL,
    DATE,
    ENTERPRISE,
    ENUM,
    INT,
    KINDS,
    MONEY,
    QUANTITY,
    RECORD_KINDS,
    TEXT,
    YEAR,
    Fact,
)
from jinshu.facts.validate import parse_year, validate_case
from jinshu.money import CONTEXT, FEN
from jinshu.store.models import Enterprise, EnterpriseRecord, EnterpriseYear
from jinshu.workflow import audit
from jinshu.workflow.cases import json_safe

ENTERPRISES, YEARS, RECORDS = "enterprises", "years", "records"
TABLES = (ENTERPRISES, YEARS, RECORDS)

TABLE_ALIASES: dict[str, str] = {
    ENTERPRISES: ENTERPRISES,
    "企业": ENTERPRISES,
    YEARS: YEARS,
    "年度数据": YEARS,
    RECORDS: RECORDS,
    "记录": RECORDS,
}

# Every fact column of any record kind (``id`` is the ``record_id`` column).
RECORD_FACT_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys(name for _, facts in RECORD_KINDS.values() for name in facts if name != "id")
)

COLUMNS: dict[str, tuple[str, ...]] = {
    ENTERPRISES: tuple(ENTERPRISE),
    YEARS: ("enterprise_id", "year", *YEAR),
    RECORDS: ("enterprise_id", "record_id", "kind", *RECORD_FACT_COLUMNS),
}

_REQUIRED: dict[str, tuple[str, ...]] = {
    ENTERPRISES: ("id", "name"),
    YEARS: ("enterprise_id", "year"),
    RECORDS: ("enterprise_id", "record_id", "kind"),
}

# Lengths of the database columns that hold these values.
_MAX_LENGTH: dict[str, int] = {"id": 64, "name": 200, "record_id": 64}

_ENTERPRISE_REF = ("申报主体编号", "企业编号")
_EXTRA_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    ENTERPRISES: {
        "id": _ENTERPRISE_REF,
        "name": ("企业名称", "申报主体名称"),
        "credit_code": ("信用代码",),
        "city": ("设区市",),
        "county": ("所在县", "县（市、区）"),
        "kinds": ("企业类型",),
        "registered_in_shanxi": ("在山西注册",),
        "hq_in_shanxi": ("总部在山西",),
        "max_main_revenue_before": ("此前最高主营业务收入",),
    },
    YEARS: {"enterprise_id": _ENTERPRISE_REF, "year": ("年度", "年份")},
    RECORDS: {
        "enterprise_id": _ENTERPRISE_REF,
        "record_id": ("记录编号", "id"),
        "kind": ("记录类型",),
        "field": ("认定领域",),
        "sector": ("融合领域",),
        "county": ("所在县",),
    },
}

_KIND_SEPARATORS = re.compile(r"[,，、;；]")
_INT_RE = re.compile(r"^[+-]?\d+$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = frozenset({"true", "1", "是"})
_FALSE = frozenset({"false", "0", "否"})
_APPLICANT_KIND_BY_LABEL = {label: code for code, label in APPLICANT_KINDS.items()}
_RECORD_KIND_BY_LABEL = {label: code for code, (label, _) in RECORD_KINDS.items()}


def _norm(text: str) -> str:
    """A header as compared: NFKC (full-width brackets as ASCII), no spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def _build_aliases() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    labelled: dict[str, Iterable[Fact]] = {
        ENTERPRISES: ENTERPRISE.values(),
        YEARS: YEAR.values(),
        RECORDS: [
            f for _, facts in RECORD_KINDS.values() for f in facts.values() if f.name != "id"
        ],
    }
    for table in TABLES:
        candidates: dict[str, set[str]] = {}
        for fact in labelled[table]:
            candidates.setdefault(_norm(fact.label), set()).add(fact.name)
        for name, extra in _EXTRA_ALIASES[table].items():
            for alias in extra:
                candidates[_norm(alias)] = {name}
        aliases = {key: next(iter(names)) for key, names in candidates.items() if len(names) == 1}
        aliases.update({_norm(name): name for name in COLUMNS[table]})
        out[table] = aliases
    return out


_ALIASES = _build_aliases()


def _build_any_aliases() -> dict[str, str]:
    """Aliases that mean the same column in every table (for a CSV read without its table)."""
    seen: dict[str, set[str]] = {}
    for aliases in _ALIASES.values():
        for key, name in aliases.items():
            seen.setdefault(key, set()).add(name)
    return {key: next(iter(names)) for key, names in seen.items() if len(names) == 1}


_ANY_ALIASES = _build_any_aliases()


def table_name(name: str) -> str | None:
    """The canonical table for a sheet or table name (English or Chinese), else None."""
    return TABLE_ALIASES.get(_norm(name))


def canonical_column(table: str | None, header: str) -> str | None:
    """The canonical English column a header names in ``table`` (any table if None), else None."""
    aliases = _ALIASES[table] if table is not None else _ANY_ALIASES
    return aliases.get(_norm(header))


@dataclass(frozen=True)
class RowError:
    """One problem of an import, where a user finds it in the spreadsheet.

    Attributes:
        table: ``enterprises``, ``years`` or ``records`` (or the unknown table's name).
        row: the spreadsheet row, 1-based; the header is row 1 (problems of a column are there).
        column: the canonical column (or the unknown header); empty for the whole row.
        message_zh: the problem in Chinese.
        message_en: the problem in English.
        value: the rejected value as text, when there is one.
    """

    table: str
    row: int
    column: str
    message_zh: str
    message_en: str
    value: str | None

    def __str__(self) -> str:
        got = f" (got {self.value})" if self.value is not None else ""
        where = f"{self.table} row {self.row}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message_zh} ({self.message_en}){got}"


@dataclass
class ImportReport:
    """What an import found and did.

    Attributes:
        enterprises: rows of the enterprises table.
        years: rows of the years table.
        records: rows of the records table.
        errors: every problem found; nothing is written when there is one.
        dry_run: whether this was a check only.
        applied: whether the rows were written.
    """

    enterprises: int
    years: int
    records: int
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    applied: bool = False

    def counts(self) -> dict[str, int]:
        return {ENTERPRISES: self.enterprises, YEARS: self.years, RECORDS: self.records}


# ---------------------------------------------------------------------------------------------
# Reading files


def _clean(value: Any) -> Any:
    """A cell as the importer sees it: text stripped, blank text as None."""
    if isinstance(value, str):
        text = value.strip()
        return text or None
    return value


def _column_letter(index: int) -> str:
    """Spreadsheet column letters of a 0-based index (0 → A, 26 → AA)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _rows_from_grid(
    table: str | None, grid: Iterable[Sequence[Any]], label: str
) -> list[dict[str, Any]]:
    rows = iter(grid)
    header = next(rows, None)
    if header is None:
        return []
    keys: list[str | None] = []
    seen: dict[str, str] = {}
    for i, cell in enumerate(header):
        text = "" if cell is None else str(cell).strip()
        if not text:
            keys.append(None)
            continue
        key = canonical_column(table, text) or text
        if key in seen:
            raise CaseError(
                [
                    ErrorEntry(
                        f"{label}!{_column_letter(i)}1",
                        f"列重复（与“{seen[key]}”为同一列）",
                        f"column given twice (same as {seen[key]!r})",
                        text,
                    )
                ]
            )
        seen[key] = text
        keys.append(key)
    out: list[dict[str, Any]] = []
    for number, cells in enumerate(rows, start=2):
        values = [_clean(v) for v in cells]
        if all(v is None for v in values):
            continue
        row: dict[str, Any] = {k: None for k in keys if k is not None}
        for i, value in enumerate(values):
            column = keys[i] if i < len(keys) else None
            if column is not None:
                row[column] = value
            elif value is not None:
                row[f"column {_column_letter(i)}"] = value  # data under no header
        row["_row"] = number
        out.append(row)
    return out


def open_workbook(data: bytes) -> Any:
    """A read-only workbook of the bytes, or :class:`CaseError` naming the file."""
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise CaseError(
            [ErrorEntry("file", "不是有效的 XLSX 文件", "not a readable XLSX workbook", str(exc))]
        ) from exc


def csv_grid(data: bytes) -> list[list[str]]:
    """The cells of a UTF-8 CSV file (with or without BOM), or :class:`CaseError` naming the file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaseError(
            [ErrorEntry("file", "文件不是 UTF-8 编码", "the file is not UTF-8 text", str(exc))]
        ) from exc
    if "\x00" in text:
        raise CaseError(
            [ErrorEntry("file", "文件含有 NUL 字符", "the file contains NUL characters")]
        )
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise CaseError(
            [
                ErrorEntry(
                    "file",
                    "CSV 格式错误（或单元格过长）",
                    "malformed CSV (or a cell too long)",
                    str(exc),
                )
            ]
        ) from exc


def read_xlsx(data: bytes) -> dict[str, list[dict[str, Any]]]:
    """The tables of a workbook, by canonical table name (other sheets keep their own name).

    Each row is a dict keyed by canonical English column (an unknown header keeps its text), with
    the cell values as the workbook holds them (text stripped, blank as None) and ``_row``, the
    spreadsheet row number. Raises :class:`CaseError` when the bytes are not a readable workbook
    or a sheet gives one column twice.
    """
    book = open_workbook(data)
    tables: dict[str, list[dict[str, Any]]] = {}
    try:
        for sheet in book.worksheets:
            title = str(sheet.title).strip()
            table = table_name(title)
            key = table or title
            grid = _rows_from_grid(table, sheet.iter_rows(values_only=True), title)
            if table is None and not grid:
                continue  # an empty sheet of another name (Excel's default "Sheet")
            if key in tables:
                raise CaseError(
                    [ErrorEntry(title, "工作表重复", "the same table given twice", title)]
                )
            tables[key] = grid
    finally:
        book.close()
    return tables


def read_csv(data: bytes, *, table: str | None = None) -> list[dict[str, Any]]:
    """The rows of one CSV table (UTF-8, with or without BOM, comma separated).

    Headers become canonical English columns; give ``table`` to resolve the aliases that differ by
    table (申报主体编号 is ``id`` in enterprises but ``enterprise_id`` elsewhere); without it they
    stay as written and :func:`import_registry` resolves them. Values are stripped text (blank as
    None), with ``_row``. Raises :class:`CaseError` on bytes that are not UTF-8 text or a column
    given twice.
    """
    canonical = table_name(table) if table is not None else None
    if table is not None and canonical is None:
        raise CaseError([ErrorEntry("table", "未知的表", "unknown table", table)])
    grid = csv_grid(data)
    return _rows_from_grid(canonical, grid, canonical or "csv")


# ---------------------------------------------------------------------------------------------
# Cells


class _CellError(Exception):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


def _as_text(value: Any) -> str:
    """A cell's value quoted back to the user."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _decimal(value: Any, money: bool) -> str:
    if isinstance(value, bool):
        raise _CellError("不是数字", "not a number")
    if isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        # The shortest repr is what the user typed into the cell (1234.56, not 1234.5599…).
        d = Decimal(repr(value))
        if d.is_finite() and d == d.to_integral_value():
            d = Decimal(int(value))
    elif isinstance(value, Decimal):
        d = value
    elif isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except InvalidOperation:
            raise _CellError("不是数字", "not a number") from None
    else:
        raise _CellError("不是数字", "not a number")
    if not d.is_finite():
        raise _CellError("不是数字", "not a number")
    if money:
        try:
            exact = d.quantize(FEN, context=CONTEXT) == d
        except InvalidOperation:
            raise _CellError("数值过大", "number too large") from None
        if not exact:
            raise _CellError("金额最多保留两位小数（分）", "money takes at most 2 decimals (fen)")
    return format(d, "f")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise _CellError("应为 是/否（true/false、1/0）", "must be true/false, 是/否 or 1/0")


def _date(value: Any) -> str:
    if isinstance(value, datetime):
        if value.time() != time(0):
            raise _CellError("应为日期，不含时间", "must be a date without a time of day")
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and _DATE_RE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise _CellError("不是有效日期（YYYY-MM-DD）", "not a valid date (YYYY-MM-DD)")


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise _CellError("应为整数", "must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal) and value == int(value):
        return int(value)
    if isinstance(value, str) and _INT_RE.match(value.strip()):
        return int(value.strip())
    raise _CellError("应为整数", "must be an integer")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        raise _CellError("应为文本", "must be text")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value.is_finite():
        return format(value, "f")
    raise _CellError("应为文本", "must be text")


def _kinds(value: Any) -> list[str]:
    parts = value if isinstance(value, list | tuple) else _KIND_SEPARATORS.split(_text(value))
    kinds = [str(p).strip() for p in parts if str(p).strip()]
    return [_APPLICANT_KIND_BY_LABEL.get(k, k) for k in kinds]


def _convert(fact: Fact, value: Any) -> Any:
    """A cell as the case format holds it (JSON-safe), or _CellError."""
    if fact.type in (MONEY, QUANTITY):
        return _decimal(value, money=fact.type == MONEY)
    if fact.type == BOOL:
        return _bool(value)
    if fact.type == DATE:
        return _date(value)
    if fact.type == INT:
        return _int(value)
    if fact.type in (TEXT, ENUM):
        return _text(value)
    if fact.type == KINDS:
        return _kinds(value)
    raise AssertionError(fact.type)


# ---------------------------------------------------------------------------------------------
# Checking


@dataclass
class _Row:
    table: str
    row: int
    cells: dict[str, Any]


@dataclass
class _Errors:
    items: list[RowError] = field(default_factory=list)
    cells: set[tuple[str, int, str]] = field(default_factory=set)

    def add(self, table: str, row: int, column: str, zh: str, en: str, value: Any = None) -> None:
        """Add a problem; only the first one of a cell is kept."""
        where = (table, row, column)
        if where in self.cells:
            return
        self.cells.add(where)
        text = None if value is None else _as_text(value)
        self.items.append(RowError(table, row, column, zh, en, text))

    def has(self, table: str, row: int, column: str) -> bool:
        return (table, row, column) in self.cells


@dataclass
class _Group:
    """One enterprise's rows: its case and where each part of it came from."""

    enterprise: dict[str, Any] | None = None
    enterprise_row: _Row | None = None
    years: dict[str, dict[str, Any]] = field(default_factory=dict)
    year_rows: dict[str, _Row] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    record_rows: list[_Row] = field(default_factory=list)


def _canonical_rows(table: str, rows: Sequence[Mapping[str, Any]], errors: _Errors) -> list[_Row]:
    out: list[_Row] = []
    for index, raw in enumerate(rows):
        number = raw.get("_row")
        row_number = number if isinstance(number, int) else index + 2
        cells: dict[str, Any] = {}
        for key, value in raw.items():
            if key == "_row":
                continue
            name = canonical_column(table, str(key))
            if name is None:
                errors.add(table, 1, str(key), "未知列", "unknown column", key)
                continue
            if name in cells:
                errors.add(table, 1, str(key), "列重复", f"column given twice ({name})", key)
                continue
            cells[name] = _clean(value)
        out.append(_Row(table, row_number, cells))
    return out


def _cell(row: _Row, fact: Fact, errors: _Errors) -> Any:
    """The converted value of one cell (None when empty or refused)."""
    column = fact.name
    value = row.cells.get(column)
    if value is None:
        return None
    try:
        return _convert(fact, value)
    except _CellError as exc:
        errors.add(row.table, row.row, column, exc.zh, exc.en, value)
        return None


def _key_text(row: _Row, column: str, errors: _Errors) -> str | None:
    """A required identifying text cell (id, enterprise_id, record_id, kind)."""
    value = row.cells.get(column)
    if value is None:
        return None  # reported by _missing
    try:
        text = _text(value)
    except _CellError as exc:
        errors.add(row.table, row.row, column, exc.zh, exc.en, value)
        return None
    limit = _MAX_LENGTH.get(column)
    if limit is not None and len(text) > limit:
        errors.add(
            row.table,
            row.row,
            column,
            f"过长（最多{limit}个字符）",
            f"too long (at most {limit} characters)",
            value,
        )
        return None
    return text


def _missing(row: _Row, errors: _Errors) -> None:
    for column in _REQUIRED[row.table]:
        if row.cells.get(column) is None:
            errors.add(row.table, row.row, column, "缺少必填字段", "required field is missing")


_ENTERPRISE_FACTS = {n: f for n, f in ENTERPRISE.items() if n not in ("id", "name")}
_RECORD_COLUMN_OWNERS: dict[str, list[str]] = {
    column: [kind for kind, (_, facts) in RECORD_KINDS.items() if column in facts]
    for column in RECORD_FACT_COLUMNS
}


def _enterprise_of(row: _Row, errors: _Errors) -> tuple[str | None, dict[str, Any]]:
    _missing(row, errors)
    eid = _key_text(row, "id", errors)
    name = _key_text(row, "name", errors)
    facts: dict[str, Any] = {}
    for fname, fact in _ENTERPRISE_FACTS.items():
        value = _cell(row, fact, errors)
        if value is not None and value != []:
            facts[fname] = value
    case_part: dict[str, Any] = {}
    if eid is not None:
        case_part["id"] = eid
    if name is not None:
        case_part["name"] = name
    case_part.update(facts)
    return eid, case_part


def _year_of(row: _Row, errors: _Errors) -> tuple[str | None, int | None, dict[str, Any]]:
    _missing(row, errors)
    eid = _key_text(row, "enterprise_id", errors)
    year: int | None = None
    raw_year = row.cells.get("year")
    if raw_year is not None:
        try:
            year = parse_year(_int(raw_year))
        except _CellError:
            year = None
        if year is None:
            errors.add(row.table, row.row, "year", "不是有效年份", "not a valid year", raw_year)
    figures: dict[str, Any] = {}
    for fname, fact in YEAR.items():
        value = _cell(row, fact, errors)
        if value is not None:
            figures[fname] = value
    return eid, year, figures


def _record_of(row: _Row, errors: _Errors) -> tuple[str | None, dict[str, Any]]:
    """The record in the case format (``id``, ``kind`` and its facts)."""
    _missing(row, errors)
    cells = row.cells
    eid = _key_text(row, "enterprise_id", errors)
    record: dict[str, Any] = {}
    rid = _key_text(row, "record_id", errors)
    if rid is not None:
        record["id"] = rid
    kind = _key_text(row, "kind", errors)
    if kind is None:
        return eid, record
    kind = _RECORD_KIND_BY_LABEL.get(kind, kind)
    record["kind"] = kind
    if kind not in RECORD_KINDS:
        return eid, record  # validate_case names the unknown kind
    own = RECORD_KINDS[kind][1]
    for column in RECORD_FACT_COLUMNS:
        value = cells.get(column)
        if value is None:
            continue
        fact = own.get(column)
        if fact is None:
            owners = "、".join(RECORD_KINDS[k][0] for k in _RECORD_COLUMN_OWNERS[column])
            errors.add(
                row.table,
                row.row,
                column,
                f"该字段不属于记录类型“{RECORD_KINDS[kind][0]}”（属于：{owners}），应留空",
                f"not a fact of record kind {kind} "
                f"(belongs to {', '.join(_RECORD_COLUMN_OWNERS[column])}); leave it empty",
                value,
            )
            continue
        converted = _cell(row, fact, errors)
        if converted is not None:
            record[column] = converted
    return eid, record


_ENTERPRISE_LOC = re.compile(r"^enterprise\.(\w+)(?:\[\d+\])?$")
_YEAR_LOC = re.compile(r"^years\.([^.]+?)(?:\.(\w+))?$")
_RECORD_LOC = re.compile(r"^records\[(\d+)\](?:\.(\w+))?$")


def _unquote(value: str | None) -> str | None:
    if value is not None and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _locate(entry: ErrorEntry, group: _Group) -> tuple[_Row, str] | None:
    """The row and column a validate_case error came from."""
    m = _ENTERPRISE_LOC.match(entry.location)
    if m and group.enterprise_row is not None:
        return group.enterprise_row, m.group(1)
    m = _YEAR_LOC.match(entry.location)
    if m and m.group(1) in group.year_rows:
        return group.year_rows[m.group(1)], m.group(2) or "year"
    m = _RECORD_LOC.match(entry.location)
    if m and int(m.group(1)) < len(group.record_rows):
        column = m.group(2) or ""
        return group.record_rows[int(m.group(1))], "record_id" if column == "id" else column
    return None


def _validate_group(group: _Group, errors: _Errors) -> None:
    years = [int(y) for y in group.years]
    case = {
        "year": max(years) if years else date.today().year,
        "enterprise": group.enterprise or {},
        "years": group.years,
        "records": group.records,
    }
    try:
        validate_case(case)
    except CaseError as exc:
        for entry in exc.entries:
            located = _locate(entry, group)
            zh, en = entry.message_zh, entry.message_en
            if located is None:
                # Not expected: name the case field on the group's first row rather than lose it.
                row = group.enterprise_row or next(
                    iter([*group.year_rows.values(), *group.record_rows])
                )
                located = row, ""
                zh, en = f"{entry.location}：{zh}", f"{entry.location}: {en}"
            row, column = located
            errors.add(row.table, row.row, column, zh, en, _unquote(entry.value))


# ---------------------------------------------------------------------------------------------
# Import


@dataclass
class _Parsed:
    groups: dict[tuple[str, ...], _Group] = field(default_factory=dict)
    enterprises: dict[str, tuple[_Row, dict[str, Any]]] = field(default_factory=dict)
    years: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    records: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    referenced: dict[str, list[_Row]] = field(default_factory=dict)


def _parse(session: Session, rows: dict[str, list[_Row]], errors: _Errors) -> _Parsed:
    parsed = _Parsed()

    def group_of(eid: str | None, row: _Row) -> _Group:
        key = (eid,) if eid is not None else ("", row.table, str(row.row))
        return parsed.groups.setdefault(key, _Group())

    for row in rows[ENTERPRISES]:
        eid, part = _enterprise_of(row, errors)
        if eid is not None and eid in parsed.enterprises:
            first = parsed.enterprises[eid][0].row
            errors.add(
                ENTERPRISES,
                row.row,
                "id",
                f"申报主体编号重复（第{first}行已有）",
                f"duplicate enterprise id (already in row {first})",
                eid,
            )
            group = _Group()  # still check the row's own facts
            parsed.groups[("", ENTERPRISES, str(row.row))] = group
        else:
            group = group_of(eid, row)
            if eid is not None:
                parsed.enterprises[eid] = (row, part)
        group.enterprise, group.enterprise_row = part, row

    for row in rows[YEARS]:
        eid, year, figures = _year_of(row, errors)
        group = group_of(eid, row)
        if year is None:
            continue
        key = str(year)
        if key in group.year_rows:
            first = group.year_rows[key].row
            errors.add(
                YEARS,
                row.row,
                "year",
                f"该企业的年度重复（第{first}行已有）",
                f"year given twice for this enterprise (already in row {first})",
                year,
            )
            continue
        group.years[key], group.year_rows[key] = figures, row
        if eid is not None:
            parsed.years.append((eid, year, figures))
            parsed.referenced.setdefault(eid, []).append(row)

    for row in rows[RECORDS]:
        eid, record = _record_of(row, errors)
        group = group_of(eid, row)
        group.records.append(record)
        group.record_rows.append(row)
        if eid is not None:
            parsed.records.append((eid, record))
            parsed.referenced.setdefault(eid, []).append(row)

    for group in parsed.groups.values():
        if group.enterprise is None:
            # Years or records of an enterprise not in the file: checked on their own (its
            # registered facts are not being imported, so a stand-in applicant will do).
            group.enterprise = {"id": "-", "name": "-"}
        _validate_group(group, errors)

    _check_references(session, parsed, errors)
    _check_credit_codes(session, parsed, errors)
    return parsed


def _check_references(session: Session, parsed: _Parsed, errors: _Errors) -> None:
    outside = sorted(set(parsed.referenced) - set(parsed.enterprises))
    if not outside:
        return
    known = set(session.scalars(select(Enterprise.id).where(Enterprise.id.in_(outside))))
    for eid in outside:
        if eid in known:
            continue
        for row in parsed.referenced[eid]:
            errors.add(
                row.table,
                row.row,
                "enterprise_id",
                "该企业既不在本文件中，也不在数据库中",
                "no such enterprise in this file or in the database",
                eid,
            )


def _check_credit_codes(session: Session, parsed: _Parsed, errors: _Errors) -> None:
    holders: dict[str, str] = {}
    for eid, (row, part) in parsed.enterprises.items():
        code = part.get("credit_code")
        if not isinstance(code, str) or errors.has(ENTERPRISES, row.row, "credit_code"):
            continue
        if code in holders:
            errors.add(
                ENTERPRISES,
                row.row,
                "credit_code",
                f"统一社会信用代码重复（企业 {holders[code]} 已使用）",
                f"credit code given twice (already used by {holders[code]})",
                code,
            )
            continue
        holders[code] = eid
    if not holders:
        return
    query = select(Enterprise.id, Enterprise.credit_code).where(
        Enterprise.credit_code.in_(sorted(holders))
    )
    for other_id, code in session.execute(query):
        if code is None or other_id == holders[code]:
            continue
        if other_id in parsed.enterprises:
            continue  # its own row in the file gives it another code (or is reported above)
        row = parsed.enterprises[holders[code]][0]
        errors.add(
            ENTERPRISES,
            row.row,
            "credit_code",
            f"统一社会信用代码已被数据库中的企业 {other_id} 使用",
            f"credit code already held by enterprise {other_id} in the database",
            code,
        )


def _write(session: Session, parsed: _Parsed) -> None:
    ids = list(parsed.enterprises)
    existing = {e.id: e for e in session.scalars(select(Enterprise).where(Enterprise.id.in_(ids)))}
    # Free credit codes that change hands within the file before taking them (unique column).
    changed = False
    for eid, (_, part) in parsed.enterprises.items():
        current = existing.get(eid)
        if current is not None and current.credit_code != part.get("credit_code"):
            current.credit_code = None
            changed = True
    if changed:
        session.flush()
    for eid, (_, part) in parsed.enterprises.items():
        ent = existing.get(eid)
        if ent is None:
            ent = Enterprise(id=eid)
            session.add(ent)
        facts = json_safe({k: v for k, v in part.items() if k not in ("id", "name")})
        ent.name = str(part["name"])
        ent.credit_code = facts.get("credit_code")
        ent.city = facts.get("city")
        ent.county = facts.get("county")
        ent.facts = facts
    session.flush()

    touched = sorted({eid for eid, _, _ in parsed.years} | {eid for eid, _ in parsed.records})
    years = {
        (y.enterprise_id, y.year): y
        for y in session.scalars(
            select(EnterpriseYear).where(EnterpriseYear.enterprise_id.in_(touched))
        )
    }
    for eid, year, figures in parsed.years:
        row = years.get((eid, year))
        if row is None:
            row = EnterpriseYear(enterprise_id=eid, year=year)
            session.add(row)
            years[(eid, year)] = row
        row.figures = json_safe(figures)
    records = {
        (r.enterprise_id, r.record_id): r
        for r in session.scalars(
            select(EnterpriseRecord).where(EnterpriseRecord.enterprise_id.in_(touched))
        )
    }
    for eid, record in parsed.records:
        rid = str(record["id"])
        rec = records.get((eid, rid))
        if rec is None:
            rec = EnterpriseRecord(enterprise_id=eid, record_id=rid)
            session.add(rec)
            records[(eid, rid)] = rec
        rec.kind = str(record["kind"])
        rec.facts = json_safe({k: v for k, v in record.items() if k not in ("id", "kind")})
    session.flush()


def import_registry(
    session: Session,
    tables: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    dry_run: bool = False,
    actor: str = "import",
) -> ImportReport:
    """Check every row of the tables, then (no error, not a dry run) upsert them all.

    Args:
        session: a session in the caller's transaction (nothing is committed here).
        tables: rows by table name (``enterprises``/``企业``, ``years``/``年度数据``,
            ``records``/``记录``), as :func:`read_xlsx` or :func:`read_csv` return them.
        dry_run: check only; write nothing.
        actor: who imports, for the audit log.

    Returns:
        The report: row counts, every error, and whether the rows were written.
    """
    errors = _Errors()
    rows: dict[str, list[_Row]] = {t: [] for t in TABLES}
    given: set[str] = set()
    for name, table_rows in tables.items():
        table = table_name(name)
        if table is None:
            errors.add(name, 1, "", "未知的表", "unknown table", name)
            continue
        if table in given:
            errors.add(table, 1, "", "同一张表给了两次", "the same table given twice", name)
            continue
        given.add(table)
        rows[table] = _canonical_rows(table, table_rows, errors)

    parsed = _parse(session, rows, errors)
    report = ImportReport(
        enterprises=len(rows[ENTERPRISES]),
        years=len(rows[YEARS]),
        records=len(rows[RECORDS]),
        errors=sorted(errors.items, key=lambda e: (_table_order(e.table), e.row)),
        dry_run=dry_run,
        applied=False,
    )
    if report.errors or dry_run:
        return report
    _write(session, parsed)
    audit.record(
        session,
        actor=actor,
        action="import_registry",
        object_type="registry",
        object_id="import",
        after=report.counts(),
    )
    report.applied = True
    return report


def _table_order(table: str) -> int:
    return TABLES.index(table) if table in TABLES else -1
