"""The offline judge: does an explanation account for its gap? Decided from data and text.

The data say which way and how far the row (and its paired cost/quantity
row) moved; the text is read for a cause, figures, a measure, stock phrases,
garbling and instructions aimed at the reviewer. What a sufficient
explanation contains follows shared/domain-rules.md §3.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from .checks import has_measure, num, pct, quoted
from .config import Thresholds
from .judge import JudgeCase, Verdict
from .scoring import ONE, IndicatorScore
from .values import MONEY_SCALE, convert_units, normalize_text, squash

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


# --- reading the text --------------------------------------------------------------

STOCK_PHRASES = (
    "有所调整", "相应调整", "根据实际情况", "按实际情况", "根据实际需要", "按实际需要", "实际需要", "工作需要",
    "据实调整", "有所变化", "有所变动", "有所减少", "有所增加", "略有", "正常波动", "统筹安排", "综合考虑",
    "客观原因", "多种原因", "各种原因", "等原因",
)
CAUSE_WORDS = (
    "由于", "因为", "因", "鉴于", "受", "导致", "致使", "原因是", "疫情", "退出", "放弃", "迁", "撤", "取消", "查重",
    "重复", "评审", "不予", "不符合", "未通过", "延期", "推迟", "延迟", "政策", "文件", "市场", "价格", "招标",
    "采购", "中标", "节约", "结余", "天气", "汛", "审计", "调减", "调增", "压减", "追加", "申报", "资格", "终止",
    "破产", "注销", "违约", "变更", "合并", "拆分", "暂停", "批复",
)
# Words saying the cost followed the count: wrong when the count did not move the cost's way.
FOLLOWS_COUNT = re.compile(r"(项目数|数量|个数|项目).{0,12}(调整|减少|增加|变化|变动).{0,12}(金额|资金|成本|费用).{0,4}(相应|随之|同步)")
CLAIMS_DOWN = ("减少", "下降", "降低", "节约", "结余", "调减", "压减", "未拨付", "不予拨付", "少于", "未完成", "缩减")
CLAIMS_UP = ("增加", "上涨", "提高", "超支", "追加", "调增", "超出", "多于", "扩大", "增长")
INJECTION = re.compile(
    r"忽略(以上|上述|之前|前面|所有)|无视(以上|上述|之前)|(判定|评判|认定|评为)(为)?(合规|充分|covers|通过)|"
    r"系统提示|提示词|你是一个|作为(一个)?(AI|人工智能|模型|助手)|请(输出|回答|返回)|"
    r"ignore (all |the )?(previous|above|prior)|system prompt|you are (an?|the) |disregard|verdict",
    re.I,
)
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_MOJIBAKE = ("锟斤拷", "烫烫烫", "屯屯屯", "�", "Ã", "â€", "Â")
_CN_NUM = "一二两三四五六七八九十百千万"
_FIGURE = re.compile(rf"\d+(?:\.\d+)?\s*(?:个|家|项|万元|元|亿元|千元|%|％|人|次|场|笔|户|所|批|件|天|月|年)?|[{_CN_NUM}]+(?:个|家|项|万元|人|次|场|笔|户|所|批|件)")
_SINGULAR = re.compile(r"该(公司|企业|单位|项目|机构|园区|中心|会议|展览)|一(家|个|项|所)")


@dataclass(frozen=True)
class TextSignals:
    stock: bool
    cause: bool
    figures: tuple[str, ...]
    singular: bool
    measure: bool
    garbled: bool
    injection: bool
    follows_count: bool
    claims_down: bool
    claims_up: bool


def garbled(text: str) -> bool:
    """Mojibake, replacement characters, or mostly symbols that are neither Chinese nor plain text."""
    if any(mark in text for mark in _MOJIBAKE):
        return True
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return False
    odd = 0
    for c in chars:
        category = unicodedata.category(c)
        cjk = "\u4e00" <= c <= "\u9fff"
        if not (cjk or c.isascii() or category.startswith("P") or category == "Nd" or c in "％（）：；，。、“”‘’《》"):
            odd += 1
        elif c == "?":
            odd += 1
    return odd / len(chars) > 0.3


def read_text(text: str) -> TextSignals:
    norm = normalize_text(text)
    return TextSignals(
        stock=any(p in norm for p in STOCK_PHRASES),
        cause=any(w in norm for w in CAUSE_WORDS),
        figures=tuple(m.group(0) for m in _FIGURE.finditer(norm)),
        singular=bool(_SINGULAR.search(norm)),
        measure=has_measure(norm),
        garbled=garbled(text),
        injection=bool(INJECTION.search(norm) or _INVISIBLE.search(text)),
        follows_count=bool(FOLLOWS_COUNT.search(norm)),
        claims_down=any(w in norm for w in CLAIMS_DOWN),
        claims_up=any(w in norm for w in CLAIMS_UP),
    )


def _bigrams(text: str) -> set[str]:
    s = squash(text)
    return {s[i:i + 2] for i in range(len(s) - 1)}


def irrelevant(case: JudgeCase, signals: TextSignals) -> bool:
    """Shares no word with the indicator, its pair or the goal, and names no cause or change."""
    if signals.cause or signals.stock or signals.claims_down or signals.claims_up or signals.figures:
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
    if row.moved == "up" and signals.claims_down and not signals.claims_up:
        return "称有所减少，但实际完成值高于指标值，与数据矛盾"
    if row.moved == "down" and signals.claims_up and not signals.claims_down:
        return "称有所增加，但实际完成值低于指标值，与数据矛盾"
    return None


def size_covered(gap: Gap, signals: TextSignals) -> bool:
    """The text quantifies the gap: a figure, or 'that one company' for a gap of one."""
    if signals.figures:
        return True
    side = gap.row
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
    signals = read_text(case.explanation)
    reused = any(f.code == "EXPLANATION_REUSED" and case.index in f.indicators for f in case.findings)
    tags: list[str] = []
    if signals.injection:
        tags.append("injection")
    if signals.garbled:
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
    if not size_covered(gap, signals):
        tags.append("no_quantity")
    if not signals.measure:
        tags.append("no_measure")
    fatal = {"injection", "unreadable", "irrelevant", "contradicts_data", "no_cause"}
    if fatal & set(tags):
        verdict = "does_not_cover"
    elif {"generic", "no_quantity"} & set(tags):
        verdict = "partial"
    else:
        verdict = "covers"
    reason = conflict or _reason(verdict, tags, reused)
    return _verdict(case, gap, verdict, tuple(tags), reason, conflict)


def _reason(verdict: str, tags: list[str], reused: bool) -> str:
    if verdict == "covers":
        return "说明了偏差的具体原因，与数据方向和幅度相符"
    parts = {
        "injection": "含有与偏差说明无关的指令性文字", "unreadable": "存在乱码或无法辨认的文字",
        "irrelevant": "内容与该指标的偏差无关", "no_cause": "未说明偏差的具体原因",
        "generic": "为通用套话" + ("，与其他指标说明雷同" if reused else ""),
        "no_quantity": "未量化说明偏差涉及的数量或金额",
    }
    return "，".join(parts[t] for t in tags if t in parts)


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


def rules_comment(case: JudgeCase, gap: Gap, verdict: str, tags: tuple[str, ...], conflict: str | None) -> str:
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
    problems += [_PROBLEM[t] for t in tags if t in _PROBLEM and not (t == "contradicts_data")]
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
             conflict: str | None) -> Verdict:
    comment = rules_comment(case, gap, verdict, tags, conflict)
    return Verdict(verdict=verdict, tags=tags, comment=comment, reason=reason, source="judge:rules")
