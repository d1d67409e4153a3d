"""Read values as they are printed on a form.

Forms print numbers with thousands separators, units, comparators, full-width
digits and Chinese dates. This module turns those strings into `Decimal`
amounts and `Quantity` objects. Amounts (weights, scores, money) must be
numbers; targets and actuals may be text, which is qualitative, never an error.
"""

from __future__ import annotations

import json
import math
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Any, Callable, TypeVar
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from .limits import MAX_CELL_CHARS, MAX_DIGITS, MAX_MAGNITUDE, MIN_MAGNITUDE

TWO_PLACES = Decimal("0.01")

# Regional forms print traditional characters; fold the ones that occur in
# labels, units and dates so one set of patterns reads both.
_TRADITIONAL = str.maketrans(
    "產標數質時滿經濟會態續響務對資預執實際發費項總額當財撥結轉設計進個萬達調無暫門單負責聯電話稱級準據節約點億戶畝週較與於為範類條維護區縣鄉鎮國據構獲獎檢測驗收補貼養殘學農業醫療衛環氣廠場員職參戰價購銷運營義務網絡響應覆蓋數據開關閉庫存儲辦處標準規劃劑報編輯選舉議審總決紀錄簽署證書認護險優惠辦證",
    "产标数质时满经济会态续响务对资预执实际发费项总额当财拨结转设计进个万达调无暂门单负责联电话称级准据节约点亿户亩周较与于为范类条维护区县乡镇国据构获奖检测验收补贴养残学农业医疗卫环气厂场员职参战价购销运营义务网络响应覆盖数据开关闭库存储办处标准规划剂报编辑选举议审总决纪录签署证书认护险优惠办证",
)


def to_simplified(text: str) -> str:
    return text.translate(_TRADITIONAL)


_Result = TypeVar("_Result")
MEMO_CHARS = 1_000  # a longer text (an explanation) is worked out each time: a batch never hoards them
# Entries per memo. The hits are the texts every form repeats (labels, units, stock targets), which stay
# recent; the misses are each form's own figures, which a larger memo only hoards. Measured over 3,000
# bench forms: the same hit rates at 4,096 entries as at 65,536 (86.0% vs 86.1% for _parse_printed,
# 95.4% for squash), and 20 MB less per process (65,536 grew ~6 MB per 1,000 forms to ~60 MB).
SHORT_MEMO = 4096


def memo_short(maxsize: int) -> Callable[[Callable[[str], _Result]], Callable[[str], _Result]]:
    """A memo for the short texts forms repeat (labels, units, targets), passing long texts straight
    through: memoized long texts would keep up to `maxsize` × 1,000,000 characters. The memo is a dict whose
    `__getitem__` is the function: a text seen before is answered in C, with no Python frame (these are
    called ~300 times a form, and a frame and lru_cache's bookkeeping cost ~500 instructions a call)."""
    def decorate(function: Callable[[str], _Result]) -> Callable[[str], _Result]:
        return _Memo(function, maxsize).__getitem__
    return decorate


