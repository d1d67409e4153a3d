"""A reviewed form: read, scored and checked; the judge adds its verdicts to it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .checks.catalogue import Finding, assign_ids, sort_findings
from .form import Form
from .scoring import Scorecard


@dataclass
class Review:
    file: str
    form: Form
    card: Scorecard
    findings: list[Finding]
    # Filled by the judge stage: backend, model, calls, cached, fallbacks, tokens.
    judge: dict[str, Any] = field(default_factory=dict)

    @property
    def form_id(self) -> str:
        return self.card.form_id

    def add_findings(self, new: list[Finding]) -> None:
        assign_ids(new, self.card.form_id)
        self.findings = sort_findings(self.findings + new)

    def counts(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts


# One encoder for the JSON Lines output: json.dumps(..., ensure_ascii=False) builds a new one per call.
json_text = json.JSONEncoder(ensure_ascii=False).encode

# The characters a terminal acts on: C0 but \t and \n; DEL and C1; ALM, LRM/RLM, LRE/RLE/PDF/LRO/RLO,
# LRI/RLI/FSI/PDI. Here, not in cli/terminal.py, so a batch's worker escapes the JSON lines it builds.
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
UNSAFE = re.compile(f"[{_UNSAFE}]")


def json_safe(text: str) -> str:
    """A piece of JSON from json.dumps (C0 escaped there) with the other characters a terminal acts on
    escaped too: the data stay whole and the terminal safe."""
    # Every character UNSAFE matches is a control or format character (Cc, Cf), which isprintable() refuses:
    # a printable text (a batch's lines, nearly always) has none, and the check takes ~60% of the search.
    if text.isprintable():
        return text
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def number(value: Decimal | int | None) -> Any:
    """A JSON number as printed: 2 stays 2, 1.83 stays 1.83."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    # An integer printed without decimals: same value and same exponent as its integral part. (as_tuple()
    # would say the exponent too, but builds the tuple of digits: three times the cost.)
    integral = value.to_integral_value()
    if value == integral and value.same_quantum(integral):
        return int(value)
    return float(value)


def review_json(review: Review) -> dict[str, Any]:
    card = review.card
    return {
        "file": review.file,
        "form_id": review.form_id,
        "name": review.form.name,
        "year": review.form.year,
        "claimed_total": number(card.claimed_total),
        "recomputed_total": float(card.recomputed_total),
        "indicators": [
            {
                "index": row.index,
                "name": row.name,
                "direction": row.direction,
                "claimed": number(row.claimed),
                "recomputed": None if row.recomputed is None else float(row.recomputed),
            }
            for row in card.indicators
        ],
        "findings": [finding.to_json() for finding in review.findings],
        "judge": review.judge or {
            "backend": None, "model": None, "calls": 0, "cached": 0, "fallbacks": 0,
            "prompt_tokens": 0, "completion_tokens": 0,
        },
    }


