"""Deterministic checks: every `rules` code of docs/findings.md.

Each check reads the recomputed scorecard and returns findings whose message
carries the numbers (target, actual, printed vs recomputed) and the threshold
that fired, plus a suggested comment in the 审核意见 style (docs/domain-rules.md §5).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from ..config import Thresholds
from ..form.values import normalize_text, round_half_up, squash
from ..scoring import ONE, ZERO, IndicatorScore, Scorecard, level_group
from .blanks import check_blanks
from .catalogue import INDICATOR_KIND, Finding
from .rows import (
    is_money, money_in, explanation_required, has_measure, is_empty_explanation, is_total_cost, pair_cost_rows,
    qualitative_band, shown,
)
from .wording import HUNDRED, amount, indices_label, num, pct, quoted, share


_COLUMNS = {"initial_budget": "年初预算数", "annual_budget": "全年预算数", "executed": "全年执行数"}


def check_funds(card: Scorecard, t: Thresholds) -> list[Finding]:
    form, funds = card.form, card.funds
    money = form.funds.unit
    findings: list[Finding] = []

    mismatches = []
    for column, label in _COLUMNS.items():
        parts = [getattr(row, column) for row in (form.funds.fiscal, form.funds.carryover, form.funds.other) if row]
        parts = [p for p in parts if p is not None]
        if not parts:
            continue
        total = getattr(form.funds.total, column) or ZERO
        parts_sum = sum(parts, ZERO)
        if abs(total - parts_sum) > t.money_tolerance:
            mismatches.append(f"{label}：总额{amount(total, money)}，分项合计{amount(parts_sum, money)}")
    if mismatches:
        note = "；已按分项合计重算执行率" if funds.from_subrows else ""
        findings.append(Finding(
            "FUNDS_SUM", (),
            "年度资金总额不等于当年财政拨款、上年结转资金与其他资金之和（" + "；".join(mismatches) + f"）{note}",
            "项目资金表中年度资金总额与其中各项资金合计不一致（" + "；".join(mismatches)
            + "），请核实资金数据并更正。",
        ))

    if funds.budget is not None and funds.executed is not None and funds.executed > funds.budget:
        findings.append(Finding(
            "FUNDS_OVER_BUDGET", (),
            f"全年执行数{amount(funds.executed, money)}超过全年预算数{amount(funds.budget, money)}",
            f"该项目全年执行数{amount(funds.executed, money)}超过全年预算数{amount(funds.budget, money)}，"
            "请说明超预算支出的原因及资金来源，并核实数据是否准确。",
            data={"budget": str(funds.budget), "executed": str(funds.executed)},
        ))

    printed = form.funds.execution_rate
    if printed is not None and funds.rate_percent is not None:
        actual = funds.rate_percent
        gap = abs(printed.percent - actual)
        wrong = gap >= printed.unit
        misrounded = not wrong and printed.percent != round_half_up(actual, printed.unit)
        shown = computed = basis = ""
        if wrong or misrounded:
            # Written only for a finding: most forms print their rate right.
            shown = f"{num(printed.percent)}%"
            computed = f"{num(actual, 4)}%"
            basis = f"全年执行数{amount(funds.executed, money)}÷全年预算数{amount(funds.budget, money)}"
        if wrong:
            hint = ""
            if funds.initial_budget and funds.initial_budget != funds.budget:
                by_initial = funds.executed / funds.initial_budget * HUNDRED
                if abs(by_initial - printed.percent) < printed.unit:
                    hint = f"；填报值与按年初预算数{amount(funds.initial_budget, money)}计算的结果一致，疑似误用年初预算数"
            findings.append(Finding(
                "EXECUTION_RATE", (),
                f"填报执行率{shown}，按{basis}应为{computed}，相差{num(gap, 2)}个百分点{hint}",
                f"预算执行率填报为{shown}，按{basis}计算应为{num(actual, 2)}%，请更正执行率及相应得分。",
                data={"printed": str(printed.percent), "recomputed": str(actual)},
            ))
        elif misrounded:
            findings.append(Finding(
                "ROUNDING", (),
                f"填报执行率{shown}，按{basis}为{computed}，四舍五入应为{num(round_half_up(actual, printed.unit))}%",
                f"预算执行率按四舍五入应为{num(round_half_up(actual, printed.unit))}%，填报为{shown}，请更正。",
            ))

    claimed, weight = form.funds.score, form.funds.weight
    if claimed is None:
        pass  # a blank 得分 is SCORE_MISSING (checks/blanks.py)
    elif funds.formula_value is not None and abs(claimed - funds.formula_value) > t.score_tolerance:
        capped = "（执行率超过100%按100%计）" if funds.rate > ONE else ""
        findings.append(Finding(
            "EXECUTION_SCORE", (),
            f"预算执行率得分填报{num(claimed)}分，按min(执行率,100%)×分值 = {num(min(funds.rate, ONE) * HUNDRED, 2)}%×{num(weight)}"
            f" = {num(funds.formula_value, 4)}{capped}，应为{num(funds.recomputed)}分",
            f"预算执行率得分应为{num(funds.recomputed)}分（{num(min(funds.rate, ONE) * HUNDRED, 2)}%×{num(weight)}分），"
            f"自评{num(claimed)}分，请更正。",
            data={"claimed": str(claimed), "recomputed": str(funds.recomputed)},
        ))
    if claimed is not None and claimed > weight:
        findings.append(Finding(
            "SCORE_BOUNDS", (),
            f"预算执行率得分{num(claimed)}分超过其分值{num(weight)}分",
            f"预算执行率得分{num(claimed)}分超过分值{num(weight)}分，请更正。",
        ))

    # The recomputed rate decides; the printed one only when the budget is blank.
    rate = funds.rate_percent if funds.rate_percent is not None else (printed.percent if printed else None)
    if rate is not None and rate < t.execution_rate_floor and is_empty_explanation(form.funds.explanation):
        findings.append(Finding(
            "EXPLANATION_MISSING", (),
            f"预算执行率{num(rate, 2)}%低于{num(t.execution_rate_floor)}%，未说明原因",
            f"该项目预算执行率为{num(rate, 2)}%，低于{num(t.execution_rate_floor)}%，未说明原因。"
            "请补充说明资金未执行的原因、结转或收回情况及改进措施。",
        ))
    return findings



def check_indicator_scores(card: Scorecard, t: Thresholds) -> list[Finding]:
    findings: list[Finding] = []
    money = card.form.funds.unit
    for row in card.indicators:
        s, w = row.claimed, row.weight
        if s is None:
            continue  # a blank 得分 is SCORE_MISSING (checks/blanks.py)
        if s > w:
            findings.append(Finding(
                "SCORE_BOUNDS", (row.index,),
                f"{quoted(row)}得分{num(s)}分超过分值{num(w)}分",
                f"{quoted(row)}自评得分{num(s)}分超过该指标分值{num(w)}分，请更正。",
            ))
        f = row.formula_value
        if f is None:
            continue
        if abs(s - f) >= t.score_tolerance:
            label = INDICATOR_KIND[row.direction]
            figures = f"年度指标值{shown(row.target, money)}，实际完成值{shown(row.actual, money)}"
            over = s > f
            findings.append(Finding(
                "INDICATOR_SCORE", (row.index,),
                f"{quoted(row)}{'多计' if over else '少计'}{num(abs(s - row.recomputed))}分：{figures}，"
                f"按{label}公式 {row.formula_text} = {num(f, 4)}，应得{num(row.recomputed)}分，自评{num(s)}分",
                f"{quoted(row)}{figures}，按{label}计分应得{num(row.recomputed)}分（{row.formula_text}），"
                f"自评{num(s)}分，{'评分偏高' if over else '评分偏低'}，请按计分规则更正。",
                data={"claimed": str(s), "recomputed": str(row.recomputed), "formula": row.formula_text},
            ))
        elif s != row.recomputed:
            findings.append(Finding(
                "ROUNDING", (row.index,),
                f"{quoted(row)}得分{num(s)}分，公式 {row.formula_text} = {num(f, 4)}，四舍五入应为{num(row.recomputed)}分",
                f"{quoted(row)}得分按{row.formula_text}计算为{num(f, 4)}分，四舍五入保留两位小数应为"
                f"{num(row.recomputed)}分，自评填报{num(s)}分，请更正。",
                data={"claimed": str(s), "recomputed": str(row.recomputed), "formula": row.formula_text},
            ))
    return findings


def check_totals(card: Scorecard, t: Thresholds) -> list[Finding]:
    form = card.form
    findings: list[Finding] = []
    # One plain pass over the rows (no comprehension or generator frames): the claimed scores, the weights, and
    # each row's group (read twice below). Sums run left to right from ZERO, as sum() does.
    # A blank total is TOTAL_MISSING; with a blank score the claimed parts do not add up to anything.
    # `is None`, not `None in scores`: comparing a Decimal with None goes through the numbers ABCs.
    parts: Decimal | None = form.funds.score
    if parts is not None:
        parts = ZERO + parts
    weight_sum = ZERO
    row_groups = []
    for row in card.indicators:
        indicator = row.indicator
        if parts is not None:
            score = indicator.score
            parts = None if score is None else parts + score
        weight_sum += indicator.weight
        row_groups.append(level_group(indicator))
    if form.total_score is not None and parts is not None and abs(form.total_score - parts) > t.score_tolerance:
        findings.append(Finding(
            "TOTAL_SCORE", (),
            f"总分填报{num(form.total_score)}分，预算执行率得分与各指标得分合计为{num(parts)}分",
            f"自评总分{num(form.total_score)}分与各项得分合计{num(parts)}分不一致，请核实更正。",
            data={"claimed": str(form.total_score), "sum": str(parts)},
        ))

    weights = form.funds.weight + weight_sum
    if weights != HUNDRED:
        findings.append(Finding(
            "WEIGHTS_TOTAL", (),
            f"分值合计为{num(weights)}分（预算执行率{num(form.funds.weight)}分 + 指标{num(weights - form.funds.weight)}分），不等于100分",
            f"各项分值合计{num(weights)}分，不等于100分，请调整指标分值。",
        ))

    groups: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row, group in zip(card.indicators, row_groups):
        groups["产出" if group == "成本" else group] += row.weight
    expected = {"产出": t.scheme_output, "效益": t.scheme_benefit, "满意度": t.scheme_satisfaction}
    actual_split = {name: groups.get(name, ZERO) for name in expected}
    others = {name: w for name, w in groups.items() if name not in expected}
    if actual_split != expected or others or form.funds.weight != t.scheme_execution:
        split = "、".join(f"{name}{num(w)}分" for name, w in {**actual_split, **others}.items())
        findings.append(Finding(
            "WEIGHT_SCHEME", (),
            f"一级指标分值为{split}、预算执行率{num(form.funds.weight)}分，与产出{num(t.scheme_output)}/效益"
            f"{num(t.scheme_benefit)}/满意度{num(t.scheme_satisfaction)}/预算执行率{num(t.scheme_execution)}的标准权重不同",
            f"该项目一级指标分值（{split}、预算执行率{num(form.funds.weight)}分）与标准权重不同，请说明调整理由。",
        ))

    pool = points = ZERO
    qualitative = 0
    for row, group in zip(card.indicators, row_groups):
        if group in ("产出", "效益", "成本"):
            pool += row.weight
            # A row whose 年度指标值 is blank is no qualitative indicator: it is VALUE_BLANK.
            if row.direction == "qualitative" and not row.target.is_blank:
                qualitative += 1
                points += row.weight
    if pool and points / pool > t.qualitative_share:
        findings.append(Finding(
            "QUALITATIVE_SHARE", (),
            f"产出和效益指标共{num(pool)}分，其中定性指标{qualitative}项计{num(points)}分，占{share(points / pool)}，"
            f"超过{share(t.qualitative_share)}",
            f"该项目产出和效益指标中定性指标分值占{share(points / pool)}（{num(points)}/{num(pool)}分），"
            "指标可衡量性不足。建议下年度细化、量化绩效指标，明确可考核的指标值。",
            data={"pool": str(pool), "qualitative": str(points)},
        ))
    return findings


def check_values(card: Scorecard, t: Thresholds) -> list[Finding]:
    findings: list[Finding] = []
    money = card.form.funds.unit
    for row in card.indicators:
        target, actual = row.target, row.actual
        reason = None
        if actual.is_blank:
            pass  # a blank cell is VALUE_BLANK (checks/blanks.py), not a value of another kind
        elif target.is_number and not actual.is_number:
            reason = f"实际完成值“{actual.raw}”不是数值"
        elif target.kind == "date" and actual.kind == "text" and not actual.is_blank:
            reason = f"实际完成值“{actual.raw}”不是日期"
        elif row.units_differ:
            converted = " （已按单位换算计分）" if row.actual_value is not None else "，无法计分"
            reason = f"计量单位不同（{target.unit or '无'} 与 {actual.unit or '无'}）{converted}"
        if reason:
            findings.append(Finding(
                "VALUE_TYPE", (row.index,),
                f"{quoted(row)}年度指标值为{target.raw}，{reason}",
                f"{quoted(row)}年度指标值为“{target.raw}”，实际完成值填报为“{actual.raw}”，二者无法比较。"
                "请按指标值的计量单位填报实际完成数据。",
            ))

        if row.direction == "qualitative" and row.claimed is not None:
            band = qualitative_band(actual.raw)
            if band:
                label, low, high, inclusive = band
                w, s = row.weight, row.claimed
                lo, hi = round_half_up(low * w), round_half_up(high * w)
                inside = lo <= s <= hi if inclusive else lo <= s < hi
                if not inside:
                    bracket = f"[{num(lo)}, {num(hi)}{']' if inclusive else ')'}"
                    findings.append(Finding(
                        "QUALITATIVE_BAND", (row.index,),
                        f"{quoted(row)}完成情况为“{label}”，得分应在{bracket}分之间，自评{num(s)}分",
                        f"{quoted(row)}实际完成情况为“{actual.raw}”，属“{label}”档次，按定性指标计分规则得分应在"
                        f"{bracket}分，自评{num(s)}分，请核实更正。",
                    ))

        copied = _copies_target(row)
        if copied:
            findings.append(copied)

        full = row.claimed is not None and row.claimed >= row.weight
        ratio = row.ratio if row.direction == "higher" and full else None
        if ratio is not None and ratio >= t.overachieved_ratio:
            findings.append(Finding(
                "OVERACHIEVED", (row.index,),
                f"{quoted(row)}实际完成值{shown(actual, money)}为年度指标值{shown(target, money)}的{share(ratio)}"
                f"（≥{share(t.overachieved_ratio)}）且得满分，指标值可能设置偏低",
                f"{quoted(row)}实际完成{shown(actual, money)}，为年度指标值{shown(target, money)}的{share(ratio)}，"
                "超额幅度较大，年度指标值可能设置偏低。请说明原因，下年度合理设置指标值。",
            ))
    return findings


def _copies_target(row: IndicatorScore) -> Finding | None:
    """The actual repeats the target: the same text, or the same figure with its comparator (≥266米)."""
    target, actual = row.target, row.actual
    if actual.is_blank:
        return None
    if actual.kind == "text" and squash(actual.raw) == squash(str(target.raw)):
        return Finding(
            "ACTUAL_COPIES_TARGET", (row.index,),
            f"{quoted(row)}实际完成值与年度指标值完全相同，未反映实际完成情况",
            f"{quoted(row)}实际完成值照抄年度指标值，未反映实际完成情况。请填写可核实的实际完成数据，并提供佐证材料。",
        )
    repeats = (target.is_number and actual.is_number and actual.comparator is not None
               and actual.comparator == target.comparator and row.target_value is not None
               and row.target_value == row.actual_value)
    if not repeats:
        return None
    return Finding(
        "ACTUAL_COPIES_TARGET", (row.index,),
        f"{quoted(row)}实际完成值“{actual.raw.strip()}”连同比较符照抄年度指标值“{str(target.raw).strip()}”，"
        "只重复了目标，未反映实际完成了多少",
        f"{quoted(row)}实际完成值填报为“{actual.raw.strip()}”，与年度指标值相同且带有比较符，未反映实际完成情况。"
        "请填写实际完成的具体数值（不带“≥”“≤”等比较符），并提供佐证材料；实际未达目标的，应相应调整得分。",
        data={"target": str(target.raw), "actual": actual.raw},
    )


_PAYOUT_WORDS = ("拨付", "支付", "结算", "兑付", "发放")
_PROGRESS_WORDS = ("率", "进度", "完成")
# A rate of how well, not how much: 兑付审核准确率, 拨付及时率 say nothing of the money paid out.
_QUALITY_WORDS = ("准确", "正确", "合格", "差错", "错误", "满意", "合规", "及时", "审核")


def _payout_word(name: str) -> str | None:
    """The word naming money paid out, when the indicator measures how much was paid (资金拨付率, 结算完成率)."""
    text = normalize_text(name)
    word = next((w for w in _PAYOUT_WORDS if w in text), None)
    if word is None or not any(p in text for p in _PROGRESS_WORDS) or any(q in text for q in _QUALITY_WORDS):
        return None
    return word


def check_payment_rates(card: Scorecard, t: Thresholds) -> list[Finding]:
    """PAYMENT_RATE_CONFLICT: a row says all the money went out; the funds table says it did not."""
    funds, money = card.funds, card.form.funds.unit
    printed = card.form.funds.execution_rate
    rate = funds.rate_percent if funds.rate_percent is not None else (printed.percent if printed else None)
    if rate is None or HUNDRED - rate <= t.payment_rate_gap:
        return []
    if funds.rate_percent is not None:
        basis = f"全年执行数{amount(funds.executed, money)}÷全年预算数{amount(funds.budget, money)}"
        table = (f"项目资金表显示全年预算数{amount(funds.budget, money)}、全年执行数{amount(funds.executed, money)}，"
                 f"预算执行率{num(rate, 2)}%，尚有{amount(funds.budget - funds.executed, money)}未支出")
    else:
        basis = "填报执行率"
        table = f"项目资金表填报的预算执行率为{num(rate, 2)}%"
    findings = []
    for row in card.indicators:
        word = _payout_word(row.name)
        actual = row.actual
        if word is None or not (actual.is_number and actual.unit == "%" and actual.value >= HUNDRED):
            continue
        findings.append(Finding(
            "PAYMENT_RATE_CONFLICT", (row.index,),
            f"{quoted(row)}实际完成值{shown(actual)}，但预算执行率为{num(rate, 2)}%（{basis}），"
            f"低于100%达{num(HUNDRED - rate, 2)}个百分点（阈值{num(t.payment_rate_gap)}个百分点）：表中资金并未全部{word}",
            f"{quoted(row)}填报实际完成{shown(actual)}，但{table}，二者矛盾。请核实资金实际{word}情况，"
            f"据实填报该指标实际完成值并相应调整得分；确已{word}而未计入执行数的，请说明原因并提供凭证。",
            data={"actual": str(actual.value), "execution_rate": str(rate)},
        ))
    return findings


def check_dates(card: Scorecard, t: Thresholds) -> list[Finding]:
    """DATE_SCORE: a late date scored full marks; or a date met on time marked down with no reason given."""
    findings = []
    for row in card.indicators:
        s, w = row.claimed, row.weight
        if row.late is None or s is None:
            continue
        target, actual = str(row.target.raw).strip(), row.actual.raw.strip()
        if row.late and s >= w:
            findings.append(Finding(
                "DATE_SCORE", (row.index,),
                f"{quoted(row)}年度指标值“{target}”，实际完成“{actual}”，晚于目标时间，却自评满分{num(s)}分",
                f"{quoted(row)}实际完成时间（{actual}）晚于年度指标值（{target}），未按期完成，不应得满分{num(w)}分。"
                "请按实际完成时间扣减得分，并说明延期的原因及改进措施。",
                data={"late": True, "claimed": str(s)},
            ))
        elif not row.late and s < w and is_empty_explanation(row.indicator.explanation):
            findings.append(Finding(
                "DATE_SCORE", (row.index,),
                f"{quoted(row)}年度指标值“{target}”，实际完成“{actual}”，已按时完成，自评得分{num(s)}分低于分值"
                f"{num(w)}分，且未说明扣分原因",
                f"{quoted(row)}实际完成时间（{actual}）未晚于年度指标值（{target}），已按时完成，自评得分{num(s)}分"
                f"低于分值{num(w)}分，又未说明扣分原因。请核实：按时完成的应得满分{num(w)}分；另有扣分依据的，"
                "请在偏差原因分析栏中说明。",
                data={"late": False, "claimed": str(s)},
            ))
    return findings


def check_costs(card: Scorecard, t: Thresholds) -> list[Finding]:
    findings: list[Finding] = []
    money = card.form.funds.unit
    funds = card.funds
    totals = [row for row in card.indicators if row.cost and is_total_cost(row) and is_money(row.target)]
    if totals:
        total = totals[0]
        problems = []
        planned, spent = money_in(total.target, money), money_in(total.actual, money)
        if planned is not None and funds.budget is not None and abs(planned - funds.budget) > t.money_tolerance:
            problems.append(f"指标值{amount(planned, money)}与全年预算数{amount(funds.budget, money)}不一致")
        if spent is not None and funds.executed is not None and abs(spent - funds.executed) > t.money_tolerance:
            problems.append(f"实际值{amount(spent, money)}与全年执行数{amount(funds.executed, money)}不一致")
        items = [row for row in card.indicators if row.cost and row is not total and not is_total_cost(row)]
        rows = [total.index]
        if len(items) >= 2 and all(is_money(r.target) and is_money(r.actual) for r in items):
            item_planned = sum((money_in(r.target, money) for r in items), ZERO)
            item_spent = sum((money_in(r.actual, money) for r in items), ZERO)
            if planned is not None and abs(item_planned - planned) > t.money_tolerance:
                problems.append(f"各分项成本指标值合计{amount(item_planned, money)}，与总成本指标值{amount(planned, money)}不符")
                rows += [r.index for r in items]
            if spent is not None and abs(item_spent - spent) > t.money_tolerance:
                problems.append(f"各分项成本实际值合计{amount(item_spent, money)}，与总成本实际值{amount(spent, money)}不符")
                rows += [r.index for r in items] if len(rows) == 1 else []
        if problems:
            findings.append(Finding(
                "COST_TOTAL", tuple(sorted(set(rows))),
                f"{quoted(total)}：" + "；".join(problems),
                f"成本指标{quoted(total)}" + "；".join(problems) + "。请核实成本指标与项目资金数据，确保口径一致。",
            ))

    for quantity, cost in pair_cost_rows(card):
        finding = _divergence(quantity, cost, money, t)
        if finding:
            findings.append(finding)
    return findings


def _divergence(quantity: IndicatorScore, cost: IndicatorScore, money: str, t: Thresholds) -> Finding | None:
    qa, qb = quantity.target_value, quantity.actual_value
    ca, cb = money_in(cost.target, money), money_in(cost.actual, money)
    if qa is None or qb is None or ca is None or cb is None or qa <= 0 or ca <= 0:
        return None
    count_change = qb / qa - ONE
    cost_change = cb / ca - ONE
    unit_planned = ca / qa
    unit_actual = cb / qb if qb > 0 else None
    unit_change = None if unit_actual is None else unit_actual / unit_planned - ONE
    reasons = []
    if qb < qa and cb > ca:
        reasons.append("数量减少而成本增加")
    if qb == qa and abs(cost_change) > t.cost_move:
        reasons.append(f"数量未变而成本变动{pct(cost_change)}（超过±{share(t.cost_move)}）")
    if unit_change is not None and abs(unit_change) > t.unit_cost_move:
        reasons.append(f"单位成本变动{pct(unit_change)}（超过±{share(t.unit_cost_move)}）")
    if not reasons:
        return None
    unit = quantity.target.unit or "个"
    count_text = (f"数量由{amount(qa, unit)}{'减为' if qb < qa else '增至' if qb > qa else '保持'}{amount(qb, unit)}"
                  f"（{pct(count_change)}）" if qb != qa else f"数量保持{amount(qa, unit)}不变")
    cost_text = (f"由{amount(ca, money)}{'增至' if cb > ca else '减为' if cb < ca else '保持'}{amount(cb, money)}"
                 f"（{pct(cost_change)}）")
    unit_text = (f"单位成本由计划{num(unit_planned, 2)}{money}/{unit}变为{num(unit_actual, 2)}{money}/{unit}"
                 if unit_actual is not None else "实际数量为0，无法计算单位成本")
    return Finding(
        "COST_COUNT_DIVERGENCE", (quantity.index, cost.index),
        f"{quoted(quantity)}{count_text}，{quoted(cost)}{cost_text}；{unit_text}。{'；'.join(reasons)}",
        f"{quoted(quantity)}{count_text}，对应成本指标{quoted(cost)}{cost_text}，{unit_text}，"
        "成本与数量变动不匹配。请说明单位成本变化的具体原因，列明调整涉及的项目及金额，并提供资金调整依据。",
        data={
            "count_planned": str(qa), "count_actual": str(qb), "cost_planned": str(ca), "cost_actual": str(cb),
            "unit_cost_planned": str(unit_planned), "unit_cost_actual": None if unit_actual is None else str(unit_actual),
        },
    )


def _gap_text(row: IndicatorScore, money: str) -> str:
    if row.target_value is not None and row.actual_value is not None and row.target_value:
        return (f"年度指标值{shown(row.target, money)}，实际完成值{shown(row.actual, money)}"
                f"（{pct(row.actual_value / row.target_value - ONE)}）")
    return f"年度指标值“{row.target.raw}”，实际完成值“{row.actual.raw}”"


def _blank_label(text: str | None) -> str:
    return "未填写偏差原因" if text is None or not squash(text) else f"偏差原因仅填写“{text.strip()}”"


def check_explanations(card: Scorecard, t: Thresholds) -> list[Finding]:
    findings: list[Finding] = []
    money = card.form.funds.unit
    groups: dict[str, list[IndicatorScore]] = defaultdict(list)
    for row in card.indicators:
        text = row.indicator.explanation
        if is_empty_explanation(text):
            reasons = explanation_required(row, t, money)
            if reasons:
                money_hint = "（包括未使用资金的去向）" if row.cost else ""
                gap = _gap_text(row, money)  # once for the message and the comment: it writes three figures
                findings.append(Finding(
                    "EXPLANATION_MISSING", (row.index,),
                    f"{quoted(row)}{gap}，{'；'.join(reasons)}，但{_blank_label(text)}",
                    f"{quoted(row)}{gap}，偏差原因分析及改进措施栏未填写。请补充说明偏差的具体原因"
                    f"{money_hint}及改进措施。",
                    data={"reasons": reasons},
                ))
            continue
        groups[squash(text)].append(row)
        if not has_measure(text):
            findings.append(Finding(
                "EXPLANATION_NO_MEASURE", (row.index,),
                f"{quoted(row)}的偏差说明“{text.strip()}”未提出改进措施",
                f"{quoted(row)}的偏差原因分析未提出改进措施，请补充针对偏差原因的具体改进措施（做法、责任环节和时限）。",
            ))
    for rows in groups.values():
        if len(rows) >= t.reuse_count:
            text = rows[0].indicator.explanation.strip()
            indices = [r.index for r in rows]
            findings.append(Finding(
                "EXPLANATION_REUSED", tuple(indices),
                f"{len(rows)}项指标（{indices_label(indices)}）使用相同的偏差说明“{text}”（阈值{t.reuse_count}项）",
                f"{indices_label(indices)}指标的偏差原因均填写为“{text}”，表述雷同，未针对各指标说明具体原因。"
                "请逐项说明偏差的具体原因、涉及的项目数量和金额。",
            ))
    return findings


CHECKS = (check_funds, check_indicator_scores, check_totals, check_values, check_costs, check_explanations,
          check_payment_rates, check_dates, check_blanks)


def run_checks(card: Scorecard, thresholds: Thresholds) -> list[Finding]:
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(card, thresholds))
    return findings

