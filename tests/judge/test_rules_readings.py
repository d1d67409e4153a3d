"""The offline judge's readings from issue 16, each a general rule from the labelling guide
(eval_sets/README.md), tried on texts other than the dev cases that motivated them."""

from __future__ import annotations

import json

from formkit import EVAL_SETS, SEED
import pytest

from reviewer.config import Config
from reviewer.engine import review_form
from reviewer.form import form_from_data
from reviewer.judge import JudgeSettings, judge_reviews

# wz-foodsafety-2024: 0 抽检批次 3000 → 4200; 1 抽检检验经费 500 → 320万元; 3 合格率 98 → 97.2%;
# 4 培训人次 700 → 1000; 6 上线时间 6/30 → 9/10 (72 days); 9 快检室 10 → 9; 10 定性 部分达成;
# 11 可用率 99.9 → 99.62%.
WZ = EVAL_SETS / "forms" / "wz-foodsafety-2024.json"


def verdict(path, index: int, text: str):
    data = json.loads(path.read_text(encoding="utf-8"))
    data["indicators"][index]["explanation"] = text
    review = review_form(form_from_data(data, "form.json"), "form.json", Config())
    judge_reviews([review], JudgeSettings(backend="rules"))
    return next(f for f in review.findings if f.code == "EXPLANATION_VERDICT" and f.indicators[0] == index)


@pytest.mark.parametrize("text", [
    "经区级审核和部门比对，项目数有所调整。",  # a procedure named without what it found
    "在区委区政府的坚强领导下，我局高度重视、精心组织，项目推进有力，数量有所调整。",  # praise
    "全年完成展会项目163个，其中亚洲展会90个、欧洲展会73个，组织企业参展培训4次。",  # a list of the year's work
])
def test_narrative_procedure_and_praise_are_no_cause(text):
    found = verdict(SEED, 5, text)  # 199 → 163个
    assert found.verdict == "does_not_cover" and "no_cause" in found.tags


def test_a_procedure_that_says_what_it_found_is_a_cause():
    found = verdict(SEED, 5, "经与商务部门备案名单比对，36个项目为重复申报，予以剔除。")
    assert found.verdict == "covers"


def test_the_rows_own_figures_never_size_it():
    found = verdict(WZ, 1, "年初预算安排500万元，年中预算调整为320万元，全年实际支出320万元，执行率100%。")
    assert found.verdict == "does_not_cover"


def test_a_measure_word_is_no_direction_claim():
    found = verdict(WZ, 3, "118批次不合格中86批次为散装蔬菜农药残留超标、32批次为糕点微生物超标。下一步将提高抽检频次。")
    assert "contradicts_data" not in found.tags and found.verdict == "covers"


def test_parts_of_the_actual_neither_size_nor_refute_the_gap():
    found = verdict(WZ, 4, "因上线网络课堂，线上培训560人次、线下培训440人次。")  # 560 + 440 = the actual
    assert found.verdict == "partial" and "contradicts_data" not in found.tags


def test_factors_that_multiply_size_the_ratio():
    found = verdict(WZ, 4, "因新增夜间班次，培训期数为计划的1.25倍，每期人数约1.15倍。")  # 1.25 × 1.15 ≈ 1.43
    assert found.verdict == "covers"


@pytest.mark.parametrize("text,expected", [
    ("省局接口调整致联调暂停40天，其间机房搬迁又停机40天。", "covers"),  # 80 ≥ 72, overlapping
    ("因汛期停电，平台部署暂停90天。", "covers"),  # longer than the delay
    ("因汛期停电，平台部署暂停30天。", "partial"),  # shorter
])
def test_a_delay_is_covered_by_causes_that_last_as_long(text, expected):
    assert verdict(WZ, 6, text).verdict == expected


def test_the_one_item_of_a_gap_named_with_what_happened_sizes_it():
    found = verdict(WZ, 9, "鹿城区南郊街道快检室因所在菜场整体拆迁，停止建设。")
    assert found.verdict == "covers"


def test_a_qualitative_row_says_which_part_is_done_and_why_not():
    done_and_why = verdict(WZ, 10, "办法已于6月印发并在4地推行；苍南县因机构改革尚未明确牵头部门，推行顺延。")
    no_why = verdict(WZ, 10, "办法已于6月印发，部分县尚未推行。")
    assert done_and_why.verdict == "covers" and no_why.verdict != "covers"


def test_a_rate_whose_figures_give_the_actual_exactly():
    found = verdict(WZ, 11, "全年运行8784小时，因光缆被挖断中断33.4小时。")  # (8784 − 33.4) ÷ 8784 = 99.62%
    assert found.verdict == "covers"


def test_a_plausible_cause_without_figures_is_partial():
    found = verdict(SEED, 5, "部分企业申报资料不全，退回补正后未在年内重新提交。")
    assert found.verdict == "partial"
