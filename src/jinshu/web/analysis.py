"""Analysis pages: what-if reforms with their fiscal cost (政策沙盘), and the candidate lists of
proactive matching (免申即享) by department."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select

from jinshu.api.deps import PolicyDep, SessionDep
from jinshu.errors import ErrorEntry, JinshuError
from jinshu.facts.schema import APPLICANT_KINDS
from jinshu.facts.validate import validate_case
from jinshu.matching.match import run_matching
from jinshu.matching.reform import (
    Reform,
    database_registry,
    registry_connection,
    run_reform,
    synthetic_cases,
)
from jinshu.rules.load import DEFAULT_DIR
from jinshu.rules.policyset import PolicySet
from jinshu.store.models import Enterprise, Match, User
from jinshu.web.i18n import current_locale
from jinshu.web.i18n import gettext as _
from jinshu.web.labels import LEVEL_ZH
from jinshu.web.pages import render
from jinshu.web.security import check_csrf
from jinshu.web.work import web_user

router = APIRouter(include_in_schema=False)
REFORMS = DEFAULT_DIR / "reforms"
MAX_SYNTHETIC = 20_000  # one request: the CLI and bench/ take whole registries


def _analyst(request: Request, session: SessionDep) -> User:
    user = web_user(request, session)
    if user.role not in ("analyst", "admin"):
        raise HTTPException(403, _("只有分析人员可以测算政策调整"))
    return user


def _bundled() -> dict[str, str]:
    """The reform files shipped with the policy set: file name → YAML text."""
    return {p.name: p.read_text("utf-8") for p in sorted(REFORMS.glob("*.yaml"))}


def _parameters(policy: PolicySet, year: int) -> list[tuple[str, str, Any]]:
    """The parameters a reform may change, with their value in force for the year."""
    from jinshu.matching.batch import constants_for

    current = constants_for(policy, year)
    return [(name, p.kind, current.get(name)) for name, p in sorted(policy.parameters.items())]


def _reform_from_text(text: str, policy: PolicySet) -> Reform:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise JinshuError(
            [ErrorEntry("reform", "YAML 格式错误", "invalid YAML", str(exc)[:200])]
        ) from None
    if not isinstance(data, dict):
        raise JinshuError(
            [
                ErrorEntry(
                    "reform",
                    "应为含 name 和 parameters 的 YAML 映射",
                    "expected a YAML mapping with name and parameters",
                )
            ]
        )
    try:
        reform = Reform.model_validate(data)
    except ValidationError as exc:
        raise JinshuError(
            [
                ErrorEntry(
                    f"reform.{'.'.join(str(p) for p in e['loc'])}", "政策调整文件有误", e["msg"]
                )
                for e in exc.errors()
            ]
        ) from None
    probe = {"year": 2020, "enterprise": {"id": "reform"}, "parameters": reform.parameters}
    validate_case(probe, known_items=policy.items, parameter_kinds=policy.parameter_kinds())
    return reform


def _chart(report: dict[str, Any]) -> dict[str, Any]:
    def series(rows: list[dict[str, Any]], key: str, label: Any = str) -> dict[str, Any]:
        return {
            "labels": [label(r[key]) for r in rows],
            "base": [float(r["base"] or 0) for r in rows],
            "reform": [float(r["reform"] or 0) for r in rows],
        }

    def kind(code: str) -> str:
        return _(APPLICANT_KINDS[code]) if code in APPLICANT_KINDS else code

    # Axis labels in 万 (10,000 yuan) for Chinese readers, in thousands (k) for English ones.
    unit, divisor = ("万", 10000) if current_locale() == "zh" else ("k", 1000)
    return {
        "groups": {
            "clause": series(report["by_clause"], "clause", lambda c: _("第%(n)s条") % {"n": c}),
            "city": series(report["by_city"], "city"),
            "industry": series(report["by_industry"], "industry", kind),
            "level": series(report["by_level"], "level", lambda lv: _(LEVEL_ZH[lv])),
        },
        "legend": {"base": _("现行"), "reform": _("调整后"), "unit": unit, "divisor": divisor},
    }


@router.get("/analysis/reforms", response_class=HTMLResponse)
def reform_page(request: Request, session: SessionDep, policy: PolicyDep) -> HTMLResponse:
    user = _analyst(request, session)
    bundled = _bundled()
    return render(
        request,
        "analysis/reform.html",
        me=user,
        bundled=bundled,
        text=next(iter(bundled.values()), ""),
        year=2020,
        registry="synthetic",
        size=5000,
        parameters=_parameters(policy, 2020),
        report=None,
        errors=[],
    )


@router.post("/analysis/reforms", response_class=HTMLResponse)
def reform_run(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    text: Annotated[str, Form(max_length=20_000)] = "",
    year: Annotated[str, Form(max_length=8)] = "2020",
    registry: Annotated[str, Form(max_length=16)] = "synthetic",
    size: Annotated[str, Form(max_length=8)] = "5000",
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Cost the reform against the parameters in force; errors are listed by field."""
    check_csrf(request, csrf)
    user = _analyst(request, session)
    errors: list[ErrorEntry] = []
    context: dict[str, Any] = dict(
        me=user, bundled=_bundled(), text=text, year=year, registry=registry, size=size
    )
    y = int(year) if year.isdigit() and 2019 <= int(year) <= 2100 else None
    if y is None:
        errors.append(
            ErrorEntry("year", "年度应为 2019–2100 的整数", "the year must be 2019–2100", year)
        )
    n = int(size) if size.isdigit() and 1 <= int(size) <= MAX_SYNTHETIC else None
    if registry == "synthetic" and n is None:
        errors.append(
            ErrorEntry(
                "size",
                f"合成名录规模应为 1–{MAX_SYNTHETIC} 的整数",
                f"the size must be a whole number from 1 to {MAX_SYNTHETIC}",
                size,
            )
        )
    if registry not in ("synthetic", "database"):
        errors.append(ErrorEntry("registry", "未知的名录来源", "unknown registry source", registry))
    reform = None
    try:
        reform = _reform_from_text(text, policy)
    except JinshuError as exc:
        errors.extend(exc.entries)
    context["parameters"] = _parameters(policy, y or 2020)
    if errors or reform is None or y is None:
        return render(
            request, "analysis/reform.html", status_code=422, report=None, errors=errors, **context
        )
    budgets: list[dict[str, Any]] = []
    if registry == "database":
        cases, budgets = database_registry(session, policy, y)
    else:
        cases = synthetic_cases(policy, n or 1, y)
    report = run_reform(registry_connection(cases), policy, reform, year=y, budgets=budgets)
    return render(
        request,
        "analysis/reform.html",
        report=report,
        chart=_chart(report),
        errors=[],
        enterprises=len(cases),
        **context,
    )


