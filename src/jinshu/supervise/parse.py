"""Read the key tasks and their responsible units (责任单位) out of the policy text.

Section 四 (重点任务) of the opinion has five areas, （一）"网" … （五）"芯". Each paragraph of an
area opens with the task's title sentence and ends with ``（责任单位：…）``; the first unit named
leads, the others co-operate. Two tasks may share one line of the text (the first area's first two
do), so a line is split after every ``（责任单位：…）``. Section 五 (保障措施) has one paragraph under
each heading; those that name responsible units are tasks too, titled by their heading. Parsing
stops where the numbering of sections starts again (the policies that follow the opinion).

Units are separated by ``、`` or ``，`` and kept as written (各市人民政府, 相关行业主管部门 …).

Example:
    >>> text = "四、重点任务\\n（一）“网”：提升网络设施能力。\\n" \\
    ...     "夯实基础网络服务能力。支持基础电信企业。（责任单位：省通信管理局、省工信厅，各市人民政府）"
    >>> task = parse_tasks(text)[0]
    >>> task.id, task.area_key, task.title, task.lead, task.co_units
    ('4.1.1', '网', '夯实基础网络服务能力', '省通信管理局', ('省工信厅', '各市人民政府'))
"""

from __future__ import annotations

import re

from jinshu.errors import PolicyError, problem
from jinshu.supervise.registry import TaskSpec

NUMERALS = {n: i for i, n in enumerate("一二三四五六七八九十", start=1)}
SECTIONS = {4: "重点任务", 5: "保障措施"}
_SECTION = re.compile(r"^([一二三四五六七八九十]+)、(.+)$")
_AREA = re.compile(r"^（([一二三四五六七八九十]+)）(.+)$")
_AREA_KEY = re.compile(r"^[“\"]([^”\"]+)[”\"]：(.+)$")
_UNITS = re.compile(r"（责任单位：([^）]*)）")
_SEPARATORS = re.compile(r"[、，,]")


def split_units(written: str) -> tuple[str, ...]:
    """The units of one ``（责任单位：…）``, in the order written.

    >>> split_units("省工信厅、省科技厅，太原市人民政府")
    ('省工信厅', '省科技厅', '太原市人民政府')
    """
    return tuple(u.strip() for u in _SEPARATORS.split(written) if u.strip())


def _title(paragraph: str) -> str:
    return paragraph.split("。", 1)[0].strip()


def _paragraphs(line: str) -> tuple[list[tuple[str, tuple[str, ...]]], str]:
    """Each ``text（责任单位：…）`` of a line with its units, and what is left after the last."""
    found = []
    start = 0
    for match in _UNITS.finditer(line):
        found.append((line[start : match.end()].strip(), split_units(match.group(1))))
        start = match.end()
    return found, line[start:].strip()


def parse_tasks(text: str, source: str = "source") -> list[TaskSpec]:
    """Every task of sections 四 and 五 of the opinion, in the order of the text.

    Args:
        text: the policy text, one paragraph (or more) per line.
        source: the file name, for error messages.

    Returns:
        The tasks, ids ``section.area.order`` (``4.1.1`` is section 四, area （一）, first task).

    Raises:
        PolicyError: a paragraph of section 四 without responsible units, or no tasks at all.
    """
    tasks: list[TaskSpec] = []
    section = 0
    area = 0
    area_key: str | None = None
    area_title = ""
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().strip("\u3000").strip()
        if not line:
            continue
        heading = _SECTION.match(line)
        if heading and heading.group(1) in NUMERALS:
            number = NUMERALS[heading.group(1)]
            if number < section:
                break  # numbering starts again: the opinion has ended
            section, area = number, 0
            continue
        if section not in SECTIONS:
            continue
        sub = _AREA.match(line)
        if sub and sub.group(1) in NUMERALS:
            area = NUMERALS[sub.group(1)]
            title = sub.group(2).strip().rstrip("。")
            keyed = _AREA_KEY.match(title)
            area_key, area_title = (keyed.group(1), keyed.group(2)) if keyed else (None, title)
            continue
        found, rest = _paragraphs(line)
        if section == 4 and (rest or not found):
            raise PolicyError(
                problem(
                    f"{source}:{lineno}",
                    "重点任务的段落须以（责任单位：…）结尾",
                    "a key task paragraph must end with its responsible units",
                    rest[:40] or line[:40],
                )
            )
        if area == 0 and found:
            raise PolicyError(
                problem(f"{source}:{lineno}", "段落不在任何（一）（二）……之下", "no area heading")
            )
        for paragraph, units in found:
            order = 1 + sum(1 for t in tasks if t.section == section and t.area == area)
            tasks.append(
                TaskSpec(
                    id=f"{section}.{area}.{order}",
                    section=section,
                    section_title=SECTIONS[section],
                    area=area,
                    area_key=area_key,
                    area_title=area_title,
                    order=order,
                    title=_title(paragraph) if section == 4 else area_title,
                    text=paragraph,
                    lead=units[0],
                    co_units=units[1:],
                )
            )
    if not tasks:
        raise PolicyError(
            problem(source, "文中没有找到重点任务（四、重点任务）", "no key tasks found")
        )
    return tasks
