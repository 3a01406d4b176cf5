from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Query, UploadFile
from fastapi.responses import JSONResponse

from jinshu.api.deps import SessionDep, require_roles
from jinshu.api.errors import import_errors
from jinshu.store.models import User
from jinshu.workflow.registry_import import import_registry, read_csv, read_xlsx

router = APIRouter(prefix="/registry", tags=["registry"])
Admin = Annotated[User, Depends(require_roles("admin"))]
MAX_FILE = 50 * 1024 * 1024


@router.post("/imports")
async def import_registry_file(
    session: SessionDep,
    user: Admin,
    file: Annotated[UploadFile, File()],
    table: Annotated[str | None, Query(max_length=32, description="CSV: which table")] = None,
    dry_run: Annotated[bool, Query()] = False,
) -> Any:
    """Import enterprises, yearly figures and records from XLSX (three sheets) or CSV (one
    table). All or nothing: any bad row is reported with its table, row and column, and nothing
    is written; ``dry_run`` only reports."""
    data = await file.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise HTTPException(413, "文件不能超过 50 MB")
    name = (file.filename or "").lower()
    if name.endswith(".xlsx"):
        tables = read_xlsx(data)
    elif name.endswith(".csv"):
        if table is None:
            raise HTTPException(
                422, "CSV 文件须用 table 参数指明表（enterprises / years / records）"
            )
        tables = {table: read_csv(data, table=table)}
    else:
        raise HTTPException(422, "只接受 .xlsx 或 .csv 文件")
    report = import_registry(session, tables, dry_run=dry_run, actor=user.username)
    body: dict[str, Any] = {
        "applied": report.applied,
        "dry_run": report.dry_run,
        "counts": report.counts(),
    }
    if report.errors:
        body["error"] = import_errors(report.errors)
        return JSONResponse(body, status_code=422)
    return JSONResponse(body)
