"""The batch summary: forms ranked by seriousness, the same per unit, and the files that could not be read.

Seriousness, in order: error-severity points not rejected, then |偏离度|, then points still pending.
A flagged form is one whose |自评 − 复核| reaches the configured points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable

from ..form.values import round_half_up
from ..store import ACCEPTED, EDITED, PENDING, REJECTED, Refusal
from .forms import FormReview


@dataclass
class FormLine:
    rank: int
    review: FormReview
    errors: int  # error-severity points not rejected
    warnings: int
    pending: int
    accepted: int
    rejected: int

    @property
    def record(self):  # noqa: ANN201 - FormRecord
        return self.review.record

    @property
    def unit(self) -> str:
        return self.record.unit or self.record.department


@dataclass
class UnitLine:
    unit: str
    forms: int
    flagged: int
    errors: int
    pending: int
    claimed: Decimal | None  # average 自评总分 of the forms that give one, rounded half-up to 2 decimals
    review: Decimal  # average 复核总分, likewise
    worst_grade: str


@dataclass
class BatchSummary:
    forms: list[FormLine]
    units: list[UnitLine]
    refused: list[Refusal] = field(default_factory=list)


GRADE_RANK = {"优": 0, "良": 1, "中": 2, "差": 3}


def form_line(review: FormReview) -> FormLine:
    """One form's line of the batch: its points counted (rank set by summarize)."""
    live = [p for p in review.points if p.status != REJECTED]
    return FormLine(0, review, sum(p.severity == "error" for p in live), sum(p.severity == "warning" for p in live),
                    sum(p.status == PENDING for p in review.points),
                    sum(p.status in (ACCEPTED, EDITED) for p in review.points),
                    sum(p.status == REJECTED for p in review.points))


def seriousness(line: FormLine) -> tuple:
    deviation = line.review.score.deviation
    return (-line.errors, -abs(deviation) if deviation is not None else Decimal(-1), -line.pending,
            line.record.name, line.record.id)


def summarize(reviews: Iterable[FormReview], refused: list[Refusal]) -> BatchSummary:
    return summarize_lines((form_line(r) for r in reviews), refused)


def summarize_lines(lines: Iterable[FormLine], refused: list[Refusal]) -> BatchSummary:
    """The batch from each form's line (form_line): ranked, and added up per unit."""
    lines = sorted(lines, key=seriousness)
    for rank, line in enumerate(lines, 1):
        line.rank = rank
    groups: dict[str, list[FormLine]] = {}
    for line in lines:
        groups.setdefault(line.unit, []).append(line)
    units = []
    for unit, members in groups.items():
        claimed = [m.review.score.claimed_total for m in members if m.review.score.claimed_total is not None]
        units.append(UnitLine(
            unit, len(members), sum(m.review.score.flagged for m in members), sum(m.errors for m in members),
            sum(m.pending for m in members),
            round_half_up(sum(claimed) / len(claimed)) if claimed else None,
            round_half_up(sum(m.review.score.review_total for m in members) / len(members)),
            max((m.review.score.grade for m in members), key=lambda g: GRADE_RANK.get(g, 9))))
    units.sort(key=lambda u: (-u.errors, -u.flagged, -u.pending, u.unit))
    return BatchSummary(lines, units, refused)


__all__ = ["BatchSummary", "FormLine", "UnitLine", "summarize", "summarize_lines", "seriousness", "form_line", "GRADE_RANK"]
