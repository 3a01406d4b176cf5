"""Monitoring: indicator values, the development index and its uncertainty, targets, weights, reports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Query, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from jinshu.api.deps import PolicyDep, SessionDep, require_roles
from jinshu.api.errors import import_errors
from jinshu.monitor.framework import default_framework, default_targets
from jinshu.monitor.index import Aggregation, Imputation, Normalisation
from jinshu.monitor.present import (
    framework_json,
    index_json,
    plain,
    progress_json,
    uncertainty_json,
)
from jinshu.monitor.service import index_for, method, saved_weights, set_weights, years
from jinshu.monitor.targets import progress
from jinshu.monitor.uncertainty import analyse
from jinshu.monitor.values import current_values, import_values
from jinshu.store.models import User

router = APIRouter(prefix="/monitor", tags=["monitoring"])
Staff = Annotated[
    User,
    Depends(require_roles("analyst", "finance", "city_reviewer", "department_reviewer")),
]
Analyst = Annotated[User, Depends(require_roles("analyst"))]
Year = Annotated[int, Query(ge=2000, le=2100)]
MAX_FILE = 20 * 1024 * 1024


class WeightsIn(BaseModel):
    """New weights by pillar or indicator code (0 to 100, at most 4 decimals, as strings)."""

    model_config = ConfigDict(extra="forbid")
    weights: dict[str, str] = Field(min_length=1, max_length=200)


@router.get("/framework")
def framework(user: Staff) -> Any:
    """The indicator framework: pillars, data items (unit, source, level) and indicators."""
    return framework_json(default_framework())


@router.get("/years")
def available_years(session: SessionDep, user: Staff) -> list[int]:
    return years(session)


@router.get("/values")
def values(
    session: SessionDep,
    user: Staff,
    year: Year,
    area: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
) -> list[dict[str, Any]]:
    """Current values (latest revision) of every data item for a year."""
    return [
        {"area": a, "item": i, "year": y, "value": plain(v)}
        for (a, i, y), v in sorted(current_values(session).items())
        if y == year and (area is None or a == area)
    ]


@router.post("/values/imports")
async def import_file(
    session: SessionDep,
    user: Analyst,
    file: Annotated[UploadFile, File()],
    dry_run: Annotated[bool, Query()] = False,
) -> Any:
    """Import values from CSV or XLSX. All or nothing: every bad row is reported with its row and
    column (unknown city or item, impossible value, unit mismatch, duplicates) and nothing is written."""
    data = await file.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise HTTPException(413, "文件不能超过 20 MB")
    name = (file.filename or "").lower()
    if not name.endswith((".csv", ".xlsx")):
        raise HTTPException(422, "只接受 .csv 或 .xlsx 文件")
    report = import_values(
        session, data, name, default_framework(), actor=user.username, dry_run=dry_run
    )
    body: dict[str, Any] = {
        "applied": report.applied,
        "dry_run": report.dry_run,
        "rows": report.rows,
        "added": report.added,
        "revised": report.revised,
        "unchanged": report.unchanged,
        "warnings": report.warnings,
    }
    if report.errors:
        body["error"] = import_errors(report.errors)
        return JSONResponse(body, status_code=422)
    return body


@router.get("/index/{year}")
def index(
    session: SessionDep,
    user: Staff,
    year: int,
    normalisation: Normalisation = "minmax",
    aggregation: Aggregation = "arithmetic",
    imputation: Imputation = "mean",
) -> Any:
    """Index and pillar scores of the 11 cities, their ranks, and the province's own scores."""
    chosen = method(session, normalisation, aggregation, imputation)
    return index_json(index_for(session, default_framework(), year, chosen))


@router.get("/index/{year}/uncertainty")
def uncertainty(
    session: SessionDep,
    user: Staff,
    year: int,
    base: Annotated[int, Query(description="Sobol base sample size (a power of two)")] = 256,
    seed: Annotated[int, Query(ge=0, le=2**31 - 1)] = 20190827,
) -> Any:
    """Each city's rank interval when the index's choices vary, and which choice matters most."""
    if base not in (64, 128, 256, 512, 1024):
        raise HTTPException(422, "base 应为 64、128、256、512 或 1024")
    result = analyse(
        default_framework(), current_values(session), year, method(session), base=base, seed=seed
    )
    return uncertainty_json(result)


@router.get("/weights")
def get_weights(session: SessionDep, user: Staff) -> Any:
    fw = default_framework()
    pillars, indicators = saved_weights(session)
    return {
        "pillars": {p.code: str(pillars.get(p.code, p.weight)) for p in fw.pillars},
        "indicators": {i.code: str(indicators.get(i.code, i.weight)) for i in fw.indicators},
    }


@router.put("/weights")
def put_weights(session: SessionDep, user: Analyst, body: WeightsIn) -> Any:
    """Edit weights; every change is written to the audit log."""
    set_weights(session, default_framework(), user.username, body.weights)
    return get_weights(session, user)


@router.get("/targets")
def targets(session: SessionDep, user: Staff) -> list[dict[str, Any]]:
    """The document's targets with actual values, the straight path and whether each is on track."""
    values_now = current_values(session)
    return [progress_json(progress(t, values_now)) for t in default_targets()]


@router.get("/reports/{year}.html", response_class=HTMLResponse)
def report_html(session: SessionDep, policy: PolicyDep, user: Staff, year: int) -> HTMLResponse:
    from jinshu.monitor.report import build_report, render_html

    return HTMLResponse(render_html(build_report(session, policy, year)))


@router.get("/reports/{year}.pdf")
def report_pdf(session: SessionDep, policy: PolicyDep, user: Staff, year: int) -> Response:
    from jinshu.monitor.report import build_report, render_pdf

    pdf = render_pdf(build_report(session, policy, year))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="jinshu-report-{year}.pdf"'},
    )
