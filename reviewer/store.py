"""The sign-off store: forms, review runs, critiques and the decisions on them, in one SQLite file.

A critique is a finding as stored: its id is the finding id (form hash +
code + indicators), so reviewing the same form twice stores nothing twice.
Decisions are an append-only audit trail (triggers refuse UPDATE and DELETE);
the status kept on a critique is only a cache of its latest decision, written
in the same transaction. Every write takes the database lock up front
(BEGIN IMMEDIATE) and WAL lets readers go on meanwhile, so several sessions
and a running `review` can share one file.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import click
from sqlite_utils import Database, Migrations

from .engine import Review
from .values import format_decimal

PENDING, ACCEPTED, REJECTED, EDITED = "pending", "accepted", "rejected", "edited"
STATUS_LABEL = {PENDING: "待审", ACCEPTED: "已采纳", REJECTED: "已驳回", EDITED: "已修改"}
ACTION_STATUS = {"accept": ACCEPTED, "reject": REJECTED, "edit": EDITED, "reopen": PENDING}
STATUS_ACTION = {ACCEPTED: "accept", REJECTED: "reject", EDITED: "edit"}
SOURCE_LABEL = {"rules": "规则检查", "judge:rules": "规则评判", "judge:llm": "模型评判"}
BUSY_TIMEOUT_SECONDS = 30
_CENT = Decimal("0.01")

migrations = Migrations("reviewer")


@migrations()
def create_forms(db: Database) -> None:
    # seq orders the review queue; a new version takes its predecessor's place.
    # lineage is the id of the first version: what "the same form" means here.
    db.execute("""
        CREATE TABLE forms (
            id TEXT PRIMARY KEY, lineage TEXT NOT NULL, previous_id TEXT, superseded_by TEXT,
            seq INTEGER NOT NULL, file TEXT NOT NULL, name TEXT NOT NULL, year INTEGER NOT NULL,
            department TEXT NOT NULL, unit TEXT, claimed_total TEXT NOT NULL, recomputed_total TEXT NOT NULL,
            form_json TEXT NOT NULL, scorecard_json TEXT NOT NULL,
            first_reviewed_at TEXT NOT NULL, last_reviewed_at TEXT NOT NULL)""")
    db.execute("CREATE INDEX forms_identity ON forms(name, year, department)")
    db.execute("CREATE INDEX forms_file ON forms(file)")


@migrations()
def create_runs(db: Database) -> None:
    # One row per form and judge set-up; reviewing again adds to `times` and the usage.
    db.execute("""
        CREATE TABLE runs (
            id TEXT PRIMARY KEY, form_id TEXT NOT NULL, file TEXT NOT NULL, backend TEXT NOT NULL,
            model TEXT, prompt_version TEXT, first_at TEXT NOT NULL, last_at TEXT NOT NULL,
            times INTEGER NOT NULL DEFAULT 1, calls INTEGER NOT NULL DEFAULT 0, cached INTEGER NOT NULL DEFAULT 0,
            fallbacks INTEGER NOT NULL DEFAULT 0, prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0, cost REAL, findings INTEGER NOT NULL)""")
    db.execute("CREATE INDEX runs_form ON runs(form_id)")


@migrations()
def create_critiques(db: Database) -> None:
    db.execute("""
        CREATE TABLE critiques (
            id TEXT PRIMARY KEY, form_id TEXT NOT NULL, key TEXT NOT NULL, code TEXT NOT NULL,
            indicators TEXT NOT NULL, form_seq INTEGER NOT NULL, seq INTEGER NOT NULL,
            source TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL, verdict TEXT,
            tags TEXT NOT NULL, data TEXT NOT NULL, comment TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending', final_comment TEXT, decided_by TEXT, decided_at TEXT,
            note TEXT, previous_id TEXT, superseded_by TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""")
    db.execute("CREATE INDEX critiques_form ON critiques(form_id, seq)")
    # The session asks "first pending critique" on every keystroke: keep that an index walk.
    db.execute("""CREATE INDEX critiques_pending ON critiques(form_seq, form_id, seq)
                  WHERE status = 'pending' AND superseded_by IS NULL""")


@migrations()
def create_decisions(db: Database) -> None:
    db.execute("""
        CREATE TABLE decisions (
            id TEXT PRIMARY KEY, critique_id TEXT NOT NULL, action TEXT NOT NULL, reviewer TEXT NOT NULL,
            at TEXT NOT NULL, status_before TEXT NOT NULL, status_after TEXT NOT NULL,
            old_comment TEXT, new_comment TEXT, batch TEXT, reverts TEXT, carried_from TEXT, note TEXT)""")
    db.execute("CREATE INDEX decisions_critique ON decisions(critique_id)")
    db.execute("CREATE INDEX decisions_reviewer ON decisions(reviewer)")
    db.execute("CREATE INDEX decisions_batch ON decisions(batch)")
    db.execute("CREATE INDEX decisions_reverts ON decisions(reverts)")
    for event in ("UPDATE", "DELETE"):
        db.execute(f"""CREATE TRIGGER decisions_append_only_{event.lower()} BEFORE {event} ON decisions
                       BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END""")


@migrations()
def index_critique_scope(db: Database) -> None:
    # Covers the session's progress counts (every keystroke) without reading the critique rows.
    db.execute("""CREATE INDEX critiques_scope ON critiques(superseded_by, status, code, severity, source)""")


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid() -> str:
    value = (int(time.time() * 1000) << 80) | int.from_bytes(secrets.token_bytes(10), "big")
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def source_label(source: str, model: str | None = None) -> str:
    """Who raised a critique, as the reviewer reads it: 规则检查, 规则评判 or 模型评判（model）."""
    label = SOURCE_LABEL.get(source, source)
    return f"{label}（{model}）" if model and source == "judge:llm" else label


def local_time(at: str | None) -> str:
    """A stored ISO timestamp as the reviewer's local time: 2026-11-26 17:51."""
    if not at:
        return ""
    try:
        return datetime.fromisoformat(at).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return at


class StoreError(click.ClickException):
    """A reviewer's mistake or a refused change: Chinese message, no traceback, nothing changed."""

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"错误：{self.message}", err=True)


