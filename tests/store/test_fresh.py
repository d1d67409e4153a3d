"""A new review.db is created at once from the schema the migrations end in (store/fresh.py): the same tables,
indexes and triggers, word for word, the same migrations recorded, the same version, as the migrations build
one by one; a migration added after that schema was written still runs; a `review X.json --json` into a new
database never loads sqlite-utils."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from formkit import SEED
from reviewer.store import Store
from reviewer.store.fresh import MIGRATIONS, built, create, written_anew
from reviewer.store.health import stamp_version
from reviewer.store.migrate import Migrations, apply_pending
from reviewer.store.schema import migrations


def recorded(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return [tuple(row) for row in conn.execute("SELECT migration_set, name FROM _sqlite_migrations ORDER BY id")]


def by_migrations(path: Path) -> sqlite3.Connection:
    """A database the migrations built one by one, by sqlite-utils (as every new database was before)."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrations.real().apply(sqlite_utils.Database(conn))
    stamp_version(conn, migrations)
    return conn


def test_a_new_store_has_the_schema_the_migrations_build(tmp_path: Path) -> None:
    old = by_migrations(tmp_path / "old.db")
    with Store(tmp_path / "new.db") as store:
        new = store.conn
        assert sorted(built(new)) == sorted(built(old))
        assert recorded(new) == recorded(old) == [("reviewer", name) for name in migrations.names]
        assert new.execute("PRAGMA user_version").fetchone()[0] == old.execute("PRAGMA user_version").fetchone()[0]
        applied_at = new.execute("SELECT applied_at FROM _sqlite_migrations").fetchone()[0]
        assert applied_at[:4].isdigit() and applied_at.endswith("+00:00")  # as sqlite-utils writes it


def test_the_schema_written_down_is_the_last_migrations() -> None:
    assert MIGRATIONS == tuple(migrations.names), (
        "schema.py's migrations changed: store/fresh.py's MIGRATIONS and SCHEMA become (new databases get the new "
        "migrations one by one meanwhile):\n" + written_anew())


def test_a_migration_added_later_still_runs_on_a_new_database(tmp_path: Path) -> None:
    later = Migrations("reviewer")
    for migration in migrations._migrations:
        later(name=migration.name)(migration.fn)

    @later()
    def create_notes(db: sqlite_utils.Database) -> None:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")

    conn = sqlite3.connect(tmp_path / "new.db", isolation_level=None)
    assert create(conn, later)
    apply_pending(conn, later)
    old = by_migrations(tmp_path / "old.db")
    assert sorted(built(conn)) == sorted(built(old) + ["CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"])
    assert recorded(conn) == [("reviewer", name) for name in later.names]


def test_a_database_holding_anything_is_left_to_the_migrations(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "other.db", isolation_level=None)
    conn.execute("CREATE TABLE mine (x)")
    assert not create(conn, migrations)
    assert built(conn) == ["CREATE TABLE mine (x)"]


def test_append_only_tables_refuse_a_replace_on_a_new_store(tmp_path: Path) -> None:
    # sqlite_utils.Database turned recursive triggers on for each store connection; the store still does.
    with Store(tmp_path / "new.db") as store:
        row = ["d1", "p1", "accept", "张三", "2026-01-01", "pending", "accepted"]
        sql = ("INSERT OR REPLACE INTO point_decisions (id, point_id, action, reviewer, at, status_before, status_after) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)")
        store.conn.execute(sql, row)
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.conn.execute(sql, row)


def test_a_review_into_a_new_database_does_not_load_sqlite_utils(tmp_path: Path) -> None:
    probe = ("import sys, runpy; sys.argv = ['review', *sys.argv[1:]]\n"
             "try:\n    runpy.run_module('reviewer', run_name='__main__')\n"
             "finally:\n    print('sqlite_utils' in sys.modules, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe, str(SEED), "--json", "--db", str(tmp_path / "new.db")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1] == "False"
    assert '"file"' in done.stdout
