"""A registry evaluated on a chosen engine, results to Parquet (``jinshu match --engine``).

The registry is read where it lives: Parquet files for DuckDB and Spark
(:mod:`jinshu.matching.registry_files`), a schema of a PostgreSQL database for PostgreSQL.
The results, one row per item result after the rules across items and clause 1's split (the
columns of :data:`jinshu.matching.engines.base.FINAL_ARROW`), go to one Parquet file, in
enterprise, item and record order, so that files from two engines compare byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from jinshu.matching.batch import constants_for, materialize
from jinshu.matching.engines import DuckDBEngine, Engine
from jinshu.matching.engines.base import FINAL_ARROW
from jinshu.matching.registry_files import registry_schemas
from jinshu.rules.policyset import PolicySet

EngineName = Literal["duckdb", "spark", "postgres"]
RESULTS = "match_results"


@contextmanager
def open_engine(
    name: EngineName,
    *,
    registry: Path | None = None,
    postgres_url: str | None = None,
    schema: str = "registry",
    spark_master: str = "local[2]",
) -> Iterator[Engine]:
    """An engine holding the registry: ``registry`` (a directory of Parquet files) for DuckDB and
    Spark, ``postgres_url`` and ``schema`` for PostgreSQL."""
    if name == "postgres":
        if not postgres_url:
            raise ValueError("postgres: the database URL is required")
        from jinshu.matching.engines.postgres import PostgresEngine

        pg = PostgresEngine(postgres_url, schema)
        try:
            yield pg
        finally:
            pg.close()
        return
    if registry is None:
        raise ValueError(f"{name}: the registry directory is required")
    registry_schemas(registry)  # every table there, with its columns, before an engine starts
    if name == "duckdb":
        duck = DuckDBEngine.from_parquet(registry)
        try:
            yield duck
        finally:
            duck.con.close()
        return
    from jinshu.matching.engines.spark import SparkEngine, spark_session

    spark = SparkEngine(spark_session(spark_master))
    try:
        spark.read_registry(registry)
        yield spark
    finally:
        spark.close()


def match_to_parquet(
    engine: Engine,
    policy: PolicySet,
    year: int,
    out: Path,
    parameters: Mapping[str, Any] | None = None,
) -> None:
    """Every item for every enterprise of the registry on ``engine``, into the file ``out``."""
    materialize(engine, policy, year, constants_for(policy, year, parameters), RESULTS)
    out.parent.mkdir(parents=True, exist_ok=True)
    engine.write_parquet(f"SELECT * FROM {RESULTS} ORDER BY eid, item, idx", out, FINAL_ARROW)


def summarize(results: Path) -> dict[str, Any]:
    """Counts and the committed total of a results file (amounts as exact Decimals)."""
    import duckdb

    con = duckdb.connect()
    names = ("rows", "enterprises", "eligible", "needs_review", "eligible_total")
    row = con.execute(
        "SELECT COUNT(*), COUNT(DISTINCT eid), COUNT(*) FILTER (WHERE st = 'eligible'), "
        "COUNT(*) FILTER (WHERE st = 'needs_review'), "
        "COALESCE(SUM(amt) FILTER (WHERE st = 'eligible'), 0) FROM read_parquet(?)",
        [str(results)],
    ).fetchone()
    con.close()
    assert row is not None
    return dict(zip(names, row, strict=True))
