"""The registry tables as files: one Parquet file per table in a directory.

``enterprises.parquet``, ``years.parquet``, ``history.parquet`` and one
``records_<kind>.parquet`` per record kind, with the schemas of :mod:`jinshu.matching.tables`
(money as DECIMAL(38, 12)). Spark reads them as they are; so can DuckDB.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from jinshu.errors import CaseError, problem
from jinshu.matching.tables import registry_table_schemas


def write_registry(tables: Mapping[str, pa.Table], directory: Path) -> list[Path]:
    """Each table as ``directory/NAME.parquet``; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        path = directory / f"{name}.parquet"
        pq.write_table(table, path)
        written.append(path)
    return written


def registry_schemas(directory: Path) -> dict[str, pa.Schema]:
    """The schema of each registry file of ``directory``; every table must be there, with its
    columns (extra columns are allowed)."""
    out = {}
    for name, schema in registry_table_schemas().items():
        path = directory / f"{name}.parquet"
        if not path.is_file():
            raise CaseError(problem(str(path), "缺少名录表文件", "registry table file missing"))
        found = pq.read_schema(path)
        missing = [f for f in schema.names if f not in found.names]
        if missing:
            raise CaseError(
                problem(
                    str(path),
                    f"名录表缺少列：{', '.join(missing)}",
                    f"registry table lacks columns: {', '.join(missing)}",
                )
            )
        out[name] = found
    return out


def read_registry(directory: Path) -> dict[str, pa.Table]:
    """The registry tables of ``directory`` (checked as :func:`registry_schemas`)."""
    registry_schemas(directory)
    return {
        name: pq.read_table(directory / f"{name}.parquet").select(schema.names).cast(schema)
        for name, schema in registry_table_schemas().items()
    }
