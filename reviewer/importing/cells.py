"""Cell text as it comes out of a PDF or a sheet: wrapped lines, stray spaces, labels."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import ReviewerError
from ..form.values import memo_short, to_simplified

TITLE = "绩效自评表"
YEAR = re.compile(r"[（(]\s*(\d{4})\s*年度?\s*[)）]")

LEVEL1 = ("产出指标", "效益指标", "满意度指标", "成本指标")
LEVEL2 = (
    "数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标",
    "生态效益指标", "可持续影响指标", "服务对象满意度指标", "满意度指标",
    "经济成本指标", "社会成本指标", "生态环境成本指标",
)
LABELS = frozenset(LEVEL1 + LEVEL2)
ONLY_LEVEL1 = frozenset(LEVEL1) - frozenset(LEVEL2)

# Sichuan prints the comparator in its own 指标性质 column.
NATURE = {"≥": "higher", "≧": "higher", ">=": "higher", ">": "higher", "正向": "higher",
          "≤": "lower", "≦": "lower", "<=": "lower", "<": "lower", "反向": "lower",
          "=": "equal", "＝": "equal", "定性": "qualitative"}


def fold(text: str) -> str:
    """Text for matching labels: traditional folded, no whitespace. Char-for-char otherwise."""
    return "".join(to_simplified(unicodedata.normalize("NFKC", text)).split())


@memo_short(maxsize=65536)
def width(line: str) -> int:
    """Printed width of a line in half-width units; spaces are PDF artefacts and do not count.
    Memoized: the layout reader weighs each line against many candidate cells."""
    return sum(1 if unicodedata.east_asian_width(ch) in "NaH" else 2 for ch in line if not ch.isspace())


_SPACE_NEAR_WIDE = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")


def clean(text: str | None) -> str:
    """One cell's text: wrapped lines joined, spacing next to Chinese characters dropped."""
    if text is None:
        return ""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    joined = ""
    for line in lines:
        # Chinese wraps anywhere; only two English words need the space back.
        if joined and joined[-1].isascii() and joined[-1].isalpha() and line[0].isascii() and line[0].isalpha():
            joined += " "
        joined += line
    return _SPACE_NEAR_WIDE.sub("", joined).strip()


def blank(text: str | None) -> bool:
    return text is None or clean(text) in ("", "-", "—", "－", "/", "／")


def as_number(text: Any) -> Any:
    """A weight or score as a JSON number when it is a plain number; else the printed text."""
    if isinstance(text, (int, float)):
        return text
    raw = clean(text)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return raw
    if not value.is_finite():
        return raw
    return int(value) if value == value.to_integral_value() and "." not in raw else float(raw)


def score_cell(text: Any) -> Any:
    """A 得分 or 总分 cell: a number as as_number reads it; blank or a dash is None (form-format 1.1)."""
    return None if text is None or (isinstance(text, str) and blank(text)) else as_number(text)


def printed(text: str | None) -> str | None:
    """An amount cell as printed; blank or a dash is None."""
    return None if blank(text) else clean(text)


def level_label(text: str) -> str | None:
    """The canonical 一级/二级 label a cell holds, if any."""
    key = fold(text)
    return key if key in LABELS else None


@dataclass
class Extracted:
    """One form read from a document, before reconciliation."""

    data: dict[str, Any]
    method: str
    source: str
    rows_seen: int = 0            # indicator rows the parser saw on the page
    total_weight: Any = None      # 分值 printed on the 总分 row
    doubts: list[str] = field(default_factory=list)   # places where the layout was ambiguous
    converted_from: str | None = None  # ".doc" when LibreOffice converted the file first


class NotAForm(ReviewerError):
    """A document (or part of one) that holds no readable form; the message is for the reviewer."""

    def __init__(self, file: str, message: str):
        super().__init__(f"{file}: {message}")
        # .message is the reason alone; str() names the file too.
        self.file, self.message = file, message
