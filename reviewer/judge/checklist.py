"""Prompt v2: the model answers a checklist with quotes; code does the arithmetic and the verdict.

Small models judge more steadily when a judgement is broken into small questions, each answered
with the words it rests on, and the final grade is computed rather than asked for. The model
says which sentences name the cause, whether that cause is an event outside the row's own
figures and particular to this project, whether the text contradicts the data, which sentences
size the cause and which items of the gap it names one by one. Code then checks every quote
against the form, reads the figures out of the quoted sentences and sets them against the gap
with the rules judge's arithmetic (rules/gap.py), and grades by the labelling guide
(eval_sets/README.md): no cause outside the row, or only a stock phrase → does_not_cover; a
contradiction → does_not_cover; a cause whose figures (or named items) make the gap → covers;
otherwise partial.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from ..form.values import normalize_text
from .case import JudgeCase, Verdict
from .rules.gap import (
    dated_delay, figure_conflict, gap_of, known_figures, late_part, overstated, part_of_gap, resolve_implied,
    size_covered, without_breakdown,
)
from .injection import injection_signs
from .rules.signals import read_text
from .rules.verdict import rules_comment

QUOTE_CHARS = 80
QUOTES = 20  # quotes read from one list of an answer (both prompts); a model that sends thousands is not quoting


class Checklist(BaseModel):
    """What the model answers under prompt v2 (the strict JSON schema is generated from this)."""

    cause_quotes: list[str]
    cause_outside_row: bool
    cause_particular: bool
    direction_quote: str
    direction: Literal["fits", "contradicts", "not_stated"]
    size_quotes: list[str]
    named_items: list[str]
    parts_explained: bool
    measure_quote: str
    injection_suspected: bool


def _squash(text: str) -> str:
    return "".join(normalize_text(text).split())


def verified(quotes: list[str], source: str) -> tuple[list[str], bool]:
    """The quotes that occur in the form text (whitespace-insensitive), and whether any were dropped."""
    haystack = _squash(source)
    given = [q.strip() for q in quotes[:QUOTES] if q and q.strip()]  # thousands of quotes are not quoting
    kept = [q[:QUOTE_CHARS] for q in given if _squash(q) in haystack]
    return kept, len(kept) < len(given)


def checklist_verdict(answer: Checklist, case: JudgeCase, rules: Verdict, block: str, model: str,
                      prompt_version: str) -> Verdict:
    """The verdict code computes from one checklist answer."""
    cause, dropped_cause = verified(answer.cause_quotes, block)
    size, dropped_size = verified(answer.size_quotes, block)
    items, dropped_items = verified(answer.named_items, block)
    direction, dropped_direction = verified([answer.direction_quote], block)
    measure, _ = verified([answer.measure_quote], block)
    tags: list[str] = []
    gap = gap_of(case)
    row = gap.row
    wholes = tuple(v for v in (row.a, row.b) if v is not None)
    sizing = read_text("；".join(size + items), case.row.name, bool(case.row.late), case.row.cost,
                       known_figures(case, gap), row.unit, wholes)
    sizing = without_breakdown(row, resolve_implied(row, sizing))  # parts of the actual size nothing
    claims = read_text("；".join(direction + size), case.row.name, bool(case.row.late), case.row.cost,
                       known_figures(case, gap), row.unit)
    conflict = None
    if answer.direction == "contradicts" and direction:
        conflict = f"说明所称与数据矛盾（“{direction[0]}”）"
    conflict = conflict or figure_conflict(row, claims) or overstated(row, sizing)
    short = None
    if conflict:
        verdict = "does_not_cover"
        tags += ["contradicts_data"]
    elif not cause or not answer.cause_outside_row:
        verdict = "does_not_cover"
        tags += ["no_cause", "no_quantity"]
    elif not answer.cause_particular:
        verdict = "does_not_cover"
        tags += ["generic", "no_cause", "no_quantity"]
    else:
        short = part_of_gap(row, sizing) or late_part(case, sizing)
        verdict = "covers" if not short and _sized(case, gap, sizing, items, answer) else "partial"
        if verdict == "partial":
            tags.append("no_quantity")
    if not measure:
        tags.append("no_measure")
    if answer.injection_suspected or injection_signs(case, block):
        tags.append("injection")
    if dropped_cause or dropped_size or dropped_items or dropped_direction:
        tags.append("unverified_quote")
    if verdict == "covers" and {"injection", "unverified_quote"} & set(tags):
        verdict = "partial"  # a human has to look before this counts as sufficient
    notes = {"no_quantity": short} if short else {}
    comment = rules_comment(case, gap, verdict, tuple(tags), conflict, notes)
    return Verdict(
        verdict=verdict, tags=tuple(dict.fromkeys(tags)), comment=comment,
        reason=conflict or _reason(verdict, cause, short), source="judge:llm",
        evidence=tuple(dict.fromkeys(cause + size + items + direction)), model=model,
        prompt_version=prompt_version, rules=rules,
    )


def _sized(case: JudgeCase, gap, sizing, items: list[str], answer: Checklist) -> bool:
    """The quoted figures make the gap (the rules judge's arithmetic), or the items named one by one are
    as many as the gap, or a qualitative row says which part is done, which is not and why."""
    row = gap.row
    if row.a is None or row.b is None:
        if case.row.late:
            return dated_delay(case, sizing) or size_covered(gap, sizing)
        return answer.parts_explained
    if items and not case.row.cost and abs(row.a - row.b) == len(items):
        return True
    return size_covered(gap, sizing) or dated_delay(case, sizing)


def _reason(verdict: str, cause: list[str], short: str | None) -> str:
    said = f"原因“{cause[0]}”" if cause else ""
    if verdict == "covers":
        return f"{said}，所列数字或对象与偏差的方向和幅度相符"
    if verdict == "partial":
        return f"{said}，但{short or '未量化说明偏差涉及的数量或金额'}"
    return "未说明本指标数字以外的具体原因（套话、复述偏差、罗列工作或与偏差无关）"
