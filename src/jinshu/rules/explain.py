"""Render a result's explanation for people (``explain_result``): Chinese first, line by line.

The same trail is in the JSON ``steps``; this turns it into the text the CLI prints for
``--explain``: the clause, each parameter used (and any override), each condition and its value,
each step with its value, the shared rules and caps applied, and the outcome.
"""

from __future__ import annotations

from jinshu.money import fmt
from jinshu.rules.policyset import PolicySet
from jinshu.rules.results import Result

STATUS_ZH = {
    "eligible": "符合",
    "needs_review": "需评审",
    "ineligible": "不符合",
    "informational": "政策信息",
}
HEADINGS = {
    "parameter": "参数",
    "override": "参数覆盖",
    "condition": "条件",
    "step": "计算",
    "rule": "规则",
}


def outcome_text(res: Result) -> str:
    """The outcome in a few words: amount, range, or status."""
    status = STATUS_ZH[res.status]
    if res.status == "eligible":
        return f"{status} {fmt(res.amount)} 元"
    if res.status == "needs_review" and res.max is not None:
        return f"{status} {fmt(res.min)}—{fmt(res.max)} 元"
    return status


def explain_result(policy: PolicySet, res: Result) -> list[str]:
    """The explanation of one result as lines of text."""
    item = policy.items[res.item]
    clause = policy.clause(item.clause)
    head = f"{res.item} {item.title}（第{item.clause}条：{clause.title}）"
    if res.record:
        head += f"  记录 {res.record}"
    lines = [head, f"  条文：{clause.text.strip()}"]
    for ruling in item.rulings:
        lines.append(f"  裁定[{ruling.id}]：{ruling.zh}")
    for step in res.steps:
        heading = HEADINGS.get(step.kind, step.kind)
        value = f" = {step.value}" if step.value else ""
        if step.kind == "condition":
            verdict = {"是": "成立", "否": "不成立"}.get(step.value, "未知（缺少事实）")
            lines.append(f"  {heading} {step.name}：{verdict}（不成立时：{step.text}）")
        else:
            lines.append(f"  {heading} {step.name}{value}：{step.text}")
    for cap in res.caps:
        lines.append(
            f"  上限 {cap.id}：{cap.label} {fmt(cap.limit)} 元，已用 {fmt(cap.used)} 元，削减 {fmt(cap.cut)} 元"
        )
    if res.split:
        s = res.split
        lines.append(
            f"  分担：省 {s['province']} 元，市（{s['city_name']}）{s['city']} 元，"
            f"县（{s['county_name']}）{s['county']} 元"
        )
    for reason in res.reasons:
        lines.append(f"  原因：{reason}")
    if res.missing:
        lines.append(f"  缺少：{'、'.join(res.missing)}")
    lines.append(f"  结果：{outcome_text(res)}")
    return lines
