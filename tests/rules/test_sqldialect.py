"""The planner's SQL variants: exact division on DuckDB, transpiled text for Spark and PostgreSQL."""

from __future__ import annotations

import duckdb
import pytest

from jinshu.matching.batch import constants_for
from jinshu.rules.plan import plan_query
from jinshu.rules.plan_cross import plan_finish
from jinshu.rules.plan_decide import plan_item
from jinshu.rules.policyset import PolicySet
from jinshu.rules.sqldialect import DIALECTS, Dialect, transpile
from tests.matching.exact_division import division_table, expected_quotients, quotient_sql


def test_duckdb_divides_exactly() -> None:
    con = duckdb.connect()
    con.register("pairs", division_table())
    assert [r[0] for r in con.execute(quotient_sql("duckdb")).fetchall()] == expected_quotients()


@pytest.mark.parametrize("dialect", [d for d in DIALECTS if d != "duckdb"])
def test_every_item_transpiles_without_duckdb_only_syntax(
    policy: PolicySet, dialect: Dialect
) -> None:
    constants = constants_for(policy, 2020)
    texts = [plan_finish(policy, constants, 2020)]
    for item in policy.items.values():
        if item.grain == "info":
            continue
        query = plan_query(item, policy, constants, 2020, "applicant_year", dialect)
        if item.spec.payout.kind == "upgrade":
            texts.append(query.sql)
        else:
            texts.append(plan_item(item, query, constants, 2020, dialect))
    for text in texts:
        out = transpile(text, dialect).upper()
        for duckdb_only in (
            "REPLACE (",
            "EXCLUDE (",
            "HUGEINT",
            "INT128",
            "BY NAME",
            "QUALIFY",
            "LIST_",
        ):
            assert duckdb_only not in out
        assert ("LAMBDA" in out) is False


def test_duckdb_text_is_kept_as_written() -> None:
    assert transpile("SELECT list_filter(l, lambda x: x > 1)", "duckdb") == (
        "SELECT list_filter(l, lambda x: x > 1)"
    )
