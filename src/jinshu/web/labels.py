"""Names the web shows for codes (roles, states, results, actions, levels, monitoring methods,
the state of a plan item), in Chinese.

Templates show them through filters that translate (``a.state|state``). The tables of other
packages (``STATES_ZH``, ``STATUS_ZH``, the actions' labels) are named here too, so that
:func:`extract` can put every one of them into the message catalog: Babel's configuration
(``babel.cfg``) runs it on this file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jinshu.facts.schema import APPLICANT_KINDS
from jinshu.monitor.targets import STATUS_ZH as TARGET_STATUS_ZH
from jinshu.rules.explain import STATUS_ZH
from jinshu.supervise.flags import STALE_ZH, STATE_ZH
from jinshu.workflow.states import STATES_ZH, TRANSITIONS

ROLE_ZH = {
    "enterprise": "企业",
    "city_reviewer": "市级审核人员",
    "department_reviewer": "省级主管部门",
    "finance": "财政",
    "analyst": "分析人员",
    "admin": "管理员",
}
LEVEL_ZH = {"province": "省级", "city": "市级", "county": "县级"}
PART_ZH = {"whole": "全额", "province": "省级部分", "city": "市级部分", "county": "县级部分"}
AWARD_STATES_ZH = {
    "in_notice": "公示中",
    "objected": "异议处理中",
    "approved": "待拨付",
    "paid": "已拨付",
    "cancelled": "已撤销",
}
SETTING_SOURCE_ZH = {"policy": "政策文件默认值", "admin": "管理员设置"}
ACTIONS_ZH = {name: t.label for name, t in TRANSITIONS.items()}
# The monitoring index's method options (web/monitor.py checks the codes against them).
NORMALISATION_ZH = {"minmax": "固定阈值极差标准化", "zscore": "Z 分数标准化"}
AGGREGATION_ZH = {"arithmetic": "算术加权", "geometric": "几何加权"}
IMPUTATION_ZH = {"mean": "其他市均值插补", "carry_forward": "上年值插补"}
# A plan item's state on the as-of date, and the flag of an item without recent reports.
PLAN_STATE_ZH = {**STATE_ZH, "stale": STALE_ZH}
TABLES: dict[str, dict[str, str]] = {
    "role": ROLE_ZH,
    "level": LEVEL_ZH,
    "part": PART_ZH,
    "award_state": AWARD_STATES_ZH,
    "source": SETTING_SOURCE_ZH,
    "action": ACTIONS_ZH,
    "state": STATES_ZH,
    "status": STATUS_ZH,
    "kind": APPLICANT_KINDS,
    "normalisation": NORMALISATION_ZH,
    "aggregation": AGGREGATION_ZH,
    "imputation": IMPUTATION_ZH,
    "target_status": TARGET_STATUS_ZH,
    "plan_state": PLAN_STATE_ZH,
}


def label_messages() -> list[str]:
    """Every label of the tables, once each, in a fixed order."""
    seen: dict[str, None] = {}
    for table in TABLES.values():
        seen.update(dict.fromkeys(table.values()))
    return list(seen)


def extract(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extractor: the labels of :data:`TABLES` as messages (the file itself is not read)."""
    for text in label_messages():
        yield 1, "gettext", text, []
