"""Opening review.db: the one place that sets its connection up (WAL, busy timeout, durability)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

BUSY_TIMEOUT_SECONDS = 30
WAL_IN_READ_ONLY_FOLDER = "read-only folder holding a -wal file"  # health.py says it in Chinese


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
    on a read-only share without one, immutable=1 — only when there is no -wal file: it may hold commits
    the main file lacks, and even empty it means a connection may be open and about to write (the last
    connection to close removes it)."""
    uri = Path(path).resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        # No -shm can be made: "unable to open" (a read-only folder), "readonly database" (and file).
        cannot_share = "unable to open" in str(exc) or "readonly database" in str(exc)
        if not cannot_share:
            raise
        if Path(f"{path}-wal").exists():
            conn.close()
            raise sqlite3.OperationalError(f"{exc}: {WAL_IN_READ_ONLY_FOLDER}") from None
    conn.close()
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=BUSY_TIMEOUT_SECONDS,
                           isolation_level=None)
