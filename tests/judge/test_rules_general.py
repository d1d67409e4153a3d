"""The rules judge's general readings (judge-2): a cause is something that happened, with its particulars;
figures, dates and names alone are none. Each on texts of its own, on the clean test form, not on the dev
cases that showed the need."""

from __future__ import annotations

from formkit import clean_form
import pytest

from reviewer.config import Config
from reviewer.engine import review_form
from reviewer.form import form_from_data
from reviewer.judge import JudgeSettings, judge_reviews


def judged(data: dict, index: int):
    review = review_form(form_from_data(data, "form.json"), "form.json", Config())
    judge_reviews([review], JudgeSettings(backend="rules"))
    return next(f for f in review.findings if f.code == "EXPLANATION_VERDICT" and f.indicators[0] == index)


def row(index: int, target: str, actual: str, score: float, text: str, **extra):
    data = clean_form()
    data["indicators"][index].update(target=target, actual=actual, score=score, explanation=text, **extra)
    return judged(data, index)


def training(text: str):
    return row(0, "≥500人次", "420人次", 16.8, text)  # 培训人次 500 → 420: 80 short


@pytest.mark.parametrize("text", [
    "2023年全年共举办培训班14期，培训420人次，培训覆盖全市12个街道，投入培训经费95万元。",  # work counted
    "截至2023年12月20日，已累计完成培训420人次，发放培训补贴38.6万元。",  # a dated report
    "本项目总投资1000万元，建设实训基地1处，面积3200平方米，可同时容纳200人培训。",  # the project described
    "年初预算1000万元，年中调整为950万元，全年支出950万元，执行率95%。",  # a budget narrative
])
def test_figures_dates_and_names_without_a_happening_are_no_cause(text):
    found = training(text)
    assert found.verdict == "does_not_cover" and "no_cause" in found.tags


@pytest.mark.parametrize("text,verdict", [
    ("受寒潮影响，12月第3、4期共2期停课，每期40人，少培训80人次。", "covers"),  # 2 × 40 = 80
    ("因合作企业恒达公司10月破产，原定由其承担的培训取消。", "partial"),  # a cause, no size
])
def test_a_happening_with_its_particulars_is_a_cause(text, verdict):
    assert training(text).verdict == verdict


def test_a_topic_or_a_procedure_alone_is_no_cause():
    # 政策, 采购 and 审核 name no happening; what happened to them would (价格上涨, 审核未通过)
    assert training("根据相关政策，经采购和审核程序，培训人次有所调整。").verdict == "does_not_cover"
    assert training("经审核，80名报名人员不符合补贴条件，未纳入培训。").verdict == "covers"


def test_the_rows_own_action_said_back_is_no_cause():
    found = row(1, "≥90%", "85%", 14.2, "截至12月20日，已有340人通过考核，仍有60人未通过考核，合格率85%。",
                name="培训考核通过率")
    assert found.verdict == "does_not_cover"


def test_a_cause_named_before_等原因_is_no_stock_phrase():
    found = training("因参训企业停产、人员外出务工等原因，第4期80名学员未能参训。")
    assert found.verdict == "covers" and "generic" not in found.tags


def test_factors_nobody_names_stay_a_stock_phrase():
    assert "generic" in training("受其他因素制约，培训人次未达预期。").tags


def test_a_level_said_on_the_way_is_no_part_that_overshoots():
    # 报名人数为450人 lies between the actual and the target: a step on the way, not a part of the gap of 80
    found = training("报名人数为450人，其中30人因疫情隔离未能参训，实际培训420人次。")
    assert "contradicts_data" not in found.tags


def test_a_rates_failures_may_be_an_amount_of_the_forms_budget():
    # funds: 1000万元 budget; 50万元 of it unpaid is 5% of it, the failures of a 95% payment rate
    found = row(1, "100%", "95%", 14.25, "工程尾款50万元因竣工结算审计未完成，待审定后支付。", name="资金支付率")
    assert found.verdict == "covers"


def test_the_actual_said_back_as_a_fraction_sizes_nothing():
    found = row(1, "100%", "95%", 14.25, "因部分学员请假，全年已拨付950万元，占预算1000万元的95%。", name="资金支付率")
    assert found.verdict == "partial" and "no_quantity" in found.tags


def test_work_done_is_no_event():
    found = row(2, "2023年6月底前", "2023年9月完成", 3, "已完成实训楼加固和维修工程，装修预计9月完成。")
    assert found.verdict == "does_not_cover"


def test_a_cross_reference_lends_its_figures_to_this_row():
    data = clean_form()
    data["indicators"][0].update(actual="420人次", score=16.8,
                                 explanation="因合作企业恒达公司10月破产，第4期80名学员未能参训。")
    data["indicators"][3].update(actual="80万元", score=8,
                                 explanation="培训人次减少，原因见培训人次指标说明；少支出场地租赁费20万元。")
    assert judged(data, 3).verdict == "covers"