class _Memo(dict):
    """function(text) for each text asked, kept for the short ones. Full, it forgets the oldest quarter
    (insertion order): the texts every form repeats come straight back. The workbench reads forms in several
    threads at once: every change (forgetting, adding) is made under a lock, since forgetting reads the
    oldest texts first and a text added meanwhile by another thread broke that reading (a collection run
    while it allocates can switch threads); a lookup, a single dict operation, needs none."""

    def __init__(self, function: Callable[[str], Any], maxsize: int) -> None:
        super().__init__()
        self.function = function
        self.maxsize = maxsize
        self.lock = threading.Lock()

    def __missing__(self, text: str) -> Any:
        result = self.function(text)
        if len(text) <= MEMO_CHARS:
            with self.lock:
                if len(self) >= self.maxsize:
                    for old in list(islice(self, self.maxsize // 4 or 1)):
                        del self[old]
                self[text] = result
        return result


# Forms repeat labels, units and boilerplate; these pure readers are memoized.
@memo_short(maxsize=SHORT_MEMO)
def normalize_text(text: str) -> str:
    """NFKC (full-width digits and letters), traditional folded, trimmed."""
    if text.isascii():
        return text.strip()
    if not unicodedata.is_normalized("NFKC", text):
        text = nfkc(text)
    return to_simplified(text).strip()


# The full-width forms of ASCII (！ to ～) and the ideographic space, each with its NFKC mapping: the one
# character (<wide>) NFKC decomposes it to.
_WIDE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), faster for what forms hold. Chinese text with full-width
    punctuation (（）：，％) is what forms print, and unicodedata normalizes it at ~2,000 instructions a
    character (51,000 for a project name of 27). Each full-width character is replaced by its own NFKC
    mapping first, which leaves the text's NFKC unchanged (the compatibility decomposition of the whole
    is the same); when what is left is already NFKC (quick check), it is the answer."""
    folded = text.translate(_WIDE)
    if unicodedata.is_normalized("NFKC", folded):
        return folded
    return unicodedata.normalize("NFKC", text)


_PUNCT_SPACE = re.compile(r"[\s\W_]+", re.UNICODE)


@memo_short(maxsize=SHORT_MEMO)
def squash(text: str) -> str:
    """Text with punctuation and whitespace removed, for equality tests."""
    return _PUNCT_SPACE.sub("", normalize_text(text))


class UnreadableValue(ValueError):
    """A value that cannot be read; the message is for the reviewer."""


class OutOfRange(UnreadableValue):
    """A readable figure beyond the limits (reviewer/form/limits.py): said as it is, never
    rephrased as "unreadable"."""


def as_printed(raw: object) -> str:
    """A value as the file spells it: null, true, "十" — never Python's None / True."""
    if raw is None or isinstance(raw, bool):
        return json.dumps(raw)
    if isinstance(raw, Decimal) and "E" in str(raw):
        return str(raw).replace("E+", "e").lower()
    text = str(raw)
    return text if len(text) <= 40 else f"{text[:20]}…（共{len(text)}个字符）"


def unreadable(raw: object) -> UnreadableValue:
    return UnreadableValue(f'无法识别的数值 "{as_printed(raw)}"')


_NUMBER = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+"
_AMOUNT = re.compile(rf"^\s*({_NUMBER})\s*(万元|元|千元|亿元|分)?\s*$")


def check_finite(value: Decimal, raw: object) -> Decimal:
    """`value` when it is a figure a form may hold; else why not (limits.py)."""
    # Decimal keeps 1e400 exactly; it is still no amount a form can hold
    # (beyond what a float holds, like JSON readers elsewhere).
    if not value.is_finite() or (value and value.adjusted() > 307):
        raise unreadable(raw)
    if value and not MIN_MAGNITUDE <= abs(value) < MAX_MAGNITUDE:
        raise out_of_range(raw, value)
    return value


def out_of_range(raw: object, value: Decimal) -> OutOfRange:
    if abs(value) >= MAX_MAGNITUDE:
        return OutOfRange(f'数值过大 "{as_printed(raw)}"（绝对值须小于 10^15）')
    return OutOfRange(f'数值过小 "{as_printed(raw)}"（不为零时，绝对值须不小于 10^-8）')


_LONG_DIGITS = re.compile(rf"\d{{{MAX_DIGITS + 1},}}")
# The shortest printed figure outside the magnitudes: ".000000001" (10^15 takes 16 digits).
SHORTEST_BEYOND = len(".000000001")


def printed_problem(text: str) -> str | None:
    """Why a target or actual as printed is beyond the limits, or None: a text longer than a cell
    holds, a run of digits longer than any figure a form prints, a number outside the magnitudes.
    Memoized like the reading of the value itself (scoring reads it again, for free)."""
    if len(text) < SHORTEST_BEYOND:  # "≥90%", "37个": most cells, and no figure beyond the limits
        return None
    # lru_cache's own C wrapper, not memo_short's: this runs for every target and actual read.
    return _short_problem(text) if len(text) <= MEMO_CHARS else _problem(text)


def _problem(text: str) -> str | None:
    if len(text) > MAX_DIGITS:  # a shorter text holds no such run: most targets skip the search
        if len(text) > MAX_CELL_CHARS:
            return too_long(len(text))
        digits = _LONG_DIGITS.search(text)
        if digits:
            return f"含有 {len(digits.group())} 位的数字串，超过 {MAX_DIGITS} 位，不是表上可能出现的数值"
    value = _parse_printed(text).value
    if value and not MIN_MAGNITUDE <= abs(value) < MAX_MAGNITUDE:
        return str(out_of_range(text, value))
    return None


