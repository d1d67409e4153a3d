"""`review eval`: figures on a tiny set worked by hand, comparisons, refusals, calibration from decisions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from formkit import ROOT, SEED
import pytest
from click.testing import CliRunner

from reviewer.cli.main import cli
from reviewer.config import Config
from reviewer.engine import review_file
from reviewer.judge import JudgeSettings, judge_reviews
from reviewer.signoff.intake import save
from reviewer.signoff.service import Signoff
from reviewer.store import Store

BLANK = {"form": "forms/zgc-2021.json", "indicator": 11, "name": "支持海外建设特色科技园区项目预算控制数",
         "tags": [], "rationale": "754→410.9万元，说明空白", "split": "dev"}


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def make_set(folder: Path, cases: list[dict]) -> Path:
    (folder / "forms").mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, folder / "forms" / "zgc-2021.json")
    (folder / "cases.jsonl").write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases),
                                        encoding="utf-8")
    return folder


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    # A blank explanation beside a 45% cost under-run: any judge must say does_not_cover.
    # One case is labelled that way, one (wrongly) covers: the judge agrees on exactly half.
    return make_set(tmp_path / "set", [
        {"id": "blank-right", "label": "does_not_cover", **BLANK},
        {"id": "blank-wrong", "label": "covers", **BLANK},
    ])


def test_figures_printed_and_written(tiny: Path, tmp_path: Path):
    out = tmp_path / "result.json"
    result = invoke("eval", str(tiny), "--judge", "rules", "--split", "dev", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "准确率 50.0%" in result.output
    assert "宏平均F1 0.222" in result.output  # F1: does_not_cover 2/3, covers 0, partial 0
    assert "Cohen κ 0.000" in result.output  # p_o = p_e = 0.5
    assert "blank-wrong" in result.output and "blank-right" not in result.output  # only mistakes listed
    data = json.loads(out.read_text())
    assert data["metrics"]["n"] == 2
    assert data["metrics"]["confusion"]["covers"]["does_not_cover"] == 1
    assert data["metrics"]["confusion"]["does_not_cover"]["does_not_cover"] == 1
    assert data["usage"]["backend"] == "rules"
    assert [i["predicted"] for i in data["items"]] == ["does_not_cover", "does_not_cover"]
    assert data["meta"]["split"] == "dev"


def test_split_selects_cases(tiny: Path, tmp_path: Path):
    result = invoke("eval", str(tiny), "--judge", "rules", "--split", "test", "-o", str(tmp_path / "r.json"))
    assert result.exit_code == 2
    assert "没有 test 用例" in result.output


def test_indicator_the_judge_skips_counts_as_not_judged(tmp_path: Path):
    # Indicator 0 met its target (2 → 2): no explanation is judged there.
    folder = make_set(tmp_path / "set", [{"id": "met", "form": "forms/zgc-2021.json", "indicator": 0,
                                          "label": "covers", "split": "dev"}])
    out = tmp_path / "r.json"
    result = invoke("eval", str(folder), "--judge", "rules", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "未评判" in result.output
    assert json.loads(out.read_text())["items"][0]["predicted"] == "not_judged"


def test_drifted_index_is_refused(tmp_path: Path):
    folder = make_set(tmp_path / "set", [{**BLANK, "id": "x", "label": "covers", "indicator": 10}])
    result = invoke("eval", str(folder), "--judge", "rules", "-o", str(tmp_path / "r.json"))
    assert result.exit_code == 2
    assert "序号错位" in result.output


def test_bad_label_names_the_line(tmp_path: Path):
    folder = make_set(tmp_path / "set", [{**BLANK, "id": "x", "label": "covered"}])
    result = invoke("eval", str(folder), "--judge", "rules", "-o", str(tmp_path / "r.json"))
    assert result.exit_code == 2
    assert "cases.jsonl:1" in result.output and "covered" in result.output


def test_compare_shows_both_figures_and_the_changed_case(tiny: Path, tmp_path: Path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    invoke("eval", str(tiny), "--judge", "rules", "-o", str(a))
    # Same cases, same labels; pretend a better judge fixed one case by editing its prediction.
    data = json.loads(a.read_text())
    data["items"][1]["predicted"] = "covers"
    data["metrics"]["accuracy"] = 1.0
    b.write_text(json.dumps(data, ensure_ascii=False))
    result = invoke("eval", "--compare", str(a), str(b))
    assert result.exit_code == 0, result.output
    assert "+0.500" in result.output  # accuracy 0.5 → 1.0
    assert "改对 1" in result.output and "blank-wrong" in result.output


def test_compare_refuses_a_file_that_is_not_a_result(tmp_path: Path):
    other = tmp_path / "other.json"
    other.write_text("{}")
    result = invoke("eval", "--compare", str(other), str(other))
    assert result.exit_code == 2
    assert "不是 review eval 写出的评测结果" in result.output


# --- calibration from the database ----------------------------------------------------

def stored_review(db: Path, path: Path) -> None:
    review = review_file(path, Config())
    judge_reviews([review], JudgeSettings())
    with Store(db) as store:
        save(store, review)


def points_by_key(db: Path) -> dict[str, str]:
    with Store(db) as store:
        return {point.key: point.id for point in Signoff(store).points()}


def test_from_db_measures_decisions_and_ignores_carried_ones(tmp_path: Path):
    """Reviewers decide on points; a verdict takes its point's decision where it is the point's only one."""
    db = tmp_path / "review.db"
    # The seed's own texts are covers or does_not_cover by the guide; one row gets a cause without figures.
    first = json.loads(SEED.read_text())
    first["indicators"][5]["explanation"] = "部分企业因疫情取消参展"
    form = tmp_path / "zgc.json"
    form.write_text(json.dumps(first, ensure_ascii=False))
    stored_review(db, form)
    points = points_by_key(db)
    with Store(db) as store:
        signoff = Signoff(store)
        verdicts = {p.key: p.verdict for p in signoff.points()}
        assert verdicts["I:5,16"] == "does_not_cover" and verdicts["I:3,14"] == "does_not_cover"
        signoff.decide(points["I:0,11"], "accept", "张三")  # does_not_cover on 12
        signoff.decide(points["I:2,13"], "reject", "张三")  # does_not_cover on 14
        signoff.decide(points["I:3,14"], "accept", "张三")  # covers on 4, does_not_cover on 15: neither alone
        signoff.decide(points["I:5,16"], "edit", "张三", comment="请补充取消参展的企业数量。")  # partial on 6, dnc on 17
    # A new version of the form carries the four decisions over: they must not count twice.
    changed = dict(first, phone="55578008")
    second = tmp_path / "zgc-v2.json"
    second.write_text(json.dumps(changed, ensure_ascii=False))
    stored_review(db, second)

    result = invoke("eval", "--from-db", "--db", str(db))
    assert result.exit_code == 0, result.output
    # The two pairs with two verdicts each are left out. Judge: problem, problem. Reviewer: problem, no
    # problem. p_o = 1/2 = p_e; κ = 0.
    assert "judge:rules" in result.output
    assert "2 条已决定的评判" in result.output
    assert "一致率 50.0%" in result.output
    assert "Cohen κ 0.000" in result.output


def test_from_db_without_decisions_says_so(tmp_path: Path):
    db = tmp_path / "review.db"
    stored_review(db, SEED)
    result = invoke("eval", "--from-db", "--db", str(db))
    assert result.exit_code == 0
    assert "还没有经审核人决定" in result.output


def test_from_db_missing_database(tmp_path: Path):
    result = invoke("eval", "--from-db", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 2
    assert "不存在" in result.output


# --- the model judge, over a loopback OpenAI-compatible server ------------------------

def test_llm_judge_reports_tokens_cost_and_uses_its_cache(tmp_path: Path):
    from fake_openai import FakeOpenAI, reply_json

    folder = make_set(tmp_path / "set", [
        {"id": "moved", "form": "forms/zgc-2021.json", "indicator": 3, "label": "covers", "split": "dev"},
        {"id": "stock", "form": "forms/zgc-2021.json", "indicator": 14, "label": "partial", "split": "dev"},
    ])
    config = tmp_path / "review.toml"
    config.write_text('[prices."fake-1"]\ninput = 2.0\noutput = 8.0\n')
    answer = {"evidence_quotes": [], "reason": "未量化", "verdict": "partial", "tags": ["no_quantity"],
              "comment": "请补充偏差涉及的项目数量。", "injection_suspected": False}
    args = ["eval", str(folder), "--judge", "llm", "--model", "fake-1", "--db", str(tmp_path / "cache.db"),
            "--config", str(config), "-o", str(tmp_path / "r.json")]
    with FakeOpenAI(default=reply_json(answer)) as server:
        runner = CliRunner(env={"REVIEW_API_KEY": "test-key"})
        first = runner.invoke(cli, args + ["--base-url", server.base_url], catch_exceptions=False)
        second = runner.invoke(cli, args + ["--base-url", server.base_url], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    # Two calls of 1200 prompt + 150 completion tokens at 2 / 8 per million.
    assert "调用 2 次" in first.output and "输入 2400 / 输出 300 tokens" in first.output
    assert "费用 0.0072" in first.output
    assert "准确率 50.0%" in first.output
    assert "调用 0 次，缓存命中 2" in second.output
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["meta"]["model"] == "fake-1"
    assert [i["predicted"] for i in data["items"]] == ["partial", "partial"]


def test_the_default_set_is_found_from_another_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "r.json"
    result = invoke("eval", "--judge", "rules", "--split", "test", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["meta"]["set"] == str(ROOT / "eval_sets" / "cases.jsonl")


@pytest.mark.parametrize("where", ["repo", "elsewhere"])
def test_compare_sees_a_relative_and_an_absolute_path_as_the_same_set(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str):
    baseline = ROOT / "eval_sets" / "baseline.json"
    data = json.loads(baseline.read_text(encoding="utf-8"))
    assert data["meta"]["set"] == "eval_sets/cases.jsonl"  # relative, as recorded from the repository
    data["meta"]["set"] = str(ROOT / "eval_sets" / "cases.jsonl")
    absolute = tmp_path / "absolute.json"
    absolute.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    data["meta"]["set"] = str(tmp_path / "other" / "cases.jsonl")
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.chdir(ROOT if where == "repo" else tmp_path)
    same = invoke("eval", "--compare", str(baseline), str(absolute))
    assert same.exit_code == 0 and "用例集或 split 不同" not in same.output
    assert "用例集或 split 不同" in invoke("eval", "--compare", str(baseline), str(other)).output


def test_measuring_test_shows_and_keeps_no_texts_unless_asked(tmp_path: Path):
    folder = make_set(tmp_path / "set", [
        {"id": "t-wrong", "label": "covers", **{**BLANK, "split": "test"}},
    ])
    out = tmp_path / "test.json"
    result = invoke("eval", str(folder), "--judge", "rules", "--split", "test", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "准确率 0.0%" in result.output and "t-wrong" not in result.output
    assert json.loads(out.read_text())["items"] == [
        {"id": "t-wrong", "split": "test", "label": "covers", "predicted": "does_not_cover"}]
    result = invoke("eval", str(folder), "--judge", "rules", "--split", "test", "--mistakes", "-o", str(out))
    assert "t-wrong" in result.output and "explanation" in json.loads(out.read_text())["items"][0]


def test_accuracy_is_reported_per_confidence_band(tiny: Path, tmp_path: Path):
    out = tmp_path / "result.json"
    result = invoke("eval", str(tiny), "--judge", "rules", "--split", "dev", "-o", str(out))
    assert "各置信度区间的准确率" in result.output
    data = json.loads(out.read_text())
    bands = data["metrics"]["bands"]
    assert [b["band"] for b in bands] == ["0.00–0.50", "0.50–0.65", "0.65–0.80", "0.80–1.00"]
    # A blank explanation is the firmest reading there is: both cases fall in the top band, one right.
    top = bands[-1]
    assert top["n"] == 2 and top["correct"] == 1 and top["verdicts"]["does_not_cover"] == {"n": 2, "correct": 1}
    assert all(i["confidence"] >= 0.8 and i["review_first"] is False for i in data["items"])
    assert data["metrics"]["review_first"]["unmarked"] == {"n": 2, "correct": 1, "accuracy": 0.5}
    assert data["meta"]["confidence_floor"] == 0.65


def test_check_counts_a_set_without_judging_it(tmp_path: Path):
    folder = make_set(tmp_path / "set", [{"id": "c1", "label": "covers", **BLANK}])
    result = invoke("eval", str(folder), "--check", "--split", "all")
    assert result.exit_code == 0, result.output
    assert "全部用例可读" in result.output and "准确率" not in result.output
    bad = make_set(tmp_path / "bad", [{"id": "c2", "label": "covers", **{**BLANK, "indicator": 0,
                                                                          "name": "支持海外设立研发中心项目"}}])
    result = invoke("eval", str(bad), "--check", "--split", "all")
    assert result.exit_code == 2 and "c2" in result.output


def test_from_db_counts_decisions_an_older_database_took_on_critiques(tmp_path: Path):
    """A database from before points, read without building them: its critique decisions still count."""
    db = tmp_path / "review.db"
    review = review_file(SEED, Config())
    judge_reviews([review], JudgeSettings())
    with Store(db) as store:
        store.save_review(review)  # no points built
        verdict = next(f for f in review.findings if f.verdict == "does_not_cover")
        with store.transaction():
            store.conn.execute("UPDATE critiques SET status = 'rejected', decided_by = '张三' WHERE id = ?",
                               [verdict.id])
    result = invoke("eval", "--from-db", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "1 条已决定的评判" in result.output


def test_a_decision_counts_only_for_a_point_with_one_verdict(tmp_path: Path):
    """Accepting the 4/15 pair (covers on 4, does_not_cover on 15) says nothing of either verdict alone:
    neither eval --from-db nor the few-shot examples credit it to them."""
    from reviewer.store.examples import load_examples

    db = tmp_path / "review.db"
    stored_review(db, SEED)
    points = points_by_key(db)
    with Store(db) as store:
        Signoff(store).decide(points["I:3,14"], "accept", "张三")
    assert "还没有经审核人决定" in invoke("eval", "--from-db", "--db", str(db)).output
    assert load_examples(db) == []
    with Store(db) as store:
        Signoff(store).decide(points["I:2,13"], "reject", "张三")  # one verdict: does_not_cover on 14
    assert "1 条已决定的评判" in invoke("eval", "--from-db", "--db", str(db)).output
    (example,) = load_examples(db)
    assert (example.indicator, example.verdict, example.status) == (
        "支持建设运营中关村区域性国际科技创新合作中心项目预算控制数", "does_not_cover", "rejected")
