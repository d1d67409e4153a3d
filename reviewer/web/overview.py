"""The batch at a glance, kept up to date without recomputing every form on every page.

A form's line (复核总分, 等级, 偏离度, points by status, errors and warnings, the codes, severities and
verdicts among its points) takes a FormReview to compute: a millisecond or two, far too slow for 5,000
forms on every page. BatchIndex keeps the lines and, on each look, asks the store what changed since
the last one (Store.activity): forms `review` stored again or anew, forms whose points were decided or
whose scores changed. Only those are recomputed; an unchanged database costs three index lookups.
The first build runs in a thread at start (`warm`); the batch page says how far it has got meanwhile.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from ..signoff.forms import FormReview
from ..signoff.service import Signoff
from ..signoff.summary import form_line, seriousness
from ..store import Activity, ReviewerProgress

OpenSignoff = Callable[[], AbstractContextManager[Signoff]]


@dataclass(frozen=True)
class BatchLine:
    """One current form as the batch page shows it."""

    form_id: str
    name: str
    year: int
    department: str
    unit: str
    claimed_total: Decimal | None
    recomputed_total: Decimal
    review_total: Decimal
    grade: str
    deviation: Decimal | None
    flagged: bool
    points: int
    pending: int
    accepted: int
    edited: int
    rejected: int
    errors: int  # error-severity points not rejected
    warnings: int
    first_pending: int  # 待重点审核 points still pending
    codes: frozenset[str]
    severities: frozenset[str]
    verdicts: frozenset[str]
    rank: tuple

    @property
    def decided(self) -> int:
        return self.accepted + self.edited + self.rejected


def batch_line(review: FormReview) -> BatchLine:
    line, record, score = form_line(review), review.record, review.score
    counts = review.counts()
    points = review.points
    return BatchLine(
        record.id, record.name, record.year, record.department, record.unit or record.department,
        score.claimed_total, Decimal(record.recomputed_total), score.review_total, score.grade, score.deviation,
        score.flagged, len(points), counts["pending"], counts["accepted"], counts["edited"], counts["rejected"],
        line.errors, line.warnings, sum(1 for p in points if p.review_first and p.status == "pending"),
        frozenset(code for p in points for code in p.code_list), frozenset(p.severity for p in points),
        frozenset(p.verdict for p in points if p.verdict), seriousness(line))


class BatchIndex:
    """Every current form's line, refreshed from what changed since the last look."""

    def __init__(self, open_signoff: OpenSignoff):
        self._open = open_signoff
        self._lock = threading.Lock()
        self._lines: dict[str, BatchLine] = {}
        self._stamps: dict[str, str] = {}
        self._mark: Activity | None = None
        self.warming: tuple[int, int] | None = None  # (done, total) during the first build

    def lines(self) -> list[BatchLine]:
        """The current forms' lines, most serious first."""
        with self._lock:
            with self._open() as signoff:
                self._refresh(signoff)
            return sorted(self._lines.values(), key=lambda line: line.rank)

    def warm(self) -> threading.Thread:
        """Build the lines in a thread (the first build of a large batch takes seconds)."""
        self.warming = (0, 0)
        thread = threading.Thread(target=self._warm, name="batch-index", daemon=True)
        thread.start()
        return thread

    def _warm(self) -> None:
        try:
            self.lines()
        finally:
            self.warming = None

    def _refresh(self, signoff: Signoff) -> None:
        store = signoff.store
        mark = store.activity()  # read first: what changes while we compute is seen next time
        if mark == self._mark:
            return
        changed: set[str] = set()
        if self._mark is None or mark.reviews != self._mark.reviews:
            stamps = store.current_form_stamps()
            for gone in set(self._lines) - set(stamps):
                del self._lines[gone]
            changed |= {form_id for form_id, stamp in stamps.items() if self._stamps.get(form_id) != stamp}
            self._stamps = stamps
        if self._mark is not None:
            changed |= store.touched_forms(self._mark) & set(self._stamps)
        changed |= set(self._stamps) - set(self._lines)
        for done, form_id in enumerate(sorted(changed), 1):
            self._lines[form_id] = batch_line(signoff.form_review(form_id))
            if self.warming is not None:
                self.warming = (done, len(changed))
        self._mark = mark


class TeamProgress:
    """Progress per reviewer, recomputed only when someone has acted since."""

    def __init__(self, open_signoff: OpenSignoff):
        self._open = open_signoff
        self._lock = threading.Lock()
        self._mark: Activity | None = None
        self._people: list[ReviewerProgress] = []

    def people(self) -> list[ReviewerProgress]:
        with self._lock, self._open() as signoff:
            mark = signoff.store.activity()
            if mark != self._mark:
                self._people, self._mark = signoff.store.reviewer_progress(), mark
            return list(self._people)


__all__ = ["BatchLine", "BatchIndex", "TeamProgress", "batch_line"]
