"""Blank cells (docs/form-format.md 1.1, "Blank cells"): a form with blank cells is reviewed in full,
and each blank is a finding of its own — TOTAL_MISSING, SCORE_MISSING, VALUE_BLANK, HEADER_BLANK."""

from __future__ import annotations

from decimal import Decimal

from ..config import Thresholds
from ..scoring import ONE, ZERO, IndicatorScore, Scorecard
from .catalogue import INDICATOR_KIND, Finding
from .wording import HUNDRED, num, quoted

_DASHES = frozenset("-—－/／")


def _blank(text: str | None) -> bool:
    return text is None or not text.strip() or text.strip() in _DASHES


def _claimed_parts(card: Scorecard) -> Decimal | None:
    """预算执行率得分 + Σ 指标得分 as claimed; None when any of them is blank."""
    scores = [card.form.funds.score, *(row.claimed for row in card.indicators)]
    # `is None`, not `None in scores`: comparing a Decimal with None goes through the numbers ABCs.
    return None if any(score is None for score in scores) else sum(scores, ZERO)


def _total_missing(card: Scorecard) -> list[Finding]:
    if card.claimed_total is not None:
        return []
    recomputed = num(card.recomputed_total)
    parts = _claimed_parts(card)
    if parts is not None:
        message = f"总分未填写；各项自评得分合计{num(parts)}分，复核总分{recomputed}分"
        comment = (f"自评表总分栏未填写。请按预算执行率得分与各指标得分合计填写总分（各项自评得分合计为{num(parts)}分），"
                   f"复核总分为{recomputed}分。")
    else:
        message = f"总分未填写，且部分得分未填写；复核总分{recomputed}分"
        comment = f"自评表总分栏未填写。请补填各项得分并据以填写总分，复核总分为{recomputed}分。"
    return [Finding("TOTAL_MISSING", (), message, comment, data={"recomputed": str(card.recomputed_total)})]


def _funds_score_missing(card: Scorecard) -> list[Finding]:
    funds, weight = card.funds, card.form.funds.weight
    if card.form.funds.score is not None:
        return []
    if funds.recomputed is None:
        return [Finding(
            "SCORE_MISSING", (),
            "预算执行率得分未填写，且全年预算数或执行数空白，无法计算执行率，复核总分按0分计",
            "预算执行率得分栏未填写，项目资金表也无法计算执行率。请补填全年预算数、全年执行数及预算执行率得分。",
        )]
    rate = num(min(funds.rate, ONE) * HUNDRED, 2)
    return [Finding(
        "SCORE_MISSING", (),
        f"预算执行率得分未填写；按min(执行率,100%)×分值 = {rate}%×{num(weight)}计为{num(funds.recomputed)}分，复核总分按此计入",
        f"预算执行率得分栏未填写。按执行率{rate}%×{num(weight)}分应得{num(funds.recomputed)}分，请补填得分。",
        data={"recomputed": str(funds.recomputed)},
    )]


def _why_no_formula(row: IndicatorScore) -> str:
    blank = [label for label, q in (("年度指标值", row.target), ("实际完成值", row.actual)) if q.is_blank]
    if blank:
        return f"{'和'.join(blank)}未填写，无法按公式计分"
    if row.direction in ("qualitative", "date"):
        return f"{INDICATOR_KIND[row.direction]}无法按公式计分"
    return "年度指标值与实际完成值无法比较，无法按公式计分"


def _score_missing(row: IndicatorScore) -> Finding:
    label = INDICATOR_KIND[row.direction]
    if row.recomputed is not None:
        return Finding(
            "SCORE_MISSING", (row.index,),
            f"{quoted(row)}得分未填写；按{label}公式 {row.formula_text} 计为{num(row.recomputed)}分，复核总分按此计入",
            f"{quoted(row)}自评得分栏未填写。按计分规则应得{num(row.recomputed)}分（{row.formula_text}），请补填得分。",
            data={"recomputed": str(row.recomputed), "formula": row.formula_text},
        )
    actual = row.actual.raw.strip()
    basis = f"实际完成情况（{actual}）" if actual else "实际完成情况"
    return Finding(
        "SCORE_MISSING", (row.index,),
        f"{quoted(row)}得分未填写，{_why_no_formula(row)}，复核总分按0分计",
        f"{quoted(row)}自评得分栏未填写。请根据{basis}补填得分（分值{num(row.weight)}分），并说明评分依据。",
    )


def _value_blank(row: IndicatorScore) -> Finding | None:
    s = row.claimed
    if s is None or s <= ZERO:  # a Decimal, not the int 0, which each comparison would convert
        return None
    target, actual = row.target.is_blank, row.actual.is_blank
    if not (target or actual):
        return None
    which = "年度指标值和实际完成值" if target and actual else "年度指标值" if target else "实际完成值"
    if target and actual:
        ask = "请按批复的绩效目标补填年度指标值，填写实际完成值并提供佐证材料"
    elif target:
        ask = f"请按批复的绩效目标补填年度指标值（实际完成值为“{row.actual.raw.strip()}”）"
    else:
        ask = f"请补填实际完成值（年度指标值为“{str(row.target.raw).strip()}”）并提供佐证材料"
    return Finding(
        "VALUE_BLANK", (row.index,),
        f"{quoted(row)}{which}未填写，自评得分{num(s)}分（分值{num(row.weight)}分），完成情况无法核实",
        f"{quoted(row)}{which}未填写，自评得分{num(s)}分缺乏依据。{ask}；无法提供的，该指标得分应予核减。",
        data={"target_blank": target, "actual_blank": actual},
    )


def _header_blank(card: Scorecard) -> list[Finding]:
    form = card.form
    cells = (("主管部门", form.department), ("实施单位", form.unit),
             ("年度总体目标的预期目标", form.goal.planned), ("年度总体目标的实际完成情况", form.goal.actual))
    blank = [label for label, text in cells if _blank(text)]
    if not blank:
        return []
    names = "、".join(blank)
    why = "；年度总体目标是评价目标完成程度的依据，须写明预期目标和实际完成情况" if any("目标" in b for b in blank) else ""
    return [Finding("HEADER_BLANK", (), f"表头信息未填写：{names}", f"自评表{names}未填写，请补充完整{why}。",
                    data={"blank": blank})]


def check_blanks(card: Scorecard, t: Thresholds) -> list[Finding]:
    findings = _total_missing(card) + _funds_score_missing(card) + _header_blank(card)
    for row in card.indicators:
        if row.claimed is None:
            findings.append(_score_missing(row))
        blank = _value_blank(row)
        if blank:
            findings.append(blank)
    return findings
