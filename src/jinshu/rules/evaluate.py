"""Evaluate a case against the policy set, one item after another: ``evaluate_case``.

For each item the rows are built (one per record of its grain, or one for the applicant-year),
its checked expressions run (steps, then conditions, then review notes, then the payout), and the
shared rules follow in a fixed order: first reaching or upgrade difference, one-time, at most N
years, caps. Rules across items come last (one project one award, applicant-year exclusions),
then clause 1's split.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jinshu.facts.case import Case
from jinshu.money import ZERO, fmt, round_fen
from jinshu.rules.bind import Override, bind_case, record_row
from jinshu.rules.policyset import Aggregate, Expr, Item, PolicySet
from jinshu.rules.results import (
    ELIGIBLE,
    INELIGIBLE,
    INFORMATIONAL,
    NEEDS_REVIEW,
    CaseResult,
    Result,
    StepTrace,
)
from jinshu.rules.scope import display_name
from jinshu.rules.shared.caps import apply_caps
from jinshu.rules.shared.cross_item import apply_cross_item
from jinshu.rules.shared.first_reaching import apply_first_reaching
from jinshu.rules.shared.one_time import apply_at_most_years, apply_one_time
from jinshu.rules.shared.split import split_award
from jinshu.rules.shared.upgrade_difference import apply_upgrade


def show(value: Any) -> str:
    """A value as the explanation prints it."""
    if value is None:
        return "（缺）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return (
            format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
        )
    return str(value)


def _aggregate(agg: Aggregate, case: Case, base: dict[str, Any]) -> Any:
    values: list[Any] = []
    if agg.of == "history":
        for h in case.history:
            if agg.item is not None and h.item != agg.item:
                continue
            row = {
                "item": h.item,
                "h_year": h.year,
                "key": h.key,
                "level": h.level,
                "amount": h.amount,
                "year": case.year,
                **{k: v for k, v in base.items() if k not in ("item", "key", "level", "amount")},
            }
            if agg.where is None or agg.where.fn(row) is True:
                values.append(agg.expr.fn(row))
    else:
        for rec in case.records:
            if rec.kind != agg.of:
                continue
            row = {**base, **record_row(rec)}
            if agg.where is None or agg.where.fn(row) is True:
                values.append(agg.expr.fn(row))
    present = [v for v in values if v is not None]
    if agg.fn == "count":
        return len(values)
    if agg.fn == "sum":
        # A missing figure makes the total unknown (the result then names the fact).
        return None if len(present) < len(values) else sum(present, ZERO)
    if not present:
        return None
    return min(present) if agg.fn == "min" else max(present)


def _missing(expr: Expr, row: dict[str, Any], item: Item, year: int) -> list[str]:
    """The absent facts that made ``expr`` unknown, following steps back to their facts."""
    steps = {s.id: s for s in item.steps}
    aggregates = {a.name: a for a in item.aggregates}
    out: list[str] = []
    for name in expr.names:
        if row.get(name) is not None:
            continue
        if name in steps:
            out += [n for n in _missing(steps[name].expr, row, item, year) if n not in out]
        elif name in aggregates:
            out += [n for n in aggregates[name].expr.names if n not in out]
        elif display_name(name, year) not in out:
            out.append(display_name(name, year))
    return out


@dataclass
class RowValues:
    """What a backend computed for one row: everything :func:`decide` needs, and nothing more.

    Attributes:
        record, index: the record (None for applicant rows) and its position in the case.
        row: facts, parameters and step values; the shared rules read their keys and limits here.
        conditions: each condition's value (None: unknown because a fact is missing).
        condition_missing: for each unknown condition, the facts that made it unknown.
        reviews: whether each review note applies.
        payout: the payout's values by role (amount, min, max).
        payout_missing: for each payout value that is unknown, the facts that made it so.
    """

    record: str | None
    index: int
    row: MutableMapping[str, Any]
    conditions: list[bool | None]
    condition_missing: list[list[str]]
    reviews: list[bool]
    payout: dict[str, Any]
    payout_missing: dict[str, list[str]]


def payout_roles(item: Item) -> dict[str, str]:
    """The payout's value names by role: amount (fixed), min and max (ceiling, range)."""
    payout = item.spec.payout
    roles = {"amount": payout.amount, "min": payout.min, "max": payout.max}
    return {role: name for role, name in roles.items() if name is not None}


