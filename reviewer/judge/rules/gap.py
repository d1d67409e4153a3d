"""How far a row moved, and whether the figures an explanation gives account for it.

A reviewer sets the figures of an explanation against A − B in the row's unit
(eval_sets/README.md labelling guide, docs/domain-rules.md §3 item 1): one
figure is the gap, or parts add up to it, or a count times a per-unit figure
makes it, or a whole split into parts gives the row's share, or durations make
the delay of a late date. Figures that overshoot the gap, or a split whose
share the row does not show, are refuted by the form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from collections import Counter
from functools import lru_cache
from itertools import combinations

from ...checks.wording import num, pct, quoted
from ...form.values import MONEY_SCALE, convert_units
from ...scoring import ONE, IndicatorScore
from ..case import JudgeCase
from .limits import MAX_PARTS
from .review_index import MONEY, ReviewIndex, index_of
from .figures import COUNTERS, Figure
from .signals import CONNECTIVE, TextSignals

# --- the gap, in figures ---------------------------------------------------------


# Never changed once built, but not frozen: see Gap (a side is built for every row of a review judged).
@dataclass
class Side:
    """One row's move: A → B in one unit."""

    row: IndicatorScore
    a: Decimal | None
    b: Decimal | None
    unit: str

    # A side is read once per row of a review (gap_of keeps it) and asked the same questions by every
    # judgement that sets it against a text, its pair's included: the answers are kept on it (set at
    # construction, or on first use in __dict__; functools.cached_property takes a lock each time).
    change: Decimal | None = field(init=False, compare=False, repr=False)
    moved: str = field(init=False, compare=False, repr=False)  # up, down, same or unknown

    def __post_init__(self) -> None:
        a, b = self.a, self.b
        self.change = None if a is None or b is None or not a else b / a - ONE
        self.moved = "unknown" if a is None or b is None else "up" if b > a else "down" if b < a else "same"

    def text(self) -> str:
        said = self.__dict__.get("_text")
        if said is None:
            said = self.__dict__["_text"] = self._said()
        return said

    def _said(self) -> str:
        if self.a is None or self.b is None:
            return f"{quoted(self.row)}年度指标值{_cell(self.row.target.raw)}，实际完成值{_cell(self.row.actual.raw)}"
        change = f"（{pct(self.change)}）" if self.change is not None and self.moved != "same" else "（未变）"
        return f"{quoted(self.row)}年度指标值{num(self.a)}{self.unit}，实际完成值{num(self.b)}{self.unit}{change}"

    @property
    def known(self) -> tuple[Decimal, ...]:
        """The row's own figures: target, actual and gap, as printed and in the form's money unit, and the
        relative change in per cent (known_figures)."""
        known = self.__dict__.get("_known")
        if known is None:
            known = self.__dict__["_known"] = self._own_figures()
        return known

    def _own_figures(self) -> tuple[Decimal, ...]:
        # the values, then the gaps: (a, b) and (target, actual) as printed; plain steps, as one is read per row
        a, b, target, actual = self.a, self.b, self.row.target_value, self.row.actual_value
        known = [v for v in (a, b, target, actual) if v is not None]
        if a is not None and b is not None:
            known.append(abs(a - b))
        if target is not None and actual is not None:
            known.append(abs(target - actual))
        if self.change is not None:
            known.append(abs(self.change) * 100)
        return tuple(known)


def _cell(raw: str) -> str:
    """A target or actual quoted as printed; a blank cell (form-format 1.1) says so."""
    return f"“{raw}”" if raw.strip() else "未填写"


_LEADING_COUNT = re.compile(r"^\D{0,6}?(\d+)\s*(个|家|项|所|座|处|户|人|名|台|套|条|村|镇|乡|县)")


def _side(row: IndicatorScore, money: str) -> Side:
    if row.target.is_number and row.target.unit in MONEY_SCALE and row.actual.is_number:
        return Side(row, convert_units(row.target, money), convert_units(row.actual, money), money)
    if row.target_value is None and row.actual_value is None and row.direction == "qualitative":
        # "7个县（市、区）建立统一管护主体" → "5个已建立，2个正在组建": the counts in front size the gap
        said = [_LEADING_COUNT.match(q.raw.strip()) for q in (row.target, row.actual)]
        if all(said) and said[0].group(2) == said[1].group(2) and int(said[1].group(1)) < int(said[0].group(1)):
            return Side(row, Decimal(said[0].group(1)), Decimal(said[1].group(1)), said[0].group(2))
    return Side(row, row.target_value, row.actual_value, row.target.unit)


