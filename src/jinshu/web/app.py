"""Mount the web UI on the application: signed-cookie sessions, static assets, pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from jinshu.config import settings
from jinshu.web import analysis, monitor, pages, supervise, work
from jinshu.web.i18n import LocaleMiddleware

STATIC = Path(__file__).parent / "static"


def mount_web(app: FastAPI) -> None:
    app.add_middleware(LocaleMiddleware)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="jinshu_session",
        same_site="lax",
        https_only=settings.environment != "development",
        max_age=settings.token_hours * 3600,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.router)
    app.include_router(work.router)
    app.include_router(monitor.router)
    app.include_router(analysis.router)
    app.include_router(supervise.router)
