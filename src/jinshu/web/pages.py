"""Pages everyone may open: the policy library, the calculator, the public notice, sign-in."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup

from jinshu.api.deps import PolicyDep, SessionDep
from jinshu.api.security import authenticate
from jinshu.calculator import calculate
from jinshu.config import settings
from jinshu.errors import CaseError, ErrorEntry
from jinshu.facts.examples import example_names, load_example
from jinshu.facts.schema import RECORD_KINDS
from jinshu.rules.explain import explain_result
from jinshu.rules.policyset import PolicySet
from jinshu.web import calcform, i18n
from jinshu.web.i18n import gettext as _
from jinshu.web.labels import TABLES
from jinshu.web.security import check_csrf, csrf_token
from jinshu.workflow.notice import lodge_objection, public_notices

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext, newstyle=True
)
templates.env.globals.update(
    message=i18n.message,
    HTML_LANG=i18n.HTML_LANG,
    fact_label=calcform.fact_label,
    applicant_kinds=calcform.applicant_kinds,
    record_kinds=calcform.record_kinds,
)


def _label_filter(table: dict[str, str]) -> Any:
    # pass_context keeps Jinja from folding a label of a literal ("late"|plan_state) into the
    # compiled template in the language of the first request.
    @pass_context
    def label(_context: Any, code: str | None) -> str:
        return "" if code is None else i18n.gettext(table[code]) if code in table else code

    return label


for _name, _table in TABLES.items():
    templates.env.filters[_name] = _label_filter(_table)


def item_title(item_id: str) -> str:
    """An item's Chinese title, for pages that list items by id."""
    from jinshu.rules.load import default_policy_set

    item = default_policy_set().items.get(item_id)
    return item.title if item is not None else item_id


def item_title_html(item_id: str) -> Markup:
    """An item's title marked as Chinese (it is the policy's own wording, in every language)."""
    return Markup('<span lang="zh-CN">%s</span>') % item_title(item_id)


def chinese_html(value: object) -> Markup:
    """Data in Chinese (names of enterprises, cities, departments, funds), marked as such."""
    return Markup('<span lang="zh-CN">%s</span>') % ("" if value is None else value)


templates.env.filters["title"] = item_title_html
templates.env.filters["zh"] = chinese_html
router = APIRouter(include_in_schema=False)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.update(
        csrf=csrf_token(request), user=request.session.get("user"), lang=i18n.current_locale()
    )
    app = context.get("app")
    if app is not None and hasattr(app, "id") and "app_attachments" not in context:
        from sqlalchemy import inspect, select

        from jinshu.store.models import Attachment

        session = inspect(app).session
        rows = (
            session.scalars(select(Attachment).where(Attachment.application_id == app.id))
            if session
            else []
        )
        context["app_attachments"] = list(rows)
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def invalid_input_page(request: Request, fields: list[str]) -> HTMLResponse:
    """A form the page's own checks could not see was refused: name its fields (422)."""
    shown = "、".join(fields)
    return render(
        request,
        "error.html",
        status_code=422,
        message=_("输入无效：%(fields)s") % {"fields": shown},
    )


@router.get("/", response_class=HTMLResponse)
def home(request: Request, policy: PolicyDep) -> HTMLResponse:
    return render(request, "home.html", document=policy.document, items=len(policy.items))


@router.get("/policies", response_class=HTMLResponse)
def policy_library(request: Request, policy: PolicyDep) -> HTMLResponse:
    return render(request, "policies/index.html", policy=policy)


@router.get("/policies/{clause}", response_class=HTMLResponse)
def policy_clause(request: Request, policy: PolicyDep, clause: int) -> HTMLResponse:
    if clause not in {c.clause for c in policy.clauses}:
        return render(
            request, "error.html", status_code=404, message=_("没有第%(n)s条") % {"n": clause}
        )
    spec = policy.clause(clause)
    items = [i for i in policy.items.values() if i.clause == clause]
    today = dt.date.today()
    params = {
        name: (policy.parameters[name], policy.parameters[name].value_on(today))
        for item in items
        for name in item.parameters
    }
    return render(request, "policies/clause.html", clause=spec, items=items, params=params)


@router.get("/calculator", response_class=HTMLResponse)
def calculator_form(request: Request, example: str = "bigdata-firm") -> HTMLResponse:
    """The calculator: a form built from the fact model, or the case as JSON."""
    name = example if example in example_names() else "bigdata-firm"
    case = load_example(name)
    text = json.dumps(case, ensure_ascii=False, indent=2, default=str)
    return render(
        request, "calculator/form.html", case_text=text, examples=example_names(),
        form=calcform.case_to_form(case), errors={}, result=None, explained=[], problems=[],
    )  # fmt: skip


@router.get("/calculator/record", response_class=HTMLResponse)
def calculator_record(request: Request, kind: str = "", n: int = 0) -> HTMLResponse:
    """The inputs of one more record (htmx adds them to the form)."""
    if kind not in RECORD_KINDS or not 0 <= n < 1_000_000_000:
        return render(request, "error.html", status_code=422, message=_("请选择记录类型"))
    return render(
        request, "calculator/_record.html", rec=calcform.record_form(n, kind, {}), errors={}
    )


