"""The FastAPI application: routers under /api/v1, one error format, no stack traces."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from jinshu import __version__
from jinshu.api import errors
from jinshu.api.middleware import TextGuard
from jinshu.api.routes import (
    applications,
    auth,
    calculator,
    health,
    matches,
    monitor,
    notices,
    opendata,
    payments,
    reforms,
    registry,
    settings,
    supervision,
)
from jinshu.rules.load import default_policy_set
from jinshu.rules.policyset import PolicySet
from jinshu.store.db import session_factory
from jinshu.web.app import mount_web


def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(database_url: str | None = None, policy: PolicySet | None = None) -> FastAPI:
    app = FastAPI(
        title="jinshu（晋数）API",
        version=__version__,
        description="山西省数字经济政策：计算器、申请、审核、公示、拨付。",
        generate_unique_id_function=_operation_id,
    )
    app.state.sessions = session_factory(database_url)
    app.state.policy = policy or default_policy_set()
    api = APIRouter(prefix="/api/v1")
    for module in (
        health,
        calculator,
        auth,
        applications,
        notices,
        payments,
        registry,
        reforms,
        matches,
        monitor,
        opendata,
        supervision,
        settings,
    ):
        api.include_router(module.router)
    app.include_router(api)
    mount_web(app)
    errors.install(app)
    app.add_middleware(TextGuard)
    return app
