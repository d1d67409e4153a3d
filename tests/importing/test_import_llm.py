"""`review import --llm`: the model reads layouts the parser does not know, never without the flag."""

from __future__ import annotations

import json

from click.testing import CliRunner

from fake_openai import FakeOpenAI, reply_json
from reviewer.cli.main import cli
from reviewer.form import read_form
from test_import_builders import zgc

# A 银川-style listing (项目决策 / 项目管理 / 项目产出 / 项目效益): no 三级指标 table header.
UNKNOWN_LAYOUT = """项目支出绩效自评表（2021年度）
项目：2021年中关村示范区国际创新资源支持资金
项目决策 10 分，项目管理 25 分，项目产出 30 分，项目效益 35 分
自评得分 98.43 财政审核评分 96
"""


def model_answer(form: dict, *, total_score: str) -> dict:
    funds = form["funds"]
    row = lambda r: {k: (r or {}).get(k) or "" for k in ("initial_budget", "annual_budget", "executed")}  # noqa: E731
    return {
        "is_form": True, "name": form["name"], "year": form["year"], "department": form["department"],
        "unit": form["unit"], "lead": form["lead"], "phone": form["phone"], "funds_unit": "万元",
        "total": row(funds["total"]), "fiscal": row(funds["fiscal"]), "carryover": row(None), "other": row(None),
        "funds_weight": "10", "execution_rate": funds["execution_rate"], "funds_score": "9.96",
        "goal_planned": form["goal"]["planned"], "goal_actual": form["goal"]["actual"],
        "indicators": [{**{k: str(i[k]) for k in ("level1", "level2", "name", "target", "actual", "weight", "score")},
                        "explanation": i.get("explanation", "")} for i in form["indicators"]],
        "total_score": total_score,
    }


def test_unknown_layout_is_refused_without_the_flag(tmp_path):
    (tmp_path / "yc.txt").write_text(UNKNOWN_LAYOUT, encoding="utf-8")
    with FakeOpenAI() as server:
        result = CliRunner().invoke(cli, ["import", str(tmp_path / "yc.txt")],
                                    env={"REVIEW_BASE_URL": server.base_url, "REVIEW_MODEL": "fake"})
    assert result.exit_code == 2
    assert "yc.txt" in result.output and "没有找到项目支出绩效自评表" in result.output
    assert server.requests == []
    assert not (tmp_path / "yc.json").exists()


def test_llm_reads_the_unknown_layout_and_the_file_says_so(tmp_path):
    (tmp_path / "yc.txt").write_text(UNKNOWN_LAYOUT, encoding="utf-8")
    with FakeOpenAI([reply_json(model_answer(zgc(), total_score="97.43"))]) as server:
        result = CliRunner().invoke(
            cli, ["import", "--llm", str(tmp_path / "yc.txt")],
            env={"REVIEW_BASE_URL": server.base_url, "REVIEW_MODEL": "fake-model", "REVIEW_API_KEY": "k"})
    assert result.exit_code == 0, result.output
    assert "财政审核评分" in server.requests[0].text
    data = json.loads((tmp_path / "yc.json").read_text(encoding="utf-8"))
    mark = data["x-import"]
    assert mark["method"] == "llm"
    # The model's total (97.43) does not match its own scores (98.43): reconciliation catches it.
    assert any(line.startswith("total_score:") for line in mark["disagreements"])
    assert mark["confidence"] < 0.7
    form = read_form(tmp_path / "yc.json")
    assert len(form.indicators) == 22
    review = CliRunner().invoke(cli, ["check", "--no-store", str(tmp_path / "yc.json")], env={"COLUMNS": "200"})
    assert "导入方式：llm" in review.output


def test_llm_without_an_endpoint_is_a_usage_error(tmp_path):
    (tmp_path / "yc.txt").write_text(UNKNOWN_LAYOUT, encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "--llm", str(tmp_path / "yc.txt")],
                                env={"REVIEW_BASE_URL": None, "REVIEW_MODEL": None})
    assert result.exit_code == 2
    assert "--llm" in result.output and "模型" in result.output
