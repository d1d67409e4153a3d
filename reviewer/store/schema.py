"""The sign-off store's tables (sqlite-utils migrations, applied in order) and the scorecard kept per form."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..form.values import format_decimal, round_half_up
from ..review import Review
from .base import resolved
from .migrate import Migrations
from .packing import body_json, pack, plain_json, stdlib_json

if TYPE_CHECKING:
    from sqlite_utils import Database

    from ..scoring import IndicatorScore

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


@migrations()
def create_undone_batches(db: Database) -> None:
    # A bulk action once undone is done with, even when some or all of its decisions stayed because
    # someone decided on top of them: the next `review undo` goes on to the batch before it.
    db.execute("""
        CREATE TABLE undone_batches (
            batch TEXT PRIMARY KEY, undo_batch TEXT NOT NULL, reviewer TEXT NOT NULL, at TEXT NOT NULL,
            restored INTEGER NOT NULL, kept INTEGER NOT NULL)""")
    for event in ("UPDATE", "DELETE"):
        db.execute(f"""CREATE TRIGGER undone_batches_append_only_{event.lower()} BEFORE {event} ON undone_batches
                       BEGIN SELECT RAISE(ABORT, 'undone_batches is append-only'); END""")


@migrations()
def forms_claimed_total_may_be_blank(db: Database) -> None:
    # form-format 1.1: a blank 总分 is reviewed (TOTAL_MISSING), so the claimed total may be NULL.
    # sqlite-utils rebuilds the table with its columns in order and recreates its indexes.
    db["forms"].transform(not_null={"claimed_total": False})


def _append_only(db: Database, table: str) -> None:
    for event in ("UPDATE", "DELETE"):
        db.execute(f"""CREATE TRIGGER {table}_append_only_{event.lower()} BEFORE {event} ON {table}
                       BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""")


@migrations()
def create_points(db: Database) -> None:
    # One row per point (an indicator, a cost/count pair or a part of the form) of a form version.
    # status is a cache of the latest point decision, written in the same transaction.
    db.execute("""
        CREATE TABLE points (
            id TEXT PRIMARY KEY, form_id TEXT NOT NULL, key TEXT NOT NULL, form_seq INTEGER NOT NULL,
            seq INTEGER NOT NULL, indicators TEXT NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL,
            severity TEXT NOT NULL, codes TEXT NOT NULL, verdict TEXT, review_first INTEGER NOT NULL DEFAULT 0,
            findings TEXT NOT NULL, comment TEXT NOT NULL, parts TEXT NOT NULL, signature TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending', final_comment TEXT, decided_by TEXT, decided_at TEXT,
            note TEXT, previous_id TEXT, superseded_by TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""")
    db.execute("CREATE INDEX points_form ON points(form_id, seq)")
    # The session asks "first pending point" on every keystroke: points to look at first (待重点审核),
    # then the queue order. An index walk, never a sort of the candidates.
    db.execute("""CREATE INDEX points_pending ON points(review_first DESC, form_seq, form_id, seq)
                  WHERE status = 'pending' AND superseded_by IS NULL""")
    db.execute("CREATE INDEX points_scope ON points(superseded_by, status, severity)")
    # The finding codes under each point: --code filters look them up rather than scan every point.
    db.execute("""CREATE TABLE point_codes (code TEXT NOT NULL, point_id TEXT NOT NULL,
                  PRIMARY KEY (code, point_id)) WITHOUT ROWID""")
    db.execute("CREATE INDEX point_codes_point ON point_codes(point_id)")
    # Which forms have their points built (a form without findings has none), and by which builder.
    db.execute("CREATE TABLE point_builds (form_id TEXT PRIMARY KEY, builder INTEGER NOT NULL, at TEXT NOT NULL)")


@migrations()
def create_point_decisions(db: Database) -> None:
    db.execute("""
        CREATE TABLE point_decisions (
            id TEXT PRIMARY KEY, point_id TEXT NOT NULL, action TEXT NOT NULL, reviewer TEXT NOT NULL,
            at TEXT NOT NULL, status_before TEXT NOT NULL, status_after TEXT NOT NULL,
            old_comment TEXT, new_comment TEXT, batch TEXT, reverts TEXT, carried_from TEXT, note TEXT)""")
    db.execute("CREATE INDEX point_decisions_point ON point_decisions(point_id)")
    db.execute("CREATE INDEX point_decisions_reviewer ON point_decisions(reviewer)")
    db.execute("CREATE INDEX point_decisions_batch ON point_decisions(batch)")
    db.execute("CREATE INDEX point_decisions_reverts ON point_decisions(reverts)")
    _append_only(db, "point_decisions")


@migrations()
def create_score_changes(db: Database) -> None:
    # The reviewer's 复核完成值 / 复核得分 per row (-1: 预算执行率); the latest change per
    # (form, row, field) is in force.
    db.execute("""
        CREATE TABLE score_changes (
            id TEXT PRIMARY KEY, form_id TEXT NOT NULL, row INTEGER NOT NULL, field TEXT NOT NULL,
            before TEXT, shown_before TEXT, after TEXT, reason TEXT NOT NULL, clause TEXT, reviewer TEXT NOT NULL,
            at TEXT NOT NULL, reverts TEXT, carried_from TEXT, note TEXT)""")
    db.execute("CREATE INDEX score_changes_row ON score_changes(form_id, row, field)")
    db.execute("CREATE INDEX score_changes_reviewer ON score_changes(reviewer)")
    db.execute("CREATE INDEX score_changes_reverts ON score_changes(reverts)")
    _append_only(db, "score_changes")


@migrations()
def create_refusals(db: Database) -> None:
    # Files `review` could not read: the batch summary lists them apart until the file is read.
    db.execute("""CREATE TABLE refusals (file TEXT PRIMARY KEY, message TEXT NOT NULL, at TEXT NOT NULL,
                  resolved_at TEXT)""")


@migrations()
def retire_points(db: Database) -> None:
    # A point the latest review of its form version no longer raises (a setting or the judge changed) is
    # retired: out of the queue, the counts and the 复核意见, its decisions kept as history. The scope
    # index (the session's counts, every keystroke) takes the column so it still covers them.
    db["points"].add_column("retired_at", str)
    db.execute("DROP INDEX points_scope")
    db.execute("CREATE INDEX points_scope ON points(superseded_by, retired_at, status, severity)")


@migrations()
def index_forms_seq(db: Database) -> None:
    # A new form's queue place is max(seq) + 1: over this index a lookup, not a scan of every form.
    db.execute("CREATE INDEX forms_seq ON forms(seq)")


@migrations()
def create_reviewed_files(db: Database) -> None:
    # A file reviewed already: the digest of its bytes, resolved path and review settings
    # (signoff/batch.py settings_key), the form version it gave and its JSON line (packed, without the
    # "file" key), and its run (whose `times` a re-review counts). A re-review of the unchanged file
    # prints that line and computes nothing. One row per form version: reviewing it again under other
    # settings replaces it.
    db.execute("""CREATE TABLE reviewed_files (digest TEXT PRIMARY KEY, form_id TEXT NOT NULL, run_id TEXT NOT NULL,
                  result BLOB NOT NULL, at TEXT NOT NULL)""")
    db.execute("CREATE INDEX reviewed_files_form ON reviewed_files(form_id)")


@migrations()
def compact_critiques(db: Database) -> None:
    # A critique's message, comment and figures (data) are kept once per form version, compressed
    # together in critique_texts (a form's ~35 findings repeat the same figures and wording), and its
    # row holds '' for them; rows stored before keep theirs. The critiques' own status indexes served
    # the session before points and nothing reads them now.
    db.execute("CREATE TABLE critique_texts (form_id TEXT PRIMARY KEY, body BLOB NOT NULL)")
    db.execute("DROP INDEX IF EXISTS critiques_pending")
    db.execute("DROP INDEX IF EXISTS critiques_scope")


# Integer form keys (issue 15): the rows of a form (critiques, points, the codes under its points) name it by
# forms.n, a few bytes, rather than by its 64-character content hash, which stays its public id. The
# tables are rebuilt with their rows, rowids and indexes; a count that differs aborts the migration (the
# transaction it runs in leaves the file as it was).

_FORM_COLUMNS = """lineage, previous_id, superseded_by, seq, file, name, year, department, unit, claimed_total,
    recomputed_total, form_json, scorecard_json, first_reviewed_at, last_reviewed_at"""


class MigrationMismatch(sqlite3.DatabaseError):
    """A rebuilt table lost or gained rows: the migration's transaction is rolled back (the file unchanged)."""


def _same_count(db: Database, old: str, new: str) -> None:
    before = db.execute(f"SELECT count(*) FROM {old}").fetchone()[0]
    after = db.execute(f"SELECT count(*) FROM {new}").fetchone()[0]
    if before != after:
        raise MigrationMismatch(f"升级数据表 {old} 时行数不符（{before} 行变为 {after} 行），已撤销升级，数据库未作任何修改；"
                                "请保留该文件并联系维护人员")


@migrations()
def forms_integer_key(db: Database) -> None:
    # n: the form's key in the rows that belong to it. An INTEGER PRIMARY KEY, so VACUUM never renumbers it.
    db.execute(f"""
        CREATE TABLE forms_new (
            n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, lineage TEXT NOT NULL, previous_id TEXT,
            superseded_by TEXT, seq INTEGER NOT NULL, file TEXT NOT NULL, name TEXT NOT NULL, year INTEGER NOT NULL,
            department TEXT NOT NULL, unit TEXT, claimed_total TEXT, recomputed_total TEXT NOT NULL,
            form_json TEXT NOT NULL, scorecard_json TEXT NOT NULL,
            first_reviewed_at TEXT NOT NULL, last_reviewed_at TEXT NOT NULL)""")
    db.execute(f"INSERT INTO forms_new (n, id, {_FORM_COLUMNS}) SELECT rowid, id, {_FORM_COLUMNS} FROM forms ORDER BY rowid")
    _same_count(db, "forms", "forms_new")
    db.execute("DROP TABLE forms")
    db.execute("ALTER TABLE forms_new RENAME TO forms")
    db.execute("CREATE INDEX forms_identity ON forms(name, year, department)")
    db.execute("CREATE INDEX forms_file ON forms(file)")
    db.execute("CREATE INDEX forms_seq ON forms(seq)")


_CRITIQUE_COLUMNS = """id, key, code, indicators, form_seq, seq, source, severity, message, verdict, tags, data, comment,
    status, final_comment, decided_by, decided_at, note, previous_id, superseded_by, created_at, updated_at"""


@migrations()
def critiques_form_key(db: Database) -> None:
    db.execute("""
        CREATE TABLE critiques_new (
            id TEXT PRIMARY KEY, form INTEGER NOT NULL, key TEXT NOT NULL, code TEXT NOT NULL,
            indicators TEXT NOT NULL, form_seq INTEGER NOT NULL, seq INTEGER NOT NULL,
            source TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL, verdict TEXT,
            tags TEXT NOT NULL, data TEXT NOT NULL, comment TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending', final_comment TEXT, decided_by TEXT, decided_at TEXT,
            note TEXT, previous_id TEXT, superseded_by TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""")
    columns = ", ".join(f"c.{name.strip()}" for name in _CRITIQUE_COLUMNS.split(","))
    db.execute(f"""INSERT INTO critiques_new (rowid, form, {_CRITIQUE_COLUMNS}) SELECT c.rowid, f.n, {columns}
                   FROM critiques c JOIN forms f ON f.id = c.form_id ORDER BY c.rowid""")
    # No count check here: the copy is the join itself. A critique whose form is gone (a file edited by hand)
    # can be reached by no query and is left out rather than refusing the whole database for it.
    db.execute("DROP TABLE critiques")
    db.execute("ALTER TABLE critiques_new RENAME TO critiques")
    db.execute("CREATE INDEX critiques_form ON critiques(form, seq)")


_POINT_COLUMNS = """id, key, form_seq, seq, indicators, kind, title, severity, codes, verdict, review_first,
    findings, signature, status, final_comment, decided_by, decided_at, note, previous_id, superseded_by,
    created_at, updated_at, retired_at"""


@migrations()
def points_form_key_texts_apart(db: Database) -> None:
    # A point's comment and parts (its suggested wording, ~1.8 KB) go into point_texts, one compressed body
    # per form version ({key: [comment, parts]}): a form's points share most of their wording. n is the
    # point's key in point_codes.
    db.execute("""
        CREATE TABLE points_new (
            n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, form INTEGER NOT NULL, key TEXT NOT NULL,
            form_seq INTEGER NOT NULL, seq INTEGER NOT NULL, indicators TEXT NOT NULL, kind TEXT NOT NULL,
            title TEXT NOT NULL, severity TEXT NOT NULL, codes TEXT NOT NULL, verdict TEXT,
            review_first INTEGER NOT NULL DEFAULT 0, findings TEXT NOT NULL, signature TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending', final_comment TEXT, decided_by TEXT, decided_at TEXT,
            note TEXT, previous_id TEXT, superseded_by TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
            retired_at TEXT)""")
    columns = ", ".join(f"p.{name.strip()}" for name in _POINT_COLUMNS.split(","))
    db.execute(f"""INSERT INTO points_new (n, form, {_POINT_COLUMNS}) SELECT p.rowid, f.n, {columns}
                   FROM points p JOIN forms f ON f.id = p.form_id ORDER BY p.rowid""")
    # As for critiques: a point whose form is gone is left out.
    db.execute("CREATE TABLE point_texts (form INTEGER PRIMARY KEY, body BLOB NOT NULL)")
    body: dict[str, Any] = {}
    current = None
    # One form's points at a time (a cursor, not a list: a large database's texts never all in memory).
    rows = db.conn.execute("""SELECT f.n, p.key, p.comment, p.parts FROM points p JOIN forms f ON f.id = p.form_id
                              ORDER BY f.n, p.rowid""")
    for form, key, comment, parts in rows:
        if form != current and body:
            db.conn.execute("INSERT INTO point_texts VALUES (?, ?)", [current, pack(to_json(body))])
            body = {}
        current = form
        body[key] = [comment, json.loads(parts)]
    if body:
        db.conn.execute("INSERT INTO point_texts VALUES (?, ?)", [current, pack(to_json(body))])
    db.execute("DROP TABLE points")
    db.execute("ALTER TABLE points_new RENAME TO points")
    db.execute("CREATE INDEX points_form ON points(form, seq)")
    db.execute("""CREATE INDEX points_pending ON points(review_first DESC, form_seq, form, seq)
                  WHERE status = 'pending' AND superseded_by IS NULL""")
    db.execute("CREATE INDEX points_scope ON points(superseded_by, retired_at, status, severity)")


@migrations()
def point_codes_by_key(db: Database) -> None:
    # (code, point n): a refreshed point's old codes are read from its row, so no index by point is needed.
    db.execute("""CREATE TABLE point_codes_new (code TEXT NOT NULL, point INTEGER NOT NULL,
                  PRIMARY KEY (code, point)) WITHOUT ROWID""")
    db.execute("""INSERT INTO point_codes_new SELECT c.code, p.n FROM point_codes c JOIN points p ON p.id = c.point_id""")
    # As for critiques: a code whose point is gone is left out.
    db.execute("DROP TABLE point_codes")
    db.execute("ALTER TABLE point_codes_new RENAME TO point_codes")


@migrations()
def critiques_unique_within_form(db: Database) -> None:
    # A critique's id (a content hash) is unique within its form (the form's hash is part of it) and nothing looks
    # one up by id alone: the rows are keyed (form, id), where a new form's rows go at the end of the index, not
    # into a primary-key index at random places (~35 a form: most of a batch's insert and COMMIT work). The texts
    # a new row keeps in critique_texts default to ''. The rows keep their rowids.
    db.execute("""
        CREATE TABLE critiques_new (
            id TEXT NOT NULL, form INTEGER NOT NULL, key TEXT NOT NULL, code TEXT NOT NULL,
            indicators TEXT NOT NULL, form_seq INTEGER NOT NULL, seq INTEGER NOT NULL,
            source TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL DEFAULT '', verdict TEXT,
            tags TEXT NOT NULL, data TEXT NOT NULL DEFAULT '', comment TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'pending', final_comment TEXT, decided_by TEXT, decided_at TEXT,
            note TEXT, previous_id TEXT, superseded_by TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""")
    db.execute(f"""INSERT INTO critiques_new (rowid, form, {_CRITIQUE_COLUMNS}) SELECT rowid, form, {_CRITIQUE_COLUMNS}
                   FROM critiques ORDER BY rowid""")
    _same_count(db, "critiques", "critiques_new")
    db.execute("DROP TABLE critiques")
    db.execute("ALTER TABLE critiques_new RENAME TO critiques")
    db.execute("CREATE UNIQUE INDEX critiques_form ON critiques(form, id)")


# One encoder for every JSON column (packing.stdlib_json): json.dumps(..., ensure_ascii=False) builds one per call.
_encode = stdlib_json


def to_json(value: Any) -> str:
    """JSON as json.dumps(value, ensure_ascii=False, default=str) writes it; the lists of small integers
    (indicator numbers) and empty lists that make up most columns without the encoder's set-up."""
    if type(value) is list and all(type(item) is int for item in value):
        return "[" + ", ".join(map(str, value)) + "]"
    return _encode(value)


def short_json(items: tuple[int, ...] | tuple[str, ...]) -> str:
    """to_json(list(items)) of a short tuple of indicator numbers or of tags, remembered: a batch's ~35 findings
    a form repeat a few dozen of them (items of one type: (1,) and (True,) are one key)."""
    return _short_json(items if type(items) is tuple else tuple(items))


@lru_cache(maxsize=4096)  # bounded: memory stays flat over any batch
def _short_json(items: tuple[Any, ...]) -> str:
    return to_json(list(items))


# A finding as its critique row stores it, JSON columns encoded: (id, key, code, indicators, source, severity,
# verdict, tags). Its texts (message, comment, data) are in the form's critique_texts body (FormRows.texts) only.
# A plain tuple, each text once, is what a worker process sends back cheapest: pickled and unpickled in C, where a
# NamedTuple's own __getnewargs__ and __new__ were two Python calls a critique (~35 a form).
CritiqueRow = tuple[str, str, str, str, str, str, "str | None", str]


@dataclass(frozen=True)
class FormRows:
    """A review as the store keeps it: plain, picklable values (a worker process builds them), each
    JSON text encoded once."""

    form_id: str
    file: str  # resolved
    name: str
    year: int
    department: str
    unit: str | None
    claimed_total: str | None
    recomputed_total: str
    form_json: bytes  # compressed (pack): form and scorecard JSON are kept once per form version
    scorecard_json: bytes
    judge: dict[str, Any]
    critiques: tuple[CritiqueRow, ...]
    texts: bytes = b""  # the critiques' texts (id -> [message, comment, data]) as critique_texts keeps them (pack)


def form_rows(review: Review, file: str | None = None) -> FormRows:
    """`file`: review.file as stored (resolved), when the caller has it (signoff/batch.py stored_file)."""
    form, card, fid = review.form, review.card, review.form_id
    critiques, texts = [], {}
    for finding in review.findings:
        if not finding.id:
            finding.assign_id(fid)
        critiques.append((finding.id, finding.key, finding.code, short_json(finding.indicators), finding.source,
                          finding.severity, finding.verdict, short_json(finding.tags)))  # a CritiqueRow
        texts[finding.id] = [finding.message, finding.comment, finding.data]
    claimed = card.claimed_total
    return FormRows(fid, file or resolved(review.file), form.name, form.year, form.department, form.unit,
                    None if claimed is None else format_decimal(claimed), format_decimal(card.recomputed_total),
                    pack(card.canonical_bytes), pack(plain_json(scorecard(review))), dict(review.judge or {}),
                    tuple(critiques), pack(body_json(texts)))


def scorecard(review: Review) -> dict[str, Any]:
    card, funds = review.card, review.card.funds
    printed = review.form.funds
    return {
        "unit": printed.unit,
        "funds": {
            "budget": _text(funds.budget), "executed": _text(funds.executed),
            "rate_printed": None if printed.execution_rate is None else format_decimal(printed.execution_rate.percent),
            "rate": None if funds.rate_percent is None else format_decimal(round_half_up(funds.rate_percent)),
            "weight": _text(printed.weight), "claimed": _text(printed.score),
            "recomputed": _text(funds.recomputed), "explanation": printed.explanation,
        },
        "indicators": [_indicator_card(row) for row in card.indicators],
    }


def _indicator_card(row: IndicatorScore) -> dict[str, Any]:
    indicator = row.indicator  # read once: a dataclass's attribute lookup each time otherwise
    return {
        "index": row.index, "level1": indicator.level1, "level2": indicator.level2,
        "name": indicator.name, "target": _text(indicator.target), "actual": _text(indicator.actual),
        "weight": _text(indicator.weight), "claimed": _text(indicator.score), "recomputed": _text(row.recomputed),
        "direction": row.direction, "formula": row.formula_text, "explanation": indicator.explanation,
    }


def _text(value: Any) -> str | None:
    """A figure as the scorecard keeps it: text as printed, a number without exponent."""
    return value if value is None or isinstance(value, str) else format_decimal(value)
