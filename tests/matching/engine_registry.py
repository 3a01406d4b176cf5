"""A registry for comparing engines, and the final results of one engine, row by row."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from jinshu.facts.case import Case
from jinshu.facts.synthetic import generate_registry
from jinshu.facts.validate import validate_case
from jinshu.matching.batch import constants_for, materialize
from jinshu.matching.engines import DuckDBEngine, Engine
from jinshu.matching.engines.base import FINAL_ARROW
from jinshu.matching.registry_files import write_registry
from jinshu.matching.tables import case_tables
from jinshu.rules.policyset import PolicySet

YEAR = 2020


def registry_cases(policy: PolicySet, size: int = 300) -> list[Case]:
    """Synthetic enterprises, and every clause test case run under the official parameters
    (each its own enterprise: caps, history, one-time and the rules across items at their edges)."""
    raws = list(generate_registry(size, seed=13, year=YEAR))
    for clause in policy.clauses:
        for i, test in enumerate(clause.tests):
            raw = json.loads(json.dumps(test.case, default=str))
            if raw.get("parameters"):
                continue
            raw["enterprise"]["id"] = f"case-{clause.clause}-{i}"
            raws.append(raw)
    kinds = policy.parameter_kinds()
    return [validate_case(r, known_items=policy.items, parameter_kinds=kinds) for r in raws]


def registry_dir(policy: PolicySet, directory: Path) -> Path:
    write_registry(case_tables(registry_cases(policy)), directory)
    return directory


def final_rows(
    engine: Engine, policy: PolicySet, parameters: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Every result row of a run (after the rules across items and the split), in order."""
    materialize(engine, policy, YEAR, constants_for(policy, YEAR, parameters), "final")
    table: pa.Table = engine.to_arrow("SELECT * FROM final", FINAL_ARROW)
    rows: list[dict[str, Any]] = table.sort_by(
        [("eid", "ascending"), ("item", "ascending"), ("idx", "ascending")]
    ).to_pylist()
    return rows


def duckdb_rows(
    policy: PolicySet, directory: Path, parameters: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    return final_rows(DuckDBEngine.from_parquet(directory), policy, parameters)


def assert_same_rows(found: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    """Row for row: status, amounts, ranges, missing facts, reasons, caps, split."""
    assert len(found) == len(expected)
    for got, want in zip(found, expected, strict=True):
        assert got == want, (want["eid"], want["item"], want["idx"])


def assert_rich(rows: list[dict[str, Any]]) -> None:
    """The registry exercises what the engines must agree on (else the comparison proves little)."""
    assert {r["st"] for r in rows} == {"eligible", "needs_review", "ineligible"}
    assert any(r["caps"] for r in rows)
    assert any(r["miss"] for r in rows)
    assert any(r["split_county"] for r in rows)
    assert any(any(w.startswith("cross_item:") for w in r["why"]) for r in rows)
    assert any(r["item"] == "p16_cmmi" and r["st"] == "eligible" for r in rows)
