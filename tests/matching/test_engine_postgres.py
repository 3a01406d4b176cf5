"""The compiled rules on PostgreSQL: a registry loaded into a database, results equal DuckDB's."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pytest

from jinshu.matching.engines.postgres import PostgresEngine, load_registry
from jinshu.matching.reform import load_reform, reform_parameters
from jinshu.matching.registry_files import read_registry
from jinshu.rules.load import DEFAULT_DIR
from jinshu.rules.policyset import PolicySet
from tests.matching.engine_registry import (
    assert_rich,
    assert_same_rows,
    duckdb_rows,
    final_rows,
    registry_dir,
)
from tests.matching.exact_division import division_table, expected_quotients, quotient_sql

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="module")
def registry(policy: PolicySet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return registry_dir(policy, tmp_path_factory.mktemp("registry"))


@pytest.fixture(scope="module")
def database(registry: Path) -> Iterator[str]:
    name = f"jinshu_engine_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        load_registry(url, read_registry(registry))
        yield url
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def engine(database: str) -> Iterator[PostgresEngine]:
    pg = PostgresEngine(database)
    yield pg
    pg.close()


def test_postgres_equals_duckdb_row_for_row(
    policy: PolicySet, registry: Path, engine: PostgresEngine
) -> None:
    expected = duckdb_rows(policy, registry)
    assert_rich(expected)
    assert_same_rows(final_rows(engine, policy), expected)


def test_postgres_equals_duckdb_under_a_reform(
    policy: PolicySet, registry: Path, engine: PostgresEngine
) -> None:
    reform = load_reform(DEFAULT_DIR / "reforms" / "lower-p15-annual-cap.yaml", policy)
    parameters = reform_parameters(policy, reform)
    expected = duckdb_rows(policy, registry, parameters)
    assert expected != duckdb_rows(policy, registry)  # the reform changes something
    assert_same_rows(final_rows(engine, policy, parameters), expected)


def test_the_registry_tables_keep_money_exact(database: str) -> None:
    with psycopg.connect(database) as conn:
        (kind,) = conn.execute(
            "SELECT data_type || '(' || numeric_precision || ',' || numeric_scale || ')' "
            "FROM information_schema.columns WHERE table_schema = 'registry' "
            "AND table_name = 'history' AND column_name = 'amount'"
        ).fetchone() or (None,)
        (total,) = conn.execute("SELECT SUM(amount) FROM registry.history").fetchone() or (None,)
    assert kind == "numeric(38,12)"
    assert isinstance(total, Decimal) and total > 0


def test_a_schema_without_a_registry_is_refused(database: str) -> None:
    with pytest.raises(LookupError, match="nowhere"):
        PostgresEngine(database, schema="nowhere")
    with pytest.raises(ValueError, match="schema"):
        PostgresEngine(database, schema="bad name; drop")


def test_postgres_divides_exactly(engine: PostgresEngine) -> None:
    engine.register_arrow("pairs", division_table())
    _, rows = engine.rows(quotient_sql("postgres"))
    assert [r[0] for r in rows] == expected_quotients()


def test_postgres_reads_a_number_where_duckdb_does(engine: PostgresEngine) -> None:
    import pyarrow as pa

    from jinshu.rules.sqldialect import numeric_or_null

    texts = ["100000000", " 5 ", ".5", "5.", "-2.25", "1e8", "abc", "1.2.3", ""]
    engine.register_arrow("texts", pa.table({"t": texts}))
    con = duckdb.connect()
    con.register("texts", pa.table({"t": texts}))
    duck = con.execute(f"SELECT {numeric_or_null('t', 'duckdb')} FROM texts").fetchall()
    _, pg = engine.rows(f"SELECT {numeric_or_null('t', 'postgres')} AS v FROM texts")
    assert pg == duck
    assert [r[0] for r in pg].count(None) == 3
