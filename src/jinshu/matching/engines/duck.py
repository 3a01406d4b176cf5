"""DuckDB, in-process: the default engine, and the reference the others are checked against."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from jinshu.matching.engines.base import Engine
from jinshu.rules.sqldialect import Dialect


class DuckDBEngine:
    """Tables are DuckDB temporary tables (or registered Arrow tables) on one connection."""

    dialect: Dialect = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    @classmethod
    def from_parquet(cls, directory: Path) -> DuckDBEngine:
        """A new connection reading each ``NAME.parquet`` of ``directory`` as table NAME."""
        con = duckdb.connect()
        for file in sorted(directory.glob("*.parquet")):
            con.execute(f"CREATE VIEW {file.stem} AS SELECT * FROM read_parquet('{file}')")
        return cls(con)

    def create_table(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def create_empty(self, name: str, schema: pa.Schema) -> None:
        self.con.register("_jinshu_empty", schema.empty_table())
        self.create_table(name, "SELECT * FROM _jinshu_empty")
        self.con.unregister("_jinshu_empty")

    def append(self, name: str, sql: str) -> None:
        self.con.execute(f"INSERT INTO {name} {sql}")

    def append_arrow(self, name: str, table: pa.Table) -> None:
        # One Arrow batch, not row-by-row inserts (DuckDB's executemany is per row).
        self.con.register("_jinshu_rows", table)
        self.con.execute(f"INSERT INTO {name} SELECT * FROM _jinshu_rows")
        self.con.unregister("_jinshu_rows")

    def register_arrow(self, name: str, table: pa.Table) -> None:
        self.con.register(name, table)

    def drop(self, name: str) -> None:
        self.con.unregister(name)  # a registered Arrow table, if it is one
        self.con.execute(f"DROP TABLE IF EXISTS {name}")

    def rows(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        cursor = self.con.execute(sql)
        return [d[0] for d in cursor.description], cursor.fetchall()

    def to_arrow(self, sql: str, schema: pa.Schema) -> pa.Table:
        table: pa.Table = self.con.sql(sql).to_arrow_table()
        return table.select(schema.names).cast(schema)

    def write_parquet(self, sql: str, path: Path, schema: pa.Schema) -> None:
        pq.write_table(self.to_arrow(sql, schema), path)


def as_engine(con: duckdb.DuckDBPyConnection | Engine) -> Engine:
    """An engine for a DuckDB connection (an engine is returned as it is)."""
    if isinstance(con, duckdb.DuckDBPyConnection):
        return DuckDBEngine(con)
    return con
