"""The yearly monitoring report (数字经济发展监测年度报告), as HTML and as PDF.

Everything in it is read from the database when it is built: the index and its rank intervals, the
targets and their progress, fund use from the ledger, and the key tasks' assessment when the
supervision tables hold any. The PDF is the HTML rendered by WeasyPrint, so the two never differ.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.orm import Session

from jinshu.monitor import charts
from jinshu.monitor.framework import Framework, default_framework, default_targets
from jinshu.monitor.funds import fund_use
from jinshu.monitor.present import (
    area_name,
    factor_name,
    funds_json,
    index_json,
    progress_json,
    uncertainty_json,
)
from jinshu.monitor.service import index_for, method
from jinshu.monitor.targets import progress
from jinshu.monitor.uncertainty import analyse
from jinshu.monitor.values import current_values, latest_values
from jinshu.rules.policyset import PolicySet

REPORT_SAMPLES = 128  # Sobol base for the report's rank intervals


@dataclass
class Report:
    year: int
    generated: str
    framework: Framework
    index: dict[str, Any]
    uncertainty: dict[str, Any]
    targets: list[dict[str, Any]]
    funds: dict[str, Any]
    funds_total: dict[str, Any]
    synthetic_share: float
    tasks: list[dict[str, Any]] | None = None
    charts: dict[str, str] = field(default_factory=dict)


def _synthetic_share(session: Session, year: int) -> float:
    """The share of the year's current values that are synthetic (demo) data."""
    current = [v for (_, _, y), v in latest_values(session).items() if y == year]
    return sum(1 for v in current if v.synthetic) / len(current) if current else 0.0


def _tasks(session: Session, year: int) -> list[dict[str, Any]] | None:
    """The key tasks' assessment per responsible unit (as lead), when the year has plan items."""
    from jinshu.config import settings
    from jinshu.supervise.assess import assess_year, default_as_of

    result = assess_year(
        session,
        year=year,
        as_of=default_as_of(year),
        stale_days=settings.supervision_stale_days,
    )
    rows = [
        {
            "unit": u.unit,
            "按期完成": u.as_lead.on_time,
            "逾期完成": u.as_lead.late,
            "逾期未完成": u.as_lead.overdue,
            "推进中": u.as_lead.in_progress,
            "久未报送": u.as_lead.stale,
            "配合事项": u.as_co.total,
        }
        for u in result.units
    ]
    return rows or None


def build_report(
    session: Session, policy: PolicySet, year: int, *, samples: int = REPORT_SAMPLES
) -> Report:
    fw = default_framework()
    chosen = method(session)
    result = index_json(index_for(session, fw, year, chosen))
    values_now = current_values(session)
    unc = uncertainty_json(analyse(fw, values_now, year, chosen, base=samples))
    targets = [progress_json(progress(t, values_now)) for t in default_targets()]
    funds = funds_json(fund_use(session, policy, year))
    report = Report(
        year=year,
        generated=dt.date.today().isoformat(),
        framework=fw,
        index=result,
        uncertainty=unc,
        targets=targets,
        funds=funds,
        funds_total=funds_json(fund_use(session, policy)),
        synthetic_share=_synthetic_share(session, year),
        tasks=_tasks(session, year),
    )
    report.charts = _charts(report)
    return report


def _charts(r: Report) -> dict[str, str]:
    cities = r.index["cities"]
    out: dict[str, str] = {}
    if cities and all(c["index"] is not None for c in cities):
        out["index"] = charts.bars(
            [c["name"] for c in cities],
            {"指数": [c["index"] for c in cities]},
            f"{r.year} 年数字经济发展指数",
        )
    unc = r.uncertainty["cities"]
    if unc:
        out["ranks"] = charts.rank_intervals(
            [c["name"] for c in unc],
            [c["rank"] for c in unc],
            [c["interval"][0] for c in unc],
            [c["interval"][1] for c in unc],
        )
    for t in r.targets:
        pts = t["points"]
        out[f"target_{t['code']}"] = charts.target_path(
            [p["year"] for p in pts],
            [None if p["actual"] is None else float(p["actual"]) for p in pts],
            [None if p["path"] is None else float(p["path"]) for p in pts],
            float(t["value"]),
            t["name"],
            t["unit"],
        )
    for scope, data, when in (("year", r.funds, f"{r.year} 年"), ("total", r.funds_total, "累计")):
        for table, label in (("clause", "按条款"), ("city", "按市")):
            rows = data[table]
            if rows:
                out[f"funds_{scope}_{table}"] = charts.bars(
                    [row["key"] for row in rows],
                    {
                        "已认定": [float(row["committed"]) / 1e4 for row in rows],
                        "已拨付": [float(row["paid"]) / 1e4 for row in rows],
                    },
                    f"资金使用（{when}，{label}）",
                    "万元",
                )
    if r.tasks:
        states = ("按期完成", "逾期完成", "逾期未完成", "推进中")
        out["tasks"] = charts.stacked(
            [row["unit"] for row in r.tasks],
            {state: [int(row[state]) for row in r.tasks] for state in states},
            f"{r.year} 年度行动计划事项（牵头单位）",
        )
    return out


_env = Environment(
    loader=PackageLoader("jinshu.monitor", "templates"), autoescape=select_autoescape(["html"])
)


def render_html(report: Report) -> str:
    svg = {
        k: Markup(v) for k, v in report.charts.items()
    }  # drawn by us from numbers, not user text
    pillars = {p.code: p.name for p in report.framework.pillars}
    indicators = report.framework.city_indicators()
    factors = {f: factor_name(f, pillars) for f in report.uncertainty["sensitivity"]}
    return _env.get_template("report.html").render(
        r=report,
        svg=svg,
        pillars=pillars,
        indicators=indicators,
        area_name=area_name,
        factors=factors,
    )


def render_pdf(report: Report) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango

    pdf: bytes = HTML(string=render_html(report)).write_pdf()
    return pdf


def write_report(report: Report, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / f"jinshu-report-{report.year}.html"
    pdf_path = out_dir / f"jinshu-report-{report.year}.pdf"
    html_path.write_text(render_html(report), encoding="utf-8")
    pdf_path.write_bytes(render_pdf(report))
    return html_path, pdf_path
