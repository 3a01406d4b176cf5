"""The indicator framework and the targets, as data (``indicators/``), checked when they load.

Pillars (总量, 网, 智, 数, 器, 芯) hold indicators; an indicator is computed from one data item (the
raw series imported per city and year), raw or divided by population or GDP. Targets quote the
sentence of the policy text they come from.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from jinshu.errors import ErrorEntry, JinshuError

DEFAULT_DIR = Path(__file__).resolve().parents[3] / "indicators"
PROVINCE = "140000"
POPULATION = "population"
GDP = "gdp"


class FrameworkError(JinshuError):
    """The indicator framework or the targets file is malformed."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pillar(_Model):
    code: str
    name: str
    name_en: str
    weight: Decimal = Field(default=Decimal(1), gt=0)


class DataItem(_Model):
    code: str
    name: str
    name_en: str
    unit: str
    source: str
    level: Literal["city", "province"]
    additive: bool
    min: Decimal | None = None
    max: Decimal | None = None


class Indicator(_Model):
    code: str
    name: str
    name_en: str
    pillar: str
    item: str
    normalisation: Literal["raw", "per_capita", "per_gdp"]
    unit: str
    direction: Literal["higher", "lower"]
    goalposts: tuple[Decimal, Decimal]
    weight: Decimal = Field(default=Decimal(1), gt=0)
    text: str | None = None

    @model_validator(mode="after")
    def _goalposts_ordered(self) -> Indicator:
        low, high = self.goalposts
        if not low < high:
            raise ValueError(
                f"goalposts must be [low, high] with low < high, got {list(self.goalposts)}"
            )
        return self


class Framework(_Model):
    version: str
    title: str
    pillars: tuple[Pillar, ...]
    data_items: tuple[DataItem, ...]
    indicators: tuple[Indicator, ...]

    @model_validator(mode="after")
    def _references(self) -> Framework:
        problems: list[str] = []
        for kind, codes in (
            ("pillar", [p.code for p in self.pillars]),
            ("data item", [d.code for d in self.data_items]),
            ("indicator", [i.code for i in self.indicators]),
        ):
            dupes = sorted({c for c in codes if codes.count(c) > 1})
            if dupes:
                problems.append(f"duplicate {kind} codes: {', '.join(dupes)}")
        pillars = {p.code for p in self.pillars}
        items = {d.code: d for d in self.data_items}
        for ind in self.indicators:
            if ind.pillar not in pillars:
                problems.append(f"indicator {ind.code}: unknown pillar {ind.pillar!r}")
            if ind.item not in items:
                problems.append(f"indicator {ind.code}: unknown data item {ind.item!r}")
            need = {"per_capita": POPULATION, "per_gdp": GDP}.get(ind.normalisation)
            if need and need not in items:
                problems.append(
                    f"indicator {ind.code}: {ind.normalisation} needs data item {need!r}"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def item(self, code: str) -> DataItem:
        return next(d for d in self.data_items if d.code == code)

    def indicator(self, code: str) -> Indicator:
        return next(i for i in self.indicators if i.code == code)

    def level(self, indicator: Indicator) -> str:
        return self.item(indicator.item).level

    def city_indicators(self) -> list[Indicator]:
        """The indicators that exist per city: the ones the city index ranks on."""
        return [i for i in self.indicators if self.level(i) == "city"]


class Target(_Model):
    code: str
    name: str
    item: str
    scope: str = PROVINCE
    year: int
    value: Decimal
    unit: str
    comparison: Literal["gt", "ge"]
    base_year: int
    section: str
    sentence: str

    @model_validator(mode="after")
    def _years(self) -> Target:
        if self.base_year >= self.year:
            raise ValueError(
                f"base_year {self.base_year} must be before the target year {self.year}"
            )
        return self


class Targets(_Model):
    targets: tuple[Target, ...]


def _read(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FrameworkError([ErrorEntry(str(path), "文件不存在", "file not found")]) from None
    except yaml.YAMLError as exc:
        raise FrameworkError(
            [ErrorEntry(str(path), "YAML 格式错误", f"invalid YAML: {exc}")]
        ) from None


def _entries(path: Path, exc: ValidationError) -> list[ErrorEntry]:
    return [
        ErrorEntry(
            f"{path.name}:{'.'.join(str(p) for p in err['loc'])}",
            "指标体系文件有误",
            err["msg"],
            repr(err.get("input"))[:80] if err["type"] != "missing" else None,
        )
        for err in exc.errors()
    ]


def load_framework(path: Path | None = None) -> Framework:
    path = path or DEFAULT_DIR / "framework.yaml"
    try:
        return Framework.model_validate(_read(path))
    except ValidationError as exc:
        raise FrameworkError(_entries(path, exc)) from None


def load_targets(framework: Framework, path: Path | None = None) -> tuple[Target, ...]:
    path = path or DEFAULT_DIR / "targets.yaml"
    try:
        targets = Targets.model_validate(_read(path)).targets
    except ValidationError as exc:
        raise FrameworkError(_entries(path, exc)) from None
    items = {d.code: d for d in framework.data_items}
    problems = [
        ErrorEntry(
            f"{path.name}:{t.code}", "目标引用了未知的数据项", f"unknown data item {t.item!r}"
        )
        for t in targets
        if t.item not in items
    ] + [
        ErrorEntry(
            f"{path.name}:{t.code}",
            "目标单位与数据项不一致",
            f"unit {t.unit!r} differs from the data item's {items[t.item].unit!r}",
        )
        for t in targets
        if t.item in items and t.unit != items[t.item].unit
    ]
    if problems:
        raise FrameworkError(problems)
    return targets


@cache
def default_framework() -> Framework:
    return load_framework()


@cache
def default_targets() -> tuple[Target, ...]:
    return load_targets(default_framework())
