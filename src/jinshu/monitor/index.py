"""The composite digital-economy development index, after the OECD/JRC handbook.

Steps (docs/monitoring.md gives the formulas): indicator values from data items (raw, per 10,000
residents, or % of GDP); imputation of missing city values (flagged); normalisation (min-max on the
framework's fixed goalposts, or z-scores); weighting (the framework's weights unless edited);
arithmetic or geometric aggregation into pillar scores and the index; ranking of the cities.

Scores are statistics, not money: they are floats, reported to two decimals.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from jinshu.errors import CaseError, ErrorEntry
from jinshu.facts.divisions import divisions
from jinshu.monitor.framework import GDP, POPULATION, PROVINCE, Framework, Indicator

Normalisation = Literal["minmax", "zscore"]
Aggregation = Literal["arithmetic", "geometric"]
Imputation = Literal["mean", "carry_forward"]
Values = Mapping[tuple[str, str, int], Decimal]  # (area code, data item, year) -> value
Matrix = NDArray[np.float64]


class MethodError(CaseError):
    """The chosen method cannot be applied to the data (e.g. geometric means of z-scores)."""


@dataclass(frozen=True)
class Method:
    normalisation: Normalisation = "minmax"
    aggregation: Aggregation = "arithmetic"
    imputation: Imputation = "mean"
    pillar_weights: Mapping[str, float] = field(default_factory=dict)  # overrides the framework
    indicator_weights: Mapping[str, float] = field(default_factory=dict)


@dataclass
class IndexResult:
    year: int
    method: Method
    cities: list[str]
    indicators: list[Indicator]
    pillars: list[str]
    values: dict[
        str, dict[str, float | None]
    ]  # after imputation; None only for a dropped indicator
    imputed: set[tuple[str, str]]
    dropped: list[str]  # indicators no city reported this year
    scores: dict[str, dict[str, float]]
    pillar_scores: dict[str, dict[str, float]]
    index: dict[str, float | None]  # None: no indicator has a value that year
    rank: dict[str, int | None]
    province: dict[str, float] | None  # pillar scores and "index" of the province, min-max only


def city_codes() -> list[str]:
    return [d.code for d in divisions() if d.level == "city"]


def indicator_value(ind: Indicator, values: Values, area: str, year: int) -> float | None:
    """One indicator's value for one area and year, or None when a needed data item is missing."""
    raw = values.get((area, ind.item, year))
    if raw is None:
        return None
    if ind.normalisation == "raw":
        return float(raw)
    base = values.get((area, POPULATION if ind.normalisation == "per_capita" else GDP, year))
    if base is None or base == 0:
        return None
    ratio = raw / base
    return float(ratio * 100 if ind.normalisation == "per_gdp" else ratio)


def raw_matrix(
    framework: Framework, values: Values, year: int, areas: list[str]
) -> tuple[list[Indicator], Matrix]:
    """Areas × city-level indicators; NaN where a value is missing."""
    inds = framework.city_indicators()
    mat = np.full((len(areas), len(inds)), np.nan)
    for r, area in enumerate(areas):
        for c, ind in enumerate(inds):
            v = indicator_value(ind, values, area, year)
            if v is not None:
                mat[r, c] = v
    return inds, mat


def impute(mat: Matrix, how: Imputation, earlier: list[Matrix]) -> tuple[Matrix, NDArray[np.bool_]]:
    """Fill missing cells: the other cities' mean, or the city's latest earlier value.

    ``earlier`` holds the same matrix for earlier years, newest first (carry_forward falls back to
    the mean when a city never reported). A column nobody reported stays NaN (the indicator drops).
    """
    missing = np.isnan(mat)
    out = mat.copy()
    if how == "carry_forward":
        for prev in earlier:
            fill = np.isnan(out) & ~np.isnan(prev)
            out[fill] = prev[fill]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column nobody reported: stays NaN
        col_mean = np.nanmean(mat, axis=0) if mat.size else mat
    rows, cols = np.where(np.isnan(out))
    out[rows, cols] = np.take(col_mean, cols)
    return out, missing & ~np.isnan(out)


def normalise(mat: Matrix, inds: list[Indicator], how: Normalisation) -> Matrix:
    lower = np.array([i.direction == "lower" for i in inds])
    if how == "minmax":
        low = np.array([float(i.goalposts[0]) for i in inds])
        high = np.array([float(i.goalposts[1]) for i in inds])
        s = 100 * (mat - low) / (high - low)
        s = np.where(lower, 100 - s, s)
        clipped: Matrix = np.clip(s, 0, 100)
        return clipped
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a dropped indicator: all NaN
        mean = np.nanmean(mat, axis=0)
        sd = np.nanstd(mat, axis=0)  # population sd (divide by n)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(sd > 0, (mat - mean) / np.where(sd > 0, sd, 1), 0.0)
    z = np.where(np.isnan(mat), np.nan, z)
    return np.where(lower, -z, z)


