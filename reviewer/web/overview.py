"""The batch at a glance, kept up to date without recomputing every form on every page.

A form's line (复核总分, 等级, 偏离度, points by status, errors and warnings, the codes, severities and
verdicts among its points) takes a FormReview to compute: a millisecond or two, far too slow for 5,000
forms on every page. BatchIndex keeps the lines and, on each look, asks the store what changed since
the last one (Store.activity): forms `review` stored again or anew, forms whose points were decided or
whose scores changed. Only those are recomputed; an unchanged database costs three index lookups.
The first build runs in a thread at start (`warm`); the batch page says how far it has got meanwhile.
"""

from __future__ import annotations

import bisect
import threading
from collections import Counter
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from ..signoff.forms import FormReview
from ..signoff.service import Signoff
from ..signoff.summary import form_line, seriousness
from ..checks.catalogue import TITLE
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
        frozenset(p.verdict for p in points if p.verdict), _rank(seriousness(line)))


def _rank(key: tuple) -> tuple:
    """The seriousness key with its figures as floats: the batch is re-sorted after every change."""
    return tuple(float(part) if isinstance(part, Decimal) else part for part in key)


@dataclass(frozen=True)
class Totals:
    forms: int = 0
    points: int = 0
    pending: int = 0
    decided: int = 0
    flagged: int = 0

    @classmethod
    def of(cls, lines: list[BatchLine] | tuple[BatchLine, ...]) -> "Totals":
        points = pending = decided = flagged = 0
        for line in lines:
            points += line.points
            pending += line.pending
            decided += line.decided
            flagged += line.flagged
        return cls(len(lines), points, pending, decided, flagged)

    @property
    def share(self) -> int:
        """Percent of points decided, rounded down (100 only when all are)."""
        return 100 * self.decided // self.points if self.points else 100


@dataclass(frozen=True)
class Snapshot:
    """The batch as of one look: the lines most serious first, what the filters offer, the totals."""

    lines: tuple[BatchLine, ...]
    facets: dict[str, list]
    totals: Totals


FACETS = {"units": lambda line: (line.unit,), "departments": lambda line: (line.department,),
          "years": lambda line: (line.year,), "codes": lambda line: line.codes}


class _Lines:
    """The lines and what is derived from them (their order, the values the filters offer, the totals),
    kept up to date one line at a time: a decision re-ranks one form, not five thousand."""

    def __init__(self) -> None:
        self.by_id: dict[str, BatchLine] = {}
        self.order: list[tuple[tuple, str]] = []  # (rank, form id), most serious first
        self.counts: dict[str, Counter] = {name: Counter() for name in FACETS}
        self.sums = [0, 0, 0, 0]  # points, pending, decided, flagged
        self._facets: dict[str, list] | None = None

    def put(self, line: BatchLine) -> None:
        self.drop(line.form_id)
        self.by_id[line.form_id] = line
        bisect.insort(self.order, (line.rank, line.form_id))
        self._tally(line, 1)

    def drop(self, form_id: str) -> None:
        line = self.by_id.pop(form_id, None)
        if line is None:
            return
        del self.order[bisect.bisect_left(self.order, (line.rank, form_id))]
        self._tally(line, -1)

    def _tally(self, line: BatchLine, sign: int) -> None:
        for name, values in FACETS.items():
            counter = self.counts[name]
            for value in values(line):
                counter[value] += sign
                if counter[value] in (0, sign):  # a value appears or goes: the filters' choices change
                    self._facets = None
        for i, value in enumerate((line.points, line.pending, line.decided, line.flagged)):
            self.sums[i] += sign * value

    def snapshot(self) -> Snapshot:
        if self._facets is None:
            kept = {name: sorted(v for v, n in counter.items() if n > 0) for name, counter in self.counts.items()}
            kept["years"].reverse()
            kept["codes"] = [(code, TITLE.get(code, code)) for code in kept["codes"]]
            self._facets = kept
        lines = tuple(self.by_id[form_id] for _, form_id in self.order)
        return Snapshot(lines, self._facets, Totals(len(lines), *self.sums))


class BatchIndex:
    """Every current form's line, refreshed from what changed since the last look."""

    def __init__(self, open_signoff: OpenSignoff):
        self._open = open_signoff
        self._lock = threading.Lock()
        self._lines = _Lines()
        self._stamps: dict[str, str] = {}
        self._mark: Activity | None = None
        self._snapshot: Snapshot | None = None
        self.warming: tuple[int, int] | None = None  # (done, total) during the first build

    def snapshot(self) -> Snapshot:
        """The batch now: recomputed only for what changed since the last look."""
        with self._lock:
            with self._open() as signoff:
                if self._refresh(signoff) or self._snapshot is None:
                    self._snapshot = self._lines.snapshot()
            return self._snapshot

    def lines(self) -> tuple[BatchLine, ...]:
        """The current forms' lines, most serious first."""
        return self.snapshot().lines

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

    def _refresh(self, signoff: Signoff) -> bool:
        """Recompute the lines of the forms changed since the last look; whether anything changed."""
        store = signoff.store
        mark = store.activity()  # read first: what changes while we compute is seen next time
        if mark == self._mark:
            return False
        changed: set[str] = set()
        if self._mark is None or mark.reviews != self._mark.reviews:
            stamps = store.current_form_stamps()
            for gone in set(self._lines.by_id) - set(stamps):
                self._lines.drop(gone)
            changed |= {form_id for form_id, stamp in stamps.items() if self._stamps.get(form_id) != stamp}
            self._stamps = stamps
        if self._mark is not None:
            changed |= store.touched_forms(self._mark) & set(self._stamps)
        changed |= set(self._stamps) - set(self._lines.by_id)
        for done, form_id in enumerate(sorted(changed), 1):
            self._lines.put(batch_line(signoff.form_review(form_id)))
            if self.warming is not None:
                self.warming = (done, len(changed))
        self._mark = mark
        return True


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


__all__ = ["BatchLine", "BatchIndex", "Snapshot", "TeamProgress", "Totals", "batch_line"]
