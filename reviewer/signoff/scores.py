"""The reviewer's score: a 复核完成值 and a 复核得分 per row, and per form the 复核总分, 等级 and 偏离度.

What the tool proposes for a row: the formula score where arithmetic decides (whatever the points'
decisions: the model never overrides arithmetic, and neither does a rejected point), else the score
the unit claimed, never above the weight; then, for each accepted point about the row, what the
rulebook's clause for each of its findings proposes (0, the band's bound, a fraction of the weight
off; full marks for a date met on time that the unit marked down); the lowest proposal stands, with
its clause. No proposal leaves [0, 分值]. A 复核完成值 the reviewer set replaces the unit's
actual where a formula applies to it (the proposal is derived from it); a 复核得分 the reviewer set
(store: score_changes) wins over the proposal, with its reason and clause.

偏离度 = (自评 − 复核) / 自评 (docs/domain-rules.md §6); a form is flagged when |自评 − 复核| reaches
the configured number of points (default 5).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..checks.catalogue import DIRECTION_LABEL
from ..checks.rows import qualitative_band
from ..config import SignoffSettings
from ..form.values import format_decimal, parse_quantity, round_half_up
from ..scoring import FORMULA_DIRECTIONS, HUNDRED, ONE, ZERO, IndicatorScore, Scorecard, formula, score_indicator
from ..store import ACCEPTED, EDITED, FUNDS_ROW, Critique, Point, ScoreChange
from .rulebook import Clause, Rulebook

CENT = Decimal("0.01")
FUNDS_NAME = "预算执行率"


def reverse_linear(a: Decimal, b: Decimal, w: Decimal) -> Decimal:
    """反向, linear variant (docs/domain-rules.md §2.3): full marks up to A, 0 from 2A, linear between."""
    if b <= a:
        return w
    if a <= 0 or b >= 2 * a:
        return ZERO
    return (1 - (b - a) / a) * w


def formula_score(row: IndicatorScore, rulebook: Rulebook) -> Decimal | None:
    """The row's formula score under the rulebook's 反向 variant, rounded; None where no formula applies."""
    if row.direction not in FORMULA_DIRECTIONS or row.target_value is None or row.actual_value is None:
        return None
    if row.direction == "lower" and rulebook.reverse == "linear":
        return round_half_up(reverse_linear(row.target_value, row.actual_value, row.weight))
    return round_half_up(formula(row.direction, row.target_value, row.actual_value, row.weight)[0])


def band_bound(row: IndicatorScore, claimed: Decimal) -> Decimal | None:
    """A 定性 score brought inside the band its completion implies: its upper bound when above it (just
    under the bound when the bound belongs to the next band), its lower bound when below."""
    band = qualitative_band(row.actual.raw)
    if band is None:
        return None
    _, low, high, inclusive = band
    lo, hi = round_half_up(low * row.weight), round_half_up(high * row.weight)
    top = hi if inclusive else hi - CENT
    return min(max(claimed, lo), top)


def deviation(claimed: Decimal | None, review: Decimal) -> Decimal | None:
    """偏离度 = (自评 − 复核) / 自评 (docs/domain-rules.md §6); None when 自评 is blank or 0."""
    return None if not claimed else (claimed - review) / claimed


@dataclass
class RowScore:
    """One row of the 底稿: the unit's values and score beside the reviewer's."""

    row: int  # indicator index, or -1 for 预算执行率
    level1: str
    level2: str
    name: str
    nature: str  # 指标性质: 正向 / 反向 / 定性 / 时间 / 等于
    target: str
    unit: str  # 度量单位
    weight: Decimal
    claimed_value: str  # 自评完成值
    claimed: Decimal | None  # 自评得分
    proposed: Decimal
    proposed_clause: Clause | None
    value: str  # 复核完成值
    score: Decimal  # 复核得分
    clause: Clause | None
    reason: str = ""
    set_by: ScoreChange | None = None  # the reviewer's change in force, if any
    value_set_by: ScoreChange | None = None

    @property
    def deviation(self) -> Decimal | None:
        """(自评 − 复核) / 自评 for this row; None when the unit claimed nothing or 0."""
        return deviation(self.claimed, self.score)

    @property
    def changed(self) -> bool:
        return self.claimed is None or self.score != self.claimed

    @property
    def remark(self) -> str:
        """备注: the clause and the reason, where the score or value differs from the unit's."""
        parts = []
        if self.clause is not None and (self.changed or self.set_by):
            parts.append(f"依据“{self.clause.basis}”")
        if self.reason:
            parts.append(self.reason)
        return "；".join(parts)


