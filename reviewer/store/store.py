"""The sign-off store: forms, review runs, critiques, and (points.py) the points a reviewer decides
on with the decisions and score changes on them, in one SQLite file.

A critique is a finding as stored: its id is the finding id (form hash +
code + indicators), so reviewing the same form twice stores nothing twice.
Reviewers decide on points, not on critiques: the critiques are a point's
evidence. (Databases from before points kept a status on each critique and
an append-only `decisions` table; both are read, never written, and
signoff/intake.py carries those decisions onto the points once.) Every
write takes the database lock up front
(BEGIN IMMEDIATE) and WAL lets readers go on meanwhile, so several sessions
and a running `review` can share one file. The tables are in schema.py, the
records the store hands out in rows.py; which stored form a new one is the
next version of is in Store.save_review.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

from ..review import Review
from .activity import ActivityQueries
from .base import ONE_VERDICT, PENDING, StoreError, form_selector, now
from .db import Checkpointer, blob, connect, insert_flat, insert_rows, without_nulls
from .fresh import create as create_fresh
from .health import (
    DatabaseError, check_version, database_error, refuse_read_only, schema_version, stamp_version, verify, writable,
)
from .judge_cache import migrations as judge_migrations
from .migrate import apply_pending, has_table
from .points import PointTables
from .packing import body_json, pack, unpack, unpack_json
from .rows import Critique, DecidedVerdict, Decision, FormRecord, Run, from_row
from .schema import FormRows, MigrationMismatch, form_rows, migrations

T = TypeVar("T")
# How long one batch transaction holds the write lock at most (plus one form's write): a reviewer's
# decision waiting on a running `review` waits about this long.
BATCH_SECONDS = 0.03
# The page cache of a connection writing a batch, in KiB (SQLite's default is 2,000). A form's rows land
# in indexes keyed by content hashes, all over the file: with 2 MB most of those pages are read again
# from the OS for each form. 8 MB took the store's CPU per form from ~2.0 to ~1.6 ms (1,000 bench forms).
BATCH_CACHE_KIB = 8000
# Pages (4 KiB) a batch's WAL may reach before the writer checkpoints what the thread has not yet copied.
WAL_CEILING_PAGES = 4000
# A batch's WAL is checkpointed by a thread of its own (db.Checkpointer) after every this many COMMITs; 0: by
# SQLite inside the COMMIT, as any other connection.
CHECKPOINT_EVERY = int(os.environ.get("REVIEW_CHECKPOINT_EVERY", "4"))


@dataclass
class Saved:
    """What storing one review did. `carried` counts decisions carried onto a new version;
    `carried_back` those carried from a newer version onto a revived older one."""

    form_id: str
    new_form: bool
    previous_id: str | None
    added: int
    carried: int = 0
    carried_back: int = 0
    revived: bool = False
    scores_carried: int = 0  # the reviewer's score changes carried from the other version
    scores_dropped: list[str] = field(default_factory=list)  # those that no longer fit, as a reviewer reads them
    # A new form's row as save_points reads it, (n, seq, previous_id, superseded_by), and the time it was stored at:
    # what the rest of its transaction need not read back.
    row: tuple[int, int, str | None, None] | None = None
    at: str = ""
    run: str = ""  # its run's id, when storing it wrote the run (a new form's)


class Transaction:
    """Store.transaction(): BEGIN IMMEDIATE on entering, COMMIT on leaving, ROLLBACK when an error leaves it; within
    a transaction already, nothing (it joins it). A class rather than a contextlib generator: storing a form enters
    four, and each generator's set-up and StopIteration cost ~3k instructions."""

    __slots__ = ("conn", "outer")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.outer = False

    def __enter__(self) -> None:
        self.outer = not self.conn.in_transaction
        if self.outer:
            self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type[BaseException] | None, *exc: Any) -> bool:
        if self.outer:
            if kind is None:
                self.conn.execute("COMMIT")
            elif self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        return False


