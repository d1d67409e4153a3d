"""One suggested comment per point, written from the findings' figures rather than pasted from their texts.

A point's comment has three parts (docs/domain-rules.md §5): the facts (the indicator or pair, its
target and actual, what changed), the problems (each said once: the rule findings' and the judge's
readings of each explanation), and the requests to the unit (each said once, fitting the row's kind).
Nothing is repeated: the figures are stated once, a problem two findings share (no measure from the
rule and from the judge, stock phrasing and reuse) is said once, and no favourable reading is quoted
beside a problem, so a comment never says an explanation both contradicts the data and agrees with it.
A request about a change in numbers is made only where the numbers changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Collection, Sequence
from decimal import Decimal

from ..checks.catalogue import TITLE, Finding
from ..checks.rows import is_empty_explanation, money_in, qualitative_band
from ..checks.wording import num, pct, share
from ..form.values import MONEY_SCALE, round_half_up, squash
from ..scoring import ONE, IndicatorScore, Scorecard

HUNDRED = Decimal(100)
DIRECTION_TERM = {"higher": "正向指标", "lower": "反向指标", "equal": "等于型指标"}
# The judge's tags as problems of an explanation, in the order a comment names them.
EXPLANATION_ORDER = ("blank", "conflict", "irrelevant", "unreadable", "injection", "generic", "no_cause",
                     "no_quantity", "no_measure")
TAG_PROBLEM = {
    "irrelevant": "内容与本指标偏差无关", "unreadable": "存在乱码或无法辨认的文字",
    "injection": "夹带与偏差说明无关的指令性文字", "no_cause": "未说明偏差的具体原因",
    "no_measure": "未提出改进措施",
}
MEASURE = "同时提出针对性的改进措施（做法、责任环节和时限）"


def row_kind(row: IndicatorScore) -> str:
    """count, money, rate, date or qualitative: what the row measures, as its comment must speak of it."""
    target = row.target
    if row.direction == "date" or target.kind == "date":
        return "date"
    if row.direction == "qualitative" or target.kind != "number":
        return "qualitative"
    if target.unit == "%":
        return "rate"
    if row.cost or target.unit in MONEY_SCALE:  # is_money, the kind known to be a number
        return "money"
    return "count"


def row_kinds(card: Scorecard) -> list[str]:
    """Each row's kind, by index: worked out once per form, as the points ask it some forty times."""
    return [row_kind(row) for row in card.indicators]


def movement(row: IndicatorScore) -> str:
    """up, down, same or unknown: B against A."""
    a, b = row.target_value, row.actual_value
    if a is None or b is None:
        return "unknown"
    return "up" if b > a else "down" if b < a else "same"


def missed(row: IndicatorScore) -> bool:
    """B misses A in the bad direction (a late date included)."""
    move = movement(row)
    return bool(row.late) or {"higher": move == "down", "lower": move == "up", "equal": move in ("up", "down")}.get(
        row.direction, False)


def has_gap(row: IndicatorScore, kind: str | None = None) -> bool:
    """Whether the row's actual differs from its target (a late date, a band short of 达成): a gap an
    explanation could quantify. A row that met its target exactly has none."""
    kind = kind or row_kind(row)
    if kind == "date":
        return bool(row.late) or row.late is None
    if kind == "qualitative":
        return (qualitative_band(row.actual.raw) or ("",))[0] != "达成"
    return movement(row) != "same"


def _value(text: str) -> str:
    """A target or actual on one line, cut to 40 characters: clip(text.strip(), 40), without its calls."""
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:39] + "…"


def row_facts(row: IndicatorScore, kind: str | None = None) -> str:
    """“name”年度指标值A，实际完成值B（change): as printed, the change in the row's own terms."""
    return f"“{row.name}”" + _row_values(row, kind or row_kind(row))


