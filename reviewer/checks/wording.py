"""How figures and names are written in messages and comments: 410.9, +8.8%, “指标名”, 第3项, clipped text."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING

from ..form.values import format_decimal, plain_decimal, round_half_up

if TYPE_CHECKING:
    from ..scoring import IndicatorScore

HUNDRED = Decimal(100)
TENTH = Decimal("0.1")
# One unit of the n-th decimal place, for the places messages round to: built once, as building a Decimal
# on each call (a few hundred per form) cost half as much as the rounding itself.
_PLACE_UNITS = tuple(Decimal(1).scaleb(-places) for places in range(9))


def num(value: Decimal, places: int | None = None) -> str:
    """A figure for a message; `places` rounds half-up, else as printed."""
    if places is not None:
        unit = _PLACE_UNITS[places] if 0 <= places < len(_PLACE_UNITS) else Decimal(1).scaleb(-places)
        value = _half_up(value, unit)
    text = str(value)  # format_decimal, inlined: a form's messages and points write some hundreds of figures
    return format(value, "f") if "E" in text else text


def _half_up(value: Decimal, unit: Decimal) -> Decimal:
    """round_half_up(value, unit): the rounding passed by position, which Decimal.quantize parses in half the
    time of its keyword."""
    try:
        return value.quantize(unit, ROUND_HALF_UP)
    except InvalidOperation:
        return round_half_up(value, unit)  # more digits than the context holds: its wider context


def amount(value: Decimal, unit: str = "") -> str:
    """Money (or a count) as a comment writes it: 5000万元, never 5000.000000万元."""
    return f"{plain_decimal(value)}{unit}"


def pct(fraction: Decimal) -> str:
    """+8.8%, -45.5%: a change as a signed percentage with one decimal."""
    value = _half_up(fraction * HUNDRED, TENTH)
    text = str(value)
    if "E" in text:
        text = format(value, "f")
    return f"+{text}%" if value > 0 else f"{text}%"


def share(fraction: Decimal) -> str:
    value = _half_up(fraction * HUNDRED, TENTH)
    text = str(value)
    return f"{format(value, 'f') if 'E' in text else text}%"


def quoted(row: "IndicatorScore") -> str:
    return f"“{row.name}”"


def indices_label(rows: list[int]) -> str:
    return "、".join(f"第{i + 1}项" for i in rows)



def clip(text: object, width: int = 60) -> str:
    """Text on one line, cut to `width` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def bigrams(text: str) -> set[str]:
    """The pairs of adjacent characters in a text: how much two Chinese texts share."""
    return {text[i:i + 2] for i in range(len(text) - 1)}