# Not frozen (nothing changes one once built): a frozen dataclass builds 4 times slower, one
# object.__setattr__ per field, and a gap is built for every judgement.
@dataclass(slots=True)
class Gap:
    """The computed figures behind one judgement (code arithmetic, never the model's)."""

    row: Side
    pair: Side | None
    count: Side | None  # the quantity side of a cost/quantity pair
    cost: Side | None  # the cost side
    unit_planned: Decimal | None
    unit_actual: Decimal | None
    index: ReviewIndex | None = None  # the form's other rows, read once per review: shares are taken of their counts
    at: int = -1  # this row's index, left out of the counts it is set against
    money: str = "万元"  # the form's money unit
    unit_change: Decimal | None = field(init=False)  # asked several times per judgement: worked out once

    def __post_init__(self) -> None:
        planned, actual = self.unit_planned, self.unit_actual
        self.unit_change = None if planned is None or actual is None or not planned else actual / planned - ONE

    def lines(self) -> list[str]:
        lines = [self.row.text()]
        if self.pair is not None:
            role = "数量" if self.row.row.cost else "成本"
            lines.append(f"对应{role}指标" + self.pair.text())
        if self.unit_planned is not None:
            lines.append(self._unit_line())
        return lines

    def _unit_line(self) -> str:
        """The unit cost, planned and actual. Both rows of a pair say it: it is kept on the cost side, beside the
        count side it was worked out with."""
        kept = self.cost.__dict__.get("_unit_line")
        if kept is not None and kept[0] is self.count:
            return kept[1]
        unit = self.count.unit or "个"
        money = self.cost.unit
        actual = f"{num(self.unit_actual, 2)}{money}/{unit}" if self.unit_actual is not None else "无法计算（实际数量为0）"
        change = f"（{pct(self.unit_change)}）" if self.unit_change is not None else ""
        line = f"单位成本由计划{num(self.unit_planned, 2)}{money}/{unit}变为{actual}{change}"
        self.cost.__dict__["_unit_line"] = (self.count, line)
        return line


def _side_of(index: ReviewIndex, row: IndicatorScore, money: str) -> Side:
    """The row's side, read once per review (the form's money unit is the review's)."""
    side = index.sides.get(row.index)
    if side is None or side.row is not row:
        side = index.sides[row.index] = _side(row, money)
    return side


def gap_of(case: JudgeCase) -> Gap:
    money = case.review.form.funds.unit
    index = index_of(case.review)
    row = _side_of(index, case.row, money)
    pair = None if case.pair_row is None else _side_of(index, case.pair_row, money)
    count = cost = None
    if pair is not None:
        cost, count = (row, pair) if case.row.cost else (pair, row)
    unit_planned = unit_actual = None
    if (count and cost and count.a is not None and count.b is not None and cost.a is not None and cost.b is not None
            and count.a > 0):
        unit_planned = cost.a / count.a
        unit_actual = cost.b / count.b if count.b > 0 else None
    return Gap(row, pair, count, cost, unit_planned, unit_actual, index, case.index, money)


# --- arithmetic on figures -----------------------------------------------------------
# A reviewer sets the figures an explanation gives against A − B: one of them is the gap, or
# several parts add up to it, or a count times a per-unit figure makes it, or a whole split
# into parts gives the row's share. These helpers do that arithmetic on plain Decimals.

Reading = tuple[Decimal, Decimal]  # a value in the row's unit, and its rounding tolerance


def near(value: Decimal, truth: Decimal, tolerance: Decimal) -> bool:
    return abs(value - truth) <= tolerance


def parts_make(reads: list[Reading], size: Decimal) -> bool:
    """One figure, or several added together, equals the gap (any selection of the first twelve)."""
    sums: list[Reading] = [(Decimal(0), Decimal(0))]
    for value, tolerance in reads[:12]:
        sums += [(v + value, t + tolerance) for v, t in sums]
    return any(near(v, size, t) for v, t in sums[1:])


def net_parts_make(reads: list[Reading], size: Decimal) -> bool:
    """Some parts less others equal the gap: 少购6台少支出192万元, 升级追加190.4万元, 相抵后少1.6万元."""
    sums: list[tuple[Decimal, Decimal, bool, bool]] = [(Decimal(0), Decimal(0), False, False)]
    for value, tolerance in reads[:8]:  # each part added, subtracted or left out: 3^8 sums at most
        sums += [step for v, t, plus, minus in sums
                 for step in ((v + value, t + tolerance, True, minus), (v - value, t + tolerance, plus, True))]
    return any(plus and minus and near(abs(v), size, t) for v, t, plus, minus in sums)


