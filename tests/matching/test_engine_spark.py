"""The compiled rules on Apache Spark (local mode): the registry from Parquet, results to Parquet,
equal to DuckDB's row for row. One Spark session for the module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jinshu.matching.engine_run import match_to_parquet
from jinshu.matching.engines import DuckDBEngine
from jinshu.rules.policyset import PolicySet
from tests.matching.engine_registry import YEAR, assert_rich, assert_same_rows, registry_dir
from tests.matching.exact_division import division_table, expected_quotients, quotient_sql

pytest.importorskip("pyspark")

from jinshu.matching.engines.spark import SparkEngine, spark_session


@pytest.fixture(scope="module")
def registry(policy: PolicySet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return registry_dir(policy, tmp_path_factory.mktemp("registry"))


@pytest.fixture(scope="module")
def engine(registry: Path) -> Iterator[SparkEngine]:
    # Small data: few partitions keep the per-task overhead of local mode down.
    spark = SparkEngine(spark_session("local[2]", memory="2g", partitions=2))
    spark.read_registry(registry)
    yield spark
    spark.close()


def test_spark_equals_duckdb_row_for_row(
    policy: PolicySet, registry: Path, engine: SparkEngine, tmp_path: Path
) -> None:
    match_to_parquet(engine, policy, YEAR, tmp_path / "spark.parquet")
    match_to_parquet(DuckDBEngine.from_parquet(registry), policy, YEAR, tmp_path / "duck.parquet")
    expected = pq.read_table(tmp_path / "duck.parquet")
    found = pq.read_table(tmp_path / "spark.parquet")
    assert found.schema == expected.schema
    assert found.schema.field("amt").type == pa.decimal128(38, 2)
    assert_rich(expected.to_pylist())
    assert_same_rows(found.to_pylist(), expected.to_pylist())


def test_spark_divides_exactly(engine: SparkEngine) -> None:
    engine.register_arrow("pairs", division_table())
    _, rows = engine.rows(quotient_sql("spark"))
    assert [r[0] for r in rows] == expected_quotients()


def test_spark_keeps_decimal_products_exact(engine: SparkEngine) -> None:
    # Without allowPrecisionLoss=false Spark would type this DECIMAL(38, 6) and round.
    _, rows = engine.rows(
        "SELECT CAST(CAST('0.000000000001' AS DECIMAL(38, 12)) * CAST('0.5' AS DECIMAL(38, 12)) "
        "AS DECIMAL(38, 12)) AS p, "
        "CAST('99.996' AS DECIMAL(38, 12)) < CAST(CAST('100.00' AS DECIMAL(38, 2)) AS DECIMAL(38, 12)) AS c"
    )
    assert str(rows[0][0]) == "1E-12" and rows[0][1] is True