def _row_values(row: IndicatorScore, kind: str) -> str:
    """row_facts after the row's quoted name."""
    target, actual = row.target, row.actual
    target_blank = target.kind == "text" and not target.raw.strip()  # Quantity.is_blank, without the property
    # 同为 is said of a text or a date only (a number row shows its change); the kind is the cheaper test.
    if kind in ("qualitative", "date") and not target_blank and squash(target.raw) == squash(actual.raw):
        return f"年度指标值与实际完成值同为“{_value(actual.raw)}”"
    left, right = ("“", "”") if kind == "qualitative" else ("", "")  # a text value is quoted
    target_text = "年度指标值未填写" if target_blank else f"年度指标值{left}{_value(target.raw)}{right}"
    actual_text = ("实际完成值未填写" if actual.kind == "text" and not actual.raw.strip()
                   else f"实际完成值{left}{_value(actual.raw)}{right}")
    a, b = row.target_value, row.actual_value
    change = ""
    if a is None or b is None:
        if kind == "date" and row.late:
            change = "（晚于目标时间）"
    elif kind == "count" or kind == "money":
        if a:
            change = "（未变）" if a == b else f"（{pct(b / a - ONE)}）"
    elif kind == "rate":
        if a != b:
            change = f"（{'+' if b > a else ''}{num(b - a)}个百分点）"
    elif kind == "date" and row.late:
        change = "（晚于目标时间）"
    return f"{target_text}，{actual_text}{change}"


@dataclass
class Subject:
    """What a point is about: rows of the form (one, or a cost/count pair), or a part of the form."""

    key: str
    rows: tuple[int, ...]
    kind: str
    title: str


@dataclass
class Comment:
    facts: str = ""
    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        parts = [self.facts] if self.facts else []
        parts += self.problems
        if self.requests:
            first, *rest = self.requests
            asks = [first]
            for r in rest:
                asks.append(r.removeprefix("请"))
            parts.append("；".join(asks))
        out = []  # a loop, not a comprehension: see compose
        for p in parts:
            if p:
                out.append(p.rstrip("。；，") + "。")
        return "".join(out)

    def as_parts(self) -> dict[str, object]:
        return {"facts": self.facts, "problems": self.problems, "requests": self.requests, "titles": self.titles}


SCORE_CODES = frozenset(("INDICATOR_SCORE", "ROUNDING", "SCORE_BOUNDS", "SCORE_MISSING", "QUALITATIVE_BAND",
                         "DATE_SCORE"))

# The statements below are kept in plain dicts filled with setdefault: each key once, in the order first
# added, and no method call of our own per statement (a form says some hundred of them).