def product_makes(counts: list[Decimal], rates: list[Reading], size: Decimal) -> bool:
    """A count times a per-unit figure equals the gap: 88部 × 每部25万元 = 2200万元."""
    return any(
        near(count * rate, size, max(tolerance * count, size / 200))
        for count in counts for rate, tolerance in rates if count > 1
    )


def base_moves(counts: list[Decimal], a: Decimal, b: Decimal) -> bool:
    """Two counts stand in the ratio of B to A: the base the target was sized on moved, and the row
    moved with it (250 → 205 名失能老人 beside 3000 → 2460 人次, both 82%)."""
    if not a or not b:
        return False
    share = min(a, b) / max(a, b)
    return any(abs(x / y - share) <= Decimal("0.001") for x in counts for y in counts if 1 < x < y)


def split_wholes(counts: list[Decimal]) -> list[tuple[Decimal, Decimal, Decimal]]:
    """(part, other part, whole) where two counts add up to a third: 170 + 30 = 200 条."""
    found = []
    present = set(counts)
    for i, x in enumerate(counts):
        for z in counts[i + 1:]:
            if x > 0 and z > 0 and x + z in present:
                found.append((x, z, x + z))
    return found


# --- setting figures against the row --------------------------------------------------

def missed(side: Side) -> bool:
    if side.a is None or side.b is None:
        return bool(side.row.late)
    short = {"higher": side.b < side.a, "lower": side.b > side.a, "equal": side.b != side.a}
    return short.get(side.row.direction, False)


_ROW_UNIT = {"％": "%", "个工作日": "工作日"}


@lru_cache(maxsize=4096)
def _tolerance(value: Decimal) -> Decimal:
    """Half a unit of the last printed digit: 480 → 0.5, 67.4 → 0.05."""
    exponent = value.as_tuple().exponent
    return Decimal(5) / Decimal(10) ** (1 - min(exponent, 0))


def _in_row_unit(figure: Figure, unit: str) -> tuple[Decimal, Decimal] | None:
    """The figure and its rounding tolerance in the row's unit; None where the units do not compare."""
    unit = _ROW_UNIT.get(unit, unit)
    if figure.unit == unit or (figure.unit == "pp" and unit == "%"):
        return figure.value, _tolerance(figure.value)
    if figure.unit == "万" and unit in MONEY_SCALE:  # 少花156万 beside a money row
        figure = Figure(figure.value, "万元", figure.approx)
    if figure.money and unit in MONEY_SCALE:
        scale = MONEY_SCALE[figure.unit] / MONEY_SCALE[unit]
        return figure.value * scale, _tolerance(figure.value) * scale
    if figure.unit in _DAYS and unit in _DAYS:  # 两个月 beside a row counted in days
        scale = Decimal(_DAYS[figure.unit][0]) / Decimal(_DAYS[unit][0])
        return figure.value * scale, Decimal(_DAYS[figure.unit][1]) / Decimal(_DAYS[unit][0])
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


def _reads(side: Side, quantities: tuple[Figure, ...], any_count: bool = True) -> list[tuple[Figure, tuple[Decimal, Decimal]]]:
    """The cause's own figures in the row's unit (any counting unit for a count row when any_count),
    with their tolerance; the target and actual said back are left out."""
    counting = (any_count and _ROW_UNIT.get(side.unit, side.unit) in COUNTERS
                and side.row.direction != "qualitative")  # counts read off text rows: only their own unit
    reads = []
    for f in quantities:
        read = _in_row_unit(f, side.unit) if f.unit != "%" else None
        if read is None and counting and f.unit in COUNTERS:
            read = (f.value, _tolerance(f.value))
        if read is not None and not _own_value(side, f, read):
            if f.approx:  # 约…
                read = (read[0], max(read[1], read[0] / 10))
            reads.append((f, read))
            if len(reads) == MAX_PARTS:  # sums and subsets of more are not a reviewer's arithmetic (limits.py)
                break
    return reads


def _accounts_for(side: Side, signals: TextSignals, reads: list) -> bool:
    """The figures make A − B: one of them, parts added up, or a count times a per-unit figure
    (88部 × 每部25万元 = 2200万元; 88部 × 每部16户 = 1408户)."""
    size = abs(side.a - side.b)
    if parts_make([read for _, read in reads], size):
        return True
    if _ran_long(side) and lasts_the_delay([read for f, read in reads if f.unit in _DAYS], int(size)):
        return True  # a time that ran long is a delay: causes lasting at least as long account for it
    if signals.nets and net_parts_make([read for _, read in reads], size):
        return True
    counts = [f.value for f in signals.quantities if f.unit in COUNTERS]
    rates = [read for _, read in _reads(side, signals.per_unit)]
    return (product_makes(counts, rates, size) or base_moves([read[0] for _, read in reads], side.a, side.b)
            or products_make_both(side, signals) or factors_make(side, signals))


