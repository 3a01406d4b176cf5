from pathlib import Path
from typing import Any

import pytest
import yaml

from jinshu.rules.check import RuleCheckError, check_rule

FIXTURES: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "check.yaml").read_text("utf-8")
)
SCOPE = set(FIXTURES["scope"])


@pytest.mark.parametrize("sql", FIXTURES["accept"])
def test_check_accepts(sql: str) -> None:
    assert check_rule(sql, SCOPE) is not None


@pytest.mark.parametrize("case", FIXTURES["refuse"], ids=lambda c: c["sql"])
def test_check_refuses(case: dict[str, str]) -> None:
    with pytest.raises(RuleCheckError, match=case["error"]):
        check_rule(case["sql"], SCOPE)
