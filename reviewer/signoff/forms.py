"""One form version as the 复核 sees it: its points with their evidence, and its scores (FormReview)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..form.values import format_decimal
from ..scoring import Scorecard
from ..store import ACCEPTED, EDITED, FUNDS_ROW, PENDING, REJECTED, Critique, FormRecord, Point, ScoreChange
from .scores import FormScore

JUDGEMENT = {"error": "不够规范", "warning": "基本规范", "info": "总体规范", None: "总体规范"}


@dataclass
class FormReview:
    """One form version as the 复核 sees it: its points with their evidence, and its scores."""

    record: FormRecord
    card: Scorecard
    points: list[Point]  # 待重点审核 first, then in the order of the form
    critiques: dict[str, Critique]
    score: FormScore
    history: list[ScoreChange] = field(default_factory=list)

    def with_status(self, *statuses: str) -> list[Point]:
        return [p for p in self.points if p.status in statuses]

    @property
    def accepted(self) -> list[Point]:
        return self.with_status(ACCEPTED, EDITED)

    @property
    def issued(self) -> list[Point]:
        """The accepted points as the 复核意见 numbers them for the unit: in the order of the form (seq),
        whatever the reviewer's queue put first."""
        return sorted(self.accepted, key=lambda p: p.seq)

    @property
    def pending(self) -> list[Point]:
        return self.with_status(PENDING)

    def counts(self) -> dict[str, int]:
        return {status: len(self.with_status(status)) for status in (PENDING, ACCEPTED, EDITED, REJECTED)}

    def evidence(self, point: Point) -> list[Critique]:
        return [self.critiques[i] for i in point.findings if i in self.critiques]

    @property
    def judgement(self) -> str:
        """自评总体规范 / 基本规范 / 不够规范, by the worst accepted point."""
        severities = {p.severity for p in self.accepted}
        worst = next((s for s in ("error", "warning", "info") if s in severities), None)
        return JUDGEMENT[worst]

    def errors(self) -> int:
        return sum(1 for c in self.critiques.values() if c.severity == "error")

    def score_changes(self, point: Point) -> list[str]:
        """Where the reviewer's score of a point's rows differs from the unit's: the row, both scores,
        the clause and its deduction."""
        lines = []
        for index in point.indicators or ([FUNDS_ROW] if point.kind == "funds" else []):
            row = self.score.row(index)
            if not row.changed or row.claimed is None:
                continue
            where = "预算执行率" if index == FUNDS_ROW else f"第{index + 1}项"
            basis = f"，依据“{row.clause.basis}”" if row.clause else ""
            lines.append(f"{where}自评{_num(row.claimed)}分，复核{_num(row.score)}分{basis}")
        return lines


def _num(value: Decimal) -> str:
    return format_decimal(value)


def file_name(review: "FormReview", draft: bool) -> str:
    """复核意见_项目名称（2021年度）.docx, with characters Windows refuses in a file name replaced."""
    name = "".join("_" if ch in '\\/:*?"<>|' or ord(ch) < 32 else ch for ch in review.record.name).strip(" .")
    return f"复核意见_{name[:80]}（{review.record.year}年度）{'_草稿' if draft else ''}.docx"


__all__ = ["FormReview", "JUDGEMENT", "file_name"]
