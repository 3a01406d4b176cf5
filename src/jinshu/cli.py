"""The command line: ``jinshu policies …`` and ``jinshu calc``.

Thin by design: every command calls the same functions as the API will.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from jinshu.errors import CaseError, JinshuError, PolicyError
from jinshu.facts.examples import example_names, load_example
from jinshu.money import fmt
from jinshu.rules.casetests import run_policy_tests
from jinshu.rules.evaluate import show
from jinshu.rules.explain import STATUS_ZH, explain_result, outcome_text
from jinshu.rules.load import DEFAULT_DIR, load_document
from jinshu.rules.policyset import Item, PolicySet
from jinshu.supervise.commands import tasks_app

app = typer.Typer(
    help="jinshu（晋数）：山西省数字经济政策的规则、计算与兑现。", no_args_is_help=True
)
policies_app = typer.Typer(help="政策文件：列表、条文与规则、检查、测试。", no_args_is_help=True)
app.add_typer(policies_app, name="policies")
out = Console()
err = Console(stderr=True)

PolicyDir = Annotated[Path, typer.Option("--policies", help="政策文件目录", show_default=False)]
AsJson = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]

GRAIN_ZH = {"applicant": "申报主体-年度", "info": "政策信息"}


def _load(path: Path | None) -> PolicySet:
    try:
        return load_document(path or DEFAULT_DIR)
    except PolicyError as exc:
        for entry in exc.entries:
            err.print(f"[red]{entry.location}[/red]: {entry.message_zh}", highlight=False)
        raise typer.Exit(1) from None


def _statuses(item: Item) -> list[str]:
    kind = item.spec.payout.kind
    if kind == "info":
        return ["informational"]
    out_ = ["ineligible", "needs_review"]
    if kind in ("fixed", "first_reaching", "upgrade"):
        out_.insert(0, "eligible")
    return out_


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@policies_app.command("list")
def list_policies(path: PolicyDir = DEFAULT_DIR, as_json: AsJson = False) -> None:
    """文件信息与全部政策事项（编号、条款、名称、粒度、可能的结果）。"""
    policy = _load(path)
    doc = policy.document
    items = [
        {
            "item": i.id,
            "clause": i.clause,
            "title": i.title,
            "grain": i.grain,
            "statuses": _statuses(i),
            "department": i.spec.department,
        }
        for i in policy.items.values()
    ]
    if as_json:
        _print_json(
            {
                "document": {
                    "id": doc.id,
                    "title": doc.title,
                    "number": doc.number,
                    "issuer": doc.issuer,
                    "version": doc.version,
                    "effective_from": str(doc.effective_from),
                    "effective_to": None if doc.effective_to is None else str(doc.effective_to),
                    "replaces": doc.replaces,
                    "date_note": doc.date_note,
                },
                "items": items,
            }
        )
        return
    until = str(doc.effective_to) if doc.effective_to else "（未设定）"
    out.print(f"[bold]{doc.title}[/bold]  {doc.number}  {doc.issuer}")
    out.print(f"版本 {doc.version}；施行 {doc.effective_from} 至 {until}；废止 {doc.replaces}")
    out.print(f"[dim]{doc.date_note}[/dim]")
    table = Table(show_lines=False)
    for col in ("事项", "条", "名称", "粒度", "可能结果"):
        table.add_column(col)
    for it in items:
        grain = GRAIN_ZH.get(str(it["grain"]), str(it["grain"]))
        statuses = "、".join(STATUS_ZH[s] for s in it["statuses"])  # type: ignore[attr-defined]
        table.add_row(str(it["item"]), str(it["clause"]), str(it["title"]), grain, statuses)
    out.print(table)
    out.print(f"共 {len(items)} 个事项，{len(policy.clauses)} 条政策。")


def _item_detail(policy: PolicySet, item: Item) -> dict[str, Any]:
    spec = item.spec
    year_end = policy.document.effective_from
    params = []
    for name in item.parameters:
        p = policy.parameters[name]
        params.append(
            {
                "name": name,
                "description": p.spec.description,
                "unit": p.spec.unit,
                "reference": p.spec.reference,
                "values": {str(d): v for d, v in sorted(p.spec.values.items())},
                "current": show(p.value_on(year_end)) if not p.spec.yearly else None,
            }
        )
    return {
        "item": item.id,
        "clause": item.clause,
        "title": item.title,
        "grain": item.grain,
        "department": spec.department,
        "fund": spec.fund,
        "where": spec.where,
        "applies": spec.applies,
        "parameters": params,
        "aggregates": {k: v.model_dump(exclude_none=True) for k, v in spec.aggregates.items()},
        "steps": [s.model_dump() for s in spec.steps],
        "conditions": [c.model_dump() for c in spec.conditions],
        "reviews": [r.model_dump() for r in spec.reviews],
        "payout": spec.payout.model_dump(exclude_defaults=True),
        "one_time": spec.one_time.model_dump() if spec.one_time else None,
        "caps": [c.model_dump() for c in spec.caps],
        "rulings": [r.model_dump() for r in item.rulings],
        "statuses": _statuses(item),
    }


@policies_app.command("show")
def show_policy(
    target: Annotated[str, typer.Argument(help="事项编号（p15_bid）或条款号（15）")],
    path: PolicyDir = DEFAULT_DIR,
    as_json: AsJson = False,
) -> None:
    """条文原文与其参数（含生效日期）、条件、公式及适用的裁定。"""
    policy = _load(path)
    if target.isdigit():
        number = int(target)
        items = [i for i in policy.items.values() if i.clause == number]
    else:
        items = [policy.items[target]] if target in policy.items else []
    if not items:
        err.print(f"[red]未知事项或条款：{target}[/red]（jinshu policies list 查看全部）")
        raise typer.Exit(2)
    clause = policy.clause(items[0].clause)
    details = [_item_detail(policy, i) for i in items]
    if as_json:
        _print_json(
            {
                "clause": clause.clause,
                "title": clause.title,
                "text": clause.text.strip(),
                "file": policy.files[clause.clause].name,
                "items": details,
            }
        )
        return
    out.print(
        f"[bold]第{clause.clause}条 {clause.title}[/bold]  ({policy.files[clause.clause].name})"
    )
    out.print(f"[green]条文[/green] {clause.text.strip()}", highlight=False)
    for d in details:
        out.rule(f"{d['item']} {d['title']}")
        out.print(
            f"粒度 {d['grain']}；主管部门 {d['department']}；资金 {d['fund']}", highlight=False
        )
        if d["where"]:
            out.print(f"适用记录：{d['where']}", highlight=False)
        if d["applies"]:
            out.print(f"列出条件：{d['applies']}", highlight=False)
        if d["parameters"]:
            t = Table(title="参数")
            for col in ("参数", "说明", "取值（自生效日）", "依据"):
                t.add_column(col)
            for p in d["parameters"]:
                values = "；".join(f"{k}起 {v}" for k, v in p["values"].items()) or "（空）"
                t.add_row(p["name"], p["description"], values, p["reference"])
            out.print(t)
        for name, agg in d["aggregates"].items():
            out.print(f"汇总 {name}：{agg}", highlight=False)
        for s in d["steps"]:
            out.print(f"计算 {s['id']} = {s['sql']}  —— {s['label']}", highlight=False)
        for c in d["conditions"]:
            out.print(f"条件 {c['id']}：{c['sql']}  —— 不成立：{c['reason']}", highlight=False)
        for r in d["reviews"]:
            out.print(f"评审 当 {r['sql']}：{r['note']}", highlight=False)
        out.print(f"金额 {d['payout']}", highlight=False)
        if d["one_time"]:
            out.print(f"一次性 {d['one_time']}", highlight=False)
        for c in d["caps"]:
            out.print(
                f"上限 {c['id']}：{c['label']}（{c['per']} / {c['period']}，{c['limit']}）",
                highlight=False,
            )
        for r in d["rulings"]:
            out.print(f"[yellow]裁定 {r['id']}[/yellow]：{r['zh']}", highlight=False)


@policies_app.command("check")
def check_policies(path: PolicyDir = DEFAULT_DIR) -> None:
    """加载并检查全部政策文件；逐条列出问题（文件:行: 事项: 问题）。"""
    policy = _load(path)
    out.print(
        f"政策文件检查通过：{len(policy.clauses)} 条，{len(policy.items)} 个事项，{len(policy.parameters)} 个参数。"
    )


@policies_app.command("test")
def test_policies(
    path: PolicyDir = DEFAULT_DIR,
    clause: Annotated[int | None, typer.Option(help="只运行某一条的测试")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """运行条款文件中的测试案例。"""
    policy = _load(path)
    outcomes = run_policy_tests(policy, clause)
    failed = [o for o in outcomes if not o.passed]
    for o in outcomes:
        if verbose or not o.passed:
            mark = "[green]通过[/green]" if o.passed else "[red]失败[/red]"
            out.print(f"{mark} 第{o.clause}条 {o.name}", highlight=False)
            for p in o.problems:
                out.print(f"    {p}", highlight=False)
    passed = len(outcomes) - len(failed)
    print(f"policies: {passed} passed, {len(failed)} failed")
    if failed or not outcomes:
        raise typer.Exit(1)


def _read_case(source: str | None, example: str | None) -> Any:
    if example is not None:
        if example not in example_names():
            err.print(f"[red]未知示例 {example}[/red]；可用：{', '.join(example_names())}")
            raise typer.Exit(2)
        return load_example(example)
    if source is None:
        err.print("[red]请给出案例文件路径，或用 - 从标准输入读取，或用 --example[/red]")
        raise typer.Exit(2)
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text("utf-8")
    except OSError as exc:
        err.print(f"[red]无法读取 {source}：{exc.strerror}[/red]")
        raise typer.Exit(2) from None
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        err.print(f"[red]案例不是有效的 JSON：第{exc.lineno}行第{exc.colno}列：{exc.msg}[/red]")
        raise typer.Exit(2) from None


@app.command("calc")
def calc(
    source: Annotated[str | None, typer.Argument(help="案例 JSON 文件，- 为标准输入")] = None,
    as_json: AsJson = False,
    explain: Annotated[str | None, typer.Option(help="逐步解释某一事项")] = None,
    example: Annotated[str | None, typer.Option(help="使用内置示例案例")] = None,
    path: PolicyDir = DEFAULT_DIR,
) -> None:
    """政策计算器：按 POLICIES.md 的案例格式计算每项政策的结果与金额。"""
    from jinshu.calculator import calculate

    raw = _read_case(source, example)
    policy = _load(path)
    try:
        result = calculate(raw, policy)
    except CaseError as exc:
        if as_json:
            _print_json({"error": "invalid_case", "errors": [e.as_dict() for e in exc.entries]})
        else:
            err.print("[red]案例无效，未作计算：[/red]")
            for e in exc.entries:
                err.print(f"  {e}", highlight=False)
        raise typer.Exit(2) from None
    except JinshuError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    if explain is not None:
        if explain not in policy.items:
            err.print(f"[red]未知事项 {explain}[/red]")
            raise typer.Exit(2)
        chosen = [r for r in result.results if r.item == explain]
        if not chosen:
            out.print(f"{explain}：本案例中没有该事项的结果（无相关记录，或该年度不适用）。")
        for res in chosen:
            for line in explain_result(policy, res):
                out.print(line, highlight=False)
            out.print()
        return
    if as_json:
        _print_json(result.as_dict())
        return
    out.print(f"{result.year}年  申报主体 {result.enterprise}  政策版本 {result.document or '无'}")
    if result.note:
        out.print(f"[yellow]{result.note}[/yellow]")
    table = Table()
    for col in ("事项", "记录", "结果", "金额或区间（元）", "上限削减", "说明"):
        table.add_column(col)
    style = {
        "eligible": "green",
        "needs_review": "yellow",
        "ineligible": "red",
        "informational": "dim",
    }
    for r in result.results:
        caps = "；".join(f"{c.label} −{fmt(c.cut)}" for c in r.caps)
        why = "；".join(r.reasons[:2])
        if r.missing:
            why = "缺少：" + "、".join(r.missing)
        table.add_row(
            r.item,
            r.record or "",
            f"[{style[r.status]}]{STATUS_ZH[r.status]}[/]",
            outcome_text(r).split(" ", 1)[1] if " " in outcome_text(r) else "",
            caps,
            why,
        )
    out.print(table)
    out.print(
        f"合计（符合）total = [bold]{fmt(result.total)}[/bold] 元；可能最高 total_max = {fmt(result.total_max)} 元"
    )


db_app = typer.Typer(help="数据库：迁移。", no_args_is_help=True)
users_app = typer.Typer(help="用户与角色。", no_args_is_help=True)
audit_app = typer.Typer(help="审计日志。", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
DbUrl = Annotated[str | None, typer.Option("--database-url", help="默认取 JINSHU_DATABASE_URL")]


@db_app.command("upgrade")
def db_upgrade(database_url: DbUrl = None) -> None:
    """把数据库迁移到最新结构（SQLite 文件不存在时创建）。"""
    from jinshu.store.migrate import upgrade

    upgrade(database_url)
    out.print("数据库已是最新结构。")


@users_app.command("create")
def create_user(
    username: str,
    role: Annotated[
        str,
        typer.Option(
            help="enterprise / city_reviewer / department_reviewer / finance / analyst / admin"
        ),
    ],
    enterprise: Annotated[str | None, typer.Option(help="企业用户所属企业编号")] = None,
    city: Annotated[str | None, typer.Option(help="市级审核人员所在市")] = None,
    department: Annotated[str | None, typer.Option(help="省级主管部门")] = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
    database_url: DbUrl = None,
) -> None:
    """创建用户（密码以 argon2 散列保存）。"""
    from jinshu.api.security import hash_password
    from jinshu.store.db import session_factory, transaction
    from jinshu.store.models import User
    from jinshu.workflow.states import ROLES

    if role not in ROLES:
        err.print(f"[red]未知角色 {role}[/red]；可用：{', '.join(ROLES)}")
        raise typer.Exit(2)
    needs = {"enterprise": enterprise, "city_reviewer": city, "department_reviewer": department}
    if role in needs and not needs[role]:
        err.print(f"[red]角色 {role} 须指明其范围（--enterprise / --city / --department）[/red]")
        raise typer.Exit(2)
    if department is not None:
        from jinshu.rules.load import default_policy_set
        from jinshu.supervise.registry import unit_names

        known = sorted({i.spec.department for i in default_policy_set().items.values()})
        known += [u for u in unit_names() if u not in known]  # responsible units of key tasks
        if department not in known:
            err.print(f"[red]未知部门 {department}[/red]；可用的部门与责任单位：{'、'.join(known)}")
            raise typer.Exit(2)
    if len(password) < 8:
        err.print("[red]密码至少 8 位[/red]")
        raise typer.Exit(2)
    with transaction(session_factory(database_url)) as session:
        session.add(
            User(
                username=username,
                role=role,
                enterprise_id=enterprise,
                city=city,
                department=department,
                password_hash=hash_password(password),
            )
        )
    out.print(f"已创建用户 {username}（{role}）。")


@audit_app.command("verify")
def audit_verify(database_url: DbUrl = None) -> None:
    """重算审计日志的哈希链，报告被改动或删除的记录。"""
    from jinshu.store.db import session_factory, transaction
    from jinshu.workflow.audit import verify_chain

    with transaction(session_factory(database_url)) as session:
        problems = verify_chain(session)
    if problems:
        for p in problems:
            err.print(f"[red]{p}[/red]")
        raise typer.Exit(1)
    out.print("审计日志完整：哈希链校验通过。")


registry_app = typer.Typer(help="企业名录：从 XLSX / CSV 导入。", no_args_is_help=True)
app.add_typer(registry_app, name="registry")


@registry_app.command("import")
def registry_import(
    file: Annotated[Path, typer.Argument(help=".xlsx（三个工作表）或 .csv（一张表）")],
    table: Annotated[
        str | None, typer.Option(help="CSV 的表名：enterprises / years / records")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查，不写入")] = False,
    database_url: DbUrl = None,
) -> None:
    """导入企业名录；全部通过才写入，逐行报告问题（表、行、列）。"""
    from jinshu.store.db import session_factory, transaction
    from jinshu.workflow.registry_import import import_registry, read_csv, read_xlsx

    try:
        data = file.read_bytes()
        tables = (
            read_xlsx(data)
            if file.suffix.lower() == ".xlsx"
            else {table or "": read_csv(data, table=table)}
        )
        with transaction(session_factory(database_url)) as session:
            report = import_registry(session, tables, dry_run=dry_run, actor="cli")
    except OSError as exc:
        err.print(f"[red]无法读取 {file}：{exc.strerror}[/red]")
        raise typer.Exit(2) from None
    except JinshuError as exc:
        for entry in exc.entries:
            err.print(f"[red]{entry}[/red]", highlight=False)
        raise typer.Exit(2) from None
    for e in report.errors:
        err.print(f"[red]{e}[/red]", highlight=False)
    counts = report.counts()
    verb = (
        "已导入"
        if report.applied
        else ("检查完毕（未写入）" if not report.errors else "有错误，未写入")
    )
    out.print(
        f"{verb}：企业 {counts['enterprises']}，年度数据 {counts['years']}，记录 {counts['records']}。"
    )
    if report.errors:
        raise typer.Exit(1)


class EngineChoice(StrEnum):
    duckdb = "duckdb"
    spark = "spark"
    postgres = "postgres"


EngineOption = Annotated[
    EngineChoice | None,
    typer.Option("--engine", help="计算引擎：duckdb（进程内）、spark（本地模式）、postgres"),
]
RegistryOption = Annotated[
    Path | None, typer.Option("--registry", help="名录表目录（每表一个 Parquet；duckdb / spark）")
]
PostgresOption = Annotated[
    str | None, typer.Option("--postgres", help="名录所在的 PostgreSQL 数据库 URL")
]
SchemaOption = Annotated[str, typer.Option("--schema", help="PostgreSQL 中名录表所在的 schema")]


@contextmanager
def _engine_errors() -> Iterator[None]:
    """Problems with the registry or the engine as one clear line and exit code 2."""
    try:
        yield
    except JinshuError as exc:
        for entry in exc.entries:
            err.print(f"[red]{entry}[/red]", highlight=False)
        raise typer.Exit(2) from None
    except (ValueError, LookupError, OSError) as exc:
        err.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(2) from None


@registry_app.command("export")
def registry_export(
    parquet: Annotated[
        Path | None, typer.Option("--parquet", help="写入此目录（每表一个 Parquet 文件）")
    ] = None,
    postgres: PostgresOption = None,
    schema: SchemaOption = "registry",
    year: Annotated[int, typer.Option(help="绩效年度（取数据库名录时用）")] = 2020,
    synthetic: Annotated[int | None, typer.Option(help="改为导出合成名录（企业数）")] = None,
    database_url: DbUrl = None,
) -> None:
    """导出名录表（企业、年度数据、各类记录、已获奖励）到 Parquet 目录或 PostgreSQL，供 --engine 计算。"""
    from jinshu.facts.validate import validate_case
    from jinshu.matching.registry_files import write_registry
    from jinshu.matching.tables import case_tables
    from jinshu.rules.load import default_policy_set

    if parquet is None and postgres is None:
        err.print("[red]请给出 --parquet 目录或 --postgres 数据库 URL[/red]")
        raise typer.Exit(2)
    policy = default_policy_set()
    if synthetic is not None:
        from jinshu.facts.synthetic import generate_registry

        raws = generate_registry(synthetic, seed=2020, year=year)
        cases = [validate_case(r, known_items=policy.items) for r in raws]
    else:
        from jinshu.matching.match import registry_cases
        from jinshu.store.db import session_factory, transaction

        with transaction(session_factory(database_url)) as session:
            cases, invalid = registry_cases(session, policy, year)
        for eid, reason in invalid.items():
            err.print(f"[yellow]{eid}：名录数据无效，未导出（{reason}）[/yellow]", highlight=False)
    tables = case_tables(cases)
    with _engine_errors():
        if parquet is not None:
            write_registry(tables, parquet)
            out.print(f"已写入 {parquet}：{len(cases)} 家企业，{len(tables)} 张表。")
        if postgres is not None:
            from jinshu.matching.engines.postgres import load_registry

            load_registry(postgres, tables, schema)
            out.print(
                f"已载入 PostgreSQL（schema {schema}）：{len(cases)} 家企业，{len(tables)} 张表。"
            )


def _match_on_engine(
    year: int,
    engine: EngineChoice | None,
    registry: Path | None,
    results: Path | None,
    postgres: str | None,
    schema: str,
    as_json: bool,
) -> None:
    from jinshu.matching.engine_run import match_to_parquet, open_engine, summarize
    from jinshu.rules.load import default_policy_set

    if engine is None or results is None:
        err.print("[red]--engine 与 --out 须同时给出（--registry / --postgres 指明名录所在）[/red]")
        raise typer.Exit(2)
    policy = default_policy_set()
    if not policy.in_force(year):
        err.print(f"[red]--year {year}：文件在该年度不适用[/red]")
        raise typer.Exit(2)
    with (
        _engine_errors(),
        open_engine(
            engine.value, registry=registry, postgres_url=postgres, schema=schema
        ) as running,
    ):
        match_to_parquet(running, policy, year, results)
    summary = {"engine": engine.value, "year": year, "out": str(results), **summarize(results)}
    if as_json:
        _print_json(summary)
        return
    out.print(
        f"{year}年（{engine.value}）：{summary['enterprises']} 家企业，{summary['rows']} 条结果，"
        f"符合 {summary['eligible']} 条共 {fmt(summary['eligible_total'])} 元，"
        f"待审 {summary['needs_review']} 条；已写入 {results}。",
        highlight=False,
    )


@app.command("match")
def match(
    year: Annotated[int, typer.Option(help="绩效年度")],
    database_url: DbUrl = None,
    as_json: AsJson = False,
    engine: EngineOption = None,
    registry: RegistryOption = None,
    results: Annotated[
        Path | None, typer.Option("--out", help="结果文件（Parquet；与 --engine 同用）")
    ] = None,
    postgres: PostgresOption = None,
    schema: SchemaOption = "registry",
    backend: Annotated[
        str, typer.Option(help="数据库名录的计算方式：duckdb（SQL）或 vector（向量化，结果相同）")
    ] = "duckdb",
) -> None:
    """主动匹配（免申即享）：为名录中每家企业计算各项政策，列出符合但尚未申请的奖励。

    给出 --engine 时改为在名录所在处整体计算（duckdb / spark 读 --registry 目录中的 Parquet，
    postgres 读 --postgres 数据库中的名录表），全部结果写入 --out（Parquet），不写匹配表。
    """
    if engine is not None or registry or results or postgres:
        _match_on_engine(year, engine, registry, results, postgres, schema, as_json)
        return
    if backend not in ("duckdb", "vector"):
        err.print(f"[red]--backend：应为 duckdb 或 vector，得到 {backend!r}[/red]")
        raise typer.Exit(2)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from jinshu.matching.match import run_matching
    from jinshu.rules.load import default_policy_set
    from jinshu.store.db import session_factory, transaction

    phases = {"registry": "读取名录与台账", "evaluate": "批量计算", "store": "保存匹配结果"}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=as_json,
    ) as bar:  # fmt: skip
        tasks: dict[str, Any] = {}

        def progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phases[phase], total=total)
            bar.update(tasks[phase], completed=done, total=total)

        with transaction(session_factory(database_url)) as session:
            run = run_matching(
                session, default_policy_set(), year=year, actor="cli", progress=progress,
                backend=backend,
            )  # fmt: skip
            summary = {
                "run": run.id,
                "year": year,
                "enterprises": run.enterprises,
                "matches": run.matches,
            }
    if as_json:
        _print_json(summary)
    else:
        out.print(
            f"{year}年：{run.enterprises} 家企业，{run.matches} 条尚未申请的匹配（运行 {run.id}）。"
        )


@app.command("reform")
def reform(
    file: Annotated[Path, typer.Argument(help="改革方案 YAML（参数调整）")],
    year: Annotated[int, typer.Option(help="绩效年度")] = 2020,
    synthetic: Annotated[int, typer.Option(help="合成名录的企业数（默认的名录）")] = 20000,
    from_db: Annotated[
        bool, typer.Option("--from-db", help="改用数据库中的企业名录与台账")
    ] = False,
    test: Annotated[bool, typer.Option("--test", help="只运行方案文件自带的测试")] = False,
    as_json: AsJson = False,
    database_url: DbUrl = None,
    engine: EngineOption = None,
    registry: RegistryOption = None,
    postgres: PostgresOption = None,
    schema: SchemaOption = "registry",
) -> None:
    """政策沙盘：在同一名录上比较现行参数与改革方案的财政成本（按条款、市、行业、层级）。

    给出 --engine 时，两次计算都在名录所在处进行（duckdb / spark 读 --registry 目录，
    postgres 读 --postgres 数据库），比较在本地 DuckDB 中完成。
    """
    from jinshu.facts.synthetic import generate_registry
    from jinshu.facts.validate import validate_case
    from jinshu.matching.reform import (
        load_reform,
        registry_connection,
        run_reform,
        run_reform_tests,
    )
    from jinshu.rules.load import default_policy_set

    policy = default_policy_set()
    try:
        plan = load_reform(file, policy)
    except CaseError as exc:
        for e in exc.entries:
            err.print(f"[red]{e}[/red]", highlight=False)
        raise typer.Exit(2) from None
    if test:
        outcomes = run_reform_tests(policy, plan)
        for name, problems in outcomes:
            out.print(
                ("[green]通过[/green] " if not problems else "[red]失败[/red] ") + name,
                highlight=False,
            )
            for p in problems:
                out.print(f"    {p}", highlight=False)
        failed = sum(1 for _, p in outcomes if p)
        print(f"reform: {len(outcomes) - failed} passed, {failed} failed")
        raise typer.Exit(1 if failed else 0)
    budgets: list[dict[str, Any]] = []
    if engine is not None:
        from jinshu.matching.engine_run import open_engine

        with (
            _engine_errors(),
            open_engine(
                engine.value, registry=registry, postgres_url=postgres, schema=schema
            ) as running,
        ):
            (count,) = running.rows("SELECT COUNT(*) AS n FROM enterprises")[1][0]
            report = run_reform(running, policy, plan, year=year)
        _print_reform(report, year, int(count), as_json)
        return
    if from_db:
        from jinshu.matching.reform import database_registry
        from jinshu.store.db import session_factory, transaction

        with transaction(session_factory(database_url)) as session:
            cases, budgets = database_registry(session, policy, year)
    else:
        from rich.progress import track

        raws = generate_registry(synthetic, seed=2020, year=year)
        cases = [
            validate_case(r, known_items=policy.items)
            for r in track(
                raws, total=synthetic, description="生成合成名录", console=err, transient=True
            )
        ]
    report = run_reform(registry_connection(cases), policy, plan, year=year, budgets=budgets)
    _print_reform(report, year, len(cases), as_json)


def _print_reform(report: dict[str, Any], year: int, enterprises: int, as_json: bool) -> None:
    if as_json:
        _print_json(report)
        return
    t = report["total"]
    out.print(f"[bold]{report['reform']}[/bold]（{year}年，{enterprises} 家企业）")
    out.print(
        f"确定支出 {fmt(t['base'])} → {fmt(t['reform'])} 元（变化 {fmt(t['change'])}）；"
        f"含评审上限 {fmt(t['base_up_to'])} → {fmt(t['reform_up_to'])} 元"
    )
    for title, key, label in (
        ("按条款", "by_clause", "clause"),
        ("按市", "by_city", "city"),
        ("按行业", "by_industry", "industry"),
        ("按层级", "by_level", "level"),
    ):
        table = Table(title=title)
        for col in (label, "现行", "改革后", "变化"):
            table.add_column(col)
        for row in report[key]:
            if row["base"] or row["reform"]:
                table.add_row(
                    str(row[label]),
                    fmt(row["base"]) or "",
                    fmt(row["reform"]) or "",
                    fmt(row["change"]) or "",
                )
        out.print(table)
    ents = report["enterprises"]
    out.print(f"受益企业 {ents['gain']} 家，受损企业 {ents['lose']} 家。")
    for line in report["budgets_exceeded"]:
        out.print(
            f"[red]超出预算[/red]：{line['fund']} {line['level']} {line['region']}：需 {fmt(line['cost'])}，预算 {fmt(line['budget'])}"
        )


@app.command("demo")
def demo(
    database_url: DbUrl = None, size: Annotated[int, typer.Option(help="演示企业数")] = 300
) -> None:
    """在空数据库中创建演示数据（各角色账号、预算、各状态的申请），并打印演示账号。"""
    from jinshu.demo import create_demo, demo_accounts
    from jinshu.rules.load import default_policy_set
    from jinshu.store.db import session_factory

    created = create_demo(session_factory(database_url), default_policy_set(), size)
    out.print("已创建演示数据。" if created else "数据库已有数据，未重复创建。")
    accounts = demo_accounts()
    if accounts:
        out.print("演示账号（用户名  密码）：")
        out.print(accounts, highlight=False)


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="默认 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="默认 8000")] = None,
) -> None:
    """启动 API（/api/v1，OpenAPI 文档在 /docs）。"""
    import uvicorn

    from jinshu.api.main import create_app
    from jinshu.config import settings

    uvicorn.run(create_app(), host=host or settings.host, port=port or settings.port)


from jinshu.monitor.cli import index_cmd, indicators_app, report_cmd, targets_cmd  # noqa: E402

app.add_typer(indicators_app, name="indicators")
app.command("index")(index_cmd)
app.command("targets")(targets_cmd)
app.command("report")(report_cmd)
app.add_typer(tasks_app, name="tasks")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
