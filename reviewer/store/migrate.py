"""Migration sets declared as sqlite-utils declares them (`@migrations()` on one small named function each), with
sqlite-utils itself loaded only when a migration has to run.

Importing sqlite_utils costs ~260 M instructions (its database layer, plugin manager, dateutil, a pattern compiled with
re.VERBOSE | re.IGNORECASE): more than half of what a one-form `review X.json --json` spends reviewing. Every run must
know which migrations a set holds (to refuse a database a newer tool wrote, to stamp the version) and which a database
has applied: plain SQL answers both. Few runs apply one: a database is up to date, or new (created at once from the
schema the set ends in, fresh.py). Only then is a sqlite_utils.Migrations built, with the same functions in the same
order, and given the connection.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, TypeVar

if TYPE_CHECKING:
    import sqlite_utils

F = TypeVar("F", bound=Callable[..., None])

TABLE = "_sqlite_migrations"  # sqlite_utils.Migrations.migrations_table: where sqlite-utils records what is applied


@dataclass(frozen=True)
class Migration:
    name: str
    fn: Callable[..., None]
    transactional: bool = True


class Migrations:
    """A named, ordered set of migrations; `pending` and `apply` are sqlite_utils.Migrations' own."""

    migrations_table = TABLE

    def __init__(self, name: str) -> None:
        self.name = name
        self._migrations: list[Migration] = []
        self._real: sqlite_utils.Migrations | None = None

    def __call__(self, *, name: str | None = None, transactional: bool = True) -> Callable[[F], F]:
        def register(fn: F) -> F:
            migration = Migration(name or fn.__name__, fn, transactional)
            if migration.name in self.names:  # as sqlite-utils refuses it
                raise ValueError(f"Migration '{migration.name}' is already registered in set '{self.name}'")
            self._migrations.append(migration)
            self._real = None
            return fn

        return register

    @property
    def names(self) -> list[str]:
        return [migration.name for migration in self._migrations]

    def applied_names(self, conn: sqlite3.Connection) -> list[str]:
        """The migrations of this set the database records as applied, in the order they were."""
        if not has_table(conn, TABLE):
            return []
        return [row[0] for row in conn.execute(f"SELECT name FROM {TABLE} WHERE migration_set = ? ORDER BY rowid",
                                               [self.name])]

    def pending_names(self, conn: sqlite3.Connection) -> list[str]:
        applied = set(self.applied_names(conn))
        return [name for name in self.names if name not in applied]

    def pending(self, db: sqlite_utils.Database) -> list[Any]:
        return self.real().pending(db)

    def apply(self, db: sqlite_utils.Database, **options: Any) -> None:
        self.real().apply(db, **options)

    def real(self) -> sqlite_utils.Migrations:
        """The set as sqlite-utils holds it (imported here: see the module's docstring)."""
        if self._real is None:
            import sqlite_utils

            real = sqlite_utils.Migrations(self.name)
            for migration in self._migrations:
                real(name=migration.name, transactional=migration.transactional)(migration.fn)
            self._real = real
        return self._real

    def __repr__(self) -> str:
        return f"<Migrations '{self.name}': [{', '.join(self.names)}]>"


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).fetchone() is not None


def apply_pending(conn: sqlite3.Connection, migrations: Migrations) -> None:
    """The set's pending migrations, by sqlite-utils, on this connection (in the caller's transaction)."""
    if migrations.pending_names(conn):
        import sqlite_utils

        # No sqlite-utils plugins: none is ours, and looking for them scans every installed package (~10 ms a run).
        migrations.apply(sqlite_utils.Database(conn, execute_plugins=False))
