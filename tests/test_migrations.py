"""The migrations create exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from jinshu.store.migrate import alembic_config, upgrade


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    command.check(alembic_config(url))  # raises if autogenerate would find a difference
