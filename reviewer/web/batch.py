"""The batch pages: every form ranked by seriousness with its figures and filters, the 问题清单 across the
forms, and the team's progress."""

from __future__ import annotations

import os

from starlette.requests import Request
from starlette.responses import Response

from ..signoff.xlsx import ISSUE_COLUMNS, issue_rows
from ..store import Refusal
from .overview import BatchLine, Snapshot, Totals
from .query import PAGE_SIZE, Query, page_of
from .responses import ask_name, bench_of, page

ISSUE_FORMS_PER_PAGE = 10
LEVELS = ("P0", "P1", "P2")


def _filtered(request: Request) -> tuple[Query, list[str], Snapshot, list[BatchLine] | tuple[BatchLine, ...]] | Response:
    """The query, its notices, the batch, and the lines the filters keep in the order asked for; or the page
    to show instead (the reviewer's name first, the overview being built)."""
    asked = ask_name(request)
    if asked:
        return asked
    query, notices = Query.parse(request.query_params)
    bench = bench_of(request)
    if bench.index.warming is not None:
        done, total = bench.index.warming
        return page(request, "warming.html", done=done, total=total)
    batch = bench.index.snapshot()
    kept = [line for line in batch.lines if query.keeps(line)] if query.filtered else batch.lines
    return query, notices, batch, query.sorted(kept)


def batch_page(request: Request) -> Response:
    found = _filtered(request)
    if isinstance(found, Response):
        return found
    query, notices, batch, kept = found
    shown, number, pages = page_of(kept, query.page)
    with bench_of(request).signoff() as signoff:
        refused = [_refusal(r) for r in signoff.store.refusals()]
    totals = batch.totals if kept is batch.lines else Totals.of(kept)
    return page(request, "batch.html", nav="batch", query=query, notices=notices, lines=shown, page=number,
                pages=pages, totals=totals, all_totals=batch.totals, refused=refused, facets=batch.facets,
                first=(number - 1) * PAGE_SIZE)


def _refusal(refusal: Refusal) -> dict[str, str]:
    """A refused file as a page shows it: its name and the reason, without the folders it sits in."""
    name = os.path.basename(refusal.file)
    return {"file": name, "message": refusal.message.replace(refusal.file, name), "at": refusal.at}


def issues_page(request: Request) -> Response:
    found = _filtered(request)
    if isinstance(found, Response):
        return found
    query, notices, batch, kept = found
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
                facets=batch.facets)


def progress_page(request: Request) -> Response:
    bench = bench_of(request)
    if bench.index.warming is not None:
        done, total = bench.index.warming
        return page(request, "warming.html", done=done, total=total)
    batch = bench.index.snapshot()
    units: dict[str, list[BatchLine]] = {}
    for line in batch.lines:
        units.setdefault(line.unit, []).append(line)
    per_unit = sorted(((unit, Totals.of(members)) for unit, members in units.items()),
                      key=lambda item: (-item[1].pending, item[0]))
    return page(request, "progress.html", nav="progress", people=bench.team.people(), totals=batch.totals,
                units=per_unit)


__all__ = ["batch_page", "issues_page", "progress_page"]
