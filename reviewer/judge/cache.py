"""What the model judge needs of a cache: judgements by key, and the modes endpoints accepted.

The store implements it in the review database (reviewer/store/judge_cache.py); the judge
only sees this protocol, so it never opens a database itself."""

from __future__ import annotations

from typing import Any, MutableMapping, Protocol


class VerdictCache(Protocol):
    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, model: str, prompt_version: str, verdict: dict[str, Any], raw: str, mode: str,
            returned_model: str, usage: dict[str, int]) -> None: ...

    def flush(self) -> None: ...

    def modes(self) -> MutableMapping[tuple[str, str], str]: ...
