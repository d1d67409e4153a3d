"""Opening review.db: the one place that sets its connection up (WAL, busy timeout, durability)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

BUSY_TIMEOUT_SECONDS = 30


def connect(path: str | Path, read_only: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (callers issue BEGIN IMMEDIATE / COMMIT themselves).

    WAL lets readers go on while one process writes; NORMAL synchronisation with WAL survives a
    killed process. A read-only connection never creates the file nor changes its journal mode."""
    if read_only:
        uri = f"{Path(path).resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    else:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
    if not read_only:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn
