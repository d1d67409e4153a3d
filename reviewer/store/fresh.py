"""A new review.db created at once: the tables, indexes and triggers the "reviewer" migrations (schema.py) end in,
each as SQLite keeps it (sqlite_master's text, so a later migration reads the same schema), and those migrations
recorded as applied, as sqlite-utils records them.

Run one by one, the migrations build tables only to rebuild them (integer keys, texts apart: ~350 statements,
~25 ms, and sqlite-utils loaded, migrate.py) before a new database's first form is stored. A migration added
after SCHEMA was written still runs, by sqlite-utils, on what this created. tests/store/test_fresh.py checks
that both are what the migrations build, and shows them written anew (written_anew) when they are not.
"""

from __future__ import annotations

import datetime
import sqlite3

from .migrate import TABLE, Migrations

# The migrations SCHEMA is the outcome of, in order.
MIGRATIONS = (
    'create_forms', 'create_runs', 'create_critiques', 'create_decisions', 'index_critique_scope',
    'create_undone_batches', 'forms_claimed_total_may_be_blank', 'create_points', 'create_point_decisions',
    'create_score_changes', 'create_refusals', 'retire_points', 'index_forms_seq', 'create_reviewed_files',
    'compact_critiques', 'forms_integer_key', 'critiques_form_key', 'points_form_key_texts_apart',
    'point_codes_by_key', 'critiques_unique_within_form',
)

