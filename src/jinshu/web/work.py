"""Pages of signed-in users: an enterprise's applications and matches, a reviewer's queue, an
application with the actions its state allows, finance's awards waiting for payment.

Every page calls the same workflow functions as the API, with the same role and scope checks.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from jinshu.api.deps import PolicyDep, SessionDep
from jinshu.errors import JinshuError, problem
from jinshu.store.models import (
    Application,
    Award,
    Budget,
    Enterprise,
    LedgerEntry,
    Match,
    Objection,
    User,
)
from jinshu.web.i18n import current_locale, message
from jinshu.web.i18n import gettext as _
from jinshu.web.pages import item_title, render
from jinshu.web.security import check_csrf
from jinshu.workflow.access import can_see
from jinshu.workflow.applications import act, get_application
from jinshu.workflow.disbursement import budget_left, pay_award, payment_parts
from jinshu.workflow.notice import close_notice
from jinshu.workflow.states import TRANSITIONS

router = APIRouter(include_in_schema=False)


def web_user(request: Request, session: SessionDep) -> User:
    info = request.session.get("user")
    user = session.get(User, info["id"]) if info else None
    if user is None or not user.active:
        raise HTTPException(401, _("请先登录"))
    return user


def _actions(user: User, app: Application) -> list[tuple[str, str]]:
    """The actions this user may take on this application now, with their labels."""
    out = []
    for name, t in TRANSITIONS.items():
        if name in ("object", "dismiss_objection"):
            continue
        if app.state in t.sources and (user.role in t.roles or user.role == "admin"):
            out.append((name, _(t.label)))
    return out


SORTS = {
    "id": lambda a, names: -a.id,
    "enterprise": lambda a, names: names.get(a.enterprise_id, a.enterprise_id),
    "item": lambda a, names: a.item,
    "year": lambda a, names: (-a.year, -a.id),
    "state": lambda a, names: (a.state, -a.id),
    "amount": lambda a, names: -(a.decided_amount or a.amount or a.max_amount or 0),
}


@router.get("/work", response_class=HTMLResponse)
def work_home(request: Request, session: SessionDep, q: str = "", sort: str = "id") -> HTMLResponse:
    """A user's desk: their queue (searchable, sortable), the applications they may see, and
    for an enterprise its matches; budgets for finance, analysts and admins."""
    user = web_user(request, session)
    apps = [
        a
        for a in session.scalars(select(Application).order_by(Application.id.desc()))
        if can_see(user, a)
    ]
    names = {
        eid: name
        for eid, name in session.execute(
            select(Enterprise.id, Enterprise.name).where(
                Enterprise.id.in_({a.enterprise_id for a in apps})
            )
        )
    }
    words = q.strip().lower()[:100]
    if words:
        apps = [
            a
            for a in apps
            if any(
                words in text.lower()
                for text in (
                    str(a.id), a.enterprise_id, names.get(a.enterprise_id, ""), a.item,
                    item_title(a.item), a.city or "",
                )
            )
        ]  # fmt: skip
    key = SORTS.get(sort, SORTS["id"])
    apps.sort(key=lambda a: key(a, names))  # type: ignore[no-untyped-call]
    queue_states = {
        "city_reviewer": ("submitted",),
        "department_reviewer": ("city_approved", "objected", "in_notice"),
        "finance": ("approved",),
        "enterprise": ("draft", "info_requested"),
    }
    waiting = [a for a in apps if a.state in queue_states.get(user.role, ())]
    matches = []
    if user.role == "enterprise":
        matches = list(
            session.scalars(
                select(Match).where(
                    Match.enterprise_id == user.enterprise_id, Match.application_id.is_(None)
                )
            )
        )
    budgets = []
    if user.role in ("finance", "analyst", "admin"):
        budgets = [
            (b, budget_left(session, b))
            for b in session.scalars(select(Budget).order_by(Budget.year.desc(), Budget.id))
            if b.level == "province"
        ]
    return render(
        request, "work/index.html", me=user, apps=apps, waiting=waiting, matches=matches,
        budgets=budgets, names=names, q=q, sort=sort if sort in SORTS else "id",
    )  # fmt: skip


def _application_page(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    user: User,
    app_id: int,
    error: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The application page, with an error beside the actions when one was refused."""
    session.expire_all()
    app = get_application(session, user=user, app_id=app_id)
    award = session.scalars(select(Award).where(Award.application_id == app.id)).first()
    history = session.scalars(
        select(Award).where(Award.enterprise_id == app.enterprise_id).order_by(Award.id)
    ).all()
    paid = (
        list(session.scalars(select(LedgerEntry).where(LedgerEntry.award_id == award.id)))
        if award is not None
        else []
    )
    plan = []
    if award is not None and app.state == "approved" and user.role in ("finance", "admin"):
        year = dt.date.today().year
        for part, level, region, amount in payment_parts(award, (app.result or {}).get("split")):
            budget = session.scalars(
                select(Budget).where(
                    Budget.fund == award.fund, Budget.year == year,
                    Budget.level == level, Budget.region == region,
                )
            ).first()  # fmt: skip
            left = budget_left(session, budget) if budget is not None else None
            plan.append({"part": part, "level": level, "region": region, "amount": amount,
                         "budget": budget, "left": left})  # fmt: skip
    # Objections are shown to staff; the public objects on the notice page.
    objections = (
        list(session.scalars(select(Objection).where(Objection.award_id == award.id)))
        if award is not None and user.role != "enterprise"
        else []
    )
    note = (
        next((e.note for e in reversed(app.events) if e.action == "request_info"), None)
        if app.state == "info_requested"
        else None
    )
    # A condition's text says why it fails: show it only beside a condition that failed.
    condition_ids = {c.id for c in policy.items[app.item].conditions}
    verdicts = {
        s["name"]: {"是": True, "否": False}.get(s["value"])
        for s in (app.result or {}).get("steps", [])
        if s["name"] in condition_ids
    }
    return render(
        request, "work/application.html", status_code=status, me=user, app=app, award=award,
        verdicts=verdicts,
        item=policy.items[app.item], actions=_actions(user, app), error=error,
        history=[h for h in history if h.application_id != app.id], paid=paid, plan=plan,
        enterprise=session.get(Enterprise, app.enterprise_id), info_note=note,
        objections=objections,
    )  # fmt: skip


