"""The offline judge: does an explanation account for its gap? Decided from data and text.

The data say which way and how far the row (and its paired cost/quantity
row) moved; the text is read for a cause, figures, a measure, stock phrases,
garbling and instructions aimed at the reviewer. What a sufficient
explanation contains follows docs/domain-rules.md §3.
"""

from __future__ import annotations

from ...checks.wording import bigrams, clip
from ...config import Thresholds
from ...form.values import squash
from ..case import JudgeCase, Verdict
from .confidence import Reading, confidence
from .facts import strip_injection
from .gap import (
    Gap, dated_delay, figure_conflict, gap_of, known_figures, late_part, missed, moved_to_actual, overstated,
    part_of_gap, resolve_implied, size_covered, sized_by_arithmetic, split_conflict, without_breakdown,
)
from .limits import MAX_EXPLANATION, limit_note
from .review_index import index_of
from .signals import CROSS_REF, TextSignals, claims_whole_done, read_text

# --- reading the text (the signals live in explanation_signals) -------------------------

def irrelevant(case: JudgeCase, signals: TextSignals, text: str | None = None) -> bool:
    """Names no cause, and talks of something else: last year, other results, or words unrelated to the row."""
    if signals.cause:
        return False
    if signals.other_topic:
        return True
    if signals.stock or signals.claims_down or signals.claims_up or signals.figures:
        return False
    context = case.row.name + (case.pair_row.name if case.pair_row else "") + case.review.form.goal.planned
    return not (bigrams(squash(case.explanation if text is None else text)) & bigrams(squash(context)))


# --- deciding ------------------------------------------------------------------------

def contradiction(case: JudgeCase, gap: Gap, signals: TextSignals, t: Thresholds,
                  text: str | None = None) -> tuple[str, str] | None:
    """How the text (the explanation, or what is left of it once injected text is struck) contradicts the
    figures, and on what the reading rests: arithmetic, a claim that the target was met, or a direction word."""
    text = case.explanation if text is None else text
    row = gap.row
    if row.row.cost and gap.count is not None and gap.cost is not None:
        count, cost = gap.count.moved, gap.cost.moved
        diverges = ((count == "down" and cost == "up") or (count == "up" and cost == "down")
                    or (count == "same" and gap.cost.change is not None and abs(gap.cost.change) > t.cost_move)
                    or (gap.unit_change is not None and abs(gap.unit_change) > t.unit_cost_move))
        if diverges and (signals.follows_count or ("项目数" in text and signals.stock)):
            said = {"down": "减少", "up": "增加", "same": "未变"}
            return (f"称金额随项目数相应调整，但项目数{said[count]}而成本{said[cost]}，"
                    "单位成本发生变化，与数据矛盾"), "arithmetic"
    if signals.claims_met and missed(row):
        return "称已完成（达到）目标，但实际完成值未达到年度指标值，与数据矛盾", "met"
    if not row.row.late and row.a is not None and missed(row) and claims_whole_done(text):
        return "称已全线完工，但实际完成值未达到年度指标值，与数据矛盾", "met"
    figures = figure_conflict(row, signals) or overstated(row, signals) or split_conflict(row, signals, gap.index, gap.at)
    if figures:
        return figures, "arithmetic"
    if signals.nets:  # savings set against extra costs: words of both directions are expected
        return None
    if row.moved == "up" and signals.claims_down and not signals.claims_up:
        return "称有所减少，但实际完成值高于指标值，与数据矛盾", "word"
    if row.moved == "down" and signals.claims_up and not signals.claims_down:
        return "称有所增加，但实际完成值低于指标值，与数据矛盾", "word"
    return None


def referenced_row(case: JudgeCase, text: str) -> int | None:
    """The other row a cross-reference points at (见完成除险加固水库数量指标说明): the row whose name shares
    most with the reference, when it shares at least two character pairs (review_index.named_row)."""
    m = CROSS_REF.search(squash(text))
    return index_of(case.review).named_row(m.group(0), case.index) if m else None


def sized_elsewhere(case: JudgeCase, gap: Gap, text: str, t: Thresholds) -> bool:
    """A cross-reference to a row whose own explanation covers its gap: that explanation is part of this
    one (labelling guide), so it sizes this gap when its gap is the same size (溢洪道 13 → 11处 beside 水库
    13 → 11宗) or when its figures, read against this row, size this gap (单价由8元降至6元 beside 单价
    8 → 6元/株)."""
    other = referenced_row(case, text)
    if other is None or gap.row.a is None or gap.row.b is None:
        return False
    there = JudgeCase(case.review, other)
    if there.blank or CROSS_REF.search(squash(there.explanation)):  # one step only: no chains, no loops
        return False
    if judge_rules(there, t).verdict != "covers":
        return False
    theirs = gap_of(there).row
    if theirs.a is not None and theirs.b is not None and abs(theirs.a - theirs.b) == abs(gap.row.a - gap.row.b):
        return True
    signals = _signals(case, gap, strip_injection(there.explanation[:MAX_EXPLANATION])[0])
    return not part_of_gap(gap.row, signals) and size_covered(gap, signals)


def _signals(case: JudgeCase, gap: Gap, text: str) -> TextSignals:
    """The text read against this row: its name, kind, figures and unit."""
    row, side = case.row, gap.row
    a, b = side.a, side.b
    wholes = (a, b) if a is not None and b is not None else tuple(v for v in (a, b) if v is not None)
    signals = read_text(text, row.name, bool(row.late), row.cost, known_figures(case, gap), side.unit, wholes)
    return without_breakdown(side, resolve_implied(side, signals))


