"""The offline judge: does an explanation account for its gap? Decided from data and text.

The data say which way and how far the row (and its paired cost/quantity
row) moved; the text is read for a cause, figures, a measure, stock phrases,
garbling and instructions aimed at the reviewer. What a sufficient
explanation contains follows shared/domain-rules.md §3.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .checks import num, pct, quoted
from .config import Thresholds
from .explanation_signals import (  # noqa: F401  (read_text, garbled, STOCK_PHRASES are used by llm_judge and tests)
    COUNTERS, STOCK_PHRASES, Figure, TextSignals, garbled, read_text,
)
from .judge import JudgeCase, Verdict
from .scoring import ONE, IndicatorScore
from .values import MONEY_SCALE, convert_units, squash

# --- the gap, in figures ---------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One row's move: A → B in one unit."""

    row: IndicatorScore
    a: Decimal | None
    b: Decimal | None
    unit: str

    @property
    def change(self) -> Decimal | None:
        if self.a is None or self.b is None or not self.a:
            return None
        return self.b / self.a - ONE

    @property
    def moved(self) -> str:
        """up, down, same or unknown."""
        if self.a is None or self.b is None:
            return "unknown"
        return "up" if self.b > self.a else "down" if self.b < self.a else "same"

    def text(self) -> str:
        if self.a is None or self.b is None:
            return f"{quoted(self.row)}年度指标值“{self.row.target.raw}”，实际完成值“{self.row.actual.raw}”"
        change = f"（{pct(self.change)}）" if self.change is not None and self.moved != "same" else "（未变）"
        return f"{quoted(self.row)}年度指标值{num(self.a)}{self.unit}，实际完成值{num(self.b)}{self.unit}{change}"


def _side(row: IndicatorScore, money: str) -> Side:
    if row.target.is_number and row.target.unit in MONEY_SCALE and row.actual.is_number:
        return Side(row, convert_units(row.target, money), convert_units(row.actual, money), money)
    return Side(row, row.target_value, row.actual_value, row.target.unit)


@dataclass(frozen=True)
class Gap:
    """The computed figures behind one judgement (code arithmetic, never the model's)."""

    row: Side
    pair: Side | None
    count: Side | None  # the quantity side of a cost/quantity pair
    cost: Side | None  # the cost side
    unit_planned: Decimal | None
    unit_actual: Decimal | None

    @property
    def unit_change(self) -> Decimal | None:
        if self.unit_planned is None or self.unit_actual is None or not self.unit_planned:
            return None
        return self.unit_actual / self.unit_planned - ONE

    def lines(self) -> list[str]:
        lines = [self.row.text()]
        if self.pair is not None:
            role = "数量" if self.row.row.cost else "成本"
            lines.append(f"对应{role}指标" + self.pair.text())
        if self.unit_planned is not None:
            unit = self.count.unit or "个"
            money = self.cost.unit
            actual = f"{num(self.unit_actual, 2)}{money}/{unit}" if self.unit_actual is not None else "无法计算（实际数量为0）"
            change = f"（{pct(self.unit_change)}）" if self.unit_change is not None else ""
            lines.append(f"单位成本由计划{num(self.unit_planned, 2)}{money}/{unit}变为{actual}{change}")
        return lines


def gap_of(case: JudgeCase) -> Gap:
    money = case.review.form.funds.unit
    row = _side(case.row, money)
    pair = None if case.pair_row is None else _side(case.pair_row, money)
    count = cost = None
    if pair is not None:
        cost, count = (row, pair) if case.row.cost else (pair, row)
    unit_planned = unit_actual = None
    if count and cost and None not in (count.a, count.b, cost.a, cost.b) and count.a > 0:
        unit_planned = cost.a / count.a
        unit_actual = cost.b / count.b if count.b > 0 else None
    return Gap(row, pair, count, cost, unit_planned, unit_actual)


# --- reading the text (the signals live in explanation_signals) -------------------------

def _bigrams(text: str) -> set[str]:
    s = squash(text)
    return {s[i:i + 2] for i in range(len(s) - 1)}


