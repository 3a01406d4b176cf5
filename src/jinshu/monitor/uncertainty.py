"""Uncertainty and sensitivity of the city ranking (OECD/JRC handbook, step 7).

The choices made in building the index are varied together: normalisation and aggregation
(min-max arithmetic, min-max geometric, z-score arithmetic), imputation (mean, carry forward) and
each pillar's weight (×0.5 to ×1.5 of its set value). The samples are a Sobol sequence drawn by
SALib with a fixed seed, so a run is reproducible; each city's rank interval (5th–95th percentile)
comes from the same samples, and SALib's Sobol analysis says which choice moves the ranks most.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from jinshu.errors import problem
from jinshu.monitor.framework import Framework
from jinshu.monitor.index import (
    Imputation,
    Method,
    MethodError,
    Values,
    aggregate,
    city_codes,
    compute_index,
    impute,
    normalise,
    ranks,
    raw_matrix,
    weights,
)

COMBOS: tuple[tuple[str, str], ...] = (
    ("minmax", "arithmetic"),
    ("minmax", "geometric"),
    ("zscore", "arithmetic"),
)
IMPUTATIONS: tuple[Imputation, ...] = ("mean", "carry_forward")
WEIGHT_RANGE = (0.5, 1.5)


@dataclass
class CityInterval:
    city: str
    rank: int  # under the chosen method
    median: float
    low: int  # 5th percentile
    high: int  # 95th percentile
    best: int
    worst: int


@dataclass
class Uncertainty:
    year: int
    samples: int
    seed: int
    cities: list[CityInterval]
    factors: list[str]
    first_order: dict[str, float]  # mean over cities of S1 of the rank
    total_order: dict[str, float]  # mean over cities of ST of the rank


def analyse(
    framework: Framework,
    values: Values,
    year: int,
    method: Method | None = None,
    *,
    base: int = 256,
    seed: int = 20190827,
    cities: list[str] | None = None,
) -> Uncertainty:
    """Rank intervals and Sobol indices; ``base`` (a power of two) × (factors + 2) evaluations."""
    method = method or Method()
    cities = cities or city_codes()
    chosen = compute_index(framework, values, year, method, cities)
    if any(r is None for r in chosen.rank.values()):
        raise MethodError(
            problem(
                "year",
                f"{year} 年没有足够的指标数据，无法分析排名",
                "no indicator data for that year",
                str(year),
            )
        )
    pillars_fw = framework.pillars
    factors = ["normalisation_aggregation", "imputation"] + [f"weight_{p.code}" for p in pillars_fw]
    space = {
        "num_vars": len(factors),
        "names": factors,
        "bounds": [[0, len(COMBOS)], [0, len(IMPUTATIONS)]]
        + [list(WEIGHT_RANGE)] * len(pillars_fw),
    }
    samples = sobol_sample.sample(space, base, calc_second_order=False, seed=seed)

    inds, raw = raw_matrix(framework, values, year, cities)
    earlier = [raw_matrix(framework, values, y, cities)[1] for y in range(year - 1, year - 6, -1)]
    pillars, pillar_w, ind_w = weights(framework, method, inds)
    scored = {}
    for imp in IMPUTATIONS:
        mat, _ = impute(raw, imp, earlier)
        for norm, _agg in COMBOS:
            scored[(imp, norm)] = normalise(mat, inds, norm)  # type: ignore[arg-type]

    out = np.empty((len(samples), len(cities)))
    for n, row in enumerate(samples):
        norm, agg = COMBOS[min(int(row[0]), len(COMBOS) - 1)]
        imp = IMPUTATIONS[min(int(row[1]), len(IMPUTATIONS) - 1)]
        _, idx = aggregate(scored[(imp, norm)], inds, pillars, ind_w, pillar_w * row[2:], agg)  # type: ignore[arg-type]
        out[n] = ranks(idx)

    s1 = np.zeros(len(factors))
    st = np.zeros(len(factors))
    for c in range(len(cities)):
        if np.ptp(out[:, c]) == 0:
            continue  # a rank that never moves has no variance to apportion
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # ranks are steps: some runs tie
            res = sobol_analyze.analyze(space, out[:, c], calc_second_order=False, seed=seed)
        s1 += np.nan_to_num(res["S1"])
        st += np.nan_to_num(res["ST"])
    s1 /= len(cities)
    st /= len(cities)

    intervals = [
        CityInterval(
            city=c,
            rank=chosen.rank[c] or 0,  # checked above: every city has a rank
            median=float(np.median(out[:, k])),
            low=int(np.floor(np.percentile(out[:, k], 5))),
            high=int(np.ceil(np.percentile(out[:, k], 95))),
            best=int(out[:, k].min()),
            worst=int(out[:, k].max()),
        )
        for k, c in enumerate(cities)
    ]
    return Uncertainty(
        year=year,
        samples=len(samples),
        seed=seed,
        cities=intervals,
        factors=factors,
        first_order={f: float(v) for f, v in zip(factors, s1, strict=True)},
        total_order={f: float(v) for f, v in zip(factors, st, strict=True)},
    )
