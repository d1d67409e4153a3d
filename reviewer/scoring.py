"""Recompute every score the way the rules say (docs/domain-rules.md §2).

Nothing printed on the form is trusted: the execution rate, each quantitative
indicator and the total are recomputed with Decimal arithmetic and compared
later by the checks. Recomputed scores are rounded half-up to 2 decimals; the
unrounded formula value is kept because the checks compare against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from decimal import Decimal

from .form import Form, FundsRow, Indicator
from .form.model import form_id_of
from .form.values import (
    EQUAL,
    HIGHER,
    LOWER,
    Quantity,
    convert_units,
    memo_short,
    normalize_text,
    parse_quantity,
    plain_decimal,
    round_half_up,
)

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
FORMULA_DIRECTIONS = ("higher", "lower", "equal")
_COMPARATOR_DIRECTION = {HIGHER: "higher", LOWER: "lower", EQUAL: "equal"}


def level_group(indicator: Indicator) -> str:
    """产出 / 效益 / 满意度 / 成本 (成本 only when it is a first-level block)."""
    return _group_of_label(indicator.level1)


@memo_short(maxsize=4096)
def _group_of_label(label: str) -> str:
    level1 = normalize_text(label)
    for group in ("成本", "产出", "效益", "满意度"):
        if group in level1:
            return group
    return level1


def is_cost(indicator: Indicator) -> bool:
    return _mentions_cost(indicator.level1) or _mentions_cost(indicator.level2)


@memo_short(maxsize=4096)
def _mentions_cost(label: str) -> bool:
    return "成本" in normalize_text(label)


# Not frozen: frozen dataclasses construct markedly slower, and a card is built per form.
@dataclass(slots=True)
class IndicatorScore:
    index: int
    indicator: Indicator
    target: Quantity
    actual: Quantity
    direction: str
    cost: bool
    # A and B in one unit, when both are numbers in interchangeable units.
    target_value: Decimal | None
    actual_value: Decimal | None
    # The unrounded formula value f and its rounding; None where no formula applies.
    formula_value: Decimal | None
    recomputed: Decimal | None
    formula_template: str
    units_differ: bool
    late: bool | None
    # The indicator's 得分 (None when the cell is blank: SCORE_MISSING), 分值 and name, copied: the checks, the
    # judge and the points read them some 350 times a form, and a property is a call each time.
    claimed: Decimal | None
    weight: Decimal
    name: str
    # formula_text, filled on first use: the store writes it for every row, and messages ask again.
    _formula_text: str | None = field(default=None, repr=False, compare=False)

    @property
    def formula_text(self) -> str:
        """The formula with this row's numbers: "163/199×2"."""
        text = self._formula_text
        if text is None:
            text = self._formula_text = _fill_formula(self.formula_template, self.target_value, self.actual_value,
                                                      self.weight)
        return text

    @property
    def counted(self) -> Decimal:
        """What this row adds to the recomputed total: the formula score where one applies,
        else the claimed score, else 0 (a blank score with no formula, docs/findings.md SCORE_MISSING)."""
        if self.recomputed is not None:
            return self.recomputed
        return self.claimed if self.claimed is not None else ZERO

    @property
    def ratio(self) -> Decimal | None:
        """B / A, when both are numbers and A is not zero."""
        if self.target_value is None or self.actual_value is None or self.target_value == 0:
            return None
        return self.actual_value / self.target_value


@dataclass(slots=True)
class FundsScore:
    budget: Decimal | None
    executed: Decimal | None
    initial_budget: Decimal | None
    rate: Decimal | None  # a fraction: 0.9957124
    formula_value: Decimal | None
    recomputed: Decimal | None
    from_subrows: bool

    @property
    def rate_percent(self) -> Decimal | None:
        return None if self.rate is None else self.rate * HUNDRED


@dataclass
class Scorecard:
    form: Form
    funds: FundsScore
    indicators: list[IndicatorScore]
    recomputed_total: Decimal
    # The cost rows paired with their counts (checks.rows.pair_cost_rows), worked out on first use: the checks,
    # the judge and the sign-off points each ask for them.
    cost_pairs: tuple[tuple[IndicatorScore, IndicatorScore], ...] | None = field(default=None, repr=False,
                                                                                   compare=False)

    @property
    def claimed_total(self) -> Decimal | None:
        """总分 as claimed; None when the cell is blank (TOTAL_MISSING)."""
        return self.form.total_score

    @property
    def funds_counted(self) -> Decimal:
        """What the 预算执行率 adds to the recomputed total: recomputed, else claimed, else 0."""
        if self.funds.recomputed is not None:
            return self.funds.recomputed
        return self.form.funds.score if self.form.funds.score is not None else ZERO

    @cached_property
    def canonical_bytes(self) -> bytes:
        """The form's canonical JSON as UTF-8 (Form.canonical_bytes), built once: the form's id is its hash and
        the store keeps it, and serialising the form is a tenth of a millisecond each time."""
        return self.form.canonical_bytes()

    @cached_property
    def canonical_json(self) -> str:
        return self.canonical_bytes.decode()

    @cached_property
    def form_id(self) -> str:
        # The bytes, not canonical_json: encoding a form's ~15 KB of text again costs ~0.1M instructions.
        return form_id_of(self.canonical_bytes)


def infer_direction(indicator: Indicator, target: Quantity, cost: bool) -> str:
    """docs/form-format.md: explicit direction, else comparator, else level (成本 lower),
    else a date is date, a number higher and text qualitative."""
    if indicator.direction:
        return indicator.direction
    if target.comparator:
        return _COMPARATOR_DIRECTION[target.comparator]
    if cost:
        return "lower"
    if target.kind == "date":
        return "date"
    return "higher" if target.kind == "number" else "qualitative"


