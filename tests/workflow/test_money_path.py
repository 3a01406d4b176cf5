"""The money path end to end: draft to paid, caps and budgets at payment, idempotency, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from jinshu.errors import LedgerError, NotFound, WorkflowError
from jinshu.rules.load import default_policy_set
from jinshu.store.db import transaction
from jinshu.store.models import Application, Award, Budget, LedgerEntry
from jinshu.workflow.applications import act, create_application, get_application, update_facts
from jinshu.workflow.audit import verify_chain
from jinshu.workflow.disbursement import budget_left, pay_award
from jinshu.workflow.notice import close_notice, lodge_objection, public_notices, resolve_objection
from tests.workflow.helpers import approved_application, seed, user

POLICY = default_policy_set()


def test_draft_to_paid_and_history_from_the_ledger(factory: sessionmaker[Session]) -> None:
    seed(factory, {"c1": ("A", "4000000"), "c2": ("A", "70000000")}, budget="3000000")
    first = approved_application(factory, "c1")
    with transaction(factory) as s:
        entries = pay_award(
            s, POLICY, user=user(s, "fin"), app_id=first, idempotency_key="k1", budget_year=2021
        )
        assert [e.amount for e in entries] == [Decimal("120000.00")]  # 3% of 4,000,000
        assert get_application(s, user=user(s, "ent"), app_id=first).state == "paid"
    with transaction(factory) as s:
        # The project's 2,000,000 cap counts the 120,000 already paid from the ledger.
        second = create_application(
            s,
            POLICY,
            user=user(s, "ent"),
            enterprise_id="E1",
            item="p15_bid",
            year=2020,
            record_id="c2",
        )
        assert second.amount == Decimal("1880000.00")
        assert second.result is not None and second.result["caps"][0]["id"] == "bid_project_max"
    with transaction(factory) as s:
        budget = s.scalars(select(Budget)).one()
        assert budget_left(s, budget) == Decimal("2880000.00")
        assert verify_chain(s) == []


def test_idempotent_payment_pays_once(factory: sessionmaker[Session]) -> None:
    seed(factory, {"c1": ("A", "4000000")}, budget="3000000")
    app_id = approved_application(factory, "c1")
    for _ in range(2):
        with transaction(factory) as s:
            pay_award(
                s,
                POLICY,
                user=user(s, "fin"),
                app_id=app_id,
                idempotency_key="same",
                budget_year=2021,
            )
    with transaction(factory) as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == 1


def test_cap_and_budget_are_checked_when_paying(factory: sessionmaker[Session]) -> None:
    # Two awards recognised before either is paid: 3% of 60,000,000 = 1,800,000 each, project cap 2,000,000.
    seed(
        factory,
        {"c1": ("A", "60000000"), "c2": ("A", "60000000"), "c3": ("B", "11000000")},
        budget="2100000",
    )
    a, b, c = (approved_application(factory, r) for r in ("c1", "c2", "c3"))
    with transaction(factory) as s:
        pay_award(s, POLICY, user=user(s, "fin"), app_id=a, idempotency_key="a", budget_year=2021)
    with pytest.raises(LedgerError) as cap, transaction(factory) as s:
        pay_award(s, POLICY, user=user(s, "fin"), app_id=b, idempotency_key="b", budget_year=2021)
    assert "同一项目累计奖励上限" in str(cap.value) and "200000.00" in str(cap.value)
    with pytest.raises(LedgerError) as budget, transaction(factory) as s:
        pay_award(s, POLICY, user=user(s, "fin"), app_id=c, idempotency_key="c", budget_year=2021)
    assert "余额 300000.00" in str(budget.value)
    with transaction(factory) as s:
        assert s.scalar(select(func.sum(LedgerEntry.amount))) == Decimal("1800000.00")
        assert {x.state for x in s.scalars(select(Application))} == {"paid", "approved"}


def test_state_machine_and_scopes(factory: sessionmaker[Session]) -> None:
    seed(factory, {"c1": ("A", "4000000")}, budget="1000000")
    with transaction(factory) as s:
        app = create_application(
            s,
            POLICY,
            user=user(s, "ent"),
            enterprise_id="E1",
            item="p15_bid",
            year=2020,
            record_id="c1",
        )
        app_id = app.id
    with pytest.raises(WorkflowError, match="草稿"), transaction(factory) as s:
        act(s, POLICY, user=user(s, "city"), app_id=app_id, action="city_approve")
    with pytest.raises(NotFound), transaction(factory) as s:
        get_application(s, user=user(s, "city2"), app_id=app_id)  # another city's reviewer
    with pytest.raises(NotFound), transaction(factory) as s:
        get_application(s, user=user(s, "other"), app_id=app_id)  # another enterprise
    with pytest.raises(WorkflowError, match="理由"), transaction(factory) as s:
        act(s, POLICY, user=user(s, "ent"), app_id=app_id, action="submit")
        act(s, POLICY, user=user(s, "city"), app_id=app_id, action="request_info")
    with transaction(factory) as s:  # the failed request rolled the submit back too
        assert get_application(s, user=user(s, "ent"), app_id=app_id).state == "draft"


def test_request_info_correction_and_objection(factory: sessionmaker[Session]) -> None:
    seed(factory, {"c1": ("A", "4000000")}, budget="1000000")
    with transaction(factory) as s:
        app = create_application(
            s,
            POLICY,
            user=user(s, "ent"),
            enterprise_id="E1",
            item="p15_bid",
            year=2020,
            record_id="c1",
        )
        app_id = app.id
        act(s, POLICY, user=user(s, "ent"), app_id=app_id, action="submit")
        act(
            s,
            POLICY,
            user=user(s, "city"),
            app_id=app_id,
            action="request_info",
            note="请补充合同完成证明",
        )
        case = dict(app.case)
        case["records"] = [{**case["records"][0], "completed_amount": "3000000"}]
        update_facts(s, POLICY, user=user(s, "ent"), app_id=app_id, case=case)
        act(s, POLICY, user=user(s, "ent"), app_id=app_id, action="resubmit")
        # The city reviewer corrects a fact; the amount is recomputed and both versions are kept.
        case["records"] = [{**case["records"][0], "completed_amount": "2500000"}]
        corrected = update_facts(
            s, POLICY, user=user(s, "city"), app_id=app_id, case=case, reason="以发票金额为准"
        )
        assert corrected.amount == Decimal("75000.00") and len(corrected.versions) == 3
        act(s, POLICY, user=user(s, "city"), app_id=app_id, action="city_approve")
        act(
            s,
            POLICY,
            user=user(s, "dept"),
            app_id=app_id,
            action="recognize",
            today=dt.date(2021, 3, 1),
        )
        award = s.scalars(select(Award)).one()
        assert award.notice_end == dt.date(2021, 3, 8)  # 5 working days
        notices = public_notices(s)
        assert set(notices[0]) == {
            "award_id",
            "enterprise",
            "item",
            "amount",
            "notice_start",
            "notice_end",
        }
        objection = lodge_objection(s, award_id=award.id, text="该合同为省内项目")
        assert get_application(s, user=user(s, "ent"), app_id=app_id).state == "objected"
        with pytest.raises(WorkflowError):
            close_notice(s, user=user(s, "dept"), app_id=app_id, today=dt.date(2030, 1, 1))
        resolve_objection(
            s,
            user=user(s, "dept"),
            objection_id=objection.id,
            upheld=False,
            note="经核实为省外项目",
        )
        close_notice(s, user=user(s, "dept"), app_id=app_id, today=dt.date(2021, 3, 9))
        assert get_application(s, user=user(s, "ent"), app_id=app_id).state == "approved"


def test_audit_chain_detects_tampering(factory: sessionmaker[Session], db_url: str) -> None:
    seed(factory, {"c1": ("A", "4000000")}, budget="1000000")
    approved_application(factory, "c1")
    with transaction(factory) as s:
        assert verify_chain(s) == []
    with factory() as s, s.begin():
        if db_url.startswith("postgresql"):
            s.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        s.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"))
        s.execute(text("DELETE FROM audit_log WHERE seq = 4"))
    with transaction(factory) as s:
        problems = verify_chain(s)
    assert any("第2条内容已被改动" in p for p in problems)
    assert any("第4条记录缺失" in p for p in problems)


def test_ledger_is_append_only(factory: sessionmaker[Session]) -> None:
    seed(factory, {"c1": ("A", "4000000")}, budget="1000000")
    app_id = approved_application(factory, "c1")
    with transaction(factory) as s:
        pay_award(
            s, POLICY, user=user(s, "fin"), app_id=app_id, idempotency_key="k", budget_year=2021
        )
    with pytest.raises(PermissionError), transaction(factory) as s:
        entry = s.scalars(select(LedgerEntry)).one()
        entry.amount = Decimal("1")
        s.flush()


def test_discretionary_amount_within_range_with_reason(factory: sessionmaker[Session]) -> None:
    """p20_consortium gives only a ceiling (0 to 5,000,000): the reviewer fixes the amount."""
    from jinshu.store.models import Enterprise, EnterpriseRecord

    seed(factory, {}, budget="10000000")
    with transaction(factory) as s:
        ent = s.get(Enterprise, "E1")
        assert ent is not None
        ent.facts = {**ent.facts, "kinds": ["big_data", "consortium"]}
        s.add(
            EnterpriseRecord(
                enterprise_id="E1",
                record_id="u1",
                kind="consortium_award",
                facts={"selected": True},
            )
        )
    with transaction(factory) as s:
        app = create_application(
            s,
            POLICY,
            user=user(s, "ent"),
            enterprise_id="E1",
            item="p20_consortium",
            year=2020,
            record_id="u1",
        )
        assert (app.status, app.min_amount, app.max_amount) == (
            "needs_review",
            Decimal("0.00"),
            Decimal("5000000.00"),
        )
        app_id = app.id
        act(s, POLICY, user=user(s, "ent"), app_id=app_id, action="submit")
        act(s, POLICY, user=user(s, "city"), app_id=app_id, action="city_approve")
    for decided, note, message in (
        (None, "", "须在"),
        (Decimal("6000000"), "成效显著", "之间"),
        (Decimal("1000000.005"), "成效显著", "之间"),
        (Decimal("1000000"), "", "理由"),
    ):
        with pytest.raises(WorkflowError, match=message), transaction(factory) as s:
            act(
                s,
                POLICY,
                user=user(s, "dept"),
                app_id=app_id,
                action="recognize",
                decided_amount=decided,
                note=note,
            )
    with transaction(factory) as s:
        app = act(
            s, POLICY, user=user(s, "dept"), app_id=app_id, action="recognize",
            decided_amount=Decimal("1200000"), note="联合体服务企业数量居全省前列", today=dt.date(2021, 3, 1),
        )  # fmt: skip
        assert app.decided_amount == Decimal("1200000")
        assert s.scalars(select(Award)).one().amount == Decimal("1200000.00")


def test_withdraw_and_no_action_after(factory: sessionmaker[Session]) -> None:
    seed(factory, {"c1": ("A", "4000000")}, budget="1000000")
    with transaction(factory) as s:
        app = create_application(
            s,
            POLICY,
            user=user(s, "ent"),
            enterprise_id="E1",
            item="p15_bid",
            year=2020,
            record_id="c1",
        )
        act(s, POLICY, user=user(s, "ent"), app_id=app.id, action="submit")
        act(s, POLICY, user=user(s, "ent"), app_id=app.id, action="withdraw")
        with pytest.raises(WorkflowError, match="已撤回"):
            act(s, POLICY, user=user(s, "city"), app_id=app.id, action="city_approve")


def test_an_ineligible_application_cannot_be_submitted(factory: sessionmaker[Session]) -> None:
    seed(factory, {"c1": ("A", "4000000")}, budget="1000000")
    with transaction(factory) as s:
        case = {
            "enterprise": {"id": "E1", "kinds": ["industrial"], "city": "太原市"},
            "records": [
                {"id": "c1", "kind": "contract", "project_key": "A", "completed_amount": "1"}
            ],
        }
        app = create_application(
            s,
            POLICY,
            user=user(s, "ent"),
            enterprise_id="E1",
            item="p15_bid",
            year=2020,
            record_id="c1",
            case=case,
        )
        assert app.status == "ineligible"
        with pytest.raises(WorkflowError, match="不符合"):
            act(s, POLICY, user=user(s, "ent"), app_id=app.id, action="submit")
