"""``jinshu tasks …``: parse the text into the registry, load it, list and show tasks, assess a year.

Thin like the rest of the CLI: each command calls the functions the API and the web call.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from jinshu.errors import JinshuError

tasks_app = typer.Typer(
    help="重点任务督查：任务清单（责任单位）、行动计划、进展与年度考核。", no_args_is_help=True
)
out = Console()
err = Console(stderr=True)
DbUrl = Annotated[str | None, typer.Option("--database-url", help="默认取 JINSHU_DATABASE_URL")]
AsJson = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]
AsOf = Annotated[
    dt.datetime | None, typer.Option("--as-of", formats=["%Y-%m-%d"], help="截至日期 YYYY-MM-DD")
]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _fail(exc: JinshuError, code: int = 1) -> typer.Exit:
    for entry in exc.entries:
        err.print(f"[red]{entry}[/red]", highlight=False)
    return typer.Exit(code)


@tasks_app.command("parse")
def parse_text(
    source: Annotated[Path | None, typer.Option(help="政策原文（默认仓库中的原文）")] = None,
    write: Annotated[
        bool, typer.Option("--write", help="写入 tasks/registry.yaml（否则只比对）")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """从原文解析重点任务与责任单位；与已提交的任务清单比对（--write 则重新生成）。"""
    from jinshu.supervise.registry import (
        REGISTRY,
        SOURCE,
        build_registry,
        dump_registry,
        read_registry,
    )

    try:
        registry = build_registry(source or SOURCE)
    except OSError as exc:
        err.print(f"[red]无法读取 {source or SOURCE}：{exc.strerror}[/red]")
        raise typer.Exit(2) from None
    except JinshuError as exc:
        raise _fail(exc, 2) from None
    if as_json:
        _print_json(registry.model_dump(mode="json"))
    if write:
        REGISTRY.write_text(dump_registry(registry), "utf-8")
        err.print(f"已写入 {REGISTRY}（{len(registry.tasks)} 项任务）。")
        return
    try:
        same = REGISTRY.exists() and read_registry(REGISTRY) == registry
    except JinshuError:
        same = False
    if not as_json:
        err.print(
            f"解析出 {len(registry.tasks)} 项任务、{len(registry.units)} 个责任单位；"
            + ("与已提交的任务清单一致。" if same else "[red]与已提交的任务清单不一致[/red]。")
        )
    if not same:
        raise typer.Exit(1)


@tasks_app.command("load")
def load(database_url: DbUrl = None) -> None:
    """把已提交的任务清单载入数据库（新增与变更的任务；记入审计日志）。"""
    from jinshu.store.db import session_factory, transaction
    from jinshu.supervise.registry import default_registry
    from jinshu.supervise.tasks import load_tasks

    try:
        with transaction(session_factory(database_url)) as session:
            report = load_tasks(session, default_registry(), actor="cli")
    except JinshuError as exc:
        raise _fail(exc) from None
    out.print(
        f"任务清单已载入：新增 {len(report.added)}，更新 {len(report.updated)}，"
        f"未变 {report.unchanged}。"
    )
    if report.not_in_registry:
        out.print(f"数据库中另有清单已不含的任务：{'、'.join(report.not_in_registry)}")


def _task_row(t: Any) -> dict[str, Any]:
    return {
        "id": t.id,
        "section": t.section,
        "area": t.area,
        "area_key": t.area_key,
        "area_title": t.area_title,
        "title": t.title,
        "lead_unit": t.lead_unit,
        "co_units": list(t.co_units),
    }


@tasks_app.command("list")
def list_(
    section: Annotated[int | None, typer.Option(help="4 重点任务，5 保障措施")] = None,
    unit: Annotated[str | None, typer.Option(help="只列出该单位牵头或配合的任务")] = None,
    as_json: AsJson = False,
    database_url: DbUrl = None,
) -> None:
    """数据库中的任务清单（按原文顺序）：编号、领域、任务、牵头单位、配合单位。"""
    from jinshu.store.db import session_factory, transaction
    from jinshu.supervise.tasks import list_tasks

    with transaction(session_factory(database_url)) as session:
        rows = [_task_row(t) for t in list_tasks(session, section=section, unit=unit)]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        err.print("[red]没有任务：任务清单尚未载入（jinshu tasks load）或没有该单位的任务。[/red]")
        raise typer.Exit(1)
    table = Table()
    for col in ("编号", "领域", "任务", "牵头单位", "配合单位"):
        table.add_column(col, overflow="fold")
    for r in rows:
        area = f"“{r['area_key']}”{r['area_title']}" if r["area_key"] else r["area_title"]
        table.add_row(r["id"], area, r["title"], r["lead_unit"], "、".join(r["co_units"]))
    out.print(table)
    out.print(f"共 {len(rows)} 项任务。")


def _item_dict(item: Any, status: Any) -> dict[str, Any]:
    return {
        "id": item.id,
        "year": item.year,
        "task_id": item.task_id,
        "title": item.title,
        "deadline": item.deadline.isoformat(),
        "lead_unit": item.lead_unit,
        "co_units": list(item.co_units),
        "state": status.state,
        "percent": status.percent,
        "completed_on": status.completed_on and status.completed_on.isoformat(),
        "stale": status.stale,
        "quiet_days": status.quiet_days,
    }


def _state_text(d: dict[str, Any]) -> str:
    from jinshu.supervise.flags import STALE_ZH, STATE_ZH

    text = STATE_ZH[d["state"]]
    return text + (f"，{STALE_ZH}（{d['quiet_days']} 天）" if d["stale"] else "")


@tasks_app.command("show")
def show(
    task_id: Annotated[str, typer.Argument(help="任务编号，如 4.1.1")],
    as_of: AsOf = None,
    stale_days: Annotated[int | None, typer.Option(min=0, help="超过多少天未报送即标记")] = None,
    as_json: AsJson = False,
    database_url: DbUrl = None,
) -> None:
    """一项任务：原文、责任单位、年度行动计划事项及其进展与状态。"""
    from jinshu.config import settings
    from jinshu.store.db import session_factory, transaction
    from jinshu.supervise.plans import plan_items, status_of
    from jinshu.supervise.tasks import get_task

    day = as_of.date() if as_of else dt.date.today()
    days = settings.supervision_stale_days if stale_days is None else stale_days
    try:
        with transaction(session_factory(database_url)) as session:
            task = get_task(session, task_id)
            data = {**_task_row(task), "text": task.text, "plan_items": []}
            for item in plan_items(session, task_id=task.id):
                row = _item_dict(item, status_of(item, as_of=day, stale_days=days))
                row["reports"] = [
                    {"reported_on": r.reported_on.isoformat(), "unit": r.unit,
                     "percent": r.percent, "text": r.text, "reason": r.reason,
                     "evidence": [a.filename for a in r.attachments]}
                    for r in item.reports
                ]  # fmt: skip
                data["plan_items"].append(row)
    except JinshuError as exc:
        raise _fail(exc) from None
    if as_json:
        _print_json({"as_of": day, "stale_days": days, **data})
        return
    out.print(f"[bold]{data['id']} {data['title']}[/bold]  牵头：{data['lead_unit']}", end="")
    out.print(f"；配合：{'、'.join(data['co_units'])}" if data["co_units"] else "")
    out.print(data["text"], highlight=False)
    out.print(f"\n截至 {day}（超过 {days} 天未报送即标记）：")
    if not data["plan_items"]:
        out.print("尚无年度行动计划事项。")
    for row in data["plan_items"]:
        out.print(
            f"- [{row['id']}] {row['year']} {row['title']}；时限 {row['deadline']}；"
            f"牵头 {row['lead_unit']}；进度 {row['percent']}%；{_state_text(row)}",
            highlight=False,
        )
        for r in row["reports"]:
            files = f"（佐证：{'、'.join(r['evidence'])}）" if r["evidence"] else ""
            out.print(
                f"    {r['reported_on']} {r['unit']} {r['percent']}% {r['text']}{files}",
                highlight=False,
            )


@tasks_app.command("assess")
def assess(
    year: Annotated[int, typer.Argument(min=2019, max=2100, help="计划年度")],
    as_of: AsOf = None,
    stale_days: Annotated[int | None, typer.Option(min=0, help="超过多少天未报送即标记")] = None,
    as_json: AsJson = False,
    database_url: DbUrl = None,
) -> None:
    """年度考核汇总：各责任单位牵头（及配合）事项的按期完成、逾期完成、逾期未完成、推进中、超期未报送。"""
    from jinshu.config import settings
    from jinshu.store.db import session_factory, transaction
    from jinshu.supervise.assess import assess_year, default_as_of
    from jinshu.supervise.flags import STATE_ZH, STATES

    day = as_of.date() if as_of else default_as_of(year)
    days = settings.supervision_stale_days if stale_days is None else stale_days
    with transaction(session_factory(database_url)) as session:
        result = assess_year(session, year=year, as_of=day, stale_days=days)
        items = [_item_dict(i, s) for i, s in result.items]
    units: list[dict[str, Any]] = [
        {"unit": u.unit, "as_lead": u.as_lead.as_dict(), "as_co": u.as_co.as_dict()}
        for u in result.units
    ]
    if as_json:
        _print_json(
            {"year": year, "as_of": day, "stale_days": days,
             "total": result.total.as_dict(), "units": units, "items": items}
        )  # fmt: skip
        return
    out.print(f"[bold]{year} 年度重点任务考核汇总[/bold]（截至 {day}，超过 {days} 天未报送即标记）")
    table = Table()
    for col in ("责任单位", *(STATE_ZH[s] for s in STATES), "超期未报送", "合计", "配合事项"):
        table.add_column(col, overflow="fold")
    for u in units:
        lead = u["as_lead"]
        table.add_row(
            u["unit"],
            *(str(lead[s]) for s in (*STATES, "stale", "total")),
            str(u["as_co"]["total"]),
        )
    out.print(table)
    t = result.total.as_dict()
    out.print(
        f"共 {t['total']} 项：" + "，".join(f"{STATE_ZH[s]} {t[s]}" for s in STATES)
        + f"；其中超期未报送 {t['stale']}。"
    )  # fmt: skip
    flagged = [d for d in items if d["state"] == "overdue" or d["stale"]]
    if flagged:
        out.print("需关注：")
        for d in flagged:
            out.print(
                f"- [{d['id']}] {d['title']}（任务 {d['task_id']}，{d['lead_unit']}，时限 "
                f"{d['deadline']}，进度 {d['percent']}%）：{_state_text(d)}",
                highlight=False,
            )
