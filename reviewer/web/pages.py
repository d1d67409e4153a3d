"""The small pages: help (keys, the rulebook in force), the reviewer's name, logging in and out, and the
error pages (a Chinese message, never a traceback)."""

from __future__ import annotations

import logging
import sqlite3

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ..errors import ReviewerError
from ..store.health import DatabaseError, database_error
from ..signoff.rulebook import REVERSE
from .responses import bench_of, clean_name, name_cookie_value, page, reviewer_of, safe_back, wants_json

NAME_DAYS = 365

KEYS = [
    ("j / k", "下一个 / 上一个要点"),
    ("a", "采纳：按建议意见（或已修改的文字）列入复核意见"),
    ("r", "驳回：不列入复核意见"),
    ("e", "修改意见后采纳（Ctrl+Enter 保存，Esc 取消）"),
    ("g", "改分：修改本要点所涉指标的复核得分，注明复核口径条款和理由"),
    ("s", "跳过：暂不处理，本页不再显示（刷新或重新进入后仍从第一条待审要点开始）"),
    ("u", "撤销上一步（决定、跳过或改分），可连续撤销；本页没有可撤销的操作时，撤销您最近的一次决定"),
    ("/", "筛选：跳到筛选栏"),
    ("?", "帮助（本页）"),
]


def help_page(request: Request) -> Response:
    bench = bench_of(request)
    settings = bench.config.signoff
    return page(request, "help.html", nav="help", keys=KEYS, clauses=list(bench.rulebook.clauses.values()),
                reverse=REVERSE[bench.rulebook.reverse], grades=settings.grades, settings=settings)


async def name_page(request: Request) -> Response:
    target = safe_back(request.query_params.get("next"))
    if request.method == "GET":
        return page(request, "name.html", next=target, current=reviewer_of(request) or "")
    form = await request.form()
    target = safe_back(str(form.get("next", "")))
    name = clean_name(str(form.get("name", "")))
    if name is None:
        return page(request, "name.html", status=400, next=target, current="", error="请填写姓名。")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(bench_of(request).name_cookie, name_cookie_value(name), max_age=NAME_DAYS * 86400,
                        httponly=True, samesite="strict")
    return response


async def login_page(request: Request) -> Response:
    bench = bench_of(request)
    target = safe_back(request.query_params.get("next"))
    if not bench.login:
        return RedirectResponse("/", status_code=303)
    if request.method == "GET":
        return page(request, "login.html", next=target, error="")
    client = request.client.host if request.client else "?"
    wait = bench.limiter.wait(client)
    if wait:
        refused = page(request, "login.html", status=429, next=target, error=f"登录失败次数过多，请 {wait} 秒后再试。")
        refused.headers["retry-after"] = str(wait)
        return refused
    form = await request.form()
    target = safe_back(str(form.get("next", "")))
    secret = str(form.get("password", ""))
    from starlette.concurrency import run_in_threadpool

    if not secret or not await run_in_threadpool(bench.credentials.check, secret):  # scrypt: ~50 ms, off the loop
        bench.limiter.failed(client)
        return page(request, "login.html", status=401, next=target, error="密码或令牌不正确。")
    bench.limiter.succeeded(client)
    request.scope["state"]["session"].login()
    return RedirectResponse(target, status_code=303)


def logout(request: Request) -> Response:
    request.scope["state"]["session"].logout()
    return RedirectResponse("/login" if bench_of(request).login else "/", status_code=303)


def favicon(request: Request) -> Response:
    return Response(status_code=204)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    message = exc.detail if exc.status_code != 404 or exc.detail != "Not Found" else "找不到该页面"
    if exc.status_code == 405:
        message = "不支持该请求方式"
    if wants_json(request):
        return JSONResponse({"ok": False, "message": message}, status_code=exc.status_code)
    return page(request, "error.html", status=exc.status_code, message=message)


async def _reviewer_error(request: Request, exc: ReviewerError) -> Response:
    if wants_json(request):
        return JSONResponse({"ok": False, "message": exc.message}, status_code=400)
    return page(request, "error.html", status=400, message=exc.message)


async def _database_error(request: Request, exc: sqlite3.Error | DatabaseError) -> Response:
    """SQLite failing in the middle of a request (a page damaged after the server started, a full disk,
    the file made read-only, a lock held too long): the reviewer reads what happened and what to do in
    Chinese, as the command line says it; nothing of the request was stored (each is one transaction)."""
    message = exc.message if isinstance(exc, DatabaseError) else database_error(bench_of(request).db, exc).message
    logging.getLogger("reviewer.web").error("%s %s: %s", request.method, request.url.path, message)
    if wants_json(request):
        return JSONResponse({"ok": False, "message": message}, status_code=503)
    return page(request, "error.html", status=503, message=message)


EXCEPTION_HANDLERS = {HTTPException: _http_error, ReviewerError: _reviewer_error, sqlite3.Error: _database_error,
                      DatabaseError: _database_error}

__all__ = ["help_page", "name_page", "login_page", "logout", "favicon", "EXCEPTION_HANDLERS", "KEYS"]
