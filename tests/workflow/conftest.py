"""A throwaway database per test module, on SQLite and on PostgreSQL (127.0.0.1:5432)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.orm import Session, sessionmaker

from jinshu.store.db import engine_for, session_factory
from jinshu.store.migrate import upgrade

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_database() -> tuple[str, str]:
    name = f"jinshu_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop_postgres_database(name: str, url: str) -> None:
    engine_for(url).dispose()
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'jinshu.db'}"
        upgrade(url)
        yield url
        engine_for(url).dispose()
        return
    name, url = postgres_database()
    try:
        upgrade(url)
        yield url
    finally:
        drop_postgres_database(name, url)


@pytest.fixture
def factory(db_url: str) -> sessionmaker[Session]:
    return session_factory(db_url)