def compose(subject: Subject, findings: list[Finding], card: Scorecard, kinds: list[str] | None = None,
            codes: Sequence[str] | None = None) -> Comment:
    """`kinds`: row_kinds(card), when the caller has it (build_points, once per form); `codes`: the findings'
    codes, each once in the order first met, when the caller has them."""
    if not subject.rows:
        return _compose_form_part(findings)
    if kinds is None:
        kinds = row_kinds(card)
    # Loops and map() rather than comprehensions here: in Python 3.11 each comprehension builds a function and
    # a frame, which cost more than the loop over a point's few rows and findings.
    indicators = card.indicators
    subject_rows = subject.rows
    money = card.form.funds.unit
    if codes is None:
        codes = list(dict.fromkeys([f.code for f in findings]))
    titles = list(dict.fromkeys(map(TITLE.get, codes, codes)))  # a title per code: in the same order
    named = len(subject_rows) > 1
    if named:
        rows, counts, costs = [], [], []
        for i in subject_rows:
            row = indicators[i]
            rows.append(row)
            (costs if row.cost else counts).append(row)
    else:
        rows = [indicators[subject_rows[0]]]
        counts, costs = ([], rows) if rows[0].cost else (rows, [])
    # The pair's figures in the form's money unit, read once: the facts, the divergence and the cost request
    # each state them.
    pair = _pair_values(counts[0], costs[0], money) if counts and costs else None
    facts = _facts(rows, counts, costs, money, kinds, pair)
    data: dict[str, str] = {}
    requests: dict[str, str] = {}
    groups = _explanation_groups(rows)
    problems: list[dict[str, str]] = []  # what is said against each group's explanation
    group_at: dict[int, int] = {}  # row index -> its group
    for k, group in enumerate(groups):
        problems.append({})
        for row in group:
            group_at[row.index] = k
    divergence = False
    for finding in findings:
        code = finding.code
        # A finding on one row's point is about that row (_first_of gives it for any finding there).
        if named:
            lead = finding.indicators[0] if finding.indicators else -1  # _first_of's answer, nearly always
            row = indicators[lead if lead in subject_rows else _first_of(finding.indicators, subject_rows)]
        else:
            row = rows[0]
        # The codes are exclusive; the most frequent (the judge's verdicts) are tested first.
        if code == "EXPLANATION_VERDICT":
            judged = finding.data.get("indicator", row.index)
            judged = judged if judged in subject_rows else row.index
            k = group_at[judged]
            _verdict_problems(finding, indicators[judged], groups[k], problems[k], kinds)
        elif code == "EXPLANATION_NO_MEASURE":
            problems[group_at[row.index]].setdefault("no_measure", TAG_PROBLEM["no_measure"])
        elif code == "EXPLANATION_MISSING":
            problems[group_at[row.index]].setdefault("blank", "")
        elif code == "COST_COUNT_DIVERGENCE":
            divergence = True
            if code not in data:
                data[code] = _divergence(pair)
        elif code in SCORE_CODES:
            who = f"“{row.name}”" if named else ""
            data.setdefault(f"{code}:{row.index}", who + _score_problem(code, row, finding))
            requests.setdefault("fix_score", "请按计分规则更正得分")
        elif code == "EXPLANATION_REUSED":
            others, own = [], []
            for i in finding.indicators:
                if i in subject_rows:
                    own.append(i)
                else:
                    others.append(str(i + 1))
            text = f"与第{'、'.join(others)}项表述相同" if others else "多项指标表述相同"
            for index in own or [subject_rows[0]]:
                problems[group_at[index]].setdefault("generic", f"属通用套话，{text}，未针对本指标说明")
        else:
            who = f"“{row.name}”" if named else ""
            text, asks = _value_problem(code, row, finding)
            data.setdefault(f"{code}:{row.index}", who + text)
            for key, ask in asks:
                requests.setdefault(key, ask)
    said = list(data.values())
    explained = False
    measure = False
    several = len(groups) > 1
    flagged: set[int] = set()
    # A row whose explanation gives its cause (only no measure, or nothing, said against it) is not asked for
    # the cause again.
    uncaused: set[int] = set()
    for group, found in zip(groups, problems):
        if not found:
            continue
        measure = measure or "no_measure" in found or "blank" in found
        faults = _faults_cause(found)
        explained = explained or faults
        said.append(_explanation_sentence(group, found, several))
        for r in group:
            flagged.add(r.index)
            if faults:
                uncaused.add(r.index)
    if explained or divergence:
        for key, ask in _explain_requests(rows, counts, costs, money, flagged, uncaused, divergence, requests,
                                          kinds, pair):
            requests.setdefault(key, ask)
    asked = list(requests.values())
    if measure:
        if asked:
            asked[-1] = asked[-1].rstrip("。") + "，" + MEASURE
        else:
            asked.append("请针对偏差原因" + MEASURE.removeprefix("同时"))
    return Comment(facts, said, asked, titles)


def _faults_cause(found: dict[str, str]) -> bool:
    """Whether anything but a missing measure is said against an explanation (its keys are unique)."""
    return len(found) > ("no_measure" in found)


def _first_of(indicators: tuple[int, ...], rows: tuple[int, ...]) -> int:
    """The first of a finding's rows that is one of the point's rows, else the point's first row."""
    for i in indicators:
        if i in rows:
            return i
    return rows[0]


# --- facts ---------------------------------------------------------------------------------------

def _facts(rows: list[IndicatorScore], counts: list[IndicatorScore], costs: list[IndicatorScore], money: str,
           kinds: list[str], pair: tuple[Decimal, ...] | None) -> str:
    if not (counts and costs):
        if len(rows) == 1:
            return row_facts(rows[0], kinds[rows[0].index])
        return "；".join([row_facts(r, kinds[r.index]) for r in rows])
    count = counts[0]
    parts = []
    for r in counts:
        parts.append(row_facts(r, kinds[r.index]))
    for r in costs:
        parts.append("对应" + _cost_facts(r, count, kinds[r.index]))
    unit = _unit_cost(count, pair, money)
    if unit:
        parts[-1] += "，" + unit
    return "；".join(parts)


def _cost_facts(cost: IndicatorScore, count: IndicatorScore, kind: str) -> str:
    """A cost row beside its count, named by what its name adds (预算控制数) when it repeats the count's."""
    values = _row_values(cost, kind)
    stem, name = squash(count.name), squash(cost.name)
    if name.startswith(stem) and len(name) > len(stem):
        suffix = cost.name.strip()[len(count.name.strip()):].strip() or "成本"
        return f"成本指标（{suffix}）{values}"
    return f"成本指标“{cost.name}”{values}"