def judge_rules(case: JudgeCase, thresholds: Thresholds | None = None) -> Verdict:
    """The offline verdict for one case, with how firm its reading is (confidence.py)."""
    t = thresholds or Thresholds()
    gap = gap_of(case)
    if case.blank:
        tags = ("no_cause", "no_quantity", "no_measure")
        reading = Reading("does_not_cover", tags, None)
        return _verdict(case, gap, "does_not_cover", tags, "未填写偏差原因", None, reading=reading)
    limited = limit_note(len(case.explanation))  # a long text is judged on its first MAX_EXPLANATION characters
    text, injected = strip_injection(case.explanation[:MAX_EXPLANATION])  # injected text is struck; the rest judged
    if not text.strip("。，,.;；!！?？ "):
        tags = ("injection", "no_cause", "no_quantity", "no_measure")
        reading = Reading("does_not_cover", tags, None, injected=True)
        return _verdict(case, gap, "does_not_cover", tags, "全文为指令性文字，未说明偏差原因", None, reading=reading)
    signals = _signals(case, gap, text)
    reused = case.index in gap.index.reused  # gap.index is index_of(case.review)
    tags: list[str] = []
    if injected or signals.injection:
        tags.append("injection")
    if signals.garbled or signals.truncated:
        tags.append("unreadable")
    if irrelevant(case, signals, text):
        tags.append("irrelevant")
    found = contradiction(case, gap, signals, t, text)
    conflict, kind = found if found else (None, None)
    if conflict:
        tags.append("contradicts_data")
    if signals.stock or reused:
        tags.append("generic")
    if not signals.cause:
        tags.append("no_cause")
    late = bool(case.row.late)  # late_part, dated_delay and moved_to_actual read only a late date: not asked otherwise
    short = None if conflict else part_of_gap(gap.row, signals) or (late_part(case, signals) if late else None)
    sized = not short and (size_covered(gap, signals) or (late and (dated_delay(case, signals)
                                                                     or moved_to_actual(case, signals)))
                           or (signals.cause and sized_elsewhere(case, gap, text, t)))
    if not sized:
        tags.append("no_quantity")
    if not signals.measure:
        tags.append("no_measure")
    if not _FATAL.isdisjoint(tags):
        verdict = "does_not_cover"
    elif signals.stock or "no_quantity" in tags:  # reused text is tagged generic but graded on its cause
        verdict = "partial"
    else:
        verdict = "covers"
    notes: dict[str, str] = {}  # the notes that apply, in this order (a plain build: no comprehension frame per case)
    if short:
        notes["no_quantity"] = short
    if not signals.stock:
        notes["generic"] = "与其他指标的说明雷同"
    if not signals.garbled:
        notes["unreadable"] = "语句不完整，在说明原因前中断"
    reason = conflict or _reason(verdict, tags, reused, notes)
    reading = Reading(verdict, tuple(tags), signals, kind, sized=sized_by_arithmetic(case, gap, signals) if verdict == "covers" else "",
                      short=bool(short), length=len(text), injected=injected, limited=bool(limited))
    if limited:
        reason = f"{reason}（{limited}）"
    return _verdict(case, gap, verdict, tuple(tags), reason, conflict, notes, reading, limited)


_FATAL = frozenset(("unreadable", "irrelevant", "contradicts_data", "no_cause"))
_PARTS = {
    "injection": "含有与偏差说明无关的指令性文字", "unreadable": "存在乱码或无法辨认的文字",
    "irrelevant": "内容与该指标的偏差无关", "no_cause": "未说明偏差的具体原因",
    "generic": "为通用套话",
    "no_quantity": "未量化说明偏差涉及的数量或金额",
}


def _reason(verdict: str, tags: list[str], reused: bool, notes: dict[str, str]) -> str:
    if verdict == "covers":
        return "说明了偏差的具体原因，与数据方向和幅度相符"
    said = []
    for t in tags:
        if t in _PARTS:
            part = _PARTS[t] + "，与其他指标说明雷同" if t == "generic" and reused else _PARTS[t]
            said.append(notes.get(t, part))
    return "，".join(said)


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
        if "injection" in tags:  # struck before judging; a person should still look
            return (f"{figures}。{quoted_text}在删去其中的指令性文字后已说明偏差原因，与数据相符{tail}"
                    "说明中夹带的指令性文字不予采信，该说明需人工复核。")
        return f"{figures}。{quoted_text}已说明偏差原因，与数据相符{tail}"
    problems = []
    if conflict:
        problems.append(conflict)
    said = _PROBLEM | notes if notes else _PROBLEM  # a note, where one applies, says the problem
    for t in tags:
        if t in _PROBLEM:
            problems.append(said[t])
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
             conflict: str | None, notes: dict[str, str] | None = None, reading: Reading | None = None,
             limited: str | None = None) -> Verdict:
    comment = rules_comment(case, gap, verdict, tags, conflict, notes)
    if limited:
        comment = f"{comment}（{limited}，其余部分请人工查看。）"
    firmness = confidence(reading) if reading is not None else 0.5
    return Verdict(verdict=verdict, tags=tags, comment=comment, reason=reason, source="judge:rules",
                   confidence=firmness)