_short_problem = lru_cache(maxsize=SHORT_MEMO)(_problem)


def too_long(length: int) -> str:
    return f"文字过长（{length:,} 个字符，上限 {MAX_CELL_CHARS:,} 个）"


def parse_amount(raw: object, *, allow_negative: bool = False) -> Decimal:
    """A weight, score or money amount: a JSON number or a printed number."""
    kind = type(raw)
    if kind is Decimal or kind is int:
        value = raw if kind is Decimal else Decimal(raw)
        check_finite(value, raw)
        if value < 0 and not allow_negative:
            raise UnreadableValue(f'不能为负数 "{raw}"')
        return value
    if isinstance(raw, bool) or raw is None:
        raise unreadable(raw)
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        if not math.isfinite(raw):
            raise unreadable(raw)
        value = Decimal(repr(raw))
    elif isinstance(raw, str):
        value = _read_amount(raw)
    else:
        raise unreadable(raw)
    check_finite(value, raw)
    if value < 0 and not allow_negative:
        raise UnreadableValue(f'不能为负数 "{raw}"')
    return value


@memo_short(maxsize=SHORT_MEMO)
def _read_amount(text: str) -> Decimal:
    """An amount printed as text ("5,000.000000"): forms repeat them, so short ones are memoized."""
    match = _AMOUNT.match(normalize_text(text))
    if not match:
        raise unreadable(text)
    return Decimal(match.group(1).replace(",", ""))



def round_half_up(value: Decimal, places: Decimal = TWO_PLACES) -> Decimal:
    try:
        # The rounding passed by position: Decimal.quantize parses it in half the time of the keyword.
        return value.quantize(places, ROUND_HALF_UP)
    except InvalidOperation:
        # More digits than the default 28 (a ratio of two extreme figures): round with as many as it takes.
        return value.quantize(places, rounding=ROUND_HALF_UP, context=_wide(value, places))


def _wide(value: Decimal, places: Decimal) -> Context:
    """A context holding every digit of `value` down to `places`."""
    return Context(prec=max(28, value.adjusted() - int(places.as_tuple().exponent) + 2))


def last_digit_unit(value: Decimal) -> Decimal:
    """One unit of the last printed digit: 99.57 -> 0.01, 99 -> 1."""
    exponent = value.as_tuple().exponent
    return Decimal(1).scaleb(min(int(exponent), 0))


@dataclass(frozen=True, slots=True)
class Rate:
    """An execution rate in percent, with the precision it was printed at."""

    percent: Decimal

    @property
    def unit(self) -> Decimal:
        return last_digit_unit(self.percent)


_RATE = re.compile(rf"^\s*({_NUMBER})\s*(%|百分比)?\s*$")


