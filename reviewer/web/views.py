"""What a point's card shows, gathered from the sign-off API: the rows it is about with their scores, the
explanations the unit wrote, the findings beneath it (rule checks and the judge's verdict with its
reasoning), the suggested comment, and who decided what."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..signoff.forms import FormReview
from ..signoff.scores import RowScore
from ..signoff.service import Signoff
from ..signoff.session import Position
from ..store import FUNDS_ROW, Critique, Point, PointDecision


@dataclass
class Explanation:
    label: str
    text: str


@dataclass
class ScoreRow:
    """A row the reviewer may score from this card: its number on the form (or 预算执行率) and its score."""

    index: int
    label: str
    score: RowScore


@dataclass
class PointView:
    point: Point
    review: FormReview
    rows: list[tuple[Any, RowScore]]  # (IndicatorScore, RowScore) of the indicators it is about
    explanations: list[Explanation]
    findings: list[Critique]
    decisions: list[PointDecision]
    score_rows: list[ScoreRow]
    previous: Point | None = None
    position: Position | None = None
    message: str = ""  # what just happened (a conflict, an undo)
    conflict: bool = False
    queue: str | None = None  # the queue's query string when shown in the queue
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def judged(self) -> list[Critique]:
        """The judge's verdicts among the evidence."""
        return [c for c in self.findings if c.verdict]

    @property
    def is_funds(self) -> bool:
        return self.point.kind == "funds"


def row_label(index: int) -> str:
    return "预算执行率" if index == FUNDS_ROW else f"第{index + 1}项"


def explanations(review: FormReview, point: Point) -> list[Explanation]:
    """The unit's 偏差原因分析 beside the rows (one block per distinct text), or the funds' explanation."""
    if not point.indicators:
        text = (review.card.form.funds.explanation or "").strip() if point.kind == "funds" else ""
        return [Explanation("执行率说明", text)] if text else []
    texts: dict[str, list[int]] = {}
    for index in point.indicators:
        texts.setdefault((review.card.indicators[index].indicator.explanation or "").strip(), []).append(index)
    several = len(texts) > 1
    return [Explanation("偏差原因分析及改进措施" + (f"（{'、'.join(str(i + 1) for i in where)}项）" if several else ""),
                        text) for text, where in texts.items()]


def point_view(signoff: Signoff, review: FormReview, point: Point, **extra: Any) -> PointView:
    indices = list(point.indicators) or ([FUNDS_ROW] if point.kind == "funds" else [])
    previous = signoff.store.point(point.previous_id) if point.previous_id else None
    return PointView(
        point, review,
        [(review.card.indicators[i], review.score.row(i)) for i in point.indicators],
        explanations(review, point), review.evidence(point), signoff.decisions(point.id),
        [ScoreRow(i, row_label(i), review.score.row(i)) for i in indices], previous, **extra)


__all__ = ["PointView", "ScoreRow", "Explanation", "point_view", "explanations", "row_label"]