class Conflict(StoreError):
    """Someone else changed the critique since it was shown."""


@dataclass(frozen=True)
class Filters:
    """Which critiques a session or bulk action works on; empty means all current ones."""

    forms: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    source: str | None = None
    ids: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.forms or self.codes or self.severities or self.source or self.ids)

    def where(self) -> tuple[str, list[Any]]:
        clauses, params = ["c.superseded_by IS NULL"], []
        if self.forms:
            clause, form_params = form_selector(self.forms)
            clauses.append(clause)
            params += form_params
        if self.codes:
            clauses.append(f"c.code IN ({','.join('?' * len(self.codes))})")
            params += [code.upper() for code in self.codes]
        if self.severities:
            clauses.append(f"c.severity IN ({','.join('?' * len(self.severities))})")
            params += list(self.severities)
        if self.source == "rules":
            clauses.append("c.source = 'rules'")
        elif self.source == "judge":
            clauses.append("c.source LIKE 'judge:%'")
        if self.ids:
            clauses.append("(" + " OR ".join("substr(c.id, 1, length(?)) = ?" for _ in self.ids) + ")")
            for prefix in self.ids:
                params += [prefix, prefix]
        return " AND ".join(clauses), params


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


@dataclass
class Saved:
    form_id: str
    new_form: bool
    previous_id: str | None
    added: int
    carried: int


