"""Blank cells are reviewed, not refused (form-format 1.1), and the checks added with them:
TOTAL_MISSING, SCORE_MISSING, VALUE_BLANK, HEADER_BLANK, PAYMENT_RATE_CONFLICT, DATE_SCORE, the widened
ACTUAL_COPIES_TARGET; money in the form's unit, without trailing zeros."""

from __future__ import annotations

from decimal import Decimal

import pytest

from formkit import clean_form, codes, review_data, seed_form
from reviewer.config import Config, Thresholds


def found(data: dict, code: str, config: Config | None = None) -> list:
    return [f for f in review_data(data, config).findings if f.code == code]


# --- blank cells ---------------------------------------------------------------------------

def test_blank_total_is_reviewed_with_the_recomputed_total_and_no_total_comparison() -> None:
    data = clean_form()
    data["total_score"] = None
    review = review_data(data)
    assert review.card.claimed_total is None and review.card.recomputed_total == Decimal("99.50")
    (finding,) = [f for f in review.findings if f.code == "TOTAL_MISSING"]
    assert finding.severity == "warning" and finding.indicators == ()
    assert "各项自评得分合计99.5分" in finding.message and "复核总分99.50分" in finding.message
    assert "TOTAL_SCORE" not in {f.code for f in review.findings}


def test_blank_score_counts_as_the_formula_score_where_one_applies() -> None:
    data = clean_form()
    data["indicators"][0].update(actual="450人次", score=None, explanation="因场地改造，部分班次取消，下一步将提前安排场地")
    review = review_data(data)
    (finding,) = [f for f in review.findings if f.code == "SCORE_MISSING"]
    assert finding.indicators == (0,) and "450/500×20" in finding.message and "18.00分" in finding.message
    assert "应得18.00分" in finding.comment
    # 99.5 claimed − 20 for the row + its formula score 18
    assert review.card.recomputed_total == Decimal("97.50")
    assert "TOTAL_SCORE" not in {f.code for f in review.findings}  # a blank score adds up to nothing


def test_blank_score_without_a_formula_counts_zero() -> None:
    data = clean_form()
    data["indicators"][4].update(target="群众生活水平提高", actual="群众生活水平明显提高", score=None)
    review = review_data(data)
    (finding,) = [f for f in review.findings if f.code == "SCORE_MISSING"]
    assert "定性指标无法按公式计分，复核总分按0分计" in finding.message
    assert "群众生活水平明显提高" in finding.comment
    assert review.card.recomputed_total == Decimal("84.50")
    assert "QUALITATIVE_BAND" not in {f.code for f in review.findings}


def test_blank_execution_score_is_a_form_level_score_missing_with_its_own_title() -> None:
    data = clean_form()
    data["funds"]["score"] = None
    review = review_data(data)
    (finding,) = [f for f in review.findings if f.code == "SCORE_MISSING"]
    assert finding.indicators == () and finding.title == "预算执行率得分未填写"
    assert "95.00%×10" in finding.message and "9.50分" in finding.message
    assert review.card.recomputed_total == Decimal("99.50")


@pytest.mark.parametrize("cell,label", [("target", "年度指标值"), ("actual", "实际完成值")])
def test_value_blank_names_the_blank_cell(cell: str, label: str) -> None:
    data = clean_form()
    data["indicators"][0][cell] = None
    (finding,) = found(data, "VALUE_BLANK")
    assert finding.indicators == (0,)
    assert f"“培训人次”{label}未填写，自评得分20分" in finding.message
    assert "应予核减" in finding.comment
    assert "VALUE_TYPE" not in {code for code, _ in codes(data)}


def test_value_blank_with_both_cells_is_one_finding() -> None:
    data = clean_form()
    data["indicators"][1].update(target="", actual="")
    (finding,) = found(data, "VALUE_BLANK")
    assert "年度指标值和实际完成值未填写" in finding.message