def _run_case(
    policy: PolicySet, raw: Any
) -> tuple[Any, list[tuple[Any, list[str]]], list[ErrorEntry]]:
    """The calculator's result and explanations, or the case's problems."""
    try:
        result = calculate(raw, policy)
    except CaseError as exc:
        return None, [], list(exc.entries)
    return result, [(r, explain_result(policy, r)) for r in result.results], []


def _calculate_json(request: Request, policy: PolicySet, case_text: str) -> HTMLResponse:
    problems: list[ErrorEntry] = []
    result: Any = None
    explained: list[tuple[Any, list[str]]] = []
    if len(case_text) > 200_000:
        problems.append(ErrorEntry("case", "案例过长", "the case is too long"))
    else:
        try:
            raw = json.loads(case_text, parse_float=Decimal)
            result, explained, problems = _run_case(policy, raw)
        except json.JSONDecodeError as exc:
            problems.append(
                ErrorEntry(
                    f"{exc.lineno}:{exc.colno}",
                    f"不是有效的 JSON：{exc.msg}",
                    f"not JSON: {exc.msg}",
                )
            )
        except RecursionError:
            problems.append(ErrorEntry("case", "JSON 嵌套过深", "JSON nested too deeply"))
    # htmx swaps only successful answers; it gets the errors as a fragment with 200.
    status = 422 if problems and "hx-request" not in request.headers else 200
    return render(
        request, "calculator/_results.html", status_code=status, result=result,
        explained=explained, problems=problems,
    )  # fmt: skip


def _calculate_form(request: Request, policy: PolicySet, form: Any) -> HTMLResponse:
    case, where = calcform.form_to_case(form)
    result, explained, problems = _run_case(policy, case)
    errors: dict[str, list[str]] = {}
    for entry in problems:
        errors.setdefault(calcform.form_name(where, entry.location), []).append(i18n.message(entry))
    htmx = "hx-request" in request.headers
    status = 422 if problems and not htmx else 200
    context = {
        "form": calcform.case_to_form(case if isinstance(case.get("year"), int) else {**case, "year": 2020}),
        "errors": errors, "result": result, "explained": explained, "problems": problems,
    }  # fmt: skip
    if htmx:
        return render(request, "calculator/_form.html", status_code=status, **context)
    text = json.dumps(case, ensure_ascii=False, indent=2, default=str)
    return render(
        request, "calculator/form.html", status_code=status, case_text=text,
        examples=example_names(), **context,
    )  # fmt: skip


@router.post("/calculator", response_class=HTMLResponse)
async def calculator_run(request: Request, policy: PolicyDep) -> HTMLResponse:
    """Calculate from the form (re-shown with errors beside the inputs) or from JSON."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    if "case_text" in form:
        return await run_in_threadpool(_calculate_json, request, policy, str(form["case_text"]))
    return await run_in_threadpool(_calculate_form, request, policy, form)


@router.get("/notices", response_class=HTMLResponse)
def notices_page(request: Request, session: SessionDep) -> HTMLResponse:
    return render(request, "notices/index.html", notices=public_notices(session), done=None)


@router.post("/notices/{award_id}/objections", response_class=HTMLResponse)
def notices_object(
    request: Request,
    session: SessionDep,
    award_id: int,
    text: Annotated[str, Form(max_length=4000)] = "",
    contact: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse:
    check_csrf(request, csrf)
    if not text.strip():
        return render(
            request,
            "notices/index.html",
            status_code=422,
            notices=public_notices(session),
            done=None,
            form_error={"award_id": award_id, "field": "text", "message": _("请填写异议内容")},
        )
    lodge_objection(session, award_id=award_id, text=text, contact=contact)
    return render(request, "notices/index.html", notices=public_notices(session), done=award_id)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return render(request, "login.html", error=None)


@router.post("/login", response_class=HTMLResponse, response_model=None)
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    check_csrf(request, csrf)
    user = authenticate(session, username, password)
    if user is None:
        return render(request, "login.html", status_code=401, error=_("用户名或密码错误"))
    request.session.clear()
    request.session["user"] = {"id": user.id, "username": user.username, "role": user.role}
    return RedirectResponse("/work", status_code=303)


@router.post("/logout", response_model=None)
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> RedirectResponse:
    check_csrf(request, csrf)
    request.session.clear()
    return RedirectResponse("/", status_code=303)


@router.post("/lang", response_model=None)
def switch_language(
    request: Request,
    lang: Annotated[str, Form(max_length=8)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Switch the interface language (中文 / English), remembered in a cookie for a year."""
    check_csrf(request, csrf)
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if lang in i18n.LOCALES:
        response.set_cookie(
            i18n.COOKIE, lang, max_age=365 * 24 * 3600, httponly=True, samesite="lax",
            secure=settings.environment != "development",
        )  # fmt: skip
    return response
