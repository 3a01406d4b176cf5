"""The open-data API (数据开放): public aggregates of the monitoring and of fund use.

No login; rate-limited. Every response passes the negative list (负面清单), and fund figures of
small groups are withheld (see jinshu.monitor.opendata).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from jinshu.api.deps import PolicyDep, RateLimiter, SessionDep
from jinshu.config import settings
from jinshu.monitor.framework import default_framework, default_targets
from jinshu.monitor.funds import fund_use
from jinshu.monitor.index import Method, compute_index
from jinshu.monitor.opendata import open_data_config, scrub
from jinshu.monitor.present import area_name, funds_json, index_json, plain, progress_json
from jinshu.monitor.targets import progress
from jinshu.monitor.values import current_values, latest_values

router = APIRouter(
    prefix="/open",
    tags=["open data"],
    dependencies=[Depends(RateLimiter(settings.calculator_rate_per_minute))],
)
Year = Annotated[int, Query(ge=2000, le=2100)]


def _public(data: Any) -> Any:
    return scrub(data, open_data_config().negative_list)


@router.get("/indicators")
def indicators(session: SessionDep, year: Year) -> Any:
    """Every data item's current value per city and the province for a year, with its source."""
    items = {d.code: d for d in default_framework().data_items}
    rows = [
        {
            "area": v.area,
            "area_name": area_name(v.area),
            "item": v.item,
            "item_name": items[v.item].name if v.item in items else v.item,
            "year": v.year,
            "value": plain(v.value),
            "unit": v.unit,
            "source": v.source,
            "source_date": None if v.source_date is None else v.source_date.isoformat(),
            "synthetic": v.synthetic,
            "imputed": v.imputed,
            "revision": v.revision,
            "imported_by": v.imported_by,  # on the default negative list: never published
        }
        for (_, _, y), v in sorted(latest_values(session).items())
        if y == year
    ]
    return _public(rows)


@router.get("/index/{year}")
def index(session: SessionDep, year: int) -> Any:
    """The development index with the framework's published weights (edits are internal)."""
    result = compute_index(default_framework(), current_values(session), year, Method())
    return _public(index_json(result))


@router.get("/targets")
def targets(session: SessionDep) -> Any:
    now = current_values(session)
    return _public([progress_json(progress(t, now)) for t in default_targets()])


@router.get("/funds")
def funds(session: SessionDep, policy: PolicyDep, year: Year | None = None) -> Any:
    """Money committed and paid by clause and by city; groups with too few awards are withheld."""
    data = funds_json(fund_use(session, policy, year))
    floor = open_data_config().min_awards
    for table in data.values():
        for row in table:
            if row["awards"] < floor:
                row["committed"] = row["paid"] = None
                row["withheld"] = f"少于 {floor} 笔，不予公开"
    return _public(data)
