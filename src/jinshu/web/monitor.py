"""Monitoring pages: the index and its ranking, targets, indicator import, weights, the yearly report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from jinshu.api.deps import PolicyDep, SessionDep
from jinshu.errors import JinshuError, problem
from jinshu.monitor.framework import default_framework, default_targets
from jinshu.monitor.index import MethodError
from jinshu.monitor.present import index_json, progress_json, uncertainty_json
from jinshu.monitor.service import index_for, method, saved_weights, set_weights, years
from jinshu.monitor.targets import progress
from jinshu.monitor.uncertainty import analyse
from jinshu.monitor.values import current_values, import_values
from jinshu.store.models import User
from jinshu.web.i18n import current_locale, message
from jinshu.web.i18n import gettext as _
from jinshu.web.labels import AGGREGATION_ZH as AGGREGATION
from jinshu.web.labels import IMPUTATION_ZH as IMPUTATION
from jinshu.web.labels import NORMALISATION_ZH as NORMALISATION
from jinshu.web.pages import render
from jinshu.web.security import check_csrf
from jinshu.web.work import web_user

router = APIRouter(include_in_schema=False)
VIEWERS = ("analyst", "finance", "city_reviewer", "department_reviewer", "admin")
EDITORS = ("analyst", "admin")


def _viewer(request: Request, session: SessionDep, roles: tuple[str, ...] = VIEWERS) -> User:
    user = web_user(request, session)
    if user.role not in roles:
        raise HTTPException(
            403,
            _("无权查看监测数据")
            if roles == VIEWERS
            else _("只有分析人员和管理员可以修改监测数据"),
        )
    return user


def _year(session: SessionDep, year: int | None) -> int:
    known = years(session)
    return year if year is not None else (max(known) if known else 2024)


@router.get("/monitor", response_class=HTMLResponse)
def monitor_home(
    request: Request,
    session: SessionDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    normalisation: str = "minmax",
    aggregation: str = "arithmetic",
    imputation: str = "mean",
) -> HTMLResponse:
    """The index of the 11 cities with pillar scores (chart beside the table) and the targets."""
    user = _viewer(request, session)
    year = _year(session, year)
    error = None
    if (
        normalisation not in NORMALISATION
        or aggregation not in AGGREGATION
        or imputation not in IMPUTATION
    ):
        raise HTTPException(422, _("未知的方法选项"))
    try:
        chosen = method(session, normalisation, aggregation, imputation)  # type: ignore[arg-type]
        result = index_json(index_for(session, default_framework(), year, chosen))
    except MethodError as exc:
        error = message(exc.entries[0])
        chosen = method(session)
        result = index_json(index_for(session, default_framework(), year, chosen))
    now = current_values(session)
    targets = [progress_json(progress(t, now)) for t in default_targets()]
    fw = default_framework()
    chart = {
        "year": year,
        "codes": [c["code"] for c in result["cities"]],
        "cities": [c["name"] for c in result["cities"]],
        "index": [c["index"] for c in result["cities"]],
        "pillars": [p.name for p in fw.pillars],
        "pillar_codes": [p.code for p in fw.pillars],
        "scores": [[c["pillars"].get(p.code) for p in fw.pillars] for c in result["cities"]],
        "targets": targets,
    }
    return render(
        request,
        "monitor/home.html",
        me=user,
        year=year,
        years=years(session),
        result=result,
        targets=targets,
        pillars={p.code: p.name for p in fw.pillars},
        chart=chart,
        error=error,
        options={
            name: {code: _(label) for code, label in table.items()}
            for name, table in (
                ("normalisation", NORMALISATION),
                ("aggregation", AGGREGATION),
                ("imputation", IMPUTATION),
            )
        },
        chosen={
            "normalisation": normalisation,
            "aggregation": aggregation,
            "imputation": imputation,
        },
        editor=user.role in EDITORS,
    )


@router.get("/monitor/uncertainty", response_class=HTMLResponse)
def monitor_uncertainty(
    request: Request, session: SessionDep, year: Annotated[int, Query(ge=2000, le=2100)]
) -> HTMLResponse:
    """Rank intervals (an htmx fragment: computed on request, it takes a moment)."""
    user = _viewer(request, session)
    result = uncertainty_json(
        analyse(default_framework(), current_values(session), year, method(session), base=128)
    )
    english = current_locale() == "en"
    pillars = {p.code: p.name_en if english else p.name for p in default_framework().pillars}
    factors = {
        "normalisation_aggregation": _("标准化与加总方法"),
        "imputation": _("缺失值插补方法"),
    } | {
        f"weight_{code}": _("权重：%(pillar)s") % {"pillar": name} for code, name in pillars.items()
    }
    return render(request, "monitor/uncertainty.html", me=user, u=result, factors=factors)


@router.get("/monitor/city/{code}", response_class=HTMLResponse)
def monitor_city(
    request: Request,
    session: SessionDep,
    code: str,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> HTMLResponse:
    """One city: every indicator's value, score and imputation flag, pillars beside the province."""
    user = _viewer(request, session)
    year = _year(session, year)
    result = index_json(index_for(session, default_framework(), year, method(session)))
    city = next((c for c in result["cities"] if c["code"] == code), None)
    if city is None:
        raise HTTPException(404, _("没有这个市"))
    fw = default_framework()
    return render(
        request,
        "monitor/city.html",
        me=user,
        year=year,
        city=city,
        province=result["province"],
        pillars=fw.pillars,
        indicators=fw.city_indicators(),
        radar={
            "names": [p.name for p in fw.pillars],
            "city": [city["pillars"].get(p.code) for p in fw.pillars],
            "province": [(result["province"] or {}).get(p.code) for p in fw.pillars],
        },
    )


