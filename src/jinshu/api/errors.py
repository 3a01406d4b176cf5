"""One place maps errors to JSON: a code, a message and the fields; never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from jinshu.errors import (
    CaseError,
    InputError,
    JinshuError,
    LedgerError,
    NotFound,
    PolicyError,
    WorkflowError,
)

if TYPE_CHECKING:
    from jinshu.workflow.registry_import import RowError

log = logging.getLogger("jinshu.api")

STATUS = {
    CaseError: 422,
    InputError: 422,
    WorkflowError: 409,
    LedgerError: 409,
    NotFound: 404,
    PolicyError: 500,
}
CODES = {
    CaseError: "invalid_case",
    InputError: "invalid_input",
    WorkflowError: "not_allowed",
    LedgerError: "payment_refused",
    NotFound: "not_found",
    PolicyError: "policy_error",
}


def body(code: str, message: str, errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "errors": errors}}


def import_errors(errors: Sequence[RowError]) -> dict[str, Any]:
    """The ``error`` member of an import's answer: every bad row, by table, row and column."""
    return {
        "code": "invalid_import",
        "message": f"导入文件有 {len(errors)} 处问题，未写入任何数据",
        "errors": [
            {
                "field": f"{e.table}[{e.row}].{e.column}" if e.column else f"{e.table}[{e.row}]",
                "table": e.table,
                "row": e.row,
                "column": e.column,
                "message_zh": e.message_zh,
                "message_en": e.message_en,
                "value": e.value,
            }
            for e in errors
        ],
    }


def _html(request: Request, status: int, message: str) -> Response | None:
    """An HTML error page for the web UI's own paths (the API always answers JSON)."""
    if request.url.path.startswith("/api") or request.url.path.startswith("/openapi"):
        return None
    from jinshu.web.pages import render

    return render(request, "error.html", status_code=status, message=message)


def install(app: FastAPI) -> None:
    @app.exception_handler(JinshuError)
    async def _jinshu(request: Request, exc: JinshuError) -> Response:
        kind = next((k for k in STATUS if isinstance(exc, k)), JinshuError)
        entries = [e.as_dict() for e in exc.entries]
        message = entries[0]["message_zh"] if entries else "请求无法完成"
        from jinshu.web.i18n import message as localized

        shown = localized(exc.entries[0]) if exc.entries else message
        page = _html(request, STATUS.get(kind, 400), str(shown))
        if page is not None:
            return page
        return JSONResponse(
            body(CODES.get(kind, "error"), str(message), entries), status_code=STATUS.get(kind, 400)
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        entries = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
            value = err.get("input")
            entries.append(
                {
                    "field": ".".join(loc) or "body",
                    "message_zh": "输入无效",
                    "message_en": str(err.get("msg", "invalid")),
                    "value": None if value is None else str(value)[:80],
                }
            )
        if not request.url.path.startswith(("/api", "/openapi")):
            from jinshu.web.pages import invalid_input_page

            return invalid_input_page(request, [str(e["field"]) for e in entries])
        return JSONResponse(body("invalid_request", "请求参数无效", entries), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        page = _html(request, exc.status_code, str(exc.detail))
        if page is not None:
            return page
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 429: "rate_limited"}.get(
            exc.status_code, "error"
        )
        return JSONResponse(
            body(code, str(exc.detail), []), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(IntegrityError)
    async def _conflict(_: Request, exc: IntegrityError) -> JSONResponse:
        # A safety net: routes check for duplicates themselves; a race can still end here.
        return JSONResponse(body("conflict", "与已有记录冲突，请刷新后重试", []), status_code=409)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse(
            body("internal_error", "服务器内部错误，请稍后再试", []), status_code=500
        )
