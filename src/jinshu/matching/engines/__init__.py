"""The engines a registry is evaluated on: DuckDB (in-process, the default), Spark, PostgreSQL.

Every engine runs the planner's SQL (DuckDB's text, transpiled by sqlglot for the others; see
:mod:`jinshu.rules.sqldialect`) over the registry tables of :mod:`jinshu.matching.tables`, and
keeps the tables a run makes (:class:`Engine`). :mod:`jinshu.matching.batch` drives them all
alike, so results agree row for row.
"""

from __future__ import annotations

from jinshu.matching.engines.base import RESULTS_ARROW, Engine, plain
from jinshu.matching.engines.duck import DuckDBEngine, as_engine

__all__ = ["RESULTS_ARROW", "DuckDBEngine", "Engine", "as_engine", "plain"]
