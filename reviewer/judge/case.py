"""What the judge works on: one explanation beside its gap (JudgeCase), and what it says (Verdict).

`judge_cases` picks the explanations of a reviewed form that stand beside a gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Collection

from ..checks.catalogue import VERDICTS, Finding  # noqa: F401  VERDICTS is part of the judge's vocabulary
from ..checks.rows import explanation_required, is_empty_explanation, needs_explanation, pair_cost_rows
from ..config import Thresholds
from ..llm.endpoints import Usage
from ..review import Review
from ..scoring import IndicatorScore

# EXPLANATION_NO_MEASURE is left out: it fires on every explanation, gap or not.
FLAGGING = ("COST_COUNT_DIVERGENCE", "EXPLANATION_MISSING", "EXPLANATION_REUSED")


@dataclass(repr=False)
class JudgeCase:
    """One explanation to judge: an indicator of a review, with its paired row and findings."""

    review: Review
    index: int
    pair: int | None = None
    findings: list[Finding] = field(default_factory=list)
    thresholds: Thresholds | None = None  # those `reasons` are worked out with

    def __post_init__(self) -> None:
        # A judgement asks for its rows and explanation a dozen times: they are looked up once, and kept as
        # plain attributes (read as often as they are, a property's call is a cost of its own).
        self.row: IndicatorScore = self.review.card.indicators[self.index]
        self.pair_row: IndicatorScore | None = None if self.pair is None else self.review.card.indicators[self.pair]
        self.explanation: str = (self.row.indicator.explanation or "").strip()
        self.blank: bool = is_empty_explanation(self.row.indicator.explanation)
        self._reasons: list[str] | None = None

    def __repr__(self) -> str:  # the review is large; asyncio task reprs must stay cheap
        return f"JudgeCase({self.review.file!r}, index={self.index}, pair={self.pair})"

    @property
    def reasons(self) -> list[str]:
        """Why an explanation is required here (checks.explanation_required). Written on first use: only a
        model's prompt shows them, and the rules judge would write a dozen per form for nothing."""
        if self._reasons is None:
            self._reasons = explanation_required(self.row, self.thresholds or Thresholds())
        return self._reasons

    @property
    def key(self) -> tuple[str, int]:
        return (self.review.form_id, self.index)

    def codes(self) -> set[str]:
        return {f.code for f in self.findings}


@dataclass
class Verdict:
    verdict: str
    tags: tuple[str, ...]
    comment: str
    reason: str
    source: str  # judge:rules or judge:llm
    evidence: tuple[str, ...] = ()
    model: str | None = None
    prompt_version: str | None = None
    error: str | None = None  # the LLM failure this rules verdict stands in for
    cached: bool = False
    usage: Usage = field(default_factory=Usage)
    rules: "Verdict | None" = None  # the rules verdict, beside an LLM one
    # How firm the reading is, 0 to 1 (docs/findings.md): for the rules, the kind of evidence the
    # verdict rests on; for a model, the agreement across its samples (judge/sampling.py).
    confidence: float = 0.5
    votes: tuple[str, ...] = ()  # each model sample's verdict, in sample order

    @property
    def disagrees(self) -> bool:
        """A model verdict that differs from the rules verdict beside it."""
        return self.rules is not None and self.source == "judge:llm" and self.rules.verdict != self.verdict

    def review_first(self, floor: float) -> bool:
        """Doubtful: a person should look at this verdict before the firm ones (待重点审核)."""
        return self.confidence < floor or self.disagrees

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict, "tags": list(self.tags), "comment": self.comment, "reason": self.reason,
            "source": self.source, "evidence": list(self.evidence), "model": self.model,
            "prompt_version": self.prompt_version, "error": self.error, "cached": self.cached,
            "rules_verdict": self.rules.verdict if self.rules else None,
            "confidence": self.confidence, "votes": list(self.votes),
        }

    def finding_data(self, indicator: int, pair: int | None, floor: float) -> dict[str, Any]:
        """{"indicator", "pair", **as_dict(), "review_first"}, the data of its finding, built as one dict (one
        per judgement: merging as_dict's into another cost as much again)."""
        return {
            "indicator": indicator, "pair": pair,
            "verdict": self.verdict, "tags": list(self.tags), "comment": self.comment, "reason": self.reason,
            "source": self.source, "evidence": list(self.evidence), "model": self.model,
            "prompt_version": self.prompt_version, "error": self.error, "cached": self.cached,
            "rules_verdict": self.rules.verdict if self.rules else None,
            "confidence": self.confidence, "votes": list(self.votes),
            "review_first": self.confidence < floor or self.disagrees,
        }


@dataclass
class JudgeResult:
    case: JudgeCase
    verdict: Verdict


def _pairs(review: Review) -> dict[int, int]:
    partner: dict[int, int] = {}
    for quantity, cost in pair_cost_rows(review.card):
        partner.setdefault(quantity.index, cost.index)
        partner.setdefault(cost.index, quantity.index)
    return partner


_MISSING = frozenset(("EXPLANATION_MISSING",))


def _any_code_at(findings: list[Finding], places: list[int], codes: Collection[str]) -> bool:
    """Whether a finding at one of these places has one of these codes, as a plain loop: no generator frame per row."""
    for place in places:
        if findings[place].code in codes:
            return True
    return False


def judge_cases(review: Review, thresholds: Thresholds | None = None) -> list[JudgeCase]:
    """The indicators whose explanation stands beside a gap, in form order.

    An explanation is judged where one is required (a gap) or where a check
    flagged the row (COST_COUNT_DIVERGENCE, EXPLANATION_*). For a diverging
    pair, the row that carries the explanation is judged (both if both do;
    the cost row if neither does).
    """
    thresholds = thresholds or Thresholds()
    partner = _pairs(review)
    rows = review.card.indicators
    findings = review.findings
    # row index → the places in the review of the findings on it: ints, so a case's related findings are
    # merged, deduplicated and put in the review's order with a set and a plain sort (no key function)
    flagged: dict[int, list[int]] = {}
    diverging: list[Finding] = []
    for place, finding in enumerate(findings):
        for index in finding.indicators:
            on = flagged.get(index)
            if on is None:
                flagged[index] = [place]
            else:
                on.append(place)
        if finding.code == "COST_COUNT_DIVERGENCE":
            diverging.append(finding)
    chosen: set[int] = set()
    blank: list[bool] = []  # by row: asked again of the diverging pairs
    for row in rows:
        on_row = flagged.get(row.index)  # most rows carry no finding: their codes are not gathered
        empty = is_empty_explanation(row.indicator.explanation)
        blank.append(empty)
        if not empty:
            if needs_explanation(row, thresholds) or (on_row and _any_code_at(findings, on_row, FLAGGING)):
                chosen.add(row.index)
        elif on_row and _any_code_at(findings, on_row, _MISSING):
            chosen.add(row.index)
    for finding in diverging:
        quantity, cost = finding.indicators
        texts = [i for i in (quantity, cost) if not blank[i]]
        chosen.update(texts or [cost])
    cases = []
    for index in sorted(chosen):
        pair = partner.get(index)
        places = flagged.get(index, [])
        if pair is not None and pair in flagged:
            places = places + flagged[pair]
        related = [findings[place] for place in sorted(set(places))]  # each once, in the review's order
        cases.append(JudgeCase(review, index, pair, related, thresholds))
    return cases
