"""What the store hands out: typed records of its tables, never raw database rows.

Fields follow the tables' columns in order, so `as_json()` keeps the JSON export's keys; the
JSON columns (indicators, tags, data, form_json, scorecard_json) are decoded on reading."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from .packing import unpack

R = TypeVar("R")


def from_row(cls: type[R], row: sqlite3.Row | None) -> R | None:
    """A record of `cls` from a row that may carry more columns (joins) or fewer (defaults)."""
    if row is None:
        return None
    names = _field_names(cls)
    return cls(**{key: row[key] for key in row.keys() if key in names})


_NAMES: dict[type, frozenset[str]] = {}


def _field_names(cls: type) -> frozenset[str]:
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = frozenset(f.name for f in fields(cls))
    return names


def _loads(value: Any, default: Any) -> Any:
    value = unpack(value)
    return json.loads(value) if isinstance(value, str) else (default if value is None else value)


class _Columns:
    """A record whose fields are exactly its table's columns."""

    def columns(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]


@dataclass
class FormRecord:
    """A stored version of a form, with the counts of its points when read for progress."""

    id: str
    lineage: str
    previous_id: str | None
    superseded_by: str | None
    seq: int
    file: str
    name: str
    year: int
    department: str
    unit: str | None
    claimed_total: str | None  # None: the 总分 cell was blank (TOTAL_MISSING)
    recomputed_total: str
    form_json: str
    scorecard_json: str
    first_reviewed_at: str
    last_reviewed_at: str
    total: int = 0
    pending: int = 0
    accepted: int = 0
    rejected: int = 0
    edited: int = 0

    def __post_init__(self) -> None:
        self.form_json, self.scorecard_json = unpack(self.form_json), unpack(self.scorecard_json)

    @property
    def scorecard(self) -> dict[str, Any]:
        return json.loads(self.scorecard_json)

    @property
    def form(self) -> dict[str, Any]:
        return json.loads(self.form_json)

    def indicator_names(self) -> list[str]:
        return [row["name"] for row in self.scorecard["indicators"]]

    def columns(self) -> dict[str, Any]:
        """The forms table's columns of this version, JSON columns decoded."""
        out = {f.name: getattr(self, f.name) for f in fields(self)[:16]}
        out["form_json"], out["scorecard_json"] = self.form, self.scorecard
        return out


@dataclass
class Critique:
    """A finding as stored, with the reviewer's latest decision on it."""

    id: str
    form_id: str
    key: str
    code: str
    indicators: tuple[int, ...]
    form_seq: int
    seq: int
    source: str
    severity: str
    message: str
    verdict: str | None
    tags: tuple[str, ...]
    data: dict[str, Any]
    comment: str
    status: str = "pending"
    final_comment: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None
    note: str | None = None
    previous_id: str | None = None
    superseded_by: str | None = None
    created_at: str = ""
    updated_at: str = ""
    form_name: str | None = None  # when read with its form
    form_file: str | None = None

    def __post_init__(self) -> None:
        self.indicators = tuple(_loads(self.indicators, ()))
        self.tags = tuple(_loads(self.tags, ()))
        self.data = _loads(self.data, {})

    @property
    def effective_comment(self) -> str:
        """The comment as it stands: the reviewer's wording where edited, else the suggested one."""
        return self.final_comment if self.status == "edited" else self.comment

    def columns(self) -> dict[str, Any]:
        """The critiques table's columns, JSON columns decoded."""
        out = {f.name: getattr(self, f.name) for f in fields(self)[:23]}
        out["indicators"], out["tags"] = list(self.indicators), list(self.tags)
        return out


@dataclass
class Decision(_Columns):
    """One entry of the append-only audit trail."""

    id: str
    critique_id: str
    action: str
    reviewer: str
    at: str
    status_before: str
    status_after: str
    old_comment: str | None = None
    new_comment: str | None = None
    batch: str | None = None
    reverts: str | None = None
    carried_from: str | None = None
    note: str | None = None


@dataclass
class Run(_Columns):
    """One judge set-up's runs over a form version, with the usage added up."""

    id: str
    form_id: str
    file: str
    backend: str
    model: str | None
    prompt_version: str | None
    first_at: str
    last_at: str
    times: int
    calls: int
    cached: int
    fallbacks: int
    prompt_tokens: int
    completion_tokens: int
    cost: float | None
    findings: int


