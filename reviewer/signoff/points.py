"""Points: everything raised about one indicator, one cost/count pair or one part of the form, as one thing
to decide on.

A review's findings (rule checks and the judge's verdicts) are grouped by what they are about:

- an indicator, or a cost indicator with its count (checks/rows.py pairs them): one point per pair,
  so a COST_COUNT_DIVERGENCE, the judge's verdicts on both rows, a ROUNDING slip on one of them and
  the explanation reused elsewhere reach the reviewer together;
- a finding that spans several subjects (EXPLANATION_REUSED on five rows, COST_TOTAL on the items) is
  evidence on each of them, and their comments each say it from that row's side;
- findings about the form as a whole go to 预算执行, 总分, 指标体系 or 表头 by their code.

Each point gets one suggested comment (compose.py). A point whose only finding is a judge's verdict
that the explanation covers its gap, with nothing else to say, is no point: there is nothing to decide,
unless the judge marked the verdict to be looked at first (data["review_first"]).
"""

from __future__ import annotations

from ..checks.catalogue import SEVERITY_ORDER, Finding
from ..checks.rows import pair_cost_rows
from ..review import Review
from ..scoring import Scorecard
from ..store import PointDraft
from .compose import Subject, compose, row_kind, row_kinds

BUILDER = 2  # raise when the grouping or the wording changes: pending points of stored forms are rebuilt

# Form-level findings by part of the form; a code not listed goes to 全表.
FORM_PARTS = {
    "funds": ("预算执行", ("FUNDS_SUM", "FUNDS_OVER_BUDGET", "EXECUTION_RATE", "EXECUTION_SCORE", "ROUNDING",
                          "SCORE_BOUNDS", "EXPLANATION_MISSING", "PAYMENT_RATE_CONFLICT")),
    "total": ("总分", ("TOTAL_SCORE", "TOTAL_MISSING")),
    "scheme": ("指标体系", ("WEIGHTS_TOTAL", "WEIGHT_SCHEME", "QUALITATIVE_SHARE")),
    "header": ("表头信息", ("HEADER_BLANK",)),
}
FORM_ORDER = ("funds", "total")  # before the indicators; the rest of the form parts after them
VERDICT_ORDER = {"does_not_cover": 0, "partial": 1, "covers": 2}


def review_first(finding: Finding) -> bool:
    """The judge marks a doubtful verdict, or one where the rules and the model disagree, to be looked at
    first (issue 16's contract): read defensively, absent is False."""
    data = finding.data if isinstance(finding.data, dict) else {}
    return bool(data.get("review_first"))


def subjects(card: Scorecard, kinds: list[str] | None = None) -> dict[int, Subject]:
    """Each indicator's subject: itself, or the cost/count pair it belongs to (pairs sharing a row are one).
    `kinds`: compose.row_kinds(card), when the caller has it."""
    indicators = card.indicators
    pairs = pair_cost_rows(card)
    paired = [row.index for pair in pairs for row in pair]
    if len(set(paired)) == len(paired):
        # No row in two pairs (nearly always): each pair is a subject as it stands, without the union-find.
        apart = set(paired)
        groups = [[i] for i in range(len(indicators)) if i not in apart]
        groups += [[q.index, c.index] if q.index < c.index else [c.index, q.index] for q, c in pairs]
    else:
        parent = list(range(len(indicators)))
        for quantity, cost in pairs:
            parent[_root(parent, cost.index)] = _root(parent, quantity.index)
        members: dict[int, list[int]] = {}
        for i in range(len(parent)):
            members.setdefault(_root(parent, i), []).append(i)
        groups = list(members.values())  # each list in row order already: rows are added by index
    out: dict[int, Subject] = {}
    for rows in groups:
        first = indicators[rows[0]]
        if len(rows) == 1:
            row = rows[0]
            kind = kinds[row] if kinds is not None else row_kind(first)
            out[row] = Subject(f"I:{row}", (row,), kind, f"第{row + 1}项“{first.name}”")
            continue
        numbers = "、".join([str(i + 1) for i in rows])
        count = next((indicators[i] for i in rows if not indicators[i].cost), first)
        subject = Subject(f"I:{','.join(map(str, rows))}", tuple(rows), "pair",
                          f"第{numbers}项“{count.name}”（数量与成本）")
        for i in rows:
            out[i] = subject
    return out