def test_header_blank_lists_every_blank_header_cell_once() -> None:
    data = clean_form()
    data.update(department="", unit=None)
    data["goal"]["actual"] = "  "
    (finding,) = found(data, "HEADER_BLANK")
    assert finding.severity == "info"
    assert finding.message == "表头信息未填写：主管部门、实施单位、年度总体目标的实际完成情况"


def test_a_form_with_every_kind_of_blank_is_reviewed_in_full() -> None:
    data = seed_form()
    data.update(total_score=None, department=None)
    data["indicators"][3]["score"] = None
    data["indicators"][11]["target"] = None
    data["indicators"][14]["actual"] = None
    review = review_data(data)
    got = {(f.code, f.indicators) for f in review.findings}
    assert {("TOTAL_MISSING", ()), ("SCORE_MISSING", (3,)), ("VALUE_BLANK", (11,)), ("VALUE_BLANK", (14,)),
            ("HEADER_BLANK", ())} <= got
    # the checks that have nothing to do with the blanks still run
    assert {("ROUNDING", (5,)), ("ROUNDING", (16,)), ("QUALITATIVE_SHARE", ())} <= got


# --- ACTUAL_COPIES_TARGET, widened ---------------------------------------------------------

@pytest.mark.parametrize("target,actual,fires", [
    ("≥500人次", "≥500人次", True),
    ("≥500人次", "≥500", True),                 # the unit left off: read in the target's unit
    ("≥500人次", "不少于500人次", True),         # the same comparator in words
    ("≤5300元/户", "<=5300元/户", True),
    ("≥500人次", "500人次", False),              # a figure, met exactly
    ("≥500人次", "≥520人次", False),             # a comparator, but not the target's figure
])
def test_actual_repeating_a_numeric_target_with_its_comparator(target: str, actual: str, fires: bool) -> None:
    data = clean_form()
    data["indicators"][0].update(target=target, actual=actual)
    hits = found(data, "ACTUAL_COPIES_TARGET")
    assert bool(hits) is fires
    if fires:
        assert f"“{actual}”" in hits[0].message and "比较符" in hits[0].comment


# --- PAYMENT_RATE_CONFLICT -----------------------------------------------------------------

def payout(name: str, actual: str = "100%", rate: str = "86.00%", executed: str = "860.00") -> dict:
    data = clean_form()
    data["indicators"][1].update(name=name, target="100%", actual=actual)
    data["funds"]["total"]["executed"] = data["funds"]["fiscal"]["executed"] = executed
    data["funds"].update(execution_rate=rate, score=8.6, explanation="部分项目尚未验收，资金结转下年")
    return data


@pytest.mark.parametrize("name", ["资金拨付率", "结算完成率", "资金支付进度", "补贴发放完成率", "奖补资金兑付率"])
def test_payment_rate_conflict_on_every_payout_name(name: str) -> None:
    (finding,) = found(payout(name), "PAYMENT_RATE_CONFLICT")
    assert finding.severity == "warning" and finding.indicators == (1,)
    assert "预算执行率为86.00%" in finding.message and "阈值5个百分点" in finding.message
    assert "全年预算数1000万元、全年执行数860万元" in finding.comment and "尚有140万元未支出" in finding.comment


@pytest.mark.parametrize("name,actual", [("资金到位率", "100%"), ("资金拨付率", "99%"), ("拨付资金", "100%"),
                                         ("创新券兑付审核准确率", "100%"), ("资金拨付及时率", "100%")])
def test_payment_rate_conflict_needs_a_payout_rate_reported_full(name: str, actual: str) -> None:
    assert not found(payout(name, actual), "PAYMENT_RATE_CONFLICT")


def test_payment_rate_conflict_comment_uses_the_rows_own_word() -> None:
    (finding,) = found(payout("结算完成率"), "PAYMENT_RATE_CONFLICT")
    assert "请核实资金实际结算情况" in finding.comment


