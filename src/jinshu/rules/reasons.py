"""Reason codes of the set-based path, in words (``describe_reason``).

The batch records why a result is what it is as short codes; a person reads them in Chinese,
taken from the policy files wherever the code names a condition, a cap or a rule.

>>> from jinshu.rules.load import default_policy_set
>>> describe_reason(default_policy_set(), "p15_bid", "condition:min_contract")
'单个中标合同金额不足300万元'
"""

from __future__ import annotations

from jinshu.rules.policyset import PolicySet

FIXED = {
    "missing": "缺少必要事实，需补充后评审",
    "zero": "计算金额为0",
    "review:range": "政策规定上限或区间，具体金额由评审确定",
    "review:note": "条文列举以“等”结尾，不在列举之内的由评审决定",
    "review:case_by_case": "按专项资金管理办法或一事一议确定，无固定金额",
    "first_reaching:below": "未达到最低门槛",
    "first_reaching:not_first": "所达门槛均已于此前年度达到或获奖，非首次达到",
    "first_reaching:previous_year_missing": "缺少上年数据，无法判断是否首次达到",
    "one_time:history": "已获得该项奖励，一次性奖励不再重复",
    "one_time:claimed": "本年度已由更早的记录申领",
    "one_time:not_first": "更早的记录已进入该名单，非首次",
    "at_most_years": "已达补贴年限",
}


def describe_reason(policy: PolicySet, item_id: str, code: str) -> str:
    """The Chinese text of a reason code for an item (the code itself if unknown)."""
    if code in FIXED:
        return FIXED[code]
    kind, _, name = code.partition(":")
    item = policy.items.get(item_id)
    if kind == "condition" and item is not None:
        for cond in item.conditions:
            if cond.id == name:
                return cond.reason
    if kind == "cap" and item is not None:
        for cap in item.spec.caps:
            if cap.id == name:
                return f"{cap.label}已用完"
    if kind == "cross_item":
        for rule in policy.cross_item:
            if rule.id == name:
                return rule.label
    return code
