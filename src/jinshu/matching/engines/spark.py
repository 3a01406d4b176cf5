"""Apache Spark (local mode, or any master): the registry read from Parquet, the rules as SQL.

Spark has no temporary tables to insert into: every table a run makes is written as Parquet
under a scratch directory and read back as a temporary view, so each item's query runs once
and the results table grows by appending files. Money stays exact: decimal arithmetic is
typed without precision loss (``spark.sql.decimalOperations.allowPrecisionLoss=false``, the
product of two DECIMAL(38, 12) is DECIMAL(38, 24) as in DuckDB), ANSI mode fails on overflow
rather than returning NULL, and the planner's exact division has a Spark form
(:func:`jinshu.rules.sqldialect.floor_div`).
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from jinshu.matching.engines.base import plain
from jinshu.rules.sqldialect import Dialect, transpile

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# Settings the exactness of the results depends on; see the module's text.
EXACT_SETTINGS = {
    "spark.sql.decimalOperations.allowPrecisionLoss": "false",
    "spark.sql.ansi.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
}


def spark_session(
    master: str = "local[2]", memory: str = "4g", partitions: int = 8
) -> SparkSession:
    """A Spark session for jinshu's rules (one per process; an existing one is reused)."""
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(master)
        .appName("jinshu")
        .config("spark.driver.memory", memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.sql.adaptive.enabled", "true")
    )
    for key, value in EXACT_SETTINGS.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    for key, value in EXACT_SETTINGS.items():
        session.conf.set(key, value)  # a reused session gets them too
    return session


class SparkEngine:
    """Tables are Parquet directories under ``workdir``, each read as a temporary view."""

    dialect: Dialect = "spark"

    def __init__(self, spark: SparkSession, workdir: Path | None = None) -> None:
        self.spark = spark
        self._own = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="jinshu-spark-"))
        self.workdir.mkdir(parents=True, exist_ok=True)

    def read_registry(self, directory: Path) -> None:
        """Each ``NAME.parquet`` of ``directory`` readable as table NAME."""
        files = sorted(directory.glob("*.parquet"))
        if not files:
            raise FileNotFoundError(f"{directory}: no registry tables (*.parquet)")
        for file in files:
            self.spark.read.parquet(str(file)).createOrReplaceTempView(file.stem)

    def close(self) -> None:
        """Forget the scratch tables (the session stays for others)."""
        if self._own:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _sql(self, sql: str) -> DataFrame:
        return self.spark.sql(transpile(sql, "spark"))

    def _path(self, name: str) -> Path:
        return self.workdir / name

    def _view(self, name: str) -> None:
        self.spark.read.parquet(str(self._path(name))).createOrReplaceTempView(name)

    def create_table(self, name: str, sql: str) -> None:
        # Written beside, then swapped: the query may read the table it replaces.
        fresh = self.workdir / f"{name}.{uuid.uuid4().hex}"
        self._sql(sql).write.parquet(str(fresh))
        shutil.rmtree(self._path(name), ignore_errors=True)
        fresh.rename(self._path(name))
        self._view(name)

    def create_empty(self, name: str, schema: pa.Schema) -> None:
        shutil.rmtree(self._path(name), ignore_errors=True)
        self._path(name).mkdir()
        pq.write_table(schema.empty_table(), self._path(name) / "empty.parquet")
        self._view(name)

    def append(self, name: str, sql: str) -> None:
        self._sql(sql).write.mode("append").parquet(str(self._path(name)))
        self._view(name)

    def append_arrow(self, name: str, table: pa.Table) -> None:
        pq.write_table(table, self._path(name) / f"rows-{uuid.uuid4().hex}.parquet")
        self._view(name)

    def register_arrow(self, name: str, table: pa.Table) -> None:
        self.create_empty(name, table.schema)
        self.append_arrow(name, table)

    def drop(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)
        shutil.rmtree(self._path(name), ignore_errors=True)

    def rows(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        frame = self._sql(sql)
        return frame.columns, [tuple(plain(v) for v in row) for row in frame.collect()]

    def write_parquet(self, sql: str, path: Path, schema: pa.Schema) -> None:
        pq.write_table(self.to_arrow(sql, schema), path)

    def to_arrow(self, sql: str, schema: pa.Schema) -> pa.Table:
        # Through Parquet: no pandas, and no row-by-row conversion in Python.
        out = self.workdir / f"out.{uuid.uuid4().hex}"
        try:
            self._sql(sql).write.parquet(str(out))
            table = pq.read_table(out)
        finally:
            shutil.rmtree(out, ignore_errors=True)
        return table.select(schema.names).cast(schema)
