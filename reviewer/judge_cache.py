"""LLM judgements kept in the review database, so an unchanged form costs no calls.

A result is keyed by model, prompt version and the exact messages sent; the
endpoint's learned structured-output mode is kept too. The migration set is
our own ("judge"); the main store's tables are not touched. No API key is
ever written here.
"""

from __future__ import annotations

import hashlib
import json
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
    migrations.apply(db)
    return db


def cache_key(model: str, prompt_version: str, messages: list[dict[str, Any]]) -> str:
    canonical = json.dumps({"model": model, "prompt_version": prompt_version, "messages": messages},
                           ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class JudgeCache:
    def __init__(self, path: str):
        self.db = open_db(path)

    def get(self, key: str) -> dict[str, Any] | None:
        rows = list(self.db.query(f"select * from {RESULTS} where key = ?", [key]))
        if not rows:
            return None
        row = rows[0]
        row["verdict"] = json.loads(row["verdict"])
        return row

    def put(self, key: str, model: str, prompt_version: str, verdict: dict[str, Any], raw: str, mode: str,
            returned_model: str, usage: dict[str, int]) -> None:
        self.db[RESULTS].upsert({
            "key": key, "model": model, "prompt_version": prompt_version,
            "verdict": json.dumps(verdict, ensure_ascii=False), "raw": raw, "mode": mode,
            "returned_model": returned_model, "prompt_tokens": usage.get("prompt_tokens", 0),
            "completion_tokens": usage.get("completion_tokens", 0), "cached_tokens": usage.get("cached_tokens", 0),
            "created_at": _now(),
        }, pk="key")

    def modes(self) -> "LearnedModes":
        return LearnedModes(self.db)

    def close(self) -> None:
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
