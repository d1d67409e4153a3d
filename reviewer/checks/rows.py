"""Helpers about rows that the checks and the judge share: which cost row pairs with which count,
when an explanation is required, whether one is empty or gives a measure, a qualitative band."""

from __future__ import annotations

from decimal import Decimal

from ..config import Thresholds
from ..form.values import MONEY_SCALE, SHORT_MEMO, Quantity, convert_units, memo_short, normalize_text, squash
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
    """(quantity row, cost row) for the same item, e.g. "支持国际研发合作项目" and its 预算控制数.

    A cost row pairs with the first count row whose stem equals its own, else with the first whose
    stem starts the other's (both at least 4 characters). The counts are indexed by stem, so a
    form of n rows costs O(n × the distinct stem lengths), not O(n²). Worked out once per card: the
    checks, the judge and the sign-off points all ask.
    """
    if card.cost_pairs is None:
        card.cost_pairs = tuple(_pair_cost_rows(card))
    return list(card.cost_pairs)


def _pair_cost_rows(card: Scorecard) -> list[tuple[IndicatorScore, IndicatorScore]]:
    quantities = [
        row for row in card.indicators
        if not row.cost and row.target.is_number and row.target.unit != "%" and not is_money(row.target)
    ]
    costs = [(row, cost_stem(row.name)) for row in card.indicators if row.cost and not is_total_cost(row)]
    if not quantities or not costs:
        return []
    index = _StemIndex(quantities, {len(stem) for _, stem in costs if len(stem) >= _PREFIX_MIN})
    pairs = []
    for cost, stem in costs:
        best = index.pair_for(stem)
        if best is not None:
            pairs.append((best, cost))
    return pairs


_PREFIX_MIN = 4  # a shorter stem ("项目") starts too many names to pair by prefix


class _StemIndex:
    """The count rows by stem: the first row of each stem, and of each prefix as long as some cost stem."""

    def __init__(self, quantities: list[IndicatorScore], cost_lengths: set[int]):
        self.first: dict[str, int] = {}  # stem -> position of the first count row with it
        self.first_prefix: dict[str, int] = {}  # prefix (as long as a cost stem) -> first row starting with it
        self.rows = quantities
        lengths: set[int] = set()
        for position, row in enumerate(quantities):
            stem = _count_stem(row.name)
            self.first.setdefault(stem, position)
            if len(stem) >= _PREFIX_MIN:
                lengths.add(len(stem))
                for length in cost_lengths:
                    if length <= len(stem):
                        self.first_prefix.setdefault(stem[:length], position)
        self.lengths = sorted(lengths)  # the count stems' lengths, for stems that start a cost stem

    def pair_for(self, stem: str) -> IndicatorScore | None:
        exact = self.first.get(stem)
        if exact is not None:
            return self.rows[exact]
        if len(stem) < _PREFIX_MIN:
            return None
        # The first count whose stem starts this one, or that this one starts.
        candidates = [self.first_prefix.get(stem)]
        candidates += [self.first.get(stem[:length]) for length in self.lengths if length < len(stem)]
        found = [position for position in candidates if position is not None]
        return self.rows[min(found)] if found else None


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
    # Asked ~70 times per form (checks, judge, points) of ~20 texts: memoized.
    return text is None or _is_empty(text)


@memo_short(maxsize=SHORT_MEMO)
def _is_empty(text: str) -> bool:
    return squash(text).lower() in _EMPTY


@memo_short(maxsize=16384)
def has_measure(text: str) -> bool:
    norm = normalize_text(text)
    return any(word in norm for word in MEASURE_WORDS)


_MISSED = {"higher": "未达", "lower": "超过", "equal": "不等于"}  # what a miss is, by direction


def explanation_required(row: IndicatorScore, t: Thresholds, money: str | None = None) -> list[str]:
    """Why this row needs a deviation explanation (empty when it does not); `money` is the
    form's unit, in which money figures are written."""
    reasons = []
    a, b = row.target_value, row.actual_value
    claimed, weight = row.indicator.score, row.indicator.weight
    if claimed is not None and claimed < weight:
        reasons.append(f"得分{num(claimed)}低于分值{num(weight)}")
    if a is not None and b is not None:
        if _missed(row, a, b):
            reasons.append(f"实际完成值{shown(row.actual, money)}{_MISSED[row.direction]}年度指标值{shown(row.target, money)}")
        if _cost_off(row, a, b, t):
            reasons.append(f"成本偏离指标值{pct(b / a - ONE)}（超过±{share(t.cost_deviation)}）")
        if _over_target(row, a, b, t):
            reasons.append(f"实际完成值达年度指标值的{share(b / a)}（≥{share(t.over_target_ratio)}）")
    if row.late:
        reasons.append("实际完成时间晚于目标时间")  # both dates are already in the gap text
    return reasons


def needs_explanation(row: IndicatorScore, t: Thresholds) -> bool:
    """Whether explanation_required gives any reason, without writing them (the rules judge asks only this)."""
    claimed = row.indicator.score
    if row.late or (claimed is not None and claimed < row.indicator.weight):
        return True
    a, b = row.target_value, row.actual_value
    return a is not None and b is not None and (_missed(row, a, b) or _cost_off(row, a, b, t) or _over_target(row, a, b, t))


def _missed(row: IndicatorScore, a: Decimal, b: Decimal) -> bool:
    if row.direction == "higher":
        return b < a
    if row.direction == "lower":
        return b > a
    return row.direction == "equal" and b != a


def _cost_off(row: IndicatorScore, a: Decimal, b: Decimal, t: Thresholds) -> bool:
    return bool(row.cost and a and abs(b / a - ONE) > t.cost_deviation)


def _over_target(row: IndicatorScore, a: Decimal, b: Decimal, t: Thresholds) -> bool:
    return row.direction == "higher" and a > 0 and b >= t.over_target_ratio * a