def _pair_values(count: IndicatorScore, cost: IndicatorScore, money: str) -> tuple[Decimal, ...] | None:
    qa, qb = count.target_value, count.actual_value
    ca, cb = money_in(cost.target, money), money_in(cost.actual, money)
    # `is None` each: `None in (...)` compares None with each Decimal, which goes through the numbers ABCs.
    if qa is None or qb is None or ca is None or cb is None or qa <= 0:
        return None
    return qa, qb, ca, cb


def _unit_cost(count: IndicatorScore, values: tuple[Decimal, ...] | None, money: str) -> str:
    """The unit cost, planned and actual: `values` are _pair_values(count, cost, money)."""
    if values is None:
        return ""
    qa, qb, ca, cb = values
    unit = count.target.unit or "个"
    planned = ca / qa
    if qb <= 0:
        return f"单位成本计划{num(planned, 2)}{money}/{unit}，实际数量为0"
    actual = cb / qb
    change = f"（{pct(actual / planned - ONE)}）" if planned else ""
    return f"单位成本由计划{num(planned, 2)}{money}/{unit}变为{num(actual, 2)}{money}/{unit}{change}"


def _divergence(values: tuple[Decimal, ...] | None) -> str:
    """`values`: _pair_values of the point's first count and first cost (None without both)."""
    if values is None:
        return "成本与数量变动不匹配"
    qa, qb, ca, cb = values
    count = "减少" if qb < qa else "增加" if qb > qa else "未变"
    cost = "增加" if cb > ca else "减少" if cb < ca else "未变"
    if count == cost or (count == "未变" and cost == "未变"):
        return "单位成本变动较大，成本与数量变动不匹配"
    return f"数量{count}而成本{cost}，成本与数量变动不匹配"


# --- problems --------------------------------------------------------------------------------

def _score_problem(code: str, row: IndicatorScore, finding: Finding) -> str:
    s, w = row.claimed, row.weight
    if code == "INDICATOR_SCORE" and row.recomputed is not None and s is not None:
        return (f"按{DIRECTION_TERM.get(row.direction, '计分公式')}计分应得{num(row.recomputed)}分（{row.formula_text}），"
                f"自评{num(s)}分，评分{'偏高' if s > row.recomputed else '偏低'}")
    if code == "ROUNDING" and row.formula_value is not None and s is not None:
        return (f"得分按{row.formula_text}计算为{num(row.formula_value, 4)}分，四舍五入应为{num(row.recomputed)}分，"
                f"自评填报{num(s)}分")
    if code == "SCORE_BOUNDS" and s is not None:
        return f"自评得分{num(s)}分超过该指标分值{num(w)}分"
    if code == "DATE_SCORE" and s is not None:  # the facts state both dates already
        if finding.data.get("late"):
            return f"未按期完成，却自评满分{num(s)}分"
        return f"已按时完成，自评{num(s)}分低于分值{num(w)}分，且未说明扣分原因"
    if code == "SCORE_MISSING":
        return "得分栏未填写" + (f"，按计分公式应得{num(row.recomputed)}分" if row.recomputed is not None else "")
    if code == "QUALITATIVE_BAND" and s is not None:
        band = qualitative_band(row.actual.raw)
        if band:
            label, low, high, inclusive = band
            lo, hi = round_half_up(low * w), round_half_up(high * w)
            bracket = f"[{num(lo)}, {num(hi)}{']' if inclusive else ')'}"
            return f"完成情况属“{label}”档次，得分应在{bracket}分之间，自评{num(s)}分"
    return _without_name(finding.message, row)


def _value_problem(code: str, row: IndicatorScore, finding: Finding) -> tuple[str, list[tuple[str, str]]]:
    evidence = ("evidence", "请填写可核实的实际完成数据，并提供佐证材料")
    if code == "ACTUAL_COPIES_TARGET":
        return "实际完成值照抄年度指标值，未反映实际完成情况", [evidence]
    if code == "VALUE_BLANK":
        blank = [label for label, q in (("年度指标值", row.target), ("实际完成值", row.actual)) if q.is_blank]
        return f"{'和'.join(blank) or '指标值'}未填写，完成情况无法核实", [evidence]
    if code == "VALUE_TYPE":
        if row.units_differ:
            done = "，已按单位换算计分" if row.actual_value is not None else "，无法计分"
            text = f"计量单位不一致（{row.target.unit or '无'}与{row.actual.unit or '无'}）{done}"
        elif row.target.kind == "date":
            text = "实际完成值不是日期，无法判断是否按时完成"
        else:
            text = "实际完成值不是数值，无法与年度指标值比较"
        return text, [("fill_value", "请按指标值的计量单位填报实际完成数据")]
    if code == "OVERACHIEVED":
        ratio = row.ratio
        size = f"为年度指标值的{share(ratio)}，" if ratio is not None else ""
        return f"实际完成值{size}超额幅度较大，年度指标值可能设置偏低", [
            ("target_low", "请说明超额完成的原因，下年度合理设置年度指标值")]
    if code == "COST_TOTAL":
        text = finding.message.split("：", 1)[-1]
        return f"与项目资金数据不一致（{text}）", [("cost_data", "请核实成本指标与项目资金数据，确保口径一致")]
    if code == "PAYMENT_RATE_CONFLICT":
        return _without_name(finding.message, row), [("payment", "请核实资金拨付进度与预算执行数据，如实填报")]
    asks = [("ask:" + s, s) for s in _sentences(finding.comment) if s.startswith(("请", "建议"))]
    return _without_name(finding.message, row), asks