def _common_values(target: Quantity, actual: Quantity) -> tuple[Decimal | None, Decimal | None, bool]:
    """A and B in the target's unit; the flag says the printed units differ."""
    if not (target.is_number and actual.is_number):
        return None, None, False
    if not actual.unit or not target.unit or actual.unit == target.unit:
        return target.value, actual.value, False
    converted = convert_units(actual, target.unit)
    return (target.value, converted, True) if converted is not None else (None, None, True)


def formula(direction: str, a: Decimal, b: Decimal, w: Decimal) -> tuple[Decimal, str]:
    """The unrounded score, and a template of the formula as a reviewer reads it.

    The template is filled only when a message needs it (IndicatorScore.formula_text):
    most rows never show their formula.
    """
    if direction == "higher":
        if b >= a:
            return w, "实际值{b}达到目标值{a}，得满分{w}"
        if a <= 0 or b <= 0:
            return ZERO, "实际值{b}未达目标值{a}，得0分"
        return b / a * w, "{b}/{a}×{w}"
    if direction == "lower":
        if b <= a:
            return w, "实际值{b}未超过目标值{a}，得满分{w}"
        if a <= 0:
            return ZERO, "目标值为{a}而实际值为{b}，得0分"
        return a / b * w, "{a}/{b}×{w}"
    # equal: a miss either way scores the smaller over the larger.
    if b == a:
        return w, "实际值{b}等于目标值{a}，得满分{w}"
    if a <= 0 or b <= 0:
        return ZERO, "实际值{b}不等于目标值{a}，得0分"
    return min(a, b) / max(a, b) * w, "{low}/{high}×{w}"


def _fill_formula(template: str, a: Decimal | None, b: Decimal | None, w: Decimal) -> str:
    """A formula template with its numbers, writing only the ones it shows (each costs a microsecond or two)."""
    if not template:
        return ""
    assert a is not None and b is not None  # a template is only made where both are numbers
    values = {"a": a, "b": b, "w": w, "low": min(a, b), "high": max(a, b)}
    return template.format(**{name: plain_decimal(value) for name, value in values.items()
                              if f"{{{name}}}" in template})


def score_indicator(index: int, indicator: Indicator, year: int) -> IndicatorScore:
    target = parse_quantity(indicator.target)
    actual = parse_quantity(indicator.actual)
    if target.is_number and actual.is_number and not actual.unit and target.unit:
        # "735" against "≧735人次" is read in the target's unit.
        actual = Quantity(raw=actual.raw, kind="number", value=actual.value, unit=target.unit, comparator=actual.comparator)
    cost = is_cost(indicator)
    direction = infer_direction(indicator, target, cost)
    a, b, units_differ = _common_values(target, actual)
    f: Decimal | None = None
    text = ""
    if direction in FORMULA_DIRECTIONS and a is not None and b is not None:
        f, text = formula(direction, a, b, indicator.weight)
    late = None
    if target.kind == "date" and actual.kind == "date":
        late = actual.date_key(year) > target.date_key(year)
    return IndicatorScore(
        index=index,
        indicator=indicator,
        target=target,
        actual=actual,
        direction=direction,
        cost=cost,
        target_value=a,
        actual_value=b,
        formula_value=f,
        recomputed=None if f is None else round_half_up(f),
        formula_template=text,
        units_differ=units_differ,
        late=late,
        claimed=indicator.score,
        weight=indicator.weight,
        name=indicator.name,
    )


def _column_sum(rows: list[FundsRow | None], column: str) -> Decimal | None:
    values = [getattr(row, column) for row in rows if row is not None and getattr(row, column) is not None]
    return sum(values, ZERO) if values else None


def total_is_blank(form: Form) -> bool:
    """年度资金总额 blank or all zeros while the 其中 rows carry amounts (a real filing error)."""
    total = form.funds.total
    cells = [total.initial_budget, total.annual_budget, total.executed]
    if any(cell not in (None, ZERO) for cell in cells):
        return False
    subrows = [form.funds.fiscal, form.funds.carryover, form.funds.other]
    return any(_column_sum(subrows, column) for column in ("initial_budget", "annual_budget", "executed"))


def score_funds(form: Form) -> FundsScore:
    funds = form.funds
    from_subrows = total_is_blank(form)
    if from_subrows:
        subrows = [funds.fiscal, funds.carryover, funds.other]
        budget = _column_sum(subrows, "annual_budget")
        executed = _column_sum(subrows, "executed")
        initial = _column_sum(subrows, "initial_budget")
    else:
        budget, executed, initial = funds.total.annual_budget, funds.total.executed, funds.total.initial_budget
    rate = None
    if budget and executed is not None:
        rate = executed / budget
    f = None if rate is None else min(rate, ONE) * funds.weight
    return FundsScore(
        budget=budget,
        executed=executed,
        initial_budget=initial,
        rate=rate,
        formula_value=f,
        recomputed=None if f is None else round_half_up(f),
        from_subrows=from_subrows,
    )


def score_form(form: Form) -> Scorecard:
    funds = score_funds(form)
    indicators = [score_indicator(i, ind, form.year) for i, ind in enumerate(form.indicators)]
    card = Scorecard(form=form, funds=funds, indicators=indicators, recomputed_total=ZERO)
    total = card.funds_counted + sum((row.counted for row in indicators), ZERO)
    card.recomputed_total = round_half_up(total)
    return card
