"""What the batch needs from an engine (:class:`Engine`) and the layout of its results."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from jinshu.money import SCALE
from jinshu.rules.sqldialect import Dialect

_DEC = pa.decimal128(38, SCALE)
_MONEY = pa.decimal128(38, 2)
CAP_ARROW = pa.struct([("id", pa.string()), ("lim", _DEC), ("used", _DEC), ("cut", _DEC)])
# One row per result of an item: the results table the rules across items and the split read.
RESULTS_ARROW = pa.schema(
    [
        ("eid", pa.string()),
        ("item", pa.string()),
        ("idx", pa.int32()),
        ("record_id", pa.string()),
        ("project_key", pa.string()),
        ("place_city", pa.string()),
        ("place_county", pa.string()),
        ("st", pa.string()),
        ("amt", _MONEY),
        ("mn", _MONEY),
        ("mx", _MONEY),
        ("miss", pa.list_(pa.string())),
        ("why", pa.list_(pa.string())),
        ("caps", pa.list_(CAP_ARROW)),
    ]
)
# The final table adds clause 1's split.
FINAL_ARROW = (
    RESULTS_ARROW.append(pa.field("split_province", _MONEY))
    .append(pa.field("split_city", _MONEY))
    .append(pa.field("split_county", _MONEY))
)


class Engine(Protocol):
    """A SQL engine holding the registry tables; every ``sql`` is the planner's DuckDB text."""

    dialect: Dialect

    def create_table(self, name: str, sql: str) -> None:
        """The rows of ``sql`` as table ``name`` (replacing any table of that name)."""

    def create_empty(self, name: str, schema: pa.Schema) -> None:
        """An empty table ``name`` with the columns of ``schema``."""

    def append(self, name: str, sql: str) -> None:
        """The rows of ``sql`` added to table ``name`` (columns in order, types as the table's)."""

    def append_arrow(self, name: str, table: pa.Table) -> None:
        """The rows of ``table`` added to table ``name``."""

    def register_arrow(self, name: str, table: pa.Table) -> None:
        """``table`` readable as ``name`` (replacing any table of that name)."""

    def drop(self, name: str) -> None:
        """Table ``name`` gone, if there is one."""

    def rows(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and rows of ``sql``: Decimals, dates, lists, structs as dicts."""

    def to_arrow(self, sql: str, schema: pa.Schema) -> pa.Table:
        """The rows of ``sql`` as an Arrow table of ``schema``."""

    def write_parquet(self, sql: str, path: Path, schema: pa.Schema) -> None:
        """The rows of ``sql`` as one Parquet file at ``path``."""


def plain(value: Any) -> Any:
    """A fetched value with structs as dicts and lists as lists, whatever the driver gives."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if hasattr(value, "asDict"):  # a Spark Row
        return {k: plain(v) for k, v in value.asDict().items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
