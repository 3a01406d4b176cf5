from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import select

from jinshu.api.deps import Id, PolicyDep, SessionDep, require_roles
from jinshu.api.schemas import BudgetIn, BudgetPublic, LedgerEntryPublic, PaymentIn
from jinshu.errors import WorkflowError, problem
from jinshu.store.models import Budget, LedgerEntry, User
from jinshu.workflow import audit
from jinshu.workflow.disbursement import budget_left, pay_award

router = APIRouter(tags=["payments"])
Finance = Annotated[User, Depends(require_roles("finance", "analyst"))]
Payer = Annotated[User, Depends(require_roles("finance"))]


@router.post("/applications/{app_id}/payments", status_code=201)
def create_payment(
    session: SessionDep, policy: PolicyDep, user: Payer, app_id: Id, body: PaymentIn
) -> list[LedgerEntryPublic]:
    """Pay an approved award (idempotent by key); refused beyond a cap or a budget."""
    entries = pay_award(
        session,
        policy,
        user=user,
        app_id=app_id,
        idempotency_key=body.idempotency_key,
        budget_year=body.budget_year,
    )
    return [LedgerEntryPublic.model_validate(e) for e in entries]


@router.get("/ledger")
def read_ledger(session: SessionDep, user: Finance) -> list[LedgerEntryPublic]:
    """Every payment, in order."""
    return [
        LedgerEntryPublic.model_validate(e)
        for e in session.scalars(select(LedgerEntry).order_by(LedgerEntry.id))
    ]


@router.get("/budgets")
def read_budgets(session: SessionDep, user: Finance) -> list[BudgetPublic]:
    """Budgets per fund, year and level, with what is left."""
    return [
        BudgetPublic(
            id=b.id,
            fund=b.fund,
            year=b.year,
            level=b.level,
            region=b.region,
            amount=b.amount,
            left=budget_left(session, b),
        )
        for b in session.scalars(select(Budget).order_by(Budget.year, Budget.fund, Budget.id))
    ]


@router.post("/budgets", status_code=201)
def create_budget(session: SessionDep, user: Payer, body: BudgetIn) -> BudgetPublic:
    """Open a budget line (finance)."""
    exists = session.scalars(
        select(Budget).where(
            Budget.fund == body.fund,
            Budget.year == body.year,
            Budget.level == body.level,
            Budget.region == body.region,
        )
    ).first()
    if exists is not None:
        raise WorkflowError(
            problem("fund", "该预算科目已存在", "this budget line exists already", body.fund)
        )
    budget = Budget(**body.model_dump())
    session.add(budget)
    session.flush()
    audit.record(
        session,
        actor=user.username,
        action="create_budget",
        object_type="budget",
        object_id=str(budget.id),
        after=body.model_dump(mode="json"),
    )
    return BudgetPublic(
        id=budget.id,
        fund=budget.fund,
        year=budget.year,
        level=budget.level,
        region=budget.region,
        amount=budget.amount,
        left=budget.amount,
    )