def irrelevant(case: JudgeCase, signals: TextSignals) -> bool:
    """Names no cause, and talks of something else: last year, other results, or words unrelated to the row."""
    if signals.cause:
        return False
    if signals.other_topic:
        return True
    if signals.stock or signals.claims_down or signals.claims_up or signals.figures:
        return False
    context = case.row.name + (case.pair_row.name if case.pair_row else "") + case.review.form.goal.planned
    return not (_bigrams(case.explanation) & _bigrams(context))


# --- deciding ------------------------------------------------------------------------

def contradiction(case: JudgeCase, gap: Gap, signals: TextSignals, t: Thresholds) -> str | None:
    """How the text contradicts the computed figures, if it does."""
    row = gap.row
    if row.row.cost and gap.count is not None and gap.cost is not None:
        count, cost = gap.count.moved, gap.cost.moved
        diverges = ((count == "down" and cost == "up") or (count == "up" and cost == "down")
                    or (count == "same" and gap.cost.change is not None and abs(gap.cost.change) > t.cost_move)
                    or (gap.unit_change is not None and abs(gap.unit_change) > t.unit_cost_move))
        if diverges and (signals.follows_count or ("项目数" in case.explanation and signals.stock)):
            said = {"down": "减少", "up": "增加", "same": "未变"}
            return (f"称金额随项目数相应调整，但项目数{said[count]}而成本{said[cost]}，"
                    "单位成本发生变化，与数据矛盾")
    if signals.claims_met and _missed(row):
        return "称已完成（达到）目标，但实际完成值未达到年度指标值，与数据矛盾"
    figures = figure_conflict(row, signals)
    if figures:
        return figures
    if row.moved == "up" and signals.claims_down and not signals.claims_up:
        return "称有所减少，但实际完成值高于指标值，与数据矛盾"
    if row.moved == "down" and signals.claims_up and not signals.claims_down:
        return "称有所增加，但实际完成值低于指标值，与数据矛盾"
    return None


def _missed(side: Side) -> bool:
    if side.a is None or side.b is None:
        return bool(side.row.late)
    missed = {"higher": side.b < side.a, "lower": side.b > side.a, "equal": side.b != side.a}
    return missed.get(side.row.direction, False)


_ROW_UNIT = {"％": "%", "个工作日": "工作日"}


def _tolerance(value: Decimal) -> Decimal:
    """Half a unit of the last printed digit: 480 → 0.5, 67.4 → 0.05."""
    exponent = value.as_tuple().exponent
    return Decimal(5) / Decimal(10) ** (1 - min(exponent, 0))


def _in_row_unit(figure: Figure, unit: str) -> tuple[Decimal, Decimal] | None:
    """The figure and its rounding tolerance in the row's unit; None where the units do not compare."""
    unit = _ROW_UNIT.get(unit, unit)
    if figure.unit == unit or (figure.unit == "pp" and unit == "%"):
        return figure.value, _tolerance(figure.value)
    if figure.money and unit in MONEY_SCALE:
        scale = MONEY_SCALE[figure.unit] / MONEY_SCALE[unit]
        return figure.value * scale, _tolerance(figure.value) * scale
    return None


def _close(figure: Figure, read: tuple[Decimal, Decimal], truth: Decimal) -> bool:
    value, tolerance = read
    if figure.approx:  # 约…
        tolerance = max(tolerance, abs(truth) / 10)
    return abs(value - truth) <= tolerance


def _gap_matches(side: Side, figure: Figure) -> bool:
    """The claimed gap is A − B in the row's unit, or (for a percentage) the relative change; other units pass."""
    readings = []
    read = _in_row_unit(figure, side.unit)
    if read is not None:
        readings.append((read, abs(side.a - side.b)))
    if figure.unit == "%" and side.change is not None:  # 较目标低4.7% may be relative
        readings.append(((figure.value, _tolerance(figure.value)), abs(side.change) * 100))
    return not readings or any(_close(figure, read, truth) for read, truth in readings)


