"""Paying awards: caps and budgets enforced inside the paying transaction.

Within one transaction the payment locks the enterprise (caps are per enterprise) and then the
budget lines it charges, in a fixed order (PostgreSQL row locks; on SQLite every write
transaction is serialised). It then re-runs the calculator with the ledger's history: an amount
beyond what the policy still allows (a per-record, per-group or per-year cap, a one-time award
already paid) or beyond a budget's remainder is refused with the reason. Clause 1 payments are
split into province, city and county parts, each charged to its own level's budget. A repeated
request with the same idempotency key pays once and returns the same entries.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jinshu.errors import LedgerError, NotFound, WorkflowError, problem
from jinshu.rules.policyset import PolicySet
from jinshu.rules.results import ELIGIBLE, NEEDS_REVIEW
from jinshu.store.models import Application, Award, Budget, Enterprise, LedgerEntry, User
from jinshu.workflow import audit
from jinshu.workflow.applications import evaluate
from jinshu.workflow.states import ADMIN, FINANCE, next_state


def budget_left(session: Session, budget: Budget) -> Decimal:
    spent = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.budget_id == budget.id
        )
    )
    return budget.amount - Decimal(spent or 0)


def payment_parts(
    award: Award, split: dict[str, object] | None
) -> list[tuple[str, str, str, Decimal]]:
    """(part, level, region, amount) of a payment."""
    if not split:
        return [("whole", "province", "", award.amount)]
    return [
        ("province", "province", "", Decimal(str(split["province"]))),
        ("city", "city", str(split["city_name"] or ""), Decimal(str(split["city"]))),
        ("county", "county", str(split["county_name"] or ""), Decimal(str(split["county"]))),
    ]


def pay_award(
    session: Session,
    policy: PolicySet,
    *,
    user: User,
    app_id: int,
    idempotency_key: str,
    budget_year: int | None = None,
) -> list[LedgerEntry]:
    """Pay an approved award in full, or refuse with the reason; idempotent by key."""
    if user.role not in (FINANCE, ADMIN):
        raise WorkflowError(problem("role", "只有财政部门可以拨付", "only finance pays"))
    if not idempotency_key.strip():
        raise WorkflowError(
            problem("idempotency_key", "须给出幂等键", "an idempotency key is required")
        )
    first = session.get(Application, app_id)
    if first is None:
        raise NotFound(problem("id", f"申请 {app_id} 不存在", f"application {app_id} not found"))
    # Lock the enterprise first, then re-read everything: a concurrent payment has finished.
    session.execute(
        select(Enterprise).where(Enterprise.id == first.enterprise_id).with_for_update()
    )
    app = session.scalars(
        select(Application)
        .where(Application.id == app_id)
        .execution_options(populate_existing=True)
    ).one()
    award = session.scalars(
        select(Award)
        .where(Award.application_id == app_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    done = list(
        session.scalars(select(LedgerEntry).where(LedgerEntry.idempotency_key == idempotency_key))
    )
    if done:
        if award is not None and all(e.award_id == award.id for e in done):
            return done
        raise WorkflowError(
            problem(
                "idempotency_key",
                "该幂等键已用于另一笔拨付",
                "the key was used for another payment",
                idempotency_key,
            )
        )
    if award is None:
        raise WorkflowError(
            problem("state", "尚未认定，不能拨付", "not recognised, nothing to pay", app.state)
        )
    before = app.state
    target = next_state(app.state, "pay", user.role)
    res = evaluate(session, policy, app, exclude_award=award.id)
    allowed = (
        res.amount if res.status == ELIGIBLE else res.max if res.status == NEEDS_REVIEW else None
    )
    if allowed is None or award.amount > allowed:
        cut = [f"{c.label}（上限 {c.limit} 元，已用 {c.used} 元）" for c in res.caps]
        why = "；".join(cut or res.reasons or [res.status])
        room = "0.00" if allowed is None else str(allowed)
        raise LedgerError(
            problem(
                "amount",
                f"拨付 {award.amount} 元将超过政策上限，现可拨付 {room} 元：{why}",
                "the payment would exceed a cap",
                str(award.amount),
            )
        )
    year = budget_year or dt.date.today().year
    parts = payment_parts(award, res.split)
    budgets: list[tuple[str, Budget, Decimal]] = []
    for part, level, region, amount in parts:
        budget = session.scalars(
            select(Budget)
            .where(
                Budget.fund == award.fund,
                Budget.year == year,
                Budget.level == level,
                Budget.region == region,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if budget is None:
            where = f"{level}{('/' + region) if region else ''}"
            raise LedgerError(
                problem(
                    "budget",
                    f"没有 {year} 年「{award.fund}」{where} 的预算",
                    "no budget line for this payment",
                    where,
                )
            )
        budgets.append((part, budget, amount))
    for _part, budget, amount in sorted(budgets, key=lambda b: b[1].id):
        left = budget_left(session, budget)
        if amount > left:
            raise LedgerError(
                problem(
                    "budget",
                    f"预算「{budget.fund}」{budget.year}年{budget.level}{budget.region}余额 {left} 元，不足拨付 {amount} 元",
                    "the payment would exceed the budget",
                    str(amount),
                )
            )
    entries = []
    for part, budget, amount in budgets:
        entry = LedgerEntry(
            idempotency_key=idempotency_key,
            part=part,
            award_id=award.id,
            enterprise_id=award.enterprise_id,
            item=award.item,
            year=award.year,
            key=award.key,
            level=award.level,
            amount=amount,
            budget_id=budget.id,
            paid_by=user.username,
        )
        session.add(entry)
        entries.append(entry)
    award.state = "paid"
    app.state = target
    session.flush()
    audit.record(
        session,
        actor=user.username,
        action="pay",
        object_type="application",
        object_id=str(app.id),
        before={"state": before},
        after={
            "state": app.state,
            "amount": award.amount,
            "parts": {p: a for p, _, a in budgets},
            "key": idempotency_key,
        },
    )
    return entries