def parse_rate(raw: object) -> Rate | None:
    """`"99.57%"`, `99.57` (percent) or `"0.958"` (a bare number <= 1 is a fraction)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise unreadable(raw)
    percent_sign = False
    if isinstance(raw, str):
        match = _RATE.match(normalize_text(raw))
        if not match:
            raise unreadable(raw)
        value = Decimal(match.group(1).replace(",", ""))
        percent_sign = bool(match.group(2))
    else:
        value = parse_amount(raw)
    check_finite(value, raw)
    if value < 0:
        raise UnreadableValue(f'不能为负数 "{raw}"')
    if not percent_sign and value <= 1:
        value = value.scaleb(2)
    return Rate(value)


# --- targets and actuals -------------------------------------------------

HIGHER, LOWER, EQUAL = ">=", "<=", "="
_PREFIX_COMPARATORS = [
    (">=", HIGHER), ("≥", HIGHER), ("≧", HIGHER), ("不低于", HIGHER), ("不少于", HIGHER),
    ("大于等于", HIGHER), ("高于", HIGHER), ("大于", HIGHER), ("超过", HIGHER), (">", HIGHER),
    ("<=", LOWER), ("≤", LOWER), ("≦", LOWER), ("不超过", LOWER), ("不高于", LOWER),
    ("不多于", LOWER), ("小于等于", LOWER), ("低于", LOWER), ("小于", LOWER), ("控制在", LOWER),
    ("<", LOWER), ("=", EQUAL), ("﹦", EQUAL), ("═", EQUAL), ("等于", EQUAL),
]
_SUFFIX_COMPARATORS = [
    ("及以上", HIGHER), ("以上", HIGHER), ("及以下", LOWER), ("以下", LOWER), ("以内", LOWER),
]
# A unit is short and has no clause punctuation or digits; this is what tells
# "12个" (a count) from "引导30家企业..." (qualitative text).
_UNIT = r"[^\d\s,，。；;：:、()（）]{0,8}"
_QUANTITY = re.compile(rf"^({_NUMBER})\s*({_UNIT})$")
_UNIT_ALIASES = {"百分比": "%", "％": "%", "个百分点": "%"}
MONEY_SCALE = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000), "亿元": Decimal(100000000)}

_DATE = re.compile(
    r"(?:(?P<year>\d{4})年)?(?:(?P<month>\d{1,2})月)(?:(?P<day>\d{1,2})日|(?P<end>底|末|中旬|上旬|下旬|初))?"
    r"|(?P<y2>\d{4})[-/.](?P<m2>\d{1,2})(?:[-/.](?P<d2>\d{1,2}))?"
    r"|(?P<y3>\d{4})年(?P<end3>底|末|内|年底|年内)"
)
_DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


@dataclass(frozen=True, slots=True)
class Quantity:
    """A target or actual as printed, read into what can be compared.

    kind is "number" (value and unit), "date" (year or None, month, day) or
    "text" (qualitative, or blank when text is empty).
    """

    raw: str
    kind: str
    value: Decimal | None = None
    unit: str = ""
    comparator: str | None = None
    year: int | None = None
    month: int | None = None
    day: int | None = None
    # Worked out once (__post_init__), not properties: read ~330 times a form, a call each, and most
    # quantities are the memo's (_parse_printed), built once for many forms.
    is_number: bool = field(init=False, repr=False, compare=False)
    is_blank: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        kind = self.kind
        object.__setattr__(self, "is_number", kind == "number")
        object.__setattr__(self, "is_blank", kind == "text" and not self.raw.strip())

    def date_key(self, default_year: int) -> tuple[int, int, int]:
        day = self.day or _DAYS_IN_MONTH[(self.month or 12) - 1]
        return (self.year or default_year, self.month or 12, day)

    def printed(self) -> str:
        """The value with its unit, for messages: 410.9万元, 95%."""
        if self.kind != "number" or self.value is None:
            return self.raw
        return f"{format_decimal(self.value)}{self.unit}"


def format_decimal(value: Decimal) -> str:
    """A Decimal as printed, without exponent notation: 1E+2 -> 100."""
    text = str(value)  # four times faster than format(value, "f"), right unless it chose an exponent
    return format(value, "f") if "E" in text else text


_ONE = Decimal(1)


def plain_decimal(value: Decimal) -> str:
    """An amount without trailing zeros: 5000.000000 -> 5000, 410.90 -> 410.9 (never 5E+3)."""
    text = str(value)
    if len(text) <= _PLAIN_CHARS and "E" not in text and text[-1].isdigit():  # (NaN and Infinity end in letters)
        # The digits as printed, less the zeros after the point: what the Decimal arithmetic below gives for a
        # figure str() writes without an exponent and with no more digits than the context's precision
        # (normalize() rounds to it), in a third of its instructions (~40 amounts a form).
        return text.rstrip("0").rstrip(".") if "." in text else text
    return _plain_by_arithmetic(value)


_PLAIN_CHARS = 28  # the default context's precision: a text this long holds no more digits


def _plain_by_arithmetic(value: Decimal) -> str:
    """plain_decimal's answer, worked out with Decimal: integral values quantized to exponent 0, others
    normalized."""
    if value == value.to_integral_value():
        try:
            # Exponent 0: str() never writes it with an exponent.
            return str(value.quantize(_ONE, ROUND_HALF_UP))  # by position, as in round_half_up
        except InvalidOperation:
            return format_decimal(round_half_up(value, _ONE))
    return format_decimal(value.normalize())


_PREFIX_TOKENS = dict(_PREFIX_COMPARATORS)
_SUFFIX_TOKENS = dict(_SUFFIX_COMPARATORS)
# Longest token first, so "不低于" is not read as "不" and ">=" not as ">".
_PREFIX_RE = re.compile("|".join(re.escape(t) for t in sorted(_PREFIX_TOKENS, key=len, reverse=True)))
_SUFFIX_RE = re.compile("(?:" + "|".join(re.escape(t) for t in sorted(_SUFFIX_TOKENS, key=len, reverse=True)) + ")$")


def _strip_comparator(text: str) -> tuple[str | None, str]:
    match = _PREFIX_RE.match(text)
    if match:
        return _PREFIX_TOKENS[match.group()], text[match.end():].lstrip()
    match = _SUFFIX_RE.search(text)
    if match:
        return _SUFFIX_TOKENS[match.group()], text[: match.start()].rstrip()
    return None, text


def _as_date(text: str) -> Quantity | None:
    match = _DATE.search(text)
    if not match:
        return None
    groups = match.groupdict()
    if groups["y3"]:
        year, month, day = int(groups["y3"]), 12, 31
    elif groups["y2"]:
        year, month = int(groups["y2"]), int(groups["m2"])
        day = int(groups["d2"]) if groups["d2"] else None
    else:
        year = int(groups["year"]) if groups["year"] else None
        month = int(groups["month"])
        day = int(groups["day"]) if groups["day"] else None
        end = groups["end"]
        if end in ("上旬", "初"):
            day = 10
        elif end == "中旬":
            day = 20
    if not 1 <= month <= 12 or (day is not None and not 1 <= day <= _DAYS_IN_MONTH[month - 1]):
        return None
    return Quantity(raw=text, kind="date", year=year, month=month, day=day)


def parse_quantity(raw: object) -> Quantity:
    """A target or actual: a number with unit and comparator, a date, or text."""
    if type(raw) is str:  # most cells (44 per form): straight to the memo
        return _parse_printed(raw)
    if raw is None:
        return Quantity(raw="", kind="text")
    if isinstance(raw, bool):
        return Quantity(raw=str(raw), kind="text")
    if isinstance(raw, (int, float, Decimal)):
        value = parse_amount(raw, allow_negative=True)
        return Quantity(raw=format_decimal(value), kind="number", value=value)
    return _parse_printed(str(raw))


@memo_short(maxsize=SHORT_MEMO)
def _parse_printed(text: str) -> Quantity:
    norm = normalize_text(text)
    if not norm:
        return Quantity(raw=text, kind="text")
    comparator, rest = _strip_comparator(norm)
    match = _QUANTITY.match(rest)
    if match and _is_date_unit(match.group(1), match.group(2)):
        match = None  # "10月底前", "2021年内": a date, not ten of something
    if match:
        value = Decimal(match.group(1).replace(",", ""))
        if value.is_finite() and (not value or value.adjusted() <= 307):
            unit = match.group(2).strip()
            unit = _UNIT_ALIASES.get(unit, unit)
            return Quantity(raw=text, kind="number", value=value, unit=unit, comparator=comparator)
    date = _as_date(norm)
    if date is not None and _looks_like_date_value(norm):
        return Quantity(
            raw=text, kind="date", year=date.year, month=date.month, day=date.day, comparator=comparator
        )
    return Quantity(raw=text, kind="text", comparator=comparator)



def _is_date_unit(number: str, unit: str) -> bool:
    if unit.startswith(("月", "日", "号")):
        return True
    return unit.startswith("年") and number.isdigit() and 1900 <= int(number) <= 2100


# A date value is short and about time: "6月30日前", "已于4月拨付",
# "2021年12月底前", "2021年6月30日前一次性支出100%". Long prose that merely
# mentions a month stays qualitative.
def _looks_like_date_value(text: str) -> bool:
    return len(text) <= 30


def convert_units(amount: Quantity, to_unit: str) -> Decimal | None:
    """amount.value expressed in to_unit, when the units are interchangeable."""
    if amount.value is None:
        return None
    if amount.unit == to_unit or not amount.unit or not to_unit:
        return amount.value
    if amount.unit in MONEY_SCALE and to_unit in MONEY_SCALE:
        return amount.value * MONEY_SCALE[amount.unit] / MONEY_SCALE[to_unit]
    return None


class _CharWidths(dict):
    """Each character's width, looked up once: tables and workbooks measure every cell's text."""

    def __missing__(self, ch: str) -> int:
        width = self[ch] = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        return width


_CHAR_WIDTH = _CharWidths()


def display_columns(text: str) -> int:
    """Columns a line of text takes in a terminal or a spreadsheet: wide and full-width characters count 2."""
    if text.isascii():
        return len(text)
    return sum(map(_CHAR_WIDTH.__getitem__, text))
