"""The policy calculator's front door: validate a raw case and evaluate it (``calculate``)."""

from __future__ import annotations

from typing import Any

from jinshu.facts.validate import validate_case
from jinshu.rules.evaluate import evaluate_case
from jinshu.rules.load import default_policy_set
from jinshu.rules.policyset import PolicySet
from jinshu.rules.results import CaseResult


def calculate(raw: Any, policy: PolicySet | None = None) -> CaseResult:
    """Validate ``raw`` (a case as parsed JSON) and evaluate it; CaseError if it is invalid."""
    policy = policy or default_policy_set()
    case = validate_case(
        raw, known_items=policy.items.keys(), parameter_kinds=policy.parameter_kinds()
    )
    return evaluate_case(policy, case)