def figure_conflict(side: Side, signals: TextSignals) -> str | None:
    """A figure the text gives for the actual value, or for the gap, that the row refutes."""
    if side.a is None or side.b is None:
        return None
    for figure in signals.actual_claims:
        read = _in_row_unit(figure, side.unit)
        if read is not None and figure.unit != "pp" and not _close(figure, read, side.b):
            return f"称实际完成{figure.text()}，但表中实际完成值为{num(side.b)}{side.unit}，与数据矛盾"
    for direction, figure in signals.gap_claims:
        if side.moved in ("up", "down") and direction != side.moved:
            said = "低于" if direction == "down" else "高于"
            return (f"称实际{said}目标，但表中年度指标值{num(side.a)}{side.unit}、"
                    f"实际完成值{num(side.b)}{side.unit}，与数据矛盾")
        if not _gap_matches(side, figure):
            unit = "个百分点" if _ROW_UNIT.get(side.unit, side.unit) == "%" else side.unit
            return (f"称与目标相差{figure.text()}，但年度指标值{num(side.a)}{side.unit}与实际完成值"
                    f"{num(side.b)}{side.unit}相差{num(abs(side.a - side.b))}{unit}，与数据矛盾")
    return None


def part_of_gap(side: Side, signals: TextSignals) -> str | None:
    """Do the figures the text gives for the cause reach the gap?

    Figures in the row's unit (any counting unit for a count row) other than A and B are the
    cause's own: one of them, or their sum, should equal the gap. Says how far short they fall;
    None when they account for it or there is nothing to compare."""
    if side.a is None or side.b is None:
        return None
    counting = _ROW_UNIT.get(side.unit, side.unit) in COUNTERS
    reads = []
    for f in signals.quantities:
        read = _in_row_unit(f, side.unit) if f.unit != "%" else None
        if read is None and counting and f.unit in COUNTERS:
            read = (f.value, _tolerance(f.value))
        if read is not None and not any(_close(f, read, known) for known in (side.a, side.b)):
            reads.append((f, read))
    if not reads:
        return None
    size = abs(side.a - side.b)
    if any(_close(f, read, size) for f, read in reads):
        return None
    if abs(sum(r[0] for _, r in reads) - size) <= sum(r[1] for _, r in reads):
        return None
    unit = "个百分点" if _ROW_UNIT.get(side.unit, side.unit) == "%" else side.unit
    said = "、".join(f.text() for f, _ in reads)
    return f"所列{said}仅说明部分偏差（年度指标值与实际完成值相差{num(size)}{unit}）"


def size_covered(gap: Gap, signals: TextSignals) -> bool:
    """The text sizes the gap: money for a money row, any count, share or duration otherwise
    (dates are not sizes), or 'that one company' for a gap of one."""
    side = gap.row
    money_row = side.unit in MONEY_SCALE or "元" in (side.row.target.unit or "")
    if money_row:
        if any(f.money or f.unit in ("%", "pp") for f in signals.quantities):
            return True
    elif signals.quantities:
        return True
    if signals.singular and side.a is not None and side.b is not None and not side.row.cost:
        return abs(side.a - side.b) == 1
    return False


def judge_rules(case: JudgeCase, thresholds: Thresholds | None = None) -> Verdict:
    """The offline verdict for one case."""
    t = thresholds or Thresholds()
    gap = gap_of(case)
    if case.blank:
        tags = ("no_cause", "no_quantity", "no_measure")
        return _verdict(case, gap, "does_not_cover", tags, "未填写偏差原因", None)
    signals = read_text(case.explanation, case.row.name, bool(case.row.late), case.row.cost)
    reused = any(f.code == "EXPLANATION_REUSED" and case.index in f.indicators for f in case.findings)
    tags: list[str] = []
    if signals.injection:
        tags.append("injection")
    if signals.garbled or signals.truncated:
        tags.append("unreadable")
    if irrelevant(case, signals):
        tags.append("irrelevant")
    conflict = contradiction(case, gap, signals, t)
    if conflict:
        tags.append("contradicts_data")
    if signals.stock or reused:
        tags.append("generic")
    if not signals.cause:
        tags.append("no_cause")
    short = None if conflict else part_of_gap(gap.row, signals)
    if short or not size_covered(gap, signals):
        tags.append("no_quantity")
    if not signals.measure:
        tags.append("no_measure")
    fatal = {"injection", "unreadable", "irrelevant", "contradicts_data", "no_cause"}
    if fatal & set(tags):
        verdict = "does_not_cover"
    elif signals.stock or "no_quantity" in tags:  # reused text is tagged generic but graded on its cause
        verdict = "partial"
    else:
        verdict = "covers"
    notes = {"no_quantity": short, "generic": None if signals.stock else "与其他指标的说明雷同",
             "unreadable": None if signals.garbled else "语句不完整，在说明原因前中断"}
    notes = {tag: note for tag, note in notes.items() if note}
    reason = conflict or _reason(verdict, tags, reused, notes)
    return _verdict(case, gap, verdict, tuple(tags), reason, conflict, notes)