SCHEMA = (
    """CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
)""",
    """CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name")""",
    """CREATE TABLE runs (
            id TEXT PRIMARY KEY, form_id TEXT NOT NULL, file TEXT NOT NULL, backend TEXT NOT NULL,
            model TEXT, prompt_version TEXT, first_at TEXT NOT NULL, last_at TEXT NOT NULL,
            times INTEGER NOT NULL DEFAULT 1, calls INTEGER NOT NULL DEFAULT 0, cached INTEGER NOT NULL DEFAULT 0,
            fallbacks INTEGER NOT NULL DEFAULT 0, prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0, cost REAL, findings INTEGER NOT NULL)""",
    'CREATE INDEX runs_form ON runs(form_id)',
    """CREATE TABLE decisions (
            id TEXT PRIMARY KEY, critique_id TEXT NOT NULL, action TEXT NOT NULL, reviewer TEXT NOT NULL,
            at TEXT NOT NULL, status_before TEXT NOT NULL, status_after TEXT NOT NULL,
            old_comment TEXT, new_comment TEXT, batch TEXT, reverts TEXT, carried_from TEXT, note TEXT)""",
    'CREATE INDEX decisions_critique ON decisions(critique_id)',
    'CREATE INDEX decisions_reviewer ON decisions(reviewer)',
    'CREATE INDEX decisions_batch ON decisions(batch)',
    'CREATE INDEX decisions_reverts ON decisions(reverts)',
    """CREATE TRIGGER decisions_append_only_update BEFORE UPDATE ON decisions
                       BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END""",
    """CREATE TRIGGER decisions_append_only_delete BEFORE DELETE ON decisions
                       BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END""",
    """CREATE TABLE undone_batches (
            batch TEXT PRIMARY KEY, undo_batch TEXT NOT NULL, reviewer TEXT NOT NULL, at TEXT NOT NULL,
            restored INTEGER NOT NULL, kept INTEGER NOT NULL)""",
    """CREATE TRIGGER undone_batches_append_only_update BEFORE UPDATE ON undone_batches
                       BEGIN SELECT RAISE(ABORT, 'undone_batches is append-only'); END""",
    """CREATE TRIGGER undone_batches_append_only_delete BEFORE DELETE ON undone_batches
                       BEGIN SELECT RAISE(ABORT, 'undone_batches is append-only'); END""",
    'CREATE TABLE point_builds (form_id TEXT PRIMARY KEY, builder INTEGER NOT NULL, at TEXT NOT NULL)',
    """CREATE TABLE point_decisions (
            id TEXT PRIMARY KEY, point_id TEXT NOT NULL, action TEXT NOT NULL, reviewer TEXT NOT NULL,
            at TEXT NOT NULL, status_before TEXT NOT NULL, status_after TEXT NOT NULL,
            old_comment TEXT, new_comment TEXT, batch TEXT, reverts TEXT, carried_from TEXT, note TEXT)""",
    'CREATE INDEX point_decisions_point ON point_decisions(point_id)',
    'CREATE INDEX point_decisions_reviewer ON point_decisions(reviewer)',
    'CREATE INDEX point_decisions_batch ON point_decisions(batch)',
    'CREATE INDEX point_decisions_reverts ON point_decisions(reverts)',
    """CREATE TRIGGER point_decisions_append_only_update BEFORE UPDATE ON point_decisions
                       BEGIN SELECT RAISE(ABORT, 'point_decisions is append-only'); END""",
    """CREATE TRIGGER point_decisions_append_only_delete BEFORE DELETE ON point_decisions
                       BEGIN SELECT RAISE(ABORT, 'point_decisions is append-only'); END""",
    """CREATE TABLE score_changes (
            id TEXT PRIMARY KEY, form_id TEXT NOT NULL, row INTEGER NOT NULL, field TEXT NOT NULL,
            before TEXT, shown_before TEXT, after TEXT, reason TEXT NOT NULL, clause TEXT, reviewer TEXT NOT NULL,
            at TEXT NOT NULL, reverts TEXT, carried_from TEXT, note TEXT)""",
    'CREATE INDEX score_changes_row ON score_changes(form_id, row, field)',
    'CREATE INDEX score_changes_reviewer ON score_changes(reviewer)',
    'CREATE INDEX score_changes_reverts ON score_changes(reverts)',
    """CREATE TRIGGER score_changes_append_only_update BEFORE UPDATE ON score_changes
                       BEGIN SELECT RAISE(ABORT, 'score_changes is append-only'); END""",
    """CREATE TRIGGER score_changes_append_only_delete BEFORE DELETE ON score_changes
                       BEGIN SELECT RAISE(ABORT, 'score_changes is append-only'); END""",
    """CREATE TABLE refusals (file TEXT PRIMARY KEY, message TEXT NOT NULL, at TEXT NOT NULL,
                  resolved_at TEXT)""",
    """CREATE TABLE reviewed_files (digest TEXT PRIMARY KEY, form_id TEXT NOT NULL, run_id TEXT NOT NULL,
                  result BLOB NOT NULL, at TEXT NOT NULL)""",
    'CREATE INDEX reviewed_files_form ON reviewed_files(form_id)',
    'CREATE TABLE critique_texts (form_id TEXT PRIMARY KEY, body BLOB NOT NULL)',
    """CREATE TABLE "forms" (
            n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, lineage TEXT NOT NULL, previous_id TEXT,
            superseded_by TEXT, seq INTEGER NOT NULL, file TEXT NOT NULL, name TEXT NOT NULL, year INTEGER NOT NULL,
            department TEXT NOT NULL, unit TEXT, claimed_total TEXT, recomputed_total TEXT NOT NULL,
            form_json TEXT NOT NULL, scorecard_json TEXT NOT NULL,
            first_reviewed_at TEXT NOT NULL, last_reviewed_at TEXT NOT NULL)""",
    'CREATE INDEX forms_identity ON forms(name, year, department)',
    'CREATE INDEX forms_file ON forms(file)',
    'CREATE INDEX forms_seq ON forms(seq)',
    """CREATE TABLE "points" (
            n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, form INTEGER NOT NULL, key TEXT NOT NULL,
            form_seq INTEGER NOT NULL, seq INTEGER NOT NULL, indicators TEXT NOT NULL, kind TEXT NOT NULL,
            title TEXT NOT NULL, severity TEXT NOT NULL, codes TEXT NOT NULL, verdict TEXT,
            review_first INTEGER NOT NULL DEFAULT 0, findings TEXT NOT NULL, signature TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending', final_comment TEXT, decided_by TEXT, decided_at TEXT,
            note TEXT, previous_id TEXT, superseded_by TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
            retired_at TEXT)""",
    'CREATE TABLE point_texts (form INTEGER PRIMARY KEY, body BLOB NOT NULL)',
    'CREATE INDEX points_form ON points(form, seq)',
    """CREATE INDEX points_pending ON points(review_first DESC, form_seq, form, seq)
                  WHERE status = 'pending' AND superseded_by IS NULL""",
    'CREATE INDEX points_scope ON points(superseded_by, retired_at, status, severity)',
    """CREATE TABLE "point_codes" (code TEXT NOT NULL, point INTEGER NOT NULL,
                  PRIMARY KEY (code, point)) WITHOUT ROWID""",
    """CREATE TABLE "critiques" (
            id TEXT NOT NULL, form INTEGER NOT NULL, key TEXT NOT NULL, code TEXT NOT NULL,
            indicators TEXT NOT NULL, form_seq INTEGER NOT NULL, seq INTEGER NOT NULL,
            source TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL DEFAULT '', verdict TEXT,
            tags TEXT NOT NULL, data TEXT NOT NULL DEFAULT '', comment TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'pending', final_comment TEXT, decided_by TEXT, decided_at TEXT,
            note TEXT, previous_id TEXT, superseded_by TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    'CREATE UNIQUE INDEX critiques_form ON critiques(form, id)',
)


def create(conn: sqlite3.Connection, migrations: Migrations) -> bool:
    """In the caller's write transaction: a database without any table gets SCHEMA and MIGRATIONS recorded as
    applied (True). One that holds anything, or a set that no longer begins with MIGRATIONS, is left to the
    migrations (False)."""
    if conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None:
        return False
    if tuple(migrations.names[:len(MIGRATIONS)]) != MIGRATIONS:
        return False
    for sql in SCHEMA:
        conn.execute(sql)
    applied_at = str(datetime.datetime.now(datetime.timezone.utc))  # as sqlite-utils writes it
    conn.executemany(f"INSERT INTO {TABLE} (migration_set, name, applied_at) VALUES (?, ?, ?)",
                     [(migrations.name, name, applied_at) for name in MIGRATIONS])
    return True


def built(conn: sqlite3.Connection) -> list[str]:
    """What a database's schema is, statement by statement, in the order SQLite recorded it."""
    return [sql for (sql,) in conn.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL "
                                           "AND name NOT LIKE 'sqlite_%' ORDER BY rowid")]


def written_anew() -> str:
    """MIGRATIONS and SCHEMA as this module should hold them: from a database the migrations built one by one."""
    import sqlite_utils

    from .schema import migrations

    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrations.real().apply(sqlite_utils.Database(conn))
    lines = [f"MIGRATIONS = {tuple(migrations.names)!r}", "", "SCHEMA = ("]
    lines += [f'    """{sql}""",' if "\n" in sql else f"    {sql!r}," for sql in built(conn)]
    return "\n".join(lines + [")", ""])
