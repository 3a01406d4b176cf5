"""The task registry as data: ``policies/shanxi-digital-economy/tasks/registry.yaml``.

The file is generated from the policy text by ``jinshu tasks parse`` and committed; a test parses
the text again and requires the same registry. The responsible units (责任单位) are the units the
registry names, in order of first appearance; they are the units plan items may name and the
departments unit users act for.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jinshu.errors import PolicyError, problem
from jinshu.rules.load import DEFAULT_DIR

REGISTRY = DEFAULT_DIR / "tasks" / "registry.yaml"
SOURCE = DEFAULT_DIR / "source" / "shanxi-digital-economy-opinions-and-policies.zh.txt"


class TaskSpec(BaseModel):
    """One task of the text with its responsible units.

    Attributes:
        id: ``section.area.order``: ``4.1.1`` is section 四, area （一）, first paragraph.
        section: 4 (重点任务) or 5 (保障措施).
        section_title: 重点任务 or 保障措施.
        area: the number of the area heading （一）… within the section.
        area_key: the area's one-character name in section 四 (网 智 数 器 芯); empty in 五.
        area_title: the heading's text (提升网络设施能力, 加强组织领导 …).
        order: the paragraph's place within its area, from 1.
        title: the paragraph's first sentence (section 五: the heading).
        text: the whole paragraph, word for word, with its （责任单位：…）.
        lead: the first unit named, which leads.
        co_units: the other units, in the order written.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[45]\.\d+\.\d+$")
    section: int = Field(ge=4, le=5)
    section_title: str
    area: int = Field(ge=1)
    area_key: str | None
    area_title: str
    order: int = Field(ge=1)
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    lead: str = Field(min_length=1)
    co_units: tuple[str, ...]

    @property
    def units(self) -> tuple[str, ...]:
        return (self.lead, *self.co_units)


class Registry(BaseModel):
    """The tasks of one policy text, and the SHA-256 of the text they were read from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    source_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    tasks: tuple[TaskSpec, ...]

    def task(self, task_id: str) -> TaskSpec | None:
        return next((t for t in self.tasks if t.id == task_id), None)

    @property
    def units(self) -> tuple[str, ...]:
        """Every unit named, in order of first appearance."""
        seen: dict[str, None] = {}
        for t in self.tasks:
            for unit in t.units:
                seen.setdefault(unit, None)
        return tuple(seen)


def build_registry(source: Path = SOURCE) -> Registry:
    """Parse the text at ``source`` into a registry."""
    from jinshu.supervise.parse import parse_tasks

    data = source.read_bytes()
    tasks = parse_tasks(data.decode("utf-8"), source.name)
    relative = source.relative_to(DEFAULT_DIR) if source.is_relative_to(DEFAULT_DIR) else source
    return Registry(
        source=relative.as_posix(),
        source_sha256=hashlib.sha256(data).hexdigest(),
        tasks=tuple(tasks),
    )


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if len(value) > 60 and not value.isascii() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_registry(registry: Registry) -> str:
    """The registry as the YAML text of ``registry.yaml``."""
    data: dict[str, Any] = registry.model_dump(mode="json")
    header = (
        "# The key tasks (section 四) and safeguards (section 五) of the opinion, with their\n"
        "# responsible units (责任单位; the first is the lead). Generated from the text by\n"
        "# `jinshu tasks parse --write`; edit the text's parser, not this file.\n"
    )
    body = yaml.dump(
        data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000,
        default_flow_style=None,
    )  # fmt: skip
    return header + body


def read_registry(path: Path) -> Registry:
    """The registry in the YAML file at ``path``; PolicyError naming the field if malformed."""
    try:
        raw = yaml.safe_load(path.read_text("utf-8"))
        return Registry.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(problem(str(path), "无法读取任务清单", str(exc))) from None
    except ValidationError as exc:
        entries = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            entries += problem(f"{path}: {where}", "任务清单字段无效", err["msg"])
        raise PolicyError(entries) from None


@cache
def default_registry() -> Registry:
    """The committed registry (read once)."""
    return read_registry(REGISTRY)


def unit_names() -> tuple[str, ...]:
    """The responsible units of the committed registry."""
    return default_registry().units