def _ran_long(side: Side) -> bool:
    """A row counted in days, weeks or months whose time ran longer than planned (封路施工时长 90 → 200天):
    its gap is a delay, sized as a late date's is."""
    unit = _ROW_UNIT.get(side.unit, side.unit)
    return unit in _DAYS and side.a is not None and side.b is not None and side.b > side.a and side.row.direction == "lower"


def pulled_to_actual(side: Side, signals: TextSignals) -> bool:
    """The text says the cause pulled the row to its actual (拉高全区平均值至1.3次): the whole gap is its doing."""
    if side.b is None:
        return False
    for figure in signals.drives_actual:
        read = _in_row_unit(figure, side.unit)
        if read is None and figure.unit in COUNTERS and _ROW_UNIT.get(side.unit, side.unit) in COUNTERS:
            read = (figure.value, _tolerance(figure.value))
        if read is not None and _close(figure, read, side.b):
            return True
    return False


def part_of_gap(side: Side, signals: TextSignals) -> str | None:
    """Do the figures the text gives for the cause reach the gap?

    Figures in the row's unit (any counting unit for a count row) other than A and B are the
    cause's own: one of them, parts of them added up, or a count times a per-unit figure should
    equal the gap. Says how far short they fall; None when they account for it or there is
    nothing to compare."""
    if side.a is None or side.b is None:
        return None
    reads = _reads(side, signals.quantities)
    if not reads or _accounts_for(side, signals, reads) or pulled_to_actual(side, signals):
        return None
    size = abs(side.a - side.b)
    unit = "个百分点" if _ROW_UNIT.get(side.unit, side.unit) == "%" else side.unit
    said = "、".join(f.text() for f, _ in reads)
    return f"所列{said}仅说明部分偏差（年度指标值与实际完成值相差{num(size)}{unit}）"


def overstated(side: Side, signals: TextSignals) -> str | None:
    """Figures in the row's own unit that add up to more than the gap, with no part of them making
    it: 8+6+7=21个 beside a gap of 18个, 核减1500万元 beside an under-run of 1080万元.
    (Share rows are left out: a complement such as 12% beside 88% is no overstatement.)"""
    if (side.a is None or side.b is None or side.a == side.b or _ROW_UNIT.get(side.unit, side.unit) == "%"
            or signals.nets):  # savings set against extra costs overshoot the net gap by design
        return None
    # a figure above the row's own target and actual is a total or a base, not a part of the gap;
    # one said per unit (单场60万元) is a rate, not a part
    # each figure said per unit is a rate once, however often its value recurs (most texts say none)
    rates: dict[Figure, int] = Counter(signals.per_unit) if signals.per_unit else {}
    size = abs(side.a - side.b)
    own = []
    for f, read in _reads(side, signals.quantities, any_count=False):
        if rates.get(f):
            rates[f] -= 1
        elif 0 < read[0] < max(side.a, side.b) and not (f.level and read[0] > min(side.a, side.b)):
            # a level said between the actual and the target (各乡镇审核上报人数为11200户 beside 11681 → 11196户)
            # is a step on the way, not a part of the gap
            own.append((f, read))
    if not own or _accounts_for(side, signals, _reads(side, signals.quantities)):
        return None
    total = sum(read[0] for _, read in own)
    if total <= size + sum(read[1] for _, read in own):
        return None
    said = "、".join(f.text() for f, _ in own)
    summed = f"合计{num(total)}{side.unit}" if len(own) > 1 else ""
    return (f"所列{said}{summed}，多于年度指标值{num(side.a)}{side.unit}与实际完成值"
            f"{num(side.b)}{side.unit}之差{num(size)}{side.unit}，与数据矛盾")


