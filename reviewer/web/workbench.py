"""What every route of the workbench shares (Workbench): the database, the bureau's settings and rulebook,
the templates, the caches, the login's secrets.

Each request opens the store for itself (a connection never crosses threads: Starlette runs the routes
in its thread pool) and closes it after; SQLite's WAL lets `review`, the terminal session and every
reviewer's browser share the file. Decisions and score changes go through the sign-off API (Signoff)
with what the reviewer saw, so a change someone else made meanwhile is shown, never overwritten.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from jinja2 import Environment

from ..config import Config
from ..signoff.rulebook import Rulebook
from ..signoff.service import Signoff
from ..store import Store
from .overview import BatchIndex, TeamProgress
from .security import Credentials, LoginLimiter


@dataclass
class Workbench:
    """What every route shares: where the database is, the bureau's settings, the caches, the templates."""

    db: Path
    config: Config
    rulebook: Rulebook
    read_only: bool
    login: bool  # a password or token is required
    port: int
    templates: Environment
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    credentials: Credentials | None = None
    index: BatchIndex = field(init=False)
    team: TeamProgress = field(init=False)
    _anchor: Store | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.index = BatchIndex(self.signoff)
        self.team = TeamProgress(self.signoff)

    def open(self) -> None:
        """Hold one connection for the server's life. SQLite checkpoints the WAL when the last connection
        to a database closes: without this one, every request that wrote would pay for it on closing."""
        if self._anchor is None:
            self._anchor = Store(self.db, create=False, read_only=self.read_only)

    def close(self) -> None:
        if self._anchor is not None:
            self._anchor.close()
            self._anchor = None

    @contextmanager
    def signoff(self) -> Iterator[Signoff]:
        """The sign-off API over a store opened for this request (read-only for a supervisor)."""
        store = Store(self.db, create=False, read_only=self.read_only)
        try:
            yield Signoff(store, self.config, self.rulebook, build_points=False)
        finally:
            store.close()

    @property
    def name_cookie(self) -> str:
        return f"review_name_{self.port}"


__all__ = ["Workbench"]
