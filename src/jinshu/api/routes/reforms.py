from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from jinshu.api.deps import PolicyDep, SessionDep, require_roles
from jinshu.facts.validate import validate_case
from jinshu.matching.match import run_matching
from jinshu.matching.reform import (
    Reform,
    database_registry,
    registry_connection,
    run_reform,
    synthetic_cases,
)
from jinshu.store.models import User
from jinshu.workflow.cases import json_safe

router = APIRouter(tags=["analysis"])
Analyst = Annotated[User, Depends(require_roles("analyst"))]


class ReformIn(BaseModel):
    """A reform entered by hand: parameter changes, the year, and which registry to use."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    parameters: dict[str, Any]
    year: int = Field(default=2020, ge=2019, le=2100)
    registry: str = Field(default="synthetic", pattern="^(synthetic|database)$")
    synthetic_size: int = Field(default=5000, ge=1, le=20_000)  # bounded: one request


@router.post("/reforms/runs")
def run_reform_route(session: SessionDep, policy: PolicyDep, user: Analyst, body: ReformIn) -> Any:
    """Cost a reform against the current parameters over the registry (synthetic by default)."""
    reform = Reform(name=body.name, description=body.description, parameters=body.parameters)
    probe = {"year": body.year, "enterprise": {"id": "reform"}, "parameters": body.parameters}
    validate_case(probe, known_items=policy.items, parameter_kinds=policy.parameter_kinds())
    budgets: list[dict[str, Any]] = []
    if body.registry == "database":
        cases, budgets = database_registry(session, policy, body.year)
    else:
        cases = synthetic_cases(policy, body.synthetic_size, body.year)
    report = run_reform(registry_connection(cases), policy, reform, year=body.year, budgets=budgets)
    return json_safe(report)


@router.post("/matches/runs", status_code=201)
def create_match_run(
    session: SessionDep,
    policy: PolicyDep,
    user: Annotated[User, Depends(require_roles("analyst", "department_reviewer"))],
    year: Annotated[int, Query(ge=2019, le=2100)] = 2020,
) -> dict[str, int]:
    """Run proactive matching over the registry for a year (replaces unapplied matches)."""
    run = run_matching(session, policy, year=year, actor=user.username)
    return {"run": run.id, "year": year, "enterprises": run.enterprises, "matches": run.matches}