def split_conflict(side: Side, signals: TextSignals, index: ReviewIndex | None = None, at: int = -1) -> str | None:
    """A whole split into parts (200条中170条已打通、其余30条) gives a share the row must show:
    the actual, its complement or the gap. A share row whose split gives none of them is refuted."""
    if side.a is None or side.b is None or _ROW_UNIT.get(side.unit, side.unit) != "%":
        return None
    fits = (side.b, 100 - side.b, abs(side.a - side.b))
    for unit in dict.fromkeys(f.unit for f in signals.quantities if f.unit in COUNTERS):  # in the order written
        counts = [f.value for f in signals.quantities if f.unit == unit]
        for part, other, whole in split_wholes(counts):
            if (any(whole < base and _fits(whole / base * 100, fits) for base in counts)
                    or (index is not None and any(index.share_of_base(whole, unit, at, fit, _HALF) for fit in fits))):
                continue  # the whole is itself the row's share of a larger base: 350 of 3684 split 312 + 38,
                # or 118 failures of the 4200 samples another row counts
            shares = (part / whole * 100, other / whole * 100)
            if not any(_fits(share, fits) for share in shares):
                return (f"所列{num(whole)}{unit}中{num(part)}{unit}、{num(other)}{unit}，分别占{_share(shares[0])}%、"
                        f"{_share(shares[1])}%，与实际完成值{num(side.b)}%不符，与数据矛盾")
    return None


_HALF = Decimal("0.5")


def _fits(share: Decimal, fits: tuple[Decimal, ...]) -> bool:
    """A share within half a point of one the row shows."""
    return any(abs(share - fit) <= Decimal("0.5") for fit in fits)


def _share(value: Decimal) -> str:
    """85.0 → 85, 82.07 → 82.1."""
    return num(value.quantize(Decimal("0.1")).normalize())


def late_days(case: JudgeCase) -> int | None:
    """How many days the actual date is later than the target date."""
    row = case.row
    if not row.late:
        return None
    try:
        year = case.review.form.year
        return (date(*row.actual.date_key(year)) - date(*row.target.date_key(year))).days
    except (TypeError, ValueError, AttributeError):
        return None


_DAYS = {"天": (1, 1), "周": (7, 3), "个月": (30, 15)}  # days per unit, tolerance
_AT_ONCE = 3  # days: an event this close before the actual date was followed at once (批复后即拨付)


def dated_delay(case: JudgeCase, signals: TextSignals) -> bool:
    """A late date whose holding event the text dates after the target, with durations from that day (or a
    few days) reaching the actual: 8月25日才批复、联调21天 beside 6月30日 → 9月15日."""
    row = case.row
    if not row.late or not signals.days:
        return False
    year = case.review.form.year
    try:
        target, actual = date(*row.target.date_key(year)), date(*row.actual.date_key(year))
    except (TypeError, ValueError, AttributeError):
        return False
    spans = [(f.value * _DAYS[f.unit][0], Decimal(_DAYS[f.unit][1])) for f in signals.quantities if f.unit in _DAYS]
    for y, m, d in signals.days:
        try:
            when = date(y or year, m, d)
        except ValueError:
            continue
        rest = (actual - when).days
        if target < when < actual and (rest <= _AT_ONCE or parts_make(spans, Decimal(rest))):
            return True
    return False


def lasts_the_delay(spans: list[Reading], days: int) -> bool:
    """Causes that together last at least as long as the delay account for it, even when they overlap
    (停工50天 and 35天 beside 72 days late) or one suspension outlasts it (暂停60天 beside 45)."""
    return sum(value + tolerance for value, tolerance in spans) >= days


def moved_to_actual(case: JudgeCase, signals: TextSignals) -> bool:
    """The text says what happened moved the date to the actual one (工期也延长至2024年12月31日 beside a
    completion on 2024年12月31日): the whole delay is its doing, as pulled_to_actual says of a count."""
    row = case.row
    if not row.late or not signals.moved_to:
        return False
    year = case.review.form.year
    try:
        actual = row.actual.date_key(year)
    except (TypeError, ValueError, AttributeError):
        return False
    return any((y or year, m, d) == actual for y, m, d in signals.moved_to)


def late_part(case: JudgeCase, signals: TextSignals) -> str | None:
    """For a late date: do the durations the text gives (停工12天, 推迟74天) make the delay,
    or run from a dated event to the actual date (dated_delay)?"""
    days = late_days(case)
    spans = [(f, (f.value * _DAYS[f.unit][0], Decimal(_DAYS[f.unit][1]))) for f in signals.quantities if f.unit in _DAYS]
    if (days is None or not spans or lasts_the_delay([read for _, read in spans], days) or dated_delay(case, signals)
            or moved_to_actual(case, signals)):
        return None
    said = "、".join(f.text() for f, _ in spans)
    return f"所列{said}仅说明部分延误（实际完成时间晚于目标{days}天）"


