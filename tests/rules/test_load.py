import shutil
from pathlib import Path

import pytest

from jinshu.errors import PolicyError
from jinshu.rules.load import DEFAULT_DIR, load_document


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    target = tmp_path / "doc"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def _break(folder: Path, file: str, old: str, new: str) -> None:
    path = folder / file
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def _messages(folder: Path) -> list[str]:
    with pytest.raises(PolicyError) as info:
        load_document(folder)
    return [str(e) for e in info.value.entries]


def test_the_bundled_document_loads() -> None:
    policy = load_document(DEFAULT_DIR)
    assert len(policy.items) == 41
    assert policy.document.effective_from.isoformat() == "2019-08-27"


def test_unknown_name_is_refused_with_file_line_and_item(policy_dir: Path) -> None:
    _break(
        policy_dir,
        "15-market-expansion.yaml",
        "sql: completed_amount * bid_rate",
        "sql: completed_amt * bid_rate",
    )
    [message] = _messages(policy_dir)
    assert message.startswith("15-market-expansion.yaml:")
    assert "p15_bid.steps.reward" in message and "completed_amt" in message
    line = int(message.split(":")[1])
    text = (policy_dir / "15-market-expansion.yaml").read_text("utf-8").splitlines()
    assert "completed_amt" in text[line - 1]


def test_every_problem_is_collected(policy_dir: Path) -> None:
    _break(
        policy_dir,
        "13-startup-rent.yaml",
        "sql: government_built",
        "sql: government_built = (select 1)",
    )
    _break(
        policy_dir,
        "21-industry-events.yaml",
        "least(cost * event_share, event_max)",
        "pow(cost, 2)",
    )
    _break(
        policy_dir, "19-base-operation.yaml", "limit: base_service_annual_max", "limit: no_such_cap"
    )
    messages = _messages(policy_dir)
    assert any("13-startup-rent.yaml" in m and "p13_rent" in m for m in messages)
    assert any("21-industry-events.yaml" in m and "pow" in m.lower() for m in messages)
    assert any("19-base-operation.yaml" in m and "no_such_cap" in m for m in messages)


def test_yaml_syntax_and_schema_errors(policy_dir: Path) -> None:
    _break(
        policy_dir, "22-training.yaml", "grain: training\n", "grain: training\n    colour: red\n"
    )
    _break(policy_dir, "17-standards.yaml", "clause: 17", "clause: [17")
    messages = _messages(policy_dir)
    assert any("22-training.yaml" in m and "colour" in m for m in messages)
    assert any("17-standards.yaml" in m and "YAML" in m for m in messages)


def test_unknown_ruling_and_wrong_clause_number(policy_dir: Path) -> None:
    _break(
        policy_dir,
        "20-public-platforms.yaml",
        "rulings: [p20-consortium]",
        "rulings: [p20-nothing]",
    )
    _break(policy_dir, "08-ai-basic-data.yaml", "clause: 8", "clause: 9")
    messages = _messages(policy_dir)
    assert any("p20-nothing" in m for m in messages)
    assert any("08-ai-basic-data.yaml" in m for m in messages)


def test_an_amendment_is_a_dated_value(policy_dir: Path) -> None:
    """A later value applies from its date; earlier years keep the value then in force."""
    from jinshu.calculator import calculate
    from tests.factories import make_case

    _break(
        policy_dir,
        "15-market-expansion.yaml",
        'values: {2019-08-27: "0.8"}',
        'values: {2019-08-27: "0.8", 2021-01-01: "0.6"}',
    )
    policy = load_document(policy_dir)
    booth = [{"id": "e1", "kind": "exhibition", "booth_fee": "10000"}]
    amounts = {
        year: next(
            r.amount
            for r in calculate(make_case(year=year, records=booth), policy).results
            if r.item == "p15_expo"
        )
        for year in (2020, 2021)
    }
    assert [str(amounts[2020]), str(amounts[2021])] == ["8000.00", "6000.00"]


def test_a_repeal_is_a_dated_null(policy_dir: Path) -> None:
    from jinshu.calculator import calculate
    from tests.factories import make_case

    _break(
        policy_dir,
        "15-market-expansion.yaml",
        'values: {2019-08-27: "100000"}',
        'values: {2019-08-27: "100000", 2022-01-01: null}',
    )
    policy = load_document(policy_dir)
    booth = [{"id": "e1", "kind": "exhibition", "booth_fee": "500000"}]
    out = {
        year: next(
            r
            for r in calculate(make_case(year=year, records=booth), policy).results
            if r.item == "p15_expo"
        )
        for year in (2021, 2022)
    }
    assert str(out[2021].amount) == "100000.00"  # the yearly cap binds
    assert str(out[2022].amount) == "400000.00"  # repealed: no cap any more
