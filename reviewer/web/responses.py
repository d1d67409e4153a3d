"""What the routes share: the workbench, who is reviewing, pages and fragments, JSON replies for the page's
script and redirects for a plain form post."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote, unquote, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from .query import SORTS, STATUSES
from .workbench import Workbench

MAX_NAME = 40


def bench_of(request: Request) -> Workbench:
    return request.app.state.bench


def reviewer_of(request: Request) -> str | None:
    """The name this browser gave (kept in a cookie), or None."""
    raw = request.cookies.get(bench_of(request).name_cookie)
    return clean_name(unquote(raw)) if raw else None


def clean_name(text: str) -> str | None:
    """A reviewer's name as recorded: trimmed, no control characters, at most MAX_NAME characters."""
    name = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip()
    return name[:MAX_NAME] or None


def name_cookie_value(name: str) -> str:
    return quote(name, safe="")


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def safe_back(target: str | None, default: str = "/") -> str:
    """A place to return to on this site: a path, never another host (//evil, http:…, \\\\)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target or "\n" in target:
        return default
    return target


def context(request: Request, **values: Any) -> dict[str, Any]:
    bench = bench_of(request)
    session = request.scope["state"]["session"]
    base = {"request": request, "csrf": session.csrf, "reviewer": reviewer_of(request), "read_only": bench.read_only,
            "login": bench.login, "nav": "", "notices": [], "rulebook": bench.rulebook, "statuses": STATUSES,
            "sorts": SORTS, "path": here(request)}
    base.update(values)
    return base


def render(request: Request, name: str, **values: Any) -> str:
    return bench_of(request).templates.get_template(name).render(context(request, **values))


def page(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    return HTMLResponse(render(request, name, **values), status_code=status)


def reply(request: Request, data: dict[str, Any], status: int = 200, back: str | None = None) -> Response:
    """JSON for the page's script; for a plain form post (no script), back to the page it came from."""
    if wants_json(request):
        return JSONResponse(data, status_code=status)
    if status >= 400:
        return page(request, "error.html", status=status, message=data.get("message", ""))
    return RedirectResponse(safe_back(back), status_code=303)


def here(request: Request) -> str:
    """This request's path and query, to come back to."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def ask_name(request: Request) -> Response | None:
    """A reviewer gives a name once (kept in a cookie) before working; a supervisor need not."""
    if reviewer_of(request) is None and not bench_of(request).read_only:
        return RedirectResponse("/name?" + urlencode({"next": here(request)}), status_code=303)
    return None


__all__ = ["bench_of", "reviewer_of", "clean_name", "name_cookie_value", "wants_json", "safe_back", "context",
           "render", "page", "reply", "here", "ask_name"]
