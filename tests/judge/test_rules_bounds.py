"""The rules judge's work is bounded (issue 14): a long explanation is judged on its first 4,000
characters and says so, figures set against the gap are capped, and the form is read once per review.
No timing here (bench/bench_judge_rules.py prints the figures): these runs finish, and say what they did."""

from __future__ import annotations

import json

from formkit import SEED
import pytest

from reviewer.config import Config
from reviewer.engine import review_form
from reviewer.form import form_from_data
from reviewer.judge import JudgeSettings, judge_reviews
from reviewer.judge.rules.limits import MAX_EXPLANATION

CAUSE = "因德国汉诺威展取消，20家企业未能参展；另16家企业因签证未获批退出。"  # 36 of 199 → 163


def verdicts(data: dict) -> dict[int, object]:
    review = review_form(form_from_data(data, "form.json"), "form.json", Config())
    judge_reviews([review], JudgeSettings(backend="rules"))
    return {f.indicators[0]: f for f in review.findings if f.code == "EXPLANATION_VERDICT"}


def seed_with(text: str):
    data = json.loads(SEED.read_text(encoding="utf-8"))
    data["indicators"][5]["explanation"] = text
    return verdicts(data)[5]


def test_a_megabyte_explanation_is_judged_on_its_first_4000_characters_and_says_so():
    text = CAUSE + "展会筹备期间企业反映情况良好。" * 66_000  # about 1 MB: just under the 1,000,000 characters a cell may hold
    found = seed_with(text)
    note = f"仅评判前{MAX_EXPLANATION}字"
    assert found.verdict == "covers"  # the cause stands in the part that was read
    assert note in found.data["reason"] and note in found.message
    assert found.confidence <= 0.5 and found.data["review_first"] is True


def test_what_lies_beyond_the_limit_is_not_read():
    found = seed_with("展会筹备期间企业反映情况良好。" * 300 + CAUSE)  # the cause starts after 4,000 characters
    assert found.verdict == "does_not_cover" and "仅评判前" in found.data["reason"]


def test_a_text_at_the_limit_carries_no_note():
    found = seed_with(CAUSE)
    assert "仅评判前" not in found.data["reason"]


@pytest.mark.parametrize("copies", [300, 3000])
def test_many_figures_in_the_rows_unit_that_never_make_the_gap_finish(copies):
    # every figure is a count in 个 below the gap of 36: subsets of all of them were the runaway case
    text = "".join(f"因主办方取消展期，{i % 3 + 1}个项目未能参展，另{i % 2 + 1}个项目退出。" for i in range(copies))
    found = seed_with(text)
    assert found.verdict in ("covers", "partial", "does_not_cover")
    assert ("仅评判前" in found.data["reason"]) == (len(text) > MAX_EXPLANATION)


def test_a_form_of_2000_indicators_is_judged_row_by_row():
    # 2,000 is the most a form may hold (reviewer/form/limits.py); each judgement reads the form once per review.
    data = json.loads(SEED.read_text(encoding="utf-8"))
    rows = []
    for i in range(2_000):
        rows.append({"level1": "产出指标", "level2": "数量指标", "name": f"支持第{i}批境外展览项目", "target": "100个",
                     "actual": "98个", "weight": 0.01, "score": 0.0098,
                     # every row points at another by name: the lookup that read every row per judgement
                     "explanation": f"第{i}批中2家企业因签证未获批撤回申请，详见第{(i + 1) % 2_000}批境外展览项目指标说明。"})
    data["indicators"] = rows
    found = verdicts(data)
    assert len(found) == 2_000
    assert {f.verdict for f in found.values()} == {"covers"}
