"""What the store's modules share: statuses, ids and times, its errors, and how forms are selected."""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import ReviewerError

PENDING, ACCEPTED, REJECTED, EDITED = "pending", "accepted", "rejected", "edited"
STATUS_LABEL = {PENDING: "待审", ACCEPTED: "已采纳", REJECTED: "已驳回", EDITED: "已修改"}
ACTION_STATUS = {"accept": ACCEPTED, "reject": REJECTED, "edit": EDITED, "reopen": PENDING}
STATUS_ACTION = {ACCEPTED: "accept", REJECTED: "reject", EDITED: "edit", PENDING: "reopen"}
ACTION_LABEL = {"accept": "采纳", "reject": "驳回", "edit": "修改意见", "reopen": "重新设为待审", "undo": "撤销"}

# A point's decision says something of a judge's verdict only when that verdict is the point's only judge
# evidence: accepting the 4/15 pair (covers on 4, does_not_cover on 15) endorses neither alone. For the
# queries that read decisions as labels on verdicts (few-shot examples, eval --from-db), on points p.
ONE_VERDICT = """(SELECT count(*) FROM critiques v WHERE v.form = p.form AND v.code = 'EXPLANATION_VERDICT'
                  AND instr(p.findings, '"' || v.id || '"') > 0) = 1"""

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid() -> str:
    value = (int(time.time() * 1000) << 80) | int.from_bytes(secrets.token_bytes(10), "big")
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def now() -> str:
    """The time as stored: local, to the second, with its offset. Written once a second: a batch stores a form about
    every millisecond, and the local offset and the formatting cost ~25k instructions each time."""
    second = int(time.time())
    if second != _now[0]:
        _now[:] = [second, datetime.fromtimestamp(second).astimezone().isoformat(timespec="seconds")]
    return _now[1]


_now: list[Any] = [None, ""]  # (second, now() in it)


def local_time(at: str | None) -> str:
    """A stored ISO timestamp as the reviewer's local time: 2026-11-26 17:51."""
    if not at:
        return ""
    try:
        return datetime.fromisoformat(at).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return at


class StoreError(ReviewerError):
    """A reviewer's mistake or a refused change: Chinese message, no traceback, nothing changed."""


class Conflict(StoreError):
    """Someone else changed the point (or score) since it was shown."""


@dataclass
class Bulk:
    batch: str
    changed: int
    conflicts: int  # decided by someone else since they were shown: left alone


@dataclass
class Undone:
    """One bulk action undone: `restored` decisions reverted, `kept` left because someone decided on top."""

    batch: str
    action: str
    at: str
    restored: int
    kept: int


def resolved(file: str | Path) -> str:
    """A form's file as stored: absolute, symlinks resolved, so `form.json` in two folders are two files."""
    return str(Path(file).resolve())


def form_selector(selectors: tuple[str, ...], alias: str = "f") -> tuple[str, list[Any]]:
    """Forms named by id prefix, any part of the file path (file name included) or part of the project name.

    An empty selector names no form (instr would match every one)."""
    parts, params = [], []
    for selector in selectors:
        if not selector.strip():
            parts.append("0")
            continue
        parts.append(f"(substr({alias}.id, 1, length(?)) = ? OR instr({alias}.file, ?) > 0"
                     f" OR instr({alias}.file, ?) > 0 OR instr({alias}.name, ?) > 0)")
        params += [selector, selector, selector, os.path.normpath(selector), selector]
    return "(" + " OR ".join(parts) + ")", params
