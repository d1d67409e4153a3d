"""A reviewed form: read, scored and checked; the judge adds its verdicts to it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson

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
        "judge": review.judge or dict(_NO_JUDGE),
    }


# A review's "judge" when the judge stage did not run (review_json, result_bytes).
_NO_JUDGE: dict[str, Any] = {"backend": None, "model": None, "calls": 0, "cached": 0, "fallbacks": 0,
                             "prompt_tokens": 0, "completion_tokens": 0}


# --- the JSON line as a batch's worker writes it -----------------------------------------------------

_dumps = orjson.dumps
_NON_FINITE = {"inf": "Infinity", "-inf": "-Infinity", "nan": "NaN"}  # float repr -> what json.dumps writes


def result_bytes(review: Review) -> bytes:
    """json_safe(json_text(review_json(review))) after its '{"file": ..., ' (what a batch prints after the file's
    path and stores for a re-review), UTF-8 encoded: the same bytes, written from orjson's encodings of the strings
    (UTF-8 already, and cached in each str by the first: the critique texts' body encodes the findings' messages
    and comments before), where the standard library's encoder built a ~18,000-character text that was then
    scanned for what a terminal acts on and encoded again. Any value of another type than the line's, or a text
    isprintable() refuses, takes the standard library's way."""
    try:
        encoded = _result_pieces(review)
    except (TypeError, orjson.JSONEncodeError):  # a lone surrogate, an integer beyond 64 bits
        encoded = None
    if encoded is not None:
        return encoded
    line = json_text(review_json(review))
    return json_safe(line[len(f'{{"file": {json_text(review.file)}, '):]).encode()


def _number_bytes(value: Any) -> bytes:
    """number()'s int, float or None as json_text writes it (float's repr; Infinity, NaN), UTF-8."""
    kind = type(value)
    if kind is float:
        text = float.__repr__(value)
        return _NON_FINITE.get(text, text).encode()
    if kind is int:
        return b"%d" % value
    if value is None:
        return b"null"
    raise TypeError(kind)


# Figures a batch's lines repeat (scores, confidences), as _number_bytes writes them: number(d) and float(d) of a
# Decimal by its text (which says its value and exponent, all either reads), a float by its value (not 0.0: -0.0 is
# equal to it).
_FIGURES: dict[str, bytes] = {}
_FLOATS: dict[str, bytes] = {}
_CONFIDENCES: dict[float, bytes] = {}
_MAX_FIGURES = 4096


def _figure(value: Any) -> bytes:
    """_number_bytes(number(value)), remembered for a Decimal."""
    return _decimal_bytes(value, number, _FIGURES)


def _float_figure(value: Any) -> bytes:
    """_number_bytes(float(value)), remembered for a Decimal."""
    return _decimal_bytes(value, float, _FLOATS)


def _decimal_bytes(value: Any, convert: Any, memo: dict[str, bytes]) -> bytes:
    if type(value) is not Decimal:
        return _number_bytes(convert(value))
    key = str(value)
    encoded = memo.get(key)
    if encoded is None:
        encoded = _number_bytes(convert(value))
        if len(memo) < _MAX_FIGURES:
            memo[key] = encoded
    return encoded


def _confidence(value: Any) -> bytes:
    """_number_bytes(value), remembered for a float."""
    encoded = _CONFIDENCES.get(value) if type(value) is float else None
    if encoded is None:
        encoded = _number_bytes(value)
        if type(value) is float and value and len(_CONFIDENCES) < _MAX_FIGURES:
            _CONFIDENCES[value] = encoded
    return encoded


def _text_bytes(value: Any) -> bytes:
    """A str (or None) as json_text writes it, UTF-8; TypeError for another type, ValueError for a text json_safe
    would change (or may: isprintable() refuses every character it escapes)."""
    if type(value) is str:
        if not value.isprintable():
            raise ValueError
        return _dumps(value)
    if value is None:
        return b"null"
    raise TypeError(type(value))


# The words a line repeats (codes, severities, sources, verdicts, tags, directions) as _text_bytes writes them: a
# line has ~300 strings, most of them these. Exact str keys only, and few (memory stays flat whatever the texts).
_WORDS: dict[Any, bytes] = {None: b"null"}
_MAX_WORDS = 512