def _without_name(message: str, row: IndicatorScore) -> str:
    """The message without the row's quoted name at its start (and the 的, ： or ， after it)."""
    text = message.strip().rstrip("。")
    quoted = f"“{row.name}”"
    if not text.startswith(quoted):
        return text
    rest = text[len(quoted):]
    return (rest[1:] if rest.startswith("的") else rest).lstrip("，：")  # a ： after the name goes with the lstrip


def _explanation_groups(rows: list[IndicatorScore]) -> list[list[IndicatorScore]]:
    """The subject's rows by explanation: rows with the same text share one."""
    if len(rows) == 1:  # one row is one group, whatever its text
        return [rows]
    groups: dict[str, list[IndicatorScore]] = {}
    for row in rows:
        text = row.indicator.explanation
        key = "" if is_empty_explanation(text) else squash(text)
        groups.setdefault(key or f"blank:{row.index}", []).append(row)
    return list(groups.values())


def _verdict_problems(finding: Finding, row: IndicatorScore, group: list[IndicatorScore],
                      found: dict[str, str], kinds: list[str]) -> None:
    if is_empty_explanation(row.indicator.explanation):
        found.setdefault("blank", "")
        return
    tags = finding.tags  # a few; each key of `found` has one wording, so the order they are read in is free
    if "contradicts_data" in tags:
        reason = str(finding.data.get("reason") or "").strip().rstrip("。") or "与数据矛盾"
        found.setdefault("conflict", reason)
    if "generic" in tags:
        found.setdefault("generic", "属通用套话，未针对本指标说明")
    if "no_quantity" in tags and any([has_gap(r, kinds[r.index]) for r in group]):
        of = {kinds[r.index] for r in group}
        what = ("涉及的数量和金额" if {"count", "money"} <= of else "涉及的金额" if "money" in of
                else "涉及的数量" if "count" in of else "偏差幅度" if "rate" in of
                else "延误的时间" if "date" in of else "具体完成情况")
        found.setdefault("no_quantity", f"未量化说明{what}")
    for tag in tags:
        problem = TAG_PROBLEM.get(tag)
        if problem is not None:
            found.setdefault(tag, problem)


def _explanation_sentence(group: list[IndicatorScore], found: dict[str, str], several: bool) -> str:
    where = f"第{'、'.join([str(r.index + 1) for r in group])}项" if several else ""
    if "blank" in found:
        return f"{where}偏差原因分析及改进措施栏未填写"
    ordered = []  # a loop, not a comprehension: see compose
    for key in EXPLANATION_ORDER:
        problem = found.get(key)
        if problem:
            ordered.append(problem)
    return f"{where}偏差说明“{_value(group[0].indicator.explanation)}”" + "，".join(ordered)


COST_MOVE = Decimal("0.10")  # a cost within ±10% of its target is asked about only when its own text fails


OVER = Decimal("1.2")  # above this share of the target, an over-achievement is worth explaining (OVERACHIEVED)


def _unit_cost_move(values: tuple[Decimal, ...] | None) -> str:
    """up, down, same or unknown: the cost per unit of the count, actual against planned (`values`:
    _pair_values of the count and the cost)."""
    if values is None or values[1] <= 0:
        return "unknown"
    qa, qb, ca, cb = values
    planned, actual = ca / qa, cb / qb
    return "up" if actual > planned else "down" if actual < planned else "same"