def python_values(
    item: Item, row: dict[str, Any], record: str | None, index: int, year: int
) -> RowValues:
    """The Python backend: run the item's compiled closures on one row."""
    for step in item.steps:
        row[step.id] = step.expr.fn(row)
    conditions: list[bool | None] = []
    condition_missing: list[list[str]] = []
    for cond in item.conditions:
        value = cond.expr.fn(row)
        conditions.append(value)
        condition_missing.append(_missing(cond.expr, row, item, year) if value is None else [])
    reviews = [r.expr.fn(row) is True for r in item.reviews]
    steps = {s.id: s for s in item.steps}
    payout: dict[str, Any] = {}
    payout_missing: dict[str, list[str]] = {}
    for role, name in payout_roles(item).items():
        value = row.get(name)
        payout[role] = value
        if value is None:
            source = steps.get(name)
            names = _missing(source.expr, row, item, year) if source is not None else []
            payout_missing[role] = names or [display_name(name, year)]
    return RowValues(
        record, index, row, conditions, condition_missing, reviews, payout, payout_missing
    )


def _add(target: list[str], names: list[str]) -> None:
    for name in names:
        if name not in target:
            target.append(name)


def decide(
    item: Item,
    values: RowValues,
    overrides: dict[str, Override],
    policy: PolicySet,
    *,
    trace: bool = True,
) -> Result:
    """One item on one row: status, amount or range, reasons and the explanation.

    Both backends end here, so the statuses of POLICIES.md are decided in one place.
    """
    row = values.row
    res = Result(item.id, item.clause, values.record, ELIGIBLE, index=values.index, row=row)
    if trace:
        for name in item.parameters:
            spec = policy.parameters[name].spec
            text = f"参数：{spec.description}（{spec.reference}）"
            res.steps.append(StepTrace(name, show(row.get(name)), text, "parameter"))
            if name in overrides:
                o = overrides[name]
                text = f"案例参数覆盖官方值 {show(o.official)} (case parameter overrides the official value)"
                res.steps.append(StepTrace(f"override:{name}", show(o.value), text, "override"))
    missing: list[str] = []
    checks = zip(item.conditions, values.conditions, values.condition_missing, strict=True)
    for cond, value, names in checks:
        if trace:
            res.steps.append(StepTrace(cond.id, show(value), cond.reason, "condition"))
        if value is False:
            res.reasons.append(cond.reason)
        elif value is None:
            _add(missing, names)
    if res.reasons:
        res.status = INELIGIBLE
        return res
    if trace:
        for step in item.steps:
            res.steps.append(StepTrace(step.id, show(row.get(step.id)), step.label, "step"))
    notes = [r.note for r, on in zip(item.reviews, values.reviews, strict=True) if on]
    kind = item.spec.payout.kind
    for role in ("amount", "max", "min"):
        if role in values.payout_missing:
            _add(missing, values.payout_missing[role])
    if kind == "fixed" and not missing:
        res.amount = round_fen(values.payout["amount"])
    elif kind in ("ceiling", "range") and not missing:
        hi = values.payout["max"]
        lo = values.payout.get("min", ZERO)
        res.status = NEEDS_REVIEW
        res.max, res.min = round_fen(hi), round_fen(min(lo, hi))
        res.reasons.append("政策规定上限或区间，具体金额由评审确定 (a reviewer fixes the amount)")
    elif kind == "review":
        res.status = NEEDS_REVIEW
        res.reasons.append("按专项资金管理办法或一事一议确定，无固定金额 (decided case by case)")
    if missing:
        res.status = NEEDS_REVIEW
        res.amount = res.min = res.max = None
        res.missing = missing
        res.reasons.append("缺少必要事实，需补充后评审 (facts missing)")
        return res
    if notes:
        res.reasons += notes
        if res.status == ELIGIBLE and kind == "fixed":
            res.status, res.min, res.max, res.amount = NEEDS_REVIEW, ZERO, res.amount, None
        elif res.status == ELIGIBLE:
            res.status = NEEDS_REVIEW
    if kind == "fixed" and res.status == ELIGIBLE and res.amount == ZERO:
        res.refuse(item.spec.payout.zero_reason or "计算金额为0 (the amount comes to 0.00)")
    return res


def _rows(
    item: Item, case: Case, base: dict[str, Any]
) -> list[tuple[str | None, int, dict[str, Any]]]:
    records = [rec for rec in case.records if rec.kind == item.grain]
    if item.grain != "applicant" and not records:
        return []
    item_base = dict(base)
    for agg in item.aggregates:
        item_base[agg.name] = _aggregate(agg, case, base)
    if item.grain == "applicant":
        if item.applies is not None and item.applies.fn(item_base) is not True:
            return []
        return [(None, -1, item_base)]
    rows: list[tuple[str | None, int, dict[str, Any]]] = []
    for rec in records:
        row = {**item_base, **record_row(rec)}
        if item.where is not None and item.where.fn(row) is not True:
            continue
        rows.append((rec.id, rec.index, row))
        if item.spec.combine == "first":
            break
    return rows