def resolve_implied(side: Side, signals: TextSignals) -> TextSignals:
    """A bare number said as the gap ("较计划减少7", "节约420") is in the row's unit."""
    unit = _ROW_UNIT.get(side.unit, side.unit)
    if not any(f.unit == "" for f in signals.quantities):
        return signals
    unit = "pp" if unit == "%" else unit
    found = tuple(f if f.unit else Figure(f.value, unit, f.approx) for f in signals.quantities
                  if f.unit or (unit and side.a is not None))
    return replace(signals, quantities=found)


def known_figures(case: JudgeCase, gap: Gap) -> tuple[Decimal, ...]:
    """The row's own figures: target, actual and gap, as printed and in the form's money unit,
    and the relative change in per cent. Said back, they restate the gap."""
    return gap.row.known  # gap.row is the side of case.row


def _counts_give_share(side: Side, signals: TextSignals) -> bool:
    """Two figures of one kind give what failed, as a share or as the gap: 33.4 of 8,784 hours down beside
    an availability of 99.62% ((8784 − 33.4) ÷ 8784). The actual said back as a fraction (已拨付269.3 of
    280万元 beside 96%) is the row's own measurement and sizes nothing."""
    if side.a is None or side.b is None:
        return False
    shares = (abs(side.a - side.b), 100 - side.b)  # what failed; the actual said back as a fraction sizes nothing
    groups: dict[str, list[Decimal]] = {}
    for f in signals.quantities:
        if f.value > 0 and f.unit not in ("%", "pp", "倍", ""):
            groups.setdefault("count" if f.unit in COUNTERS else f.unit, []).append(f.value)
    return any(
        abs(ratio - share) <= Decimal("0.5")
        for counts in groups.values() for x in counts for y in counts if x < y
        for ratio in (x / y * 100, x / (x + y) * 100) for share in shares
    )


def _sizes_a_count(side: Side, figure: Figure) -> bool:
    """A figure that can size a count row's gap: in the row's own unit, or in any counting unit when the
    row counts in one. A share (限流50%) or a count of something else (航线2条 beside 万人次) is a
    particular of the cause, not the gap's size."""
    unit = _ROW_UNIT.get(side.unit, side.unit)
    if figure.unit in ("%", "pp"):
        return False
    if not unit or figure.unit == unit:
        return True
    if unit in COUNTERS:
        return figure.unit in COUNTERS
    return _in_row_unit(figure, side.unit) is not None


def _said_back(side: Side, figure: Figure) -> bool:
    """The row's own target or actual, said back (购买13台 beside an actual of 13台): it sizes nothing."""
    read = _in_row_unit(figure, side.unit)
    if read is None and figure.unit in COUNTERS:
        read = (figure.value, _tolerance(figure.value))
    return read is not None and _own_value(side, figure, read)


def _own_value(side: Side, figure: Figure, read: tuple[Decimal, Decimal]) -> bool:
    """The figure is the row's target or actual said back. Where the gap is as large as the actual (2 → 1,
    4 → 2) or the target (13 → 26), a figure of that size not said as the actual or the target (实际完成2个,
    共2个, 目标13处) is read as the gap: 2个因用地未落实未能开工 beside 4 → 2个."""
    if not any(v is not None and _close(figure, read, v) for v in (side.a, side.b)):
        return False
    if figure.level or side.a is None or side.b is None or not side.b:
        return True
    return not _close(figure, read, abs(side.a - side.b))  # as large as the gap: 新增13处 beside 13 → 26处


def _printed(side: Side) -> list[Decimal]:
    """The row's target and actual as printed, where each is a number: beside an actual that is no number
    (未验收), the target said back (≥100%) is still the row's own figure, no size of its gap."""
    values = [v for v in (side.a, side.b) if v is not None]
    values += [q.value for q in (side.row.target, side.row.actual) if q.is_number and q.value is not None]
    return values


def _relative_gap(side: Side, figure: Figure) -> bool:
    """A percentage that is the row's relative change: 减少21% beside 15 → 11.8."""
    if side.change is None:
        return False
    return abs(figure.value - abs(side.change) * 100) <= max(_tolerance(figure.value), Decimal(1))


