"""The value reader: never crashes, never a silent zero, numbers round-trip."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewer.form.values import Quantity, UnreadableValue, parse_amount, parse_quantity, parse_rate

amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("1e12"), allow_nan=False, allow_infinity=False, places=6)
units = st.sampled_from(["", "个", "家", "人次", "万元", "元", "%", "天", "亩", "元/人·月", "元/户"])
comparators = st.sampled_from(["", "≥", "≧", ">=", "不低于", "不少于", "≤", "≦", "<=", "不超过", "不高于", "=", "＝"])


def printed_with_commas(value: Decimal) -> str:
    whole, _, frac = f"{value:f}".partition(".")
    grouped = f"{int(whole):,}"
    return f"{grouped}.{frac}" if frac else grouped


@given(st.one_of(st.text(), st.integers(), st.floats(), st.decimals(), st.none(), st.booleans()))
def test_quantity_reader_never_crashes(raw) -> None:
    try:
        quantity = parse_quantity(raw)
    except UnreadableValue:
        return  # NaN / infinity as JSON numbers: refused with a message
    assert quantity.kind in ("number", "date", "text")


@given(st.text())
def test_amount_reader_either_reads_or_refuses(raw: str) -> None:
    try:
        value = parse_amount(raw)
    except UnreadableValue as error:
        # unreadable, negative, or beyond the bound a form's figures are held to (10^15)
        assert "无法识别" in str(error) or "负数" in str(error) or "数值过大" in str(error)
        return
    assert value.is_finite()


@given(st.text())
def test_never_a_silent_zero(raw: str) -> None:
    """Text that reads as zero must have a zero in it."""
    try:
        value = parse_amount(raw)
    except UnreadableValue:
        return
    if value == 0:
        assert "0" in unicodedata.normalize("NFKC", raw)
    quantity = parse_quantity(raw)
    if quantity.kind == "number" and quantity.value == 0:
        assert "0" in unicodedata.normalize("NFKC", raw)


@given(amounts, units, comparators)
def test_printed_numbers_round_trip(value: Decimal, unit: str, comparator: str) -> None:
    for printed in (f"{value:f}", printed_with_commas(value)):
        quantity = parse_quantity(f"{comparator}{printed}{unit}")
        assert quantity.kind == "number"
        assert quantity.value == value
        assert quantity.unit == ("%" if unit == "%" else unit)
        assert parse_amount(printed) == value


@given(amounts)
def test_full_width_digits_read_like_ascii(value: Decimal) -> None:
    ascii_text = f"{value:f}"
    full_width = ascii_text.translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
    assert parse_amount(full_width) == value


@given(st.decimals(min_value=Decimal("1.01"), max_value=Decimal("100"), places=2))
def test_rates_in_percent_round_trip(percent: Decimal) -> None:
    assert parse_rate(f"{percent}%").percent == percent
    assert parse_rate(percent).percent == percent


@pytest.mark.parametrize("raw,expected", [
    ("99.57%", Decimal("99.57")), (99.57, Decimal("99.57")), ("0.958", Decimal("95.8")), ("100%", Decimal("100")),
    ("95百分比", Decimal("95")),
])
def test_rate_forms(raw, expected: Decimal) -> None:
    assert parse_rate(raw).percent == expected


@pytest.mark.parametrize("raw,value,unit,comparator", [
    ("5,000.000000", Decimal("5000.000000"), "", None),
    ("4978.562万元", Decimal("4978.562"), "万元", None),
    ("１２个", Decimal("12"), "个", None),
    ("≧735人次", Decimal("735"), "人次", ">="),
    ("不低于95%", Decimal("95"), "%", ">="),
    ("不超过5万元", Decimal("5"), "万元", "<="),
    ("90%以上", Decimal("90"), "%", ">="),
    ("≥100百分比", Decimal("100"), "%", ">="),
    ("30元/人·月", Decimal("30"), "元/人·月", None),
])
def test_printed_numbers(raw: str, value: Decimal, unit: str, comparator) -> None:
    q = parse_quantity(raw)
    assert (q.kind, q.value, q.unit, q.comparator) == ("number", value, unit, comparator)


@pytest.mark.parametrize("raw,year,month,day", [
    ("6月30日前", None, 6, 30), ("已于4月拨付", None, 4, None), ("2021年12月底前", 2021, 12, None),
    ("2021年6月30日前一次性支出100%", 2021, 6, 30), ("2023-09-15", 2023, 9, 15),
    ("10月底前", None, 10, None), ("2021年内", 2021, 12, 31),
])
def test_dates(raw: str, year, month: int, day) -> None:
    q = parse_quantity(raw)
    assert (q.kind, q.year, q.month, q.day) == ("date", year, month, day)


def test_april_is_before_a_june_deadline() -> None:
    target, actual = parse_quantity("6月30日前"), parse_quantity("已于4月拨付")
    assert actual.date_key(2021) <= target.date_key(2021)
    assert parse_quantity("2021年12月底前").date_key(2021) == (2021, 12, 31)


@pytest.mark.parametrize("raw", ["约二十", "引导30家示范区企业开展国际科技合作", "达到管理办法有关要求", "完成", ""])
def test_text_is_qualitative_never_an_error(raw: str) -> None:
    assert parse_quantity(raw).kind == "text"


def test_traditional_characters_read_like_simplified() -> None:
    assert parse_quantity("１２個").unit == "个"
    assert parse_quantity("754萬元").unit == "万元"


@pytest.mark.parametrize("raw", ["十", "约二十", "1,0000", "NaN", "inf", "1e400", "", "--5"])
def test_unreadable_amounts_are_refused(raw: str) -> None:
    with pytest.raises(UnreadableValue):
        parse_amount(raw)


def test_quantity_printed_keeps_precision() -> None:
    assert Quantity(raw="x", kind="number", value=Decimal("410.90"), unit="万元").printed() == "410.90万元"


@pytest.mark.parametrize("raw, shown", [
    ("5000.000000", "5000"), ("410.90", "410.9"), ("0.000", "0"), ("-0.00", "-0"), ("1E+3", "1000"),
    ("1000.0", "1000"), ("0.10", "0.1"), ("-12.500", "-12.5"), ("754", "754"), ("1.20E-7", "0.00000012"),
    ("123456789012345678901234567890.000", "123456789012345678901234567890"), ("0E-8", "0"),
])
def test_amounts_are_written_without_trailing_zeros(raw: str, shown: str) -> None:
    from reviewer.checks.wording import amount
    assert amount(Decimal(raw), "万元") == f"{shown}万元"


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_plain_amounts_read_the_same_as_by_decimal_arithmetic(value: Decimal) -> None:
    # plain_decimal strips zeros from the printed digits: the same as quantizing or normalizing the figure.
    from reviewer.form.values import _plain_by_arithmetic, plain_decimal
    assert plain_decimal(value) == _plain_by_arithmetic(value)


def test_a_full_memo_read_from_several_threads_at_once_answers_every_one() -> None:
    """The workbench reads forms in several threads: a memo forgetting its oldest texts in two of them at
    once failed with KeyError or 'dictionary changed size during iteration' (the reader's request with it)."""
    import sys
    import threading

    from reviewer.form.values import memo_short

    read = memo_short(maxsize=64)(lambda text: text[::-1])
    failures: list[str] = []

    def ask(thread: int) -> None:
        try:
            for n in range(30_000):
                assert read(f"{thread}-{n}") == f"{thread}-{n}"[::-1]
        except Exception as error:  # noqa: BLE001 - the failure is what the test reports
            failures.append(repr(error))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can: the race shows at once
    try:
        threads = [threading.Thread(target=ask, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