@router.get("/analysis/candidates", response_class=HTMLResponse)
def candidates(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    year: Annotated[int | None, Query(ge=2019, le=2100)] = None,
    item: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """Enterprises that qualify for awards they have not applied for: a department sees its own
    items' candidates, analysts and admins all of them."""
    user = web_user(request, session)
    if user.role not in ("department_reviewer", "analyst", "admin"):
        raise HTTPException(403, _("只有主管部门和分析人员可以查看免申即享候选名单"))
    query = (
        select(Match, Enterprise.name, Enterprise.city)
        .join(Enterprise, Enterprise.id == Match.enterprise_id)
        .where(Match.application_id.is_(None))
        .order_by(Match.year.desc(), Match.item, Match.amount.desc(), Match.enterprise_id)
    )
    if user.role == "department_reviewer":
        query = query.where(Match.department == (user.department or ""))
    if year is not None:
        query = query.where(Match.year == year)
    if item:
        query = query.where(Match.item == item)
    rows = session.execute(query.limit(500)).all()
    total = sum((m.amount or Decimal(0) for m, _, _ in rows if m.status == "eligible"), Decimal(0))
    return render(
        request,
        "analysis/candidates.html",
        me=user,
        rows=rows,
        total=total,
        year=year,
        item=item,
        items=sorted({m.item for m, _, _ in rows} | ({item} if item else set())),
        can_run=user.role in ("department_reviewer", "analyst", "admin"),
    )


@router.post("/analysis/candidates/run", response_model=None)
def candidates_run(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    year: Annotated[str, Form(max_length=8)] = "2020",
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Run proactive matching over the registry for a year, then show the candidates."""
    check_csrf(request, csrf)
    user = web_user(request, session)
    if user.role not in ("department_reviewer", "analyst", "admin"):
        raise HTTPException(403, _("只有主管部门和分析人员可以运行免申即享匹配"))
    if not (year.isdigit() and 2019 <= int(year) <= 2100):
        raise HTTPException(422, _("年度应为 2019–2100 的整数"))
    run_matching(session, policy, year=int(year), actor=user.username)
    return RedirectResponse(f"/analysis/candidates?year={year}", status_code=303)
