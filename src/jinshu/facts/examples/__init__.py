"""Example cases shipped with jinshu: the calculator's demo, the CLI's ``--example``, the API's."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from typing import Any


def example_names() -> list[str]:
    folder = resources.files("jinshu.facts.examples")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def load_example(name: str) -> Any:
    """The example case ``name`` as parsed JSON (numbers as Decimal)."""
    text = resources.files("jinshu.facts.examples").joinpath(f"{name}.json").read_text("utf-8")
    return json.loads(text, parse_float=Decimal)
