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
from jinshu.store.models import Application, Award, Budget, Enterprise, Match, User
from jinshu.web.pages import render
from jinshu.web.security import check_csrf
from jinshu.workflow.access import can_see
from jinshu.workflow.applications import act, get_application
from jinshu.workflow.disbursement import budget_left, pay_award
from jinshu.workflow.notice import close_notice
from jinshu.workflow.states import TRANSITIONS

router = APIRouter(include_in_schema=False)


def web_user(request: Request, session: SessionDep) -> User:
    info = request.session.get("user")
    user = session.get(User, info["id"]) if info else None
    if user is None or not user.active:
        raise HTTPException(401, "请先登录")
    return user


def _actions(user: User, app: Application) -> list[tuple[str, str]]:
    """The actions this user may take on this application now, with their labels."""
    out = []
    for name, t in TRANSITIONS.items():
        if name in ("object", "dismiss_objection"):
            continue
        if app.state in t.sources and (user.role in t.roles or user.role == "admin"):
            out.append((name, t.label))
    return out


@router.get("/work", response_class=HTMLResponse)
def work_home(request: Request, session: SessionDep) -> HTMLResponse:
    """A user's desk: their applications (or queue) and, for an enterprise, its matches."""
    user = web_user(request, session)
    apps = [
        a
        for a in session.scalars(select(Application).order_by(Application.id.desc()))
        if can_see(user, a)
    ]
    queue_states = {
        "city_reviewer": ("submitted",),
        "department_reviewer": ("city_approved", "objected", "in_notice"),
        "finance": ("approved",),
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
        request,
        "work/index.html",
        me=user,
        apps=apps,
        waiting=waiting,
        matches=matches,
        budgets=budgets,
    )


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
    return render(
        request, "work/application.html", status_code=status, me=user, app=app, award=award,
        item=policy.items[app.item], actions=_actions(user, app), error=error,
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
        error = {"field": entry.location, "message": entry.message_zh}
    if error is None:
        return RedirectResponse(f"/work/applications/{app_id}", status_code=303)
    return _application_page(request, session, policy, user, app_id, error, 409)


@router.get("/work/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, policy: PolicyDep) -> HTMLResponse:
    """Money committed (recognised) and paid, by clause and by city: charts beside tables."""
    user = web_user(request, session)
    if user.role not in ("analyst", "finance", "admin"):
        raise HTTPException(403, "只有分析、财政和管理人员可以查看资金看板")
    clause_of = {i.id: i.clause for i in policy.items.values()}
    by_clause: dict[int, dict[str, Decimal]] = {}
    by_city: dict[str, dict[str, Decimal]] = {}
    rows = session.execute(
        select(Award.item, Award.amount, Award.state, Enterprise.city).join(
            Enterprise, Enterprise.id == Award.enterprise_id
        )
    )
    for item, amount, state, city in rows:
        if state == "cancelled":
            continue
        for table, key in ((by_clause, clause_of[item]), (by_city, city or "（未填）")):
            entry = table.setdefault(key, {"committed": Decimal(0), "paid": Decimal(0)})  # type: ignore[arg-type]
            entry["committed"] += amount
            if state == "paid":
                entry["paid"] += amount
    clauses = sorted(by_clause.items())
    cities = sorted(by_city.items(), key=lambda kv: -kv[1]["committed"])
    chart = {
        "clauses": [f"第{c}条" for c, _ in clauses],
        "clause_numbers": [c for c, _ in clauses],
        "committed": [float(v["committed"]) for _, v in clauses],
        "paid": [float(v["paid"]) for _, v in clauses],
        "cities": [c for c, _ in cities],
        "city_committed": [float(v["committed"]) for _, v in cities],
        "city_paid": [float(v["paid"]) for _, v in cities],
    }
    return render(
        request, "work/dashboard.html", me=user, clauses=clauses, cities=cities, chart=chart
    )


def _enterprise_of(session: SessionDep, user: User) -> Enterprise:
    if user.role != "enterprise" or user.enterprise_id is None:
        raise HTTPException(403, "只有企业用户可以申请")
    enterprise = session.get(Enterprise, user.enterprise_id)
    if enterprise is None:
        raise HTTPException(404, "企业不存在")
    return enterprise


@router.get("/work/apply", response_class=HTMLResponse)
def apply_form(request: Request, session: SessionDep, policy: PolicyDep) -> HTMLResponse:
    """The guided application form: item, record from the registry, year; the amount first."""
    user = web_user(request, session)
    enterprise = _enterprise_of(session, user)
    items = [i for i in policy.items.values() if i.grain != "info"]
    return render(
        request, "work/apply.html", me=user, enterprise=enterprise, items=items, error=None
    )


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
    return None, [outcome.note or "该事项对所选记录或年度不适用"]


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
        return render(request, "work/_preview.html", result=None, lines=["请选择政策事项"])
    try:
        result, lines = _preview(session, policy, enterprise, item, record_id, year)
    except JinshuError as exc:
        result, lines = None, [str(e) for e in exc.entries]
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
        error = {"field": exc.entries[0].location, "message": exc.entries[0].message_zh}
        return render(
            request, "work/apply.html", status_code=409, me=user, enterprise=enterprise,
            items=items, error=error,
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
        raise HTTPException(404, "匹配不存在")
    app = create_application(
        session, policy, user=user, enterprise_id=match.enterprise_id, item=match.item,
        year=match.year, record_id=match.record_id,
    )  # fmt: skip
    match.application_id = app.id
    return RedirectResponse(f"/work/applications/{app.id}", status_code=303)


@router.post("/work/applications/{app_id}/attachments", response_model=None)
async def upload_attachment_page(
    request: Request,
    session: SessionDep,
    app_id: int,
    file: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Attach a file to an application (stored with its SHA-256)."""
    from jinshu.workflow.attachments import MAX_ATTACHMENT, add_attachment

    check_csrf(request, csrf)
    user = web_user(request, session)
    data = await file.read(MAX_ATTACHMENT + 1)
    add_attachment(
        session, user=user, app_id=app_id, filename=file.filename or "",
        content_type=file.content_type or "", data=data,
    )  # fmt: skip
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
        error = {"field": "case_text", "message": "事实须为有效的 JSON 对象"}
    except JinshuError as exc:
        error = {"field": exc.entries[0].location, "message": str(exc.entries[0])}
    if error is None:
        return RedirectResponse(f"/work/applications/{app_id}", status_code=303)
    return _application_page(request, session, policy, user, app_id, error, 422)


@router.get("/work/ledger", response_class=HTMLResponse)
def ledger_page(request: Request, session: SessionDep) -> HTMLResponse:
    """Every payment, in order (finance, analysts, admins)."""
    from jinshu.store.models import LedgerEntry

    user = web_user(request, session)
    if user.role not in ("finance", "analyst", "admin"):
        raise HTTPException(403, "只有财政、分析和管理人员可以查看台账")
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
        raise HTTPException(403, "只有财政、分析和管理人员可以导出台账")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "台账"
    sheet.append(
        [
            "编号",
            "部分",
            "奖励",
            "企业",
            "事项",
            "年度",
            "对象",
            "金额（元）",
            "预算科目",
            "拨付人",
            "时间",
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
        raise HTTPException(403, "只有管理员可以导入企业名录")
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
        raise HTTPException(403, "只有管理员可以导入企业名录")
    data = await file.read(50 * 1024 * 1024 + 1)
    name = (file.filename or "").lower()
    try:
        if name.endswith(".xlsx"):
            tables = read_xlsx(data)
        elif name.endswith(".csv"):
            tables = {table: read_csv(data, table=table or None)}
        else:
            raise JinshuError(problem("file", "只接受 .xlsx 或 .csv 文件", "only .xlsx or .csv"))
        with session.begin_nested():
            report = import_registry(session, tables, dry_run=bool(dry_run), actor=user.username)
    except JinshuError as exc:
        return render(
            request,
            "work/import.html",
            status_code=422,
            me=user,
            report=None,
            error=str(exc.entries[0]),
        )
    status = 422 if report.errors else 200
    return render(request, "work/import.html", status_code=status, me=user, report=report)


@router.get("/work/admin", response_class=HTMLResponse)
def admin_page(request: Request, session: SessionDep, policy: PolicyDep) -> HTMLResponse:
    """Users and their roles, budget lines (admin; finance sees the budgets too)."""
    from jinshu.workflow.states import ROLES

    user = web_user(request, session)
    if user.role not in ("admin", "finance"):
        raise HTTPException(403, "只有管理员和财政人员可以进入管理页面")
    users = (
        list(session.scalars(select(User).order_by(User.username))) if user.role == "admin" else []
    )
    budgets = [
        (b, budget_left(session, b))
        for b in session.scalars(
            select(Budget).order_by(Budget.year.desc(), Budget.fund, Budget.level, Budget.region)
        )
    ]
    departments = sorted({i.spec.department for i in policy.items.values()})
    funds = sorted({i.spec.fund for i in policy.items.values()})
    return render(
        request, "work/admin.html", me=user, users=users, budgets=budgets, roles=ROLES,
        departments=departments, funds=funds, error=None,
    )  # fmt: skip


@router.post("/work/admin/users", response_class=HTMLResponse, response_model=None)
def admin_create_user(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    username: Annotated[str, Form(min_length=1, max_length=64)],
    role: Annotated[str, Form(max_length=32)],
    password: Annotated[str, Form(max_length=200)],
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
        raise HTTPException(403, "只有管理员可以管理用户")
    departments = {i.spec.department for i in policy.items.values()}
    departments |= set(unit_names())  # responsible units of the key tasks (jinshu.supervise)
    problems = []
    if role not in ROLES:
        problems.append("未知角色")
    if len(password) < 8:
        problems.append("密码至少 8 位")
    if session.scalars(select(User).where(User.username == username)).first() is not None:
        problems.append("用户名已存在")
    scoped: dict[str, str | None] = {"enterprise_id": None, "city": None, "department": None}
    if role == "enterprise":
        if session.get(Enterprise, scope) is None:
            problems.append("企业用户须指明名录中的企业编号")
        scoped["enterprise_id"] = scope
    elif role == "city_reviewer":
        if scope not in cities():
            problems.append("市级审核人员须指明山西的设区市")
        scoped["city"] = scope
    elif role == "department_reviewer":
        if scope not in departments:
            problems.append("部门审核人员须指明政策文件中的主管部门或重点任务的责任单位")
        scoped["department"] = scope
    if problems:
        request.session["flash"] = "；".join(problems)
        return RedirectResponse("/work/admin?error=1", status_code=303)
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
    return RedirectResponse("/work/admin", status_code=303)


@router.post("/work/admin/budgets", response_model=None)
def admin_create_budget(
    request: Request,
    session: SessionDep,
    fund: Annotated[str, Form(min_length=1, max_length=100)],
    year: Annotated[int, Form(ge=2019, le=2100)],
    level: Annotated[str, Form(pattern="^(province|city|county)$")],
    amount: Annotated[str, Form(max_length=24)],
    region: Annotated[str, Form(max_length=32)] = "",
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Open a budget line (finance or admin)."""
    from jinshu.workflow import audit

    check_csrf(request, csrf)
    user = web_user(request, session)
    if user.role not in ("admin", "finance"):
        raise HTTPException(403, "只有财政人员可以设置预算")
    try:
        value = Decimal(amount)
        if value < 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
            raise InvalidOperation
    except InvalidOperation:
        request.session["flash"] = "预算金额须为非负数，精确到分"
        return RedirectResponse("/work/admin?error=1", status_code=303)
    exists = session.scalars(
        select(Budget).where(
            Budget.fund == fund, Budget.year == year, Budget.level == level, Budget.region == region
        )
    ).first()
    if exists is not None:
        request.session["flash"] = "该预算科目已存在"
        return RedirectResponse("/work/admin?error=1", status_code=303)
    budget = Budget(fund=fund, year=year, level=level, region=region, amount=value)
    session.add(budget)
    session.flush()
    audit.record(
        session,
        actor=user.username,
        action="create_budget",
        object_type="budget",
        object_id=str(budget.id),
        after={"fund": fund, "year": year, "level": level, "region": region, "amount": str(value)},
    )
    return RedirectResponse("/work/admin", status_code=303)


@router.get("/work/awards", response_class=HTMLResponse)
def awards_page(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    clause: int | None = None,
    city: str | None = None,
) -> HTMLResponse:
    """The awards behind a bar of the dashboard (drill-down by clause or city)."""
    user = web_user(request, session)
    if user.role not in ("analyst", "finance", "admin"):
        raise HTTPException(403, "只有分析、财政和管理人员可以查看奖励明细")
    query = select(Award, Enterprise.name, Enterprise.city).join(
        Enterprise, Enterprise.id == Award.enterprise_id
    )
    if clause is not None:
        query = query.where(
            Award.item.in_([i.id for i in policy.items.values() if i.clause == clause])
        )
    if city is not None:
        query = query.where(Enterprise.city == city)
    rows = session.execute(query.order_by(Award.id)).all()
    return render(request, "work/awards.html", me=user, rows=rows, clause=clause, city=city)
