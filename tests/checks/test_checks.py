"""Every deterministic code: one small form that triggers it, one that just misses."""

from __future__ import annotations

from decimal import Decimal
from typing import Callable

import pytest

from formkit import clean_form, code_names, codes, indicator, review_data
from reviewer.config import Config, Thresholds


def funds(data: dict, **cells: str) -> None:
    for key, value in cells.items():
        row, column = key.split("__")
        data["funds"][row][column] = value


def set_row(index: int, **fields) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        data["indicators"][index].update(fields)
    return edit


def total(value) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        data["total_score"] = value
    return edit


def chain(*edits: Callable[[dict], None]) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        for step in edits:
            step(data)
    return edit


def executed(amount: str, rate: str, score) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        data["funds"]["total"]["executed"] = amount
        data["funds"]["fiscal"]["executed"] = amount
        data["funds"]["execution_rate"] = rate
        data["funds"]["score"] = score
        data["total_score"] = float(Decimal(str(score)) + 90)
    return edit


def explain(*indices: int, text: str = "因天气原因延期两周，下一步将加强进度管理") -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        for index in indices:
            data["indicators"][index]["explanation"] = text
    return edit


def fiscal_executed(amount: str) -> Callable[[dict], None]:
    return lambda data: funds(data, fiscal__executed=amount)


def pair(count_actual: str, cost_actual: str) -> Callable[[dict], None]:
    """A quantity row and its cost row for the same item, replacing rows 0 and 3."""
    def edit(data: dict) -> None:
        data["indicators"][0] = indicator("产出指标", "数量指标", "支持中小企业", "10家", count_actual, 20, 20)
        data["indicators"][3] = indicator("产出指标", "成本指标", "支持中小企业资金", "100万元", cost_actual, 10, 10)
        data["indicators"][0]["explanation"] = data["indicators"][3]["explanation"] = "按申报审核结果据实调整，下一步将加强项目储备"
    return edit


def qualitative(*indices: int) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        for index in indices:
            data["indicators"][index].update(target="服务质量明显提升", actual="服务质量明显提升，群众反映良好")
    return edit


# (code, edit that triggers it, edit that just misses it)
CASES = [
    ("FUNDS_SUM", fiscal_executed("940.00"), fiscal_executed("949.99")),
    ("FUNDS_OVER_BUDGET", executed("1000.01", "100.00%", 10), executed("1000.00", "100.00%", 10)),
    ("EXECUTION_RATE", executed("950.05", "95.02%", 9.5), executed("950.05", "95.01%", 9.5)),
    ("EXECUTION_SCORE", chain(executed("950.00", "95.00%", 9.52)), executed("950.00", "95.00%", 9.51)),
    ("INDICATOR_SCORE",
     chain(set_row(0, actual="450人次", score=17.99), explain(0), total(97.49)),
     chain(set_row(0, actual="450人次", score=18), explain(0), total(97.5))),
    ("ROUNDING",
     chain(set_row(0, target="≥199人次", actual="163人次", score=16.39), explain(0), total(95.89)),
     chain(set_row(0, target="≥199人次", actual="163人次", score=16.38), explain(0), total(95.88))),
    ("SCORE_BOUNDS", chain(set_row(6, score=10.01), total(99.51)), chain(set_row(6, score=10), total(99.5))),
    ("TOTAL_SCORE", total(99.52), total(99.51)),
    ("WEIGHTS_TOTAL", chain(set_row(5, weight=16, score=16), total(100.5)), chain(set_row(5, weight=15, score=15))),
    ("WEIGHT_SCHEME",
     chain(set_row(0, weight=25, score=25), set_row(5, weight=10, score=10)),
     chain(set_row(0, weight=20, score=20), set_row(5, weight=15, score=15))),
    ("COST_TOTAL",
     lambda d: d["indicators"][3].update(name="项目总成本", target="≤1000万元", actual="950.02万元"),
     lambda d: d["indicators"][3].update(name="项目总成本", target="≤1000万元", actual="950.01万元")),
    ("VALUE_TYPE", set_row(0, actual="完成"), set_row(0, actual="520")),
    ("QUALITATIVE_BAND",
     chain(set_row(4, target="群众生活水平提高", actual="部分达成", score=12), explain(4), total(96.5)),
     chain(set_row(4, target="群众生活水平提高", actual="部分达成", score=11.99), explain(4), total(96.49))),
    ("EXPLANATION_MISSING",
     set_row(3, target="100万元", actual="89.9万元"), set_row(3, target="100万元", actual="90万元")),
    ("EXPLANATION_REUSED", explain(0, 1, 2), explain(0, 1)),
    ("EXPLANATION_NO_MEASURE", explain(0, text="因天气原因延期两周"), explain(0)),
    ("COST_COUNT_DIVERGENCE", pair("9家", "100.01万元"), pair("10家", "105万元")),
    ("OVERACHIEVED", set_row(0, actual="600人次"), set_row(0, actual="599人次")),
    ("ACTUAL_COPIES_TARGET",
     set_row(4, target="群众满意度明显提升", actual="群众满意度明显提升。"),
     set_row(4, target="群众满意度明显提升", actual="群众满意度有所提升")),
    ("QUALITATIVE_SHARE", qualitative(0, 4, 5), qualitative(0, 4, 2)),
    ("TOTAL_MISSING", total(None), total(0)),
    ("SCORE_MISSING", set_row(0, score=None), set_row(0, score=0)),
    ("VALUE_BLANK", set_row(0, actual=None, score=0.01), set_row(0, actual=None, score=0)),
    ("HEADER_BLANK", lambda d: d.update(department=None), lambda d: d.update(department="局")),
    ("PAYMENT_RATE_CONFLICT",
     chain(set_row(1, name="补贴资金拨付率", target="100%", actual="100%"), executed("949.90", "94.99%", 9.5)),
     chain(set_row(1, name="补贴资金拨付率", target="100%", actual="100%"), executed("950.00", "95.00%", 9.5))),
    ("DATE_SCORE", set_row(2, actual="2023年11月1日"), set_row(2, actual="2023年10月31日")),
]