def _word(value: Any) -> bytes:
    encoded = _WORDS.get(value)
    if encoded is None:
        encoded = _text_bytes(value)
        if type(value) is str and len(_WORDS) < _MAX_WORDS:
            _WORDS[value] = encoded
    return encoded


def _result_pieces(review: Review) -> bytes | None:
    """result_bytes' pieces joined; None where the standard library's way is needed. One loop over the rows and
    one over the findings, each value written where it is read: a function call a value cost more than its writing."""
    card, form, words, dumps = review.card, review.form, _WORDS, _dumps
    try:
        rows = []
        for row in card.indicators:
            index, name, recomputed = row.index, row.name, row.recomputed
            if type(index) is not int or type(name) is not str or not name.isprintable():
                return None
            rows.append(b'{"index": %d, "name": %b, "direction": %b, "claimed": %b, "recomputed": %b}' % (
                index, dumps(name), words.get(row.direction) or _word(row.direction),
                _figure(row.claimed), b"null" if recomputed is None else _float_figure(recomputed)))
        findings = []
        for finding in review.findings:
            finding_id, message, comment, source = finding.id, finding.message, finding.comment, finding.source
            indicators = finding.indicators
            if (type(finding_id) is not str or type(message) is not str or type(comment) is not str
                    or not (message.isprintable() and comment.isprintable() and finding_id.isprintable())):
                return None
            tail = b""
            if source != "rules":
                tags = finding.tags
                tail = b', "tags": %b' % (_TAG_LISTS.get(tags) or _tag_list(tags))
                if finding.code == "EXPLANATION_VERDICT":
                    tail += b', "confidence": %b' % _confidence(finding.confidence)
            elif finding.code == "EXPLANATION_VERDICT":
                tail = b', "confidence": %b' % _confidence(finding.confidence)
            findings.append(b'{"id": %b, "code": %b, "severity": %b, "indicators": %b, "source": %b, "message": %b, '
                            b'"verdict": %b, "comment": %b%b}' % (
                dumps(finding_id), words.get(finding.code) or _word(finding.code),
                words.get(finding.severity) or _word(finding.severity), _int_list(indicators),
                words.get(source) or _word(source), dumps(message),
                words.get(finding.verdict) or _word(finding.verdict), dumps(comment), tail))
        judge = json_text(review.judge or _NO_JUDGE)
        form_id, name = review.form_id, form.name
        if (not judge.isprintable() or type(form_id) is not str or type(name) is not str or not form_id.isprintable()
                or not name.isprintable()):
            return None
        return b'"form_id": %b, "name": %b, "year": %b, "claimed_total": %b, "recomputed_total": %b, ' \
               b'"indicators": [%b], "findings": [%b], "judge": %b}' % (
                   dumps(form_id), dumps(name), _number_bytes(form.year), _number_bytes(number(card.claimed_total)),
                   _number_bytes(float(card.recomputed_total)), b", ".join(rows), b", ".join(findings), judge.encode())
    except ValueError:  # a word isprintable() refuses (_text_bytes)
        return None


# A verdict's tags as a line writes them, by the tuple of exact strs (a few dozen combinations of the judge's tags).
_TAG_LISTS: dict[tuple[str, ...], bytes] = {}


def _tag_list(tags: Any) -> bytes:
    encoded = b"[%b]" % b", ".join([_WORDS.get(tag) or _word(tag) for tag in tags])
    if type(tags) is tuple and all(type(tag) is str for tag in tags) and len(_TAG_LISTS) < _MAX_WORDS:
        _TAG_LISTS[tags] = encoded
    return encoded


def _int_list(items: tuple[int, ...]) -> bytes:
    """A finding's indicator numbers as json_text writes the list, UTF-8."""
    count = len(items)
    if count == 1 and type(items) is tuple and type(items[0]) is int:  # most findings: one row, or a pair
        return b"[%d]" % items
    if count == 2 and type(items) is tuple and type(items[0]) is int and type(items[1]) is int:
        return b"[%d, %d]" % items
    if type(items) is not tuple:
        raise TypeError(type(items))
    for item in items:
        if type(item) is not int:
            raise TypeError(type(item))
    return b"[" + b", ".join([b"%d" % item for item in items]) + b"]"