def _reason(verdict: str, tags: list[str], reused: bool, notes: dict[str, str]) -> str:
    if verdict == "covers":
        return "说明了偏差的具体原因，与数据方向和幅度相符"
    parts = {
        "injection": "含有与偏差说明无关的指令性文字", "unreadable": "存在乱码或无法辨认的文字",
        "irrelevant": "内容与该指标的偏差无关", "no_cause": "未说明偏差的具体原因",
        "generic": "为通用套话" + ("，与其他指标说明雷同" if reused else ""),
        "no_quantity": "未量化说明偏差涉及的数量或金额",
    }
    return "，".join(notes.get(t, parts[t]) for t in tags if t in parts)


def clip(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


_ASK_COST_UP = "请说明单位成本上升的具体原因，列明调整涉及的项目及金额，并提供资金调整依据"
_ASK_COST_DOWN = "请说明成本减少的具体原因及未使用资金的去向（结转或收回），列明涉及的项目及金额"
_ASK_COUNT = "请逐项说明数量变化的具体原因，列明调整涉及的项目及数量"


def _ask(gap: Gap) -> str:
    row = gap.row
    if row.row.cost:
        up = row.moved == "up" or (gap.unit_change is not None and gap.unit_change > 0)
        return _ASK_COST_UP if up else _ASK_COST_DOWN
    if row.a is None:
        return "请说明未达到年度指标值的具体原因，并提供佐证材料"
    return _ASK_COUNT


def rules_comment(case: JudgeCase, gap: Gap, verdict: str, tags: tuple[str, ...], conflict: str | None,
                  notes: dict[str, str] | None = None) -> str:
    """A suggested 审核意见: the indicator and its figures, what is wrong, what to supply."""
    figures = "；".join(gap.lines())
    if case.blank:
        return f"{figures}。偏差原因分析及改进措施栏未填写。{_ask(gap)}，并提出改进措施。"
    quoted_text = f"偏差说明“{clip(case.explanation)}”"
    if verdict == "covers":
        tail = "，但未提出改进措施，请补充针对性的改进措施。" if "no_measure" in tags else "。"
        return f"{figures}。{quoted_text}已说明偏差原因，与数据相符{tail}"
    problems = []
    if conflict:
        problems.append(conflict)
    notes = notes or {}
    problems += [notes.get(t, _PROBLEM[t]) for t in tags if t in _PROBLEM]
    measure = "；同时提出针对性的改进措施（做法、责任环节和时限）" if "no_measure" in tags else ""
    human = "该说明需人工复核。" if "injection" in tags or "unreadable" in tags else ""
    return f"{figures}。{quoted_text}{'，'.join(problems)}。{human}{_ask(gap)}{measure}。"


_PROBLEM = {
    "generic": "属通用套话，未针对本指标说明", "no_cause": "未说明偏差的具体原因",
    "no_quantity": "未量化说明偏差涉及的数量和金额", "no_measure": "未提出改进措施",
    "irrelevant": "内容与本指标偏差无关", "unreadable": "存在乱码或无法辨认的文字",
    "injection": "含有与偏差说明无关的指令性文字",
}


def _verdict(case: JudgeCase, gap: Gap, verdict: str, tags: tuple[str, ...], reason: str,
             conflict: str | None, notes: dict[str, str] | None = None) -> Verdict:
    comment = rules_comment(case, gap, verdict, tags, conflict, notes)
    return Verdict(verdict=verdict, tags=tags, comment=comment, reason=reason, source="judge:rules")
