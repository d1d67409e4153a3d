"""The sign-off API: what the terminal session, the `review` commands and the browser workbench call.

    with Store("review.db") as store:
        signoff = Signoff(store, config)
        for point in signoff.points(PointFilters(units=("科技",)), statuses=("pending",)):
            ...
        signoff.decide(point.id, "accept", "张三", expect="pending")     # Conflict if decided meanwhile
        signoff.set_score(form_id, 5, "张三", score="1.5", reason="…", clause="copied_actual")
        review = signoff.form_review(form_id)                             # points, evidence, 复核总分, 等级, 偏离度
        signoff.write_docx(form_id, "out/复核意见.docx", draft=True, reviewer="张三")

Everything goes through the store (typed records, append-only decisions and score changes); nothing
here knows of a terminal or a browser.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterator, Mapping

from ..config import Config
from ..form.values import format_decimal
from ..store import (
    ACCEPTED, EDITED, FUNDS_ROW, PENDING, Bulk, Critique, FormRecord, Point, PointDecision, PointFilters, ScoreChange,
    Store, StoreError, Undone,
)
from .forms import FormReview
from .intake import card_of, ensure_points
from .rulebook import Rulebook, load_rulebook
from .scores import FormScore, RowScore, score_form
from .summary import BatchSummary, FormLine, form_line, summarize_lines

class Signoff:
    """The 复核 over one store, with the bureau's settings and rulebook."""

    def __init__(self, store: Store, config: Config | None = None, rulebook: Rulebook | None = None,
                 build_points: bool = True):
        """`build_points` False skips building the points of forms stored without them (an older database):
        for a caller that did so once already (the workbench, at start) and opens the store per request."""
        self.store = store
        self.config = config or Config()
        self.settings = self.config.signoff
        self.rulebook = rulebook or load_rulebook(self.settings.rulebook)
        if build_points:
            ensure_points(store)

    # --- reading -------------------------------------------------------------------------------

    def forms(self, selectors: tuple[str, ...] = ()) -> list[FormRecord]:
        """The current version of each selected form, with its points counted by status."""
        return self.store.current_forms(selectors)

    def points(self, filters: PointFilters = PointFilters(), statuses: tuple[str, ...] | None = None) -> list[Point]:
        return self.store.points(filters, statuses)

    def point(self, point_id: str) -> Point:
        point = self.store.point(point_id)
        if point is None:
            raise StoreError(f"要点 {point_id} 不存在")
        return point

    def evidence(self, point: Point) -> list[Critique]:
        """The findings under a point, in the order of its evidence."""
        critiques = {c.id: c for c in self.store.form_critiques(point.form_id)}
        return [critiques[i] for i in point.findings if i in critiques]

    def decisions(self, point_id: str) -> list[PointDecision]:
        return self.store.point_decisions(point_id)

    def form_review(self, form_id: str, evidence: bool = True, codes: tuple[str, ...] = ()) -> FormReview:
        """The form's review; without `evidence` its critiques are only those its score rests on (the
        findings of accepted points) and those of `codes`: enough for the counts, scores and points that
        status, summary, the workbook and the Markdown report show, and most forms then read few or none."""
        record = self.store.form(form_id)
        if record is None:
            raise StoreError(f"表单 {form_id} 不存在")
        card = card_of(record)
        points = self.store.form_points(form_id)
        critiques = {c.id: c for c in self._critiques(form_id, points, evidence, codes)}
        score = score_form(card, points, critiques, self.store.score_overrides(form_id), self.rulebook, self.settings)
        return FormReview(record, card, points, critiques, score, self.store.score_history(form_id))

    def _critiques(self, form_id: str, points: list[Point], evidence: bool, codes: tuple[str, ...]) -> list[Critique]:
        if evidence:
            return self.store.form_critiques(form_id)
        # score_form reads a finding only through an accepted (or edited) point that lists it.
        wanted = {i for p in points if p.status in (ACCEPTED, EDITED) for i in p.findings}
        return self.store.form_critiques(form_id, wanted, codes) if wanted or codes else []

    def form_score(self, form_id: str) -> FormScore:
        return self.form_review(form_id).score

    def reviews(self, selectors: tuple[str, ...] = ()) -> list[FormReview]:
        return list(self.each_review(selectors))

    def form_ids(self, selectors: tuple[str, ...] = ()) -> list[str]:
        """The current version of each selected form, by id, in the order of forms()."""
        return self.store.current_form_ids(selectors)

    def each_review(self, selectors: tuple[str, ...] = (), ids: list[str] | None = None,
                    evidence: bool = True, codes: tuple[str, ...] = ()) -> Iterator[FormReview]:
        """The selected forms' reviews one at a time, each read when asked for: a report over a whole
        province's batch holds one form in memory, never all of them (`evidence`, `codes`: see form_review)."""
        for form_id in self.form_ids(selectors) if ids is None else ids:
            yield self.form_review(form_id, evidence, codes)

    # --- deciding ------------------------------------------------------------------------------

    def decide(self, point_id: str, action: str, reviewer: str, comment: str | None = None,
               expect: str | None = PENDING) -> str | None:
        """accept, reject, edit (with the new comment) or reopen; Conflict when the point is no longer in
        the status the reviewer saw (`expect`; None skips the check). Returns the decision's id."""
        return self.store.decide_point(point_id, action, reviewer, new_comment=comment, expect=expect)

    def undo_decision(self, decision_id: str, reviewer: str) -> PointDecision:
        return self.store.undo_point_decision(decision_id, reviewer)

    def undo_last(self, reviewer: str) -> PointDecision:
        """Undo this reviewer's latest single decision still in force (repeat to go further back)."""
        return self.store.undo_last_point(reviewer)

    def bulk(self, point_ids: list[str], action: str, reviewer: str,
             expect: Mapping[str, str] | None = None) -> Bulk:
        return self.store.bulk_points(point_ids, action, reviewer, expect)

    def undo_bulk(self, reviewer: str) -> Undone | None:
        return self.store.undo_last_point_batch(reviewer)

    # --- the reviewer's score ---------------------------------------------------------------------

    def set_score(self, form_id: str, row: int, reviewer: str, *, score: str | Decimal | None = None,
                  value: str | None = None, reason: str, clause: str | None = None,
                  expect: str | None | object = ..., expect_value: str | None | object = ...) -> list[ScoreChange]:
        """Set a row's 复核得分 and/or 复核完成值 (row -1: 预算执行率), with the reason and the rulebook clause.

        The score must lie between 0 and the row's weight, with at most two decimals, and needs a clause.
        `expect` is the score override the reviewer saw (None: the proposal), `expect_value` the value
        override: a change someone made meanwhile raises Conflict and nothing is written. Every change is
        recorded (who, when, before, after) and undoable."""
        review = self.form_review(form_id)
        if row != FUNDS_ROW and not 0 <= row < len(review.card.indicators):
            raise StoreError(f"第{row + 1}项指标不存在（本表共 {len(review.card.indicators)} 项）")
        if not reason.strip():
            raise StoreError("请说明修改的理由")
        current = review.score.row(row)
        # Both checked before either is written, and written in one transaction: never half a change.
        if score is None and value is None:
            raise StoreError("请给出复核得分或复核完成值")
        if score is not None:
            if clause is None:
                raise StoreError("请注明修改得分所依据的复核口径条款")
            score = format_decimal(_score(score, current.weight))
        if value is not None and not value.strip():
            raise StoreError("复核完成值不能为空")
        if clause is not None:
            self.rulebook.require(clause)
        changes = []
        with self.store.transaction():
            if score is not None:
                changes.append(self.store.change_score(form_id, row, "score", score, reviewer, reason.strip(), clause,
                                                       str(current.score), expect=expect))
            if value is not None:
                changes.append(self.store.change_score(form_id, row, "value", value.strip(), reviewer, reason.strip(),
                                                       clause, current.value, expect=expect_value))
        return changes

    def undo_score(self, change_id: str, reviewer: str) -> ScoreChange:
        return self.store.undo_score_change(change_id, reviewer)

    @staticmethod
    def shown(row: RowScore) -> tuple[str | None, str | None]:
        """The score and value overrides a reviewer sees on a row (None: the proposal): what to pass to
        set_score as `expect` and `expect_value`."""
        return (row.set_by.after if row.set_by else None, row.value_set_by.after if row.value_set_by else None)

    # --- documents -------------------------------------------------------------------------------

    def write_docx(self, form_id: str, path: str | Path, draft: bool = False, reviewer: str | None = None) -> Path:
        """The 复核意见 of one form (Word). Without `draft`, a form with undecided points is refused."""
        from .docx import write_docx  # python-docx only when a document is written: every start would pay for it

        return write_docx(self.form_review(form_id), Path(path), self.settings, self.rulebook, draft, reviewer)

    def write_xlsx(self, selectors: tuple[str, ...], path: str | Path) -> Path:
        """The 底稿 (one sheet per form), the 问题清单 and the 汇总 of the selected forms (Excel), streamed
        form by form."""
        from .xlsx import write_xlsx

        return write_xlsx(self.each_review(selectors, evidence=False), self.store.refusals(selectors), Path(path),
                          self.settings, self.rulebook)

    def summary(self, selectors: tuple[str, ...] = ()) -> BatchSummary:
        """The batch ranked by seriousness, per unit, and the refused files apart. Forms are read one at a
        time and each line keeps what the summary shows (totals, grade, counts), not the form's stored JSON,
        points, findings or rows: a province's batch fits in memory."""
        lines = (_summary_line(r) for r in self.each_review(selectors, evidence=False))
        return summarize_lines(lines, self.store.refusals(selectors))


def _summary_line(review: FormReview) -> FormLine:
    """A form's line of the batch summary, its points counted and then let go: the line's review keeps its
    record without the stored JSON and its totals without the rows."""
    line = form_line(review)
    record = replace(review.record, form_json="", scorecard_json="")
    line.review = FormReview(record, None, [], {}, replace(review.score, rows=[]), [])  # type: ignore[arg-type]
    return line


def _score(raw: str | Decimal, weight: Decimal) -> Decimal:
    try:
        number = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except InvalidOperation:
        raise StoreError(f"无法识别的得分“{raw}”") from None
    if not number.is_finite() or number < 0 or number > weight:
        raise StoreError(f"得分应在 0 到 {format_decimal(weight)} 分之间")
    if number != number.quantize(Decimal("0.01")):
        raise StoreError("得分最多保留两位小数")
    return number


__all__ = ["Signoff", "FormReview"]