def _share_of_base(side: Side, signals: TextSignals, index: ReviewIndex | None, at: int, money: str = "万元") -> bool:
    """A count or an amount in the text, taken of one printed elsewhere on the form, is what failed:
    21户 of the 5436户 paid beside 准确率 100% → 99.6%; 530万元 unpaid of the 1850万元 budget beside a
    payment rate of 90% → 71.35%."""
    if side.a is None or side.b is None or side.a == side.b or index is None:
        return False
    tolerance = min(_tolerance(side.b), _tolerance(side.a))  # the finer printed precision
    fits = (abs(side.a - side.b), 100 - side.b)  # what failed: the gap or the failures (the actual said back sizes nothing)
    parts = [(f.value, f.unit) for f in signals.quantities if f.unit in COUNTERS and f.value > 0]
    parts += [(f.value * MONEY_SCALE[f.unit] / MONEY_SCALE[money], MONEY) for f in signals.quantities
              if f.money and f.value > 0 and money in MONEY_SCALE]
    return any(index.share_of_base(value, unit, at, fit, tolerance) for value, unit in parts for fit in fits)


def _may_be_what_failed(side: Side, figure: Figure) -> bool:
    """A share can size a rate's shortfall only as the gap or a part of what failed: at most the gap or
    100 − the actual. A larger one (南段已完成总进度60%, 中段70% beside 90% → 65%) is the progress of a
    part of the work, a part of the actual, not of the gap."""
    if side.a is None or side.b is None or side.row.direction != "higher" or side.b >= side.a:
        return True
    return figure.value <= max(abs(side.a - side.b), 100 - side.b) + _tolerance(figure.value)


def factors_make(side: Side, signals: TextSignals) -> bool:
    """Factors that multiply to the row's ratio: 快检点2倍 × 单点检测量约1.15倍 ≈ 2.3 beside 2万 → 4.6万."""
    factors: list[Figure] = []
    for f in signals.quantities:  # a plain loop: most texts give no factor, and this runs per judgement
        if f.unit == "倍" and f.value > 0:
            factors.append(f)
    if len(factors) < 2 or not side.a or side.b is None:
        return False
    ratio = side.b / side.a if side.b >= side.a else side.a / side.b
    products: list[tuple[Decimal, int]] = [(Decimal(1), 0)]
    for f in factors[:8]:
        products += [(p * f.value, n + 1) for p, n in products]
    return any(n >= 2 and abs(p - ratio) <= ratio * Decimal("0.02") for p, n in products)


def names_the_items(side: Side, signals: TextSignals) -> bool:
    """A gap of a few items, each named with what happened to it (城西农贸市场并入…; 南塘农贸市场…征收),
    and no count given: naming them sizes the gap."""
    if side.a is None or side.b is None or side.row.direction == "qualitative" or side.row.cost:
        return False
    size = abs(side.a - side.b)
    if size != size.to_integral_value() or not 1 <= size <= MAX_NAMED:
        return False
    counted = any((f.unit in COUNTERS or f.unit == _ROW_UNIT.get(side.unit, side.unit)) and not _said_back(side, f)
                  for f in signals.quantities)
    return not counted and signals.named_items == size


MAX_NAMED = 5  # beyond a handful, a reviewer wants the count (signals._few reads only such gaps)


def nothing_done(side: Side, signals: TextSignals) -> bool:
    """Nothing was achieved (0 of the target) and the text says why (因项目尚在建设工期内，未到竣工验收环节),
    by a connective or by what held the work once bare categories are struck (两街道迟迟没有达成一致，施工
    单位全年无法进场): the one reason accounts for the whole gap."""
    return side.b == 0 and bool(side.a) and (signals.causal or signals.cause_strength >= CONNECTIVE)


def products_make_both(side: Side, signals: TextSignals) -> bool:
    """A count times a price gives the target and another gives the actual (50座 × 10万元 = 500万元,
    70座 × 10.7万元 = 749万元 ≈ 750.02): both factors of the move are sized."""
    if side.a is None or side.b is None or side.unit not in MONEY_SCALE:
        return False
    counts: list[Decimal] = []
    prices: list[Decimal] = []
    for f in signals.quantities:  # plain loops: no comprehension or generator frames per judgement
        if f.unit in COUNTERS and f.value > 0:
            counts.append(f.value)
        if f.money and (read := _in_row_unit(f, side.unit)) and not _close(f, read, side.a) and not _close(f, read, side.b):
            prices.append(read[0])

    def makes(total: Decimal) -> bool:
        bound = abs(total) / 200  # plain loops, the bound once: this runs for every count and price pair
        for c in counts:
            for p in prices:
                if abs(c * p - total) <= bound:
                    return True
        return False

    return makes(side.a) and makes(side.b)


