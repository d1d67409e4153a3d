"""The changes a reviewer makes, each a POST (CSRF-checked by the Guard, refused in read-only mode):
decide on a point, undo a decision, set a row's 复核得分 / 复核完成值, undo a score change.

Every change is taken with what the reviewer saw (`expect`: the point's status, the row's score in
force): if someone decided or scored meanwhile, nothing is written and the reply shows what they did
(409), never overwriting it. Replies are JSON for the page's script, carrying the re-rendered card (and,
in the queue, the next point) and what `u` would undo; a plain form post goes back to its page.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..errors import ReviewerError
from ..store import ACTION_LABEL, STATUS_LABEL, Conflict, PointDecision, StoreError
from ..signoff.service import Signoff
from .points import card_html, checked_id, queue_view, skipped_from
from .query import Query
from .responses import bench_of, render, reply, reviewer_of
from .views import point_view, row_label

ACTIONS = ("accept", "reject", "edit", "reopen")
MAX_COMMENT = 4000
MAX_REASON = 500
NO_NAME = {"ok": False, "need_name": True, "message": "请先填写审核人姓名（每次决定都会记录审核人）。"}
Work = Callable[[Request, Signoff, dict[str, str], str], tuple[dict[str, Any], int]]


def posted(work: Work) -> Callable[[Request], Awaitable[Response]]:
    """A change taken by a named reviewer: the form read, the name required, `work` run on a store opened for
    this request in the thread pool (SQLite blocks); a refused change (ReviewerError) is a 400 saying why."""

    async def endpoint(request: Request) -> Response:
        form = await request.form()
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        reviewer = reviewer_of(request)
        if reviewer is None:
            return reply(request, NO_NAME, 400)

        def call() -> tuple[dict[str, Any], int]:
            with bench_of(request).signoff() as signoff:
                try:
                    return work(request, signoff, fields, reviewer)
                except ReviewerError as exc:
                    return {"ok": False, "message": exc.message}, 400

        data, status = await run_in_threadpool(call)
        return reply(request, data, status, back=data.get("back"))

    endpoint.__doc__ = work.__doc__
    return endpoint


@posted
def decide(request: Request, signoff: Signoff, fields: dict[str, str], reviewer: str) -> tuple[dict[str, Any], int]:
    """accept, reject, edit (with the comment) or reopen a point, as the reviewer saw it (`expect`)."""
    point_id = checked_id(request.path_params["point_id"])
    action, expect = fields.get("action", ""), fields.get("expect") or None
    if action not in ACTIONS:
        raise StoreError(f"未知的操作：{action[:20]}")
    if expect is not None and expect not in STATUS_LABEL:
        raise StoreError("无效的请求")
    comment = fields.get("comment", "")[:MAX_COMMENT] if action == "edit" else None
    point = signoff.point(point_id)
    try:
        decision = signoff.decide(point_id, action, reviewer, comment=comment, expect=expect)
    except Conflict as exc:
        return _card_reply(request, signoff, point_id, fields, f"{exc.message}：未作改动。", conflict=True), 409
    label = f"{ACTION_LABEL[action]}“{point.title}”"
    data = _card_reply(request, signoff, point_id, fields, f"已{label}" if decision else "未作改动")
    data["undo"] = {"kind": "decision", "ref": decision, "point": point_id, "label": label} if decision else None
    return data, 200


@posted
def undo_decision(request: Request, signoff: Signoff, fields: dict[str, str],
                  reviewer: str) -> tuple[dict[str, Any], int]:
    """Undo one decision (this page's own, by id), unless someone decided on top of it."""
    try:
        undone = signoff.undo_decision(checked_id(request.path_params["decision_id"]), reviewer)
    except Conflict as exc:
        return {"ok": False, "conflict": True, "message": f"无法撤销：{exc.message}"}, 409
    return _undone(request, signoff, fields, undone), 200


@posted
def undo_last(request: Request, signoff: Signoff, fields: dict[str, str], reviewer: str) -> tuple[dict[str, Any], int]:
    """`u` with nothing left in this page's own list: the reviewer's last decision still in force."""
    return _undone(request, signoff, fields, signoff.undo_last(reviewer)), 200


def _undone(request: Request, signoff: Signoff, fields: dict[str, str], undone: PointDecision) -> dict[str, Any]:
    point = signoff.point(undone.point_id)
    message = f"已撤销：{ACTION_LABEL.get(undone.action, undone.action)}“{point.title}”"
    return _card_reply(request, signoff, point.id, fields, message, focus=True)


@posted
def set_score(request: Request, signoff: Signoff, fields: dict[str, str], reviewer: str) -> tuple[dict[str, Any], int]:
    """A row's 复核得分 and/or 复核完成值, with the clause and the reason, as the reviewer saw it (`seen-ROW`)."""
    form_id = checked_id(request.path_params["form_id"])
    try:
        row = int(fields.get("row", ""))
    except ValueError:
        raise StoreError("请选择要改分的指标") from None
    seen = fields.get(f"seen-{row}")
    expect: Any = ... if seen is None else (seen or None)  # "": the proposal was in force
    try:
        changes = signoff.set_score(form_id, row, reviewer, score=fields.get("score", "").strip() or None,
                                    value=fields.get("value", "").strip()[:200] or None,
                                    reason=fields.get("reason", "")[:MAX_REASON],
                                    clause=fields.get("clause", "").strip() or None, expect=expect)
    except Conflict as exc:
        return _score_reply(request, signoff, form_id, fields, f"{exc.message}：未作改动。", conflict=True), 409
    where = row_label(row)
    text = "；".join(f"{where}复核{'得分' if c.field == 'score' else '完成值'}改为{c.after}" for c in changes)
    data = _score_reply(request, signoff, form_id, fields, f"已改：{text}")
    data["undo"] = {"kind": "score", "ref": [c.id for c in changes], "point": fields.get("point") or None,
                    "label": text}
    return data, 200


@posted
def undo_score(request: Request, signoff: Signoff, fields: dict[str, str], reviewer: str) -> tuple[dict[str, Any], int]:
    """Put back what stood before one score change, unless someone changed the row since."""
    change = signoff.store.score_change(checked_id(request.path_params["change_id"]))
    if change is None:
        raise StoreError("找不到该改分记录")
    try:
        undone = signoff.undo_score(change.id, reviewer)
    except Conflict as exc:
        return {"ok": False, "conflict": True, "message": f"无法撤销：{exc.message}"}, 409
    shown = undone.after if undone.after is not None else "建议值"
    text = f"已撤销改分：{row_label(change.row)}复核{'得分' if change.field == 'score' else '完成值'}恢复为{shown}"
    return _score_reply(request, signoff, change.form_id, fields, text), 200


# --- replies ---------------------------------------------------------------------------------------------

def _card_reply(request: Request, signoff: Signoff, point_id: str, fields: dict[str, str], message: str,
                conflict: bool = False, focus: bool = False) -> dict[str, Any]:
    """The point's card as it now stands, and the form's totals; in the queue (a `queue` field), the queue's
    next point instead (after an undo or a conflict: this point again)."""
    point = signoff.point(point_id)
    review = signoff.form_review(point.form_id)
    data: dict[str, Any] = {"ok": not conflict, "conflict": conflict, "message": message, "point": point_id,
                            "status": point.status, "back": f"/forms/{point.form_id}#p-{point.id}"}
    if "queue" not in fields:
        data["html"] = render(request, "_point.html", v=point_view(signoff, review, point, message=message,
                                                                    conflict=conflict))
        data["totals"] = render(request, "_totals.html", review=review)
        return data
    query, _ = Query.parse(_params(fields["queue"]))
    again = conflict or focus
    view = queue_view(signoff, query, skipped_from(fields.get("skip", "")), reviewer_of(request) or "",
                      point_id if again else None, message=message if again else "", conflict=conflict,
                      reviews={review.record.id: review})
    if conflict and (view is None or view.point.id != point_id):  # decided: no longer in the queue of pending
        view = point_view(signoff, review, point, message=message, conflict=True, queue=query.params(page=1))
    data["next"] = card_html(request, view, query)
    data["next_point"] = view.point.id if view else None
    return data


def _score_reply(request: Request, signoff: Signoff, form_id: str, fields: dict[str, str], message: str,
                 conflict: bool = False) -> dict[str, Any]:
    review = signoff.form_review(form_id)
    data: dict[str, Any] = {"ok": not conflict, "conflict": conflict, "message": message,
                            "back": f"/forms/{form_id}#scorecard"}
    data["scorecard"] = render(request, "_scorecard.html", review=review,
                               clauses=list(bench_of(request).rulebook.clauses.values()))
    data["totals"] = render(request, "_totals.html", review=review)
    point_id = fields.get("point")
    if point_id and checked_id(point_id):
        data.update({k: v for k, v in _card_reply(request, signoff, point_id, fields, message, conflict,
                                                  focus=True).items() if k in ("html", "next", "next_point", "point")})
    return data


def _params(text: str) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(text[:2000]))


__all__ = ["decide", "undo_decision", "undo_last", "set_score", "undo_score", "posted"]