@router.get("/monitor/import", response_class=HTMLResponse)
def monitor_import_page(request: Request, session: SessionDep) -> HTMLResponse:
    user = _viewer(request, session, EDITORS)
    return render(request, "monitor/import.html", me=user, report=None)


@router.post("/monitor/import", response_class=HTMLResponse)
async def monitor_import(
    request: Request,
    session: SessionDep,
    file: Annotated[UploadFile, File()],
    dry_run: Annotated[str, Form(max_length=8)] = "",
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Import indicator values; the validation report row by row, nothing written on any error."""
    check_csrf(request, csrf)
    user = _viewer(request, session, EDITORS)
    data = await file.read(20 * 1024 * 1024 + 1)
    name = (file.filename or "").lower()
    try:
        if not name.endswith((".csv", ".xlsx")):
            raise JinshuError(problem("file", "只接受 .csv 或 .xlsx 文件", "only .csv or .xlsx"))
        with session.begin_nested():
            report = import_values(
                session, data, name, default_framework(), actor=user.username, dry_run=bool(dry_run)
            )
    except JinshuError as exc:
        return render(
            request,
            "monitor/import.html",
            status_code=422,
            me=user,
            report=None,
            error=f"{exc.entries[0].location}: {message(exc.entries[0])}",
        )
    return render(
        request,
        "monitor/import.html",
        status_code=422 if report.errors else 200,
        me=user,
        report=report,
    )


def _weights_context(session: SessionDep) -> dict[str, Any]:
    fw = default_framework()
    pillars, indicators = saved_weights(session)
    return {
        "pillars": [(p, pillars.get(p.code, float(p.weight))) for p in fw.pillars],
        "indicators": [(i, indicators.get(i.code, float(i.weight))) for i in fw.indicators],
        "pillar_names": {p.code: p.name for p in fw.pillars},
    }


@router.get("/monitor/weights", response_class=HTMLResponse)
def weights_page(request: Request, session: SessionDep) -> HTMLResponse:
    user = _viewer(request, session, EDITORS)
    return render(request, "monitor/weights.html", me=user, errors={}, **_weights_context(session))


@router.post("/monitor/weights", response_class=HTMLResponse)
async def weights_save(request: Request, session: SessionDep) -> HTMLResponse:
    """Save edited weights (fields named ``w_<code>``); errors are shown next to their field."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    user = _viewer(request, session, EDITORS)
    current = _weights_context(session)
    shown = {p.code: w for p, w in current["pillars"]} | {
        i.code: w for i, w in current["indicators"]
    }
    changes = {
        key[2:]: str(value).strip()
        for key, value in form.items()
        if key.startswith("w_") and str(value).strip() != _fmt(shown.get(key[2:]))
    }
    try:
        with session.begin_nested():
            set_weights(session, default_framework(), user.username, changes)
    except MethodError as exc:
        errors = {e.location.removeprefix("weights."): message(e) for e in exc.entries}
        return render(
            request,
            "monitor/weights.html",
            status_code=422,
            me=user,
            errors=errors,
            submitted=changes,
            **current,
        )
    return render(
        request,
        "monitor/weights.html",
        me=user,
        errors={},
        saved=len(changes),
        **_weights_context(session),
    )


def _fmt(w: float | None) -> str:
    return "" if w is None else f"{w:g}"


@router.get("/monitor/report/{year}.pdf")
def report_pdf(request: Request, session: SessionDep, policy: PolicyDep, year: int) -> Response:
    _viewer(request, session)
    from jinshu.monitor.report import build_report, render_pdf

    return Response(
        render_pdf(build_report(session, policy, year)),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="jinshu-report-{year}.pdf"'},
    )


@router.get("/monitor/report/{year}", response_class=HTMLResponse)
def report_html(
    request: Request, session: SessionDep, policy: PolicyDep, year: int
) -> HTMLResponse:
    _viewer(request, session)
    from jinshu.monitor.report import build_report, render_html

    return HTMLResponse(render_html(build_report(session, policy, year)))