def without_breakdown(side: Side, signals: TextSignals) -> TextSignals:
    """Figures that add up to the row's actual (or target) describe it, not the gap: 线上620 + 线下380 =
    1000人次. They neither size nor refute the gap, so they are set aside (unless they account for it)."""
    if side.a is None or side.b is None:
        return signals
    reads = _reads(side, signals.quantities)
    if len(reads) < 2 or _accounts_for(side, signals, reads):
        return signals
    for whole in (side.b, side.a):
        parts = _subset_making([read for _, read in reads], whole)
        if parts:
            drop = {id(reads[i][0]) for i in parts}
            return replace(signals, quantities=tuple(f for f in signals.quantities if id(f) not in drop))
    return signals


def _subset_making(reads: list[Reading], whole: Decimal) -> tuple[int, ...]:
    """Indices of two or more readings that add up to `whole`; () when none do."""
    for size in range(2, min(len(reads), 6) + 1):
        for chosen in combinations(range(len(reads)), size):
            total = sum(reads[i][0] for i in chosen)
            if near(total, whole, sum(reads[i][1] for i in chosen)):
                return chosen
    return ()


def size_covered(gap: Gap, signals: TextSignals) -> bool:
    """The text sizes the gap with figures that relate to it: money for a money row, a share
    (other than the target and actual said back) for a percentage row, any count or duration
    otherwise (dates are not sizes), or 'that one company' for a gap of one."""
    side = gap.row
    if side.row.late:  # a delay is sized in days, weeks or months (or dated events: dated_delay)
        return any(f.unit in _DAYS for f in signals.quantities)
    if (factors_make(side, signals) or names_the_items(side, signals) or pulled_to_actual(side, signals)
            or nothing_done(side, signals) or products_make_both(side, signals)):
        return True
    if side.a is None and side.row.direction == "qualitative" and signals.parts_told:
        return True  # 部分达成: which part is done, which is not, and why
    money_row = side.unit in MONEY_SCALE or "元" in (side.row.target.unit or "")
    if money_row:
        for f in signals.quantities:  # plain loops below: no generator frame per judgement
            if ((f.money or f.unit == side.unit) and not _said_back(side, f)) or (f.unit == "%" and _relative_gap(side, f)):
                return True
    elif _ROW_UNIT.get(side.unit, side.unit) == "%":
        said_back = _printed(side)
        # points (个百分点) are a difference, never the target or actual said back: 低45个百分点 beside 90 → 45%
        if any(f.unit in ("%", "pp") and (f.unit == "pp" or all(abs(f.value - v) > _tolerance(f.value) for v in said_back))
               and _may_be_what_failed(side, f) for f in signals.quantities):
            return True
        if _counts_give_share(side, signals) or _share_of_base(side, signals, gap.index, gap.at, gap.money):
            return True
    else:
        for f in signals.quantities:  # a relative change is a share: 12万平方米 is no 11.7% said back
            if (_sizes_a_count(side, f) and not _said_back(side, f)) or (f.unit == "%" and _relative_gap(side, f)):
                return True
    if signals.singular and side.a is not None and side.b is not None and not side.row.cost:
        return abs(side.a - side.b) == 1
    return False


PARTS, WHOLE = "parts", "whole"  # how a covers was sized (confidence.py)


def sized_by_arithmetic(case: JudgeCase, gap: Gap, signals: TextSignals) -> str:
    """How the gap is sized, if not merely by a figure in the right unit (size_covered): PARTS when the
    cause's own figures make it by arithmetic (parts that add up, products, netting, factors, durations
    that make a delay, a dated delay); WHOLE when a reading without such figures takes the whole gap (the
    items named one by one, nothing done and why, the actual the cause pulled the row to, a share of a
    base, 部分达成 parts told); "" otherwise."""
    side = gap.row
    if side.row.late:
        days = late_days(case)
        spans = [(f.value * _DAYS[f.unit][0], Decimal(_DAYS[f.unit][1])) for f in signals.quantities if f.unit in _DAYS]
        if dated_delay(case, signals) or bool(days is not None and spans and lasts_the_delay(spans, days)):
            return PARTS
        return WHOLE if moved_to_actual(case, signals) else ""
    if side.a is None or side.b is None:
        return WHOLE if side.row.direction == "qualitative" and signals.parts_told else ""
    reads = _reads(side, signals.quantities)
    if ((reads and _accounts_for(side, signals, reads)) or factors_make(side, signals)
            or products_make_both(side, signals)):
        return PARTS
    if (pulled_to_actual(side, signals) or names_the_items(side, signals) or nothing_done(side, signals)
            or (_ROW_UNIT.get(side.unit, side.unit) == "%"
                and (_counts_give_share(side, signals) or _share_of_base(side, signals, gap.index, gap.at, gap.money)))):
        return WHOLE
    return ""
