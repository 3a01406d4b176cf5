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
