"""Shared fixtures: the bundled policy set, loaded once."""

from __future__ import annotations

import pytest

from jinshu.rules.load import default_policy_set
from jinshu.rules.policyset import PolicySet


@pytest.fixture(scope="session")
def policy() -> PolicySet:
    return default_policy_set()
