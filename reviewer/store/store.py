"""The sign-off store: forms, review runs, critiques and the decisions on them, in one SQLite file.

A critique is a finding as stored: its id is the finding id (form hash +
code + indicators), so reviewing the same form twice stores nothing twice.
Decisions are an append-only audit trail (triggers refuse UPDATE and DELETE);
the status kept on a critique is only a cache of its latest decision, written
in the same transaction. Every write takes the database lock up front
(BEGIN IMMEDIATE) and WAL lets readers go on meanwhile, so several sessions
and a running `review` can share one file. The tables are in schema.py, the
records the store hands out in rows.py; which stored form a new one is the
next version of is in Store.save_review.
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
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from sqlite_utils import Database

from ..errors import ReviewerError
from ..form.values import format_decimal
from ..review import Review
from .db import connect
from .rows import Critique, DecidedVerdict, Decision, FormRecord, Progress, Run, from_row
from .schema import migrations, scorecard

PENDING, ACCEPTED, REJECTED, EDITED = "pending", "accepted", "rejected", "edited"
STATUS_LABEL = {PENDING: "待审", ACCEPTED: "已采纳", REJECTED: "已驳回", EDITED: "已修改"}
ACTION_STATUS = {"accept": ACCEPTED, "reject": REJECTED, "edit": EDITED, "reopen": PENDING}
STATUS_ACTION = {ACCEPTED: "accept", REJECTED: "reject", EDITED: "edit"}

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid() -> str:
    value = (int(time.time() * 1000) << 80) | int.from_bytes(secrets.token_bytes(10), "big")
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


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
    """What storing one review did. `carried` counts decisions carried onto a new version;
    `carried_back` those carried from a newer version onto a revived older one."""

    form_id: str
    new_form: bool
    previous_id: str | None
    added: int
    carried: int
    carried_back: int = 0


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


class Store:
    """One open database. Use as a context manager, or call close()."""

    def __init__(self, path: str | Path, create: bool = True, warn: Callable[[str], None] | None = None,
                 read_only: bool = False):
        """`warn` receives notices meant for the reviewer (another project under a reviewed file, a
        reverted file); without it they are kept in `notices`. `read_only` opens an existing database
        for reading only (nothing is created or migrated)."""
        self.path = str(path)
        self.notices: list[str] = []
        self.warn = warn or self.notices.append
        if (read_only or not create) and not Path(self.path).exists():
            raise StoreError(f"数据库 {self.path} 不存在：请先用 review 表单.json 审核表单")
        try:
            self.conn = connect(self.path, read_only=read_only)
            self.db = Database(self.conn)
            if not read_only and migrations.pending(self.db):
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

    def _one(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def _all(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    # --- storing reviews ---------------------------------------------------

    def save_review(self, review: Review) -> Saved:
        """Store one reviewed form in one transaction; idempotent for an unchanged form.

        The file is stored as its resolved absolute path. A form with a new
        content hash is a new version of a current form (the lineage's head)
        when it is the same project:

        - same file and same 项目名称 + 年度 (the 主管部门 may have been
          corrected between versions), or
        - another file but the same 项目名称 + 年度 + 主管部门 (a renamed or
          moved copy).

        Another project under a reviewed file's path starts a lineage of its
        own, with a warning: decisions never pass between projects. A form
        stored before but since superseded (a file reverted to an earlier
        version) becomes current again and its lineage's head is superseded;
        decisions on the newer version's identical critiques carry back.
        """
        form, fid, at = review.form, review.form_id, now()
        file = resolved(review.file)
        with self.transaction():
            stored = self._one("SELECT seq, lineage, superseded_by FROM forms WHERE id = ?", [fid])
            previous, revived = None, False
            if stored is None:
                previous = self._predecessor(fid, file, form)
                seq = previous["seq"] if previous else self._one("SELECT coalesce(max(seq), 0) + 1 FROM forms")[0]
                self.conn.execute(
                    "INSERT INTO forms VALUES (?,?,?,NULL,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [fid, previous["lineage"] if previous else fid, previous["id"] if previous else None, seq,
                     file, form.name, form.year, form.department, form.unit,
                     None if review.card.claimed_total is None else format_decimal(review.card.claimed_total),
                     format_decimal(review.card.recomputed_total),
                     form.canonical_json(), json.dumps(scorecard(review), ensure_ascii=False), at, at])
            else:
                seq = stored["seq"]
                if stored["superseded_by"] is not None:
                    previous, revived = self._revive(fid, stored["lineage"]), True
                    seq = previous["seq"] if previous else seq
                self.conn.execute("UPDATE forms SET file = ?, last_reviewed_at = ? WHERE id = ?", [file, at, fid])
            self._save_run(review, file, at)
            old = {}
            if previous:
                old = {row["key"]: row for row in self._all("SELECT * FROM critiques WHERE form_id = ?", [previous["id"]])}
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
            if revived and previous:
                carried += self._carry_back(fid, old, at)
            if previous:
                self.conn.execute("UPDATE forms SET superseded_by = ? WHERE id = ?", [fid, previous["id"]])
                self.conn.execute("UPDATE critiques SET superseded_by = ? WHERE form_id = ?", [fid, previous["id"]])
        if revived:
            self.warn(f"{file}：文件已改回此前审核过的版本（{fid[:8]}），该版本重新成为当前版本"
                      + (f"，沿用较新版本 {carried} 条决定" if carried else ""))
            return Saved(fid, False, previous["id"] if previous else None, added, 0, carried)
        return Saved(fid, stored is None, previous["id"] if previous else None, added, carried)

    def _predecessor(self, fid: str, file: str, form: Any) -> sqlite3.Row | None:
        """The current form a new one is the next version of (see save_review), warning when
        another project is stored under the same file."""
        previous = self._one(
            """SELECT id, seq, lineage, file FROM forms WHERE superseded_by IS NULL AND id != ?
               AND ((file = ? AND name = ? AND year = ?) OR (name = ? AND year = ? AND department = ?))
               ORDER BY file = ? DESC, last_reviewed_at DESC, rowid DESC LIMIT 1""",
            [fid, file, form.name, form.year, form.name, form.year, form.department, file])
        other = self._one(
            """SELECT name, year FROM forms WHERE superseded_by IS NULL AND file = ? AND id != ?
               AND NOT (name = ? AND year = ?) ORDER BY last_reviewed_at DESC, rowid DESC LIMIT 1""",
            [file, fid, form.name, form.year])
        if other is not None:
            self.warn(f"注意：{file} 此前保存的是另一项目「{other['name']}」（{other['year']}年度），"
                      f"本次的「{form.name}」（{form.year}年度）作为另一份表单保存，不沿用其决定；原项目的记录保留不变")
        return previous

    def _revive(self, fid: str, lineage: str) -> sqlite3.Row | None:
        """Make a superseded form current again; returns its lineage's head, which it replaces.

        A head that is another project (linked by the path-only rule of older versions) is left current."""
        head = self._one("""SELECT h.id, h.seq, h.lineage FROM forms h JOIN forms f ON f.id = ?
                           WHERE h.lineage = ? AND h.superseded_by IS NULL AND h.id != f.id
                           AND h.name = f.name AND h.year = f.year
                           ORDER BY h.last_reviewed_at DESC, h.rowid DESC LIMIT 1""", [fid, lineage])
        seq = head["seq"] if head else self._one("SELECT seq FROM forms WHERE id = ?", [fid])[0]
        self.conn.execute("UPDATE forms SET superseded_by = NULL, seq = ? WHERE id = ?", [seq, fid])
        self.conn.execute("UPDATE critiques SET superseded_by = NULL, form_seq = ? WHERE form_id = ?", [seq, fid])
        return head

    def _carry_back(self, fid: str, newer: dict[str, sqlite3.Row], at: str) -> int:
        """On a revived form: the newer version's word on identical critiques, where it differs."""
        carried = 0
        for row in self._all("SELECT * FROM critiques WHERE form_id = ? ORDER BY seq", [fid]):
            prior = newer.get(row["key"])
            if prior is None or prior["message"] != row["message"] or prior["comment"] != row["comment"]:
                continue
            if (prior["status"], prior["final_comment"]) == (row["status"], row["final_comment"]):
                continue
            if self._one("SELECT 1 FROM decisions WHERE critique_id = ? LIMIT 1", [prior["id"]]) is None:
                continue  # never decided on the newer version: this version's own decision stands
            self._carry(prior, row["id"], prior["form_id"], at, before=row, label="较新版本")
            carried += 1
        return carried

    def _save_run(self, review: Review, file: str, at: str) -> None:
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
            [run_id, review.form_id, file, backend, judge.get("model"), judge.get("prompt_version"), at, at,
             *usage, None if cost is None else float(cost), len(review.findings)])

    def _refresh_critique(self, finding: Any, order: int, at: str) -> bool:
        """True when already stored. A pending critique takes the newest wording (e.g. a new judge
        verdict); a decided one keeps what the reviewer decided on."""
        row = self._one("SELECT status FROM critiques WHERE id = ?", [finding.id])
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

    def _carry(self, prior: sqlite3.Row, critique_id: str, previous_form: str, at: str,
               before: sqlite3.Row | None = None, label: str = "上一版本") -> None:
        """Give a critique the state of its counterpart in another version, as a decision noting where from.

        `before` is the critique's own row when it is not new (a revived version)."""
        last = self._one("SELECT id FROM decisions WHERE critique_id = ? ORDER BY rowid DESC LIMIT 1", [prior["id"]])
        note = f"沿用{label}（{previous_form[:8]}）{prior['decided_by'] or ''}的决定：{STATUS_LABEL[prior['status']]}"
        effective = prior["final_comment"] if prior["status"] == EDITED else prior["comment"]
        status_before = before["status"] if before else PENDING
        old_comment = before["final_comment"] if before and before["status"] == EDITED else prior["comment"]
        reviewer = prior["decided_by"] or (self._one("SELECT reviewer FROM decisions WHERE id = ?", [last["id"]])[0]
                                           if last else "?")
        self.conn.execute(
            """INSERT INTO decisions (id, critique_id, action, reviewer, at, status_before, status_after, old_comment,
               new_comment, carried_from, note) VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
            [ulid(), critique_id, STATUS_ACTION.get(prior["status"], "reopen"), reviewer, at, status_before,
             prior["status"], old_comment, effective, last["id"] if last else None, note])
        self.conn.execute(
            """UPDATE critiques SET status = ?, final_comment = ?, decided_by = ?, decided_at = ?, note = ?,
               updated_at = ? WHERE id = ?""",
            [prior["status"], prior["final_comment"], prior["decided_by"], prior["decided_at"], note, at, critique_id])

    # --- reading -----------------------------------------------------------

    _CRITIQUES = "SELECT c.*, f.name AS form_name, f.file AS form_file FROM critiques c JOIN forms f ON f.id = c.form_id"

    def critiques(self, filters: Filters, statuses: tuple[str, ...] | None = (PENDING,)) -> list[Critique]:
        where, params = filters.where()
        if statuses:
            where += f" AND c.status IN ({','.join('?' * len(statuses))})"
            params += list(statuses)
        rows = self._all(f"{self._CRITIQUES} WHERE {where} ORDER BY c.form_seq, c.form_id, c.seq", params)
        return [from_row(Critique, row) for row in rows]

    def critique(self, critique_id: str) -> Critique | None:
        return from_row(Critique, self._one(f"{self._CRITIQUES} WHERE c.id = ?", [critique_id]))

    def form_critiques(self, form_id: str) -> list[Critique]:
        """Every critique of one form version, in the order of its findings."""
        return [from_row(Critique, row) for row in
                self._all("SELECT * FROM critiques WHERE form_id = ? ORDER BY seq", [form_id])]

    def next_pending(self, filters: Filters, skip: set[str] = frozenset(), first: str | None = None) -> Critique | None:
        """The critique to show next: `first` if it is still pending, else the first pending one in order."""
        where, params = filters.where()
        where += " AND c.status = 'pending'"
        if first:
            row = self._one(f"SELECT c.* FROM critiques c JOIN forms f ON f.id = c.form_id WHERE {where} AND c.id = ?",
                            params + [first])
            if row:
                return from_row(Critique, row)
        if skip:
            where += f" AND c.id NOT IN ({','.join('?' * len(skip))})"
            params += list(skip)
        # INDEXED BY: walk the pending-only index in queue order rather than sort every candidate.
        return from_row(Critique, self._one(
            f"""SELECT c.* FROM critiques c INDEXED BY critiques_pending JOIN forms f ON f.id = c.form_id
                WHERE {where} ORDER BY c.form_seq, c.form_id, c.seq LIMIT 1""", params))

    def progress(self, filters: Filters, form_id: str) -> Progress:
        """Decided and total over the filtered critiques, then the same within one form."""
        where, params = filters.where()
        join = "JOIN forms f ON f.id = c.form_id" if filters.forms else ""
        counts = f"SELECT count(*), coalesce(sum(c.status != 'pending'), 0) FROM critiques c {join} WHERE {where}"
        total, done = self._one(counts, params)
        form_total, form_done = self._one(counts + " AND c.form_id = ?", params + [form_id])
        return Progress(done, total, form_done, form_total)

    def form(self, form_id: str) -> FormRecord | None:
        return from_row(FormRecord, self._one("SELECT * FROM forms WHERE id = ?", [form_id]))

    def current_forms(self, selectors: tuple[str, ...] = ()) -> list[FormRecord]:
        """The current version of each selected form, with the counts of its critiques by status."""
        where, params = ("f.superseded_by IS NULL", [])
        if selectors:
            clause, params = form_selector(selectors)
            where += " AND " + clause
        rows = self._all(f"""SELECT f.*, count(c.id) AS total,
                             coalesce(sum(c.status = 'pending'), 0) AS pending,
                             coalesce(sum(c.status = 'accepted'), 0) AS accepted,
                             coalesce(sum(c.status = 'rejected'), 0) AS rejected,
                             coalesce(sum(c.status = 'edited'), 0) AS edited
                             FROM forms f LEFT JOIN critiques c ON c.form_id = f.id
                             WHERE {where} GROUP BY f.id ORDER BY f.seq, f.id""", params)
        return [from_row(FormRecord, row) for row in rows]

    def versions(self, lineage: str) -> list[FormRecord]:
        """Every stored version of one form, oldest first."""
        return [from_row(FormRecord, row) for row in
                self._all("SELECT * FROM forms WHERE lineage = ? ORDER BY first_reviewed_at, rowid", [lineage])]

    def runs(self, form_id: str) -> list[Run]:
        return [from_row(Run, row) for row in
                self._all("SELECT * FROM runs WHERE form_id = ? ORDER BY first_at", [form_id])]

    def unmatched_forms(self, selectors: tuple[str, ...]) -> list[str]:
        """The selectors that name no current form."""
        missing = []
        for selector in selectors:
            clause, params = form_selector((selector,))
            if self._one(f"SELECT 1 FROM forms f WHERE f.superseded_by IS NULL AND {clause} LIMIT 1", params) is None:
                missing.append(selector)
        return missing

    def decisions(self, critique_id: str) -> list[Decision]:
        return [from_row(Decision, row) for row in
                self._all("SELECT * FROM decisions WHERE critique_id = ? ORDER BY rowid", [critique_id])]

    def decided_verdicts(self) -> list[DecidedVerdict]:
        """Judge verdicts a reviewer accepted, edited or rejected; decisions carried over from another
        version of the form count once (on the version they were taken on)."""
        return [from_row(DecidedVerdict, row) for row in self._all(_DECIDED_VERDICTS)]

    # --- deciding ----------------------------------------------------------

    def decide(self, critique_id: str, action: str, reviewer: str, new_comment: str | None = None,
               expect: str | None = None, batch: str | None = None) -> str | None:
        """Record one decision and apply it; None when it would change nothing.

        `expect` is the status the reviewer saw: if another reviewer decided in
        the meantime, Conflict is raised and nothing is written.
        """
        with self.transaction():
            row = self._one("SELECT * FROM critiques WHERE id = ?", [critique_id])
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
        latest = self._one("SELECT id, reviewer FROM decisions WHERE critique_id = ? ORDER BY rowid DESC LIMIT 1",
                          [decision["critique_id"]])
        if latest["id"] != decision["id"]:
            return None
        row = self._one("SELECT * FROM critiques WHERE id = ?", [decision["critique_id"]])
        restored = decision["status_before"]
        final = decision["old_comment"] if restored == EDITED else None
        self._apply(row, "undo", reviewer, restored, final, batch=batch, reverts=decision["id"])
        return row["id"]

    def undo_last(self, reviewer: str) -> str:
        """Undo this reviewer's latest single decision still in force; returns its critique id."""
        with self.transaction():
            decision = self._one(
                """SELECT d.* FROM decisions d WHERE d.reviewer = ? AND d.action != 'undo' AND d.batch IS NULL
                   AND d.carried_from IS NULL AND NOT EXISTS (SELECT 1 FROM decisions u WHERE u.reverts = d.id)
                   ORDER BY d.rowid DESC LIMIT 1""", [reviewer])
            if decision is None:
                raise StoreError("没有可撤销的决定")
            critique_id = self._revert(decision, reviewer)
            if critique_id is None:
                raise Conflict("该意见之后已被他人修改，无法撤销")
            return critique_id

    def bulk(self, critique_ids: list[str], action: str, reviewer: str,
             expect: Mapping[str, str] | None = None) -> Bulk:
        """One decision per critique, all in one transaction and one batch (undone together).

        `expect` maps a critique id to the status it was shown with: one decided by
        someone else since (say while the reviewer was asked to confirm) is left alone
        and counted as a conflict."""
        result = Bulk(ulid(), 0, 0)
        with self.transaction():
            for critique_id in critique_ids:
                try:
                    if self.decide(critique_id, action, reviewer, expect=(expect or {}).get(critique_id),
                                   batch=result.batch):
                        result.changed += 1
                except Conflict:
                    result.conflicts += 1
        return result

    def undo_last_batch(self, reviewer: str) -> Undone | None:
        """Undo this reviewer's latest bulk action not undone yet; None when there is none.

        Decisions someone has decided on top of are left in place. Either way the
        batch is then done with (recorded in undone_batches): the next call goes
        to the batch before it rather than finding this one again. Batches undone
        before that table existed are recognised by their reverted decisions."""
        with self.transaction():
            row = self._one(
                """SELECT d.batch FROM decisions d WHERE d.reviewer = ? AND d.batch IS NOT NULL AND d.action != 'undo'
                   AND NOT EXISTS (SELECT 1 FROM undone_batches b WHERE b.batch = d.batch)
                   AND NOT EXISTS (SELECT 1 FROM decisions x JOIN decisions u ON u.reverts = x.id
                                   WHERE x.batch = d.batch)
                   ORDER BY d.rowid DESC LIMIT 1""", [reviewer])
            if row is None:
                return None
            batch = row["batch"]
            first = self._one("SELECT action, at FROM decisions WHERE batch = ? ORDER BY rowid LIMIT 1", [batch])
            undone = Undone(batch, first["action"], first["at"], 0, 0)
            undo_batch = ulid()
            for decision in self._all("SELECT * FROM decisions WHERE batch = ? ORDER BY rowid", [batch]):
                if self._revert(decision, reviewer, batch=undo_batch):
                    undone.restored += 1
                else:
                    undone.kept += 1
            self.conn.execute("INSERT INTO undone_batches VALUES (?,?,?,?,?,?)",
                              [batch, undo_batch, reviewer, now(), undone.restored, undone.kept])
        return undone


_DECIDED_VERDICTS = """
    SELECT c.id, c.verdict, c.status, c.source, c.form_id
    FROM critiques c
    WHERE c.code = 'EXPLANATION_VERDICT' AND c.verdict IS NOT NULL
      AND c.status IN ('accepted', 'edited', 'rejected')
      AND NOT EXISTS (
        SELECT 1 FROM decisions d
        WHERE d.rowid = (SELECT max(rowid) FROM decisions WHERE critique_id = c.id)
          AND (d.carried_from IS NOT NULL OR d.note LIKE '沿用上一版本%'))
    ORDER BY c.rowid
"""


def _hash(*parts: Any) -> str:
    return hashlib.sha256("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:20]
