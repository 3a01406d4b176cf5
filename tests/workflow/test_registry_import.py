"""Registry import from XLSX and CSV: checked whole, written all or nothing, on both databases."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jinshu.errors import CaseError
from jinshu.facts.credit_code import check_character
from jinshu.facts.validate import validate_case
from jinshu.store.db import transaction
from jinshu.store.models import AuditEntry, Enterprise, EnterpriseRecord, EnterpriseYear
from jinshu.workflow.audit import verify_chain
from jinshu.workflow.cases import registry_case
from jinshu.workflow.registry_import import (
    ImportReport,
    RowError,
    import_registry,
    read_csv,
    read_xlsx,
)

Grid = list[list[Any]]


def credit_code(first17: str) -> str:
    return first17 + check_character(first17)


CODE_1 = credit_code("91140100MA0GRXKJ8")
CODE_2 = credit_code("91140200MA0K1234X")

ENTERPRISES: Grid = [
    [
        "id",
        "name",
        "credit_code",
        "city",
        "county",
        "founded",
        "kinds",
        "registered_in_shanxi",
        "hq_in_shanxi",
        "max_main_revenue_before",
    ],
    [
        "E-001",
        "太原数智科技有限公司",
        CODE_1,
        "太原市",
        "小店区",
        dt.datetime(2018, 5, 1),  # a real Excel date
        "big_data、software",
        True,
        "是",
        1234567.89,  # an Excel float cell: kept exact through its repr
    ],
    [
        "E-002",
        "大同云计算有限公司",
        CODE_2,
        "大同市",
        "平城区",
        "2019-03-15",
        "industrial",
        0,
        None,
        None,
    ],
]
YEARS: Grid = [
    ["enterprise_id", "year", "revenue", "main_revenue", "paid_in_capital", "good_credit"],
    ["E-001", 2019, 90000000, "88000000.50", 150000000, None],
    ["E-001", 2020, 120000000.25, "118000000", 150000000, "true"],
    ["E-002", "2020", None, 5000000, None, "否"],
]
RECORDS: Grid = [
    [
        "enterprise_id",
        "record_id",
        "kind",
        "project_key",
        "won_by_tender",
        "out_of_province",
        "contract_amount",
        "completed_amount",
        "scheme",
        "level",
        "date",
        "start",
        "government_built",
        "area",
        "annual_rent",
    ],
    ["E-001", "c1", "contract", "smart-city-A", True, True, 5000000, "4000000.10"] + [None] * 7,
    ["E-001", "cert1", "certification", None, None, None, None, None, "cmmi", 3, "2020-06-01"]
    + [None] * 4,
    ["E-002", "l1", "lease"] + [None] * 8 + [dt.date(2020, 1, 1), "是", 350.125, "120000"],
]


def workbook(sheets: dict[str, Grid]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, grid in sheets.items():
        sheet = book.create_sheet(title)
        for row in grid:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def valid_workbook() -> bytes:
    return workbook({"enterprises": ENTERPRISES, "years": YEARS, "records": RECORDS})


def counts(s: Session) -> tuple[int, int, int, int]:
    return (
        s.scalar(select(func.count()).select_from(Enterprise)) or 0,
        s.scalar(select(func.count()).select_from(EnterpriseYear)) or 0,
        s.scalar(select(func.count()).select_from(EnterpriseRecord)) or 0,
        s.scalar(select(func.count()).select_from(AuditEntry)) or 0,
    )


def run(
    factory: sessionmaker[Session], tables: dict[str, list[dict[str, Any]]], **kw: Any
) -> ImportReport:
    with transaction(factory) as s:
        return import_registry(s, tables, **kw)


def where(errors: list[RowError]) -> set[tuple[str, int, str]]:
    return {(e.table, e.row, e.column) for e in errors}


def test_valid_xlsx_imports_and_rebuilds_a_valid_case(factory: sessionmaker[Session]) -> None:
    tables = read_xlsx(valid_workbook())
    assert tables["enterprises"][0]["_row"] == 2
    report = run(factory, tables, actor="admin")
    assert report.errors == []
    assert (report.enterprises, report.years, report.records) == (2, 3, 3)
    assert report.applied and not report.dry_run

    with transaction(factory) as s:
        assert counts(s) == (2, 3, 3, 1)
        ent = s.get(Enterprise, "E-001")
        assert ent is not None
        assert (ent.name, ent.credit_code, ent.city, ent.county) == (
            "太原数智科技有限公司",
            CODE_1,
            "太原市",
            "小店区",
        )
        # Stored as the case format: decimals and dates as strings.
        assert ent.facts["max_main_revenue_before"] == "1234567.89"
        assert ent.facts["founded"] == "2018-05-01"
        case = validate_case(registry_case(ent, 2020))
        assert case.enterprise["max_main_revenue_before"] == Decimal("1234567.89")
        assert case.enterprise["founded"] == dt.date(2018, 5, 1)
        assert case.enterprise["credit_code"] == CODE_1
        assert case.enterprise["registered_in_shanxi"] is True
        assert case.enterprise["hq_in_shanxi"] is True
        assert case.kinds == frozenset({"big_data", "software"})
        assert case.years[2019] == {
            "revenue": Decimal(90000000),
            "main_revenue": Decimal("88000000.50"),
            "paid_in_capital": Decimal(150000000),
        }
        assert case.years[2020]["revenue"] == Decimal("120000000.25")
        assert case.years[2020]["good_credit"] is True
        by_id = {r.id: r for r in case.records}
        assert by_id["c1"].kind == "contract"
        assert by_id["c1"].facts == {
            "project_key": "smart-city-A",
            "won_by_tender": True,
            "out_of_province": True,
            "contract_amount": Decimal(5000000),
            "completed_amount": Decimal("4000000.10"),
        }
        assert by_id["cert1"].facts == {"scheme": "cmmi", "level": 3, "date": dt.date(2020, 6, 1)}

        other = s.get(Enterprise, "E-002")
        assert other is not None
        case2 = validate_case(registry_case(other, 2020))
        assert case2.enterprise["registered_in_shanxi"] is False
        assert "hq_in_shanxi" not in case2.enterprise  # an empty cell is an absent fact
        assert case2.years[2020] == {"main_revenue": Decimal(5000000), "good_credit": False}
        lease = case2.records[0]
        assert lease.facts == {
            "start": dt.date(2020, 1, 1),
            "government_built": True,
            "area": Decimal("350.125"),  # a quantity keeps its decimals
            "annual_rent": Decimal(120000),
        }

        entry = s.scalars(select(AuditEntry)).one()
        assert (entry.actor, entry.action, entry.object_type, entry.object_id) == (
            "admin",
            "import_registry",
            "registry",
            "import",
        )
        assert entry.after == {"enterprises": 2, "years": 3, "records": 3}
        assert verify_chain(s) == []


def test_csv_with_bom_and_chinese_headers(factory: sessionmaker[Session]) -> None:
    enterprises = (
        "申报主体编号,企业名称,统一社会信用代码,所在市,所在县（市、区）,成立日期,主体类型,"
        "在我省注册成立,总部设在我省\n"
        f"E-010,晋中软件有限公司,{CODE_1},太原市,小店区,2017-01-09,"
        '"大数据企业, software",是,否\n'
    )
    years = "企业编号,年度,营业收入,主营业务收入\nE-010,2021,30000000.55,29000000\n"
    records = (
        "申报主体编号,记录编号,记录类型,项目标识,招标中标,省外项目,中标合同金额,当年合同完成金额\n"
        "E-010,k1,省外招标中标合同,p-1,是,1,3000000,2500000.5\n"
        "\n"  # a blank line is skipped, row numbers still count it
        "E-010,k2,contract,p-2,false,否,1000000,0\n"
    )
    tables = {
        "enterprises": read_csv(enterprises.encode("utf-8-sig")),  # aliases resolved at import
        "年度数据": read_csv(years.encode("utf-8-sig"), table="years"),
        "records": read_csv(records.encode("utf-8")),  # without BOM too
    }
    assert tables["records"][1]["_row"] == 4
    report = run(factory, tables)
    assert report.errors == []
    assert report.applied and (report.enterprises, report.years, report.records) == (1, 1, 2)

    with transaction(factory) as s:
        ent = s.get(Enterprise, "E-010")
        assert ent is not None
        case = validate_case(registry_case(ent, 2021))
        assert case.kinds == frozenset({"big_data", "software"})
        assert case.enterprise["registered_in_shanxi"] is True
        assert case.enterprise["hq_in_shanxi"] is False
        assert case.years[2021]["revenue"] == Decimal("30000000.55")
        k1, k2 = case.records
        assert (k1.id, k1.kind, k2.id) == ("k1", "contract", "k2")
        assert k1.facts["completed_amount"] == Decimal("2500000.5")
        assert k1.facts["out_of_province"] is True
        assert k2.facts["won_by_tender"] is False


def test_xlsx_with_chinese_sheet_names(factory: sessionmaker[Session]) -> None:
    data = workbook(
        {
            "企业": [["企业编号", "名称", "所在市"], ["E-020", "阳泉数据有限公司", "太原市"]],
            "年度数据": [["申报主体编号", "年份", "对地方财政贡献"], ["E-020", 2020, 1500000]],
            "记录": [
                ["申报主体编号", "记录编号", "记录类型", "展位费"],
                ["E-020", "x1", "exhibition", 80000.5],
            ],
        }
    )
    report = run(factory, read_xlsx(data))
    assert report.errors == [] and report.applied
    with transaction(factory) as s:
        ent = s.get(Enterprise, "E-020")
        assert ent is not None
        case = validate_case(registry_case(ent, 2020))
        assert case.years[2020] == {"local_fiscal_contribution": Decimal(1500000)}
        assert case.records[0].facts == {"booth_fee": Decimal("80000.5")}


BAD_ENTERPRISES: Grid = [
    ["id", "name", "credit_code", "city", "county", "kinds", "remarks"],
    ["E-001", "好企业", CODE_1, "太原市", "小店区", "big_data", None],  # 2: valid
    ["E-002", "坏代码", "91140100MA0GRXKJ8A", "太原市", None, None, None],  # 3
    ["E-003", "外省", None, "北京市", None, None, None],  # 4
    ["E-001", "重复", None, None, None, None, None],  # 5
    ["E-004", "怪类型", None, None, None, "big_data、spaceship", "备注"],  # 6
]
BAD_YEARS: Grid = [
    ["enterprise_id", "year", "revenue"],
    ["E-001", 2020, -5],  # 2
    ["E-999", 2020, 100],  # 3
    ["E-001", 1800, 100],  # 4
]
BAD_RECORDS: Grid = [
    [
        "enterprise_id",
        "record_id",
        "kind",
        "project_key",
        "contract_amount",
        "completed_amount",
        "booth_fee",
        "start",
    ],
    ["E-001", "c1", "contract", "A", -100, None, None, None],  # 2: negative money
    ["E-001", "c2", "spaceship", None, None, None, None, None],  # 3: unknown kind
    ["E-001", "c3", "contract", "B", 1, None, 100, None],  # 4: a fact of another kind
    ["E-404", "r1", "exhibition", None, None, None, 5, None],  # 5: no such enterprise
    ["E-001", "c1", "exhibition", None, None, None, 5, None],  # 6: duplicate record id
    ["E-001", "c4", "contract", "C", 1, "12.345", None, None],  # 7: 3 decimals of money
    ["E-001", "l1", "lease", None, None, None, None, "2020-13-01"],  # 8: not a date
    ["E-001", "c5", "contract", None, 1, None, None, None],  # 9: project_key is required
]


def test_bad_rows_are_all_reported_and_nothing_is_written(
    factory: sessionmaker[Session],
) -> None:
    assert run(factory, read_xlsx(valid_workbook())).applied
    with transaction(factory) as s:
        before = counts(s)
        facts_before = s.get(Enterprise, "E-001").facts  # type: ignore[union-attr]

    data = workbook({"enterprises": BAD_ENTERPRISES, "years": BAD_YEARS, "records": BAD_RECORDS})
    report = run(factory, read_xlsx(data))
    assert not report.applied and not report.dry_run
    found = {(e.table, e.row, e.column): e for e in report.errors}
    assert set(found) == {
        ("enterprises", 1, "remarks"),
        ("enterprises", 3, "credit_code"),
        ("enterprises", 4, "city"),
        ("enterprises", 5, "id"),
        ("enterprises", 6, "kinds"),
        ("years", 2, "revenue"),
        ("years", 3, "enterprise_id"),
        ("years", 4, "year"),
        ("records", 2, "contract_amount"),
        ("records", 3, "kind"),
        ("records", 4, "booth_fee"),
        ("records", 5, "enterprise_id"),
        ("records", 6, "record_id"),
        ("records", 7, "completed_amount"),
        ("records", 8, "start"),
        ("records", 9, "project_key"),
    }
    assert found[("enterprises", 1, "remarks")].value == "remarks"
    assert found[("enterprises", 3, "credit_code")].value == "91140100MA0GRXKJ8A"
    assert "GB 32100" in found[("enterprises", 3, "credit_code")].message_en
    assert found[("enterprises", 4, "city")].message_zh == "不是山西省的设区市"
    assert found[("enterprises", 5, "id")].value == "E-001"
    assert found[("enterprises", 6, "kinds")].value == "spaceship"
    assert found[("years", 2, "revenue")].value == "-5"
    assert found[("years", 2, "revenue")].message_en == "must not be negative"
    assert found[("years", 3, "enterprise_id")].value == "E-999"
    assert found[("records", 2, "contract_amount")].message_zh == "不能为负数"
    assert found[("records", 3, "kind")].value == "spaceship"
    assert "exhibition" in found[("records", 4, "booth_fee")].message_en
    assert found[("records", 5, "enterprise_id")].value == "E-404"
    assert found[("records", 6, "record_id")].message_en == "duplicate record id"
    assert found[("records", 7, "completed_amount")].value == "12.345"
    assert found[("records", 8, "start")].value == "2020-13-01"
    assert found[("records", 9, "project_key")].value is None
    assert all(e.message_zh and e.message_en for e in report.errors)

    with transaction(factory) as s:
        assert counts(s) == before
        assert s.get(Enterprise, "E-001").facts == facts_before  # type: ignore[union-attr]
        assert s.get(Enterprise, "E-002").name == "大同云计算有限公司"  # type: ignore[union-attr]


def test_a_credit_code_held_by_another_enterprise_is_refused(
    factory: sessionmaker[Session],
) -> None:
    assert run(factory, read_xlsx(valid_workbook())).applied
    tables = {"enterprises": [{"id": "E-050", "name": "抢代码", "credit_code": CODE_2, "_row": 2}]}
    report = run(factory, tables)
    assert where(report.errors) == {("enterprises", 2, "credit_code")}
    # Two enterprises of the file swapping their codes is fine.
    swap = {
        "enterprises": [
            {"id": "E-001", "name": "甲", "credit_code": CODE_2},
            {"id": "E-002", "name": "乙", "credit_code": CODE_1},
        ]
    }
    report = run(factory, swap)
    assert report.errors == [] and report.applied
    with transaction(factory) as s:
        assert s.get(Enterprise, "E-001").credit_code == CODE_2  # type: ignore[union-attr]


def test_dry_run_writes_nothing_and_reports_counts(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        before = counts(s)
    report = run(factory, read_xlsx(valid_workbook()), dry_run=True)
    assert report.errors == []
    assert report.dry_run and not report.applied
    assert (report.enterprises, report.years, report.records) == (2, 3, 3)
    with transaction(factory) as s:
        assert counts(s) == before == (0, 0, 0, 0)


def test_reimport_updates_instead_of_duplicating(factory: sessionmaker[Session]) -> None:
    assert run(factory, read_xlsx(valid_workbook())).applied
    enterprises = [row[:] for row in ENTERPRISES]
    enterprises[1][1] = "太原数智科技股份有限公司"
    enterprises[1][6] = "big_data"
    enterprises[1][9] = None  # the enterprise's facts are replaced: this one goes
    years = [YEARS[0], ["E-001", 2020, 130000000, "118000000", 150000000, "false"]]
    records = [
        RECORDS[0],
        ["E-001", "c1", "contract", "smart-city-A", True, True, 5000000, "4500000"] + [None] * 7,
        ["E-001", "c9", "contract", "smart-city-B", True, False, 100, 0] + [None] * 7,
    ]
    data = workbook({"enterprises": enterprises, "years": years, "records": records})
    report = run(factory, read_xlsx(data))
    assert report.errors == [] and report.applied

    with transaction(factory) as s:
        # 2 enterprises, years 2019 and 2020 of E-001 (2019 kept) and 2020 of E-002, one record more.
        assert counts(s) == (2, 3, 4, 2)
        ent = s.get(Enterprise, "E-001")
        assert ent is not None and ent.name == "太原数智科技股份有限公司"
        case = validate_case(registry_case(ent, 2020))
        assert case.kinds == frozenset({"big_data"})
        assert "max_main_revenue_before" not in case.enterprise
        assert case.years[2020]["revenue"] == Decimal(130000000)
        assert case.years[2020]["good_credit"] is False
        assert case.years[2019]["main_revenue"] == Decimal("88000000.50")
        by_id = {r.id: r for r in case.records}
        assert set(by_id) == {"c1", "cert1", "c9"}
        assert by_id["c1"].facts["completed_amount"] == Decimal(4500000)

    # Years and records alone, for an enterprise already in the database.
    more: dict[str, list[dict[str, Any]]] = {
        "years": [{"enterprise_id": "E-002", "year": 2021, "revenue": "7000000.01", "_row": 2}],
        "records": [
            {"enterprise_id": "E-002", "record_id": "l1", "kind": "lease", "area": "100"},
        ],
    }
    report = run(factory, more)
    assert report.errors == [] and report.applied
    with transaction(factory) as s:
        assert counts(s)[:3] == (2, 4, 4)
        other = s.get(Enterprise, "E-002")
        assert other is not None
        case = validate_case(registry_case(other, 2021))
        assert case.years[2021] == {"revenue": Decimal("7000000.01")}
        assert case.records[0].facts == {"area": Decimal(100)}


def test_unknown_tables_and_unreadable_files(factory: sessionmaker[Session]) -> None:
    report = run(factory, {"people": [{"id": "x"}], "enterprises": []})
    assert where(report.errors) == {("people", 1, "")}
    assert not report.applied
    with pytest.raises(CaseError):
        read_xlsx(b"not a workbook")
    with pytest.raises(CaseError):
        read_csv("id,name\n".encode("utf-16"))
    with pytest.raises(CaseError):
        read_csv("id,企业编号\nE,E\n".encode(), table="enterprises")  # one column twice
