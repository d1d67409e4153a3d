"""Opening review.db: the one place that sets its connection up (WAL, busy timeout, durability), and the
thread that checkpoints its WAL while a batch writes."""

from __future__ import annotations

import sqlite3
import threading
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any, Sequence

BUSY_TIMEOUT_SECONDS = 30
WAL_SIZE_LIMIT = 64 * 2**20
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
        # A WAL that a long batch grew is cut back to this when it is next started over, not left on disk.
        conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
    return conn


# Rows one multi-row INSERT takes at most (insert_rows): a form's ~35 critiques in one statement. Each statement a
# number of rows up to this compiles once a connection (the connection's statement cache keeps it). 64 new points
# (14 values each, 4 shared) are 900 parameters: under 999, the most a statement took before SQLite 3.32.
VALUES_ROWS = 64


def insert_rows(conn: sqlite3.Connection, into: str, select: str, rows: Sequence[Sequence[Any]],
                shared: Sequence[Any] = ()) -> None:
    """executemany of an INSERT, in statements of up to VALUES_ROWS rows each: `into` is what follows INSERT (table
    and columns), `select` the values of each row as the SELECT over a VALUES list names them (column1, column2...)
    and the `shared` parameters, the same for every row, as ?1, ?2... Binding, stepping and resetting a statement a
    row cost ~7k instructions a row more (a form's critiques: ~0.25 M of the ~2.8 M its store took)."""
    if rows:
        insert_flat(conn, into, select, len(rows[0]), list(chain.from_iterable(rows)), shared)


def insert_flat(conn: sqlite3.Connection, into: str, select: str, width: int, values: list[Any],
                shared: Sequence[Any] = ()) -> None:
    """insert_rows for rows given one after another in one list, `width` values each: what a batch's form builds
    (values += row), where flattening its rows again cost ~0.1 M instructions a form (its critiques, points, codes)."""
    step = VALUES_ROWS * width
    for first in range(0, len(values), step):
        group = values if len(values) <= step else values[first:first + step]
        conn.execute(_values_sql(into, select, width, len(group) // width), [*shared, *group])


@lru_cache(maxsize=256)
def _values_sql(into: str, select: str, width: int, count: int) -> str:
    row = "(" + ",".join("?" * width) + ")"  # numbered after the shared ?N that `select` names before them
    return f"INSERT {into} SELECT {select} FROM (VALUES {','.join([row] * count)})"


def without_nulls(sql: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """A statement whose `{}` takes one placeholder per value, and its parameters: each None the literal NULL
    rather than a parameter. The sqlite3 module looks for an adapter for each parameter that is not a str, int,
    float or bytearray, and for None that look fails through an AttributeError it formats and drops (~3k
    instructions; what binding a short text costs ~0.4k): the form, run and point rows of a batch bound ~85 a form."""
    return _with_nulls(sql, tuple([value is None for value in values])), [value for value in values if value is not None]


@lru_cache(maxsize=64)
def _with_nulls(sql: str, nulls: tuple[bool, ...]) -> str:
    return sql.format(",".join("NULL" if null else "?" for null in nulls))


def blob(data: bytes) -> bytearray:
    """A BLOB parameter as the sqlite3 module binds it without looking for an adapter (see without_nulls): a
    bytearray, copied (a few KB) at a fraction of that look's cost. Stored the same as the bytes."""
    return bytearray(data)


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


class Checkpointer:
    """Copies a batch's WAL into the database file from a thread and connection of its own.

    SQLite checkpoints inside the COMMIT that takes the WAL past 1,000 pages, so a batch writer stopped for it
    about every 30 forms (~0.6 ms a form). Here the writer's own checkpoints are off and each `poke` (after a
    COMMIT) wakes this thread to run a PASSIVE one: it waits for no reader nor writer and takes no write lock,
    so neither the batch nor a reviewer's session waiting to write is held up by it. A checkpoint that fails
    (a full disk) loses nothing: the commits stay in the WAL, and the next checkpoint, or the last connection
    to close, copies them."""

    def __init__(self, path: str | Path, every: int = 1):
        self.path, self.every = str(path), every
        self._wake = threading.Event()
        self._stopping = False
        self._pokes = 0
        self._ready = threading.Event()
        self.ok = False
        self._thread = threading.Thread(target=self._run, name="review-checkpoint", daemon=True)
        self._thread.start()
        self._ready.wait()

    def poke(self) -> None:
        self._pokes += 1
        if self._pokes % self.every == 0:
            self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except sqlite3.Error:
            self._ready.set()
            return
        self.ok = True
        self._ready.set()
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    pass  # kept in the WAL: see the class's docstring
        finally:
            conn.close()
