import json
from pathlib import Path

from typer.testing import CliRunner

from jinshu.calculator import calculate
from jinshu.cli import app
from jinshu.facts.examples import load_example
from tests.factories import make_case

runner = CliRunner()


def test_policies_list_json() -> None:
    result = runner.invoke(app, ["policies", "list", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["document"]["effective_from"] == "2019-08-27"
    assert len(data["items"]) == 41
    p08 = next(i for i in data["items"] if i["item"] == "p08_ai_data")
    assert p08["statuses"] == ["ineligible", "needs_review"]


def test_policies_list_table() -> None:
    result = runner.invoke(app, ["policies", "list"])
    assert result.exit_code == 0
    assert "p23_grad_center" in result.stdout and "2019-08-27" in result.stdout


def test_policies_show_text_beside_parameters() -> None:
    result = runner.invoke(app, ["policies", "show", "p15_bid", "--json"])
    data = json.loads(result.stdout)
    assert data["text"].startswith("15. 鼓励大数据企业开展市场拓展")
    item = data["items"][0]
    assert {p["name"] for p in item["parameters"]} >= {"bid_rate", "bid_annual_max"}
    assert item["parameters"][0]["values"]
    assert any(r["id"] == "p15-caps" for r in item["rulings"])
    table = runner.invoke(app, ["policies", "show", "15"])
    assert table.exit_code == 0 and "bid_project_max" in table.stdout
    unknown = runner.invoke(app, ["policies", "show", "p99"])
    assert unknown.exit_code == 2


def test_calc_json_is_the_calculator_output(tmp_path: Path) -> None:
    result = runner.invoke(app, ["calc", "--example", "bigdata-firm", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(
        json.dumps(calculate(load_example("bigdata-firm")).as_dict(), default=str)
    )


def test_calc_table_from_stdin() -> None:
    case = make_case(records=[{"id": "e1", "kind": "exhibition", "booth_fee": "10000"}])
    result = runner.invoke(app, ["calc", "-"], input=json.dumps(case))
    assert result.exit_code == 0
    assert "p15_expo" in result.stdout and "8000.00" in result.stdout


def test_calc_explain_prints_steps_parameters_conditions() -> None:
    result = runner.invoke(app, ["calc", "--example", "bigdata-firm", "--explain", "p16_cmmi"])
    assert result.exit_code == 0
    out = result.stdout
    assert "第16条" in out and "cmmi_reward_5" in out and "条件 software" in out
    assert "200000.00" in out


def test_calc_refuses_bad_input_naming_the_field(tmp_path: Path) -> None:
    bad = make_case(
        records=[{"id": "c1", "kind": "contract", "project_key": "A", "completed_amount": -1}]
    )
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), "utf-8")
    result = runner.invoke(app, ["calc", str(path)])
    assert result.exit_code == 2
    assert "records[0].completed_amount" in result.output and "-1" in result.output
    assert "Traceback" not in result.output
    not_json = tmp_path / "x.json"
    not_json.write_text("{oops", "utf-8")
    result = runner.invoke(app, ["calc", str(not_json)])
    assert result.exit_code == 2 and "JSON" in result.output


def test_policies_check_and_test() -> None:
    assert runner.invoke(app, ["policies", "check"]).exit_code == 0
    result = runner.invoke(app, ["policies", "test", "--clause", "15"])
    assert result.exit_code == 0 and "0 failed" in result.stdout
