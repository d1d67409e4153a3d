"""The workbench application: `create_app(db, config, ...)` gives a Starlette app over one review.db:
its routes, the Guard in front of them (security.py), and the Workbench they share (workbench.py)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator, Iterable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..config import Config
from ..signoff.rulebook import load_rulebook
from ..signoff.service import Signoff
from ..store import Store
from . import actions, batch, documents, pages, points
from .security import Credentials, Guard, Policy, Signer, allowed_hosts
from .templating import environment
from .workbench import Workbench

STATIC = Path(__file__).parent / "static"


def create_app(db: str | Path, config: Config | None = None, *, read_only: bool = False,
               secrets: Iterable[str] = (), host: str = "127.0.0.1", port: int = 8765,
               allow_hosts: Iterable[str] = (), warm: bool = True) -> Starlette:
    """The workbench over `db`. `secrets` are the password and tokens a login accepts (none: no login;
    only hashes are kept). Requests must address the server by a loopback name, `host` or one of
    `allow_hosts`. StoreError when the database does not exist."""
    config = config or Config()
    path = Path(db)
    # Refuse a missing database now, not per request (writable: an older one is migrated here, not refused).
    Store(path, create=False, read_only=read_only).close()
    credentials = Credentials(secrets)
    bench = Workbench(path, config, load_rulebook(config.signoff.rulebook), read_only, bool(credentials), port,
                      environment(), credentials=credentials)
    if not read_only:
        with Store(path, create=False) as store:
            Signoff(store, config, bench.rulebook)  # migrates, and builds points of forms stored without them

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        bench.open()
        if warm:
            bench.index.warm()
        try:
            yield
        finally:
            bench.close()

    routes = [
        Route("/", batch.batch_page),
        Route("/issues", batch.issues_page),
        Route("/progress", batch.progress_page),
        Route("/queue", points.queue_page),
        Route("/queue/next", points.next_point),
        Route("/points/{point_id:str}", points.point_card),
        Route("/points/{point_id:str}/decide", actions.decide, methods=["POST"]),
        Route("/decisions/{decision_id:str}/undo", actions.undo_decision, methods=["POST"]),
        Route("/undo", actions.undo_last, methods=["POST"]),
        Route("/forms/{form_id:str}", points.form_page),
        Route("/forms/{form_id:str}/score", actions.set_score, methods=["POST"]),
        Route("/scores/{change_id:str}/undo", actions.undo_score, methods=["POST"]),
        Route("/forms/{form_id:str}/report.docx", documents.form_docx),
        Route("/forms/{form_id:str}/workbook.xlsx", documents.form_xlsx),
        Route("/forms/{form_id:str}/report.json", documents.form_json),
        Route("/batch/workbook.xlsx", documents.batch_xlsx),
        Route("/batch/report.json", documents.batch_json),
        Route("/help", pages.help_page),
        Route("/name", pages.name_page, methods=["GET", "POST"]),
        Route("/login", pages.login_page, methods=["GET", "POST"]),
        Route("/logout", pages.logout, methods=["POST"]),
        Route("/favicon.ico", pages.favicon),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    policy = Policy(allowed_hosts(host, allow_hosts), credentials, Signer(), f"review_session_{port}", read_only)
    app = Starlette(routes=routes, middleware=[Middleware(Guard, policy=policy)], lifespan=lifespan,
                    exception_handlers=pages.EXCEPTION_HANDLERS)
    app.state.bench = bench
    return app


__all__ = ["create_app"]