def evaluate_item(
    policy: PolicySet, item: Item, case: Case, base: dict[str, Any], overrides: dict[str, Override]
) -> list[Result]:
    """Every result of one item for one case, shared rules applied."""
    if item.grain == "info":
        return [info_result(item)]
    results = []
    tracks: dict[int, str] = {}
    for record, index, row in _rows(item, case, base):
        values = python_values(item, row, record, index, case.year)
        results.append(decide(item, values, overrides, policy))
        if item.track is not None:
            tracks[index] = str(item.track.fn(row))
    apply_item_rules(item, results, tracks, case, base)
    return results


def apply_item_rules(
    item: Item,
    results: list[Result],
    tracks: dict[int, str],
    case: Case,
    base: Mapping[str, Any],
) -> None:
    """The shared rules of one item, in their fixed order, over all its results for a case."""
    spec = item.spec
    if spec.payout.kind == "first_reaching":
        for res in results:
            apply_first_reaching(item.id, spec.payout, res, case)
    elif spec.payout.kind == "upgrade":
        apply_upgrade(item.id, spec.payout, results, tracks, case)
    if spec.one_time is not None:
        apply_one_time(item.id, spec.one_time, results, case, year_only=False)
    if spec.once_per_year is not None:
        apply_one_time(item.id, spec.once_per_year, results, case, year_only=True)
    if spec.at_most_years is not None:
        limit = base.get(spec.at_most_years.years)
        if limit is not None:
            apply_at_most_years(item.id, int(limit), results, case)
    if spec.caps:
        apply_caps(item.id, list(spec.caps), results, case)
    for res in results:
        if res.status == NEEDS_REVIEW and res.max is not None and res.max == ZERO:
            res.refuse("可支持金额为0 (the ceiling comes to 0.00)")


def info_result(item: Item) -> Result:
    """The listing of an informational (non-monetary) measure."""
    text = item.spec.text or item.title
    step = StepTrace(item.id, "", text, "step")
    return Result(item.id, item.clause, None, INFORMATIONAL, steps=[step])


def out_of_force(policy: PolicySet, case: Case) -> CaseResult:
    """The result of a case whose year no document version covers."""
    doc = policy.document
    until = f"至{doc.effective_to}" if doc.effective_to else "起"
    note = (
        f"{case.year}年不在任何政策版本的施行期内（{doc.number}自{doc.effective_from}{until}施行）"
        f" (no document version is in force in {case.year})"
    )
    return CaseResult(case.year, case.enterprise_id, None, [], note=note)


def finish_case(
    policy: PolicySet, case: Case, base: dict[str, Any], results: list[Result]
) -> CaseResult:
    """Rules across items, then clause 1's split: the last passes, shared by both backends."""
    for rule in policy.cross_item:
        switch = base.get(rule.switch) if rule.switch else "on"
        if switch != "off":
            apply_cross_item(rule, results, case)
    for res in results:
        spec = policy.items[res.item].spec.split
        if spec is not None and res.status == ELIGIBLE and res.amount is not None:
            row = res.row
            res.split = split_award(
                res.amount,
                row[spec.province],
                row[spec.city],
                row.get("city") or row.get("applicant_city"),
                row.get("county") or row.get("applicant_county"),
            )
            parts = (
                f"省 {res.split['province']} / 市 {res.split['city']} / 县 {res.split['county']}"
            )
            res.steps.append(StepTrace("split", "", parts, "rule"))
    doc = policy.document
    return CaseResult(case.year, case.enterprise_id, f"{doc.number} ({doc.version})", results)


def evaluate_case(policy: PolicySet, case: Case) -> CaseResult:
    """Evaluate every item of the policy set for one validated case."""
    if not policy.in_force(case.year):
        return out_of_force(policy, case)
    base, overrides = bind_case(policy, case)
    results: list[Result] = []
    for item in policy.items.values():
        results += evaluate_item(policy, item, case, base, overrides)
    return finish_case(policy, case, base, results)


def total_of(results: list[Result]) -> str | None:
    return fmt(sum((r.amount or ZERO for r in results if r.status == ELIGIBLE), ZERO))
