"""LLM judgements kept in the review database, so an unchanged form costs no calls.

A result is keyed (reviewer/judge/llm.py, cache_key) by endpoint (normalised
base URL and profile, never the key), model, prompt version and the exact
messages sent. The endpoint's learned structured-output mode is kept too.
The migration set is our own ("judge"); the main store's tables are not
touched. No API key is ever written here. JudgeCache is the judge's
VerdictCache (reviewer/judge/cache.py).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, MutableMapping

from ..llm.secrets import strip_credentials
from .db import connect
from .health import DatabaseError, check_version, database_error, refuse_read_only, verify
from .migrate import Migrations
from .schema import migrations as store_migrations

if TYPE_CHECKING:  # imported where the cache is opened: a review with the rules judge never loads it (migrate.py)
    import sqlite_utils

RESULTS = "judge_results"
MODES = "judge_endpoint_modes"

migrations = Migrations("judge")


@migrations()
def create_judge_results(db: sqlite_utils.Database) -> None:
    db[RESULTS].create(
        {
            "key": str, "model": str, "prompt_version": str, "verdict": str, "raw": str, "mode": str,
            "returned_model": str, "prompt_tokens": int, "completion_tokens": int, "cached_tokens": int,
            "created_at": str,
        },
        pk="key",
    )


@migrations()
def create_judge_endpoint_modes(db: sqlite_utils.Database) -> None:
    db[MODES].create({"base_url": str, "model": str, "mode": str, "learned_at": str}, pk=("base_url", "model"))


@migrations()
def scrub_endpoint_credentials(db: sqlite_utils.Database) -> None:
    """Base URLs were once kept as given, `http://user:KEY@host/v1` included: keep the bare URL only."""
    for row in list(db[MODES].rows):
        clean = strip_credentials(row["base_url"])
        if clean == row["base_url"]:
            continue
        db[MODES].delete((row["base_url"], row["model"]))
        if not list(db[MODES].rows_where("base_url = ? and model = ?", [clean, row["model"]])):
            db[MODES].insert({**row, "base_url": clean})


MAX_RAW = 64 * 1024  # characters of a model's reply kept beside its verdict (a verdict is ~1 KB)


def bounded_raw(raw: str) -> str:
    return raw if len(raw) <= MAX_RAW else raw[:MAX_RAW] + f"……（后略，共 {len(raw)} 个字符）"


def open_db(path: str | Path) -> sqlite_utils.Database:
    """The review database (connection set up as the store's), with the cache's tables; refused (health.py)
    when it is read-only, damaged or written by a newer tool."""
    refuse_read_only(path)
    try:
        conn = connect(path)
        verify(conn, path)
        check_version(conn, path, (store_migrations, migrations))
        import sqlite_utils

        db = sqlite_utils.Database(conn)
        migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        raise database_error(path, exc) from None
    return db


def _in_memory() -> sqlite_utils.Database:
    import sqlite_utils

    db = sqlite_utils.Database(memory=True)
    migrations.apply(db)
    return db


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_COLUMNS = ("key", "model", "prompt_version", "verdict", "raw", "mode", "returned_model", "prompt_tokens",
            "completion_tokens", "cached_tokens", "created_at")
FLUSH_EVERY = 64


class JudgeCache:
    """Reads go straight to the database; writes are batched (one transaction per FLUSH_EVERY results).

    `optional` (a run that stores nothing, `review --no-store`): a database that cannot be written
    (read-only, damaged, newer) is not this run's concern; the cache is then kept in memory for the run,
    and `warn` says so once, instead of every model judgement failing on it."""

    def __init__(self, path: str | Path, optional: bool = False, warn: Callable[[str], None] | None = None):
        self.path = path
        self.optional = optional
        self.warn = warn
        self._db: sqlite_utils.Database | None = None
        self._pending: dict[str, tuple] = {}

    @property
    def db(self) -> sqlite_utils.Database:
        """Opened on first use: a run whose files are all refused creates no database."""
        if self._db is None:
            try:
                self._db = open_db(self.path)
            except DatabaseError as error:
                if not self.optional:
                    raise
                self._db = _in_memory()
                if self.warn is not None:
                    self.warn(f"提示：评判缓存不可用（{str(error).split('，')[0]}），本次模型评判结果只在内存中缓存，不写入数据库")
        return self._db

    def get(self, key: str) -> dict[str, Any] | None:
        if key in self._pending:
            row = dict(zip(_COLUMNS, self._pending[key]))
        else:
            rows = list(self.db.query(f"select * from {RESULTS} where key = ?", [key]))
            if not rows:
                return None
            row = rows[0]
        row["verdict"] = json.loads(row["verdict"])
        return row

    def put(self, key: str, model: str, prompt_version: str, verdict: dict[str, Any], raw: str, mode: str,
            returned_model: str, usage: dict[str, int]) -> None:
        self._pending[key] = (
            key, model, prompt_version, json.dumps(verdict, ensure_ascii=False), bounded_raw(raw), mode, returned_model,
            usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0), usage.get("cached_tokens", 0), _now(),
        )
        if len(self._pending) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        marks = ", ".join("?" for _ in _COLUMNS)
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(f"insert or replace into {RESULTS} ({', '.join(_COLUMNS)}) values ({marks})",
                             list(self._pending.values()))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        self._pending = {}

    def modes(self) -> "LearnedModes":
        return LearnedModes(self.db)

    def close(self) -> None:
        if self._db is not None:
            self.flush()
            self._db.close()
            self._db = None


class LearnedModes(MutableMapping[tuple[str, str], str]):
    """(base_url, model) → the structured-output mode the endpoint accepted, kept across runs."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._cache = {(r["base_url"], r["model"]): r["mode"] for r in db[MODES].rows}

    def __getitem__(self, key: tuple[str, str]) -> str:
        return self._cache[key]

    def __setitem__(self, key: tuple[str, str], mode: str) -> None:
        key = (strip_credentials(key[0]), key[1])  # whoever calls, no credentials are kept
        self._cache[key] = mode
        self.db[MODES].upsert({"base_url": key[0], "model": key[1], "mode": mode, "learned_at": _now()},
                              pk=("base_url", "model"))

    def __delitem__(self, key: tuple[str, str]) -> None:
        del self._cache[key]
        self.db[MODES].delete(key)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._cache)

    def __len__(self) -> int:
        return len(self._cache)
