from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends

from jinshu.api.deps import PolicyDep, RateLimiter
from jinshu.calculator import calculate
from jinshu.config import settings
from jinshu.facts.examples import load_example

router = APIRouter(tags=["calculator"])
limiter = RateLimiter(settings.calculator_rate_per_minute)


@router.post("/calculate", dependencies=[Depends(limiter)])
def calculate_case(
    policy: PolicyDep,
    case: dict[str, Any] = Body(..., examples=[load_example("bigdata-firm")]),  # noqa: B008
) -> dict[str, Any]:
    """The policy calculator: a case in the format of POLICIES.md in, every item's result out.

    Public (no login) and rate-limited per client. The output is exactly `jinshu calc --json`.
    """
    return calculate(case, policy).as_dict()