@pytest.mark.parametrize("code,trigger,miss", CASES, ids=[case[0] for case in CASES])
def test_code_fires_and_just_misses(code: str, trigger, miss) -> None:
    fired = clean_form()
    trigger(fired)
    assert code in code_names(fired)
    missed = clean_form()
    miss(missed)
    assert code not in code_names(missed)


def test_every_rules_code_is_covered() -> None:
    from reviewer.checks.catalogue import SEVERITY

    rules_codes = set(SEVERITY) - {"EXPLANATION_VERDICT"}
    assert rules_codes == {case[0] for case in CASES}


def test_clean_form_has_no_findings() -> None:
    review = review_data(clean_form())
    assert review.findings == []
    assert review.card.recomputed_total == Decimal("99.50")


@pytest.mark.parametrize("actual,fires", [("649人次", False), ("650人次", True)])
def test_explanation_required_when_far_over_target(actual: str, fires: bool) -> None:
    data = clean_form()
    data["indicators"][0]["actual"] = actual
    assert (("EXPLANATION_MISSING", (0,)) in codes(data)) is fires


@pytest.mark.parametrize("rate,amount,fires", [("89.99%", "899.90", True), ("90.00%", "900.00", False)])
def test_low_execution_rate_needs_a_reason(rate: str, amount: str, fires: bool) -> None:
    data = clean_form()
    score = float(Decimal(amount) / 100)
    executed(amount, rate, score)(data)
    assert (("EXPLANATION_MISSING", ()) in codes(data)) is fires
    data["funds"]["explanation"] = "因疫情影响，2个培训班次顺延至次年，资金结转100万元。"
    assert ("EXPLANATION_MISSING", ()) not in codes(data)


def test_late_date_needs_an_explanation() -> None:
    data = clean_form()
    data["indicators"][2]["actual"] = "2023年11月15日完成"
    found = [f for f in review_data(data).findings if f.code == "EXPLANATION_MISSING"]
    assert [f.indicators for f in found] == [(2,)]
    assert "晚于" in found[0].message


def test_empty_explanations_count_as_missing_and_are_not_reused() -> None:
    data = clean_form()
    for index in (0, 1, 4):
        data["indicators"][index].update(explanation="无", score=data["indicators"][index]["weight"] - 1)
    data["total_score"] = 96.5
    found = codes(data)
    assert {("EXPLANATION_MISSING", (i,)) for i in (0, 1, 4)} <= found
    assert not {code for code, _ in found} & {"EXPLANATION_REUSED", "EXPLANATION_NO_MEASURE"}