@dataclass
class FormScore:
    form_id: str
    rows: list[RowScore]
    claimed_total: Decimal | None
    review_total: Decimal
    grade: str
    flag_points: Decimal

    @property
    def difference(self) -> Decimal | None:
        return None if self.claimed_total is None else self.claimed_total - self.review_total

    @property
    def deviation(self) -> Decimal | None:
        """偏离度 = (自评 − 复核) / 自评, a fraction; None when 自评 is blank or 0."""
        return deviation(self.claimed_total, self.review_total)

    @property
    def flagged(self) -> bool:
        """|自评 − 复核| reaches the configured points (a blank 自评 total is flagged too: nothing to compare)."""
        return self.difference is None or abs(self.difference) >= self.flag_points

    def row(self, index: int) -> RowScore:
        return next(r for r in self.rows if r.row == index)


def grade_of(total: Decimal, settings: SignoffSettings) -> str:
    for name, bound in settings.grades:
        if total >= bound:
            return name
    return "差"


def percent(fraction: Decimal | None) -> str:
    """A 偏离度 as printed: 3.36%."""
    return "—" if fraction is None else f"{format_decimal(round_half_up(fraction * 100))}%"


def _decimal(text: str | None) -> Decimal | None:
    return None if text in (None, "") else Decimal(text)


def clamp(score: Decimal, weight: Decimal) -> Decimal:
    """A score inside [0, 分值]: no proposal gives more than the weight nor less than nothing."""
    return min(max(score, ZERO), weight)


def _bounded(row: IndicatorScore) -> Decimal:
    """What an accepted SCORE_BOUNDS proposes: the weight, or the top of a 定性 row's band."""
    bound = band_bound(row, row.weight)
    return row.weight if bound is None else bound


def _on_time(critique: Critique) -> bool:
    """A DATE_SCORE about a date met on time and marked down (not a late one with full marks)."""
    return critique.code == "DATE_SCORE" and critique.data.get("late") is False


@dataclass(frozen=True)
class Proposal:
    score: Decimal
    clause: Clause
    raises: bool = False  # full marks the unit did not claim (a date met on time), not a deduction


def _proposal(row: IndicatorScore, base: Decimal, critique: Critique, rulebook: Rulebook) -> Proposal | None:
    """What one accepted finding's clause proposes for the row, or None."""
    if _on_time(critique):  # the cut is for a late date: one met on time gets full marks
        clause = rulebook.full_marks() or next(iter(rulebook.with_deduction("formula")), None)
        return None if clause is None else Proposal(row.weight, clause, raises=True)
    clause = rulebook.for_code(critique.code)
    if clause is None or clause.deduction == "none":
        return None
    if clause.deduction == "formula":
        return Proposal(_bounded(row), clause) if critique.code == "SCORE_BOUNDS" else None
    if clause.deduction == "zero":
        return Proposal(ZERO, clause)
    if clause.deduction == "full":
        return Proposal(row.weight, clause, raises=True)
    if clause.deduction == "band":
        bound = band_bound(row, base)
        return None if bound is None else Proposal(bound, clause)
    return Proposal(round_half_up(base - clause.deduction * row.weight), clause)


def _proposals(row: IndicatorScore, base: Decimal, points: list[Point], critiques: dict[str, Critique],
               rulebook: Rulebook) -> list[Proposal]:
    """What the accepted points about this row propose, one per finding whose clause has something to say,
    each inside [0, 分值]."""
    out = []
    for point in points:
        if point.status not in (ACCEPTED, EDITED) or row.index not in point.indicators:
            continue
        for finding_id in point.findings:
            critique = critiques.get(finding_id)
            if critique is None or row.index not in critique.indicators:
                continue
            proposal = _proposal(row, base, critique, rulebook)
            if proposal is not None:
                out.append(Proposal(clamp(proposal.score, row.weight), proposal.clause, proposal.raises))
    return out


