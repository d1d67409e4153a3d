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
        conn = _read_only(path)
    else:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
    if not read_only:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _read_only(path: str | Path) -> sqlite3.Connection:
    """mode=ro, which still needs a -shm file beside a WAL database (so a folder it can create one in);
    on a read-only share without one, immutable=1 — only when no -wal file holds commits the main file
    lacks (a writer that closed cleanly leaves none, or an empty one)."""
    uri = Path(path).resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        wal = Path(f"{path}-wal")
        # No -shm can be made: "unable to open" (a read-only folder), "readonly database" (and file).
        cannot_share = "unable to open" in str(exc) or "readonly database" in str(exc)
        if not cannot_share or (wal.exists() and wal.stat().st_size > 0):
            raise
    conn.close()
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=BUSY_TIMEOUT_SECONDS,
                           isolation_level=None)
