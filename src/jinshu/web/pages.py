"""Pages everyone may open: the policy library, the calculator, the public notice, sign-in."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from jinshu.api.deps import PolicyDep, SessionDep
from jinshu.api.security import authenticate
from jinshu.calculator import calculate
from jinshu.errors import CaseError
from jinshu.facts.examples import example_names, load_example
from jinshu.rules.explain import STATUS_ZH, explain_result
from jinshu.web.security import check_csrf, csrf_token
from jinshu.workflow.notice import lodge_objection, public_notices
from jinshu.workflow.states import STATES_ZH

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.globals.update(STATUS_ZH=STATUS_ZH, STATES_ZH=STATES_ZH)


def item_title(item_id: str) -> str:
    """An item's Chinese title, for pages that list items by id."""
    from jinshu.rules.load import default_policy_set

    item = default_policy_set().items.get(item_id)
    return item.title if item is not None else item_id


templates.env.filters["title"] = item_title
router = APIRouter(include_in_schema=False)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.update(csrf=csrf_token(request), user=request.session.get("user"))
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


@router.get("/", response_class=HTMLResponse)
def home(request: Request, policy: PolicyDep) -> HTMLResponse:
    return render(request, "home.html", document=policy.document, items=len(policy.items))


@router.get("/policies", response_class=HTMLResponse)
def policy_library(request: Request, policy: PolicyDep) -> HTMLResponse:
    return render(request, "policies/index.html", policy=policy)


@router.get("/policies/{clause}", response_class=HTMLResponse)
def policy_clause(request: Request, policy: PolicyDep, clause: int) -> HTMLResponse:
    if clause not in {c.clause for c in policy.clauses}:
        return render(request, "error.html", status_code=404, message=f"没有第{clause}条")
    spec = policy.clause(clause)
    items = [i for i in policy.items.values() if i.clause == clause]
    year_end = policy.document.effective_from
    params = {
        name: (policy.parameters[name], policy.parameters[name].value_on(year_end))
        for item in items
        for name in item.parameters
    }
    return render(request, "policies/clause.html", clause=spec, items=items, params=params)


@router.get("/calculator", response_class=HTMLResponse)
def calculator_form(request: Request, example: str = "bigdata-firm") -> HTMLResponse:
    name = example if example in example_names() else "bigdata-firm"
    text = json.dumps(load_example(name), ensure_ascii=False, indent=2, default=str)
    return render(request, "calculator/form.html", case_text=text, examples=example_names())


@router.post("/calculator", response_class=HTMLResponse)
def calculator_run(
    request: Request,
    policy: PolicyDep,
    case_text: Annotated[str, Form(max_length=200_000)],
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse:
    check_csrf(request, csrf)
    errors: list[str] = []
    result = None
    explained: list[tuple[Any, list[str]]] = []
    try:
        raw = json.loads(case_text, parse_float=Decimal)
        result = calculate(raw, policy)
        explained = [(r, explain_result(policy, r)) for r in result.results]
    except json.JSONDecodeError as exc:
        errors.append(f"不是有效的 JSON：第{exc.lineno}行第{exc.colno}列：{exc.msg}")
    except RecursionError:
        errors.append("JSON 嵌套过深")
    except CaseError as exc:
        errors += [str(e) for e in exc.entries]
    # htmx swaps only successful answers; it gets the errors as a fragment with 200.
    status = 422 if errors and "hx-request" not in request.headers else 200
    return render(
        request,
        "calculator/_results.html",
        status_code=status,
        result=result,
        explained=explained,
        errors=errors,
    )


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
            form_error={"award_id": award_id, "field": "text", "message": "请填写异议内容"},
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
        return render(request, "login.html", status_code=401, error="用户名或密码错误")
    request.session.clear()
    request.session["user"] = {"id": user.id, "username": user.username, "role": user.role}
    return RedirectResponse("/work", status_code=303)


@router.post("/logout", response_model=None)
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> RedirectResponse:
    check_csrf(request, csrf)
    request.session.clear()
    return RedirectResponse("/", status_code=303)