def test_thresholds_come_from_config() -> None:
    data = clean_form()
    data["indicators"][0]["actual"] = "560人次"  # 112%: below the default 120%
    assert "OVERACHIEVED" not in code_names(data)
    config = Config(thresholds=Thresholds(overachieved_ratio=Decimal("1.1")))
    found = [f for f in review_data(data, config).findings if f.code == "OVERACHIEVED"]
    assert found and "110.0%" in found[0].message


def test_over_and_under_scoring_are_named() -> None:
    data = clean_form()
    data["indicators"][0].update(actual="400人次", score=20, explanation="因场地改造，部分班次取消，下一步将提前安排场地")
    data["total_score"] = 99.5
    (finding,) = [f for f in review_data(data).findings if f.code == "INDICATOR_SCORE"]
    assert "多计4.00分" in finding.message and "400/500×20" in finding.message and "应得16.00分" in finding.message


def test_lower_is_better_cost_scored_by_target_over_actual() -> None:
    data = clean_form()
    data["indicators"][3].update(actual="125万元", score=8, explanation="场地租金上涨25万元，下一步将通过公开招标压降成本")
    data["total_score"] = 97.5
    review = review_data(data)
    assert review.card.indicators[3].direction == "lower"
    assert review.card.indicators[3].recomputed == Decimal("8.00")
    assert not {f.code for f in review.findings} & {"INDICATOR_SCORE", "ROUNDING"}


def test_equal_target_misses_either_way() -> None:
    data = clean_form()
    data["indicators"][0].update(target="=500人次", actual="550人次", score=20)
    review = review_data(data)
    row = review.card.indicators[0]
    assert row.direction == "equal" and row.recomputed == Decimal("18.18")
    assert ("INDICATOR_SCORE", (0,)) in {(f.code, f.indicators) for f in review.findings}


def test_direction_override_wins() -> None:
    data = clean_form()
    data["indicators"][0].update(actual="450人次", score=20, direction="lower")
    review = review_data(data)
    assert review.card.indicators[0].direction == "lower"
    assert review.card.indicators[0].recomputed == Decimal("20.00")


def test_blank_total_row_uses_the_subrows() -> None:
    data = clean_form()
    data["funds"]["total"] = {"initial_budget": 0, "annual_budget": 0, "executed": 0}
    review = review_data(data)
    assert "FUNDS_SUM" in {f.code for f in review.findings}
    assert review.card.funds.recomputed == Decimal("9.50")


def test_printed_rate_from_initial_budget_is_pointed_out() -> None:
    data = clean_form()
    funds(data, total__annual_budget="1,100.00", fiscal__annual_budget="1,100.00")
    data["funds"]["execution_rate"] = "95.00%"
    (finding,) = [f for f in review_data(data).findings if f.code == "EXECUTION_RATE"]
    assert "年初预算数" in finding.message and "86.3636%" in finding.message


@pytest.mark.parametrize("target,actual,word", [("≤100万元", "120万元", "超过"), ("=100万元", "90万元", "不等于")])
def test_missing_explanation_names_the_miss_by_direction(target: str, actual: str, word: str) -> None:
    data = clean_form()
    data["indicators"][3].update(target=target, actual=actual, explanation="无")
    (finding,) = [f for f in review_data(data).findings if f.code == "EXPLANATION_MISSING"]
    assert f"实际完成值{actual}{word}年度指标值" in finding.message
    assert "偏差原因仅填写“无”" in finding.message


def test_execution_rate_floor_as_a_fraction_means_percent(tmp_path) -> None:
    from reviewer.config import load_config

    config = tmp_path / "r.toml"
    config.write_text("[thresholds]\nexecution_rate_floor = 0.9\n", encoding="utf-8")
    assert load_config(config).thresholds.execution_rate_floor == Decimal("90.0")


def test_low_recomputed_rate_needs_a_reason_whatever_is_printed() -> None:
    data = clean_form()
    executed("800.00", "95.00%", 8)(data)  # printed 95% hides a real 80%
    found = codes(data)
    assert ("EXECUTION_RATE", ()) in found
    assert ("EXPLANATION_MISSING", ()) in found


def test_direction_follows_the_contract_order() -> None:
    data = clean_form()
    data["indicators"][3].update(target="控制在预算范围内", actual="未超预算")  # cost row, text target
    data["indicators"][2].update(target="≤2023年10月31日", actual="2023年9月完成")  # comparator before date
    card = review_data(data).card
    assert card.indicators[3].direction == "lower" and card.indicators[3].recomputed is None
    assert card.indicators[2].direction == "lower"
