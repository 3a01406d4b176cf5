"""Parse a rule's SQL expression with sqlglot and check it against its scope.

Only names in scope (the facts of the item's grain, its parameters, aggregates and earlier steps),
a whitelist of node types and a few functions are accepted: no table access, no subqueries.

>>> check_rule("completed_amount * bid_rate", {"completed_amount", "bid_rate"}).sql()
'completed_amount * bid_rate'
>>> check_rule("completed_amt * 0.03", {"completed_amount"})
Traceback (most recent call last):
...
jinshu.rules.check.RuleCheckError: 未知字段 completed_amt (unknown name)
"""

from __future__ import annotations

from collections.abc import Collection

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

ALLOWED_NODES: tuple[type[exp.Expression], ...] = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Neg,
    exp.Paren,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.And,
    exp.Or,
    exp.Not,
    exp.In,
    exp.Between,
    exp.Is,
    exp.Case,
    exp.If,
    exp.Coalesce,
    exp.Least,
    exp.Greatest,
    exp.Abs,
    exp.Year,
    exp.Anonymous,
)

# Functions beyond SQL's own: name -> number of arguments.
FUNCTIONS = {
    "days_between": 2,  # days from the first date (counted) to the second (not counted)
    "add_years": 2,  # a date plus whole years; 29 February falls to 28 February
}


class RuleCheckError(ValueError):
    """An expression that may not run: bad syntax, an unknown name, a forbidden construct."""


def check_rule(sql: str, scope: Collection[str]) -> exp.Expression:
    """Parse ``sql`` and check every node and name.

    Args:
        sql: an SQL expression (no SELECT), e.g. ``completed_amount * bid_rate``.
        scope: the names it may use.

    Returns:
        The parsed sqlglot tree.
    """
    try:
        parsed = sqlglot.parse_one(sql, dialect="duckdb")
    except SqlglotError as exc:
        raise RuleCheckError(f"无法解析的表达式 (cannot parse): {exc}") from exc
    if not isinstance(parsed, exp.Expression):
        raise RuleCheckError("不是表达式 (not an expression)")
    tree = parsed
    for node in tree.walk():
        if not isinstance(node, ALLOWED_NODES):
            raise RuleCheckError(
                f"不允许的语法 {type(node).__name__} (not allowed): {node.sql(dialect='duckdb')}"
            )
        if isinstance(node, exp.Column):
            if node.table:
                raise RuleCheckError(f"不允许引用表 (no table access): {node.sql()}")
            if node.name not in scope:
                raise RuleCheckError(f"未知字段 {node.name} (unknown name)")
        if isinstance(node, exp.Anonymous):
            name = str(node.this).lower()
            if name not in FUNCTIONS:
                raise RuleCheckError(f"不允许的函数 {name} (function not allowed)")
            if len(node.expressions) != FUNCTIONS[name]:
                raise RuleCheckError(f"函数 {name} 需要 {FUNCTIONS[name]} 个参数 (wrong arity)")
    return tree


def names_in(tree: exp.Expression) -> list[str]:
    """The distinct names an expression reads, in order of appearance."""
    seen: dict[str, None] = {}
    for col in tree.find_all(exp.Column):
        seen.setdefault(col.name, None)
    return list(seen)