class Store(PointTables, ActivityQueries):
    """One open database. Use as a context manager, or call close()."""

    def __init__(self, path: str | Path, create: bool = True, warn: Callable[[str], None] | None = None,
                 read_only: bool = False):
        """`warn` receives notices meant for the reviewer (another project under a reviewed file, a
        reverted file); without it they are kept in `notices`. `read_only` opens an existing database
        for reading only (nothing is created or changed; one an older tool wrote is refused: upgrading it would
        write)."""
        self.path = str(path)
        self.read_only = read_only
        self.notices: list[str] = []
        self._checkpointer: Checkpointer | None = None
        self._batched = False  # whether batch() has set the connection up
        # What a batch's transaction has learnt and keeps up to date itself (counters: _next, _taken): no other process
        # writes while it holds the lock. None outside a batch's transaction, which asks the database each time.
        self._memo: dict[str, Any] | None = None
        self.warn = warn or self.notices.append
        if (read_only or not create) and not Path(self.path).exists():
            raise StoreError(f"数据库 {self.path} 不存在：请先用 review 表单.json 审核表单")
        if not read_only:
            refuse_read_only(self.path)
        self._open(read_only)
        if read_only and self._outdated:
            # Written by an older tool: these queries are this schema's, and opening it read-only promises not to
            # write, so it is refused as it is (a colleague on the older version can still open it).
            self.conn.close()
            if writable(self.path):
                fix = ("请先运行一次 review status 升级该数据库（自动升级，不丢失任何内容；升级后旧版本的 review 将无法打开它），"
                       "再以只读方式查看")
            else:
                fix = ("而该文件不可写入，无法升级：请对该文件有写权限的人运行一次 review status（自动升级，不丢失任何内容），"
                       "或复制到可写的位置后再查看")
            raise DatabaseError(
                f"数据库 {self.path} 由旧版本的 review 写入（数据库结构版本 {self._outdated}），需升级到版本 "
                f"{schema_version(migrations)} 才能读取；只读打开时不作升级，{fix}；未作任何修改")

    def _open(self, read_only: bool) -> None:
        try:
            self.conn = connect(self.path, read_only=read_only)
        except sqlite3.DatabaseError as exc:
            raise database_error(self.path, exc) from None
        try:
            self._check(read_only)
        except BaseException:
            self.conn.close()
            raise

    def _check(self, read_only: bool) -> None:
        """Refuse a damaged database (before writing into it) or one a newer tool wrote; migrate an older one."""
        try:
            if not read_only:
                verify(self.conn, self.path)
            check_version(self.conn, self.path, (migrations, judge_migrations))
            # As sqlite_utils.Database set it on each store connection (one was built for every store): a REPLACE's
            # deletes fire the DELETE triggers (the append-only tables').
            self.conn.execute("PRAGMA recursive_triggers = on")
            pending = migrations.pending_names(self.conn)
            self._outdated = self._version() if read_only and pending else 0
            if not read_only and (pending or self._unstamped()):
                with self.transaction():  # both re-check under the lock: two first runs cannot race
                    create_fresh(self.conn, migrations)
                    apply_pending(self.conn, migrations)
                    stamp_version(self.conn, migrations)
        except MigrationMismatch as exc:
            raise DatabaseError(f"数据库 {self.path}：{exc}") from None
        except sqlite3.DatabaseError as exc:
            raise database_error(self.path, exc) from None

    def _version(self) -> int:
        applied = self._one(f"SELECT count(*) FROM {migrations.migrations_table} WHERE migration_set = ?",
                            [migrations.name]) if has_table(self.conn, migrations.migrations_table) else None
        return max(self.conn.execute("PRAGMA user_version").fetchone()[0], applied[0] if applied else 0)

    def _unstamped(self) -> bool:
        return self.conn.execute("PRAGMA user_version").fetchone()[0] < schema_version(migrations)

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        self.conn.close()

    def transaction(self) -> "Transaction":
        """A write transaction holding the lock from the start; nested calls join the outer one."""
        return Transaction(self.conn)

    @contextmanager
    def batch(self, seconds: float = BATCH_SECONDS,
              committed: Callable[[], None] = lambda: None) -> Iterator[Callable[[Callable[[], T]], T]]:
        """Writes grouped into transactions of about `seconds` each (far fewer commits than one per form, yet
        the lock is held so briefly that a reviewer's session waits no longer to write). Each write is its own
        savepoint: one that fails is undone alone, what the batch wrote before it is committed, and the error
        goes on up. Call the yielded function with each write; the last transaction commits on leaving.
        `committed` is called after each COMMIT that succeeded, so a caller can say truthfully what is kept
        when a write fails (a full disk may fail the COMMIT too, or roll the whole transaction back)."""
        conn = self.conn
        if not self._batched:  # once per connection: each time cost ~0.2 ms
            conn.execute(f"PRAGMA cache_size = -{BATCH_CACHE_KIB}")
            # Each write's savepoint keeps the pages it changes in a sub-journal, which SQLite spills to a temporary
            # file past 64 KiB: most forms did, ~100 small writes a form to /var/tmp (half the run's pwrite calls,
            # and most of its system time). In memory it holds one form's pages at most, freed at each RELEASE.
            conn.execute("PRAGMA temp_store = MEMORY")
            self._batched = True
        if self._checkpointer is None and CHECKPOINT_EVERY:
            self._checkpointer = Checkpointer(self.path, CHECKPOINT_EVERY)
            if self._checkpointer.ok:
                # The thread does the copying (db.Checkpointer); the writer's own checkpoint stays, at a higher
                # ceiling, because only a writer that finds the WAL fully copied starts it over: without one the
                # WAL of a long batch would grow to the size of all it wrote. By then the thread has copied most
                # of it, so the writer's checkpoint is short.
                conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CEILING_PAGES}")
            else:
                self._checkpointer = None
        checkpointer = self._checkpointer

        def commit() -> None:
            self._memo = None  # first: a COMMIT that fails may have rolled the transaction back
            conn.execute("COMMIT")
            committed()
            if checkpointer is not None:
                checkpointer.poke()
        started = [0.0]

        def write(fn: Callable[[], T]) -> T:
            if conn.in_transaction:
                result = in_savepoint(fn)
            else:
                conn.execute("BEGIN IMMEDIATE")
                self._memo = {}
                started[0] = time.perf_counter()
                # A transaction's first write needs no savepoint (~0.17 M instructions a form: the pages it changes
                # are copied to a sub-journal): undoing it alone is undoing the transaction.
                try:
                    result = fn()
                except BaseException:
                    self._memo = None
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            if time.perf_counter() - started[0] >= seconds:
                commit()
            return result

        def in_savepoint(fn: Callable[[], T]) -> T:
            conn.execute("SAVEPOINT batch_write")
            try:
                result = fn()
            except BaseException:
                if conn.in_transaction:  # SQLite may have rolled it all back itself (SQLITE_FULL, an interrupt)
                    conn.execute("ROLLBACK TO batch_write")
                    conn.execute("RELEASE batch_write")
                    commit()
                else:
                    self._memo = None
                raise
            conn.execute("RELEASE batch_write")
            return result

        try:
            yield write
        finally:
            if conn.in_transaction:
                commit()

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
        version) becomes current again and its lineage's head is superseded.
        Decisions live on points (points.py): signoff/intake.py stores the
        points of a review with it and carries decisions between versions.
        """
        return self.save_rows(form_rows(review))

    def save_rows(self, rows: FormRows) -> Saved:
        """save_review for a review already turned into rows (form_rows): what a worker process hands back."""
        fid, at, file = rows.form_id, now(), rows.file
        with self.transaction():
            saved = self._save_new(rows, at)  # most forms of a batch
            if saved is not None:
                return saved
            stored = self._one("SELECT n, seq, lineage, superseded_by FROM forms WHERE id = ?", [fid])
            previous, revived = None, False
            if stored is None:
                previous = self._predecessor(fid, file, rows)
                seq = previous["seq"] if previous else self._next_seq()
                key = self._insert_form(rows, seq, at, previous["lineage"] if previous else fid,
                                        previous["id"] if previous else None)
            else:
                seq, key = stored["seq"], stored["n"]
                if stored["superseded_by"] is not None:
                    previous, revived = self._revive(fid, stored["lineage"]), True
                    seq = previous["seq"] if previous else seq
                self.conn.execute("UPDATE forms SET file = ?, last_reviewed_at = ? WHERE id = ?", [file, at, fid])
            self._save_run(rows, at)
            old = {}
            if previous:
                old = {row["key"]: row["id"] for row in
                       self._all("SELECT key, id FROM critiques WHERE form = ?", [previous["n"]])}
            # One read of what is stored, then the writes in bulk: a form has about 35 critiques.
            # id -> (status, rowid): a stored critique is updated by its rowid (ids are indexed within their form).
            status = {} if stored is None else {
                row[0]: (row[1], row[2]) for row in self._all("SELECT id, status, rowid FROM critiques WHERE form = ?",
                                                               [key])}
            texts = {} if stored is None else self._critique_texts(fid)
            reviewed = {} if stored is None or not rows.texts else unpack_json(rows.texts)
            fresh, pending, decided = [], [], []
            for order, c in enumerate(rows.critiques):
                cid, ckey, _, _, source, severity, verdict, tags = c  # a CritiqueRow
                found = status.get(cid)
                if found is None:
                    fresh.append((*c, order, old.get(ckey)))  # a _CRITIQUES row
                elif found[0] == PENDING:
                    # A pending critique takes the newest wording (e.g. a new judge verdict); a decided one
                    # keeps what the reviewer decided on (its texts stay as they were).
                    pending.append([order, source, severity, verdict, tags, at, found[1]])
                else:
                    decided.append([order, found[1]])
                    continue
                if stored is not None:  # a new form's texts are rows.texts as they are
                    texts[cid] = reviewed[cid]
            insert_rows(self.conn, _CRITIQUES, _CRITIQUE_VALUES, fresh, (key, seq, at))
            if pending:  # a form stored before: none for a new one (each statement costs, even with no rows)
                self.conn.executemany(
                    """UPDATE critiques SET seq = ?, source = ?, severity = ?, message = '', verdict = ?, tags = ?,
                       data = '', comment = '', updated_at = ? WHERE rowid = ?""", pending)
            if decided:
                self.conn.executemany("UPDATE critiques SET seq = ? WHERE rowid = ?", decided)
            # A new form's texts are all its critiques': packed where the rows were built (a worker).
            body = rows.texts if stored is None else pack(body_json(texts))
            self.conn.execute("INSERT OR REPLACE INTO critique_texts VALUES (?, ?)", [fid, body])
            if previous:
                self.conn.execute("UPDATE forms SET superseded_by = ? WHERE id = ?", [fid, previous["id"]])
                self.conn.execute("UPDATE critiques SET superseded_by = ? WHERE form = ?", [fid, previous["n"]])
            self.resolve_refusal(file, at)
        if revived:
            self.warn(f"{file}：文件已改回此前审核过的版本（{fid[:8]}），该版本重新成为当前版本")
        return Saved(fid, stored is None, previous["id"] if previous else None, len(fresh), revived=revived, at=at)

    def _save_new(self, rows: FormRows, at: str) -> Saved | None:
        """save_rows for a form never stored, with no version before it and no other project under its file (None
        when it is not one: nothing is written then): its rows written without reading anything else."""
        fid, file = rows.form_id, rows.file
        # Stored already, a previous version, or another project under the file (a warning): one look over three indexes.
        found = self._one(
            """SELECT 1 FROM forms WHERE id = ?1 OR (superseded_by IS NULL
               AND (file = ?2 OR (name = ?3 AND year = ?4 AND department = ?5))) LIMIT 1""",
            [fid, file, rows.name, rows.year, rows.department])
        if found is not None:
            return None
        seq = self._next_seq()
        key = self._insert_form(rows, seq, at, fid, None)
        run = self._save_run(rows, at)
        # One statement for the form's critiques (insert_rows): its key, queue place and time bound once; no None
        # bound (see _NEW_CRITIQUE_VALUES).
        values: list[Any] = []
        for order, (cid, ckey, code, indicators, source, severity, verdict, tags) in enumerate(rows.critiques):
            values += (cid, ckey, code, indicators, source, severity, verdict or "", tags, order)
        insert_flat(self.conn, _CRITIQUES, _NEW_CRITIQUE_VALUES, 9, values, (key, seq, at))
        self.conn.execute("INSERT OR REPLACE INTO critique_texts VALUES (?, ?)", [fid, blob(rows.texts)])
        self.resolve_refusal(file, at)
        return Saved(fid, True, None, len(rows.critiques), row=(key, seq, None, None), at=at, run=run)

    def _insert_form(self, rows: FormRows, seq: int, at: str, lineage: str, previous_id: str | None) -> int:
        """A new form version's row (save_rows, _save_new); its key (n). The bodies bound as bytearrays (db.blob)."""
        values = [rows.form_id, lineage, previous_id, seq, rows.file, rows.name, rows.year, rows.department, rows.unit,
                  rows.claimed_total, rows.recomputed_total, blob(rows.form_json), blob(rows.scorecard_json), at, at]
        return self.conn.execute(*without_nulls(_FORM_INSERT, values)).lastrowid

    def _critique_texts(self, form_id: str) -> dict[str, list[Any]]:
        """critique id -> [message, comment, data] of one form version (compact_critiques in schema.py)."""
        row = self._one("SELECT body FROM critique_texts WHERE form_id = ?", [form_id])
        return {} if row is None else unpack_json(row[0])

    def remember_result(self, digest: str, rows: FormRows, result: bytes, saved: Saved | None = None) -> None:
        """What reviewing a file gave (see reviewed_files in schema.py; `result` packed);
        the form's older results go (`saved`: what storing its rows did, when a new form's has none)."""
        with self.transaction():
            if saved is None or saved.row is None:
                self.conn.execute("DELETE FROM reviewed_files WHERE form_id = ?", [rows.form_id])
            self.conn.execute("INSERT OR REPLACE INTO reviewed_files VALUES (?, ?, ?, ?, ?)",
                              [digest, rows.form_id, (saved and saved.run) or _run_id(rows), blob(result), saved.at if saved else now()])

    def known_results(self, files: list[tuple[str, str]]) -> dict[str, tuple[str, str]]:
        """For each (resolved file, digest) stored as the current version of its form under that file:
        digest -> (form id, JSON result). Each is counted as reviewed again (its run's `times`, the
        form's last_reviewed_at), in one short transaction: nothing else is written."""
        found: dict[str, tuple[str, str]] = {}
        runs: list[tuple[str, str]] = []
        for file, digest in files:
            row = self._one("""SELECT r.form_id, r.run_id, r.result FROM reviewed_files r
                               JOIN forms f ON f.id = r.form_id
                               WHERE r.digest = ? AND f.superseded_by IS NULL AND f.file = ?""", [digest, file])
            if row is not None:
                found[digest] = (row[0], unpack(row[2]))
                runs.append((row[0], row[1]))
        if runs:
            at = now()
            with self.transaction():
                self.conn.executemany("UPDATE runs SET times = times + 1, last_at = ? WHERE id = ?",
                                      [(at, run) for _, run in runs])
                self.conn.executemany("UPDATE forms SET last_reviewed_at = ? WHERE id = ?",
                                      [(at, form) for form, _ in runs])
        return found

    def _next_seq(self) -> int:
        """The queue place of a new form: after every other (max() over the forms_seq index, not a scan). Only a new
        form takes a place past the others (a new version or a revived one takes its lineage's)."""
        seq = self._next("seq", "SELECT coalesce(max(seq), 0) + 1 FROM forms")
        self._taken("seq", seq + 1)
        return seq

    def _next(self, name: str, first: str) -> int:
        """The next value of a counter that `first` reads from the database (one more than the largest stored):
        within a batch's transaction read once, then counted on in memory (_taken; a max() a form cost ~7 us)."""
        value = None if self._memo is None else self._memo.get(name)
        return self._one(first)[0] if value is None else value

    def _taken(self, name: str, following: int) -> None:
        """The values of a counter (_next) before `following` are used, in this transaction."""
        if self._memo is not None:
            self._memo[name] = following

    def _predecessor(self, fid: str, file: str, form: Any) -> sqlite3.Row | None:
        """The current form a new one is the next version of (see save_review), warning when
        another project is stored under the same file."""
        previous = self._one(
            """SELECT n, id, seq, lineage, file FROM forms WHERE superseded_by IS NULL AND id != ?
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
        head = self._one("""SELECT h.n, h.id, h.seq, h.lineage FROM forms h JOIN forms f ON f.id = ?
                           WHERE h.lineage = ? AND h.superseded_by IS NULL AND h.id != f.id
                           AND h.name = f.name AND h.year = f.year
                           ORDER BY h.last_reviewed_at DESC, h.rowid DESC LIMIT 1""", [fid, lineage])
        seq = head["seq"] if head else self._one("SELECT seq FROM forms WHERE id = ?", [fid])[0]
        self.conn.execute("UPDATE forms SET superseded_by = NULL, seq = ? WHERE id = ?", [seq, fid])
        self.conn.execute("UPDATE critiques SET superseded_by = NULL, form_seq = ? WHERE form = "
                          "(SELECT n FROM forms WHERE id = ?)", [seq, fid])
        return head

    def _save_run(self, rows: FormRows, at: str) -> str:
        """The form's run counted (its id returned): one per form version and judge set-up."""
        judge = rows.judge or {}
        backend = judge.get("backend") or "rules"
        run_id = _run_id(rows)
        usage = [int(judge.get(k) or 0) for k in ("calls", "cached", "fallbacks", "prompt_tokens", "completion_tokens")]
        cost = judge.get("cost")
        self.conn.execute(*without_nulls(_RUN_UPSERT, [
            run_id, rows.form_id, rows.file, backend, judge.get("model"), judge.get("prompt_version"), at, at,
            *usage, None if cost is None else float(cost), len(rows.critiques)]))
        return run_id

    # --- reading -----------------------------------------------------------

    def form_critiques(self, form_id: str, ids: Iterable[str] | None = None,
                       codes: tuple[str, ...] = ()) -> list[Critique]:
        """Every critique of one form version, in the order of its findings; given `ids` or `codes`, only
        those with one of these ids or codes."""
        where, params = "", [form_id]
        if ids is not None or codes:
            ids = list(ids or ())
            where = f" AND (c.id IN ({','.join('?' * len(ids))}) OR c.code IN ({','.join('?' * len(codes))}))"
            params += [*ids, *codes]
        rows = self._all(f"""SELECT c.*, f.id AS form_id FROM critiques c JOIN forms f ON f.n = c.form
                             WHERE f.id = ?{where} ORDER BY c.seq""", params)
        texts = self._critique_texts(form_id) if any(row["data"] == "" for row in rows) else {}
        out = []
        for row in rows:
            critique = dict(row)
            if critique["data"] == "" and critique["id"] in texts:
                critique["message"], critique["comment"], critique["data"] = texts[critique["id"]]
            out.append(Critique(**{k: v for k, v in critique.items() if k in _CRITIQUE_FIELDS}))
        return out

    def form(self, form_id: str) -> FormRecord | None:
        return from_row(FormRecord, self._one("SELECT * FROM forms WHERE id = ?", [form_id]))

    def current_forms(self, selectors: tuple[str, ...] = ()) -> list[FormRecord]:
        """The current version of each selected form, with the counts of its points by status."""
        where, params = ("f.superseded_by IS NULL", [])
        if selectors:
            clause, params = form_selector(selectors)
            where += " AND " + clause
        rows = self._all(f"""SELECT f.*, count(p.id) AS total,
                             coalesce(sum(p.status = 'pending'), 0) AS pending,
                             coalesce(sum(p.status = 'accepted'), 0) AS accepted,
                             coalesce(sum(p.status = 'rejected'), 0) AS rejected,
                             coalesce(sum(p.status = 'edited'), 0) AS edited
                             FROM forms f LEFT JOIN points p ON p.form = f.n AND p.retired_at IS NULL
                             WHERE {where} GROUP BY f.id ORDER BY f.seq, f.id""", params)
        return [from_row(FormRecord, row) for row in rows]

    def current_form_ids(self, selectors: tuple[str, ...] = ()) -> list[str]:
        """The ids of current_forms, in its order, without the forms: what a report over a whole batch
        walks, loading one form at a time."""
        where, params = ("f.superseded_by IS NULL", [])
        if selectors:
            clause, params = form_selector(selectors)
            where += " AND " + clause
        return [row[0] for row in self._all(f"SELECT f.id FROM forms f WHERE {where} ORDER BY f.seq, f.id", params)]

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
        """Judge verdicts on points a reviewer accepted, edited or rejected (the point's status is the
        decision on each verdict among its evidence); decisions carried over from another version of
        the form count once (on the version they were taken on)."""
        has_points = self._one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'point_builds'")
        rows = self._all(_DECIDED_VERDICTS) if has_points else []
        # Decisions an older database took on critiques, on forms whose points were never built (a database
        # opened read-only cannot build them): counted as they were taken.
        rows += self._all(_LEGACY_DECIDED_VERDICTS.format(
            unbuilt="AND f.id NOT IN (SELECT form_id FROM point_builds)" if has_points else ""))
        return [from_row(DecidedVerdict, row) for row in rows]

# A form's new critiques (db.insert_rows): each a CritiqueRow's fields as they come, its place in the form and the
# previous version's critique (None for a new form); the form's key, queue place and time shared (?1-?3). message,
# data and comment are '' (their defaults): the texts are in critique_texts.
_CRITIQUES = """INTO critiques (id, key, code, indicators, source, severity, verdict, tags, seq, previous_id, form, form_seq,
                created_at, updated_at)"""
_CRITIQUE_VALUES = ", ".join([f"column{i}" for i in range(1, 11)] + ["?1", "?2", "?3", "?3"])
# A new form's (_save_new): no previous version (NULL), and a critique without a verdict sent as '' (no verdict is '':
# catalogue.VERDICTS), which nullif stores as NULL: a None bound costs ~3k instructions (db.without_nulls), ~25 a form.
_NEW_CRITIQUE_VALUES = ", ".join([f"column{i}" for i in range(1, 7)]
                                 + ["nullif(column7, '')", "column8", "column9", "NULL", "?1", "?2", "?3", "?3"])

# A form version's row and a run's (db.without_nulls: each None a NULL in the statement, not a parameter).
_FORM_INSERT = """INSERT INTO forms (id, lineage, previous_id, seq, file, name, year, department, unit, claimed_total,
                  recomputed_total, form_json, scorecard_json, first_reviewed_at, last_reviewed_at) VALUES ({})"""
_RUN_UPSERT = """INSERT INTO runs (id, form_id, file, backend, model, prompt_version, first_at, last_at, calls, cached,
               fallbacks, prompt_tokens, completion_tokens, cost, findings) VALUES ({})
               ON CONFLICT(id) DO UPDATE SET last_at = excluded.last_at, file = excluded.file, times = times + 1,
               calls = calls + excluded.calls, cached = cached + excluded.cached,
               fallbacks = fallbacks + excluded.fallbacks, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
               completion_tokens = completion_tokens + excluded.completion_tokens,
               cost = CASE WHEN excluded.cost IS NULL THEN cost ELSE coalesce(cost, 0) + excluded.cost END,
               findings = excluded.findings"""


_DECIDED_VERDICTS = """
    SELECT c.id, c.verdict, p.status, c.source, f.id AS form_id
    FROM points p JOIN forms f ON f.n = p.form
    JOIN critiques c ON c.form = p.form AND c.code = 'EXPLANATION_VERDICT' AND c.verdict IS NOT NULL
                    AND instr(p.findings, '"' || c.id || '"') > 0
    WHERE p.status IN ('accepted', 'edited', 'rejected') AND """ + ONE_VERDICT + """
      AND NOT EXISTS (
        SELECT 1 FROM point_decisions d
        WHERE d.rowid = (SELECT max(rowid) FROM point_decisions WHERE point_id = p.id)
          AND (d.carried_from IS NOT NULL OR d.note LIKE '沿用上一版本%' OR d.note LIKE '沿用较新版本%'))
    ORDER BY c.rowid
"""


_LEGACY_DECIDED_VERDICTS = """
    SELECT c.id, c.verdict, c.status, c.source, f.id AS form_id
    FROM critiques c JOIN forms f ON f.n = c.form
    WHERE c.code = 'EXPLANATION_VERDICT' AND c.verdict IS NOT NULL
      AND c.status IN ('accepted', 'edited', 'rejected') {unbuilt}
      AND NOT EXISTS (
        SELECT 1 FROM decisions d
        WHERE d.rowid = (SELECT max(rowid) FROM decisions WHERE critique_id = c.id)
          AND (d.carried_from IS NOT NULL OR d.note LIKE '沿用上一版本%'))
    ORDER BY c.rowid
"""


_CRITIQUE_FIELDS = frozenset(f.name for f in fields(Critique))


def _run_id(rows: FormRows) -> str:
    """One run per form version and judge set-up."""
    judge = rows.judge or {}
    return _hash(rows.form_id, judge.get("backend") or "rules", judge.get("model"), judge.get("prompt_version"))


def _hash(*parts: Any) -> str:
    return hashlib.sha256("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:20]
