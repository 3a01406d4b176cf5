"""Monitoring commands: ``jinshu indicators …``, ``jinshu index YEAR``, ``jinshu targets``, ``jinshu report YEAR``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from jinshu.errors import JinshuError

indicators_app = typer.Typer(help="监测指标：指标体系、导入数据。", no_args_is_help=True)
out = Console()
err = Console(stderr=True)
DbUrl = Annotated[str | None, typer.Option("--database-url", help="默认取 JINSHU_DATABASE_URL")]
AsJson = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]


def _json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _fail(exc: JinshuError) -> typer.Exit:
    for entry in exc.entries:
        err.print(f"[red]{entry}[/red]", highlight=False)
    return typer.Exit(2)


@indicators_app.command("list")
def list_indicators(as_json: AsJson = False) -> None:
    """指标体系：支柱、指标、来源数据项、单位、方向、标准化方式与阈值。"""
    from jinshu.monitor.framework import default_framework
    from jinshu.monitor.present import framework_json

    fw = default_framework()
    if as_json:
        _json(framework_json(fw))
        return
    pillars = {p.code: p.name for p in fw.pillars}
    table = Table(title=f"{fw.title}（{fw.version}）")
    for col in ("支柱", "代码", "指标", "单位", "方向", "标准化", "阈值", "层级"):
        table.add_column(col)
    norm = {"raw": "原值", "per_capita": "每万人", "per_gdp": "占 GDP %"}
    for i in fw.indicators:
        table.add_row(
            pillars[i.pillar],
            i.code,
            i.name,
            i.unit,
            "越高越好" if i.direction == "higher" else "越低越好",
            norm[i.normalisation],
            f"{i.goalposts[0]}–{i.goalposts[1]}",
            "市" if fw.level(i) == "city" else "全省",
        )
    out.print(table)


@indicators_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help=".csv 或 .xlsx（第一个工作表）")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查，不写入")] = False,
    database_url: DbUrl = None,
) -> None:
    """导入各市、各年度的指标数据；全部通过才写入，逐行报告问题。"""
    from jinshu.monitor.framework import default_framework
    from jinshu.monitor.values import import_values
    from jinshu.store.db import session_factory, transaction

    try:
        data = file.read_bytes()
        with transaction(session_factory(database_url)) as session:
            report = import_values(
                session, data, file.name, default_framework(), actor="cli", dry_run=dry_run
            )
    except OSError as exc:
        err.print(f"[red]无法读取 {file}：{exc.strerror}[/red]")
        raise typer.Exit(2) from None
    except JinshuError as exc:
        raise _fail(exc) from None
    for e in report.errors:
        err.print(f"[red]{e}[/red]", highlight=False)
    for w in report.warnings:
        err.print(f"[yellow]提示：{w}[/yellow]", highlight=False)
    verb = (
        "已导入"
        if report.applied
        else ("检查完毕（未写入）" if not report.errors else "有错误，未写入")
    )
    out.print(
        f"{verb}：{report.rows} 行；新增 {report.added}，修订 {report.revised}，未变 {report.unchanged}。"
    )
    if report.errors:
        raise typer.Exit(1)


def index_cmd(
    year: Annotated[int, typer.Argument(help="年度")],
    normalisation: Annotated[
        str, typer.Option(help="minmax（默认，固定阈值）或 zscore")
    ] = "minmax",
    aggregation: Annotated[str, typer.Option(help="arithmetic（默认）或 geometric")] = "arithmetic",
    imputation: Annotated[str, typer.Option(help="mean（默认）或 carry_forward")] = "mean",
    uncertainty: Annotated[bool, typer.Option("--uncertainty", help="同时做不确定性分析")] = False,
    samples: Annotated[int, typer.Option(help="Sobol 基础样本数（2 的幂）")] = 256,
    seed: Annotated[int, typer.Option(help="随机种子")] = 20190827,
    as_json: AsJson = False,
    database_url: DbUrl = None,
) -> None:
    """各市数字经济发展指数、支柱得分与排名（可选排名区间）。"""
    from jinshu.monitor.framework import default_framework
    from jinshu.monitor.present import index_json, uncertainty_json
    from jinshu.monitor.service import index_for, method
    from jinshu.monitor.uncertainty import analyse
    from jinshu.monitor.values import current_values
    from jinshu.store.db import session_factory, transaction

    choices = {
        "normalisation": ("minmax", "zscore"),
        "aggregation": ("arithmetic", "geometric"),
        "imputation": ("mean", "carry_forward"),
    }
    for name, value in (
        ("normalisation", normalisation),
        ("aggregation", aggregation),
        ("imputation", imputation),
    ):
        if value not in choices[name]:
            err.print(f"[red]--{name}：应为 {' / '.join(choices[name])}，得到 {value!r}[/red]")
            raise typer.Exit(2)
    if samples < 8 or samples & (samples - 1):
        err.print(f"[red]--samples：应为 2 的幂（如 256），得到 {samples}[/red]")
        raise typer.Exit(2)
    fw = default_framework()
    try:
        with transaction(session_factory(database_url)) as session:
            chosen = method(session, normalisation, aggregation, imputation)  # type: ignore[arg-type]
            result = index_json(index_for(session, fw, year, chosen))
            unc = (
                uncertainty_json(
                    analyse(fw, current_values(session), year, chosen, base=samples, seed=seed)
                )
                if uncertainty
                else None
            )
    except JinshuError as exc:
        raise _fail(exc) from None
    if as_json:
        _json(result | ({"uncertainty": unc} if unc else {}))
        return
    pillars = {p.code: p.name for p in fw.pillars}
    intervals = {c["code"]: c["interval"] for c in unc["cities"]} if unc else {}
    table = Table(title=f"{year} 年数字经济发展指数")
    for col in (
        "排名",
        "市",
        "指数",
        *[pillars[p] for p in result["pillars"]],
        *(["排名区间"] if unc else []),
    ):
        table.add_column(col, justify="right")
    for c in result["cities"]:
        table.add_row(
            str(c["rank"]),
            c["name"],
            _num(c["index"]),
            *[_num(c["pillars"].get(p)) for p in result["pillars"]],
            *([f"{intervals[c['code']][0]}–{intervals[c['code']][1]}"] if unc else []),
        )
    out.print(table)
    if result["province"]:
        out.print(f"全省指数：{_num(result['province']['index'])}")
    imputed = [
        f"{c['name']} {k}"
        for c in result["cities"]
        for k, v in c["indicators"].items()
        if v["imputed"]
    ]
    if imputed:
        out.print(f"插补的数值：{'、'.join(imputed)}")
    if not any(c["index"] is not None for c in result["cities"]):
        err.print(f"[yellow]{year} 年没有指标数据。[/yellow]")


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def targets_cmd(as_json: AsJson = False, database_url: DbUrl = None) -> None:
    """实施意见的发展目标：实际值、目标路径与进展。"""
    from jinshu.monitor.framework import default_targets
    from jinshu.monitor.present import progress_json
    from jinshu.monitor.targets import progress
    from jinshu.monitor.values import current_values
    from jinshu.store.db import session_factory, transaction

    with transaction(session_factory(database_url)) as session:
        now = current_values(session)
    rows = [progress_json(progress(t, now)) for t in default_targets()]
    if as_json:
        _json(rows)
        return
    for t in rows:
        out.print(
            f"[bold]{t['name']}[/bold]（{t['year']} 年，{t['value']} {t['unit']}）：{t['status_zh']}"
        )
        out.print(f"  “{t['sentence']}”", highlight=False)
        out.print(
            "  "
            + "  ".join(
                f"{p['year']}: {p['actual'] or '—'} / {p['path'] or '—'}" for p in t["points"]
            ),
            highlight=False,
        )


def report_cmd(
    year: Annotated[int, typer.Argument(help="年度")],
    out_dir: Annotated[Path, typer.Option("--out", help="输出目录")] = Path("reports"),
    database_url: DbUrl = None,
) -> None:
    """生成年度监测报告（HTML 与 PDF）：指数与排名区间、目标进展、资金使用、重点任务。"""
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from jinshu.monitor.report import build_report, write_report
    from jinshu.rules.load import default_policy_set
    from jinshu.store.db import session_factory, transaction

    try:
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True
        ) as bar:
            task = bar.add_task("读取数据、计算指数与不确定性…")
            with transaction(session_factory(database_url)) as session:
                report = build_report(session, default_policy_set(), year)
            bar.update(task, description="排版 HTML 与 PDF…")
            html_path, pdf_path = write_report(report, out_dir)
    except JinshuError as exc:
        raise _fail(exc) from None
    except OSError as exc:
        err.print(f"[red]无法写入 {out_dir}：{exc.strerror}[/red]")
        raise typer.Exit(2) from None
    out.print(f"已生成：{html_path}  {pdf_path}")
