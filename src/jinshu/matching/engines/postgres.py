"""PostgreSQL: the rules run where the registry already lives.

The registry tables (:mod:`jinshu.matching.tables`) are read from one schema of the database
(``registry`` by default; :func:`load_registry` fills it from Arrow tables); everything a run
makes is a temporary table of the session. NUMERIC is exact at any precision, so the
planner's division only needs PostgreSQL's integer ``DIV``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
from psycopg import sql as pgsql
from psycopg.types.composite import CompositeInfo, register_composite

from jinshu.rules.sqldialect import CAP_FIELDS, PG_CAP_TYPE, Dialect, pg_cap_type_sql, transpile

DEFAULT_SCHEMA = "registry"
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def pg_type(kind: pa.DataType) -> str:
    """The PostgreSQL type of an Arrow column of the registry or the results."""
    if pa.types.is_decimal(kind):
        return f"numeric({kind.precision}, {kind.scale})"
    if pa.types.is_list(kind):
        if pa.types.is_struct(kind.value_type):
            return f"{PG_CAP_TYPE}[]"
        return f"{pg_type(kind.value_type)}[]"
    simple = {
        pa.string(): "text",
        pa.bool_(): "boolean",
        pa.int32(): "integer",
        pa.int64(): "bigint",
        pa.date32(): "date",
    }
    if kind not in simple:
        raise TypeError(f"no PostgreSQL type for Arrow {kind}")
    return simple[kind]


def _columns(schema: pa.Schema) -> pgsql.Composable:
    return pgsql.SQL(", ").join(
        pgsql.SQL("{} {}").format(pgsql.Identifier(f.name), pgsql.SQL(pg_type(f.type)))
        for f in schema
    )


def _copy(conn: psycopg.Connection[Any], table: pgsql.Composable, data: pa.Table) -> None:
    names = pgsql.SQL(", ").join(pgsql.Identifier(n) for n in data.schema.names)
    statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(table, names)
    with conn.cursor().copy(statement) as copy:
        for batch in data.to_batches(max_chunksize=10_000):
            for row in zip(*(c.to_pylist() for c in batch.columns), strict=True):
                copy.write_row(row)


def load_registry(url: str, tables: Mapping[str, pa.Table], schema: str = DEFAULT_SCHEMA) -> None:
    """The registry tables into ``schema`` of the database at ``url`` (replacing those there)."""
    if not _NAME.match(schema):
        raise ValueError(f"schema: not a plain lower-case name: {schema!r}")
    with psycopg.connect(url) as conn:
        conn.execute(pgsql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(pgsql.Identifier(schema)))
        for name, data in tables.items():
            table = pgsql.Identifier(schema, name)
            conn.execute(pgsql.SQL("DROP TABLE IF EXISTS {}").format(table))
            conn.execute(pgsql.SQL("CREATE TABLE {} ({})").format(table, _columns(data.schema)))
            _copy(conn, table, data)
            conn.execute(pgsql.SQL("ANALYZE {}").format(table))


class PostgresEngine:
    """One session; the registry's schema first on the search path, run tables temporary."""

    dialect: Dialect = "postgres"

    def __init__(self, url: str, schema: str = DEFAULT_SCHEMA) -> None:
        if not _NAME.match(schema):
            raise ValueError(f"schema: not a plain lower-case name: {schema!r}")
        self.conn: psycopg.Connection[Any] = psycopg.connect(url, autocommit=True)
        found = self.conn.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = 'enterprises'",
            (schema,),
        ).fetchone()
        if found is None:
            self.conn.close()
            raise LookupError(f"schema {schema!r} holds no registry (no table enterprises)")
        self.conn.execute(
            pgsql.SQL("SET search_path TO {}, public").format(pgsql.Identifier(schema))
        )
        self.conn.execute(pg_cap_type_sql())
        # Cap traces load as dicts, like DuckDB's structs.
        info = CompositeInfo.fetch(self.conn, PG_CAP_TYPE)
        assert info is not None
        names = [name for name, _ in CAP_FIELDS]
        register_composite(info, self.conn, factory=lambda *v: dict(zip(names, v, strict=True)))

    def close(self) -> None:
        self.conn.close()

    def _run(self, sql: str) -> psycopg.Cursor[Any]:
        return self.conn.execute(transpile(sql, "postgres").encode())

    def create_table(self, name: str, sql: str) -> None:
        self.drop(name)
        self._run(f"CREATE TEMP TABLE {name} AS {sql}")
        self.conn.execute(pgsql.SQL("ANALYZE {}").format(pgsql.Identifier(name)))

    def create_empty(self, name: str, schema: pa.Schema) -> None:
        self.drop(name)
        self.conn.execute(
            pgsql.SQL("CREATE TEMP TABLE {} ({})").format(pgsql.Identifier(name), _columns(schema))
        )

    def append(self, name: str, sql: str) -> None:
        self._run(f"INSERT INTO {name} {sql}")

    def append_arrow(self, name: str, table: pa.Table) -> None:
        _copy(self.conn, pgsql.Identifier(name), table)

    def register_arrow(self, name: str, table: pa.Table) -> None:
        self.create_empty(name, table.schema)
        self.append_arrow(name, table)

    def drop(self, name: str) -> None:
        self.conn.execute(
            pgsql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(pgsql.Identifier(name))
        )

    def rows(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        cursor = self._run(sql)
        return [d.name for d in cursor.description or []], cursor.fetchall()

    def to_arrow(self, sql: str, schema: pa.Schema) -> pa.Table:
        names, fetched = self.rows(sql)
        columns = {n: [row[i] for row in fetched] for i, n in enumerate(names)}
        return pa.table(
            {f.name: pa.array(columns[f.name], type=f.type) for f in schema}, schema=schema
        )

    def write_parquet(self, sql: str, path: Path, schema: pa.Schema) -> None:
        pq.write_table(self.to_arrow(sql, schema), path)
