"""The demo data set of ``make run``: a synthetic registry, one account per role, budgets, and
applications in every state of the money path.

Passwords are drawn at random when the demo is created, printed once and kept in
``var/demo-accounts.txt`` (never committed).
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jinshu.api.security import hash_password
from jinshu.calculator import calculate
from jinshu.config import ROOT
from jinshu.facts import divisions
from jinshu.facts.synthetic import generate_registry
from jinshu.rules.policyset import PolicySet
from jinshu.store.db import transaction
from jinshu.store.models import Award, Budget, Enterprise, EnterpriseRecord, EnterpriseYear, User
from jinshu.supervise.demo import create_supervision_demo
from jinshu.workflow.applications import act, create_application
from jinshu.workflow.cases import json_safe
from jinshu.workflow.disbursement import pay_award
from jinshu.workflow.notice import close_notice, lodge_objection

YEAR = 2020
ACCOUNTS = ROOT / "var" / "demo-accounts.txt"
# The path an application takes to reach each state of the demo.
PATHS: dict[str, list[str]] = {
    "draft": [],
    "submitted": ["submit"],
    "info_requested": ["submit", "request_info"],
    "city_approved": ["submit", "city_approve"],
    "in_notice": ["submit", "city_approve", "recognize"],
    "objected": ["submit", "city_approve", "recognize", "object"],
    "approved": ["submit", "city_approve", "recognize", "close_notice"],
    "paid": ["submit", "city_approve", "recognize", "close_notice", "pay"],
    "rejected": ["submit", "reject"],
    "withdrawn": ["withdraw"],
}


def save_to_registry(session: Session, raw: dict[str, Any]) -> Enterprise:
    """Store a (validated) raw case's enterprise, years and records in the registry."""
    raw = json_safe(raw)
    ent = dict(raw["enterprise"])
    enterprise = Enterprise(
        id=ent.pop("id"),
        name=ent.get("name") or "",
        credit_code=ent.get("credit_code"),
        city=ent.get("city"),
        county=ent.get("county"),
        facts={k: v for k, v in ent.items() if k != "name"},
    )
    session.add(enterprise)
    for year, figures in raw.get("years", {}).items():
        session.add(EnterpriseYear(enterprise_id=enterprise.id, year=int(year), figures=figures))
    for rec in raw.get("records", []):
        facts = {k: v for k, v in rec.items() if k not in ("id", "kind")}
        session.add(
            EnterpriseRecord(
                enterprise_id=enterprise.id, record_id=rec["id"], kind=rec["kind"], facts=facts
            )
        )
    return enterprise


def _candidates(
    policy: PolicySet, raws: list[dict[str, Any]]
) -> list[tuple[str, str, str | None, str]]:
    """(enterprise, item, record, city) of results worth applying for, eligible ones first."""
    found = []
    for raw in raws:
        result = calculate({**raw, "history": []}, policy)
        for r in result.results:
            if r.status == "eligible" and policy.items[r.item].spec.department == "省工信厅":
                found.append(
                    (raw["enterprise"]["id"], r.item, r.record, raw["enterprise"].get("city"))
                )
    return found


