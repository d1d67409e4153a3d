"""The batch pages: every form ranked by seriousness with its figures and filters, the 问题清单 across the
forms, and the team's progress."""

from __future__ import annotations

import os
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from ..checks.catalogue import TITLE
from ..signoff.xlsx import ISSUE_COLUMNS, issue_rows
from ..store import Refusal
from .overview import BatchLine
from .query import Query, page_of
from .responses import ask_name, bench_of, page

ISSUE_FORMS_PER_PAGE = 20
LEVELS = ("P0", "P1", "P2")


@dataclass
class Totals:
    forms: int = 0
    points: int = 0
    pending: int = 0
    decided: int = 0
    flagged: int = 0

    @classmethod
    def of(cls, lines: list[BatchLine]) -> "Totals":
        return cls(len(lines), sum(l.points for l in lines), sum(l.pending for l in lines),
                   sum(l.decided for l in lines), sum(l.flagged for l in lines))

    @property
    def share(self) -> int:
        """Percent of points decided, rounded down (100 only when all are)."""
        return 100 * self.decided // self.points if self.points else 100


def _filtered(request: Request) -> tuple[Query, list[str], list[BatchLine], list[BatchLine]] | Response:
    query, notices = Query.parse(request.query_params)
    bench = bench_of(request)
    if bench.index.warming is not None:
        done, total = bench.index.warming
        return page(request, "warming.html", done=done, total=total)
    lines = bench.index.lines()
    return query, notices, lines, query.sorted([line for line in lines if query.keeps(line)])


def batch_page(request: Request) -> Response:
    asked = ask_name(request)
    if asked:
        return asked
    found = _filtered(request)
    if isinstance(found, Response):
        return found
    query, notices, lines, kept = found
    shown, number, pages = page_of(kept, query.page)
    with bench_of(request).signoff() as signoff:
        refused = [_refusal(r) for r in signoff.store.refusals()]
    return page(request, "batch.html", nav="batch", query=query, notices=notices, lines=shown, page=number,
                pages=pages, totals=Totals.of(kept), all_totals=Totals.of(lines), refused=refused,
                facets=_facets(lines), first=(number - 1) * 50)


def _facets(lines: list[BatchLine]) -> dict[str, list]:
    """The values the filters offer: those present in the batch."""
    codes = sorted({code for line in lines for code in line.codes})
    return {"units": sorted({l.unit for l in lines}), "departments": sorted({l.department for l in lines}),
            "years": sorted({l.year for l in lines}, reverse=True),
            "codes": [(code, TITLE.get(code, code)) for code in codes]}


def _refusal(refusal: Refusal) -> dict[str, str]:
    """A refused file as a page shows it: its name and the reason, without the folders it sits in."""
    name = os.path.basename(refusal.file)
    return {"file": name, "message": refusal.message.replace(refusal.file, name), "at": refusal.at}


def issues_page(request: Request) -> Response:
    asked = ask_name(request)
    if asked:
        return asked
    found = _filtered(request)
    if isinstance(found, Response):
        return found
    query, notices, lines, kept = found
    level = request.query_params.get("level", "")
    level = level if level in LEVELS else ""
    shown, number, pages = page_of(kept, query.page, ISSUE_FORMS_PER_PAGE)
    bench = bench_of(request)
    with bench.signoff() as signoff:
        reviews = [signoff.form_review(line.form_id) for line in shown]
    groups = []
    for review in reviews:
        rows = [dict(zip(ISSUE_COLUMNS, row)) for row in issue_rows([review], bench.rulebook, bench.config.signoff.tz)]
        rows = [row for row in rows if not level or row["等级"] == level]
        if rows:
            groups.append((review.record, rows))
    return page(request, "issues.html", nav="issues", query=query, notices=notices, groups=groups, page=number,
                pages=pages, level=level, levels=LEVELS, forms=len(kept), shown_forms=len(shown),
                facets=_facets(lines))


def progress_page(request: Request) -> Response:
    bench = bench_of(request)
    if bench.index.warming is not None:
        done, total = bench.index.warming
        return page(request, "warming.html", done=done, total=total)
    lines = bench.index.lines()
    units: dict[str, list[BatchLine]] = {}
    for line in lines:
        units.setdefault(line.unit, []).append(line)
    per_unit = sorted(((unit, Totals.of(members)) for unit, members in units.items()),
                      key=lambda item: (-item[1].pending, item[0]))
    return page(request, "progress.html", nav="progress", people=bench.team.people(), totals=Totals.of(lines),
                units=per_unit)


__all__ = ["batch_page", "issues_page", "progress_page", "Totals"]
