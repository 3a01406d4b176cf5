"""Progress against a target: the straight path from the base year, and the text's own comparison."""

from __future__ import annotations

from decimal import Decimal

from jinshu.monitor.framework import Target
from jinshu.monitor.targets import path_value, progress


def target(comparison: str = "gt") -> Target:
    return Target(
        code="t",
        name="数字经济规模突破5000亿元",
        item="de_scale",
        scope="140000",
        year=2022,
        value=Decimal(5000),
        unit="亿元",
        comparison=comparison,  # type: ignore[arg-type]
        base_year=2019,
        section="三、发展目标",
        sentence="数字经济规模突破5000亿元。",
    )


def values(**by_year: int) -> dict[tuple[str, str, int], Decimal]:
    return {("140000", "de_scale", int(y[1:])): Decimal(v) for y, v in by_year.items()}


def test_the_path_runs_straight_from_the_base_year() -> None:
    # 3000 in 2019 to 5000 in 2022: 2000 over three years, 666.67 a year.
    t = target()
    assert path_value(t, Decimal(3000), 2019) == 3000
    assert round(path_value(t, Decimal(3000), 2021), 2) == Decimal("4333.33")
    assert path_value(t, Decimal(3000), 2022) == 5000


def test_ahead_of_the_path_is_on_track_and_below_it_is_behind() -> None:
    assert progress(target(), values(y2019=3000, y2021=4400)).status == "on_track"
    assert progress(target(), values(y2019=3000, y2021=4300)).status == "behind"


def test_breaking_through_means_strictly_more_reaching_means_at_least() -> None:
    exactly = values(y2019=3000, y2022=5000)
    assert progress(target("gt"), exactly).status == "missed"  # 突破: 5000 is not beyond 5000
    assert progress(target("ge"), exactly).status == "achieved"  # 达到
    assert progress(target("gt"), values(y2019=3000, y2022=5001)).status == "achieved"


def test_later_years_do_not_change_the_verdict_and_no_data_says_so() -> None:
    assert progress(target(), values(y2019=3000, y2022=4900, y2023=6000)).status == "missed"
    assert progress(target(), {}).status == "no_data"
    p = progress(target(), values(y2019=3000, y2020=3500))
    assert p.latest_year == 2020
    assert [y for y, _, _ in p.points] == [2019, 2020, 2021, 2022]
