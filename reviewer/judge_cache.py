"""LLM judgements kept in the review database, so an unchanged form costs no calls.

A result is keyed by endpoint (normalised base URL and profile, never the
key), model, prompt version and the exact messages sent: two servers that
both call their model "llama3" do not share verdicts. The endpoint's learned
structured-output mode is kept too. The migration set is
our own ("judge"); the main store's tables are not touched. No API key is
ever written here.
"""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlsplit, urlunsplit
from datetime import datetime, timezone
from typing import Any, Iterator, MutableMapping

import sqlite_utils

RESULTS = "judge_results"
MODES = "judge_endpoint_modes"

migrations = sqlite_utils.Migrations("judge")


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


def open_db(path: str) -> sqlite_utils.Database:
    """The review database with WAL and a busy timeout (other commands write to it too)."""
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA busy_timeout = 5000")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")  # durable enough with WAL; a lost cache row only costs a call
    migrations.apply(db)
    return db


KEY_VERSION = 2  # 1: model, prompt version, messages; 2: adds the endpoint (old rows simply miss)


def normalize_base_url(base_url: str) -> str:
    """Scheme and host lower-cased, default port and trailing slashes dropped: one server, one spelling."""
    parts = urlsplit(base_url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    try:
        port = parts.port
    except ValueError:  # not a number: keep the spelling as given
        return base_url.strip().rstrip("/")
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path.rstrip("/"), parts.query, ""))


def normalize_profile(profile: str | None) -> str:
    key = (profile or "generic").strip().lower()
    return "qwen" if key in ("dashscope", "bailian") else key


def cache_key(model: str, prompt_version: str, messages: list[dict[str, Any]], *, base_url: str,
              profile: str | None) -> str:
    """The endpoint (base URL and profile; never the API key), model, prompt version and messages."""
    canonical = json.dumps({"v": KEY_VERSION, "base_url": normalize_base_url(base_url),
                            "profile": normalize_profile(profile), "model": model,
                            "prompt_version": prompt_version, "messages": messages},
                           ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_COLUMNS = ("key", "model", "prompt_version", "verdict", "raw", "mode", "returned_model", "prompt_tokens",
            "completion_tokens", "cached_tokens", "created_at")
FLUSH_EVERY = 64


class JudgeCache:
    """Reads go straight to the database; writes are batched (one transaction per FLUSH_EVERY results)."""

    def __init__(self, path: str):
        self.db = open_db(path)
        self._pending: dict[str, tuple] = {}

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
            key, model, prompt_version, json.dumps(verdict, ensure_ascii=False), raw, mode, returned_model,
            usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0), usage.get("cached_tokens", 0), _now(),
        )
        if len(self._pending) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        marks = ", ".join("?" for _ in _COLUMNS)
        with self.db.conn:
            self.db.conn.executemany(
                f"insert or replace into {RESULTS} ({', '.join(_COLUMNS)}) values ({marks})", list(self._pending.values()))
        self._pending = {}

    def modes(self) -> "LearnedModes":
        return LearnedModes(self.db)

    def close(self) -> None:
        self.flush()
        self.db.close()


class LearnedModes(MutableMapping[tuple[str, str], str]):
    """(base_url, model) → the structured-output mode the endpoint accepted, kept across runs."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._cache = {(r["base_url"], r["model"]): r["mode"] for r in db[MODES].rows}

    def __getitem__(self, key: tuple[str, str]) -> str:
        return self._cache[key]

    def __setitem__(self, key: tuple[str, str], mode: str) -> None:
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
