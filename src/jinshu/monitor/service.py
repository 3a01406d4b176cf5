"""What the API, the CLI, the web and the report share: values, weights and the index from the database."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from jinshu.errors import ErrorEntry
from jinshu.monitor.framework import Framework
from jinshu.monitor.index import (
    Aggregation,
    Imputation,
    IndexResult,
    Method,
    MethodError,
    Normalisation,
    compute_index,
)
from jinshu.monitor.values import current_values
from jinshu.store.models import IndexWeight, IndicatorValue
from jinshu.workflow import audit

MAX_WEIGHT = Decimal(100)


def saved_weights(session: Session) -> tuple[dict[str, float], dict[str, float]]:
    """Edited pillar and indicator weights (codes absent here keep the framework's weight)."""
    pillars: dict[str, float] = {}
    indicators: dict[str, float] = {}
    for w in session.scalars(select(IndexWeight)):
        (pillars if w.kind == "pillar" else indicators)[w.code] = float(w.weight)
    return pillars, indicators


def method(
    session: Session,
    normalisation: Normalisation = "minmax",
    aggregation: Aggregation = "arithmetic",
    imputation: Imputation = "mean",
) -> Method:
    pillars, indicators = saved_weights(session)
    return Method(normalisation, aggregation, imputation, pillars, indicators)


def index_for(session: Session, framework: Framework, year: int, chosen: Method) -> IndexResult:
    return compute_index(framework, current_values(session), year, chosen)


def years(session: Session) -> list[int]:
    return sorted(session.scalars(select(IndicatorValue.year).distinct()))


def set_weights(
    session: Session, framework: Framework, actor: str, changes: Mapping[str, str | Decimal]
) -> None:
    """Edit weights by pillar or indicator code; each change is written to the audit log."""
    kinds = {p.code: "pillar" for p in framework.pillars} | {
        i.code: "indicator" for i in framework.indicators
    }
    errors: list[ErrorEntry] = []
    parsed: dict[str, Decimal] = {}
    for code, raw in changes.items():
        if code not in kinds:
            errors.append(
                ErrorEntry(
                    f"weights.{code}", "未知的支柱或指标", "unknown pillar or indicator", code
                )
            )
            continue
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            errors.append(
                ErrorEntry(f"weights.{code}", "权重应为数字", "weight must be a number", str(raw))
            )
            continue
        if (
            not value.is_finite()
            or value < 0
            or value > MAX_WEIGHT
            or value != value.quantize(Decimal("0.0001"))
        ):
            errors.append(
                ErrorEntry(
                    f"weights.{code}",
                    "权重应在 0 到 100 之间，最多 4 位小数",
                    "weight must be between 0 and 100 with at most 4 decimals",
                    str(raw),
                )
            )
            continue
        parsed[code] = value
    if errors:
        raise MethodError(errors)
    for code, value in parsed.items():
        row = session.get(IndexWeight, code)
        before = None if row is None else {"weight": str(row.weight)}
        if row is None:
            row = IndexWeight(code=code, kind=kinds[code], weight=value, updated_by=actor)
            session.add(row)
        else:
            row.weight = value
            row.updated_by = actor
        audit.record(
            session,
            actor=actor,
            action="set_index_weight",
            object_type="index_weight",
            object_id=code,
            before=before,
            after={"weight": str(value), "kind": kinds[code]},
        )
    session.flush()
