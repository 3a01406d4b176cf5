"""Who may see and act on what: an enterprise its own, a city reviewer its city, a department
reviewer its department's items; finance, analysts and admins the whole province."""

from __future__ import annotations

from jinshu.errors import NotFound, WorkflowError, problem
from jinshu.store.models import Application, User
from jinshu.workflow.states import ADMIN, ANALYST, CITY, DEPARTMENT, ENTERPRISE, FINANCE


def can_see(user: User, app: Application) -> bool:
    if user.role == ENTERPRISE:
        return app.enterprise_id == user.enterprise_id
    if user.role == CITY:
        return app.city == user.city
    if user.role == DEPARTMENT:
        return app.department == user.department
    return user.role in (FINANCE, ANALYST, ADMIN)


def require_visible(user: User, app: Application | None, app_id: int) -> Application:
    """The application, or NotFound (also when it exists but is not the asker's to see)."""
    if app is None or not can_see(user, app):
        raise NotFound(problem("id", f"申请 {app_id} 不存在", f"application {app_id} not found"))
    return app


def require_enterprise(user: User, enterprise_id: str) -> None:
    if user.role == ENTERPRISE and user.enterprise_id != enterprise_id:
        raise WorkflowError(
            problem("enterprise_id", "只能为本企业申请", "an enterprise applies only for itself")
        )
    if user.role not in (ENTERPRISE, ADMIN):
        raise WorkflowError(problem("role", "只有企业可以申请", "only an enterprise applies"))
