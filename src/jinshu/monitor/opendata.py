"""The open-data view: aggregates only, never a field on the negative list (负面清单).

The negative list and the smallest group that may be published are configuration
(``indicators/open-data.yaml``, or the file named by ``JINSHU_OPEN_DATA_CONFIG``). Every
open-data response passes through :func:`scrub`, which drops listed fields at any depth, and fund
figures of a clause or city with fewer awards than the minimum are withheld so that no single
enterprise's award can be read off an aggregate.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from jinshu.monitor.framework import DEFAULT_DIR


class OpenDataConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    negative_list: frozenset[str] = Field(default_factory=frozenset)
    min_awards: int = Field(default=3, ge=1)


@cache
def open_data_config(path: str | None = None) -> OpenDataConfig:
    chosen = Path(
        path or os.environ.get("JINSHU_OPEN_DATA_CONFIG") or DEFAULT_DIR / "open-data.yaml"
    )
    if not chosen.exists():
        return OpenDataConfig()
    return OpenDataConfig.model_validate(yaml.safe_load(chosen.read_text(encoding="utf-8")) or {})


def scrub(data: Any, negative: frozenset[str]) -> Any:
    """The data without any key on the negative list, at any depth."""
    if isinstance(data, dict):
        return {k: scrub(v, negative) for k, v in data.items() if k not in negative}
    if isinstance(data, list | tuple):
        return [scrub(v, negative) for v in data]
    return data