def _root(parent: list[int], i: int) -> int:
    """The representative of row i's set (union-find, with path halving)."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _form_parts() -> dict[str, tuple[str, str]]:
    """code -> (part, title); a code two parts list goes to the first."""
    parts: dict[str, tuple[str, str]] = {}
    for part, (title, codes) in FORM_PARTS.items():
        for code in codes:
            parts.setdefault(code, (part, title))
    return parts


_PART_OF_CODE = _form_parts()


def form_subject(code: str) -> Subject:
    part, title = _PART_OF_CODE.get(code, ("form", "全表"))
    return Subject(f"F:{part}", (), part, title)


def _order(subject: Subject) -> tuple[int, int]:
    if subject.rows:
        return (1, subject.rows[0])
    part = subject.key[2:]
    return (0, FORM_ORDER.index(part)) if part in FORM_ORDER else (2, list(FORM_PARTS).index(part)
                                                                     if part in FORM_PARTS else 99)


def _gather(review: Review, kinds: list[str] | None = None) -> list[tuple[Subject, list[Finding]]]:
    """Each subject with its findings (in the review's order), the subjects in the order a 复核意见 reads them.
    A finding about several rows is evidence on each of their subjects, once on each."""
    by_row = subjects(review.card, kinds)
    gathered: dict[str, tuple[Subject, list[Finding]]] = {}
    for finding in review.findings:
        indicators = finding.indicators
        if len(indicators) == 1:  # most findings: one row, one subject
            subject = by_row.get(indicators[0])
            if subject is None:
                continue
            entry = gathered.get(subject.key)
            if entry is None:
                entry = gathered[subject.key] = (subject, [])
            entry[1].append(finding)
            continue
        if indicators:
            places: dict[str, Subject] = {}
            for i in indicators:
                subject = by_row.get(i)
                if subject is not None:
                    places[subject.key] = subject
        else:
            subject = form_subject(finding.code)
            places = {subject.key: subject}
        for key, subject in places.items():
            entry = gathered.get(key)
            if entry is None:
                entry = gathered[key] = (subject, [])
            entry[1].append(finding)
    return sorted(gathered.values(), key=lambda item: _order(item[0]))


def build_points(review: Review) -> list[PointDraft]:
    """The points of one reviewed form, in the order a 复核意见 reads them (预算执行 and 总分 first,
    then the indicators in form order, then 指标体系 and 表头). Findings must carry their ids."""
    card = review.card
    kinds = row_kinds(card)
    drafts = []
    for subject, findings in _gather(review, kinds):
        # One loop over the point's findings for everything the draft reads of them: a comprehension each
        # (a function object and a frame apiece in Python 3.11) took 2.5 times as long for a point's few findings.
        # The severity and the verdict are the first of the lowest rank, as min() with a key gives them.
        first, clean, codes, ids = False, True, {}, []
        severity, severity_rank, verdict, verdict_rank = "", 99, None, 99
        for f in findings:
            code = f.code
            codes[code] = None
            if code == "EXPLANATION_VERDICT":
                if f.verdict:
                    rank = VERDICT_ORDER.get(f.verdict, 9)  # unknown verdicts last
                    if rank < verdict_rank:
                        verdict, verdict_rank = f.verdict, rank
                if clean and (f.verdict != "covers" or f.tags):
                    clean = False
            else:
                clean = False
            if not first and isinstance(f.data, dict) and f.data.get("review_first"):  # review_first(f)
                first = True
            rank = SEVERITY_ORDER[f.severity]
            if rank < severity_rank:
                severity, severity_rank = f.severity, rank
            ids.append(f.id)
        if not first and clean:  # only verdicts that the explanation covers its gap: nothing to decide
            continue
        codes_met = tuple(codes)
        comment = compose(subject, findings, card, kinds, codes_met)
        drafts.append(PointDraft(
            subject.key, len(drafts), subject.rows, subject.kind, subject.title,
            severity, codes_met, verdict, first, tuple(ids), comment.text,
            comment.as_parts()))
    return drafts


__all__ = ["BUILDER", "build_points", "subjects", "form_subject", "review_first"]
