"""The task registry read from the policy text: facts checked by hand against the text, and the
committed registry equal to a fresh parse."""

from __future__ import annotations

import pytest

from jinshu.errors import PolicyError
from jinshu.supervise.parse import parse_tasks
from jinshu.supervise.registry import (
    REGISTRY,
    SOURCE,
    build_registry,
    default_registry,
    dump_registry,
    read_registry,
)


def test_committed_registry_is_the_parse_of_the_committed_text() -> None:
    fresh = build_registry(SOURCE)
    assert read_registry(REGISTRY) == fresh
    assert REGISTRY.read_text("utf-8") == dump_registry(fresh)


def test_five_areas_of_section_four_and_five_safeguards() -> None:
    tasks = default_registry().tasks
    four = [t for t in tasks if t.section == 4]
    per_area = {a: sum(1 for t in four if t.area == a) for a in range(1, 6)}
    assert per_area == {1: 4, 2: 8, 3: 4, 4: 3, 5: 2}
    assert [t.area_key for t in four if t.order == 1] == ["网", "智", "数", "器", "芯"]
    five = [t for t in tasks if t.section == 5]
    assert [t.title for t in five] == [
        "加强组织领导",
        "优化市场环境",
        "打造创新平台",
        "强化人才支撑",
        "建立统计评价体系",
    ]
    assert {t.section_title for t in five} == {"保障措施"}


def test_two_tasks_sharing_one_line_are_split() -> None:
    registry = default_registry()
    first, second = registry.task("4.1.1"), registry.task("4.1.2")
    assert first is not None and second is not None
    assert first.title == "夯实基础网络服务能力"
    assert first.lead == "省通信管理局"
    assert first.co_units == ("省工信厅", "各市人民政府", "山西综改示范区管委会")
    assert first.text.endswith(
        "（责任单位：省通信管理局、省工信厅，各市人民政府，山西综改示范区管委会）"
    )
    assert second.title == "加快建设新型基础设施"
    assert second.text.startswith("加快建设新型基础设施。持续完善配套政策体系")
    assert second.co_units == ("省工信厅", "国网山西省电力公司", "各市人民政府")


@pytest.mark.parametrize(
    ("task_id", "title", "lead", "co_units"),
    [
        ("4.2.1", "推动工业云服务平台建设", "省工信厅", ()),
        ("4.2.6", "发展数字商务", "省商务厅", ("省发展改革委", "省工信厅", "太原海关")),
        ("4.2.7", "建设数字乡村", "省委网信办",
         ("省发展改革委", "省农业农村厅", "省工信厅", "省商务厅", "省扶贫办")),
        ("4.3.4", "培育发展人工智能产业", "省工信厅",
         ("相关行业主管部门", "各市人民政府", "山西综改示范区管委会")),
        ("4.4.1", "支持通用计算设备产业一体化发展", "省工信厅", ("省科技厅", "太原市人民政府")),
        ("4.5.2", "推动培育新型显示产业链", "省工信厅", ("省科技厅",)),
        ("5.1.1", "加强组织领导", "省政府办公厅", ("省工信厅", "省发展改革委", "各市人民政府")),
        ("5.5.1", "建立统计评价体系", "省工信厅", ("省统计局", "省通信管理局")),
    ],
)  # fmt: skip
def test_lead_and_co_units_as_written(
    task_id: str, title: str, lead: str, co_units: tuple[str, ...]
) -> None:
    task = default_registry().task(task_id)
    assert task is not None
    assert (task.title, task.lead, task.co_units) == (title, lead, co_units)


def test_units_in_order_of_first_appearance() -> None:
    units = default_registry().units
    assert units[:3] == ("省通信管理局", "省工信厅", "各市人民政府")
    assert len(units) == len(set(units)) == 27
    assert "CPU" not in "".join(units)  # the（CPU ）of 4.4.1 is no unit list


def test_policies_after_the_opinion_are_not_tasks() -> None:
    text = SOURCE.read_text("utf-8")
    assert len(parse_tasks(text)) == 26
    assert all("1. 继续实行数据中心用电电价" not in t.text for t in default_registry().tasks)


def test_a_key_task_without_units_is_refused_with_its_line() -> None:
    text = "四、重点任务\n（一）“网”：提升网络设施能力。\n夯实基础网络服务能力。没有写责任单位。\n"
    with pytest.raises(PolicyError) as caught:
        parse_tasks(text, "t.txt")
    assert caught.value.entries[0].location == "t.txt:3"


def test_text_without_section_four_is_refused() -> None:
    with pytest.raises(PolicyError):
        parse_tasks("一、指导思想\n以……为指导。\n")
