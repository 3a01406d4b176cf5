"""The index of a tiny data set, against numbers worked out by hand (tests/monitor/data/tiny).

Three cities, two pillars, three indicators: a per-capita indicator, a lower-is-better one whose
worst city is clipped, and one missing for a city (mean imputation). expected.yaml shows the
working; here the engine must agree with it to 1e-5 under all three methods.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from jinshu.monitor.framework import load_framework
from jinshu.monitor.index import Method, MethodError, compute_index
from jinshu.monitor.uncertainty import analyse
from jinshu.monitor.values import current_values, import_values
from jinshu.store.db import session_factory, transaction
from jinshu.store.migrate import upgrade

TINY = Path(__file__).parent / "data" / "tiny"
CITIES = ["140100", "140200", "140300"]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[Any, Any], dict[str, Any]]:
    """The tiny values, imported through the real importer into a throwaway database."""
    framework = load_framework(TINY / "framework.yaml")
    url = f"sqlite:///{tmp_path_factory.mktemp('tiny') / 'tiny.db'}"
    upgrade(url)
    with transaction(session_factory(url)) as session:
        report = import_values(
            session, (TINY / "values.csv").read_bytes(), "values.csv", framework, actor="test"
        )
        assert not report.errors, report.errors
        values = current_values(session)
    expected = yaml.safe_load((TINY / "expected.yaml").read_text("utf-8"))
    return framework, values, expected


def _close(got: dict[str, Any], want: dict[Any, Any]) -> None:
    assert set(got) == {str(k) for k in want}
    for key, value in want.items():
        if isinstance(value, dict):
            _close(got[str(key)], value)
        else:
            assert got[str(key)] == pytest.approx(value, abs=1e-5), key


@pytest.mark.parametrize(
    ("section", "method"),
    [
        ("arithmetic", Method()),
        ("geometric", Method(aggregation="geometric")),
        ("zscore_arithmetic", Method(normalisation="zscore")),
    ],
)
def test_the_index_matches_the_hand_worked_numbers(data: Any, section: str, method: Method) -> None:
    framework, values, expected = data
    result = compute_index(framework, values, 2024, method, CITIES)
    want = expected[section]
    _close(result.pillar_scores, want["pillars"])
    _close(result.index, want["index"])
    assert result.rank == {str(k): v for k, v in want["rank"].items()}
    if "scores" in want:
        _close(result.scores, want["scores"])


def test_values_scores_and_the_imputed_cell(data: Any) -> None:
    framework, values, expected = data
    result = compute_index(framework, values, 2024, Method(), CITIES)
    _close(
        {c: {k: v for k, v in row.items()} for c, row in result.values.items()},
        expected["indicator_values"],
    )
    _close(result.scores, expected["minmax_scores"])
    assert result.imputed == {(str(c), i) for c, i in expected["imputed"]}


def test_geometric_means_of_z_scores_are_refused(data: Any) -> None:
    framework, values, _ = data
    with pytest.raises(MethodError) as info:
        compute_index(framework, values, 2024, Method("zscore", "geometric"), CITIES)
    assert info.value.entries[0].location == "aggregation"


def test_same_inputs_and_seed_give_the_same_scores_and_intervals(data: Any) -> None:
    framework, values, _ = data
    one = analyse(framework, values, 2024, base=64, seed=11, cities=CITIES)
    two = analyse(framework, values, 2024, base=64, seed=11, cities=CITIES)
    assert one == two
    for c in one.cities:
        assert 1 <= c.best <= c.low <= c.high <= c.worst <= 3
    # Weighting pillar a heavily puts 阳泉 (a: 83.33) above 太原 (a: 73.33): both reach first.
    by_city = {c.city: c for c in one.cities}
    assert by_city["140100"].best == 1 and by_city["140300"].best == 1
    assert one.samples == 64 * (len(one.factors) + 2)