def _cost_request(values: tuple[Decimal, ...] | None, cost: IndicatorScore) -> tuple[str, str] | None:
    """The request about a cost row, by what its figures show: the unit cost up, the total over its
    target, the total down (where did the money go), the unit cost down with the total unchanged."""
    unit, total = _unit_cost_move(values), movement(cost)
    if unit == "up":
        return "cost_up", "请说明单位成本上升的具体原因，列明调整涉及的项目及金额，并提供资金调整依据"
    if total == "up":
        return "cost_up", "请说明成本超出指标值的具体原因，列明涉及的项目及金额"
    if total == "down":
        return "cost_down", "请说明成本减少的具体原因及未使用资金的去向（结转或收回），列明涉及的项目及金额"
    if unit == "down":
        return "cost_unit", "请说明单位成本下降的具体原因，列明涉及的项目及金额"
    return None


def _explain_requests(rows: list[IndicatorScore], counts: list[IndicatorScore], costs: list[IndicatorScore],
                      money: str, flagged: set[int], uncaused: set[int], divergence: bool, asked: Collection[str],
                      kinds: list[str], pair: tuple[Decimal, ...] | None) -> list[tuple[str, str]]:
    """What the unit must explain, in the row's own terms: a cost that rose or fell, a count that changed,
    a rate or date missed. Never a change the row does not show; a cost only where it diverges from its
    count, moved far, or its own explanation fails; the cause of any other row only where its explanation
    does not give it (`uncaused`); nothing a request already made (`asked`, e.g. target_low) covers.
    `pair`: _pair_values of the first count and the first cost."""
    asks: list[tuple[str, str]] = []
    for cost in costs:
        ratio = cost.ratio  # a division on each reading
        far = ratio is not None and abs(ratio - ONE) > COST_MOVE
        if not (divergence or far or cost.index in flagged):
            continue
        if not counts:
            values = None
        elif cost is costs[0]:
            values = pair
        else:
            values = _pair_values(counts[0], cost, money)
        ask = _cost_request(values, cost)
        if ask is not None:
            asks.append(ask)
    for row in counts:
        if row.index not in uncaused:
            continue
        kind, move = kinds[row.index], movement(row)
        ratio = row.ratio if row.direction == "higher" else None  # a division on each reading
        over = ratio is not None and ratio >= OVER
        if kind == "count" and move in ("up", "down") and not (move == "up" and over):
            asks.append(("count", f"请逐项说明数量{'减少' if move == 'down' else '增加'}的具体原因，列明涉及的项目及数量"))
        elif kind == "date" and row.late:
            asks.append(("date", "请说明未按期完成的具体原因"))
        elif kind in ("rate", "count") and missed(row):
            asks.append(("missed", "请说明未达到年度指标值的具体原因"))
        elif kind in ("rate", "count") and over and "target_low" not in asked:
            asks.append(("over", "请说明超额完成的原因"))
        elif kind == "qualitative" and (qualitative_band(row.actual.raw) or ("达成",))[0] != "达成":
            asks.append(("qualitative", "请说明未完全达成年度指标的具体原因"))
    if not asks and not asked:  # e.g. a met target scored low is put right by correcting the score
        row = rows[0]
        if row.claimed is not None and row.claimed < row.weight:
            asks.append(("low", "请说明自评得分低于分值的原因"))
        else:
            asks.append(("specific", "请针对本指标如实说明完成情况"))
    return asks


# --- points about the form as a whole ----------------------------------------------------------

def _sentences(text: str) -> list[str]:
    return [s.strip() for s in text.replace("\n", "").split("。") if s.strip()]


def _compose_form_part(findings: list[Finding]) -> Comment:
    """预算执行, 总分, 指标体系, 表头: few findings, each about different figures; their own wording with
    each statement once and the requests gathered last, a request another one already contains left out."""
    said: dict[str, None] = {}
    asks: dict[str, None] = {}
    for finding in findings:
        for sentence in _sentences(finding.comment):
            statement, _, ask = sentence.partition("，请")
            if statement.startswith(("请", "建议")):
                statement, ask = "", sentence.removeprefix("请")
            if statement:
                said.setdefault(statement, None)
            if ask:
                asks.setdefault(ask if ask.startswith("建议") else "请" + ask, None)
    requests = [a for a in asks if not any(a != b and a.removeprefix("请") in b for b in asks)]
    titles = list(dict.fromkeys(TITLE.get(f.code, f.code) for f in findings))
    return Comment("", list(said), requests, titles)


__all__ = ["Comment", "Subject", "compose", "row_kind", "row_facts", "movement", "missed"]
