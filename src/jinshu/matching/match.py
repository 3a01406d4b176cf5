"""Proactive matching (免申即享 / 政策直达): who qualifies for awards not applied for.

Every item is evaluated for every enterprise of the registry with the same compiled rules as the
calculator (set-based, :mod:`jinshu.matching.batch`), history taken from the ledger. Results that
are eligible or need review, for which the enterprise has no application yet, are stored as
matches with the facts they rest on and where those facts come from, so that each enterprise sees
its matches, each department its candidates, and an application can start from a match.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from jinshu.errors import CaseError
from jinshu.facts.case import Case
from jinshu.facts.validate import validate_case
from jinshu.matching.batch import evaluate_batch
from jinshu.rules.policyset import PolicySet
from jinshu.rules.reasons import describe_reason
from jinshu.rules.results import ELIGIBLE, NEEDS_REVIEW
from jinshu.store.models import Application, Enterprise, Match, MatchRun
from jinshu.workflow.cases import json_safe, ledger_histories, registry_case

Progress = Callable[[str, int, int], None]


def registry_cases(
    session: Session, policy: PolicySet, year: int, progress: Progress | None = None
) -> tuple[list[Case], dict[str, str]]:
    """Each registered enterprise's case for ``year`` with its ledger history, validated.

    Returns:
        The cases, and the enterprises whose registry facts are invalid, with the reason.
    """
    histories = ledger_histories(session)
    enterprises = list(
        session.scalars(
            select(Enterprise).options(
                selectinload(Enterprise.years), selectinload(Enterprise.records)
            )
        )
    )
    cases, invalid = [], {}
    for n, ent in enumerate(enterprises, start=1):
        raw = registry_case(ent, year)
        raw["history"] = histories.get(ent.id, [])
        try:
            cases.append(
                validate_case(
                    raw, known_items=policy.items, parameter_kinds=policy.parameter_kinds()
                )
            )
        except CaseError as exc:
            invalid[ent.id] = str(exc.entries[0])
        if progress is not None and (n % 200 == 0 or n == len(enterprises)):
            progress("registry", n, len(enterprises))
    return cases, invalid


def _facts(case: Case, record: str | None) -> dict[str, Any]:
    """What a match rests on, and where it comes from."""
    rec = next((r for r in case.records if r.id == record), None)
    facts: dict[str, Any] = json_safe(
        {
            "source": "企业名录（registry）；已拨付奖励取自台账（ledger）",
            "record": None if rec is None else {"id": rec.id, "kind": rec.kind, **rec.facts},
            "years": {str(y): figures for y, figures in case.years.items() if y >= case.year - 1},
        }
    )
    return facts


def run_matching(
    session: Session,
    policy: PolicySet,
    *,
    year: int,
    actor: str,
    progress: Progress | None = None,
    backend: str = "duckdb",
) -> MatchRun:
    """Match the whole registry for ``year``; replaces the year's earlier matches not applied for.

    ``backend`` is the registry backend of :func:`jinshu.matching.batch.evaluate_batch`:
    ``duckdb`` (set-based SQL) or ``vector`` (numpy columns; the same results, faster).
    """
    run = MatchRun(year=year, actor=actor)
    session.add(run)
    session.flush()
    cases, _invalid = registry_cases(session, policy, year, progress)
    if progress is not None:
        progress("evaluate", 0, 1)
    results = evaluate_batch(policy, cases, backend=backend) if cases else []
    if progress is not None:
        progress("evaluate", 1, 1)
    applied = {
        (a.enterprise_id, a.item, a.record_id)
        for a in session.scalars(select(Application).where(Application.year == year))
    }
    session.execute(delete(Match).where(Match.year == year, Match.application_id.is_(None)))
    count = 0
    for n, (case, outcome) in enumerate(zip(cases, results, strict=True), start=1):
        for r in outcome.results:
            if r.status not in (ELIGIBLE, NEEDS_REVIEW):
                continue
            if (case.enterprise_id, r.item, r.record) in applied:
                continue
            session.add(
                Match(
                    run_id=run.id,
                    enterprise_id=case.enterprise_id,
                    item=r.item,
                    department=policy.items[r.item].spec.department,
                    year=year,
                    record_id=r.record,
                    status=r.status,
                    amount=r.amount,
                    min_amount=r.min,
                    max_amount=r.max,
                    missing=list(r.missing),
                    reasons=[describe_reason(policy, r.item, code) for code in r.reasons],
                    facts=_facts(case, r.record),
                )
            )
            count += 1
        if progress is not None and (n % 500 == 0 or n == len(cases)):
            progress("store", n, len(cases))
    run.enterprises = len(cases)
    run.matches = count
    run.finished_at = dt.datetime.now(dt.UTC)
    session.flush()
    return run