@dataclass
class Progress:
    """Decided and total critiques: over a selection, and within the form being shown."""

    done: int
    total: int
    form_done: int
    form_total: int


@dataclass
class DecidedVerdict:
    """A judge's verdict and the reviewer's decision on it (for `review eval --from-db`)."""

    id: str
    verdict: str
    status: str
    source: str
    form_id: str


@dataclass
class Point:
    """One point a reviewer decides on: everything raised about one indicator, one cost/count pair or one
    part of the form (预算执行, 总分, 指标体系, 表头), with one suggested comment and its evidence (findings)."""

    id: str
    form_id: str
    key: str
    form_seq: int
    seq: int
    indicators: tuple[int, ...]
    kind: str  # count, money, rate, date, qualitative, pair, funds, total, scheme, header, form
    title: str
    severity: str
    codes: str  # " CODE1 CODE2 ", for filtering
    verdict: str | None
    review_first: int
    findings: tuple[str, ...]  # critique ids, the evidence
    comment: str
    parts: dict[str, Any]
    signature: str
    status: str = "pending"
    final_comment: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None
    note: str | None = None
    previous_id: str | None = None
    superseded_by: str | None = None
    created_at: str = ""
    updated_at: str = ""
    retired_at: str | None = None  # when the review of its form version stopped raising it
    form_name: str | None = None  # when read with its form
    form_file: str | None = None
    form_unit: str | None = None

    def __post_init__(self) -> None:
        self.indicators = tuple(_loads(self.indicators, ()))
        self.findings = tuple(_loads(self.findings, ()))
        self.parts = _loads(self.parts, {})
        self.review_first = int(self.review_first or 0)

    @property
    def code_list(self) -> list[str]:
        return self.codes.split()

    @property
    def effective_comment(self) -> str:
        """The comment as it stands: the reviewer's wording where edited, else the suggested one."""
        return self.final_comment if self.status == "edited" and self.final_comment else self.comment

    @property
    def decided(self) -> bool:
        return self.status != "pending"

    def columns(self) -> dict[str, Any]:
        """The points table's columns, JSON columns decoded."""
        out = {f.name: getattr(self, f.name) for f in fields(self)[:25]}
        out["indicators"], out["findings"] = list(self.indicators), list(self.findings)
        return out


@dataclass
class PointDecision(_Columns):
    """One entry of the append-only audit trail of decisions on points."""

    id: str
    point_id: str
    action: str
    reviewer: str
    at: str
    status_before: str
    status_after: str
    old_comment: str | None = None
    new_comment: str | None = None
    batch: str | None = None
    reverts: str | None = None
    carried_from: str | None = None
    note: str | None = None


@dataclass
class ScoreChange(_Columns):
    """A reviewer's 复核完成值 or 复核得分 set on one row of a form (append-only).

    `row` is the indicator index, or -1 for 预算执行率. `after` None puts the rulebook's proposal
    back in force (an undo of the first change). `before` is the override in force before (None: the
    proposal), `shown_before` the value the reviewer saw."""

    id: str
    form_id: str
    row: int
    field: str  # "score" or "value"
    before: str | None
    shown_before: str | None
    after: str | None
    reason: str
    clause: str | None
    reviewer: str
    at: str
    reverts: str | None = None
    carried_from: str | None = None
    note: str | None = None


@dataclass
class ReviewerProgress:
    """One reviewer's share of the 复核: current points whose decision in force is theirs, by status; every
    action they recorded (decisions and undos) and score change; when they last acted."""

    reviewer: str
    accepted: int = 0
    edited: int = 0
    rejected: int = 0
    actions: int = 0
    scores: int = 0
    last_at: str | None = None

    @property
    def decided(self) -> int:
        return self.accepted + self.edited + self.rejected


@dataclass
class Refusal(_Columns):
    """A file `review` could not read, kept so the batch summary lists it until it is read."""

    file: str
    message: str
    at: str
    resolved_at: str | None = None


__all__ = ["FormRecord", "Critique", "Decision", "Run", "Progress", "DecidedVerdict", "Point", "PointDecision",
           "ScoreChange", "Refusal", "ReviewerProgress", "from_row", "unpack"]