def _scorecard(review: Review) -> dict[str, Any]:
    card, funds = review.card, review.card.funds
    printed_rate = review.form.funds.execution_rate

    def text(value: Any) -> str | None:
        return None if value is None else (value if isinstance(value, str) else format_decimal(value))

    return {
        "unit": review.form.funds.unit,
        "funds": {
            "budget": text(funds.budget), "executed": text(funds.executed),
            "rate_printed": None if printed_rate is None else format_decimal(printed_rate.percent),
            "rate": None if funds.rate_percent is None else format_decimal(funds.rate_percent.quantize(_CENT)),
            "weight": text(review.form.funds.weight), "claimed": text(review.form.funds.score),
            "recomputed": text(funds.recomputed), "explanation": review.form.funds.explanation,
        },
        "indicators": [
            {
                "index": row.index, "level1": row.indicator.level1, "level2": row.indicator.level2,
                "name": row.name, "target": text(row.indicator.target), "actual": text(row.indicator.actual),
                "weight": text(row.weight), "claimed": text(row.claimed), "recomputed": text(row.recomputed),
                "direction": row.direction, "formula": row.formula_text, "explanation": row.indicator.explanation,
            }
            for row in card.indicators
        ],
    }


class Store:
    """One open database. Use as a context manager, or call close()."""

    def __init__(self, path: str | Path, create: bool = True):
        self.path = str(path)
        if not create and not Path(self.path).exists():
            raise StoreError(f"数据库 {self.path} 不存在：请先用 review 表单.json 审核表单")
        try:
            # isolation_level=None: we issue BEGIN IMMEDIATE / COMMIT ourselves.
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL survives a killed process
            self.conn = conn
            self.db = Database(conn)
            if migrations.pending(self.db):
                with self.transaction():
                    migrations.apply(self.db)  # re-checks under the lock: two first runs cannot race
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"无法打开数据库 {self.path}：{exc}") from None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction holding the lock from the start; nested calls join the outer one."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def one(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    # --- storing reviews ---------------------------------------------------

    def save_review(self, review: Review) -> Saved:
        """Store one reviewed form in one transaction; idempotent for an unchanged form."""
        form, fid, at = review.form, review.form_id, now()
        with self.transaction():
            stored = self.one("SELECT seq FROM forms WHERE id = ?", [fid])
            previous = None
            if stored is None:
                previous = self.one(
                    """SELECT id, seq, lineage FROM forms WHERE superseded_by IS NULL AND id != ?
                       AND (file = ? OR (name = ? AND year = ? AND department = ?))
                       ORDER BY last_reviewed_at DESC, rowid DESC LIMIT 1""",
                    [fid, review.file, form.name, form.year, form.department])
                seq = previous["seq"] if previous else self.one("SELECT coalesce(max(seq), 0) + 1 FROM forms")[0]
                self.conn.execute(
                    "INSERT INTO forms VALUES (?,?,?,NULL,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [fid, previous["lineage"] if previous else fid, previous["id"] if previous else None, seq,
                     review.file, form.name, form.year, form.department, form.unit,
                     format_decimal(review.card.claimed_total), format_decimal(review.card.recomputed_total),
                     form.canonical_json(), json.dumps(_scorecard(review), ensure_ascii=False), at, at])
            else:
                seq = stored["seq"]
                self.conn.execute("UPDATE forms SET file = ?, last_reviewed_at = ? WHERE id = ?", [review.file, at, fid])
            self._save_run(review, at)
            old = {}
            if previous:
                old = {row["key"]: row for row in self.all("SELECT * FROM critiques WHERE form_id = ?", [previous["id"]])}
            added = carried = 0
            for order, finding in enumerate(review.findings):
                if not finding.id:
                    finding.assign_id(fid)
                if self._refresh_critique(finding, order, at):
                    continue
                prior = old.get(finding.key)
                self.conn.execute(
                    """INSERT INTO critiques (id, form_id, key, code, indicators, form_seq, seq, source, severity,
                       message, verdict, tags, data, comment, previous_id, created_at, updated_at)
                       VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                    [finding.id, fid, finding.key, finding.code, json.dumps(list(finding.indicators)), seq, order,
                     finding.source, finding.severity, finding.message, finding.verdict,
                     json.dumps(list(finding.tags), ensure_ascii=False),
                     json.dumps(finding.data, ensure_ascii=False, default=str), finding.comment,
                     prior["id"] if prior else None, at, at])
                added += 1
                if prior and prior["status"] != PENDING and prior["message"] == finding.message \
                        and prior["comment"] == finding.comment:
                    self._carry(prior, finding.id, previous["id"], at)
                    carried += 1
            if previous:
                self.conn.execute("UPDATE forms SET superseded_by = ? WHERE id = ?", [fid, previous["id"]])
                self.conn.execute("UPDATE critiques SET superseded_by = ? WHERE form_id = ?", [fid, previous["id"]])
        return Saved(fid, stored is None, previous["id"] if previous else None, added, carried)

    def _save_run(self, review: Review, at: str) -> None:
        judge = review.judge or {}
        backend = judge.get("backend") or "rules"
        run_id = _hash(review.form_id, backend, judge.get("model"), judge.get("prompt_version"))
        usage = [int(judge.get(k) or 0) for k in ("calls", "cached", "fallbacks", "prompt_tokens", "completion_tokens")]
        cost = judge.get("cost")
        self.conn.execute(
            """INSERT INTO runs (id, form_id, file, backend, model, prompt_version, first_at, last_at, calls, cached,
               fallbacks, prompt_tokens, completion_tokens, cost, findings) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
               ON CONFLICT(id) DO UPDATE SET last_at = excluded.last_at, file = excluded.file, times = times + 1,
               calls = calls + excluded.calls, cached = cached + excluded.cached,
               fallbacks = fallbacks + excluded.fallbacks, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
               completion_tokens = completion_tokens + excluded.completion_tokens,
               cost = CASE WHEN excluded.cost IS NULL THEN cost ELSE coalesce(cost, 0) + excluded.cost END,
               findings = excluded.findings""",
            [run_id, review.form_id, review.file, backend, judge.get("model"), judge.get("prompt_version"), at, at,
             *usage, None if cost is None else float(cost), len(review.findings)])

    def _refresh_critique(self, finding: Any, order: int, at: str) -> bool:
        """True when already stored. A pending critique takes the newest wording (e.g. a new judge
        verdict); a decided one keeps what the reviewer decided on."""
        row = self.one("SELECT status FROM critiques WHERE id = ?", [finding.id])
        if row is None:
            return False
        if row["status"] == PENDING:
            self.conn.execute(
                """UPDATE critiques SET seq = ?, source = ?, severity = ?, message = ?, verdict = ?, tags = ?,
                   data = ?, comment = ?, updated_at = ? WHERE id = ?""",
                [order, finding.source, finding.severity, finding.message, finding.verdict,
                 json.dumps(list(finding.tags), ensure_ascii=False),
                 json.dumps(finding.data, ensure_ascii=False, default=str), finding.comment, at, finding.id])
        else:
            self.conn.execute("UPDATE critiques SET seq = ? WHERE id = ?", [order, finding.id])
        return True

    def _carry(self, prior: sqlite3.Row, critique_id: str, previous_form: str, at: str) -> None:
        last = self.one("SELECT id FROM decisions WHERE critique_id = ? ORDER BY rowid DESC LIMIT 1", [prior["id"]])
        note = f"沿用上一版本（{previous_form[:8]}）{prior['decided_by'] or ''}的决定：{STATUS_LABEL[prior['status']]}"
        effective = prior["final_comment"] if prior["status"] == EDITED else prior["comment"]
        self.conn.execute(
            """INSERT INTO decisions (id, critique_id, action, reviewer, at, status_before, status_after, old_comment,
               new_comment, carried_from, note) VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
            [ulid(), critique_id, STATUS_ACTION[prior["status"]], prior["decided_by"] or "?", at, PENDING,
             prior["status"], prior["comment"], effective, last["id"] if last else None, note])
        self.conn.execute(
            "UPDATE critiques SET status = ?, final_comment = ?, decided_by = ?, decided_at = ?, note = ? WHERE id = ?",
            [prior["status"], prior["final_comment"], prior["decided_by"], prior["decided_at"], note, critique_id])

    # --- reading -----------------------------------------------------------

    def critiques(self, filters: Filters, statuses: tuple[str, ...] | None = (PENDING,)) -> list[sqlite3.Row]:
        where, params = filters.where()
        if statuses:
            where += f" AND c.status IN ({','.join('?' * len(statuses))})"
            params += list(statuses)
        return self.all(f"""SELECT c.*, f.name AS form_name, f.file AS form_file FROM critiques c
                            JOIN forms f ON f.id = c.form_id WHERE {where}
                            ORDER BY c.form_seq, c.form_id, c.seq""", params)

    def next_pending(self, filters: Filters, skip: set[str] = frozenset(), first: str | None = None) -> sqlite3.Row | None:
        """The critique to show next: `first` if it is still pending, else the first pending one in order."""
        where, params = filters.where()
        where += " AND c.status = 'pending'"
        if first:
            row = self.one(f"SELECT c.* FROM critiques c JOIN forms f ON f.id = c.form_id WHERE {where} AND c.id = ?",
                           params + [first])
            if row:
                return row
        if skip:
            where += f" AND c.id NOT IN ({','.join('?' * len(skip))})"
            params += list(skip)
        # INDEXED BY: walk the pending-only index in queue order rather than sort every candidate.
        return self.one(f"""SELECT c.* FROM critiques c INDEXED BY critiques_pending JOIN forms f ON f.id = c.form_id
                            WHERE {where} ORDER BY c.form_seq, c.form_id, c.seq LIMIT 1""", params)

    def progress(self, filters: Filters, form_id: str) -> tuple[int, int, int, int]:
        """(decided, total) over the filtered critiques, then the same within one form."""
        where, params = filters.where()
        join = "JOIN forms f ON f.id = c.form_id" if filters.forms else ""
        counts = f"SELECT count(*), coalesce(sum(c.status != 'pending'), 0) FROM critiques c {join} WHERE {where}"
        total, done = self.one(counts, params)
        form_total, form_done = self.one(counts + " AND c.form_id = ?", params + [form_id])
        return done, total, form_done, form_total

    def form(self, form_id: str) -> sqlite3.Row:
        return self.one("SELECT * FROM forms WHERE id = ?", [form_id])

    def current_forms(self, selectors: tuple[str, ...] = ()) -> list[sqlite3.Row]:
        where, params = ("f.superseded_by IS NULL", [])
        if selectors:
            clause, params = form_selector(selectors)
            where += " AND " + clause
        return self.all(f"""SELECT f.*, count(c.id) AS total,
                            coalesce(sum(c.status = 'pending'), 0) AS pending,
                            coalesce(sum(c.status = 'accepted'), 0) AS accepted,
                            coalesce(sum(c.status = 'rejected'), 0) AS rejected,
                            coalesce(sum(c.status = 'edited'), 0) AS edited
                            FROM forms f LEFT JOIN critiques c ON c.form_id = f.id
                            WHERE {where} GROUP BY f.id ORDER BY f.seq, f.id""", params)

    def unmatched_forms(self, selectors: tuple[str, ...]) -> list[str]:
        """The selectors that name no current form."""
        missing = []
        for selector in selectors:
            clause, params = form_selector((selector,))
            if self.one(f"SELECT 1 FROM forms f WHERE f.superseded_by IS NULL AND {clause} LIMIT 1", params) is None:
                missing.append(selector)
        return missing

    def decisions(self, critique_id: str) -> list[sqlite3.Row]:
        return self.all("SELECT * FROM decisions WHERE critique_id = ? ORDER BY rowid", [critique_id])

    # --- deciding ----------------------------------------------------------

    def decide(self, critique_id: str, action: str, reviewer: str, new_comment: str | None = None,
               expect: str | None = None, batch: str | None = None) -> str | None:
        """Record one decision and apply it; None when it would change nothing.

        `expect` is the status the reviewer saw: if another reviewer decided in
        the meantime, Conflict is raised and nothing is written.
        """
        with self.transaction():
            row = self.one("SELECT * FROM critiques WHERE id = ?", [critique_id])
            if row is None:
                raise StoreError(f"意见 {critique_id} 不存在")
            if expect is not None and row["status"] != expect:
                raise Conflict(f"该意见已由 {row['decided_by'] or '他人'} 处理（{STATUS_LABEL[row['status']]}）")
            status = ACTION_STATUS[action]
            if status == row["status"] and action != "edit":
                return None
            final = new_comment if action == "edit" else None
            return self._apply(row, action, reviewer, status, final, batch=batch)

    def _apply(self, row: sqlite3.Row, action: str, reviewer: str, status: str, final: str | None,
               batch: str | None = None, reverts: str | None = None) -> str:
        at, decision_id = now(), ulid()
        old = row["final_comment"] if row["status"] == EDITED else row["comment"]
        new = final if status == EDITED else row["comment"]
        self.conn.execute(
            """INSERT INTO decisions (id, critique_id, action, reviewer, at, status_before, status_after,
               old_comment, new_comment, batch, reverts) VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
            [decision_id, row["id"], action, reviewer, at, row["status"], status, old, new, batch, reverts])
        decided = status != PENDING
        self.conn.execute(
            """UPDATE critiques SET status = ?, final_comment = ?, decided_by = ?, decided_at = ?, note = NULL,
               updated_at = ? WHERE id = ?""",
            [status, final if status == EDITED else None, reviewer if decided else None,
             at if decided else None, at, row["id"]])
        return decision_id

    def _revert(self, decision: sqlite3.Row, reviewer: str, batch: str | None = None) -> str | None:
        """Undo one decision, unless a later decision on the same critique stands on top of it."""
        latest = self.one("SELECT id, reviewer FROM decisions WHERE critique_id = ? ORDER BY rowid DESC LIMIT 1",
                          [decision["critique_id"]])
        if latest["id"] != decision["id"]:
            return None
        row = self.one("SELECT * FROM critiques WHERE id = ?", [decision["critique_id"]])
        restored = decision["status_before"]
        final = decision["old_comment"] if restored == EDITED else None
        self._apply(row, "undo", reviewer, restored, final, batch=batch, reverts=decision["id"])
        return row["id"]

    def undo_last(self, reviewer: str) -> str:
        """Undo this reviewer's latest single decision still in force; returns its critique id."""
        with self.transaction():
            decision = self.one(
                """SELECT d.* FROM decisions d WHERE d.reviewer = ? AND d.action != 'undo' AND d.batch IS NULL
                   AND d.carried_from IS NULL AND NOT EXISTS (SELECT 1 FROM decisions u WHERE u.reverts = d.id)
                   ORDER BY d.rowid DESC LIMIT 1""", [reviewer])
            if decision is None:
                raise StoreError("没有可撤销的决定")
            critique_id = self._revert(decision, reviewer)
            if critique_id is None:
                raise Conflict("该意见之后已被他人修改，无法撤销")
            return critique_id

    def bulk(self, critique_ids: list[str], action: str, reviewer: str) -> tuple[str, int]:
        """One decision per critique, all in one transaction and one batch (undone together)."""
        batch, changed = ulid(), 0
        with self.transaction():
            for critique_id in critique_ids:
                if self.decide(critique_id, action, reviewer, batch=batch):
                    changed += 1
        return batch, changed

    def last_batch(self, reviewer: str) -> list[sqlite3.Row]:
        row = self.one(
            """SELECT d.batch FROM decisions d WHERE d.reviewer = ? AND d.batch IS NOT NULL AND d.action != 'undo'
               AND NOT EXISTS (SELECT 1 FROM decisions u WHERE u.reverts = d.id) ORDER BY d.rowid DESC LIMIT 1""",
            [reviewer])
        if row is None:
            return []
        return self.all(
            """SELECT d.* FROM decisions d WHERE d.batch = ?
               AND NOT EXISTS (SELECT 1 FROM decisions u WHERE u.reverts = d.id) ORDER BY d.rowid""", [row["batch"]])

    def undo_batch(self, decisions: list[sqlite3.Row], reviewer: str) -> tuple[int, int]:
        """(reverted, left alone because someone decided on top of them)."""
        batch, reverted = ulid(), 0
        with self.transaction():
            for decision in decisions:
                if self._revert(decision, reviewer, batch=batch):
                    reverted += 1
        return reverted, len(decisions) - reverted


def _hash(*parts: Any) -> str:
    return hashlib.sha256("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:20]
