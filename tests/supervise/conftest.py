"""A throwaway database (SQLite and PostgreSQL) with the task registry loaded and a user per role:
units 省工信厅 (miit), 省通信管理局 (tel) and 省科技厅 (sci), an analyst, an admin, and users
who see nothing of supervision (an enterprise, a city reviewer, finance)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jinshu.store.db import session_factory, transaction
from jinshu.store.models import User
from jinshu.supervise.registry import default_registry
from jinshu.supervise.tasks import load_tasks
from tests.workflow.conftest import db_url  # noqa: F401  (the parametrised database fixture)

USERS = {
    "boss": ("admin", None),
    "analyst": ("analyst", None),
    "miit": ("department_reviewer", "省工信厅"),
    "tel": ("department_reviewer", "省通信管理局"),
    "sci": ("department_reviewer", "省科技厅"),
    "ent": ("enterprise", None),
    "city": ("city_reviewer", None),
    "fin": ("finance", None),
}


def add_users(factory: sessionmaker[Session], password_hash: str = "-") -> None:
    with transaction(factory) as s:
        for name, (role, department) in USERS.items():
            if s.query(User).filter_by(username=name).first() is None:
                s.add(
                    User(
                        username=name,
                        role=role,
                        department=department,
                        city="太原市" if role == "city_reviewer" else None,
                        password_hash=password_hash,
                    )
                )
        load_tasks(s, default_registry(), actor="test")


@pytest.fixture
def factory(db_url: str) -> sessionmaker[Session]:  # noqa: F811
    made = session_factory(db_url)
    add_users(made)
    return made