@router.get("/work/applications/{app_id}", response_class=HTMLResponse)
def application_page(
    request: Request, session: SessionDep, policy: PolicyDep, app_id: int
) -> HTMLResponse:
    return _application_page(request, session, policy, web_user(request, session), app_id)


@router.post(
    "/work/applications/{app_id}/actions/{action}", response_class=HTMLResponse, response_model=None
)
def application_action(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    app_id: int,
    action: str,
    note: Annotated[str, Form(max_length=2000)] = "",
    decided_amount: Annotated[str, Form(max_length=32)] = "",
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    check_csrf(request, csrf)
    user = web_user(request, session)
    error: dict[str, Any] | None = None
    try:
        # A savepoint: a refused action leaves nothing behind, and the page can still render.
        with session.begin_nested():
            if action == "pay":
                key = f"web-{app_id}"
                year = dt.date.today().year
                pay_award(
                    session, policy, user=user, app_id=app_id, idempotency_key=key, budget_year=year
                )
            elif action == "close_notice":
                close_notice(session, user=user, app_id=app_id)
            else:
                amount: Decimal | None = None
                if decided_amount.strip():
                    try:
                        amount = Decimal(decided_amount.strip())
                    except InvalidOperation:
                        raise JinshuError(
                            problem(
                                "decided_amount", "金额须为数字", "not a number", decided_amount
                            )
                        ) from None
                act(
                    session,
                    policy,
                    user=user,
                    app_id=app_id,
                    action=action,
                    note=note,
                    decided_amount=amount,
                )
    except JinshuError as exc:
        entry = exc.entries[0]
        error = {
            "form": "action",
            "field": entry.location,
            "message": message(entry),
            "action": action,
        }
    if error is None:
        return RedirectResponse(f"/work/applications/{app_id}", status_code=303)
    return _application_page(request, session, policy, user, app_id, error, 409)


def _industry(facts: dict[str, Any] | None) -> str:
    """An enterprise's industry for the dashboard: the first of its kinds ("" when none)."""
    kinds = (facts or {}).get("kinds") or []
    return str(kinds[0]) if kinds else ""


@router.post(
    "/work/objections/{objection_id}/resolution", response_class=HTMLResponse, response_model=None
)
def resolve_objection_page(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    objection_id: int,
    upheld: Annotated[str, Form(max_length=8)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """The item's department upholds an objection (the application is rejected) or dismisses
    it (the notice goes on); the reason is required."""
    from jinshu.workflow.notice import resolve_objection

    check_csrf(request, csrf)
    user = web_user(request, session)
    objection = session.get(Objection, objection_id)
    award = session.get(Award, objection.award_id) if objection is not None else None
    if award is None:
        raise HTTPException(404, _("异议不存在"))
    app = get_application(session, user=user, app_id=award.application_id)
    try:
        with session.begin_nested():
            resolve_objection(
                session, user=user, objection_id=objection_id, upheld=upheld == "1", note=note
            )
    except JinshuError as exc:
        error = {"form": f"objection-{objection_id}", "field": exc.entries[0].location,
                 "message": message(exc.entries[0])}  # fmt: skip
        return _application_page(request, session, policy, user, app.id, error, 409)
    return RedirectResponse(f"/work/applications/{app.id}", status_code=303)


@router.get("/work/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, policy: PolicyDep) -> HTMLResponse:
    """Money committed (recognised) and paid by clause, city, year and industry: charts beside
    tables, each bar and row leading to the awards behind it."""
    user = web_user(request, session)
    if user.role not in ("analyst", "finance", "admin"):
        raise HTTPException(403, _("只有分析、财政和管理人员可以查看资金看板"))
    clause_of = {i.id: i.clause for i in policy.items.values()}
    groups: dict[str, dict[Any, dict[str, Decimal]]] = {
        "clause": {}, "city": {}, "year": {}, "kind": {},
    }  # fmt: skip
    rows = session.execute(
        select(Award.item, Award.amount, Award.state, Award.year, Enterprise.city,
               Enterprise.facts).join(Enterprise, Enterprise.id == Award.enterprise_id)
    )  # fmt: skip
    for item, amount, state, year, city, facts in rows:
        if state == "cancelled":
            continue
        keys = {"clause": clause_of[item], "city": city or "", "year": year,
                "kind": _industry(facts)}  # fmt: skip
        for name, key in keys.items():
            entry = groups[name].setdefault(key, {"committed": Decimal(0), "paid": Decimal(0)})
            entry["committed"] += amount
            if state == "paid":
                entry["paid"] += amount
    tables: dict[str, list[dict[str, Any]]] = {}
    for name, grouped in groups.items():
        ordered = sorted(grouped.items(), key=lambda kv: -kv[1]["committed"])
        if name in ("clause", "year"):
            ordered = sorted(grouped.items())
        tables[name] = [
            {"key": key, "label": _group_label(name, key), "link": _drill_link(name, key), **v}
            for key, v in ordered
        ]
    chart: dict[str, dict[str, Any]] = {
        name: {
            "labels": [r["label"] for r in table],
            "links": [r["link"] for r in table],
            "committed": [float(r["committed"]) for r in table],
            "paid": [float(r["paid"]) for r in table],
        }
        for name, table in tables.items()
    }
    # Axis labels in 万 (10,000 yuan) for Chinese readers, in thousands (k) for English ones.
    unit, divisor = ("万", 10000) if current_locale() == "zh" else ("k", 1000)
    chart["legend"] = {
        "committed": _("已认定"), "paid": _("已拨付"), "unit": unit, "divisor": divisor,
    }  # fmt: skip
    return render(request, "work/dashboard.html", me=user, tables=tables, chart=chart)


def _group_label(name: str, key: Any) -> str:
    from jinshu.facts.schema import APPLICANT_KINDS

    if name == "clause":
        return _("第%(n)s条") % {"n": key}
    if name == "year":
        return str(key)
    if name == "kind":
        return _(APPLICANT_KINDS[key]) if key in APPLICANT_KINDS else key or _("（未填）")
    return str(key) or _("（未填）")


def _drill_link(name: str, key: Any) -> str:
    from urllib.parse import urlencode

    return "/work/awards?" + urlencode({name: key})


def _enterprise_of(session: SessionDep, user: User) -> Enterprise:
    if user.role != "enterprise" or user.enterprise_id is None:
        raise HTTPException(403, _("只有企业用户可以申请"))
    enterprise = session.get(Enterprise, user.enterprise_id)
    if enterprise is None:
        raise HTTPException(404, _("企业不存在"))
    return enterprise


@router.get("/work/profile", response_class=HTMLResponse)
def profile_page(
    request: Request, session: SessionDep, policy: PolicyDep, year: int | None = None
) -> HTMLResponse:
    """An enterprise's profile as registered, and what it may qualify for now: the calculator
    on its registry facts and its paid awards, item by item, each with a link to apply."""
    from jinshu.calculator import calculate
    from jinshu.workflow.cases import ledger_history, registry_case

    user = web_user(request, session)
    enterprise = _enterprise_of(session, user)
    years = sorted((y.year for y in enterprise.years), reverse=True)
    chosen = year if year is not None and 2019 <= year <= 2100 else (years[0] if years else 2020)
    case = registry_case(enterprise, chosen)
    case["history"] = ledger_history(session, enterprise.id)
    problems: list[str] = []
    results: list[Any] = []
    try:
        outcome = calculate(case, policy)
        results = [r for r in outcome.results if r.status in ("eligible", "needs_review")]
    except JinshuError as exc:
        problems = [f"{e.location}: {message(e)}" for e in exc.entries]
    applied = {
        (a.item, a.year, a.record_id)
        for a in session.scalars(
            select(Application).where(
                Application.enterprise_id == enterprise.id,
                Application.state.not_in(("withdrawn", "rejected")),
            )
        )
    }
    return render(
        request, "work/profile.html", me=user, enterprise=enterprise, years=years, year=chosen,
        results=results, problems=problems, applied=applied,
    )  # fmt: skip


@router.get("/work/apply", response_class=HTMLResponse)
def apply_form(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    item: str = "",
    record_id: str = "",
    year: int = 2020,
) -> HTMLResponse:
    """The guided application form: item, record from the registry, year; the amount first."""
    user = web_user(request, session)
    enterprise = _enterprise_of(session, user)
    items = [i for i in policy.items.values() if i.grain != "info"]
    chosen = {"item": item, "record_id": record_id, "year": year}
    return render(
        request, "work/apply.html", me=user, enterprise=enterprise, items=items, error=None,
        chosen=chosen,
    )  # fmt: skip


def _preview(
    session: SessionDep,
    policy: PolicyDep,
    enterprise: Enterprise,
    item: str,
    record_id: str,
    year: int,
) -> tuple[Any, list[str]]:
    from jinshu.calculator import calculate
    from jinshu.rules.explain import explain_result
    from jinshu.workflow.cases import ledger_history, registry_case

    case = registry_case(enterprise, year, [record_id] if record_id else [])
    case["history"] = ledger_history(session, enterprise.id)
    outcome = calculate(case, policy)
    for r in outcome.results:
        if r.item == item and r.record == (record_id or None):
            return r, explain_result(policy, r)
    return None, [outcome.note or _("该事项对所选记录或年度不适用")]


@router.post("/work/apply/preview", response_class=HTMLResponse)
def apply_preview(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    item: Annotated[str, Form(max_length=64)],
    record_id: Annotated[str, Form(max_length=64)] = "",
    year: Annotated[int, Form(ge=2019, le=2100)] = 2020,
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """What the calculator finds for the chosen item, before anything is saved."""
    check_csrf(request, csrf)
    user = web_user(request, session)
    enterprise = _enterprise_of(session, user)
    if item not in policy.items:
        return render(request, "work/_preview.html", result=None, lines=[_("请选择政策事项")])
    try:
        result, lines = _preview(session, policy, enterprise, item, record_id, year)
    except JinshuError as exc:
        result, lines = None, [f"{e.location}: {message(e)}" for e in exc.entries]
    return render(request, "work/_preview.html", result=result, lines=lines)


@router.post("/work/apply", response_class=HTMLResponse, response_model=None)
def apply_submit(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    item: Annotated[str, Form(max_length=64)],
    record_id: Annotated[str, Form(max_length=64)] = "",
    year: Annotated[int, Form(ge=2019, le=2100)] = 2020,
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """Save the draft application (the enterprise then submits it from its page)."""
    from jinshu.workflow.applications import create_application

    check_csrf(request, csrf)
    user = web_user(request, session)
    enterprise = _enterprise_of(session, user)
    try:
        with session.begin_nested():
            app = create_application(
                session, policy, user=user, enterprise_id=enterprise.id, item=item, year=year,
                record_id=record_id or None,
            )  # fmt: skip
    except JinshuError as exc:
        items = [i for i in policy.items.values() if i.grain != "info"]
        error = {"field": exc.entries[0].location, "message": message(exc.entries[0])}
        chosen = {"item": item, "record_id": record_id, "year": year}
        return render(
            request, "work/apply.html", status_code=409, me=user, enterprise=enterprise,
            items=items, error=error, chosen=chosen,
        )  # fmt: skip
    return RedirectResponse(f"/work/applications/{app.id}", status_code=303)


@router.post("/work/matches/{match_id}/apply", response_model=None)
def apply_from_match(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    match_id: int,
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Start an application from a match, its facts filled in from the registry."""
    from jinshu.workflow.applications import create_application

    check_csrf(request, csrf)
    user = web_user(request, session)
    match = session.get(Match, match_id)
    if match is None or user.role != "enterprise" or match.enterprise_id != user.enterprise_id:
        raise HTTPException(404, _("匹配不存在"))
    app = create_application(
        session, policy, user=user, enterprise_id=match.enterprise_id, item=match.item,
        year=match.year, record_id=match.record_id,
    )  # fmt: skip
    match.application_id = app.id
    return RedirectResponse(f"/work/applications/{app.id}", status_code=303)


@router.post(
    "/work/applications/{app_id}/attachments", response_class=HTMLResponse, response_model=None
)
async def upload_attachment_page(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    app_id: int,
    file: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """Attach a file to an application (stored with its SHA-256); a refusal shows by the field."""
    from jinshu.workflow.attachments import MAX_ATTACHMENT, add_attachment

    check_csrf(request, csrf)
    user = web_user(request, session)
    data = await file.read(MAX_ATTACHMENT + 1)
    try:
        with session.begin_nested():
            add_attachment(
                session, user=user, app_id=app_id, filename=file.filename or "",
                content_type=file.content_type or "", data=data,
            )  # fmt: skip
    except JinshuError as exc:
        if exc.entries and exc.entries[0].location == "id":
            raise
        error = {"form": "file", "field": "file", "message": message(exc.entries[0])}
        return _application_page(request, session, policy, user, app_id, error, 422)
    return RedirectResponse(f"/work/applications/{app_id}", status_code=303)


@router.post("/work/applications/{app_id}/facts", response_class=HTMLResponse, response_model=None)
def correct_facts_page(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    app_id: int,
    case_text: Annotated[str, Form(max_length=200_000)],
    reason: Annotated[str, Form(max_length=2000)] = "",
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """New facts: the enterprise while drafting or answering, a reviewer correcting (with reason)."""
    import json

    from jinshu.workflow.applications import update_facts

    check_csrf(request, csrf)
    user = web_user(request, session)
    error: dict[str, Any] | None = None
    try:
        case = json.loads(case_text)
        if not isinstance(case, dict):
            raise ValueError("not an object")
        with session.begin_nested():
            update_facts(session, policy, user=user, app_id=app_id, case=case, reason=reason)
    except (ValueError, RecursionError):
        error = {"form": "facts", "field": "case_text", "message": _("事实须为有效的 JSON 对象")}
    except JinshuError as exc:
        entry = exc.entries[0]
        error = {
            "form": "facts",
            "field": entry.location,
            "message": f"{entry.location}: {message(entry)}",
        }
    if error is None:
        return RedirectResponse(f"/work/applications/{app_id}", status_code=303)
    return _application_page(request, session, policy, user, app_id, error, 422)


@router.get("/work/ledger", response_class=HTMLResponse)
def ledger_page(request: Request, session: SessionDep) -> HTMLResponse:
    """Every payment, in order (finance, analysts, admins)."""
    from jinshu.store.models import LedgerEntry

    user = web_user(request, session)
    if user.role not in ("finance", "analyst", "admin"):
        raise HTTPException(403, _("只有财政、分析和管理人员可以查看台账"))
    entries = list(session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)))
    return render(request, "work/ledger.html", me=user, entries=entries)


@router.get("/work/ledger.xlsx")
def ledger_export(request: Request, session: SessionDep) -> Response:
    """The ledger as an XLSX workbook (money as exact numbers with two decimals)."""
    import io

    import openpyxl  # type: ignore[import-untyped]

    from jinshu.store.models import LedgerEntry

    user = web_user(request, session)
    if user.role not in ("finance", "analyst", "admin"):
        raise HTTPException(403, _("只有财政、分析和管理人员可以导出台账"))
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("台账")
    sheet.append(
        [
            _("编号"),
            _("部分"),
            _("奖励"),
            _("企业"),
            _("事项"),
            _("年度"),
            _("对象"),
            _("金额（元）"),
            _("预算科目"),
            _("拨付人"),
            _("时间"),
        ]
    )
    for e in session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)):
        sheet.append(
            [
                e.id,
                e.part,
                e.award_id,
                e.enterprise_id,
                e.item,
                e.year,
                e.key,
                e.amount,
                e.budget_id,
                e.paid_by,
                e.at.isoformat(),
            ]
        )
        sheet.cell(row=sheet.max_row, column=8).number_format = "#,##0.00"
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(
        buffer.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="ledger.xlsx"'},
    )


@router.get("/work/admin/import", response_class=HTMLResponse)
def import_page(request: Request, session: SessionDep) -> HTMLResponse:
    user = web_user(request, session)
    if user.role != "admin":
        raise HTTPException(403, _("只有管理员可以导入企业名录"))
    return render(request, "work/import.html", me=user, report=None)


@router.post("/work/admin/import", response_class=HTMLResponse)
async def import_run(
    request: Request,
    session: SessionDep,
    file: Annotated[UploadFile, File()],
    table: Annotated[str, Form(max_length=32)] = "",
    dry_run: Annotated[str, Form(max_length=8)] = "",
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Import the registry from XLSX or CSV; the validation report row by row."""
    from jinshu.workflow.registry_import import import_registry, read_csv, read_xlsx

    check_csrf(request, csrf)
    user = web_user(request, session)
    if user.role != "admin":
        raise HTTPException(403, _("只有管理员可以导入企业名录"))
    data = await file.read(50 * 1024 * 1024 + 1)
    name = (file.filename or "").lower()
    try:
        if name.endswith(".xlsx"):
            tables = read_xlsx(data)
        elif name.endswith(".csv"):
            tables = {table: read_csv(data, table=table or None)}
        else:
            raise JinshuError(
                problem("file", "只接受 .xlsx 或 .csv 文件", "only .xlsx or .csv files")
            )
        with session.begin_nested():
            report = import_registry(session, tables, dry_run=bool(dry_run), actor=user.username)
    except JinshuError as exc:
        return render(
            request,
            "work/import.html",
            status_code=422,
            me=user,
            report=None,
            error=f"{exc.entries[0].location}: {message(exc.entries[0])}",
        )
    status = 422 if report.errors else 200
    return render(request, "work/import.html", status_code=status, me=user, report=report)


def _admin_page(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    user: User,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    done: str | None = None,
    shown: tuple[int | None, str] = (None, "province"),
) -> HTMLResponse:
    """The admin page; a refused form comes back with its errors beside the fields (422).

    Budget lines are many (every city and county, every year): the page lists one year and one
    level at a time (``shown``; the newest year and the province by default)."""
    from jinshu.workflow.settings import MAX_NOTICE_DAYS, MIN_NOTICE_DAYS, notice_period
    from jinshu.workflow.states import ROLES

    users = (
        list(session.scalars(select(User).order_by(User.username))) if user.role == "admin" else []
    )
    years = sorted(set(session.scalars(select(Budget.year).distinct())), reverse=True)
    year, level = shown
    if year not in years:
        year = (
            dt.date.today().year if dt.date.today().year in years else years[0] if years else None
        )
    query = select(Budget).where(Budget.year == year)
    if level in ("province", "city", "county"):
        query = query.where(Budget.level == level)
    budgets = [
        (b, budget_left(session, b))
        for b in session.scalars(query.order_by(Budget.fund, Budget.level, Budget.region))
    ]
    from jinshu.supervise.registry import unit_names

    # Policy departments first, then the key tasks' other responsible units.
    policy_departments = sorted({i.spec.department for i in policy.items.values()})
    departments = policy_departments + [u for u in unit_names() if u not in policy_departments]
    funds = sorted({i.spec.fund for i in policy.items.values()})
    return render(
        request, "work/admin.html", status_code=422 if errors else 200, me=user, users=users,
        budgets=budgets, roles=ROLES, departments=departments, funds=funds, errors=errors or {},
        values=values or {}, done=done, budget_years=years, budget_year=year, budget_level=level,
        notice=notice_period(session, policy, dt.date.today().year),
        notice_range=(MIN_NOTICE_DAYS, MAX_NOTICE_DAYS),
    )  # fmt: skip


def _admin_user(request: Request, session: SessionDep, *roles: str) -> User:
    user = web_user(request, session)
    if user.role not in roles:
        raise HTTPException(403, _("只有管理员和财政人员可以进入管理页面"))
    return user


@router.get("/work/admin", response_class=HTMLResponse)
def admin_page(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    done: str = "",
    year: int | None = None,
    level: str = "province",
) -> HTMLResponse:
    """Users and their roles, the notice period, budget lines (admin; finance sees budgets)."""
    user = _admin_user(request, session, "admin", "finance")
    return _admin_page(
        request, session, policy, user, done=done[:32] or None, shown=(year, level[:16])
    )


@router.post("/work/admin/users", response_class=HTMLResponse, response_model=None)
def admin_create_user(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    username: Annotated[str, Form(max_length=64)] = "",
    role: Annotated[str, Form(max_length=32)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    scope: Annotated[str, Form(max_length=64)] = "",
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """Create a user; the scope is the enterprise id, the city or the department of the role."""
    from jinshu.api.security import hash_password
    from jinshu.facts.divisions import cities
    from jinshu.supervise.registry import unit_names
    from jinshu.workflow import audit
    from jinshu.workflow.states import ROLES

    check_csrf(request, csrf)
    user = web_user(request, session)
    if user.role != "admin":
        raise HTTPException(403, _("只有管理员可以管理用户"))
    departments = {i.spec.department for i in policy.items.values()}
    departments |= set(unit_names())  # responsible units of the key tasks (jinshu.supervise)
    errors: dict[str, str] = {}
    username = username.strip()
    if not username:
        errors["user.username"] = _("请填写用户名")
    elif session.scalars(select(User).where(User.username == username)).first() is not None:
        errors["user.username"] = _("用户名已存在")
    if role not in ROLES:
        errors["user.role"] = _("未知角色")
    if len(password) < 8:
        errors["user.password"] = _("密码至少 8 位")
    scoped: dict[str, str | None] = {"enterprise_id": None, "city": None, "department": None}
    if role == "enterprise":
        if session.get(Enterprise, scope) is None:
            errors["user.scope"] = _("企业用户须指明名录中的企业编号")
        scoped["enterprise_id"] = scope
    elif role == "city_reviewer":
        if scope not in cities():
            errors["user.scope"] = _("市级审核人员须指明山西的设区市")
        scoped["city"] = scope
    elif role == "department_reviewer":
        if scope not in departments:
            errors["user.scope"] = _("部门审核人员须指明政策文件中的主管部门或重点任务的责任单位")
        scoped["department"] = scope
    if errors:
        values = {"user.username": username, "user.role": role, "user.scope": scope}
        return _admin_page(request, session, policy, user, errors, values)
    session.add(User(username=username, role=role, password_hash=hash_password(password), **scoped))
    session.flush()
    audit.record(
        session,
        actor=user.username,
        action="create_user",
        object_type="user",
        object_id=username,
        after={"role": role, **scoped},
    )
    return RedirectResponse("/work/admin?done=user", status_code=303)


@router.post("/work/admin/notice-period", response_class=HTMLResponse, response_model=None)
def admin_set_notice_period(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    days: Annotated[str, Form(max_length=40)] = "",
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """Set the notice period of new notices, in working days (admin)."""
    from jinshu.workflow.settings import set_notice_period

    check_csrf(request, csrf)
    user = web_user(request, session)
    if user.role != "admin":
        raise HTTPException(403, _("只有管理员可以设置公示期"))
    try:
        with session.begin_nested():
            set_notice_period(session, policy, user=user, days=days)
    except JinshuError as exc:
        errors = {"notice.days": message(exc.entries[0])}
        return _admin_page(request, session, policy, user, errors, {"notice.days": days})
    return RedirectResponse("/work/admin?done=notice", status_code=303)


@router.post("/work/admin/budgets", response_class=HTMLResponse, response_model=None)
def admin_create_budget(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    fund: Annotated[str, Form(max_length=100)] = "",
    year: Annotated[str, Form(max_length=8)] = "",
    level: Annotated[str, Form(max_length=16)] = "",
    amount: Annotated[str, Form(max_length=24)] = "",
    region: Annotated[str, Form(max_length=32)] = "",
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """Open a budget line (finance or admin)."""
    from jinshu.workflow import audit

    check_csrf(request, csrf)
    user = web_user(request, session)
    if user.role not in ("admin", "finance"):
        raise HTTPException(403, _("只有财政人员可以设置预算"))
    errors: dict[str, str] = {}
    funds = {i.spec.fund for i in policy.items.values()}
    if fund not in funds:
        errors["budget.fund"] = _("请选择政策文件中的资金")
    if not (year.strip().isdigit() and 2019 <= int(year) <= 2100):
        errors["budget.year"] = _("年度须为 2019 至 2100 之间的整数")
    if level not in ("province", "city", "county"):
        errors["budget.level"] = _("请选择层级")
    elif level != "province" and not region.strip():
        errors["budget.region"] = _("市、县层级须填写地区")
    value = Decimal(0)
    try:
        value = Decimal(amount.strip())
        if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
            raise InvalidOperation
    except InvalidOperation:
        errors["budget.amount"] = _("预算金额须为非负数，精确到分")
    region = region.strip() if level != "province" else ""
    if not errors:
        exists = session.scalars(
            select(Budget).where(
                Budget.fund == fund, Budget.year == int(year), Budget.level == level,
                Budget.region == region,
            )
        ).first()  # fmt: skip
        if exists is not None:
            errors["budget.fund"] = _("该预算科目已存在")
    if errors:
        values = {"budget.fund": fund, "budget.year": year, "budget.level": level,
                  "budget.region": region, "budget.amount": amount}  # fmt: skip
        return _admin_page(request, session, policy, user, errors, values)
    budget = Budget(fund=fund, year=int(year), level=level, region=region, amount=value)
    session.add(budget)
    session.flush()
    audit.record(
        session,
        actor=user.username,
        action="create_budget",
        object_type="budget",
        object_id=str(budget.id),
        after={"fund": fund, "year": int(year), "level": level, "region": region,
               "amount": str(value)},
    )  # fmt: skip
    return RedirectResponse(
        f"/work/admin?done=budget&year={budget.year}&level={budget.level}", status_code=303
    )


@router.get("/work/awards", response_class=HTMLResponse)
def awards_page(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    clause: int | None = None,
    city: str | None = None,
    year: int | None = None,
    kind: str | None = None,
) -> HTMLResponse:
    """The awards behind a bar or row of the dashboard (by clause, city, year or industry)."""
    user = web_user(request, session)
    if user.role not in ("analyst", "finance", "admin"):
        raise HTTPException(403, _("只有分析、财政和管理人员可以查看奖励明细"))
    query = select(Award, Enterprise.name, Enterprise.city, Enterprise.facts).join(
        Enterprise, Enterprise.id == Award.enterprise_id
    )
    if clause is not None:
        query = query.where(
            Award.item.in_([i.id for i in policy.items.values() if i.clause == clause])
        )
    if city is not None:
        query = query.where(Enterprise.city == (city or None))
    if year is not None:
        query = query.where(Award.year == year)
    rows = [
        (award, name, city_name)
        for award, name, city_name, facts in session.execute(query.order_by(Award.id))
        if kind is None or _industry(facts) == kind
    ]
    filters = [
        _group_label(n, v)
        for n, v in (("clause", clause), ("city", city), ("year", year), ("kind", kind))
        if v is not None
    ]
    return render(request, "work/awards.html", me=user, rows=rows, filters=filters)
