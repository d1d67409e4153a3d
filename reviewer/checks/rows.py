"""Helpers about rows that the checks and the judge share: which cost row pairs with which count,
when an explanation is required, whether one is empty or gives a measure, a qualitative band."""

from __future__ import annotations

from decimal import Decimal

from ..config import Thresholds
from ..form.values import MONEY_SCALE, Quantity, convert_units, memo_short, normalize_text, squash
from ..scoring import ONE, IndicatorScore, Scorecard
from .wording import amount, num, pct, share


_BANDS = [  # (words, label, low, high, high_inclusive)
    (("未达成", "未完成", "未达到", "未实现", "没有完成", "没有达到"), "未达成", Decimal("0"), Decimal("0.6"), False),
    (("部分达成", "部分完成", "部分达到", "基本达成", "基本完成", "基本达到", "部分实现", "基本实现"), "部分达成",
     Decimal("0.6"), Decimal("0.8"), False),
    (("达成", "完成", "达到", "实现", "符合"), "达成", Decimal("0.8"), Decimal("1"), True),
]


@memo_short(maxsize=16384)
def qualitative_band(actual: str) -> tuple[str, Decimal, Decimal, bool] | None:
    text = normalize_text(actual)
    for words, label, low, high, inclusive in _BANDS:
        if any(word in text for word in words):
            return label, low, high, inclusive
    return None


_COST_SUFFIXES = ("预算控制数", "控制数", "总成本", "成本", "资金", "经费", "费用", "金额", "预算", "支出", "投入", "补助", "的")


_COUNT_SUFFIXES = ("数量", "个数", "数")


@memo_short(maxsize=16384)
def cost_stem(name: str) -> str:
    stem = squash(name)
    changed = True
    while changed:
        changed = False
        for suffix in _COST_SUFFIXES:
            if stem.endswith(suffix) and len(stem) > len(suffix):
                stem, changed = stem[: -len(suffix)], True
    return stem


@memo_short(maxsize=16384)
def _count_stem(name: str) -> str:
    stem = squash(name)
    for suffix in _COUNT_SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix) + 1:
            return stem[: -len(suffix)]
    return stem


def is_total_cost(row: IndicatorScore) -> bool:
    return _is_total_cost_name(row.name)


@memo_short(maxsize=16384)
def _is_total_cost_name(name: str) -> bool:
    squashed = squash(name)
    return "总成本" in squashed or "总预算" in squashed or cost_stem(name) in ("项目", "项目总", "总", "")


def is_money(q: Quantity) -> bool:
    return q.is_number and q.unit in MONEY_SCALE


def pair_cost_rows(card: Scorecard) -> list[tuple[IndicatorScore, IndicatorScore]]:
    """(quantity row, cost row) for the same item, e.g. "支持国际研发合作项目" and its 预算控制数."""
    quantities = [
        row for row in card.indicators
        if not row.cost and row.target.is_number and row.target.unit != "%" and not is_money(row.target)
    ]
    pairs = []
    for cost in card.indicators:
        if not cost.cost or is_total_cost(cost):
            continue
        stem = cost_stem(cost.name)
        best = None
        for quantity in quantities:
            qname = _count_stem(quantity.name)
            if qname == stem:
                best = quantity
                break
            if best is None and len(qname) >= 4 and len(stem) >= 4 and (stem.startswith(qname) or qname.startswith(stem)):
                best = quantity
        if best is not None:
            pairs.append((best, cost))
    return pairs


def money_in(q: Quantity, unit: str) -> Decimal | None:
    return convert_units(q, unit) if is_money(q) else None


def shown(q: Quantity, money: str | None = None) -> str:
    """A target or actual for a message: money in the form's unit (one unit per form, so 72890元
    beside a form in 万元 reads 7.289万元), numbers without trailing zeros, text as printed."""
    if money and is_money(q):
        return amount(convert_units(q, money), money)
    if q.is_number and q.value is not None:
        return amount(q.value, q.unit)
    return q.raw


_EMPTY = {"", "无", "暂无", "0", "无偏差", "没有", "无差异", "不适用", "无问题", "na", "无此项", "没有偏差"}


MEASURE_WORDS = (
    "改进", "措施", "下一步", "今后", "下年度", "明年", "以后", "加强", "完善", "优化", "督促", "严格", "健全",
    "整改", "进一步", "拟于", "计划于", "提前", "建立", "落实", "强化", "规范", "提高", "确保", "避免", "做好",
)


def is_empty_explanation(text: str | None) -> bool:
    return text is None or squash(text).lower() in _EMPTY


@memo_short(maxsize=16384)
def has_measure(text: str) -> bool:
    norm = normalize_text(text)
    return any(word in norm for word in MEASURE_WORDS)


def explanation_required(row: IndicatorScore, t: Thresholds, money: str | None = None) -> list[str]:
    """Why this row needs a deviation explanation (empty when it does not); `money` is the
    form's unit, in which money figures are written."""
    reasons = []
    a, b = row.target_value, row.actual_value
    if row.claimed is not None and row.claimed < row.weight:
        reasons.append(f"得分{num(row.claimed)}低于分值{num(row.weight)}")
    if a is not None and b is not None:
        missed = {"higher": "未达", "lower": "超过", "equal": "不等于"}.get(row.direction)
        if missed and {"higher": b < a, "lower": b > a, "equal": b != a}[row.direction]:
            reasons.append(f"实际完成值{shown(row.actual, money)}{missed}年度指标值{shown(row.target, money)}")
        if row.cost and a and abs(b / a - ONE) > t.cost_deviation:
            reasons.append(f"成本偏离指标值{pct(b / a - ONE)}（超过±{share(t.cost_deviation)}）")
        if row.direction == "higher" and a > 0 and b >= t.over_target_ratio * a:
            reasons.append(f"实际完成值达年度指标值的{share(b / a)}（≥{share(t.over_target_ratio)}）")
    if row.late:
        reasons.append("实际完成时间晚于目标时间")  # both dates are already in the gap text
    return reasons

