"""The monitoring commands: import with row errors, the index as JSON, targets, the PDF report."""

from __future__ import annotations

import io
import json
from pathlib import Path

from pypdf import PdfReader
from typer.testing import CliRunner

from jinshu.cli import app
from jinshu.monitor.framework import DEFAULT_DIR

runner = CliRunner()


def test_import_index_targets_and_report(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "city_code,item,year,value,unit,source\n140100,population,2024,abc,万人,公报\n", "utf-8"
    )
    refused = runner.invoke(app, ["indicators", "import", str(bad), "--database-url", url])
    assert refused.exit_code == 1
    assert "values row 2, value" in refused.output and "有错误，未写入" in refused.output

    demo = DEFAULT_DIR / "demo-values.csv"
    checked = runner.invoke(
        app, ["indicators", "import", str(demo), "--dry-run", "--database-url", url]
    )
    assert checked.exit_code == 0 and "检查完毕（未写入）" in checked.output
    empty = json.loads(
        runner.invoke(app, ["index", "2024", "--json", "--database-url", url]).output
    )
    assert all(c["index"] is None for c in empty["cities"])  # the dry run wrote nothing

    assert (
        runner.invoke(app, ["indicators", "import", str(demo), "--database-url", url]).exit_code
        == 0
    )
    result = runner.invoke(app, ["index", "2024", "--json", "--database-url", url])
    index = json.loads(result.output)
    assert [c["rank"] for c in index["cities"]] == sorted(c["rank"] for c in index["cities"])
    assert (
        runner.invoke(
            app, ["index", "2024", "--aggregation", "median", "--database-url", url]
        ).exit_code
        == 2
    )
    geo_z = runner.invoke(
        app,
        [
            "index",
            "2024",
            "--normalisation",
            "zscore",
            "--aggregation",
            "geometric",
            "--database-url",
            url,
        ],
    )
    assert geo_z.exit_code == 2 and "几何加总" in geo_z.output

    targets = json.loads(runner.invoke(app, ["targets", "--json", "--database-url", url]).output)
    assert {t["year"] for t in targets} >= {2022, 2025}

    out = tmp_path / "reports"
    made = runner.invoke(app, ["report", "2024", "--out", str(out), "--database-url", url])
    assert made.exit_code == 0, made.output
    pdf = (out / "jinshu-report-2024.pdf").read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    top = index["cities"][0]
    assert f"{top['name']}：指数 {top['index']:.2f}，第 1 名" in text.replace("\n", "")
    html = (out / "jinshu-report-2024.html").read_text("utf-8")
    assert html.count("<svg") >= 3  # index, rank intervals, a target path at least