def create_demo(
    factory: sessionmaker[Session], policy: PolicySet, size: int = 300
) -> dict[str, str]:
    """Fill an empty database with the demo; returns the accounts {username: password}."""
    with transaction(factory) as s:
        if s.scalar(select(func.count()).select_from(Enterprise)):
            return {}
    raws = list(generate_registry(size, seed=42, year=YEAR))
    candidates = _candidates(policy, raws)
    taiyuan = [c for c in candidates if c[3] == "太原市"]
    # The demo enterprise is the one with the most awards to find, so it keeps some to discover.
    counts: dict[str, int] = {}
    for c in taiyuan:
        counts[c[0]] = counts.get(c[0], 0) + 1
    main_enterprise = max(counts, key=lambda e: (counts[e], e))
    passwords = {
        name: secrets.token_urlsafe(9)
        for name in (
            "admin-demo",
            "ent-demo",
            "city-demo",
            "dept-demo",
            "sci-demo",
            "fin-demo",
            "analyst-demo",
        )
    }
    with transaction(factory) as s:
        for raw in raws:
            save_to_registry(s, raw)
        s.flush()
        roles = {
            "admin-demo": ("admin", {}),
            "ent-demo": ("enterprise", {"enterprise_id": main_enterprise}),
            "city-demo": ("city_reviewer", {"city": "太原市"}),
            "dept-demo": ("department_reviewer", {"department": "省工信厅"}),
            "sci-demo": ("department_reviewer", {"department": "省科技厅"}),
            "fin-demo": ("finance", {}),
            "analyst-demo": ("analyst", {}),
        }
        for name, (role, scope) in roles.items():
            s.add(
                User(
                    username=name,
                    display_name=name,
                    role=role,
                    password_hash=hash_password(passwords[name]),
                    **scope,
                )
            )
        funds = {item.spec.fund for item in policy.items.values()}
        today = dt.date.today().year
        for year in range(YEAR, today + 1):
            for fund in funds:
                s.add(
                    Budget(
                        fund=fund,
                        year=year,
                        level="province",
                        region="",
                        amount=Decimal("50000000"),
                    )
                )
            for city in divisions.cities():
                s.add(
                    Budget(
                        fund="省、市、县三级财政资金",
                        year=year,
                        level="city",
                        region=city,
                        amount=Decimal("5000000"),
                    )
                )
            for county in sorted(divisions.all_counties() | {divisions.PILOT_ZONE}):
                s.add(
                    Budget(
                        fund="省、市、县三级财政资金",
                        year=year,
                        level="county",
                        region=county,
                        amount=Decimal("2000000"),
                    )
                )
    with transaction(factory) as s:
        actors = {u.username: u for u in s.scalars(select(User))}
        mine = [c for c in taiyuan if c[0] == main_enterprise]
        mine = mine[: max(1, len(mine) // 2)]  # the rest are left for proactive matching
        others = [c for c in taiyuan if c[0] != main_enterprise]
        used: set[tuple[str, str | None]] = set()
        picks = (mine + others)[: len(PATHS) * 2]
        for (ent_id, item, record, _), state in zip(picks, list(PATHS) * 2, strict=False):
            if (ent_id, record) in used:
                continue
            used.add((ent_id, record))
            owner = User(
                username=f"owner-{ent_id}",
                role="enterprise",
                enterprise_id=ent_id,
                password_hash="-",
            )
            applicant = actors["ent-demo"] if ent_id == main_enterprise else owner
            app = create_application(
                s,
                policy,
                user=applicant,
                enterprise_id=ent_id,
                item=item,
                year=YEAR,
                record_id=record,
            )
            for step in PATHS[state]:
                if step == "object":
                    award_row = s.scalars(select(Award).where(Award.application_id == app.id)).one()
                    lodge_objection(s, award_id=award_row.id, text="演示：对该奖励提出异议")
                elif step == "close_notice":
                    close_notice(
                        s, user=actors["dept-demo"], app_id=app.id, today=dt.date(2030, 1, 1)
                    )
                elif step == "pay":
                    pay_award(
                        s,
                        policy,
                        user=actors["fin-demo"],
                        app_id=app.id,
                        idempotency_key=f"demo-{app.id}",
                        budget_year=today,
                    )
                else:
                    who = {
                        "submit": applicant,
                        "withdraw": applicant,
                        "request_info": actors["city-demo"],
                        "city_approve": actors["city-demo"],
                        "reject": actors["city-demo"],
                        "recognize": actors["dept-demo"],
                    }[step]
                    act(
                        s,
                        policy,
                        user=who,
                        app_id=app.id,
                        action=step,
                        note="演示" if step in ("request_info", "reject", "recognize") else "",
                        today=dt.date.today(),
                    )
    with transaction(factory) as s:
        load_demo_indicators(s)
    passwords.update(create_supervision_demo(factory))
    ACCOUNTS.parent.mkdir(parents=True, exist_ok=True)
    ACCOUNTS.write_text("".join(f"{k}\t{v}\n" for k, v in passwords.items()), "utf-8")
    return passwords


def load_demo_indicators(session: Session) -> None:
    """The monitoring demo data set (indicators/demo-values.csv): real figures with their sources
    where published, labelled synthetic values elsewhere."""
    from jinshu.monitor.framework import DEFAULT_DIR, default_framework
    from jinshu.monitor.values import import_values

    path = DEFAULT_DIR / "demo-values.csv"
    report = import_values(session, path.read_bytes(), path.name, default_framework(), actor="demo")
    if report.errors:
        raise ValueError(f"{path}: {report.errors[0]}")


def demo_accounts() -> str:
    return ACCOUNTS.read_text("utf-8") if ACCOUNTS.exists() else ""