def test_payment_rate_gap_comes_from_config() -> None:
    config = Config(thresholds=Thresholds(payment_rate_gap=Decimal("15")))
    assert not found(payout("资金拨付率"), "PAYMENT_RATE_CONFLICT", config)
    (finding,) = found(payout("资金拨付率", rate="84.00%", executed="840.00"), "PAYMENT_RATE_CONFLICT", config)
    assert "阈值15个百分点" in finding.message


def test_payment_rate_conflict_reads_the_printed_rate_when_the_budget_is_blank() -> None:
    data = payout("资金拨付率")
    for row in ("total", "fiscal"):
        data["funds"][row].update(annual_budget=None, executed=None)
    (finding,) = found(data, "PAYMENT_RATE_CONFLICT")
    assert "填报执行率" in finding.message


# --- DATE_SCORE ----------------------------------------------------------------------------

def test_date_met_on_time_but_marked_down_without_a_reason() -> None:
    data = clean_form()
    data["indicators"][2].update(score=3)
    (finding,) = found(data, "DATE_SCORE")
    assert "已按时完成，自评得分3分低于分值5分" in finding.message and "应得满分5分" in finding.comment
    data["indicators"][2]["explanation"] = "培训资料提交滞后，按规定扣2分"
    assert not found(data, "DATE_SCORE")


def test_late_date_scored_full_marks() -> None:
    data = clean_form()
    data["indicators"][2].update(actual="2023年12月20日", explanation="因场地改造延期，下一步将提前安排")
    (finding,) = found(data, "DATE_SCORE")
    assert "晚于目标时间，却自评满分5分" in finding.message and "2023年12月20日" in finding.comment
    data["indicators"][2]["score"] = 4
    assert not found(data, "DATE_SCORE")


# --- money in comments -------------------------------------------------------------------

def test_money_in_the_forms_unit_and_without_trailing_zeros() -> None:
    data = clean_form()
    for row in ("total", "fiscal"):
        data["funds"][row].update(initial_budget="1,000.000000", annual_budget="1,000.000000", executed="950.000000")
    data["indicators"][3].update(name="项目总成本", target="≤1000万元", actual="9,600,000元", score=9.9)
    data["total_score"] = 99.4
    (cost,) = found(data, "COST_TOTAL")
    assert "实际值960万元与全年执行数950万元不一致" in cost.message
    assert "000000" not in cost.message + cost.comment and "9600000" not in cost.message
    (missing,) = found(data, "EXPLANATION_MISSING")
    assert "实际完成值960万元" in missing.message and "960万元" in missing.comment


def test_a_cost_row_printed_in_yuan_reads_in_wan_in_every_comment() -> None:
    data = clean_form()
    data["indicators"][0].update(name="支持中小企业", target="10家", actual="10家")
    data["indicators"][3].update(name="支持中小企业资金", target="≤80000元", actual="72890元")
    review = review_data(data)
    comments = [f.comment + f.message for f in review.findings if 3 in f.indicators]
    assert comments and all("7.289万元" in text and "72890元" not in text for text in comments), comments


def test_execution_rate_rounding_is_titled_as_a_rate_slip() -> None:
    data = clean_form()
    data["funds"]["total"]["executed"] = data["funds"]["fiscal"]["executed"] = "950.049"
    data["funds"]["execution_rate"] = "95.00%"  # 95.0049% half-up is 95.00%: printed right
    assert not found(data, "ROUNDING")
    data["funds"]["total"]["executed"] = data["funds"]["fiscal"]["executed"] = "950.059"
    data["funds"]["execution_rate"] = "95.00%"  # 95.0059% rounds to 95.01%: a slip of the last digit
    (finding,) = found(data, "ROUNDING")
    assert finding.indicators == () and finding.title == "执行率舍入不当"
    assert "执行率" in finding.message and "得分" not in finding.title
