"""What the rules judge reads from the whole form, once per review instead of once per judgement.

A share row's failures may be a part of a count or an amount printed elsewhere on the form (21户 of the
5436户 paid; 530万元 unpaid of the 1850万元 budget beside a payment rate of 71.35%), and a cross-reference (见…指标说明) names another row by its words. Both look across every row of the form;
done per judgement that is quadratic in the number of indicators, so it is done here once per review
and looked up (bisection for counts, an index of character pairs for names).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, OrderedDict
from decimal import Decimal
from typing import Iterable

from ...checks.wording import bigrams
from ...form.values import MONEY_SCALE, convert_units, squash
from ...review import Review
from .limits import MAX_POSTINGS
from .figures import COUNTERS

_SLACK = Decimal("1.000001")  # widen a bisection window a little; the exact test decides


class ReviewIndex:
    """The form's rows read for the judge. Each part is read on first use: most judgements need only
    `reused`; the counts serve share rows and the name index cross-references, which few texts make."""

    def __init__(self, review: Review):
        self._review = review
        self._counts: dict[str, tuple[tuple[Decimal, int], ...]] | None = None
        self._postings: dict[str, tuple[int, ...]] | None = None
        self.reused = frozenset(i for f in review.findings if f.code == "EXPLANATION_REUSED" for i in f.indicators)
        # rows whose explanation EXPLANATION_REUSED flags
        self.sides: dict[int, object] = {}  # row index → its gap.Side, read once per review (gap.gap_of)
        # row index (or -1, the project's own texts) → whether they carry instructions (injection.py)
        self.injected: dict[int, bool] = {}

    @property
    def counts(self) -> dict[str, tuple[tuple[Decimal, int], ...]]:
        """unit → (value, row index), sorted by value; MONEY holds amounts in the form's unit (the funds
        table has row index -1)."""
        if self._counts is None:
            self._counts = _counts(self._review)
        return self._counts

    @property
    def postings(self) -> dict[str, tuple[int, ...]]:
        """character pair → rows whose name holds it."""
        if self._postings is None:
            self._postings = _postings(self._review)
        return self._postings

    def bases(self, unit: str, excluded: int) -> Iterable[Decimal]:
        """The counts in this unit on rows other than `excluded`, smallest first."""
        return (value for value, row in self.counts.get(unit, ()) if row != excluded)

    def share_of_base(self, part: Decimal, unit: str, excluded: int, fit: Decimal, tolerance: Decimal) -> bool:
        """Some count in `unit` on another row, larger than `part`, of which `part` is `fit` per cent
        within `tolerance`: a share read off the form (118 failures of the 4,200 samples another row counts)."""
        counts = self.counts.get(unit, ())
        if not counts or part <= 0 or fit + tolerance <= 0:
            return False
        low = max(part, part * 100 / (fit + tolerance) / _SLACK)
        high = part * 100 / (fit - tolerance) * _SLACK if fit > tolerance else None
        start = bisect_left(counts, (low, -1))
        for value, row in counts[start:]:
            if high is not None and value > high:
                return False
            if row != excluded and value > part and abs(part / value * 100 - fit) <= tolerance:
                return True
        return False

    def named_row(self, reference: str, excluded: int) -> int | None:
        """The row whose name shares most character pairs with a cross-reference, when it shares at least
        two; pairs shared by too many names are skipped (limits.MAX_POSTINGS)."""
        hits: Counter[int] = Counter()
        postings = self.postings
        for pair in bigrams(reference):
            rows = postings.get(pair, ())
            if len(rows) <= MAX_POSTINGS:
                hits.update(row for row in rows if row != excluded)
        if not hits:
            return None
        best = max(hits.values())
        return max(row for row, n in hits.items() if n == best) if best >= 2 else None  # ties: the later row


MONEY = "money"


def _counts(review: Review) -> dict[str, tuple[tuple[Decimal, int], ...]]:
    counts: dict[str, list[tuple[Decimal, int]]] = {}
    money = review.form.funds.unit
    total = review.form.funds.total
    counts[MONEY] = [(v, -1) for v in (total.initial_budget, total.annual_budget, total.executed) if v and v > 0]
    for row in review.card.indicators:
        i = row.index
        unit = row.target.unit or row.actual.unit
        if unit in COUNTERS:
            counts.setdefault(unit, []).extend((v, i) for v in (row.target_value, row.actual_value)
                                               if v is not None and v > 0)
        elif unit in MONEY_SCALE and row.target.is_number and row.actual.is_number:
            counts[MONEY].extend((v, i) for v in (convert_units(row.target, money), convert_units(row.actual, money))
                                 if v is not None and v > 0)
    return {unit: tuple(sorted(values)) for unit, values in counts.items()}


def _postings(review: Review) -> dict[str, tuple[int, ...]]:
    postings: dict[str, list[int]] = {}
    for row in review.card.indicators:
        for pair in bigrams(squash(row.name)):
            postings.setdefault(pair, []).append(row.index)
    return {pair: tuple(rows) for pair, rows in postings.items()}


def build(review: Review) -> ReviewIndex:
    return ReviewIndex(review)


_RECENT: OrderedDict[int, tuple[Review, ReviewIndex]] = OrderedDict()
_KEEP = 16  # reviews are judged one after another: a few recent ones suffice
# The last review asked for, and its index: a form's judgements ask a few times each, one after another.
_last: tuple[Review, ReviewIndex] | None = None


def index_of(review: Review) -> ReviewIndex:
    """The review's index, built on first use. Keyed by identity; the review is held while cached, so
    its id cannot be reused by another object meanwhile."""
    global _last
    last = _last
    if last is not None and last[0] is review:
        return last[1]
    key = id(review)
    found = _RECENT.get(key)
    if found is not None and found[0] is review:
        _RECENT.move_to_end(key)
        _last = found
        return found[1]
    found = _RECENT[key] = _last = (review, build(review))
    while len(_RECENT) > _KEEP:
        _RECENT.popitem(last=False)
    return found[1]


def clear() -> None:
    global _last
    _RECENT.clear()
    _last = None
