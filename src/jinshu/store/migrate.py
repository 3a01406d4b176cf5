"""Run the Alembic migrations from code (``upgrade``), for ``make run``, the CLI and tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from jinshu.config import settings
from jinshu.store.db import is_sqlite

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url or settings.database_url)
    return config


def upgrade(url: str | None = None) -> None:
    """Bring the database at ``url`` (default: the settings') to the newest schema."""
    target = url or settings.database_url
    if is_sqlite(target):
        path = target.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(target), "head")
