"""The CLI's database commands: migrate, create users, verify the audit chain."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text
from typer.testing import CliRunner

from jinshu.api.security import verify_password
from jinshu.cli import app
from jinshu.store.db import session_factory, transaction
from jinshu.store.models import User
from jinshu.workflow import audit

runner = CliRunner()


def test_upgrade_users_and_audit_verify(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    made = runner.invoke(
        app,
        ["users", "create", "fin", "--role", "finance", "--database-url", url],
        input="s3cret-pass\ns3cret-pass\n",
    )
    assert made.exit_code == 0, made.output
    weak = runner.invoke(
        app,
        ["users", "create", "x", "--role", "finance", "--database-url", url],
        input="short\nshort\n",
    )
    assert weak.exit_code == 2 and "8" in weak.output
    scoped = runner.invoke(
        app,
        ["users", "create", "e", "--role", "enterprise", "--database-url", url],
        input="s3cret-pass\ns3cret-pass\n",
    )
    assert scoped.exit_code == 2
    factory = session_factory(url)
    with transaction(factory) as s:
        user = s.scalars(select(User)).one()
        assert user.password_hash.startswith("$argon2") and verify_password(
            user.password_hash, "s3cret-pass"
        )
        for n in range(3):
            audit.record(s, actor="t", action="test", object_type="x", object_id=str(n))
    ok = runner.invoke(app, ["audit", "verify", "--database-url", url])
    assert ok.exit_code == 0 and "完整" in ok.output
    with factory() as s, s.begin():
        s.execute(text("UPDATE audit_log SET object_id = '9' WHERE seq = 2"))
    broken = runner.invoke(app, ["audit", "verify", "--database-url", url])
    assert broken.exit_code == 1 and "第2条" in broken.output
