"""The registry as tables (Arrow), the layout every set-based engine reads.

``enterprises`` (eid and the applicant's facts, one ``kind_<kind>`` flag per kind), ``years``
(eid, year, figures), one ``records_<kind>`` table per record kind (eid, idx, record_id, facts)
and ``history`` (eid, item, year, key, level, amount). Money is DECIMAL(38, 12), never float.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from jinshu.facts.case import Case
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

ARROW_TYPES = {
    MONEY: pa.decimal128(38, 12),
    QUANTITY: pa.decimal128(38, 12),
    BOOL: pa.bool_(),
    DATE: pa.date32(),
    INT: pa.int32(),
    ENUM: pa.string(),
    TEXT: pa.string(),
}


def _field(fact: Fact) -> pa.Field:
    return pa.field(fact.name, ARROW_TYPES[fact.type])


def enterprise_schema() -> pa.Schema:
    fields = [pa.field("eid", pa.string())]
    fields += [_field(f) for f in ENTERPRISE.values() if f.name != "id" and f.type != KINDS]
    fields += [pa.field(f"kind_{k}", pa.bool_()) for k in APPLICANT_KINDS]
    return pa.schema(fields)


def years_schema() -> pa.Schema:
    return pa.schema(
        [pa.field("eid", pa.string()), pa.field("year", pa.int32())]
        + [_field(f) for f in YEAR.values()]
    )


def record_schema(kind: str) -> pa.Schema:
    fields = [
        pa.field("eid", pa.string()),
        pa.field("idx", pa.int32()),
        pa.field("record_id", pa.string()),
    ]
    fields += [_field(f) for name, f in RECORD_KINDS[kind][1].items() if name != "id"]
    return pa.schema(fields)


def history_schema() -> pa.Schema:
    return pa.schema(
        [
            pa.field("eid", pa.string()),
            pa.field("item", pa.string()),
            pa.field("year", pa.int32()),
            pa.field("key", pa.string()),
            pa.field("level", pa.int32()),
            pa.field("amount", pa.decimal128(38, 12)),
        ]
    )


def registry_table_schemas() -> dict[str, pa.Schema]:
    """Every registry table by name, with its schema."""
    tables = {
        "enterprises": enterprise_schema(),
        "years": years_schema(),
        "history": history_schema(),
    }
    for kind in RECORD_KINDS:
        tables[f"records_{kind}"] = record_schema(kind)
    return tables


def case_tables(cases: Iterable[Case]) -> dict[str, pa.Table]:
    """Arrow tables of validated cases; each case's enterprise id must be unique in the batch."""
    ent: list[dict[str, Any]] = []
    years: list[dict[str, Any]] = []
    records: dict[str, list[dict[str, Any]]] = {k: [] for k in RECORD_KINDS}
    history: list[dict[str, Any]] = []
    for case in cases:
        eid = case.enterprise_id
        row: dict[str, Any] = {"eid": eid}
        row.update({k: v for k, v in case.enterprise.items() if k != "id"})
        row.update({f"kind_{k}": k in case.kinds for k in APPLICANT_KINDS})
        ent.append(row)
        for y, figures in case.years.items():
            years.append({"eid": eid, "year": y, **figures})
        for rec in case.records:
            records[rec.kind].append(
                {"eid": eid, "idx": rec.index, "record_id": rec.id, **rec.facts}
            )
        for h in case.history:
            history.append(
                {
                    "eid": eid,
                    "item": h.item,
                    "year": h.year,
                    "key": h.key,
                    "level": h.level,
                    "amount": h.amount,
                }
            )
    tables = {
        "enterprises": pa.Table.from_pylist(ent, schema=enterprise_schema()),
        "years": pa.Table.from_pylist(years, schema=years_schema()),
        "history": pa.Table.from_pylist(history, schema=history_schema()),
    }
    for kind, rows in records.items():
        tables[f"records_{kind}"] = pa.Table.from_pylist(rows, schema=record_schema(kind))
    return tables
