"""``jinshu registry export`` and ``jinshu match|reform --engine``: files in, files out, clear errors."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import psycopg
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from jinshu.cli import app
from jinshu.rules.load import DEFAULT_DIR

runner = CliRunner()
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
RATE = str(DEFAULT_DIR / "reforms" / "loan-interest-four-percent.yaml")


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("registry")
    result = runner.invoke(
        app, ["registry", "export", "--synthetic", "200", "--parquet", str(directory)]
    )
    assert result.exit_code == 0, result.output
    return directory


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    name = f"jinshu_cli_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _flat(output: str) -> str:
    return output.replace("\n", "")  # the console wraps long lines


def _match(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["match", "--year", "2020", "--json", *args])
    assert result.exit_code == 0, result.output
    summary: dict[str, object] = json.loads(result.stdout)
    return summary


def test_export_writes_every_registry_table(registry: Path) -> None:
    names = {p.stem for p in registry.glob("*.parquet")}
    assert {"enterprises", "years", "history", "records_contract"} <= names
    assert pq.read_table(registry / "enterprises.parquet").num_rows == 200


def test_duckdb_and_postgres_write_the_same_results(
    registry: Path, database: str, tmp_path: Path
) -> None:
    duck = _match(
        "--engine", "duckdb", "--registry", str(registry), "--out", str(tmp_path / "d.parquet")
    )
    loaded = runner.invoke(
        app,
        ["registry", "export", "--synthetic", "200", "--postgres", database, "--schema", "reg2020"],
    )
    assert loaded.exit_code == 0, loaded.output
    pg = _match(
        "--engine", "postgres", "--postgres", database, "--schema", "reg2020",
        "--out", str(tmp_path / "p.parquet"),
    )  # fmt: skip
    assert duck["rows"] == pg["rows"] and duck["enterprises"] == pg["enterprises"]
    assert duck["eligible_total"] == pg["eligible_total"] and duck["eligible"] > 0  # type: ignore[operator]
    assert pq.read_table(tmp_path / "d.parquet").equals(pq.read_table(tmp_path / "p.parquet"))


def test_reform_on_postgres_equals_reform_on_duckdb(registry: Path, database: str) -> None:
    runner.invoke(app, ["registry", "export", "--synthetic", "200", "--postgres", database])
    reports = []
    for where in (["--registry", str(registry)], ["--postgres", database]):
        engine = "duckdb" if where[0] == "--registry" else "postgres"
        result = runner.invoke(app, ["reform", RATE, "--json", "--engine", engine, *where])
        assert result.exit_code == 0, result.output
        reports.append(json.loads(result.stdout))
    assert reports[0] == reports[1]
    changed = {row["clause"] for row in reports[0]["by_clause"] if Decimal(row["change"]) != 0}
    assert changed == {14}


def test_engine_problems_are_named(tmp_path: Path, database: str) -> None:
    missing = runner.invoke(
        app,
        [
            "match",
            "--year",
            "2020",
            "--engine",
            "spark",
            "--registry",
            str(tmp_path),
            "--out",
            str(tmp_path / "x.parquet"),
        ],
    )
    assert missing.exit_code == 2 and "enterprises.parquet" in _flat(missing.output)
    no_out = runner.invoke(
        app, ["match", "--year", "2020", "--engine", "duckdb", "--registry", str(tmp_path)]
    )
    assert no_out.exit_code == 2 and "--out" in _flat(no_out.output)
    no_registry = runner.invoke(
        app,
        [
            "match",
            "--year",
            "2020",
            "--engine",
            "postgres",
            "--postgres",
            database,
            "--schema",
            "empty",
            "--out",
            str(tmp_path / "y.parquet"),
        ],
    )
    assert no_registry.exit_code == 2 and "'empty' holds no registry" in _flat(no_registry.output)


def test_the_stores_registry_exports_and_matches(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    made = runner.invoke(app, ["demo", "--size", "40", "--database-url", url])
    assert made.exit_code == 0, made.output
    exported = runner.invoke(
        app, ["registry", "export", "--parquet", str(tmp_path / "reg"), "--database-url", url]
    )
    assert exported.exit_code == 0, exported.output
    enterprises = pq.read_table(tmp_path / "reg" / "enterprises.parquet")
    assert enterprises.num_rows >= 40
    assert pq.read_table(tmp_path / "reg" / "history.parquet").num_rows > 0  # the ledger's awards
    summary = _match(
        "--engine", "duckdb", "--registry", str(tmp_path / "reg"), "--out", str(tmp_path / "r.parquet")
    )  # fmt: skip
    assert summary["rows"] == pq.read_table(tmp_path / "r.parquet").num_rows > 0
