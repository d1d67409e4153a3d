"""The pages a reviewer decides on: the queue (one point at a time across the filtered forms, like the
terminal session) and a form (its header, funds, scorecard and every point), with the point card as a
fragment the page's script swaps in after each key."""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ..signoff.forms import FormReview
from ..signoff.service import Signoff
from ..signoff.session import Queue
from ..store import StoreError
from .query import Query
from .responses import ask_name, bench_of, page, render, reviewer_of, wants_json
from .views import PointView, point_view

MAX_SKIPPED = 500
_ID = re.compile(r"^[0-9A-Za-z]{1,64}$")


def checked_id(value: str) -> str:
    """An id from a URL: letters and digits only (ids are hashes and ULIDs), else 404."""
    if not _ID.match(value):
        raise HTTPException(404, "找不到该页面")
    return value


def skipped_from(raw: str) -> list[str]:
    """The points this page skipped (its script sends them along): ids only, bounded."""
    return [part for part in raw.split(",") if _ID.match(part)][:MAX_SKIPPED]


def queue_view(signoff: Signoff, query: Query, skip: list[str], reviewer: str, focus: str | None = None,
               message: str = "", conflict: bool = False,
               reviews: dict[str, FormReview] | None = None) -> PointView | None:
    """The queue's next point (or `focus`, if still pending) with its place in the queue; None when done.
    `reviews`: forms already read for this request (the next point is mostly on the same form)."""
    queue = Queue(signoff, query.point_filters(), reviewer)
    queue.skipped = [s for s in skip if s != focus]
    if focus:
        queue.focus(focus)
    point = queue.current()
    if point is None:
        return None
    review = (reviews or {}).get(point.form_id) or signoff.form_review(point.form_id)
    return point_view(signoff, review, point, position=queue.progress(point), queue=query.params(page=1),
                      message=message, conflict=conflict)


def card_html(request: Request, view: PointView | None, query: Query | None = None) -> str:
    if view is None:
        return render(request, "_queue_done.html", query=query or Query())
    return render(request, "_point.html", v=view)


def queue_page(request: Request) -> Response:
    query, notices = Query.parse(request.query_params)
    asked = ask_name(request)
    if asked:
        return asked
    with bench_of(request).signoff() as signoff:
        view = queue_view(signoff, query, [], reviewer_of(request) or "")
        return page(request, "queue.html", nav="queue", query=query, notices=notices, v=view)


def next_point(request: Request) -> Response:
    """The queue's next point as a fragment: after a skip, or to show a point again (`focus`)."""
    query, _ = Query.parse(request.query_params)
    focus = request.query_params.get("focus")
    focus = focus if focus and _ID.match(focus) else None
    with bench_of(request).signoff() as signoff:
        view = queue_view(signoff, query, skipped_from(request.query_params.get("skip", "")), reviewer_of(request) or "", focus,
                          request.query_params.get("message", "")[:200])
        html = card_html(request, view, query)
    return JSONResponse({"ok": True, "html": html, "point": view.point.id if view else None})


def point_card(request: Request) -> Response:
    """One point's card (the form page swaps it in); a browser asking for the page goes to its form."""
    point_id = checked_id(request.path_params["point_id"])
    with bench_of(request).signoff() as signoff:
        try:
            point = signoff.point(point_id)
        except StoreError:
            raise HTTPException(404, "找不到该要点") from None
        if not wants_json(request):
            return RedirectResponse(f"/forms/{point.form_id}#p-{point.id}", status_code=303)
        view = point_view(signoff, signoff.form_review(point.form_id), point)
        html = render(request, "_point.html", v=view)
    return JSONResponse({"ok": True, "html": html, "point": point.id})


def form_page(request: Request) -> Response:
    form_id = checked_id(request.path_params["form_id"])
    asked = ask_name(request)
    if asked:
        return asked
    bench = bench_of(request)
    with bench.signoff() as signoff:
        try:
            review = signoff.form_review(form_id)
        except StoreError:
            raise HTTPException(404, "找不到该表单") from None
        views = [point_view(signoff, review, point) for point in review.points]
        current = None
        if review.record.superseded_by:
            current = signoff.store.form(review.record.superseded_by)
        html = render(request, "form.html", nav="batch", review=review, views=views, current=current,
                      clauses=list(bench.rulebook.clauses.values()), settings=bench.config.signoff)
    return HTMLResponse(html)


__all__ = ["queue_page", "next_point", "point_card", "form_page", "queue_view", "card_html", "checked_id", "skipped_from"]
