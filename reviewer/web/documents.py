"""Downloads: the Word 复核意见 of a form, the Excel 底稿 / 问题清单 of a form or of the filtered batch, and
the JSON export — the same files `review report` writes, made in a temporary folder that is removed
once sent. A supervisor in read-only mode may download them too: nothing in the database changes."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from ..signoff.forms import FormReview, file_name
from ..signoff.report import to_json
from ..store import StoreError
from .points import checked_id
from .query import Query
from .responses import bench_of, page, reviewer_of

MAX_WORKBOOK_FORMS = 300  # one sheet per form: beyond this, `review report --format xlsx` on the terminal
MAX_JSON_FORMS = 1000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _send(folder: Path, path: Path, kind: str) -> FileResponse:
    return FileResponse(path, media_type=kind, filename=path.name,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


def _safe(text: str) -> str:
    """Part of a file name: characters Windows refuses replaced."""
    return "".join("_" if ch in '\\/:*?"<>|' or ord(ch) < 32 else ch for ch in text).strip(" .")[:80] or "表单"


def _review(request: Request, signoff, form_id: str) -> FormReview:
    try:
        return signoff.form_review(form_id)
    except StoreError:
        raise HTTPException(404, "找不到该表单") from None


def form_docx(request: Request) -> Response:
    form_id = checked_id(request.path_params["form_id"])
    draft = request.query_params.get("draft") == "1"
    bench = bench_of(request)
    reviewer = bench.config.signoff.reviewer or reviewer_of(request)
    with bench.signoff() as signoff:
        review = _review(request, signoff, form_id)
        refusal = None if draft else _final_refusal(review, bench.config.signoff.bureau)
        if refusal:
            return page(request, "error.html", status=409, message=refusal,
                        link=(f"/forms/{form_id}/report.docx?draft=1", "下载草稿（每页标注“草稿”）"))
        folder = Path(tempfile.mkdtemp(prefix="review-docx-"))
        try:
            path = signoff.write_docx(form_id, folder / file_name(review, draft), draft=draft, reviewer=reviewer)
        except StoreError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            return page(request, "error.html", status=409, message=exc.message)
    return _send(folder, path, DOCX)


def _final_refusal(review: FormReview, bureau: str) -> str | None:
    """Why a final (not draft) 复核意见 cannot be issued yet, in the workbench's words."""
    if review.pending:
        return f"「{review.record.name}」尚有 {len(review.pending)} 个要点待审核，不能出具正式复核意见；可先下载草稿。"
    if not bureau:
        return "未配置复核单位名称（落款），不能出具正式复核意见：请在 review serve --config 指定的文件中设置 [signoff] bureau；可先下载草稿。"
    return None


def form_xlsx(request: Request) -> Response:
    form_id = checked_id(request.path_params["form_id"])
    folder = Path(tempfile.mkdtemp(prefix="review-xlsx-"))
    with bench_of(request).signoff() as signoff:
        review = _review(request, signoff, form_id)
        path = signoff.write_xlsx((form_id,), folder / f"复核底稿_{_safe(review.record.name)}（{review.record.year}年度）.xlsx")
    return _send(folder, path, XLSX)


def form_json(request: Request) -> Response:
    form_id = checked_id(request.path_params["form_id"])
    bench = bench_of(request)
    with bench.signoff() as signoff:
        review = _review(request, signoff, form_id)
        data = to_json(signoff.store, [review], bench.config.signoff.reviewer or None)
    return _json_download(data, f"复核_{_safe(review.record.name)}（{review.record.year}年度）.json")


def _chosen(request: Request, limit: int) -> list[str] | Response:
    """The ids of the forms the batch page's filters keep, or a page saying there are too many."""
    query, _ = Query.parse(request.query_params)
    ids = [line.form_id for line in query.sorted(bench_of(request).index.lines()) if query.keeps(line)]
    if not ids:
        return page(request, "error.html", status=404, message="没有符合筛选条件的表单。")
    if len(ids) > limit:
        return page(request, "error.html", status=413,
                    message=f"符合条件的表单有 {len(ids)} 份，超过网页下载的上限 {limit} 份。请缩小筛选范围，"
                            "或在终端用 review report --format xlsx（或 json）导出全部。")
    return ids


def batch_xlsx(request: Request) -> Response:
    ids = _chosen(request, MAX_WORKBOOK_FORMS)
    if isinstance(ids, Response):
        return ids
    folder = Path(tempfile.mkdtemp(prefix="review-xlsx-"))
    with bench_of(request).signoff() as signoff:
        path = signoff.write_xlsx(tuple(ids), folder / f"复核底稿_{len(ids)}份表单.xlsx")
    return _send(folder, path, XLSX)


def batch_json(request: Request) -> Response:
    ids = _chosen(request, MAX_JSON_FORMS)
    if isinstance(ids, Response):
        return ids
    bench = bench_of(request)
    with bench.signoff() as signoff:
        data = to_json(signoff.store, [signoff.form_review(i) for i in ids], bench.config.signoff.reviewer or None)
    return _json_download(data, f"复核_{len(ids)}份表单.json")


def _json_download(data: object, name: str) -> Response:
    from urllib.parse import quote

    body = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return Response(body, media_type="application/json; charset=utf-8", headers={
        "content-disposition": f"attachment; filename=\"report.json\"; filename*=utf-8''{quote(name)}"})


__all__ = ["form_docx", "form_xlsx", "form_json", "batch_xlsx", "batch_json"]