def aggregate(
    scores: Matrix,
    inds: list[Indicator],
    pillars: list[str],
    ind_w: NDArray[np.float64],
    pillar_w: NDArray[np.float64],
    how: Aggregation,
) -> tuple[Matrix, NDArray[np.float64]]:
    """Pillar scores (areas × pillars) and the index (areas) from indicator scores.

    NaN scores (dropped indicators) take no weight; a pillar with no indicator left drops too.
    """
    member = np.array([[i.pillar == p for i in inds] for p in pillars], dtype=float)  # P × I
    present = ~np.isnan(scores)
    w = member[None, :, :] * ind_w[None, None, :] * present[:, None, :]  # A × P × I
    wsum = w.sum(axis=2)
    s = np.nan_to_num(scores)
    with np.errstate(invalid="ignore", divide="ignore"):
        if how == "arithmetic":
            pil = (w * s[:, None, :]).sum(axis=2) / wsum
        else:
            logs = np.log(1 + 0.99 * s)
            pil = np.exp((w * logs[:, None, :]).sum(axis=2) / wsum)
    pil = np.where(wsum > 0, pil, np.nan)
    pw = np.where(np.isnan(pil), 0.0, pillar_w[None, :])
    p = np.nan_to_num(pil)
    with np.errstate(invalid="ignore", divide="ignore"):
        if how == "arithmetic":
            idx = (pw * p).sum(axis=1) / pw.sum(axis=1)
        else:
            idx = np.exp((pw * np.log(np.where(pw > 0, p, 1))).sum(axis=1) / pw.sum(axis=1))
    return pil, idx


def ranks(index: NDArray[np.float64]) -> NDArray[np.int64]:
    """1 = highest; ties share the better rank (1 + how many are strictly greater)."""
    greater: NDArray[np.int64] = (index[None, :] > index[:, None]).sum(axis=1)
    return 1 + greater


def weights(
    framework: Framework, method: Method, inds: list[Indicator]
) -> tuple[list[str], Matrix, Matrix]:
    pillars = [p.code for p in framework.pillars]
    pillar_w = np.array(
        [float(method.pillar_weights.get(p.code, p.weight)) for p in framework.pillars]
    )
    ind_w = np.array([float(method.indicator_weights.get(i.code, i.weight)) for i in inds])
    bad = [
        ErrorEntry(f"weights.{code}", "权重必须为非负数", "weights must not be negative", str(w))
        for code, w in [*method.pillar_weights.items(), *method.indicator_weights.items()]
        if not w >= 0
    ]
    if bad:
        raise MethodError(bad)
    return pillars, pillar_w, ind_w


def compute_index(
    framework: Framework,
    values: Values,
    year: int,
    method: Method | None = None,
    cities: list[str] | None = None,
) -> IndexResult:
    """Scores, pillars, index and ranks of the cities (all 11 unless given) for one year."""
    method = method or Method()
    if method.normalisation == "zscore" and method.aggregation == "geometric":
        raise MethodError(
            [
                ErrorEntry(
                    "aggregation",
                    "几何加总需要正值，不能与 z-score 标准化同时使用",
                    "geometric aggregation needs positive scores; use min-max with it",
                    "geometric",
                )
            ]
        )
    cities = cities or city_codes()
    inds, raw = raw_matrix(framework, values, year, cities)
    earlier = [raw_matrix(framework, values, y, cities)[1] for y in range(year - 1, year - 6, -1)]
    mat, imputed = impute(raw, method.imputation, earlier)
    dropped_cols = np.all(np.isnan(mat), axis=0)
    scores = normalise(mat, inds, method.normalisation)
    pillars, pillar_w, ind_w = weights(framework, method, inds)
    pil, idx = aggregate(scores, inds, pillars, ind_w, pillar_w, method.aggregation)
    rk = ranks(idx)

    province: dict[str, float] | None = None
    if method.normalisation == "minmax":
        _, prov = raw_matrix(framework, values, year, [PROVINCE])
        # A raw total (revenue, counts) of the province is 11 cities' worth: compare the mean
        # city with the cities' goalposts, as ratios (per capita, % of GDP, PUE) already are.
        totals = np.array(
            [i.normalisation == "raw" and framework.item(i.item).additive for i in inds]
        )
        prov = np.where(totals[None, :], prov / len(city_codes()), prov)
        prov = np.where(dropped_cols[None, :], np.nan, prov)
        p_scores = normalise(prov, inds, "minmax")
        p_pil, p_idx = aggregate(p_scores, inds, pillars, ind_w, pillar_w, method.aggregation)
        if not np.isnan(p_idx[0]):
            province = {p: float(p_pil[0, j]) for j, p in enumerate(pillars)} | {
                "index": float(p_idx[0])
            }

    def _f(x: float) -> float | None:
        return None if np.isnan(x) else float(x)

    return IndexResult(
        year=year,
        method=method,
        cities=cities,
        indicators=inds,
        pillars=pillars,
        values={
            c: {i.code: _f(mat[r, k]) for k, i in enumerate(inds)} for r, c in enumerate(cities)
        },
        imputed={(cities[r], inds[k].code) for r, k in zip(*np.where(imputed), strict=True)},
        dropped=[i.code for k, i in enumerate(inds) if dropped_cols[k]],
        scores={
            c: {
                i.code: float(scores[r, k])
                for k, i in enumerate(inds)
                if not np.isnan(scores[r, k])
            }
            for r, c in enumerate(cities)
        },
        pillar_scores={
            c: {p: float(pil[r, j]) for j, p in enumerate(pillars) if not np.isnan(pil[r, j])}
            for r, c in enumerate(cities)
        },
        index={c: _f(idx[r]) for r, c in enumerate(cities)},
        rank={c: None if np.isnan(idx[r]) else int(rk[r]) for r, c in enumerate(cities)},
        province=province,
    )