def _with_value(row: IndicatorScore, value: str, year: int, rulebook: Rulebook) -> IndicatorScore:
    """The row scored with the reviewer's 复核完成值 as its B, where a formula applies to it; else as it is."""
    rescored = score_indicator(row.index, row.indicator.model_copy(update={"actual": value}), year)
    return rescored if formula_score(rescored, rulebook) is not None else row


def _funds_base(card: Scorecard, value: ScoreChange | None) -> Decimal:
    """The 预算执行率 score: from the reviewer's rate (95%) where set, else recomputed, else as claimed
    (never above the weight)."""
    printed = card.form.funds
    if value is not None:
        rate = parse_quantity(value.after or "")
        if rate.is_number and rate.unit in ("%", ""):
            return round_half_up(clamp(rate.value / HUNDRED, ONE) * printed.weight)
    if card.funds.recomputed is not None:
        return card.funds.recomputed
    return clamp(printed.score or ZERO, printed.weight)


def _lowest(base: Decimal, clause: Clause | None, proposals: list[Proposal]) -> tuple[Decimal, Clause | None]:
    """The lowest proposal stands (a deduction never raises what the unit claimed; ties keep the first).
    Full marks for a date met on time first raise the base; any deduction proposed beside them still applies."""
    for proposal in proposals:
        if proposal.raises and proposal.score > base:
            base, clause = proposal.score, proposal.clause
    return min([(base, clause)] + [(p.score, p.clause) for p in proposals if not p.raises], key=lambda item: item[0])


def score_form(card: Scorecard, points: list[Point], critiques: dict[str, Critique],
               overrides: dict[tuple[int, str], ScoreChange], rulebook: Rulebook,
               settings: SignoffSettings) -> FormScore:
    """The 复核 of one form version: every row's proposal and the reviewer's values, and the totals."""
    formula_clause = next(iter(rulebook.with_deduction("formula")), None)
    rows: list[RowScore] = []
    funds, printed = card.funds, card.form.funds
    funds_claimed = printed.score
    funds_base = _funds_base(card, overrides.get((FUNDS_ROW, "value")))
    rate = "" if printed.execution_rate is None else f"{format_decimal(printed.execution_rate.percent)}%"
    recomputed_rate = "" if funds.rate_percent is None else f"{format_decimal(round_half_up(funds.rate_percent))}%"
    rows.append(RowScore(
        FUNDS_ROW, FUNDS_NAME, "", FUNDS_NAME, "正向", "100%", "%", printed.weight, rate, funds_claimed,
        funds_base, formula_clause if funds_base != funds_claimed else None, recomputed_rate or rate, funds_base,
        formula_clause if funds_base != funds_claimed else None))
    for row in card.indicators:
        claimed = row.claimed
        value = overrides.get((row.index, "value"))
        basis = row if value is None else _with_value(row, value.after, card.form.year, rulebook)
        base = formula_score(basis, rulebook)
        clause = formula_clause if base is not None and base != claimed else None
        if base is None:
            base = claimed if claimed is not None else ZERO
            if base > row.weight:  # arithmetic, as a formula would: never more than the weight
                base, clause = row.weight, rulebook.for_code("SCORE_BOUNDS") or formula_clause
        proposed, chosen = _lowest(base, clause, _proposals(basis, base, points, critiques, rulebook))
        rows.append(RowScore(
            row.index, row.indicator.level1, row.indicator.level2, row.name,
            DIRECTION_LABEL.get(row.direction, row.direction), row.target.raw, row.target.unit,
            row.weight, row.actual.raw, claimed, proposed, chosen, row.actual.raw, proposed, chosen))
    for item in rows:
        change = overrides.get((item.row, "score"))
        if change is not None:
            item.score, item.set_by = Decimal(change.after), change
            item.clause, item.reason = rulebook.clause(change.clause), change.reason
        value = overrides.get((item.row, "value"))
        if value is not None:
            item.value, item.value_set_by = value.after, value
            if not item.reason:
                item.reason = value.reason
            if item.clause is None:
                item.clause = rulebook.clause(value.clause)
    total = round_half_up(sum((r.score for r in rows), ZERO))
    claimed_total = card.claimed_total
    return FormScore(card.form_id, rows, claimed_total, total, grade_of(total, settings),
                     settings.deviation_flag_points)


__all__ = ["RowScore", "FormScore", "score_form", "grade_of", "percent", "formula_score", "reverse_linear",
           "band_bound", "FUNDS_NAME"]
