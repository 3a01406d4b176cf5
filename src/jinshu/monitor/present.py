"""Results as plain JSON-ready data (decimals as strings, scores to two decimals), for every interface."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jinshu.facts.divisions import divisions
from jinshu.monitor.framework import Framework
from jinshu.monitor.funds import FundRow
from jinshu.monitor.index import IndexResult
from jinshu.monitor.targets import Progress
from jinshu.monitor.uncertainty import Uncertainty

_CENT = Decimal("0.01")


def area_name(code: str) -> str:
    return next((d.name for d in divisions() if d.code == code), code)


def plain(value: Decimal) -> str:
    """A stored quantity without the database's trailing zeros (3100.000000 → 3100)."""
    text = format(value.normalize(), "f")
    return text


FACTOR_ZH = {"normalisation_aggregation": "标准化与加总方法", "imputation": "缺失值插补方法"}


def factor_name(code: str, pillars: dict[str, str]) -> str:
    if code.startswith("weight_"):
        return f"权重：{pillars.get(code.removeprefix('weight_'), code)}"
    return FACTOR_ZH.get(code, code)


def score(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def index_json(result: IndexResult) -> dict[str, Any]:
    m = result.method
    order = sorted(result.cities, key=lambda c: (result.rank[c] or len(result.cities) + 1, c))
    return {
        "year": result.year,
        "method": {
            "normalisation": m.normalisation,
            "aggregation": m.aggregation,
            "imputation": m.imputation,
            "pillar_weights": dict(m.pillar_weights),
            "indicator_weights": dict(m.indicator_weights),
        },
        "pillars": result.pillars,
        "dropped_indicators": result.dropped,
        "cities": [
            {
                "code": c,
                "name": area_name(c),
                "rank": result.rank[c],
                "index": score(result.index[c]),  # None when the year has no data
                "pillars": {p: score(v) for p, v in result.pillar_scores[c].items()},
                "indicators": {
                    i.code: {
                        "value": result.values[c][i.code],
                        "score": score(result.scores[c].get(i.code)),
                        "imputed": (c, i.code) in result.imputed,
                    }
                    for i in result.indicators
                },
            }
            for c in order
        ],
        "province": None
        if result.province is None
        else {k: score(v) for k, v in result.province.items()},
    }


def uncertainty_json(u: Uncertainty) -> dict[str, Any]:
    return {
        "year": u.year,
        "samples": u.samples,
        "seed": u.seed,
        "cities": [
            {
                "code": c.city,
                "name": area_name(c.city),
                "rank": c.rank,
                "median_rank": c.median,
                "interval": [c.low, c.high],
                "best": c.best,
                "worst": c.worst,
            }
            for c in sorted(u.cities, key=lambda c: (c.rank, c.city))
        ],
        "sensitivity": {
            f: {
                "first_order": round(u.first_order[f], 4),
                "total_order": round(u.total_order[f], 4),
            }
            for f in u.factors
        },
    }


def progress_json(p: Progress) -> dict[str, Any]:
    t = p.target
    return {
        "code": t.code,
        "name": t.name,
        "item": t.item,
        "scope": t.scope,
        "year": t.year,
        "value": str(t.value),
        "unit": t.unit,
        "comparison": t.comparison,
        "base_year": t.base_year,
        "section": t.section,
        "sentence": t.sentence,
        "status": p.status,
        "status_zh": p.status_zh,
        "latest_year": p.latest_year,
        "points": [
            {
                "year": y,
                "actual": None if a is None else plain(a),
                "path": None if path is None else str(path.quantize(_CENT)),
            }
            for y, a, path in p.points
        ],
    }


def funds_json(rows: dict[str, list[FundRow]]) -> dict[str, Any]:
    return {
        table: [
            {
                "key": r.key,
                "committed": str(r.committed.quantize(_CENT)),
                "paid": str(r.paid.quantize(_CENT)),
                "awards": r.awards,
            }
            for r in data
        ]
        for table, data in rows.items()
    }


def framework_json(fw: Framework) -> dict[str, Any]:
    return fw.model_dump(mode="json")
