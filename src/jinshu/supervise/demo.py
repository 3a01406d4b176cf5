"""The supervision part of the demo: the task registry loaded, a 2024 action plan whose items end
up in every state on 31 December 2024 (on time, late, overdue, in progress, stale, never reported),
and an account for 省通信管理局 beside dept-demo (省工信厅).
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jinshu.api.security import hash_password
from jinshu.store.db import transaction
from jinshu.store.models import User
from jinshu.supervise.plans import create_plan_item
from jinshu.supervise.progress import add_evidence, report_progress
from jinshu.supervise.registry import default_registry
from jinshu.supervise.schemas import PlanItemIn, ReportIn
from jinshu.supervise.tasks import load_tasks

D = dt.date
# (task, title, deadline, co-units, expected output, [(reporter, date, percent, text, reason)])
PLAN_2024 = [
    ("4.1.3", "建设运营工业互联网标识解析二级节点", D(2024, 6, 30), [], "二级节点2个接入国家顶级节点",
     [("dept-demo", D(2024, 3, 15), 40, "完成节点选址与建设方案评审", ""),
      ("dept-demo", D(2024, 6, 28), 100, "两个二级节点通过验收并接入国家顶级节点", "")]),
    ("4.2.1", "推动企业数据管理能力成熟度（DCMM）贯标", D(2024, 9, 30), [], "贯标企业50家",
     [("dept-demo", D(2024, 5, 20), 50, "已组织25家企业完成贯标评估", ""),
      ("dept-demo", D(2024, 10, 18), 100, "50家企业完成贯标，晚于计划时限", "")]),
    ("4.1.1", "千兆光网覆盖全省设区市城区", D(2024, 10, 31), ["省工信厅"], "11个设区市城区千兆覆盖",
     [("tel-demo", D(2024, 4, 10), 30, "完成太原、大同等4市城区覆盖", ""),
      ("tel-demo", D(2024, 8, 15), 20, "重新核定覆盖口径后进度下调", "按工信部新口径重新核定已覆盖小区"),
      ("tel-demo", D(2024, 12, 16), 85, "9市城区完成覆盖，2市在建", "")]),
    ("4.1.2", "新建5G基站1万个", D(2024, 12, 31), ["省工信厅", "国网山西省电力公司"], "新建5G基站1万个",
     [("tel-demo", D(2024, 6, 30), 45, "已开通5G基站4500个", ""),
      ("dept-demo", D(2024, 9, 15), 60, "配合完成转供电改直供电站点1200个", ""),
      ("tel-demo", D(2024, 12, 20), 90, "已开通5G基站9000个", "")]),
    ("4.3.2", "建设数据标注产业基地", D(2024, 12, 31), ["山西综改示范区管委会"], "基地开园运营",
     [("dept-demo", D(2024, 8, 31), 60, "基地主体建成，招商企业12家", "")]),
    ("4.2.3", "认定省级智能工厂和数字化车间", D(2024, 8, 31), ["省科技厅"], "智能工厂20家、数字化车间50个",
     [("dept-demo", D(2024, 5, 10), 20, "完成申报受理", "")]),
    ("5.5.1", "发布全省数字经济发展年度报告", D(2024, 12, 31), ["省统计局", "省通信管理局"], "年度报告一份",
     []),
]  # fmt: skip


def create_supervision_demo(factory: sessionmaker[Session]) -> dict[str, str]:
    """Load the tasks and the 2024 plan (needs admin-demo and dept-demo); returns new accounts."""
    password = secrets.token_urlsafe(9)
    with transaction(factory) as s:
        load_tasks(s, default_registry(), actor="demo")
        s.add(
            User(
                username="tel-demo",
                display_name="tel-demo",
                role="department_reviewer",
                department="省通信管理局",
                password_hash=hash_password(password),
            )
        )
        s.flush()
        users = {u.username: u for u in s.scalars(select(User))}
        for task_id, title, deadline, co_units, output, reports in PLAN_2024:
            task = default_registry().task(task_id)
            assert task is not None
            item = create_plan_item(
                s,
                user=users["admin-demo"],
                data=PlanItemIn(
                    task_id=task_id, year=2024, title=title, deadline=deadline,
                    lead_unit=task.lead, co_units=co_units, expected_output=output,
                ),
            )  # fmt: skip
            for reporter, day, percent, text, reason in reports:
                report = report_progress(
                    s,
                    user=users[reporter],
                    item_id=item.id,
                    data=ReportIn(reported_on=day, percent=percent, text=text, reason=reason),
                )
                if percent == 100 or day.month == 12:
                    add_evidence(
                        s, user=users[reporter], report_id=report.id,
                        filename=f"佐证-{item.id}-{day}.txt", content_type="text/plain",
                        data=f"{title}\n{day} {text}\n".encode(),
                    )  # fmt: skip
    return {"tel-demo": password}
